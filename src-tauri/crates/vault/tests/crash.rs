#![allow(clippy::unwrap_used, clippy::print_stdout)] // test helpers: a failed unwrap is a failed test
//! Kill -9 of a writer process at random points, then reopen and `vault check`: nothing that
//! was reported committed is lost, and the vault always opens.
//!
//! The writer is this same test binary, re-run as `kill_9…` with `VAULT_CRASH_WRITER_DIR` set, which adds
//! candidates, stores media and now and then re-keys the vault, printing each thing after it
//! has been committed. The key must outlive every killed process, so the whole test runs
//! inside a private Secret Service session (`installer/with-keyring`), the real credential
//! store the app uses on Linux; it re-executes itself there when started outside one.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use interview::{Bands, InterviewEvent, Lang, Role, Weight};
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use vault::keys::credential;
use vault::{CandidateFilter, NewCandidate, NewJob, NewQuestion, NewUser, Vault};

const PASSWORD: &str = "a long enough password";
const IN_SESSION: &str = "VAULT_CRASH_TEST_IN_SESSION";
const WRITER_DIR: &str = "VAULT_CRASH_WRITER_DIR";
const WRITER_ANSWER: &str = "VAULT_CRASH_WRITER_ANSWER";
const WRITER_JOB: &str = "VAULT_CRASH_WRITER_JOB";
const ROUNDS: usize = 14;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

#[test]
fn kill_9_at_random_points_loses_nothing_committed() {
    if let Some(dir) = std::env::var_os(WRITER_DIR) {
        return writer(Path::new(&dir));
    }
    if std::env::var_os(IN_SESSION).is_none() {
        let keyring = tempfile::tempdir().unwrap();
        let status = Command::new(workspace_root().join("installer/with-keyring"))
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", "kill_9_at_random_points_loses_nothing_committed", "--nocapture", "--test-threads=1"])
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
    let (job, answer) = set_up(dir.path());
    let seed: u64 = std::env::var("VAULT_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    println!("crash test seed {seed} (set VAULT_CRASH_SEED to replay)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let mut candidates = Vec::new();
    let mut media: BTreeMap<i64, String> = BTreeMap::new();
    let (mut killed, mut rekeys) = (0, 0);
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "kill_9_at_random_points_loses_nothing_committed",
                "--nocapture",
                "--test-threads=1",
                "--quiet",
            ])
            .env(WRITER_DIR, dir.path())
            .env(WRITER_ANSWER, answer.to_string())
            .env(WRITER_JOB, job.to_string())
            .env("VAULT_CRASH_WRITER_SEED", rng.r#gen::<u64>().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join(format!("writer-{round}.log"))).unwrap()))
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..1500)));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        } else {
            let log = std::fs::read_to_string(dir.path().join(format!("writer-{round}.log"))).unwrap_or_default();
            println!("round {round}: the writer ended by itself:\n{log}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["candidate", id] => candidates.push(id.parse::<i64>().unwrap()),
                ["media", id, sha] => {
                    media.insert(id.parse().unwrap(), (*sha).to_owned());
                }
                ["rekey"] => rekeys += 1,
                _ => {}
            }
        }

        // The vault opens, checks clean, and holds everything reported committed.
        let mut vault =
            Vault::open(dir.path()).unwrap_or_else(|e| panic!("round {round}: the vault does not open: {e}"));
        let auditor = vault.login("auditor", PASSWORD, "check").unwrap();
        let report = vault.check(&auditor).unwrap_or_else(|e| panic!("round {round}: vault check failed: {e}"));
        assert!(report.media_files >= media.len() as i64);
        let clerk = vault.login("clerk", PASSWORD, "check").unwrap();
        let mut listed = Vec::new();
        let mut offset = 0;
        loop {
            let page = vault
                .list_candidates(
                    &clerk,
                    &CandidateFilter { job_id: Some(job), offset, limit: 200, ..Default::default() },
                )
                .unwrap();
            listed.extend(page.rows.iter().map(|r| r.id));
            if !page.has_more {
                break;
            }
            offset += 200;
        }
        for id in &candidates {
            assert!(listed.contains(id), "round {round}: committed candidate {id} is missing");
        }
        for (id, sha) in &media {
            let mut hasher = HashWriter(Sha256::new());
            vault.read_media(&clerk, *id, &mut hasher).unwrap();
            assert_eq!(&hex::encode(hasher.0.finalize()), sha, "round {round}: media {id} differs");
        }
        vault.close().unwrap();
    }
    println!(
        "{ROUNDS} rounds, {killed} killed mid-work: {} candidates, {} media files, {rekeys} re-keys committed and intact",
        candidates.len(),
        media.len()
    );
    assert_eq!(killed, ROUNDS, "every writer must still be working when it is killed (see the logs above)");
    assert!(!candidates.is_empty() && !media.is_empty());
}

