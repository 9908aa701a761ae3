#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark binary: it prints, and a failure aborts it
//! Capture benchmark (`make bench`): 640×480 at 30 fps from the synthetic camera (a picture with
//! noise, which costs bits as a real camera does) and a 48 kHz
//! synthetic microphone) through the real pipeline for 60 s (CAPTURE_BENCH_SECONDS to change;
//! 1800 for the 30-minute drift figure): frames dropped, CPU time per second of recording,
//! bytes per minute, A/V drift. Then the VP9 encoder alone against Debian's ffmpeg (libvpx-vp9,
//! the same real-time settings and bitrate) on the same frames.

use std::process::Command;
use std::time::{Duration, Instant};

use capture::encode::{SegmentVideo, mux};
use capture::frame::VideoFrame;
use capture::{
    Capture, CaptureEvent, CaptureSettings, Clock, SyntheticCamera, SyntheticControl, SyntheticMicrophone, VideoSource,
};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;
const FPS: u32 = 30;
/// The demo's candidate picture, with sensor-like noise added every frame, so the encoder works
/// about as hard as on a real camera.
const PICTURE: &[u8] = include_bytes!("../../../../assets/samples/demo/candidate.jpg");

/// User + system CPU seconds of this process so far (Linux: /proc/self/stat, 100 ticks a second).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let seconds: u64 = std::env::var("CAPTURE_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let settings = CaptureSettings::default();
    println!(
        "capture benchmark: {WIDTH}×{HEIGHT} at {FPS} fps, {seconds} s, VP9 {} kbit/s, {} ms segments",
        settings.video_kbps, settings.segment_ms
    );

    let control = SyntheticControl::new();
    let camera =
        SyntheticCamera::picture("candidate.jpg", PICTURE, WIDTH, HEIGHT, FPS, control.clone()).unwrap().with_noise(3);
    let capture =
        Capture::start(Box::new(camera), Box::new(SyntheticMicrophone::new(48_000, 440.0, control)), settings.clone())
            .unwrap();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    capture.record().unwrap();
    let mut stopping = false;
    let stats = loop {
        if !stopping && started.elapsed() >= Duration::from_secs(seconds) {
            capture.stop_recording().unwrap();
            stopping = true;
        }
        match capture.next_event(Duration::from_millis(50)).unwrap() {
            Some(CaptureEvent::Stopped(stats)) => break stats,
            Some(CaptureEvent::Failed(e)) => panic!("recording failed: {e}"),
            _ => {}
        }
    };
    let cpu = cpu_seconds() - cpu_before;
    capture.shutdown();
    let recorded = stats.recorded_ms as f64 / 1000.0;
    let expected_frames = (recorded * f64::from(FPS)).round();
    let per_minute = |bytes: u64| bytes as f64 / recorded * 60.0 / 1e6;
    println!();
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!("| recorded | {recorded:.1} s in {} segments | |", stats.segments);
    println!(
        "| frames encoded / dropped | {} / {} ({:.2}%) | ≤ 1% dropped |",
        stats.frames_encoded,
        stats.frames_dropped,
        100.0 * stats.frames_dropped as f64 / expected_frames.max(1.0)
    );
    println!(
        "| CPU time per second recorded (capture, preview, stills, encode) | {:.2} s | < 2 (two cores) |",
        cpu / recorded
    );
    println!("| encoder time per second recorded | {:.2} s | |", stats.encode_seconds / recorded);
    println!("| video and sound (VP9 + Opus in WebM) per minute | {:.2} MB | |", per_minute(stats.video_bytes));
    println!("| audio for scoring (16 kHz WAV) per minute | {:.2} MB | |", per_minute(stats.audio_bytes));
    println!("| stills per minute | {:.2} MB | |", per_minute(stats.still_bytes));
    println!(
        "| all per minute | {:.2} MB | ≤ 8 MB |",
        per_minute(stats.video_bytes + stats.audio_bytes + stats.still_bytes)
    );
    println!(
        "| A/V drift: largest seen / at the end / corrections | {:.1} ms / {:.1} ms / {} | |",
        stats.max_drift_ms, stats.final_drift_ms, stats.drift_corrections
    );

    encoder_against_ffmpeg(&settings);
}

/// The same 300 frames through our encoder (in the pipeline's segments) and through ffmpeg.
fn encoder_against_ffmpeg(settings: &CaptureSettings) {
    let control = SyntheticControl::new();
    let mut camera =
        SyntheticCamera::picture("candidate.jpg", PICTURE, WIDTH, HEIGHT, FPS, control).unwrap().with_noise(3);
    camera.open(Clock::start()).unwrap();
    let frames: Vec<VideoFrame> = (0..300u64)
        .map(|i| {
            let mut f = camera.next_frame(Duration::from_secs(1)).unwrap();
            f.pts_us = i as i64 * 1_000_000 / i64::from(FPS);
            f
        })
        .collect();
    camera.close();
    let per_segment = (settings.segment_ms * FPS / 1000) as usize;
    let started = Instant::now();
    let mut ours = 0usize;
    for chunk in frames.chunks(per_segment) {
        let mut seg = SegmentVideo::new(WIDTH, HEIGHT, chunk[0].pts_us, settings.video_kbps).unwrap();
        for f in chunk {
            seg.push(f).unwrap();
        }
        ours += mux(seg.finish(chunk[chunk.len() - 1].pts_us + 33_333).unwrap(), None).unwrap().webm.len();
    }
    let ours_fps = frames.len() as f64 / started.elapsed().as_secs_f64();

    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("frames.yuv");
    std::fs::write(&raw, frames.iter().flat_map(|f| f.i420.iter().copied()).collect::<Vec<u8>>()).unwrap();
    let out = dir.path().join("out.webm");
    let started = Instant::now();
    let status = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", &format!("{WIDTH}x{HEIGHT}")])
        .args(["-r", &FPS.to_string(), "-i"])
        .arg(&raw)
        .args(["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "6", "-row-mt", "1", "-threads", "8"])
        .args(["-b:v", &format!("{}k", settings.video_kbps), "-g", &per_segment.to_string(), "-f", "webm"])
        .arg(&out)
        .status();
    println!();
    println!("| VP9 encoder, 300 frames {WIDTH}×{HEIGHT} | fps | bytes |");
    println!("|---|---|---|");
    println!("| ours (vpx-encode + libwebm, {per_segment}-frame segments) | {ours_fps:.0} | {ours} |");
    match status {
        Ok(s) if s.success() => {
            let ffmpeg_fps = frames.len() as f64 / started.elapsed().as_secs_f64();
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!("| ffmpeg libvpx-vp9 (same settings, keyframe every {per_segment}) | {ffmpeg_fps:.0} | {size} |");
            println!(
                "| ratio ours / ffmpeg | {:.2} | {:.2} |",
                ours_fps / ffmpeg_fps,
                ours as f64 / size.max(1) as f64
            );
        }
        _ => println!("| ffmpeg | not available (installer/setup.sh installs it) | |"),
    }
}
