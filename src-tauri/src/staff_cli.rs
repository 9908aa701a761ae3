//! The staff's everyday records from the command line, for scripted set-up and for tests:
//! `user create`, `job create FILE.toml`, `candidate add`, `invite`. The desktop app's screens
//! call the same vault operations; each is authorised and audited there.

use flow::FlowError;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use interview::{Bands, Lang, Role, Weight};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vault::{NewCandidate, NewJob, NewQuestion, NewUser};

use crate::error::ShellError;
use crate::selftest::t;
use crate::vault_cli::sign_in;

/// Where a new account's password comes from when standard input is not a terminal.
pub const NEW_PASSWORD_ENV: &str = "INTERVIEW_KIOSK_NEW_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (administrators only). The new password is read from
    /// INTERVIEW_KIOSK_NEW_PASSWORD or asked for.
    Create {
        #[arg(long, value_name = "USER")]
        user: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// admin, clerk, auditor or kiosk.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Create a job with its dimensions, bands and questions from a TOML file (see
    /// assets/samples/demo/job.toml); rubric paths are relative to the file.
    Create {
        #[arg(long, value_name = "USER")]
        user: String,
        file: PathBuf,
    },
    /// How the job's levels relate to hired people's later outcomes, and the weight suggestion
    /// with what it would have done to each group's selection rate.
    Validity(crate::validity_cli::ValidityArgs),
    /// Apply the weight suggestion `validity` printed as the job's next weights version.
    ApplyWeights(crate::validity_cli::ApplyArgs),
}

