//! The clerk's and the auditor's workspaces in the real app, end to end: a clerk creates a job
//! (weights that must come to 100%), a question with its rubric (tried in the panel first), a
//! candidate and an invitation whose printed slip carries the access code; the candidate takes
//! the interview at the kiosk (synthetic camera and voice) and it is scored in the background;
//! the clerk reviews it — plays the recording, rates, asks a second rater, decides — and
//! exports the signed report after typing the password again; the auditor browses read-only,
//! is refused a decision by the backend (audited), exports the whole job with its progress,
//! verifies the reports and sees a tampered copy rejected; the idle screen locks.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::cli::{Cli, PASSWORD, tempdirs};
use crate::harness::{App, step};
use crate::kiosk::{
    KEYRING_PASSWORD, answer, audit, consent_and_devices, count, log_tail, sign_in_station, wait_screen,
};
use crate::screenshot_path;

const JOB: &str = "综合窗口受理岗";
const CANDIDATE: &str = "李晓红";
const ID_NUMBER: &str = "11010519491231002X";
/// Seconds without input before the staff window locks, for this test.
const IDLE_SECONDS: u64 = 8;

/// Accounts (two clerks, an auditor, a kiosk), the signing certificate and the synthetic devices.
fn seed(cli: &Cli) -> Result<()> {
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    for (username, role) in [("clerk", "clerk"), ("clerk2", "clerk"), ("kiosk-1", "kiosk"), ("auditor", "auditor")] {
        let out = cli.run(
            &["user", "create", "--user", "admin", "--username", username, "--name", username, "--role", role],
            &format!("{PASSWORD}\n"),
        )?;
        ensure!(out.status.success(), "user create {username}: {}", String::from_utf8_lossy(&out.stderr));
    }
    cli.ok(&["signing", "generate", "--user", "admin"])?;
    cli.ok(&["devices", "--camera", "synthetic:portrait", "--microphone", "synthetic:voice"])?;
    Ok(())
}

async fn sign_in(app: &App, user: &str) -> Result<()> {
    app.sign_in(user, PASSWORD).await
}

async fn sign_out(app: &App) -> Result<()> {
    app.sign_out().await
}

/// Fills the nth element matching `css` (typing into an empty field).
async fn type_nth(app: &App, css: &str, n: usize, text: &str) -> Result<()> {
    let all = app.client.find_all(fantoccini::Locator::Css(css)).await?;
    all.get(n).with_context(|| format!("no {css} number {n}"))?.send_keys(text).await?;
    Ok(())
}

pub(crate) async fn script(app: &App, js: &str) -> Result<serde_json::Value> {
    Ok(app.client.execute(js, vec![]).await?)
}

async fn top(app: &App) -> Result<()> {
    script(app, "window.scrollTo(0, 0)").await?;
    Ok(())
}

/// The access code printed on a slip PDF (read back with poppler's pdftotext, a real reader).
fn code_on_slip(pdf: &Path) -> Result<String> {
    let out = std::process::Command::new("pdftotext").args([&pdf.display().to_string(), "-"]).output()?;
    ensure!(out.status.success(), "pdftotext failed");
    let text = String::from_utf8(out.stdout)?;
    // The glossary's words (README), as the kiosk asks for them.
    ensure!(text.contains("面试准入凭条") && text.contains("准入码"), "the slip's words:\n{text}");
    text.split_whitespace()
        .find(|w| {
            w.len() == 9
                && w.as_bytes()[4] == b'-'
                && w.chars().filter(|c| *c != '-').all(|c| c.is_ascii_alphanumeric())
        })
        .map(str::to_owned)
        .with_context(|| format!("no access code on the slip:\n{text}"))
}

