//! What happened to a hired candidate later, as the HRMS reports it: a probation passed or failed,
//! a performance rating on a scale the agency names, leaving (voluntary or not). Each record is
//! dated with a civil day. The criteria the validity statistics use are derived from them here,
//! so that the screen, the report and the suggestion read one definition.

use serde::{Deserialize, Serialize};

/// A civil day (proleptic Gregorian), as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct CivilDate(pub i32);

impl CivilDate {
    /// The day of `year-month-day`, or `None` for a day that does not exist (2026-02-30) or a
    /// year outside 1900–9999.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<CivilDate> {
        if !(1900..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month)
        {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(CivilDate(era * 146_097 + doe - 719_468))
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (yoe + era * 400 + i32::from(month <= 2), month, day)
    }

    /// The day a moment (milliseconds since the epoch) falls on, in UTC+`offset_minutes`.
    pub fn of_ms(ms: i64, offset_minutes: i32) -> CivilDate {
        CivilDate((ms + i64::from(offset_minutes) * 60_000).div_euclid(86_400_000) as i32)
    }

    /// Reads the forms HRMS exports use: `2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日`,
    /// `20260301`, an ISO date-time (its date part), or a spreadsheet's serial day number
    /// (1900 date system, as XLSX stores dates).
    pub fn parse(text: &str) -> Option<CivilDate> {
        let text = text.trim();
        if let Ok(serial) = text.parse::<f64>() {
            // Serial days between 1950 and 2100; 8 digits is yyyymmdd.
            if text.len() == 8 && !text.contains('.') {
                let n: u32 = text.parse().ok()?;
                return CivilDate::from_ymd((n / 10_000) as i32, n / 100 % 100, n % 100);
            }
            if (18_264.0..=73_051.0).contains(&serial) {
                return Some(CivilDate(serial.floor() as i32 - 25_569));
            }
            return None;
        }
        let date = text.split(['T', ' ']).next()?;
        let parts: Vec<&str> = date.trim_end_matches('日').split(['-', '/', '.', '年', '月']).collect();
        let [y, m, d] = parts[..] else { return None };
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        if y.len() != 4 {
            return None;
        }
        CivilDate::from_ymd(number(y)? as i32, number(m)?, number(d)?)
    }
}

impl std::fmt::Display for CivilDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A performance-rating scale. The agency's HRMS names one of these; a rating on any other
/// scale is refused at import rather than guessed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RatingScale {
    /// The civil service's annual appraisal grades: 优秀 / 称职 / 基本称职 / 不称职.
    Grades4,
    /// Points 1 (lowest) to 5 (highest).
    Points5,
}

/// The four appraisal grades, lowest first, in Chinese and English.
const GRADES4: [(&str, &str); 4] =
    [("不称职", "incompetent"), ("基本称职", "basically competent"), ("称职", "competent"), ("优秀", "excellent")];

impl RatingScale {
    pub const ALL: [RatingScale; 2] = [RatingScale::Grades4, RatingScale::Points5];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingScale::Grades4 => "grades4",
            RatingScale::Points5 => "points5",
        }
    }

    /// The scale by its code or by the names an HRMS export uses for it.
    pub fn parse(text: &str) -> Option<RatingScale> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "grades4" | "四档" | "四等次" | "考核等次" | "优秀/称职/基本称职/不称职" => {
                Some(RatingScale::Grades4)
            }
            "points5" | "1-5" | "1–5" | "五分制" | "5分制" | "points" => Some(RatingScale::Points5),
            _ => None,
        }
    }

    /// How many steps the scale has.
    pub fn steps(self) -> u8 {
        match self {
            RatingScale::Grades4 => 4,
            RatingScale::Points5 => 5,
        }
    }

    /// A rating's step, 1 = lowest.
    pub fn value(self, text: &str) -> Option<u8> {
        let t = text.trim();
        match self {
            RatingScale::Grades4 => {
                GRADES4.iter().position(|(zh, en)| t == *zh || t.eq_ignore_ascii_case(en)).map(|i| i as u8 + 1)
            }
            RatingScale::Points5 => match t.parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && (1.0..=5.0).contains(&v) => Some(v as u8),
                _ => None,
            },
        }
    }

    /// A step's name in the language of `lang`.
    pub fn label(self, step: u8, lang: crate::Lang) -> String {
        match self {
            RatingScale::Grades4 => {
                let (zh, en) = GRADES4[usize::from(step.clamp(1, 4)) - 1];
                if lang == crate::Lang::ZhCn { zh.to_owned() } else { en.to_owned() }
            }
            RatingScale::Points5 => step.to_string(),
        }
    }

    /// A step on 0 (lowest) … 1 (highest), so ratings on either scale are comparable in rank.
    pub fn normalised(self, step: u8) -> f64 {
        f64::from(step.saturating_sub(1)) / f64::from(self.steps() - 1)
    }
}

