//! Candidates: adding one or importing many (an ID number is kept only as a keyed hash and its
//! last four characters), checking which ID numbers a job already has, and the clerk's paged list.
//!
//! The list's SQL is built from the filters that are present (values are always bound, never
//! spliced), so that SQLite can use the `(job_id, name)` and `(name)` indexes and stop after one
//! page.

use interview::resume::{ResumeFacts, ResumeSource};
use interview::{Action, InterviewState, check_resident_id};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Session, Vault, audit_entry, keyed_hash, next_id};
use crate::audit::{self, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::SecretKey;

#[derive(Clone, Debug)]
pub struct NewCandidate {
    pub job_id: i64,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A label for fairness statistics (e.g. an intake batch); never personal data.
    pub group: Option<String>,
}

/// The stored form of a candidate's ID number.
struct CandidateColumns {
    id_hash: Option<Vec<u8>>,
    last4: Option<String>,
}

fn insert_candidate(tx: &Transaction<'_>, id: i64, c: &NewCandidate, row: &CandidateColumns, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO candidates (id, job_id, name, id_hash, id_last4, phone, email, group_label, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, c.job_id, c.name.trim(), row.id_hash, row.last4, given(&c.phone), given(&c.email), c.group, now],
    )?;
    Ok(())
}

/// An optional field as stored: trimmed, and absent when blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Whether an ID number already belongs to a candidate of a job (see [`Vault::id_lookup`]).
pub struct IdLookup {
    key: SecretKey,
    hashes: std::collections::HashSet<Vec<u8>>,
}

impl std::fmt::Debug for IdLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdLookup").field("known", &self.hashes.len()).finish_non_exhaustive()
    }
}

