//! Staff sign-in, and the first thing the auditor's area does with it: verify a report PDF
//! (signature, coverage, signer, and whether this vault issued exactly this file).

use tauri::State;
use zeroize::Zeroizing;

use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{IpcError, StaffDto, VerifyReportDto};
use crate::state::{AppState, Mode, SignedIn};

/// Signs a member of staff in (opening the vault on first use). Every attempt is audited by
/// the vault; a wrong password gets the vault's sentence.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_sign_in<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<StaffDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "staff_sign_in")?;
    let password = Zeroizing::new(password);
    let staff = tauri::async_runtime::spawn_blocking(move || -> Result<StaffDto, ShellError> {
        let mut guard = state.signed_in.lock().map_err(|_| ShellError::Internal("staff lock poisoned".into()))?;
        let mut signed_in = match guard.take() {
            Some(signed_in) => signed_in,
            None => {
                vault::keys::credential::use_platform_store()?;
                let mut vault = vault::Vault::open(&state.data_dir)?;
                vault.set_personaliser(scoring::resume::choose);
                SignedIn { vault, session: None }
            }
        };
        // A failed attempt changes nothing: whoever was signed in stays signed in (a passer-by
        // typing a wrong password does not end a clerk's session).
        let session = match signed_in.vault.login(&username, &password, &state.device) {
            Ok(session) => session,
            Err(error) => {
                *guard = Some(signed_in);
                return Err(error.into());
            }
        };
        // Signing in again ends the earlier session (a sign-out the page may have missed).
        if let Some(earlier) = signed_in.session.take()
            && let Err(error) = signed_in.vault.logout(&earlier)
        {
            tracing::warn!(code = interview::UserFacing::code(&error), "ending the earlier session failed");
        }
        if let Ok(mut reauth) = state.reauth_at.lock() {
            *reauth = None;
        }
        state.forget_playback();
        let vault = signed_in.vault;
        let dto = StaffDto { username: session.username.clone(), role: session.role };
        *guard = Some(SignedIn { vault, session: Some(session) });
        Ok(dto)
    })
    .await
    .map_err(|join| ShellError::Internal(join.to_string()))??;
    Ok(staff)
}

/// Ends the signed-in session.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_sign_out<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "staff_sign_out")?;
    tauri::async_runtime::spawn_blocking(move || -> Result<(), ShellError> {
        if let Ok(mut reauth) = state.reauth_at.lock() {
            *reauth = None;
        }
        state.forget_playback();
        let mut guard = state.signed_in.lock().map_err(|_| ShellError::Internal("staff lock poisoned".into()))?;
        if let Some(staff) = guard.as_mut()
            && let Some(session) = staff.session.take()
        {
            staff.vault.logout(&session)?;
        }
        Ok(())
    })
    .await
    .map_err(|join| ShellError::Internal(join.to_string()))??;
    Ok(())
}

/// Verifies a report's bytes against its signature and this vault's register (audited).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = pdf.len()))]
pub async fn verify_report<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    pdf: Vec<u8>,
) -> Result<VerifyReportDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "verify_report")?;
    let dto = tauri::async_runtime::spawn_blocking(move || -> Result<VerifyReportDto, ShellError> {
        // The file is taken apart without the vault: a hostile PDF holds up no one else's work.
        let signers = state.with_session(|vault, session| Ok(report::export::vault_signers(vault, session)?))?;
        let verification = report::export::verify_against(&pdf, &signers, &[]);
        let report = state.with_session(|vault, session| {
            Ok(report::export::match_register(vault, session, verification, &signers)?)
        })?;
        Ok(VerifyReportDto::from(&report))
    })
    .await
    .map_err(|join| ShellError::Internal(join.to_string()))??;
    Ok(dto)
}
