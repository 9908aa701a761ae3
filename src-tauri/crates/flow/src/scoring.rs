//! Scoring from the vault: one interview at once, or the durable queue one job at a time
//! (answers as they are committed, then each interview's total), and recording what came out.
//! A job that fails is retried, then left failed for a person; nothing is lost and the
//! interview stays "completed".

use std::path::PathBuf;
use std::time::Instant;

use interview::stored::{StoredDelivery, StoredLine, StoredScore};
use interview::{Lang, RecognitionModels};
use scoring::audio::Audio;
use scoring::rubric::Rubric;
use scoring::{AnswerResult, InterviewScore, Runtime, Scorer};
use vault::{AnswerInfo, NewFlag, NewScore, NewTranscript, ScoringJob, ScoringRecord, Session, Vault};

use crate::FlowError;

/// Loads ONNX Runtime and the models (verified against the manifest); with the time it took
/// in milliseconds.
pub fn load_scorer(models: RecognitionModels) -> Result<(Scorer, u128), FlowError> {
    load_scorer_with_threads(models, std::thread::available_parallelism().map_or(2, usize::from))
}

/// [`load_scorer`] with the models on `threads` threads (a worker of the office beside
/// others on one machine uses one).
pub fn load_scorer_with_threads(models: RecognitionModels, threads: usize) -> Result<(Scorer, u128), FlowError> {
    let started = Instant::now();
    let runtime = Runtime::load(manifest::AssetStore::locate()?)?;
    Ok((Scorer::load(&runtime, models, threads.max(1))?, started.elapsed().as_millis()))
}

/// What a scoring worker runs: the program's version and a digest of every pinned asset
/// (runtime library and models) in the manifest. Two machines with the same string score an
/// answer the same way; the hub gives work only to workers that match it.
pub fn worker_versions() -> Result<String, FlowError> {
    // The manifest does not change while the program runs: read it once (the admin page asks
    // every few seconds).
    static VERSIONS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(known) = VERSIONS.get() {
        return Ok(known.clone());
    }
    let versions = read_worker_versions()?;
    Ok(VERSIONS.get_or_init(|| versions).clone())
}

fn read_worker_versions() -> Result<String, FlowError> {
    use sha2::Digest;
    let store = manifest::AssetStore::locate()?;
    let mut digest = sha2::Sha256::new();
    for asset in &store.manifest().assets {
        digest.update(asset.name.as_bytes());
        digest.update([0]);
        digest.update(asset.sha256.as_bytes());
        digest.update([0]);
    }
    Ok(format!("interview-kiosk {}; assets {}", env!("CARGO_PKG_VERSION"), hex::encode(&digest.finalize()[..8])))
}

/// Scores one answer a worker of the office leased, reading its media through `read` (from the
/// hub, kept in memory), into the record the hub stores.
pub fn score_leased(
    scorer: &mut Scorer,
    answer: &AnswerInfo,
    language: Lang,
    read: &mut dyn FnMut(i64) -> Result<Vec<u8>, vault::VaultError>,
) -> Result<ScoringRecord, FlowError> {
    let result = score_one(scorer, answer, read, language, &mut |_| {})?;
    let mut record = ScoringRecord {
        model_versions: result.model_versions.clone(),
        transcripts: Vec::new(),
        scores: Vec::new(),
        flags: Vec::new(),
    };
    answer_rows(answer, &result, language, &mut record);
    Ok(record)
}

/// Records every interview total that is ready (all its answers scored): no models needed, so
/// the hub does it itself as workers hand in answers. Returns how many.
pub fn record_ready_totals(vault: &mut Vault) -> Result<usize, FlowError> {
    let mut done = 0;
    while let Some(job) = vault.next_total_job()? {
        match run_total(vault, &job) {
            Ok(_) => done += 1,
            Err(error) => {
                use interview::UserFacing as _;
                tracing::warn!(job = job.id, code = error.code(), "interview total failed");
                vault.fail_scoring_job(&job, error.code())?;
            }
        }
    }
    Ok(done)
}

/// A rubric file, read and checked (the command line's `--rubric`, evaluation sets).
pub fn read_rubric(path: &std::path::Path) -> Result<Rubric, FlowError> {
    let text = std::fs::read_to_string(path).map_err(|source| FlowError::Read { path: path.to_owned(), source })?;
    Rubric::parse(&text).map_err(|error| FlowError::Rubric { path: path.to_owned(), error })
}

/// Scores a typed sample answer against a rubric being edited, exactly as a recorded answer's
/// transcript is scored (the rubric's own matching; no recording, no model). The answer is
/// timed as if spoken at four characters a second.
pub fn try_rubric(rubric: &Rubric, answer: &str, language: Lang) -> Vec<scoring::rubric::DimensionScore> {
    let chars = answer.chars().count() as u32;
    let segments =
        [scoring::whisper::Segment { start_ms: 0, end_ms: chars * 250, text: answer.to_owned(), confidence: None }];
    scoring::rubric::score(rubric, &segments, language)
}

