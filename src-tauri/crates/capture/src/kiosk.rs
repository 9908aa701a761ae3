//! One question at the kiosk, owned by the backend: the preparation and answer countdowns (with
//! the candidate's extra time), the attempts allowed, recording into the vault segment by
//! segment, pausing while a device is gone, and closing the answer — committed only once its
//! last segment is. The page only shows what happens here, so a frozen page cannot extend an
//! answer.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use interview::Localized;
use interview::follow_up::{FollowUpDecision, FollowUpOutcome, StoredFollowUp};
use serde::Serialize;
use vault::{Attempts, NewSegment, SegmentPart, Session, UnfinishedAnswer, Vault, media_format};

use crate::error::CaptureError;
use crate::pipeline::{Capture, CaptureEvent, CaptureSettings, Feedback, RecordingStats, SCORING_RATE, Segment};
use crate::source::DeviceKind;

/// The time limits and attempts of one question for one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub prep_ms: u64,
    pub answer_ms: u64,
    /// Committed attempts allowed: 1 + the retakes the question allows. An interrupted attempt
    /// (a device failure the candidate could not help, a power cut) does not count.
    pub attempts: u32,
}

impl Limits {
    /// `extra_time_pct` (an accommodation on the candidate's invitation) lengthens both countdowns.
    pub fn new(prep_seconds: u32, answer_seconds: u32, retakes: u32, extra_time_pct: u32) -> Limits {
        let scale = |s: u32| u64::from(s) * 1000 * (100 + u64::from(extra_time_pct)) / 100;
        Limits { prep_ms: scale(prep_seconds), answer_ms: scale(answer_seconds), attempts: 1 + retakes }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Preparing,
    Answering,
}

/// What the kiosk page is told while a question runs.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KioskEvent {
    Capture(Feedback),
    Countdown {
        phase: Phase,
        remaining_ms: u64,
        total_ms: u64,
    },
    /// A device failed: the answer is paused and its clock stopped.
    Paused {
        device: DeviceKind,
        message: Localized,
    },
    Resumed {
        device: DeviceKind,
    },
    /// Paused for too long: the candidate is asked to fetch the clerk.
    CallClerk {
        message: Localized,
    },
    SegmentSaved {
        index: u32,
    },
    /// The kiosk window was hidden, lost the focus or left full screen: the countdown is
    /// paused until it is back in front.
    WindowLeft {
        message: Localized,
    },
    WindowBack,
    /// The answer ended; the kiosk is deciding whether to ask a follow-up (a few seconds at most).
    Deciding,
    /// A follow-up question, asked now: its preparation and answer countdowns follow.
    FollowUp {
        ordinal: u8,
        question: String,
    },
}

/// Whether the kiosk window is where the candidate must see it — in front, focused, full
/// screen — and its page alive. The shell's window watch and its page watch set it; a countdown
/// stops while either is away, and an answer being recorded keeps an event for every departure
/// (`kiosk_left`, audited and flagged for the reviewer, however short) and every lost page
/// (`page_lost`, audited).
#[derive(Debug, Default)]
pub struct WindowGuard {
    away: AtomicBool,
    departures: AtomicU32,
    page_down: AtomicBool,
    page_losses: AtomicU32,
}

impl WindowGuard {
    /// The window left; counted once until [`WindowGuard::back`].
    pub fn left(&self) {
        if !self.away.swap(true, Ordering::SeqCst) {
            self.departures.fetch_add(1, Ordering::SeqCst);
        }
    }
    /// The window is in front again.
    pub fn back(&self) {
        self.away.store(false, Ordering::SeqCst);
    }
    /// The page's process ended (the page is being reloaded); counted once until
    /// [`WindowGuard::page_back`].
    pub fn page_lost(&self) {
        if !self.page_down.swap(true, Ordering::SeqCst) {
            self.page_losses.fetch_add(1, Ordering::SeqCst);
        }
    }
    /// A reloaded page has taken up the visit again.
    pub fn page_back(&self) {
        self.page_down.store(false, Ordering::SeqCst);
    }
    /// The countdowns wait: the window is away or its page is gone.
    pub fn is_away(&self) -> bool {
        self.away.load(Ordering::SeqCst) || self.page_down.load(Ordering::SeqCst)
    }
    /// Departures since the guard was made.
    pub fn departures(&self) -> u32 {
        self.departures.load(Ordering::SeqCst)
    }
    /// Pages lost since the guard was made.
    pub fn page_losses(&self) -> u32 {
        self.page_losses.load(Ordering::SeqCst)
    }
}

