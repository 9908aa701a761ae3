//! `interview-kiosk hub …` and `interview-kiosk station …`: an office of several machines. The
//! hub serves its stations (mutual TLS on the address given) and the administrator enrols,
//! lists, renames and revokes them; a station enrols with a one-time code, records interviews
//! into its journal and hands it to the hub.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use capture::kiosk::Controls;
use clap::Subcommand;
use interview::{Lang, MachineRole, UserFacing};
use office::EnrolmentCode;
use office::station::Station;

use crate::error::ShellError;
use crate::selftest::t;

/// Where the enrolment code may come from instead of a prompt (scripts, tests).
const ENROLMENT_CODE_ENV: &str = "INTERVIEW_KIOSK_ENROLMENT_CODE";

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Serve this installation's vault to the office's stations until stopped (Ctrl-C or
    /// SIGTERM): HTTPS with mutual TLS on the address given. Off unless this runs.
    Serve {
        /// Address to listen on, e.g. 192.168.10.20:8788 (one of this machine's addresses).
        #[arg(long)]
        listen: SocketAddr,
        /// Another name or address stations use to reach the hub (repeat).
        #[arg(long = "name")]
        names: Vec<String>,
        /// Leave all scoring to the stations (the hub scores too by default).
        #[arg(long)]
        no_scoring: bool,
        /// Seconds a worker holds an answer before another may take it.
        #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(5..=86_400))]
        lease_seconds: u64,
        /// The administrator starting it.
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Create a one-time enrolment code (valid 15 minutes): for a kiosk station, bound to the
    /// kiosk account it will act as; or, with --workstation, for a staff workstation.
    Code {
        /// The kiosk account a station will act as.
        #[arg(
            long,
            value_name = "KIOSK_ACCOUNT",
            required_unless_present = "workstation",
            conflicts_with = "workstation"
        )]
        kiosk_account: Option<String>,
        /// The code is for a staff workstation.
        #[arg(long)]
        workstation: bool,
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// The enrolled stations: online or not, last seen, backlog, versions, clock offset.
    Stations {
        #[arg(long, value_name = "USER")]
        user: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Rename a station.
    Rename {
        id: i64,
        name: String,
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Revoke a station: its next request is refused.
    Revoke {
        id: i64,
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkstationCommand {
    /// Make this installation a staff workstation of a hub, with a workstation code (read from
    /// the terminal or standard input).
    Enrol {
        /// The hub's address as HOST:PORT.
        #[arg(long)]
        hub: String,
        /// This workstation's name at the hub, e.g. "HR office, desk 3".
        #[arg(long)]
        name: String,
    },
    /// Whether the hub answers this workstation.
    Status,
    /// Review and decide an interview from this workstation's command line, as its staff window
    /// would: sign in at the hub (the password from INTERVIEW_KIOSK_PASSWORD or standard input),
    /// open the review, stream one recording segment from the hub into memory, rate each
    /// dimension at the AI's level, decide, sign out.
    Review {
        #[arg(long)]
        interview: u32,
        #[arg(long, value_name = "USER")]
        user: String,
        /// recommend, hold or not_recommended.
        #[arg(long, value_parser = parse_band)]
        band: interview::Band,
        #[arg(long)]
        reason: String,
        /// Wait up to this many seconds for the interview to be scored.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
}

fn parse_band(text: &str) -> Result<interview::Band, String> {
    interview::Band::parse(text).ok_or_else(|| "recommend, hold or not_recommended".to_owned())
}

/// One staff command at the hub: its answer, or the hub's refusal as an error.
fn hub_call(
    link: &office::workstation::Link,
    command: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, ShellError> {
    match link.call(command, args)?.outcome {
        office::wire::StaffOutcome::Ok(value) => Ok(value),
        office::wire::StaffOutcome::Err(error) => {
            let text = |lang: &str| error["message"][lang].as_str().unwrap_or_default().to_owned();
            Err(office::OfficeError::Refused {
                status: 0,
                code: error["code"].as_str().unwrap_or("office.refused").to_owned(),
                message: interview::Localized::new(text("zh-CN"), text("en")),
                expected: None,
            }
            .into())
        }
    }
}

fn review_at_workstation(
    data_dir: &Path,
    interview: u32,
    user: &str,
    band: interview::Band,
    reason: &str,
    wait: u64,
    lang: Lang,
) -> Result<(), ShellError> {
    use serde_json::json;
    let link = office::workstation::Link::open(data_dir)?;
    let password = crate::vault_cli::password(lang)?;
    hub_call(&link, "staff_sign_in", json!({ "username": user, "password": password.as_str() }))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait.min(3600));
    let review = loop {
        let review = hub_call(&link, "review_open", json!({ "interviewId": interview }))?;
        if review["total"].is_number() || std::time::Instant::now() >= deadline {
            break review;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    };
    let first = review["answers"][0]["answerId"].as_u64().unwrap_or_default();
    let playlist = hub_call(&link, "review_playlist", json!({ "answerId": first }))?;
    let segment = playlist[0]["mediaId"].as_i64().unwrap_or_default();
    let bytes = link.media(segment)?;
    let ratings: Vec<serde_json::Value> = review["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let level = d["aiLevel"].as_f64().map_or(3, |l| l.round().clamp(1.0, 5.0) as u32);
            json!({ "dimension": d["name"], "level": level, "note": null })
        })
        .collect();
    hub_call(&link, "review_rate", json!({ "interviewId": interview, "ratings": ratings }))?;
    let open_flags = review["flags"].as_array().into_iter().flatten().filter(|f| f["status"] == "open").count();
    let over = (open_flags > 0).then_some(reason);
    let decided = hub_call(
        &link,
        "review_decide",
        json!({ "interviewId": interview, "band": band, "reason": reason, "overOpenFlags": over }),
    )?;
    hub_call(&link, "staff_sign_out", json!({}))?;
    let decided = decided["decision"]["band"].as_str().unwrap_or("-").to_owned();
    println!(
        "{}",
        match lang {
            Lang::ZhCn => format!(
                "面试 {interview} 已在本工作站复核：录像片段 {segment} 从中心主机流式读入内存（{} 字节）；评了 {} 个维度；决定：{decided}",
                bytes.len(),
                ratings.len()
            ),
            Lang::En => format!(
                "interview {interview} reviewed here: segment {segment} streamed from the hub into memory ({} bytes); {} dimensions rated; decided: {decided}",
                bytes.len(),
                ratings.len()
            ),
        }
    );
    Ok(())
}

pub fn run_workstation(command: WorkstationCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    vault::keys::credential::use_platform_store()?;
    match command {
        WorkstationCommand::Enrol { hub, name } => {
            if let Ok(existing) = office::station::load_config(data_dir) {
                return Err(office::OfficeError::AlreadyAStation { hub: existing.hub }.into());
            }
            if vault::VaultPaths::in_data_dir(data_dir).exists() {
                return Err(ShellError::AlreadySetUp);
            }
            let code = read_code(lang)?;
            let config = office::workstation::enrol(data_dir, &hub, &code, &name)?;
            println!(
                "{} {} ({} {}, {} {})",
                t(lang, "本机已注册为工作人员工作站：", "this machine is now a staff workstation:"),
                config.name,
                t(lang, "编号", "id"),
                config.station_id,
                t(lang, "中心主机", "hub"),
                config.hub
            );
            Ok(())
        }
        WorkstationCommand::Status => {
            let config = office::station::load_config(data_dir)?;
            let answer = office::workstation::hello(data_dir)?;
            let offset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
                - answer.hub_time_ms;
            println!(
                "{} {} ({} {}): {}",
                t(lang, "中心主机", "hub"),
                config.hub,
                t(lang, "工作站编号", "workstation id"),
                answer.station_id,
                t(lang, "已连接", "connected")
            );
            println!(
                "{} {:+.1} s",
                t(lang, "本机时钟与中心主机相差", "clock offset to the hub"),
                offset as f64 / 1000.0
            );
            Ok(())
        }
        WorkstationCommand::Review { interview, user, band, reason, wait } => {
            review_at_workstation(data_dir, interview, &user, band, &reason, wait, lang)
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StationCommand {
    /// Make this installation a kiosk station of a hub. The one-time code is read from the
    /// terminal (or standard input).
    Enrol {
        /// The hub's address as HOST:PORT.
        #[arg(long)]
        hub: String,
        /// This station's name at the hub, e.g. "Booth 2".
        #[arg(long)]
        name: String,
    },
    /// The link to the hub and what this station still holds for it.
    Status,
    /// Hand everything this station holds to the hub, waiting up to the given seconds.
    Forward {
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
    /// Run one candidate's interview headless with the synthetic camera and microphone (the
    /// bundled sample answers): for demonstrations and tests of an office without hardware.
    /// Score answers the hub hands out, until it has none left (or until stopped, with
    /// --keep-going): how the office's idle machines help score.
    Work {
        /// Wait for more work instead of stopping when the hub has none.
        #[arg(long)]
        keep_going: bool,
        /// Threads the models run on.
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    Interview {
        /// The candidate's access code.
        #[arg(long)]
        code: String,
        /// The last four characters of the candidate's ID number, when the hub asks for them.
        #[arg(long)]
        id_last4: Option<String>,
        /// Seconds to wait at the end for the hub to have everything.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
}

pub fn run_hub(command: HubCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        HubCommand::Serve { listen, names, no_scoring, lease_seconds, user } => {
            let mut settings = office::hub::HubSettings::new(listen);
            settings.names = names;
            settings.lease = Duration::from_secs(lease_seconds);
            settings.local_scoring = (!no_scoring).then(|| data_dir.to_owned());
            serve(data_dir, settings, &user, lang)
        }
        HubCommand::Code { kiosk_account, workstation, user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            let made_for = match (&kiosk_account, workstation) {
                (Some(kiosk_account), false) => office::hub::CodeFor::Station { kiosk_account },
                _ => office::hub::CodeFor::Workstation,
            };
            let code = office::hub::new_enrolment_code(&mut vault, &session, made_for)?;
            let (what, how) = if workstation {
                (
                    t(
                        lang,
                        "工作站注册码（15 分钟内有效，只能使用一次）：",
                        "workstation enrolment code (valid 15 minutes, once):",
                    ),
                    t(
                        lang,
                        "请在工作站上运行 interview-kiosk workstation enrol --hub 地址:端口 --name 名称 并输入此码。",
                        "On the workstation, run interview-kiosk workstation enrol --hub HOST:PORT --name NAME and type this code.",
                    ),
                )
            } else {
                (
                    t(
                        lang,
                        "终端注册码（15 分钟内有效，只能使用一次）：",
                        "station enrolment code (valid 15 minutes, once):",
                    ),
                    t(
                        lang,
                        "请在终端上运行 interview-kiosk station enrol --hub 地址:端口 --name 名称 并输入此码。",
                        "On the station, run interview-kiosk station enrol --hub HOST:PORT --name NAME and type this code.",
                    ),
                )
            };
            println!("{what}");
            println!();
            println!("    {}", code.display().as_str());
            println!();
            println!("{how}");
            Ok(())
        }
        HubCommand::Stations { user, json } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            let stations = vault.list_stations(&session)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let versions = flow::scoring::worker_versions()?;
            for station in stations {
                if json {
                    println!("{}", serde_json::to_string(&station).map_err(|e| ShellError::Internal(e.to_string()))?);
                    continue;
                }
                let seen = office::hub::seen(&station, now, &versions);
                let state = if station.revoked_at_ms.is_some() {
                    t(lang, "已吊销", "revoked")
                } else if seen.online {
                    t(lang, "在线", "online")
                } else {
                    t(lang, "离线", "offline")
                };
                let last = station
                    .presence
                    .last_seen_at_ms
                    .map(|at| format!("{} s", (now - at).max(0) / 1000))
                    .unwrap_or_else(|| "-".into());
                let offset = station.presence.clock_offset_ms.map(|ms| {
                    let warn = if seen.clock_warning {
                        t(lang, "（时钟偏差过大！）", " (clock too far off!)")
                    } else {
                        ""
                    };
                    format!("{:+.1} s{warn}", ms as f64 / 1000.0)
                });
                let (kind, account) = match station.role {
                    MachineRole::Station => (t(lang, "终端", "station"), station.account.as_str()),
                    MachineRole::Workstation => (t(lang, "工作站", "workstation"), "-"),
                };
                println!(
                    "  {:>3}  {:<11} {:<16} {:<10} {:<8} {} {:>6}  {} {:>5}  {} {}  {} {}",
                    station.id,
                    kind,
                    station.name,
                    account,
                    state,
                    t(lang, "上次联系", "seen"),
                    last,
                    t(lang, "积压", "backlog"),
                    station.presence.backlog.map(|b| b.to_string()).unwrap_or_else(|| "-".into()),
                    t(lang, "时钟", "clock"),
                    offset.unwrap_or_else(|| "-".into()),
                    t(lang, "版本", "versions"),
                    station.presence.versions.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
        HubCommand::Rename { id, name, user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            let said = match vault.rename_station(&session, id, &name)? {
                MachineRole::Station => t(lang, "已重命名面试终端", "station renamed"),
                MachineRole::Workstation => t(lang, "已重命名工作人员工作站", "workstation renamed"),
            };
            println!("{said} {id}");
            Ok(())
        }
        HubCommand::Revoke { id, user } => {
            let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &user, lang)?;
            let said = match vault.revoke_station(&session, id)? {
                MachineRole::Station => t(lang, "已吊销面试终端", "station revoked"),
                MachineRole::Workstation => t(lang, "已吊销工作人员工作站", "workstation revoked"),
            };
            println!("{said} {id}");
            Ok(())
        }
    }
}

fn serve(data_dir: &Path, mut settings: office::hub::HubSettings, user: &str, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, user, lang)?;
    vault.authorize(&session, interview::Action::ManageDevices)?;
    settings.organisation = vault.organisation()?.name;
    settings.versions = flow::scoring::worker_versions()?;
    settings.staff = Some(std::sync::Arc::new(crate::hosted::HostedStaff::new(data_dir.to_owned())));
    crate::cli::serve_until_stopped(|stop| async move {
        office::hub::serve(
            vault,
            &session,
            settings,
            |addr, authority| {
                println!(
                    "{} https://{addr}  ({} {}; {})",
                    t(lang, "办公网络中心主机已开启：", "office hub listening on"),
                    t(lang, "证书颁发机构 SHA-256", "authority SHA-256"),
                    hex_colon(authority),
                    t(lang, "Ctrl-C 停止", "Ctrl-C stops it")
                );
            },
            stop,
        )
        .await
    })?;
    println!("{}", t(lang, "办公网络中心主机已停止。", "office hub stopped."));
    Ok(())
}

fn hex_colon(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn read_code(lang: Lang) -> Result<EnrolmentCode, ShellError> {
    if let Ok(code) = std::env::var(ENROLMENT_CODE_ENV) {
        return Ok(EnrolmentCode::parse(&code)?);
    }
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(t(lang, "注册码：", "Enrolment code: ")).map_err(|_| ShellError::NoPassword)?
    } else {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line).map_err(|_| ShellError::NoPassword)?;
        line
    };
    Ok(EnrolmentCode::parse(&zeroize::Zeroizing::new(line))?)
}

/// What a station reports it runs: what the hub compares before handing out scoring work.
fn versions() -> Option<String> {
    flow::scoring::worker_versions().ok()
}

pub fn run_station(command: StationCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    vault::keys::credential::use_platform_store()?;
    match command {
        StationCommand::Enrol { hub, name } => {
            if let Ok(existing) = office::station::load_config(data_dir) {
                return Err(office::OfficeError::AlreadyAStation { hub: existing.hub }.into());
            }
            let code = read_code(lang)?;
            let config = office::station::enrol(data_dir, &hub, &code, &name, MachineRole::Station)?;
            println!(
                "{} {} ({} {}, {} {})",
                t(lang, "本机已注册为面试终端：", "this machine is now a station:"),
                config.name,
                t(lang, "编号", "id"),
                config.station_id,
                t(lang, "中心主机", "hub"),
                config.hub
            );
            let station = Station::open(data_dir, versions())?;
            if station.wait_for_contact(Duration::from_secs(10)).connected {
                println!("{}", t(lang, "与中心主机的连接正常。", "the link to the hub works."));
            }
            Ok(())
        }
        StationCommand::Status => {
            let station = Station::open(data_dir, versions())?;
            // One round of the forwarder (a hello) before reporting.
            station.wait_for_contact(Duration::from_secs(6));
            print_status(&station, lang)
        }
        StationCommand::Forward { wait } => {
            let station = Station::open(data_dir, versions())?;
            let done = station.drain(Duration::from_secs(wait))?;
            print_status(&station, lang)?;
            if done {
                Ok(())
            } else {
                Err(office::OfficeError::Unreachable { hub: station.config.hub.clone(), detail: "backlog left".into() }
                    .into())
            }
        }
        StationCommand::Interview { code, id_last4, wait } => {
            interview(data_dir, &code, id_last4.as_deref(), wait, lang)
        }
        StationCommand::Work { keep_going, threads } => {
            let client = office::station::client(data_dir)?;
            let versions = flow::scoring::worker_versions()?;
            let until = if keep_going {
                office::worker::Until::Stopped { poll: Duration::from_secs(5) }
            } else {
                office::worker::Until::Idle
            };
            let stats = office::worker::work(&client, &versions, threads, until, &|| false)?;
            println!(
                "{} {} ({} {}, {} {}; {:.1} s)",
                t(lang, "已评分回答：", "answers scored:"),
                stats.scored,
                stats.dropped,
                t(lang, "份因他机先完成而丢弃", "dropped as scored elsewhere first"),
                stats.failed,
                t(lang, "份失败", "failed"),
                stats.busy.as_secs_f64()
            );
            Ok(())
        }
    }
}

fn print_status(station: &Station, lang: Lang) -> Result<(), ShellError> {
    let status = station.status()?;
    let link = if status.link.revoked {
        t(lang, "已被中心主机吊销", "revoked by the hub")
    } else if status.link.connected {
        t(lang, "已连接", "connected")
    } else {
        t(lang, "未连接", "not connected")
    };
    println!("{} {} ({})", t(lang, "中心主机", "hub"), station.config.hub, link);
    println!(
        "{} {} ({:.1} MB, {} {} s)",
        t(lang, "待送达条目", "entries waiting for the hub"),
        status.backlog_entries,
        status.backlog_bytes as f64 / 1e6,
        t(lang, "最早等待", "oldest waiting"),
        status.oldest_waiting_s
    );
    if let Some(offset) = status.link.clock_offset_ms {
        println!("{} {:+.1} s", t(lang, "本机时钟与中心主机相差", "clock offset to the hub"), offset as f64 / 1000.0);
    }
    Ok(())
}

/// One candidate's interview at this station with the synthetic devices, as the kiosk window
/// runs it: check-in and consent at the hub, every answer into the journal.
fn interview(data_dir: &Path, code: &str, id_last4: Option<&str>, wait: u64, lang: Lang) -> Result<(), ShellError> {
    let station = std::sync::Arc::new(Station::open(data_dir, versions())?);
    let started = Instant::now();
    let needs = station.needs_identity(code)?;
    let plan = station.check_in(code, if needs { id_last4 } else { None })?;
    station.consent(plan.interview_id, true)?;
    println!(
        "{} {} ({} {}, {} {})",
        t(lang, "已签到：", "checked in:"),
        plan.masked_name,
        t(lang, "面试", "interview"),
        plan.interview_id,
        plan.questions.len(),
        t(lang, "题", "questions")
    );
    let crate::demo::SyntheticCandidate { control, clips, capture, settings } = crate::demo::synthetic_candidate()?;
    let limits = flow::station::limits(&plan);
    capture::kiosk::preflight(data_dir, &capture, &limits, &settings)?;
    let mut store = station.store();
    let (mut segments, mut dropped) = (0, 0);
    for ((question, limit), clip) in plan.questions.iter().zip(&limits).zip(clips.into_iter().cycle()) {
        let controls = std::sync::Arc::new(Controls::default());
        controls.start_now();
        let finisher = controls.clone();
        let candidate = control.answer_then(clip, move || finisher.finish());
        capture::kiosk::prepare(limit, &controls, &mut |_| {});
        let outcome = capture::kiosk::record_answer(
            &mut store,
            &capture,
            plan.interview_id,
            question.question_id,
            limit,
            &controls,
            &mut |_| {},
        )?;
        let _ = candidate.join();
        segments += outcome.segments;
        dropped += outcome.stats.frames_dropped;
    }
    capture.shutdown();
    station.finish(plan.interview_id)?;
    println!(
        "{} {segments} {}, {dropped} {} ({:.1} s)",
        t(lang, "录制完成：", "recorded:"),
        t(lang, "段", "segments"),
        t(lang, "帧丢失", "frames dropped"),
        started.elapsed().as_secs_f64()
    );
    let done = station.drain(Duration::from_secs(wait))?;
    print_status(&station, lang)?;
    if done {
        println!("{}", t(lang, "中心主机已收到全部内容。", "the hub has everything."));
        Ok(())
    } else {
        let error = office::OfficeError::Unreachable { hub: station.config.hub.clone(), detail: "backlog left".into() };
        tracing::warn!(code = error.code(), "interview recorded, hub still missing entries");
        Err(error.into())
    }
}
