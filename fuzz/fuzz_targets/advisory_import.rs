//! Untrusted advisory documents: CVE JSON 5.x records and containers, the KEV catalog, CSAF 2.0
//! documents and OSV records, then the merge of whatever was read (the alias graph and the conflict
//! detection see hostile records too), then every export of each merged vulnerability (OSV, linted;
//! CSAF with and without the CWE catalogue; a CVE 5 CNA container) and the exports read back by the
//! importers. Nothing of it may panic.
#![no_main]

use clearinghouse_server::Publisher;
use clearinghouse_server::export::{FORMATS, export_document};
use clearinghouse_store::{Priority, StoredVulnerability};
use libfuzzer_sys::fuzz_target;

const NOW: &str = "2026-01-02T03:04:05Z";

fuzz_target!(|data: &[u8]| {
    let mut records = Vec::new();
    if let Ok(got) = clearinghouse_advisory::cve5::read(data, Some("CVE-2024-0001")) {
        records.extend(got.records);
    }
    if let Ok((_, got)) = clearinghouse_advisory::kev::read(data) {
        records.extend(got.records);
    }
    if let Ok(got) = clearinghouse_advisory::csaf::read(data) {
        records.extend(got.records);
    }
    if let (Some(record), _) = clearinghouse_osv::parse_record(data) {
        records.push(clearinghouse_advisory::osv::from_record(&record));
    }
    if records.is_empty() {
        return;
    }
    let merged = clearinghouse_advisory::merge(records);
    let _ = serde_json::to_vec(&merged);
    let publisher = Publisher { cve_org_id: "9d7a5c1e-8f7b-4c3d-9e2f-0a1b2c3d4e5f".into(), ..Publisher::default() };
    let csaf_publisher = clearinghouse_advisory::Publisher {
        category: "coordinator".into(),
        name: publisher.name.clone(),
        namespace: publisher.namespace.clone(),
        contact_details: None,
        issuing_authority: None,
    };
    for vulnerability in merged {
        // Without the CWE catalogue (the server's CSAF export uses it: export_document below).
        let _ = clearinghouse_advisory::to_csaf(&vulnerability, &csaf_publisher, NOW);
        let stored = StoredVulnerability { vulnerability, priority: Priority::default(), change_seq: 1, updated_at: time::OffsetDateTime::UNIX_EPOCH };
        for format in FORMATS {
            let Ok((document, _)) = export_document(&stored, format, &publisher, NOW) else { continue };
            let bytes = serde_json::to_vec(&document).expect("a JSON value serializes");
            match *format {
                "osv" => {
                    let _ = clearinghouse_osv::parse_record(&bytes);
                }
                "csaf" => {
                    let _ = clearinghouse_advisory::csaf::read(&bytes);
                }
                _ => {
                    let _ = clearinghouse_advisory::cve5::read(&bytes, Some(&stored.vulnerability.id));
                }
            }
        }
    }
});
