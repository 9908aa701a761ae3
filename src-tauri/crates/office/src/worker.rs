//! A scoring worker of the office: asks the hub for an answer to score (a lease that expires,
//! so a worker that stops loses the answer to another), fetches its audio and stills over the
//! same mutual TLS and keeps them in memory only, scores them, and hands in the record. The
//! hub records the first result for each answer and drops a late one.

use std::time::{Duration, Instant};

use interview::UserFacing;
use vault::Completion;

use crate::client::HubClient;
use crate::error::OfficeError;
use crate::wire;

/// What a worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    pub scored: u64,
    /// Results the hub dropped because another worker finished first.
    pub dropped: u64,
    pub failed: u64,
    /// Time spent scoring (fetching included), for throughput.
    pub busy: Duration,
}

/// When the worker stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// As soon as the hub has nothing to lease.
    Idle,
    /// When `stop` says so; an idle worker asks again every `poll`.
    Stopped { poll: Duration },
}

/// Scores answers from the hub until `until`. `versions` is what this machine runs
/// (`flow::scoring::worker_versions`); the models load at the first answer, on `threads`
/// threads. A hub that refuses the versions ends the worker with that refusal.
pub fn work(
    client: &HubClient,
    versions: &str,
    threads: usize,
    until: Until,
    stop: &dyn Fn() -> bool,
) -> Result<WorkerStats, OfficeError> {
    let mut stats = WorkerStats::default();
    let mut scorer = None;
    while !stop() {
        let answer: wire::WorkResponse =
            match client.post("/work", &wire::WorkRequest { versions: versions.to_owned() }) {
                Ok(answer) => answer,
                // A worker that keeps going outlasts a hub restart or a cut link.
                Err(error) if error.is_unreachable() && matches!(until, Until::Stopped { .. }) => {
                    tracing::info!("the hub is not reachable; the worker waits");
                    if let Until::Stopped { poll } = until {
                        let until = Instant::now() + poll;
                        while Instant::now() < until && !stop() {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    continue;
                }
                Err(error) => return Err(error),
            };
        let Some(work) = answer.work else {
            match until {
                Until::Idle => break,
                Until::Stopped { poll } => {
                    // The models are dropped while idle, as at a kiosk.
                    scorer = None;
                    let until = Instant::now() + poll;
                    while Instant::now() < until && !stop() {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    continue;
                }
            }
        };
        let started = Instant::now();
        // The hub names the recognition models with the work (its administrator's choice).
        if scorer.as_ref().is_none_or(|(_, loaded)| *loaded != work.models) {
            drop(scorer.take()); // free the other models' memory first
            let (loaded, ms) = flow::scoring::load_scorer_with_threads(work.models, threads)?;
            tracing::info!(ms, models = %work.models, "worker models loaded");
            scorer = Some((loaded, work.models));
        }
        let Some((models, _)) = scorer.as_mut() else { continue };
        let (job_id, token) = (work.job_id, work.token);
        let mut read = |media_id: i64| {
            client.post_bytes("/work/media", &wire::MediaRequest { job_id, token, media_id }).map_err(|e| {
                vault::VaultError::Io {
                    path: std::path::PathBuf::from(format!("hub media {media_id}")),
                    source: std::io::Error::other(e.to_string()),
                }
            })
        };
        match flow::scoring::score_leased(models, &work.answer, work.language, &mut read) {
            Ok(record) => {
                let done: wire::ResultResponse =
                    client.post("/work/result", &wire::ResultRequest { job_id, token, record })?;
                match done.completion {
                    Completion::Recorded => stats.scored += 1,
                    Completion::Dropped => stats.dropped += 1,
                }
            }
            Err(error) => {
                tracing::warn!(job_id, code = error.code(), detail = %error, "a leased answer could not be scored");
                stats.failed += 1;
                client.post_empty(
                    "/work/failed",
                    &wire::FailedRequest { job_id, token, code: error.code().to_owned() },
                )?;
            }
        }
        stats.busy += started.elapsed();
    }
    Ok(stats)
}

/// A kiosk station's scoring for the hub between visits: never while a candidate is at the
/// kiosk (recording keeps the cores), the models loaded only while there is work. Stops when
/// dropped (an answer being scored is finished first, or lost to its lease).
pub struct BetweenVisits {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for BetweenVisits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BetweenVisits").finish_non_exhaustive()
    }
}

impl Drop for BetweenVisits {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// How long a station waits before asking again after the hub refused its work (other
/// versions) or could not be reached.
const RETRY: Duration = Duration::from_secs(60);

impl BetweenVisits {
    /// Starts scoring for the hub of the station in `data_dir`, on `threads` threads, whenever
    /// `candidate_present` says no one is at the kiosk.
    pub fn start(
        data_dir: std::path::PathBuf,
        threads: usize,
        candidate_present: std::sync::Arc<dyn Fn() -> bool + Send + Sync>,
    ) -> Result<BetweenVisits, OfficeError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("station-scoring".into())
            .spawn(move || {
                let quiet = |wait: Duration| {
                    let until = Instant::now() + wait;
                    while Instant::now() < until && !stopped.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(200));
                    }
                };
                while !stopped.load(Ordering::SeqCst) {
                    if candidate_present() {
                        quiet(Duration::from_secs(1));
                        continue;
                    }
                    let ran = crate::station::client(&data_dir).and_then(|client| {
                        let versions = flow::scoring::worker_versions()?;
                        let until = Until::Stopped { poll: Duration::from_secs(10) };
                        work(&client, &versions, threads, until, &|| {
                            stopped.load(Ordering::SeqCst) || candidate_present()
                        })
                    });
                    match ran {
                        Ok(stats) if stats.scored + stats.dropped + stats.failed > 0 => {
                            tracing::info!(
                                scored = stats.scored,
                                failed = stats.failed,
                                "scored for the hub between visits"
                            );
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(code = error.code(), detail = %error, "scoring for the hub paused");
                            quiet(RETRY);
                        }
                    }
                }
            })
            .map_err(|e| OfficeError::Io { path: "station-scoring thread".into(), source: e })?;
        Ok(BetweenVisits { stop })
    }
}
