//! The hiring rules: weights, bands, the interview state machine, access codes, ID numbers.

use serde::{Deserialize, Serialize};

use crate::{Localized, UserFacing};

/// A rule a request broke. Every variant is something a person can fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("weights sum to {sum_basis_points} basis points, not 10000")]
    WeightsSum { sum_basis_points: u32 },
    #[error("a job needs at least one competency dimension")]
    NoDimensions,
    #[error("dimension {0:?} is listed twice")]
    DuplicateDimension(String),
    #[error("bands must satisfy 0 <= hold ({hold}) < recommend ({recommend}) <= 100")]
    Bands { recommend: u8, hold: u8 },
    #[error("illegal transition from {from:?} by {event:?}")]
    Transition { from: InterviewState, event: InterviewEvent },
    #[error("access code not valid yet")]
    CodeNotYetValid,
    #[error("access code expired")]
    CodeExpired,
    #[error("access code already used")]
    CodeUsed,
    #[error("an access code must become invalid after it becomes valid")]
    CodeWindowEmpty,
    #[error("invalid resident ID number")]
    IdNumber,
    #[error("a candidate's name must be 1 to {MAX_NAME_CHARS} characters, not blank")]
    CandidateName,
    #[error("malformed phone number")]
    Phone,
    #[error("malformed e-mail address")]
    Email,
}

impl UserFacing for RuleError {
    fn code(&self) -> &'static str {
        match self {
            RuleError::WeightsSum { .. } => "rules.weights_sum",
            RuleError::NoDimensions => "rules.no_dimensions",
            RuleError::DuplicateDimension(_) => "rules.duplicate_dimension",
            RuleError::Bands { .. } => "rules.bands",
            RuleError::Transition { .. } => "rules.transition",
            RuleError::CodeNotYetValid => "rules.code_not_yet_valid",
            RuleError::CodeExpired => "rules.code_expired",
            RuleError::CodeUsed => "rules.code_used",
            RuleError::CodeWindowEmpty => "rules.code_window_empty",
            RuleError::IdNumber => "rules.id_number",
            RuleError::CandidateName => "rules.candidate_name",
            RuleError::Phone => "rules.phone",
            RuleError::Email => "rules.email",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            RuleError::WeightsSum { sum_basis_points } => {
                let pct = format!("{}.{:02}", sum_basis_points / 100, sum_basis_points % 100);
                Localized::new(
                    format!("各维度权重之和为 {pct}%，必须正好为 100%。"),
                    format!("The dimension weights add up to {pct}%; they must add up to exactly 100%."),
                )
            }
            RuleError::NoDimensions => {
                Localized::new("岗位至少需要一个胜任力维度。", "A job needs at least one competency dimension.")
            }
            RuleError::DuplicateDimension(name) => Localized::new(
                format!("维度“{name}”重复出现，请合并或改名。"),
                format!("The dimension “{name}” appears twice; merge or rename it."),
            ),
            RuleError::Bands { .. } => Localized::new(
                "分档设置无效：“推荐”分数线必须高于“待定”分数线，且都在 0 到 100 之间。",
                "The bands are invalid: the “recommend” threshold must be above the “hold” threshold, both between 0 and 100.",
            ),
            RuleError::Transition { .. } => Localized::new(
                "面试当前所处的阶段不允许这一操作。",
                "This cannot be done at the interview's current stage.",
            ),
            RuleError::CodeNotYetValid => Localized::new(
                "该准入码尚未生效，请在通知的面试时间内使用。",
                "This access code is not valid yet; please use it at the time given in your invitation.",
            ),
            RuleError::CodeExpired => Localized::new(
                "该准入码已过期，请联系工作人员。",
                "This access code has expired; please ask a member of staff.",
            ),
            RuleError::CodeWindowEmpty => Localized::new(
                "准入码的有效期结束时间必须晚于开始时间。",
                "An access code must stop being valid after it starts being valid.",
            ),
            RuleError::CodeUsed => Localized::new(
                "该准入码已使用过，每个准入码只能使用一次。请联系工作人员。",
                "This access code has already been used; each code works only once. Please ask a member of staff.",
            ),
            RuleError::IdNumber => Localized::new(
                "身份证号码无效，请检查是否输入正确。",
                "The ID number is not valid; please check it was typed correctly.",
            ),
            RuleError::CandidateName => Localized::new(
                "请填写候选人姓名（不超过 100 个字）。",
                "Enter the candidate's name (at most 100 characters).",
            ),
            RuleError::Phone => Localized::new(
                "电话号码格式不对：请填写 11 位手机号或以 0 开头的固定电话。",
                "The phone number is malformed: give an 11-digit mobile number or a landline starting with 0.",
            ),
            RuleError::Email => Localized::new(
                "电子邮箱格式不对，请检查是否输入正确。",
                "The e-mail address is malformed; please check it was typed correctly.",
            ),
        }
    }
}

