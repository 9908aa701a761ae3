//! The kiosk station at run time: one thread owns the camera and microphone and runs what the
//! kiosk page asks for — the live preview, the unscored practice question, a real question
//! (preparation and answer countdowns, recording into the vault) — and reports to the page
//! through a channel. The rules (limits, attempts, recording, faults) are `capture::kiosk`'s;
//! this module only sequences them and turns their events into [`KioskSignal`]s.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use capture::devices::DeviceChoice;
use capture::kiosk::{Controls, KioskEvent, Limits, Phase, WindowGuard};
use capture::{
    AudioSource, Capture, CaptureError, CaptureEvent, CaptureSettings, DeviceKind, Feedback, SyntheticCamera,
    SyntheticControl, SyntheticMicrophone, VideoSource,
};
use interview::UserFacing;

use crate::error::ShellError;
use crate::ipc::{KioskSignal, Text};

/// Where the runner's signals go (the page's channel).
pub type SignalSink = Arc<dyn Fn(KioskSignal) + Send + Sync>;

/// The synthetic devices offered next to the real ones, for trying a kiosk without hardware
/// and for the end-to-end tests: a test card or the bundled portrait; a quiet tone, or a
/// "candidate" who speaks the bundled sample answers one after the other, with pauses.
pub const SYNTHETIC_DEVICES: [(&str, &str, DeviceKind); 4] = [
    ("synthetic:pattern", "Synthetic test card", DeviceKind::Camera),
    ("synthetic:portrait", "Synthetic portrait (bundled sample)", DeviceKind::Camera),
    ("synthetic:microphone", "Synthetic tone", DeviceKind::Microphone),
    ("synthetic:voice", "Synthetic voice (bundled sample answers)", DeviceKind::Microphone),
];

const PORTRAIT: &[u8] = include_bytes!("../../assets/samples/demo/candidate.jpg");
const VOICE: [&[u8]; 2] =
    [include_bytes!("../../assets/samples/demo/q1.wav"), include_bytes!("../../assets/samples/demo/q2.wav")];

