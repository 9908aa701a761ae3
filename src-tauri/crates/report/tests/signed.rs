//! Signed reports checked by real validators: poppler's pdfsig (with an NSS database trusting
//! the organisation's root, as an agency's workstation would), pdftotext and pdftoppm, and our
//! own `verify` against the vault's register.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;

use common::{World, pdfsig_valid, pdftotext, run};
use interview::{Band, Lang};
use report::Problem;
use report::export::{export_audit, export_candidate, export_job, verify_with_vault};
use time::OffsetDateTime;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[test]
fn every_report_type_is_valid_for_pdfsig_and_for_verify() {
    let mut w = World::new();
    let decided = w.interview("张三", Some("A"), [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    w.interview("李四", Some("B"), [2.0, 2.5, 3.0], Some([2, 3, 3]), Some(Band::NotRecommended));
    let nss = w.nss_db();
    let mut files = Vec::new();
    for lang in [Lang::ZhCn, Lang::En] {
        let report = export_candidate(&mut w.vault, &w.clerk, decided, Some(lang), now()).unwrap();
        assert!(report.signed);
        files.push((format!("candidate-{lang}"), report.pdf));
    }
    files.push(("job".into(), export_job(&mut w.vault, &w.clerk, w.job, None, now()).unwrap().pdf));
    let (audit, csv) = export_audit(&mut w.vault, &w.auditor, 0, common::now_ms() + 60_000, None, now()).unwrap();
    assert!(csv.lines().count() > 20, "{csv}");
    files.push(("audit".into(), audit.pdf));

    for (name, pdf) in files {
        let path = w.path(&format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let (valid, text) = pdfsig_valid(&path, &nss);
        assert!(valid, "{name}: pdfsig says\n{text}");
        assert!(text.contains("Signature Type: ETSI.CAdES.detached"), "{text}");
        let report = verify_with_vault(&pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap();
        assert!(report.is_valid(), "{name}: {report:#?}");
        let m = report.vault.as_ref().unwrap();
        assert!(m.known && m.matches && m.our_signer);
        assert!(report.verification.certification && report.verification.whole_document);
        // The certificate chain ends at the organisation's root.
        assert_eq!(report.verification.root_fingerprint.as_deref(), Some(w.identity.root_fingerprint().as_str()));
        // ≤ 400 KB per candidate report (the issue's budget).
        assert!(pdf.len() < 400 * 1024, "{name}: {} bytes", pdf.len());
    }
}

#[test]
fn one_changed_byte_anywhere_is_rejected_by_pdfsig_and_by_verify() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    let pdf = export_candidate(&mut w.vault, &w.clerk, interview, None, now()).unwrap().pdf;
    let nss = w.nss_db();
    let roots = vec![w.identity.chain_der().last().unwrap().clone()];
    let seed: u64 = std::env::var("REPORT_TAMPER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| common::now_ms() as u64);
    println!("REPORT_TAMPER_SEED={seed}");
    let mut rng = Lcg(seed);
    // Where the signature's hex string and, inside it, the encapsulated content type lie.
    let contents = find(&pdf, b"/Contents<")
        .map(|i| i + b"/Contents".len())
        .or_else(|| find(&pdf, b"/Contents <").map(|i| i + 10))
        .unwrap();
    let path = w.path("tampered.pdf");
    let mut pdfsig_checked = 0;
    for round in 0..400 {
        let offset = rng.below(pdf.len());
        let mut tampered = pdf.clone();
        tampered[offset] = if offset > contents && tampered[offset].is_ascii_hexdigit() {
            // Inside the hex string: another hex digit, so the change is not a parse error.
            let digits = b"0123456789ABCDEF";
            loop {
                let d = digits[rng.below(16)];
                if d != tampered[offset].to_ascii_uppercase() {
                    break d;
                }
            }
        } else {
            tampered[offset] ^ (1 + rng.below(255) as u8)
        };
        let ours = report::verify_pdf(&tampered, &roots);
        assert!(!ours.is_valid(), "verify accepted a change at byte {offset} (seed {seed})");
        assert!(!ours.problems.is_empty());
        // pdfsig for one in four (it costs a process each). NSS does not compare the
        // encapsulated content type (bytes 41–53 of the container) with the signed content-type
        // attribute, so a change there passes pdfsig; `verify` rejects it (checked above).
        let in_content_type = (contents + 1 + 2 * 41..contents + 1 + 2 * 54).contains(&offset);
        if round % 4 == 0 && !in_content_type {
            std::fs::write(&path, &tampered).unwrap();
            let (valid, text) = pdfsig_valid(&path, &nss);
            assert!(!valid, "pdfsig accepted a change at byte {offset} (seed {seed}):\n{text}");
            pdfsig_checked += 1;
        }
    }
    assert!(pdfsig_checked >= 90);
}

#[test]
fn the_pages_carry_chinese_and_english_text_the_chart_and_the_tables() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    for (lang, expect) in [
        (
            Lang::ZhCn,
            [
                "面试评估报告",
                "某市人力资源和社会保障局",
                "政务服务窗口岗",
                "沟通能力",
                "安抚情绪",
                "画面中无人脸",
                "人工复核",
                "李专员",
                "本报告中的评分由人工智能",
            ],
        ),
        (
            Lang::En,
            [
                "Interview assessment report",
                "某市人力资源和社会保障局",
                "政务服务窗口岗",
                "沟通能力",
                "安抚情绪",
                "No face in view",
                "Human review",
                "李专员",
                "AI assisted",
            ],
        ),
    ] {
        let report = export_candidate(&mut w.vault, &w.clerk, interview, Some(lang), now()).unwrap();
        let path = w.path(&format!("{lang}.pdf"));
        std::fs::write(&path, &report.pdf).unwrap();
        let text = pdftotext(&path);
        for e in expect {
            assert!(text.contains(e), "{lang}: {e:?} missing from\n{text}");
        }
        assert!(text.contains(&report.report_id), "the report id is on the pages");
        // Every page says which report it belongs to and where it is.
        let pages = text.matches('\u{c}').count().max(1);
        for page in 1..=pages {
            let marker = match lang {
                Lang::ZhCn => format!("第 {page} 页"),
                Lang::En => format!("Page {page} of"),
            };
            assert!(text.contains(&marker), "{marker} missing");
        }
        // Rendered, the first page has ink where the chart is: the blue AI bars.
        let prefix = w.path(&format!("{lang}-page"));
        run("pdftoppm", &["-r", "50", "-f", "1", "-l", "1", path.to_str().unwrap(), prefix.to_str().unwrap()]);
        let ppm = std::fs::read_dir(w.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{lang}-page")))
            .unwrap();
        let image = image::open(&ppm).unwrap().to_rgb8();
        let blue = image.pixels().filter(|p| p[2] > 150 && p[0] < 90 && p[1] < 150).count();
        assert!(blue > 200, "{lang}: {blue} blue pixels: no chart bars?");
        // …and the organisation's logo (red and green) in the header.
        let red = image.pixels().filter(|p| p[0] > 170 && p[1] < 60 && p[2] < 60).count();
        assert!(red > 100, "{lang}: {red} red pixels: no logo?");
    }
}

#[test]
fn an_interview_not_yet_decided_gives_an_unsigned_draft_that_never_passes_for_a_report() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], None, None);
    let draft = export_candidate(&mut w.vault, &w.clerk, interview, Some(Lang::ZhCn), now()).unwrap();
    assert!(!draft.signed);
    assert!(draft.draft_reason.unwrap().contains("尚未经人工复核"));
    let path = w.path("draft.pdf");
    std::fs::write(&path, &draft.pdf).unwrap();
    let text = pdftotext(&path);
    assert!(text.contains("草稿"), "{text}");
    let out = std::process::Command::new("pdfsig").arg(&path).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("does not contain any signatures"));
    let report = verify_with_vault(&draft.pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap();
    assert!(!report.is_valid());
    assert_eq!(report.verification.problems, [Problem::Unsigned]);
    // Not registered either; but its export is in the audit log.
    assert!(!report.vault.unwrap().known);
    let log = w.vault.audit_log(&w.auditor, Some(&format!("interview:{interview}")), 100).unwrap();
    assert!(log.iter().any(|e| e.action == "report.draft" && e.actor == "clerk"), "{log:?}");
}

#[test]
fn bad_input_gets_a_clear_verdict_never_a_panic() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Hold));
    let pdf = export_candidate(&mut w.vault, &w.clerk, interview, None, now()).unwrap().pdf;
    let roots = vec![w.identity.chain_der().last().unwrap().clone()];
    let code = |bytes: &[u8]| report::verify_pdf(bytes, &roots).problems.first().map(Problem::code);

    assert_eq!(code(b"PK\x03\x04 a zip file"), Some("verify.not_pdf"));
    assert_eq!(code(b""), Some("verify.not_pdf"));
    for cut in [pdf.len() / 2, pdf.len() - 40, 100] {
        let v = report::verify_pdf(&pdf[..cut], &roots);
        assert!(!v.is_valid(), "truncated at {cut}");
        assert!(!v.problems.is_empty());
    }
    // An incremental update appended after signing (what an editor saving "changes" does).
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let mut update = lopdf::IncrementalDocument::create_from(pdf.clone(), doc.clone());
    update.opt_clone_object_to_new_document(info).unwrap();
    update.new_document.get_dictionary_mut(info).unwrap().set("Title", lopdf::Object::string_literal("changed"));
    let mut appended = Vec::new();
    update.save_to(&mut appended).unwrap();
    assert!(appended.len() > pdf.len() && appended.starts_with(&pdf));
    let v = report::verify_pdf(&appended, &roots);
    assert!(!v.is_valid());
    assert!(v.problems.iter().any(|p| matches!(p, Problem::NotWholeDocument { .. })), "{:?}", v.problems);
    let path = w.path("appended.pdf");
    std::fs::write(&path, &appended).unwrap();
    let (valid, text) = pdfsig_valid(&path, &w.nss_db());
    assert!(!valid, "{text}");
    // Each problem has a sentence in both languages.
    for p in &v.problems {
        assert!(!p.message().zh_cn.is_empty() && !p.message().en.is_empty());
    }
}

