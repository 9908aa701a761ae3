//! A staff workstation of a hub: enrolled like a kiosk station (one-time code, mutual TLS,
//! revocation) but acting as no account — people sign in at it with their own. It keeps its
//! certificate and settings (`<data dir>/station/station.json`, role `workstation`; its key in the
//! credential store), never a record of the agency.

use std::path::Path;

use interview::MachineRole;

use crate::enrol::EnrolmentCode;
use crate::error::OfficeError;
use crate::station::{self, StationConfig};
use crate::wire;

/// Makes this installation a staff workstation of the hub at `hub` with a workstation code.
pub fn enrol(data_dir: &Path, hub: &str, code: &EnrolmentCode, name: &str) -> Result<StationConfig, OfficeError> {
    station::enrol(data_dir, hub, code, name, MachineRole::Workstation)
}

/// Says hello to the hub as this workstation: the hub notes it as seen, or refuses it (revoked,
/// unknown, or enrolled as a station).
pub fn hello(data_dir: &Path) -> Result<wire::HelloResponse, OfficeError> {
    let config = station::load_config(data_dir)?;
    if config.role != MachineRole::Workstation {
        return Err(OfficeError::NotAStation(data_dir.join("station/station.json")));
    }
    let client = station::client(data_dir)?;
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    client.post(
        "/hello",
        &wire::Hello { station_time_ms: now, backlog: 0, versions: None, role: MachineRole::Workstation },
    )
}

/// How long a staff call may take in all (a whole job's export included) before the
/// workstation tells the person the hub did not answer.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);
/// How often, and within how long, the workstation asks whether the hub answers: a lost link
/// is shown within about this long, even while a call is still waiting.
pub const PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// A call whose answer was lost is sent again under the same id if the person repeats it
/// (the same command with the same arguments) within this long: the hub answers it from its
/// record instead of running it again.
const UNCERTAIN_FOR: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// A first attempt that failed this fast never reached the hub's command (no connection): it is
/// tried once more at once.
const FAST_FAILURE: std::time::Duration = std::time::Duration::from_secs(3);

/// [`CALL_TIMEOUT`], or `INTERVIEW_KIOSK_HUB_CALL_SECONDS` (5 to 600) where an office's network
/// or its largest exports need another limit.
pub fn call_timeout() -> std::time::Duration {
    std::env::var("INTERVIEW_KIOSK_HUB_CALL_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (5..=600).contains(s))
        .map_or(CALL_TIMEOUT, std::time::Duration::from_secs)
}

/// What a staff call came back with.
#[derive(Debug)]
pub struct CallAnswer {
    pub outcome: wire::StaffOutcome,
    pub files: Vec<wire::ExportedFile>,
    pub export_dir: String,
}

type LinkWatcher = Box<dyn Fn(bool) + Send + Sync>;
/// Calls whose answer was lost: by the hash of what they asked, their id and when.
type Uncertain = std::collections::HashMap<[u8; 32], ([u8; 16], std::time::Instant)>;

/// What a call asks, as a hash of its command and arguments, by which a repeat after a lost
/// answer is known. A channel the page passed (`__CHANNEL__:<id>`: a job export's progress) is
/// made anew for each attempt, so its id does not count: the export sent again is the same call.
fn what_was_asked(command: &str, args: &serde_json::Value) -> [u8; 32] {
    use sha2::Digest;
    let mut args = args.clone();
    if let Some(object) = args.as_object_mut() {
        for value in object.values_mut() {
            if value.as_str().is_some_and(|v| v.starts_with("__CHANNEL__:")) {
                *value = serde_json::Value::String("__CHANNEL__".into());
            }
        }
    }
    let mut h = sha2::Sha256::new();
    h.update(command.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(&args).unwrap_or_default());
    h.finalize().into()
}

/// A staff workstation's link to its hub: the staff window's calls, its recordings, and
/// whether the hub answers. Holds the session id of the person signed in (in memory only).
pub struct Link {
    calls: crate::client::HubClient,
    probe: crate::client::HubClient,
    hub: String,
    session: std::sync::Mutex<Option<[u8; 16]>>,
    /// Calls whose answer was lost, by what they asked: their id, kept for a repeat.
    uncertain: std::sync::Mutex<Uncertain>,
    online: std::sync::atomic::AtomicU8,
    watcher: std::sync::Mutex<Option<LinkWatcher>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("hub", &self.hub).finish_non_exhaustive()
    }
}

/// `online` before the first answer.
const UNKNOWN: u8 = 2;

impl Link {
    /// The link of the workstation enrolled in `data_dir` (its certificate, its key from the
    /// credential store).
    pub fn open(data_dir: &Path) -> Result<Link, OfficeError> {
        let config = station::load_config(data_dir)?;
        if config.role != MachineRole::Workstation {
            return Err(OfficeError::NotAStation(data_dir.join("station/station.json")));
        }
        Ok(Link {
            calls: station::client_within(data_dir, call_timeout())?,
            probe: station::client_within(data_dir, PROBE_TIMEOUT)?,
            hub: config.hub,
            session: std::sync::Mutex::new(None),
            uncertain: std::sync::Mutex::default(),
            online: std::sync::atomic::AtomicU8::new(UNKNOWN),
            watcher: std::sync::Mutex::new(None),
        })
    }

