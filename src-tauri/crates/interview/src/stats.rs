//! Agreement and fairness statistics: how well the AI's levels agree with people's (the
//! calibration command and the job report) and selection rates per group (the four-fifths
//! rule). Pure arithmetic.

/// Spearman's ρ: Pearson's correlation of the ranks (ties averaged). `None` for fewer than two
/// pairs, unequal lengths, or a constant side.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    pearson(&ranks(a), &ranks(b))
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            ranks[*k] = rank;
        }
        i = j + 1;
    }
    ranks
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// A correlation with its percentile-bootstrap 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub rho: f64,
    pub low: f64,
    pub high: f64,
}

/// Spearman's ρ with a percentile-bootstrap 95 % interval: `resamples` resamplings of the pairs
/// (with replacement), drawn from a SplitMix64 stream started at `seed`, so the same data and
/// seed give the same interval. Resamples in which one side is constant are left out. `None`
/// where [`spearman`] is `None`.
///
/// Each resample is a count per original pair, so its ranks come from one walk over the
/// pairs' order sorted once ([`weighted_ranks`]): O(n) per resample instead of a sort.
pub fn spearman_interval(a: &[f64], b: &[f64], resamples: usize, seed: u64) -> Option<Interval> {
    let rho = spearman(a, b)?;
    let n = a.len();
    let (order_a, order_b) = (sorted_order(a), sorted_order(b));
    let mut rng = SplitMix64(seed);
    let mut counts = vec![0u32; n];
    let (mut ra, mut rb) = (vec![0.0; n], vec![0.0; n]);
    let mut estimates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        counts.iter_mut().for_each(|c| *c = 0);
        for _ in 0..n {
            counts[rng.below(n)] += 1;
        }
        weighted_ranks(a, &order_a, &counts, &mut ra);
        weighted_ranks(b, &order_b, &counts, &mut rb);
        if let Some(r) = weighted_pearson(&ra, &rb, &counts) {
            estimates.push(r);
        }
    }
    if estimates.is_empty() {
        return Some(Interval { rho, low: rho, high: rho });
    }
    estimates.sort_by(f64::total_cmp);
    Some(Interval { rho, low: percentile(&estimates, 0.025), high: percentile(&estimates, 0.975) })
}

/// The `p` quantile of sorted values (linear between the nearest ranks).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let x = p * (sorted.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x.fract());
    sorted[i] + (sorted[(i + 1).min(sorted.len() - 1)] - sorted[i]) * f
}

fn sorted_order(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    order
}

/// The average rank each pair's value would have in a resample holding pair `i` `counts[i]`
/// times (ties share their average rank, as in [`ranks`]).
fn weighted_ranks(values: &[f64], order: &[usize], counts: &[u32], out: &mut [f64]) {
    let mut before = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        let mut group = 0.0;
        while j < order.len() && values[order[j]] == values[order[i]] {
            group += f64::from(counts[order[j]]);
            j += 1;
        }
        let rank = before + (group + 1.0) / 2.0;
        for k in &order[i..j] {
            out[*k] = rank;
        }
        before += group;
        i = j;
    }
}