#[test]
fn a_report_the_vault_never_issued_or_from_another_organisation_is_flagged() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    // Another installation, its own identity and report.
    let mut other = World::new();
    let theirs_id = other.interview("赵六", None, [3.0, 3.0, 3.0], Some([3, 3, 3]), Some(Band::Hold));
    let theirs = export_candidate(&mut other.vault, &other.clerk, theirs_id, None, now()).unwrap().pdf;
    let report = verify_with_vault(&theirs, Some((&mut w.vault, &w.clerk)), &[]).unwrap();
    assert!(!report.is_valid());
    assert!(report.verification.problems.contains(&Problem::UntrustedSigner));
    let m = report.vault.unwrap();
    assert!(!m.known && !m.our_signer);
    // Given the other root explicitly, the signature itself is sound — but the vault does not know it.
    let their_root = other.identity.chain_der().last().unwrap().clone();
    let report = verify_with_vault(&theirs, Some((&mut w.vault, &w.clerk)), &[their_root]).unwrap();
    assert!(report.verification.is_valid());
    assert!(!report.is_valid(), "known to this vault? {:?}", report.vault);

    // The same report exported twice: both registered, each matching its own id only.
    let a = export_candidate(&mut w.vault, &w.clerk, interview, None, now()).unwrap();
    let b = export_candidate(&mut w.vault, &w.clerk, interview, None, now()).unwrap();
    assert_ne!(a.report_id, b.report_id);
    for pdf in [&a.pdf, &b.pdf] {
        assert!(verify_with_vault(pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap().is_valid());
    }
    // A new identity replaces the old one; reports signed with the old one still verify.
    let newer = report::SigningIdentity::generate("某市人力资源和社会保障局").unwrap();
    common::install(&mut w.vault, &w.admin, &newer);
    assert!(verify_with_vault(&a.pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap().is_valid());
    let c = export_candidate(&mut w.vault, &w.clerk, interview, None, now()).unwrap();
    let report = verify_with_vault(&c.pdf, Some((&mut w.vault, &w.clerk)), &[]).unwrap();
    assert!(report.is_valid());
    assert_eq!(report.verification.signer_fingerprint.as_deref(), Some(newer.fingerprint().as_str()));
}

#[test]
fn exporting_needs_the_right_role_and_a_signing_identity() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    // The kiosk may not export; the refusal is audited by the vault.
    let err = export_candidate(&mut w.vault, &w.kiosk, interview, None, now()).unwrap_err();
    assert_eq!(interview::UserFacing::code(&err), "auth.denied");
    // A clerk may not export the audit log.
    let err = export_audit(&mut w.vault, &w.clerk, 0, common::now_ms(), None, now()).unwrap_err();
    assert_eq!(interview::UserFacing::code(&err), "auth.denied");
    // A vault without a signing identity says so, in both languages.
    let mut bare = World::without_identity();
    let id = bare.interview("王五", None, [3.0, 3.0, 3.0], Some([3, 3, 3]), Some(Band::Hold));
    let err = export_candidate(&mut bare.vault, &bare.clerk, id, None, now()).unwrap_err();
    assert_eq!(interview::UserFacing::code(&err), "report.no_signing_identity");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A tiny deterministic generator, so a failure can be replayed from its printed seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn the_job_report_ranks_candidates_and_measures_agreement_and_selection_rates() {
    let mut w = World::new();
    // Group A: 4 of 6 recommended; group B: 1 of 6 → impact ratio 0.25, below four-fifths.
    for i in 0..12 {
        let group = if i < 6 { "A" } else { "B" };
        let selected = if i < 6 { i < 4 } else { i == 6 };
        let ai = 1.0 + (i % 5) as f64;
        let human = (1 + (i % 5)) as i64;
        let band = if selected { Band::Recommend } else { Band::NotRecommended };
        w.interview(&format!("候选人{i:02}"), Some(group), [ai, ai, ai], Some([human, human, human]), Some(band));
    }
    // One invited but not interviewed: listed, not ranked.
    let pending = w
        .vault
        .add_candidate(
            &w.clerk,
            vault::NewCandidate {
                job_id: w.job,
                name: "未面试者".into(),
                id_number: None,
                phone: None,
                email: None,
                group: None,
            },
        )
        .unwrap();
    assert!(pending > 0);
    let report = export_job(&mut w.vault, &w.clerk, w.job, Some(Lang::ZhCn), now()).unwrap();
    let path = w.path("job.pdf");
    std::fs::write(&path, &report.pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        "岗位面试汇总报告",
        "候选人排名",
        "未面试者",
        "Spearman",
        "Cohen",
        "不利影响比",
        "0.25 (需关注)",
        "1.00",
        "尚未记录录用后结果",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from\n{text}");
    }
    // AI and human levels agree perfectly here: ρ = 1.00 and κ = 1.00 for every dimension.
    assert!(text.matches("1.00").count() >= 6, "{text}");
    // Ranked by total: a level-5 candidate comes before a level-1 one.
    assert!(text.find("候选人04").unwrap() < text.find("候选人00").unwrap());
    let (valid, out) = pdfsig_valid(&path, &w.nss_db());
    assert!(valid, "{out}");
}

#[test]
fn bad_review_input_is_refused_with_a_sentence_and_changes_nothing() {
    use interview::{InterviewState, UserFacing};
    let mut w = World::new();
    let scored = w.interview("张三", None, [4.0, 3.5, 3.0], None, None);
    let candidate = w
        .vault
        .add_candidate(
            &w.clerk,
            vault::NewCandidate {
                job_id: w.job,
                name: "李四".into(),
                id_number: None,
                phone: None,
                email: None,
                group: None,
            },
        )
        .unwrap();
    let now = common::now_ms();
    let (invited, _) = w.vault.issue_invitation(&w.clerk, candidate, now - common::HOUR, now + common::HOUR).unwrap();

    let refusals = [
        (w.vault.record_decision(&w.clerk, scored, Band::Hold, "  ").unwrap_err(), "review.reason_missing"),
        (w.vault.record_rating(&w.clerk, scored, "沟通能力", 6, None).unwrap_err(), "review.rating_out_of_range"),
        (w.vault.record_rating(&w.clerk, scored, "不存在的维度", 3, None).unwrap_err(), "review.unknown_dimension"),
        (w.vault.record_decision(&w.clerk, invited, Band::Hold, "理由").unwrap_err(), "review.not_scored"),
        (w.vault.record_rating(&w.clerk, invited, "沟通能力", 3, None).unwrap_err(), "review.not_scored"),
        (w.vault.record_decision(&w.kiosk, scored, Band::Hold, "理由").unwrap_err(), "auth.denied"),
    ];
    for (error, code) in refusals {
        assert_eq!(error.code(), code, "{error}");
        assert!(!error.user_message().zh_cn.is_empty() && !error.user_message().en.is_empty());
    }
    let record = w.vault.interview_record(&w.clerk, scored).unwrap();
    assert_eq!(record.state, InterviewState::Scored, "a refused decision moved the interview");
    assert!(record.decision.is_none() && record.ratings.is_empty());
    // Every refusal is in the audit log.
    let log = w.vault.audit_log(&w.auditor, None, 200).unwrap();
    assert_eq!(log.iter().filter(|e| e.outcome != "ok" && e.action.starts_with("review.")).count(), 5, "{log:#?}");

    // A later decision supersedes an earlier one; the report shows the latest.
    let flag = record.flags[0].id;
    w.vault.review_flag(&w.clerk, flag, false).unwrap();
    w.vault.record_decision(&w.clerk, scored, Band::Hold, "先待定").unwrap();
    w.vault.record_decision(&w.clerk, scored, Band::Recommend, "复核后推荐").unwrap();
    let record = w.vault.interview_record(&w.clerk, scored).unwrap();
    assert_eq!((record.state, record.decision.unwrap().reason.as_str()), (InterviewState::Reviewed, "复核后推荐"));
}

/// The attack pass signed a report with 3,000 certificates in its container and verification
/// took 73 s (under the staff vault's lock). Past `MAX_CERTIFICATES` the verdict comes before any
/// chain is built; up to it, the same signature is checked as usual.
#[test]
fn a_signature_carrying_a_pile_of_certificates_is_refused_before_its_chain_is_built() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], None, None);
    let unsigned = export_candidate(&mut w.vault, &w.clerk, interview, Some(Lang::ZhCn), now()).unwrap().pdf;
    let roots = vec![w.identity.chain_der().last().unwrap().clone()];
    let strangers: Vec<Vec<u8>> = (0..report::MAX_CERTIFICATES)
        .map(|i| report::SigningIdentity::generate(&format!("stranger {i}")).unwrap().chain_der()[0].clone())
        .collect();
    let signed_with = |extra: usize| {
        let mut chain = w.identity.chain_der().to_vec();
        chain.splice(1..1, strangers[..extra].iter().cloned());
        let padded = report::SigningIdentity::from_stored(&w.identity.key_pkcs8().unwrap(), &chain).unwrap();
        let request = report::SignRequest {
            report_id: format!("R-PILE-{extra}"),
            signing_time: now(),
            audit_checkpoint: "#1 test".into(),
            block_page: 0,
            block_rect: [40.0, 40.0, 240.0, 100.0],
        };
        report::sign_pdf(&unsigned, &padded, &request).unwrap()
    };
    // A generated identity's container carries one certificate (the root stays out); with
    // seven strangers that is the most allowed: the chain is built, and the strangers found not
    // to be part of it. One more is refused before any chain is built, and says why.
    let within = report::verify_pdf(&signed_with(report::MAX_CERTIFICATES - 1), &roots);
    assert!(
        matches!(&within.problems[..], [Problem::ChainBroken(why)] if why.contains("not part of the chain")),
        "{:?}",
        within.problems
    );
    assert!(report::verify_pdf(&signed_with(0), &roots).is_valid(), "the same signature without strangers");
    let pile = report::verify_pdf(&signed_with(report::MAX_CERTIFICATES), &roots);
    let said = format!("{} certificates", report::MAX_CERTIFICATES + 1);
    assert!(matches!(&pile.problems[..], [Problem::ChainBroken(why)] if *why == said), "{:?}", pile.problems);
}

