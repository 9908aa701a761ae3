//! The command line against the real Secret Service (dbus-run-session + gnome-keyring through
//! `installer/with-keyring`), each test with its own keyring directory and data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result, bail, ensure};

use crate::harness::workspace_root;

pub(crate) const PASSWORD: &str = "a long enough admin password";

pub(crate) struct Cli {
    pub(crate) keyring: PathBuf,
    pub(crate) data: PathBuf,
    /// The personal data given to commands so far: no log may ever hold it.
    given: std::sync::Mutex<Vec<String>>,
}

impl Cli {
    pub(crate) fn new(keyring: PathBuf, data: PathBuf) -> Cli {
        Cli { keyring, data, given: std::sync::Mutex::new(Vec::new()) }
    }

    /// Runs `interview-kiosk ARGS` under with-keyring with `stdin` as standard input.
    pub(crate) fn run(&self, args: &[&str], stdin: &str) -> Result<Output> {
        self.run_as(args, stdin, PASSWORD)
    }

    /// The same, signing in with `password`.
    pub(crate) fn run_as(&self, args: &[&str], stdin: &str, password: &str) -> Result<Output> {
        use std::io::Write;
        let mut child = self.spawn_as(args, password)?;
        child.stdin.take().context("stdin")?.write_all(stdin.as_bytes())?;
        let out = child.wait_with_output()?;
        let given = {
            let mut given = self.given.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            given.extend(personal_data(args, stdin));
            given.clone()
        };
        self.ensure_logs_hold_none_of(&given)?;
        Ok(out)
    }

    /// After every command: the logs hold none of the personal data it was given.
    fn ensure_logs_hold_none_of(&self, personal: &[String]) -> Result<()> {
        let Ok(dir) = std::fs::read_dir(self.data.join("logs")) else { return Ok(()) };
        for entry in dir.flatten() {
            let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if let Some(found) = personal.iter().find(|p| log.contains(p.as_str())) {
                anyhow::bail!("the log {} holds personal data: {found:?}", entry.path().display());
            }
        }
        Ok(())
    }

    /// Starts `interview-kiosk ARGS` under with-keyring, its standard streams piped.
    fn spawn_as(&self, args: &[&str], password: &str) -> Result<std::process::Child> {
        self.command(None, args, password)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running installer/with-keyring")
    }

    /// `interview-kiosk ARGS` under with-keyring (inside network namespace `netns`, if given),
    /// signing in with `password`.
    pub(crate) fn command(&self, netns: Option<&str>, args: &[&str], password: &str) -> Command {
        let binary = workspace_root().join("target/debug/interview-kiosk");
        let with_keyring = workspace_root().join("installer/with-keyring");
        let mut command = match netns {
            Some(ns) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", ns]).arg(with_keyring);
                command
            }
            None => Command::new(with_keyring),
        };
        command
            .arg(binary)
            .args(args)
            .args(["--data-dir", &self.data.display().to_string(), "--lang", "en"])
            .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "test keyring password")
            .env("XDG_DATA_HOME", &self.keyring)
            .env("INTERVIEW_KIOSK_PASSWORD", password)
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        command
    }

    pub(crate) fn ok(&self, args: &[&str]) -> Result<String> {
        let out = self.run(args, "")?;
        ensure!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(String::from_utf8(out.stdout)?)
    }
}

/// The personal data a command was given: a candidate's `--name`, `--id-number`, `--phone` and
/// `--email`, and what `--details -` read from standard input. (Other commands' `--name` is an
/// account's, a token's or the organisation's.)
fn personal_data(args: &[&str], stdin: &str) -> Vec<String> {
    if !args.starts_with(&["candidate", "add"]) {
        return Vec::new();
    }
    let mut found: Vec<String> = args
        .windows(2)
        .filter(|w| matches!(w[0], "--name" | "--id-number" | "--phone" | "--email"))
        .map(|w| w[1].to_owned())
        .collect();
    if args.windows(2).any(|w| w == ["--details", "-"])
        && let Ok(details) = serde_json::from_str::<serde_json::Value>(stdin)
    {
        // Every string, the résumé's included.
        fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
            match value {
                serde_json::Value::String(s) => into.push(s.clone()),
                serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
                serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, into)),
                _ => {}
            }
        }
        strings(&details, &mut found);
        // Education is a word of the vocabulary, not personal data by itself.
        found.retain(|v| !["secondary", "associate", "bachelor", "master", "doctorate"].contains(&v.as_str()));
    }
    // Too short to mean anything in a log ("1", a job number) is not personal data.
    found.retain(|v| v.chars().count() >= 2);
    found
}

pub(crate) fn tempdirs() -> Result<(tempfile::TempDir, Cli)> {
    let root = tempfile::tempdir()?;
    let cli = Cli::new(root.path().join("keyring"), root.path().join("data"));
    std::fs::create_dir_all(&cli.keyring)?;
    Ok((root, cli))
}

/// The recovery key as printed (13 groups of 4).
pub(crate) fn recovery_key_in(output: &str) -> Result<String> {
    Ok(output
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.split('-').count() == 13)
        .context(format!("no recovery key in {output:?}"))?
        .to_owned())
}

fn keyring_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("keyrings")).map(|d| d.count()).unwrap_or(0)
}

/// `vault init` keeps the key in the real Secret Service; a second session opens the vault
/// again (the keyring persists); with the keyring gone the vault is refused, untouched, until
/// the printed recovery key restores access.
#[test]
fn vault_key_lives_in_the_secret_service_and_the_recovery_key_restores_it() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let init = cli.ok(&["vault", "init", "--admin", "admin"])?;
    let recovery = recovery_key_in(&init)?;
    assert!(keyring_files(&cli.keyring) > 0, "nothing was written to the keyring");
    assert!(
        !cli.data.join("vault").read_dir()?.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().contains("key")))
    );

    let status = cli.ok(&["vault", "status", "--user", "admin"])?;
    assert!(status.contains("accounts") && status.contains("schema version"), "{status}");

    std::fs::remove_dir_all(cli.keyring.join("keyrings"))?;
    let db = cli.data.join("vault/vault.db");
    let before = std::fs::read(&db)?;
    let refused = cli.run(&["vault", "status", "--user", "admin"], "")?;
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("recovery key"), "{message}");
    assert_eq!(std::fs::read(&db)?, before, "a refused open changed the database");

    let wrong = cli.run(&["vault", "recover"], "0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000-0000\n")?;
    assert!(!wrong.status.success());
    let recovered = cli.run(&["vault", "recover"], &format!("{}\n", recovery.to_lowercase()))?;
    assert!(recovered.status.success(), "{}", String::from_utf8_lossy(&recovered.stderr));
    let verified = cli.ok(&["audit", "verify", "--user", "admin"])?;
    assert!(verified.contains("audit log intact"), "{verified}");
    Ok(())
}

/// `interview-kiosk demo` runs every stage that exists today against the real Secret Service,
/// and a second run replaces its own earlier vault. While the first run works (recording,
/// scoring, backing up), nothing it started listens on any TCP or UDP port.
#[test]
fn demo_runs_every_stage_twice() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    for run in 0..2 {
        let out = if run == 0 {
            let child = cli.spawn_as(&["demo"], PASSWORD)?;
            let mut listening = Vec::new();
            let mut samples = 0;
            let pid = child.id();
            let waiter = std::thread::spawn(move || child.wait_with_output());
            while !waiter.is_finished() {
                listening.extend(crate::sockets::listening(&crate::sockets::tree(pid)));
                samples += 1;
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
            let output = waiter.join().map_err(|_| anyhow::anyhow!("waiting for the demo"))??;
            ensure!(output.status.success(), "demo failed: {}", String::from_utf8_lossy(&output.stderr));
            ensure!(samples > 20, "the demo ended before it could be watched ({samples} samples)");
            ensure!(listening.is_empty(), "the demo listened on {listening:?}");
            String::from_utf8(output.stdout)?
        } else {
            cli.ok(&["demo"])?
        };
        for stage in [
            "bundled components verified",
            "encrypted vault created",
            "accounts and roles",
            "job and questions",
            "candidate and access code",
            "kiosk interview (synthetic camera and microphone)",
            "offline scoring (queue)",
            "vault check",
            "backup and retention",
        ] {
            assert!(
                out.lines().any(|l| l.contains(stage) && l.contains(" ok ")),
                "stage {stage:?} missing or failed in\n{out}"
            );
        }
    }
    let status = cli.ok(&["vault", "status", "--user", "admin"]);
    assert!(status.is_err(), "the demo's admin password is not the test's: sign-in must fail");
    Ok(())
}

