//! The vault: one directory holding the encrypted database, the encrypted media and the
//! header that says how to open them.
//!
//! ```text
//! <data dir>/vault/vault.db         SQLCipher database (raw 256-bit key from the credential store)
//! <data dir>/vault/vault.json       header: vault id, recovery-wrapped key, checkpoint public key
//! <data dir>/vault/checkpoint.json  the latest signed audit checkpoint, outside the database
//! <data dir>/vault/media/           encrypted recording segments and stills
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use interview::{Action, Bands, InterviewEvent, InterviewState, Lang, Role, Weight, check_resident_id, check_weights};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accounts::{self, SessionToken};
use crate::audit::{self, Chain, Checkpoint, Entry, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::{self, RecoveryKey, SecretKey, credential};
use crate::lock::{Exclusive, VaultLock};
use crate::media::{self, MediaWriter, StoredMedia};
use crate::{db, files, schema};

mod api;
mod backup;
mod batch;
#[cfg(feature = "bench-internals")]
mod bench;
mod kiosk;
mod query;
mod recording;
mod rekey;
mod reports;
mod results;
mod retention;
mod review;
mod tokens;

pub use api::{Created, IDEMPOTENCY_WINDOW_MS, Idempotency, InterviewStatus};
pub use backup::{BackupReport, RestoreReport};
pub use kiosk::{KioskPlan, KioskQuestion, MAX_EXTRA_TIME_PCT, UserInfo};
pub use query::{AuditRow, CandidateFilter, CandidatePage, CandidateRow};
pub use recording::{Attempts, MediaInfo, NewSegment, SegmentPart, UnfinishedAnswer, format as media_format};
pub use reports::{
    AnswerRecord, AuditHead, DecisionRecord, FlagRecord, InterviewRecord, JobCandidateRecord, NewReport,
    NewSigningIdentity, Organisation, RatingRecord, ReportRecord, SigningIdentityInfo, StoredSigningIdentity,
};
pub use results::{
    AnswerInfo, ExportedResult, JobInfo, MAX_ATTEMPTS, NewFlag, NewScore, NewTranscript, ScoringJob, ScoringRecord,
};
pub use retention::{DEFAULT_RETENTION_DAYS, PurgeReport};
pub use review::{ActiveInterview, JobSummary, QuestionInfo, ReviewRequest, StatusBoard};
pub use tokens::{ApiCaller, ApiTokenInfo, SCOPES as API_SCOPES};

const HEADER_FORMAT: u32 = 1;

/// The plaintext header. It holds no secret: the database key in it is wrapped by the
/// recovery key, which is stored nowhere.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    vault_id: String,
    created_at_ms: i64,
    /// The database key sealed under a key derived from the recovery key.
    recovery_wrapped_key: String,
    /// Verifies the audit checkpoints (the signing key is inside the encrypted database).
    checkpoint_public_key: String,
}

const RECOVERY_WRAP: &str = "ik recovery wrap v1";

/// The database key sealed under a key derived from the recovery key, hex-encoded.
fn wrap_for_recovery(key: &SecretKey, recovery: &RecoveryKey, vault_id: &str) -> Result<String> {
    Ok(hex::encode(keys::seal(&recovery.key().derive(RECOVERY_WRAP), key.expose(), vault_id.as_bytes())?))
}

impl Header {
    /// The database key, unwrapped with the recovery key.
    fn unwrap_key(&self, paths: &VaultPaths, recovery: &RecoveryKey) -> Result<SecretKey> {
        let wrapped = hex::decode(&self.recovery_wrapped_key)
            .map_err(|_| VaultError::Header { path: paths.header(), detail: "recovery_wrapped_key".into() })?;
        let plain = keys::open(&recovery.key().derive(RECOVERY_WRAP), &wrapped, self.vault_id.as_bytes())
            .ok_or(VaultError::WrongRecoveryKey)?;
        SecretKey::from_bytes(&plain).ok_or(VaultError::WrongRecoveryKey)
    }

    fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|_| VaultError::Crypto("header encoding"))
    }

    /// What the database records of this header (setting [`HEADER_DIGEST`]): a SHA-256 over
    /// every field. The database is encrypted and authenticated, so the copy there cannot be
    /// changed without the key; a header whose recovery copy of the key was altered (one
    /// character is enough to make the printed recovery key useless) no longer matches it.
    fn digest(&self) -> String {
        let mut h = Sha256::new();
        for field in [
            self.format.to_string().as_str(),
            &self.vault_id,
            &self.created_at_ms.to_string(),
            &self.recovery_wrapped_key,
            &self.checkpoint_public_key,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// The setting that holds [`Header::digest`] of the header that goes with the database.
const HEADER_DIGEST: &str = "header_digest";

/// Paths of a vault inside a data directory.
#[derive(Clone, Debug)]
pub struct VaultPaths {
    pub dir: PathBuf,
}

impl VaultPaths {
    pub fn in_data_dir(data_dir: &Path) -> VaultPaths {
        VaultPaths { dir: data_dir.join("vault") }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.join("vault.db")
    }
    pub fn header(&self) -> PathBuf {
        self.dir.join("vault.json")
    }
    pub fn checkpoint(&self) -> PathBuf {
        self.dir.join("checkpoint.json")
    }
    pub fn media(&self) -> PathBuf {
        self.dir.join("media")
    }
    /// A re-key in progress writes the new database and header here first.
    fn pending_db(&self) -> PathBuf {
        self.dir.join("vault.db.next")
    }
    fn pending_header(&self) -> PathBuf {
        self.dir.join("vault.json.next")
    }
    pub fn exists(&self) -> bool {
        self.header().exists() || self.db().exists()
    }
}

/// Where time comes from: the system clock, or a fixed clock in tests.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_clock() -> Clock {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    })
}

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
    /// only what the token's scopes grant ([`tokens::scope_grants`]), checked again on every
    /// operation. Only the vault makes sessions, so this cannot be forged.
    pub(crate) api_token_id: Option<i64>,
}

impl Session {
    /// Whether the session is a system calling the local API rather than a person or a kiosk.
    pub fn is_api(&self) -> bool {
        self.api_token_id.is_some()
    }
}

