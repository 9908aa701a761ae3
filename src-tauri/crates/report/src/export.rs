//! Reports from the vault: read what a report shows, render it, sign it with the organisation's
//! identity and register it (id, file hash, signer, audit entry) in one audited transaction —
//! and the reverse, a file checked against its signature and the register.

use interview::Lang;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use vault::{NewReport, Session, Vault};

use crate::candidate::{self, SigningNote};
use crate::error::{ReportError, Result};
use crate::identity::SigningIdentity;
use crate::sign::{SignRequest, sign_pdf};
use crate::summary;
use crate::verify::{Verification, verify_pdf};

/// A report ready to be written to a file.
#[derive(Debug)]
pub struct Exported {
    pub report_id: String,
    pub pdf: Vec<u8>,
    /// Signed and registered; `false` for a draft.
    pub signed: bool,
    /// Why it is a draft, in the report's language.
    pub draft_reason: Option<&'static str>,
    /// The language it is written in.
    pub lang: Lang,
    /// Whom and what it concerns, for its file name: the candidate and the job, the job, or
    /// nothing (the audit log).
    pub about: Vec<String>,
}

/// `R-20261202-K7M3Q9XA`: the date and 40 random bits in Crockford base 32.
pub fn new_report_id(now: OffsetDateTime) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 5];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    let bits = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let code: String = (0..8).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("R-{:04}{:02}{:02}-{code}", now.year(), u8::from(now.month()), now.day())
}

/// Who signs an export, and what its signature block says.
struct Signer {
    identity: SigningIdentity,
    note: SigningNote,
    audit_seq: i64,
    report_id: String,
}

/// The organisation's identity from the vault, the audit head the report is made at, and a new
/// report id.
fn signer(vault: &mut Vault, session: &Session, now: OffsetDateTime) -> Result<Signer> {
    let stored = vault.signing_identity(session).map_err(ReportError::Vault)?;
    let identity = SigningIdentity::from_stored(&stored.key_pkcs8, &stored.chain_der)?;
    let org = vault.organisation().map_err(ReportError::Vault)?;
    let head = vault.audit_head().map_err(ReportError::Vault)?;
    let note = SigningNote {
        organisation: org.name,
        signer: identity.subject(),
        signing_time: now,
        audit_checkpoint: head.label(),
    };
    Ok(Signer { identity, note, audit_seq: head.seq, report_id: new_report_id(now) })
}

fn sign_and_register(
    vault: &mut Vault,
    session: &Session,
    rendered: candidate::Rendered,
    signer: Signer,
    kind: &str,
    object: String,
    (lang, about): (Lang, Vec<String>),
) -> Result<Exported> {
    let (block_page, block_rect) =
        rendered.signature_block.ok_or_else(|| ReportError::Data("a final report has a signature block".into()))?;
    let request = SignRequest {
        report_id: signer.report_id.clone(),
        signing_time: signer.note.signing_time,
        audit_checkpoint: signer.note.audit_checkpoint.clone(),
        block_page,
        block_rect,
    };
    let pdf = sign_pdf(&rendered.pdf, &signer.identity, &request)?;
    let record = NewReport {
        id: signer.report_id.clone(),
        kind: kind.to_owned(),
        object,
        sha256: Sha256::digest(&pdf).into(),
        size: pdf.len() as u64,
        signer_fingerprint: signer.identity.fingerprint(),
        audit_seq: signer.audit_seq,
    };
    vault.register_report(session, &record).map_err(ReportError::Vault)?;
    tracing::info!(report = %signer.report_id, kind, bytes = pdf.len(), "report signed and registered");
    Ok(Exported { report_id: signer.report_id, pdf, signed: true, draft_reason: None, lang, about })
}

/// The candidate report of one interview. A final report (scored, reviewed and decided) is
/// signed and registered; anything earlier comes out as an unsigned draft with a watermark.
pub fn export_candidate(
    vault: &mut Vault,
    session: &Session,
    interview_id: i64,
    lang: Option<Lang>,
    now: OffsetDateTime,
) -> Result<Exported> {
    candidate_report(vault, session, interview_id, lang, now, true)
}

/// The signed candidate report of a decided interview, or [`ReportError::NotFinal`]: what a
/// system calling the local API gets (it is never handed a draft).
pub fn export_final_candidate(
    vault: &mut Vault,
    session: &Session,
    interview_id: i64,
    lang: Option<Lang>,
    now: OffsetDateTime,
) -> Result<Exported> {
    candidate_report(vault, session, interview_id, lang, now, false)
}