/// `interview-kiosk devices` lists what the kiosk sees (here: no camera, ALSA's null device, and
/// the synthetic pair), refuses an unknown device without changing anything, and remembers a choice.
#[test]
fn devices_are_listed_and_the_choice_remembered() -> Result<()> {
    let (root, cli) = tempdirs()?;
    let listed: serde_json::Value = serde_json::from_str(&cli.ok(&["devices", "--json"])?)?;
    let ids: Vec<&str> =
        listed["devices"].as_array().context("no device list")?.iter().filter_map(|d| d["id"].as_str()).collect();
    assert!(ids.contains(&"synthetic:pattern") && ids.contains(&"synthetic:microphone"), "{ids:?}");
    let refused = cli.run(&["devices", "--camera", "camera:9"], "")?;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("was not found"));
    cli.ok(&["devices", "--camera", "synthetic:pattern", "--microphone", "synthetic:microphone"])?;
    let chosen: serde_json::Value = serde_json::from_str(&cli.ok(&["devices", "--json"])?)?;
    assert_eq!(chosen["chosen"]["camera"], "synthetic:pattern");
    assert_eq!(chosen["chosen"]["microphone"], "synthetic:microphone");
    drop(root);
    Ok(())
}

/// The demo never replaces a vault it did not create.
#[test]
fn demo_refuses_a_foreign_vault() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    let out = cli.run(&["demo"], "")?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not create"));
    cli.ok(&["vault", "status", "--user", "admin"])?;
    Ok(())
}

/// Backup, re-key and restore on a "new machine" (keyring and vault gone) through the CLI and
/// the real Secret Service: a backup opens with the recovery key that was current when it was
/// taken. Retention can be read, refused out of range, set, and run.
#[test]
fn backup_rekey_restore_and_retention_through_the_cli() -> Result<()> {
    let (root, cli) = tempdirs()?;
    let first_recovery = recovery_key_in(&cli.ok(&["vault", "init", "--admin", "admin"])?)?;
    let backup = root.path().join("vault-backup.ikb");
    let backup_arg = backup.display().to_string();
    let out = cli.ok(&["vault", "backup", "--user", "admin", &backup_arg])?;
    assert!(out.contains("backup written"), "{out}");
    let again = cli.run(&["vault", "backup", "--user", "admin", &backup_arg], "")?;
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let rekeyed = cli.ok(&["vault", "rekey", "--user", "admin"])?;
    assert_ne!(recovery_key_in(&rekeyed)?, first_recovery);
    cli.ok(&["vault", "check", "--user", "admin"])?;

    let refused = cli.run(&["vault", "retention", "--user", "admin", "--days", "7"], "")?;
    assert!(String::from_utf8_lossy(&refused.stderr).contains("between 30 and 3650"));
    let set = cli.ok(&["vault", "retention", "--user", "admin", "--days", "90"])?;
    assert!(set.trim_end().ends_with("90"), "{set}");
    let purged = cli.ok(&["vault", "purge", "--user", "admin"])?;
    assert!(purged.contains("purged the personal data of 0 candidates"), "{purged}");

    // A new machine: no keyring, no vault.
    std::fs::remove_dir_all(cli.keyring.join("keyrings"))?;
    std::fs::remove_dir_all(&cli.data)?;
    let without_key = cli.run(&["vault", "restore", &backup_arg], "")?;
    assert!(!without_key.status.success());
    assert!(String::from_utf8_lossy(&without_key.stderr).contains("recovery key"));
    let restored = cli.run(&["vault", "restore", &backup_arg, "--recovery-key"], &format!("{first_recovery}\n"))?;
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    let verified = cli.ok(&["audit", "verify", "--user", "admin"])?;
    assert!(verified.contains("audit log intact"), "{verified}");
    Ok(())
}

/// The shipped labelled sets, scored as text: the AI's levels must rank the answers as the
/// people did (Spearman ≥ 0.7 per language) and their rubrics hold no generic phrasing; a trial
/// set shows its disagreements and generic phrasings; a malformed set is a clear error.
#[test]
fn eval_reports_agreement_on_the_shipped_labelled_sets() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    for language in ["zh", "en"] {
        let set = workspace_root().join("tests/labelled").join(language);
        let out = cli.ok(&["eval", &set.display().to_string(), "--json"])?;
        let report: serde_json::Value = serde_json::from_str(&out)?;
        let rho = report["overall"]["spearman"].as_f64().context("no overall Spearman")?;
        assert!(rho >= 0.7, "{language}: Spearman {rho:.2} < 0.7\n{out}");
        assert_eq!(report["items"], 10);
        assert_eq!(report["generic_phrasings"], serde_json::json!([]), "{language}");
    }
    // A rubric author trying a rubric sees the answers the AI disagrees with (and what it found
    // in them) and the phrasings too generic to be evidence.
    let trial = tempfile::tempdir()?;
    std::fs::write(
        trial.path().join("rubric.json"),
        r#"{"key_points": [{"id": "help", "dimension": "服务", "text": "主动帮助群众", "synonyms": ["比较"]}]}"#,
    )?;
    std::fs::write(
        trial.path().join("set.toml"),
        "language = \"zh\"\nrubric = \"rubric.json\"\n\
         [[item]]\nid = \"good\"\ntext = \"我会主动帮助群众。\"\nlevels = { \"服务\" = 5 }\n\
         [[item]]\nid = \"missed\"\ntext = \"我会热心地替他办好手续。\"\nlevels = { \"服务\" = 4 }\n",
    )?;
    let out = cli.ok(&["eval", &trial.path().display().to_string()])?;
    for expected in [
        "missed 服务: human 4, AI 1.0",
        "key points found: (none)",
        "These phrasings also match sentences unrelated to the question",
        "比较 (help): ",
    ] {
        assert!(out.contains(expected), "{expected:?} missing in\n{out}");
    }
    assert!(!out.contains("good 服务"), "{out}");
    let broken = tempfile::tempdir()?;
    std::fs::write(broken.path().join("set.toml"), "language = \"fr\"\n")?;
    let out = cli.run(&["eval", &broken.path().display().to_string()], "")?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed"), "{}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// `eval --speak` speaks the unrelated sentences too and counts the key points recognition and
/// matching find in them. With the shipped rubrics and the question given to recognition as
/// context, none is found; a key point written as a generic phrase ("every morning") is, named
/// with what was heard. Giving the rubric's key points as context (what the product must never
/// do) manufactures evidence, and the count shows it.
#[test]
fn eval_counts_key_points_found_by_chance_in_spoken_unrelated_sentences() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    // Runs `eval --speak --question-context` on a one-item set with `rubric` and `question`.
    let chance = |language: &str, rubric: &serde_json::Value, question: &str| -> Result<serde_json::Value> {
        let trial = tempfile::tempdir()?;
        std::fs::write(trial.path().join("rubric.json"), rubric.to_string())?;
        let set = format!(
            "language = {language:?}\nrubric = \"rubric.json\"\nquestion = {question:?}\n\
             [[item]]\nid = \"one\"\ntext = \"OK.\"\nlevels = {{}}\n"
        );
        std::fs::write(trial.path().join("set.toml"), set)?;
        let out = cli.ok(&["eval", &trial.path().display().to_string(), "--speak", "--question-context", "--json"])?;
        let report: serde_json::Value = serde_json::from_str(&out)?;
        assert_eq!(report["recognition"]["question_context"], true);
        assert_eq!(report["chance"]["sentences"], 40, "{}", report["chance"]);
        Ok(report["chance"].clone())
    };
    let shipped = |language: &str| -> Result<(serde_json::Value, String)> {
        let dir = workspace_root().join("tests/labelled").join(language);
        let rubric = serde_json::from_str(&std::fs::read_to_string(dir.join("rubric.json"))?)?;
        let set = std::fs::read_to_string(dir.join("set.toml"))?;
        // A TOML basic string without escapes reads as a JSON string.
        let line = set.lines().find_map(|l| l.strip_prefix("question = ")).context("question")?;
        Ok((rubric, serde_json::from_str(line)?))
    };

    let (mut rubric, question) = shipped("en")?;
    rubric["key_points"]
        .as_array_mut()
        .context("key_points")?
        .push(serde_json::json!({"id": "routine", "dimension": "communication", "text": "every morning"}));
    let found = chance("en", &rubric, &question)?;
    assert_eq!(found["checks"], 40 * 5, "{found}");
    let examples = found["examples"].as_array().context("examples")?;
    assert!(!examples.is_empty(), "the generic key point was not found in speech: {found}");
    assert_eq!(found["found_in_speech"].as_u64(), Some(examples.len() as u64));
    for example in examples {
        assert_eq!(example[2], "routine", "a shipped key point was found by chance: {example}");
        assert!(example[1].as_str().is_some_and(|heard| heard.contains("every morning")), "{example}");
    }

    let (rubric, question) = shipped("zh")?;
    let found = chance("zh", &rubric, &question)?;
    assert_eq!(found["found_in_speech"], 0, "the question as context added key points: {found}");
    // The negative control: the key points' words as context are heard in sentences without them.
    let key_points: Vec<String> = rubric["key_points"]
        .as_array()
        .context("key_points")?
        .iter()
        .flat_map(|k| std::iter::once(&k["text"]).chain(k["synonyms"].as_array().into_iter().flatten()))
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    let manufactured = chance("zh", &rubric, &key_points.join(" "))?;
    assert!(manufactured["found_in_speech"].as_u64() > Some(0), "{manufactured}");
    Ok(())
}

