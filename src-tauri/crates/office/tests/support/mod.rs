//! What the office's tests and benchmark share: a hub in this process over a real vault whose
//! clock the caller moves, enrolled stations, and the journal's requests.
#![allow(dead_code, clippy::unwrap_used)] // each includer uses part of it; a failed unwrap is a failed test

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use interview::{Bands, Lang, Role, Weight};
use office::client::HubClient;
use office::wire;
use office::{EnrolmentCode, OfficeError};
use sha2::{Digest, Sha256};
use vault::{NewCandidate, NewJob, NewQuestion, NewUser, Session, Vault};

pub const PASSWORD: &str = "correct horse battery staple";
pub const HUB_VERSIONS: &str = "interview-kiosk test; assets 0123456789abcdef";
pub const RUBRIC: &str = include_str!("../../../../../assets/samples/demo/q1-rubric.json");

pub fn mock_store() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A hub serving on loopback over a vault whose clock the test moves.
pub struct Hub {
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub authority_sha256: [u8; 32],
    pub clock: Arc<AtomicI64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Hub {
    pub fn start() -> Hub {
        Hub::start_with(|_| {})
    }

    /// A hub whose settings `adjust` changes (a benchmark's worker count, lease).
    pub fn start_with(adjust: impl FnOnce(&mut office::hub::HubSettings) + Send + 'static) -> Hub {
        mock_store();
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(AtomicI64::new(now_ms()));
        let (mut vault, _) = Vault::create_with_clock(
            dir.path(),
            NewUser {
                username: "admin".into(),
                display_name: "Admin".into(),
                role: Role::Admin,
                password: PASSWORD.into(),
            },
            Hub::clock_fn(&clock),
        )
        .unwrap();
        let admin = vault.login("admin", PASSWORD, "test").unwrap();
        for (name, role) in [("clerk", Role::Clerk), ("kiosk-1", Role::Kiosk), ("kiosk-2", Role::Kiosk)] {
            vault
                .create_user(
                    &admin,
                    NewUser { username: name.into(), display_name: name.into(), role, password: PASSWORD.into() },
                )
                .unwrap();
        }
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let mut settings = office::hub::HubSettings::new("127.0.0.1:0".parse().unwrap());
                settings.versions = HUB_VERSIONS.into();
                settings.lease = Duration::from_secs(60);
                adjust(&mut settings);
                office::hub::serve(
                    vault,
                    &admin,
                    settings,
                    |addr, authority| addr_tx.send((addr, *authority)).unwrap(),
                    async move {
                        let _ = stopped.await;
                    },
                )
                .await
                .unwrap();
            });
        });
        let (addr, authority_sha256) = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        Hub { dir, addr, authority_sha256, clock, stop: Some(stop), thread: Some(thread) }
    }

    pub fn clock_fn(clock: &Arc<AtomicI64>) -> vault::Clock {
        let clock = clock.clone();
        Arc::new(move || clock.load(Ordering::SeqCst))
    }

    /// A second handle on the hub's vault (as an administrator's desktop app would have).
    pub fn vault(&self) -> Vault {
        Vault::open_with_clock(self.dir.path(), Hub::clock_fn(&self.clock)).unwrap()
    }

    pub fn sign_in(&self, vault: &mut Vault, user: &str) -> Session {
        vault.login(user, PASSWORD, "test").unwrap()
    }

    pub fn code(&self, account: &str) -> EnrolmentCode {
        let mut vault = self.vault();
        let admin = self.sign_in(&mut vault, "admin");
        let code = EnrolmentCode::random();
        vault.create_enrolment_code(&admin, account, code.lookup(), &code.proof_key()).unwrap();
        code
    }

    pub fn hub(&self) -> String {
        self.addr.to_string()
    }

    /// A job with one question, a candidate and an access code for them.
    pub fn invitation(&self) -> (i64, String) {
        let mut vault = self.vault();
        let clerk = self.sign_in(&mut vault, "clerk");
        let job = vault
            .create_job(
                &clerk,
                NewJob {
                    title: "窗口岗".into(),
                    language: Lang::ZhCn,
                    dimensions: vec![
                        Weight { dimension: "沟通能力".into(), basis_points: 6000 },
                        Weight { dimension: "服务意识".into(), basis_points: 4000 },
                    ],
                    bands: Bands::new(80, 60).unwrap(),
                },
            )
            .unwrap();
        let question = vault
            .add_question(
                &clerk,
                NewQuestion {
                    job_id: job,
                    situational: false,
                    text: "请介绍一次你耐心帮助他人解决问题的经历。".into(),
                    rubric_json: RUBRIC.into(),
                    dimensions: vec!["沟通能力".into(), "服务意识".into()],
                    prep_seconds: 10,
                    answer_seconds: 60,
                    retakes: 1,
                },
            )
            .unwrap();
        let candidate = vault
            .add_candidate(
                &clerk,
                NewCandidate {
                    job_id: job,
                    name: "张三".into(),
                    id_number: None,
                    phone: None,
                    email: None,
                    group: None,
                },
            )
            .unwrap();
        let now = self.clock.load(Ordering::SeqCst);
        let (_, code) = vault.issue_invitation(&clerk, candidate, now - 60_000, now + 3_600_000).unwrap();
        (question, code.as_str().to_owned())
    }

    /// How many audit entries of `action`, whatever their outcome.
    pub fn audited(&self, action: &str) -> usize {
        let mut vault = self.vault();
        let admin = self.sign_in(&mut vault, "admin");
        vault.audit_log(&admin, None, 100_000).unwrap().iter().filter(|r| r.action == action).count()
    }

    /// How many audit entries of `action` with outcome `denied`.
    pub fn denials(&self, action: &str) -> usize {
        let mut vault = self.vault();
        let auditor = self.sign_in(&mut vault, "admin");
        vault
            .audit_log(&auditor, None, 100_000)
            .unwrap()
            .iter()
            .filter(|r| r.action == action && r.outcome == "denied")
            .count()
    }
}

