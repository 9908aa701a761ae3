#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
//! Answers recorded from the synthetic camera and microphone into a real encrypted vault, read
//! back and checked: segments, hashes, audio/video timing, pauses on a lost device, recovery.
//! The only stand-in besides the synthetic devices is keyring-core's in-memory credential store.

use std::sync::{Arc, Once};
use std::time::Duration;

use capture::kiosk::{self, Controls, KioskEvent, Limits};
use capture::{Capture, CaptureSettings, DeviceKind, SyntheticCamera, SyntheticControl, SyntheticMicrophone};
use sha2::{Digest, Sha256};
use vault::{Session, Vault};

mod common;
mod devices;

use common::{PASSWORD, interview_in_progress};

struct Fixture {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    vault: Vault,
    kiosk: Session,
    auditor: Session,
    interview: i64,
    questions: Vec<i64>,
}

fn mock_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

impl Fixture {
    /// The audit actions recorded on an answer, oldest first.
    fn answer_actions(&mut self, answer_id: i64) -> Vec<String> {
        self.vault
            .audit_log(&self.auditor, Some(&format!("answer:{answer_id}")), 1000)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect()
    }

    /// Records an answer to question `index` at the kiosk.
    fn answer(
        &mut self,
        capture: &Capture,
        index: usize,
        limits: &Limits,
        controls: &Controls,
        on_event: &mut dyn FnMut(KioskEvent),
    ) -> Result<capture::AnswerOutcome, capture::CaptureError> {
        kiosk::record_answer(
            &mut kiosk::VaultStore { vault: &mut self.vault, session: &self.kiosk },
            capture,
            self.interview,
            self.questions[index],
            limits,
            controls,
            on_event,
        )
    }
}

/// A vault with a job of two questions and a candidate checked in at the kiosk, consent given.
fn fixture(answer_seconds: u32, retakes: u32) -> Fixture {
    mock_store();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let (mut vault, interview, questions) = interview_in_progress(&data, 2, answer_seconds, retakes);
    let kiosk = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
    let auditor = vault.login("auditor", PASSWORD, "desk").unwrap();
    Fixture { _dir: dir, data, vault, kiosk, auditor, interview, questions }
}

fn synthetic(control: &Arc<SyntheticControl>, mic_rate: u32) -> Capture {
    Capture::start(
        Box::new(SyntheticCamera::pattern(320, 240, 30, control.clone())),
        Box::new(SyntheticMicrophone::new(mic_rate, 440.0, control.clone())),
        CaptureSettings { segment_ms: 1000, video_kbps: 300, ..CaptureSettings::default() },
    )
    .unwrap()
}

fn decrypt(vault: &mut Vault, session: &Session, media: i64) -> Vec<u8> {
    let mut out = Vec::new();
    vault.read_media(session, media, &mut out).unwrap();
    out
}

