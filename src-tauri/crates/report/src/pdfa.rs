//! PDF/A-2b: what every report file carries so that an archive accepts it for the years an
//! agency keeps signed records — PDF 1.7, XMP metadata that names the conformance (`pdfaid`)
//! and repeats the document information, an sRGB output intent with its ICC profile embedded,
//! the document's language and title, and a file identifier. printpdf's own PDF/A support is
//! not used: it writes a CMYK print profile under the PDF/X key `GTS_PDFX` and misspells the
//! profile's key, so the files it calls PDF/A are not; here the finished file is amended with
//! lopdf instead. Fonts are embedded by printpdf (a subset of Noto Sans CJK); nothing here is
//! transparent, encrypted or scripted, which `tests/archival.rs` checks with each requirement.

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use time::OffsetDateTime;

use crate::error::{ReportError, Result};
use crate::sign::{pdf_date, text_string};

/// What the archive copy says about itself (the document information and its XMP twin).
#[derive(Clone, Debug)]
pub struct About {
    pub title: String,
    /// The organisation that issues the report.
    pub author: String,
    pub subject: String,
    /// A BCP 47 tag (`zh-CN`, `en`).
    pub lang: String,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
}

pub const PRODUCER: &str = "Interview Kiosk";

/// Makes `doc` (a report just written by printpdf) a PDF/A-2b file described by `about`.
pub fn conform(doc: &mut lopdf::Document, about: &About) -> Result<()> {
    doc.version = "1.7".into();
    let info_id = match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => id,
        Err(_) => {
            let id = doc.add_object(Dictionary::new());
            doc.trailer.set("Info", Object::Reference(id));
            id
        }
    };
    let info = doc.get_dictionary_mut(info_id).map_err(pdf)?;
    // printpdf leaves an empty PDF/X version (which makes readers call the file PDF/X) and
    // other keys the XMP would have to repeat; the information is written afresh.
    *info = Dictionary::from_iter([
        ("Title", text_string(&about.title)),
        ("Author", text_string(&about.author)),
        ("Subject", text_string(&about.subject)),
        ("Creator", text_string(PRODUCER)),
        ("Producer", text_string(PRODUCER)),
        ("CreationDate", Object::String(pdf_date(about.created).into_bytes(), StringFormat::Literal)),
        ("ModDate", Object::String(pdf_date(about.modified).into_bytes(), StringFormat::Literal)),
    ]);
    let metadata = doc.add_object(metadata_stream(about));
    let profile = doc.add_object(Stream::new(Dictionary::from_iter([("N", Object::Integer(3))]), srgb_profile()));
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        ("OutputConditionIdentifier", text_string("sRGB IEC61966-2.1")),
        ("Info", text_string("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(profile)),
    ]);
    let catalog = doc.catalog_mut().map_err(pdf)?;
    catalog.set("Lang", text_string(&about.lang));
    catalog.set("Metadata", Object::Reference(metadata));
    catalog.set("OutputIntents", Object::Array(vec![Object::Dictionary(intent)]));
    catalog.set("ViewerPreferences", Dictionary::from_iter([("DisplayDocTitle", Object::Boolean(true))]));
    catalog.remove(b"PieceInfo");
    if doc.trailer.get(b"ID").is_err() {
        let id = file_id(about);
        let id = Object::String(id.to_vec(), StringFormat::Hexadecimal);
        doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    }
    Ok(())
}

/// One element of the structure a screen reader follows: its tag (`H1`, `H2`, `H3`, `P`) and
/// the marked-content pieces that make it, as (page index, MCID).
#[derive(Clone, Debug)]
pub struct Element {
    pub tag: &'static str,
    pub parts: Vec<(usize, u32)>,
}

