//! Personalised questions in the real app: a job set up from the command line (one core
//! question, two personalised), a candidate with résumé facts, invited. The clerk, in English,
//! finds each question's condition in the bank and changes one; opens the candidate page from the
//! list, finds the chosen question with the résumé sentence that chose it, removes it (kept as
//! removed, by whom); a résumé edit the vault refuses keeps what was typed, and a good one is
//! saved as the clerk's.

use std::io::Write;

use anyhow::{Result, ensure};

use crate::cli::{PASSWORD, personalised_job_file, tempdirs};
use crate::harness::App;
use crate::kiosk::KEYRING_PASSWORD;
use crate::screenshot_path;

/// A DOCX résumé of these paragraphs (what Word writes, reduced to its document part).
fn docx(paragraphs: &[&str]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default())?;
    let body: String = paragraphs.iter().map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>")).collect();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )?;
    Ok(zip.finish()?.into_inner())
}

/// A scanned résumé: a PDF whose one page is a picture, no text.
fn scan() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        format!("<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n{}\nendstream", "\u{7f}".repeat(4)),
        "<< /Length 30 >>\nstream\nq 500 0 0 700 50 50 cm /Im1 Do Q\nendstream".to_owned(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(b"xref\n0 6\n0000000000 65535 f \n");
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend(format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

/// Empties a field as a person does (select all, delete), so the page hears the input.
async fn clear_field(app: &App, css: &str) -> Result<()> {
    app.type_into(css, "\u{E009}a\u{E000}\u{E003}").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_the_candidate_page_and_the_chosen_questions() -> Result<()> {
    let (root, cli) = tempdirs()?;
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    let out = cli.run(
        &["user", "create", "--user", "admin", "--username", "clerk", "--name", "Clerk Li", "--role", "clerk"],
        &format!("{PASSWORD}\n"),
    )?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = personalised_job_file(root.path())?;
    cli.ok(&["job", "create", "--user", "clerk", &job.display().to_string()])?;
    let details = r#"{"name":"孙七","resume":{"education":"master","years":6,"roles":["窗口组组长"],"text":"曾带领一个五人团队完成业务系统迁移。"}}"#;
    let added = cli.run(&["candidate", "add", "--user", "clerk", "--job", "1", "--details", "-"], details)?;
    ensure!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    cli.ok(&["invite", "--user", "clerk", "--candidate", "1"])?;

    let app = App::launch_with_keyring(&cli.data, &cli.keyring, KEYRING_PASSWORD).await?;
    app.click("[data-testid=lang-switch]").await?;
    app.click("[data-testid=nav-clerk]").await?;
    app.sign_in("clerk", PASSWORD).await?;

    // The bank: how many an invitation gets, each question core or personalised and when.
    app.click("[data-testid=tab-jobs]").await?;
    app.click("[data-testid=job-open]").await?;
    let max = app.find("[data-testid=personalised-max]").await?.prop("value").await?;
    ensure!(max.as_deref() == Some("1"), "personalised per invitation: {max:?}");
    let rows = app.wait_text("[data-testid=question-bank] ol", |t| t.contains("Personalised question")).await?;
    ensure!(rows.contains("Core question"), "{rows}");
    ensure!(rows.contains("at least 3 years of experience, and the résumé mentions one of “带领、团队管理”"), "{rows}");
    ensure!(rows.contains("education is master's degree or doctorate"), "{rows}");
    // The core question gets a condition; an empty phrase list alone makes nothing.
    app.click("[data-testid=question-condition]").await?;
    app.type_into("[data-testid=condition-roles]", "科长、处长").await?;
    app.click("[data-testid=condition-save]").await?;
    app.wait_text("[data-testid=condition-done]", |t| t.starts_with("Condition saved")).await?;
    app.wait_text("[data-testid=question-bank] ol li:first-child", |t| t.contains("one of “科长、处长” was held"))
        .await?;
    clear_field(&app, "[data-testid=condition-roles]").await?;
    app.click("[data-testid=condition-save]").await?;
    app.wait_text("[data-testid=condition-done]", |t| t.starts_with("Now a core question")).await?;

    // The candidate page, from the list.
    app.click("[data-testid=tab-candidates]").await?;
    app.click("[data-testid=candidate-profile]").await?;
    app.wait_text("[data-testid=candidate-page] h3", |t| t == "Candidate: 孙七").await?;
    let source = app.text_of("[data-testid=resume-source]").await?;
    ensure!(source.starts_with("From: typed by a clerk; last changed by Clerk Li"), "{source}");
    let education = app.find("[data-testid=resume-education]").await?.prop("value").await?;
    ensure!(education.as_deref() == Some("master"), "{education:?}");
    let chosen = app.wait_text("[data-testid=personalised-question]", |t| !t.is_empty()).await?;
    ensure!(chosen.contains("你带领团队时，如何处理成员之间的分歧？"), "{chosen}");
    let reason = app.text_of("[data-testid=personalised-reason]").await?;
    ensure!(
        reason.contains("\"带领\" matched \"曾带领一个五人团队完成业务系统迁移\" in the résumé")
            && reason.contains("6 years of experience (at least 3 asked)"),
        "{reason}"
    );
    app.screenshot(&screenshot_path("candidate-page-en")).await?;
    app.click("[data-testid=personalised-remove]").await?;
    app.wait_text("[data-testid=personalised-removed]", |t| t.contains("removed by Clerk Li")).await?;

    // A résumé the vault refuses (51 skills) keeps what was typed; then a good one is saved.
    let many: Vec<String> = (0..51).map(|i| format!("skill{i}")).collect();
    app.type_into("[data-testid=resume-skills]", &many.join(", ")).await?;
    app.click("[data-testid=resume-save]").await?;
    let refused = app.wait_text("[data-testid=resume-error]", |t| !t.is_empty()).await?;
    ensure!(refused.contains("at most 50 entries"), "{refused}");
    let kept = app.find("[data-testid=resume-skills]").await?.prop("value").await?.unwrap_or_default();
    ensure!(kept.contains("skill50"), "the form lost what was typed: {kept}");
    clear_field(&app, "[data-testid=resume-skills]").await?;
    app.type_into("[data-testid=resume-skills]", "Excel, 公文写作").await?;
    app.click("[data-testid=resume-save]").await?;
    app.wait_text("[data-testid=resume-done]", |t| t.starts_with("Résumé facts saved")).await?;

    // A scanned résumé is refused with why; a DOCX fills the text and keeps the other facts.
    let scanned = root.path().join("scan.pdf");
    std::fs::write(&scanned, scan())?;
    app.find("[data-testid=resume-file-input]").await?.send_keys(&scanned.display().to_string()).await?;
    let refused = app.wait_text("[data-testid=resume-file-error]", |t| !t.is_empty()).await?;
    ensure!(refused.contains("probably a scan"), "{refused}");
    let file = root.path().join("resume.docx");
    std::fs::write(&file, docx(&["孙七 个人简历", "2020年起担任窗口组组长，带领五人团队完成系统迁移。"])?)?;
    app.find("[data-testid=resume-file-input]").await?.send_keys(&file.display().to_string()).await?;
    app.wait_text("[data-testid=resume-file-done]", |t| t.starts_with("Text read from resume.docx")).await?;
    let text = app.find("[data-testid=resume-text]").await?.prop("value").await?.unwrap_or_default();
    ensure!(text == "孙七 个人简历\n2020年起担任窗口组组长，带领五人团队完成系统迁移。", "{text:?}");
    let source = app.text_of("[data-testid=resume-source]").await?;
    ensure!(source.starts_with("From: résumé file"), "{source}");
    let skills = app.find("[data-testid=resume-skills]").await?.prop("value").await?.unwrap_or_default();
    ensure!(skills == "Excel、公文写作", "the other facts stay: {skills:?}");
    let out = cli.ok(&["invite", "--user", "clerk", "--candidate", "1", "--json"])?;
    ensure!(out.contains("\"personalised\":[{\"question\":2"), "the saved facts still choose question 2: {out}");

    // Someone else saves the facts while this page still shows the older ones: this page's save
    // is refused, naming who and when, and what was typed stays in the form.
    let shown: serde_json::Value =
        app.invoke("resume_get", serde_json::json!({ "candidateId": 1 })).await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    let revision = shown["revision"].as_u64().unwrap_or_default();
    let facts = serde_json::json!({ "years": 9, "text": "另一位专员的修改" });
    app.invoke("resume_save", serde_json::json!({ "candidateId": 1, "facts": facts, "revision": revision }))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.type_into("[data-testid=resume-major]", "公共管理").await?;
    app.click("[data-testid=resume-save]").await?;
    let refused = app.wait_text("[data-testid=resume-error]", |t| t.contains("changed this at")).await?;
    ensure!(refused.starts_with("Clerk Li changed this at"), "{refused}");
    let major = app.find("[data-testid=resume-major]").await?.prop("value").await?.unwrap_or_default();
    ensure!(major == "公共管理", "the form lost what was typed: {major:?}");
    app.close().await?;
    Ok(())
}
