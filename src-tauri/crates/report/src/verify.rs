//! Verification of a signed report: is the signature valid, who signed, when, does it cover the
//! whole file, is it a certification signature, and which report does the file claim to be.
//! Whether that report id is known to a vault (and the file is the one it holds) is the
//! caller's question; [`Verification::report_id`] and [`Verification::sha256`] answer it.
//!
//! Never panics and never gives up silently: anything that is not a PDF, is truncated, has no
//! signature or an appended incremental update gets a verdict with the reasons, in zh-CN and en.

use der::Encode;
use ecdsa::signature::Verifier;
use interview::Localized;
use lopdf::Object;
use p256::ecdsa::DerSignature;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::identity::public_key;
use crate::sign::{
    ATTR_CONTENT_TYPE, ATTR_MESSAGE_DIGEST, ATTR_SIGNING_CERTIFICATE_V2, ECDSA_WITH_SHA256, ID_DATA, ID_SHA256,
    ID_SIGNED_DATA, SigningCertificateV2, decode_text_string, parse_cms,
};

/// Why a file is not a valid signed report. Each has a sentence for the person reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum Problem {
    NotPdf,
    Damaged(String),
    Unsigned,
    MultipleSignatures(usize),
    /// The signed byte range does not reach the end: bytes were appended (an incremental update).
    NotWholeDocument {
        covered: u64,
        size: u64,
    },
    MalformedByteRange,
    MalformedContainer(String),
    DigestMismatch,
    SignatureInvalid,
    CertificateMismatch,
    ChainBroken(String),
    OutsideValidity,
    NotCertified,
    /// The chain does not end at a root the verifier trusts.
    UntrustedSigner,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NotPdf => "verify.not_pdf",
            Problem::Damaged(_) => "verify.damaged",
            Problem::Unsigned => "verify.unsigned",
            Problem::MultipleSignatures(_) => "verify.multiple_signatures",
            Problem::NotWholeDocument { .. } => "verify.not_whole_document",
            Problem::MalformedByteRange => "verify.byte_range",
            Problem::MalformedContainer(_) => "verify.container",
            Problem::DigestMismatch => "verify.digest_mismatch",
            Problem::SignatureInvalid => "verify.signature_invalid",
            Problem::CertificateMismatch => "verify.certificate_mismatch",
            Problem::ChainBroken(_) => "verify.chain_broken",
            Problem::OutsideValidity => "verify.outside_validity",
            Problem::NotCertified => "verify.not_certified",
            Problem::UntrustedSigner => "verify.untrusted_signer",
        }
    }

    pub fn message(&self) -> Localized {
        match self {
            Problem::NotPdf => Localized::new("这不是 PDF 文件。", "This is not a PDF file."),
            Problem::Damaged(_) => Localized::new(
                "PDF 文件已损坏或不完整（可能被截断），无法核验。",
                "The PDF file is damaged or incomplete (perhaps truncated) and cannot be verified.",
            ),
            Problem::Unsigned => Localized::new(
                "该 PDF 没有数字签名：它不是本系统导出的正式报告（草稿不签名）。",
                "This PDF has no digital signature: it is not a final report exported by this system (drafts are never signed).",
            ),
            Problem::MultipleSignatures(n) => Localized::new(
                format!("该 PDF 含 {n} 个签名；本系统的报告只有一个认证签名。"),
                format!(
                    "This PDF has {n} signatures; the reports of this system have exactly one certification signature."
                ),
            ),
            Problem::NotWholeDocument { covered, size } => Localized::new(
                format!("签名只覆盖了文件的前 {covered} 字节（共 {size} 字节）：签名后文件被追加修改过。"),
                format!(
                    "The signature covers only the first {covered} of {size} bytes: the file was changed after it was signed."
                ),
            ),
            Problem::MalformedByteRange => Localized::new(
                "签名的字节范围无效：文件被改动过。",
                "The signature's byte range is invalid: the file was altered.",
            ),
            Problem::MalformedContainer(_) => {
                Localized::new("签名数据已损坏：文件被改动过。", "The signature data is damaged: the file was altered.")
            }
            Problem::DigestMismatch => Localized::new(
                "文件内容与签名不符：签名后文件被改动过。",
                "The file's content does not match its signature: it was altered after signing.",
            ),
            Problem::SignatureInvalid => Localized::new(
                "签名值无效：签名被伪造或损坏。",
                "The signature value is invalid: it was forged or damaged.",
            ),
            Problem::CertificateMismatch => Localized::new(
                "签名所绑定的证书与文件中的证书不符。",
                "The certificate the signature is bound to is not the one in the file.",
            ),
            Problem::ChainBroken(_) => Localized::new(
                "签名证书链无效：证书被改动或不是由所示机构签发。",
                "The signing certificate chain is invalid: a certificate was altered or not issued by the authority shown.",
            ),
            Problem::OutsideValidity => Localized::new(
                "签名时间不在签名证书的有效期内。",
                "The signing time lies outside the signing certificate's validity.",
            ),
            Problem::NotCertified => Localized::new(
                "签名不是“禁止任何修改”的认证签名。",
                "The signature is not a certification signature that permits no changes.",
            ),
            Problem::UntrustedSigner => Localized::new(
                "签名证书不是由受信任的机构根证书签发：请用本机账户核验（--user），或提供机构根证书（--trust）。",
                "The signing certificate was not issued by a trusted organisation root: verify with an account of this machine (--user) or give the organisation's root certificate (--trust).",
            ),
        }
    }
}

