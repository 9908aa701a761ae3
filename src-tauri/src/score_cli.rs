//! `interview-kiosk score-file WAV --rubric FILE --language zh|en`: scores one recorded answer
//! against a rubric and prints the transcript, each dimension with its evidence, the delivery
//! metrics, the flags and the time per stage. HR staff use it to try a rubric; the demo prints
//! the same report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use interview::Lang;
use scoring::audio::Audio;
use scoring::rubric::Rubric;
use scoring::whisper::Language;
use scoring::{AnswerResult, Flag, InterviewScore, Runtime, Scorer};
use vault::{AnswerInfo, NewFlag, NewScore, NewTranscript, ScoringRecord, Session, Vault};

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
    /// The completed interview to score.
    #[arg(long, value_name = "ID")]
    interview: i64,
    /// The clerk or auditor reading the recordings (scores are recorded by the system).
    #[arg(long, value_name = "USER")]
    user: String,
}

/// `interview-kiosk score --interview ID --user NAME`.
pub fn run_interview(args: ScoreArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let (mut scorer, _) = load_scorer()?;
    let (answers, total) = score_interview(&mut vault, &session, &mut scorer, args.interview)?;
    for (info, result) in &answers {
        println!("{} {}", t(lang, "题目：", "question:"), info.question_text);
        print_answer(result, lang);
    }
    print_total(&total, lang);
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
pub fn print_answer(r: &AnswerResult, lang: Lang) {
    println!("{}", t(lang, "转写：", "transcript:"));
    for s in &r.transcript {
        println!("  [{} – {}] {}", clock(s.start_ms), clock(s.end_ms), s.text.trim());
    }
    if r.withheld {
        println!(
            "{}",
            t(lang, "未检测到语音：不评分（待人工复核）。", "no speech detected: score withheld (for human review).")
        );
    }
    for d in &r.dimensions {
        println!(
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
                println!(
                    "    ✓ {} ← “{}” [{} – {}] ({:.2})",
                    e.phrasing,
                    e.quote,
                    clock(e.start_ms),
                    clock(e.end_ms),
                    e.similarity
                );
            } else {
                println!("    ✗ {} ({})", e.point, t(lang, "未提及", "not mentioned"));
            }
        }
    }
    let dl = &r.delivery;
    println!(
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
        println!("{text}");
    }
    println!(
        "{} VAD {} ms, ASR {} ms, {} {} ms",
        t(lang, "用时：", "time:"),
        r.times.vad_ms,
        r.times.asr_ms,
        t(lang, "评分", "rubric"),
        r.times.rubric_ms
    );
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
    let language = match job.language {
        Lang::ZhCn => Language::Chinese,
        Lang::En => Language::English,
    };
    let mut results = Vec::with_capacity(answers.len());
    for answer in answers {
        let mut wav = Vec::new();
        for media in &answer.audio_media {
            vault.read_media(reader, *media, &mut wav)?;
        }
        let what = format!("answer {}", answer.answer_id);
        let audio = Audio::from_wav_bytes(&wav, &what)?;
        let rubric = Rubric::parse(&answer.rubric_json).map_err(|error| ShellError::Rubric {
            path: PathBuf::from(format!("question {}", answer.question_id)),
            error,
        })?;
        let result = scorer.score_answer(&audio, &rubric, language)?;
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
        record.transcripts.push(NewTranscript {
            answer_id: answer.answer_id,
            language: match language {
                Language::Chinese => "zh".into(),
                Language::English => "en".into(),
            },
            segments_json: to_json(&result.transcript),
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
            let (start_ms, end_ms) = match flag {
                Flag::NoSpeech | Flag::WrongLanguage { .. } => (None, None),
                Flag::FaceAbsent { at_ms, .. } | Flag::MultipleFaces { at_ms, .. } => {
                    (Some(i64::from(*at_ms)), Some(i64::from(*at_ms)))
                }
                Flag::LongSilence { start_ms, end_ms } => (Some(i64::from(*start_ms)), Some(i64::from(*end_ms))),
            };
            let kind = match flag {
                Flag::NoSpeech => "no_speech",
                Flag::WrongLanguage { .. } => "wrong_language",
                Flag::FaceAbsent { .. } => "face_absent",
                Flag::MultipleFaces { .. } => "multiple_faces",
                Flag::LongSilence { .. } => "long_silence",
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
    record.scores.push(NewScore {
        answer_id: None,
        dimension: None,
        level: None,
        total: total.total,
        band: total.band,
        evidence_json: to_json(&total),
        rubric_version: None,
    });
    vault.record_scoring(interview_id, &record)?;
    Ok((results, total))
}

/// What scoring produced, as JSON for the vault's columns.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// The interview's result, per dimension and in total.
pub fn print_total(score: &InterviewScore, lang: Lang) {
    for d in &score.dimensions {
        println!(
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
    match (score.total, band) {
        (Some(total), Some(band)) => println!("  {} {total:.1} / 100 → {band}", t(lang, "加权总分", "weighted total")),
        _ => println!(
            "  {}",
            t(
                lang,
                "总分暂不给出（有维度缺少可评分的回答），待人工复核。",
                "total withheld (a dimension has no scorable answer); for human review."
            )
        ),
    }
}