/// The clerk sets up the job, its question, the candidate and the invitation through the UI;
/// returns the access code from the printed slip.
async fn clerk_prepares(cli: &Cli, exports: &Path) -> Result<String> {
    let exports_env = exports.display().to_string();
    let app =
        App::launch_staff(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[("INTERVIEW_KIOSK_EXPORT_DIR", &exports_env)])
            .await?;
    app.click("[data-testid=nav-clerk]").await?;
    sign_in(&app, "clerk").await?;
    app.find("[data-testid=board]").await?;

    // A job: three dimensions whose weights must come to exactly 100%.
    app.click("[data-testid=tab-jobs]").await?;
    app.type_into("[data-testid=job-title]", JOB).await?;
    app.click("[data-testid=dimension-add]").await?;
    for (i, (name, weight)) in [("沟通表达", "40"), ("服务意识", "35"), ("应变能力", "20")].iter().enumerate()
    {
        type_nth(&app, "[data-testid=dimension-name]", i, name).await?;
        type_nth(&app, "[data-testid=dimension-weight]", i, weight).await?;
    }
    let sum = app.text_of("[data-testid=weight-sum]").await?;
    ensure!(sum.contains("95"), "live sum: {sum}");
    ensure!(!app.find("[data-testid=job-save]").await?.is_enabled().await?, "saved with weights of 95%");
    let weights = app.client.find_all(fantoccini::Locator::Css("[data-testid=dimension-weight]")).await?;
    weights[2].clear().await?;
    weights[2].send_keys("25").await?;
    app.wait_text("[data-testid=weight-sum]", |t| t.contains("100")).await?;
    app.screenshot(&screenshot_path("clerk-job-new-zh")).await?;
    app.click("[data-testid=job-save]").await?;

    // Its question, with a rubric tried in the panel before saving.
    app.find("[data-testid=question-bank]").await?;
    let uncovered = app.text_of("[data-testid=bank-uncovered]").await?;
    ensure!(uncovered.contains("应变能力"), "uncovered dimensions: {uncovered}");
    app.click("[data-testid=question-new]").await?;
    app.type_into("[data-testid=question-text]", "请介绍一次你耐心帮助他人解决问题的经历。").await?;
    type_nth(&app, "[data-testid=keypoint-text]", 0, "耐心讲解").await?;
    type_nth(&app, "[data-testid=keypoint-synonyms]", 0, "耐心地教、一步一步教").await?;
    app.click("[data-testid=keypoint-add]").await?;
    // Chosen as a person's click on an option would (WebKitWebDriver has no option selection).
    app.client
        .execute(
            "const s = document.querySelectorAll('[data-testid=keypoint-dimension]')[1]; s.value = arguments[0]; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!("服务意识")],
        )
        .await?;
    type_nth(&app, "[data-testid=keypoint-text]", 1, "主动帮助").await?;
    type_nth(&app, "[data-testid=keypoint-synonyms]", 1, "帮他、帮助他").await?;
    // Until every weighted dimension is asked about, the bank says no total can be computed.
    app.click("[data-testid=keypoint-add]").await?;
    app.client
        .execute(
            "const s = document.querySelectorAll('[data-testid=keypoint-dimension]')[2]; s.value = arguments[0]; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!("应变能力")],
        )
        .await?;
    type_nth(&app, "[data-testid=keypoint-text]", 2, "冷静处理").await?;
    app.type_into("[data-testid=level-5-description]", "经历具体，体现耐心和主动服务").await?;
    app.type_into("[data-testid=try-answer]", "我耐心地一步一步教他操作，还主动帮他准备材料。").await?;
    app.click("[data-testid=try-run]").await?;
    let tried = app.wait_text("[data-testid=try-result]", |t| t.contains("服务意识")).await?;
    ensure!(tried.contains("耐心讲解") && tried.contains("主动帮助"), "try panel: {tried}");
    ensure!(
        count(&app, "[data-testid=try-generic]").await? == 0,
        "this rubric's phrasings are specific, yet the panel warns"
    );
    app.screenshot(&screenshot_path("clerk-rubric-try-zh")).await?;
    // A phrasing so generic that unrelated sentences match it is pointed out, with an example…
    type_nth(&app, "[data-testid=keypoint-synonyms]", 2, "比较").await?;
    app.click("[data-testid=try-run]").await?;
    let warned = app.wait_text("[data-testid=try-generic]", |t| t.contains("比较")).await?;
    ensure!(warned.contains("冷静处理") && warned.contains("过于笼统"), "generic warning: {warned}");
    script(&app, "document.querySelector('[data-testid=try-generic]').scrollIntoView()").await?;
    app.screenshot(&screenshot_path("clerk-rubric-generic-zh")).await?;
    // Short times keep the kiosk part of this test quick.
    for (css, value) in [("[data-testid=question-form] input[type=number]", "5")] {
        let fields = app.client.find_all(fantoccini::Locator::Css(css)).await?;
        fields[0].clear().await?;
        fields[0].send_keys(value).await?;
        fields[1].clear().await?;
        fields[1].send_keys("30").await?;
    }
    app.click("[data-testid=question-save]").await?;
    let row = app.wait_text("[data-testid=question-row]", |t| t.contains("耐心帮助")).await?;
    ensure!(row.contains("准备 5 秒") && row.contains("作答 30 秒"), "saved question: {row}");
    // …and, once saved, in the question bank too, until the clerk edits it away.
    let flagged = app.text_of("[data-testid=question-generic]").await?;
    ensure!(flagged.contains("比较"), "the bank does not point out the generic phrasing: {flagged}");
    app.click("[data-testid=question-edit]").await?;
    app.find("[data-testid=question-form]").await?;
    script(
        &app,
        "const s = document.querySelectorAll('[data-testid=keypoint-synonyms]')[2]; s.value = ''; s.dispatchEvent(new Event('input', { bubbles: true }));",
    )
    .await?;
    app.click("[data-testid=question-save]").await?;
    let mut polls = 0;
    while count(&app, "[data-testid=question-form]").await? != 0
        || count(&app, "[data-testid=question-generic]").await? != 0
    {
        polls += 1;
        ensure!(polls < 100, "the generic phrasing was removed, yet the bank still points it out");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(count(&app, "[data-testid=bank-uncovered]").await? == 0, "still uncovered");

    // A candidate and the invitation; the slip PDF holds the code.
    app.click("[data-testid=tab-candidates]").await?;
    app.type_into("[data-testid=add-name]", CANDIDATE).await?;
    app.type_into("[data-testid=add-id]", "110105194912310021").await?;
    app.click("[data-testid=add-save]").await?;
    let refused = app.text_of("[data-testid=add-error]").await?;
    ensure!(refused.contains("身份证"), "a bad ID number: {refused}");
    let id = app.find("[data-testid=add-id]").await?;
    id.clear().await?;
    id.send_keys(ID_NUMBER).await?;
    app.click("[data-testid=add-save]").await?;
    app.wait_text("[data-testid=candidates-table] tbody", |t| t.contains(CANDIDATE)).await?;

    // An HRMS file with a bad row: previewed, the problem shown with its line, the rest imported.
    let csv = cli.data.with_file_name("hrms.csv");
    std::fs::write(
        &csv,
        "序号,姓名,身份证号,联系电话\n1,赵一鸣,110101199003070011,13800000001\n2,钱二,110101199003070012,13800000002\n3,孙三,,13800000003\n",
    )?;
    app.find("[data-testid=import-file]").await?.send_keys(&csv.display().to_string()).await?;
    let counts = app.wait_text("[data-testid=import-counts]", |t| !t.is_empty()).await?;
    ensure!(counts.contains("2 行可以导入") && counts.contains("1 行有问题"), "preview: {counts}");
    ensure!(app.text_of("[data-testid=import-problems]").await?.contains("第 3 行"), "the bad row's line");
    ensure!(!app.find("[data-testid=import-run]").await?.is_enabled().await?, "imported despite a problem");
    app.click("[data-testid=import-skip]").await?;
    app.screenshot(&screenshot_path("clerk-import-zh")).await?;
    app.click("[data-testid=import-run]").await?;
    app.wait_text("[data-testid=import-done]", |t| t.contains("导入 2 名")).await?;
    app.type_into("[data-testid=candidates-search]", "李").await?;
    app.wait_text("[data-testid=candidates-range]", |t| t.contains("1–1")).await?;
    app.click("[data-testid=candidate-select]").await?;
    app.click("[data-testid=invite-save]").await?;
    app.wait_text("[data-testid=invite-done]", |t| t.contains("准入凭条")).await?;
    let slip = app.find("[data-testid=invite-slips]").await?.attr("data-path").await?.context("slip path")?;
    let file = app.text_of("[data-testid=invite-slips]").await?;
    ensure!(file.contains("准入凭条-") && file.contains("1人.pdf"), "the slip's file name: {file}");
    app.wait_text("[data-testid=candidate-state]", |t| t == "已邀请").await?;
    app.screenshot(&screenshot_path("clerk-candidates-zh")).await?;
    app.close().await?;
    ensure!(slip.starts_with(&exports_env), "the slip is not in the export folder: {slip}");
    code_on_slip(Path::new(&slip))
}

/// The candidate's interview at the kiosk, scored in the background before the kiosk closes.
async fn candidate_interviews(cli: &Cli, code: &str) -> Result<()> {
    let app = App::launch_kiosk(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[]).await?;
    wait_screen(&app, "station", 20).await?;
    sign_in_station(&app).await?;
    app.click("[data-testid=kiosk-start]").await?;
    // The kiosk asks for what the slip calls it (the glossary: 准入码, on the 面试准入凭条).
    wait_screen(&app, "code", 15).await?;
    let asked = app.text_of("[data-testid=kiosk]").await?;
    ensure!(asked.contains("准入码") && asked.contains("面试准入凭条"), "the kiosk asks: {asked}");
    app.type_into("[data-testid=kiosk-code-input]", code).await?;
    app.click("[data-testid=kiosk-code-submit]").await?;
    wait_screen(&app, "identity", 15).await?;
    app.type_into("[data-testid=kiosk-identity-input]", "002X").await?;
    app.click("[data-testid=kiosk-identity-submit]").await?;
    wait_screen(&app, "confirm", 15).await?;
    app.click("[data-testid=kiosk-confirm-yes]").await?;
    consent_and_devices(&app).await?;
    app.click("[data-testid=kiosk-practice-skip]").await?;
    answer(&app, 10).await?;
    app.click("[data-testid=kiosk-next]").await?;
    wait_screen(&app, "thanks", 20).await?;
    app.click("[data-testid=kiosk-thanks-done]").await?;
    wait_screen(&app, "welcome", 20).await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = app.invoke("kiosk_status", serde_json::json!({})).await?.map_err(|e| anyhow::anyhow!("{e}"))?;
        if status["scoringWaiting"] == 0 {
            ensure!(status["scoringFailed"] == 0, "scoring failed: {status}\n{}", log_tail(cli));
            break;
        }
        ensure!(Instant::now() < deadline, "scoring did not finish: {status}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    app.close().await
}

/// Waits until the first answer's recording has played past `seconds` of the answer (its ~2 s
/// segments are played one after another).
/// Waits until a job export's progress bar shows `total` of `total`. The progress messages
/// travel on their own channel and may land just after the result.
pub(crate) async fn wait_export_progress(app: &App, total: u32) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let progress = script(
            app,
            "const p = document.querySelector('[data-testid=export-progress]'); return p ? [p.value, p.max] : null;",
        )
        .await?;
        if progress[0] == progress[1] && progress[1] == f64::from(total) {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the job export's progress: {progress}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn wait_played(app: &App, seconds: f64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = script(app, "const v = document.querySelector('[data-testid=player-video]'); return v ? Number(v.dataset.positionMs ?? 0) / 1000 : -1;").await?;
        if now.as_f64().is_some_and(|t| t > seconds) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let why = script(
                app,
                "const e = document.querySelector('[data-testid=player-error]'); return e ? e.textContent : '';",
            )
            .await?;
            bail!("the recording did not play (at {now} s): {why}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_hires_through_the_workspace_and_an_auditor_checks_it() -> Result<()> {
    let (root, cli) = tempdirs()?;
    seed(&cli)?;
    let exports = root.path().join("exports");
    step("workspace: the clerk prepares");
    let code = clerk_prepares(&cli, &exports).await?;
    step("workspace: the candidate interviews at the kiosk");
    candidate_interviews(&cli, &code).await?;
    step("workspace: the clerk's staff window");

    let exports_env = exports.display().to_string();
    // The desktop's opener, stood in for by a script that writes down what it was asked to open.
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin)?;
    let opened = root.path().join("opened.txt");
    std::fs::write(bin.join("xdg-open"), format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", opened.display()))?;
    std::fs::set_permissions(bin.join("xdg-open"), std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let app = App::launch_staff(
        &cli.data,
        &cli.keyring,
        KEYRING_PASSWORD,
        &[("INTERVIEW_KIOSK_EXPORT_DIR", &exports_env), ("PATH", &path)],
    )
    .await?;
    app.click("[data-testid=nav-clerk]").await?;
    sign_in(&app, "clerk").await?;
    // A wrong password typed by someone else does not end the clerk's session.
    let wrong = app.invoke("staff_sign_in", serde_json::json!({ "username": "clerk2", "password": "not it" })).await?;
    ensure!(wrong.is_err(), "a wrong password signed in");
    let who = app.invoke("staff_whoami", serde_json::json!({})).await?;
    ensure!(who.as_ref().is_ok_and(|w| w["username"] == "clerk"), "after a failed sign-in: {who:?}");
    app.wait_text("[data-testid=board-scored] strong", |t| t == "1").await?;
    app.screenshot(&screenshot_path("clerk-board-zh")).await?;

    // A tile of the board opens the candidates in its state.
    app.click("[data-testid=board-scored] a").await?;
    app.wait_text("[data-testid=candidate-state]", |t| t == "已评分").await?;
    let state = script(&app, "return document.querySelector('[data-testid=candidates-state]').value").await?;
    ensure!(state == "scored", "the board's tile opened the list filtered by {state}");

    // The review: the recording plays from the vault through media://, nothing in the clear on disk.
    step("workspace: the review");
    app.click("[data-testid=tab-candidates]").await?;
    app.type_into("[data-testid=candidates-search]", "李").await?;
    app.wait_text("[data-testid=candidate-state]", |t| t == "已评分").await?;
    app.click("[data-testid=candidate-open]").await?;
    let total = app.wait_text("[data-testid=review-total]", |t| t != "—").await?;
    ensure!(total.contains("AI 建议"), "total: {total}");
    // The interview number the audit log uses; the AI's level beside each dimension to rate.
    ensure!(app.text_of("[data-testid=review-interview-no]").await? == "1", "no interview number");
    let ai = app.text_of("[data-testid=rate-ai-level]").await?;
    ensure!(ai.starts_with("AI：") && ai.contains("级"), "the AI's level in the rating form: {ai}");
    app.click("[data-testid=player-play]").await?;
    wait_played(&app, 2.5).await.with_context(|| log_tail(&cli))?;
    // The player shows where it is in the answer, and how long the answer is.
    let clock = app.text_of("[data-testid=player-clock]").await?;
    ensure!(clock.contains(" / ") && !clock.ends_with("0:00"), "the player's clock: {clock}");
    script(&app, "document.querySelector('[data-testid^=answer-]').scrollIntoView()").await?;
    app.screenshot(&screenshot_path("clerk-review-answer-zh")).await?;
    if count(&app, "[data-testid=transcript-line]").await? != 0 {
        app.click("[data-testid=transcript-line]").await?;
    }
    // Every flag is looked at before the decision (the decision is refused over open flags
    // without a reason for deciding with them open; the vault's tests cover that path).
    let mut flags = count(&app, "[data-testid=flag-dismiss]").await?;
    while flags != 0 {
        ensure!(
            count(&app, "[data-testid=decide-open-flags]").await? == 1,
            "open flags are not pointed out at the decision"
        );
        app.click("[data-testid=flag-dismiss]").await?;
        app.wait_text("[data-testid=review-notice]", |t| t.contains("已处理")).await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while count(&app, "[data-testid=flag-dismiss]").await? == flags {
            ensure!(Instant::now() < deadline, "a dismissed flag stays open");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        flags = count(&app, "[data-testid=flag-dismiss]").await?;
    }
    ensure!(count(&app, "[data-testid=decide-open-flags]").await? == 0, "no flag is open, yet the decision says so");
    script(&app, "document.querySelectorAll('[data-testid=rate-dimension]').forEach((f) => f.querySelector('[data-testid=rate-4]').click())").await?;
    app.click("[data-testid=rate-save]").await?;
    app.wait_text("[data-testid=review-notice]", |t| t.contains("评分已保存")).await?;
    // Saving does not look like losing: "saved" is beside the button, in view, and the levels
    // chosen are still chosen.
    app.wait_text("[data-testid=rate-saved]", |t| t.contains("评分已保存")).await?;
    let in_view = script(
        &app,
        "const r = document.querySelector('[data-testid=rate-saved]').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
    )
    .await?;
    ensure!(in_view == true, "the saved notice is out of view");
    let kept = script(
        &app,
        "return document.querySelectorAll('[data-testid=rate-dimension] [data-testid=rate-4]:checked').length",
    )
    .await?;
    ensure!(kept.as_u64() == Some(3), "the chosen levels were cleared after saving: {kept}");
    ensure!(app.text_of("[data-testid=ratings]").await?.contains("clerk"), "ratings not listed");
    app.type_into("[data-testid=second-rater-name]", "clerk2").await?;
    app.click("[data-testid=second-rater-ask]").await?;
    app.wait_text("[data-testid=review-notice]", |t| t.contains("已发出请求")).await?;
    // No band is chosen for the reviewer, not even the AI's.
    let chosen =
        script(&app, "return document.querySelectorAll('[data-testid=decide] input[type=radio]:checked').length")
            .await?;
    ensure!(chosen.as_u64() == Some(0), "a decision band was pre-selected");
    app.click("[data-testid=decide-recommend]").await?;
    app.type_into("[data-testid=decide-reason]", "经历具体，服务意识强，面试官复核后同意推荐。").await?;
    app.click("[data-testid=decide-save]").await?;
    app.wait_text("[data-testid=decide-saved]", |t| !t.is_empty()).await?;
    let reason = script(&app, "return document.querySelector('[data-testid=decide-reason]').value").await?;
    ensure!(
        reason.as_str().is_some_and(|r| r.starts_with("经历具体")),
        "the reason was cleared after saving: {reason}"
    );
    app.wait_text("[data-testid=review-decision]", |t| t.starts_with("推荐")).await?;
    top(&app).await?;
    app.screenshot(&screenshot_path("clerk-review-zh")).await?;

    // Exporting asks for the password again; a wrong one is refused.
    step("workspace: the export");
    app.click("[data-testid=export-report]").await?;
    app.type_into("[data-testid=reauth-password]", "wrong password").await?;
    app.click("[data-testid=reauth-submit]").await?;
    app.find("[data-testid=reauth-error]").await?;
    app.type_into("[data-testid=reauth-password]", PASSWORD).await?;
    app.click("[data-testid=reauth-submit]").await?;
    app.wait_text("[data-testid=review-notice]", |t| t.contains("数字签名")).await?;
    let report = app.find("[data-testid=review-exported]").await?.attr("data-path").await?.context("report path")?;
    ensure!(Path::new(&report).is_file(), "no report at {report}");
    let name = Path::new(&report).file_name().unwrap_or_default().to_string_lossy().into_owned();
    ensure!(name.starts_with("面试报告-") && name.contains(CANDIDATE), "the report's file name: {name}");
    // "Show in folder" hands the report's folder to the desktop's opener; the file itself too.
    let asked_for = |lines: usize| {
        let opened = opened.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let asked = std::fs::read_to_string(&opened).unwrap_or_default();
                if asked.lines().count() >= lines || Instant::now() > deadline {
                    return asked;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    app.click("[data-testid=review-exported-show]").await?;
    asked_for(1).await;
    app.click("[data-testid=review-exported-open]").await?;
    let asked = asked_for(2).await;
    let folder = Path::new(&report).parent().context("report folder")?.canonicalize()?;
    let file = Path::new(&report).canonicalize()?;
    ensure!(
        asked.lines().collect::<Vec<_>>() == [folder.to_string_lossy(), file.to_string_lossy()],
        "the opener was asked for {asked:?}"
    );
    // The page cannot make the app open anything outside the export folder.
    let refused = app.invoke("open_export", serde_json::json!({ "path": "/etc/passwd", "showFolder": false })).await?;
    ensure!(refused.err().is_some_and(|e| e["code"] == "app.not_an_export"), "opened a file outside the exports");
    ensure!(std::fs::read_to_string(&opened)?.lines().count() == 2, "the opener was called for /etc/passwd");
    // A segment the clerk's playlist named, for the auditor's turn below.
    let answer =
        script(&app, "return Number(document.querySelector('[data-testid^=player-]').dataset.testid.slice(7))").await?;
    let playlist = app.invoke("review_playlist", serde_json::json!({ "answerId": answer })).await?;
    let segment = playlist.ok().and_then(|p| p[0]["mediaId"].as_u64()).context("a segment of the clerk's playlist")?;
    sign_out(&app).await?;

    // The second rater sees the request on the board.
    sign_in(&app, "clerk2").await?;
    app.wait_text("[data-testid=review-requests]", |t| t.contains(CANDIDATE)).await?;
    sign_out(&app).await?;

    // The auditor: read-only, refused a decision by the backend.
    step("workspace: the auditor");
    app.click("[data-testid=nav-auditor]").await?;
    sign_in(&app, "auditor").await?;
    // media:// serves only what the signed-in person opened: the clerk's segment, asked for by id
    // before the auditor opened that answer, is refused; after, it plays.
    let fetch = format!("return fetch('media://localhost/{segment}').then((r) => r.status, () => 0)");
    let status = script(&app, &fetch).await?;
    ensure!(status == 403, "a segment fetched by id without its playlist: {status}");
    app.type_into("[data-testid=candidates-search]", "李").await?;
    app.wait_text("[data-testid=candidate-state]", |t| t == "已复核").await?;
    app.screenshot(&screenshot_path("auditor-interviews-zh")).await?;
    app.click("[data-testid=candidate-open]").await?;
    app.wait_text("[data-testid=review-decision]", |t| t.starts_with("推荐")).await?;
    app.click("[data-testid=player-play]").await?;
    wait_played(&app, 0.5).await?;
    let status = script(&app, &fetch).await?;
    ensure!(status == 200, "a segment of the playlist the auditor opened: {status}");
    ensure!(count(&app, "[data-testid=decide]").await? == 0, "decision form shown to an auditor");
    let interview = app.client.current_url().await?;
    ensure!(interview.as_str().contains("#/auditor/review/c"), "{interview}");
    let refused = app
        .invoke(
            "review_decide",
            serde_json::json!({ "interviewId": 1, "band": "not_recommended", "reason": "changed" }),
        )
        .await?;
    let error = refused.err().context("an auditor changed a decision")?;
    ensure!(error["code"] == "auth.denied", "refusal: {error}");
    top(&app).await?;
    app.screenshot(&screenshot_path("auditor-review-zh")).await?;

    // The whole job, with its progress, after the password again.
    step("workspace: the job's reports");
    app.click("[data-testid=tab-exports]").await?;
    app.click("[data-testid=export-job-run]").await?;
    app.type_into("[data-testid=reauth-password]", PASSWORD).await?;
    app.click("[data-testid=reauth-submit]").await?;
    let done = app.wait_text("[data-testid=export-notice]", |t| t.contains("导出完成")).await?;
    ensure!(done.contains("1 份候选人签名报告") && done.contains("岗位汇总报告"), "job export: {done}");
    wait_export_progress(&app, 2).await?;
    app.screenshot(&screenshot_path("auditor-exports-zh")).await?;

    // Every report the auditor exported verifies, and so does the clerk's; a copy of one of the
    // auditor's with one byte changed does not.
    let folder =
        app.find("[data-testid=export-job-exported]").await?.attr("data-path").await?.context("export folder")?;
    let mut exported: Vec<String> =
        std::fs::read_dir(&folder)?.map(|e| Ok(e?.path().display().to_string())).collect::<std::io::Result<_>>()?;
    exported.sort();
    ensure!(exported.len() == 2, "the job folder holds {exported:?}");
    // Named for what they are: the candidate's report and the job's summary.
    let names: Vec<&str> = exported.iter().filter_map(|f| Path::new(f).file_name()?.to_str()).collect();
    ensure!(
        names.iter().any(|n| n.starts_with("面试报告-") && n.contains(CANDIDATE))
            && names.iter().any(|n| n.starts_with("岗位汇总报告-")),
        "the job folder's names: {names:?}"
    );
    exported.push(report.clone());
    app.click("[data-testid=tab-verify]").await?;
    for file in &exported {
        let name = Path::new(file).file_name().unwrap_or_default().to_string_lossy().into_owned();
        app.find("[data-testid=verify-file]").await?.send_keys(file).await?;
        let verdict = app.wait_text("[data-testid=verify-verdict]", |t| t.starts_with(&name)).await?;
        ensure!(verdict.contains("有效：") && !verdict.contains("无效"), "{name}: {verdict}");
    }
    let mut bytes = std::fs::read(&exported[0])?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered = root.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes)?;
    app.find("[data-testid=verify-file]").await?.send_keys(&tampered.display().to_string()).await?;
    app.wait_text("[data-testid=verify-verdict]", |t| t.starts_with("tampered.pdf") && t.contains("无效")).await?;

    app.close().await?;

    // Left alone, the window locks; the password opens it again.
    step("workspace: the idle lock");
    let idle = IDLE_SECONDS.to_string();
    let app =
        App::launch_staff(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[("INTERVIEW_KIOSK_STAFF_IDLE_SECONDS", &idle)])
            .await?;
    app.click("[data-testid=nav-auditor]").await?;
    sign_in(&app, "auditor").await?;
    // A new sign-in starts with nothing opened: the segment played before is refused again.
    let status = script(&app, &fetch).await?;
    ensure!(status == 403, "a segment of the last session's playlist: {status}");
    app.find("[data-testid=candidates]").await?;
    tokio::time::sleep(Duration::from_secs(IDLE_SECONDS + 2)).await;
    app.find("[data-testid=unlock-dialog]").await?;
    ensure!(count(&app, "[data-testid=candidates]").await? == 0, "content shown while locked");
    app.screenshot(&screenshot_path("staff-locked-zh")).await?;
    app.type_into("[data-testid=unlock-password]", PASSWORD).await?;
    app.click("[data-testid=unlock-submit]").await?;
    app.find("[data-testid=candidates]").await?;
    app.close().await?;

    // The audit trail: the recording was opened, the auditor's attempt was refused.
    step("workspace: the audit trail");
    let played = audit(&cli, "answer:")?;
    ensure!(played.iter().any(|e| e["action"] == "media.play" && e["actor"] == "clerk"), "playback not audited");
    let all = audit(&cli, "")?;
    ensure!(
        all.iter().any(|e| e["actor"] == "auditor" && e["action"] == "record_decision" && e["outcome"] == "denied"),
        "the auditor's refused decision is not audited"
    );
    ensure!(
        all.iter().any(|e| e["action"] == "auth.reauth" && e["outcome"] == "failed"),
        "the wrong password is not audited"
    );
    Ok(())
}

/// Two clerks in two staff windows on one vault (as at two desks) open the same question. The
/// first saves; the second's save is refused with the first clerk's name, the second's text stays
/// in the form, and the question holds the first clerk's change. Opened again, the second clerk's
/// change stands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clerks_editing_the_same_question_cannot_undo_each_other() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    seed(&cli)?;
    let job = crate::harness::workspace_root().join("assets/samples/demo/job.toml");
    cli.ok(&["job", "create", "--user", "clerk", &job.display().to_string()])?;
    let first = App::launch_staff(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[]).await?;
    let second = App::launch_staff(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[]).await?;
    for (app, user) in [(&first, "clerk"), (&second, "clerk2")] {
        app.click("[data-testid=nav-clerk]").await?;
        sign_in(app, user).await?;
        app.click("[data-testid=tab-jobs]").await?;
        app.click("[data-testid=job-open]").await?;
        app.click("[data-testid=question-edit]").await?;
        app.find("[data-testid=question-form]").await?;
    }
    let text = first.find("[data-testid=question-text]").await?;
    text.clear().await?;
    text.send_keys("第一位专员改过的题目").await?;
    first.click("[data-testid=question-save]").await?;
    first.wait_text("[data-testid=question-row]", |t| t.contains("第一位专员改过的题目")).await?;

    let text = second.find("[data-testid=question-text]").await?;
    text.clear().await?;
    text.send_keys("第二位专员改过的题目").await?;
    second.click("[data-testid=question-save]").await?;
    let refused = second.wait_text("[data-testid=question-error]", |t| !t.is_empty()).await?;
    ensure!(refused.contains("clerk") && refused.contains("修改"), "the refusal does not name who: {refused}");
    let kept = script(&second, "return document.querySelector('[data-testid=question-text]').value").await?;
    ensure!(kept == "第二位专员改过的题目", "the form lost the second clerk's text: {kept}");
    second.screenshot(&screenshot_path("clerk-question-changed-meanwhile-zh")).await.ok();

    // Opened again, the second clerk edits the current question; that change stands.
    second.click("[data-testid=tab-candidates]").await?;
    second.click("[data-testid=tab-jobs]").await?;
    second.click("[data-testid=job-open]").await?;
    second.wait_text("[data-testid=question-row]", |t| t.contains("第一位专员改过的题目")).await?;
    second.click("[data-testid=question-edit]").await?;
    let text = second.find("[data-testid=question-text]").await?;
    text.clear().await?;
    text.send_keys("第二位专员改过的题目").await?;
    second.click("[data-testid=question-save]").await?;
    second.wait_text("[data-testid=question-row]", |t| t.contains("第二位专员改过的题目")).await?;
    first.close().await?;
    second.close().await?;
    let changes = audit(&cli, "question:")?;
    let outcomes: Vec<&str> =
        changes.iter().filter(|e| e["action"] == "question.update").filter_map(|e| e["outcome"].as_str()).collect();
    ensure!(outcomes == ["ok", "failed", "ok"], "question.update outcomes: {outcomes:?}");
    Ok(())
}
