//! What happened to hired candidates later (outcomes from the HRMS), what it says about a job's
//! levels (validity), and new versions of a job's weights applied from a suggestion. The
//! statistics are `interview::validity`'s; this module gathers the people they read and keeps
//! the rules that must hold whoever calls: every outcome checked again inside its transaction,
//! a suggestion recomputed at the moment it is applied, and one that fails the fairness check
//! applied only by an administrator with a written reason.

use std::collections::HashMap;

use interview::outcomes::{CivilDate, Criterion, Outcome, OutcomeKind, OutcomeRecord, RatingScale, check_record};
use interview::validity::{self, CriterionValidity, NoSuggestion, Person, Replay, Suggestion};
use interview::{Action, Weight};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{JobInfo, Session, Vault, keyed_hash};
use crate::audit::Outcome as AuditOutcome;
use crate::error::{Result, VaultError};
use crate::keys::SecretKey;

/// A candidate an outcome may be recorded for: their decision day (`None`: not decided) and the
/// records already there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeTarget {
    pub candidate_id: i64,
    /// Purged by retention: nothing more may be recorded about them.
    pub purged: bool,
    pub decided: Option<CivilDate>,
    pub records: Vec<OutcomeRecord>,
}

/// A job's candidates by ID number, for matching an outcome file (as the candidate import
/// matches: by the keyed hash of the ID number, never the number itself).
pub struct OutcomeLookup {
    key: SecretKey,
    by_hash: HashMap<Vec<u8>, OutcomeTarget>,
    /// Today, in the caller's zone: no outcome may be dated later.
    pub today: CivilDate,
}

impl std::fmt::Debug for OutcomeLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeLookup").field("candidates", &self.by_hash.len()).finish_non_exhaustive()
    }
}

impl OutcomeLookup {
    /// The candidate with `id_number` (normalised as the vault stores it).
    pub fn find(&self, id_number: &str) -> Option<&OutcomeTarget> {
        self.by_hash.get(&keyed_hash(&self.key, &id_number.trim().to_ascii_uppercase()))
    }
}

/// An outcome to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOutcome {
    pub candidate_id: i64,
    pub record: OutcomeRecord,
}

/// One version of a job's weights.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JobVersion {
    pub version: i64,
    pub weights: Vec<Weight>,
    pub created_at_ms: i64,
    pub created_by: Option<String>,
    /// The criterion whose suggestion it was applied from (none for version 1).
    pub criterion: Option<Criterion>,
    pub fairness_passed: Option<bool>,
    /// An administrator's reason for applying it over a failed fairness check.
    pub reason: Option<String>,
    /// Interviews invited under this version.
    pub interviews: i64,
}

/// Everything the validity screen and the report section show for a job.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightsReview {
    pub job: JobInfo,
    /// Candidates of the job with a scored or decided interview.
    pub people: usize,
    /// Of them, with at least one outcome.
    pub with_outcomes: usize,
    pub validity: Vec<CriterionValidity>,
    pub criterion: Criterion,
    pub suggestion: std::result::Result<Suggestion, NoSuggestion>,
    /// The suggestion replayed over the job's past candidates.
    pub replay: Option<Replay>,
}

/// Each candidate of a job (by id) with the keyed hash of their ID number, if any.
type Targets = HashMap<i64, (Option<Vec<u8>>, OutcomeTarget)>;
/// An `outcomes` row: id, candidate, kind, day, days after the decision, value, scale.
type OutcomeRow = (i64, i64, String, Option<i32>, i32, i64, Option<String>);
/// A `job_versions` row: version, when, by whom, criterion, fairness passed, reason, interviews.
type VersionRow = (i64, i64, Option<String>, Option<String>, Option<bool>, Option<String>, i64);

