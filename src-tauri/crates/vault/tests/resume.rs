//! Questions that fit the candidate: résumé facts stored and purged, personalised questions
//! chosen at invitation by the real plan rule (`scoring::resume::choose`) and frozen there, the
//! kiosk asking core plus chosen questions, a clerk's removal, and a total from core answers only.

use interview::resume::{Clause, Condition, Education, Reason, ResumeFacts, ResumeSource};
use interview::{InterviewEvent, UserFacing};
use vault::{NewQuestion, NewScore, ScoringRecord, VaultError};

use super::{Fixture, HOUR, audit_outcomes};

fn question(f: &mut Fixture, job: i64, text: &str) -> i64 {
    f.vault
        .add_question(
            &f.clerk,
            NewQuestion {
                job_id: job,
                situational: false,
                text: text.into(),
                rubric_json: r#"{"levels":{}}"#.into(),
                dimensions: vec!["沟通能力".into()],
                prep_seconds: 30,
                answer_seconds: 120,
                retakes: 0,
            },
        )
        .unwrap()
}

fn phrases(list: &[&str]) -> Condition {
    Condition { all: vec![Clause::AnyPhrase(list.iter().map(|s| s.to_string()).collect())] }
}

fn led_a_team() -> ResumeFacts {
    ResumeFacts {
        education: Some(Education::Master),
        years: Some(6),
        roles: vec!["窗口组组长".into()],
        text: "曾带领一个五人团队完成业务系统迁移。负责群众来访接待。".into(),
        ..ResumeFacts::default()
    }
}

/// A job with two core questions and three personalised ones (team lead, master's, 10 years);
/// two personalised questions per invitation.
fn personalised_job(f: &mut Fixture) -> (i64, [i64; 5]) {
    let job = f.job();
    let core1 = question(f, job, "请做一个简短的自我介绍。");
    let lead = question(f, job, "你带领团队时，如何处理成员之间的分歧？");
    let core2 = question(f, job, "群众情绪激动时你会怎么做？");
    let master = question(f, job, "你的研究生课题与这个岗位有什么关系？");
    let senior = question(f, job, "十年的工作中，你最大的教训是什么？");
    f.vault.set_question_condition(&f.clerk, lead, Some(phrases(&["带领", "团队管理"])), None).unwrap();
    let edu = Condition { all: vec![Clause::EducationIn(vec![Education::Master, Education::Doctorate])] };
    f.vault.set_question_condition(&f.clerk, master, Some(edu), None).unwrap();
    f.vault
        .set_question_condition(&f.clerk, senior, Some(Condition { all: vec![Clause::YearsAtLeast(10)] }), None)
        .unwrap();
    f.vault.set_personalised_max(&f.clerk, job, 2, None).unwrap();
    (job, [core1, lead, core2, master, senior])
}

fn invite(f: &mut Fixture, candidate: i64) -> (i64, vault::AccessCode) {
    let now = f.clock.now();
    f.vault.issue_invitation(&f.clerk, candidate, now - HOUR, now + HOUR).unwrap()
}

