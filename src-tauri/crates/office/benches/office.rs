//! The office, measured (`cargo bench -p office`, part of `make bench`): tables, never timed tests.
//!
//! 1. Eight stations uploading real 640×480 segments (recorded here through the capture pipeline)
//!    to one hub on loopback: segments a second, time to acknowledgement (p50/p99), the hub's CPU;
//!    against the disk's fsync rate measured in the same run (what bounds a hub).
//! 2. Scoring throughput with 1, 2 and 3 single-threaded workers leasing answers from the hub,
//!    against one worker.
//! 3. What forwarding costs a recording: a 20-second answer recorded into the local vault, and
//!    at a station into its journal while it forwards to the hub — frames dropped and encode time.
//!
//! The hub runs in this process over a real vault in a temporary directory on the same disk as
//! the fsync measurement; its CPU is the sum of its threads' (the runtime's workers and the vault
//! thread), read from /proc.
#![allow(clippy::unwrap_used, clippy::print_stdout)] // a benchmark's edge: it prints its tables

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use capture::kiosk::{Controls, Limits};
use capture::{Capture, CaptureEvent, CaptureSettings, SyntheticCamera, SyntheticControl, SyntheticMicrophone};
use office::wire;
use sha2::{Digest, Sha256};
use support::{Hub, client_of, journal};

const STATIONS: usize = 8;
const SEGMENTS_EACH: usize = 30;
const ANSWERS_PER_RUN: usize = 12;
const PICTURE: &[u8] = include_bytes!("../../../../assets/samples/demo/candidate.jpg");
const SPOKEN: &[u8] = include_bytes!("../../../../assets/samples/demo/q1.wav");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// CPU seconds of this process's threads whose name starts with one of `names`.
fn cpu_of_threads(names: &[&str]) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !names.iter().any(|n| comm.trim().starts_with(n)) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.len() > 12 {
            total += (fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0)) / ticks;
        }
    }
    total
}

