//! Starts the real app under Xvfb behind tauri-driver and connects a WebDriver client.
//!
//! Each [`App`] has its own X display, its own ports and its own data directory, so tests run
//! in parallel. Everything started is stopped when the `App` is dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Overrides the app binary under test (default: the workspace's debug build).
pub const BIN_ENV: &str = "INTERVIEW_KIOSK_BIN";

pub struct App {
    pub client: Client,
    display: String,
    children: Children,
    /// The process group of tauri-driver, WebKitWebDriver, the app and its web processes.
    group: u32,
}

/// The helper processes, stopped (newest first) when dropped, also on an early error. Each
/// runs in its own process group, so what it started (tauri-driver starts WebKitWebDriver,
/// which starts the app) stops with it.
struct Children(Vec<Child>);

impl Children {
    fn spawn(&mut self, command: &mut Command) -> std::io::Result<&mut Child> {
        use std::os::unix::process::CommandExt;
        self.0.push(command.process_group(0).spawn()?);
        Ok(self.0.last_mut().expect("just pushed"))
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            // SIGTERM first, so Xvfb removes its lock file and the app can shut down.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).stderr(Stdio::null()).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
            let _ = child.wait();
        }
        self.0.clear();
    }
}

/// Prints the step a long test has reached, with the seconds since the first step printed:
/// under `--nocapture` (the zero-egress workloads) a test that hangs shows where, and a failing
/// test's captured output shows the way it came.
pub fn step(what: &str) {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(Instant::now);
    println!("[{:7.1} s] {what}", started.elapsed().as_secs_f64());
}

/// Extra environment for the app process.
pub type Env<'a> = &'a [(&'a str, &'a Path)];

fn env_none() -> Env<'static> {
    &[]
}

impl App {
    /// Launches the app with `data_dir` as its data directory.
    pub async fn launch(data_dir: &Path, env: Env<'_>) -> Result<App> {
        App::start(data_dir, env, None, &[]).await
    }

    /// Launches the app under `installer/with-keyring` with the keyring kept in `keyring`
    /// (`XDG_DATA_HOME`), so it opens a vault created by the command line with the same keyring.
    pub async fn launch_with_keyring(data_dir: &Path, keyring: &Path, password: &str) -> Result<App> {
        App::start(data_dir, env_none(), Some((keyring, password)), &[]).await
    }

    /// The staff window under `installer/with-keyring`, with more environment for the app.
    pub async fn launch_staff(data_dir: &Path, keyring: &Path, password: &str, env: &[(&str, &str)]) -> Result<App> {
        App::start_with(data_dir, &[], env, Some((keyring, password)), &[], false).await
    }

    /// The candidates' kiosk window (`interview-kiosk kiosk`), with the keyring as above.
    pub async fn launch_kiosk(data_dir: &Path, keyring: &Path, password: &str, env: &[(&str, &str)]) -> Result<App> {
        App::start_with(data_dir, &[], env, Some((keyring, password)), &["kiosk"], false).await
    }

    /// The kiosk window as above, under a stock window manager (openbox with Debian's default
    /// configuration: its key bindings reveal the desktop, switch workspaces, open the window
    /// menu) — a station set up without the kiosk session.
    pub async fn launch_kiosk_in_openbox(
        data_dir: &Path,
        keyring: &Path,
        password: &str,
        env: &[(&str, &str)],
    ) -> Result<App> {
        App::start_with(data_dir, &[], env, Some((keyring, password)), &["kiosk"], true).await
    }

    async fn start(data_dir: &Path, env: Env<'_>, keyring: Option<(&Path, &str)>, args: &[&str]) -> Result<App> {
        App::start_with(data_dir, env, &[], keyring, args, false).await
    }

