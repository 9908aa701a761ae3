//! `interview-kiosk vault …` and `audit verify`: the vault for administrators and auditors on
//! the command line. Every command signs in as a person (`--user`; the password comes from
//! INTERVIEW_KIOSK_PASSWORD, or is asked for without echo on a terminal, or read as one line
//! from standard input) and is authorised and audited like the UI.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use interview::{Lang, Role};
use vault::{NewUser, RecoveryKey, Session, Vault};

use crate::error::ShellError;
use crate::selftest::t;

/// The password of `--user`, for scripts.
pub const PASSWORD_ENV: &str = "INTERVIEW_KIOSK_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Create the encrypted vault and its first administrator; prints the one-time recovery key.
    Init {
        /// The administrator's username.
        #[arg(long, value_name = "USER")]
        admin: String,
        /// The administrator's full name.
        #[arg(long, value_name = "NAME", default_value = "Administrator")]
        name: String,
    },
    /// Show what the vault holds (counts only).
    Status {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Check the database pages, every media file's hash and the audit chain.
    Check {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Restore access on this machine with the recovery key (read from standard input).
    Recover,
    /// Write a backup of the whole vault (database and recordings, still encrypted) to FILE.
    Backup {
        #[arg(long, value_name = "USER")]
        user: String,
        /// The backup file to create; never overwritten.
        file: PathBuf,
    },
    /// Restore the vault from a backup FILE. Where there is no vault, the backup's recovery key
    /// is required (--recovery-key, read from standard input); over a vault (--replace) the key
    /// may come from this machine's credential store.
    Restore {
        file: PathBuf,
        /// Read the recovery key from standard input (restoring on a new machine).
        #[arg(long)]
        recovery_key: bool,
        /// Replace an existing vault (it is moved aside, not deleted); an administrator of that
        /// vault authorises it with --user and their password.
        #[arg(long, requires = "user")]
        replace: bool,
        /// The administrator of the vault being replaced (with --replace).
        #[arg(long, value_name = "ADMIN", requires = "replace")]
        user: Option<String>,
    },
    /// Re-encrypt the database under a new key; prints the new one-time recovery key.
    Rekey {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Run the retention job now: purge recordings and personal data past the retention period.
    Purge {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Show or set the retention period in days (after the hiring decision).
    Retention {
        #[arg(long, value_name = "USER")]
        user: String,
        /// The new period in days (30–3650); without it, the current one is shown.
        #[arg(long, value_name = "DAYS")]
        days: Option<u32>,
    },
    /// Show or set the speech recognition models that score answers: int8 (the default, about
    /// 1.6 times as fast) or float (what the int8 models are made from).
    RecognitionModels {
        #[arg(long, value_name = "USER")]
        user: String,
        /// The models to use from now on; without it, the current choice is shown.
        #[arg(long, value_name = "int8|float")]
        set: Option<interview::RecognitionModels>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log's hash chain and checkpoints; names the first bad entry.
    Verify {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// The latest audit entries, newest first (auditors and administrators).
    List {
        #[arg(long, value_name = "USER")]
        user: String,
        /// Only entries whose object starts with this (e.g. `interview:3`, `command:`).
        #[arg(long, value_name = "PREFIX")]
        object: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn password(lang: Lang) -> Result<zeroize::Zeroizing<String>, ShellError> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(zeroize::Zeroizing::new(password));
    }
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(t(lang, "密码：", "Password: ")).map_err(|_| ShellError::NoPassword)?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|_| ShellError::NoPassword)?;
        line
    };
    let line = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if line.is_empty() { Err(ShellError::NoPassword) } else { Ok(line) }
}

fn read_recovery_key(lang: Lang) -> Result<RecoveryKey, ShellError> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(t(lang, "恢复密钥：", "Recovery key: "))
            .map_err(|_| vault::VaultError::MalformedRecoveryKey)?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|_| vault::VaultError::MalformedRecoveryKey)?;
        line
    };
    Ok(RecoveryKey::parse(&zeroize::Zeroizing::new(line))?)
}

pub fn sign_in(data_dir: &Path, user: &str, lang: Lang) -> Result<(Vault, Session), ShellError> {
    vault::keys::credential::use_platform_store()?;
    let mut vault = Vault::open(data_dir)?;
    vault.set_personaliser(scoring::resume::choose);
    let session = vault.login(user, &password(lang)?, "cli")?;
    Ok((vault, session))
}

