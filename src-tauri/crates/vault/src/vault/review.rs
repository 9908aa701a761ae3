//! What the clerk's and the auditor's workspaces read and do beyond the core: the list of jobs
//! with their question bank, the status board, integrity flags confirmed or dismissed, second
//! raters, the playlist of a recording (opening it is audited), and re-authentication before
//! sensitive actions.

use rusqlite::{OptionalExtension, params};

use super::{MediaInfo, Session, Vault, audit_entry};
use crate::accounts;
use crate::audit;
use crate::audit::Outcome;
use crate::error::{Result, VaultError};
use interview::{Action, Bands, InterviewState, Lang, Role, Weight};

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
}

/// How far each interview of a job (or of all jobs) has come, and the scoring queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusBoard {
    pub invited: i64,
    pub checked_in: i64,
    pub in_progress: i64,
    pub completed: i64,
    pub scored: i64,
    pub reviewed: i64,
    pub declined: i64,
    pub scoring_waiting: i64,
    pub scoring_failed: i64,
    /// Interviews at a kiosk now (checked in or answering), latest activity first.
    pub active: Vec<ActiveInterview>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveInterview {
    pub interview_id: i64,
    pub candidate_name: String,
    pub job_title: String,
    pub state: InterviewState,
    pub device: Option<String>,
    pub answers: i64,
    pub questions: i64,
    pub updated_at_ms: i64,
}

/// An interview a colleague asked this clerk to rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRequest {
    pub interview_id: i64,
    pub candidate_name: String,
    pub job_title: String,
    pub requested_by: String,
    pub created_at_ms: i64,
}

