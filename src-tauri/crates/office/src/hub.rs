//! The hub: serves the office's stations over HTTPS with mutual TLS (TLS 1.3 only) on the
//! address the administrator gave. One thread owns the vault and runs every request's vault
//! work in turn; the HTTP side (axum, as the local API) only parses, checks the caller's
//! certificate and answers.
//!
//! Requests: `enrol` (no client certificate yet; the enrolment code's proofs instead), and, with
//! a client certificate the office authority issued to a station still enrolled, `hello`,
//! `needs-identity`, `check-in`, `consent` and `journal`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Json, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::IncomingStream;
use hrms::guard::Guarded;
use hrms::tls::TlsListener;
use interview::{Localized, UserFacing};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use vault::{AccessCode, Session, StationEntry, StationPresence, Vault, VaultError};

use crate::ca::{self, HubIdentity};
use crate::enrol;
use crate::error::OfficeError;
use crate::wire::{self, ErrorBody};

/// A staff workstation calling, enrolled and not revoked (checked at each of its requests).
#[derive(Clone, Debug)]
pub struct WorkstationCaller {
    pub id: i64,
    pub cert_sha256: [u8; 32],
}

/// Why the hub's staff host refused a workstation's request (the workstation shows `message`).
#[derive(Clone, Debug)]
pub struct StaffRefusal {
    pub status: u16,
    pub code: String,
    pub message: Localized,
}

/// Runs the staff window's commands for workstations: each call under the session it names, with
/// the same authorisation, refusals and audit as at the hub's own staff window. The shell
/// provides it (the commands are its IPC adapters); this crate carries the calls to it.
pub trait StaffHost: Send + Sync + 'static {
    /// Runs one call (blocking: on the blocking pool).
    fn call(&self, caller: &WorkstationCaller, call: wire::StaffCall) -> Result<wire::StaffReply, StaffRefusal>;
    /// One recording segment of a playlist opened in the call's session, decrypted in memory.
    fn media(&self, caller: &WorkstationCaller, request: &wire::StaffMedia) -> Result<Vec<u8>, StaffRefusal>;
    /// What a call running in the session has sent on one of its channels so far.
    fn progress(
        &self,
        caller: &WorkstationCaller,
        request: &wire::StaffProgress,
    ) -> Result<wire::StaffProgressReply, StaffRefusal>;
}

/// What an enrolment code is for.
#[derive(Clone, Copy, Debug)]
pub enum CodeFor<'a> {
    /// A kiosk station acting as this kiosk account.
    Station { kiosk_account: &'a str },
    /// A staff workstation (people sign in at it with their own accounts).
    Workstation,
}

/// A new one-time enrolment code, recorded in the hub's vault (a fresh code when its lookup part
/// clashes with an earlier code's).
pub fn new_enrolment_code(
    vault: &mut Vault,
    admin: &Session,
    made_for: CodeFor<'_>,
) -> Result<crate::EnrolmentCode, OfficeError> {
    let mut tries = 0;
    loop {
        let code = crate::EnrolmentCode::random();
        let made = match made_for {
            CodeFor::Station { kiosk_account } => {
                vault.create_enrolment_code(admin, kiosk_account, code.lookup(), &code.proof_key())
            }
            CodeFor::Workstation => vault.create_workstation_code(admin, code.lookup(), &code.proof_key()),
        };
        match made {
            Ok(_) => return Ok(code),
            Err(VaultError::CodeLookupTaken) if tries < 8 => tries += 1,
            Err(error) => return Err(error.into()),
        }
    }
}

/// A station not heard from for this long is shown as offline (it says hello every 5 s).
pub const ONLINE_WITHIN_MS: i64 = 15_000;
/// A station's clock this far from the hub's is shown with a warning.
pub const CLOCK_WARNING_MS: i64 = 120_000;

/// How a station is doing, as the administrator is shown it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub online: bool,
    pub clock_warning: bool,
    /// Its program or models differ from the hub's: it is given no scoring work.
    pub other_versions: bool,
}

/// What `station`'s last report means at `now_ms`, for a hub running `versions`.
pub fn seen(station: &vault::StationInfo, now_ms: i64, versions: &str) -> Seen {
    let presence = &station.presence;
    Seen {
        online: station.revoked_at_ms.is_none()
            && presence.last_seen_at_ms.is_some_and(|at| now_ms - at < ONLINE_WITHIN_MS),
        clock_warning: presence.clock_offset_ms.is_some_and(|ms| ms.abs() > CLOCK_WARNING_MS),
        other_versions: presence.versions.as_deref().is_some_and(|v| v != versions),
    }
}

