//! `interview-kiosk import outcomes FILE --job ID --user U [--scale …] [--mode …] [--errors OUT]
//! [--dry-run]`: later outcomes of hired candidates from the HRMS, checked row by row, then
//! recorded in one transaction. `interview-kiosk job validity --job ID --user U [--criterion …]`
//! prints how the job's levels relate to them and the weight suggestion with its fairness
//! replay; `interview-kiosk job apply-weights --job ID --criterion C --expect BP,BP,… --user U
//! [--reason TEXT]` applies that suggestion (as printed) as the job's next weights version.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use flow::FlowError;
use hrms::outcomes::{self, OutcomeMapping};
use interview::outcomes::{Criterion, RatingScale};
use interview::validity::{self, ai_word, raters_word};
use interview::{Lang, Weight};

use crate::error::ShellError;
use crate::import_cli::Mode;
use crate::selftest::t;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// 优秀 / 称职 / 基本称职 / 不称职
    Grades4,
    /// 1 (lowest) … 5 (highest)
    Points5,
}

impl From<ScaleArg> for RatingScale {
    fn from(value: ScaleArg) -> RatingScale {
        match value {
            ScaleArg::Grades4 => RatingScale::Grades4,
            ScaleArg::Points5 => RatingScale::Points5,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CriterionArg {
    Probation,
    Performance,
    Retention,
}

impl From<CriterionArg> for Criterion {
    fn from(value: CriterionArg) -> Criterion {
        match value {
            CriterionArg::Probation => Criterion::Probation,
            CriterionArg::Performance => Criterion::Performance,
            CriterionArg::Retention => Criterion::Retention,
        }
    }
}

#[derive(Debug, Args)]
pub struct OutcomesArgs {
    file: PathBuf,
    #[arg(long, value_name = "ID")]
    job: i64,
    /// The rating scale of rows that do not name one in a 等级制/scale column.
    #[arg(long, value_enum, default_value = "grades4")]
    scale: ScaleArg,
    #[arg(long, value_enum, default_value = "all")]
    mode: Mode,
    /// Write the problems found, row by row, to this CSV file.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Only check the file and show what would be recorded.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_name = "USER")]
    user: String,
}

fn offset() -> i32 {
    i32::from(flow::reports::now().offset().whole_minutes())
}

pub fn run_import(args: OutcomesArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let bytes = std::fs::read(&args.file).map_err(|source| FlowError::Read { path: args.file.clone(), source })?;
    let table = hrms::import::read_table(&bytes)?;
    let mapping = OutcomeMapping::guess(&table.headers);
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let lookup = vault.outcome_lookup(&session, args.job, offset())?;
    let checked = outcomes::check(&table, &mapping, args.scale.into(), &lookup)?;
    let problems: Vec<(usize, interview::Localized)> =
        checked.errors.iter().map(|e| (e.line, e.problem.message())).collect();
    let verdict = crate::import_cli::Checked {
        good: checked.good.len(),
        problems: &problems,
        errors_csv: outcomes::errors_csv(&checked.errors),
    };
    if !verdict.report(&args.errors, args.dry_run, ("行可以记录", "rows can be recorded"), lang)? {
        return Ok(());
    }
    if args.mode == Mode::All && !checked.errors.is_empty() {
        return Err(ShellError::OutcomesRefused { problems: checked.errors.len() });
    }
    let recorded = vault.record_outcomes(&session, args.job, &checked.outcomes(), offset())?;
    println!("{recorded} {}", t(lang, "条录用后结果已记录（一次事务）。", "outcomes recorded (one transaction)."));
    Ok(())
}

#[derive(Debug, Args)]
pub struct ValidityArgs {
    #[arg(long, value_name = "ID")]
    job: i64,
    /// The outcome the suggestion learns from.
    #[arg(long, value_enum, default_value = "performance")]
    criterion: CriterionArg,
    /// Print the whole review as JSON instead.
    #[arg(long)]
    json: bool,
    #[arg(long, value_name = "USER")]
    user: String,
}

pub fn run_validity(args: ValidityArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let started = std::time::Instant::now();
    let review = vault.weights_review(&session, args.job, args.criterion.into(), offset())?;
    let took = started.elapsed();
    if args.json {
        let json = serde_json::json!({
            "job": review.job.id,
            "version": review.job.version,
            "people": review.people,
            "with_outcomes": review.with_outcomes,
            "validity": review.validity,
            "criterion": review.criterion,
            "suggestion": review.suggestion.as_ref().ok(),
            "no_suggestion": review.suggestion.as_ref().err(),
            "replay": review.replay,
        });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return Ok(());
    }
    println!(
        "{} {} ({} {}), {} {} / {}; {:.0} ms",
        t(lang, "岗位", "job"),
        review.job.title,
        t(lang, "权重版本", "weights version"),
        review.job.version,
        t(lang, "有录用后结果", "with later outcomes"),
        review.with_outcomes,
        review.people,
        took.as_secs_f64() * 1000.0
    );
    let fmt = |c: &validity::Correlation| match (c.rho, c.low, c.high) {
        (Some(r), Some(l), Some(h)) => format!("ρ {r:.2} [{l:.2}, {h:.2}] n {}", c.n),
        _ => format!("n {}", c.n),
    };
    for table in review.validity.iter().filter(|v| v.n > 0) {
        println!("{} (n = {})", table.criterion.name().get(lang), table.n);
        for row in &table.rows {
            let what = row.dimension.clone().unwrap_or_else(|| t(lang, "总分", "total").to_owned());
            println!("  {what:<8} AI {:<28} {} {}", fmt(&row.ai), t(lang, "评分员", "raters"), fmt(&row.raters));
            println!("           {}", row.ai.reading(&ai_word(), &what).get(lang));
            if row.raters.n > 0 {
                println!("           {}", row.raters.reading(&raters_word(), &what).get(lang));
            }
        }
    }
    match (&review.suggestion, &review.replay) {
        (Ok(s), Some(replay)) => {
            println!("{} ({}):", t(lang, "权重建议", "suggested weights"), review.criterion.name().get(lang));
            for d in &s.dimensions {
                println!(
                    "  {:<8} {:>6.2}% → {:>6.2}%  ({} {:.2})",
                    d.dimension,
                    f64::from(d.current_bp) / 100.0,
                    f64::from(d.suggested_bp) / 100.0,
                    t(lang, "证据", "evidence"),
                    d.evidence
                );
            }
            for g in &replay.groups {
                let ratio = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into());
                println!(
                    "  {} {}: {:.0}% → {:.0}%, {} {} → {}{}",
                    t(lang, "组", "group"),
                    g.group,
                    g.rate_before * 100.0,
                    g.rate_after * 100.0,
                    t(lang, "不利影响比", "impact ratio"),
                    ratio(g.impact_before),
                    ratio(g.impact_after),
                    if g.fails { t(lang, "（未通过）", " (fails)") } else { "" }
                );
            }
            println!("{}", validity::verdict(replay, lang));
            let expect: Vec<String> = s.dimensions.iter().map(|d| d.suggested_bp.to_string()).collect();
            println!(
                "{}: interview-kiosk job apply-weights --job {} --criterion {} --expect {}",
                t(
                    lang,
                    "应用（新版本，已有面试不变）",
                    "to apply (a new version; interviews already held keep theirs)"
                ),
                review.job.id,
                review.criterion.as_str(),
                expect.join(",")
            );
        }
        (Err(why), _) => println!("{}", why.message().get(lang)),
        (Ok(_), None) => {}
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[arg(long, value_name = "ID")]
    job: i64,
    #[arg(long, value_enum)]
    criterion: CriterionArg,
    /// The suggested weights as `job validity` printed them, in basis points in the job's order
    /// of dimensions (`3467,3033,3500`): applied only if the suggestion is still exactly this.
    #[arg(long, value_name = "BP,BP,…", value_delimiter = ',')]
    expect: Vec<u32>,
    /// Why a suggestion that fails the fairness check is applied anyway (administrators only).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    #[arg(long, value_name = "USER")]
    user: String,
}

pub fn run_apply(args: ApplyArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let job = vault.job(&session, args.job)?;
    if args.expect.len() != job.dimensions.len() {
        return Err(vault::VaultError::SuggestionChanged.into());
    }
    let expected: Vec<Weight> = job
        .dimensions
        .iter()
        .zip(&args.expect)
        .map(|(w, bp)| Weight { dimension: w.dimension.clone(), basis_points: *bp })
        .collect();
    let version =
        vault.apply_weights(&session, args.job, args.criterion.into(), &expected, args.reason.as_deref(), offset())?;
    println!(
        "{} {version} {}",
        t(lang, "已应用为权重版本", "applied as weights version"),
        t(lang, "（此前邀请的面试保持原版本）", "(interviews invited before keep theirs)")
    );
    Ok(())
}
