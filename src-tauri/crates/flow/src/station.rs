//! A candidate's visit at a kiosk station, step by step: the station's sign-in (with crash
//! recovery), the access code and identity, consent, the practice's and each question's
//! limits, each recorded answer, and the end. The kiosk window's commands and the demo run
//! these same steps; the window adds the devices' thread and the page's signals around them.

use capture::Capture;
use capture::kiosk::{AnswerOutcome, AnswerStore, Controls, FollowUps, KioskEvent, Limits};
use interview::{Action, InterviewEvent};
use vault::{AccessCode, KioskPlan, Session, UnfinishedAnswer, Vault};

use crate::FlowError;

/// The practice question's countdowns (seconds), before the candidate's extra time.
pub const PRACTICE: (u32, u32) = (10, 30);

/// A station signed in: its session, and the answers a crash or power cut had interrupted
/// here, now closed as interrupted (kept, and retakeable).
#[derive(Debug)]
pub struct SignedIn {
    pub session: Session,
    pub recovered: Vec<UnfinishedAnswer>,
}

/// A member of staff signs the station in with its kiosk account. Anyone else is refused (and
/// audited, and signed out again). An answer a crash interrupted at this station is closed as
/// interrupted before the first candidate of the day.
pub fn sign_in(vault: &mut Vault, username: &str, password: &str, device: &str) -> Result<SignedIn, FlowError> {
    let session = vault.login(username, password, device)?;
    if let Err(error) = vault.authorize(&session, Action::RedeemAccessCode) {
        vault.logout(&session)?;
        return Err(error.into());
    }
    let recovered = capture::kiosk::recover(vault, &session)?;
    if !recovered.is_empty() {
        tracing::warn!(answers = recovered.len(), "interrupted answers recovered at station sign-in");
    }
    Ok(SignedIn { session, recovered })
}

/// Whether the code is usable now and the ID number's end is asked for next.
pub fn needs_identity(vault: &mut Vault, station: &Session, code: &AccessCode) -> Result<bool, FlowError> {
    Ok(vault.access_code_needs_identity(station, code)?)
}

/// Checks the candidate in (the code is spent) and returns what the kiosk may show.
pub fn check_in(
    vault: &mut Vault,
    station: &Session,
    code: &AccessCode,
    id_last4: Option<&str>,
) -> Result<KioskPlan, FlowError> {
    let check_in = vault.check_in(station, code, id_last4)?;
    Ok(vault.kiosk_plan(station, check_in.interview_id)?)
}

/// The candidate's consent, recorded either way; declining ends the interview.
pub fn consent(vault: &mut Vault, station: &Session, interview_id: i64, given: bool) -> Result<(), FlowError> {
    let event = if given { InterviewEvent::GiveConsent } else { InterviewEvent::DeclineConsent };
    vault.advance_interview(station, interview_id, event)?;
    Ok(())
}

/// Each question's countdowns and attempts, with the candidate's extra time.
pub fn limits(plan: &KioskPlan) -> Vec<Limits> {
    plan.questions
        .iter()
        .map(|q| Limits::new(q.prep_seconds, q.answer_seconds, q.retakes, plan.extra_time_pct))
        .collect()
}

/// The practice question's countdowns, with the candidate's extra time; nothing is recorded.
pub fn practice_limits(plan: &KioskPlan) -> Limits {
    Limits::new(PRACTICE.0, PRACTICE.1, 0, plan.extra_time_pct)
}

/// One recorded attempt, and how many attempts are left for the question.
#[derive(Debug)]
pub struct AnswerDone {
    pub outcome: AnswerOutcome,
    pub attempts_left: u32,
}

