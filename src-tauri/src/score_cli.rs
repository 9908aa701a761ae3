//! `interview-kiosk score-file WAV --rubric FILE --language zh|en`: scores one recorded answer
//! against a rubric and prints the transcript, each dimension with its evidence, the delivery
//! metrics, the flags and the time per stage. HR staff use it to try a rubric; the demo prints
//! the same report.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use interview::Lang;
use interview::UserFacing;
use scoring::audio::Audio;
use scoring::rubric::Rubric;
use scoring::whisper::Language;
use scoring::{AnswerResult, Flag, InterviewScore, Runtime, Scorer};
use vault::{AnswerInfo, NewFlag, NewScore, NewTranscript, ScoringJob, ScoringRecord, Session, Vault};

use crate::error::ShellError;
use crate::selftest::t;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SpokenLanguage {
    Zh,
    En,
}

impl From<SpokenLanguage> for Language {
    fn from(value: SpokenLanguage) -> Language {
        match value {
            SpokenLanguage::Zh => Language::Chinese,
            SpokenLanguage::En => Language::English,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Score this completed interview now, all answers at once.
    #[arg(long, value_name = "ID", conflicts_with = "queue", required_unless_present = "queue")]
    interview: Option<i64>,
    /// Work through the scoring queue (answers as they were committed, then totals) until it is empty.
    #[arg(long)]
    queue: bool,
    /// The member of staff starting the scoring (scores are recorded by the system).
    #[arg(long, value_name = "USER")]
    user: String,
}

/// `interview-kiosk score (--interview ID | --queue) --user NAME`.
pub fn run_interview(args: ScoreArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    vault.authorize(&session, interview::Action::ViewInterviews)?;
    let (mut scorer, _) = load_scorer()?;
    match args.interview {
        Some(interview) => {
            let (answers, total) = score_interview(&mut vault, &session, &mut scorer, interview)?;
            for (info, result) in &answers {
                println!("{} {}", t(lang, "题目：", "question:"), info.question_text);
                print_answer(result, lang);
            }
            print_total(&total, lang);
        }
        None => {
            let done = drain_queue(&mut vault, &mut scorer, |event| match event {
                QueueEvent::AnswerScored { answer, result } => {
                    println!("{} {}", t(lang, "题目：", "question:"), answer.question_text);
                    print_answer(result, lang);
                }
                QueueEvent::TotalScored { interview_id, score } => {
                    println!("{} {interview_id}:", t(lang, "面试", "interview"));
                    print_total(score, lang);
                }
                QueueEvent::Progress { job, progress } => {
                    if std::io::stderr().is_terminal() {
                        #[allow(clippy::print_stderr)] // the edge: a progress line for the operator
                        {
                            eprint!("\r  job {}: {:?} {:>3}%   ", job.id, progress.stage, progress.percent);
                        }
                    }
                }
                QueueEvent::Failed { job, code } => {
                    println!("{} {}: {code}", t(lang, "评分任务失败", "scoring job failed"), job.id)
                }
            })?;
            let (waiting, failed) = vault.scoring_queue_counts()?;
            println!(
                "{done} {}; {waiting} {}, {failed} {}",
                t(lang, "个评分任务完成", "scoring jobs done"),
                t(lang, "个等待", "waiting"),
                t(lang, "个失败待人工处理", "failed and left for a person")
            );
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ScoreFileArgs {
    /// The recorded answer (WAV, any rate and channels).
    wav: PathBuf,
    /// The question's rubric (JSON: key points with synonyms, level examples, tuning).
    #[arg(long, value_name = "FILE")]
    rubric: PathBuf,
    /// The language the answer is spoken in (the job's language).
    #[arg(long, value_enum)]
    language: SpokenLanguage,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn read_rubric(path: &Path) -> Result<Rubric, ShellError> {
    let text = std::fs::read_to_string(path).map_err(|source| ShellError::Read { path: path.to_owned(), source })?;
    Rubric::parse(&text).map_err(|error| ShellError::Rubric { path: path.to_owned(), error })
}

/// Loads ONNX Runtime and the models (verified against the manifest).
pub fn load_scorer() -> Result<(Scorer, u128), ShellError> {
    let started = Instant::now();
    let runtime = Runtime::load(manifest::AssetStore::locate()?)?;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    Ok((Scorer::load(&runtime, threads)?, started.elapsed().as_millis()))
}

pub fn run(args: ScoreFileArgs, lang: Lang) -> Result<(), ShellError> {
    let rubric = read_rubric(&args.rubric)?;
    let audio = Audio::read_wav(&args.wav)?;
    let (mut scorer, load_ms) = load_scorer()?;
    let result = scorer.score_answer(&audio, &rubric, args.language.into())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result).map_err(|e| ShellError::Internal(e.to_string()))?);
    } else {
        println!("{} {:.1} s", t(lang, "模型加载：", "models loaded:"), load_ms as f64 / 1000.0);
        print_answer(&result, lang);
    }
    Ok(())
}

fn clock(ms: u32) -> String {
    format!("{}:{:02}.{}", ms / 60_000, ms / 1000 % 60, ms / 100 % 10)
}

/// The human-readable report of one answer.
pub fn answer_report(r: &AnswerResult, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", t(lang, "转写：", "transcript:"));
    for s in &r.transcript {
        let _ = writeln!(out, "  [{} – {}] {}", clock(s.start_ms), clock(s.end_ms), s.text.trim());
    }
    if r.withheld {
        let _ = writeln!(
            out,
            "{}",
            t(lang, "未检测到语音：不评分（待人工复核）。", "no speech detected: score withheld (for human review).")
        );
    }
    for d in &r.dimensions {
        let _ = writeln!(
            out,
            "{} {}: {} {:.1}  ({} {:.0}%{})",
            t(lang, "维度", "dimension"),
            d.dimension,
            t(lang, "等级", "level"),
            d.level,
            t(lang, "要点覆盖", "key points covered"),
            d.coverage * 100.0,
            d.closest_example
                .as_ref()
                .map(|e| format!(
                    "; {} {} ({:.2})",
                    t(lang, "最接近的等级范例", "closest level example"),
                    e.level,
                    e.similarity
                ))
                .unwrap_or_default()
        );
        for e in &d.evidence {
            if e.covered {
                let _ = writeln!(
                    out,
                    "    ✓ {} ← “{}” [{} – {}] ({:.2})",
                    e.phrasing,
                    e.quote,
                    clock(e.start_ms),
                    clock(e.end_ms),
                    e.similarity
                );
            } else {
                let _ = writeln!(out, "    ✗ {} ({})", e.point, t(lang, "未提及", "not mentioned"));
            }
        }
    }
    let dl = &r.delivery;
    let _ = writeln!(
        out,
        "{} {:.1} s / {:.1} s, {:.0} {}, {} {}, {} {}",
        t(lang, "表达指标（仅供参考，不计分）：说话时间", "delivery (shown, not scored): speaking"),
        dl.speaking_ms as f64 / 1000.0,
        dl.duration_ms as f64 / 1000.0,
        dl.speech_rate,
        dl.rate_unit,
        dl.long_pauses.len(),
        t(lang, "次长停顿", "long pauses"),
        dl.fillers,
        t(lang, "个语气词", "fillers"),
    );
    for flag in &r.flags {
        let text = match flag {
            Flag::NoSpeech => t(lang, "标记：未检测到语音", "flag: no speech detected").to_owned(),
            Flag::LongSilence { start_ms, end_ms } => format!(
                "{} [{} – {}]",
                t(lang, "标记：长时间沉默", "flag: long silence"),
                clock(*start_ms),
                clock(*end_ms)
            ),
            Flag::FaceAbsent { at_ms, .. } => {
                format!("{} [{}]", t(lang, "标记：画面中没有人脸", "flag: no face in view"), clock(*at_ms))
            }
            Flag::MultipleFaces { at_ms, count, .. } => {
                format!("{} {count} [{}]", t(lang, "标记：画面中人脸数", "flag: faces in view:"), clock(*at_ms))
            }
            Flag::WrongLanguage { detected, probability, expected_probability } => format!(
                "{} {detected} ({:.0}%; {} {:.0}%)",
                t(lang, "标记：语言可能不符，听起来像", "flag: possibly the wrong language; sounds like"),
                probability * 100.0,
                t(lang, "岗位语言", "the job's language"),
                expected_probability * 100.0
            ),
        };
        let _ = writeln!(out, "{text}");
    }
    let _ = writeln!(
        out,
        "{} VAD {} ms, ASR {} ms, {} {} ms",
        t(lang, "用时：", "time:"),
        r.times.vad_ms,
        r.times.asr_ms,
        t(lang, "评分", "rubric"),
        r.times.rubric_ms
    );
    out
}

pub fn print_answer(r: &AnswerResult, lang: Lang) {
    print!("{}", answer_report(r, lang));
}

/// The language answers are scored in, from a job's language setting.
pub(crate) fn scoring_language(lang: Lang) -> Language {
    match lang {
        Lang::ZhCn => Language::Chinese,
        Lang::En => Language::English,
    }
}

/// Scores one answer from its recordings, read through `read` (media id → decrypted bytes): the
/// 16 kHz audio of every segment in order, and the proctoring stills for the face flags.
fn score_one(
    scorer: &mut Scorer,
    answer: &AnswerInfo,
    read: &mut dyn FnMut(i64) -> Result<Vec<u8>, vault::VaultError>,
    language: Language,
    progress: &mut dyn FnMut(scoring::Progress),
) -> Result<AnswerResult, ShellError> {
    let what = format!("answer {}", answer.answer_id);
    let mut audio = Audio { samples: Vec::new() };
    for media in &answer.audio_media {
        audio.samples.extend(Audio::from_wav_bytes(&read(*media)?, &what)?.samples);
    }
    let rubric = Rubric::parse(&answer.rubric_json).map_err(|error| ShellError::Rubric {
        path: PathBuf::from(format!("question {}", answer.question_id)),
        error,
    })?;
    let mut result = scorer.score_answer_with_progress(&audio, &rubric, language, progress)?;
    let mut stills = Vec::with_capacity(answer.still_media.len());
    for (media, at_ms) in &answer.still_media {
        let image = scoring::faces::FaceDetector::decode(&read(*media)?, &what)?;
        stills.push(scoring::faces::Still { at_ms: (*at_ms).max(0) as u32, media_id: Some(*media), image });
    }
    result.flags.extend(scorer.still_flags(&stills)?);
    Ok(result)
}

/// The rows one answer's result is recorded as.
fn answer_rows(answer: &AnswerInfo, result: &AnswerResult, language: Language, record: &mut ScoringRecord) {
    record.transcripts.push(NewTranscript {
        answer_id: answer.answer_id,
        language: match language {
            Language::Chinese => "zh".into(),
            Language::English => "en".into(),
        },
        segments_json: to_json(&result.transcript),
        delivery_json: Some(to_json(&result.delivery)),
    });
    for d in &result.dimensions {
        record.scores.push(NewScore {
            answer_id: Some(answer.answer_id),
            dimension: Some(d.dimension.clone()),
            level: Some(f64::from(d.level)),
            total: None,
            band: None,
            evidence_json: to_json(d),
            rubric_version: Some(answer.rubric_version),
        });
    }
    for flag in &result.flags {
        let (kind, start_ms, end_ms) = match flag {
            Flag::NoSpeech => ("no_speech", None, None),
            Flag::WrongLanguage { .. } => ("wrong_language", None, None),
            Flag::LongSilence { start_ms, end_ms } => {
                ("long_silence", Some(i64::from(*start_ms)), Some(i64::from(*end_ms)))
            }
            Flag::FaceAbsent { at_ms, .. } => ("face_absent", Some(i64::from(*at_ms)), Some(i64::from(*at_ms))),
            Flag::MultipleFaces { at_ms, .. } => ("multiple_faces", Some(i64::from(*at_ms)), Some(i64::from(*at_ms))),
        };
        record.flags.push(NewFlag {
            answer_id: Some(answer.answer_id),
            kind: kind.into(),
            start_ms,
            end_ms,
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
) -> Result<(Vec<(AnswerInfo, AnswerResult)>, InterviewScore), ShellError> {
    let (job_id, answers) = vault.interview_answers(reader, interview_id)?;
    let job = vault.job(reader, job_id)?;
    let language = scoring_language(job.language);
    let mut results = Vec::with_capacity(answers.len());
    for answer in answers {
        let mut read = |media: i64| {
            let mut bytes = Vec::new();
            vault.read_media(reader, media, &mut bytes).map(|_| bytes)
        };
        let result = score_one(scorer, &answer, &mut read, language, &mut |_| {})?;
        results.push((answer, result));
    }
    let only: Vec<AnswerResult> = results.iter().map(|(_, r)| r.clone()).collect();
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
) -> Result<usize, ShellError> {
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
/// whether the job succeeded (a failed one is marked for a retry or for a person). The app's
/// background worker calls this one job at a time, so the kiosk never waits for a whole queue.
pub fn score_next(
    vault: &mut Vault,
    scorer: &mut Scorer,
    on_event: &mut dyn FnMut(&QueueEvent),
) -> Result<Option<bool>, ShellError> {
    let Some(job) = vault.next_scoring_job()? else { return Ok(None) };
    let outcome = run_job(vault, scorer, &job, &mut |progress| on_event(&QueueEvent::Progress { job, progress }));
    match outcome {
        Ok(event) => {
            on_event(&event);
            Ok(Some(true))
        }
        Err(error) => {
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
) -> Result<QueueEvent, ShellError> {
    if job.answer_id.is_some() {
        let (job_id, answer) = vault.job_answer(job)?;
        let language = scoring_language(vault.job_info(job_id)?.language);
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
        let (job_id, _) = vault.interview_answers_for_scoring(job.interview_id)?;
        let info = vault.job_info(job_id)?;
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
        Ok(QueueEvent::TotalScored { interview_id: job.interview_id, score })
    }
}

/// What scoring produced, as JSON for the vault's columns.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// The interview's result, per dimension and in total.
pub fn total_report(score: &InterviewScore, lang: Lang) -> String {
    let mut out = String::new();
    for d in &score.dimensions {
        let _ = writeln!(
            out,
            "  {} ({}%): {}",
            d.dimension,
            d.weight_bp / 100,
            d.level.map_or_else(|| t(lang, "不评分", "withheld").to_owned(), |l| format!("{l:.1}"))
        );
    }
    let band = score.band.map(|b| match (b, lang) {
        (interview::Band::Recommend, Lang::ZhCn) => "推荐",
        (interview::Band::Hold, Lang::ZhCn) => "待定",
        (interview::Band::NotRecommended, Lang::ZhCn) => "不推荐",
        (interview::Band::Recommend, Lang::En) => "recommend",
        (interview::Band::Hold, Lang::En) => "hold",
        (interview::Band::NotRecommended, Lang::En) => "not recommended",
    });
    let _ = match (score.total, band) {
        (Some(total), Some(band)) => {
            writeln!(out, "  {} {total:.1} / 100 → {band}", t(lang, "加权总分", "weighted total"))
        }
        _ => writeln!(
            out,
            "  {}",
            t(
                lang,
                "总分暂不给出（有维度缺少可评分的回答），待人工复核。",
                "total withheld (a dimension has no scorable answer); for human review."
            )
        ),
    };
    out
}

pub fn print_total(score: &InterviewScore, lang: Lang) {
    print!("{}", total_report(score, lang));
}
