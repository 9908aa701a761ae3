//! `interview-kiosk import candidates FILE --job ID [--mode all|good-rows] [--errors OUT.csv]`:
//! candidates from an HRMS export (CSV in UTF-8 or GB18030, comma or tab; or XLSX), every row
//! validated first, then written in one transaction.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use hrms::import::{self, Mapping};
use interview::Lang;
use vault::NewCandidate;

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
    let ImportCommand::Candidates(args) = command;
    let bytes = std::fs::read(&args.file).map_err(|source| ShellError::Read { path: args.file.clone(), source })?;
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
    println!(
        "{} {}, {} {}",
        checked.good.len(),
        t(lang, "行可以导入", "rows can be imported"),
        checked.errors.iter().map(|e| e.line).collect::<std::collections::BTreeSet<_>>().len(),
        t(lang, "行有问题", "rows have problems")
    );
    for e in checked.errors.iter().take(20) {
        let m = e.problem.message();
        println!("  {} {}: {}", t(lang, "第", "line"), e.line, m.get(lang));
    }
    if let Some(path) = &args.errors {
        std::fs::write(path, import::errors_csv(&checked.errors))
            .map_err(|source| ShellError::DataDir { path: path.clone(), source })?;
    }
    if args.dry_run {
        println!("{}", t(lang, "仅检查，未导入。", "checked only; nothing imported."));
        return Ok(());
    }
    if args.mode == Mode::All && !checked.errors.is_empty() {
        return Err(ShellError::ImportRefused { problems: checked.errors.len() });
    }
    let candidates: Vec<NewCandidate> = checked
        .good
        .into_iter()
        .map(|r| NewCandidate {
            job_id: args.job,
            name: r.name,
            id_number: r.id_number,
            phone: r.phone,
            email: r.email,
            group: r.group,
        })
        .collect();
    let ids = vault.import_candidates(&session, args.job, &candidates)?;
    println!("{} {}", ids.len(), t(lang, "名候选人已导入（一次事务）。", "candidates imported (one transaction)."));
    Ok(())
}
