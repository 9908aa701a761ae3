//! Follow-up questions: when an answer leaves out a key point whose rubric carries a follow-up,
//! the kiosk asks it straight after the answer, as part of the same attempt. What is decided,
//! and on which words, is stored so that the decision can be made again offline from the
//! recording (the same chunks of audio give the same transcript, the same rubric the same
//! choice) and audited.

use serde::{Deserialize, Serialize};

use crate::stored::StoredLine;

/// The most follow-ups a question may allow (the clerk's setting is 0 to this).
pub const MAX_FOLLOW_UPS: u8 = 2;

/// What became of a question's chance of a follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FollowUpOutcome {
    /// A missing key point's follow-up was asked.
    Asked,
    /// Every key point with a follow-up was covered: nothing to ask.
    Covered,
    /// Key points were missing, but none of them carries a follow-up.
    NoFollowUp,
    /// The live transcript had not caught up with the answer in time: nothing was asked rather
    /// than keep the candidate waiting.
    Late,
}

impl FollowUpOutcome {
    pub const ALL: [FollowUpOutcome; 4] =
        [FollowUpOutcome::Asked, FollowUpOutcome::Covered, FollowUpOutcome::NoFollowUp, FollowUpOutcome::Late];

    /// The stored and serialised name (`answer_follow_ups.outcome`, IPC).
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpOutcome::Asked => "asked",
            FollowUpOutcome::Covered => "covered",
            FollowUpOutcome::NoFollowUp => "no_follow_up",
            FollowUpOutcome::Late => "late",
        }
    }

    pub fn parse(s: &str) -> Option<FollowUpOutcome> {
        FollowUpOutcome::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What the decision after an answer was made on: the key points found missing (highest weight
/// first), the live transcript and how many of the answer's 2-second segments it covered, and
/// how long the kiosk waited for it after "I have finished".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpDecision {
    pub missing: Vec<String>,
    pub transcript: Vec<StoredLine>,
    /// Segments (from the answer's first) the transcript was made from.
    pub segments: u32,
    /// Segments the answer had when the decision was made (more than `segments` when late).
    pub recorded: u32,
    pub waited_ms: u32,
}

/// One stored follow-up record of an answer. The first (`ordinal` 1) carries the decision; a
/// second follow-up comes from the same decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredFollowUp {
    pub ordinal: u8,
    pub outcome: FollowUpOutcome,
    /// The key point asked about (`Asked` only).
    pub key_point: Option<String>,
    /// The question as shown to the candidate (`Asked` only).
    pub question: Option<String>,
    /// The answer's first segment of the follow-up's recording (`Asked` only).
    pub first_segment: Option<u32>,
    pub decision: Option<FollowUpDecision>,
}

/// A follow-up's preparation and answer time (seconds, before the candidate's extra time):
/// half the question's preparation, and half its answer time but not under 30 s (nor over the
/// question's own).
pub fn follow_up_seconds(prep_seconds: u32, answer_seconds: u32) -> (u32, u32) {
    (prep_seconds / 2, (answer_seconds / 2).max(answer_seconds.min(30)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_is_shorter_than_its_question_and_never_too_short_to_answer() {
        assert_eq!(follow_up_seconds(30, 180), (15, 90));
        assert_eq!(follow_up_seconds(20, 40), (10, 30));
        assert_eq!(follow_up_seconds(0, 20), (0, 20));
        for answer in 1..600 {
            let (_, a) = follow_up_seconds(60, answer);
            assert!(a <= answer && (a >= 30 || a == answer), "{answer} → {a}");
        }
    }
}
