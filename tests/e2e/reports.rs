//! The auditor's report verification in the real app: a vault made by `interview-kiosk demo`
//! (which writes signed reports), the app started on it with the same keyring, an auditor signs
//! in, chooses the demo's candidate report — valid — and then a copy with one byte changed —
//! invalid, with the reason.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::harness::{App, workspace_root};
use crate::screenshot_path;

const KEYRING_PASSWORD: &str = "e2e keyring password";
/// The demo's accounts' password (see src-tauri/src/demo.rs).
const DEMO_PASSWORD: &str = "demo-password-2026";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_verifies_a_signed_report_and_sees_a_tampered_copy_rejected() -> Result<()> {
    let root = tempfile::tempdir()?;
    let keyring = root.path().join("keyring");
    let data = root.path().join("data");
    std::fs::create_dir_all(&keyring)?;
    let demo = Command::new(workspace_root().join("installer/with-keyring"))
        .arg(workspace_root().join("target/debug/interview-kiosk"))
        .args(["--data-dir", &data.display().to_string(), "--lang", "en", "demo"])
        .env("XDG_DATA_HOME", &keyring)
        .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", KEYRING_PASSWORD)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .context("running the demo")?;
    ensure!(demo.status.success(), "demo failed: {}", String::from_utf8_lossy(&demo.stderr));
    let reports = data.join("reports");
    let report = std::fs::read_dir(&reports)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?
        .into_iter()
        .find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            name.ends_with(".pdf") && !name.contains("-job") && !name.contains("-audit")
        })
        .context("the demo wrote no candidate report")?;
    let mut bytes = std::fs::read(&report)?;
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x20;
    let tampered = root.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes)?;

    let app = App::launch_with_keyring(&data, &keyring, KEYRING_PASSWORD).await?;
    app.click("[data-testid=lang-switch]").await?;
    app.click("[data-testid=nav-auditor]").await?;
    // A wrong password gets the vault's sentence (and the attempt is audited).
    app.find("[data-testid=sign-in-username]").await?.send_keys("auditor").await?;
    app.find("[data-testid=sign-in-password]").await?.send_keys("not the password").await?;
    app.click("[data-testid=sign-in-submit]").await?;
    let error = app.text_of("[data-testid=sign-in-error]").await?;
    ensure!(error.contains("password") || error.contains("Sign-in"), "unexpected sign-in error: {error}");
    app.find("[data-testid=sign-in-password]").await?.send_keys(DEMO_PASSWORD).await?;
    app.click("[data-testid=sign-in-submit]").await?;
    app.wait_text("[data-testid=signed-in-as]", |t| t.contains("auditor")).await?;

    app.click("[data-testid=tab-verify]").await?;
    app.find("[data-testid=verify-file]").await?.send_keys(&report.display().to_string()).await?;
    let verdict =
        app.wait_text("[data-testid=verify-verdict]", |t| t.contains("Valid") || t.contains("Invalid")).await?;
    ensure!(verdict.contains("Valid:"), "the demo's report: {verdict}");
    let report_id = app.text_of("[data-testid=verify-report-id]").await?;
    ensure!(report.display().to_string().contains(&report_id), "report id {report_id} is not the file's");
    ensure!(app.text_of("[data-testid=verify-signer]").await?.contains("Interview Report Signing"));
    app.screenshot(&screenshot_path("auditor-verify-valid-en")).await?;

    app.find("[data-testid=verify-file]").await?.send_keys(&tampered.display().to_string()).await?;
    let verdict = app.wait_text("[data-testid=verify-verdict]", |t| t.starts_with("tampered.pdf")).await?;
    ensure!(verdict.contains("Invalid"), "the tampered copy: {verdict}");
    let problems = app.text_of("[data-testid=verify-problems]").await?;
    ensure!(problems.contains("altered") || problems.contains("damaged"), "reasons: {problems}");
    app.screenshot(&screenshot_path("auditor-verify-tampered-en")).await?;

    // The audit log: the chain recomputed, the entries filtered to refusals.
    app.click("[data-testid=tab-audit]").await?;
    app.click("[data-testid=audit-check]").await?;
    let chain = app.wait_text("[data-testid=audit-chain]", |t| !t.is_empty()).await?;
    ensure!(chain.starts_with("Audit chain intact"), "chain: {chain}");
    app.find("[data-testid=audit-entries]").await?;
    app.click("[data-testid=audit-problems]").await?;
    app.wait_text("[data-testid=audit-entries] tbody", |t| t.contains("refused") || t.contains("failed")).await?;
    let outcomes = app
        .client
        .execute("return [...document.querySelectorAll('[data-testid=audit-entries] tbody tr')].map((r) => r.dataset.outcome)", vec![])
        .await?;
    ensure!(
        outcomes.as_array().is_some_and(|o| !o.is_empty() && o.iter().all(|v| v != "ok")),
        "the refusals filter shows {outcomes}"
    );
    // In people's words: no recorded code in the action or object column, and the entry each
    // saved video segment makes summed up in one line rather than listed.
    app.click("[data-testid=audit-problems]").await?;
    let hidden = app.wait_text("[data-testid=audit-hidden-segments]", |t| !t.is_empty()).await?;
    ensure!(hidden.contains("video segments"), "segments: {hidden}");
    let column = |n: usize| {
        format!(
            "return [...document.querySelectorAll('[data-testid=audit-entries] tbody tr')].map((r) => r.children[{n}].textContent)"
        )
    };
    let cells = |v: serde_json::Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_owned)).collect()
    };
    let is_code = |c: &String| {
        c.is_empty()
            || (c.contains(['.', ':'])
                && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._:/-".contains(ch)))
    };
    let actions = cells(app.client.execute(&column(3), vec![]).await?);
    let objects = cells(app.client.execute(&column(4), vec![]).await?);
    ensure!(actions.len() > 10, "entries: {actions:?}");
    ensure!(!actions.iter().chain(&objects).any(is_code), "codes shown: {actions:?} {objects:?}");
    ensure!(!actions.iter().any(|a| a == "Video segment saved"), "segment entries listed: {actions:?}");
    // Until the list shows what `ok` wants (the filter answers asynchronously).
    let until = |script: String, ok: fn(&[String]) -> bool| {
        let app = &app;
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let now = cells(app.client.execute(&script, vec![]).await?);
                if ok(&now) {
                    return Ok::<_, anyhow::Error>(now);
                }
                ensure!(std::time::Instant::now() < deadline, "the filtered list shows {now:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    // By object: one interview and its parts.
    app.find("[data-testid=audit-kind]").await?.select_by_value("interview").await?;
    app.type_into("[data-testid=audit-object-id]", "1").await?;
    app.click("[data-testid=audit-apply]").await?;
    until(column(4), |o| !o.is_empty() && o.iter().all(|o| o == "interview 1")).await?;
    // By account.
    app.find("[data-testid=audit-kind]").await?.select_by_value("").await?;
    app.type_into("[data-testid=audit-who]", "clerk").await?;
    app.click("[data-testid=audit-apply]").await?;
    // Entries by the account, and about it (an administrator creating it).
    let by_and_about = "return [...document.querySelectorAll('[data-testid=audit-entries] tbody tr')]\
        .map((r) => r.children[2].textContent + '|' + r.children[4].textContent)";
    until(by_and_about.to_owned(), |a| {
        !a.is_empty() && a.iter().all(|a| a.starts_with("clerk") || a.ends_with("|account clerk"))
    })
    .await?;
    app.client.execute("document.querySelector('[data-testid=audit-log]').scrollIntoView()", vec![]).await?;
    app.screenshot(&screenshot_path("auditor-audit-log-en")).await?;

    // A clerk in the auditor's area is told whose area it is and how to get in; asked anyway,
    // the backend refuses the audit log, and the refusal is audited.
    app.click("[data-testid=sign-out]").await?;
    app.type_into("[data-testid=sign-in-username]", "clerk").await?;
    app.type_into("[data-testid=sign-in-password]", DEMO_PASSWORD).await?;
    app.click("[data-testid=sign-in-submit]").await?;
    let told = app.text_of("[data-testid=area-other-role]").await?;
    ensure!(told.contains("for the Auditor") && told.contains("clerk (HR clerk)"), "clerk: {told}");
    let query = serde_json::json!({ "who": "", "object": "", "problemsOnly": false, "showSegments": false });
    let refused = app.invoke("audit_entries", serde_json::json!({ "query": query, "limit": 10 })).await?;
    let refused = refused.err().context("a clerk read the audit log")?;
    ensure!(
        refused["message"]["en"].as_str().is_some_and(|m| m.contains("not allowed") && m.contains("audit log")),
        "{refused}"
    );
    app.close().await?;
    let list = Command::new(workspace_root().join("installer/with-keyring"))
        .arg(workspace_root().join("target/debug/interview-kiosk"))
        .args([
            "--data-dir",
            &data.display().to_string(),
            "audit",
            "list",
            "--user",
            "auditor",
            "--json",
            "--limit",
            "20",
        ])
        .env("XDG_DATA_HOME", &keyring)
        .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", KEYRING_PASSWORD)
        .env("INTERVIEW_KIOSK_PASSWORD", DEMO_PASSWORD)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()?;
    ensure!(list.status.success(), "audit list: {}", String::from_utf8_lossy(&list.stderr));
    let denied = String::from_utf8(list.stdout)?
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|e| e["actor"] == "clerk" && e["action"] == "view_audit" && e["outcome"] == "denied");
    ensure!(denied, "the clerk's attempt is not in the audit log");
    Ok(())
}
