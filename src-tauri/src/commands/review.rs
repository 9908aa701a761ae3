//! The review screen: one interview with its recordings, transcripts, AI scores with their
//! evidence and integrity flags; the clerk's ratings, flag decisions and hiring decision; a
//! second rater. Auditors open the same screen read-only (the vault refuses their actions).

use interview::{Action, Band, InterviewState};
use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{
    AnswerScoreDto, DecisionDto, EvidenceDto, FlagDto, IpcError, RatingDto, RatingInput, ReviewAnswerDto,
    ReviewDimensionDto, ReviewDto, ReviewRequestDto, SegmentDto, TranscriptLineDto,
};
use crate::state::{AppState, Mode};

/// An answer's follow-up decisions, key points named by their text in the answer's rubric.
fn follow_up_dtos(answer: &vault::AnswerRecord) -> Vec<crate::ipc::FollowUpDto> {
    let rubric = scoring::rubric::Rubric::parse(&answer.rubric_json).ok();
    let point =
        |id: &str| rubric.as_ref().and_then(|r| r.key_point(id)).map_or_else(|| id.to_owned(), |kp| kp.text.clone());
    answer
        .follow_ups
        .iter()
        .map(|f| {
            let decision = f.stored.decision.as_ref();
            crate::ipc::FollowUpDto {
                ordinal: u32::from(f.stored.ordinal),
                outcome: f.stored.outcome,
                point: f.stored.key_point.as_deref().map(point),
                question: f.stored.question.clone(),
                start_ms: f.start_ms.map(|ms| ms.max(0) as u32),
                missing: decision.map(|d| d.missing.iter().map(|id| point(id)).collect()).unwrap_or_default(),
                heard: decision.map(|d| d.transcript.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ")),
                waited_ms: decision.map(|d| d.waited_ms),
            }
        })
        .collect()
}

pub(crate) fn review_dto(record: vault::InterviewRecord, role: interview::Role) -> ReviewDto {
    let answers = record
        .answers
        .iter()
        .map(|a| ReviewAnswerDto {
            answer_id: a.answer_id as u32,
            position: a.question_position as u32 + 1,
            question: a.question_text.clone(),
            personalised: a.personalised,
            follow_ups: follow_up_dtos(a),
            duration_ms: a.duration_ms as u32,
            transcript: a
                .transcript
                .iter()
                .map(|l| TranscriptLineDto {
                    start_ms: l.start_ms,
                    end_ms: l.end_ms,
                    text: l.text.clone(),
                    uncertain: l.is_uncertain(),
                })
                .collect(),
            scores: a
                .scores
                .iter()
                .map(|score| AnswerScoreDto {
                    dimension: score.dimension.clone(),
                    level: score.level,
                    // Purged: the level stays, the quotes are gone.
                    evidence: score
                        .explanation
                        .iter()
                        .flat_map(|x| &x.evidence)
                        .map(|e| EvidenceDto {
                            point: e.point.clone(),
                            quote: e.quote.clone(),
                            start_ms: e.start_ms,
                            end_ms: e.end_ms,
                            covered: e.covered,
                            uncertain: e.covered && e.uncertain,
                        })
                        .collect(),
                })
                .collect(),
            // What the levels mean, when the rubric describes them.
            levels: scoring::rubric::Rubric::parse(&a.rubric_json)
                .map(|rubric| super::clerk::rubric_dto(&rubric).levels)
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "a stored rubric could not be read for its level descriptions");
                    Vec::new()
                })
                .into_iter()
                .filter(|l| !l.description.trim().is_empty() || !l.examples.is_empty())
                .collect(),
        })
        .collect();
    let scored = matches!(record.state, InterviewState::Scored | InterviewState::Reviewed);
    let dimensions = record
        .job
        .dimensions
        .iter()
        .map(|w| ReviewDimensionDto {
            ai_level: record.ai_level(&w.dimension),
            name: w.dimension.clone(),
            weight_pct: f64::from(w.basis_points) / 100.0,
        })
        .collect();
    ReviewDto {
        interview_id: record.interview_id as u32,
        state: record.state,
        candidate_name: record.candidate_name,
        id_last4: record.id_last4,
        job_id: record.job.id as u32,
        job_title: record.job.title,
        dimensions,
        answers,
        total: record.total,
        ai_band: record.band,
        model_versions: record.model_versions,
        flags: record
            .flags
            .into_iter()
            .map(|f| {
                let name = report::text::flag_name(f.kind);
                FlagDto {
                    id: f.id as u32,
                    answer_id: f.answer_id.map(|a| a as u32),
                    label: crate::ipc::Text { zh_cn: name.0.to_owned(), en: name.1.to_owned() },
                    kind: f.kind,
                    start_ms: f.start_ms.map(|v| v as u32),
                    end_ms: f.end_ms.map(|v| v as u32),
                    status: f.status,
                }
            })
            .collect(),
        ratings: record
            .ratings
            .into_iter()
            .map(|r| RatingDto {
                rater: r.rater,
                dimension: r.dimension,
                level: r.level as u32,
                note: r.note,
                at_ms: r.at_ms as f64,
            })
            .collect(),
        decision: record.decision.map(|d| DecisionDto {
            decider: d.decider,
            band: d.band,
            reason: d.reason,
            at_ms: d.at_ms as f64,
            open_flags: d.over_open_flags.as_ref().map_or(0, |(n, _)| *n),
            over_open_flags: d.over_open_flags.map(|(_, why)| why),
        }),
        can_review: scored && !record.purged && role.may(Action::RecordDecision),
    }
}

