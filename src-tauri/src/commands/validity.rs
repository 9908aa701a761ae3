//! Learning from outcomes: the outcome import (a preview, then one transaction), the validity
//! screen of a job (its tables, the suggestion for a criterion and its replay over past
//! candidates, the weight versions) and applying a suggestion. The statistics and every rule
//! are the vault's and `interview::validity`'s; this is the window's adapter.

use hrms::import;
use hrms::outcomes::{self, OutcomeMapping};
use interview::outcomes::{Criterion, RatingScale};
use interview::validity::{self, ai_word, raters_word};
use interview::{Action, Weight};
use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{
    ImportProblemDto, IpcError, JobVersionDto, OutcomePreviewDto, ValidityDto, ValidityRowDto, ValidityTableDto,
    WeightDto,
};
use crate::state::{AppState, Mode};

/// How many problems the preview lists.
const PREVIEW_PROBLEMS: usize = 50;

fn offset() -> i32 {
    i32::from(flow::reports::now().offset().whole_minutes())
}

fn weight_dtos(weights: &[Weight]) -> Vec<WeightDto> {
    weights.iter().map(|w| WeightDto { dimension: w.dimension.clone(), basis_points: w.basis_points }).collect()
}

fn checked(
    vault: &mut vault::Vault,
    session: &vault::Session,
    job_id: i64,
    bytes: &[u8],
    scale: RatingScale,
) -> Result<(import::Table, outcomes::CheckedOutcomes), ShellError> {
    let table = import::read_table(bytes)?;
    let lookup = vault.outcome_lookup(session, job_id, offset())?;
    let checked = outcomes::check(&table, &OutcomeMapping::guess(&table.headers), scale, &lookup)?;
    Ok((table, checked))
}

/// What importing this outcome file would do; nothing is written.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn outcomes_preview<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    bytes: Vec<u8>,
    scale: RatingScale,
) -> Result<OutcomePreviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "outcomes_preview")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let (table, checked) = checked(vault, s, i64::from(job_id), &bytes, scale)?;
            let (problem_rows, problems) = ImportProblemDto::preview(
                checked.errors.iter().map(|e| (e.line, e.column.clone(), e.problem.message())),
                PREVIEW_PROBLEMS,
            );
            Ok(OutcomePreviewDto { headers: table.headers, good: checked.good.len() as u32, problem_rows, problems })
        })
    })
    .await
}

/// Records the file's outcomes in one transaction. With problems in the file it is refused
/// unless `skipProblemRows` (then only the good rows are recorded).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn outcomes_import<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    bytes: Vec<u8>,
    scale: RatingScale,
    skip_problem_rows: bool,
) -> Result<u32, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "outcomes_import")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let job_id = i64::from(job_id);
            let (_, checked) = checked(vault, s, job_id, &bytes, scale)?;
            if !checked.errors.is_empty() && !skip_problem_rows {
                return Err(ShellError::OutcomesRefused { problems: checked.errors.len() });
            }
            let recorded = vault.record_outcomes(s, job_id, &checked.outcomes(), offset())?;
            tracing::info!(recorded, "outcomes imported");
            Ok(recorded as u32)
        })
    })
    .await
}

/// The validity screen of a job for `criterion`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(window, state))]
pub async fn validity_review<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    criterion: Criterion,
) -> Result<ValidityDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "validity_review")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let job_id = i64::from(job_id);
            let review = vault.weights_review(s, job_id, criterion, offset())?;
            let versions = vault.job_versions(s, job_id)?;
            Ok(validity_dto(review, versions, s.role))
        })
    })
    .await
}

/// Applies the suggestion the screen showed (`weights`) as the job's next version; returns it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(window, state, weights, reason))]
pub async fn validity_apply<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    criterion: Criterion,
    weights: Vec<WeightDto>,
    reason: Option<String>,
) -> Result<u32, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "validity_apply")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let weights: Vec<Weight> =
                weights.into_iter().map(|w| Weight { dimension: w.dimension, basis_points: w.basis_points }).collect();
            let version =
                vault.apply_weights(s, i64::from(job_id), criterion, &weights, reason.as_deref(), offset())?;
            Ok(version as u32)
        })
    })
    .await
}

pub(crate) fn validity_dto(
    review: vault::WeightsReview,
    versions: Vec<vault::JobVersion>,
    role: interview::Role,
) -> ValidityDto {
    let (ai, raters) = (ai_word(), raters_word());
    let total_word = interview::Localized::new("总分", "the total");
    ValidityDto {
        job_id: review.job.id as u32,
        job_title: review.job.title.clone(),
        version: review.job.version as u32,
        weights: weight_dtos(&review.job.dimensions),
        people: review.people as u32,
        with_outcomes: review.with_outcomes as u32,
        min_n: validity::MIN_N as u32,
        tables: review
            .validity
            .iter()
            .map(|t| ValidityTableDto {
                criterion: t.criterion,
                n: t.n,
                enough: t.enough,
                rows: t
                    .rows
                    .iter()
                    .map(|r| {
                        let what = |lang_zh: bool| match &r.dimension {
                            Some(d) => d.clone(),
                            None if lang_zh => total_word.zh_cn.clone(),
                            None => total_word.en.clone(),
                        };
                        let both = |c: &validity::Correlation, who: &interview::Localized| {
                            let zh = c.reading(who, &what(true)).zh_cn;
                            let en = c.reading(who, &what(false)).en;
                            interview::Localized::new(zh, en).into()
                        };
                        ValidityRowDto {
                            dimension: r.dimension.clone(),
                            ai: r.ai,
                            raters: r.raters,
                            ai_reading: both(&r.ai, &ai),
                            raters_reading: both(&r.raters, &raters),
                        }
                    })
                    .collect(),
            })
            .collect(),
        criterion: review.criterion,
        no_suggestion: review.suggestion.as_ref().err().map(|n| n.message().into()),
        verdict: review.replay.as_ref().map(|r| {
            interview::Localized::new(
                validity::verdict(r, interview::Lang::ZhCn),
                validity::verdict(r, interview::Lang::En),
            )
            .into()
        }),
        suggestion: review.suggestion.ok(),
        replay: review.replay,
        versions: versions
            .into_iter()
            .map(|v| JobVersionDto {
                version: v.version as u32,
                weights: weight_dtos(&v.weights),
                created_at_ms: v.created_at_ms as f64,
                created_by: v.created_by,
                criterion: v.criterion,
                fairness_passed: v.fairness_passed,
                reason: v.reason,
                interviews: v.interviews as u32,
            })
            .collect(),
        can_apply: role.may(Action::ApplyWeights),
        can_apply_over_fairness: role.may(Action::ApplyWeightsOverFairness),
        can_import: role.may(Action::RecordOutcomes),
    }
}
