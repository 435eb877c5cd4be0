//! CSAF: the OASIS CSAF 2.0 VEX examples (read in place from the shared data folder, OASIS licence,
//! not copied), the other CSAF 2.0 examples beside them, and small documents written here for what
//! the examples lack (purls, product groups, flags, relationships out of order, errors).

use std::path::{Path, PathBuf};

use clearinghouse_vex::codes::{self, Severity};
use clearinghouse_vex::{ProductRef, Status, VexDocument, VexFormat, read};

fn examples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/csaf/examples/csaf");
    if dir.join("csaf_vex").is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: the CSAF examples are not at {}", dir.display());
        None
    }
}

fn load(dir: &Path, rel: &str) -> VexDocument {
    let bytes = std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    read(&bytes).unwrap_or_else(|e| panic!("{rel}: {e:?}"))
}

/// (vulnerability, status, product names) of each statement.
fn summary(doc: &VexDocument) -> Vec<(String, Status, Vec<String>)> {
    doc.statements.iter().map(|s| (s.vulnerability.clone(), s.status, s.products.iter().map(|p| p.name.clone().unwrap_or_default()).collect())).collect()
}

fn owned(v: &[(&str, Status, &[&str])]) -> Vec<(String, Status, Vec<String>)> {
    v.iter().map(|(id, s, names)| (id.to_string(), *s, names.iter().map(|n| n.to_string()).collect())).collect()
}

