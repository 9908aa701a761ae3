//! The kiosk's check-in with an identity check, the plan it shows, accommodations, and the
//! administrator's accounts (list, reset password, disable).

use interview::{Action, InterviewEvent, Lang, Role, UserFacing};
use vault::AccessCode;

use super::{Fixture, HOUR, PASSWORD, audit_count, audit_outcomes, raw, user};

#[test]
fn check_in_needs_the_last_four_of_the_id_number_on_record() {
    let mut f = Fixture::new();
    let (interview, code) = f.invitation();
    assert!(f.vault.access_code_needs_identity(&f.kiosk, &code).unwrap());
    // Wrong last four: refused, audited, the code is not spent.
    let err = f.vault.check_in(&f.kiosk, &code, Some("1234")).unwrap_err();
    assert_eq!(err.code(), "kiosk.identity_mismatch");
    // The candidate is told how many tries remain before the code is blocked.
    assert!(matches!(err, vault::VaultError::IdentityMismatch { left: 4 }), "{err:?}");
    assert!(
        err.user_message().en.ends_with("4 more tries before this access code is blocked."),
        "{}",
        err.user_message().en
    );
    assert!(err.user_message().zh_cn.contains("还可以再试 4 次"));
    assert_eq!(f.vault.check_in(&f.kiosk, &code, None).unwrap_err().code(), "kiosk.identity_mismatch");
    assert_eq!(audit_outcomes(&f, "kiosk.identity"), ["denied", "denied"]);
    // Typed in lower case: the check ignores case (the X of a Chinese ID number).
    let check_in = f.vault.check_in(&f.kiosk, &code, Some("002x")).unwrap();
    assert_eq!(check_in.interview_id, interview);
    // Now spent: the first step refuses it and says why.
    assert_eq!(f.vault.access_code_needs_identity(&f.kiosk, &code).unwrap_err().code(), "rules.code_used");

    // Guessing is stopped: five wrong tries block the code for good, even the right answer.
    let job = f.job();
    let candidate = f.named_candidate(job, "李四", Some("110101199003070011"));
    let now = f.clock.now();
    let (_, guessed) = f.vault.issue_invitation(&f.clerk, candidate, now - HOUR, now + HOUR).unwrap();
    for attempt in 1..=5 {
        let error = f.vault.check_in(&f.kiosk, &guessed, Some(&format!("{attempt:04}"))).unwrap_err();
        if attempt == 4 {
            assert!(error.user_message().en.contains("1 more try before"), "{}", error.user_message().en);
        }
        let code = error.code();
        assert_eq!(
            code,
            if attempt < 5 { "kiosk.identity_mismatch" } else { "kiosk.identity_locked" },
            "try {attempt}"
        );
    }
    assert_eq!(f.vault.check_in(&f.kiosk, &guessed, Some("0011")).unwrap_err().code(), "kiosk.identity_locked");

    // A candidate without an ID number on record needs no identity check.
    let job = f.job();
    let candidate = f.named_candidate(job, "Alice Smith", None);
    let now = f.clock.now();
    let (_, other) = f.vault.issue_invitation(&f.clerk, candidate, now - HOUR, now + HOUR).unwrap();
    assert!(!f.vault.access_code_needs_identity(&f.kiosk, &other).unwrap());
    f.vault.check_in(&f.kiosk, &other, None).unwrap();
}

#[test]
fn the_first_step_refuses_unknown_expired_and_early_codes_and_audits_them() {
    let mut f = Fixture::new();
    let conn = raw(&f.db_path(), &f.key());
    let before = audit_count(&conn);
    let err = f.vault.access_code_needs_identity(&f.kiosk, &AccessCode::parse("ZZZZ-ZZZZ")).unwrap_err();
    assert_eq!(err.code(), "kiosk.unknown_access_code");
    assert_eq!(audit_count(&conn), before + 1);
    let job = f.job();
    let candidate = f.named_candidate(job, "李四", None);
    let now = f.clock.now();
    let (_, early) = f.vault.issue_invitation(&f.clerk, candidate, now + HOUR, now + 2 * HOUR).unwrap();
    let err = f.vault.access_code_needs_identity(&f.kiosk, &early).unwrap_err();
    assert_eq!(err.code(), "rules.code_not_yet_valid");
    f.clock.advance(3 * HOUR);
    let kiosk = f.vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
    assert_eq!(f.vault.access_code_needs_identity(&kiosk, &early).unwrap_err().code(), "rules.code_expired");
    assert_eq!(audit_outcomes(&f, "kiosk.code"), ["denied", "denied", "denied"]);
    // A clerk is not a kiosk.
    let clerk = f.vault.login("clerk", PASSWORD, "desk-2").unwrap();
    assert_eq!(f.vault.access_code_needs_identity(&clerk, &early).unwrap_err().code(), "auth.denied");
}

