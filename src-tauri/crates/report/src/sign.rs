//! PAdES baseline B-B signatures: a certification signature (DocMDP P=1, no changes permitted)
//! whose detached CMS SignedData (`ETSI.CAdES.detached`) covers the whole file but its own
//! hex string.
//!
//! The CMS is assembled from the RustCrypto ASN.1 types directly: SHA-256, ECDSA P-256, signed
//! attributes content-type, message-digest and ESS signing-certificate-v2; no signing-time
//! attribute (PAdES B-B takes the claimed time from the signature dictionary's `/M`). The
//! `/Contents` placeholder is sized to the CMS exactly — the signature is made with fresh
//! randomness until its DER form has the fixed length — so the hex string has no padding, and
//! every byte of the file is either covered by the digest or part of the signature container.

use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use ecdsa::signature::RandomizedSigner;
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use p256::ecdsa::DerSignature;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};

use crate::error::{ReportError, Result};
use crate::identity::SigningIdentity;

pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ATTR_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ATTR_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ATTR_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// The DER length every signature is brought to (r and s both 33 bytes). A quarter of ECDSA
/// P-256 signatures have it; the others are made again with fresh randomness.
const SIGNATURE_DER_LEN: usize = 72;

/// The placeholder the byte range is first written as; each number is rewritten in place.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// ESS signing-certificate-v2 (RFC 5035): binds the signature to the signer's certificate.
/// `hashAlgorithm` is left at its default, SHA-256; `issuerSerial` is optional and omitted.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct EssCertIdV2 {
    pub cert_hash: OctetString,
}

/// What the signature dictionary and the document's information say about the signing.
#[derive(Clone, Debug)]
pub struct SignRequest {
    pub report_id: String,
    pub signing_time: OffsetDateTime,
    /// The audit chain's checkpoint the report was made at, e.g. `#1234 9f86d081…`.
    pub audit_checkpoint: String,
    /// Where the visible signature block is drawn: page (0-based) and rectangle in points
    /// (x1, y1, x2, y2 from the page's lower left corner).
    pub block_page: usize,
    pub block_rect: [f32; 4],
}

/// Signs `unsigned` (a PDF just rendered) as a certification signature of `identity`.
pub fn sign_pdf(unsigned: &[u8], identity: &SigningIdentity, request: &SignRequest) -> Result<Vec<u8>> {
    let mut doc = lopdf::Document::load_mem(unsigned).map_err(|e| ReportError::Pdf(e.to_string()))?;
    let cms_len = cms_len(identity)?;

    let sig_id = doc.add_object(signature_dictionary(request, cms_len, identity));
    let page_id = *doc
        .get_pages()
        .get(&(request.block_page as u32 + 1))
        .ok_or_else(|| ReportError::Pdf(format!("no page {}", request.block_page + 1)))?;
    let [x1, y1, x2, y2] = request.block_rect;
    let appearance = doc.add_object(Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            ("BBox", Object::Array(vec![0.into(), 0.into(), (x2 - x1).into(), (y2 - y1).into()])),
        ]),
        Vec::new(),
    ));
    let widget = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"Widget".to_vec())),
        ("FT", Object::Name(b"Sig".to_vec())),
        ("T", Object::String(format!("Signature {}", request.report_id).into_bytes(), StringFormat::Literal)),
        ("V", Object::Reference(sig_id)),
        ("Rect", Object::Array(vec![x1.into(), y1.into(), x2.into(), y2.into()])),
        // Print + Locked
        ("F", Object::Integer(132)),
        ("P", Object::Reference(page_id)),
        ("AP", Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(appearance))]))),
    ]));
    add_annotation(&mut doc, page_id, widget)?;

    let catalog = doc.catalog_mut().map_err(|e| ReportError::Pdf(e.to_string()))?;
    catalog.set(
        "AcroForm",
        Dictionary::from_iter([
            ("Fields", Object::Array(vec![Object::Reference(widget)])),
            // SignaturesExist + AppendOnly
            ("SigFlags", Object::Integer(3)),
        ]),
    );
    catalog.set("Perms", Dictionary::from_iter([("DocMDP", Object::Reference(sig_id))]));
    set_info(&mut doc, request)?;
    crate::pdfa::restamp(&mut doc, request.signing_time)?;

    let mut out = Vec::with_capacity(unsigned.len() + 2 * cms_len + 4096);
    doc.save_to(&mut out).map_err(|e| ReportError::Pdf(e.to_string()))?;

    // Patch the byte range, then sign what it covers.
    let hex_start = find_placeholder_contents(&out, cms_len)?;
    let hex_end = hex_start + 2 * cms_len + 2;
    let range = [0, hex_start, hex_end, out.len() - hex_end];
    patch_byte_range(&mut out, range)?;
    let mut hasher = Sha256::new();
    hasher.update(&out[..hex_start]);
    hasher.update(&out[hex_end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let cms = cms_der(identity, &digest)?;
    if cms.len() != cms_len {
        return Err(ReportError::Cms(format!("container is {} bytes, its placeholder {cms_len}", cms.len())));
    }
    let hex = hex::encode_upper(&cms);
    out[hex_start + 1..hex_end - 1].copy_from_slice(hex.as_bytes());
    Ok(out)
}

fn signature_dictionary(request: &SignRequest, cms_len: usize, identity: &SigningIdentity) -> Dictionary {
    let placeholder = Object::Integer(BYTE_RANGE_PLACEHOLDER);
    Dictionary::from_iter([
        ("Type", Object::Name(b"Sig".to_vec())),
        ("Filter", Object::Name(b"Adobe.PPKLite".to_vec())),
        ("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec())),
        ("ByteRange", Object::Array(vec![0.into(), placeholder.clone(), placeholder.clone(), placeholder])),
        ("Contents", Object::String(vec![0; cms_len], StringFormat::Hexadecimal)),
        ("M", Object::String(pdf_date(request.signing_time).into_bytes(), StringFormat::Literal)),
        ("Name", text_string(&identity.subject())),
        (
            "Reason",
            text_string(&format!("面试报告 Interview report {} · {}", request.report_id, request.audit_checkpoint)),
        ),
        (
            "Reference",
            Object::Array(vec![Object::Dictionary(Dictionary::from_iter([
                ("Type", Object::Name(b"SigRef".to_vec())),
                ("TransformMethod", Object::Name(b"DocMDP".to_vec())),
                (
                    "TransformParams",
                    Object::Dictionary(Dictionary::from_iter([
                        ("Type", Object::Name(b"TransformParams".to_vec())),
                        // No changes permitted.
                        ("P", Object::Integer(1)),
                        ("V", Object::Name(b"1.2".to_vec())),
                    ])),
                ),
            ]))]),
        ),
    ])
}

fn add_annotation(doc: &mut lopdf::Document, page_id: ObjectId, widget: ObjectId) -> Result<()> {
    let page = doc.get_dictionary_mut(page_id).map_err(|e| ReportError::Pdf(e.to_string()))?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(annots)) => annots.push(Object::Reference(widget)),
        _ => page.set("Annots", Object::Array(vec![Object::Reference(widget)])),
    }
    Ok(())
}

