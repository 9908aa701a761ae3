//! `interview-kiosk vault …` and `audit verify`: the vault for administrators and auditors on
//! the command line. Every command signs in as a person (`--user`; the password comes from
//! INTERVIEW_KIOSK_PASSWORD or is asked for) and is authorised and audited like the UI.

use std::io::BufRead;
use std::path::Path;

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
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit log's hash chain and checkpoints; names the first bad entry.
    Verify {
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

fn password() -> Result<String, ShellError> {
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|_| ShellError::NoPassword)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() { Err(ShellError::NoPassword) } else { Ok(line) }
}

fn sign_in(data_dir: &Path, user: &str) -> Result<(Vault, Session), ShellError> {
    vault::keys::credential::use_platform_store()?;
    let mut vault = Vault::open(data_dir)?;
    let session = vault.login(user, &password()?, "cli")?;
    Ok((vault, session))
}

pub fn run_vault(command: VaultCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        VaultCommand::Init { admin, name } => {
            vault::keys::credential::use_platform_store()?;
            let admin = NewUser { username: admin, display_name: name, role: Role::Admin, password: password()? };
            let (vault, recovery) = Vault::create(data_dir, admin)?;
            println!("{} {}", t(lang, "已创建加密保险库：", "encrypted vault created:"), vault.paths().dir.display());
            print_recovery_key(&recovery, lang);
        }
        VaultCommand::Status { user } => {
            let (mut vault, session) = sign_in(data_dir, &user)?;
            vault.authorize(&session, interview::Action::ViewStatus)?;
            print_status(&vault, lang)?;
        }
        VaultCommand::Check { user } => {
            let (mut vault, session) = sign_in(data_dir, &user)?;
            let report = vault.check(&session)?;
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
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|_| vault::VaultError::MalformedRecoveryKey)?;
            let recovery = RecoveryKey::parse(&line)?;
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
    }
    Ok(())
}

pub fn run_audit(command: AuditCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        AuditCommand::Verify { user } => {
            let (mut vault, session) = sign_in(data_dir, &user)?;
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
