//! The kiosk window's commands: the station's sign-in by a member of staff, then for each
//! candidate: access code, identity, consent, devices, practice, questions, the end. What the
//! page may show comes from the backend; nothing about a candidate outlives the visit.

use flow::FlowError;
use std::sync::Arc;

use flow::station;
use interview::Action;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use zeroize::Zeroizing;

use super::blocking;
use super::guard::{KIOSK_WINDOW, require};
use crate::error::ShellError;
use crate::ipc::{
    CodeCheckDto, HubLinkDto, IpcError, KioskAnswerEnd, KioskPlanDto, KioskQuestionDto, KioskResumeDto,
    KioskResumeStep, KioskSignal, KioskStatusDto, Text,
};
use crate::kiosk::Recording;
use crate::state::{AppState, Mode, SignedIn, Visit, VisitStep};
use interview::UserFacing;

fn plan_dto(plan: &vault::KioskPlan) -> KioskPlanDto {
    let practice = station::practice_limits(plan);
    KioskPlanDto {
        masked_name: plan.masked_name.clone(),
        job_title: plan.job_title.clone(),
        questions: plan
            .questions
            .iter()
            .zip(station::limits(plan))
            .map(|(q, l)| KioskQuestionDto {
                text: q.text.clone(),
                situational: q.situational,
                prep_seconds: (l.prep_ms / 1000) as u32,
                answer_seconds: (l.answer_ms / 1000) as u32,
                attempts: l.attempts,
            })
            .collect(),
        extra_time_pct: plan.extra_time_pct,
        large_text: plan.large_text,
        retention_days: plan.retention_days,
        practice_prep_seconds: (practice.prep_ms / 1000) as u32,
        practice_answer_seconds: (practice.answer_ms / 1000) as u32,
        follow_ups: flow::follow_up::plan_needs_live(plan),
    }
}

/// Seconds without input before the kiosk returns to its welcome screen.
fn idle_seconds() -> u32 {
    std::env::var("INTERVIEW_KIOSK_IDLE_SECONDS").ok().and_then(|v| v.parse().ok()).filter(|&s| s >= 5).unwrap_or(120)
}

/// The idle screen's facts; keeps the station's session alive while it waits.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_status(window: tauri::Window, state: State<'_, AppState>) -> Result<KioskStatusDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_status")?;
    blocking(move || {
        let resume = resume(&state)?;
        if state.is_hub_station() {
            return Ok(KioskStatusDto { resume, ..hub_status(&state)? });
        }
        let mut guard = state.signed_in.lock().map_err(|_| ShellError::Internal("lock".into()))?;
        let Some(SignedIn { vault, session }) = guard.as_mut() else {
            return Ok(KioskStatusDto {
                station: None,
                organisation: None,
                scoring_waiting: 0,
                scoring_failed: 0,
                idle_seconds: idle_seconds(),
                hub: None,
                resume: None,
            });
        };
        // A station whose session ended (disabled, expired) must be signed in again.
        if let Some(s) = session.as_ref()
            && vault.authorize(s, Action::ViewStatus).is_err()
        {
            *session = None;
        }
        let (waiting, failed) = vault.scoring_queue_counts()?;
        Ok(KioskStatusDto {
            station: session.as_ref().map(|s| s.username.clone()),
            organisation: Some(vault.organisation()?.name).filter(|n| !n.is_empty()),
            scoring_waiting: waiting as u32,
            scoring_failed: failed as u32,
            idle_seconds: idle_seconds(),
            hub: None,
            resume: resume.filter(|_| session.is_some()),
        })
    })
    .await
}

/// Where a visit in progress stands, for a page loaded during it.
fn resume(state: &AppState) -> Result<Option<KioskResumeDto>, ShellError> {
    let visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
    let Some(visit) = visit.as_ref() else { return Ok(None) };
    let outcome = state.station.last_outcome();
    let step = match visit.at {
        VisitStep::CheckedIn => KioskResumeStep::Confirm,
        VisitStep::Consented => KioskResumeStep::Devices,
        VisitStep::Practice => KioskResumeStep::Practice { done: matches!(outcome, Some(KioskSignal::PracticeDone)) },
        VisitStep::Question { index, attempt } => KioskResumeStep::Question {
            index,
            attempt,
            done: match outcome {
                Some(KioskSignal::AnswerDone { committed, attempts_left }) => {
                    Some(KioskAnswerEnd { committed, attempts_left })
                }
                _ => None,
            },
            follow_up: state
                .station
                .current_follow_up()
                .map(|(ordinal, question)| crate::ipc::KioskFollowUpNow { ordinal, question }),
        },
    };
    Ok(Some(KioskResumeDto { plan: plan_dto(&visit.plan), step }))
}