/// The report id and checkpoint in the document information, where `verify` reads them (the
/// information dictionary is covered by the signature like everything else).
fn set_info(doc: &mut lopdf::Document, request: &SignRequest) -> Result<()> {
    let info_id = match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => id,
        Err(_) => {
            let id = doc.add_object(Dictionary::new());
            doc.trailer.set("Info", Object::Reference(id));
            id
        }
    };
    let info = doc.get_dictionary_mut(info_id).map_err(|e| ReportError::Pdf(e.to_string()))?;
    info.set("ReportId", Object::String(request.report_id.clone().into_bytes(), StringFormat::Literal));
    info.set("AuditCheckpoint", Object::String(request.audit_checkpoint.clone().into_bytes(), StringFormat::Literal));
    info.set("ModDate", Object::String(pdf_date(request.signing_time).into_bytes(), StringFormat::Literal));
    Ok(())
}

/// A PDF text string: PDFDocEncoding for ASCII, UTF-16BE with a byte-order mark otherwise.
pub(crate) fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::String(text.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xfe, 0xff];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Decodes a PDF text string (the inverse of [`text_string`]).
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    bytes.iter().map(|&b| b as char).collect()
}

/// `D:YYYYMMDDHHmmSS+HH'mm'`.
pub(crate) fn pdf_date(t: OffsetDateTime) -> String {
    let offset = t.offset();
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}

/// Where the zero-filled `/Contents` hex string starts (its `<`).
fn find_placeholder_contents(pdf: &[u8], cms_len: usize) -> Result<usize> {
    let mut needle = Vec::with_capacity(2 * cms_len + 2);
    needle.push(b'<');
    needle.resize(2 * cms_len + 1, b'0');
    needle.push(b'>');
    let mut found = pdf.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle.as_slice()).map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(at), None) => Ok(at),
        _ => Err(ReportError::Pdf("signature placeholder not found exactly once".into())),
    }
}

fn patch_byte_range(pdf: &mut [u8], range: [usize; 4]) -> Result<()> {
    let placeholder = format!("0 {BYTE_RANGE_PLACEHOLDER} {BYTE_RANGE_PLACEHOLDER} {BYTE_RANGE_PLACEHOLDER}");
    let at = pdf
        .windows(placeholder.len())
        .position(|w| w == placeholder.as_bytes())
        .ok_or_else(|| ReportError::Pdf("byte range placeholder not found".into()))?;
    let actual = format!("{} {} {} {}", range[0], range[1], range[2], range[3]);
    let padded = format!("{actual:<width$}", width = placeholder.len());
    pdf[at..at + placeholder.len()].copy_from_slice(padded.as_bytes());
    Ok(())
}

fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: None }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value]).map_err(ReportError::cms)? })
}

/// The signed attributes for a document digest, in their DER SET form order.
pub(crate) fn signed_attributes(identity: &SigningIdentity, digest: &[u8]) -> Result<SetOfVec<Attribute>> {
    let cert_hash = Sha256::digest(&identity.chain_der()[0]);
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 { cert_hash: OctetString::new(cert_hash.to_vec()).map_err(ReportError::cms)? }],
    };
    let attrs = vec![
        attribute(ATTR_CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(ReportError::cms)?)?,
        attribute(
            ATTR_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest).map_err(ReportError::cms)?).map_err(ReportError::cms)?,
        )?,
        attribute(ATTR_SIGNING_CERTIFICATE_V2, Any::encode_from(&ess).map_err(ReportError::cms)?)?,
    ];
    SetOfVec::try_from(attrs).map_err(ReportError::cms)
}

/// The DER ContentInfo(SignedData) for a document digest.
fn cms_der(identity: &SigningIdentity, digest: &[u8]) -> Result<Vec<u8>> {
    cms_der_with(identity, digest, true)
}

/// The container's size, which the placeholder must have: the same structure with a stand-in
/// signature of the fixed length (no signing needed).
fn cms_len(identity: &SigningIdentity) -> Result<usize> {
    Ok(cms_der_with(identity, &[0; 32], false)?.len())
}

fn cms_der_with(identity: &SigningIdentity, digest: &[u8], sign: bool) -> Result<Vec<u8>> {
    let signed_attrs = signed_attributes(identity, digest)?;
    let signature = if sign {
        let to_sign = signed_attrs.to_der().map_err(ReportError::cms)?;
        let mut rng = rand_core::OsRng;
        loop {
            let sig: DerSignature =
                identity.key().try_sign_with_rng(&mut rng, &to_sign).map_err(|_| ReportError::Signing)?;
            if sig.as_bytes().len() == SIGNATURE_DER_LEN {
                break sig.as_bytes().to_vec();
            }
        }
    } else {
        vec![0; SIGNATURE_DER_LEN]
    };
    let leaf = &identity.chain()[0];
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.tbs_certificate.issuer.clone(),
            serial_number: leaf.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: algorithm(ID_SHA256),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm(ECDSA_WITH_SHA256),
        signature: OctetString::new(signature).map_err(ReportError::cms)?,
        unsigned_attrs: None,
    };
    // The signing certificate (always, even when it is self-signed) and any intermediates, never
    // a separate self-signed root: a validator must find the root in its own trust store
    // (embedded, it would only be a hint that NSS ignores, so bytes in it could change unnoticed).
    let certificates = identity
        .chain()
        .iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || c.tbs_certificate.issuer != c.tbs_certificate.subject)
        .map(|(_, c)| CertificateChoices::Certificate(c.clone()))
        .collect::<Vec<_>>();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(ID_SHA256)]).map_err(ReportError::cms)?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates).map_err(ReportError::cms)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer]).map_err(ReportError::cms)?),
    };
    let info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(ReportError::cms)?,
    };
    info.to_der().map_err(ReportError::cms)
}

/// Parses a CMS ContentInfo back (used by verification).
pub(crate) fn parse_cms(der: &[u8]) -> std::result::Result<(ContentInfo, SignedData), der::Error> {
    let info = ContentInfo::from_der(der)?;
    let signed = info.content.decode_as::<SignedData>()?;
    Ok((info, signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_carry_the_offset() {
        let t = time::macros::datetime!(2026-12-02 10:05:09 +08:00);
        assert_eq!(pdf_date(t), "D:20261202100509+08'00'");
        let t = time::macros::datetime!(2026-01-31 23:59:59 -05:30);
        assert_eq!(pdf_date(t), "D:20260131235959-05'30'");
    }

    #[test]
    fn text_strings_round_trip() {
        for text in ["Report R-1", "面试报告 · 某市"] {
            let Object::String(bytes, _) = text_string(text) else { panic!() };
            assert_eq!(decode_text_string(&bytes), text);
        }
    }

    #[test]
    fn the_container_has_the_same_length_for_every_digest() {
        let id = SigningIdentity::generate("Test").unwrap();
        let lengths: std::collections::BTreeSet<usize> =
            (0..20u8).map(|i| cms_der(&id, &[i; 32]).unwrap().len()).collect();
        assert_eq!(lengths.len(), 1, "{lengths:?}");
        // The placeholder is sized without signing, and to the same length.
        assert_eq!(lengths.first().copied(), Some(cms_len(&id).unwrap()));
    }
}
