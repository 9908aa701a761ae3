//! What scoring produced, in the shape the vault stores ([`interview::stored`]). Every
//! conversion takes its source apart field by field: a field added to or renamed in a scoring
//! type does not compile until the stored shape says what becomes of it.

use interview::stored::{StoredDelivery, StoredEvidence, StoredExample, StoredLine, StoredScore, StoredSpan, VERSION};

use crate::metrics::Delivery;
use crate::rubric::{DimensionScore, Evidence, ExampleMatch};
use crate::vad::SpeechSpan;
use crate::whisper::Segment;

impl From<&DimensionScore> for StoredScore {
    fn from(score: &DimensionScore) -> StoredScore {
        let DimensionScore { dimension, level, coverage, key_point_level, closest_example, evidence } = score;
        StoredScore {
            version: VERSION,
            dimension: dimension.clone(),
            level: *level,
            coverage: *coverage,
            key_point_level: *key_point_level,
            closest_example: closest_example.as_ref().map(StoredExample::from),
            evidence: evidence.iter().map(StoredEvidence::from).collect(),
        }
    }
}

impl From<&Evidence> for StoredEvidence {
    fn from(evidence: &Evidence) -> StoredEvidence {
        let Evidence { key_point, point, phrasing, quote, start_ms, end_ms, similarity, covered, uncertain } = evidence;
        StoredEvidence {
            key_point: key_point.clone(),
            point: point.clone(),
            phrasing: phrasing.clone(),
            quote: quote.clone(),
            start_ms: *start_ms,
            end_ms: *end_ms,
            similarity: *similarity,
            covered: *covered,
            uncertain: *uncertain,
        }
    }
}

impl From<&ExampleMatch> for StoredExample {
    fn from(example: &ExampleMatch) -> StoredExample {
        let ExampleMatch { level, example, similarity } = example;
        StoredExample { level: *level, example: example.clone(), similarity: *similarity }
    }
}

impl From<&Segment> for StoredLine {
    fn from(segment: &Segment) -> StoredLine {
        let Segment { start_ms, end_ms, text, confidence } = segment;
        StoredLine {
            start_ms: *start_ms,
            end_ms: *end_ms,
            text: text.clone(),
            avg_logprob: confidence.map(|c| c.avg_logprob),
            no_speech_prob: confidence.map(|c| c.no_speech_prob),
        }
    }
}

impl From<&SpeechSpan> for StoredSpan {
    fn from(span: &SpeechSpan) -> StoredSpan {
        let SpeechSpan { start_ms, end_ms } = span;
        StoredSpan { start_ms: *start_ms, end_ms: *end_ms }
    }
}

impl From<&Delivery> for StoredDelivery {
    fn from(delivery: &Delivery) -> StoredDelivery {
        let Delivery { duration_ms, speaking_ms, speech_rate, rate_unit, long_pauses, fillers } = delivery;
        StoredDelivery {
            version: VERSION,
            duration_ms: *duration_ms,
            speaking_ms: *speaking_ms,
            speech_rate: *speech_rate,
            rate_unit: *rate_unit,
            long_pauses: long_pauses.iter().map(StoredSpan::from).collect(),
            fillers: *fillers,
        }
    }
}

#[cfg(test)]
mod tests {
    use interview::Lang;
    use interview::stored::{StoredScore, transcript_from_json, transcript_to_json};

    use super::*;

    /// A real rubric scored against a transcript, stored and read back: what the review screen
    /// and the reports read is what scoring found, quote for quote.
    #[test]
    fn a_scored_answer_round_trips_through_the_stored_shape() {
        let rubric = crate::rubric::Rubric::parse(include_str!("../../../../assets/samples/demo/q2-rubric.json"))
            .expect("the sample rubric parses");
        let segments = [Segment {
            start_ms: 0,
            end_ms: 6000,
            text: "我会先请他坐下安抚情绪，认真倾听他的诉求，再报告上级。".into(),
            confidence: None,
        }];
        let scores = crate::rubric::score(&rubric, &segments, Lang::ZhCn);
        assert!(scores.iter().any(|s| s.evidence.iter().any(|e| e.covered)), "the sample answer covers a key point");
        for score in &scores {
            let stored = StoredScore::from(score);
            let back = StoredScore::from_json(&stored.to_json()).unwrap();
            assert_eq!(back, stored);
            assert_eq!(back.evidence.len(), score.evidence.len());
            for (b, e) in back.evidence.iter().zip(&score.evidence) {
                assert_eq!((&b.quote, b.covered, b.start_ms), (&e.quote, e.covered, e.start_ms));
            }
        }
        let lines: Vec<StoredLine> = segments.iter().map(StoredLine::from).collect();
        assert_eq!(transcript_from_json(&transcript_to_json(&lines)).unwrap()[0].text, segments[0].text);
    }
}
