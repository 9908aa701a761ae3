//! Follow-up questions of an answer (schema v16, `answer_follow_ups`): what the kiosk decided
//! after the answer (asked a missing key point's follow-up, found nothing to ask, or was too late
//! to ask), with the transcript it decided on, and where each asked follow-up's recording starts
//! among the answer's segments. Written while the answer records, from this machine's kiosk or a
//! station's journal; read strictly by scoring, the review screen and the reports.

use interview::Action;
use interview::follow_up::{FollowUpOutcome, MAX_FOLLOW_UPS, StoredFollowUp};
use rusqlite::{OptionalExtension as _, params};

use super::{Result, Session, Vault, VaultError};

/// The most bytes of a decision's JSON (a 10-minute answer's transcript is far below).
const MAX_DECISION_JSON: usize = 256 * 1024;

/// An asked follow-up of an answer, as scoring needs it: the key point it asked about and the
/// index of its first audio file among the answer's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerFollowUp {
    pub key_point: String,
    pub first_audio: usize,
}

impl Vault {
    /// Records one follow-up record of an answer being recorded (one per ordinal, once).
    pub fn record_follow_up(&mut self, session: &Session, answer_id: i64, record: &StoredFollowUp) -> Result<()> {
        self.authorize(session, Action::RecordAnswer)?;
        self.check_recording(answer_id)?;
        check(record)?;
        let decision = record.decision.as_ref().map(|d| serde_json::to_string(d).unwrap_or_default());
        if decision.as_ref().is_some_and(|d| d.len() > MAX_DECISION_JSON) {
            return Err(VaultError::BadFollowUp("follow-up decision too large"));
        }
        let now = self.now();
        let object = format!("answer:{answer_id}/follow_up:{}", record.ordinal);
        self.write(session, "answer.follow_up", &object, |tx| {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM answer_follow_ups WHERE answer_id = ?1 AND ordinal = ?2",
                    params![answer_id, record.ordinal],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(VaultError::BadFollowUp("follow-up recorded twice"));
            }
            tx.execute(
                "INSERT INTO answer_follow_ups (answer_id, ordinal, outcome, key_point, question, first_segment, decision_json, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    answer_id,
                    record.ordinal,
                    record.outcome.as_str(),
                    record.key_point,
                    record.question,
                    record.first_segment,
                    decision,
                    now
                ],
            )?;
            Ok(())
        })
    }

    /// An answer's follow-up records, in order. A stored row that does not read back as its
    /// shape is `vault.corrupt`, never skipped.
    pub fn answer_follow_ups(&self, answer_id: i64) -> Result<Vec<StoredFollowUp>> {
        let mut stmt = self.conn.prepare(
            "SELECT ordinal, outcome, key_point, question, first_segment, decision_json
             FROM answer_follow_ups WHERE answer_id = ?1 ORDER BY ordinal",
        )?;
        let rows = stmt
            .query_map([answer_id], |r| {
                Ok((
                    r.get::<_, u8>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<u32>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(ordinal, outcome, key_point, question, first_segment, decision)| {
                let corrupt = || VaultError::Corrupt(format!("answer {answer_id} follow-up {ordinal}"));
                let outcome = FollowUpOutcome::parse(&outcome).ok_or_else(corrupt)?;
                let decision = match decision {
                    Some(json) => Some(serde_json::from_str(&json).map_err(|_| corrupt())?),
                    None => None,
                };
                Ok(StoredFollowUp { ordinal, outcome, key_point, question, first_segment, decision })
            })
            .collect()
    }

    /// The asked follow-ups of an answer with the index of each one's first audio file.
    pub(crate) fn asked_follow_ups(&self, answer_id: i64, audio_segments: &[u32]) -> Result<Vec<AnswerFollowUp>> {
        Ok(self
            .answer_follow_ups(answer_id)?
            .into_iter()
            .filter(|f| f.outcome == FollowUpOutcome::Asked)
            .filter_map(|f| {
                let first = f.first_segment?;
                let first_audio = audio_segments.iter().position(|&s| s >= first).unwrap_or(audio_segments.len());
                Some(AnswerFollowUp { key_point: f.key_point?, first_audio })
            })
            .collect())
    }
}

/// The shape rules of a record: asked ones name their key point, question and first segment;
/// the others none; the decision comes with the first.
fn check(record: &StoredFollowUp) -> Result<()> {
    let asked = record.outcome == FollowUpOutcome::Asked;
    let ok = (1..=MAX_FOLLOW_UPS).contains(&record.ordinal)
        && asked == record.key_point.is_some()
        && asked == record.question.is_some()
        && asked == record.first_segment.is_some()
        && (asked || record.ordinal == 1)
        && (record.ordinal == 1) == record.decision.is_some()
        && record.key_point.as_ref().is_none_or(|k| !k.is_empty() && k.len() <= 200)
        && record.question.as_ref().is_none_or(|q| !q.trim().is_empty() && q.len() <= 4000);
    if ok { Ok(()) } else { Err(VaultError::BadFollowUp("follow-up record")) }
}
