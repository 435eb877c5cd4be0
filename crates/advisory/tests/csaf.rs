//! The CSAF importer on the OASIS examples (three copied into testdata/, so these always run;
//! every example of ../shared/data/csaf/examples when that folder is present), on hand-made
//! documents for what the examples do not show (purls, `vers:` ranges, groups, relationships,
//! exploit status), and on damaged documents, which must never panic.

mod common;

use clearinghouse_advisory::{Format, SourceRecord, Status, csaf, merge};
use common::{mutate, shared, testdata};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn find<'a>(records: &'a [SourceRecord], id: &str) -> &'a SourceRecord {
    records.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("{id} not among {:?}", records.iter().map(|r| &r.id).collect::<Vec<_>>()))
}

#[test]
fn every_official_example_imports() {
    let Some(dir) = shared("csaf/examples") else { return };
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    let (mut documents, mut skipped, mut records) = (0, 0, 0);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        // Provider metadata, aggregators and ROLIE feeds are not advisories.
        if doc.pointer("/document/csaf_version").is_none() {
            skipped += 1;
            continue;
        }
        let got = csaf::read(&bytes).unwrap();
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        for d in &got.diagnostics {
            eprintln!("{name}: {d}");
        }
        let vulnerabilities = doc.get("vulnerabilities").and_then(|v| v.as_array()).map_or(0, Vec::len);
        assert_eq!(got.records.len(), vulnerabilities, "{name}");
        for r in &got.records {
            assert_eq!(r.source.as_ref().map(|s| s.format), Some(Format::Csaf), "{name}");
            assert!(r.id.starts_with("CVE-"), "{name}: {}", r.id);
            assert!(!r.affected.is_empty(), "{name}: {}", r.id);
            assert!(r.description.is_some(), "{name}: {}", r.id);
        }
        // Diagnostics only where the example really departs from what we read: Secvisogram's
        // `<=1.14.0` range is not in `vers:` form.
        let expected: &[&str] = if name.ends_with("sec-vex-2022-0001.json") { &["unsupported_range"] } else { &[] };
        assert_eq!(got.diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), expected, "{name}");
        documents += 1;
        records += got.records.len();
    }
    assert_eq!((documents, skipped), (19, 8));
    assert_eq!(records, 59);
}

#[test]
fn red_hat_advisory() {
    let got = csaf::read(&testdata("csaf-rhsa-2021_5217.json")).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let r = find(&got.records, "CVE-2021-4133");
    assert_eq!(r.source.as_ref().unwrap().publisher, "https://www.redhat.com");
    assert_eq!(r.aliases, ["https://bugzilla.redhat.com/show_bug.cgi?id=2033602"]);
    assert_eq!(r.published.as_deref(), Some("2021-12-16T17:05:00Z"));
    assert_eq!(r.modified.as_deref(), Some("2021-12-20T16:16:00Z"));
    assert_eq!(r.description.as_deref(), Some("Keycloak: Incorrect authorization allows unpriviledged users to create other users"));
    let a = &r.affected[0];
    assert_eq!((a.status, a.product.vendor.as_deref(), a.product.name.as_deref()), (Status::Fixed, Some("Red Hat"), Some("Red Hat Single Sign-On")));
    assert_eq!(r.weaknesses[0].id, "CWE-863");
    assert_eq!(r.credits[0].name, "Grzegorz Sobański (MLabs)");
    assert_eq!(r.credits[0].kind, None);
    assert_eq!(r.remediations[0].kind, "vendor_fix");
    assert_eq!(r.remediations[0].products, ["Red Hat Single Sign-On"]);
    assert_eq!(r.remediations[0].url.as_deref(), Some("https://access.redhat.com/errata/RHSA-2021:5217"));
    // The vulnerability's references, then the document's; `self` is the advisory.
    assert!(r.references.iter().any(|x| x.url == "https://access.redhat.com/errata/RHSA-2021:5217" && x.kind.as_deref() == Some("ADVISORY")));
}

#[test]
fn red_hat_relationships_name_components() {
    let Some(path) = shared("csaf/examples/csaf/rhsa-2022_0011.json") else { return };
    let got = csaf::read(&std::fs::read(path).unwrap()).unwrap();
    let r = find(&got.records, "CVE-2020-10188");
    // 15 product ids (package × platform), 7 distinct packages: the platforms are not carried.
    assert_eq!(r.affected.len(), 7);
    assert!(r.affected.iter().all(|a| a.status == Status::Fixed && a.product.vendor.as_deref() == Some("Red Hat")));
    assert!(r.affected.iter().any(|a| a.product.name.as_deref() == Some("telnet-server-1:0.17-65.el7_6.x86_64")));
    assert_eq!(r.remediations[0].products.len(), 15);
    assert!(r.remediations[0].products[0].ends_with("as a component of Red Hat Enterprise Linux Server AUS (v. 7.6)"));
}