/// The largest request body: a journal entry holds one 2-second segment (a few hundred KB at
/// 640×480), in base64.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// A worker's result (transcript, scores, evidence).
const RESULT_BODY: usize = 2 * 1024 * 1024;
/// A workstation's staff call: its largest argument is a report PDF to verify (at most
/// `report::MAX_REPORT_BYTES`, sent as JSON numbers) or a résumé file.
const STAFF_CALL_BODY: usize = 80 * 1024 * 1024;
/// Every other request.
const SMALL_BODY: usize = 64 * 1024;
/// Enrolment attempts an address may make a minute.
const ENROLMENTS_PER_MINUTE: u32 = 10;
/// Requests waiting for the vault thread.
const QUEUE: usize = 256;

/// Where and as what the hub serves.
#[derive(Clone, Debug)]
pub struct HubSettings {
    pub listen: SocketAddr,
    /// What this hub runs (`flow::scoring::worker_versions`): workers that differ get no work.
    pub versions: String,
    /// How long a worker holds a leased answer before another may take it.
    pub lease: Duration,
    /// The vault's data directory, for the hub's own scoring worker (none: the hub does not
    /// score itself).
    pub local_scoring: Option<std::path::PathBuf>,
    /// Names or addresses stations use to reach the hub besides the listening address (its
    /// certificate names them all).
    pub names: Vec<String>,
    pub organisation: String,
    pub idle_timeout: Duration,
    /// Runs the staff window's commands for staff workstations (none: workstations are refused).
    pub staff: Option<Arc<dyn StaffHost>>,
}

impl std::fmt::Debug for dyn StaffHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaffHost")
    }
}

impl HubSettings {
    pub fn new(listen: SocketAddr) -> HubSettings {
        HubSettings {
            listen,
            versions: String::new(),
            lease: Duration::from_secs(600),
            local_scoring: None,
            names: Vec::new(),
            organisation: String::new(),
            idle_timeout: hrms::guard::IDLE,
            staff: None,
        }
    }

    fn hosts(&self) -> Vec<String> {
        let mut hosts = vec![self.listen.ip().to_string()];
        for name in &self.names {
            if !hosts.contains(name) {
                hosts.push(name.clone());
            }
        }
        hosts
    }
}

/// The TLS configuration: the hub's certificate, and client certificates from the office
/// authority (optional at the TLS level, so that a station can enrol; every other request
/// requires one).
fn server_config(authority: &vault::OfficeAuthority, identity: &HubIdentity) -> Result<Arc<ServerConfig>, OfficeError> {
    let tls = |e: &dyn std::fmt::Display| OfficeError::Tls(e.to_string());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(authority.cert_der.clone())).map_err(|e| tls(&e))?;
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| tls(&e))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key_pkcs8.to_vec()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls(&e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![CertificateDer::from(identity.cert_der.clone())], key)
        .map_err(|e| tls(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Who is calling: the address, and the SHA-256 of the client certificate the TLS handshake
/// verified against the office authority (none while enrolling).
#[derive(Clone, Debug)]
pub struct HubPeer {
    pub addr: SocketAddr,
    pub cert_sha256: Option<[u8; 32]>,
}

type Listener = Guarded<TlsListener>;

impl Connected<IncomingStream<'_, Listener>> for HubPeer {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> HubPeer {
        let (_, session) = stream.io().get_ref().get_ref();
        let cert_sha256 = session.peer_certificates().and_then(|c| c.first()).map(|c| Sha256::digest(c).into());
        HubPeer { addr: *stream.remote_addr(), cert_sha256 }
    }
}

type Job = Box<dyn FnOnce(&mut Vault) + Send>;

struct HubState {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Enrolment attempts per address in the current minute.
    enrolments: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (std::time::Instant, u32)>>,
    versions: String,
    lease_ms: i64,
    /// The hub's own scoring worker, woken when an answer or interview arrives.
    local: Option<flow::worker::ScoringWorker>,
    hub_cert_sha256: [u8; 32],
    authority_cert_der: Vec<u8>,
    authority: Arc<vault::OfficeAuthority>,
    staff: Option<Arc<dyn StaffHost>>,
}

