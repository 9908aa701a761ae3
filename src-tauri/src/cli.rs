//! The `interview-kiosk` command line: the same binary as the desktop app, for administrators,
//! auditors and scripts. Parsing happens before anything touches a display, so `--help` and
//! every subcommand work on a headless server.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use interview::{Lang, UserFacing};
use tracing_appender::non_blocking::WorkerGuard;

use crate::error::ShellError;
use crate::vault_cli::{self, AuditCommand, VaultCommand};
use crate::{api_cli, devices_cli, eval_cli, import_cli, office_cli, report_cli, score_cli, staff_cli};
use crate::{app, demo, logging, selftest};

/// Selects where everything lives (vault, recordings, logs).
pub const DATA_DIR_ENV: &str = "INTERVIEW_KIOSK_DATA_DIR";
/// Language of the command line's messages (`zh-CN` or `en`).
pub const LANG_ENV: &str = "INTERVIEW_KIOSK_LANG";

#[derive(Debug, Parser)]
#[command(
    name = "interview-kiosk",
    version,
    about = "Interview Kiosk (面试一体机): on-premises AI video interviews.",
    long_about = "Interview Kiosk (面试一体机): on-premises AI video interviews.\n\n\
        With no command, opens the desktop app. Nothing ever leaves this machine."
)]
struct Cli {
    /// Where the vault, recordings and logs live [default: the platform's data directory;
    /// for `demo`: ./demo-data]
    #[arg(long, env = DATA_DIR_ENV, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Language of messages: zh-CN or en [default: from LANG]
    #[arg(long, env = LANG_ENV, global = true, value_name = "LANG")]
    lang: Option<Lang>,

    /// Also print the log to stderr.
    #[arg(short, long, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the desktop app (the default).
    App,
    /// Open the candidates' kiosk: full screen, always on top, kiosk commands only.
    Kiosk,
    /// Run the end-to-end demo headless and print each stage with its timing.
    Demo(demo::DemoArgs),
    /// Check that the bundled runtime library and models match the manifest.
    Selftest,
    /// The encrypted vault: init, status, check, recover.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// The audit log: verify.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Score a completed interview from its recordings in the vault and record the result.
    Score(score_cli::ScoreArgs),
    /// Score one recorded answer (WAV) against a rubric; prints the evidence for every level.
    ScoreFile(score_cli::ScoreFileArgs),
    /// Make an interview's follow-up decisions again from its recordings and compare them with
    /// what the kiosk stored.
    FollowUps(score_cli::FollowUpsArgs),
    /// Score a labelled set and compare the AI's levels with people's (calibration).
    Eval(eval_cli::EvalArgs),
    /// Import from the HRMS: candidates, and hired people's later outcomes, from CSV or XLSX.
    #[command(subcommand)]
    Import(import_cli::ImportCommand),
    /// Export to the HRMS: results as CSV, XLSX or JSON.
    #[command(subcommand)]
    Export(import_cli::ExportCommand),
    /// The cameras and microphones this kiosk sees; choose the ones it uses.
    Devices(devices_cli::DevicesArgs),
    /// The opt-in local API: access tokens for the agency's systems.
    #[command(subcommand)]
    Api(api_cli::ApiCommand),
    /// An office of several machines, at the hub: serve the stations, enrolment codes, the
    /// stations' list, rename, revoke.
    #[command(subcommand)]
    Hub(office_cli::HubCommand),
    /// An office of several machines, at a kiosk station: enrol with a hub, status, forward.
    #[command(subcommand)]
    Station(office_cli::StationCommand),
    /// An office of several machines, at a staff workstation: enrol with a hub, status.
    #[command(subcommand)]
    Workstation(office_cli::WorkstationCommand),
    /// Signed PDF reports: candidate, job, audit.
    #[command(subcommand)]
    Report(report_cli::ReportCommand),
    /// Verify a report PDF: signature, coverage, signer, and (with --user) this vault's register.
    Verify(report_cli::VerifyArgs),
    /// The organisation's report-signing certificate: generate, import (PKCS#12), export.
    #[command(subcommand)]
    Signing(report_cli::SigningCommand),
    /// The organisation's name, logo and report language.
    Org(report_cli::OrgArgs),
    /// Accounts: create.
    #[command(subcommand)]
    User(staff_cli::UserCommand),
    /// Jobs: create one with its questions from a TOML file; its validity and weight suggestion.
    #[command(subcommand)]
    Job(staff_cli::JobCommand),
    /// Candidates: add one.
    #[command(subcommand)]
    Candidate(staff_cli::CandidateCommand),
    /// Issue a candidate's one-time access code (and accommodations).
    Invite(staff_cli::InviteArgs),
}

