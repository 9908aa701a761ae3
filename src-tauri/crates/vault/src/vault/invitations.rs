//! Invitations and their access codes: issuing one (the code is shown once and stored only as a
//! keyed hash), accommodations, and the one rule that says whether a code may be used now.

use interview::{Action, InterviewEvent, InterviewState};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Session, Vault, next_id};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};

/// An access code as printed on the candidate's slip. Only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessCode(zeroize::Zeroizing<String>);

impl AccessCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// As printed on the slip: `XXXX-XXXX`.
    pub fn display(&self) -> String {
        let (a, b) = self.0.split_at(self.0.len() / 2);
        format!("{a}-{b}")
    }
    pub fn parse(text: &str) -> AccessCode {
        AccessCode(zeroize::Zeroizing::new(
            text.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase(),
        ))
    }
}

impl std::fmt::Debug for AccessCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessCode(…)")
    }
}

/// Eight characters from the Crockford alphabet (40 bits), shown as `XXXX-XXXX`.
fn new_access_code() -> AccessCode {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    AccessCode(zeroize::Zeroizing::new(bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect()))
}

/// Most extra time an invitation may grant (an accommodation), in percent.
pub const MAX_EXTRA_TIME_PCT: u32 = 200;

/// An invitation found by its access code, with its interview and candidate: what the kiosk's
/// two steps (is the code usable, then the check-in) read.
pub(super) struct CodeRow {
    pub(super) invitation: i64,
    pub(super) window: interview::CodeWindow,
    pub(super) extra_time_pct: i64,
    pub(super) large_text: bool,
    pub(super) interview: i64,
    pub(super) job_id: i64,
    pub(super) state: String,
    /// The last four characters of the candidate's ID number, when one is on record.
    pub(super) id_last4: Option<String>,
}

impl Vault {
    /// Issues a one-time access code valid in `[valid_from_ms, valid_until_ms]`, and the
    /// interview it opens. The code is returned once, for the printed slip.
    pub fn issue_invitation(
        &mut self,
        session: &Session,
        candidate_id: i64,
        valid_from_ms: i64,
        valid_until_ms: i64,
    ) -> Result<(i64, AccessCode)> {
        self.authorize(session, Action::IssueInvitations)?;
        self.issue_invitation_as(session, candidate_id, valid_from_ms, valid_until_ms)
    }

    /// The same for an actor already authorised (a person, or a system through the API).
    pub(crate) fn issue_invitation_as(
        &mut self,
        session: &Session,
        candidate_id: i64,
        valid_from_ms: i64,
        valid_until_ms: i64,
    ) -> Result<(i64, AccessCode)> {
        self.issue_invitation_then(session, candidate_id, valid_from_ms, valid_until_ms, |_, _, _| Ok(()))
    }

