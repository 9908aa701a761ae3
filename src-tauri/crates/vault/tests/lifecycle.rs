//! Backup and restore, re-keying (including the states a crash can leave), retention, and the
//! candidate list.

use std::path::{Path, PathBuf};

use interview::{Action, InterviewEvent, InterviewState, UserFacing};
use vault::keys::credential;
use vault::{CandidateFilter, NewCandidate, Replacing, Vault, VaultError};

use super::{Fixture, HOUR, PASSWORD, raw};

const DAY: i64 = 24 * HOUR;

/// A vault with one answer of two media files; returns the fixture and the payloads.
fn with_media() -> (Fixture, Vec<(i64, Vec<u8>)>) {
    let mut f = Fixture::new();
    let (_, answer) = f.answer();
    let mut stored = Vec::new();
    for (kind, len) in [("audio", vault::media::CHUNK * 2 + 17), ("video", 999)] {
        let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
        let id = f.vault.store_media(&f.kiosk, answer, kind, &mut payload.as_slice()).unwrap();
        stored.push((id, payload));
    }
    (f, stored)
}

/// Every file under `dir`, with its bytes, for "nothing changed" comparisons.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(snapshot(&path));
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_backup_restores_on_a_new_machine_with_the_recovery_key() {
    let (mut f, stored) = with_media();
    let backup = f.data.join("backup.ikb");
    // Only administrators back up, and the refusal is audited.
    assert_eq!(f.vault.backup(&f.clerk, &backup).unwrap_err().code(), "auth.denied");
    let report = f.vault.backup(&f.admin, &backup).unwrap();
    assert_eq!(report.media_files, 2);
    assert_eq!(report.bytes, std::fs::metadata(&backup).unwrap().len());
    // Still encrypted: neither the database header nor the media payloads appear in clear.
    let bytes = std::fs::read(&backup).unwrap();
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
    assert!(!bytes.windows(64).any(|w| w == &stored[0].1[..64]));
    // Never overwrites.
    assert_eq!(f.vault.backup(&f.admin, &backup).unwrap_err().code(), "vault.target_exists");
    let status = f.vault.status().unwrap();

    // A new machine: no credential, another data directory.
    let other = tempfile::tempdir().unwrap();
    credential::delete(f.vault.vault_id()).unwrap();
    let err = Vault::restore_with_clock(other.path(), &backup, None, None, f.clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "vault.recovery_key_required");
    let wrong = vault::RecoveryKey::random();
    let err = Vault::restore_with_clock(other.path(), &backup, Some(&wrong), None, f.clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "vault.wrong_recovery_key");
    assert!(snapshot(other.path()).is_empty(), "a refused restore left files behind");

    let (mut restored, restore) =
        Vault::restore_with_clock(other.path(), &backup, Some(&f.recovery), None, f.clock.boxed()).unwrap();
    assert_eq!(restore.media_files, 2);
    assert_eq!(restore.replaced_vault, None);
    let after = restored.status().unwrap();
    assert_eq!((after.users, after.candidates, after.media_files), (status.users, status.candidates, 2));
    // Sessions from the old machine ended; people sign in again.
    assert_eq!(restored.authorize(&f.clerk, Action::ViewInterviews).unwrap_err().code(), "auth.session_expired");
    let clerk = restored.login("clerk", PASSWORD, "desk-9").unwrap();
    for (id, payload) in &stored {
        let mut out = Vec::new();
        restored.read_media(&clerk, *id, &mut out).unwrap();
        assert_eq!(&out, payload);
    }
    let auditor = restored.login("auditor", PASSWORD, "desk-9").unwrap();
    let check = restored.check(&auditor).unwrap();
    assert_eq!((check.media_files, check.orphan_files), (2, 0));
    // The key is in this machine's credential store now: a plain open works.
    drop(restored);
    Vault::open_with_clock(other.path(), f.clock.boxed()).unwrap();
}

/// The attack pass moved the vault out of the way and restored an old backup with the key in
/// the credential store: revoked tokens back, lockouts and audit history gone. Where there is no
/// vault, only the backup's recovery key lets a restore through.
#[test]
fn a_vault_moved_away_cannot_be_rolled_back_with_the_credential_store_alone() {
    let (mut f, _) = with_media();
    let backup = f.data.join("backup.ikb");
    f.vault.backup(&f.admin, &backup).unwrap();
    f.named_candidate(1, "李四", None);
    let Fixture { vault, data, clock, recovery, .. } = f;
    drop(vault);
    let moved = data.join("elsewhere");
    std::fs::rename(data.join("vault"), &moved).unwrap();
    let err = Vault::restore_with_clock(&data, &backup, None, None, clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "vault.recovery_key_required");
    assert!(!data.join("vault").exists(), "a refused restore put a vault in place");
    assert!(
        data.read_dir().unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with(".vault.restoring")),
        "a refused restore left a staging directory"
    );
    // With the recovery key it is the agency's own restore, and the restored vault records it.
    let (mut restored, _) = Vault::restore_with_clock(&data, &backup, Some(&recovery), None, clock.boxed()).unwrap();
    let admin = restored.login("admin", PASSWORD, "desk").unwrap();
    let log = restored.audit_log(&admin, None, 1000).unwrap();
    assert!(log.iter().any(|r| r.action == "vault.restore"), "the restore is not in the restored vault's log");
}

#[test]
fn restoring_over_a_vault_needs_replace_and_keeps_the_old_one_aside() {
    let (mut f, _) = with_media();
    let backup = f.data.join("backup.ikb");
    f.vault.backup(&f.admin, &backup).unwrap();
    f.named_candidate(1, "李四", None);
    let before = snapshot(&f.data.join("vault"));
    let err = Vault::restore_with_clock(&f.data, &backup, None, None, f.clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "vault.already_exists");
    assert_eq!(snapshot(&f.data.join("vault")), before);

    let Fixture { vault, data, clock, .. } = f;
    drop(vault);
    // The attack pass rolled the vault back with no credential of it. Now an administrator of
    // the vault being replaced must sign in: a wrong password or a clerk changes nothing.
    let as_ = |username, password| Some(Replacing { username, password });
    let err =
        Vault::restore_with_clock(&data, &backup, None, as_("admin", "wrong password!!"), clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "auth.bad_credentials", "{err:?}");
    let err = Vault::restore_with_clock(&data, &backup, None, as_("clerk", PASSWORD), clock.boxed()).unwrap_err();
    assert_eq!(err.code(), "auth.denied", "{err:?}");
    let aside =
        |data: &Path| data.read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains("replaced"));
    assert!(!aside(&data), "a refused restore moves nothing aside");
    assert_eq!(
        Vault::open_with_clock(&data, clock.boxed()).unwrap().status().unwrap().candidates,
        2,
        "nor rolls anything back"
    );
    let (restored, report) =
        Vault::restore_with_clock(&data, &backup, None, as_("admin", PASSWORD), clock.boxed()).unwrap();
    assert_eq!(restored.status().unwrap().candidates, 1, "the candidate added after the backup is not in it");
    let aside = report.replaced_vault.unwrap();
    assert!(aside.file_name().unwrap().to_string_lossy().starts_with("vault.replaced-"));
    assert!(aside.join("vault.db").is_file(), "the replaced vault must be kept");
}

