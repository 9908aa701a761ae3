//! What signed reports need from the vault: the organisation (name, logo, language) and its
//! signing identity, everything one interview's report shows, a job's candidates for the job
//! report, and the register of signed reports that `verify` checks a file against.

use interview::stored::{StoredDelivery, StoredLine, StoredScore, transcript_from_json};
use interview::{Action, Band, FlagKind, FlagStatus, InterviewState, Lang};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

use super::jobs::JobInfo;
use super::results::{stored, stored_opt};
use super::{Session, Vault};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// An identity to install: the private key (PKCS#8 DER) and the certificates (DER, signing
/// certificate first), with what the report crate read from them.
#[derive(Clone, Debug)]
pub struct NewSigningIdentity {
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub chain_der: Vec<Vec<u8>>,
    pub imported: bool,
    pub subject: String,
    pub fingerprint: String,
    pub root_fingerprint: String,
}

#[derive(Clone, Debug)]
pub struct StoredSigningIdentity {
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub chain_der: Vec<Vec<u8>>,
    pub subject: String,
    pub fingerprint: String,
}

/// A signing identity as listed (no key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningIdentityInfo {
    /// The certificates (DER), signing certificate first, root last.
    pub chain_der: Vec<Vec<u8>>,
    pub subject: String,
    pub fingerprint: String,
    pub root_fingerprint: String,
    pub imported: bool,
    pub created_at_ms: i64,
    pub retired_at_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub name: String,
    pub logo_png: Option<Vec<u8>>,
    /// The language reports are written in unless asked otherwise.
    pub report_lang: Lang,
}

/// One answer as a candidate report shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerRecord {
    pub answer_id: i64,
    pub question_position: i64,
    pub question_text: String,
    pub rubric_version: i64,
    /// The rubric the answer was scored against (that version of the question).
    pub rubric_json: String,
    pub attempt: i64,
    pub started_at_ms: i64,
    /// The recording's length, from its segments.
    pub duration_ms: i64,
    /// The latest transcript (empty when not transcribed yet, or purged).
    pub transcript: Vec<StoredLine>,
    pub delivery: Option<StoredDelivery>,
    /// The current scores, in the job's dimension order.
    pub scores: Vec<AnswerScore>,
    /// A personalised question's answer: evidence beside the total, not in it.
    pub personalised: bool,
    /// What the kiosk decided about follow-ups after the answer, and where each asked one
    /// starts in the recording.
    pub follow_ups: Vec<FollowUpRecord>,
}

/// A stored follow-up record with the time its recording starts in the answer (asked ones).
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpRecord {
    pub stored: interview::follow_up::StoredFollowUp,
    pub start_ms: Option<i64>,
}

/// One dimension of one answer as scored.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerScore {
    pub dimension: String,
    /// 1–5.
    pub level: f64,
    /// The evidence behind the level; `None` once the candidate's personal data was purged.
    pub explanation: Option<StoredScore>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagRecord {
    pub id: i64,
    pub answer_id: Option<i64>,
    pub kind: FlagKind,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub status: FlagStatus,
}

