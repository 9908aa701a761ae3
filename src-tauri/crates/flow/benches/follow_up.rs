#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark binary: it prints, and a failure aborts it
//! Follow-up benchmark (`make bench-follow-up`): a long answer recorded at 640×480, 30 fps (the
//! synthetic camera with sensor-like noise, so VP9 works as on a real camera) with live
//! transcription on, through the real recording loop into a real vault; then the same answer
//! with live transcription off. Per run: the time from "I have finished" to the follow-up being
//! handed to the page, frames dropped, and the process's CPU time. The answer is the demo's
//! second sample answer spoken over and over; the rubric has a key point it never makes, so its
//! follow-up is asked whatever recognition hears. FOLLOW_UP_BENCH_RUNS (10) and
//! FOLLOW_UP_BENCH_SECONDS (180) change the size.

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use capture::kiosk::{Controls, KioskEvent};
use capture::{Capture, CaptureSettings, SyntheticCamera, SyntheticControl, SyntheticMicrophone};
use flow::follow_up::{PATIENCE, QuestionFollowUps, question_rubric};
use flow::station;
use interview::{Bands, Lang, Role, Weight};
use vault::{NewCandidate, NewJob, NewQuestion, NewUser, Vault};

const PASSWORD: &str = "a long enough password";
const PICTURE: &[u8] = include_bytes!("../../../../assets/samples/demo/candidate.jpg");
const ANSWER: &[u8] = include_bytes!("../../../../assets/samples/demo/q2.wav");
const FOLLOW_UP_ANSWER: &[u8] = include_bytes!("../../../../assets/samples/demo/q2-follow-up.wav");
const RUBRIC: &str = include_str!("../../../../assets/samples/demo/q2-rubric.json");

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The demo's second rubric with a key point the sample answer never makes (registering the
/// complaint), whose follow-up is therefore asked however well the answer is heard.
fn rubric() -> String {
    let mut rubric: serde_json::Value = serde_json::from_str(RUBRIC).unwrap();
    rubric["follow_ups"] = 1.into();
    rubric["key_points"].as_array_mut().unwrap().push(serde_json::json!({
        "id": "register",
        "dimension": "应急处理",
        "text": "登记投诉",
        "synonyms": ["做好记录", "登记备案"],
        "weight": 2.0,
        "follow_up": {"zh-CN": "您会怎样把这次投诉登记下来？", "en": "How would you register this complaint?"}
    }));
    rubric.to_string()
}

/// A fresh vault with one question allowing a follow-up, a candidate checked in at the kiosk.
fn visit(dir: &std::path::Path, answer_seconds: u32) -> (Vault, vault::Session, vault::KioskPlan) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
    let user = |name: &str, role| NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        password: PASSWORD.into(),
    };
    let (mut vault, _) = Vault::create(dir, user("admin", Role::Admin)).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    for (name, role) in [("clerk", Role::Clerk), ("kiosk-1", Role::Kiosk)] {
        vault.create_user(&admin, user(name, role)).unwrap();
    }
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let dimensions = [("应急处理", 5000), ("沟通能力", 5000)]
        .map(|(d, bp)| Weight { dimension: d.into(), basis_points: bp })
        .to_vec();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "窗口服务".into(), language: Lang::ZhCn, dimensions, bands: Bands::new(80, 60).unwrap()
            },
        )
        .unwrap();
    let question = NewQuestion {
        job_id: job,
        situational: true,
        text: "窗口前一位群众情绪激动、大声抱怨，你会怎么处理？".into(),
        rubric_json: rubric(),
        dimensions: vec!["应急处理".into(), "沟通能力".into()],
        prep_seconds: 1,
        answer_seconds: answer_seconds + 30,
        retakes: 0,
    };
    vault.add_question(&clerk, question).unwrap();
    let candidate =
        NewCandidate { job_id: job, name: "张三".into(), id_number: None, phone: None, email: None, group: None };
    let candidate = vault.add_candidate(&clerk, candidate).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (_, code) = vault.issue_invitation(&clerk, candidate, now - 1000, now + 3_600_000).unwrap();
    let signed_in = station::sign_in(&mut vault, "kiosk-1", PASSWORD, "kiosk-1").unwrap();
    let plan = station::check_in(&mut vault, &signed_in.session, &code, None).unwrap();
    station::consent(&mut vault, &signed_in.session, plan.interview_id, true).unwrap();
    (vault, signed_in.session, plan)
}

struct Run {
    /// "I have finished" → the follow-up handed to the page (`None`: nothing was asked).
    to_follow_up: Option<Duration>,
    outcome: Option<interview::follow_up::FollowUpOutcome>,
    frames_seen: u64,
    frames_dropped: u64,
    cpu: f64,
    wall: f64,
    transcribing_ms: u64,
}

