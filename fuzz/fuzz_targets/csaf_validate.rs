//! Untrusted CSAF documents through the whole validation: the JSON schema and every mandatory test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = clearinghouse_csaf::validate(data) {
        for f in &report.failures {
            assert!(f.pointer.is_empty() || f.pointer.starts_with('/'), "{f}");
        }
    }
});
