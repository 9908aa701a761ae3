//! What a candidate's résumé says, as facts a clerk can read and edit, and the conditions a bank
//! question can set over them. A question with a condition is *personalised*: it is asked only
//! of candidates whose facts meet it, chosen at invitation by a fixed rule (see
//! `scoring::resume`, which matches phrases with the rubric matcher) and frozen with the
//! invitation. Nothing here is generated: the questions are the clerk's, and so are the
//! conditions.

use serde::{Deserialize, Serialize};

use crate::Localized;

/// The highest education a résumé states, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// 高中/中专及以下
    Secondary,
    /// 大专
    Associate,
    /// 本科
    Bachelor,
    /// 硕士
    Master,
    /// 博士
    Doctorate,
}

impl Education {
    pub const ALL: [Education; 5] =
        [Education::Secondary, Education::Associate, Education::Bachelor, Education::Master, Education::Doctorate];

    pub fn as_str(self) -> &'static str {
        match self {
            Education::Secondary => "secondary",
            Education::Associate => "associate",
            Education::Bachelor => "bachelor",
            Education::Master => "master",
            Education::Doctorate => "doctorate",
        }
    }

    pub fn label(self) -> Localized {
        match self {
            Education::Secondary => Localized::new("高中/中专及以下", "secondary school or below"),
            Education::Associate => Localized::new("大专", "associate degree"),
            Education::Bachelor => Localized::new("本科", "bachelor's degree"),
            Education::Master => Localized::new("硕士", "master's degree"),
            Education::Doctorate => Localized::new("博士", "doctorate"),
        }
    }

    /// Reads the words HRMS exports and résumés use, in either language (本科, 学士, 大学本科,
    /// Bachelor, BSc, 研究生/硕士, PhD …), or `None`.
    pub fn parse(text: &str) -> Option<Education> {
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return None;
        }
        if let Some(e) = Education::ALL.into_iter().find(|e| e.as_str() == t) {
            return Some(e);
        }
        let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
        // Most specific first: 博士 before 硕士 (a 博士研究生 is a doctorate), 硕士/研究生 before 本科.
        if any(&["博士", "phd", "ph.d", "doctor", "doctorate"]) {
            Some(Education::Doctorate)
        } else if any(&["硕士", "研究生", "master", "msc", "m.sc", "mba", "mpa"]) {
            Some(Education::Master)
        } else if any(&["本科", "学士", "bachelor", "bsc", "b.sc", "undergraduate"]) {
            Some(Education::Bachelor)
        } else if any(&["大专", "专科", "高职", "associate", "college diploma"]) {
            Some(Education::Associate)
        } else if any(&[
            "高中",
            "中专",
            "职高",
            "技校",
            "初中",
            "小学",
            "secondary",
            "high school",
            "vocational school",
        ]) {
            Some(Education::Secondary)
        } else {
            None
        }
    }
}

/// Where a candidate's résumé facts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ResumeSource {
    /// An HRMS file.
    Import,
    /// The local API.
    Api,
    /// Typed or edited by a clerk.
    Clerk,
    /// Read from a résumé file a clerk attached.
    File,
}

impl ResumeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ResumeSource::Import => "import",
            ResumeSource::Api => "api",
            ResumeSource::Clerk => "clerk",
            ResumeSource::File => "file",
        }
    }

    pub fn parse(text: &str) -> Option<ResumeSource> {
        [ResumeSource::Import, ResumeSource::Api, ResumeSource::Clerk, ResumeSource::File]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The most characters of free text a résumé keeps, and of each short field.
pub const MAX_FREE_TEXT: usize = 20_000;
pub const MAX_FIELD: usize = 200;
/// The most entries of each list (employers, roles, skills).
pub const MAX_ITEMS: usize = 50;

/// A candidate's résumé as facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields, default)]
pub struct ResumeFacts {
    pub education: Option<Education>,
    pub major: Option<String>,
    /// Years of work experience (whole years; a résumé's "3.5 年" is 3).
    pub years: Option<u8>,
    pub employers: Vec<String>,
    pub roles: Vec<String>,
    pub skills: Vec<String>,
    /// Projects and work history as written.
    pub text: String,
}

/// Why résumé facts are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    #[error("a field is longer than allowed or holds control characters")]
    FieldTooLong,
    #[error("the free text is longer than {MAX_FREE_TEXT} characters")]
    TextTooLong,
    #[error("more than {MAX_ITEMS} entries in a list")]
    TooManyItems,
    #[error("years of experience above 60")]
    Years,
}