/// A refusal as the station reads it.
#[derive(Debug)]
pub struct Failure(StatusCode, ErrorBody);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn failure(status: StatusCode, code: &str, message: Localized) -> Failure {
    Failure(status, ErrorBody { code: code.to_owned(), message, expected: None })
}

impl From<VaultError> for Failure {
    fn from(error: VaultError) -> Failure {
        let status = match &error {
            VaultError::EnrolmentRefused
            | VaultError::UnknownStation
            | VaultError::StationRevoked
            | VaultError::UnknownWorkstation
            | VaultError::WorkstationRevoked
            | VaultError::NotAStationMachine => StatusCode::FORBIDDEN,
            VaultError::Denied { .. } | VaultError::SessionExpired => StatusCode::FORBIDDEN,
            VaultError::JournalOutOfOrder { .. } => StatusCode::CONFLICT,
            e if e.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
            VaultError::Sqlite(_) | VaultError::Io { .. } | VaultError::Crypto(_) | VaultError::Corrupt(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = error.code(), detail = %error, "hub request failed");
        } else {
            tracing::info!(code = error.code(), "hub request refused");
        }
        let expected = match error {
            VaultError::JournalOutOfOrder { expected } => Some(expected),
            _ => None,
        };
        Failure(status, ErrorBody { code: error.code().to_owned(), message: error.user_message(), expected })
    }
}

impl From<StaffRefusal> for Failure {
    fn from(refusal: StaffRefusal) -> Failure {
        let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Failure(status, ErrorBody { code: refusal.code, message: refusal.message, expected: None })
    }
}

impl From<OfficeError> for Failure {
    fn from(error: OfficeError) -> Failure {
        match error {
            OfficeError::Vault(e) => e.into(),
            other => {
                tracing::error!(code = other.code(), detail = %other, "hub request failed");
                failure(StatusCode::INTERNAL_SERVER_ERROR, other.code(), other.user_message())
            }
        }
    }
}

impl From<flow::FlowError> for Failure {
    fn from(error: flow::FlowError) -> Failure {
        match error {
            flow::FlowError::Vault(e) => e.into(),
            other => {
                tracing::error!(code = other.code(), detail = %other, "hub request failed");
                failure(StatusCode::INTERNAL_SERVER_ERROR, other.code(), other.user_message())
            }
        }
    }
}

fn internal() -> Failure {
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        "office.internal",
        Localized::new("中心主机内部错误，详情见其日志。", "Internal error at the hub; see its log."),
    )
}

fn no_certificate() -> Failure {
    failure(
        StatusCode::UNAUTHORIZED,
        "office.no_certificate",
        Localized::new(
            "请求没有附带终端证书。只有已注册的面试终端才能访问中心主机。",
            "The request carried no station certificate. Only enrolled stations may use the hub.",
        ),
    )
}

fn bad_body(rejection: axum::extract::rejection::JsonRejection) -> Failure {
    // Only the kind of rejection: its text can quote the offending value.
    tracing::info!(status = rejection.status().as_u16(), "hub request body refused");
    failure(
        StatusCode::BAD_REQUEST,
        "office.bad_request",
        Localized::new(
            "请求格式不正确（终端与中心主机的版本可能不一致）。",
            "The request is malformed (the station's and the hub's versions may differ).",
        ),
    )
}

impl HubState {
    /// Runs `call` on the vault thread and waits for its answer.
    async fn call<T: Send + 'static>(
        &self,
        call: impl FnOnce(&mut Vault) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |vault: &mut Vault| {
            let _ = answer.send(call(vault));
        });
        self.jobs.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "office.busy",
                Localized::new("中心主机繁忙，稍后自动重试。", "The hub is busy; the station tries again shortly."),
            ),
            std::sync::mpsc::TrySendError::Disconnected(_) => internal(),
        })?;
        answered.await.map_err(|_| internal())?
    }

    /// Runs `call` as the station whose certificate the peer presented.
    async fn as_station<T: Send + 'static>(
        &self,
        peer: &HubPeer,
        call: impl FnOnce(&mut Vault, &Session) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let cert = peer.cert_sha256.ok_or_else(no_certificate)?;
        let from = peer.addr.ip().to_string();
        self.call(move |vault| {
            let station = vault.station_session(&cert, &from)?;
            call(vault, &station)
        })
        .await
    }
}

