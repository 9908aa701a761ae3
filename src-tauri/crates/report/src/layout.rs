//! A small A4 page writer on top of printpdf's operations: a cursor that flows down the page,
//! wrapped paragraphs (by character for Chinese, by word for Latin text, measured with the
//! font's own advances), tables, bars, a header on the first page, and on every page the footer
//! with the report id and "page i of n" — plus, for drafts, a watermark no one can miss.

use std::sync::OnceLock;

use interview::Lang;
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rect, Rgb, TextItem, TextMatrix, WindingOrder,
};

use crate::error::{ReportError, Result};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN: f32 = 48.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const TOP: f32 = PAGE_H - 48.0;
const BOTTOM: f32 = 56.0;

/// Where the fonts are looked for: `INTERVIEW_KIOSK_FONT_DIR` first, then Debian's
/// fonts-noto-cjk (a declared dependency of the package).
const FONT_DIRS: &[&str] =
    &["/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk"];
/// Face 2 of the Noto Sans CJK collections is Simplified Chinese (SC).
const SC_FACE: usize = 2;

pub struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts(Noto Sans CJK SC)")
    }
}

static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();

impl Fonts {
    /// The fonts, parsed once per process (a collection is ~19 MB).
    pub fn get() -> Result<&'static Fonts> {
        FONTS
            .get_or_init(|| Fonts::load().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|detail| ReportError::FontUnreadable { path: "Noto Sans CJK".into(), detail: detail.clone() })
    }

    fn load() -> Result<Fonts> {
        let mut dirs: Vec<std::path::PathBuf> = Vec::new();
        if let Some(dir) = std::env::var_os("INTERVIEW_KIOSK_FONT_DIR") {
            dirs.push(dir.into());
        }
        dirs.extend(FONT_DIRS.iter().map(std::path::PathBuf::from));
        let dir = dirs.iter().find(|d| d.join("NotoSansCJK-Regular.ttc").is_file()).ok_or_else(|| {
            ReportError::FontMissing {
                searched: dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
            }
        })?;
        let parse = |name: &str| -> Result<ParsedFont> {
            let path = dir.join(name);
            let bytes = std::fs::read(&path)
                .map_err(|e| ReportError::FontUnreadable { path: path.display().to_string(), detail: e.to_string() })?;
            ParsedFont::from_bytes(&bytes, SC_FACE, &mut Vec::new()).ok_or_else(|| ReportError::FontUnreadable {
                path: path.display().to_string(),
                detail: "not a font".into(),
            })
        };
        let regular = parse("NotoSansCJK-Regular.ttc")?;
        let bold =
            if dir.join("NotoSansCJK-Bold.ttc").is_file() { parse("NotoSansCJK-Bold.ttc")? } else { regular.clone() };
        Ok(Fonts { regular, bold })
    }

    /// The advance of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let font = if bold { &self.bold } else { &self.regular };
        let upem = f32::from(font.font_metrics.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .map(|g| u32::from(font.get_horizontal_advance(g)))
                    .unwrap_or(upem as u32 / 2)
            })
            .sum();
        units as f32 * size / upem
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: (f32, f32, f32),
}

impl Style {
    pub const BODY: Style = Style { size: 9.5, bold: false, color: (0.1, 0.1, 0.12) };
    pub const SMALL: Style = Style { size: 8.0, bold: false, color: (0.35, 0.35, 0.4) };
    pub const LABEL: Style = Style { size: 9.5, bold: true, color: (0.1, 0.1, 0.12) };
    pub const H1: Style = Style { size: 17.0, bold: true, color: (0.05, 0.2, 0.4) };
    pub const H2: Style = Style { size: 12.5, bold: true, color: (0.05, 0.2, 0.4) };
    pub const H3: Style = Style { size: 10.5, bold: true, color: (0.1, 0.1, 0.12) };

    pub fn with_color(self, color: (f32, f32, f32)) -> Style {
        Style { color, ..self }
    }
    pub fn line_height(self) -> f32 {
        self.size * 1.45
    }

    /// The structure tag of text in this style: the heading styles are headings; other text,
    /// however large (the total score), is a paragraph.
    fn tag(self) -> &'static str {
        let is = |heading: Style| self.bold == heading.bold && (self.size - heading.size).abs() < 0.01;
        if is(Style::H1) {
            "H1"
        } else if is(Style::H2) {
            "H2"
        } else if is(Style::H3) {
            "H3"
        } else {
            "P"
        }
    }
}