fn kind_value(outcome: Outcome) -> (OutcomeKind, i64, Option<RatingScale>) {
    match outcome {
        Outcome::Probation { passed } => (OutcomeKind::Probation, i64::from(passed), None),
        Outcome::Rating { scale, step } => (OutcomeKind::Rating, i64::from(step), Some(scale)),
        Outcome::Left { voluntary } => (OutcomeKind::Left, i64::from(voluntary), None),
    }
}

fn read_outcome(kind: &str, value: i64, scale: Option<&str>) -> Option<Outcome> {
    Some(match OutcomeKind::parse(kind)? {
        OutcomeKind::Probation => Outcome::Probation { passed: value != 0 },
        OutcomeKind::Left => Outcome::Left { voluntary: value != 0 },
        OutcomeKind::Rating => {
            let scale = RatingScale::ALL.into_iter().find(|s| Some(s.as_str()) == scale)?;
            let step = u8::try_from(value).ok().filter(|s| (1..=scale.steps()).contains(s))?;
            Outcome::Rating { scale, step }
        }
    })
}

impl Vault {
    /// Today in UTC+`offset_minutes`.
    fn today(&self, offset_minutes: i32) -> CivilDate {
        CivilDate::of_ms(self.now(), offset_minutes)
    }

    /// The job's candidates by ID number, for matching an outcome import.
    pub fn outcome_lookup(&mut self, session: &Session, job_id: i64, offset_minutes: i32) -> Result<OutcomeLookup> {
        self.authorize(session, Action::RecordOutcomes)?;
        self.job_info(job_id)?;
        let by_hash = outcome_targets(&self.conn, job_id, offset_minutes)?
            .into_values()
            .filter_map(|(hash, target)| Some((hash?, target)))
            .collect();
        Ok(OutcomeLookup { key: self.lookup_key.derive("id"), by_hash, today: self.today(offset_minutes) })
    }

    /// Records outcomes for candidates of `job_id`, all or none, in one transaction with one
    /// audit entry. Each is checked again there (against the decision day, the records already
    /// there and those before it in `outcomes`, and today), whatever the caller checked: the
    /// first that fails refuses the whole batch, naming the candidate and the problem.
    pub fn record_outcomes(
        &mut self,
        session: &Session,
        job_id: i64,
        outcomes: &[NewOutcome],
        offset_minutes: i32,
    ) -> Result<usize> {
        self.authorize(session, Action::RecordOutcomes)?;
        self.job_info(job_id)?;
        let today = self.today(offset_minutes);
        let now = self.now();
        let (user, token) = match session.api_token_id {
            Some(token) => (None, Some(token)),
            None => (Some(session.user_id), None),
        };
        let object = match outcomes {
            [one] => format!("candidate:{}", one.candidate_id),
            _ => format!("job:{job_id}"),
        };
        self.write(session, "outcome.record", &object, |tx| {
            let mut targets = outcome_targets(tx, job_id, offset_minutes)?;
            let mut rows = Vec::with_capacity(outcomes.len());
            for new in outcomes {
                let refuse = |problem| VaultError::OutcomeRefused { candidate_id: new.candidate_id, problem };
                let Some((_, target)) = targets.get_mut(&new.candidate_id).filter(|(_, t)| !t.purged) else {
                    return Err(refuse(interview::outcomes::OutcomeProblem::UnknownCandidate));
                };
                check_record(target.decided, &target.records, &new.record, today).map_err(refuse)?;
                target.records.push(new.record);
                let decided = target.decided.map_or(new.record.date.0, |d| d.0);
                let (kind, value, scale) = kind_value(new.record.outcome);
                rows.push((new.candidate_id, new.record.date.0, new.record.date.0 - decided, value, scale, kind));
            }
            let mut insert = tx.prepare(
                "INSERT INTO outcomes (candidate_id, kind, day, after_days, value, scale, created_at, created_by, created_by_token)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (candidate, day, after, value, scale, kind) in &rows {
                insert.execute(params![
                    candidate,
                    kind.as_str(),
                    day,
                    after,
                    value,
                    scale.map(RatingScale::as_str),
                    now,
                    user,
                    token
                ])?;
            }
            Ok(rows.len())
        })
    }