impl HubState {
    /// The staff workstation whose certificate the peer presented: refused (and audited) when
    /// unknown, revoked or a kiosk station; otherwise noted as seen.
    async fn workstation(&self, peer: &HubPeer) -> Result<WorkstationCaller, Failure> {
        let cert = peer.cert_sha256.ok_or_else(no_certificate)?;
        let from = peer.addr.ip().to_string();
        self.call(move |vault| {
            let presence = StationPresence { last_seen_at_ms: Some(now_ms()), ..StationPresence::default() };
            let id = vault.workstation_hello(&cert, &from, &presence)?;
            Ok(WorkstationCaller { id, cert_sha256: cert })
        })
        .await
    }

    fn staff_host(&self) -> Result<Arc<dyn StaffHost>, Failure> {
        self.staff.clone().ok_or_else(|| {
            failure(
                StatusCode::NOT_FOUND,
                "office.no_workstations",
                Localized::new("此中心主机不为工作人员工作站服务。", "This hub does not serve staff workstations."),
            )
        })
    }
}

type Shared = State<Arc<HubState>>;
type Peer = ConnectInfo<HubPeer>;
type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// Refuses a request to a station's route without a client certificate before its body is read.
async fn require_certificate(
    ConnectInfo(peer): Peer,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if peer.cert_sha256.is_none() {
        return no_certificate().into_response();
    }
    next.run(request).await
}

impl HubState {
    /// At most [`ENROLMENTS_PER_MINUTE`] from one address (guessing codes is slow, and a flood
    /// does not fill the audit log).
    fn enrolment_allowed(&self, from: std::net::IpAddr) -> bool {
        let mut counts = self.enrolments.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        counts.retain(|_, (since, _)| now.duration_since(*since) < Duration::from_secs(60));
        let entry = counts.entry(from).or_insert((now, 0));
        entry.1 += 1;
        entry.1 <= ENROLMENTS_PER_MINUTE
    }
}

async fn enrol(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::EnrolRequest>,
) -> Result<Json<wire::EnrolResponse>, Failure> {
    if !state.enrolment_allowed(peer.addr.ip()) {
        return Err(failure(
            StatusCode::TOO_MANY_REQUESTS,
            "office.enrol_rate",
            Localized::new("注册尝试过于频繁，请一分钟后再试。", "Too many enrolment attempts; try again in a minute."),
        ));
    }
    let Json(request) = body.map_err(bad_body)?;
    let from = peer.addr.ip().to_string();
    let hub = state.hub_cert_sha256;
    let authority = state.authority.clone();
    let authority_cert = state.authority_cert_der.clone();
    state
        .call(move |vault| {
            let (code_id, key) = vault.enrolment_proof_key(&request.lookup, &from)?;
            if !enrol::check_station_proof(&key, &hub, &request.csr_der, &request.name, &request.proof) {
                tracing::warn!(code_id, "enrolment proof did not match");
                vault.enrolment_failed(code_id, &from)?;
                return Err(VaultError::EnrolmentRefused.into());
            }
            let cert = ca::issue_station_certificate(&authority, &request.csr_der)?;
            let station_id =
                vault.enrol_station(code_id, request.role, &request.name, &Sha256::digest(&cert).into(), &from)?;
            tracing::info!(station_id, "station enrolled");
            let proof = enrol::hub_proof(&key, &hub, &cert, &authority_cert);
            Ok(wire::EnrolResponse { station_id, station_cert_der: cert, authority_cert_der: authority_cert, proof })
        })
        .await
        .map(Json)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

async fn hello(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::Hello>,
) -> Result<Json<wire::HelloResponse>, Failure> {
    let Json(hello) = body.map_err(bad_body)?;
    if hello.role == interview::MachineRole::Workstation {
        let cert = peer.cert_sha256.ok_or_else(no_certificate)?;
        let from = peer.addr.ip().to_string();
        return state
            .call(move |vault| {
                let hub_time_ms = now_ms();
                let presence = StationPresence {
                    last_seen_at_ms: Some(hub_time_ms),
                    clock_offset_ms: Some(hello.station_time_ms - hub_time_ms),
                    backlog: None,
                    versions: hello.versions,
                };
                let station_id = vault.workstation_hello(&cert, &from, &presence)?;
                Ok(wire::HelloResponse { station_id, hub_time_ms, applied_seq: 0 })
            })
            .await
            .map(Json);
    }
    state
        .as_station(&peer, move |vault, station| {
            let hub_time_ms = now_ms();
            let presence = StationPresence {
                last_seen_at_ms: Some(hub_time_ms),
                clock_offset_ms: Some(hello.station_time_ms - hub_time_ms),
                backlog: Some(hello.backlog),
                versions: hello.versions,
            };
            vault.note_station_presence(station, &presence)?;
            let applied_seq = vault.station_applied_seq(station)?;
            Ok(wire::HelloResponse { station_id: station.station().unwrap_or_default(), hub_time_ms, applied_seq })
        })
        .await
        .map(Json)
}

/// A member of staff signs the station's kiosk window in: the password of the kiosk account
/// this station acts as, checked (and counted towards its lockout) here. Another account, even
/// a valid one, is refused: the station records only as the account its code was bound to.
async fn staff_check(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::StaffCheck>,
) -> Result<Json<wire::StaffCheckResponse>, Failure> {
    let Json(wire::StaffCheck { username, password }) = body.map_err(bad_body)?;
    let password = zeroize::Zeroizing::new(password);
    state
        .as_station(&peer, move |vault, station| {
            let device = format!("station {}", station.station().unwrap_or_default());
            let staff = vault.login(&username, &password, &device)?;
            let same = staff.user_id == station.user_id;
            vault.logout(&staff)?;
            if !same {
                tracing::warn!("a station's kiosk window was signed in with another account");
                return Err(failure(
                    StatusCode::FORBIDDEN,
                    "office.wrong_account",
                    Localized::new(
                        format!("本终端以面试终端账号 {} 工作，请用该账号登录。", station.username),
                        format!(
                            "This station works as the kiosk account {}; sign in with that account.",
                            station.username
                        ),
                    ),
                ));
            }
            Ok(wire::StaffCheckResponse {
                username: station.username.clone(),
                organisation: vault.organisation()?.name,
            })
        })
        .await
        .map(Json)
}

async fn needs_identity(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::CodeRequest>,
) -> Result<Json<wire::NeedsIdentity>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, station| {
            let code = AccessCode::parse(&request.code);
            Ok(wire::NeedsIdentity { needs_identity: flow::station::needs_identity(vault, station, &code)? })
        })
        .await
        .map(Json)
}

