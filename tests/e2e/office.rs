//! An office on one machine: the hub and its stations as separate `interview-kiosk` processes,
//! each with its own data directory and its own Secret Service (installer/with-keyring), the
//! stations recording with the synthetic camera and microphone (`station interview`). Faults are
//! real: processes killed with SIGKILL at random points, and a link cut inside network
//! namespaces joined by a veth pair the test makes itself (only addresses inside them).
//!
//! Every loop is bounded and says how many times it ran; the random points come from a seed the
//! test prints.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::cli::{Cli, PASSWORD, tempdirs};
use crate::kiosk::{invite, seed};

/// A small xorshift, seeded from the clock and printed, so a failing run can be repeated.
pub(crate) struct Random(u64);

impl Random {
    pub(crate) fn new(name: &str) -> Random {
        let seed = std::env::var("OFFICE_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64 | 1
        });
        println!("{name}: OFFICE_TEST_SEED={seed}");
        Random(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A duration between `low` and `high` milliseconds.
    pub(crate) fn ms(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(low + self.next() % (high - low).max(1))
    }
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A process of the office, in its own process group (with-keyring's bus and keyring go with
/// it): killed with SIGKILL when dropped, if still running.
pub(crate) struct Proc(Child);

impl Proc {
    pub(crate) fn spawn(mut command: Command) -> Result<Proc> {
        use std::os::unix::process::CommandExt;
        let child =
            command.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        Ok(Proc(child))
    }

    pub(crate) fn signal(&self, signal: &str) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args([signal, "--", &group]).stderr(Stdio::null()).status();
    }

    pub(crate) fn kill(&mut self) {
        self.signal("-KILL");
        let _ = self.0.wait();
    }

    pub(crate) fn running(&mut self) -> Result<bool> {
        Ok(self.0.try_wait()?.is_none())
    }

    /// Waits for the process to end (at most `limit`) and returns whether it succeeded and what
    /// it printed.
    pub(crate) fn finish(mut self, limit: Duration) -> Result<(bool, String, String)> {
        use std::io::Read;
        // The hub's output is read by its own thread (`Hub::start`).
        let stdout = self.0.stdout.take();
        let stderr = self.0.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stderr) = stderr {
                let _ = stderr.read_to_string(&mut text);
            }
            text
        });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stdout) = stdout {
                let _ = stdout.read_to_string(&mut text);
            }
            let _ = tx.send(text);
        });
        let Ok(out) = rx.recv_timeout(limit) else {
            self.kill();
            bail!("still running after {limit:?}");
        };
        let status = self.0.wait()?;
        let err = reader.join().unwrap_or_default();
        Ok((status.success(), out, err))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// The hub: a seeded vault, serving on `listen` (in `netns`, if given) until stopped.
pub(crate) struct Hub {
    pub(crate) cli: Cli,
    listen: String,
    netns: Option<String>,
    /// More `hub serve` arguments.
    pub(crate) serve: Vec<&'static str>,
    process: Option<Proc>,
}

impl Hub {
    pub(crate) fn new(cli: Cli, listen: String, netns: Option<String>) -> Result<Hub> {
        seed(&cli)?;
        Ok(Hub { cli, listen, netns, serve: Vec::new(), process: None })
    }

