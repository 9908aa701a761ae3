//! `interview-kiosk demo` (`make demo`): the whole job, headless, stage by stage.
//!
//! Each stage is real work on the data directory; a stage that does not exist yet is not
//! listed. The stages grow with the product: vault → job and questions → candidate and access
//! code → kiosk interview from sample media → scoring → signed report → verification.

use std::path::Path;
use std::time::{Duration, Instant};

use interview::{Lang, Localized, UserFacing};
use manifest::AssetStore;

use crate::error::ShellError;

struct Stages {
    lang: Lang,
    done: usize,
    started: Instant,
}

impl Stages {
    /// Runs one stage, printing its name, outcome, timing and a one-line summary.
    fn run(&mut self, name: Localized, stage: impl FnOnce() -> Result<String, ShellError>) -> Result<(), ShellError> {
        self.done += 1;
        let label = format!("[{}] {}", self.done, name.get(self.lang));
        let start = Instant::now();
        let _span = tracing::info_span!("demo_stage", stage = self.done).entered();
        match stage() {
            Ok(summary) => {
                println!("{label:<34} ok    {:>7}  {summary}", seconds(start.elapsed()));
                Ok(())
            }
            Err(error) => {
                println!("{label:<34} FAIL  {:>7}  {}", seconds(start.elapsed()), error.user_message().get(self.lang));
                Err(error)
            }
        }
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub fn run(data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let mut stages = Stages { lang, done: 0, started: Instant::now() };
    println!(
        "{} {}",
        match lang {
            Lang::ZhCn => "面试一体机演示 — 数据目录",
            Lang::En => "Interview Kiosk demo — data directory",
        },
        data_dir.display()
    );

    stages.run(Localized::new("内置组件校验", "bundled components verified"), || {
        let store = AssetStore::locate()?;
        let checks = store.verify_all();
        let total = checks.len();
        if let Some(bad) = checks.into_iter().find_map(|c| c.result.err()) {
            return Err(bad.into());
        }
        let names: Vec<String> = store.manifest().assets.iter().map(|a| format!("{} {}", a.name, a.version)).collect();
        Ok(format!("{total}: {}", names.join(", ")))
    })?;

    println!(
        "{} {}",
        match lang {
            Lang::ZhCn => "演示完成，用时",
            Lang::En => "demo finished in",
        },
        seconds(stages.started.elapsed())
    );
    Ok(())
}