/// What `verify` found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Verification {
    /// SHA-256 of the file as given, hex.
    pub sha256: String,
    pub size: u64,
    pub signed: bool,
    /// The signer's certificate subject.
    pub signer: Option<String>,
    pub signer_fingerprint: Option<String>,
    /// SHA-256 of the chain's last certificate (the root a validator trusts), hex.
    pub root_fingerprint: Option<String>,
    /// The claimed signing time (`/M`), as written (`D:…`).
    pub signing_time: Option<String>,
    pub whole_document: bool,
    /// A certification signature permitting no changes (DocMDP P=1).
    pub certification: bool,
    pub report_id: Option<String>,
    pub audit_checkpoint: Option<String>,
    pub problems: Vec<Problem>,
}

impl Verification {
    /// Valid: signed, intact, the whole file covered, certified, no problem found.
    pub fn is_valid(&self) -> bool {
        self.signed && self.whole_document && self.certification && self.problems.is_empty()
    }
}

/// The most a single object or cross-reference stream may inflate to while the file is read.
/// Our reports have none (their only compressed streams are fonts, images and page contents,
/// which verifying never inflates); the attack pass inflated 255 KB into 582 MB.
pub const MAX_STREAM_BYTES: usize = 1024 * 1024;
/// The most object streams a file may hold (so that all of them together inflate to at most
/// 8 MiB).
pub const MAX_OBJECT_STREAMS: usize = 8;
/// The largest file verified: a report is well under 1 MB (a job report over 1,000 candidates is
/// 117 KB); parsing time grows with size (a 26 MB file of small objects took 16 s in a debug
/// build), so anything bigger is not one of ours and is refused before it is parsed.
pub const MAX_REPORT_BYTES: usize = 16 * 1024 * 1024;
/// The most indirect objects a file may hold (a job report over 1,000 candidates has a few
/// thousand); counted before parsing.
pub const MAX_OBJECTS: usize = 20_000;
/// The most certificates a signature may carry (a generated identity's carry one, the signing
/// certificate; an agency's own PKCS#12 may add a few intermediates); the attack pass sent 3,000
/// and verification took 73 s.
pub const MAX_CERTIFICATES: usize = 8;

