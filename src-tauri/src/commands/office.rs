//! The administrator's Office network page: whether the hub is serving, the enrolled stations
//! (rename, revoke) and one-time enrolment codes. The hub itself runs as `interview-kiosk hub
//! serve` (a service that outlives anyone's sign-in); this page works on the same vault.

use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{EnrolmentCodeDto, IpcError, OfficeDto, StationDto};
use crate::state::{AppState, Mode};

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn office(vault: &mut vault::Vault, session: &vault::Session) -> Result<OfficeDto, ShellError> {
    let stations = vault.list_stations(session)?;
    let versions = flow::scoring::worker_versions()?;
    let now = now_ms();
    let lock = vault.paths().dir.join("vault.lock");
    let hub_running = vault::lock::holders(&lock).iter().any(|h| h.contains("interview-kiosk hub serve"));
    let stations = stations
        .into_iter()
        .map(|s| {
            let seen = office::hub::seen(&s, now, &versions);
            StationDto {
                id: s.id as u32,
                name: s.name,
                account: (s.role == interview::MachineRole::Station).then_some(s.account),
                revoked: s.revoked_at_ms.is_some(),
                online: seen.online,
                last_seen_s: s.presence.last_seen_at_ms.map(|at| ((now - at).max(0) / 1000) as f64),
                backlog: s.presence.backlog.map(|b| b.clamp(0, i64::from(u32::MAX)) as u32),
                clock_offset_s: s.presence.clock_offset_ms.map(|ms| ms as f64 / 1000.0),
                clock_warning: seen.clock_warning,
                versions: s.presence.versions,
                other_versions: seen.other_versions,
            }
        })
        .collect();
    Ok(OfficeDto { hub_running, versions, stations })
}

/// The office network: the hub's state and every station.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_office<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<OfficeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_office")?;
    blocking(move || state.with_session(office)).await
}

/// A one-time enrolment code for a station that will act as `kiosk_account` (valid 15 minutes).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_enrolment_code<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    kiosk_account: String,
) -> Result<EnrolmentCodeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_enrolment_code")?;
    blocking(move || {
        state.with_session(|vault, session| {
            let code = office::hub::new_enrolment_code(
                vault,
                session,
                office::hub::CodeFor::Station { kiosk_account: &kiosk_account },
            )?;
            Ok(EnrolmentCodeDto {
                code: code.display().to_string(),
                kiosk_account,
                valid_minutes: (vault::ENROLMENT_CODE_TTL_MS / 60_000) as u32,
            })
        })
    })
    .await
}

/// Renames a station.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_rename_station<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    station_id: u32,
    name: String,
) -> Result<OfficeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_rename_station")?;
    blocking(move || {
        state.with_session(|vault, session| {
            vault.rename_station(session, i64::from(station_id), &name)?;
            office(vault, session)
        })
    })
    .await
}

/// Revokes a station: its next request to the hub is refused.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_revoke_station<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    station_id: u32,
) -> Result<OfficeDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_revoke_station")?;
    blocking(move || {
        state.with_session(|vault, session| {
            vault.revoke_station(session, i64::from(station_id))?;
            office(vault, session)
        })
    })
    .await
}