async fn check_in(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::CodeRequest>,
) -> Result<Json<wire::CheckInResponse>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, station| {
            let code = AccessCode::parse(&request.code);
            let plan = flow::station::check_in(vault, station, &code, request.id_last4.as_deref())?;
            Ok(wire::CheckInResponse { plan })
        })
        .await
        .map(Json)
}

async fn consent(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::ConsentRequest>,
) -> Result<StatusCode, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, station| {
            flow::station::consent(vault, station, request.interview_id, request.given)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

async fn journal(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::JournalRequest>,
) -> Result<Json<wire::JournalResponse>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    let answer = state
        .as_station(&peer, move |vault, station| {
            let seq = request.seq;
            let outcome = match &request.entry {
                wire::Entry::AnswerBegin { interview_id, question_id } => vault.apply_station_entry(
                    station,
                    seq,
                    StationEntry::AnswerBegin {
                        interview_id: *interview_id,
                        question_id: *question_id,
                        answer_key: seq,
                    },
                ),
                wire::Entry::Segment { answer_key, index, parts } => {
                    let segment = vault::NewSegment {
                        index: *index,
                        parts: parts
                            .iter()
                            .map(|p| vault::SegmentPart {
                                kind: &p.kind,
                                format: &p.format,
                                offset_ms: p.offset_ms,
                                duration_ms: p.duration_ms,
                                bytes: &p.bytes,
                            })
                            .collect(),
                    };
                    let sha256 = parts.iter().map(|p| p.sha256).collect();
                    vault.apply_station_entry(
                        station,
                        seq,
                        StationEntry::Segment { answer_key: *answer_key, segment, sha256 },
                    )
                }
                wire::Entry::CaptureEvent { answer_key, event } => vault.apply_station_entry(
                    station,
                    seq,
                    StationEntry::CaptureEvent { answer_key: *answer_key, event },
                ),
                wire::Entry::FollowUp { answer_key, record } => {
                    vault.apply_station_entry(station, seq, StationEntry::FollowUp { answer_key: *answer_key, record })
                }
                wire::Entry::AnswerFinish { answer_key, committed } => vault.apply_station_entry(
                    station,
                    seq,
                    StationEntry::AnswerFinish { answer_key: *answer_key, committed: *committed },
                ),
                wire::Entry::InterviewFinish { interview_id } => vault.apply_station_entry(
                    station,
                    seq,
                    StationEntry::InterviewFinish { interview_id: *interview_id },
                ),
            }?;
            // An interview finished after its answers were scored elsewhere: its total now
            // (only then — not on every segment, the hub's busiest path).
            if matches!(request.entry, wire::Entry::InterviewFinish { .. }) {
                flow::scoring::record_ready_totals(vault)?;
            }
            let applied_seq = vault.station_applied_seq(station)?;
            Ok(wire::JournalResponse { applied_seq, outcome })
        })
        .await?;
    if let Some(local) = &state.local {
        local.wake();
    }
    Ok(Json(answer))
}

