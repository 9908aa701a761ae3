//! Predictive validity and weight suggestions. For the people a job hired and whose later
//! records tell a [`Criterion`], how the AI's levels and the raters' levels relate to it
//! (Spearman's ρ with a bootstrap interval), and — only from enough data — a new weighting that
//! leans toward what predicted, replayed over every past candidate of the job so that its effect
//! on each group's selection rate is seen (and a weighting that makes selection less fair is
//! marked as failing) before anyone applies it. Pure arithmetic: the vault supplies the people.

use serde::{Deserialize, Serialize};

use crate::outcomes::Criterion;
use crate::stats::{self, GroupRate};
use crate::{Band, Bands, Lang, Localized, Weight, weighted_total};

/// Below this many people with a criterion, the numbers are shown but support no change.
pub const MIN_N: usize = 30;
/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 1000;
/// The seed of every interval's resampling: the same data give the same interval.
pub const SEED: u64 = 0x1F2E_3D4C_5B6A_7988;
/// A suggestion moves no dimension's weight by more than this (basis points: 10 percentage
/// points).
pub const MAX_STEP_BP: u32 = 1000;
/// An impact ratio may fall by at most this much under a suggestion (and never below 0.80).
pub const FAIRNESS_MARGIN: f64 = 0.05;
/// The four-fifths line.
pub const FOUR_FIFTHS: f64 = 0.8;

/// One person of the job, as the statistics see them.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// The candidate's group label (for the selection rates), if any.
    pub group: Option<String>,
    /// The AI's mean level per dimension, in the job's order.
    pub ai: Vec<Option<f64>>,
    /// The raters' mean level per dimension.
    pub raters: Vec<Option<f64>>,
    /// The AI's total as recorded (under the weights the interview was scored with).
    pub ai_total: Option<f64>,
    /// Each criterion's value (in [`Criterion::ALL`]'s order) where the records tell it; all
    /// `None` for a person without outcomes.
    pub criteria: [Option<f64>; 3],
}

/// A correlation over `n` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Correlation {
    pub n: u32,
    pub rho: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Correlation {
    fn of(pairs: &[(f64, f64)]) -> Correlation {
        let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        let interval = if pairs.len() >= 3 { stats::spearman_interval(&a, &b, RESAMPLES, SEED) } else { None };
        Correlation {
            n: pairs.len() as u32,
            rho: interval.map(|i| i.rho),
            low: interval.map(|i| i.low),
            high: interval.map(|i| i.high),
        }
    }

    /// Enough people, and an interval that lies wholly above zero.
    pub fn clearly_positive(&self) -> bool {
        self.n as usize >= MIN_N && self.low.is_some_and(|l| l > 0.0)
    }

    /// What the numbers mean, in a sentence, for levels given by `who` on `what`.
    pub fn reading(&self, who: &Localized, what: &str) -> Localized {
        let n = self.n;
        let (Some(rho), Some(low), Some(high)) = (self.rho, self.low, self.high) else {
            return Localized::new(
                format!("{n} 人：人数太少或没有差异，无法计算。"),
                format!("{n} people: too few, or no variation, to compute."),
            );
        };
        if (n as usize) < MIN_N {
            return Localized::new(
                format!("仅 {n} 人（至少需要 {MIN_N} 人）：数字仅供参考，不能据此调整权重。"),
                format!(
                    "Only {n} people (at least {MIN_N} are needed): for information only; they cannot support a change of weights."
                ),
            );
        }
        let (zh_strength, en_strength) = match rho.abs() {
            r if r < 0.1 => ("几乎没有", "hardly any"),
            r if r < 0.3 => ("较弱的", "a weak"),
            r if r < 0.5 => ("中等的", "a moderate"),
            _ => ("较强的", "a strong"),
        };
        if low <= 0.0 && high >= 0.0 {
            Localized::new(
                format!("{}对“{what}”的等级与后来的表现没有明确关系（95% 区间包含 0）。", who.zh_cn),
                format!(
                    "No clear relation between {}'s levels on “{what}” and how people did later (the 95% interval includes zero).",
                    who.en
                ),
            )
        } else if rho > 0.0 {
            Localized::new(
                format!("{}对“{what}”评得越高的人，后来表现越好（{zh_strength}正相关）。", who.zh_cn),
                format!(
                    "The higher {} rated people on “{what}”, the better they did later ({en_strength} positive relation).",
                    who.en
                ),
            )
        } else {
            Localized::new(
                format!(
                    "{}对“{what}”评得越高的人，后来表现反而越差（{zh_strength}负相关），请检查该维度的评分标准。",
                    who.zh_cn
                ),
                format!(
                    "The higher {} rated people on “{what}”, the worse they did later ({en_strength} negative relation); check that dimension's rubric.",
                    who.en
                ),
            )
        }
    }
}

