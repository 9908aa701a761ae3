/// Every IPC command, by name. `build.rs` turns each into an `allow-<name>` permission for the
/// capability files; a test checks this list against the commands registered with
/// tauri-specta, so the two cannot drift.
pub const COMMAND_NAMES: &[&str] = &["app_status", "staff_sign_in", "staff_sign_out", "verify_report"];
