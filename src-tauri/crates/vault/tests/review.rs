//! The clerk's and the auditor's workspaces: jobs and the question bank, the status board,
//! integrity flags, second raters, playback (audited), and re-authentication.

use interview::{Band, FlagKind, FlagStatus, InterviewEvent, Role, UserFacing};
use vault::{NewFlag, NewQuestion, NewScore, NewTranscript, ScoringRecord, VaultError};

use super::{Fixture, ID_LAST4, PASSWORD, audit_count, audit_outcomes, raw, user};

/// An interview with one committed answer (a video segment), scored, with one open flag.
fn scored(f: &mut Fixture) -> (i64, i64, i64) {
    let (interview, answer) = f.answer();
    let video = f.vault.store_media(&f.kiosk, answer, "video", &mut [1u8, 2, 3].as_slice()).unwrap();
    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    let record = ScoringRecord {
        model_versions: "test".into(),
        transcripts: vec![NewTranscript {
            answer_id: answer,
            language: interview::Lang::ZhCn,
            lines: vec![interview::stored::StoredLine {
                start_ms: 0,
                end_ms: 3000,
                text: "我会先安抚他".into(),
                avg_logprob: None,
                no_speech_prob: None,
            }],
            delivery: None,
        }],
        scores: vec![NewScore {
            answer_id: Some(answer),
            dimension: Some("应急处理".into()),
            level: Some(3.0),
            total: None,
            band: None,
            evidence_json: super::stored_score("应急处理", 3.0),
            rubric_version: Some(1),
        }],
        flags: vec![NewFlag {
            answer_id: Some(answer),
            kind: FlagKind::FaceAbsent,
            start_ms: Some(1000),
            end_ms: Some(4000),
            detail_json: "{}".into(),
        }],
    };
    f.vault.record_scoring(interview, &record).unwrap();
    (interview, answer, video)
}

/// A question of `job` with `text`, as an edit sends it.
fn edited(job: i64, text: &str) -> NewQuestion {
    NewQuestion {
        job_id: job,
        situational: false,
        text: text.into(),
        rubric_json: r#"{"key_points":[]}"#.into(),
        dimensions: vec!["沟通能力".into()],
        prep_seconds: 20,
        answer_seconds: 90,
        retakes: 0,
    }
}

/// Two clerks, each on their own vault handle (as at two workstations of one hub), open the same
/// question; the first saves; the second's save, made from what they loaded, is refused with the
/// first clerk's name and the time, and changes nothing; made again from the current revision it
/// stands.
#[test]
fn a_save_over_a_change_made_meanwhile_is_refused_naming_who_and_when() {
    let mut f = Fixture::new();
    let job = f.job();
    let question = f.question(job);
    f.vault.create_user(&f.admin, user("clerk-2", Role::Clerk)).unwrap();
    let mut other = vault::Vault::open_with_clock(&f.data, f.clock.boxed()).unwrap();
    let second = other.login("clerk-2", PASSWORD, "desk 2").unwrap();
    let loaded = f.vault.job_questions(&f.clerk, job).unwrap()[0].clone();
    assert_eq!((loaded.revision, loaded.changed_by.as_deref()), (0, None));
    let edit = |text: &str| edited(job, text);
    f.clock.advance(60_000);
    f.vault.update_question(&f.clerk, question, &edit("第一位专员的修改"), Some(loaded.revision)).unwrap();
    let error = other.update_question(&second, question, &edit("第二位专员的修改"), Some(loaded.revision)).unwrap_err();
    let VaultError::ChangedMeanwhile { by, at_ms, .. } = &error else { panic!("{error:?}") };
    assert_eq!((by.as_str(), *at_ms), ("CLERK", f.clock.now()));
    assert_eq!(error.code(), "vault.changed_meanwhile");
    assert!(error.user_message().en.starts_with("CLERK changed this at "), "{}", error.user_message().en);
    let now = other.job_questions(&second, job).unwrap()[0].clone();
    assert_eq!(now.text, "第一位专员的修改", "the refused save changed the question");
    assert_eq!((now.revision, now.changed_by.as_deref()), (1, Some("CLERK")));
    assert!(audit_outcomes(&f, "question.update").contains(&"failed".to_owned()));
    other.update_question(&second, question, &edit("第二位专员的修改"), Some(now.revision)).unwrap();
    let last = f.vault.job_questions(&f.clerk, job).unwrap()[0].clone();
    assert_eq!(
        (last.text.as_str(), last.revision, last.changed_by.as_deref()),
        ("第二位专员的修改", 2, Some("CLERK-2"))
    );
}

