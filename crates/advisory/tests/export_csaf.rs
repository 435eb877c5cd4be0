//! Merged vulnerabilities written as CSAF 2.0 pass the CSAF JSON schema and every mandatory test
//! (`clearinghouse-csaf`): the CVE advanced example, the Go CNA's containers, RustSec's OSV records,
//! the CSAF examples read back, and a vulnerability several sources disagree on.

mod common;

use clearinghouse_advisory::export_csaf::to_csaf_with_cwe_names;
use clearinghouse_advisory::{Publisher, Status, Vulnerability, csaf, cve5, kev, merge, osv, to_csaf};
use common::{shared, testdata};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

/// The CWE catalogue test 6.1.11 checks names against: clearinghouse-csaf's copy (CWE 4.17).
static CWE: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../csaf/data/cwe-4.17.tsv");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().filter_map(|l| l.split_once('\t')).map(|(n, name)| (format!("CWE-{n}"), name.to_string())).collect()
});

fn publisher() -> Publisher {
    Publisher {
        category: "coordinator".into(),
        name: "Clearinghouse".into(),
        namespace: "https://clearinghouse.example".into(),
        contact_details: Some("security@clearinghouse.example".into()),
        issuing_authority: None,
    }
}

const NOW: &str = "2026-01-02T03:04:05Z";

fn export(v: &Vulnerability) -> (Value, Vec<clearinghouse_csaf::Diagnostic>) {
    to_csaf_with_cwe_names(v, &publisher(), NOW, &|id| CWE.get(id).cloned())
}

/// Schema and mandatory tests; panics with the failures.
fn assert_valid(doc: &Value, what: &str) {
    let report = clearinghouse_csaf::validate_value(doc);
    assert!(report.is_valid(), "{what}: {:#?}\n{}", report.failures, serde_json::to_string_pretty(doc).unwrap());
}

fn one(records: Vec<clearinghouse_advisory::SourceRecord>) -> Vulnerability {
    let mut merged = merge(records);
    assert_eq!(merged.len(), 1);
    merged.remove(0)
}

#[test]
fn cve_advanced_example() {
    let v = one(cve5::read(&testdata("cve-advanced.json"), None).unwrap().records);
    let (doc, problems) = export(&v);
    assert_valid(&doc, "CVE-1337-1234");
    // CSAF 2.0 has no CVSS v4; the two v3.1 scores of the example are one kind in the merge.
    let codes: Vec<_> = problems.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["not_in_csaf"], "{problems:?}");
    assert!(problems[0].message.contains("CVSS_V4"));
    assert_eq!(doc["document"]["category"], "csaf_security_advisory");
    assert_eq!(doc["document"]["tracking"]["id"], "CVE-1337-1234");
    assert_eq!(doc["document"]["tracking"]["initial_release_date"], "2021-09-08T16:24:00Z");
    let vuln = &doc["vulnerabilities"][0];
    assert_eq!(vuln["cve"], "CVE-1337-1234");
    assert_eq!(vuln["cwe"]["id"], "CWE-78");
    assert_eq!(vuln["scores"][0]["cvss_v3"]["baseScore"], 9.8);
    assert_eq!(vuln["scores"][0]["cvss_v3"]["baseSeverity"], "CRITICAL");
    let names: Vec<&str> =
        doc["product_tree"]["branches"][0]["branches"][0]["branches"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["vers:semver/>=1.0.0|<1.0.6", "vers:semver/>=2.1.6|<2.1.9", "vers:semver/>=3.0.0", "1.0.6", "2.1.9"]);
    assert_eq!(vuln["product_status"]["known_affected"], serde_json::json!(["CSAFPID-0001", "CSAFPID-0002"]));
    assert_eq!(vuln["product_status"]["known_not_affected"], serde_json::json!(["CSAFPID-0003"]));
    assert_eq!(vuln["product_status"]["fixed"], serde_json::json!(["CSAFPID-0004", "CSAFPID-0005"]));
    let remediations = vuln["remediations"].as_array().unwrap();
    assert_eq!(remediations[0]["details"], "Fixed in version 1.0.6.");
    assert!(remediations.iter().any(|r| r["category"] == "workaround"));
    assert_eq!(vuln["acknowledgments"][0], serde_json::json!({ "names": ["Alice"], "summary": "finder" }));
    // Without the catalogue the source's shortened name is written, which test 6.1.11 refuses.
    let (plain, _) = to_csaf(&v, &publisher(), NOW);
    assert_eq!(plain["vulnerabilities"][0]["cwe"]["name"], "OS Command Injection");
}