#[test]
fn a_full_answer_is_recorded_in_segments_and_committed() {
    let mut f = fixture(3, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 48_000);
    let limits = Limits::new(1, 3, 0, 0);
    let controls = Controls::default();
    let mut events = Vec::new();
    kiosk::preflight(&f.data, &capture, &[limits], &CaptureSettings::default()).unwrap();
    kiosk::prepare(&Limits { prep_ms: 300, ..limits }, &controls, &mut |e| events.push(e));
    let outcome = f.answer(&capture, 0, &limits, &controls, &mut |e| events.push(e)).unwrap();
    capture.shutdown();

    // The backend's clock ended it: 3 s in 1 s segments.
    assert!(outcome.committed);
    assert!((3..=4).contains(&outcome.segments), "{outcome:?}");
    // Never short; how far past 3 s the last segment runs is the stop's latency, which grows when
    // the two cores are shared with the other capture tests (seen: 3.16 s, and once ≥ 3.4 s).
    assert!(outcome.stats.recorded_ms >= 3000 && outcome.stats.recorded_ms < 3600, "{:?}", outcome.stats);
    // The product's target is at most 1% dropped; tests share two cores with each other.
    assert!(outcome.stats.frames_dropped * 100 <= outcome.stats.frames_encoded, "{:?}", outcome.stats);
    assert!(outcome.stats.max_drift_ms < 40.0, "{:?}", outcome.stats);
    let countdowns = events.iter().filter(|e| matches!(e, KioskEvent::Countdown { .. })).count();
    let previews =
        events.iter().filter(|e| matches!(e, KioskEvent::Capture(capture::Feedback::Preview { .. }))).count();
    let levels = events.iter().filter(|e| matches!(e, KioskEvent::Capture(capture::Feedback::Level { .. }))).count();
    assert!(countdowns > 10 && previews >= 25 && levels >= 25, "{countdowns} {previews} {levels}");

    // Every part of every segment is in the vault, decrypts, matches its hash and has its format.
    let media = f.vault.answer_media(&f.auditor, outcome.answer_id).unwrap();
    let segments: std::collections::BTreeSet<i64> = media.iter().filter_map(|m| m.segment).collect();
    assert_eq!(segments.len() as u32, outcome.segments);
    let mut audio_ms = 0;
    let mut samples = 0usize;
    for m in &media {
        let bytes = decrypt(&mut f.vault, &f.auditor, m.id);
        assert_eq!(bytes.len() as i64, m.plain_size);
        match m.format.as_str() {
            "webm/vp9" => {
                assert_eq!(&bytes[..4], &[0x1A, 0x45, 0xDF, 0xA3]);
                assert!(bytes.windows(6).any(|w| w == b"A_OPUS"), "segment {:?} has no sound track", m.segment);
            }
            "wav/16k" => {
                let reader = hound::WavReader::new(&bytes[..]).unwrap();
                assert_eq!(reader.spec().sample_rate, 16_000);
                samples += reader.len() as usize;
                audio_ms += m.duration_ms.unwrap();
            }
            "jpeg" => assert!(image::load_from_memory(&bytes).unwrap().width() == 320),
            other => panic!("unexpected format {other}"),
        }
    }
    // The audio covers the recording (which the backend's clock ended at 3.0–3.6 s; how far past
    // 3 s depends on the load), to within one chunk. Seen in CI under load: 3.16 s, 50,527 samples
    // — right for the recording, wrong against a fixed 3 s, which this compared with before.
    let expected = outcome.stats.recorded_ms * 16;
    assert!((samples as i64 - expected).abs() < 16_000 / 10 + 16 * outcome.segments as i64, "{samples} vs {expected}");
    assert!((audio_ms - outcome.stats.recorded_ms).abs() < 100, "{audio_ms}");
    // Audio and video of each segment start together on the shared clock.
    for s in &segments {
        let of = |fmt: &str| media.iter().find(|m| m.segment == Some(*s) && m.format == fmt).and_then(|m| m.offset_ms);
        let (v, a) = (of("webm/vp9").unwrap(), of("wav/16k").unwrap());
        assert!((v - a).abs() <= 60, "segment {s}: video at {v} ms, audio at {a} ms");
    }
    let report = f.vault.check(&f.auditor).unwrap();
    assert_eq!(report.media_files, media.len() as i64);
    assert_eq!(report.orphan_files, 0);

    // A segment decodes, picture and sound, with the GStreamer plugins the webview plays it with.
    let webm = media.iter().find(|m| m.format == "webm/vp9").unwrap();
    let file = tempfile::Builder::new().suffix(".webm").tempfile().unwrap();
    std::fs::write(file.path(), decrypt(&mut f.vault, &f.auditor, webm.id)).unwrap();
    let out = std::process::Command::new("gst-discoverer-1.0").arg(file.path()).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && info.contains("VP9") && info.contains("Opus"), "{info}");
    let decoded = std::process::Command::new("gst-launch-1.0")
        .args(["-q", "filesrc", &format!("location={}", file.path().display()), "!", "decodebin", "name=d"])
        .args([
            "d.",
            "!",
            "queue",
            "!",
            "videoconvert",
            "!",
            "fakesink",
            "d.",
            "!",
            "queue",
            "!",
            "audioconvert",
            "!",
            "fakesink",
        ])
        .status()
        .unwrap();
    assert!(decoded.success(), "GStreamer could not decode a recorded segment");
}