/// The audit report as an auditor searches it: every action and object of the period appears
/// whole in the text (an identifier broken over two lines is not found by a search), the period
/// ends when the report was made, and the count of entries is the rows printed.
#[test]
fn the_audit_report_keeps_identifiers_whole_and_its_numbers_agree() {
    let mut w = World::new();
    let decided = w.interview("张三", Some("A"), [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    export_candidate(&mut w.vault, &w.clerk, decided, Some(Lang::En), now()).unwrap();
    let made = now();
    let (audit, _) =
        export_audit(&mut w.vault, &w.auditor, 0, common::now_ms() + 3_600_000, Some(Lang::En), made).unwrap();
    let path = w.path("audit.pdf");
    std::fs::write(&path, &audit.pdf).unwrap();
    let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    let made_ms = (made.unix_timestamp_nanos() / 1_000_000) as i64;
    let rows = w.vault.audit_period(&w.auditor, 0, made_ms).unwrap();
    assert!(rows.iter().any(|r| r.object.starts_with("report:R-")), "no report in the log");
    for r in &rows {
        assert!(text.contains(&r.action), "{} is not whole in the report:\n{text}", r.action);
        assert!(text.contains(&r.object), "{} is not whole in the report:\n{text}", r.object);
    }
    let layout = common::pdftotext(&path);
    let line = |label: &str| {
        layout.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("{label}:\n{layout}")).to_owned()
    };
    // The period was asked to end an hour from now; it ends when the report was made.
    let asked_end = time::OffsetDateTime::from_unix_timestamp(made.unix_timestamp() + 3600).unwrap();
    let asked_end = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        asked_end.year(),
        u8::from(asked_end.month()),
        asked_end.day(),
        asked_end.hour(),
        asked_end.minute()
    );
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!words.contains(&asked_end), "the period ends after the report was made ({asked_end}):\n{layout}");
    let entries = line("Entries in the period");
    let count = entries.split("Entries in the period").nth(1).and_then(|r| r.split_whitespace().next());
    assert_eq!(count, Some(rows.len().to_string().as_str()), "{entries}");
}

