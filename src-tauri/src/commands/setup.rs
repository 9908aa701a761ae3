//! The administrator's first run and settings: create the vault, confirm the recovery key,
//! the organisation, the report-signing identity, the retention period.

use std::hash::BuildHasher;

use interview::{Lang, Role};
use tauri::State;
use zeroize::Zeroizing;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{IpcError, RecoveryKeyDto, SettingsDto, SigningDto, StaffDto};
use crate::state::{AppState, Mode, PendingRecovery, SignedIn};

/// Creates the vault and its first administrator, signs the administrator in, and returns the
/// recovery key — shown this once — with the groups to type back.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn setup_create_vault<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    username: String,
    display_name: String,
    password: String,
) -> Result<RecoveryKeyDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "setup_create_vault")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        if vault::VaultPaths::in_data_dir(&state.data_dir).exists()
            || office::station::enrolled_as(&state.data_dir).is_some()
        {
            return Err(ShellError::AlreadySetUp);
        }
        vault::keys::credential::use_platform_store()?;
        let admin = vault::NewUser {
            username: username.clone(),
            display_name,
            role: Role::Admin,
            password: password.to_string(),
        };
        let (mut vault, recovery) = vault::Vault::create(&state.data_dir, admin)?;
        vault.set_personaliser(scoring::resume::choose);
        let session = vault.login(&username, &password, "desktop")?;
        let shown = recovery.display();
        let groups: Vec<Zeroizing<String>> = shown.split('-').map(|g| Zeroizing::new(g.to_owned())).collect();
        let confirm = confirm_positions(groups.len());
        let dto = RecoveryKeyDto { groups: groups.iter().map(|g| g.to_string()).collect(), confirm: confirm.clone() };
        *state.recovery.lock().map_err(|_| ShellError::Internal("lock".into()))? =
            Some(PendingRecovery { groups, confirm });
        *state.signed_in.lock().map_err(|_| ShellError::Internal("lock".into()))? =
            Some(SignedIn { vault, session: Some(session) });
        tracing::info!("vault created by the first-run wizard");
        Ok(dto)
    })
    .await
}

/// Two different groups (1-based) the administrator types back, chosen at random.
fn confirm_positions(groups: usize) -> Vec<u32> {
    let n = groups.max(2) as u64;
    let random = || std::collections::hash_map::RandomState::new().hash_one(0u8);
    let first = random() % n;
    let second = (first + 1 + random() % (n - 1)) % n;
    let mut out = vec![first as u32 + 1, second as u32 + 1];
    out.sort_unstable();
    out
}

/// Opens the desktop's print dialog for the page as it is (the wizard's print style shows the
/// recovery key alone). `window.print()` does nothing in this webview; the dialog is GTK's, in the
/// system's language.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn print_page<R: tauri::Runtime>(
    window: tauri::Window<R>,
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "print_page")?;
    webview.print().map_err(|error| {
        tracing::warn!(%error, "the print dialog did not open");
        IpcError::from(ShellError::PrintUnavailable)
    })
}

/// Checks the groups typed back; the wizard goes on only once they match.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn setup_confirm_recovery<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    typed: Vec<String>,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "setup_confirm_recovery")?;
    blocking(move || {
        let mut pending = state.recovery.lock().map_err(|_| ShellError::Internal("lock".into()))?;
        let Some(p) = pending.as_ref() else { return Ok(()) };
        let normal = |s: &str| s.trim().to_ascii_uppercase().replace(['I', 'L'], "1").replace('O', "0");
        // The positions (1-based) of the groups typed wrongly, or all of them when the count is off.
        let wrong: Vec<u32> = if typed.len() == p.confirm.len() {
            p.confirm
                .iter()
                .zip(&typed)
                .filter(|&(&at, typed)| {
                    p.groups.get(at as usize - 1).is_none_or(|group| normal(group) != normal(typed))
                })
                .map(|(&at, _)| at)
                .collect()
        } else {
            p.confirm.clone()
        };
        if !wrong.is_empty() {
            return Err(ShellError::RecoveryMismatch(wrong));
        }
        *pending = None;
        tracing::info!("recovery key confirmed");
        Ok(())
    })
    .await
}

/// Runs `f` as the signed-in administrator, once the recovery key (if one is pending) has
/// been confirmed.
fn as_admin<T>(
    state: &AppState,
    f: impl FnOnce(&mut vault::Vault, &vault::Session) -> Result<T, ShellError>,
) -> Result<T, ShellError> {
    if state.recovery.lock().map_err(|_| ShellError::Internal("lock".into()))?.is_some() {
        return Err(ShellError::RecoveryNotConfirmed);
    }
    state.with_session(f)
}

/// The organisation's settings and signing certificate.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_get<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_get")?;
    blocking(move || as_admin(&state, settings)).await
}

