//! The auditor's reading of the audit log: the latest entries (filtered) and the chain's state.
//! The vault authorises both (auditors and administrators); anyone else is refused and the
//! attempt itself is audited.

use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{AuditChainDto, AuditEntryDto, IpcError};
use crate::state::{AppState, Mode};

/// The latest audit entries, newest first: those whose object starts with `object` (all when
/// empty), only refusals and failures when `problems_only`; at most `limit` (≤ 1,000).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_entries(
    window: tauri::Window,
    state: State<'_, AppState>,
    object: String,
    problems_only: bool,
    limit: u32,
) -> Result<Vec<AuditEntryDto>, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "audit_entries")?;
    blocking(move || {
        state.with_session(|vault, session| {
            let prefix = Some(object.trim()).filter(|p| !p.is_empty());
            let rows = vault.audit_log(session, prefix, limit.clamp(1, 1000))?;
            Ok(rows
                .into_iter()
                .filter(|r| !problems_only || r.outcome != "ok")
                .map(|r| AuditEntryDto {
                    seq: r.seq as u32,
                    at_ms: r.at_ms as f64,
                    actor: r.actor,
                    role: r.role,
                    action: r.action,
                    object: r.object,
                    outcome: r.outcome,
                    device: r.device,
                })
                .collect())
        })
    })
    .await
}

/// Recomputes the audit chain and its signed checkpoints (the check is itself audited).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_chain(window: tauri::Window, state: State<'_, AppState>) -> Result<AuditChainDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "audit_chain")?;
    blocking(move || {
        state.with_session(|vault, session| match vault.verify_audit(session) {
            Ok(v) => Ok(AuditChainDto {
                intact: true,
                entries: v.entries as u32,
                checkpoints: v.checkpoints as u32,
                head: v.head_hash.iter().take(8).map(|b| format!("{b:02x}")).collect(),
                problem: None,
            }),
            Err(error @ vault::VaultError::AuditBroken { .. }) | Err(error @ vault::VaultError::RolledBack { .. }) => {
                let problem = interview::UserFacing::user_message(&error).into();
                tracing::error!(%error, "audit chain check failed");
                Ok(AuditChainDto {
                    intact: false,
                    entries: 0,
                    checkpoints: 0,
                    head: String::new(),
                    problem: Some(problem),
                })
            }
            Err(error) => Err(ShellError::from(error)),
        })
    })
    .await
}