/// One thing that happened after the hire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Probation { passed: bool },
    Rating { scale: RatingScale, step: u8 },
    Left { voluntary: bool },
}

/// What an outcome record is about; two records of one kind on one day must agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Probation,
    Rating,
    Left,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Probation => "probation",
            OutcomeKind::Rating => "rating",
            OutcomeKind::Left => "left",
        }
    }

    pub fn parse(text: &str) -> Option<OutcomeKind> {
        match text.trim().to_lowercase().as_str() {
            "probation" | "试用期" | "试用" | "试用期考核" => Some(OutcomeKind::Probation),
            "rating" | "performance" | "绩效" | "考核" | "年度考核" | "绩效考核" => {
                Some(OutcomeKind::Rating)
            }
            "left" | "leaving" | "离职" | "退出" => Some(OutcomeKind::Left),
            _ => None,
        }
    }
}

impl Outcome {
    pub fn kind(self) -> OutcomeKind {
        match self {
            Outcome::Probation { .. } => OutcomeKind::Probation,
            Outcome::Rating { .. } => OutcomeKind::Rating,
            Outcome::Left { .. } => OutcomeKind::Left,
        }
    }

    /// The outcome named by a kind and a result cell (`scale` for ratings). `None` when the
    /// result is not one of the kind's words.
    pub fn read(kind: OutcomeKind, result: &str, scale: RatingScale) -> Option<Outcome> {
        let r = result.trim().to_lowercase();
        match kind {
            OutcomeKind::Probation => match r.as_str() {
                "通过" | "合格" | "转正" | "passed" | "pass" => Some(Outcome::Probation { passed: true }),
                "未通过" | "不合格" | "不予转正" | "failed" | "fail" => {
                    Some(Outcome::Probation { passed: false })
                }
                _ => None,
            },
            OutcomeKind::Rating => scale.value(result).map(|step| Outcome::Rating { scale, step }),
            OutcomeKind::Left => match r.as_str() {
                "主动" | "主动离职" | "辞职" | "voluntary" | "resigned" => {
                    Some(Outcome::Left { voluntary: true })
                }
                "被动" | "被动离职" | "辞退" | "解聘" | "involuntary" | "dismissed" => {
                    Some(Outcome::Left { voluntary: false })
                }
                _ => None,
            },
        }
    }

    /// The result in words, as the problem list and the candidate's page show it.
    pub fn describe(self, lang: crate::Lang) -> String {
        let zh = lang == crate::Lang::ZhCn;
        match self {
            Outcome::Probation { passed } => (if passed {
                if zh { "试用期通过" } else { "probation passed" }
            } else if zh {
                "试用期未通过"
            } else {
                "probation failed"
            })
            .into(),
            Outcome::Rating { scale, step } => {
                format!("{} {}", if zh { "考核" } else { "rating" }, scale.label(step, lang))
            }
            Outcome::Left { voluntary } => (if voluntary {
                if zh { "主动离职" } else { "left voluntarily" }
            } else if zh {
                "被动离职"
            } else {
                "left involuntarily"
            })
            .into(),
        }
    }
}

