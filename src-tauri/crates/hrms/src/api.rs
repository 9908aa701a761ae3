//! The opt-in local HTTP API the agency's own systems call (`interview-kiosk api serve`). Off
//! unless an administrator starts it; on 127.0.0.1 unless the administrator gives a LAN address,
//! which is served only over TLS ([`crate::tls`]). Every call presents a token (`Authorization: Bearer …`) that the vault
//! checks against the operation's scope and audits; requests are rate-limited per token (keyed
//! on its digest) and, for refused tokens, per address; connections idle out and are capped
//! ([`crate::guard`]); bodies are size-limited; errors are JSON with a sentence in zh-CN and en. The OpenAPI document is
//! generated from this file ([`openapi_json`]), served at `/api/v1/openapi.json` and committed
//! as `openapi.json` next to this crate (a test fails when it is stale).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use interview::{Lang, Localized, UserFacing};
use report::ReportError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{OpenApi, ToSchema};
use vault::{CandidateFilter, NewCandidate, Vault, VaultError};

use crate::guard::Guarded;
use crate::tls::{TlsFiles, TlsListener};

/// How the API runs.
#[derive(Clone, Debug)]
pub struct ApiSettings {
    pub listen: SocketAddr,
    /// Sustained requests a second allowed per token (twice that in a burst).
    pub requests_per_second: u32,
    pub max_body_bytes: usize,
    /// Certificate and key to serve HTTPS with; required for any address beyond loopback.
    pub tls: Option<TlsFiles>,
    /// The clock reports are dated by (in the machine's zone).
    pub now: fn() -> OffsetDateTime,
    /// A connection with no byte moving for this long is closed (a half-sent request, an idle
    /// keep-alive).
    pub idle_timeout: std::time::Duration,
    /// The most connections one client address may hold open.
    pub connections_per_address: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            requests_per_second: 50,
            max_body_bytes: 64 * 1024,
            tls: None,
            now: OffsetDateTime::now_utc,
            idle_timeout: crate::guard::IDLE,
            connections_per_address: crate::guard::PER_ADDRESS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0} is not a loopback address and no TLS certificate was given")]
    NotLoopback(SocketAddr),
    #[error("TLS file {path}: {detail}")]
    Tls { path: PathBuf, detail: String },
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the API server stopped: {0}")]
    Serve(std::io::Error),
}

impl UserFacing for ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::NotLoopback(_) => "api.not_loopback",
            ApiError::Tls { .. } => "api.tls_files",
            ApiError::Certificate(_) => "api.certificate",
            ApiError::Bind { .. } => "api.bind",
            ApiError::Serve(_) => "api.serve",
        }
    }
    fn user_message(&self) -> Localized {
        match self {
            ApiError::NotLoopback(addr) => Localized::new(
                format!(
                    "不能在 {addr} 上以明文提供接口：局域网访问必须加密。请用 --tls-cert 和 --tls-key 指定证书与私钥，或使用 127.0.0.1。"
                ),
                format!(
                    "Cannot serve the API on {addr} unencrypted: access from the network must use TLS. Give a certificate and key with --tls-cert and --tls-key, or use 127.0.0.1."
                ),
            ),
            ApiError::Tls { path, .. } => Localized::new(
                format!("无法使用 TLS 文件 {}：文件缺失、格式不是 PEM，或私钥与证书不匹配。", path.display()),
                format!(
                    "Cannot use the TLS file {}: it is missing, not PEM, or the key does not belong to the certificate.",
                    path.display()
                ),
            ),
            ApiError::Certificate(_) => {
                Localized::new("无法生成证书，详情见日志。", "The certificate could not be made; see the log.")
            }
            ApiError::Bind { addr, .. } => Localized::new(
                format!("无法在 {addr} 上监听（端口可能已被占用）。"),
                format!("Cannot listen on {addr} (the port may be in use)."),
            ),
            ApiError::Serve(_) => {
                Localized::new("接口服务意外停止，详情见日志。", "The API server stopped unexpectedly; see the log.")
            }
        }
    }
}

// --- the wire types ---------------------------------------------------------------------------

/// JSON integers as JSON Schema counts them: `12` and also `12.0`.
fn integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!("{n} is not a whole number in range"))),
    }
}

/// One later outcome of a hired candidate, as the HRMS records it (the same words and forms as
/// the outcome file import).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeIn {
    /// The person's 18-character resident ID number (matched by its keyed hash).
    pub id_number: String,
    /// `probation` / 试用期, `rating` / 绩效, `left` / 离职.
    pub kind: String,
    /// The day, e.g. `2026-03-01`.
    pub date: String,
    /// passed/failed (通过/未通过); a rating on the scale; voluntary/involuntary (主动/被动).
    pub result: String,
    /// The rating scale when not the call's: `grades4` (优秀/称职/基本称职/不称职) or `points5`.
    pub scale: Option<String>,
}

