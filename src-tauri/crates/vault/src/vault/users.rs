//! Accounts and sessions: creating, listing, disabling and resetting accounts, signing in and
//! out with lockout, re-authenticating, and `authorize`, the check every operation starts with.

use interview::{Action, Role};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Vault, audit_entry, next_id};
use crate::accounts::{self, SessionToken};
use crate::audit::{self, Outcome};
use crate::error::{Result, VaultError};

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// A signed-in person or kiosk: what every operation is checked against.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: SessionToken,
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub device: String,
    /// Set when the session is a system calling the local API with this token (id): it may do
    /// only what the token's scopes grant ([`super::tokens::scope_grants`]), checked again on every
    /// operation. Only the vault makes sessions, so this cannot be forged.
    pub(crate) api_token_id: Option<i64>,
    /// Set when the session is an enrolled kiosk station of this hub (its id), authenticated by
    /// its certificate: it acts as the kiosk account its enrolment code was bound to, and
    /// `authorize` checks on every operation that the station is not revoked and the account
    /// not disabled. Only the vault makes sessions, so this cannot be forged.
    pub(crate) station_id: Option<i64>,
}

impl Session {
    /// A session no one signed in to (the system, a failed sign-in, a window, a calling system):
    /// what the audit log names as the actor.
    pub(crate) fn unsigned(username: String, role: Role, device: String) -> Session {
        Session {
            token: SessionToken::from_string(String::new()),
            user_id: 0,
            username,
            role,
            device,
            api_token_id: None,
            station_id: None,
        }
    }

    /// Whether the session is a system calling the local API rather than a person or a kiosk.
    pub fn is_api(&self) -> bool {
        self.api_token_id.is_some()
    }

    /// The enrolled station this session is, if it is one.
    pub fn station(&self) -> Option<i64> {
        self.station_id
    }
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

/// A session's `last_seen` is moved forward at most this often, so that reading (a list page,
/// a status poll) does not cost a synchronous disk write each time. The idle timeout is 15
/// minutes, so it is at most this much early.
const SESSION_TOUCH_MS: i64 = 30_000;

impl Vault {
    /// Signs in. Five failures lock the account for 15 minutes; every attempt is audited.
    pub fn login(&mut self, username: &str, password: &str, device: &str) -> Result<Session> {
        self.login_inner(username, password, device).map_err(|error| error.on_disk_of(&self.paths.dir))
    }

