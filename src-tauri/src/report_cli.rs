//! `interview-kiosk report candidate|job|audit`, `verify`, `signing generate|import|export` and
//! `org`: signed PDF reports from the command line. The work is in the `report` crate; this
//! signs in, writes files (never over an existing one) and prints what happened.

use flow::FlowError;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use flow::reports::{install_signing_identity, now, write_new};
use interview::Lang;
use report::{SigningIdentity, VerifyReport};
use vault::Organisation;

use crate::error::ShellError;
use crate::import_cli::day_start_ms;
use crate::selftest::t;
use crate::vault_cli::sign_in;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// One interview's report: signed when reviewed and decided, otherwise an unsigned draft.
    Candidate {
        #[arg(long, conflicts_with = "candidate", required_unless_present = "candidate")]
        interview: Option<i64>,
        /// The candidate's latest interview.
        #[arg(long)]
        candidate: Option<i64>,
        #[command(flatten)]
        common: Common,
    },
    /// A job's report: ranking, distributions, AI–human agreement, selection rates.
    Job {
        #[arg(long)]
        job: i64,
        #[command(flatten)]
        common: Common,
    },
    /// The audit log for a period (UTC days, inclusive) as a signed PDF, and optionally CSV.
    Audit {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// Where to write the PDF (an existing file is never replaced).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The report's language (default: the organisation's setting).
    #[arg(long = "report-lang", value_name = "zh-CN|en")]
    report_lang: Option<Lang>,
    #[arg(long, value_name = "USER")]
    user: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    file: PathBuf,
    /// Also check the report against this vault's register and trust its roots (signs in as USER).
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Trust the root certificate(s) in this PEM file (the organisation's, from `signing export`).
    #[arg(long, value_name = "PEM")]
    trust: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SigningCommand {
    /// Generate the organisation's report-signing root and certificate (replaces the current one;
    /// the old one is kept so older reports still verify).
    Generate {
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Import the agency's PKCS#12 (ECDSA P-256); its password from INTERVIEW_KIOSK_P12_PASSWORD.
    Import {
        file: PathBuf,
        #[arg(long, value_name = "USER")]
        user: String,
    },
    /// Write the organisation's root certificate (PEM): the one file validators trust.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the whole chain (signing certificate first, root last) for tools that need
        /// the intermediates; never give this file to a validator to trust.
        #[arg(long, value_name = "FILE")]
        chain: Option<PathBuf>,
        #[arg(long, value_name = "USER")]
        user: String,
    },
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// The organisation's name, printed on every report.
    #[arg(long)]
    name: String,
    /// A PNG logo for the reports' header.
    #[arg(long, value_name = "PNG")]
    logo: Option<PathBuf>,
    #[arg(long = "report-lang", value_name = "zh-CN|en", default_value = "zh-CN")]
    report_lang: Lang,
    #[arg(long, value_name = "USER")]
    user: String,
}

const P12_PASSWORD_ENV: &str = "INTERVIEW_KIOSK_P12_PASSWORD";

pub fn run(command: ReportCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let (exported, common, csv) = match command {
        ReportCommand::Candidate { interview, candidate, common } => {
            let (mut vault, session) = sign_in(data_dir, &common.user, lang)?;
            let interview = match (interview, candidate) {
                (Some(i), _) => i,
                (None, Some(c)) => vault.interview_of_candidate(&session, c)?,
                (None, None) => unreachable!("clap requires one"),
            };
            (
                report::export::export_candidate(&mut vault, &session, interview, common.report_lang, now())?,
                common,
                None,
            )
        }
        ReportCommand::Job { job, common } => {
            let (mut vault, session) = sign_in(data_dir, &common.user, lang)?;
            (report::export::export_job(&mut vault, &session, job, common.report_lang, now())?, common, None)
        }
        ReportCommand::Audit { from, to, csv, common } => {
            let from_ms = day_start_ms(&from)?;
            let to_ms = day_start_ms(&to)? + 86_400_000 - 1;
            let (mut vault, session) = sign_in(data_dir, &common.user, lang)?;
            let (exported, rows) =
                report::export::export_audit(&mut vault, &session, from_ms, to_ms, common.report_lang, now())?;
            (exported, common, csv.map(|path| (path, rows)))
        }
    };
    write_new(&common.out, &exported.pdf)?;
    if let Some((path, rows)) = csv {
        write_new(&path, rows.as_bytes())?;
        println!("{} {}", t(lang, "CSV：", "CSV:"), path.display());
    }
    if exported.signed {
        println!(
            "{} {} → {} ({} KB)",
            t(lang, "已签名报告", "Signed report"),
            exported.report_id,
            common.out.display(),
            exported.pdf.len().div_ceil(1024)
        );
    } else {
        println!(
            "{} → {} — {}",
            t(lang, "草稿（未签名）", "Draft (unsigned)"),
            common.out.display(),
            exported.draft_reason.unwrap_or_default()
        );
    }
    Ok(())
}

/// `verify FILE`: exit status 0 only for a valid report (and, with --user, one this vault holds).
pub fn run_verify(args: VerifyArgs, data_dir: &Path, lang: Lang) -> Result<bool, ShellError> {
    // At most one byte more than a report may have: enough for the verdict "larger than any
    // report", without reading a huge file into memory.
    let mut bytes = Vec::new();
    std::fs::File::open(&args.file)
        .and_then(|file| {
            std::io::Read::read_to_end(&mut std::io::Read::take(file, report::MAX_REPORT_BYTES as u64 + 1), &mut bytes)
        })
        .map_err(|source| FlowError::Read { path: args.file.clone(), source })?;
    let roots = match &args.trust {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| FlowError::Read { path: path.clone(), source })?;
            report::trust_anchors_from_pem(&pem)?
        }
        None => Vec::new(),
    };
    let report = match &args.user {
        Some(user) => {
            let (mut vault, session) = sign_in(data_dir, user, lang)?;
            report::export::verify_with_vault(&bytes, Some((&mut vault, &session)), &roots)?
        }
        None => report::export::verify_with_vault(&bytes, None, &roots)?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_verdict(&report, lang);
    }
    Ok(report.is_valid())
}

