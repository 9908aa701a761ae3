//! Any bytes as an uploaded candidate file: reading (CSV in UTF-8 or GB18030, comma or tab;
//! XLSX), guessing the column mapping and validating every row must return a table or a clean
//! error — never panic, never hang.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts in its panic hook, before any `catch_unwind` can act; the importer
    // contains panics of the third-party XLSX parser on purpose (turning them into errors), so the
    // default hook is put back. Any other panic still unwinds to libfuzzer-sys, which aborts: a
    // crash the fuzzer reports.
    static DEFAULT_HOOK: std::sync::Once = std::sync::Once::new();
    DEFAULT_HOOK.call_once(|| drop(std::panic::take_hook()));
    if let Ok(table) = hrms::import::read_table(data) {
        let mapping = hrms::import::Mapping::guess(&table.headers);
        if let Ok(checked) = hrms::import::check(&table, &mapping, &mut |id| id.ends_with('X')) {
            let _ = hrms::import::errors_csv(&checked.errors);
        }
    }
});