#[test]
fn jobs_list_their_questions_and_an_edited_question_keeps_used_versions() {
    let mut f = Fixture::new();
    let job = f.job();
    let question = f.question(job);
    let jobs = f.vault.jobs(&f.auditor).unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].id, jobs[0].questions, jobs[0].candidates), (job, 1, 0));
    assert_eq!(jobs[0].dimensions.len(), 3);

    let edit = |text: &str| edited(job, text);
    // Not yet used: edited in place.
    assert_eq!(f.vault.update_question(&f.clerk, question, &edit("第一版修改"), None).unwrap(), 1);
    let questions = f.vault.job_questions(&f.clerk, job).unwrap();
    assert_eq!(questions[0].text, "第一版修改");
    assert_eq!((questions[0].prep_seconds, questions[0].answer_seconds, questions[0].retakes), (20, 90, 0));
    assert!(!questions[0].frozen && !questions[0].situational);

    // Used by an interview: the change becomes version 2 and version 1 stays as it was.
    let candidate = f.candidate(job);
    let now = f.clock.now();
    let (interview, code) = f.vault.issue_invitation(&f.clerk, candidate, now - 1000, now + 100_000).unwrap();
    f.vault.check_in(&f.kiosk, &code, Some(ID_LAST4)).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    f.vault.begin_answer(&f.kiosk, interview, question, false).unwrap();
    assert_eq!(f.vault.update_question(&f.clerk, question, &edit("第二版"), None).unwrap(), 2);
    let conn = raw(&f.db_path(), &f.key());
    let first: String =
        conn.query_row("SELECT text FROM question_versions WHERE version = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(first, "第一版修改");
    assert_eq!(f.vault.job_questions(&f.clerk, job).unwrap()[0].version, 2);

    // Only clerks edit; an unknown dimension is refused and changes nothing.
    assert!(matches!(f.vault.update_question(&f.auditor, question, &edit("x"), None), Err(VaultError::Denied { .. })));
    let mut bad = edit("x");
    bad.dimensions = vec!["不存在".into()];
    let before = audit_count(&conn);
    assert_eq!(f.vault.update_question(&f.clerk, question, &bad, None).unwrap_err().code(), "review.unknown_dimension");
    assert_eq!(f.vault.job_questions(&f.clerk, job).unwrap()[0].text, "第二版");
    assert_eq!(audit_count(&conn), before + 1, "the refusal is audited");
}

#[test]
fn the_status_board_counts_states_and_shows_who_is_at_a_kiosk() {
    let mut f = Fixture::new();
    let (interview, _answer) = f.answer();
    let job = f.job();
    let candidate = f.candidate(job);
    let now = f.clock.now();
    f.vault.issue_invitation(&f.clerk, candidate, now, now + 1000).unwrap();
    let board = f.vault.status_board(&f.clerk, None).unwrap();
    assert_eq!((board.invited, board.in_progress, board.scored), (1, 1, 0));
    assert_eq!(board.active.len(), 1);
    assert_eq!(board.active[0].interview_id, interview);
    assert_eq!(board.active[0].candidate_name, "张三");
    assert_eq!((board.active[0].answers, board.active[0].questions), (0, 1));
    // Filtered by job.
    let only = f.vault.status_board(&f.auditor, Some(job)).unwrap();
    assert_eq!((only.invited, only.in_progress, only.active.len()), (1, 0, 0));
    assert!(matches!(f.vault.status_board(&f.kiosk, None), Err(VaultError::Denied { .. })));
}

#[test]
fn flags_are_confirmed_or_dismissed_once_by_a_clerk_and_never_by_an_auditor() {
    let mut f = Fixture::new();
    let (interview, _, _) = scored(&mut f);
    let record = f.vault.interview_record(&f.clerk, interview).unwrap();
    let flag = record.flags[0].id;
    assert_eq!(record.flags[0].status, FlagStatus::Open);
    assert!(matches!(f.vault.review_flag(&f.auditor, flag, false), Err(VaultError::Denied { .. })));
    f.vault.review_flag(&f.clerk, flag, false).unwrap();
    assert_eq!(f.vault.interview_record(&f.auditor, interview).unwrap().flags[0].status, FlagStatus::Dismissed);
    assert_eq!(f.vault.review_flag(&f.clerk, flag, true).unwrap_err().code(), "review.flag_not_open");
    assert_eq!(f.vault.review_flag(&f.clerk, 999, true).unwrap_err().code(), "vault.no_such_object");
    assert_eq!(audit_outcomes(&f, "review.flag_dismiss"), ["ok"]);
    assert_eq!(audit_outcomes(&f, "review.flag"), ["failed", "failed"]);
}

