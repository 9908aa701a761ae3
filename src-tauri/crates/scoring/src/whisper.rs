//! Speech recognition with the converted Whisper model: the encoder once per 30-second window
//! (it also returns every decoder layer's cross-attention keys and values), then greedy decoding
//! one token at a time over a self-attention KV cache, with Whisper's timestamp rules, so that
//! the transcript comes in segments with their times in the recording.
//!
//! Decoding is greedy (temperature 0) first. When a window's greedy pass failed — its text
//! compresses too well (a loop), its mean log-probability is too low, or it fell into a
//! repetition — it is decoded again by sampling at rising temperatures, as the reference
//! implementation does ([`FALLBACK_TEMPERATURES`]); the sampling is seeded from the window's
//! place in the recording, so the same audio and the same model files always give the same
//! transcript.

use interview::Lang;
use ort::session::Session;
use ort::value::{DynValue, Tensor};

use crate::audio::{Audio, SAMPLE_RATE};
use crate::error::{Result, ScoringError};
use crate::mel::{FRAMES_PER_WINDOW, HOP, LogMel, MelFilters, N_MELS};
use crate::runtime::Runtime;
use crate::tokenizer::Tokenizer;

/// At most this many tokens are generated per 30-second window (Whisper's `n_text_ctx / 2`).
const MAX_TOKENS: usize = 224;
/// A run of up to [`SHORT_PERIOD`] tokens repeated this often in a row at the end of the output
/// is a decoding loop.
const LOOP_REPEATS: usize = 4;
/// A longer run (a phrase or two segments, up to [`LOOP_PERIOD`] tokens) is one already when
/// repeated this often: nobody says the same 20 tokens three times over.
const LONG_LOOP_REPEATS: usize = 3;
const SHORT_PERIOD: usize = 16;
/// The longest repeated run looked for, in tokens.
const LOOP_PERIOD: usize = 48;

/// If `tokens` ends with one run repeated [`LOOP_REPEATS`] times or more (and at least 8 tokens
/// in all, so "谢谢谢谢" stays) — or a run longer than [`SHORT_PERIOD`] tokens
/// [`LONG_LOOP_REPEATS`] times — how many tokens to drop to keep a single occurrence.
fn repeated_tail(tokens: &[u32]) -> Option<usize> {
    for period in 1..=LOOP_PERIOD {
        let needed = if period <= SHORT_PERIOD { LOOP_REPEATS } else { LONG_LOOP_REPEATS };
        if period * needed > tokens.len() || period * needed < 8 {
            continue;
        }
        let tail = &tokens[tokens.len() - period..];
        let mut repeats = 1;
        while repeats * period + period <= tokens.len()
            && &tokens[tokens.len() - (repeats + 1) * period..tokens.len() - repeats * period] == tail
        {
            repeats += 1;
        }
        if repeats >= needed {
            return Some((repeats - 1) * period);
        }
    }
    None
}
/// The temperatures a window is decoded at again, in turn, when the greedy pass failed (the
/// reference implementation's schedule).
pub const FALLBACK_TEMPERATURES: [f32; 5] = [0.2, 0.4, 0.6, 0.8, 1.0];
/// After a loop was cut, the next window starts at least this many mel frames (1 s) later.
const MIN_ADVANCE_AFTER_LOOP: usize = 100;
/// A window whose text compresses better than this (zlib) is repetitive: a failed decoding.
const MAX_COMPRESSION_RATIO: f32 = 2.4;

