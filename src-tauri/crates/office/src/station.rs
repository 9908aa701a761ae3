//! A kiosk station of a hub: enrolment, its configuration, the visit's steps (check-in, identity,
//! the plan and consent come from the hub; nothing of the candidate is kept here after the
//! visit), the journal every answer is recorded into, and the forwarder that hands the journal
//! to the hub.
//!
//! ```text
//! <data dir>/station/station.json   the hub's address, the office authority, this station's certificate
//! <data dir>/station/spool/         the journal not yet acknowledged (see `spool`)
//! credential store: station-<installation>-tls (the TLS key), station-<installation>-spool
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use capture::CaptureError;
use capture::kiosk::AnswerStore;
use interview::MachineRole;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vault::keys::{SecretKey, credential};
use vault::{Applied, Attempts, KioskPlan, NewSegment};

use crate::ca;
use crate::client::HubClient;
use crate::enrol::{self, EnrolmentCode};
use crate::error::OfficeError;
use crate::spool::{Backlog, Spool};
use crate::wire;

/// The station's directory inside the data directory.
pub fn station_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("station")
}

fn config_path(data_dir: &Path) -> PathBuf {
    station_dir(data_dir).join("station.json")
}

/// The answers begun here and not yet closed (their journal keys), so that a station that
/// stopped mid-answer closes them as interrupted when it starts again.
fn open_answers_path(data_dir: &Path) -> PathBuf {
    station_dir(data_dir).join("open-answers.json")
}

/// Whether this installation is a kiosk station of a hub.
pub fn is_station(data_dir: &Path) -> bool {
    enrolled_as(data_dir) == Some(MachineRole::Station)
}

/// What this installation is enrolled at a hub as, if it is (an unreadable configuration counts
/// as a station's, so that nothing treats the machine as standalone).
pub fn enrolled_as(data_dir: &Path) -> Option<MachineRole> {
    if !config_path(data_dir).exists() {
        return None;
    }
    Some(load_config(data_dir).map(|c| c.role).unwrap_or(MachineRole::Station))
}

fn default_max_bytes() -> u64 {
    4 * 1024 * 1024 * 1024
}

fn default_max_age_minutes() -> u64 {
    240
}

/// What a station keeps about its hub and itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    /// `HOST:PORT` as the administrator typed it.
    pub hub: String,
    pub station_id: i64,
    pub name: String,
    /// Names this installation's entries in the credential store.
    pub installation: String,
    #[serde(with = "wire::b64")]
    pub authority_cert_der: Vec<u8>,
    #[serde(with = "wire::b64")]
    pub station_cert_der: Vec<u8>,
    pub enrolled_at_ms: i64,
    /// A new visit is refused while the spool holds more than this…
    #[serde(default = "default_max_bytes")]
    pub spool_max_bytes: u64,
    /// …or its oldest entry has waited longer than this.
    #[serde(default = "default_max_age_minutes")]
    pub spool_max_age_minutes: u64,
    /// A kiosk station, or a staff workstation.
    #[serde(default = "station_role")]
    pub role: MachineRole,
}

fn station_role() -> MachineRole {
    MachineRole::Station
}

impl StationConfig {
    fn tls_key_name(&self) -> String {
        format!("station-{}-tls", self.installation)
    }

