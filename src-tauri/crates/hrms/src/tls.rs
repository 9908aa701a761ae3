//! TLS for the local API when the administrator serves it on a LAN address: the certificate and
//! key files (PEM) the agency's own PKI issued, or a self-signed pair made here for an agency
//! without one (the calling system then pins its SHA-256 fingerprint). Handshakes run beside the
//! accept loop, each with a deadline, so a client that never finishes its handshake holds up no
//! one else.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::api::ApiError;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for the server to take them.
const QUEUE: usize = 64;

/// Where the certificate chain and its private key are (PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// The server configuration from the PEM files: the chain (leaf first) and its key. Only TLS 1.2
/// and 1.3 with rustls's safe defaults; HTTP/1.1 only, as the API serves it.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, ApiError> {
    let unreadable = |path: &Path, detail: String| ApiError::Tls { path: path.to_owned(), detail };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.certificate)
        .map_err(|e| unreadable(&files.certificate, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(&files.certificate, e.to_string()))?;
    if chain.is_empty() {
        return Err(unreadable(&files.certificate, "no CERTIFICATE block".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| unreadable(&files.key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| unreadable(&files.certificate, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| unreadable(&files.key, e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// A self-signed certificate for `hosts` (names or addresses), valid `days` from now.
pub struct SelfSigned {
    pub certificate_pem: String,
    pub key_pem: zeroize::Zeroizing<String>,
    pub fingerprint: String,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

pub fn self_signed(hosts: &[String], organisation: &str, days: u32) -> Result<SelfSigned, ApiError> {
    let failed = |e: rcgen::Error| ApiError::Certificate(e.to_string());
    let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(failed)?;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(i64::from(days.clamp(1, 3650)));
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, hosts.first().cloned().unwrap_or_default());
    if !organisation.trim().is_empty() {
        params.distinguished_name.push(rcgen::DnType::OrganizationName, organisation.trim());
    }
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let cert = params.self_signed(&key).map_err(failed)?;
    Ok(SelfSigned {
        certificate_pem: cert.pem(),
        key_pem: zeroize::Zeroizing::new(key.serialize_pem()),
        fingerprint: colon_hex(&Sha256::digest(cert.der())),
    })
}

/// A listener that hands axum connections whose TLS handshake has finished (the local API's,
/// and the office hub's with client certificates).
#[derive(Debug)]
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (send, ready) = mpsc::channel(QUEUE);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(%error, "API accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if send.is_closed() {
                    break;
                }
                let (acceptor, send) = (acceptor.clone(), send.clone());
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    match tokio::time::timeout(HANDSHAKE_DEADLINE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = send.send((tls, peer)).await;
                        }
                        Ok(Err(error)) => tracing::info!(%error, "API TLS handshake failed"),
                        Err(_) => tracing::info!("API TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept task only ends with the runtime; until then, nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_makes_a_server_config_and_its_fingerprint_matches() {
        let dir = tempfile::tempdir().unwrap();
        let made = self_signed(&["192.168.10.20".into(), "kiosk.local".into()], "某市人社局", 30).unwrap();
        let files = TlsFiles { certificate: dir.path().join("api.crt"), key: dir.path().join("api.key") };
        std::fs::write(&files.certificate, &made.certificate_pem).unwrap();
        std::fs::write(&files.key, made.key_pem.as_str()).unwrap();
        server_config(&files).unwrap();
        // The printed fingerprint is the SHA-256 of the certificate the server presents.
        let der = CertificateDer::pem_slice_iter(made.certificate_pem.as_bytes()).next().unwrap().unwrap();
        assert_eq!(made.fingerprint, colon_hex(&Sha256::digest(der.as_ref())));
        assert_eq!(made.fingerprint.len(), 32 * 3 - 1);
    }

    #[test]
    fn unreadable_or_mismatched_files_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = self_signed(&["a.local".into()], "", 30).unwrap();
        let b = self_signed(&["b.local".into()], "", 30).unwrap();
        let files = TlsFiles { certificate: dir.path().join("a.crt"), key: dir.path().join("b.key") };
        std::fs::write(&files.certificate, &a.certificate_pem).unwrap();
        std::fs::write(&files.key, b.key_pem.as_str()).unwrap();
        // rustls checks that the key belongs to the certificate.
        assert!(matches!(server_config(&files), Err(ApiError::Tls { .. })));

        std::fs::write(&files.certificate, "not a certificate").unwrap();
        match server_config(&files) {
            Err(ApiError::Tls { path, .. }) => assert_eq!(path, files.certificate),
            other => panic!("expected a TLS error, got {:?}", other.err()),
        }
        let missing = TlsFiles { certificate: dir.path().join("none.crt"), key: files.key.clone() };
        assert!(matches!(server_config(&missing), Err(ApiError::Tls { .. })));
    }
}