/// How well `text` compresses (its length over its zlib-compressed length): ordinary speech is
/// about 1–2, a decoding loop far more.
pub fn compression_ratio(text: &str) -> f32 {
    use std::io::Write;
    if text.is_empty() {
        return 0.0;
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder.write_all(text.as_bytes()).and_then(|()| encoder.finish()).map_or(0, |c| c.len());
    text.len() as f32 / compressed.max(1) as f32
}

/// A small deterministic generator (SplitMix64) for sampling: seeded from the window's place, so a
/// fallback decoding is reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next_f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// What became of a window: its tokens, each token's log-probability, its no-speech probability,
/// and whether the decoding kept was cut out of a loop.
struct Decoded {
    tokens: Vec<u32>,
    logprobs: Vec<f32>,
    no_speech: f32,
    looped: bool,
    furthest: Option<u32>,
}

/// One decoding pass over a window.
#[derive(Clone, Debug)]
struct Attempt {
    tokens: Vec<u32>,
    logprobs: Vec<f32>,
    temperature: f32,
    /// The reference's `avg_logprob`: the sum of the sampled tokens' log-probabilities over
    /// their number plus one (the end of text).
    avg_logprob: f32,
    compression_ratio: f32,
    /// Cut because it fell into a repetition loop.
    looped: bool,
    /// The furthest timestamp token sampled before the loop was cut.
    furthest: Option<u32>,
}

impl Attempt {
    /// Whether this pass failed under `rule` (repetitive; with the reference's rule also too
    /// unsure), unless the window is silence (then nothing better will come of decoding it again).
    fn failed(&self, rule: Fallback, no_speech_prob: f32) -> bool {
        let failed = match rule {
            Fallback::Off => false,
            Fallback::Repetition => self.looped || self.compression_ratio > MAX_COMPRESSION_RATIO,
            Fallback::Reference => {
                self.looped
                    || self.compression_ratio > MAX_COMPRESSION_RATIO
                    || self.avg_logprob < interview::stored::MIN_AVG_LOGPROB
            }
        };
        failed && no_speech_prob <= interview::stored::MAX_NO_SPEECH_PROB
    }

    /// Whether what is left of this pass (after a loop was cut) is still repetitive.
    fn repetitive(&self) -> bool {
        self.compression_ratio > MAX_COMPRESSION_RATIO
    }
}

/// Each timestamp token is 20 ms (two mel frames).
const TIMESTAMP_MS: u32 = 20;
/// The first timestamp may be at most 1 s into the window.
const MAX_INITIAL_TIMESTAMP: u32 = 50;

/// A stretch of the transcript with its place in the recording.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Segment {
    pub start_ms: u32,
    pub end_ms: u32,
    pub text: String,
    /// How sure recognition was of this stretch (`None` for text that was typed, not heard).
    pub confidence: Option<Confidence>,
}

/// Whisper's own measures of a segment, as the reference implementation computes them: the
/// mean log-probability of its text tokens under the (greedy) decoding, and the probability the
/// model gave to "no speech" at the start of its 30-second window.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Confidence {
    pub avg_logprob: f32,
    pub no_speech_prob: f32,
}

impl Confidence {
    /// Below `interview::stored::MIN_AVG_LOGPROB` or above `MAX_NO_SPEECH_PROB` (the reference
    /// implementation's thresholds): a quote from such a stretch is marked uncertain wherever it
    /// is shown.
    pub fn is_low(self) -> bool {
        self.avg_logprob < interview::stored::MIN_AVG_LOGPROB
            || self.no_speech_prob > interview::stored::MAX_NO_SPEECH_PROB
    }
}

/// Names of the pinned assets the recogniser is made of (one model size).
#[derive(Clone, Copy, Debug)]
pub struct WhisperAssets {
    pub encoder: &'static str,
    pub decoder: &'static str,
}

pub const WHISPER_BASE: WhisperAssets =
    WhisperAssets { encoder: "whisper-base-encoder", decoder: "whisper-base-decoder" };

/// The same model with int8 weights (installer/quantize_whisper.py), the default.
pub const WHISPER_BASE_INT8: WhisperAssets =
    WhisperAssets { encoder: "whisper-base-encoder-int8", decoder: "whisper-base-decoder-int8" };

impl WhisperAssets {
    /// The assets of a vault's choice of recognition models.
    pub fn of(models: interview::RecognitionModels) -> WhisperAssets {
        match models {
            interview::RecognitionModels::Int8 => WHISPER_BASE_INT8,
            interview::RecognitionModels::Float => WHISPER_BASE,
        }
    }
}

/// Which language the recording sounds like, from the first 30 seconds (Whisper's language
/// tokens), checked against the language the job expects.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LanguageCheck {
    pub expected: Lang,
    pub expected_probability: f32,
    pub most_likely: String,
    pub most_likely_probability: f32,
}

/// Where the time of the last [`Whisper::transcribe`] went.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct AsrStats {
    pub windows: u32,
    pub tokens: u32,
    pub mel_ms: f64,
    pub encoder_ms: f64,
    pub decoder_ms: f64,
    /// Windows whose greedy decoding fell into a repetition loop and was cut.
    pub repetitions_cut: u32,
    /// Windows decoded again at a higher temperature because the greedy pass failed.
    pub fallbacks: u32,
    /// Windows where no pass succeeded (the best one was kept).
    pub fallbacks_failed: u32,
}

/// How windows are decoded. The defaults are the product's, chosen by measurement (README,
/// "Scoring speed and accuracy"); `interview-kiosk eval` can try the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Decoding {
    /// When a window is decoded again at rising temperatures.
    pub fallback: Fallback,
    /// Give the question's text to the decoder as context (`<|startofprev|>` and the text before
    /// each window's `<|startoftranscript|>`), as the reference implementation's initial prompt.
    pub question_context: bool,
}