/// Outcomes for candidates of one job: recorded all together, or none.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomesIn {
    #[serde(deserialize_with = "integer")]
    pub job_id: i64,
    /// The rating scale of records that do not name one (default `grades4`).
    pub scale: Option<String>,
    #[schema(max_items = 10000)]
    pub outcomes: Vec<OutcomeIn>,
}

/// The most outcome records one call may carry (the schema's `maxItems`); more are refused with
/// 422 `outcome.too_many`, so the HRMS sends them in several calls.
pub const MAX_OUTCOMES_PER_CALL: usize = 10_000;

/// The body limit of `POST /api/v1/outcomes` (unless the API's limit is larger): room for
/// [`MAX_OUTCOMES_PER_CALL`] full records (about 110 bytes each) and then some, so that a call
/// with too many records is answered with the count refused (422) rather than only "too large".
pub const OUTCOMES_MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    pub recorded: usize,
}

/// An error: a stable code and a sentence in both languages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateIn {
    #[serde(deserialize_with = "integer")]
    pub job_id: i64,
    pub name: String,
    /// 18-digit resident ID (checked), optional.
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A label for fairness statistics (an intake batch); never personal data.
    pub group: Option<String>,
    /// Résumé facts, for the job's personalised questions.
    pub resume: Option<ResumeIn>,
}

/// A candidate's résumé as facts (the import's columns, as JSON).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeIn {
    /// The highest education, as a word: 高中/中专 (or below), 大专, 本科, 硕士, 博士, or
    /// `secondary`, `associate`, `bachelor`, `master`, `doctorate`.
    pub education: Option<String>,
    #[schema(max_length = 200)]
    pub major: Option<String>,
    /// Whole years of work experience.
    #[schema(minimum = 0, maximum = 60)]
    pub years: Option<u8>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub employers: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub roles: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub skills: Vec<String>,
    /// Projects and work history as written (at most 10,000 characters through the API, to
    /// stay within its body limit; a clerk may keep up to 20,000).
    #[schema(max_length = 10000)]
    pub text: Option<String>,
}

/// The most characters of résumé text one API call may carry (the schema's `maxLength`).
pub const API_MAX_RESUME_TEXT: usize = 10_000;

