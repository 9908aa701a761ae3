//! The office's errors: every one a sentence the person at the hub or the station understands;
//! the technical detail goes to the log.

use std::path::PathBuf;

use interview::{Localized, UserFacing};
use vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("malformed enrolment code")]
    MalformedCode,
    #[error("the hub at {hub} could not be reached: {detail}")]
    Unreachable { hub: String, detail: String },
    #[error("the hub answered {status}: {code}")]
    Refused { status: u16, code: String, message: Localized, expected: Option<i64> },
    #[error("the hub's proof did not match (wrong code, or something in between)")]
    HubProofFailed,
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("this machine is not a station of a hub (no {0})")]
    NotAStation(PathBuf),
    #[error("this machine is already a station (of {hub})")]
    AlreadyAStation { hub: String },
    #[error("the spool is damaged: {0}")]
    SpoolDamaged(String),
    #[error("the spool holds {entries} entries, the oldest {age_s} s old; new visits wait")]
    SpoolFull { entries: u64, age_s: u64 },
    #[error("{0}: an unspecified address needs --name (what stations type to reach the hub)")]
    UnspecifiedListen(std::net::SocketAddr),
    #[error("the hub's journal position does not fit this station's ({0})")]
    JournalMismatch(String),
    #[error("another process has this station open")]
    StationBusy,
    #[error("the hub's answer could not be read: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A use case's failure (the scoring models of a worker).
    #[error(transparent)]
    Flow(#[from] flow::FlowError),
}

impl OfficeError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> OfficeError {
        let path = path.into();
        move |source| OfficeError::Io { path, source }
    }

    /// Whether the hub could not be reached (as opposed to answering with a refusal).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, OfficeError::Unreachable { .. })
    }
}

impl UserFacing for OfficeError {
    fn code(&self) -> &'static str {
        match self {
            OfficeError::MalformedCode => "office.malformed_code",
            OfficeError::Unreachable { .. } => "office.hub_unreachable",
            OfficeError::Refused { .. } => "office.refused",
            OfficeError::HubProofFailed => "office.hub_proof_failed",
            OfficeError::Certificate(_) => "office.certificate",
            OfficeError::Tls(_) => "office.tls",
            OfficeError::Bind { .. } => "office.bind",
            OfficeError::Serve(_) => "office.serve",
            OfficeError::Io { .. } => "office.io",
            OfficeError::NotAStation(_) => "office.not_a_station",
            OfficeError::AlreadyAStation { .. } => "office.already_a_station",
            OfficeError::SpoolDamaged(_) => "office.spool_damaged",
            OfficeError::SpoolFull { .. } => "office.spool_full",
            OfficeError::StationBusy => "office.station_busy",
            OfficeError::UnspecifiedListen(_) => "office.unspecified_listen",
            OfficeError::JournalMismatch(_) => "office.journal_mismatch",
            OfficeError::BadAnswer(_) => "office.bad_answer",
            OfficeError::Vault(e) => e.code(),
            OfficeError::Flow(e) => e.code(),
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            OfficeError::MalformedCode => Localized::new(
                "注册码格式不对：应为 20 个字符（五组，每组四个，例如 ABCD-EFGH-JKMN-PQRS-TVWX）。",
                "The enrolment code is not in the right form: it has 20 characters in five groups of four (like ABCD-EFGH-JKMN-PQRS-TVWX).",
            ),
            OfficeError::Unreachable { hub, .. } => Localized::new(
                format!("无法连接中心主机 {hub}。请检查网线或网络，并确认中心主机已开机且正在提供办公网络服务。"),
                format!(
                    "The hub at {hub} cannot be reached. Check the network cable or connection, and that the hub is switched on and serving the office network."
                ),
            ),
            OfficeError::Refused { message, .. } => message.clone(),
            OfficeError::HubProofFailed => Localized::new(
                "中心主机未能证明它知道注册码：可能地址输错，或网络中有其他设备冒充中心主机。本机未加入办公网络。请核对地址后用新的注册码重试。",
                "The hub could not prove it knows the enrolment code: the address may be wrong, or another device on the network is posing as the hub. This machine did not join. Check the address and try again with a new code.",
            ),
            OfficeError::Certificate(_) | OfficeError::Tls(_) => Localized::new(
                "办公网络的证书无法生成或读取，详情见日志。",
                "The office network's certificates could not be made or read; see the log.",
            ),
            OfficeError::Bind { addr, .. } => Localized::new(
                format!("无法在 {addr} 上提供服务：该地址不属于本机或端口已被占用。"),
                format!("Cannot serve on {addr}: the address is not this machine's, or the port is in use."),
            ),
            OfficeError::Serve(_) => Localized::new(
                "办公网络服务意外停止，详情见日志。",
                "The office network service stopped unexpectedly; see the log.",
            ),
            OfficeError::Io { path, .. } => Localized::new(
                format!("无法读写 {}，详情见日志。", path.display()),
                format!("Could not read or write {}; see the log.", path.display()),
            ),
            OfficeError::NotAStation(_) => Localized::new(
                "本机尚未注册为中心主机的面试终端。请先运行 interview-kiosk station enrol --hub 地址:端口。",
                "This machine is not yet a station of a hub. Run interview-kiosk station enrol --hub HOST:PORT first.",
            ),
            OfficeError::AlreadyAStation { hub } => Localized::new(
                format!("本机已是中心主机 {hub} 的面试终端，不会重复注册。"),
                format!("This machine is already a station of the hub at {hub}; it will not enrol again."),
            ),
            OfficeError::SpoolDamaged(_) => Localized::new(
                "终端暂存的录制内容有损坏，详情见日志。请联系管理员。",
                "The recordings held at this station are damaged; see the log and call the administrator.",
            ),
            OfficeError::SpoolFull { entries, age_s } => Localized::new(
                format!(
                    "本终端有 {entries} 条录制内容尚未送达中心主机（最早的已等待 {} 分钟），暂不开始新的面试。请检查网络连接。",
                    age_s / 60
                ),
                format!(
                    "This station holds {entries} recordings the hub has not received yet (the oldest waiting {} minutes), so no new interview starts. Check the network connection.",
                    age_s / 60
                ),
            ),
            OfficeError::UnspecifiedListen(addr) => Localized::new(
                format!("在 {addr} 上提供服务时，请用 --name 写明终端用来连接中心主机的地址或名称（证书上要写明它）。"),
                format!(
                    "Serving on {addr} needs --name with the address or name stations type to reach the hub (its certificate names it)."
                ),
            ),
            OfficeError::JournalMismatch(_) => Localized::new(
                "中心主机记录的本终端上传进度与本终端不一致（中心主机可能从备份恢复过）。本终端暂停上传，暂存的录像保留在本机。请立即联系管理员。",
                "The hub's record of what this station delivered does not match the station's (the hub may have been restored from a backup). Forwarding is paused and the recordings held here are kept. Call the administrator now.",
            ),
            OfficeError::StationBusy => Localized::new(
                "本终端正被另一个程序使用（面试终端窗口或另一个 station 命令）。请先关闭它再重试。",
                "This station is in use by another program (the kiosk window or another station command). Close it first, then try again.",
            ),
            OfficeError::BadAnswer(_) => Localized::new(
                "中心主机的回复无法识别（版本可能不一致），详情见日志。",
                "The hub's answer could not be understood (the versions may differ); see the log.",
            ),
            OfficeError::Vault(e) => e.user_message(),
            OfficeError::Flow(e) => e.user_message(),
        }
    }
}
