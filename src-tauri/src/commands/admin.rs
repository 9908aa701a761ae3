//! The administrator's accounts and kiosk devices.

use capture::DeviceKind;
use capture::devices::DeviceChoice;
use interview::{Action, Role};
use tauri::State;
use zeroize::Zeroizing;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{DeviceDto, DeviceTestDto, DevicesDto, IpcError, UserDto};
use crate::kiosk::SYNTHETIC_DEVICES;
use crate::state::{AppState, Mode};

fn user_dto(u: vault::UserInfo) -> UserDto {
    UserDto {
        id: u.id as u32,
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        disabled: u.disabled,
        locked: u.locked,
    }
}

/// Every account.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_users<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<Vec<UserDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_users")?;
    blocking(move || state.with_session(|vault, s| Ok(vault.list_users(s)?.into_iter().map(user_dto).collect()))).await
}

/// Creates an account (a kiosk station is an account with the `kiosk` role).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_create_user<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    username: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<Vec<UserDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_create_user")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        state.with_session(|vault, s| {
            let username = username.trim().to_owned();
            if username.is_empty() {
                return Err(ShellError::BadArgument("username".into()));
            }
            vault.create_user(
                s,
                vault::NewUser {
                    username,
                    display_name: display_name.trim().to_owned(),
                    role,
                    password: password.to_string(),
                },
            )?;
            Ok(vault.list_users(s)?.into_iter().map(user_dto).collect())
        })
    })
    .await
}

/// Disables an account; its sessions end at once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_disable_user<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    user_id: u32,
) -> Result<Vec<UserDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_disable_user")?;
    blocking(move || {
        state.with_session(|vault, s| {
            vault.disable_user(s, i64::from(user_id))?;
            Ok(vault.list_users(s)?.into_iter().map(user_dto).collect())
        })
    })
    .await
}

/// Sets a new password (lifting a lockout; the account's sessions end).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_reset_password<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    user_id: u32,
    password: String,
) -> Result<Vec<UserDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_reset_password")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        state.with_session(|vault, s| {
            vault.reset_password(s, i64::from(user_id), &password)?;
            Ok(vault.list_users(s)?.into_iter().map(user_dto).collect())
        })
    })
    .await
}

/// The cameras and microphones of this machine (and the synthetic ones), and the choice.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_devices<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<DevicesDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_devices")?;
    blocking(move || {
        state.with_session(|vault, s| Ok(vault.authorize(s, Action::ManageDevices)?))?;
        Ok(devices(&state))
    })
    .await
}

fn devices(state: &AppState) -> DevicesDto {
    let kind = |k: DeviceKind| k.as_str().to_owned();
    let mut list: Vec<DeviceDto> = capture::devices::list()
        .into_iter()
        .map(|d| DeviceDto { id: d.id, name: d.name, kind: kind(d.kind), synthetic: false })
        .collect();
    list.extend(SYNTHETIC_DEVICES.iter().map(|(id, name, k)| DeviceDto {
        id: (*id).to_owned(),
        name: (*name).to_owned(),
        kind: kind(*k),
        synthetic: true,
    }));
    let choice = DeviceChoice::load(&state.data_dir);
    DevicesDto { devices: list, camera: choice.camera, microphone: choice.microphone }
}

/// Remembers the kiosk's camera and microphone (on this machine, not in the vault).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_choose_devices<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    camera: Option<String>,
    microphone: Option<String>,
) -> Result<DevicesDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_choose_devices")?;
    blocking(move || {
        state.with_session(|vault, s| Ok(vault.authorize(s, Action::ManageDevices)?))?;
        let listed = devices(&state);
        let known = |id: &Option<String>, kind: DeviceKind| {
            id.as_ref().is_none_or(|id| listed.devices.iter().any(|d| &d.id == id && d.kind == kind.as_str()))
        };
        for (id, kind) in [(&camera, DeviceKind::Camera), (&microphone, DeviceKind::Microphone)] {
            if !known(id, kind) {
                return Err(capture::CaptureError::UnknownDevice(id.clone().unwrap_or_default()).into());
            }
        }
        DeviceChoice { camera, microphone }.save(&state.data_dir)?;
        Ok(devices(&state))
    })
    .await
}

/// Opens the chosen camera and microphone for two seconds: a picture and a sound level.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn admin_test_devices<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<DeviceTestDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "admin_test_devices")?;
    blocking(move || {
        state.with_session(|vault, s| Ok(vault.authorize(s, Action::ManageDevices)?))?;
        crate::kiosk::test_devices(&state.data_dir, 2)
    })
    .await
}