/// The station's window guard: an answer during which the kiosk window left the front carries
/// one "left the kiosk" flag however often it left (each departure is audited), beside the
/// flags scoring raises; a device event raises none.
#[test]
fn a_kiosk_window_that_left_during_an_answer_flags_it_once_and_audits_each_time() {
    let mut f = Fixture::new();
    let (interview, answer) = f.answer();
    f.vault.record_capture_event(&f.kiosk, answer, "camera_lost").unwrap();
    for _ in 0..3 {
        f.vault.record_capture_event(&f.kiosk, answer, "kiosk_left").unwrap();
        f.vault.record_capture_event(&f.kiosk, answer, "kiosk_back").unwrap();
    }
    f.vault.store_media(&f.kiosk, answer, "video", &mut [1u8, 2, 3].as_slice()).unwrap();
    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    f.vault
        .record_scoring(
            interview,
            &ScoringRecord { model_versions: "test".into(), transcripts: vec![], scores: vec![], flags: vec![] },
        )
        .unwrap();
    let flags = f.vault.interview_record(&f.clerk, interview).unwrap().flags;
    let kinds: Vec<_> = flags.iter().map(|f| (f.kind, f.answer_id, f.status)).collect();
    assert_eq!(kinds, [(FlagKind::LeftKiosk, Some(answer), FlagStatus::Open)]);
    assert_eq!(audit_outcomes(&f, "capture.kiosk_left"), ["ok", "ok", "ok"]);
    assert_eq!(audit_outcomes(&f, "capture.kiosk_back"), ["ok", "ok", "ok"]);
    f.vault.review_flag(&f.clerk, flags[0].id, true).unwrap();
    assert_eq!(f.vault.interview_record(&f.clerk, interview).unwrap().flags[0].status, FlagStatus::Confirmed);
}

/// No final decision over an open question: with a flag open the decision is refused (and the
/// refusal audited) unless the clerk says why they decide with it open; that reason is kept with
/// the decision. Once the flag is handled, a decision needs no such reason, and one given is not
/// kept.
#[test]
fn a_decision_over_open_flags_needs_its_own_reason() {
    let mut f = Fixture::new();
    let (interview, _, _) = scored(&mut f);
    let error = f.vault.decide(&f.clerk, interview, Band::Recommend, "表现良好", None).unwrap_err();
    assert!(matches!(error, VaultError::FlagsOpen { open: 1, .. }), "{error:?}");
    assert_eq!(error.code(), "review.flags_open");
    assert!(error.user_message().en.contains("1 integrity flag(s) are still open"), "{}", error.user_message().en);
    let error = f.vault.decide(&f.clerk, interview, Band::Recommend, "表现良好", Some("   ")).unwrap_err();
    assert_eq!(error.code(), "review.flags_open");
    assert!(f.vault.interview_record(&f.clerk, interview).unwrap().decision.is_none());
    assert_eq!(audit_outcomes(&f, "review.decide"), ["failed", "failed"]);

    f.vault
        .decide(&f.clerk, interview, Band::Recommend, "表现良好", Some("已看录像：考生低头看材料，不影响作答"))
        .unwrap();
    let decision = f.vault.interview_record(&f.clerk, interview).unwrap().decision.unwrap();
    assert_eq!(decision.over_open_flags, Some((1, "已看录像：考生低头看材料，不影响作答".to_owned())));

    let flag = f.vault.interview_record(&f.clerk, interview).unwrap().flags[0].id;
    f.vault.review_flag(&f.clerk, flag, true).unwrap();
    f.vault.decide(&f.clerk, interview, Band::Hold, "再议", Some("不需要的说明")).unwrap();
    let decision = f.vault.interview_record(&f.clerk, interview).unwrap().decision.unwrap();
    assert_eq!((decision.band, decision.over_open_flags), (Band::Hold, None));
}

#[test]
fn a_second_rater_sees_the_request_until_they_rate() {
    let mut f = Fixture::new();
    let (interview, _, _) = scored(&mut f);
    f.vault.create_user(&f.admin, user("clerk2", Role::Clerk)).unwrap();
    let clerk2 = f.vault.login("clerk2", PASSWORD, "desk-4").unwrap();
    // Not oneself, not an auditor, not an unknown name.
    for rater in ["clerk", "auditor", "nobody"] {
        assert_eq!(
            f.vault.request_second_rating(&f.clerk, interview, rater).unwrap_err().code(),
            "review.not_a_rater",
            "{rater}"
        );
    }
    f.vault.request_second_rating(&f.clerk, interview, "clerk2").unwrap();
    let requests = f.vault.review_requests(&clerk2).unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!((requests[0].interview_id, requests[0].requested_by.as_str()), (interview, "clerk"));
    assert!(f.vault.review_requests(&f.clerk).unwrap().is_empty());
    f.vault.record_rating(&clerk2, interview, "应急处理", 4, Some("独立评分")).unwrap();
    assert!(f.vault.review_requests(&clerk2).unwrap().is_empty());
}

