//! Kiosk capture: the candidate's camera and microphone, recorded answer by answer into the
//! vault's encrypted media store in segments of a few seconds, so a crash or a pulled cable
//! loses at most the segment in progress.
//!
//! - [`source`]: the `VideoSource` / `AudioSource` traits; [`devices`] implements them for real
//!   hardware (nokhwa, cpal), [`synthetic`] for tests and the demo (with fault injection).
//! - [`pipeline`]: the running capture — previews, level meter, segment encoding, fault pauses.
//! - [`kiosk`]: one question as the backend owns it — countdowns, attempts, faults, the vault.

pub mod devices;
pub mod encode;
mod error;
pub mod frame;
pub mod kiosk;
pub mod pipeline;
pub mod resample;
pub mod source;
pub mod synthetic;

pub use error::CaptureError;
pub use frame::Clock;
pub use kiosk::{AnswerOutcome, Controls, KioskEvent, Limits, Phase, Preflight};
pub use pipeline::{Capture, CaptureEvent, CaptureSettings, Feedback, RecordingStats, Segment};
pub use source::{AudioSource, DeviceInfo, DeviceKind, SourceError, VideoSource};
pub use synthetic::{SyntheticCamera, SyntheticControl, SyntheticMicrophone};