/// A page loaded during a visit has taken it up again (after `kiosk_status` said where): the
/// countdown that waited for it goes on.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_resume(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    require(&state, &window, Mode::Kiosk, "kiosk_resume")?;
    state.station.guard().page_back();
    Ok(())
}

/// A station of a hub: who signed it in (checked at the hub), and the link and what waits to
/// be handed on, for staff.
fn hub_status(state: &AppState) -> Result<KioskStatusDto, ShellError> {
    let station = state.hub_station()?;
    let status = station.status()?;
    let link = state.hub.lock().map_err(|_| ShellError::Internal("lock".into()))?;
    let staff = link.staff.as_ref();
    Ok(KioskStatusDto {
        station: staff.map(|s| s.username.clone()),
        organisation: staff.map(|s| s.organisation.clone()).filter(|n| !n.is_empty()),
        scoring_waiting: 0,
        scoring_failed: 0,
        idle_seconds: idle_seconds(),
        hub: Some(HubLinkDto {
            hub: station.config.hub.clone(),
            name: station.config.name.clone(),
            connected: status.link.connected,
            revoked: status.link.revoked,
            waiting: status.backlog_entries.min(u32::MAX as u64) as u32,
            oldest_waiting_s: status.oldest_waiting_s.min(u32::MAX as u64) as u32,
            refusing_visits: station.ready_for_visit().err().map(|e| Text::from(e.user_message())),
        }),
        resume: None,
    })
}

/// A member of staff signs the station in with its kiosk account.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_sign_in(
    window: tauri::Window,
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<KioskStatusDto, IpcError> {
    let state_inner = state.inner().clone();
    require(&state_inner, &window, Mode::Kiosk, "kiosk_sign_in")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        if state_inner.is_hub_station() {
            // Checked at the hub (the lock is not held over the network).
            let staff = state_inner.hub_station()?.check_staff(&username, &password)?;
            state_inner.hub.lock().map_err(|_| ShellError::Internal("lock".into()))?.staff = Some(staff);
            return state_inner.score_for_hub();
        }
        let mut guard = state_inner.signed_in.lock().map_err(|_| ShellError::Internal("lock".into()))?;
        if guard.is_none() {
            vault::keys::credential::use_platform_store()?;
            *guard = Some(SignedIn { vault: vault::Vault::open(&state_inner.data_dir)?, session: None });
        }
        let Some(staff) = guard.as_mut() else { return Err(ShellError::Internal("no vault".into())) };
        let station::SignedIn { session, .. } = station::sign_in(&mut staff.vault, &username, &password, &username)?;
        if let Some(old) = staff.session.replace(session) {
            let _ = staff.vault.logout(&old);
        }
        Ok(())
    })
    .await?;
    state.wake_scoring();
    kiosk_status(window, state).await
}

/// The page's subscription to the station's signals (preview, level, countdowns, faults).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_watch(
    window: tauri::Window,
    state: State<'_, AppState>,
    channel: Channel<KioskSignal>,
) -> Result<(), IpcError> {
    require(&state, &window, Mode::Kiosk, "kiosk_watch")?;
    state.station.watch(Arc::new(move |signal| {
        let _ = channel.send(signal);
    }));
    Ok(())
}

/// Step one: is the code usable now, and is the ID number's end asked for next?
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_check_code(
    window: tauri::Window,
    state: State<'_, AppState>,
    code: String,
) -> Result<CodeCheckDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_check_code")?;
    blocking(move || {
        if state.is_hub_station() {
            let needs = state.hub_signed_in()?.needs_identity(&code).map_err(for_candidate)?;
            return Ok(CodeCheckDto { needs_identity: needs });
        }
        let code = vault::AccessCode::parse(&code);
        state.with_session(|vault, s| Ok(CodeCheckDto { needs_identity: station::needs_identity(vault, s, &code)? }))
    })
    .await
}

/// Step two: checks the candidate in (the code is spent) and returns what the kiosk shows.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_check_in(
    window: tauri::Window,
    state: State<'_, AppState>,
    code: String,
    id_last4: Option<String>,
) -> Result<KioskPlanDto, IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_check_in")?;
    blocking(move || {
        let plan = if state.is_hub_station() {
            state.hub_signed_in()?.check_in(&code, id_last4.as_deref()).map_err(for_candidate)?
        } else {
            let code = vault::AccessCode::parse(&code);
            state.with_session(|vault, s| Ok(station::check_in(vault, s, &code, id_last4.as_deref())?))?
        };
        let dto = plan_dto(&plan);
        *state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))? =
            Some(Visit { plan, at: VisitStep::CheckedIn });
        Ok(dto)
    })
    .await
}