#[test]
fn opening_a_recording_is_audited_and_lists_only_its_video() {
    let mut f = Fixture::new();
    let (_, answer, video) = scored(&mut f);
    let playlist = f.vault.playback(&f.auditor, answer).unwrap();
    assert_eq!(playlist.iter().map(|m| m.id).collect::<Vec<_>>(), [video]);
    assert!(f.vault.is_playable(video).unwrap());
    assert_eq!(audit_outcomes(&f, "media.play"), ["ok"]);
    assert!(matches!(f.vault.playback(&f.kiosk, answer), Err(VaultError::Denied { .. })));
}

#[test]
fn reauthentication_checks_the_password_and_locks_after_five_failures() {
    let mut f = Fixture::new();
    f.vault.reauthenticate(&f.clerk, PASSWORD).unwrap();
    for _ in 0..4 {
        assert_eq!(f.vault.reauthenticate(&f.clerk, "wrong").unwrap_err().code(), "auth.bad_credentials");
    }
    // The fifth wrong password locks the account and ends its sessions.
    assert!(matches!(f.vault.reauthenticate(&f.clerk, "wrong"), Err(VaultError::Locked { .. })));
    assert_eq!(f.vault.jobs(&f.clerk).unwrap_err().code(), "auth.session_expired");
    assert!(matches!(f.vault.login("clerk", PASSWORD, "desk-2"), Err(VaultError::Locked { .. })));
    assert_eq!(audit_outcomes(&f, "auth.reauth"), ["ok", "failed", "failed", "failed", "failed"]);
    assert_eq!(audit_outcomes(&f, "auth.reauth_locked"), ["ok"]);
}

/// What the vault reads back of scoring goes through one declaration of each shape and each
/// vocabulary: a row changed outside this program (a renamed evidence field, an unknown flag kind
/// or band) is refused with the row named, never shown blank or as a default.
#[test]
fn a_stored_row_this_program_did_not_write_is_refused_not_blanked() {
    let mut f = Fixture::new();
    let (interview, answer, _) = scored(&mut f);
    let record = f.vault.interview_record(&f.clerk, interview).unwrap();
    let score = &record.answers[0].scores[0];
    assert_eq!(score.explanation.as_ref().unwrap().evidence[0].quote, "先安抚他");
    assert_eq!(record.answers[0].transcript[0].text, "我会先安抚他");
    assert_eq!(record.flags[0].kind, FlagKind::FaceAbsent);
    drop(record);

    let cases = [
        ("UPDATE scores SET evidence_json = replace(evidence_json, '\"quote\"', '\"citation\"')", "score of answer"),
        ("UPDATE scores SET evidence_json = replace(evidence_json, '\"version\":1', '\"version\":9')", "version 9"),
        ("UPDATE transcripts SET segments_json = '{\"lines\":[]}'", "transcript of answer"),
        ("UPDATE flags SET kind = 'no_face'", "kind of flag"),
    ];
    for (change, named) in cases {
        let conn = raw(&f.db_path(), &f.key());
        let saved: (String, String, String) = conn
            .query_row(
                "SELECT (SELECT evidence_json FROM scores WHERE answer_id = ?1), (SELECT segments_json FROM transcripts WHERE answer_id = ?1), (SELECT kind FROM flags WHERE answer_id = ?1)",
                [answer],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        conn.execute(change, []).unwrap();
        let err = f.vault.interview_record(&f.clerk, interview).unwrap_err();
        assert_eq!(err.code(), "vault.corrupt", "{change}");
        assert!(err.to_string().contains(named), "{change}: {err}");
        conn.execute("UPDATE scores SET evidence_json = ?1 WHERE answer_id = ?2", rusqlite::params![saved.0, answer])
            .unwrap();
        conn.execute(
            "UPDATE transcripts SET segments_json = ?1 WHERE answer_id = ?2",
            rusqlite::params![saved.1, answer],
        )
        .unwrap();
        conn.execute("UPDATE flags SET kind = ?1 WHERE answer_id = ?2", rusqlite::params![saved.2, answer]).unwrap();
        f.vault.interview_record(&f.clerk, interview).expect("restored");
    }
}