#[test]
fn bsi_advisory() {
    let got = csaf::read(&testdata("csaf-bsi-2022-0001.json")).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let r = find(&got.records, "CVE-2022-27193");
    assert_eq!(r.source.as_ref().unwrap().publisher, "https://www.bsi.bund.de");
    assert_eq!(r.aliases, ["csaf-tools/CVRF-CSAF-Converter#78"]);
    // No release date: the document's initial release date.
    assert_eq!(r.published.as_deref(), Some("2022-03-17T13:03:42.105Z"));
    let rc1 = r.affected.iter().find(|a| a.versions == ["1.0.0-rc1"]).unwrap();
    assert_eq!(rc1.status, Status::Affected);
    assert_eq!(rc1.product.cpes, ["cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-rc1"]);
    assert_eq!((rc1.product.vendor.as_deref(), rc1.product.name.as_deref()), (Some("CSAF Tools"), Some("CVRF-CSAF-Converter")));
    assert_eq!(r.affected.iter().filter(|a| a.status == Status::Affected).count(), 5);
    // `fixed` and `first_fixed` both name the rc2: one entry.
    let fixed: Vec<_> = r.affected.iter().filter(|a| a.status == Status::Fixed).collect();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].versions, ["1.0.0-rc2"]);
    let s = &r.scores[0];
    assert_eq!((s.kind.as_str(), s.base_score), ("CVSS_V3", Some(6.1)));
    assert_eq!(s.vector, "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C");
    assert_eq!(s.products.len(), 5);
    assert_eq!(r.weaknesses[0].name.as_deref(), Some("Improper Restriction of XML External Entity Reference"));
    assert_eq!(r.credits[0].name, "Damian Pfammatter (Cyber-Defense Campus)");
}

#[test]
fn vex_document() {
    let got = csaf::read(&testdata("csaf-sec-vex-2022-0001.json")).unwrap();
    assert_eq!(got.records.len(), 3);
    for id in ["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"] {
        let r = find(&got.records, id);
        let a = &r.affected[0];
        assert_eq!(a.status, Status::NotAffected);
        assert_eq!(a.justification.as_deref(), Some("component_not_present"));
        // `<=1.14.0` is not a `vers:` range: kept as written, with a diagnostic.
        assert_eq!(a.versions, ["<=1.14.0"]);
    }
    let d: Vec<_> = got.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(d, [("unsupported_range", "/product_tree/branches/0/branches/0/branches/0/product")]);
    // Three CSAF records of three CVEs stay three vulnerabilities.
    assert_eq!(merge(got.records).len(), 3);
}

#[test]
fn vex_impact_statement_and_all_versions() {
    let Some(dir) = shared("csaf/examples/csaf/csaf_vex") else { return };
    let na = csaf::read(&std::fs::read(dir.join("2022-evd-uc-01-na-001.json")).unwrap()).unwrap();
    let a = &na.records[0].affected[0];
    assert_eq!((a.status, a.justification.as_deref()), (Status::NotAffected, Some("Class with vulnerable code was removed before shipping.")));
    assert_eq!(a.versions, ["4.2"]);
    // `vers:all/*`: every version.
    let ui = csaf::read(&std::fs::read(dir.join("2022-evd-uc-05-001.json")).unwrap()).unwrap();
    let a = &ui.records[0].affected[0];
    assert_eq!(a.status, Status::UnderInvestigation);
    assert_eq!((a.ranges.len(), a.ranges[0].introduced.as_str(), a.ranges[0].fixed.as_deref()), (1, "0", None));
}

