//! `interview-kiosk demo --office` (`make demo-office`): an office on this machine, headless,
//! stage by stage. A hub and two kiosk stations run as separate processes of this program, each
//! with its own data directory and — when `installer/with-keyring` is at hand — its own Secret
//! Service and keyring, all on loopback with free ports. The second station reaches the hub
//! through a relay in this process, which the demo cuts mid-answer and restores: the link
//! failure the spool bridges.
//!
//! ```text
//! <data dir>/office/hub/        the hub's data directory and keyring
//! <data dir>/office/booth-1/    station 1
//! <data dir>/office/booth-2/    station 2
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interview::{Lang, Localized, UserFacing};

use crate::error::ShellError;
use crate::selftest::t;

/// Where `make demo-office` says `installer/with-keyring` is.
const WITH_KEYRING_ENV: &str = "INTERVIEW_KIOSK_WITH_KEYRING";
const MARKER: &str = ".interview-kiosk-office-demo";
const KEYRING_PASSWORD: &str = "interview-kiosk-office-demo";
const JOB: &str = include_str!("../../assets/samples/demo/job.toml");
const RUBRICS: [(&str, &str); 2] = [
    ("q1-rubric.json", include_str!("../../assets/samples/demo/q1-rubric.json")),
    ("q2-rubric.json", include_str!("../../assets/samples/demo/q2-rubric.json")),
];

/// One machine of the office: a data directory and a keyring directory.
struct Machine {
    name: &'static str,
    data: PathBuf,
    keyring: PathBuf,
}

struct Office {
    exe: PathBuf,
    with_keyring: Option<PathBuf>,
    lang: Lang,
}

fn failed(what: &str, detail: String) -> ShellError {
    ShellError::Internal(format!("{what}: {detail}"))
}

impl Office {
    fn command(&self, machine: &Machine, args: &[&str]) -> Command {
        let mut command = match &self.with_keyring {
            Some(wrapper) => {
                let mut command = Command::new(wrapper);
                command.arg(&self.exe).env("XDG_DATA_HOME", &machine.keyring).env_remove("DBUS_SESSION_BUS_ADDRESS");
                command
            }
            None => Command::new(&self.exe),
        };
        command
            .args(args)
            .arg("--data-dir")
            .arg(&machine.data)
            .args(["--lang", self.lang.tag()])
            .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", KEYRING_PASSWORD)
            .env("INTERVIEW_KIOSK_PASSWORD", crate::demo::DEMO_PASSWORD);
        command
    }

    /// Runs a command of `machine` to its end; its standard output, or its error.
    fn run(&self, machine: &Machine, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Result<String, ShellError> {
        let mut command = self.command(machine, args);
        command.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| failed(machine.name, e.to_string()))?;
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().map_err(|e| failed(machine.name, e.to_string()))?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default();
            return Err(failed(&format!("{} {}", machine.name, args.join(" ")), said.to_owned()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn spawn(&self, machine: &Machine, args: &[&str]) -> Result<Child, ShellError> {
        use std::os::unix::process::CommandExt;
        let mut command = self.command(machine, args);
        command.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command.spawn().map_err(|e| failed(machine.name, e.to_string()))
    }
}

/// Stops a background process of the demo (and what with-keyring started with it).
fn stop(child: &mut Child, signal: &str) {
    let _ = Command::new("kill").args([signal, "--", &format!("-{}", child.id())]).stderr(Stdio::null()).status();
    let _ = child.wait();
}

/// A TCP relay on loopback between a station and the hub, which can be cut (connections
/// closed, new ones refused) and restored. It passes TLS through untouched.
struct Relay {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(hub: SocketAddr) -> Result<Relay, ShellError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| failed("relay", e.to_string()))?;
        let addr = listener.local_addr().map_err(|e| failed("relay", e.to_string()))?;
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (cut_flag, registry) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for inbound in listener.incoming().flatten() {
                if cut_flag.load(Ordering::SeqCst) {
                    let _ = inbound.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(outbound) = TcpStream::connect(hub) else { continue };
                let pairs = [(inbound.try_clone(), outbound.try_clone()), (outbound.try_clone(), inbound.try_clone())];
                if let Ok(mut registry) = registry.lock() {
                    registry.extend([inbound, outbound]);
                }
                for pair in pairs {
                    if let (Ok(mut from), Ok(mut to)) = pair {
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = to.shutdown(Shutdown::Write);
                        });
                    }
                }
            }
        });
        Ok(Relay { addr, cut, open })
    }

    fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
        if cut && let Ok(mut open) = self.open.lock() {
            for stream in open.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

fn free_port() -> Result<u16, ShellError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| failed("port", e.to_string()))?;
    Ok(listener.local_addr().map_err(|e| failed("port", e.to_string()))?.port())
}