/// A job with its competency dimensions, weights and bands.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub title: String,
    pub language: Lang,
    pub dimensions: Vec<Weight>,
    pub bands: Bands,
}

#[derive(Clone, Debug)]
pub struct NewQuestion {
    pub job_id: i64,
    pub situational: bool,
    pub text: String,
    /// The rubric (levels 1–5 with key points and examples) as JSON; its shape belongs to scoring.
    pub rubric_json: String,
    pub dimensions: Vec<String>,
    pub prep_seconds: u32,
    pub answer_seconds: u32,
    pub retakes: u32,
}

#[derive(Clone, Debug)]
pub struct NewCandidate {
    pub job_id: i64,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A label for fairness statistics (e.g. an intake batch); never personal data.
    pub group: Option<String>,
}

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

/// What the kiosk learns from a valid code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn {
    pub interview_id: i64,
    pub job_id: i64,
    pub extra_time_pct: u32,
    pub large_text: bool,
}

/// Counts for the status screen and `vault status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    pub vault_id: String,
    pub schema_version: u32,
    pub created_at_ms: i64,
    pub users: i64,
    pub jobs: i64,
    pub candidates: i64,
    pub interviews: i64,
    pub media_files: i64,
    pub audit_entries: i64,
}

/// What `vault check` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    pub audit: audit::Verified,
    pub media_files: i64,
    /// Encrypted files in `media/` that no record refers to (left by a crash between writing
    /// a file and committing its record). They cannot be read without a record; the retention
    /// job removes them after a day.
    pub orphan_files: i64,
    /// Their names (random, never personal data).
    pub orphans: Vec<String>,
}

/// An open vault. One writer: the connection is owned here and every write goes through
/// [`Vault::write`], which records the audit entry in the same transaction.
pub struct Vault {
    paths: VaultPaths,
    header: Header,
    conn: Connection,
    key: SecretKey,
    media_key: SecretKey,
    lookup_key: SecretKey,
    chain: Chain,
    clock: Clock,
    /// Audit entries held for group commit (the local API); empty unless batching is on.
    batch: batch::AuditBatch,
    /// This process's hold on the vault (shared; exclusive while re-keying or migrating).
    lock: VaultLock,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.paths.dir)
            .field("vault_id", &self.header.vault_id)
            .finish_non_exhaustive()
    }
}

const SYSTEM_DEVICE: &str = "local";

/// A session's `last_seen` is moved forward at most this often, so that reading (a list page,
/// a status poll) does not cost a synchronous disk write each time. The idle timeout is 15
/// minutes, so it is at most this much early.
const SESSION_TOUCH_MS: i64 = 30_000;

impl Vault {
    /// Creates a new vault with its first administrator. Returns the recovery key, to be shown
    /// (and printed) once. Refuses if any vault file is already there.
    pub fn create(data_dir: &Path, admin: NewUser) -> Result<(Vault, RecoveryKey)> {
        Self::create_with_clock(data_dir, admin, system_clock())
    }

    pub fn create_with_clock(data_dir: &Path, admin: NewUser, clock: Clock) -> Result<(Vault, RecoveryKey)> {
        let paths = VaultPaths::in_data_dir(data_dir);
        if paths.exists() {
            return Err(VaultError::AlreadyExists(paths.dir));
        }
        if admin.role != Role::Admin {
            return Err(VaultError::Denied { role: admin.role.as_str(), action: Action::ManageUsers });
        }
        let password_hash = accounts::hash_password(&admin.password)?;
        let fresh = !paths.dir.exists();
        // Two `vault init` at once: one creates, the other is told a vault exists (or is being
        // created), never that its key is wrong.
        let lock = match VaultLock::exclusive(&paths.dir, Exclusive::Create) {
            Err(VaultError::InUse { .. }) => return Err(VaultError::AlreadyExists(paths.dir)),
            other => other?,
        };
        if paths.exists() {
            return Err(VaultError::AlreadyExists(paths.dir));
        }
        // From here on everything in the directory is this call's: a failure leaves nothing.
        let created = Self::create_locked(paths.clone(), admin, password_hash, clock, lock);
        if created.is_err() && fresh {
            let _ = std::fs::remove_dir_all(&paths.dir);
        }
        created
    }

