//! What a use case can fail with: the domain crates' errors, and the few of its own.

use std::path::PathBuf;

use interview::{Localized, UserFacing};
use manifest::AssetError;
use scoring::ScoringError;
use scoring::rubric::RubricError;
use vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Assets(#[from] AssetError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    #[error(transparent)]
    Capture(#[from] capture::CaptureError),
    #[error(transparent)]
    Report(#[from] report::ReportError),
    /// A rubric that does not parse; `path` names where it came from (a file, or "question N").
    #[error("rubric {path}: {error}")]
    Rubric { path: PathBuf, error: RubricError },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("not signed in")]
    NotSignedIn,
    /// Too many wrong passwords at the kiosk's staff exit: it waits, the account stays usable.
    #[error("the kiosk's staff exit waits {minutes} minutes after too many wrong passwords")]
    ExitPaused { minutes: u64 },
}

impl UserFacing for FlowError {
    fn code(&self) -> &'static str {
        match self {
            FlowError::Assets(inner) => inner.code(),
            FlowError::Vault(inner) => inner.code(),
            FlowError::Scoring(inner) => inner.code(),
            FlowError::Capture(inner) => inner.code(),
            FlowError::Report(inner) => inner.code(),
            FlowError::Rubric { error, .. } => error.code(),
            FlowError::Read { .. } => "app.read",
            FlowError::Write { .. } => "app.write_failed",
            FlowError::NotSignedIn => "auth.not_signed_in",
            FlowError::ExitPaused { .. } => "kiosk.exit_paused",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            FlowError::Assets(inner) => inner.user_message(),
            FlowError::Vault(inner) => inner.user_message(),
            FlowError::Scoring(inner) => inner.user_message(),
            FlowError::Capture(inner) => inner.user_message(),
            FlowError::Report(inner) => inner.user_message(),
            FlowError::Rubric { path, error } => {
                let inner = error.user_message();
                Localized::new(
                    format!("{}（{}）", inner.zh_cn, path.display()),
                    format!("{} ({})", inner.en, path.display()),
                )
            }
            FlowError::Read { path, .. } => Localized::new(
                format!("无法读取文件 {}，请检查路径和权限。", path.display()),
                format!("The file {} cannot be read; check the path and the permissions.", path.display()),
            ),
            FlowError::Write { path, .. } => Localized::new(
                format!("无法写入 {}（磁盘已满或没有权限？）。", path.display()),
                format!("{} could not be written (is the disk full, or is permission missing?).", path.display()),
            ),
            FlowError::NotSignedIn => Localized::new("请先登录。", "Please sign in first."),
            FlowError::ExitPaused { minutes } => Localized::new(
                format!("密码错误次数过多，请 {minutes} 分钟后再试。终端账户并未被锁定，其他操作不受影响。"),
                format!(
                    "Too many wrong passwords: try again in {minutes} minutes. The station's account is not locked and nothing else is affected."
                ),
            ),
        }
    }
}
