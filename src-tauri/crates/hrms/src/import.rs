//! Candidate import from the agency's HRMS exports: CSV (UTF-8 or GB18030, comma or tab) and
//! XLSX. The file is read into a table, its columns are mapped (guessed from the headers, in
//! Chinese or English, and overridable), and every row is validated — required name, the
//! checksum of 18-character resident ID numbers, phone and e-mail formats, duplicates within the
//! file and (through a lookup the caller supplies) against the vault — before anything is
//! written. Writing is the caller's single transaction; this module does no I/O beyond parsing
//! the bytes it is given.

use interview::resume::{Education, ResumeFacts};
use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader};
use serde::Serialize;

/// The largest file accepted (an HRMS export of 100,000 candidates is a few MB).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most rows accepted in one import.
pub const MAX_ROWS: usize = 200_000;
/// The most columns a sheet may use (an HRMS export has a handful; a cell far to the right is a
/// hostile or broken file, not data).
pub const MAX_COLUMNS: usize = 256;
/// The most cells a sheet may span once its rows are laid out (rows × the columns each uses):
/// what bounds the memory an XLSX file can make the reader take, whatever its cell references.
pub const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the file has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("a cell lies beyond column {MAX_COLUMNS}, or the sheet spans more than {MAX_CELLS} cells")]
    TooWide,
    #[error("the text is neither UTF-8 nor GB18030")]
    Encoding,
    #[error("CSV: {0}")]
    Csv(String),
    #[error("XLSX: {0}")]
    Xlsx(String),
    #[error("no column for the candidate's name (looked for 姓名 / name)")]
    NoNameColumn,
    #[error("column {0} does not exist")]
    NoSuchColumn(usize),
    #[error("no column for the {en}")]
    NoColumn { zh: &'static str, en: &'static str },
}

impl interview::UserFacing for ImportError {
    fn code(&self) -> &'static str {
        match self {
            ImportError::Empty => "import.empty",
            ImportError::TooLarge => "import.too_large",
            ImportError::TooManyRows => "import.too_many_rows",
            ImportError::TooWide => "import.too_wide",
            ImportError::Encoding => "import.encoding",
            ImportError::Csv(_) => "import.csv",
            ImportError::Xlsx(_) => "import.xlsx",
            ImportError::NoNameColumn => "import.no_name_column",
            ImportError::NoSuchColumn(_) => "import.no_such_column",
            ImportError::NoColumn { .. } => "import.no_column",
        }
    }

    fn user_message(&self) -> interview::Localized {
        use interview::Localized as L;
        match self {
            ImportError::Empty => L::new("文件是空的，没有导入任何内容。", "The file is empty; nothing was imported."),
            ImportError::TooLarge => L::new(
                "文件太大（超过 64 MB），没有导入任何内容。请分批导入。",
                "The file is too large (over 64 MB); nothing was imported. Import it in parts.",
            ),
            ImportError::TooManyRows => L::new(
                "文件超过 200,000 行，没有导入任何内容。请分批导入。",
                "The file has more than 200,000 rows; nothing was imported. Import it in parts.",
            ),
            ImportError::TooWide => L::new(
                "表格中有单元格远在第 256 列之后（或表格范围过大），不像候选人名单，没有导入任何内容。请删除多余的列后再导入。",
                "The sheet has cells far beyond column 256 (or spans too many cells); it does not look like a candidate list, and nothing was imported. Remove the extra columns and import again.",
            ),
            ImportError::Encoding => L::new(
                "无法识别文件编码（支持 UTF-8 和 GB18030/GBK），没有导入任何内容。",
                "The file's text encoding is not recognised (UTF-8 and GB18030/GBK are supported); nothing was imported.",
            ),
            ImportError::Csv(_) => L::new(
                "CSV 文件格式有误（例如引号不成对或行被截断），没有导入任何内容。",
                "The CSV file is malformed (for example an unclosed quote or a cut-off line); nothing was imported.",
            ),
            ImportError::Xlsx(_) => L::new(
                "Excel 文件无法读取（文件损坏或不是 .xlsx），没有导入任何内容。",
                "The Excel file cannot be read (damaged, or not .xlsx); nothing was imported.",
            ),
            ImportError::NoNameColumn => L::new(
                "找不到“姓名”列。请在列对应中指定哪一列是姓名。",
                "No name column was found. Say in the column mapping which column holds the name.",
            ),
            ImportError::NoSuchColumn(c) => {
                L::new(format!("第 {} 列不存在。", c + 1), format!("Column {} does not exist.", c + 1))
            }
            ImportError::NoColumn { zh, en } => L::new(
                format!("找不到“{zh}”列，没有导入任何内容。请在列对应中指定。"),
                format!(
                    "No {en} column was found; nothing was imported. Say in the column mapping which column holds it."
                ),
            ),
        }
    }
}

