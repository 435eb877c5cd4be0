//! Untrusted VEX documents (CycloneDX, CSAF, OpenVEX), and matching their products against a
//! component, as the findings view does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = clearinghouse_vex::read(data) {
        for s in &doc.statements {
            let _ = s.names_vulnerability(["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"]);
            for p in &s.products {
                let _ = p.matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"), Some("ref-1"), &[]);
            }
        }
    }
});
