//! Offline scoring: everything runs on the kiosk's CPU through the pinned ONNX Runtime and
//! pinned models; nothing leaves the machine.
//!
//! - [`audio`]: reading WAV recordings, resampling to 16 kHz mono;
//! - [`mel`]: Whisper's log-mel spectrogram;
//! - [`tokenizer`]: Whisper's byte-level BPE vocabulary (decoding) and special tokens;
//! - [`whisper`]: speech recognition with the converted Whisper encoder/decoder (KV cache);
//! - [`runtime`]: loading ONNX Runtime and verified model sessions.

pub mod audio;
pub mod chinese;
mod error;
pub mod mel;
pub mod runtime;
pub mod tokenizer;
pub mod whisper;

pub use error::{Result, ScoringError};
pub use runtime::Runtime;
