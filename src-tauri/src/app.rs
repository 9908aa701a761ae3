//! The desktop app: windows, state, the invoke handler.
//!
//! One process shows one window: the staff window (`interview-kiosk`), or the candidates'
//! kiosk (`interview-kiosk kiosk`) — full screen, undecorated, always on top, no devtools or
//! context menu in release builds, and a capability file that grants kiosk commands only.

use std::path::PathBuf;

use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use crate::commands;
use crate::commands::guard::{KIOSK_WINDOW, STAFF_WINDOW};
use crate::state::{AppState, Mode};

/// The navigation guard of both windows: a window shows the app's own pages only — no link,
/// dropped file, script or typed address takes it elsewhere (a file, another site). The app's
/// pages are `tauri://localhost/…` (Linux, macOS) or `http(s)://tauri.localhost/…` (Windows).
fn stays_in_app(url: &tauri::Url) -> bool {
    let allowed = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    if !allowed {
        tracing::warn!(scheme = url.scheme(), "navigation away from the app refused");
    }
    allowed
}

pub fn run(data_dir: PathBuf, mode: Mode) -> anyhow::Result<()> {
    let builder = commands::specta_builder();
    // The webview's own storage (local storage, caches) lives inside the data directory too,
    // so one installation's data is in one place and two data directories never share state.
    // The kiosk's is its own, since a visit's end clears it all (`forget_visit_traces`).
    let webview_dir = data_dir.join(match mode {
        Mode::Staff => "webview",
        Mode::Kiosk => "webview-kiosk",
    });
    tracing::info!(?mode, "starting the desktop app");
    let mut state = AppState::new(data_dir, mode);
    if mode == Mode::Staff && office::station::enrolled_as(&state.data_dir) == Some(interview::MachineRole::Workstation)
    {
        state.workstation = Some(crate::workstation::open(&state.data_dir)?);
    }
    let handler = builder.invoke_handler();
    let link = state.workstation.clone();
    let data_dir = state.data_dir.clone();
    tauri::Builder::default()
        .manage(state)
        // At a staff workstation the staff window's vault commands run at the hub.
        .invoke_handler(move |invoke| match &link {
            Some(link) if invoke.message.webview_ref().label() == STAFF_WINDOW => {
                let folder =
                    commands::exports::local_export_folder(invoke.message.webview_ref().app_handle(), &data_dir);
                crate::workstation::forward(link, folder, invoke, &handler)
            }
            _ => handler(invoke),
        })
        .register_asynchronous_uri_scheme_protocol(crate::media_protocol::SCHEME, crate::media_protocol::handle)
        .on_window_event(|window, event| {
            // The kiosk window cannot be closed from the keyboard or the window system (also in
            // a debug build: the window-manager test sends Alt+F4); a member of staff closes it
            // with the station's password (`kiosk_exit`, which ends the app without a close
            // request).
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.label() == KIOSK_WINDOW
            {
                tracing::warn!("a close of the kiosk window was refused");
                api.prevent_close();
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            match mode {
                Mode::Staff => {
                    WebviewWindowBuilder::new(app, STAFF_WINDOW, WebviewUrl::App("index.html".into()))
                        .title("面试一体机 Interview Kiosk")
                        .inner_size(1280.0, 800.0)
                        .min_inner_size(960.0, 640.0)
                        .center()
                        // HTML drag and drop reaches the page (the auditor drops PDFs to verify).
                        .disable_drag_drop_handler()
                        .on_navigation(stays_in_app)
                        .data_directory(webview_dir)
                        .build()?;
                }
                Mode::Kiosk => {
                    let mut window =
                        WebviewWindowBuilder::new(app, KIOSK_WINDOW, WebviewUrl::App("index.html?window=kiosk".into()))
                            .title("面试一体机 Interview Kiosk")
                            .fullscreen(true)
                            .decorations(false)
                            .always_on_top(true)
                            .resizable(false)
                            // Nothing the window manager could offer a candidate: no minimise,
                            // maximise or close, no taskbar entry, and shown on every workspace
                            // (switching workspaces does not reveal a desktop without it).
                            .minimizable(false)
                            .maximizable(false)
                            .closable(false)
                            .skip_taskbar(true)
                            .visible_on_all_workspaces(true)
                            .devtools(cfg!(debug_assertions))
                            .on_navigation(stays_in_app)
                            .data_directory(webview_dir);
                    // Without a window manager (a bare kiosk session) "full screen" is not
                    // honoured: cover the monitor explicitly.
                    if let Ok(Some(monitor)) = app.primary_monitor() {
                        let size = monitor.size().to_logical::<f64>(monitor.scale_factor());
                        window = window.inner_size(size.width, size.height).position(0.0, 0.0);
                    }
                    let window = window.build()?;
                    crate::window_watch::install(&window, app.state::<AppState>().station.guard())?;
                    crate::window_watch::install_page_watch(&window, app.state::<AppState>().inner().clone())?;
                    // The kiosk stays signed in across an idle day; scoring runs between visits.
                    app.state::<AppState>().wake_scoring();
                }
            }
            Ok(())
        })
        .run(context())?;
    Ok(())
}

/// The app's configuration, assets and capability files, for any runtime: the desktop's, and
/// the windowless one a hub runs its workstations' staff commands on (`hosted`).
pub fn context<R: tauri::Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

#[cfg(test)]
mod tests {
    use super::stays_in_app;

    #[test]
    fn a_window_stays_on_the_apps_own_pages() {
        let url = |u: &str| tauri::Url::parse(u).unwrap();
        assert!(stays_in_app(&url("tauri://localhost/index.html?window=kiosk")));
        assert!(stays_in_app(&url("http://tauri.localhost/index.html")));
        for away in
            ["file:///etc/passwd", "https://example.org/", "tauri://elsewhere/", "data:text/html,hi", "about:blank"]
        {
            assert!(!stays_in_app(&url(away)), "{away}");
        }
    }
}
