//! The tamper-evident audit log: a SHA-256 hash chain over every entry, with Ed25519-signed
//! checkpoints inside the database and a copy of the latest checkpoint outside it.
//!
//! Each entry is written in the same transaction as the change it records. Editing, deleting,
//! reordering or truncating entries breaks the chain or a checkpoint; restoring an older copy
//! of the whole database is caught by the checkpoint file, which is always at least as new.

use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Result, VaultError};
use crate::files;

/// A signed checkpoint row is added every this many entries.
pub const CHECKPOINT_EVERY: i64 = 1000;

/// Who did what, to what, with which outcome. Never personal data: objects are named by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub object: String,
    pub outcome: Outcome,
    pub device: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// What the chain is bound to: the vault's identity and its checkpoint-signing key.
pub(crate) struct Chain {
    pub genesis: [u8; 32],
    pub signing: SigningKey,
}

impl Chain {
    pub fn new(vault_id: &str, signing: SigningKey) -> Chain {
        let genesis = Sha256::new()
            .chain_update(b"interview-kiosk audit v1\0")
            .chain_update(vault_id.as_bytes())
            .finalize()
            .into();
        Chain { genesis, signing }
    }
}

fn entry_hash(prev: &[u8], seq: i64, at_ms: i64, e: &Entry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at_ms.to_be_bytes());
    h.update(e.actor_id.unwrap_or(-1).to_be_bytes());
    for field in
        [e.actor.as_str(), e.role.as_str(), e.action.as_str(), e.object.as_str(), e.outcome.as_str(), e.device.as_str()]
    {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

fn checkpoint_message(genesis: &[u8; 32], seq: i64, head: &[u8], at_ms: i64) -> Vec<u8> {
    [b"interview-kiosk checkpoint v1\0".as_slice(), genesis, &seq.to_be_bytes(), head, &at_ms.to_be_bytes()].concat()
}

/// The last entry's sequence number and hash (genesis when empty).
pub(crate) fn head(conn: &Connection, chain: &Chain) -> Result<(i64, [u8; 32])> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((seq, hash)) => {
            (seq, hash.try_into().map_err(|_| VaultError::AuditBroken { seq, reason: "hash length".into() })?)
        }
        None => (0, chain.genesis),
    })
}

/// Appends an entry inside the caller's transaction and returns the new head (sequence number
/// and hash).
pub(crate) fn append(conn: &Connection, chain: &Chain, at_ms: i64, entry: &Entry) -> Result<(i64, [u8; 32])> {
    let (prev_seq, prev_hash) = head(conn, chain)?;
    let seq = prev_seq + 1;
    let hash = entry_hash(&prev_hash, seq, at_ms, entry);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at_ms, actor_id, actor, role, action, object, outcome, device, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        seq,
        at_ms,
        entry.actor_id,
        entry.actor,
        entry.role,
        entry.action,
        entry.object,
        entry.outcome.as_str(),
        entry.device,
        prev_hash.as_slice(),
        hash.as_slice()
    ])?;
    if seq % CHECKPOINT_EVERY == 0 {
        let signature = chain.signing.sign(&checkpoint_message(&chain.genesis, seq, &hash, at_ms));
        conn.execute(
            "INSERT INTO audit_checkpoints (seq, head_hash, at_ms, signature) VALUES (?1, ?2, ?3, ?4)",
            params![seq, hash.as_slice(), at_ms, signature.to_bytes().as_slice()],
        )?;
    }
    Ok((seq, hash))
}

/// The latest checkpoint, kept in `checkpoint.json` next to the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub head_hash: String,
    pub at_ms: i64,
    pub signature: String,
}

impl Checkpoint {
    pub(crate) fn sign(chain: &Chain, seq: i64, head: &[u8; 32], at_ms: i64) -> Checkpoint {
        let signature = chain.signing.sign(&checkpoint_message(&chain.genesis, seq, head, at_ms));
        Checkpoint { seq, head_hash: hex::encode(head), at_ms, signature: hex::encode(signature.to_bytes()) }
    }

