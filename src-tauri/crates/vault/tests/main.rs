#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test
//! Integration tests of the vault on real SQLCipher files in temporary directories. The only
//! stand-in is keyring-core's in-memory mock credential store (the real Secret Service is
//! exercised by `make demo` and the CLI test through `installer/with-keyring`).

use std::path::Path;
use std::sync::{Arc, Mutex, Once};

use interview::{Action, Bands, InterviewEvent, Lang, Role, UserFacing, Weight};
use rusqlite::Connection;
use vault::audit::Checkpoint;
use vault::keys::credential;
use vault::{AccessCode, NewCandidate, NewJob, NewQuestion, NewUser, Session, Vault, VaultError};

mod follow_ups;
mod kiosk;
mod lifecycle;
mod outcomes;
mod resume;
mod review;

const PASSWORD: &str = "correct horse battery staple";
const HOUR: i64 = 3_600_000;
/// The last four characters of the ID number of [`Fixture::candidate`], which the kiosk's
/// identity check asks for at check-in.
const ID_LAST4: &str = "002X";

fn mock_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<Mutex<i64>>);

impl TestClock {
    fn new() -> TestClock {
        TestClock(Arc::new(Mutex::new(1_800_000_000_000)))
    }
    fn boxed(&self) -> vault::Clock {
        let inner = self.0.clone();
        Arc::new(move || *inner.lock().unwrap())
    }
    fn now(&self) -> i64 {
        *self.0.lock().unwrap()
    }
    fn advance(&self, ms: i64) {
        *self.0.lock().unwrap() += ms;
    }
}

fn user(name: &str, role: Role) -> NewUser {
    NewUser { username: name.into(), display_name: name.to_uppercase(), role, password: PASSWORD.into() }
}

/// A vault with an admin, a clerk, an auditor and a kiosk signed in.
struct Fixture {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    clock: TestClock,
    vault: Vault,
    admin: Session,
    clerk: Session,
    auditor: Session,
    kiosk: Session,
    recovery: vault::RecoveryKey,
}

impl Fixture {
    fn new() -> Fixture {
        mock_store();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_owned();
        let clock = TestClock::new();
        let (mut vault, recovery) = Vault::create_with_clock(&data, user("admin", Role::Admin), clock.boxed()).unwrap();
        let admin = vault.login("admin", PASSWORD, "desk-1").unwrap();
        for (name, role) in [("clerk", Role::Clerk), ("auditor", Role::Auditor), ("kiosk-1", Role::Kiosk)] {
            vault.create_user(&admin, user(name, role)).unwrap();
        }
        let clerk = vault.login("clerk", PASSWORD, "desk-2").unwrap();
        let auditor = vault.login("auditor", PASSWORD, "desk-3").unwrap();
        let kiosk = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
        Fixture { _dir: dir, data, clock, vault, admin, clerk, auditor, kiosk, recovery }
    }

    fn job(&mut self) -> i64 {
        let job = NewJob {
            title: "窗口服务岗".into(),
            language: Lang::ZhCn,
            dimensions: vec![
                Weight { dimension: "沟通能力".into(), basis_points: 4000 },
                Weight { dimension: "服务意识".into(), basis_points: 3500 },
                Weight { dimension: "应急处理".into(), basis_points: 2500 },
            ],
            bands: Bands::new(80, 60).unwrap(),
        };
        self.vault.create_job(&self.clerk, job).unwrap()
    }

    fn candidate(&mut self, job_id: i64) -> i64 {
        self.named_candidate(job_id, "张三", Some("11010519491231002X"))
    }

    fn named_candidate(&mut self, job_id: i64, name: &str, id_number: Option<&str>) -> i64 {
        let c = NewCandidate {
            job_id,
            name: name.into(),
            id_number: id_number.map(Into::into),
            phone: None,
            email: None,
            group: None,
        };
        self.vault.add_candidate(&self.clerk, c).unwrap()
    }

    fn invitation(&mut self) -> (i64, AccessCode) {
        let job = self.job();
        let candidate = self.candidate(job);
        let now = self.clock.now();
        self.vault.issue_invitation(&self.clerk, candidate, now - HOUR, now + HOUR).unwrap()
    }

    fn question(&mut self, job_id: i64) -> i64 {
        let q = NewQuestion {
            job_id,
            situational: true,
            text: "窗口前群众情绪激动，你会怎么做？".into(),
            rubric_json: r#"{"levels":{}}"#.into(),
            dimensions: vec!["应急处理".into()],
            prep_seconds: 30,
            answer_seconds: 120,
            retakes: 1,
        };
        self.vault.add_question(&self.clerk, q).unwrap()
    }

