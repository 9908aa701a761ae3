//! ONNX Runtime, loaded once per process from the pinned library, and sessions for pinned models.
//! Every file is verified against `models/manifest.toml` right before it is loaded.
//!
//! The pinned build (the PyPI wheel's library) carries Microsoft's 1DS telemetry, which upstream
//! enabled for Linux in 1.29: unless switched off, every process that initialises the library
//! writes a device id and an SQLite event cache under
//! `$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime` and starts a thread that uploads the
//! events to `mobile.events.data.microsoft.com`. `with_telemetry(false)` alone does not stop it;
//! the library's own switch is the environment variable [`TELEMETRY_OPT_OUT`], read when the
//! library initialises. [`Runtime::load`] refuses to load the library unless the variable is
//! set, so an entry point that forgot it fails instead of phoning home.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use manifest::AssetStore;
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::error::{Result, ScoringError};

/// The loaded runtime and where the models are.
#[derive(Clone)]
pub struct Runtime {
    env: Environment,
    store: std::sync::Arc<AssetStore>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("assets", &self.store.location()).finish_non_exhaustive()
    }
}

/// The dynamic library can be loaded once per process; later calls share the first result.
static ENVIRONMENT: OnceLock<std::result::Result<Environment, (std::path::PathBuf, String)>> = OnceLock::new();

/// ONNX Runtime's telemetry switch: this variable with this value must be in the process's
/// environment before the library initialises. `interview-kiosk` starts every process with it
/// (its `main` runs itself again when it is missing); cargo sets it for tests and benchmarks
/// (`.cargo/config.toml`); the Python benchmark peer sets it before importing onnxruntime.
pub const TELEMETRY_OPT_OUT: (&str, &str) = ("ORT_DISABLE_TELEMETRY", "1");

/// Whether this process switched ONNX Runtime's telemetry off (see [`TELEMETRY_OPT_OUT`]).
pub fn telemetry_disabled() -> Result<()> {
    let (name, value) = TELEMETRY_OPT_OUT;
    match std::env::var_os(name) {
        Some(found) if found == value => Ok(()),
        found => Err(ScoringError::TelemetryNotDisabled { found: found.map(|f| f.to_string_lossy().into_owned()) }),
    }
}

/// Where ONNX Runtime's telemetry keeps its device id and event queue: under
/// `$XDG_CACHE_HOME`, or `$HOME/.cache` when that is unset or empty (as the library decides).
pub fn telemetry_cache_dir(xdg_cache_home: Option<&OsStr>, home: Option<&OsStr>) -> Option<PathBuf> {
    let cache = match xdg_cache_home.filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(home.filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(cache.join("Microsoft/DeveloperTools/.onnxruntime"))
}

/// The files ONNX Runtime's telemetry writes there: its device id and its SQLite event queue.
fn is_telemetry_file(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name == "deviceid" || name.starts_with("onnxruntime.db")
}

/// Removes what ONNX Runtime's telemetry left in `dir` when an earlier version of the app ran
/// without the switch: the device id and the queued events, which would otherwise be uploaded by
/// the next program on this account that loads the library with telemetry on. Files of other
/// names are left where they are; `dir` and its empty `Microsoft/DeveloperTools` parents are
/// removed once empty. Returns how many files were removed.
pub fn remove_telemetry_leftovers(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_file() && is_telemetry_file(&entry.file_name()) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    // Only empty directories go (remove_dir refuses a non-empty one): the cache itself, then
    // DeveloperTools and Microsoft if nothing else lives there.
    let mut current = Some(dir);
    for _ in 0..3 {
        let Some(path) = current else { break };
        if std::fs::remove_dir(path).is_err() {
            break;
        }
        current = path.parent();
    }
    Ok(removed)
}

impl Runtime {
    pub fn load(store: AssetStore) -> Result<Runtime> {
        telemetry_disabled()?;
        let library = store.verify("onnxruntime")?;
        let env = ENVIRONMENT
            .get_or_init(|| {
                let path = library.path.clone();
                ort::init_from(&path)
                    .map_err(|e| (path.clone(), e.to_string()))?
                    .with_name("interview-kiosk")
                    .with_telemetry(false)
                    .build()
                    .map_err(|e| (path, e.to_string()))
            })
            .clone()
            .map_err(|(path, detail)| ScoringError::Runtime { path, detail })?;
        tracing::info!(version = %library.version, "ONNX Runtime loaded");
        Ok(Runtime { env, store: std::sync::Arc::new(store) })
    }

    /// The asset store the models come from.
    pub fn store(&self) -> &AssetStore {
        &self.store
    }

    /// A session for the pinned model `asset`, verified first, running on `threads` threads.
    pub fn session(&self, asset: &str, threads: usize) -> Result<Session> {
        let verified = self.store.verify(asset)?;
        let failed = |detail: String| ScoringError::Model { model: asset.to_owned(), detail };
        let builder = Session::builder(&self.env).map_err(|e| failed(e.to_string()))?;
        let builder =
            builder.with_optimization_level(GraphOptimizationLevel::Level3).map_err(|e| failed(e.to_string()))?;
        let builder = builder.with_intra_threads(threads).map_err(|e| failed(e.to_string()))?;
        let mut builder = builder.with_inter_threads(1).map_err(|e| failed(e.to_string()))?;
        let session = builder.commit_from_file(&verified.path).map_err(|e| failed(e.to_string()))?;
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn telemetry_cache_is_where_the_library_puts_it() {
        let home = OsStr::new("/home/kiosk");
        let expected = Path::new("/home/kiosk/.cache/Microsoft/DeveloperTools/.onnxruntime");
        assert_eq!(telemetry_cache_dir(None, Some(home)).unwrap(), expected);
        assert_eq!(telemetry_cache_dir(Some(OsStr::new("")), Some(home)).unwrap(), expected);
        assert_eq!(
            telemetry_cache_dir(Some(OsStr::new("/var/cache/k")), Some(home)).unwrap(),
            Path::new("/var/cache/k/Microsoft/DeveloperTools/.onnxruntime")
        );
        assert_eq!(telemetry_cache_dir(None, None), None);
    }

    #[test]
    fn telemetry_leftovers_are_removed_and_nothing_else() {
        let home = tempfile::tempdir().unwrap();
        let dir = telemetry_cache_dir(None, Some(home.path().as_os_str())).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["deviceid", "onnxruntime.db", "onnxruntime.db-journal"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        std::fs::write(home.path().join(".cache/keep.txt"), b"someone else's").unwrap();
        assert_eq!(remove_telemetry_leftovers(&dir).unwrap(), 3);
        assert!(!home.path().join(".cache/Microsoft").exists(), "empty parents stay behind");
        assert!(home.path().join(".cache/keep.txt").exists(), "a file that is not the library's went");
        // Nothing there: nothing to do.
        assert_eq!(remove_telemetry_leftovers(&dir).unwrap(), 0);

        // A file of another name stays, and so does its directory.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("deviceid"), b"x").unwrap();
        std::fs::write(dir.join("notes"), b"not the library's").unwrap();
        assert_eq!(remove_telemetry_leftovers(&dir).unwrap(), 1);
        assert!(dir.join("notes").exists());
    }
}