/// Durable small writes a second in `dir`, the way the hub stores a segment's file: write,
/// fsync, rename, fsync the directory.
fn fsync_rate(dir: &std::path::Path, bytes: usize) -> f64 {
    let data = vec![7u8; bytes];
    let started = Instant::now();
    let mut count = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let temp = dir.join(format!("f{count}.tmp"));
        let mut file = std::fs::File::create(&temp).unwrap();
        file.write_all(&data).unwrap();
        file.sync_all().unwrap();
        std::fs::rename(&temp, dir.join(format!("f{count}"))).unwrap();
        std::fs::File::open(dir).unwrap().sync_all().unwrap();
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// One real segment: 2 seconds of the bundled portrait and a tone through the capture pipeline.
fn recorded_segment() -> Vec<wire::Part> {
    let control = SyntheticControl::new();
    let camera = SyntheticCamera::picture("candidate.jpg", PICTURE, 640, 480, 30, control.clone()).unwrap();
    let microphone = SyntheticMicrophone::new(48_000, 440.0, control);
    let capture = Capture::start(Box::new(camera), Box::new(microphone), CaptureSettings::default()).unwrap();
    capture.record().unwrap();
    let segment = loop {
        if let Some(CaptureEvent::Segment(segment)) = capture.next_event(Duration::from_millis(100)).unwrap() {
            break segment;
        }
    };
    capture.stop_recording().unwrap();
    capture.shutdown();
    let part = |kind: &str, format: &str, bytes: &[u8]| wire::Part {
        kind: kind.into(),
        format: format.into(),
        offset_ms: 0,
        duration_ms: 2000,
        sha256: Sha256::digest(bytes).into(),
        bytes: bytes.to_vec(),
    };
    let mut parts = vec![part("audio", vault::media_format::WAV_16K, &segment.audio_16k)];
    if let Some(video) = &segment.video {
        parts.push(part("video", vault::media_format::WEBM_VP9, &video.webm));
    }
    if let Some((jpeg, _)) = &segment.still {
        parts.push(part("still", vault::media_format::JPEG, jpeg));
    }
    parts
}

/// A station of `hub` with an interview checked in, consented and an answer begun (journal
/// position 1).
fn station_with_answer(hub: &Hub, dir: &std::path::Path, name: &str) -> office::client::HubClient {
    let config =
        office::station::enrol(dir, &hub.hub(), &hub.code("kiosk-1"), name, interview::MachineRole::Station).unwrap();
    let client = client_of(&config);
    let (question, code) = hub.invitation();
    let plan: wire::CheckInResponse = client.post("/check-in", &wire::CodeRequest { code, id_last4: None }).unwrap();
    let interview_id = plan.plan.interview_id;
    client.post_empty("/consent", &wire::ConsentRequest { interview_id, given: true }).unwrap();
    journal(&client, 1, wire::Entry::AnswerBegin { interview_id, question_id: question }).unwrap();
    client
}

fn upload(versions: &str) {
    let hub = {
        let versions = versions.to_owned();
        Hub::start_with(move |s| s.versions = versions)
    };
    let fsync_dir = tempfile::tempdir().unwrap();
    let parts = recorded_segment();
    let size: usize = parts.iter().map(|p| p.bytes.len()).sum();
    let rate = fsync_rate(fsync_dir.path(), size / parts.len().max(1));
    let dirs = tempfile::tempdir().unwrap();
    let clients: Vec<_> = (0..STATIONS)
        .map(|i| station_with_answer(&hub, &dirs.path().join(i.to_string()), &format!("Booth {i}")))
        .collect();
    let hub_threads = ["tokio-runtime-w", "hub-vault"];
    let cpu_before = cpu_of_threads(&hub_threads);
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter()
            .map(|client| {
                let parts = parts.clone();
                scope.spawn(move || {
                    let mut times = Vec::with_capacity(SEGMENTS_EACH);
                    for i in 0..SEGMENTS_EACH {
                        let entry = wire::Entry::Segment { answer_key: 1, index: i as u32, parts: parts.clone() };
                        let sent = Instant::now();
                        let answer = journal(client, i as i64 + 2, entry).unwrap();
                        assert_eq!(answer.outcome, vault::Applied::Stored);
                        times.push(sent.elapsed());
                    }
                    times
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let hub_cpu = cpu_of_threads(&hub_threads) - cpu_before;
    let mut sorted = latencies;
    sorted.sort();
    let segments = sorted.len() as f64;
    println!();
    println!(
        "Eight stations uploading 640×480 segments to one hub (loopback, mutual TLS), {} segments of {:.0} KB",
        segments,
        size as f64 / 1024.0
    );
    println!("{:<44} {:>12}", "measure", "value");
    println!("{:<44} {:>12.1}", "segments acknowledged / s", segments / wall);
    println!("{:<44} {:>9.1} ms", "time to acknowledgement p50", percentile(&sorted, 0.50).as_secs_f64() * 1e3);
    println!("{:<44} {:>9.1} ms", "time to acknowledgement p99", percentile(&sorted, 0.99).as_secs_f64() * 1e3);
    println!("{:<44} {:>10.0} %", "hub CPU (of one core)", hub_cpu / wall * 100.0);
    println!("{:<44} {:>12.1}", "disk: durable file writes / s (same size)", rate);
    println!("{:<44} {:>12.2}", "segments / s per durable write / s", segments / wall / rate);
    println!("{:<44} {:>12.1}", "kiosks one hub keeps up with (1 segment / 2 s)", segments / wall * 2.0);
}

/// Leases `ANSWERS_PER_RUN` answers of the sample recording to `workers` single-threaded
/// workers; answers a second and the wall time.
fn scoring_run(hub: &Hub, versions: &str, workers: usize, dir: &std::path::Path) -> (f64, f64) {
    let home = dir.join(format!("workers-{workers}"));
    // One interview per answer, the spoken sample as its one segment; the first answer was begun
    // at journal position 1 by `station_with_answer`.
    let station = station_with_answer(hub, &home, &format!("Scoring {workers}"));
    let config = office::station::load_config(&home).unwrap();
    let mut seq = 2;
    for n in 0..ANSWERS_PER_RUN {
        let key = if n == 0 {
            1
        } else {
            let (question, code) = hub.invitation();
            let plan: wire::CheckInResponse =
                station.post("/check-in", &wire::CodeRequest { code, id_last4: None }).unwrap();
            let interview_id = plan.plan.interview_id;
            station.post_empty("/consent", &wire::ConsentRequest { interview_id, given: true }).unwrap();
            journal(&station, seq, wire::Entry::AnswerBegin { interview_id, question_id: question }).unwrap();
            seq += 1;
            seq - 1
        };
        let audio = wire::Part {
            kind: "audio".into(),
            format: vault::media_format::WAV_16K.into(),
            offset_ms: 0,
            duration_ms: 16_000,
            sha256: Sha256::digest(SPOKEN).into(),
            bytes: SPOKEN.to_vec(),
        };
        journal(&station, seq, wire::Entry::Segment { answer_key: key, index: 0, parts: vec![audio] }).unwrap();
        journal(&station, seq + 1, wire::Entry::AnswerFinish { answer_key: key, committed: true }).unwrap();
        seq += 2;
    }
    let started = Instant::now();
    let stats: Vec<office::worker::WorkerStats> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let client = client_of(&config);
                scope.spawn(move || {
                    office::worker::work(&client, versions, 1, office::worker::Until::Idle, &|| false).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let scored: u64 = stats.iter().map(|s| s.scored).sum();
    assert_eq!(scored as usize, ANSWERS_PER_RUN, "{stats:?}");
    (scored as f64 / wall, wall)
}

fn scoring(versions: &str) {
    let hub = {
        let versions = versions.to_owned();
        Hub::start_with(move |s| s.versions = versions)
    };
    let dir = tempfile::tempdir().unwrap();
    println!();
    println!(
        "Scoring throughput: {ANSWERS_PER_RUN} answers (the demo's first sample answer) leased to single-threaded workers (each loads its models; included)"
    );
    println!("{:<10} {:>12} {:>10} {:>16}", "workers", "answers / s", "wall s", "× one worker");
    let mut one = 0.0;
    for workers in 1..=3 {
        let (rate, wall) = scoring_run(&hub, versions, workers, dir.path());
        if workers == 1 {
            one = rate;
        }
        println!("{workers:<10} {rate:>12.3} {wall:>10.1} {:>16.2}", rate / one);
    }
}

/// Records one 20-second answer into `store` with the synthetic devices; (frames dropped, frames
/// seen, encode seconds).
fn record_into(store: &mut dyn capture::kiosk::AnswerStore, interview_id: i64, question_id: i64) -> (u64, u64, f64) {
    let control = SyntheticControl::new();
    let camera = SyntheticCamera::picture("candidate.jpg", PICTURE, 640, 480, 30, control.clone()).unwrap();
    let microphone = SyntheticMicrophone::new(48_000, 440.0, control);
    let capture = Capture::start(Box::new(camera), Box::new(microphone), CaptureSettings::default()).unwrap();
    let limits = Limits::new(0, 20, 1, 0);
    let controls = Arc::new(Controls::default());
    let outcome =
        capture::kiosk::record_answer(store, &capture, interview_id, question_id, &limits, &controls, &mut |_| {})
            .unwrap();
    capture.shutdown();
    (outcome.stats.frames_dropped, outcome.stats.frames_seen, outcome.stats.encode_seconds)
}

fn forwarding(versions: &str) {
    let hub = {
        let versions = versions.to_owned();
        Hub::start_with(move |s| s.versions = versions)
    };
    // Off: the vault on this machine, as a standalone kiosk.
    let (question, code) = hub.invitation();
    let mut vault = hub.vault();
    let kiosk = hub.sign_in(&mut vault, "kiosk-1");
    let checked = vault.check_in(&kiosk, &vault::AccessCode::parse(&code), None).unwrap();
    vault.advance_interview(&kiosk, checked.interview_id, interview::InterviewEvent::GiveConsent).unwrap();
    let local = record_into(
        &mut capture::kiosk::VaultStore { vault: &mut vault, session: &kiosk },
        checked.interview_id,
        question,
    );
    // On: a station's journal, forwarded while it records.
    let dir = tempfile::tempdir().unwrap();
    office::station::enrol(dir.path(), &hub.hub(), &hub.code("kiosk-1"), "Booth R", interview::MachineRole::Station)
        .unwrap();
    let station = std::sync::Arc::new(office::station::Station::open(dir.path(), None).unwrap());
    let (question, code) = hub.invitation();
    let plan = station.check_in(&code, None).unwrap();
    station.consent(plan.interview_id, true).unwrap();
    let forwarded = record_into(&mut station.store(), plan.interview_id, question);
    assert!(station.drain(Duration::from_secs(60)).unwrap());
    println!();
    println!(
        "A 20-second answer at 640×480, 30 fps: into the local vault vs into a station's journal while forwarding"
    );
    println!("{:<34} {:>14} {:>12} {:>14}", "recording into", "frames dropped", "frames seen", "encode s");
    println!("{:<34} {:>14} {:>12} {:>14.2}", "the local vault (forwarding off)", local.0, local.1, local.2);
    println!(
        "{:<34} {:>14} {:>12} {:>14.2}",
        "a station's journal (forwarding on)", forwarded.0, forwarded.1, forwarded.2
    );
}

fn main() {
    support::mock_store();
    let versions = flow::scoring::worker_versions().unwrap();
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    if wanted("upload") {
        upload(&versions);
    }
    if wanted("scoring") {
        scoring(&versions);
    }
    if wanted("forwarding") {
        forwarding(&versions);
    }
}
