//! The human review of a scored interview: integrity flags confirmed or dismissed, second raters
//! asked (and their list of requests), ratings and the decision.

use interview::{Action, Band, InterviewState, Role};
use rusqlite::{OptionalExtension, params};

use super::{Session, Vault};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

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
    /// The one rule for every step of the human review: the interview is scored (or already
    /// reviewed). A refusal is audited as `action` on `object` (failed).
    fn require_scored(&mut self, session: &Session, interview_id: i64, action: &str, object: &str) -> Result<()> {
        if matches!(self.interview_state(interview_id)?, InterviewState::Scored | InterviewState::Reviewed) {
            return Ok(());
        }
        self.audit_only(session, action, object, Outcome::Failed)?;
        Err(VaultError::NotScored { interview_id })
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
        self.require_scored(session, interview_id, "review.flag", &object)?;
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
        self.require_scored(session, interview_id, "review.request", &object)?;
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

    /// A rater's level (1–5) for one dimension of a scored interview.
    pub fn record_rating(
        &mut self,
        session: &Session,
        interview_id: i64,
        dimension: &str,
        level: i64,
        note: Option<&str>,
    ) -> Result<()> {
        self.authorize(session, Action::RecordRating)?;
        let object = format!("interview:{interview_id}");
        self.require_scored(session, interview_id, "review.rate", &object)?;
        if !(1..=5).contains(&level) {
            self.audit_only(session, "review.rate", &object, Outcome::Failed)?;
            return Err(VaultError::RatingOutOfRange);
        }
        let dimension_id: Option<i64> = self
            .conn
            .query_row(
                "SELECT d.id FROM dimensions d JOIN interviews i ON i.job_id = d.job_id WHERE i.id = ?1 AND d.name = ?2",
                params![interview_id, dimension],
                |r| r.get(0),
            )
            .optional()?;
        let Some(dimension_id) = dimension_id else {
            self.audit_only(session, "review.rate", &object, Outcome::Failed)?;
            return Err(VaultError::UnknownDimension(dimension.to_owned()));
        };
        let now = self.now();
        let rater = session.user_id;
        self.write(session, "review.rate", &object, |tx| {
            tx.execute(
                "INSERT INTO ratings (interview_id, dimension_id, rater_id, level, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![interview_id, dimension_id, rater, level, note.map(str::trim).filter(|n| !n.is_empty()), now],
            )?;
            tx.execute(
                "UPDATE review_requests SET done_at = ?3 WHERE interview_id = ?1 AND rater_id = ?2 AND done_at IS NULL",
                params![interview_id, rater, now],
            )?;
            Ok(())
        })
    }

    /// The decision on a scored interview, with its reason; the interview becomes "reviewed".
    /// A later decision supersedes an earlier one (both are kept).
    pub fn record_decision(&mut self, session: &Session, interview_id: i64, band: Band, reason: &str) -> Result<()> {
        self.decide(session, interview_id, band, reason, None)
    }

    /// The decision: refused while integrity flags are open unless `over_open_flags` says why the
    /// clerk decides with them open (kept with the decision, printed on the report). A final
    /// report then never rests on a question nobody answered.
    pub fn decide(
        &mut self,
        session: &Session,
        interview_id: i64,
        band: Band,
        reason: &str,
        over_open_flags: Option<&str>,
    ) -> Result<()> {
        self.authorize(session, Action::RecordDecision)?;
        let object = format!("interview:{interview_id}");
        self.require_scored(session, interview_id, "review.decide", &object)?;
        let reason = reason.trim();
        if reason.is_empty() {
            self.audit_only(session, "review.decide", &object, Outcome::Failed)?;
            return Err(VaultError::DecisionReasonMissing);
        }
        let open: u32 = self.conn.query_row(
            "SELECT COUNT(*) FROM flags WHERE interview_id = ?1 AND status = 'open'",
            [interview_id],
            |r| r.get(0),
        )?;
        let over = over_open_flags.map(str::trim).filter(|note| !note.is_empty());
        if open > 0 && over.is_none() {
            self.audit_only(session, "review.decide", &object, Outcome::Failed)?;
            return Err(VaultError::FlagsOpen { interview_id, open });
        }
        // A note only means something while flags are open.
        let over = over.filter(|_| open > 0);
        let now = self.now();
        let decider = session.user_id;
        self.write(session, "review.decide", &object, |tx| {
            tx.execute(
                "INSERT INTO decisions (interview_id, decider_id, band, reason, created_at, open_flags, over_open_flags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![interview_id, decider, band.as_str(), reason, now, open, over],
            )?;
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3, decided_at = ?3 WHERE id = ?1",
                params![interview_id, InterviewState::Reviewed.as_str(), now],
            )?;
            Ok(())
        })
    }
}