    fn spool_key_name(&self) -> String {
        format!("station-{}-spool", self.installation)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn write_config(data_dir: &Path, config: &StationConfig) -> Result<(), OfficeError> {
    let dir = station_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(OfficeError::io(&dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(OfficeError::io(&dir))?;
    }
    let text = serde_json::to_vec_pretty(config).map_err(|e| OfficeError::BadAnswer(e.to_string()))?;
    crate::spool::write_durably(&station_dir(data_dir), &config_path(data_dir), &text)
}

/// Makes this installation a station of the hub at `hub` with the administrator's one-time
/// `code`. Both sides prove the code over the certificate the station saw (a relay in between
/// is refused by both); the station's key goes to the credential store, the office authority
/// and its certificate to `station.json`.
pub fn enrol(
    data_dir: &Path,
    hub: &str,
    code: &EnrolmentCode,
    name: &str,
    role: MachineRole,
) -> Result<StationConfig, OfficeError> {
    if let Ok(existing) = load_config(data_dir) {
        return Err(OfficeError::AlreadyAStation { hub: existing.hub });
    }
    let (client, seen) = HubClient::for_enrolment(hub)?;
    // A first request completes a handshake, so the hub's certificate is known before the
    // proof is made.
    client.post_empty("/ping", &())?;
    let hub_cert = seen.lock().unwrap_or_else(|e| e.into_inner()).ok_or(OfficeError::HubProofFailed)?;
    let (key_pkcs8, csr_der) = ca::station_request(name)?;
    let proof_key = code.proof_key();
    let proof = enrol::station_proof(&proof_key, &hub_cert, &csr_der, name);
    let answer: wire::EnrolResponse = client.post(
        "/enrol",
        &wire::EnrolRequest { lookup: code.lookup().to_owned(), name: name.to_owned(), csr_der, proof, role },
    )?;
    // The request may have gone over a new connection: it must have shown the same certificate.
    let still = *seen.lock().unwrap_or_else(|e| e.into_inner());
    if still != Some(hub_cert)
        || !enrol::check_hub_proof(
            &proof_key,
            &hub_cert,
            &answer.station_cert_der,
            &answer.authority_cert_der,
            &answer.proof,
        )
    {
        tracing::warn!("the hub's enrolment proof did not match");
        return Err(OfficeError::HubProofFailed);
    }
    let mut installation = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut installation);
    let config = StationConfig {
        hub: hub.to_owned(),
        station_id: answer.station_id,
        name: name.to_owned(),
        installation: hex::encode(installation),
        authority_cert_der: answer.authority_cert_der,
        station_cert_der: answer.station_cert_der,
        enrolled_at_ms: now_ms(),
        spool_max_bytes: default_max_bytes(),
        spool_max_age_minutes: default_max_age_minutes(),
        role,
    };
    // The hub's certificate must chain to the authority it sent and name the address typed:
    // one request as the station it now is, before anything is kept.
    let station = HubClient::for_station(hub, &config.authority_cert_der, &config.station_cert_der, &key_pkcs8)?;
    let _: wire::HelloResponse =
        station.post("/hello", &wire::Hello { station_time_ms: now_ms(), backlog: 0, versions: None, role })?;
    credential::store_named(&config.tls_key_name(), &key_pkcs8)?;
    credential::store_named(&config.spool_key_name(), SecretKey::random().expose())?;
    write_config(data_dir, &config)?;
    tracing::info!(station_id = config.station_id, "enrolled as a station");
    Ok(config)
}

pub fn load_config(data_dir: &Path) -> Result<StationConfig, OfficeError> {
    let path = config_path(data_dir);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(OfficeError::NotAStation(path)),
        Err(e) => return Err(OfficeError::io(&path)(e)),
    };
    serde_json::from_slice(&text).map_err(|e| OfficeError::SpoolDamaged(format!("{}: {e}", path.display())))
}

/// A connection to the hub as this station, for work beside the kiosk (scoring).
pub fn client(data_dir: &Path) -> Result<HubClient, OfficeError> {
    client_within(data_dir, crate::client::REQUEST_TIMEOUT)
}

/// As [`client`], each request taking at most `timeout` in all.
pub fn client_within(data_dir: &Path, timeout: std::time::Duration) -> Result<HubClient, OfficeError> {
    let config = load_config(data_dir)?;
    let key = credential::load_named(&config.tls_key_name())?
        .ok_or_else(|| OfficeError::Vault(vault::VaultError::KeyMissing { vault_id: config.tls_key_name() }))?;
    HubClient::for_station_within(&config.hub, &config.authority_cert_der, &config.station_cert_der, &key, timeout)
}

/// How the link to the hub is, for staff (never for the candidate).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LinkStatus {
    /// The last request reached the hub.
    pub connected: bool,
    pub last_contact_ms: Option<i64>,
    /// The code of the last failure.
    pub last_error: Option<String>,
    /// The hub refused this station as revoked.
    pub revoked: bool,
    /// Entries the hub acknowledged since this process started, and of those it refused.
    pub forwarded: u64,
    pub refused: u64,
    /// The station's clock minus the hub's at the last hello.
    pub clock_offset_ms: Option<i64>,
}

struct Shared {
    spool: Spool,
    client: HubClient,
    versions: Option<String>,
    state: Mutex<ForwarderState>,
    wake: Condvar,
}