/// One line of the validity table: a dimension (or the total, `dimension: None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ValidityRow {
    pub dimension: Option<String>,
    pub ai: Correlation,
    pub raters: Correlation,
}

/// The table for one criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CriterionValidity {
    pub criterion: Criterion,
    /// People whose records tell this criterion.
    pub n: u32,
    /// At least [`MIN_N`] of them.
    pub enough: bool,
    pub rows: Vec<ValidityRow>,
}

/// Who gave the levels, for the sentences.
pub fn ai_word() -> Localized {
    Localized::new("AI", "the AI")
}

pub fn raters_word() -> Localized {
    Localized::new("评分员", "the raters")
}

/// The validity tables, one per criterion, for a job with `weights` (its current version; the
/// raters' total is weighted with them, the AI's is the recorded one).
pub fn validity(people: &[Person], weights: &[Weight]) -> Vec<CriterionValidity> {
    Criterion::ALL
        .iter()
        .enumerate()
        .map(|(c, &criterion)| {
            let with: Vec<(&Person, f64)> = people.iter().filter_map(|p| Some((p, p.criteria[c]?))).collect();
            let pairs = |level: &dyn Fn(&Person) -> Option<f64>| -> Vec<(f64, f64)> {
                with.iter().filter_map(|(p, v)| Some((level(p)?, *v))).collect()
            };
            let mut rows: Vec<ValidityRow> = weights
                .iter()
                .enumerate()
                .map(|(d, w)| ValidityRow {
                    dimension: Some(w.dimension.clone()),
                    ai: Correlation::of(&pairs(&|p| p.ai.get(d).copied().flatten())),
                    raters: Correlation::of(&pairs(&|p| p.raters.get(d).copied().flatten())),
                })
                .collect();
            rows.push(ValidityRow {
                dimension: None,
                ai: Correlation::of(&pairs(&|p| p.ai_total)),
                raters: Correlation::of(&pairs(&|p| weighted_total(&p.raters, weights))),
            });
            CriterionValidity { criterion, n: with.len() as u32, enough: with.len() >= MIN_N, rows }
        })
        .collect()
}

/// Why there is no suggestion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NoSuggestion {
    TooFew { n: u32, needed: u32 },
    NothingPredicts,
    AlreadyThere,
}

impl NoSuggestion {
    pub fn message(self) -> Localized {
        match self {
            NoSuggestion::TooFew { n, needed } => Localized::new(
                format!("只有 {n} 人有这项结果，至少需要 {needed} 人才能提出权重建议。"),
                format!(
                    "Only {n} people have this outcome; at least {needed} are needed before weights can be suggested."
                ),
            ),
            NoSuggestion::NothingPredicts => Localized::new(
                "没有哪个维度的 AI 等级与这项结果有明确的正相关（95% 区间都包含 0 或低于 0），因此不建议调整权重。",
                "No dimension's AI level has a clear positive relation to this outcome (every 95% interval includes or lies below zero), so no change of weights is suggested.",
            ),
            NoSuggestion::AlreadyThere => Localized::new(
                "现有权重已与结果所支持的权重一致，无需调整。",
                "Today's weights already match what the outcomes support; nothing to change.",
            ),
        }
    }
}

/// Why one dimension's weight moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct WeightBasis {
    pub dimension: String,
    /// The lower end of the AI level's 95 % interval with the criterion (what the target
    /// counts, floored at 0).
    pub evidence: f64,
    pub current_bp: u32,
    /// Where the evidence alone would put the weight.
    pub target_bp: u32,
    pub suggested_bp: u32,
}

/// A suggested weighting for a job's next version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub criterion: Criterion,
    pub n: u32,
    pub max_step_bp: u32,
    pub dimensions: Vec<WeightBasis>,
}

impl Suggestion {
    pub fn weights(&self) -> Vec<Weight> {
        self.dimensions
            .iter()
            .map(|d| Weight { dimension: d.dimension.clone(), basis_points: d.suggested_bp })
            .collect()
    }
}

