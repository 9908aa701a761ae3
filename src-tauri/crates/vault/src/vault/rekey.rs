//! `vault rekey`: a new database key and a new recovery key, crash-safe at every step.
//!
//! 1. The new key goes into the credential store under a *pending* entry.
//! 2. The database is exported, encrypted with the new key, to `vault.db.next`; the re-key's
//!    audit entry is appended there, so it exists exactly when the re-key happened.
//! 3. The new header (the new key wrapped by the new recovery key) goes to `vault.json.next`.
//! 4. The live database is closed (its WAL checkpointed away) and `vault.db.next` is renamed
//!    over `vault.db`: **this rename is the commit point**.
//! 5. The header is renamed into place, the new key replaces the old in the credential store
//!    and the pending entry is removed.
//!
//! A crash anywhere is finished or undone at the next open by [`resolve_key`]: if the old key
//! still opens `vault.db`, the re-key never committed and its leftovers are removed; if only
//! the pending key opens it, steps 5 are completed.

use super::lifecycle::{HEADER_DIGEST, Header, read_header, wrap_for_recovery};
use super::{Session, Vault, VaultPaths, audit_entry};
use crate::audit::{self, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::{RecoveryKey, SecretKey, credential};
use crate::lock::Exclusive;
use crate::{db, files};
use interview::Action;

impl Vault {
    /// Re-encrypts the database under a new key and returns the new recovery key (shown once;
    /// the old recovery key no longer opens this vault). Media files keep their own keys,
    /// wrapped by the media key inside the database, so they are not rewritten.
    pub fn rekey(&mut self, session: &Session) -> Result<RecoveryKey> {
        self.authorize(session, Action::ManageSettings)?;
        // The database file is replaced: never while another process has it open (it would
        // go on writing into the file this replaces).
        let result = self
            .lock
            .upgrade(Exclusive::Rekey)
            .and_then(|()| self.rekey_inner(session))
            .map_err(|error| error.on_disk_of(&self.paths.dir));
        if let Err(error) = self.lock.downgrade() {
            tracing::warn!(%error, "the vault lock could not be shared again after the re-key");
        }
        if let Err(error) = &result {
            tracing::warn!(%error, "re-key failed; the vault keeps its old key");
            if let Err(audit_error) = self.audit_only(session, "vault.rekey", "vault", Outcome::Failed) {
                tracing::warn!(error = %audit_error, "recording the failed re-key failed");
            }
        }
        result
    }

    fn rekey_inner(&mut self, session: &Session) -> Result<RecoveryKey> {
        self.flush_audit()?; // held entries first: the chain keeps the order of events
        let paths = self.paths.clone();
        remove_pending_files(&paths)?;
        let vault_id = self.header.vault_id.clone();
        let new_key = SecretKey::random();
        let recovery = RecoveryKey::random();
        credential::store_pending(&vault_id, &new_key)?;

        let new_media_key = SecretKey::random();
        let staged = (|| -> Result<(i64, [u8; 32], i64)> {
            db::export_rekeyed(&self.conn, &new_key, &paths.pending_db())?;
            let now = self.now();
            let header = Header {
                recovery_wrapped_key: wrap_for_recovery(&new_key, &recovery, &vault_id)?,
                ..self.header.clone()
            };
            let mut next = db::open(&paths.pending_db(), &new_key, false)?;
            let tx = next.transaction()?;
            // Every recording's own key is wrapped again under a new media key, in the same
            // commit: the new database holds no key that the old one held.
            rewrap_media(&tx, &self.media_key, &new_media_key)?;
            // The new database records the new header, which goes with it from the commit on.
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![HEADER_DIGEST, header.digest()],
            )?;
            let (seq, head) =
                audit::append(&tx, &self.chain, now, &audit_entry(session, "vault.rekey", "vault", Outcome::Ok))?;
            tx.commit()?;
            next.close().map_err(|(_, e)| VaultError::from(e))?;
            files::write_atomic(&paths.pending_header(), &header.to_json()?)?;
            Ok((seq, head, now))
        })();
        let (seq, head, now) = match staged {
            Ok(staged) => staged,
            Err(error) => {
                let _ = remove_pending_files(&paths);
                let _ = credential::delete_pending(&vault_id);
                return Err(error);
            }
        };

        // Close the live database cleanly so that no WAL of the old file outlives it.
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let old = std::mem::replace(&mut self.conn, db::placeholder()?);
        if let Err((conn, error)) = old.close() {
            self.conn = conn;
            let _ = remove_pending_files(&paths);
            let _ = credential::delete_pending(&vault_id);
            return Err(error.into());
        }
        let committed = remove_wal_files(&paths).and_then(|()| {
            // The commit point.
            std::fs::rename(paths.pending_db(), paths.db()).map_err(VaultError::io(paths.db()))
        });
        if let Err(error) = committed {
            self.conn = db::open(&paths.db(), &self.key, false)?;
            let _ = remove_pending_files(&paths);
            let _ = credential::delete_pending(&vault_id);
            return Err(error);
        }
        // Committed: from here on the new recovery key is the one that counts and must be shown,
        // whatever fails next; a step left undone is finished at the next open (`resolve_key`).
        self.key = new_key.clone();
        self.media_key = new_media_key;
        let finished = (|| -> Result<()> {
            self.conn = db::open(&paths.db(), &new_key, false)?;
            // A migration's copy of the database is under the old key: it goes too.
            remove_migration_copies(&paths)?;
            files::sync_dir(&paths.dir)?;
            finish(&paths, &vault_id, &new_key)?;
            self.header = read_header(&paths)?;
            Ok(())
        })();
        match finished {
            Ok(()) => self.checkpoint_after_commit(seq, &head, now),
            Err(error) => tracing::warn!(%error, "the re-key committed; its last steps are finished at the next open"),
        }
        tracing::info!("vault re-keyed");
        Ok(recovery)
    }

    /// Closes the database explicitly (checkpointing the WAL), reporting any failure.
    pub fn close(mut self) -> Result<()> {
        self.flush_audit()?;
        let conn = std::mem::replace(&mut self.conn, crate::db::placeholder()?);
        conn.close().map_err(|(_, e)| e.into())
    }
}

