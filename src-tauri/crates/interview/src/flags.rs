//! Integrity flags: what scoring noticed about an answer, and what the reviewing clerk made of it.

use serde::{Deserialize, Serialize};

/// What an integrity flag says. Scoring raises them; a clerk confirms or dismisses each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The recording holds no speech.
    NoSpeech,
    /// The answer does not sound like the job's language.
    WrongLanguage,
    /// A silence longer than the rubric allows.
    LongSilence,
    /// No face in a proctoring still.
    FaceAbsent,
    /// More than one face in a proctoring still.
    MultipleFaces,
    /// The kiosk window was hidden, lost the focus or left full screen during the question
    /// (seen by the station, not by scoring).
    LeftKiosk,
    /// A dimension's level rests only on quotes recognition was unsure of.
    RecognitionUncertain,
}

impl FlagKind {
    pub const ALL: [FlagKind; 7] = [
        FlagKind::NoSpeech,
        FlagKind::WrongLanguage,
        FlagKind::LongSilence,
        FlagKind::FaceAbsent,
        FlagKind::MultipleFaces,
        FlagKind::LeftKiosk,
        FlagKind::RecognitionUncertain,
    ];

    /// The stored and serialised name (the vault's `flags.kind` column, IPC).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::NoSpeech => "no_speech",
            FlagKind::WrongLanguage => "wrong_language",
            FlagKind::LongSilence => "long_silence",
            FlagKind::FaceAbsent => "face_absent",
            FlagKind::MultipleFaces => "multiple_faces",
            FlagKind::LeftKiosk => "left_kiosk",
            FlagKind::RecognitionUncertain => "recognition_uncertain",
        }
    }

    /// The flag a capture event of an answer raises at once (`vault::record_capture_event`):
    /// what the station saw, which scoring cannot see in the recording.
    pub fn of_capture_event(event: &str) -> Option<FlagKind> {
        match event {
            "kiosk_left" => Some(FlagKind::LeftKiosk),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<FlagKind> {
        FlagKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a flag stands in the human review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    /// Not looked at yet.
    Open,
    Confirmed,
    Dismissed,
}

impl FlagStatus {
    pub const ALL: [FlagStatus; 3] = [FlagStatus::Open, FlagStatus::Confirmed, FlagStatus::Dismissed];

    /// The stored and serialised name (the vault's `flags.status` column, IPC).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::Open => "open",
            FlagStatus::Confirmed => "confirmed",
            FlagStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<FlagStatus> {
        FlagStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Band, InterviewState, Role};

    /// The stored names (`as_str`) and the serialised ones (IPC, TypeScript) are one vocabulary:
    /// a variant renamed in one place and not the other fails here.
    #[test]
    fn stored_and_serialised_names_agree() {
        fn check<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug + Copy>(
            all: &[T],
            name: impl Fn(T) -> &'static str,
            parse: impl Fn(&str) -> Option<T>,
        ) {
            for &v in all {
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", name(v)), "{v:?}");
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
                assert_eq!(parse(name(v)), Some(v));
            }
            assert_eq!(parse("unknown"), None);
        }
        check(&FlagKind::ALL, FlagKind::as_str, FlagKind::parse);
        check(&FlagStatus::ALL, FlagStatus::as_str, FlagStatus::parse);
        check(&Band::ALL, Band::as_str, Band::parse);
        check(&InterviewState::ALL, InterviewState::as_str, InterviewState::parse);
        check(&Role::ALL, Role::as_str, Role::parse);
        use crate::follow_up::FollowUpOutcome;
        check(&FollowUpOutcome::ALL, FollowUpOutcome::as_str, FollowUpOutcome::parse);
    }
}
