//! Retention: recordings and personal data are kept for a configured period after the hiring
//! decision (default 180 days), then purged by a job that records what it purged.
//!
//! An interview is *closed* when it was reviewed (from its decision), declined (from the
//! refusal) or never taken (from the end of its access code's validity). A candidate whose
//! interviews are all closed for longer than the period is purged: recordings are deleted and
//! their keys shredded, transcripts deleted, free-text evidence and notes cleared, and name,
//! ID hash, last four digits, phone and e-mail erased, and the calendar dates of later outcomes
//! cleared (what happened, and how many days after the decision, stays). Scores, bands,
//! decisions, consents, those outcome numbers and the audit log stay: they hold no personal data
//! once the candidate is anonymous, and the statistics and the audit trail depend on them.

use rusqlite::params;
use serde::Serialize;

use super::{Session, Vault, audit_entry};
use crate::audit::{self, Outcome};
use crate::error::{Result, VaultError};
use crate::files;
use interview::Action;

pub const DEFAULT_RETENTION_DAYS: u32 = 180;
const MIN_DAYS: u32 = 30;
const MAX_DAYS: u32 = 3650;
const DAY_MS: i64 = 86_400_000;
const SETTING: &str = "retention_days";

/// What one run of the retention job purged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub retention_days: u32,
    pub cutoff_ms: i64,
    pub candidates: i64,
    pub interviews: i64,
    pub media_files: i64,
    pub media_bytes: i64,
    pub transcripts: i64,
    /// Media files without a record, older than a day, removed from `media/`.
    pub orphan_files: i64,
}