impl Vault {
    /// Every job, newest first, with how many questions and candidates it has.
    pub fn jobs(&mut self, session: &Session) -> Result<Vec<JobSummary>> {
        self.authorize(session, Action::ViewCandidates)?;
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

    /// A job's questions in order, each with its latest rubric version.
    pub fn job_questions(&mut self, session: &Session, job_id: i64) -> Result<Vec<QuestionInfo>> {
        self.authorize(session, Action::ViewCandidates)?;
        self.job_info(job_id)?;
        let rows = self
            .conn
            .prepare(
                "SELECT q.id, q.position, q.kind, v.text, v.rubric_json, v.dimensions, q.prep_seconds,
                        q.answer_seconds, q.retakes, v.version, v.frozen
                 FROM questions q JOIN question_versions v ON v.question_id = q.id
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
    pub fn update_question(&mut self, session: &Session, question_id: i64, q: &super::NewQuestion) -> Result<i64> {
        self.authorize(session, Action::ManageQuestions)?;
        let object = format!("question:{question_id}");
        let row: Option<(i64, i64, bool)> = self
            .conn
            .query_row(
                "SELECT q.job_id, v.version, v.frozen FROM questions q JOIN question_versions v ON v.question_id = q.id
                 WHERE q.id = ?1 ORDER BY v.version DESC LIMIT 1",
                [question_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((job_id, version, frozen)) = row else {
            self.audit_only(session, "question.update", &object, Outcome::Failed)?;
            return Err(VaultError::NoSuchObject { what: "question", id: question_id });
        };
        let dims: Vec<String> = self
            .conn
            .prepare("SELECT name FROM dimensions WHERE job_id = ?1")?
            .query_map([job_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(unknown) = q.dimensions.iter().find(|d| !dims.contains(d)) {
            self.audit_only(session, "question.update", &object, Outcome::Failed)?;
            return Err(VaultError::UnknownDimension(unknown.clone()));
        }
        let now = self.now();
        let dimensions = serde_json::to_string(&q.dimensions).unwrap_or_default();
        self.write(session, "question.update", &object, |tx| {
            tx.execute(
                "UPDATE questions SET kind = ?2, prep_seconds = ?3, answer_seconds = ?4, retakes = ?5 WHERE id = ?1",
                params![
                    question_id,
                    if q.situational { "situational" } else { "structured" },
                    q.prep_seconds,
                    q.answer_seconds,
                    q.retakes
                ],
            )?;
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

    /// Counts per interview state and the interviews at a kiosk now.
    pub fn status_board(&mut self, session: &Session, job_id: Option<i64>) -> Result<StatusBoard> {
        self.authorize(session, Action::ViewInterviews)?;
        let mut board = StatusBoard::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM interviews WHERE ?1 IS NULL OR job_id = ?1 GROUP BY state")?;
        let counts = stmt
            .query_map([job_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        for (state, n) in counts {
            match InterviewState::parse(&state) {
                Some(InterviewState::Invited) => board.invited = n,
                Some(InterviewState::CheckedIn) => board.checked_in = n,
                Some(InterviewState::InProgress) => board.in_progress = n,
                Some(InterviewState::Completed) => board.completed = n,
                Some(InterviewState::Scored) => board.scored = n,
                Some(InterviewState::Reviewed) => board.reviewed = n,
                Some(InterviewState::Declined) => board.declined = n,
                None => return Err(VaultError::Corrupt(format!("interview state {state:?}"))),
            }
        }
        (board.scoring_waiting, board.scoring_failed) = self.scoring_queue_counts()?;
        board.active = self
            .conn
            .prepare_cached(
                "SELECT v.id, c.name, j.title, v.state, v.device, v.updated_at,
                        (SELECT COUNT(DISTINCT a.question_version_id) FROM answers a WHERE a.interview_id = v.id AND a.state = 'committed'),
                        (SELECT COUNT(*) FROM questions q WHERE q.job_id = v.job_id)
                 FROM interviews v JOIN candidates c ON c.id = v.candidate_id JOIN jobs j ON j.id = v.job_id
                 WHERE v.state IN ('checked_in', 'in_progress') AND (?1 IS NULL OR v.job_id = ?1)
                 ORDER BY v.updated_at DESC LIMIT 50",
            )?
            .query_map([job_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            })?
            .map(|row| {
                let (interview_id, candidate_name, job_title, state, device, updated_at_ms, answers, questions) = row?;
                Ok(ActiveInterview {
                    interview_id,
                    candidate_name,
                    job_title,
                    state: InterviewState::parse(&state)
                        .ok_or_else(|| VaultError::Corrupt(format!("state of interview {interview_id}")))?,
                    device,
                    answers,
                    questions,
                    updated_at_ms,
                })
            })
            .collect::<Result<_>>()?;
        Ok(board)
    }

    /// A clerk confirms (it happened) or dismisses (it did not matter) an integrity flag.
    pub fn review_flag(&mut self, session: &Session, flag_id: i64, confirm: bool) -> Result<()> {
        self.authorize(session, Action::RecordDecision)?;
        let object = format!("flag:{flag_id}");
        let row: Option<(i64, String)> = self
            .conn
            .query_row("SELECT interview_id, status FROM flags WHERE id = ?1", [flag_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((interview_id, status)) = row else {
            self.audit_only(session, "review.flag", &object, Outcome::Failed)?;
            return Err(VaultError::NoSuchObject { what: "flag", id: flag_id });
        };
        if !matches!(self.interview_state(interview_id)?, InterviewState::Scored | InterviewState::Reviewed) {
            self.audit_only(session, "review.flag", &object, Outcome::Failed)?;
            return Err(VaultError::NotScored { interview_id });
        }
        if status != "open" {
            self.audit_only(session, "review.flag", &object, Outcome::Failed)?;
            return Err(VaultError::FlagNotOpen(flag_id));
        }
        let action = if confirm { "review.flag_confirm" } else { "review.flag_dismiss" };
        self.write(session, action, &object, |tx| {
            tx.execute(
                "UPDATE flags SET status = ?2 WHERE id = ?1",
                params![flag_id, if confirm { "confirmed" } else { "dismissed" }],
            )?;
            Ok(())
        })
    }

    /// Asks another clerk to rate a scored interview independently.
    pub fn request_second_rating(&mut self, session: &Session, interview_id: i64, rater: &str) -> Result<()> {
        self.authorize(session, Action::RecordRating)?;
        let object = format!("interview:{interview_id}");
        if !matches!(self.interview_state(interview_id)?, InterviewState::Scored | InterviewState::Reviewed) {
            self.audit_only(session, "review.request", &object, Outcome::Failed)?;
            return Err(VaultError::NotScored { interview_id });
        }
        let found: Option<(i64, String, bool)> = self
            .conn
            .query_row("SELECT id, role, disabled FROM users WHERE username = ?1", [rater], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let rater_id = match found {
            Some((id, role, false)) if role == Role::Clerk.as_str() && id != session.user_id => id,
            _ => {
                self.audit_only(session, "review.request", &object, Outcome::Failed)?;
                return Err(VaultError::NotARater(rater.to_owned()));
            }
        };
        let now = self.now();
        self.write(session, "review.request", &object, |tx| {
            tx.execute(
                "INSERT INTO review_requests (interview_id, rater_id, requested_by, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![interview_id, rater_id, session.user_id, now],
            )?;
            Ok(())
        })
    }

    /// The interviews colleagues asked this clerk to rate and that are not rated yet.
    pub fn review_requests(&mut self, session: &Session) -> Result<Vec<ReviewRequest>> {
        self.authorize(session, Action::RecordRating)?;
        Ok(self
            .conn
            .prepare(
                "SELECT r.interview_id, c.name, j.title, u.username, MIN(r.created_at)
                 FROM review_requests r
                 JOIN interviews v ON v.id = r.interview_id
                 JOIN candidates c ON c.id = v.candidate_id
                 JOIN jobs j ON j.id = v.job_id
                 JOIN users u ON u.id = r.requested_by
                 WHERE r.rater_id = ?1 AND r.done_at IS NULL AND c.purged_at IS NULL
                 GROUP BY r.interview_id ORDER BY MIN(r.created_at)",
            )?
            .query_map([session.user_id], |r| {
                Ok(ReviewRequest {
                    interview_id: r.get(0)?,
                    candidate_name: r.get(1)?,
                    job_title: r.get(2)?,
                    requested_by: r.get(3)?,
                    created_at_ms: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The video segments of an answer, in order, for playback. Opening a recording is audited
    /// (who watched which answer); the segments themselves are then read with `read_media`.
    pub fn playback(&mut self, session: &Session, answer_id: i64) -> Result<Vec<MediaInfo>> {
        self.authorize(session, Action::ViewInterviews)?;
        let media = self.answer_media(session, answer_id)?;
        let video: Vec<MediaInfo> = media.into_iter().filter(|m| m.kind == "video").collect();
        self.write(session, "media.play", &format!("answer:{answer_id}"), |_| Ok(()))?;
        Ok(video)
    }

    /// Whether `media_id` is a video segment of a live interview (what the playback protocol may
    /// serve), read without touching the session (the protocol checks that itself).
    pub fn is_playable(&self, media_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM media WHERE id = ?1 AND kind = 'video' AND purged_at IS NULL", [media_id], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// Checks the signed-in person's password again before a sensitive action (export,
    /// deletion, unlocking an idle screen). A wrong password counts towards the account's
    /// lockout like a failed sign-in; every attempt is audited.
    pub fn reauthenticate(&mut self, session: &Session, password: &str) -> Result<()> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        self.authorize(session, Action::ViewStatus)?;
        let object = format!("user:{}", session.user_id);
        let (hash, failures): (String, i64) = self.conn.query_row(
            "SELECT password_hash, failed_attempts FROM users WHERE id = ?1",
            [session.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if accounts::verify_password(password, &hash) {
            return self.write(session, "auth.reauth", &object, |tx| {
                tx.execute("UPDATE users SET failed_attempts = 0 WHERE id = ?1", [session.user_id])?;
                Ok(())
            });
        }
        let now = self.now();
        let failures = failures + 1;
        if failures >= accounts::MAX_FAILURES {
            // Too many wrong passwords on an open screen: the account locks and the session ends.
            let until = now + accounts::LOCKOUT_MS;
            self.write(session, "auth.reauth_locked", &object, |tx| {
                tx.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                    params![session.user_id, until],
                )?;
                tx.execute(
                    "UPDATE sessions SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
                    params![session.user_id, now],
                )?;
                Ok(())
            })?;
            return Err(VaultError::Locked { until });
        }
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE users SET failed_attempts = ?2 WHERE id = ?1", params![session.user_id, failures])?;
        let (seq, head) =
            audit::append(&tx, &self.chain, now, &audit_entry(session, "auth.reauth", &object, Outcome::Failed))?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Err(VaultError::BadCredentials)
    }
}
