//! What the running app holds between IPC calls.

use flow::FlowError;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use manifest::{AssetCheck, AssetStore};
use zeroize::Zeroizing;

use crate::error::ShellError;
use flow::worker::ScoringWorker;

use crate::kiosk::Station;

/// The outcome of verifying every bundled component, shared between calls.
pub type ComponentChecks = Arc<Result<Vec<AssetCheck>, ShellError>>;

/// Which window this process shows: the staff window, or the candidates' kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Staff,
    Kiosk,
}

/// The IPC calls' vault handle, opened at the first sign-in, and who is signed in on it (a
/// member of staff, or the kiosk station's account). The station's recordings and the scoring
/// worker use handles of their own, so this lock is held only for one call's vault work.
#[derive(Debug)]
pub struct SignedIn {
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

/// The candidate at the kiosk: the interview checked in, what the kiosk may show of it, and
/// how far the visit has come (where a reloaded page takes it up again).
#[derive(Debug)]
pub struct Visit {
    pub plan: vault::KioskPlan,
    pub at: VisitStep,
}

/// The last step the kiosk page asked the backend for during a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitStep {
    /// Checked in; consent not given yet.
    CheckedIn,
    /// Consent given: the device check and the practice's introduction.
    Consented,
    Practice,
    /// `attempt` counts the attempts begun at question `index` in this visit (1 = the first).
    Question {
        index: u32,
        attempt: u32,
    },
}

impl VisitStep {
    /// The step after the page asked for question `index`.
    pub fn question(self, index: u32) -> VisitStep {
        let attempt = match self {
            VisitStep::Question { index: at, attempt } if at == index => attempt + 1,
            _ => 1,
        };
        VisitStep::Question { index, attempt }
    }
}

/// On a kiosk station of a hub (no vault here): the station, opened once per process (its lock,
/// its forwarder), and the member of staff who signed the kiosk window in at the hub.
#[derive(Debug, Default)]
pub struct HubLink {
    pub station: Option<Arc<office::station::Station>>,
    pub staff: Option<office::station::StaffSignIn>,
    /// Scoring for the hub between visits, from the first sign-in on.
    pub scoring: Option<office::worker::BetweenVisits>,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub data_dir: PathBuf,
    pub mode: Mode,
    /// Guards the IPC calls' vault handle and session (held for one call's vault work).
    pub signed_in: Arc<Mutex<Option<SignedIn>>>,
    pub recovery: Arc<Mutex<Option<PendingRecovery>>>,
    /// Guards the candidate at the kiosk, if any (the scoring worker waits while one is).
    pub visit: Arc<Mutex<Option<Visit>>>,
    pub station: Arc<Station>,
    /// Set on a kiosk station of a hub (see [`AppState::hub_station`]).
    pub hub: Arc<Mutex<HubLink>>,
    pub scoring: Arc<ScoringWorker>,
    /// When the signed-in member of staff last typed their password again (exports need it
    /// within `commands::exports::REAUTH_WINDOW`). Cleared at every sign-in and sign-out.
    pub reauth_at: Arc<Mutex<Option<std::time::Instant>>>,
    /// The media the signed-in person opened (and the vault audited) through a playlist: the
    /// only ones `media://` serves. Emptied at every sign-in and sign-out.
    playable: Arc<Mutex<std::collections::HashSet<i64>>>,
    /// The kiosk's staff exit: its own limit on wrong passwords (the account's lockout is not
    /// touched by it).
    pub exit_attempts: Arc<Mutex<flow::station::ExitAttempts>>,
    /// What the audit log names as the device of a sign-in here: `desktop`, or, for a session a
    /// hub runs for a staff workstation, that workstation (`workstation 3`).
    pub device: String,
    /// Where this session's exports go instead of the export folder (a session a hub runs for
    /// a staff workstation: the files are carried to the workstation, then removed).
    pub export_dir: Option<PathBuf>,
    /// On a staff workstation: its link to the hub, where every staff command runs.
    pub workstation: Option<Arc<office::workstation::Link>>,
    /// The result of verifying the bundled components, computed once (hashing ~30 MB+ of
    /// files is too slow to repeat on every status call).
    components: Arc<OnceLock<ComponentChecks>>,
}

