//! Enrolment codes and the proofs that make them authenticate both ends.
//!
//! A code is 20 Crockford base-32 characters (100 random bits) shown as five groups of four: the
//! first group names the code (the hub looks it up by it), the other sixteen (80 bits) are the
//! secret. The secret never crosses the network. Both sides derive a proof key from it
//! (HKDF-SHA256) and prove they know it with HMAC-SHA256 over what each saw of the exchange:
//!
//! - the station, over the SHA-256 of the certificate the TLS server showed it, its CSR and the
//!   name it asks for — so a relay in the middle, which cannot show the hub's certificate
//!   without the hub's key, makes the station prove the wrong certificate and the hub refuses;
//! - the hub, over its own certificate, the certificate it issued and the office authority's
//!   certificate — so a party without the code cannot hand the station a forged authority.
//!
//! 80 secret bits make guessing from a recorded exchange hopeless within the code's 15 minutes,
//! and the hub refuses a code for good after [`vault::MAX_ENROLMENT_FAILURES`] wrong proofs.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::OfficeError;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LOOKUP_CHARS: usize = 4;
const SECRET_CHARS: usize = 16;

/// A one-time enrolment code.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    lookup: String,
    secret: Zeroizing<String>,
}

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolmentCode").field("lookup", &self.lookup).finish_non_exhaustive()
    }
}

impl EnrolmentCode {
    pub fn random() -> EnrolmentCode {
        let mut chars = Zeroizing::new(String::with_capacity(LOOKUP_CHARS + SECRET_CHARS));
        let mut bytes = Zeroizing::new([0u8; LOOKUP_CHARS + SECRET_CHARS]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        for b in bytes.iter() {
            chars.push(CROCKFORD[(b & 31) as usize] as char);
        }
        EnrolmentCode {
            lookup: chars[..LOOKUP_CHARS].to_owned(),
            secret: Zeroizing::new(chars[LOOKUP_CHARS..].to_owned()),
        }
    }

    /// What a person typed: case, spaces and dashes do not matter; I and L are 1, O is 0.
    pub fn parse(text: &str) -> Result<EnrolmentCode, OfficeError> {
        let mut chars = Zeroizing::new(String::new());
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
                return Err(OfficeError::MalformedCode);
            }
            chars.push(c);
        }
        if chars.len() != LOOKUP_CHARS + SECRET_CHARS {
            return Err(OfficeError::MalformedCode);
        }
        Ok(EnrolmentCode {
            lookup: chars[..LOOKUP_CHARS].to_owned(),
            secret: Zeroizing::new(chars[LOOKUP_CHARS..].to_owned()),
        })
    }

    /// The printable form, `ABCD-EFGH-JKMN-PQRS-TVWX`.
    pub fn display(&self) -> Zeroizing<String> {
        let all = Zeroizing::new(format!("{}{}", self.lookup, self.secret.as_str()));
        let groups: Vec<&str> = (0..all.len()).step_by(4).map(|i| &all[i..i + 4]).collect();
        Zeroizing::new(groups.join("-"))
    }

    /// The public part the hub finds the code by.
    pub fn lookup(&self) -> &str {
        &self.lookup
    }

    /// The key both sides prove with.
    pub fn proof_key(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(b"interview-kiosk enrolment v1"), self.secret.as_bytes())
            .expand(self.lookup.as_bytes(), out.as_mut())
            .expect("32 bytes is a valid HKDF length");
        out
    }
}

fn mac(key: &[u8; 32], label: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    for part in parts {
        // Each part with its length, so no two different sequences of parts read the same.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac
}

/// The station's proof: it knows the code, and saw `hub_cert_sha256` as the hub's certificate.
pub fn station_proof(key: &[u8; 32], hub_cert_sha256: &[u8; 32], csr_der: &[u8], name: &str) -> [u8; 32] {
    mac(key, b"station", &[hub_cert_sha256, &Sha256::digest(csr_der), name.as_bytes()]).finalize().into_bytes().into()
}

pub fn check_station_proof(
    key: &[u8; 32],
    hub_cert_sha256: &[u8; 32],
    csr_der: &[u8],
    name: &str,
    proof: &[u8],
) -> bool {
    mac(key, b"station", &[hub_cert_sha256, &Sha256::digest(csr_der), name.as_bytes()]).verify_slice(proof).is_ok()
}

/// The hub's proof: it knows the code, showed `hub_cert_sha256`, and issued `station_cert` under
/// the authority `ca_cert`.
pub fn hub_proof(key: &[u8; 32], hub_cert_sha256: &[u8; 32], station_cert: &[u8], ca_cert: &[u8]) -> [u8; 32] {
    mac(key, b"hub", &[hub_cert_sha256, &Sha256::digest(station_cert), &Sha256::digest(ca_cert)])
        .finalize()
        .into_bytes()
        .into()
}

pub fn check_hub_proof(
    key: &[u8; 32],
    hub_cert_sha256: &[u8; 32],
    station_cert: &[u8],
    ca_cert: &[u8],
    proof: &[u8],
) -> bool {
    mac(key, b"hub", &[hub_cert_sha256, &Sha256::digest(station_cert), &Sha256::digest(ca_cert)])
        .verify_slice(proof)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_forgive_typing_and_refuse_the_wrong_length() {
        for _ in 0..50 {
            let code = EnrolmentCode::random();
            let shown = code.display();
            assert_eq!(shown.len(), 24);
            assert_eq!(EnrolmentCode::parse(&shown).unwrap(), code);
            let sloppy = shown.to_lowercase().replace('-', " ").replace('1', "l").replace('0', "o");
            assert_eq!(EnrolmentCode::parse(&sloppy).unwrap(), code);
            assert_eq!(code.proof_key(), EnrolmentCode::parse(&shown).unwrap().proof_key());
        }
        assert!(EnrolmentCode::parse("ABCD-EFGH").is_err());
        assert!(EnrolmentCode::parse("ABCD-EFGH-JKMN-PQRS-TVWU").is_err());
        assert!(EnrolmentCode::parse("ABCD-EFGH-JKMN-PQRS-TVWX-Y").is_err());
        assert!(EnrolmentCode::parse("ÄBCD-EFGH-JKMN-PQRS-TVWX").is_err());
    }

    #[test]
    fn a_proof_holds_only_for_what_was_seen_and_the_right_code() {
        let code = EnrolmentCode::random();
        let key = code.proof_key();
        let hub = [7u8; 32];
        let proof = station_proof(&key, &hub, b"csr", "Booth 1");
        assert!(check_station_proof(&key, &hub, b"csr", "Booth 1", &proof));
        // A relay's certificate, another CSR, another name, another code: refused.
        assert!(!check_station_proof(&key, &[8u8; 32], b"csr", "Booth 1", &proof));
        assert!(!check_station_proof(&key, &hub, b"csr2", "Booth 1", &proof));
        assert!(!check_station_proof(&key, &hub, b"csr", "Booth 2", &proof));
        assert!(!check_station_proof(&EnrolmentCode::random().proof_key(), &hub, b"csr", "Booth 1", &proof));
        // The two directions never stand in for each other.
        let back = hub_proof(&key, &hub, b"csr", b"");
        assert!(!check_station_proof(&key, &hub, b"csr", "", &back));
        assert!(check_hub_proof(&key, &hub, b"csr", b"", &back));
        assert!(!check_hub_proof(&key, &hub, b"cert", b"ca", &back));
    }
}