/// A dimension weight in basis points (1/100 of a percent), so sums are exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    pub dimension: String,
    pub basis_points: u32,
}

/// Checks a job's dimension weights: at least one, names unique, summing to exactly 100 %.
pub fn check_weights(weights: &[Weight]) -> Result<(), RuleError> {
    if weights.is_empty() {
        return Err(RuleError::NoDimensions);
    }
    let mut names = std::collections::HashSet::new();
    for w in weights {
        if !names.insert(w.dimension.trim()) {
            return Err(RuleError::DuplicateDimension(w.dimension.clone()));
        }
    }
    let sum: u32 = weights.iter().map(|w| w.basis_points).sum();
    if sum != 10_000 {
        return Err(RuleError::WeightsSum { sum_basis_points: sum });
    }
    Ok(())
}

/// The weighted total (0–100) of levels 1–5, one per weight in the same order: level 1 counts 0
/// and level 5 counts 100, rounded to a tenth. `None` (withheld) when a dimension that carries
/// weight has no level. The one formula for every total: scoring's, the validity statistics',
/// and a suggested weighting's replay over past candidates.
pub fn weighted_total(levels: &[Option<f64>], weights: &[Weight]) -> Option<f64> {
    weights
        .iter()
        .zip(levels.iter().chain(std::iter::repeat(&None)))
        .filter(|(w, _)| w.basis_points > 0)
        .map(|(w, level)| level.map(|l| f64::from(w.basis_points) * (l - 1.0) / 4.0 * 100.0 / 10_000.0))
        .sum::<Option<f64>>()
        .map(|t| (t * 10.0).round() / 10.0)
}

/// 推荐 / 待定 / 不推荐.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Recommend,
    Hold,
    NotRecommended,
}

impl Band {
    pub const ALL: [Band; 3] = [Band::Recommend, Band::Hold, Band::NotRecommended];

    /// The stored and serialised name (the vault's `band` columns, IPC, the API).
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Recommend => "recommend",
            Band::Hold => "hold",
            Band::NotRecommended => "not_recommended",
        }
    }

    pub fn parse(s: &str) -> Option<Band> {
        Band::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// A job's thresholds on the weighted total (0–100): at or above `recommend` → 推荐, at or
/// above `hold` → 待定, below → 不推荐.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub recommend: u8,
    pub hold: u8,
}

impl Bands {
    pub fn new(recommend: u8, hold: u8) -> Result<Bands, RuleError> {
        if hold < recommend && recommend <= 100 {
            Ok(Bands { recommend, hold })
        } else {
            Err(RuleError::Bands { recommend, hold })
        }
    }

    pub fn band(self, total: f64) -> Band {
        if total >= f64::from(self.recommend) {
            Band::Recommend
        } else if total >= f64::from(self.hold) {
            Band::Hold
        } else {
            Band::NotRecommended
        }
    }
}

/// 已邀请 → 已签到 → 面试中 → 已完成 → 已评分 → 已复核.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum InterviewState {
    Invited,
    CheckedIn,
    InProgress,
    Completed,
    Scored,
    Reviewed,
    /// The candidate declined consent; nothing was recorded.
    Declined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterviewEvent {
    CheckIn,
    GiveConsent,
    DeclineConsent,
    Finish,
    Score,
    /// Explicit, audited re-scoring after a rubric or model change.
    Rescore,
    Review,
}