fn open(vault: &mut vault::Vault, s: &vault::Session, interview_id: i64) -> Result<ReviewDto, ShellError> {
    Ok(review_dto(vault.interview_record(s, interview_id)?, s.role))
}

/// One interview for the review screen (clerks) or read-only browsing (auditors).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_open<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
) -> Result<ReviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_open")?;
    blocking(move || state.with_session(|vault, s| open(vault, s, i64::from(interview_id)))).await
}

/// The latest interview of a candidate (from the candidate list).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_of_candidate<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    candidate_id: u32,
) -> Result<ReviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_of_candidate")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let interview = vault.interview_of_candidate(s, i64::from(candidate_id))?;
            open(vault, s, interview)
        })
    })
    .await
}

/// The video segments of an answer, in order (opening a recording is audited).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_playlist<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    answer_id: u32,
) -> Result<Vec<SegmentDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_playlist")?;
    blocking(move || {
        let segments = state.with_session(|vault, s| Ok(vault.playback(s, i64::from(answer_id))?))?;
        // The player may now fetch exactly these (the vault audited the opening).
        state.allow_playback(segments.iter().map(|m| m.id));
        Ok(segments
            .into_iter()
            .map(|m| SegmentDto {
                media_id: m.id as u32,
                offset_ms: m.offset_ms.unwrap_or(0) as u32,
                duration_ms: m.duration_ms.unwrap_or(0) as u32,
            })
            .collect())
    })
    .await
}

/// The clerk's own levels for some dimensions (each an entry of its own; a later one counts).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_rate<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
    ratings: Vec<RatingInput>,
) -> Result<ReviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_rate")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let id = i64::from(interview_id);
            for r in &ratings {
                vault.record_rating(s, id, &r.dimension, i64::from(r.level), r.note.as_deref())?;
            }
            open(vault, s, id)
        })
    })
    .await
}

/// The hiring decision with its reason; while integrity flags are open, also the reason for
/// deciding with them open (without it the decision is refused).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_decide<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
    band: Band,
    reason: String,
    over_open_flags: Option<String>,
) -> Result<ReviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_decide")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let id = i64::from(interview_id);
            vault.decide(s, id, band, &reason, over_open_flags.as_deref())?;
            open(vault, s, id)
        })
    })
    .await
}