impl ResumeIn {
    /// The facts, or why not (an education word not recognised, a field too long).
    fn facts(self) -> Result<interview::resume::ResumeFacts, Failure> {
        use interview::resume::{MAX_FIELD, MAX_ITEMS, ResumeError};
        // The schema's bounds, on the values as sent (before blanks and repeats are dropped).
        let refuse = |e: ResumeError| failure(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.user_message());
        if [&self.employers, &self.roles, &self.skills].iter().any(|list| list.len() > MAX_ITEMS) {
            return Err(refuse(ResumeError::TooManyItems));
        }
        if self.major.as_ref().is_some_and(|m| m.chars().count() > MAX_FIELD) {
            return Err(refuse(ResumeError::FieldTooLong));
        }
        if self.text.as_ref().is_some_and(|t| t.chars().count() > API_MAX_RESUME_TEXT) {
            return Err(failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                "resume.invalid",
                Localized::new(
                    format!("通过接口发送的简历正文最多 {API_MAX_RESUME_TEXT} 个字符。"),
                    format!("Résumé text sent through the API is at most {API_MAX_RESUME_TEXT} characters."),
                ),
            ));
        }
        let education = match self.education.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(word) => Some(interview::resume::Education::parse(word).ok_or_else(|| {
                let m = crate::import::RowProblem::UnknownEducation.message();
                failure(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "resume.unknown_education",
                    Localized::new(
                        format!("简历信息有误：{}。", m.zh_cn),
                        format!("The résumé facts are invalid: {}.", m.en),
                    ),
                )
            })?),
        };
        interview::resume::ResumeFacts {
            education,
            major: self.major,
            years: self.years,
            employers: self.employers,
            roles: self.roles,
            skills: self.skills,
            text: self.text.unwrap_or_default(),
        }
        .normalised()
        .map_err(|e| failure(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.user_message()))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandidateQuery {
    pub job_id: Option<i64>,
    /// Rows to skip (default 0).
    #[param(minimum = 0, maximum = 1_000_000_000)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<i64>,
    /// Rows to return (default 100).
    #[param(minimum = 1, maximum = 500)]
    #[schema(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub id: i64,
    pub job_id: i64,
    pub name: String,
    /// The last four characters of the ID number; the number itself never leaves the vault.
    pub id_last4: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatePageOut {
    pub rows: Vec<CandidateOut>,
    /// Whether another page follows (ask again with a larger offset).
    pub has_more: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    #[serde(deserialize_with = "integer")]
    pub candidate_id: i64,
    /// Milliseconds since 1970 (UTC).
    #[serde(deserialize_with = "integer")]
    pub valid_from_ms: i64,
    /// Must be later than `valid_from_ms`.
    #[serde(deserialize_with = "integer")]
    pub valid_until_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub interview_id: i64,
    /// As printed on the candidate's slip (`XXXX-XXXX`); returned this once only.
    pub access_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterviewOut {
    pub interview_id: i64,
    pub candidate_id: i64,
    pub job_id: i64,
    /// invited, checked_in, in_progress, completed, scored, reviewed, declined, …
    pub state: String,
    pub updated_at_ms: i64,
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResultQuery {
    pub job_id: Option<i64>,
    /// Interviews updated from this time (ms since 1970, default 0)…
    pub from_ms: Option<i64>,
    /// …up to (not including) this time (default: now and later).
    pub to_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DimensionLevel {
    pub dimension: String,
    /// The mean answer level 1–5, if scored.
    pub level: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultOut {
    pub candidate_id: i64,
    pub interview_id: i64,
    pub job: String,
    pub state: String,
    pub levels: Vec<DimensionLevel>,
    /// Weighted total 0–100, once scored.
    pub total: Option<f64>,
    pub band: Option<String>,
    /// The person's decision, once reviewed.
    pub decision: Option<String>,
    /// The latest signed candidate report's id (`interview-kiosk verify` checks a file against it).
    pub report_id: Option<String>,
}

// --- the server -------------------------------------------------------------------------------

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// What a rate-limit bucket is kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Limited {
    /// The calls of one token, keyed by a digest of the whole token: knowing the prefix that
    /// `api token list` prints is not enough to use up a real token's calls.
    Token([u8; 32]),
    /// Calls from one address whose token was refused (none, wrong, revoked).
    Refused(std::net::IpAddr),
}

/// Refused attempts allowed per address: a second's worth sustained, this many in a burst.
const REFUSED_PER_SECOND: f64 = 2.0;
const REFUSED_BURST: f64 = 10.0;
/// Buckets kept before the full ones (equal to none at all) are dropped.
const BUCKETS_PRUNE_AT: usize = 4_096;
/// Beyond this many partly used buckets, a caller without one waits until some refill.
const BUCKETS_MAX: usize = 65_536;

fn too_many() -> Failure {
    failure(
        StatusCode::TOO_MANY_REQUESTS,
        "api.rate_limited",
        Localized::new("请求过于频繁，请稍后再试。", "Too many requests; try again in a moment."),
    )
}

/// Calls waiting for the vault worker; beyond this many, a call is answered 503 at once.
const QUEUE: usize = 1024;
/// The most calls one audit flush answers.
const MAX_BATCH: usize = 256;

/// What the worker tells a call once its batch is flushed.
type Finish = Box<dyn FnOnce(Result<(), Failure>) + Send>;
/// A call to run on the vault; returns how to answer once the audit log holds its entry.
type Job = Box<dyn FnOnce(&mut Vault) -> Finish + Send>;

struct ApiState {
    jobs: std::sync::mpsc::SyncSender<Job>,
    buckets: Mutex<HashMap<Limited, Bucket>>,
    settings: ApiSettings,
}

/// The one thread that owns the vault: it runs the calls queued since its last round, then
/// commits all their audit entries at once (group commit), and only then answers them. A call
/// is thus never answered before its audit entry is durable, and the cost of that (a commit and
/// a checkpoint, three fsyncs) is shared by every call in the round.
fn vault_worker(mut vault: Vault, jobs: std::sync::mpsc::Receiver<Job>) {
    if let Err(error) = vault.set_audit_batching(true) {
        tracing::error!(detail = %error, "API: audit batching could not start");
        return;
    }
    while let Ok(first) = jobs.recv() {
        let mut finishers = Vec::new();
        // The calls up to this one have their audit entries committed already: a change commits
        // the entries held before it in its own transaction. They are answered as they ran,
        // whatever the flush below does (a change that committed is never reported as failed).
        let mut committed = 0;
        let mut next = Some(first);
        while let Some(job) = next.take() {
            // A panicking call drops its answer (the handler then reports an internal error);
            // the others in the round go on.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut vault))) {
                Ok(finish) => finishers.push(finish),
                Err(_) => tracing::error!("API call panicked"),
            }
            if !vault.audit_held() {
                committed = finishers.len();
            }
            if finishers.len() < MAX_BATCH {
                next = jobs.try_recv().ok();
            }
        }
        let flushed = vault.flush_audit();
        if let Err(error) = &flushed {
            tracing::error!(code = error.code(), detail = %error, calls = finishers.len(), "API: audit entries could not be committed");
        }
        for (index, finish) in finishers.into_iter().enumerate() {
            finish(match &flushed {
                _ if index < committed => Ok(()),
                Ok(()) => Ok(()),
                Err(error) if error.is_disk_full() => {
                    Err(failure(StatusCode::INSUFFICIENT_STORAGE, error.code(), error.user_message()))
                }
                Err(_) => Err(failure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "api.audit_failed",
                    Localized::new(
                        "无法写入审计日志，请求未执行完成。请联系管理员检查磁盘。",
                        "The audit log could not be written, so the request was not completed. Ask the administrator to check the disk.",
                    ),
                )),
            });
        }
    }
    // Every sender is gone: the server has stopped. Dropping the vault commits anything held.
}

/// What a handler answers with when it cannot do the call.
struct Failure(StatusCode, ErrorBody);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

fn failure(status: StatusCode, code: &str, message: Localized) -> Failure {
    Failure(status, ErrorBody { code: code.into(), zh_cn: message.zh_cn, en: message.en })
}

impl From<VaultError> for Failure {
    fn from(error: VaultError) -> Failure {
        let status = match &error {
            VaultError::ApiTokenRefused => StatusCode::UNAUTHORIZED,
            VaultError::NoSuchObject { .. } => StatusCode::NOT_FOUND,
            VaultError::Rule(_) | VaultError::IdempotencyKeyReused | VaultError::OutcomeRefused { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            VaultError::DuplicateCandidate => StatusCode::CONFLICT,
            // Not the caller's fault and not a bug: the hub's disk is full (the sentence says so).
            _ if error.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = error.code(), detail = %error, "API call failed");
        }
        failure(status, error.code(), error.user_message())
    }
}

impl From<ReportError> for Failure {
    fn from(error: ReportError) -> Failure {
        match error {
            ReportError::Vault(error) => Failure::from(error),
            ReportError::NotFinal => failure(StatusCode::CONFLICT, error.code(), error.user_message()),
            error => {
                tracing::error!(code = error.code(), detail = %error, "API report failed");
                failure(StatusCode::INTERNAL_SERVER_ERROR, error.code(), error.user_message())
            }
        }
    }
}

/// A malformed request. What was wrong is logged by kind only: a rejection's text (serde's
/// message) can quote the value sent, such as a candidate's name or ID number.
fn bad_request<R>(_rejection: R) -> Failure {
    tracing::info!(kind = std::any::type_name::<R>(), "API request refused");
    failure(
        StatusCode::BAD_REQUEST,
        "api.bad_request",
        Localized::new(
            "请求格式不正确，请对照接口文档检查。",
            "The request is malformed; check it against the API document.",
        ),
    )
}

/// A body that could not be read: too large (413), or not the JSON the operation takes (400).
fn bad_body(rejection: JsonRejection) -> Failure {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return failure(
            StatusCode::PAYLOAD_TOO_LARGE,
            "api.too_large",
            Localized::new("请求内容过大。", "The request body is too large."),
        );
    }
    bad_request(rejection)
}

/// The request's `Idempotency-Key`, if it has one, bound to a digest of the parsed request
/// (`operation` and its JSON): a retry with the same key returns the first result.
fn idempotency<T: Serialize>(headers: &HeaderMap, request: &T) -> Result<Option<vault::Idempotency>, Failure> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| bad_request("Idempotency-Key is not 1 to 255 visible ASCII characters"))?;
    let json = serde_json::to_vec(request).map_err(|_| internal())?;
    Ok(Some(vault::Idempotency {
        key: key.to_owned(),
        request_sha256: <sha2::Sha256 as sha2::Digest>::digest(&json).into(),
    }))
}