/// What the candidate is told when the window comes back after it was hidden.
pub fn window_left_message() -> Localized {
    Localized::new(
        "面试窗口刚才被隐藏，作答和计时已暂停，窗口恢复后自动继续。此事已记录，供工作人员查看。",
        "The interview window was hidden: your answer and its timer paused and continue by themselves now that it is back. This has been noted for the staff.",
    )
}

/// What the candidate (through the page) or the clerk asks for while a question runs, and the
/// station's window guard.
#[derive(Debug, Default)]
pub struct Controls {
    start_now: AtomicBool,
    finish: AtomicBool,
    abandon: AtomicBool,
    guard: Arc<WindowGuard>,
    /// The guard's departures and lost pages when these controls were made: later ones
    /// happened during this question (its preparation included).
    departures_before: u32,
    page_losses_before: u32,
}

impl Controls {
    /// Controls for one countdown of a station whose window `guard` watches.
    pub fn guarded(guard: Arc<WindowGuard>) -> Controls {
        let (departures_before, page_losses_before) = (guard.departures(), guard.page_losses());
        Controls { guard, departures_before, page_losses_before, ..Controls::default() }
    }
    /// "I am ready": ends the preparation early.
    pub fn start_now(&self) {
        self.start_now.store(true, Ordering::SeqCst);
    }
    /// "I have finished": ends the answer early.
    pub fn finish(&self) {
        self.finish.store(true, Ordering::SeqCst);
    }
    /// The clerk ends the answer; it is kept as interrupted.
    pub fn abandon(&self) {
        self.abandon.store(true, Ordering::SeqCst);
    }
    /// Whether the answer was abandoned (the visit ended while it was being prepared).
    pub fn is_abandoned(&self) -> bool {
        self.abandon.load(Ordering::SeqCst)
    }
    fn reset(&self) {
        for flag in [&self.start_now, &self.finish, &self.abandon] {
            flag.store(false, Ordering::SeqCst);
        }
    }
}

/// How an answer ended.
#[derive(Clone, Debug, Serialize)]
pub struct AnswerOutcome {
    pub answer_id: i64,
    pub committed: bool,
    pub segments: u32,
    pub faults: u32,
    pub stats: RecordingStats,
    /// What was decided about follow-ups (`None`: the question allows none, or the answer did
    /// not end normally).
    pub follow_up: Option<FollowUpOutcome>,
}

/// A paused answer calls the clerk after this long.
pub const CALL_CLERK_AFTER: Duration = Duration::from_secs(30);

/// The preparation countdown: ends when the time is up or the candidate starts early; its clock
/// stops while the window is away.
pub fn prepare(limits: &Limits, controls: &Controls, on_event: &mut dyn FnMut(KioskEvent)) {
    let total = Duration::from_millis(limits.prep_ms);
    let mut active = Duration::ZERO;
    let mut last_tick = Instant::now();
    let mut away = false;
    while !controls.start_now.load(Ordering::SeqCst) {
        let now = Instant::now();
        if !away {
            active += now - last_tick;
        }
        last_tick = now;
        if active >= total {
            break;
        }
        match (away, controls.guard.is_away()) {
            (false, true) => on_event(KioskEvent::WindowLeft { message: window_left_message() }),
            (true, false) => on_event(KioskEvent::WindowBack),
            _ => {}
        }
        away = controls.guard.is_away();
        on_event(KioskEvent::Countdown {
            phase: Phase::Preparing,
            remaining_ms: (total - active).as_millis() as u64,
            total_ms: limits.prep_ms,
        });
        std::thread::sleep(Duration::from_millis(100).min(total - active));
    }
    if away {
        on_event(KioskEvent::WindowBack);
    }
}

