//! Keys. The database key is 256 random bits kept in the OS credential store; a one-time
//! recovery key (also 256 random bits, shown once) wraps a copy of it in the vault header so
//! access can be restored on a new machine. There is no plaintext key file and no fallback.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Result, VaultError};

/// The credential store's service name for every vault key.
pub const KEYRING_SERVICE: &str = "interview-kiosk";

/// 256 secret bits, wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, zeroize::ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn random() -> SecretKey {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SecretKey(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<SecretKey> {
        Some(SecretKey(bytes.try_into().ok()?))
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for one purpose, derived with HKDF-SHA256 so purposes never share a key.
    pub fn derive(&self, purpose: &str) -> SecretKey {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::new(None, &self.0)
            .expand(purpose.as_bytes(), &mut out)
            .expect("32 bytes is a valid HKDF length");
        SecretKey(out)
    }

    /// SQLCipher's raw-key form, `x'<64 hex digits>'` (no passphrase KDF on open).
    pub(crate) fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0)))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Encrypts `plain` under `key` with XChaCha20-Poly1305; output is nonce ‖ ciphertext.
pub fn seal(key: &SecretKey, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| VaultError::Crypto("seal"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

/// Reverses [`seal`]; `None` if the key is wrong or the bytes were altered.
pub fn open(key: &SecretKey, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < 24 + 16 {
        return None;
    }
    let (nonce, body) = sealed.split_at(24);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad }).ok().map(Zeroizing::new)
}

/// The one-time recovery key: 256 bits written as 13 groups of 4 Crockford base-32 characters
/// (no I, L, O, U; typing them is forgiven).
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryKey(SecretKey);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl RecoveryKey {
    pub fn random() -> RecoveryKey {
        RecoveryKey(SecretKey::random())
    }

    pub(crate) fn key(&self) -> &SecretKey {
        &self.0
    }

    /// The printable form, e.g. `7Q4M-…` (52 characters in 13 groups).
    pub fn display(&self) -> Zeroizing<String> {
        let mut bits: u32 = 0;
        let mut count = 0;
        let mut chars = Zeroizing::new(Vec::with_capacity(52));
        for &byte in self.0.expose() {
            bits = (bits << 8) | u32::from(byte);
            count += 8;
            while count >= 5 {
                count -= 5;
                chars.push(CROCKFORD[((bits >> count) & 31) as usize]);
            }
        }
        if count > 0 {
            chars.push(CROCKFORD[((bits << (5 - count)) & 31) as usize]);
        }
        bits.zeroize();
        let groups: Vec<&str> = chars.chunks(4).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        Zeroizing::new(groups.join("-"))
    }

    /// Parses what a person typed: case, spaces and dashes do not matter.
    pub fn parse(text: &str) -> Result<RecoveryKey> {
        let mut bits: u32 = 0;
        let mut count = 0;
        let mut out = Zeroizing::new(Vec::with_capacity(33));
        let mut digits = 0;
        for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            let value = CROCKFORD.iter().position(|&x| x as char == c).ok_or(VaultError::MalformedRecoveryKey)?;
            digits += 1;
            bits = (bits << 5) | value as u32;
            count += 5;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
            }
        }
        bits.zeroize();
        if digits != 52 || out.len() != 32 {
            return Err(VaultError::MalformedRecoveryKey);
        }
        Ok(RecoveryKey(SecretKey::from_bytes(&out).ok_or(VaultError::MalformedRecoveryKey)?))
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(…)")
    }
}

/// Where the database key lives between runs: the OS credential store (Secret Service on
/// Linux, Credential Manager on Windows, Keychain on macOS), set once at start-up with
/// [`use_platform_store`], or keyring-core's mock store in unit tests.
pub mod credential {
    use super::*;

    fn entry(vault_id: &str) -> Result<keyring_core::Entry> {
        keyring_core::Entry::new(KEYRING_SERVICE, &format!("vault-{vault_id}")).map_err(store_error)
    }

    fn store_error(error: keyring_core::Error) -> VaultError {
        store_error_from(error.to_string())
    }

    fn store_error_from(detail: String) -> VaultError {
        // A locked keyring that cannot ask for its password (no desktop to show the prompt, or
        // with-keyring given the wrong password) answers "prompt dismissed".
        if detail.contains("prompt dismissed") || detail.contains("is locked") {
            return VaultError::CredentialStoreLocked(detail);
        }
        VaultError::CredentialStore(detail)
    }