/// The `installer/with-keyring` to give each machine its own credential store, if at hand.
fn find_with_keyring() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(WITH_KEYRING_ENV) {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    // target/debug/interview-kiosk in the source tree.
    let candidate = exe.parent()?.parent()?.parent()?.join("installer/with-keyring");
    candidate.exists().then_some(candidate)
}

/// The office's directory: removed at the start if an earlier office demo made it; anything
/// else there is refused.
fn fresh_office_dir(data_dir: &Path) -> Result<PathBuf, ShellError> {
    let dir = data_dir.join("office");
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            return Err(ShellError::NotADemoVault(dir));
        }
        std::fs::remove_dir_all(&dir).map_err(|source| ShellError::DataDir { path: dir.clone(), source })?;
    }
    std::fs::create_dir_all(&dir).map_err(|source| ShellError::DataDir { path: dir.clone(), source })?;
    std::fs::write(dir.join(MARKER), b"office demo\n")
        .map_err(|source| ShellError::DataDir { path: dir.clone(), source })?;
    Ok(dir)
}

/// Stages with their timings, as `make demo` prints them.
struct Stages {
    lang: Lang,
    done: usize,
}

impl Stages {
    fn run(&mut self, name: Localized, stage: impl FnOnce() -> Result<String, ShellError>) -> Result<(), ShellError> {
        self.done += 1;
        let label = format!("[{}] {}", self.done, name.get(self.lang));
        let start = Instant::now();
        match stage() {
            Ok(summary) => {
                println!("{label:<40} ok    {:>8.2} s  {summary}", start.elapsed().as_secs_f64());
                Ok(())
            }
            Err(error) => {
                println!(
                    "{label:<40} FAIL  {:>8.2} s  {}",
                    start.elapsed().as_secs_f64(),
                    error.user_message().get(self.lang)
                );
                Err(error)
            }
        }
    }
}

fn pending_entries(machine: &Machine) -> usize {
    std::fs::read_dir(machine.data.join("station/spool"))
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".entry")).count())
        .unwrap_or(0)
}