fn settings(vault: &mut vault::Vault, session: &vault::Session) -> Result<SettingsDto, ShellError> {
    vault.authorize(session, interview::Action::ManageSettings)?;
    let org = vault.organisation()?;
    let signing =
        vault.signing_identities(session)?.into_iter().find(|i| i.retired_at_ms.is_none()).map(|identity| SigningDto {
            subject: identity.subject,
            fingerprint: identity.fingerprint,
            root_fingerprint: identity.root_fingerprint,
            imported: identity.imported,
        });
    Ok(SettingsDto {
        organisation: org.name,
        has_logo: org.logo_png.is_some(),
        report_lang: org.report_lang,
        retention_days: vault.retention_days()?,
        recognition_models: vault.recognition_models()?,
        signing,
    })
}

/// The organisation's name, logo (PNG; `None` keeps the current one) and report language.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_organisation<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    name: String,
    logo_png: Option<Vec<u8>>,
    report_lang: Lang,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_organisation")?;
    blocking(move || {
        if logo_png.as_ref().is_some_and(|png| !png.starts_with(b"\x89PNG\r\n\x1a\n")) {
            return Err(ShellError::LogoNotPng);
        }
        as_admin(&state, |vault, session| {
            let logo_png = match logo_png {
                Some(png) => Some(png),
                None => vault.organisation()?.logo_png,
            };
            vault.set_organisation(
                session,
                &vault::Organisation { name: name.trim().to_owned(), logo_png, report_lang },
            )?;
            settings(vault, session)
        })
    })
    .await
}

/// How many days recordings and personal data are kept after the decision.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_retention<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    days: u32,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_retention")?;
    blocking(move || {
        as_admin(&state, |vault, session| {
            vault.set_retention_days(session, days)?;
            settings(vault, session)
        })
    })
    .await
}

/// The speech recognition models answers are scored with from now on (int8 or float).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_recognition_models<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    models: interview::RecognitionModels,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_recognition_models")?;
    blocking(move || {
        as_admin(&state, |vault, session| {
            vault.set_recognition_models(session, models)?;
            settings(vault, session)
        })
    })
    .await
}

/// Generates the organisation's own report-signing certificate (a root and a signing
/// certificate, ECDSA P-256) under its name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_signing_generate<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_signing_generate")?;
    blocking(move || {
        as_admin(&state, |vault, session| {
            let name = vault.organisation()?.name;
            let identity = report::SigningIdentity::generate(&name)?;
            flow::reports::install_signing_identity(vault, session, &identity, false)?;
            settings(vault, session)
        })
    })
    .await
}

/// Imports the agency's certificate and key from a PKCS#12 file.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(bytes = p12.len()))]
pub async fn settings_signing_import<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    p12: Vec<u8>,
    password: String,
) -> Result<SettingsDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "settings_signing_import")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        as_admin(&state, |vault, session| {
            let identity = report::SigningIdentity::from_pkcs12(&p12, &password)?;
            flow::reports::install_signing_identity(vault, session, &identity, true)?;
            settings(vault, session)
        })
    })
    .await
}

/// Who is signed in at the staff window, if anyone (after a reload, the page asks).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_whoami<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<Option<StaffDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "staff_whoami")?;
    blocking(move || {
        let guard = state.signed_in.lock().map_err(|_| ShellError::Internal("lock".into()))?;
        Ok(guard
            .as_ref()
            .and_then(|s| s.session.as_ref())
            .map(|s| StaffDto { username: s.username.clone(), role: s.role }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::confirm_positions;

    #[test]
    fn two_different_groups_are_asked_for() {
        for _ in 0..200 {
            let p = confirm_positions(13);
            assert_eq!(p.len(), 2);
            assert!(p[0] < p[1], "{p:?}");
            assert!(p.iter().all(|&g| (1..=13).contains(&g)), "{p:?}");
        }
    }
}

/// The first run's other way: this installation becomes a kiosk station of the hub at `hub`
/// with the administrator's one-time `code` (both ends proved; see the office crate). Refused
/// where a vault or a station exists already.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn setup_enrol_station<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    hub: String,
    name: String,
    code: String,
) -> Result<crate::ipc::StationSetupDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "setup_enrol_station")?;
    let code = Zeroizing::new(code);
    blocking(move || {
        if vault::VaultPaths::in_data_dir(&state.data_dir).exists()
            || office::station::enrolled_as(&state.data_dir).is_some()
        {
            return Err(ShellError::AlreadySetUp);
        }
        vault::keys::credential::use_platform_store()?;
        let code = office::EnrolmentCode::parse(&code)?;
        let config =
            office::station::enrol(&state.data_dir, hub.trim(), &code, name.trim(), interview::MachineRole::Station)?;
        Ok(crate::ipc::StationSetupDto { hub: config.hub, name: config.name, station_id: config.station_id as u32 })
    })
    .await
}