/// Confirms or dismisses an integrity flag.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_flag<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
    flag_id: u32,
    confirm: bool,
) -> Result<ReviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_flag")?;
    blocking(move || {
        state.with_session(|vault, s| {
            vault.review_flag(s, i64::from(flag_id), confirm)?;
            open(vault, s, i64::from(interview_id))
        })
    })
    .await
}

/// Asks another clerk to rate this interview independently.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_request_rater<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
    rater: String,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_request_rater")?;
    blocking(move || {
        state.with_session(|vault, s| Ok(vault.request_second_rating(s, i64::from(interview_id), rater.trim())?))
    })
    .await
}

/// Interviews colleagues asked the signed-in clerk to rate.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn review_requests<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<Vec<ReviewRequestDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "review_requests")?;
    blocking(move || {
        state.with_session(|vault, s| {
            Ok(vault
                .review_requests(s)?
                .into_iter()
                .map(|r| ReviewRequestDto {
                    interview_id: r.interview_id as u32,
                    candidate_name: r.candidate_name,
                    job_title: r.job_title,
                    requested_by: r.requested_by,
                })
                .collect())
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use interview::follow_up::{FollowUpDecision, FollowUpOutcome, StoredFollowUp};
    use interview::stored::StoredLine;

    use super::follow_up_dtos;

    /// The review names key points by their text in the answer's own rubric, says from when the
    /// follow-up plays, and shows the words the decision was made on; a purged decision shows
    /// what was asked and nothing of the transcript.
    #[test]
    fn the_review_names_what_was_missing_and_asked_in_the_rubrics_words() {
        let rubric = r#"{"key_points": [
            {"id": "calm", "dimension": "应急处理", "text": "安抚情绪"},
            {"id": "escalate", "dimension": "应急处理", "text": "报告上级",
             "follow_up": {"zh-CN": "解决不了怎么办？", "en": "And if you cannot?"}}
        ], "follow_ups": 1}"#;
        let heard = StoredLine {
            start_ms: 0,
            end_ms: 4000,
            text: "我会先请他坐下".into(),
            avg_logprob: None,
            no_speech_prob: None,
        };
        let asked = StoredFollowUp {
            ordinal: 1,
            outcome: FollowUpOutcome::Asked,
            key_point: Some("escalate".into()),
            question: Some("解决不了怎么办？".into()),
            first_segment: Some(3),
            decision: Some(FollowUpDecision {
                missing: vec!["escalate".into()],
                transcript: vec![heard],
                segments: 3,
                recorded: 3,
                waited_ms: 900,
            }),
        };
        let mut answer = vault::AnswerRecord {
            answer_id: 1,
            question_position: 0,
            question_text: "群众情绪激动，你会怎么处理？".into(),
            rubric_version: 1,
            rubric_json: rubric.into(),
            attempt: 1,
            started_at_ms: 0,
            duration_ms: 12_000,
            transcript: vec![],
            delivery: None,
            scores: vec![],
            personalised: false,
            follow_ups: vec![vault::FollowUpRecord { stored: asked.clone(), start_ms: Some(6000) }],
        };
        let shown = follow_up_dtos(&answer);
        assert_eq!(shown.len(), 1);
        let f = &shown[0];
        assert_eq!((f.outcome, f.point.as_deref(), f.start_ms), (FollowUpOutcome::Asked, Some("报告上级"), Some(6000)));
        assert_eq!(
            (f.missing.clone(), f.heard.as_deref(), f.waited_ms),
            (vec!["报告上级".to_owned()], Some("我会先请他坐下"), Some(900))
        );
        // Purged: what was asked stays, the words are gone.
        answer.follow_ups[0].stored.decision = None;
        let purged = &follow_up_dtos(&answer)[0];
        assert_eq!(
            (purged.point.as_deref(), purged.heard.as_deref(), purged.missing.len()),
            (Some("报告上级"), None, 0)
        );
    }
}