    /// The entry of a re-key in progress: holds the new key until the new database is in place.
    fn pending_entry(vault_id: &str) -> Result<keyring_core::Entry> {
        entry(&format!("{vault_id}-next"))
    }

    pub fn store(vault_id: &str, key: &SecretKey) -> Result<()> {
        entry(vault_id)?.set_secret(key.expose()).map_err(store_error)
    }

    pub fn load(vault_id: &str) -> Result<SecretKey> {
        load_entry(entry(vault_id)?, vault_id)
    }

    pub fn delete(vault_id: &str) -> Result<()> {
        delete_entry(entry(vault_id)?)
    }

    pub(crate) fn store_pending(vault_id: &str, key: &SecretKey) -> Result<()> {
        pending_entry(vault_id)?.set_secret(key.expose()).map_err(store_error)
    }

    pub(crate) fn load_pending(vault_id: &str) -> Result<SecretKey> {
        load_entry(pending_entry(vault_id)?, vault_id)
    }

    pub(crate) fn delete_pending(vault_id: &str) -> Result<()> {
        delete_entry(pending_entry(vault_id)?)
    }

    fn load_entry(entry: keyring_core::Entry, vault_id: &str) -> Result<SecretKey> {
        match entry.get_secret() {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                SecretKey::from_bytes(&bytes)
                    .ok_or_else(|| VaultError::CredentialStore("stored key has the wrong length".into()))
            }
            Err(keyring_core::Error::NoEntry) => Err(VaultError::KeyMissing { vault_id: vault_id.to_owned() }),
            Err(other) => Err(store_error(other)),
        }
    }

    fn delete_entry(entry: keyring_core::Entry) -> Result<()> {
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(other) => Err(store_error(other)),
        }
    }

    /// A secret of this installation other than a vault key (a station's TLS key, its spool
    /// key), under its own `name` in the same service.
    pub fn store_named(name: &str, secret: &[u8]) -> Result<()> {
        keyring_core::Entry::new(KEYRING_SERVICE, name).map_err(store_error)?.set_secret(secret).map_err(store_error)
    }

    /// Reads a secret [`store_named`] kept; `None` if there is none.
    pub fn load_named(name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match keyring_core::Entry::new(KEYRING_SERVICE, name).map_err(store_error)?.get_secret() {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(other) => Err(store_error(other)),
        }
    }

    pub fn delete_named(name: &str) -> Result<()> {
        delete_entry(keyring_core::Entry::new(KEYRING_SERVICE, name).map_err(store_error)?)
    }

    /// Makes the platform's credential store the default. Call once at start-up.
    pub fn use_platform_store() -> Result<()> {
        if keyring_core::get_default_store().is_some() {
            return Ok(());
        }
        // `keyring` makes its platform store the default the first time it is asked for it
        // (once per process; the result is kept).
        match keyring::Entry::store_status() {
            Ok(()) => Ok(()),
            Err(error) => Err(store_error_from(error.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_keys_round_trip_and_forgive_typing() {
        for _ in 0..50 {
            let key = RecoveryKey::random();
            let shown = key.display();
            assert_eq!(shown.len(), 52 + 12);
            assert_eq!(RecoveryKey::parse(&shown).unwrap(), key);
            let sloppy = shown.to_lowercase().replace('-', " ").replace('1', "l").replace('0', "o");
            assert_eq!(RecoveryKey::parse(&sloppy).unwrap(), key);
        }
        assert!(matches!(RecoveryKey::parse("ABCD-EFGH"), Err(VaultError::MalformedRecoveryKey)));
        assert!(matches!(RecoveryKey::parse(&"U".repeat(52)), Err(VaultError::MalformedRecoveryKey)));
    }

    #[test]
    fn sealing_detects_a_wrong_key_a_flipped_bit_and_wrong_context() {
        let key = SecretKey::random();
        let sealed = seal(&key, b"database key", b"vault-1").unwrap();
        assert_eq!(open(&key, &sealed, b"vault-1").unwrap().as_slice(), b"database key");
        assert!(open(&SecretKey::random(), &sealed, b"vault-1").is_none());
        assert!(open(&key, &sealed, b"vault-2").is_none());
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert!(open(&key, &flipped, b"vault-1").is_none());
    }

    #[test]
    fn derived_keys_differ_per_purpose() {
        let key = SecretKey::random();
        assert_ne!(key.derive("a"), key.derive("b"));
        assert_eq!(key.derive("a"), key.derive("a"));
        assert_eq!(format!("{key:?}"), "SecretKey(…)");
    }
}
