//! How a hub runs the staff window's commands for its staff workstations: each workstation
//! session is an app of Tauri's runtime without windows (`tauri::test::MockRuntime`) holding the
//! staff commands of the one command list (`commands::hosted_builder`), the app's capability
//! files and an `AppState` of its own on the hub's data directory. A call is handed to it as
//! the staff window's page would hand it (`Webview::on_message`), so the command runs through the
//! same ACL, the same window guard, the same vault authorisation and audit — the audit naming
//! the workstation as the device.
//!
//! A call carries an id its workstation chose: the answer is kept (the last [`CALLS_KEPT`] per
//! session), so a call sent again after its answer was lost gets that answer and does not run
//! twice. Files a command writes for the person (reports, slips) go to the session's own
//! folder, are carried back in the answer as the hub made them, and removed here.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use interview::UserFacing;
use office::hub::{StaffHost, StaffRefusal, WorkstationCaller};
use office::wire::{
    ExportedFile, STAFF_PROGRESS_KEPT, StaffCall, StaffChannelMessage, StaffMedia, StaffOutcome, StaffProgress,
    StaffProgressReply, StaffReply,
};
use tauri::test::MockRuntime;

use crate::commands::guard::STAFF_WINDOW;
use crate::commands::{Runs, WindowKind};
use crate::error::ShellError;
use crate::state::{AppState, Mode};

/// Answers kept per session for calls sent again.
pub const CALLS_KEPT: usize = 64;
/// A session not used for this long is dropped (the vault ends an idle session after 15
/// minutes in any case).
const IDLE: Duration = Duration::from_secs(30 * 60);
/// Sessions one workstation may hold at once (a person signing in again opens a new one).
const SESSIONS_PER_WORKSTATION: usize = 8;
/// How long one command may run.
const COMMAND_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The staff host of a hub serving `data_dir`.
pub struct HostedStaff {
    data_dir: PathBuf,
    sessions: Mutex<HashMap<[u8; 16], Arc<Hosted>>>,
}

/// Channels kept per session (each call with a channel opens one; older ones are dropped).
const CHANNELS_KEPT: usize = 8;

/// What the session's commands sent on the staff window's channels (a job export's progress):
/// kept for the workstation to ask for while the call runs, since the hub's windowless webview
/// shows nothing.
#[derive(Default)]
struct ChannelLog {
    channels: HashMap<u32, VecDeque<StaffChannelMessage>>,
    order: VecDeque<u32>,
}

impl ChannelLog {
    fn push(&mut self, channel: u32, index: u32, message: serde_json::Value) {
        if !self.channels.contains_key(&channel) {
            self.order.push_back(channel);
            while self.order.len() > CHANNELS_KEPT {
                if let Some(old) = self.order.pop_front() {
                    self.channels.remove(&old);
                }
            }
        }
        let kept = self.channels.entry(channel).or_default();
        kept.push_back(StaffChannelMessage { index, message });
        while kept.len() > STAFF_PROGRESS_KEPT {
            kept.pop_front();
        }
    }

    fn since(&self, channel: u32, after: u32) -> Vec<StaffChannelMessage> {
        self.channels
            .get(&channel)
            .map(|kept| kept.iter().filter(|m| m.index >= after).cloned().collect())
            .unwrap_or_default()
    }
}

/// The answer to one call, as kept for a repeat.
#[derive(Clone)]
struct Answer {
    outcome: StaffOutcome,
    files: Arc<Vec<ExportedFile>>,
}

#[derive(Default)]
struct Calls {
    /// `None` while the call runs.
    answers: HashMap<[u8; 16], Option<Answer>>,
    order: VecDeque<[u8; 16]>,
}

/// One workstation session at the hub.
struct Hosted {
    workstation: i64,
    cert_sha256: [u8; 32],
    // Kept alive for the webview; dropped with the session.
    _app: Mutex<tauri::App<MockRuntime>>,
    webview: tauri::WebviewWindow<MockRuntime>,
    state: AppState,
    exports: PathBuf,
    calls: Mutex<Calls>,
    channels: Arc<Mutex<ChannelLog>>,
    answered: Condvar,
    last_used: Mutex<Instant>,
    /// One command at a time per session, as in a window whose page waits for its answers.
    running: Mutex<()>,
}

