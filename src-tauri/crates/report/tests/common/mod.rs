//! A real vault (SQLCipher, the mock credential store) with an organisation, a signing identity,
//! a job and interviews in every state a report meets; and poppler's tools, run for real.

#![allow(clippy::unwrap_used, dead_code)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use interview::stored::{RateUnit, StoredDelivery, StoredEvidence, StoredExample, StoredLine, StoredScore};
use interview::{Band, Bands, FlagKind, InterviewEvent, Lang, Role, Weight};
use vault::{
    NewCandidate, NewFlag, NewJob, NewQuestion, NewScore, NewSigningIdentity, NewTranscript, NewUser, Organisation,
    ScoringRecord, Session, Vault,
};

pub const PASSWORD: &str = "correct horse battery staple";
pub const HOUR: i64 = 3_600_000;
pub const DIMENSIONS: [&str; 3] = ["沟通能力", "服务意识", "应急处理"];

pub fn mock_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub vault: Vault,
    pub admin: Session,
    pub clerk: Session,
    pub auditor: Session,
    pub kiosk: Session,
    pub job: i64,
    pub questions: Vec<i64>,
    pub identity: report::SigningIdentity,
}

fn user(name: &str, display: &str, role: Role) -> NewUser {
    NewUser { username: name.into(), display_name: display.into(), role, password: PASSWORD.into() }
}

impl World {
    pub fn new() -> World {
        World::build(true)
    }

    /// A vault whose administrator has not set up a signing identity yet.
    pub fn without_identity() -> World {
        World::build(false)
    }

