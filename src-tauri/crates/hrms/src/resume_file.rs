//! A résumé file a clerk attaches, read on this machine: PDF (lopdf, the PDF reader the report
//! verification already uses) or DOCX (its `word/document.xml`, through zip and quick-xml, the
//! parsers the XLSX import already uses). What comes out is the résumé's text, for the free text
//! of its facts; the clerk reads it on the candidate page and may edit it.
//!
//! The file is untrusted. It is bounded before any parser sees it — at most [`MAX_BYTES`];
//! every compressed stream of a PDF and the DOCX's document part are inflated with a cap
//! ([`MAX_INFLATED`] in all), so a compression bomb is refused, not unpacked; a parser's panic is
//! an error — and a PDF that holds no text (a scan: pages that are only pictures) is told apart
//! from an empty résumé, never read as one.

use std::io::Read;

use interview::Localized;
use interview::resume::MAX_FREE_TEXT;

/// The largest résumé file read.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most bytes a file's compressed parts may unpack to, together.
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// The most pages of a PDF read.
pub const MAX_PAGES: usize = 50;

/// A résumé's text as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeText {
    pub text: String,
    /// The text was longer than a résumé keeps (`MAX_FREE_TEXT` characters) and was cut.
    pub truncated: bool,
}

/// Why a résumé file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResumeFileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("compressed parts unpack to more than {MAX_INFLATED} bytes")]
    Bomb,
    #[error("not a PDF or DOCX file")]
    UnknownFormat,
    #[error("the PDF is encrypted")]
    Encrypted,
    #[error("unreadable {format}: {detail}")]
    Malformed { format: &'static str, detail: String },
    #[error("the PDF holds no text (its pages are pictures)")]
    NoText,
    #[error("the document holds no text")]
    EmptyText,
}

impl interview::UserFacing for ResumeFileError {
    fn code(&self) -> &'static str {
        match self {
            ResumeFileError::Empty | ResumeFileError::EmptyText => "resume_file.empty",
            ResumeFileError::TooLarge | ResumeFileError::Bomb => "resume_file.too_large",
            ResumeFileError::UnknownFormat => "resume_file.format",
            ResumeFileError::Encrypted => "resume_file.encrypted",
            ResumeFileError::Malformed { .. } => "resume_file.malformed",
            ResumeFileError::NoText => "resume_file.scanned",
        }
    }

    fn user_message(&self) -> Localized {
        match self {
            ResumeFileError::Empty => Localized::new("文件是空的。", "The file is empty."),
            ResumeFileError::EmptyText => Localized::new(
                "这份文档里没有文字，没有读入任何内容。",
                "The document holds no text; nothing was read.",
            ),
            ResumeFileError::TooLarge | ResumeFileError::Bomb => Localized::new(
                "简历文件过大（最多 10 MB，解压后最多 64 MB），没有读入。",
                "The résumé file is too large (at most 10 MB, 64 MB unpacked); nothing was read.",
            ),
            ResumeFileError::UnknownFormat => Localized::new(
                "只能读取 PDF 或 Word（.docx）格式的简历。旧版 .doc 请先另存为 .docx。",
                "Only PDF or Word (.docx) résumés can be read. Save an old .doc as .docx first.",
            ),
            ResumeFileError::Encrypted => Localized::new(
                "这份 PDF 有密码保护，无法读取。请取得未加密的文件。",
                "This PDF is password-protected and cannot be read. Ask for an unprotected copy.",
            ),
            ResumeFileError::Malformed { .. } => Localized::new(
                "文件已损坏或不是有效的 PDF/DOCX，没有读入。",
                "The file is damaged or not a valid PDF/DOCX; nothing was read.",
            ),
            ResumeFileError::NoText => Localized::new(
                "这份 PDF 里没有文字，可能是扫描件（每页都是图片）。本机不做文字识别：请照着简历填写简历信息，或取得可复制文字的文件。",
                "This PDF holds no text — probably a scan (every page a picture). This machine does not recognise text in pictures: type the résumé facts from it, or ask for a file whose text can be copied.",
            ),
        }
    }
}

/// Reads a résumé's text from PDF or DOCX bytes (recognised by their signatures).
pub fn read_resume(bytes: &[u8]) -> Result<ResumeText, ResumeFileError> {
    if bytes.is_empty() {
        return Err(ResumeFileError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(ResumeFileError::TooLarge);
    }
    let text = if bytes.starts_with(b"%PDF-") {
        guarded("PDF", || read_pdf(bytes))?
    } else if bytes.starts_with(b"PK\x03\x04") {
        guarded("DOCX", || read_docx(bytes))?
    } else {
        return Err(ResumeFileError::UnknownFormat);
    };
    let text = tidy(&text);
    if text.is_empty() {
        return Err(if bytes.starts_with(b"%PDF-") { ResumeFileError::NoText } else { ResumeFileError::EmptyText });
    }
    let truncated = text.chars().count() > MAX_FREE_TEXT;
    let text = if truncated { text.chars().take(MAX_FREE_TEXT).collect() } else { text };
    Ok(ResumeText { text, truncated })
}

/// A third-party parser's panic on a malformed file becomes an error, never a crash.
fn guarded(
    format: &'static str,
    read: impl FnOnce() -> Result<String, ResumeFileError>,
) -> Result<String, ResumeFileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err(ResumeFileError::Malformed { format, detail: "the reader failed".into() }))
}

