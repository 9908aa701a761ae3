//! The real device paths. This machine has no camera and no sound card (no /dev/video*, no
//! /dev/snd), so: the microphone path runs through cpal and ALSA for real, with the default
//! capture device defined by a private ALSA configuration as the `file` plugin reading a raw
//! PCM file (the test re-runs itself with `ALSA_CONFIG_PATH` set, so nothing outside the test
//! is touched); the camera path runs through nokhwa and must fail cleanly with "no camera".

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use capture::devices::{self, CpalMicrophone, NokhwaCamera};
use capture::{AudioSource, Capture, CaptureSettings, Clock, DeviceKind, SourceError, VideoSource};

const ALSA_CHILD: &str = "CAPTURE_TEST_ALSA_CHILD";
const RATE: u32 = 48_000;
const TONE_HZ: f64 = 1000.0;

/// ALSA's own configuration, then a default capture device that reads `raw` (S16_LE, mono, 48 kHz).
fn alsa_config(dir: &Path, raw: &Path) -> std::path::PathBuf {
    let conf = dir.join("asound.conf");
    std::fs::write(
        &conf,
        format!(
            r#"</usr/share/alsa/alsa.conf>
pcm.!default {{
    type plug
    slave {{ pcm "wavfile" format S16_LE rate {RATE} channels 1 }}
}}
pcm.wavfile {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{}"
    format "raw"
}}
"#,
            raw.display()
        ),
    )
    .unwrap();
    conf
}

#[test]
fn cpal_records_through_alsa_from_a_file_device() {
    if std::env::var_os(ALSA_CHILD).is_some() {
        return alsa_child();
    }
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("tone.raw");
    let samples: Vec<u8> = (0..RATE * 20)
        .flat_map(|i| {
            let v = (std::f64::consts::TAU * TONE_HZ * f64::from(i) / f64::from(RATE)).sin() * 0.5;
            ((v * 32767.0) as i16).to_le_bytes()
        })
        .collect();
    std::fs::write(&raw, samples).unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "devices::cpal_records_through_alsa_from_a_file_device", "--nocapture", "--test-threads=1"])
        .env(ALSA_CHILD, "1")
        .env("ALSA_CONFIG_PATH", alsa_config(dir.path(), &raw))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the ALSA child failed:\n{text}");
    assert!(text.contains("1 passed"), "{text}");
}

fn alsa_child() {
    let listed = devices::list();
    assert!(listed.iter().any(|d| d.kind == DeviceKind::Microphone), "{listed:?}");
    let mut mic = CpalMicrophone::new(None);
    mic.open(Clock::start()).unwrap();
    let mut samples = Vec::new();
    let mut rate = 0;
    while samples.len() < RATE as usize / 2 {
        let chunk = mic.next_chunk(Duration::from_secs(2)).unwrap();
        rate = chunk.rate;
        samples.extend(chunk.samples);
    }
    mic.close();
    assert_eq!(rate, RATE);
    // The tone arrives: level and zero crossings say 1 kHz at half scale.
    let rms = (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    assert!((rms - 0.5 / 2f64.sqrt()).abs() < 0.03, "rms {rms}");
    let crossings = samples.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count() as f64;
    let hz = crossings / 2.0 / (samples.len() as f64 / f64::from(RATE));
    assert!((hz - TONE_HZ).abs() < 20.0, "{hz} Hz");
}

#[test]
fn no_camera_is_a_clear_error_not_a_hang() {
    // This machine has no /dev/video*: nokhwa finds nothing and opening index 0 fails.
    if Path::new("/dev/video0").exists() {
        return;
    }
    assert!(!devices::list().iter().any(|d| d.kind == DeviceKind::Camera));
    let mut camera = NokhwaCamera::new(0);
    let error = camera.open(Clock::start()).unwrap_err();
    assert_eq!(error, SourceError::NoDevice { kind: DeviceKind::Camera });
    let message = interview::UserFacing::user_message(&capture::CaptureError::from(error));
    assert!(message.zh_cn.contains("摄像头") && message.en.contains("camera"));
    assert!(matches!(devices::camera("webcam"), Err(capture::CaptureError::UnknownDevice(_))));

    // The pipeline refuses to start on it.
    let control = capture::SyntheticControl::new();
    let result = Capture::start(
        Box::new(NokhwaCamera::new(0)),
        Box::new(capture::SyntheticMicrophone::new(16_000, 0.0, control)),
        CaptureSettings::default(),
    );
    assert!(matches!(result, Err(capture::CaptureError::Source(SourceError::NoDevice { .. }))));
}

#[test]
fn the_device_choice_is_remembered_per_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(devices::DeviceChoice::load(dir.path()), devices::DeviceChoice::default());
    let choice = devices::DeviceChoice { camera: Some("camera:1".into()), microphone: Some("alsa:default".into()) };
    choice.save(dir.path()).unwrap();
    assert_eq!(devices::DeviceChoice::load(dir.path()), choice);
    std::fs::write(dir.path().join("devices.json"), "{ not json").unwrap();
    assert_eq!(devices::DeviceChoice::load(dir.path()), devices::DeviceChoice::default());
}
