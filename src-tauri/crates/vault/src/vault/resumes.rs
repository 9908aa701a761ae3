//! Questions that fit the candidate: résumé facts, the conditions of a job's personalised
//! questions, and each interview's personalised questions, chosen when the invitation is issued
//! (inside its transaction, by the plan rule the vault was given — [`Vault::set_personaliser`])
//! and frozen with it. A clerk may remove one before the interview; a removal is kept, not
//! deleted. The total and band come from the core questions alone (`answer_levels`).

use interview::resume::{Chosen, Condition, Conditioned, Personaliser, Reason, ResumeFacts, ResumeSource};
use interview::{Action, InterviewState, Lang};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Session, Vault};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// A candidate's résumé facts as stored, with where they came from and the last change.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumeRecord {
    pub facts: ResumeFacts,
    pub source: ResumeSource,
    pub updated_at_ms: i64,
    /// The person who last changed them (none for an import or the API).
    pub updated_by: Option<String>,
    /// Counts the changes: a save made from an older revision is refused.
    pub revision: i64,
}

/// A job's personalisation: how many personalised questions an invitation gets, and the
/// conditioned questions of its bank.
#[derive(Clone, Debug, PartialEq)]
pub struct Personalisation {
    pub max: u8,
    pub questions: Vec<Conditioned>,
    /// The job's settings' revision (a save from an older one is refused).
    pub revision: i64,
    /// Each question of the job, with its condition's revision.
    pub condition_revisions: Vec<(i64, i64)>,
}

/// One personalised question of an interview.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedQuestion {
    pub question_id: i64,
    pub position: i64,
    pub text: String,
    /// Why it was chosen (empty once retention cleared it).
    pub reasons: Vec<Reason>,
    /// Who removed it and when, if a clerk did.
    pub removed: Option<(String, i64)>,
}

/// SQL: the score `s` is of an answer to a core question of its interview (not to one of the
/// interview's personalised questions). Every per-interview and per-job level that stands
/// beside the total reads only these.
pub(crate) const CORE_SCORE: &str =
    "NOT EXISTS (SELECT 1 FROM answers ca JOIN question_versions cv ON cv.id = ca.question_version_id
     JOIN interview_questions cp ON cp.interview_id = ca.interview_id AND cp.question_id = cv.question_id
     WHERE ca.id = s.answer_id)";

/// The most personalised questions a job may add to an interview.
pub const MAX_PERSONALISED: u8 = 5;

impl Vault {
    /// Gives the vault the plan rule (`scoring::resume::choose`). Without it, an invitation for a
    /// candidate with résumé facts in a job that asks personalised questions is refused rather
    /// than issued without them.
    pub fn set_personaliser(&mut self, personaliser: Personaliser) {
        self.personaliser = Some(personaliser);
    }

    /// Sets (replaces) a candidate's résumé facts.
    pub fn set_resume(
        &mut self,
        session: &Session,
        candidate_id: i64,
        facts: ResumeFacts,
        source: ResumeSource,
    ) -> Result<()> {
        self.authorize(session, Action::ManageCandidates)?;
        let facts = facts.normalised()?;
        self.live_candidate(candidate_id)?;
        let now = self.now();
        let by = (session.api_token_id.is_none() && !matches!(source, ResumeSource::Import | ResumeSource::Api))
            .then_some(session.user_id);
        self.write(session, "candidate.resume", &format!("candidate:{candidate_id}"), |tx| {
            write_resume(tx, candidate_id, &facts, source, now, by)
        })
    }