#[test]
fn the_plan_is_chosen_at_invitation_frozen_and_explained() {
    let mut f = Fixture::new();
    f.vault.set_personaliser(scoring::resume::choose);
    let (job, [core1, lead, core2, master, senior]) = personalised_job(&mut f);
    let a = f.named_candidate(job, "张三", Some("11010519491231002X"));
    let b = f.named_candidate(job, "李四", None);
    let plain = f.named_candidate(job, "王五", None);
    f.vault.set_resume(&f.clerk, a, led_a_team(), ResumeSource::Clerk).unwrap();
    f.vault.set_resume(&f.clerk, b, led_a_team(), ResumeSource::Import).unwrap();
    let stored = f.vault.resume(&f.clerk, a).unwrap().unwrap();
    assert_eq!(
        (stored.facts, stored.source, stored.updated_by.as_deref()),
        (led_a_team(), ResumeSource::Clerk, Some("CLERK"))
    );
    assert_eq!(f.vault.resume(&f.clerk, b).unwrap().unwrap().updated_by, None, "an import names no person");

    let (ia, _) = invite(&mut f, a);
    let planned = f.vault.interview_personalised(&f.clerk, ia).unwrap();
    assert_eq!(planned.iter().map(|p| p.question_id).collect::<Vec<_>>(), [lead, master]);
    assert_eq!(
        planned[0].reasons,
        [Reason::Phrase {
            phrase: "带领".into(),
            quote: "曾带领一个五人团队完成业务系统迁移".into(),
            field: interview::resume::ResumeField::Text
        }]
    );
    // The same facts give the same plan; no résumé, no personalised question.
    let (ib, _) = invite(&mut f, b);
    assert_eq!(f.vault.interview_personalised(&f.clerk, ib).unwrap(), planned);
    let (ip, code_p) = invite(&mut f, plain);
    assert!(f.vault.interview_personalised(&f.clerk, ip).unwrap().is_empty());

    // Frozen: a condition changed afterwards, or the résumé, changes no plan already made.
    f.vault.set_question_condition(&f.clerk, lead, Some(phrases(&["预算"])), None).unwrap();
    f.vault.set_resume(&f.clerk, a, ResumeFacts::default(), ResumeSource::Clerk).unwrap();
    let emptied = f.vault.resume(&f.clerk, a).unwrap().unwrap();
    assert!(emptied.facts.is_empty(), "emptied facts are an empty record: {emptied:?}");
    assert_eq!(f.vault.interview_personalised(&f.clerk, ia).unwrap(), planned);

    // The kiosk asks the core questions and the interview's own personalised ones, in bank order.
    let kiosk_questions = |f: &mut Fixture, interview: i64, code: &vault::AccessCode, last4: Option<&str>| {
        f.vault.check_in(&f.kiosk, code, last4).unwrap();
        f.vault.kiosk_plan(&f.kiosk, interview).unwrap().questions.iter().map(|q| q.question_id).collect::<Vec<_>>()
    };
    assert_eq!(kiosk_questions(&mut f, ip, &code_p, None), [core1, core2], "no personalised question without a plan");
    // A clerk removes one before the interview; the removal is kept, and audited.
    f.vault.remove_personalised(&f.clerk, ib, master).unwrap();
    let after = f.vault.interview_personalised(&f.clerk, ib).unwrap();
    assert_eq!(after[1].removed.as_ref().map(|(by, _)| by.as_str()), Some("CLERK"));
    assert_eq!(
        f.vault.remove_personalised(&f.clerk, ib, core1).unwrap_err().code(),
        "resume.not_personalised",
        "a core question cannot be removed"
    );
    assert_eq!(f.vault.remove_personalised(&f.auditor, ib, lead).unwrap_err().code(), "auth.denied");
    assert_eq!(audit_outcomes(&f, "interview.question_removed"), ["ok"]);
    // A fresh invitation of the same candidate is chosen again, from the facts and conditions
    // as they are now: `lead` asks for 预算 now, `senior` for ten years.
    let (ib2, _) = invite(&mut f, b);
    let again: Vec<i64> =
        f.vault.interview_personalised(&f.clerk, ib2).unwrap().iter().map(|p| p.question_id).collect();
    assert_eq!(again, [master]);
    let _ = senior;
}

