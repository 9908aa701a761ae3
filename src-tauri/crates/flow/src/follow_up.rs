//! Follow-up questions at the kiosk: the live transcript of each answer (`scoring::live`) and
//! the rubric's rule (`scoring::rubric::follow_up_choice`) joined into the recording loop's
//! [`FollowUps`], and the offline reproduction of a stored decision from the recording.

use std::time::{Duration, Instant};

use capture::kiosk::{FollowUpAsk, FollowUps, FollowUpsDecided, Limits};
use interview::follow_up::{FollowUpDecision, FollowUpOutcome, StoredFollowUp, follow_up_seconds};
use interview::stored::StoredLine;
use interview::{Lang, RecognitionModels};
use scoring::Runtime;
use scoring::live::{LiveTranscriber, transcribe_chunks};
use scoring::rubric::{FollowUpChoice, Rubric, follow_up_choice};
use scoring::whisper::{Whisper, WhisperAssets};
use vault::{KioskPlan, KioskQuestion, Session, Vault};

use crate::FlowError;

/// How long the kiosk waits after "I have finished" for the live transcript to catch up; later
/// than this, nothing is asked (recorded as late). With the question on screen within about
/// half a second of the decision, the candidate waits under 3 s.
pub const PATIENCE: Duration = Duration::from_millis(2500);

/// Whether any question of the plan may ask follow-ups (then the kiosk loads a recogniser for
/// the visit).
pub fn plan_needs_live(plan: &KioskPlan) -> bool {
    plan.questions.iter().any(|q| question_rubric(q).is_some())
}

/// The rubric of a question that may ask follow-ups (and has a key point with one).
pub fn question_rubric(question: &KioskQuestion) -> Option<Rubric> {
    let rubric = Rubric::parse(question.follow_up_rubric.as_deref()?).ok()?;
    (rubric.follow_ups > 0 && rubric.key_points.iter().any(|kp| kp.follow_up.is_some())).then_some(rubric)
}

/// A follow-up's countdowns for `question` with the candidate's extra time.
pub fn follow_up_limits(question: &KioskQuestion, extra_time_pct: u32) -> Limits {
    let (prep, answer) = follow_up_seconds(question.prep_seconds, question.answer_seconds);
    Limits { attempts: 1, ..Limits::new(prep, answer, 0, extra_time_pct) }
}

/// The recogniser for live transcripts: one thread, at the lowest priority, for the visit.
pub fn start_live(models: RecognitionModels, language: Lang) -> Result<LiveTranscriber, FlowError> {
    let started = Instant::now();
    let whisper = load_whisper(models)?;
    tracing::info!(ms = started.elapsed().as_millis() as u64, "live transcription ready");
    Ok(LiveTranscriber::start(whisper, language))
}

/// Whisper with one thread, as the kiosk's live transcript runs it (the offline reproduction
/// uses the same, so the arithmetic is the same).
pub fn load_whisper(models: RecognitionModels) -> Result<Whisper, FlowError> {
    let runtime = Runtime::load(manifest::AssetStore::locate()?)?;
    Ok(Whisper::load(&runtime, WhisperAssets::of(models), 1)?)
}

/// One question's follow-ups during a visit: the visit's live transcript and the question's
/// rubric, with what the kiosk waits for.
#[derive(Debug)]
pub struct QuestionFollowUps<'a> {
    pub live: &'a mut LiveTranscriber,
    pub rubric: Rubric,
    pub language: Lang,
    pub limits: Limits,
    pub patience: Duration,
}

