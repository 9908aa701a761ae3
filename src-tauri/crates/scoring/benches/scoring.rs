//! A 10-minute interview (6 answers of 100 s, made of the bundled Mandarin sample answers with
//! pauses between them) scored on this machine's CPU with Whisper base. Prints a table: the
//! time per stage and per answer, the whole interview scored after the fact, the time from the
//! last answer to the report when answers are scored as they are committed, the encoder and
//! per-token decoder times (to compare with Python onnxruntime on the same ONNX files:
//! `benches/asr_python.py`), and the peak memory. Run with `make bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use interview::Lang;
use scoring::audio::Audio;
use scoring::rubric::Rubric;
use scoring::{Runtime, Scorer};

const ANSWER_SECONDS: usize = 100;
const ANSWERS: usize = 6;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../assets/samples/demo");
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
    let mut scorer = Scorer::load(&runtime, threads).unwrap();
    let load_s = started.elapsed().as_secs_f64();

    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>8} {:>10} {:>12} {:>7}",
        "answer", "VAD s", "mel s", "enc s", "dec s", "tokens", "ms/token", "total s"
    );
    let mut per_answer = Vec::new();
    let (mut enc_ms, mut windows, mut dec_ms, mut tokens) = (0.0, 0, 0.0, 0);
    let started = Instant::now();
    for n in 1..=ANSWERS {
        let t = Instant::now();
        let result = scorer.score_answer(&answer, &rubric, Lang::ZhCn).unwrap();
        let total = t.elapsed().as_secs_f64();
        let a = result.times.asr;
        println!(
            "{:<10} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10} {:>12.1} {:>7.1}",
            n,
            result.times.vad_ms as f64 / 1e3,
            a.mel_ms / 1e3,
            a.encoder_ms / 1e3,
            a.decoder_ms / 1e3,
            a.tokens,
            a.decoder_ms / f64::from(a.tokens.max(1)),
            total
        );
        per_answer.push(total);
        enc_ms += a.encoder_ms;
        windows += a.windows;
        dec_ms += a.decoder_ms;
        tokens += a.tokens;
    }
    let interview_s = started.elapsed().as_secs_f64();
    let worst = per_answer.iter().copied().fold(0.0, f64::max);
    println!();
    println!("{:<58} {:>8.1} s", "models loaded (runtime, Whisper base, VAD)", load_s);
    println!(
        "{:<58} {:>8.1} s   (target <= 60 s)",
        "10-minute interview (6 x 100 s) scored after the fact", interview_s
    );
    println!(
        "{:<58} {:>8.1} s   (each answer scored while the next is recorded; fits if < {ANSWER_SECONDS} s)",
        "last answer to report, pipelined", worst
    );
    println!("{:<58} {:>8.0} ms", "encoder per 30 s window (mean)", enc_ms / f64::from(windows.max(1)));
    println!("{:<58} {:>8.1} ms", "decoder per token (mean, KV cache)", dec_ms / f64::from(tokens.max(1)));
    println!("{:<58} {:>8.0} MB   (target <= 1536 MB)", "peak memory (VmHWM)", peak_rss_mb());
    println!("{:<58} {:>8}", "threads", threads);
}
