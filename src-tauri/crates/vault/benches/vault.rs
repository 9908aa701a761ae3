//! The vault at volume: 100,000 candidates and 1,000,000 audit entries (override with
//! `BENCH_CANDIDATES` / `BENCH_AUDIT`). Measures opening the vault, a filtered and sorted page
//! of 50 candidates, and verifying the whole audit log, on the encrypted database and on a
//! plain copy of it through the same code, and prints a table with the targets.
//! Run with `make bench` (release build, feature `bench-internals`).

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use interview::{InterviewState, Role};
use rand::{Rng, SeedableRng};
use vault::{CandidateFilter, NewUser, Session, Vault};

const PASSWORD: &str = "bench password long enough";

fn count(var: &str, default: i64) -> i64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// p50 and p95 of `runs` timings of `f`, in milliseconds.
fn timed(runs: usize, mut f: impl FnMut(usize)) -> (f64, f64) {
    let mut times: Vec<f64> = (0..runs)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[runs / 2], times[(runs * 95).div_ceil(100) - 1])
}

struct Figures {
    open_p50: f64,
    open_p95: f64,
    pages: Vec<(&'static str, f64, f64)>,
    verify_s: f64,
}

fn measure(data: &Path, plain: bool) -> Figures {
    let open = || if plain { Vault::open_plain_for_bench(data) } else { Vault::open(data) }.unwrap();
    drop(open());
    let (open_p50, open_p95) = timed(20, |_| drop(open()));
    let mut vault = open();
    let clerk: Session = vault.login("clerk", PASSWORD, "bench").unwrap();
    // (name, filter, whether to page through the first four pages at random)
    let workloads: [(&'static str, CandidateFilter, bool); 5] = [
        ("name prefix", CandidateFilter { name_prefix: Some("王".into()), ..Default::default() }, true),
        ("status", CandidateFilter { state: Some(InterviewState::Scored), ..Default::default() }, true),
        ("job", CandidateFilter { job_id: Some(3), ..Default::default() }, true),
        (
            "job+status+prefix",
            CandidateFilter {
                job_id: Some(3),
                state: Some(InterviewState::Completed),
                name_prefix: Some("李".into()),
                ..Default::default()
            },
            false,
        ),
        ("none, page 101", CandidateFilter { offset: 5_000, ..Default::default() }, false),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut pages = Vec::new();
    for (name, filter, paged) in workloads {
        let (p50, p95) = timed(200, |_| {
            let offset = if paged { 50 * rng.gen_range(0..4) } else { filter.offset };
            let page = vault.list_candidates(&clerk, &CandidateFilter { limit: 50, offset, ..filter.clone() }).unwrap();
            assert!(!page.rows.is_empty(), "{name}: empty page");
        });
        pages.push((name, p50, p95));
    }
    let auditor = vault.login("auditor", PASSWORD, "bench").unwrap();
    let start = Instant::now();
    let verified = vault.verify_audit(&auditor).unwrap();
    let verify_s = start.elapsed().as_secs_f64();
    eprintln!("  verified {} audit entries, {} signed checkpoints", verified.entries, verified.checkpoints);
    Figures { open_p50, open_p95, pages, verify_s }
}

fn main() {
    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let candidates = count("BENCH_CANDIDATES", 100_000);
    let audit = count("BENCH_AUDIT", 1_000_000);
    let root = tempfile::tempdir().unwrap();
    let (encrypted, plain) = (root.path().join("encrypted"), root.path().join("plain"));

    let start = Instant::now();
    let admin =
        NewUser { username: "admin".into(), display_name: "A".into(), role: Role::Admin, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(&encrypted, admin).unwrap();
    let session = vault.login("admin", PASSWORD, "bench").unwrap();
    for (name, role) in [("clerk", Role::Clerk), ("auditor", Role::Auditor)] {
        vault
            .create_user(
                &session,
                NewUser { username: name.into(), display_name: name.into(), role, password: PASSWORD.into() },
            )
            .unwrap();
    }
    vault.seed_for_bench(20, candidates, audit).unwrap();
    vault.export_plain_for_bench(&plain).unwrap();
    drop(vault);
    let size = std::fs::metadata(encrypted.join("vault/vault.db")).unwrap().len();
    eprintln!(
        "seeded {candidates} candidates, {audit} audit entries ({:.0} MB) in {:.1} s",
        size as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );

    eprintln!("measuring the encrypted vault…");
    let enc = measure(&encrypted, false);
    eprintln!("measuring the plain copy…");
    let pla = measure(&plain, true);

    println!();
    println!("{:<36} {:>12} {:>12} {:>8} {:>10}", "measure", "encrypted", "plain", "ratio", "target");
    let row = |name: &str, e: f64, p: f64, unit: &str, target: &str| {
        println!("{:<36} {:>9.2} {unit:<2} {:>9.2} {unit:<2} {:>8.2} {:>10}", name, e, p, e / p, target);
    };
    row("open p50", enc.open_p50, pla.open_p50, "ms", "");
    row("open p95", enc.open_p95, pla.open_p95, "ms", "<= 300 ms");
    for ((name, e50, e95), (_, p50, p95)) in enc.pages.iter().zip(&pla.pages) {
        row(&format!("page of 50, {name} p50"), *e50, *p50, "ms", "");
        row(&format!("page of 50, {name} p95"), *e95, *p95, "ms", "<= 20 ms");
    }
    row("audit verify (all entries)", enc.verify_s, pla.verify_s, "s", "report");
    // The workload is the filtered pages (the first four); the deep page is extra.
    let filtered = enc.pages.iter().zip(&pla.pages).take(4);
    let (e_sum, p_sum) = filtered.clone().fold((0.0, 0.0), |(e, p), ((_, _, e95), (_, _, p95))| (e + e95, p + p95));
    let worst = filtered.map(|((_, _, e), (_, _, p))| e / p).fold(0.0, f64::max);
    println!("{:<36} {:>45.2} {:>10}", "filtered pages, sum of p95, enc/plain", e_sum / p_sum, "<= 1.3");
    println!("{:<36} {:>45.2}", "filtered pages, worst single ratio", worst);
}
