//! Logging to rotating files in the data directory.
//!
//! What may be logged: operations, codes, timings, file names of our own components. What may
//! never be logged: names, ID numbers, access codes, transcripts, recordings, keys — anything
//! about a candidate or a secret. Spans on commands use `skip_all` so arguments never leak.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Overrides the filter, in `tracing_subscriber::EnvFilter` syntax.
pub const LOG_ENV: &str = "INTERVIEW_KIOSK_LOG";
/// Our crates log at `info`, everything else (WebKit glue, HTTP stacks) at `warn`.
const DEFAULT_FILTER: &str = "warn,interview_kiosk_shell=info,interview=info,manifest=info";
const KEEP_FILES: usize = 14;

/// Creates `<data_dir>/logs`, owner-only (the files in it, created by the appender, get the
/// process's umask; the directory keeps everyone else out of them). The appender prunes old
/// files by listing the directory: it must exist first.
fn prepare_log_dir(data_dir: &Path) -> std::path::PathBuf {
    let dir = data_dir.join("logs");
    let _ = std::fs::create_dir_all(&dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    dir
}

/// Starts logging into `<data_dir>/logs/interview-kiosk.YYYY-MM-DD.log`, rotated daily, the
/// last 14 days kept. With `verbose`, the same lines also go to stderr. Keep the guard alive
/// for as long as the program runs: dropping it flushes the file.
pub fn init(data_dir: &Path, verbose: bool) -> Option<WorkerGuard> {
    let dir = prepare_log_dir(data_dir);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("interview-kiosk")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(&dir);
    let (file_layer, guard) = match appender {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            (Some(tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer)), Some(guard))
        }
        // Logging must never stop the app; the caller reports the missing directory anyway.
        Err(_) => (None, None),
    };
    let stderr_layer = verbose.then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    let _ = tracing_subscriber::registry().with(filter).with(file_layer).with(stderr_layer).try_init();
    guard
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attack pass read others' logs: they were 0644 in a 0755 directory.
    #[cfg(unix)]
    #[test]
    fn the_log_directory_is_owner_only_even_when_it_existed() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("logs")).unwrap();
        std::fs::set_permissions(tmp.path().join("logs"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = prepare_log_dir(tmp.path());
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    }
}