/// The file as a table of text cells, its first row the headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads CSV or XLSX bytes (XLSX is recognised by its ZIP signature).
pub fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooLarge);
    }
    let mut rows = if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes)? } else { read_csv(bytes)? };
    rows.retain(|row| row.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    if rows.len() > MAX_ROWS + 1 {
        return Err(ImportError::TooManyRows);
    }
    let headers = rows.remove(0).into_iter().map(|h| h.trim().to_owned()).collect();
    Ok(Table { headers, rows })
}

fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors { Err(ImportError::Encoding) } else { Ok(text.into_owned()) }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let text = decode(bytes)?;
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches('\t').count() > first.matches(',').count() { b'\t' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Csv(e.to_string()))?;
        rows.push(record.iter().map(str::to_owned).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(ImportError::TooManyRows);
        }
    }
    // A quote left open runs to the end of the file: the csv crate accepts that silently.
    if text.matches('"').count() % 2 == 1 {
        return Err(ImportError::Csv("unbalanced quotes".into()));
    }
    Ok(rows)
}

/// calamine is a third-party parser fed untrusted files: a panic in it (the fuzzer found an
/// arithmetic overflow on an absurdly long cell reference, calamine 0.31 `xlsx/mod.rs`) becomes
/// a clear error, never a crash.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    std::panic::catch_unwind(|| read_xlsx_unguarded(bytes))
        .unwrap_or_else(|_| Err(ImportError::Xlsx("the XLSX reader failed on a malformed part".into())))
}

/// Reads the first sheet cell by cell. Never through calamine's `Range`: that allocates the
/// rectangle between the first and the last cell reference, so a 1.6 KB file with cells at A1
/// and XFD1048576 asked for 512 GiB and aborted the process (an abort `catch_unwind` cannot
/// catch). Rows are kept as long as their own last cell, like a ragged CSV, and the span is
/// bounded by [`MAX_ROWS`], [`MAX_COLUMNS`] and [`MAX_CELLS`] before anything is allocated.
fn read_xlsx_unguarded(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let xlsx = |e: calamine::XlsxError| ImportError::Xlsx(e.to_string());
    let mut book = calamine::Xlsx::new(Cursor::new(bytes.to_vec())).map_err(xlsx)?;
    let first = book.sheet_names().into_iter().next().ok_or_else(|| ImportError::Xlsx("no worksheet".into()))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(xlsx)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut spanned = 0usize;
    while let Some(cell) = cells.next_cell().map_err(xlsx)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row > MAX_ROWS {
            return Err(ImportError::TooManyRows);
        }
        if column >= MAX_COLUMNS {
            return Err(ImportError::TooWide);
        }
        let text = cell_text(Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let line = &mut rows[row];
        if line.len() <= column {
            spanned += column + 1 - line.len();
            if spanned > MAX_CELLS {
                return Err(ImportError::TooWide);
            }
            line.resize(column + 1, String::new());
        }
        line[column] = text;
    }
    // A table that starts to the right of column A reads as if it started there (as calamine's
    // range did), so headers are the table's, not empty columns before it.
    let first_column = rows.iter().filter_map(|r| r.iter().position(|c| !c.is_empty())).min().unwrap_or(0);
    if first_column > 0 {
        for row in &mut rows {
            row.drain(..first_column.min(row.len()));
        }
    }
    Ok(rows)
}

