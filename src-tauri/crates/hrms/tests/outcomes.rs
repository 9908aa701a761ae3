#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed test
//! The outcome import on real files (CSV in GB18030, XLSX with real date cells) against a real
//! encrypted vault: every kind of bad row named in the problem list, nothing half-imported.

mod support;

use hrms::import::read_table;
use hrms::outcomes::{OutcomeMapping, check, errors_csv};
use interview::outcomes::{CivilDate, Outcome, OutcomeKind, OutcomeProblem, RatingScale};
use interview::{Bands, Lang, Role, Weight};
use vault::{NewJob, NewUser, Vault};

const PASSWORD: &str = "a long enough password";
/// Valid ID numbers (check digits computed) of the hired, and one of nobody.
const HIRED: [&str; 3] = ["11010519491231002X", "110105199001010010", "110105199001010037"];
const NOBODY: &str = "110105199001010053";

fn today() -> CivilDate {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    CivilDate::of_ms(ms, 0)
}

struct World {
    _dir: tempfile::TempDir,
    vault: Vault,
    clerk: vault::Session,
    job: i64,
    hired: Vec<i64>,
}

fn world() -> World {
    static STORE: std::sync::Once = std::sync::Once::new();
    STORE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let user = |n: &str, role| NewUser { username: n.into(), display_name: n.into(), role, password: PASSWORD.into() };
    let (mut vault, _) = Vault::create(dir.path(), user("admin", Role::Admin)).unwrap();
    let admin = vault.login("admin", PASSWORD, "desk").unwrap();
    vault.create_user(&admin, user("clerk", Role::Clerk)).unwrap();
    let clerk = vault.login("clerk", PASSWORD, "desk").unwrap();
    let job = vault
        .create_job(
            &clerk,
            NewJob {
                title: "窗口服务".into(),
                language: Lang::ZhCn,
                dimensions: vec![Weight { dimension: "沟通能力".into(), basis_points: 10_000 }],
                bands: Bands::new(80, 60).unwrap(),
            },
        )
        .unwrap();
    let (kiosk, question) = support::kiosk_and_question(&mut vault, &admin, &clerk, job, PASSWORD);
    let hired = HIRED
        .iter()
        .enumerate()
        .map(|(i, id)| support::hire(&mut vault, &clerk, &kiosk, job, question, &format!("录用{i}"), id))
        .collect();
    World { _dir: dir, vault, clerk, job, hired }
}