#[test]
fn cisco_advisory() {
    let Some(path) = shared("csaf/examples/csaf/cisco-sa-20180328-smi2.json") else { return };
    let got = csaf::read(&std::fs::read(path).unwrap()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let r = find(&got.records, "CVE-2018-0171");
    assert_eq!(r.source.as_ref().unwrap().publisher, "https://www.cisco.com");
    assert_eq!(r.aliases, ["CSCvg76186"]);
    let s = &r.scores[0];
    assert_eq!((s.kind.as_str(), s.vector.as_str(), s.base_score), ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Some(9.8)));
    // Products by vendor and product name, each with every affected release (the service pack
    // branch, under the train's product_version branch).
    let ios = r.affected.iter().find(|a| a.product.name.as_deref() == Some("IOS")).unwrap();
    assert_eq!((ios.status, ios.product.vendor.as_deref()), (Status::Affected, Some("Cisco")));
    assert!(ios.versions.iter().any(|v| v == "12.2(55)SE"), "{:?}", ios.versions);
    assert!(r.affected.iter().any(|a| a.product.name.as_deref() == Some("Cisco IOS XE Software")));
    assert!(r.remediations.iter().any(|m| m.kind == "workaround" && !m.products.is_empty()));
    assert_eq!(r.title.as_deref(), Some("Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability"));
}