#[test]
fn every_csaf_vex_example_reads_without_errors_or_warnings() {
    let Some(dir) = examples() else { return };
    let mut n = 0;
    for entry in std::fs::read_dir(dir.join("csaf_vex")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        n += 1;
        let doc = read(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert_eq!(doc.format, VexFormat::Csaf);
        let faults: Vec<_> = doc.diagnostics.iter().filter(|d| codes::severity(&d.code) != Severity::Note).map(ToString::to_string).collect();
        assert_eq!(faults, Vec::<String>::new(), "{}", path.display());
        assert!(!doc.statements.is_empty(), "{}", path.display());
        for s in &doc.statements {
            assert!(s.location.starts_with("/vulnerabilities/") && s.location.contains("/product_status/"), "{s:?}");
            assert_eq!(s.timestamp.as_deref().map(|t| t.len() >= 20), Some(true), "{s:?}");
            assert!(!s.products.is_empty());
        }
    }
    assert_eq!(n, 13);
}

#[test]
fn use_case_1_one_document_per_status() {
    let Some(dir) = examples() else { return };
    let a = load(&dir, "csaf_vex/2022-evd-uc-01-a-001.json");
    assert_eq!(summary(&a), owned(&[("CVE-2021-44228", Status::Affected, &["Example Company DEF 1.0"])]));
    let s = &a.statements[0];
    assert_eq!(s.action.as_deref(), Some("vendor_fix: Customers should update to version 1.1 of product DEF which fixes the issue."));
    assert_eq!((s.justification.as_deref(), s.detail.as_deref()), (None, None));
    assert_eq!(s.timestamp.as_deref(), Some("2022-03-03T11:00:00.000Z"));
    assert_eq!(s.location, "/vulnerabilities/0/product_status/known_affected");
    // The product_version branch gives the version of a product without purl.
    assert_eq!(s.products, [ProductRef { name: Some("Example Company DEF 1.0".into()), version: Some("1.0".into()), ..ProductRef::default() }]);

    let f = load(&dir, "csaf_vex/2022-evd-uc-01-f-001.json");
    assert_eq!(summary(&f), owned(&[("CVE-2021-44228", Status::Fixed, &["Example Company DEF 1.1"])]));
    assert_eq!(f.statements[0].location, "/vulnerabilities/0/product_status/fixed");

    let ui = load(&dir, "csaf_vex/2022-evd-uc-01-ui-001.json");
    assert_eq!(summary(&ui), owned(&[("CVE-2021-44228", Status::UnderInvestigation, &["Example Company GHI 17.4"])]));

    // Not affected: this example says why in an impact threat only, without a flag, so there is a
    // detail and no justification code (and no missing_justification diagnostic).
    let na = load(&dir, "csaf_vex/2022-evd-uc-01-na-001.json");
    assert_eq!(summary(&na), owned(&[("CVE-2021-44228", Status::NotAffected, &["Example Company ABC 4.2"])]));
    let s = &na.statements[0];
    assert_eq!(s.justification, None);
    assert_eq!(s.detail.as_deref(), Some("Class with vulnerable code was removed before shipping."));
    assert_eq!(s.action, None);
    assert_eq!(na.diagnostics, []);
}

#[test]
fn flags_give_the_justification() {
    let Some(dir) = examples() else { return };
    let doc = load(&dir, "csaf_vex/sec-vex-2022-0001.json");
    let got: Vec<_> = doc.statements.iter().map(|s| (s.vulnerability.as_str(), s.status, s.justification.as_deref(), s.detail.as_deref())).collect();
    let detail = Some("Secvisogram is written in JavaScript. No Java is included.");
    assert_eq!(
        got,
        [
            ("CVE-2021-44228", Status::NotAffected, Some("component_not_present"), detail),
            ("CVE-2021-45046", Status::NotAffected, Some("component_not_present"), detail),
            ("CVE-2021-45105", Status::NotAffected, Some("component_not_present"), detail),
        ]
    );
    assert_eq!(doc.statements[0].products[0].version_range.as_deref(), Some("<=1.14.0"));
}

#[test]
fn multiple_statuses_in_one_document() {
    let Some(dir) = examples() else { return };
    let doc = load(&dir, "csaf_vex/2022-evd-uc-03-ms-001.json");
    let status = |cve: &str| doc.statements.iter().find(|s| s.vulnerability == cve).map(|s| s.status);
    assert_eq!(doc.statements.len(), 19);
    assert_eq!(status("CVE-2020-11896"), Some(Status::UnderInvestigation));
    assert_eq!(status("CVE-2020-11897"), Some(Status::NotAffected));
    assert_eq!(status("CVE-2020-11898"), Some(Status::Affected));
    assert_eq!(status("CVE-2020-11901"), Some(Status::Fixed));
    let s = doc.statements.iter().find(|s| s.vulnerability == "CVE-2020-11907").unwrap();
    assert_eq!(s.action.as_deref(), Some("none_available: We are working to integrate the upstream patches in our code."));
}

#[test]
fn products_with_different_details_get_different_statements() {
    let Some(dir) = examples() else { return };
    // Use case 7: ABC and JKL, versions and ranges; not affected for two reasons.
    let doc = load(&dir, "csaf_vex/2022-evd-uc-07-001.json");
    let got: Vec<_> = doc.statements.iter().map(|s| (s.status, s.products.len(), s.detail.as_deref(), s.action.as_deref())).collect();
    assert_eq!(
        got,
        [
            (Status::Affected, 3, None, Some("vendor_fix: Update to version 4.2 or later.")),
            (Status::Affected, 1, None, Some("vendor_fix: Update to the new version 5.1 or later.")),
            (Status::NotAffected, 4, Some("Class with vulnerable code was removed before shipping."), None),
            (Status::NotAffected, 1, Some("Log4j was not included in those versions at all."), None),
            (Status::Fixed, 1, None, None),
        ]
    );
    let ranges: Vec<_> = doc.statements[0].products.iter().map(|p| p.version.clone().or(p.version_range.clone()).unwrap()).collect();
    assert_eq!(ranges, ["2.4", "2.6", "vers:generic/>=2.9|<=4.1"]);
}

#[test]
fn other_csaf_examples() {
    let Some(dir) = examples() else { return };
    // A security advisory with product_status is read like a VEX; relationships name the
    // component as part of the platform.
    let doc = load(&dir, "rhsa-2021_5186.json");
    assert_eq!(doc.format, VexFormat::Csaf);
    let s = &doc.statements[1];
    assert_eq!((s.vulnerability.as_str(), s.status), ("CVE-2021-4104", Status::Fixed));
    assert_eq!(s.aliases, ["https://bugzilla.redhat.com/show_bug.cgi?id=2031667"]);
    assert!(s.products[0].name.as_deref().unwrap().ends_with(" as a component of Red Hat OpenShift Container Platform 4.6"));
    // CPE helpers (bsi) and a first_fixed list.
    let doc = load(&dir, "bsi-2022-0001.json");
    let s = &doc.statements[0];
    assert_eq!(s.products[0].cpe.as_deref(), Some("cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha"));
    assert!(s.products[0].matches_component(None, None, &["cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-alpha:*:*:*:*:*:*:*".into()]));
    assert_eq!(doc.statements[1].location, "/vulnerabilities/0/product_status/first_fixed");
    // An informational advisory says nothing about product status.
    let err = read(&std::fs::read(dir.join("rhsa-2019_1862.json")).unwrap()).unwrap_err();
    assert_eq!(err[0].code, codes::NOT_VEX);
    // Cisco: hundreds of known_affected products, all in one statement.
    let doc = load(&dir, "cisco-sa-20180328-smi2.json");
    assert_eq!(doc.statements.len(), 1);
    assert!(doc.statements[0].products.len() > 200);
}

const TREE: &str = r#"{
  "document": {"category": "csaf_vex", "csaf_version": "2.0", "tracking": {"current_release_date": "2024-06-01T00:00:00Z"}},
  "product_tree": {
    "branches": [{"category": "vendor", "name": "Example", "branches": [
      {"category": "product_name", "name": "libfoo", "branches": [
        {"category": "product_version", "name": "1.2.3", "product": {"name": "libfoo 1.2.3", "product_id": "foo-1.2.3",
          "product_identification_helper": {"purl": "pkg:cargo/libfoo@1.2.3"}}},
        {"category": "product_version", "name": "libfoo", "product": {"name": "libfoo (all)", "product_id": "foo-all",
          "product_identification_helper": {"purl": "pkg:cargo/libfoo"}}}
      ]},
      {"category": "product_name", "name": "Appliance", "product": {"name": "Example Appliance 9", "product_id": "appliance-9",
        "product_identification_helper": {"cpe": "cpe:2.3:o:example:appliance:9:*:*:*:*:*:*:*"}}}
    ]}],
    "full_product_names": [{"name": "Gadget", "product_id": "gadget", "product_identification_helper": {"purl": "pkg:npm/%40example/gadget@2.0.0"}}],
    "relationships": [
      {"category": "installed_on", "product_reference": "foo-on-appliance", "relates_to_product_reference": "gadget",
       "full_product_name": {"name": "libfoo on the appliance, with the gadget", "product_id": "foo-on-appliance-with-gadget"}},
      {"category": "default_component_of", "product_reference": "foo-1.2.3", "relates_to_product_reference": "appliance-9",
       "full_product_name": {"name": "libfoo 1.2.3 as a component of Example Appliance 9", "product_id": "foo-on-appliance"}}
    ],
    "product_groups": [{"group_id": "g-all", "product_ids": ["foo-all", "gadget"]}]
  },
  "vulnerabilities": [
    {
      "cve": "CVE-2024-0001",
      "ids": [{"system_name": "GitHub", "text": "GHSA-aaaa-bbbb-cccc"}, {"system_name": "RustSec", "text": "RUSTSEC-2024-0001"}],
      "product_status": {
        "known_not_affected": ["foo-all", "gadget", "foo-on-appliance-with-gadget"],
        "known_affected": ["foo-1.2.3"],
        "fixed": ["appliance-9"]
      },
      "flags": [{"label": "vulnerable_code_not_in_execute_path", "group_ids": ["g-all"]}],
      "threats": [{"category": "impact", "details": "The parser is never called.", "product_ids": ["gadget"]}],
      "remediations": [{"category": "vendor_fix", "details": "Update to 1.2.4.", "url": "https://example.com/fix", "product_ids": ["foo-1.2.3", "appliance-9"]}]
    }
  ]
}"#;