/// Word boxes of the first page (`pdftotext -bbox`): (text, xMin, yMin, xMax, yMax).
fn word_boxes(pdf: &std::path::Path) -> Vec<(String, f64, f64, f64, f64)> {
    let html = run("pdftotext", &["-bbox", "-f", "1", "-l", "1", pdf.to_str().unwrap(), "-"]);
    html.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("<word ")?;
            let num = |key: &str| -> f64 {
                let at = l.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
                l[at..].split('"').next().unwrap().parse().unwrap()
            };
            let text = l.split('>').nth(1)?.split('<').next()?.to_owned();
            Some((text, num("xMin"), num("yMin"), num("xMax"), num("yMax")))
        })
        .collect()
}

/// Filled shapes of `colour` on every page (printpdf draws a rectangle as a closed path):
/// their widths in points.
fn filled_widths(doc: &lopdf::Document, colour: [f32; 3]) -> Vec<f32> {
    let mut widths = Vec::new();
    for page in doc.get_pages().values() {
        let content = lopdf::content::Content::decode(&doc.get_page_content(*page)).unwrap();
        let (mut fill, mut xs) = ([0.0f32; 3], Vec::<f32>::new());
        for op in &content.operations {
            let f = |i: usize| op.operands[i].as_float().unwrap();
            match op.operator.as_str() {
                "rg" => fill = [f(0), f(1), f(2)],
                "m" | "l" => xs.push(f(0)),
                "re" => xs.extend([f(0), f(0) + f(2)]),
                "f" | "F" | "f*" | "b" | "B" => {
                    let close = fill.iter().zip(colour).all(|(a, b)| (a - b).abs() < 0.01);
                    if close && !xs.is_empty() {
                        let (lo, hi) = xs.iter().fold((f32::MAX, f32::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
                        widths.push(hi - lo);
                    }
                    xs.clear();
                }
                "n" | "S" | "s" => xs.clear(),
                _ => {}
            }
        }
    }
    widths
}

/// The layout as a reader sees it: in the score box the AI's band and the decision stand apart
/// ("Not recommended" and "Recommend" are two phrases) and no two words of the first page
/// overlap; the lowest level (1.0) has a bar of its own length; the job report draws its
/// distribution as bars (no text glyphs) and speaks of all its interviews, not of one.
#[test]
fn the_score_box_chart_and_distribution_read_as_drawn() {
    let mut w = World::new();
    let low = w.interview("张三", Some("A"), [1.0, 2.0, 2.0], Some([2, 2, 2]), Some(Band::Recommend));
    let report = export_candidate(&mut w.vault, &w.clerk, low, Some(Lang::En), now()).unwrap();
    let path = w.path("low.pdf");
    std::fs::write(&path, &report.pdf).unwrap();
    let words = word_boxes(&path);
    let band = words.iter().find(|w| w.0 == "recommended").expect("the AI's band");
    let decision = words.iter().find(|w| w.0 == "Recommend" && (w.2 - band.2).abs() < 30.0).expect("the decision");
    assert!(decision.1 - band.3 >= 10.0, "band ends at {} and the decision starts at {}", band.3, decision.1);
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let overlap_x = a.3.min(b.3) - a.1.max(b.1);
            // Word boxes span the font's ascent and descent: lines of a tall CJK font touch a
            // little without the glyphs doing so. Words on the same line must not touch at all.
            let overlap_y = a.4.min(b.4) - a.2.max(b.2);
            let same_line = overlap_y > 0.4 * (a.4 - a.2).min(b.4 - b.2);
            assert!(overlap_x <= 0.5 || !same_line, "{a:?} overlaps {b:?}");
        }
    }
    let doc = lopdf::Document::load_mem(&report.pdf).unwrap();
    let bars = filled_widths(&doc, [0.2, 0.45, 0.8]);
    assert!(bars.len() >= 3 && bars.iter().all(|w| *w > 5.0), "AI bars: {bars:?}");

    let job = export_job(&mut w.vault, &w.clerk, w.job, Some(Lang::En), now()).unwrap();
    let path = w.path("job.pdf");
    std::fs::write(&path, &job.pdf).unwrap();
    let text = pdftotext(&path);
    assert!(!text.contains('▇'), "the distribution is drawn with text glyphs");
    assert!(!text.contains("this interview"), "the job report speaks of one interview:\n{text}");
    assert!(text.contains("these interviews"), "{text}");
    let doc = lopdf::Document::load_mem(&job.pdf).unwrap();
    assert!(!filled_widths(&doc, [0.2, 0.45, 0.8]).is_empty(), "no distribution bars");
}