async fn work(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::WorkRequest>,
) -> Result<Json<wire::WorkResponse>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    let (versions, lease_ms) = (state.versions.clone(), state.lease_ms);
    state
        .as_station(&peer, move |vault, worker| {
            if request.versions != versions {
                tracing::warn!("a worker with other versions asked for work");
                vault.refuse_worker(worker)?;
                return Err(failure(
                    StatusCode::CONFLICT,
                    "office.version_mismatch",
                    Localized::new(
                        "本机的程序或模型版本与中心主机不同，因此不参与评分。请把本机更新到与中心主机相同的版本。",
                        "This machine's program or models differ from the hub's, so it takes no part in scoring. Update it to the hub's version.",
                    ),
                ));
            }
            let models = vault.recognition_models()?;
            let work = vault.lease_scoring_job(worker, lease_ms)?.map(|lease| wire::Work {
                job_id: lease.job.id,
                token: lease.token,
                answer: lease.answer,
                language: lease.language,
                models,
                lease_until_ms: lease.until_ms,
            });
            Ok(wire::WorkResponse { work })
        })
        .await
        .map(Json)
}

async fn work_media(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::MediaRequest>,
) -> Result<Vec<u8>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, worker| {
            let mut bytes = Vec::new();
            vault.leased_media(worker, request.job_id, &request.token, request.media_id, &mut bytes)?;
            Ok(bytes)
        })
        .await
}

async fn work_result(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::ResultRequest>,
) -> Result<Json<wire::ResultResponse>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, worker| {
            let completion = vault.complete_leased_job(worker, request.job_id, &request.token, &request.record)?;
            // Totals need no models: the hub records them as soon as their answers are in.
            flow::scoring::record_ready_totals(vault)?;
            Ok(wire::ResultResponse { completion })
        })
        .await
        .map(Json)
}

async fn work_failed(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::FailedRequest>,
) -> Result<StatusCode, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    state
        .as_station(&peer, move |vault, worker| {
            vault.fail_leased_job(worker, request.job_id, &request.token, &request.code)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// A staff workstation's call of a staff-window command, run by the staff host.
async fn staff_call(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::StaffCall>,
) -> Result<Json<wire::StaffReply>, Failure> {
    let Json(call) = body.map_err(bad_body)?;
    let host = state.staff_host()?;
    let caller = state.workstation(&peer).await?;
    let reply = tokio::task::spawn_blocking(move || host.call(&caller, call)).await.map_err(|_| internal())??;
    Ok(Json(reply))
}

/// A recording segment for a workstation's review screen: decrypted in the hub's memory and
/// sent over this connection only.
async fn staff_media(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::StaffMedia>,
) -> Result<Vec<u8>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    let host = state.staff_host()?;
    let caller = state.workstation(&peer).await?;
    let bytes = tokio::task::spawn_blocking(move || host.media(&caller, &request)).await.map_err(|_| internal())??;
    Ok(bytes)
}

/// The progress a workstation's running call has sent (a job export's), asked beside the call.
async fn staff_progress(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    body: Body<wire::StaffProgress>,
) -> Result<Json<wire::StaffProgressReply>, Failure> {
    let Json(request) = body.map_err(bad_body)?;
    let host = state.staff_host()?;
    let caller = state.workstation(&peer).await?;
    let reply =
        tokio::task::spawn_blocking(move || host.progress(&caller, &request)).await.map_err(|_| internal())??;
    Ok(Json(reply))
}

/// Answers without touching the vault: lets an enrolling station see the hub's certificate
/// before it makes its proof.
async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn not_found() -> Failure {
    failure(StatusCode::NOT_FOUND, "office.not_found", Localized::new("没有这个地址。", "No such address."))
}

/// The one thread that owns the vault.
fn vault_worker(mut vault: Vault, jobs: std::sync::mpsc::Receiver<Job>) {
    while let Ok(job) = jobs.recv() {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut vault))).is_err() {
            tracing::error!("hub request panicked");
            vault.forget_pending_station_step();
        }
    }
}