/// A background thread of the synthetic devices (the voice, the unplugger), stopped on drop.
struct Helper {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The running camera and microphone of the station.
struct Running {
    capture: Capture,
    _voice: Option<Helper>,
    _unplugger: Option<Helper>,
}

/// For trying a device failure without hardware: with synthetic devices and
/// `INTERVIEW_KIOSK_SYNTHETIC_UNPLUG=FILE`, naming `camera` and/or `microphone` in FILE pulls
/// those synthetic devices out until the names are removed again (the end-to-end test's
/// camera-unplugged-mid-answer case). Real devices are never affected.
const UNPLUG_ENV: &str = "INTERVIEW_KIOSK_SYNTHETIC_UNPLUG";

fn unplugger(control: Arc<SyntheticControl>, file: PathBuf) -> Helper {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("synthetic-unplug".into())
        .spawn(move || {
            let mut out = (false, false);
            while !flag.load(Ordering::SeqCst) {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                let now = (text.contains("camera"), text.contains("microphone"));
                for (was, is, kind) in [(out.0, now.0, DeviceKind::Camera), (out.1, now.1, DeviceKind::Microphone)] {
                    match (was, is) {
                        (false, true) => control.unplug(kind),
                        (true, false) => control.replug(kind),
                        _ => {}
                    }
                }
                out = now;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .ok();
    Helper { stop, thread }
}

/// Opens the camera and microphone chosen for this kiosk (the administrator's device screen or
/// `interview-kiosk devices`); with nothing chosen, the first camera and the default microphone.
fn open(data_dir: &Path) -> Result<Running, ShellError> {
    let choice = DeviceChoice::load(data_dir);
    let control = SyntheticControl::new();
    let video: Box<dyn VideoSource> = match choice.camera.as_deref() {
        Some("synthetic:pattern") => Box::new(SyntheticCamera::pattern(640, 480, 30, control.clone()).with_noise(6)),
        Some("synthetic:portrait") => Box::new(
            SyntheticCamera::picture("portrait", PORTRAIT, 640, 480, 30, control.clone())
                .map_err(CaptureError::from)?
                .with_noise(4),
        ),
        Some(id) => Box::new(capture::devices::camera(id)?),
        None => Box::new(capture::devices::camera("camera:0")?),
    };
    let mut voice = None;
    let synthetic = [choice.camera.as_deref(), choice.microphone.as_deref()]
        .iter()
        .any(|id| id.is_some_and(|id| id.starts_with("synthetic:")));
    let unplug = std::env::var_os(UNPLUG_ENV).filter(|_| synthetic).map(|file| unplugger(control.clone(), file.into()));
    let audio: Box<dyn AudioSource> = match choice.microphone.as_deref() {
        Some("synthetic:microphone") => Box::new(SyntheticMicrophone::new(48_000, 220.0, control.clone())),
        Some("synthetic:voice") => {
            let microphone = SyntheticMicrophone::new(48_000, 0.0, control.clone());
            let clips = VOICE
                .iter()
                .map(|wav| microphone.load_wav(wav))
                .collect::<Result<Vec<_>, _>>()
                .map_err(CaptureError::from)?;
            voice = Some(speak(control, clips));
            Box::new(microphone)
        }
        other => Box::new(capture::devices::microphone(other)?),
    };
    let capture = Capture::start(video, audio, CaptureSettings::default())?;
    Ok(Running { capture, _voice: voice, _unplugger: unplug })
}

fn speak(control: Arc<SyntheticControl>, clips: Vec<Vec<f32>>) -> Helper {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("synthetic-voice".into())
        .spawn(move || {
            let mut next = 0;
            while !flag.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1500));
                if control.quiet() && !flag.load(Ordering::SeqCst) {
                    control.say(clips[next % clips.len()].clone());
                    next += 1;
                }
            }
        })
        .ok();
    Helper { stop, thread }
}

/// Where the answers of a visit are recorded.
#[derive(Debug)]
pub enum Recording {
    /// Into this machine's vault, as the station's session.
    Vault(vault::Session),
    /// Into the journal of this station of a hub, which hands it on.
    Journal(Arc<office::station::Station>),
}

/// A question that may ask follow-ups: its rubric, the follow-up's countdowns, the language.
#[derive(Debug)]
pub struct FollowUpSpec {
    pub rubric: scoring::rubric::Rubric,
    pub limits: Limits,
    pub language: interview::Lang,
}

/// What the page asks the runner to do.
enum Job {
    /// Open the devices (if closed), stream the preview, and reply once both deliver and the
    /// disk has room for the whole interview — or why not.
    Start {
        limits: Vec<Limits>,
        /// The visit asks follow-ups: the recogniser for its live transcripts.
        live: Option<(interview::RecognitionModels, interview::Lang)>,
        reply: Sender<Result<(), ShellError>>,
    },
    Practice {
        limits: Limits,
    },
    Question {
        into: Recording,
        interview_id: i64,
        question_id: i64,
        limits: Limits,
        follow_up: Option<FollowUpSpec>,
    },
    /// Close the devices (the end of a visit).
    Stop,
}

/// The station: a runner thread and the controls of the question in progress. The runner
/// records into a vault handle of its own, so the page's other calls never wait for an answer.
pub struct Station {
    data_dir: PathBuf,
    /// Guards the line to the runner thread (started on first use).
    jobs: Mutex<Option<Sender<Job>>>,
    /// The controls the candidate's buttons act on; the runner replaces them per countdown.
    controls: Arc<Mutex<Arc<Controls>>>,
    busy: Arc<AtomicBool>,
    sink: Arc<Mutex<Option<SignalSink>>>,
    /// Set by the kiosk window's watch (`crate::window_watch`): the countdowns stop while the
    /// window is away.
    guard: Arc<WindowGuard>,
    /// How the last practice or attempt ended (`AnswerDone`, `PracticeDone`), for a page that
    /// is reloaded after it was told.
    outcome: Arc<Mutex<Option<KioskSignal>>>,
    /// The follow-up being asked now (ordinal, question), for a page reloaded meanwhile.
    follow_up: Arc<Mutex<Option<(u8, String)>>>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station").field("busy", &self.is_busy()).finish_non_exhaustive()
    }
}

impl Station {
    pub fn new(data_dir: PathBuf) -> Station {
        Station {
            data_dir,
            jobs: Mutex::new(None),
            controls: Arc::new(Mutex::new(Arc::new(Controls::default()))),
            busy: Arc::new(AtomicBool::new(false)),
            sink: Arc::new(Mutex::new(None)),
            guard: Arc::new(WindowGuard::default()),
            outcome: Arc::new(Mutex::new(None)),
            follow_up: Arc::new(Mutex::new(None)),
        }
    }