    fn build(with_identity: bool) -> World {
        mock_store();
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, _) = Vault::create(dir.path(), user("admin", "管理员", Role::Admin)).unwrap();
        let admin = vault.login("admin", PASSWORD, "desk-1").unwrap();
        for (name, display, role) in [
            ("clerk", "李专员", Role::Clerk),
            ("auditor", "王审计", Role::Auditor),
            ("kiosk-1", "1 号终端", Role::Kiosk),
        ] {
            vault.create_user(&admin, user(name, display, role)).unwrap();
        }
        let clerk = vault.login("clerk", PASSWORD, "desk-2").unwrap();
        let auditor = vault.login("auditor", PASSWORD, "desk-3").unwrap();
        let kiosk = vault.login("kiosk-1", PASSWORD, "kiosk-1").unwrap();
        vault
            .set_organisation(
                &admin,
                &Organisation {
                    name: "某市人力资源和社会保障局".into(),
                    logo_png: Some(logo()),
                    report_lang: Lang::ZhCn,
                },
            )
            .unwrap();
        let identity = report::SigningIdentity::generate("某市人力资源和社会保障局").unwrap();
        if with_identity {
            install(&mut vault, &admin, &identity);
        }
        let job = vault
            .create_job(
                &clerk,
                NewJob {
                    title: "政务服务窗口岗".into(),
                    language: Lang::ZhCn,
                    dimensions: vec![
                        Weight { dimension: DIMENSIONS[0].into(), basis_points: 4000 },
                        Weight { dimension: DIMENSIONS[1].into(), basis_points: 3500 },
                        Weight { dimension: DIMENSIONS[2].into(), basis_points: 2500 },
                    ],
                    bands: Bands::new(80, 60).unwrap(),
                },
            )
            .unwrap();
        let questions = [
            ("请介绍一次你耐心帮助他人解决问题的经历。", vec![DIMENSIONS[0], DIMENSIONS[1]]),
            ("窗口前一位群众情绪激动、大声抱怨，你会怎么处理？", vec![DIMENSIONS[0], DIMENSIONS[2]]),
        ]
        .into_iter()
        .map(|(text, dims)| {
            vault
                .add_question(
                    &clerk,
                    NewQuestion {
                        job_id: job,
                        situational: true,
                        text: text.into(),
                        rubric_json: r#"{"levels":{}}"#.into(),
                        dimensions: dims.into_iter().map(Into::into).collect(),
                        prep_seconds: 30,
                        answer_seconds: 120,
                        retakes: 1,
                    },
                )
                .unwrap()
        })
        .collect();
        World { dir, vault, admin, clerk, auditor, kiosk, job, questions, identity }
    }

    /// A candidate whose interview was recorded and scored with `levels` per dimension; with
    /// `decision`, also rated (`human`) and decided.
    pub fn interview(
        &mut self,
        name: &str,
        group: Option<&str>,
        levels: [f64; 3],
        human: Option<[i64; 3]>,
        decision: Option<Band>,
    ) -> i64 {
        let candidate = self
            .vault
            .add_candidate(
                &self.clerk,
                NewCandidate {
                    job_id: self.job,
                    name: name.into(),
                    id_number: None,
                    phone: None,
                    email: None,
                    group: group.map(Into::into),
                },
            )
            .unwrap();
        let now = now_ms();
        let (interview, code) = self.vault.issue_invitation(&self.clerk, candidate, now - HOUR, now + HOUR).unwrap();
        self.vault.check_in(&self.kiosk, &code, None).unwrap();
        self.vault.advance_interview(&self.kiosk, interview, InterviewEvent::GiveConsent).unwrap();
        let mut answers = Vec::new();
        for &question in &self.questions.clone() {
            let answer = self.vault.begin_answer(&self.kiosk, interview, question, false).unwrap();
            self.vault.store_media(&self.kiosk, answer, "audio", &mut &b"RIFF....WAVE"[..]).unwrap();
            self.vault.finish_answer(&self.kiosk, answer, true).unwrap();
            answers.push(answer);
        }
        self.vault.advance_interview(&self.kiosk, interview, InterviewEvent::Finish).unwrap();
        let mut scores = Vec::new();
        for (i, &answer) in answers.iter().enumerate() {
            let dims: &[usize] = if i == 0 { &[0, 1] } else { &[0, 2] };
            for &d in dims {
                scores.push(NewScore {
                    answer_id: Some(answer),
                    dimension: Some(DIMENSIONS[d].into()),
                    level: Some(levels[d]),
                    total: None,
                    band: None,
                    evidence_json: evidence(DIMENSIONS[d]),
                    rubric_version: Some(1),
                });
            }
        }
        let total = levels.iter().zip([0.40, 0.35, 0.25]).map(|(l, w)| (l - 1.0) / 4.0 * 100.0 * w).sum::<f64>();
        let band = if total >= 80.0 {
            Band::Recommend
        } else if total >= 60.0 {
            Band::Hold
        } else {
            Band::NotRecommended
        };
        scores.push(NewScore {
            answer_id: None,
            dimension: None,
            level: None,
            total: Some(total),
            band: Some(band),
            evidence_json: "{}".into(),
            rubric_version: None,
        });
        let record = ScoringRecord {
            model_versions: "whisper-base (converted, v1); silero-vad 5; blazeface 1".into(),
            transcripts: answers
                .iter()
                .map(|&a| NewTranscript {
                    answer_id: a,
                    language: Lang::ZhCn,
                    lines: vec![StoredLine {
                        start_ms: 0,
                        end_ms: 8000,
                        text: "我会先请他到旁边坐下，安抚他的情绪。".into(),
                        avg_logprob: Some(-0.4),
                        no_speech_prob: Some(0.02),
                    }],
                    delivery: Some(StoredDelivery {
                        version: interview::stored::VERSION,
                        duration_ms: 20_000,
                        speaking_ms: 15_000,
                        speech_rate: 180.0,
                        rate_unit: RateUnit::CharsPerMinute,
                        long_pauses: Vec::new(),
                        fillers: 1,
                    }),
                })
                .collect(),
            scores,
            flags: vec![NewFlag {
                answer_id: Some(answers[1]),
                kind: FlagKind::FaceAbsent,
                start_ms: Some(12_000),
                end_ms: Some(12_000),
                detail_json: "{}".into(),
            }],
        };
        self.vault.record_scoring(interview, &record).unwrap();
        if let Some(human) = human {
            for (d, level) in DIMENSIONS.iter().zip(human) {
                self.vault.record_rating(&self.clerk, interview, d, level, Some("回答具体")).unwrap();
            }
        }
        if let Some(band) = decision {
            // The clerk looks at the flag before deciding (a decision over an open flag needs a
            // reason of its own: `a_decision_over_an_open_flag_prints_its_reason`).
            for flag in self.vault.interview_record(&self.clerk, interview).unwrap().flags {
                self.vault.review_flag(&self.clerk, flag.id, true).unwrap();
            }
            self.vault.record_decision(&self.clerk, interview, band, "综合表现，经复核决定。").unwrap();
        }
        interview
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An NSS database trusting the organisation's root, as an agency's validator would.
    pub fn nss_db(&self) -> PathBuf {
        let root = self.path("root.pem");
        let chain = self.identity.chain_der();
        std::fs::write(&root, report::chain_pem(&chain[chain.len() - 1..])).unwrap();
        nss_db_trusting(&self.path("nssdb"), &root)
    }
}

