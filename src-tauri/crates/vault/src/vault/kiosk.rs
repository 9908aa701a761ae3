//! What the kiosk and the first-run screens need beyond the core: checking a candidate in with
//! an identity check, the plan of the interview (masked, nothing more than the kiosk shows),
//! accommodations on an invitation, and the administrator's account list and password reset.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{AccessCode, CheckIn, Session, Vault};
use crate::accounts;
use crate::audit::Outcome;
use crate::error::{Result, VaultError};
use interview::{Action, InterviewEvent, InterviewState, Lang, Role};

/// What the kiosk shows a candidate who has checked in: no more than the candidate may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KioskQuestion {
    pub question_id: i64,
    pub text: String,
    pub situational: bool,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
}

/// One account, as the administrator's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub locked: bool,
    pub created_at_ms: i64,
}

/// Wrong identity checks after which an access code is refused for good.
pub const MAX_IDENTITY_FAILURES: i64 = 5;

/// Most extra time an invitation may grant (an accommodation), in percent.
pub const MAX_EXTRA_TIME_PCT: u32 = 200;

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

struct CodeRow {
    invitation: i64,
    window: interview::CodeWindow,
    state: String,
    id_last4: Option<String>,
}

impl Vault {
    fn code_row(&self, code: &AccessCode) -> Result<Option<CodeRow>> {
        let hash = self.lookup_hash("access-code", code.as_str());
        Ok(self
            .conn
            .query_row(
                "SELECT i.id, i.valid_from, i.valid_until, i.used_at, v.state, c.id_last4
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
                        state: r.get(4)?,
                        id_last4: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// The kiosk's first step: is this code usable now, and must the candidate then confirm
    /// their identity (the last four characters of the ID number on record)? Spends nothing;
    /// an unknown, expired, not-yet-valid or used code is refused and audited.
    pub fn access_code_needs_identity(&mut self, session: &Session, code: &AccessCode) -> Result<bool> {
        self.authorize(session, Action::RedeemAccessCode)?;
        let now = self.now();
        let Some(row) = self.code_row(code)? else {
            self.audit_only(session, "kiosk.code", "invitation:?", Outcome::Denied)?;
            return Err(VaultError::UnknownAccessCode);
        };
        let state = InterviewState::parse(&row.state)
            .ok_or_else(|| VaultError::Corrupt(format!("invitation {}", row.invitation)))?;
        if let Err(rule) = row.window.check(now).and_then(|()| state.apply(InterviewEvent::CheckIn).map(|_| ())) {
            self.audit_only(session, "kiosk.code", &format!("invitation:{}", row.invitation), Outcome::Denied)?;
            return Err(rule.into());
        }
        Ok(row.id_last4.is_some())
    }

    /// Checks a candidate in: the code as in [`Vault::redeem_access_code`], and, when an ID
    /// number is on record, its last four characters as typed by the candidate. A mismatch is
    /// refused and audited and leaves the code unspent (the clerk can help at the desk).
    pub fn check_in(&mut self, session: &Session, code: &AccessCode, id_last4: Option<&str>) -> Result<CheckIn> {
        self.authorize(session, Action::RedeemAccessCode)?;
        if let Some(row) = self.code_row(code)?
            && let Some(expected) = &row.id_last4
        {
            let object = format!("invitation:{}", row.invitation);
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
            let typed: String = id_last4.unwrap_or_default().trim().to_uppercase();
            if typed != expected.to_uppercase() {
                self.audit_only(session, "kiosk.identity", &object, Outcome::Denied)?;
                return Err(if failures + 1 >= MAX_IDENTITY_FAILURES {
                    VaultError::IdentityLocked
                } else {
                    VaultError::IdentityMismatch
                });
            }
        }
        self.redeem_access_code(session, code)
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
                    (SELECT qv.text FROM question_versions qv WHERE qv.question_id = q.id ORDER BY qv.version DESC LIMIT 1)
             FROM questions q JOIN interviews v ON v.job_id = q.job_id WHERE v.id = ?1 ORDER BY q.position, q.id",
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
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        Ok(KioskPlan {
            interview_id,
            masked_name: mask_name(&name),
            job_title,
            job_language: language.parse().unwrap_or(Lang::ZhCn),
            questions,
            extra_time_pct: extra as u32,
            large_text,
            retention_days: self.retention_days()?,
        })
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

    /// Records that a window asked for something it may not do (a kiosk window calling a staff
    /// command): who was signed in there, if anyone, the window and the command.
    pub fn audit_refused_call(&mut self, session: Option<&Session>, window: &str, command: &str) -> Result<()> {
        let actor = match session {
            Some(session) => Session { device: format!("{}/{window}", session.device), ..session.clone() },
            None => Session {
                token: crate::accounts::SessionToken::from_string(String::new()),
                user_id: 0,
                username: "-".into(),
                role: Role::Kiosk,
                device: window.to_owned(),
                api_token_id: None,
            },
        };
        self.audit_only(&actor, "ipc.refused", &format!("command:{command}"), Outcome::Denied)
    }

    /// Every account, for the administrator.
    pub fn list_users(&mut self, session: &Session) -> Result<Vec<UserInfo>> {
        self.authorize(session, Action::ManageUsers)?;
        let now = self.now();
        let mut stmt = self.conn.prepare(
            "SELECT id, username, display_name, role, disabled, locked_until, created_at FROM users ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, username, display_name, role, disabled, locked_until, created_at_ms)| {
                Ok(UserInfo {
                    id,
                    username,
                    display_name,
                    role: Role::parse(&role).ok_or_else(|| VaultError::Corrupt(format!("role of user {id}")))?,
                    disabled,
                    locked: locked_until.is_some_and(|until| until > now),
                    created_at_ms,
                })
            })
            .collect()
    }

    /// Sets a new password for an account (the person forgot theirs), lifts a lockout and ends
    /// the account's sessions.
    pub fn reset_password(&mut self, session: &Session, user_id: i64, password: &str) -> Result<()> {
        self.authorize(session, Action::ManageUsers)?;
        let hash = accounts::hash_password(password)?;
        let now = self.now();
        self.write(session, "user.reset_password", &format!("user:{user_id}"), |tx| {
            let changed = tx.execute(
                "UPDATE users SET password_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                params![user_id, hash],
            )?;
            if changed == 0 {
                return Err(VaultError::NoSuchObject { what: "user", id: user_id });
            }
            tx.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
                params![user_id, now],
            )?;
            Ok(())
        })
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
