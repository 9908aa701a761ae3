//! Tokens for the agency's own systems calling the opt-in local API: one per system, scoped to
//! operations, expiring, revocable, shown once and stored only as a keyed hash. Every check —
//! accepted or refused — is audited.

use rusqlite::{OptionalExtension, params};

use super::{Session, Vault, audit_entry};
use crate::audit::Outcome;
use crate::error::{Result, VaultError};
use interview::{Action, Role};

/// What a token may do.
pub const SCOPES: &[&str] = &[
    "candidates:read",
    "candidates:write",
    "invitations:write",
    "interviews:read",
    "results:read",
    "reports:read",
    "outcomes:write",
];

const DAY_MS: i64 = 86_400_000;
/// The longest validity an administrator may give a token.
pub const MAX_DAYS: u32 = 366;

/// A token as the administrator's list shows it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub last_used_at_ms: Option<i64>,
}

/// Who is calling, once a token is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCaller {
    pub token_id: i64,
    pub name: String,
}

impl Vault {
    /// Creates a token for the system `name` with `scopes`, valid `days`; returns its id and the
    /// token, to be shown once.
    pub fn create_api_token(
        &mut self,
        session: &Session,
        name: &str,
        scopes: &[String],
        days: u32,
    ) -> Result<(i64, zeroize::Zeroizing<String>)> {
        self.authorize(session, Action::ManageDevices)?;
        if name.trim().is_empty() || scopes.is_empty() || !(1..=MAX_DAYS).contains(&days) {
            return Err(VaultError::BadApiToken);
        }
        if let Some(unknown) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
            return Err(VaultError::UnknownScope(unknown.clone()));
        }
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        let token = zeroize::Zeroizing::new(format!("ikt_{}", hex::encode(secret)));
        let hash = self.lookup_hash("api-token", &token);
        let now = self.now();
        let expires = now + i64::from(days) * DAY_MS;
        let next = self.write_naming(session, "api_token.create", |tx| {
            let next = super::next_id(tx, "api_tokens")?;
            tx.execute(
                "INSERT INTO api_tokens (id, name, token_hash, prefix, scopes, created_at, created_by, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![next, name.trim(), hash, &token[..12], scopes.join(" "), now, session.user_id, expires],
            )?;
            Ok((format!("api_token:{next}"), next))
        })?;
        Ok((next, token))
    }

    pub fn list_api_tokens(&mut self, session: &Session) -> Result<Vec<ApiTokenInfo>> {
        self.authorize(session, Action::ManageDevices)?;
        let mut stmt = self.conn.prepare(
            "SELECT id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ApiTokenInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    prefix: r.get(2)?,
                    scopes: r.get::<_, String>(3)?.split(' ').map(str::to_owned).collect(),
                    created_at_ms: r.get(4)?,
                    expires_at_ms: r.get(5)?,
                    revoked_at_ms: r.get(6)?,
                    last_used_at_ms: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn revoke_api_token(&mut self, session: &Session, id: i64) -> Result<()> {
        self.authorize(session, Action::ManageDevices)?;
        let now = self.now();
        let exists: bool =
            self.conn.query_row("SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = ?1)", [id], |r| r.get(0))?;
        if !exists {
            return Err(VaultError::NoSuchObject { what: "api token", id });
        }
        self.write(session, "api_token.revoke", &format!("api_token:{id}"), |tx| {
            tx.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])?;
            Ok(())
        })
    }

    /// Checks a presented token for `scope`. Unknown, expired, revoked and out-of-scope tokens
    /// are refused, and every check is audited (a brute-force attempt leaves a trail).
    pub fn authenticate_api_token(&mut self, token: &str, scope: &str, device: &str) -> Result<ApiCaller> {
        let now = self.now();
        let hash = self.lookup_hash("api-token", token.trim());
        let row: Option<(i64, String, String, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT id, name, scopes, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let caller = |name: &str| caller_session(name, device, None);
        for summary in self.batch.repeats_due(now, false) {
            self.append_only(&summary)?;
        }
        let Some((id, name, scopes, expires, revoked)) = row else {
            let mut entry = audit_entry(&caller("?"), &format!("api.{scope}"), "api_token:?", Outcome::Denied);
            entry.role = "-".into();
            // Repeated unknown tokens from one address: the first a minute is written, the
            // rest counted into one entry when the minute ends.
            if self.batch.refused(now, &entry) {
                self.append_only(&entry)?;
            }
            return Err(VaultError::ApiTokenRefused);
        };
        let actor = caller_session(&name, device, Some(id));
        let object = format!("api_token:{id}");
        if revoked.is_some() || expires <= now || !scopes.split(' ').any(|s| s == scope) {
            self.append_only(&audit_entry(&actor, &format!("api.{scope}"), &object, Outcome::Denied))?;
            return Err(VaultError::ApiTokenRefused);
        }
        let entry = audit_entry(&actor, &format!("api.{scope}"), &object, Outcome::Ok);
        if self.batch.enabled {
            self.batch.token_used(id, now);
            self.batch.hold(now, entry);
            return Ok(ApiCaller { token_id: id, name });
        }
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", params![id, now])?;
        let (seq, head) = crate::audit::append(&tx, &self.chain, now, &entry)?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(ApiCaller { token_id: id, name })
    }

    /// Records that an administrator made a self-signed certificate for the API (its SHA-256
    /// fingerprint, which the calling systems pin), so the audit log says who made which one.
    pub fn record_tls_certificate(&mut self, session: &Session, fingerprint: &str) -> Result<()> {
        self.authorize(session, Action::ManageDevices)?;
        self.write(session, "api.tls_certificate", &format!("certificate:{fingerprint}"), |_| Ok(()))
    }

    /// `authorize` for a session of the local API: the token must still be live (not revoked,
    /// not expired since the call began) and one of its scopes must grant `action`. A refusal is
    /// audited like any other.
    pub(super) fn authorize_api(&mut self, session: &Session, token_id: i64, action: Action) -> Result<()> {
        let now = self.now();
        let row: Option<(String, i64, Option<i64>)> = self
            .conn
            .query_row("SELECT scopes, expires_at, revoked_at FROM api_tokens WHERE id = ?1", [token_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let scopes = match row {
            Some((scopes, expires, None)) if expires > now => scopes,
            _ => {
                self.append_only(&audit_entry(session, action.as_str(), "session", Outcome::Denied))?;
                return Err(VaultError::ApiTokenRefused);
            }
        };
        if !scopes.split(' ').any(|scope| scope_grants(scope, action)) {
            self.append_only(&audit_entry(session, action.as_str(), "-", Outcome::Denied))?;
            return Err(VaultError::ApiTokenRefused);
        }
        Ok(())
    }
}

/// The session a system calling the local API acts as: `api:<token name>`, with the token's id
/// once the token is accepted (`None` while it is being checked).
pub(super) fn caller_session(name: &str, device: &str, token_id: Option<i64>) -> Session {
    Session { api_token_id: token_id, ..Session::unsigned(format!("api:{name}"), Role::Clerk, device.to_owned()) }
}

/// What a scope lets an API session do beyond its own endpoints: `reports:read` reads an
/// interview's record and signs its final report; `outcomes:write` records outcomes (and reads the
/// job's candidates by ID number to match them). Everything else goes through the dedicated
/// `api_*` operations and is granted nothing here.
pub(crate) fn scope_grants(scope: &str, action: Action) -> bool {
    matches!(
        (scope, action),
        ("reports:read", Action::ViewInterviews | Action::ExportReports) | ("outcomes:write", Action::RecordOutcomes)
    )
}
