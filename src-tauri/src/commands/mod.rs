//! The IPC commands. [`specta_builder`] is the single list of commands: it feeds the invoke
//! handler and the generated TypeScript bindings, and `names.rs` (which `build.rs` turns into
//! capability permissions) is checked against it by a test.

mod admin;
mod app;
mod audit;
mod clerk;
pub mod exports;
pub mod guard;
mod import;
mod kiosk;
mod office;
mod personalise;
mod review;
mod setup;
mod staff;
mod validity;

include!("names.rs");

/// Where the generated bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/shared/bindings.ts";

/// The one list of commands, handed to `$then!` with the runtime: the staff window's (generic
/// over the runtime, so that a hub can run them for a staff workstation: see `hosted`) and the
/// kiosk window's.
macro_rules! with_command_list {
    ($then:ident, $rt:path) => {
        $then!(
            $rt,
            staff: [
                app::app_status,
                app::workstation_link,
                staff::staff_sign_in,
                staff::staff_sign_out,
                staff::verify_report,
                audit::audit_entries,
                audit::audit_chain,
                setup::staff_whoami,
                setup::setup_create_vault,
                setup::print_page,
                setup::setup_confirm_recovery,
                setup::setup_enrol_station,
                setup::settings_get,
                setup::settings_organisation,
                setup::settings_retention,
                setup::settings_recognition_models,
                setup::settings_signing_generate,
                setup::settings_signing_import,
                admin::admin_users,
                admin::admin_create_user,
                admin::admin_disable_user,
                admin::admin_reset_password,
                admin::admin_devices,
                admin::admin_choose_devices,
                admin::admin_test_devices,
                office::admin_office,
                office::admin_enrolment_code,
                office::admin_rename_station,
                office::admin_revoke_station,
                clerk::clerk_jobs,
                clerk::clerk_create_job,
                clerk::clerk_questions,
                clerk::clerk_save_question,
                clerk::clerk_try_rubric,
                clerk::clerk_candidates,
                clerk::clerk_add_candidate,
                clerk::clerk_invite,
                clerk::clerk_status,
                import::clerk_import_preview,
                import::clerk_import,
                validity::outcomes_preview,
                validity::outcomes_import,
                validity::validity_review,
                validity::validity_apply,
                personalise::resume_get,
                personalise::resume_save,
                personalise::resume_attach,
                personalise::personalisation_get,
                personalise::question_condition_save,
                personalise::personalised_max_save,
                personalise::interview_personalised,
                personalise::personalised_remove,
                review::review_open,
                review::review_of_candidate,
                review::review_playlist,
                review::review_rate,
                review::review_decide,
                review::review_flag,
                review::review_request_rater,
                review::review_requests,
                exports::staff_reauth,
                exports::export_candidate_report,
                exports::export_job_reports,
                exports::export_audit_log,
                exports::open_export
            ],
            kiosk: [
                kiosk::kiosk_status,
                kiosk::kiosk_sign_in,
                kiosk::kiosk_watch,
                kiosk::kiosk_check_code,
                kiosk::kiosk_check_in,
                kiosk::kiosk_consent,
                kiosk::kiosk_start_devices,
                kiosk::kiosk_practice,
                kiosk::kiosk_question,
                kiosk::kiosk_ready,
                kiosk::kiosk_finish,
                kiosk::kiosk_complete,
                kiosk::kiosk_leave,
                kiosk::kiosk_exit,
                kiosk::kiosk_resume
            ]
        )
    };
}

/// Every command, for the desktop app and the bindings.
macro_rules! every_command {
    ($rt:path, staff: [$($s:ident :: $sf:ident),*], kiosk: [$($k:ident :: $kf:ident),*]) => {
        tauri_specta::collect_commands![$($s::$sf::<$rt>,)* $($k::$kf),*]
    };
}

/// The staff window's commands only, for a hub running them for its workstations.
macro_rules! staff_commands {
    ($rt:path, staff: [$($s:ident :: $sf:ident),*], kiosk: [$($k:ident :: $kf:ident),*]) => {
        tauri_specta::collect_commands![$($s::$sf::<$rt>),*]
    };
}

/// The commands of both windows, for the desktop app (and the generated bindings).
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(with_command_list!(every_command, tauri::Wry))
        // The largest file `verify_report` takes: the page refuses a bigger one before reading it.
        .constant("MAX_REPORT_BYTES", report::MAX_REPORT_BYTES)
}

/// The staff window's commands on a runtime without windows: how a hub runs a workstation's
/// calls (the same code, guards and audit as in its own staff window).
pub fn hosted_builder() -> tauri_specta::Builder<tauri::test::MockRuntime> {
    tauri_specta::Builder::<tauri::test::MockRuntime>::new()
        .commands(with_command_list!(staff_commands, tauri::test::MockRuntime))
}

/// Where `command` runs at a staff workstation; `None` for a name not in the list.
pub fn runs(command: &str) -> Option<(WindowKind, Runs)> {
    COMMANDS.iter().find(|(name, _, _)| *name == command).map(|(_, kind, runs)| (*kind, *runs))
}

/// Runs `f` on the blocking pool (vault work, device work) and turns its error into the
/// page's sentence.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::error::ShellError> + Send + 'static,
) -> Result<T, crate::ipc::IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|join| crate::error::ShellError::Internal(join.to_string()))?
        .map_err(crate::ipc::IpcError::from)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Renders the TypeScript bindings for the commands and every type they use.
    fn render_bindings() -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bindings.ts");
        specta_builder()
            .export(
                specta_typescript::Typescript::default()
                    .header("// GENERATED by `make bindings` from src-tauri/src/commands — do not edit.\n"),
                &path,
            )
            .unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    /// rust-analyzer's `ensure_file_contents`: a stale file is rewritten and the test fails, so
    /// CI catches a forgotten `make bindings` and a local run fixes it.
    #[test]
    fn bindings_are_fresh() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let fresh = render_bindings();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            std::fs::write(&path, &fresh).unwrap();
            panic!("{} was stale and has been regenerated: review and commit it", path.display());
        }
    }

    #[test]
    fn capability_names_match_the_command_list() {
        let bindings = render_bindings();
        let registered: BTreeSet<&str> =
            bindings.split("TAURI_INVOKE(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        let named: BTreeSet<&str> = COMMANDS.iter().map(|(name, _, _)| *name).collect();
        assert!(!registered.is_empty(), "no commands found in the generated bindings");
        assert_eq!(registered, named, "src/commands/names.rs and specta_builder() disagree");
    }

    /// Each capability file grants exactly the commands names.rs gives its window: the kiosk
    /// window nothing of the staff's, the staff window nothing of the kiosk's.
    #[test]
    fn capability_files_grant_each_window_its_commands_only() {
        for (file, window) in [("main.json", WindowKind::Staff), ("kiosk.json", WindowKind::Kiosk)] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities").join(file);
            let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let granted: BTreeSet<String> =
                json["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect();
            let expected: BTreeSet<String> = COMMANDS
                .iter()
                .filter(|(_, kind, _)| *kind == window || *kind == WindowKind::Both)
                .map(|(name, _, _)| format!("allow-{}", name.replace('_', "-")))
                .collect();
            assert_eq!(granted, expected, "{file} does not match src/commands/names.rs");
        }
    }
}
