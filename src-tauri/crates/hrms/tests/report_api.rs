#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test
//! The signed PDF report through the local API, served over TLS as it is on a LAN address: a
//! real vault with a decided interview (the report crate's test world), a self-signed
//! certificate the client pins, a real TLS client, the PDF checked by poppler's pdfsig and by the
//! vault's register; and the refusals (no final report, no scope, plain HTTP to the TLS port).

#[path = "../../report/tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::World;
use hrms::api::{ApiSettings, serve};
use hrms::tls::{TlsFiles, self_signed};
use interview::Band;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

async fn exchange(mut stream: impl AsyncRead + AsyncWrite + Unpin, path: &str, token: &str) -> Reply {
    let head =
        format!("GET {path} HTTP/1.1\r\nHost: kiosk\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply { status, head, body: response[split..].to_vec() }
}

/// One request over TLS, trusting only `certificate_pem`.
async fn get_tls(addr: SocketAddr, certificate_pem: &str, path: &str, token: &str) -> Reply {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(certificate_pem.as_bytes()).unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap().to_owned(), tcp)
        .await
        .unwrap();
    exchange(tls, path, token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_interview_s_signed_report_comes_over_tls_and_anything_else_is_refused() {
    let mut w = World::new();
    let decided = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    let undecided = w.interview("李四", None, [3.0, 3.0, 3.0], None, None);
    let (_, token) = w
        .vault
        .create_api_token(&w.admin, "HRMS", &["reports:read".to_owned(), "results:read".to_owned()], 30)
        .unwrap();
    let (_, narrow) = w.vault.create_api_token(&w.admin, "Reader", &["results:read".to_owned()], 30).unwrap();
    let (token, narrow) = (token.to_string(), narrow.to_string());
    let nss = w.nss_db();

    let made = self_signed(&["127.0.0.1".into()], "某市人力资源和社会保障局", 30).unwrap();
    let files = TlsFiles { certificate: w.path("api.crt"), key: w.path("api.key") };
    std::fs::write(&files.certificate, &made.certificate_pem).unwrap();
    std::fs::write(&files.key, made.key_pem.as_str()).unwrap();

    let World { dir, vault, clerk, .. } = w;
    let settings = ApiSettings { listen: "127.0.0.1:0".parse().unwrap(), tls: Some(files), ..ApiSettings::default() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(serve(vault, settings, move |a| bound_tx.send(a).unwrap(), async {
        let _ = stopped.await;
    }));
    let addr = bound_rx.await.unwrap();
    let pem = made.certificate_pem.clone();

    // The final report: a PDF named by its header, valid for pdfsig through the organisation's root.
    let reply = get_tls(addr, &pem, &format!("/api/v1/interviews/{decided}/report?lang=en"), &token).await;
    assert_eq!(reply.status, 200, "{}{}", reply.head, String::from_utf8_lossy(&reply.body));
    assert!(reply.head.to_ascii_lowercase().contains("content-type: application/pdf"), "{}", reply.head);
    let report_id = reply
        .head
        .lines()
        .find_map(|l| l.strip_prefix("x-report-id: "))
        .unwrap_or_else(|| panic!("no X-Report-Id in {}", reply.head))
        .to_owned();
    assert!(reply.body.starts_with(b"%PDF-"));
    let file = dir.path().join("from-api.pdf");
    std::fs::write(&file, &reply.body).unwrap();
    let (valid, text) = common::pdfsig_valid(&file, &nss);
    assert!(valid, "pdfsig says\n{text}");
    assert!(
        common::pdftotext(&file).contains("Interview assessment report"),
        "the report is in the language asked for"
    );

    // Not decided yet: no final report, and never a draft.
    let reply = get_tls(addr, &pem, &format!("/api/v1/interviews/{undecided}/report"), &token).await;
    assert_eq!(reply.status, 409, "{}", reply.head);
    assert!(String::from_utf8_lossy(&reply.body).contains("report.not_final"));
    // A token without the scope, an unknown interview, a language we do not write.
    let reply = get_tls(addr, &pem, &format!("/api/v1/interviews/{decided}/report"), &narrow).await;
    assert_eq!(reply.status, 401);
    let reply = get_tls(addr, &pem, "/api/v1/interviews/999999/report", &token).await;
    assert_eq!(reply.status, 404);
    let reply = get_tls(addr, &pem, &format!("/api/v1/interviews/{decided}/report?lang=fr"), &token).await;
    assert_eq!(reply.status, 400);

    // Plain HTTP to the TLS port gets no answer a client could mistake for one.
    let plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    let reply = exchange(plain, "/api/v1/openapi.json", &token).await;
    assert_eq!(reply.status, 0, "{}", reply.head);

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();

    // The report is in the register, made by the calling system, and the file matches it.
    let mut vault = vault::Vault::open(dir.path()).unwrap();
    let clerk = vault.login("clerk", common::PASSWORD, "desk-2").unwrap_or(clerk);
    let record = vault.lookup_report(&clerk, &report_id).unwrap().unwrap();
    assert_eq!(record.created_by, "API: HRMS");
    assert_eq!(record.object, format!("interview:{decided}"));
    let verdict =
        report::export::verify_with_vault(&std::fs::read(&file).unwrap(), Some((&mut vault, &clerk)), &[]).unwrap();
    assert!(verdict.is_valid(), "{verdict:#?}");
    // The audit log names the system and its role for the export, and records the refusals.
    let auditor = vault.login("auditor", common::PASSWORD, "desk-3").unwrap();
    let entries = vault.audit_log(&auditor, None, 1000).unwrap();
    assert!(entries.iter().any(|e| e.action == "report.export" && e.actor == "api:HRMS" && e.role == "api"));
    assert!(entries.iter().any(|e| e.action == "api.reports:read" && e.actor == "api:Reader" && e.outcome == "denied"));
}