/// Where an answer's recording goes: the vault on this machine ([`VaultStore`]), or a kiosk
/// station's journal for its hub (the `office` crate). The recording loop is the same for both.
pub trait AnswerStore {
    /// The attempts made so far at the question.
    fn attempts(&mut self, interview_id: i64, question_id: i64) -> Result<Attempts, CaptureError>;
    /// Begins an answer and returns its id (the store's own).
    fn begin_answer(&mut self, interview_id: i64, question_id: i64) -> Result<i64, CaptureError>;
    /// Keeps a closed segment durably before returning.
    fn store_segment(&mut self, answer_id: i64, segment: &NewSegment<'_>) -> Result<(), CaptureError>;
    /// Records a capture event (`device_lost`, `clerk_called`, …) of the answer.
    fn capture_event(&mut self, answer_id: i64, event: &str) -> Result<(), CaptureError>;
    /// Keeps a follow-up record of the answer (its decision, or a follow-up about to be asked).
    fn record_follow_up(&mut self, answer_id: i64, record: &StoredFollowUp) -> Result<(), CaptureError>;
    /// Closes the answer: `committed` keeps it for scoring, otherwise it is interrupted.
    fn finish_answer(&mut self, answer_id: i64, committed: bool) -> Result<(), CaptureError>;
}

/// Answers recorded straight into the vault on this machine, as `session`.
#[derive(Debug)]
pub struct VaultStore<'a> {
    pub vault: &'a mut Vault,
    pub session: &'a Session,
}

impl AnswerStore for VaultStore<'_> {
    fn attempts(&mut self, interview_id: i64, question_id: i64) -> Result<Attempts, CaptureError> {
        Ok(self.vault.attempts(self.session, interview_id, question_id)?)
    }

    fn begin_answer(&mut self, interview_id: i64, question_id: i64) -> Result<i64, CaptureError> {
        Ok(self.vault.begin_answer(self.session, interview_id, question_id, false)?)
    }

    fn store_segment(&mut self, answer_id: i64, segment: &NewSegment<'_>) -> Result<(), CaptureError> {
        self.vault.store_segment(self.session, answer_id, segment)?;
        Ok(())
    }

    fn capture_event(&mut self, answer_id: i64, event: &str) -> Result<(), CaptureError> {
        Ok(self.vault.record_capture_event(self.session, answer_id, event)?)
    }

    fn record_follow_up(&mut self, answer_id: i64, record: &StoredFollowUp) -> Result<(), CaptureError> {
        Ok(self.vault.record_follow_up(self.session, answer_id, record)?)
    }

    fn finish_answer(&mut self, answer_id: i64, committed: bool) -> Result<(), CaptureError> {
        Ok(self.vault.finish_answer(self.session, answer_id, committed)?)
    }
}

/// Records one answer to `question_id` into `store` and closes it.
#[allow(clippy::too_many_arguments)]
pub fn record_answer(
    store: &mut dyn AnswerStore,
    capture: &Capture,
    interview_id: i64,
    question_id: i64,
    limits: &Limits,
    controls: &Controls,
    on_event: &mut dyn FnMut(KioskEvent),
) -> Result<AnswerOutcome, CaptureError> {
    record_answer_with(store, capture, interview_id, question_id, limits, controls, None, on_event)
}

/// What is asked after an answer, decided while it records (the `flow` crate's live
/// transcription and the rubric's rule). The recording loop only hands it the answer's audio
/// and asks it once, when the answer itself has ended.
pub trait FollowUps {
    /// A new answer begins.
    fn begin(&mut self);
    /// A segment of the answer itself was stored: its 16 kHz WAV.
    fn segment(&mut self, wav: &[u8]);
    /// The answer itself ended with `segments` stored: what to ask (possibly nothing).
    fn decide(&mut self, segments: u32) -> FollowUpsDecided;
}

/// A decision after an answer: the outcome and what it was made on (stored with the first
/// record), and the follow-ups to ask in order.
#[derive(Clone, Debug)]
pub struct FollowUpsDecided {
    pub outcome: FollowUpOutcome,
    pub decision: FollowUpDecision,
    pub asks: Vec<FollowUpAsk>,
}