/// A decision made while a flag was open is refused without a reason for that, and with one
/// the final report prints how many flags were open and why the clerk decided anyway.
#[test]
fn a_decision_over_an_open_flag_prints_its_reason() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), None);
    let refused = w.vault.record_decision(&w.clerk, interview, Band::Recommend, "表现良好").unwrap_err();
    assert_eq!(interview::UserFacing::code(&refused), "review.flags_open");
    assert!(
        export_candidate(&mut w.vault, &w.clerk, interview, Some(Lang::ZhCn), now()).unwrap().draft_reason.is_some()
    );
    let why = "已查看录像：该时段考生低头看材料，不影响评价。";
    w.vault.decide(&w.clerk, interview, Band::Recommend, "表现良好", Some(why)).unwrap();
    let report = export_candidate(&mut w.vault, &w.clerk, interview, Some(Lang::ZhCn), now()).unwrap();
    assert!(report.signed);
    let path = w.path("over-flags.pdf");
    std::fs::write(&path, &report.pdf).unwrap();
    let text = pdftotext(&path).split_whitespace().collect::<String>();
    assert!(text.contains("作出决定时仍有1个完整性提示未处理"), "{text}");
    assert!(text.contains(&why.split_whitespace().collect::<String>()), "{text}");
}

/// A quote recognition was unsure of is marked in the report, beside the level it supports;
/// the others are not.
#[test]
fn evidence_heard_poorly_is_marked_in_the_report() {
    let mut w = World::new();
    let interview = w.interview("张三", None, [4.0, 3.5, 3.0], Some([4, 4, 3]), Some(Band::Recommend));
    for (lang, mark) in [(Lang::ZhCn, "识别不确定"), (Lang::En, "recognition uncertain")] {
        let report = export_candidate(&mut w.vault, &w.clerk, interview, Some(lang), now()).unwrap();
        let path = w.path(&format!("uncertain-{lang}.pdf"));
        std::fs::write(&path, &report.pdf).unwrap();
        let text = pdftotext(&path).split_whitespace().collect::<Vec<_>>().join(" ");
        // The fixture's last dimension (应急处理) was heard poorly, in both answers that score it.
        let marked = text.matches(mark).count();
        let quoted = text.matches("安抚他的情绪").count();
        assert!(marked >= 1 && marked < quoted, "{lang}: {marked} marks for {quoted} quotes:\n{text}");
        assert!(!text.contains('\u{fffd}'), "{lang}: a glyph the font lacks");
    }
}