#[test]
fn a_begun_interview_keeps_its_questions_and_the_total_counts_core_answers_only() {
    let mut f = Fixture::new();
    f.vault.set_personaliser(scoring::resume::choose);
    let (job, [core1, lead, core2, master, _]) = personalised_job(&mut f);
    let candidate = f.candidate(job);
    f.vault.set_resume(&f.clerk, candidate, led_a_team(), ResumeSource::Api).unwrap();
    let (interview, code) = invite(&mut f, candidate);
    f.vault.check_in(&f.kiosk, &code, Some(super::ID_LAST4)).unwrap();
    let plan: Vec<i64> =
        f.vault.kiosk_plan(&f.kiosk, interview).unwrap().questions.iter().map(|q| q.question_id).collect();
    assert_eq!(plan, [core1, lead, core2, master]);
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    assert_eq!(f.vault.remove_personalised(&f.clerk, interview, lead).unwrap_err().code(), "resume.plan_frozen");
    let mut scores = Vec::new();
    for (question, level) in [(core1, 4.0), (lead, 1.0), (core2, 2.0), (master, 1.0)] {
        let answer = f.vault.begin_answer(&f.kiosk, interview, question, false).unwrap();
        f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
        scores.push(NewScore {
            answer_id: Some(answer),
            dimension: Some("沟通能力".into()),
            level: Some(level),
            total: None,
            band: None,
            evidence_json: super::stored_score("沟通能力", level as f32),
            rubric_version: Some(1),
        });
    }
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    f.vault
        .record_scoring(
            interview,
            &ScoringRecord { model_versions: "test".into(), transcripts: vec![], scores, flags: vec![] },
        )
        .unwrap();
    // The two core answers (4 and 2), not the personalised ones (1 and 1).
    let mut levels = f.vault.answer_levels(interview).unwrap();
    levels.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(levels, [("沟通能力".to_string(), 2.0), ("沟通能力".to_string(), 4.0)]);
    // The review and the report read the same: personalised answers marked, the dimension's
    // level the core answers' mean (3.0, not 2.0 with the personalised ones).
    let record = f.vault.interview_record(&f.clerk, interview).unwrap();
    assert_eq!(record.answers.iter().map(|a| a.personalised).collect::<Vec<_>>(), [false, true, false, true]);
    assert_eq!(record.ai_level("沟通能力"), Some(3.0));
    let (_, candidates) = f.vault.job_candidates(&f.clerk, job).unwrap();
    assert_eq!(candidates[0].ai_levels[0], Some(3.0), "the job report's level too");
}

#[test]
fn without_the_plan_rule_a_personalised_invitation_is_refused_and_nothing_is_issued() {
    let mut f = Fixture::new();
    let (job, _) = personalised_job(&mut f);
    let with = f.named_candidate(job, "张三", None);
    let without = f.named_candidate(job, "李四", None);
    f.vault.set_resume(&f.clerk, with, led_a_team(), ResumeSource::Clerk).unwrap();
    let now = f.clock.now();
    let refused = f.vault.issue_invitation(&f.clerk, with, now - HOUR, now + HOUR).unwrap_err();
    assert!(matches!(refused, VaultError::PersonalisationUnavailable));
    assert!(refused.user_message().en.contains("personalised"));
    assert_eq!(audit_outcomes(&f, "invitation.create"), Vec::<String>::new(), "nothing issued, nothing half-written");
    // A candidate without a résumé needs no rule.
    f.vault.issue_invitation(&f.clerk, without, now - HOUR, now + HOUR).unwrap();
}

#[test]
fn bad_facts_and_conditions_are_refused_and_change_nothing() {
    let mut f = Fixture::new();
    let (job, [core1, ..]) = personalised_job(&mut f);
    let candidate = f.candidate(job);
    let long = ResumeFacts { text: "很".repeat(interview::resume::MAX_FREE_TEXT + 1), ..ResumeFacts::default() };
    assert_eq!(
        f.vault.set_resume(&f.clerk, candidate, long, ResumeSource::Clerk).unwrap_err().code(),
        "resume.invalid"
    );
    assert!(f.vault.resume(&f.clerk, candidate).unwrap().is_none());
    assert_eq!(
        f.vault.set_question_condition(&f.clerk, core1, Some(Condition { all: vec![] }), None).unwrap_err().code(),
        "resume.condition_invalid"
    );
    assert_eq!(f.vault.personalisation(&f.clerk, job).unwrap().questions.len(), 3, "core1 stays core");
    assert_eq!(
        f.vault.set_resume(&f.auditor, candidate, led_a_team(), ResumeSource::Clerk).unwrap_err().code(),
        "auth.denied"
    );
    assert_eq!(
        f.vault.set_resume(&f.clerk, 999, led_a_team(), ResumeSource::Clerk).unwrap_err().code(),
        VaultError::NoSuchObject { what: "candidate", id: 999 }.code()
    );
    f.vault.set_personalised_max(&f.clerk, job, 9, None).unwrap();
    assert_eq!(f.vault.personalisation(&f.clerk, job).unwrap().max, vault::MAX_PERSONALISED);
}

