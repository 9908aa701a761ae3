//! `vault backup` and `vault restore`: the whole vault in one file, still encrypted.
//!
//! ```text
//! "IKBACKUP" | format: u32 BE | manifest length: u32 BE | manifest (JSON)
//! | the files, concatenated in manifest order | sha256 of everything before it
//! ```
//!
//! The database is copied with SQLite's backup API (a consistent snapshot, encrypted with the
//! vault's key) and integrity-checked before it goes in; media files are copied as they are
//! (encrypted) and checked against the hashes the database records. The manifest names every
//! file with its size and sha256, so a damaged backup is refused before anything is unpacked
//! over a vault. Restoring needs the key: from this machine's credential store, or the
//! recovery key on a new machine.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::lifecycle::read_header;
use super::{Clock, Session, Vault, VaultPaths, system_clock};
use crate::audit::{self, Checkpoint, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::{RecoveryKey, credential};
use crate::{db, files};
use interview::Action;

const MAGIC: &[u8; 8] = b"IKBACKUP";
const FORMAT: u32 = 1;
/// A manifest lists one line per media file; this is far beyond any real vault.
const MAX_MANIFEST: u32 = 256 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: u32,
    vault_id: String,
    created_at_ms: i64,
    schema_version: u32,
    audit_seq: i64,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    name: String,
    size: u64,
    sha256: String,
}

/// What `vault backup` wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub media_files: u64,
    pub audit_entries: i64,
}

/// What `vault restore` put back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub vault_id: String,
    pub backup_created_at_ms: i64,
    pub media_files: u64,
    pub audit_entries: i64,
    /// Where the vault that was replaced now lives (it is never deleted).
    pub replaced_vault: Option<PathBuf>,
}

/// Names allowed inside a backup: the three vault files and `media/<32 hex>.ikm`.
fn valid_name(name: &str) -> bool {
    match name {
        "vault.json" | "checkpoint.json" | "vault.db" => true,
        _ => name.strip_prefix("media/").and_then(|f| f.strip_suffix(".ikm")).is_some_and(|stem| {
            stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }),
    }
}

/// A temporary file or directory, removed when dropped unless kept.
struct Scratch(Option<PathBuf>);

impl Scratch {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
        }
    }
}

/// Writes through to `inner` and hashes what passes.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn sha256_file(path: &Path) -> Result<(u64, [u8; 32])> {
    let mut file = File::open(path).map_err(VaultError::io(path))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher).map_err(VaultError::io(path))?;
    Ok((size, hasher.finalize().into()))
}

impl Vault {
    /// Writes a backup of the whole vault to `dest`, which must not exist yet. Needs an
    /// administrator; the backup (or its failure) is recorded in the audit log.
    pub fn backup(&mut self, session: &Session, dest: &Path) -> Result<BackupReport> {
        self.authorize(session, Action::BackupVault)?;
        let result = self.write_backup(dest).map_err(|error| {
            let on = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            error.on_disk_of(on)
        });
        let outcome = if result.is_ok() { Outcome::Ok } else { Outcome::Failed };
        self.audit_only(session, "vault.backup", "vault", outcome)?;
        if let Ok(report) = &result {
            tracing::info!(bytes = report.bytes, media = report.media_files, "backup written");
        }
        result
    }

