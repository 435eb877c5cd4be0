//! OpenVEX: hand-written v0.2.0 and v0.0.x documents (tests/data/openvex), and the shapes and
//! mistakes the specification allows or forbids.

use std::path::Path;

use clearinghouse_vex::codes;
use clearinghouse_vex::{ProductRef, Status, VexDocument, VexFormat, read};

fn load(name: &str) -> VexDocument {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openvex").join(name)).unwrap();
    read(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn purl(p: &str) -> ProductRef {
    ProductRef { purl: Some(p.into()), ..ProductRef::default() }
}

#[test]
fn v0_2_0_statements() {
    let doc = load("v0.2.0.json");
    assert_eq!(doc.format, VexFormat::OpenVex { version: "0.2.0".into() });
    assert_eq!(doc.diagnostics, []);
    let s = &doc.statements;
    assert_eq!(s.len(), 5);

    // not_affected with a justification and an impact statement, on a subcomponent of an image.
    assert_eq!((s[0].vulnerability.as_str(), s[0].aliases.as_slice()), ("CVE-2021-44228", ["GHSA-jfh8-c2jp-5v3q".to_string()].as_slice()));
    assert_eq!((s[0].status, s[0].justification.as_deref()), (Status::NotAffected, Some("vulnerable_code_not_in_execute_path")));
    assert_eq!(s[0].detail.as_deref(), Some("The gateway logs only constant messages; no user input reaches a lookup."));
    assert_eq!(s[0].timestamp.as_deref(), Some("2024-03-01T12:00:00Z"), "the document's timestamp");
    assert_eq!(s[0].location, "/statements/0");
    let image = &s[0].products[0];
    assert_eq!(
        image.purl.as_deref(),
        Some("pkg:oci/gateway@sha256%3A74634d9736a45ca9f6e1187e783492199e020f4a5c19d0b1abc2b604f894?repository_url=registry.example.com%2Fgateway")
    );
    assert_eq!(
        image.subcomponents,
        [ProductRef { cpe: Some("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*".into()), ..purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1") }]
    );
    // The statement covers log4j-core in the image, found by purl or CPE, and the image itself.
    assert!(image.matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"), None, &[]));
    assert!(image.matches_component(None, None, &["cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*".into()]));
    assert!(!image.matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.0"), None, &[]));
    assert!(image.matches_component(
        Some("pkg:oci/gateway@sha256%3A74634d9736a45ca9f6e1187e783492199e020f4a5c19d0b1abc2b604f894?arch=amd64&repository_url=registry.example.com/gateway"),
        None,
        &[]
    ));
    assert!(!image.matches_component(Some("pkg:oci/gateway@sha256%3A74634d9736a45ca9f6e1187e783492199e020f4a5c19d0b1abc2b604f894"), None, &[]));

    // affected with an action statement and its own timestamp; an @id that is neither purl nor CPE is the name.
    assert_eq!((s[1].status, s[1].action.as_deref()), (Status::Affected, Some("Upgrade report-builder to 1.4.1, which ships commons-text 1.10.0.")));
    assert_eq!(s[1].timestamp.as_deref(), Some("2024-03-04T08:15:00Z"));
    assert_eq!(s[1].justification, None);
    assert_eq!(
        s[1].products,
        [ProductRef {
            purl: Some("pkg:maven/com.example/report-builder@1.4.0".into()),
            cpe: Some("cpe:2.3:a:example:report_builder:1.4.0:*:*:*:*:*:*:*".into()),
            name: Some("https://example.com/products/report-builder".into()),
            subcomponents: vec![purl("pkg:maven/org.apache.commons/commons-text@1.9")],
            ..ProductRef::default()
        }]
    );

    // fixed, for a purl and for a CPE 2.2 product.
    assert_eq!(s[2].status, Status::Fixed);
    assert_eq!(
        s[2].products,
        [purl("pkg:golang/github.com/example/edge-proxy@v2.3.1"), ProductRef { cpe: Some("cpe:/a:example:edge_proxy:2.3.1".into()), ..ProductRef::default() }]
    );
    assert!(s[2].products[1].matches_component(None, None, &["cpe:2.3:a:example:edge_proxy:2.3.1:*:*:*:*:*:*:*".into()]));
    assert!(!s[2].products[1].matches_component(None, None, &["cpe:2.3:a:example:edge_proxy:2.3.2:*:*:*:*:*:*:*".into()]));

    // under_investigation.
    assert_eq!((s[3].vulnerability.as_str(), s[3].status), ("CVE-2024-3094", Status::UnderInvestigation));
    assert!(s[3].products[0].matches_component(Some("pkg:deb/debian/xz-utils@5.4.1-0.2?arch=amd64&distro=debian-12"), None, &[]));
    assert!(!s[3].products[0].matches_component(Some("pkg:deb/debian/xz-utils@5.4.1-0.2?arch=arm64&distro=debian-12"), None, &[]));

    // A purl without version: every version.
    assert!(s[4].products[0].matches_component(Some("pkg:npm/minimist@1.2.5"), None, &[]));
    assert!(s[4].names_vulnerability(["ghsa-vh95-rmgr-6w4m"]));
}

#[test]
fn v0_0_x_statements() {
    let doc = load("v0.0.1.json");
    assert_eq!(doc.format, VexFormat::OpenVex { version: "0.0".into() });
    assert_eq!(doc.diagnostics, []);
    let s = &doc.statements;
    assert_eq!(
        (s[0].vulnerability.as_str(), s[0].status, s[0].justification.as_deref()),
        ("CVE-2022-39046", Status::NotAffected, Some("vulnerable_code_not_in_execute_path"))
    );
    assert_eq!(s[0].timestamp.as_deref(), Some("2022-10-11T20:29:19Z"));
    assert_eq!(s[0].detail.as_deref(), Some("The vulnerable syslog code is never called."));
    // Statement-level subcomponents belong to each product.
    assert_eq!(s[0].products.len(), 1);
    assert_eq!(s[0].products[0].subcomponents, [purl("pkg:apk/wolfi/glibc@2.36-r1")]);
    assert!(s[0].products[0].matches_component(Some("pkg:apk/wolfi/glibc@2.36-r1?arch=x86_64"), None, &[]));
    assert_eq!((s[1].vulnerability.as_str(), s[1].status), ("CVE-2023-0286", Status::Fixed));
    assert_eq!(s[1].products, [purl("pkg:apk/wolfi/openssl@3.0.7-r1"), purl("pkg:apk/wolfi/openssl@3.0.7-r2")]);
    assert_eq!(s[1].timestamp.as_deref(), Some("2023-01-16T20:41:55.708329108-06:00"));
}

#[test]
fn context_as_an_array_and_newer_versions() {
    let doc = read(
        br#"{"@context": ["https://www.w3.org/ns/credentials/v2", "https://openvex.dev/ns/v0.3.1"], "statements": [
        {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:pypi/requests@2.0.0"}], "status": "fixed"}]}"#,
    )
    .unwrap();
    assert_eq!(doc.format, VexFormat::OpenVex { version: "0.3.1".into() });
    assert_eq!(doc.diagnostics[0].code, codes::UNSUPPORTED_VERSION);
    assert_eq!(doc.statements[0].status, Status::Fixed);
}

#[test]
fn problems_are_reported_where_they_are() {
    let doc = read(
        br#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2024-01-01T00:00:00Z", "statements": [
        {"vulnerability": {"@id": "https://osv.dev/GHSA-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "fixed"},
        {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:npm/a"}], "status": "exploitable"},
        {"vulnerability": {"name": "CVE-3"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected", "justification": "trust_me"},
        {"vulnerability": {"name": "CVE-4"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected"},
        {"vulnerability": {"name": "CVE-5"}, "products": [{"@id": "pkg:npm/a"}], "status": "affected"},
        {"vulnerability": {"name": "CVE-6"}, "status": "under_investigation"},
        {"vulnerability": 6, "status": "fixed"},
        {"vulnerability": "CVE-8", "products": ["pkg:", 8, {"@id": "pkg:npm/b", "subcomponents": ["cpe:/q:x"]}], "status": "fixed"},
        {"vulnerability": "CVE-9", "products": ["pkg:npm/c"]}
    ]}"#,
    )
    .unwrap();
    let got: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(
        got,
        [
            (codes::MISSING_VULNERABILITY, "/statements/0/vulnerability/name"),
            (codes::UNKNOWN_STATUS, "/statements/1/status"),
            (codes::UNKNOWN_JUSTIFICATION, "/statements/2/justification"),
            (codes::MISSING_JUSTIFICATION, "/statements/3"),
            (codes::MISSING_ACTION, "/statements/4"),
            (codes::MISSING_PRODUCTS, "/statements/5/products"),
            (codes::WRONG_TYPE, "/statements/6/vulnerability"),
            (codes::MISSING_VULNERABILITY, "/statements/6/vulnerability"),
            (codes::INVALID_PURL, "/statements/7/products/0"),
            (codes::WRONG_TYPE, "/statements/7/products/1"),
            (codes::INVALID_CPE, "/statements/7/products/2/subcomponents/0"),
            (codes::MISSING_STATUS, "/statements/8/status"),
        ]
    );
    let got: Vec<_> = doc.statements.iter().map(|s| (s.vulnerability.as_str(), s.status, s.justification.as_deref(), s.products.len())).collect();
    assert_eq!(
        got,
        [
            ("https://osv.dev/GHSA-1", Status::Fixed, None, 1),
            ("CVE-3", Status::NotAffected, Some("trust_me"), 1),
            ("CVE-4", Status::NotAffected, None, 1),
            ("CVE-5", Status::Affected, None, 1),
            ("CVE-6", Status::UnderInvestigation, None, 0),
            ("CVE-8", Status::Fixed, None, 1),
        ]
    );
    assert!(doc.statements.iter().all(|s| s.timestamp.as_deref() == Some("2024-01-01T00:00:00Z")));
    assert_eq!(doc.statements[5].products, [purl("pkg:npm/b")]);
}
