//! What the agency's systems may do through the opt-in local API, each call checked against its
//! token's scope and audited (`api.<scope>`), and every change attributed to the calling system
//! (`api:<token name>`) in the audit log.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{AccessCode, CandidateFilter, CandidatePage, ExportedResult, NewCandidate, Session, Vault, tokens};
use crate::error::{Result, VaultError};
use crate::keys::{self, SecretKey};

/// How long the first result of a call with an `Idempotency-Key` is kept for its retries.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 3_600_000;

/// A client's `Idempotency-Key` on a creating call, with a digest of the request it came
/// with: a retry with the same key and the same request gets the first result; the same key
/// with another request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub request_sha256: [u8; 32],
}

/// What a creating call answered, and whether it is the stored answer of an earlier call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created<T> {
    pub value: T,
    pub replayed: bool,
}

/// The first results, sealed: an invitation's holds an access code, which the vault otherwise
/// keeps only as a hash.
fn seal_key(lookup_key: &SecretKey) -> SecretKey {
    lookup_key.derive("api idempotency v1")
}

fn context(token_id: i64, key: &str, operation: &str) -> Vec<u8> {
    format!("{token_id}\0{operation}\0{key}").into_bytes()
}

/// Records the first result inside the creating transaction (so it exists exactly when the
/// change does) and drops what is older than the window.
fn remember(
    tx: &Transaction<'_>,
    sealer: &SecretKey,
    token_id: i64,
    idem: &Idempotency,
    operation: &str,
    response: &[u8],
    now: i64,
) -> Result<()> {
    tx.execute("DELETE FROM api_idempotency WHERE created_at < ?1", [now - IDEMPOTENCY_WINDOW_MS])?;
    let sealed = keys::seal(sealer, response, &context(token_id, &idem.key, operation))?;
    tx.execute(
        "INSERT INTO api_idempotency (token_id, key, operation, request, response, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![token_id, idem.key, operation, idem.request_sha256.as_slice(), sealed, now],
    )?;
    Ok(())
}

/// An interview's state as the HRMS sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterviewStatus {
    pub interview_id: i64,
    pub candidate_id: i64,
    pub job_id: i64,
    pub state: String,
    pub updated_at_ms: i64,
}

impl Vault {
    /// Checks `token` for `scope` (audited) and returns the session the call runs as: its changes
    /// are recorded as `api:<token name>`, and anything it asks of `authorize` is checked
    /// against the token's scopes again.
    pub fn api_session(&mut self, token: &str, scope: &str, device: &str) -> Result<Session> {
        let caller = self.authenticate_api_token(token, scope, device)?;
        Ok(tokens::caller_session(&caller.name, device, Some(caller.token_id)))
    }