/// When the greedy pass of a window counts as failed and the window is decoded again by
/// sampling at [`FALLBACK_TEMPERATURES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    /// Never: greedy only (loops are still cut).
    Off,
    /// When the greedy pass looped or its text compresses better than 2.4 (repetitive). A
    /// sampled pass is kept only if it passes the reference's whole test.
    #[default]
    Repetition,
    /// The reference implementation's rule: also when its mean log-probability is below −1.0.
    Reference,
}

impl std::str::FromStr for Fallback {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "off" => Ok(Fallback::Off),
            "repetition" => Ok(Fallback::Repetition),
            "reference" => Ok(Fallback::Reference),
            _ => Err(format!("expected off, repetition or reference (got {s:?})")),
        }
    }
}

pub struct Whisper {
    /// Timings of the last transcription.
    pub stats: AsrStats,
    /// How windows are decoded.
    pub decoding: Decoding,
    /// The language check of the last transcription.
    pub language_check: Option<LanguageCheck>,
    encoder: Session,
    decoder: Session,
    filters: MelFilters,
    tokenizer: Tokenizer,
    layers: usize,
    heads: i64,
    head_dim: i64,
    suppress: Vec<u32>,
    /// For the record kept with every score.
    pub version: String,
}

impl std::fmt::Debug for Whisper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Whisper").field("version", &self.version).finish_non_exhaustive()
    }
}

/// Tokens Whisper must never produce as text (its `suppress_tokens`: symbols that are mostly
/// speaker tags and sound descriptions in the training data).
const SUPPRESS: &[u32] = &[
    1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 359, 503, 522, 542, 873,
    893, 902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246, 3253, 3268, 3536, 3846, 3961, 4183, 4667, 6585, 6647,
    7273, 9061, 9383, 10428, 10929, 11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618, 16553, 16604, 18362,
    18956, 20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470, 36865, 42863, 47425, 49870,
    50254, 50258, 50358, 50359, 50360, 50361, 50362,
];

impl Whisper {
    pub fn load(runtime: &Runtime, assets: WhisperAssets, threads: usize) -> Result<Whisper> {
        let store = runtime.store();
        let filters = MelFilters::load(&store.verify("whisper-mel-filters")?.path)?;
        let tokenizer = Tokenizer::load(&store.verify("whisper-tokenizer")?.path)?;
        let encoder = runtime.session(assets.encoder, threads)?;
        let decoder = runtime.session(assets.decoder, threads)?;
        let layers = encoder.outputs().len() / 2;
        let shape_error = |detail: &str| ScoringError::Model { model: assets.encoder.into(), detail: detail.into() };
        let dims = encoder
            .outputs()
            .first()
            .and_then(|o| o.dtype().tensor_shape().map(|s| s.to_vec()))
            .ok_or_else(|| shape_error("no outputs"))?;
        let [_, heads, _, head_dim] = dims[..] else { return Err(shape_error("unexpected output shape")) };
        let version =
            store.manifest().get(assets.encoder).map(|a| format!("{} {}", a.name, a.version)).unwrap_or_default();
        let mut suppress = SUPPRESS.to_vec();
        suppress.push(tokenizer.specials.no_timestamps);
        Ok(Whisper {
            stats: AsrStats::default(),
            decoding: Decoding::default(),
            language_check: None,
            encoder,
            decoder,
            filters,
            tokenizer,
            layers,
            heads,
            head_dim,
            suppress,
            version,
        })
    }

    /// Transcribes a recording, 30 seconds at a time, in `language`.
    pub fn transcribe(&mut self, audio: &Audio, language: Lang) -> Result<Vec<Segment>> {
        self.transcribe_with_progress(audio, language, None, &mut |_| {})
    }

