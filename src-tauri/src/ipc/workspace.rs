//! The types of the clerk's and the auditor's workspaces. Both roles read the same review DTO;
//! what a role may do with it is the backend's decision (`canReview`), enforced again by the
//! vault on every action.

use interview::{Band, FlagKind, FlagStatus, InterviewState, Lang};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Text;

/// A competency dimension of a job and its weight, in percent (two decimals at most).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DimensionDto {
    pub name: String,
    pub weight_pct: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDto {
    pub id: u32,
    pub title: String,
    /// The language candidates answer in.
    pub language: Lang,
    pub dimensions: Vec<DimensionDto>,
    /// Total (0–100) from which the AI suggests 推荐 (recommend), and 待定 (hold).
    pub recommend: u32,
    pub hold: u32,
    pub questions: u32,
    pub candidates: u32,
}

/// A job as the clerk's form sends it.
#[derive(Clone, Debug, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewJobDto {
    pub title: String,
    pub language: Lang,
    pub dimensions: Vec<DimensionDto>,
    pub recommend: u32,
    pub hold: u32,
}

/// A key point of a rubric: what a good answer says, and other ways of saying it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyPointDto {
    pub dimension: String,
    pub text: String,
    pub synonyms: Vec<String>,
    /// The follow-up asked when an answer leaves this point out, in Chinese and in English
    /// (both empty: none).
    #[serde(default)]
    pub follow_up_zh: String,
    #[serde(default)]
    pub follow_up_en: String,
}

/// What an answer at one level (1–5) looks like.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LevelDto {
    pub level: u32,
    pub description: String,
    pub examples: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RubricDto {
    pub key_points: Vec<KeyPointDto>,
    pub levels: Vec<LevelDto>,
    /// How many follow-ups the kiosk may ask after an answer (0–2).
    #[serde(default)]
    pub follow_ups: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionDto {
    /// `None` for a new question.
    pub id: Option<u32>,
    pub situational: bool,
    pub text: String,
    pub rubric: RubricDto,
    pub dimensions: Vec<String>,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
    /// The rubric version now current, and whether an interview has used it (then a change
    /// becomes a new version).
    pub version: u32,
    pub frozen: bool,
    /// The revision the editor loaded; sent back with a change, which the vault refuses if
    /// someone changed the question since (no lost update).
    #[serde(default)]
    pub revision: u32,
    /// The rubric's phrasings that unrelated sentences match (shown in the bank; never sent back).
    #[serde(default, skip_deserializing)]
    pub generic: Vec<GenericPhrasingDto>,
}

/// What the "try this rubric" panel shows: the levels the typed answer would get, and the
/// rubric's phrasings that unrelated text also matches.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TryRubricDto {
    pub scores: Vec<TryScoreDto>,
    pub generic: Vec<GenericPhrasingDto>,
}

/// A phrasing too generic to be evidence (`scoring::rubric::generic_phrasings`).
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GenericPhrasingDto {
    /// The key point it belongs to, as the clerk stated it.
    pub point: String,
    pub phrasing: String,
    pub matched: u32,
    pub sentences: u32,
    pub example: String,
}

/// What the "try this rubric" panel shows for one dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TryScoreDto {
    pub dimension: String,
    pub level: f64,
    pub evidence: Vec<EvidenceDto>,
    pub closest_example_level: Option<u32>,
}