fn run(seconds: f32, live: Option<&mut scoring::live::LiveTranscriber>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, session, plan) = visit(dir.path(), seconds as u32);
    let control = SyntheticControl::new();
    let microphone = SyntheticMicrophone::new(48_000, 0.0, control.clone());
    let one = microphone.load_wav(ANSWER).unwrap();
    let mut long: Vec<f32> = one.iter().copied().cycle().take((48_000.0 * seconds) as usize).collect();
    long.shrink_to_fit();
    let follow_up = microphone.load_wav(FOLLOW_UP_ANSWER).unwrap();
    let camera =
        SyntheticCamera::picture("candidate.jpg", PICTURE, 640, 480, 30, control.clone()).unwrap().with_noise(3);
    let capture = Capture::start(Box::new(camera), Box::new(microphone), CaptureSettings::default()).unwrap();
    let controls = Arc::new(Controls::default());
    controls.start_now();
    let finished_at = Arc::new(Mutex::new(None::<Instant>));
    let (finisher, stamp) = (controls.clone(), finished_at.clone());
    let candidate = control.answer_then(long, move || {
        *stamp.lock().unwrap() = Some(Instant::now());
        finisher.finish();
    });
    let question = &plan.questions[0];
    let busy_before = live.as_ref().map_or(0, |l| l.busy_ms());
    let mut hook = live.map(|live| QuestionFollowUps {
        live,
        rubric: question_rubric(question).unwrap(),
        language: Lang::ZhCn,
        limits: flow::follow_up::follow_up_limits(question, 0),
        patience: PATIENCE,
    });
    let limits = station::limits(&plan);
    let mut to_follow_up = None;
    let mut speakers = Vec::new();
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let done = station::answer(
        &mut capture::kiosk::VaultStore { vault: &mut vault, session: &session },
        &capture,
        plan.interview_id,
        question.question_id,
        &limits[0],
        &controls,
        hook.as_mut().map(|h| h as &mut dyn capture::kiosk::FollowUps),
        &mut |event| {
            if let KioskEvent::FollowUp { .. } = event {
                to_follow_up = finished_at.lock().unwrap().map(|t| t.elapsed());
                controls.start_now();
                let finisher = controls.clone();
                speakers.push(control.answer_then(follow_up.clone(), move || finisher.finish()));
            }
        },
    )
    .unwrap()
    .unwrap();
    let (cpu, wall) = (cpu_seconds() - cpu0, wall0.elapsed().as_secs_f64());
    candidate.join().unwrap();
    for s in speakers {
        s.join().unwrap();
    }
    capture.shutdown();
    let transcribing_ms = hook.as_ref().map_or(0, |h| h.live.busy_ms() - busy_before);
    Run {
        to_follow_up,
        outcome: done.outcome.follow_up,
        frames_seen: done.outcome.stats.frames_seen,
        frames_dropped: done.outcome.stats.frames_dropped,
        cpu,
        wall,
        transcribing_ms,
    }
}

fn main() {
    let runs: usize = std::env::var("FOLLOW_UP_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let seconds: f32 = std::env::var("FOLLOW_UP_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(180.0);
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    println!("follow-up benchmark: {runs} runs of a {seconds:.0}-s answer at 640×480, 30 fps, {cores} cores");
    let mut live = flow::follow_up::start_live(interview::RecognitionModels::default(), Lang::ZhCn).unwrap();
    let mut on = Vec::new();
    let mut off = Vec::new();
    for i in 0..runs {
        let a = run(seconds, Some(&mut live));
        println!(
            "  run {i}: live on: follow-up after {:?} ({:?}), {} of {} frames dropped, cpu {:.1} s in {:.1} s (transcribing {:.1} s)",
            a.to_follow_up,
            a.outcome,
            a.frames_dropped,
            a.frames_seen,
            a.cpu,
            a.wall,
            a.transcribing_ms as f64 / 1000.0
        );
        let b = run(seconds, None);
        println!(
            "  run {i}: live off: {} of {} frames dropped, cpu {:.1} s in {:.1} s",
            b.frames_dropped, b.frames_seen, b.cpu, b.wall
        );
        on.push(a);
        off.push(b);
    }
    let mut waits: Vec<f64> = on.iter().filter_map(|r| r.to_follow_up).map(|d| d.as_secs_f64()).collect();
    waits.sort_by(f64::total_cmp);
    let asked = waits.len();
    let median = if waits.is_empty() { f64::NAN } else { waits[waits.len() / 2] };
    let max = waits.last().copied().unwrap_or(f64::NAN);
    let dropped = |rs: &[Run]| {
        let (d, s) = rs.iter().fold((0, 0), |(d, s), r| (d + r.frames_dropped, s + r.frames_seen));
        100.0 * d as f64 / s.max(1) as f64
    };
    let share =
        |rs: &[Run]| 100.0 * rs.iter().map(|r| r.cpu).sum::<f64>() / (rs.iter().map(|r| r.wall).sum::<f64>() * cores);
    let transcribing: f64 =
        on.iter().map(|r| r.transcribing_ms as f64 / 1000.0).sum::<f64>() / on.iter().map(|r| r.wall).sum::<f64>();
    println!();
    println!("| | live transcription on | off (the peer: recording alone) |");
    println!("|---|---|---|");
    println!(
        "| \"finished\" → follow-up handed to the page, median / max | {median:.2} s / {max:.2} s ({asked} of {runs} asked) | — |"
    );
    println!("| frames dropped | {:.2} % | {:.2} % |", dropped(&on), dropped(&off));
    println!("| process CPU, share of {cores} cores | {:.1} % | {:.1} % |", share(&on), share(&off));
    println!("| transcription thread busy, share of the wall time | {:.1} % | — |", 100.0 * transcribing);
}
