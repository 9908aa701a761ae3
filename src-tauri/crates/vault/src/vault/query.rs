//! The clerk's candidate list: filtered by job, name prefix and interview status, sorted by
//! name, a page at a time. The SQL is built from the filters that are present (values are
//! always bound, never spliced), so that SQLite can use the `(job_id, name)` and `(name)`
//! indexes and stop after one page.

use interview::{Action, InterviewState};
use rusqlite::types::Value;
use serde::Serialize;

use super::{Session, Vault};
use crate::error::{Result, VaultError};

/// The largest page a caller may ask for.
pub const MAX_PAGE: u32 = 200;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CandidateFilter {
    pub job_id: Option<i64>,
    /// Matches names that start with this text (case-sensitive, as names are written).
    pub name_prefix: Option<String>,
    /// The state of the candidate's latest interview.
    pub state: Option<InterviewState>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateRow {
    pub id: i64,
    pub job_id: i64,
    pub name: String,
    pub id_last4: Option<String>,
    pub state: Option<InterviewState>,
    pub created_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidatePage {
    pub rows: Vec<CandidateRow>,
    pub has_more: bool,
}

impl Vault {
    /// One page of candidates (purged ones are not listed).
    pub fn list_candidates(&mut self, session: &Session, filter: &CandidateFilter) -> Result<CandidatePage> {
        self.authorize(session, Action::ViewCandidates)?;
        self.query_candidates(filter)
    }

    pub(crate) fn query_candidates(&self, filter: &CandidateFilter) -> Result<CandidatePage> {
        let limit = filter.limit.clamp(1, MAX_PAGE);
        let mut values: Vec<Value> = Vec::new();
        // Filtered by state, the few candidates in that state drive the query (through the
        // state index) and are then sorted; unfiltered, the name index gives the order and the
        // first page is read without sorting. Scanning 100,000 names for a rare state took
        // ~100 ms (tests/benches/workspace.rs).
        let mut sql = match filter.state {
            Some(state) => {
                values.push(Value::Text(state.as_str().to_owned()));
                String::from(
                    "SELECT c.id, c.job_id, c.name, c.id_last4, v.state, c.created_at
                     FROM (SELECT DISTINCT candidate_id FROM interviews WHERE state = ?1) s
                     CROSS JOIN candidates c ON c.id = s.candidate_id
                     JOIN interviews v ON v.id = (SELECT MAX(id) FROM interviews WHERE candidate_id = c.id)
                     WHERE c.purged_at IS NULL AND v.state = ?1",
                )
            }
            None => String::from(
                "SELECT c.id, c.job_id, c.name, c.id_last4, v.state, c.created_at
                 FROM candidates c
                 LEFT JOIN interviews v ON v.id = (SELECT MAX(id) FROM interviews WHERE candidate_id = c.id)
                 WHERE c.purged_at IS NULL",
            ),
        };
        if let Some(job) = filter.job_id {
            values.push(Value::Integer(job));
            sql += &format!(" AND c.job_id = ?{}", values.len());
        }
        if let Some(prefix) = filter.name_prefix.as_deref().filter(|p| !p.is_empty()) {
            // Every name starting with `prefix` sorts between it and prefix + U+10FFFF.
            values.push(Value::Text(prefix.to_owned()));
            sql += &format!(" AND c.name >= ?{}", values.len());
            values.push(Value::Text(format!("{prefix}\u{10FFFF}")));
            sql += &format!(" AND c.name < ?{}", values.len());
        }
        values.push(Value::Integer(i64::from(limit) + 1));
        sql += &format!(" ORDER BY c.name, c.id LIMIT ?{}", values.len());
        values.push(Value::Integer(i64::from(filter.offset)));
        sql += &format!(" OFFSET ?{}", values.len());

        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok((
                    CandidateRow {
                        id: r.get(0)?,
                        job_id: r.get(1)?,
                        name: r.get(2)?,
                        id_last4: r.get(3)?,
                        state: None,
                        created_at_ms: r.get(5)?,
                    },
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .map(|row| {
                let (mut row, state) = row?;
                row.state = match state {
                    None => None,
                    Some(s) => Some(
                        InterviewState::parse(&s)
                            .ok_or_else(|| VaultError::Corrupt(format!("state of candidate {}", row.id)))?,
                    ),
                };
                Ok(row)
            })
            .collect::<Result<Vec<_>>>()?;
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok(CandidatePage { rows, has_more })
    }
}

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