/// A flag row's numbers, before its kind and status are checked.
struct FlagRecordIds {
    id: i64,
    answer_id: Option<i64>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingRecord {
    pub rater: String,
    pub dimension: String,
    pub level: i64,
    pub note: Option<String>,
    pub at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    pub decider: String,
    pub band: Band,
    pub reason: String,
    pub at_ms: i64,
    /// Decided while this many integrity flags were open, and why (`Vault::decide`).
    pub over_open_flags: Option<(u32, String)>,
}

/// Everything a candidate report shows about one interview.
#[derive(Clone, Debug, PartialEq)]
pub struct InterviewRecord {
    pub interview_id: i64,
    pub state: InterviewState,
    pub candidate_id: i64,
    pub candidate_name: String,
    pub id_last4: Option<String>,
    pub purged: bool,
    pub job: JobInfo,
    pub device: Option<String>,
    /// When the first answer started (the interview date), if any was recorded.
    pub started_at_ms: Option<i64>,
    pub answers: Vec<AnswerRecord>,
    pub total: Option<f64>,
    pub band: Option<Band>,
    pub model_versions: Option<String>,
    pub flags: Vec<FlagRecord>,
    pub ratings: Vec<RatingRecord>,
    pub decision: Option<DecisionRecord>,
}

impl InterviewRecord {
    /// The AI's level for `dimension` over the whole interview: the mean of the core answers'
    /// levels for it (what the report's chart and the rating form show; personalised answers
    /// are evidence beside it), or `None` when no core answer was scored on it.
    pub fn ai_level(&self, dimension: &str) -> Option<f64> {
        let levels: Vec<f64> = self
            .answers
            .iter()
            .filter(|a| !a.personalised)
            .flat_map(|a| a.scores.iter().filter(|s| s.dimension == dimension).map(|s| s.level))
            .collect();
        (!levels.is_empty()).then(|| levels.iter().sum::<f64>() / levels.len() as f64)
    }
}

/// One candidate of a job, for the job report.
#[derive(Clone, Debug, PartialEq)]
pub struct JobCandidateRecord {
    pub candidate_id: i64,
    pub name: String,
    pub group_label: Option<String>,
    pub state: Option<InterviewState>,
    pub total: Option<f64>,
    pub band: Option<Band>,
    /// Per dimension of the job (in the job's order): the mean AI level over the core answers.
    pub ai_levels: Vec<Option<f64>>,
    /// Per dimension: the mean of the human ratings.
    pub human_levels: Vec<Option<f64>>,
    pub decision: Option<Band>,
}

/// A signed report to register (who and when are the session's and the vault's clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    pub id: String,
    pub kind: String,
    pub object: String,
    pub sha256: [u8; 32],
    pub size: u64,
    pub signer_fingerprint: String,
    pub audit_seq: i64,
}

/// A signed report as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: String,
    pub kind: String,
    pub object: String,
    pub sha256: [u8; 32],
    pub size: u64,
    pub signer_fingerprint: String,
    pub audit_seq: i64,
    pub created_at_ms: i64,
    pub created_by: String,
}

const ORG_NAME: &str = "org.name";

const ORG_LOGO: &str = "org.logo_png";

const REPORT_LANG: &str = "report.lang";

impl Vault {
    pub fn organisation(&self) -> Result<Organisation> {
        let get = |key: &str| -> Result<Option<String>> {
            Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        };
        Ok(Organisation {
            name: get(ORG_NAME)?.unwrap_or_default(),
            logo_png: get(ORG_LOGO)?.and_then(|h| hex::decode(h).ok()),
            report_lang: get(REPORT_LANG)?.and_then(|l| l.parse().ok()).unwrap_or_default(),
        })
    }