    /// The same, with the question's text as context when [`Decoding::question_context`] is on,
    /// reporting the share of the recording done (0.0–1.0) after each window.
    pub fn transcribe_with_progress(
        &mut self,
        audio: &Audio,
        language: Lang,
        question: Option<&str>,
        progress: &mut dyn FnMut(f32),
    ) -> Result<Vec<Segment>> {
        self.stats = AsrStats::default();
        self.language_check = None;
        // The reference's initial prompt: the text after a space, at most the last 223 tokens.
        let context: Vec<u32> = match question
            .map(str::trim)
            .filter(|q| self.decoding.question_context && !q.is_empty())
        {
            Some(text) => {
                let tokens = self.tokenizer.encode(&format!(" {text}"));
                let keep = tokens.len().saturating_sub(MAX_TOKENS - 1);
                std::iter::once(self.tokenizer.specials.start_of_prev).chain(tokens[keep..].iter().copied()).collect()
            }
            None => Vec::new(),
        };
        let started = std::time::Instant::now();
        let mel = LogMel::compute(&audio.samples, &self.filters);
        self.stats.mel_ms = started.elapsed().as_secs_f64() * 1e3;
        let mut segments = Vec::new();
        let mut seek = 0usize;
        while seek < mel.frames {
            let window_frames = FRAMES_PER_WINDOW.min(mel.frames - seek);
            let offset_ms = (seek * HOP * 1000 / SAMPLE_RATE as usize) as u32;
            // At most one fallback per 30 seconds of the recording, however often a loop comes
            // back when the window after it is decoded: bounded time whatever the audio.
            let may_fall_back = (self.stats.fallbacks as usize) < mel.frames.div_ceil(FRAMES_PER_WINDOW);
            let decoded = self.decode_window(&mel.window(seek), language, &context, seek as u64, may_fall_back)?;
            let (mut found, advance) = self.split_segments(&decoded, offset_ms, window_frames);
            segments.append(&mut found);
            seek += advance.max(1);
            progress((seek as f32 / mel.frames.max(1) as f32).min(1.0));
        }
        segments.retain(|s| !s.text.trim().is_empty());
        if language == Lang::ZhCn {
            for segment in &mut segments {
                segment.text = crate::chinese::to_simplified(&segment.text);
            }
        }
        Ok(segments)
    }

    /// One 30-second window: its tokens, each token's log-probability, and the window's
    /// no-speech probability. `place` (the window's first mel frame) seeds any sampling.
    fn decode_window(
        &mut self,
        mel: &[f32],
        language: Lang,
        context: &[u32],
        place: u64,
        may_fall_back: bool,
    ) -> Result<Decoded> {
        let specials = self.tokenizer.specials;
        let encoder_name = "whisper encoder";
        let input = Tensor::from_array(([1usize, N_MELS, FRAMES_PER_WINDOW], mel.to_vec()))
            .map_err(ScoringError::model(encoder_name))?;
        let started = std::time::Instant::now();
        let mut outputs = self.encoder.run(ort::inputs!["mel" => input]).map_err(ScoringError::model(encoder_name))?;
        self.stats.encoder_ms += started.elapsed().as_secs_f64() * 1e3;
        self.stats.windows += 1;
        let mut cross: Vec<(String, DynValue)> = Vec::with_capacity(self.layers * 2);
        for i in 0..self.layers {
            for kind in ["k", "v"] {
                let name = format!("cross_{kind}_{i}");
                let value = outputs.remove(&name).ok_or_else(|| ScoringError::Model {
                    model: encoder_name.into(),
                    detail: format!("output {name} missing"),
                })?;
                cross.push((name, value));
            }
        }
        drop(outputs);

        // The first step (`<|startoftranscript|>` alone) gives the language check and the
        // window's no-speech probability.
        let (check, no_speech) = self.check_language(&cross, language)?;
        if self.language_check.is_none() {
            self.language_check = Some(check);
        }
        let language_token = match language {
            Lang::ZhCn => specials.chinese,
            Lang::En => specials.english,
        };
        let prompt: Vec<u32> = context
            .iter()
            .copied()
            .chain([specials.start_of_transcript, language_token, specials.transcribe])
            .collect();
        let mut attempt = self.decode_pass(&cross, &prompt, 0.0, &mut SplitMix(place))?;
        if attempt.looped {
            self.stats.repetitions_cut += 1;
        }
        let rule = self.decoding.fallback;
        if may_fall_back && attempt.failed(rule, no_speech) {
            self.stats.fallbacks += 1;
            let mut tried = vec![attempt];
            for (i, &temperature) in FALLBACK_TEMPERATURES.iter().enumerate() {
                let mut rng = SplitMix(place.wrapping_mul(31).wrapping_add(i as u64 + 1));
                let next = self.decode_pass(&cross, &prompt, temperature, &mut rng)?;
                // A sampled pass must pass the reference's whole test: at a high temperature
                // a pass is rarely repetitive, but often improbable nonsense.
                let done = !next.failed(Fallback::Reference, no_speech);
                tried.push(next);
                if done {
                    break;
                }
            }
            let succeeded = tried.len() > 1 && tried.last().is_some_and(|a| !a.failed(Fallback::Reference, no_speech));
            if !succeeded {
                self.stats.fallbacks_failed += 1;
            }
            // The pass that succeeded; else, as faster-whisper does, the most probable of those
            // whose text (after any loop was cut) is not repetitive — or of all, if every one is.
            attempt = if succeeded {
                tried.pop().unwrap_or_else(|| unreachable!())
            } else {
                let any_plain = tried.iter().any(|a| !a.repetitive());
                tried
                    .into_iter()
                    .filter(|a| !any_plain || !a.repetitive())
                    .max_by(|a, b| a.avg_logprob.total_cmp(&b.avg_logprob))
                    .unwrap_or_else(|| unreachable!())
            };
            tracing::debug!(temperature = attempt.temperature, succeeded, "whisper fallback decoding");
        }
        Ok(Decoded {
            tokens: attempt.tokens,
            logprobs: attempt.logprobs,
            no_speech,
            looped: attempt.looped,
            furthest: attempt.furthest,
        })
    }