    /// The follow-up being asked now, if one is.
    pub fn current_follow_up(&self) -> Option<(u8, String)> {
        self.follow_up.lock().ok().and_then(|f| f.clone())
    }

    /// How the last practice or attempt ended, unless another one has begun since.
    pub fn last_outcome(&self) -> Option<KioskSignal> {
        self.outcome.lock().ok().and_then(|o| o.clone())
    }

    /// The kiosk window's guard, for the window's watch.
    pub fn guard(&self) -> Arc<WindowGuard> {
        self.guard.clone()
    }

    /// Where signals go from now on (the page subscribes once per load).
    pub fn watch(&self, sink: SignalSink) {
        if let Ok(mut slot) = self.sink.lock() {
            *slot = Some(sink);
        }
    }

    /// Starts the devices (and the runner, the first time) and runs the pre-interview check
    /// (`capture::kiosk::preflight`) for an interview of `limits`.
    pub fn start(
        &self,
        limits: Vec<Limits>,
        live: Option<(interview::RecognitionModels, interview::Lang)>,
    ) -> Result<(), ShellError> {
        let (reply, answer) = mpsc::channel();
        self.send(Job::Start { limits, live, reply })?;
        answer
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| ShellError::Internal("the devices did not start within 20 s".into()))?
    }

    /// The practice question: countdowns and the live preview; nothing is recorded.
    pub fn practice(&self, limits: Limits) -> Result<(), ShellError> {
        self.begin(Job::Practice { limits })
    }

    /// One attempt at a question: preparation, then the answer recorded `into` the vault or
    /// the journal.
    pub fn question(
        &self,
        into: Recording,
        interview_id: i64,
        question_id: i64,
        limits: Limits,
        follow_up: Option<FollowUpSpec>,
    ) -> Result<(), ShellError> {
        self.begin(Job::Question { into, interview_id, question_id, limits, follow_up })
    }

    /// "I am ready": ends the preparation early.
    pub fn ready(&self) {
        if let Ok(controls) = self.controls.lock() {
            controls.start_now();
        }
    }

    /// "I have finished": ends the answer (or the practice, whose countdown ends on "start
    /// now") early.
    pub fn finish(&self) {
        if let Ok(controls) = self.controls.lock() {
            controls.start_now();
            controls.finish();
        }
    }

    /// Ends the visit's use of the devices: a question still running is abandoned (kept as
    /// interrupted), the camera and microphone are closed.
    pub fn stop(&self) {
        if let Ok(controls) = self.controls.lock() {
            controls.start_now();
            controls.abandon();
        }
        if let Ok(jobs) = self.jobs.lock()
            && let Some(tx) = jobs.as_ref()
        {
            let _ = tx.send(Job::Stop);
        }
    }

    /// A practice or a question is running.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    fn begin(&self, job: Job) -> Result<(), ShellError> {
        if self.busy.swap(true, Ordering::SeqCst) {
            return Err(ShellError::KioskBusy);
        }
        fresh_controls(&self.controls, &self.guard);
        if let Ok(mut outcome) = self.outcome.lock() {
            *outcome = None;
        }
        if let Ok(mut follow_up) = self.follow_up.lock() {
            *follow_up = None;
        }
        self.send(job).inspect_err(|_| self.busy.store(false, Ordering::SeqCst))
    }

    fn send(&self, job: Job) -> Result<(), ShellError> {
        let mut jobs = self.jobs.lock().map_err(|_| ShellError::Internal("station lock poisoned".into()))?;
        if jobs.is_none() {
            let (tx, rx) = mpsc::channel();
            let runner = Runner {
                data_dir: self.data_dir.clone(),
                vault: None,
                journal: None,
                live: None,
                sink: self.sink.clone(),
                busy: self.busy.clone(),
                controls: self.controls.clone(),
                guard: self.guard.clone(),
                outcome: self.outcome.clone(),
                follow_up: self.follow_up.clone(),
            };
            std::thread::Builder::new()
                .name("kiosk-station".into())
                .spawn(move || runner.run(rx))
                .map_err(|e| ShellError::Internal(e.to_string()))?;
            *jobs = Some(tx);
        }
        jobs.as_ref()
            .ok_or_else(|| ShellError::Internal("no station runner".into()))?
            .send(job)
            .map_err(|_| ShellError::Internal("the station runner has stopped".into()))
    }
}