    pub fn api_add_candidate(
        &mut self,
        token: &str,
        device: &str,
        candidate: NewCandidate,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<i64>> {
        self.api_add_candidate_with_resume(token, device, candidate, None, idempotency)
    }

    /// [`Vault::api_add_candidate`] with the candidate's résumé facts, stored in the same
    /// transaction.
    pub fn api_add_candidate_with_resume(
        &mut self,
        token: &str,
        device: &str,
        candidate: NewCandidate,
        resume: Option<interview::resume::ResumeFacts>,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<i64>> {
        const OPERATION: &str = "candidates.create";
        let actor = self.api_session(token, "candidates:write", device)?;
        let resume = resume.map(interview::resume::ResumeFacts::normalised).transpose()?;
        let now = self.now();
        let with_resume = move |tx: &rusqlite::Transaction<'_>, id: i64| match &resume {
            Some(facts) => super::resumes::write_resume(tx, id, facts, interview::resume::ResumeSource::Api, now, None),
            None => Ok(()),
        };
        let Some((idem, token_id)) = idempotency.zip(actor.api_token_id) else {
            return Ok(Created { value: self.add_candidate_then(&actor, candidate, with_resume)?, replayed: false });
        };
        let decode = |bytes: &[u8]| -> Result<i64> {
            Ok(i64::from_be_bytes(bytes.try_into().map_err(|_| VaultError::Corrupt("idempotency record".into()))?))
        };
        if let Some(first) = self.first_result(token_id, idem, OPERATION)? {
            return Ok(Created { value: decode(&first)?, replayed: true });
        }
        let (sealer, now) = (seal_key(&self.lookup_key), self.now());
        let created = self.add_candidate_then(&actor, candidate, |tx, id| {
            with_resume(tx, id)?;
            remember(tx, &sealer, token_id, idem, OPERATION, &id.to_be_bytes(), now)
        });
        match created {
            Ok(id) => Ok(Created { value: id, replayed: false }),
            // A twin of this call committed first (the client retried while it was running).
            Err(error) => match self.first_result(token_id, idem, OPERATION)? {
                Some(first) => Ok(Created { value: decode(&first)?, replayed: true }),
                None => Err(error),
            },
        }
    }

    /// The stored first result for `idem`, if a call with that key committed within the window;
    /// refused when the key came with another request.
    fn first_result(&self, token_id: i64, idem: &Idempotency, operation: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(String, Vec<u8>, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT operation, request, response FROM api_idempotency WHERE token_id = ?1 AND key = ?2 AND created_at >= ?3",
                params![token_id, idem.key, self.now() - IDEMPOTENCY_WINDOW_MS],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((stored_operation, request, sealed)) = row else { return Ok(None) };
        if stored_operation != operation || request != idem.request_sha256 {
            return Err(VaultError::IdempotencyKeyReused);
        }
        let plain = keys::open(&seal_key(&self.lookup_key), &sealed, &context(token_id, &idem.key, operation))
            .ok_or_else(|| VaultError::Corrupt("idempotency record".into()))?;
        Ok(Some(plain.to_vec()))
    }

    pub fn api_list_candidates(
        &mut self,
        token: &str,
        device: &str,
        filter: &CandidateFilter,
    ) -> Result<CandidatePage> {
        self.api_session(token, "candidates:read", device)?;
        self.query_candidates(filter)
    }

    /// Issues an invitation; the access code comes back once, for the slip the HRMS prints.
    pub fn api_issue_invitation(
        &mut self,
        token: &str,
        device: &str,
        candidate_id: i64,
        valid_from_ms: i64,
        valid_until_ms: i64,
        idempotency: Option<&Idempotency>,
    ) -> Result<Created<(i64, AccessCode)>> {
        const OPERATION: &str = "invitations.create";
        let actor = self.api_session(token, "invitations:write", device)?;
        let Some((idem, token_id)) = idempotency.zip(actor.api_token_id) else {
            let value = self.issue_invitation_as(&actor, candidate_id, valid_from_ms, valid_until_ms)?;
            return Ok(Created { value, replayed: false });
        };
        let decode = |bytes: &[u8]| -> Result<(i64, AccessCode)> {
            let corrupt = || VaultError::Corrupt("idempotency record".into());
            let (id, code) = bytes.split_at_checked(8).ok_or_else(corrupt)?;
            let id = i64::from_be_bytes(id.try_into().map_err(|_| corrupt())?);
            Ok((id, AccessCode::parse(std::str::from_utf8(code).map_err(|_| corrupt())?)))
        };
        if let Some(first) = self.first_result(token_id, idem, OPERATION)? {
            return Ok(Created { value: decode(&first)?, replayed: true });
        }
        let (sealer, now) = (seal_key(&self.lookup_key), self.now());
        let issued = self.issue_invitation_then(&actor, candidate_id, valid_from_ms, valid_until_ms, |tx, id, code| {
            let response = zeroize::Zeroizing::new([id.to_be_bytes().as_slice(), code.as_str().as_bytes()].concat());
            remember(tx, &sealer, token_id, idem, OPERATION, &response, now)
        });
        match issued {
            Ok(value) => Ok(Created { value, replayed: false }),
            Err(error) => match self.first_result(token_id, idem, OPERATION)? {
                Some(first) => Ok(Created { value: decode(&first)?, replayed: true }),
                None => Err(error),
            },
        }
    }

    pub fn api_interview_status(&mut self, token: &str, device: &str, interview_id: i64) -> Result<InterviewStatus> {
        self.api_session(token, "interviews:read", device)?;
        self.conn
            .query_row(
                "SELECT id, candidate_id, job_id, state, updated_at FROM interviews WHERE id = ?1",
                [interview_id],
                |r| {
                    Ok(InterviewStatus {
                        interview_id: r.get(0)?,
                        candidate_id: r.get(1)?,
                        job_id: r.get(2)?,
                        state: r.get(3)?,
                        updated_at_ms: r.get(4)?,
                    })
                },
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })
    }

    pub fn api_results(
        &mut self,
        token: &str,
        device: &str,
        job_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ExportedResult>> {
        let actor = self.api_session(token, "results:read", device)?;
        self.result_rows(&actor, job_id, from_ms, to_ms)
    }
}