#[test]
fn a_damaged_backup_is_refused_and_changes_nothing() {
    let (mut f, _) = with_media();
    let backup = f.data.join("backup.ikb");
    f.vault.backup(&f.admin, &backup).unwrap();
    let original = std::fs::read(&backup).unwrap();
    let target = tempfile::tempdir().unwrap();
    let manifest_len = u32::from_be_bytes(original[12..16].try_into().unwrap()) as usize;
    let body = 16 + manifest_len;
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    for (what, offset) in [
        ("magic", 0),
        ("format", 11),
        ("manifest", 20),
        ("first file", body + 3),
        ("database", original.len() / 2),
        ("last media file", original.len() - 40),
        ("trailer", original.len() - 1),
    ] {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x20;
        cases.push((what, bytes));
    }
    cases.push(("truncated", original[..original.len() - 100].to_vec()));
    cases.push(("extended", [original.as_slice(), b"x"].concat()));
    cases.push(("empty", Vec::new()));
    let damaged = target.path().join("damaged.ikb");
    for (what, bytes) in cases {
        std::fs::write(&damaged, &bytes).unwrap();
        let data = target.path().join("data");
        let err = Vault::restore_with_clock(&data, &damaged, Some(&f.recovery), None, f.clock.boxed()).unwrap_err();
        assert_eq!(err.code(), "vault.backup_damaged", "{what}: {err:?}");
        assert!(err.user_message().en.contains("damaged.ikb"), "{what}");
        assert!(snapshot(&data).is_empty(), "{what}: files were left behind");
    }
}

#[test]
fn rekey_replaces_both_keys_and_keeps_everything_readable() {
    let (mut f, stored) = with_media();
    let old_key = f.key();
    let media_key = |conn: &rusqlite::Connection| -> String {
        conn.query_row("SELECT value FROM settings WHERE key = 'media_key'", [], |r| r.get(0)).unwrap()
    };
    let wrapped = |conn: &rusqlite::Connection| -> Vec<Vec<u8>> {
        conn.prepare("SELECT wrapped_key FROM media ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let (old_media_key, old_wrapped) = {
        let conn = raw(&f.db_path(), &old_key);
        (media_key(&conn), wrapped(&conn))
    };
    // A migration's copy of the database, under the old key.
    let copy = f.data.join("vault/vault.db.before-v11");
    std::fs::copy(f.db_path(), &copy).unwrap();
    assert_eq!(f.vault.rekey(&f.clerk).unwrap_err().code(), "auth.denied");
    let new_recovery = f.vault.rekey(&f.admin).unwrap();
    let new_key = f.key();
    assert_ne!(new_key, old_key);
    // No key of the old database is left in the new one (the recordings' keys are wrapped
    // again under a new media key), and no copy under the old key is left beside it.
    {
        let conn = raw(&f.db_path(), &new_key);
        assert_ne!(media_key(&conn), old_media_key);
        let now = wrapped(&conn);
        assert!(now.len() == old_wrapped.len() && now.iter().zip(&old_wrapped).all(|(a, b)| a != b));
    }
    assert!(!copy.exists(), "the migration's copy under the old key outlived the re-key");
    let db = f.db_path();
    assert!(raw(&db, &old_key).query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0)).is_err());
    let conn = raw(&db, &new_key);
    let last: String =
        conn.query_row("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(last, "vault.rekey");
    drop(conn);
    // Sessions survive (same database), media still decrypt, everything checks.
    let mut out = Vec::new();
    f.vault.read_media(&f.clerk, stored[0].0, &mut out).unwrap();
    assert_eq!(out, stored[0].1);
    f.vault.check(&f.auditor).unwrap();
    assert!(!f.data.join("vault/vault.db.next").exists() && !f.data.join("vault/vault.json.next").exists());

    let Fixture { vault, data, clock, recovery: old_recovery, .. } = f;
    let vault_id = vault.vault_id().to_owned();
    drop(vault);
    Vault::open_with_clock(&data, clock.boxed()).unwrap();
    credential::delete(&vault_id).unwrap();
    assert_eq!(Vault::recover(&data, &old_recovery).unwrap_err().code(), "vault.wrong_recovery_key");
    Vault::recover(&data, &new_recovery).unwrap();
}

/// Sets the credential entry a re-key in progress uses (as the crash left it).
fn set_pending(vault_id: &str, key: &vault::keys::SecretKey) {
    keyring_core::Entry::new(vault::keys::KEYRING_SERVICE, &format!("vault-{vault_id}-next"))
        .unwrap()
        .set_secret(key.expose())
        .unwrap();
}

fn pending_exists(vault_id: &str) -> bool {
    keyring_core::Entry::new(vault::keys::KEYRING_SERVICE, &format!("vault-{vault_id}-next"))
        .unwrap()
        .get_secret()
        .is_ok()
}

/// The two states a crash in the middle of a re-key can leave, rebuilt from the files before
/// and after a real re-key: before the commit point the re-key is undone, after it finished.
#[test]
fn an_interrupted_rekey_is_undone_or_finished_at_the_next_open() {
    let (f, _) = with_media();
    let Fixture { vault, data, clock, .. } = f;
    let vault_id = vault.vault_id().to_owned();
    vault.close().unwrap();
    let dir = data.join("vault");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let key = || credential::load(&vault_id).unwrap();
    let (old_db, old_header, old_checkpoint, old_key) =
        (read("vault.db"), read("vault.json"), read("checkpoint.json"), key());
    let mut vault = Vault::open_with_clock(&data, clock.boxed()).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    vault.rekey(&admin).unwrap();
    vault.close().unwrap();
    let (new_db, new_header, new_key) = (read("vault.db"), read("vault.json"), key());
    let open = || Vault::open_with_clock(&data, clock.boxed());

    // Crashed before the commit point: old files in place, the new ones beside them.
    std::fs::write(dir.join("vault.db"), &old_db).unwrap();
    std::fs::write(dir.join("vault.json"), &old_header).unwrap();
    std::fs::write(dir.join("vault.db.next"), &new_db).unwrap();
    std::fs::write(dir.join("vault.json.next"), &new_header).unwrap();
    credential::store(&vault_id, &old_key).unwrap();
    set_pending(&vault_id, &new_key);
    std::fs::write(dir.join("checkpoint.json"), &old_checkpoint).unwrap();
    open().unwrap();
    assert!(!dir.join("vault.db.next").exists() && !dir.join("vault.json.next").exists());
    assert_eq!(read("vault.json"), old_header);
    assert_eq!(credential::load(&vault_id).unwrap(), old_key);
    assert!(!pending_exists(&vault_id));

    // Crashed after the commit point: the new database in place, header and key not yet.
    std::fs::write(dir.join("vault.db"), &new_db).unwrap();
    std::fs::write(dir.join("vault.json.next"), &new_header).unwrap();
    set_pending(&vault_id, &new_key);
    let mut vault = open().unwrap();
    assert_eq!(read("vault.json"), new_header);
    assert!(!dir.join("vault.json.next").exists());
    assert_eq!(credential::load(&vault_id).unwrap(), new_key);
    assert!(!pending_exists(&vault_id));
    let auditor = vault.login("auditor", PASSWORD, "desk").unwrap();
    vault.check(&auditor).unwrap();
    drop(vault);

    // Crashed after the header's rename, before the new key became the main entry: no file is
    // left to say so, only the pending key (the crash test's "the key does not open the
    // database" at the next open).
    credential::store(&vault_id, &old_key).unwrap();
    set_pending(&vault_id, &new_key);
    let mut vault = open().unwrap();
    assert_eq!(credential::load(&vault_id).unwrap(), new_key);
    assert!(!pending_exists(&vault_id));
    let auditor = vault.login("auditor", PASSWORD, "desk").unwrap();
    vault.check(&auditor).unwrap();

    // Neither key opens it: refused, nothing touched.
    std::fs::write(dir.join("vault.db.next"), &new_db).unwrap();
    drop(vault);
    credential::store(&vault_id, &vault::keys::SecretKey::random()).unwrap();
    let before = snapshot(&dir);
    assert_eq!(open().unwrap_err().code(), "vault.wrong_key");
    assert_eq!(snapshot(&dir), before);
}