impl crate::UserFacing for ResumeError {
    fn code(&self) -> &'static str {
        "resume.invalid"
    }

    fn user_message(&self) -> Localized {
        match self {
            ResumeError::FieldTooLong => Localized::new(
                format!("简历信息有误：每一项不能超过 {MAX_FIELD} 个字符，也不能含控制字符。"),
                format!(
                    "The résumé facts are invalid: each entry is at most {MAX_FIELD} characters, without control characters."
                ),
            ),
            ResumeError::TextTooLong => Localized::new(
                format!("简历正文超过 {MAX_FREE_TEXT} 个字符，请删减后再保存。"),
                format!("The résumé text is longer than {MAX_FREE_TEXT} characters; shorten it and save again."),
            ),
            ResumeError::TooManyItems => Localized::new(
                format!("工作单位、职务或技能每类最多 {MAX_ITEMS} 项。"),
                format!("Employers, roles and skills hold at most {MAX_ITEMS} entries each."),
            ),
            ResumeError::Years => {
                Localized::new("工作年限应在 0 到 60 年之间。", "Years of experience must be 0 to 60.")
            }
        }
    }
}

impl ResumeFacts {
    /// The facts as stored: fields trimmed, blank entries dropped, duplicates in a list removed
    /// (first kept); refused when too long.
    pub fn normalised(mut self) -> Result<ResumeFacts, ResumeError> {
        fn short(s: &str) -> Result<String, ResumeError> {
            let s = s.trim();
            if s.chars().count() > MAX_FIELD || s.chars().any(char::is_control) {
                return Err(ResumeError::FieldTooLong);
            }
            Ok(s.to_owned())
        }
        fn list(items: Vec<String>) -> Result<Vec<String>, ResumeError> {
            let mut out: Vec<String> = Vec::new();
            for item in items {
                let item = short(&item)?;
                if !item.is_empty() && !out.contains(&item) {
                    out.push(item);
                }
            }
            if out.len() > MAX_ITEMS {
                return Err(ResumeError::TooManyItems);
            }
            Ok(out)
        }
        self.major = match self.major.as_deref().map(short).transpose()? {
            Some(m) if m.is_empty() => None,
            other => other,
        };
        if self.years.is_some_and(|y| y > 60) {
            return Err(ResumeError::Years);
        }
        self.employers = list(self.employers)?;
        self.roles = list(self.roles)?;
        self.skills = list(self.skills)?;
        let text = self.text.trim();
        if text.chars().count() > MAX_FREE_TEXT
            || text.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(ResumeError::TextTooLong);
        }
        self.text = text.to_owned();
        Ok(self)
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == ResumeFacts::default()
    }

    /// Splits a list cell of an HRMS file or a résumé line into entries: 、，,;；| and new lines
    /// separate them.
    pub fn split_list(cell: &str) -> Vec<String> {
        cell.split(['、', '，', ',', ';', '；', '|', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Reads "years of experience" as written: `5`, `5年`, `3.5 年`, `5 years`, `十年` is not read.
    pub fn parse_years(cell: &str) -> Option<u8> {
        let t = cell.trim();
        let number: String = t.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let rest = t[number.len()..].trim().to_lowercase();
        if number.is_empty()
            || !(rest.is_empty() || ["年", "年以上", "years", "year", "yrs", "y"].contains(&rest.as_str()))
        {
            return None;
        }
        let years: f64 = number.parse().ok()?;
        (0.0..=60.0).contains(&years).then_some(years.floor() as u8)
    }
}

/// One test over résumé facts. A question's condition holds when every clause holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Clause {
    /// At least this many years of experience.
    YearsAtLeast(u8),
    /// Education is one of these.
    EducationIn(Vec<Education>),
    /// Any of these phrases in the free text or the skills (the rubric matcher: tolerant of
    /// wording, so "带领" finds "带领一个五人团队").
    AnyPhrase(Vec<String>),
    /// A role held: any of these phrases in the roles.
    RoleHeld(Vec<String>),
}

/// A personalised question's condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub all: Vec<Clause>,
}