#[derive(Debug, Subcommand)]
pub enum CandidateCommand {
    /// Add one candidate to a job.
    Add {
        #[arg(long, value_name = "USER")]
        user: String,
        #[arg(long, value_name = "ID")]
        job: i64,
        /// The candidate's details as JSON (`{"name": …, "id_number": …, "phone": …, "email": …}`)
        /// from this file, or `-` for standard input (the password then comes from
        /// INTERVIEW_KIOSK_PASSWORD or the terminal). Unlike the flags below, they appear in no
        /// process list and no shell history.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "id_number", "phone"])]
        details: Option<PathBuf>,
        /// Visible to every user of this machine while the command runs (use --details).
        #[arg(long, required_unless_present = "details")]
        name: Option<String>,
        /// The resident ID number; only a keyed hash and its last four characters are kept.
        /// Visible in the process list while the command runs (use --details).
        #[arg(long)]
        id_number: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    #[arg(long, value_name = "USER")]
    user: String,
    #[arg(long, value_name = "ID")]
    candidate: i64,
    /// Valid from (RFC 3339, e.g. 2026-12-02T09:00:00+08:00); default now.
    #[arg(long, value_name = "TIME")]
    valid_from: Option<String>,
    /// Valid until (RFC 3339); default 24 hours after --valid-from.
    #[arg(long, value_name = "TIME")]
    valid_until: Option<String>,
    /// Extra time on every countdown, in percent (an accommodation).
    #[arg(long, value_name = "PCT", default_value_t = 0)]
    extra_time: u32,
    /// Large text on the kiosk (an accommodation).
    #[arg(long)]
    large_text: bool,
    /// Print {"interview": N, "code": "XXXX-XXXX"} as JSON.
    #[arg(long)]
    json: bool,
}

/// A job as written in its TOML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobFile {
    title: String,
    language: Lang,
    /// Total score (0–100) from which the AI suggests "recommend", and "hold".
    recommend: u8,
    hold: u8,
    /// How many personalised questions (0–5) an invitation gets, chosen from the questions with
    /// a `condition` by the candidate's résumé facts.
    #[serde(default)]
    personalised: u8,
    dimension: Vec<DimensionFile>,
    question: Vec<QuestionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionFile {
    name: String,
    weight_pct: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    text: String,
    #[serde(default)]
    situational: bool,
    dimensions: Vec<String>,
    rubric: PathBuf,
    prep_seconds: u32,
    answer_seconds: u32,
    #[serde(default)]
    retakes: u32,
    /// Makes the question personalised, e.g.
    /// `condition = { all = [{ any_phrase = ["带领", "团队管理"] }, { years_at_least = 3 }] }`.
    #[serde(default)]
    condition: Option<interview::resume::Condition>,
}

pub fn run_user(command: UserCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let UserCommand::Create { user, username, name, role } = command;
    let role = Role::parse(&role).ok_or_else(|| ShellError::BadArgument(format!("--role {role}")))?;
    let (mut vault, session) = sign_in(data_dir, &user, lang)?;
    let password = new_password(lang)?;
    let id = vault.create_user(
        &session,
        NewUser { username: username.clone(), display_name: name, role, password: password.to_string() },
    )?;
    vault.logout(&session)?;
    println!("{} {username} (id {id}, {})", t(lang, "已创建账户", "account created:"), role.as_str());
    Ok(())
}

pub fn run_job(command: JobCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (user, file) = match command {
        JobCommand::Create { user, file } => (user, file),
        JobCommand::Validity(args) => return crate::validity_cli::run_validity(args, data_dir, lang),
        JobCommand::ApplyWeights(args) => return crate::validity_cli::run_apply(args, data_dir, lang),
    };
    let text = std::fs::read_to_string(&file).map_err(|source| FlowError::Read { path: file.clone(), source })?;
    let job: JobFile = toml::from_str(&text)
        .map_err(|e| ShellError::BadFile { path: file.clone(), detail: e.message().to_owned() })?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut rubrics = Vec::new();
    for q in &job.question {
        let path = base.join(&q.rubric);
        let json = std::fs::read_to_string(&path).map_err(|source| FlowError::Read { path: path.clone(), source })?;
        scoring::rubric::Rubric::parse(&json).map_err(|error| FlowError::Rubric { path: path.clone(), error })?;
        rubrics.push(json);
    }
    let dimensions = job
        .dimension
        .iter()
        .map(|d| Weight { dimension: d.name.clone(), basis_points: (d.weight_pct * 100.0).round() as u32 })
        .collect();
    let bands = Bands::new(job.recommend, job.hold).map_err(vault::VaultError::from)?;
    // Every condition is checked before anything is created.
    let conditions = job
        .question
        .iter()
        .map(|q| q.condition.clone().map(interview::resume::Condition::checked).transpose())
        .collect::<Result<Vec<_>, _>>()
        .map_err(vault::VaultError::from)?;
    let (mut vault, session) = sign_in(data_dir, &user, lang)?;
    let job_id =
        vault.create_job(&session, NewJob { title: job.title.clone(), language: job.language, dimensions, bands })?;
    for ((q, rubric_json), condition) in job.question.into_iter().zip(rubrics).zip(conditions) {
        let question = vault.add_question(
            &session,
            NewQuestion {
                job_id,
                situational: q.situational,
                text: q.text,
                rubric_json,
                dimensions: q.dimensions,
                prep_seconds: q.prep_seconds,
                answer_seconds: q.answer_seconds,
                retakes: q.retakes,
            },
        )?;
        if condition.is_some() {
            vault.set_question_condition(&session, question, condition, None)?;
        }
    }
    if job.personalised > 0 {
        vault.set_personalised_max(&session, job_id, job.personalised, None)?;
    }
    vault.logout(&session)?;
    println!("{} {job_id}: {}", t(lang, "已创建岗位", "job created:"), job.title);
    Ok(())
}

/// A candidate's details as `candidate add --details` reads them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CandidateDetails {
    name: String,
    #[serde(default)]
    id_number: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
    /// Résumé facts, e.g. `{"education": "master", "years": 6, "roles": ["组长"], "text": "…"}`.
    #[serde(default)]
    resume: Option<interview::resume::ResumeFacts>,
}

impl CandidateDetails {
    /// From `path`, or standard input for `-`; at most 64 KiB. A malformed file is named by its
    /// line and column only: the parser's own message can quote a value.
    fn read(path: &Path) -> Result<CandidateDetails, ShellError> {
        use std::io::Read;
        const MAX: u64 = 64 * 1024;
        let bad = |detail: String| ShellError::BadFile { path: path.to_owned(), detail };
        let mut text = String::new();
        let read = if path == Path::new("-") {
            std::io::stdin().take(MAX + 1).read_to_string(&mut text)
        } else {
            std::fs::File::open(path).and_then(|f| f.take(MAX + 1).read_to_string(&mut text))
        };
        read.map_err(|e| bad(e.kind().to_string()))?;
        if text.len() as u64 > MAX {
            return Err(bad("larger than 64 KiB".into()));
        }
        serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "line {}, column {}: expected {{\"name\": …, \"id_number\": …, \"phone\": …, \"email\": …}}",
                e.line(),
                e.column()
            ))
        })
    }
}