/// The recognition models are int8 until an administrator chooses otherwise; the choice is
/// refused to a clerk, audited, and survives the vault being closed and opened again.
#[test]
fn the_choice_of_recognition_models_is_an_audited_administrators_setting() {
    use interview::RecognitionModels;
    let mut f = Fixture::new();
    assert_eq!(f.vault.recognition_models().unwrap(), RecognitionModels::Int8);
    assert_eq!(f.vault.set_recognition_models(&f.clerk, RecognitionModels::Float).unwrap_err().code(), "auth.denied");
    assert_eq!(f.vault.recognition_models().unwrap(), RecognitionModels::Int8);
    f.vault.set_recognition_models(&f.admin, RecognitionModels::Float).unwrap();
    assert_eq!(f.vault.recognition_models().unwrap(), RecognitionModels::Float);
    let log = f.vault.audit_log(&f.admin, Some("settings:"), 10).unwrap();
    let entry = log.iter().find(|r| r.action == "settings.recognition_models").expect("the change is not audited");
    assert_eq!((entry.object.as_str(), entry.outcome.as_str()), ("settings:recognition_models=float", "ok"));
    let data = f.data.clone();
    drop(f.vault);
    assert_eq!(vault::Vault::open(&data).unwrap().recognition_models().unwrap(), RecognitionModels::Float);
}

#[test]
fn retention_purges_personal_data_after_the_period_and_records_it() {
    let (mut f, stored) = with_media();
    assert_eq!(f.vault.retention_days().unwrap(), vault::DEFAULT_RETENTION_DAYS);
    assert_eq!(f.vault.set_retention_days(&f.admin, 7).unwrap_err().code(), "vault.retention_out_of_range");
    assert_eq!(f.vault.set_retention_days(&f.clerk, 90).unwrap_err().code(), "auth.denied");
    f.vault.set_retention_days(&f.admin, 90).unwrap();
    // Interview 1 (with the media) goes all the way to a decision.
    f.vault.finish_answer(&f.kiosk, 1, true).unwrap();
    f.vault.advance_interview(&f.kiosk, 1, InterviewEvent::Finish).unwrap();
    f.vault.advance_interview(&f.clerk, 1, InterviewEvent::Score).unwrap();
    f.vault.advance_interview(&f.clerk, 1, InterviewEvent::Review).unwrap();
    // A second candidate never came; a third checked in and left before the first question.
    let now = f.clock.now();
    let absent = f.named_candidate(1, "王五", None);
    f.vault.issue_invitation(&f.clerk, absent, now, now + DAY).unwrap();
    let abandoned = f.named_candidate(1, "赵六", None);
    let (_, code) = f.vault.issue_invitation(&f.clerk, abandoned, now, now + DAY).unwrap();
    f.vault.check_in(&f.kiosk, &code, None).unwrap();

    // Within the period nothing goes.
    f.clock.advance(89 * DAY);
    let clerk = f.vault.login("clerk", PASSWORD, "desk-2").unwrap();
    let admin = f.vault.login("admin", PASSWORD, "desk-1").unwrap();
    assert_eq!(f.vault.purge_expired(&clerk).unwrap_err().code(), "auth.denied");
    let report = f.vault.purge_expired(&admin).unwrap();
    assert_eq!(report.candidates, 0);
    let media_dir = f.data.join("vault/media");
    let files = || std::fs::read_dir(&media_dir).unwrap().count();
    assert_eq!(files(), 2);

    // A fourth is checked in now, in the middle of an interview.
    f.clerk = f.vault.login("clerk", PASSWORD, "desk-2").unwrap();
    let (clerk, kiosk) = (f.clerk.clone(), f.vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap());
    let busy = f.named_candidate(1, "孙七", None);
    let now = f.clock.now();
    let (busy_interview, code) = f.vault.issue_invitation(&clerk, busy, now, now + DAY).unwrap();
    f.vault.check_in(&kiosk, &code, None).unwrap();

    f.clock.advance(3 * DAY);
    let report = f.vault.run_retention_job().unwrap();
    assert_eq!((report.candidates, report.interviews, report.media_files), (3, 3, 2));
    assert_eq!(report.media_bytes, stored.iter().map(|(_, p)| p.len() as i64).sum::<i64>());
    assert_eq!(files(), 0, "purged recordings must be deleted");
    let clerk = f.vault.login("clerk", PASSWORD, "desk-2").unwrap();
    let mut sink = Vec::new();
    assert_eq!(f.vault.read_media(&clerk, stored[0].0, &mut sink).unwrap_err().code(), "vault.no_such_object");

    let conn = raw(&f.db_path(), &f.key());
    let names: Vec<(i64, String, Option<String>, bool)> = conn
        .prepare("SELECT id, name, id_last4, purged_at IS NOT NULL FROM candidates ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names,
        [
            (1, String::new(), None, true),
            (absent, String::new(), None, true),
            (abandoned, String::new(), None, true),
            (busy, "孙七".into(), None, false)
        ]
    );
    let shredded: i64 =
        conn.query_row("SELECT COUNT(*) FROM media WHERE length(wrapped_key) = 0", [], |r| r.get(0)).unwrap();
    assert_eq!(shredded, 2);
    let (runs, ids): (i64, String) = conn
        .query_row(
            "SELECT COUNT(*), (SELECT candidate_ids FROM retention_runs ORDER BY id DESC LIMIT 1) FROM retention_runs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((runs, ids.as_str()), (2, format!("[1,{absent},{abandoned}]").as_str()));
    let purges: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_log WHERE action = 'candidate.purge' AND actor = 'system'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(purges, 3);
    // The interview in progress is untouched, and the vault checks clean.
    let state: String =
        conn.query_row("SELECT state FROM interviews WHERE id = ?1", [busy_interview], |r| r.get(0)).unwrap();
    assert_eq!(state, "checked_in");
    let auditor = f.vault.login("auditor", PASSWORD, "desk-3").unwrap();
    let check = f.vault.check(&auditor).unwrap();
    assert_eq!((check.media_files, check.orphan_files), (0, 0));
    assert_eq!(f.vault.run_retention_job().unwrap().candidates, 0);
}

#[test]
fn orphaned_media_files_are_reported_and_removed_after_a_day() {
    let (mut f, _) = with_media();
    let orphan = f.data.join("vault/media/00000000000000000000000000000000.ikm");
    std::fs::write(&orphan, b"left by a crash").unwrap();
    assert_eq!(f.vault.check(&f.auditor).unwrap().orphan_files, 1);
    // The test clock is ahead of the file's real modification time by far more than a day.
    assert_eq!(f.vault.run_retention_job().unwrap().orphan_files, 1);
    assert!(!orphan.exists());
    assert_eq!(f.vault.check(&f.auditor).unwrap().media_files, 2);
}

#[test]
fn the_candidate_list_filters_sorts_and_pages() {
    let mut f = Fixture::new();
    let job_a = f.job();
    let job_b = f.job();
    let names = ["王芳", "王伟", "李娜", "王磊", "张敏", "王静", "Alice", "Bob"];
    for (i, name) in names.iter().enumerate() {
        let id = f.named_candidate(if i % 2 == 0 { job_a } else { job_b }, name, None);
        if name.starts_with('王') {
            let now = f.clock.now();
            f.vault.issue_invitation(&f.clerk, id, now, now + DAY).unwrap();
        }
    }
    let list = |f: &mut Fixture, filter: CandidateFilter| -> Vec<String> {
        f.vault.list_candidates(&f.clerk, &filter).unwrap().rows.into_iter().map(|r| r.name).collect()
    };
    let all = list(&mut f, CandidateFilter { limit: 50, ..Default::default() });
    let mut sorted = names.map(String::from).to_vec();
    sorted.sort();
    assert_eq!(all, sorted);
    let wang = list(&mut f, CandidateFilter { name_prefix: Some("王".into()), limit: 50, ..Default::default() });
    assert_eq!(wang, ["王伟", "王磊", "王芳", "王静"]);
    let wang_a = list(
        &mut f,
        CandidateFilter { name_prefix: Some("王".into()), job_id: Some(job_a), limit: 50, ..Default::default() },
    );
    assert_eq!(wang_a, ["王芳"]);
    let invited =
        list(&mut f, CandidateFilter { state: Some(InterviewState::Invited), limit: 50, ..Default::default() });
    assert_eq!(invited, wang);
    let page =
        f.vault.list_candidates(&f.clerk, &CandidateFilter { limit: 3, offset: 3, ..Default::default() }).unwrap();
    assert!(page.has_more);
    assert_eq!(page.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), &sorted[3..6]);
    let last =
        f.vault.list_candidates(&f.clerk, &CandidateFilter { limit: 3, offset: 6, ..Default::default() }).unwrap();
    assert!(!last.has_more);
    assert_eq!(last.rows.len(), 2);
    let err = f.vault.list_candidates(&f.kiosk, &CandidateFilter::default()).unwrap_err();
    assert!(matches!(err, VaultError::Denied { .. }));
}