/// Verifies a file's bytes against the roots (DER certificates) the verifier trusts. Always
/// returns a verdict, in bounded time and memory: a file built to inflate or to carry a huge
/// certificate chain is refused as damaged before the expensive part.
pub fn verify_pdf(bytes: &[u8], trusted_roots: &[Vec<u8>]) -> Verification {
    let mut v =
        Verification { sha256: hex::encode(Sha256::digest(bytes)), size: bytes.len() as u64, ..Default::default() };
    if !bytes.starts_with(b"%PDF-") {
        v.problems.push(Problem::NotPdf);
        return v;
    }
    if bytes.len() > MAX_REPORT_BYTES {
        v.problems.push(Problem::Damaged(format!("{} bytes, larger than any report", bytes.len())));
        return v;
    }
    // `obj` and `endobj` counted together and halved: a file that leaves out `endobj` gets at
    // most twice as many objects through, still bounded.
    let objects = count(bytes, b"obj") / 2;
    if objects > MAX_OBJECTS {
        v.problems.push(Problem::Damaged(format!("{objects} objects")));
        return v;
    }
    let object_streams = count(bytes, b"/ObjStm");
    if object_streams > MAX_OBJECT_STREAMS {
        v.problems.push(Problem::Damaged(format!("{object_streams} object streams")));
        return v;
    }
    let options = || lopdf::LoadOptions { max_decompressed_size: Some(MAX_STREAM_BYTES), ..Default::default() };
    let doc = match std::panic::catch_unwind(|| lopdf::Document::load_mem_with_options(bytes, options())) {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => {
            v.problems.push(Problem::Damaged(e.to_string()));
            return v;
        }
        Err(_) => {
            v.problems.push(Problem::Damaged("parser panicked".into()));
            return v;
        }
    };
    read_info(&doc, &mut v);
    let signatures: Vec<(lopdf::ObjectId, &lopdf::Dictionary)> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| o.as_dict().ok().map(|d| (*id, d)))
        .filter(|(_, d)| d.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"Sig") || d.has(b"ByteRange"))
        .collect();
    let (sig_id, sig) = match signatures.as_slice() {
        [] => {
            v.problems.push(Problem::Unsigned);
            return v;
        }
        [one] => *one,
        many => {
            v.problems.push(Problem::MultipleSignatures(many.len()));
            *many.last().expect("not empty")
        }
    };
    v.signed = true;
    v.signing_time = sig.get(b"M").and_then(Object::as_str).ok().map(decode_text_string);
    v.certification = is_certification(&doc, sig_id, sig);
    if !v.certification {
        v.problems.push(Problem::NotCertified);
    }
    let Some(range) = byte_range(sig) else {
        v.problems.push(Problem::MalformedByteRange);
        return v;
    };
    let [start, hex_start, hex_end, tail] = range;
    let len = bytes.len() as u64;
    if start != 0 || hex_start >= hex_end || hex_end > len || hex_end.saturating_add(tail) > len {
        v.problems.push(Problem::MalformedByteRange);
        return v;
    }
    v.whole_document = hex_end + tail == len;
    if !v.whole_document {
        v.problems.push(Problem::NotWholeDocument { covered: hex_end + tail, size: len });
    }
    let (hex_start, hex_end, tail) = (hex_start as usize, hex_end as usize, tail as usize);
    let hex = &bytes[hex_start..hex_end];
    let der = match (hex.first(), hex.last()) {
        (Some(b'<'), Some(b'>')) => match hex::decode(&hex[1..hex.len() - 1]) {
            Ok(der) => der,
            Err(e) => {
                v.problems.push(Problem::MalformedContainer(e.to_string()));
                return v;
            }
        },
        _ => {
            v.problems.push(Problem::MalformedByteRange);
            return v;
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(&bytes[..hex_start]);
    hasher.update(&bytes[hex_end..hex_end + tail]);
    let digest: [u8; 32] = hasher.finalize().into();
    let roots: Vec<Certificate> =
        trusted_roots.iter().filter_map(|d| <Certificate as der::Decode>::from_der(d).ok()).collect();
    if let Err(problem) = check_container(&der, &digest, &roots, &mut v) {
        v.problems.push(problem);
    }
    v
}

/// How often `needle` occurs in `haystack` (non-overlapping).
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    let mut n = 0;
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        n += 1;
        rest = &rest[at + needle.len()..];
    }
    n
}