#[test]
fn a_camera_pulled_mid_answer_pauses_audits_and_resumes_in_a_new_segment() {
    let mut f = fixture(3, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    let limits = Limits::new(0, 3, 0, 0);
    let controls = Controls::default();
    let pulled = control.clone();
    let saboteur = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        pulled.unplug(DeviceKind::Camera);
        let at = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(2000));
        pulled.replug(DeviceKind::Camera);
        at
    });
    let mut events: Vec<(std::time::Instant, KioskEvent)> = Vec::new();
    let started = std::time::Instant::now();
    let outcome =
        f.answer(&capture, 0, &limits, &controls, &mut |e| events.push((std::time::Instant::now(), e))).unwrap();
    let pulled_at = saboteur.join().unwrap();
    capture.shutdown();

    // Detected within a second, paused, resumed; the answer clock stopped meanwhile.
    let paused =
        events.iter().find(|(_, e)| matches!(e, KioskEvent::Paused { device: DeviceKind::Camera, .. })).unwrap();
    assert!(paused.0.duration_since(pulled_at) < Duration::from_secs(1), "{:?}", paused.0.duration_since(pulled_at));
    if let KioskEvent::Paused { message, .. } = &paused.1 {
        assert!(message.zh_cn.contains("摄像头") && message.en.contains("camera"));
    }
    assert!(events.iter().any(|(_, e)| matches!(e, KioskEvent::Resumed { device: DeviceKind::Camera })));
    assert!(started.elapsed() >= Duration::from_millis(4800), "the pause must not count against the answer");
    assert!(outcome.committed && outcome.faults == 1, "{outcome:?}");
    assert!(outcome.stats.paused_ms >= 1800, "{:?}", outcome.stats);

    // The audit trail has the loss and the return; the segments after the pause start later.
    let audit = f.vault.verify_audit(&f.auditor).unwrap();
    assert!(audit.entries > 0);
    let actions = f.answer_actions(outcome.answer_id);
    for action in ["capture.camera_lost", "capture.camera_back", "answer.finish"] {
        assert!(actions.iter().any(|a| a == action), "{action} missing from {actions:?}");
    }
    let media = f.vault.answer_media(&f.auditor, outcome.answer_id).unwrap();
    let video: Vec<i64> = media.iter().filter(|m| m.kind == "video").map(|m| m.offset_ms.unwrap()).collect();
    // Without the pause consecutive segments start 1 s apart; the camera was out for 2 s, so the
    // segment it cut and the first after it start at least 2 s apart. (Not 2.5 s: the saboteur's
    // clock starts before the answer's, so under load the pull lands earlier in the segment —
    // a make test run saw [0, 1000, 3484, 4484].)
    let gap = video.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(gap >= 2000, "no pause between video segments: {video:?}");
}

