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
