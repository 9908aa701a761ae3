//! `interview-kiosk eval SET [--speak]`: scores a labelled set and compares the AI's levels with
//! the people's (see `scoring::eval` for the set format). HR staff use it to try a rubric before
//! using it; the project uses it to report accuracy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use flow::FlowError;
use flow::scoring::read_rubric;
use interview::Lang;
use pinyin::ToPinyin;
use scoring::audio::Audio;
use scoring::eval::{Agreement, LabelledSet, agreement, errors};
use scoring::rubric::GenericPhrasing;
use scoring::whisper::Segment;

use crate::error::ShellError;
use crate::selftest::t;
use flow::scoring::load_scorer;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The directory holding `set.toml`.
    set: PathBuf,
    /// Speak each text answer with espeak-ng and score the recording through speech recognition.
    #[arg(long)]
    speak: bool,
    /// The speech recognition models: int8 (the default) or float.
    #[arg(long, value_name = "int8|float", default_value = "int8")]
    models: interview::RecognitionModels,
    /// When a window is decoded again at rising temperatures: off, repetition (the product's
    /// default) or reference (also when recognition is unsure, as the reference implementation).
    #[arg(long, value_name = "off|repetition|reference", default_value = "repetition")]
    fallback: scoring::whisper::Fallback,
    /// Give the set's question to speech recognition as context (a measurement; off in the
    /// product).
    #[arg(long)]
    question_context: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, serde::Serialize)]
struct Report {
    items: usize,
    scored_from_audio: usize,
    dimensions: Vec<Agreement>,
    /// Over every (dimension, item) pair.
    overall: Agreement,
    /// Word error rate (English) or character error rate (Chinese), where references exist.
    error_rate: Option<f64>,
    /// Every (answer, dimension) where the AI's level is two or more from the person's: what a
    /// rubric author looks at first.
    disagreements: Vec<Disagreement>,
    /// The rubric's phrasings that unrelated sentences also match (`scoring::rubric::generic_phrasings`).
    generic_phrasings: Vec<GenericPhrasing>,
    /// Key points found in what recognition heard, checked against the words actually said.
    evidence: Vec<HeardEvidence>,
    /// With `--speak`: the unrelated sentences spoken and scored against the rubric.
    chance: Option<ChanceMatches>,
    /// Speech recognition over the set's recordings (not the unrelated sentences).
    recognition: Recognition,
}

/// What speech recognition did over the set: the models, windows decoded, how many of them needed
/// the temperature fallback and how many of those found no better decoding, and the time spent.
#[derive(Debug, Default, serde::Serialize)]
struct Recognition {
    models: String,
    fallback: scoring::whisper::Fallback,
    question_context: bool,
    windows: u32,
    fallbacks: u32,
    fallbacks_failed: u32,
    asr_ms: u64,
}

/// How often a key point is found in speech that has nothing to do with the question: each of
/// the unrelated sentences (`scoring::rubric::unrelated_sentences`) spoken with espeak-ng, heard by
/// speech recognition and scored against the set's rubric; beside it, the same sentences as text.
#[derive(Debug, serde::Serialize)]
struct ChanceMatches {
    sentences: usize,
    key_points: usize,
    /// (key point, sentence) pairs checked: `sentences × key_points`.
    checks: usize,
    found_in_speech: usize,
    /// Of those, how many came only from quotes marked uncertain.
    found_in_speech_uncertain: usize,
    found_in_text: usize,
    /// Each key point found in speech: (sentence, what recognition heard, key point, uncertain).
    examples: Vec<(String, String, String, bool)>,
}

impl ChanceMatches {
    fn rate(found: usize, checks: usize) -> f64 {
        if checks == 0 { 0.0 } else { found as f64 / checks as f64 }
    }
}

/// Speaks every unrelated sentence and scores it against `rubric` (see [`ChanceMatches`]).
fn chance_matches(
    scorer: &mut scoring::Scorer,
    rubric: &scoring::rubric::Rubric,
    language: Lang,
    question: Option<&str>,
    dir: &Path,
) -> Result<ChanceMatches, ShellError> {
    let sentences: Vec<&str> = scoring::rubric::unrelated_sentences(language).collect();
    let mut chance = ChanceMatches {
        sentences: sentences.len(),
        key_points: rubric.key_points.len(),
        checks: sentences.len() * rubric.key_points.len(),
        found_in_speech: 0,
        found_in_speech_uncertain: 0,
        found_in_text: 0,
        examples: Vec::new(),
    };
    for (i, sentence) in sentences.iter().enumerate() {
        let as_text = Segment { start_ms: 0, end_ms: 0, text: (*sentence).to_owned(), confidence: None };
        chance.found_in_text += scoring::rubric::score(rubric, &[as_text], language)
            .iter()
            .flat_map(|d| &d.evidence)
            .filter(|e| e.covered)
            .count();
        let wav = speak(sentence, language, dir, &format!("unrelated-{i}"))?;
        let result =
            scorer.score_answer_with_progress(&Audio::read_wav(&wav)?, rubric, language, question, &mut |_| {})?;
        let heard: String = result.transcript.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
        for e in result.dimensions.iter().flat_map(|d| &d.evidence).filter(|e| e.covered) {
            chance.found_in_speech += 1;
            chance.found_in_speech_uncertain += usize::from(e.uncertain);
            chance.examples.push(((*sentence).to_owned(), heard.clone(), e.key_point.clone(), e.uncertain));
        }
    }
    Ok(chance)
}

