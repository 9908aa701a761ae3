//! `interview-kiosk import candidates FILE --job ID [--mode all|good-rows] [--errors OUT.csv]`:
//! candidates from an HRMS export (CSV in UTF-8 or GB18030, comma or tab; or XLSX), every row
//! validated first, then written in one transaction.

use flow::FlowError;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use hrms::import::{self, Mapping};
use interview::Lang;

use crate::error::ShellError;
use crate::selftest::t;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Import nothing if any row has a problem.
    All,
    /// Import the good rows and report the others.
    GoodRows,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Candidates for a job from a CSV or XLSX file.
    Candidates(CandidatesArgs),
    /// Later outcomes of a job's hired candidates (probation, ratings, leaving) from a CSV or
    /// XLSX file: columns 身份证号 / 类型 / 日期 / 结果 / optional 等级制.
    Outcomes(crate::validity_cli::OutcomesArgs),
}

#[derive(Debug, Args)]
pub struct CandidatesArgs {
    file: PathBuf,
    #[arg(long, value_name = "ID")]
    job: i64,
    #[arg(long, value_enum, default_value = "all")]
    mode: Mode,
    /// Write the problems found, row by row, to this CSV file.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Only check the file and show what would be imported.
    #[arg(long)]
    dry_run: bool,
    /// Columns (1-based) when the headers are not recognised, e.g. `--name-column 2`.
    #[arg(long, value_name = "N")]
    name_column: Option<usize>,
    #[arg(long, value_name = "N")]
    id_column: Option<usize>,
    #[arg(long, value_name = "N")]
    phone_column: Option<usize>,
    #[arg(long, value_name = "N")]
    email_column: Option<usize>,
    #[arg(long, value_name = "USER")]
    user: String,
}

pub fn run(command: ImportCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let args = match command {
        ImportCommand::Candidates(args) => args,
        ImportCommand::Outcomes(args) => return crate::validity_cli::run_import(args, data_dir, lang),
    };
    let bytes = std::fs::read(&args.file).map_err(|source| FlowError::Read { path: args.file.clone(), source })?;
    let table = import::read_table(&bytes)?;
    let mut mapping = Mapping::guess(&table.headers);
    let column = |n: Option<usize>| n.map(|n| n.saturating_sub(1));
    mapping.name = column(args.name_column).or(mapping.name);
    mapping.id_number = column(args.id_column).or(mapping.id_number);
    mapping.phone = column(args.phone_column).or(mapping.phone);
    mapping.email = column(args.email_column).or(mapping.email);
    let describe = |c: Option<usize>| c.and_then(|c| table.headers.get(c)).map_or("—", String::as_str);
    println!(
        "{} {} = {}, {} = {}, {} = {}, {} = {}",
        t(lang, "列对应：", "columns:"),
        t(lang, "姓名", "name"),
        describe(mapping.name),
        t(lang, "身份证号", "ID number"),
        describe(mapping.id_number),
        t(lang, "电话", "phone"),
        describe(mapping.phone),
        t(lang, "邮箱", "e-mail"),
        describe(mapping.email)
    );

    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let known = vault.id_lookup(&session, args.job)?;
    let checked = import::check(&table, &mapping, &mut |id| known.contains(id))?;
    let problems: Vec<(usize, interview::Localized)> =
        checked.errors.iter().map(|e| (e.line, e.problem.message())).collect();
    let verdict =
        Checked { good: checked.good.len(), problems: &problems, errors_csv: import::errors_csv(&checked.errors) };
    if !verdict.report(&args.errors, args.dry_run, ("行可以导入", "rows can be imported"), lang)? {
        return Ok(());
    }
    if args.mode == Mode::All && !checked.errors.is_empty() {
        return Err(ShellError::ImportRefused { problems: checked.errors.len() });
    }
    let resumes = flow::import::resumes(&checked.good);
    let candidates = flow::import::new_candidates(args.job, checked.good);
    let ids = vault.import_candidates_with_resumes(&session, args.job, &candidates, &resumes)?;
    println!("{} {}", ids.len(), t(lang, "名候选人已导入（一次事务）。", "candidates imported (one transaction)."));
    Ok(())
}