    /// Decodes a window from `prompt`: greedily at temperature 0, else by sampling from the
    /// distribution sharpened by `temperature`.
    fn decode_pass(
        &mut self,
        cross: &[(String, DynValue)],
        prompt: &[u32],
        temperature: f32,
        rng: &mut SplitMix,
    ) -> Result<Attempt> {
        let decoder_name = "whisper decoder";
        let specials = self.tokenizer.specials;
        let sample_begin = prompt.len();
        let mut past: Vec<(String, DynValue)> = Vec::with_capacity(self.layers * 2);
        for i in 0..self.layers {
            for kind in ["k", "v"] {
                let empty =
                    Tensor::<f32>::from_array(([1, self.heads as usize, 0, self.head_dim as usize], Vec::new()))
                        .map_err(ScoringError::model(decoder_name))?;
                past.push((format!("past_{kind}_{i}"), empty.into_dyn()));
            }
        }
        let mut tokens = prompt.to_vec();
        let mut logprobs: Vec<f32> = Vec::new();
        let mut step: Vec<i64> = prompt.iter().map(|&t| i64::from(t)).collect();
        let mut offset = 0i64;
        let mut looped = false;
        let mut sum_logprob = 0.0f32;
        // The text tokens sampled so far, with their place among the sampled tokens; the closed
        // segments (their range in `text`, the place of their closing timestamp) and where the
        // open one began in `text`.
        let mut text: Vec<(u32, usize)> = Vec::new();
        let mut segments: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
        let mut segment_opened = 0usize;
        // The furthest timestamp a pass reached before its loop was cut.
        let mut furthest: Option<u32> = None;
        while tokens.len() - sample_begin < MAX_TOKENS {
            let token_input =
                Tensor::from_array(([1usize, step.len()], step.clone())).map_err(ScoringError::model(decoder_name))?;
            let offset_input = Tensor::from_array(((), vec![offset])).map_err(ScoringError::model(decoder_name))?;
            let mut inputs: Vec<(std::borrow::Cow<'_, str>, ort::session::SessionInputValue<'_>)> =
                vec![("tokens".into(), token_input.into()), ("offset".into(), offset_input.into())];
            for (name, value) in past.iter().chain(cross.iter()) {
                inputs.push((name.as_str().into(), value.into()));
            }
            let started = std::time::Instant::now();
            let mut outputs = self.decoder.run(inputs).map_err(ScoringError::model(decoder_name))?;
            self.stats.decoder_ms += started.elapsed().as_secs_f64() * 1e3;
            self.stats.tokens += 1;
            let logits: Vec<f32> = outputs
                .get("logits")
                .ok_or_else(|| ScoringError::Model { model: decoder_name.into(), detail: "no logits".into() })?
                .try_extract_tensor::<f32>()
                .map_err(ScoringError::model(decoder_name))?
                .1
                .to_vec();
            let mut next_past = Vec::with_capacity(past.len());
            for (name, _) in &past {
                let present = name.replacen("past", "present", 1);
                let value = outputs.remove(&present).ok_or_else(|| ScoringError::Model {
                    model: decoder_name.into(),
                    detail: format!("output {present} missing"),
                })?;
                next_past.push((name.clone(), value));
            }
            drop(outputs);
            past = next_past;
            offset += step.len() as i64;

            let (token, logprob) = self.next_token(logits, &tokens[sample_begin..], temperature, rng);
            if token == specials.end_of_text {
                sum_logprob += logprob;
                break;
            }
            tokens.push(token);
            logprobs.push(logprob);
            sum_logprob += logprob;
            let at = tokens.len() - 1 - sample_begin;
            if token < specials.timestamp_begin {
                text.push((token, at));
            } else if at > 0 && tokens[sample_begin + at - 1] < specials.timestamp_begin {
                // A timestamp after text closes a segment. The same segment a third time in one
                // window is a loop even when what lies between differs a little ("以以为…",
                // "以以以为…"): keep everything up to the end of its first occurrence.
                let closing = &text[segment_opened..];
                let same: Vec<usize> = segments
                    .iter()
                    .filter(|(range, _)| text[range.clone()].iter().map(|t| t.0).eq(closing.iter().map(|t| t.0)))
                    .map(|&(_, end)| end)
                    .collect();
                if same.len() >= 2 && !closing.is_empty() {
                    // Through its closing timestamp and the next segment's opening one, so that
                    // the next window starts where the first occurrence ended.
                    let keep = (same[0] + 2).min(at);
                    tracing::debug!(temperature, "whisper repeated segment cut");
                    furthest = tokens[sample_begin..].iter().copied().filter(|&t| t >= specials.timestamp_begin).max();
                    tokens.truncate(sample_begin + keep);
                    logprobs.truncate(keep);
                    text.retain(|&(_, i)| i < keep);
                    looped = true;
                    break;
                }
                segments.push((segment_opened..text.len(), at));
            } else {
                segment_opened = text.len(); // a timestamp after a timestamp opens a segment
            }
            // Loops are looked for in the text alone: a loop of short segments
            // ("<|9.00|>契利可靠,<|10.00|><|10.00|>契利可靠,…") differs only in its timestamps.
            let text_tokens: Vec<u32> = text.iter().map(|&(t, _)| t).collect();
            if let Some(extra) = repeated_tail(&text_tokens) {
                // The decoding has fallen into a loop ("以后,以后,以后,…"): keep one occurrence
                // and end the window, as no speech is transcribed that way.
                tracing::debug!(extra, temperature, "whisper repetition cut");
                let keep = text[text.len() - extra].1;
                furthest = tokens[sample_begin..].iter().copied().filter(|&t| t >= specials.timestamp_begin).max();
                tokens.truncate(sample_begin + keep);
                logprobs.truncate(keep);
                looped = true;
                break;
            }
            step = vec![i64::from(token)];
        }
        let tokens = tokens.split_off(sample_begin);
        let text = self.tokenizer.decode(&tokens);
        if looped {
            // What was cut does not count.
            sum_logprob = logprobs.iter().sum();
        }
        Ok(Attempt {
            avg_logprob: sum_logprob / (tokens.len() + 1) as f32,
            compression_ratio: compression_ratio(&text),
            tokens,
            logprobs,
            temperature,
            looped,
            furthest,
        })
    }

