use std::path::PathBuf;

use interview::{Localized, UserFacing};

use crate::source::{DeviceKind, SourceError};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{kind} delivered nothing within {ms} ms", kind = .kind.as_str())]
    NotDelivering { kind: DeviceKind, ms: u64 },
    #[error("not enough free disk space at {path}: {free} bytes free, {needed} needed")]
    DiskSpace { path: PathBuf, free: u64, needed: u64 },
    #[error("unknown device {0:?}")]
    UnknownDevice(String),
    #[error("encoder: {0}")]
    Encode(String),
    #[error("question {question_id}: all {allowed} attempts used")]
    NoAttemptsLeft { question_id: i64, allowed: u32 },
    #[error("the capture pipeline stopped")]
    PipelineGone,
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    /// The answer store (a station's spool) could not keep a step; the detail is for the log.
    #[error("the answer store: {0}")]
    Store(String),
}

impl CaptureError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> CaptureError + '_ {
        move |source| CaptureError::Io { path: path.to_owned(), source }
    }
}

fn device_zh(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Camera => "摄像头",
        DeviceKind::Microphone => "麦克风",
    }
}

fn source_kind(error: &SourceError) -> Option<DeviceKind> {
    match error {
        SourceError::NoDevice { kind } => Some(*kind),
        _ => None,
    }
}

impl UserFacing for CaptureError {
    fn code(&self) -> &'static str {
        match self {
            CaptureError::Source(SourceError::NoDevice { .. }) => "capture.no_device",
            CaptureError::Source(SourceError::Disconnected { .. }) => "capture.disconnected",
            CaptureError::Source(SourceError::Stalled { .. }) => "capture.stalled",
            CaptureError::Source(SourceError::Failed { .. }) => "capture.device_failed",
            CaptureError::NotDelivering { .. } => "capture.not_delivering",
            CaptureError::DiskSpace { .. } => "capture.disk_space",
            CaptureError::UnknownDevice(_) => "capture.unknown_device",
            CaptureError::Encode(_) => "capture.encode",
            CaptureError::NoAttemptsLeft { .. } => "capture.no_attempts_left",
            CaptureError::PipelineGone => "capture.pipeline_gone",
            CaptureError::Io { .. } => "capture.io",
            CaptureError::Vault(e) => e.code(),
            CaptureError::Store(_) => "capture.store",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            CaptureError::Source(e) => match source_kind(e) {
                Some(kind) => Localized::new(
                    format!("没有连接{}。请连接设备后重试，或请工作人员协助。", device_zh(kind)),
                    format!("No {} is connected. Connect one and try again, or ask the clerk for help.", kind.as_str()),
                ),
                None => Localized::new(
                    "录制设备出现故障。请检查摄像头和麦克风的连接，或请工作人员协助。",
                    "A recording device failed. Check the camera and microphone connections, or ask the clerk for help.",
                ),
            },
            CaptureError::NotDelivering { kind, .. } => Localized::new(
                format!("{}没有信号，面试无法开始。请检查连接，或请工作人员协助。", device_zh(*kind)),
                format!(
                    "The {} is not delivering anything, so the interview cannot start. Check its connection or ask the clerk.",
                    kind.as_str()
                ),
            ),
            CaptureError::DiskSpace { free, needed, .. } => Localized::new(
                format!(
                    "磁盘空间不足，面试无法开始：需要 {} MB，可用 {} MB。请管理员清理空间或执行数据保留任务。",
                    needed / 1_000_000,
                    free / 1_000_000
                ),
                format!(
                    "Not enough disk space to start the interview: {} MB needed, {} MB free. Ask the administrator to free space or run the retention job.",
                    needed / 1_000_000,
                    free / 1_000_000
                ),
            ),
            CaptureError::UnknownDevice(id) => Localized::new(
                format!("找不到设备“{id}”。请在设备设置中重新选择。"),
                format!("Device “{id}” was not found. Choose it again in the device settings."),
            ),
            CaptureError::NoAttemptsLeft { allowed, .. } => Localized::new(
                format!("本题最多可作答 {allowed} 次，已全部用完。"),
                format!("This question allows {allowed} attempt(s), and all have been used."),
            ),
            CaptureError::Encode(_) | CaptureError::PipelineGone | CaptureError::Io { .. } | CaptureError::Store(_) => {
                Localized::new(
                    "录制出现内部错误，已保存的部分不受影响。请工作人员查看日志。",
                    "Recording hit an internal error; what was already saved is safe. Ask the clerk to check the log.",
                )
            }
            CaptureError::Vault(e) => e.user_message(),
        }
    }
}