    /// An interview checked in at the kiosk, consent given, one answer being recorded.
    fn answer(&mut self) -> (i64, i64) {
        let job = self.job();
        let question = self.question(job);
        let candidate = self.candidate(job);
        let now = self.clock.now();
        let (interview, code) = self.vault.issue_invitation(&self.clerk, candidate, now - HOUR, now + HOUR).unwrap();
        self.vault.check_in(&self.kiosk, &code, Some(ID_LAST4)).unwrap();
        self.vault.advance_interview(&self.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
        let answer = self.vault.begin_answer(&self.kiosk, interview, question, false).unwrap();
        (interview, answer)
    }

    fn key(&self) -> vault::keys::SecretKey {
        credential::load(self.vault.vault_id()).unwrap()
    }

    fn db_path(&self) -> std::path::PathBuf {
        self.data.join("vault/vault.db")
    }
}

/// A dimension's score as scoring stores it (one covered key point).
fn stored_score(dimension: &str, level: f32) -> String {
    interview::stored::StoredScore {
        version: interview::stored::VERSION,
        dimension: dimension.into(),
        level,
        coverage: 1.0,
        key_point_level: 3,
        closest_example: None,
        evidence: vec![interview::stored::StoredEvidence {
            key_point: "calm".into(),
            point: "安抚情绪".into(),
            phrasing: "安抚".into(),
            quote: "先安抚他".into(),
            start_ms: 1000,
            end_ms: 2500,
            similarity: 0.9,
            covered: true,
            uncertain: false,
        }],
    }
    .to_json()
}

/// Opens the database the way an attacker who holds the key would, bypassing the vault.
fn raw(path: &Path, key: &vault::keys::SecretKey) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", hex::encode(key.expose()))).unwrap();
    conn
}

/// The outcomes of every audit entry with this action, in order.
fn audit_outcomes(f: &Fixture, action: &str) -> Vec<String> {
    let conn = raw(&f.db_path(), &f.key());
    conn.prepare("SELECT outcome FROM audit_log WHERE action = ?1 ORDER BY seq")
        .unwrap()
        .query_map([action], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn audit_count(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0)).unwrap()
}

#[test]
fn create_close_reopen() {
    let mut f = Fixture::new();
    f.invitation();
    let before = f.vault.status().unwrap();
    assert_eq!((before.users, before.jobs, before.candidates, before.interviews), (4, 1, 1, 1));
    assert_eq!(before.schema_version, vault::SCHEMA_VERSION);
    let Fixture { vault, data, clock, .. } = f;
    drop(vault);
    // Copied by a tool that drops empty directories: the recordings directory is gone.
    std::fs::remove_dir(data.join("vault/media")).unwrap();
    let mut reopened = Vault::open_with_clock(&data, clock.boxed()).unwrap();
    assert_eq!(reopened.status().unwrap(), before);
    let auditor = reopened.login("auditor", PASSWORD, "desk-3").unwrap();
    reopened.check(&auditor).unwrap();
}

#[test]
fn the_database_is_encrypted_and_the_pragmas_hold() {
    let f = Fixture::new();
    let bytes = std::fs::read(f.db_path()).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(6).any(|w| w == "张三".as_bytes()));
    let conn = raw(&f.db_path(), &f.key());
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn creating_over_an_existing_vault_is_refused() {
    let f = Fixture::new();
    let err = Vault::create(&f.data, user("admin2", Role::Admin)).unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists(_)), "{err:?}");
}

#[test]
fn a_wrong_key_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let Fixture { vault, data, .. } = f;
    let id = vault.vault_id().to_owned();
    let right = credential::load(&id).unwrap();
    drop(vault);
    let before = std::fs::read(data.join("vault/vault.db")).unwrap();
    credential::store(&id, &vault::keys::SecretKey::random()).unwrap();
    let err = Vault::open(&data).unwrap_err();
    assert!(matches!(err, VaultError::WrongKey), "{err:?}");
    assert_eq!(err.code(), "vault.wrong_key");
    assert_eq!(std::fs::read(data.join("vault/vault.db")).unwrap(), before, "the database file changed");
    credential::store(&id, &right).unwrap();
    Vault::open(&data).unwrap();
}

