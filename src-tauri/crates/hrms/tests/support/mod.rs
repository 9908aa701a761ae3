//! What the outcome tests share: candidates taken through the real steps to a decision (an
//! outcome is only ever recorded for someone who was decided on).

use interview::{Band, InterviewEvent, Role};
use vault::{NewCandidate, NewQuestion, NewUser, ScoringRecord, Session, Vault};

/// A kiosk account and a question of `job`, for [`hire`].
pub fn kiosk_and_question(
    vault: &mut Vault,
    admin: &Session,
    clerk: &Session,
    job: i64,
    password: &str,
) -> (Session, i64) {
    let user = NewUser {
        username: "kiosk-1".into(),
        display_name: "kiosk-1".into(),
        role: Role::Kiosk,
        password: password.into(),
    };
    vault.create_user(admin, user).unwrap();
    let kiosk = vault.login("kiosk-1", password, "kiosk-1").unwrap();
    let question = vault
        .add_question(
            clerk,
            NewQuestion {
                job_id: job,
                situational: false,
                text: "请做自我介绍。".into(),
                rubric_json: r#"{"levels":{}}"#.into(),
                dimensions: Vec::new(),
                prep_seconds: 10,
                answer_seconds: 60,
                retakes: 0,
            },
        )
        .unwrap();
    (kiosk, question)
}

/// Candidate `name` with `id_number`, interviewed, scored and decided 推荐 now; returns the
/// candidate id.
pub fn hire(
    vault: &mut Vault,
    clerk: &Session,
    kiosk: &Session,
    job: i64,
    question: i64,
    name: &str,
    id_number: &str,
) -> i64 {
    let candidate = vault
        .add_candidate(
            clerk,
            NewCandidate {
                job_id: job,
                name: name.into(),
                id_number: Some(id_number.into()),
                phone: None,
                email: None,
                group: None,
            },
        )
        .unwrap();
    let (interview, code) = vault.issue_invitation(clerk, candidate, 0, 4_102_444_800_000).unwrap();
    vault.check_in(kiosk, &code, Some(&id_number[14..])).unwrap();
    vault.advance_interview(kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    let answer = vault.begin_answer(kiosk, interview, question, false).unwrap();
    vault.finish_answer(kiosk, answer, true).unwrap();
    vault.advance_interview(kiosk, interview, InterviewEvent::Finish).unwrap();
    let record =
        ScoringRecord { model_versions: "test".into(), transcripts: Vec::new(), scores: Vec::new(), flags: Vec::new() };
    vault.record_scoring(interview, &record).unwrap();
    vault.decide(clerk, interview, Band::Recommend, "录用", None).unwrap();
    candidate
}
