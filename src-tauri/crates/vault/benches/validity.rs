//! Learning from outcomes at volume: a job of 10,000 interviewed candidates of whom 2,000 have
//! later outcomes (override with `BENCH_CANDIDATES` / `BENCH_OUTCOMES`). Measures the whole
//! validity review as the screen and the report ask for it — reading the people from the
//! encrypted vault, Spearman's ρ with a 1,000-resample bootstrap interval for every dimension
//! and the total against each criterion (AI and raters), the suggestion, and its replay over all
//! 10,000 candidates — beside the peer: the same number of bootstrap intervals over the same n
//! computed the textbook way (each resample drawn and ranked by sorting), as the unit test
//! checks ours against. Prints a table with the target (≤ 1 s, release build).
//! Run with `make bench` (feature `bench-internals`).

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use interview::outcomes::Criterion;
use interview::{Role, stats};
use rand::{Rng, SeedableRng};
use vault::{NewUser, Vault};

const PASSWORD: &str = "bench password long enough";

fn count(var: &str, default: i64) -> i64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let candidates = count("BENCH_CANDIDATES", 10_000);
    let outcomes = count("BENCH_OUTCOMES", 2_000);
    let root = tempfile::tempdir().unwrap();
    let admin =
        NewUser { username: "admin".into(), display_name: "A".into(), role: Role::Admin, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(root.path(), admin).unwrap();
    let session = vault.login("admin", PASSWORD, "bench").unwrap();
    vault
        .create_user(
            &session,
            NewUser {
                username: "auditor".into(),
                display_name: "B".into(),
                role: Role::Auditor,
                password: PASSWORD.into(),
            },
        )
        .unwrap();
    let start = Instant::now();
    let job = vault.seed_validity_for_bench(candidates, outcomes).unwrap();
    eprintln!("seeded {candidates} candidates, {outcomes} with outcomes in {:.1} s", start.elapsed().as_secs_f64());
    let auditor = vault.login("auditor", PASSWORD, "bench").unwrap();

    let mut review = None;
    let ours: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            review = Some(vault.weights_review(&auditor, job, Criterion::Performance, 480).unwrap());
            start.elapsed().as_secs_f64()
        })
        .collect();
    let review = review.unwrap();
    let intervals: usize = review
        .validity
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| usize::from(r.ai.rho.is_some()) + usize::from(r.raters.rho.is_some()))
        .sum();
    let replayed = review.replay.as_ref().map_or(0, |r| r.candidates);
    assert!(review.suggestion.is_ok(), "the seeded data support a suggestion: {:?}", review.suggestion);
    eprintln!("{intervals} intervals; replayed over {replayed} candidates");

    // The peer: the same count of intervals over n = `outcomes` pairs, each resample drawn and
    // ranked by sorting.
    let n = outcomes as usize;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let a: Vec<f64> = (0..n).map(|_| f64::from(rng.gen_range(2..=10u8)) / 2.0).collect();
    let b: Vec<f64> = a.iter().map(|x| (x + f64::from(rng.gen_range(-2..=2i8))).clamp(1.0, 5.0)).collect();
    let peer = {
        let start = Instant::now();
        for _ in 0..intervals {
            let mut estimates = Vec::with_capacity(interview::validity::RESAMPLES);
            for _ in 0..interview::validity::RESAMPLES {
                let picks: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
                let ra: Vec<f64> = picks.iter().map(|&i| a[i]).collect();
                let rb: Vec<f64> = picks.iter().map(|&i| b[i]).collect();
                if let Some(r) = stats::spearman(&ra, &rb) {
                    estimates.push(r);
                }
            }
            estimates.sort_by(f64::total_cmp);
            std::hint::black_box(&estimates);
        }
        start.elapsed().as_secs_f64()
    };
    let ours_one = {
        let start = Instant::now();
        for _ in 0..intervals {
            std::hint::black_box(stats::spearman_interval(&a, &b, interview::validity::RESAMPLES, 7));
        }
        start.elapsed().as_secs_f64()
    };

    println!();
    println!("{:<58} {:>10} {:>10}", "measure", "value", "target");
    println!(
        "{:<58} {:>8.0} ms {:>10}",
        format!("validity review, {candidates} candidates / {outcomes} outcomes (median of 5)"),
        median(ours.clone()) * 1e3,
        "<= 1000 ms"
    );
    println!("{:<58} {:>8.0} ms", "  of which the intervals alone (ours, O(n) per resample)", ours_one * 1e3);
    println!("{:<58} {:>8.0} ms", "  the same intervals, textbook bootstrap (sort per resample)", peer * 1e3);
    println!("{:<58} {:>10.2}", "intervals: ours / textbook", ours_one / peer);
}
