//! The shell of Interview Kiosk: the one crate that knows Tauri.
//!
//! It turns the domain crates into a desktop app and a command line. It stays thin: parse the
//! command line or the IPC call, call the domain, convert the result for the caller. Domain
//! rules do not live here.
//!
//! - [`cli`]: the `interview-kiosk` command line; with no subcommand it opens the desktop app.
//! - [`commands`]: the IPC commands, in one list that feeds both the invoke handler and the
//!   generated TypeScript bindings.
//! - [`ipc`]: the types that cross IPC (never the domain types themselves).
//! - [`demo`]: the headless end-to-end demo behind `make demo`.
//! - `score_cli`: `score-file`, one recorded answer against a rubric.

mod api_cli;
mod app;
mod cli;
pub mod commands;
mod demo;
mod demo_history;
mod devices_cli;
mod error;
mod eval_cli;
mod hosted;
mod import_cli;
pub mod ipc;
mod kiosk;
mod logging;
mod media_protocol;
mod office_cli;
mod office_demo;
mod report_cli;
mod score_cli;
mod selftest;
mod staff_cli;
mod state;
mod validity_cli;
mod vault_cli;
mod window_watch;
mod workstation;

/// The in-memory credential store the unit tests' vaults keep their keys in: one for the whole
/// test binary (the store is process-wide; a test replacing it would take the key of a vault
/// another test running beside it had just created).
#[cfg(test)]
fn use_test_credential_store() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

/// The process's entry point (`src/main.rs` calls nothing else): it makes sure the process
/// started with the environment the libraries must read (see `cli::ensure_environment`).
pub use cli::main;
