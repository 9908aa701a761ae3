//! Offline scoring: everything runs on the kiosk's CPU through the pinned ONNX Runtime and
//! pinned models; nothing leaves the machine.
//!
//! - [`audio`]: reading WAV recordings, resampling to 16 kHz mono;
//! - [`mel`]: Whisper's log-mel spectrogram;
//! - [`tokenizer`]: Whisper's byte-level BPE vocabulary (decoding) and special tokens;
//! - [`whisper`]: speech recognition with the converted Whisper encoder/decoder (KV cache);
//! - [`vad`]: Silero voice activity detection;
//! - [`rubric`]: explainable rubric matching with evidence;
//! - [`resume`]: personalised questions: conditions over résumé facts, matched the same way;
//! - [`metrics`]: delivery metrics (shown, never scored);
//! - [`faces`]: counting faces on stills for proctoring flags (never recognising anyone);
//! - [`pipeline`]: one answer end to end, and an interview's weighted total and band;
//! - [`runtime`]: loading ONNX Runtime and verified model sessions.
//!
//! Nothing here infers emotion, expression, tone, confidence or appearance.

pub mod audio;
pub mod chinese;
mod error;
pub mod eval;
pub mod faces;
pub mod live;
pub mod mel;
pub mod metrics;
pub mod pipeline;
pub mod resume;
pub mod rubric;
pub mod runtime;
pub mod stored;
pub mod tokenizer;
pub mod vad;
pub mod whisper;

pub use error::{Result, ScoringError};
pub use pipeline::{AnswerResult, Flag, InterviewScore, Progress, Scorer, Stage, aggregate, aggregate_levels};
pub use runtime::Runtime;