impl IdLookup {
    /// `id_number` normalised (trimmed, upper case) as the vault stores it.
    pub fn contains(&self, id_number: &str) -> bool {
        self.hashes.contains(&keyed_hash(&self.key, &id_number.trim().to_ascii_uppercase()))
    }
}

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
    /// Adds a candidate. A resident ID number is checked, then stored only as a keyed hash
    /// and its last four characters.
    pub fn add_candidate(&mut self, session: &Session, c: NewCandidate) -> Result<i64> {
        self.authorize(session, Action::ManageCandidates)?;
        self.add_candidate_as(session, c)
    }

    /// Adds a candidate with a clerk's résumé facts in one transaction: both, or (any refusal)
    /// neither.
    pub fn add_candidate_with_resume(
        &mut self,
        session: &Session,
        c: NewCandidate,
        resume: ResumeFacts,
    ) -> Result<i64> {
        self.authorize(session, Action::ManageCandidates)?;
        let facts = resume.normalised()?;
        let now = self.now();
        let by = session.api_token_id.is_none().then_some(session.user_id);
        self.add_candidate_then(session, c, |tx, id| {
            super::resumes::write_resume(tx, id, &facts, ResumeSource::Clerk, now, by)
        })
    }

    /// The same for an actor already authorised.
    pub(crate) fn add_candidate_as(&mut self, session: &Session, c: NewCandidate) -> Result<i64> {
        self.add_candidate_then(session, c, |_, _| Ok(()))
    }

    /// [`Vault::add_candidate_as`], running `then` with the new id inside the same transaction.
    pub(crate) fn add_candidate_then(
        &mut self,
        session: &Session,
        c: NewCandidate,
        then: impl FnOnce(&Transaction<'_>, i64) -> Result<()>,
    ) -> Result<i64> {
        let job: Option<i64> =
            self.conn.query_row("SELECT id FROM jobs WHERE id = ?1", [c.job_id], |r| r.get(0)).optional()?;
        if job.is_none() {
            return Err(VaultError::NoSuchObject { what: "job", id: c.job_id });
        }
        let row = self.candidate_row(&c)?;
        let now = self.now();
        self.write_naming(session, "candidate.create", |tx| {
            let next = next_id(tx, "candidates")?;
            insert_candidate(tx, next, &c, &row, now)?;
            then(tx, next)?;
            Ok((format!("candidate:{next}"), next))
        })
    }

    /// Imports candidates in **one transaction** with one audit entry each: either all of them
    /// are added or, on any error, none.
    pub fn import_candidates(
        &mut self,
        session: &Session,
        job_id: i64,
        candidates: &[NewCandidate],
    ) -> Result<Vec<i64>> {
        self.import_candidates_with_resumes(session, job_id, candidates, &[])
    }

    /// [`Vault::import_candidates`] with résumé facts: `resumes[i]` belongs to `candidates[i]`
    /// (none for candidates past the end of `resumes`), stored in the same transaction.
    pub fn import_candidates_with_resumes(
        &mut self,
        session: &Session,
        job_id: i64,
        candidates: &[NewCandidate],
        resumes: &[Option<ResumeFacts>],
    ) -> Result<Vec<i64>> {
        self.import_candidates_inner(session, job_id, candidates, resumes)
            .map_err(|error| error.on_disk_of(&self.paths.dir))
    }

    fn import_candidates_inner(
        &mut self,
        session: &Session,
        job_id: i64,
        candidates: &[NewCandidate],
        resumes: &[Option<ResumeFacts>],
    ) -> Result<Vec<i64>> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        self.authorize(session, Action::ManageCandidates)?;
        self.job_info(job_id)?;
        let rows = candidates.iter().map(|c| self.candidate_row(c)).collect::<Result<Vec<_>>>()?;
        let resumes = resumes
            .iter()
            .map(|r| r.clone().map(ResumeFacts::normalised).transpose())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let first = next_id(&tx, "candidates")?;
        let mut ids = Vec::with_capacity(candidates.len());
        for (offset, (c, row)) in candidates.iter().zip(&rows).enumerate() {
            let id = first + offset as i64;
            insert_candidate(&tx, id, &NewCandidate { job_id, ..c.clone() }, row, now)?;
            if let Some(Some(facts)) = resumes.get(offset) {
                super::resumes::write_resume(&tx, id, facts, ResumeSource::Import, now, None)?;
            }
            audit::append(
                &tx,
                &self.chain,
                now,
                &audit_entry(session, "candidate.create", &format!("candidate:{id}"), Outcome::Ok),
            )?;
            ids.push(id);
        }
        let (seq, head) = audit::append(
            &tx,
            &self.chain,
            now,
            &audit_entry(session, "candidate.import", &format!("job:{job_id}"), Outcome::Ok),
        )?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(ids)
    }

    /// Which ID numbers already belong to candidates of a job (checked by keyed hash, so the
    /// numbers themselves are never read back).
    pub fn id_lookup(&mut self, session: &Session, job_id: i64) -> Result<IdLookup> {
        self.authorize(session, Action::ManageCandidates)?;
        let hashes = self
            .conn
            .prepare("SELECT id_hash FROM candidates WHERE job_id = ?1 AND id_hash IS NOT NULL")?
            .query_map([job_id], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<std::collections::HashSet<_>>>()?;
        Ok(IdLookup { key: self.lookup_key.derive("id"), hashes })
    }

    /// Checks a new candidate against the rules every way in shares (name, phone, e-mail, ID
    /// number; a second candidate of the job with the same ID number is refused) and computes the
    /// stored ID columns.
    fn candidate_row(&self, c: &NewCandidate) -> Result<CandidateColumns> {
        interview::check_candidate_name(&c.name)?;
        if let Some(phone) = given(&c.phone) {
            interview::check_phone(phone)?;
        }
        if let Some(email) = given(&c.email) {
            interview::check_email(email)?;
        }
        let row = self.id_columns(c)?;
        if let Some(hash) = &row.id_hash {
            let taken: Option<i64> = self
                .conn
                .query_row(
                    "SELECT 1 FROM candidates WHERE job_id = ?1 AND id_hash = ?2",
                    params![c.job_id, hash],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(VaultError::DuplicateCandidate);
            }
        }
        Ok(row)
    }

    fn id_columns(&self, c: &NewCandidate) -> Result<CandidateColumns> {
        Ok(match c.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                check_resident_id(id)?;
                let upper = id.to_ascii_uppercase();
                CandidateColumns {
                    id_hash: Some(self.lookup_hash("id", &upper)),
                    last4: Some(upper[upper.len() - 4..].to_owned()),
                }
            }
            None => CandidateColumns { id_hash: None, last4: None },
        })
    }

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