fn read_info(doc: &lopdf::Document, v: &mut Verification) {
    let Ok(info) = doc.trailer.get(b"Info").and_then(Object::as_reference).and_then(|id| doc.get_dictionary(id)) else {
        return;
    };
    let text = |key: &[u8]| info.get(key).and_then(Object::as_str).ok().map(decode_text_string);
    v.report_id = text(b"ReportId");
    v.audit_checkpoint = text(b"AuditCheckpoint");
}

fn byte_range(sig: &lopdf::Dictionary) -> Option<[u64; 4]> {
    let array = sig.get(b"ByteRange").ok()?.as_array().ok()?;
    let values: Vec<u64> =
        array.iter().map(|o| o.as_i64().ok().and_then(|n| u64::try_from(n).ok())).collect::<Option<_>>()?;
    values.try_into().ok()
}

/// DocMDP with P=1 in the signature's reference, and the catalog's `/Perms /DocMDP` naming it.
fn is_certification(doc: &lopdf::Document, sig_id: lopdf::ObjectId, sig: &lopdf::Dictionary) -> bool {
    let resolve = |o: &Object| -> Option<Object> {
        match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned(),
            other => Some(other.clone()),
        }
    };
    let p_is_1 =
        sig.get(b"Reference").ok().and_then(&resolve).and_then(|r| r.as_array().ok().cloned()).is_some_and(|refs| {
            refs.iter().filter_map(&resolve).any(|r| {
                let Ok(d) = r.as_dict() else { return false };
                let method = d.get(b"TransformMethod").and_then(Object::as_name).is_ok_and(|n| n == b"DocMDP");
                let p = d
                    .get(b"TransformParams")
                    .ok()
                    .and_then(&resolve)
                    .and_then(|t| t.as_dict().ok().and_then(|t| t.get(b"P").and_then(Object::as_i64).ok()));
                method && p == Some(1)
            })
        });
    let perms_name_it = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Perms").ok().and_then(&resolve))
        .and_then(|p| p.as_dict().ok().and_then(|p| p.get(b"DocMDP").and_then(Object::as_reference).ok()))
        == Some(sig_id);
    p_is_1 && perms_name_it
}

