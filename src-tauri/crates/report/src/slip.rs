//! Access slips: what the clerk prints and hands to each candidate — the organisation, the
//! job, the one-time access code, when it is valid, and what to bring. Three slips to an A4
//! page with cut lines. Not signed: a slip proves nothing, the code in it is checked by the
//! vault at the kiosk.

use interview::Lang;
use time::{OffsetDateTime, UtcOffset};

use crate::error::Result;
use crate::layout::{CONTENT_W, MARGIN, Style, Writer};
use crate::text;

/// One candidate's slip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slip {
    pub candidate: String,
    pub job: String,
    /// As printed: `XXXX-XXXX`.
    pub code: String,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
    pub extra_time_pct: u32,
    pub identity_check: bool,
}

const SLIP_H: f32 = 236.0;

/// Renders the slips into one PDF (unsigned; it carries `batch` in its footer).
pub fn render_slips(
    organisation: &str,
    slips: &[Slip],
    lang: Lang,
    offset: UtcOffset,
    batch: &str,
    now: OffsetDateTime,
) -> Result<Vec<u8>> {
    let title = match lang {
        Lang::ZhCn => "面试准入凭条",
        Lang::En => "Interview access slips",
    };
    let mut w = Writer::new(title, lang)?;
    w.describe(&format!("{title} {batch}"), organisation);
    for (i, slip) in slips.iter().enumerate() {
        if i > 0 && i.is_multiple_of(3) {
            w.new_page();
        }
        let top = w.y;
        w.paragraph(organisation, Style::SMALL, 0.0);
        w.paragraph(title, Style::H2, 0.0);
        w.space(4.0);
        let (l_name, l_job, l_code, l_valid, l_extra) = match lang {
            Lang::ZhCn => ("姓名", "岗位", "准入码", "有效时间", "延长作答时间"),
            Lang::En => ("Name", "Position", "Access code", "Valid", "Extra answer time"),
        };
        let mut pairs = vec![
            (l_name.to_owned(), slip.candidate.clone()),
            (l_job.to_owned(), slip.job.clone()),
            (
                l_valid.to_owned(),
                format!(
                    "{} – {}",
                    text::date_time(slip.valid_from_ms, offset),
                    text::date_time(slip.valid_until_ms, offset)
                ),
            ),
        ];
        if slip.extra_time_pct > 0 {
            pairs.push((l_extra.to_owned(), format!("+{}%", slip.extra_time_pct)));
        }
        w.fields(&pairs);
        w.space(6.0);
        let code_style = Style { size: 26.0, bold: true, color: (0.05, 0.2, 0.4) };
        w.paragraph(&format!("{l_code}  {}", slip.code), code_style, 0.0);
        w.space(4.0);
        let steps = match (lang, slip.identity_check) {
            (Lang::ZhCn, true) => {
                "请按时到达面试室，在一体机上输入准入码，并输入身份证号码后四位核对身份。准入码仅可使用一次，请勿转交他人。"
            }
            (Lang::ZhCn, false) => "请按时到达面试室，在一体机上输入准入码。准入码仅可使用一次，请勿转交他人。",
            (Lang::En, true) => {
                "Come to the interview room in time, type the access code at the kiosk, then the last four characters of your ID number. The code works once; do not pass it on."
            }
            (Lang::En, false) => {
                "Come to the interview room in time and type the access code at the kiosk. The code works once; do not pass it on."
            }
        };
        w.paragraph(steps, Style::BODY, 0.0);
        // Pad to a fixed height so three slips share a page, then a cut line.
        let used = top - w.y;
        if used < SLIP_H {
            w.space(SLIP_H - used);
        }
        let y = w.y + 6.0;
        let mut x = MARGIN;
        while x < MARGIN + CONTENT_W {
            w.hline(x, (x + 6.0).min(MARGIN + CONTENT_W), y, (0.6, 0.6, 0.65), 0.5);
            x += 10.0;
        }
        w.space(6.0);
    }
    w.finish(batch, now, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slip(i: usize) -> Slip {
        Slip {
            candidate: format!("王小明{i}"),
            job: "政务服务窗口岗".into(),
            code: "ABCD-EFGH".into(),
            valid_from_ms: 1_800_000_000_000,
            valid_until_ms: 1_800_086_400_000,
            extra_time_pct: if i == 0 { 50 } else { 0 },
            identity_check: i.is_multiple_of(2),
        }
    }

    /// Four slips make two pages, and the text (code, name, job) is really in the PDF: checked
    /// by a real PDF reader (lopdf) extracting each page's text.
    #[test]
    fn slips_carry_the_code_and_three_fit_a_page() {
        let slips: Vec<Slip> = (0..4).map(slip).collect();
        let pdf =
            render_slips("某市政务服务中心", &slips, Lang::ZhCn, UtcOffset::UTC, "SLIPS-1", OffsetDateTime::UNIX_EPOCH)
                .unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        assert_eq!(pages.len(), 2);
        let first = doc.extract_text(&[pages[0]]).unwrap();
        for needle in ["ABCD-EFGH", "王小明0", "王小明2", "政务服务窗口岗", "+50%", "身份证号码后四位"]
        {
            assert!(first.contains(needle), "{needle} missing from page 1: {first}");
        }
        assert!(!first.contains("王小明3"));
        assert!(doc.extract_text(&[pages[1]]).unwrap().contains("王小明3"));
    }
}