/// `score-file` prints the transcript, the levels with their evidence and the stage times, with
/// either choice of recognition models.
#[test]
fn score_file_explains_every_level() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let samples = workspace_root().join("assets/samples/demo");
    let wav = samples.join("q2.wav").display().to_string();
    let rubric = samples.join("q2-rubric.json").display().to_string();
    // The float models hear espeak-ng's Mandarin sample well enough to find key points in it.
    let out = cli.ok(&["score-file", &wav, "--rubric", &rubric, "--language", "zh", "--models", "float"])?;
    for expected in
        ["transcript:", "dimension 应急处理", "dimension 沟通能力", "✓", "delivery (shown, not scored)", "ASR"]
    {
        assert!(out.contains(expected), "{expected:?} missing in\n{out}");
    }
    // The default (int8) models hear it differently, and say where they were unsure.
    let out = cli.ok(&["score-file", &wav, "--rubric", &rubric, "--language", "zh"])?;
    for expected in ["transcript:", "dimension 应急处理", "recognition uncertain", "(not mentioned)"] {
        assert!(out.contains(expected), "{expected:?} missing in\n{out}");
    }
    Ok(())
}

/// Candidates from a GB18030, tab-separated HRMS export into the demo's job: all-or-nothing
/// refuses a file with a bad row and changes nothing; good-rows imports the rest in one
/// transaction and writes the per-row error list; importing again finds the ID numbers already
/// in the job.
#[test]
fn import_candidates_from_an_hrms_export() -> Result<()> {
    const DEMO_PASSWORD: &str = "demo-password-2026";
    let (root, cli) = tempdirs()?;
    cli.ok(&["demo"])?;
    let text = "序号\t姓名\t身份证号\t手机号\n\
                1\t李四\t110101199003074776\t13900000000\n\
                2\t王五\t110105194912310021\t13900000001\n\
                3\t赵六\t\t13900000002\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(text);
    let file = root.path().join("hrms.tsv");
    std::fs::write(&file, &gbk)?;
    let file_arg = file.display().to_string();
    let candidates = |cli: &Cli| -> Result<String> {
        let out = cli.run_as(&["vault", "status", "--user", "admin"], "", DEMO_PASSWORD)?;
        ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout)?;
        Ok(text.lines().find(|l| l.contains("candidates")).unwrap_or_default().to_owned())
    };
    let before = candidates(&cli)?;

    let refused =
        cli.run_as(&["import", "candidates", &file_arg, "--job", "1", "--user", "clerk"], "", DEMO_PASSWORD)?;
    assert!(!refused.status.success());
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert!(stdout.contains("2 rows can be imported, 1 rows have problems"), "{stdout}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no candidate was imported"));
    assert_eq!(candidates(&cli)?, before, "a refused import changed the vault");

    let errors = root.path().join("errors.csv");
    let args = ["import", "candidates", &file_arg, "--job", "1", "--mode", "good-rows", "--errors"];
    let done =
        cli.run_as(&[&args[..], &[&errors.display().to_string(), "--user", "clerk"]].concat(), "", DEMO_PASSWORD)?;
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("2 candidates imported"));
    let report = std::fs::read_to_string(&errors)?;
    assert!(report.contains("3,身份证号,身份证号无效"), "{report}");
    assert!(candidates(&cli)?.ends_with('3'), "{}", candidates(&cli)?);

    let again = cli.run_as(
        &["import", "candidates", &file_arg, "--job", "1", "--dry-run", "--user", "clerk"],
        "",
        DEMO_PASSWORD,
    )?;
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("already in this job"), "{stdout}");

    // The results go back to the HRMS: the demo's scored interview with its levels and band.
    let out = root.path().join("results.csv");
    let out_arg = out.display().to_string();
    let export = ["export", "results", "--job", "1", "--format", "csv", "--out", &out_arg, "--user", "clerk"];
    let done = cli.run_as(&export, "", DEMO_PASSWORD)?;
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let csv = std::fs::read_to_string(&out)?;
    assert!(
        csv.starts_with(
            "\u{feff}candidate_id,name,id_last4,job,interview_id,status,沟通能力,服务意识,应急处理,total,band"
        ),
        "{csv}"
    );
    // The demo reviews its interview, decides it and exports its signed report.
    assert!(
        csv.lines().any(|l| l.contains("张三") && l.contains("reviewed") && l.contains("not_recommended,recommend,R-")),
        "{csv}"
    );
    let again = cli.run_as(&export, "", DEMO_PASSWORD)?;
    assert!(!again.status.success(), "an export must never overwrite a file");
    let xlsx = root.path().join("results.xlsx").display().to_string();
    let done = cli.run_as(
        &["export", "results", "--from", "2020-01-01", "--format", "xlsx", "--out", &xlsx, "--user", "auditor"],
        "",
        DEMO_PASSWORD,
    )?;
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(std::fs::read(&xlsx)?.starts_with(b"PK\x03\x04"));

    // Later outcomes come back from the same HRMS (the demo's past round has sixty; 张三 was
    // decided today): a file with a bad row is refused whole, a dry run changes nothing, the
    // good rows go in one transaction; then the job's validity and its suggestion, applied
    // only as printed.
    let json = cli.run_as(&["job", "validity", "--job", "1", "--json", "--user", "clerk"], "", DEMO_PASSWORD)?;
    let json = String::from_utf8(json.stdout)?;
    let review: serde_json::Value = serde_json::from_str(&json).context(json.clone())?;
    assert_eq!((review["people"].as_u64(), review["with_outcomes"].as_u64()), (Some(61), Some(60)), "{review}");
    let date = std::fs::read_to_string(cli.data.join("hrms-outcomes.csv"))?
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(3))
        .context("the demo's outcome file")?
        .to_owned();
    let outcomes = format!(
        "身份证号,类型,日期,结果\n11010519491231002X,试用期,{date},通过\n11010519491231002X,离职,{date},跳槽\n"
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&outcomes);
    let file = root.path().join("outcomes.csv");
    std::fs::write(&file, &gbk)?;
    let file_arg = file.display().to_string();
    let import = ["import", "outcomes", &file_arg, "--job", "1", "--user", "clerk"];
    let refused = cli.run_as(&import, "", DEMO_PASSWORD)?;
    assert!(!refused.status.success());
    let stdout = String::from_utf8_lossy(&refused.stdout);
    assert!(stdout.contains("1 rows can be recorded, 1 rows have problems") && stdout.contains("line 3"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no outcome was recorded"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let done = cli.run_as(&[&import[..], &["--mode", "good-rows"]].concat(), "", DEMO_PASSWORD)?;
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("1 outcomes recorded (one transaction)"));
    let again = cli.run_as(&[&import[..], &["--dry-run"]].concat(), "", DEMO_PASSWORD)?;
    assert!(String::from_utf8_lossy(&again.stdout).contains("duplicates a record already there"));

    let shown = cli.run_as(&["job", "validity", "--job", "1", "--user", "auditor"], "", DEMO_PASSWORD)?;
    let shown = String::from_utf8(shown.stdout)?;
    assert!(shown.contains("performance rating (n = 60)") && shown.contains("应急处理"), "{shown}");
    let expect = shown
        .lines()
        .find_map(|l| l.split_once("--expect ").map(|(_, e)| e.trim().to_owned()))
        .context(shown.clone())?;
    let apply = |user: &str, expect: &str| {
        cli.run_as(
            &["job", "apply-weights", "--job", "1", "--criterion", "performance", "--expect", expect, "--user", user],
            "",
            DEMO_PASSWORD,
        )
    };
    let stale = apply("clerk", "3400,3100,3500")?;
    assert!(!stale.status.success());
    assert!(String::from_utf8_lossy(&stale.stderr).contains("Look at the suggestion again"));
    let auditor = apply("auditor", &expect)?;
    assert!(!auditor.status.success(), "an auditor applied weights");
    let applied = apply("clerk", &expect)?;
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    assert!(String::from_utf8_lossy(&applied.stdout).contains("applied as weights version 2"));
    Ok(())
}