#[test]
fn go_cna_containers() {
    let Some(dir) = shared("cve5/go-cna") else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let v = one(cve5::read(&std::fs::read(&path).unwrap(), None).unwrap().records);
        let (doc, problems) = export(&v);
        assert_valid(&doc, &path.display().to_string());
        assert!(problems.iter().all(|d| d.code == "not_in_csaf"), "{}: {problems:?}", path.display());
        checked += 1;
    }
    assert_eq!(checked, 239);
}

#[test]
fn rustsec_records() {
    let Some(dir) = shared("advisories/rustsec") else { return };
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut checked = 0;
    for path in paths {
        let (Some(record), _) = clearinghouse_osv::parse_record(&std::fs::read(&path).unwrap()) else { continue };
        let v = one(vec![osv::from_record(&record)]);
        let (doc, _) = export(&v);
        assert_valid(&doc, &record.id);
        // The crate is named by a cargo purl.
        let text = doc["product_tree"].to_string();
        assert!(text.contains("pkg:cargo/"), "{}: {text}", record.id);
        checked += 1;
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn csaf_examples_read_back() {
    for name in ["csaf-bsi-2022-0001.json", "csaf-rhsa-2021_5217.json", "csaf-sec-vex-2022-0001.json"] {
        for v in merge(csaf::read(&testdata(name)).unwrap().records) {
            let (doc, _) = export(&v);
            assert_valid(&doc, name);
            if name.contains("vex") {
                // Every product not affected, with a justification: a VEX document with its flag.
                assert_eq!(doc["document"]["category"], "csaf_vex");
                assert_eq!(doc["vulnerabilities"][0]["flags"][0]["label"], "component_not_present");
            }
        }
    }
}

/// A CNA, an OSV record and KEV, disagreeing: the document is still valid, the contradiction is
/// a diagnostic, the conflicts a note, KEV an exploit status.
#[test]
fn sources_that_disagree() {
    let cna = br#"{"cveMetadata":{"cveId":"CVE-2024-0002","datePublished":"2024-02-01T00:00:00Z"},"containers":{
        "cna":{"providerMetadata":{"orgId":"o","shortName":"vendor"},"descriptions":[{"lang":"en","value":"v"}],
          "problemTypes":[{"descriptions":[{"lang":"en","cweId":"CWE-79","description":"CWE-79 XSS","type":"CWE"}]}],
          "metrics":[{"cvssV3_1":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N","baseScore":5.4}}],
          "affected":[{"collectionURL":"https://pypi.org","packageName":"widget","versions":[{"version":"1.0","status":"unaffected"}]}]}}}"#;
    let osv_record = br#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-03-01T00:00:00Z","published":"2024-01-10T00:00:00Z","aliases":["CVE-2024-0002"],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected":[{"package":{"ecosystem":"PyPI","name":"widget"},"versions":["1.0"],"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#;
    let kev_doc = br#"{"count":1,"vulnerabilities":[{"cveID":"CVE-2024-0002","vendorProject":"Widget","product":"widget","dateAdded":"2024-03-05",
        "dueDate":"2024-03-26","knownRansomwareCampaignUse":"Unknown","requiredAction":"Apply the update.","cwes":["CWE-79"]}]}"#;
    let mut records = cve5::read(cna, None).unwrap().records;
    records.push(osv::from_record(&clearinghouse_osv::parse_record(osv_record).0.unwrap()));
    records.extend(kev::read(kev_doc).unwrap().1.records);
    let v = one(records);
    let (doc, problems) = export(&v);
    assert_valid(&doc, "CVE-2024-0002");
    assert!(problems.iter().any(|d| d.code == "contradicting_status"), "{problems:?}");
    let vuln = &doc["vulnerabilities"][0];
    assert_eq!(vuln["threats"][0]["category"], "exploit_status");
    assert_eq!(vuln["threats"][0]["date"], "2024-03-05T00:00:00Z");
    assert_eq!(vuln["ids"][0], serde_json::json!({ "system_name": "GitHub Security Advisories", "text": "GHSA-aaaa-bbbb-cccc" }));
    assert!(doc["document"]["notes"][0]["text"].as_str().unwrap().contains("cvss_v3"));
    // The CNA's unaffected 1.0 wins over the OSV record's affected 1.0.
    assert_eq!(v.affected[0].status, Status::NotAffected);
    let text = doc.to_string();
    assert!(text.contains("pkg:pypi/widget@1.0"), "{text}");
}

#[test]
fn a_vulnerability_without_products_is_said_to_be_invalid() {
    let v = one(vec![clearinghouse_advisory::SourceRecord { id: "X-1".into(), ..Default::default() }]);
    let (doc, problems) = to_csaf(&v, &publisher(), "not a time");
    let codes: Vec<_> = problems.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"no_products") && codes.contains(&"invalid_time") && codes.contains(&"missing_description"), "{codes:?}");
    assert!(!clearinghouse_csaf::validate_value(&doc).is_valid());
}
