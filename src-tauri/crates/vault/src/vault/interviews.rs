//! An interview from check-in on: checking in with the access code and an identity check, the
//! kiosk's masked plan, moving through the state machine, and the status board.

use interview::{Action, InterviewEvent, InterviewState, Lang};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::invitations::AccessCode;
use super::{Session, Vault};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// What the kiosk learns from a valid code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn {
    pub interview_id: i64,
    pub job_id: i64,
    pub extra_time_pct: u32,
    pub large_text: bool,
}

/// Wrong identity checks after which an access code is refused for good.
pub const MAX_IDENTITY_FAILURES: i64 = 5;

/// What the kiosk shows a candidate who has checked in: no more than the candidate may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KioskPlan {
    pub interview_id: i64,
    /// The name with all but its first character masked (张*, A****).
    pub masked_name: String,
    pub job_title: String,
    pub job_language: Lang,
    pub questions: Vec<KioskQuestion>,
    pub extra_time_pct: u32,
    pub large_text: bool,
    /// How long recordings are kept after the hiring decision (shown in the consent).
    pub retention_days: u32,
    /// The recognition models this vault scores with: a kiosk's live transcript for follow-ups
    /// uses the same (a station learns them from its hub here).
    #[serde(default)]
    pub recognition_models: interview::RecognitionModels,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KioskQuestion {
    pub question_id: i64,
    pub text: String,
    pub situational: bool,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
    /// The rubric (JSON) when it allows follow-ups: the kiosk decides them itself, offline. Never
    /// shown to the candidate.
    #[serde(default)]
    pub follow_up_rubric: Option<String>,
}

/// The most characters shown of a name on the kiosk.
fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.filter(|c| !c.is_whitespace()).map(|_| '*')).collect(),
    }
}

struct PlanRow {
    name: String,
    job_title: String,
    language: String,
    extra: i64,
    large_text: bool,
    device: Option<String>,
    state: String,
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

impl Vault {
    /// Checks a candidate in with the code from their slip: unknown, not yet valid, expired and
    /// reused codes are refused (and audited), as [`Vault::access_code_needs_identity`] refuses
    /// them; when an ID number is on record, its last four characters as typed by the candidate
    /// must match. A mismatch is refused and audited and leaves the code unspent (the clerk can
    /// help at the desk). A valid code is spent and its interview checked in.
    pub fn check_in(&mut self, session: &Session, code: &AccessCode, id_last4: Option<&str>) -> Result<CheckIn> {
        self.authorize(session, Action::RedeemAccessCode)?;
        let row = self.code_row(code)?;
        if let Some(row) = &row
            && let Some(expected) = &row.id_last4
        {
            self.check_identity(session, row.invitation, expected, id_last4)?;
        }
        let now = self.now();
        let row = self.usable_code(session, row, "kiosk.redeem", now)?;
        self.write(session, "kiosk.redeem", &format!("invitation:{}", row.invitation), |tx| {
            tx.execute("UPDATE invitations SET used_at = ?2 WHERE id = ?1", params![row.invitation, now])?;
            tx.execute(
                "UPDATE interviews SET state = 'checked_in', device = ?2, updated_at = ?3 WHERE id = ?1",
                params![row.interview, session.device, now],
            )?;
            Ok(())
        })?;
        Ok(CheckIn {
            interview_id: row.interview,
            job_id: row.job_id,
            extra_time_pct: row.extra_time_pct as u32,
            large_text: row.large_text,
        })
    }

    /// The candidate's identity check at check-in: `typed` must be the last four characters of
    /// the ID number on record (`expected`), case aside. Every refusal is audited.
    fn check_identity(
        &mut self,
        session: &Session,
        invitation: i64,
        expected: &str,
        typed: Option<&str>,
    ) -> Result<()> {
        let object = format!("invitation:{invitation}");
        // Guessing the last four characters is stopped: after MAX_IDENTITY_FAILURES wrong
        // tries the code is refused for good (the clerk issues a new one at the desk).
        let failures: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'kiosk.identity' AND object = ?1 AND outcome = 'denied'",
            [&object],
            |r| r.get(0),
        )?;
        if failures >= MAX_IDENTITY_FAILURES {
            self.audit_only(session, "kiosk.identity", &object, Outcome::Denied)?;
            return Err(VaultError::IdentityLocked);
        }
        let typed: String = typed.unwrap_or_default().trim().to_uppercase();
        if typed != expected.to_uppercase() {
            self.audit_only(session, "kiosk.identity", &object, Outcome::Denied)?;
            return Err(if failures + 1 >= MAX_IDENTITY_FAILURES {
                VaultError::IdentityLocked
            } else {
                VaultError::IdentityMismatch { left: (MAX_IDENTITY_FAILURES - failures - 1) as u32 }
            });
        }
        Ok(())
    }

