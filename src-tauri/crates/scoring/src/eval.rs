//! Calibration: how the AI's levels compare with the levels people gave, on a labelled set.
//! `interview-kiosk eval SET` reads the set, scores every answer and reports, per dimension,
//! Spearman's rank correlation, exact and adjacent agreement and a confusion matrix, and the
//! recognition error rate where reference transcripts exist (word error rate for English,
//! character error rate for Chinese).
//!
//! A set is a directory with `set.toml`:
//!
//! ```toml
//! language = "zh"            # or "en": the language the answers are in
//! rubric = "rubric.json"     # the question's rubric
//! question = "…"             # the question's text (optional)
//!
//! [[item]]
//! id = "zh-01"
//! text = "我会先请他坐下……"    # the answer as text (scored directly), and/or
//! audio = "zh-01.wav"        # the answer as a recording (scored through speech recognition)
//! reference = "…"            # what was said, for WER/CER (defaults to `text`)
//! levels = { "应急处理" = 5, "沟通能力" = 4 }   # the levels a person gave, 1–5
//! ```

use std::collections::BTreeMap;

use interview::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledSet {
    /// `zh` or `en` (or any spelling `Lang` parses).
    #[serde(deserialize_with = "interview::deserialize_lang")]
    pub language: Lang,
    pub rubric: String,
    /// The question the answers answer (given to speech recognition as context only when that
    /// option is measured).
    #[serde(default)]
    pub question: Option<String>,
    #[serde(rename = "item")]
    pub items: Vec<LabelledItem>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledItem {
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub audio: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub levels: BTreeMap<String, u8>,
}

/// One dimension's comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    pub dimension: String,
    pub pairs: usize,
    pub spearman: Option<f64>,
    pub exact: f64,
    pub adjacent: f64,
    /// `confusion[human - 1][ai - 1]`, the AI level rounded.
    pub confusion: [[u32; 5]; 5],
}

/// Compares (AI level, human level) pairs.
pub fn agreement(dimension: &str, pairs: &[(f32, u8)]) -> Agreement {
    let mut confusion = [[0u32; 5]; 5];
    let (mut exact, mut adjacent) = (0usize, 0usize);
    for &(ai, human) in pairs {
        let rounded = ai.round().clamp(1.0, 5.0) as u8;
        confusion[usize::from(human.clamp(1, 5) - 1)][usize::from(rounded - 1)] += 1;
        exact += usize::from(rounded == human);
        adjacent += usize::from(rounded.abs_diff(human) <= 1);
    }
    let n = pairs.len().max(1) as f64;
    let ai: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
    let human: Vec<f64> = pairs.iter().map(|p| f64::from(p.1)).collect();
    Agreement {
        dimension: dimension.to_owned(),
        pairs: pairs.len(),
        spearman: spearman(&ai, &human),
        exact: exact as f64 / n,
        adjacent: adjacent as f64 / n,
        confusion,
    }
}

pub use interview::stats::spearman;

/// Edits and reference length for WER (English words) or CER (Chinese characters).
pub fn errors(reference: &str, hypothesis: &str, language: Lang) -> (usize, usize) {
    let units = |text: &str| -> Vec<String> {
        match language {
            Lang::ZhCn => {
                crate::chinese::to_simplified(text).chars().filter(|c| c.is_alphanumeric()).map(String::from).collect()
            }
            Lang::En => text
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                .filter(|w| !w.is_empty())
                .collect(),
        }
    };
    let (r, h) = (units(reference), units(hypothesis));
    (edit_distance(&r, &h), r.len())
}

/// Levenshtein distance between two sequences (insertions, deletions, substitutions cost 1).
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(x != y)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_handles_ties_and_constant_sides() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        let tied = spearman(&[1.0, 1.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!((tied - 0.9487).abs() < 1e-3, "{tied}");
        assert_eq!(spearman(&[2.0, 2.0], &[1.0, 5.0]), None);
    }

    #[test]
    fn agreement_counts_exact_adjacent_and_confusion() {
        let a = agreement("d", &[(4.6, 5), (3.0, 3), (1.4, 3), (2.0, 1)]);
        assert_eq!((a.exact, a.adjacent), (0.5, 0.75));
        assert_eq!(a.confusion[4][4], 1);
        assert_eq!(a.confusion[2][0], 1);
    }

    #[test]
    fn error_rates_count_words_or_characters() {
        assert_eq!(errors("I would listen carefully", "I would listen care fully", Lang::En), (2, 4));
        assert_eq!(errors("认真倾听", "认真清听", Lang::ZhCn), (1, 4));
        assert_eq!(errors("認真", "认真", Lang::ZhCn), (0, 2));
    }
}
