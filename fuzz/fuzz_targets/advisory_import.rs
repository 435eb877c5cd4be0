//! Untrusted advisory documents: CVE JSON 5.x records and containers and the KEV catalog, then the
//! merge of whatever was read (the alias graph and the conflict detection see hostile records too).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut records = Vec::new();
    if let Ok(got) = clearinghouse_advisory::cve5::read(data, Some("CVE-2024-0001")) {
        records.extend(got.records);
    }
    if let Ok((_, got)) = clearinghouse_advisory::kev::read(data) {
        records.extend(got.records);
    }
    let merged = clearinghouse_advisory::merge(records);
    let _ = serde_json::to_vec(&merged);
});