/// New controls for the next countdown (so an earlier "ready" cannot end the next one).
fn fresh_controls(slot: &Mutex<Arc<Controls>>, guard: &Arc<WindowGuard>) -> Arc<Controls> {
    let controls = Arc::new(Controls::guarded(guard.clone()));
    if let Ok(mut current) = slot.lock() {
        *current = controls.clone();
    }
    controls
}

fn current_controls(slot: &Mutex<Arc<Controls>>) -> Arc<Controls> {
    slot.lock().map(|c| c.clone()).unwrap_or_default()
}

struct Runner {
    data_dir: PathBuf,
    /// The runner's own vault handle, opened at the first question.
    vault: Option<vault::Vault>,
    /// On a station of a hub: the visit's journal (it counts the attempts), per interview.
    journal: Option<(i64, office::station::JournalStore)>,
    /// The visit's live transcripts (for follow-ups), loaded when its devices start.
    live: Option<scoring::live::LiveTranscriber>,
    sink: Arc<Mutex<Option<SignalSink>>>,
    busy: Arc<AtomicBool>,
    controls: Arc<Mutex<Arc<Controls>>>,
    guard: Arc<WindowGuard>,
    outcome: Arc<Mutex<Option<KioskSignal>>>,
    follow_up: Arc<Mutex<Option<(u8, String)>>>,
}

/// Sends `signal` to the page, if one is watching.
fn emit_to(sink: &Mutex<Option<SignalSink>>, signal: KioskSignal) {
    let sink = sink.lock().ok().and_then(|s| s.clone());
    if let Some(sink) = sink {
        sink(signal);
    }
}

/// Forwards what the devices report while no answer is being recorded.
fn pump(capture: &Capture, sink: &Mutex<Option<SignalSink>>, wait: Duration) {
    let mut wait = wait;
    while let Ok(Some(event)) = capture.next_event(wait) {
        wait = Duration::ZERO;
        match event {
            CaptureEvent::Feedback(feedback) => emit_to(sink, feedback_signal(feedback)),
            CaptureEvent::DeviceLost { kind, .. } => emit_to(
                sink,
                KioskSignal::Paused {
                    device: kind.as_str().to_owned(),
                    message: capture::kiosk::lost_message(kind).into(),
                },
            ),
            CaptureEvent::DeviceBack { .. } => emit_to(sink, KioskSignal::Resumed),
            CaptureEvent::Segment(_) | CaptureEvent::Stopped(_) | CaptureEvent::Failed(_) => {}
        }
    }
}

impl Runner {
    fn emit(&self, signal: KioskSignal) {
        emit_to(&self.sink, signal);
    }

    /// Tells the page how a practice or attempt ended, and keeps it for a reloaded page.
    fn ended(&self, signal: KioskSignal) {
        if let Ok(mut outcome) = self.outcome.lock() {
            *outcome = Some(signal.clone());
        }
        if let Ok(mut follow_up) = self.follow_up.lock() {
            *follow_up = None;
        }
        self.emit(signal);
    }

    fn run(mut self, jobs: Receiver<Job>) {
        let mut running: Option<Running> = None;
        loop {
            // Between jobs the preview keeps streaming while the devices are open.
            let job = match &running {
                Some(r) => match jobs.try_recv() {
                    Ok(job) => job,
                    Err(TryRecvError::Empty) => {
                        self.pump(&r.capture, Duration::from_millis(50));
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => break,
                },
                None => match jobs.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                },
            };
            match job {
                Job::Start { limits, live, reply } => {
                    if running.is_none() {
                        match open(&self.data_dir) {
                            Ok(r) => running = Some(r),
                            Err(error) => {
                                let _ = reply.send(Err(error));
                                continue;
                            }
                        }
                    }
                    let result = match &running {
                        Some(r) => {
                            capture::kiosk::preflight(&self.data_dir, &r.capture, &limits, &CaptureSettings::default())
                                .map(|_| ())
                                .map_err(ShellError::from)
                        }
                        None => Err(ShellError::Internal("devices not open".into())),
                    };
                    if result.is_err()
                        && let Some(r) = running.take()
                    {
                        r.capture.shutdown();
                    }
                    let started = result.is_ok();
                    let _ = reply.send(result);
                    // After the reply: the candidate reads the device check meanwhile.
                    if started
                        && self.live.is_none()
                        && let Some((models, language)) = live
                    {
                        match flow::follow_up::start_live(models, language) {
                            Ok(live) => self.live = Some(live),
                            Err(error) => {
                                tracing::warn!(code = error.code(), detail = %error, "no live transcription: no follow-ups");
                            }
                        }
                    }
                }
                Job::Practice { limits } => {
                    match &running {
                        Some(r) => self.practice(&r.capture, &limits),
                        None => self.emit(error_signal(&ShellError::NoVisit)),
                    }
                    self.busy.store(false, Ordering::SeqCst);
                }
                Job::Question { into, interview_id, question_id, limits, follow_up } => {
                    match &running {
                        Some(r) => {
                            if let Err(error) =
                                self.question(&r.capture, into, interview_id, question_id, &limits, follow_up)
                            {
                                tracing::warn!(code = error.code(), detail = %error, "kiosk question failed");
                                self.emit(error_signal(&error));
                            }
                        }
                        None => self.emit(error_signal(&ShellError::NoVisit)),
                    }
                    self.busy.store(false, Ordering::SeqCst);
                }
                Job::Stop => {
                    self.journal = None;
                    self.live = None;
                    if let Some(r) = running.take() {
                        r.capture.shutdown();
                    }
                }
            }
        }
        if let Some(r) = running.take() {
            r.capture.shutdown();
        }
    }

