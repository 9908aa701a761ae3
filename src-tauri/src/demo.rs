//! `interview-kiosk demo` (`make demo`): the whole job, headless, stage by stage.
//!
//! Each stage is real work on the data directory; a stage that does not exist yet is not
//! listed. The stages grow with the product: vault → job and questions → candidate and access
//! code → kiosk interview from sample media → scoring → signed report → verification.

use flow::FlowError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use interview::{Band, Bands, Lang, Localized, Role, UserFacing, Weight};
use manifest::AssetStore;
use vault::{NewCandidate, NewJob, NewQuestion, NewUser, Vault, VaultPaths};

use capture::kiosk::Controls;
use capture::{Capture, CaptureError, CaptureSettings, SyntheticCamera, SyntheticControl, SyntheticMicrophone};

use crate::error::ShellError;
use crate::score_cli;
use crate::selftest::t;
use flow::scoring::QueueEvent;

struct Stages {
    lang: Lang,
    done: usize,
    started: Instant,
}

impl Stages {
    /// Runs one stage, printing its name, outcome, timing and a one-line summary.
    fn run(&mut self, name: Localized, stage: impl FnOnce() -> Result<String, ShellError>) -> Result<(), ShellError> {
        self.done += 1;
        let label = format!("[{}] {}", self.done, name.get(self.lang));
        let start = Instant::now();
        let _span = tracing::info_span!("demo_stage", stage = self.done).entered();
        match stage() {
            Ok(summary) => {
                println!("{label:<34} ok    {:>7}  {summary}", seconds(start.elapsed()));
                Ok(())
            }
            Err(error) => {
                println!("{label:<34} FAIL  {:>7}  {}", seconds(start.elapsed()), error.user_message().get(self.lang));
                Err(error)
            }
        }
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// `interview-kiosk demo [--stop-after-recording]`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Stop once the interview is recorded, leaving its answers in the scoring queue (for
    /// `interview-kiosk score --queue --user clerk`; the demo's password is demo-password-2026).
    #[arg(long)]
    pub stop_after_recording: bool,
    /// Run an office instead: a hub and two kiosk stations as separate processes on this
    /// machine (loopback), with enrolment, two interviews at once, a link cut and restored,
    /// scoring spread over the machines and the hub's vault check.
    #[arg(long, conflicts_with = "stop_after_recording")]
    pub office: bool,
}

pub fn run(data_dir: &Path, args: &DemoArgs, lang: Lang) -> Result<(), ShellError> {
    if args.office {
        return crate::office_demo::run(data_dir, lang);
    }
    let mut stages = Stages { lang, done: 0, started: Instant::now() };
    println!(
        "{} {}",
        match lang {
            Lang::ZhCn => "面试一体机演示 — 数据目录",
            Lang::En => "Interview Kiosk demo — data directory",
        },
        data_dir.display()
    );

    stages.run(Localized::new("内置组件校验", "bundled components verified"), || {
        let store = AssetStore::locate()?;
        let checks = store.verify_all();
        let total = checks.len();
        let names: Vec<String> = checks.iter().map(|c| c.asset.name.clone()).collect();
        if let Some(bad) = checks.into_iter().find_map(|c| c.result.err()) {
            return Err(bad.into());
        }
        Ok(format!("{total}: {}", names.join(", ")))
    })?;

    let mut vault = None;
    stages.run(Localized::new("创建加密保险库", "encrypted vault created"), || {
        vault::keys::credential::use_platform_store()?;
        clear_previous_demo(data_dir)?;
        let admin = NewUser {
            username: "admin".into(),
            display_name: "演示管理员".into(),
            role: Role::Admin,
            password: DEMO_PASSWORD.into(),
        };
        let (mut created, recovery) = Vault::create(data_dir, admin)?;
        created.set_personaliser(scoring::resume::choose);
        std::fs::write(data_dir.join(DEMO_MARKER), created.vault_id())
            .map_err(|source| ShellError::DataDir { path: data_dir.to_owned(), source })?;
        let shown = recovery.display();
        let summary = format!("SQLCipher, {} {}…", t(lang, "恢复密钥", "recovery key"), &shown[..4]);
        vault = Some(created);
        Ok(summary)
    })?;
    let mut vault = vault.ok_or_else(|| ShellError::Internal("vault stage produced no vault".into()))?;

    let mut clerk = None;
    stages.run(Localized::new("账户与角色", "accounts and roles"), || {
        let admin = vault.login("admin", DEMO_PASSWORD, "demo")?;
        for (username, name, role) in [
            ("clerk", "演示人事专员", Role::Clerk),
            ("auditor", "演示审计员", Role::Auditor),
            ("kiosk-1", "1 号面试终端", Role::Kiosk),
        ] {
            vault.create_user(
                &admin,
                NewUser { username: username.into(), display_name: name.into(), role, password: DEMO_PASSWORD.into() },
            )?;
        }
        vault.logout(&admin)?;
        clerk = Some(vault.login("clerk", DEMO_PASSWORD, "demo")?);
        Ok("admin, clerk, auditor, kiosk-1 (Argon2id)".to_owned())
    })?;
    let clerk = clerk.ok_or_else(|| ShellError::Internal("no clerk session".into()))?;

    stages.run(
        Localized::new("机构信息与报告签名证书", "organisation and report-signing certificate"),
        || {
            let admin = vault.login("admin", DEMO_PASSWORD, "demo")?;
            let org = vault::Organisation { name: DEMO_ORGANISATION.into(), logo_png: None, report_lang: lang };
            vault.set_organisation(&admin, &org)?;
            let identity = report::SigningIdentity::generate(DEMO_ORGANISATION)?;
            flow::reports::install_signing_identity(&mut vault, &admin, &identity, false)?;
            vault.logout(&admin)?;
            Ok(format!("ECDSA P-256, {} {}…", t(lang, "根证书", "root"), &identity.root_fingerprint()[..16]))
        },
    )?;

    let mut job_id = 0;
    let mut questions = Vec::new();
    stages.run(Localized::new("岗位与题目", "job and questions"), || {
        let dimensions = [("沟通能力", 4000), ("服务意识", 3500), ("应急处理", 2500)]
            .map(|(d, bp)| Weight { dimension: d.into(), basis_points: bp })
            .to_vec();
        job_id = vault.create_job(
            &clerk,
            NewJob {
                title: "政务服务窗口岗".into(),
                language: Lang::ZhCn,
                dimensions,
                bands: Bands::new(80, 60).map_err(vault::VaultError::from)?,
            },
        )?;
        // The second question may ask one follow-up: about reporting to a superior, if the
        // answer leaves it out.
        let q2_rubric = with_follow_up(SAMPLES[1].1, "escalate")?;
        for (situational, text, dims, rubric) in [
            (false, "请介绍一次你耐心帮助他人解决问题的经历。", vec!["沟通能力", "服务意识"], SAMPLES[0].1),
            (true, "窗口前一位群众情绪激动、大声抱怨，你会怎么处理？", vec!["应急处理", "沟通能力"], &*q2_rubric),
        ] {
            let question = vault.add_question(
                &clerk,
                NewQuestion {
                    job_id,
                    situational,
                    text: text.into(),
                    rubric_json: rubric.into(),
                    dimensions: dims.into_iter().map(String::from).collect(),
                    prep_seconds: QUESTION_LIMITS[0].0,
                    answer_seconds: QUESTION_LIMITS[0].1,
                    retakes: QUESTION_LIMITS[0].2,
                },
            )?;
            questions.push(question);
        }
        // One personalised question: asked only of candidates whose résumé says they led a team.
        let personalised = vault.add_question(
            &clerk,
            NewQuestion {
                job_id,
                situational: false,
                text: PERSONALISED.into(),
                rubric_json: SAMPLES[2].1.into(),
                dimensions: vec!["沟通能力".into(), "服务意识".into()],
                prep_seconds: QUESTION_LIMITS[0].0,
                answer_seconds: QUESTION_LIMITS[0].1,
                retakes: QUESTION_LIMITS[0].2,
            },
        )?;
        let led = interview::resume::Clause::AnyPhrase(vec!["带领".into(), "团队管理".into()]);
        vault.set_question_condition(
            &clerk,
            personalised,
            Some(interview::resume::Condition { all: vec![led] }),
            None,
        )?;
        vault.set_personalised_max(&clerk, job_id, 1, None)?;
        Ok(format!(
            "job {job_id}: 沟通能力 40% · 服务意识 35% · 应急处理 25%; 2 {} + 1 {}",
            t(lang, "道题", "questions"),
            t(
                lang,
                "道个性化题目（简历提到“带领”时提问）",
                "personalised (asked when the résumé mentions leading a team)"
            )
        ))
    })?;

    let mut invitation = None;
    stages.run(Localized::new("候选人与准入码", "candidate and access code"), || {
        let candidate = vault.add_candidate(
            &clerk,
            NewCandidate {
                job_id,
                name: "张三".into(),
                id_number: Some(DEMO_ID_NUMBER.into()),
                phone: Some("13800000000".into()),
                email: None,
                group: None,
            },
        )?;
        let resume = interview::resume::ResumeFacts {
            education: Some(interview::resume::Education::Bachelor),
            years: Some(5),
            roles: vec!["综合窗口组长".into()],
            text: "在区政务服务中心工作五年。2024年带领三人小组完成窗口改造，排队时间缩短一半。".into(),
            ..Default::default()
        };
        vault.set_resume(&clerk, candidate, resume, interview::resume::ResumeSource::Clerk)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let (interview, code) = vault.issue_invitation(&clerk, candidate, now, now + 24 * 3_600_000)?;
        let chosen = vault.interview_personalised(&clerk, interview)?;
        let why: Vec<String> = chosen
            .iter()
            .map(|p| {
                let reasons: Vec<String> = p.reasons.iter().map(|r| r.sentence().get(lang).to_owned()).collect();
                format!("Q{}: {}", p.question_id, reasons.join("; "))
            })
            .collect();
        let summary = format!(
            "candidate {candidate}, interview {interview}, {} {}; {} {}",
            t(lang, "准入码", "access code"),
            code.display(),
            t(lang, "个性化题目", "personalised"),
            why.join(", ")
        );
        invitation = Some((interview, code));
        Ok(summary)
    })?;
    let (_, code) = invitation.ok_or_else(|| ShellError::Internal("no invitation".into()))?;

    stages.run(
        Localized::new("考场面试（模拟摄像头与麦克风）", "kiosk interview (synthetic camera and microphone)"),
        || {
            // The station's steps, as the kiosk window runs them (`flow::station`).
            let flow::station::SignedIn { session: kiosk, recovered } =
                flow::station::sign_in(&mut vault, "kiosk-1", DEMO_PASSWORD, "kiosk-1")?;
            // Capture as at a real kiosk: the camera shows the bundled picture, the microphone
            // "hears" the sample answers at 48 kHz, in real time; the backend owns the clocks.
            let SyntheticCandidate { control, clips, capture, settings } = synthetic_candidate()?;
            let plan = flow::station::check_in(&mut vault, &kiosk, &code, Some(DEMO_ID_LAST4))?;
            flow::station::consent(&mut vault, &kiosk, plan.interview_id, true)?;
            let limits = flow::station::limits(&plan);
            capture::kiosk::preflight(data_dir, &capture, &limits, &settings)?;
            let (mut segments, mut bytes, mut dropped, mut drift, mut seconds) = (0, 0, 0, 0.0f64, 0.0);
            let answered = plan.questions.len();
            // Follow-ups are decided on a live transcript: the recogniser runs beside the capture.
            let mut live = match flow::follow_up::plan_needs_live(&plan) {
                true => Some(flow::follow_up::start_live(vault.recognition_models()?, plan.job_language)?),
                false => None,
            };
            let follow_up_clip = capture::SyntheticMicrophone::new(48_000, 0.0, control.clone())
                .load_wav(FOLLOW_UP_SAMPLE)
                .map_err(CaptureError::from)?;
            let mut follow_ups_seen = Vec::new();
            for ((question, limit), clip) in plan.questions.iter().zip(&limits).zip(clips) {
                let controls = std::sync::Arc::new(Controls::default());
                // The candidate is ready at once, speaks the answer, then presses "finished".
                controls.start_now();
                let finisher = controls.clone();
                let candidate = control.answer_then(clip, move || finisher.finish());
                let mut hook = match (flow::follow_up::question_rubric(question), live.as_mut()) {
                    (Some(rubric), Some(live)) => Some(flow::follow_up::QuestionFollowUps {
                        live,
                        rubric,
                        language: plan.job_language,
                        limits: flow::follow_up::follow_up_limits(question, plan.extra_time_pct),
                        patience: crate::kiosk::follow_up_patience(),
                    }),
                    _ => None,
                };
                // Asked a follow-up, the candidate reads it, is ready at once and answers it.
                let mut speaking = Vec::new();
                let mut asked = Vec::new();
                let done = flow::station::answer(
                    &mut capture::kiosk::VaultStore { vault: &mut vault, session: &kiosk },
                    &capture,
                    plan.interview_id,
                    question.question_id,
                    limit,
                    &controls,
                    hook.as_mut().map(|h| h as &mut dyn capture::kiosk::FollowUps),
                    &mut |event| {
                        if let capture::kiosk::KioskEvent::FollowUp { question, .. } = event {
                            asked.push(question);
                            controls.start_now();
                            let finisher = controls.clone();
                            speaking.push(control.answer_then(follow_up_clip.clone(), move || finisher.finish()));
                        }
                    },
                )?;
                let _ = candidate.join();
                for speaker in speaking {
                    let _ = speaker.join();
                }
                if let Some(Some(outcome)) = done.as_ref().map(|d| d.outcome.follow_up) {
                    follow_ups_seen.push(match asked.first() {
                        Some(q) => format!("Q{} {} “{q}”", question.question_id, t(lang, "追问", "follow-up")),
                        None => format!(
                            "Q{} {} {}",
                            question.question_id,
                            t(lang, "未追问", "no follow-up"),
                            outcome.as_str()
                        ),
                    });
                }
                let Some(flow::station::AnswerDone { outcome, .. }) = done else {
                    return Err(ShellError::Internal("the demo's answer was abandoned".into()));
                };
                segments += outcome.segments;
                bytes += outcome.stats.video_bytes + outcome.stats.audio_bytes + outcome.stats.still_bytes;
                dropped += outcome.stats.frames_dropped;
                drift = drift.max(outcome.stats.max_drift_ms);
                seconds += outcome.stats.recorded_ms as f64 / 1000.0;
            }
            capture.shutdown();
            drop(live);
            flow::station::finish(&mut vault, &kiosk, plan.interview_id)?;
            vault.logout(&kiosk)?;
            Ok(format!(
                "{} {}: {:.0} s, {segments} {}, {:.1} MB, {dropped} {}, {} {drift:.0} ms; {}{}",
                answered,
                t(lang, "题已录制并加密存储", "answers recorded, encrypted"),
                seconds,
                t(lang, "段", "segments"),
                bytes as f64 / 1e6,
                t(lang, "帧丢失", "frames dropped"),
                t(lang, "音画偏差最大", "max A/V drift"),
                follow_ups_seen.join(", "),
                if recovered.is_empty() { String::new() } else { format!(", {} recovered", recovered.len()) }
            ))
        },
    )?;

    if args.stop_after_recording {
        let (waiting, _) = vault.scoring_queue_counts()?;
        println!(
            "{} {waiting} {}",
            t(lang, "演示在录制后停止；评分队列中有", "demo stopped after recording;"),
            t(
                lang,
                "个任务等待（interview-kiosk score --queue）",
                "scoring jobs wait in the queue (interview-kiosk score --queue)"
            )
        );
        return Ok(());
    }

    let mut events = Vec::new();
    stages.run(Localized::new("离线评分（评分队列）", "offline scoring (queue)"), || {
        let (mut scorer, load_ms) = flow::scoring::load_scorer(vault.recognition_models()?)?;
        let mut updates = 0;
        let jobs = flow::scoring::drain_queue(&mut vault, &mut scorer, |event| match event {
            QueueEvent::Progress { .. } => updates += 1,
            other => events.push(format_event(other, lang)),
        })?;
        let (waiting, failed) = vault.scoring_queue_counts()?;
        if waiting > 0 || failed > 0 {
            return Err(ShellError::Internal(format!("{waiting} scoring jobs left, {failed} failed")));
        }
        Ok(format!(
            "{} {:.1} s; {jobs} {}",
            t(lang, "模型加载", "models loaded in"),
            load_ms as f64 / 1000.0,
            t(lang, "个评分任务完成（每题一个，另加总分）", "jobs done (one per answer, then the total)")
        ) + &format!(", {updates} {}", t(lang, "条进度更新", "progress updates")))
    })?;
    for event in &events {
        print!("{event}");
    }

    stages.run(Localized::new("人工复核与决定", "human review and decision"), || {
        let (interview_id, dimensions) = demo_interview(&mut vault, &clerk, job_id)?;
        for (dimension, level) in dimensions.iter().zip([4, 4, 3]) {
            vault.record_rating(
                &clerk,
                interview_id,
                dimension,
                level,
                Some(t(lang, "回答具体，有实例。", "Concrete answer with examples.")),
            )?;
        }
        // No decision over an open question: the clerk listens to each flagged passage and
        // confirms or dismisses it first (here: dismissed, the sample answers are in the job's
        // language and speak throughout).
        let flags = vault.interview_record(&clerk, interview_id)?.flags;
        let open: Vec<i64> = flags.iter().filter(|f| f.status == interview::FlagStatus::Open).map(|f| f.id).collect();
        for flag in &open {
            vault.review_flag(&clerk, *flag, false)?;
        }
        vault.record_decision(
            &clerk,
            interview_id,
            Band::Recommend,
            t(lang, "沟通清楚，服务意识强。", "Communicates clearly; strong service attitude."),
        )?;
        Ok(format!(
            "{} {}, {} {}, {}",
            dimensions.len(),
            t(lang, "项人工评分", "human ratings"),
            open.len(),
            t(lang, "个完整性提示经核对后排除", "integrity flags dismissed after listening"),
            t(lang, "决定：推荐", "decision: recommend")
        ))
    })?;

    stages.run(Localized::new("往年一轮与录用后结果", "last year's round and its later outcomes"), || {
        let past_questions: Vec<(i64, &str)> =
            questions.iter().copied().zip(SAMPLES.iter().map(|(_, rubric)| *rubric)).collect();
        crate::demo_history::past_round(&mut vault, &clerk, job_id, &past_questions, data_dir, DEMO_PASSWORD, lang)
    })?;

    let reports_dir = data_dir.join("reports");
    let mut candidate_pdf = PathBuf::new();
    stages.run(Localized::new("签名 PDF 报告", "signed PDF reports"), || {
        std::fs::create_dir_all(&reports_dir)
            .map_err(|source| ShellError::DataDir { path: reports_dir.clone(), source })?;
        let (interview_id, _) = demo_interview(&mut vault, &clerk, job_id)?;
        let now = flow::reports::now();
        let candidate = report::export::export_candidate(&mut vault, &clerk, interview_id, None, now)?;
        candidate_pdf = reports_dir.join(format!("{}.pdf", candidate.report_id));
        write_demo_file(&candidate_pdf, &candidate.pdf)?;
        let job = report::export::export_job(&mut vault, &clerk, job_id, None, now)?;
        write_demo_file(&reports_dir.join(format!("{}-job.pdf", job.report_id)), &job.pdf)?;
        let auditor = vault.login("auditor", DEMO_PASSWORD, "demo")?;
        let today = now.unix_timestamp() * 1000;
        let (audit, csv) =
            report::export::export_audit(&mut vault, &auditor, today - 86_400_000, today + 60_000, None, now)?;
        write_demo_file(&reports_dir.join(format!("{}-audit.pdf", audit.report_id)), &audit.pdf)?;
        write_demo_file(&reports_dir.join(format!("{}-audit.csv", audit.report_id)), csv.as_bytes())?;
        vault.logout(&auditor)?;
        Ok(format!(
            "{} {} KB, {} {} KB, {} {} KB → {}",
            t(lang, "候选人报告", "candidate"),
            candidate.pdf.len().div_ceil(1024),
            t(lang, "岗位报告", "job"),
            job.pdf.len().div_ceil(1024),
            t(lang, "审计报告", "audit"),
            audit.pdf.len().div_ceil(1024),
            reports_dir.display()
        ))
    })?;

    stages.run(Localized::new("报告核验", "report verified"), || {
        let bytes =
            std::fs::read(&candidate_pdf).map_err(|source| FlowError::Read { path: candidate_pdf.clone(), source })?;
        let verdict = report::export::verify_with_vault(&bytes, Some((&mut vault, &clerk)), &[])?;
        if !verdict.is_valid() {
            return Err(ShellError::ReportInvalid);
        }
        let mut tampered = bytes.clone();
        let middle = tampered.len() / 2;
        tampered[middle] ^= 0x01;
        let rejected = !report::export::verify_with_vault(&tampered, Some((&mut vault, &clerk)), &[])?.is_valid();
        Ok(format!(
            "{}: {} ({}), {}; {}",
            t(lang, "签名有效", "signature valid"),
            verdict.verification.signer.as_deref().unwrap_or("—"),
            verdict.verification.report_id.as_deref().unwrap_or("—"),
            t(lang, "覆盖整个文件，已在本保险库登记", "whole file covered, registered in this vault"),
            if rejected {
                t(lang, "改动一个字节后核验失败（符合预期）", "one changed byte is rejected (as it should be)")
            } else {
                "TAMPERING NOT DETECTED"
            }
        ))
    })?;

    stages.run(Localized::new("保险库检查", "vault check"), || {
        let auditor = vault.login("auditor", DEMO_PASSWORD, "demo")?;
        let report = vault.check(&auditor)?;
        let status = vault.status()?;
        Ok(format!(
            "{} users, {} jobs, {} candidates, {} interviews; audit chain of {} entries valid",
            status.users, status.jobs, status.candidates, status.interviews, report.audit.entries
        ))
    })?;

    stages.run(Localized::new("备份与保存期限", "backup and retention"), || {
        let admin = vault.login("admin", DEMO_PASSWORD, "demo")?;
        let report = vault.backup(&admin, &data_dir.join(DEMO_BACKUP))?;
        let purge = vault.run_retention_job()?;
        Ok(format!(
            "{DEMO_BACKUP} {:.2} MB, {} media; retention {} days: {} candidates purged",
            report.bytes as f64 / 1e6,
            report.media_files,
            purge.retention_days,
            purge.candidates
        ))
    })?;

    println!(
        "{} {}",
        match lang {
            Lang::ZhCn => "演示完成，用时",
            Lang::En => "demo finished in",
        },
        seconds(stages.started.elapsed())
    );
    Ok(())
}

/// The demo's report of one scoring job.
fn format_event(event: &QueueEvent, lang: Lang) -> String {
    match event {
        QueueEvent::AnswerScored { answer, result, .. } => {
            format!(
                "    {} {}\n{}",
                t(lang, "题目：", "question:"),
                answer.question_text,
                score_cli::answer_report(result, lang)
            )
        }
        QueueEvent::TotalScored { interview_id, score } => {
            format!("    {} {interview_id}:\n{}", t(lang, "面试", "interview"), score_cli::total_report(score, lang))
        }
        QueueEvent::Failed { job, code } => format!("    job {} failed: {code}\n", job.id),
        QueueEvent::Progress { .. } => String::new(),
    }
}

/// The demo job's one interview and the job's dimensions.
fn demo_interview(vault: &mut Vault, clerk: &vault::Session, job_id: i64) -> Result<(i64, Vec<String>), ShellError> {
    let page = vault
        .list_candidates(clerk, &vault::CandidateFilter { job_id: Some(job_id), limit: 1, ..Default::default() })?;
    let candidate = page.rows.first().ok_or_else(|| ShellError::Internal("the demo has no candidate".into()))?;
    let interview_id = vault.interview_of_candidate(clerk, candidate.id)?;
    let dimensions = vault.job(clerk, job_id)?.dimensions.into_iter().map(|w| w.dimension).collect();
    Ok((interview_id, dimensions))
}

fn write_demo_file(path: &Path, bytes: &[u8]) -> Result<(), ShellError> {
    Ok(std::fs::write(path, bytes).map_err(|source| FlowError::Write { path: path.to_owned(), source })?)
}

/// The demo's organisation, printed on its reports.
const DEMO_ORGANISATION: &str = "某市政务服务中心（演示）";
/// Marks a data directory whose vault the demo created, so a second `make demo` may replace it.
const DEMO_MARKER: &str = ".interview-kiosk-demo";
/// The demo's backup, replaced by the next run.
const DEMO_BACKUP: &str = "demo-backup.ikb";
/// Demo accounts only. Real installations choose their own in the first-run wizard.
pub(crate) const DEMO_PASSWORD: &str = "demo-password-2026";
/// The demo candidate's (fictitious) resident ID number; the kiosk asks for its last four.
const DEMO_ID_NUMBER: &str = "11010519491231002X";
const DEMO_ID_LAST4: &str = "002X";
/// The bundled sample answers (spoken with espeak-ng; see assets/samples/demo/answers.tsv) and
/// the rubrics of the two demo questions and of the personalised one.
const SAMPLES: [(&[u8], &str); 3] = [
    (include_bytes!("../../assets/samples/demo/q1.wav"), include_str!("../../assets/samples/demo/q1-rubric.json")),
    (include_bytes!("../../assets/samples/demo/q2.wav"), include_str!("../../assets/samples/demo/q2-rubric.json")),
    (include_bytes!("../../assets/samples/demo/q3.wav"), include_str!("../../assets/samples/demo/q3-rubric.json")),
];
/// The demo candidate's answer to a follow-up about reporting to a superior (answers.tsv).
const FOLLOW_UP_SAMPLE: &[u8] = include_bytes!("../../assets/samples/demo/q2-follow-up.wav");

/// A sample rubric allowing one follow-up, with one on its key point `on`.
fn with_follow_up(rubric: &str, on: &str) -> Result<String, ShellError> {
    let mut rubric = scoring::rubric::Rubric::parse(rubric)
        .map_err(|error| FlowError::Rubric { path: "q2-rubric.json".into(), error })?;
    rubric.follow_ups = 1;
    for kp in rubric.key_points.iter_mut().filter(|kp| kp.id == on) {
        kp.follow_up = Some(interview::Localized::new(
            "如果问题当场解决不了，您会怎么做？",
            "What would you do if you could not solve the problem there and then?",
        ));
    }
    serde_json::to_string(&rubric).map_err(|e| ShellError::Internal(e.to_string()))
}

/// The personalised question: asked of candidates whose résumé says they led a team.
const PERSONALISED: &str = "你在简历中提到带领团队。团队成员之间出现分歧时，你是怎么处理的？";

/// What the synthetic camera shows: NASA's astronaut portrait (public domain), see make.sh there.
const CANDIDATE_PICTURE: &[u8] = include_bytes!("../../assets/samples/demo/candidate.jpg");
/// Preparation seconds, answer seconds and retakes of each demo question.
const QUESTION_LIMITS: [(u32, u32, u32); 2] = [(30, 120, 1), (30, 120, 1)];

/// A candidate at a kiosk without hardware: the bundled portrait on a synthetic camera, and a
/// microphone that "says" the bundled sample answers (`clips`, one per question) when told to
/// through `control`; the capture running at the default settings.
pub(crate) struct SyntheticCandidate {
    pub control: std::sync::Arc<SyntheticControl>,
    pub clips: Vec<Vec<f32>>,
    pub capture: Capture,
    pub settings: CaptureSettings,
}

pub(crate) fn synthetic_candidate() -> Result<SyntheticCandidate, ShellError> {
    let control = SyntheticControl::new();
    let microphone = SyntheticMicrophone::new(48_000, 0.0, control.clone());
    let clips = SAMPLES
        .iter()
        .map(|(wav, _)| microphone.load_wav(wav))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CaptureError::from)?;
    let camera = SyntheticCamera::picture("candidate.jpg", CANDIDATE_PICTURE, 640, 480, 30, control.clone())
        .map_err(CaptureError::from)?;
    let settings = CaptureSettings::default();
    let capture = Capture::start(Box::new(camera), Box::new(microphone), settings.clone())?;
    Ok(SyntheticCandidate { control, clips, capture, settings })
}