/// A new NSS database in `dir` that trusts the root certificate in `root_pem` for signatures.
pub fn nss_db_trusting(dir: &Path, root_pem: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let db = format!("sql:{}", dir.display());
    run("certutil", &["-N", "-d", &db, "--empty-password"]);
    run("certutil", &["-A", "-d", &db, "-n", "root", "-t", "C,C,C", "-a", "-i", root_pem.to_str().unwrap()]);
    dir.to_owned()
}

pub fn install(vault: &mut Vault, admin: &Session, identity: &report::SigningIdentity) {
    vault
        .set_signing_identity(
            admin,
            &NewSigningIdentity {
                key_pkcs8: identity.key_pkcs8().unwrap(),
                chain_der: identity.chain_der().to_vec(),
                imported: false,
                subject: identity.subject(),
                fingerprint: identity.fingerprint(),
                root_fingerprint: identity.root_fingerprint(),
            },
        )
        .unwrap();
}

fn evidence(dimension: &str) -> String {
    // The last dimension's quotes were heard with low confidence (the reports mark them).
    let heard_poorly = dimension == DIMENSIONS[2];
    let point = |point: &str, quote: &str, start_ms: u32, end_ms: u32, covered: bool| StoredEvidence {
        key_point: point.into(),
        point: point.into(),
        phrasing: if covered { point.into() } else { String::new() },
        quote: quote.into(),
        start_ms,
        end_ms,
        similarity: if covered { 0.9 } else { 0.1 },
        covered,
        uncertain: covered && heard_poorly,
    };
    StoredScore {
        version: interview::stored::VERSION,
        dimension: dimension.into(),
        level: 3.0,
        coverage: 0.5,
        key_point_level: 3,
        closest_example: Some(StoredExample {
            level: 3, example: "先安抚，再了解诉求。".into(), similarity: 0.7
        }),
        evidence: vec![point("安抚情绪", "安抚他的情绪", 2000, 8000, true), point("报告上级", "", 0, 0, false)],
    }
    .to_json()
}

/// A 4×2 PNG logo (red and green: no blue, so the chart test counts only the chart's bars),
/// encoded with the `image` crate: no test asset.
fn logo() -> Vec<u8> {
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    let pixels: Vec<u8> = (0..8).flat_map(|i| if i % 2 == 0 { [200, 30, 30] } else { [30, 150, 60] }).collect();
    image::ImageEncoder::write_image(encoder, &pixels, 4, 2, image::ExtendedColorType::Rgb8).unwrap();
    png
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} could not run: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// pdfsig's verdict. It exits 0 even for a bad signature, so its output is read: valid means
/// the signature is valid, covers the whole file, and chains to the trusted root.
pub fn pdfsig_valid(pdf: &Path, nss_db: &Path) -> (bool, String) {
    let out = Command::new("pdfsig").arg("-nssdir").arg(nss_db).arg(pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let valid = text.contains("Signature Validation: Signature is Valid.")
        && text.contains("Total document signed")
        && !text.contains("not total document signed")
        && text.contains("Certificate Validation: Certificate is Trusted.");
    (valid, text)
}

pub fn pdftotext(pdf: &Path) -> String {
    run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
}