    fn pump(&self, capture: &Capture, wait: Duration) {
        pump(capture, &self.sink, wait);
    }

    /// The practice: preparation and answer countdowns with the preview; nothing recorded.
    fn practice(&self, capture: &Capture, limits: &Limits) {
        let controls = current_controls(&self.controls);
        capture::kiosk::prepare(limits, &controls, &mut |event| {
            self.pump(capture, Duration::ZERO);
            self.emit(kiosk_event_signal(event));
        });
        // The answer's countdown, nothing recorded: `prepare` counts down until "start now",
        // which the candidate's "finished" also sets.
        let controls = fresh_controls(&self.controls, &self.guard);
        let answering = Limits { prep_ms: limits.answer_ms, ..*limits };
        capture::kiosk::prepare(&answering, &controls, &mut |event| {
            self.pump(capture, Duration::ZERO);
            self.emit(match kiosk_event_signal(event) {
                KioskSignal::Countdown { remaining_ms, total_ms, .. } => {
                    KioskSignal::Countdown { phase: "answering".into(), remaining_ms, total_ms }
                }
                other => other,
            });
        });
        self.ended(KioskSignal::PracticeDone);
    }

    /// One attempt: preparation (with the preview), then recording into the vault or the
    /// journal.
    fn question(
        &mut self,
        capture: &Capture,
        into: Recording,
        interview_id: i64,
        question_id: i64,
        limits: &Limits,
        follow_up: Option<FollowUpSpec>,
    ) -> Result<(), ShellError> {
        let controls = current_controls(&self.controls);
        let sink = &self.sink;
        let mut follow_ups = match (follow_up, self.live.as_mut()) {
            (Some(spec), Some(live)) => Some(flow::follow_up::QuestionFollowUps {
                live,
                rubric: spec.rubric,
                language: spec.language,
                limits: spec.limits,
                patience: follow_up_patience(),
            }),
            (Some(_), None) => {
                tracing::warn!("a question with follow-ups, but no live transcription: none asked");
                None
            }
            _ => None,
        };
        let hook = follow_ups.as_mut().map(|f| f as &mut dyn capture::kiosk::FollowUps);
        let asking = &self.follow_up;
        let emit = |signal| emit_to(sink, signal);
        let mut on_event = |event: KioskEvent| {
            if matches!(event, KioskEvent::Countdown { phase: Phase::Preparing, .. }) {
                pump(capture, sink, Duration::ZERO);
            }
            if let KioskEvent::FollowUp { ordinal, question } = &event
                && let Ok(mut now) = asking.lock()
            {
                *now = Some((*ordinal, question.clone()));
            }
            emit(kiosk_event_signal(event));
        };
        let done = match into {
            Recording::Vault(session) => {
                if self.vault.is_none() {
                    self.vault = Some(vault::Vault::open(&self.data_dir)?);
                }
                let vault = self.vault.as_mut().ok_or(ShellError::Internal("no vault".into()))?;
                let mut store = capture::kiosk::VaultStore { vault, session: &session };
                let done = flow::station::answer(
                    &mut store,
                    capture,
                    interview_id,
                    question_id,
                    limits,
                    &controls,
                    hook,
                    &mut on_event,
                );
                if done.is_err() {
                    // The handle may be what failed (a restored or re-keyed vault): open it afresh.
                    self.vault = None;
                }
                done?
            }
            Recording::Journal(station) => {
                if self.journal.as_ref().is_none_or(|(visit, _)| *visit != interview_id) {
                    self.journal = Some((interview_id, station.store()));
                }
                let (_, store) = self.journal.as_mut().ok_or(ShellError::Internal("no journal".into()))?;
                flow::station::answer(
                    store,
                    capture,
                    interview_id,
                    question_id,
                    limits,
                    &controls,
                    hook,
                    &mut on_event,
                )?
            }
        };
        if let Some(done) = done {
            self.ended(KioskSignal::AnswerDone {
                committed: done.outcome.committed,
                attempts_left: done.attempts_left,
            });
        }
        Ok(())
    }
}