/// The suggestion for `criterion` (README "Learning from outcomes" explains the method):
///
/// 1. At least [`MIN_N`] people with the criterion, else [`NoSuggestion::TooFew`].
/// 2. Each dimension's evidence is the lower end of its AI-level 95 % interval, floored at 0 —
///    what the data show at least, not the point estimate. No positive evidence anywhere:
///    [`NoSuggestion::NothingPredicts`].
/// 3. The target weights are proportional to the evidence.
/// 4. The weights move from today's toward the target along a straight line, as far as the
///    largest single move stays within `max_step_bp` (so every weight stays ≥ 0 and the sum
///    stays 100 %), then are rounded to basis points by largest remainder.
pub fn suggest(current: &[Weight], table: &CriterionValidity, max_step_bp: u32) -> Result<Suggestion, NoSuggestion> {
    if (table.n as usize) < MIN_N {
        return Err(NoSuggestion::TooFew { n: table.n, needed: MIN_N as u32 });
    }
    let evidence: Vec<f64> = current
        .iter()
        .map(|w| {
            table
                .rows
                .iter()
                .find(|r| r.dimension.as_deref() == Some(w.dimension.as_str()))
                .filter(|r| r.ai.n as usize >= MIN_N)
                .and_then(|r| r.ai.low)
                .unwrap_or(0.0)
                .max(0.0)
        })
        .collect();
    let sum: f64 = evidence.iter().sum();
    if sum <= 0.0 {
        return Err(NoSuggestion::NothingPredicts);
    }
    let target: Vec<f64> = evidence.iter().map(|e| e / sum * 10_000.0).collect();
    let now: Vec<f64> = current.iter().map(|w| f64::from(w.basis_points)).collect();
    let largest = now.iter().zip(&target).map(|(n, t)| (t - n).abs()).fold(0.0, f64::max);
    if largest < 1.0 {
        return Err(NoSuggestion::AlreadyThere);
    }
    let k = (f64::from(max_step_bp) / largest).min(1.0);
    let moved: Vec<f64> = now.iter().zip(&target).map(|(n, t)| n + k * (t - n)).collect();
    let suggested = largest_remainder(&moved, 10_000);
    if suggested.iter().zip(current).all(|(s, w)| *s == w.basis_points) {
        return Err(NoSuggestion::AlreadyThere);
    }
    Ok(Suggestion {
        criterion: table.criterion,
        n: table.n,
        max_step_bp,
        dimensions: current
            .iter()
            .enumerate()
            .map(|(i, w)| WeightBasis {
                dimension: w.dimension.clone(),
                evidence: evidence[i],
                current_bp: w.basis_points,
                target_bp: target[i].round() as u32,
                suggested_bp: suggested[i],
            })
            .collect(),
    })
}

/// Non-negative shares rounded to integers summing to `total`: floors, then the largest
/// remainders (ties to the earlier dimension) get one more.
fn largest_remainder(shares: &[f64], total: u32) -> Vec<u32> {
    let mut out: Vec<u32> = shares.iter().map(|s| s.max(0.0).floor() as u32).collect();
    let mut rest: Vec<(usize, f64)> = shares.iter().enumerate().map(|(i, s)| (i, s - s.floor())).collect();
    rest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let missing = total.saturating_sub(out.iter().sum());
    for (i, _) in rest.iter().cycle().take(missing as usize) {
        out[*i] += 1;
    }
    out
}

/// One group's selection under today's weights and under the suggestion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct GroupShift {
    pub group: String,
    pub candidates: u32,
    pub selected_before: u32,
    pub selected_after: u32,
    pub rate_before: f64,
    pub rate_after: f64,
    pub impact_before: Option<f64>,
    pub impact_after: Option<f64>,
    /// This group is why the suggestion fails the fairness check.
    pub fails: bool,
}

/// How many past candidates' bands a suggestion would change, from one band to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BandChange {
    pub from: Band,
    pub to: Band,
    pub count: u32,
}

/// What a weighting would have done to the job's past candidates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Replay {
    /// Past candidates with a level on every weighted dimension (those a total exists for).
    pub candidates: u32,
    pub band_changes: Vec<BandChange>,
    pub groups: Vec<GroupShift>,
    /// No group's impact ratio pushed below 0.80, lowered while below it, or lowered by more
    /// than the margin.
    pub passes: bool,
}