/// The header a creating call may carry (draft-ietf-httpapi-idempotency-key-header).
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Headers of a created resource: `Idempotent-Replayed: true` when it is the stored result of an
/// earlier call with the same key.
fn created_headers(replayed: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    headers
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
        .to_owned()
}

impl ApiState {
    /// The rate and burst of a bucket.
    fn limits(&self, key: Limited) -> (f64, f64) {
        match key {
            Limited::Token(_) => {
                let rate = f64::from(self.settings.requests_per_second.max(1));
                (rate, rate * 2.0)
            }
            Limited::Refused(_) => (REFUSED_PER_SECOND, REFUSED_BURST),
        }
    }

    /// Takes one call from `key`'s bucket (`take`), or only checks one is left. The map stays
    /// bounded: full buckets are dropped when it grows, and a new key is refused while it is at
    /// its cap.
    fn bucket(&self, key: Limited, take: bool) -> Result<(), Failure> {
        let (rate, burst) = self.limits(key);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if !buckets.contains_key(&key) {
            if !take {
                return Ok(()); // no bucket is a full one
            }
            if buckets.len() >= BUCKETS_PRUNE_AT {
                buckets.retain(|k, b| {
                    let (rate, burst) = self.limits(*k);
                    b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst
                });
            }
            if buckets.len() >= BUCKETS_MAX {
                return Err(too_many());
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: burst, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens < 1.0 {
            return Err(too_many());
        }
        if take {
            bucket.tokens -= 1.0;
        }
        Ok(())
    }

    /// A call's token was refused: the address pays for the attempt, and the bucket taken under
    /// the presented (unknown) token is dropped, so random tokens leave nothing behind.
    fn refused(&self, token: Limited, address: std::net::IpAddr) {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner()).remove(&token);
        let _ = self.bucket(Limited::Refused(address), true);
    }

    /// Runs `call` on the vault worker after the rate limit, and answers once the round it ran
    /// in has been committed to the audit log.
    async fn call<T: Send + 'static, E: Into<Failure> + Send + 'static>(
        self: &Arc<Self>,
        headers: &HeaderMap,
        peer: SocketAddr,
        call: impl FnOnce(&mut Vault, &str, &str) -> Result<T, E> + Send + 'static,
    ) -> Result<T, Failure> {
        let token = bearer(headers);
        // An address whose recent tokens were refused waits before it may try again; then the
        // presented token's own bucket.
        let key = Limited::Token(<sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).into());
        // A token that was accepted before has a bucket (refused ones lose theirs): it is not
        // held up by bad attempts from its address.
        let known = self.buckets.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&key);
        if !known {
            self.bucket(Limited::Refused(peer.ip()), false)?;
        }
        self.bucket(key, true)?;
        let device = peer.ip().to_string();
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |vault: &mut Vault| {
            let result = call(vault, &token, &device).map_err(Into::into);
            Box::new(move |flushed: Result<(), Failure>| {
                let _ = answer.send(flushed.and(result));
            })
        });
        self.jobs.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "api.busy",
                Localized::new("服务繁忙，请稍后再试。", "The service is busy; try again in a moment."),
            ),
            std::sync::mpsc::TrySendError::Disconnected(_) => internal(),
        })?;
        let answer = answered.await.map_err(|_| internal())?;
        if matches!(&answer, Err(Failure(StatusCode::UNAUTHORIZED, _))) {
            self.refused(key, peer.ip());
        }
        answer
    }
}