/// A vault with the writer's accounts, a job, and an answer being recorded.
fn set_up(dir: &Path) -> (i64, i64) {
    let admin =
        NewUser { username: "admin".into(), display_name: "A".into(), role: Role::Admin, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(dir, admin).unwrap();
    let admin = vault.login("admin", PASSWORD, "setup").unwrap();
    for (name, role) in [("clerk", Role::Clerk), ("auditor", Role::Auditor), ("kiosk", Role::Kiosk)] {
        vault
            .create_user(
                &admin,
                NewUser { username: name.into(), display_name: name.into(), role, password: PASSWORD.into() },
            )
            .unwrap();
    }
    let clerk = vault.login("clerk", PASSWORD, "setup").unwrap();
    let kiosk = vault.login("kiosk", PASSWORD, "setup").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "job".into(),
                language: Lang::En,
                dimensions: vec![Weight { dimension: "d".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    let question = vault
        .add_question(
            &clerk,
            NewQuestion {
                job_id: job,
                situational: false,
                text: "q".into(),
                rubric_json: "{}".into(),
                dimensions: vec!["d".into()],
                prep_seconds: 10,
                answer_seconds: 60,
                retakes: 0,
            },
        )
        .unwrap();
    let candidate = vault
        .add_candidate(
            &clerk,
            NewCandidate { job_id: job, name: "c".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (interview, code) = vault.issue_invitation(&clerk, candidate, now - 1000, now + 3_600_000).unwrap();
    vault.check_in(&kiosk, &code, None).unwrap();
    vault.advance_interview(&kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    let answer = vault.begin_answer(&kiosk, interview, question, false).unwrap();
    vault.close().unwrap();
    (job, answer)
}

struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The writer: runs until it is killed, printing what it committed.
fn writer(dir: &Path) {
    let var = |name: &str| std::env::var(name).unwrap().parse::<i64>().unwrap();
    let (answer, job) = (var(WRITER_ANSWER), var(WRITER_JOB));
    let seed = std::env::var("VAULT_CRASH_WRITER_SEED").unwrap().parse::<u64>().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    credential::use_platform_store().unwrap();
    let mut vault = Vault::open(dir).unwrap();
    let clerk = vault.login("clerk", PASSWORD, "writer").unwrap();
    let kiosk = vault.login("kiosk", PASSWORD, "writer").unwrap();
    let admin = vault.login("admin", PASSWORD, "writer").unwrap();
    for i in 0u64.. {
        let id = vault
            .add_candidate(
                &clerk,
                NewCandidate {
                    job_id: job,
                    name: format!("c{i}"),
                    id_number: None,
                    phone: None,
                    email: None,
                    group: None,
                },
            )
            .unwrap();
        println!("candidate {id}");
        let payload: Vec<u8> = (0..rng.gen_range(1..300_000)).map(|_| rng.r#gen()).collect();
        let id = vault.store_media(&kiosk, answer, "audio", &mut payload.as_slice()).unwrap();
        println!("media {id} {}", hex::encode(Sha256::digest(&payload)));
        if rng.gen_ratio(1, 6) {
            vault.rekey(&admin).unwrap();
            println!("rekey");
        }
    }
}

/// A full disk in the middle of a write: the operation fails with a clear error and nothing is
/// half-written. The disk is filled by a file-size limit (`RLIMIT_FSIZE`, so writes past it fail
/// with EFBIG as on a full disk) in a child process, so no other test shares the limit.
#[test]
fn a_full_disk_fails_the_write_and_changes_nothing() {
    if std::env::var_os("VAULT_FULL_DISK_CHILD").is_some() {
        return full_disk_child();
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_full_disk_fails_the_write_and_changes_nothing", "--nocapture", "--test-threads=1"])
        .env("VAULT_FULL_DISK_CHILD", "1")
        .status()
        .unwrap();
    assert!(status.success(), "the full-disk child failed (output above)");
}

/// The child process of `a_full_disk_fails_the_write_and_changes_nothing`: the file-size limit
/// applies to the whole process, so no other test may share it.
fn full_disk_child() {
    use interview::UserFacing;
    keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (job, answer) = set_up(dir.path());
    let mut vault = Vault::open(dir.path()).unwrap();
    let clerk = vault.login("clerk", PASSWORD, "t").unwrap();
    let kiosk = vault.login("kiosk", PASSWORD, "t").unwrap();
    vault.store_media(&kiosk, answer, "audio", &mut [1u8; 1000].as_slice()).unwrap();
    vault.close().unwrap();
    let mut vault = Vault::open(dir.path()).unwrap();
    let before = vault.status().unwrap();
    let media_dir = dir.path().join("vault/media");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&media_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let files_before = listing();

    let db_size = std::fs::metadata(dir.path().join("vault/vault.db")).unwrap().len();
    set_file_size_limit(db_size + 256 * 1024);

    let big = vec![7u8; 2 * 1024 * 1024];
    let err = vault.store_media(&kiosk, answer, "video", &mut big.as_slice()).unwrap_err();
    assert_eq!(err.code(), "vault.io", "{err:?}");
    let said = err.user_message().en;
    assert!(said.contains("The disk is full") && said.contains("nothing was changed"), "{said}");
    assert_eq!(listing(), files_before, "a partial media file was left behind");

    // A row larger than the space left (names are bounded now, so a long group label).
    let huge = "名".repeat(400_000);
    let err = vault
        .add_candidate(
            &clerk,
            NewCandidate {
                job_id: job,
                name: "张三".into(),
                id_number: None,
                phone: None,
                email: None,
                group: Some(huge),
            },
        )
        .unwrap_err();
    // SQLite reports a write past the file-size limit as a generic I/O error; on a really full
    // disk the free space names it (tests/e2e: a_full_disk_is_named_…, on a full tmpfs).
    assert!(matches!(err.code(), "vault.database" | "vault.io"), "{err:?}");
    assert_eq!(vault.status().unwrap(), before, "a failed write changed the vault");

    set_file_size_limit(libc::RLIM_INFINITY);
    let auditor = vault.login("auditor", PASSWORD, "t").unwrap();
    vault.check(&auditor).unwrap();
    vault
        .add_candidate(
            &clerk,
            NewCandidate { job_id: job, name: "after".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    vault.close().unwrap();
    let reopened = Vault::open(dir.path()).unwrap();
    assert_eq!(reopened.status().unwrap().candidates, before.candidates + 1);
}

#[allow(unsafe_code)] // test only: std has no wrapper for setrlimit or for ignoring a signal
fn set_file_size_limit(bytes: u64) {
    // SAFETY: plain libc calls on this process; SIGXFSZ is ignored so that a write past the
    // limit fails with EFBIG instead of killing the process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: libc::RLIM_INFINITY };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}
