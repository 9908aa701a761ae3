//! Synthetic camera and microphone for tests, benchmarks and the demo. They pace themselves in
//! real time against the capture clock, and a [`SyntheticControl`] can unplug or stall them
//! mid-answer, or hand the microphone a clip to "say" — so every path the real devices take
//! (including their failures) runs on a machine without any.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::frame::{AudioChunk, Clock, VideoFrame, i420_len, rgb_to_i420};
use crate::source::{AudioSource, DeviceInfo, DeviceKind, SourceError, VideoSource};

const OK: u8 = 0;
const UNPLUGGED: u8 = 1;
const STALLED: u8 = 2;

/// What a test or the demo does to the synthetic devices while they run.
#[derive(Debug, Default)]
pub struct SyntheticControl {
    camera: AtomicU8,
    microphone: AtomicU8,
    clips: Mutex<VecDeque<Vec<f32>>>,
}

impl SyntheticControl {
    pub fn new() -> Arc<SyntheticControl> {
        Arc::new(SyntheticControl::default())
    }
    fn state(&self, kind: DeviceKind) -> &AtomicU8 {
        match kind {
            DeviceKind::Camera => &self.camera,
            DeviceKind::Microphone => &self.microphone,
        }
    }
    /// The device reports itself gone (as a USB camera pulled out does).
    pub fn unplug(&self, kind: DeviceKind) {
        self.state(kind).store(UNPLUGGED, Ordering::SeqCst);
    }
    /// The device stays "connected" but delivers nothing (a hung driver).
    pub fn stall(&self, kind: DeviceKind) {
        self.state(kind).store(STALLED, Ordering::SeqCst);
    }
    pub fn replug(&self, kind: DeviceKind) {
        self.state(kind).store(OK, Ordering::SeqCst);
    }
    /// Queues samples (at the microphone's rate) for the microphone to deliver, after what is queued.
    pub fn say(&self, samples: Vec<f32>) {
        self.clips.lock().unwrap_or_else(|e| e.into_inner()).push_back(samples);
    }
    /// Whether everything queued with [`say`](Self::say) has been delivered.
    pub fn quiet(&self) -> bool {
        self.clips.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// A candidate answering, on a thread of its own: after a moment says `clip`, waits until
    /// the microphone has delivered all of it, pauses, then does `finished` (presses "I have
    /// finished"). The demo and the tests answer through this.
    pub fn answer_then(
        self: &Arc<Self>,
        clip: Vec<f32>,
        finished: impl FnOnce() + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let speaker = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            speaker.say(clip);
            while !speaker.quiet() {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            finished();
        })
    }
    fn take(&self, n: usize, out: &mut Vec<f32>) {
        let mut clips = self.clips.lock().unwrap_or_else(|e| e.into_inner());
        while out.len() < n {
            let Some(front) = clips.front_mut() else { break };
            let take = (n - out.len()).min(front.len());
            out.extend(front.drain(..take));
            if front.is_empty() {
                clips.pop_front();
            }
        }
    }
    /// Waits as a device would: `Err` while unplugged or stalled (after the timeout).
    fn gate(&self, kind: DeviceKind, device: &str, timeout: Duration) -> Result<(), SourceError> {
        match self.state(kind).load(Ordering::SeqCst) {
            UNPLUGGED => {
                std::thread::sleep(timeout.min(Duration::from_millis(50)));
                Err(SourceError::Disconnected { device: device.to_owned() })
            }
            STALLED => {
                std::thread::sleep(timeout);
                Err(SourceError::Stalled { device: device.to_owned(), ms: timeout.as_millis() as u64 })
            }
            _ => Ok(()),
        }
    }
}

/// A camera showing a picture (or a generated test card) with a moving block and a frame
/// counter bar, at a fixed size and rate.
#[derive(Debug)]
pub struct SyntheticCamera {
    id: String,
    width: u32,
    height: u32,
    fps: u32,
    background: Vec<u8>,
    noise: u8,
    control: Arc<SyntheticControl>,
    clock: Option<Clock>,
    start_us: i64,
    next: u64,
}