    /// Starts `hub serve` and waits until it listens.
    pub(crate) fn start(&mut self) -> Result<()> {
        let mut args = vec!["hub", "serve", "--listen", &self.listen, "--user", "admin"];
        args.extend(&self.serve);
        let command = self.cli.command(self.netns.as_deref(), &args, PASSWORD);
        let mut process = Proc::spawn(command)?;
        let stdout = process.0.stdout.take().context("stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(60)).context("the hub did not start listening")?;
        self.process = Some(process);
        Ok(())
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    /// Stops the hub gracefully (SIGTERM) and waits for it.
    pub(crate) fn stop(&mut self) -> Result<()> {
        if let Some(process) = self.process.take() {
            process.signal("-TERM");
            process.finish(Duration::from_secs(30))?;
        }
        Ok(())
    }

    pub(crate) fn code(&self) -> Result<String> {
        let out = self.cli.ok(&["hub", "code", "--kiosk-account", "kiosk-1", "--user", "admin"])?;
        Ok(out
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 24 && l.split('-').count() == 5)
            .context("no code")?
            .to_owned())
    }

    pub(crate) fn stations(&self) -> Result<Vec<serde_json::Value>> {
        let out = self.cli.ok(&["hub", "stations", "--user", "admin", "--json"])?;
        out.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
    }

    /// Scores whatever the hub's own worker had not (its queue drained) and returns how many
    /// interviews have a total.
    pub(crate) fn scored(&self, root: &std::path::Path) -> Result<usize> {
        let queue = self.cli.ok(&["score", "--queue", "--user", "clerk"])?;
        ensure!(queue.contains("0 waiting, 0 failed"), "scoring left work: {queue}");
        Ok(self.results(root)?.iter().filter(|r| r["status"] == "scored" && r["total"].is_number()).count())
    }

    /// The job's results as exported (works while the hub serves: another handle on its vault).
    pub(crate) fn results(&self, root: &std::path::Path) -> Result<Vec<serde_json::Value>> {
        let results = root.join("results.json");
        let results_arg = results.display().to_string();
        let _ = std::fs::remove_file(&results);
        self.cli.ok(&[
            "export",
            "results",
            "--job",
            "1",
            "--format",
            "json",
            "--out",
            &results_arg,
            "--user",
            "clerk",
        ])?;
        Ok(serde_json::from_str(&std::fs::read_to_string(&results)?)?)
    }

    /// The vault check's count of media files (and that it passed).
    pub(crate) fn check(&self) -> Result<u64> {
        let out = self.cli.ok(&["vault", "check", "--user", "admin"])?;
        let count = out
            .split(',')
            .find_map(|part| part.trim().strip_suffix(" media files intact"))
            .context(format!("no media count in {out:?}"))?;
        Ok(count.trim().parse()?)
    }
}

/// A station machine.
pub(crate) struct Station {
    pub(crate) cli: Cli,
    pub(crate) netns: Option<String>,
}

impl Station {
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        self.cli.command(self.netns.as_deref(), args, PASSWORD)
    }

    pub(crate) fn enrol(&self, hub: &Hub, address: &str, name: &str) -> Result<()> {
        let code = hub.code()?;
        let mut command = self.command(&["station", "enrol", "--hub", address, "--name", name]);
        command.env("INTERVIEW_KIOSK_ENROLMENT_CODE", code);
        let (ok, out, err) = Proc::spawn(command)?.finish(Duration::from_secs(60))?;
        ensure!(ok, "enrol failed: {out}{err}");
        Ok(())
    }

    pub(crate) fn interview(&self, code: &str) -> Result<Proc> {
        Proc::spawn(self.command(&["station", "interview", "--code", code, "--wait", "180"]))
    }

    /// The last journal position the hub acknowledged to this station.
    pub(crate) fn acked(&self) -> Result<i64> {
        Ok(std::fs::read_to_string(self.cli.data.join("station/spool/acked"))
            .unwrap_or_else(|_| "0".into())
            .trim()
            .parse()?)
    }

    pub(crate) fn pending(&self) -> Result<usize> {
        Ok(std::fs::read_dir(self.cli.data.join("station/spool"))?
            .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".entry")))
            .count())
    }
}

pub(crate) fn machine(root: &std::path::Path, name: &str) -> Result<Cli> {
    let cli = Cli::new(root.join(name).join("keyring"), root.join(name).join("data"));
    std::fs::create_dir_all(&cli.keyring)?;
    Ok(cli)
}

/// The segments a finished `station interview` reports.
fn segments_of(out: &str) -> Result<u64> {
    let line = out.lines().find(|l| l.starts_with("recorded:")).context(format!("no recording line in {out:?}"))?;
    Ok(line.split_whitespace().nth(1).context("count")?.parse()?)
}

/// Forwarding to the hub must not cost the recording frames beyond the product's target (at most
/// 1 % dropped: 2-second segments of 30 frames a second). Not zero: a loaded two-core machine
/// running the other e2e tests beside this one once dropped 12 of some 6,000 (`make test`).
fn frames_within_target(out: &str) -> Result<()> {
    let line = out.lines().find(|l| l.starts_with("recorded:")).context(format!("no recording line in {out:?}"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let dropped: u64 =
        words.iter().position(|w| *w == "frames").and_then(|i| words.get(i - 1)).context("dropped")?.parse()?;
    let frames = segments_of(out)? * 60;
    ensure!(dropped * 100 <= frames, "forwarding cost {dropped} of about {frames} frames: {line}");
    Ok(())
}

/// Everything under `dir`, as bytes, searched for `needles`; returns what was found where.
pub(crate) fn find_in_files(dir: &std::path::Path, needles: &[(&str, &[u8])]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                for (what, needle) in needles {
                    if bytes.windows(needle.len()).any(|w| w == *needle) {
                        found.push(format!("{what} in {}", path.display()));
                    }
                }
            }
        }
    }
    found
}

