//! Follow-up questions through the real recording loop: the live transcript of a spoken answer
//! (real Whisper, on its own low-priority thread), the rubric's choice, the follow-up recorded
//! into the same answer, scored for its key point, and the stored decision made again offline.

use std::cell::RefCell;

use capture::kiosk::KioskEvent;
use flow::follow_up::{QuestionFollowUps, question_rubric};
use interview::follow_up::FollowUpOutcome;

use super::*;

/// The wait for the live transcript in these tests: the rule is their subject, not the speed, and
/// other tests share the two cores (the transcript runs at the lowest priority). The kiosk's own
/// is `flow::follow_up::PATIENCE`; a wait of zero is tested as late.
const ROOMY: Duration = Duration::from_secs(60);

/// The demo's second rubric allowing one follow-up, with one on the key point `on`.
fn rubric_with_follow_up(on: &str) -> String {
    let mut rubric: serde_json::Value = serde_json::from_str(RUBRIC).unwrap();
    rubric["follow_ups"] = 1.into();
    for kp in rubric["key_points"].as_array_mut().unwrap() {
        if kp["id"] == on {
            kp["follow_up"] = serde_json::json!({
                "zh-CN": "如果问题当场解决不了，您会怎么做？",
                "en": "What would you do if you could not solve it there and then?"
            });
        }
    }
    rubric.to_string()
}

/// The sample answer to the follow-up: "I report it to the leadership at once and ask a superior
/// to deal with it" (espeak-ng, `answers.tsv`).
const FOLLOW_UP_ANSWER: &[u8] = include_bytes!("../../../../../assets/samples/demo/q2-follow-up.wav");

/// The first `seconds` of the sample answer, at the synthetic microphone's rate.
fn first(microphone: &SyntheticMicrophone, seconds: f32) -> Vec<f32> {
    let mut clip = microphone.load_wav(ANSWER).unwrap();
    clip.truncate((48_000.0 * seconds) as usize);
    clip
}

struct Answered {
    done: station::AnswerDone,
    follow_ups: Vec<String>,
    decided_after_finish_ms: Option<u128>,
}

/// The candidate answers question 0 with the sample's first `main` seconds, and answers a
/// follow-up (if one is asked) with the follow-up sample.
fn answer_live(
    vault: &mut Vault,
    station_session: &Session,
    plan: &vault::KioskPlan,
    main: f32,
    live: &mut scoring::live::LiveTranscriber,
    patience: Duration,
) -> Answered {
    let control = SyntheticControl::new();
    let microphone = SyntheticMicrophone::new(48_000, 0.0, control.clone());
    let (first, second) = (first(&microphone, main), microphone.load_wav(FOLLOW_UP_ANSWER).unwrap());
    let camera = SyntheticCamera::picture("portrait", PORTRAIT, 640, 480, 30, control.clone()).unwrap();
    let capture = Capture::start(Box::new(camera), Box::new(microphone), CaptureSettings::default()).unwrap();
    let controls = Arc::new(Controls::default());
    controls.start_now();
    let finished_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let (finisher, stamp) = (controls.clone(), finished_at.clone());
    let candidate = control.answer_then(first, move || {
        *stamp.lock().unwrap() = Some(Instant::now());
        finisher.finish();
    });
    let question = &plan.questions[0];
    let mut hook = QuestionFollowUps {
        live,
        rubric: question_rubric(question).expect("the question allows follow-ups"),
        language: plan.job_language,
        limits: flow::follow_up::follow_up_limits(question, plan.extra_time_pct),
        patience,
    };
    let asked = RefCell::new(Vec::new());
    let decided = RefCell::new(None);
    let second = RefCell::new(Some(second));
    let speaking = RefCell::new(Vec::new());
    let limits = station::limits(plan);
    let done = station::answer(
        &mut capture::kiosk::VaultStore { vault, session: station_session },
        &capture,
        plan.interview_id,
        question.question_id,
        &limits[0],
        &controls,
        Some(&mut hook),
        &mut |event| match event {
            KioskEvent::Deciding => {
                let at = *finished_at.lock().unwrap();
                *decided.borrow_mut() = at.map(|t| t.elapsed().as_millis());
            }
            KioskEvent::FollowUp { question, .. } => {
                asked.borrow_mut().push(question);
                // The candidate reads it, is ready at once, answers, and presses "finished".
                controls.start_now();
                let finisher = controls.clone();
                if let Some(clip) = second.borrow_mut().take() {
                    speaking.borrow_mut().push(control.answer_then(clip, move || finisher.finish()));
                }
            }
            _ => {}
        },
    )
    .unwrap()
    .expect("the answer was not abandoned");
    candidate.join().unwrap();
    for speaker in speaking.into_inner() {
        speaker.join().unwrap();
    }
    capture.shutdown();
    Answered { done, follow_ups: asked.into_inner(), decided_after_finish_ms: decided.into_inner() }
}