/// A new vault and an API token named HRMS for `results:read`, as `api token create` prints it.
fn vault_with_results_token(cli: &Cli) -> Result<String> {
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    let created =
        cli.ok(&["api", "token", "create", "--name", "HRMS", "--scope", "results:read", "--user", "admin"])?;
    Ok(created.lines().map(str::trim).find(|l| l.starts_with("ikt_")).context(created.clone())?.to_owned())
}

/// API tokens: shown once at creation, listed without the secret, revoked at once; an unknown
/// scope is refused in plain words.
#[test]
fn api_tokens_through_the_cli() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let token = vault_with_results_token(&cli)?;
    let list = cli.ok(&["api", "token", "list", "--user", "admin"])?;
    assert!(list.contains("HRMS") && list.contains("active") && !list.contains(&token), "{list}");
    cli.ok(&["api", "token", "revoke", "1", "--user", "admin"])?;
    assert!(cli.ok(&["api", "token", "list", "--user", "admin"])?.contains("revoked"));
    let bad = cli.run(&["api", "token", "create", "--name", "X", "--scope", "root", "--user", "admin"], "")?;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Unknown scope"));
    Ok(())
}

/// One HTTP/1.1 GET over loopback; the status code.
fn http_status(port: u16, path: &str, token: Option<&str>) -> Result<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response.split_whitespace().nth(1).context("no status line")?.parse().context("status")
}

/// `api serve`: refused beyond loopback; when an administrator starts it, it listens on
/// 127.0.0.1 only and answers token holders; when it stops, nothing listens any more.
#[test]
fn the_local_api_listens_only_while_served_and_only_on_loopback() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let token = vault_with_results_token(&cli)?;
    let lan = cli.run(&["api", "serve", "--listen", "0.0.0.0:8787", "--user", "admin"], "")?;
    ensure!(!lan.status.success() && String::from_utf8_lossy(&lan.stderr).contains("TLS"), "{lan:?}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = cli.spawn_as(&["api", "serve", "--listen", &listen, "--user", "admin"], PASSWORD)?;
    wait_for_api(&mut child, port)?;
    let tree = crate::sockets::tree(child.id());
    let listening = crate::sockets::listening(&tree);
    ensure!(listening.len() == 1 && listening[0].port == port, "{listening:?}");
    ensure!(crate::sockets::loopback_only(port), "port {port} is bound beyond loopback");
    assert_eq!(http_status(port, "/api/v1/results", Some(&token))?, 200);
    assert_eq!(http_status(port, "/api/v1/results", None)?, 401);
    assert_eq!(http_status(port, "/api/v1/candidates", Some(&token))?, 401, "not in the token's scopes");

    // SIGTERM stops it, and the port is closed.
    stop_api(child, port)
}

/// Waits until `api serve` (started as `child`) accepts connections on `port`.
fn wait_for_api(child: &mut std::process::Child, port: u16) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait()? {
            bail!("the API exited with {status}");
        }
        ensure!(std::time::Instant::now() < deadline, "the API did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(())
}

/// Stops `api serve` with SIGTERM, as a service manager would, and checks that it said so and
/// that nothing listens on `port` any more.
fn stop_api(child: std::process::Child, port: u16) -> Result<()> {
    let binary = workspace_root().join("target/debug/interview-kiosk").canonicalize()?;
    let server = crate::sockets::tree(child.id())
        .into_iter()
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == binary))
        .context("the server process")?;
    Command::new("kill").args(["-TERM", &server.to_string()]).status()?;
    let output = child.wait_with_output()?;
    ensure!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    ensure!(String::from_utf8_lossy(&output.stdout).contains("local API stopped"));
    ensure!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "still listening after the stop");
    Ok(())
}

/// curl's view of an HTTPS GET: the status code, trusting only `ca` (0 when no HTTP answer came).
fn curl_status(url: &str, ca: &Path, token: &str) -> Result<u16> {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert"])
        .arg(ca)
        .args(["-H", &format!("Authorization: Bearer {token}"), url])
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0))
}

/// A LAN address is served only over TLS: refused in plain HTTP with a sentence naming the
/// options; a self-signed certificate made by the administrator (key readable by its owner only,
/// never overwritten); a key that is not the certificate's refused before any
/// port opens; then HTTPS on all interfaces, checked by curl pinning the certificate, while plain
/// HTTP to the same port gets no answer.
#[test]
fn a_lan_address_is_served_only_over_tls() -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let (root, cli) = tempdirs()?;
    let token = vault_with_results_token(&cli)?;
    let port = std::net::TcpListener::bind("0.0.0.0:0")?.local_addr()?.port();
    let listen = format!("0.0.0.0:{port}");

    let plain = cli.run(&["api", "serve", "--listen", &listen, "--user", "admin"], "")?;
    let said = String::from_utf8_lossy(&plain.stderr);
    ensure!(!plain.status.success() && said.contains("--tls-cert") && said.contains("unencrypted"), "{plain:?}");

    let dir = root.path().join("tls");
    let dir_arg = dir.to_str().context("path")?;
    let made = cli.ok(&["api", "tls-certificate", "--host", "127.0.0.1", "--out", dir_arg, "--user", "admin"])?;
    ensure!(made.contains("SHA-256: ") && made.contains("pin"), "{made}");
    let (cert, key) = (dir.join("api-cert.pem"), dir.join("api-key.pem"));
    ensure!(std::fs::metadata(&key)?.permissions().mode() & 0o077 == 0, "the key is readable by others");
    let again = cli.run(&["api", "tls-certificate", "--host", "127.0.0.1", "--out", dir_arg, "--user", "admin"], "")?;
    ensure!(!again.status.success(), "an existing key was overwritten: {again:?}");

    // A key that is not the certificate's: refused, nothing listens.
    let other = root.path().join("other");
    cli.ok(&[
        "api",
        "tls-certificate",
        "--host",
        "127.0.0.1",
        "--out",
        other.to_str().context("path")?,
        "--user",
        "admin",
    ])?;
    let (cert_arg, key_arg) = (cert.to_str().context("path")?, key.to_str().context("path")?);
    let wrong_key = other.join("api-key.pem");
    let mismatched = cli.run(
        &[
            "api",
            "serve",
            "--listen",
            &listen,
            "--tls-cert",
            cert_arg,
            "--tls-key",
            wrong_key.to_str().context("path")?,
            "--user",
            "admin",
        ],
        "",
    )?;
    ensure!(
        !mismatched.status.success() && String::from_utf8_lossy(&mismatched.stderr).contains("api-key.pem"),
        "{mismatched:?}"
    );
    ensure!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "a port opened for a bad certificate");

    let mut child = cli.spawn_as(
        &["api", "serve", "--listen", &listen, "--tls-cert", cert_arg, "--tls-key", key_arg, "--user", "admin"],
        PASSWORD,
    )?;
    wait_for_api(&mut child, port)?;
    let url = format!("https://127.0.0.1:{port}/api/v1/results");
    assert_eq!(curl_status(&url, &cert, &token)?, 200);
    assert_eq!(curl_status(&url, &cert, "ikt_guess")?, 401);
    // Trusting another certificate, curl refuses the connection; plain HTTP gets no HTTP answer.
    assert_eq!(curl_status(&url, &other.join("api-cert.pem"), &token)?, 0);
    assert!(http_status(port, "/api/v1/results", Some(&token)).is_err(), "plain HTTP was answered");
    stop_api(child, port)
}