    /// Sets the organisation's name, logo (PNG) and report language (administrator).
    pub fn set_organisation(&mut self, session: &Session, org: &Organisation) -> Result<()> {
        self.authorize(session, Action::ManageSettings)?;
        self.write(session, "settings.organisation", "settings:organisation", |tx| {
            let put = |key: &str, value: Option<String>| -> Result<()> {
                match value {
                    Some(v) => tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        params![key, v],
                    )?,
                    None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
                };
                Ok(())
            };
            put(ORG_NAME, Some(org.name.trim().to_owned()))?;
            put(ORG_LOGO, org.logo_png.as_ref().map(hex::encode))?;
            put(REPORT_LANG, Some(org.report_lang.tag().to_owned()))?;
            Ok(())
        })
    }

    /// Installs a signing identity (administrator); the previous one is retired, not deleted.
    pub fn set_signing_identity(&mut self, session: &Session, identity: &NewSigningIdentity) -> Result<()> {
        self.authorize(session, Action::ManageSettings)?;
        let now = self.now();
        let chain = serde_json::to_string(&identity.chain_der.iter().map(hex::encode).collect::<Vec<_>>())
            .map_err(|_| VaultError::Crypto("certificate chain encoding"))?;
        let object = format!("signing:{}", &identity.fingerprint[..identity.fingerprint.len().min(16)]);
        self.write(session, "signing.identity", &object, |tx| {
            tx.execute("UPDATE signing_identities SET retired_at = ?1 WHERE retired_at IS NULL", [now])?;
            tx.execute(
                "INSERT INTO signing_identities (key_pkcs8, chain_json, source, subject, fingerprint, root_fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    identity.key_pkcs8.as_slice(),
                    chain,
                    if identity.imported { "imported" } else { "generated" },
                    identity.subject,
                    identity.fingerprint,
                    identity.root_fingerprint,
                    now
                ],
            )?;
            Ok(())
        })
    }

    /// The current signing identity with its private key, for signing an export.
    pub fn signing_identity(&mut self, session: &Session) -> Result<StoredSigningIdentity> {
        self.authorize(session, Action::ExportReports)?;
        let row: Option<(Vec<u8>, String, String, String)> = self
            .conn
            .query_row(
                "SELECT key_pkcs8, chain_json, subject, fingerprint FROM signing_identities WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let (key, chain, subject, fingerprint) = row.ok_or(VaultError::NoSigningIdentity)?;
        let chain: Vec<String> =
            serde_json::from_str(&chain).map_err(|_| VaultError::Corrupt("signing certificate chain".into()))?;
        let chain_der = chain
            .iter()
            .map(|h| hex::decode(h).map_err(|_| VaultError::Corrupt("signing certificate".into())))
            .collect::<Result<_>>()?;
        Ok(StoredSigningIdentity { key_pkcs8: Zeroizing::new(key), chain_der, subject, fingerprint })
    }

    /// The current signing certificate chain (DER, signing certificate first; no key): what
    /// validators are given to trust.
    pub fn signing_certificates(&mut self, session: &Session) -> Result<Vec<Vec<u8>>> {
        self.authorize_any(session, &[Action::ManageSettings, Action::ViewInterviews, Action::ViewAudit])?;
        let chain: Option<String> = self
            .conn
            .query_row(
                "SELECT chain_json FROM signing_identities WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let chain: Vec<String> = serde_json::from_str(&chain.ok_or(VaultError::NoSigningIdentity)?)
            .map_err(|_| VaultError::Corrupt("signing certificate chain".into()))?;
        chain.iter().map(|h| hex::decode(h).map_err(|_| VaultError::Corrupt("signing certificate".into()))).collect()
    }

    /// Every identity this vault has signed with, current first (no keys).
    pub fn signing_identities(&mut self, session: &Session) -> Result<Vec<SigningIdentityInfo>> {
        self.authorize_any(session, &[Action::ViewInterviews, Action::ManageSettings])?;
        let rows = self
            .conn
            .prepare(
                "SELECT subject, fingerprint, root_fingerprint, source, created_at, retired_at, chain_json FROM signing_identities ORDER BY id DESC",
            )?
            .query_map([], |r| {
                let chain: String = r.get(6)?;
                let chain: Vec<String> = serde_json::from_str(&chain).unwrap_or_default();
                Ok(SigningIdentityInfo {
                    chain_der: chain.iter().filter_map(|h| hex::decode(h).ok()).collect(),
                    subject: r.get(0)?,
                    fingerprint: r.get(1)?,
                    root_fingerprint: r.get(2)?,
                    imported: r.get::<_, String>(3)? == "imported",
                    created_at_ms: r.get(4)?,
                    retired_at_ms: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Everything one interview's report shows.
    pub fn interview_record(&mut self, session: &Session, interview_id: i64) -> Result<InterviewRecord> {
        self.authorize(session, Action::ViewInterviews)?;
        let (state, candidate_id, job_id, device, name, last4, purged): (
            String,
            i64,
            i64,
            Option<String>,
            String,
            Option<String>,
            Option<i64>,
        ) = self
            .conn
            .query_row(
                "SELECT i.state, i.candidate_id, i.job_id, i.device, c.name, c.id_last4, c.purged_at
                 FROM interviews i JOIN candidates c ON c.id = i.candidate_id WHERE i.id = ?1",
                [interview_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        let state = stored(&state, InterviewState::parse, || format!("state of interview {interview_id}"))?;
        let job = self.interview_job(interview_id)?;
        debug_assert_eq!(job.id, job_id);

        let mut rows: Vec<(AnswerRecord, Option<String>, Option<String>)> = self
            .conn
            .prepare(
                "SELECT a.id, q.position, v.text, v.version, a.attempt, a.started_at,
                        COALESCE((SELECT SUM(m.duration_ms) FROM media m WHERE m.answer_id = a.id AND m.kind = 'audio'), 0),
                        (SELECT t.segments_json FROM transcripts t WHERE t.answer_id = a.id ORDER BY t.id DESC LIMIT 1),
                        (SELECT t.delivery_json FROM transcripts t WHERE t.answer_id = a.id ORDER BY t.id DESC LIMIT 1),
                        v.rubric_json,
                        EXISTS (SELECT 1 FROM interview_questions p WHERE p.interview_id = a.interview_id AND p.question_id = q.id)
                 FROM answers a JOIN question_versions v ON v.id = a.question_version_id JOIN questions q ON q.id = v.question_id
                 WHERE a.interview_id = ?1 AND a.state = 'committed' AND a.practice = 0
                 ORDER BY q.position, a.attempt",
            )?
            .query_map([interview_id], |r| {
                Ok((
                    AnswerRecord {
                        answer_id: r.get(0)?,
                        question_position: r.get(1)?,
                        question_text: r.get(2)?,
                        rubric_version: r.get(3)?,
                        rubric_json: r.get(9)?,
                        attempt: r.get(4)?,
                        started_at_ms: r.get(5)?,
                        duration_ms: r.get(6)?,
                        transcript: Vec::new(),
                        delivery: None,
                        scores: Vec::new(),
                        personalised: r.get(10)?,
                        follow_ups: Vec::new(),
                    },
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        // Only the last committed attempt of each question counts.
        rows.dedup_by(|later, earlier| {
            if later.0.question_position == earlier.0.question_position {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        let corrupt = |what: &str, id: i64, e: interview::stored::StoredShapeError| {
            VaultError::Corrupt(format!("{what} of answer {id}: {e}"))
        };
        let mut answers = Vec::with_capacity(rows.len());
        for (mut answer, transcript, delivery) in rows {
            let id = answer.answer_id;
            if let Some(json) = transcript {
                answer.transcript = transcript_from_json(&json).map_err(|e| corrupt("transcript", id, e))?;
            }
            if let Some(json) = delivery {
                answer.delivery = Some(StoredDelivery::from_json(&json).map_err(|e| corrupt("delivery", id, e))?);
            }
            for stored in self.answer_follow_ups(id)? {
                let start_ms = match stored.first_segment {
                    Some(first) => Some(self.conn.query_row(
                        "SELECT COALESCE(SUM(duration_ms), 0) FROM media WHERE answer_id = ?1 AND kind = 'audio'
                         AND COALESCE(format, 'wav/16k') = 'wav/16k' AND segment < ?2",
                        rusqlite::params![id, first],
                        |r| r.get(0),
                    )?),
                    None => None,
                };
                answer.follow_ups.push(FollowUpRecord { stored, start_ms });
            }
            let scores: Vec<(String, f64, String)> = self
                .conn
                .prepare(
                    "SELECT d.name, s.level, s.evidence_json FROM scores s JOIN dimensions d ON d.id = s.dimension_id
                     WHERE s.answer_id = ?1 AND s.superseded_at IS NULL AND s.level IS NOT NULL ORDER BY d.position",
                )?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (dimension, level, evidence) in scores {
                // Purging keeps the levels (statistics) and shreds the evidence (quotes).
                let explanation = match purged {
                    Some(_) => None,
                    None => Some(StoredScore::from_json(&evidence).map_err(|e| corrupt("score", id, e))?),
                };
                answer.scores.push(AnswerScore { dimension, level, explanation });
            }
            answers.push(answer);
        }
        let started_at_ms = answers.iter().map(|a| a.started_at_ms).min();
        let total: Option<(Option<f64>, Option<String>, String)> = self
            .conn
            .query_row(
                "SELECT total, band, model_versions FROM scores WHERE interview_id = ?1 AND answer_id IS NULL AND superseded_at IS NULL
                 ORDER BY id DESC LIMIT 1",
                [interview_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (total, band) = match total {
            Some((total, band, _)) => {
                (total, stored_opt(band.as_deref(), Band::parse, || format!("band of interview {interview_id}"))?)
            }
            None => (None, None),
        };
        // The models that produced the current scores (the answers' rows name them).
        let models: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT model_versions FROM scores WHERE interview_id = ?1 AND superseded_at IS NULL AND model_versions != ''",
            )?
            .query_map([interview_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let model_versions = (!models.is_empty()).then(|| models.join("; "));
        // Read as text first: the kind and status are checked against the vocabulary below.
        type FlagRow = (FlagRecordIds, String, String);
        let flags: Vec<FlagRow> = self
            .conn
            .prepare(
                "SELECT answer_id, kind, start_ms, end_ms, status, id FROM flags WHERE interview_id = ?1 ORDER BY answer_id, start_ms, id",
            )?
            .query_map([interview_id], |r| {
                let ids = FlagRecordIds { id: r.get(5)?, answer_id: r.get(0)?, start_ms: r.get(2)?, end_ms: r.get(3)? };
                Ok((ids, r.get(1)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let flags = flags
            .into_iter()
            .map(|(FlagRecordIds { id, answer_id, start_ms, end_ms }, kind, status)| {
                Ok(FlagRecord {
                    id,
                    answer_id,
                    kind: stored(&kind, FlagKind::parse, || format!("kind of flag {id}"))?,
                    start_ms,
                    end_ms,
                    status: stored(&status, FlagStatus::parse, || format!("status of flag {id}"))?,
                })
            })
            .collect::<Result<_>>()?;
        let ratings = self
            .conn
            .prepare(
                "SELECT u.display_name, d.name, r.level, r.note, r.created_at FROM ratings r
                 JOIN users u ON u.id = r.rater_id JOIN dimensions d ON d.id = r.dimension_id
                 WHERE r.interview_id = ?1 ORDER BY d.position, r.id",
            )?
            .query_map([interview_id], |r| {
                Ok(RatingRecord {
                    rater: r.get(0)?,
                    dimension: r.get(1)?,
                    level: r.get(2)?,
                    note: r.get(3)?,
                    at_ms: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let decision = self
            .conn
            .query_row(
                "SELECT u.display_name, d.band, d.reason, d.created_at, d.open_flags, d.over_open_flags
                 FROM decisions d JOIN users u ON u.id = d.decider_id
                 WHERE d.interview_id = ?1 ORDER BY d.id DESC LIMIT 1",
                [interview_id],
                |r| {
                    let over = r.get::<_, Option<String>>(5)?.map(|note| (r.get::<_, u32>(4).unwrap_or(0), note));
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        over,
                    ))
                },
            )
            .optional()?
            .map(|(decider, band, reason, at_ms, over_open_flags)| {
                stored(&band, Band::parse, || format!("decision of interview {interview_id}"))
                    .map(|band| DecisionRecord { decider, band, reason, at_ms, over_open_flags })
            })
            .transpose()?;
        Ok(InterviewRecord {
            interview_id,
            state,
            candidate_id,
            candidate_name: name,
            id_last4: last4,
            purged: purged.is_some(),
            job,
            device,
            started_at_ms,
            answers,
            total,
            band,
            model_versions,
            flags,
            ratings,
            decision,
        })
    }

    /// A job's candidates with their scores, ratings and decisions, for the job report.
    pub fn job_candidates(&mut self, session: &Session, job_id: i64) -> Result<(JobInfo, Vec<JobCandidateRecord>)> {
        self.authorize(session, Action::ViewInterviews)?;
        let job = self.job_info(job_id)?;
        let dims: Vec<(i64, String)> = self
            .conn
            .prepare("SELECT id, name FROM dimensions WHERE job_id = ?1 ORDER BY position")?
            .query_map([job_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut candidates: Vec<(JobCandidateRecord, Option<i64>)> = self
            .conn
            .prepare(
                "SELECT c.id, c.name, c.group_label, i.id, i.state,
                        (SELECT s.total FROM scores s WHERE s.interview_id = i.id AND s.answer_id IS NULL AND s.superseded_at IS NULL ORDER BY s.id DESC LIMIT 1),
                        (SELECT s.band FROM scores s WHERE s.interview_id = i.id AND s.answer_id IS NULL AND s.superseded_at IS NULL ORDER BY s.id DESC LIMIT 1),
                        (SELECT d.band FROM decisions d WHERE d.interview_id = i.id ORDER BY d.id DESC LIMIT 1)
                 FROM candidates c
                 LEFT JOIN interviews i ON i.id = (SELECT MAX(id) FROM interviews WHERE candidate_id = c.id)
                 WHERE c.job_id = ?1 ORDER BY c.id",
            )?
            .query_map([job_id], |r| {
                let state: Option<String> = r.get(4)?;
                let band: Option<String> = r.get(6)?;
                let decision: Option<String> = r.get(7)?;
                let interview: Option<i64> = r.get(3)?;
                let record = JobCandidateRecord {
                    candidate_id: r.get(0)?,
                    name: r.get(1)?,
                    group_label: r.get(2)?,
                    state: None,
                    total: r.get(5)?,
                    band: None,
                    ai_levels: Vec::new(),
                    human_levels: Vec::new(),
                    decision: None,
                };
                Ok((record, interview, state, band, decision))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|(mut record, interview, state, band, decision)| {
                let of = |what: &str| format!("{what} of interview {}", interview.unwrap_or_default());
                record.state = stored_opt(state.as_deref(), InterviewState::parse, || of("state"))?;
                record.band = stored_opt(band.as_deref(), Band::parse, || of("band"))?;
                record.decision = stored_opt(decision.as_deref(), Band::parse, || of("decision"))?;
                Ok((record, interview))
            })
            .collect::<Result<_>>()?;
        let mut ai = self.conn.prepare(&format!(
            "SELECT s.dimension_id, AVG(s.level) FROM scores s WHERE s.interview_id = ?1 AND s.answer_id IS NOT NULL
                 AND s.superseded_at IS NULL AND s.level IS NOT NULL AND {} GROUP BY s.dimension_id",
            super::resumes::CORE_SCORE
        ))?;
        let mut human = self
            .conn
            .prepare("SELECT dimension_id, AVG(level) FROM ratings WHERE interview_id = ?1 GROUP BY dimension_id")?;
        for (candidate, interview) in &mut candidates {
            let Some(interview) = *interview else {
                candidate.ai_levels = vec![None; dims.len()];
                candidate.human_levels = vec![None; dims.len()];
                continue;
            };
            let per_dim = |stmt: &mut rusqlite::Statement<'_>| -> Result<Vec<Option<f64>>> {
                let found: Vec<(i64, f64)> =
                    stmt.query_map([interview], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
                Ok(dims.iter().map(|(id, _)| found.iter().find(|(d, _)| d == id).map(|(_, l)| *l)).collect())
            };
            candidate.ai_levels = per_dim(&mut ai)?;
            candidate.human_levels = per_dim(&mut human)?;
        }
        Ok((job, candidates.into_iter().map(|(c, _)| c).collect()))
    }

    /// Records a signed report (and audits the export) in one transaction.
    pub fn register_report(&mut self, session: &Session, report: &NewReport) -> Result<()> {
        self.authorize(session, Action::ExportReports)?;
        let now = self.now();
        let (user, token) = match session.api_token_id {
            Some(token) => (None, Some(token)),
            None => (Some(session.user_id), None),
        };
        self.write(session, "report.export", &format!("report:{}", report.id), |tx| {
            tx.execute(
                "INSERT INTO reports (id, kind, object, sha256, size, signer_fingerprint, audit_seq, created_at, created_by, created_by_token)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    report.id,
                    report.kind,
                    report.object,
                    report.sha256.as_slice(),
                    report.size as i64,
                    report.signer_fingerprint,
                    report.audit_seq,
                    now,
                    user,
                    token
                ],
            )?;
            Ok(())
        })
    }

    /// Records that an unsigned draft of an interview's report was exported (it carries
    /// personal data like a final report, but is never registered).
    pub fn record_draft_export(&mut self, session: &Session, interview_id: i64) -> Result<()> {
        self.authorize(session, Action::ExportReports)?;
        self.write(session, "report.draft", &format!("interview:{interview_id}"), |_| Ok(()))
    }

    /// A registered report by id (audited as a verification).
    pub fn lookup_report(&mut self, session: &Session, id: &str) -> Result<Option<ReportRecord>> {
        self.authorize_any(session, &[Action::ViewInterviews, Action::ViewAudit])?;
        let record = self
            .conn
            .query_row(
                "SELECT r.id, r.kind, r.object, r.sha256, r.size, r.signer_fingerprint, r.audit_seq, r.created_at,
                        COALESCE(u.display_name, 'API: ' || t.name)
                 FROM reports r LEFT JOIN users u ON u.id = r.created_by LEFT JOIN api_tokens t ON t.id = r.created_by_token
                 WHERE r.id = ?1",
                [id],
                |r| {
                    let sha: Vec<u8> = r.get(3)?;
                    Ok(ReportRecord {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        object: r.get(2)?,
                        sha256: sha.try_into().unwrap_or([0; 32]),
                        size: r.get::<_, i64>(4)? as u64,
                        signer_fingerprint: r.get(5)?,
                        audit_seq: r.get(6)?,
                        created_at_ms: r.get(7)?,
                        created_by: r.get(8)?,
                    })
                },
            )
            .optional()?;
        self.audit_only(session, "report.verify", &format!("report:{id}"), Outcome::Ok)?;
        Ok(record)
    }
}
