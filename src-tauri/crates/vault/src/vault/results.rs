//! Scoring and its results: what scoring reads from the vault (an interview's answers with their
//! frozen rubric versions and recordings) and writes back (transcripts, scores with their evidence
//! and model versions, flags) in the stored shapes of `interview::stored`, so the vault does not
//! depend on the scoring crate; the scoring queue; and the result export.

use interview::stored::{StoredDelivery, StoredLine};
use interview::{Action, Band, FlagKind, InterviewEvent, Lang, RecognitionModels};
use rusqlite::{OptionalExtension, params};

use super::{Session, Vault};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

const RECOGNITION_MODELS: &str = "recognition_models";

impl Vault {
    /// The recognition models that score this vault's answers (int8 unless an administrator
    /// chose the float ones). Read by the scoring worker before each job and by the hub for the
    /// work it leases.
    pub fn recognition_models(&self) -> Result<RecognitionModels> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [RECOGNITION_MODELS], |r| r.get(0))
            .optional()?;
        match value {
            None => Ok(RecognitionModels::default()),
            Some(text) => RecognitionModels::parse(&text)
                .ok_or_else(|| VaultError::Corrupt(format!("setting {RECOGNITION_MODELS}"))),
        }
    }

    /// An administrator's choice of recognition models; answers scored from now on use them
    /// (scores already made keep theirs, named in their model versions). Audited.
    pub fn set_recognition_models(&mut self, session: &Session, models: RecognitionModels) -> Result<()> {
        self.authorize(session, Action::ManageSettings)?;
        let target = format!("settings:{RECOGNITION_MODELS}={models}");
        self.write(session, "settings.recognition_models", &target, |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![RECOGNITION_MODELS, models.as_str()],
            )?;
            Ok(())
        })
    }
}

/// One committed answer of an interview, as scoring needs it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerInfo {
    pub answer_id: i64,
    pub question_id: i64,
    pub question_version_id: i64,
    pub rubric_version: i64,
    pub question_text: String,
    pub rubric_json: String,
    /// The 16 kHz audio of the answer (one WAV file per segment), in segment order.
    pub audio_media: Vec<i64>,
    /// The proctoring stills, each with where it was taken in the answer (ms).
    pub still_media: Vec<(i64, i64)>,
    /// The follow-ups asked after the answer, each with where its recording starts in
    /// `audio_media` (the answer itself is what comes before the first).
    #[serde(default)]
    pub follow_ups: Vec<super::AnswerFollowUp>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewTranscript {
    pub answer_id: i64,
    /// The language the answer was transcribed as (the job's).
    pub language: Lang,
    pub lines: Vec<StoredLine>,
    /// The delivery metrics (speaking time, rate, pauses, fillers); shown in reports.
    pub delivery: Option<StoredDelivery>,
}

/// A score row: per answer and dimension (`answer_id` and `dimension` set), or the interview's
/// total (both `None`, with `total` and `band`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewScore {
    pub answer_id: Option<i64>,
    pub dimension: Option<String>,
    pub level: Option<f64>,
    pub total: Option<f64>,
    pub band: Option<Band>,
    /// An answer's row: its [`StoredScore`] as JSON. The total's row: the aggregation's detail.
    pub evidence_json: String,
    pub rubric_version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewFlag {
    pub answer_id: Option<i64>,
    pub kind: FlagKind,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub detail_json: String,
}

/// A complete scoring of one interview, recorded in one transaction.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScoringRecord {
    pub model_versions: String,
    pub transcripts: Vec<NewTranscript>,
    pub scores: Vec<NewScore>,
    pub flags: Vec<NewFlag>,
}

/// A vocabulary value read back from its column (band, state, flag kind…). The vault wrote
/// it through the same type; anything else means the file was changed outside this program,
/// and is refused with the row named, never read as a default.
pub(crate) fn stored<T>(text: &str, parse: impl Fn(&str) -> Option<T>, what: impl FnOnce() -> String) -> Result<T> {
    parse(text).ok_or_else(|| VaultError::Corrupt(what()))
}

/// [`stored`] for a column that may be empty.
pub(crate) fn stored_opt<T>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    what: impl FnOnce() -> String,
) -> Result<Option<T>> {
    text.map(|t| stored(t, parse, what)).transpose()
}

impl Vault {
    /// The committed answers of an interview, in question order, with their frozen rubrics.
    pub fn interview_answers(&mut self, session: &Session, interview_id: i64) -> Result<(i64, Vec<AnswerInfo>)> {
        self.authorize(session, Action::ViewInterviews)?;
        self.answers_of(interview_id)
    }

