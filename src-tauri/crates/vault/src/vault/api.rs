//! What the agency's systems may do through the opt-in local API, each call checked against its
//! token's scope and audited (`api.<scope>`), and every change attributed to the calling system
//! (`api:<token name>`) in the audit log.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{AccessCode, CandidateFilter, CandidatePage, ExportedResult, NewCandidate, Session, Vault};
use crate::accounts::SessionToken;
use crate::error::{Result, VaultError};

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
        Ok(Session {
            token: SessionToken::from_string(String::new()),
            user_id: 0,
            username: format!("api:{}", caller.name),
            role: interview::Role::Clerk,
            device: device.to_owned(),
            api_token_id: Some(caller.token_id),
        })
    }

    pub fn api_add_candidate(&mut self, token: &str, device: &str, candidate: NewCandidate) -> Result<i64> {
        let actor = self.api_session(token, "candidates:write", device)?;
        self.add_candidate_as(&actor, candidate)
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
    ) -> Result<(i64, AccessCode)> {
        let actor = self.api_session(token, "invitations:write", device)?;
        self.issue_invitation_as(&actor, candidate_id, valid_from_ms, valid_until_ms)
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