/// How long the kiosk (and the demo's kiosk stage) waits for the live transcript after
/// "finished": `flow::follow_up::PATIENCE`, or `INTERVIEW_KIOSK_FOLLOW_UP_PATIENCE_MS` for a
/// kiosk that is slower or busier (at most 30 s; README, *Follow-up questions*).
pub(crate) fn follow_up_patience() -> Duration {
    std::env::var("INTERVIEW_KIOSK_FOLLOW_UP_PATIENCE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(flow::follow_up::PATIENCE, |ms| Duration::from_millis(ms.min(30_000)))
}

/// The administrator's device test: opens the chosen devices for `seconds`, and reports the
/// last preview frame and the loudest level heard.
pub fn test_devices(data_dir: &Path, seconds: u64) -> Result<crate::ipc::DeviceTestDto, ShellError> {
    let running = open(data_dir)?;
    running.capture.check_delivering(Duration::from_secs(3))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    let (mut preview, mut frames, mut loudest) = (None, 0u32, f32::NEG_INFINITY);
    while std::time::Instant::now() < deadline {
        match running.capture.next_event(Duration::from_millis(50))? {
            Some(CaptureEvent::Feedback(Feedback::Preview { jpeg, .. })) => {
                frames += 1;
                preview = Some(data_url(&jpeg));
            }
            Some(CaptureEvent::Feedback(Feedback::Level { rms_dbfs, .. })) => loudest = loudest.max(rms_dbfs),
            Some(CaptureEvent::DeviceLost { error, .. }) => return Err(CaptureError::from(error).into()),
            _ => {}
        }
    }
    running.capture.shutdown();
    Ok(crate::ipc::DeviceTestDto { preview, frames, loudest_dbfs: if loudest.is_finite() { loudest } else { -120.0 } })
}

/// Turns a capture feedback event into the page's signal.
fn feedback_signal(feedback: Feedback) -> KioskSignal {
    match feedback {
        Feedback::Preview { jpeg, .. } => KioskSignal::Preview { data_url: data_url(&jpeg) },
        Feedback::Level { rms_dbfs, peak } => KioskSignal::Level { rms_dbfs, peak },
    }
}

fn data_url(jpeg: &[u8]) -> String {
    use base64::Engine;
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg))
}

fn error_signal(error: &impl UserFacing) -> KioskSignal {
    KioskSignal::Failed { code: error.code().to_owned(), message: Text::from(error.user_message()) }
}

fn kiosk_event_signal(event: KioskEvent) -> KioskSignal {
    match event {
        KioskEvent::Capture(feedback) => feedback_signal(feedback),
        KioskEvent::Countdown { phase, remaining_ms, total_ms } => KioskSignal::Countdown {
            phase: match phase {
                Phase::Preparing => "preparing",
                Phase::Answering => "answering",
            }
            .into(),
            remaining_ms: remaining_ms as u32,
            total_ms: total_ms as u32,
        },
        KioskEvent::Paused { device, message } => {
            KioskSignal::Paused { device: device.as_str().to_owned(), message: message.into() }
        }
        KioskEvent::Resumed { .. } => KioskSignal::Resumed,
        KioskEvent::CallClerk { message } => KioskSignal::CallClerk { message: message.into() },
        KioskEvent::SegmentSaved { .. } => KioskSignal::Saved,
        KioskEvent::WindowLeft { message } => KioskSignal::Paused { device: "window".into(), message: message.into() },
        KioskEvent::WindowBack => KioskSignal::Resumed,
        KioskEvent::Deciding => KioskSignal::Deciding,
        KioskEvent::FollowUp { ordinal, question } => KioskSignal::FollowUp { ordinal, question },
    }
}