/// A key point found in speech: whether the words said (the item's reference) contain it too,
/// whether it is marked uncertain, and the lowest mean log-probability of the segments quoted.
#[derive(Debug, serde::Serialize)]
struct HeardEvidence {
    item: String,
    key_point: String,
    said: bool,
    uncertain: bool,
    avg_logprob: f32,
}

#[derive(Debug, serde::Serialize)]
struct Disagreement {
    item: String,
    dimension: String,
    human: u8,
    ai: f32,
    /// What speech recognition heard, when the answer was scored from audio.
    heard: Option<String>,
    /// The key points found: (phrasing, the stretch of the answer it matched).
    found: Vec<(String, String)>,
}

fn read_set(dir: &Path) -> Result<LabelledSet, ShellError> {
    let path = dir.join("set.toml");
    let text = std::fs::read_to_string(&path).map_err(|source| FlowError::Read { path: path.clone(), source })?;
    toml::from_str(&text).map_err(|e| ShellError::SetInvalid { path, detail: e.to_string() })
}

/// Tone-numbered pinyin for espeak-ng's `cmn-latn-pinyin` voice (its Mandarin dictionary lacks
/// most characters); punctuation becomes a pause.
fn to_pinyin(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => format!("{} ", p.with_tone_num_end()),
            None if c.is_ascii_alphanumeric() => c.to_string(),
            None => ", ".to_owned(),
        })
        .collect()
}

fn speak(text: &str, language: Lang, dir: &Path, id: &str) -> Result<PathBuf, ShellError> {
    let path = dir.join(format!("{id}.wav"));
    let (voice, input) = match language {
        Lang::ZhCn => ("cmn-latn-pinyin", to_pinyin(text)),
        Lang::En => ("en-us", text.to_owned()),
    };
    let status = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&path)
        .arg(input)
        .status()
        .map_err(|e| ShellError::Internal(format!("espeak-ng: {e} (installer/setup.sh installs it)")))?;
    if !status.success() {
        return Err(ShellError::Internal(format!("espeak-ng failed for {id}")));
    }
    Ok(path)
}

