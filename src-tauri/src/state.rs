//! What the running app holds between IPC calls.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use manifest::{AssetCheck, AssetStore};
use zeroize::Zeroizing;

use crate::error::ShellError;
use crate::kiosk::Station;
use crate::worker::ScoringWorker;

/// The outcome of verifying every bundled component, shared between calls.
pub type ComponentChecks = Arc<Result<Vec<AssetCheck>, ShellError>>;

/// Which window this process shows: the staff window, or the candidates' kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Staff,
    Kiosk,
}

/// The vault, opened at the first sign-in, and the signed-in member of staff or kiosk station.
#[derive(Debug)]
pub struct Staff {
    pub vault: vault::Vault,
    pub session: Option<vault::Session>,
}

/// The recovery key of a vault created in this run of the first-run wizard, kept until the
/// administrator has typed back the groups asked for.
#[derive(Debug)]
pub struct PendingRecovery {
    pub groups: Vec<Zeroizing<String>>,
    pub confirm: Vec<u32>,
}

/// The candidate at the kiosk: the interview checked in and what the kiosk may show of it.
#[derive(Debug)]
pub struct Visit {
    pub plan: vault::KioskPlan,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub mode: Mode,
    pub staff: Arc<Mutex<Option<Staff>>>,
    pub recovery: Arc<Mutex<Option<PendingRecovery>>>,
    pub visit: Arc<Mutex<Option<Visit>>>,
    pub station: Arc<Station>,
    pub scoring: Arc<ScoringWorker>,
    /// When the signed-in member of staff last typed their password again (exports need it
    /// within `commands::exports::REAUTH_WINDOW`). Cleared at every sign-in and sign-out.
    pub reauth_at: Arc<Mutex<Option<std::time::Instant>>>,
    /// The result of verifying the bundled components, computed once (hashing ~30 MB+ of
    /// files is too slow to repeat on every status call).
    components: Arc<OnceLock<ComponentChecks>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf, mode: Mode) -> AppState {
        let staff = Arc::new(Mutex::new(None));
        let visit = Arc::new(Mutex::new(None));
        AppState {
            station: Arc::new(Station::new(data_dir.clone(), staff.clone())),
            scoring: Arc::new(ScoringWorker::new(staff.clone(), visit.clone())),
            data_dir,
            mode,
            staff,
            recovery: Arc::new(Mutex::new(None)),
            reauth_at: Arc::new(Mutex::new(None)),
            visit,
            components: Arc::new(OnceLock::new()),
        }
    }

    /// Verifies the bundled components on first use; blocking, call it off the UI thread.
    pub fn components(&self) -> ComponentChecks {
        self.components
            .get_or_init(|| Arc::new(AssetStore::locate().map(|store| store.verify_all()).map_err(ShellError::from)))
            .clone()
    }

    /// Runs `f` with the vault and the signed-in session, on the calling (blocking) thread.
    pub fn with_session<T>(
        &self,
        f: impl FnOnce(&mut vault::Vault, &vault::Session) -> Result<T, ShellError>,
    ) -> Result<T, ShellError> {
        let mut guard = self.staff.lock().map_err(|_| ShellError::Internal("staff lock poisoned".into()))?;
        let Some(Staff { vault, session: Some(session) }) = guard.as_mut() else {
            return Err(ShellError::NotSignedIn);
        };
        f(vault, session)
    }
}
