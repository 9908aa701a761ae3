//! One answer: voice activity → speech recognition → rubric → dimension levels with evidence,
//! delivery metrics and flags for human review. And one interview: the answers' levels per
//! dimension, the weighted total 0–100 and the band.
//!
//! A flag is never a rejection: it asks a person to look. An answer without speech gets the
//! "no speech" flag and *no* score (withheld, not zero).

use std::time::Instant;

use interview::{Band, Bands, Weight};
use interview::{FlagKind, Lang};
use serde::Serialize;

use crate::audio::Audio;
use crate::error::Result;
use crate::faces::{FaceDetector, Still};
use crate::metrics::{self, Delivery};
use crate::rubric::{DimensionScore, Rubric};
use crate::runtime::Runtime;
use crate::vad::{SpeechSpan, Vad};

use crate::whisper::{Segment, Whisper, WhisperAssets};
use interview::RecognitionModels;

/// A silence at least this long inside an answer is flagged.
pub const LONG_SILENCE_MS: u32 = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flag {
    /// No speech was detected in the answer: its score is withheld.
    NoSpeech,
    /// A silence of at least [`LONG_SILENCE_MS`] between stretches of speech.
    LongSilence { start_ms: u32, end_ms: u32 },
    /// The answer does not sound like the job's language (Whisper's language identification
    /// gives the expected language less than [`WRONG_LANGUAGE_BELOW`]).
    WrongLanguage { detected: String, probability: f32, expected_probability: f32 },
    /// A still without a face (the candidate may have left the camera's view).
    FaceAbsent { at_ms: u32, media_id: Option<i64> },
    /// A still with more than one face (someone else may be present).
    MultipleFaces { at_ms: u32, media_id: Option<i64>, count: u32 },
    /// A dimension's level rests only on quotes recognition was unsure of: listen before
    /// relying on it. The span runs from the first quote to the last.
    RecognitionUncertain { dimension: String, start_ms: u32, end_ms: u32 },
}

impl Flag {
    /// The flag's kind in the product's vocabulary (its `kind` tag when serialised).
    pub fn kind(&self) -> FlagKind {
        match self {
            Flag::NoSpeech => FlagKind::NoSpeech,
            Flag::LongSilence { .. } => FlagKind::LongSilence,
            Flag::WrongLanguage { .. } => FlagKind::WrongLanguage,
            Flag::FaceAbsent { .. } => FlagKind::FaceAbsent,
            Flag::MultipleFaces { .. } => FlagKind::MultipleFaces,
            Flag::RecognitionUncertain { .. } => FlagKind::RecognitionUncertain,
        }
    }

    /// Where in the answer it was seen, in milliseconds, if it is tied to a moment.
    pub fn span_ms(&self) -> Option<(u32, u32)> {
        match self {
            Flag::NoSpeech | Flag::WrongLanguage { .. } => None,
            Flag::LongSilence { start_ms, end_ms } | Flag::RecognitionUncertain { start_ms, end_ms, .. } => {
                Some((*start_ms, *end_ms))
            }
            Flag::FaceAbsent { at_ms, .. } | Flag::MultipleFaces { at_ms, .. } => Some((*at_ms, *at_ms)),
        }
    }
}

/// Below this probability for the job's language, the answer is flagged.
pub const WRONG_LANGUAGE_BELOW: f32 = 0.2;

/// The stages of scoring an answer, for progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    VoiceActivity,
    SpeechRecognition,
    Rubric,
    Done,
}

/// Where the scoring of one answer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub stage: Stage,
    /// Of the current stage, 0–100.
    pub percent: u8,
}

/// How long each stage took, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageTimes {
    pub vad_ms: u64,
    pub asr_ms: u64,
    pub rubric_ms: u64,
    pub asr: crate::whisper::AsrStats,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerResult {
    pub speech: Vec<SpeechSpan>,
    pub transcript: Vec<Segment>,
    pub delivery: Delivery,
    /// Empty when the score is withheld.
    pub dimensions: Vec<DimensionScore>,
    pub flags: Vec<Flag>,
    pub withheld: bool,
    pub times: StageTimes,
    /// The models that produced this (kept with every score).
    pub model_versions: String,
}

pub struct Scorer {
    whisper: Whisper,
    vad: Vad,
    faces: FaceDetector,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer").field("whisper", &self.whisper).finish_non_exhaustive()
    }
}

impl Scorer {
    /// The scorer with `models` for speech recognition.
    pub fn load(runtime: &Runtime, models: RecognitionModels, threads: usize) -> Result<Scorer> {
        Self::load_with(runtime, WhisperAssets::of(models), threads)
    }

    pub fn load_with(runtime: &Runtime, whisper: WhisperAssets, threads: usize) -> Result<Scorer> {
        Ok(Scorer {
            whisper: Whisper::load(runtime, whisper, threads)?,
            vad: Vad::load(runtime)?,
            faces: FaceDetector::load(runtime)?,
        })
    }

