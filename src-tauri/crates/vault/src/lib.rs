//! The vault: everything Interview Kiosk knows, encrypted on the local disk.
//!
//! - an SQLCipher database opened with a random 256-bit raw key kept in the OS credential
//!   store ([`keys`]), with a one-time recovery key for a new machine;
//! - an encrypted media store ([`media`]) for recordings and stills;
//! - accounts with Argon2id passwords, lockout and idle-expiring sessions; every operation
//!   takes the acting [`Session`] and is authorised against [`interview::Role::may`];
//! - a hash-chained audit log ([`audit`]) written in the same transaction as each change, with
//!   signed checkpoints inside the database and outside it.
//!
//! **Only this crate opens the database** (the `db` module is the one place that does).

pub mod accounts;
pub mod audit;
mod db;
mod error;
mod files;
pub mod keys;
pub mod lock;
pub mod media;
mod schema;
mod vault;

pub use error::{Result, VaultError, changed_meanwhile};
pub use keys::RecoveryKey;
pub use schema::CURRENT_VERSION as SCHEMA_VERSION;
pub use vault::{
    API_SCOPES, AccessCode, AnswerInfo, ApiCaller, ApiTokenInfo, Attempts, AuditFilter, AuditRow, BackupReport,
    CandidateFilter, CandidatePage, CandidateRow, CheckIn, CheckReport, Clock, Created, DEFAULT_RETENTION_DAYS,
    ExportedResult, IDEMPOTENCY_WINDOW_MS, IdLookup, Idempotency, InterviewStatus, JobInfo, KioskPlan, KioskQuestion,
    MAX_ATTEMPTS, MAX_EXTRA_TIME_PCT, MediaInfo, NewCandidate, NewFlag, NewJob, NewQuestion, NewScore, NewSegment,
    NewTranscript, NewUser, PurgeReport, Replacing, RestoreReport, ScoringJob, ScoringRecord, SegmentPart, Session,
    UnfinishedAnswer, UserInfo, Vault, VaultPaths, VaultStatus, media_format, vault_id_at,
};
pub use vault::{ActiveInterview, JobSummary, QuestionInfo, ReviewRequest, StatusBoard};
pub use vault::{AnswerFollowUp, FollowUpRecord};
pub use vault::{
    AnswerRecord, AnswerScore, AuditHead, DecisionRecord, FlagRecord, InterviewRecord, JobCandidateRecord, NewReport,
    NewSigningIdentity, Organisation, RatingRecord, ReportRecord, SigningIdentityInfo, StoredSigningIdentity,
};
pub use vault::{
    Applied, Completion, ENROLMENT_CODE_TTL_MS, Lease, MAX_ENROLMENT_FAILURES, OfficeAuthority, StationEntry,
    StationInfo, StationPresence,
};
pub use vault::{JobVersion, NewOutcome, OutcomeLookup, OutcomeTarget, WeightsReview};
pub use vault::{MAX_PERSONALISED, Personalisation, PlannedQuestion, ResumeRecord};