pub fn main() -> ExitCode {
    flow::reports::capture_local_offset();
    let matches = Cli::command().get_matches();
    // Only the command's name reaches the log: its arguments can be a candidate's name, ID
    // number or phone, or a file path holding them.
    let name = command_name(&matches);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let lang = cli.lang.unwrap_or_else(lang_from_locale);
    // The log writer's guard outlives `run`, so that the failure below reaches the log file
    // before the process exits (dropping the guard flushes it).
    let mut log_guard = None;
    let code = match run(cli, &name, lang, &mut log_guard) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(code = error.code(), detail = %error, "command failed");
            #[allow(clippy::print_stderr)] // the edge: this is how a CLI reports
            {
                eprintln!("{}", error.user_message().get(lang));
            }
            ExitCode::FAILURE
        }
    };
    drop(log_guard);
    code
}

/// `candidate add`, `vault status`, `app`…: the subcommands' names, never an argument.
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut level = matches;
    while let Some((name, sub)) = level.subcommand() {
        names.push(name.to_owned());
        level = sub;
    }
    if names.is_empty() { "app".into() } else { names.join(" ") }
}

fn run(cli: Cli, name: &str, lang: Lang, log_guard: &mut Option<WorkerGuard>) -> Result<(), ShellError> {
    let command = cli.command.unwrap_or(Command::App);
    let data_dir = match (cli.data_dir, &command) {
        (Some(dir), _) => dir,
        (None, Command::Demo(_)) => PathBuf::from("demo-data"),
        (None, _) => dirs::data_dir().ok_or(ShellError::NoDataDir)?.join("interview-kiosk"),
    };
    let data_dir = prepare_data_dir(&data_dir)?;
    ensure_environment(&data_dir)?;
    // Where ONNX Runtime kept its telemetry for this account: under the caller's cache
    // directory, which `ensure_environment` replaced.
    let leftovers = scoring::runtime::telemetry_cache_dir(
        std::env::var_os(USER_CACHE_ENV).as_deref(),
        std::env::var_os("HOME").as_deref(),
    );
    *log_guard = logging::init(&data_dir, cli.verbose);
    remove_telemetry_leftovers(leftovers);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command = name, "interview-kiosk started");
    match command {
        Command::App => {
            app::run(data_dir, crate::state::Mode::Staff).map_err(|e| ShellError::Internal(format!("{e:#}")))
        }
        Command::Kiosk => {
            app::run(data_dir, crate::state::Mode::Kiosk).map_err(|e| ShellError::Internal(format!("{e:#}")))
        }
        Command::Demo(args) => demo::run(&data_dir, &args, lang),
        Command::Selftest => selftest::run(lang),
        Command::Vault(command) => vault_cli::run_vault(command, &data_dir, lang),
        Command::Audit(command) => vault_cli::run_audit(command, &data_dir, lang),
        Command::Score(args) => score_cli::run_interview(args, &data_dir, lang),
        Command::ScoreFile(args) => score_cli::run(args, lang),
        Command::FollowUps(args) => {
            if score_cli::run_follow_ups(args, &data_dir, lang)? {
                Ok(())
            } else {
                Err(ShellError::FollowUpDiffers)
            }
        }
        Command::Eval(args) => eval_cli::run(args, lang),
        Command::Import(command) => import_cli::run(command, &data_dir, lang),
        Command::Export(command) => import_cli::run_export(command, &data_dir, lang),
        Command::Api(command) => api_cli::run(command, &data_dir, lang),
        Command::Devices(args) => devices_cli::run(args, &data_dir, lang),
        Command::Hub(command) => office_cli::run_hub(command, &data_dir, lang),
        Command::Station(command) => office_cli::run_station(command, &data_dir, lang),
        Command::Workstation(command) => office_cli::run_workstation(command, &data_dir, lang),
        Command::Report(command) => report_cli::run(command, &data_dir, lang),
        Command::Verify(args) => {
            if report_cli::run_verify(args, &data_dir, lang)? {
                Ok(())
            } else {
                Err(ShellError::ReportInvalid)
            }
        }
        Command::Signing(command) => report_cli::run_signing(command, &data_dir, lang),
        Command::Org(args) => report_cli::run_org(args, &data_dir, lang),
        Command::User(command) => staff_cli::run_user(command, &data_dir, lang),
        Command::Job(command) => staff_cli::run_job(command, &data_dir, lang),
        Command::Candidate(command) => staff_cli::run_candidate(command, &data_dir, lang),
        Command::Invite(args) => staff_cli::run_invite(args, &data_dir, lang),
    }
}

/// Set by [`ensure_environment`] in the program it runs again: the data directory it did so
/// for (so it never does twice), and the caller's own `XDG_CACHE_HOME`, if any.
const REEXEC_ENV: &str = "INTERVIEW_KIOSK_ENVIRONMENT_FOR";
const USER_CACHE_ENV: &str = "INTERVIEW_KIOSK_USER_CACHE_HOME";