    pub fn hub(&self) -> &str {
        &self.hub
    }

    /// Told `true`/`false` each time the hub starts or stops answering.
    pub fn watch(&self, watcher: impl Fn(bool) + Send + Sync + 'static) {
        *self.watcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(watcher));
    }

    /// Whether the hub answered the last request (`None` before the first).
    pub fn online(&self) -> Option<bool> {
        match self.online.load(std::sync::atomic::Ordering::SeqCst) {
            UNKNOWN => None,
            v => Some(v == 1),
        }
    }

    fn note(&self, online: bool) {
        let before = self.online.swap(u8::from(online), std::sync::atomic::Ordering::SeqCst);
        if before != u8::from(online) {
            tracing::info!(online, "hub link changed");
            if let Some(watcher) = self.watcher.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                watcher(online);
            }
        }
    }

    fn noting<T>(&self, result: Result<T, OfficeError>) -> Result<T, OfficeError> {
        match &result {
            Err(e) if e.is_unreachable() => self.note(false),
            // A refusal is an answer: the link works.
            _ => self.note(true),
        }
        result
    }

    /// Says hello (quickly: a lost link shows within [`PROBE_EVERY`] + [`PROBE_TIMEOUT`]).
    pub fn probe(&self) -> Result<(), OfficeError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let hello = wire::Hello { station_time_ms: now, backlog: 0, versions: None, role: MachineRole::Workstation };
        let answer = self.probe.post::<_, wire::HelloResponse>("/hello", &hello).map(drop);
        self.noting(answer)
    }

    /// Runs one staff-window command at the hub. A call that failed with no answer may have run
    /// there: if the person repeats it, it goes again under the same id, and the hub gives the
    /// answer it gave then instead of running it twice.
    pub fn call(&self, command: &str, args: serde_json::Value) -> Result<CallAnswer, OfficeError> {
        let asked = what_was_asked(command, &args);
        let call_id = {
            let mut uncertain = self.uncertain.lock().unwrap_or_else(|e| e.into_inner());
            uncertain.retain(|_, (_, at)| at.elapsed() < UNCERTAIN_FOR);
            uncertain.remove(&asked).map(|(id, _)| id).unwrap_or_else(rand::random)
        };
        let session = *self.session.lock().unwrap_or_else(|e| e.into_inner());
        let call = wire::StaffCall { session, call_id, command: command.to_owned(), args };
        let started = std::time::Instant::now();
        let mut answer = self.calls.post::<_, wire::StaffReply>("/staff/call", &call);
        if matches!(&answer, Err(e) if e.is_unreachable()) && started.elapsed() < FAST_FAILURE {
            std::thread::sleep(std::time::Duration::from_millis(300));
            answer = self.calls.post("/staff/call", &call);
        }
        match self.noting(answer) {
            Ok(reply) => {
                *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(reply.session);
                Ok(CallAnswer { outcome: reply.outcome, files: reply.files, export_dir: reply.export_dir })
            }
            Err(error) => {
                if error.is_unreachable() {
                    let mut uncertain = self.uncertain.lock().unwrap_or_else(|e| e.into_inner());
                    uncertain.insert(asked, (call_id, std::time::Instant::now()));
                }
                Err(error)
            }
        }
    }

    fn signed_in_session(&self) -> Result<[u8; 16], OfficeError> {
        let session = *self.session.lock().unwrap_or_else(|e| e.into_inner());
        session.ok_or_else(|| OfficeError::Refused {
            status: 403,
            code: "auth.not_signed_in".into(),
            message: interview::Localized::new("请先登录。", "Sign in first."),
            expected: None,
        })
    }

    /// A recording segment of a playlist opened in this session, in memory.
    pub fn media(&self, media_id: i64) -> Result<Vec<u8>, OfficeError> {
        let session = self.signed_in_session()?;
        let bytes = self.calls.post_bytes("/staff/media", &wire::StaffMedia { session, media_id });
        self.noting(bytes)
    }

    /// What the call running in this session has sent on the staff window's channel `channel`
    /// since message `after` (asked quickly, beside the call).
    pub fn progress(&self, channel: u32, after: u32) -> Result<Vec<wire::StaffChannelMessage>, OfficeError> {
        let session = self.signed_in_session()?;
        let reply = self
            .probe
            .post::<_, wire::StaffProgressReply>("/staff/progress", &wire::StaffProgress { session, channel, after });
        Ok(self.noting(reply)?.messages)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::what_was_asked;

    /// The same command with the same arguments is the same call, whatever channel the page
    /// made for this attempt; any other difference makes another call.
    #[test]
    fn a_call_is_known_by_its_command_and_arguments_but_not_its_channels() {
        let export = |job: u32, channel: &str| {
            what_was_asked("export_job_reports", &json!({ "jobId": job, "progress": channel }))
        };
        assert_eq!(export(3, "__CHANNEL__:17"), export(3, "__CHANNEL__:4242"));
        assert_ne!(export(3, "__CHANNEL__:17"), export(4, "__CHANNEL__:17"));
        assert_ne!(
            what_was_asked("review_decide", &json!({ "reason": "a" })),
            what_was_asked("review_decide", &json!({ "reason": "b" }))
        );
        assert_ne!(what_was_asked("clerk_jobs", &json!({})), what_was_asked("auditor_jobs", &json!({})));
    }
}
