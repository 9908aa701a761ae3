//! The running capture: one thread per source reading frames and audio stamped on a shared
//! clock, and a worker that makes the previews and the level meter, and — while an answer is
//! being recorded — encodes segments of a few seconds (VP9/WebM video, 16 kHz WAV, the source-rate
//! WAV when it differs, one still) and hands each one over as soon as it closes.
//!
//! A source that fails or stalls is reported within `stall_ms`; a recording in progress then
//! pauses (its open segment is closed and handed over) and resumes in a new segment once every
//! source delivers again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::encode::{EncodedVideo, SegmentVideo, VideoPackets, mux, wav};
use crate::error::CaptureError;
use crate::frame::{AudioChunk, Clock, VideoFrame, i420_to_rgb, jpeg};
use crate::resample::Resampler;
use crate::source::{AudioSource, DeviceInfo, DeviceKind, SourceError, VideoSource};

/// The rate scoring reads.
pub const SCORING_RATE: u32 = 16_000;

#[derive(Clone, Debug)]
pub struct CaptureSettings {
    /// Length of a segment: the most a crash can lose of the answer in progress.
    pub segment_ms: u32,
    pub video_kbps: u32,
    /// Preview frames for the kiosk page (about 10 per second), `preview_width` pixels wide.
    pub preview_every_ms: u32,
    pub preview_width: u32,
    /// Width of the proctoring still taken at the start of every segment.
    pub still_width: u32,
    /// A source delivering nothing for this long is reported as failed.
    pub stall_ms: u64,
    pub level_every_ms: u32,
    /// Audio further than this from the clock is brought back (silence inserted or samples dropped).
    pub max_drift_ms: i64,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            segment_ms: 2000,
            video_kbps: 500,
            preview_every_ms: 100,
            preview_width: 160,
            still_width: 320,
            stall_ms: 700,
            level_every_ms: 100,
            max_drift_ms: 40,
        }
    }
}

/// What the kiosk page shows while the camera runs.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Feedback {
    Preview { width: u32, height: u32, jpeg: Vec<u8> },
    Level { rms_dbfs: f32, peak: f32 },
}

/// A closed segment of the answer being recorded. Times are microseconds from the start of the
/// recording, on the clock audio and video share.
#[derive(Clone, Debug)]
pub struct Segment {
    pub index: u32,
    pub video: Option<EncodedVideo>,
    pub audio_16k: Vec<u8>,
    pub audio_offset_us: i64,
    pub audio_duration_us: i64,
    pub still: Option<(Vec<u8>, i64)>,
    /// Where the video starts, relative to the recording (EncodedVideo.start_us is on the clock).
    pub video_offset_us: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RecordingStats {
    pub segments: u32,
    pub frames_seen: u64,
    pub frames_encoded: u64,
    /// Frames the camera produced that were never encoded (source gaps and a full queue).
    pub frames_dropped: u64,
    pub video_bytes: u64,
    pub audio_bytes: u64,
    pub still_bytes: u64,
    pub encode_seconds: f64,
    /// Largest distance seen between the audio's sample count and the clock.
    pub max_drift_ms: f64,
    /// The distance at the end of the recording (after corrections).
    pub final_drift_ms: f64,
    pub drift_corrections: u32,
    pub recorded_ms: i64,
    pub paused_ms: i64,
}

#[derive(Debug)]
pub enum CaptureEvent {
    Feedback(Feedback),
    Segment(Box<Segment>),
    /// A device failed; a recording in progress has paused.
    DeviceLost {
        kind: DeviceKind,
        error: SourceError,
    },
    /// Every device delivers again; a paused recording has resumed in a new segment.
    DeviceBack {
        kind: DeviceKind,
    },
    /// The recording ended: every segment has been handed over before this.
    Stopped(RecordingStats),
    /// The encoder failed; the recording has stopped.
    Failed(String),
}

enum Input {
    Video(VideoFrame),
    Audio(AudioChunk),
    Lost(DeviceKind, SourceError),
    Back(DeviceKind),
}

enum Command {
    Record,
    Stop,
}

#[derive(Debug, Default)]
struct Health {
    frames: AtomicU64,
    chunks: AtomicU64,
    queue_drops: AtomicU64,
}

/// A camera and a microphone, running.
#[derive(Debug)]
pub struct Capture {
    clock: Clock,
    commands: Sender<Command>,
    events: Receiver<CaptureEvent>,
    stop: Arc<AtomicBool>,
    health: Arc<Health>,
    threads: Vec<JoinHandle<()>>,
    pub camera: DeviceInfo,
    pub microphone: DeviceInfo,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Record => "Record",
            Command::Stop => "Stop",
        })
    }
}