#[derive(Default)]
struct ForwarderState {
    stop: bool,
    poked: bool,
    link: LinkStatus,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, ForwarderState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn poke(&self) {
        self.state().poked = true;
        self.wake.notify_all();
    }

    /// Waits up to `wait`; true when asked to stop.
    fn pause(&self, wait: Duration) -> bool {
        let state = self.state();
        if state.stop {
            return true;
        }
        let (mut state, _) =
            self.wake.wait_timeout_while(state, wait, |s| !s.stop && !s.poked).unwrap_or_else(|e| e.into_inner());
        state.poked = false;
        state.stop
    }

    fn contact(&self, ok: bool, error: Option<&OfficeError>) {
        let mut state = self.state();
        state.link.connected = ok;
        if ok {
            state.link.last_contact_ms = Some(now_ms());
            state.link.last_error = None;
        }
        if let Some(error) = error {
            state.link.last_error = Some(match error {
                OfficeError::Refused { code, .. } => code.clone(),
                other => interview::UserFacing::code(other).to_owned(),
            });
            if matches!(error, OfficeError::Refused { code, .. } if code == "office.station_revoked" || code == "office.unknown_station")
            {
                state.link.revoked = true;
            }
        }
    }

    fn hello(&self) -> Result<(), OfficeError> {
        let backlog = self.spool.backlog()?;
        let answer: wire::HelloResponse = self.client.post(
            "/hello",
            &wire::Hello {
                station_time_ms: now_ms(),
                backlog: backlog.entries as i64,
                versions: self.versions.clone(),
                role: MachineRole::Station,
            },
        )?;
        self.state().link.clock_offset_ms = Some(now_ms() - answer.hub_time_ms);
        if answer.applied_seq >= self.spool.next_seq() || answer.applied_seq < self.spool.acked() {
            tracing::error!(applied = answer.applied_seq, "the hub's journal position does not fit this station's");
            return Err(OfficeError::JournalMismatch(format!("hub at {}", answer.applied_seq)));
        }
        // The hub may have applied entries whose acknowledgement this station never received
        // (it was cut off, or killed, in between).
        self.spool.acknowledge(answer.applied_seq.min(self.spool.pending()?.last().copied().unwrap_or(0)))?;
        Ok(())
    }

