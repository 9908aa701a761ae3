//! Reports: the organisation's signing identity, the time a report is dated with, exporting
//! candidate, job and audit reports and access slips into a folder, and writing files.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use interview::Lang;
use report::{Exported, SigningIdentity};
use time::OffsetDateTime;
use vault::{NewSigningIdentity, Session, Vault};

use crate::FlowError;

/// Makes `identity` the one reports are signed with (`imported`: the agency's own PKCS#12
/// rather than a certificate the app made).
pub fn install_signing_identity(
    vault: &mut Vault,
    session: &Session,
    identity: &SigningIdentity,
    imported: bool,
) -> Result<(), FlowError> {
    vault.set_signing_identity(
        session,
        &NewSigningIdentity {
            key_pkcs8: identity.key_pkcs8()?,
            chain_der: identity.chain_der().to_vec(),
            imported,
            subject: identity.subject(),
            fingerprint: identity.fingerprint(),
            root_fingerprint: identity.root_fingerprint(),
        },
    )?;
    Ok(())
}

/// The machine's UTC offset, read once at start-up: the `time` crate reads it only while the
/// process has a single thread (the zone database is not thread-safe to consult on Unix).
static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Call first thing in `main`, before any thread starts.
pub fn capture_local_offset() {
    let _ = LOCAL_OFFSET.set(time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC));
}

/// Now, in the machine's zone (UTC when it could not be read): what reports are dated with.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC))
}

/// A moment given in milliseconds since the epoch, in the machine's zone.
pub fn local_time(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(LOCAL_OFFSET.get().copied().unwrap_or(time::UtcOffset::UTC))
}

/// Writes a new file and syncs it: every file the product exports (reports, slips, result
/// files, import error lists) goes through here. It refuses to replace anything at `path` — a
/// file, or a symlink even when dangling (`O_EXCL` does not follow links), so a planted link
/// cannot redirect an export — and on Unix the file is readable by its owner only (0600):
/// exports hold personal data.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            FlowError::Vault(vault::VaultError::TargetExists(path.to_owned()))
        } else {
            FlowError::Write { path: path.to_owned(), source: e }
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| FlowError::Write { path: path.to_owned(), source: e })
}

/// Creates `folder` (and its parents) for exported files; folders it creates are the owner's
/// only (0700) on Unix. An existing folder is used as it is.
pub fn create_folder(folder: &Path) -> Result<(), FlowError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder).map_err(|source| FlowError::Write { path: folder.to_owned(), source })
}

/// A file name from a person's text (a name, a job title): path separators, control characters
/// and characters file managers refuse replaced, no leading dot, at most 40 characters.
pub fn file_safe(text: &str) -> String {
    let safe: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c })
        .take(40)
        .collect();
    let safe = safe.trim_start_matches('.').trim().to_owned();
    if safe.is_empty() { "_".to_owned() } else { safe }
}

/// `20261205-091300`: a time in a file name, to the second (two batches of one day apart).
pub fn file_time(at: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// What an exported file is, at the start of its name, in the organisation's report language.
#[derive(Clone, Copy, Debug)]
enum FileKind {
    Candidate,
    Job,
    Audit,
    Slips,
}

fn file_kind(kind: FileKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (FileKind::Candidate, Lang::ZhCn) => "面试报告",
        (FileKind::Candidate, Lang::En) => "interview-report",
        (FileKind::Job, Lang::ZhCn) => "岗位汇总报告",
        (FileKind::Job, Lang::En) => "job-summary",
        (FileKind::Audit, Lang::ZhCn) => "审计日志",
        (FileKind::Audit, Lang::En) => "audit-log",
        (FileKind::Slips, Lang::ZhCn) => "准入凭条",
        (FileKind::Slips, Lang::En) => "access-slips",
    }
}

/// `<what>-<whose>-<report id>`: a person finds the file by candidate or job, and the report id
/// (what `verify` and the audit log name) stays in it.
fn file_stem(kind: FileKind, lang: Lang, whose: &[&str], id: &str) -> String {
    let mut parts = vec![file_kind(kind, lang).to_owned()];
    parts.extend(whose.iter().map(|w| file_safe(w)));
    parts.push(id.to_owned());
    parts.join("-")
}

/// One candidate's report — signed when the interview is decided, otherwise a marked draft —
/// written into `folder` (created if need be) as `面试报告-<candidate>-<job>-<report id>.pdf`
/// (in the report language; `-draft` added when `mark_drafts`). Returns the file and what was
/// exported.
pub fn export_candidate_to(
    vault: &mut Vault,
    session: &Session,
    interview_id: i64,
    folder: &Path,
    mark_drafts: bool,
) -> Result<(PathBuf, Exported), FlowError> {
    let exported = report::export::export_candidate(vault, session, interview_id, None, now())?;
    create_folder(folder)?;
    let about: Vec<&str> = exported.about.iter().map(String::as_str).collect();
    let stem = file_stem(FileKind::Candidate, exported.lang, &about, &exported.report_id);
    let name = if mark_drafts && !exported.signed { format!("{stem}-draft") } else { stem };
    let path = folder.join(format!("{name}.pdf"));
    write_new(&path, &exported.pdf)?;
    Ok((path, exported))
}