impl InterviewState {
    pub const ALL: [InterviewState; 7] = [
        InterviewState::Invited,
        InterviewState::CheckedIn,
        InterviewState::InProgress,
        InterviewState::Completed,
        InterviewState::Scored,
        InterviewState::Reviewed,
        InterviewState::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InterviewState::Invited => "invited",
            InterviewState::CheckedIn => "checked_in",
            InterviewState::InProgress => "in_progress",
            InterviewState::Completed => "completed",
            InterviewState::Scored => "scored",
            InterviewState::Reviewed => "reviewed",
            InterviewState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<InterviewState> {
        InterviewState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The state after `event`, or the rule it breaks.
    pub fn apply(self, event: InterviewEvent) -> Result<InterviewState, RuleError> {
        use InterviewEvent as E;
        use InterviewState as S;
        let next = match (self, event) {
            (S::Invited, E::CheckIn) => S::CheckedIn,
            (S::CheckedIn, E::GiveConsent) => S::InProgress,
            (S::CheckedIn, E::DeclineConsent) => S::Declined,
            (S::InProgress, E::Finish) => S::Completed,
            (S::Completed, E::Score) => S::Scored,
            (S::Scored | S::Reviewed, E::Rescore) => S::Scored,
            (S::Scored, E::Review) => S::Reviewed,
            (from, event) => return Err(RuleError::Transition { from, event }),
        };
        Ok(next)
    }
}

/// An access code's validity, in Unix seconds (the caller supplies the clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeWindow {
    pub valid_from: i64,
    pub valid_until: i64,
    pub used_at: Option<i64>,
}

impl CodeWindow {
    /// Whether the code may be redeemed at `now`. A used code stays used, whatever the time.
    pub fn check(&self, now: i64) -> Result<(), RuleError> {
        if self.used_at.is_some() {
            Err(RuleError::CodeUsed)
        } else if now < self.valid_from {
            Err(RuleError::CodeNotYetValid)
        } else if now > self.valid_until {
            Err(RuleError::CodeExpired)
        } else {
            Ok(())
        }
    }
}

/// Checks an 18-digit resident identity number (GB 11643-1999): digits, a plausible birth date
/// field and the ISO 7064 MOD 11-2 check character.
pub fn check_resident_id(id: &str) -> Result<(), RuleError> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(RuleError::IdNumber);
    }
    let month = (bytes[10] - b'0') * 10 + (bytes[11] - b'0');
    let day = (bytes[12] - b'0') * 10 + (bytes[13] - b'0');
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(RuleError::IdNumber);
    }
    const FACTORS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = bytes[..17].iter().zip(FACTORS).map(|(b, f)| u32::from(b - b'0') * f).sum();
    let expected = CHECK[(sum % 11) as usize];
    if bytes[17].to_ascii_uppercase() == expected { Ok(()) } else { Err(RuleError::IdNumber) }
}

/// The longest candidate name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A candidate's name: not blank, at most [`MAX_NAME_CHARS`] characters (surrounding spaces do
/// not count). One rule for every way a candidate arrives: the clerk's form, the command line,
/// an HRMS import and the API.
pub fn check_candidate_name(name: &str) -> Result<(), RuleError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(RuleError::CandidateName);
    }
    Ok(())
}

/// A mainland mobile (11 digits starting with 1, optionally `+86`) or a landline starting with 0;
/// spaces, dashes and brackets allowed between digits.
pub fn check_phone(phone: &str) -> Result<(), RuleError> {
    let digits: String = phone.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits);
    let all_digits = digits.chars().all(|c| c.is_ascii_digit());
    let mobile = digits.len() == 11 && digits.starts_with('1') && all_digits;
    let landline = (7..=12).contains(&digits.len()) && digits.starts_with('0') && all_digits;
    if mobile || landline { Ok(()) } else { Err(RuleError::Phone) }
}