#[derive(Clone, Debug)]
pub struct FollowUpAsk {
    pub key_point: String,
    /// The question as the candidate sees it.
    pub question: String,
    pub limits: Limits,
}

/// [`record_answer`], and after the answer the follow-ups `follow_ups` decides on: each
/// announced, prepared and recorded into the same answer (its segments numbered on), before
/// the answer is closed. Nothing is asked after an answer that was abandoned or failed.
#[allow(clippy::too_many_arguments)]
pub fn record_answer_with(
    store: &mut dyn AnswerStore,
    capture: &Capture,
    interview_id: i64,
    question_id: i64,
    limits: &Limits,
    controls: &Controls,
    mut follow_ups: Option<&mut dyn FollowUps>,
    on_event: &mut dyn FnMut(KioskEvent),
) -> Result<AnswerOutcome, CaptureError> {
    let attempts = store.attempts(interview_id, question_id)?;
    if attempts.committed >= limits.attempts {
        return Err(CaptureError::NoAttemptsLeft { question_id, allowed: limits.attempts });
    }
    let answer_id = store.begin_answer(interview_id, question_id)?;
    controls.reset();
    let mut run = Run {
        answer_id,
        down: HashSet::new(),
        away: false,
        departures: controls.departures_before,
        page_losses: controls.page_losses_before,
        paused_at: None,
        clerk_called: false,
        faults: 0,
        saved: 0,
        next_index: 0,
        recorded_ms: 0,
    };
    if let Some(f) = follow_ups.as_deref_mut() {
        f.begin();
    }
    let mut part = record_part(store, capture, limits, controls, &mut run, follow_ups.as_deref_mut(), on_event)?;
    let mut stats = part.stats.clone();
    let mut follow_up = None;
    if let Some(f) = follow_ups
        && part.failure.is_none()
        && !part.abandoned
        && run.saved > 0
    {
        on_event(KioskEvent::Deciding);
        let decided = f.decide(run.saved);
        follow_up = Some(decided.outcome);
        tracing::info!(answer_id, outcome = decided.outcome.as_str(), asks = decided.asks.len(), "follow-up decided");
        let mut decision = Some(decided.decision);
        if decided.asks.is_empty() {
            let record = StoredFollowUp {
                ordinal: 1,
                outcome: decided.outcome,
                key_point: None,
                question: None,
                first_segment: None,
                decision: decision.take(),
            };
            store.record_follow_up(answer_id, &record)?;
        }
        for (i, ask) in decided.asks.iter().enumerate() {
            let ordinal = i as u8 + 1;
            let record = StoredFollowUp {
                ordinal,
                outcome: FollowUpOutcome::Asked,
                key_point: Some(ask.key_point.clone()),
                question: Some(ask.question.clone()),
                first_segment: Some(run.next_index),
                decision: decision.take(),
            };
            store.record_follow_up(answer_id, &record)?;
            // Before the announcement: a "ready" given on seeing it counts for this countdown.
            controls.reset();
            on_event(KioskEvent::FollowUp { ordinal, question: ask.question.clone() });
            prepare(&ask.limits, controls, on_event);
            if controls.is_abandoned() {
                part.abandoned = true;
                break;
            }
            part = record_part(store, capture, &ask.limits, controls, &mut run, None, on_event)?;
            add_stats(&mut stats, &part.stats);
            if part.failure.is_some() || part.abandoned {
                break;
            }
        }
    }
    let committed = part.failure.is_none() && !part.abandoned && run.saved > 0;
    store.finish_answer(answer_id, committed)?;
    tracing::info!(answer_id, committed, segments = run.saved, "answer closed");
    if let Some(error) = part.failure {
        return Err(error);
    }
    Ok(AnswerOutcome { answer_id, committed, segments: run.saved, faults: run.faults, stats, follow_up })
}

/// How one recorded part (the answer, or a follow-up) ended.
#[derive(Debug)]
struct PartEnd {
    stats: RecordingStats,
    abandoned: bool,
    failure: Option<CaptureError>,
}