    fn write_backup(&self, dest: &Path) -> Result<BackupReport> {
        // A header whose recovery copy is damaged would be copied into every backup.
        self.check_header()?;
        if dest.exists() {
            return Err(VaultError::TargetExists(dest.to_owned()));
        }
        let file_name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let db_copy = Scratch(Some(dir.join(format!(".{file_name}.db.partial"))));
        let db_copy_path = db_copy.path().to_owned();
        let _ = std::fs::remove_file(&db_copy_path);
        db::backup_copy(&self.conn, &self.key, &db_copy_path)?;

        // The checkpoint that goes with the copy: the head the copy ends at.
        let (seq, head) = audit::head(&self.conn, &self.chain)?;
        let checkpoint = Checkpoint::sign(&self.chain, seq, &head, self.now());
        let checkpoint_json =
            serde_json::to_vec_pretty(&checkpoint).map_err(|_| VaultError::Crypto("checkpoint encoding"))?;
        let header_json = self.header.to_json()?;

        let mut entries = Vec::new();
        let mut sources: Vec<Source> = Vec::new();
        for (name, bytes) in [("vault.json", header_json), ("checkpoint.json", checkpoint_json)] {
            entries.push(FileEntry {
                name: name.into(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
            });
            sources.push(Source::Bytes(bytes));
        }
        let (size, hash) = sha256_file(&db_copy_path)?;
        entries.push(FileEntry { name: "vault.db".into(), size, sha256: hex::encode(hash) });
        sources.push(Source::File(db_copy_path.clone()));
        let mut stmt = self.conn.prepare("SELECT file, sha256 FROM media WHERE purged_at IS NULL ORDER BY id")?;
        let media: Vec<(String, Vec<u8>)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        for (file, recorded) in &media {
            let path = self.paths.media().join(file);
            let size = std::fs::metadata(&path)
                .map_err(|_| VaultError::MediaDamaged { file: file.clone(), reason: "missing".into() })?
                .len();
            entries.push(FileEntry { name: format!("media/{file}"), size, sha256: hex::encode(recorded) });
            sources.push(Source::File(path));
        }
        let manifest = Manifest {
            format: FORMAT,
            vault_id: self.header.vault_id.clone(),
            created_at_ms: self.now(),
            schema_version: db::schema_version(&self.conn)?,
            audit_seq: seq,
            files: entries,
        };
        let manifest_json = serde_json::to_vec(&manifest).map_err(|_| VaultError::Crypto("manifest encoding"))?;

        let partial_path = dir.join(format!(".{file_name}.partial"));
        let partial = Scratch(Some(partial_path.clone()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial_path)
            .map_err(VaultError::io(&partial_path))?;
        let mut out = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), written: 0 };
        let io = VaultError::io(&partial_path);
        (|| -> std::io::Result<()> {
            out.write_all(MAGIC)?;
            out.write_all(&FORMAT.to_be_bytes())?;
            out.write_all(&(manifest_json.len() as u32).to_be_bytes())?;
            out.write_all(&manifest_json)
        })()
        .map_err(io)?;
        for (entry, source) in manifest.files.iter().zip(&sources) {
            match source {
                Source::Bytes(bytes) => out.write_all(bytes).map_err(VaultError::io(&partial_path))?,
                Source::File(path) => {
                    // Hash what is copied: a media file changed since it was recorded is named.
                    let mut hasher = Sha256::new();
                    let mut reader = File::open(path).map_err(VaultError::io(path))?.take(entry.size);
                    let mut buf = vec![0u8; 256 * 1024];
                    let mut copied = 0u64;
                    loop {
                        let n = reader.read(&mut buf).map_err(VaultError::io(path))?;
                        if n == 0 {
                            break;
                        }
                        hasher.update(&buf[..n]);
                        out.write_all(&buf[..n]).map_err(VaultError::io(&partial_path))?;
                        copied += n as u64;
                    }
                    if copied != entry.size || hex::encode(hasher.finalize()) != entry.sha256 {
                        let name = entry.name.trim_start_matches("media/").to_owned();
                        return Err(VaultError::MediaDamaged { file: name, reason: "sha256 differs".into() });
                    }
                }
            }
        }
        let digest: [u8; 32] = out.hasher.clone().finalize().into();
        out.inner.write_all(&digest).map_err(VaultError::io(&partial_path))?;
        let bytes = out.written + 32;
        let file = out.inner.into_inner().map_err(|e| VaultError::io(&partial_path)(e.into_error()))?;
        file.sync_all().map_err(VaultError::io(&partial_path))?;
        drop(file);
        // Never replaces a file that appeared meanwhile: hard-link, then drop the temporary name.
        std::fs::hard_link(&partial_path, dest).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => VaultError::TargetExists(dest.to_owned()),
            _ => VaultError::io(dest)(e),
        })?;
        drop(partial);
        files::sync_dir(&dir)?;
        drop(db_copy);
        Ok(BackupReport { path: dest.to_owned(), bytes, media_files: media.len() as u64, audit_entries: seq })
    }

    /// Restores the vault in `data_dir` from `backup`. The file is checked completely (every
    /// file's hash, the database's pages, the media against the database, the audit chain)
    /// in a staging directory before anything is moved into place. An existing vault is only
    /// replaced with `replace`, and then moved aside, never deleted. Where there is no vault the
    /// backup's `recovery` key is required; over a vault (with `replacing`) the key may come from
    /// this machine's credential store instead.
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        recovery: Option<&RecoveryKey>,
        replacing: Option<Replacing<'_>>,
    ) -> Result<(Vault, RestoreReport)> {
        Self::restore_with_clock(data_dir, backup, recovery, replacing, system_clock())
    }

    /// Restores a backup into `data_dir`. Over an existing vault only with `replacing`: an
    /// administrator of **that** vault signs in to it and the authorisation is audited there
    /// (the entry stays in the copy moved aside) — otherwise anyone with the operating-system
    /// account could roll the vault back, bringing back revoked tokens and undoing lockouts.
    pub fn restore_with_clock(
        data_dir: &Path,
        backup: &Path,
        recovery: Option<&RecoveryKey>,
        replacing: Option<Replacing<'_>>,
        clock: Clock,
    ) -> Result<(Vault, RestoreReport)> {
        let target = VaultPaths::in_data_dir(data_dir);
        // Where there is no vault, the recovery key shows the right to restore: with only the
        // credential store's key, anyone with the account could move the vault away and restore
        // an old backup in its place.
        if !target.exists() && recovery.is_none() {
            return Err(VaultError::RecoveryKeyRequired);
        }
        if target.exists() {
            let Some(by) = replacing else { return Err(VaultError::AlreadyExists(target.dir)) };
            let mut current = Vault::open_with_clock(data_dir, clock.clone())?;
            let session = current.login(by.username, by.password, "restore")?;
            current.authorize(&session, Action::BackupVault)?;
            current.audit_only(&session, "vault.replace_authorised", "vault", Outcome::Ok)?;
            current.close()?;
        }
        // The vault replaced must not be open anywhere (a process would go on writing into the
        // copy moved aside): held until the restored one is in its place.
        let _target_lock = if target.exists() {
            Some(crate::lock::VaultLock::exclusive(&target.dir, crate::lock::Exclusive::Restore)?)
        } else {
            None
        };
        std::fs::create_dir_all(data_dir).map_err(VaultError::io(data_dir))?;
        let mut suffix = [0u8; 6];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut suffix);
        let staging = Scratch(Some(data_dir.join(format!(".vault.restoring-{}", hex::encode(suffix)))));
        let staged = VaultPaths { dir: staging.path().to_owned() };
        let manifest = unpack(backup, &staged)?;

        let header = read_header(&staged)?;
        if header.vault_id != manifest.vault_id {
            return Err(damaged(backup, "the manifest and the header name different vaults"));
        }
        let key = match recovery {
            Some(recovery) => header.unwrap_key(&staged, recovery)?,
            None => credential::load(&header.vault_id)?,
        };
        let vault_id = header.vault_id.clone();
        {
            let mut vault = Vault::open_with_key(staged.clone(), header, key.clone(), clock.clone())?;
            let report = vault.verify_contents()?;
            if report.audit.entries < manifest.audit_seq {
                return Err(damaged(backup, "the audit log is shorter than the manifest says"));
            }
            // A backup holds only the media its database lists (see `backup`): anything more was
            // added after it was written.
            if report.orphan_files > 0 {
                return Err(damaged(backup, format!("{} media files the database does not list", report.orphan_files)));
            }
            // Sessions of the machine the backup came from end here.
            let system = vault.system_actor();
            let now = vault.now();
            vault.write(&system, "vault.restore", "vault", |tx| {
                tx.execute("UPDATE sessions SET ended_at = ?1 WHERE ended_at IS NULL", [now])?;
                Ok(())
            })?;
            vault.close()?;
        }

        let replaced_vault = if target.exists() {
            let stamp = time::OffsetDateTime::now_utc()
                .format(&time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
                .unwrap_or_default();
            let aside = data_dir.join(format!("vault.replaced-{stamp}"));
            if aside.exists() {
                return Err(VaultError::TargetExists(aside));
            }
            std::fs::rename(&target.dir, &aside).map_err(VaultError::io(&target.dir))?;
            Some(aside)
        } else {
            None
        };
        std::fs::rename(staging.path(), &target.dir).map_err(VaultError::io(&target.dir))?;
        staging.keep();
        files::sync_dir(data_dir)?;
        credential::store(&vault_id, &key)?;
        let vault = Vault::open_with_clock(data_dir, clock)?;
        let media_files = manifest.files.iter().filter(|f| f.name.starts_with("media/")).count() as u64;
        let report = RestoreReport {
            vault_id,
            backup_created_at_ms: manifest.created_at_ms,
            media_files,
            audit_entries: manifest.audit_seq,
            replaced_vault,
        };
        tracing::info!(media = report.media_files, "vault restored from a backup");
        Ok((vault, report))
    }
}