impl AppState {
    pub fn new(data_dir: PathBuf, mode: Mode) -> AppState {
        let visit: Arc<Mutex<Option<Visit>>> = Arc::new(Mutex::new(None));
        let present = visit.clone();
        // A poisoned lock counts as "a candidate is here": scoring waits rather than competing.
        let candidate_present = Arc::new(move || present.lock().map(|v| v.is_some()).unwrap_or(true));
        AppState {
            station: Arc::new(Station::new(data_dir.clone())),
            scoring: Arc::new(ScoringWorker::in_background(data_dir.clone(), candidate_present)),
            data_dir,
            mode,
            signed_in: Arc::new(Mutex::new(None)),
            hub: Arc::new(Mutex::new(HubLink::default())),
            recovery: Arc::new(Mutex::new(None)),
            reauth_at: Arc::new(Mutex::new(None)),
            visit,
            components: Arc::new(OnceLock::new()),
            playable: Arc::new(Mutex::new(std::collections::HashSet::new())),
            exit_attempts: Arc::new(Mutex::new(flow::station::ExitAttempts::default())),
            device: "desktop".into(),
            export_dir: None,
            workstation: None,
        }
    }

    /// Lets `media://` serve these media (a playlist just opened and audited).
    pub fn allow_playback(&self, media: impl IntoIterator<Item = i64>) {
        if let Ok(mut playable) = self.playable.lock() {
            playable.extend(media);
        }
    }

    /// Whether `media://` may serve this media (a poisoned lock answers no).
    pub fn may_play(&self, media_id: i64) -> bool {
        self.playable.lock().is_ok_and(|playable| playable.contains(&media_id))
    }

    /// Forgets every playlist opened (sign-in, sign-out).
    pub fn forget_playback(&self) {
        if let Ok(mut playable) = self.playable.lock() {
            playable.clear();
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
        let mut guard = self.signed_in.lock().map_err(|_| ShellError::Internal("sign-in lock poisoned".into()))?;
        let Some(SignedIn { vault, session: Some(session) }) = guard.as_mut() else {
            return Err(FlowError::NotSignedIn.into());
        };
        f(vault, session)
    }

    /// Whether this installation is a kiosk station of a hub (its visits go to the hub).
    pub fn is_hub_station(&self) -> bool {
        office::station::is_station(&self.data_dir)
    }

    /// This station of a hub, opened at the first call (one process per station: the kiosk
    /// window holds its lock and forwards its journal while it runs).
    pub fn hub_station(&self) -> Result<Arc<office::station::Station>, ShellError> {
        let mut link = self.hub.lock().map_err(|_| ShellError::Internal("hub lock poisoned".into()))?;
        if let Some(station) = link.station.as_ref() {
            return Ok(station.clone());
        }
        vault::keys::credential::use_platform_store()?;
        let station = Arc::new(office::station::Station::open(&self.data_dir, flow::scoring::worker_versions().ok())?);
        link.station = Some(station.clone());
        Ok(station)
    }

    /// The station of a hub, once a member of staff has signed its kiosk window in.
    pub fn hub_signed_in(&self) -> Result<Arc<office::station::Station>, ShellError> {
        let station = self.hub_station()?;
        let link = self.hub.lock().map_err(|_| ShellError::Internal("hub lock poisoned".into()))?;
        if link.staff.is_none() {
            return Err(FlowError::NotSignedIn.into());
        }
        Ok(station)
    }

    /// There may be scoring to do: on a standalone kiosk, the vault's queue; a station of a hub
    /// asks its hub between visits on its own.
    pub fn wake_scoring(&self) {
        if self.is_hub_station() {
            return;
        }
        self.scoring.wake();
    }

    /// Starts scoring for the hub between visits (once), on a station of a hub.
    pub fn score_for_hub(&self) -> Result<(), ShellError> {
        let mut link = self.hub.lock().map_err(|_| ShellError::Internal("hub lock poisoned".into()))?;
        if link.scoring.is_none() {
            let visit = self.visit.clone();
            let present = Arc::new(move || visit.lock().map(|v| v.is_some()).unwrap_or(true));
            let threads = std::thread::available_parallelism().map_or(2, usize::from);
            link.scoring = Some(office::worker::BetweenVisits::start(self.data_dir.clone(), threads, present)?);
        }
        Ok(())
    }

    /// A copy of the signed-in session, for work done on another vault handle (the station's
    /// recordings): the lock is held only to copy it.
    pub fn session(&self) -> Result<vault::Session, ShellError> {
        let guard = self.signed_in.lock().map_err(|_| ShellError::Internal("sign-in lock poisoned".into()))?;
        match guard.as_ref() {
            Some(SignedIn { session: Some(session), .. }) => Ok(session.clone()),
            _ => Err(FlowError::NotSignedIn.into()),
        }
    }
}
