//! The clerk's import of candidates from the HRMS's CSV or XLSX file: a preview first (the
//! columns as guessed from the headers and changeable, the first rows as they would be
//! imported, every problem with its line), then the import in one transaction — all rows, or
//! only the good ones when the clerk chooses to leave the problem rows out.

use hrms::import::{self, Mapping};
use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{ImportMappingDto, ImportPreviewDto, ImportProblemDto, ImportRowDto, IpcError};
use crate::state::{AppState, Mode};

/// How many rows and problems the preview shows.
const PREVIEW_ROWS: usize = 10;
const PREVIEW_PROBLEMS: usize = 50;

fn mapping_of(dto: &ImportMappingDto) -> Mapping {
    let col = |c: Option<u32>| c.map(|c| c as usize);
    Mapping {
        name: col(dto.name),
        id_number: col(dto.id_number),
        phone: col(dto.phone),
        email: col(dto.email),
        group: col(dto.group),
        education: col(dto.education),
        major: col(dto.major),
        years: col(dto.years),
        employers: col(dto.employers),
        roles: col(dto.roles),
        skills: col(dto.skills),
        resume_text: col(dto.resume_text),
    }
}

fn mapping_dto(m: &Mapping) -> ImportMappingDto {
    let col = |c: Option<usize>| c.map(|c| c as u32);
    ImportMappingDto {
        name: col(m.name),
        id_number: col(m.id_number),
        phone: col(m.phone),
        email: col(m.email),
        group: col(m.group),
        education: col(m.education),
        major: col(m.major),
        years: col(m.years),
        employers: col(m.employers),
        roles: col(m.roles),
        skills: col(m.skills),
        resume_text: col(m.resume_text),
    }
}

/// An ID number as the preview shows it: only its last four characters.
fn masked(id: &str) -> String {
    let n = id.chars().count();
    id.chars().enumerate().map(|(i, c)| if i + 4 < n { '*' } else { c }).collect()
}

/// Reads and checks the file against the job's candidates.
fn checked(
    vault: &mut vault::Vault,
    session: &vault::Session,
    job_id: i64,
    bytes: &[u8],
    mapping: Option<&ImportMappingDto>,
) -> Result<(import::Table, Mapping, import::Checked), ShellError> {
    let table = import::read_table(bytes)?;
    let mapping = mapping.map_or_else(|| Mapping::guess(&table.headers), mapping_of);
    let known = vault.id_lookup(session, job_id)?;
    let checked = import::check(&table, &mapping, &mut |id| known.contains(id))?;
    Ok((table, mapping, checked))
}

/// What importing this file would do; nothing is written.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn clerk_import_preview<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    bytes: Vec<u8>,
    mapping: Option<ImportMappingDto>,
) -> Result<ImportPreviewDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_import_preview")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let (table, mapping, checked) = checked(vault, s, i64::from(job_id), &bytes, mapping.as_ref())?;
            let (problem_rows, problems) = ImportProblemDto::preview(
                checked.errors.iter().map(|e| (e.line, e.column.clone(), e.problem.message())),
                PREVIEW_PROBLEMS,
            );
            Ok(ImportPreviewDto {
                headers: table.headers,
                mapping: mapping_dto(&mapping),
                rows: checked
                    .good
                    .iter()
                    .take(PREVIEW_ROWS)
                    .map(|r| ImportRowDto {
                        line: r.line as u32,
                        name: r.name.clone(),
                        id_number: r.id_number.as_deref().map(masked),
                        phone: r.phone.clone(),
                        email: r.email.clone(),
                        group: r.group.clone(),
                    })
                    .collect(),
                good: checked.good.len() as u32,
                problem_rows,
                problems,
            })
        })
    })
    .await
}

/// Imports the file with this mapping, in one transaction. With problems in the file it is
/// refused unless `skipProblemRows` (then only the good rows are imported).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn clerk_import<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    bytes: Vec<u8>,
    mapping: ImportMappingDto,
    skip_problem_rows: bool,
) -> Result<u32, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "clerk_import")?;
    blocking(move || {
        state.with_session(|vault, s| {
            let job_id = i64::from(job_id);
            let (_, _, checked) = checked(vault, s, job_id, &bytes, Some(&mapping))?;
            if !checked.errors.is_empty() && !skip_problem_rows {
                return Err(ShellError::ImportRefused { problems: checked.errors.len() });
            }
            let resumes = flow::import::resumes(&checked.good);
            let candidates = flow::import::new_candidates(job_id, checked.good);
            let ids = vault.import_candidates_with_resumes(s, job_id, &candidates, &resumes)?;
            tracing::info!(count = ids.len(), "candidates imported");
            Ok(ids.len() as u32)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_masked_but_their_last_four() {
        assert_eq!(masked("11010519491231002X"), "**************002X");
        assert_eq!(masked("12"), "12");
    }

    #[test]
    fn a_mapping_round_trips() {
        let m = Mapping {
            name: Some(1),
            id_number: None,
            phone: Some(0),
            email: None,
            group: Some(3),
            ..Mapping::default()
        };
        assert_eq!(mapping_of(&mapping_dto(&m)), m);
    }
}