    /// One decoder step after `<|startoftranscript|>` alone: the distribution over language
    /// tokens is Whisper's language identification.
    fn check_language(&mut self, cross: &[(String, DynValue)], expected: Lang) -> Result<(LanguageCheck, f32)> {
        let decoder_name = "whisper decoder";
        let specials = self.tokenizer.specials;
        let mut inputs: Vec<(std::borrow::Cow<'_, str>, ort::session::SessionInputValue<'_>)> = vec![
            (
                "tokens".into(),
                Tensor::from_array(([1usize, 1], vec![i64::from(specials.start_of_transcript)]))
                    .map_err(ScoringError::model(decoder_name))?
                    .into(),
            ),
            ("offset".into(), Tensor::from_array(((), vec![0i64])).map_err(ScoringError::model(decoder_name))?.into()),
        ];
        for i in 0..self.layers {
            for kind in ["k", "v"] {
                let empty =
                    Tensor::<f32>::from_array(([1, self.heads as usize, 0, self.head_dim as usize], Vec::new()))
                        .map_err(ScoringError::model(decoder_name))?;
                inputs.push((format!("past_{kind}_{i}").into(), empty.into()));
            }
        }
        for (name, value) in cross {
            inputs.push((name.as_str().into(), value.into()));
        }
        let outputs = self.decoder.run(inputs).map_err(ScoringError::model(decoder_name))?;
        let logits = outputs
            .get("logits")
            .ok_or_else(|| ScoringError::Model { model: decoder_name.into(), detail: "no logits".into() })?
            .try_extract_tensor::<f32>()
            .map_err(ScoringError::model(decoder_name))?
            .1
            .to_vec();
        let scores: Vec<(u32, f32)> =
            self.tokenizer.languages.iter().filter_map(|(id, _)| Some((*id, *logits.get(*id as usize)?))).collect();
        let max = scores.iter().map(|s| s.1).fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = scores.iter().map(|s| (s.1 - max).exp()).sum();
        let probability = |id: u32| scores.iter().find(|s| s.0 == id).map_or(0.0, |s| (s.1 - max).exp() / sum);
        let expected_token = match expected {
            Lang::ZhCn => specials.chinese,
            Lang::En => specials.english,
        };
        let (top, _) = scores.iter().copied().fold((0, f32::NEG_INFINITY), |b, s| if s.1 > b.1 { s } else { b });
        let code =
            self.tokenizer.languages.iter().find(|(id, _)| *id == top).map(|(_, c)| c.clone()).unwrap_or_default();
        // "No speech" over the whole vocabulary at this step, as the reference computes it.
        let all_max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let all_sum: f32 = logits.iter().map(|l| (l - all_max).exp()).sum();
        let no_speech = logits
            .get(specials.no_speech as usize)
            .map_or(0.0, |l| (l - all_max).exp() / all_sum.max(f32::MIN_POSITIVE));
        let check = LanguageCheck {
            expected,
            expected_probability: probability(expected_token),
            most_likely: code,
            most_likely_probability: probability(top),
        };
        Ok((check, no_speech))
    }