pub fn run_vault(command: VaultCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        VaultCommand::Init { admin, name } => {
            vault::keys::credential::use_platform_store()?;
            let admin = NewUser {
                username: admin,
                display_name: name,
                role: Role::Admin,
                password: password(lang)?.to_string(),
            };
            let (vault, recovery) = Vault::create(data_dir, admin)?;
            println!("{} {}", t(lang, "已创建加密保险库：", "encrypted vault created:"), vault.paths().dir.display());
            print_recovery_key(&recovery, lang);
        }
        VaultCommand::Status { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            vault.authorize(&session, interview::Action::ViewStatus)?;
            print_status(&vault, lang)?;
        }
        VaultCommand::Check { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let report = vault.check(&session)?;
            if !report.orphans.is_empty() {
                println!(
                    "{}",
                    t(lang, "没有记录的录像文件（vault/media/）：", "media files without a record (vault/media/):")
                );
                for name in &report.orphans {
                    println!("  {name}");
                }
                return Err(ShellError::OrphanMedia { orphans: report.orphans.len() });
            }
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!(
                        "检查通过：数据库页校验正常，{} 个媒体文件完好，审计日志 {} 条记录、{} 个签名检查点均有效。",
                        report.media_files, report.audit.entries, report.audit.checkpoints
                    ),
                    Lang::En => format!(
                        "check passed: database pages intact, {} media files intact, audit log of {} entries and {} signed checkpoints valid.",
                        report.media_files, report.audit.entries, report.audit.checkpoints
                    ),
                }
            );
        }
        VaultCommand::Recover => {
            vault::keys::credential::use_platform_store()?;
            let recovery = read_recovery_key(lang)?;
            Vault::recover(data_dir, &recovery)?;
            println!(
                "{}",
                t(
                    lang,
                    "已恢复访问：密钥已存回系统凭据库。",
                    "access restored: the key is back in the credential store."
                )
            );
        }
        VaultCommand::Backup { user, file } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let report = vault.backup(&session, &file)?;
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!(
                        "备份已写入 {}：{:.1} MB，{} 个媒体文件，审计日志 {} 条记录（仍为加密状态）。",
                        report.path.display(),
                        report.bytes as f64 / 1e6,
                        report.media_files,
                        report.audit_entries
                    ),
                    Lang::En => format!(
                        "backup written to {}: {:.1} MB, {} media files, audit log of {} entries (still encrypted).",
                        report.path.display(),
                        report.bytes as f64 / 1e6,
                        report.media_files,
                        report.audit_entries
                    ),
                }
            );
        }
        VaultCommand::Restore { file, recovery_key, replace, user } => {
            vault::keys::credential::use_platform_store()?;
            let recovery = if recovery_key { Some(read_recovery_key(lang)?) } else { None };
            let password = match (&user, replace) {
                (Some(_), true) => Some(password(lang)?),
                _ => None,
            };
            let replacing = user
                .as_deref()
                .zip(password.as_deref())
                .map(|(username, password)| vault::Replacing { username, password: password.as_str() });
            let (_, report) = Vault::restore(data_dir, &file, recovery.as_ref(), replacing)?;
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!(
                        "已从备份恢复保险库：{} 个媒体文件，审计日志 {} 条记录；所有登录会话已结束，请重新登录。",
                        report.media_files, report.audit_entries
                    ),
                    Lang::En => format!(
                        "vault restored from the backup: {} media files, audit log of {} entries; every session has ended, please sign in again.",
                        report.media_files, report.audit_entries
                    ),
                }
            );
            if let Some(aside) = report.replaced_vault {
                println!("{} {}", t(lang, "原保险库已移至：", "the previous vault was moved to:"), aside.display());
            }
        }
        VaultCommand::Rekey { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let recovery = vault.rekey(&session)?;
            println!(
                "{}",
                t(
                    lang,
                    "数据库已使用新密钥重新加密；旧的恢复密钥已作废。",
                    "the database is encrypted under a new key; the old recovery key no longer works."
                )
            );
            print_recovery_key(&recovery, lang);
        }
        VaultCommand::Purge { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let r = vault.purge_expired(&session)?;
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!(
                        "保存期限 {} 天：已清除 {} 名候选人的个人数据（{} 场面试，{} 个录像文件，{:.1} MB，{} 份转写），删除 {} 个无主文件。",
                        r.retention_days,
                        r.candidates,
                        r.interviews,
                        r.media_files,
                        r.media_bytes as f64 / 1e6,
                        r.transcripts,
                        r.orphan_files
                    ),
                    Lang::En => format!(
                        "retention {} days: purged the personal data of {} candidates ({} interviews, {} recordings, {:.1} MB, {} transcripts); removed {} orphaned files.",
                        r.retention_days,
                        r.candidates,
                        r.interviews,
                        r.media_files,
                        r.media_bytes as f64 / 1e6,
                        r.transcripts,
                        r.orphan_files
                    ),
                }
            );
        }
        VaultCommand::Retention { user, days } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            match days {
                Some(days) => vault.set_retention_days(&session, days)?,
                None => vault.authorize(&session, interview::Action::ViewStatus)?,
            }
            println!(
                "{} {}",
                t(lang, "保存期限（决定后，天）：", "retention period (days after the decision):"),
                vault.retention_days()?
            );
        }
        VaultCommand::RecognitionModels { user, set } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            match set {
                Some(models) => vault.set_recognition_models(&session, models)?,
                None => vault.authorize(&session, interview::Action::ViewStatus)?,
            }
            println!("{} {}", t(lang, "语音识别模型：", "speech recognition models:"), vault.recognition_models()?);
        }
    }
    Ok(())
}