    fn create_locked(
        paths: VaultPaths,
        admin: NewUser,
        password_hash: String,
        clock: Clock,
        mut lock: VaultLock,
    ) -> Result<(Vault, RecoveryKey)> {
        std::fs::create_dir_all(paths.media()).map_err(VaultError::io(&paths.dir))?;
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let vault_id = hex::encode(id);
        let key = SecretKey::random();
        let recovery = RecoveryKey::random();
        let signing_seed = SecretKey::random();
        let signing = SigningKey::from_bytes(signing_seed.expose());
        let now = clock();
        let header = Header {
            format: HEADER_FORMAT,
            vault_id: vault_id.clone(),
            created_at_ms: now,
            recovery_wrapped_key: wrap_for_recovery(&key, &recovery, &vault_id)?,
            checkpoint_public_key: hex::encode(signing.verifying_key().to_bytes()),
        };
        // The key goes to the credential store first: if that fails, nothing was created.
        credential::store(&vault_id, &key)?;
        let mut conn = db::open(&paths.db(), &key, true)?;
        db::migrate(&mut conn, &key, None)?;
        let media_key = SecretKey::random();
        let lookup_key = SecretKey::random();
        {
            let tx = conn.transaction()?;
            for (name, value) in
                [("media_key", &media_key), ("lookup_key", &lookup_key), ("checkpoint_key", &signing_seed)]
            {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    params![name, hex::encode(value.expose())],
                )?;
            }
            tx.execute("INSERT INTO settings (key, value) VALUES (?1, ?2)", params![HEADER_DIGEST, header.digest()])?;
            tx.commit()?;
        }
        files::write_atomic(&paths.header(), &header.to_json()?)?;
        lock.downgrade()?;
        let mut vault = Vault {
            chain: Chain::new(&vault_id, signing),
            paths,
            header,
            conn,
            key,
            media_key,
            lookup_key,
            clock,
            batch: batch::AuditBatch::default(),
            lock,
        };
        let system = vault.system_actor();
        vault.write(&system, "vault.create", "vault", |_| Ok(()))?;
        vault.write(&system, "user.create", "user:1", |tx| {
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES (1, ?1, ?2, 'admin', ?3, ?4)",
                params![admin.username, admin.display_name, password_hash, now],
            )?;
            Ok(())
        })?;
        tracing::info!("vault created");
        Ok((vault, recovery))
    }

    /// Opens the vault with the key from the credential store. A missing key is refused (and
    /// recovery offered); nothing is ever created here.
    pub fn open(data_dir: &Path) -> Result<Vault> {
        Self::open_with_clock(data_dir, system_clock())
    }

    pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Vault> {
        let paths = VaultPaths::in_data_dir(data_dir);
        let header = read_header(&paths)?;
        let (header, key) = rekey::resolve_key(&paths, header)?;
        Self::open_with_key(paths, header, key, clock)
    }

    fn open_with_key(paths: VaultPaths, header: Header, key: SecretKey, clock: Clock) -> Result<Vault> {
        let dir = paths.dir.clone();
        (|| {
            let lock = VaultLock::shared(&paths.dir)?;
            let conn = db::open(&paths.db(), &key, false)?;
            Self::from_connection(paths, header, key, conn, clock, lock)
        })()
        .map_err(|error| error.on_disk_of(&dir))
    }

    fn from_connection(
        paths: VaultPaths,
        header: Header,
        key: SecretKey,
        mut conn: Connection,
        clock: Clock,
        mut lock: VaultLock,
    ) -> Result<Vault> {
        let backup = paths.dir.join(format!("vault.db.before-v{}", schema::CURRENT_VERSION));
        // A migration rewrites the database: only with the vault to this process alone.
        let migrating = db::schema_version(&conn)? < schema::CURRENT_VERSION;
        if migrating {
            lock.upgrade(Exclusive::Migrate)?;
        }
        db::migrate(&mut conn, &key, Some(&backup))?;
        if migrating {
            lock.downgrade()?;
        }
        files::remove_stale_temporaries(&paths.dir);
        files::remove_stale_temporaries(&paths.media());
        // A vault copied by a tool that drops empty directories (an archive, a version control
        // system) still opens: its recordings directory is simply empty.
        std::fs::create_dir_all(paths.media()).map_err(VaultError::io(&paths.dir))?;
        let setting = |name: &str| -> Result<SecretKey> {
            let value: String = conn.query_row("SELECT value FROM settings WHERE key = ?1", [name], |r| r.get(0))?;
            let bytes = zeroize::Zeroizing::new(
                hex::decode(value).map_err(|_| VaultError::Corrupt(format!("setting {name}")))?,
            );
            SecretKey::from_bytes(&bytes).ok_or_else(|| VaultError::Corrupt(format!("setting {name}")))
        };
        let media_key = setting("media_key")?;
        let lookup_key = setting("lookup_key")?;
        let signing = SigningKey::from_bytes(setting("checkpoint_key")?.expose());
        if hex::encode(signing.verifying_key().to_bytes()) != header.checkpoint_public_key {
            return Err(VaultError::Header { path: paths.header(), detail: "checkpoint key does not match".into() });
        }
        let mut vault = Vault {
            chain: Chain::new(&header.vault_id, signing),
            paths,
            header,
            conn,
            key,
            media_key,
            lookup_key,
            clock,
            batch: batch::AuditBatch::default(),
            lock,
        };
        vault.check_not_rolled_back()?;
        match vault.check_header() {
            Ok(true) => {}
            // A vault made before the digest was kept: it is recorded now, once.
            Ok(false) => {
                let (system, digest) = (vault.system_actor(), vault.header.digest());
                vault.write(&system, "vault.header_recorded", "vault", |tx| {
                    tx.execute("INSERT INTO settings (key, value) VALUES (?1, ?2)", params![HEADER_DIGEST, digest])?;
                    Ok(())
                })?;
            }
            // The vault works (its key came from the credential store); `vault check` fails and
            // backups are refused until an administrator makes a new recovery key.
            Err(error) => tracing::error!(code = interview::UserFacing::code(&error), "{error}"),
        }
        tracing::info!("vault opened");
        Ok(vault)
    }

    /// Restores access with the recovery key: unwraps the database key from the header, proves
    /// it opens the database, and puts it back into the credential store.
    pub fn recover(data_dir: &Path, recovery: &RecoveryKey) -> Result<Vault> {
        let paths = VaultPaths::in_data_dir(data_dir);
        let header = read_header(&paths)?;
        let key = header.unwrap_key(&paths, recovery)?;
        let mut vault = Self::open_with_key(paths, header, key, system_clock())?;
        credential::store(&vault.header.vault_id, &vault.key)?;
        let system = vault.system_actor();
        vault.write(&system, "vault.recover", "vault", |_| Ok(()))?;
        Ok(vault)
    }

    fn check_not_rolled_back(&self) -> Result<()> {
        let Some(outside) = Checkpoint::load(&self.paths.checkpoint())? else { return Ok(()) };
        // A file whose signature fails is damaged (or forged): named as such, before its numbers
        // are compared with the database's.
        if !outside.is_authentic(&self.chain) {
            return Err(VaultError::Header {
                path: self.paths.checkpoint(),
                detail: "the checkpoint's signature does not verify".into(),
            });
        }
        let (seq, _) = audit::head(&self.conn, &self.chain)?;
        if seq < outside.seq {
            return Err(VaultError::RolledBack { db_seq: seq, checkpoint_seq: outside.seq });
        }
        let hash: Option<Vec<u8>> =
            self.conn.query_row("SELECT hash FROM audit_log WHERE seq = ?1", [outside.seq], |r| r.get(0)).optional()?;
        if hash.map(hex::encode).as_deref() != Some(outside.head_hash.as_str()) {
            return Err(VaultError::AuditBroken {
                seq: outside.seq,
                reason: "differs from the checkpoint outside the database".into(),
            });
        }
        Ok(())
    }

    pub fn vault_id(&self) -> &str {
        &self.header.vault_id
    }

    pub fn paths(&self) -> &VaultPaths {
        &self.paths
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn system_actor(&self) -> Session {
        Session {
            token: SessionToken::from_string(String::new()),
            user_id: 0,
            username: "system".into(),
            role: Role::Admin,
            device: SYSTEM_DEVICE.into(),
            api_token_id: None,
        }
    }

    /// Runs `change` and its audit entry in one transaction, then moves the checkpoint outside
    /// the database forward. If either write fails, neither happens.
    fn write<T>(
        &mut self,
        actor: &Session,
        action: &str,
        object: &str,
        change: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_naming(actor, action, |tx| Ok((object.to_owned(), change(tx)?)))
    }

    /// [`Vault::write`] for a change whose audit object is known only inside the transaction —
    /// a new row, whose id [`next_id`] allocates there (so two processes writing one vault never
    /// pick the same id).
    fn write_naming<T>(
        &mut self,
        actor: &Session,
        action: &str,
        change: impl FnOnce(&Transaction<'_>) -> Result<(String, T)>,
    ) -> Result<T> {
        let now = self.now();
        let committed = (|| {
            let tx = self.conn.transaction()?;
            // Entries held for group commit go first, in the same transaction: the chain stays
            // in the order things happened.
            self.batch.append_to(&tx, &self.chain)?;
            let (object, value) = change(&tx)?;
            let entry = audit_entry(actor, action, &object, Outcome::Ok);
            let (seq, head) = audit::append(&tx, &self.chain, now, &entry)?;
            tx.commit()?;
            Ok((seq, head, value))
        })();
        let (seq, head, value) = committed.map_err(|error: VaultError| error.on_disk_of(&self.paths.dir))?;
        self.batch.clear();
        self.checkpoint_after_commit(seq, &head, now);
        Ok(value)
    }

    /// Moves the checkpoint outside the database forward after a commit. The change is already
    /// committed, so a failure here (a full disk) must not be reported as the change failing: a
    /// checkpoint that lags behind is safe (the roll-back check compares it with the database,
    /// which is ahead), and the next write moves it forward again.
    fn checkpoint_after_commit(&self, seq: i64, head: &[u8; 32], now: i64) {
        if let Err(error) = self.store_checkpoint(seq, head, now) {
            tracing::warn!(%error, seq, "the checkpoint outside the database was not moved forward; the change is committed");
        }
    }

    // --- accounts ---------------------------------------------------------------------------

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
        let anonymous = Session {
            token: SessionToken::from_string(String::new()),
            user_id: 0,
            username: username.to_owned(),
            role: Role::Kiosk,
            device: device.to_owned(),
            api_token_id: None,
        };
        let Some((user_id, role, hash, disabled, failures, locked_until)) = row else {
            // Same work as a real check, so timing does not reveal which usernames exist.
            let _ = accounts::verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
            );
            let mut entry = audit_entry(&anonymous, "auth.login", "user:?", Outcome::Failed);
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

    /// An audit entry for something that changed nothing (a denial, a failure).
    fn audit_only(&mut self, actor: &Session, action: &str, object: &str, outcome: Outcome) -> Result<()> {
        self.append_only(&audit_entry(actor, action, object, outcome))
    }

    fn append_only(&mut self, entry: &Entry) -> Result<()> {
        let now = self.now();
        if self.batch.enabled {
            self.batch.hold(now, entry.clone());
            return Ok(());
        }
        // Batching is off, so nothing is held: `set_audit_batching(false)` flushed it.
        let (seq, head) = (|| {
            let tx = self.conn.transaction()?;
            let head = audit::append(&tx, &self.chain, now, entry)?;
            tx.commit()?;
            Ok(head)
        })()
        .map_err(|error: VaultError| error.on_disk_of(&self.paths.dir))?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(())
    }

    /// Moves the signed checkpoint outside the database to the head just committed.
    fn store_checkpoint(&self, seq: i64, head: &[u8; 32], at_ms: i64) -> Result<()> {
        Checkpoint::sign(&self.chain, seq, head, at_ms).store(&self.paths.checkpoint())
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
            tx.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
                params![user_id, now],
            )?;
            Ok(())
        })
    }

    // --- hiring data ------------------------------------------------------------------------

    pub fn create_job(&mut self, session: &Session, job: NewJob) -> Result<i64> {
        self.authorize(session, Action::ManageJobs)?;
        check_weights(&job.dimensions)?;
        let now = self.now();
        self.write_naming(session, "job.create", |tx| {
            let next = next_id(tx, "jobs")?;
            tx.execute(
                "INSERT INTO jobs (id, title, language, recommend_threshold, hold_threshold, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![next, job.title, job.language.tag(), job.bands.recommend, job.bands.hold, now, session.user_id],
            )?;
            for (position, w) in job.dimensions.iter().enumerate() {
                tx.execute(
                    "INSERT INTO dimensions (job_id, name, weight_bp, position) VALUES (?1, ?2, ?3, ?4)",
                    params![next, w.dimension.trim(), w.basis_points, position as i64],
                )?;
            }
            Ok((format!("job:{next}"), next))
        })
    }

    /// Adds a question with its first rubric version.
    pub fn add_question(&mut self, session: &Session, q: NewQuestion) -> Result<i64> {
        self.authorize(session, Action::ManageQuestions)?;
        let now = self.now();
        let dims: Vec<String> = self
            .conn
            .prepare("SELECT name FROM dimensions WHERE job_id = ?1")?
            .query_map([q.job_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if dims.is_empty() {
            return Err(VaultError::NoSuchObject { what: "job", id: q.job_id });
        }
        if let Some(unknown) = q.dimensions.iter().find(|d| !dims.contains(d)) {
            return Err(VaultError::Rule(interview::RuleError::DuplicateDimension(unknown.clone())));
        }
        self.write_naming(session, "question.create", |tx| {
            let next = next_id(tx, "questions")?;
            let position: i64 = tx.query_row("SELECT COUNT(*) FROM questions WHERE job_id = ?1", [q.job_id], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO questions (id, job_id, kind, position, prep_seconds, answer_seconds, retakes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![next, q.job_id, if q.situational { "situational" } else { "structured" }, position, q.prep_seconds, q.answer_seconds, q.retakes],
            )?;
            tx.execute(
                "INSERT INTO question_versions (question_id, version, text, rubric_json, dimensions, created_at) VALUES (?1, 1, ?2, ?3, ?4, ?5)",
                params![next, q.text, q.rubric_json, serde_json::to_string(&q.dimensions).unwrap_or_default(), now],
            )?;
            Ok((format!("question:{next}"), next))
        })
    }

    /// Adds a candidate. A resident ID number is checked, then stored only as a keyed hash
    /// and its last four characters.
    pub fn add_candidate(&mut self, session: &Session, c: NewCandidate) -> Result<i64> {
        self.authorize(session, Action::ManageCandidates)?;
        self.add_candidate_as(session, c)
    }

    /// The same for an actor already authorised.
    pub(crate) fn add_candidate_as(&mut self, session: &Session, c: NewCandidate) -> Result<i64> {
        self.add_candidate_then(session, c, |_, _| Ok(()))
    }

    /// [`Vault::add_candidate_as`], running `then` with the new id inside the same transaction.
    pub(crate) fn add_candidate_then(
        &mut self,
        session: &Session,
        c: NewCandidate,
        then: impl FnOnce(&Transaction<'_>, i64) -> Result<()>,
    ) -> Result<i64> {
        let job: Option<i64> =
            self.conn.query_row("SELECT id FROM jobs WHERE id = ?1", [c.job_id], |r| r.get(0)).optional()?;
        if job.is_none() {
            return Err(VaultError::NoSuchObject { what: "job", id: c.job_id });
        }
        let row = self.candidate_row(&c)?;
        let now = self.now();
        self.write_naming(session, "candidate.create", |tx| {
            let next = next_id(tx, "candidates")?;
            insert_candidate(tx, next, &c, &row, now)?;
            then(tx, next)?;
            Ok((format!("candidate:{next}"), next))
        })
    }

    /// Imports candidates in **one transaction** with one audit entry each: either all of them
    /// are added or, on any error, none.
    pub fn import_candidates(
        &mut self,
        session: &Session,
        job_id: i64,
        candidates: &[NewCandidate],
    ) -> Result<Vec<i64>> {
        self.import_candidates_inner(session, job_id, candidates).map_err(|error| error.on_disk_of(&self.paths.dir))
    }

    fn import_candidates_inner(
        &mut self,
        session: &Session,
        job_id: i64,
        candidates: &[NewCandidate],
    ) -> Result<Vec<i64>> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        self.authorize(session, Action::ManageCandidates)?;
        self.job_info(job_id)?;
        let rows = candidates.iter().map(|c| self.candidate_row(c)).collect::<Result<Vec<_>>>()?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let first = next_id(&tx, "candidates")?;
        let mut ids = Vec::with_capacity(candidates.len());
        for (offset, (c, row)) in candidates.iter().zip(&rows).enumerate() {
            let id = first + offset as i64;
            insert_candidate(&tx, id, &NewCandidate { job_id, ..c.clone() }, row, now)?;
            audit::append(
                &tx,
                &self.chain,
                now,
                &audit_entry(session, "candidate.create", &format!("candidate:{id}"), Outcome::Ok),
            )?;
            ids.push(id);
        }
        let (seq, head) = audit::append(
            &tx,
            &self.chain,
            now,
            &audit_entry(session, "candidate.import", &format!("job:{job_id}"), Outcome::Ok),
        )?;
        tx.commit()?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(ids)
    }

    /// Which ID numbers already belong to candidates of a job (checked by keyed hash, so the
    /// numbers themselves are never read back).
    pub fn id_lookup(&mut self, session: &Session, job_id: i64) -> Result<IdLookup> {
        self.authorize(session, Action::ManageCandidates)?;
        let hashes = self
            .conn
            .prepare("SELECT id_hash FROM candidates WHERE job_id = ?1 AND id_hash IS NOT NULL")?
            .query_map([job_id], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<std::collections::HashSet<_>>>()?;
        Ok(IdLookup { key: self.lookup_key.derive("id"), hashes })
    }

    fn candidate_row(&self, c: &NewCandidate) -> Result<CandidateColumns> {
        Ok(match c.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => {
                check_resident_id(id)?;
                let upper = id.to_ascii_uppercase();
                CandidateColumns {
                    id_hash: Some(self.lookup_hash("id", &upper)),
                    last4: Some(upper[upper.len() - 4..].to_owned()),
                }
            }
            None => CandidateColumns { id_hash: None, last4: None },
        })
    }

    /// A keyed hash for looking things up without storing them (ID numbers, access codes).
    fn lookup_hash(&self, purpose: &str, value: &str) -> Vec<u8> {
        keyed_hash(&self.lookup_key.derive(purpose), value)
    }

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
        let now = self.now();
        let interview = self.write_naming(session, "invitation.create", |tx| {
            let next = next_id(tx, "invitations")?;
            tx.execute(
                "INSERT INTO invitations (id, candidate_id, code_hash, valid_from, valid_until, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![next, candidate_id, hash, valid_from_ms, valid_until_ms, now],
            )?;
            tx.execute(
                "INSERT INTO interviews (invitation_id, candidate_id, job_id, state, updated_at) VALUES (?1, ?2, ?3, 'invited', ?4)",
                params![next, candidate_id, job_id, now],
            )?;
            let interview = tx.last_insert_rowid();
            then(tx, interview, &code)?;
            Ok((format!("invitation:{next}"), interview))
        })?;
        Ok((interview, code))
    }

    /// The kiosk redeems a code: unknown, not yet valid, expired and reused codes are refused
    /// (and audited); a valid one is spent and its interview checked in.
    pub fn redeem_access_code(&mut self, session: &Session, code: &AccessCode) -> Result<CheckIn> {
        self.authorize(session, Action::RedeemAccessCode)?;
        let now = self.now();
        let hash = self.lookup_hash("access-code", code.as_str());
        let row = self
            .conn
            .query_row(
                "SELECT i.id, i.valid_from, i.valid_until, i.used_at, i.extra_time_pct, i.large_text, v.id, v.job_id, v.state
                 FROM invitations i JOIN interviews v ON v.invitation_id = i.id WHERE i.code_hash = ?1",
                [hash],
                |r| {
                    Ok(Redemption {
                        invitation: r.get(0)?,
                        window: interview::CodeWindow { valid_from: r.get(1)?, valid_until: r.get(2)?, used_at: r.get(3)? },
                        extra_time_pct: r.get(4)?,
                        large_text: r.get(5)?,
                        interview: r.get(6)?,
                        job_id: r.get(7)?,
                        state: r.get(8)?,
                    })
                },
            )
            .optional()?;
        let Some(Redemption { invitation, window, extra_time_pct: extra, large_text: large, interview, job_id, state }) =
            row
        else {
            self.audit_only(session, "kiosk.redeem", "invitation:?", Outcome::Denied)?;
            return Err(VaultError::UnknownAccessCode);
        };
        let object = format!("invitation:{invitation}");
        let state = InterviewState::parse(&state)
            .ok_or_else(|| VaultError::Corrupt(format!("state of interview {interview}")))?;
        if let Err(rule) = window.check(now).and_then(|()| state.apply(InterviewEvent::CheckIn).map(|_| ())) {
            self.audit_only(session, "kiosk.redeem", &object, Outcome::Denied)?;
            return Err(rule.into());
        }
        self.write(session, "kiosk.redeem", &object, |tx| {
            tx.execute("UPDATE invitations SET used_at = ?2 WHERE id = ?1", params![invitation, now])?;
            tx.execute(
                "UPDATE interviews SET state = 'checked_in', device = ?2, updated_at = ?3 WHERE id = ?1",
                params![interview, session.device, now],
            )?;
            Ok(())
        })?;
        Ok(CheckIn { interview_id: interview, job_id, extra_time_pct: extra as u32, large_text: large })
    }

    /// Moves an interview through its state machine on behalf of `session`.
    pub fn advance_interview(
        &mut self,
        session: &Session,
        interview_id: i64,
        event: InterviewEvent,
    ) -> Result<InterviewState> {
        let action = match event {
            InterviewEvent::CheckIn => Action::RedeemAccessCode,
            InterviewEvent::GiveConsent | InterviewEvent::DeclineConsent => Action::RecordConsent,
            InterviewEvent::Finish => Action::RecordAnswer,
            InterviewEvent::Score | InterviewEvent::Rescore => Action::RescoreInterview,
            InterviewEvent::Review => Action::RecordDecision,
        };
        self.authorize(session, action)?;
        let now = self.now();
        let from = self.interview_state(interview_id)?;
        let object = format!("interview:{interview_id}");
        let to = match from.apply(event) {
            Ok(to) => to,
            Err(rule) => {
                self.audit_only(session, "interview.advance", &object, Outcome::Failed)?;
                return Err(rule.into());
            }
        };
        self.write(session, "interview.advance", &object, |tx| {
            tx.execute(
                "UPDATE interviews SET state = ?2, updated_at = ?3 WHERE id = ?1",
                params![interview_id, to.as_str(), now],
            )?;
            if event == InterviewEvent::Review {
                tx.execute("UPDATE interviews SET decided_at = ?2 WHERE id = ?1", params![interview_id, now])?;
            }
            if event == InterviewEvent::Finish {
                tx.execute(
                    "INSERT INTO scoring_jobs (interview_id, answer_id, state, created_at, updated_at) VALUES (?1, NULL, 'queued', ?2, ?2)",
                    params![interview_id, now],
                )?;
            }
            if matches!(event, InterviewEvent::GiveConsent | InterviewEvent::DeclineConsent) {
                tx.execute(
                    "INSERT INTO consents (interview_id, given, text_version, at) VALUES (?1, ?2, 'v1', ?3)",
                    params![interview_id, event == InterviewEvent::GiveConsent, now],
                )?;
            }
            Ok(to)
        })
    }

    // --- answers and media -------------------------------------------------------------------

    /// Starts recording an answer to `question_id` in an interview that is in progress. The
    /// question's current rubric version is frozen from here on: scores always refer to the
    /// exact text and rubric the candidate saw.
    pub fn begin_answer(
        &mut self,
        session: &Session,
        interview_id: i64,
        question_id: i64,
        practice: bool,
    ) -> Result<i64> {
        self.authorize(session, Action::RecordAnswer)?;
        let from = self.interview_state(interview_id)?;
        if from != InterviewState::InProgress {
            return Err(interview::RuleError::Transition { from, event: InterviewEvent::Finish }.into());
        }
        let version: i64 = self
            .conn
            .query_row(
                "SELECT qv.id FROM question_versions qv JOIN questions q ON q.id = qv.question_id
                 JOIN interviews v ON v.job_id = q.job_id
                 WHERE qv.question_id = ?1 AND v.id = ?2 ORDER BY qv.version DESC LIMIT 1",
                params![question_id, interview_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "question", id: question_id })?;
        let now = self.now();
        self.write_naming(session, "answer.begin", |tx| {
            let next = next_id(tx, "answers")?;
            let attempt: i64 = tx.query_row(
                "SELECT COALESCE(MAX(attempt), 0) + 1 FROM answers WHERE interview_id = ?1 AND question_version_id = ?2",
                params![interview_id, version],
                |r| r.get(0),
            )?;
            tx.execute("UPDATE question_versions SET frozen = 1 WHERE id = ?1", [version])?;
            tx.execute(
                "INSERT INTO answers (id, interview_id, question_version_id, attempt, practice, state, started_at) VALUES (?1, ?2, ?3, ?4, ?5, 'recording', ?6)",
                params![next, interview_id, version, attempt, practice, now],
            )?;
            Ok((format!("answer:{next}"), next))
        })
    }

    /// Ends the recording of an answer: `committed` keeps it for scoring; otherwise it is
    /// marked interrupted (a camera unplugged, the kiosk restarted) and kept as evidence.
    pub fn finish_answer(&mut self, session: &Session, answer_id: i64, committed: bool) -> Result<()> {
        self.authorize(session, Action::RecordAnswer)?;
        let now = self.now();
        self.check_recording(answer_id)?;
        self.write(session, "answer.finish", &format!("answer:{answer_id}"), |tx| {
            tx.execute(
                "UPDATE answers SET state = ?2, committed_at = ?3 WHERE id = ?1",
                params![answer_id, if committed { "committed" } else { "interrupted" }, now],
            )?;
            let practice: bool =
                tx.query_row("SELECT practice FROM answers WHERE id = ?1", [answer_id], |r| r.get(0))?;
            if committed && !practice {
                // Scored as soon as it is committed; queued in the same transaction.
                tx.execute(
                    "INSERT INTO scoring_jobs (interview_id, answer_id, state, created_at, updated_at)
                     SELECT interview_id, id, 'queued', ?2, ?2 FROM answers WHERE id = ?1",
                    params![answer_id, now],
                )?;
                // A retake replaces the earlier attempt: its scoring job, if still waiting (or
                // failed), is closed as superseded rather than scored.
                tx.execute(
                    "UPDATE scoring_jobs SET state = 'done', error_code = 'superseded', updated_at = ?2
                     WHERE state IN ('queued', 'failed') AND answer_id IN (
                         SELECT a.id FROM answers a
                         JOIN question_versions qv ON qv.id = a.question_version_id
                         JOIN answers this ON this.id = ?1
                         JOIN question_versions tqv ON tqv.id = this.question_version_id
                         WHERE a.interview_id = this.interview_id AND qv.question_id = tqv.question_id AND a.id <> ?1)",
                    params![answer_id, now],
                )?;
            }
            Ok(())
        })
    }

    /// Refuses unless the answer exists and is still being recorded.
    fn check_recording(&self, answer_id: i64) -> Result<()> {
        let state: String = self
            .conn
            .query_row("SELECT state FROM answers WHERE id = ?1", [answer_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "answer", id: answer_id })?;
        if state == "recording" { Ok(()) } else { Err(VaultError::AnswerClosed { answer_id }) }
    }

    /// The state an interview is in.
    pub(crate) fn interview_state(&self, interview_id: i64) -> Result<InterviewState> {
        let state: String = self
            .conn
            .query_row("SELECT state FROM interviews WHERE id = ?1", [interview_id], |r| r.get(0))
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "interview", id: interview_id })?;
        InterviewState::parse(&state).ok_or_else(|| VaultError::Corrupt(format!("state of interview {interview_id}")))
    }

    /// Stores one media file of an answer being recorded from `source` (streamed, encrypted in
    /// chunks) and records it with the next segment number.
    pub fn store_media(
        &mut self,
        session: &Session,
        answer_id: i64,
        kind: &str,
        source: &mut impl Read,
    ) -> Result<i64> {
        self.authorize(session, Action::RecordAnswer)?;
        self.check_recording(answer_id)?;
        let mut name = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut name);
        let mut writer = MediaWriter::create(&self.paths.media(), &format!("{}.ikm", hex::encode(name)))?;
        let mut buf = vec![0u8; media::CHUNK];
        loop {
            let n = source.read(&mut buf).map_err(VaultError::io(&self.paths.media()))?;
            if n == 0 {
                break;
            }
            writer.write(&buf[..n])?;
        }
        let stored = writer.finish(&self.media_key)?;
        let now = self.now();
        let result = self.write_naming(session, "media.store", |tx| {
            let next = next_id(tx, "media")?;
            let seq: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM media WHERE answer_id = ?1",
                [answer_id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO media (id, answer_id, kind, seq, file, wrapped_key, sha256, plain_size, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![next, answer_id, kind, seq, stored.file, stored.wrapped_key, stored.sha256.as_slice(), stored.plain_size as i64, now],
            )?;
            Ok((format!("media:{next}"), next))
        });
        if result.is_err() {
            // Without its record the file can never be read; do not leave it behind.
            let _ = std::fs::remove_file(self.paths.media().join(&stored.file));
        }
        result
    }

    /// Decrypts a media file into `out`, checking every chunk.
    pub fn read_media(&mut self, session: &Session, media_id: i64, out: &mut impl Write) -> Result<u64> {
        self.authorize(session, Action::ViewInterviews)?;
        let stored = self.stored_media(media_id)?;
        media::read(&self.paths.media(), &stored, &self.media_key, out)
    }

    fn stored_media(&self, media_id: i64) -> Result<StoredMedia> {
        self.conn
            .query_row(
                "SELECT file, wrapped_key, sha256, plain_size FROM media WHERE id = ?1 AND purged_at IS NULL",
                [media_id],
                |r| {
                    Ok(StoredMedia {
                        file: r.get(0)?,
                        wrapped_key: r.get(1)?,
                        sha256: r.get::<_, Vec<u8>>(2)?.try_into().unwrap_or([0; 32]),
                        plain_size: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .optional()?
            .ok_or(VaultError::NoSuchObject { what: "media", id: media_id })
    }

    // --- checks -----------------------------------------------------------------------------

    pub fn status(&self) -> Result<VaultStatus> {
        let count = |table: &str| -> Result<i64> {
            Ok(self.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(VaultStatus {
            vault_id: self.header.vault_id.clone(),
            schema_version: db::schema_version(&self.conn)?,
            created_at_ms: self.header.created_at_ms,
            users: count("users")?,
            jobs: count("jobs")?,
            candidates: count("candidates")?,
            interviews: count("interviews")?,
            media_files: count("media WHERE purged_at IS NULL")?,
            audit_entries: count("audit_log")?,
        })
    }

    /// Verifies the audit chain and its checkpoints (inside and outside the database).
    pub fn verify_audit(&mut self, session: &Session) -> Result<audit::Verified> {
        self.authorize(session, Action::VerifyAudit)?;
        let outside = Checkpoint::load(&self.paths.checkpoint())?;
        let verified = audit::verify(&self.conn, &self.chain, outside.as_ref());
        let outcome = if verified.is_ok() { Outcome::Ok } else { Outcome::Failed };
        self.audit_only(session, "audit.verify", "audit_log", outcome)?;
        verified
    }

    /// `vault check`: SQLCipher's page HMACs and SQLite's integrity check, every media file's
    /// hash, and the audit chain.
    pub fn check(&mut self, session: &Session) -> Result<CheckReport> {
        self.authorize(session, Action::VerifyAudit)?;
        let report = self.check_header().and_then(|_| self.verify_contents());
        let outcome = if report.is_ok() { Outcome::Ok } else { Outcome::Failed };
        self.audit_only(session, "vault.check", "vault", outcome)?;
        report
    }

    /// Whether `vault.json` is the header the database recorded: `Ok(false)` when the database
    /// recorded none (a vault made before it did), [`VaultError::RecoveryCopyDamaged`] when they
    /// differ.
    fn check_header(&self) -> Result<bool> {
        let recorded: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [HEADER_DIGEST], |r| r.get(0))
            .optional()?;
        match recorded {
            None => Ok(false),
            Some(digest) if digest == self.header.digest() => Ok(true),
            Some(_) => Err(VaultError::RecoveryCopyDamaged { path: self.paths.header() }),
        }
    }

    fn verify_contents(&self) -> Result<CheckReport> {
        db::integrity_check(&self.conn)?;
        let mut stmt = self.conn.prepare("SELECT file, sha256 FROM media WHERE purged_at IS NULL ORDER BY id")?;
        let files: Vec<(String, Vec<u8>)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        for (file, expected) in &files {
            let path = self.paths.media().join(file);
            let actual = media::file_sha256(&path)
                .map_err(|_| VaultError::MediaDamaged { file: file.clone(), reason: "missing or unreadable".into() })?;
            if actual.as_slice() != expected.as_slice() {
                return Err(VaultError::MediaDamaged { file: file.clone(), reason: "sha256 differs".into() });
            }
        }
        let outside = Checkpoint::load(&self.paths.checkpoint())?;
        let audit = audit::verify(&self.conn, &self.chain, outside.as_ref())?;
        let orphans: Vec<String> = self
            .orphan_media_files(None)?
            .iter()
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .collect();
        Ok(CheckReport { audit, media_files: files.len() as i64, orphan_files: orphans.len() as i64, orphans })
    }

    /// Encrypted files in `media/` without a live record; with `older_than_ms`, only those last
    /// modified before that time.
    fn orphan_media_files(&self, older_than_ms: Option<i64>) -> Result<Vec<PathBuf>> {
        let dir = self.paths.media();
        let mut known = std::collections::HashSet::new();
        let mut stmt = self.conn.prepare("SELECT file FROM media WHERE purged_at IS NULL")?;
        for file in stmt.query_map([], |r| r.get::<_, String>(0))? {
            known.insert(file?);
        }
        let mut orphans = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(VaultError::io(&dir))? {
            let entry = entry.map_err(VaultError::io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".ikm") || name.starts_with('.') || known.contains(&name) {
                continue;
            }
            let modified_ms = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            if older_than_ms.is_none_or(|limit| modified_ms < limit) {
                orphans.push(entry.path());
            }
        }
        Ok(orphans)
    }
}

/// The id of the vault in `data_dir` (from its header), e.g. to remove its credential.
pub fn vault_id_at(data_dir: &Path) -> Result<String> {
    Ok(read_header(&VaultPaths::in_data_dir(data_dir))?.vault_id)
}

fn read_header(paths: &VaultPaths) -> Result<Header> {
    let path = paths.header();
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(VaultError::NotFound(paths.dir.clone())),
        Err(e) => return Err(VaultError::io(&path)(e)),
    };
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| VaultError::Header { path: path.clone(), detail: e.to_string() })?;
    if header.format != HEADER_FORMAT {
        return Err(VaultError::Header { path, detail: format!("format {}", header.format) });
    }
    Ok(header)
}

fn keyed_hash(key: &SecretKey, value: &str) -> Vec<u8> {
    Sha256::new().chain_update(key.expose()).chain_update(value.as_bytes()).finalize().to_vec()
}

/// The stored form of a candidate's ID number.
struct CandidateColumns {
    id_hash: Option<Vec<u8>>,
    last4: Option<String>,
}

fn insert_candidate(tx: &Transaction<'_>, id: i64, c: &NewCandidate, row: &CandidateColumns, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO candidates (id, job_id, name, id_hash, id_last4, phone, email, group_label, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, c.job_id, c.name, row.id_hash, row.last4, c.phone, c.email, c.group, now],
    )?;
    Ok(())
}

/// Whether an ID number already belongs to a candidate of a job (see [`Vault::id_lookup`]).
pub struct IdLookup {
    key: SecretKey,
    hashes: std::collections::HashSet<Vec<u8>>,
}

impl std::fmt::Debug for IdLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdLookup").field("known", &self.hashes.len()).finish_non_exhaustive()
    }
}