/// The window guard: a departure during the preparation stops its clock and is recorded once the
/// answer begins; one during the answer pauses it (its clock stops) until the window is back.
/// Every departure is audited and the answer carries one "left the kiosk" flag.
#[test]
fn a_kiosk_window_that_leaves_pauses_the_countdowns_and_is_recorded_for_the_answer() {
    let mut f = fixture(2, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    let limits = Limits::new(1, 2, 0, 0);
    let guard = Arc::new(kiosk::WindowGuard::default());
    let controls = Controls::guarded(guard.clone());
    // Away for 1 s from 0.2 s into the 1 s preparation, then for 1.5 s from 0.5 s into the answer.
    let away = guard.clone();
    let mover = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        away.left();
        std::thread::sleep(Duration::from_millis(1000));
        away.back();
        std::thread::sleep(Duration::from_millis(1300));
        away.left();
        std::thread::sleep(Duration::from_millis(1500));
        away.back();
    });
    let mut events: Vec<KioskEvent> = Vec::new();
    let started = std::time::Instant::now();
    kiosk::prepare(&limits, &controls, &mut |e| events.push(e));
    let prepared = started.elapsed();
    let outcome = f.answer(&capture, 0, &limits, &controls, &mut |e| events.push(e)).unwrap();
    let total = started.elapsed();
    mover.join().unwrap();
    capture.shutdown();

    assert!(prepared >= Duration::from_millis(1900), "the preparation ran on while away: {prepared:?}");
    assert!(total >= Duration::from_millis(4400), "the answer ran on while away: {total:?}");
    assert!(outcome.committed, "{outcome:?}");
    let left = events.iter().filter(|e| matches!(e, KioskEvent::WindowLeft { .. })).count();
    let back = events.iter().filter(|e| matches!(e, KioskEvent::WindowBack)).count();
    assert_eq!((left, back), (2, 2));
    let actions = f.answer_actions(outcome.answer_id);
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!((count("capture.kiosk_left"), count("capture.kiosk_back")), (2, 1), "{actions:?}");
}

#[test]
fn a_stalled_microphone_is_a_fault_too_and_attempts_are_enforced() {
    let mut f = fixture(2, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    let limits = Limits::new(0, 2, 0, 0);
    let controls = Controls::default();
    let stalled = control.clone();
    let saboteur = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        stalled.stall(DeviceKind::Microphone);
        std::thread::sleep(Duration::from_millis(1500));
        stalled.replug(DeviceKind::Microphone);
    });
    let mut paused = 0;
    let outcome = f
        .answer(&capture, 1, &limits, &controls, &mut |e| {
            paused += matches!(e, KioskEvent::Paused { device: DeviceKind::Microphone, .. }) as u32
        })
        .unwrap();
    saboteur.join().unwrap();
    assert_eq!(paused, 1);
    assert!(outcome.committed);

    // One attempt allowed and used: another is refused, and nothing is recorded for it.
    let before = f.vault.status().unwrap().media_files;
    let error = f.answer(&capture, 1, &limits, &controls, &mut |_| {}).unwrap_err();
    assert!(matches!(error, capture::CaptureError::NoAttemptsLeft { allowed: 1, .. }), "{error}");
    assert_eq!(f.vault.status().unwrap().media_files, before);
    capture.shutdown();
}

#[test]
fn the_candidate_can_finish_early_and_the_clerk_can_abandon() {
    let mut f = fixture(60, 1);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    let limits = Limits::new(0, 60, 1, 50);
    let controls = Arc::new(Controls::default());
    for (abandon, committed) in [(true, false), (false, true)] {
        let c = controls.clone();
        let presser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1200));
            if abandon { c.abandon() } else { c.finish() }
        });
        let outcome = f.answer(&capture, 0, &limits, &controls, &mut |_| {}).unwrap();
        presser.join().unwrap();
        assert_eq!(outcome.committed, committed);
        assert!(outcome.stats.recorded_ms < 3000);
    }
    // An abandoned (interrupted) attempt does not use up the retake.
    let attempts = f.vault.attempts(&f.kiosk, f.interview, f.questions[0]).unwrap();
    assert_eq!((attempts.committed, attempts.interrupted), (1, 1));
    capture.shutdown();
}