pub fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

/// A column of a table: its share of the width and whether it is right-aligned.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub width: f32,
    pub right: bool,
}

pub struct Page {
    pub ops: Vec<Op>,
}

/// The document being written.
pub struct Writer {
    fonts: &'static Fonts,
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<Page>,
    /// The cursor: the top of the next thing, in points from the bottom of the page.
    pub y: f32,
    lang: Lang,
    title: String,
    subject: String,
    author: String,
    /// The structure a screen reader follows: elements in reading order (the order they are
    /// drawn), each with its marked-content pieces (page, MCID).
    elements: Vec<crate::pdfa::Element>,
    /// The next MCID of each page.
    next_mcid: Vec<u32>,
    /// The element that text drawn now belongs to (a wrapped paragraph's lines, a table cell's).
    group: Option<usize>,
}

impl Writer {
    pub fn new(title: &str, lang: Lang) -> Result<Writer> {
        let fonts = Fonts::get()?;
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(&fonts.regular);
        let bold = doc.add_font(&fonts.bold);
        Ok(Writer {
            fonts,
            doc,
            regular,
            bold,
            pages: vec![Page { ops: Vec::new() }],
            y: TOP,
            lang,
            title: title.to_owned(),
            subject: String::new(),
            author: String::new(),
            elements: Vec::new(),
            next_mcid: vec![0],
            group: None,
        })
    }

    /// What the file says about itself beside its title (the archive copy's metadata): what it
    /// is, and the organisation that issues it.
    pub fn describe(&mut self, subject: &str, author: &str) {
        self.subject = subject.to_owned();
        self.author = author.to_owned();
    }