/// Two stations record at the same time; the hub holds every segment once; the stations then
/// score the answers between visits (the hub leaves scoring to them here), each answer once;
/// both interviews complete and are scored, both vaults check clean, and nothing of the
/// candidates is left in a station's files.
#[test]
fn two_stations_record_at_once_score_between_visits_and_the_hub_holds_everything_once() -> Result<()> {
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.serve = vec!["--no-scoring"];
    hub.start()?;
    let stations = [machine(root.path(), "st1")?, machine(root.path(), "st2")?].map(|cli| Station { cli, netns: None });
    for (i, station) in stations.iter().enumerate() {
        station.enrol(&hub, &address, &format!("Booth {}", i + 1))?;
    }
    let codes = [invite(&hub.cli, "王小明", None, &[])?, invite(&hub.cli, "李大华", None, &[])?];
    let runs: Vec<Proc> = stations.iter().zip(&codes).map(|(s, c)| s.interview(c)).collect::<Result<_>>()?;
    let mut segments = 0;
    for run in runs {
        let (ok, out, err) = run.finish(Duration::from_secs(240))?;
        ensure!(ok, "interview failed: {out}{err}");
        ensure!(out.contains("the hub has everything"), "{out}");
        frames_within_target(&out)?;
        segments += segments_of(&out)?;
    }
    let listed = hub.stations()?;
    ensure!(listed.len() == 2, "{listed:?}");
    for (station, listed) in stations.iter().zip(&listed) {
        ensure!(listed["applied_seq"].as_i64() == Some(station.acked()?), "{listed} vs acked {}", station.acked()?);
        ensure!(station.pending()? == 0);
    }
    // Both stations score at once, one thread each; each of the four answers is scored once.
    let workers: Vec<Proc> =
        stations.iter().map(|s| Proc::spawn(s.command(&["station", "work"]))).collect::<Result<_>>()?;
    let mut scored = 0;
    for worker in workers {
        let (ok, out, err) = worker.finish(Duration::from_secs(300))?;
        ensure!(ok, "station work failed: {out}{err}");
        let line = out.lines().find(|l| l.starts_with("answers scored:")).context(format!("no count in {out:?}"))?;
        scored += line.split_whitespace().nth(2).context("count")?.parse::<u64>()?;
    }
    ensure!(scored == 4, "{scored} answers scored by the stations, expected 4");
    hub.stop()?;
    // Three parts (video, audio, still) per segment, each stored once.
    let media = hub.check()?;
    ensure!(media == 3 * segments, "{media} media files for {segments} segments");
    let queue = hub.cli.ok(&["score", "--queue", "--user", "clerk"])?;
    ensure!(queue.contains("0 scoring jobs done; 0 waiting"), "work was left for the hub: {queue}");
    ensure!(hub.scored(root.path())? == 2, "both interviews scored, with a total");
    let needles: [(&str, &[u8]); 6] = [
        ("a candidate's name", "王小明".as_bytes()),
        ("a candidate's name", "李大华".as_bytes()),
        ("an access code", codes[0].as_bytes()),
        ("a WAV", b"WAVEfmt "),
        ("a WebM", &[0x1a, 0x45, 0xdf, 0xa3]),
        ("a JPEG", &[0xff, 0xd8, 0xff, 0xe0]),
    ];
    for station in &stations {
        let found = find_in_files(&station.cli.data, &needles);
        ensure!(found.is_empty(), "left at the station after the visit: {found:?}");
    }
    Ok(())
}

/// The hub is killed with SIGKILL at random points of an interview and restarted on the same
/// address; the interview goes on untouched, every segment reaches the hub once, the interview
/// completes, and the hub's vault checks clean.
#[test]
fn the_hub_killed_at_random_points_loses_nothing_the_station_recorded() -> Result<()> {
    let mut random = Random::new("hub kills");
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.start()?;
    let station = Station { cli: machine(root.path(), "st")?, netns: None };
    station.enrol(&hub, &address, "Booth 1")?;
    let code = invite(&hub.cli, "赵六", None, &[])?;
    let mut run = station.interview(&code)?;
    let mut kills = 0;
    while kills < 4 && run.running()? {
        std::thread::sleep(random.ms(2000, 7000));
        hub.kill();
        kills += 1;
        std::thread::sleep(random.ms(200, 2500));
        hub.start()?;
    }
    println!("hub killed {kills} times");
    ensure!(kills >= 2, "the interview ended before the hub was killed twice");
    let (ok, out, err) = run.finish(Duration::from_secs(240))?;
    ensure!(ok, "interview failed: {out}{err}");
    let segments = segments_of(&out)?;
    ensure!(hub.stations()?[0]["applied_seq"].as_i64() == Some(station.acked()?));
    hub.stop()?;
    let media = hub.check()?;
    ensure!(media == 3 * segments, "{media} media files for {segments} segments");
    ensure!(hub.scored(root.path())? == 1, "the interview did not complete and score at the hub");
    Ok(())
}

