//! Voice activity detection with Silero VAD v5: a speech probability for every 32 ms, turned
//! into speech spans with hysteresis (Silero's own `get_speech_timestamps` rules).

use ort::session::Session;
use ort::value::{DynValue, Tensor};

use crate::audio::{Audio, SAMPLE_RATE};
use crate::error::{Result, ScoringError};
use crate::runtime::Runtime;

/// Samples per VAD frame (32 ms at 16 kHz) and the context the model is given before it.
const FRAME: usize = 512;
const CONTEXT: usize = 64;
const FRAME_MS: u32 = (FRAME as u32 * 1000) / SAMPLE_RATE;

/// The tunable thresholds (Silero's defaults).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VadSettings {
    /// A frame at or above this probability starts or continues speech.
    pub threshold: f32,
    /// Speech ends only after the probability stays below `threshold - 0.15` this long.
    pub min_silence_ms: u32,
    /// Shorter bursts are not speech.
    pub min_speech_ms: u32,
    /// Added to both ends of each span.
    pub pad_ms: u32,
}

impl Default for VadSettings {
    fn default() -> Self {
        VadSettings { threshold: 0.5, min_silence_ms: 100, min_speech_ms: 250, pad_ms: 30 }
    }
}

/// A stretch of speech in the recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SpeechSpan {
    pub start_ms: u32,
    pub end_ms: u32,
}

impl SpeechSpan {
    pub fn duration_ms(&self) -> u32 {
        self.end_ms - self.start_ms
    }
}

pub struct Vad {
    session: Session,
    pub settings: VadSettings,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad").field("settings", &self.settings).finish_non_exhaustive()
    }
}

const MODEL: &str = "silero-vad";

impl Vad {
    pub fn load(runtime: &Runtime) -> Result<Vad> {
        Ok(Vad { session: runtime.session(MODEL, 1)?, settings: VadSettings::default() })
    }

    /// The speech probability of every 32 ms frame.
    pub fn probabilities(&mut self, audio: &Audio) -> Result<Vec<f32>> {
        let err = |e: ort::Error| ScoringError::Model { model: MODEL.into(), detail: e.to_string() };
        let mut state: DynValue =
            Tensor::<f32>::from_array(([2usize, 1, 128], vec![0.0; 256])).map_err(err)?.into_dyn();
        let sr = Tensor::from_array(((), vec![i64::from(SAMPLE_RATE)])).map_err(err)?;
        let mut context = vec![0.0f32; CONTEXT];
        let mut probabilities = Vec::with_capacity(audio.samples.len() / FRAME + 1);
        let mut input = vec![0.0f32; CONTEXT + FRAME];
        for chunk in audio.samples.chunks(FRAME) {
            input[..CONTEXT].copy_from_slice(&context);
            input[CONTEXT..CONTEXT + chunk.len()].copy_from_slice(chunk);
            input[CONTEXT + chunk.len()..].fill(0.0);
            context.copy_from_slice(&input[FRAME..]);
            let tensor = Tensor::from_array(([1usize, CONTEXT + FRAME], input.clone())).map_err(err)?;
            let mut outputs =
                self.session.run(ort::inputs!["input" => tensor, "state" => &state, "sr" => &sr]).map_err(err)?;
            let p = outputs
                .get("output")
                .ok_or_else(|| ScoringError::Model { model: MODEL.into(), detail: "no output".into() })?
                .try_extract_tensor::<f32>()
                .map_err(err)?
                .1
                .first()
                .copied()
                .unwrap_or(0.0);
            probabilities.push(p);
            state = outputs
                .remove("stateN")
                .ok_or_else(|| ScoringError::Model { model: MODEL.into(), detail: "no state".into() })?;
        }
        Ok(probabilities)
    }

    /// The speech spans of a recording.
    pub fn speech(&mut self, audio: &Audio) -> Result<Vec<SpeechSpan>> {
        let probabilities = self.probabilities(audio)?;
        Ok(spans(&probabilities, &self.settings, audio.duration_ms() as u32))
    }
}

/// Hysteresis over frame probabilities (pure, so it is tested on its own).
pub fn spans(probabilities: &[f32], s: &VadSettings, duration_ms: u32) -> Vec<SpeechSpan> {
    let negative = s.threshold - 0.15;
    let mut out = Vec::new();
    let mut start: Option<u32> = None;
    let mut silence_since: Option<u32> = None;
    for (i, &p) in probabilities.iter().enumerate() {
        let t = i as u32 * FRAME_MS;
        match start {
            None if p >= s.threshold => {
                start = Some(t);
                silence_since = None;
            }
            Some(_) if p >= s.threshold => silence_since = None,
            Some(begin) if p < negative => {
                let since = *silence_since.get_or_insert(t);
                if t + FRAME_MS - since >= s.min_silence_ms {
                    if since - begin >= s.min_speech_ms {
                        out.push(SpeechSpan { start_ms: begin, end_ms: since });
                    }
                    start = None;
                    silence_since = None;
                }
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        let end = probabilities.len() as u32 * FRAME_MS;
        if end - begin >= s.min_speech_ms {
            out.push(SpeechSpan { start_ms: begin, end_ms: end });
        }
    }
    for span in &mut out {
        span.start_ms = span.start_ms.saturating_sub(s.pad_ms);
        span.end_ms = (span.end_ms + s.pad_ms).min(duration_ms.max(span.end_ms));
    }
    // Padding can make neighbours touch: merge them.
    let mut merged: Vec<SpeechSpan> = Vec::with_capacity(out.len());
    for span in out {
        match merged.last_mut() {
            Some(last) if span.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(span.end_ms),
            _ => merged.push(span),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hysteresis_drops_blips_bridges_short_dips_and_pads() {
        let s = VadSettings::default();
        let mut p = vec![0.0f32; 10]; // 320 ms silence
        p.extend([0.9; 2]); // a 64 ms blip: too short
        p.extend([0.0; 10]);
        p.extend([0.9; 20]); // 640 ms speech…
        p.extend([0.4; 2]); // …a dip that is not below the negative threshold…
        p.extend([0.9; 10]); // …more speech
        p.extend([0.0; 20]);
        let spans = spans(&p, &s, 10_000);
        assert_eq!(spans, [SpeechSpan { start_ms: 22 * 32 - 30, end_ms: 54 * 32 + 30 }]);
        assert!(super::spans(&[0.0; 100], &s, 3200).is_empty());
    }
}
