//! Outcome import: what happened to hired people later, from the HRMS's own export (CSV in UTF-8
//! or GB18030, or XLSX — read by [`crate::import::read_table`] like the candidate import), one
//! record a row: the person's ID number, what kind of record (试用期 / 绩效 / 离职), its date,
//! the result, and optionally the rating scale. Rows are matched to a job's candidates by the
//! keyed hash of the ID number ([`vault::OutcomeLookup`]) and every row is checked before
//! anything is written: the file's own mistakes, and each record against the candidate's
//! decision day, the records already in the vault and those earlier in the file. Writing is the
//! vault's one transaction.

use std::collections::HashMap;

use interview::outcomes::{CivilDate, Outcome, OutcomeKind, OutcomeProblem, OutcomeRecord, RatingScale, check_record};
use serde::Serialize;
use vault::{NewOutcome, OutcomeLookup};

use crate::import::{ImportError, Table};

/// Which column holds what (0-based).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeMapping {
    pub id_number: Option<usize>,
    pub kind: Option<usize>,
    pub date: Option<usize>,
    pub result: Option<usize>,
    pub scale: Option<usize>,
}

const ID: &[&str] = &["身份证号", "身份证号码", "身份证", "证件号码", "id number", "id", "resident id"];
const KIND: &[&str] = &["类型", "结果类型", "事项", "记录类型", "type", "kind", "outcome"];
const DATE: &[&str] = &["日期", "时间", "发生日期", "考核日期", "date"];
const RESULT: &[&str] = &["结果", "考核结果", "等次", "考核等次", "result", "value", "rating"];
const SCALE: &[&str] = &["等级制", "考核等级制", "评定标准", "scale", "rating scale"];

impl OutcomeMapping {
    pub fn guess(headers: &[String]) -> OutcomeMapping {
        let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
        OutcomeMapping {
            id_number: find(ID),
            kind: find(KIND),
            date: find(DATE),
            result: find(RESULT),
            scale: find(SCALE),
        }
    }

    fn check(&self, columns: usize) -> Result<(), ImportError> {
        let required = [
            (self.id_number, "身份证号", "ID number"),
            (self.kind, "类型", "type"),
            (self.date, "日期", "date"),
            (self.result, "结果", "result"),
        ];
        if let Some((_, zh, en)) = required.iter().find(|(c, _, _)| c.is_none()) {
            return Err(ImportError::NoColumn { zh, en });
        }
        for column in [self.id_number, self.kind, self.date, self.result, self.scale].into_iter().flatten() {
            if column >= columns {
                return Err(ImportError::NoSuchColumn(column));
            }
        }
        Ok(())
    }
}

/// A row that can be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRow {
    /// 1-based line in the file, counting the header line.
    pub line: usize,
    pub outcome: NewOutcome,
}

/// What is wrong with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeRowError {
    pub line: usize,
    pub column: Option<String>,
    pub problem: OutcomeProblem,
}

/// The outcome of checking a whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckedOutcomes {
    pub good: Vec<OutcomeRow>,
    pub errors: Vec<OutcomeRowError>,
}

impl CheckedOutcomes {
    pub fn outcomes(&self) -> Vec<NewOutcome> {
        self.good.iter().map(|r| r.outcome).collect()
    }
}

/// Checks every row; `scale` is the rating scale of rows that do not name one.
pub fn check(
    table: &Table,
    mapping: &OutcomeMapping,
    scale: RatingScale,
    lookup: &OutcomeLookup,
) -> Result<CheckedOutcomes, ImportError> {
    let columns = table.headers.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    mapping.check(columns)?;
    let cell = |row: &[String], column: Option<usize>| -> Option<String> {
        column.and_then(|c| row.get(c)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    };
    let header = |column: Option<usize>| column.and_then(|c| table.headers.get(c)).cloned();
    // Records accepted from earlier rows, per candidate, on top of the vault's.
    let mut accepted: HashMap<i64, Vec<OutcomeRecord>> = HashMap::new();
    let mut out = CheckedOutcomes::default();
    for (index, row) in table.rows.iter().enumerate() {
        let line = index + 2;
        let mut fail = |column: Option<usize>, problem| {
            out.errors.push(OutcomeRowError { line, column: header(column), problem });
        };
        let Some(id) = cell(row, mapping.id_number).map(|s| s.to_ascii_uppercase()) else {
            fail(mapping.id_number, OutcomeProblem::MissingId);
            continue;
        };
        if interview::check_resident_id(&id).is_err() {
            fail(mapping.id_number, OutcomeProblem::InvalidId);
            continue;
        }
        let Some(target) = lookup.find(&id) else {
            fail(mapping.id_number, OutcomeProblem::UnknownCandidate);
            continue;
        };
        let Some(kind) = cell(row, mapping.kind).and_then(|k| OutcomeKind::parse(&k)) else {
            fail(mapping.kind, OutcomeProblem::UnknownKind);
            continue;
        };
        let Some(date) = cell(row, mapping.date).and_then(|d| CivilDate::parse(&d)) else {
            fail(mapping.date, OutcomeProblem::BadDate);
            continue;
        };
        let scale = match cell(row, mapping.scale) {
            Some(named) => match RatingScale::parse(&named) {
                Some(s) => s,
                None => {
                    fail(mapping.scale, OutcomeProblem::UnknownScale);
                    continue;
                }
            },
            None => scale,
        };
        let Some(outcome) = cell(row, mapping.result).and_then(|r| Outcome::read(kind, &r, scale)) else {
            fail(mapping.result, OutcomeProblem::UnknownResult { kind, scale });
            continue;
        };
        let record = OutcomeRecord { date, outcome };
        let earlier = accepted.entry(target.candidate_id).or_default();
        let existing: Vec<OutcomeRecord> = target.records.iter().chain(earlier.iter()).copied().collect();
        if let Err(problem) = check_record(target.decided, &existing, &record, lookup.today) {
            let column = match problem {
                OutcomeProblem::BeforeDecision { .. } | OutcomeProblem::InFuture => mapping.date,
                OutcomeProblem::NotDecided => mapping.id_number,
                _ => mapping.result,
            };
            fail(column, problem);
            continue;
        }
        earlier.push(record);
        out.good.push(OutcomeRow { line, outcome: NewOutcome { candidate_id: target.candidate_id, record } });
    }
    Ok(out)
}

/// The problem list as CSV (UTF-8 with a BOM), for the clerk to correct the file.
pub fn errors_csv(errors: &[OutcomeRowError]) -> String {
    let mut out = String::from("\u{feff}行 line,列 column,问题,problem\n");
    for e in errors {
        let m = e.problem.message();
        let column = e.column.as_deref().unwrap_or("");
        out.push_str(&format!(
            "{},{},{},{}\n",
            e.line,
            crate::export::csv_cell(column),
            crate::export::csv_cell(&m.zh_cn),
            crate::export::csv_cell(&m.en)
        ));
    }
    out
}