/// Tags `doc`: a structure tree with one `Document` element whose children are `elements` in
/// reading order, the parent tree that maps each page's MCIDs back to them, and `/MarkInfo`.
/// Everything drawn that is not in an element was drawn as an artifact (`layout.rs`).
pub fn tag(doc: &mut lopdf::Document, elements: &[Element]) -> Result<()> {
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let root = doc.new_object_id();
    let document = doc.new_object_id();
    let mut parents: Vec<Vec<Object>> = vec![Vec::new(); pages.len()];
    let mut kids = Vec::with_capacity(elements.len());
    for element in elements.iter().filter(|e| !e.parts.is_empty()) {
        let id = doc.new_object_id();
        let first = element.parts[0].0;
        let mut k = Vec::with_capacity(element.parts.len());
        for &(page, mcid) in &element.parts {
            let page_id = *pages.get(page).ok_or_else(|| ReportError::Pdf(format!("no page {page} to tag")))?;
            // On the element's own page an MCID alone; on a later page (a paragraph that runs
            // over), a marked-content reference naming the page.
            k.push(if page == first {
                Object::Integer(i64::from(mcid))
            } else {
                Object::Dictionary(Dictionary::from_iter([
                    ("Type", Object::Name(b"MCR".to_vec())),
                    ("Pg", Object::Reference(page_id)),
                    ("MCID", Object::Integer(i64::from(mcid))),
                ]))
            });
            let list = &mut parents[page];
            let at = mcid as usize;
            if list.len() <= at {
                list.resize(at + 1, Object::Null);
            }
            list[at] = Object::Reference(id);
        }
        let first_page = pages[first];
        doc.objects.insert(
            id,
            Object::Dictionary(Dictionary::from_iter([
                ("Type", Object::Name(b"StructElem".to_vec())),
                ("S", Object::Name(element.tag.as_bytes().to_vec())),
                ("P", Object::Reference(document)),
                ("Pg", Object::Reference(first_page)),
                ("K", Object::Array(k)),
            ])),
        );
        kids.push(Object::Reference(id));
    }
    doc.objects.insert(
        document,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"StructElem".to_vec())),
            ("S", Object::Name(b"Document".to_vec())),
            ("P", Object::Reference(root)),
            ("K", Object::Array(kids)),
        ])),
    );
    let nums: Vec<Object> = parents
        .into_iter()
        .enumerate()
        .flat_map(|(i, list)| [Object::Integer(i as i64), Object::Array(list)])
        .collect();
    doc.objects.insert(
        root,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"StructTreeRoot".to_vec())),
            ("K", Object::Reference(document)),
            ("ParentTree", Object::Dictionary(Dictionary::from_iter([("Nums", Object::Array(nums))]))),
            ("ParentTreeNextKey", Object::Integer(pages.len() as i64)),
        ])),
    );
    for (i, page) in pages.iter().enumerate() {
        let page = doc.get_dictionary_mut(*page).map_err(pdf)?;
        page.set("StructParents", Object::Integer(i as i64));
        // Annotations (the signature's widget) in the order of the structure.
        page.set("Tabs", Object::Name(b"S".to_vec()));
    }
    let catalog = doc.catalog_mut().map_err(pdf)?;
    catalog.set("StructTreeRoot", Object::Reference(root));
    catalog.set("MarkInfo", Dictionary::from_iter([("Marked", Object::Boolean(true))]));
    Ok(())
}

/// The modification date changes when the report is signed: the information and the XMP say
/// the same again.
pub fn restamp(doc: &mut lopdf::Document, modified: OffsetDateTime) -> Result<()> {
    let info_id = doc.trailer.get(b"Info").and_then(Object::as_reference).map_err(pdf)?;
    doc.get_dictionary_mut(info_id)
        .map_err(pdf)?
        .set("ModDate", Object::String(pdf_date(modified).into_bytes(), StringFormat::Literal));
    let metadata_id = doc.catalog().map_err(pdf)?.get(b"Metadata").and_then(Object::as_reference).map_err(pdf)?;
    let stream = doc.get_object_mut(metadata_id).and_then(Object::as_stream_mut).map_err(pdf)?;
    let xml = String::from_utf8(stream.content.clone()).map_err(|e| ReportError::Pdf(e.to_string()))?;
    let date = xmp_date(modified);
    let mut out = String::with_capacity(xml.len());
    for line in xml.lines() {
        let trimmed = line.trim_start();
        let replaced = ["xmp:ModifyDate", "xmp:MetadataDate"]
            .iter()
            .find(|tag| trimmed.starts_with(&format!("<{tag}>")))
            .map(|tag| format!("{}<{tag}>{date}</{tag}>", &line[..line.len() - trimmed.len()]));
        out.push_str(replaced.as_deref().unwrap_or(line));
        out.push('\n');
    }
    stream.set_content(out.into_bytes());
    Ok(())
}

fn pdf(error: lopdf::Error) -> ReportError {
    ReportError::Pdf(error.to_string())
}

/// XMP dates: ISO 8601 with the offset, the same instant as the information's `D:` dates
/// (written from them: `D:20261202100509+08'00'` → `2026-12-02T10:05:09+08:00`).
fn xmp_date(t: OffsetDateTime) -> String {
    let d = pdf_date(t);
    let d = d.trim_start_matches("D:");
    format!(
        "{}-{}-{}T{}:{}:{}{}:{}",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14],
        &d[14..17],
        &d[18..20]
    )
}

fn xml_escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The XMP packet: PDF/A-2 part and conformance, and the document information's twins.
fn metadata_stream(about: &About) -> Stream {
    let (title, author, subject) = (xml_escaped(&about.title), xml_escaped(&about.author), xml_escaped(&about.subject));
    let (created, modified) = (xmp_date(about.created), xmp_date(about.modified));
    let lang = xml_escaped(&about.lang);
    let xml = format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">
<rdf:Description rdf:about=\"\"
 xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"
 xmlns:dc=\"http://purl.org/dc/elements/1.1/\"
 xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"
 xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
<xmp:CreateDate>{created}</xmp:CreateDate>
<xmp:ModifyDate>{modified}</xmp:ModifyDate>
<xmp:MetadataDate>{modified}</xmp:MetadataDate>
<pdf:Producer>{PRODUCER}</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end=\"r\"?>"
    );
    Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xml.into_bytes(),
    )
    // Never compressed: an archive's tools read the packet as it stands.
    .with_compression(false)
}

