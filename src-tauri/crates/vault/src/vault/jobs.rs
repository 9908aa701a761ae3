//! Jobs (title, language, weighted dimensions, bands) and their question bank, whose rubric
//! versions are frozen once an interview has used them.

use interview::{Action, Bands, Lang, Weight, check_weights};
use rusqlite::{OptionalExtension, params};

use super::{Session, Vault, next_id};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// A job with its competency dimensions, weights and bands.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub title: String,
    pub language: Lang,
    pub dimensions: Vec<Weight>,
    pub bands: Bands,
}

#[derive(Clone, Debug)]
pub struct NewQuestion {
    pub job_id: i64,
    pub situational: bool,
    pub text: String,
    /// The rubric (levels 1–5 with key points and examples) as JSON; its shape belongs to scoring.
    pub rubric_json: String,
    pub dimensions: Vec<String>,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobInfo {
    pub id: i64,
    pub title: String,
    pub language: Lang,
    /// The weights of [`JobInfo::version`].
    pub dimensions: Vec<Weight>,
    pub bands: Bands,
    /// The weights' version: the job's current one, or the one an interview was invited under
    /// ([`Vault::interview_job`]).
    pub version: i64,
}

/// A job as the clerk's list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSummary {
    pub id: i64,
    pub title: String,
    pub language: Lang,
    pub dimensions: Vec<Weight>,
    pub bands: Bands,
    pub questions: i64,
    pub candidates: i64,
    pub created_at_ms: i64,
}

/// A question of the bank with its current rubric version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionInfo {
    pub id: i64,
    pub position: i64,
    pub situational: bool,
    pub text: String,
    pub rubric_json: String,
    pub dimensions: Vec<String>,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
    pub version: i64,
    /// Used by an interview: its text and rubric can no longer change.
    pub frozen: bool,
    /// Moved by every change; a save names the revision it was made from (see
    /// [`Vault::update_question`]).
    pub revision: i64,
    /// Who made the last change, and when (none before the first change).
    pub changed_by: Option<String>,
    pub changed_at_ms: Option<i64>,
}

impl Vault {
    pub fn create_job(&mut self, session: &Session, job: NewJob) -> Result<i64> {
        self.authorize(session, Action::ManageJobs)?;
        check_weights(&job.dimensions)?;
        let now = self.now();
        self.write_naming(session, "job.create", |tx| {
            let next = next_id(tx, "jobs")?;
            tx.execute(
                "INSERT INTO jobs (id, title, language, recommend_threshold, hold_threshold, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![next, job.title, job.language.tag(), job.bands.recommend, job.bands.hold, now, session.user_id],
            )?;
            tx.execute(
                "INSERT INTO job_versions (job_id, version, created_at, created_by) VALUES (?1, 1, ?2, ?3)",
                params![next, now, session.user_id],
            )?;
            for (position, w) in job.dimensions.iter().enumerate() {
                tx.execute(
                    "INSERT INTO dimensions (job_id, name, weight_bp, position) VALUES (?1, ?2, ?3, ?4)",
                    params![next, w.dimension.trim(), w.basis_points, position as i64],
                )?;
                tx.execute(
                    "INSERT INTO job_version_weights (job_id, version, dimension_id, weight_bp) VALUES (?1, 1, ?2, ?3)",
                    params![next, tx.last_insert_rowid(), w.basis_points],
                )?;
            }
            Ok((format!("job:{next}"), next))
        })
    }

    pub fn job(&mut self, session: &Session, job_id: i64) -> Result<JobInfo> {
        self.authorize(session, Action::ViewInterviews)?;
        self.job_info(job_id)
    }

    /// A job's weights and bands for the system's scoring job (no session: the queue is the system).
    pub fn job_info(&self, job_id: i64) -> Result<JobInfo> {
        let (title, language, recommend, hold): (String, String, u8, u8) = self
            .conn
            .query_row(
                "SELECT title, language, recommend_threshold, hold_threshold FROM jobs WHERE id = ?1",
                [job_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "job", id: job_id })?;
        let version: i64 = self
            .conn
            .query_row("SELECT MAX(version) FROM job_versions WHERE job_id = ?1", [job_id], |r| {
                r.get::<_, Option<i64>>(0)
            })?
            .unwrap_or(1);
        Ok(JobInfo {
            id: job_id,
            title,
            language: language.parse::<Lang>().map_err(|_| VaultError::Corrupt(format!("language of job {job_id}")))?,
            dimensions: self.weights_of(job_id, version)?,
            bands: Bands::new(recommend, hold)?,
            version,
        })
    }

