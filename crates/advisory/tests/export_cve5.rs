//! Merged vulnerabilities written as CVE JSON 5.1 CNA containers: valid against the 5.1.1 CNA
//! published container schema (copied into testdata/), and read back by our CVE importer they say
//! what they said before: the CVE advanced example and the Go CNA's containers keep their affected
//! ranges, weaknesses, references and description; RustSec's and Go's OSV records, through CVE
//! and back to OSV, answer every version their events name the same way.

mod common;

use clearinghouse_advisory::{SourceRecord, Vulnerability, cve5, merge, osv, to_csaf, to_cve5_cna, to_osv};
use clearinghouse_osv::parse_record;
use common::{mutate, probes, shared, testdata, verdicts};
use proptest::prelude::*;
use serde_json::Value;

use std::sync::LazyLock;

const ORG: &str = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6";
const NOW: &str = "2026-01-02T03:04:05Z";

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_slice(&testdata("cve5-cna-published-container-5.1.1.schema.json")).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
});

fn assert_valid(container: &Value, what: &str) {
    let errors: Vec<String> = SCHEMA.iter_errors(container).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{}", serde_json::to_string_pretty(container).unwrap());
}

fn one(records: Vec<SourceRecord>) -> Vulnerability {
    let mut merged = merge(records);
    assert_eq!(merged.len(), 1);
    merged.remove(0)
}

/// The container read back as the CNA record of `id`.
fn read_back(container: &Value, id: &str) -> SourceRecord {
    let got = cve5::read(container.to_string().as_bytes(), Some(id)).unwrap();
    assert!(got.diagnostics.is_empty(), "{id}: {:?}", got.diagnostics);
    got.records.into_iter().next().unwrap()
}

/// What a CNA record says that must survive: affected products, weaknesses, references (URLs and
/// CVE tags), description, title.
fn assert_same(before: &SourceRecord, after: &SourceRecord, what: &str) {
    // The merge keeps one of identical statements (CVE-2026-46601 gives one entry twice).
    let mut statements = Vec::new();
    for a in &before.affected {
        if !statements.contains(a) {
            statements.push(a.clone());
        }
    }
    assert_eq!(after.affected, statements, "{what}: affected");
    assert_eq!(after.weaknesses, before.weaknesses, "{what}: weaknesses");
    assert_eq!(after.references, before.references, "{what}: references");
    assert_eq!(after.description, before.description, "{what}: description");
    assert_eq!(after.title, before.title, "{what}: title");
    assert_eq!(after.credits.iter().map(|c| &c.name).collect::<Vec<_>>(), before.credits.iter().map(|c| &c.name).collect::<Vec<_>>(), "{what}: credits");
}

#[test]
fn cve_advanced_example_round_trip() {
    let record = cve5::read(&testdata("cve-advanced.json"), None).unwrap().records.remove(0);
    let v = one(vec![record.clone()]);
    let (container, problems) = to_cve5_cna(&v, ORG, NOW);
    assert!(problems.is_empty(), "{problems:?}");
    assert_valid(&container, "CVE-1337-1234");
    let back = read_back(&container, "CVE-1337-1234");
    assert_same(&record, &back, "CVE-1337-1234");
    // The record's `datePublished` is not in the container; its `datePublic` is.
    assert_eq!(container["datePublic"], "2021-09-08T16:24:00Z");
    assert_eq!(back.remediations.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["vendor_fix", "workaround"]);
    let metrics: Vec<&str> = container["metrics"].as_array().unwrap().iter().flat_map(|m| m.as_object().unwrap().keys().map(String::as_str)).collect();
    assert_eq!(metrics, ["cvssV3_1", "cvssV4_0"]);
    // The affected ranges, and the unaffected range from 3.0.0, with the package of the collection.
    let a = &container["affected"][0];
    assert_eq!(
        (&a["vendor"], &a["product"], &a["packageName"], &a["defaultStatus"]),
        (&"Example.org".into(), &"Example Enterprise".into(), &"example_enterprise".into(), &"unaffected".into())
    );
    assert_eq!(a["versions"][1], serde_json::json!({ "version": "2.1.6", "lessThan": "2.1.9", "status": "affected", "versionType": "semver" }));
    assert_eq!(a["versions"][2], serde_json::json!({ "version": "3.0.0", "lessThan": "*", "status": "unaffected", "versionType": "semver" }));
}

#[test]
fn go_cna_containers_round_trip() {
    let Some(dir) = shared("cve5/go-cna") else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let record = cve5::read(&std::fs::read(&path).unwrap(), None).unwrap().records.remove(0);
        let id = record.id.clone();
        let (container, problems) = to_cve5_cna(&one(vec![record.clone()]), ORG, NOW);
        assert!(problems.is_empty(), "{id}: {problems:?}");
        assert_valid(&container, &id);
        assert_same(&record, &read_back(&container, &id), &id);
        checked += 1;
    }
    assert_eq!(checked, 239);
}