/// The report commands on the demo's vault: a signed candidate report and `verify` against the
/// vault (valid), against nothing (the signer is unknown), against the exported root (valid); a
/// tampered copy; the audit export with its CSV; files never overwritten; an agency PKCS#12
/// imported; a logo that is not a PNG refused.
#[test]
fn reports_and_verification_through_the_cli() -> Result<()> {
    const DEMO_PASSWORD: &str = "demo-password-2026";
    let (root, cli) = tempdirs()?;
    // The follow-up below depends on the live transcript keeping up; on a loaded test machine it
    // may not within the kiosk's 2.5 s (then nothing is asked, recorded as late). A busier kiosk
    // may be given more patience, and so is this one.
    let demo = cli.command(None, &["demo"], PASSWORD).env("INTERVIEW_KIOSK_FOLLOW_UP_PATIENCE_MS", "30000").output()?;
    ensure!(demo.status.success(), "the demo failed: {}", String::from_utf8_lossy(&demo.stderr));
    let run = |args: &[&str]| cli.run_as(args, "", DEMO_PASSWORD);
    let path = |name: &str| root.path().join(name).display().to_string();

    let pdf = path("candidate.pdf");
    let out = run(&["report", "candidate", "--interview", "1", "--out", &pdf, "--user", "clerk"])?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ensure!(String::from_utf8_lossy(&out.stdout).contains("Signed report R-"));
    // The demo's third question is personalised: the report marks it (read by poppler's pdftotext).
    let read = std::process::Command::new("pdftotext").args([&pdf, "-"]).output()?;
    ensure!(read.status.success(), "pdftotext failed");
    let report_text = String::from_utf8(read.stdout)?;
    ensure!(
        report_text.matches("Personalised questions").count() == 1
            && report_text
                .split("Personalised questions")
                .nth(1)
                .is_some_and(|after| after.contains("你在简历中提到带领团队"))
            && !report_text
                .split("Personalised questions")
                .next()
                .is_some_and(|before| before.contains("你在简历中提到带领团队")),
        "the personalised answer is not in a section of its own: {report_text}"
    );
    // The demo's second question asks a follow-up about reporting to a superior when the answer
    // leaves it out: what was asked, about which key point, and from when in the recording.
    ensure!(
        report_text.contains("Follow-up 1: 如果问题当场解决不了，您会怎么做？ (about: 报告上级, from 0:"),
        "the follow-up is not in the report: {report_text}"
    );
    // An auditor makes the kiosk's decision again from the recording: the same.
    let again = run(&["follow-ups", "--interview", "1", "--user", "auditor"])?;
    let said = String::from_utf8_lossy(&again.stdout);
    ensure!(again.status.success(), "{said}{}", String::from_utf8_lossy(&again.stderr));
    ensure!(
        said.contains("stored decision asked [escalate]") && said.contains("decided again: asked [escalate]"),
        "{said}"
    );
    let again = run(&["report", "candidate", "--candidate", "1", "--out", &pdf, "--user", "clerk"])?;
    ensure!(!again.status.success(), "a report must never overwrite a file");
    ensure!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let verified = run(&["verify", &pdf, "--user", "auditor"])?;
    let text = String::from_utf8_lossy(&verified.stdout).into_owned();
    ensure!(verified.status.success(), "{text}{}", String::from_utf8_lossy(&verified.stderr));
    ensure!(text.contains("Verdict: VALID") && text.contains("Known to this vault: yes"), "{text}");
    // Without the vault or the organisation's root, nobody vouches for the signer.
    let alone = run(&["verify", &pdf])?;
    ensure!(!alone.status.success());
    ensure!(String::from_utf8_lossy(&alone.stdout).contains("not issued by a trusted organisation root"));
    // The signing time reads as a date, not as PDF's `D:…` string.
    let readable = text.lines().find(|l| l.contains("Signing time")).unwrap_or_default();
    ensure!(readable.contains(" (UTC") && !readable.contains("D:"), "{readable}");
    let root_pem = path("org-root.pem");
    let chain_pem = path("org-chain.pem");
    ensure!(
        run(&["signing", "export", "--out", &root_pem, "--chain", &chain_pem, "--user", "admin"])?.status.success()
    );
    // The file to trust holds the root alone; the chain is a file of its own, which `verify`
    // refuses to trust (trusting it would trust the signing certificate itself).
    let count =
        |file: &str| -> Result<usize> { Ok(std::fs::read_to_string(file)?.matches("BEGIN CERTIFICATE").count()) };
    ensure!(
        count(&root_pem)? == 1 && count(&chain_pem)? >= 2,
        "root {} chain {}",
        count(&root_pem)?,
        count(&chain_pem)?
    );
    let subject = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-issuer", "-nameopt", "RFC2253", "-in", &root_pem])
        .output()?;
    let names = String::from_utf8_lossy(&subject.stdout).into_owned();
    let (s, i) = (names.lines().next().unwrap_or_default(), names.lines().nth(1).unwrap_or_default());
    ensure!(s.trim_start_matches("subject=") == i.trim_start_matches("issuer="), "not a root: {names}");
    let chain_trusted = run(&["verify", &pdf, "--trust", &chain_pem])?;
    ensure!(!chain_trusted.status.success());
    ensure!(
        String::from_utf8_lossy(&chain_trusted.stderr).contains("Give the organisation's root alone"),
        "{}",
        String::from_utf8_lossy(&chain_trusted.stderr)
    );
    let trusted = run(&["verify", &pdf, "--trust", &root_pem, "--json"])?;
    ensure!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stdout));
    let json: serde_json::Value = serde_json::from_slice(&trusted.stdout)?;
    ensure!(json["verification"]["whole_document"] == serde_json::json!(true));

    let mut bytes = std::fs::read(&pdf)?;
    let at = bytes.len() / 4;
    bytes[at] ^= 0x04;
    let tampered = path("tampered.pdf");
    std::fs::write(&tampered, &bytes)?;
    let rejected = run(&["verify", &tampered, "--user", "auditor"])?;
    ensure!(!rejected.status.success());
    ensure!(String::from_utf8_lossy(&rejected.stdout).contains("Verdict: INVALID"));
    ensure!(String::from_utf8_lossy(&rejected.stderr).contains("not a valid final report"));
    let not_pdf = path("notes.txt");
    std::fs::write(&not_pdf, "hello")?;
    let out = run(&["verify", &not_pdf])?;
    ensure!(!out.status.success() && String::from_utf8_lossy(&out.stdout).contains("This is not a PDF file."));
    // A file far larger than any report (sparse: 16 MiB and one byte) is refused without being
    // read whole.
    let huge = path("huge.pdf");
    let file = std::fs::File::create(&huge)?;
    std::io::Write::write_all(&mut &file, b"%PDF-1.7\n")?;
    file.set_len(16 * 1024 * 1024 + 1)?;
    let out = run(&["verify", &huge, "--json"])?;
    ensure!(
        !out.status.success() && String::from_utf8_lossy(&out.stdout).contains("larger than any report"),
        "{out:?}"
    );

    let (audit, csv) = (path("audit.pdf"), path("audit.csv"));
    let out = run(&[
        "report",
        "audit",
        "--from",
        "2020-01-01",
        "--to",
        "2099-12-31",
        "--out",
        &audit,
        "--csv",
        &csv,
        "--user",
        "auditor",
    ])?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ensure!(std::fs::read_to_string(&csv)?.starts_with("\u{feff}seq,at_ms,actor"));
    ensure!(run(&["verify", &audit, "--user", "auditor"])?.status.success());
    // A clerk may not export the audit log.
    let denied = run(&[
        "report",
        "audit",
        "--from",
        "2020-01-01",
        "--to",
        "2099-12-31",
        "--out",
        &path("a2.pdf"),
        "--user",
        "clerk",
    ])?;
    ensure!(!denied.status.success() && String::from_utf8_lossy(&denied.stderr).contains("not allowed"));

    // The agency's own PKCS#12 (made by openssl), then a report signed with it.
    let key = path("agency.key");
    let cert = path("agency.pem");
    let p12 = path("agency.p12");
    let openssl = |args: &[&str]| -> Result<()> {
        let out = Command::new("openssl").args(args).output()?;
        ensure!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        Ok(())
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &cert,
        "-subj",
        "/O=Agency/CN=Agency Signing",
        "-days",
        "30",
    ])?;
    openssl(&["pkcs12", "-export", "-inkey", &key, "-in", &cert, "-out", &p12, "-passout", "pass:p12 secret"])?;
    let mut import = cli.spawn_as(&["signing", "import", &p12, "--user", "admin"], DEMO_PASSWORD)?;
    drop(import.stdin.take());
    let wrong = import.wait_with_output()?;
    ensure!(
        !wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("the password is wrong"),
        "a PKCS#12 without its password must be refused: {}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let out = Command::new(workspace_root().join("installer/with-keyring"))
        .arg(workspace_root().join("target/debug/interview-kiosk"))
        .args([
            "signing",
            "import",
            &p12,
            "--user",
            "admin",
            "--data-dir",
            &cli.data.display().to_string(),
            "--lang",
            "en",
        ])
        .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "test keyring password")
        .env("XDG_DATA_HOME", &cli.keyring)
        .env("INTERVIEW_KIOSK_PASSWORD", DEMO_PASSWORD)
        .env("INTERVIEW_KIOSK_P12_PASSWORD", "p12 secret")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let agency_pdf = path("agency.pdf");
    ensure!(
        run(&["report", "candidate", "--interview", "1", "--out", &agency_pdf, "--user", "clerk"])?.status.success()
    );
    let verified = run(&["verify", &agency_pdf, "--user", "auditor"])?;
    ensure!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stdout));
    ensure!(String::from_utf8_lossy(&verified.stdout).contains("CN=Agency Signing"));
    // The earlier report, signed with the retired identity, still verifies.
    ensure!(run(&["verify", &pdf, "--user", "auditor"])?.status.success());

    let out = run(&["org", "--name", "某市", "--logo", &not_pdf, "--user", "admin"])?;
    ensure!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("is not a PNG image"));
    Ok(())
}

