//! The shell's one error type: every failure the command line or the UI can report.

use std::path::PathBuf;

use hrms::import::ImportError;
use interview::{Localized, UserFacing};
use manifest::AssetError;
use scoring::ScoringError;
use scoring::rubric::RubricError;
use vault::VaultError;

use flow::FlowError;

/// A domain error keeps its own variant whichever way it came (directly, or through a use
/// case), so that matching on, say, a full disk sees it either way.
impl From<FlowError> for ShellError {
    fn from(error: FlowError) -> ShellError {
        match error {
            FlowError::Assets(inner) => ShellError::Assets(inner),
            FlowError::Vault(inner) => ShellError::Vault(inner),
            FlowError::Scoring(inner) => ShellError::Scoring(inner),
            FlowError::Capture(inner) => ShellError::Capture(inner),
            FlowError::Report(inner) => ShellError::Report(inner),
            other => ShellError::Flow(other),
        }
    }
}

/// The office's vault errors stay vault errors (as through a use case).
impl From<office::OfficeError> for ShellError {
    fn from(error: office::OfficeError) -> ShellError {
        match error {
            office::OfficeError::Vault(inner) => ShellError::Vault(inner),
            office::OfficeError::Flow(inner) => ShellError::from(inner),
            other => ShellError::Office(other),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("no data directory: the platform has none and --data-dir was not given")]
    NoDataDir,
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Assets(#[from] AssetError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A use case's own failure (its domain errors arrive as the variants above).
    #[error(transparent)]
    Flow(FlowError),
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    #[error(transparent)]
    Capture(#[from] capture::CaptureError),
    #[error(transparent)]
    Api(#[from] hrms::api::ApiError),
    #[error(transparent)]
    Office(office::OfficeError),
    #[error(transparent)]
    Report(#[from] report::ReportError),
    #[error("{0} is not a PNG image")]
    NotPng(PathBuf),
    #[error("the report is not valid")]
    ReportInvalid,
    #[error("a follow-up decision came out differently when made again")]
    FollowUpDiffers,
    #[error("vault check: {orphans} media files without a record")]
    OrphanMedia { orphans: usize },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    ResumeFile(#[from] hrms::resume_file::ResumeFileError),
    #[error("not a date: {0:?}")]
    BadDate(String),
    #[error("import refused: {problems} problems")]
    ImportRefused { problems: usize },
    #[error("{problems} outcome rows have problems")]
    OutcomesRefused { problems: usize },
    #[error("labelled set {path}: {detail}")]
    SetInvalid { path: PathBuf, detail: String },
    #[error("no password given")]
    NoPassword,
    #[error("refusing to replace a vault the demo did not create: {0}")]
    NotADemoVault(PathBuf),
    #[error("bad argument: {0}")]
    BadArgument(String),
    #[error("{path}: {detail}")]
    BadFile { path: PathBuf, detail: String },
    #[error("the logo is not a PNG image")]
    LogoNotPng,
    #[error("the two passwords differ")]
    PasswordsDiffer,
    #[error("not a time: {0:?}")]
    BadTime(String),
    #[error("not a local date and time: {0}")]
    BadLocalTime(String),
    #[error("the print dialog could not be opened")]
    PrintUnavailable,
    #[error("not a file in the export folder: {0}")]
    NotAnExport(String),
    #[error("no program opens files here ({0})")]
    NoOpener(String),
    #[error("the vault already exists; the first-run set-up is over")]
    AlreadySetUp,
    #[error("the recovery key has not been confirmed")]
    RecoveryNotConfirmed,
    #[error("the typed recovery key groups at {0:?} do not match")]
    RecoveryMismatch(Vec<u32>),
    #[error("no candidate is at the kiosk")]
    NoVisit,
    #[error("the kiosk is busy with a question")]
    KioskBusy,
    /// A station of a hub could not reach it for a candidate's step (the technical detail is
    /// logged; the candidate is told what to do, not where the hub is).
    #[error("the hub could not be reached for a candidate's step")]
    BoothOffline,
    #[error("this window may not call {command}")]
    WrongWindow { command: &'static str },
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{failed} of {total} bundled components failed verification")]
    ComponentsFailed { failed: usize, total: usize },
    #[error(transparent)]
    RubricInvalid(#[from] RubricError),
    #[error("this action needs the password again")]
    ReauthRequired,
    #[error("the hub did not answer a staff workstation's call")]
    HubUnreachable,
    #[error("the segment is not in a playlist opened in this session")]
    NotInPlaylist,
    #[error("{command} sets up or drives this machine, which is a staff workstation")]
    NotAtWorkstation { command: String },
    #[error("{command} is not a command a staff workstation may call")]
    NotAStaffCommand { command: String },
    #[error("the weights add up to {basis_points} basis points, not 10000")]
    WeightsNot100 { basis_points: u32 },
}

impl UserFacing for ShellError {
    fn code(&self) -> &'static str {
        match self {
            ShellError::NoDataDir => "app.no_data_dir",
            ShellError::DataDir { .. } => "app.data_dir",
            ShellError::Assets(inner) => inner.code(),
            ShellError::Vault(inner) => inner.code(),
            ShellError::Flow(inner) => inner.code(),
            ShellError::Scoring(inner) => inner.code(),
            ShellError::Capture(inner) => inner.code(),
            ShellError::Api(inner) => inner.code(),
            ShellError::Office(inner) => inner.code(),
            ShellError::Report(inner) => inner.code(),
            ShellError::NotPng(_) => "app.not_png",
            ShellError::ReportInvalid => "verify.invalid",
            ShellError::FollowUpDiffers => "follow_up.differs",
            ShellError::OrphanMedia { .. } => "vault.orphan_media",
            ShellError::SetInvalid { .. } => "scoring.set_invalid",
            ShellError::Import(inner) => inner.code(),
            ShellError::ResumeFile(inner) => inner.code(),
            ShellError::ImportRefused { .. } => "import.refused",
            ShellError::OutcomesRefused { .. } => "outcome.refused",
            ShellError::BadDate(_) => "app.bad_date",
            ShellError::NoPassword => "app.no_password",
            ShellError::NotADemoVault(_) => "app.not_a_demo_vault",
            ShellError::ComponentsFailed { .. } => "app.components_failed",
            ShellError::BadArgument(_) => "app.bad_argument",
            ShellError::BadFile { .. } => "app.bad_file",
            ShellError::PasswordsDiffer => "app.passwords_differ",
            ShellError::LogoNotPng => "app.not_png",
            ShellError::BadTime(_) | ShellError::BadLocalTime(_) => "app.bad_time",
            ShellError::NotAnExport(_) => "app.not_an_export",
            ShellError::PrintUnavailable => "app.print_unavailable",
            ShellError::NoOpener(_) => "app.no_opener",
            ShellError::AlreadySetUp => "setup.already_done",
            ShellError::RecoveryNotConfirmed => "setup.recovery_not_confirmed",
            ShellError::RecoveryMismatch(_) => "setup.recovery_mismatch",
            ShellError::NoVisit => "kiosk.no_visit",
            ShellError::RubricInvalid(inner) => inner.code(),
            ShellError::ReauthRequired => "auth.reauth_required",
            ShellError::NotInPlaylist => "review.not_in_playlist",
            ShellError::HubUnreachable => "office.hub_unreachable",
            ShellError::NotAtWorkstation { .. } => "office.not_at_workstation",
            ShellError::NotAStaffCommand { .. } => "office.not_a_staff_command",
            ShellError::WeightsNot100 { .. } => "job.weights",
            ShellError::KioskBusy => "kiosk.busy",
            ShellError::BoothOffline => "kiosk.booth_offline",
            ShellError::WrongWindow { .. } => "auth.wrong_window",
            ShellError::Internal(_) => "app.internal",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            ShellError::NoDataDir => Localized::new(
                "无法确定数据目录。请用 --data-dir 或环境变量 INTERVIEW_KIOSK_DATA_DIR 指定。",
                "No data directory could be determined. Give one with --data-dir or the INTERVIEW_KIOSK_DATA_DIR environment variable.",
            ),
            ShellError::DataDir { path, .. } => Localized::new(
                format!("无法创建数据目录 {}，请检查磁盘空间和权限。", path.display()),
                format!(
                    "The data directory {} cannot be created; check the disk space and the permissions.",
                    path.display()
                ),
            ),
            ShellError::Assets(inner) => inner.user_message(),
            // Who changed it and when, in the reader's zone.
            ShellError::Vault(vault::VaultError::ChangedMeanwhile { by, at_ms, .. }) => {
                let at = flow::reports::local_time(*at_ms);
                vault::changed_meanwhile(by, &format!("{:02}:{:02}", at.hour(), at.minute()))
            }
            ShellError::Vault(inner) => inner.user_message(),
            ShellError::Flow(inner) => inner.user_message(),
            ShellError::Scoring(inner) => inner.user_message(),
            ShellError::Capture(inner) => inner.user_message(),
            ShellError::Api(inner) => inner.user_message(),
            ShellError::Office(inner) => inner.user_message(),
            ShellError::Report(inner) => inner.user_message(),
            ShellError::FollowUpDiffers => Localized::new(
                "至少一个追问决定重新得出的结果与存储的不同（详见上文）。",
                "At least one follow-up decision came out differently when made again (details above).",
            ),
            ShellError::ReportInvalid => Localized::new(
                "核验未通过：该文件不是有效的正式报告（原因见上）。",
                "Verification failed: this file is not a valid final report (reasons above).",
            ),
            ShellError::OrphanMedia { orphans } => Localized::new(
                format!(
                    "检查未通过：录像目录中有 {orphans} 个没有记录的加密文件（见上），多为录制中断所留。没有记录它们就无法读取；保存期限任务会在一天后删除它们。"
                ),
                format!(
                    "Check failed: the recordings folder holds {orphans} encrypted files without a record (listed above), most likely left by an interrupted recording. Without a record they cannot be read; the retention job removes them after a day."
                ),
            ),
            ShellError::NotPng(path) => Localized::new(
                format!("{} 不是 PNG 图片：徽标请使用 PNG 格式。", path.display()),
                format!("{} is not a PNG image: the logo must be a PNG.", path.display()),
            ),
            ShellError::Import(inner) => inner.user_message(),
            ShellError::ResumeFile(inner) => inner.user_message(),
            ShellError::BadDate(text) => Localized::new(
                format!("“{text}”不是有效日期，请按 YYYY-MM-DD 填写，例如 2026-11-22。"),
                format!("“{text}” is not a date; write it as YYYY-MM-DD, for example 2026-11-22."),
            ),
            ShellError::OutcomesRefused { problems } => Localized::new(
                format!("文件中有 {problems} 处问题，未记录任何结果。请修正文件后重试，或选择只导入没有问题的行。"),
                format!(
                    "The file has {problems} problems, so no outcome was recorded. Correct the file and try again, or choose to import only the rows without problems."
                ),
            ),
            ShellError::ImportRefused { problems } => Localized::new(
                format!(
                    "文件中有 {problems} 处问题，按“全部或全不”方式未导入任何候选人。请修正后重试，或使用 --mode good-rows 只导入没有问题的行。"
                ),
                format!(
                    "The file has {problems} problems, so in all-or-nothing mode no candidate was imported. Correct them and try again, or use --mode good-rows to import only the good rows."
                ),
            ),
            ShellError::SetInvalid { path, .. } => Localized::new(
                format!("标注集 {} 格式有误，请对照 README 中的格式说明检查。", path.display()),
                format!("The labelled set {} is malformed; check it against the format in the README.", path.display()),
            ),
            ShellError::NoPassword => Localized::new(
                "未提供密码：请在提示时输入，或设置环境变量 INTERVIEW_KIOSK_PASSWORD。",
                "No password was given: type it when asked, or set the INTERVIEW_KIOSK_PASSWORD environment variable.",
            ),
            ShellError::NotADemoVault(path) => Localized::new(
                format!("{} 中已有一个不是由演示创建的保险库，演示不会覆盖它。请换一个数据目录。", path.display()),
                format!(
                    "{} holds a vault the demo did not create; the demo will not replace it. Use another data directory.",
                    path.display()
                ),
            ),
            ShellError::BadArgument(what) => Localized::new(
                format!("参数 {what} 无效，请用 --help 查看可用的取值。"),
                format!("The argument {what} is not valid; see --help for the accepted values."),
            ),
            ShellError::BadFile { path, detail } => Localized::new(
                format!("文件 {} 格式有误：{detail}", path.display()),
                format!("The file {} is malformed: {detail}", path.display()),
            ),
            ShellError::LogoNotPng => Localized::new("徽标必须是 PNG 图片。", "The logo must be a PNG image."),
            ShellError::PasswordsDiffer => Localized::new(
                "两次输入的密码不一致，请重新输入。",
                "The two passwords differ; please type them again.",
            ),
            ShellError::BadTime(text) => Localized::new(
                format!("“{text}”不是有效时间，请按 RFC 3339 填写，例如 2026-12-02T09:00:00+08:00。"),
                format!("“{text}” is not a time; write it in RFC 3339, for example 2026-12-02T09:00:00+08:00."),
            ),
            ShellError::PrintUnavailable => Localized::new(
                "打印窗口未能打开。请把恢复密钥工整地抄在纸上，核对一遍后妥善保管。",
                "The print dialog could not be opened. Copy the recovery key onto paper carefully, check it once, and keep it safe.",
            ),
            ShellError::NotAnExport(_) => Localized::new(
                "只能打开导出文件夹里的文件，这个文件不在其中或已被移走。",
                "Only files in the export folder can be opened from here; this one is not there (or was moved).",
            ),
            ShellError::NoOpener(_) => Localized::new(
                "这台电脑上没有能打开它的程序。文件已保存好，可以在文件管理器里按上面的位置找到它。",
                "No program on this computer can open it. The file is saved; find it in a file manager at the location above.",
            ),
            ShellError::BadLocalTime(text) => Localized::new(
                format!("“{text}”不是有效的日期和时间，请按“2026-12-05 09:00”的格式填写。"),
                format!("“{text}” is not a date and time; write it as 2026-12-05 09:00."),
            ),
            ShellError::AlreadySetUp => Localized::new(
                "本机已完成首次配置。请用管理员账户登录后在“系统管理”中修改设置。",
                "This machine has already been set up. Sign in as an administrator to change the settings.",
            ),
            ShellError::RecoveryNotConfirmed => Localized::new(
                "请先确认已妥善保存恢复密钥，再继续下一步。",
                "Please confirm that you have kept the recovery key safe before going on.",
            ),
            ShellError::RecoveryMismatch(groups) => {
                let n: Vec<String> = groups.iter().map(u32::to_string).collect();
                let en = match n.split_last() {
                    Some((last, [])) => format!("Group {last} does not"),
                    Some((last, rest)) => format!("Groups {} and {last} do not", rest.join(", ")),
                    None => "What you typed does not".to_owned(),
                };
                Localized::new(
                    format!("第 {} 组与恢复密钥不一致。请对照打印或抄写的恢复密钥，重新输入。", n.join("、")),
                    format!("{en} match the recovery key. Check against the printed or written copy and type again."),
                )
            }
            ShellError::RubricInvalid(inner) => inner.user_message(),
            ShellError::ReauthRequired => {
                Localized::new("此操作需要再次输入您的密码。", "This action needs your password again.")
            }
            ShellError::HubUnreachable => Localized::new(
                "连不上中心主机，此操作没有得到答复。请检查网络；连接恢复后（页面顶部的提示消失）再做一次即可——已完成的操作不会重复执行。",
                "The hub could not be reached and did not answer. Check the network; once the link is back (the notice at the top goes away), do it again — anything already done at the hub is not done twice.",
            ),
            ShellError::NotInPlaylist => Localized::new(
                "只能播放本次登录中打开的面试录像。请重新打开该面试的复核页面。",
                "Only recordings of an interview opened in this session can be played. Open the interview's review again.",
            ),
            ShellError::NotAtWorkstation { .. } => Localized::new(
                "本机是工作人员工作站：档案库和面试设备都在中心主机上，此项设置请在中心主机上进行。",
                "This machine is a staff workstation: the vault and the interview devices are at the hub, so this is set up at the hub.",
            ),
            ShellError::NotAStaffCommand { .. } => Localized::new(
                "工作站请求了工作人员窗口之外的操作，中心主机已拒绝。",
                "The workstation asked for something the staff window cannot do; the hub refused it.",
            ),
            ShellError::WeightsNot100 { basis_points } => Localized::new(
                format!("各维度权重合计为 {}%，必须正好是 100%。", f64::from(*basis_points) / 100.0),
                format!("The weights add up to {}%; they must come to exactly 100%.", f64::from(*basis_points) / 100.0),
            ),
            ShellError::NoVisit => Localized::new(
                "当前没有正在进行的面试，请回到欢迎页重新开始。",
                "No interview is in progress here; please start again from the welcome screen.",
            ),
            ShellError::KioskBusy => Localized::new(
                "上一步仍在进行中，请稍候。",
                "The previous step is still running; please wait a moment.",
            ),
            ShellError::BoothOffline => Localized::new(
                "本面试终端暂时连不上办公系统。请稍候再试一次；如仍不行，请找工作人员。",
                "This booth cannot reach the office system just now. Please try again in a moment, or ask a member of staff.",
            ),
            ShellError::WrongWindow { .. } => Localized::new(
                "此窗口无权执行该操作。此次尝试已记入审计日志。",
                "This window is not allowed to do that. The attempt has been recorded in the audit log.",
            ),
            ShellError::Internal(_) => Localized::new(
                "程序内部出错，操作未完成。详细信息已写入日志，请联系管理员。",
                "Something went wrong inside the app and the operation did not finish. The details are in the log; please contact your administrator.",
            ),
            ShellError::ComponentsFailed { failed, total } => Localized::new(
                format!(
                    "{total} 个内置组件中有 {failed} 个未通过校验。请重新运行安装程序（installer/setup.sh）或重新安装软件包。"
                ),
                format!(
                    "{failed} of {total} bundled components failed verification. Run the installer again (installer/setup.sh) or reinstall the package."
                ),
            ),
        }
    }
}