/// The office authority (made the first time), then serves on `settings.listen` until
/// `shutdown` completes. `admin` is the administrator who started the hub. `on_listening` is
/// told the bound address and the SHA-256 of the office authority's certificate.
pub async fn serve(
    mut vault: Vault,
    admin: &Session,
    settings: HubSettings,
    on_listening: impl FnOnce(SocketAddr, &[u8; 32]),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), OfficeError> {
    if settings.listen.ip().is_unspecified() && settings.names.is_empty() {
        return Err(OfficeError::UnspecifiedListen(settings.listen));
    }
    let organisation = settings.organisation.clone();
    let authority = vault.office_authority(admin, || ca::new_authority(&organisation).map_err(|e| e.to_string()))?;
    // What a hub killed mid-store left behind (its stations send those entries again), and
    // totals that became ready while it was down.
    vault.remove_orphan_media(admin)?;
    flow::scoring::record_ready_totals(&mut vault)?;
    let identity = ca::hub_identity(&authority, &settings.hosts())?;
    let config = server_config(&authority, &identity)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| OfficeError::Bind { addr: settings.listen, source })?;
    let bound = listener.local_addr().map_err(OfficeError::Serve)?;
    let authority_sha256: [u8; 32] = Sha256::digest(&authority.cert_der).into();
    tracing::info!(%bound, "office hub listening");
    on_listening(bound, &authority_sha256);
    let (jobs, queue) = std::sync::mpsc::sync_channel(QUEUE);
    let worker = std::thread::Builder::new()
        .name("hub-vault".into())
        .spawn(move || vault_worker(vault, queue))
        .map_err(OfficeError::Serve)?;
    let local = settings.local_scoring.clone().map(|data_dir| {
        let worker = flow::worker::ScoringWorker::new(data_dir, Arc::new(|| false));
        worker.wake();
        worker
    });
    let state = Arc::new(HubState {
        jobs,
        enrolments: std::sync::Mutex::default(),
        versions: settings.versions.clone(),
        lease_ms: settings.lease.as_millis() as i64,
        local,
        hub_cert_sha256: identity.cert_sha256,
        authority_cert_der: authority.cert_der.clone(),
        authority: Arc::new(authority),
        staff: settings.staff.clone(),
    });
    let p = |path: &str| format!("{}{path}", wire::PREFIX);
    // A station's routes: a client certificate first, then the body (small unless it carries a
    // segment or a result).
    let stations = Router::new()
        .route(&p("/hello"), post(hello))
        .route(&p("/staff-check"), post(staff_check))
        .route(&p("/needs-identity"), post(needs_identity))
        .route(&p("/check-in"), post(check_in))
        .route(&p("/consent"), post(consent))
        .route(&p("/journal"), post(journal).layer(DefaultBodyLimit::max(MAX_BODY)))
        .route(&p("/work"), post(work))
        .route(&p("/work/media"), post(work_media))
        .route(&p("/work/result"), post(work_result).layer(DefaultBodyLimit::max(RESULT_BODY)))
        .route(&p("/work/failed"), post(work_failed))
        .route(&p("/staff/call"), post(staff_call).layer(DefaultBodyLimit::max(STAFF_CALL_BODY)))
        .route(&p("/staff/media"), post(staff_media))
        .route(&p("/staff/progress"), post(staff_progress))
        .route_layer(axum::middleware::from_fn(require_certificate));
    let app = Router::new()
        .route(&p("/ping"), post(ping))
        .route(&p("/enrol"), post(enrol))
        .merge(stations)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .with_state(state);
    let listener = Guarded::with_limits(
        TlsListener::new(listener, config).map_err(OfficeError::Serve)?,
        settings.idle_timeout,
        hrms::guard::PER_ADDRESS,
        hrms::guard::TOTAL,
    );
    axum::serve(listener, app.into_make_service_with_connect_info::<HubPeer>())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(OfficeError::Serve)?;
    let _ = tokio::task::spawn_blocking(move || worker.join()).await;
    tracing::info!("office hub stopped");
    Ok(())
}