fn cell_text(cell: Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        // ID numbers typed as numbers lose nothing up to 15 digits; longer ones must be text.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        // A date cell is its serial day number (what `CivilDate::parse` reads), never a
        // display format this reader would have to guess.
        Data::DateTime(d) => format!("{}", d.as_f64()),
        other => other.to_string(),
    }
}

/// Which column holds what (0-based).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Mapping {
    pub name: Option<usize>,
    pub id_number: Option<usize>,
    pub phone: Option<usize>,
    pub email: Option<usize>,
    pub group: Option<usize>,
    /// Résumé facts (see [`interview::resume::ResumeFacts`]); lists are split at 、，,;； and |.
    pub education: Option<usize>,
    pub major: Option<usize>,
    pub years: Option<usize>,
    pub employers: Option<usize>,
    pub roles: Option<usize>,
    pub skills: Option<usize>,
    pub resume_text: Option<usize>,
}

const EDUCATION: &[&str] = &["学历", "最高学历", "education", "degree"];
const MAJOR: &[&str] = &["专业", "所学专业", "major", "field of study"];
const YEARS: &[&str] = &["工作年限", "工龄", "工作经验", "years of experience", "experience", "years"];
const EMPLOYERS: &[&str] = &["工作单位", "曾任职单位", "曾就职单位", "employers", "employer", "former employers"];
const ROLES: &[&str] = &["职务", "曾任职务", "担任职务", "roles", "role", "positions held"];
const SKILLS: &[&str] = &["技能", "专长", "技能特长", "skills"];
const RESUME_TEXT: &[&str] =
    &["工作经历", "项目经历", "简历", "个人简历", "work history", "projects", "resume", "résumé"];

const NAME: &[&str] = &["姓名", "名字", "name", "full name", "candidate"];
const ID: &[&str] = &["身份证号", "身份证号码", "身份证", "证件号码", "id number", "id", "resident id"];
const PHONE: &[&str] = &["手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile", "telephone"];
const EMAIL: &[&str] = &["邮箱", "电子邮箱", "电子邮件", "email", "e-mail"];
const GROUP: &[&str] = &["分组", "组别", "批次", "group", "batch"];

impl Mapping {
    /// Guesses the mapping from the headers.
    pub fn guess(headers: &[String]) -> Mapping {
        let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
        Mapping {
            name: find(NAME),
            id_number: find(ID),
            phone: find(PHONE),
            email: find(EMAIL),
            group: find(GROUP),
            education: find(EDUCATION),
            major: find(MAJOR),
            years: find(YEARS),
            employers: find(EMPLOYERS),
            roles: find(ROLES),
            skills: find(SKILLS),
            resume_text: find(RESUME_TEXT),
        }
    }

    /// Every mapped column, the name's first.
    fn columns(&self) -> impl Iterator<Item = usize> {
        [
            self.name,
            self.id_number,
            self.phone,
            self.email,
            self.group,
            self.education,
            self.major,
            self.years,
            self.employers,
            self.roles,
            self.skills,
            self.resume_text,
        ]
        .into_iter()
        .flatten()
    }

    fn check(&self, columns: usize) -> Result<(), ImportError> {
        self.name.ok_or(ImportError::NoNameColumn)?;
        for column in self.columns() {
            if column >= columns {
                return Err(ImportError::NoSuchColumn(column));
            }
        }
        Ok(())
    }
}

/// A row that passed validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateRow {
    /// 1-based line in the file, counting the header line.
    pub line: usize,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub group: Option<String>,
    /// Résumé facts, when any résumé column of the row has something.
    pub resume: Option<ResumeFacts>,
}

/// What is wrong with one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    MissingName,
    NameTooLong,
    InvalidIdNumber,
    InvalidPhone,
    InvalidEmail,
    DuplicateInFile,
    AlreadyInVault,
    UnknownEducation,
    InvalidYears,
    ResumeInvalid,
}

