//! Signed PDF reports. Renders candidate, job and audit reports (A4, zh-CN or en, a subset of
//! Noto Sans CJK embedded, charts as vector graphics), signs them as PAdES baseline B-B
//! certification signatures with the organisation's identity, registers each signed report in
//! the vault, and verifies files against their signature and the vault's register.
//!
//! Rendering and signing take plain data; [`export`] is the one place that reads the vault for
//! a report and records it back.

mod candidate;
mod error;
pub mod export;
mod identity;
mod layout;
pub mod pdfa;
mod sign;
mod slip;
mod summary;
pub mod text;
mod verify;

pub use candidate::{Rendered, SigningNote, draft_reason, render as render_candidate};
pub use error::{ReportError, Result};
pub use export::{Exported, VaultMatch, VerifyReport};
pub use identity::{SigningIdentity, certificates_from_pem, chain_pem, trust_anchors_from_pem};
pub use sign::{SignRequest, sign_pdf};
pub use slip::{Slip, render_slips};
pub use summary::{audit_csv, render_audit, render_job};
pub use verify::{MAX_CERTIFICATES, MAX_REPORT_BYTES, Problem, Verification, readable_pdf_date, verify_pdf};
