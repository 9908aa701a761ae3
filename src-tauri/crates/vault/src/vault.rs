//! The vault: one directory holding the encrypted database, the encrypted media and the
//! header that says how to open them.
//!
//! ```text
//! <data dir>/vault/vault.db         SQLCipher database (raw 256-bit key from the credential store)
//! <data dir>/vault/vault.json       header: vault id, recovery-wrapped key, checkpoint public key
//! <data dir>/vault/checkpoint.json  the latest signed audit checkpoint, outside the database
//! <data dir>/vault/media/           encrypted recording segments and stills
//! ```
//!
//! [`Vault`]'s operations are grouped by subject in the modules below (one home for each rule);
//! this file holds the struct and the plumbing they share: the clock, the writes that record
//! their audit entry in the same transaction, and keyed hashes.

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

use interview::Role;

use self::lifecycle::Header;
use crate::audit::{self, Chain, Checkpoint, Entry, Outcome};
use crate::error::{Result, VaultError};
use crate::keys::SecretKey;
use crate::lock::VaultLock;
use rusqlite::Connection;

mod api;
mod audit_log;
mod backup;
mod batch;
#[cfg(feature = "bench-internals")]
mod bench;
mod candidates;
mod follow_ups;
mod interviews;
mod invitations;
mod jobs;
mod lifecycle;
mod office;
mod outcomes;
mod recording;
mod rekey;
mod reports;
mod results;
mod resumes;
mod retention;
mod reviews;
mod tokens;
mod users;

pub use api::{Created, IDEMPOTENCY_WINDOW_MS, Idempotency, InterviewStatus};
pub use audit_log::{AuditFilter, AuditHead, AuditRow};
pub use backup::{BackupReport, Replacing, RestoreReport};
pub use candidates::{CandidateFilter, CandidatePage, CandidateRow, IdLookup, NewCandidate};
pub use follow_ups::AnswerFollowUp;
pub use interviews::{ActiveInterview, CheckIn, KioskPlan, KioskQuestion, StatusBoard};
pub use invitations::{AccessCode, MAX_EXTRA_TIME_PCT};
pub use jobs::{JobInfo, JobSummary, NewJob, NewQuestion, QuestionInfo};
pub use lifecycle::{CheckReport, VaultPaths, VaultStatus, vault_id_at};
pub use office::{
    Applied, Completion, ENROLMENT_CODE_TTL_MS, Lease, MAX_ENROLMENT_FAILURES, OfficeAuthority, StationEntry,
    StationInfo, StationPresence,
};
pub use outcomes::{JobVersion, NewOutcome, OutcomeLookup, OutcomeTarget, WeightsReview};
pub use recording::{Attempts, MediaInfo, NewSegment, SegmentPart, UnfinishedAnswer, format as media_format};
pub use reports::{
    AnswerRecord, AnswerScore, DecisionRecord, FlagRecord, FollowUpRecord, InterviewRecord, JobCandidateRecord,
    NewReport, NewSigningIdentity, Organisation, RatingRecord, ReportRecord, SigningIdentityInfo,
    StoredSigningIdentity,
};
pub use results::{
    AnswerInfo, ExportedResult, MAX_ATTEMPTS, NewFlag, NewScore, NewTranscript, ScoringJob, ScoringRecord,
};
pub use resumes::{MAX_PERSONALISED, Personalisation, PlannedQuestion, ResumeRecord};
pub use retention::{DEFAULT_RETENTION_DAYS, PurgeReport};
pub use reviews::ReviewRequest;
pub use tokens::{ApiCaller, ApiTokenInfo, SCOPES as API_SCOPES};
pub use users::{NewUser, Session, UserInfo};

/// Where time comes from: the system clock, or a fixed clock in tests.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_clock() -> Clock {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    })
}

/// An open vault. One writer: the connection is owned here and every write goes through
/// [`Vault::write`], which records the audit entry in the same transaction.
pub struct Vault {
    paths: VaultPaths,
    header: Header,
    conn: Connection,
    key: SecretKey,
    media_key: SecretKey,
    lookup_key: SecretKey,
    chain: Chain,
    clock: Clock,
    /// Audit entries held for group commit (the local API); empty unless batching is on.
    batch: batch::AuditBatch,
    /// This process's hold on the vault (shared; exclusive while re-keying or migrating).
    lock: VaultLock,
    /// The station journal entry the next [`Vault::write_naming`] applies (the hub): its
    /// position moves in the same transaction as the change it records.
    station_step: Option<office::StationStep>,
    /// The plan rule for personalised questions ([`Vault::set_personaliser`]).
    personaliser: Option<interview::resume::Personaliser>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.paths.dir)
            .field("vault_id", &self.header.vault_id)
            .finish_non_exhaustive()
    }
}

const SYSTEM_DEVICE: &str = "local";

impl Vault {
    fn now(&self) -> i64 {
        (self.clock)()
    }