/// A station's step for a candidate: an unreachable hub, or a spool too full to take another
/// visit, is told to the candidate as what to do (the detail goes to the log and the staff line).
fn for_candidate(error: office::OfficeError) -> ShellError {
    if error.is_unreachable() || matches!(error, office::OfficeError::SpoolFull { .. }) {
        tracing::warn!(detail = %error, "the hub could not be reached for a candidate's step");
        return ShellError::BoothOffline;
    }
    error.into()
}

/// Moves the visit on to the step `next` makes of the current one.
fn step_to(state: &AppState, next: impl FnOnce(VisitStep) -> VisitStep) -> Result<(), ShellError> {
    let mut visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
    let visit = visit.as_mut().ok_or(ShellError::NoVisit)?;
    visit.at = next(visit.at);
    Ok(())
}

fn visit_interview(state: &AppState) -> Result<i64, ShellError> {
    let visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
    visit.as_ref().map(|v| v.plan.interview_id).ok_or(ShellError::NoVisit)
}

/// The candidate's consent (recorded either way). Declining ends the visit.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_consent(window: tauri::Window, state: State<'_, AppState>, given: bool) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_consent")?;
    blocking(move || {
        let interview = visit_interview(&state)?;
        if state.is_hub_station() {
            state.hub_signed_in()?.consent(interview, given).map_err(for_candidate)?;
        } else {
            state.with_session(|vault, s| Ok(station::consent(vault, s, interview, given)?))?;
        }
        if given {
            step_to(&state, |_| VisitStep::Consented)?;
        } else {
            end_visit(&state);
        }
        Ok(())
    })
    .await?;
    if !given {
        forget_visit_traces(&window);
    }
    Ok(())
}

/// Opens the camera and microphone for the device check (preview and level follow as
/// signals) after checking they deliver and the disk has room for the whole interview.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_start_devices(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_start_devices")?;
    blocking(move || {
        let (limits, live) = {
            let visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
            let plan = &visit.as_ref().ok_or(ShellError::NoVisit)?.plan;
            // The live transcript uses the models the vault (at a station: the hub's) scores with.
            (
                station::limits(plan),
                flow::follow_up::plan_needs_live(plan).then_some((plan.recognition_models, plan.job_language)),
            )
        };
        state.station.start(limits, live)
    })
    .await
}

/// The unscored practice question (nothing is recorded).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_practice(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_practice")?;
    blocking(move || {
        let limits = {
            let visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
            station::practice_limits(&visit.as_ref().ok_or(ShellError::NoVisit)?.plan)
        };
        state.station.practice(limits)?;
        step_to(&state, |_| VisitStep::Practice)
    })
    .await
}

/// One attempt at question `index` (0-based): preparation, then the recorded answer.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_question(window: tauri::Window, state: State<'_, AppState>, index: u32) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_question")?;
    blocking(move || {
        let (interview, question, limits, follow_up) = {
            let visit = state.visit.lock().map_err(|_| ShellError::Internal("lock".into()))?;
            let plan = &visit.as_ref().ok_or(ShellError::NoVisit)?.plan;
            let limits = station::limits(plan);
            let at = index as usize;
            let (Some(q), Some(l)) = (plan.questions.get(at), limits.get(at)) else {
                return Err(ShellError::BadArgument(format!("question {index}")));
            };
            let follow_up = flow::follow_up::question_rubric(q).map(|rubric| crate::kiosk::FollowUpSpec {
                rubric,
                limits: flow::follow_up::follow_up_limits(q, plan.extra_time_pct),
                language: plan.job_language,
            });
            (plan.interview_id, q.question_id, *l, follow_up)
        };
        let into = if state.is_hub_station() {
            Recording::Journal(state.hub_signed_in()?)
        } else {
            Recording::Vault(state.session()?)
        };
        state.station.question(into, interview, question, limits, follow_up)?;
        step_to(&state, |at| at.question(index))
    })
    .await
}

/// "I am ready to answer".
#[tauri::command]
#[specta::specta]
pub async fn kiosk_ready(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    require(&state, &window, Mode::Kiosk, "kiosk_ready")?;
    state.station.ready();
    Ok(())
}