fn candidate_report(
    vault: &mut Vault,
    session: &Session,
    interview_id: i64,
    lang: Option<Lang>,
    now: OffsetDateTime,
    draft_allowed: bool,
) -> Result<Exported> {
    let record = vault.interview_record(session, interview_id).map_err(ReportError::Vault)?;
    let org = vault.organisation().map_err(ReportError::Vault)?;
    let lang = lang.unwrap_or(org.report_lang);
    if let Some(reason) = candidate::draft_reason(&record) {
        if !draft_allowed {
            return Err(ReportError::NotFinal);
        }
        let report_id = new_report_id(now);
        let rendered = candidate::render(&record, &org, lang, &report_id, now, None)?;
        vault.record_draft_export(session, interview_id).map_err(ReportError::Vault)?;
        return Ok(Exported {
            report_id,
            pdf: rendered.pdf,
            signed: false,
            draft_reason: Some(reason.get(lang)),
            lang,
            about: vec![record.candidate_name, record.job.title],
        });
    }
    let signer = signer(vault, session, now)?;
    let rendered = candidate::render(&record, &org, lang, &signer.report_id, now, Some(&signer.note))?;
    let about = vec![record.candidate_name, record.job.title];
    sign_and_register(vault, session, rendered, signer, "candidate", format!("interview:{interview_id}"), (lang, about))
}

/// The job report, signed and registered.
pub fn export_job(
    vault: &mut Vault,
    session: &Session,
    job_id: i64,
    lang: Option<Lang>,
    now: OffsetDateTime,
) -> Result<Exported> {
    let (job, candidates) = vault.job_candidates(session, job_id).map_err(ReportError::Vault)?;
    let validity = job_validity(vault, session, job_id, now)?;
    let org = vault.organisation().map_err(ReportError::Vault)?;
    let lang = lang.unwrap_or(org.report_lang);
    let signer = signer(vault, session, now)?;
    let rendered =
        summary::render_job(&job, &candidates, validity.as_ref(), &org, lang, &signer.report_id, now, &signer.note)?;
    sign_and_register(vault, session, rendered, signer, "job", format!("job:{job_id}"), (lang, vec![job.title]))
}

/// The job's validity for its report, when the session may see it: the tables for every
/// criterion, and the suggestion for the first of performance, probation and retention that at
/// least [`interview::validity::MIN_N`] people have (performance when none has).
fn job_validity(
    vault: &mut Vault,
    session: &Session,
    job_id: i64,
    now: OffsetDateTime,
) -> Result<Option<vault::WeightsReview>> {
    use interview::Action;
    use interview::outcomes::Criterion;
    if !session.role.may(Action::ViewValidity) {
        return Ok(None);
    }
    let offset = i32::from(now.offset().whole_minutes());
    let first = vault.weights_review(session, job_id, Criterion::Performance, offset).map_err(ReportError::Vault)?;
    let enough = [Criterion::Performance, Criterion::Probation, Criterion::Retention]
        .into_iter()
        .find(|c| first.validity.iter().any(|v| v.criterion == *c && v.enough));
    match enough {
        Some(c) if c != Criterion::Performance => {
            Ok(Some(vault.weights_review(session, job_id, c, offset).map_err(ReportError::Vault)?))
        }
        _ => Ok(Some(first)),
    }
}

/// The audit log between two instants as a signed PDF, and the same rows as CSV. The chain is
/// verified first: a broken chain is an error, not a report.
pub fn export_audit(
    vault: &mut Vault,
    session: &Session,
    from_ms: i64,
    to_ms: i64,
    lang: Option<Lang>,
    now: OffsetDateTime,
) -> Result<(Exported, String)> {
    // A period cannot end after the report is made: entries written from here on (this check's
    // own) are after it.
    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    let to_ms = to_ms.min(now_ms);
    let verified = vault.verify_audit(session).map_err(ReportError::Vault)?;
    let rows = vault.audit_period(session, from_ms, to_ms).map_err(ReportError::Vault)?;
    let org = vault.organisation().map_err(ReportError::Vault)?;
    let lang = lang.unwrap_or(org.report_lang);
    let signer = signer(vault, session, now)?;
    let (open, sep, close) = match lang {
        Lang::ZhCn => ("（", "，", "）"),
        Lang::En => (" (", ", ", ")"),
    };
    let chain = format!(
        "{}{open}{} {}{sep}{} {}{close}",
        crate::text::CHAIN_OK.get(lang),
        verified.entries,
        crate::text::CHAIN_ENTRIES.get(lang),
        verified.checkpoints,
        crate::text::CHAIN_CHECKPOINTS.get(lang)
    );
    let rendered =
        summary::render_audit(&rows, (from_ms, to_ms), &chain, &org, lang, &signer.report_id, now, &signer.note)?;
    let csv = summary::audit_csv(&rows, &signer.note.audit_checkpoint);
    let exported = sign_and_register(
        vault,
        session,
        rendered,
        signer,
        "audit",
        format!("audit:{from_ms}-{to_ms}"),
        (lang, Vec::new()),
    )?;
    Ok((exported, csv))
}

