//! Re-authentication and exports. Exporting reports takes the password again (within the last
//! five minutes), because a report carries a candidate's assessment out of the vault. Files go
//! to the export folder: `INTERVIEW_KIOSK_EXPORT_DIR`, else `Documents/InterviewKiosk`, else
//! `exports/` in the data directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tauri::ipc::Channel;
use tauri::{Manager, State};
use zeroize::Zeroizing;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{ExportProgress, ExportedDto, IpcError, JobExportDto, Text};
use crate::state::{AppState, Mode};
use flow::reports;

/// How long a re-authentication counts for sensitive actions.
pub const REAUTH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Where exports and printed slips are written (a session a hub runs for a staff workstation:
/// its own folder, whose files are carried to the workstation).
pub fn export_folder<R: tauri::Runtime>(app: &tauri::AppHandle<R>, state: &AppState) -> PathBuf {
    if let Some(dir) = &state.export_dir {
        return dir.clone();
    }
    local_export_folder(app, &state.data_dir)
}

/// Where this machine's exports and printed slips are written.
pub fn local_export_folder<R: tauri::Runtime>(app: &tauri::AppHandle<R>, data_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("INTERVIEW_KIOSK_EXPORT_DIR") {
        return PathBuf::from(dir);
    }
    app.path().document_dir().map(|d| d.join("InterviewKiosk")).unwrap_or_else(|_| data_dir.join("exports"))
}

fn require_recent_reauth(state: &AppState) -> Result<(), ShellError> {
    let at = *state.reauth_at.lock().map_err(|_| ShellError::Internal("reauth lock poisoned".into()))?;
    match at {
        Some(at) if at.elapsed() <= REAUTH_WINDOW => Ok(()),
        _ => Err(ShellError::ReauthRequired),
    }
}

/// Checks the signed-in person's password again (before an export, or to unlock an idle
/// screen). Five wrong passwords lock the account and end the session.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_reauth<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    password: String,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "staff_reauth")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        state.with_session(|vault, s| Ok(vault.reauthenticate(s, &password)?))?;
        *state.reauth_at.lock().map_err(|_| ShellError::Internal("reauth lock poisoned".into()))? =
            Some(Instant::now());
        Ok(())
    })
    .await
}

fn exported_dto(path: &Path, exported: &report::Exported) -> ExportedDto {
    ExportedDto {
        path: path.display().to_string(),
        report_id: exported.report_id.clone(),
        signed: exported.signed,
        draft_reason: exported.draft_reason.as_ref().map(|r| Text { zh_cn: (*r).to_owned(), en: (*r).to_owned() }),
    }
}

/// One candidate report: signed when the interview is decided, otherwise a marked draft.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn export_candidate_report<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    interview_id: u32,
) -> Result<ExportedDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "export_candidate_report")?;
    let folder = export_folder(window.app_handle(), &state);
    blocking(move || {
        require_recent_reauth(&state)?;
        state.with_session(|vault, s| {
            let (path, exported) = reports::export_candidate_to(vault, s, i64::from(interview_id), &folder, false)?;
            Ok(exported_dto(&path, &exported))
        })
    })
    .await
}

/// A whole job: every interviewed candidate's report and the job report, into one new folder,
/// with progress sent as each is written. Refused reports (none expected) stop the export.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn export_job_reports<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    job_id: u32,
    progress: Channel<ExportProgress>,
) -> Result<JobExportDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "export_job_reports")?;
    let base = export_folder(window.app_handle(), &state);
    blocking(move || {
        require_recent_reauth(&state)?;
        let job_id = i64::from(job_id);
        // The interviews to report on, read once; each report then takes the vault in turn so
        // other screens stay responsive during a long export.
        let (title, interviews) = state.with_session(|vault, s| {
            let (job, candidates) = vault.job_candidates(s, job_id)?;
            let mut interviews = Vec::new();
            for c in candidates.iter().filter(|c| c.state.is_some_and(|st| st != interview::InterviewState::Invited)) {
                interviews.push(vault.interview_of_candidate(s, c.candidate_id)?);
            }
            Ok((job.title, interviews))
        })?;
        let at = reports::now();
        let folder = base.join(format!("{}-{}", reports::file_safe(&title), reports::file_time(at)));
        reports::create_folder(&folder)?;
        let total = interviews.len() as u32 + 1;
        let send = |done: u32| {
            if let Err(error) = progress.send(ExportProgress { done, total }) {
                tracing::debug!(%error, "progress channel closed");
            }
        };
        send(0);
        let (mut signed, mut drafts) = (0, 0);
        for (i, interview) in interviews.iter().enumerate() {
            let (_, exported) = state
                .with_session(|vault, s| Ok(reports::export_candidate_to(vault, s, *interview, &folder, true)?))?;
            if exported.signed {
                signed += 1;
            } else {
                drafts += 1;
            }
            send(i as u32 + 1);
        }
        state.with_session(|vault, s| Ok(reports::export_job_to(vault, s, job_id, &folder)?))?;
        send(total);
        tracing::info!(signed, drafts, "job export written");
        Ok(JobExportDto { folder: folder.display().to_string(), signed, drafts })
    })
    .await
}

/// Opens an exported file — or, with `show_folder`, the folder that holds it — with the desktop's
/// program for it (`xdg-open`). Only files and folders inside the export folder: the page cannot
/// make the app open anything else.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(show_folder))]
pub async fn open_export<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    path: String,
    show_folder: bool,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "open_export")?;
    let folder = export_folder(window.app_handle(), &state);
    blocking(move || {
        let inside = |p: &Path| -> Option<PathBuf> {
            let p = p.canonicalize().ok()?;
            p.starts_with(folder.canonicalize().ok()?).then_some(p)
        };
        let target = inside(Path::new(&path)).ok_or_else(|| ShellError::NotAnExport(path.clone()))?;
        let target = if show_folder && target.is_file() {
            target.parent().map(Path::to_owned).unwrap_or(target)
        } else {
            target
        };
        std::process::Command::new("xdg-open")
            .arg(&target)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(|mut child| {
                // The opener runs on its own; a thread reaps it when it ends.
                std::thread::spawn(move || child.wait());
            })
            .map_err(|error| ShellError::NoOpener(error.to_string()))
    })
    .await
}

/// The audit log of the last `days` days as a signed PDF plus the same rows as CSV.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn export_audit_log<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    days: u32,
) -> Result<ExportedDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "export_audit_log")?;
    let folder = export_folder(window.app_handle(), &state);
    blocking(move || {
        require_recent_reauth(&state)?;
        let to_ms = (reports::now().unix_timestamp_nanos() / 1_000_000) as i64;
        let from_ms = to_ms - i64::from(days.clamp(1, 3660)) * 86_400_000;
        state.with_session(|vault, s| {
            let (path, exported) = reports::export_audit_to(vault, s, from_ms, to_ms, &folder)?;
            Ok(exported_dto(&path, &exported))
        })
    })
    .await
    .inspect_err(|e| tracing::debug!(code = %e.code, "audit export refused"))
}

#[cfg(test)]
mod tests {
    use interview::UserFacing;

    use super::*;

    #[test]
    fn reauth_required_is_a_sentence() {
        assert_eq!(ShellError::ReauthRequired.code(), "auth.reauth_required");
        assert!(ShellError::ReauthRequired.user_message().zh_cn.contains("密码"));
    }
}