#[test]
fn product_tree_purls_cpes_groups_flags_and_relationships() {
    let doc = read(TREE.as_bytes()).unwrap();
    let got: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(got, [(codes::MISSING_JUSTIFICATION, "/vulnerabilities/0/product_status/known_not_affected")]);
    let s = &doc.statements;
    let got: Vec<_> = s.iter().map(|s| (s.status, s.products.iter().map(|p| p.name.as_deref().unwrap()).collect::<Vec<_>>())).collect();
    assert_eq!(
        got,
        [
            (Status::Affected, vec!["libfoo 1.2.3"]),
            (Status::NotAffected, vec!["libfoo (all)"]),
            (Status::NotAffected, vec!["Gadget"]),
            (Status::NotAffected, vec!["libfoo on the appliance, with the gadget"]),
            (Status::Fixed, vec!["Example Appliance 9"]),
        ]
    );
    assert_eq!(
        (s[0].vulnerability.as_str(), s[0].aliases.as_slice()),
        ("CVE-2024-0001", ["GHSA-aaaa-bbbb-cccc".to_string(), "RUSTSEC-2024-0001".to_string()].as_slice())
    );
    assert_eq!(s[0].action.as_deref(), Some("vendor_fix: Update to 1.2.4. (https://example.com/fix)"));
    assert_eq!(s[0].products[0].purl.as_deref(), Some("pkg:cargo/libfoo@1.2.3"));
    assert_eq!(s[0].products[0].version, None, "the purl has the version");
    // The flag reached both group members; the gadget also has an impact.
    assert_eq!((s[1].justification.as_deref(), s[1].detail.as_deref()), (Some("vulnerable_code_not_in_execute_path"), None));
    assert_eq!(s[1].products[0].version, None, "a purl without version: all versions, whatever the branch is called");
    assert!(s[1].products[0].matches_component(Some("pkg:cargo/libfoo@0.9.0"), None, &[]));
    assert_eq!((s[2].justification.as_deref(), s[2].detail.as_deref()), (Some("vulnerable_code_not_in_execute_path"), Some("The parser is never called.")));
    assert_eq!(s[2].products[0].purl.as_deref(), Some("pkg:npm/%40example/gadget@2.0.0"));
    // A relationship on a relationship defined after it: the component's identifiers, two levels down.
    assert_eq!(s[3].products[0].purl.as_deref(), Some("pkg:cargo/libfoo@1.2.3"));
    assert!(s[3].justification.is_none() && s[3].detail.is_none());
    // The CPE of the platform.
    assert_eq!(s[4].products[0].cpe.as_deref(), Some("cpe:2.3:o:example:appliance:9:*:*:*:*:*:*:*"));
    assert_eq!(s[4].action.as_deref(), Some("vendor_fix: Update to 1.2.4. (https://example.com/fix)"));
    assert!(s.iter().all(|s| s.timestamp.as_deref() == Some("2024-06-01T00:00:00Z")));
}