/// A station is killed with SIGKILL at random points (while recording or forwarding), then
/// started again: it hands over what it holds, closes the answer it was recording as
/// interrupted, and the hub has applied exactly what the station holds as acknowledged.
#[test]
fn a_station_killed_at_random_points_hands_over_everything_once_when_restarted() -> Result<()> {
    let mut random = Random::new("station kills");
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.start()?;
    let station = Station { cli: machine(root.path(), "st")?, netns: None };
    station.enrol(&hub, &address, "Booth 1")?;
    let rounds = 4;
    for round in 0..rounds {
        let code = invite(&hub.cli, &format!("候选人{round}"), None, &[])?;
        let mut run = station.interview(&code)?;
        // Every other round the hub goes first, so the station dies holding a backlog.
        let hub_down = round % 2 == 0;
        if hub_down {
            std::thread::sleep(random.ms(2000, 10000));
            hub.kill();
        }
        std::thread::sleep(random.ms(3000, 20000));
        run.kill();
        let held = station.pending()?;
        ensure!(!hub_down || held > 0, "round {round}: the station held nothing while the hub was down");
        if hub_down {
            hub.start()?;
        }
        let (ok, out, err) =
            Proc::spawn(station.command(&["station", "forward", "--wait", "60"]))?.finish(Duration::from_secs(90))?;
        ensure!(ok, "round {round}: forward failed: {out}{err}");
        ensure!(station.pending()? == 0, "round {round}: entries left after forwarding");
        let applied = hub.stations()?[0]["applied_seq"].as_i64().context("applied")?;
        ensure!(
            applied == station.acked()?,
            "round {round}: hub applied {applied}, station acknowledged {}",
            station.acked()?
        );
        println!("round {round}: killed holding {held} entries (hub down: {hub_down}); hub at {applied}");
    }
    println!("station killed {rounds} times");
    hub.stop()?;
    hub.check()?;
    Ok(())
}

/// Network namespaces joined by a veth pair, removed when dropped.
pub(crate) struct Link {
    hub_ns: String,
    station_ns: String,
    station_end: String,
}

