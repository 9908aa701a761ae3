//! The use cases on real parts: a real SQLCipher vault, the real models, recordings made through
//! the capture pipeline from synthetic devices (the only simulated part) speaking the bundled
//! sample answer.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use capture::kiosk::Controls;
use capture::{Capture, CaptureSettings, SyntheticCamera, SyntheticControl, SyntheticMicrophone};
use flow::scoring::QueueEvent;
use flow::station;
use interview::{Bands, InterviewState, Lang, Role, UserFacing, Weight};
use vault::{AccessCode, NewCandidate, NewJob, NewQuestion, NewUser, Session, Vault, VaultPaths};

const PASSWORD: &str = "a long enough password";
const ID_NUMBER: &str = "11010519491231002X";
const PORTRAIT: &[u8] = include_bytes!("../../../../assets/samples/demo/candidate.jpg");
const ANSWER: &[u8] = include_bytes!("../../../../assets/samples/demo/q2.wav");
const RUBRIC: &str = include_str!("../../../../assets/samples/demo/q2-rubric.json");

fn credential_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A vault with the office's accounts, one Mandarin job with one question (the demo's second,
/// with its rubric: its sample answer is the one the model hears best) allowing `retakes`, and a candidate invited: the vault and the access code.
fn office(dir: &Path, retakes: u32) -> (Vault, AccessCode) {
    office_with(dir, retakes, RUBRIC)
}

/// [`office`] with the question's rubric `rubric`.
fn office_with(dir: &Path, retakes: u32, rubric: &str) -> (Vault, AccessCode) {
    credential_store();
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
    vault
        .add_question(
            &clerk,
            NewQuestion {
                job_id: job,
                situational: false,
                text: "窗口前一位群众情绪激动、大声抱怨，你会怎么处理？".into(),
                rubric_json: rubric.into(),
                dimensions: vec!["应急处理".into(), "沟通能力".into()],
                prep_seconds: 1,
                answer_seconds: 60,
                retakes,
            },
        )
        .unwrap();
    let candidate = vault
        .add_candidate(
            &clerk,
            NewCandidate {
                job_id: job,
                name: "张三".into(),
                id_number: Some(ID_NUMBER.into()),
                phone: None,
                email: None,
                group: None,
            },
        )
        .unwrap();
    let (_, code) = vault.issue_invitation(&clerk, candidate, now_ms() - 1000, now_ms() + 3_600_000).unwrap();
    (vault, code)
}

/// The station signed in, the candidate checked in with consent given: the station's session
/// and the plan.
fn visit(vault: &mut Vault, code: &AccessCode) -> (Session, vault::KioskPlan) {
    let signed_in = station::sign_in(vault, "kiosk-1", PASSWORD, "kiosk-1").unwrap();
    assert!(station::needs_identity(vault, &signed_in.session, code).unwrap());
    let plan = station::check_in(vault, &signed_in.session, code, Some(&ID_NUMBER[14..])).unwrap();
    station::consent(vault, &signed_in.session, plan.interview_id, true).unwrap();
    (signed_in.session, plan)
}

/// The candidate answers question `at` of the plan, speaking the first `seconds` of the sample
/// answer, then pressing "finished" (real time, through the real capture pipeline).
fn answer(vault: &mut Vault, station_session: &Session, plan: &vault::KioskPlan, at: usize, seconds: f32) -> i64 {
    let control = SyntheticControl::new();
    let microphone = SyntheticMicrophone::new(48_000, 0.0, control.clone());
    let mut clip = microphone.load_wav(ANSWER).unwrap();
    clip.truncate((48_000.0 * seconds) as usize);
    let camera = SyntheticCamera::picture("portrait", PORTRAIT, 640, 480, 30, control.clone()).unwrap();
    let capture = Capture::start(Box::new(camera), Box::new(microphone), CaptureSettings::default()).unwrap();
    let controls = Arc::new(Controls::default());
    controls.start_now();
    let finisher = controls.clone();
    let candidate = control.answer_then(clip, move || finisher.finish());
    let limits = station::limits(plan);
    let done = station::answer(
        &mut capture::kiosk::VaultStore { vault, session: station_session },
        &capture,
        plan.interview_id,
        plan.questions[at].question_id,
        &limits[at],
        &controls,
        None,
        &mut |_| {},
    )
    .unwrap()
    .expect("the answer was not abandoned");
    candidate.join().unwrap();
    capture.shutdown();
    assert!(done.outcome.committed);
    done.outcome.answer_id
}