/// OSV → CVE → OSV for the records whose every package is in a registry CVE has a collection URL
/// for: the same verdicts, and a valid container each time.
#[test]
fn osv_records_through_cve_answer_the_same() {
    let (Some(rustsec), Some(go)) = (shared("advisories/rustsec"), shared("advisories/go")) else { return };
    let (mut checked, mut without_references) = (0, 0);
    for dir in [rustsec, go] {
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let (Some(original), _) = parse_record(&std::fs::read(&path).unwrap()) else { continue };
            let packaged = !original.affected.is_empty()
                && original
                    .affected
                    .iter()
                    .all(|a| a.package.as_ref().is_some_and(|p| clearinghouse_advisory::export_cve5::collection_of_ecosystem(&p.ecosystem).is_some()));
            if !packaged {
                continue;
            }
            let (container, problems) = to_cve5_cna(&one(vec![osv::from_record(&original)]), ORG, NOW);
            // A record without references (GO-2024-3012) cannot make a valid container, and says so.
            if problems.iter().any(|d| d.code == "missing_field") {
                assert!(!SCHEMA.is_valid(&container), "{}", original.id);
                without_references += 1;
            } else {
                assert_valid(&container, &original.id);
            }
            let back = one(cve5::read(container.to_string().as_bytes(), Some(&original.id)).unwrap().records);
            let (json, _) = to_osv(&back, "2026-01-01T00:00:00Z");
            let (record, diagnostics) = parse_record(json.to_string().as_bytes());
            let record = record.unwrap_or_else(|| panic!("{}: {diagnostics:?}", original.id));
            let p = probes(&original);
            assert_eq!(verdicts(&record, &p), verdicts(&original, &p), "{}: {}", original.id, serde_json::to_string_pretty(&container).unwrap());
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
    assert!(without_references < 10, "{without_references}");
}

#[test]
fn what_a_cna_container_cannot_hold_is_said() {
    let kev = br#"{"count":1,"vulnerabilities":[{"cveID":"CVE-2024-0009","vendorProject":"Acme","product":"Widget","dateAdded":"2024-03-05"}]}"#;
    let v = one(clearinghouse_advisory::kev::read(kev).unwrap().1.records);
    let (container, problems) = to_cve5_cna(&v, "not-a-uuid", "later");
    let codes: Vec<_> = problems.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    for expected in [
        ("invalid_org_id", ""),
        ("invalid_time", ""),
        ("missing_description", "/description"),
        ("missing_field", "/references"),
        ("not_in_cve5", "/exploitation"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
    // KEV's product, every version affected.
    assert_eq!(container["affected"][0], serde_json::json!({ "vendor": "Acme", "product": "Widget", "defaultStatus": "affected" }));
}

/// Two statuses for every version of one product, and "every version affected" next to
/// unaffected ranges: entries of their own, read back as written.
#[test]
fn statements_for_every_version_keep_their_meaning() {
    use clearinghouse_advisory::{AffectedProduct, Product, Reference, Status, VersionRange};
    let product = Product { vendor: Some("Acme".into()), name: Some("Widget".into()), ..Product::default() };
    let r = SourceRecord {
        id: "CVE-2024-0010".into(),
        description: Some("d".into()),
        references: vec![Reference { url: "https://acme.example/a".into(), kind: None }],
        affected: vec![
            AffectedProduct { product: product.clone(), status: Status::Affected, ..AffectedProduct::default() },
            AffectedProduct {
                product: product.clone(),
                status: Status::NotAffected,
                ranges: vec![VersionRange { scheme: "semver".into(), introduced: "2.0".into(), fixed: Some("3.0".into()), ..VersionRange::default() }],
                ..AffectedProduct::default()
            },
            AffectedProduct { product: product.clone(), status: Status::Unknown, ..AffectedProduct::default() },
        ],
        ..SourceRecord::default()
    };
    let (container, problems) = to_cve5_cna(&one(vec![r.clone()]), ORG, NOW);
    assert!(problems.is_empty(), "{problems:?}");
    assert_valid(&container, "CVE-2024-0010");
    assert_eq!(container["affected"].as_array().unwrap().len(), 3);
    let mut back = read_back(&container, "CVE-2024-0010").affected;
    let mut want = r.affected.clone();
    back.sort_by_key(|a| a.status);
    want.sort_by_key(|a| a.status);
    assert_eq!(back, want);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whatever a damaged document imports as, the exporters write it without panicking.
    #[test]
    fn exporters_never_panic_on_damaged_imports(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"{}[]\":,0a \\".to_vec())), 0..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let publisher = clearinghouse_advisory::Publisher {
            category: "coordinator".into(), name: "C".into(), namespace: "https://c.example".into(), contact_details: None, issuing_authority: None,
        };
        let mut records = Vec::new();
        if let Ok(got) = cve5::read(&mutate(testdata("cve-advanced.json"), &edits, cut), Some("CVE-1337-1234")) {
            records.extend(got.records);
        }
        if let Ok(got) = clearinghouse_advisory::csaf::read(&mutate(testdata("csaf-bsi-2022-0001.json"), &edits, cut)) {
            records.extend(got.records);
        }
        for v in merge(records) {
            let _ = to_cve5_cna(&v, ORG, NOW);
            let _ = to_csaf(&v, &publisher, NOW);
            let _ = to_osv(&v, NOW);
        }
    }
}