/// One key point and where the answer said it (or that it did not).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceDto {
    pub point: String,
    pub quote: String,
    pub start_ms: u32,
    pub end_ms: u32,
    pub covered: bool,
    /// Recognition was unsure of the words quoted: listen before relying on them.
    pub uncertain: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CandidateQuery {
    pub job_id: Option<u32>,
    pub name_prefix: Option<String>,
    /// Only candidates whose latest interview is in this state; `None` for all.
    pub state: Option<InterviewState>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CandidateRowDto {
    pub id: u32,
    pub job_id: u32,
    pub name: String,
    pub id_last4: Option<String>,
    pub state: Option<InterviewState>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CandidatePageDto {
    pub rows: Vec<CandidateRowDto>,
    pub has_more: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewCandidateDto {
    pub job_id: u32,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub group: Option<String>,
}

/// Invitations for some candidates, all valid in the same window.
#[derive(Clone, Debug, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InviteDto {
    pub candidate_ids: Vec<u32>,
    /// Local date-times as the form gives them (`YYYY-MM-DDTHH:MM`).
    pub valid_from: String,
    pub valid_until: String,
    pub extra_time_pct: u32,
    pub large_text: bool,
}

/// The printed slips: where the PDF was written, and how many codes it holds. The codes
/// themselves are never sent to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlipsDto {
    pub path: String,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActiveInterviewDto {
    pub interview_id: u32,
    pub candidate_name: String,
    pub job_title: String,
    pub state: InterviewState,
    pub device: Option<String>,
    pub answers: u32,
    pub questions: u32,
    pub updated_at_ms: f64,
}

/// 已邀请 / 已签到 / 面试中 / 已完成 / 已评分 / 已复核, the scoring queue, and who is at a kiosk.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusBoardDto {
    pub invited: u32,
    pub checked_in: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub scored: u32,
    pub reviewed: u32,
    pub declined: u32,
    pub scoring_waiting: u32,
    pub scoring_failed: u32,
    pub active: Vec<ActiveInterviewDto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptLineDto {
    pub start_ms: u32,
    pub end_ms: u32,
    pub text: String,
    /// Recognition was unsure of this line (`StoredLine::is_uncertain`).
    pub uncertain: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AnswerScoreDto {
    pub dimension: String,
    pub level: f64,
    pub evidence: Vec<EvidenceDto>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewAnswerDto {
    pub answer_id: u32,
    pub position: u32,
    pub question: String,
    pub duration_ms: u32,
    pub transcript: Vec<TranscriptLineDto>,
    pub scores: Vec<AnswerScoreDto>,
    /// What each level means for this question (its rubric's descriptions and examples).
    pub levels: Vec<LevelDto>,
    /// A personalised question's answer: evidence beside the total, not in it.
    pub personalised: bool,
    /// What the kiosk decided about follow-ups after the answer (empty: the question allows
    /// none, or the answer came before the feature).
    pub follow_ups: Vec<FollowUpDto>,
}

/// A follow-up decision of an answer as the review shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpDto {
    pub ordinal: u32,
    pub outcome: interview::follow_up::FollowUpOutcome,
    /// The key point asked about (its text), when one was.
    pub point: Option<String>,
    /// The follow-up as the candidate saw it.
    pub question: Option<String>,
    /// Where its recording starts in the answer's.
    pub start_ms: Option<u32>,
    /// The key points the answer was found to leave out (their texts), highest weight first.
    pub missing: Vec<String>,
    /// The live transcript the decision was made on (`None` once purged).
    pub heard: Option<String>,
    /// How long the kiosk waited for it after "finished", and whether it had caught up.
    pub waited_ms: Option<u32>,
}

/// A dimension as the review shows it: its weight and the AI's level over the interview.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewDimensionDto {
    pub name: String,
    pub weight_pct: f64,
    /// The mean of the answers' AI levels for it (as the report's chart), when scored.
    pub ai_level: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FlagDto {
    pub id: u32,
    pub answer_id: Option<u32>,
    pub kind: FlagKind,
    pub label: Text,
    pub start_ms: Option<u32>,
    pub end_ms: Option<u32>,
    pub status: FlagStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RatingDto {
    pub rater: String,
    pub dimension: String,
    pub level: u32,
    pub note: Option<String>,
    pub at_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDto {
    pub decider: String,
    pub band: Band,
    pub reason: String,
    pub at_ms: f64,
    /// Made while this many integrity flags were open, with the decider's reason for that.
    pub open_flags: u32,
    pub over_open_flags: Option<String>,
}

/// One interview as the review screen shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewDto {
    pub interview_id: u32,
    pub state: InterviewState,
    pub candidate_name: String,
    pub id_last4: Option<String>,
    pub job_id: u32,
    pub job_title: String,
    pub dimensions: Vec<ReviewDimensionDto>,
    pub answers: Vec<ReviewAnswerDto>,
    pub total: Option<f64>,
    pub ai_band: Option<Band>,
    pub model_versions: Option<String>,
    pub flags: Vec<FlagDto>,
    pub ratings: Vec<RatingDto>,
    pub decision: Option<DecisionDto>,
    /// Whether the signed-in person may rate, decide and handle flags (a clerk, on a scored
    /// interview). The vault checks again on every action.
    pub can_review: bool,
}

/// A video segment of an answer for the player: fetched from `media://localhost/<mediaId>`.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SegmentDto {
    pub media_id: u32,
    pub offset_ms: u32,
    pub duration_ms: u32,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RatingInput {
    pub dimension: String,
    pub level: u32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReviewRequestDto {
    pub interview_id: u32,
    pub candidate_name: String,
    pub job_title: String,
    pub requested_by: String,
}

/// A file written by an export.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedDto {
    pub path: String,
    pub report_id: String,
    pub signed: bool,
    /// Why it is an unsigned draft, if it is.
    pub draft_reason: Option<Text>,
}

/// Progress of a whole-job export, sent over a channel as each report is written.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
}

/// What a whole-job export wrote.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobExportDto {
    pub folder: String,
    /// Candidates' signed reports (the job's summary report, always signed, comes on top).
    pub signed: u32,
    /// Candidates' draft reports (not decided yet).
    pub drafts: u32,
}

/// Which column (0-based) of an imported file holds what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportMappingDto {
    pub name: Option<u32>,
    pub id_number: Option<u32>,
    pub phone: Option<u32>,
    pub email: Option<u32>,
    pub group: Option<u32>,
    pub education: Option<u32>,
    pub major: Option<u32>,
    pub years: Option<u32>,
    pub employers: Option<u32>,
    pub roles: Option<u32>,
    pub skills: Option<u32>,
    pub resume_text: Option<u32>,
}

/// A row as it would be imported (the ID number masked but for its last four characters).
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportRowDto {
    pub line: u32,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub group: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblemDto {
    pub line: u32,
    pub column: Option<String>,
    pub message: Text,
}

impl ImportProblemDto {
    /// How many rows of a file have a problem, and the first `most` problems as the preview
    /// lists them (from `(line, column, message)`, in the file's order).
    pub fn preview(
        problems: impl IntoIterator<Item = (usize, Option<String>, interview::Localized)>,
        most: usize,
    ) -> (u32, Vec<ImportProblemDto>) {
        let mut rows = std::collections::BTreeSet::new();
        let mut shown = Vec::new();
        for (line, column, message) in problems {
            rows.insert(line);
            if shown.len() < most {
                shown.push(ImportProblemDto { line: line as u32, column, message: message.into() });
            }
        }
        (rows.len() as u32, shown)
    }
}

/// What importing a file would do.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreviewDto {
    pub headers: Vec<String>,
    pub mapping: ImportMappingDto,
    /// The first rows that would be imported.
    pub rows: Vec<ImportRowDto>,
    pub good: u32,
    pub problem_rows: u32,
    /// The first problems, each with its line in the file.
    pub problems: Vec<ImportProblemDto>,
}

/// A weight in basis points (1/100 of a percent), as a suggestion gives it and an apply names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WeightDto {
    pub dimension: String,
    pub basis_points: u32,
}

