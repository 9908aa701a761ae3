//! A staff workstation: the staff window's commands that work on the vault are carried to the
//! hub (`office::workstation::Link`) and run there; the rest run here (see `commands::Runs`,
//! the third column of the one command list). Files a command made for the person arrive as the
//! bytes the hub made and are written into this machine's export folder; nothing else of the
//! agency is written here.

use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use office::wire::{ExportedFile, StaffOutcome};
use office::workstation::Link;
use tauri::ipc::{Channel, Invoke, InvokeBody, InvokeError, JavaScriptChannelId};

use crate::commands::Runs;
use crate::error::ShellError;
use crate::ipc::IpcError;

fn rejected(error: ShellError) -> InvokeError {
    InvokeError(serde_json::to_value(IpcError::from(error)).unwrap_or_default())
}

/// Opens the link of the workstation enrolled in `data_dir`, and starts asking every
/// [`office::workstation::PROBE_EVERY`] whether the hub answers.
pub fn open(data_dir: &Path) -> Result<Arc<Link>, ShellError> {
    vault::keys::credential::use_platform_store()?;
    let link = Arc::new(Link::open(data_dir)?);
    let probing = Arc::downgrade(&link);
    std::thread::Builder::new()
        .name("hub-probe".into())
        .spawn(move || {
            while let Some(link) = probing.upgrade() {
                let _ = link.probe();
                drop(link);
                std::thread::sleep(office::workstation::PROBE_EVERY);
            }
        })
        .map_err(|e| ShellError::Internal(format!("hub probe: {e}")))?;
    Ok(link)
}

/// Handles one call of the staff window at a workstation: carried to the hub, refused, or left
/// to `here` (the commands that act on this machine).
pub fn forward<R: tauri::Runtime>(
    link: &Arc<Link>,
    export_folder: PathBuf,
    invoke: Invoke<R>,
    here: &(impl Fn(Invoke<R>) -> bool + ?Sized),
) -> bool {
    let command = invoke.message.command().to_owned();
    match crate::commands::runs(&command) {
        Some((_, Runs::Vault)) => {}
        Some((_, Runs::NotAtWorkstation)) => {
            tracing::info!(command = %command, "a set-up command refused at a workstation");
            invoke.resolver.reject(rejected(ShellError::NotAtWorkstation { command }).0);
            return true;
        }
        Some((_, Runs::Here)) | None => return here(invoke),
    }
    let args = match invoke.message.payload() {
        InvokeBody::Json(args) => args.clone(),
        InvokeBody::Raw(_) => {
            invoke.resolver.reject(rejected(ShellError::BadArgument("raw body".into())).0);
            return true;
        }
    };
    let relay = ProgressRelay::start(link, channels_in(&args, &invoke.message.webview()));
    let link = link.clone();
    invoke.resolver.respond_async(async move {
        let answer = tauri::async_runtime::spawn_blocking(move || {
            let answer = link.call(&command, args);
            if let Some(relay) = relay {
                // A hub that did not answer the call is not asked for its progress again.
                relay.finish(!matches!(&answer, Err(e) if e.is_unreachable()));
            }
            answer
        })
        .await
        .map_err(|join| rejected(ShellError::Internal(join.to_string())))?;
        match answer {
            Ok(answer) => match answer.outcome {
                StaffOutcome::Ok(value) => {
                    let local = write_files(&export_folder, &answer.files).map_err(rejected)?;
                    Ok(renamed(value, &answer.export_dir, &local))
                }
                StaffOutcome::Err(value) => Err(InvokeError(value)),
            },
            Err(error) if error.is_unreachable() => Err(rejected(ShellError::HubUnreachable)),
            // The hub's own refusal (a revoked workstation, say): its code and its sentence.
            Err(office::OfficeError::Refused { code, message, .. }) => {
                tracing::info!(code = %code, "the hub refused a workstation's call");
                let error = IpcError { code, message: message.into() };
                Err(InvokeError(serde_json::to_value(error).unwrap_or_default()))
            }
            Err(error) => Err(rejected(error.into())),
        }
    });
    true
}

/// How often a running call's channel messages are asked for.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);

/// The channels the page passed in a call's arguments (`__CHANNEL__:<id>`, as Tauri's
/// `Channel` is sent), each with its sender into this page.
fn channels_in<R: tauri::Runtime>(
    args: &serde_json::Value,
    webview: &tauri::Webview<R>,
) -> Vec<(u32, Channel<serde_json::Value>)> {
    let Some(object) = args.as_object() else { return Vec::new() };
    object
        .values()
        .filter_map(|v| v.as_str())
        .filter_map(|v| {
            let id = v.strip_prefix("__CHANNEL__:")?.parse::<u32>().ok()?;
            let channel = JavaScriptChannelId::from_str(v).ok()?.channel_on(webview.clone());
            Some((id, channel))
        })
        .collect()
}

/// Hands what a call's command sends on its channels at the hub (a job export's progress) to
/// the page while the call runs: asks the hub every [`PROGRESS_EVERY`], and once more when
/// the call has answered. Stops asking at the hub's first refusal (a session ended, a revoked
/// workstation: asking again would only be refused again).
struct ProgressRelay {
    /// `true`: ask once more, then stop; `false`: stop.
    finished: std::sync::mpsc::Sender<bool>,
    thread: std::thread::JoinHandle<()>,
}