fn internal() -> Failure {
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        "api.internal",
        Localized::new("内部错误，详情见日志。", "Internal error; see the log."),
    )
}

type Shared = State<Arc<ApiState>>;
type Peer = ConnectInfo<SocketAddr>;

/// List candidates.
#[utoipa::path(get, path = "/api/v1/candidates", params(CandidateQuery), security(("token" = ["candidates:read"])),
    responses((status = 200, body = CandidatePageOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn list_candidates(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    query: Result<Query<CandidateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CandidatePageOut>, Failure> {
    let Query(q) = query.map_err(bad_request)?;
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100);
    if !(0..=1_000_000_000).contains(&offset) || !(1..=500).contains(&limit) {
        return Err(bad_request("offset or limit out of range"));
    }
    let filter = CandidateFilter { job_id: q.job_id, offset: offset as u32, limit: limit as u32, ..Default::default() };
    let page = state.call(&headers, peer, move |v, t, d| v.api_list_candidates(t, d, &filter)).await?;
    Ok(Json(CandidatePageOut {
        rows: page
            .rows
            .into_iter()
            .map(|r| CandidateOut { id: r.id, job_id: r.job_id, name: r.name, id_last4: r.id_last4 })
            .collect(),
        has_more: page.has_more,
    }))
}

/// Add a candidate. With an `Idempotency-Key`, a retry of the same request within 24 hours
/// returns the first result (header `Idempotent-Replayed: true`) instead of adding the candidate
/// again; the same key with another request is refused (422).
#[utoipa::path(post, path = "/api/v1/candidates", request_body = CandidateIn, security(("token" = ["candidates:write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first result (1–255 visible ASCII characters, kept 24 hours).")),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "A candidate of this job already has this ID number."), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 507, body = ErrorBody, description = "The disk is full; nothing was changed.")))]
async fn add_candidate(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Result<Json<CandidateIn>, JsonRejection>,
) -> Result<(StatusCode, HeaderMap, Json<Created>), Failure> {
    let Json(mut c) = body.map_err(bad_body)?;
    let idem = idempotency(&headers, &c);
    let resume = c.resume.take().map(ResumeIn::facts).transpose();
    let candidate = NewCandidate {
        job_id: c.job_id,
        name: c.name,
        id_number: c.id_number,
        phone: c.phone,
        email: c.email,
        group: c.group,
    };
    let created = state
        .call(&headers, peer, move |v, t, d| -> Result<_, Failure> {
            // The caller is authenticated (and audited) before a malformed key is refused.
            let idem = match idem {
                Ok(idem) => idem,
                Err(refused) => {
                    return Err(v.api_session(t, "candidates:write", d).map_or_else(Failure::from, |_| refused));
                }
            };
            // Authenticated (and audited) first, as for a malformed key.
            let resume = match resume {
                Ok(resume) => resume,
                Err(refused) => {
                    return Err(v.api_session(t, "candidates:write", d).map_or_else(Failure::from, |_| refused));
                }
            };
            Ok(v.api_add_candidate_with_resume(t, d, candidate, resume, idem.as_ref())?)
        })
        .await?;
    Ok((StatusCode::CREATED, created_headers(created.replayed), Json(Created { id: created.value })))
}

/// Invite a candidate: returns the access code for the printed slip (this once only, and to
/// retries of the same call with its `Idempotency-Key` within 24 hours).
#[utoipa::path(post, path = "/api/v1/invitations", request_body = InvitationIn, security(("token" = ["invitations:write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first result (1–255 visible ASCII characters, kept 24 hours).")),
    responses((status = 201, body = InvitationOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 507, body = ErrorBody, description = "The disk is full; nothing was changed.")))]
