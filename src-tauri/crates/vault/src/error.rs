use std::path::{Path, PathBuf};

use interview::{Action, Localized, RuleError, UserFacing};

/// Everything the vault can refuse or fail at. `Display` is for the log; what a person reads is
/// [`UserFacing::user_message`].
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault in {0}")]
    NotFound(PathBuf),
    #[error("a vault already exists in {0}")]
    AlreadyExists(PathBuf),
    #[error("the credential store has no key for vault {vault_id}")]
    KeyMissing { vault_id: String },
    #[error("the credential store is unavailable: {0}")]
    CredentialStore(String),
    #[error("the credential store is locked and could not be unlocked: {0}")]
    CredentialStoreLocked(String),
    #[error("the key does not open the database")]
    WrongKey,
    #[error("the recovery key is not valid for this vault")]
    WrongRecoveryKey,
    #[error("a restore where there is no vault needs the backup's recovery key")]
    RecoveryKeyRequired,
    #[error("the recovery key is malformed")]
    MalformedRecoveryKey,
    #[error("vault header {path} is invalid: {detail}")]
    Header { path: PathBuf, detail: String },
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error(
        "the vault was rolled back: the database ends at audit entry {db_seq}, the checkpoint outside it is at {checkpoint_seq}"
    )]
    RolledBack { db_seq: i64, checkpoint_seq: i64 },
    #[error("the audit chain is broken at entry {seq}: {reason}")]
    AuditBroken { seq: i64, reason: String },
    #[error("media file {file} is damaged: {reason}")]
    MediaDamaged { file: String, reason: String },
    #[error("migration to schema version {version} failed: {detail}")]
    Migration { version: u32, detail: String },
    #[error("database schema version {found} is newer than this app ({supported})")]
    TooNew { found: u32, supported: u32 },
    #[error("{role} may not {action}", role = role, action = action.as_str())]
    Denied { role: &'static str, action: Action },
    #[error("sign-in failed")]
    BadCredentials,
    #[error("account locked until {until}")]
    Locked { until: i64 },
    #[error("session expired or ended")]
    SessionExpired,
    #[error("{what} {id} not found")]
    NoSuchObject { what: &'static str, id: i64 },
    #[error("the {what} was changed by {by} meanwhile (at {at_ms})")]
    ChangedMeanwhile { what: &'static str, by: String, at_ms: i64 },
    #[error("unknown access code")]
    UnknownAccessCode,
    #[error("username {0:?} is taken")]
    UsernameTaken(String),
    #[error("password too short")]
    WeakPassword,
    #[error("answer {answer_id} is no longer being recorded")]
    AnswerClosed { answer_id: i64 },
    #[error("{0} already exists")]
    TargetExists(PathBuf),
    #[error("a candidate of this job already has this ID number")]
    DuplicateCandidate,
    #[error("backup {path} is unusable: {reason}")]
    BackupDamaged { path: PathBuf, reason: String },
    #[error("API token refused")]
    ApiTokenRefused,
    #[error("API token request invalid")]
    BadApiToken,
    #[error("unknown API scope {0:?}")]
    UnknownScope(String),
    #[error("retention period of {days} days is out of range")]
    RetentionOutOfRange { days: u32 },
    #[error("no signing identity has been set up")]
    NoSigningIdentity,
    #[error("dimension {0:?} is not part of this job")]
    UnknownDimension(String),
    #[error("rating level out of range")]
    RatingOutOfRange,
    #[error("a decision needs a reason")]
    DecisionReasonMissing,
    #[error("{open} integrity flags of interview {interview_id} are open")]
    FlagsOpen { interview_id: i64, open: u32 },
    #[error("interview {interview_id} has not been scored")]
    NotScored { interview_id: i64 },
    #[error("identity check failed")]
    IdentityMismatch { left: u32 },
    #[error("identity check failed too often; access code blocked")]
    IdentityLocked,
    #[error("extra time of {pct}% is out of range")]
    ExtraTimeOutOfRange { pct: u32 },
    #[error("an account cannot disable itself")]
    CannotDisableSelf,
    #[error("{0:?} cannot be asked to rate")]
    NotARater(String),
    #[error("flag {0} is not open")]
    FlagNotOpen(i64),
    #[error("outcome for candidate {candidate_id} refused: {code}", code = problem.code())]
    OutcomeRefused { candidate_id: i64, problem: interview::outcomes::OutcomeProblem },
    #[error("no weight suggestion: {0:?}")]
    NoWeightSuggestion(interview::validity::NoSuggestion),
    #[error("the weight suggestion changed since it was shown")]
    SuggestionChanged,
    #[error("weights that fail the fairness check need an administrator's written reason")]
    FairnessReasonMissing,
    #[error(transparent)]
    Resume(#[from] interview::resume::ResumeError),
    #[error(transparent)]
    Condition(#[from] interview::resume::ConditionError),
    #[error("personalised questions are chosen only where the vault was given the plan rule")]
    PersonalisationUnavailable,
    #[error("question {0} is a core question of the interview, not a personalised one")]
    NotPersonalised(i64),
    #[error("interview {0} has begun; its questions are frozen")]
    PlanFrozen(i64),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("i/o error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
    /// Another process has the vault open (`operation`: what needed it alone; `None`: opening
    /// it while another process had it alone).
    #[error("the vault is in use by {holders:?}; refused: {op}", op = operation.map(|o| o.as_str()).unwrap_or("open"))]
    InUse { operation: Option<crate::lock::Exclusive>, holders: Vec<String> },
    /// `vault.json`'s copy of the database key no longer matches what the database recorded:
    /// the printed recovery key would not restore access.
    /// A write failed on a disk with no room left (`detail`: what failed, for the log).
    #[error("the disk holding {path} is full: {detail}")]
    DiskFull { path: PathBuf, detail: String },
    #[error("an Idempotency-Key was used again with a different request")]
    IdempotencyKeyReused,
    #[error("vault header {path} differs from the digest recorded in the database")]
    RecoveryCopyDamaged { path: PathBuf },
    #[error("the office authority could not be made: {0}")]
    Office(String),
    #[error("enrolment codes are only for enabled kiosk accounts")]
    NotAKioskAccount(String),
    #[error("enrolment refused (unknown, expired, used or guessed-at code, or a proof that did not match)")]
    EnrolmentRefused,
    #[error("the enrolment code is for a {code}, not a {asked}")]
    CodeForOtherMachine { code: String, asked: String },
    #[error("this machine is not a kiosk station of the hub (a workstation, or the other way round)")]
    NotAStationMachine,
    #[error("no station is enrolled with this certificate")]
    UnknownStation,
    #[error("the station has been revoked")]
    StationRevoked,
    #[error("no workstation is enrolled with this certificate")]
    UnknownWorkstation,
    #[error("the workstation has been revoked")]
    WorkstationRevoked,
    #[error("journal entry out of order; the hub expects {expected}")]
    JournalOutOfOrder { expected: i64 },
    #[error("a segment's content does not match the hash the station recorded")]
    SegmentHashMismatch,
    #[error("the interview or answer does not belong to this station")]
    NotThisStation,
    #[error("a station name must be 1 to 64 characters without control characters")]
    BadStationName,
    #[error("scoring job {job_id} was already done by another worker")]
    AlreadyScored { job_id: i64 },
    #[error("an enrolment code with this lookup exists already")]
    CodeLookupTaken,
    #[error("a journal entry the hub cannot store: bad {0}")]
    BadJournalEntry(&'static str),
    #[error("a follow-up record that cannot be stored: {0}")]
    BadFollowUp(&'static str),
}

impl VaultError {
    /// Whether the disk (or the file-size limit) ran out: SQLite's "database or disk is full",
    /// or an I/O error of that kind.
    pub fn is_disk_full(&self) -> bool {
        match self {
            VaultError::DiskFull { .. } => true,
            VaultError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => e.code == rusqlite::ErrorCode::DiskFull,
            VaultError::Io { source, .. } => {
                source.kind() == std::io::ErrorKind::StorageFull
                    || source.kind() == std::io::ErrorKind::FileTooLarge
                    || source.raw_os_error() == Some(28)
            }
            _ => false,
        }
    }

    /// A write that failed on `dir`'s disk, named for what it is when that disk has (almost) no
    /// room left: SQLite reports a full disk as a generic I/O error in some paths (the shared
    /// memory file, a file-size limit), so the free space decides.
    pub(crate) fn on_disk_of(self, dir: &Path) -> VaultError {
        let io_like = match &self {
            VaultError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(e.code, rusqlite::ErrorCode::SystemIoFailure | rusqlite::ErrorCode::DiskFull)
            }
            VaultError::Io { .. } => true,
            _ => false,
        };
        const ALMOST_NOTHING: u64 = 1024 * 1024;
        if io_like && fs4::available_space(dir).is_ok_and(|free| free < ALMOST_NOTHING) {
            return VaultError::DiskFull { path: dir.to_owned(), detail: self.to_string() };
        }
        self
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> VaultError {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }
}

impl UserFacing for VaultError {
    fn code(&self) -> &'static str {
        match self {
            VaultError::NotFound(_) => "vault.not_found",
            VaultError::AlreadyExists(_) => "vault.already_exists",
            VaultError::KeyMissing { .. } => "vault.key_missing",
            VaultError::CredentialStore(_) => "vault.credential_store",
            VaultError::CredentialStoreLocked(_) => "vault.credential_store_locked",
            VaultError::WrongKey => "vault.wrong_key",
            VaultError::WrongRecoveryKey => "vault.wrong_recovery_key",
            VaultError::RecoveryKeyRequired => "vault.recovery_key_required",
            VaultError::MalformedRecoveryKey => "vault.malformed_recovery_key",
            VaultError::Header { .. } => "vault.header",
            VaultError::Corrupt(_) => "vault.corrupt",
            VaultError::RolledBack { .. } => "vault.rolled_back",
            VaultError::AuditBroken { .. } => "vault.audit_broken",
            VaultError::MediaDamaged { .. } => "vault.media_damaged",
            VaultError::Migration { .. } => "vault.migration",
            VaultError::TooNew { .. } => "vault.too_new",
            VaultError::Denied { .. } => "auth.denied",
            VaultError::BadCredentials => "auth.bad_credentials",
            VaultError::Locked { .. } => "auth.locked",
            VaultError::SessionExpired => "auth.session_expired",
            VaultError::NoSuchObject { .. } => "vault.no_such_object",
            VaultError::ChangedMeanwhile { .. } => "vault.changed_meanwhile",
            VaultError::UnknownAccessCode => "kiosk.unknown_access_code",
            VaultError::UsernameTaken(_) => "auth.username_taken",
            VaultError::WeakPassword => "auth.weak_password",
            VaultError::AnswerClosed { .. } => "vault.answer_closed",
            VaultError::TargetExists(_) => "vault.target_exists",
            VaultError::DuplicateCandidate => "vault.duplicate_candidate",
            VaultError::BackupDamaged { .. } => "vault.backup_damaged",
            VaultError::RetentionOutOfRange { .. } => "vault.retention_out_of_range",
            VaultError::ApiTokenRefused => "api.token_refused",
            VaultError::BadApiToken => "api.bad_token_request",
            VaultError::UnknownScope(_) => "api.unknown_scope",
            VaultError::NoSigningIdentity => "report.no_signing_identity",
            VaultError::UnknownDimension(_) => "review.unknown_dimension",
            VaultError::RatingOutOfRange => "review.rating_out_of_range",
            VaultError::DecisionReasonMissing => "review.reason_missing",
            VaultError::FlagsOpen { .. } => "review.flags_open",
            VaultError::NotScored { .. } => "review.not_scored",
            VaultError::IdentityMismatch { .. } => "kiosk.identity_mismatch",
            VaultError::IdentityLocked => "kiosk.identity_locked",
            VaultError::ExtraTimeOutOfRange { .. } => "invitation.extra_time",
            VaultError::CannotDisableSelf => "user.disable_self",
            VaultError::NotARater(_) => "review.not_a_rater",
            VaultError::FlagNotOpen(_) => "review.flag_not_open",
            VaultError::OutcomeRefused { problem, .. } => problem.code(),
            VaultError::NoWeightSuggestion(_) => "validity.no_suggestion",
            VaultError::SuggestionChanged => "validity.suggestion_changed",
            VaultError::FairnessReasonMissing => "validity.reason_required",
            VaultError::Resume(e) => e.code(),
            VaultError::Condition(e) => e.code(),
            VaultError::PersonalisationUnavailable => "resume.personalisation_unavailable",
            VaultError::NotPersonalised(_) => "resume.not_personalised",
            VaultError::PlanFrozen(_) => "resume.plan_frozen",
            VaultError::Rule(rule) => rule.code(),
            VaultError::Sqlite(_) => "vault.database",
            VaultError::Io { .. } => "vault.io",
            VaultError::Crypto(_) => "vault.crypto",
            VaultError::InUse { .. } => "vault.in_use",
            VaultError::DiskFull { .. } => "vault.disk_full",
            VaultError::IdempotencyKeyReused => "api.idempotency_key_reused",
            VaultError::RecoveryCopyDamaged { .. } => "vault.recovery_copy_damaged",
            VaultError::Office(_) => "office.authority",
            VaultError::NotAKioskAccount(_) => "office.not_a_kiosk_account",
            VaultError::EnrolmentRefused => "office.enrolment_refused",
            VaultError::CodeForOtherMachine { .. } => "office.code_for_other_machine",
            VaultError::NotAStationMachine => "office.wrong_machine",
            VaultError::UnknownStation => "office.unknown_station",
            VaultError::StationRevoked => "office.station_revoked",
            VaultError::UnknownWorkstation => "office.unknown_workstation",
            VaultError::WorkstationRevoked => "office.workstation_revoked",
            VaultError::JournalOutOfOrder { .. } => "office.journal_out_of_order",
            VaultError::SegmentHashMismatch => "office.segment_hash_mismatch",
            VaultError::NotThisStation => "office.not_this_station",
            VaultError::BadStationName => "office.bad_station_name",
            VaultError::AlreadyScored { .. } => "score.already_scored",
            VaultError::BadJournalEntry(_) => "office.bad_journal_entry",
            VaultError::BadFollowUp(_) => "vault.bad_follow_up",
            VaultError::CodeLookupTaken => "office.code_lookup_taken",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            VaultError::NotFound(_) => Localized::new(
                "数据目录中没有数据保险库。请先由管理员完成首次配置（interview-kiosk vault init）。",
                "There is no vault in the data directory. An administrator must run the first-time setup (interview-kiosk vault init).",
            ),
            VaultError::AlreadyExists(_) => Localized::new(
                "数据目录中已有数据保险库，不会覆盖。如需新建，请选择其他数据目录。",
                "A vault already exists in this data directory and will not be overwritten. Choose another data directory for a new one.",
            ),
            VaultError::KeyMissing { .. } => Localized::new(
                "系统凭据库中找不到本保险库的密钥，因此无法打开。请使用创建保险库时打印的恢复密钥进行恢复（interview-kiosk vault recover）。",
                "The key of this vault is not in the system's credential store, so it cannot be opened. Restore access with the recovery key printed when the vault was created (interview-kiosk vault recover).",
            ),
            VaultError::CredentialStore(_) => Localized::new(
                "无法访问系统凭据库（密钥环）。请确认已登录桌面会话并已解锁密钥环；在无桌面的服务器上请使用 installer/with-keyring。",
                "The system's credential store (keyring) cannot be reached. Make sure a desktop session is running and its keyring is unlocked; on a server without a desktop, use installer/with-keyring.",
            ),
            VaultError::CredentialStoreLocked(_) => Localized::new(
                "保存保险库密钥的系统凭据库（密钥环）已锁定，且无法解锁。使用 installer/with-keyring 时，请检查 INTERVIEW_KIOSK_KEYRING_PASSWORD 是否为创建该密钥环时的密码；在桌面上，请先解锁密钥环。保险库未被改动。",
                "The system's credential store (keyring) holding the vault key is locked and could not be unlocked. Under installer/with-keyring, check that INTERVIEW_KIOSK_KEYRING_PASSWORD is the password the keyring was made with; on a desktop, unlock the keyring first. The vault was not changed.",
            ),
            VaultError::WrongKey => Localized::new(
                "密钥无法打开数据库：密钥不正确或数据库文件已损坏。数据库文件未被改动。",
                "The key does not open the database: either the key is wrong or the database file is damaged. The database file was not changed.",
            ),
            VaultError::RecoveryKeyRequired => Localized::new(
                "此数据目录中没有保险库：从备份恢复需要该备份所属保险库的恢复密钥（--recovery-key）。仅凭本机凭据库中的密钥不能恢复，以免有人删除保险库后用旧备份回滚。",
                "There is no vault in this data directory: restoring a backup here needs the recovery key of the backup's vault (--recovery-key). The key in this machine's credential store alone is not enough, so that nobody can delete the vault and roll it back to an old backup.",
            ),
            VaultError::WrongRecoveryKey => Localized::new(
                "恢复密钥与本保险库不匹配，请核对打印件。",
                "The recovery key does not belong to this vault; please check the printed copy.",
            ),
            VaultError::MalformedRecoveryKey => Localized::new(
                "恢复密钥格式不正确：应为 13 组、每组 4 个字符。",
                "The recovery key is malformed: it has 13 groups of 4 characters.",
            ),
            VaultError::Header { path, .. } => {
                let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                Localized::new(
                    format!("保险库的文件 {file} 已损坏，无法打开保险库（{}）。请从备份恢复。", path.display()),
                    format!(
                        "The vault's file {file} is damaged, so the vault cannot be opened ({}). Restore it from a backup.",
                        path.display()
                    ),
                )
            }
            VaultError::Corrupt(_) => Localized::new(
                "数据库已损坏，无法安全读取。请从备份恢复，并联系管理员。",
                "The database is damaged and cannot be read safely. Restore it from a backup and contact your administrator.",
            ),
            VaultError::RolledBack { .. } => Localized::new(
                "数据库比上次记录的审计检查点更旧，可能被替换为旧副本。为防止篡改，已拒绝打开。请联系管理员和审计员。",
                "The database is older than the last recorded audit checkpoint; it may have been replaced by an old copy. It was not opened, to prevent tampering. Contact your administrator and auditor.",
            ),
            VaultError::AuditBroken { seq, .. } => Localized::new(
                format!("审计日志在第 {seq} 条记录处校验失败，日志可能被篡改。"),
                format!("The audit log fails verification at entry {seq}; it may have been tampered with."),
            ),
            VaultError::MediaDamaged { file, .. } => Localized::new(
                format!("录像文件 {file} 已损坏或被改动。"),
                format!("The recording file {file} is damaged or was altered."),
            ),
            VaultError::Migration { .. } => Localized::new(
                "升级数据库结构失败，保险库保持原样未被改动。详细信息已写入日志。",
                "Upgrading the database structure failed; the vault was left unchanged. The details are in the log.",
            ),
            VaultError::TooNew { .. } => Localized::new(
                "此保险库由更新版本的软件创建，请安装最新版本后再打开。",
                "This vault was created by a newer version of the app; install the latest version to open it.",
            ),
            VaultError::Denied { .. } => Localized::new(
                "您的角色无权执行此操作。此次尝试已记入审计日志。",
                "Your role is not allowed to do this. The attempt has been recorded in the audit log.",
            ),
            VaultError::BadCredentials => {
                Localized::new("用户名或密码不正确。", "The username or password is incorrect.")
            }
            VaultError::Locked { .. } => Localized::new(
                "连续多次登录失败，账户已临时锁定 15 分钟。",
                "Too many failed sign-ins: the account is locked for 15 minutes.",
            ),
            VaultError::SessionExpired => {
                Localized::new("登录已过期，请重新登录。", "Your session has expired; please sign in again.")
            }
            VaultError::ChangedMeanwhile { by, at_ms, .. } => {
                let at = time::OffsetDateTime::from_unix_timestamp(at_ms / 1000)
                    .map(|t| format!("{:02}:{:02} UTC", t.hour(), t.minute()))
                    .unwrap_or_default();
                changed_meanwhile(by, &at)
            }
            VaultError::NoSuchObject { .. } => Localized::new(
                "找不到所请求的记录，它可能已被删除。",
                "The requested record does not exist; it may have been deleted.",
            ),
            VaultError::UnknownAccessCode => Localized::new(
                "准入码无效，请核对后重新输入，或联系工作人员。",
                "This access code is not recognised. Please check it and try again, or ask a member of staff.",
            ),
            VaultError::UsernameTaken(_) => Localized::new("该用户名已被使用。", "This username is already taken."),
            VaultError::WeakPassword => Localized::new(
                "密码太短：至少需要 12 个字符。",
                "The password is too short: it needs at least 12 characters.",
            ),
            VaultError::AnswerClosed { .. } => Localized::new(
                "该题的录制已经结束，不能再追加内容。",
                "Recording of this answer has already ended; nothing more can be added to it.",
            ),
            VaultError::DuplicateCandidate => Localized::new(
                "该岗位已有使用此身份证号的候选人，未重复添加。",
                "A candidate of this job already has this ID number; nothing was added.",
            ),
            VaultError::TargetExists(path) => Localized::new(
                format!("{} 已存在，不会覆盖。请换一个文件名。", path.display()),
                format!("{} already exists and will not be overwritten. Choose another file name.", path.display()),
            ),
            VaultError::BackupDamaged { path, .. } => Localized::new(
                format!("备份文件 {} 已损坏或不是面试一体机的备份，未做任何更改。", path.display()),
                format!(
                    "The backup file {} is damaged or is not an Interview Kiosk backup; nothing was changed.",
                    path.display()
                ),
            ),
            VaultError::ApiTokenRefused => Localized::new(
                "访问令牌无效、已过期、已吊销或无权执行此操作。此次请求已记入审计日志。",
                "The access token is invalid, expired, revoked or not allowed to do this. The request has been recorded in the audit log.",
            ),
            VaultError::BadApiToken => Localized::new(
                "创建令牌需要名称、至少一个权限范围和 1 到 366 天的有效期。",
                "A token needs a name, at least one scope and a validity of 1 to 366 days.",
            ),
            VaultError::UnknownScope(scope) => Localized::new(
                format!(
                    "未知的权限范围“{scope}”。可用：candidates:read、candidates:write、invitations:write、interviews:read、results:read、reports:read。"
                ),
                format!(
                    "Unknown scope “{scope}”. Available: candidates:read, candidates:write, invitations:write, interviews:read, results:read, reports:read."
                ),
            ),
            VaultError::RetentionOutOfRange { .. } => Localized::new(
                "保存期限必须在 30 天到 3650 天之间。",
                "The retention period must be between 30 and 3650 days.",
            ),
            VaultError::NoSigningIdentity => Localized::new(
                "尚未设置机构签名证书，报告无法签名。请管理员生成或导入签名证书（interview-kiosk signing generate）。",
                "No organisation signing certificate is set up, so reports cannot be signed. An administrator must generate or import one (interview-kiosk signing generate).",
            ),
            VaultError::UnknownDimension(name) => Localized::new(
                format!("“{name}”不是该岗位的测评维度。"),
                format!("“{name}” is not a competency dimension of this job."),
            ),
            VaultError::RatingOutOfRange => {
                Localized::new("评分必须是 1 到 5 之间的整数。", "A rating must be a whole number from 1 to 5.")
            }
            VaultError::DecisionReasonMissing => {
                Localized::new("请填写作出该决定的理由。", "Please give the reason for this decision.")
            }
            VaultError::FlagsOpen { open, .. } => Localized::new(
                format!(
                    "还有 {open} 个完整性提示未处理：请逐一确认或排除；如需在未处理的情况下作出决定，请写明理由（该理由会印在报告上）。"
                ),
                format!(
                    "{open} integrity flag(s) are still open: confirm or dismiss each, or write why you decide with them open (the reason is printed on the report)."
                ),
            ),
            VaultError::NotScored { .. } => Localized::new(
                "该面试尚未完成评分，暂不能复核或决定。",
                "This interview has not been scored yet, so it cannot be reviewed or decided.",
            ),
            VaultError::IdentityMismatch { left } => Localized::new(
                format!(
                    "身份证号后四位与登记的信息不一致。请核对后重试，或请工作人员协助。还可以再试 {left} 次，之后此准入码将停用。"
                ),
                format!(
                    "The last four characters do not match the ID number on record. Please check them, or ask a member of staff. {left} more {} before this access code is blocked.",
                    if *left == 1 { "try" } else { "tries" }
                ),
            ),
            VaultError::IdentityLocked => Localized::new(
                "身份核对多次未通过，此准入码已停用。请到服务台请工作人员帮助。",
                "The identity check failed too many times, so this access code is now blocked. Please ask a member of staff at the desk.",
            ),
            VaultError::ExtraTimeOutOfRange { .. } => {
                Localized::new("延长时间必须在 0% 到 200% 之间。", "Extra time must be between 0% and 200%.")
            }
            VaultError::CannotDisableSelf => Localized::new(
                "不能停用自己正在使用的账户。请由另一位管理员操作。",
                "You cannot disable the account you are signed in with; ask another administrator.",
            ),
            VaultError::NotARater(_) => Localized::new(
                "只能请另一位在用的 HR 专员作为第二评分人。",
                "Only another active HR clerk can be asked to be the second rater.",
            ),
            VaultError::OutcomeRefused { problem, .. } => {
                let m = problem.message();
                Localized::new(format!("没有记录任何结果：{}。", m.zh_cn), format!("Nothing was recorded: {}.", m.en))
            }
            VaultError::NoWeightSuggestion(reason) => reason.message(),
            VaultError::SuggestionChanged => Localized::new(
                "自您打开以来，结果数据或权重已有变化，建议随之改变。请重新查看建议后再应用。",
                "The outcomes or the weights changed since you opened this, and so did the suggestion. Look at the suggestion again before applying it.",
            ),
            VaultError::FairnessReasonMissing => Localized::new(
                "该建议未通过公平性检查：只有管理员写明理由后才能应用。",
                "This suggestion fails the fairness check: only an administrator can apply it, with a written reason.",
            ),
            VaultError::FlagNotOpen(_) => {
                Localized::new("这条提示已经处理过了。", "This flag has already been dealt with.")
            }
            VaultError::Resume(e) => e.user_message(),
            VaultError::Condition(e) => e.user_message(),
            VaultError::PersonalisationUnavailable => Localized::new(
                "这个岗位会按简历选择个性化题目，这里无法选择。请在工作人员窗口或命令行中发放邀请。",
                "This job chooses personalised questions from the résumé, which cannot be done here. Issue the invitation in the staff window or on the command line.",
            ),
            VaultError::NotPersonalised(_) => Localized::new(
                "这是每位候选人都要回答的核心题目，不能移除。",
                "This is a core question every candidate answers; it cannot be removed.",
            ),
            VaultError::PlanFrozen(_) => Localized::new(
                "这场面试已经开始，题目不能再改。",
                "This interview has begun; its questions can no longer change.",
            ),
            VaultError::Rule(rule) => rule.user_message(),
            VaultError::DiskFull { .. } => disk_full(),
            _ if self.is_disk_full() => disk_full(),
            VaultError::Sqlite(_) | VaultError::Crypto(_) => Localized::new(
                "保险库操作失败，未做任何更改。详细信息已写入日志。",
                "The vault operation failed and nothing was changed. The details are in the log.",
            ),
            VaultError::Io { path, .. } => Localized::new(
                format!(
                    "读写 {} 失败（可能权限不足或磁盘故障），操作未完成，未做任何更改。详细信息已写入日志。",
                    path.display()
                ),
                format!(
                    "Reading or writing {} failed (permissions, or a failing disk); the operation did not complete and nothing was changed. The details are in the log.",
                    path.display()
                ),
            ),
            VaultError::InUse { operation, holders } => {
                let (who_zh, who_en) = if holders.is_empty() {
                    ("另一个程序".to_owned(), "Another program".to_owned())
                } else {
                    (
                        format!("另一个程序（进程 {}）", holders.join("、")),
                        format!("Another program (process {})", holders.join(", ")),
                    )
                };
                let (what_zh, what_en) = match operation {
                    None => (
                        "正在独占保险库（重新加密、恢复或升级），暂时无法打开。请稍候再试",
                        "has the vault to itself (re-keying, restoring or upgrading it), so it cannot be opened now. Try again in a moment",
                    ),
                    Some(crate::lock::Exclusive::Create) => (
                        "正在使用此数据目录，不能在这里新建保险库",
                        "is using this data directory, so no vault can be created here",
                    ),
                    Some(crate::lock::Exclusive::Rekey) => (
                        "正在使用保险库，不能重新加密。请先关闭它（桌面程序、面试终端或 api serve），再重试",
                        "has the vault open, so it cannot be re-keyed. Close that program (the desktop app, the kiosk or api serve) first, then try again",
                    ),
                    Some(crate::lock::Exclusive::Restore) => (
                        "正在使用保险库，不能用备份替换它。请先关闭它，再重试",
                        "has the vault open, so it cannot be replaced by a backup. Close that program first, then try again",
                    ),
                    Some(crate::lock::Exclusive::Migrate) => (
                        "正在使用保险库，不能升级其数据库结构。请先关闭旧版本的程序，再重试",
                        "has the vault open, so its database cannot be upgraded to this version. Close that program first, then try again",
                    ),
                    Some(crate::lock::Exclusive::Reset) => (
                        "正在使用演示保险库，不能重置它。请先关闭它，再重试",
                        "has the demo's vault open, so it cannot be reset. Close that program first, then try again",
                    ),
                };
                Localized::new(
                    format!("{who_zh}{what_zh}。未做任何更改。"),
                    format!("{who_en} {what_en}. Nothing was changed."),
                )
            }
            VaultError::IdempotencyKeyReused => Localized::new(
                "此 Idempotency-Key 已用于另一个不同的请求（24 小时内）。重试请使用原请求；新请求请使用新的键。未做任何更改。",
                "This Idempotency-Key was already used with a different request (within 24 hours). Retry with the original request, or use a new key for a new one. Nothing was changed.",
            ),
            VaultError::RecoveryCopyDamaged { path } => Localized::new(
                format!(
                    "保险库描述文件 {} 与数据库中的记录不一致（已被改动或损坏）：打印的恢复密钥可能已无法恢复本保险库。保险库本身完好。请管理员立即生成新的恢复密钥（interview-kiosk vault rekey）并妥善保存；在此之前不会制作备份，以免复制损坏。",
                    path.display()
                ),
                format!(
                    "The vault's description file {} differs from what the database recorded (it was altered or damaged): the printed recovery key may no longer restore this vault. The vault itself is intact. An administrator should make a new recovery key now (interview-kiosk vault rekey) and keep it safe; until then no backup is made, so the damage is not copied.",
                    path.display()
                ),
            ),
            VaultError::Office(_) => Localized::new(
                "无法生成办公网络的证书颁发机构，未做任何更改。详情见日志。",
                "The office network's certificate authority could not be made; nothing was changed. See the log for details.",
            ),
            VaultError::NotAKioskAccount(name) => Localized::new(
                format!("“{name}”不是已启用的面试终端账户。注册码只能绑定面试终端账户，请先在“账户”中创建。"),
                format!(
                    "“{name}” is not an enabled kiosk account. An enrolment code can only be bound to a kiosk account; create one under Accounts first."
                ),
            ),
            VaultError::EnrolmentRefused => Localized::new(
                "注册码无效：可能输错、已过期（15 分钟有效）或已使用，也可能本机与中心主机之间有其他设备拦截。请在中心主机上生成新的注册码后重试，并确认输入的中心主机地址正确。",
                "The enrolment code was refused: it may be mistyped, expired (codes last 15 minutes) or already used, or something between this machine and the hub intercepted the connection. Create a new code on the hub and try again, and check the hub's address.",
            ),
            VaultError::CodeForOtherMachine { code, .. } => {
                let (zh, en) = if code == "workstation" {
                    ("工作人员工作站", "a staff workstation")
                } else {
                    ("面试终端", "a kiosk station")
                };
                Localized::new(
                    format!(
                        "这个注册码是给{zh}用的，不能用于本机要加入的方式。注册码仍然有效：请在正确的机器上使用，或让管理员生成对应的注册码。"
                    ),
                    format!(
                        "This enrolment code is for {en}, not for the kind of machine this one is joining as. The code is still valid: use it on the right machine, or ask the administrator for the right kind of code."
                    ),
                )
            }
            VaultError::NotAStationMachine => Localized::new(
                "这台机器在中心主机登记的身份与本次请求不符（面试终端与工作人员工作站不能互换）。请求已拒绝并记入审计日志。",
                "This machine is enrolled at the hub as another kind of machine (a kiosk station and a staff workstation cannot stand in for each other). The request was refused and audited.",
            ),
            VaultError::UnknownStation => Localized::new(
                "中心主机不认识本终端。请管理员重新注册本终端。",
                "The hub does not know this station. Ask the administrator to enrol it again.",
            ),
            VaultError::StationRevoked => Localized::new(
                "本终端已被管理员从办公网络中移除，不能再使用。如需继续使用，请管理员重新注册。",
                "This station was removed from the office network by the administrator and can no longer be used. Ask the administrator to enrol it again.",
            ),
            VaultError::UnknownWorkstation => Localized::new(
                "中心主机不认识本工作站。请管理员重新注册本工作站。",
                "The hub does not know this workstation. Ask the administrator to enrol it again.",
            ),
            VaultError::WorkstationRevoked => Localized::new(
                "本工作站已被管理员从办公网络中移除，不能再使用。如需继续使用，请管理员重新注册。",
                "This workstation was removed from the office network by the administrator and can no longer be used. Ask the administrator to enrol it again.",
            ),
            VaultError::JournalOutOfOrder { .. } => Localized::new(
                "录制内容的上传顺序不连续，终端会自动从中断处重新发送。",
                "Recordings arrived out of order; the station sends again from where it stopped.",
            ),
            VaultError::SegmentHashMismatch => Localized::new(
                "收到的录制片段与终端记录的校验值不一致，未保存。",
                "A recording segment did not match the checksum the station recorded, so it was not stored.",
            ),
            VaultError::NotThisStation => Localized::new(
                "该面试不是在本终端签到的，拒绝接收其录制内容。",
                "This interview was not checked in at this station, so its recordings are refused.",
            ),
            VaultError::BadStationName => Localized::new(
                "终端名称须为 1 到 64 个字符，且不含控制字符。",
                "A station name must be 1 to 64 characters, without control characters.",
            ),
            VaultError::CodeLookupTaken => Localized::new(
                "生成注册码时发生冲突，请再试一次。",
                "The enrolment code could not be made (a clash with an earlier one); try again.",
            ),
            VaultError::BadJournalEntry(_) => Localized::new(
                "终端发来的一条记录格式不正确，未保存（已记入审计日志）。",
                "A record the station sent was malformed and was not stored (it is in the audit log).",
            ),
            VaultError::BadFollowUp(_) => Localized::new(
                "追问记录不完整，未保存。作答本身不受影响。",
                "A follow-up record was incomplete and was not stored. The answer itself is not affected.",
            ),
            VaultError::AlreadyScored { .. } => Localized::new(
                "该回答已由办公网络中的另一台机器评分，本次结果未重复记录。",
                "Another machine of the office scored this answer first; this result was not recorded twice.",
            ),
        }
    }
}

/// What a person reads when the disk is full, wherever it happened.
fn disk_full() -> Localized {
    Localized::new(
        "磁盘已满：这一步没有保存，也没有改动任何内容（此前已保存的内容不受影响）。请释放磁盘空间（或请管理员扩容）后重试。",
        "The disk is full: this step was not saved and nothing was changed by it (what was saved before is kept). Free some disk space (or ask your administrator to) and try again.",
    )
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// "Someone changed this meanwhile": who and when (`at` already written in the reader's zone),
/// and that their own text is kept.
pub fn changed_meanwhile(by: &str, at: &str) -> Localized {
    let by_zh = if by.is_empty() { "其他人" } else { by };
    let by_en = if by.is_empty() { "someone else" } else { by };
    Localized::new(
        format!(
            "您编辑期间，{by_zh}已于 {at} 修改了这一项，您的保存未生效，以免覆盖对方的修改。您填写的内容仍在表单中：请复制需要保留的部分，重新打开这一项后再修改。"
        ),
        format!(
            "{by_en} changed this at {at} while you were editing it, so your save was not applied (it would have undone their change). Your text is still in the form: copy what you want to keep, open the item again and make your change there."
        ),
    )
}
