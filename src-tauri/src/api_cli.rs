//! `interview-kiosk api token create|list|revoke`: tokens for the agency's systems that will call
//! the opt-in local API. A token is shown once; the vault keeps only its keyed hash.

use std::path::Path;

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
        /// Address to listen on; only loopback addresses are accepted (no TLS yet).
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: std::net::SocketAddr,
        /// Requests a second allowed per token (twice that in a burst).
        #[arg(long, default_value_t = 50)]
        rate: u32,
        /// The administrator starting it.
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
        ApiCommand::Serve { listen, rate, user } => return serve(data_dir, listen, rate, &user, lang),
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

/// Runs the API server in the foreground. Refuses a non-loopback address before anything else.
fn serve(data_dir: &Path, listen: std::net::SocketAddr, rate: u32, user: &str, lang: Lang) -> Result<(), ShellError> {
    hrms::api::check_listen(listen)?;
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, user, lang)?;
    vault.authorize(&session, interview::Action::ManageDevices)?;
    let settings = hrms::api::ApiSettings { listen, requests_per_second: rate, ..Default::default() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ShellError::Internal(e.to_string()))?;
    runtime.block_on(async move {
        let stop = async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
        };
        hrms::api::serve(
            vault,
            settings,
            |addr| {
                println!(
                    "{} http://{addr}/api/v1/  (OpenAPI: http://{addr}/api/v1/openapi.json; {})",
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