impl Link {
    pub(crate) fn new() -> Result<Link> {
        let id = std::process::id() % 10_000;
        let link = Link {
            hub_ns: format!("ik-hub-{id}"),
            station_ns: format!("ik-st-{id}"),
            station_end: format!("ik-s{id}"),
        };
        let hub_end = format!("ik-h{id}");
        let ip = |args: &[&str]| -> Result<()> {
            let status = Command::new("ip").args(args).status()?;
            ensure!(status.success(), "ip {args:?} failed");
            Ok(())
        };
        ip(&["netns", "add", &link.hub_ns])?;
        ip(&["netns", "add", &link.station_ns])?;
        ip(&["link", "add", &hub_end, "type", "veth", "peer", "name", &link.station_end])?;
        ip(&["link", "set", &hub_end, "netns", &link.hub_ns])?;
        ip(&["link", "set", &link.station_end, "netns", &link.station_ns])?;
        ip(&["-n", &link.hub_ns, "addr", "add", "10.231.7.1/24", "dev", &hub_end])?;
        ip(&["-n", &link.station_ns, "addr", "add", "10.231.7.2/24", "dev", &link.station_end])?;
        for (ns, dev) in [(&link.hub_ns, &hub_end), (&link.station_ns, &link.station_end)] {
            ip(&["-n", ns, "link", "set", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(link)
    }

    pub(crate) fn set(&self, up: bool) -> Result<()> {
        let status = Command::new("ip")
            .args(["-n", &self.station_ns, "link", "set", &self.station_end, if up { "up" } else { "down" }])
            .status()?;
        ensure!(status.success());
        Ok(())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        for ns in [&self.hub_ns, &self.station_ns] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// The link between a station and the hub is cut mid-upload and restored, twice: the interview
/// goes on, the hub receives nothing while the link is down, and once it is back everything
/// arrives once and the interview completes.
#[test]
fn a_link_cut_mid_upload_is_bridged_by_the_spool() -> Result<()> {
    let mut random = Random::new("link cuts");
    let link = Link::new()?;
    let (root, hub_cli) = tempdirs()?;
    let address = "10.231.7.1:8788".to_owned();
    let mut hub = Hub::new(hub_cli, address.clone(), Some(link.hub_ns.clone()))?;
    hub.start()?;
    let station = Station { cli: machine(root.path(), "st")?, netns: Some(link.station_ns.clone()) };
    station.enrol(&hub, &address, "Booth 1")?;
    let code = invite(&hub.cli, "孙七", None, &[])?;
    let run = station.interview(&code)?;
    let mut cuts = 0;
    for _ in 0..2 {
        std::thread::sleep(random.ms(3000, 8000));
        link.set(false)?;
        cuts += 1;
        let before = hub.stations()?[0]["applied_seq"].as_i64().context("applied")?;
        std::thread::sleep(random.ms(4000, 7000));
        let during = hub.stations()?[0]["applied_seq"].as_i64().context("applied")?;
        let held = station.pending()?;
        link.set(true)?;
        ensure!(before == during, "entries reached the hub over a cut link ({before} → {during})");
        ensure!(held > 0, "the station's spool held nothing while the link was cut");
        println!("cut {cuts}: the spool held {held} entries");
    }
    println!("link cut {cuts} times");
    let (ok, out, err) = run.finish(Duration::from_secs(240))?;
    ensure!(ok, "interview failed: {out}{err}");
    frames_within_target(&out)?;
    let segments = segments_of(&out)?;
    hub.stop()?;
    ensure!(hub.check()? == 3 * segments);
    ensure!(hub.scored(root.path())? == 1, "the interview did not complete and score at the hub");
    Ok(())
}

/// A revoked station is refused on its next request and says so to staff.
#[test]
fn a_revoked_station_is_refused_at_its_next_request() -> Result<()> {
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.start()?;
    let station = Station { cli: machine(root.path(), "st")?, netns: None };
    station.enrol(&hub, &address, "Booth 1")?;
    let id = hub.stations()?[0]["id"].as_i64().context("id")?.to_string();
    hub.cli.ok(&["hub", "revoke", &id, "--user", "admin"])?;
    let code = invite(&hub.cli, "周八", None, &[])?;
    let (ok, out, err) =
        Proc::spawn(station.command(&["station", "interview", "--code", &code]))?.finish(Duration::from_secs(60))?;
    ensure!(!ok, "a revoked station ran an interview: {out}");
    ensure!(err.contains("removed from the office network"), "{err}");
    hub.stop()?;
    Ok(())
}

/// Administration in the staff window, on a hub that is serving: the choice of recognition
/// models is saved; Office network says the hub runs, makes a one-time code a station enrols
/// with (on the command line), shows the station online, renames it, and revokes it after an
/// in-page confirmation — and the station's next request is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_enrols_renames_and_revokes_a_station_in_the_window() -> Result<()> {
    use crate::harness::App;
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.start()?;
    let app = App::launch_staff(&hub.cli.data, &hub.cli.keyring, crate::kiosk::KEYRING_PASSWORD, &[]).await?;
    app.click("[data-testid=lang-switch]").await?;
    app.click("[data-testid=nav-admin]").await?;
    app.type_into("[data-testid=sign-in-username]", "admin").await?;
    app.type_into("[data-testid=sign-in-password]", PASSWORD).await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_text("[data-testid=office-hub]", |t| t.contains("running")).await?;
    app.find("[data-testid=office-none]").await?;
    // The same page holds the settings: the administrator chooses the float recognition models
    // (the hub names them with every answer it hands a worker).
    ensure!(app.find("[data-testid=settings-models-int8]").await?.is_selected().await?, "int8 is not the default");
    app.click("[data-testid=settings-models-float]").await?;
    app.click("[data-testid=settings-models-save]").await?;
    app.wait_text("[data-testid=settings-saved-models]", |t| t.contains("Saved")).await?;
    let shown = hub.cli.ok(&["vault", "recognition-models", "--user", "admin"])?;
    ensure!(shown.contains("float"), "the window's choice is not the vault's: {shown}");

    app.click("[data-testid=office-code-submit]").await?;
    let code = app.wait_text("[data-testid=office-code-value]", |t| t.len() == 24).await?;
    let station = Station { cli: machine(root.path(), "st")?, netns: None };
    let mut command = station.command(&["station", "enrol", "--hub", &address, "--name", "Booth 7"]);
    command.env("INTERVIEW_KIOSK_ENROLMENT_CODE", code.trim());
    let (ok, out, err) = Proc::spawn(command)?.finish(Duration::from_secs(60))?;
    ensure!(ok, "enrol with the window's code failed: {out}{err}");
    // The page refreshes itself; the station says hello every 5 s while a process has it open.
    let forwarder = Proc::spawn(station.command(&["station", "forward", "--wait", "30"]))?;
    app.wait_text("[data-testid=station-1] [data-testid=station-name]", |t| t == "Booth 7").await?;
    drop(forwarder);
    let row = app.text_of("[data-testid=station-1]").await?;
    ensure!(!row.contains("differs"), "the station reports other versions than the hub's: {row}");
    app.screenshot(&crate::screenshot_path("admin-office-network-en")).await.ok();

    app.click("[data-testid=station-1] [data-testid=station-rename]").await?;
    let input = app.find("[data-testid=station-rename-input]").await?;
    input.clear().await?;
    input.send_keys("Booth 7 (north)").await?;
    app.click("[data-testid=station-rename-form] button[type=submit]").await?;
    app.wait_text("[data-testid=station-1] [data-testid=station-name]", |t| t == "Booth 7 (north)").await?;

    app.click("[data-testid=station-1] [data-testid=station-revoke]").await?;
    app.find("[data-testid=station-revoke-confirm]").await?;
    app.click("[data-testid=station-revoke-yes]").await?;
    app.wait_text("[data-testid=station-1] [data-testid=station-state]", |t| t == "revoked").await?;
    app.close().await?;

    let code = invite(&hub.cli, "吴九", None, &[])?;
    let (ok, _, err) =
        Proc::spawn(station.command(&["station", "interview", "--code", &code]))?.finish(Duration::from_secs(60))?;
    ensure!(!ok && err.contains("removed from the office network"), "a revoked station was not refused: {err}");
    hub.stop()?;
    Ok(())
}

/// The first-run wizard's other way: a fresh installation becomes a station of a hub with the
/// administrator's code, through the window; the window then says what it is, and the hub lists
/// it. A wrong code is refused with the sentence, and nothing is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_wizard_makes_a_fresh_installation_a_station() -> Result<()> {
    use crate::harness::App;
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.start()?;
    let station = machine(root.path(), "st")?;
    let app = App::launch_staff(&station.data, &station.keyring, crate::kiosk::KEYRING_PASSWORD, &[]).await?;
    app.click("[data-testid=lang-switch]").await?;
    app.click("[data-testid=wizard-station]").await?;
    app.type_into("[data-testid=wizard-station-hub]", &address).await?;
    app.type_into("[data-testid=wizard-station-name]", "Booth 9").await?;
    app.type_into("[data-testid=wizard-station-code]", "ABCD-EFGH-JKMN-PQRS-TVWX").await?;
    app.click("[data-testid=wizard-station-submit]").await?;
    app.wait_text("[data-testid=wizard-error]", |t| t.contains("enrolment code was refused")).await?;
    ensure!(!station.data.join("station/station.json").exists(), "a refused enrolment kept something");

    let code = hub.code()?;
    let input = app.find("[data-testid=wizard-station-code]").await?;
    input.clear().await?;
    input.send_keys(&code).await?;
    app.click("[data-testid=wizard-station-submit]").await?;
    app.wait_text("[data-testid=station-home-what]", |t| t.contains("Booth 9") && t.contains(&address)).await?;
    app.screenshot(&crate::screenshot_path("wizard-station-en")).await.ok();
    app.close().await?;
    let listed = hub.stations()?;
    ensure!(listed.len() == 1 && listed[0]["name"] == "Booth 9", "{listed:?}");
    hub.stop()?;
    Ok(())
}

/// The kiosk window on a station, a whole visit: staff sign the window in with the kiosk
/// account the station is bound to (checked at the hub; another valid account is refused); a
/// candidate checks in, consents and answers both questions in the window; the hub is killed
/// mid-answer — the answer goes on into the journal, the visit ends normally, the staff panel
/// (never the candidate's screens) says the link is down and why no new visit starts — and the next candidate is told politely that the booth cannot reach
/// the office. The hub comes back and receives everything; the station scores the answers
/// between visits (the hub leaves scoring to stations here). With the hub down again, staff
/// close the kiosk with the password (a wrong one is refused), which releases the station.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_takes_a_whole_interview_in_a_stations_kiosk_window() -> Result<()> {
    use crate::harness::App;
    use crate::kiosk::{
        KEYRING_PASSWORD, answer, attr, consent_and_devices, enter_code, log_tail, practice, wait_phase, wait_screen,
    };
    let (root, hub_cli) = tempdirs()?;
    let address = format!("127.0.0.1:{}", free_port()?);
    let mut hub = Hub::new(hub_cli, address.clone(), None)?;
    hub.serve = vec!["--no-scoring"];
    hub.start()?;
    let station = Station { cli: machine(root.path(), "st")?, netns: None };
    station.enrol(&hub, &address, "Booth 5")?;
    station.cli.ok(&["devices", "--camera", "synthetic:portrait", "--microphone", "synthetic:voice"])?;
    // Any backlog at all stops new visits here (the limit is 4 GiB by default), so that the
    // staff line's reason can be seen.
    let config_path = station.cli.data.join("station/station.json");
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_path)?)?;
    config["spool_max_bytes"] = serde_json::json!(1);
    std::fs::write(&config_path, serde_json::to_vec_pretty(&config)?)?;
    let first = invite(&hub.cli, "赵六", Some("11010519491231002X"), &[])?;
    let second = invite(&hub.cli, "钱七", None, &[])?;