/// The administrator of the vault a restore replaces, who authorises it.
#[derive(Clone, Copy, Debug)]
pub struct Replacing<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

enum Source {
    Bytes(Vec<u8>),
    File(PathBuf),
}

fn damaged(path: &Path, reason: impl Into<String>) -> VaultError {
    VaultError::BackupDamaged { path: path.to_owned(), reason: reason.into() }
}

/// Reads and checks the whole backup, writing its files into `staged`.
fn unpack(backup: &Path, staged: &VaultPaths) -> Result<Manifest> {
    let file = File::open(backup).map_err(VaultError::io(backup))?;
    let mut input = HashingReader { inner: BufReader::with_capacity(256 * 1024, file), hasher: Sha256::new() };
    let short = |_| damaged(backup, "the file ends early");
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(short)?;
    if &magic != MAGIC {
        return Err(damaged(backup, "not an Interview Kiosk backup"));
    }
    let mut word = [0u8; 4];
    input.read_exact(&mut word).map_err(short)?;
    if u32::from_be_bytes(word) != FORMAT {
        return Err(damaged(backup, format!("backup format {}", u32::from_be_bytes(word))));
    }
    input.read_exact(&mut word).map_err(short)?;
    let manifest_len = u32::from_be_bytes(word);
    if manifest_len > MAX_MANIFEST {
        return Err(damaged(backup, "manifest too large"));
    }
    let mut manifest_bytes = vec![0u8; manifest_len as usize];
    input.read_exact(&mut manifest_bytes).map_err(short)?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| damaged(backup, format!("manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(damaged(backup, "manifest format"));
    }
    for required in ["vault.json", "checkpoint.json", "vault.db"] {
        if manifest.files.iter().filter(|f| f.name == required).count() != 1 {
            return Err(damaged(backup, format!("{required} missing from the manifest")));
        }
    }
    let mut seen = std::collections::HashSet::new();
    std::fs::create_dir_all(staged.media()).map_err(VaultError::io(staged.media()))?;
    for entry in &manifest.files {
        if !valid_name(&entry.name) || !seen.insert(entry.name.as_str()) {
            return Err(damaged(backup, format!("unexpected entry {:?}", entry.name)));
        }
        let path = staged.dir.join(&entry.name);
        let mut out = File::create(&path).map_err(VaultError::io(&path))?;
        let mut hasher = Sha256::new();
        let mut remaining = entry.size;
        let mut buf = vec![0u8; 256 * 1024];
        while remaining > 0 {
            let want = remaining.min(buf.len() as u64) as usize;
            input.read_exact(&mut buf[..want]).map_err(short)?;
            hasher.update(&buf[..want]);
            out.write_all(&buf[..want]).map_err(VaultError::io(&path))?;
            remaining -= want as u64;
        }
        if hex::encode(hasher.finalize()) != entry.sha256 {
            return Err(damaged(backup, format!("{} does not match its hash", entry.name)));
        }
        out.sync_all().map_err(VaultError::io(&path))?;
    }
    let expected: [u8; 32] = input.hasher.clone().finalize().into();
    let mut trailer = [0u8; 32];
    input.inner.read_exact(&mut trailer).map_err(short)?;
    if trailer != expected {
        return Err(damaged(backup, "the file's checksum does not match"));
    }
    if input.inner.read(&mut [0u8; 1]).map_err(VaultError::io(backup))? != 0 {
        return Err(damaged(backup, "unexpected data after the end"));
    }
    files::sync_dir(&staged.media())?;
    files::sync_dir(&staged.dir)?;
    Ok(manifest)
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn only_vault_files_and_media_names_are_accepted() {
        for ok in ["vault.json", "checkpoint.json", "vault.db", "media/0123456789abcdef0123456789abcdef.ikm"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "../vault.db",
            "media/../../etc/passwd",
            "media/0123456789ABCDEF0123456789abcdef.ikm",
            "media/short.ikm",
            "vault.db.next",
            "/vault.db",
            "media/0123456789abcdef0123456789abcdef.ikm/x",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
