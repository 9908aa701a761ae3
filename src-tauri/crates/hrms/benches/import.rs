//! Importing 100,000 candidates (override with `BENCH_ROWS`): a generated GB18030 CSV is read,
//! mapped and validated, then written into a real (encrypted) vault in one transaction. Prints
//! the time of each step and the peak memory. Run with `make bench`.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use hrms::import::{Mapping, check, read_table};
use interview::{Bands, Lang, Role, Weight};
use vault::{NewCandidate, NewJob, NewUser, Vault};

const PASSWORD: &str = "bench password long enough";

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A valid 18-character resident ID number for sequence number `n`.
fn id_number(n: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    // A different birth date every 1000 people, a different sequence number within it: unique.
    let day = n / 1000;
    let body = format!("110105{:04}{:02}{:02}{:03}", 1960 + day / 336, 1 + day % 336 / 28, 1 + day % 28, n % 1000);
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn main() {
    let rows: usize = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut text = String::from("序号,姓名,身份证号,手机号,邮箱\n");
    for n in 0..rows {
        text.push_str(&format!(
            "{n},候选人{n},{},1{:010},c{n}@example.cn\n",
            id_number(n),
            3_000_000_000u64 + n as u64
        ));
    }
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let bytes = bytes.into_owned();
    drop(text);

    let started = Instant::now();
    let table = read_table(&bytes).unwrap();
    let read_s = started.elapsed().as_secs_f64();
    let mapping = Mapping::guess(&table.headers);
    let started = Instant::now();
    let checked = check(&table, &mapping, &mut |_| false).unwrap();
    let check_s = started.elapsed().as_secs_f64();
    assert_eq!(checked.good.len(), rows, "{:?}", checked.errors.first());

    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let admin =
        NewUser { username: "admin".into(), display_name: "A".into(), role: Role::Admin, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(dir.path(), admin).unwrap();
    let admin = vault.login("admin", PASSWORD, "bench").unwrap();
    vault
        .create_user(
            &admin,
            NewUser {
                username: "clerk".into(),
                display_name: "C".into(),
                role: Role::Clerk,
                password: PASSWORD.into(),
            },
        )
        .unwrap();
    let clerk = vault.login("clerk", PASSWORD, "bench").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "岗位".into(),
                language: Lang::ZhCn,
                dimensions: vec![Weight { dimension: "d".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    let candidates: Vec<NewCandidate> = checked
        .good
        .into_iter()
        .map(|r| NewCandidate {
            job_id: job,
            name: r.name,
            id_number: r.id_number,
            phone: r.phone,
            email: r.email,
            group: r.group,
        })
        .collect();
    let started = Instant::now();
    let ids = vault.import_candidates(&clerk, job, &candidates).unwrap();
    let write_s = started.elapsed().as_secs_f64();
    assert_eq!(ids.len(), rows);

    println!("{:<52} {:>10}", "rows", rows);
    println!("{:<52} {:>8.1} MB", "file (GB18030 CSV)", bytes.len() as f64 / 1e6);
    println!("{:<52} {:>8.2} s", "read + decode + parse", read_s);
    println!("{:<52} {:>8.2} s", "validate every row", check_s);
    println!("{:<52} {:>8.2} s", "write into the vault (one transaction, audited)", write_s);
    println!("{:<52} {:>8.2} s", "total", read_s + check_s + write_s);
    println!("{:<52} {:>8.0} MB", "peak memory (VmHWM)", peak_rss_mb());
}