    /// A clerk's save of the facts they edited from `from_revision` (0: there were none). If
    /// someone changed them since — another clerk, an import, the API — the save is refused
    /// naming who and when, and nothing changes: no lost update.
    pub fn save_resume(
        &mut self,
        session: &Session,
        candidate_id: i64,
        facts: ResumeFacts,
        from_revision: i64,
    ) -> Result<()> {
        self.authorize(session, Action::ManageCandidates)?;
        let facts = facts.normalised()?;
        self.live_candidate(candidate_id)?;
        let now = self.now();
        let object = format!("candidate:{candidate_id}");
        // The revision is compared inside the transaction that writes, so two handles (the app
        // and the API, two desks) cannot both pass the check.
        let saved = self.write(session, "candidate.resume", &object, |tx| {
            let current = tx
                .query_row(
                    "SELECT r.revision, u.display_name, r.updated_at FROM candidate_resumes r
                     LEFT JOIN users u ON u.id = r.updated_by WHERE r.candidate_id = ?1",
                    [candidate_id],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?)),
                )
                .optional()?;
            // (Emptied facts keep their row and revision, so a save from before the emptying is
            // refused too.)
            if let Some((revision, by, at_ms)) = current
                && revision != from_revision
            {
                return Err(VaultError::ChangedMeanwhile { what: "candidate", by: by.unwrap_or_default(), at_ms });
            }
            write_resume(tx, candidate_id, &facts, ResumeSource::Clerk, now, Some(session.user_id))
        });
        if matches!(saved, Err(VaultError::ChangedMeanwhile { .. })) {
            self.audit_only(session, "candidate.resume", &object, Outcome::Failed)?;
        }
        saved
    }

    /// A candidate's name and job, for the candidate page.
    pub fn candidate_name(&mut self, session: &Session, candidate_id: i64) -> Result<(String, i64)> {
        self.authorize(session, Action::ViewCandidates)?;
        self.conn
            .query_row("SELECT name, job_id FROM candidates WHERE id = ?1 AND purged_at IS NULL", [candidate_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "candidate", id: candidate_id })
    }

    /// A candidate's résumé facts, if any were ever given (emptied ones are a record with empty
    /// facts: who emptied them, when, and the revision a later save starts from).
    pub fn resume(&mut self, session: &Session, candidate_id: i64) -> Result<Option<ResumeRecord>> {
        self.authorize(session, Action::ViewCandidates)?;
        let row = self
            .conn
            .query_row(
                "SELECT r.facts_json, r.source, r.updated_at, u.display_name, r.revision FROM candidate_resumes r
                 LEFT JOIN users u ON u.id = r.updated_by WHERE r.candidate_id = ?1",
                [candidate_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        row.map(|(json, source, updated_at_ms, updated_by, revision)| {
            Ok(ResumeRecord {
                facts: serde_json::from_str(&json)
                    .map_err(|_| VaultError::Corrupt(format!("résumé of candidate {candidate_id}")))?,
                source: ResumeSource::parse(&source)
                    .ok_or_else(|| VaultError::Corrupt(format!("résumé source of candidate {candidate_id}")))?,
                updated_at_ms,
                updated_by,
                revision,
            })
        })
        .transpose()
    }

    /// Makes a question personalised (asked only when `condition` holds for the candidate's
    /// résumé) or, with `None`, a core question again. Interviews already invited keep their
    /// plan.
    ///
    /// `from_revision` is the condition's revision the change was made from: if someone changed
    /// it since, the save is refused with who and when, and nothing changes. `None` saves
    /// regardless.
    pub fn set_question_condition(
        &mut self,
        session: &Session,
        question_id: i64,
        condition: Option<Condition>,
        from_revision: Option<i64>,
    ) -> Result<()> {
        self.authorize(session, Action::ManageQuestions)?;
        let condition = condition.map(Condition::checked).transpose()?;
        let object = format!("question:{question_id}");
        let row: Option<(i64, Option<String>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT q.condition_revision, u.display_name, q.condition_changed_at
                 FROM questions q LEFT JOIN users u ON u.id = q.condition_changed_by WHERE q.id = ?1",
                [question_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((revision, by, at)) = row else {
            return Err(VaultError::NoSuchObject { what: "question", id: question_id });
        };
        if from_revision.is_some_and(|from| from != revision) {
            self.audit_only(session, "question.condition", &object, Outcome::Failed)?;
            return Err(VaultError::ChangedMeanwhile {
                what: "question",
                by: by.unwrap_or_default(),
                at_ms: at.unwrap_or_default(),
            });
        }
        let json =
            condition.map(|c| serde_json::to_string(&c)).transpose().map_err(|e| VaultError::Corrupt(e.to_string()))?;
        let now = self.now();
        let saved = self.write(session, "question.condition", &object, |tx| {
            // The revision read above must still be current (another handle may have saved).
            let moved = tx.execute(
                "UPDATE questions SET condition_json = ?2, condition_revision = condition_revision + 1,
                        condition_changed_by = ?4, condition_changed_at = ?5
                 WHERE id = ?1 AND condition_revision = ?3",
                params![question_id, json, revision, session.user_id, now],
            )?;
            if moved != 1 {
                return Err(VaultError::ChangedMeanwhile { what: "question", by: String::new(), at_ms: now });
            }
            Ok(())
        });
        if matches!(saved, Err(VaultError::ChangedMeanwhile { .. })) {
            self.audit_only(session, "question.condition", &object, Outcome::Failed)?;
        }
        saved
    }

    /// Sets how many personalised questions (0–5) an invitation to the job gets.
    /// `from_revision` is the job's revision the change was made from: if someone changed the
    /// job's settings since, the save is refused with who and when. `None` saves regardless.
    pub fn set_personalised_max(
        &mut self,
        session: &Session,
        job_id: i64,
        max: u8,
        from_revision: Option<i64>,
    ) -> Result<()> {
        self.authorize(session, Action::ManageJobs)?;
        self.job_info(job_id)?;
        let object = format!("job:{job_id}");
        let (revision, by, at): (i64, Option<String>, Option<i64>) = self.conn.query_row(
            "SELECT j.revision, u.display_name, j.changed_at FROM jobs j LEFT JOIN users u ON u.id = j.changed_by
             WHERE j.id = ?1",
            [job_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if from_revision.is_some_and(|from| from != revision) {
            self.audit_only(session, "job.personalised", &object, Outcome::Failed)?;
            return Err(VaultError::ChangedMeanwhile {
                what: "job",
                by: by.unwrap_or_default(),
                at_ms: at.unwrap_or_default(),
            });
        }
        let max = max.min(MAX_PERSONALISED);
        let now = self.now();
        let saved = self.write(session, "job.personalised", &object, |tx| {
            let moved = tx.execute(
                "UPDATE jobs SET personalised_max = ?2, revision = revision + 1, changed_by = ?4, changed_at = ?5
                 WHERE id = ?1 AND revision = ?3",
                params![job_id, max, revision, session.user_id, now],
            )?;
            if moved != 1 {
                return Err(VaultError::ChangedMeanwhile { what: "job", by: String::new(), at_ms: now });
            }
            Ok(())
        });
        if matches!(saved, Err(VaultError::ChangedMeanwhile { .. })) {
            self.audit_only(session, "job.personalised", &object, Outcome::Failed)?;
        }
        saved
    }

    /// A job's personalisation settings.
    pub fn personalisation(&mut self, session: &Session, job_id: i64) -> Result<Personalisation> {
        self.authorize(session, Action::ViewCandidates)?;
        self.job_info(job_id)?;
        personalisation_of(&self.conn, job_id)
    }

    /// An interview's personalised questions, removed ones included (marked).
    pub fn interview_personalised(&mut self, session: &Session, interview_id: i64) -> Result<Vec<PlannedQuestion>> {
        self.authorize(session, Action::ViewCandidates)?;
        let rows = self
            .conn
            .prepare(
                "SELECT p.question_id, q.position, p.reasons_json, u.display_name, p.removed_at,
                        (SELECT v.text FROM question_versions v WHERE v.question_id = q.id ORDER BY v.version DESC LIMIT 1)
                 FROM interview_questions p JOIN questions q ON q.id = p.question_id
                 LEFT JOIN users u ON u.id = p.removed_by
                 WHERE p.interview_id = ?1 ORDER BY q.position, q.id",
            )?
            .query_map([interview_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(question_id, position, reasons, by, at, text)| {
                let reasons = match reasons {
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|_| VaultError::Corrupt(format!("reasons of question {question_id}")))?,
                    None => Vec::new(),
                };
                Ok(PlannedQuestion {
                    question_id,
                    position,
                    text,
                    reasons,
                    removed: at.map(|at| (by.unwrap_or_default(), at)),
                })
            })
            .collect()
    }

    /// Removes a personalised question from an interview not yet begun. Kept as removed (who,
    /// when), not deleted.
    pub fn remove_personalised(&mut self, session: &Session, interview_id: i64, question_id: i64) -> Result<()> {
        self.authorize(session, Action::IssueInvitations)?;
        let state = self.interview_state(interview_id)?;
        if state != InterviewState::Invited {
            return Err(VaultError::PlanFrozen(interview_id));
        }
        let planned: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM interview_questions WHERE interview_id = ?1 AND question_id = ?2 AND removed_at IS NULL)",
            params![interview_id, question_id],
            |r| r.get(0),
        )?;
        if !planned {
            return Err(VaultError::NotPersonalised(question_id));
        }
        let now = self.now();
        self.write(session, "interview.question_removed", &format!("interview:{interview_id}"), |tx| {
            tx.execute(
                "UPDATE interview_questions SET removed_at = ?3, removed_by = ?4 WHERE interview_id = ?1 AND question_id = ?2",
                params![interview_id, question_id, now, session.user_id],
            )?;
            Ok(())
        })
    }

    /// The personalised questions an interview was given (removed ones included: an answer to
    /// one cannot exist, and if it did it would still not be a core answer).
    pub fn personalised_question_ids(&self, interview_id: i64) -> Result<Vec<i64>> {
        Ok(self
            .conn
            .prepare("SELECT question_id FROM interview_questions WHERE interview_id = ?1 ORDER BY question_id")?
            .query_map([interview_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// A candidate that exists and has not been purged.
    fn live_candidate(&self, candidate_id: i64) -> Result<()> {
        let live: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM candidates WHERE id = ?1 AND purged_at IS NULL)",
            [candidate_id],
            |r| r.get(0),
        )?;
        if live { Ok(()) } else { Err(VaultError::NoSuchObject { what: "candidate", id: candidate_id }) }
    }
}

/// Chooses and freezes the personalised questions of a new interview (inside the
/// invitation's transaction).
pub(crate) fn plan_personalised(
    tx: &Transaction<'_>,
    personaliser: Option<Personaliser>,
    interview_id: i64,
    candidate_id: i64,
    job_id: i64,
) -> Result<()> {
    let bank = personalisation_of(tx, job_id)?;
    if bank.max == 0 || bank.questions.is_empty() {
        return Ok(());
    }
    let facts: Option<String> = tx
        .query_row("SELECT facts_json FROM candidate_resumes WHERE candidate_id = ?1", [candidate_id], |r| r.get(0))
        .optional()?;
    let Some(facts) = facts else { return Ok(()) };
    let facts: ResumeFacts =
        serde_json::from_str(&facts).map_err(|_| VaultError::Corrupt(format!("résumé of candidate {candidate_id}")))?;
    let choose = personaliser.ok_or(VaultError::PersonalisationUnavailable)?;
    let language: Lang = tx
        .query_row("SELECT language FROM jobs WHERE id = ?1", [job_id], |r| r.get::<_, String>(0))?
        .parse()
        .map_err(|_| VaultError::Corrupt(format!("language of job {job_id}")))?;
    let chosen: Vec<Chosen> = choose(&bank.questions, &facts, usize::from(bank.max), language);
    for c in chosen.iter().take(usize::from(bank.max)) {
        let reasons = serde_json::to_string(&c.reasons).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO interview_questions (interview_id, question_id, reasons_json) VALUES (?1, ?2, ?3)",
            params![interview_id, c.question_id, reasons],
        )?;
    }
    Ok(())
}

pub(crate) fn write_resume(
    tx: &Transaction<'_>,
    candidate_id: i64,
    facts: &ResumeFacts,
    source: ResumeSource,
    now: i64,
    by: Option<i64>,
) -> Result<()> {
    let json = serde_json::to_string(facts).map_err(|e| VaultError::Corrupt(e.to_string()))?;
    if facts.is_empty() {
        // Emptied facts stay a row (with its revision counting on), so that a page still showing
        // the facts from before cannot save over the emptying; no facts at all need no row.
        tx.execute(
            "UPDATE candidate_resumes SET facts_json = ?2, source = ?3, updated_at = ?4, updated_by = ?5,
                 revision = revision + 1 WHERE candidate_id = ?1",
            params![candidate_id, json, source.as_str(), now, by],
        )?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO candidate_resumes (candidate_id, facts_json, source, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (candidate_id) DO UPDATE SET facts_json = ?2, source = ?3, updated_at = ?4, updated_by = ?5,
             revision = revision + 1",
        params![candidate_id, json, source.as_str(), now, by],
    )?;
    Ok(())
}

fn personalisation_of(conn: &rusqlite::Connection, job_id: i64) -> Result<Personalisation> {
    let (max, revision): (u8, i64) =
        conn.query_row("SELECT personalised_max, revision FROM jobs WHERE id = ?1", [job_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let condition_revisions = conn
        .prepare("SELECT id, condition_revision FROM questions WHERE job_id = ?1 ORDER BY position, id")?
        .query_map([job_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let rows = conn
        .prepare("SELECT id, position, condition_json FROM questions WHERE job_id = ?1 AND condition_json IS NOT NULL ORDER BY position, id")?
        .query_map([job_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let questions = rows
        .into_iter()
        .map(|(question_id, position, json)| {
            Ok(Conditioned {
                question_id,
                position,
                condition: serde_json::from_str(&json)
                    .map_err(|_| VaultError::Corrupt(format!("condition of question {question_id}")))?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Personalisation { max, questions, revision, condition_revisions })
}
