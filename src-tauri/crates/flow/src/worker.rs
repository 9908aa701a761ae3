//! The kiosk's background scoring: works through the vault's durable queue one job at a time,
//! and only while no candidate is at the station, so recording never competes with the models
//! for the two cores. It has its own vault handle (the vault takes several), so a candidate's
//! request never waits behind a Whisper run. The models are loaded when there is work and
//! dropped when the queue is empty, so an idle kiosk does not hold them in memory.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use interview::UserFacing;
use vault::Vault;

use crate::FlowError;
use crate::scoring::{self, QueueEvent};

/// How often the worker looks at the queue without being woken.
const POLL: Duration = Duration::from_secs(30);

/// Whether a candidate is at the station now (the worker waits while one is).
pub type CandidatePresent = Arc<dyn Fn() -> bool + Send + Sync>;

pub struct ScoringWorker {
    data_dir: PathBuf,
    candidate_present: CandidatePresent,
    /// Whether the worker runs at [`SCORING_NICE`] (the app's, beside a kiosk page).
    lowered: bool,
    /// The worker thread's wake-up line, once it runs.
    wake: Mutex<Option<Sender<()>>>,
}

impl std::fmt::Debug for ScoringWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoringWorker").field("data_dir", &self.data_dir).finish_non_exhaustive()
    }
}

impl ScoringWorker {
    /// A worker for the vault in `data_dir`; it starts at the first [`wake`](Self::wake) (a
    /// sign-in: by then the vault exists and its key is in the credential store).
    pub fn new(data_dir: PathBuf, candidate_present: CandidatePresent) -> ScoringWorker {
        ScoringWorker { data_dir, candidate_present, lowered: false, wake: Mutex::new(None) }
    }

    /// The same worker at the lowest priority ([`SCORING_NICE`]), for the desktop app: the
    /// kiosk's page and the staff window get the cores first. Not for a hub, whose worker must
    /// keep pace with the stations' hand-ons (a starved worker holding the vault's write lock
    /// would hold them up).
    pub fn in_background(data_dir: PathBuf, candidate_present: CandidatePresent) -> ScoringWorker {
        ScoringWorker { lowered: true, ..ScoringWorker::new(data_dir, candidate_present) }
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
        let (data_dir, present, lowered) = (self.data_dir.clone(), self.candidate_present.clone(), self.lowered);
        let body = move || {
            if lowered {
                lower_this_threads_priority();
            }
            run(&rx, &data_dir, &*present)
        };
        match std::thread::Builder::new().name("scoring-worker".into()).spawn(body) {
            Ok(_) => *wake = Some(tx),
            Err(error) => tracing::error!(%error, "cannot start the scoring worker"),
        }
    }
}

/// What the worker keeps between jobs.
#[derive(Default)]
struct Worker {
    vault: Option<Vault>,
    /// The loaded models and which recognition models they are.
    scorer: Option<(::scoring::Scorer, interview::RecognitionModels)>,
    resumed: bool,
}

/// The nice value of the desktop app's scoring worker ([`ScoringWorker::in_background`]), and
/// so of the model runtime's threads it starts (Linux: a new thread inherits its creator's):
/// whatever the queue holds, the kiosk's page and commands get the cores first.
pub const SCORING_NICE: i32 = 19;

/// Lowers the calling thread's priority to [`SCORING_NICE`] (Linux; elsewhere nothing).
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), SCORING_NICE) {
        tracing::warn!(%error, "the scoring worker could not lower its priority");
    }
}

fn run(wake: &Receiver<()>, data_dir: &std::path::Path, candidate_present: &(dyn Fn() -> bool + Send + Sync)) {
    let mut worker = Worker::default();
    loop {
        let mut idle = true;
        if !candidate_present() {
            match worker.step(data_dir) {
                Ok(true) => idle = false,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(code = error.code(), detail = %error, "background scoring stopped");
                    // Open the vault afresh next time (it may have been restored or re-keyed).
                    worker.vault = None;
                }
            }
        }
        if idle {
            // Nothing to do (or a candidate is here): free the models and wait.
            if worker.scorer.take().is_some() {
                tracing::info!("scoring queue empty: models unloaded");
            }
            match wake.recv_timeout(POLL) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

impl Worker {
    /// Runs one job if there is one; `Ok(true)` when a job ran.
    fn step(&mut self, data_dir: &std::path::Path) -> Result<bool, FlowError> {
        if self.vault.is_none() {
            self.vault = Some(Vault::open(data_dir)?);
        }
        let Some(vault) = self.vault.as_mut() else { return Ok(false) };
        if !self.resumed {
            let count = vault.resume_scoring_jobs()?;
            if count > 0 {
                tracing::info!(count, "scoring jobs resumed after a restart");
            }
            self.resumed = true;
        }
        if vault.scoring_queue_counts()?.0 == 0 {
            return Ok(false);
        }
        // An administrator may have chosen other recognition models since they were loaded.
        let models = vault.recognition_models()?;
        if self.scorer.as_ref().is_none_or(|(_, loaded)| *loaded != models) {
            self.scorer = None;
            let (loaded, ms) = scoring::load_scorer(models)?;
            tracing::info!(ms, %models, "scoring models loaded");
            self.scorer = Some((loaded, models));
        }
        let Some((scorer, _)) = self.scorer.as_mut() else { return Ok(false) };
        let ran = scoring::score_next(vault, scorer, &mut |event| match event {
            QueueEvent::AnswerScored { answer, .. } => tracing::info!(answer = answer.answer_id, "answer scored"),
            QueueEvent::TotalScored { interview_id, .. } => tracing::info!(interview_id, "interview scored"),
            QueueEvent::Failed { job, code } => tracing::warn!(job = job.id, code, "scoring job failed"),
            QueueEvent::Progress { .. } => {}
        })?;
        Ok(ran.is_some())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The model runtime starts its threads from the worker's: they must inherit the low
    /// priority, or a scoring run would still take the cores from the kiosk's page.
    #[test]
    fn the_worker_and_the_threads_it_starts_run_at_the_lowest_priority() {
        let nice = || rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let (worker, child) = std::thread::spawn(move || {
            lower_this_threads_priority();
            (nice(), std::thread::spawn(nice).join().unwrap())
        })
        .join()
        .unwrap();
        assert_eq!((worker, child), (SCORING_NICE, SCORING_NICE));
        assert_ne!(nice(), SCORING_NICE, "the test's own thread was lowered too");
    }
}