async fn issue_invitation(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Result<Json<InvitationIn>, JsonRejection>,
) -> Result<(StatusCode, HeaderMap, Json<InvitationOut>), Failure> {
    let Json(i) = body.map_err(bad_body)?;
    let idem = idempotency(&headers, &i);
    let created = state
        .call(&headers, peer, move |v, t, d| -> Result<_, Failure> {
            let idem = match idem {
                Ok(idem) => idem,
                Err(refused) => {
                    return Err(v.api_session(t, "invitations:write", d).map_or_else(Failure::from, |_| refused));
                }
            };
            Ok(v.api_issue_invitation(t, d, i.candidate_id, i.valid_from_ms, i.valid_until_ms, idem.as_ref())?)
        })
        .await?;
    let (interview_id, code) = created.value;
    Ok((
        StatusCode::CREATED,
        created_headers(created.replayed),
        Json(InvitationOut { interview_id, access_code: code.display() }),
    ))
}

/// Record later outcomes of hired candidates (probation, ratings, leaving). Every record is
/// checked first — the candidate of this job by ID number, a decided interview, the date after
/// the decision and not after today, no duplicate or contradiction with what is recorded — and
/// either all are recorded in one transaction or none (422 naming each problem by its index). A
/// retry of a call that was recorded is refused as a duplicate, so nothing is recorded twice. At
/// most 10,000 records a call (422 `outcome.too_many` beyond); the body may be up to 4 MiB.
#[utoipa::path(post, path = "/api/v1/outcomes", request_body = OutcomesIn, security(("token" = ["outcomes:write"])),
    responses((status = 201, body = Recorded), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 507, body = ErrorBody, description = "The disk is full; nothing was changed.")))]
async fn record_outcomes(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Result<Json<OutcomesIn>, JsonRejection>,
) -> Result<(StatusCode, Json<Recorded>), Failure> {
    let Json(body) = body.map_err(bad_body)?;
    if body.outcomes.len() > MAX_OUTCOMES_PER_CALL {
        return Err(failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "outcome.too_many",
            Localized::new(
                format!("一次最多记录 {MAX_OUTCOMES_PER_CALL} 条结果，请分几次发送；没有记录任何结果。"),
                format!(
                    "One call records at most {MAX_OUTCOMES_PER_CALL} outcomes; send them in several calls. Nothing was recorded."
                ),
            ),
        ));
    }
    let offset = i32::from((state.settings.now)().offset().whole_minutes());
    let recorded = state
        .call(&headers, peer, move |v, t, d| -> Result<usize, Failure> {
            let session = v.api_session(t, "outcomes:write", d)?;
            let scale = match body.scale.as_deref() {
                None => interview::outcomes::RatingScale::Grades4,
                Some(named) => interview::outcomes::RatingScale::parse(named).ok_or_else(|| {
                    let m = interview::outcomes::OutcomeProblem::UnknownScale.message();
                    failure(StatusCode::UNPROCESSABLE_ENTITY, "outcome.unknown_scale", m)
                })?,
            };
            // The same checks as a file, over the call's records laid out as one.
            let table = crate::import::Table {
                headers: ["id", "type", "date", "result", "scale"].map(String::from).to_vec(),
                rows: body
                    .outcomes
                    .into_iter()
                    .map(|o| vec![o.id_number, o.kind, o.date, o.result, o.scale.unwrap_or_default()])
                    .collect(),
            };
            let lookup = v.outcome_lookup(&session, body.job_id, offset)?;
            let mapping = crate::outcomes::OutcomeMapping::guess(&table.headers);
            let checked = crate::outcomes::check(&table, &mapping, scale, &lookup)
                .map_err(|e| failure(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.user_message()))?;
            if !checked.errors.is_empty() {
                let each = |lang: Lang| {
                    checked
                        .errors
                        .iter()
                        .take(20)
                        .map(|e| format!("#{}: {}", e.line - 2, e.problem.message().get(lang)))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                return Err(failure(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "outcome.refused",
                    Localized::new(
                        format!("没有记录任何结果，{} 条有问题：{}", checked.errors.len(), each(Lang::ZhCn)),
                        format!(
                            "Nothing was recorded; {} records have problems: {}",
                            checked.errors.len(),
                            each(Lang::En)
                        ),
                    ),
                ));
            }
            Ok(v.record_outcomes(&session, body.job_id, &checked.outcomes(), offset)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Recorded { recorded })))
}