pub fn run(data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let started = Instant::now();
    let exe = std::env::current_exe().map_err(|e| failed("exe", e.to_string()))?;
    let office = Office { exe, with_keyring: find_with_keyring(), lang };
    let dir = fresh_office_dir(data_dir)?;
    let machine = |name: &'static str| -> Result<Machine, ShellError> {
        let m = Machine { name, data: dir.join(name).join("data"), keyring: dir.join(name).join("keyring") };
        for d in [&m.data, &m.keyring] {
            std::fs::create_dir_all(d).map_err(|source| ShellError::DataDir { path: d.clone(), source })?;
        }
        Ok(m)
    };
    let (hub, booths, desk) = (machine("hub")?, [machine("booth-1")?, machine("booth-2")?], machine("desk-1")?);
    println!(
        "{} {} ({})",
        t(lang, "面试一体机办公网络演示 — 目录", "Interview Kiosk office demo — directory"),
        dir.display(),
        match office.with_keyring {
            Some(_) => t(lang, "每台机器有自己的凭据库", "each machine with its own credential store"),
            None => t(lang, "三台机器共用本机凭据库", "the three machines share this machine's credential store"),
        }
    );
    let mut stages = Stages { lang, done: 0 };
    let mut codes = Vec::new();

    stages.run(
        Localized::new("中心主机：保险库、账户、岗位、候选人", "hub: vault, accounts, job, candidates"),
        || {
            office.run(&hub, &["vault", "init", "--admin", "admin"], "", &[])?;
            for (user, role) in [("clerk", "clerk"), ("auditor", "auditor"), ("kiosk-1", "kiosk")] {
                let stdin = format!("{}\n", crate::demo::DEMO_PASSWORD);
                office.run(
                    &hub,
                    &["user", "create", "--user", "admin", "--username", user, "--name", user, "--role", role],
                    &stdin,
                    &[],
                )?;
            }
            let job_dir = dir.join("job");
            std::fs::create_dir_all(&job_dir)
                .map_err(|source| ShellError::DataDir { path: job_dir.clone(), source })?;
            std::fs::write(job_dir.join("job.toml"), JOB)
                .map_err(|source| ShellError::DataDir { path: job_dir.clone(), source })?;
            for (name, text) in RUBRICS {
                std::fs::write(job_dir.join(name), text)
                    .map_err(|source| ShellError::DataDir { path: job_dir.clone(), source })?;
            }
            office.run(
                &hub,
                &["job", "create", "--user", "clerk", &job_dir.join("job.toml").display().to_string()],
                "",
                &[],
            )?;
            for name in ["王小明", "李大华"] {
                let out = office.run(
                    &hub,
                    &["candidate", "add", "--user", "clerk", "--job", "1", "--name", name],
                    "",
                    &[],
                )?;
                let id = out.split_whitespace().last().unwrap_or_default().to_owned();
                let json = office.run(&hub, &["invite", "--user", "clerk", "--candidate", &id, "--json"], "", &[])?;
                let value: serde_json::Value =
                    serde_json::from_str(json.trim()).map_err(|e| failed("invite", e.to_string()))?;
                codes.push(value["code"].as_str().unwrap_or_default().to_owned());
            }
            Ok(format!(
                "admin, clerk, auditor, kiosk-1; {} 2 {}",
                t(lang, "岗位 1，候选人", "job 1, candidates"),
                t(lang, "名", "")
            ))
        },
    )?;

    let hub_addr: SocketAddr =
        format!("127.0.0.1:{}", free_port()?).parse().map_err(|_| failed("port", String::new()))?;
    let hub_arg = hub_addr.to_string();
    let mut hub_process = None;
    let result = (|| {
        stages.run(Localized::new("中心主机开始服务（双向 TLS）", "hub serving (mutual TLS)"), || {
            let mut child = office.spawn(&hub, &["hub", "serve", "--listen", &hub_arg, "--user", "admin"])?;
            let stdout = child.stdout.take().ok_or_else(|| failed("hub", "no output".into()))?;
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            hub_process = Some(child);
            let line = rx.recv_timeout(Duration::from_secs(60)).map_err(|_| failed("hub", "did not start".into()))?;
            let authority = line.split("SHA-256 ").nth(1).and_then(|s| s.get(..23)).unwrap_or_default().to_owned();
            Ok(format!("https://{hub_arg}, {} {authority}…", t(lang, "证书颁发机构", "authority")))
        })?;

        let relay = Relay::start(hub_addr)?;
        stages.run(
            Localized::new("两台终端用一次性注册码加入", "two stations enrol with one-time codes"),
            || {
                for (booth, address) in booths.iter().zip([hub_arg.clone(), relay.addr.to_string()]) {
                    let out =
                        office.run(&hub, &["hub", "code", "--kiosk-account", "kiosk-1", "--user", "admin"], "", &[])?;
                    let code = out.lines().map(str::trim).find(|l| l.len() == 24).unwrap_or_default().to_owned();
                    let name = if booth.name == "booth-1" { "Booth 1" } else { "Booth 2" };
                    office.run(
                        booth,
                        &["station", "enrol", "--hub", &address, "--name", name],
                        "",
                        &[("INTERVIEW_KIOSK_ENROLMENT_CODE", &code)],
                    )?;
                }
                Ok(t(lang, "Booth 1 直连，Booth 2 经可断开的链路", "Booth 1 direct, Booth 2 over a link the demo cuts")
                    .to_owned())
            },
        )?;

        stages.run(
            Localized::new(
                "两场面试同时录制，Booth 2 链路中断后恢复",
                "two interviews at once; Booth 2's link cut and restored",
            ),
            || {
                let mut runs = Vec::new();
                for (booth, code) in booths.iter().zip(&codes) {
                    runs.push(office.spawn(booth, &["station", "interview", "--code", code, "--wait", "180"])?);
                }
                std::thread::sleep(Duration::from_secs(8));
                relay.set_cut(true);
                let cut_at = Instant::now();
                let mut held = 0;
                while cut_at.elapsed() < Duration::from_secs(10) {
                    held = held.max(pending_entries(&booths[1]));
                    std::thread::sleep(Duration::from_millis(250));
                }
                relay.set_cut(false);
                let mut summary = Vec::new();
                for (booth, child) in booths.iter().zip(runs) {
                    let out = child.wait_with_output().map_err(|e| failed(booth.name, e.to_string()))?;
                    let text = String::from_utf8_lossy(&out.stdout).into_owned();
                    if !out.status.success() {
                        return Err(failed(booth.name, String::from_utf8_lossy(&out.stderr).into_owned()));
                    }
                    let recorded = text.lines().find(|l| l.contains(':') && l.contains("frames")).unwrap_or_default();
                    summary.push(format!("{}: {}", booth.name, recorded.split(':').nth(1).unwrap_or_default().trim()));
                }
                Ok(format!(
                    "{}; {} 10 s, {} {held} {}",
                    summary.join("; "),
                    t(lang, "断开", "cut for"),
                    t(lang, "期间终端暂存", "the spool held up to"),
                    t(lang, "条", "entries")
                ))
            },
        )?;

        stages.run(
            Localized::new("评分分布到中心主机与两台终端", "scoring spread over the hub and both stations"),
            || {
                let workers: Vec<Child> =
                    booths.iter().map(|b| office.spawn(b, &["station", "work"])).collect::<Result<_, _>>()?;
                let mut counts = Vec::new();
                for (booth, worker) in booths.iter().zip(workers) {
                    let out = worker.wait_with_output().map_err(|e| failed(booth.name, e.to_string()))?;
                    let text = String::from_utf8_lossy(&out.stdout).into_owned();
                    let scored =
                        text.lines().find(|l| l.contains(':')).and_then(|l| l.split_whitespace().nth(2)).unwrap_or("0");
                    counts.push(format!("{} {scored}", booth.name));
                }
                Ok(format!(
                    "{} {}; {}",
                    t(lang, "终端评分：", "scored at the stations:"),
                    counts.join(", "),
                    t(lang, "其余由中心主机自己评分", "the rest by the hub itself")
                ))
            },
        )?;

        stages.run(
            Localized::new(
                "工作人员工作站加入；专员在工作站上复核并决定 Booth 1 的面试",
                "a staff workstation enrols; the clerk reviews and decides Booth 1's interview there",
            ),
            || {
                let out = office.run(&hub, &["hub", "code", "--workstation", "--user", "admin"], "", &[])?;
                let code = out.lines().map(str::trim).find(|l| l.len() == 24).unwrap_or_default().to_owned();
                office.run(
                    &desk,
                    &["workstation", "enrol", "--hub", &hub_arg, "--name", "HR desk 1"],
                    "",
                    &[("INTERVIEW_KIOSK_ENROLMENT_CODE", &code)],
                )?;
                let reason = t(lang, "回答具体，复核后同意推荐。", "Specific answers; recommended after review.");
                let out = office.run(
                    &desk,
                    &[
                        "workstation",
                        "review",
                        "--interview",
                        "1",
                        "--user",
                        "clerk",
                        "--band",
                        "recommend",
                        "--reason",
                        reason,
                    ],
                    "",
                    &[],
                )?;
                Ok(out.lines().next_back().unwrap_or_default().trim().to_owned())
            },
        )?;

        stages.run(Localized::new("停止中心主机并检查保险库", "hub stopped, its vault checked"), || {
            if let Some(mut child) = hub_process.take() {
                stop(&mut child, "-TERM");
            }
            let queue = office.run(&hub, &["score", "--queue", "--user", "clerk"], "", &[])?;
            let check = office.run(&hub, &["vault", "check", "--user", "admin"], "", &[])?;
            let last = |text: &str| text.lines().next_back().unwrap_or_default().trim().to_owned();
            Ok(format!("{}; {}", last(&queue), last(&check)))
        })?;
        Ok::<(), ShellError>(())
    })();
    if let Some(mut child) = hub_process.take() {
        stop(&mut child, "-KILL");
    }
    result?;
    println!(
        "{} {:.1} s",
        t(lang, "办公网络演示完成，共用时", "office demo finished in"),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