    fn login_inner(&mut self, username: &str, password: &str, device: &str) -> Result<Session> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        let now = self.now();
        let row: Option<(i64, String, String, bool, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT id, role, password_hash, disabled, failed_attempts, locked_until FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        let anonymous = Session::unsigned(username.to_owned(), Role::Kiosk, device.to_owned());
        let Some((user_id, role, hash, disabled, failures, locked_until)) = row else {
            // Same work as a real check, so timing does not reveal which usernames exist.
            let _ = accounts::verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            );
            // Not the text typed: it may be a password typed into the wrong field. A keyed hash
            // still lets an auditor see that the same unknown name was tried again and again.
            let tried = hex::encode(&self.lookup_hash("unknown-username", username)[..4]);
            let mut entry = audit_entry(&anonymous, "auth.login", "user:?", Outcome::Failed);
            entry.actor = format!("unknown user #{tried}");
            entry.role = "-".to_owned();
            self.append_only(&entry)?;
            return Err(VaultError::BadCredentials);
        };
        let role = Role::parse(&role).ok_or_else(|| VaultError::Corrupt(format!("role of user {user_id}")))?;
        let actor = Session { user_id, role, ..anonymous };
        let object = format!("user:{user_id}");
        if let Some(until) = locked_until.filter(|&until| until > now) {
            self.audit_only(&actor, "auth.login", &object, Outcome::Denied)?;
            return Err(VaultError::Locked { until });
        }
        if disabled || !accounts::verify_password(password, &hash) {
            let failures = if locked_until.is_some() { 1 } else { failures + 1 };
            let lock = (failures >= accounts::MAX_FAILURES).then_some(now + accounts::LOCKOUT_MS);
            let tx = self.conn.transaction()?;
            tx.execute(
                "UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
                params![user_id, if lock.is_some() { 0 } else { failures }, lock],
            )?;
            let (seq, head) =
                audit::append(&tx, &self.chain, now, &audit_entry(&actor, "auth.login", &object, Outcome::Failed))?;
            tx.commit()?;
            self.checkpoint_after_commit(seq, &head, now);
            return Err(match lock {
                Some(until) => VaultError::Locked { until },
                None => VaultError::BadCredentials,
            });
        }
        let token = SessionToken::random();
        let session = Session { token: token.clone(), ..actor };
        self.write(&session, "auth.login", &object, |tx| {
            tx.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?1", [user_id])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, device, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![token.hash(), user_id, session.device, now],
            )?;
            Ok(())
        })?;
        Ok(session)
    }

    pub fn logout(&mut self, session: &Session) -> Result<()> {
        let now = self.now();
        self.write(session, "auth.logout", &format!("user:{}", session.user_id), |tx| {
            tx.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
                params![session.token.hash(), now],
            )?;
            Ok(())
        })
    }

    /// Checks that the session is live and its role may do `action`. A denial is audited.
    pub fn authorize(&mut self, session: &Session, action: Action) -> Result<()> {
        if let Some(token_id) = session.api_token_id {
            return self.authorize_api(session, token_id, action);
        }
        if let Some(station_id) = session.station_id {
            return self.authorize_station(session, station_id, action);
        }
        let now = self.now();
        let live: Option<(i64, bool)> = self
            .conn
            .query_row(
                "SELECT s.last_seen, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.user_id = ?2 AND s.ended_at IS NULL",
                params![session.token.hash(), session.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match live {
            Some((last_seen, false)) if now - last_seen <= accounts::SESSION_IDLE_MS => {}
            _ => {
                self.audit_only(session, action.as_str(), "session", Outcome::Denied)?;
                return Err(VaultError::SessionExpired);
            }
        }
        if !session.role.may(action) {
            self.audit_only(session, action.as_str(), "-", Outcome::Denied)?;
            return Err(VaultError::Denied { role: session.role.as_str(), action });
        }
        if let Some((last_seen, _)) = live
            && now - last_seen >= SESSION_TOUCH_MS
        {
            self.conn.execute(
                "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
                params![session.token.hash(), now],
            )?;
        }
        Ok(())
    }

    /// Authorises the first of `actions` the session's role may do (or, when none, the first,
    /// which is then denied and audited once).
    pub(super) fn authorize_any(&mut self, session: &Session, actions: &[Action]) -> Result<()> {
        let action = actions.iter().copied().find(|a| session.role.may(*a)).unwrap_or(actions[0]);
        self.authorize(session, action)
    }

    /// Checks the signed-in person's password again before a sensitive action (export,
    /// deletion, unlocking an idle screen). A wrong password counts towards the account's
    /// lockout like a failed sign-in; every attempt is audited.
    /// Checks `password` against the account of a kiosk station's own `session`, to close the
    /// kiosk. Unlike sign-in and re-authentication, a wrong one does not count towards the
    /// account's lockout: the form is on a screen any passer-by can reach, and counting let a
    /// candidate lock the station's account for staff. The caller limits how often it may be
    /// tried (`flow::station::ExitAttempts`). Audited as `kiosk.exit`, either way.
    pub fn check_exit_password(&mut self, session: &Session, password: &str) -> Result<()> {
        self.flush_audit()?;
        self.authorize(session, Action::ViewStatus)?;
        let object = format!("user:{}", session.user_id);
        let hash: String =
            self.conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [session.user_id], |r| r.get(0))?;
        if accounts::verify_password(password, &hash) {
            self.audit_only(session, "kiosk.exit", &object, Outcome::Ok)
        } else {
            self.audit_only(session, "kiosk.exit", &object, Outcome::Failed)?;
            Err(VaultError::BadCredentials)
        }
    }

    pub fn reauthenticate(&mut self, session: &Session, password: &str) -> Result<()> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        self.authorize(session, Action::ViewStatus)?;
        let object = format!("user:{}", session.user_id);
        let (hash, failures): (String, i64) = self.conn.query_row(
            "SELECT password_hash, failed_attempts FROM users WHERE id = ?1",
            [session.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if accounts::verify_password(password, &hash) {
            return self.write(session, "auth.reauth", &object, |tx| {
                tx.execute("UPDATE users SET failed_attempts = 0 WHERE id = ?1", [session.user_id])?;
                Ok(())
            });
        }
        let now = self.now();
        let failures = failures + 1;
        if failures >= accounts::MAX_FAILURES {
            // Too many wrong passwords on an open screen: the account locks and the session ends.
            let until = now + accounts::LOCKOUT_MS;
            self.write(session, "auth.reauth_locked", &object, |tx| {
                tx.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                    params![session.user_id, until],
                )?;
                end_sessions(tx, session.user_id, now)?;
                Ok(())
            })?;
            return Err(VaultError::Locked { until });
        }
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE users SET failed_attempts = ?2 WHERE id = ?1", params![session.user_id, failures])?;
        let (seq, head) =
            audit::append(&tx, &self.chain, now, &audit_entry(session, "auth.reauth", &object, Outcome::Failed))?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Err(VaultError::BadCredentials)
    }

    pub fn create_user(&mut self, session: &Session, user: NewUser) -> Result<i64> {
        self.authorize(session, Action::ManageUsers)?;
        let hash = accounts::hash_password(&user.password)?;
        let now = self.now();
        let taken: bool =
            self.conn
                .query_row("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)", [&user.username], |r| r.get(0))?;
        if taken {
            return Err(VaultError::UsernameTaken(user.username));
        }
        self.write_naming(session, "user.create", |tx| {
            let next = next_id(tx, "users")?;
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![next, user.username, user.display_name, user.role.as_str(), hash, now],
            )?;
            Ok((format!("user:{next}"), next))
        })
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

    /// Disables an account and ends all its sessions.
    pub fn disable_user(&mut self, session: &Session, user_id: i64) -> Result<()> {
        self.authorize(session, Action::ManageUsers)?;
        if user_id == session.user_id {
            return Err(VaultError::CannotDisableSelf);
        }
        let now = self.now();
        self.write(session, "user.disable", &format!("user:{user_id}"), |tx| {
            if tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [user_id])? == 0 {
                return Err(VaultError::NoSuchObject { what: "user", id: user_id });
            }
            end_sessions(tx, user_id, now)?;
            Ok(())
        })
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
            end_sessions(tx, user_id, now)?;
            Ok(())
        })
    }
}

/// Ends every live session of an account (disabled, its password reset, or locked on an open
/// screen).
fn end_sessions(tx: &Transaction<'_>, user_id: i64, now: i64) -> Result<()> {
    tx.execute("UPDATE sessions SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL", params![user_id, now])?;
    Ok(())
}