/// A dated outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutcomeRecord {
    pub date: CivilDate,
    pub outcome: Outcome,
}

/// What a person's later record is measured by, for the validity statistics and the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// The latest probation result: passed 1, failed 0.
    Probation,
    /// The latest performance rating, 0 (the scale's lowest) … 1 (its highest).
    Performance,
    /// Still there a year after the decision 1, left within that year 0; unknown until a year has
    /// passed or the person left.
    Retention,
}

/// Days in the retention criterion's year.
pub const RETENTION_DAYS: i32 = 365;

impl Criterion {
    pub const ALL: [Criterion; 3] = [Criterion::Probation, Criterion::Performance, Criterion::Retention];

    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::Probation => "probation",
            Criterion::Performance => "performance",
            Criterion::Retention => "retention",
        }
    }

    pub fn parse(text: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn name(self) -> crate::Localized {
        use crate::Localized as L;
        match self {
            Criterion::Probation => L::new("试用期通过", "probation passed"),
            Criterion::Performance => L::new("绩效考核", "performance rating"),
            Criterion::Retention => L::new("一年内留任", "stayed a year"),
        }
    }

    /// The criterion's value for a person decided on `decided`, from their records, as of
    /// `today`; `None` when the records do not tell yet.
    pub fn value(self, records: &[OutcomeRecord], decided: CivilDate, today: CivilDate) -> Option<f64> {
        let latest = |pick: &dyn Fn(Outcome) -> Option<f64>| {
            records.iter().filter_map(|r| pick(r.outcome).map(|v| (r.date, v))).max_by_key(|(d, _)| *d).map(|(_, v)| v)
        };
        match self {
            Criterion::Probation => latest(&|o| match o {
                Outcome::Probation { passed } => Some(f64::from(u8::from(passed))),
                _ => None,
            }),
            Criterion::Performance => latest(&|o| match o {
                Outcome::Rating { scale, step } => Some(scale.normalised(step)),
                _ => None,
            }),
            Criterion::Retention => {
                let left = records.iter().filter(|r| matches!(r.outcome, Outcome::Left { .. })).map(|r| r.date).min();
                match left {
                    Some(day) => Some(if day.0 - decided.0 < RETENTION_DAYS { 0.0 } else { 1.0 }),
                    None if today.0 - decided.0 >= RETENTION_DAYS => Some(1.0),
                    None => None,
                }
            }
        }
    }
}

/// Why an outcome record cannot be recorded. The import's problem list, the API's refusal and
/// the vault's own last check all name one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum OutcomeProblem {
    MissingId,
    InvalidId,
    /// No candidate of this job has the ID number (or the candidate was purged).
    UnknownCandidate,
    /// The candidate's interview has no decision yet: nobody was hired.
    NotDecided,
    UnknownKind,
    BadDate,
    /// Dated before the interview was decided.
    BeforeDecision {
        decided: CivilDate,
    },
    /// Dated after today.
    InFuture,
    /// A rating scale this product does not know.
    UnknownScale,
    /// The result is not one of the kind's words (or not a step of the scale).
    UnknownResult {
        kind: OutcomeKind,
        scale: RatingScale,
    },
    /// The same record is already there (in the vault, or earlier in the file).
    Duplicate,
    /// Another record of the same kind on the same day says something else, a second leaving
    /// date, or a record dated after the person left.
    Contradicts {
        other: OutcomeRecord,
    },
}

