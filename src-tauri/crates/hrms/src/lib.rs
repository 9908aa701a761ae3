//! Working with the agency's HRMS — nothing of ours calls out; the agency's systems bring files
//! and call a local API:
//!
//! - [`import`]: candidates from CSV (UTF-8 or GB18030, comma or tab) and XLSX, with column
//!   mapping, a validation of every row, and an error list to download;
//! - [`outcomes`]: what happened to hired people later (probation, ratings, leaving), from the
//!   same kinds of file, matched by ID number and checked row by row;
//! - [`resume_file`]: a résumé's text from a PDF or DOCX file a clerk attaches (a scanned PDF
//!   told apart), bounded against hostile files;
//! - [`export`]: results as CSV, XLSX or JSON, safe against formula injection;
//! - [`api`]: the opt-in local HTTP API (off unless an administrator serves it), with [`tls`]
//!   when it is served beyond this machine.
//!
//! Import and export parse and format only; the vault writes (one transaction per import).

#[cfg(feature = "api")]
pub mod api;
pub mod export;
#[cfg(feature = "api")]
pub mod guard;
pub mod import;
pub mod outcomes;
pub mod resume_file;
#[cfg(feature = "api")]
pub mod tls;