#[test]
fn a_missing_credential_is_refused_and_the_recovery_key_restores_access() {
    mock_store();
    let dir = tempfile::tempdir().unwrap();
    let (vault, recovery) = Vault::create(dir.path(), user("admin", Role::Admin)).unwrap();
    let id = vault.vault_id().to_owned();
    drop(vault);
    credential::delete(&id).unwrap();
    let err = Vault::open(dir.path()).unwrap_err();
    assert!(matches!(err, VaultError::KeyMissing { .. }), "{err:?}");
    assert!(err.user_message().en.contains("recovery key"));
    assert!(!dir.path().join("vault/vault.db.new").exists());

    let wrong = vault::RecoveryKey::random();
    assert!(matches!(Vault::recover(dir.path(), &wrong).unwrap_err(), VaultError::WrongRecoveryKey));
    let typed = vault::RecoveryKey::parse(&recovery.display().to_lowercase()).unwrap();
    let mut recovered = Vault::recover(dir.path(), &typed).unwrap();
    let admin = recovered.login("admin", PASSWORD, "desk").unwrap();
    recovered.verify_audit(&admin).unwrap();
    drop(recovered);
    Vault::open(dir.path()).unwrap();
}

#[test]
fn role_by_operation_matrix_and_every_denial_is_audited() {
    let mut f = Fixture::new();
    let (interview, _) = f.invitation();
    let sessions = [f.admin.clone(), f.clerk.clone(), f.auditor.clone(), f.kiosk.clone()];
    for session in &sessions {
        for action in Action::ALL {
            let conn = raw(&f.db_path(), &f.key());
            let before = audit_count(&conn);
            let result = f.vault.authorize(session, action);
            let after = audit_count(&conn);
            if session.role.may(action) {
                assert!(result.is_ok(), "{:?} should be allowed {action:?}", session.role);
                assert_eq!(after, before);
            } else {
                let err = result.unwrap_err();
                assert!(matches!(err, VaultError::Denied { .. }), "{:?} × {action:?}: {err:?}", session.role);
                assert_eq!(after, before + 1, "denial of {action:?} for {:?} not audited", session.role);
                let outcome: String = conn
                    .query_row("SELECT outcome FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(outcome, "denied");
            }
        }
    }
    // Real operations go through the same check: a kiosk cannot add a candidate, an auditor
    // cannot create a job, a clerk cannot read the audit chain.
    let c = NewCandidate { job_id: 1, name: "李四".into(), id_number: None, phone: None, email: None, group: None };
    assert!(matches!(f.vault.add_candidate(&f.kiosk, c).unwrap_err(), VaultError::Denied { .. }));
    assert!(matches!(f.vault.verify_audit(&f.clerk).unwrap_err(), VaultError::Denied { .. }));
    assert!(matches!(
        f.vault.advance_interview(&f.auditor, interview, InterviewEvent::Review).unwrap_err(),
        VaultError::Denied { .. }
    ));
}

#[test]
fn lockout_after_five_failures_and_idle_sessions_expire() {
    let mut f = Fixture::new();
    for _ in 0..4 {
        assert!(matches!(f.vault.login("clerk", "wrong password!", "d").unwrap_err(), VaultError::BadCredentials));
    }
    assert!(matches!(f.vault.login("clerk", "wrong password!", "d").unwrap_err(), VaultError::Locked { .. }));
    assert!(matches!(f.vault.login("clerk", PASSWORD, "d").unwrap_err(), VaultError::Locked { .. }));
    f.clock.advance(15 * 60 * 1000 + 1);
    let clerk = f.vault.login("clerk", PASSWORD, "d").unwrap();
    f.vault.authorize(&clerk, Action::ViewCandidates).unwrap();
    f.clock.advance(15 * 60 * 1000 + 1);
    assert!(matches!(f.vault.authorize(&clerk, Action::ViewCandidates).unwrap_err(), VaultError::SessionExpired));
    assert!(matches!(f.vault.login("nobody", PASSWORD, "d").unwrap_err(), VaultError::BadCredentials));
}

/// A password typed into the username field was kept verbatim in the audit log (attack pass).
/// Unknown names are logged as a keyed hash: the same name twice is recognisable, its text is not.
#[test]
fn an_unknown_username_never_reaches_the_audit_log_as_typed() {
    let mut f = Fixture::new();
    let typed = "Correct-Horse-Battery-9";
    for _ in 0..2 {
        assert!(matches!(f.vault.login(typed, PASSWORD, "d").unwrap_err(), VaultError::BadCredentials));
    }
    assert!(matches!(f.vault.login("someone-else", PASSWORD, "d").unwrap_err(), VaultError::BadCredentials));
    let conn = raw(&f.db_path(), &f.key());
    let actors: Vec<String> = conn
        .prepare("SELECT actor FROM audit_log WHERE action = 'auth.login' AND object = 'user:?' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actors.len(), 3);
    assert!(actors.iter().all(|a| a.starts_with("unknown user #") && !a.contains("Horse")), "{actors:?}");
    assert_eq!(actors[0], actors[1], "the same name tried twice is recognisable");
    assert_ne!(actors[0], actors[2]);
}

#[test]
fn disabling_a_user_ends_their_sessions() {
    let mut f = Fixture::new();
    f.vault.authorize(&f.clerk, Action::ManageJobs).unwrap();
    f.vault.disable_user(&f.admin, f.clerk.user_id).unwrap();
    assert!(matches!(f.vault.authorize(&f.clerk, Action::ManageJobs).unwrap_err(), VaultError::SessionExpired));
    assert!(matches!(f.vault.login("clerk", PASSWORD, "d").unwrap_err(), VaultError::BadCredentials));
}

#[test]
fn invalid_weights_and_ids_are_refused_and_change_nothing() {
    let mut f = Fixture::new();
    let before = f.vault.status().unwrap();
    let job = NewJob {
        title: "x".into(),
        language: Lang::En,
        dimensions: vec![
            Weight { dimension: "a".into(), basis_points: 5000 },
            Weight { dimension: "b".into(), basis_points: 4999 },
        ],
        bands: Bands::new(80, 60).unwrap(),
    };
    let err = f.vault.create_job(&f.clerk, job).unwrap_err();
    assert_eq!(err.code(), "rules.weights_sum");
    assert!(err.user_message().zh_cn.contains("99.99%"));
    let job_id = f.job();
    let bad = NewCandidate {
        job_id,
        name: "王五".into(),
        id_number: Some("110105194912310021".into()),
        phone: None,
        email: None,
        group: None,
    };
    assert_eq!(f.vault.add_candidate(&f.clerk, bad).unwrap_err().code(), "rules.id_number");
    let after = f.vault.status().unwrap();
    assert_eq!((after.jobs, after.candidates), (before.jobs + 1, before.candidates));
}

#[test]
fn id_numbers_are_stored_only_hashed_with_the_last_four() {
    let mut f = Fixture::new();
    let job = f.job();
    f.candidate(job);
    let conn = raw(&f.db_path(), &f.key());
    let (hash, last4): (Vec<u8>, String) =
        conn.query_row("SELECT id_hash, id_last4 FROM candidates", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(last4, "002X");
    assert_eq!(hash.len(), 32);
    let dump: String = conn
        .query_row(
            "SELECT group_concat(quote(c), ',') FROM (SELECT name || coalesce(id_last4,'') AS c FROM candidates)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains("11010519491231"));
}

#[test]
fn access_codes_unknown_reused_expired_and_early() {
    let mut f = Fixture::new();
    let (interview, code) = f.invitation();
    let conn = raw(&f.db_path(), &f.key());
    let before = audit_count(&conn);
    let err = f.vault.check_in(&f.kiosk, &AccessCode::parse("ZZZZ-ZZZZ"), None).unwrap_err();
    assert!(matches!(err, VaultError::UnknownAccessCode));
    assert_eq!(audit_count(&conn), before + 1);
    // Typed with a dash and in lower case: still the same code.
    let typed = AccessCode::parse(&format!("{}-{}", &code.as_str()[..4].to_lowercase(), &code.as_str()[4..]));
    let check_in = f.vault.check_in(&f.kiosk, &typed, Some(ID_LAST4)).unwrap();
    assert_eq!(check_in.interview_id, interview);
    assert_eq!(f.vault.check_in(&f.kiosk, &code, Some(ID_LAST4)).unwrap_err().code(), "rules.code_used");

    let job = f.job();
    let candidate = f.named_candidate(job, "李四", None);
    let now = f.clock.now();
    let (_, early) = f.vault.issue_invitation(&f.clerk, candidate, now + HOUR, now + 2 * HOUR).unwrap();
    assert_eq!(f.vault.check_in(&f.kiosk, &early, None).unwrap_err().code(), "rules.code_not_yet_valid");
    f.clock.advance(3 * HOUR);
    let kiosk = f.vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
    assert_eq!(f.vault.check_in(&kiosk, &early, None).unwrap_err().code(), "rules.code_expired");
    let outcomes: Vec<String> = conn
        .prepare("SELECT outcome FROM audit_log WHERE action = 'kiosk.redeem' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(outcomes, ["denied", "ok", "denied", "denied", "denied"]);
}

#[test]
fn the_interview_state_machine_is_enforced_and_consent_recorded() {
    let mut f = Fixture::new();
    let (interview, code) = f.invitation();
    let err = f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap_err();
    assert_eq!(err.code(), "rules.transition");
    f.vault.check_in(&f.kiosk, &code, Some(ID_LAST4)).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    let conn = raw(&f.db_path(), &f.key());
    let (state, consents): (String, i64) = conn
        .query_row(
            "SELECT state, (SELECT COUNT(*) FROM consents WHERE given = 1) FROM interviews WHERE id = ?1",
            [interview],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), consents), ("completed", 1));
}

#[test]
fn the_first_answer_freezes_the_rubric_version_for_good() {
    let mut f = Fixture::new();
    let (_, answer) = f.answer();
    let conn = raw(&f.db_path(), &f.key());
    let frozen: bool = conn
        .query_row(
            "SELECT qv.frozen FROM question_versions qv JOIN answers a ON a.question_version_id = qv.id WHERE a.id = ?1",
            [answer],
            |r| r.get(0),
        )
        .unwrap();
    assert!(frozen);
    // Even someone holding the key cannot edit it through SQL.
    let err = conn.execute("UPDATE question_versions SET text = 'changed'", []).unwrap_err();
    assert!(err.to_string().contains("frozen"), "{err}");
    // Recording ends once; media cannot be added to a finished answer.
    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    let err = f.vault.store_media(&f.kiosk, answer, "audio", &mut [0u8; 10].as_slice()).unwrap_err();
    assert_eq!(err.code(), "vault.answer_closed");
    assert_eq!(f.vault.finish_answer(&f.kiosk, answer, true).unwrap_err().code(), "vault.answer_closed");
}

#[test]
fn media_round_trips_in_chunks_and_any_flipped_byte_is_named() {
    let mut f = Fixture::new();
    let payload: Vec<u8> = (0..(vault::media::CHUNK * 3 + 1234)).map(|i| (i * 31 % 251) as u8).collect();
    let exact: Vec<u8> = vec![7u8; vault::media::CHUNK * 2];
    let (_, answer) = f.answer();
    let id = f.vault.store_media(&f.kiosk, answer, "audio", &mut payload.as_slice()).unwrap();
    let id2 = f.vault.store_media(&f.kiosk, answer, "video", &mut exact.as_slice()).unwrap();
    let mut out = Vec::new();
    f.vault.read_media(&f.clerk, id, &mut out).unwrap();
    assert_eq!(out, payload);
    out.clear();
    f.vault.read_media(&f.clerk, id2, &mut out).unwrap();
    assert_eq!(out, exact);
    assert_eq!(f.vault.check(&f.auditor).unwrap().media_files, 2);

    let media_dir = f.data.join("vault/media");
    let file = std::fs::read_dir(&media_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ikm"))
        .unwrap();
    let original = std::fs::read(&file).unwrap();
    for offset in [0, 5, 30, original.len() / 2, original.len() - 1] {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x40;
        std::fs::write(&file, &bytes).unwrap();
        let err = f.vault.check(&f.auditor).unwrap_err();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(matches!(&err, VaultError::MediaDamaged { file, .. } if *file == name), "offset {offset}: {err:?}");
        assert!(err.user_message().zh_cn.contains(&name));
        let mut sink = Vec::new();
        let failed = [id, id2].iter().filter(|&&m| f.vault.read_media(&f.clerk, m, &mut sink).is_err()).count();
        assert_eq!(failed, 1, "offset {offset}: a damaged file was read back without error");
    }
    // Truncation at a chunk boundary is detected too.
    std::fs::write(&file, &original[..4 + 19 + vault::media::CHUNK + 16]).unwrap();
    let mut sink = Vec::new();
    assert!([id, id2].iter().any(|&m| f.vault.read_media(&f.clerk, m, &mut sink).is_err()));
    std::fs::write(&file, &original).unwrap();
    f.vault.check(&f.auditor).unwrap();
}

#[test]
fn flipped_bytes_in_the_database_are_detected() {
    let mut f = Fixture::new();
    let (_, answer) = f.answer();
    f.vault.store_media(&f.kiosk, answer, "still", &mut [1u8, 2, 3].as_slice()).unwrap();
    let Fixture { vault, data, clock, .. } = f;
    drop(vault);
    let path = data.join("vault/vault.db");
    let original = std::fs::read(&path).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..12 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let offset = (state as usize) % original.len();
        let mut bytes = original.clone();
        bytes[offset] ^= 1 << (round % 8);
        std::fs::write(&path, &bytes).unwrap();
        let detected = match Vault::open_with_clock(&data, clock.boxed()) {
            Err(_) => true,
            Ok(mut vault) => {
                let auditor = vault.login("auditor", PASSWORD, "d");
                match auditor {
                    Err(_) => true,
                    Ok(auditor) => vault.check(&auditor).is_err(),
                }
            }
        };
        assert!(detected, "a flipped bit at offset {offset} went unnoticed");
        std::fs::write(&path, &original).unwrap();
        let _ = std::fs::remove_file(data.join("vault/vault.db-wal"));
        let _ = std::fs::remove_file(data.join("vault/vault.db-shm"));
    }
}

/// Edits, deletions, reordering and truncation of the audit log are all rejected, naming the
/// first bad entry.
#[test]
fn audit_tampering_is_rejected() {
    type Tamper = fn(&Connection);
    let cases: [(&str, Tamper, i64); 4] = [
        (
            "edit",
            |c| {
                c.execute("UPDATE audit_log SET object = 'user:99' WHERE seq = 5", []).unwrap();
            },
            5,
        ),
        (
            "delete",
            |c| {
                c.execute("DELETE FROM audit_log WHERE seq = 6", []).unwrap();
            },
            6,
        ),
        (
            "reorder",
            |c| {
                c.execute("UPDATE audit_log SET seq = -1 WHERE seq = 7", []).unwrap();
                c.execute("UPDATE audit_log SET seq = 7 WHERE seq = 8", []).unwrap();
                c.execute("UPDATE audit_log SET seq = 8 WHERE seq = -1", []).unwrap();
            },
            7,
        ),
        (
            "truncate",
            |c| {
                let head: i64 = c.query_row("SELECT MAX(seq) FROM audit_log", [], |r| r.get(0)).unwrap();
                c.execute("DELETE FROM audit_log WHERE seq > ?1", [head - 3]).unwrap();
            },
            0,
        ),
    ];
    for (name, tamper, first_bad) in cases {
        let mut f = Fixture::new();
        f.invitation();
        f.vault.verify_audit(&f.auditor).unwrap();
        let conn = raw(&f.db_path(), &f.key());
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
        tamper(&conn);
        drop(conn);
        let err = match f.vault.verify_audit(&f.auditor) {
            Err(err) => err,
            Ok(v) => panic!("{name}: tampering not detected ({v:?})"),
        };
        match (&err, first_bad) {
            (VaultError::AuditBroken { seq, .. }, n) if n > 0 => assert_eq!(*seq, n, "{name}: {err:?}"),
            (VaultError::RolledBack { .. } | VaultError::AuditBroken { .. }, 0) => {}
            _ => panic!("{name}: unexpected {err:?}"),
        }
    }
}

#[test]
fn restoring_an_older_copy_of_the_whole_database_is_detected_at_open() {
    mock_store();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let files = ["vault.db", "vault.db-wal", "vault.db-shm"];
    let (vault, _) = Vault::create(data, user("admin", Role::Admin)).unwrap();
    drop(vault);
    let snapshot = tempfile::tempdir().unwrap();
    for name in files {
        let from = data.join("vault").join(name);
        if from.exists() {
            std::fs::copy(&from, snapshot.path().join(name)).unwrap();
        }
    }
    let mut vault = Vault::open(data).unwrap();
    let admin = vault.login("admin", PASSWORD, "d").unwrap();
    vault.logout(&admin).unwrap();
    drop(vault);
    let checkpoint = Checkpoint::load(&data.join("vault/checkpoint.json")).unwrap().unwrap();
    for name in files {
        let _ = std::fs::remove_file(data.join("vault").join(name));
        let from = snapshot.path().join(name);
        if from.exists() {
            std::fs::copy(&from, data.join("vault").join(name)).unwrap();
        }
    }
    let err = Vault::open(data).unwrap_err();
    assert!(
        matches!(err, VaultError::RolledBack { checkpoint_seq, .. } if checkpoint_seq == checkpoint.seq),
        "{err:?}"
    );
    assert_eq!(err.code(), "vault.rolled_back");
}