    let app = App::launch_kiosk(&station.cli.data, &station.cli.keyring, KEYRING_PASSWORD, &[]).await?;
    wait_screen(&app, "station", 60).await?;
    app.click("[data-testid=kiosk-lang-en]").await?;
    // The window holds the station: no second process may forward its journal meanwhile.
    let busy = station.cli.run(&["station", "status"], "")?;
    ensure!(
        !busy.status.success() && String::from_utf8_lossy(&busy.stderr).contains("in use by another program"),
        "the station was not held by its kiosk window: {}",
        String::from_utf8_lossy(&busy.stderr)
    );
    app.type_into("[data-testid=kiosk-station-username]", "clerk").await?;
    app.type_into("[data-testid=kiosk-station-password]", PASSWORD).await?;
    app.click("[data-testid=kiosk-station-submit]").await?;
    app.wait_text("[data-testid=kiosk-error]", |t| t.contains("works as the kiosk account kiosk-1")).await?;
    let username = app.find("[data-testid=kiosk-station-username]").await?;
    username.clear().await?;
    username.send_keys("kiosk-1").await?;
    app.type_into("[data-testid=kiosk-station-password]", PASSWORD).await?;
    app.click("[data-testid=kiosk-station-submit]").await?;
    wait_screen(&app, "welcome", 30).await?;
    // The station's facts are for staff only: not on the candidates' screens, in the staff panel.
    ensure!(crate::kiosk::count(&app, "[data-testid=kiosk-facts]").await? == 0, "staff facts shown to candidates");
    app.click("[data-testid=kiosk-staff]").await?;
    app.wait_text("[data-testid=kiosk-station]", |t| t == "Booth 5 · kiosk-1").await?;
    ensure!(attr(&app, "[data-testid=kiosk-hub]", "data-connected").await? == "true", "the staff panel: not connected");
    app.click("[data-testid=kiosk-back]").await?;
    wait_screen(&app, "welcome", 10).await?;