/// Why a condition is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("a condition needs at least one clause")]
    Empty,
    #[error("a clause has no phrase or education, or a phrase is blank or too long")]
    EmptyClause,
    #[error("more than 8 clauses or 20 phrases in one")]
    TooMany,
}

impl crate::UserFacing for ConditionError {
    fn code(&self) -> &'static str {
        "resume.condition_invalid"
    }

    fn user_message(&self) -> Localized {
        match self {
            ConditionError::Empty => Localized::new(
                "条件至少要有一项（例如“工作年限至少 3 年”）。",
                "A condition needs at least one test (for example \"at least 3 years of experience\").",
            ),
            ConditionError::EmptyClause => Localized::new(
                "条件中有一项是空的：请填写短语或选择学历，每个短语 1 到 50 个字符。",
                "A test of the condition is empty: give phrases or choose education levels, each phrase 1 to 50 characters.",
            ),
            ConditionError::TooMany => Localized::new(
                "一个条件最多 8 项，每项最多 20 个短语。",
                "A condition has at most 8 tests, each with at most 20 phrases.",
            ),
        }
    }
}

impl Condition {
    /// The condition as stored: phrases trimmed; refused when empty or too large.
    pub fn checked(self) -> Result<Condition, ConditionError> {
        if self.all.is_empty() {
            return Err(ConditionError::Empty);
        }
        if self.all.len() > 8 {
            return Err(ConditionError::TooMany);
        }
        let phrases = |list: Vec<String>| -> Result<Vec<String>, ConditionError> {
            let list: Vec<String> = list.iter().map(|p| p.trim().to_owned()).collect();
            if list.is_empty() || list.iter().any(|p| p.is_empty() || p.chars().count() > 50) {
                return Err(ConditionError::EmptyClause);
            }
            if list.len() > 20 {
                return Err(ConditionError::TooMany);
            }
            Ok(list)
        };
        let all = self
            .all
            .into_iter()
            .map(|clause| {
                Ok(match clause {
                    Clause::YearsAtLeast(n) => Clause::YearsAtLeast(n.min(60)),
                    Clause::EducationIn(set) if set.is_empty() => return Err(ConditionError::EmptyClause),
                    Clause::EducationIn(mut set) => {
                        set.sort();
                        set.dedup();
                        Clause::EducationIn(set)
                    }
                    Clause::AnyPhrase(list) => Clause::AnyPhrase(phrases(list)?),
                    Clause::RoleHeld(list) => Clause::RoleHeld(phrases(list)?),
                })
            })
            .collect::<Result<_, ConditionError>>()?;
        Ok(Condition { all })
    }
}

/// What made one clause hold, for the clerk and the audit: the fact it matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Reason {
    Years {
        at_least: u8,
        years: u8,
    },
    Education {
        education: Education,
    },
    /// `phrase` matched `quote` (from the free text, a skill, or a role).
    Phrase {
        phrase: String,
        quote: String,
        field: ResumeField,
    },
}

/// Where in the résumé a phrase was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ResumeField {
    Text,
    Skills,
    Roles,
}

impl Reason {
    /// One line for the clerk: `带领 matched "带领一个五人团队" in the résumé`.
    pub fn sentence(&self) -> Localized {
        match self {
            Reason::Years { at_least, years } => Localized::new(
                format!("工作年限 {years} 年（要求至少 {at_least} 年）"),
                format!("{years} years of experience (at least {at_least} asked)"),
            ),
            Reason::Education { education } => {
                let l = education.label();
                Localized::new(format!("学历：{}", l.zh_cn), format!("education: {}", l.en))
            }
            Reason::Phrase { phrase, quote, field } => {
                let (zh, en) = match field {
                    ResumeField::Text => ("简历正文", "the résumé"),
                    ResumeField::Skills => ("技能", "the skills"),
                    ResumeField::Roles => ("职务", "the roles held"),
                };
                Localized::new(
                    format!("“{phrase}”与{zh}中的“{quote}”相符"),
                    format!("\"{phrase}\" matched \"{quote}\" in {en}"),
                )
            }
        }
    }
}