/// Removes the vault of an earlier demo run (and its key in the credential store). A vault the
/// demo did not create is never touched.
fn clear_previous_demo(data_dir: &Path) -> Result<(), ShellError> {
    let paths = VaultPaths::in_data_dir(data_dir);
    if !paths.exists() {
        return Ok(());
    }
    let marker = data_dir.join(DEMO_MARKER);
    let id = vault::vault_id_at(data_dir)?;
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(id.as_str()) {
        return Err(ShellError::NotADemoVault(data_dir.to_owned()));
    }
    // Never under a process that has this vault open (another demo recording into it, the app).
    let _alone = vault::lock::VaultLock::exclusive(&paths.dir, vault::lock::Exclusive::Reset)?;
    vault::keys::credential::delete(&id)?;
    let reports = data_dir.join("reports");
    if reports.exists() {
        std::fs::remove_dir_all(&reports).map_err(|source| ShellError::DataDir { path: reports.clone(), source })?;
    }
    let backup = data_dir.join(DEMO_BACKUP);
    if backup.exists() {
        std::fs::remove_file(&backup).map_err(|source| ShellError::DataDir { path: backup.clone(), source })?;
    }
    std::fs::remove_dir_all(&paths.dir).map_err(|source| ShellError::DataDir { path: paths.dir.clone(), source })?;
    Ok(())
}