/// POSTs one candidate to the local API on `port` (with `key` as its Idempotency-Key); the
/// status code, on 201 the new id, and whether the answer says it was replayed.
fn post_candidate(port: u16, token: &str, name: &str, key: Option<&str>) -> Result<(u16, Option<i64>, bool)> {
    post_candidate_raw(port, token, name, key).map(|(status, id, replayed, _)| (status, id, replayed))
}

/// The same, with the response's body.
fn post_candidate_raw(
    port: u16,
    token: &str,
    name: &str,
    key: Option<&str>,
) -> Result<(u16, Option<i64>, bool, String)> {
    use std::io::{Read, Write};
    let body = serde_json::json!({ "job_id": 1, "name": name }).to_string();
    let key = key.map(|k| format!("Idempotency-Key: {k}\r\n")).unwrap_or_default();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "POST /api/v1/candidates HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         {key}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status: u16 = response.split_whitespace().nth(1).context("no status line")?.parse()?;
    let id = response
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b.trim()).ok())
        .and_then(|v| v["id"].as_i64());
    let replayed = response.to_ascii_lowercase().contains("\r\nidempotent-replayed: true");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    Ok((status, id, replayed, body))
}

/// One vault, several processes (issue: one owner per vault). Two `api serve` on the same vault
/// take writes at the same time: every acknowledged write is there, once, with its own id.
/// Meanwhile a re-key, a restore over the vault and a second demo's reset are refused with a
/// sentence naming the process that has the vault open, and change nothing. Once the servers
/// stop, the re-key runs, and the vault checks clean.
#[test]
fn processes_share_a_vault_and_what_replaces_it_waits_for_them() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let recovery = crate::kiosk::seed(&cli)?;
    let created =
        cli.ok(&["api", "token", "create", "--name", "HRMS", "--scope", "candidates:write", "--user", "admin"])?;
    let token = created.lines().map(str::trim).find(|l| l.starts_with("ikt_")).context(created.clone())?.to_owned();
    let backup = cli.data.with_file_name("before.ikb");
    cli.ok(&["vault", "backup", "--user", "admin", &backup.display().to_string()])?;

    let mut servers = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child =
            cli.spawn_as(&["api", "serve", "--listen", &format!("127.0.0.1:{port}"), "--user", "admin"], PASSWORD)?;
        wait_for_api(&mut child, port)?;
        servers.push(child);
        ports.push(port);
    }
    // Writers on both servers at once (bounded: 4 writers × 25 writes), and a backup taken
    // while they write (a consistent snapshot; it used to fail with "database is locked" and
    // leave an unusable file).
    let live_backup = cli.data.with_file_name("during.ikb");
    let acknowledged: Vec<i64> = std::thread::scope(|scope| {
        let backup = scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            cli.ok(&["vault", "backup", "--user", "admin", &live_backup.display().to_string()])
        });
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (port, token) = (ports[w % 2], token.clone());
                scope.spawn(move || -> Result<Vec<i64>> {
                    let mut ids = Vec::new();
                    for i in 0..25 {
                        let (status, id, _) = post_candidate(port, &token, &format!("并发{w}-{i}"), None)?;
                        ensure!(status == 201, "writer {w}, write {i}: status {status}");
                        ids.push(id.context("no id in a 201")?);
                    }
                    Ok(ids)
                })
            })
            .collect();
        let written = writers.into_iter().map(|h| h.join().expect("writer thread")).collect::<Result<Vec<_>>>();
        backup.join().expect("backup thread")?;
        written
    })?
    .into_iter()
    .flatten()
    .collect();
    let mut distinct = acknowledged.clone();
    distinct.sort_unstable();
    distinct.dedup();
    ensure!(distinct.len() == 100, "{} distinct ids for 100 acknowledged writes", distinct.len());
    // A client that retries (the connection dropped after the commit) with its Idempotency-Key
    // gets the first answer, from either server, and no second candidate.
    let first = post_candidate(ports[0], &token, "重试", Some("hrms-req-1"))?;
    let retry = post_candidate(ports[1], &token, "重试", Some("hrms-req-1"))?;
    ensure!(first.0 == 201 && !first.2, "{first:?}");
    ensure!(retry == (201, first.1, true), "retry answered {retry:?}, first {first:?}");
    let reused = post_candidate(ports[0], &token, "别人", Some("hrms-req-1"))?;
    ensure!(reused.0 == 422, "the key with another request: {reused:?}");

    // What replaces the vault is refused while the servers have it open, naming them.
    let rekey = cli.run(&["vault", "rekey", "--user", "admin"], "")?;
    let said = String::from_utf8_lossy(&rekey.stderr);
    ensure!(!rekey.status.success(), "the re-key ran under a live server");
    ensure!(said.contains("cannot be re-keyed") && said.contains("interview-kiosk api serve"), "{said}");
    let restore = cli.run(&["vault", "restore", "--replace", "--user", "admin", &backup.display().to_string()], "")?;
    ensure!(!restore.status.success() && String::from_utf8_lossy(&restore.stderr).contains("api serve"), "{restore:?}");
    let header = std::fs::read(cli.data.join("vault/vault.json"))?;
    for (child, port) in servers.into_iter().zip(ports) {
        stop_api(child, port)?;
    }
    ensure!(std::fs::read(cli.data.join("vault/vault.json"))? == header, "a refused re-key changed the header");
    let status = cli.ok(&["vault", "status", "--user", "admin"])?;
    ensure!(status.lines().any(|l| l.trim_start().starts_with("candidates") && l.contains("101")), "{status}");
    // The backup taken during the writes restores and checks clean. Where there is no vault,
    // this machine's keyring is not enough: the recovery key is asked for.
    let restored = Cli::new(cli.keyring.clone(), cli.data.with_file_name("restored"));
    let live_backup = live_backup.display().to_string();
    let refused = restored.run(&["vault", "restore", &live_backup], "")?;
    ensure!(
        !refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("recovery key"),
        "{refused:?}"
    );
    let out = restored.run(&["vault", "restore", &live_backup, "--recovery-key"], &format!("{recovery}\n"))?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    restored.ok(&["vault", "check", "--user", "admin"])?;
    cli.ok(&["vault", "rekey", "--user", "admin"])?;
    cli.ok(&["vault", "check", "--user", "admin"])?;
    Ok(())
}

/// A failing command's detail is in the log file when the process has exited (the log writer
/// used to be dropped before the failure was logged).
#[test]
fn a_failing_command_leaves_its_detail_in_the_log() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    let out = cli.run(&["vault", "check", "--user", "admin"], "")?;
    ensure!(!out.status.success());
    let logs: String = std::fs::read_dir(cli.data.join("logs"))?
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    ensure!(logs.contains("command failed") && logs.contains("vault.not_found"), "log:\n{logs}");
    Ok(())
}