pub fn run_candidate(command: CandidateCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let CandidateCommand::Add { user, job, details, name, id_number, phone } = command;
    let details = match details {
        Some(path) => CandidateDetails::read(&path)?,
        None => CandidateDetails {
            name: name.ok_or_else(|| ShellError::BadArgument("--name".into()))?,
            id_number,
            phone,
            email: None,
            resume: None,
        },
    };
    let (mut vault, session) = sign_in(data_dir, &user, lang)?;
    let CandidateDetails { name, id_number, phone, email, resume } = details;
    let candidate = NewCandidate { job_id: job, name, id_number, phone, email, group: None };
    // With résumé facts: one transaction, both or neither.
    let id = match resume {
        Some(facts) => vault.add_candidate_with_resume(&session, candidate, facts)?,
        None => vault.add_candidate(&session, candidate)?,
    };
    vault.logout(&session)?;
    println!("{} {id}", t(lang, "已添加候选人", "candidate added:"));
    Ok(())
}

pub fn run_invite(args: InviteArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let from = match &args.valid_from {
        Some(text) => parse_time(text)?,
        None => OffsetDateTime::now_utc(),
    };
    let until = match &args.valid_until {
        Some(text) => parse_time(text)?,
        None => from + time::Duration::hours(24),
    };
    let ms = |at: OffsetDateTime| (at.unix_timestamp_nanos() / 1_000_000) as i64;
    let (mut vault, session) = sign_in(data_dir, &args.user, lang)?;
    let (interview, code) = vault.issue_invitation(&session, args.candidate, ms(from), ms(until))?;
    if args.extra_time > 0 || args.large_text {
        vault.set_accommodations(&session, interview, args.extra_time, args.large_text)?;
    }
    let personalised = vault.interview_personalised(&session, interview)?;
    vault.logout(&session)?;
    if args.json {
        let chosen: Vec<_> = personalised
            .iter()
            .map(|p| serde_json::json!({ "question": p.question_id, "reasons": p.reasons }))
            .collect();
        println!("{}", serde_json::json!({ "interview": interview, "code": code.display(), "personalised": chosen }));
    } else {
        println!(
            "{} {} ({} {interview})",
            t(lang, "准入码", "access code"),
            code.display(),
            t(lang, "面试", "interview")
        );
        print_personalised(&personalised, lang);
    }
    Ok(())
}

/// The personalised questions of an invitation, each with why it was chosen.
pub(crate) fn print_personalised(personalised: &[vault::PlannedQuestion], lang: Lang) {
    for p in personalised {
        let reasons: Vec<String> = p.reasons.iter().map(|r| r.sentence().get(lang).to_owned()).collect();
        println!(
            "  {} Q{}: {} — {}",
            t(lang, "个性化题目", "personalised question"),
            p.question_id,
            p.text,
            reasons.join(t(lang, "；", "; "))
        );
    }
}

fn parse_time(text: &str) -> Result<OffsetDateTime, ShellError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| ShellError::BadTime(text.to_owned()))
}

/// The new account's password: from the environment, or asked for twice on a terminal, or the
/// next line of standard input.
fn new_password(lang: Lang) -> Result<zeroize::Zeroizing<String>, ShellError> {
    if let Ok(password) = std::env::var(NEW_PASSWORD_ENV) {
        return Ok(zeroize::Zeroizing::new(password));
    }
    if std::io::stdin().is_terminal() {
        let first = zeroize::Zeroizing::new(
            rpassword::prompt_password(t(lang, "新账户的密码：", "New account's password: "))
                .map_err(|_| ShellError::NoPassword)?,
        );
        let again = zeroize::Zeroizing::new(
            rpassword::prompt_password(t(lang, "再次输入：", "Again: ")).map_err(|_| ShellError::NoPassword)?,
        );
        if *first != *again {
            return Err(ShellError::PasswordsDiffer);
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|_| ShellError::NoPassword)?;
    let line = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if line.is_empty() { Err(ShellError::NoPassword) } else { Ok(line) }
}