/// Scores one answer from its recordings, read through `read` (media id → decrypted bytes): the
/// 16 kHz audio of every segment in order, and the proctoring stills for the face flags.
fn score_one(
    scorer: &mut Scorer,
    answer: &AnswerInfo,
    read: &mut dyn FnMut(i64) -> Result<Vec<u8>, vault::VaultError>,
    language: Lang,
    progress: &mut dyn FnMut(scoring::Progress),
) -> Result<AnswerResult, FlowError> {
    let what = format!("answer {}", answer.answer_id);
    let mut audio = Audio { samples: Vec::new() };
    // Where each asked follow-up's recording starts, in samples.
    let mut follow_ups: Vec<(String, usize)> = Vec::with_capacity(answer.follow_ups.len());
    for (i, media) in answer.audio_media.iter().enumerate() {
        for f in answer.follow_ups.iter().filter(|f| f.first_audio == i) {
            follow_ups.push((f.key_point.clone(), audio.samples.len()));
        }
        audio.samples.extend(Audio::from_wav_bytes(&read(*media)?, &what)?.samples);
    }
    let rubric = Rubric::parse(&answer.rubric_json).map_err(|error| FlowError::Rubric {
        path: PathBuf::from(format!("question {}", answer.question_id)),
        error,
    })?;
    let mut result = scorer.score_answer_with_follow_ups(
        &audio,
        &follow_ups,
        &rubric,
        language,
        Some(&answer.question_text),
        progress,
    )?;
    let mut stills = Vec::with_capacity(answer.still_media.len());
    for (media, at_ms) in &answer.still_media {
        let image = scoring::faces::FaceDetector::decode(&read(*media)?, &what)?;
        stills.push(scoring::faces::Still { at_ms: (*at_ms).max(0) as u32, media_id: Some(*media), image });
    }
    result.flags.extend(scorer.still_flags(&stills)?);
    Ok(result)
}

/// The rows one answer's result is recorded as.
fn answer_rows(answer: &AnswerInfo, result: &AnswerResult, language: Lang, record: &mut ScoringRecord) {
    record.transcripts.push(NewTranscript {
        answer_id: answer.answer_id,
        language,
        lines: result.transcript.iter().map(StoredLine::from).collect(),
        delivery: Some(StoredDelivery::from(&result.delivery)),
    });
    for d in &result.dimensions {
        record.scores.push(NewScore {
            answer_id: Some(answer.answer_id),
            dimension: Some(d.dimension.clone()),
            level: Some(f64::from(d.level)),
            total: None,
            band: None,
            evidence_json: StoredScore::from(d).to_json(),
            rubric_version: Some(answer.rubric_version),
        });
    }
    for flag in &result.flags {
        let span = flag.span_ms();
        record.flags.push(NewFlag {
            answer_id: Some(answer.answer_id),
            kind: flag.kind(),
            start_ms: span.map(|(start, _)| i64::from(start)),
            end_ms: span.map(|(_, end)| i64::from(end)),
            detail_json: to_json(flag),
        });
    }
}

fn total_row(total: &InterviewScore) -> NewScore {
    NewScore {
        answer_id: None,
        dimension: None,
        level: None,
        total: total.total,
        band: total.band,
        evidence_json: to_json(total),
        rubric_version: None,
    }
}

/// Scores every committed answer of a completed interview from its recordings in the vault,
/// combines them per the job's weights and bands, and records the result (as the system's
/// scoring job). A damaged recording stops with an error naming the answer; nothing is
/// recorded then and the interview stays "completed".
pub fn score_interview(
    vault: &mut Vault,
    reader: &Session,
    scorer: &mut Scorer,
    interview_id: i64,
) -> Result<(Vec<(AnswerInfo, AnswerResult)>, InterviewScore), FlowError> {
    let (_, answers) = vault.interview_answers(reader, interview_id)?;
    // The weights of the job version the interview was invited under, not the job's latest.
    let job = vault.interview_job(interview_id)?;
    let language = job.language;
    let mut results = Vec::with_capacity(answers.len());
    for answer in answers {
        let mut read = |media: i64| {
            let mut bytes = Vec::new();
            vault.read_media(reader, media, &mut bytes).map(|_| bytes)
        };
        let result = score_one(scorer, &answer, &mut read, language, &mut |_| {})?;
        results.push((answer, result));
    }
    // The total is the core questions' (personalised answers are evidence beside it).
    let personalised = vault.personalised_question_ids(interview_id)?;
    let only: Vec<AnswerResult> =
        results.iter().filter(|(a, _)| !personalised.contains(&a.question_id)).map(|(_, r)| r.clone()).collect();
    let total = scoring::aggregate(&only, &job.dimensions, job.bands);
    let mut record = ScoringRecord {
        model_versions: results.first().map(|(_, r)| r.model_versions.clone()).unwrap_or_default(),
        transcripts: Vec::new(),
        scores: Vec::new(),
        flags: Vec::new(),
    };
    for (answer, result) in &results {
        answer_rows(answer, result, language, &mut record);
    }
    record.scores.push(total_row(&total));
    vault.record_scoring(interview_id, &record)?;
    Ok((results, total))
}

