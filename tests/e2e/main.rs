//! End-to-end tests: the real `interview-kiosk` binary under Xvfb, driven through tauri-driver
//! and WebKitWebDriver. `make test` builds the app first; nothing here is simulated.

mod cli;
mod follow_up;
mod harness;
mod kiosk;
mod kiosk_guard;
mod office;
mod personalised;
mod reports;
mod sockets;
mod validity;
mod workspace;
mod workstation;

use std::path::Path;

use anyhow::Result;
use harness::{App, workspace_root};

/// Where a test's screenshot goes: `target/e2e-screenshots`, or the directory in
/// `INTERVIEW_KIOSK_SCREENSHOTS` (`make screenshots` points it at docs/screenshots).
fn screenshot_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::var_os("INTERVIEW_KIOSK_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/e2e-screenshots"));
    dir.join(format!("{name}.png"))
}

/// The page shows values only the backend knows: the data directory the test chose, the
/// build's version, and the verification of the bundled ONNX Runtime library (on the first-run
/// wizard's welcome, since this data directory has no vault yet), and switches language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_window_shows_the_status_from_rust() -> Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::launch(data.path(), &[]).await?;

    let expected_dir = data.path().canonicalize()?.display().to_string();
    assert_eq!(app.text_of("[data-testid=data-dir]").await?, expected_dir);
    assert_eq!(app.text_of("[data-testid=app-version]").await?, env!("CARGO_PKG_VERSION"));
    assert_eq!(app.text_of("[data-testid=component-onnxruntime] [data-testid=component-state]").await?, "已校验");
    assert!(app.text_of("[data-testid=components-summary]").await?.contains("全部校验通过"));
    assert_eq!(app.text_of("#wizard-title").await?, "欢迎使用面试一体机");

    app.click("[data-testid=lang-switch]").await?;
    app.wait_text("#wizard-title", |t| t == "Welcome to Interview Kiosk").await?;
    assert_eq!(app.text_of("[data-testid=component-onnxruntime] [data-testid=component-state]").await?, "Verified");
    let lang = app.client.execute("return document.documentElement.lang", vec![]).await?;
    assert_eq!(lang, serde_json::json!("en"));

    app.close().await
}

/// A damaged runtime library is named in the window with the backend's sentence, and the
/// status bar says verification failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_component_is_reported_in_the_window() -> Result<()> {
    let data = tempfile::tempdir()?;
    let assets = tempfile::tempdir()?;
    let library = workspace_root().join(".cache/assets/libonnxruntime.so.1.31.1");
    let mut bytes = std::fs::read(&library)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(assets.path().join("libonnxruntime.so.1.31.1"), bytes)?;
    let env: &[(&str, &Path)] = &[("INTERVIEW_KIOSK_ASSETS_DIR", assets.path())];
    let app = App::launch(data.path(), env).await?;

    let state = app.text_of("[data-testid=component-onnxruntime] [data-testid=component-state]").await?;
    assert!(state.contains("libonnxruntime.so.1.31.1") && state.contains("不符"), "state reads {state:?}");
    assert!(app.text_of("[data-testid=components-summary]").await?.contains("未通过校验"));

    app.close().await
}

/// "No code path opens a network socket" (the opt-in HRMS API is not started here): the running
/// desktop app and every process it started listen on no port — except the inspector port
/// WebKitWebDriver itself asks WebKit to open for the test's automation session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktop_app_listens_on_no_port() -> Result<()> {
    let data = tempfile::tempdir()?;
    let app = App::launch(data.path(), &[]).await?;
    app.text_of("[data-testid=data-dir]").await?;
    let binary = workspace_root().join("target/debug/interview-kiosk").canonicalize()?;
    let pids = sockets::processes_of(&binary, "INTERVIEW_KIOSK_DATA_DIR", &data.path().display().to_string());
    anyhow::ensure!(pids.len() == 1, "expected one app process, found {pids:?}");
    let automation: Vec<u16> = ["WEBKIT_INSPECTOR_SERVER", "WEBKIT_INSPECTOR_HTTP_SERVER"]
        .iter()
        .filter_map(|key| sockets::env_of(pids[0], key))
        .filter_map(|addr| addr.rsplit(':').next().and_then(|p| p.parse().ok()))
        .collect();
    let open: Vec<sockets::Listening> =
        sockets::listening(&sockets::tree(pids[0])).into_iter().filter(|l| !automation.contains(&l.port)).collect();
    anyhow::ensure!(open.is_empty(), "the app listens: {open:?} (automation ports {automation:?})");
    app.close().await
}