/// An interview's state.
#[utoipa::path(get, path = "/api/v1/interviews/{id}", params(("id" = i64, Path, description = "interview id")),
    security(("token" = ["interviews:read"])),
    responses((status = 200, body = InterviewOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn interview_status(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> Result<Json<InterviewOut>, Failure> {
    let Path(id) = id.map_err(bad_request)?;
    let s = state.call(&headers, peer, move |v, t, d| v.api_interview_status(t, d, id)).await?;
    Ok(Json(InterviewOut {
        interview_id: s.interview_id,
        candidate_id: s.candidate_id,
        job_id: s.job_id,
        state: s.state,
        updated_at_ms: s.updated_at_ms,
    }))
}

/// Results (levels per dimension, total, band, decision) for a job or a period.
#[utoipa::path(get, path = "/api/v1/results", params(ResultQuery), security(("token" = ["results:read"])),
    responses((status = 200, body = Vec<ResultOut>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn results(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    query: Result<Query<ResultQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ResultOut>>, Failure> {
    let Query(q) = query.map_err(bad_request)?;
    let (from, to) = (q.from_ms.unwrap_or(0), q.to_ms.unwrap_or(i64::MAX));
    let rows = state.call(&headers, peer, move |v, t, d| v.api_results(t, d, q.job_id, from, to)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ResultOut {
                candidate_id: r.candidate_id,
                interview_id: r.interview_id,
                job: r.job,
                state: r.state,
                levels: r.levels.into_iter().map(|(dimension, level)| DimensionLevel { dimension, level }).collect(),
                total: r.total,
                band: r.band,
                decision: r.decision,
                report_id: r.report_id,
            })
            .collect(),
    ))
}

/// A signed PDF file (as the OpenAPI document describes it; the handler sends the bytes).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(pub Vec<u8>);

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The report's language (default: the organisation's report language).
    #[param(value_type = Option<String>, pattern = "^(zh-CN|en)$")]
    pub lang: Option<String>,
}

/// The signed PDF report of a decided interview, signed and registered anew on each call (the
/// `X-Report-Id` header names it; `interview-kiosk verify` checks the file against it). An
/// interview not yet decided has no final report (409).
#[utoipa::path(get, path = "/api/v1/interviews/{id}/report", params(("id" = i64, Path, description = "interview id"), ReportQuery),
    security(("token" = ["reports:read"])),
    responses((status = 200, content_type = "application/pdf", body = PdfFile,
            headers(("X-Report-Id" = String, description = "the report's id in the register"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn interview_report(
    State(state): Shared,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    id: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Failure> {
    let Path(id) = id.map_err(bad_request)?;
    let Query(q) = query.map_err(bad_request)?;
    let lang = match q.lang.as_deref() {
        None => None,
        Some(l @ ("zh-CN" | "en")) => l.parse::<interview::Lang>().ok(),
        Some(_) => return Err(bad_request("unknown report language")),
    };
    let now = (state.settings.now)();
    let exported = state
        .call(&headers, peer, move |v, t, d| -> Result<report::Exported, Failure> {
            let session = v.api_session(t, "reports:read", d)?;
            Ok(report::export::export_final_candidate(v, &session, id, lang, now)?)
        })
        .await?;
    let report_id = HeaderValue::from_str(&exported.report_id).map_err(bad_request)?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}.pdf\"", exported.report_id)).map_err(bad_request)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static("x-report-id"), report_id),
        ],
        exported.pdf,
    )
        .into_response())
}

async fn openapi_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], openapi_json())
}

