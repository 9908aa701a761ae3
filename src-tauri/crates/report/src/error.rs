//! The report crate's errors. Each one a user can meet has a sentence in zh-CN and en; the
//! technical detail goes to the log.

use interview::{Localized, UserFacing};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no CJK font found (looked in {searched})")]
    FontMissing { searched: String },
    #[error("font {path} could not be read: {detail}")]
    FontUnreadable { path: String, detail: String },
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("CMS encoding: {0}")]
    Cms(String),
    #[error("the signature could not be made")]
    Signing,
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    #[error("the PKCS#12 file holds no private key with a certificate")]
    Pkcs12NoKey,
    #[error("unsupported key type {0}")]
    UnsupportedKey(String),
    #[error("the private key does not belong to the certificate")]
    KeyCertificateMismatch,
    #[error("the interview has not been decided; only a draft report exists")]
    NotFinal,
    #[error("the trusted file holds a certificate that is not a root: {subject}")]
    NotARoot { subject: String },
    #[error("the report data is inconsistent: {0}")]
    Data(String),
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
}

pub type Result<T, E = ReportError> = std::result::Result<T, E>;

impl ReportError {
    pub(crate) fn certificate(e: impl std::fmt::Display) -> ReportError {
        ReportError::Certificate(e.to_string())
    }

    pub(crate) fn cms(e: impl std::fmt::Display) -> ReportError {
        ReportError::Cms(e.to_string())
    }
}

impl UserFacing for ReportError {
    fn code(&self) -> &'static str {
        match self {
            ReportError::FontMissing { .. } | ReportError::FontUnreadable { .. } => "report.font_missing",
            ReportError::Certificate(_) | ReportError::Cms(_) | ReportError::Signing => "report.signing_failed",
            ReportError::Pdf(_) | ReportError::Data(_) => "report.render_failed",
            ReportError::Pkcs12(_) => "report.pkcs12_unreadable",
            ReportError::Pkcs12NoKey => "report.pkcs12_no_key",
            ReportError::UnsupportedKey(_) => "report.unsupported_key",
            ReportError::KeyCertificateMismatch => "report.key_mismatch",
            ReportError::NotFinal => "report.not_final",
            ReportError::NotARoot { .. } => "report.not_a_root",
            ReportError::Vault(e) => e.code(),
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            ReportError::FontMissing { .. } | ReportError::FontUnreadable { .. } => Localized::new(
                "找不到报告所需的中文字体（Noto Sans CJK）。请重新安装本软件或安装 fonts-noto-cjk。",
                "The Chinese font reports need (Noto Sans CJK) was not found. Reinstall the software or install fonts-noto-cjk.",
            ),
            ReportError::Certificate(_) | ReportError::Cms(_) | ReportError::Signing => Localized::new(
                "报告无法签名。请联系管理员检查机构签名证书。",
                "The report could not be signed. Ask the administrator to check the organisation's signing certificate.",
            ),
            ReportError::Pdf(_) | ReportError::Data(_) => Localized::new(
                "报告无法生成。详细信息已写入日志，请联系管理员。",
                "The report could not be produced. The details are in the log; please contact the administrator.",
            ),
            ReportError::NotFinal => Localized::new(
                "该面试尚无正式报告：须先完成评分、复核并作出决定。",
                "This interview has no final report yet: it must be scored, reviewed and decided first.",
            ),
            ReportError::NotARoot { .. } => Localized::new(
                "要信任的文件中含有非根证书（如签名证书）。请只提供机构的根证书（signing export --out 写出的文件），证书链文件不能作为信任依据。",
                "The file to trust holds a certificate that is not a root (a signing certificate, say). Give the organisation's root alone (the file `signing export --out` writes); a chain file cannot be trusted.",
            ),
            ReportError::Pkcs12(_) => Localized::new(
                "无法读取该 PKCS#12 证书文件：文件损坏或密码错误。",
                "The PKCS#12 certificate file could not be read: it is damaged or the password is wrong.",
            ),
            ReportError::Pkcs12NoKey => Localized::new(
                "该 PKCS#12 文件中没有带证书的私钥。",
                "The PKCS#12 file holds no private key with its certificate.",
            ),
            ReportError::UnsupportedKey(_) => Localized::new(
                "不支持该证书的密钥类型：请使用 ECDSA P-256 证书（或由本系统生成签名证书）。",
                "This certificate's key type is not supported: use an ECDSA P-256 certificate (or let the system generate one).",
            ),
            ReportError::KeyCertificateMismatch => {
                Localized::new("私钥与证书不匹配。", "The private key does not belong to the certificate.")
            }
            ReportError::Vault(e) => e.user_message(),
        }
    }
}
