//! The stored shape of what scoring produced: a dimension's score with its evidence, an answer's
//! transcript and its delivery metrics, as the vault keeps them in JSON columns.
//!
//! Declared once, here. Scoring writes through these types (`scoring::stored` converts its
//! results field by field, so a field renamed there fails to compile), the vault reads its rows
//! back through them (strictly: a missing field or an unknown newer version is an error that
//! names the row, never a blank), and the review screen and the signed reports show what the
//! vault read. Rows written before the `version` field existed have exactly the version 1 shape.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The version this program writes, and the newest it reads.
pub const VERSION: u32 = 1;

fn version_1() -> u32 {
    1
}

/// One rubric dimension of one answer, scored, with the evidence for every key point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredScore {
    #[serde(default = "version_1")]
    pub version: u32,
    pub dimension: String,
    /// 1.0–5.0, one decimal.
    pub level: f32,
    /// The share of key points covered, 0–1.
    pub coverage: f32,
    pub key_point_level: u8,
    /// The level example the answer came closest to, if any came close.
    pub closest_example: Option<StoredExample>,
    /// One entry per key point, covered or not.
    pub evidence: Vec<StoredEvidence>,
}

/// Where a key point was found in the transcript, or that it was not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvidence {
    pub key_point: String,
    /// The key point as the clerk stated it.
    pub point: String,
    /// The phrasing (key point text or synonym) that matched best.
    pub phrasing: String,
    /// The stretch of the transcript it matched.
    pub quote: String,
    pub start_ms: u32,
    pub end_ms: u32,
    pub similarity: f32,
    pub covered: bool,
    /// Recognition was unsure of the quoted stretch (rows written before this was measured: no).
    #[serde(default)]
    pub uncertain: bool,
}

/// A rubric's level example the answer resembles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredExample {
    pub level: u8,
    pub example: String,
    pub similarity: f32,
}

/// A stretch of the transcript with its place in the recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredLine {
    pub start_ms: u32,
    pub end_ms: u32,
    pub text: String,
    /// Recognition's mean log-probability of the line's words and the "no speech" probability
    /// of its window (absent in rows written before they were kept, and for typed text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_logprob: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_speech_prob: Option<f32>,
}

/// Below this mean log-probability of its words, recognition is taken to be unsure of a line
/// (the reference implementation's threshold for a failed greedy window).
pub const MIN_AVG_LOGPROB: f32 = -1.0;
/// Above this "no speech" probability, the window is taken to hold no speech (the reference's).
pub const MAX_NO_SPEECH_PROB: f32 = 0.6;

impl StoredLine {
    /// Recognition was unsure of this line: its words may not be what was said.
    pub fn is_uncertain(&self) -> bool {
        self.avg_logprob.is_some_and(|l| l < MIN_AVG_LOGPROB)
            || self.no_speech_prob.is_some_and(|p| p > MAX_NO_SPEECH_PROB)
    }
}

/// How an answer was delivered: speaking time, rate, long pauses, fillers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDelivery {
    #[serde(default = "version_1")]
    pub version: u32,
    pub duration_ms: u32,
    pub speaking_ms: u32,
    /// In `rate_unit`, over speaking time.
    pub speech_rate: f32,
    pub rate_unit: RateUnit,
    pub long_pauses: Vec<StoredSpan>,
    pub fillers: u32,
}

/// What a speech rate counts: Chinese characters or English words, per minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RateUnit {
    #[serde(rename = "chars/min")]
    CharsPerMinute,
    #[serde(rename = "words/min")]
    WordsPerMinute,
}

impl RateUnit {
    /// The stored name, also what the command line prints.
    pub fn as_str(self) -> &'static str {
        match self {
            RateUnit::CharsPerMinute => "chars/min",
            RateUnit::WordsPerMinute => "words/min",
        }
    }
}

/// A stretch of a recording, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSpan {
    pub start_ms: u32,
    pub end_ms: u32,
}