/// A job's report (always signed) written into `folder` as `<report id>.pdf`.
pub fn export_job_to(
    vault: &mut Vault,
    session: &Session,
    job_id: i64,
    folder: &Path,
) -> Result<(PathBuf, Exported), FlowError> {
    let exported = report::export::export_job(vault, session, job_id, None, now())?;
    create_folder(folder)?;
    let about: Vec<&str> = exported.about.iter().map(String::as_str).collect();
    let path = folder.join(format!("{}.pdf", file_stem(FileKind::Job, exported.lang, &about, &exported.report_id)));
    write_new(&path, &exported.pdf)?;
    Ok((path, exported))
}

/// The audit log between `from_ms` and `to_ms` as a signed PDF plus the same rows as CSV, both
/// written into `folder` (`<report id>.pdf`, `<report id>.csv`). Returns the PDF's path.
pub fn export_audit_to(
    vault: &mut Vault,
    session: &Session,
    from_ms: i64,
    to_ms: i64,
    folder: &Path,
) -> Result<(PathBuf, Exported), FlowError> {
    let (exported, csv) = report::export::export_audit(vault, session, from_ms, to_ms, None, now())?;
    create_folder(folder)?;
    let stem = file_stem(FileKind::Audit, exported.lang, &[], &exported.report_id);
    let path = folder.join(format!("{stem}.pdf"));
    write_new(&path, &exported.pdf)?;
    write_new(&folder.join(format!("{stem}.csv")), csv.as_bytes())?;
    Ok((path, exported))
}

/// The invitations a clerk issues at once: who, when the codes are valid, and the candidates'
/// accommodations.
#[derive(Clone, Debug)]
pub struct Invitations {
    pub candidate_ids: Vec<i64>,
    pub from_ms: i64,
    pub until_ms: i64,
    pub extra_time_pct: u32,
    pub large_text: bool,
}

/// Issues an access code to each candidate and writes one PDF of access slips (one per
/// candidate) into `folder`. The accommodation is checked before the first code is issued, so a
/// refusal never leaves codes that no slip shows. Returns the file and the number of slips.
pub fn issue_invitations(
    vault: &mut Vault,
    session: &Session,
    invitations: &Invitations,
    folder: &Path,
) -> Result<(PathBuf, usize), FlowError> {
    if invitations.extra_time_pct > vault::MAX_EXTRA_TIME_PCT {
        return Err(vault::VaultError::ExtraTimeOutOfRange { pct: invitations.extra_time_pct }.into());
    }
    let org = vault.organisation()?;
    let mut slips = Vec::with_capacity(invitations.candidate_ids.len());
    for &candidate in &invitations.candidate_ids {
        let (interview, code) =
            vault.issue_invitation(session, candidate, invitations.from_ms, invitations.until_ms)?;
        if invitations.extra_time_pct > 0 || invitations.large_text {
            vault.set_accommodations(session, interview, invitations.extra_time_pct, invitations.large_text)?;
        }
        let record = vault.interview_record(session, interview)?;
        slips.push(report::Slip {
            candidate: record.candidate_name,
            job: record.job.title,
            code: code.display(),
            valid_from_ms: invitations.from_ms,
            valid_until_ms: invitations.until_ms,
            extra_time_pct: invitations.extra_time_pct,
            identity_check: record.id_last4.is_some(),
        });
    }
    let at = now();
    let batch = format!("SLIPS-{}", at.unix_timestamp());
    let pdf = report::render_slips(&org.name, &slips, org.report_lang, at.offset(), &batch, at)?;
    create_folder(folder)?;
    let when = file_time(at);
    let count = match org.report_lang {
        Lang::ZhCn => format!("{}人", slips.len()),
        Lang::En => format!("{}-candidates", slips.len()),
    };
    let path = folder.join(format!("{}.pdf", file_stem(FileKind::Slips, org.report_lang, &[&when], &count)));
    write_new(&path, &pdf)?;
    tracing::info!(count = slips.len(), "access slips written");
    Ok((path, slips.len()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test

    use super::{create_folder, file_safe, write_new};

    #[test]
    fn file_names_from_peoples_text_are_safe() {
        assert_eq!(file_safe("岗位/A:B"), "岗位_A_B");
        assert_eq!(file_safe("../.."), "_..");
        assert_eq!(file_safe("  "), "_");
        assert_eq!(file_safe(&"长".repeat(100)).chars().count(), 40);
    }

    /// The attack pass wrote an export through a planted (even dangling) symlink and over the
    /// import's own input file; exports were world-readable.
    #[cfg(unix)]
    #[test]
    fn exports_are_new_owner_only_files_never_written_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("exports/2026");
        create_folder(&folder).unwrap();
        assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
        create_folder(&folder).unwrap(); // an existing folder is fine

        let report = folder.join("R-1.pdf");
        write_new(&report, b"%PDF").unwrap();
        assert_eq!(std::fs::metadata(&report).unwrap().permissions().mode() & 0o777, 0o600);
        let again = write_new(&report, b"other").unwrap_err();
        assert!(matches!(again, crate::FlowError::Vault(vault::VaultError::TargetExists(_))), "{again:?}");
        assert_eq!(std::fs::read(&report).unwrap(), b"%PDF", "the first file is untouched");

        let victim = dir.path().join("victim.txt");
        let dangling = folder.join("dangling.csv");
        std::os::unix::fs::symlink(&victim, &dangling).unwrap();
        assert!(write_new(&dangling, b"rows").is_err());
        assert!(!victim.exists(), "nothing was created through the dangling link");

        std::fs::write(&victim, b"mine").unwrap();
        let planted = folder.join("planted.csv");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        assert!(write_new(&planted, b"rows").is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"mine", "the link's target is untouched");
    }
}