    fn verify(&self, chain: &Chain, key: &VerifyingKey) -> bool {
        let (Ok(head), Ok(sig)) = (hex::decode(&self.head_hash), hex::decode(&self.signature)) else { return false };
        let Ok(sig) = Signature::from_slice(&sig) else { return false };
        key.verify(&checkpoint_message(&chain.genesis, self.seq, &head, self.at_ms), &sig).is_ok()
    }

    /// Whether this checkpoint was signed by the vault's checkpoint key (a damaged or forged file
    /// is not).
    pub(crate) fn is_authentic(&self, chain: &Chain) -> bool {
        self.verify(chain, &chain.signing.verifying_key())
    }

    pub fn load(path: &Path) -> Result<Option<Checkpoint>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| VaultError::Header { path: path.to_owned(), detail: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(VaultError::io(path)(e)),
        }
    }

    pub(crate) fn store(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|_| VaultError::Crypto("checkpoint encoding"))?;
        files::write_atomic(path, &json)
    }
}

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: i64,
    pub checkpoints: i64,
    pub head_hash: [u8; 32],
}

/// Recomputes the whole chain, checks every signed checkpoint inside the database and the
/// checkpoint outside it. The error names the first bad entry.
pub(crate) fn verify(conn: &Connection, chain: &Chain, outside: Option<&Checkpoint>) -> Result<Verified> {
    let key = chain.signing.verifying_key();
    let mut checkpoints =
        conn.prepare("SELECT seq, head_hash, at_ms, signature FROM audit_checkpoints ORDER BY seq")?;
    let mut checkpoints = checkpoints
        .query_map([], |r| {
            Ok(Checkpoint {
                seq: r.get(0)?,
                head_hash: hex::encode(r.get::<_, Vec<u8>>(1)?),
                at_ms: r.get(2)?,
                signature: hex::encode(r.get::<_, Vec<u8>>(3)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .peekable();
    let mut stmt = conn.prepare(
        "SELECT seq, at_ms, actor_id, actor, role, action, object, outcome, device, prev_hash, hash FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = chain.genesis;
    let mut checked = 0;
    let broken = |seq: i64, reason: &str| VaultError::AuditBroken { seq, reason: reason.to_owned() };
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq != expected_seq {
            return Err(broken(expected_seq, "entry missing or out of order"));
        }
        let outcome = match row.get::<_, String>(7)?.as_str() {
            "ok" => Outcome::Ok,
            "denied" => Outcome::Denied,
            "failed" => Outcome::Failed,
            _ => return Err(broken(seq, "unknown outcome")),
        };
        let entry = Entry {
            actor_id: row.get(2)?,
            actor: row.get(3)?,
            role: row.get(4)?,
            action: row.get(5)?,
            object: row.get(6)?,
            outcome,
            device: row.get(8)?,
        };
        let stored_prev: Vec<u8> = row.get(9)?;
        let stored_hash: Vec<u8> = row.get(10)?;
        if stored_prev != prev {
            return Err(broken(seq, "does not follow the previous entry"));
        }
        let hash = entry_hash(&prev, seq, row.get(1)?, &entry);
        if stored_hash != hash {
            return Err(broken(seq, "content does not match its hash"));
        }
        while let Some(cp) = checkpoints.next_if(|cp| cp.seq <= seq) {
            if cp.seq != seq || cp.head_hash != hex::encode(hash) || !cp.verify(chain, &key) {
                return Err(broken(cp.seq, "signed checkpoint does not match"));
            }
            checked += 1;
        }
        if let Some(cp) = outside
            && cp.seq == seq
            && (cp.head_hash != hex::encode(hash) || !cp.verify(chain, &key))
        {
            return Err(broken(seq, "checkpoint outside the database does not match"));
        }
        prev = hash;
        expected_seq += 1;
    }
    let entries = expected_seq - 1;
    if let Some(cp) = checkpoints.next() {
        return Err(broken(cp.seq, "entries after this signed checkpoint were removed"));
    }
    if let Some(cp) = outside
        && cp.seq > entries
    {
        return Err(VaultError::RolledBack { db_seq: entries, checkpoint_seq: cp.seq });
    }
    Ok(Verified { entries, checkpoints: checked, head_hash: prev })
}
