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
    /// The account a `user:N` object names (its username), to read it by.
    pub object_user: Option<String>,
}

/// The columns `audit_row` reads, in order.
const ROW_COLUMNS: &str = "seq, at_ms, actor, role, action, object, outcome, device,
    CASE WHEN object GLOB 'user:[0-9]*' AND object NOT LIKE '%/%'
         THEN (SELECT username FROM users WHERE id = CAST(substr(object, 6) AS INTEGER)) END";

/// Which entries the auditor's list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries by this account (a case-insensitive prefix of the username) or about it.
    pub who: Option<String>,
    /// `kind:` for every object of a kind, `kind:id` for one object and its parts
    /// (`answer:3` also finds `answer:3/segment:1`), anything else as a prefix.
    pub object: Option<String>,
    /// Only refusals and failures.
    pub problems_only: bool,
    /// Hide the entry each saved video segment makes (a recording makes dozens).
    pub hide_segments: bool,
}

/// An `AuditRow` from `SELECT {ROW_COLUMNS}`.
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
        object_user: r.get(8)?,
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
        let pattern = object_prefix.map(|p| format!("{}%", like_escaped(p)));
        let rows = self
            .conn
            .prepare(&format!(
                "SELECT {ROW_COLUMNS} FROM audit_log
                 WHERE ?1 IS NULL OR object LIKE ?1 ESCAPE '\\' ORDER BY seq DESC LIMIT ?2"
            ))?
            .query_map(params![pattern, limit.min(1000)], audit_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The auditor's list: the latest entries (newest first, at most `limit` ≤ 1,000) that pass
    /// `filter`, with how many entries of saved video segments it left out.
    pub fn audit_search(
        &mut self,
        session: &Session,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<(Vec<AuditRow>, u64)> {
        self.authorize(session, Action::ViewAudit)?;
        let who =
            filter.who.as_deref().map(str::trim).filter(|w| !w.is_empty()).map(|w| format!("{}%", like_escaped(w)));
        let object = filter.object.as_deref().map(str::trim).filter(|o| !o.is_empty());
        // One object and its parts, or every object of a kind, or a prefix.
        let (exact, under) = match object {
            Some(o) if o.ends_with(':') || !o.contains(':') => (None, Some(format!("{}%", like_escaped(o)))),
            Some(o) => (Some(o.to_owned()), Some(format!("{}/%", like_escaped(o)))),
            None => (None, None),
        };
        let conditions = "(?1 IS NULL OR actor LIKE ?1 ESCAPE '\\'
                  OR object IN (SELECT 'user:' || id FROM users WHERE username LIKE ?1 ESCAPE '\\'))
             AND (?3 IS NULL OR object LIKE ?3 ESCAPE '\\' OR object = ?2)
             AND (?4 = 0 OR outcome <> 'ok')";
        let rows = self
            .conn
            .prepare(&format!(
                "SELECT {ROW_COLUMNS} FROM audit_log WHERE {conditions} AND (?5 = 0 OR action <> 'media.segment')
                 ORDER BY seq DESC LIMIT ?6"
            ))?
            .query_map(
                params![who, exact, under, filter.problems_only, filter.hide_segments, limit.min(1000)],
                audit_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let hidden: i64 = if filter.hide_segments {
            self.conn.query_row(
                &format!("SELECT count(*) FROM audit_log WHERE {conditions} AND action = 'media.segment'"),
                params![who, exact, under, filter.problems_only],
                |r| r.get(0),
            )?
        } else {
            0
        };
        Ok((rows, hidden as u64))
    }

    /// The audit log between two instants (inclusive, oldest first), for the audit export.
    pub fn audit_period(&mut self, session: &Session, from_ms: i64, to_ms: i64) -> Result<Vec<AuditRow>> {
        self.authorize(session, Action::ViewAudit)?;
        let rows = self
            .conn
            .prepare(&format!("SELECT {ROW_COLUMNS} FROM audit_log WHERE at_ms BETWEEN ?1 AND ?2 ORDER BY seq"))?
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

/// `text` for a `LIKE … ESCAPE '\\'` pattern, its wildcards taken literally.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
