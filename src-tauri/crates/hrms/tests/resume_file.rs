#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: a failed unwrap is a failed test
//! Résumé files made by the tests — a PDF with Chinese text written with an embedded font (as
//! word processors write them), a scanned PDF (one picture a page), DOCX files — read back; and
//! hostile files (compression bombs, damaged files, the wrong kind of file) refused with a clear
//! error in bounded time.

use std::io::Write;

use hrms::resume_file::{MAX_INFLATED, ResumeFileError, read_resume};
use interview::UserFacing;
use interview::resume::MAX_FREE_TEXT;

const RESUME_LINES: [&str; 3] =
    ["孙七 个人简历", "2019年起在区政务服务中心工作。曾带领一个五人团队完成业务系统迁移。", "技能：Excel、公文写作"];

/// A PDF with text, written with Noto Sans CJK embedded (the report's font, installed by set-up).
fn text_pdf(lines: &[&str]) -> Vec<u8> {
    use printpdf::*;
    let dirs = ["/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk"];
    let path = dirs
        .iter()
        .map(|d| std::path::Path::new(d).join("NotoSansCJK-Regular.ttc"))
        .find(|p| p.is_file())
        .expect("Noto Sans CJK (installer/setup.sh installs fonts-noto-cjk)");
    let font = ParsedFont::from_bytes(&std::fs::read(path).unwrap(), 2, &mut Vec::new()).unwrap();
    let mut doc = PdfDocument::new("简历");
    let id = doc.add_font(&font);
    let mut ops = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(id.clone()), size: Pt(12.0) },
            Op::SetTextCursor { pos: Point { x: Pt(72.0), y: Pt(760.0 - 20.0 * i as f32) } },
            Op::ShowText { items: vec![TextItem::Text((*line).to_owned())] },
            Op::EndTextSection,
        ]);
    }
    doc.with_pages(vec![PdfPage::new(Mm(210.0), Mm(297.0), ops)]);
    doc.save(&PdfSaveOptions { subset_fonts: true, ..Default::default() }, &mut Vec::new())
}

/// A PDF whose one page is a picture (a scanner's output): an 8×8 grey image, no text at all.
fn scanned_pdf() -> Vec<u8> {
    let content = "q 500 0 0 700 50 50 cm /Im1 Do Q";
    picture_page(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes())
}

/// A one-page PDF showing a picture, with `contents` as its content stream object.
fn picture_page(contents: Vec<u8>) -> Vec<u8> {
    let image = format!(
        "<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 64 >>\nstream\n{}\nendstream",
        "\u{7f}".repeat(64)
    );
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        image.into_bytes(),
        contents,
    ])
}

/// A PDF of these objects (1 0 obj first), with a correct cross-reference table.
fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(object);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// A DOCX whose body is `body` (WordprocessingML paragraphs).
fn docx(body: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    )
    .unwrap();
    zip.finish().unwrap().into_inner()
}

fn paragraph(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

#[test]
fn a_pdf_with_text_is_read_line_by_line() {
    let read = read_resume(&text_pdf(&RESUME_LINES)).unwrap();
    for line in RESUME_LINES {
        assert!(read.text.contains(line), "{line:?} missing from {:?}", read.text);
    }
    assert!(!read.truncated);
}

#[test]
fn a_scanned_pdf_is_told_apart_from_an_empty_resume() {
    let refused = read_resume(&scanned_pdf()).unwrap_err();
    assert_eq!(refused, ResumeFileError::NoText);
    assert_eq!(refused.code(), "resume_file.scanned");
    assert!(refused.user_message().en.contains("probably a scan"));
}

#[test]
fn a_docx_is_read_paragraph_by_paragraph_with_its_entities() {
    let body: String = RESUME_LINES.iter().map(|l| paragraph(l)).collect::<String>()
        + &paragraph("项目：窗口改造 &amp; 排队系统&#x4E00;期")
        + "<w:p><w:r><w:t>姓名</w:t><w:tab/><w:t>孙七</w:t></w:r></w:p>";
    let read = read_resume(&docx(&body)).unwrap();
    let lines: Vec<&str> = read.text.lines().collect();
    assert_eq!(&lines[..3], RESUME_LINES);
    assert_eq!(lines[3], "项目：窗口改造 & 排队系统一期");
    assert_eq!(lines[4], "姓名\t孙七");
    assert_eq!(read_resume(&docx("<w:p/>")).unwrap_err(), ResumeFileError::EmptyText);
}

#[test]
fn a_long_resume_is_cut_to_what_the_facts_keep_and_says_so() {
    let body: String = (0..50).map(|i| paragraph(&format!("{i:03}{}", "经".repeat(600)))).collect();
    let read = read_resume(&docx(&body)).unwrap();
    assert!(read.truncated);
    assert_eq!(read.text.chars().count(), MAX_FREE_TEXT);
}

#[test]
fn compression_bombs_are_refused_before_they_are_unpacked() {
    let started = std::time::Instant::now();
    // A DOCX whose document part unpacks past the cap (a few hundred KB compressed).
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..=(MAX_INFLATED >> 20) {
        zip.write_all(&chunk).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20, "the test's bomb is {} bytes", bomb.len());
    assert_eq!(read_resume(&bomb).unwrap_err(), ResumeFileError::Bomb);
    // A PDF whose page's content stream does the same.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..=(MAX_INFLATED >> 20) {
        z.write_all(&chunk).unwrap();
    }
    let packed = z.finish().unwrap();
    let mut contents = format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", packed.len()).into_bytes();
    contents.extend(&packed);
    contents.extend(b"\nendstream");
    let pdf = picture_page(contents);
    assert_eq!(read_resume(&pdf).unwrap_err(), ResumeFileError::Bomb);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[test]
fn damaged_and_foreign_files_are_clear_errors() {
    assert_eq!(read_resume(b"").unwrap_err(), ResumeFileError::Empty);
    assert_eq!(read_resume(b"GIF89a not a resume").unwrap_err(), ResumeFileError::UnknownFormat);
    assert!(matches!(read_resume(b"%PDF-1.7\ngarbage").unwrap_err(), ResumeFileError::Malformed { .. }));
    assert!(matches!(read_resume(b"PK\x03\x04garbage").unwrap_err(), ResumeFileError::Malformed { .. }));
    // A ZIP without a Word document (here an XLSX) is not a résumé.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "姓名").unwrap();
    assert_eq!(read_resume(&book.save_to_buffer().unwrap()).unwrap_err(), ResumeFileError::UnknownFormat);
    // Cut in half: whatever is left is refused or read, never a panic.
    let pdf = text_pdf(&RESUME_LINES);
    let _ = read_resume(&pdf[..pdf.len() / 2]);
    let doc = docx(&paragraph("孙七"));
    assert!(read_resume(&doc[..doc.len() / 2]).is_err());
    assert_eq!(read_resume(&vec![b'%'; hrms::resume_file::MAX_BYTES + 1]).unwrap_err(), ResumeFileError::TooLarge);
}
