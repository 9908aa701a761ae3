#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark binary: it prints, and a failure aborts it
//! Local API benchmark (`make bench`): interview-status reads over loopback against an
//! encrypted vault, from a Rust load generator with keep-alive connections, for API_BENCH_SECONDS
//! (default 10) at 1, 4 and 16 connections, in plain HTTP and over TLS (as a LAN address is
//! served; the client pins a self-signed certificate): requests a second and latency percentiles.
//! Every read is a token check the vault audits (one committed transaction each). Targets:
//! ≥ 1,000 req/s, p99 ≤ 20 ms.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hrms::api::{ApiSettings, serve};
use hrms::tls::TlsFiles;
use interview::{Bands, Lang, Role, Weight};
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use vault::{NewCandidate, NewJob, NewUser, Vault};

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn connect(addr: SocketAddr, tls: Option<Arc<rustls::ClientConfig>>) -> Box<dyn Io> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    match tls {
        None => Box::new(stream),
        Some(config) => {
            let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
            Box::new(tokio_rustls::TlsConnector::from(config).connect(name, stream).await.unwrap())
        }
    }
}

const PASSWORD: &str = "a long enough password";

/// One connection sending requests back to back for `seconds`; the latency of each.
async fn client(
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
    path: String,
    token: String,
    until: Instant,
) -> Vec<Duration> {
    let (read, mut write) = tokio::io::split(connect(addr, tls).await);
    let mut read = BufReader::new(read);
    let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n");
    let mut latencies = Vec::new();
    let mut line = String::new();
    while Instant::now() < until {
        let started = Instant::now();
        write.write_all(request.as_bytes()).await.unwrap();
        let mut length = 0usize;
        let mut status = String::new();
        loop {
            line.clear();
            read.read_line(&mut line).await.unwrap();
            if status.is_empty() {
                status = line.clone();
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        read.read_exact(&mut body).await.unwrap();
        assert!(status.contains(" 200 "), "{status}");
        latencies.push(started.elapsed());
    }
    latencies
}

fn main() {
    let seconds: u64 = std::env::var("API_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let user = |n: &str, role| NewUser { username: n.into(), display_name: n.into(), role, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(dir.path(), user("admin", Role::Admin)).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    vault.create_user(&admin, user("clerk", Role::Clerk)).unwrap();
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "bench".into(),
                language: Lang::ZhCn,
                dimensions: vec![Weight { dimension: "沟通能力".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    let candidate = vault
        .add_candidate(
            &clerk,
            NewCandidate { job_id: job, name: "x".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    let (interview, _) = vault.issue_invitation(&clerk, candidate, 0, i64::MAX / 2).unwrap();
    let (_, token) = vault.create_api_token(&admin, "bench", &["interviews:read".to_owned()], 30).unwrap();
    let token = token.to_string();

    let certificate = hrms::tls::self_signed(&["127.0.0.1".into()], "bench", 1).unwrap();
    let files = TlsFiles { certificate: dir.path().join("api-cert.pem"), key: dir.path().join("api-key.pem") };
    std::fs::write(&files.certificate, &certificate.certificate_pem).unwrap();
    std::fs::write(&files.key, certificate.key_pem.as_str()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from_pem_slice(certificate.certificate_pem.as_bytes()).unwrap())
        .unwrap();
    let client_config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );

    println!("local API benchmark: GET /api/v1/interviews/{{id}} over loopback, {seconds} s per row, 2-core machine");
    println!();
    println!("| transport | connections | requests/s | p50 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut vault = Some(vault);
    for (transport, tls) in [("HTTP", None), ("HTTPS", Some(client_config))] {
        // The server owns its vault; the second run reopens the same encrypted file.
        let vault = vault.take().unwrap_or_else(|| Vault::open(dir.path()).unwrap());
        let settings = ApiSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            requests_per_second: 1_000_000,
            tls: tls.as_ref().map(|_| files.clone()),
            ..ApiSettings::default()
        };
        let path = format!("/api/v1/interviews/{interview}");
        let token = token.clone();
        runtime.block_on(async move {
            let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(serve(vault, settings, move |a| bound_tx.send(a).unwrap(), async {
                let _ = stopped.await;
            }));
            let addr = bound_rx.await.unwrap();
            for connections in [1usize, 4, 16] {
                let until = Instant::now() + Duration::from_secs(seconds);
                let started = Instant::now();
                let tasks: Vec<_> = (0..connections)
                    .map(|_| tokio::spawn(client(addr, tls.clone(), path.clone(), token.clone(), until)))
                    .collect();
                let mut all = Vec::new();
                for t in tasks {
                    all.extend(t.await.unwrap());
                }
                let elapsed = started.elapsed().as_secs_f64();
                all.sort();
                let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
                println!(
                    "| {transport} | {connections} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms |",
                    all.len() as f64 / elapsed,
                    pct(0.50),
                    pct(0.99),
                    pct(1.0)
                );
            }
            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
        });
    }
    println!();
    println!("targets: ≥ 1,000 requests/s, p99 ≤ 20 ms (every request a token check audited in the vault)");
}
