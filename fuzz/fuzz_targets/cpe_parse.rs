//! Untrusted CPE names (2.3 formatted strings and 2.2 URIs): parse, write back, and compare.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(cpe) = clearinghouse_cpe::Cpe::parse(s) {
        let text = cpe.to_string();
        let _ = cpe.to_uri();
        if let Ok(again) = clearinghouse_cpe::Cpe::parse(&text) {
            let _ = clearinghouse_cpe::compare(&cpe, &again);
        }
    }
});