    enter_code(&app, &first).await?;
    wait_screen(&app, "identity", 20).await?;
    app.type_into("[data-testid=kiosk-identity-input]", "002X").await?;
    app.click("[data-testid=kiosk-identity-submit]").await?;
    wait_screen(&app, "confirm", 20).await?;
    ensure!(app.text_of("[data-testid=kiosk-confirm] h1").await?.contains("赵*"), "not the masked name");
    app.click("[data-testid=kiosk-confirm-yes]").await?;
    consent_and_devices(&app).await?;
    practice(&app).await?;
    answer(&app, 8).await?;
    app.find("[data-testid=kiosk-saved]").await?;
    app.click("[data-testid=kiosk-next]").await?;

    // Question 2: the hub goes away while the candidate answers.
    wait_phase(&app, "preparing", 20).await?;
    app.click("[data-testid=kiosk-ready]").await?;
    wait_phase(&app, "answering", 10).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    hub.kill();
    // The answer goes on while the forwarder fails (its segments wait in the journal).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while station.pending()? < 3 {
        ensure!(std::time::Instant::now() < deadline, "nothing waits in the journal with the hub gone");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    ensure!(attr(&app, "[data-testid=kiosk-question]", "data-phase").await? == "answering", "the answer stopped");
    app.click("[data-testid=kiosk-finish]").await?;
    wait_phase(&app, "done", 20).await?;
    app.find("[data-testid=kiosk-saved]").await?;
    app.click("[data-testid=kiosk-next]").await?;
    wait_screen(&app, "thanks", 20).await?;
    app.click("[data-testid=kiosk-thanks-done]").await?;
    wait_screen(&app, "welcome", 20).await?;
    ensure!(station.pending()? > 0, "nothing waits for the hub while it is down");
    // In the staff panel: the link is down, and why no new visit starts (refreshed every 15 s).
    app.click("[data-testid=kiosk-staff]").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    while attr(&app, "[data-testid=kiosk-hub]", "data-connected").await? != "false"
        || crate::kiosk::count(&app, "[data-testid=kiosk-refusing]").await? == 0
    {
        ensure!(
            std::time::Instant::now() < deadline,
            "the staff panel does not say the link is down and why visits wait"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let why = app.text_of("[data-testid=kiosk-refusing]").await?;
    ensure!(why.contains("尚未送达中心主机"), "{why}");
    app.screenshot(&crate::screenshot_path("kiosk-station-link-down-zh")).await.ok();
    app.click("[data-testid=kiosk-back]").await?;
    wait_screen(&app, "welcome", 10).await?;

    // The next candidate, while the hub is still down (the welcome screen is back in Chinese
    // for them): told what to do, not where the hub is.
    enter_code(&app, &second).await?;
    let told = app.wait_text("[data-testid=kiosk-error]", |t| !t.is_empty()).await?;
    ensure!(told.contains("连不上办公系统") && !told.contains(&address), "{told}");
    app.click("[data-testid=kiosk-back]").await?;
    wait_screen(&app, "welcome", 10).await?;

    // The hub is back: everything reaches it, and the station scores between visits.
    hub.start()?;
    app.click("[data-testid=kiosk-staff]").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !(station.pending()? == 0
        && attr(&app, "[data-testid=kiosk-hub]", "data-connected").await? == "true"
        && crate::kiosk::count(&app, "[data-testid=kiosk-refusing]").await? == 0)
    {
        ensure!(std::time::Instant::now() < deadline, "the journal did not reach the hub: {}", log_tail(&station.cli));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(420);
    loop {
        let rows = hub.results(root.path())?;
        if rows.iter().any(|r| r["status"] == "scored" && r["total"].is_number()) {
            break;
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "the station did not score the visit: {rows:?}\n{}",
            log_tail(&station.cli)
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    // Closing the kiosk works without the hub: a wrong password is refused, the right one ends
    // the window and releases the station.
    hub.kill();
    // The panel may have gone back to the welcome screen on its idle timeout meanwhile.
    if crate::kiosk::screen(&app).await? != "staffExit" {
        app.click("[data-testid=kiosk-staff]").await?;
    }
    app.type_into("[data-testid=kiosk-staff-exit] input[type=password]", "not the password").await?;
    app.click("[data-testid=kiosk-staff-exit] button[type=submit]").await?;
    app.wait_text("[data-testid=kiosk-error]", |t| t.contains("不正确")).await?;
    app.type_into("[data-testid=kiosk-staff-exit] input[type=password]", PASSWORD).await?;
    // The app may exit before the driver answers the click: what counts is the check below.
    let _ = app.click("[data-testid=kiosk-staff-exit] button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = station.cli.run(&["station", "status"], "")?;
        if status.status.success() {
            break;
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "the kiosk did not close: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = app.close().await;
    hub.start()?;
    let listed = hub.stations()?;
    ensure!(listed[0]["applied_seq"].as_i64() == Some(station.acked()?), "{listed:?}");
    hub.stop()?;
    let needles: [(&str, &[u8]); 4] = [
        ("a candidate's name", "赵六".as_bytes()),
        ("an access code", first.as_bytes()),
        ("a WebM", &[0x1a, 0x45, 0xdf, 0xa3]),
        ("a JPEG", &[0xff, 0xd8, 0xff, 0xe0]),
    ];
    let found = find_in_files(&station.cli.data, &needles);
    ensure!(found.is_empty(), "left at the station after the visit: {found:?}");
    Ok(())
}