/// What the scoring queue did with one job.
#[derive(Debug)]
pub enum QueueEvent {
    /// A job's progress (stage and percent), for progress bars.
    Progress {
        job: ScoringJob,
        progress: scoring::Progress,
    },
    AnswerScored {
        answer: Box<AnswerInfo>,
        result: Box<AnswerResult>,
    },
    TotalScored {
        interview_id: i64,
        score: InterviewScore,
    },
    Failed {
        job: ScoringJob,
        code: &'static str,
    },
}

/// Works through the durable scoring queue until it is empty: answers as they were committed,
/// then each finished interview's total. Jobs left running by a process that stopped are taken
/// up again; a job that fails is retried, then left failed for a person (the interview stays
/// "completed", nothing is lost). Reports every job through `on_event`.
pub fn drain_queue(
    vault: &mut Vault,
    scorer: &mut Scorer,
    mut on_event: impl FnMut(&QueueEvent),
) -> Result<usize, FlowError> {
    let resumed = vault.resume_scoring_jobs()?;
    if resumed > 0 {
        tracing::info!(resumed, "scoring jobs resumed after a restart");
    }
    let mut done = 0;
    while let Some(scored) = score_next(vault, scorer, &mut on_event)? {
        done += usize::from(scored);
    }
    Ok(done)
}

/// Takes the next job off the queue and runs it: `None` when the queue is empty, otherwise
/// whether the job succeeded (a failed one is marked for a retry or for a person). The
/// background worker calls this one job at a time, so the kiosk never waits for a whole queue.
pub fn score_next(
    vault: &mut Vault,
    scorer: &mut Scorer,
    on_event: &mut dyn FnMut(&QueueEvent),
) -> Result<Option<bool>, FlowError> {
    let Some(job) = vault.next_scoring_job()? else { return Ok(None) };
    let outcome = run_job(vault, scorer, &job, &mut |progress| on_event(&QueueEvent::Progress { job, progress }));
    match outcome {
        Ok(event) => {
            on_event(&event);
            Ok(Some(true))
        }
        // Another worker of the office finished it first: nothing to record, nothing failed.
        Err(FlowError::Vault(vault::VaultError::AlreadyScored { job_id })) => {
            tracing::info!(job = job_id, "scored elsewhere first; this result was dropped");
            Ok(Some(false))
        }
        Err(error) => {
            use interview::UserFacing as _;
            tracing::warn!(job = job.id, code = error.code(), detail = %error, "scoring job failed");
            let code = error.code();
            vault.fail_scoring_job(&job, code)?;
            on_event(&QueueEvent::Failed { job, code });
            Ok(Some(false))
        }
    }
}

fn run_job(
    vault: &mut Vault,
    scorer: &mut Scorer,
    job: &ScoringJob,
    progress: &mut dyn FnMut(scoring::Progress),
) -> Result<QueueEvent, FlowError> {
    if job.answer_id.is_some() {
        let (job_id, answer) = vault.job_answer(job)?;
        let language = vault.job_info(job_id)?.language;
        let mut read = |media: i64| {
            let mut bytes = Vec::new();
            vault.read_media_for_scoring(media, &mut bytes).map(|_| bytes)
        };
        let result = score_one(scorer, &answer, &mut read, language, progress)?;
        let mut record = ScoringRecord {
            model_versions: result.model_versions.clone(),
            transcripts: Vec::new(),
            scores: Vec::new(),
            flags: Vec::new(),
        };
        answer_rows(&answer, &result, language, &mut record);
        vault.record_answer_scoring(job, &record)?;
        Ok(QueueEvent::AnswerScored { answer: Box::new(answer), result: Box::new(result) })
    } else {
        let score = run_total(vault, job)?;
        Ok(QueueEvent::TotalScored { interview_id: job.interview_id, score })
    }
}

/// An interview's total from its answers' current levels, recorded.
fn run_total(vault: &mut Vault, job: &ScoringJob) -> Result<InterviewScore, FlowError> {
    let info = vault.interview_job(job.interview_id)?;
    let levels: Vec<(String, f32)> =
        vault.answer_levels(job.interview_id)?.into_iter().map(|(d, l)| (d, l as f32)).collect();
    let score = scoring::aggregate_levels(&levels, &info.dimensions, info.bands);
    let record = ScoringRecord {
        model_versions: String::new(),
        transcripts: Vec::new(),
        scores: vec![total_row(&score)],
        flags: Vec::new(),
    };
    vault.record_interview_total(job, &record)?;
    Ok(score)
}

/// What scoring produced, as JSON for the vault's columns.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