impl RowProblem {
    pub fn message(self) -> interview::Localized {
        use interview::Localized as L;
        match self {
            RowProblem::MissingName => L::new("缺少姓名", "name missing"),
            RowProblem::NameTooLong => L::new(
                "姓名无效（超过 100 个字符或含控制字符）",
                "name longer than 100 characters or holding control characters",
            ),
            RowProblem::InvalidIdNumber => {
                L::new("身份证号无效（位数或校验位不对）", "ID number invalid (length or check digit)")
            }
            RowProblem::InvalidPhone => L::new("电话号码格式不对", "phone number malformed"),
            RowProblem::InvalidEmail => L::new("邮箱格式不对", "e-mail address malformed"),
            RowProblem::DuplicateInFile => L::new("与文件中前面的行重复", "duplicates an earlier row of the file"),
            RowProblem::AlreadyInVault => {
                L::new("该岗位已有此身份证号的候选人", "a candidate with this ID number is already in this job")
            }
            RowProblem::UnknownEducation => L::new(
                "学历无法识别（可填：高中、中专、大专、本科、硕士、博士）",
                "education not recognised (secondary, associate, bachelor, master, doctorate)",
            ),
            RowProblem::InvalidYears => L::new(
                "工作年限应为 0 到 60 之间的数字（如 5 或 5年）",
                "years of experience must be a number from 0 to 60",
            ),
            RowProblem::ResumeInvalid => L::new(
                "简历信息过长（每项最多 200 字，正文最多 20000 字，每类最多 50 项）或含控制字符",
                "résumé facts too long (200 characters an entry, 20,000 for the text, 50 entries a list) or holding control characters",
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: Option<String>,
    pub problem: RowProblem,
}

/// The outcome of validating a whole table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub good: Vec<CandidateRow>,
    pub errors: Vec<RowError>,
}

/// Validates every row. `in_vault` says whether a (normalised, upper-case) ID number is already
/// a candidate of the job.
pub fn check(table: &Table, mapping: &Mapping, in_vault: &mut dyn FnMut(&str) -> bool) -> Result<Checked, ImportError> {
    let columns = table.headers.len().max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    mapping.check(columns)?;
    let cell = |row: &[String], column: Option<usize>| -> Option<String> {
        column.and_then(|c| row.get(c)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    };
    let header = |column: Option<usize>| column.and_then(|c| table.headers.get(c)).cloned();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_name_phone: HashMap<(String, String), usize> = HashMap::new();
    let mut out = Checked::default();
    for (index, row) in table.rows.iter().enumerate() {
        let line = index + 2;
        let mut problems: Vec<(Option<usize>, RowProblem)> = Vec::new();
        let name = cell(row, mapping.name);
        let id_number = cell(row, mapping.id_number).map(|s| s.to_ascii_uppercase());
        let phone = cell(row, mapping.phone);
        let email = cell(row, mapping.email);
        match &name {
            None => problems.push((mapping.name, RowProblem::MissingName)),
            Some(n) if interview::check_candidate_name(n).is_err() => {
                problems.push((mapping.name, RowProblem::NameTooLong))
            }
            _ => {}
        }
        if let Some(id) = &id_number {
            if interview::check_resident_id(id).is_err() {
                problems.push((mapping.id_number, RowProblem::InvalidIdNumber));
            } else if seen_ids.insert(id.clone(), line).is_some() {
                problems.push((mapping.id_number, RowProblem::DuplicateInFile));
            } else if in_vault(id) {
                problems.push((mapping.id_number, RowProblem::AlreadyInVault));
            }
        }
        if let Some(p) = &phone
            && interview::check_phone(p).is_err()
        {
            problems.push((mapping.phone, RowProblem::InvalidPhone));
        }
        if let Some(e) = &email
            && interview::check_email(e).is_err()
        {
            problems.push((mapping.email, RowProblem::InvalidEmail));
        }
        if id_number.is_none()
            && let (Some(n), Some(p)) = (&name, &phone)
            && seen_name_phone.insert((n.clone(), p.clone()), line).is_some()
        {
            problems.push((mapping.name, RowProblem::DuplicateInFile));
        }
        let resume = resume_of(row, mapping, &mut problems);
        if problems.is_empty() {
            out.good.push(CandidateRow {
                line,
                name: name.unwrap_or_default(),
                id_number,
                phone,
                email,
                group: cell(row, mapping.group),
                resume,
            });
        } else {
            out.errors.extend(problems.into_iter().map(|(column, problem)| RowError {
                line,
                column: header(column),
                problem,
            }));
        }
    }
    Ok(out)
}

/// A row's résumé facts (none when every résumé column is blank), each problem added to
/// `problems`.
fn resume_of(
    row: &[String],
    mapping: &Mapping,
    problems: &mut Vec<(Option<usize>, RowProblem)>,
) -> Option<ResumeFacts> {
    let cell = |row: &[String], column: Option<usize>| -> Option<String> {
        column.and_then(|c| row.get(c)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    };
    let list = |column| cell(row, column).map(|c| ResumeFacts::split_list(&c)).unwrap_or_default();
    let education = cell(row, mapping.education);
    let years = cell(row, mapping.years);
    let facts = ResumeFacts {
        education: education.as_deref().and_then(Education::parse),
        major: cell(row, mapping.major),
        years: years.as_deref().and_then(ResumeFacts::parse_years),
        employers: list(mapping.employers),
        roles: list(mapping.roles),
        skills: list(mapping.skills),
        text: cell(row, mapping.resume_text).unwrap_or_default(),
    };
    if education.is_some() && facts.education.is_none() {
        problems.push((mapping.education, RowProblem::UnknownEducation));
    }
    if years.is_some() && facts.years.is_none() {
        problems.push((mapping.years, RowProblem::InvalidYears));
    }
    match facts.normalised() {
        Ok(facts) if facts.is_empty() => None,
        Ok(facts) => Some(facts),
        Err(_) => {
            problems.push((mapping.resume_text.or(mapping.skills), RowProblem::ResumeInvalid));
            None
        }
    }
}

/// The error list as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese), for the
/// clerk to download and correct the file.
pub fn errors_csv(errors: &[RowError]) -> String {
    let mut out = String::from("\u{feff}行 line,列 column,问题,problem\n");
    for e in errors {
        let m = e.problem.message();
        let column = e.column.as_deref().unwrap_or("");
        out.push_str(&format!("{},{},{},{}\n", e.line, crate::export::csv_cell(column), m.zh_cn, m.en));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_ID: &str = "11010519491231002X";

    fn table(csv: &str) -> Table {
        read_table(csv.as_bytes()).unwrap()
    }

    #[test]
    fn reads_utf8_with_bom_gb18030_and_tabs() {
        let t = read_table("\u{feff}姓名,身份证号\n张三,11010519491231002X\n".as_bytes()).unwrap();
        assert_eq!(t.headers, ["姓名", "身份证号"]);
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名\t手机\n李四\t13800000000\n");
        let t = read_table(&gbk).unwrap();
        assert_eq!((t.headers[1].as_str(), t.rows[0][0].as_str()), ("手机", "李四"));
        assert_eq!(read_table(b"").unwrap_err(), ImportError::Empty);
        assert_eq!(read_table(b"\n\n  \n").unwrap_err(), ImportError::Empty);
        assert_eq!(read_table(&[0xff, 0xfe, 0x81, 0x20, 0x81]).unwrap_err(), ImportError::Encoding);
        assert!(matches!(read_table(b"name\n\"unclosed,1\n").unwrap_err(), ImportError::Csv(_)));
        assert!(matches!(read_table(b"PK\x03\x04garbage").unwrap_err(), ImportError::Xlsx(_)));
    }

    #[test]
    fn mapping_is_guessed_in_both_languages() {
        let m = Mapping::guess(&["序号".into(), "姓名".into(), "身份证号码".into(), "手机号".into(), "Email".into()]);
        assert_eq!(
            m,
            Mapping {
                name: Some(1),
                id_number: Some(2),
                phone: Some(3),
                email: Some(4),
                group: None,
                ..Mapping::default()
            }
        );
        let t = table("no,what\n1,2\n");
        assert_eq!(check(&t, &Mapping::guess(&t.headers), &mut |_| false).unwrap_err(), ImportError::NoNameColumn);
    }

    #[test]
    fn every_row_is_validated_and_problems_are_named() {
        let t = table(&format!(
            "姓名,身份证号,手机,邮箱\n\
             张三,{GOOD_ID},13800000000,zhang@example.cn\n\
             ,110105194912310021,12345,not-an-email\n\
             李四,{GOOD_ID},010-12345678,\n\
             王五,11010519491231002x,,\n\
             赵六,,+86 139 0000 0000,zhao@example.cn\n"
        ));
        let mapping = Mapping::guess(&t.headers);
        let checked = check(&t, &mapping, &mut |id| id == "NOTHING").unwrap();
        assert_eq!(checked.good.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 6]);
        let problems: Vec<(usize, RowProblem)> = checked.errors.iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(
            problems,
            [
                (3, RowProblem::MissingName),
                (3, RowProblem::InvalidIdNumber),
                (3, RowProblem::InvalidPhone),
                (3, RowProblem::InvalidEmail),
                (4, RowProblem::DuplicateInFile),
                (5, RowProblem::DuplicateInFile),
            ]
        );
        assert_eq!(checked.errors[1].column.as_deref(), Some("身份证号"));
        let in_vault = check(&t, &mapping, &mut |id| id == GOOD_ID).unwrap();
        assert!(in_vault.errors.iter().any(|e| e.line == 2 && e.problem == RowProblem::AlreadyInVault));
        let report = errors_csv(&checked.errors);
        assert!(report.contains("3,身份证号,身份证号无效"), "{report}");
    }

    #[test]
    fn resume_columns_are_read_in_both_languages_and_checked() {
        let t = table(
            "姓名,学历,专业,工作年限,工作单位,职务,技能,工作经历\n\
             张三,硕士研究生,公共管理,6年,某市社保局,窗口组组长,Excel、公文写作,曾带领一个五人团队完成系统迁移。\n\
             李四,,,,,,,\n\
             王五,其他,,十年,,,,\n",
        );
        let mapping = Mapping::guess(&t.headers);
        assert_eq!((mapping.education, mapping.resume_text), (Some(1), Some(7)));
        let checked = check(&t, &mapping, &mut |_| false).unwrap();
        let facts = checked.good[0].resume.clone().unwrap();
        assert_eq!(facts.education, Some(Education::Master));
        assert_eq!((facts.years, facts.skills.len(), facts.roles[0].as_str()), (Some(6), 2, "窗口组组长"));
        assert_eq!(checked.good[1].resume, None, "blank résumé columns are no résumé");
        let problems: Vec<(usize, RowProblem)> = checked.errors.iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(problems, [(4, RowProblem::UnknownEducation), (4, RowProblem::InvalidYears)]);
        assert_eq!(checked.errors[0].column.as_deref(), Some("学历"));
        let en = Mapping::guess(&[
            "Name".into(),
            "Degree".into(),
            "Years of experience".into(),
            "Skills".into(),
            "Work history".into(),
        ]);
        assert_eq!((en.education, en.years, en.skills, en.resume_text), (Some(1), Some(2), Some(3), Some(4)));
    }

    #[test]
    fn xlsx_is_read_including_numbers_that_are_ids_or_phones() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "手机").unwrap();
        sheet.write_string(1, 0, "张三").unwrap();
        sheet.write_number(1, 1, 13_800_000_000.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_table(&bytes).unwrap();
        assert_eq!(t.rows, [vec!["张三".to_owned(), "13800000000".to_owned()]]);
    }
}
