//! The kiosk window on a station set up without the kiosk session: a stock window manager
//! (openbox with Debian's default key bindings, on Xvfb) and synthetic key presses and window
//! requests (xdotool) — what a candidate could do with the keyboard, and what another program
//! could do to the window. The kiosk session itself (cage) draws nothing on its headless backend
//! here, so these guards are tested where they can fail.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::cli::tempdirs;
use crate::harness::{App, workspace_root};
use crate::kiosk::{
    KEYRING_PASSWORD, audit, consent_and_devices, enter_code, invite, invite_to, log_tail, practice, screen, seed,
    sign_in_station, wait_phase, wait_screen,
};

/// The kiosk window's X id (its title names the product).
fn kiosk_window(app: &App) -> Result<String> {
    let out = app.x("xdotool", &["search", "--onlyvisible", "--name", "Interview Kiosk"])?;
    out.lines().next().map(str::to_owned).context("no visible kiosk window")
}

/// Waits (at most 3 s) until the kiosk window is shown, focused and full screen, and the page
/// still on `screen_name`; returns how long that took.
async fn in_front(app: &App, window: &str, screen_name: &str, after: &str) -> Result<Duration> {
    let started = Instant::now();
    loop {
        let active = app.x("xdotool", &["getactivewindow"]).unwrap_or_default();
        let state = app.x("xprop", &["-id", window, "_NET_WM_STATE"]).unwrap_or_default();
        let map = app.x("xwininfo", &["-id", window]).unwrap_or_default();
        let ok = active.trim() == window
            && state.contains("_NET_WM_STATE_FULLSCREEN")
            && state.contains("_NET_WM_STATE_ABOVE")
            && map.contains("IsViewable");
        if ok {
            let now = screen(app).await?;
            ensure!(now == screen_name, "after {after} the kiosk shows {now:?}, not {screen_name:?}");
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(3) {
            bail!(
                "after {after} the kiosk window is not in front: active {:?}, state {:?}, mapped {}",
                active.trim(),
                state.trim(),
                map.contains("IsViewable")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The window manager's own shortcuts (window menu, show desktop, switch and send to another
/// workspace, lower, cycle, close) leave the kiosk in front and full screen, on the welcome
/// screen and during an answer; a minimise request and an unmap from another client during the
/// answer are undone at once, pause the answer, and are audited on it (each departure is a
/// `capture.kiosk_left` entry, written in the same transaction as the answer's flag).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_window_stays_in_front_under_a_window_manager() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    seed(&cli)?;
    let code = invite(&cli, "李四", None, &[])?;
    let app = App::launch_kiosk_in_openbox(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[]).await?;
    wait_screen(&app, "station", 20).await?;
    sign_in_station(&app).await?;
    let window = kiosk_window(&app)?;
    in_front(&app, &window, "welcome", "sign-in").await?;
    let shortcuts = ["alt+space", "super+d", "ctrl+alt+Right", "shift+alt+Left", "alt+Escape", "alt+Tab", "alt+F4"];
    for keys in shortcuts {
        app.x("xdotool", &["key", keys])?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        in_front(&app, &window, "welcome", keys).await?;
        // The window menu (alt+space) takes the keyboard while it is open; Escape closes it.
        app.x("xdotool", &["key", "Escape"])?;
    }

    enter_code(&app, &code).await?;
    wait_screen(&app, "confirm", 15).await?;
    app.click("[data-testid=kiosk-confirm-yes]").await?;
    consent_and_devices(&app).await?;
    practice(&app).await?;
    wait_phase(&app, "preparing", 20).await?;
    app.click("[data-testid=kiosk-ready]").await?;
    wait_phase(&app, "answering", 10).await?;
    for keys in ["super+d", "ctrl+alt+Left"] {
        app.x("xdotool", &["key", keys])?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let took = in_front(&app, &window, "question", keys).await?;
        println!("{keys}: in front again after {took:?}");
    }
    for request in ["windowminimize", "windowunmap"] {
        app.x("xdotool", &[request, &window])?;
        let took = in_front(&app, &window, "question", request).await?;
        println!("{request}: in front again after {took:?}");
    }
    app.click("[data-testid=kiosk-finish]").await?;
    wait_phase(&app, "done", 20).await?;

    let entries = audit(&cli, "answer:")?;
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    ensure!(
        count("capture.kiosk_left") >= 2 && count("capture.kiosk_back") >= 2,
        "the departures are not audited on the answer: {:?}",
        entries.iter().filter_map(|e| e["action"].as_str()).collect::<Vec<_>>()
    );
    app.close().await
}

/// The kiosk page's process killed mid-answer (as a crash would end it): the window reloads the
/// page, which takes the visit up at the same question (`kiosk_resume`, seen in the audit as the
/// answer's `capture.kiosk_back`); the answer, paused while the page was gone, goes on — more
/// segments — and ends by its clock, saved, begun once. The loss is audited on the answer; a
/// second loss after the answer, on the visit's interview. WebKitWebDriver ends its session when
/// the page crashes ("session deleted because of page crash"), so after the kill this test
/// follows the app through its audit trail, and the page's part (`resumeAt`) is a unit test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_lost_mid_answer_is_reloaded_and_the_answer_goes_on() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    seed(&cli)?;
    // A job whose questions are answered within 12 s, so the clock ends the answer.
    let job = std::fs::read_to_string(workspace_root().join("assets/samples/demo/job.toml"))?
        .replace("answer_seconds = 120", "answer_seconds = 12")
        .replace("prep_seconds = 30", "prep_seconds = 5");
    let job_file = cli.data.with_file_name("short-job.toml");
    std::fs::write(&job_file, job)?;
    for entry in std::fs::read_dir(workspace_root().join("assets/samples/demo"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&path, job_file.with_file_name(path.file_name().context("name")?))?;
        }
    }
    cli.ok(&["job", "create", "--user", "clerk", &job_file.display().to_string()])?;
    let code = invite_to(&cli, "赵六", None, &[], "2")?;
    let app = App::launch_kiosk(&cli.data, &cli.keyring, KEYRING_PASSWORD, &[]).await?;
    wait_screen(&app, "station", 20).await?;
    sign_in_station(&app).await?;
    enter_code(&app, &code).await?;
    wait_screen(&app, "confirm", 15).await?;
    app.click("[data-testid=kiosk-confirm-yes]").await?;
    consent_and_devices(&app).await?;
    app.click("[data-testid=kiosk-practice-skip]").await?;
    wait_phase(&app, "preparing", 20).await?;
    app.click("[data-testid=kiosk-ready]").await?;
    wait_phase(&app, "answering", 10).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;

    ensure!(app.kill_web_processes()? >= 1, "no web process to kill");
    let killed = Instant::now();
    let actions = |object: &str| -> Result<Vec<String>> {
        let mut entries = audit(&cli, object)?;
        entries.sort_by_key(|e| e["seq"].as_u64());
        Ok(entries.iter().filter_map(|e| e["action"].as_str().map(str::to_owned)).collect())
    };
    let finished = loop {
        let now = actions("answer:")?;
        if now.iter().any(|a| a == "answer.finish") {
            break now;
        }
        ensure!(killed.elapsed() < Duration::from_secs(60), "the answer did not end: {now:?}\n{}", log_tail(&cli));
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    println!("the answer ended {:?} after the kill: {finished:?}", killed.elapsed());
    let count = |action: &str| finished.iter().filter(|a| *a == action).count();
    ensure!(count("capture.page_lost") == 1, "the lost page is not audited on the answer");
    ensure!(count("capture.kiosk_back") == 1, "the reloaded page did not take the answer up again");
    ensure!(count("answer.begin") == 1 && count("capture.recovered") == 0, "the answer was not the same one");
    let back = finished.iter().position(|a| a == "capture.kiosk_back").unwrap_or(usize::MAX);
    ensure!(finished.iter().skip(back).any(|a| a == "media.segment"), "nothing was recorded after the page came back");
    let interview_row = audit(&cli, "interview:")?;
    ensure!(!interview_row.iter().any(|e| e["action"] == "kiosk.page_lost"), "the first loss counted twice");

    // The page is lost again on the answer's end screen: audited on the visit's interview.
    ensure!(app.kill_web_processes()? >= 1, "no web process to kill the second time");
    let killed = Instant::now();
    loop {
        if actions("interview:")?.iter().any(|a| a == "kiosk.page_lost") {
            break;
        }
        ensure!(killed.elapsed() < Duration::from_secs(20), "the second loss is not audited on the interview");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The app is alive (its page reloaded twice): its process group still has a web process.
    tokio::time::sleep(Duration::from_secs(2)).await;
    ensure!(app.kill_web_processes()? >= 1, "no web process after the reloads");
    Ok(())
}