    /// The plan of an interview checked in at this kiosk.
    pub fn kiosk_plan(&mut self, session: &Session, interview_id: i64) -> Result<KioskPlan> {
        self.authorize(session, Action::RecordConsent)?;
        let row = self
            .conn
            .query_row(
                "SELECT c.name, j.title, j.language, i.extra_time_pct, i.large_text, v.device, v.state
                 FROM interviews v JOIN candidates c ON c.id = v.candidate_id JOIN jobs j ON j.id = v.job_id
                 JOIN invitations i ON i.id = v.invitation_id WHERE v.id = ?1",
                [interview_id],
                |r| {
                    Ok(PlanRow {
                        name: r.get(0)?,
                        job_title: r.get(1)?,
                        language: r.get(2)?,
                        extra: r.get(3)?,
                        large_text: r.get(4)?,
                        device: r.get(5)?,
                        state: r.get(6)?,
                    })
                },
            )
            .optional()?;
        let Some(PlanRow { name, job_title, language, extra, large_text, device, state }) = row else {
            return Err(VaultError::NoSuchObject { what: "interview", id: interview_id });
        };
        // Only the kiosk that checked the candidate in, and only while the interview is open.
        if device.as_deref() != Some(session.device.as_str()) || !matches!(state.as_str(), "checked_in" | "in_progress")
        {
            self.audit_only(session, "kiosk.plan", &format!("interview:{interview_id}"), Outcome::Denied)?;
            return Err(VaultError::NoSuchObject { what: "interview", id: interview_id });
        }
        let mut stmt = self.conn.prepare(
            "SELECT q.id, q.kind, q.prep_seconds, q.answer_seconds, q.retakes,
                    (SELECT qv.text FROM question_versions qv WHERE qv.question_id = q.id ORDER BY qv.version DESC LIMIT 1),
                    (SELECT CASE WHEN COALESCE(json_extract(qv.rubric_json, '$.follow_ups'), 0) > 0 THEN qv.rubric_json END
                     FROM question_versions qv WHERE qv.question_id = q.id ORDER BY qv.version DESC LIMIT 1)
             FROM questions q JOIN interviews v ON v.job_id = q.job_id
             WHERE v.id = ?1 AND (q.condition_json IS NULL OR q.id IN (
                 SELECT p.question_id FROM interview_questions p WHERE p.interview_id = v.id AND p.removed_at IS NULL))
             ORDER BY q.position, q.id",
        )?;
        let questions = stmt
            .query_map([interview_id], |r| {
                Ok(KioskQuestion {
                    question_id: r.get(0)?,
                    situational: r.get::<_, String>(1)? == "situational",
                    prep_seconds: r.get(2)?,
                    answer_seconds: r.get(3)?,
                    retakes: r.get(4)?,
                    text: r.get(5)?,
                    follow_up_rubric: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        Ok(KioskPlan {
            interview_id,
            masked_name: mask_name(&name),
            job_title,
            job_language: language
                .parse()
                .map_err(|_| VaultError::Corrupt(format!("language of interview {interview_id}")))?,
            questions,
            extra_time_pct: extra as u32,
            large_text,
            retention_days: self.retention_days()?,
            recognition_models: self.recognition_models()?,
        })
    }

    /// Moves an interview through its state machine on behalf of `session`.
    pub fn advance_interview(
        &mut self,
        session: &Session,
        interview_id: i64,
        event: InterviewEvent,
    ) -> Result<InterviewState> {
        let action = match event {
            InterviewEvent::CheckIn => Action::RedeemAccessCode,
            InterviewEvent::GiveConsent | InterviewEvent::DeclineConsent => Action::RecordConsent,
            InterviewEvent::Finish => Action::RecordAnswer,
            InterviewEvent::Score | InterviewEvent::Rescore => Action::RescoreInterview,
            InterviewEvent::Review => Action::RecordDecision,
        };
        self.authorize(session, action)?;
        if session.station().is_some() {
            // A station moves only the interviews checked in at it.
            self.check_station_interview(session, interview_id)?;
        }
        let now = self.now();
        let from = self.interview_state(interview_id)?;
        let object = format!("interview:{interview_id}");
        let to = match from.apply(event) {
            Ok(to) => to,
            Err(rule) => {
                self.audit_only(session, "interview.advance", &object, Outcome::Failed)?;
                return Err(rule.into());
            }
        };
        self.write(session, "interview.advance", &object, |tx| {
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![interview_id, to.as_str(), now],
            )?;
            if event == InterviewEvent::Review {
                tx.execute("UPDATE interviews SET decided_at = ?2 WHERE id = ?1", params![interview_id, now])?;
            }
            if event == InterviewEvent::Finish {
                tx.execute(
                    "INSERT INTO scoring_jobs (interview_id, answer_id, state, created_at, updated_at) VALUES (?1, NULL, 'queued', ?2, ?2)",
                    params![interview_id, now],
                )?;
            }
            if matches!(event, InterviewEvent::GiveConsent | InterviewEvent::DeclineConsent) {
                tx.execute(
                    "INSERT INTO consents (interview_id, given, text_version, at) VALUES (?1, ?2, 'v1', ?3)",
                    params![interview_id, event == InterviewEvent::GiveConsent, now],
                )?;
            }
            Ok(to)
        })
    }

    /// The state an interview is in.
    pub(crate) fn interview_state(&self, interview_id: i64) -> Result<InterviewState> {
        let state: String = self
            .conn
            .query_row("SELECT state FROM interviews WHERE id = ?1", [interview_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        InterviewState::parse(&state).ok_or_else(|| VaultError::Corrupt(format!("state of interview {interview_id}")))
    }

    /// The interview of a candidate (the latest one), for `report candidate --candidate`.
    pub fn interview_of_candidate(&mut self, session: &Session, candidate_id: i64) -> Result<i64> {
        self.authorize(session, Action::ViewInterviews)?;
        self.conn
            .query_row(
                "SELECT id FROM interviews WHERE candidate_id = ?1 ORDER BY id DESC LIMIT 1",
                [candidate_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview of candidate", id: candidate_id })
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
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_are_masked_after_their_first_character() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(" Alice Smith "), "A*********");
        assert_eq!(mask_name(""), "");
    }
}
