//! Follow-up questions in the real kiosk: a job whose one question allows a follow-up on a key
//! point no sample answer mentions (registering the complaint). The candidate answers with the
//! synthetic voice; the kiosk transcribes while recording, says it is deciding, asks that point's
//! follow-up with its own shorter countdowns, records it into the same answer and saves it. The
//! consent told the candidate beforehand. An auditor then makes the decision again from the
//! recording with the command line, and the review data names what was asked.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::cli::{Cli, tempdirs};
use crate::harness::{App, workspace_root};
use crate::kiosk::{
    KEYRING_PASSWORD, attr, consent_and_devices, enter_code, invite_to, log_tail, practice, seed, sign_in_station,
    wait_phase, wait_screen,
};
use crate::screenshot_path;

const FOLLOW_UP_ZH: &str = "您会怎样把这次投诉登记下来，以便后续跟进？";

/// Job 2: one question with the demo's second rubric plus a key point about registering the
/// complaint (which neither sample answer says), whose follow-up may be asked once.
fn follow_up_job(cli: &Cli) -> Result<()> {
    let dir = cli.data.with_file_name("follow-up-job");
    std::fs::create_dir_all(&dir)?;
    let samples = workspace_root().join("assets/samples/demo");
    let mut rubric: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(samples.join("q2-rubric.json"))?)?;
    rubric["follow_ups"] = 1.into();
    rubric["key_points"].as_array_mut().context("key points")?.push(serde_json::json!({
        "id": "register",
        "dimension": "应急处理",
        "text": "登记投诉",
        "synonyms": ["做好记录", "登记备案"],
        "weight": 2.0,
        "follow_up": { "zh-CN": FOLLOW_UP_ZH, "en": "How would you register this complaint so that it is followed up?" }
    }));
    std::fs::write(dir.join("rubric.json"), rubric.to_string())?;
    std::fs::write(
        dir.join("job.toml"),
        r#"title = "投诉接待岗"
language = "zh-CN"
recommend = 80
hold = 60

[[dimension]]
name = "应急处理"
weight_pct = 60

[[dimension]]
name = "沟通能力"
weight_pct = 40

[[question]]
text = "窗口前一位群众情绪激动、大声抱怨，你会怎么处理？"
dimensions = ["应急处理", "沟通能力"]
rubric = "rubric.json"
prep_seconds = 20
answer_seconds = 60
retakes = 0
"#,
    )?;
    cli.ok(&["job", "create", "--user", "clerk", &dir.join("job.toml").display().to_string()])?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_leaves_out_a_key_point_is_followed_up_at_the_kiosk() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    seed(&cli)?;
    follow_up_job(&cli)?;
    let code = invite_to(&cli, "李四", None, &[], "2")?;
    // Other tests share the two cores, and the live transcript runs at the lowest priority: the
    // kiosk may wait longer here than its default 2.5 s (how fast it is, is the benchmark's
    // question). Waiting is what is tested; a kiosk too late asks nothing (`flow/tests`).
    let app = App::launch_kiosk(
        &cli.data,
        &cli.keyring,
        KEYRING_PASSWORD,
        &[("INTERVIEW_KIOSK_FOLLOW_UP_PATIENCE_MS", "30000")],
    )
    .await?;
    wait_screen(&app, "station", 20).await?;
    sign_in_station(&app).await?;
    enter_code(&app, &code).await?;
    wait_screen(&app, "confirm", 15).await?;
    app.click("[data-testid=kiosk-confirm-yes]").await?;
    wait_screen(&app, "consent", 10).await?;
    let told = app.text_of("[data-testid=kiosk-consent-follow-ups]").await?;
    ensure!(told.contains("追问") && told.contains("同样的问题"), "the consent does not tell of follow-ups: {told}");
    consent_and_devices(&app).await?;
    practice(&app).await?;

    // The question: answered for 10 s by the synthetic voice, then "finished".
    wait_phase(&app, "preparing", 20).await?;
    app.click("[data-testid=kiosk-ready]").await?;
    wait_phase(&app, "answering", 10).await?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    app.click("[data-testid=kiosk-finish]").await?;
    let finished = Instant::now();
    // The follow-up comes, with its own (shorter) preparation countdown.
    let asked = match app.find_within("[data-testid=kiosk-follow-up-text]", 45).await {
        Ok(shown) => shown.text().await?,
        Err(error) => {
            let _ = app.close().await;
            let stored =
                cli.run_as(&["follow-ups", "--interview", "1", "--user", "auditor"], "", crate::cli::PASSWORD)?;
            bail!("{error:#}\nstored: {}\n{}", String::from_utf8_lossy(&stored.stdout), log_tail(&cli));
        }
    };
    eprintln!("the follow-up was shown {:?} after 'finished'", finished.elapsed());
    ensure!(asked == FOLLOW_UP_ZH, "asked {asked:?}\n{}", log_tail(&cli));
    wait_phase(&app, "preparing", 10).await?;
    let total = attr(&app, "[data-testid=kiosk-countdown]", "aria-label").await?;
    ensure!(!total.is_empty(), "no countdown for the follow-up");
    app.screenshot(&screenshot_path("kiosk-follow-up-zh")).await?;
    app.click("[data-testid=kiosk-ready]").await?;
    wait_phase(&app, "answering", 10).await?;
    tokio::time::sleep(Duration::from_secs(6)).await;
    app.click("[data-testid=kiosk-finish]").await?;
    wait_phase(&app, "done", 20).await?;
    app.find("[data-testid=kiosk-saved]").await?;
    ensure!(
        crate::kiosk::count(&app, "[data-testid=kiosk-follow-up]").await? == 0,
        "the follow-up stays on screen after the answer is saved"
    );
    app.click("[data-testid=kiosk-next]").await?;
    wait_screen(&app, "thanks", 20).await?;
    app.close().await?;

    // Stored with the answer, and the same when made again from the recording.
    let out = cli.run_as(&["follow-ups", "--interview", "1", "--user", "auditor"], "", crate::cli::PASSWORD)?;
    let said = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    ensure!(said.contains("stored decision asked [register]"), "{said}");
    // One answer, recorded as one attempt (the follow-up is part of it).
    let entries = crate::kiosk::audit(&cli, "answer:")?;
    let begun = entries.iter().filter(|e| e["action"] == "answer.begin").count();
    ensure!(begun == 1, "{begun} answers begun, expected 1");
    ensure!(entries.iter().any(|e| e["action"] == "answer.follow_up"), "the decision is not audited");
    Ok(())
}
