/// Every IPC command, by name, with the window that may call it. `build.rs` turns each into an
/// `allow-<name>` permission; a test checks this list against the commands registered with
/// tauri-specta and against the capability files, so the three cannot drift.
pub const COMMANDS: &[(&str, WindowKind)] = &[
    ("app_status", WindowKind::Both),
    ("staff_sign_in", WindowKind::Staff),
    ("staff_sign_out", WindowKind::Staff),
    ("verify_report", WindowKind::Staff),
    ("audit_entries", WindowKind::Staff),
    ("audit_chain", WindowKind::Staff),
    ("staff_whoami", WindowKind::Staff),
    ("setup_create_vault", WindowKind::Staff),
    ("setup_confirm_recovery", WindowKind::Staff),
    ("settings_get", WindowKind::Staff),
    ("settings_organisation", WindowKind::Staff),
    ("settings_retention", WindowKind::Staff),
    ("settings_signing_generate", WindowKind::Staff),
    ("settings_signing_import", WindowKind::Staff),
    ("admin_users", WindowKind::Staff),
    ("admin_create_user", WindowKind::Staff),
    ("admin_disable_user", WindowKind::Staff),
    ("admin_reset_password", WindowKind::Staff),
    ("admin_devices", WindowKind::Staff),
    ("admin_choose_devices", WindowKind::Staff),
    ("admin_test_devices", WindowKind::Staff),
    ("kiosk_status", WindowKind::Kiosk),
    ("kiosk_sign_in", WindowKind::Kiosk),
    ("kiosk_watch", WindowKind::Kiosk),
    ("kiosk_check_code", WindowKind::Kiosk),
    ("kiosk_check_in", WindowKind::Kiosk),
    ("kiosk_consent", WindowKind::Kiosk),
    ("kiosk_start_devices", WindowKind::Kiosk),
    ("kiosk_practice", WindowKind::Kiosk),
    ("kiosk_question", WindowKind::Kiosk),
    ("kiosk_ready", WindowKind::Kiosk),
    ("kiosk_finish", WindowKind::Kiosk),
    ("kiosk_complete", WindowKind::Kiosk),
    ("kiosk_leave", WindowKind::Kiosk),
    ("kiosk_exit", WindowKind::Kiosk),
];

/// Which window's capability grants a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    Staff,
    Kiosk,
    Both,
}