/// A stored row that is not what this program wrote.
#[derive(Debug, thiserror::Error)]
pub enum StoredShapeError {
    #[error("the stored {what} is version {found}; this program reads up to version {VERSION}")]
    NewerVersion { what: &'static str, found: u32 },
    #[error("the stored {what} is not in the expected shape: {source}")]
    Shape {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

fn read<T: DeserializeOwned>(what: &'static str, json: &str) -> Result<T, StoredShapeError> {
    serde_json::from_str(json).map_err(|source| StoredShapeError::Shape { what, source })
}

fn check(what: &'static str, found: u32) -> Result<(), StoredShapeError> {
    if found > VERSION { Err(StoredShapeError::NewerVersion { what, found }) } else { Ok(()) }
}

fn write<T: Serialize>(value: &T) -> String {
    // These types are plain strings and numbers: serialising them cannot fail.
    serde_json::to_string(value).expect("stored shapes serialise")
}

impl StoredScore {
    pub fn from_json(json: &str) -> Result<StoredScore, StoredShapeError> {
        let score: StoredScore = read("score", json)?;
        check("score", score.version)?;
        Ok(score)
    }

    pub fn to_json(&self) -> String {
        write(self)
    }
}

impl StoredDelivery {
    pub fn from_json(json: &str) -> Result<StoredDelivery, StoredShapeError> {
        let delivery: StoredDelivery = read("delivery", json)?;
        check("delivery", delivery.version)?;
        Ok(delivery)
    }

    pub fn to_json(&self) -> String {
        write(self)
    }
}

/// A transcript is stored as the list of its lines (version 1; a later version would be an
/// object with a `version` field, which this reader refuses).
pub fn transcript_from_json(json: &str) -> Result<Vec<StoredLine>, StoredShapeError> {
    read("transcript", json)
}

pub fn transcript_to_json(lines: &[StoredLine]) -> String {
    write(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score() -> StoredScore {
        StoredScore {
            version: VERSION,
            dimension: "沟通协调".into(),
            level: 3.5,
            coverage: 0.5,
            key_point_level: 3,
            closest_example: Some(StoredExample { level: 4, example: "先安抚情绪".into(), similarity: 0.61 }),
            evidence: vec![
                StoredEvidence {
                    key_point: "安抚".into(),
                    point: "安抚情绪".into(),
                    phrasing: "安抚".into(),
                    quote: "我会先安抚他".into(),
                    start_ms: 1200,
                    end_ms: 3400,
                    similarity: 0.92,
                    covered: true,
                    uncertain: true,
                },
                StoredEvidence {
                    key_point: "上报".into(),
                    point: "及时上报".into(),
                    phrasing: String::new(),
                    quote: String::new(),
                    start_ms: 0,
                    end_ms: 0,
                    similarity: 0.1,
                    covered: false,
                    uncertain: false,
                },
            ],
        }
    }

    #[test]
    fn shapes_round_trip() {
        let s = score();
        assert_eq!(StoredScore::from_json(&s.to_json()).unwrap(), s);
        let d = StoredDelivery {
            version: VERSION,
            duration_ms: 20_000,
            speaking_ms: 15_000,
            speech_rate: 180.0,
            rate_unit: RateUnit::CharsPerMinute,
            long_pauses: vec![StoredSpan { start_ms: 4000, end_ms: 8000 }],
            fillers: 2,
        };
        assert_eq!(StoredDelivery::from_json(&d.to_json()).unwrap(), d);
        let t = vec![StoredLine {
            start_ms: 0,
            end_ms: 900,
            text: "你好".into(),
            avg_logprob: Some(-0.3),
            no_speech_prob: None,
        }];
        assert_eq!(transcript_from_json(&transcript_to_json(&t)).unwrap(), t);
    }

    /// Rows written before the version field existed (every release up to 0.x) read as version 1.
    #[test]
    fn rows_without_a_version_are_version_1() {
        let mut json: serde_json::Value = serde_json::from_str(&score().to_json()).unwrap();
        json.as_object_mut().unwrap().remove("version");
        assert_eq!(StoredScore::from_json(&json.to_string()).unwrap().version, 1);
        let old = r#"{"duration_ms":20000,"speaking_ms":15000,"speech_rate":180.0,"rate_unit":"chars/min","long_pauses":[],"fillers":1}"#;
        assert_eq!(StoredDelivery::from_json(old).unwrap().rate_unit, RateUnit::CharsPerMinute);
    }

    /// A renamed or missing field is an error naming what was read, never a blank quote.
    #[test]
    fn a_missing_field_or_newer_version_is_refused() {
        let renamed = score().to_json().replace("\"quote\"", "\"citation\"");
        let err = StoredScore::from_json(&renamed).unwrap_err();
        assert!(err.to_string().contains("score") && err.to_string().contains("quote"), "{err}");
        let newer = score().to_json().replace("\"version\":1", "\"version\":2");
        assert!(matches!(StoredScore::from_json(&newer), Err(StoredShapeError::NewerVersion { found: 2, .. })));
        assert!(StoredDelivery::from_json(r#"{"purged":true}"#).is_err());
        assert!(transcript_from_json(r#"{"version":2,"lines":[]}"#).is_err());
    }
}
