#![allow(clippy::unwrap_used, clippy::print_stdout)] // a test: a failed unwrap is a failed test
//! The fuzz target's seed corpus (`fuzz/corpus/import`, written by `fuzz/corpus/make.py`) is
//! also this test's input: every good file imports with the problems of its bad rows named, and
//! every malformed file is refused with a clear error (or, where it is readable, its rows are
//! rejected) — nothing panics.

use std::path::Path;

use hrms::import::{Mapping, check, read_table};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/import");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_gives_a_table_or_a_clear_error() {
    let files = corpus();
    assert!(files.len() >= 13);
    for (name, bytes) in files {
        let outcome = read_table(&bytes).map(|table| {
            let mapping = Mapping::guess(&table.headers);
            (table.rows.len(), check(&table, &mapping, &mut |_| false).map(|c| (c.good.len(), c.errors.len())))
        });
        println!("{name}: {outcome:?}");
        match name.as_str() {
            "good-utf8-bom.csv" | "good-gb18030-tabs.csv" => {
                let (rows, checked) = outcome.unwrap();
                assert_eq!(rows, 2, "{name}");
                let (good, errors) = checked.unwrap();
                assert_eq!(good, 1, "{name}");
                assert!(errors >= 1, "{name}: the second row has a bad ID, phone and e-mail");
            }
            "english-headers.csv" | "good.xlsx" => {
                let (rows, checked) = outcome.unwrap();
                assert_eq!((rows, checked.unwrap().0), (1, 1), "{name}");
            }
            "span-bomb.xlsx" => {
                // Read cell by cell, refused by its rows before anything is allocated.
                assert_eq!(outcome.unwrap_err(), hrms::import::ImportError::TooManyRows, "{name}");
            }
            "far-column.xlsx" => {
                assert_eq!(outcome.unwrap_err(), hrms::import::ImportError::TooWide, "{name}");
            }
            "found-column-overflow.xlsx" => {
                // Found by the fuzzer: calamine overflowed (a panic in debug builds) on it.
                assert!(matches!(outcome, Err(hrms::import::ImportError::Xlsx(_))), "{name}: {outcome:?}");
            }
            "truncated.xlsx" | "zip-not-xlsx.xlsx" | "binary-garbage.csv" | "invalid-encoding.csv" | "empty.csv" => {
                if let Ok((_, checked)) = &outcome {
                    assert!(checked.as_ref().map_or(true, |(good, _)| *good == 0), "{name} imported rows: {outcome:?}");
                }
            }
            "formula-cells.csv" => {
                // `=cmd…` is just a name here, but "+1" is no ID number: the row is refused.
                let (_, checked) = outcome.unwrap();
                let (good, errors) = checked.unwrap();
                assert_eq!(good, 0, "{name}");
                assert!(errors > 0, "{name}");
            }
            _ => {
                // Readable but wrong: every row that does not get in has its problems named.
                if let Ok((rows, Ok((good, errors)))) = &outcome {
                    assert!(*good <= *rows && (*good == *rows || *errors > 0), "{name}: {outcome:?}");
                }
            }
        }
    }
}