/// Records one part of an answer until its time is up, "finished" or the clerk ends it; its
/// segments numbered on from the answer's earlier parts and timed on the answer's clock.
fn record_part<'f>(
    store: &mut dyn AnswerStore,
    capture: &Capture,
    limits: &Limits,
    controls: &Controls,
    run: &mut Run,
    mut tap: Option<&mut (dyn FollowUps + 'f)>,
    on_event: &mut dyn FnMut(KioskEvent),
) -> Result<PartEnd, CaptureError> {
    let answer_id = run.answer_id;
    let (first_index, start_ms) = (run.next_index, run.recorded_ms);
    capture.record()?;
    let mut active = Duration::ZERO;
    let mut last_tick = Instant::now();
    let mut stopping = false;
    let mut abandoned = false;
    let mut failure: Option<CaptureError> = None;
    let stats = loop {
        let now = Instant::now();
        if run.paused_at.is_none() {
            active += now - last_tick;
        }
        last_tick = now;
        watch_window(store, controls, run, on_event)?;
        let limit = Duration::from_millis(limits.answer_ms);
        if !stopping {
            abandoned = controls.abandon.load(Ordering::SeqCst);
            if active >= limit || controls.finish.load(Ordering::SeqCst) || abandoned {
                capture.stop_recording()?;
                stopping = true;
            } else {
                on_event(KioskEvent::Countdown {
                    phase: Phase::Answering,
                    remaining_ms: (limit - active).as_millis() as u64,
                    total_ms: limits.answer_ms,
                });
            }
        }
        if let Some(since) = run.paused_at
            && !run.clerk_called
            && since.elapsed() >= CALL_CLERK_AFTER
        {
            run.clerk_called = true;
            store.capture_event(answer_id, "clerk_called")?;
            on_event(KioskEvent::CallClerk {
                message: Localized::new(
                    "设备仍未恢复。请举手示意工作人员，已录制的内容已安全保存。",
                    "The device has not come back. Please call the clerk; what you recorded so far is saved.",
                ),
            });
        }
        let Some(event) = capture.next_event(Duration::from_millis(50))? else { continue };
        match event {
            CaptureEvent::Feedback(f) => on_event(KioskEvent::Capture(f)),
            CaptureEvent::Segment(segment) => {
                if failure.is_some() {
                    continue;
                }
                let index = first_index + segment.index;
                match store_segment(store, answer_id, &segment, index, start_ms) {
                    Ok(()) => {
                        run.saved += 1;
                        run.next_index = run.next_index.max(index + 1);
                        let end_ms = start_ms + (segment.audio_offset_us + segment.audio_duration_us) / 1000;
                        run.recorded_ms = run.recorded_ms.max(end_ms);
                        if let Some(tap) = tap.as_deref_mut() {
                            tap.segment(&segment.audio_16k);
                        }
                        on_event(KioskEvent::SegmentSaved { index });
                    }
                    Err(error) => {
                        // The answer cannot be completed (a full disk, a broken vault): stop and
                        // keep what was saved as an interrupted answer.
                        tracing::error!(%error, answer_id, "segment could not be stored");
                        if !stopping {
                            capture.stop_recording()?;
                            stopping = true;
                        }
                        failure = Some(error);
                    }
                }
            }
            CaptureEvent::DeviceLost { kind, error } => {
                tracing::warn!(answer_id, device = kind.as_str(), %error, "answer paused");
                run.faults += 1;
                if run.down.insert(kind) && run.paused_at.is_none() {
                    run.paused_at = Some(Instant::now());
                }
                store.capture_event(answer_id, &format!("{}_lost", kind.as_str()))?;
                on_event(KioskEvent::Paused { device: kind, message: lost_message(kind) });
            }
            CaptureEvent::DeviceBack { kind } => {
                run.down.remove(&kind);
                store.capture_event(answer_id, &format!("{}_back", kind.as_str()))?;
                if run.down.is_empty() && !run.away {
                    run.paused_at = None;
                    run.clerk_called = false;
                    on_event(KioskEvent::Resumed { device: kind });
                }
            }
            CaptureEvent::Stopped(stats) => break stats,
            CaptureEvent::Failed(detail) => {
                let _ = store.capture_event(answer_id, "encoder_failed");
                store.finish_answer(answer_id, false)?;
                return Err(CaptureError::Encode(detail));
            }
        }
    };
    Ok(PartEnd { stats, abandoned, failure })
}