    /// The same for the system's scoring job.
    pub fn interview_answers_for_scoring(&self, interview_id: i64) -> Result<(i64, Vec<AnswerInfo>)> {
        self.answers_of(interview_id)
    }

    pub(crate) fn answers_of(&self, interview_id: i64) -> Result<(i64, Vec<AnswerInfo>)> {
        let job_id: i64 = self
            .conn
            .query_row("SELECT job_id FROM interviews WHERE id = ?1", [interview_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        let mut answers: Vec<AnswerInfo> = self
            .conn
            .prepare(
                "SELECT a.id, q.id, qv.id, qv.version, qv.text, qv.rubric_json
                 FROM answers a JOIN question_versions qv ON qv.id = a.question_version_id
                 JOIN questions q ON q.id = qv.question_id
                 WHERE a.interview_id = ?1 AND a.state = 'committed' AND a.practice = 0
                 ORDER BY q.position, a.attempt DESC",
            )?
            .query_map([interview_id], |r| {
                Ok(AnswerInfo {
                    answer_id: r.get(0)?,
                    question_id: r.get(1)?,
                    question_version_id: r.get(2)?,
                    rubric_version: r.get(3)?,
                    question_text: r.get(4)?,
                    rubric_json: r.get(5)?,
                    audio_media: Vec::new(),
                    still_media: Vec::new(),
                    follow_ups: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Only the last committed attempt of each question counts.
        let mut seen = std::collections::HashSet::new();
        answers.retain(|a| seen.insert(a.question_id));
        let mut audio = self.conn.prepare(
            "SELECT id, COALESCE(segment, 0) FROM media WHERE answer_id = ?1 AND kind = 'audio' AND COALESCE(format, 'wav/16k') = 'wav/16k'
             AND purged_at IS NULL ORDER BY seq",
        )?;
        let mut stills = self.conn.prepare(
            "SELECT id, COALESCE(offset_ms, 0) FROM media WHERE answer_id = ?1 AND kind = 'still' AND purged_at IS NULL ORDER BY seq",
        )?;
        for answer in &mut answers {
            let rows: Vec<(i64, u32)> = audio
                .query_map([answer.answer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let segments: Vec<u32> = rows.iter().map(|(_, s)| *s).collect();
            answer.follow_ups = self.asked_follow_ups(answer.answer_id, &segments)?;
            answer.audio_media = rows.into_iter().map(|(id, _)| id).collect();
            answer.still_media = stills
                .query_map([answer.answer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok((job_id, answers))
    }

    /// Records a complete scoring of a completed interview (by the scoring job, as the system):
    /// earlier scores are superseded, never deleted, and the interview moves to "scored" — all
    /// in one transaction with its audit entry.
    pub fn record_scoring(&mut self, interview_id: i64, record: &ScoringRecord) -> Result<()> {
        let system = self.system_actor();
        self.store_scoring(&system, interview_id, record, InterviewEvent::Score)
    }

    fn store_scoring(
        &mut self,
        actor: &Session,
        interview_id: i64,
        record: &ScoringRecord,
        event: InterviewEvent,
    ) -> Result<()> {
        let now = self.now();
        let to = self.interview_state(interview_id)?.apply(event)?;
        let dimension_ids = self.dimension_ids(interview_id)?;
        self.write(actor, "interview.score", &format!("interview:{interview_id}"), |tx| {
            tx.execute(
                "UPDATE scores SET superseded_at = ?2 WHERE interview_id = ?1 AND superseded_at IS NULL",
                params![interview_id, now],
            )?;
            insert_rows(tx, interview_id, record, &dimension_ids, now)?;
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![interview_id, to.as_str(), now],
            )?;
            // A complete scoring makes the interview's queued jobs moot.
            tx.execute(
                "UPDATE scoring_jobs SET state = 'done', updated_at = ?2 WHERE interview_id = ?1 AND state IN ('queued', 'running', 'failed')",
                params![interview_id, now],
            )?;
            Ok(())
        })
    }

    /// An explicit re-scoring by a clerk (e.g. after a rubric was corrected): audited as such,
    /// earlier scores kept as superseded.
    pub fn rescore(&mut self, session: &Session, interview_id: i64, record: &ScoringRecord) -> Result<()> {
        self.authorize(session, Action::RescoreInterview)?;
        self.store_scoring(session, interview_id, record, InterviewEvent::Rescore)
    }
}

/// A unit of work of the scoring queue: one answer, or an interview's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoringJob {
    pub id: i64,
    pub interview_id: i64,
    /// `None`: the interview's total.
    pub answer_id: Option<i64>,
    pub attempts: i64,
}

/// How many times a job is tried before it is left failed for a person to look at.
pub const MAX_ATTEMPTS: i64 = 3;

impl Vault {
    /// Puts jobs that were running when the process stopped back in the queue. Call once when a
    /// worker starts.
    pub fn resume_scoring_jobs(&mut self) -> Result<usize> {
        let now = self.now();
        Ok(self.conn.execute(
            "UPDATE scoring_jobs SET state = 'queued', updated_at = ?1
                 WHERE state = 'running' AND (lease_until IS NULL OR lease_until < ?1)",
            [now],
        )?)
    }

    /// The next job, marked running: answers first (oldest first), then totals of completed
    /// interviews whose answers are all scored.
    pub fn next_scoring_job(&mut self) -> Result<Option<ScoringJob>> {
        self.next_job(true)
    }

    /// The next interview total that is ready (every answer scored), marked running. The hub
    /// computes totals itself; answers go to the office's workers under leases.
    pub fn next_total_job(&mut self) -> Result<Option<ScoringJob>> {
        self.next_job(false)
    }

    fn next_job(&mut self, answers: bool) -> Result<Option<ScoringJob>> {
        let now = self.now();
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ScoringJob> {
            Ok(ScoringJob { id: r.get(0)?, interview_id: r.get(1)?, answer_id: r.get(2)?, attempts: r.get(3)? })
        };
        let job = if answers {
            self.conn
                .query_row(
                    "SELECT id, interview_id, answer_id, attempts FROM scoring_jobs
                     WHERE state = 'queued' AND answer_id IS NOT NULL ORDER BY id LIMIT 1",
                    [],
                    row,
                )
                .optional()?
        } else {
            None
        };
        let job = match job {
            Some(job) => Some(job),
            None => self
                .conn
                .query_row(
                    "SELECT j.id, j.interview_id, j.answer_id, j.attempts FROM scoring_jobs j
                     JOIN interviews v ON v.id = j.interview_id
                     WHERE j.state = 'queued' AND j.answer_id IS NULL AND v.state = 'completed'
                       AND NOT EXISTS (SELECT 1 FROM scoring_jobs a WHERE a.interview_id = j.interview_id
                                       AND a.answer_id IS NOT NULL AND a.state IN ('queued', 'running'))
                     ORDER BY j.id LIMIT 1",
                    [],
                    row,
                )
                .optional()?,
        };
        if let Some(job) = &job {
            // Taken only if still waiting: another handle (a worker of the office) may have
            // leased it since the select.
            let taken = self.conn.execute(
                "UPDATE scoring_jobs SET state = 'running', attempts = attempts + 1, lease_until = NULL, updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
                params![job.id, now],
            )?;
            if taken == 0 {
                return self.next_job(answers);
            }
        }
        Ok(job.map(|j| ScoringJob { attempts: j.attempts + 1, ..j }))
    }

    /// The answer a job scores (as [`Vault::interview_answers`] gives it) and its job's id.
    pub fn job_answer(&self, job: &ScoringJob) -> Result<(i64, AnswerInfo)> {
        let answer_id = job.answer_id.ok_or(VaultError::NoSuchObject { what: "answer", id: 0 })?;
        let (job_id, answers) = self.answers_of(job.interview_id)?;
        let answer = answers
            .into_iter()
            .find(|a| a.answer_id == answer_id)
            .ok_or(VaultError::NoSuchObject { what: "answer", id: answer_id })?;
        Ok((job_id, answer))
    }

    /// Records one answer's transcript, scores and flags, and closes its job — one transaction.
    pub fn record_answer_scoring(&mut self, job: &ScoringJob, record: &ScoringRecord) -> Result<()> {
        let system = self.system_actor();
        let now = self.now();
        let answer_id = job.answer_id.ok_or(VaultError::NoSuchObject { what: "answer", id: 0 })?;
        let dimension_ids = self.dimension_ids(job.interview_id)?;
        self.write(&system, "answer.score", &format!("answer:{answer_id}"), |tx| {
            // Recorded once: a job another worker finished first is left as it is.
            let closed = tx.execute(
                "UPDATE scoring_jobs SET state = 'done', updated_at = ?2 WHERE id = ?1 AND state <> 'done'",
                params![job.id, now],
            )?;
            if closed == 0 {
                return Err(VaultError::AlreadyScored { job_id: job.id });
            }
            tx.execute(
                "UPDATE scores SET superseded_at = ?2 WHERE answer_id = ?1 AND superseded_at IS NULL",
                params![answer_id, now],
            )?;
            insert_rows(tx, job.interview_id, record, &dimension_ids, now)?;
            Ok(())
        })
    }

    /// The current answer-level (dimension, level) scores of an interview's core questions, for
    /// its total: personalised questions' answers add evidence, shown and reported separately,
    /// but not to the total, so candidates of a job stay comparable.
    pub fn answer_levels(&self, interview_id: i64) -> Result<Vec<(String, f64)>> {
        Ok(self
            .conn
            .prepare(&format!(
                "SELECT d.name, s.level FROM scores s JOIN dimensions d ON d.id = s.dimension_id
                 WHERE s.interview_id = ?1 AND s.answer_id IS NOT NULL AND s.superseded_at IS NULL AND s.level IS NOT NULL
                   AND {}",
                super::resumes::CORE_SCORE
            ))?
            .query_map([interview_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Records an interview's total and band, moves it to "scored" and closes the job.
    pub fn record_interview_total(&mut self, job: &ScoringJob, record: &ScoringRecord) -> Result<()> {
        let system = self.system_actor();
        let now = self.now();
        let to = self.interview_state(job.interview_id)?.apply(InterviewEvent::Score)?;
        let dimension_ids = self.dimension_ids(job.interview_id)?;
        self.write(&system, "interview.score", &format!("interview:{}", job.interview_id), |tx| {
            tx.execute(
                "UPDATE scores SET superseded_at = ?2 WHERE interview_id = ?1 AND answer_id IS NULL AND superseded_at IS NULL",
                params![job.interview_id, now],
            )?;
            insert_rows(tx, job.interview_id, record, &dimension_ids, now)?;
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![job.interview_id, to.as_str(), now],
            )?;
            tx.execute("UPDATE scoring_jobs SET state = 'done', updated_at = ?2 WHERE id = ?1", params![job.id, now])?;
            Ok(())
        })
    }

    /// A job that could not be done: queued again until [`MAX_ATTEMPTS`], then left failed (the
    /// interview stays "completed"; nothing is lost). `code` is the error's stable code.
    pub fn fail_scoring_job(&mut self, job: &ScoringJob, code: &str) -> Result<()> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        let system = self.system_actor();
        let now = self.now();
        let state = if job.attempts >= MAX_ATTEMPTS { "failed" } else { "queued" };
        let object = match job.answer_id {
            Some(answer) => format!("answer:{answer}"),
            None => format!("interview:{}", job.interview_id),
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE scoring_jobs SET state = ?2, error_code = ?3, lease_until = NULL, updated_at = ?4 WHERE id = ?1",
            params![job.id, state, code, now],
        )?;
        let (seq, head) = crate::audit::append(
            &tx,
            &self.chain,
            now,
            &super::audit_entry(&system, "score.failed", &object, crate::audit::Outcome::Failed),
        )?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(())
    }

    /// How many jobs are waiting or running, and how many failed for good.
    pub fn scoring_queue_counts(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM scoring_jobs WHERE state IN ('queued', 'running')),
                    (SELECT COUNT(*) FROM scoring_jobs WHERE state = 'failed')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    fn dimension_ids(&self, interview_id: i64) -> Result<std::collections::HashMap<String, i64>> {
        Ok(self
            .conn
            .prepare("SELECT d.name, d.id FROM dimensions d JOIN interviews v ON v.job_id = d.job_id WHERE v.id = ?1")?
            .query_map([interview_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }
}

fn insert_rows(
    tx: &rusqlite::Transaction<'_>,
    interview_id: i64,
    record: &ScoringRecord,
    dimension_ids: &std::collections::HashMap<String, i64>,
    now: i64,
) -> Result<()> {
    for s in &record.scores {
        if let Some(name) = &s.dimension
            && !dimension_ids.contains_key(name)
        {
            return Err(VaultError::Rule(interview::RuleError::DuplicateDimension(name.clone())));
        }
    }
    for t in &record.transcripts {
        tx.execute(
            "INSERT INTO transcripts (answer_id, language, segments_json, model_versions, created_at, delivery_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                t.answer_id,
                t.language.tag(),
                interview::stored::transcript_to_json(&t.lines),
                record.model_versions,
                now,
                t.delivery.as_ref().map(StoredDelivery::to_json)
            ],
        )?;
    }
    for s in &record.scores {
        tx.execute(
            "INSERT INTO scores (interview_id, answer_id, dimension_id, level, total, band, evidence_json, model_versions, rubric_version, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                interview_id,
                s.answer_id,
                s.dimension.as_ref().and_then(|d| dimension_ids.get(d)),
                s.level,
                s.total,
                s.band.map(Band::as_str),
                s.evidence_json,
                record.model_versions,
                s.rubric_version,
                now
            ],
        )?;
    }
    for f in &record.flags {
        tx.execute(
            "INSERT INTO flags (interview_id, answer_id, kind, start_ms, end_ms, detail_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![interview_id, f.answer_id, f.kind.as_str(), f.start_ms, f.end_ms, f.detail_json, now],
        )?;
    }
    Ok(())
}

/// One interview as the result export gives it (see `hrms::export`).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedResult {
    pub candidate_id: i64,
    pub name: String,
    pub id_last4: Option<String>,
    pub job: String,
    pub interview_id: i64,
    pub state: String,
    /// Per dimension of the job, in order: the mean current answer level.
    pub levels: Vec<(String, Option<f64>)>,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub decision: Option<String>,
    /// The latest signed candidate report registered for the interview.
    pub report_id: Option<String>,
}

impl Vault {
    /// Results for export, for one job or all, of interviews updated in `[from_ms, to_ms)`.
    /// Purged candidates are left out. The export itself is audited.
    pub fn export_results(
        &mut self,
        session: &Session,
        job_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ExportedResult>> {
        self.authorize(session, Action::ExportReports)?;
        self.result_rows(session, job_id, from_ms, to_ms)
    }

    /// The rows of [`Vault::export_results`], for an actor already authorised (audited as theirs).
    pub(crate) fn result_rows(
        &mut self,
        session: &Session,
        job_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ExportedResult>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.name, c.id_last4, j.title, v.id, v.state, v.job_id,
                    (SELECT total FROM scores WHERE interview_id = v.id AND answer_id IS NULL AND superseded_at IS NULL ORDER BY id DESC LIMIT 1),
                    (SELECT band FROM scores WHERE interview_id = v.id AND answer_id IS NULL AND superseded_at IS NULL ORDER BY id DESC LIMIT 1),
                    (SELECT band FROM decisions WHERE interview_id = v.id ORDER BY id DESC LIMIT 1),
                    (SELECT id FROM reports WHERE object = 'interview:' || v.id ORDER BY created_at DESC, rowid DESC LIMIT 1)
             FROM interviews v JOIN candidates c ON c.id = v.candidate_id JOIN jobs j ON j.id = v.job_id
             WHERE c.purged_at IS NULL AND v.updated_at >= ?2 AND v.updated_at < ?3 AND (?1 IS NULL OR v.job_id = ?1)
             ORDER BY v.id",
        )?;
        let rows: Vec<(ExportedResult, i64)> = stmt
            .query_map(params![job_id, from_ms, to_ms], |r| {
                Ok((
                    ExportedResult {
                        candidate_id: r.get(0)?,
                        name: r.get(1)?,
                        id_last4: r.get(2)?,
                        job: r.get(3)?,
                        interview_id: r.get(4)?,
                        state: r.get(5)?,
                        levels: Vec::new(),
                        total: r.get(7)?,
                        band: r.get(8)?,
                        decision: r.get(9)?,
                        report_id: r.get(10)?,
                    },
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let mut out = Vec::with_capacity(rows.len());
        for (mut row, job) in rows {
            let levels = self.answer_levels(row.interview_id)?;
            row.levels = self
                .job_info(job)?
                .dimensions
                .into_iter()
                .map(|w| {
                    let mine: Vec<f64> = levels.iter().filter(|(d, _)| *d == w.dimension).map(|(_, l)| *l).collect();
                    let mean = (!mine.is_empty()).then(|| mine.iter().sum::<f64>() / mine.len() as f64);
                    (w.dimension, mean)
                })
                .collect();
            out.push(row);
        }
        self.audit_only(
            session,
            "results.export",
            &job_id.map_or("jobs:*".into(), |j| format!("job:{j}")),
            Outcome::Ok,
        )?;
        Ok(out)
    }
}
