//! Untrusted bytes as a report submission: the body decoder and the document checks must never
//! panic, whatever arrives.
#![no_main]

use clearinghouse_model::report::{ReportLimits, ReportSubmission, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = clearinghouse_server::extract::decode_json::<ReportSubmission>(data) {
        let _ = prepare(doc, &ReportLimits::default());
    }
});
