//! CycloneDX VEX: the CycloneDX examples (NTIA and CISA use cases, copied under tests/data/cyclonedx)
//! and hand-written 1.5 and 1.6 documents, read into the statements their READMEs describe.

use std::path::{Path, PathBuf};

use clearinghouse_vex::codes::{self, Severity};
use clearinghouse_vex::{ProductRef, Statement, Status, VexDocument, VexFormat, read};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cyclonedx")
}

fn load(rel: &str) -> VexDocument {
    let bytes = std::fs::read(data().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    read(&bytes).unwrap_or_else(|e| panic!("{rel}: {e:?}"))
}

/// Diagnostics other than notes.
fn faults(doc: &VexDocument) -> Vec<String> {
    doc.diagnostics.iter().filter(|d| codes::severity(&d.code) != Severity::Note).map(ToString::to_string).collect()
}

fn only(doc: &VexDocument) -> &Statement {
    assert_eq!(doc.statements.len(), 1, "{:#?}", doc.statements);
    &doc.statements[0]
}

fn bom_ref(r: &str) -> ProductRef {
    ProductRef { bom_ref: Some(r.into()), ..ProductRef::default() }
}

fn named(r: &str, name: &str) -> ProductRef {
    ProductRef { name: Some(name.into()), ..bom_ref(r) }
}

const NOT_REACHABLE: &str =
    "Automated dataflow analysis and manual code review indicates that the vulnerable code is not reachable, either directly or indirectly.";

#[test]
fn every_example_reads_without_errors_or_warnings() {
    let mut files = Vec::new();
    let mut dirs = vec![data()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    // vex.json, 13 NTIA use cases, 11 CISA use-case documents, 2 hand-written.
    assert_eq!(files.len(), 27, "{files:#?}");
    for path in files {
        let doc = read(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert!(matches!(&doc.format, VexFormat::CycloneDx { spec } if ["1.4", "1.5", "1.6"].contains(&spec.as_str())), "{}", path.display());
        assert_eq!(faults(&doc), Vec::<String>::new(), "{}", path.display());
        assert!(!doc.statements.is_empty(), "{}", path.display());
        for s in &doc.statements {
            assert!(s.vulnerability.starts_with("CVE-") || s.vulnerability.starts_with("GHSA-") || s.vulnerability.starts_with("RUSTSEC-"), "{s:?}");
            assert!(s.location.starts_with("/vulnerabilities/"), "{s:?}");
        }
    }
}

#[test]
fn vex_json_resolves_a_bom_link_whose_fragment_is_a_purl() {
    let doc = load("vex.json");
    let s = only(&doc);
    assert_eq!(s.vulnerability, "CVE-2020-25649");
    assert_eq!(s.aliases, ["SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"]);
    assert_eq!(s.status, Status::NotAffected);
    assert_eq!(s.justification.as_deref(), Some("code_not_reachable"));
    assert_eq!(s.detail.as_deref(), Some(NOT_REACHABLE));
    assert_eq!(s.action.as_deref(), Some("will_not_fix, update"));
    // No analysis timestamps: the vulnerability's `updated`.
    assert_eq!(s.timestamp.as_deref(), Some("2021-10-26T00:00:00.000Z"));
    assert_eq!(s.location, "/vulnerabilities/0");
    assert_eq!(
        s.products,
        [ProductRef {
            purl: Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar".into()),
            ..bom_ref("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar")
        }]
    );
    assert!(s.names_vulnerability(["cve-2020-25649"]));
    assert!(s.names_vulnerability(["GHSA-xxxx", "snyk-java-comfasterxmljacksoncore-1048302"]));
    assert!(!s.names_vulnerability(["CVE-2020-2564"]));
    assert!(s.products[0].matches_component(Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"), None, &[]));
    assert!(!s.products[0].matches_component(Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.1?type=jar"), None, &[]));
}

#[test]
fn single_product_cases_give_their_status() {
    // Case 1 to 3: one product (the document's own metadata component), one vulnerability.
    for (case, status, justification) in
        [("Case-1", Status::NotAffected, Some("code_not_reachable")), ("Case-2", Status::Affected, None), ("Case-3", Status::UnderInvestigation, None)]
    {
        let doc = load(&format!("Use-Cases/{case}/vex.json"));
        let s = only(&doc);
        assert_eq!((s.vulnerability.as_str(), s.status, s.justification.as_deref()), ("CVE-2020-25649", status, justification), "{case}");
        assert_eq!(s.products, [named("acme-product", "Acme Product")], "{case}");
        assert_eq!(s.timestamp.as_deref(), Some("2022-01-13T00:00:00Z"), "{case}");
    }
    let case2 = load("Use-Cases/Case-2/vex.json");
    assert_eq!(
        only(&case2).detail.as_deref(),
        Some("This version of Acme Product is affected by the vulnerability. Customers are advised to upgrade to the latest release.")
    );
}

#[test]
fn version_ranges_are_kept_verbatim_and_never_matched_here() {
    // Case 4: not exploitable in 2.2.0 through 2.4.0.
    let doc = load("Use-Cases/Case-4/vex.json");
    let s = only(&doc);
    assert_eq!(s.status, Status::NotAffected);
    assert_eq!(s.products, [ProductRef { version_range: Some("vers:semver/>=2.2.0|<=2.4.0".into()), ..named("acme-product", "Acme Product") }]);
    assert!(!s.products[0].matches_component(Some("pkg:generic/acme-product@2.3.0"), Some("acme-product"), &[]));

    // Case 5: exploitable from 1.5.0 up to 7.0.0, not before nor after: two vulnerabilities, one statement each.
    let doc = load("Use-Cases/Case-5/vex.json");
    let got: Vec<_> = doc.statements.iter().map(|s| (s.status, s.products[0].version_range.as_deref(), s.location.as_str())).collect();
    assert_eq!(
        got,
        [
            (Status::Affected, Some("vers:semver/<7.0.0|>=1.5.0"), "/vulnerabilities/0"),
            (Status::NotAffected, Some("vers:semver/<1.5.0|>=7.0.0"), "/vulnerabilities/1")
        ]
    );
    assert_eq!(doc.statements[1].justification.as_deref(), Some("code_not_reachable"));
}

#[test]
fn single_versions_constrain_the_product() {
    // Case 10: not exploitable in 13 listed versions (2.3.1 twice, as written).
    let doc = load("Use-Cases/Case-10/vex.json");
    let s = only(&doc);
    assert_eq!(s.status, Status::NotAffected);
    let versions: Vec<_> = s.products.iter().map(|p| p.version.as_deref().unwrap()).collect();
    assert_eq!(versions, ["2.2.0", "2.2.1", "2.2.2", "2.3.0", "2.3.1", "2.3.1", "2.3.2", "2.3.3", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.4.0"]);
    assert!(s.products.iter().all(|p| p.bom_ref.as_deref() == Some("acme-product") && p.version_range.is_none()));
    // The bom-ref matches, and the version must be the component's.
    let matches = |purl: &str| s.products.iter().any(|p| p.matches_component(Some(purl), Some("acme-product"), &[]));
    assert!(matches("pkg:generic/acme/acme-product@2.3.1"));
    assert!(!matches("pkg:generic/acme/acme-product@2.5.0"));
    assert!(!s.products.iter().any(|p| p.matches_component(None, Some("acme-product"), &[])), "no version known: no match");

    // Case 8: three ranges and one version, all unaffected.
    let doc = load("Use-Cases/Case-8/vex.json");
    let s = only(&doc);
    let got: Vec<_> = s.products.iter().map(|p| (p.version.as_deref(), p.version_range.as_deref())).collect();
    assert_eq!(
        got,
        [
            (None, Some("vers:semver/>=2.0.0|<=2.7.0")),
            (None, Some("vers:semver/>=3.0.0|<=3.2.0")),
            (None, Some("vers:semver/>=3.8.0|<=4.1.0")),
            (Some("5.9.0"), None)
        ]
    );
}

#[test]
fn products_of_other_boms_are_bom_links() {
    // Case 6: three products, each described by its own BOM.
    let doc = load("Use-Cases/Case-6/vex.json");
    let s = only(&doc);
    assert_eq!(
        s.products,
        [
            bom_ref("urn:cdx:2c385cf7-e1ee-46e9-a51c-13de1ecb380a/1#acme-product-1"),
            bom_ref("urn:cdx:6ffac0b2-5246-4fb9-a6fe-7993041856a0/1#acme-product-2"),
            bom_ref("urn:cdx:240b5b0b-917d-4f48-816c-97e1944d8079/1#acme-product-3")
        ]
    );
    // The fragment is the component's bom-ref in that BOM.
    assert!(s.products[1].matches_component(None, Some("acme-product-2"), &[]));
    assert!(s.products[1].matches_component(None, Some("urn:cdx:6ffac0b2-5246-4fb9-a6fe-7993041856a0/1#acme-product-2"), &[]));
    assert!(!s.products[1].matches_component(None, Some("acme-product-1"), &[]));

    // Case 13: the same vulnerability, not exploitable in products 1 and 2, exploitable in 3.
    let doc = load("Use-Cases/Case-13/vex.json");
    let got: Vec<_> = doc.statements.iter().map(|s| (s.vulnerability.as_str(), s.status, s.products.len())).collect();
    assert_eq!(got, [("CVE-2020-25649", Status::NotAffected, 2), ("CVE-2020-25649", Status::Affected, 1)]);
    assert!(doc.statements[1].products[0].bom_ref.as_deref().unwrap().ends_with("#acme-product-3"));
}

#[test]
fn all_products_of_a_supplier_is_a_statement_without_products() {
    // Case 7: no affects at all ("any product made by Acme"), which is a note, not an error.
    let doc = load("Use-Cases/Case-7/vex.json");
    let s = only(&doc);
    assert_eq!((s.status, s.products.len()), (Status::NotAffected, 0));
    assert_eq!(s.detail.as_deref(), Some("This vulnerability is not exploitable in any current version of any product."));
    assert_eq!(s.timestamp.as_deref(), Some("2020-04-13T20:20:39+00:00"));
    let codes: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(codes, [(codes::MISSING_PRODUCTS, "/vulnerabilities/0/affects")]);
}

#[test]
fn many_vulnerabilities_and_justifications() {
    // Case 9: none of the 19 Ripple20 vulnerabilities is exploitable in three products.
    let doc = load("Use-Cases/Case-9/vex.json");
    assert_eq!(doc.statements.len(), 19);
    for (i, s) in doc.statements.iter().enumerate() {
        assert_eq!(s.vulnerability, format!("CVE-2020-{}", 11896 + i));
        assert_eq!((s.status, s.products.len()), (Status::NotAffected, 3));
        assert_eq!(s.timestamp, None, "the document has no timestamp anywhere");
    }
    // Case 12: two not exploitable with different justifications, one exploitable.
    let doc = load("Use-Cases/Case-12/vex.json");
    let got: Vec<_> = doc.statements.iter().map(|s| (s.vulnerability.as_str(), s.status, s.justification.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("CVE-2020-25649", Status::NotAffected, Some("code_not_reachable")),
            ("CVE-2020-35491", Status::Affected, None),
            ("CVE-2020-14195", Status::NotAffected, Some("protected_by_mitigating_control"))
        ]
    );
    assert_eq!(doc.statements[1].detail.as_deref(), Some("Update to Acme Product v2.4.0 or higher"));
}

#[test]
fn cisa_use_cases() {
    // Case 1: one document per status.
    for (file, status) in [
        ("vex-affected.json", Status::Affected),
        ("vex-fixed.json", Status::Fixed),
        ("vex-not_affected.json", Status::NotAffected),
        ("vex-under_investigation.json", Status::UnderInvestigation),
    ] {
        let doc = load(&format!("CISA-Use-Cases/Case-1/{file}"));
        let s = only(&doc);
        assert_eq!((s.vulnerability.as_str(), s.status), ("CVE-2021-44228", status), "{file}");
        assert_eq!(s.products.len(), 1);
        assert!(s.products[0].bom_ref.as_deref().unwrap().starts_with("product-"));
    }
    let na = load("CISA-Use-Cases/Case-1/vex-not_affected.json");
    assert_eq!(only(&na).justification.as_deref(), Some("code_not_present"));
    assert_eq!(only(&na).products, [named("product-ABC", "ABC")]);

    // Case 6: affected versions (2.4, 2.6, >=2.9|<=4.1) and unaffected ones of product ABC.
    let doc = load("CISA-Use-Cases/Case-6/vex.json");
    assert_eq!(doc.statements.len(), 2);
    let affected = &doc.statements[0];
    assert_eq!(affected.status, Status::Affected);
    let v: Vec<_> = affected.products.iter().map(|p| p.version.clone().or(p.version_range.clone()).unwrap()).collect();
    assert_eq!(v, ["2.4", "2.6", "vers:generic/>=2.9|<=4.1"]);
    let not_affected = &doc.statements[1];
    assert_eq!((not_affected.status, not_affected.justification.as_deref()), (Status::NotAffected, Some("code_not_present")));
    let v: Vec<_> = not_affected.products.iter().map(|p| p.version.clone().or(p.version_range.clone()).unwrap()).collect();
    assert_eq!(v, ["vers:generic/>=1.0|<=2.3", "2.5", "vers:generic/>=2.7|<=2.8", "4.2"]);

    // Case 8: two products, two statuses, BOM-Links.
    let doc = load("CISA-Use-Cases/Case-8/vex.json");
    assert!(doc.statements.iter().all(|s| s.products.iter().all(|p| p.bom_ref.as_deref().unwrap().starts_with("urn:cdx:"))));
}

#[test]
fn embedded_vex_resolves_refs_to_the_components_of_the_same_bom() {
    let doc = load("handwritten/embedded-1.6.json");
    assert_eq!(doc.format, VexFormat::CycloneDx { spec: "1.6".into() });
    assert_eq!(doc.diagnostics, []);
    let s = &doc.statements;
    assert_eq!(s.len(), 5);

    assert_eq!((s[0].vulnerability.as_str(), s[0].aliases.as_slice()), ("CVE-2021-44228", ["GHSA-jfh8-c2jp-5v3q".to_string()].as_slice()));
    assert_eq!((s[0].status, s[0].justification.as_deref()), (Status::NotAffected, Some("requires_configuration")));
    assert_eq!(s[0].timestamp.as_deref(), Some("2021-12-14T16:30:00Z"), "lastUpdated wins");
    assert_eq!(
        s[0].products,
        [ProductRef {
            purl: Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar".into()),
            cpe: Some("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*".into()),
            ..named("log4j-core", "log4j-core")
        }]
    );
    // Matched by purl (the component's extra qualifier is fine), by bom-ref, or by CPE.
    let p = &s[0].products[0];
    assert!(p.matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar&classifier=x"), None, &[]));
    assert!(p.matches_component(None, Some("log4j-core"), &[]));
    assert!(p.matches_component(None, None, &["cpe:/a:apache:log4j:2.14.1".to_string()]));
    assert!(!p.matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"), None, &[]), "type=jar is required");

    // A BOM-Link to this very BOM, and a nested component.
    assert_eq!(s[1].status, Status::Affected);
    let purls: Vec<_> = s[1].products.iter().map(|p| p.purl.as_deref().unwrap()).collect();
    assert_eq!(purls, ["pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0", "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.10.0"]);
    assert_eq!(s[1].timestamp.as_deref(), Some("2024-05-02T10:00:00Z"), "metadata.timestamp");
    assert_eq!(s[1].action.as_deref(), Some("update"));

    // Resolved, with version entries: the analysis' own status for "affected", not_affected for "unaffected".
    assert_eq!((s[2].vulnerability.as_str(), s[2].status), ("CVE-2021-23337", Status::Fixed));
    assert_eq!(
        s[2].products,
        [ProductRef { purl: Some("pkg:npm/lodash".into()), version_range: Some("vers:npm/<4.17.21".into()), ..named("lodash", "lodash") }]
    );
    assert_eq!((s[3].vulnerability.as_str(), s[3].status, s[3].justification.as_deref()), ("CVE-2021-23337", Status::NotAffected, None));
    assert_eq!(s[3].products, [ProductRef { purl: Some("pkg:npm/lodash@4.17.21".into()), version: Some("4.17.21".into()), ..named("lodash", "lodash") }]);
    assert!(s[3].products[0].matches_component(Some("pkg:npm/lodash@4.17.21"), None, &[]));
    assert!(!s[3].products[0].matches_component(Some("pkg:npm/lodash@4.17.20"), Some("lodash"), &[]));

    // A ref that is a purl but no bom-ref here, and one that names nothing here.
    assert_eq!(s[4].status, Status::UnderInvestigation);
    assert_eq!(s[4].products, [ProductRef { purl: Some("pkg:npm/lodash@4.17.20".into()), ..bom_ref("pkg:npm/lodash@4.17.20") }, bom_ref("not-in-this-bom")]);
}

#[test]
fn vex_only_bom_of_spec_1_5() {
    let doc = load("handwritten/vex-only-1.5.json");
    assert_eq!(doc.format, VexFormat::CycloneDx { spec: "1.5".into() });
    assert_eq!(doc.diagnostics, []);
    let s = &doc.statements;
    // false_positive is not_affected and needs no justification; the alias that only differs in case is dropped.
    assert_eq!((s[0].vulnerability.as_str(), s[0].status, s[0].justification.as_deref()), ("RUSTSEC-2023-0044", Status::NotAffected, None));
    assert_eq!(s[0].aliases, ["GHSA-xcf7-rvmh-g6q4"]);
    assert_eq!(s[0].timestamp.as_deref(), Some("2023-06-30T00:00:00Z"));
    assert_eq!(s[0].products[0].purl.as_deref(), Some("pkg:cargo/openssl@0.10.45"));
    assert_eq!(s[1].products, [bom_ref("urn:cdx:0d6a2c1a-6b0c-4ab4-8d5a-1c6f8d0c1e22/7#openssl-src")]);
}

#[test]
fn an_sbom_is_not_vex() {
    let err = read(br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "x"}]}"#).unwrap_err();
    assert_eq!(err[0].code, codes::NOT_VEX);
}

#[test]
fn problems_in_analysis_and_affects_are_reported_where_they_are() {
    let doc = read(
        br#"{"bomFormat": "CycloneDX", "specVersion": "1.7", "vulnerabilities": [
            {"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "a"}]},
            {"id": "CVE-2", "analysis": {"state": "maybe"}, "affects": [{"ref": "a"}]},
            {"id": "CVE-3", "analysis": {"state": "not_affected", "justification": "trust_me", "response": ["pray"]}, "affects": [{"ref": "a"}]},
            {"analysis": {"state": "exploitable"}, "affects": [{"ref": "a"}]},
            {"id": "CVE-5", "affects": [{"ref": "a"}, {"ref": "b", "versions": [{"version": "1", "status": "unaffected"}, {"status": "affected"}, {"version": "2", "range": "vers:generic/<3", "status": "gone"}]}]},
            {"id": "CVE-6", "analysis": {"state": "exploitable"}, "affects": [{"versions": []}, 5]}
        ]}"#,
    )
    .unwrap();
    let got: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(
        got,
        [
            (codes::UNSUPPORTED_VERSION, "/specVersion"),
            (codes::MISSING_JUSTIFICATION, "/vulnerabilities/0/analysis"),
            (codes::UNKNOWN_STATUS, "/vulnerabilities/1/analysis/state"),
            (codes::UNKNOWN_JUSTIFICATION, "/vulnerabilities/2/analysis/justification"),
            (codes::UNKNOWN_RESPONSE, "/vulnerabilities/2/analysis/response/0"),
            (codes::MISSING_VULNERABILITY, "/vulnerabilities/3/id"),
            (codes::MISSING_FIELD, "/vulnerabilities/4/affects/1/versions/1/version"),
            (codes::AMBIGUOUS_VERSION, "/vulnerabilities/4/affects/1/versions/2"),
            (codes::UNKNOWN_STATUS, "/vulnerabilities/4/affects/1/versions/2/status"),
            (codes::NO_ANALYSIS, "/vulnerabilities/4/analysis"),
            (codes::WRONG_TYPE, "/vulnerabilities/5/affects/1"),
            (codes::MISSING_FIELD, "/vulnerabilities/5/affects/0/ref"),
        ]
    );
    let got: Vec<_> = doc.statements.iter().map(|s| (s.vulnerability.as_str(), s.status, s.justification.as_deref(), s.products.len())).collect();
    assert_eq!(got, [("CVE-1", Status::NotAffected, None, 1), ("CVE-3", Status::NotAffected, Some("trust_me"), 1), ("CVE-5", Status::NotAffected, None, 1),]);
    assert_eq!(doc.statements[1].action.as_deref(), Some("pray"));
    assert_eq!(doc.statements[2].products[0].version.as_deref(), Some("1"));
}
