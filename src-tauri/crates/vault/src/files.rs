//! Crash-safe file writes: temp file → fsync → rename → fsync the directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Result, VaultError};

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| VaultError::io(path)(std::io::ErrorKind::InvalidInput.into()))?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
    let mut file =
        OpenOptions::new().write(true).create(true).truncate(true).open(&tmp).map_err(VaultError::io(&tmp))?;
    file.write_all(bytes).map_err(VaultError::io(&tmp))?;
    file.sync_all().map_err(VaultError::io(&tmp))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(VaultError::io(path))?;
    sync_dir(dir)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(VaultError::io(dir))
}
