//! Later outcomes of hired candidates, the validity they show, and weight versions applied from
//! a suggestion: on a synthetic job of a few hundred candidates taken through the real steps
//! (invitation, kiosk, scoring record, decision).

use interview::outcomes::{CivilDate, Criterion, Outcome, OutcomeProblem, OutcomeRecord, RatingScale};
use interview::{Action, Band, Bands, InterviewEvent, Lang, Weight};
use vault::{NewCandidate, NewJob, NewOutcome, NewQuestion, NewScore, ScoringRecord, VaultError};

use super::{Fixture, HOUR, audit_outcomes};

const DAY: i64 = 86_400_000;
/// The tests' zone: UTC+8.
const OFFSET: i32 = 480;

/// A valid 18-character resident ID number for candidate `n` (the check digit computed).
pub(crate) fn id_number(n: usize) -> String {
    let body = format!("11010519900101{:03}", n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// A job with dimensions "a" and "b" (50 % each), bands 70/40, and one question on both.
fn two_dimension_job(f: &mut Fixture) -> (i64, i64) {
    let job = f
        .vault
        .create_job(
            &f.clerk,
            NewJob {
                title: "综合岗".into(),
                language: Lang::ZhCn,
                dimensions: vec![
                    Weight { dimension: "a".into(), basis_points: 5000 },
                    Weight { dimension: "b".into(), basis_points: 5000 },
                ],
                bands: Bands::new(70, 40).unwrap(),
            },
        )
        .unwrap();
    let question = f
        .vault
        .add_question(
            &f.clerk,
            NewQuestion {
                job_id: job,
                situational: false,
                text: "请介绍一次你解决难题的经历。".into(),
                rubric_json: r#"{"levels":{}}"#.into(),
                dimensions: vec!["a".into(), "b".into()],
                prep_seconds: 30,
                answer_seconds: 120,
                retakes: 0,
            },
        )
        .unwrap();
    (job, question)
}

/// Candidate `n` of `job` in `group`, interviewed at the kiosk, scored `a`/`b` by the AI,
/// decided (推荐); returns the interview.
fn interviewed(f: &mut Fixture, job: i64, question: i64, n: usize, group: &str, a: f32, b: f32) -> i64 {
    let id = id_number(n);
    let candidate = f
        .vault
        .add_candidate(
            &f.clerk,
            NewCandidate {
                job_id: job,
                name: format!("候选人{n}"),
                id_number: Some(id.clone()),
                phone: None,
                email: None,
                group: Some(group.into()),
            },
        )
        .unwrap();
    let now = f.clock.now();
    let (interview, code) = f.vault.issue_invitation(&f.clerk, candidate, now - HOUR, now + HOUR).unwrap();
    f.vault.check_in(&f.kiosk, &code, Some(&id[14..])).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    let answer = f.vault.begin_answer(&f.kiosk, interview, question, false).unwrap();
    f.vault.finish_answer(&f.kiosk, answer, true).unwrap();
    f.vault.advance_interview(&f.kiosk, interview, InterviewEvent::Finish).unwrap();
    let level = |d: &str, l: f32| NewScore {
        answer_id: Some(answer),
        dimension: Some(d.into()),
        level: Some(l.into()),
        total: None,
        band: None,
        evidence_json: super::stored_score(d, l),
        rubric_version: Some(1),
    };
    let total = interview::weighted_total(
        &[Some(f64::from(a)), Some(f64::from(b))],
        &f.vault.interview_job(interview).unwrap().dimensions,
    )
    .unwrap();
    let record = ScoringRecord {
        model_versions: "test".into(),
        transcripts: Vec::new(),
        scores: vec![
            level("a", a),
            level("b", b),
            NewScore {
                answer_id: None,
                dimension: None,
                level: None,
                total: Some(total),
                band: Some(Bands::new(70, 40).unwrap().band(total)),
                evidence_json: "{}".into(),
                rubric_version: None,
            },
        ],
        flags: Vec::new(),
    };
    f.vault.record_scoring(interview, &record).unwrap();
    f.vault.decide(&f.clerk, interview, Band::Recommend, "录用", None).unwrap();
    interview
}

/// Moves the clock on by `days` (sessions idle that long have ended: everyone signs in again).
fn later(f: &mut Fixture, days: i64) {
    f.clock.advance(days * DAY);
    f.admin = f.vault.login("admin", super::PASSWORD, "desk-1").unwrap();
    f.clerk = f.vault.login("clerk", super::PASSWORD, "desk-2").unwrap();
    f.auditor = f.vault.login("auditor", super::PASSWORD, "desk-3").unwrap();
}

fn day_after(f: &Fixture, days: i64) -> CivilDate {
    CivilDate::of_ms(f.clock.now() + days * DAY, OFFSET)
}

fn rating(date: CivilDate, step: u8) -> OutcomeRecord {
    OutcomeRecord { date, outcome: Outcome::Rating { scale: RatingScale::Points5, step } }
}

/// Candidate ids of `job` in order (they were added in order).
fn candidates(f: &mut Fixture, job: i64) -> Vec<i64> {
    let lookup = f.vault.outcome_lookup(&f.clerk, job, OFFSET).unwrap();
    let mut ids: Vec<(usize, i64)> =
        (0..1000).filter_map(|n| lookup.find(&id_number(n)).map(|t| (n, t.candidate_id))).collect();
    ids.sort();
    ids.into_iter().map(|(_, id)| id).collect()
}

#[test]
fn outcomes_are_checked_again_in_their_transaction_and_recorded_all_or_nothing() {
    let mut f = Fixture::new();
    let (job, question) = two_dimension_job(&mut f);
    interviewed(&mut f, job, question, 1, "甲", 4.0, 3.0);
    // A candidate who was never decided.
    let undecided = f
        .vault
        .add_candidate(
            &f.clerk,
            NewCandidate {
                job_id: job,
                name: "未定".into(),
                id_number: Some(id_number(2)),
                phone: None,
                email: None,
                group: None,
            },
        )
        .unwrap();
    let lookup = f.vault.outcome_lookup(&f.clerk, job, OFFSET).unwrap();
    let hired = lookup.find(&id_number(1)).unwrap().clone();
    assert_eq!(hired.decided, Some(day_after(&f, 0)));
    assert!(lookup.find(&id_number(3)).is_none());
    assert!(lookup.find(&id_number(1).to_lowercase()).is_some(), "the ID number is normalised as the import does");
    later(&mut f, 200);
    let good = NewOutcome { candidate_id: hired.candidate_id, record: rating(day_after(&f, -10), 4) };
    let early = NewOutcome { candidate_id: hired.candidate_id, record: rating(day_after(&f, -300), 2) };
    let before = audit_outcomes(&f, "outcome.record").len();
    let refused = f.vault.record_outcomes(&f.clerk, job, &[good, early], OFFSET).unwrap_err();
    assert!(
        matches!(refused, VaultError::OutcomeRefused { problem: OutcomeProblem::BeforeDecision { .. }, .. }),
        "{refused:?}"
    );
    let refused = f
        .vault
        .record_outcomes(
            &f.clerk,
            job,
            &[good, NewOutcome { candidate_id: undecided, record: rating(day_after(&f, -1), 3) }],
            OFFSET,
        )
        .unwrap_err();
    assert!(matches!(refused, VaultError::OutcomeRefused { problem: OutcomeProblem::NotDecided, .. }), "{refused:?}");
    assert!(
        f.vault.candidate_outcomes(&f.clerk, hired.candidate_id, OFFSET).unwrap().is_empty(),
        "nothing half-recorded"
    );
    assert_eq!(audit_outcomes(&f, "outcome.record").len(), before);

    assert_eq!(f.vault.record_outcomes(&f.clerk, job, &[good], OFFSET).unwrap(), 1);
    let again = f.vault.record_outcomes(&f.clerk, job, &[good], OFFSET).unwrap_err();
    assert!(matches!(again, VaultError::OutcomeRefused { problem: OutcomeProblem::Duplicate, .. }));
    let other = NewOutcome { candidate_id: hired.candidate_id, record: rating(good.record.date, 1) };
    let contradicts = f.vault.record_outcomes(&f.clerk, job, &[other], OFFSET).unwrap_err();
    assert!(matches!(contradicts, VaultError::OutcomeRefused { problem: OutcomeProblem::Contradicts { .. }, .. }));
    let future = NewOutcome { candidate_id: hired.candidate_id, record: rating(day_after(&f, 2), 3) };
    assert!(matches!(
        f.vault.record_outcomes(&f.clerk, job, &[future], OFFSET).unwrap_err(),
        VaultError::OutcomeRefused { problem: OutcomeProblem::InFuture, .. }
    ));
    assert_eq!(f.vault.candidate_outcomes(&f.auditor, hired.candidate_id, OFFSET).unwrap(), [good.record]);
    assert_eq!(audit_outcomes(&f, "outcome.record"), ["ok"]);
    // Only clerks record outcomes; auditors read the validity but never write.
    assert!(matches!(
        f.vault.record_outcomes(&f.auditor, job, &[good], OFFSET).unwrap_err(),
        VaultError::Denied { action: Action::RecordOutcomes, .. }
    ));
}

/// 200 hired candidates whose later rating follows dimension "a" (with noise) and not "b";
/// groups 甲 and 乙 alternate with the same levels, so no weighting can favour either.
fn predictive_job(f: &mut Fixture) -> (i64, Vec<i64>, Vec<i64>) {
    let (job, question) = two_dimension_job(f);
    let mut interviews = Vec::new();
    for n in 0..200 {
        let a = (n / 2 % 5 + 1) as f32;
        let b = (n / 10 % 5 + 1) as f32;
        interviews.push(interviewed(f, job, question, n, if n.is_multiple_of(2) { "甲" } else { "乙" }, a, b));
    }
    later(f, 400);
    let ids = candidates(f, job);
    let outcomes: Vec<NewOutcome> = ids
        .iter()
        .enumerate()
        .map(|(n, &candidate_id)| {
            let a = (n / 2 % 5 + 1) as i32;
            let noise = [0, 1, -1][n / 3 % 3];
            NewOutcome { candidate_id, record: rating(day_after(f, -30), (a + noise).clamp(1, 5) as u8) }
        })
        .collect();
    f.vault.record_outcomes(&f.clerk, job, &outcomes, OFFSET).unwrap();
    (job, ids, interviews)
}

#[test]
fn weight_moves_toward_the_dimension_that_predicts_and_a_new_version_leaves_old_interviews_alone() {
    let mut f = Fixture::new();
    let (job, ids, interviews) = predictive_job(&mut f);
    let review = f.vault.weights_review(&f.auditor, job, Criterion::Performance, OFFSET).unwrap();
    assert_eq!((review.people, review.with_outcomes), (200, 200));
    let table = review.validity.iter().find(|t| t.criterion == Criterion::Performance).unwrap();
    assert!(table.enough);
    let (a, b) = (&table.rows[0], &table.rows[1]);
    assert!(a.ai.clearly_positive(), "{a:?}");
    assert!(!b.ai.clearly_positive(), "{b:?}");
    assert_eq!(a.ai.n, 200);
    assert_eq!(a.raters.n, 0, "nobody rated");
    let suggestion = review.suggestion.clone().unwrap();
    assert_eq!(
        suggestion.weights(),
        [Weight { dimension: "a".into(), basis_points: 6000 }, Weight { dimension: "b".into(), basis_points: 4000 }]
    );
    let replay = review.replay.clone().unwrap();
    assert!(replay.passes, "{replay:?}");
    assert!(!replay.band_changes.is_empty(), "some candidates' bands change under the new weights");
    // Probation and retention have no records: too few.
    let probation = f.vault.weights_review(&f.auditor, job, Criterion::Probation, OFFSET).unwrap();
    assert!(matches!(probation.suggestion, Err(interview::validity::NoSuggestion::TooFew { n: 0, .. })));

    // An auditor reads but never applies; a stale suggestion is refused.
    assert!(matches!(
        f.vault
            .apply_weights(&f.auditor, job, Criterion::Performance, &suggestion.weights(), None, OFFSET)
            .unwrap_err(),
        VaultError::Denied { action: Action::ApplyWeights, .. }
    ));
    let stale =
        [Weight { dimension: "a".into(), basis_points: 5500 }, Weight { dimension: "b".into(), basis_points: 4500 }];
    assert!(matches!(
        f.vault.apply_weights(&f.clerk, job, Criterion::Performance, &stale, None, OFFSET).unwrap_err(),
        VaultError::SuggestionChanged
    ));
    let version =
        f.vault.apply_weights(&f.clerk, job, Criterion::Performance, &suggestion.weights(), None, OFFSET).unwrap();
    assert_eq!(version, 2);
    assert_eq!(audit_outcomes(&f, "job.weights"), ["ok"]);
    let current = f.vault.job(&f.clerk, job).unwrap();
    assert_eq!((current.version, current.dimensions[0].basis_points), (2, 6000));
    // Interviews already held keep version 1; a new invitation is under version 2.
    let old = f.vault.interview_job(interviews[0]).unwrap();
    assert_eq!((old.version, old.dimensions[0].basis_points), (1, 5000));
    let record = f.vault.interview_record(&f.clerk, interviews[7]).unwrap();
    assert_eq!(record.job.dimensions[0].basis_points, 5000, "the report of an old interview shows its own weights");
    let newcomer = f
        .vault
        .add_candidate(
            &f.clerk,
            NewCandidate { job_id: job, name: "新人".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    let now = f.clock.now();
    let (new_interview, _) = f.vault.issue_invitation(&f.clerk, newcomer, now, now + HOUR).unwrap();
    assert_eq!(f.vault.interview_job(new_interview).unwrap().version, 2);
    let versions = f.vault.job_versions(&f.admin, job).unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0].interviews, versions[1].interviews), (200, 1));
    assert_eq!(versions[1].criterion, Some(Criterion::Performance));
    assert_eq!(versions[1].fairness_passed, Some(true));
    // The same outcomes now suggest nothing further than the next bounded step.
    let next = f.vault.weights_review(&f.clerk, job, Criterion::Performance, OFFSET).unwrap();
    assert_eq!(next.suggestion.unwrap().weights()[0].basis_points, 7000);
    assert_eq!(ids.len(), 200);
}

#[test]
fn a_suggestion_that_lowers_a_groups_impact_ratio_fails_and_needs_an_administrators_reason() {
    let mut f = Fixture::new();
    let (job, question) = two_dimension_job(&mut f);
    // 甲 is strong on "a", 乙 on "b"; the later rating follows "a". Under 50/50 a third of each
    // group is 推荐 (totals ≥ 70); leaning toward "a" drops 乙's best (3, 4.8) from 72.5 to 68.
    let levels = |n: usize| -> (&str, f32, f32) {
        let s = n / 2 % 3;
        if n.is_multiple_of(2) {
            ("甲", [3.0, 4.0, 5.0][s], [2.0, 2.5, 3.0][s])
        } else {
            ("乙", [2.0, 2.5, 3.0][s], [4.0, 4.4, 4.8][s])
        }
    };
    for n in 0..120 {
        let (group, a, b) = levels(n);
        interviewed(&mut f, job, question, n, group, a, b);
    }
    later(&mut f, 400);
    let ids = candidates(&mut f, job);
    let outcomes: Vec<NewOutcome> = ids
        .iter()
        .enumerate()
        .map(|(n, &candidate_id)| {
            let noise = [0i32, 1, -1, 0][n / 6 % 4];
            let step = (levels(n).1.round() as i32 + noise).clamp(1, 5) as u8;
            NewOutcome { candidate_id, record: rating(day_after(&f, -30), step) }
        })
        .collect();
    f.vault.record_outcomes(&f.clerk, job, &outcomes, OFFSET).unwrap();
    let review = f.vault.weights_review(&f.admin, job, Criterion::Performance, OFFSET).unwrap();
    let suggestion = review.suggestion.clone().unwrap();
    assert!(suggestion.weights()[0].basis_points > 5000, "{suggestion:?}");
    let replay = review.replay.unwrap();
    assert!(!replay.passes, "{replay:?}");
    let yi = replay.groups.iter().find(|g| g.group == "乙").unwrap();
    assert!(yi.fails && yi.impact_after.unwrap() < 0.8, "{yi:?}");
    assert!(interview::validity::verdict(&replay, Lang::ZhCn).contains("未通过公平性检查"));

    let weights = suggestion.weights();
    assert!(matches!(
        f.vault.apply_weights(&f.clerk, job, Criterion::Performance, &weights, Some("理由"), OFFSET).unwrap_err(),
        VaultError::Denied { action: Action::ApplyWeightsOverFairness, .. }
    ));
    assert!(matches!(
        f.vault.apply_weights(&f.admin, job, Criterion::Performance, &weights, Some("  "), OFFSET).unwrap_err(),
        VaultError::FairnessReasonMissing
    ));
    assert_eq!(f.vault.job(&f.clerk, job).unwrap().version, 1, "nothing applied");
    let reason = "岗位说明书已修订，乙组培训计划同步启动";
    assert_eq!(
        f.vault.apply_weights(&f.admin, job, Criterion::Performance, &weights, Some(reason), OFFSET).unwrap(),
        2
    );
    assert_eq!(audit_outcomes(&f, "job.weights_over_fairness"), ["denied", "ok"]);
    let versions = f.vault.job_versions(&f.auditor, job).unwrap();
    assert_eq!(versions[1].fairness_passed, Some(false));
    assert_eq!(versions[1].reason.as_deref(), Some(reason));
}

#[test]
fn purged_candidates_outcomes_stay_as_anonymous_numbers() {
    let mut f = Fixture::new();
    let (job, ids, _) = predictive_job(&mut f);
    let before = f.vault.weights_review(&f.auditor, job, Criterion::Performance, OFFSET).unwrap();
    f.vault.set_retention_days(&f.admin, 30).unwrap();
    let report = f.vault.purge_expired(&f.admin).unwrap();
    assert_eq!(report.candidates, 200);
    // No date and no ID number is left to tie a record to a person…
    let conn = super::raw(&f.db_path(), &f.key());
    let dated: i64 = conn.query_row("SELECT COUNT(*) FROM outcomes WHERE day IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(dated, 0);
    assert!(f.vault.outcome_lookup(&f.clerk, job, OFFSET).unwrap().find(&id_number(0)).is_none());
    // …and the statistics are what they were.
    let after = f.vault.weights_review(&f.auditor, job, Criterion::Performance, OFFSET).unwrap();
    assert_eq!(after.validity, before.validity);
    assert_eq!(after.suggestion, before.suggestion);
    // Nothing more is recorded about a purged candidate.
    let late = NewOutcome { candidate_id: ids[0], record: rating(day_after(&f, 0), 3) };
    assert!(matches!(
        f.vault.record_outcomes(&f.clerk, job, &[late], OFFSET).unwrap_err(),
        VaultError::OutcomeRefused { problem: OutcomeProblem::UnknownCandidate, .. }
    ));
}