/// The CMS container: our profile exactly (anything else means the bytes were altered), the
/// digest, the signature, the certificate binding and the chain.
fn check_container(der: &[u8], digest: &[u8; 32], roots: &[Certificate], v: &mut Verification) -> Result<(), Problem> {
    let malformed = |what: &str| Problem::MalformedContainer(what.to_string());
    let (info, signed) = parse_cms(der).map_err(|e| Problem::MalformedContainer(e.to_string()))?;
    // A canonical encoding with nothing after it: no byte of the container is free to change.
    if info.to_der().ok().as_deref() != Some(der) {
        return Err(malformed("not the canonical encoding, or bytes after it"));
    }
    if info.content_type != ID_SIGNED_DATA
        || signed.version != cms::content_info::CmsVersion::V1
        || signed.digest_algorithms.iter().map(|a| (a.oid, a.parameters.is_some())).collect::<Vec<_>>()
            != [(ID_SHA256, false)]
        || signed.encap_content_info.econtent_type != ID_DATA
        || signed.encap_content_info.econtent.is_some()
        || signed.crls.is_some()
    {
        return Err(malformed("not a detached SHA-256 SignedData"));
    }
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(malformed("not exactly one signer"));
    };
    if signer.version != cms::content_info::CmsVersion::V1
        || signer.digest_alg.oid != ID_SHA256
        || signer.digest_alg.parameters.is_some()
        || signer.signature_algorithm.oid != ECDSA_WITH_SHA256
        || signer.signature_algorithm.parameters.is_some()
        || signer.unsigned_attrs.is_some()
    {
        return Err(malformed("not an ECDSA P-256 / SHA-256 signer"));
    }
    let certs: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c),
                    cms::cert::CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if certs.len() > MAX_CERTIFICATES {
        return Err(Problem::ChainBroken(format!("{} certificates", certs.len())));
    }
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(malformed("signer not named by issuer and serial number"));
    };
    let leaf = certs
        .iter()
        .find(|c| c.tbs_certificate.issuer == sid.issuer && c.tbs_certificate.serial_number == sid.serial_number)
        .ok_or_else(|| malformed("signer's certificate missing"))?;
    let leaf_der = leaf.to_der().map_err(|e| Problem::MalformedContainer(e.to_string()))?;
    v.signer = Some(leaf.tbs_certificate.subject.to_string());
    v.signer_fingerprint = Some(hex::encode(Sha256::digest(&leaf_der)));

    let attrs = signer.signed_attrs.as_ref().ok_or_else(|| malformed("no signed attributes"))?;
    let mut seen = (false, false, false);
    for attr in attrs.iter() {
        let [value] = attr.values.as_slice() else {
            return Err(malformed("attribute with several values"));
        };
        match attr.oid {
            ATTR_CONTENT_TYPE => {
                if value.decode_as::<der::oid::ObjectIdentifier>().ok() != Some(ID_DATA) {
                    return Err(malformed("content type"));
                }
                seen.0 = true;
            }
            ATTR_MESSAGE_DIGEST => {
                let signed_digest =
                    value.decode_as::<der::asn1::OctetString>().map_err(|_| malformed("message digest"))?;
                if signed_digest.as_bytes() != digest {
                    return Err(Problem::DigestMismatch);
                }
                seen.1 = true;
            }
            ATTR_SIGNING_CERTIFICATE_V2 => {
                let ess = value.decode_as::<SigningCertificateV2>().map_err(|_| malformed("signing certificate"))?;
                if ess.certs.first().map(|c| c.cert_hash.as_bytes()) != Some(Sha256::digest(&leaf_der).as_slice()) {
                    return Err(Problem::CertificateMismatch);
                }
                seen.2 = true;
            }
            _ => return Err(malformed("unexpected signed attribute")),
        }
    }
    if seen != (true, true, true) {
        return Err(malformed("signed attribute missing"));
    }
    let signed_bytes = attrs.to_der().map_err(|e| Problem::MalformedContainer(e.to_string()))?;
    let signature = DerSignature::try_from(signer.signature.as_bytes()).map_err(|_| Problem::SignatureInvalid)?;
    let key = public_key(leaf).map_err(|e| Problem::ChainBroken(e.to_string()))?;
    key.verify(&signed_bytes, &signature).map_err(|_| Problem::SignatureInvalid)?;

    check_chain(leaf, &certs, roots, v)?;
    if let Some(time) = v.signing_time.as_deref().and_then(parse_pdf_date) {
        let validity = &leaf.tbs_certificate.validity;
        if time < validity.not_before.to_unix_duration().as_secs() as i64
            || time > validity.not_after.to_unix_duration().as_secs() as i64
        {
            return Err(Problem::OutsideValidity);
        }
    }
    Ok(())
}

/// Every certificate of the container is checked: the leaf, issued (and signed) by the next up
/// to a certificate the verifier trusts; nothing else may be in the set.
fn check_chain(
    leaf: &Certificate,
    certs: &[&Certificate],
    roots: &[Certificate],
    v: &mut Verification,
) -> Result<(), Problem> {
    let mut current = leaf;
    let mut used = 1;
    loop {
        // A certificate the verifier trusts is an anchor, whatever its place in a chain (an
        // exported chain file holds the signing certificate as well as the root).
        if let Some(root) = roots.iter().find(|r| *r == current) {
            v.root_fingerprint =
                Some(hex::encode(Sha256::digest(root.to_der().map_err(|e| Problem::ChainBroken(e.to_string()))?)));
            break;
        }
        let issuer_name = &current.tbs_certificate.issuer;
        if issuer_name == &current.tbs_certificate.subject {
            // Self-signed but not one of ours.
            return Err(Problem::UntrustedSigner);
        }
        let issuer = match certs.iter().find(|c| &c.tbs_certificate.subject == issuer_name) {
            Some(c) => {
                used += 1;
                verify_certificate(current, c)?;
                *c
            }
            // Another organisation's root may carry the same name: only a root whose key
            // signed this certificate counts.
            None => roots
                .iter()
                .filter(|r| &r.tbs_certificate.subject == issuer_name)
                .find(|r| verify_certificate(current, r).is_ok())
                .ok_or(Problem::UntrustedSigner)?,
        };
        current = issuer;
        if used > certs.len() + 1 {
            return Err(Problem::ChainBroken("chain loops".into()));
        }
    }
    if used != certs.len() {
        return Err(Problem::ChainBroken("certificates that are not part of the chain".into()));
    }
    Ok(())
}

