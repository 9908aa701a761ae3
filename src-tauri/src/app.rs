//! The desktop app: windows, state, the invoke handler.

use std::path::PathBuf;

use crate::commands;
use crate::state::AppState;

pub fn run(data_dir: PathBuf) -> anyhow::Result<()> {
    let builder = commands::specta_builder::<tauri::Wry>();
    tracing::info!("starting the desktop app");
    tauri::Builder::default()
        .manage(AppState::new(data_dir))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!())?;
    Ok(())
}
