#![allow(clippy::unwrap_used, clippy::print_stdout)] // test helpers: a failed unwrap is a failed test
//! Kill -9 of the recording process at random points, then restart as the app does: recover,
//! check. Every answer reported committed is intact (all segments present, every file matching
//! its recorded hash), the answer in progress keeps its committed segments and loses at most
//! about one segment (2 s), and recording carries on.
//!
//! The recorder is this same test binary, re-run with `CAPTURE_CRASH_DIR` set. The vault key
//! must outlive each killed process, so the test runs inside a private Secret Service session
//! (`installer/with-keyring`), the credential store the app uses on Linux.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{PASSWORD, now_ms};

mod common;

use capture::kiosk::{self, Controls, KioskEvent, Limits, Phase};
use capture::{Capture, CaptureSettings, SyntheticCamera, SyntheticControl, SyntheticMicrophone};
use rand::{Rng, SeedableRng};
use vault::Vault;
use vault::keys::credential;

const TEST: &str = "kill_9_while_recording_loses_at_most_the_segment_in_progress";
const IN_SESSION: &str = "CAPTURE_CRASH_IN_SESSION";
const CHILD_DIR: &str = "CAPTURE_CRASH_DIR";
const ROUNDS: usize = 10;
/// The loss allowed for the answer in progress: one segment and the time to store it.
const MAX_LOSS_MS: i64 = 2_600;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

#[test]
fn kill_9_while_recording_loses_at_most_the_segment_in_progress() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        return recorder(Path::new(&dir));
    }
    if std::env::var_os(IN_SESSION).is_none() {
        let keyring = tempfile::tempdir().unwrap();
        let status = Command::new(workspace_root().join("installer/with-keyring"))
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env(IN_SESSION, "1")
            .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "crash test keyring")
            .env("XDG_DATA_HOME", keyring.path())
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .status()
            .unwrap();
        assert!(status.success(), "the crash test failed inside its keyring session");
        return;
    }
    credential::use_platform_store().unwrap();
    let dir = tempfile::tempdir().unwrap();
    set_up(dir.path());
    let seed: u64 = std::env::var("CAPTURE_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("capture crash test seed {seed} (set CAPTURE_CRASH_SEED to replay)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut committed: Vec<(i64, u32)> = Vec::new();
    let (mut worst_loss, mut interrupted, mut orphans) = (0i64, 0, 0);
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST, "--nocapture", "--test-threads=1", "--quiet"])
            .env(CHILD_DIR, dir.path())
            .env("CAPTURE_CRASH_CHILD_SEED", rng.r#gen::<u64>().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join(format!("recorder-{round}.log"))).unwrap()))
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(1500..7000)));
        child.kill().unwrap(); // SIGKILL
        let killed_at = now_ms();
        child.wait().unwrap();
        let mut recording_since = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["recording", at] => recording_since = Some(at.parse::<i64>().unwrap()),
                ["committed", answer, segments] => {
                    committed.push((answer.parse().unwrap(), segments.parse().unwrap()));
                    recording_since = None;
                }
                _ => {}
            }
        }

        // Restart as the app does: open, recover, check.
        let mut vault =
            Vault::open(dir.path()).unwrap_or_else(|e| panic!("round {round}: the vault does not open: {e}"));
        let kiosk_session = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
        let recovered = kiosk::recover(&mut vault, &kiosk_session).unwrap();
        let auditor = vault.login("auditor", PASSWORD, "check").unwrap();
        let report = vault.check(&auditor).unwrap_or_else(|e| panic!("round {round}: vault check failed: {e}"));
        // A kill between a segment's files reaching the disk and their record being committed
        // leaves those files unreadable and unreferenced (the retention job removes them): never
        // more than one segment's worth (video, two WAVs, a still) per kill.
        assert!(
            report.orphan_files - orphans <= 4,
            "round {round}: {} new orphan files",
            report.orphan_files - orphans
        );
        orphans = report.orphan_files;

        // Every committed answer: all its segments, every file decrypting to its hash.
        for (answer, segments) in &committed {
            let media = vault.answer_media(&auditor, *answer).unwrap();
            let found: std::collections::BTreeSet<i64> = media.iter().filter_map(|m| m.segment).collect();
            assert_eq!(found.len() as u32, *segments, "round {round}: answer {answer}");
            for m in &media {
                let mut out = Vec::new();
                vault.read_media(&auditor, m.id, &mut out).unwrap();
            }
        }
        // The answer in progress: closed as interrupted, and what it kept reaches to within one
        // segment of the kill.
        assert!(recovered.len() <= 1, "round {round}: {recovered:?}");
        if let (Some(answer), Some(since)) = (recovered.first(), recording_since) {
            interrupted += 1;
            let media = vault.answer_media(&auditor, answer.answer_id).unwrap();
            let covered = media
                .iter()
                .filter(|m| m.format == "wav/16k")
                .map(|m| m.offset_ms.unwrap() + m.duration_ms.unwrap())
                .max()
                .unwrap_or(0);
            for m in &media {
                let mut out = Vec::new();
                vault.read_media(&auditor, m.id, &mut out).unwrap();
            }
            let lost = killed_at - since - covered;
            println!(
                "round {round}: killed {} ms into answer {}; kept {covered} ms; lost {lost} ms",
                killed_at - since,
                answer.answer_id
            );
            worst_loss = worst_loss.max(lost);
            assert!(lost <= MAX_LOSS_MS, "round {round}: lost {lost} ms of the answer in progress");
        }
    }
    println!(
        "{ROUNDS} kills: {} committed answers intact, {interrupted} answers interrupted mid-recording, worst loss {worst_loss} ms",
        committed.len()
    );
    assert!(!committed.is_empty() && interrupted > 0, "the kills did not hit both kinds of moment");
}