impl ProgressRelay {
    fn start(link: &Arc<Link>, channels: Vec<(u32, Channel<serde_json::Value>)>) -> Option<ProgressRelay> {
        use std::sync::mpsc::RecvTimeoutError;
        if channels.is_empty() {
            return None;
        }
        let link = link.clone();
        let (finished, asked_to_finish) = std::sync::mpsc::channel::<bool>();
        let thread = std::thread::Builder::new()
            .name("hub-progress".into())
            .spawn(move || {
                let mut next = vec![0u32; channels.len()];
                loop {
                    let last = match asked_to_finish.recv_timeout(PROGRESS_EVERY) {
                        Err(RecvTimeoutError::Timeout) => false,
                        Ok(true) => true,
                        Ok(false) | Err(RecvTimeoutError::Disconnected) => return,
                    };
                    for ((id, channel), next) in channels.iter().zip(next.iter_mut()) {
                        match link.progress(*id, *next) {
                            Ok(messages) => {
                                for m in messages {
                                    if m.index < *next {
                                        continue;
                                    }
                                    *next = m.index + 1;
                                    if let Err(error) = channel.send(m.message) {
                                        tracing::debug!(%error, "the page's channel is closed");
                                    }
                                }
                            }
                            Err(error) if error.is_unreachable() => {
                                tracing::debug!(%error, "asking the hub for a call's progress failed");
                            }
                            Err(error) => {
                                tracing::info!(%error, "the hub refused to tell a call's progress");
                                return;
                            }
                        }
                    }
                    if last {
                        return;
                    }
                }
            })
            .ok()?;
        Some(ProgressRelay { finished, thread })
    }

    /// Asks once more (`ask_again`) and stops.
    fn finish(self, ask_again: bool) {
        let _ = self.finished.send(ask_again);
        let _ = self.thread.join();
    }
}

/// Writes the files a command made at the hub into this machine's export folder, each where
/// its path below the hub's session folder says (never outside the export folder). Returns
/// the export folder.
fn write_files(folder: &Path, files: &[ExportedFile]) -> Result<PathBuf, ShellError> {
    if files.is_empty() {
        return Ok(folder.to_owned());
    }
    let bad =
        |path: &str| ShellError::BadFile { path: PathBuf::from(path), detail: "outside the export folder".into() };
    for file in files {
        let relative = Path::new(&file.path);
        if file.path.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(bad(&file.path));
        }
        let target = folder.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ShellError::DataDir { path: parent.to_owned(), source: e })?;
        }
        std::fs::write(&target, &file.bytes).map_err(|e| ShellError::DataDir { path: target.clone(), source: e })?;
    }
    tracing::info!(files = files.len(), "exports from the hub written");
    Ok(folder.to_owned())
}

/// Whether `path` is `folder` or a path below it.
fn inside(path: &str, folder: &str) -> bool {
    !folder.is_empty() && path.strip_prefix(folder).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `value` with every string that names a path in the hub's session folder naming the same path
/// in this machine's export folder.
fn renamed(value: serde_json::Value, hub_folder: &str, local: &Path) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) if inside(&s, hub_folder) => {
            let rest = s[hub_folder.len()..].trim_start_matches('/');
            Value::String(if rest.is_empty() {
                local.display().to_string()
            } else {
                local.join(rest).display().to_string()
            })
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| renamed(v, hub_folder, local)).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, renamed(v, hub_folder, local))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_the_hubs_session_folder_are_named_in_the_local_export_folder() {
        let value = serde_json::json!({
            "path": "/hub/data/workstation-exports/ab12/report-7.pdf",
            "folder": "/hub/data/workstation-exports/ab12",
            "other": "/hub/data/workstation-exports/ab12x/elsewhere.pdf",
            "list": ["/hub/data/workstation-exports/ab12/job/a.pdf", 3]
        });
        let local = Path::new("/home/clerk/Documents/InterviewKiosk");
        let out = renamed(value, "/hub/data/workstation-exports/ab12", local);
        assert_eq!(out["path"], "/home/clerk/Documents/InterviewKiosk/report-7.pdf");
        assert_eq!(out["folder"], "/home/clerk/Documents/InterviewKiosk");
        assert_eq!(out["list"][0], "/home/clerk/Documents/InterviewKiosk/job/a.pdf");
        // A folder whose name begins with the session folder's is another folder.
        assert_eq!(out["other"], "/hub/data/workstation-exports/ab12x/elsewhere.pdf");
    }

    #[test]
    fn a_file_from_the_hub_is_never_written_outside_the_export_folder() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["../escape.pdf", "/etc/escape.pdf", "a/../../escape.pdf", ""] {
            let files = [ExportedFile { path: path.into(), bytes: b"%PDF".to_vec() }];
            assert!(write_files(dir.path(), &files).is_err(), "{path}");
        }
        assert!(!dir.path().parent().unwrap().join("escape.pdf").exists());
        let files = [ExportedFile { path: "job/a.pdf".into(), bytes: b"%PDF".to_vec() }];
        write_files(dir.path(), &files).unwrap();
        assert_eq!(std::fs::read(dir.path().join("job/a.pdf")).unwrap(), b"%PDF");
    }
}
