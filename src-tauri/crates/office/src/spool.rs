//! A station's spool: its journal for the hub, kept on disk until the hub acknowledges each
//! entry. Every entry is one file, sealed (XChaCha20-Poly1305, under the spool key from the
//! credential store, bound to its position) and written as the vault writes media: temporary
//! file → fsync → rename → fsync of the directory. An acknowledged entry's file is removed;
//! the position acknowledged is kept in `acked` (written the same way), so positions are never
//! reused.
//!
//! ```text
//! <data dir>/station/spool/0000000000000042.entry   sealed JSON of wire::Entry 42
//! <data dir>/station/spool/acked                     the last position the hub acknowledged
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use vault::keys::SecretKey;

use crate::error::OfficeError;
use crate::wire;

const EXTENSION: &str = "entry";

#[derive(Debug)]
struct Positions {
    next: i64,
    acked: i64,
}

/// The spool of one station.
pub struct Spool {
    dir: PathBuf,
    key: SecretKey,
    positions: Mutex<Positions>,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// How much the spool holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    pub entries: u64,
    pub bytes: u64,
    /// How long the oldest entry has waited.
    pub oldest: Duration,
}

fn aad(seq: i64) -> Vec<u8> {
    format!("interview-kiosk spool entry {seq}").into_bytes()
}

fn entry_seq(path: &Path) -> Option<i64> {
    if path.extension()? != EXTENSION {
        return None;
    }
    path.file_stem()?.to_str()?.parse().ok()
}

/// Writes `bytes` to `path` durably: temporary file, fsync, rename, fsync of the directory.
pub(crate) fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), OfficeError> {
    let temp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(OfficeError::io(&temp))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(OfficeError::io(&temp))?;
    drop(file);
    std::fs::rename(&temp, path).map_err(OfficeError::io(path))?;
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(OfficeError::io(dir))
}

impl Spool {
    /// Opens (or creates, 0700) the spool in `dir`; half-written temporary files of a crash
    /// are removed.
    pub fn open(dir: &Path, key: SecretKey) -> Result<Spool, OfficeError> {
        std::fs::create_dir_all(dir).map_err(OfficeError::io(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(OfficeError::io(dir))?;
        }
        let acked_path = dir.join("acked");
        let acked = match std::fs::read_to_string(&acked_path) {
            Ok(text) => {
                text.trim().parse().map_err(|_| OfficeError::SpoolDamaged(format!("{}", acked_path.display())))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(OfficeError::io(&acked_path)(e)),
        };
        let mut last = acked;
        for item in std::fs::read_dir(dir).map_err(OfficeError::io(dir))? {
            let path = item.map_err(OfficeError::io(dir))?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                let _ = std::fs::remove_file(&path);
            } else if let Some(seq) = entry_seq(&path) {
                if seq <= acked {
                    // Acknowledged, but the removal was cut short.
                    let _ = std::fs::remove_file(&path);
                } else {
                    last = last.max(seq);
                }
            }
        }
        Ok(Spool { dir: dir.to_owned(), key, positions: Mutex::new(Positions { next: last + 1, acked }) })
    }

    fn path(&self, seq: i64) -> PathBuf {
        self.dir.join(format!("{seq:016}.{EXTENSION}"))
    }

    fn positions(&self) -> std::sync::MutexGuard<'_, Positions> {
        self.positions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `entry` durably and returns its position.
    pub fn append(&self, entry: &wire::Entry) -> Result<i64, OfficeError> {
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(entry).map_err(|e| OfficeError::SpoolDamaged(e.to_string()))?);
        let mut positions = self.positions();
        let seq = positions.next;
        let sealed = vault::keys::seal(&self.key, &plain, &aad(seq))?;
        let written = write_durably(&self.dir, &self.path(seq), &sealed);
        // Once the file is in place (even if the directory's fsync failed after the rename) the
        // position is taken: never written twice.
        if written.is_ok() || self.path(seq).exists() {
            positions.next = seq + 1;
        }
        written.map(|()| seq)
    }

    /// The position the next [`Spool::append`] takes (one writer appends at a time).
    pub fn next_seq(&self) -> i64 {
        self.positions().next
    }

