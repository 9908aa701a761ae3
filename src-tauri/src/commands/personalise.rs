//! Questions that fit the candidate: the candidate page's résumé facts, a job's personalised
//! questions (each question's condition, how many an invitation gets) and an interview's chosen
//! questions, which a clerk may remove before it begins. Every rule is the vault's and
//! `interview::resume`'s; this is the window's adapter.

use interview::resume::{ResumeFacts, ResumeSource};
use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{IpcError, PersonalisationDto, PlannedQuestionDto, QuestionConditionDto, ResumeDto, ResumeFileDto};
use crate::state::{AppState, Mode};

fn resume_dto(vault: &mut vault::Vault, s: &vault::Session, candidate_id: i64) -> Result<ResumeDto, ShellError> {
    let (name, job_id) = vault.candidate_name(s, candidate_id)?;
    let job_id = job_id as u32;
    let record = vault.resume(s, candidate_id)?;
    let interview_id = match vault.interview_of_candidate(s, candidate_id) {
        Ok(id) => Some(id as u32),
        Err(vault::VaultError::NoSuchObject { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let (facts, source, updated_at_ms, updated_by, revision) = match record {
        Some(r) => (r.facts, Some(r.source), Some(r.updated_at_ms as f64), r.updated_by, r.revision),
        None => (ResumeFacts::default(), None, None, None, 0),
    };
    Ok(ResumeDto {
        candidate_id: candidate_id as u32,
        name,
        job_id,
        facts,
        source,
        updated_at_ms,
        updated_by,
        interview_id,
        revision: revision.clamp(0, i64::from(u32::MAX)) as u32,
    })
}

fn planned(
    vault: &mut vault::Vault,
    s: &vault::Session,
    interview_id: i64,
) -> Result<Vec<PlannedQuestionDto>, ShellError> {
    Ok(vault
        .interview_personalised(s, interview_id)?
        .into_iter()
        .map(|p| PlannedQuestionDto {
            question_id: p.question_id as u32,
            text: p.text,
            reasons: p.reasons.iter().map(|r| r.sentence().into()).collect(),
            removed_by: p.removed.as_ref().map(|(by, _)| by.clone()),
            removed_at_ms: p.removed.map(|(_, at)| at as f64),
        })
        .collect())
}

fn personalisation_dto(
    vault: &mut vault::Vault,
    s: &vault::Session,
    job_id: i64,
) -> Result<PersonalisationDto, ShellError> {
    let p = vault.personalisation(s, job_id)?;
    Ok(PersonalisationDto {
        job_id: job_id as u32,
        max: u32::from(p.max),
        questions: p
            .questions
            .into_iter()
            .map(|q| QuestionConditionDto {
                question_id: q.question_id as u32,
                condition: Some(q.condition),
                revision: None,
            })
            .collect(),
        revision: p.revision.clamp(0, i64::from(u32::MAX)) as u32,
        condition_revisions: p
            .condition_revisions
            .into_iter()
            .map(|(question_id, revision)| crate::ipc::ConditionRevisionDto {
                question_id: question_id as u32,
                revision: revision.clamp(0, i64::from(u32::MAX)) as u32,
            })
            .collect(),
    })
}

/// A candidate's résumé facts (empty when none were given) and latest interview.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn resume_get<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    candidate_id: u32,
) -> Result<ResumeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "resume_get")?;
    blocking(move || state.with_session(|vault, s| resume_dto(vault, s, i64::from(candidate_id)))).await
}

/// Replaces a candidate's résumé facts with what the clerk typed (all empty: no résumé), unless
/// someone changed them since the page loaded `revision`: then nothing changes and the page is
/// told who and when.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn resume_save<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    candidate_id: u32,
    facts: ResumeFacts,
    revision: u32,
) -> Result<ResumeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "resume_save")?;
    blocking(move || {
        state.with_session(|vault, s| {
            vault.save_resume(s, i64::from(candidate_id), facts, i64::from(revision))?;
            resume_dto(vault, s, i64::from(candidate_id))
        })
    })
    .await
}

/// Reads a résumé file (PDF or DOCX) on this machine into the candidate's free text, keeping
/// the other facts; a scan, a damaged or hostile file is refused and changes nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn resume_attach<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    candidate_id: u32,
    bytes: Vec<u8>,
) -> Result<ResumeFileDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "resume_attach")?;
    blocking(move || {
        let read = hrms::resume_file::read_resume(&bytes)?;
        state.with_session(|vault, s| {
            let candidate = i64::from(candidate_id);
            let mut facts = vault.resume(s, candidate)?.map(|r| r.facts).unwrap_or_default();
            facts.text = read.text;
            vault.set_resume(s, candidate, facts, ResumeSource::File)?;
            Ok(ResumeFileDto { resume: resume_dto(vault, s, candidate)?, truncated: read.truncated })
        })
    })
    .await
}

/// A job's personalised questions: how many an invitation gets, and each one's condition.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn personalisation_get<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
) -> Result<PersonalisationDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "personalisation_get")?;
    blocking(move || state.with_session(|vault, s| personalisation_dto(vault, s, i64::from(job_id)))).await
}

/// Sets (or, with none, clears) one question's condition.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn question_condition_save<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    condition: QuestionConditionDto,
) -> Result<PersonalisationDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "question_condition_save")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let job_id = i64::from(job_id);
            let question = i64::from(condition.question_id);
            if !vault.job_questions(s, job_id)?.iter().any(|q| q.id == question) {
                return Err(vault::VaultError::NoSuchObject { what: "question", id: question }.into());
            }
            vault.set_question_condition(s, question, condition.condition, condition.revision.map(i64::from))?;
            personalisation_dto(vault, s, job_id)
        })
    })
    .await
}

/// Sets how many personalised questions (0–5) an invitation to the job gets.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn personalised_max_save<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    max: u32,
    revision: Option<u32>,
) -> Result<PersonalisationDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "personalised_max_save")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let max = u8::try_from(max.min(u32::from(vault::MAX_PERSONALISED))).unwrap_or(vault::MAX_PERSONALISED);
            vault.set_personalised_max(s, i64::from(job_id), max, revision.map(i64::from))?;
            personalisation_dto(vault, s, i64::from(job_id))
        })
    })
    .await
}

/// An interview's personalised questions, with why each was chosen.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn interview_personalised<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
) -> Result<Vec<PlannedQuestionDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "interview_personalised")?;
    blocking(move || state.with_session(|vault, s| planned(vault, s, i64::from(interview_id)))).await
}

/// Removes a personalised question from an interview that has not begun.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn personalised_remove<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
    question_id: u32,
) -> Result<Vec<PlannedQuestionDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "personalised_remove")?;
    blocking(move || {
        state.with_session(|vault, s| {
            vault.remove_personalised(s, i64::from(interview_id), i64::from(question_id))?;
            planned(vault, s, i64::from(interview_id))
        })
    })
    .await
}
