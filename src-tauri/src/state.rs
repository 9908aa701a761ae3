//! What the running app holds between IPC calls.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use manifest::{AssetCheck, AssetStore};

use crate::error::ShellError;

/// The outcome of verifying every bundled component, shared between calls.
pub type ComponentChecks = Arc<Result<Vec<AssetCheck>, ShellError>>;

/// The vault, opened at the first sign-in, and the signed-in member of staff (if any).
#[derive(Debug)]
pub struct Staff {
    pub vault: vault::Vault,
    pub session: Option<vault::Session>,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub staff: Arc<Mutex<Option<Staff>>>,
    /// The result of verifying the bundled components, computed once (hashing ~30 MB+ of
    /// files is too slow to repeat on every status call).
    components: Arc<OnceLock<ComponentChecks>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> AppState {
        AppState { data_dir, staff: Arc::new(Mutex::new(None)), components: Arc::new(OnceLock::new()) }
    }

    /// Verifies the bundled components on first use; blocking, call it off the UI thread.
    pub fn components(&self) -> ComponentChecks {
        self.components
            .get_or_init(|| Arc::new(AssetStore::locate().map(|store| store.verify_all()).map_err(ShellError::from)))
            .clone()
    }
}
