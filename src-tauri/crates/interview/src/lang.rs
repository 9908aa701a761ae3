//! Languages and messages meant for people.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An interface language. Every user-facing string exists in both.
///
/// The one language type of the product: interface, reports, the language a job's answers are
/// spoken in and transcribed as. It reaches TypeScript as `"zh-CN" | "en"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Lang {
    /// 简体中文, the default for the agencies we serve.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as used by the UI and in settings.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The tag was neither `zh-CN` nor `en`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown language {:?} (expected zh-CN or en)", self.0)
    }
}

impl std::error::Error for UnknownLang {}

/// For `#[serde(deserialize_with)]` on a field people write by hand (evaluation sets): accepts
/// every spelling [`Lang::from_str`] does (`zh`, `zh-CN`, `en`, …) and refuses the rest.
pub fn deserialize_lenient<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Lang, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" | "zh_cn" => Ok(Lang::ZhCn),
            "en" | "en-us" | "en-gb" | "en_us" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// A sentence for a person, in both interface languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

impl Localized {
    pub fn new(zh_cn: impl Into<String>, en: impl Into<String>) -> Self {
        Localized { zh_cn: zh_cn.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.zh_cn,
            Lang::En => &self.en,
        }
    }
}

/// An error a person can meet: a stable code for the UI and tests, and a sentence they
/// understand in both languages. The technical detail stays in `Display`/`source` and goes to
/// the log, never to the screen.
pub trait UserFacing: std::error::Error {
    /// A stable, machine-readable code such as `assets.checksum_mismatch`.
    fn code(&self) -> &'static str;
    /// What the person reads.
    fn user_message(&self) -> Localized;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.tag().parse::<Lang>(), Ok(lang));
        }
        assert_eq!("ZH".parse::<Lang>(), Ok(Lang::ZhCn));
        assert!("fr".parse::<Lang>().is_err());
    }

    #[test]
    fn serde_uses_bcp47_tags() {
        let text = serde_json::to_string(&Localized::new("你好", "hello")).unwrap();
        assert_eq!(text, r#"{"zh-CN":"你好","en":"hello"}"#);
        assert_eq!(serde_json::to_string(&Lang::ZhCn).unwrap(), r#""zh-CN""#);
        assert_eq!(serde_json::from_str::<Lang>(r#""en""#).unwrap(), Lang::En);
        // One serialised form: other spellings are read through `FromStr` where a file allows them.
        assert!(serde_json::from_str::<Lang>(r#""zh""#).is_err());
        assert!(serde_json::from_str::<Lang>(r#""fr""#).is_err());
    }
}