/// One line of a validity table, with what it means in words.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ValidityRowDto {
    /// `None`: the total.
    pub dimension: Option<String>,
    pub ai: interview::validity::Correlation,
    pub raters: interview::validity::Correlation,
    pub ai_reading: Text,
    pub raters_reading: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ValidityTableDto {
    pub criterion: interview::outcomes::Criterion,
    pub n: u32,
    pub enough: bool,
    pub rows: Vec<ValidityRowDto>,
}

/// One version of a job's weights.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobVersionDto {
    pub version: u32,
    pub weights: Vec<WeightDto>,
    pub created_at_ms: f64,
    pub created_by: Option<String>,
    pub criterion: Option<interview::outcomes::Criterion>,
    pub fairness_passed: Option<bool>,
    pub reason: Option<String>,
    pub interviews: u32,
}

/// The validity screen of a job: how its levels relate to later outcomes, the suggestion for
/// one criterion with its replay over past candidates, and the job's weight versions.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ValidityDto {
    pub job_id: u32,
    pub job_title: String,
    pub version: u32,
    pub weights: Vec<WeightDto>,
    /// Candidates with a scored or decided interview, and of them those with outcomes.
    pub people: u32,
    pub with_outcomes: u32,
    pub min_n: u32,
    pub tables: Vec<ValidityTableDto>,
    pub criterion: interview::outcomes::Criterion,
    pub suggestion: Option<interview::validity::Suggestion>,
    /// Why there is no suggestion.
    pub no_suggestion: Option<Text>,
    pub replay: Option<interview::validity::Replay>,
    /// The fairness check in a sentence.
    pub verdict: Option<Text>,
    pub versions: Vec<JobVersionDto>,
    /// The signed-in person may apply a suggestion that passes / one that fails the check, and
    /// import outcomes.
    pub can_apply: bool,
    pub can_apply_over_fairness: bool,
    pub can_import: bool,
}

/// What importing an outcome file would do.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OutcomePreviewDto {
    pub headers: Vec<String>,
    pub good: u32,
    pub problem_rows: u32,
    pub problems: Vec<ImportProblemDto>,
}
