#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test
//! The local API served on loopback over real TCP against a real encrypted vault: tokens and
//! scopes, refusals and their audit entries, malformed and oversized bodies, the rate limit, and
//! the served OpenAPI document. (keyring-core's mock store holds the vault key.)

mod support;

use std::net::SocketAddr;

use hrms::api::{ApiSettings, serve};
use interview::{Bands, Lang, Role, Weight};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vault::{NewJob, NewUser, Vault};

const PASSWORD: &str = "a long enough password";

/// One HTTP/1.1 request; returns the status and the body.
async fn request(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

struct Served {
    addr: SocketAddr,
    token: String,
    narrow: String,
    job: i64,
    dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    data: std::path::PathBuf,
}

async fn start(requests_per_second: u32) -> Served {
    start_with(requests_per_second, |_| {}).await
}

async fn start_with(requests_per_second: u32, adjust: impl FnOnce(&mut ApiSettings)) -> Served {
    start_prepared(requests_per_second, adjust, |_, _, _, _| {}).await
}

/// [`start_with`], with `prepare` run on the vault (with the administrator's and the clerk's
/// sessions and the job) before it is served.
async fn start_prepared(
    requests_per_second: u32,
    adjust: impl FnOnce(&mut ApiSettings),
    prepare: impl FnOnce(&mut Vault, &vault::Session, &vault::Session, i64),
) -> Served {
    // One mock credential store for every test of this file: a store set per test replaced
    // another test's while it still had to reopen its vault (tests run in parallel).
    static STORE: std::sync::Once = std::sync::Once::new();
    STORE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let user = |n: &str, role| NewUser { username: n.into(), display_name: n.into(), role, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(&data, user("admin", Role::Admin)).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    vault.create_user(&admin, user("clerk", Role::Clerk)).unwrap();
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "窗口服务".into(),
                language: Lang::ZhCn,
                dimensions: vec![Weight { dimension: "沟通能力".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    prepare(&mut vault, &admin, &clerk, job);
    let all: Vec<String> = vault::API_SCOPES.iter().map(|s| s.to_string()).collect();
    let (_, token) = vault.create_api_token(&admin, "HRMS", &all, 30).unwrap();
    let (_, narrow) = vault.create_api_token(&admin, "Reader", &["results:read".to_owned()], 30).unwrap();
    let mut settings = ApiSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        requests_per_second,
        max_body_bytes: 4096,
        ..ApiSettings::default()
    };
    adjust(&mut settings);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        serve(vault, settings, move |addr| bound_tx.send(addr).unwrap(), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let addr = bound_rx.await.unwrap();
    Served {
        addr,
        token: token.to_string(),
        narrow: narrow.to_string(),
        job,
        dir: Some(dir),
        stop: Some(stop),
        task,
        data,
    }
}

/// The API's refusals in the audit log: (entries, refusals they stand for). Repeated unknown
/// tokens from one address are one entry and one count a minute
/// (`api_token:?/repeated:N`), not a row per attempt.
fn refusals(log: &[vault::AuditRow]) -> (usize, usize) {
    let denied: Vec<_> = log.iter().filter(|r| r.action.starts_with("api.") && r.outcome == "denied").collect();
    let counted =
        denied.iter().map(|r| r.object.rsplit_once("/repeated:").map_or(1, |(_, n)| n.parse::<usize>().unwrap())).sum();
    (denied.len(), counted)
}

impl Served {
    /// Stops the server and reopens its vault (the directory lives as long as the vault).
    async fn stop(mut self) -> (Vault, tempfile::TempDir) {
        self.stop.take().unwrap().send(()).unwrap();
        (&mut self.task).await.unwrap();
        (Vault::open(&self.data).unwrap(), self.dir.take().unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_serves_scoped_token_holders_and_refuses_everyone_else() {
    let s = start(1000).await;
    let (addr, token) = (s.addr, s.token.clone());

    let (status, doc) = request(addr, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(doc, hrms::api::openapi_json());

    // Nobody without a valid token gets anything.
    for t in [None, Some("ikt_guess"), Some("")] {
        let (status, body) = request(addr, "GET", "/api/v1/candidates", t, None).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("api.token_refused") && body.contains("zh-CN"), "{body}");
    }
    // A token without the scope is refused too.
    let (status, _) = request(addr, "GET", "/api/v1/candidates", Some(&s.narrow), None).await;
    assert_eq!(status, 401);

    let body =
        format!(r#"{{"job_id":{},"name":"赵六","id_number":"11010519491231002X","phone":"13800000000"}}"#, s.job);
    let (status, created) = request(addr, "POST", "/api/v1/candidates", Some(&token), Some(&body)).await;
    assert_eq!(status, 201, "{created}");
    let id: i64 = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"].as_i64().unwrap();
    let (status, page) =
        request(addr, "GET", &format!("/api/v1/candidates?job_id={}", s.job), Some(&token), None).await;
    assert_eq!(status, 200);
    assert!(page.contains("赵六") && page.contains("002X") && !page.contains("11010519491231002X"), "{page}");

    let invite = format!(r#"{{"candidate_id":{id},"valid_from_ms":0,"valid_until_ms":4102444800000}}"#);
    let (status, invitation) = request(addr, "POST", "/api/v1/invitations", Some(&token), Some(&invite)).await;
    assert_eq!(status, 201, "{invitation}");
    let invitation: serde_json::Value = serde_json::from_str(&invitation).unwrap();
    assert_eq!(invitation["access_code"].as_str().unwrap().len(), 9);
    let interview = invitation["interview_id"].as_i64().unwrap();
    let (status, state) = request(addr, "GET", &format!("/api/v1/interviews/{interview}"), Some(&token), None).await;
    assert_eq!((status, state.contains(r#""state":"invited""#)), (200, true), "{state}");
    let (status, results) =
        request(addr, "GET", &format!("/api/v1/results?job_id={}", s.job), Some(&s.narrow), None).await;
    assert_eq!(status, 200, "{results}");
    assert!(results.contains(&format!(r#""interview_id":{interview}"#)));

    // Bad input: a clear JSON error, nothing changed.
    for (method, path, body, want) in [
        ("POST", "/api/v1/candidates", "{not json", 400),
        ("POST", "/api/v1/candidates", r#"{"job_id":1,"name":"x","extra":1}"#, 400),
        ("POST", "/api/v1/candidates", r#"{"job_id":1,"name":"x","id_number":"123"}"#, 422),
        ("POST", "/api/v1/candidates", r#"{"job_id":999,"name":"x"}"#, 404),
        ("GET", "/api/v1/interviews/abc", "", 400),
        ("GET", "/api/v1/interviews/999", "", 404),
        ("GET", "/api/v1/candidates?limit=-1", "", 400),
        ("GET", "/api/v1/nothing", "", 404),
    ] {
        let (status, body) = request(addr, method, path, Some(&token), Some(body)).await;
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(body.contains("\"code\""), "{method} {path}: {body}");
    }
    // What the attack pass got in that the importer refuses: one rule for both now (422), and
    // the same ID number twice in a job is a conflict (409), not a server error.
    let job = s.job;
    for (body, want) in [
        (format!(r#"{{"job_id":{job},"name":"   "}}"#), 422),
        (format!(r#"{{"job_id":{job},"name":""}}"#), 422),
        (format!(r#"{{"job_id":{job},"name":"x","phone":"not a phone; DROP TABLE"}}"#), 422),
        (format!(r#"{{"job_id":{job},"name":"x","email":"@@@"}}"#), 422),
        (body.clone(), 409),
    ] {
        let (status, answer) = request(addr, "POST", "/api/v1/candidates", Some(&token), Some(&body)).await;
        assert_eq!(status, want, "{body}: {answer}");
        assert!(answer.contains("\"code\""), "{body}: {answer}");
    }
    let huge = format!(r#"{{"job_id":1,"name":"{}"}}"#, "x".repeat(10_000));
    let (status, _) = request(addr, "POST", "/api/v1/candidates", Some(&token), Some(&huge)).await;
    assert_eq!(status, 413);

    // Every call was audited: the refusals as denied, the calls as the system that made them.
    let (mut vault, _dir) = s.stop().await;
    let auditor_admin = vault.login("admin", PASSWORD, "desk").unwrap();
    let log = vault.audit_log(&auditor_admin, None, 1000).unwrap();
    assert_eq!(
        refusals(&log),
        (3, 4),
        "three without a valid token (one entry and one count of the two that repeated it), one without the scope"
    );
    assert!(log.iter().any(|r| r.action == "candidate.create" && r.actor == "api:HRMS"));
    assert!(log.iter().any(|r| r.action == "invitation.create" && r.actor == "api:HRMS"));
    vault.check(&auditor_admin).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_calls_too_often_is_slowed_down() {
    let s = start(5).await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(request(s.addr, "GET", "/api/v1/results", Some(&s.narrow), None).await.0);
    }
    assert!(statuses[..10].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Other callers are not affected.
    assert_eq!(request(s.addr, "GET", "/api/v1/results", Some(&s.token), None).await.0, 200);
    s.stop().await;
}

/// The attack pass: the limit was keyed on the first 12 characters of whatever token was sent,
/// so random tokens were never limited (and each wrote an audit row), and the prefix that
/// `api token list` prints let anyone use up a real token's calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_tokens_are_limited_per_address_and_cannot_starve_a_real_one() {
    let s = start(5).await;
    assert_eq!(request(s.addr, "GET", "/api/v1/results", Some(&s.narrow), None).await.0, 200);
    let prefix: String = s.narrow.chars().take(12).collect();
    let mut statuses = Vec::new();
    for i in 0..200 {
        let fake = format!("{prefix}{i:032}");
        statuses.push(request(s.addr, "GET", "/api/v1/results", Some(&fake), None).await.0);
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused <= 20 && refused + limited == 200, "{refused} refused, {limited} limited: {statuses:?}");
    // The real token, whose listed prefix every fake one shared, still has its calls.
    for _ in 0..5 {
        assert_eq!(request(s.addr, "GET", "/api/v1/results", Some(&s.narrow), None).await.0, 200);
    }
    let (mut vault, _dir) = s.stop().await;
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    let log = vault.audit_log(&admin, None, 1000).unwrap();
    // Of the attempts that reached the vault, the first is an entry; the rest of the minute is
    // counted into one entry when the minute ends or the vault closes (vault test
    // `repeated_unknown_tokens_are_counted_not_written_one_by_one`).
    assert_eq!(refusals(&log), (2, refused), "{refused} refusals reached the vault: the first, then one count");
}

/// The attack pass held every file descriptor with ~1,000 half-sent requests: nothing timed
/// out, and one address could open any number of connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_time_out_and_one_address_cannot_take_every_connection() {
    let s = start_with(50, |settings| {
        settings.idle_timeout = std::time::Duration::from_millis(800);
        settings.connections_per_address = 3;
    })
    .await;
    let started = std::time::Instant::now();
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /api/v1/results HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), slow.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "the half-sent request was not closed: {read:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "closed after {:?}", started.elapsed());

    // Three open connections from this address; a fourth is closed at once.
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        c.write_all(b"GET /api/v1/results HTTP/1.1\r\n").await.unwrap();
        held.push(c);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut fourth = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_millis(500), fourth.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "a fourth connection was served: {read:?}");
    // Once they are gone (closed by the client, or idle), calls are served again.
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(request(s.addr, "GET", "/api/v1/results", Some(&s.token), None).await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_recorded_all_or_none_and_a_retry_is_not_recorded_twice() {
    const HIRED: &str = "110105199001010010";
    let s = start_prepared(
        1000,
        |_| {},
        |vault, admin, clerk, job| {
            let (kiosk, question) = support::kiosk_and_question(vault, admin, clerk, job, PASSWORD);
            support::hire(vault, clerk, &kiosk, job, question, "录用", HIRED);
        },
    )
    .await;
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let today = interview::outcomes::CivilDate::of_ms(ms, 0);
    let good = format!(r#"{{"id_number":"{HIRED}","kind":"probation","date":"{today}","result":"passed"}}"#);
    let bad = format!(r#"{{"id_number":"110105199001010053","kind":"rating","date":"{today}","result":"优秀"}}"#);
    let both = format!(r#"{{"job_id":{},"outcomes":[{good},{bad}]}}"#, s.job);
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.token), Some(&both)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("outcome.refused") && body.contains("#1"), "the second record (index 1) is named: {body}");
    let one = format!(r#"{{"job_id":{},"outcomes":[{good}]}}"#, s.job);
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.narrow), Some(&one)).await;
    assert_eq!(status, 401, "a token without outcomes:write: {body}");
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.token), Some(&one)).await;
    assert_eq!((status, body.as_str()), (201, r#"{"recorded":1}"#));
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.token), Some(&one)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("重复"), "a retry is refused as a duplicate: {body}");
    // One record more than a call may carry: refused by count (422), not only as a large body,
    // and the schema's maxItems is that same number.
    let minimal = r#"{"id_number":"","kind":"","date":"","result":""}"#;
    let many = vec![minimal; hrms::api::MAX_OUTCOMES_PER_CALL + 1].join(",");
    let many = format!(r#"{{"job_id":{},"outcomes":[{many}]}}"#, s.job);
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.token), Some(&many)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("outcome.too_many"), "{body}");
    let document: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let max_items = &document["components"]["schemas"]["OutcomesIn"]["properties"]["outcomes"]["maxItems"];
    assert_eq!(max_items.as_u64(), Some(hrms::api::MAX_OUTCOMES_PER_CALL as u64));
    // Other operations keep the API's own body limit.
    let big = format!(r#"{{"job_id":{},"name":"{}"}}"#, s.job, "x".repeat(8192));
    assert_eq!(request(s.addr, "POST", "/api/v1/candidates", Some(&s.token), Some(&big)).await.0, 413);
    let scale = format!(r#"{{"job_id":{},"scale":"ABCD","outcomes":[{good}]}}"#, s.job);
    let (status, body) = request(s.addr, "POST", "/api/v1/outcomes", Some(&s.token), Some(&scale)).await;
    assert_eq!(status, 422, "{body}");
    let (mut vault, _dir) = s.stop().await;
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    let log = vault.audit_log(&admin, None, 1000).unwrap();
    assert_eq!(log.iter().filter(|r| r.action == "outcome.record").count(), 1, "recorded once");
    assert!(log.iter().any(|r| r.action == "outcome.record" && r.actor == "api:HRMS"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_comes_with_resume_facts_stored_in_the_same_transaction() {
    let s = start(1000).await;
    let with = format!(
        r#"{{"job_id":{},"name":"张三","resume":{{"education":"硕士研究生","years":6,"roles":["窗口组组长"],"skills":["Excel"],"text":"曾带领一个五人团队。"}}}}"#,
        s.job
    );
    let (status, body) = request(s.addr, "POST", "/api/v1/candidates", Some(&s.token), Some(&with)).await;
    assert_eq!(status, 201, "{body}");
    let id: i64 = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].as_i64().unwrap();
    // An education word nobody can read, or facts too long: refused, and no candidate is made.
    let unknown = format!(r#"{{"job_id":{},"name":"李四","resume":{{"education":"其他"}}}}"#, s.job);
    let (status, body) = request(s.addr, "POST", "/api/v1/candidates", Some(&s.token), Some(&unknown)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("resume.unknown_education"), "{body}");
    let long = format!(r#"{{"job_id":{},"name":"王五","resume":{{"major":"{}"}}}}"#, s.job, "x".repeat(201));
    let (status, body) = request(s.addr, "POST", "/api/v1/candidates", Some(&s.token), Some(&long)).await;
    assert_eq!(status, 422, "{body}");
    let (mut vault, _dir) = s.stop().await;
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let stored = vault.resume(&clerk, id).unwrap().unwrap();
    assert_eq!(stored.source, interview::resume::ResumeSource::Api);
    assert_eq!(stored.facts.education, Some(interview::resume::Education::Master));
    assert_eq!(stored.facts.roles, ["窗口组组长"]);
    let page = vault
        .list_candidates(&clerk, &vault::CandidateFilter { job_id: None, limit: 10, ..Default::default() })
        .unwrap();
    assert_eq!(page.rows.len(), 1, "the refused calls made no candidate");
}