impl Capture {
    /// Opens both sources and starts the preview. Fails if either cannot be opened.
    pub fn start(
        mut video: Box<dyn VideoSource>,
        mut audio: Box<dyn AudioSource>,
        settings: CaptureSettings,
    ) -> Result<Capture, CaptureError> {
        let clock = Clock::start();
        video.open(clock)?;
        if let Err(e) = audio.open(clock) {
            video.close();
            return Err(e.into());
        }
        let (camera, microphone) = (video.info(), audio.info());
        tracing::info!(camera = %camera.id, microphone = %microphone.id, "capture started");
        let stop = Arc::new(AtomicBool::new(false));
        let health = Arc::new(Health::default());
        let (input_tx, input_rx) = mpsc::sync_channel::<Input>(48);
        let (command_tx, command_rx) = mpsc::channel();
        let (event_tx, event_rx) = mpsc::channel();
        let stall = Duration::from_millis(settings.stall_ms);
        let mut threads = Vec::new();
        {
            let (stop, health, tx) = (stop.clone(), health.clone(), input_tx.clone());
            threads.push(spawn("capture-video", move || {
                read_loop(video, clock, stall, &stop, &tx, |frame| {
                    health.frames.fetch_add(1, Ordering::Relaxed);
                    match tx.try_send(Input::Video(frame)) {
                        Ok(()) => true,
                        Err(TrySendError::Full(_)) => {
                            health.queue_drops.fetch_add(1, Ordering::Relaxed);
                            true
                        }
                        Err(TrySendError::Disconnected(_)) => false,
                    }
                })
            }));
        }
        {
            let (stop, health, tx) = (stop.clone(), health.clone(), input_tx);
            threads.push(spawn("capture-audio", move || {
                read_loop(audio, clock, stall, &stop, &tx, |chunk| {
                    health.chunks.fetch_add(1, Ordering::Relaxed);
                    tx.send(Input::Audio(chunk)).is_ok()
                })
            }));
        }
        {
            let health = health.clone();
            threads.push(spawn("capture-worker", move || {
                Worker::new(clock, settings, health, event_tx).run(&input_rx, &command_rx)
            }));
        }
        Ok(Capture { clock, commands: command_tx, events: event_rx, stop, health, threads, camera, microphone })
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Starts recording an answer now.
    pub fn record(&self) -> Result<(), CaptureError> {
        self.commands.send(Command::Record).map_err(|_| CaptureError::PipelineGone)
    }

    /// Ends the recording: the last segment and then [`CaptureEvent::Stopped`] follow.
    pub fn stop_recording(&self) -> Result<(), CaptureError> {
        self.commands.send(Command::Stop).map_err(|_| CaptureError::PipelineGone)
    }

    /// The next event, or `None` after `timeout`.
    pub fn next_event(&self, timeout: Duration) -> Result<Option<CaptureEvent>, CaptureError> {
        match self.events.recv_timeout(timeout) {
            Ok(event) => Ok(Some(event)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(CaptureError::PipelineGone),
        }
    }

    /// Frames and audio chunks delivered so far.
    pub fn delivered(&self) -> (u64, u64) {
        (self.health.frames.load(Ordering::Relaxed), self.health.chunks.load(Ordering::Relaxed))
    }

    /// Waits until both sources have delivered since now (the pre-interview device check).
    /// Events arriving meanwhile (previews, levels) are dropped.
    pub fn check_delivering(&self, within: Duration) -> Result<(), CaptureError> {
        let (f0, c0) = self.delivered();
        let deadline = Instant::now() + within;
        loop {
            let (f, c) = self.delivered();
            if f > f0 && c > c0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let kind = if f <= f0 { DeviceKind::Camera } else { DeviceKind::Microphone };
                return Err(CaptureError::NotDelivering { kind, ms: within.as_millis() as u64 });
            }
            let _ = self.next_event(Duration::from_millis(20))?;
        }
    }

    /// Stops the sources and the worker.
    pub fn shutdown(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.halt();
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .unwrap_or_else(|e| panic!("cannot start thread {name}: {e}"))
}

/// What a reader thread needs of a source, camera or microphone alike.
trait Device: Send {
    type Item;
    const KIND: DeviceKind;
    fn next(&mut self, timeout: Duration) -> Result<Self::Item, SourceError>;
    fn reopen(&mut self, clock: Clock) -> Result<(), SourceError>;
    fn close(&mut self);
}

impl Device for Box<dyn VideoSource> {
    type Item = VideoFrame;
    const KIND: DeviceKind = DeviceKind::Camera;
    fn next(&mut self, timeout: Duration) -> Result<VideoFrame, SourceError> {
        self.next_frame(timeout)
    }
    fn reopen(&mut self, clock: Clock) -> Result<(), SourceError> {
        VideoSource::close(self.as_mut());
        self.open(clock)
    }
    fn close(&mut self) {
        VideoSource::close(self.as_mut());
    }
}

impl Device for Box<dyn AudioSource> {
    type Item = AudioChunk;
    const KIND: DeviceKind = DeviceKind::Microphone;
    fn next(&mut self, timeout: Duration) -> Result<AudioChunk, SourceError> {
        self.next_chunk(timeout)
    }
    fn reopen(&mut self, clock: Clock) -> Result<(), SourceError> {
        AudioSource::close(self.as_mut());
        self.open(clock)
    }
    fn close(&mut self) {
        AudioSource::close(self.as_mut());
    }
}

/// Reads one source until stopped, handing each item to `deliver` (false: nobody listens any
/// more). A failure is reported once, then the source is reopened every 200 ms until it
/// delivers again.
fn read_loop<D: Device>(
    mut source: D,
    clock: Clock,
    stall: Duration,
    stop: &AtomicBool,
    tx: &SyncSender<Input>,
    deliver: impl Fn(D::Item) -> bool,
) {
    let kind = D::KIND;
    let mut healthy = true;
    while !stop.load(Ordering::SeqCst) {
        match source.next(stall) {
            Ok(item) => {
                if !healthy {
                    healthy = true;
                    tracing::info!(device = kind.as_str(), "device delivers again");
                    if tx.send(Input::Back(kind)).is_err() {
                        break;
                    }
                }
                if !deliver(item) {
                    break;
                }
            }
            Err(error) => {
                if healthy {
                    healthy = false;
                    tracing::warn!(device = kind.as_str(), %error, "device failed");
                    if tx.send(Input::Lost(kind, error.clone())).is_err() {
                        break;
                    }
                }
                if !matches!(error, SourceError::Stalled { .. }) {
                    std::thread::sleep(Duration::from_millis(200));
                    let _ = source.reopen(clock);
                }
            }
        }
    }
    source.close();
}

struct OpenSegment {
    index: u32,
    start_us: i64,
    end_us: i64,
    video: Option<SegmentVideo>,
    encoded: Option<VideoPackets>,
    still: Option<(Vec<u8>, i64)>,
    audio_16k: Vec<f32>,
    audio_source: Vec<f32>,
    source_rate: u32,
    /// Clock time of the first 16 kHz sample in this segment.
    audio_start_us: Option<i64>,
    /// Clock time of the first microphone sample (at its own rate) in this segment.
    source_start_us: Option<i64>,
}

impl OpenSegment {
    fn push_audio(&mut self, scoring: bool, samples: &[f32], at_us: i64, rate: u32) {
        if samples.is_empty() {
            return;
        }
        if scoring {
            self.audio_start_us.get_or_insert(at_us);
            self.audio_16k.extend_from_slice(samples);
        } else {
            self.source_rate = rate;
            self.source_start_us.get_or_insert(at_us);
            self.audio_source.extend_from_slice(samples);
        }
    }
}

/// A segment whose video is finished but whose audio (which arrives a little after the
/// pictures) may still be on its way; handed over once the audio passes its end.
struct Closing {
    segment: OpenSegment,
    deadline: Instant,
}

/// How long a closed segment waits for audio that belongs to it.
const AUDIO_GRACE: Duration = Duration::from_millis(400);

struct Recording {
    start_us: i64,
    next_index: u32,
    segment: Option<OpenSegment>,
    closing: Option<Closing>,
    paused_since: Option<i64>,
    /// Where the next microphone sample falls on the clock, counted from samples delivered.
    audio_next_us: i64,
    /// Where the next 16 kHz sample falls (the converter lags its input by a few samples).
    scoring_next_us: i64,
    resampler: Option<(u32, Resampler)>,
    stats: RecordingStats,
    last_seq: Option<u64>,
    /// Set once the recording is asked to end: the clock time it ends at.
    ending: Option<i64>,
}

impl Recording {
    /// Puts audio where its time says: before the closing segment's end into it, the rest into
    /// the open segment.
    fn route(&mut self, scoring: bool, samples: &[f32], start_us: i64, rate: u32) {
        let mut rest = samples;
        let mut at = start_us;
        if let Some(closing) = self.closing.as_mut() {
            let before = ((closing.segment.end_us - start_us).max(0) as i128 * i128::from(rate) + 999_999) / 1_000_000;
            let n = (before as usize).min(rest.len());
            closing.segment.push_audio(scoring, &rest[..n], at, rate);
            rest = &rest[n..];
            at += n as i64 * 1_000_000 / i64::from(rate);
        }
        if let Some(segment) = self.segment.as_mut() {
            segment.push_audio(scoring, rest, at, rate);
        }
    }

    /// Converts and routes microphone samples that start at `audio_next_us`.
    fn take_audio(&mut self, input: &[f32], rate: u32) {
        let (_, resampler) = match self.resampler.as_mut() {
            Some(r) if r.0 == rate => r,
            _ => self.resampler.insert((rate, Resampler::new(rate, SCORING_RATE))),
        };
        let mut out = Vec::with_capacity(input.len() * SCORING_RATE as usize / rate as usize + 1);
        resampler.push(input, &mut out);
        let (in_at, out_at) = (self.audio_next_us, self.scoring_next_us);
        self.audio_next_us += input.len() as i64 * 1_000_000 / i64::from(rate);
        self.scoring_next_us += out.len() as i64 * 1_000_000 / i64::from(SCORING_RATE);
        self.route(false, input, in_at, rate);
        self.route(true, &out, out_at, SCORING_RATE);
    }

    /// Drains the converter (the audio stream is interrupted: a pause or the end).
    fn flush_audio(&mut self) {
        if let Some((_, mut resampler)) = self.resampler.take() {
            let mut out = Vec::new();
            resampler.finish(&mut out);
            let at = self.scoring_next_us;
            self.scoring_next_us += out.len() as i64 * 1_000_000 / i64::from(SCORING_RATE);
            self.route(true, &out, at, SCORING_RATE);
        }
    }
}

struct Worker {
    clock: Clock,
    settings: CaptureSettings,
    health: Arc<Health>,
    events: Sender<CaptureEvent>,
    down: Vec<DeviceKind>,
    recording: Option<Recording>,
    last_preview_us: i64,
    level_sum: f64,
    level_peak: f32,
    level_n: usize,
    level_started_us: i64,
}

impl Worker {
    fn new(clock: Clock, settings: CaptureSettings, health: Arc<Health>, events: Sender<CaptureEvent>) -> Worker {
        Worker {
            clock,
            settings,
            health,
            events,
            down: Vec::new(),
            recording: None,
            last_preview_us: -1_000_000_000,
            level_sum: 0.0,
            level_peak: 0.0,
            level_n: 0,
            level_started_us: 0,
        }
    }

    fn emit(&self, event: CaptureEvent) {
        let _ = self.events.send(event);
    }

    fn run(mut self, input: &Receiver<Input>, commands: &Receiver<Command>) {
        loop {
            while let Ok(command) = commands.try_recv() {
                let result = match command {
                    Command::Record => {
                        self.begin();
                        Ok(())
                    }
                    Command::Stop => self.end(),
                };
                if let Err(error) = result {
                    self.fail(error);
                }
            }
            let result = match input.recv_timeout(Duration::from_millis(20)) {
                Ok(Input::Video(frame)) => self.on_video(&frame),
                Ok(Input::Audio(chunk)) => self.on_audio(&chunk),
                Ok(Input::Lost(kind, error)) => self.on_lost(kind, error),
                Ok(Input::Back(kind)) => {
                    self.on_back(kind);
                    Ok(())
                }
                Err(RecvTimeoutError::Timeout) => Ok(()),
                // Both readers have stopped: the capture is shutting down.
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if let Err(error) = result {
                self.fail(error);
            }
            if let Err(error) = self.on_idle() {
                self.fail(error);
            }
        }
        // Shutting down: nothing more will arrive, so the last segment goes now.
        if self.recording.is_some()
            && let Err(error) = self.end().and_then(|()| self.settle(true))
        {
            self.fail(error);
        }
    }

    fn fail(&mut self, error: CaptureError) {
        tracing::error!(%error, "recording failed");
        self.recording = None;
        self.emit(CaptureEvent::Failed(error.to_string()));
    }

    fn begin(&mut self) {
        let now = self.clock.now_us();
        let mut rec = Recording {
            start_us: now,
            next_index: 0,
            segment: None,
            paused_since: None,
            audio_next_us: now,
            scoring_next_us: now,
            closing: None,
            ending: None,
            resampler: None,
            stats: RecordingStats::default(),
            last_seq: None,
        };
        if self.down.is_empty() {
            rec.segment = Some(new_segment(&mut rec, now, self.settings.segment_ms));
        } else {
            rec.paused_since = Some(now);
        }
        tracing::info!("recording started");
        self.recording = Some(rec);
    }

    /// Ends the recording now: the last segment's pictures end here, and it is handed over (with
    /// [`CaptureEvent::Stopped`] after it) once the audio up to now has arrived.
    fn end(&mut self) -> Result<(), CaptureError> {
        let Some(mut rec) = self.recording.take() else { return Ok(()) };
        if rec.ending.is_none() {
            let now = self.clock.now_us();
            if let Some(since) = rec.paused_since.take() {
                rec.stats.paused_ms += (now - since) / 1000;
            }
            let result = self.close_segment(&mut rec, now, false);
            rec.ending = Some(now);
            result?;
        }
        self.recording = Some(rec);
        self.settle(false)
    }

    /// Hands over the closing segment when its audio is complete or its grace is over (`force`:
    /// now), and finishes an ending recording.
    fn settle(&mut self, force: bool) -> Result<(), CaptureError> {
        let Some(rec) = self.recording.as_mut() else { return Ok(()) };
        let ready = match rec.closing.as_ref() {
            None => rec.ending.is_some(),
            Some(c) => force || rec.scoring_next_us >= c.segment.end_us || Instant::now() >= c.deadline,
        };
        if !ready {
            return Ok(());
        }
        let Some(end) = rec.ending else { return emit_closing(&self.events, rec) };
        if let Some((_, mut resampler)) = rec.resampler.take() {
            // The converter's last few samples belong to the last segment.
            let mut tail = Vec::new();
            resampler.finish(&mut tail);
            if let Some(c) = rec.closing.as_mut() {
                c.segment.push_audio(true, &tail, rec.scoring_next_us, SCORING_RATE);
            }
        }
        emit_closing(&self.events, rec)?;
        let Some(mut rec) = self.recording.take() else { return Ok(()) };
        rec.stats.recorded_ms = (end - rec.start_us) / 1000 - rec.stats.paused_ms;
        rec.stats.frames_dropped += self.health.queue_drops.swap(0, Ordering::Relaxed);
        rec.stats.final_drift_ms = (rec.audio_next_us - end) as f64 / 1000.0;
        tracing::info!(segments = rec.stats.segments, dropped = rec.stats.frames_dropped, "recording stopped");
        self.emit(CaptureEvent::Stopped(rec.stats));
        Ok(())
    }

    fn on_lost(&mut self, kind: DeviceKind, error: SourceError) -> Result<(), CaptureError> {
        if !self.down.contains(&kind) {
            self.down.push(kind);
        }
        let now = self.clock.now_us();
        if let Some(mut rec) = self.recording.take() {
            if rec.paused_since.is_none() {
                rec.paused_since = Some(now);
                let closed = self.close_segment(&mut rec, now, true);
                self.recording = Some(rec);
                closed?;
            } else {
                self.recording = Some(rec);
            }
        }
        self.emit(CaptureEvent::DeviceLost { kind, error });
        Ok(())
    }

    fn on_back(&mut self, kind: DeviceKind) {
        self.down.retain(|k| *k != kind);
        if self.down.is_empty() {
            let now = self.clock.now_us();
            let segment_ms = self.settings.segment_ms;
            if let Some(rec) = self.recording.as_mut()
                && let Some(since) = rec.paused_since.take()
            {
                rec.stats.paused_ms += (now - since) / 1000;
                rec.audio_next_us = now;
                rec.last_seq = None;
                rec.segment = Some(new_segment(rec, now, segment_ms));
            }
        }
        self.emit(CaptureEvent::DeviceBack { kind });
    }

    fn on_video(&mut self, frame: &VideoFrame) -> Result<(), CaptureError> {
        if frame.pts_us - self.last_preview_us >= i64::from(self.settings.preview_every_ms) * 1000 {
            self.last_preview_us = frame.pts_us;
            let step = (frame.width / self.settings.preview_width.max(1)).max(1);
            let picture = i420_to_rgb(frame, step);
            let (width, height) = picture.dimensions();
            self.emit(CaptureEvent::Feedback(Feedback::Preview { width, height, jpeg: jpeg(&picture, 70) }));
        }
        let Some(mut rec) = self.recording.take() else { return Ok(()) };
        let result = self.record_frame(&mut rec, frame);
        self.recording = Some(rec);
        result
    }

    fn record_frame(&mut self, rec: &mut Recording, frame: &VideoFrame) -> Result<(), CaptureError> {
        if rec.paused_since.is_some() {
            return Ok(());
        }
        rec.stats.frames_seen += 1;
        if let Some(last) = rec.last_seq
            && frame.seq > last + 1
        {
            rec.stats.frames_dropped += frame.seq - last - 1;
        }
        rec.last_seq = Some(frame.seq);
        let segment_ms = i64::from(self.settings.segment_ms);
        let Some(segment) = rec.segment.as_ref() else { return Ok(()) };
        if frame.pts_us < segment.start_us {
            return Ok(());
        }
        if frame.pts_us >= segment.end_us {
            let mut next = segment.end_us;
            while frame.pts_us >= next + segment_ms * 1000 {
                next += segment_ms * 1000;
            }
            self.close_segment(rec, next, false)?;
            rec.segment = Some(new_segment(rec, next, self.settings.segment_ms));
        }
        let kbps = self.settings.video_kbps;
        let still_step = (frame.width / self.settings.still_width.max(1)).max(1);
        let rec_start = rec.start_us;
        let Some(segment) = rec.segment.as_mut() else { return Ok(()) };
        if segment.video.as_ref().is_some_and(|v| !v.fits(frame)) {
            // The camera changed its picture size: a segment holds one size.
            return Ok(());
        }
        let started = Instant::now();
        if segment.video.is_none() {
            segment.video = Some(SegmentVideo::new(frame.width, frame.height, segment.start_us, kbps)?);
            let still = jpeg(&i420_to_rgb(frame, still_step), 80);
            segment.still = Some((still, frame.pts_us - rec_start));
        }
        if let Some(video) = segment.video.as_mut() {
            video.push(frame)?;
        }
        rec.stats.encode_seconds += started.elapsed().as_secs_f64();
        rec.stats.frames_encoded += 1;
        Ok(())
    }

    fn on_audio(&mut self, chunk: &AudioChunk) -> Result<(), CaptureError> {
        self.meter(chunk);
        let max_drift = self.settings.max_drift_ms * 1000;
        let Some(rec) = self.recording.as_mut() else { return Ok(()) };
        if rec.paused_since.is_some() || (rec.segment.is_none() && rec.closing.is_none()) {
            return Ok(());
        }
        let rate = chunk.rate.max(1);
        let mut samples: &[f32] = &chunk.samples;
        let drift = chunk.pts_us - rec.audio_next_us;
        let counted = rec.audio_next_us > rec.start_us;
        if counted {
            rec.stats.max_drift_ms = rec.stats.max_drift_ms.max(drift.abs() as f64 / 1000.0);
        }
        let mut silence = 0usize;
        if drift > max_drift {
            // Samples are missing (the device skipped): fill the gap so audio stays on the clock.
            silence = (drift as i128 * i128::from(rate) / 1_000_000) as usize;
            rec.stats.drift_corrections += u32::from(counted);
        } else if drift < -max_drift {
            // Samples overlap what was already counted (or precede the recording): drop them.
            let skip = ((-drift) as i128 * i128::from(rate) / 1_000_000) as usize;
            samples = &samples[skip.min(samples.len())..];
            rec.stats.drift_corrections += u32::from(counted);
        }
        if silence > 0 {
            let padded: Vec<f32> = std::iter::repeat_n(0.0, silence).chain(samples.iter().copied()).collect();
            rec.take_audio(&padded, rate);
        } else if !samples.is_empty() {
            rec.take_audio(samples, rate);
        }
        self.settle(false)
    }

    fn meter(&mut self, chunk: &AudioChunk) {
        for s in &chunk.samples {
            self.level_sum += f64::from(*s) * f64::from(*s);
            self.level_peak = self.level_peak.max(s.abs());
        }
        self.level_n += chunk.samples.len();
        if chunk.pts_us - self.level_started_us >= i64::from(self.settings.level_every_ms) * 1000 {
            let rms = (self.level_sum / self.level_n.max(1) as f64).sqrt();
            let rms_dbfs = if rms > 0.0 { (20.0 * rms.log10()).max(-90.0) as f32 } else { -90.0 };
            self.emit(CaptureEvent::Feedback(Feedback::Level { rms_dbfs, peak: self.level_peak }));
            self.level_sum = 0.0;
            self.level_peak = 0.0;
            self.level_n = 0;
            self.level_started_us = chunk.pts_us;
        }
    }

    /// Closes the open segment at `end_us`. With `flush` (a pause or the end) the audio stream is
    /// interrupted too, so everything is handed over now; otherwise the segment waits for the
    /// audio that belongs to it (at most [`AUDIO_GRACE`]).
    fn close_segment(&mut self, rec: &mut Recording, end_us: i64, flush: bool) -> Result<(), CaptureError> {
        if let Some(mut segment) = rec.segment.take() {
            if let Some(video) = segment.video.take() {
                let started = Instant::now();
                segment.encoded = Some(video.finish(end_us.min(segment.end_us))?);
                rec.stats.encode_seconds += started.elapsed().as_secs_f64();
            }
            segment.end_us = end_us.min(segment.end_us);
            if rec.closing.is_some() {
                // The audio is a whole segment behind: do not wait any longer for it.
                emit_closing(&self.events, rec)?;
            }
            rec.closing = Some(Closing { segment, deadline: Instant::now() + AUDIO_GRACE });
        }
        if flush {
            rec.flush_audio();
            emit_closing(&self.events, rec)?;
        }
        Ok(())
    }

    /// Hands over a closing segment whose audio grace has run out.
    fn on_idle(&mut self) -> Result<(), CaptureError> {
        self.settle(false)
    }
}

/// Hands over the closing segment, if any.
fn emit_closing(events: &Sender<CaptureEvent>, rec: &mut Recording) -> Result<(), CaptureError> {
    let Some(Closing { mut segment, .. }) = rec.closing.take() else { return Ok(()) };
    if segment.encoded.is_none() && segment.audio_16k.is_empty() {
        // Nothing was captured in it (a pause right at a boundary): no segment.
        return Ok(());
    }
    let started = Instant::now();
    let video = match segment.encoded.take() {
        Some(packets) => {
            let sound_at = segment.source_start_us.map_or(0, |t| t - packets.start_us);
            Some(mux(packets, Some((&segment.audio_source, segment.source_rate, sound_at)))?)
        }
        None => None,
    };
    rec.stats.encode_seconds += started.elapsed().as_secs_f64();
    let audio_16k = wav(&segment.audio_16k, SCORING_RATE);
    rec.stats.segments += 1;
    rec.stats.video_bytes += video.as_ref().map_or(0, |v| v.webm.len() as u64);
    rec.stats.audio_bytes += audio_16k.len() as u64;
    rec.stats.still_bytes += segment.still.as_ref().map_or(0, |s| s.0.len() as u64);
    let out = Segment {
        index: segment.index,
        video_offset_us: video.as_ref().map_or(0, |v| v.start_us - rec.start_us),
        video,
        audio_offset_us: segment.audio_start_us.map_or(segment.start_us, |t| t) - rec.start_us,
        audio_duration_us: segment.audio_16k.len() as i64 * 1_000_000 / i64::from(SCORING_RATE),
        audio_16k,
        still: segment.still.take(),
    };
    let _ = events.send(CaptureEvent::Segment(Box::new(out)));
    Ok(())
}

fn new_segment(rec: &mut Recording, start_us: i64, segment_ms: u32) -> OpenSegment {
    let index = rec.next_index;
    rec.next_index += 1;
    OpenSegment {
        index,
        start_us,
        end_us: start_us + i64::from(segment_ms) * 1000,
        video: None,
        encoded: None,
        source_start_us: None,
        still: None,
        audio_16k: Vec::new(),
        audio_source: Vec::new(),
        source_rate: SCORING_RATE,
        audio_start_us: None,
    }
}