    /// How speech recognition decodes (the product's defaults unless changed for a measurement).
    pub fn decoding_mut(&mut self) -> &mut crate::whisper::Decoding {
        &mut self.whisper.decoding
    }

    /// The proctoring flags of an answer's stills (no face, more than one face), in time order.
    /// Flags are for a human to look at; they never change a score.
    pub fn still_flags(&mut self, stills: &[Still]) -> Result<Vec<Flag>> {
        crate::faces::still_flags(&mut self.faces, stills)
    }

    pub fn score_answer(&mut self, audio: &Audio, rubric: &Rubric, language: Lang) -> Result<AnswerResult> {
        self.score_answer_with_progress(audio, rubric, language, None, &mut |_| {})
    }

    /// The same, reporting each stage and how far it is, for the UI's progress bars. `question`
    /// is the question's text, given to speech recognition as context only when
    /// [`Decoding::question_context`](crate::whisper::Decoding) is on (never the rubric).
    pub fn score_answer_with_progress(
        &mut self,
        audio: &Audio,
        rubric: &Rubric,
        language: Lang,
        question: Option<&str>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<AnswerResult> {
        self.score_answer_with_follow_ups(audio, &[], rubric, language, question, progress)
    }

    /// An answer whose recording also holds follow-ups: `follow_ups` gives each asked key point
    /// with the sample where its follow-up's recording starts (in order). Each part is
    /// transcribed on its own (a recognition window never joins the answer and a follow-up);
    /// a follow-up's words count for its key point only
    /// ([`score_with_follow_ups`](crate::rubric::score_with_follow_ups)); the transcript is
    /// the parts' in order, timed on the whole recording.
    pub fn score_answer_with_follow_ups(
        &mut self,
        audio: &Audio,
        follow_ups: &[(String, usize)],
        rubric: &Rubric,
        language: Lang,
        question: Option<&str>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<AnswerResult> {
        progress(Progress { stage: Stage::VoiceActivity, percent: 0 });
        let duration_ms = audio.duration_ms() as u32;
        let model_versions = format!("{}; silero-vad 5", self.whisper.version);
        let mut times = StageTimes::default();
        let started = Instant::now();
        let speech = self.vad.speech(audio)?;
        times.vad_ms = started.elapsed().as_millis() as u64;
        let mut flags: Vec<Flag> = speech
            .windows(2)
            .filter(|w| w[1].start_ms - w[0].end_ms >= LONG_SILENCE_MS)
            .map(|w| Flag::LongSilence { start_ms: w[0].end_ms, end_ms: w[1].start_ms })
            .collect();
        if speech.is_empty() {
            flags.insert(0, Flag::NoSpeech);
            return Ok(AnswerResult {
                delivery: metrics::delivery(&speech, &[], language, duration_ms),
                speech,
                transcript: Vec::new(),
                dimensions: Vec::new(),
                flags,
                withheld: true,
                times,
                model_versions,
            });
        }
        let started = Instant::now();
        progress(Progress { stage: Stage::SpeechRecognition, percent: 0 });
        let len = audio.samples.len();
        let main_end = follow_ups.first().map_or(len, |(_, at)| (*at).min(len));
        let main = Audio { samples: audio.samples[..main_end].to_vec() };
        let mut transcript = self.whisper.transcribe_with_progress(&main, language, question, &mut |done| {
            progress(Progress { stage: Stage::SpeechRecognition, percent: (done * 100.0) as u8 })
        })?;
        let (stats, check) = (self.whisper.stats, self.whisper.language_check.clone());
        let mut parts: Vec<(String, Vec<Segment>)> = Vec::with_capacity(follow_ups.len());
        for (i, (key_point, start)) in follow_ups.iter().enumerate() {
            let start = (*start).min(len);
            let end = follow_ups.get(i + 1).map_or(len, |(_, at)| (*at).min(len)).max(start);
            let offset_ms = (start as u64 * 1000 / u64::from(crate::audio::SAMPLE_RATE)) as u32;
            let part = Audio { samples: audio.samples[start..end].to_vec() };
            let lines: Vec<Segment> = self
                .whisper
                .transcribe(&part, language)?
                .into_iter()
                .map(|s| Segment { start_ms: s.start_ms + offset_ms, end_ms: s.end_ms + offset_ms, ..s })
                .collect();
            parts.push((key_point.clone(), lines));
        }
        // The answer's own recognition figures and language check (not the last follow-up's).
        (self.whisper.stats, self.whisper.language_check) = (stats, check);
        progress(Progress { stage: Stage::Rubric, percent: 0 });
        times.asr_ms = started.elapsed().as_millis() as u64;
        times.asr = self.whisper.stats;
        if let Some(check) = &self.whisper.language_check
            && check.expected_probability < WRONG_LANGUAGE_BELOW
        {
            flags.push(Flag::WrongLanguage {
                detected: check.most_likely.clone(),
                probability: check.most_likely_probability,
                expected_probability: check.expected_probability,
            });
        }
        let started = Instant::now();
        let dimensions = crate::rubric::score_with_follow_ups(rubric, &transcript, &parts, language);
        for (_, mut lines) in parts {
            transcript.append(&mut lines);
        }
        flags.extend(uncertain_dimensions(&dimensions));
        times.rubric_ms = started.elapsed().as_millis() as u64;
        let delivery = metrics::delivery(&speech, &transcript, language, duration_ms);
        progress(Progress { stage: Stage::Done, percent: 100 });
        Ok(AnswerResult { speech, transcript, delivery, dimensions, flags, withheld: false, times, model_versions })
    }
}

/// The dimensions whose level rests only on uncertain quotes (at least one key point found, every
/// one of them in a stretch recognition was unsure of): a flag each, for the clerk to confirm or
/// dismiss after listening.
pub fn uncertain_dimensions(dimensions: &[DimensionScore]) -> Vec<Flag> {
    dimensions
        .iter()
        .filter_map(|d| {
            let found: Vec<_> = d.evidence.iter().filter(|e| e.covered).collect();
            if found.is_empty() || !found.iter().all(|e| e.uncertain) {
                return None;
            }
            Some(Flag::RecognitionUncertain {
                dimension: d.dimension.clone(),
                start_ms: found.iter().map(|e| e.start_ms).min().unwrap_or(0),
                end_ms: found.iter().map(|e| e.end_ms).max().unwrap_or(0),
            })
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DimensionTotal {
    pub dimension: String,
    pub weight_bp: u32,
    /// Mean level over the scored answers that address this dimension; `None` if none did.
    pub level: Option<f32>,
    pub answers: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InterviewScore {
    pub dimensions: Vec<DimensionTotal>,
    /// 0–100; `None` (withheld) when a weighted dimension has no scored answer.
    pub total: Option<f64>,
    pub band: Option<Band>,
}

/// The interview's result from its answers, per the job's weights and bands. Level 1 maps to 0
/// and level 5 to 100.
pub fn aggregate(answers: &[AnswerResult], weights: &[Weight], bands: Bands) -> InterviewScore {
    let levels: Vec<(String, f32)> = answers
        .iter()
        .filter(|a| !a.withheld)
        .flat_map(|a| a.dimensions.iter().map(|d| (d.dimension.clone(), d.level)))
        .collect();
    aggregate_levels(&levels, weights, bands)
}

/// The same from (dimension, level) pairs of scored answers (as the vault keeps them).
pub fn aggregate_levels(levels: &[(String, f32)], weights: &[Weight], bands: Bands) -> InterviewScore {
    let dimensions: Vec<DimensionTotal> = weights
        .iter()
        .map(|w| {
            let mine: Vec<f32> = levels.iter().filter(|(d, _)| *d == w.dimension).map(|(_, l)| *l).collect();
            let level = (!mine.is_empty()).then(|| mine.iter().sum::<f32>() / mine.len() as f32);
            DimensionTotal { dimension: w.dimension.clone(), weight_bp: w.basis_points, level, answers: mine.len() }
        })
        .collect();
    let mean_levels: Vec<Option<f64>> = dimensions.iter().map(|d| d.level.map(f64::from)).collect();
    let total = interview::weighted_total(&mean_levels, weights);
    InterviewScore { band: total.map(|t| bands.band(t)), dimensions, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::DimensionScore;

    fn answer(levels: &[(&str, f32)], withheld: bool) -> AnswerResult {
        AnswerResult {
            speech: Vec::new(),
            transcript: Vec::new(),
            delivery: metrics::delivery(&[], &[], Lang::ZhCn, 0),
            dimensions: levels
                .iter()
                .map(|&(d, level)| DimensionScore {
                    dimension: d.into(),
                    level,
                    coverage: 0.0,
                    key_point_level: 1,
                    closest_example: None,
                    evidence: Vec::new(),
                })
                .collect(),
            flags: Vec::new(),
            withheld,
            times: StageTimes::default(),
            model_versions: String::new(),
        }
    }

    #[test]
    fn weighted_total_and_band_and_withholding() {
        let weights = vec![
            Weight { dimension: "a".into(), basis_points: 6000 },
            Weight { dimension: "b".into(), basis_points: 4000 },
        ];
        let bands = Bands::new(80, 60).unwrap();
        let answers = [answer(&[("a", 5.0), ("b", 3.0)], false), answer(&[("a", 4.0)], false)];
        let score = aggregate(&answers, &weights, bands);
        // a: mean 4.5 → 87.5 × 0.6; b: 3 → 50 × 0.4 → 52.5 + 20 = 72.5
        assert_eq!(score.total, Some(72.5));
        assert_eq!(score.band, Some(Band::Hold));
        assert_eq!(score.dimensions[0].answers, 2);
        // Without any scored answer for b, the total is withheld, not zero.
        let partial = aggregate(&[answer(&[("a", 5.0)], false), answer(&[("b", 5.0)], true)], &weights, bands);
        assert_eq!((partial.total, partial.band), (None, None));
    }
}