impl OutcomeProblem {
    pub fn code(self) -> &'static str {
        match self {
            OutcomeProblem::MissingId => "outcome.missing_id",
            OutcomeProblem::InvalidId => "outcome.invalid_id",
            OutcomeProblem::UnknownCandidate => "outcome.unknown_candidate",
            OutcomeProblem::NotDecided => "outcome.not_decided",
            OutcomeProblem::UnknownKind => "outcome.unknown_kind",
            OutcomeProblem::BadDate => "outcome.bad_date",
            OutcomeProblem::BeforeDecision { .. } => "outcome.before_decision",
            OutcomeProblem::InFuture => "outcome.in_future",
            OutcomeProblem::UnknownScale => "outcome.unknown_scale",
            OutcomeProblem::UnknownResult { .. } => "outcome.unknown_result",
            OutcomeProblem::Duplicate => "outcome.duplicate",
            OutcomeProblem::Contradicts { .. } => "outcome.contradicts",
        }
    }

    pub fn message(self) -> crate::Localized {
        use crate::Localized as L;
        match self {
            OutcomeProblem::MissingId => L::new("缺少身份证号", "ID number missing"),
            OutcomeProblem::InvalidId => {
                L::new("身份证号无效（位数或校验位不对）", "ID number invalid (length or check digit)")
            }
            OutcomeProblem::UnknownCandidate => {
                L::new("该岗位没有此身份证号的候选人", "no candidate of this job has this ID number")
            }
            OutcomeProblem::NotDecided => L::new(
                "该候选人的面试尚未作出决定，不能记录录用后的结果",
                "this candidate's interview has no decision yet, so there is no hire to record an outcome for",
            ),
            OutcomeProblem::UnknownKind => L::new(
                "结果类型不认识（应为 试用期 / 绩效 / 离职）",
                "outcome type not recognised (probation, rating or left)",
            ),
            OutcomeProblem::BadDate => {
                L::new("日期无法识别（例如 2026-03-01）", "date not recognised (for example 2026-03-01)")
            }
            OutcomeProblem::BeforeDecision { decided } => L::new(
                format!("日期早于面试决定日期（{decided}）"),
                format!("dated before the interview was decided ({decided})"),
            ),
            OutcomeProblem::InFuture => L::new("日期在今天之后", "dated after today"),
            OutcomeProblem::UnknownScale => L::new(
                "考核等级制不认识（支持：优秀/称职/基本称职/不称职，或 1–5 分）",
                "rating scale not recognised (supported: 优秀/称职/基本称职/不称职, or points 1–5)",
            ),
            OutcomeProblem::UnknownResult { kind, scale } => match kind {
                OutcomeKind::Probation => {
                    L::new("试用期结果应为 通过 / 未通过", "a probation result is passed or failed")
                }
                OutcomeKind::Left => L::new("离职类型应为 主动 / 被动", "leaving is voluntary or involuntary"),
                OutcomeKind::Rating => match scale {
                    RatingScale::Grades4 => L::new(
                        "考核结果不在等级制中（优秀 / 称职 / 基本称职 / 不称职）",
                        "rating not on the scale (优秀 / 称职 / 基本称职 / 不称职)",
                    ),
                    RatingScale::Points5 => {
                        L::new("考核结果应为 1 到 5 的整数", "a rating on this scale is a whole number from 1 to 5")
                    }
                },
            },
            OutcomeProblem::Duplicate => L::new(
                "与已有记录（或文件中前面的行）重复",
                "duplicates a record already there (or an earlier row of the file)",
            ),
            OutcomeProblem::Contradicts { other } => L::new(
                format!("与已有记录矛盾：{} {}", other.date, other.outcome.describe(crate::Lang::ZhCn)),
                format!(
                    "contradicts a record already there: {} {}",
                    other.date,
                    other.outcome.describe(crate::Lang::En)
                ),
            ),
        }
    }
}