    /// A job's weights in one of its versions, in the job's order of dimensions. A job made
    /// before weights were versioned (or by the benchmark's bulk loader) has only its
    /// dimensions' own weights, which are its version 1.
    pub(super) fn weights_of(&self, job_id: i64, version: i64) -> Result<Vec<Weight>> {
        Ok(self
            .conn
            .prepare(
                "SELECT d.name, COALESCE(w.weight_bp, d.weight_bp) FROM dimensions d
                 LEFT JOIN job_version_weights w ON w.job_id = d.job_id AND w.version = ?2 AND w.dimension_id = d.id
                 WHERE d.job_id = ?1 ORDER BY d.position",
            )?
            .query_map(params![job_id, version], |r| Ok(Weight { dimension: r.get(0)?, basis_points: r.get(1)? }))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The job an interview belongs to, with the weights of the version it was invited under
    /// (what its total is computed with, whatever version the job is at now).
    pub fn interview_job(&self, interview_id: i64) -> Result<JobInfo> {
        let (job_id, version): (i64, i64) = self
            .conn
            .query_row("SELECT job_id, job_version FROM interviews WHERE id = ?1", [interview_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        let mut job = self.job_info(job_id)?;
        if job.version != version {
            job.dimensions = self.weights_of(job_id, version)?;
            job.version = version;
        }
        Ok(job)
    }

    /// Every job, newest first, with how many questions and candidates it has (counts only, no
    /// one's data: administrators see the list too, to open a job's validity).
    pub fn jobs(&mut self, session: &Session) -> Result<Vec<JobSummary>> {
        self.authorize_any(session, &[Action::ViewCandidates, Action::ViewValidity])?;
        let ids: Vec<(i64, i64, i64, i64)> = self
            .conn
            .prepare(
                "SELECT j.id, j.created_at,
                        (SELECT COUNT(*) FROM questions q WHERE q.job_id = j.id),
                        (SELECT COUNT(*) FROM candidates c WHERE c.job_id = j.id AND c.purged_at IS NULL)
                 FROM jobs j ORDER BY j.id DESC",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter()
            .map(|(id, created_at_ms, questions, candidates)| {
                let info = self.job_info(id)?;
                Ok(JobSummary {
                    id,
                    title: info.title,
                    language: info.language,
                    dimensions: info.dimensions,
                    bands: info.bands,
                    questions,
                    candidates,
                    created_at_ms,
                })
            })
            .collect()
    }

    /// The names of a job's dimensions (none for an unknown job): what a question may be scored on.
    fn dimension_names(&self, job_id: i64) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare("SELECT name FROM dimensions WHERE job_id = ?1")?
            .query_map([job_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a question with its first rubric version.
    pub fn add_question(&mut self, session: &Session, q: NewQuestion) -> Result<i64> {
        self.authorize(session, Action::ManageQuestions)?;
        let now = self.now();
        let dims = self.dimension_names(q.job_id)?;
        if dims.is_empty() {
            return Err(VaultError::NoSuchObject { what: "job", id: q.job_id });
        }
        if let Some(unknown) = q.dimensions.iter().find(|d| !dims.contains(d)) {
            return Err(VaultError::Rule(interview::RuleError::DuplicateDimension(unknown.clone())));
        }
        self.write_naming(session, "question.create", |tx| {
            let next = next_id(tx, "questions")?;
            let position: i64 = tx.query_row("SELECT COUNT(*) FROM questions WHERE job_id = ?1", [q.job_id], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO questions (id, job_id, kind, position, prep_seconds, answer_seconds, retakes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![next, q.job_id, if q.situational { "situational" } else { "structured" }, position, q.prep_seconds, q.answer_seconds, q.retakes],
            )?;
            tx.execute(
                "INSERT INTO question_versions (question_id, version, text, rubric_json, dimensions, created_at) VALUES (?1, 1, ?2, ?3, ?4, ?5)",
                params![next, q.text, q.rubric_json, serde_json::to_string(&q.dimensions).unwrap_or_default(), now],
            )?;
            Ok((format!("question:{next}"), next))
        })
    }

    /// A job's questions in order, each with its latest rubric version.
    pub fn job_questions(&mut self, session: &Session, job_id: i64) -> Result<Vec<QuestionInfo>> {
        self.authorize(session, Action::ViewCandidates)?;
        self.job_info(job_id)?;
        let rows = self
            .conn
            .prepare(
                "SELECT q.id, q.position, q.kind, v.text, v.rubric_json, v.dimensions, q.prep_seconds,
                        q.answer_seconds, q.retakes, v.version, v.frozen, q.revision, u.display_name, q.changed_at
                 FROM questions q JOIN question_versions v ON v.question_id = q.id
                 LEFT JOIN users u ON u.id = q.changed_by
                 WHERE q.job_id = ?1
                   AND v.version = (SELECT MAX(version) FROM question_versions WHERE question_id = q.id)
                 ORDER BY q.position",
            )?
            .query_map([job_id], |r| {
                Ok((
                    QuestionInfo {
                        id: r.get(0)?,
                        position: r.get(1)?,
                        situational: r.get::<_, String>(2)? == "situational",
                        text: r.get(3)?,
                        rubric_json: r.get(4)?,
                        dimensions: Vec::new(),
                        prep_seconds: r.get(6)?,
                        answer_seconds: r.get(7)?,
                        retakes: r.get(8)?,
                        version: r.get(9)?,
                        frozen: r.get(10)?,
                        revision: r.get(11)?,
                        changed_by: r.get(12)?,
                        changed_at_ms: r.get(13)?,
                    },
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut q, dims)| {
                q.dimensions = serde_json::from_str(&dims)
                    .map_err(|_| VaultError::Corrupt(format!("dimensions of question {}", q.id)))?;
                Ok(q)
            })
            .collect()
    }

    /// Changes a question. Its latest rubric version is edited in place while no interview has
    /// used it; once used (frozen), the change becomes a new version and interviews already
    /// held keep the version they were scored with. Returns the version now current.
    ///
    /// `from_revision` is the revision the change was made from (what the editor loaded): if
    /// someone changed the question since, the save is refused with who and when, and nothing
    /// changes — no lost update. `None` saves regardless (the command line's "replace").
    pub fn update_question(
        &mut self,
        session: &Session,
        question_id: i64,
        q: &super::NewQuestion,
        from_revision: Option<i64>,
    ) -> Result<i64> {
        self.authorize(session, Action::ManageQuestions)?;
        let object = format!("question:{question_id}");
        /// job, latest version, frozen, revision, who changed it last, when.
        type Row = (i64, i64, bool, i64, Option<String>, Option<i64>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT q.job_id, v.version, v.frozen, q.revision, u.display_name, q.changed_at
                 FROM questions q JOIN question_versions v ON v.question_id = q.id
                 LEFT JOIN users u ON u.id = q.changed_by
                 WHERE q.id = ?1 ORDER BY v.version DESC LIMIT 1",
                [question_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some((job_id, version, frozen, revision, changed_by, changed_at)) = row else {
            self.audit_only(session, "question.update", &object, Outcome::Failed)?;
            return Err(VaultError::NoSuchObject { what: "question", id: question_id });
        };
        if let Some(from) = from_revision
            && from != revision
        {
            self.audit_only(session, "question.update", &object, Outcome::Failed)?;
            return Err(VaultError::ChangedMeanwhile {
                what: "question",
                by: changed_by.unwrap_or_default(),
                at_ms: changed_at.unwrap_or_default(),
            });
        }
        let dims = self.dimension_names(job_id)?;
        if let Some(unknown) = q.dimensions.iter().find(|d| !dims.contains(d)) {
            self.audit_only(session, "question.update", &object, Outcome::Failed)?;
            return Err(VaultError::UnknownDimension(unknown.clone()));
        }
        let now = self.now();
        let dimensions = serde_json::to_string(&q.dimensions).unwrap_or_default();
        self.write(session, "question.update", &object, |tx| {
            // The revision read above must still be current: a change committed in between (by
            // another handle on the vault) refuses this one inside the same transaction.
            let moved = tx.execute(
                "UPDATE questions SET kind = ?2, prep_seconds = ?3, answer_seconds = ?4, retakes = ?5,
                        revision = revision + 1, changed_by = ?7, changed_at = ?8
                 WHERE id = ?1 AND revision = ?6",
                params![
                    question_id,
                    if q.situational { "situational" } else { "structured" },
                    q.prep_seconds,
                    q.answer_seconds,
                    q.retakes,
                    revision,
                    session.user_id,
                    now
                ],
            )?;
            if moved != 1 {
                return Err(VaultError::ChangedMeanwhile { what: "question", by: String::new(), at_ms: now });
            }
            if frozen {
                tx.execute(
                    "INSERT INTO question_versions (question_id, version, text, rubric_json, dimensions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![question_id, version + 1, q.text, q.rubric_json, dimensions, now],
                )?;
                Ok(version + 1)
            } else {
                tx.execute(
                    "UPDATE question_versions SET text = ?3, rubric_json = ?4, dimensions = ?5 WHERE question_id = ?1 AND version = ?2",
                    params![question_id, version, q.text, q.rubric_json, dimensions],
                )?;
                Ok(version)
            }
        })
    }
}