impl Vault {
    pub fn retention_days(&self) -> Result<u32> {
        let value: Option<String> = rusqlite::OptionalExtension::optional(self.conn.query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SETTING],
            |r| r.get(0),
        ))?;
        match value {
            None => Ok(DEFAULT_RETENTION_DAYS),
            Some(text) => text.parse().map_err(|_| VaultError::Corrupt(format!("setting {SETTING}"))),
        }
    }

    pub fn set_retention_days(&mut self, session: &Session, days: u32) -> Result<()> {
        self.authorize(session, Action::ManageSettings)?;
        if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
            return Err(VaultError::RetentionOutOfRange { days });
        }
        self.write(session, "settings.retention", "settings:retention_days", |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SETTING, days.to_string()],
            )?;
            Ok(())
        })
    }

    /// Runs the retention job on behalf of an administrator.
    pub fn purge_expired(&mut self, session: &Session) -> Result<PurgeReport> {
        self.authorize(session, Action::PurgeRetention)?;
        self.purge(session)
    }

    /// Runs the retention job as the system (the app does this when it opens the vault).
    pub fn run_retention_job(&mut self) -> Result<PurgeReport> {
        let system = self.system_actor();
        self.purge(&system)
    }

    fn purge(&mut self, actor: &Session) -> Result<PurgeReport> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        let now = self.now();
        let days = self.retention_days()?;
        let cutoff = now - i64::from(days) * DAY_MS;
        let mut report = PurgeReport { retention_days: days, cutoff_ms: cutoff, ..PurgeReport::default() };

        let tx = self.conn.transaction()?;
        let candidates: Vec<i64> = tx
            .prepare(
                "SELECT c.id FROM candidates c
                 WHERE c.purged_at IS NULL AND c.created_at < ?1 AND NOT EXISTS (
                   SELECT 1 FROM interviews v JOIN invitations i ON i.id = v.invitation_id
                   WHERE v.candidate_id = c.id AND NOT (
                        (v.state = 'reviewed' AND v.decided_at < ?1)
                     OR (v.state = 'declined' AND v.updated_at < ?1)
                     OR (v.state = 'invited' AND i.valid_until < ?1)
                     -- checked in, then abandoned: nothing happened since, and the code is long
                     -- expired (a completed interview waits for a person's decision instead)
                     OR (v.state IN ('checked_in', 'in_progress') AND v.updated_at < ?1 AND i.valid_until < ?1)))
                 ORDER BY c.id",
            )?
            .query_map([cutoff], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut files = Vec::new();
        for &candidate in &candidates {
            let interviews: i64 =
                tx.query_row("SELECT COUNT(*) FROM interviews WHERE candidate_id = ?1", [candidate], |r| r.get(0))?;
            let of_candidate =
                "SELECT a.id FROM answers a JOIN interviews v ON v.id = a.interview_id WHERE v.candidate_id = ?1";
            let mut stmt = tx.prepare(&format!(
                "SELECT file, plain_size FROM media WHERE purged_at IS NULL AND answer_id IN ({of_candidate})"
            ))?;
            let media: Vec<(String, i64)> =
                stmt.query_map([candidate], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            // Shredding the wrapped key makes any surviving copy of a file unreadable.
            tx.execute(
                &format!("UPDATE media SET purged_at = ?2, wrapped_key = x'' WHERE purged_at IS NULL AND answer_id IN ({of_candidate})"),
                params![candidate, now],
            )?;
            let transcripts =
                tx.execute(&format!("DELETE FROM transcripts WHERE answer_id IN ({of_candidate})"), [candidate])?;
            // What a follow-up asked stays; the transcript it was decided on goes.
            tx.execute(
                &format!("UPDATE answer_follow_ups SET decision_json = NULL WHERE answer_id IN ({of_candidate})"),
                [candidate],
            )?;
            let of_interviews = "SELECT id FROM interviews WHERE candidate_id = ?1";
            tx.execute(
                &format!(
                    "UPDATE scores SET evidence_json = '{{\"purged\":true}}' WHERE interview_id IN ({of_interviews})"
                ),
                [candidate],
            )?;
            tx.execute(
                &format!(
                    "UPDATE flags SET detail_json = '{{\"purged\":true}}' WHERE interview_id IN ({of_interviews})"
                ),
                [candidate],
            )?;
            tx.execute(
                &format!("UPDATE ratings SET note = NULL WHERE interview_id IN ({of_interviews})"),
                [candidate],
            )?;
            // Outcomes stay as anonymous numbers for the validity statistics: what happened and
            // how many days after the decision, no longer the calendar date.
            tx.execute("UPDATE outcomes SET day = NULL WHERE candidate_id = ?1", [candidate])?;
            // The résumé goes; which personalised questions were asked stays, without the
            // reasons (they quote the résumé).
            tx.execute("DELETE FROM candidate_resumes WHERE candidate_id = ?1", [candidate])?;
            tx.execute(
                &format!("UPDATE interview_questions SET reasons_json = NULL WHERE interview_id IN ({of_interviews})"),
                [candidate],
            )?;
            tx.execute(
                "UPDATE candidates SET name = '', id_hash = NULL, id_last4 = NULL, phone = NULL, email = NULL, purged_at = ?2 WHERE id = ?1",
                params![candidate, now],
            )?;
            audit::append(
                &tx,
                &self.chain,
                now,
                &audit_entry(actor, "candidate.purge", &format!("candidate:{candidate}"), Outcome::Ok),
            )?;
            report.candidates += 1;
            report.interviews += interviews;
            report.media_files += media.len() as i64;
            report.media_bytes += media.iter().map(|(_, size)| size).sum::<i64>();
            report.transcripts += transcripts as i64;
            files.extend(media.into_iter().map(|(file, _)| file));
        }
        tx.execute(
            "INSERT INTO retention_runs (at_ms, actor, retention_days, cutoff_ms, candidates, interviews, media_files, media_bytes, transcripts, candidate_ids)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                now,
                actor.username,
                days,
                cutoff,
                report.candidates,
                report.interviews,
                report.media_files,
                report.media_bytes,
                report.transcripts,
                serde_json::to_string(&candidates).unwrap_or_default()
            ],
        )?;
        let run = tx.last_insert_rowid();
        let (seq, hash) = audit::append(
            &tx,
            &self.chain,
            now,
            &audit_entry(actor, "retention.run", &format!("retention_run:{run}"), Outcome::Ok),
        )?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &hash, now);

        // After the commit: the records no longer lead to these files, and their keys are gone.
        // Files of records purged by an earlier run that crashed before deleting are included.
        let mut leftover = self.conn.prepare("SELECT file FROM media WHERE purged_at IS NOT NULL")?;
        let purged: Vec<String> = leftover.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        drop(leftover);
        let dir = self.paths.media();
        for file in purged {
            let path = dir.join(&file);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(VaultError::io(path)(e)),
            }
        }
        for orphan in self.orphan_media_files(Some(now - DAY_MS))? {
            std::fs::remove_file(&orphan).map_err(VaultError::io(&orphan))?;
            report.orphan_files += 1;
        }
        files::sync_dir(&dir)?;
        tracing::info!(
            candidates = report.candidates,
            media = report.media_files,
            orphans = report.orphan_files,
            "retention job ran"
        );
        Ok(report)
    }
}