#[test]
fn every_bad_row_is_named_and_the_good_rows_are_recorded_in_one_transaction() {
    let mut w = world();
    let (today, yesterday, tomorrow) = (today(), CivilDate(today().0 - 1), CivilDate(today().0 + 1));
    let [a, b, c] = HIRED;
    let csv = format!(
        "姓名,身份证号,类型,日期,结果,等级制\n\
         录用0,{a},试用期,{today},通过,\n\
         录用0,{a},绩效,{today},优秀,\n\
         录用1,{b},绩效,{today},4,1-5\n\
         录用2,{c},离职,{today},主动,\n\
         某人,{NOBODY},试用期,{today},通过,\n\
         某人,110105199001010015,试用期,{today},通过,\n\
         录用1,{b},晋升,{today},通过,\n\
         录用1,{b},试用期,2026-02-30,通过,\n\
         录用1,{b},试用期,{yesterday},通过,\n\
         录用1,{b},试用期,{tomorrow},通过,\n\
         录用1,{b},绩效,{today},良好,\n\
         录用1,{b},绩效,{today},A,ABCD\n\
         录用0,{a},试用期,{today},通过,\n\
         录用0,{a},试用期,{today},未通过,\n\
         录用2,{c},离职,{today},被动,\n\
         录用1,,试用期,{today},通过,\n"
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&csv);
    let table = read_table(&gbk).unwrap();
    let mapping = OutcomeMapping::guess(&table.headers);
    assert_eq!(
        mapping,
        OutcomeMapping { id_number: Some(1), kind: Some(2), date: Some(3), result: Some(4), scale: Some(5) }
    );
    let lookup = w.vault.outcome_lookup(&w.clerk, w.job, 0).unwrap();
    let checked = check(&table, &mapping, RatingScale::Grades4, &lookup).unwrap();
    assert_eq!(checked.good.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4, 5]);
    assert_eq!(checked.good[1].outcome.record.outcome, Outcome::Rating { scale: RatingScale::Grades4, step: 4 });
    assert_eq!(checked.good[2].outcome.record.outcome, Outcome::Rating { scale: RatingScale::Points5, step: 4 });
    let problems: Vec<(usize, &str)> = checked.errors.iter().map(|e| (e.line, e.problem.code())).collect();
    assert_eq!(
        problems,
        [
            (6, "outcome.unknown_candidate"),
            (7, "outcome.invalid_id"),
            (8, "outcome.unknown_kind"),
            (9, "outcome.bad_date"),
            (10, "outcome.before_decision"),
            (11, "outcome.in_future"),
            (12, "outcome.unknown_result"),
            (13, "outcome.unknown_scale"),
            (14, "outcome.duplicate"),
            (15, "outcome.contradicts"),
            (16, "outcome.contradicts"),
            (17, "outcome.missing_id"),
        ]
    );
    assert_eq!(checked.errors[4].column.as_deref(), Some("日期"));
    assert!(matches!(checked.errors[6].problem, OutcomeProblem::UnknownResult { kind: OutcomeKind::Rating, .. }));
    let report = errors_csv(&checked.errors);
    assert!(report.contains("10,日期,日期早于面试决定日期"), "{report}");
    assert!(report.contains("16,结果,与已有记录矛盾"), "{report}");

    // The good rows in one transaction; the same file again is all duplicates.
    assert_eq!(w.vault.record_outcomes(&w.clerk, w.job, &checked.outcomes(), 0).unwrap(), 4);
    assert_eq!(w.vault.candidate_outcomes(&w.clerk, w.hired[0], 0).unwrap().len(), 2);
    let lookup = w.vault.outcome_lookup(&w.clerk, w.job, 0).unwrap();
    let again = check(&table, &mapping, RatingScale::Grades4, &lookup).unwrap();
    assert!(again.good.is_empty());
    assert!(again.errors.iter().filter(|e| e.line <= 5).all(|e| e.problem == OutcomeProblem::Duplicate), "{again:?}");
}

#[test]
fn xlsx_date_cells_and_a_missing_column_are_read_or_refused_clearly() {
    let mut w = world();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    for (c, h) in ["ID number", "Type", "Date", "Result"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let (y, m, d) = today().ymd();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(y as u16, m as u8, d as u8).unwrap();
    sheet.write_string(1, 0, HIRED[1]).unwrap();
    sheet.write_string(1, 1, "probation").unwrap();
    sheet.write_datetime_with_format(1, 2, &date, &date_format).unwrap();
    sheet.write_string(1, 3, "failed").unwrap();
    let table = read_table(&book.save_to_buffer().unwrap()).unwrap();
    let lookup = w.vault.outcome_lookup(&w.clerk, w.job, 0).unwrap();
    let checked = check(&table, &OutcomeMapping::guess(&table.headers), RatingScale::Grades4, &lookup).unwrap();
    assert!(checked.errors.is_empty(), "{:?} from {:?}", checked.errors, table.rows);
    assert_eq!(checked.good[0].outcome.record.date, today());
    assert_eq!(checked.good[0].outcome.record.outcome, Outcome::Probation { passed: false });
    w.vault.record_outcomes(&w.clerk, w.job, &checked.outcomes(), 0).unwrap();

    let no_date = read_table(format!("身份证号,类型,结果\n{},试用期,通过\n", HIRED[2]).as_bytes()).unwrap();
    let error = check(&no_date, &OutcomeMapping::guess(&no_date.headers), RatingScale::Grades4, &lookup).unwrap_err();
    assert_eq!(interview::UserFacing::code(&error), "import.no_column");
    assert!(interview::UserFacing::user_message(&error).zh_cn.contains("日期"));
}