    /// A candidate's outcome records (for their page), oldest first.
    pub fn candidate_outcomes(
        &mut self,
        session: &Session,
        candidate_id: i64,
        offset_minutes: i32,
    ) -> Result<Vec<OutcomeRecord>> {
        self.authorize(session, Action::ViewCandidates)?;
        let job_id: i64 = self
            .conn
            .query_row("SELECT job_id FROM candidates WHERE id = ?1", [candidate_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "candidate", id: candidate_id })?;
        let mut records = outcome_targets(&self.conn, job_id, offset_minutes)?
            .remove(&candidate_id)
            .map(|(_, t)| t.records)
            .unwrap_or_default();
        records.sort_by_key(|r| r.date);
        Ok(records)
    }

    /// The job's people as the statistics see them: every candidate with an interview (purged
    /// ones as anonymous numbers), their AI and raters' levels per dimension, the AI's recorded
    /// total, and each criterion's value from their outcomes as of today.
    fn validity_people(&self, job: &JobInfo, offset_minutes: i32) -> Result<Vec<Person>> {
        let today = self.today(offset_minutes);
        let dims: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM dimensions WHERE job_id = ?1 ORDER BY position")?
            .query_map([job.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let position: HashMap<i64, usize> = dims.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let levels = |sql: &str| -> Result<HashMap<i64, Vec<Option<f64>>>> {
            let mut out: HashMap<i64, Vec<Option<f64>>> = HashMap::new();
            let mut stmt = self.conn.prepare(sql)?;
            let rows =
                stmt.query_map([job.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, f64>(2)?)))?;
            for row in rows {
                let (interview, dimension, level) = row?;
                if let Some(&p) = position.get(&dimension) {
                    out.entry(interview).or_insert_with(|| vec![None; dims.len()])[p] = Some(level);
                }
            }
            Ok(out)
        };
        let ai = levels(&format!(
            "SELECT s.interview_id, s.dimension_id, AVG(s.level) FROM scores s JOIN interviews i ON i.id = s.interview_id
             WHERE i.job_id = ?1 AND s.answer_id IS NOT NULL AND s.superseded_at IS NULL AND s.level IS NOT NULL AND {}
             GROUP BY s.interview_id, s.dimension_id",
            super::resumes::CORE_SCORE
        ))?;
        let raters = levels(
            "SELECT r.interview_id, r.dimension_id, AVG(r.level) FROM ratings r JOIN interviews i ON i.id = r.interview_id
             WHERE i.job_id = ?1 GROUP BY r.interview_id, r.dimension_id",
        )?;
        let mut targets = outcome_targets(&self.conn, job.id, offset_minutes)?;
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.group_label, i.id,
                    (SELECT s.total FROM scores s WHERE s.interview_id = i.id AND s.answer_id IS NULL AND s.superseded_at IS NULL ORDER BY s.id DESC LIMIT 1)
             FROM candidates c JOIN interviews i ON i.id = (SELECT MAX(id) FROM interviews WHERE candidate_id = c.id)
             WHERE c.job_id = ?1 ORDER BY c.id",
        )?;
        let rows: Vec<(i64, Option<String>, i64, Option<f64>)> = stmt
            .query_map([job.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let none = vec![None; dims.len()];
        Ok(rows
            .into_iter()
            .filter(|(_, _, interview, total)| {
                total.is_some() || ai.contains_key(interview) || raters.contains_key(interview)
            })
            .map(|(candidate, group, interview, total)| {
                let criteria = match targets.remove(&candidate) {
                    Some((_, t)) if !t.records.is_empty() => {
                        let decided = t.decided.unwrap_or(today);
                        Criterion::ALL.map(|c| c.value(&t.records, decided, today))
                    }
                    _ => [None; 3],
                };
                Person {
                    group,
                    ai: ai.get(&interview).cloned().unwrap_or_else(|| none.clone()),
                    raters: raters.get(&interview).cloned().unwrap_or_else(|| none.clone()),
                    ai_total: total,
                    criteria,
                }
            })
            .collect())
    }

    /// The validity tables of a job, its suggestion for `criterion` and that suggestion's replay
    /// over the job's past candidates (audited as a view of the job's validity).
    pub fn weights_review(
        &mut self,
        session: &Session,
        job_id: i64,
        criterion: Criterion,
        offset_minutes: i32,
    ) -> Result<WeightsReview> {
        self.authorize(session, Action::ViewValidity)?;
        let review = self.compute_review(job_id, criterion, offset_minutes)?;
        self.audit_only(session, "job.validity", &format!("job:{job_id}"), AuditOutcome::Ok)?;
        Ok(review)
    }

    fn compute_review(&self, job_id: i64, criterion: Criterion, offset_minutes: i32) -> Result<WeightsReview> {
        let job = self.job_info(job_id)?;
        let people = self.validity_people(&job, offset_minutes)?;
        let tables = validity::validity(&people, &job.dimensions);
        let table = tables.iter().find(|t| t.criterion == criterion).cloned();
        let suggestion = match &table {
            Some(table) => validity::suggest(&job.dimensions, table, validity::MAX_STEP_BP),
            None => Err(NoSuggestion::TooFew { n: 0, needed: validity::MIN_N as u32 }),
        };
        let replay = suggestion
            .as_ref()
            .ok()
            .map(|s| validity::replay(&people, &job.dimensions, &s.weights(), job.bands, validity::FAIRNESS_MARGIN));
        Ok(WeightsReview {
            people: people.len(),
            with_outcomes: people.iter().filter(|p| p.criteria.iter().any(Option::is_some)).count(),
            validity: tables,
            criterion,
            suggestion,
            replay,
            job,
        })
    }

    /// Applies the suggestion for `criterion` as the job's next weights version and returns it.
    /// The suggestion is computed again now: if it is not `expected` (outcomes or weights changed
    /// since it was shown) nothing is applied. One that fails the fairness check needs
    /// [`Action::ApplyWeightsOverFairness`] (an administrator) and a written `reason`; both
    /// refusals are audited. Interviews already invited keep their version.
    pub fn apply_weights(
        &mut self,
        session: &Session,
        job_id: i64,
        criterion: Criterion,
        expected: &[Weight],
        reason: Option<&str>,
        offset_minutes: i32,
    ) -> Result<i64> {
        self.authorize(session, Action::ApplyWeights)?;
        let review = self.compute_review(job_id, criterion, offset_minutes)?;
        let suggestion = review.suggestion.map_err(VaultError::NoWeightSuggestion)?;
        if suggestion.weights() != expected {
            return Err(VaultError::SuggestionChanged);
        }
        let replay = review.replay.ok_or(VaultError::SuggestionChanged)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let object = format!("job:{job_id}");
        let action = if replay.passes {
            "job.weights"
        } else {
            self.authorize(session, Action::ApplyWeightsOverFairness)?;
            if reason.is_none() {
                self.audit_only(session, "job.weights_over_fairness", &object, AuditOutcome::Denied)?;
                return Err(VaultError::FairnessReasonMissing);
            }
            "job.weights_over_fairness"
        };
        let basis = serde_json::json!({ "suggestion": suggestion, "replay": replay }).to_string();
        let now = self.now();
        let next = review.job.version + 1;
        self.write(session, action, &object, |tx| {
            tx.execute(
                "INSERT INTO job_versions (job_id, version, created_at, created_by, criterion, basis, fairness_passed, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![job_id, next, now, session.user_id, criterion.as_str(), basis, replay.passes, reason],
            )?;
            for w in expected {
                let dimension: i64 = tx.query_row(
                    "SELECT id FROM dimensions WHERE job_id = ?1 AND name = ?2",
                    params![job_id, w.dimension],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO job_version_weights (job_id, version, dimension_id, weight_bp) VALUES (?1, ?2, ?3, ?4)",
                    params![job_id, next, dimension, w.basis_points],
                )?;
                tx.execute("UPDATE dimensions SET weight_bp = ?2 WHERE id = ?1", params![dimension, w.basis_points])?;
            }
            Ok(())
        })?;
        Ok(next)
    }

    /// Every version of a job's weights, oldest first.
    pub fn job_versions(&mut self, session: &Session, job_id: i64) -> Result<Vec<JobVersion>> {
        self.authorize(session, Action::ViewValidity)?;
        self.job_info(job_id)?;
        let rows: Vec<VersionRow> = self
            .conn
            .prepare(
                "SELECT v.version, v.created_at, u.display_name, v.criterion, v.fairness_passed, v.reason,
                        (SELECT COUNT(*) FROM interviews i WHERE i.job_id = v.job_id AND i.job_version = v.version)
                 FROM job_versions v LEFT JOIN users u ON u.id = v.created_by WHERE v.job_id = ?1 ORDER BY v.version",
            )?
            .query_map([job_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(version, created_at_ms, created_by, criterion, fairness_passed, reason, interviews)| {
                Ok(JobVersion {
                    version,
                    weights: self.weights_of(job_id, version)?,
                    created_at_ms,
                    created_by,
                    criterion: match criterion {
                        Some(c) => Some(
                            Criterion::parse(&c)
                                .ok_or_else(|| VaultError::Corrupt(format!("version {version} of job {job_id}")))?,
                        ),
                        None => None,
                    },
                    fairness_passed,
                    reason,
                    interviews,
                })
            })
            .collect()
    }
}

/// Each candidate of `job_id` (purged ones included, under their anonymous id) with the hash of
/// their ID number: the day their latest interview was decided and their outcome records.
fn outcome_targets(conn: &rusqlite::Connection, job_id: i64, offset_minutes: i32) -> Result<Targets> {
    let mut targets: Targets = conn
        .prepare(
            "SELECT c.id, c.id_hash, i.decided_at, c.purged_at IS NOT NULL FROM candidates c
             LEFT JOIN interviews i ON i.id = (SELECT MAX(id) FROM interviews WHERE candidate_id = c.id)
             WHERE c.job_id = ?1",
        )?
        .query_map([job_id], |r| {
            let decided: Option<i64> = r.get(2)?;
            let target = OutcomeTarget {
                candidate_id: r.get(0)?,
                purged: r.get(3)?,
                decided: decided.map(|ms| CivilDate::of_ms(ms, offset_minutes)),
                records: Vec::new(),
            };
            Ok((target.candidate_id, (r.get::<_, Option<Vec<u8>>>(1)?, target)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT o.id, o.candidate_id, o.kind, o.day, o.after_days, o.value, o.scale FROM outcomes o
         JOIN candidates c ON c.id = o.candidate_id WHERE c.job_id = ?1 ORDER BY o.id",
    )?;
    let rows: Vec<OutcomeRow> = stmt
        .query_map([job_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, candidate, kind, day, after_days, value, scale) in rows {
        let corrupt = || VaultError::Corrupt(format!("outcome {id}"));
        let outcome = read_outcome(&kind, value, scale.as_deref()).ok_or_else(corrupt)?;
        let Some((_, target)) = targets.get_mut(&candidate) else { continue };
        // A purged candidate's record has no date: its place after the decision stands in.
        let date = match (day, target.decided) {
            (Some(day), _) => CivilDate(day),
            (None, Some(decided)) => CivilDate(decided.0 + after_days),
            (None, None) => return Err(corrupt()),
        };
        target.records.push(OutcomeRecord { date, outcome });
    }
    Ok(targets)
}