/// The recording statistics of an answer with follow-ups: its parts' added up.
fn add_stats(total: &mut RecordingStats, part: &RecordingStats) {
    total.segments += part.segments;
    total.frames_seen += part.frames_seen;
    total.frames_encoded += part.frames_encoded;
    total.frames_dropped += part.frames_dropped;
    total.video_bytes += part.video_bytes;
    total.audio_bytes += part.audio_bytes;
    total.still_bytes += part.still_bytes;
    total.encode_seconds += part.encode_seconds;
    total.max_drift_ms = total.max_drift_ms.max(part.max_drift_ms);
    total.final_drift_ms = part.final_drift_ms;
}

/// The window guard during an answer: each departure (also one during the preparation, or one
/// too short to be seen as away here) is a `kiosk_left` event; while away, the clock stops.
fn watch_window(
    store: &mut dyn AnswerStore,
    controls: &Controls,
    run: &mut Run,
    on_event: &mut dyn FnMut(KioskEvent),
) -> Result<(), CaptureError> {
    let departures = controls.guard.departures();
    if departures > run.departures {
        run.departures = departures;
        tracing::warn!(answer_id = run.answer_id, "the kiosk window left the front during an answer");
        store.capture_event(run.answer_id, "kiosk_left")?;
    }
    let losses = controls.guard.page_losses();
    if losses > run.page_losses {
        run.page_losses = losses;
        tracing::warn!(answer_id = run.answer_id, "the kiosk page was lost during an answer");
        store.capture_event(run.answer_id, "page_lost")?;
    }
    let away = controls.guard.is_away();
    if away && !run.away {
        run.away = true;
        if run.paused_at.is_none() {
            run.paused_at = Some(Instant::now());
        }
        on_event(KioskEvent::WindowLeft { message: window_left_message() });
    } else if !away && run.away {
        run.away = false;
        store.capture_event(run.answer_id, "kiosk_back")?;
        if run.down.is_empty() {
            run.paused_at = None;
            run.clerk_called = false;
            on_event(KioskEvent::WindowBack);
        }
    }
    Ok(())
}

struct Run {
    answer_id: i64,
    down: HashSet<DeviceKind>,
    /// The window is away (the answer is paused for it).
    away: bool,
    /// The guard's departures and lost pages already recorded.
    departures: u32,
    page_losses: u32,
    paused_at: Option<Instant>,
    clerk_called: bool,
    faults: u32,
    saved: u32,
    /// The next segment's number in the answer (a follow-up's segments number on).
    next_index: u32,
    /// Where the answer's recording has got to (ms), the start of a follow-up's times.
    recorded_ms: i64,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run").field("answer_id", &self.answer_id).field("saved", &self.saved).finish()
    }
}

/// What the candidate is told when a device stops delivering.
pub fn lost_message(kind: DeviceKind) -> Localized {
    match kind {
        DeviceKind::Camera => Localized::new(
            "摄像头暂时没有画面。您已说的内容都已保存，作答和计时都已暂停。请不要离开座位，需要时请举手请工作人员帮助；摄像头恢复后会自动继续录制。",
            "The camera has stopped sending pictures. What you have said is saved, and your answer and its timer are paused. Please stay seated and raise your hand if you need a member of staff; recording continues by itself when the camera is back.",
        ),
        DeviceKind::Microphone => Localized::new(
            "麦克风暂时没有声音输入。您已说的内容都已保存，作答和计时都已暂停。请不要离开座位，需要时请举手请工作人员帮助；麦克风恢复后会自动继续录制。",
            "The microphone has stopped sending sound. What you have said is saved, and your answer and its timer are paused. Please stay seated and raise your hand if you need a member of staff; recording continues by itself when the microphone is back.",
        ),
    }
}