/// Checks a new record against the candidate's decision day (`None`: not decided), the records
/// already there, and today.
pub fn check_record(
    decided: Option<CivilDate>,
    existing: &[OutcomeRecord],
    new: &OutcomeRecord,
    today: CivilDate,
) -> Result<(), OutcomeProblem> {
    let decided = decided.ok_or(OutcomeProblem::NotDecided)?;
    if new.date < decided {
        return Err(OutcomeProblem::BeforeDecision { decided });
    }
    if new.date > today {
        return Err(OutcomeProblem::InFuture);
    }
    if existing.contains(new) {
        return Err(OutcomeProblem::Duplicate);
    }
    let left = |r: &OutcomeRecord| matches!(r.outcome, Outcome::Left { .. });
    for other in existing {
        let same_day_kind = other.date == new.date && other.outcome.kind() == new.outcome.kind();
        let second_leaving = left(other) && left(new);
        let after_leaving = (left(other) && new.date > other.date) || (left(new) && other.date > new.date);
        if same_day_kind || second_leaving || after_leaving {
            return Err(OutcomeProblem::Contradicts { other: *other });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip_and_read_every_export_form() {
        assert_eq!(CivilDate::from_ymd(1970, 1, 1), Some(CivilDate(0)));
        assert_eq!(CivilDate::from_ymd(2000, 3, 1).unwrap().0, 11_017);
        for d in [-25_000, -1, 0, 59, 11_016, 20_000, 2_932_896] {
            let (y, m, dd) = CivilDate(d).ymd();
            assert_eq!(
                CivilDate::from_ymd(y, m, dd),
                if (1900..=9999).contains(&y) { Some(CivilDate(d)) } else { None }
            );
        }
        let day = CivilDate::from_ymd(2026, 3, 1).unwrap();
        for text in ["2026-03-01", "2026/3/1", "2026.3.1", "2026年3月1日", "20260301", "2026-03-01T00:00:00", "46082"]
        {
            assert_eq!(CivilDate::parse(text), Some(day), "{text}");
        }
        assert_eq!(day.to_string(), "2026-03-01");
        for bad in ["2026-02-30", "2025-02-29", "26-3-1", "2026-13-01", "March 1", "", "12", "2026-03"] {
            assert_eq!(CivilDate::parse(bad), None, "{bad}");
        }
        assert_eq!(CivilDate::parse("2024-02-29").map(|d| d.to_string()).as_deref(), Some("2024-02-29"));
        // 2026-03-01 00:30 in Beijing is still 2026-02-28 in UTC.
        let ms = i64::from(day.0) * 86_400_000 - 7 * 3_600_000 - 30 * 60_000;
        assert_eq!(CivilDate::of_ms(ms, 480), day);
        assert_eq!(CivilDate::of_ms(ms, 0), CivilDate(day.0 - 1));
    }

    #[test]
    fn ratings_are_read_on_their_own_scale_only() {
        assert_eq!(RatingScale::Grades4.value("优秀"), Some(4));
        assert_eq!(RatingScale::Grades4.value("Basically competent"), Some(2));
        assert_eq!(RatingScale::Grades4.value("良好"), None);
        assert_eq!(RatingScale::Grades4.value("4"), None);
        assert_eq!(RatingScale::Points5.value("4"), Some(4));
        assert_eq!(RatingScale::Points5.value("4.5"), None);
        assert_eq!(RatingScale::Points5.value("6"), None);
        assert_eq!(RatingScale::Points5.normalised(5), 1.0);
        assert_eq!(RatingScale::Grades4.normalised(1), 0.0);
        assert_eq!(RatingScale::parse("五分制"), Some(RatingScale::Points5));
        assert_eq!(RatingScale::parse("ABCD"), None);
        assert_eq!(
            Outcome::read(OutcomeKind::Probation, "通过", RatingScale::Grades4),
            Some(Outcome::Probation { passed: true })
        );
        assert_eq!(
            Outcome::read(OutcomeKind::Left, "辞退", RatingScale::Grades4),
            Some(Outcome::Left { voluntary: false })
        );
        assert_eq!(Outcome::read(OutcomeKind::Probation, "优秀", RatingScale::Grades4), None);
    }

    #[test]
    fn records_are_checked_against_the_decision_what_is_there_and_today() {
        let d = |y, m, dd| CivilDate::from_ymd(y, m, dd).unwrap();
        let rec = |date, outcome| OutcomeRecord { date, outcome };
        let decided = Some(d(2025, 1, 10));
        let today = d(2026, 12, 7);
        let passed = rec(d(2025, 7, 1), Outcome::Probation { passed: true });
        assert_eq!(check_record(decided, &[], &passed, today), Ok(()));
        assert_eq!(check_record(None, &[], &passed, today), Err(OutcomeProblem::NotDecided));
        let early = rec(d(2025, 1, 9), Outcome::Probation { passed: true });
        assert_eq!(
            check_record(decided, &[], &early, today),
            Err(OutcomeProblem::BeforeDecision { decided: d(2025, 1, 10) })
        );
        assert_eq!(
            check_record(decided, &[], &rec(d(2026, 12, 8), Outcome::Probation { passed: true }), today),
            Err(OutcomeProblem::InFuture)
        );
        assert_eq!(check_record(decided, &[passed], &passed, today), Err(OutcomeProblem::Duplicate));
        let failed_same_day = rec(d(2025, 7, 1), Outcome::Probation { passed: false });
        assert_eq!(
            check_record(decided, &[passed], &failed_same_day, today),
            Err(OutcomeProblem::Contradicts { other: passed })
        );
        let rating = rec(d(2025, 7, 1), Outcome::Rating { scale: RatingScale::Grades4, step: 3 });
        assert_eq!(check_record(decided, &[passed], &rating, today), Ok(()));
        let left = rec(d(2025, 10, 1), Outcome::Left { voluntary: true });
        let left_again = rec(d(2025, 11, 1), Outcome::Left { voluntary: true });
        assert_eq!(
            check_record(decided, &[left], &left_again, today),
            Err(OutcomeProblem::Contradicts { other: left })
        );
        let rated_after = rec(d(2025, 12, 31), Outcome::Rating { scale: RatingScale::Points5, step: 3 });
        assert_eq!(
            check_record(decided, &[left], &rated_after, today),
            Err(OutcomeProblem::Contradicts { other: left })
        );
        assert_eq!(
            check_record(decided, &[rated_after], &left, today),
            Err(OutcomeProblem::Contradicts { other: rated_after })
        );
    }

    #[test]
    fn criteria_take_the_latest_record_and_wait_for_a_year() {
        let d = |y, m, dd| CivilDate::from_ymd(y, m, dd).unwrap();
        let decided = d(2025, 1, 10);
        let rec = |date, outcome| OutcomeRecord { date, outcome };
        let records = [
            rec(d(2025, 7, 1), Outcome::Probation { passed: false }),
            rec(d(2025, 9, 1), Outcome::Probation { passed: true }),
            rec(d(2025, 12, 31), Outcome::Rating { scale: RatingScale::Points5, step: 2 }),
            rec(d(2026, 12, 31), Outcome::Rating { scale: RatingScale::Grades4, step: 4 }),
        ];
        assert_eq!(Criterion::Probation.value(&records, decided, d(2027, 1, 1)), Some(1.0));
        assert_eq!(Criterion::Performance.value(&records, decided, d(2027, 1, 1)), Some(1.0));
        assert_eq!(Criterion::Retention.value(&records, decided, d(2025, 12, 1)), None);
        assert_eq!(Criterion::Retention.value(&records, decided, d(2026, 1, 10)), Some(1.0));
        let left = [rec(d(2025, 11, 30), Outcome::Left { voluntary: true })];
        assert_eq!(Criterion::Retention.value(&left, decided, d(2025, 12, 1)), Some(0.0));
        assert_eq!(Criterion::Performance.value(&left, decided, d(2025, 12, 1)), None);
    }
}