fn verify_certificate(cert: &Certificate, issuer: &Certificate) -> Result<(), Problem> {
    if cert.signature_algorithm.oid != ECDSA_WITH_SHA256 {
        return Err(Problem::ChainBroken(format!("certificate signed with {}", cert.signature_algorithm.oid)));
    }
    let tbs = cert.tbs_certificate.to_der().map_err(|e| Problem::ChainBroken(e.to_string()))?;
    let signature = cert
        .signature
        .as_bytes()
        .and_then(|b| DerSignature::try_from(b).ok())
        .ok_or_else(|| Problem::ChainBroken("certificate signature encoding".into()))?;
    let key = public_key(issuer).map_err(|e| Problem::ChainBroken(e.to_string()))?;
    key.verify(&tbs, &signature).map_err(|_| Problem::ChainBroken("certificate signature".into()))
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` → Unix seconds.
pub(crate) fn parse_pdf_date(text: &str) -> Option<i64> {
    let s = text.strip_prefix("D:")?;
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (year, month, day, hour, minute, second) =
        (num(0..4)?, num(4..6)?, num(6..8)?, num(8..10)?, num(10..12)?, num(12..14)?);
    let offset = match s.get(14..15) {
        Some("Z") | None => 0,
        Some(sign @ ("+" | "-")) => {
            let h = num(15..17)?;
            let m = s.get(18..20).and_then(|m| m.parse::<i64>().ok()).unwrap_or(0);
            let total = h * 3600 + m * 60;
            if sign == "-" { -total } else { total }
        }
        _ => return None,
    };
    let date = time::Date::from_calendar_date(year as i32, time::Month::try_from(month as u8).ok()?, day as u8).ok()?;
    let t = date.with_hms(hour as u8, minute as u8, second as u8).ok()?.assume_utc();
    Some(t.unix_timestamp() - offset)
}

/// A PDF date as a person reads it, in the offset it was written with:
/// `D:20261205070400+08'00'` → `2026-12-05 07:04:00 (UTC+08:00)`. `None` if it is not a date.
pub fn readable_pdf_date(text: &str) -> Option<String> {
    parse_pdf_date(text)?;
    let s = text.strip_prefix("D:")?;
    let zone = match s.get(14..15) {
        Some("Z") | None => "UTC".to_owned(),
        Some(sign) => format!("UTC{sign}{}:{}", s.get(15..17)?, s.get(18..20).unwrap_or("00")),
    };
    Some(format!("{}-{}-{} {}:{}:{} ({zone})", &s[0..4], &s[4..6], &s[6..8], &s[8..10], &s[10..12], &s[12..14]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_times_read_as_dates() {
        assert_eq!(readable_pdf_date("D:20261205070400+08'00'").as_deref(), Some("2026-12-05 07:04:00 (UTC+08:00)"));
        assert_eq!(readable_pdf_date("D:20261205070400Z").as_deref(), Some("2026-12-05 07:04:00 (UTC)"));
        assert_eq!(readable_pdf_date("D:20261205070400-05'30'").as_deref(), Some("2026-12-05 07:04:00 (UTC-05:30)"));
        assert_eq!(readable_pdf_date("D:2026"), None);
        assert_eq!(readable_pdf_date("yesterday"), None);
    }

    #[test]
    fn pdf_dates_parse_back() {
        assert_eq!(parse_pdf_date("D:19700101000000+00'00'"), Some(0));
        assert_eq!(parse_pdf_date("D:19700101080000+08'00'"), Some(0));
        assert_eq!(parse_pdf_date("D:19700101000000Z"), Some(0));
        assert_eq!(parse_pdf_date("nonsense"), None);
    }

    #[test]
    #[allow(clippy::print_stdout)] // what the bound answered, for the log
    /// The attack pass: object streams that inflate to hundreds of megabytes (11 s, 582 MB) and
    /// many of them. Refused as damaged, quickly and without inflating them.
    fn inflating_files_are_refused_within_bounds() {
        use std::io::Write as _;
        let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        deflate.write_all(b"2 0 << /Type /Catalog >>").unwrap();
        deflate.write_all(&vec![b' '; 64 * 1024 * 1024]).unwrap();
        let stream = deflate.finish().unwrap();
        let mut pdf = b"%PDF-1.5\n".to_vec();
        let obj1 = pdf.len();
        pdf.extend(
            format!(
                "1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n",
                stream.len()
            )
            .as_bytes(),
        );
        pdf.extend(&stream);
        pdf.extend(b"\nendstream\nendobj\n");
        // A cross-reference stream would name object 2 as compressed in object 1; a classic
        // table is enough for a reader that loads object streams it finds.
        let xref = pdf.len();
        pdf.extend(format!("xref\n0 2\n0000000000 65535 f \n{obj1:010} 00000 n \ntrailer\n<< /Size 3 /Root 2 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        let started = std::time::Instant::now();
        let v = verify_pdf(&pdf, &[]);
        // Refused by the reader's bound (an inflated file would read, and be merely "unsigned").
        assert!(matches!(&v.problems[..], [Problem::Damaged(_)]), "{:?}", v.problems);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
        println!("{} bytes → {:?} in {:?}", pdf.len(), v.problems, started.elapsed());

        let mut many = b"%PDF-1.7\n".to_vec();
        many.extend("/ObjStm ".repeat(MAX_OBJECT_STREAMS + 1).as_bytes());
        let v = verify_pdf(&many, &[]);
        assert!(
            matches!(&v.problems[..], [Problem::Damaged(why)] if why.contains("object streams")),
            "{:?}",
            v.problems
        );
    }

    /// A file of `n` small objects with a classic cross-reference table.
    fn objects(n: usize) -> Vec<u8> {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::with_capacity(n);
        for k in 1..=n {
            offsets.push(pdf.len());
            pdf.extend(format!("{k} 0 obj\n<< /A {k} /B [1 2 3] >>\nendobj\n").as_bytes());
        }
        let xref = pdf.len();
        pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", n + 1).as_bytes());
        for offset in &offsets {
            pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
        }
        pdf.extend(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", n + 1).as_bytes());
        pdf
    }

    /// Parsing time grows with the number of objects (26 MB of them took 16 s in a debug build):
    /// past the bounds a file is refused before it is parsed; at them it is parsed.
    #[test]
    #[allow(clippy::print_stdout)] // what the bound answered, for the log
    fn a_file_of_countless_objects_or_bytes_is_refused_before_it_is_parsed() {
        let v = verify_pdf(&objects(MAX_OBJECTS + 1), &[]);
        assert!(matches!(&v.problems[..], [Problem::Damaged(why)] if why.ends_with(" objects")), "{:?}", v.problems);
        let started = std::time::Instant::now();
        let v = verify_pdf(&objects(MAX_OBJECTS), &[]);
        assert_eq!(v.problems, [Problem::Unsigned], "parsed, and found unsigned");
        println!("{MAX_OBJECTS} objects parsed in {:?}", started.elapsed());

        let mut huge = objects(1);
        huge.resize(MAX_REPORT_BYTES + 1, b' ');
        let v = verify_pdf(&huge, &[]);
        assert!(matches!(&v.problems[..], [Problem::Damaged(why)] if why.contains("larger than")), "{:?}", v.problems);
    }

    #[test]
    fn anything_but_a_pdf_gets_a_verdict() {
        for bytes in [&b""[..], b"hello", b"%PDF-", b"%PDF-1.7\n1 0 obj\n<<"] {
            let v = verify_pdf(bytes, &[]);
            assert!(!v.is_valid());
            assert!(!v.problems.is_empty(), "{bytes:?}");
        }
    }
}
