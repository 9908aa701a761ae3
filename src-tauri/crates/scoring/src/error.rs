use std::path::PathBuf;

use interview::{Localized, UserFacing};
use manifest::AssetError;

/// Everything scoring can fail at. `Display` is for the log; people read [`UserFacing`].
#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    #[error(transparent)]
    Asset(#[from] AssetError),
    #[error("loading ONNX Runtime from {path}: {detail}")]
    Runtime { path: PathBuf, detail: String },
    #[error("model {model}: {detail}")]
    Model { model: String, detail: String },
    #[error("audio {what}: {detail}")]
    Audio { what: String, detail: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// ONNX Runtime would start its telemetry: the process did not set `ORT_DISABLE_TELEMETRY=1`
    /// before loading it (see `runtime::TELEMETRY_OPT_OUT`).
    #[error("ORT_DISABLE_TELEMETRY is not 1 in this process ({found:?}); ONNX Runtime was not loaded")]
    TelemetryNotDisabled { found: Option<String> },
}

impl ScoringError {
    pub(crate) fn model(model: &str) -> impl FnOnce(ort::Error) -> ScoringError + '_ {
        move |error| ScoringError::Model { model: model.to_owned(), detail: error.to_string() }
    }
}

impl UserFacing for ScoringError {
    fn code(&self) -> &'static str {
        match self {
            ScoringError::Asset(error) => error.code(),
            ScoringError::Runtime { .. } => "scoring.runtime",
            ScoringError::Model { .. } => "scoring.model",
            ScoringError::Audio { .. } => "scoring.audio",
            ScoringError::Tokenizer(_) => "scoring.tokenizer",
            ScoringError::TelemetryNotDisabled { .. } => "scoring.telemetry",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            ScoringError::Asset(error) => error.user_message(),
            ScoringError::Runtime { path, .. } => Localized::new(
                format!(
                    "无法加载推理引擎 {}。请重新运行安装程序（installer/setup.sh）。面试记录未受影响。",
                    path.display()
                ),
                format!(
                    "The inference engine {} could not be loaded. Run the installer again (installer/setup.sh); no interview data was affected.",
                    path.display()
                ),
            ),
            ScoringError::Model { model, .. } => Localized::new(
                format!("评分模型 {model} 运行失败，评分已中止，面试记录保持不变。详细信息已写入日志。"),
                format!(
                    "The scoring model {model} failed; scoring stopped and the interview is unchanged. The details are in the log."
                ),
            ),
            ScoringError::Audio { what, .. } => Localized::new(
                format!("录音 {what} 无法读取（文件损坏或格式不受支持），该题未评分。"),
                format!(
                    "The recording {what} cannot be read (damaged or in an unsupported format); this answer was not scored."
                ),
            ),
            ScoringError::Tokenizer(_) => Localized::new(
                "语音识别的词表文件已损坏。请重新运行安装程序（installer/setup.sh）。",
                "The speech recognition vocabulary file is damaged. Run the installer again (installer/setup.sh).",
            ),
            ScoringError::TelemetryNotDisabled { .. } => Localized::new(
                "推理引擎未加载：本进程未关闭 ONNX Runtime 的遥测（ORT_DISABLE_TELEMETRY=1），加载它可能向外发送数据。请用 interview-kiosk 程序本身运行评分；面试记录未受影响。",
                "The inference engine was not loaded: this process had not switched off ONNX Runtime's telemetry (ORT_DISABLE_TELEMETRY=1), so loading it could send data out. Run scoring through the interview-kiosk program itself; no interview data was affected.",
            ),
        }
    }
}

pub type Result<T, E = ScoringError> = std::result::Result<T, E>;
