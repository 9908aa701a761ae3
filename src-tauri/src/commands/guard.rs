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
pub fn require(state: &AppState, window: &tauri::Window, mode: Mode, command: &'static str) -> Result<(), ShellError> {
    let label = window.label();
    let expected = match mode {
        Mode::Staff => STAFF_WINDOW,
        Mode::Kiosk => KIOSK_WINDOW,
    };
    if label == expected {
        return Ok(());
    }
    tracing::warn!(window = label, command, "command refused for this window");
    if let Ok(mut guard) = state.staff.lock()
        && let Some(staff) = guard.as_mut()
        && let Err(error) = staff.vault.audit_refused_call(staff.session.as_ref(), label, command)
    {
        tracing::error!(%error, "the refusal could not be audited");
    }
    Err(ShellError::WrongWindow { command })
}