fn weighted_pearson(a: &[f64], b: &[f64], w: &[u32]) -> Option<f64> {
    let n: f64 = w.iter().map(|&c| f64::from(c)).sum();
    let (mut ma, mut mb) = (0.0, 0.0);
    for ((x, y), &c) in a.iter().zip(b).zip(w) {
        ma += f64::from(c) * x;
        mb += f64::from(c) * y;
    }
    (ma, mb) = (ma / n, mb / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for ((x, y), &c) in a.iter().zip(b).zip(w) {
        let c = f64::from(c);
        cov += c * (x - ma) * (y - mb);
        va += c * (x - ma).powi(2);
        vb += c * (y - mb).powi(2);
    }
    (va > 1e-12 && vb > 1e-12).then(|| cov / (va * vb).sqrt())
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator; the statistics
/// must be reproducible from the data, so never an OS or clock seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias for n ≪ 2^32 is negligible here).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// Cohen's kappa with quadratic weights on the levels 1–5 (values are rounded to levels).
/// `None` below 3 pairs or when chance agreement is total.
pub fn weighted_kappa(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    const K: usize = 5;
    let level = |v: f64| (v.round().clamp(1.0, 5.0) as usize) - 1;
    let mut observed = [[0.0f64; K]; K];
    for &(a, b) in pairs {
        observed[level(a)][level(b)] += 1.0;
    }
    let n = pairs.len() as f64;
    let rows: Vec<f64> = (0..K).map(|i| observed[i].iter().sum()).collect();
    let cols: Vec<f64> = (0..K).map(|j| (0..K).map(|i| observed[i][j]).sum()).collect();
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..K {
        for j in 0..K {
            let w = ((i as f64 - j as f64) / (K as f64 - 1.0)).powi(2);
            num += w * observed[i][j] / n;
            den += w * rows[i] * cols[j] / (n * n);
        }
    }
    (den > 0.0).then(|| 1.0 - num / den)
}

/// Selection rate per group and its ratio to the highest group's rate (the four-fifths rule).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRate {
    pub group: String,
    pub decided: usize,
    pub selected: usize,
    pub rate: f64,
    pub impact_ratio: Option<f64>,
}

pub fn selection_rates(outcomes: &[(String, bool)]) -> Vec<GroupRate> {
    let mut groups: std::collections::BTreeMap<&str, (usize, usize)> = std::collections::BTreeMap::new();
    for (group, selected) in outcomes {
        let entry = groups.entry(group.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(*selected);
    }
    let mut rates: Vec<GroupRate> = groups
        .into_iter()
        .map(|(g, (decided, selected))| GroupRate {
            group: g.to_owned(),
            decided,
            selected,
            rate: selected as f64 / decided as f64,
            impact_ratio: None,
        })
        .collect();
    let best = rates.iter().map(|r| r.rate).fold(0.0, f64::max);
    for r in &mut rates {
        r.impact_ratio = (best > 0.0).then(|| r.rate / best);
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_a_monotone_relation_is_one_and_ties_share_ranks() {
        let a: Vec<f64> = (1..=6).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x * x).collect();
        assert!((spearman(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
        let reversed: Vec<f64> = a.iter().map(|x| -x).collect();
        assert!((spearman(&a, &reversed).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[2.0, 2.0], &[1.0, 5.0]), None);
        assert_eq!(spearman(&[1.0], &[1.0]), None);
    }

    #[test]
    fn the_bootstrap_interval_is_the_spearman_of_each_resample_and_reproducible() {
        // A known relation with ties on both sides: level = round(x), outcome = a noisy step.
        let a: Vec<f64> = (0..60).map(|i| f64::from((i % 5) + 1)).collect();
        let b: Vec<f64> = (0..60).map(|i| f64::from(u8::from((i % 5) + (i % 3) >= 4))).collect();
        let fast = spearman_interval(&a, &b, 400, 7).unwrap();
        // The same resamples drawn explicitly and ranked by sorting: the O(n) walk must agree.
        let mut rng = SplitMix64(7);
        let mut slow = Vec::new();
        for _ in 0..400 {
            let picks: Vec<usize> = (0..a.len()).map(|_| rng.below(a.len())).collect();
            let ra: Vec<f64> = picks.iter().map(|&i| a[i]).collect();
            let rb: Vec<f64> = picks.iter().map(|&i| b[i]).collect();
            if let Some(r) = spearman(&ra, &rb) {
                slow.push(r);
            }
        }
        slow.sort_by(f64::total_cmp);
        assert!((fast.low - percentile(&slow, 0.025)).abs() < 1e-9, "{fast:?} vs {}", percentile(&slow, 0.025));
        assert!((fast.high - percentile(&slow, 0.975)).abs() < 1e-9);
        assert_eq!(fast.rho, spearman(&a, &b).unwrap());
        assert!(fast.low < fast.rho && fast.rho < fast.high);
        assert_eq!(spearman_interval(&a, &b, 400, 7), Some(fast));
        assert_ne!(spearman_interval(&a, &b, 400, 8), Some(fast));
    }

    #[test]
    fn the_bootstrap_interval_is_as_wide_as_theory_says() {
        // n = 200 pairs with a true rank correlation near 0.5: the Bonett–Wright standard error
        // of ρ, sqrt((1 + ρ²/2)(1 − ρ²)² / (n − 3)), gives the 95 % interval's width ≈ 3.92·se.
        let mut rng = SplitMix64(1);
        let x: Vec<f64> = (0..200).map(|_| rng.next() as f64 / u64::MAX as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| v + 1.1 * (rng.next() as f64 / u64::MAX as f64)).collect();
        let i = spearman_interval(&x, &y, 2000, 3).unwrap();
        let se = ((1.0 + i.rho * i.rho / 2.0) * (1.0 - i.rho * i.rho).powi(2) / 197.0).sqrt();
        let width = i.high - i.low;
        assert!((width / (3.92 * se) - 1.0).abs() < 0.2, "width {width:.3} against {:.3} (ρ {:.3})", 3.92 * se, i.rho);
    }

    #[test]
    fn weighted_kappa_matches_a_hand_computed_table() {
        // Perfect agreement is 1.
        let same: Vec<(f64, f64)> = [1.0, 2.0, 3.0, 4.0, 5.0].iter().map(|&v| (v, v)).collect();
        assert!((weighted_kappa(&same).unwrap() - 1.0).abs() < 1e-12);
        // Levels (1,2),(2,1),(3,3): observed weighted disagreement 2·(1/16)/3 = 1/24;
        // rows and columns both (1,1,1)/3, expected Σ w·(1/9) over all cells = (1/9)·(2/16+2/16+2·4/16) = 12/144.
        let pairs = [(1.0, 2.0), (2.0, 1.0), (3.0, 3.0)];
        let expected = 1.0 - (1.0 / 24.0) / (12.0 / 144.0);
        assert!((weighted_kappa(&pairs).unwrap() - expected).abs() < 1e-12, "{:?}", weighted_kappa(&pairs));
    }

    #[test]
    fn the_four_fifths_rule_compares_each_group_with_the_best() {
        let mut outcomes = Vec::new();
        outcomes.extend((0..10).map(|i| ("A".to_string(), i < 6)));
        outcomes.extend((0..10).map(|i| ("B".to_string(), i < 3)));
        let rates = selection_rates(&outcomes);
        assert_eq!(rates[0].rate, 0.6);
        assert_eq!(rates[1].impact_ratio, Some(0.5));
        assert_eq!(rates[0].impact_ratio, Some(1.0));
    }
}
