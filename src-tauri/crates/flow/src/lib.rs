//! The product's use cases, as plain functions over the domain crates: what the desktop
//! windows, the command line and the demo all do, written once.
//!
//! - [`scoring`]: scoring an interview or the durable queue from the recordings in the vault,
//!   and recording what came out (transcripts, levels with their evidence, flags, totals);
//! - [`worker`]: the kiosk's background scoring, on its own vault handle, only while no
//!   candidate is at the station;
//! - [`station`]: a candidate's visit at a kiosk station, step by step (sign-in and crash
//!   recovery, check-in, consent, each answer, the end);
//! - [`reports`]: the signing identity, and writing exported files;
//! - [`import`]: checked HRMS rows as new candidates.
//!
//! Every function takes the vault and the acting session and returns typed results; nothing
//! here prints, parses arguments or knows about windows (the shell does).

mod error;
pub mod follow_up;
pub mod import;
pub mod reports;
pub mod scoring;
pub mod station;
pub mod worker;

pub use error::FlowError;