/// A file identifier from what the file says about itself (the same report, the same id).
fn file_id(about: &About) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [&about.title, &about.author, &about.subject, &about.lang] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(about.created.unix_timestamp().to_be_bytes());
    let digest = hash.finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// An ICC v2 display profile of sRGB (IEC 61966-2-1): the D50-adapted colorants of the sRGB
/// primaries and the sRGB tone curve, sampled at 1024 points. Made here rather than shipped, so
/// the package carries no profile under another licence.
pub fn srgb_profile() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
        let mut out = b"XYZ \0\0\0\0".to_vec();
        for v in [x, y, z] {
            out.extend(s15(v));
        }
        out
    }
    let desc = {
        let text = b"sRGB IEC61966-2.1\0";
        let mut out = b"desc\0\0\0\0".to_vec();
        out.extend((text.len() as u32).to_be_bytes());
        out.extend(text);
        out.extend([0u8; 4 + 4 + 2 + 1 + 67]);
        out
    };
    let copyright = b"text\0\0\0\0No copyright, use freely\0".to_vec();
    let curve = {
        const POINTS: usize = 1024;
        let mut out = b"curv\0\0\0\0".to_vec();
        out.extend((POINTS as u32).to_be_bytes());
        for i in 0..POINTS {
            let v = i as f64 / (POINTS - 1) as f64;
            let linear = if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) };
            out.extend(((linear * 65535.0).round() as u16).to_be_bytes());
        }
        out
    };
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"cprt", copyright),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.436_065, 0.222_488, 0.013_916)),
        (b"gXYZ", xyz(0.385_147, 0.716_873, 0.097_076)),
        (b"bXYZ", xyz(0.143_066, 0.060_608, 0.714_096)),
        (b"rTRC", curve),
    ];
    // The three tone curves share one element.
    let shared = [b"gTRC", b"bTRC"];
    let count = tags.len() + shared.len();
    let mut data = Vec::new();
    let mut table = Vec::new();
    let mut offset = 128 + 4 + 12 * count;
    let mut curve_at = (0, 0);
    for (signature, element) in &tags {
        table.push((**signature, offset, element.len()));
        if *signature == b"rTRC" {
            curve_at = (offset, element.len());
        }
        data.extend(element);
        offset += element.len();
        while !data.len().is_multiple_of(4) {
            data.push(0);
            offset += 1;
        }
    }
    for signature in shared {
        table.push((*signature, curve_at.0, curve_at.1));
    }
    let size = 128 + 4 + 12 * count + data.len();
    let mut out = Vec::with_capacity(size);
    out.extend((size as u32).to_be_bytes());
    out.extend([0u8; 4]); // preferred CMM: none
    out.extend([0x02, 0x10, 0x00, 0x00]); // version 2.1
    out.extend(b"mntrRGB XYZ ");
    for part in [2026u16, 1, 1, 0, 0, 0] {
        out.extend(part.to_be_bytes());
    }
    out.extend(b"acsp");
    out.extend([0u8; 4 + 4 + 4 + 4 + 8]); // platform, flags, manufacturer, model, attributes
    out.extend(0u32.to_be_bytes()); // rendering intent: perceptual
    for v in [0.9642, 1.0, 0.8249] {
        out.extend(s15(v)); // the PCS illuminant, D50
    }
    out.extend([0u8; 4 + 16 + 28]); // creator, profile id, reserved
    out.extend((count as u32).to_be_bytes());
    for (signature, offset, len) in table {
        out.extend(signature);
        out.extend((offset as u32).to_be_bytes());
        out.extend((len as u32).to_be_bytes());
    }
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_srgb_profile_has_the_shape_an_icc_reader_expects() {
        let icc = srgb_profile();
        assert_eq!(u32::from_be_bytes(icc[..4].try_into().unwrap()) as usize, icc.len());
        assert_eq!(&icc[12..24], b"mntrRGB XYZ ");
        assert_eq!(&icc[36..40], b"acsp");
        let count = u32::from_be_bytes(icc[128..132].try_into().unwrap()) as usize;
        assert_eq!(count, 9);
        for i in 0..count {
            let entry = &icc[132 + 12 * i..144 + 12 * i];
            let offset = u32::from_be_bytes(entry[4..8].try_into().unwrap()) as usize;
            let len = u32::from_be_bytes(entry[8..12].try_into().unwrap()) as usize;
            assert!(offset.is_multiple_of(4) && offset + len <= icc.len(), "{:?}", &entry[..4]);
        }
    }

    #[test]
    fn xmp_dates_are_the_information_dates_instant() {
        let t = time::macros::datetime!(2026-12-02 10:05:09 +08:00);
        assert_eq!(xmp_date(t), "2026-12-02T10:05:09+08:00");
        assert_eq!(pdf_date(t), "D:20261202100509+08'00'");
    }
}
