//! What scoring reads from the vault (a job's weights and bands, an interview's answers with
//! their frozen rubric versions and recordings) and what it writes back (transcripts, scores
//! with their evidence and model versions, flags) — as plain data and JSON, so the vault does
//! not depend on the scoring crate.

use interview::{Action, Band, Bands, InterviewEvent, InterviewState, Lang, Weight};
use rusqlite::{OptionalExtension, params};

use super::{Session, Vault};
use crate::error::{Result, VaultError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub id: i64,
    pub title: String,
    pub language: Lang,
    pub dimensions: Vec<Weight>,
    pub bands: Bands,
}

/// One committed answer of an interview, as scoring needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerInfo {
    pub answer_id: i64,
    pub question_id: i64,
    pub question_version_id: i64,
    pub rubric_version: i64,
    pub question_text: String,
    pub rubric_json: String,
    /// Media of kind "audio", in segment order.
    pub audio_media: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewTranscript {
    pub answer_id: i64,
    pub language: String,
    pub segments_json: String,
}

/// A score row: per answer and dimension (`answer_id` and `dimension` set), or the interview's
/// total (both `None`, with `total` and `band`).
#[derive(Clone, Debug, PartialEq)]
pub struct NewScore {
    pub answer_id: Option<i64>,
    pub dimension: Option<String>,
    pub level: Option<f64>,
    pub total: Option<f64>,
    pub band: Option<Band>,
    pub evidence_json: String,
    pub rubric_version: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewFlag {
    pub answer_id: Option<i64>,
    pub kind: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub detail_json: String,
}

/// A complete scoring of one interview, recorded in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoringRecord {
    pub model_versions: String,
    pub transcripts: Vec<NewTranscript>,
    pub scores: Vec<NewScore>,
    pub flags: Vec<NewFlag>,
}

fn band_str(band: Band) -> &'static str {
    match band {
        Band::Recommend => "recommend",
        Band::Hold => "hold",
        Band::NotRecommended => "not_recommended",
    }
}

impl Vault {
    pub fn job(&mut self, session: &Session, job_id: i64) -> Result<JobInfo> {
        self.authorize(session, Action::ViewInterviews)?;
        self.job_info(job_id)
    }

    pub(crate) fn job_info(&self, job_id: i64) -> Result<JobInfo> {
        let (title, language, recommend, hold): (String, String, u8, u8) = self
            .conn
            .query_row(
                "SELECT title, language, recommend_threshold, hold_threshold FROM jobs WHERE id = ?1",
                [job_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "job", id: job_id })?;
        let dimensions = self
            .conn
            .prepare("SELECT name, weight_bp FROM dimensions WHERE job_id = ?1 ORDER BY position")?
            .query_map([job_id], |r| Ok(Weight { dimension: r.get(0)?, basis_points: r.get(1)? }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(JobInfo {
            id: job_id,
            title,
            language: language.parse::<Lang>().map_err(|_| VaultError::Corrupt(format!("language of job {job_id}")))?,
            dimensions,
            bands: Bands::new(recommend, hold)?,
        })
    }

    /// The committed answers of an interview, in question order, with their frozen rubrics.
    pub fn interview_answers(&mut self, session: &Session, interview_id: i64) -> Result<(i64, Vec<AnswerInfo>)> {
        self.authorize(session, Action::ViewInterviews)?;
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
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Only the last committed attempt of each question counts.
        let mut seen = std::collections::HashSet::new();
        answers.retain(|a| seen.insert(a.question_id));
        let mut stmt = self.conn.prepare(
            "SELECT id FROM media WHERE answer_id = ?1 AND kind = 'audio' AND purged_at IS NULL ORDER BY seq",
        )?;
        for answer in &mut answers {
            answer.audio_media = stmt.query_map([answer.answer_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
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
        let (state, job_id): (String, i64) = self
            .conn
            .query_row("SELECT state, job_id FROM interviews WHERE id = ?1", [interview_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        let from = InterviewState::parse(&state)
            .ok_or_else(|| VaultError::Corrupt(format!("state of interview {interview_id}")))?;
        let to = from.apply(event)?;
        let dimension_ids: std::collections::HashMap<String, i64> = self
            .conn
            .prepare("SELECT name, id FROM dimensions WHERE job_id = ?1")?
            .query_map([job_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for score in &record.scores {
            if let Some(name) = &score.dimension
                && !dimension_ids.contains_key(name)
            {
                return Err(VaultError::Rule(interview::RuleError::DuplicateDimension(name.clone())));
            }
        }
        self.write(actor, "interview.score", &format!("interview:{interview_id}"), |tx| {
            tx.execute(
                "UPDATE scores SET superseded_at = ?2 WHERE interview_id = ?1 AND superseded_at IS NULL",
                params![interview_id, now],
            )?;
            for t in &record.transcripts {
                tx.execute(
                    "INSERT INTO transcripts (answer_id, language, segments_json, model_versions, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![t.answer_id, t.language, t.segments_json, record.model_versions, now],
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
                        s.band.map(band_str),
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
                    params![interview_id, f.answer_id, f.kind, f.start_ms, f.end_ms, f.detail_json, now],
                )?;
            }
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![interview_id, to.as_str(), now],
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