    fn system_actor(&self) -> Session {
        Session::unsigned("system".into(), Role::Admin, SYSTEM_DEVICE.into())
    }

    /// Runs `change` and its audit entry in one transaction, then moves the checkpoint outside
    /// the database forward. If either write fails, neither happens.
    fn write<T>(
        &mut self,
        actor: &Session,
        action: &str,
        object: &str,
        change: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_naming(actor, action, |tx| Ok((object.to_owned(), change(tx)?)))
    }

    /// [`Vault::write`] for a change whose audit object is known only inside the transaction —
    /// a new row, whose id [`next_id`] allocates there (so two processes writing one vault never
    /// pick the same id).
    fn write_naming<T>(
        &mut self,
        actor: &Session,
        action: &str,
        change: impl FnOnce(&Transaction<'_>) -> Result<(String, T)>,
    ) -> Result<T> {
        let now = self.now();
        let committed = (|| {
            let tx = self.conn.transaction()?;
            // Entries held for group commit go first, in the same transaction: the chain stays
            // in the order things happened.
            self.batch.append_to(&tx, &self.chain)?;
            let (object, value) = change(&tx)?;
            if let Some(step) = self.station_step.take() {
                step.record(&tx, &object)?;
            }
            let entry = audit_entry(actor, action, &object, Outcome::Ok);
            let (seq, head) = audit::append(&tx, &self.chain, now, &entry)?;
            tx.commit()?;
            Ok((seq, head, value))
        })();
        let (seq, head, value) = committed.map_err(|error: VaultError| error.on_disk_of(&self.paths.dir))?;
        self.batch.clear();
        self.checkpoint_after_commit(seq, &head, now);
        Ok(value)
    }

    /// Moves the checkpoint outside the database forward after a commit. The change is already
    /// committed, so a failure here (a full disk) must not be reported as the change failing: a
    /// checkpoint that lags behind is safe (the roll-back check compares it with the database,
    /// which is ahead), and the next write moves it forward again.
    fn checkpoint_after_commit(&self, seq: i64, head: &[u8; 32], now: i64) {
        if let Err(error) = self.store_checkpoint(seq, head, now) {
            tracing::warn!(%error, seq, "the checkpoint outside the database was not moved forward; the change is committed");
        }
    }

    /// An audit entry for something that changed nothing (a denial, a failure).
    fn audit_only(&mut self, actor: &Session, action: &str, object: &str, outcome: Outcome) -> Result<()> {
        self.append_only(&audit_entry(actor, action, object, outcome))
    }

    fn append_only(&mut self, entry: &Entry) -> Result<()> {
        let now = self.now();
        if self.batch.enabled {
            self.batch.hold(now, entry.clone());
            return Ok(());
        }
        // Batching is off, so nothing is held: `set_audit_batching(false)` flushed it.
        let (seq, head) = (|| {
            let tx = self.conn.transaction()?;
            let head = audit::append(&tx, &self.chain, now, entry)?;
            tx.commit()?;
            Ok(head)
        })()
        .map_err(|error: VaultError| error.on_disk_of(&self.paths.dir))?;
        self.checkpoint_after_commit(seq, &head, now);
        Ok(())
    }

    /// Moves the signed checkpoint outside the database to the head just committed.
    fn store_checkpoint(&self, seq: i64, head: &[u8; 32], at_ms: i64) -> Result<()> {
        Checkpoint::sign(&self.chain, seq, head, at_ms).store(&self.paths.checkpoint())
    }

    /// A keyed hash for looking things up without storing them (ID numbers, access codes).
    fn lookup_hash(&self, purpose: &str, value: &str) -> Vec<u8> {
        keyed_hash(&self.lookup_key.derive(purpose), value)
    }
}

fn keyed_hash(key: &SecretKey, value: &str) -> Vec<u8> {
    Sha256::new().chain_update(key.expose()).chain_update(value.as_bytes()).finalize().to_vec()
}

/// The next id of `table`, inside the caller's transaction (which holds the write lock from its
/// start, see `db::open_keyed`), so no other writer can take it before the commit.
fn next_id(tx: &Transaction<'_>, table: &'static str) -> Result<i64> {
    Ok(tx.query_row(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"), [], |r| r.get(0))?)
}

fn audit_entry(actor: &Session, action: &str, object: &str, outcome: Outcome) -> Entry {
    // The auditor reads every action in words (interview::audit_words); a new one needs them.
    debug_assert!(
        interview::audit_words::is_known_action(action),
        "audit action {action:?} has no words in interview::audit_words"
    );
    Entry {
        actor_id: (actor.user_id > 0).then_some(actor.user_id),
        actor: actor.username.clone(),
        role: if actor.is_api() { "api".to_owned() } else { actor.role.as_str().to_owned() },
        action: action.to_owned(),
        object: object.to_owned(),
        outcome,
        device: actor.device.clone(),
    }
}
