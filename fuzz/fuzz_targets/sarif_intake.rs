//! Untrusted SARIF logs through the bulk intake, with the default limits and with tiny ones: no panic,
//! the counts add up, every pointer is a pointer, and every report draft passes the report document's checks.
#![no_main]

use clearinghouse_model::report::{ReportLimits, prepare};
use clearinghouse_sarif::{IntakeOptions, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let opts = if selector & 1 == 0 {
        IntakeOptions::default()
    } else {
        IntakeOptions { max_results: 3, max_message_bytes: 16, max_description_bytes: 128, max_diagnostics: 4, max_depth: 12, ..IntakeOptions::default() }
    };
    let intake = parse(bytes, &opts);
    let s = intake.stats;
    assert_eq!(s.results, s.reports + s.skipped_kind + s.skipped_suppressed + s.skipped_absent + s.skipped_unusable);
    assert_eq!(s.reports, intake.reports.len());
    assert!(intake.diagnostics.len() <= opts.max_diagnostics + 1);
    for d in &intake.diagnostics {
        assert!(d.pointer.is_empty() || d.pointer.starts_with('/'), "{d}");
    }
    assert!(!intake.refused() || intake.reports.is_empty());
    for f in intake.reports {
        assert!(f.pointer.starts_with("/runs/"), "{}", f.pointer);
        if let Err(d) = prepare(f.report, &ReportLimits::default()) {
            panic!("{}: draft refused: {d:?}", f.pointer);
        }
    }
});