impl FollowUps for QuestionFollowUps<'_> {
    fn begin(&mut self) {
        self.live.begin();
    }

    fn segment(&mut self, wav: &[u8]) {
        self.live.segment(wav.to_vec());
    }

    fn decide(&mut self, segments: u32) -> FollowUpsDecided {
        self.live.flush();
        let started = Instant::now();
        let snapshot = self.live.wait(segments, self.patience);
        let waited_ms = started.elapsed().as_millis() as u32;
        let transcript: Vec<StoredLine> = snapshot.lines.iter().map(StoredLine::from).collect();
        let mut decision = FollowUpDecision {
            missing: Vec::new(),
            transcript,
            segments: snapshot.segments,
            recorded: segments,
            waited_ms,
        };
        if snapshot.segments < segments || snapshot.failed {
            return FollowUpsDecided { outcome: FollowUpOutcome::Late, decision, asks: Vec::new() };
        }
        let choice = follow_up_choice(&self.rubric, &snapshot.lines, self.language);
        let outcome = choice.outcome();
        let asks = asks(&self.rubric, &choice, self.language, self.limits);
        decision.missing = choice.missing;
        FollowUpsDecided { outcome, decision, asks }
    }
}

fn asks(rubric: &Rubric, choice: &FollowUpChoice, language: Lang, limits: Limits) -> Vec<FollowUpAsk> {
    choice
        .asks
        .iter()
        .filter_map(|id| {
            let question = rubric.key_point(id)?.follow_up.as_ref()?.get(language).to_owned();
            Some(FollowUpAsk { key_point: id.clone(), question, limits })
        })
        .collect()
}

/// A stored decision made again from the recording: the transcript of the same segments by the
/// same rule, and the rubric's choice over it.
#[derive(Debug)]
pub struct Reproduced {
    pub answer_id: i64,
    pub question_id: i64,
    pub stored: StoredFollowUp,
    /// The asked key points as stored (in order).
    pub stored_asks: Vec<String>,
    pub transcript: Vec<StoredLine>,
    pub choice: Option<FollowUpChoice>,
    /// The transcript and the choice are the stored ones (a late decision: the transcript of
    /// the segments it had).
    pub same: bool,
}

/// Makes every stored follow-up decision of an interview again from its recordings, with the
/// answers' frozen rubrics (for an auditor; reads are audited as the review's are).
pub fn reproduce(
    vault: &mut Vault,
    session: &Session,
    whisper: &mut Whisper,
    interview_id: i64,
) -> Result<Vec<Reproduced>, FlowError> {
    let (_, answers) = vault.interview_answers(session, interview_id)?;
    let language = vault.interview_job(interview_id)?.language;
    let mut out = Vec::new();
    for answer in answers {
        let records = vault.answer_follow_ups(answer.answer_id)?;
        let Some(first) = records.first() else { continue };
        let Some(decision) = first.decision.clone() else { continue };
        let rubric = Rubric::parse(&answer.rubric_json)
            .map_err(|error| FlowError::Rubric { path: format!("question {}", answer.question_id).into(), error })?;
        let mut wavs = Vec::new();
        for media in answer.audio_media.iter().take(decision.segments as usize) {
            let mut bytes = Vec::new();
            vault.read_media(session, *media, &mut bytes)?;
            wavs.push(bytes);
        }
        let lines = transcribe_chunks(whisper, &wavs, language)?;
        let transcript: Vec<StoredLine> = lines.iter().map(StoredLine::from).collect();
        let same_text = texts(&transcript) == texts(&decision.transcript);
        let stored_asks: Vec<String> = records.iter().filter_map(|r| r.key_point.clone()).collect();
        let (choice, same) = if first.outcome == FollowUpOutcome::Late {
            (None, same_text)
        } else {
            let choice = follow_up_choice(&rubric, &lines, language);
            let same = same_text
                && choice.missing == decision.missing
                && choice.asks == stored_asks
                && choice.outcome() == first.outcome;
            (Some(choice), same)
        };
        out.push(Reproduced {
            answer_id: answer.answer_id,
            question_id: answer.question_id,
            stored: first.clone(),
            stored_asks,
            transcript,
            choice,
            same,
        });
    }
    Ok(out)
}

fn texts(lines: &[StoredLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}