impl Drop for Hosted {
    fn drop(&mut self) {
        if let Ok(mut signed_in) = self.state.signed_in.lock()
            && let Some(staff) = signed_in.as_mut()
            && let Some(session) = staff.session.take()
            && let Err(error) = staff.vault.logout(&session)
        {
            tracing::warn!(code = error.code(), "ending a workstation's session failed");
        }
        let _ = std::fs::remove_dir_all(&self.exports);
    }
}

fn refusal(status: u16, error: &ShellError) -> StaffRefusal {
    StaffRefusal { status, code: error.code().to_owned(), message: error.user_message() }
}

impl HostedStaff {
    pub fn new(data_dir: PathBuf) -> HostedStaff {
        // Folders of sessions a killed hub left behind.
        let _ = std::fs::remove_dir_all(data_dir.join("workstation-exports"));
        HostedStaff { data_dir, sessions: Mutex::default() }
    }

    fn open_session(&self, caller: &WorkstationCaller) -> Result<([u8; 16], Arc<Hosted>), ShellError> {
        let id: [u8; 16] = rand::random();
        let exports = self.data_dir.join("workstation-exports").join(hex::encode(id));
        std::fs::create_dir_all(&exports).map_err(|e| ShellError::Internal(format!("exports folder: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&exports, std::fs::Permissions::from_mode(0o700));
        }
        let mut state = AppState::new(self.data_dir.clone(), Mode::Staff);
        state.device = format!("workstation {}", caller.id);
        state.export_dir = Some(exports.clone());
        let channels = Arc::new(Mutex::new(ChannelLog::default()));
        let log = channels.clone();
        let app = tauri::test::mock_builder()
            // A command's channel messages are kept for the workstation instead of going to the
            // windowless webview (`true`: handled).
            .channel_interceptor(move |_webview, channel, index, body| {
                if let tauri::ipc::InvokeResponseBody::Json(json) = body
                    && let Ok(message) = serde_json::from_str(json)
                {
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(channel.0, index as u32, message);
                }
                true
            })
            .manage(state.clone())
            .invoke_handler(crate::commands::hosted_builder().invoke_handler())
            .build(crate::app::context())
            .map_err(|e| ShellError::Internal(format!("hosted app: {e}")))?;
        let webview = tauri::WebviewWindowBuilder::new(&app, STAFF_WINDOW, Default::default())
            .build()
            .map_err(|e| ShellError::Internal(format!("hosted window: {e}")))?;
        tracing::info!(workstation = caller.id, "workstation session opened");
        Ok((
            id,
            Arc::new(Hosted {
                workstation: caller.id,
                cert_sha256: caller.cert_sha256,
                _app: Mutex::new(app),
                webview,
                state,
                exports,
                calls: Mutex::default(),
                channels,
                answered: Condvar::new(),
                last_used: Mutex::new(Instant::now()),
                running: Mutex::new(()),
            }),
        ))
    }

    /// The session `id` names, if this workstation holds it.
    fn session(&self, caller: &WorkstationCaller, id: Option<[u8; 16]>) -> Option<([u8; 16], Arc<Hosted>)> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| s.last_used.lock().map(|at| at.elapsed() < IDLE).unwrap_or(false));
        let id = id?;
        let hosted = sessions.get(&id)?;
        if hosted.cert_sha256 != caller.cert_sha256 {
            tracing::warn!(workstation = caller.id, "a workstation named another workstation's session");
            return None;
        }
        *hosted.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Some((id, hosted.clone()))
    }

    fn keep(&self, id: [u8; 16], hosted: Arc<Hosted>) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let mut mine: Vec<([u8; 16], Instant)> = sessions
            .iter()
            .filter(|(_, s)| s.workstation == hosted.workstation)
            .map(|(k, s)| (*k, *s.last_used.lock().unwrap_or_else(|e| e.into_inner())))
            .collect();
        if mine.len() >= SESSIONS_PER_WORKSTATION {
            mine.sort_by_key(|(_, at)| *at);
            for (old, _) in mine.iter().take(mine.len() + 1 - SESSIONS_PER_WORKSTATION) {
                sessions.remove(old);
            }
        }
        sessions.insert(id, hosted);
    }

    fn run(&self, caller: &WorkstationCaller, call: StaffCall) -> Result<StaffReply, ShellError> {
        match crate::commands::runs(&call.command) {
            Some((WindowKind::Staff | WindowKind::Both, Runs::Vault)) => {}
            _ => {
                tracing::warn!(workstation = caller.id, "a workstation asked for a command it may not call");
                return Err(ShellError::NotAStaffCommand { command: call.command });
            }
        }
        let (session_id, hosted) = match self.session(caller, call.session) {
            Some(found) => found,
            None => {
                let (id, hosted) = self.open_session(caller)?;
                self.keep(id, hosted.clone());
                (id, hosted)
            }
        };
        let signing_out = call.command == "staff_sign_out";
        let answer = hosted.answer(call)?;
        if signing_out && matches!(answer.outcome, StaffOutcome::Ok(_)) {
            // Nothing of this session is needed again.
            self.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(&session_id);
        }
        Ok(StaffReply {
            session: session_id,
            outcome: answer.outcome,
            files: answer.files.as_ref().clone(),
            export_dir: hosted.exports.display().to_string(),
        })
    }
}

