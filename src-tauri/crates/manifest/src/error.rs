use std::path::PathBuf;

use interview::{Localized, UserFacing};

/// Everything that can go wrong finding or checking a pinned asset. `Display` is the technical
/// detail for the log; [`UserFacing::user_message`] is what a person reads.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    #[error("no asset manifest found (looked in: {looked_in})")]
    ManifestNotFound { looked_in: String },
    #[error("cannot read asset manifest {path}: {source}")]
    ManifestUnreadable { path: PathBuf, source: std::io::Error },
    #[error("asset manifest {path} is invalid: {detail}")]
    ManifestInvalid { path: PathBuf, detail: String },
    #[error("asset {0:?} is not in the manifest")]
    UnknownAsset(String),
    #[error("asset file {file} is missing")]
    Missing { file: PathBuf },
    #[error("asset file {file} has {actual} bytes, the manifest says {expected}")]
    SizeMismatch { file: PathBuf, expected: u64, actual: u64 },
    #[error("asset file {file} has sha256 {actual}, the manifest says {expected}")]
    ChecksumMismatch { file: PathBuf, expected: String, actual: String },
    #[error("cannot read asset file {file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
}

const REINSTALL_ZH: &str = "请重新运行安装程序（installer/setup.sh）或重新安装软件包。";
const REINSTALL_EN: &str = "Run the installer again (installer/setup.sh) or reinstall the package.";

impl AssetError {
    fn file_name(&self) -> String {
        match self {
            AssetError::Missing { file }
            | AssetError::SizeMismatch { file, .. }
            | AssetError::ChecksumMismatch { file, .. }
            | AssetError::Io { file, .. } => {
                file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| file.display().to_string())
            }
            AssetError::ManifestUnreadable { path, .. } | AssetError::ManifestInvalid { path, .. } => {
                path.display().to_string()
            }
            AssetError::ManifestNotFound { .. } => "manifest.toml".to_owned(),
            AssetError::UnknownAsset(name) => name.clone(),
        }
    }
}

impl UserFacing for AssetError {
    fn code(&self) -> &'static str {
        match self {
            AssetError::ManifestNotFound { .. } => "assets.manifest_not_found",
            AssetError::ManifestUnreadable { .. } => "assets.manifest_unreadable",
            AssetError::ManifestInvalid { .. } => "assets.manifest_invalid",
            AssetError::UnknownAsset(_) => "assets.unknown",
            AssetError::Missing { .. } => "assets.missing",
            AssetError::SizeMismatch { .. } | AssetError::ChecksumMismatch { .. } => "assets.mismatch",
            AssetError::Io { .. } => "assets.unreadable",
        }
    }

    fn user_message(&self) -> Localized {
        let file = self.file_name();
        match self {
            AssetError::ManifestNotFound { .. }
            | AssetError::ManifestUnreadable { .. }
            | AssetError::ManifestInvalid { .. } => Localized::new(
                format!("找不到或无法读取组件清单 {file}，软件安装不完整。{REINSTALL_ZH}"),
                format!(
                    "The component manifest {file} is missing or unreadable; the installation is incomplete. {REINSTALL_EN}"
                ),
            ),
            AssetError::UnknownAsset(_) => Localized::new(
                format!("组件清单中没有 {file}，此版本的软件不包含它。"),
                format!("{file} is not in the component manifest; this version does not include it."),
            ),
            AssetError::Missing { .. } => Localized::new(
                format!("缺少组件文件 {file}。{REINSTALL_ZH}"),
                format!("The component file {file} is missing. {REINSTALL_EN}"),
            ),
            AssetError::SizeMismatch { .. } | AssetError::ChecksumMismatch { .. } => Localized::new(
                format!("组件文件 {file} 与安装清单不符，可能已损坏或被替换，因此不会加载。{REINSTALL_ZH}"),
                format!(
                    "The component file {file} does not match the installation manifest; it may be damaged or replaced, so it will not be loaded. {REINSTALL_EN}"
                ),
            ),
            AssetError::Io { .. } => Localized::new(
                format!("无法读取组件文件 {file}，请检查磁盘和文件权限。"),
                format!("The component file {file} cannot be read; check the disk and the file permissions."),
            ),
        }
    }
}
