//! Which window may call which command, checked in the backend. The capability files already
//! keep each window to its own commands (Tauri refuses the rest before any of our code runs);
//! this is the second wall: a command that reaches us from the wrong window is refused and
//! the attempt is written to the audit log.

use crate::error::ShellError;
use crate::state::{AppState, Mode};

/// The label of the staff window and of the kiosk window.
pub const STAFF_WINDOW: &str = "main";
pub const KIOSK_WINDOW: &str = "kiosk";

/// Refuses (and audits) unless `window` is the window of `mode`.
pub fn require<R: tauri::Runtime>(
    state: &AppState,
    window: &tauri::Window<R>,
    mode: Mode,
    command: &'static str,
) -> Result<(), ShellError> {
    let label = window.label();
    let expected = match mode {
        Mode::Staff => STAFF_WINDOW,
        Mode::Kiosk => KIOSK_WINDOW,
    };
    if label == expected {
        return Ok(());
    }
    tracing::warn!(window = label, command, "command refused for this window");
    if let Ok(mut guard) = state.signed_in.lock()
        && let Some(staff) = guard.as_mut()
        && let Err(error) = staff.vault.audit_refused_call(staff.session.as_ref(), label, command)
    {
        tracing::error!(%error, "the refusal could not be audited");
    }
    Err(ShellError::WrongWindow { command })
}

#[cfg(test)]
mod tests {
    use interview::{Role, UserFacing};

    use super::*;
    use crate::state::SignedIn;

    /// A kiosk window that reaches a staff command (were a capability file ever wrong) is
    /// refused by the backend, and the attempt is in the vault's audit log with the window,
    /// the command and whoever is signed in there — checked on a real vault, in a window of
    /// Tauri's mock runtime.
    #[test]
    fn a_staff_command_from_the_kiosk_window_is_refused_and_audited() {
        crate::use_test_credential_store();
        let data = tempfile::tempdir().unwrap();
        let admin = vault::NewUser {
            username: "admin".into(),
            display_name: "Admin".into(),
            role: Role::Admin,
            password: "a long enough password".into(),
        };
        let (mut vault, _recovery) = vault::Vault::create(data.path(), admin).unwrap();
        let session = vault.login("admin", "a long enough password", "test").unwrap();
        vault
            .create_user(
                &session,
                vault::NewUser {
                    username: "kiosk-1".into(),
                    display_name: "Kiosk".into(),
                    role: Role::Kiosk,
                    password: "a long enough password".into(),
                },
            )
            .unwrap();
        let kiosk = vault.login("kiosk-1", "a long enough password", "kiosk-1").unwrap();
        let state = AppState::new(data.path().to_owned(), Mode::Kiosk);
        *state.signed_in.lock().unwrap() = Some(SignedIn { vault, session: Some(kiosk) });

        let app = tauri::test::mock_app();
        let window = tauri::WebviewWindowBuilder::new(&app, KIOSK_WINDOW, Default::default()).build().unwrap();
        let window = window.as_ref().window();
        require(&state, &window, Mode::Kiosk, "kiosk_status").unwrap();
        let error = require(&state, &window, Mode::Staff, "admin_create_user").unwrap_err();
        assert_eq!(error.code(), "auth.wrong_window");
        assert!(error.user_message().en.contains("audit log"));

        let mut guard = state.signed_in.lock().unwrap();
        let SignedIn { vault, .. } = guard.as_mut().unwrap();
        let auditor = vault.login("admin", "a long enough password", "test").unwrap();
        let rows = vault.audit_log(&auditor, Some("command:"), 10).unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        let row = &rows[0];
        assert_eq!(
            (row.action.as_str(), row.object.as_str(), row.outcome.as_str(), row.actor.as_str(), row.device.as_str()),
            ("ipc.refused", "command:admin_create_user", "denied", "kiosk-1", "kiosk-1/kiosk")
        );
    }
}