#[test]
fn the_job_report_shows_validity_and_the_weight_suggestion_with_its_fairness_replay() {
    use interview::outcomes::{CivilDate, Outcome, OutcomeRecord, RatingScale};
    let mut w = World::new();
    // 40 hired; the later rating follows 沟通能力 (the first dimension), not the others.
    let mut hired = Vec::new();
    for i in 0..40usize {
        let first = 1.0 + (i % 5) as f64;
        let other = 1.0 + (i / 5 % 5) as f64;
        let group = if i.is_multiple_of(2) { "甲" } else { "乙" };
        let interview =
            w.interview(&format!("录用{i:02}"), Some(group), [first, other, other], None, Some(Band::Recommend));
        hired.push((w.vault.interview_record(&w.clerk, interview).unwrap().candidate_id, i));
    }
    let today = CivilDate::of_ms(common::now_ms(), 0);
    let outcomes: Vec<vault::NewOutcome> = hired
        .iter()
        .map(|&(candidate_id, i)| {
            let step = (1 + (i % 5) as i32 + [0, 1, 0, -1][i / 3 % 4]).clamp(1, 5) as u8;
            vault::NewOutcome {
                candidate_id,
                record: OutcomeRecord { date: today, outcome: Outcome::Rating { scale: RatingScale::Points5, step } },
            }
        })
        .collect();
    w.vault.record_outcomes(&w.clerk, w.job, &outcomes, 0).unwrap();
    // One NSS database (certutil made again over an existing one waits for a password forever).
    let nss = w.nss_db();
    for (lang, expected) in [
        (
            Lang::ZhCn,
            [
                "预测效度：面试评分与录用后表现",
                "全距限制",
                "绩效考核 (n = 40)",
                "权重建议 — 绩效考核",
                "通过公平性检查",
                "40 / 40",
            ],
        ),
        (
            Lang::En,
            [
                "Predictive validity",
                "restriction of range",
                "performance rating (n = 40)",
                "Suggested weights",
                "the fairness check",
                "40 / 40",
            ],
        ),
    ] {
        let report = export_job(&mut w.vault, &w.clerk, w.job, Some(lang), now()).unwrap();
        let path = w.path(&format!("job-{}.pdf", lang.tag()));
        std::fs::write(&path, &report.pdf).unwrap();
        let text = pdftotext(&path);
        for e in expected {
            assert!(text.contains(e), "{e:?} missing from\n{text}");
        }
        let (valid, out) = pdfsig_valid(&path, &nss);
        assert!(valid, "{out}");
    }
    // The section reads the same numbers as the screen: today's 40 % for 沟通能力 moves up.
    let review = w.vault.weights_review(&w.clerk, w.job, interview::outcomes::Criterion::Performance, 0).unwrap();
    let suggestion = review.suggestion.unwrap();
    assert!(suggestion.dimensions[0].suggested_bp > 4000, "{suggestion:?}");
    let text = pdftotext(&w.path("job-zh-CN.pdf"));
    assert!(text.contains(&format!("{:.1}%", f64::from(suggestion.dimensions[0].suggested_bp) / 100.0)), "{text}");
}
