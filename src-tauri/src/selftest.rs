//! `interview-kiosk selftest`: are the bundled runtime library and models the pinned bytes?

use interview::{Lang, UserFacing};
use manifest::AssetStore;

use crate::error::ShellError;

/// Verifies every component in the manifest and prints one line each. Fails if any is wrong.
pub fn run(lang: Lang) -> Result<(), ShellError> {
    let store = AssetStore::locate()?;
    let location = store.location();
    println!("{} {}", t(lang, "组件清单：", "manifest:"), location.manifest.display());
    println!("{} {}", t(lang, "组件目录：", "components:"), location.dir.display());
    let checks = store.verify_all();
    let failed = checks.iter().filter(|c| c.result.is_err()).count();
    for check in &checks {
        let status = match &check.result {
            Ok(()) => t(lang, "正常", "ok").to_owned(),
            Err(error) => format!("{} — {}", t(lang, "失败", "FAILED"), error.user_message().get(lang)),
        };
        println!("  {:<14} {:<10} {}", check.asset.name, check.asset.version, status);
    }
    tracing::info!(total = checks.len(), failed, "selftest finished");
    if failed > 0 {
        return Err(ShellError::ComponentsFailed { failed, total: checks.len() });
    }
    println!(
        "{}",
        match lang {
            Lang::ZhCn => format!("全部 {} 个组件校验通过", checks.len()),
            Lang::En => format!("all {} components verified", checks.len()),
        }
    );
    Ok(())
}

/// Picks the sentence for the language in use.
pub fn t(lang: Lang, zh_cn: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::ZhCn => zh_cn,
        Lang::En => en,
    }
}