#[test]
fn scoring_is_recorded_with_its_versions_and_rescoring_supersedes() {
    use vault::{NewFlag, NewScore, NewTranscript, ScoringRecord};
    let (mut f, stored) = with_media();
    f.vault.finish_answer(&f.kiosk, 1, true).unwrap();
    let (job, answers) = f.vault.interview_answers(&f.clerk, 1).unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].audio_media, [stored[0].0], "only audio media, in order");
    assert_eq!(answers[0].rubric_version, 1);
    let info = f.vault.job(&f.clerk, job).unwrap();
    assert_eq!(info.dimensions.len(), 3);
    let record = |level: f64| ScoringRecord {
        model_versions: "whisper-base-encoder base (converted, v1); silero-vad 5".into(),
        transcripts: vec![NewTranscript {
            answer_id: 1,
            language: interview::Lang::ZhCn,
            lines: Vec::new(),
            delivery: None,
        }],
        scores: vec![
            NewScore {
                answer_id: Some(1),
                dimension: Some("应急处理".into()),
                level: Some(level),
                total: None,
                band: None,
                evidence_json: super::stored_score("应急处理", level as f32),
                rubric_version: Some(1),
            },
            NewScore {
                answer_id: None,
                dimension: None,
                level: None,
                total: Some(55.0),
                band: Some(interview::Band::NotRecommended),
                evidence_json: "{}".into(),
                rubric_version: None,
            },
        ],
        flags: vec![NewFlag {
            answer_id: Some(1),
            kind: interview::FlagKind::LongSilence,
            start_ms: Some(1000),
            end_ms: Some(12_000),
            detail_json: "{}".into(),
        }],
    };
    // Not before the interview is completed.
    assert_eq!(f.vault.record_scoring(1, &record(3.0)).unwrap_err().code(), "rules.transition");
    f.vault.advance_interview(&f.kiosk, 1, InterviewEvent::Finish).unwrap();
    let mut bad = record(3.0);
    bad.scores[0].dimension = Some("no such dimension".into());
    let before = audit_entries(&f);
    assert!(f.vault.record_scoring(1, &bad).is_err());
    assert_eq!(audit_entries(&f), before, "a refused record changed something");
    f.vault.record_scoring(1, &record(3.0)).unwrap();
    assert_eq!(f.vault.rescore(&f.kiosk, 1, &record(4.0)).unwrap_err().code(), "auth.denied");
    f.vault.rescore(&f.clerk, 1, &record(4.0)).unwrap();
    let conn = raw(&f.db_path(), &f.key());
    let (live, superseded, state): (i64, i64, String) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM scores WHERE superseded_at IS NULL),
                    (SELECT COUNT(*) FROM scores WHERE superseded_at IS NOT NULL),
                    (SELECT state FROM interviews WHERE id = 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((live, superseded, state.as_str()), (2, 2, "scored"));
    let actions: Vec<(String, String)> = conn
        .prepare("SELECT action, actor FROM audit_log WHERE action = 'interview.score' ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actions, [("interview.score".into(), "system".into()), ("interview.score".into(), "clerk".into())]);
}

fn audit_entries(f: &Fixture) -> i64 {
    f.vault.status().unwrap().audit_entries
}

#[test]
fn the_scoring_queue_is_durable_ordered_resumable_and_gives_up_after_retries() {
    use vault::{NewScore, ScoringRecord};
    let (mut f, _) = with_media();
    assert_eq!(f.vault.next_scoring_job().unwrap(), None, "nothing is queued before an answer is committed");
    f.vault.finish_answer(&f.kiosk, 1, true).unwrap();
    f.vault.advance_interview(&f.kiosk, 1, InterviewEvent::Finish).unwrap();
    assert_eq!(f.vault.scoring_queue_counts().unwrap(), (2, 0));

    // The answer comes first; the total waits for it.
    let answer_job = f.vault.next_scoring_job().unwrap().unwrap();
    assert_eq!((answer_job.answer_id, answer_job.attempts), (Some(1), 1));
    assert_eq!(f.vault.next_scoring_job().unwrap(), None, "the total must wait for its answers");

    // The process stops while the job runs: the queue survives a reopen and takes it up again.
    let Fixture { vault, data, clock, .. } = f;
    drop(vault);
    let mut vault = Vault::open_with_clock(&data, clock.boxed()).unwrap();
    assert_eq!(vault.resume_scoring_jobs().unwrap(), 1);
    let again = vault.next_scoring_job().unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (answer_job.id, 2));

    let level = |answer_id: Option<i64>, dimension: Option<&str>, level: Option<f64>| NewScore {
        answer_id,
        dimension: dimension.map(Into::into),
        level,
        total: None,
        band: None,
        evidence_json: "{}".into(),
        rubric_version: Some(1),
    };
    let record = |scores| ScoringRecord { model_versions: "m".into(), transcripts: vec![], scores, flags: vec![] };
    vault.record_answer_scoring(&again, &record(vec![level(Some(1), Some("应急处理"), Some(4.0))])).unwrap();
    assert_eq!(vault.answer_levels(1).unwrap(), [("应急处理".to_owned(), 4.0)]);

    // Now the total; it fails twice and is retried, the third failure leaves it failed.
    for attempt in 1..=vault::MAX_ATTEMPTS {
        let total = vault.next_scoring_job().unwrap().unwrap();
        assert_eq!((total.answer_id, total.attempts), (None, attempt));
        vault.fail_scoring_job(&total, "scoring.model").unwrap();
    }
    assert_eq!(vault.next_scoring_job().unwrap(), None);
    assert_eq!(vault.scoring_queue_counts().unwrap(), (0, 1));
    let conn = raw(&data.join("vault/vault.db"), &credential::load(vault.vault_id()).unwrap());
    let state: String = conn.query_row("SELECT state FROM interviews WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "completed", "a failed scoring leaves the interview as it was");
    let failures: i64 =
        conn.query_row("SELECT COUNT(*) FROM audit_log WHERE action = 'score.failed'", [], |r| r.get(0)).unwrap();
    assert_eq!(failures, 3);

    // A complete scoring (e.g. `score --interview`) closes what is left of the queue.
    vault.record_scoring(1, &record(vec![level(None, None, None)])).unwrap();
    assert_eq!(vault.scoring_queue_counts().unwrap(), (0, 0));
}

/// A retake replaces the earlier attempt: the earlier attempt's waiting scoring job is closed as
/// superseded, and only the retake is scored (found by the kiosk's first end-to-end retake).
#[test]
fn a_retake_supersedes_the_earlier_attempts_scoring_job() {
    let (mut f, _) = with_media();
    f.vault.finish_answer(&f.kiosk, 1, true).unwrap();
    let (interview, question) = (1, 1);
    let retake = f.vault.begin_answer(&f.kiosk, interview, question, false).unwrap();
    f.vault.finish_answer(&f.kiosk, retake, true).unwrap();
    assert_eq!(f.vault.scoring_queue_counts().unwrap(), (1, 0), "only the retake waits");
    let job = f.vault.next_scoring_job().unwrap().unwrap();
    assert_eq!(job.answer_id, Some(retake));
    let (_, answer) = f.vault.job_answer(&job).unwrap();
    assert_eq!(answer.answer_id, retake);
    let conn = raw(&f.db_path(), &f.key());
    let superseded: (String, String) = conn
        .query_row("SELECT state, error_code FROM scoring_jobs WHERE answer_id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(superseded, ("done".to_owned(), "superseded".to_owned()));
}

#[test]
fn an_import_is_one_transaction_with_an_audit_entry_per_candidate() {
    use vault::NewCandidate;
    let mut f = Fixture::new();
    let job = f.job();
    let existing = f.candidate(job); // 11010519491231002X
    let new = |name: &str, id: Option<&str>| NewCandidate {
        job_id: job,
        name: name.into(),
        id_number: id.map(Into::into),
        phone: Some("13800000000".into()),
        email: None,
        group: Some("2026-spring".into()),
    };
    let lookup = f.vault.id_lookup(&f.clerk, job).unwrap();
    assert!(lookup.contains(" 11010519491231002x "), "normalised like the vault stores it");
    assert!(!lookup.contains("110101199003070000"));
    assert_eq!(f.vault.id_lookup(&f.kiosk, job).unwrap_err().code(), "auth.denied");

    // One row collides with the candidate already in the job: nothing of the batch is written.
    let before = f.vault.status().unwrap();
    let batch = [new("甲", None), new("乙", Some("11010519491231002X")), new("丙", None)];
    assert!(f.vault.import_candidates(&f.clerk, job, &batch).is_err());
    let after = f.vault.status().unwrap();
    assert_eq!((after.candidates, after.audit_entries), (before.candidates, before.audit_entries));

    let ids = f.vault.import_candidates(&f.clerk, job, &[new("甲", None), new("丙", None)]).unwrap();
    assert_eq!(ids, [existing + 1, existing + 2]);
    let conn = raw(&f.db_path(), &f.key());
    let (groups, creates, imports): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM candidates WHERE group_label = '2026-spring'),
                    (SELECT COUNT(*) FROM audit_log WHERE action = 'candidate.create'),
                    (SELECT COUNT(*) FROM audit_log WHERE action = 'candidate.import')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((groups, creates, imports), (2, 3, 1));
    f.vault.check(&f.auditor).unwrap();
}

/// The attack pass: 1,200 random tokens wrote 2,500 audit rows. Unknown tokens from one address
/// now leave one entry a minute, and the rest of that minute is counted into one entry (written
/// when the minute ends, or when the vault closes); another address gets entries of its own.
#[test]
fn repeated_unknown_tokens_are_counted_not_written_one_by_one() {
    let mut f = Fixture::new();
    let guess = |f: &mut Fixture, i: usize, from: &str| {
        let refused = f.vault.authenticate_api_token(&format!("ikt_guess{i}"), "results:read", from).unwrap_err();
        assert_eq!(refused.code(), "api.token_refused");
    };
    for i in 0..50 {
        guess(&mut f, i, "10.0.0.9");
    }
    guess(&mut f, 50, "10.0.0.7");
    let refusals = |f: &mut Fixture| -> Vec<(String, String)> {
        let log = f.vault.audit_log(&f.auditor, Some("api_token:?"), 100).unwrap();
        log.into_iter().rev().map(|r| (r.object, r.device)).collect()
    };
    assert_eq!(
        refusals(&mut f),
        [("api_token:?".to_owned(), "10.0.0.9".to_owned()), ("api_token:?".to_owned(), "10.0.0.7".to_owned())]
    );
    // A minute later: the count of the first minute, then a new minute's first entry.
    f.clock.advance(61_000);
    guess(&mut f, 51, "10.0.0.9");
    guess(&mut f, 52, "10.0.0.9");
    let now = refusals(&mut f);
    assert_eq!(
        now[2..],
        [
            ("api_token:?/repeated:49".to_owned(), "10.0.0.9".to_owned()),
            ("api_token:?".to_owned(), "10.0.0.9".to_owned())
        ]
    );
    // Closing the vault writes the count of the minute still open.
    let (db, key) = (f.db_path(), f.key());
    let Fixture { vault, .. } = f;
    drop(vault);
    let conn = raw(&db, &key);
    let last: String =
        conn.query_row("SELECT object FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(last, "api_token:?/repeated:1");
}

#[test]
fn api_tokens_are_shown_once_scoped_expiring_revocable_and_every_check_is_audited() {
    let mut f = Fixture::new();
    let scopes = vec!["candidates:read".to_owned(), "results:read".to_owned()];
    assert_eq!(f.vault.create_api_token(&f.clerk, "HRMS", &scopes, 90).unwrap_err().code(), "auth.denied");
    assert_eq!(
        f.vault.create_api_token(&f.admin, "HRMS", &["root".into()], 90).unwrap_err().code(),
        "api.unknown_scope"
    );
    assert_eq!(f.vault.create_api_token(&f.admin, "HRMS", &scopes, 0).unwrap_err().code(), "api.bad_token_request");
    let (id, token) = f.vault.create_api_token(&f.admin, "HRMS", &scopes, 90).unwrap();
    assert!(token.starts_with("ikt_") && token.len() == 68);

    // The list never shows the secret; the database holds only its keyed hash.
    let list = f.vault.list_api_tokens(&f.admin).unwrap();
    assert_eq!((list[0].id, list[0].prefix.as_str()), (id, &token[..12]));
    let conn = raw(&f.db_path(), &f.key());
    let stored: Vec<u8> = conn.query_row("SELECT token_hash FROM api_tokens", [], |r| r.get(0)).unwrap();
    assert!(!stored.windows(16).any(|w| token.as_bytes().windows(16).any(|t| t == w)));

    let caller = f.vault.authenticate_api_token(&token, "results:read", "127.0.0.1").unwrap();
    assert_eq!(caller.name, "HRMS");
    for (presented, scope) in [(token.as_str(), "candidates:write"), ("ikt_guess", "results:read")] {
        assert_eq!(
            f.vault.authenticate_api_token(presented, scope, "127.0.0.1").unwrap_err().code(),
            "api.token_refused"
        );
    }
    f.clock.advance(91 * DAY);
    assert!(f.vault.authenticate_api_token(&token, "results:read", "127.0.0.1").is_err(), "expired");
    let admin = f.vault.login("admin", PASSWORD, "desk").unwrap();
    let (second, other) = f.vault.create_api_token(&admin, "ERP", &scopes, 30).unwrap();
    f.vault.revoke_api_token(&admin, second).unwrap();
    assert!(f.vault.authenticate_api_token(&other, "results:read", "127.0.0.1").is_err(), "revoked");

    let outcomes: Vec<(String, String)> = conn
        .prepare("SELECT action, outcome FROM audit_log WHERE action LIKE 'api.%' ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let outcomes: Vec<(&str, &str)> = outcomes.iter().map(|(a, o)| (a.as_str(), o.as_str())).collect();
    assert_eq!(
        outcomes,
        [
            ("api.results:read", "ok"),
            ("api.candidates:write", "denied"),
            ("api.results:read", "denied"),
            ("api.results:read", "denied"),
            ("api.results:read", "denied"),
        ]
    );
}

#[test]
fn api_calls_act_within_their_scopes_and_are_attributed_to_the_calling_system() {
    let mut f = Fixture::new();
    let job = f.job();
    let scopes: Vec<String> = ["candidates:read", "candidates:write", "interviews:read", "results:read"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (_, token) = f.vault.create_api_token(&f.admin, "HRMS", &scopes, 90).unwrap();
    let candidate =
        NewCandidate { job_id: job, name: "赵六".into(), id_number: None, phone: None, email: None, group: None };
    let id = f.vault.api_add_candidate(&token, "127.0.0.1", candidate, None).unwrap().value;
    let page = f
        .vault
        .api_list_candidates(
            &token,
            "127.0.0.1",
            &CandidateFilter { job_id: Some(job), limit: 50, ..Default::default() },
        )
        .unwrap();
    assert!(page.rows.iter().any(|r| r.id == id));
    // Not in its scopes: refused, nothing issued.
    let now = f.clock.now();
    let refused = f.vault.api_issue_invitation(&token, "127.0.0.1", id, now, now + HOUR, None).unwrap_err();
    assert_eq!(refused.code(), "api.token_refused");
    // A clerk issues the invitation; the system reads the interview's state and the results.
    let (interview, _) = f.vault.issue_invitation(&f.clerk, id, now, now + HOUR).unwrap();
    let status = f.vault.api_interview_status(&token, "127.0.0.1", interview).unwrap();
    assert_eq!((status.candidate_id, status.state.as_str()), (id, "invited"));
    assert_eq!(f.vault.api_interview_status(&token, "127.0.0.1", 9999).unwrap_err().code(), "vault.no_such_object");
    let results = f.vault.api_results(&token, "127.0.0.1", Some(job), 0, i64::MAX).unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!((results[0].interview_id, results[0].state.as_str(), results[0].total), (interview, "invited", None));

    let conn = raw(&f.db_path(), &f.key());
    let (actor, role): (String, String) = conn
        .query_row(
            "SELECT actor, role FROM audit_log WHERE action = 'candidate.create' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(actor, "api:HRMS");
    assert_eq!(role, "api");
    f.vault.check(&f.auditor).unwrap();
}

#[test]
fn an_api_session_may_do_only_what_its_scopes_grant_and_only_while_its_token_lives() {
    let mut f = Fixture::new();
    let (id, token) = f.vault.create_api_token(&f.admin, "HRMS", &["reports:read".to_owned()], 90).unwrap();
    // A token without reports:read gets no session for it.
    let (_, other) = f.vault.create_api_token(&f.admin, "ERP", &["results:read".to_owned()], 90).unwrap();
    assert_eq!(f.vault.api_session(&other, "reports:read", "127.0.0.1").unwrap_err().code(), "api.token_refused");

    let session = f.vault.api_session(&token, "reports:read", "127.0.0.1").unwrap();
    assert!(session.is_api());
    f.vault.authorize(&session, Action::ViewInterviews).unwrap();
    f.vault.authorize(&session, Action::ExportReports).unwrap();
    // Its role is nominal: nothing a clerk may do beyond the scope is granted.
    for action in [Action::RecordDecision, Action::RecordRating, Action::ManageQuestions, Action::ViewAudit] {
        assert_eq!(f.vault.authorize(&session, action).unwrap_err().code(), "api.token_refused", "{action:?}");
    }
    // Revoked while the call runs: the next check refuses.
    f.vault.revoke_api_token(&f.admin, id).unwrap();
    assert_eq!(f.vault.authorize(&session, Action::ViewInterviews).unwrap_err().code(), "api.token_refused");

    let conn = raw(&f.db_path(), &f.key());
    let denied: Vec<(String, String)> = conn
        .prepare("SELECT action, role FROM audit_log WHERE actor = 'api:HRMS' AND outcome = 'denied' ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(denied.len(), 5, "{denied:?}");
    assert!(denied.iter().all(|(_, role)| role == "api"));

    // Who made which TLS certificate for the API is on record; only an administrator makes one.
    assert_eq!(f.vault.record_tls_certificate(&f.clerk, "AB:CD").unwrap_err().code(), "auth.denied");
    f.vault.record_tls_certificate(&f.admin, "AB:CD").unwrap();
    let made: String = conn
        .query_row("SELECT actor FROM audit_log WHERE action = 'api.tls_certificate' AND outcome = 'ok'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(made, "admin");
    f.vault.check(&f.auditor).unwrap();
}

/// Group commit (the local API's worker): held entries are not in the database until flushed,
/// a change commits them first (the chain keeps the order of events), a change that fails keeps
/// them held, and closing the vault commits what is left. The chain verifies throughout.
#[test]
fn batched_audit_entries_are_committed_in_order_and_never_lost() {
    let mut f = Fixture::new();
    let job = f.job();
    let (_, token) = f.vault.create_api_token(&f.admin, "HRMS", &["interviews:read".to_owned()], 90).unwrap();
    let conn = raw(&f.db_path(), &f.key());
    let count = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT COUNT(*) FROM audit_log WHERE actor = 'api:HRMS' OR actor = 'api:?'", [], |r| r.get(0))
            .unwrap()
    };

    f.vault.set_audit_batching(true).unwrap();
    f.vault.authenticate_api_token(&token, "interviews:read", "127.0.0.1").unwrap();
    assert!(f.vault.authenticate_api_token("ikt_guess", "interviews:read", "127.0.0.1").is_err());
    assert_eq!(count(&conn), 0, "held, not yet committed");
    f.vault.flush_audit().unwrap();
    assert_eq!(count(&conn), 2);

    // A change commits what is held before its own entry.
    f.vault.authenticate_api_token(&token, "interviews:read", "127.0.0.1").unwrap();
    f.named_candidate(job, "王五", None);
    let last: Vec<String> = conn
        .prepare("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 2")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(last, ["candidate.create", "api.interviews:read"]);

    // A change that fails rolls back, and what was held stays held.
    f.vault.authenticate_api_token(&token, "interviews:read", "127.0.0.1").unwrap();
    let refused = f.vault.add_candidate(
        &f.clerk,
        NewCandidate { job_id: 9999, name: "无岗位".into(), id_number: None, phone: None, email: None, group: None },
    );
    assert!(refused.is_err());
    assert_eq!(count(&conn), 3);
    // Closing the vault commits it.
    let Fixture { vault, auditor, data, .. } = f;
    drop(vault);
    assert_eq!(count(&conn), 4);
    let mut vault = Vault::open(&data).unwrap();
    vault.check(&auditor).unwrap_or_else(|e| panic!("chain broken: {e}"));
}

/// What replaces the vault waits until it is this process's alone: while another handle (as
/// another process would) has it open, a re-key and a restore over it are refused with the
/// reason and change nothing; both handles go on working; once the other is closed, they run.
#[test]
fn rekey_and_restore_are_refused_while_another_process_has_the_vault_open() {
    let (mut f, _) = with_media();
    let backup = f.data.join("backup.ikb");
    f.vault.backup(&f.admin, &backup).unwrap();
    let mut other = Vault::open_with_clock(&f.data, f.clock.boxed()).unwrap();
    let key = f.key();
    let header = std::fs::read(f.data.join("vault/vault.json")).unwrap();

    let refused = f.vault.rekey(&f.admin).unwrap_err();
    assert_eq!(refused.code(), "vault.in_use", "{refused:?}");
    assert!(refused.user_message().en.contains("cannot be re-keyed"), "{}", refused.user_message().en);
    assert!(refused.user_message().en.contains("Nothing was changed"));
    let admin = Some(Replacing { username: "admin", password: PASSWORD });
    let refused = Vault::restore_with_clock(&f.data, &backup, None, admin, f.clock.boxed()).unwrap_err();
    assert_eq!(refused.code(), "vault.in_use", "{refused:?}");
    assert_eq!(f.key(), key);
    assert_eq!(std::fs::read(f.data.join("vault/vault.json")).unwrap(), header);
    assert!(!f.data.read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains("replaced")));
    // Both go on working on the same vault.
    let clerk = other.login("clerk", PASSWORD, "desk-9").unwrap();
    let job = f.job();
    other
        .add_candidate(
            &clerk,
            NewCandidate { job_id: job, name: "王五".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    f.named_candidate(job, "赵六", None);

    drop(other);
    f.vault.rekey(&f.admin).unwrap();
    f.vault.check(&f.auditor).unwrap();
}

/// Two handles (two processes) writing one vault at once: ids are taken inside the
/// transaction, so nothing collides, every write is there once, and the audit chain is whole.
#[test]
fn two_processes_writing_one_vault_never_collide() {
    let mut f = Fixture::new();
    let job = f.job();
    let mut other = Vault::open_with_clock(&f.data, f.clock.boxed()).unwrap();
    let other_clerk = other.login("clerk", PASSWORD, "desk-9").unwrap();
    const EACH: usize = 40;
    let add = |vault: &mut Vault, clerk: &vault::Session, who: &str| -> Vec<i64> {
        (0..EACH)
            .map(|i| {
                let c = NewCandidate {
                    job_id: job,
                    name: format!("{who}{i}"),
                    id_number: None,
                    phone: None,
                    email: None,
                    group: None,
                };
                vault.add_candidate(clerk, c).unwrap()
            })
            .collect()
    };
    let (mut mine, theirs) = std::thread::scope(|scope| {
        let theirs = scope.spawn(|| add(&mut other, &other_clerk, "乙"));
        let mine = add(&mut f.vault, &f.clerk, "甲");
        (mine, theirs.join().unwrap())
    });
    mine.extend(theirs);
    mine.sort_unstable();
    mine.dedup();
    assert_eq!(mine.len(), 2 * EACH, "an id was handed out twice");
    assert_eq!(f.vault.status().unwrap().candidates, 2 * EACH as i64);
    let report = f.vault.check(&f.auditor).unwrap();
    assert!(report.audit.entries > 2 * EACH as i64);
    drop(other);
    assert!(
        !f.data.join("vault").read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp")),
        "a temporary file was left behind"
    );
}

/// Two `vault init` at once on one data directory: one creates it, the other is told a vault
/// exists there (never that a key is wrong), and the vault opens with the winner's key.
#[test]
fn two_creations_at_once_make_one_vault() {
    super::mock_store();
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let results: Vec<Result<String, VaultError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        Vault::create(dir.path(), super::user("admin", interview::Role::Admin))
                            .map(|(v, _)| v.vault_id().to_owned())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let created: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(created.len(), 1, "{results:?}");
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(refused.code(), "vault.already_exists", "{refused:?}");
        assert_eq!(Vault::open(dir.path()).unwrap().vault_id(), created[0]);
    }
}

/// The recovery copy of the key is checked before it is needed: one changed character in
/// `vault.json` is found by `vault check`, a backup is refused (it would copy the damage), and
/// a re-key (a new recovery key) puts it right. Every other field of `vault.json` and
/// `checkpoint.json` damaged is named by its file.
#[test]
fn a_damaged_header_is_found_before_recovery_needs_it() {
    let f = Fixture::new();
    let header_path = f.data.join("vault/vault.json");
    let original = std::fs::read_to_string(&header_path).unwrap();
    let header: serde_json::Value = serde_json::from_str(&original).unwrap();
    let wrapped = header["recovery_wrapped_key"].as_str().unwrap().to_owned();
    let flipped = format!("{}{}", &wrapped[..10], if &wrapped[10..11] == "0" { "1" } else { "0" }) + &wrapped[11..];
    std::fs::write(&header_path, original.replace(&wrapped, &flipped)).unwrap();

    let Fixture { vault, data, clock, .. } = f;
    drop(vault);
    let mut vault = Vault::open_with_clock(&data, clock.boxed()).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk-1").unwrap();
    let err = vault.check(&admin).unwrap_err();
    assert_eq!(err.code(), "vault.recovery_copy_damaged", "{err:?}");
    assert!(err.user_message().en.contains("vault rekey"), "{}", err.user_message().en);
    let backup = data.join("backup.ikb");
    assert_eq!(vault.backup(&admin, &backup).unwrap_err().code(), "vault.recovery_copy_damaged");
    assert!(!backup.exists());
    let recovery = vault.rekey(&admin).unwrap();
    vault.check(&admin).unwrap();
    vault.backup(&admin, &backup).unwrap();
    let vault_id = vault.vault_id().to_owned();
    drop(vault);
    credential::delete(&vault_id).unwrap();
    Vault::recover(&data, &recovery).unwrap();

    // Each field: the error names the file it is in.
    let original = std::fs::read_to_string(&header_path).unwrap();
    let header: serde_json::Value = serde_json::from_str(&original).unwrap();
    for field in ["format", "vault_id", "created_at_ms", "checkpoint_public_key"] {
        let value = header[field].to_string();
        // The first digit or letter (never the `x` of a format name) becomes another one.
        let at = value.find(|c: char| c.is_ascii_alphanumeric() && c != 'x').unwrap();
        let other = if value[at..].starts_with('0') { "1" } else { "0" };
        let changed = format!("{}{other}{}", &value[..at], &value[at + 1..]);
        assert_ne!(value, changed, "{field}");
        std::fs::write(&header_path, original.replacen(&value, &changed, 1)).unwrap();
        let outcome = Vault::open_with_clock(&data, clock.boxed()).and_then(|mut v| {
            let admin = v.login("admin", PASSWORD, "desk-1")?;
            v.check(&admin).map(|_| ())
        });
        let err = outcome.unwrap_err();
        let said = err.user_message().en;
        assert!(said.contains("vault.json") || err.code() == "vault.key_missing", "{field}: {err:?} said {said:?}");
        std::fs::write(&header_path, &original).unwrap();
    }
    // checkpoint.json: unreadable, and each field changed; every time the file is named.
    let checkpoint = data.join("vault/checkpoint.json");
    let original = std::fs::read_to_string(&checkpoint).unwrap();
    let fields: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut damaged = vec![("syntax".to_owned(), original.replacen('"', "'", 1))];
    for field in ["seq", "head_hash", "at_ms", "signature"] {
        let mut copy = fields.clone();
        copy[field] = match &fields[field] {
            serde_json::Value::Number(n) => serde_json::json!(n.as_i64().unwrap() - 1),
            serde_json::Value::String(s) => {
                let flipped = if s.starts_with('0') { "1" } else { "0" };
                serde_json::json!(format!("{flipped}{}", &s[1..]))
            }
            other => panic!("{field}: {other}"),
        };
        damaged.push((field.to_owned(), serde_json::to_string_pretty(&copy).unwrap()));
    }
    for (what, text) in damaged {
        std::fs::write(&checkpoint, text).unwrap();
        let err = Vault::open_with_clock(&data, clock.boxed()).unwrap_err();
        assert!(err.user_message().en.contains("checkpoint.json"), "{what}: {err:?}");
        assert!(!err.user_message().en.contains("vault.json"), "{what}: {err:?}");
    }
    std::fs::write(&checkpoint, &original).unwrap();
    Vault::open_with_clock(&data, clock.boxed()).unwrap();
}

/// A retried creating call with its `Idempotency-Key` returns the first result and creates
/// nothing more (one candidate, one audit entry; the same interview and access code); the same
/// key with another request is refused; another system's key is its own; after a day the key
/// is free again.
#[test]
fn api_retries_with_an_idempotency_key_return_the_first_result() {
    let mut f = Fixture::new();
    let job = f.job();
    let scopes: Vec<String> = ["candidates:write", "invitations:write"].iter().map(|s| s.to_string()).collect();
    let (_, token) = f.vault.create_api_token(&f.admin, "HRMS", &scopes, 90).unwrap();
    let (_, other_token) = f.vault.create_api_token(&f.admin, "OA", &scopes, 90).unwrap();
    let candidate =
        || NewCandidate { job_id: job, name: "孙七".into(), id_number: None, phone: None, email: None, group: None };
    let key = |k: &str, request: &[u8]| vault::Idempotency {
        key: k.into(),
        request_sha256: sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), request)).into(),
    };
    let creates = |f: &Fixture| {
        raw(&f.db_path(), &f.key())
            .query_row("SELECT COUNT(*) FROM audit_log WHERE action = 'candidate.create'", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    let before = f.vault.status().unwrap().candidates;
    let k1 = key("retry-1", b"sun qi");
    let first = f.vault.api_add_candidate(&token, "10.0.0.9", candidate(), Some(&k1)).unwrap();
    assert!(!first.replayed);
    let audited = creates(&f);
    for _ in 0..3 {
        let again = f.vault.api_add_candidate(&token, "10.0.0.9", candidate(), Some(&k1)).unwrap();
        assert_eq!((again.value, again.replayed), (first.value, true));
    }
    assert_eq!(f.vault.status().unwrap().candidates, before + 1);
    assert_eq!(creates(&f), audited, "a replay wrote a second candidate.create");
    // The same key with another request: refused, nothing added.
    let other = key("retry-1", b"someone else");
    let refused = f.vault.api_add_candidate(&token, "10.0.0.9", candidate(), Some(&other)).unwrap_err();
    assert_eq!(refused.code(), "api.idempotency_key_reused");
    // Another system's key of the same name is its own.
    let theirs = f.vault.api_add_candidate(&other_token, "10.0.0.9", candidate(), Some(&k1)).unwrap();
    assert!(!theirs.replayed && theirs.value != first.value);

    // An invitation: the same interview and the same access code again.
    let now = f.clock.now();
    let ki = key("invite-1", b"invitation");
    let issued = f.vault.api_issue_invitation(&token, "10.0.0.9", first.value, now, now + HOUR, Some(&ki)).unwrap();
    let again = f.vault.api_issue_invitation(&token, "10.0.0.9", first.value, now, now + HOUR, Some(&ki)).unwrap();
    assert!(again.replayed);
    assert_eq!(again.value.0, issued.value.0);
    assert_eq!(again.value.1.as_str(), issued.value.1.as_str());
    // The code is not stored in clear.
    let stored: Vec<u8> = raw(&f.db_path(), &f.key())
        .query_row("SELECT response FROM api_idempotency WHERE key = 'invite-1'", [], |r| r.get(0))
        .unwrap();
    assert!(!stored.windows(4).any(|w| w == &issued.value.1.as_str().as_bytes()[..4]));

    // A day later the key is free again: a new candidate.
    f.clock.advance(vault::IDEMPOTENCY_WINDOW_MS + 1);
    let later = f.vault.api_add_candidate(&token, "10.0.0.9", candidate(), Some(&k1)).unwrap();
    assert!(!later.replayed && later.value != first.value);
    let auditor = f.vault.login("auditor", PASSWORD, "desk-3").unwrap();
    f.vault.check(&auditor).unwrap();
}