fn set_up(dir: &Path) {
    let (_, interview, questions) = common::interview_in_progress(dir, 1, 600, 1000);
    std::fs::write(dir.join("ids"), format!("{interview} {}", questions[0])).unwrap();
}

/// The child: recover, then record answers of random length until killed.
fn recorder(dir: &Path) {
    credential::use_platform_store().unwrap();
    let ids = std::fs::read_to_string(dir.join("ids")).unwrap();
    let (interview, question) =
        ids.split_once(' ').map(|(a, b)| (a.parse().unwrap(), b.trim().parse().unwrap())).unwrap();
    let seed = std::env::var("CAPTURE_CRASH_CHILD_SEED").unwrap().parse().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut vault = Vault::open(dir).unwrap();
    let session = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
    kiosk::recover(&mut vault, &session).unwrap();
    let control = SyntheticControl::new();
    let capture = Capture::start(
        Box::new(SyntheticCamera::pattern(320, 240, 30, control.clone())),
        Box::new(SyntheticMicrophone::new(22_050, 440.0, control)),
        CaptureSettings::default(),
    )
    .unwrap();
    let limits = Limits::new(0, 600, 1000, 0);
    loop {
        let controls = Arc::new(Controls::default());
        let finisher = controls.clone();
        let length = Duration::from_millis(rng.gen_range(800..5000));
        std::thread::spawn(move || {
            std::thread::sleep(length);
            finisher.finish();
        });
        let mut announced = false;
        let outcome = kiosk::record_answer(
            &mut kiosk::VaultStore { vault: &mut vault, session: &session },
            &capture,
            interview,
            question,
            &limits,
            &controls,
            &mut |e| {
                if !announced && matches!(e, KioskEvent::Countdown { phase: Phase::Answering, .. }) {
                    announced = true;
                    println!("recording {}", now_ms());
                }
            },
        )
        .unwrap();
        println!("committed {} {}", outcome.answer_id, outcome.segments);
    }
}
