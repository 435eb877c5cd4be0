//! Untrusted OSV records (JSON and YAML): parse, compile every range, and evaluate a few versions
//! against them, as import and matching do.
#![no_main]

use clearinghouse_osv::{Ecosystem, affected_by, affected_by_commit, compile_record, parse_record, parse_record_yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let (record, _) = if selector & 1 == 0 { parse_record(bytes) } else { parse_record_yaml(bytes) };
    let Some(record) = record else { return };
    let _ = compile_record(&record);
    for a in &record.affected {
        let Some(p) = &a.package else { continue };
        let Ok(eco) = Ecosystem::parse(&p.ecosystem) else { continue };
        for v in ["0", "1.0.0", "0.0.0-alpha", "1:2.3-4~5", "v1.2.3+incompatible"] {
            let _ = affected_by(&record, &eco, &p.name, v);
        }
    }
    let _ = affected_by_commit(&record, None, "0123456789abcdef0123456789abcdef01234567");
});