    async fn start_with(
        data_dir: &Path,
        env: Env<'_>,
        vars: &[(&str, &str)],
        keyring: Option<(&Path, &str)>,
        args: &[&str],
        window_manager: bool,
    ) -> Result<App> {
        let binary = app_binary()?;
        let mut children = Children(Vec::new());
        let display = start_xvfb(&mut children)?;
        if window_manager {
            start_openbox(&mut children, &display)?;
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let mut driver = match keyring {
            None => Command::new(tauri_driver()?),
            Some((dir, password)) => {
                let mut command = Command::new(workspace_root().join("installer/with-keyring"));
                command
                    .arg(tauri_driver()?)
                    .env("XDG_DATA_HOME", dir)
                    .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", password)
                    .env_remove("DBUS_SESSION_BUS_ADDRESS");
                command
            }
        };
        driver
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .env("INTERVIEW_KIOSK_DATA_DIR", data_dir)
            // No GPU here; keep WebKit on its software path.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            driver.env(key, value);
        }
        for (key, value) in vars {
            driver.env(key, value);
        }
        let group = children.spawn(&mut driver).context("starting tauri-driver (run installer/setup.sh)")?.id();
        wait_for_port(port, Duration::from_secs(20)).context("tauri-driver did not start listening")?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".to_owned(),
            serde_json::json!({ "application": binary.display().to_string(), "args": args }),
        );
        capabilities.insert("browserName".to_owned(), serde_json::json!("wry"));
        // tauri-driver listens before the WebKitWebDriver it starts for the session is ready; on
        // a loaded two-core machine the first new-session request can find it not yet answering
        // (seen once in `make test`: "webdriver server did not respond"). Three tries, 1 s apart.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if attempt < 3 => {
                    println!("new WebDriver session, attempt {attempt}: {error}; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => return Err(error).context("opening a WebDriver session on the app"),
            }
        };
        Ok(App { client, display, children, group })
    }

    /// Waits for the element and returns its text.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let element = self.find(css).await?;
        Ok(element.text().await?)
    }

    /// Waits up to 15 s for an element to appear.
    pub async fn find(&self, css: &str) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Waits until the element's text satisfies `check`, and returns it.
    pub async fn wait_text(&self, css: &str, check: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            // The element found may be replaced before its text is read (a list re-rendering
            // with new rows): that is "not yet", not a failure.
            let text = match self.text_of(css).await {
                Ok(text) => text,
                Err(error) if Instant::now() <= deadline => {
                    println!("{css}: {error}; looking again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            if check(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                bail!("{css} still reads {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types into the element (after waiting for it).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.find(css).await?.send_keys(text).await.with_context(|| format!("typing into {css}"))?;
        Ok(())
    }

    /// Waits up to `seconds` for an element to appear.
    pub async fn find_within(&self, css: &str, seconds: u64) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(seconds))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting {seconds} s for {css}"))
    }

    /// Calls an IPC command from the page, as the page's own code would, and returns what the
    /// promise settled with: `Ok(value)` or `Err(rejection)`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<std::result::Result<serde_json::Value, serde_json::Value>> {
        let script = "const [cmd, args, done] = arguments;
            window.__TAURI_INTERNALS__.invoke(cmd, args)
              .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: e === undefined ? null : e }));";
        let out = self.client.execute_async(script, vec![serde_json::json!(command), args]).await?;
        Ok(match out.get("ok") {
            Some(value) => Ok(value.clone()),
            None => Err(out.get("err").cloned().unwrap_or_default()),
        })
    }

    /// Signs `user` in on the staff window's sign-in form and waits until the page says so.
    pub async fn sign_in(&self, user: &str, password: &str) -> Result<()> {
        self.type_into("[data-testid=sign-in-username]", user).await?;
        self.type_into("[data-testid=sign-in-password]", password).await?;
        self.click("[data-testid=sign-in-submit]").await?;
        self.wait_text("[data-testid=signed-in-as]", |t| t.contains(user)).await?;
        Ok(())
    }

    /// Signs out and waits for the sign-in form.
    pub async fn sign_out(&self) -> Result<()> {
        self.click("[data-testid=sign-out]").await?;
        self.find("[data-testid=sign-in]").await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css).await?.click().await.with_context(|| format!("clicking {css}"))?;
        Ok(())
    }

    /// Saves a PNG of the screen (for the docs, and to look at when a test fails). Taken from
    /// the X server with xwd, because WebKitWebDriver's screenshot command hangs under Xvfb.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let pipeline = format!(
            "xwd -root -silent -display {} | xwdtopnm 2>/dev/null | pnmtopng > '{}'",
            self.display,
            path.display()
        );
        let status = Command::new("bash").args(["-o", "pipefail", "-c", &pipeline]).status()?;
        if !status.success() {
            bail!("screenshot failed ({status}); are x11-apps and netpbm installed? run installer/setup.sh");
        }
        // Every screen shot in Chinese is also checked for English left in it.
        if path.file_stem().is_some_and(|s| s.to_string_lossy().ends_with("-zh")) {
            self.ensure_no_english(&path.display().to_string()).await?;
        }
        Ok(())
    }

    /// Kills the app's web processes (WebKit's `WebKitWebProcess`: the page's renderer) with
    /// SIGKILL, as a crash would end them; returns how many there were.
    pub fn kill_web_processes(&self) -> Result<usize> {
        let out = Command::new("pgrep").args(["-g", &self.group.to_string(), "-x", "WebKitWebProces"]).output()?;
        let pids: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_owned).collect();
        for pid in &pids {
            ensure!(Command::new("kill").args(["-KILL", pid]).status()?.success(), "kill {pid}");
        }
        Ok(pids.len())
    }

    /// Runs an X client (xdotool, xprop, xwininfo) on this app's display and returns its output.
    pub fn x(&self, program: &str, args: &[&str]) -> Result<String> {
        let out = Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .with_context(|| format!("{program}; is it installed? run installer/setup.sh"))?;
        ensure!(out.status.success(), "{program} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The names of the top-level windows on this app's display (`xwininfo -tree`).
    pub fn window_names(&self) -> Result<String> {
        let out = Command::new("xwininfo").args(["-root", "-tree", "-display", &self.display]).output()?;
        if !out.status.success() {
            bail!("xwininfo failed; is x11-utils installed? run installer/setup.sh");
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Puts `text` into an X selection of this app's display ("clipboard" or "primary"), owned by
    /// another client (xsel, which holds it until something else takes the selection).
    pub fn set_selection(&self, which: &str, text: &str) -> Result<()> {
        let mut child = Command::new("xsel")
            .args([&format!("--{which}"), "--input", "--display", &self.display])
            .stdin(Stdio::piped())
            .spawn()
            .context("xsel; is it installed? run installer/setup.sh")?;
        std::io::Write::write_all(&mut child.stdin.take().context("xsel's input")?, text.as_bytes())?;
        ensure!(child.wait()?.success(), "xsel could not take the {which} selection");
        Ok(())
    }

    /// What an X selection of this app's display holds ("clipboard" or "primary").
    pub fn selection(&self, which: &str) -> Result<String> {
        let out =
            Command::new("xsel").args([&format!("--{which}"), "--output", "--display", &self.display]).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Fails when the page shows a phrase of the English interface (from the i18n tables) or
    /// of the browser's own controls: a Chinese screen speaks Chinese throughout.
    pub async fn ensure_no_english(&self, screen: &str) -> Result<()> {
        let text = self
            .client
            .execute(
                "const parts = [document.body.innerText];
                 for (const e of document.querySelectorAll('[placeholder], [aria-label], [alt]')) {
                   parts.push(e.getAttribute('placeholder') ?? '', e.getAttribute('aria-label') ?? '', e.getAttribute('alt') ?? '');
                 }
                 return parts.join('\\n');",
                vec![],
            )
            .await?;
        let text = text.as_str().unwrap_or_default();
        let found: Vec<&String> = english_phrases().iter().filter(|p| text.contains(p.as_str())).collect();
        if !found.is_empty() {
            bail!("English on the Chinese screen {screen}: {found:?}");
        }
        Ok(())
    }

    /// Ends the WebDriver session (which closes the app) and stops the helpers.
    pub async fn close(self) -> Result<()> {
        let App { client, children, .. } = self;
        client.close().await?;
        drop(children);
        Ok(())
    }
}

/// Phrases of the English interface that a Chinese screen must not show: each English string
/// of the i18n tables cut at its placeholders, the pieces of two words or more that no Chinese
/// string contains too (the product's name is the same in both), and the browser's own
/// strings for its controls.
fn english_phrases() -> &'static [String] {
    static PHRASES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut zh = String::new();
        let mut en = Vec::new();
        for file in ["ui/src/shared/i18n.ts", "ui/src/shared/i18n-workspace.ts"] {
            let source = std::fs::read_to_string(workspace_root().join(file)).expect("the i18n tables");
            let mut in_en = false;
            for line in source.lines() {
                if line.starts_with("const en") || line.starts_with("export const enWorkspace") {
                    in_en = true;
                } else if line.starts_with("const zh") || line.starts_with("export const zhWorkspace") {
                    in_en = false;
                }
                let Some((_, value)) = line.trim().split_once("\": \"") else { continue };
                let value = value.trim_end_matches(',').trim_end_matches('"').replace("\\\"", "\"");
                if in_en {
                    en.push(value);
                } else {
                    zh.push_str(&value);
                    zh.push('\n');
                }
            }
        }
        let mut phrases: Vec<String> = en
            .iter()
            .flat_map(|v| v.split(['{', '}']).step_by(2).map(str::trim).map(str::to_owned).collect::<Vec<_>>())
            .filter(|p| p.split_whitespace().filter(|w| w.chars().any(|c| c.is_ascii_alphabetic())).count() >= 2)
            .filter(|p| !zh.contains(p.as_str()))
            .collect();
        phrases.extend(
            ["Choose File", "No file selected", "no file selected", "Please fill", "Use at least", "Value must be"]
                .map(str::to_owned),
        );
        phrases.sort();
        phrases.dedup();
        phrases
    })
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn app_binary() -> Result<PathBuf> {
    let path = match std::env::var_os(BIN_ENV) {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/debug/interview-kiosk"),
    };
    if !path.is_file() {
        bail!("the app binary {} does not exist: build it first (make test does)", path.display());
    }
    Ok(path.canonicalize()?)
}

fn tauri_driver() -> Result<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("no CARGO_HOME or HOME")?;
    let path = home.join("bin/tauri-driver");
    if !path.is_file() {
        bail!("{} is missing: run installer/setup.sh", path.display());
    }
    Ok(path)
}

/// Starts Xvfb on a display it picks itself (`-displayfd`), so parallel tests never collide.
fn start_xvfb(children: &mut Children) -> Result<String> {
    use std::io::{BufRead, BufReader};
    let child = children
        .spawn(
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )
        .context("starting Xvfb (run installer/setup.sh)")?;
    let stdout = child.stdout.take().context("Xvfb stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let number: u32 = line.trim().parse().with_context(|| format!("Xvfb printed {line:?}, not a display number"))?;
    Ok(format!(":{number}"))
}

/// Starts openbox on `display` and waits (at most 10 s) until it manages the screen.
fn start_openbox(children: &mut Children, display: &str) -> Result<()> {
    children
        .spawn(
            Command::new("openbox")
                .arg("--sm-disable")
                .env("DISPLAY", display)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .context("starting openbox (run installer/setup.sh)")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new("xprop").args(["-root", "-display", display, "_NET_SUPPORTING_WM_CHECK"]).output()?;
        if String::from_utf8_lossy(&out.stdout).contains("window id") {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "openbox did not take the screen within 10 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing listens on port {port} after {timeout:?}")
}

/// The check of Chinese screens reads the real tables: an English phrase is in; placeholders,
/// single words ("PDF") and what the Chinese strings say too ("SHA-256 …") are not.
#[test]
fn english_phrases_come_from_the_i18n_tables() {
    let phrases = english_phrases();
    assert!(phrases.iter().any(|p| p == "Export the audit log"), "{phrases:?}");
    assert!(phrases.iter().any(|p| p == "Choose a file…"));
    let wrong: Vec<_> = phrases.iter().filter(|p| p.contains(['{', '}']) || !p.contains(' ')).collect();
    assert!(wrong.is_empty(), "{wrong:?}");
    assert!(phrases.len() > 300, "only {} phrases", phrases.len());
}
