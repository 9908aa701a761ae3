//! The auditor's reading of the audit log: the latest entries (filtered) and the chain's state.
//! The vault authorises both (auditors and administrators); anyone else is refused and the
//! attempt itself is audited.

use interview::{Role, audit_words};
use tauri::State;

use super::blocking;
use super::guard::require;
use crate::error::ShellError;
use crate::ipc::{AuditChainDto, AuditEntryDto, AuditListDto, AuditQueryDto, IpcError, Text};
use crate::state::{AppState, Mode};

/// The latest audit entries that match `query`, newest first, at most `limit` (≤ 1,000), in
/// people's words beside the recorded codes.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_entries<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    query: AuditQueryDto,
    limit: u32,
) -> Result<AuditListDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "audit_entries")?;
    blocking(move || {
        state.with_session(|vault, session| {
            let filter = vault::AuditFilter {
                who: Some(query.who),
                object: Some(query.object),
                problems_only: query.problems_only,
                hide_segments: !query.show_segments,
            };
            let (rows, hidden) = vault.audit_search(session, &filter, limit.clamp(1, 1000))?;
            let entries = rows
                .into_iter()
                .map(|r| AuditEntryDto {
                    seq: r.seq as u32,
                    at_ms: r.at_ms as f64,
                    role: Role::parse(&r.role),
                    action_text: audit_words::action_words(&r.action).map(Text::from),
                    object_text: audit_words::object_words(&r.object, r.object_user.as_deref()).into(),
                    actor: r.actor,
                    action: r.action,
                    object: r.object,
                    outcome: r.outcome,
                    device: r.device,
                })
                .collect();
            Ok(AuditListDto { entries, hidden_segments: hidden.min(u32::MAX as u64) as u32 })
        })
    })
    .await
}

/// Recomputes the audit chain and its signed checkpoints (the check is itself audited).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_chain<R: tauri::Runtime>(
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> Result<AuditChainDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Staff, "audit_chain")?;
    blocking(move || {
        state.with_session(|vault, session| match vault.verify_audit(session) {
            Ok(v) => Ok(AuditChainDto {
                intact: true,
                entries: v.entries as u32,
                checkpoints: v.checkpoints as u32,
                checkpoint_every: vault::audit::CHECKPOINT_EVERY as u32,
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
                    checkpoint_every: vault::audit::CHECKPOINT_EVERY as u32,
                    head: String::new(),
                    problem: Some(problem),
                })
            }
            Err(error) => Err(ShellError::from(error)),
        })
    })
    .await
}
