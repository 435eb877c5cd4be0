//! Untrusted strings as the identifiers a report carries: purls, CWE ids, CVSS vectors, vers ranges,
//! report ids and TLP labels.
#![no_main]

use clearinghouse_model::validate::{check_vers, parse_cvss, parse_cwe, parse_purl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_purl(s);
        let _ = parse_cwe(s);
        let _ = parse_cvss(s);
        let _ = check_vers(s);
        let _ = s.parse::<clearinghouse_model::ReportId>();
        let _ = s.parse::<clearinghouse_model::Tlp>();
    }
});
