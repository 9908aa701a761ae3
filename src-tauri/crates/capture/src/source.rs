//! The two traits every camera and microphone implements — real devices through nokhwa and cpal,
//! synthetic ones for tests and the demo. The pipeline cannot tell them apart.

use std::time::Duration;

use serde::Serialize;

use crate::frame::{AudioChunk, Clock, VideoFrame};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Camera,
    Microphone,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
        }
    }
}

/// A device as listed for the administrator and remembered per kiosk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    /// Stable identifier: `camera:<index>`, a cpal id such as `alsa:default`, or `synthetic:<name>`.
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
    pub synthetic: bool,
}

/// Why a source delivered nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("no {0} is connected", .kind.as_str())]
    NoDevice { kind: DeviceKind },
    #[error("{device} was disconnected")]
    Disconnected { device: String },
    #[error("{device} delivered nothing for {ms} ms")]
    Stalled { device: String, ms: u64 },
    #[error("{device}: {detail}")]
    Failed { device: String, detail: String },
}

/// A camera. `next_frame` blocks until a frame arrives or `timeout` passes ([`SourceError::Stalled`]).
pub trait VideoSource: Send {
    fn info(&self) -> DeviceInfo;
    /// Starts delivering frames stamped on `clock`. Called again after a failure to reopen.
    fn open(&mut self, clock: Clock) -> Result<(), SourceError>;
    fn next_frame(&mut self, timeout: Duration) -> Result<VideoFrame, SourceError>;
    fn close(&mut self);
}

/// A microphone, delivering mono chunks at its own rate.
pub trait AudioSource: Send {
    fn info(&self) -> DeviceInfo;
    fn open(&mut self, clock: Clock) -> Result<(), SourceError>;
    fn next_chunk(&mut self, timeout: Duration) -> Result<AudioChunk, SourceError>;
    fn close(&mut self);
}