#[test]
fn problems_are_reported_where_they_are() {
    let doc = read(
        br#"{
      "document": {"category": "csaf_vex", "csaf_version": "2.1"},
      "product_tree": {
        "full_product_names": [
          {"name": "A", "product_id": "A", "product_identification_helper": {"purl": "not a purl", "cpe": "cpe:/z:nope"}},
          {"name": "A again", "product_id": "A"},
          {"name": "no id"}
        ],
        "relationships": [{"category": "default_component_of", "product_reference": "ghost", "relates_to_product_reference": "A",
                           "full_product_name": {"name": "ghost in A", "product_id": "GA"}}]
      },
      "vulnerabilities": [
        {"cve": "CVE-1", "product_status": {"known_affected": ["A", "B"], "fixed": ["A"], "probably_fine": ["A"]},
         "flags": [{"label": "it_is_fine", "product_ids": ["A"], "group_ids": ["nogroup"]}]},
        {"notes": []},
        {"cve": "CVE-3"}
      ]
    }"#,
    )
    .unwrap();
    let got: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(
        got,
        [
            (codes::UNSUPPORTED_VERSION, "/document/csaf_version"),
            (codes::INVALID_PURL, "/product_tree/full_product_names/0/product_identification_helper/purl"),
            (codes::INVALID_CPE, "/product_tree/full_product_names/0/product_identification_helper/cpe"),
            (codes::DUPLICATE_PRODUCT_ID, "/product_tree/full_product_names/1/product_id"),
            (codes::MISSING_FIELD, "/product_tree/full_product_names/2/product_id"),
            (codes::UNKNOWN_PRODUCT_ID, "/product_tree/relationships/0/product_reference"),
            (codes::UNKNOWN_JUSTIFICATION, "/vulnerabilities/0/flags/0/label"),
            (codes::UNKNOWN_PRODUCT_ID, "/vulnerabilities/0/flags/0/group_ids/0"),
            (codes::UNKNOWN_STATUS, "/vulnerabilities/0/product_status/probably_fine"),
            (codes::UNKNOWN_PRODUCT_ID, "/vulnerabilities/0/product_status/known_affected/1"),
            (codes::CONTRADICTORY_STATUS, "/vulnerabilities/0/product_status/fixed/0"),
            (codes::MISSING_VULNERABILITY, "/vulnerabilities/1/cve"),
            (codes::MISSING_STATUS, "/vulnerabilities/2/product_status"),
        ]
    );
    let got: Vec<_> = doc.statements.iter().map(|s| (s.status, s.products.clone())).collect();
    let a = ProductRef { name: Some("A".into()), ..ProductRef::default() };
    assert_eq!(got, [(Status::Affected, vec![a.clone()]), (Status::Fixed, vec![a])]);
}