/// What checking a file found, as both imports print it.
pub(crate) struct Checked<'a> {
    pub good: usize,
    /// Each problem's line and sentence, in the file's order.
    pub problems: &'a [(usize, interview::Localized)],
    pub errors_csv: String,
}

impl Checked<'_> {
    /// Prints how many rows can go in (`can`: what they can do, in both languages) and the first
    /// problems, writes the problem list to `errors` when asked, and says whether to go on
    /// (`false` after a dry run).
    pub(crate) fn report(
        &self,
        errors: &Option<PathBuf>,
        dry_run: bool,
        can: (&'static str, &'static str),
        lang: Lang,
    ) -> Result<bool, ShellError> {
        let rows = self.problems.iter().map(|(line, _)| *line).collect::<std::collections::BTreeSet<_>>().len();
        println!("{} {}, {rows} {}", self.good, t(lang, can.0, can.1), t(lang, "行有问题", "rows have problems"));
        for (line, message) in self.problems.iter().take(20) {
            println!("  {} {line}: {}", t(lang, "第", "line"), message.get(lang));
        }
        if let Some(path) = errors {
            // A new file only: never the input file, an earlier list, or through a planted symlink.
            flow::reports::write_new(path, self.errors_csv.as_bytes())?;
        }
        if dry_run {
            println!("{}", t(lang, "仅检查，未写入。", "checked only; nothing written."));
        }
        Ok(!dry_run)
    }
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Results (levels per dimension, total, band, decision, status) for a job or a date range.
    Results(ResultsArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
}

#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// Only this job (default: every job).
    #[arg(long, value_name = "ID")]
    job: Option<i64>,
    /// Interviews last updated on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// …and before the end of this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// The file to write; never overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[arg(long, value_name = "USER")]
    user: String,
}

/// Milliseconds since the epoch at the start of a `YYYY-MM-DD` day (UTC).
pub(crate) fn day_start_ms(day: &str) -> Result<i64, ShellError> {
    let bad = || ShellError::BadDate(day.to_owned());
    let parts: Vec<i64> = day.split('-').map(|p| p.parse::<i64>().map_err(|_| bad())).collect::<Result<_, _>>()?;
    let [y, m, d] = parts[..] else { return Err(bad()) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400_000)
}

pub fn run_export(command: ExportCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let ExportCommand::Results(args) = command;
    let from = args.from.as_deref().map(day_start_ms).transpose()?.unwrap_or(0);
    let to = args.to.as_deref().map(day_start_ms).transpose()?.map_or(i64::MAX, |d| d + 86_400_000);
    let (mut vault, session) = crate::vault_cli::sign_in(data_dir, &args.user, lang)?;
    let rows: Vec<hrms::export::ResultRow> = vault
        .export_results(&session, args.job, from, to)?
        .into_iter()
        .map(|r| hrms::export::ResultRow {
            candidate_id: r.candidate_id,
            name: r.name,
            id_last4: r.id_last4,
            job: r.job,
            interview_id: r.interview_id,
            status: r.state,
            levels: r.levels,
            total: r.total,
            band: r.band,
            decision: r.decision,
            report_id: r.report_id,
        })
        .collect();
    let format = match args.format {
        ExportFormat::Csv => hrms::export::Format::Csv,
        ExportFormat::Xlsx => hrms::export::Format::Xlsx,
        ExportFormat::Json => hrms::export::Format::Json,
    };
    let bytes = hrms::export::write(&rows, format).map_err(|e| ShellError::Internal(e.to_string()))?;
    flow::reports::write_new(&args.out, &bytes)?;
    println!("{} {} → {}", rows.len(), t(lang, "场面试已导出", "interviews exported"), args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::day_start_ms;

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(day_start_ms("1970-01-01").unwrap(), 0);
        assert_eq!(day_start_ms("2026-11-22").unwrap(), 1_795_305_600_000);
        assert_eq!(day_start_ms("2024-03-01").unwrap() - day_start_ms("2024-02-28").unwrap(), 2 * 86_400_000);
        for bad in ["2026-13-01", "yesterday", "2026-11", "1969-12-31"] {
            assert!(day_start_ms(bad).is_err(), "{bad}");
        }
    }
}