#[test]
fn preflight_refuses_without_disk_space_or_a_delivering_camera() {
    let f = fixture(3, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    // An interview far longer than any disk.
    let huge = Limits::new(0, u32::MAX / 1000, 100, 0);
    let error = kiosk::preflight(&f.data, &capture, &[huge], &CaptureSettings::default()).unwrap_err();
    assert!(matches!(error, capture::CaptureError::DiskSpace { .. }), "{error}");
    let message = interview::UserFacing::user_message(&error);
    assert!(message.zh_cn.contains("磁盘空间不足") && message.en.contains("disk space"));
    control.unplug(DeviceKind::Camera);
    std::thread::sleep(Duration::from_millis(300));
    let error =
        kiosk::preflight(&f.data, &capture, &[Limits::new(0, 10, 0, 0)], &CaptureSettings::default()).unwrap_err();
    assert!(matches!(error, capture::CaptureError::NotDelivering { kind: DeviceKind::Camera, .. }), "{error}");
    capture.shutdown();
}

#[test]
fn sha256_of_stored_parts_matches_the_vault_record() {
    // `vault check` verifies files against the recorded hashes; here the plaintext round trip is
    // checked against what was handed to the vault.
    let mut f = fixture(2, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 16_000);
    let limits = Limits::new(0, 2, 0, 0);
    let mut handed = Vec::new();
    let answer = f.vault.begin_answer(&f.kiosk, f.interview, f.questions[0], false).unwrap();
    capture.record().unwrap();
    std::thread::sleep(Duration::from_millis(u64::from(limits.answer_ms as u32)));
    capture.stop_recording().unwrap();
    loop {
        match capture.next_event(Duration::from_secs(5)).unwrap().unwrap() {
            capture::CaptureEvent::Segment(s) => {
                let video = s.video.as_ref().unwrap();
                f.vault
                    .store_segment(
                        &f.kiosk,
                        answer,
                        &vault::NewSegment {
                            index: s.index,
                            parts: vec![vault::SegmentPart {
                                kind: "video",
                                format: "webm/vp9",
                                offset_ms: 0,
                                duration_ms: 0,
                                bytes: &video.webm,
                            }],
                        },
                    )
                    .unwrap();
                handed.push(Sha256::digest(&video.webm).to_vec());
            }
            capture::CaptureEvent::Stopped(_) => break,
            _ => {}
        }
    }
    capture.shutdown();
    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    let media = f.vault.answer_media(&f.auditor, answer).unwrap();
    let read: Vec<Vec<u8>> =
        media.iter().map(|m| Sha256::digest(decrypt(&mut f.vault, &f.auditor, m.id)).to_vec()).collect();
    assert_eq!(read, handed);
}

#[test]
fn the_segments_audio_joins_into_exactly_what_the_microphone_heard() {
    let mut f = fixture(4, 0);
    let control = SyntheticControl::new();
    let capture = synthetic(&control, 48_000);
    // A chirp, so any sample lost, repeated or shifted at a segment boundary shows.
    let chirp: Vec<f32> = (0..48_000 * 2)
        .map(|i| {
            let t = f64::from(i) / 48_000.0;
            (std::f64::consts::TAU * (200.0 * t + 400.0 * t * t)).sin() as f32 * 0.5
        })
        .collect();
    // Said once the recording runs (the microphone is live before it starts).
    let speaker = control.clone();
    let said = chirp.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        speaker.say(said);
    });
    let limits = Limits::new(0, 3, 0, 0);
    let outcome = f.answer(&capture, 0, &limits, &Controls::default(), &mut |_| {}).unwrap();
    capture.shutdown();
    let mut heard = Vec::new();
    for m in f.vault.answer_media(&f.auditor, outcome.answer_id).unwrap().iter().filter(|m| m.format == "wav/16k") {
        let bytes = decrypt(&mut f.vault, &f.auditor, m.id);
        heard.extend(
            hound::WavReader::new(&bytes[..]).unwrap().into_samples::<i16>().map(|s| f32::from(s.unwrap()) / 32767.0),
        );
    }
    let expected = capture::resample::resample_all(&chirp, 48_000, 16_000);
    // Find where the chirp starts (the microphone was already running), then compare it all.
    let lag = (0..16_000)
        .max_by_key(|&lag| {
            let score: f64 = expected[..2000].iter().zip(&heard[lag..]).map(|(a, b)| f64::from(a * b)).sum();
            (score * 1e6) as i64
        })
        .unwrap();
    let worst = expected.iter().zip(&heard[lag..]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst < 0.01, "the joined audio differs from what was said by up to {worst} (chirp at {lag})");
}
