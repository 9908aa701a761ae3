//! A 10-minute interview (6 answers of 100 s, made of the bundled Mandarin sample answers with
//! pauses between them) scored on this machine's CPU with Whisper base, once per choice of
//! models and decoding, each in a process of its own (so that each has its own peak memory).
//! Prints a table: the whole interview scored after the fact, the time from the last answer to
//! the report when answers are scored as they are committed, the speech-recognition stage alone,
//! the encoder and per-token decoder times, windows decoded again, and the peak memory. When
//! FASTER_WHISPER_PYTHON names the interpreter of the peer's venv (`make bench` sets it), the
//! same answers go through faster-whisper (CTranslate2, int8, greedy) in the same run and the ASR
//! stage is compared with it. Run with `make bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use interview::{Lang, RecognitionModels};
use scoring::audio::Audio;
use scoring::rubric::Rubric;
use scoring::whisper::{Decoding, Fallback};
use scoring::{Runtime, Scorer};

const ANSWER_SECONDS: usize = 100;
const ANSWERS: usize = 6;
/// Set in the child processes: which option to measure (`models/fallback`).
const OPTION: &str = "SCORING_BENCH_OPTION";

/// The options measured, the product's default first.
const OPTIONS: [(RecognitionModels, Fallback); 4] = [
    (RecognitionModels::Int8, Fallback::Repetition),
    (RecognitionModels::Float, Fallback::Repetition),
    (RecognitionModels::Int8, Fallback::Off),
    (RecognitionModels::Int8, Fallback::Reference),
];

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn samples_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../assets/samples/demo")
}

/// What one option measured (one line of JSON from its process).
#[derive(serde::Serialize, serde::Deserialize)]
struct Measured {
    load_s: f64,
    interview_s: f64,
    worst_answer_s: f64,
    asr_s: f64,
    encoder_ms: f64,
    decoder_ms_per_token: f64,
    windows: u32,
    fallbacks: u32,
    peak_mb: f64,
}

fn measure(models: RecognitionModels, fallback: Fallback) -> Measured {
    let root = samples_dir();
    let samples: Vec<Audio> = ["q1.wav", "q2.wav"].iter().map(|f| Audio::read_wav(&root.join(f)).unwrap()).collect();
    let rubric = Rubric::parse(&std::fs::read_to_string(root.join("q2-rubric.json")).unwrap()).unwrap();
    // 100 s answers: the samples in turn, 1.5 s of silence between them.
    let mut answer = Vec::with_capacity(ANSWER_SECONDS * 16_000);
    let mut i = 0;
    while answer.len() < ANSWER_SECONDS * 16_000 {
        answer.extend_from_slice(&samples[i % 2].samples);
        answer.extend(std::iter::repeat_n(0.0, 24_000));
        i += 1;
    }
    answer.truncate(ANSWER_SECONDS * 16_000);
    let answer = Audio { samples: answer };

    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let started = Instant::now();
    let runtime = Runtime::load(manifest::AssetStore::locate().unwrap()).unwrap();
    let mut scorer = Scorer::load(&runtime, models, threads).unwrap();
    *scorer.decoding_mut() = Decoding { fallback, ..Decoding::default() };
    let load_s = started.elapsed().as_secs_f64();

    let (mut worst, mut asr_ms, mut enc_ms, mut dec_ms) = (0.0f64, 0u64, 0.0, 0.0);
    let (mut windows, mut tokens, mut fallbacks) = (0, 0, 0);
    let started = Instant::now();
    for _ in 0..ANSWERS {
        let t = Instant::now();
        let result = scorer.score_answer(&answer, &rubric, Lang::ZhCn).unwrap();
        worst = worst.max(t.elapsed().as_secs_f64());
        let a = result.times.asr;
        asr_ms += result.times.asr_ms;
        enc_ms += a.encoder_ms;
        dec_ms += a.decoder_ms;
        windows += a.windows;
        tokens += a.tokens;
        fallbacks += a.fallbacks;
    }
    Measured {
        load_s,
        interview_s: started.elapsed().as_secs_f64(),
        worst_answer_s: worst,
        asr_s: asr_ms as f64 / 1e3,
        encoder_ms: enc_ms / f64::from(windows.max(1)),
        decoder_ms_per_token: dec_ms / f64::from(tokens.max(1)),
        windows,
        fallbacks,
        peak_mb: peak_rss_mb(),
    }
}

/// faster-whisper on the same answers, if its venv is there: the ASR seconds for all of them.
fn faster_whisper() -> Option<f64> {
    let python = std::env::var_os("FASTER_WHISPER_PYTHON")?;
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = manifest::AssetStore::locate().unwrap();
    let output = Command::new(python)
        .arg(here.join("benches/asr_faster_whisper.py"))
        .arg(&store.location().dir)
        .arg(here.join("../../../.cache/downloads"))
        .arg(samples_dir())
        .arg(ANSWERS.to_string())
        .output()
        .expect("faster-whisper peer");
    assert!(output.status.success(), "faster-whisper: {}", String::from_utf8_lossy(&output.stderr));
    let line = String::from_utf8_lossy(&output.stdout);
    let value: serde_json::Value = serde_json::from_str(line.trim().lines().last().unwrap_or("")).unwrap();
    value["asr_s"].as_f64()
}

fn main() {
    if let Some(option) = std::env::var_os(OPTION) {
        let option = option.to_string_lossy().into_owned();
        let (models, fallback) = option.split_once('/').unwrap();
        let measured = measure(models.parse().unwrap(), fallback.parse().unwrap());
        println!("{}", serde_json::to_string(&measured).unwrap());
        return;
    }
    let me = std::env::current_exe().unwrap();
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>9} {:>10} {:>9} {:>8} {:>8}",
        "models / fallback", "interview", "last→rep.", "ASR s", "enc ms", "ms/token", "fallbacks", "peak MB", "load s"
    );
    let mut rows = Vec::new();
    for (models, fallback) in OPTIONS {
        let name = format!("{models}/{}", serde_json::to_value(fallback).unwrap().as_str().unwrap());
        let output = Command::new(&me).env(OPTION, &name).output().unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let m: Measured =
            serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim().lines().last().unwrap()).unwrap();
        println!(
            "{:<22} {:>8.1} s {:>8.1} s {:>8.1} {:>9.0} {:>10.1} {:>4}/{:<4} {:>8.0} {:>8.1}",
            name,
            m.interview_s,
            m.worst_answer_s,
            m.asr_s,
            m.encoder_ms,
            m.decoder_ms_per_token,
            m.fallbacks,
            m.windows,
            m.peak_mb,
            m.load_s
        );
        rows.push((name, m));
    }
    println!();
    println!(
        "a 10-minute interview: {ANSWERS} answers of {ANSWER_SECONDS} s; targets: interview <= 30 s with the default"
    );
    println!("models, peak memory of a scoring worker <= 700 MB");
    match faster_whisper() {
        Some(theirs) => {
            println!("faster-whisper 1.2.1 (CTranslate2 4.8.5, int8, greedy), ASR of the same answers: {theirs:.1} s");
            for (name, m) in &rows {
                println!("  ours / faster-whisper, ASR stage, {name:<20} {:>6.2}   (target <= 0.5)", m.asr_s / theirs);
            }
        }
        None => println!("(faster-whisper not run: FASTER_WHISPER_PYTHON unset; `make bench` sets it)"),
    }
}
