//! The station's side of the connection: reqwest (blocking) over a rustls configuration of our
//! own — TLS 1.3 only, the hub's certificate checked against the office authority learned at
//! enrolment, the station's own certificate presented. No proxy, no system roots, no other
//! address than the hub's.
//!
//! Before enrolment the station cannot know the hub's certificate, so the enrolling connection
//! accepts any certificate whose handshake signature holds and records its SHA-256; the
//! enrolment proofs then bind that hash, so a certificate other than the hub's is refused by
//! both sides (see `enrol`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::OfficeError;
use crate::wire::{self, ErrorBody};

/// How long one request may take in all (a journal entry of a few hundred KB on a slow LAN).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The SHA-256 of the certificate the enrolling connection's server showed last.
pub type SeenCertificate = Arc<Mutex<Option<[u8; 32]>>>;

/// Accepts the server's certificate as it is and remembers its SHA-256 (enrolment only); the
/// handshake's signatures are still verified, so the server holds the certificate's key.
#[derive(Debug)]
struct Recording {
    seen: SeenCertificate,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(Sha256::digest(end_entity).into());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // TLS 1.3 only.
        Err(rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A connection to the hub at `hub` (`HOST:PORT`).
pub struct HubClient {
    http: reqwest::blocking::Client,
    base: String,
    hub: String,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient").field("hub", &self.hub).finish_non_exhaustive()
    }
}

fn build(hub: &str, config: ClientConfig) -> Result<HubClient, OfficeError> {
    build_with(hub, config, REQUEST_TIMEOUT)
}

fn build_with(hub: &str, config: ClientConfig, timeout: Duration) -> Result<HubClient, OfficeError> {
    let http = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .https_only(true)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| OfficeError::Tls(e.to_string()))?;
    Ok(HubClient { http, base: format!("https://{hub}{}", wire::PREFIX), hub: hub.to_owned() })
}

fn tls13(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, OfficeError> {
    ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| OfficeError::Tls(e.to_string()))
}

impl HubClient {
    /// For enrolling: no client certificate; the hub's certificate is recorded, not trusted.
    pub fn for_enrolment(hub: &str) -> Result<(HubClient, SeenCertificate), OfficeError> {
        let seen = Arc::new(Mutex::new(None));
        let provider = provider();
        let verifier = Arc::new(Recording { seen: seen.clone(), provider: provider.clone() });
        let config = tls13(provider)?.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth();
        Ok((build(hub, config)?, seen))
    }

    /// For an enrolled station: the hub must show a certificate from the office authority for
    /// the address typed; the station shows its own.
    pub fn for_station(
        hub: &str,
        authority_cert_der: &[u8],
        station_cert_der: &[u8],
        station_key_pkcs8: &[u8],
    ) -> Result<HubClient, OfficeError> {
        HubClient::for_station_within(hub, authority_cert_der, station_cert_der, station_key_pkcs8, REQUEST_TIMEOUT)
    }

    /// As [`HubClient::for_station`], each request taking at most `timeout` in all.
    pub fn for_station_within(
        hub: &str,
        authority_cert_der: &[u8],
        station_cert_der: &[u8],
        station_key_pkcs8: &[u8],
        timeout: Duration,
    ) -> Result<HubClient, OfficeError> {
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(authority_cert_der.to_vec())).map_err(|e| OfficeError::Tls(e.to_string()))?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(station_key_pkcs8.to_vec()));
        let config = tls13(provider())?
            .with_root_certificates(roots)
            .with_client_auth_cert(vec![CertificateDer::from(station_cert_der.to_vec())], key)
            .map_err(|e| OfficeError::Tls(e.to_string()))?;
        build_with(hub, config, timeout)
    }

    pub fn hub(&self) -> &str {
        &self.hub
    }

    fn send<T: Serialize>(&self, path: &str, body: &T) -> Result<reqwest::blocking::Response, OfficeError> {
        let response = self.http.post(format!("{}{path}", self.base)).json(body).send().map_err(|e| {
            tracing::info!(detail = %e, "hub not reached");
            OfficeError::Unreachable { hub: self.hub.clone(), detail: e.to_string() }
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        match response.json::<ErrorBody>() {
            Ok(body) => {
                Err(OfficeError::Refused { status, code: body.code, message: body.message, expected: body.expected })
            }
            Err(e) if status >= 500 => {
                Err(OfficeError::Unreachable { hub: self.hub.clone(), detail: format!("{status}: {e}") })
            }
            Err(e) => Err(OfficeError::BadAnswer(format!("{status}: {e}"))),
        }
    }

    /// POSTs `body` to `path` and reads the answer.
    pub fn post<T: Serialize, R: DeserializeOwned>(&self, path: &str, body: &T) -> Result<R, OfficeError> {
        self.send(path, body)?.json().map_err(|e| {
            if e.is_timeout() || e.is_body() {
                OfficeError::Unreachable { hub: self.hub.clone(), detail: e.to_string() }
            } else {
                OfficeError::BadAnswer(e.to_string())
            }
        })
    }

    /// POSTs `body` to `path` and returns the bytes of the answer.
    pub fn post_bytes<T: Serialize>(&self, path: &str, body: &T) -> Result<Vec<u8>, OfficeError> {
        let response = self.send(path, body)?;
        response
            .bytes()
            .map(|b| b.to_vec())
            .map_err(|e| OfficeError::Unreachable { hub: self.hub.clone(), detail: e.to_string() })
    }

    /// POSTs `body` to `path`, expecting no content back.
    pub fn post_empty<T: Serialize>(&self, path: &str, body: &T) -> Result<(), OfficeError> {
        self.send(path, body).map(drop)
    }
}