pub fn run(args: EvalArgs, lang: Lang) -> Result<(), ShellError> {
    let set = read_set(&args.set)?;
    let rubric = read_rubric(&args.set.join(&set.rubric))?;
    let language = set.language;
    let needs_asr = args.speak || set.items.iter().any(|i| i.audio.is_some());
    let mut scorer = if needs_asr { Some(load_scorer(args.models)?.0) } else { None };
    if let Some(scorer) = &mut scorer {
        scorer.decoding_mut().fallback = args.fallback;
        scorer.decoding_mut().question_context = args.question_context;
    }
    let mut recognition = Recognition {
        models: args.models.to_string(),
        fallback: args.fallback,
        question_context: args.question_context,
        ..Recognition::default()
    };
    let spoken = tempfile::tempdir().map_err(|e| ShellError::Internal(e.to_string()))?;
    let mut pairs: BTreeMap<String, Vec<(f32, u8)>> = BTreeMap::new();
    let (mut edits, mut reference_units, mut from_audio) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    let mut heard_evidence = Vec::new();
    for item in &set.items {
        let audio_path = match (&item.audio, &item.text) {
            (Some(audio), _) => Some(args.set.join(audio)),
            (None, Some(text)) if args.speak => Some(speak(text, language, spoken.path(), &item.id)?),
            _ => None,
        };
        let (dimensions, heard) = match (&audio_path, &mut scorer) {
            (Some(path), Some(scorer)) => {
                let audio = Audio::read_wav(path)?;
                let result = scorer.score_answer_with_progress(
                    &audio,
                    &rubric,
                    language,
                    set.question.as_deref(),
                    &mut |_| {},
                )?;
                from_audio += 1;
                recognition.windows += result.times.asr.windows;
                recognition.fallbacks += result.times.asr.fallbacks;
                recognition.fallbacks_failed += result.times.asr.fallbacks_failed;
                recognition.asr_ms += result.times.asr_ms;
                let heard: String = result.transcript.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
                if let Some(reference) = item.reference.as_ref().or(item.text.as_ref()) {
                    let (e, n) = errors(reference, &heard, language);
                    edits += e;
                    reference_units += n;
                    // Each key point found in speech, against the words said.
                    let said = Segment { start_ms: 0, end_ms: 0, text: reference.clone(), confidence: None };
                    let from_text = scoring::rubric::score(&rubric, &[said], language);
                    let said_points: Vec<&str> = from_text
                        .iter()
                        .flat_map(|d| &d.evidence)
                        .filter(|e| e.covered)
                        .map(|e| e.key_point.as_str())
                        .collect();
                    for e in result.dimensions.iter().flat_map(|d| &d.evidence).filter(|e| e.covered) {
                        let avg_logprob = result
                            .transcript
                            .iter()
                            .filter(|s| s.start_ms < e.end_ms.max(e.start_ms + 1) && s.end_ms > e.start_ms)
                            .filter_map(|s| s.confidence.map(|c| c.avg_logprob))
                            .fold(0.0f32, f32::min);
                        heard_evidence.push(HeardEvidence {
                            item: item.id.clone(),
                            key_point: e.key_point.clone(),
                            said: said_points.contains(&e.key_point.as_str()),
                            uncertain: e.uncertain,
                            avg_logprob,
                        });
                    }
                }
                (result.dimensions, Some(heard))
            }
            _ => {
                let text = item.text.clone().ok_or_else(|| ShellError::SetInvalid {
                    path: args.set.join("set.toml"),
                    detail: format!("item {} has neither text nor audio", item.id),
                })?;
                (
                    scoring::rubric::score(
                        &rubric,
                        &[Segment { start_ms: 0, end_ms: 0, text, confidence: None }],
                        language,
                    ),
                    None,
                )
            }
        };
        for (dimension, &human) in &item.levels {
            let scored = dimensions.iter().find(|d| &d.dimension == dimension);
            let ai = scored.map_or(1.0, |d| d.level);
            pairs.entry(dimension.clone()).or_default().push((ai, human));
            // Rounded as the agreement figures round it.
            if (ai.round().clamp(1.0, 5.0) as u8).abs_diff(human) >= 2 {
                disagreements.push(Disagreement {
                    item: item.id.clone(),
                    dimension: dimension.clone(),
                    human,
                    ai,
                    heard: heard.clone(),
                    found: scored
                        .map(|d| {
                            d.evidence
                                .iter()
                                .filter(|e| e.covered)
                                .map(|e| (e.phrasing.clone(), e.quote.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
    }
    let chance = match (&mut scorer, args.speak) {
        (Some(scorer), true) => {
            Some(chance_matches(scorer, &rubric, language, set.question.as_deref(), spoken.path())?)
        }
        _ => None,
    };
    let all: Vec<(f32, u8)> = pairs.values().flatten().copied().collect();
    let report = Report {
        items: set.items.len(),
        scored_from_audio: from_audio,
        dimensions: pairs.iter().map(|(d, p)| agreement(d, p)).collect(),
        overall: agreement("*", &all),
        error_rate: (reference_units > 0).then(|| edits as f64 / reference_units as f64),
        disagreements,
        generic_phrasings: scoring::rubric::generic_phrasings(&rubric, language),
        evidence: heard_evidence,
        chance,
        recognition,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| ShellError::Internal(e.to_string()))?);
        return Ok(());
    }
    println!(
        "{} {}, {} {}",
        report.items,
        t(lang, "条回答", "answers"),
        report.scored_from_audio,
        t(lang, "条经语音识别评分", "scored from audio")
    );
    for a in report.dimensions.iter().chain(std::iter::once(&report.overall)) {
        let name =
            if a.dimension == "*" { t(lang, "全部维度", "all dimensions").to_owned() } else { a.dimension.clone() };
        println!(
            "{name}: Spearman {}, {} {:.0}%, {} {:.0}% (n = {})",
            a.spearman.map_or_else(|| "—".to_owned(), |s| format!("{s:.2}")),
            t(lang, "完全一致", "exact"),
            a.exact * 100.0,
            t(lang, "相差不超过一级", "adjacent"),
            a.adjacent * 100.0,
            a.pairs
        );
        if a.dimension != "*" {
            println!("    {:>14}  1  2  3  4  5", t(lang, "人工↓ AI→", "human↓ AI→"));
            for (i, row) in a.confusion.iter().enumerate() {
                println!("    {:>14}{}", i + 1, row.iter().map(|c| format!("{c:>3}")).collect::<String>());
            }
        }
    }
    if let Some(rate) = report.error_rate {
        let name = match language {
            Lang::ZhCn => t(lang, "字错误率 CER", "character error rate (CER)"),
            Lang::En => t(lang, "词错误率 WER", "word error rate (WER)"),
        };
        println!("{name}: {:.1}%", rate * 100.0);
    }
    if report.scored_from_audio > 0 {
        let r = &report.recognition;
        println!(
            "{} {}: {} {}, {} {} ({} {}), {:.1} s",
            t(lang, "语音识别模型", "recognition models"),
            r.models,
            r.windows,
            t(lang, "个 30 秒窗口", "30-second windows"),
            r.fallbacks,
            t(lang, "个以更高温度重新解码", "decoded again at a higher temperature"),
            r.fallbacks_failed,
            t(lang, "个仍未成功", "of them without success"),
            r.asr_ms as f64 / 1e3
        );
    }
    if !report.evidence.is_empty() {
        let (said, not_said): (Vec<&HeardEvidence>, Vec<&HeardEvidence>) = report.evidence.iter().partition(|e| e.said);
        let marked = |list: &[&HeardEvidence]| list.iter().filter(|e| e.uncertain).count();
        println!(
            "{} {}: {} {} ({} {}), {} {} ({} {})",
            t(lang, "从语音中找到的要点", "key points found in speech"),
            report.evidence.len(),
            said.len(),
            t(lang, "条确实说过", "were said"),
            marked(&said),
            t(lang, "条被标为识别不确定", "marked uncertain"),
            not_said.len(),
            t(lang, "条并未说过", "were not said"),
            marked(&not_said),
            t(lang, "条被标为识别不确定", "marked uncertain")
        );
        println!(
            "    {}",
            t(
                lang,
                "按平均对数概率阈值：标记的（说过 / 未说过）",
                "by mean log-probability threshold: marked (said / not said)"
            )
        );
        for threshold in [-0.4f32, -0.5, -0.6, -0.7, -0.8, -0.9, -1.0, -1.2] {
            let below = |list: &[&HeardEvidence]| list.iter().filter(|e| e.avg_logprob < threshold).count();
            println!("    {threshold:>5.1}  {:>3} / {:<3}", below(&said), below(&not_said));
        }
    }
    if let Some(c) = &report.chance {
        println!(
            "{} {} × {} {}: {} {} {}/{} ({:.2}%; {} {}), {} {}/{} ({:.2}%)",
            c.sentences,
            t(lang, "句无关的话", "unrelated sentences"),
            c.key_points,
            t(lang, "个要点", "key points"),
            t(lang, "偶然匹配", "chance matches"),
            t(lang, "语音", "spoken"),
            c.found_in_speech,
            c.checks,
            ChanceMatches::rate(c.found_in_speech, c.checks) * 100.0,
            c.found_in_speech_uncertain,
            t(lang, "条被标为识别不确定", "marked uncertain"),
            t(lang, "文字", "as text"),
            c.found_in_text,
            c.checks,
            ChanceMatches::rate(c.found_in_text, c.checks) * 100.0,
        );
        for (sentence, heard, key_point, uncertain) in &c.examples {
            let mark = if *uncertain { t(lang, "（识别不确定）", " (uncertain)") } else { "" };
            println!("    {key_point}{mark} ← {heard}  [{sentence}]");
        }
    }
    if !report.disagreements.is_empty() {
        println!("{}", t(lang, "AI 与人工相差两级及以上：", "Where the AI is two or more levels from the person:"));
    }
    for d in &report.disagreements {
        println!("  {} {}: {} {}, AI {:.1}", d.item, d.dimension, t(lang, "人工", "human"), d.human, d.ai);
        if let Some(heard) = &d.heard {
            println!("    {} {heard}", t(lang, "识别结果：", "heard:"));
        }
        let found: Vec<String> = d.found.iter().map(|(phrasing, quote)| format!("{phrasing} ← {quote}")).collect();
        let none = t(lang, "（无）", "(none)");
        println!(
            "    {} {}",
            t(lang, "找到的要点：", "key points found:"),
            if found.is_empty() { none.to_owned() } else { found.join("; ") }
        );
    }
    if !report.generic_phrasings.is_empty() {
        println!(
            "{}",
            t(
                lang,
                "以下说法在与题目无关的句子里也能匹配到，过于笼统，请改得更具体：",
                "These phrasings also match sentences unrelated to the question; make them longer or more specific:"
            )
        );
    }
    for g in &report.generic_phrasings {
        println!(
            "  {} ({}): {}/{} {} “{}”",
            g.phrasing,
            g.key_point,
            g.matched,
            g.sentences,
            t(lang, "句，例如", "sentences, e.g."),
            g.example
        );
    }
    Ok(())
}