/// "I have finished my answer".
#[tauri::command]
#[specta::specta]
pub async fn kiosk_finish(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    require(&state, &window, Mode::Kiosk, "kiosk_finish")?;
    state.station.finish();
    Ok(())
}

/// The last question is done: the interview is finished (its total is queued for scoring),
/// the devices close and the visit ends.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_complete(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_complete")?;
    blocking(move || {
        if state.station.is_busy() {
            return Err(ShellError::KioskBusy);
        }
        let interview = visit_interview(&state)?;
        if state.is_hub_station() {
            // Journalled after every answer: it reaches the hub after them, link or not.
            state.hub_signed_in()?.finish(interview)?;
        } else {
            state.with_session(|vault, s| Ok(station::finish(vault, s, interview)?))?;
        }
        end_visit(&state);
        state.wake_scoring();
        Ok(())
    })
    .await?;
    forget_visit_traces(&window);
    Ok(())
}

/// Back to the welcome screen (the idle timeout, or after declining): a question still
/// running is kept as interrupted, the devices close, the visit is forgotten.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_leave(window: tauri::Window, state: State<'_, AppState>) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_leave")?;
    blocking(move || {
        end_visit(&state);
        state.wake_scoring();
        Ok(())
    })
    .await?;
    forget_visit_traces(&window);
    Ok(())
}

fn end_visit(state: &AppState) {
    state.station.stop();
    if let Ok(mut visit) = state.visit.lock()
        && visit.take().is_some()
    {
        tracing::info!("visit ended");
    }
}

/// Nothing of a visit reaches the next candidate: the desktop's clipboard and primary selection
/// (a selected field's text is the primary selection on X11, readable by any client) are
/// emptied, and the kiosk page's storage and caches cleared (the page reloads itself after).
fn forget_visit_traces(window: &tauri::Window) {
    #[cfg(target_os = "linux")]
    if let Err(error) = window.run_on_main_thread(|| {
        for name in ["CLIPBOARD", "PRIMARY"] {
            let clipboard = gtk::Clipboard::get(&gtk::gdk::Atom::intern(name));
            // Owning it with nothing in it: `clear` alone only lets go of what this app owns.
            clipboard.set_text("");
            clipboard.clear();
        }
    }) {
        tracing::warn!(%error, "the clipboard could not be cleared");
    }
    if let Some(webview) = window.app_handle().get_webview_window(KIOSK_WINDOW)
        && let Err(error) = webview.clear_all_browsing_data()
    {
        tracing::warn!(%error, "the kiosk page's storage could not be cleared");
    }
}

/// A member of staff closes the kiosk with the station account's password.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn kiosk_exit(
    window: tauri::Window,
    app: AppHandle,
    state: State<'_, AppState>,
    password: String,
) -> Result<(), IpcError> {
    let state = state.inner().clone();
    require(&state, &window, Mode::Kiosk, "kiosk_exit")?;
    let password = Zeroizing::new(password);
    blocking(move || {
        // The password first: a wrong one leaves the candidate's visit as it was (the attack
        // pass saw a passer-by end a visit by typing anything here).
        // Wrong passwords have their own limit here, never the account's lockout: the form is
        // on the welcome screen, where any candidate can type.
        let mut attempts = state.exit_attempts.lock().map_err(|_| ShellError::Internal("lock".into()))?;
        if state.is_hub_station() {
            // Recognised here, so that staff can close a station whose link is down.
            let now = std::time::Instant::now();
            attempts.may_try(now)?;
            let mut link = state.hub.lock().map_err(|_| ShellError::Internal("lock".into()))?;
            let Some(staff) = link.staff.as_ref() else { return Err(FlowError::NotSignedIn.into()) };
            if !staff.password_matches(&password) {
                drop(link);
                tracing::warn!("a wrong password closing a station's kiosk");
                attempts.failed(now);
                std::thread::sleep(station::ExitAttempts::DELAY);
                return Err(ShellError::Vault(vault::VaultError::BadCredentials));
            }
            attempts.succeeded();
            link.staff = None;
        } else {
            let mut guard = state.signed_in.lock().map_err(|_| ShellError::Internal("lock".into()))?;
            let Some(SignedIn { vault, session: Some(session) }) = guard.as_mut() else {
                return Err(FlowError::NotSignedIn.into());
            };
            station::sign_out(vault, session, &password, &mut attempts)?;
        }
        drop(attempts);
        end_visit(&state);
        tracing::info!("kiosk closed by staff");
        Ok(())
    })
    .await?;
    app.exit(0);
    Ok(())
}