/// What must be in the environment before any library reads it: ONNX Runtime's telemetry switch
/// ([`scoring::runtime::TELEMETRY_OPT_OUT`]), whatever the caller's environment says, and the
/// libraries' cache directory inside the data directory (GStreamer's plugin registry, dconf's,
/// fontconfig's), so an installation creates nothing outside its data directory and the
/// credential store.
fn required_environment(data_dir: &Path) -> [(&'static str, OsString); 2] {
    let (switch, on) = scoring::runtime::TELEMETRY_OPT_OUT;
    [(switch, OsString::from(on)), ("XDG_CACHE_HOME", data_dir.join("cache").into_os_string())]
}

/// Makes sure this process started with [`required_environment`]: if it did not, it runs
/// itself again with it — on Unix by `exec`, so it stays the same process (same id, same
/// standard streams) — before any library has read the environment. The environment of a
/// running process is never written: WebKit's libraries start a thread before `main` (the
/// memory scavenger of its allocator), so no point of this program is single-threaded, and a
/// library may read the environment when it initialises (ONNX Runtime does, for its telemetry).
fn ensure_environment(data_dir: &Path) -> Result<(), ShellError> {
    let wanted = required_environment(data_dir);
    if wanted.iter().all(|(name, value)| std::env::var_os(name).as_ref() == Some(value)) {
        return Ok(());
    }
    let failed = |detail: String| ShellError::Internal(format!("setting the environment: {detail}"));
    if std::env::var_os(REEXEC_ENV).is_some_and(|done| done == data_dir.as_os_str()) {
        return Err(failed("it was set, but the program started without it".into()));
    }
    let exe = std::env::current_exe().map_err(|e| failed(e.to_string()))?;
    let mut command = std::process::Command::new(exe);
    command.args(std::env::args_os().skip(1)).envs(wanted).env(REEXEC_ENV, data_dir);
    match std::env::var_os(USER_CACHE_ENV).or_else(|| std::env::var_os("XDG_CACHE_HOME")) {
        Some(cache) => command.env(USER_CACHE_ENV, cache),
        None => command.env_remove(USER_CACHE_ENV),
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        if let Some(name) = std::env::args_os().next() {
            command.arg0(name);
        }
        // Returns only if the program could not be run again.
        Err(failed(command.exec().to_string()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(|e| failed(e.to_string()))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}

/// Removes the device id and queued events ONNX Runtime's telemetry kept for this account when
/// an earlier version ran without the switch (README, "Data residency"). `dir` is where the
/// library kept them, under the caller's cache directory.
fn remove_telemetry_leftovers(dir: Option<PathBuf>) {
    match dir.map(|dir| scoring::runtime::remove_telemetry_leftovers(&dir)) {
        None | Some(Ok(0)) => {}
        Some(Ok(files)) => tracing::info!(files, "removed ONNX Runtime's telemetry cache left by an earlier version"),
        Some(Err(error)) => tracing::warn!(%error, "could not remove ONNX Runtime's telemetry cache"),
    }
}

/// Creates the data directory (owner-only on Unix) and returns its absolute path.
fn prepare_data_dir(dir: &Path) -> Result<PathBuf, ShellError> {
    let error = |source| ShellError::DataDir { path: dir.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(error)?;
    }
    dir.canonicalize().map_err(error)
}

/// zh-CN when the locale is Chinese, English otherwise.
fn lang_from_locale() -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
    match locale {
        Some(l) if l.to_ascii_lowercase().starts_with("zh") => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// Runs a server (`api serve`, `hub serve`) on a two-thread runtime until Ctrl-C or SIGTERM:
/// `serve` gets the future that completes then, for its graceful shutdown.
pub fn serve_until_stopped<F, E>(
    serve: impl FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> F,
) -> Result<(), ShellError>
where
    F: Future<Output = Result<(), E>>,
    ShellError: From<E>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ShellError::Internal(e.to_string()))?;
    runtime.block_on(async move {
        let stop = Box::pin(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
        });
        serve(stop).await
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The attack pass found `candidate add`'s name, ID number and phone in `logs/` (the parsed
    /// command was logged whole). Only the subcommands' names are logged now.
    #[test]
    fn the_log_names_the_command_and_none_of_its_arguments() {
        let args = [
            "interview-kiosk",
            "--lang",
            "en",
            "candidate",
            "add",
            "--user",
            "clerk",
            "--job",
            "1",
            "--name",
            "王小明",
            "--id-number",
            "11010519491231002X",
            "--phone",
            "13800000000",
        ];
        let name = command_name(&Cli::command().try_get_matches_from(args).unwrap());
        assert_eq!(name, "candidate add");
        let name = command_name(&Cli::command().try_get_matches_from(["interview-kiosk"]).unwrap());
        assert_eq!(name, "app");
        let name = command_name(
            &Cli::command().try_get_matches_from(["interview-kiosk", "vault", "status", "--user", "admin"]).unwrap(),
        );
        assert_eq!(name, "vault status");
    }

    #[test]
    fn data_dir_is_created_private_and_absolute() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = prepare_data_dir(&tmp.path().join("a/b")).unwrap();
        assert!(dir.is_absolute() && dir.is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn a_file_in_the_way_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("taken"), b"").unwrap();
        let error = prepare_data_dir(&tmp.path().join("taken")).unwrap_err();
        assert_eq!(error.code(), "app.data_dir");
        assert!(error.user_message().zh_cn.contains("数据目录"));
    }
}
