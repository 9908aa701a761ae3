//! Who may use a vault at the same time: an OS file lock on `vault/vault.lock`.
//!
//! Every process that has a vault open holds a **shared** lock on it for as long as it does (the
//! staff window, the kiosk, `api serve` and each command of the command line may work on one
//! vault together: SQLite serialises their writes, each an IMMEDIATE transaction that allocates
//! its ids inside it). What replaces the database file or the whole vault — creating it,
//! re-keying, restoring over it, migrating an older schema, the demo's reset — needs the lock
//! **exclusively**, so it never runs while another process has the vault open; it is refused at
//! once with a sentence naming the processes that hold it. A process that wants the shared lock
//! while such an operation runs waits for it (up to [`WAIT_FOR_EXCLUSIVE`]), then is refused the
//! same way. The kernel releases the lock when the process ends, however it ends (no stale lock
//! files to clean up after a crash).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Result, VaultError};

/// The lock file's name inside the vault directory.
pub const LOCK_FILE: &str = "vault.lock";

/// How long opening a vault waits for a re-key, restore or migration in another process.
pub const WAIT_FOR_EXCLUSIVE: Duration = Duration::from_secs(30);

/// What needs the vault to itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusive {
    Create,
    Rekey,
    Restore,
    Migrate,
    Reset,
}

impl Exclusive {
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusive::Create => "create",
            Exclusive::Rekey => "rekey",
            Exclusive::Restore => "restore",
            Exclusive::Migrate => "migrate",
            Exclusive::Reset => "reset",
        }
    }
}

/// A held lock on a vault; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct VaultLock {
    file: File,
    path: PathBuf,
    exclusive: bool,
}

fn open_lock_file(dir: &Path) -> Result<(File, PathBuf)> {
    std::fs::create_dir_all(dir).map_err(VaultError::io(dir))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path);
    Ok((file.map_err(VaultError::io(&path))?, path))
}

impl VaultLock {
    /// The shared lock every process holds while it has the vault in `dir` open. Waits while
    /// another process has it exclusively (a re-key, restore or migration in progress).
    pub fn shared(dir: &Path) -> Result<VaultLock> {
        Self::shared_waiting(dir, WAIT_FOR_EXCLUSIVE)
    }

    pub fn shared_waiting(dir: &Path, wait: Duration) -> Result<VaultLock> {
        let deadline = Instant::now() + wait;
        loop {
            // Opened again on every try: a restore replaces the directory, and with it the file.
            let (file, path) = open_lock_file(dir)?;
            match file.try_lock_shared() {
                Ok(()) => return Ok(VaultLock { file, path, exclusive: false }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(VaultError::InUse { operation: None, holders: holders(&path) });
                }
                Err(TryLockError::Error(error)) => return Err(VaultError::io(&path)(error)),
            }
        }
    }

    /// The vault in `dir` to this process alone, for `operation`; refused at once (naming the
    /// holders) while any other process has it open.
    pub fn exclusive(dir: &Path, operation: Exclusive) -> Result<VaultLock> {
        let (file, path) = open_lock_file(dir)?;
        let mut lock = VaultLock { file, path, exclusive: false };
        lock.upgrade(operation)?;
        Ok(lock)
    }

    /// Turns a shared lock into an exclusive one for `operation`, if no other process holds it.
    pub fn upgrade(&mut self, operation: Exclusive) -> Result<()> {
        if self.exclusive {
            return Ok(());
        }
        match self.file.try_lock() {
            Ok(()) => {
                self.exclusive = true;
                tracing::info!(operation = operation.as_str(), "vault taken exclusively");
                Ok(())
            }
            Err(TryLockError::WouldBlock) => {
                let holders = holders(&self.path);
                tracing::warn!(operation = operation.as_str(), holders = holders.len(), "the vault is in use");
                Err(VaultError::InUse { operation: Some(operation), holders })
            }
            Err(TryLockError::Error(error)) => Err(VaultError::io(&self.path)(error)),
        }
    }

    /// Back to shared, letting other processes open the vault again.
    pub fn downgrade(&mut self) -> Result<()> {
        if !self.exclusive {
            return Ok(());
        }
        self.file.lock_shared().map_err(VaultError::io(&self.path))?;
        self.exclusive = false;
        Ok(())
    }

    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }
}

/// The other processes that have the lock file at `path` open, as "pid (program subcommand)":
/// read from /proc on Linux (only the program's name and its first plain words, never an
/// argument that could be personal data); empty elsewhere or when /proc cannot be read.
pub fn holders(path: &Path) -> Vec<String> {
    let Ok(target) = path.canonicalize() else { return Vec::new() };
    let me = std::process::id();
    let Ok(procs) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut found = Vec::new();
    for entry in procs.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        if fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == target)) {
            found.push(format!("{pid} ({})", describe(pid)));
        }
    }
    found.sort();
    found
}

/// A process's program name and up to two following words that look like subcommands
/// (lowercase letters and dashes only), e.g. `interview-kiosk api serve`.
fn describe(pid: u32) -> String {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { return "?".into() };
    let mut words = cmdline.split(|b| *b == 0).filter(|w| !w.is_empty()).map(|w| String::from_utf8_lossy(w));
    let program = words
        .next()
        .map(|p| Path::new(p.as_ref()).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
        .unwrap_or_default();
    let subcommands: Vec<String> = words
        .take_while(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && !w.starts_with('-'))
        .take(2)
        .map(|w| w.into_owned())
        .collect();
    std::iter::once(program).chain(subcommands).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shared_locks_coexist_and_exclude_an_exclusive_one() {
        let dir = tempfile::tempdir().unwrap();
        let a = VaultLock::shared(dir.path()).unwrap();
        let mut b = VaultLock::shared(dir.path()).unwrap();
        // Another open file description counts as another holder, as another process would.
        let refused = VaultLock::exclusive(dir.path(), Exclusive::Rekey).unwrap_err();
        assert!(matches!(refused, VaultError::InUse { operation: Some(Exclusive::Rekey), .. }), "{refused}");
        assert!(matches!(b.upgrade(Exclusive::Rekey), Err(VaultError::InUse { .. })));
        drop(a);
        b.upgrade(Exclusive::Rekey).unwrap();
        assert!(b.is_exclusive());
        let waited = Instant::now();
        let blocked = VaultLock::shared_waiting(dir.path(), Duration::from_millis(200)).unwrap_err();
        assert!(matches!(blocked, VaultError::InUse { operation: None, .. }));
        assert!(waited.elapsed() >= Duration::from_millis(200));
        b.downgrade().unwrap();
        VaultLock::shared_waiting(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn a_holder_is_described_by_program_and_subcommand_only() {
        let me = describe(std::process::id());
        assert!(!me.is_empty() && !me.contains('/'), "{me}");
    }
}