fn print_verdict(report: &VerifyReport, lang: Lang) {
    let v = &report.verification;
    let yes_no = |b: bool| if b { t(lang, "是", "yes") } else { t(lang, "否", "no") };
    let verdict = if report.is_valid() { t(lang, "有效", "VALID") } else { t(lang, "无效", "INVALID") };
    println!("{}: {verdict}", t(lang, "结论", "Verdict"));
    println!("  {}: {}", t(lang, "签名者", "Signer"), v.signer.as_deref().unwrap_or("—"));
    let signing_time =
        v.signing_time.as_deref().map(|raw| report::readable_pdf_date(raw).unwrap_or_else(|| raw.to_owned()));
    println!("  {}: {}", t(lang, "签名时间", "Signing time"), signing_time.as_deref().unwrap_or("—"));
    println!("  {}: {}", t(lang, "签名覆盖整个文件", "Whole document signed"), yes_no(v.whole_document));
    println!("  {}: {}", t(lang, "认证签名（禁止修改）", "Certified, no changes permitted"), yes_no(v.certification));
    println!("  {}: {}", t(lang, "报告编号", "Report id"), v.report_id.as_deref().unwrap_or("—"));
    println!("  {}: {}", t(lang, "审计检查点", "Audit checkpoint"), v.audit_checkpoint.as_deref().unwrap_or("—"));
    if let Some(m) = &report.vault {
        println!("  {}: {}", t(lang, "本保险库登记过该报告", "Known to this vault"), yes_no(m.known));
        println!("  {}: {}", t(lang, "与登记的文件完全一致", "Identical to the registered file"), yes_no(m.matches));
        println!(
            "  {}: {}",
            t(lang, "由本机构的签名证书签署", "Signed by this organisation's certificate"),
            yes_no(m.our_signer)
        );
    }
    for problem in &v.problems {
        println!("  ✗ {}", problem.message().get(lang));
    }
}

pub fn run_signing(command: SigningCommand, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    match command {
        SigningCommand::Generate { user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let name = vault.organisation()?.name;
            let identity = SigningIdentity::generate(&name)?;
            install_signing_identity(&mut vault, &session, &identity, false)?;
            println!("{} {}", t(lang, "已生成签名证书：", "Signing certificate generated:"), identity.subject());
            println!("  SHA-256 {}", identity.fingerprint());
            println!("  {} {}", t(lang, "根证书 SHA-256", "Root SHA-256"), identity.root_fingerprint());
        }
        SigningCommand::Import { file, user } => {
            let bytes = std::fs::read(&file).map_err(|source| FlowError::Read { path: file.clone(), source })?;
            let password = zeroize::Zeroizing::new(std::env::var(P12_PASSWORD_ENV).unwrap_or_default());
            let identity = SigningIdentity::from_pkcs12(&bytes, &password)?;
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            install_signing_identity(&mut vault, &session, &identity, true)?;
            println!("{} {}", t(lang, "已导入签名证书：", "Signing certificate imported:"), identity.subject());
        }
        SigningCommand::Export { out, chain: chain_out, user } => {
            let (mut vault, session) = sign_in(data_dir, &user, lang)?;
            let chain = vault.signing_certificates(&session)?;
            // The chain is kept signing certificate first, root last.
            let root = chain.last().ok_or(ShellError::Vault(vault::VaultError::NoSigningIdentity))?;
            let root_pem = report::chain_pem(std::slice::from_ref(root));
            write_new(&out, root_pem.as_bytes())?;
            println!(
                "{} {}",
                t(lang, "机构根证书（供验证方信任）已写入", "Organisation root (for validators to trust) written to"),
                out.display()
            );
            if report::trust_anchors_from_pem(root_pem.as_bytes()).is_err() {
                // An imported PKCS#12 may stop at an intermediate certificate.
                println!(
                    "{}",
                    t(
                        lang,
                        "注意：导入的证书链未包含根证书，写出的是链中最上层的证书。请向签发机构索取其根证书交给验证方。",
                        "Note: the imported chain does not include its root; the file holds the topmost certificate of the chain. Ask the certificate authority for its root and give that to validators."
                    )
                );
            }
            if let Some(path) = chain_out {
                write_new(&path, report::chain_pem(&chain).as_bytes())?;
                println!(
                    "{} {}",
                    t(lang, "完整证书链（不可作为信任依据）已写入", "Whole chain (not for trusting) written to"),
                    path.display()
                );
            }
        }
    }
    Ok(())
}

pub fn run_org(args: OrgArgs, data_dir: &Path, lang: Lang) -> Result<(), ShellError> {
    let logo_png = match &args.logo {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| FlowError::Read { path: path.clone(), source })?;
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(ShellError::NotPng(path.clone()));
            }
            Some(bytes)
        }
        None => None,
    };
    let (mut vault, session) = sign_in(data_dir, &args.user, lang)?;
    vault.set_organisation(&session, &Organisation { name: args.name, logo_png, report_lang: args.report_lang })?;
    println!("{}", t(lang, "机构信息已保存。", "Organisation saved."));
    Ok(())
}