/// A conditioned question of a job's bank, as the plan rule sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditioned {
    pub question_id: i64,
    pub position: i64,
    pub condition: Condition,
}

/// The plan rule: from a job's conditioned questions, the candidate's facts, the job's number of
/// personalised questions and its language, the questions chosen and why
/// (`scoring::resume::choose`, which the vault is given because it matches with the rubric
/// matcher).
pub type Personaliser = fn(&[Conditioned], &ResumeFacts, usize, crate::Lang) -> Vec<Chosen>;

/// A personalised question chosen for an invitation, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Chosen {
    pub question_id: i64,
    pub reasons: Vec<Reason>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn education_is_read_in_both_languages_most_specific_first() {
        for (text, want) in [
            ("本科", Education::Bachelor),
            ("大学本科", Education::Bachelor),
            ("博士研究生", Education::Doctorate),
            ("硕士研究生", Education::Master),
            ("研究生", Education::Master),
            ("大专", Education::Associate),
            ("中专", Education::Secondary),
            ("Bachelor of Laws", Education::Bachelor),
            ("PhD", Education::Doctorate),
            ("master", Education::Master),
        ] {
            assert_eq!(Education::parse(text), Some(want), "{text}");
        }
        assert_eq!(Education::parse("未知"), None);
        assert_eq!(Education::parse(""), None);
        assert!(Education::Master > Education::Bachelor);
    }

    #[test]
    fn years_are_read_as_written_and_nonsense_is_not() {
        assert_eq!(ResumeFacts::parse_years("5"), Some(5));
        assert_eq!(ResumeFacts::parse_years("3.5 年"), Some(3));
        assert_eq!(ResumeFacts::parse_years("10 years"), Some(10));
        assert_eq!(ResumeFacts::parse_years("十年"), None);
        assert_eq!(ResumeFacts::parse_years("5 months"), None);
        assert_eq!(ResumeFacts::parse_years("99"), None);
    }

    #[test]
    fn facts_are_normalised_and_bounded() {
        let facts = ResumeFacts {
            major: Some("  ".into()),
            skills: vec![" Excel ".into(), "".into(), "Excel".into(), "Python".into()],
            text: "  带领一个五人团队\n ".into(),
            ..ResumeFacts::default()
        }
        .normalised()
        .unwrap();
        assert_eq!(
            (facts.major, facts.skills, facts.text.as_str()),
            (None, vec!["Excel".into(), "Python".into()], "带领一个五人团队")
        );
        let long = ResumeFacts { roles: vec!["x".repeat(MAX_FIELD + 1)], ..ResumeFacts::default() };
        assert_eq!(long.normalised(), Err(ResumeError::FieldTooLong));
        let many = ResumeFacts { skills: (0..=MAX_ITEMS).map(|i| i.to_string()).collect(), ..ResumeFacts::default() };
        assert_eq!(many.normalised(), Err(ResumeError::TooManyItems));
        assert_eq!(ResumeFacts { years: Some(61), ..ResumeFacts::default() }.normalised(), Err(ResumeError::Years));
        assert_eq!(ResumeFacts::split_list("Excel、Python，SQL; Word"), ["Excel", "Python", "SQL", "Word"]);
    }

    #[test]
    fn conditions_are_checked_and_serialise_readably() {
        let c: Condition =
            serde_json::from_str(r#"{"all":[{"years_at_least":3},{"any_phrase":[" 带领 ","团队"]}]}"#).unwrap();
        let c = c.checked().unwrap();
        assert_eq!(c.all[1], Clause::AnyPhrase(vec!["带领".into(), "团队".into()]));
        assert_eq!(Condition { all: vec![] }.checked(), Err(ConditionError::Empty));
        assert_eq!(
            Condition { all: vec![Clause::AnyPhrase(vec![" ".into()])] }.checked(),
            Err(ConditionError::EmptyClause)
        );
        assert_eq!(Condition { all: vec![Clause::EducationIn(vec![])] }.checked(), Err(ConditionError::EmptyClause));
        assert!(serde_json::from_str::<Condition>(r#"{"all":[{"shoe_size":3}]}"#).is_err());
    }
}