/// Lines trimmed, runs of blank lines made one, control characters but new lines dropped.
fn tidy(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line: String = line.chars().filter(|c| !c.is_control() || *c == '\t').collect();
        let line = line.trim();
        if line.is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
        } else {
            out.push(line.to_owned());
        }
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

fn read_pdf(bytes: &[u8]) -> Result<String, ResumeFileError> {
    check_pdf_streams(bytes)?;
    let malformed = |e: lopdf::Error| ResumeFileError::Malformed { format: "PDF", detail: e.to_string() };
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) => ResumeFileError::Encrypted,
        other => malformed(other),
    })?;
    if doc.is_encrypted() {
        return Err(ResumeFileError::Encrypted);
    }
    let pages: Vec<u32> = doc.get_pages().keys().copied().take(MAX_PAGES).collect();
    let mut text = String::new();
    for page in pages {
        // A page whose text cannot be decoded is skipped, not the whole file.
        if let Ok(t) = doc.extract_text(&[page]) {
            text.push_str(&t);
            text.push('\n');
        }
        if text.chars().count() > MAX_FREE_TEXT * 2 {
            break;
        }
    }
    Ok(text)
}

/// Inflates every stream of the file as found in its bytes (a superset of the streams a reader
/// follows: each begins with the keyword `stream`) with one cap for all of them, before lopdf —
/// which inflates without a bound — is given the file.
fn check_pdf_streams(bytes: &[u8]) -> Result<(), ResumeFileError> {
    let mut budget = MAX_INFLATED;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"stream") {
        let mut start = at + found + b"stream".len();
        at = start;
        // `endstream` also contains `stream`; the data starts after an end of line.
        match bytes.get(start..start + 2) {
            Some(b"\r\n") => start += 2,
            Some([b'\n', _]) | Some([b'\r', _]) => start += 1,
            _ => continue,
        }
        let mut inflater = flate2::read::ZlibDecoder::new(&bytes[start..]).take(budget + 1);
        let mut sink = [0u8; 64 * 1024];
        let mut inflated = 0u64;
        loop {
            match inflater.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => inflated += n as u64,
            }
        }
        if inflated > budget {
            return Err(ResumeFileError::Bomb);
        }
        budget -= inflated;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn read_docx(bytes: &[u8]) -> Result<String, ResumeFileError> {
    let malformed = |detail: String| ResumeFileError::Malformed { format: "DOCX", detail };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| malformed(e.to_string()))?;
    let mut part = match archive.by_name("word/document.xml") {
        Ok(part) => part,
        // A ZIP without a Word document (an XLSX, an archive) is not a résumé we read.
        Err(zip::result::ZipError::FileNotFound) => return Err(ResumeFileError::UnknownFormat),
        Err(e) => return Err(malformed(e.to_string())),
    };
    if part.encrypted() {
        return Err(ResumeFileError::Encrypted);
    }
    // The declared size is the sender's word; the read is capped whatever it says.
    let mut xml = Vec::new();
    (&mut part).take(MAX_INFLATED + 1).read_to_end(&mut xml).map_err(|e| malformed(e.to_string()))?;
    if xml.len() as u64 > MAX_INFLATED {
        return Err(ResumeFileError::Bomb);
    }
    document_text(&xml).map_err(malformed)
}

/// The text of a WordprocessingML body: each paragraph (`w:p`) a line, tabs and breaks kept.
fn document_text(xml: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut text = String::new();
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| e.to_string())? {
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_text = true,
            Event::End(e) if e.local_name().as_ref() == b"t" => in_text = false,
            Event::End(e) if e.local_name().as_ref() == b"p" => text.push('\n'),
            Event::Empty(e) if e.local_name().as_ref() == b"tab" => text.push('\t'),
            Event::Empty(e) if matches!(e.local_name().as_ref(), b"br" | b"cr") => text.push('\n'),
            Event::Text(t) if in_text => {
                let piece = t.decode().map_err(|e| e.to_string())?;
                text.push_str(&quick_xml::escape::unescape(&piece).map_err(|e| e.to_string())?);
            }
            Event::GeneralRef(r) if in_text => {
                // An entity or character reference inside a text run (&amp;, &#x4E2D;).
                let name = r.decode().map_err(|e| e.to_string())?;
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| e.to_string())?.into_owned(),
                };
                text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
        if text.len() > MAX_FREE_TEXT * 8 {
            break;
        }
        buf.clear();
    }
    Ok(text)
}
