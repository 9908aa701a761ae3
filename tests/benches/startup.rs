//! `cargo bench -p e2e --bench startup` (`make bench-app`): cold start to interactive and idle
//! memory of the real app, staff window and kiosk window, under Xvfb.
//!
//! Start: from the app process's start (its `/proc` start time) to the moment the page rendered
//! its first usable screen (it records `performance.timeOrigin + performance.now()`), so the
//! WebDriver machinery's own start-up is not counted. Memory: after the app has sat idle for
//! `STARTUP_BENCH_IDLE_SECONDS` (default 20), the resident set (RSS) and the proportional set
//! (PSS, shared pages divided among their users) of the app and every process it started
//! (WebKit's web and network processes). Targets: ≤ 2 s to interactive, ≤ 250 MB RSS idle.

#[path = "../e2e/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "../e2e/sockets.rs"]
#[allow(dead_code)]
mod sockets;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use harness::{App, workspace_root};

const KEYRING_PASSWORD: &str = "bench keyring password";
const PASSWORD: &str = "a long enough bench password";

struct Run {
    start_ms: f64,
    rss_mb: f64,
    pss_mb: f64,
    processes: usize,
    /// Per process: its name, RSS MB, PSS MB.
    parts: Vec<(String, f64, f64)>,
}

fn main() -> Result<()> {
    let runs: usize = std::env::var("STARTUP_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let idle: u64 = std::env::var("STARTUP_BENCH_IDLE_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let root = tempfile::tempdir()?;
    let keyring = root.path().join("keyring");
    let data = root.path().join("data");
    std::fs::create_dir_all(&keyring)?;
    seed(&data, &keyring)?;

    println!(
        "{:<14} {:>4} {:>12} {:>12} {:>12} {:>12} {:>6}",
        "window", "runs", "start med", "start max", "RSS MB", "PSS MB", "procs"
    );
    for kiosk in [false, true] {
        let mut results = Vec::new();
        for _ in 0..runs {
            results.push(runtime.block_on(measure(&data, &keyring, kiosk, idle))?);
        }
        let mut starts: Vec<f64> = results.iter().map(|r| r.start_ms).collect();
        starts.sort_by(f64::total_cmp);
        let rss = results.iter().map(|r| r.rss_mb).fold(0.0, f64::max);
        let pss = results.iter().map(|r| r.pss_mb).fold(0.0, f64::max);
        println!(
            "{:<14} {:>4} {:>9.0} ms {:>9.0} ms {:>12.0} {:>12.0} {:>6}",
            if kiosk { "kiosk" } else { "staff" },
            runs,
            starts[starts.len() / 2],
            starts[starts.len() - 1],
            rss,
            pss,
            results[0].processes
        );
        if let Some(last) = results.last() {
            for (name, rss, pss) in &last.parts {
                println!("  {name:<24} {rss:>27.0} {pss:>12.0}");
            }
        }
    }
    println!("(memory: the largest of the runs, after {idle} s idle; targets ≤ 2000 ms, ≤ 250 MB RSS)");
    Ok(())
}

/// A vault with a kiosk account, made by the command line (as an installation would have).
fn seed(data: &Path, keyring: &Path) -> Result<()> {
    let binary = harness::app_binary()?;
    let run = |args: &[&str], stdin: &str| -> Result<()> {
        use std::io::Write;
        let mut child = Command::new(workspace_root().join("installer/with-keyring"))
            .arg(&binary)
            .args(args)
            .args(["--data-dir", &data.display().to_string()])
            .env("XDG_DATA_HOME", keyring)
            .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", KEYRING_PASSWORD)
            .env("INTERVIEW_KIOSK_PASSWORD", PASSWORD)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        child.stdin.take().context("stdin")?.write_all(stdin.as_bytes())?;
        let out = child.wait_with_output()?;
        ensure!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(())
    };
    run(&["vault", "init", "--admin", "admin"], "")?;
    run(
        &["user", "create", "--user", "admin", "--username", "kiosk-1", "--name", "Kiosk", "--role", "kiosk"],
        &format!("{PASSWORD}\n"),
    )?;
    run(&["devices", "--camera", "synthetic:portrait", "--microphone", "synthetic:microphone"], "")?;
    Ok(())
}

async fn measure(data: &Path, keyring: &Path, kiosk: bool, idle: u64) -> Result<Run> {
    let app = if kiosk {
        App::launch_kiosk(data, keyring, KEYRING_PASSWORD, &[]).await?
    } else {
        App::launch_with_keyring(data, keyring, KEYRING_PASSWORD).await?
    };
    let mut interactive = serde_json::Value::Null;
    for _ in 0..200 {
        interactive = app.client.execute("return window.__interviewKioskInteractive ?? null", vec![]).await?;
        if interactive.is_number() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let interactive = interactive.as_f64().context("the page never became interactive")?;
    let binary = harness::app_binary()?;
    let pids = sockets::processes_of(&binary, "INTERVIEW_KIOSK_DATA_DIR", &data.display().to_string());
    ensure!(pids.len() == 1, "expected one app process, found {pids:?}");
    let started = process_start_ms(pids[0])?;
    if kiosk {
        // Idle as a kiosk is idle: a station signed in, on its welcome screen.
        app.type_into("[data-testid=kiosk-station-username]", "kiosk-1").await?;
        app.type_into("[data-testid=kiosk-station-password]", PASSWORD).await?;
        app.click("[data-testid=kiosk-station-submit]").await?;
        app.find("[data-testid=kiosk-welcome]").await?;
    }
    tokio::time::sleep(Duration::from_secs(idle)).await;
    let tree = sockets::tree(pids[0]);
    let mut parts = Vec::new();
    for pid in &tree {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned();
        let rss = kb_field(&format!("/proc/{pid}/status"), "VmRSS:").unwrap_or(0.0) / 1024.0;
        let pss = kb_field(&format!("/proc/{pid}/smaps_rollup"), "Pss:").unwrap_or(0.0) / 1024.0;
        parts.push((name, rss, pss));
    }
    app.close().await?;
    Ok(Run {
        start_ms: interactive - started,
        rss_mb: parts.iter().map(|p| p.1).sum(),
        pss_mb: parts.iter().map(|p| p.2).sum(),
        processes: tree.len(),
        parts,
    })
}

/// When the process started, in milliseconds since the epoch: its age (system uptime minus its
/// start in clock ticks since boot, both with 10 ms resolution) taken from now.
fn process_start_ms(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Field 22 (starttime), counted after the ")" that closes the process name.
    let after = stat.rsplit_once(')').context("stat")?.1;
    let ticks: f64 = after.split_whitespace().nth(19).context("starttime")?.parse()?;
    let hz: f64 = String::from_utf8(Command::new("getconf").arg("CLK_TCK").output()?.stdout)?.trim().parse()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs_f64() * 1000.0;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")?.split_whitespace().next().context("uptime")?.parse()?;
    Ok(now - (uptime - ticks / hz) * 1000.0)
}

fn kb_field(path: &str, name: &str) -> Option<f64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse().ok())
}