/// What the examples do not show: purls (CSAF 2.0 `purl` and 2.1 `purls`), `vers:` ranges,
/// product groups, relationships, exploit status, ids shared by two vulnerabilities, unknown
/// product ids, and a tree nested too deep.
#[test]
fn purls_ranges_groups_and_threats() {
    let mut deep = serde_json::json!({"category": "product_name", "name": "deep", "product": {"name": "deep", "product_id": "DEEP"}});
    for _ in 0..40 {
        deep = serde_json::json!({"category": "vendor", "name": "v", "branches": [deep]});
    }
    let doc = serde_json::json!({
        "document": {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": "Doc title",
            "publisher": {"category": "vendor", "name": "Acme PSIRT", "namespace": "https://acme.example"},
            "tracking": {"id": "ACME-2024-1", "initial_release_date": "2024-01-01T00:00:00Z", "current_release_date": "2024-02-01T00:00:00Z",
                "revision_history": [], "status": "final", "version": "1"},
            "references": [{"category": "self", "summary": "self", "url": "https://acme.example/ACME-2024-1.json"}]},
        "product_tree": {
            "branches": [{"category": "vendor", "name": "Acme", "branches": [
                {"category": "product_name", "name": "widget", "branches": [
                    {"category": "product_version_range", "name": "vers:npm/>=1.0.0|<1.4.2",
                     "product": {"name": "Acme widget >=1.0.0 <1.4.2", "product_id": "P-RANGE",
                       "product_identification_helper": {"purl": "pkg:npm/%40acme/widget"}}},
                    {"category": "product_version", "name": "1.4.2",
                     "product": {"name": "Acme widget 1.4.2", "product_id": "P-FIXED",
                       "product_identification_helper": {"purl": "pkg:npm/%40acme/widget@1.4.2"}}},
                    {"category": "product_version_range", "name": "vers:npm/>1.0.0",
                     "product": {"name": "Acme widget >1.0.0", "product_id": "P-ODD"}}]}]},
                deep],
            "full_product_names": [{"name": "Acme lib 2.0", "product_id": "P-LIB",
                "product_identification_helper": {"purls": ["pkg:cargo/acme-lib@2.0.0"], "cpe": "cpe:2.3:a:acme:lib:2.0.0:*:*:*:*:*:*:*"}}],
            "relationships": [{"category": "default_component_of", "product_reference": "P-LIB", "relates_to_product_reference": "P-FIXED",
                "full_product_name": {"name": "Acme lib 2.0 in widget 1.4.2", "product_id": "P-REL"}},
                {"category": "default_component_of", "product_reference": "P-NOPE", "relates_to_product_reference": "P-FIXED",
                "full_product_name": {"name": "ghost", "product_id": "P-GHOST"}}],
            "product_groups": [{"group_id": "G-ALL", "product_ids": ["P-RANGE", "P-REL"]}]
        },
        "vulnerabilities": [
            {"ids": [{"system_name": "Acme Bug", "text": "ACME-BUG-7"}, {"system_name": "GHSA", "text": "GHSA-aaaa-bbbb-cccc"}],
             "notes": [{"category": "summary", "text": "Summary."}, {"category": "general", "text": "General."}],
             "product_status": {"known_affected": ["P-RANGE", "P-REL", "P-MISSING"], "fixed": ["P-FIXED"], "recommended": ["P-FIXED"],
                 "known_not_affected": ["P-ODD"]},
             "threats": [{"category": "exploit_status", "details": "Exploited in the wild."},
                 {"category": "impact", "details": "Not reachable.", "product_ids": ["P-ODD"]}],
             "remediations": [{"category": "vendor_fix", "details": "Update.", "group_ids": ["G-ALL", "G-NOPE"]}],
             "cwes": [{"id": "CWE-79", "name": "XSS"}],
             "scores": [{"products": ["P-RANGE"], "cvss_v4": {"version": "4.0", "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "baseScore": 9.3}}]},
            {"cve": "CVE-2024-0002", "ids": [{"system_name": "Acme Bug", "text": "ACME-BUG-7"}], "notes": [{"category": "description", "text": "D."}],
             "product_status": {"known_affected": ["P-LIB"]}},
            {"notes": [{"category": "description", "text": "No id."}]}
        ]
    });
    let got = csaf::read(doc.to_string().as_bytes()).unwrap();
    let codes: Vec<_> = got.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    for expected in [
        ("unsupported_range", "/product_tree/branches/0/branches/0/branches/2/product"),
        (
            "too_deep",
            "/product_tree/branches/1/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches/0/branches",
        ),
        ("unknown_product", "/product_tree/relationships/1/product_reference"),
        ("unknown_product", "/vulnerabilities/0/product_status/known_affected/2"),
        ("unknown_group", "/vulnerabilities/0/remediations/0/group_ids/1"),
        ("shared_id", "/vulnerabilities/0/ids/0/text"),
        ("shared_id", "/vulnerabilities/1/ids/0/text"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
    assert_eq!(got.records.len(), 3);
    // No CVE: the first id that is not shared; the shared bug id is no alias.
    let r = &got.records[0];
    assert_eq!(r.id, "GHSA-aaaa-bbbb-cccc");
    assert!(r.aliases.is_empty());
    assert_eq!(r.title.as_deref(), Some("Doc title"));
    assert_eq!(r.description.as_deref(), Some("Summary.\n\nExploit status: Exploited in the wild."));
    let range = r.affected.iter().find(|a| a.product.purl.as_deref() == Some("pkg:npm/%40acme/widget")).unwrap();
    assert_eq!((range.product.ecosystem.as_deref(), range.product.package.as_deref()), (Some("npm"), Some("@acme/widget")));
    assert_eq!(range.ranges.len(), 1);
    assert_eq!((range.ranges[0].scheme.as_str(), range.ranges[0].introduced.as_str(), range.ranges[0].fixed.as_deref()), ("npm", "1.0.0", Some("1.4.2")));
    let fixed = r.affected.iter().find(|a| a.status == Status::Fixed).unwrap();
    assert_eq!(fixed.versions, ["1.4.2"]);
    let odd = r.affected.iter().find(|a| a.status == Status::NotAffected).unwrap();
    assert_eq!((odd.versions.as_slice(), odd.justification.as_deref()), (&["vers:npm/>1.0.0".to_string()][..], Some("Not reachable.")));
    // The relationship is its component, under the relationship's name.
    let rel = r.affected.iter().find(|a| a.product.purl.as_deref() == Some("pkg:cargo/acme-lib@2.0.0")).unwrap();
    assert_eq!((rel.product.ecosystem.as_deref(), rel.product.package.as_deref()), (Some("crates.io"), Some("acme-lib")));
    assert_eq!(rel.versions, ["2.0.0"]);
    assert_eq!(rel.product.cpes, ["cpe:2.3:a:acme:lib:2.0.0:*:*:*:*:*:*:*"]);
    assert_eq!(r.remediations[0].products, ["Acme widget >=1.0.0 <1.4.2", "Acme lib 2.0 in widget 1.4.2"]);
    assert_eq!((r.scores[0].kind.as_str(), r.scores[0].base_score), ("CVSS_V4", Some(9.3)));
    assert_eq!(r.weaknesses[0].id, "CWE-79");
    assert!(r.references.iter().any(|x| x.kind.as_deref() == Some("ADVISORY")));
    let r = &got.records[1];
    assert_eq!((r.id.as_str(), r.aliases.len()), ("CVE-2024-0002", 0));
    assert_eq!(got.records[2].id, "ACME-2024-1#2");
}

/// A long product name named by many remediations would be copied into each: the copies are
/// bounded (`MAX_COPIED_BYTES`), the rest is left out with one diagnostic.
#[test]
fn repetition_is_bounded() {
    let name = "n".repeat(1 << 20);
    let remediation = serde_json::json!({"category": "vendor_fix", "details": "x", "product_ids": ["P"]});
    let doc = serde_json::json!({
        "document": {"csaf_version": "2.0", "publisher": {"namespace": "https://acme.example"}, "tracking": {"id": "T"}},
        "product_tree": {"full_product_names": [{"name": name, "product_id": "P"}]},
        "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": {"known_affected": ["P"]}, "remediations": vec![remediation; 300]}]
    });
    let got = csaf::read(doc.to_string().as_bytes()).unwrap();
    assert_eq!(got.diagnostics.iter().filter(|d| d.code == "too_large").count(), 1, "{:?}", got.diagnostics.iter().map(|d| &d.code).collect::<Vec<_>>());
    let copied: usize = got.records[0].remediations.iter().flat_map(|m| &m.products).map(String::len).sum();
    assert!(copied <= csaf::MAX_COPIED_BYTES, "{copied}");
}

/// Many product ids of one product: one entry with every version, read in linear time.
#[test]
fn many_versions_of_one_product() {
    let n = 30_000;
    let leaves: Vec<_> = (0..n)
        .map(|i| serde_json::json!({"category": "product_version", "name": format!("1.{i}"), "product": {"name": format!("W 1.{i}"), "product_id": format!("P{i}")}}))
        .collect();
    let ids: Vec<_> = (0..n).map(|i| format!("P{i}")).collect();
    let doc = serde_json::json!({
        "document": {"csaf_version": "2.0", "publisher": {"namespace": "https://acme.example"}, "tracking": {"id": "T"}},
        "product_tree": {"branches": [{"category": "product_name", "name": "W", "branches": leaves}]},
        "vulnerabilities": [{"cve": "CVE-2024-0001", "product_status": {"known_affected": ids.clone(), "first_affected": ids}}]
    });
    let started = std::time::Instant::now();
    let got = csaf::read(doc.to_string().as_bytes()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", &got.diagnostics[..1]);
    assert_eq!(got.records[0].affected.len(), 1);
    assert_eq!(got.records[0].affected[0].versions.len(), n);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn not_an_object_is_refused() {
    assert!(csaf::read(b"[]").is_err());
    assert!(csaf::read(b"{").is_err());
    let got = csaf::read(b"{}").unwrap();
    assert!(got.records.is_empty());
    assert!(got.diagnostics.iter().any(|d| d.pointer == "/document"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = csaf::read(&bytes);
    }

    #[test]
    fn never_panics_on_damaged_documents(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"{}[]\":,0a \\".to_vec())), 0..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let name = ["csaf-bsi-2022-0001.json", "csaf-rhsa-2021_5217.json", "csaf-sec-vex-2022-0001.json"][which];
        if let Ok(got) = csaf::read(&mutate(testdata(name), &edits, cut)) {
            let _ = merge(got.records);
        }
    }

    /// Well-formed JSON with members of the wrong type where the importer expects others.
    #[test]
    fn never_panics_on_wrong_types(
        which in 0usize..3,
        path in proptest::collection::vec(any::<prop::sample::Index>(), 1..6),
        replacement in prop_oneof![Just(serde_json::json!(null)), Just(serde_json::json!(7)), Just(serde_json::json!("x")),
            Just(serde_json::json!([])), Just(serde_json::json!({})), Just(serde_json::json!([1, {"a": []}]))],
    ) {
        let name = ["csaf-bsi-2022-0001.json", "csaf-rhsa-2021_5217.json", "csaf-sec-vex-2022-0001.json"][which];
        let mut doc: serde_json::Value = serde_json::from_slice(&testdata(name)).unwrap();
        // Walk down by the indexes, immutably, to a JSON pointer; then replace what is there.
        let mut pointer = String::new();
        let mut at = &doc;
        for step in &path {
            let (token, next) = match at {
                serde_json::Value::Object(m) if !m.is_empty() => {
                    let (k, v) = m.iter().nth(step.index(m.len())).unwrap();
                    (k.replace('~', "~0").replace('/', "~1"), v)
                }
                serde_json::Value::Array(a) if !a.is_empty() => {
                    let i = step.index(a.len());
                    (i.to_string(), &a[i])
                }
                _ => break,
            };
            pointer = format!("{pointer}/{token}");
            at = next;
        }
        if let Some(slot) = doc.pointer_mut(&pointer) {
            *slot = replacement;
        }
        if let Ok(got) = csaf::read(doc.to_string().as_bytes()) {
            let _ = merge(got.records);
        }
    }
}
