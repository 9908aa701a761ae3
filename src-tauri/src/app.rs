//! The desktop app: windows, state, the invoke handler.

use std::path::PathBuf;

use tauri::{WebviewUrl, WebviewWindowBuilder};

use crate::commands;
use crate::state::AppState;

pub fn run(data_dir: PathBuf) -> anyhow::Result<()> {
    let builder = commands::specta_builder::<tauri::Wry>();
    // The webview's own storage (local storage, caches) lives inside the data directory too,
    // so one installation's data is in one place and two data directories never share state.
    let webview_dir = data_dir.join("webview");
    tracing::info!("starting the desktop app");
    tauri::Builder::default()
        .manage(AppState::new(data_dir))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("面试一体机 Interview Kiosk")
                .inner_size(1280.0, 800.0)
                .min_inner_size(960.0, 640.0)
                .center()
                .data_directory(webview_dir)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}
