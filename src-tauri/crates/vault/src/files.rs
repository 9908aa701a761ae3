//! Crash-safe file writes: temp file → fsync → rename → fsync the directory.
//!
//! Several processes may write the same file (the audit checkpoint): each writes its own
//! temporary file, named after its process id and a random suffix, so two writers never
//! truncate each other's. What a crashed writer left is removed at the next open
//! ([`remove_stale_temporaries`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, VaultError};

const TMP_SUFFIX: &str = ".tmp";
/// A recording being written: `.<name>.<pid>.part` (see `media::MediaWriter`).
pub(crate) const PART_SUFFIX: &str = ".part";

/// `.<name>.<pid>.<random>.tmp` next to `path`.
fn temporary_for(path: &Path) -> Result<PathBuf> {
    let dir = path.parent().ok_or_else(|| VaultError::io(path)(std::io::ErrorKind::InvalidInput.into()))?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let mut random = [0u8; 6];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
    Ok(dir.join(format!(".{name}.{}.{}{TMP_SUFFIX}", std::process::id(), hex::encode(random))))
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| VaultError::io(path)(std::io::ErrorKind::InvalidInput.into()))?;
    let tmp = temporary_for(path)?;
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(VaultError::io(&tmp))?;
        file.write_all(bytes).map_err(VaultError::io(&tmp))?;
        file.sync_all().map_err(VaultError::io(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(VaultError::io(path))
    })();
    if written.is_err() {
        // A full disk must not also leave a half-written temporary behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(VaultError::io(dir))
}

/// The writing process of a temporary file in `dir`: `.<name>.<pid>.<random>.tmp` of
/// [`write_atomic`] or `.<name>.<pid>.part` of a recording being written.
fn writer_of(file_name: &str) -> Option<u32> {
    let hidden = file_name.strip_prefix('.')?;
    if let Some(stem) = hidden.strip_suffix(TMP_SUFFIX) {
        return stem.rsplit('.').nth(1)?.parse().ok();
    }
    hidden.strip_suffix(PART_SUFFIX)?.rsplit('.').next()?.parse().ok()
}

/// Whether `file_name` is a temporary file whose writer no longer runs: its process id is not
/// in `/proc` (Linux; elsewhere liveness cannot be told and the file is kept), or it is a
/// recording's `.<name>.ikm.part` of a version that did not name the writer.
pub(crate) fn is_stale_temporary(file_name: &str) -> bool {
    if file_name.starts_with('.') && file_name.ends_with(".ikm.part") {
        return true;
    }
    let Some(pid) = writer_of(file_name) else { return false };
    Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the temporaries of [`write_atomic`] and of recordings in `dir` whose writer no
/// longer runs ([`is_stale_temporary`]); another process's file being written now is left alone.
pub(crate) fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if is_stale_temporary(&entry.file_name().to_string_lossy()) && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!("removed a temporary file a stopped process left in the vault");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn writers_use_their_own_temporaries_and_stale_ones_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("checkpoint.json");
        let (a, b) = (temporary_for(&target).unwrap(), temporary_for(&target).unwrap());
        assert_ne!(a, b);
        write_atomic(&target, b"one").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        // Left by a process that is gone (no process has the largest pid), and ours.
        let stale = dir.path().join(format!(".checkpoint.json.{}.abcdef{TMP_SUFFIX}", u32::MAX));
        let stale_part = dir.path().join(format!(".0123abcd.ikm.{}{PART_SUFFIX}", u32::MAX));
        let live = temporary_for(&target).unwrap();
        let live_part = dir.path().join(format!(".4567abcd.ikm.{}{PART_SUFFIX}", std::process::id()));
        for file in [&stale, &stale_part, &live, &live_part] {
            std::fs::write(file, b"x").unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!stale.exists() && !stale_part.exists());
        assert!(live.exists() && live_part.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }
}