impl Hosted {
    /// The answer to `call`: kept from an earlier delivery of the same call, or waited for while
    /// that one runs, or the command run now.
    fn answer(&self, call: StaffCall) -> Result<Answer, ShellError> {
        let poisoned = |_| ShellError::Internal("workstation calls lock poisoned".into());
        {
            let mut calls = self.calls.lock().map_err(poisoned)?;
            loop {
                match calls.answers.get(&call.call_id) {
                    Some(Some(answer)) => {
                        tracing::info!(
                            workstation = self.workstation,
                            "a call sent again was answered from its record"
                        );
                        return Ok(answer.clone());
                    }
                    Some(None) => calls = self.answered.wait(calls).map_err(poisoned)?,
                    None => break,
                }
            }
            calls.answers.insert(call.call_id, None);
            calls.order.push_back(call.call_id);
            while calls.order.len() > CALLS_KEPT {
                if let Some(old) = calls.order.pop_front() {
                    calls.answers.remove(&old);
                }
            }
        }
        let result = self.invoke(&call.command, call.args);
        let mut calls = self.calls.lock().map_err(poisoned)?;
        match result {
            Ok(answer) => {
                calls.answers.insert(call.call_id, Some(answer.clone()));
                self.answered.notify_all();
                Ok(answer)
            }
            Err(error) => {
                // It did not run to an answer: a later delivery runs it.
                calls.answers.remove(&call.call_id);
                calls.order.retain(|id| *id != call.call_id);
                self.answered.notify_all();
                Err(error)
            }
        }
    }

