//! Commands every window may call.

use manifest::AssetKind;
use tauri::State;

use crate::ipc::{AppStatus, ComponentKind, ComponentStatus, IpcError, WorkstationLinkDto};
use crate::state::AppState;

/// The app's version, its data directory and the state of its bundled components.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn app_status<R: tauri::Runtime>(
    _window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<AppStatus, IpcError> {
    let data_dir = state.data_dir.display().to_string();
    let state = state.inner().clone();
    let checks = state.clone();
    // Verification hashes files: run it on the blocking pool, not on an async worker.
    let components = tauri::async_runtime::spawn_blocking(move || checks.components())
        .await
        .map_err(|join| crate::error::ShellError::Internal(join.to_string()))?;
    let (components, components_error) = match components.as_ref() {
        Ok(checks) => (checks.iter().map(component_status).collect(), None),
        Err(error) => (Vec::new(), Some(error_text(error))),
    };
    let vault_exists = vault::VaultPaths::in_data_dir(&state.data_dir).exists();
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir,
        components,
        components_error,
        vault_exists,
        station: enrolled_as(&state, interview::MachineRole::Station),
        workstation: enrolled_as(&state, interview::MachineRole::Workstation),
        staff_idle_seconds: staff_idle_seconds(),
    })
}

/// On a staff workstation: tells the page now, and at each change, whether the hub answers (the
/// window shows a banner while it does not). Elsewhere nothing is ever sent.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn workstation_link<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    link: tauri::ipc::Channel<WorkstationLinkDto>,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    super::guard::require(&state, &window, crate::state::Mode::Staff, "workstation_link")?;
    let Some(hub) = state.workstation.clone() else { return Ok(()) };
    let address = hub.hub().to_owned();
    let send = move |online: bool| {
        if let Err(error) = link.send(WorkstationLinkDto { online, hub: address.clone() }) {
            tracing::debug!(%error, "hub link channel closed");
        }
    };
    if let Some(online) = hub.online() {
        send(online);
    }
    hub.watch(send);
    Ok(())
}

/// This installation's enrolment at a hub, if it is enrolled as `role`.
fn enrolled_as(state: &AppState, role: interview::MachineRole) -> Option<crate::ipc::StationSetupDto> {
    office::station::load_config(&state.data_dir).ok().filter(|c| c.role == role).map(|c| crate::ipc::StationSetupDto {
        hub: c.hub,
        name: c.name,
        station_id: c.station_id as u32,
    })
}

/// Minutes without input after which the staff window locks (`INTERVIEW_KIOSK_STAFF_IDLE_SECONDS`,
/// default 10 minutes; the vault ends an idle session after 15).
fn staff_idle_seconds() -> u32 {
    std::env::var("INTERVIEW_KIOSK_STAFF_IDLE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&s| s >= 5)
        .unwrap_or(600)
}

fn component_status(check: &manifest::AssetCheck) -> ComponentStatus {
    ComponentStatus {
        name: check.asset.name.clone(),
        version: check.asset.version.clone(),
        kind: match check.asset.kind {
            AssetKind::Runtime => ComponentKind::Runtime,
            AssetKind::Model | AssetKind::Source | AssetKind::Fixture => ComponentKind::Model,
        },
        licence: check.asset.licence.clone(),
        problem: check.result.as_ref().err().map(error_text),
    }
}

fn error_text(error: &impl interview::UserFacing) -> crate::ipc::Text {
    error.user_message().into()
}
