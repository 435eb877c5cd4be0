//! The example report documents the README walks through are valid documents.

use clearinghouse_model::report::{ReportLimits, ReportSubmission, prepare};

#[test]
fn every_example_report_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/reports exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: ReportSubmission = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Err(diags) = prepare(doc, &ReportLimits::default()) {
                panic!("{}: {diags:?}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "expected at least three example reports, found {checked}");
}