/// A tmpfs of `mib` MiB mounted for one test (root only), unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn new(mib: u32) -> Result<Tmpfs> {
        let dir = tempfile::tempdir()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m,mode=0700"), "tmpfs"])
            .arg(dir.path())
            .status()?;
        ensure!(status.success(), "mount -t tmpfs needs root");
        Ok(Tmpfs(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Takes every free byte with one file (`fallocate`), or frees it again.
    fn fill(&self, full: bool) -> Result<()> {
        let filler = self.path().join("filler");
        if !full {
            for entry in std::fs::read_dir(self.path())? {
                let entry = entry?;
                if entry.file_name().to_string_lossy().starts_with("filler") {
                    std::fs::remove_file(entry.path())?;
                }
            }
            return Ok(());
        }
        // A writer may take some of the free space between `df` and `fallocate`: ask again, a
        // bounded number of times, each filler taking what is free then.
        for attempt in 0..20 {
            let df = Command::new("df").args(["--output=avail", "-B1"]).arg(self.path()).output()?;
            let avail: u64 = String::from_utf8(df.stdout)?.lines().nth(1).context("df")?.trim().parse()?;
            if avail == 0 {
                return Ok(());
            }
            let part = if attempt == 0 { filler.clone() } else { self.path().join(format!("filler-{attempt}")) };
            let status = Command::new("fallocate").args(["-l", &avail.to_string()]).arg(&part).status()?;
            if status.success() && attempt > 0 {
                return Ok(());
            }
        }
        bail!("fallocate could not take the free space")
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").args(["-l"]).arg(self.0.path()).status();
    }
}

/// The disk fills up under the command line (bounded: each command once): every command that
/// needed to write says the disk is full — not a generic failure, not "nothing was changed"
/// after a commit — leaves no partial file, and once there is room again the vault checks clean
/// and holds exactly what was reported saved.
#[test]
fn a_full_disk_is_named_and_nothing_reported_failed_was_saved() -> Result<()> {
    let disk = Tmpfs::new(48)?;
    let keyring = tempfile::tempdir()?;
    let cli = Cli::new(keyring.path().to_owned(), disk.path().join("data"));
    crate::kiosk::seed(&cli)?;
    let count = |cli: &Cli| -> Result<String> {
        let status = cli.ok(&["vault", "status", "--user", "admin"])?;
        Ok(status.lines().find(|l| l.trim_start().starts_with("candidates")).unwrap_or_default().to_owned())
    };
    let before = count(&cli)?;
    let csv = keyring.path().join("people.csv");
    std::fs::write(&csv, "姓名,身份证号,手机号\n李四,110101199003074776,13900000000\n")?;
    let backup = disk.path().join("backup.ikb");
    let commands: Vec<Vec<String>> = vec![
        vec![
            "candidate".into(),
            "add".into(),
            "--user".into(),
            "clerk".into(),
            "--job".into(),
            "1".into(),
            "--name".into(),
            "满盘".into(),
        ],
        vec![
            "import".into(),
            "candidates".into(),
            csv.display().to_string(),
            "--job".into(),
            "1".into(),
            "--user".into(),
            "clerk".into(),
        ],
        vec!["vault".into(), "backup".into(), "--user".into(), "admin".into(), backup.display().to_string()],
        vec!["vault".into(), "rekey".into(), "--user".into(), "admin".into()],
    ];
    let key = std::fs::read(cli.data.join("vault/vault.json"))?;
    disk.fill(true)?;
    for command in &commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let out = cli.run(&args, "")?;
        let said = String::from_utf8_lossy(&out.stderr);
        ensure!(!out.status.success(), "{args:?} succeeded on a full disk");
        ensure!(said.contains("disk is full"), "{args:?} said: {said}");
    }
    disk.fill(false)?;
    ensure!(!backup.exists(), "a failed backup left its file");
    let leftovers: Vec<String> = std::fs::read_dir(disk.path())?
        .chain(std::fs::read_dir(cli.data.join("vault"))?)
        .chain(std::fs::read_dir(cli.data.join("vault/media"))?)
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".partial") || n.ends_with(".part") || n.ends_with(".tmp") || n.ends_with(".next"))
        .collect();
    ensure!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    ensure!(std::fs::read(cli.data.join("vault/vault.json"))? == key, "a failed re-key changed the header");
    ensure!(count(&cli)? == before, "a command reported as failed changed the vault: {} vs {before}", count(&cli)?);
    cli.ok(&["vault", "check", "--user", "admin"])?;
    Ok(())
}

/// The local API when the disk fills up: every write is answered 507 with the sentence that
/// the disk is full (not 500 "nothing was changed" after a commit), and once there is room
/// again the vault holds exactly the candidates that were answered 201, and checks clean.
#[test]
fn the_api_on_a_full_disk_says_so_and_keeps_what_it_acknowledged() -> Result<()> {
    let disk = Tmpfs::new(48)?;
    let keyring = tempfile::tempdir()?;
    let cli = Cli::new(keyring.path().to_owned(), disk.path().join("data"));
    crate::kiosk::seed(&cli)?;
    let created =
        cli.ok(&["api", "token", "create", "--name", "HRMS", "--scope", "candidates:write", "--user", "admin"])?;
    let token = created.lines().map(str::trim).find(|l| l.starts_with("ikt_")).context(created.clone())?.to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child =
        cli.spawn_as(&["api", "serve", "--listen", &format!("127.0.0.1:{port}"), "--user", "admin"], PASSWORD)?;
    wait_for_api(&mut child, port)?;
    let mut acknowledged = 0;
    for i in 0..5 {
        ensure!(post_candidate(port, &token, &format!("有空间{i}"), None)?.0 == 201);
        acknowledged += 1;
    }
    disk.fill(true)?;
    for i in 0..5 {
        let (status, _, _, body) = post_candidate_raw(port, &token, &format!("满盘{i}"), None)?;
        if status == 201 {
            acknowledged += 1;
            continue;
        }
        ensure!(status == 507, "a write on a full disk answered {status}: {body}");
        ensure!(body.contains("disk is full"), "{body}");
    }
    disk.fill(false)?;
    ensure!(post_candidate(port, &token, "又有空间", None)?.0 == 201, "the API did not recover once there was room");
    acknowledged += 1;
    stop_api(child, port)?;
    let status = cli.ok(&["vault", "status", "--user", "admin"])?;
    let line = status.lines().find(|l| l.trim_start().starts_with("candidates")).unwrap_or_default();
    ensure!(
        line.split_whitespace().last() == Some(acknowledged.to_string().as_str()),
        "{line} vs {acknowledged} acknowledged"
    );
    cli.ok(&["vault", "check", "--user", "admin"])?;
    Ok(())
}

/// The demo when the disk fills up while it records: it stops at that stage with the sentence
/// that the disk is full, leaves no partial file, and once there is room its vault checks clean
/// with every segment it had saved.
#[test]
fn the_demo_stopped_by_a_full_disk_says_so_and_its_vault_checks_clean() -> Result<()> {
    const DEMO_PASSWORD: &str = "demo-password-2026";
    let disk = Tmpfs::new(256)?;
    let keyring = tempfile::tempdir()?;
    let cli = Cli::new(keyring.path().to_owned(), disk.path().join("data"));
    let binary = workspace_root().join("target/debug/interview-kiosk");
    let demo = Command::new(workspace_root().join("installer/with-keyring"))
        .arg(&binary)
        .args(["demo", "--data-dir", &cli.data.display().to_string(), "--lang", "en"])
        .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "test keyring password")
        .env("XDG_DATA_HOME", &cli.keyring)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Fill the disk once a few segments are saved (bounded: 120 s).
    let media = cli.data.join("vault/media");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0) < 9 {
        ensure!(std::time::Instant::now() < deadline, "the demo saved no segments");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    disk.fill(true)?;
    let out = demo.wait_with_output()?;
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    ensure!(!out.status.success(), "the demo succeeded on a full disk:\n{said}");
    ensure!(said.contains("FAIL") && said.contains("disk is full"), "{said}");
    disk.fill(false)?;
    let check = cli.run_as(&["vault", "check", "--user", "auditor"], "", DEMO_PASSWORD)?;
    ensure!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let audit = cli.run_as(&["audit", "verify", "--user", "auditor"], "", DEMO_PASSWORD)?;
    ensure!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stderr));
    Ok(())
}

