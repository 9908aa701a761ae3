// The app manifest makes every IPC command subject to the capability files: a window may call
// a command only if its capability grants `allow-<command>`. The names come from the same file
// the command list and the capability files are checked against (see `commands::tests`).
include!("src/commands/names.rs");

fn main() {
    let names: &'static [&'static str] = Vec::leak(COMMANDS.iter().map(|(name, _, _)| *name).collect());
    let manifest = tauri_build::AppManifest::new().commands(names);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed: check tauri.conf.json and capabilities/");
}