    /// Greedy choice under Whisper's rules: suppressed tokens, timestamps in pairs and never
    /// going back, a first timestamp within a second, and a timestamp whenever all timestamps
    /// together are more likely than any single text token.
    fn next_token(&self, mut logits: Vec<f32>, sampled: &[u32], temperature: f32, rng: &mut SplitMix) -> (u32, f32) {
        let s = self.tokenizer.specials;
        let tb = s.timestamp_begin as usize;
        let eot = s.end_of_text as usize;
        let vocab = logits.len();
        for &t in &self.suppress {
            if let Some(l) = logits.get_mut(t as usize) {
                *l = f32::NEG_INFINITY;
            }
        }
        let is_ts = |t: u32| t >= s.timestamp_begin;
        let last_was_ts = sampled.last().is_some_and(|&t| is_ts(t));
        let penultimate_was_ts = sampled.len() < 2 || sampled.get(sampled.len() - 2).is_some_and(|&t| is_ts(t));
        if sampled.is_empty() {
            // Begin with a timestamp, within the first second; never with a blank or the end.
            logits[..tb].fill(f32::NEG_INFINITY);
            if let Some(rest) = logits.get_mut(tb + MAX_INITIAL_TIMESTAMP as usize + 1..) {
                rest.fill(f32::NEG_INFINITY);
            }
        } else if last_was_ts {
            if penultimate_was_ts {
                logits[tb..].fill(f32::NEG_INFINITY); // a pair is closed: text next
            } else {
                logits[..eot].fill(f32::NEG_INFINITY); // a pair is open: a timestamp or the end
            }
        }
        if let Some(&last_ts) = sampled.iter().rev().find(|&&t| is_ts(t)) {
            let floor = if last_was_ts && !penultimate_was_ts { last_ts } else { last_ts + 1 };
            logits[tb..(floor as usize).min(vocab)].fill(f32::NEG_INFINITY);
        }
        // If the timestamps together outweigh the best text token, take a timestamp.
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        if max.is_finite() {
            let log_sum = |range: &[f32]| -> f32 {
                let sum: f32 = range.iter().map(|&l| (l - max).exp()).sum();
                sum.ln() + max
            };
            let ts_mass = log_sum(&logits[tb..]);
            let best_text = logits[..tb].iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if ts_mass > best_text {
                logits[..tb].fill(f32::NEG_INFINITY);
            }
        }
        let (greedy, best) = logits
            .iter()
            .enumerate()
            .fold((s.end_of_text, f32::NEG_INFINITY), |best, (i, &l)| if l > best.1 { (i as u32, l) } else { best });
        if !best.is_finite() {
            return (greedy, f32::NEG_INFINITY);
        }
        let token = if temperature > 0.0 {
            // Sampling from softmax(logits / temperature) over what the rules allowed.
            let weights: Vec<f32> = logits.iter().map(|&l| ((l - best) / temperature).exp()).collect();
            let mut target = rng.next_f32() * weights.iter().sum::<f32>();
            let mut chosen = greedy;
            for (i, &w) in weights.iter().enumerate() {
                if w > 0.0 {
                    chosen = i as u32;
                    if target < w {
                        break;
                    }
                    target -= w;
                }
            }
            chosen
        } else {
            greedy
        };
        // Its log-probability among what the rules allowed (the reference's `sum_logprobs`).
        let log_sum = logits.iter().map(|&l| (l - best).exp()).sum::<f32>().ln() + best;
        (token, logits[token as usize] - log_sum)
    }

