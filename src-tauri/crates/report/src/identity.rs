//! The organisation's signing identity: an ECDSA P-256 key and its certificate chain.
//!
//! Generated at set-up as a small internal PKI — a root ("<organisation> 报告签名根证书 / report
//! signing root", CA:TRUE, keyCertSign) and a signing certificate issued by it (digitalSignature,
//! nonRepudiation) — or imported from the agency's PKCS#12. The root is what validators are told
//! to trust (`pdfsig -nssdir`, Adobe's trusted certificates); the private key is handed to the
//! vault, which keeps it inside the encrypted database, and never written anywhere else.

use std::str::FromStr;
use std::time::Duration;

use der::asn1::{SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode, Tag};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use zeroize::Zeroizing;

use crate::error::{ReportError, Result};

/// How long a generated signing certificate is valid. Reports stay verifiable after it expires
/// (the signing time lies inside the validity); a new identity is generated before then.
const VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// id-ecPublicKey and the P-256 curve: the only key type we sign with (SETUP.md: the `rsa` crate
/// has RUSTSEC-2023-0071, and ECDSA P-256 is what PAdES validators all accept).
const EC_PUBLIC_KEY: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

#[derive(Clone)]
pub struct SigningIdentity {
    key: SigningKey,
    /// The signing certificate first, then its issuers (as far as known).
    chain: Vec<Certificate>,
    chain_der: Vec<Vec<u8>>,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("subject", &self.subject())
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl SigningIdentity {
    /// A new internal root and a signing certificate issued by it, for `organisation`.
    pub fn generate(organisation: &str) -> Result<SigningIdentity> {
        let mut rng = rand_core::OsRng;
        let root_key = SigningKey::random(&mut rng);
        let key = SigningKey::random(&mut rng);
        let root_name = name(organisation, "报告签名根证书 Report Signing Root")?;
        let signer_name = name(organisation, "面试报告签名 Interview Report Signing")?;
        let validity = Validity::from_now(VALIDITY).map_err(ReportError::certificate)?;

        let root_spki =
            SubjectPublicKeyInfoOwned::from_key(*root_key.verifying_key()).map_err(ReportError::certificate)?;
        let root = CertificateBuilder::new(Profile::Root, serial()?, validity, root_name.clone(), root_spki, &root_key)
            .map_err(ReportError::certificate)?
            .build::<DerSignature>()
            .map_err(ReportError::certificate)?;

        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(ReportError::certificate)?;
        let profile = Profile::Leaf { issuer: root_name, enable_key_agreement: false, enable_key_encipherment: false };
        let leaf = CertificateBuilder::new(profile, serial()?, validity, signer_name, spki, &root_key)
            .map_err(ReportError::certificate)?
            .build::<DerSignature>()
            .map_err(ReportError::certificate)?;
        SigningIdentity::from_parts(key, vec![leaf, root])
    }

    /// The agency's own identity from a PKCS#12 file (`.p12`/`.pfx`).
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<SigningIdentity> {
        let store = p12_keystore::KeyStore::from_pkcs12(data, password, p12_keystore::Pkcs12ImportPolicy::Relaxed)
            .map_err(|e| ReportError::Pkcs12(e.to_string()))?;
        let (_, chain) = store.private_key_chain().ok_or(ReportError::Pkcs12NoKey)?;
        if chain.key().oid().to_string() != EC_PUBLIC_KEY.to_string() {
            return Err(ReportError::UnsupportedKey(chain.key().oid().to_string()));
        }
        let key = SigningKey::from_pkcs8_der(chain.key().as_der())
            .map_err(|_| ReportError::UnsupportedKey("EC, not P-256".into()))?;
        let certs = chain
            .certs()
            .iter()
            .map(|c| Certificate::from_der(c.as_der()).map_err(ReportError::certificate))
            .collect::<Result<Vec<_>>>()?;
        SigningIdentity::from_parts(key, certs)
    }

    /// An identity as the vault stores it: the PKCS#8 key and the DER certificates.
    pub fn from_stored(key_pkcs8: &[u8], chain_der: &[Vec<u8>]) -> Result<SigningIdentity> {
        let key =
            SigningKey::from_pkcs8_der(key_pkcs8).map_err(|_| ReportError::UnsupportedKey("stored key".into()))?;
        let chain = chain_der
            .iter()
            .map(|c| Certificate::from_der(c).map_err(ReportError::certificate))
            .collect::<Result<Vec<_>>>()?;
        SigningIdentity::from_parts(key, chain)
    }

    fn from_parts(key: SigningKey, chain: Vec<Certificate>) -> Result<SigningIdentity> {
        let Some(leaf) = chain.first() else {
            return Err(ReportError::Pkcs12NoKey);
        };
        let public = public_key(leaf)?;
        if &public != key.verifying_key() {
            return Err(ReportError::KeyCertificateMismatch);
        }
        let chain_der = chain.iter().map(|c| c.to_der().map_err(ReportError::certificate)).collect::<Result<_>>()?;
        Ok(SigningIdentity { key, chain, chain_der })
    }

    pub(crate) fn key(&self) -> &SigningKey {
        &self.key
    }

    pub(crate) fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The certificates, signing certificate first, as DER.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }

    /// The private key as PKCS#8 DER, for the vault to keep (zeroed when dropped).
    pub fn key_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = self.key.to_pkcs8_der().map_err(|_| ReportError::UnsupportedKey("encoding".into()))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The signing certificate's subject, as RFC 4514 text.
    pub fn subject(&self) -> String {
        self.chain[0].tbs_certificate.subject.to_string()
    }

    /// SHA-256 of the signing certificate, hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.chain_der[0]))
    }

    /// SHA-256 of the last certificate of the chain (the root validators trust), hex.
    pub fn root_fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.chain_der.last().expect("a chain has a certificate")))
    }
}

/// The certificates of a PEM file (e.g. the organisation's root, for `verify --trust`).
pub fn certificates_from_pem(pem_text: &[u8]) -> Result<Vec<Vec<u8>>> {
    let certs = Certificate::load_pem_chain(pem_text).map_err(ReportError::certificate)?;
    if certs.is_empty() {
        return Err(ReportError::Certificate("no certificate in the PEM file".into()));
    }
    certs.iter().map(|c| c.to_der().map_err(ReportError::certificate)).collect()
}

/// The roots a verifier is told to trust (`verify --trust`): every certificate in the file must
/// be self-signed (its subject is its issuer). A file holding a signing certificate would make
/// a validator trust that certificate itself, whatever signed it — the file `signing export
/// --chain` writes is refused here, with the sentence saying what to give instead.
pub fn trust_anchors_from_pem(pem_text: &[u8]) -> Result<Vec<Vec<u8>>> {
    let certs = Certificate::load_pem_chain(pem_text).map_err(ReportError::certificate)?;
    if certs.is_empty() {
        return Err(ReportError::Certificate("no certificate in the PEM file".into()));
    }
    if let Some(not_root) = certs.iter().find(|c| c.tbs_certificate.subject != c.tbs_certificate.issuer) {
        return Err(ReportError::NotARoot { subject: not_root.tbs_certificate.subject.to_string() });
    }
    certs.iter().map(|c| c.to_der().map_err(ReportError::certificate)).collect()
}

/// Certificates (DER) as PEM, in the order given: what an agency hands to whoever must validate
/// its reports (`signing export`).
pub fn chain_pem(chain_der: &[Vec<u8>]) -> String {
    chain_der
        .iter()
        // Encoding a byte string as PEM cannot fail but for a label the encoder rejects.
        .filter_map(|der| der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).ok())
        .collect()
}

/// The public key in a certificate, if it is a P-256 key.
pub(crate) fn public_key(cert: &Certificate) -> Result<VerifyingKey> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != EC_PUBLIC_KEY {
        return Err(ReportError::UnsupportedKey(spki.algorithm.oid.to_string()));
    }
    VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
        .map_err(|_| ReportError::UnsupportedKey("EC, not P-256".into()))
}

/// `O=<organisation>, CN=<common name>`, both UTF8String so Chinese names survive.
fn name(organisation: &str, common_name: &str) -> Result<Name> {
    let rdn = |oid: &str, value: &str| -> Result<RelativeDistinguishedName> {
        let value = Any::new(Tag::Utf8String, Utf8StringRef::new(value).map_err(ReportError::certificate)?.as_bytes())
            .map_err(ReportError::certificate)?;
        let atv = AttributeTypeAndValue {
            oid: der::oid::ObjectIdentifier::from_str(oid).map_err(ReportError::certificate)?,
            value,
        };
        Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![atv]).map_err(ReportError::certificate)?))
    };
    let organisation = if organisation.trim().is_empty() { "Interview Kiosk" } else { organisation.trim() };
    Ok(RdnSequence(vec![rdn("2.5.4.10", organisation)?, rdn("2.5.4.3", common_name)?]))
}

/// A random positive 16-byte serial number.
fn serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).map_err(ReportError::certificate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_identity_is_a_root_and_a_signing_certificate_for_the_organisation() {
        let id = SigningIdentity::generate("某市人力资源和社会保障局").unwrap();
        assert_eq!(id.chain().len(), 2);
        assert!(id.subject().contains("某市人力资源和社会保障局"), "{}", id.subject());
        // The leaf is issued by the root.
        assert_eq!(id.chain()[0].tbs_certificate.issuer, id.chain()[1].tbs_certificate.subject);
        let stored = SigningIdentity::from_stored(&id.key_pkcs8().unwrap(), id.chain_der()).unwrap();
        assert_eq!(stored.fingerprint(), id.fingerprint());
        // The PEM reads back to the same certificates.
        let pem = chain_pem(id.chain_der());
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(certificates_from_pem(pem.as_bytes()).unwrap(), id.chain_der());
    }

    #[test]
    fn a_key_that_does_not_belong_to_the_certificate_is_refused() {
        let a = SigningIdentity::generate("A").unwrap();
        let b = SigningIdentity::generate("B").unwrap();
        let err = SigningIdentity::from_stored(&a.key_pkcs8().unwrap(), b.chain_der()).unwrap_err();
        assert!(matches!(err, ReportError::KeyCertificateMismatch), "{err:?}");
    }
}