#[test]
fn advisories_without_product_status_are_not_vex() {
    let err = read(br#"{"document": {"category": "csaf_security_advisory", "csaf_version": "2.0"}, "vulnerabilities": [{"cve": "CVE-1"}]}"#).unwrap_err();
    assert_eq!(err[0].code, codes::NOT_VEX);
    let err = read(br#"{"document": {"category": "csaf_base", "csaf_version": "2.0"}}"#).unwrap_err();
    assert_eq!(err[0].code, codes::NOT_VEX);
    // A csaf_vex without vulnerabilities is a (wrong) VEX: read, with nothing in it.
    let doc = read(br#"{"document": {"category": "csaf_vex", "csaf_version": "2.0"}}"#).unwrap();
    assert_eq!((doc.statements.len(), doc.diagnostics[0].code.as_str()), (0, codes::MISSING_FIELD));
}

#[test]
fn a_product_named_everywhere_is_bounded() {
    // One product with a long name, named a hundred thousand times: the copies stop at the output
    // budget instead of growing with the references.
    let name = "n".repeat(4000);
    let ids = vec!["\"p\""; 100_000].join(",");
    let doc = format!(
        r#"{{"document": {{"category": "csaf_vex"}}, "product_tree": {{"full_product_names": [{{"name": "{name}", "product_id": "p"}}]}},
            "vulnerabilities": [{{"cve": "CVE-1", "product_status": {{"known_affected": [{ids}]}}}}]}}"#
    );
    let doc = read(doc.as_bytes()).unwrap();
    assert_eq!(doc.diagnostics.last().unwrap().code, codes::OUTPUT_LIMIT);
    assert!(doc.statements.is_empty(), "the one statement would have been over the budget");
}
