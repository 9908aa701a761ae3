//! Reports: the organisation's signing identity, the time a report is dated with, and writing
//! what was exported.

use std::io::Write as _;
use std::path::Path;

use report::SigningIdentity;
use time::OffsetDateTime;
use vault::{NewSigningIdentity, Session, Vault};

use crate::FlowError;

/// Makes `identity` the one reports are signed with (`imported`: the agency's own PKCS#12
/// rather than a certificate the app made).
pub fn install_signing_identity(
    vault: &mut Vault,
    session: &Session,
    identity: &SigningIdentity,
    imported: bool,
) -> Result<(), FlowError> {
    vault.set_signing_identity(
        session,
        &NewSigningIdentity {
            key_pkcs8: identity.key_pkcs8()?,
            chain_der: identity.chain_der().to_vec(),
            imported,
            subject: identity.subject(),
            fingerprint: identity.fingerprint(),
            root_fingerprint: identity.root_fingerprint(),
        },
    )?;
    Ok(())
}

/// The machine's UTC offset, read once at start-up: the `time` crate reads it only while the
/// process has a single thread (the zone database is not thread-safe to consult on Unix).
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Call first thing in `main`, before any thread starts.
pub fn capture_local_offset() {
    let _ = LOCAL_OFFSET.set(time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
}

/// Now, in the machine's zone (UTC when it could not be read): what reports are dated with.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC))
}

/// Writes a new file (refusing to replace one) and syncs it.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            FlowError::Vault(vault::VaultError::TargetExists(path.to_owned()))
        } else {
            FlowError::Write { path: path.to_owned(), source: e }
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| FlowError::Write { path: path.to_owned(), source: e })
}