    /// Sends every pending entry in order; returns when done or at the first failure.
    fn forward_pending(&self) -> Result<(), OfficeError> {
        for seq in self.spool.pending()? {
            if self.state().stop {
                return Ok(());
            }
            if seq <= self.spool.acked() {
                continue;
            }
            let entry = self.spool.read(seq)?;
            match self.client.post::<_, wire::JournalResponse>("/journal", &wire::JournalRequest { seq, entry }) {
                Ok(answer) => {
                    self.spool.acknowledge(seq)?;
                    let mut state = self.state();
                    state.link.forwarded += 1;
                    if answer.outcome == Applied::Refused {
                        state.link.refused += 1;
                        tracing::warn!(seq, "the hub refused a journal entry");
                    }
                }
                // The hub applied more than this station knew (its acknowledgement was lost to
                // a cut link or a kill): skip to where the hub is — never beyond what this
                // station wrote.
                Err(OfficeError::Refused { status: 409, expected: Some(expected), .. })
                    if expected > seq && expected - 1 < self.spool.next_seq() =>
                {
                    self.spool.acknowledge(expected - 1)?;
                }
                // The hub is ahead of anything written here, or behind what it acknowledged
                // (restored from a backup): stop, keep everything, alarm.
                Err(OfficeError::Refused { status: 409, expected: Some(expected), .. }) => {
                    tracing::error!(expected, seq, "the hub's journal position does not fit this station's");
                    return Err(OfficeError::JournalMismatch(format!("hub expects {expected}, station at {seq}")));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

fn forwarder(shared: Arc<Shared>) {
    const HELLO_EVERY: Duration = Duration::from_secs(5);
    const MAX_BACKOFF: Duration = Duration::from_secs(5);
    let mut backoff = Duration::from_millis(200);
    let mut last_hello: Option<Instant> = None;
    loop {
        let due = last_hello.is_none_or(|at| at.elapsed() >= HELLO_EVERY);
        let result = (|| {
            if due {
                shared.hello()?;
                last_hello = Some(Instant::now());
            }
            shared.forward_pending()
        })();
        let wait = match &result {
            Ok(()) => {
                shared.contact(true, None);
                backoff = Duration::from_millis(200);
                if shared.spool.pending().map(|p| p.is_empty()).unwrap_or(true) { HELLO_EVERY } else { Duration::ZERO }
            }
            Err(error) => {
                shared.contact(false, Some(error));
                if !error.is_unreachable() {
                    tracing::warn!(code = interview::UserFacing::code(error), detail = %error, "forwarding failed");
                }
                // Say hello first when the link is back (the hub may have applied more).
                last_hello = None;
                let wait = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        if shared.pause(wait) {
            break;
        }
    }
}

/// An open station: its configuration, the connection, the spool and the forwarder.
pub struct Station {
    pub config: StationConfig,
    /// Held while open: one process per station forwards its spool.
    _lock: std::fs::File,
    data_dir: PathBuf,
    open_answers: Mutex<Vec<i64>>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station").field("station_id", &self.config.station_id).finish_non_exhaustive()
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        self.shared.state().stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Why a new visit waits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StationStatus {
    pub backlog_entries: u64,
    pub backlog_bytes: u64,
    pub oldest_waiting_s: u64,
    pub link: LinkStatus,
}

impl Station {
    /// Opens the station of `data_dir` and starts forwarding. `versions` is what the station
    /// reports it runs (its manifest digest).
    pub fn open(data_dir: &Path, versions: Option<String>) -> Result<Station, OfficeError> {
        let config = load_config(data_dir)?;
        if config.role != MachineRole::Station {
            return Err(OfficeError::NotAStation(config_path(data_dir)));
        }
        let lock_path = station_dir(data_dir).join("station.lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(OfficeError::io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(OfficeError::StationBusy),
            Err(std::fs::TryLockError::Error(e)) => return Err(OfficeError::io(&lock_path)(e)),
        }
        let missing = |name: &str| OfficeError::Vault(vault::VaultError::KeyMissing { vault_id: name.to_owned() });
        let tls_key = credential::load_named(&config.tls_key_name())?.ok_or_else(|| missing(&config.tls_key_name()))?;
        let spool_key =
            credential::load_named(&config.spool_key_name())?.ok_or_else(|| missing(&config.spool_key_name()))?;
        let spool_key = SecretKey::from_bytes(&spool_key)
            .ok_or_else(|| OfficeError::SpoolDamaged("the spool key has the wrong length".into()))?;
        let client =
            HubClient::for_station(&config.hub, &config.authority_cert_der, &config.station_cert_der, &tls_key)?;
        let spool = Spool::open(&station_dir(data_dir).join("spool"), spool_key)?;
        let shared = Arc::new(Shared {
            spool,
            client,
            versions,
            state: Mutex::new(ForwarderState::default()),
            wake: Condvar::new(),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("station-forwarder".into())
                .spawn(move || forwarder(shared))
                .map_err(OfficeError::io(data_dir))?
        };
        let station = Station {
            config,
            _lock: lock,
            data_dir: data_dir.to_owned(),
            open_answers: Mutex::new(Vec::new()),
            shared,
            thread: Some(thread),
        };
        station.recover()?;
        Ok(station)
    }

    /// Answers a stop (a crash, a power cut) left open are closed as interrupted: kept at the
    /// hub with what reached it, and retakeable.
    fn recover(&self) -> Result<(), OfficeError> {
        let path = open_answers_path(&self.data_dir);
        let open: Vec<i64> = match std::fs::read(&path) {
            Ok(text) => serde_json::from_slice(&text)
                .map_err(|e| OfficeError::SpoolDamaged(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(OfficeError::io(&path)(e)),
        };
        for answer_key in &open {
            self.append(&wire::Entry::CaptureEvent { answer_key: *answer_key, event: "recovered".into() })?;
            self.append(&wire::Entry::AnswerFinish { answer_key: *answer_key, committed: false })?;
        }
        if !open.is_empty() {
            tracing::warn!(answers = open.len(), "interrupted answers closed at station start");
        }
        self.set_open_answers(|answers| answers.clear())
    }

    fn set_open_answers(&self, change: impl FnOnce(&mut Vec<i64>)) -> Result<(), OfficeError> {
        let mut answers = self.open_answers.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut answers);
        let text = serde_json::to_vec(&*answers).map_err(|e| OfficeError::SpoolDamaged(e.to_string()))?;
        crate::spool::write_durably(&station_dir(&self.data_dir), &open_answers_path(&self.data_dir), &text)
    }

    /// Waits until the forwarder has reached the hub or failed to, up to `timeout`.
    pub fn wait_for_contact(&self, timeout: Duration) -> LinkStatus {
        let until = Instant::now() + timeout;
        loop {
            let link = self.shared.state().link.clone();
            if link.last_contact_ms.is_some() || link.last_error.is_some() || Instant::now() >= until {
                return link;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn status(&self) -> Result<StationStatus, OfficeError> {
        let Backlog { entries, bytes, oldest } = self.shared.spool.backlog()?;
        Ok(StationStatus {
            backlog_entries: entries,
            backlog_bytes: bytes,
            oldest_waiting_s: oldest.as_secs(),
            link: self.shared.state().link.clone(),
        })
    }

    /// Refuses a new visit (telling staff why) while the spool holds too much or too old.
    pub fn ready_for_visit(&self) -> Result<(), OfficeError> {
        let backlog = self.shared.spool.backlog()?;
        if backlog.bytes > self.config.spool_max_bytes
            || backlog.oldest > Duration::from_secs(self.config.spool_max_age_minutes * 60)
        {
            return Err(OfficeError::SpoolFull { entries: backlog.entries, age_s: backlog.oldest.as_secs() });
        }
        Ok(())
    }

    /// Whether the access code is usable now and needs the ID number's end (asks the hub).
    pub fn needs_identity(&self, code: &str) -> Result<bool, OfficeError> {
        let answer: wire::NeedsIdentity =
            self.shared.client.post("/needs-identity", &wire::CodeRequest { code: code.to_owned(), id_last4: None })?;
        Ok(answer.needs_identity)
    }

    /// Checks the candidate in at the hub (the code is spent there) and returns the plan, which
    /// lives only in memory here.
    pub fn check_in(&self, code: &str, id_last4: Option<&str>) -> Result<KioskPlan, OfficeError> {
        self.ready_for_visit()?;
        let answer: wire::CheckInResponse = self
            .shared
            .client
            .post("/check-in", &wire::CodeRequest { code: code.to_owned(), id_last4: id_last4.map(str::to_owned) })?;
        Ok(answer.plan)
    }

    pub fn consent(&self, interview_id: i64, given: bool) -> Result<(), OfficeError> {
        self.shared.client.post_empty("/consent", &wire::ConsentRequest { interview_id, given })
    }

    /// Where a visit's answers are recorded: the journal. Keep one store for the whole visit
    /// (it counts the attempts at each question).
    pub fn store(self: &Arc<Self>) -> JournalStore {
        JournalStore { station: self.clone(), attempts: HashMap::new(), questions: HashMap::new() }
    }

    /// A member of staff signs the kiosk window in with the password of the kiosk account this
    /// station acts as, checked at the hub. What is kept is only enough to recognise the same
    /// password when the kiosk is closed (which must work while the link is down).
    pub fn check_staff(&self, username: &str, password: &str) -> Result<StaffSignIn, OfficeError> {
        let answer: wire::StaffCheckResponse = self
            .shared
            .client
            .post("/staff-check", &wire::StaffCheck { username: username.to_owned(), password: password.to_owned() })?;
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut());
        let tag = StaffSignIn::tag(&key, password);
        Ok(StaffSignIn { username: answer.username, organisation: answer.organisation, key, tag })
    }

    /// The last question is done: journalled, so it reaches the hub after every answer.
    pub fn finish(&self, interview_id: i64) -> Result<(), OfficeError> {
        self.append(&wire::Entry::InterviewFinish { interview_id })?;
        Ok(())
    }

    fn append(&self, entry: &wire::Entry) -> Result<i64, OfficeError> {
        let seq = self.shared.spool.append(entry)?;
        self.shared.poke();
        Ok(seq)
    }

    /// Waits until the hub has everything (true) or `timeout` passed (false).
    pub fn drain(&self, timeout: Duration) -> Result<bool, OfficeError> {
        let until = Instant::now() + timeout;
        loop {
            if self.shared.spool.pending()?.is_empty() {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            self.shared.poke();
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The member of staff who signed a station's kiosk window in (checked at the hub). Holds a
/// keyed hash of the password under a key that lives only in this process, so that the kiosk
/// can be closed with the same password while the hub is out of reach; never the password.
pub struct StaffSignIn {
    /// The kiosk account the station acts as.
    pub username: String,
    pub organisation: String,
    key: zeroize::Zeroizing<[u8; 32]>,
    tag: [u8; 32],
}

impl std::fmt::Debug for StaffSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSignIn").field("username", &self.username).finish_non_exhaustive()
    }
}

impl StaffSignIn {
    fn tag(key: &[u8; 32], password: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether `password` is the one the hub accepted at sign-in (compared in constant time).
    pub fn password_matches(&self, password: &str) -> bool {
        use hmac::Mac;
        let mut mac =
            <hmac::Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key length");
        mac.update(password.as_bytes());
        mac.verify_slice(&self.tag).is_ok()
    }
}

/// A visit's answers as journal entries: each step is on disk before the call returns, and
/// the forwarder is woken to hand it on.
pub struct JournalStore {
    station: Arc<Station>,
    attempts: HashMap<(i64, i64), Attempts>,
    /// The question of each answer begun here.
    questions: HashMap<i64, (i64, i64)>,
}

impl std::fmt::Debug for JournalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalStore").field("answers", &self.questions.len()).finish()
    }
}

fn store_error(error: OfficeError) -> CaptureError {
    match error {
        OfficeError::Io { path, source } => CaptureError::Io { path, source },
        other => CaptureError::Store(other.to_string()),
    }
}

impl AnswerStore for JournalStore {
    fn attempts(&mut self, interview_id: i64, question_id: i64) -> Result<Attempts, CaptureError> {
        Ok(self.attempts.get(&(interview_id, question_id)).copied().unwrap_or_default())
    }

    fn begin_answer(&mut self, interview_id: i64, question_id: i64) -> Result<i64, CaptureError> {
        // Recorded as open before it is begun: a stop in between closes an answer the hub never
        // saw (refused there, audited), never leaves one open.
        let key = self.station.shared.spool.next_seq();
        self.station.set_open_answers(|open| open.push(key)).map_err(store_error)?;
        let begun =
            self.station.append(&wire::Entry::AnswerBegin { interview_id, question_id }).map_err(store_error)?;
        if begun != key {
            return Err(CaptureError::Store(format!("answer key {key} became {begun}")));
        }
        self.questions.insert(key, (interview_id, question_id));
        self.attempts.entry((interview_id, question_id)).or_default().recording += 1;
        Ok(key)
    }

    fn store_segment(&mut self, answer_id: i64, segment: &NewSegment<'_>) -> Result<(), CaptureError> {
        let parts = segment
            .parts
            .iter()
            .map(|p| wire::Part {
                kind: p.kind.to_owned(),
                format: p.format.to_owned(),
                offset_ms: p.offset_ms,
                duration_ms: p.duration_ms,
                sha256: Sha256::digest(p.bytes).into(),
                bytes: p.bytes.to_vec(),
            })
            .collect();
        self.station
            .append(&wire::Entry::Segment { answer_key: answer_id, index: segment.index, parts })
            .map(drop)
            .map_err(store_error)
    }

    fn capture_event(&mut self, answer_id: i64, event: &str) -> Result<(), CaptureError> {
        self.station
            .append(&wire::Entry::CaptureEvent { answer_key: answer_id, event: event.to_owned() })
            .map(drop)
            .map_err(store_error)
    }

    fn record_follow_up(
        &mut self,
        answer_id: i64,
        record: &interview::follow_up::StoredFollowUp,
    ) -> Result<(), CaptureError> {
        self.station
            .append(&wire::Entry::FollowUp { answer_key: answer_id, record: record.clone() })
            .map(drop)
            .map_err(store_error)
    }

    fn finish_answer(&mut self, answer_id: i64, committed: bool) -> Result<(), CaptureError> {
        self.station.append(&wire::Entry::AnswerFinish { answer_key: answer_id, committed }).map_err(store_error)?;
        self.station.set_open_answers(|open| open.retain(|key| *key != answer_id)).map_err(store_error)?;
        if let Some(question) = self.questions.get(&answer_id)
            && let Some(attempts) = self.attempts.get_mut(question)
        {
            attempts.recording = attempts.recording.saturating_sub(1);
            if committed {
                attempts.committed += 1;
            } else {
                attempts.interrupted += 1;
            }
        }
        Ok(())
    }
}
