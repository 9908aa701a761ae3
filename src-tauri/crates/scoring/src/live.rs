//! Live transcription at the kiosk, for follow-up questions: while an answer is recorded, its
//! 2-second segments are transcribed in chunks of [`CHUNK_SEGMENTS`] on a thread of their own
//! at the lowest CPU priority, so capture (which must never drop frames) always comes first.
//! When the candidate finishes, the last, shorter chunk is transcribed and the kiosk waits a
//! bounded time for the transcript to catch up; if it has not, no follow-up is asked.
//!
//! The chunking is a rule, not a schedule: chunk *k* is segments `k·5 … k·5+4` whatever the
//! timing, and [`transcribe_chunks`] applies the same rule offline. With the same model and one
//! thread (as the kiosk runs it) the same recording gives the same transcript, so a stored
//! decision can be made again from the recording.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use interview::Lang;

use crate::audio::Audio;
use crate::error::Result;
use crate::whisper::{Segment, Whisper};

/// Segments per chunk: 10 s of speech, enough context for recognition, little left to do when
/// the candidate finishes.
pub const CHUNK_SEGMENTS: usize = 5;

/// Transcribes `wavs` (an answer's 16 kHz WAV segments, in order) by the live rule: chunks of
/// [`CHUNK_SEGMENTS`], each on its own, with times on the answer's clock.
pub fn transcribe_chunks(whisper: &mut Whisper, wavs: &[Vec<u8>], language: Lang) -> Result<Vec<Segment>> {
    let mut lines = Vec::new();
    let mut offset_ms = 0;
    for chunk in wavs.chunks(CHUNK_SEGMENTS) {
        let (mut more, duration_ms) = transcribe_chunk(whisper, chunk, language, offset_ms)?;
        lines.append(&mut more);
        offset_ms += duration_ms;
    }
    Ok(lines)
}

/// One chunk: its lines with times from `offset_ms`, and its length.
fn transcribe_chunk(
    whisper: &mut Whisper,
    wavs: &[Vec<u8>],
    language: Lang,
    offset_ms: u32,
) -> Result<(Vec<Segment>, u32)> {
    let mut audio = Audio { samples: Vec::new() };
    for wav in wavs {
        audio.samples.extend(Audio::from_wav_bytes(wav, "live segment")?.samples);
    }
    let duration_ms = audio.duration_ms() as u32;
    let lines = whisper
        .transcribe(&audio, language)?
        .into_iter()
        .map(|s| Segment { start_ms: s.start_ms + offset_ms, end_ms: s.end_ms + offset_ms, ..s })
        .collect();
    Ok((lines, duration_ms))
}

/// What the live transcript holds for the current answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub lines: Vec<Segment>,
    /// Segments transcribed (from the answer's first).
    pub segments: u32,
    /// Recognition failed on a chunk: the transcript stops there (nothing is asked).
    pub failed: bool,
}

enum Message {
    /// A new answer: forget the last one.
    Begin(u64),
    Segment(u64, Vec<u8>),
    /// The answer ended: transcribe what is left.
    Flush(u64),
}

#[derive(Default)]
struct Shared {
    generation: u64,
    snapshot: Snapshot,
    busy_ms: u64,
}

/// The live transcriber: one thread owning a [`Whisper`]. Dropping it ends the thread.
pub struct LiveTranscriber {
    sender: Option<mpsc::Sender<Message>>,
    shared: Arc<(Mutex<Shared>, Condvar)>,
    generation: u64,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LiveTranscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTranscriber").field("generation", &self.generation).finish_non_exhaustive()
    }
}

impl LiveTranscriber {
    /// Starts the thread with `whisper` (load it with one thread: the chunks run on this one).
    pub fn start(whisper: Whisper, language: Lang) -> LiveTranscriber {
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("live-transcript".into())
            .spawn(move || run(whisper, language, &receiver, &worker))
            .ok();
        LiveTranscriber { sender: Some(sender), shared, generation: 0, thread }
    }

    /// A new answer begins: what came before is forgotten (a chunk of it still being
    /// transcribed is thrown away when it is done).
    pub fn begin(&mut self) {
        self.generation += 1;
        {
            let (lock, _) = &*self.shared;
            let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
            shared.generation = self.generation;
            shared.snapshot = Snapshot::default();
        }
        self.send(Message::Begin(self.generation));
    }

    /// The answer's next segment (its 16 kHz WAV), as soon as it is stored.
    pub fn segment(&self, wav: Vec<u8>) {
        self.send(Message::Segment(self.generation, wav));
    }

    /// The answer ended: transcribe the last chunk, however short.
    pub fn flush(&self) {
        self.send(Message::Flush(self.generation));
    }

    /// Waits until `segments` segments are transcribed, at most `patience`; returns what there
    /// is then (fewer segments when it is late).
    pub fn wait(&self, segments: u32, patience: Duration) -> Snapshot {
        let deadline = Instant::now() + patience;
        let (lock, ready) = &*self.shared;
        let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if shared.snapshot.segments >= segments || shared.snapshot.failed || self.thread.is_none() {
                return shared.snapshot.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                return shared.snapshot.clone();
            }
            shared = ready.wait_timeout(shared, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Milliseconds the thread has spent transcribing since it started (for the benchmark's CPU
    /// share).
    pub fn busy_ms(&self) -> u64 {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap_or_else(|p| p.into_inner()).busy_ms
    }

    fn send(&self, message: Message) {
        if let Some(sender) = &self.sender
            && sender.send(message).is_err()
        {
            tracing::warn!("the live transcript's thread has stopped");
        }
    }
}

impl Drop for LiveTranscriber {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(mut whisper: Whisper, language: Lang, receiver: &mpsc::Receiver<Message>, shared: &(Mutex<Shared>, Condvar)) {
    lowest_priority();
    let (lock, ready) = shared;
    let mut generation = 0;
    let mut pending: Vec<Vec<u8>> = Vec::new();
    let mut offset_ms = 0;
    let mut done = 0u32;
    while let Ok(message) = receiver.recv() {
        let flush = match message {
            Message::Begin(g) => {
                (generation, offset_ms, done) = (g, 0, 0);
                pending.clear();
                continue;
            }
            Message::Segment(g, wav) if g == generation => {
                pending.push(wav);
                pending.len() >= CHUNK_SEGMENTS
            }
            Message::Flush(g) if g == generation => !pending.is_empty(),
            _ => continue,
        };
        if !flush {
            continue;
        }
        let chunk = std::mem::take(&mut pending);
        let started = Instant::now();
        let result = transcribe_chunk(&mut whisper, &chunk, language, offset_ms);
        let elapsed = started.elapsed().as_millis() as u64;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        state.busy_ms += elapsed;
        if state.generation != generation {
            continue;
        }
        match result {
            Ok((mut lines, duration_ms)) => {
                offset_ms += duration_ms;
                done += chunk.len() as u32;
                state.snapshot.lines.append(&mut lines);
                state.snapshot.segments = done;
            }
            Err(error) => {
                tracing::warn!(%error, "live transcription failed; no follow-up for this answer");
                state.snapshot.failed = true;
            }
        }
        ready.notify_all();
    }
}

/// Capture comes first: this thread runs at the lowest priority (nice 19) the OS offers.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::warn!(%error, "could not lower the live transcript's priority");
    }
}