/// Replays `suggested` beside `current` over the job's past candidates (selection = the AI's
/// band is 推荐 under the weights, the job report's four-fifths check).
pub fn replay(people: &[Person], current: &[Weight], suggested: &[Weight], bands: Bands, margin: f64) -> Replay {
    let mut before_sel = Vec::new();
    let mut after_sel = Vec::new();
    let mut changes: std::collections::BTreeMap<(usize, usize), u32> = std::collections::BTreeMap::new();
    let mut candidates = 0;
    let index = |b: Band| Band::ALL.iter().position(|x| *x == b).unwrap_or(0);
    for p in people {
        let (Some(before), Some(after)) = (weighted_total(&p.ai, current), weighted_total(&p.ai, suggested)) else {
            continue;
        };
        candidates += 1;
        let (b, a) = (bands.band(before), bands.band(after));
        if a != b {
            *changes.entry((index(b), index(a))).or_default() += 1;
        }
        if let Some(group) = &p.group {
            before_sel.push((group.clone(), b == Band::Recommend));
            after_sel.push((group.clone(), a == Band::Recommend));
        }
    }
    let before = stats::selection_rates(&before_sel);
    let after = stats::selection_rates(&after_sel);
    let groups: Vec<GroupShift> = before
        .iter()
        .zip(&after)
        .map(|(b, a): (&GroupRate, &GroupRate)| {
            let fails = match (b.impact_ratio, a.impact_ratio) {
                (Some(ib), Some(ia)) => {
                    (ia < FOUR_FIFTHS && (ib >= FOUR_FIFTHS || ia < ib - 1e-9)) || ib - ia > margin + 1e-9
                }
                _ => false,
            };
            GroupShift {
                group: b.group.clone(),
                candidates: b.decided as u32,
                selected_before: b.selected as u32,
                selected_after: a.selected as u32,
                rate_before: b.rate,
                rate_after: a.rate,
                impact_before: b.impact_ratio,
                impact_after: a.impact_ratio,
                fails,
            }
        })
        .collect();
    Replay {
        candidates,
        band_changes: changes
            .into_iter()
            .map(|((f, t), count)| BandChange { from: Band::ALL[f], to: Band::ALL[t], count })
            .collect(),
        passes: groups.iter().all(|g| !g.fails),
        groups,
    }
}

