//! A vault's life on disk: creating it, opening it (migrating, refusing a rolled-back copy),
//! recovering it with the recovery key, its paths and plaintext header, and what `vault status`
//! and `vault check` report.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use interview::{Action, Role};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::users::NewUser;
use super::{Clock, Session, Vault, batch, rekey, system_clock};
use crate::accounts;
use crate::audit::{self, Chain, Checkpoint, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::{self, RecoveryKey, SecretKey, credential};
use crate::lock::{Exclusive, VaultLock};
use crate::{db, files, media, schema};

const HEADER_FORMAT: u32 = 1;

/// The plaintext header. It holds no secret: the database key in it is wrapped by the
/// recovery key, which is stored nowhere.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) format: u32,
    pub(super) vault_id: String,
    pub(super) created_at_ms: i64,
    /// The database key sealed under a key derived from the recovery key.
    pub(super) recovery_wrapped_key: String,
    /// Verifies the audit checkpoints (the signing key is inside the encrypted database).
    pub(super) checkpoint_public_key: String,
}

const RECOVERY_WRAP: &str = "ik recovery wrap v1";

/// The database key sealed under a key derived from the recovery key, hex-encoded.
pub(super) fn wrap_for_recovery(key: &SecretKey, recovery: &RecoveryKey, vault_id: &str) -> Result<String> {
    Ok(hex::encode(keys::seal(&recovery.key().derive(RECOVERY_WRAP), key.expose(), vault_id.as_bytes())?))
}

impl Header {
    /// The database key, unwrapped with the recovery key.
    pub(super) fn unwrap_key(&self, paths: &VaultPaths, recovery: &RecoveryKey) -> Result<SecretKey> {
        let wrapped = hex::decode(&self.recovery_wrapped_key)
            .map_err(|_| VaultError::Header { path: paths.header(), detail: "recovery_wrapped_key".into() })?;
        let plain = keys::open(&recovery.key().derive(RECOVERY_WRAP), &wrapped, self.vault_id.as_bytes())
            .ok_or(VaultError::WrongRecoveryKey)?;
        SecretKey::from_bytes(&plain).ok_or(VaultError::WrongRecoveryKey)
    }

    pub(super) fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|_| VaultError::Crypto("header encoding"))
    }

    /// What the database records of this header (setting [`HEADER_DIGEST`]): a SHA-256 over
    /// every field. The database is encrypted and authenticated, so the copy there cannot be
    /// changed without the key; a header whose recovery copy of the key was altered (one
    /// character is enough to make the printed recovery key useless) no longer matches it.
    pub(super) fn digest(&self) -> String {
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
pub(super) const HEADER_DIGEST: &str = "header_digest";

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
    pub(super) fn pending_db(&self) -> PathBuf {
        self.dir.join("vault.db.next")
    }
    pub(super) fn pending_header(&self) -> PathBuf {
        self.dir.join("vault.json.next")
    }
    pub fn exists(&self) -> bool {
        self.header().exists() || self.db().exists()
    }
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
            station_step: None,
            personaliser: None,
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

    pub(super) fn open_with_key(paths: VaultPaths, header: Header, key: SecretKey, clock: Clock) -> Result<Vault> {
        let dir = paths.dir.clone();
        (|| {
            let lock = VaultLock::shared(&paths.dir)?;
            let conn = db::open(&paths.db(), &key, false)?;
            Self::from_connection(paths, header, key, conn, clock, lock)
        })()
        .map_err(|error| error.on_disk_of(&dir))
    }

    pub(super) fn from_connection(
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
            station_step: None,
            personaliser: None,
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
    pub(super) fn check_header(&self) -> Result<bool> {
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

    pub(super) fn verify_contents(&self) -> Result<CheckReport> {
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
    pub(super) fn orphan_media_files(&self, older_than_ms: Option<i64>) -> Result<Vec<PathBuf>> {
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

pub(super) fn read_header(paths: &VaultPaths) -> Result<Header> {
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
