//! `interview-kiosk api serve|token|tls-certificate`: the opt-in local API, the tokens of the
//! agency's systems that call it (shown once; the vault keeps only a keyed hash), and a
//! self-signed certificate for serving it on a LAN address when the agency has no PKI of its own.

use flow::FlowError;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use interview::Lang;

use crate::error::ShellError;
use crate::selftest::t;

#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// Access tokens for the agency's systems.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Serve the local API until stopped (Ctrl-C or SIGTERM). Off unless this runs.
    Serve {
        /// Address to listen on. Anything but loopback needs --tls-cert and --tls-key.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: std::net::SocketAddr,
        /// Certificate chain (PEM, server certificate first) to serve HTTPS with.
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Requests a second allowed per token (twice that in a burst).
        #[arg(long, default_value_t = 50)]
        rate: u32,
        /// The administrator starting it.
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Make a self-signed TLS certificate and key for serving on a LAN address (prints the
    /// fingerprint the calling system pins). Agencies with their own PKI use its certificate.
    TlsCertificate {
        /// The names or addresses the calling systems use to reach this machine (repeat).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Days it is valid (1–3650).
        #[arg(long, default_value_t = 825, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// Directory to write `api-cert.pem` and `api-key.pem` (readable by this user only) to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The administrator making it.
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token (shown once).
    Create {
        /// Which system uses it, e.g. "HRMS".
        #[arg(long)]
        name: String,
        /// What it may do (repeat): candidates:read, candidates:write, invitations:write,
        /// interviews:read, results:read, reports:read.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Days until it expires (1–366).
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Revoke a token at once.
    Revoke {
        id: i64,
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

pub fn run(command: ApiCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let command = match command {
        ApiCommand::Token(command) => command,
        ApiCommand::Serve { listen, tls_cert, tls_key, rate, user } => {
            let tls = tls_cert.zip(tls_key).map(|(certificate, key)| hrms::tls::TlsFiles { certificate, key });
            return serve(data_dir, listen, tls, rate, &user, lang);
        }
        ApiCommand::TlsCertificate { hosts, days, out, user } => {
            return tls_certificate(data_dir, &hosts, days, &out, &user, lang);
        }
    };
    match command {
        TokenCommand::Create { name, scopes, days, user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            let (id, token) = vault.create_api_token(&session, &name, &scopes, days)?;
            println!("{} {id} ({name}, {days} {}):", t(lang, "已创建令牌", "token created"), t(lang, "天有效", "days"));
            println!();
            println!("    {}", token.as_str());
            println!();
            println!(
                "{}",
                t(
                    lang,
                    "令牌只显示这一次，请立即配置到对方系统中；丢失后请吊销并重新创建。",
                    "The token is shown only this once: configure it in the other system now; if it is lost, revoke it and create a new one."
                )
            );
        }
        TokenCommand::List { user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            for token in vault.list_api_tokens(&session)? {
                let state = if token.revoked_at_ms.is_some() {
                    t(lang, "已吊销", "revoked")
                } else {
                    t(lang, "有效", "active")
                };
                println!(
                    "  {:>4}  {:<16} {}…  {state:<8} {}",
                    token.id,
                    token.name,
                    token.prefix,
                    token.scopes.join(" ")
                );
            }
        }
        TokenCommand::Revoke { id, user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            vault.revoke_api_token(&session, id)?;
            println!("{} {id}", t(lang, "已吊销令牌", "token revoked"));
        }
    }
    Ok(())
}

/// Writes a self-signed certificate and its key (mode 0600) for `hosts`; an administrator's job,
/// audited as a settings change would be (the vault records who made which fingerprint).
fn tls_certificate(
    data_dir: &Path,
    hosts: &[String],
    days: u32,
    out: &Path,
    user: &str,
    lang: Lang,
) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, user, lang)?;
    vault.authorize(&session, interview::Action::ManageDevices)?;
    let organisation = vault.organisation()?.name;
    let made = hrms::tls::self_signed(hosts, &organisation, days)?;
    let (cert_path, key_path) = (out.join("api-cert.pem"), out.join("api-key.pem"));
    let write = |path: &Path, text: &str, mode: u32| -> Result<(), ShellError> {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let failed = |path: &Path| {
            let path = path.to_owned();
            move |source| FlowError::Write { path, source }
        };
        std::fs::create_dir_all(out).map_err(failed(out))?;
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(failed(path))?;
        Ok(file.write_all(text.as_bytes()).map_err(failed(path))?)
    };
    write(&key_path, made.key_pem.as_str(), 0o600)?;
    write(&cert_path, &made.certificate_pem, 0o644)?;
    vault.record_tls_certificate(&session, &made.fingerprint)?;
    println!("{} {}", t(lang, "证书：", "certificate:"), cert_path.display());
    println!("{} {}", t(lang, "私钥：", "key:"), key_path.display());
    println!("SHA-256: {}", made.fingerprint);
    println!(
        "{}",
        t(
            lang,
            "请把证书文件或上面的指纹交给调用方系统固定信任；私钥不要离开本机。",
            "Give the calling system the certificate file or the fingerprint above to pin; the key never leaves this machine."
        )
    );
    Ok(())
}

/// Runs the API server in the foreground. Refuses a non-loopback address without TLS, and a
/// certificate that cannot be used, before anything else.
fn serve(
    data_dir: &Path,
    listen: std::net::SocketAddr,
    tls: Option<hrms::tls::TlsFiles>,
    rate: u32,
    user: &str,
    lang: Lang,
) -> Result<(), ShellError> {
    hrms::api::check_listen(listen, tls.is_some())?;
    if let Some(files) = &tls {
        hrms::tls::server_config(files)?;
    }
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, user, lang)?;
    vault.authorize(&session, interview::Action::ManageDevices)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let settings = hrms::api::ApiSettings {
        listen,
        requests_per_second: rate,
        tls,
        now: flow::reports::now,
        ..Default::default()
    };
    crate::cli::serve_until_stopped(|stop| async move {
        hrms::api::serve(
            vault,
            settings,
            |addr| {
                println!(
                    "{} {scheme}://{addr}/api/v1/  (OpenAPI: {scheme}://{addr}/api/v1/openapi.json; {})",
                    t(lang, "本地接口已开启：", "local API listening on"),
                    t(lang, "Ctrl-C 停止", "Ctrl-C stops it")
                );
            },
            stop,
        )
        .await
    })?;
    println!("{}", t(lang, "本地接口已停止。", "local API stopped."));
    Ok(())
}
