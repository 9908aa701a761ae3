//! The audit log as people read it: the auditor's list, a period for the audit export, the
//! chain's head that reports sign, verifying the chain, and recording a refused IPC call.

use interview::{Action, Role};
use rusqlite::params;

use super::{Session, Vault};
use crate::audit::{self, Checkpoint, Outcome};
use crate::error::Result;

/// One audit entry as the auditor reads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
    pub device: String,
}

/// An `AuditRow` from `SELECT seq, at_ms, actor, role, action, object, outcome, device`.
pub(crate) fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at_ms: r.get(1)?,
        actor: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        object: r.get(5)?,
        outcome: r.get(6)?,
        device: r.get(7)?,
    })
}

/// The audit chain's head: the latest entry and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash_hex: String,
}

impl AuditHead {
    /// `#1234 9f86d081884c7d65` — what reports print and sign.
    pub fn label(&self) -> String {
        format!("#{} {}", self.seq, &self.hash_hex[..self.hash_hex.len().min(16)])
    }
}

impl Vault {
    /// Audit entries, newest first, optionally only those whose object starts with `object_prefix`
    /// (e.g. `answer:12` for one answer, with its segments). At most `limit` (≤ 1,000) rows.
    pub fn audit_log(&mut self, session: &Session, object_prefix: Option<&str>, limit: u32) -> Result<Vec<AuditRow>> {
        self.authorize(session, Action::ViewAudit)?;
        let pattern =
            object_prefix.map(|p| format!("{}%", p.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let rows = self
            .conn
            .prepare(
                "SELECT seq, at_ms, actor, role, action, object, outcome, device FROM audit_log
                 WHERE ?1 IS NULL OR object LIKE ?1 ESCAPE '\\' ORDER BY seq DESC LIMIT ?2",
            )?
            .query_map(rusqlite::params![pattern, limit.min(1000)], audit_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The audit log between two instants (inclusive, oldest first), for the audit export.
    pub fn audit_period(&mut self, session: &Session, from_ms: i64, to_ms: i64) -> Result<Vec<AuditRow>> {
        self.authorize(session, Action::ViewAudit)?;
        let rows = self
            .conn
            .prepare(
                "SELECT seq, at_ms, actor, role, action, object, outcome, device FROM audit_log
                 WHERE at_ms BETWEEN ?1 AND ?2 ORDER BY seq",
            )?
            .query_map(params![from_ms, to_ms], audit_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The head of the audit chain now.
    pub fn audit_head(&self) -> Result<AuditHead> {
        let (seq, hash): (i64, Vec<u8>) =
            self.conn.query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(AuditHead { seq, hash_hex: hex::encode(hash) })
    }

    /// Verifies the audit chain and its checkpoints (inside and outside the database).
    pub fn verify_audit(&mut self, session: &Session) -> Result<audit::Verified> {
        self.authorize(session, Action::VerifyAudit)?;
        let outside = Checkpoint::load(&self.paths.checkpoint())?;
        let verified = audit::verify(&self.conn, &self.chain, outside.as_ref());
        let outcome = if verified.is_ok() { Outcome::Ok } else { Outcome::Failed };
        self.audit_only(session, "audit.verify", "audit_log", outcome)?;
        verified
    }

    /// Records that a window asked for something it may not do (a kiosk window calling a staff
    /// command): who was signed in there, if anyone, the window and the command.
    pub fn audit_refused_call(&mut self, session: Option<&Session>, window: &str, command: &str) -> Result<()> {
        let actor = match session {
            Some(session) => Session { device: format!("{}/{window}", session.device), ..session.clone() },
            None => Session::unsigned("-".into(), Role::Kiosk, window.to_owned()),
        };
        self.audit_only(&actor, "ipc.refused", &format!("command:{command}"), Outcome::Denied)
    }
}