#[test]
fn retention_deletes_the_resume_and_the_reasons_but_keeps_which_questions_were_asked() {
    let mut f = Fixture::new();
    f.vault.set_personaliser(scoring::resume::choose);
    let (job, [_, lead, ..]) = personalised_job(&mut f);
    let candidate = f.named_candidate(job, "张三", None);
    f.vault.set_resume(&f.clerk, candidate, led_a_team(), ResumeSource::Clerk).unwrap();
    let (interview, _) = invite(&mut f, candidate);
    f.clock.advance(40 * 86_400_000);
    f.admin = f.vault.login("admin", super::PASSWORD, "desk-1").unwrap();
    f.clerk = f.vault.login("clerk", super::PASSWORD, "desk-2").unwrap();
    f.vault.set_retention_days(&f.admin, 30).unwrap();
    assert_eq!(f.vault.purge_expired(&f.admin).unwrap().candidates, 1);
    assert!(f.vault.resume(&f.clerk, candidate).unwrap().is_none());
    let planned = f.vault.interview_personalised(&f.clerk, interview).unwrap();
    assert_eq!((planned[0].question_id, planned[0].reasons.len()), (lead, 0));
    let conn = super::raw(&f.db_path(), &f.key());
    let quoted: i64 = conn
        .query_row("SELECT COUNT(*) FROM interview_questions WHERE reasons_json LIKE '%带领%'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(quoted, 0);
}

#[test]
fn two_clerks_editing_one_resume_the_second_save_is_refused_naming_the_first() {
    let mut f = Fixture::new();
    let job = f.job();
    let candidate = f.candidate(job);
    f.vault.create_user(&f.admin, super::user("clerk2", interview::Role::Clerk)).unwrap();
    let other = f.vault.login("clerk2", super::PASSWORD, "desk-4").unwrap();
    // Both open the page with no facts (revision 0); the first saves, the second is refused.
    f.vault.save_resume(&f.clerk, candidate, led_a_team(), 0).unwrap();
    let mine = ResumeFacts { years: Some(2), ..ResumeFacts::default() };
    let refused = f.vault.save_resume(&other, candidate, mine.clone(), 0).unwrap_err();
    assert!(matches!(&refused, VaultError::ChangedMeanwhile { by, .. } if by == "CLERK"), "{refused:?}");
    assert!(refused.user_message().en.starts_with("CLERK changed this at"), "{}", refused.user_message().en);
    let stored = f.vault.resume(&f.clerk, candidate).unwrap().unwrap();
    assert_eq!((stored.facts, stored.revision), (led_a_team(), 1), "the first clerk's facts stand");
    // From the revision they see now, the second clerk's save goes through.
    f.vault.save_resume(&other, candidate, mine.clone(), 1).unwrap();
    let stored = f.vault.resume(&f.clerk, candidate).unwrap().unwrap();
    assert_eq!((stored.facts, stored.revision, stored.updated_by.as_deref()), (mine, 2, Some("CLERK2")));
    // An import in between is a change too.
    f.vault.set_resume(&f.clerk, candidate, led_a_team(), ResumeSource::Import).unwrap();
    assert_eq!(
        f.vault.save_resume(&other, candidate, ResumeFacts::default(), 2).unwrap_err().code(),
        "vault.changed_meanwhile"
    );
    // Emptied by one clerk (revision 4), the facts are not brought back by a page still showing
    // revision 3: the emptying counts as a change, with who made it.
    f.vault.save_resume(&f.clerk, candidate, ResumeFacts::default(), 3).unwrap();
    let emptied = f.vault.resume(&f.clerk, candidate).unwrap().unwrap();
    assert!(emptied.facts.is_empty() && emptied.revision == 4, "{emptied:?}");
    let stale = f.vault.save_resume(&other, candidate, led_a_team(), 3).unwrap_err();
    assert!(matches!(&stale, VaultError::ChangedMeanwhile { by, .. } if by == "CLERK"), "{stale:?}");
    f.vault.save_resume(&other, candidate, led_a_team(), 4).unwrap();
    assert_eq!(f.vault.resume(&f.clerk, candidate).unwrap().unwrap().revision, 5);
}

/// A candidate added with résumé facts (the command line's `candidate add --details`): both in
/// one transaction, or — facts refused — neither, no candidate left without them.
#[test]
fn a_candidate_with_a_resume_is_added_whole_or_not_at_all() {
    let mut f = Fixture::new();
    let job = f.job();
    let new = |name: &str| vault::NewCandidate {
        job_id: job,
        name: name.into(),
        id_number: None,
        phone: None,
        email: None,
        group: None,
    };
    let long = ResumeFacts { text: "很".repeat(interview::resume::MAX_FREE_TEXT + 1), ..ResumeFacts::default() };
    let refused = f.vault.add_candidate_with_resume(&f.clerk, new("李四"), long).unwrap_err();
    assert_eq!(refused.code(), "resume.invalid");
    let page = f.vault.list_candidates(&f.clerk, &vault::CandidateFilter::default()).unwrap();
    assert!(page.rows.iter().all(|r| r.name != "李四"), "a candidate was added without the refused facts");
    let id = f.vault.add_candidate_with_resume(&f.clerk, new("王五"), led_a_team()).unwrap();
    let stored = f.vault.resume(&f.clerk, id).unwrap().unwrap();
    assert_eq!((stored.facts, stored.revision, stored.updated_by.as_deref()), (led_a_team(), 1, Some("CLERK")));
}

/// Two people changing one job's settings, or one question's condition, from the same page: the
/// second save is refused naming who changed it and nothing changes; from the revision now shown
/// it goes through. (As at two staff workstations of one hub.)
#[test]
fn two_clerks_changing_a_jobs_settings_or_a_questions_condition_the_second_is_refused() {
    let mut f = Fixture::new();
    let (job, [_, lead, ..]) = personalised_job(&mut f);
    f.vault.create_user(&f.admin, super::user("clerk2", interview::Role::Clerk)).unwrap();
    let other = f.vault.login("clerk2", super::PASSWORD, "workstation 2").unwrap();
    let seen = f.vault.personalisation(&f.clerk, job).unwrap();
    let lead_revision = seen.condition_revisions.iter().find(|(q, _)| *q == lead).map(|(_, r)| *r).unwrap();

    f.vault.set_personalised_max(&f.clerk, job, 3, Some(seen.revision)).unwrap();
    let refused = f.vault.set_personalised_max(&other, job, 1, Some(seen.revision)).unwrap_err();
    assert!(matches!(&refused, VaultError::ChangedMeanwhile { by, .. } if by == "CLERK"), "{refused:?}");
    assert!(refused.user_message().en.starts_with("CLERK changed this at"), "{}", refused.user_message().en);
    let now = f.vault.personalisation(&other, job).unwrap();
    assert_eq!((now.max, now.revision), (3, seen.revision + 1), "the first clerk's setting stands");
    f.vault.set_personalised_max(&other, job, 1, Some(now.revision)).unwrap();
    assert_eq!(f.vault.personalisation(&f.clerk, job).unwrap().max, 1);

    f.vault.set_question_condition(&f.clerk, lead, Some(phrases(&["预算"])), Some(lead_revision)).unwrap();
    let refused =
        f.vault.set_question_condition(&other, lead, Some(phrases(&["招聘"])), Some(lead_revision)).unwrap_err();
    assert!(matches!(&refused, VaultError::ChangedMeanwhile { by, .. } if by == "CLERK"), "{refused:?}");
    let now = f.vault.personalisation(&other, job).unwrap();
    let kept = now.questions.iter().find(|q| q.question_id == lead).map(|q| q.condition.clone());
    assert_eq!(kept, Some(phrases(&["预算"])), "the first clerk's condition stands");
    let fresh = now.condition_revisions.iter().find(|(q, _)| *q == lead).map(|(_, r)| *r).unwrap();
    assert_eq!(fresh, lead_revision + 1);
    f.vault.set_question_condition(&other, lead, Some(phrases(&["招聘"])), Some(fresh)).unwrap();
    assert_eq!(
        audit_outcomes(&f, "job.personalised"),
        ["ok", "ok", "failed", "ok"],
        "the refused change is in the audit log"
    );
}