/// What the vault says about a verified file.
#[derive(Clone, Debug, Serialize)]
pub struct VaultMatch {
    /// The report id is in this vault's register.
    pub known: bool,
    /// The file is byte for byte the one registered under that id.
    pub matches: bool,
    /// The signer is one of this vault's signing identities (current or retired).
    pub our_signer: bool,
    pub registered_at_ms: Option<i64>,
    pub registered_by: Option<String>,
    pub object: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub verification: Verification,
    pub vault: Option<VaultMatch>,
}

impl VerifyReport {
    /// Valid, and — when checked against a vault — known to it, identical, and signed by it.
    pub fn is_valid(&self) -> bool {
        self.verification.is_valid() && self.vault.as_ref().is_none_or(|m| m.known && m.matches && m.our_signer)
    }
}

/// Verifies a file's bytes against `trusted_roots` and, with a vault, against every root this
/// vault has signed with; then whether the report id is registered there and the file is the
/// one registered (audited as `report.verify`).
pub fn verify_with_vault(
    bytes: &[u8],
    vault: Option<(&mut Vault, &Session)>,
    trusted_roots: &[Vec<u8>],
) -> Result<VerifyReport> {
    let Some((vault, session)) = vault else {
        return Ok(VerifyReport { verification: verify_pdf(bytes, trusted_roots), vault: None });
    };
    let signers = vault_signers(vault, session)?;
    let verification = verify_against(bytes, &signers, trusted_roots);
    match_register(vault, session, verification, &signers)
}

/// Every identity a vault has signed with: their roots to verify against, and their
/// fingerprints. Read with the vault; the verification itself needs no vault
/// ([`verify_against`]), so a hostile file never holds the vault while it is taken apart.
#[derive(Clone, Debug)]
pub struct VaultSigners {
    roots: Vec<Vec<u8>>,
    fingerprints: Vec<String>,
}

pub fn vault_signers(vault: &mut Vault, session: &Session) -> Result<VaultSigners> {
    let identities = vault.signing_identities(session).map_err(ReportError::Vault)?;
    Ok(VaultSigners {
        roots: identities.iter().filter_map(|i| i.chain_der.last().cloned()).collect(),
        fingerprints: identities.into_iter().map(|i| i.fingerprint).collect(),
    })
}

/// [`verify_pdf`] against `trusted_roots` and the vault's own roots.
pub fn verify_against(bytes: &[u8], signers: &VaultSigners, trusted_roots: &[Vec<u8>]) -> Verification {
    let mut roots = trusted_roots.to_vec();
    roots.extend(signers.roots.iter().cloned());
    verify_pdf(bytes, &roots)
}

/// Whether the verified file is in the vault's register, identical and signed by the vault
/// (the lookup is audited as `report.verify`).
pub fn match_register(
    vault: &mut Vault,
    session: &Session,
    verification: Verification,
    signers: &VaultSigners,
) -> Result<VerifyReport> {
    let our_signer =
        verification.signer_fingerprint.as_ref().is_some_and(|f| signers.fingerprints.iter().any(|s| s == f));
    let record = match &verification.report_id {
        Some(id) => vault.lookup_report(session, id).map_err(ReportError::Vault)?,
        None => None,
    };
    let matches =
        record.as_ref().is_some_and(|r| hex::encode(r.sha256) == verification.sha256 && r.size == verification.size);
    Ok(VerifyReport {
        vault: Some(VaultMatch {
            known: record.is_some(),
            matches,
            our_signer,
            registered_at_ms: record.as_ref().map(|r| r.created_at_ms),
            registered_by: record.as_ref().map(|r| r.created_by.clone()),
            object: record.map(|r| r.object),
        }),
        verification,
    })
}