fn drain(vault: &mut Vault) -> Vec<String> {
    let (mut scorer, _) = flow::scoring::load_scorer(interview::RecognitionModels::default()).unwrap();
    let mut seen = Vec::new();
    flow::scoring::drain_queue(vault, &mut scorer, |event| match event {
        QueueEvent::AnswerScored { answer, result } => {
            assert!(!result.transcript.is_empty(), "no transcript");
            seen.push(format!("answer {}", answer.answer_id));
        }
        QueueEvent::TotalScored { interview_id, .. } => seen.push(format!("total {interview_id}")),
        QueueEvent::Failed { job, code } => seen.push(format!("failed {} {code}", job.id)),
        QueueEvent::Progress { .. } => {}
    })
    .unwrap();
    seen
}

mod follow_up;

fn clerk(vault: &mut Vault) -> Session {
    vault.login("clerk", PASSWORD, "desk").unwrap()
}

#[test]
fn a_recorded_answer_is_scored_from_the_queue_with_evidence_and_its_total_follows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office(dir.path(), 0);
    let (kiosk, plan) = visit(&mut vault, &code);
    let answer_id = answer(&mut vault, &kiosk, &plan, 0, 20.0);
    station::finish(&mut vault, &kiosk, plan.interview_id).unwrap();
    assert_eq!(vault.scoring_queue_counts().unwrap(), (2, 0), "the answer and the total are queued");

    let seen = drain(&mut vault);
    assert_eq!(seen, [format!("answer {answer_id}"), format!("total {}", plan.interview_id)]);
    assert_eq!(vault.scoring_queue_counts().unwrap(), (0, 0));

    let clerk = clerk(&mut vault);
    let record = vault.interview_record(&clerk, plan.interview_id).unwrap();
    assert_eq!(record.state, InterviewState::Scored);
    let recorded = &record.answers[0];
    assert_eq!(recorded.answer_id, answer_id);
    let transcript: String = recorded.transcript.iter().map(|l| l.text.as_str()).collect();
    assert!(transcript.contains("旁边"), "the sample answer's words are in the transcript: {transcript}");
    let dimensions: Vec<&str> = recorded.scores.iter().map(|s| s.dimension.as_str()).collect();
    assert_eq!(dimensions, ["应急处理", "沟通能力"]);
    for s in &recorded.scores {
        assert!((1.0..=5.0).contains(&s.level), "{}: level {}", s.dimension, s.level);
    }
    // The sample answer asks the person to sit down and reports to a superior: evidence quoted
    // from the transcript, with its time in the recording, read back through the stored shape.
    let first = &recorded.scores[0];
    let explanation = first.explanation.as_ref().expect("the evidence is kept");
    assert!(first.level > 1.0, "应急处理 is evidenced: {explanation:?}");
    let quoted = explanation.evidence.iter().find(|e| e.covered).expect("a key point is covered");
    assert!(!quoted.quote.is_empty() && quoted.end_ms > quoted.start_ms, "{quoted:?}");
    let delivery = recorded.delivery.as_ref().expect("delivery metrics recorded");
    assert!(delivery.speaking_ms > 0 && delivery.speaking_ms <= delivery.duration_ms, "{delivery:?}");
    assert!(record.total.is_some() && record.band.is_some(), "a total and a band: {record:?}");
}

#[test]
fn a_retaken_answer_supersedes_the_first_attempts_queued_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office(dir.path(), 1);
    let (kiosk, plan) = visit(&mut vault, &code);
    let first = answer(&mut vault, &kiosk, &plan, 0, 3.0);
    let second = answer(&mut vault, &kiosk, &plan, 0, 3.0);
    assert_ne!(first, second);
    station::finish(&mut vault, &kiosk, plan.interview_id).unwrap();

    let seen = drain(&mut vault);
    assert_eq!(
        seen,
        [format!("answer {second}"), format!("total {}", plan.interview_id)],
        "only the retake is scored; the first attempt's job is closed as superseded"
    );
    let clerk = clerk(&mut vault);
    let record = vault.interview_record(&clerk, plan.interview_id).unwrap();
    let scored: Vec<i64> = record.answers.iter().filter(|a| !a.scores.is_empty()).map(|a| a.answer_id).collect();
    assert_eq!(scored, [second]);
}

