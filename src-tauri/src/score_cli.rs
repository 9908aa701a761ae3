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
use scoring::{AnswerResult, Flag, Runtime, Scorer};

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