/// The first 6 s of the sample answer ask the person to sit down and calm them (安抚情绪), and
/// leave out reporting to a superior (报告上级): that point's follow-up is asked, recorded into
/// the same answer, and its words count for it when scored; the stored decision comes out the
/// same when made again from the recording.
#[test]
fn an_answer_missing_a_key_point_gets_its_follow_up_and_the_decision_is_reproduced() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office_with(dir.path(), 0, &rubric_with_follow_up("escalate"));
    let (kiosk, plan) = visit(&mut vault, &code);
    let mut live = flow::follow_up::start_live(interview::RecognitionModels::default(), Lang::ZhCn).unwrap();
    let answered = answer_live(&mut vault, &kiosk, &plan, 6.0, &mut live, ROOMY);
    assert_eq!(answered.follow_ups, ["如果问题当场解决不了，您会怎么做？"]);
    assert_eq!(answered.done.outcome.follow_up, Some(FollowUpOutcome::Asked));
    assert!(answered.done.outcome.committed);
    // How fast is the benchmark's question (`make bench-follow-up`), not this test's.
    eprintln!("decided {:?} ms after 'finished'", answered.decided_after_finish_ms);

    let answer_id = answered.done.outcome.answer_id;
    let records = vault.answer_follow_ups(answer_id).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(
        (record.ordinal, record.outcome, record.key_point.as_deref()),
        (1, FollowUpOutcome::Asked, Some("escalate"))
    );
    let decision = record.decision.as_ref().expect("the decision is stored with the first record");
    assert!(decision.missing.contains(&"escalate".to_owned()), "{decision:?}");
    assert!(!decision.missing.contains(&"calm".to_owned()), "calm was said: {decision:?}");
    assert_eq!(decision.segments, decision.recorded, "caught up: {decision:?}");
    assert!(decision.waited_ms <= ROOMY.as_millis() as u32);
    // The words themselves vary with the audio captured in real time (on a loaded machine the
    // small model once heard 坐下/情绪 as "做下…安复他的亲絮"): that calm was said is the rubric's
    // verdict above; here, that the decision rests on a transcript.
    let heard: String = decision.transcript.iter().map(|l| l.text.as_str()).collect();
    assert!(!heard.trim().is_empty(), "the decision rests on no transcript");
    eprintln!("heard: {heard}");
    // The follow-up's recording numbers on in the same answer.
    assert_eq!(record.first_segment, Some(decision.recorded));
    assert!(answered.done.outcome.segments > decision.recorded);

    // Scoring is told where the follow-up's recording starts among the answer's audio files.
    let (_, answers) = vault.interview_answers_for_scoring(plan.interview_id).unwrap();
    let asked = &answers[0].follow_ups;
    assert_eq!(asked.len(), 1);
    assert_eq!((asked[0].key_point.as_str(), asked[0].first_audio), ("escalate", decision.recorded as usize));
    assert!(answers[0].audio_media.len() > asked[0].first_audio);

    station::finish(&mut vault, &kiosk, plan.interview_id).unwrap();
    drain(&mut vault);
    let clerk = clerk(&mut vault);
    let scored = vault.interview_record(&clerk, plan.interview_id).unwrap();
    let evidence: Vec<_> = scored.answers[0]
        .scores
        .iter()
        .flat_map(|s| s.explanation.as_ref().map(|e| e.evidence.clone()).unwrap_or_default())
        .collect();
    let escalate = evidence.iter().find(|e| e.key_point == "escalate").unwrap();
    let main_ms = decision.recorded * 2000;
    assert!(escalate.covered && escalate.start_ms + 2000 >= main_ms, "from the follow-up: {escalate:?}");

    // Made again offline, from the recording and the frozen rubric.
    let mut whisper = flow::follow_up::load_whisper(interview::RecognitionModels::default()).unwrap();
    let again = flow::follow_up::reproduce(&mut vault, &clerk, &mut whisper, plan.interview_id).unwrap();
    assert_eq!(again.len(), 1);
    assert!(again[0].same, "the decision came out differently: {again:?}");
    assert_eq!(again[0].choice.as_ref().unwrap().asks, ["escalate"]);
}

/// The same words, with the follow-up on the point they cover: nothing is asked. And with the
/// follow-up on the point they miss but no time to wait for the transcript: nothing is asked,
/// recorded as late.
#[test]
fn a_covered_key_point_asks_nothing_and_a_late_transcript_asks_nothing() {
    let mut live = flow::follow_up::start_live(interview::RecognitionModels::default(), Lang::ZhCn).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office_with(dir.path(), 0, &rubric_with_follow_up("calm"));
    let (kiosk, plan) = visit(&mut vault, &code);
    let answered = answer_live(&mut vault, &kiosk, &plan, 6.0, &mut live, ROOMY);
    assert!(answered.follow_ups.is_empty(), "asked {:?}", answered.follow_ups);
    // Other points are missing, but they carry no follow-up.
    assert_eq!(answered.done.outcome.follow_up, Some(FollowUpOutcome::NoFollowUp));
    let records = vault.answer_follow_ups(answered.done.outcome.answer_id).unwrap();
    assert_eq!(records.len(), 1);
    assert!(!records[0].decision.as_ref().unwrap().missing.contains(&"calm".to_owned()));

    let dir = tempfile::tempdir().unwrap();
    let (mut vault, code) = office_with(dir.path(), 0, &rubric_with_follow_up("escalate"));
    let (kiosk, plan) = visit(&mut vault, &code);
    let answered = answer_live(&mut vault, &kiosk, &plan, 6.0, &mut live, Duration::ZERO);
    assert!(answered.follow_ups.is_empty(), "asked {:?}", answered.follow_ups);
    assert_eq!(answered.done.outcome.follow_up, Some(FollowUpOutcome::Late));
    let records = vault.answer_follow_ups(answered.done.outcome.answer_id).unwrap();
    let late = &records[0];
    assert_eq!((late.outcome, late.key_point.as_deref()), (FollowUpOutcome::Late, None));
    let decision = late.decision.as_ref().unwrap();
    assert!(decision.segments < decision.recorded, "{decision:?}");
    assert!(answered.done.outcome.committed, "a late transcript costs the candidate nothing");
}