impl SyntheticCamera {
    /// A generated test card: colour gradients.
    pub fn pattern(width: u32, height: u32, fps: u32, control: Arc<SyntheticControl>) -> SyntheticCamera {
        let (w, h) = (width.max(2) & !1, height.max(2) & !1);
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                rgb.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, (((x + y) * 255) / (w + h)) as u8]);
            }
        }
        SyntheticCamera::from_rgb("synthetic:pattern", &rgb, w, h, fps, control)
    }

    /// A picture (PNG or JPEG bytes, e.g. a bundled sample), scaled to `width`×`height`.
    pub fn picture(
        name: &str,
        bytes: &[u8],
        width: u32,
        height: u32,
        fps: u32,
        control: Arc<SyntheticControl>,
    ) -> Result<SyntheticCamera, SourceError> {
        let id = format!("synthetic:picture:{name}");
        let picture = image::load_from_memory(bytes)
            .map_err(|e| SourceError::Failed { device: id.clone(), detail: e.to_string() })?;
        let (w, h) = (width.max(2) & !1, height.max(2) & !1);
        let rgb = picture.resize_exact(w, h, image::imageops::FilterType::Triangle).to_rgb8();
        Ok(SyntheticCamera::from_rgb(&id, rgb.as_raw(), w, h, fps, control))
    }

    fn from_rgb(id: &str, rgb: &[u8], w: u32, h: u32, fps: u32, control: Arc<SyntheticControl>) -> SyntheticCamera {
        SyntheticCamera {
            id: id.to_owned(),
            width: w,
            height: h,
            fps: fps.max(1),
            background: rgb_to_i420(rgb, w, h),
            noise: 0,
            control,
            clock: None,
            start_us: 0,
            next: 0,
        }
    }

    /// Adds sensor-like noise (± `amplitude` levels of brightness, different every frame): real
    /// cameras are never still, and noise costs the encoder bits as a real picture does.
    pub fn with_noise(mut self, amplitude: u8) -> SyntheticCamera {
        self.noise = amplitude;
        self
    }

    fn interval_us(&self) -> i64 {
        1_000_000 / i64::from(self.fps)
    }

    fn draw(&self, seq: u64) -> Vec<u8> {
        let mut frame = self.background.clone();
        debug_assert_eq!(frame.len(), i420_len(self.width, self.height));
        let (w, h) = (self.width as usize, self.height as usize);
        // A bright block sweeping across the lower third, and a counter bar along the top.
        let size = (h / 8).max(2);
        let span = w.saturating_sub(size).max(1);
        let x0 = (seq as usize * 7) % span;
        let y0 = h * 2 / 3;
        for y in y0..(y0 + size).min(h) {
            frame[y * w + x0..y * w + x0 + size].fill(235);
        }
        let bar = ((seq % 64) as usize * w) / 64;
        for y in 0..(h / 60).max(2) {
            frame[y * w..y * w + bar].fill(16);
        }
        if self.noise > 0 {
            let span = u64::from(self.noise) * 2 + 1;
            let mut state = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            for px in frame[..w * h].iter_mut() {
                // xorshift64: cheap, and the same frame number always gives the same picture.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let delta = (state % span) as i16 - i16::from(self.noise);
                *px = (i16::from(*px) + delta).clamp(0, 255) as u8;
            }
        }
        frame
    }
}

impl VideoSource for SyntheticCamera {
    fn info(&self) -> DeviceInfo {
        DeviceInfo { id: self.id.clone(), name: "Synthetic camera".into(), kind: DeviceKind::Camera, synthetic: true }
    }