/// One attempt at a question: the preparation countdown (ended early by "ready" on
/// `controls`), then the answer recorded into `store` (the vault, or a station's journal)
/// until the time is up or "finished", then the follow-ups `follow_ups` decides on (see
/// [`crate::follow_up`]). `None` when the visit was abandoned during the preparation (nothing
/// recorded).
#[allow(clippy::too_many_arguments)]
pub fn answer(
    store: &mut dyn AnswerStore,
    capture: &Capture,
    interview_id: i64,
    question_id: i64,
    limits: &Limits,
    controls: &Controls,
    follow_ups: Option<&mut dyn FollowUps>,
    on_event: &mut dyn FnMut(KioskEvent),
) -> Result<Option<AnswerDone>, FlowError> {
    capture::kiosk::prepare(limits, controls, on_event);
    if controls.is_abandoned() {
        return Ok(None);
    }
    let outcome = capture::kiosk::record_answer_with(
        store,
        capture,
        interview_id,
        question_id,
        limits,
        controls,
        follow_ups,
        on_event,
    )?;
    let attempts = store.attempts(interview_id, question_id)?;
    Ok(Some(AnswerDone { outcome, attempts_left: limits.attempts.saturating_sub(attempts.committed) }))
}

/// The last question is done: the interview is finished and its total queued for scoring.
pub fn finish(vault: &mut Vault, station: &Session, interview_id: i64) -> Result<(), FlowError> {
    vault.advance_interview(station, interview_id, InterviewEvent::Finish)?;
    Ok(())
}

/// A member of staff closes the station: the station account's password is checked again
/// (without counting towards its lockout; `attempts` limits the guessing), then the station's
/// session ends.
pub fn sign_out(
    vault: &mut Vault,
    station: &Session,
    password: &str,
    attempts: &mut ExitAttempts,
) -> Result<(), FlowError> {
    let now = std::time::Instant::now();
    attempts.may_try(now)?;
    if let Err(error) = vault.check_exit_password(station, password) {
        if matches!(error, vault::VaultError::BadCredentials) {
            attempts.failed(now);
            std::thread::sleep(ExitAttempts::DELAY);
        }
        return Err(error.into());
    }
    attempts.succeeded();
    vault.logout(station)?;
    Ok(())
}

/// How often the kiosk's staff exit may be tried: its own limit, apart from the account's
/// lockout (which a candidate could otherwise set off for staff). After
/// [`ExitAttempts::MAX_FAILURES`] wrong passwords within [`ExitAttempts::WINDOW`], it waits
/// until the oldest of them is that old; each wrong one also costs a second.
#[derive(Debug, Default)]
pub struct ExitAttempts {
    failures: std::collections::VecDeque<std::time::Instant>,
}

impl ExitAttempts {
    pub const MAX_FAILURES: usize = 5;
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    /// What each wrong password costs, so that guessing is slow even within the limit.
    pub const DELAY: std::time::Duration = std::time::Duration::from_secs(1);

    /// Whether a password may be checked now.
    pub fn may_try(&mut self, now: std::time::Instant) -> Result<(), FlowError> {
        while self.failures.front().is_some_and(|&at| now.duration_since(at) >= Self::WINDOW) {
            self.failures.pop_front();
        }
        match self.failures.front() {
            Some(&oldest) if self.failures.len() >= Self::MAX_FAILURES => {
                let wait = Self::WINDOW.saturating_sub(now.duration_since(oldest));
                Err(FlowError::ExitPaused { minutes: wait.as_secs().div_ceil(60).max(1) })
            }
            _ => Ok(()),
        }
    }

    /// A wrong password: counted (the caller then waits [`ExitAttempts::DELAY`]).
    pub fn failed(&mut self, now: std::time::Instant) {
        self.failures.push_back(now);
    }

    pub fn succeeded(&mut self) {
        self.failures.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_exit_waits_after_five_wrong_passwords_and_only_as_long_as_needed() {
        let start = std::time::Instant::now();
        let mut attempts = ExitAttempts::default();
        for i in 0..ExitAttempts::MAX_FAILURES {
            attempts.may_try(start).unwrap_or_else(|e| panic!("try {i}: {e}"));
            attempts.failed(start + std::time::Duration::from_secs(i as u64 * 60));
        }
        let later = start + std::time::Duration::from_secs(5 * 60);
        let err = attempts.may_try(later).unwrap_err();
        assert!(matches!(err, FlowError::ExitPaused { minutes: 10 }), "{err:?}");
        // When the first wrong one is 15 minutes old, one more try.
        assert!(attempts.may_try(start + ExitAttempts::WINDOW).is_ok());
        // A right password starts afresh.
        attempts.succeeded();
        assert!(attempts.may_try(later).is_ok());
    }
}