pub fn run_audit(command: AuditCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        AuditCommand::Verify { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let verified = vault.verify_audit(&session)?;
            println!(
                "{}",
                match lang {
                    Lang::ZhCn => format!(
                        "审计日志完好：{} 条记录，{} 个签名检查点，链头 {}",
                        verified.entries,
                        verified.checkpoints,
                        hex_prefix(&verified.head_hash)
                    ),
                    Lang::En => format!(
                        "audit log intact: {} entries, {} signed checkpoints, head {}",
                        verified.entries,
                        verified.checkpoints,
                        hex_prefix(&verified.head_hash)
                    ),
                }
            );
        }
        AuditCommand::List { user, object, limit, json } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let rows = vault.audit_log(&session, object.as_deref(), limit)?;
            for row in rows {
                if json {
                    println!("{}", serde_json::to_string(&row).map_err(|e| ShellError::Internal(e.to_string()))?);
                } else {
                    println!(
                        "{:>6}  {:<24} {:<10} {:<8} {:<28} {:<22} {}",
                        row.seq,
                        report::text::timestamp(row.at_ms, flow::reports::now().offset()),
                        row.actor,
                        row.role,
                        row.action,
                        row.object,
                        row.outcome
                    );
                }
            }
        }
    }
    Ok(())
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn print_recovery_key(recovery: &RecoveryKey, lang: Lang) {
    println!();
    println!(
        "{}",
        t(
            lang,
            "恢复密钥（只显示这一次，请打印或抄写后妥善保管）：",
            "RECOVERY KEY (shown only this once; print or copy it and keep it safe):"
        )
    );
    println!();
    println!("    {}", recovery.display().as_str());
    println!();
    println!(
        "{}",
        t(
            lang,
            "如果本机的系统凭据库丢失或更换电脑，需要用它恢复访问（interview-kiosk vault recover）。",
            "You need it to restore access if this machine's credential store is lost or on a new machine (interview-kiosk vault recover)."
        )
    );
}

pub fn print_status(vault: &Vault, lang: Lang) -> Result<(), ShellError> {
    let s = vault.status()?;
    let rows: [(&str, &str, String); 7] = [
        ("保险库", "vault", s.vault_id.clone()),
        ("数据库结构版本", "schema version", s.schema_version.to_string()),
        ("账户", "accounts", s.users.to_string()),
        ("岗位", "jobs", s.jobs.to_string()),
        ("候选人", "candidates", s.candidates.to_string()),
        ("面试", "interviews", s.interviews.to_string()),
        ("审计记录", "audit entries", s.audit_entries.to_string()),
    ];
    for (zh, en, value) in rows {
        println!("  {:<16} {value}", t(lang, zh, en));
    }
    Ok(())
}