    fn invoke(&self, command: &str, args: serde_json::Value) -> Result<Answer, ShellError> {
        let _one = self.running.lock().map_err(|_| ShellError::Internal("workstation command lock poisoned".into()))?;
        let request = tauri::webview::InvokeRequest {
            cmd: command.to_owned(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().map_err(|e| ShellError::Internal(format!("{e}")))?,
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_owned(),
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.webview.as_ref().clone().on_message(
            request,
            Box::new(move |_webview, _command, response, _callback, _error| {
                let _ = tx.send(response);
            }),
        );
        let response =
            rx.recv_timeout(COMMAND_LIMIT).map_err(|_| ShellError::Internal("no answer from the command".into()))?;
        let outcome = match response {
            tauri::ipc::InvokeResponse::Ok(tauri::ipc::InvokeResponseBody::Json(json)) => {
                StaffOutcome::Ok(serde_json::from_str(&json).map_err(|e| ShellError::Internal(e.to_string()))?)
            }
            tauri::ipc::InvokeResponse::Ok(tauri::ipc::InvokeResponseBody::Raw(_)) => {
                return Err(ShellError::Internal("a staff command answered with raw bytes".into()));
            }
            tauri::ipc::InvokeResponse::Err(tauri::ipc::InvokeError(value)) => StaffOutcome::Err(value),
        };
        let files = take_files(&self.exports).map_err(|e| ShellError::Internal(format!("exports folder: {e}")))?;
        Ok(Answer { outcome, files: Arc::new(files) })
    }
}

/// Every file under `root` (by its path relative to it), removed from the disk.
fn take_files(root: &Path) -> std::io::Result<Vec<ExportedFile>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<ExportedFile>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
                std::fs::remove_dir(&path)?;
            } else {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
                out.push(ExportedFile { path: relative, bytes: std::fs::read(&path)? });
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(root, root, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

impl StaffHost for HostedStaff {
    fn call(&self, caller: &WorkstationCaller, call: StaffCall) -> Result<StaffReply, StaffRefusal> {
        self.run(caller, call).map_err(|error| {
            tracing::warn!(code = error.code(), detail = %error, "a workstation's call failed");
            refusal(if matches!(error, ShellError::Internal(_)) { 500 } else { 403 }, &error)
        })
    }

    fn media(&self, caller: &WorkstationCaller, request: &StaffMedia) -> Result<Vec<u8>, StaffRefusal> {
        let not_signed_in = || refusal(403, &ShellError::Flow(flow::FlowError::NotSignedIn));
        let (_, hosted) = self.session(caller, Some(request.session)).ok_or_else(not_signed_in)?;
        match crate::media_protocol::playable(&hosted.state, request.media_id) {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => Err(StaffRefusal {
                status: 404,
                code: "review.no_media".into(),
                message: interview::Localized::new("没有这段录像。", "No such recording segment."),
            }),
            Err(error) => Err(refusal(403, &error)),
        }
    }

    fn progress(
        &self,
        caller: &WorkstationCaller,
        request: &StaffProgress,
    ) -> Result<StaffProgressReply, StaffRefusal> {
        let not_signed_in = || refusal(403, &ShellError::Flow(flow::FlowError::NotSignedIn));
        let (_, hosted) = self.session(caller, Some(request.session)).ok_or_else(not_signed_in)?;
        let messages = hosted.channels.lock().unwrap_or_else(|e| e.into_inner()).since(request.channel, request.after);
        Ok(StaffProgressReply { messages })
    }
}

#[cfg(test)]
mod tests {
    use interview::Role;
    use serde_json::json;

    use super::*;

    const PASSWORD: &str = "a long enough password";

    /// A hub's vault (real, in a temporary directory) with an administrator and a clerk.
    fn hub_vault() -> (tempfile::TempDir, vault::Vault, vault::Session) {
        crate::use_test_credential_store();
        let data = tempfile::tempdir().unwrap();
        let user = |username: &str, role| vault::NewUser {
            username: username.into(),
            display_name: username.into(),
            role,
            password: PASSWORD.into(),
        };
        let (mut vault, _recovery) = vault::Vault::create(data.path(), user("admin", Role::Admin)).unwrap();
        let admin = vault.login("admin", PASSWORD, "test").unwrap();
        vault.create_user(&admin, user("clerk", Role::Clerk)).unwrap();
        (data, vault, admin)
    }

    fn jobs_listed(reply: &StaffReply) -> usize {
        match &reply.outcome {
            StaffOutcome::Ok(jobs) => jobs.as_array().map_or(0, Vec::len),
            StaffOutcome::Err(error) => panic!("refused: {error}"),
        }
    }

    /// The hub's side of a workstation, on a real vault: sign-in at the hub, a call sent again
    /// under its id is answered from the record and applied once (a new id applies again), the
    /// audit names the workstation, another workstation cannot use the session, and a kiosk or
    /// set-up command is refused. (Seen to fail with the record's lookup removed: two jobs
    /// after the repeat.)
    #[test]
    fn a_call_sent_again_runs_once_and_a_session_is_its_workstations_only() {
        let (data, vault, _admin) = hub_vault();
        drop(vault);

        let host = HostedStaff::new(data.path().to_owned());
        let desk = WorkstationCaller { id: 3, cert_sha256: [7; 32] };
        let call = |caller: &WorkstationCaller, session, id: u8, command: &str, args| {
            host.call(caller, StaffCall { session, call_id: [id; 16], command: command.into(), args })
        };
        let signed =
            call(&desk, None, 1, "staff_sign_in", json!({ "username": "clerk", "password": PASSWORD })).unwrap();
        assert!(matches!(signed.outcome, StaffOutcome::Ok(_)), "{:?}", signed.outcome);
        let session = Some(signed.session);
        let job = json!({ "job": {
            "title": "窗口受理", "language": "zh-CN",
            "dimensions": [{ "name": "沟通", "weightPct": 100.0 }], "recommend": 70, "hold": 50
        }});
        let first = call(&desk, session, 2, "clerk_create_job", job.clone()).unwrap();
        let again = call(&desk, session, 2, "clerk_create_job", job.clone()).unwrap();
        assert_eq!((jobs_listed(&first), jobs_listed(&again)), (1, 1));
        let listed = call(&desk, session, 3, "clerk_jobs", json!({})).unwrap();
        assert_eq!(jobs_listed(&listed), 1, "the call sent again ran twice");
        let another = call(&desk, session, 4, "clerk_create_job", job).unwrap();
        assert_eq!(jobs_listed(&another), 2, "a new call was answered from the record");

        // Another workstation naming this session gets a session of its own, not signed in.
        let other = WorkstationCaller { id: 4, cert_sha256: [8; 32] };
        let theirs = call(&other, session, 5, "clerk_jobs", json!({})).unwrap();
        assert_ne!(Some(theirs.session), session);
        assert!(
            matches!(&theirs.outcome, StaffOutcome::Err(e) if e["code"] == "auth.not_signed_in"),
            "{:?}",
            theirs.outcome
        );
        // A kiosk command and a set-up command are not the staff window's to ask of the hub.
        for command in ["kiosk_check_in", "setup_create_vault", "print_page", "no_such_command"] {
            let refused = call(&desk, session, 6, command, json!({})).unwrap_err();
            assert_eq!(refused.code, "office.not_a_staff_command", "{command}");
        }

        let (mut vault, auditor) = {
            let mut vault = vault::Vault::open(data.path()).unwrap();
            let admin = vault.login("admin", PASSWORD, "test").unwrap();
            (vault, admin)
        };
        let rows = vault.audit_log(&auditor, Some("job:"), 10).unwrap();
        let created: Vec<_> = rows.iter().filter(|r| r.action == "job.create").collect();
        assert_eq!(created.len(), 2, "{rows:?}");
        assert!(created.iter().all(|r| r.device == "workstation 3" && r.actor == "clerk"), "{created:?}");
    }

    /// A job export's progress, sent on the page's channel while the command runs at the hub, is
    /// kept for the workstation that asks (by channel, from an index on), and for no other
    /// workstation. (Seen to fail without the channel interceptor: nothing kept.)
    #[test]
    fn a_commands_channel_messages_are_kept_for_its_workstation_to_ask() {
        let (data, mut vault, admin) = hub_vault();
        let identity = report::SigningIdentity::generate("某市人力资源和社会保障局").unwrap();
        flow::reports::install_signing_identity(&mut vault, &admin, &identity, false).unwrap();
        drop(vault);

        let host = HostedStaff::new(data.path().to_owned());
        let desk = WorkstationCaller { id: 3, cert_sha256: [7; 32] };
        let mut id = 0u8;
        let mut call = |session, command: &str, args| {
            id += 1;
            let reply =
                host.call(&desk, StaffCall { session, call_id: [id; 16], command: command.into(), args }).unwrap();
            assert!(matches!(reply.outcome, StaffOutcome::Ok(_)), "{command}: {:?}", reply.outcome);
            reply
        };
        let session = call(None, "staff_sign_in", json!({ "username": "clerk", "password": PASSWORD })).session;
        let job = json!({ "job": {
            "title": "窗口受理", "language": "zh-CN",
            "dimensions": [{ "name": "沟通", "weightPct": 100.0 }], "recommend": 70, "hold": 50
        }});
        let jobs = call(Some(session), "clerk_create_job", job).outcome;
        let StaffOutcome::Ok(jobs) = jobs else { unreachable!() };
        let job_id = jobs[0]["id"].as_u64().unwrap();
        call(Some(session), "staff_reauth", json!({ "password": PASSWORD }));
        let exported =
            call(Some(session), "export_job_reports", json!({ "jobId": job_id, "progress": "__CHANNEL__:4242" }));
        assert_eq!(exported.files.len(), 1, "the job report: {:?}", exported.files.len());

        let asked = |caller: &WorkstationCaller, channel, after| {
            host.progress(caller, &StaffProgress { session, channel, after }).map(|r| r.messages)
        };
        // No interviews: 0 of 1, then 1 of 1 (the job report).
        let all = asked(&desk, 4242, 0).unwrap();
        let said: Vec<(u32, serde_json::Value)> = all.into_iter().map(|m| (m.index, m.message)).collect();
        assert_eq!(said, [(0, json!({ "done": 0, "total": 1 })), (1, json!({ "done": 1, "total": 1 }))]);
        assert_eq!(asked(&desk, 4242, 1).unwrap().len(), 1);
        assert!(asked(&desk, 7, 0).unwrap().is_empty());
        let other = WorkstationCaller { id: 4, cert_sha256: [8; 32] };
        assert_eq!(asked(&other, 4242, 0).unwrap_err().code, "auth.not_signed_in");
    }
}