/// The key that opens the vault's database, finishing or undoing a re-key that a crash
/// interrupted (see the module documentation).
pub(super) fn resolve_key(paths: &VaultPaths, header: Header) -> Result<(Header, SecretKey)> {
    if !paths.pending_db().exists() && !paths.pending_header().exists() {
        let key = credential::load(&header.vault_id)?;
        // A re-key stopped after its last rename and before its key became the main entry
        // leaves no file behind, only the pending key: the main key then opens nothing (the
        // vault crash test found this). Looked at only while a pending key exists.
        if let Ok(pending) = credential::load_pending(&header.vault_id)
            && !probe(paths, &key)?
            && probe(paths, &pending)?
        {
            tracing::warn!("an interrupted re-key had committed and moved its files; finishing it");
            finish(paths, &header.vault_id, &pending)?;
            return Ok((header, pending));
        }
        return Ok((header, key));
    }
    let vault_id = header.vault_id.clone();
    let current = credential::load(&vault_id);
    if let Ok(key) = &current
        && probe(paths, key)?
    {
        tracing::warn!("an interrupted re-key never committed; removing what it left");
        remove_pending_files(paths)?;
        credential::delete_pending(&vault_id)?;
        return Ok((header, key.clone()));
    }
    let pending = match credential::load_pending(&vault_id) {
        Ok(pending) if probe(paths, &pending)? => pending,
        _ => return Err(current.err().unwrap_or(VaultError::WrongKey)),
    };
    tracing::warn!("an interrupted re-key had committed; finishing it");
    finish(paths, &vault_id, &pending)?;
    Ok((read_header(paths)?, pending))
}

/// Whether `key` opens the database (without changing it).
fn probe(paths: &VaultPaths, key: &SecretKey) -> Result<bool> {
    match db::open(&paths.db(), key, false) {
        Ok(conn) => {
            drop(conn);
            Ok(true)
        }
        Err(VaultError::WrongKey) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Steps after the commit point: header into place, the new key into the main entry.
fn finish(paths: &VaultPaths, vault_id: &str, new_key: &SecretKey) -> Result<()> {
    if paths.pending_header().exists() {
        std::fs::rename(paths.pending_header(), paths.header()).map_err(VaultError::io(paths.header()))?;
        files::sync_dir(&paths.dir)?;
    }
    credential::store(vault_id, new_key)?;
    credential::delete_pending(vault_id)
}

/// Wraps each recording's key (`media.wrapped_key`, sealed with the media key and the file's
/// name) under `new` instead of `old`, and stores `new` as the media key. Purged recordings
/// (an empty wrapped key) stay as they are.
fn rewrap_media(tx: &rusqlite::Transaction<'_>, old: &SecretKey, new: &SecretKey) -> Result<()> {
    let rows: Vec<(i64, String, Vec<u8>)> = tx
        .prepare("SELECT id, file, wrapped_key FROM media WHERE length(wrapped_key) > 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, file, wrapped) in rows {
        let key = crate::keys::open(old, &wrapped, file.as_bytes())
            .ok_or_else(|| VaultError::Corrupt(format!("media {id}: its key does not unwrap")))?;
        let again = crate::keys::seal(new, &key, file.as_bytes())?;
        tx.execute("UPDATE media SET wrapped_key = ?2 WHERE id = ?1", rusqlite::params![id, again])?;
    }
    tx.execute("UPDATE settings SET value = ?1 WHERE key = 'media_key'", [hex::encode(new.expose())])?;
    Ok(())
}

/// Removes `vault.db.before-vN`, the copies a schema migration keeps of the database.
fn remove_migration_copies(paths: &VaultPaths) -> Result<()> {
    let entries = std::fs::read_dir(&paths.dir).map_err(VaultError::io(&paths.dir))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("vault.db.before-v") {
            std::fs::remove_file(entry.path()).map_err(VaultError::io(entry.path()))?;
        }
    }
    Ok(())
}

fn remove_pending_files(paths: &VaultPaths) -> Result<()> {
    let db = paths.pending_db();
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    let mut shm = db.clone().into_os_string();
    shm.push("-shm");
    for path in [db, wal.into(), shm.into(), paths.pending_header()] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::io(path)(e)),
        }
    }
    Ok(())
}

/// After a clean close SQLite has removed the WAL; an empty one left behind must not be
/// applied to the new file that takes the old one's name.
fn remove_wal_files(paths: &VaultPaths) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut path = paths.db().into_os_string();
        path.push(suffix);
        let path = std::path::PathBuf::from(path);
        if let Ok(meta) = std::fs::metadata(&path) {
            if suffix == "-wal" && meta.len() > 0 {
                return Err(VaultError::Corrupt("the write-ahead log was not emptied before re-keying".into()));
            }
            std::fs::remove_file(&path).map_err(VaultError::io(&path))?;
        }
    }
    Ok(())
}
