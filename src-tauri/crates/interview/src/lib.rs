//! The pure domain of Interview Kiosk.
//!
//! This crate does no I/O: no files, no clock, no database, no network. It holds the vocabulary
//! every other crate shares. Today that is the two interface languages and the contract for
//! errors a person can meet ([`UserFacing`]); the interview rules (weights, bands, the interview
//! state machine, who may do what) join it as the vault issue lands.

mod lang;

pub use lang::{Lang, Localized, UserFacing};
