//! The kiosk's background scoring: works through the vault's durable queue one job at a time,
//! and only while no candidate is at the kiosk, so recording never competes with the models
//! for the two cores. The models are loaded when there is work and dropped when the queue is
//! empty, so an idle kiosk does not hold them in memory.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use interview::UserFacing;

use crate::score_cli;
use crate::state::{Staff, Visit};

/// How often the worker looks at the queue without being woken.
const POLL: Duration = Duration::from_secs(30);

pub struct ScoringWorker {
    wake: Mutex<Option<Sender<()>>>,
    staff: Arc<Mutex<Option<Staff>>>,
    visit: Arc<Mutex<Option<Visit>>>,
}

impl std::fmt::Debug for ScoringWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoringWorker").finish_non_exhaustive()
    }
}

impl ScoringWorker {
    pub fn new(staff: Arc<Mutex<Option<Staff>>>, visit: Arc<Mutex<Option<Visit>>>) -> ScoringWorker {
        ScoringWorker { wake: Mutex::new(None), staff, visit }
    }

    /// Starts the worker (once) or wakes it: there may be work.
    pub fn wake(&self) {
        let Ok(mut wake) = self.wake.lock() else { return };
        if let Some(tx) = wake.as_ref()
            && tx.send(()).is_ok()
        {
            return;
        }
        let (tx, rx) = mpsc::channel();
        let (staff, visit) = (self.staff.clone(), self.visit.clone());
        match std::thread::Builder::new().name("scoring-worker".into()).spawn(move || run(&rx, &staff, &visit)) {
            Ok(_) => *wake = Some(tx),
            Err(error) => tracing::error!(%error, "cannot start the scoring worker"),
        }
    }
}

fn run(wake: &Receiver<()>, staff: &Mutex<Option<Staff>>, visit: &Mutex<Option<Visit>>) {
    let mut scorer: Option<scoring::Scorer> = None;
    let mut resumed = false;
    loop {
        let candidate_present = visit.lock().map(|v| v.is_some()).unwrap_or(true);
        let mut idle = true;
        if !candidate_present {
            match step(staff, &mut scorer, &mut resumed) {
                Ok(true) => idle = false,
                Ok(false) => {}
                Err(error) => tracing::warn!(code = error.code(), detail = %error, "background scoring stopped"),
            }
        }
        if idle {
            // Nothing to do (or a candidate is here): free the models and wait.
            if scorer.take().is_some() {
                tracing::info!("scoring queue empty: models unloaded");
            }
            match wake.recv_timeout(POLL) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

/// Runs one job if there is one; `Ok(true)` when a job ran.
fn step(
    staff: &Mutex<Option<Staff>>,
    scorer: &mut Option<scoring::Scorer>,
    resumed: &mut bool,
) -> Result<bool, crate::error::ShellError> {
    let mut guard = staff.lock().map_err(|_| crate::error::ShellError::Internal("staff lock poisoned".into()))?;
    let Some(Staff { vault, session: Some(_) }) = guard.as_mut() else { return Ok(false) };
    if !*resumed {
        let count = vault.resume_scoring_jobs()?;
        if count > 0 {
            tracing::info!(count, "scoring jobs resumed after a restart");
        }
        *resumed = true;
    }
    if vault.scoring_queue_counts()?.0 == 0 {
        return Ok(false);
    }
    if scorer.is_none() {
        let (loaded, ms) = score_cli::load_scorer()?;
        tracing::info!(ms, "scoring models loaded");
        *scorer = Some(loaded);
    }
    let Some(scorer) = scorer.as_mut() else { return Ok(false) };
    let ran = score_cli::score_next(vault, scorer, &mut |event| match event {
        score_cli::QueueEvent::AnswerScored { answer, .. } => {
            tracing::info!(answer = answer.answer_id, "answer scored")
        }
        score_cli::QueueEvent::TotalScored { interview_id, .. } => tracing::info!(interview_id, "interview scored"),
        score_cli::QueueEvent::Failed { job, code } => tracing::warn!(job = job.id, code, "scoring job failed"),
        score_cli::QueueEvent::Progress { .. } => {}
    })?;
    Ok(ran.is_some())
}
