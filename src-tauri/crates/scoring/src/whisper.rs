//! Speech recognition with the converted Whisper model: the encoder once per 30-second window
//! (it also returns every decoder layer's cross-attention keys and values), then greedy decoding
//! one token at a time over a self-attention KV cache, with Whisper's timestamp rules, so that
//! the transcript comes in segments with their times in the recording.
//!
//! Decoding is greedy (temperature 0) and therefore deterministic: the same audio and the same
//! model files give the same transcript.

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
/// A run of tokens repeated this often in a row at the end of the output is a decoding loop.
const LOOP_REPEATS: usize = 4;
/// The longest repeated run looked for, in tokens.
const LOOP_PERIOD: usize = 16;

/// If `tokens` ends with one run repeated [`LOOP_REPEATS`] times or more (and at least 8 tokens
/// in all, so "谢谢谢谢" stays), how many tokens to drop to keep a single occurrence.
fn repeated_tail(tokens: &[u32]) -> Option<usize> {
    for period in 1..=LOOP_PERIOD {
        if period * LOOP_REPEATS > tokens.len() || period * LOOP_REPEATS < 8 {
            continue;
        }
        let tail = &tokens[tokens.len() - period..];
        let mut repeats = 1;
        while repeats * period + period <= tokens.len()
            && &tokens[tokens.len() - (repeats + 1) * period..tokens.len() - repeats * period] == tail
        {
            repeats += 1;
        }
        if repeats >= LOOP_REPEATS {
            return Some((repeats - 1) * period);
        }
    }
    None
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
}

pub struct Whisper {
    /// Timings of the last transcription.
    pub stats: AsrStats,
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
        self.transcribe_with_progress(audio, language, &mut |_| {})
    }

    /// The same, reporting the share of the recording done (0.0–1.0) after each window.
    pub fn transcribe_with_progress(
        &mut self,
        audio: &Audio,
        language: Lang,
        progress: &mut dyn FnMut(f32),
    ) -> Result<Vec<Segment>> {
        self.stats = AsrStats::default();
        self.language_check = None;
        let started = std::time::Instant::now();
        let mel = LogMel::compute(&audio.samples, &self.filters);
        self.stats.mel_ms = started.elapsed().as_secs_f64() * 1e3;
        let mut segments = Vec::new();
        let mut seek = 0usize;
        while seek < mel.frames {
            let window_frames = FRAMES_PER_WINDOW.min(mel.frames - seek);
            let offset_ms = (seek * HOP * 1000 / SAMPLE_RATE as usize) as u32;
            let (tokens, logprobs, no_speech) = self.decode_window(&mel.window(seek), language)?;
            let (mut found, advance) = self.split_segments(&tokens, &logprobs, no_speech, offset_ms, window_frames);
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
    /// no-speech probability.
    fn decode_window(&mut self, mel: &[f32], language: Lang) -> Result<(Vec<u32>, Vec<f32>, f32)> {
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

        let decoder_name = "whisper decoder";
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
        let prompt = vec![specials.start_of_transcript, language_token, specials.transcribe];
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
        let mut tokens = prompt.clone();
        let mut logprobs: Vec<f32> = Vec::new();
        let mut step: Vec<i64> = prompt.iter().map(|&t| i64::from(t)).collect();
        let mut offset = 0i64;
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

            let (token, logprob) = self.next_token(logits, &tokens[sample_begin..]);
            if token == specials.end_of_text {
                break;
            }
            tokens.push(token);
            logprobs.push(logprob);
            if let Some(extra) = repeated_tail(&tokens[sample_begin..]) {
                // Greedy decoding has fallen into a loop ("以后,以后,以后,…"): keep one
                // occurrence and end the window, as no speech is transcribed that way.
                tracing::debug!(extra, "whisper repetition cut");
                tokens.truncate(tokens.len() - extra);
                logprobs.truncate(logprobs.len() - extra);
                self.stats.repetitions_cut += 1;
                break;
            }
            step = vec![i64::from(token)];
        }
        Ok((tokens.split_off(sample_begin), logprobs, no_speech))
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
    fn next_token(&self, mut logits: Vec<f32>, sampled: &[u32]) -> (u32, f32) {
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
        let (token, best) = logits
            .iter()
            .enumerate()
            .fold((s.end_of_text, f32::NEG_INFINITY), |best, (i, &l)| if l > best.1 { (i as u32, l) } else { best });
        // Its log-probability among what the rules allowed (the reference's `sum_logprobs`).
        let log_sum = logits.iter().map(|&l| (l - best).exp()).sum::<f32>().ln() + best;
        (token, if best.is_finite() { best - log_sum } else { f32::NEG_INFINITY })
    }

    /// Cuts a window's tokens into timed segments; returns them and how many frames to advance.
    fn split_segments(
        &self,
        tokens: &[u32],
        logprobs: &[f32],
        no_speech_prob: f32,
        offset_ms: u32,
        window_frames: usize,
    ) -> (Vec<Segment>, usize) {
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
            // Continue from the last complete segment's end (timestamps are 2 frames each).
            tokens.get(last.saturating_sub(1)).map_or(window_frames, |&t| ((t - tb) * 2) as usize)
        };
        (segments, advance)
    }
}

#[cfg(test)]
mod loop_tests {
    use super::repeated_tail;

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
    }
}