/// A keyring password that does not unlock the keyring is named as the cause (it used to be
/// told to "use installer/with-keyring" while using it), and the vault is not touched.
#[test]
fn a_wrong_keyring_password_is_named() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    let header = std::fs::read(cli.data.join("vault/vault.json"))?;
    let out = Command::new(workspace_root().join("installer/with-keyring"))
        .arg(workspace_root().join("target/debug/interview-kiosk"))
        .args(["vault", "status", "--user", "admin", "--data-dir", &cli.data.display().to_string(), "--lang", "en"])
        .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "not the keyring's password")
        .env("XDG_DATA_HOME", &cli.keyring)
        .env("INTERVIEW_KIOSK_PASSWORD", PASSWORD)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success(), "opened with a wrong keyring password");
    ensure!(said.contains("is locked") && said.contains("INTERVIEW_KIOSK_KEYRING_PASSWORD"), "{said}");
    ensure!(!said.contains("gcr-prompter") && !said.contains("SystemPrompter"), "the daemon's noise: {said}");
    ensure!(std::fs::read(cli.data.join("vault/vault.json"))? == header);
    Ok(())
}

/// A candidate's details can come from standard input (no process list or shell history shows
/// them); they are stored, and no log holds them. A malformed file is refused by line and
/// column, without quoting what it holds.
#[test]
fn a_candidates_details_come_from_standard_input() -> Result<()> {
    let (_root, cli) = tempdirs()?;
    crate::kiosk::seed(&cli)?;
    let details = r#"{"name": "赵静怡", "id_number": "11010519491231002X", "phone": "13800138000"}"#;
    let out = cli.run(&["candidate", "add", "--user", "clerk", "--job", "1", "--details", "-"], details)?;
    ensure!(out.status.success(), "candidate add --details -: {}", String::from_utf8_lossy(&out.stderr));
    let candidate = String::from_utf8(out.stdout)?.split_whitespace().last().context("candidate id")?.to_owned();
    cli.ok(&["invite", "--user", "clerk", "--candidate", &candidate])?;
    let bad = cli.run(
        &["candidate", "add", "--user", "clerk", "--job", "1", "--details", "-"],
        r#"{"name": "钱多多", "id": 1}"#,
    )?;
    let said = String::from_utf8_lossy(&bad.stderr);
    ensure!(!bad.status.success() && said.contains("line 1") && !said.contains("钱多多"), "malformed details: {said}");
    Ok(())
}

/// with-keyring ran its command before the keyring daemon owned its bus name; a program asking
/// for the Secret Service in that moment made the bus start a second daemon, which hung for
/// 120 s (the office demo failed one run in three). Started ten times in a row under one runtime
/// directory, each command finds the Secret Service already there (before the fix, 4 of 15
/// starts did not).
#[test]
fn with_keyring_runs_its_command_only_once_the_secret_service_is_there() -> Result<()> {
    let root = tempfile::tempdir()?;
    let runtime = root.path().join("runtime");
    std::fs::create_dir(&runtime)?;
    let owned = "dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                 org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets";
    let mut missing = 0;
    for start in 0..10 {
        let out = Command::new(workspace_root().join("installer/with-keyring"))
            .args(["bash", "-c", owned])
            .env("INTERVIEW_KIOSK_KEYRING_PASSWORD", "test keyring password")
            .env("XDG_DATA_HOME", root.path().join(format!("machine-{}", start % 3)))
            .env("XDG_RUNTIME_DIR", &runtime)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()?;
        ensure!(out.status.success(), "with-keyring: {}", String::from_utf8_lossy(&out.stderr));
        if !String::from_utf8_lossy(&out.stdout).contains("boolean true") {
            missing += 1;
        }
    }
    ensure!(missing == 0, "{missing} of 10 commands started before the Secret Service was there");
    Ok(())
}

/// A job file with one core question and two personalised ones (led a team with three years'
/// experience; a master's or doctorate), one personalised question per invitation.
pub(crate) fn personalised_job_file(dir: &Path) -> Result<PathBuf> {
    let samples = workspace_root().join("assets/samples/demo");
    let job = dir.join("job.toml");
    let rubric = samples.join("q1-rubric.json").display().to_string();
    std::fs::write(
        &job,
        format!(
            r#"title = "综合窗口岗"
language = "zh-CN"
recommend = 80
hold = 60
personalised = 1

[[dimension]]
name = "沟通能力"
weight_pct = 50

[[dimension]]
name = "服务意识"
weight_pct = 50

[[question]]
text = "请介绍一次你耐心帮助他人解决问题的经历。"
dimensions = ["沟通能力", "服务意识"]
rubric = "{rubric}"
prep_seconds = 30
answer_seconds = 120

[[question]]
text = "你带领团队时，如何处理成员之间的分歧？"
dimensions = ["沟通能力"]
rubric = "{rubric}"
prep_seconds = 30
answer_seconds = 120
condition = {{ all = [{{ any_phrase = ["带领", "团队管理"] }}, {{ years_at_least = 3 }}] }}

[[question]]
text = "你的研究生课题与这个岗位有什么关系？"
dimensions = ["服务意识"]
rubric = "{rubric}"
prep_seconds = 30
answer_seconds = 120
condition = {{ all = [{{ education_in = ["master", "doctorate"] }}] }}
"#
        ),
    )?;
    Ok(job)
}

/// Personalised questions from the command line: a job file with conditions, candidates with
/// résumé facts given on standard input and from an HRMS file, invitations that print which
/// questions were chosen and why; the same facts give the same plan; no log holds the résumés.
#[test]
fn personalised_questions_through_the_cli() -> Result<()> {
    let (root, cli) = tempdirs()?;
    cli.ok(&["vault", "init", "--admin", "admin"])?;
    let out = cli.run(
        &["user", "create", "--user", "admin", "--username", "clerk", "--name", "clerk", "--role", "clerk"],
        &format!("{PASSWORD}\n"),
    )?;
    ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = personalised_job_file(root.path())?;
    let created = cli.ok(&["job", "create", "--user", "clerk", &job.display().to_string()])?;
    ensure!(created.contains("job created"), "{created}");
    // A condition nobody could meet is refused before anything is created.
    let bad = root.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&job)?.replace(r#"any_phrase = ["带领", "团队管理"]"#, "any_phrase = []"),
    )?;
    let refused = cli.run(&["job", "create", "--user", "clerk", &bad.display().to_string()], "")?;
    ensure!(!refused.status.success(), "an empty phrase list was accepted");
    ensure!(
        String::from_utf8_lossy(&refused.stderr).contains("condition"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let details = r#"{"name":"孙七","resume":{"education":"master","years":6,"roles":["窗口组组长"],"text":"曾带领一个五人团队完成业务系统迁移。"}}"#;
    let added = cli.run(&["candidate", "add", "--user", "clerk", "--job", "1", "--details", "-"], details)?;
    ensure!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let invite = |candidate: &str| -> Result<serde_json::Value> {
        Ok(serde_json::from_str(&cli.ok(&["invite", "--user", "clerk", "--candidate", candidate, "--json"])?)?)
    };
    // One personalised question a job (`personalised = 1`): the first eligible in the bank.
    let first = invite("1")?;
    let chosen = first["personalised"].as_array().context("personalised")?;
    ensure!(chosen.len() == 1 && chosen[0]["question"] == 2, "{first}");
    ensure!(chosen[0]["reasons"].to_string().contains("曾带领一个五人团队完成业务系统迁移"), "{first}");
    ensure!(invite("1")?["personalised"] == first["personalised"], "the same facts, the same plan");
    let printed = cli.ok(&["invite", "--user", "clerk", "--candidate", "1"])?;
    ensure!(printed.contains("personalised question Q2") && printed.contains("matched"), "{printed}");

    // From an HRMS file: a bachelor with two years meets neither condition.
    let file = root.path().join("hrms.csv");
    std::fs::write(&file, "姓名,学历,工作年限,工作经历\n周八,本科,2年,带领过志愿者服务队。\n")?;
    let imported = cli.ok(&["import", "candidates", &file.display().to_string(), "--job", "1", "--user", "clerk"])?;
    ensure!(imported.contains("1 candidates imported"), "{imported}");
    let none = invite("2")?;
    ensure!(none["personalised"].as_array().is_some_and(Vec::is_empty), "{none}");
    Ok(())
}