    fn open(&mut self, clock: Clock) -> Result<(), SourceError> {
        self.clock = Some(clock);
        self.start_us = clock.now_us();
        self.next = 0;
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<VideoFrame, SourceError> {
        let clock =
            self.clock.ok_or_else(|| SourceError::Failed { device: self.id.clone(), detail: "not open".into() })?;
        self.control.gate(DeviceKind::Camera, &self.id, timeout)?;
        let interval = self.interval_us();
        // Like a real sensor, frames happen whether or not anyone reads them: if we were late,
        // the missed ones are gone (the gap shows in `seq`).
        let now = clock.now_us();
        let current = ((now - self.start_us) / interval).max(0) as u64;
        if current > self.next {
            self.next = current;
        }
        let due = self.start_us + self.next as i64 * interval;
        std::thread::sleep(clock.instant(due).saturating_duration_since(std::time::Instant::now()));
        let seq = self.next;
        self.next += 1;
        Ok(VideoFrame { pts_us: due, seq, width: self.width, height: self.height, i420: self.draw(seq) })
    }

    fn close(&mut self) {
        self.clock = None;
    }
}

/// A microphone that delivers what it is told to [`say`](SyntheticControl::say), and between
/// clips a quiet tone (or silence) — at its own sample rate, in 20 ms chunks.
#[derive(Debug)]
pub struct SyntheticMicrophone {
    id: String,
    rate: u32,
    idle_tone_hz: f32,
    control: Arc<SyntheticControl>,
    clock: Option<Clock>,
    start_us: i64,
    delivered: u64,
}

impl SyntheticMicrophone {
    pub fn new(rate: u32, idle_tone_hz: f32, control: Arc<SyntheticControl>) -> SyntheticMicrophone {
        SyntheticMicrophone {
            id: format!("synthetic:microphone:{rate}"),
            rate: rate.max(8000),
            idle_tone_hz,
            control,
            clock: None,
            start_us: 0,
            delivered: 0,
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Reads a WAV file and converts it to this microphone's rate, ready for `say`.
    pub fn load_wav(&self, bytes: &[u8]) -> Result<Vec<f32>, SourceError> {
        let failed = |detail: String| SourceError::Failed { device: self.id.clone(), detail };
        let reader = hound::WavReader::new(bytes).map_err(|e| failed(e.to_string()))?;
        let spec = reader.spec();
        let channels = usize::from(spec.channels.max(1));
        let samples: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader.into_samples::<f32>().collect::<Result<_, _>>(),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                reader.into_samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>()
            }
        }
        .map_err(|e| failed(e.to_string()))?;
        let mono: Vec<f32> = samples.chunks(channels).map(|c| c.iter().sum::<f32>() / channels as f32).collect();
        Ok(crate::resample::resample_all(&mono, spec.sample_rate, self.rate))
    }
}

const CHUNK_MS: i64 = 20;

impl AudioSource for SyntheticMicrophone {
    fn info(&self) -> DeviceInfo {
        DeviceInfo {
            id: self.id.clone(),
            name: "Synthetic microphone".into(),
            kind: DeviceKind::Microphone,
            synthetic: true,
        }
    }

    fn open(&mut self, clock: Clock) -> Result<(), SourceError> {
        self.clock = Some(clock);
        self.start_us = clock.now_us();
        self.delivered = 0;
        Ok(())
    }

    fn next_chunk(&mut self, timeout: Duration) -> Result<AudioChunk, SourceError> {
        let clock =
            self.clock.ok_or_else(|| SourceError::Failed { device: self.id.clone(), detail: "not open".into() })?;
        self.control.gate(DeviceKind::Microphone, &self.id, timeout)?;
        let per_chunk = (self.rate as i64 * CHUNK_MS / 1000) as u64;
        // Samples missed while unplugged are gone: continue from the present.
        let now = clock.now_us();
        let behind = (((now - self.start_us).max(0) as u128 * u128::from(self.rate)) / 1_000_000) as u64;
        if behind > self.delivered + 4 * per_chunk {
            self.delivered = behind - per_chunk;
        }
        let first = self.delivered;
        let pts = self.start_us + (first as i128 * 1_000_000 / i128::from(self.rate)) as i64;
        // A chunk is complete when its last sample has "happened".
        let ready = pts + CHUNK_MS * 1000;
        std::thread::sleep(clock.instant(ready).saturating_duration_since(std::time::Instant::now()));
        let mut samples = Vec::with_capacity(per_chunk as usize);
        self.control.take(per_chunk as usize, &mut samples);
        let step = std::f32::consts::TAU * self.idle_tone_hz / self.rate as f32;
        for i in samples.len() as u64..per_chunk {
            let t = (first + i) as f32;
            samples.push(if self.idle_tone_hz > 0.0 { 0.01 * (step * t).sin() } else { 0.0 });
        }
        self.delivered += per_chunk;
        Ok(AudioChunk { pts_us: pts, rate: self.rate, samples })
    }

    fn close(&mut self) {
        self.clock = None;
    }
}