/// One segment into the store as the answer's segment `index`, its times from `start_ms`: its
/// parts together.
fn store_segment(
    store: &mut dyn AnswerStore,
    answer_id: i64,
    segment: &Segment,
    index: u32,
    start_ms: i64,
) -> Result<(), CaptureError> {
    let ms = |us: i64| start_ms + us / 1000;
    let mut parts = Vec::with_capacity(4);
    if let Some(video) = &segment.video {
        parts.push(SegmentPart {
            kind: "video",
            format: media_format::WEBM_VP9,
            offset_ms: ms(segment.video_offset_us),
            duration_ms: video.duration_us / 1000,
            bytes: &video.webm,
        });
    }
    parts.push(SegmentPart {
        kind: "audio",
        format: media_format::WAV_16K,
        offset_ms: ms(segment.audio_offset_us),
        duration_ms: segment.audio_duration_us / 1000,
        bytes: &segment.audio_16k,
    });
    if let Some((jpeg, at_us)) = &segment.still {
        parts.push(SegmentPart {
            kind: "still",
            format: media_format::JPEG,
            offset_ms: ms(*at_us),
            duration_ms: 0,
            bytes: jpeg,
        });
    }
    store.store_segment(answer_id, &NewSegment { index, parts })
}

/// After a crash or power cut: every answer still marked "recording" keeps the segments that
/// were committed and is closed as interrupted (so it may be retaken), with an audit entry;
/// media files that were never finished are removed.
pub fn recover(vault: &mut Vault, session: &Session) -> Result<Vec<UnfinishedAnswer>, CaptureError> {
    let removed = vault.remove_unfinished_media_files(session)?;
    let unfinished = vault.unfinished_answers(session)?;
    for answer in &unfinished {
        vault.record_capture_event(session, answer.answer_id, "recovered")?;
        vault.finish_answer(session, answer.answer_id, false)?;
    }
    if !unfinished.is_empty() || removed > 0 {
        tracing::warn!(answers = unfinished.len(), partial_files = removed, "recovered interrupted recordings");
    }
    Ok(unfinished)
}

/// The longest recording an interview can need, in milliseconds: every question answered to its
/// limit as often as it may be.
pub fn longest_interview_ms(questions: &[Limits]) -> u64 {
    questions.iter().map(|l| l.answer_ms * u64::from(l.attempts)).sum()
}

/// Bytes a second of recording takes at most (video at its target rate with headroom, the Opus
/// sound, the 16 kHz WAV, a still per segment).
pub fn bytes_per_second(settings: &CaptureSettings) -> u64 {
    let video = u64::from(settings.video_kbps) * 1000 / 8 * 3 / 2;
    let audio = u64::from(SCORING_RATE) * 2 + 64_000 / 8;
    let stills = 30_000 * 1000 / u64::from(settings.segment_ms.max(1));
    video + audio + stills
}

/// What the pre-interview check found.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Preflight {
    pub free_bytes: u64,
    pub needed_bytes: u64,
}

/// Before an interview starts: free disk at least twice the longest possible recording, and the
/// camera and microphone both delivering. Otherwise a clear refusal, and nothing is recorded.
pub fn preflight(
    data_dir: &Path,
    capture: &Capture,
    questions: &[Limits],
    settings: &CaptureSettings,
) -> Result<Preflight, CaptureError> {
    let needed = 2 * longest_interview_ms(questions) * bytes_per_second(settings) / 1000;
    let free = fs4::available_space(data_dir).map_err(CaptureError::io(data_dir))?;
    if free < needed {
        return Err(CaptureError::DiskSpace { path: data_dir.to_owned(), free, needed });
    }
    capture.check_delivering(Duration::from_secs(2))?;
    Ok(Preflight { free_bytes: free, needed_bytes: needed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_time_lengthens_both_countdowns() {
        let l = Limits::new(30, 120, 1, 25);
        assert_eq!(l, Limits { prep_ms: 37_500, answer_ms: 150_000, attempts: 2 });
        assert_eq!(Limits::new(0, 60, 0, 0).attempts, 1);
        assert_eq!(longest_interview_ms(&[l, Limits::new(0, 60, 0, 0)]), 360_000);
    }

    #[test]
    fn space_needed_covers_the_target_rate() {
        let per_minute = bytes_per_second(&CaptureSettings::default()) * 60;
        // Above what is recorded (under 8 MB a minute, `make bench`), so the check errs on the safe side.
        assert!(per_minute > 8_000_000 && per_minute < 12_000_000, "{per_minute}");
    }
}