#[test]
fn a_damaged_recording_is_retried_then_left_for_a_person_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office(dir.path(), 0);
    let (kiosk, plan) = visit(&mut vault, &code);
    answer(&mut vault, &kiosk, &plan, 0, 3.0);
    station::finish(&mut vault, &kiosk, plan.interview_id).unwrap();
    // Every recording file of the interview damaged on disk (a bad sector, a careless copy).
    let mut damaged = 0;
    let mut stack = vec![VaultPaths::in_data_dir(dir.path()).media()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mut bytes = std::fs::read(&path).unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0xff;
                std::fs::write(&path, bytes).unwrap();
                damaged += 1;
            }
        }
    }
    assert!(damaged > 0);

    let seen = drain(&mut vault);
    let failed = seen.iter().filter(|s| s.starts_with("failed")).count();
    assert_eq!(failed as i64, vault::MAX_ATTEMPTS, "tried {} times, then left: {seen:?}", vault::MAX_ATTEMPTS);
    assert!(!seen.iter().any(|s| s.starts_with("answer")), "{seen:?}");
    let (waiting, left) = vault.scoring_queue_counts().unwrap();
    assert_eq!(left, 1, "the answer's job is left failed for a person");
    assert_eq!(waiting, 0);
    // The total follows without the failed answer: withheld (a dimension has no scorable
    // answer), so the interview goes to a person with the failed job beside it.
    let clerk = clerk(&mut vault);
    let record = vault.interview_record(&clerk, plan.interview_id).unwrap();
    assert_eq!(record.state, InterviewState::Scored);
    assert_eq!((record.total, record.band), (None, None), "the total is withheld");
    assert_eq!(record.answers.len(), 1, "the answer is kept");
    assert!(record.answers[0].scores.is_empty());
}

#[test]
fn an_answer_a_crash_interrupted_is_closed_at_the_next_station_sign_in_and_may_be_retaken() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office(dir.path(), 0);
    let (kiosk, plan) = visit(&mut vault, &code);
    let question = plan.questions[0].question_id;
    // The power goes while an answer is being recorded: the answer was begun, never finished.
    let interrupted = vault.begin_answer(&kiosk, plan.interview_id, question, false).unwrap();
    drop(vault);

    let mut vault = Vault::open(dir.path()).unwrap();
    let signed_in = station::sign_in(&mut vault, "kiosk-1", PASSWORD, "kiosk-1").unwrap();
    let recovered: Vec<i64> = signed_in.recovered.iter().map(|a| a.answer_id).collect();
    assert_eq!(recovered, [interrupted]);
    let attempts = vault.attempts(&signed_in.session, plan.interview_id, question).unwrap();
    assert_eq!((attempts.committed, attempts.interrupted, attempts.recording), (0, 1, 0));
    // Signing in again finds nothing more to recover.
    assert!(station::sign_in(&mut vault, "kiosk-1", PASSWORD, "kiosk-1").unwrap().recovered.is_empty());
    // The interrupted attempt does not count: the candidate answers the question again.
    let retaken = answer(&mut vault, &signed_in.session, &plan, 0, 2.0);
    assert_ne!(retaken, interrupted);
}

#[test]
fn only_a_kiosk_account_signs_a_station_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = office(dir.path(), 0);
    let error = station::sign_in(&mut vault, "clerk", PASSWORD, "kiosk-1").unwrap_err();
    assert_eq!(error.code(), "auth.denied", "{error}");
}

#[test]
fn the_worker_scores_on_its_own_vault_handle_and_waits_while_a_candidate_is_present() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office(dir.path(), 0);
    let (kiosk, plan) = visit(&mut vault, &code);
    answer(&mut vault, &kiosk, &plan, 0, 3.0);
    station::finish(&mut vault, &kiosk, plan.interview_id).unwrap();

    // The probe counts how often the worker asked. A worker that scored regardless would run
    // both jobs between its first and third question, and the queue would be empty by then.
    let present = Arc::new(AtomicBool::new(true));
    let asked = Arc::new(AtomicUsize::new(0));
    let (probe, count) = (present.clone(), asked.clone());
    let worker = flow::worker::ScoringWorker::new(
        dir.path().to_owned(),
        Arc::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
            probe.load(Ordering::SeqCst)
        }),
    );
    let started = Instant::now();
    while asked.load(Ordering::SeqCst) < 3 {
        assert!(started.elapsed() < Duration::from_secs(300), "the worker never asked");
        worker.wake();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(vault.scoring_queue_counts().unwrap(), (2, 0), "nothing is scored while a candidate is present");

    present.store(false, Ordering::SeqCst);
    worker.wake();
    // Bounded wait: two jobs (model load, one short answer, the total).
    let started = Instant::now();
    while vault.scoring_queue_counts().unwrap() != (0, 0) {
        assert!(started.elapsed() < Duration::from_secs(300), "the worker did not finish the queue");
        // The test's own handle stays usable meanwhile: the worker holds no lock of ours.
        let clerk = clerk(&mut vault);
        vault.interview_record(&clerk, plan.interview_id).unwrap();
        vault.logout(&clerk).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    let clerk = clerk(&mut vault);
    assert_eq!(vault.interview_record(&clerk, plan.interview_id).unwrap().state, InterviewState::Scored);
}
