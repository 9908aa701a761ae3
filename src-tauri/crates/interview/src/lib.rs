//! The pure domain of Interview Kiosk.
//!
//! This crate does no I/O: no files, no clock, no database, no network. It holds the vocabulary
//! and the rules every other crate shares: the two interface languages and the contract for
//! errors a person can meet ([`UserFacing`]); roles and the authorisation matrix ([`Role::may`]);
//! weights, bands, the interview state machine, access-code validity and ID-number checks; and
//! the agreement and selection-rate statistics ([`stats`]); what happened to hired people later
//! ([`outcomes`]) and what it says about a job's levels and weights ([`validity`]); résumé facts and the conditions
//! of personalised questions ([`resume`]); follow-up questions and their stored decisions ([`follow_up`]); integrity flags; the choice of recognition models; and the stored shape
//! of scoring results ([`stored`]).

mod access;
pub mod audit_words;
mod flags;
pub mod follow_up;
mod lang;
mod models;
pub mod outcomes;
pub mod resume;
mod rules;
pub mod stats;
pub mod stored;
pub mod validity;

pub use access::{Action, MachineRole, Role};
pub use flags::{FlagKind, FlagStatus};
pub use lang::{Lang, Localized, UserFacing, deserialize_lenient as deserialize_lang};
pub use models::RecognitionModels;
pub use rules::{
    Band, Bands, CodeWindow, InterviewEvent, InterviewState, MAX_NAME_CHARS, RuleError, Weight, check_candidate_name,
    check_email, check_phone, check_resident_id, check_weights, weighted_total,
};
