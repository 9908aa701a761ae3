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

/// Removes the temporaries of [`write_atomic`] in `dir` whose writer process no longer runs
/// (Linux: no `/proc/<pid>`; elsewhere nothing is removed, as liveness cannot be told).
pub(crate) fn remove_stale_temporaries(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(TMP_SUFFIX)) else { continue };
        let mut parts = stem.rsplitn(3, '.');
        let (_random, pid) = (parts.next(), parts.next().and_then(|p| p.parse::<u32>().ok()));
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
            && std::fs::remove_file(entry.path()).is_ok()
        {
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
        // One left by a process that is gone (no process has the largest pid), one of ours.
        let stale = dir.path().join(format!(".checkpoint.json.{}.abcdef{TMP_SUFFIX}", u32::MAX));
        let live = temporary_for(&target).unwrap();
        std::fs::write(&stale, b"x").unwrap();
        std::fs::write(&live, b"x").unwrap();
        remove_stale_temporaries(dir.path());
        assert!(!stale.exists());
        assert!(live.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