/// An enrolled station in `dir`, and its client made from what enrolment stored.
pub fn enrolled(hub: &Hub, dir: &Path, account: &str, name: &str) -> (office::station::StationConfig, HubClient) {
    let config =
        office::station::enrol(dir, &hub.hub(), &hub.code(account), name, interview::MachineRole::Station).unwrap();
    (config.clone(), client_of(&config))
}

pub fn client_of(config: &office::station::StationConfig) -> HubClient {
    let key = vault::keys::credential::load_named(&format!("station-{}-tls", config.installation)).unwrap().unwrap();
    HubClient::for_station(&config.hub, &config.authority_cert_der, &config.station_cert_der, &key).unwrap()
}

pub fn refused_code(result: Result<impl std::fmt::Debug, OfficeError>) -> String {
    match result {
        Err(OfficeError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub fn hello(client: &HubClient) -> Result<wire::HelloResponse, OfficeError> {
    client.post(
        "/hello",
        &wire::Hello { station_time_ms: now_ms(), backlog: 0, versions: None, role: interview::MachineRole::Station },
    )
}

pub fn journal(client: &HubClient, seq: i64, entry: wire::Entry) -> Result<wire::JournalResponse, OfficeError> {
    client.post("/journal", &wire::JournalRequest { seq, entry })
}

pub fn segment(answer_key: i64, index: u32, bytes: &[u8]) -> wire::Entry {
    wire::Entry::Segment {
        answer_key,
        index,
        parts: vec![wire::Part {
            kind: "audio".into(),
            format: vault::media_format::WAV_16K.into(),
            offset_ms: i64::from(index) * 2000,
            duration_ms: 2000,
            sha256: Sha256::digest(bytes).into(),
            bytes: bytes.to_vec(),
        }],
    }
}