    /// Cuts a window's tokens into timed segments; returns them and how many frames to advance.
    fn split_segments(&self, decoded: &Decoded, offset_ms: u32, window_frames: usize) -> (Vec<Segment>, usize) {
        let (tokens, logprobs, no_speech_prob) = (&decoded.tokens[..], &decoded.logprobs[..], decoded.no_speech);
        let tb = self.tokenizer.specials.timestamp_begin;
        let is_ts = |t: u32| t >= tb;
        let ms = |t: u32| offset_ms + (t - tb) * TIMESTAMP_MS;
        // The mean log-probability of the text tokens in `range` of the window's tokens.
        let confidence = |range: std::ops::Range<usize>| {
            let text: Vec<f32> =
                range.filter(|&i| !is_ts(tokens[i])).filter_map(|i| logprobs.get(i).copied()).collect();
            let avg_logprob = if text.is_empty() { 0.0 } else { text.iter().sum::<f32>() / text.len() as f32 };
            Some(Confidence { avg_logprob, no_speech_prob })
        };
        let single_ending = tokens.len() >= 2 && !is_ts(tokens[tokens.len() - 2]) && is_ts(tokens[tokens.len() - 1]);
        let mut cuts: Vec<usize> = (1..tokens.len()).filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i])).collect();
        let mut segments = Vec::new();
        if cuts.is_empty() {
            let text = self.tokenizer.decode(tokens);
            let end = tokens.iter().rev().find(|&&t| is_ts(t) && t != tb).map(|&t| ms(t));
            let duration_ms = (window_frames * HOP * 1000 / SAMPLE_RATE as usize) as u32;
            segments.push(Segment {
                start_ms: offset_ms,
                end_ms: end.unwrap_or(offset_ms + duration_ms),
                text,
                confidence: confidence(0..tokens.len()),
            });
            return (segments, window_frames);
        }
        if single_ending {
            cuts.push(tokens.len());
        }
        let mut last = 0;
        for &cut in &cuts {
            let slice = &tokens[last..cut];
            if let (Some(&first), Some(&end)) = (slice.first(), slice.last())
                && is_ts(first)
                && is_ts(end)
            {
                segments.push(Segment {
                    start_ms: ms(first),
                    end_ms: ms(end),
                    text: self.tokenizer.decode(slice),
                    confidence: confidence(last..cut),
                });
            }
            last = cut;
        }
        let advance = if single_ending {
            window_frames
        } else {
            // Continue from the last complete segment's end (timestamps are 2 frames each) or,
            // after a loop was cut, from the furthest timestamp the looping pass reached: the looped
            // stretch is not decoded again, what follows it is. A loop that got less than a second
            // in consumes the window (it would only loop again).
            let end = tokens.get(last.saturating_sub(1)).map_or(window_frames, |&t| ((t - tb) * 2) as usize);
            let furthest = decoded.furthest.map_or(0, |t| ((t - tb) * 2) as usize).min(window_frames);
            let next = end.max(furthest);
            if decoded.looped && next < MIN_ADVANCE_AFTER_LOOP { window_frames } else { next }
        };
        (segments, advance)
    }
}

#[cfg(test)]
mod loop_tests {
    use super::{compression_ratio, repeated_tail};

    #[test]
    fn loops_compress_far_better_than_speech() {
        let speech = "我会先请他坐下，认真倾听他的诉求，然后按规定一步一步解释办理流程。";
        assert!(compression_ratio(speech) < 1.5, "{}", compression_ratio(speech));
        let looped = "契利可靠,".repeat(12);
        assert!(compression_ratio(&looped) > 2.4, "{}", compression_ratio(&looped));
        assert_eq!(compression_ratio(""), 0.0);
    }

    #[test]
    fn a_decoding_loop_is_cut_to_one_occurrence() {
        // "以后," as two tokens, eight times after some real text.
        let mut tokens = vec![10, 11, 12, 13];
        for _ in 0..8 {
            tokens.extend([40, 41]);
        }
        assert_eq!(repeated_tail(&tokens), Some(14));
        // A single token repeated: cut when it is long enough to be a loop (runs of at least
        // eight tokens are looked for, so two of it stay).
        assert_eq!(repeated_tail(&[7; 12]), Some(10));
        // Ordinary repetition in speech ("谢谢谢谢", "好的好的好的") is left alone.
        assert_eq!(repeated_tail(&[5, 5, 5, 5]), None);
        assert_eq!(repeated_tail(&[1, 2, 3, 1, 2, 3, 1, 2, 3]), None);
        assert_eq!(repeated_tail(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
        // Two segments of ten tokens each, over and over: three times is a loop, twice is not.
        let phrase: Vec<u32> = (100..120).collect();
        assert_eq!(repeated_tail(&phrase.repeat(3)), Some(40));
        assert_eq!(repeated_tail(&phrase.repeat(2)), None);
    }
}
