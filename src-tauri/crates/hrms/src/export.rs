//! Result export for the agency's HRMS: one row per interview (scores per dimension, total,
//! band, decision, status) as CSV, XLSX or JSON. A cell that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading
//! apostrophe, so an exported name like `=cmd|' /C calc'!A0` stays text.

use serde::Serialize;

/// One exported interview.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResultRow {
    pub candidate_id: i64,
    pub name: String,
    pub id_last4: Option<String>,
    pub job: String,
    pub interview_id: i64,
    pub status: String,
    /// Level per dimension, in the job's order (`None`: not scored).
    pub levels: Vec<(String, Option<f64>)>,
    pub total: Option<f64>,
    pub band: Option<String>,
    pub decision: Option<String>,
    pub report_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("writing the export: {0}")]
pub struct ExportError(String);

/// Neutralises spreadsheet formulas (OWASP "CSV injection"), also behind leading spaces.
pub fn safe_text(value: &str) -> String {
    if value.trim_start_matches(' ').starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// A CSV field: formula-safe, and quoted when it holds a separator of any locale (`,`, or `;`
/// where the decimal comma makes spreadsheets split on semicolons, or a tab), so no part of it
/// can become a cell of its own that starts a formula.
pub fn csv_cell(value: &str) -> String {
    let value = safe_text(value);
    if value.contains([',', ';', '\t', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn headers(rows: &[ResultRow]) -> Vec<String> {
    let mut h: Vec<String> =
        ["candidate_id", "name", "id_last4", "job", "interview_id", "status"].map(String::from).to_vec();
    if let Some(first) = rows.first() {
        h.extend(first.levels.iter().map(|(d, _)| d.clone()));
    }
    h.extend(["total", "band", "decision", "report_id"].map(String::from));
    h
}

fn cells(row: &ResultRow) -> Vec<String> {
    let num = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    let mut c = vec![
        row.candidate_id.to_string(),
        row.name.clone(),
        row.id_last4.clone().unwrap_or_default(),
        row.job.clone(),
        row.interview_id.to_string(),
        row.status.clone(),
    ];
    c.extend(row.levels.iter().map(|(_, l)| num(*l)));
    c.extend([
        num(row.total),
        row.band.clone().unwrap_or_default(),
        row.decision.clone().unwrap_or_default(),
        row.report_id.clone().unwrap_or_default(),
    ]);
    c
}

/// The export as bytes in `format`.
pub fn write(rows: &[ResultRow], format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Json => serde_json::to_vec_pretty(rows).map_err(|e| ExportError(e.to_string())),
        Format::Csv => {
            let mut out = String::from("\u{feff}");
            for line in std::iter::once(headers(rows)).chain(rows.iter().map(cells)) {
                out.push_str(&line.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
            Ok(out.into_bytes())
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (r, line) in std::iter::once(headers(rows)).chain(rows.iter().map(cells)).enumerate() {
                for (c, value) in line.iter().enumerate() {
                    // Strings only: nothing in an export is ever a formula.
                    sheet.write_string(r as u32, c as u16, safe_text(value)).map_err(|e| ExportError(e.to_string()))?;
                }
            }
            book.save_to_buffer().map_err(|e| ExportError(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> ResultRow {
        ResultRow {
            candidate_id: 1,
            name: name.into(),
            id_last4: Some("002X".into()),
            job: "窗口岗".into(),
            interview_id: 1,
            status: "scored".into(),
            levels: vec![("沟通能力".into(), Some(3.0)), ("应急处理".into(), None)],
            total: Some(32.5),
            band: Some("not_recommended".into()),
            decision: None,
            report_id: None,
        }
    }

    #[test]
    fn formulas_never_reach_a_spreadsheet() {
        for evil in ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\t=1", "  =1+1"] {
            assert!(safe_text(evil).starts_with('\''), "{evil}");
        }
        // Opened where `;` separates cells: the field stays one quoted cell.
        assert_eq!(csv_cell("张三;=cmd|' /C calc'!A0"), "\"张三;=cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("a\t=1"), "\"a\t=1\"");
        assert_eq!(safe_text("张三"), "张三");
        let csv = String::from_utf8(write(&[row("=HYPERLINK(\"http://x\")")], Format::Csv).unwrap()).unwrap();
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
        assert!(csv.starts_with("\u{feff}candidate_id,name,id_last4,job,interview_id,status,沟通能力,应急处理,total"));
        assert!(csv.contains(",3.0,,32.5,not_recommended,,\r\n"), "{csv}");
    }

    #[test]
    fn xlsx_and_json_round_trip() {
        use calamine::Reader;
        let bytes = write(&[row("=1+1")], Format::Xlsx).unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let name = range.get((1, 1)).unwrap().to_string();
        assert_eq!(name, "'=1+1");
        let json: serde_json::Value = serde_json::from_slice(&write(&[row("张三")], Format::Json).unwrap()).unwrap();
        assert_eq!(json[0]["levels"][0][0], "沟通能力");
    }
}
