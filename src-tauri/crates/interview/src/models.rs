//! Which speech-recognition models score the answers.

use serde::{Deserialize, Serialize};

/// The recognition models of a vault: the int8 (quantised) Whisper by default — measured to be
/// about 1.6 times as fast with the same accuracy on the labelled sets (README, "Scoring speed and
/// accuracy") — or the float models the int8 ones are made from, an administrator's choice.
/// Every score records which were used (`model_versions`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum RecognitionModels {
    #[default]
    Int8,
    Float,
}

impl RecognitionModels {
    pub const ALL: [RecognitionModels; 2] = [RecognitionModels::Int8, RecognitionModels::Float];

    pub fn as_str(self) -> &'static str {
        match self {
            RecognitionModels::Int8 => "int8",
            RecognitionModels::Float => "float",
        }
    }

    pub fn parse(s: &str) -> Option<RecognitionModels> {
        RecognitionModels::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for RecognitionModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecognitionModels {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecognitionModels::parse(s).ok_or_else(|| format!("expected one of: int8, float (got {s:?})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for models in RecognitionModels::ALL {
            assert_eq!(RecognitionModels::parse(models.as_str()), Some(models));
            assert_eq!(serde_json::to_string(&models).ok(), Some(format!("\"{}\"", models.as_str())));
        }
        assert_eq!(RecognitionModels::parse("fp16"), None);
        assert_eq!(RecognitionModels::default(), RecognitionModels::Int8);
    }
}
