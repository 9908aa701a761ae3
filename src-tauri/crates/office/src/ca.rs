//! The office's certificate authority (the hub): its own key and certificate, the hub's server
//! certificate for the addresses it serves on, and station certificates issued from CSRs. All
//! ECDSA P-256. Separate from the organisation's report-signing identity.

use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::{CertificateDer, CertificateSigningRequestDer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::OfficeError;

const AUTHORITY_YEARS: i64 = 20;
const STATION_YEARS: i64 = 5;
const HUB_DAYS: i64 = 397;

fn failed(e: rcgen::Error) -> OfficeError {
    OfficeError::Certificate(e.to_string())
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = std::time::SystemTime::now();
    let start = now - std::time::Duration::from_secs(3600);
    let end = now + std::time::Duration::from_secs(days.max(1) as u64 * 86_400);
    params.not_before = start.into();
    params.not_after = end.into();
}

fn random_serial(params: &mut CertificateParams) {
    let mut serial = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut serial);
    serial[0] &= 0x7f;
    params.serial_number = Some(serial.to_vec().into());
}

/// A new office authority: (key PKCS#8, certificate DER).
pub fn new_authority(organisation: &str) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), OfficeError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "Interview Kiosk office authority");
    if !organisation.trim().is_empty() {
        params.distinguished_name.push(DnType::OrganizationName, organisation.trim());
    }
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    validity(&mut params, AUTHORITY_YEARS * 365);
    random_serial(&mut params);
    let key = KeyPair::generate().map_err(failed)?;
    let cert = params.self_signed(&key).map_err(failed)?;
    Ok((Zeroizing::new(key.serialize_der()), cert.der().to_vec()))
}

fn issuer(authority: &vault::OfficeAuthority) -> Result<Issuer<'static, KeyPair>, OfficeError> {
    let key = KeyPair::try_from(authority.key_pkcs8.as_slice()).map_err(failed)?;
    Issuer::from_ca_cert_der(&CertificateDer::from(authority.cert_der.as_slice()), key).map_err(failed)
}

/// The hub's TLS server identity: a fresh key and a certificate from the authority for the
/// addresses and names stations type to reach it.
pub struct HubIdentity {
    pub cert_der: Vec<u8>,
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub cert_sha256: [u8; 32],
}

impl std::fmt::Debug for HubIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubIdentity").field("cert_sha256", &hex::encode(self.cert_sha256)).finish_non_exhaustive()
    }
}

pub fn hub_identity(authority: &vault::OfficeAuthority, hosts: &[String]) -> Result<HubIdentity, OfficeError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "Interview Kiosk hub");
    params.subject_alt_names = hosts
        .iter()
        .map(|host| match host.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            // Only what a station could type as a host name (rcgen would take any IA5 text).
            Err(_) if rustls_pki_types::DnsName::try_from(host.as_str()).is_ok() => {
                host.clone().try_into().map(SanType::DnsName).map_err(failed)
            }
            Err(_) => Err(OfficeError::Certificate(format!("not a host name: {host:?}"))),
        })
        .collect::<Result<_, _>>()?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    validity(&mut params, HUB_DAYS);
    random_serial(&mut params);
    let key = KeyPair::generate().map_err(failed)?;
    let cert = params.signed_by(&key, &issuer(authority)?).map_err(failed)?;
    Ok(HubIdentity {
        cert_sha256: Sha256::digest(cert.der()).into(),
        cert_der: cert.der().to_vec(),
        key_pkcs8: Zeroizing::new(key.serialize_der()),
    })
}

/// A station's new key and the CSR for it.
pub fn station_request(name: &str) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), OfficeError> {
    let key = KeyPair::generate().map_err(failed)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    let csr = params.serialize_request(&key).map_err(failed)?;
    Ok((Zeroizing::new(key.serialize_der()), csr.der().to_vec()))
}

/// A client certificate for the key in `csr_der` (its signature checked), whatever else the CSR
/// asks for: the hub decides the subject, the usages and the validity.
pub fn issue_station_certificate(authority: &vault::OfficeAuthority, csr_der: &[u8]) -> Result<Vec<u8>, OfficeError> {
    let mut csr =
        CertificateSigningRequestParams::from_der(&CertificateSigningRequestDer::from(csr_der)).map_err(failed)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "Interview Kiosk station");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.is_ca = IsCa::ExplicitNoCa;
    validity(&mut params, STATION_YEARS * 365);
    random_serial(&mut params);
    csr.params = params;
    Ok(csr.signed_by(&issuer(authority)?).map_err(failed)?.der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> vault::OfficeAuthority {
        let (key_pkcs8, cert_der) = new_authority("某市人社局").unwrap();
        vault::OfficeAuthority { key_pkcs8, cert_der }
    }

    /// Whether rustls, as the hub configures it, accepts `cert` as a client certificate.
    fn accepted_as_client(authority: &vault::OfficeAuthority, cert: &[u8]) -> bool {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(authority.cert_der.clone())).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(std::sync::Arc::new(roots), provider)
                .build()
                .unwrap();
        verifier.verify_client_cert(&CertificateDer::from(cert), &[], rustls_pki_types::UnixTime::now()).is_ok()
    }

    #[test]
    fn a_station_certificate_chains_to_the_authority_and_is_for_clients_only() {
        let authority = authority();
        let (_key, csr) = station_request("Booth 1").unwrap();
        let cert = issue_station_certificate(&authority, &csr).unwrap();
        assert!(accepted_as_client(&authority, &cert));
        // Another authority's station, and the hub's own (server) certificate, are not clients.
        let other = authority_of_another_office();
        assert!(!accepted_as_client(&other, &cert));
        let hub = hub_identity(&authority, &["127.0.0.1".into()]).unwrap();
        assert!(!accepted_as_client(&authority, &hub.cert_der));
        // A CSR whose signature does not hold is refused, and so is anything else.
        let mut forged = csr.clone();
        let last = forged.len() - 3;
        forged[last] ^= 1;
        assert!(issue_station_certificate(&authority, &forged).is_err());
        assert!(issue_station_certificate(&authority, b"not a csr").is_err());
    }

    fn authority_of_another_office() -> vault::OfficeAuthority {
        authority()
    }

    #[test]
    fn the_hub_certificate_names_its_addresses() {
        let authority = authority();
        let hub = hub_identity(&authority, &["127.0.0.1".into(), "hub.office.local".into()]).unwrap();
        assert_eq!(hub.cert_sha256, <[u8; 32]>::from(Sha256::digest(&hub.cert_der)));
        assert!(hub_identity(&authority, &["not a name!".into()]).is_err());
    }
}