async fn not_found() -> Failure {
    failure(StatusCode::NOT_FOUND, "api.not_found", Localized::new("没有这个接口。", "No such endpoint."))
}

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("an API token (`interview-kiosk api token create`)"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Interview Kiosk local API", description = "The opt-in API the agency's own systems call on this machine. Every call needs a token with the operation's scope, and is audited.", license(name = "Apache-2.0")),
    paths(list_candidates, add_candidate, issue_invitation, record_outcomes, interview_status, interview_report, results),
    components(schemas(ErrorBody, CandidateIn, Created, CandidateOut, CandidatePageOut, InvitationIn, InvitationOut, OutcomeIn, OutcomesIn, Recorded, InterviewOut, DimensionLevel, ResultOut)),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// The OpenAPI document, as served and as committed (`openapi.json` of this crate).
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_pretty_json().unwrap_or_default() + "\n"
}

/// The routes, over an open vault, and the worker thread that owns it (it ends, and the vault
/// is closed, once the router and every connection using it are gone).
pub fn router(vault: Vault, settings: ApiSettings) -> Result<(Router, std::thread::JoinHandle<()>), ApiError> {
    let max_body = settings.max_body_bytes;
    let (jobs, queue) = std::sync::mpsc::sync_channel(QUEUE);
    let worker = std::thread::Builder::new()
        .name("api-vault".into())
        .spawn(move || vault_worker(vault, queue))
        .map_err(ApiError::Serve)?;
    let state = Arc::new(ApiState { jobs, buckets: Mutex::new(HashMap::new()), settings });
    let router = Router::new()
        .route("/api/v1/openapi.json", get(openapi_document))
        .route("/api/v1/candidates", get(list_candidates).post(add_candidate))
        .route("/api/v1/invitations", post(issue_invitation))
        .route("/api/v1/outcomes", post(record_outcomes).layer(DefaultBodyLimit::max(max_body.max(OUTCOMES_MAX_BODY))))
        .route("/api/v1/interviews/{id}", get(interview_status))
        .route("/api/v1/interviews/{id}/report", get(interview_report))
        .route("/api/v1/results", get(results))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state);
    Ok((router, worker))
}

/// Refuses an address beyond this machine unless the API is served over TLS.
pub fn check_listen(addr: SocketAddr, tls: bool) -> Result<(), ApiError> {
    if addr.ip().is_loopback() || tls { Ok(()) } else { Err(ApiError::NotLoopback(addr)) }
}

/// Binds `settings.listen` and serves until `shutdown` completes. `on_listening` is told the
/// bound address (useful with port 0).
pub async fn serve(
    vault: Vault,
    settings: ApiSettings,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    check_listen(settings.listen, settings.tls.is_some())?;
    // Read the certificate before binding, so a bad file leaves no port open.
    let tls = settings.tls.as_ref().map(crate::tls::server_config).transpose()?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| ApiError::Bind { addr: settings.listen, source })?;
    let bound = listener.local_addr().map_err(ApiError::Serve)?;
    tracing::info!(%bound, tls = tls.is_some(), "API listening");
    on_listening(bound);
    let (router, worker) = router(vault, settings.clone())?;
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        // Every connection idles out and is capped per address and in all (`guard`).
        None => {
            // The outer tap makes the peer address available to handlers (axum's `ConnectInfo`
            // is implemented for tapped listeners).
            let tapped = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let listener = Guarded::with_limits(
                tapped,
                settings.idle_timeout,
                settings.connections_per_address,
                crate::guard::TOTAL,
            )
            .tap_io(|_| {});
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(ApiError::Serve)?
        }
        Some(config) => {
            // No-delay is set before the handshake (which has its own deadline).
            let listener = Guarded::with_limits(
                TlsListener::new(listener, config).map_err(ApiError::Serve)?,
                settings.idle_timeout,
                settings.connections_per_address,
                crate::guard::TOTAL,
            )
            .tap_io(|_| {});
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await.map_err(ApiError::Serve)?
        }
    }
    // Wait for the worker to commit what it holds and close the vault.
    let _ = tokio::task::spawn_blocking(move || worker.join()).await;
    tracing::info!("API stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_openapi_document_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let current = openapi_json();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &current).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "{} is stale: run `UPDATE_OPENAPI=1 cargo test -p hrms --lib openapi` and commit it",
            path.display()
        );
    }

    #[test]
    fn beyond_loopback_only_over_tls() {
        assert!(check_listen("127.0.0.1:8787".parse().unwrap_or_else(|_| unreachable!()), false).is_ok());
        assert!(check_listen("[::1]:8787".parse().unwrap_or_else(|_| unreachable!()), false).is_ok());
        let lan: SocketAddr = "192.168.1.10:8787".parse().unwrap_or_else(|_| unreachable!());
        assert!(matches!(check_listen(lan, false), Err(ApiError::NotLoopback(_))));
        assert!(check_listen(lan, true).is_ok());
        assert!(check_listen("0.0.0.0:8787".parse().unwrap_or_else(|_| unreachable!()), false).is_err());
    }
}