/// The fairness verdict in a sentence.
pub fn verdict(replay: &Replay, lang: Lang) -> String {
    let failing: Vec<&GroupShift> = replay.groups.iter().filter(|g| g.fails).collect();
    let zh = lang == Lang::ZhCn;
    if failing.is_empty() {
        return if zh {
            "通过公平性检查：没有任何组的不利影响比被压到 0.80 以下或下降超过 0.05。".into()
        } else {
            "Passes the fairness check: no group's impact ratio is pushed below 0.80 or lowered by more than 0.05."
                .into()
        };
    }
    let fmt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
    let list: Vec<String> =
        failing.iter().map(|g| format!("{} {} → {}", g.group, fmt(g.impact_before), fmt(g.impact_after))).collect();
    if zh {
        format!("未通过公平性检查：{}。只有管理员写明理由后才能应用。", list.join("；"))
    } else {
        format!(
            "Fails the fairness check: {}. An administrator can apply it only with a written reason.",
            list.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(d: &str, bp: u32) -> Weight {
        Weight { dimension: d.into(), basis_points: bp }
    }

    #[test]
    fn largest_remainder_keeps_the_sum() {
        assert_eq!(largest_remainder(&[3333.4, 3333.3, 3333.3], 10_000), [3334, 3333, 3333]);
        assert_eq!(largest_remainder(&[0.5, 0.5, 9999.0], 10_000), [1, 0, 9999]);
        assert_eq!(largest_remainder(&[5000.0, 5000.0], 10_000), [5000, 5000]);
    }

    fn table(n: u32, lows: &[(&str, Option<f64>)]) -> CriterionValidity {
        let c = |low: Option<f64>| Correlation { n, rho: low.map(|l| l + 0.2), low, high: low.map(|l| l + 0.4) };
        CriterionValidity {
            criterion: Criterion::Performance,
            n,
            enough: n as usize >= MIN_N,
            rows: lows
                .iter()
                .map(|(d, low)| ValidityRow { dimension: Some((*d).into()), ai: c(*low), raters: c(None) })
                .collect(),
        }
    }

    #[test]
    fn a_suggestion_moves_toward_evidence_by_a_bounded_step() {
        let current = [w("a", 5000), w("b", 5000)];
        let s = suggest(&current, &table(100, &[("a", Some(0.3)), ("b", Some(-0.1))]), MAX_STEP_BP).unwrap();
        assert_eq!(s.weights(), [w("a", 6000), w("b", 4000)]);
        assert_eq!((s.dimensions[0].target_bp, s.dimensions[1].target_bp), (10_000, 0));
        // A target within the step is reached.
        let s = suggest(&current, &table(100, &[("a", Some(0.3)), ("b", Some(0.2))]), MAX_STEP_BP).unwrap();
        assert_eq!(s.weights(), [w("a", 6000), w("b", 4000)]);
        let three = [w("a", 2000), w("b", 3000), w("c", 5000)];
        let s = suggest(&three, &table(40, &[("a", Some(0.5)), ("b", Some(0.5)), ("c", Some(0.0))]), 500).unwrap();
        let got: Vec<u32> = s.weights().iter().map(|w| w.basis_points).collect();
        assert_eq!(got.iter().sum::<u32>(), 10_000);
        assert!(got.iter().zip([2000, 3000, 5000]).all(|(g, c)| g.abs_diff(c) <= 500), "{got:?}");
        assert_eq!(got[2], 4500);
    }

    #[test]
    fn no_suggestion_from_too_few_or_from_nothing() {
        let current = [w("a", 5000), w("b", 5000)];
        assert_eq!(
            suggest(&current, &table(29, &[("a", Some(0.5)), ("b", None)]), MAX_STEP_BP),
            Err(NoSuggestion::TooFew { n: 29, needed: 30 })
        );
        assert_eq!(
            suggest(&current, &table(300, &[("a", Some(-0.05)), ("b", Some(0.0))]), MAX_STEP_BP),
            Err(NoSuggestion::NothingPredicts)
        );
        assert_eq!(
            suggest(&current, &table(300, &[("a", Some(0.2)), ("b", Some(0.2))]), MAX_STEP_BP),
            Err(NoSuggestion::AlreadyThere)
        );
    }

    fn person(group: &str, levels: [f64; 2]) -> Person {
        Person {
            group: Some(group.into()),
            ai: levels.iter().map(|l| Some(*l)).collect(),
            raters: vec![None, None],
            ai_total: None,
            criteria: [None; 3],
        }
    }

    #[test]
    fn the_replay_fails_a_weighting_that_pushes_a_group_below_four_fifths() {
        // Group A is strong on dimension a, group B on b; moving weight to a selects fewer of B.
        let mut people = Vec::new();
        for _ in 0..10 {
            people.push(person("A", [5.0, 3.0]));
            people.push(person("B", [3.0, 5.0]));
        }
        let bands = Bands::new(70, 40).unwrap();
        let current = [w("a", 5000), w("b", 5000)];
        let same = replay(&people, &current, &current, bands, FAIRNESS_MARGIN);
        assert!(same.passes && same.band_changes.is_empty());
        assert_eq!(same.candidates, 20);
        let tilted = [w("a", 7000), w("b", 3000)];
        let r = replay(&people, &current, &tilted, bands, FAIRNESS_MARGIN);
        // Totals: A 5·0.7+3·0.3 → 85 (推荐), B → 65 (待定); before both 75 (推荐).
        assert_eq!(r.band_changes, [BandChange { from: Band::Recommend, to: Band::Hold, count: 10 }]);
        let b = r.groups.iter().find(|g| g.group == "B").unwrap();
        assert_eq!((b.impact_before, b.impact_after), (Some(1.0), Some(0.0)));
        assert!(b.fails && !r.passes);
        assert!(verdict(&r, Lang::En).contains("B 1.00 → 0.00"), "{}", verdict(&r, Lang::En));
    }

    #[test]
    fn a_small_drop_passes_and_a_drop_beyond_the_margin_fails() {
        let g = |group: &str, before: f64, after: f64| {
            let mut people = Vec::new();
            // 100 of the top group, always selected; 100 of `group`, `before`/`after` share selected.
            for _ in 0..100 {
                people.push(person("top", [5.0, 5.0]));
            }
            for i in 0..100 {
                let sel_before = (i as f64) < before * 100.0;
                let sel_after = (i as f64) < after * 100.0;
                // Under weights (a only) the total is from a, under (b only) from b.
                people.push(person(group, [if sel_before { 5.0 } else { 1.0 }, if sel_after { 5.0 } else { 1.0 }]));
            }
            replay(
                &people,
                &[w("a", 10_000), w("b", 0)],
                &[w("a", 0), w("b", 10_000)],
                Bands::new(70, 40).unwrap(),
                FAIRNESS_MARGIN,
            )
        };
        assert!(g("x", 0.95, 0.91).passes);
        assert!(!g("x", 0.95, 0.89).passes, "pushed below 0.80? no — but lowered by 0.06 > 0.05");
        assert!(!g("x", 0.82, 0.79).passes);
        assert!(!g("x", 0.70, 0.69).passes, "already below the line and made worse");
        assert!(g("x", 0.70, 0.75).passes, "below the line but improved");
    }
}
