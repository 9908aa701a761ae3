//! What both test binaries set up: a vault's users, a job, its questions and a candidate checked
//! in at the kiosk with consent given.

use interview::{Bands, InterviewEvent, Lang, Role, Weight};
use vault::{NewCandidate, NewJob, NewQuestion, NewUser, Vault};

pub const PASSWORD: &str = "a long enough password";

pub fn user(name: &str, role: Role) -> NewUser {
    NewUser { username: name.into(), display_name: name.into(), role, password: PASSWORD.into() }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A new vault in `dir` (admin, clerk, auditor, kiosk-1) with an interview of `questions`
/// questions in progress. Returns the vault, the interview and its questions.
pub fn interview_in_progress(
    dir: &std::path::Path,
    questions: usize,
    answer_seconds: u32,
    retakes: u32,
) -> (Vault, i64, Vec<i64>) {
    let (mut vault, _) = Vault::create(dir, user("admin", Role::Admin)).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    for (name, role) in [("clerk", Role::Clerk), ("auditor", Role::Auditor), ("kiosk-1", Role::Kiosk)] {
        vault.create_user(&admin, user(name, role)).unwrap();
    }
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "窗口服务".into(),
                language: Lang::ZhCn,
                dimensions: vec![Weight { dimension: "沟通能力".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    let questions = (0..questions)
        .map(|i| {
            vault
                .add_question(
                    &clerk,
                    NewQuestion {
                        job_id: job,
                        situational: false,
                        text: format!("问题 {i}"),
                        rubric_json: "{}".into(),
                        dimensions: vec!["沟通能力".into()],
                        prep_seconds: 1,
                        answer_seconds,
                        retakes,
                    },
                )
                .unwrap()
        })
        .collect();
    let candidate = vault
        .add_candidate(
            &clerk,
            NewCandidate { job_id: job, name: "李四".into(), id_number: None, phone: None, email: None, group: None },
        )
        .unwrap();
    let (interview, code) = vault.issue_invitation(&clerk, candidate, now_ms() - 1000, now_ms() + 3_600_000).unwrap();
    let kiosk = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
    vault.check_in(&kiosk, &code, None).unwrap();
    vault.advance_interview(&kiosk, interview, InterviewEvent::GiveConsent).unwrap();
    (vault, interview, questions)
}