    /// The positions waiting for the hub, oldest first.
    pub fn pending(&self) -> Result<Vec<i64>, OfficeError> {
        let acked = self.positions().acked;
        let mut seqs: Vec<i64> = std::fs::read_dir(&self.dir)
            .map_err(OfficeError::io(&self.dir))?
            .filter_map(|item| entry_seq(&item.ok()?.path()))
            .filter(|seq| *seq > acked)
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// Reads entry `seq` back (a file altered or sealed for another position is refused).
    pub fn read(&self, seq: i64) -> Result<wire::Entry, OfficeError> {
        let path = self.path(seq);
        let sealed = std::fs::read(&path).map_err(OfficeError::io(&path))?;
        let plain = vault::keys::open(&self.key, &sealed, &aad(seq))
            .ok_or_else(|| OfficeError::SpoolDamaged(format!("{} does not open", path.display())))?;
        serde_json::from_slice(&plain).map_err(|e| OfficeError::SpoolDamaged(format!("{}: {e}", path.display())))
    }

    /// The hub has everything up to `seq`: the position is recorded, then those files removed.
    pub fn acknowledge(&self, seq: i64) -> Result<(), OfficeError> {
        let mut positions = self.positions();
        if seq <= positions.acked {
            return Ok(());
        }
        write_durably(&self.dir, &self.dir.join("acked"), seq.to_string().as_bytes())?;
        let before = positions.acked;
        positions.acked = seq;
        positions.next = positions.next.max(seq + 1);
        drop(positions);
        for gone in (before + 1)..=seq {
            match std::fs::remove_file(self.path(gone)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, seq = gone, "acknowledged spool entry not removed"),
            }
        }
        Ok(())
    }

    /// The last position the hub acknowledged.
    pub fn acked(&self) -> i64 {
        self.positions().acked
    }

    pub fn backlog(&self) -> Result<Backlog, OfficeError> {
        let mut backlog = Backlog::default();
        let now = SystemTime::now();
        for seq in self.pending()? {
            let Ok(meta) = std::fs::metadata(self.path(seq)) else { continue };
            backlog.entries += 1;
            backlog.bytes += meta.len();
            if let Ok(age) = meta.modified().map(|m| now.duration_since(m).unwrap_or_default()) {
                backlog.oldest = backlog.oldest.max(age);
            }
        }
        Ok(backlog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: i64) -> wire::Entry {
        wire::Entry::InterviewFinish { interview_id: n }
    }

    #[test]
    fn entries_survive_a_reopen_and_positions_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let spool = Spool::open(dir.path(), key.clone()).unwrap();
        assert_eq!(spool.append(&entry(1)).unwrap(), 1);
        assert_eq!(spool.append(&entry(2)).unwrap(), 2);
        assert_eq!(spool.append(&entry(3)).unwrap(), 3);
        spool.acknowledge(2).unwrap();
        assert_eq!(spool.pending().unwrap(), vec![3]);
        drop(spool);
        // A crash left a temporary file behind: removed at open.
        std::fs::write(dir.path().join("0000000000000004.tmp"), b"half").unwrap();
        let spool = Spool::open(dir.path(), key.clone()).unwrap();
        assert!(matches!(spool.read(3).unwrap(), wire::Entry::InterviewFinish { interview_id: 3 }));
        assert_eq!(spool.append(&entry(4)).unwrap(), 4);
        spool.acknowledge(4).unwrap();
        drop(spool);
        let spool = Spool::open(dir.path(), key).unwrap();
        assert!(spool.pending().unwrap().is_empty());
        assert_eq!(spool.append(&entry(5)).unwrap(), 5);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_sealed_entry_opens_only_with_its_key_and_at_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::random();
        let spool = Spool::open(dir.path(), key.clone()).unwrap();
        spool.append(&entry(1)).unwrap();
        spool.append(&entry(2)).unwrap();
        // Nothing of the entry is readable in the file.
        let raw = std::fs::read(dir.path().join("0000000000000001.entry")).unwrap();
        assert!(!raw.windows(9).any(|w| w == b"interview"));
        // Swapped files are refused.
        std::fs::rename(dir.path().join("0000000000000001.entry"), dir.path().join("x")).unwrap();
        std::fs::rename(dir.path().join("0000000000000002.entry"), dir.path().join("0000000000000001.entry")).unwrap();
        assert!(matches!(spool.read(1), Err(OfficeError::SpoolDamaged(_))));
        let other = Spool::open(dir.path(), SecretKey::random()).unwrap();
        assert!(matches!(other.read(1), Err(OfficeError::SpoolDamaged(_))));
    }
}