    pub fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages.last_mut().expect("a page").ops
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page { ops: Vec::new() });
        self.next_mcid.push(0);
        self.y = TOP;
    }

    /// Starts a structure element that the text drawn until [`Writer::end_element`] belongs to.
    fn begin_element(&mut self, tag: &'static str) {
        self.elements.push(crate::pdfa::Element { tag, parts: Vec::new() });
        self.group = Some(self.elements.len() - 1);
    }

    fn end_element(&mut self) {
        self.group = None;
    }

    /// Draws `ops` as an artifact: decoration a screen reader skips (rules, fills, bars).
    fn artifact(&mut self, ops: impl IntoIterator<Item = Op>) {
        let page = self.ops();
        page.push(Op::BeginMarkedContent { tag: "Artifact".into() });
        page.extend(ops);
        page.push(Op::EndMarkedContent);
    }

    /// Starts a new page unless `height` points still fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// Text at an absolute position (baseline at `y`), tagged: part of the current element, or
    /// an element of its own (a heading by its style, else a paragraph).
    pub fn text_at(&mut self, x: f32, y: f32, text: &str, style: Style) {
        let font = if style.bold { self.bold.clone() } else { self.regular.clone() };
        let page = self.pages.len() - 1;
        let mcid = self.next_mcid[page];
        self.next_mcid[page] += 1;
        let element = match self.group {
            Some(element) => element,
            None => {
                self.elements.push(crate::pdfa::Element { tag: style.tag(), parts: Vec::new() });
                self.elements.len() - 1
            }
        };
        self.elements[element].parts.push((page, mcid));
        let tag = self.elements[element].tag;
        let properties = printpdf::DictItem::Dict {
            map: std::collections::BTreeMap::from([("MCID".to_owned(), printpdf::DictItem::Int(i64::from(mcid)))]),
        };
        self.ops().extend([
            Op::BeginMarkedContentWithProperties { tag: tag.into(), properties },
            Op::StartTextSection,
            Op::SetFillColor { col: rgb(style.color) },
            Op::SetFont { font: PdfFontHandle::External(font), size: Pt(style.size) },
            Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
            Op::EndMarkedContent,
        ]);
    }

    pub fn width(&self, text: &str, style: Style) -> f32 {
        self.fonts.width(text, style.size, style.bold)
    }

    /// Breaks `text` into lines no wider than `width`: Chinese between any two characters, other
    /// scripts at spaces (a word longer than the line is broken where it must be).
    pub fn wrap(&self, text: &str, width: f32, style: Style) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for token in tokens(paragraph) {
                let w = self.width(&token, style);
                if line_w + w > width && !line.trim().is_empty() {
                    lines.push(line.trim_end().to_owned());
                    line = String::new();
                    line_w = 0.0;
                    if token == " " {
                        continue;
                    }
                }
                if w > width {
                    for c in token.chars() {
                        let cw = self.width(c.encode_utf8(&mut [0; 4]), style);
                        if line_w + cw > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                } else {
                    line.push_str(&token);
                    line_w += w;
                }
            }
            lines.push(line.trim_end().to_owned());
        }
        lines
    }

    /// A wrapped paragraph at the cursor, indented by `indent`.
    pub fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let lh = style.line_height();
        self.begin_element(style.tag());
        for line in self.wrap(text, CONTENT_W - indent, style) {
            self.ensure(lh);
            self.text_at(MARGIN + indent, self.y - style.size, &line, style);
            self.y -= lh;
        }
        self.end_element();
    }

    pub fn heading(&mut self, text: &str, style: Style) {
        // A heading never ends a page: it keeps at least a few lines of what follows with it.
        self.ensure(style.line_height() * 2.0 + 48.0);
        self.space(style.size * 0.6);
        self.paragraph(text, style, 0.0);
        if style.size >= Style::H2.size {
            let y = self.y + 2.0;
            self.hline(MARGIN, MARGIN + CONTENT_W, y, (0.75, 0.8, 0.88), 0.6);
            self.space(4.0);
        }
    }

    /// Label–value pairs in two columns per row.
    pub fn fields(&mut self, pairs: &[(String, String)]) {
        let col_w = CONTENT_W / 2.0;
        let widest = pairs.iter().map(|(l, _)| self.width(l, Style::LABEL)).fold(0.0, f32::max);
        let label_w = (widest + 12.0).clamp(60.0, 120.0);
        for row in pairs.chunks(2) {
            let mut height: f32 = 0.0;
            let wrapped: Vec<Vec<String>> =
                row.iter().map(|(_, v)| self.wrap(v, col_w - label_w - 8.0, Style::BODY)).collect();
            for w in &wrapped {
                height = height.max(w.len() as f32 * Style::BODY.line_height());
            }
            self.ensure(height);
            for (i, ((label, _), lines)) in row.iter().zip(&wrapped).enumerate() {
                let x = MARGIN + i as f32 * col_w;
                self.text_at(x, self.y - Style::BODY.size, label, Style::LABEL.with_color((0.35, 0.35, 0.42)));
                for (j, line) in lines.iter().enumerate() {
                    let y = self.y - Style::BODY.size - j as f32 * Style::BODY.line_height();
                    self.text_at(x + label_w, y, line, Style::BODY);
                }
            }
            self.y -= height + 2.0;
        }
    }

    /// The columns' widths in points: their shares of the line, except that a column whose
    /// longest word (an identifier such as `report:R-20261205-REWYFSDH`) would not fit takes
    /// the room it needs from columns that have more than theirs — a word is broken only when
    /// the line cannot hold all the columns' longest words side by side.
    fn column_widths(&self, columns: &[Column], header: &[String], rows: &[Vec<String>], pad: f32) -> Vec<f32> {
        let total: f32 = columns.iter().map(|c| c.width).sum();
        let shares: Vec<f32> = columns.iter().map(|c| c.width / total * CONTENT_W).collect();
        let need: Vec<f32> = (0..columns.len())
            .map(|i| {
                std::iter::once(header.get(i))
                    .chain(rows.iter().map(|r| r.get(i)))
                    .flatten()
                    .flat_map(|cell| cell.split('\n').flat_map(tokens))
                    .map(|word| self.width(&word, Style::SMALL))
                    .fold(0.0, f32::max)
                    + 2.0 * pad
                    + 0.5
            })
            .collect();
        let needed: f32 = need.iter().sum();
        if needed > CONTENT_W {
            return shares;
        }
        let wanted: Vec<f32> = shares.iter().zip(&need).map(|(s, n)| s.max(*n)).collect();
        let excess: f32 = wanted.iter().zip(&need).map(|(w, n)| w - n).sum();
        let over = wanted.iter().sum::<f32>() - CONTENT_W;
        if over <= 0.0 || excess <= 0.0 {
            return wanted;
        }
        let keep = (excess - over) / excess;
        wanted.iter().zip(&need).map(|(w, n)| n + (w - n) * keep).collect()
    }

    /// A table with a header row repeated on every page it spans.
    pub fn table(&mut self, columns: &[Column], header: &[String], rows: &[Vec<String>]) {
        let pad = 3.0;
        let widths = self.column_widths(columns, header, rows, pad);
        let lh = Style::SMALL.line_height();
        let draw_header = |w: &mut Writer| {
            let wrapped: Vec<Vec<String>> =
                header.iter().zip(&widths).map(|(h, cw)| w.wrap(h, cw - 2.0 * pad, Style::SMALL)).collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
            w.ensure(height + lh * 2.0);
            w.fill_rect(MARGIN, w.y - height, CONTENT_W, height, (0.9, 0.93, 0.97));
            w.cells(columns, &widths, &wrapped, Style::SMALL.with_color((0.1, 0.15, 0.3)), pad);
            w.y -= height;
        };
        draw_header(self);
        for (i, row) in rows.iter().enumerate() {
            let wrapped: Vec<Vec<String>> =
                row.iter().zip(&widths).map(|(c, cw)| self.wrap(c, cw - 2.0 * pad, Style::SMALL)).collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
            if self.y - height < BOTTOM {
                self.new_page();
                draw_header(self);
            }
            if i % 2 == 1 {
                self.fill_rect(MARGIN, self.y - height, CONTENT_W, height, (0.97, 0.97, 0.98));
            }
            self.cells(columns, &widths, &wrapped, Style::SMALL.with_color((0.1, 0.1, 0.12)), pad);
            self.y -= height;
        }
        self.hline(MARGIN, MARGIN + CONTENT_W, self.y, (0.8, 0.82, 0.86), 0.5);
        self.space(6.0);
    }

    fn cells(&mut self, columns: &[Column], widths: &[f32], wrapped: &[Vec<String>], style: Style, pad: f32) {
        let mut x = MARGIN;
        // A row is one element: a reader hears its cells in order, as one line of the table.
        self.begin_element("P");
        for ((col, w), lines) in columns.iter().zip(widths).zip(wrapped) {
            for (j, line) in lines.iter().enumerate() {
                let y = self.y - pad - style.size - j as f32 * style.line_height() + 1.0;
                let tx = if col.right { x + w - pad - self.width(line, style) } else { x + pad };
                self.text_at(tx, y, line, style);
            }
            x += w;
        }
        self.end_element();
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (f32, f32, f32)) {
        let rect = Self::rect(x, y, w, h, PaintMode::Fill);
        self.artifact([Op::SetFillColor { col: rgb(color) }, rect]);
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (f32, f32, f32), thickness: f32) {
        let rect = Self::rect(x, y, w, h, PaintMode::Stroke);
        self.artifact([Op::SetOutlineColor { col: rgb(color) }, Op::SetOutlineThickness { pt: Pt(thickness) }, rect]);
    }

    fn rect(x: f32, y: f32, w: f32, h: f32, mode: PaintMode) -> Op {
        Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(mode),
                winding_order: Some(WindingOrder::NonZero),
            },
        }
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, color: (f32, f32, f32), thickness: f32) {
        self.line(&[(x1, y), (x2, y)], color, thickness);
    }

    pub fn line(&mut self, points: &[(f32, f32)], color: (f32, f32, f32), thickness: f32) {
        self.artifact([
            Op::SetOutlineColor { col: rgb(color) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: points
                        .iter()
                        .map(|&(x, y)| LinePoint { p: Point { x: Pt(x), y: Pt(y) }, bezier: false })
                        .collect(),
                    is_closed: false,
                },
            },
        ]);
    }

    /// A PNG logo, scaled to `height` points, with its top left corner at (x, top).
    pub fn logo(&mut self, png: &[u8], x: f32, top: f32, height: f32) -> Option<f32> {
        let image = printpdf::RawImage::decode_from_bytes(png, &mut Vec::new()).ok()?;
        let (w, h) = (image.width as f32, image.height as f32);
        if w < 1.0 || h < 1.0 {
            return None;
        }
        let scale_h = height / h;
        let id = self.doc.add_image(&image);
        // The organisation's name is printed beside it: the logo is decoration.
        self.ops().push(Op::BeginMarkedContent { tag: "Artifact".into() });
        self.ops().push(Op::UseXobject {
            id,
            transform: printpdf::XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(top - height)),
                // At 72 dpi one pixel is one point.
                dpi: Some(72.0),
                scale_x: Some(scale_h),
                scale_y: Some(scale_h),
                ..Default::default()
            },
        });
        self.ops().push(Op::EndMarkedContent);
        Some(w * scale_h)
    }

    /// Finishes every page (footer, and the draft watermark when `draft` is set) and serialises
    /// as PDF/A-2b (`crate::pdfa`).
    pub fn finish(mut self, report_id: &str, created: time::OffsetDateTime, draft: Option<&str>) -> Result<Vec<u8>> {
        let n = self.pages.len();
        let lang = self.lang;
        for i in 0..n {
            let footer = match lang {
                Lang::ZhCn => format!("报告编号 {report_id}    第 {} 页，共 {n} 页", i + 1),
                Lang::En => format!("Report {report_id}    Page {} of {n}", i + 1),
            };
            let fonts = self.fonts;
            let page = &mut self.pages[i].ops;
            // The footer and the watermark are pagination and decoration: artifacts.
            let mut w = |x: f32, y: f32, text: &str, style: Style, font: &FontId| {
                page.extend([
                    Op::BeginMarkedContent { tag: "Artifact".into() },
                    Op::StartTextSection,
                    Op::SetFillColor { col: rgb(style.color) },
                    Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(style.size) },
                    Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } },
                    Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
                    Op::EndTextSection,
                    Op::EndMarkedContent,
                ]);
            };
            let fw = fonts.width(&footer, Style::SMALL.size, false);
            w(PAGE_W - MARGIN - fw, 30.0, &footer, Style::SMALL, &self.regular);
            if let Some(mark) = draft {
                let banner = Style { size: 9.0, bold: true, color: (0.75, 0.1, 0.1) };
                w(MARGIN, 30.0, mark, banner, &self.bold);
                // The diagonal watermark, drawn over the content in a light red.
                let big = Style { size: 64.0, bold: true, color: (0.95, 0.75, 0.75) };
                let word = match lang {
                    Lang::ZhCn => "草稿 DRAFT",
                    Lang::En => "DRAFT",
                };
                page.extend([
                    Op::BeginMarkedContent { tag: "Artifact".into() },
                    Op::StartTextSection,
                    Op::SetFillColor { col: rgb(big.color) },
                    Op::SetFont { font: PdfFontHandle::External(self.bold.clone()), size: Pt(big.size) },
                    Op::SetTextMatrix { matrix: TextMatrix::TranslateRotate(Pt(150.0), Pt(250.0), 45.0) },
                    Op::ShowText { items: vec![TextItem::Text(word.to_owned())] },
                    Op::EndTextSection,
                    Op::EndMarkedContent,
                ]);
            }
        }
        let date = printpdf::DateTime::from_unix_timestamp(created.unix_timestamp())
            .unwrap_or(self.doc.metadata.info.creation_date);
        self.doc.metadata.info.creation_date = date;
        self.doc.metadata.info.modification_date = date;
        self.doc.metadata.info.metadata_date = date;
        self.doc.metadata.info.identifier = report_id.to_owned();
        self.doc.metadata.info.producer = "Interview Kiosk".into();
        self.doc.metadata.info.creator = "Interview Kiosk".into();
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|p| PdfPage::new(Mm::from(Pt(PAGE_W)), Mm::from(Pt(PAGE_H)), p.ops))
            .collect();
        self.doc.with_pages(pages);
        let options = PdfSaveOptions { subset_fonts: true, optimize: true, ..Default::default() };
        let written = self.doc.save(&options, &mut Vec::new());
        let mut doc = lopdf::Document::load_mem(&written).map_err(|e| ReportError::Pdf(e.to_string()))?;
        let about = crate::pdfa::About {
            title: self.title.clone(),
            author: self.author,
            subject: self.subject,
            lang: lang.tag().to_owned(),
            created,
            modified: created,
        };
        crate::pdfa::tag(&mut doc, &self.elements)?;
        crate::pdfa::conform(&mut doc, &about)?;
        let mut out = Vec::with_capacity(written.len() + 8192);
        doc.save_to(&mut out).map_err(|e| ReportError::Pdf(e.to_string()))?;
        Ok(out)
    }
}

/// Splits text into what may not be broken: runs of non-CJK non-space characters (words),
/// single spaces, and single CJK characters (with closing punctuation kept on the same line).
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == ' ' || is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if is_closing_punctuation(c)
                && let Some(last) = out.last_mut()
            {
                last.push(c);
            } else {
                out.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

fn is_closing_punctuation(c: char) -> bool {
    "，。、；：？！）」』》”’".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_breaks_between_characters_and_keeps_punctuation_with_its_word() {
        let t = tokens("我们好，OK done");
        assert_eq!(t, ["我", "们", "好，", "OK", " ", "done"]);
    }
}
