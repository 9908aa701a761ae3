//! Questions that fit the candidate: a candidate's résumé facts, a job's personalised questions
//! and their conditions, and an interview's chosen questions with why.

use interview::resume::{Condition, ResumeFacts, ResumeSource};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Text;

/// A candidate's résumé facts as the candidate page shows and edits them.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResumeDto {
    pub candidate_id: u32,
    pub name: String,
    pub job_id: u32,
    pub facts: ResumeFacts,
    /// Where they came from; none when the candidate has no résumé facts.
    pub source: Option<ResumeSource>,
    pub updated_at_ms: Option<f64>,
    /// The person who last changed them (none for an import or the API).
    pub updated_by: Option<String>,
    /// The candidate's latest interview, for its personalised questions.
    pub interview_id: Option<u32>,
    /// What the page edits from (0: no facts yet); a save from an older one is refused.
    pub revision: u32,
}

/// A résumé file read into the candidate's facts: the facts as saved, and whether its text was
/// longer than a résumé keeps and was cut.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResumeFileDto {
    pub resume: ResumeDto,
    pub truncated: bool,
}

/// One question's condition (none: a core question).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuestionConditionDto {
    pub question_id: u32,
    pub condition: Option<Condition>,
    /// The condition's revision the editor loaded (`conditionRevisions`); a save from an older
    /// one is refused naming who changed it. None saves regardless.
    pub revision: Option<u32>,
}

/// A question of the job and its condition's revision.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConditionRevisionDto {
    pub question_id: u32,
    pub revision: u32,
}

/// A job's personalisation: personalised questions per invitation, and each question's condition.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonalisationDto {
    pub job_id: u32,
    pub max: u32,
    pub questions: Vec<QuestionConditionDto>,
    /// The job's settings' revision, sent back with a change of `max`.
    pub revision: u32,
    /// Every question of the job with its condition's revision (core questions too).
    pub condition_revisions: Vec<ConditionRevisionDto>,
}

/// A personalised question an interview was given, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedQuestionDto {
    pub question_id: u32,
    pub text: String,
    /// One sentence per condition test ("“带领” matched “…” in the résumé").
    pub reasons: Vec<Text>,
    /// Who removed it, if a clerk did.
    pub removed_by: Option<String>,
    pub removed_at_ms: Option<f64>,
}