#[test]
fn the_plan_is_masked_and_only_for_the_kiosk_that_checked_in() {
    let mut f = Fixture::new();
    let job = f.job();
    let question = f.question(job);
    let candidate = f.named_candidate(job, "张三", None);
    let now = f.clock.now();
    let (interview, code) = f.vault.issue_invitation(&f.clerk, candidate, now - HOUR, now + HOUR).unwrap();
    f.vault.set_accommodations(&f.clerk, interview, 50, true).unwrap();
    assert_eq!(
        f.vault.set_accommodations(&f.clerk, interview, 250, false).unwrap_err().code(),
        "invitation.extra_time"
    );
    assert_eq!(f.vault.set_accommodations(&f.kiosk, interview, 10, false).unwrap_err().code(), "auth.denied");
    // Before check-in there is no plan to show.
    assert!(f.vault.kiosk_plan(&f.kiosk, interview).is_err());
    f.vault.check_in(&f.kiosk, &code, None).unwrap();
    // Accommodations are fixed once the candidate has checked in.
    assert_eq!(f.vault.set_accommodations(&f.clerk, interview, 10, false).unwrap_err().code(), "rules.transition");
    let plan = f.vault.kiosk_plan(&f.kiosk, interview).unwrap();
    assert_eq!(plan.masked_name, "张*");
    assert_eq!((plan.extra_time_pct, plan.large_text, plan.job_language), (50, true, Lang::ZhCn));
    assert_eq!(plan.retention_days, vault::DEFAULT_RETENTION_DAYS);
    assert_eq!(plan.questions.len(), 1);
    assert_eq!(plan.questions[0].question_id, question);
    assert_eq!(
        (plan.questions[0].prep_seconds, plan.questions[0].answer_seconds, plan.questions[0].retakes),
        (30, 120, 1)
    );
    // Another kiosk does not get it, and the attempt is audited.
    let admin = f.admin.clone();
    f.vault.create_user(&admin, user("kiosk-2", Role::Kiosk)).unwrap();
    let other = f.vault.login("kiosk-2", PASSWORD, "kiosk-2").unwrap();
    assert_eq!(f.vault.kiosk_plan(&other, interview).unwrap_err().code(), "vault.no_such_object");
    // (The request before check-in was refused and audited too.)
    assert_eq!(audit_outcomes(&f, "kiosk.plan"), ["denied", "denied"]);
    // Once the interview is finished, not even this kiosk.
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    assert!(f.vault.kiosk_plan(&f.kiosk, interview).is_err());
}

#[test]
fn administrators_list_accounts_reset_passwords_and_cannot_disable_themselves() {
    let mut f = Fixture::new();
    let users = f.vault.list_users(&f.admin).unwrap();
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["admin", "clerk", "auditor", "kiosk-1"]);
    assert_eq!(f.vault.list_users(&f.clerk).unwrap_err().code(), "auth.denied");
    let clerk_id = users[1].id;
    // Five failures lock the clerk out; a reset lifts the lock and ends the clerk's sessions.
    for _ in 0..5 {
        let _ = f.vault.login("clerk", "wrong password!!", "desk-2");
    }
    assert!(f.vault.list_users(&f.admin).unwrap()[1].locked);
    assert_eq!(f.vault.reset_password(&f.admin, clerk_id, "short").unwrap_err().code(), "auth.weak_password");
    f.vault.reset_password(&f.admin, clerk_id, "a brand new passphrase").unwrap();
    assert_eq!(f.vault.authorize(&f.clerk, Action::ViewCandidates).unwrap_err().code(), "auth.session_expired");
    assert!(f.vault.login("clerk", PASSWORD, "desk-2").is_err());
    f.vault.login("clerk", "a brand new passphrase", "desk-2").unwrap();
    assert!(!f.vault.list_users(&f.admin).unwrap()[1].locked);
    assert_eq!(
        f.vault.reset_password(&f.admin, 999, "a brand new passphrase").unwrap_err().code(),
        "vault.no_such_object"
    );
    let admin_id = f.admin.user_id;
    assert_eq!(f.vault.disable_user(&f.admin, admin_id).unwrap_err().code(), "user.disable_self");
    f.vault.disable_user(&f.admin, clerk_id).unwrap();
    assert!(f.vault.list_users(&f.admin).unwrap()[1].disabled);
}