/// `local@domain.tld`, no spaces, a domain of letters, digits, dots and dashes.
pub fn check_email(email: &str) -> Result<(), RuleError> {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else { return Err(RuleError::Email) };
    let ok = !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if ok { Ok(()) } else { Err(RuleError::Email) }
}
#[cfg(test)]
mod tests {
    /// What the attack pass sent through the API and the importer refused; now one rule refuses
    /// it everywhere.
    #[test]
    fn candidate_contact_details_have_one_rule() {
        use super::{check_candidate_name, check_email, check_phone};
        for bad in ["", "   ", "\u{7}x"] {
            assert!(check_candidate_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_candidate_name(&"名".repeat(101)).is_err());
        assert!(check_candidate_name(" 王小明 ").is_ok());
        for bad in ["not a phone; DROP TABLE", "1380000", "23800000000", ""] {
            assert!(check_phone(bad).is_err(), "{bad:?}");
        }
        for good in ["13800000000", "+86 138-0000-0000", "010-12345678"] {
            assert!(check_phone(good).is_ok(), "{good:?}");
        }
        for bad in ["@@@", "a@b", "a b@c.cn", "a@.cn", "a@b@c.cn", "bad-mail"] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        assert!(check_email("zhang@example.cn").is_ok());
    }

    use super::*;

    fn w(d: &str, bp: u32) -> Weight {
        Weight { dimension: d.to_owned(), basis_points: bp }
    }

    #[test]
    fn weights_must_sum_to_exactly_100_percent() {
        assert_eq!(check_weights(&[w("逻辑思维", 3000), w("沟通能力", 3000), w("服务意识", 4000)]), Ok(()));
        assert_eq!(
            check_weights(&[w("逻辑思维", 3333), w("沟通能力", 3333), w("服务意识", 3333)]),
            Err(RuleError::WeightsSum { sum_basis_points: 9999 })
        );
        assert_eq!(check_weights(&[]), Err(RuleError::NoDimensions));
        assert!(matches!(check_weights(&[w("a", 5000), w("a ", 5000)]), Err(RuleError::DuplicateDimension(_))));
        let msg = RuleError::WeightsSum { sum_basis_points: 9999 }.user_message();
        assert!(msg.zh_cn.contains("99.99%") && msg.en.contains("99.99%"));
    }

    #[test]
    fn bands() {
        let bands = Bands::new(80, 60).unwrap();
        assert_eq!(bands.band(80.0), Band::Recommend);
        assert_eq!(bands.band(79.9), Band::Hold);
        assert_eq!(bands.band(60.0), Band::Hold);
        assert_eq!(bands.band(59.9), Band::NotRecommended);
        assert!(Bands::new(60, 60).is_err());
        assert!(Bands::new(101, 60).is_err());
    }

    #[test]
    fn the_happy_path_and_every_illegal_transition() {
        use InterviewEvent as E;
        use InterviewState as S;
        let path = [
            (E::CheckIn, S::CheckedIn),
            (E::GiveConsent, S::InProgress),
            (E::Finish, S::Completed),
            (E::Score, S::Scored),
            (E::Review, S::Reviewed),
            (E::Rescore, S::Scored),
        ];
        let mut state = S::Invited;
        for (event, expected) in path {
            state = state.apply(event).unwrap();
            assert_eq!(state, expected);
        }
        let legal = [
            (S::Invited, E::CheckIn),
            (S::CheckedIn, E::GiveConsent),
            (S::CheckedIn, E::DeclineConsent),
            (S::InProgress, E::Finish),
            (S::Completed, E::Score),
            (S::Scored, E::Rescore),
            (S::Reviewed, E::Rescore),
            (S::Scored, E::Review),
        ];
        let events = [E::CheckIn, E::GiveConsent, E::DeclineConsent, E::Finish, E::Score, E::Rescore, E::Review];
        for from in S::ALL {
            for event in events {
                assert_eq!(from.apply(event).is_ok(), legal.contains(&(from, event)), "{from:?} by {event:?}");
            }
            assert_eq!(S::parse(from.as_str()), Some(from));
        }
    }

    #[test]
    fn access_codes() {
        let window = CodeWindow { valid_from: 100, valid_until: 200, used_at: None };
        assert_eq!(window.check(99), Err(RuleError::CodeNotYetValid));
        assert_eq!(window.check(100), Ok(()));
        assert_eq!(window.check(200), Ok(()));
        assert_eq!(window.check(201), Err(RuleError::CodeExpired));
        assert_eq!(CodeWindow { used_at: Some(150), ..window }.check(150), Err(RuleError::CodeUsed));
    }

    #[test]
    fn resident_ids() {
        // The standard's own example, and one with the X check character.
        assert_eq!(check_resident_id("11010519491231002X"), Ok(()));
        assert_eq!(check_resident_id("11010519491231002x"), Ok(()));
        assert_eq!(check_resident_id("110105194912310021"), Err(RuleError::IdNumber));
        assert_eq!(check_resident_id("440524188001010014"), Ok(()));
        assert_eq!(check_resident_id("4405241880010100"), Err(RuleError::IdNumber));
        assert_eq!(check_resident_id("440524188013010014"), Err(RuleError::IdNumber));
    }
}