impl IdLookup {
    /// `id_number` normalised (trimmed, upper case) as the vault stores it.
    pub fn contains(&self, id_number: &str) -> bool {
        self.hashes.contains(&keyed_hash(&self.key, &id_number.trim().to_ascii_uppercase()))
    }
}

/// An invitation row joined with its interview, as the kiosk redeems it.
struct Redemption {
    invitation: i64,
    window: interview::CodeWindow,
    extra_time_pct: i64,
    large_text: bool,
    interview: i64,
    job_id: i64,
    state: String,
}

/// The next id of `table`, inside the caller's transaction (which holds the write lock from its
/// start, see `db::open_keyed`), so no other writer can take it before the commit.
fn next_id(tx: &Transaction<'_>, table: &'static str) -> Result<i64> {
    Ok(tx.query_row(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"), [], |r| r.get(0))?)
}

fn audit_entry(actor: &Session, action: &str, object: &str, outcome: Outcome) -> Entry {
    Entry {
        actor_id: (actor.user_id > 0).then_some(actor.user_id),
        actor: actor.username.clone(),
        role: if actor.is_api() { "api".to_owned() } else { actor.role.as_str().to_owned() },
        action: action.to_owned(),
        object: object.to_owned(),
        outcome,
        device: actor.device.clone(),
    }
}

/// Eight characters from the Crockford alphabet (40 bits), shown as `XXXX-XXXX`.
fn new_access_code() -> AccessCode {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    AccessCode(zeroize::Zeroizing::new(bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect()))
}