    /// [`Vault::issue_invitation_as`], running `then` with the new interview and its code
    /// inside the same transaction.
    pub(crate) fn issue_invitation_then(
        &mut self,
        session: &Session,
        candidate_id: i64,
        valid_from_ms: i64,
        valid_until_ms: i64,
        then: impl FnOnce(&Transaction<'_>, i64, &AccessCode) -> Result<()>,
    ) -> Result<(i64, AccessCode)> {
        if valid_until_ms <= valid_from_ms {
            return Err(interview::RuleError::CodeWindowEmpty.into());
        }
        let job_id: i64 = self
            .conn
            .query_row("SELECT job_id FROM candidates WHERE id = ?1 AND purged_at IS NULL", [candidate_id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "candidate", id: candidate_id })?;
        let code = new_access_code();
        let hash = self.lookup_hash("access-code", code.as_str());
        let personaliser = self.personaliser;
        let now = self.now();
        let interview = self.write_naming(session, "invitation.create", |tx| {
            let next = next_id(tx, "invitations")?;
            tx.execute(
                "INSERT INTO invitations (id, candidate_id, code_hash, valid_from, valid_until, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![next, candidate_id, hash, valid_from_ms, valid_until_ms, now],
            )?;
            tx.execute(
                "INSERT INTO interviews (invitation_id, candidate_id, job_id, state, updated_at, job_version)
                 VALUES (?1, ?2, ?3, 'invited', ?4, (SELECT COALESCE(MAX(version), 1) FROM job_versions WHERE job_id = ?3))",
                params![next, candidate_id, job_id, now],
            )?;
            let interview = tx.last_insert_rowid();
            super::resumes::plan_personalised(tx, personaliser, interview, candidate_id, job_id)?;
            then(tx, interview, &code)?;
            Ok((format!("invitation:{next}"), interview))
        })?;
        Ok((interview, code))
    }

    /// Sets the accommodations of a candidate's interview before it is taken: extra time on
    /// every countdown (percent) and large text on the kiosk.
    pub fn set_accommodations(
        &mut self,
        session: &Session,
        interview_id: i64,
        extra_time_pct: u32,
        large_text: bool,
    ) -> Result<()> {
        self.authorize(session, Action::IssueInvitations)?;
        if extra_time_pct > MAX_EXTRA_TIME_PCT {
            return Err(VaultError::ExtraTimeOutOfRange { pct: extra_time_pct });
        }
        let state = self.interview_state(interview_id)?;
        if state != InterviewState::Invited {
            return Err(interview::RuleError::Transition { from: state, event: InterviewEvent::CheckIn }.into());
        }
        self.write(session, "invitation.accommodations", &format!("interview:{interview_id}"), |tx| {
            tx.execute(
                "UPDATE invitations SET extra_time_pct = ?2, large_text = ?3
                 WHERE id = (SELECT invitation_id FROM interviews WHERE id = ?1)",
                params![interview_id, extra_time_pct, large_text],
            )?;
            Ok(())
        })
    }

    /// The invitation `code` opens, if any.
    pub(super) fn code_row(&self, code: &AccessCode) -> Result<Option<CodeRow>> {
        let hash = self.lookup_hash("access-code", code.as_str());
        Ok(self
            .conn
            .query_row(
                "SELECT i.id, i.valid_from, i.valid_until, i.used_at, i.extra_time_pct, i.large_text, v.id, v.job_id, v.state,
                        c.id_last4
                 FROM invitations i JOIN interviews v ON v.invitation_id = i.id
                 JOIN candidates c ON c.id = i.candidate_id WHERE i.code_hash = ?1",
                [hash],
                |r| {
                    Ok(CodeRow {
                        invitation: r.get(0)?,
                        window: interview::CodeWindow {
                            valid_from: r.get(1)?,
                            valid_until: r.get(2)?,
                            used_at: r.get(3)?,
                        },
                        extra_time_pct: r.get(4)?,
                        large_text: r.get(5)?,
                        interview: r.get(6)?,
                        job_id: r.get(7)?,
                        state: r.get(8)?,
                        id_last4: r.get(9)?,
                    })
                },
            )
            .optional()?)
    }

    /// The one rule for an access code, whichever path presents it: the code is known, inside
    /// its validity window, not used, and its interview can still be checked in. A refusal is
    /// audited as `action` (denied) and returned.
    pub(super) fn usable_code(
        &mut self,
        session: &Session,
        row: Option<CodeRow>,
        action: &str,
        now: i64,
    ) -> Result<CodeRow> {
        let Some(row) = row else {
            self.audit_only(session, action, "invitation:?", Outcome::Denied)?;
            return Err(VaultError::UnknownAccessCode);
        };
        let state = InterviewState::parse(&row.state)
            .ok_or_else(|| VaultError::Corrupt(format!("state of interview {}", row.interview)))?;
        if let Err(rule) = row.window.check(now).and_then(|()| state.apply(InterviewEvent::CheckIn).map(|_| ())) {
            self.audit_only(session, action, &format!("invitation:{}", row.invitation), Outcome::Denied)?;
            return Err(rule.into());
        }
        Ok(row)
    }

    /// The kiosk's first step: is this code usable now, and must the candidate then confirm
    /// their identity (the last four characters of the ID number on record)? Spends nothing;
    /// an unknown, expired, not-yet-valid or used code is refused and audited.
    pub fn access_code_needs_identity(&mut self, session: &Session, code: &AccessCode) -> Result<bool> {
        self.authorize(session, Action::RedeemAccessCode)?;
        let now = self.now();
        let row = self.code_row(code)?;
        Ok(self.usable_code(session, row, "kiosk.code", now)?.id_last4.is_some())
    }
}
