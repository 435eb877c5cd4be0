//! `ProductRef::matches_component` and `Statement::names_vulnerability`.

use clearinghouse_vex::{ProductRef, Statement, Status};

fn purl(p: &str) -> ProductRef {
    ProductRef { purl: Some(p.into()), ..ProductRef::default() }
}

fn cpe(c: &str) -> ProductRef {
    ProductRef { cpe: Some(c.into()), ..ProductRef::default() }
}

fn by_purl(p: &ProductRef, component: &str) -> bool {
    p.matches_component(Some(component), None, &[])
}

fn by_cpe(p: &ProductRef, component: &str) -> bool {
    p.matches_component(None, None, &[component.to_string()])
}

#[test]
fn purl_without_version_matches_every_version() {
    let p = purl("pkg:npm/lodash");
    assert!(by_purl(&p, "pkg:npm/lodash@4.17.20"));
    assert!(by_purl(&p, "pkg:npm/lodash"));
    assert!(!by_purl(&p, "pkg:npm/lodash-es@4.17.20"));
    assert!(!by_purl(&p, "pkg:pypi/lodash@4.17.20"));
    assert!(!p.matches_component(None, None, &[]));
}

#[test]
fn purl_with_version_matches_that_version() {
    let p = purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    assert!(by_purl(&p, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"));
    assert!(by_purl(&p, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar"), "extra qualifiers of the component are fine");
    assert!(!by_purl(&p, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.0"));
    assert!(!by_purl(&p, "pkg:maven/org.apache.logging.log4j/log4j-core"), "a component without version is not that version");
    assert!(!by_purl(&p, "pkg:maven/org.apache.logging/log4j-core@2.14.1"), "another namespace");
}

#[test]
fn purl_comparison_follows_the_types_rules() {
    // Types are case-insensitive, PyPI names are normalised, percent-encoding is decoded.
    assert!(by_purl(&purl("pkg:PyPI/Django@4.2"), "pkg:pypi/django@4.2"));
    assert!(by_purl(&purl("pkg:pypi/zope.interface"), "pkg:pypi/zope-interface@5.0"));
    assert!(by_purl(&purl("pkg:npm/%40babel/core@7.0.0"), "pkg:npm/@babel/core@7.0.0"));
    // npm names are case-sensitive: JSONStream is not jsonstream.
    assert!(!by_purl(&purl("pkg:npm/JSONStream"), "pkg:npm/jsonstream@1.0.0"));
    // Unparsable on either side: only the same string.
    assert!(by_purl(&purl("pkg:"), "pkg:"));
    assert!(!by_purl(&purl("pkg:npm/a"), "pkg:"));
}

#[test]
fn qualifiers_and_subpath_of_the_product_are_required() {
    let p = purl("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12");
    assert!(by_purl(&p, "pkg:deb/debian/openssl@3.0.11-1?distro=debian-12&arch=amd64"));
    assert!(by_purl(&p, "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12&epoch=0"));
    assert!(!by_purl(&p, "pkg:deb/debian/openssl@3.0.11-1?arch=arm64&distro=debian-12"));
    assert!(!by_purl(&p, "pkg:deb/debian/openssl@3.0.11-1?arch=amd64"));
    assert!(!by_purl(&p, "pkg:deb/debian/openssl@3.0.11-1"));
    let p = purl("pkg:golang/github.com/example/mono#tools/cli");
    assert!(by_purl(&p, "pkg:golang/github.com/example/mono@v1.0.0#tools/cli"));
    assert!(!by_purl(&p, "pkg:golang/github.com/example/mono@v1.0.0#tools/server"));
    assert!(!by_purl(&p, "pkg:golang/github.com/example/mono@v1.0.0"));
    // Without subpath in the product: any subpath.
    assert!(by_purl(&purl("pkg:golang/github.com/example/mono"), "pkg:golang/github.com/example/mono@v1.0.0#tools/cli"));
}

#[test]
fn bom_refs_and_bom_links() {
    let p = ProductRef { bom_ref: Some("acme-product".into()), ..ProductRef::default() };
    assert!(p.matches_component(None, Some("acme-product"), &[]));
    assert!(p.matches_component(Some("pkg:generic/unrelated@1"), Some("acme-product"), &[]), "one identifier suffices");
    assert!(!p.matches_component(None, Some("Acme-Product"), &[]), "bom-refs are case-sensitive");
    assert!(p.matches_component(None, Some("urn:cdx:f08a6ccd-4dce-4759-bd84-c626675d60a7/1#acme-product"), &[]));
    let link = ProductRef { bom_ref: Some("urn:cdx:f08a6ccd-4dce-4759-bd84-c626675d60a7/1#componentA".into()), ..ProductRef::default() };
    assert!(link.matches_component(None, Some("componentA"), &[]));
    assert!(!link.matches_component(None, Some("componentB"), &[]));
    let whole = ProductRef { bom_ref: Some("urn:cdx:f08a6ccd-4dce-4759-bd84-c626675d60a7/1".into()), ..ProductRef::default() };
    assert!(!whole.matches_component(None, Some("componentA"), &[]), "a link to a whole BOM names no component");
}

#[test]
fn cpes_compare_part_vendor_product_and_version() {
    let p = cpe("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");
    assert!(by_cpe(&p, "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"));
    assert!(by_cpe(&p, "cpe:2.3:a:Apache:Log4j:2.14.1:rc1:*:*:*:*:*:*"), "case and the fields after the version do not matter");
    assert!(by_cpe(&p, "cpe:/a:apache:log4j:2.14.1"), "2.2 URIs too");
    assert!(!by_cpe(&p, "cpe:2.3:a:apache:log4j:2.15.0:*:*:*:*:*:*:*"));
    assert!(!by_cpe(&p, "cpe:2.3:o:apache:log4j:2.14.1:*:*:*:*:*:*:*"));
    assert!(!by_cpe(&p, "cpe:2.3:a:apache:log4net:2.14.1:*:*:*:*:*:*:*"));
    assert!(!by_cpe(&p, "not a cpe"));
    // Any version in the product: all versions ("*", "-", or none in a 2.2 URI).
    for any in ["cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:log4j:-:*:*:*:*:*:*:*", "cpe:/a:apache:log4j"] {
        assert!(by_cpe(&cpe(any), "cpe:2.3:a:apache:log4j:2.0:*:*:*:*:*:*:*"), "{any}");
    }
    // Escapes in 2.3 and percent-encoding in 2.2 name the same characters.
    assert!(by_cpe(&cpe("cpe:2.3:a:nodejs:node\\.js:18.0.0:*:*:*:*:*:*:*"), "cpe:/a:nodejs:node%2ejs:18.0.0"));
    // Any of the component's CPEs.
    assert!(p.matches_component(None, None, &["cpe:/a:other:thing:1".into(), "cpe:/a:apache:log4j:2.14.1".into()]));
}

#[test]
fn versions_and_ranges_on_the_product() {
    let p = ProductRef { bom_ref: Some("app".into()), version: Some("2.4".into()), ..ProductRef::default() };
    assert!(p.matches_component(Some("pkg:generic/app@2.4"), Some("app"), &[]));
    assert!(!p.matches_component(Some("pkg:generic/app@2.5"), Some("app"), &[]));
    assert!(p.matches_component(None, Some("app"), &["cpe:2.3:a:acme:app:2.4:*:*:*:*:*:*:*".into()]), "the version from a CPE");
    assert!(!p.matches_component(None, Some("app"), &["cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*".into()]));
    assert!(!p.matches_component(None, Some("app"), &[]), "no version known");
    let r = ProductRef { purl: Some("pkg:npm/lodash".into()), version_range: Some("vers:npm/<4.17.21".into()), ..ProductRef::default() };
    assert!(!r.matches_component(Some("pkg:npm/lodash@4.17.20"), None, &[]), "ranges are left to the caller");
}

#[test]
fn subcomponents_match_for_their_product() {
    let image = ProductRef {
        purl: Some("pkg:oci/app@sha256%3Aabc".into()),
        subcomponents: vec![purl("pkg:maven/org.apache.commons/commons-text@1.9"), cpe("cpe:/a:openbsd:openssh:9.0")],
        ..ProductRef::default()
    };
    assert!(by_purl(&image, "pkg:oci/app@sha256%3Aabc?tag=latest"));
    assert!(by_purl(&image, "pkg:maven/org.apache.commons/commons-text@1.9"));
    assert!(by_cpe(&image, "cpe:2.3:a:openbsd:openssh:9.0:*:*:*:*:*:*:*"));
    assert!(!by_purl(&image, "pkg:maven/org.apache.commons/commons-text@1.10.0"));
    assert!(image.is_identified());
    assert!(!ProductRef { name: Some("Acme".into()), ..ProductRef::default() }.is_identified());
}

#[test]
fn names_vulnerability_compares_ids_and_aliases_case_insensitively() {
    let s = Statement {
        vulnerability: "CVE-2021-44228".into(),
        aliases: vec!["GHSA-jfh8-c2jp-5v3q".into()],
        products: vec![],
        status: Status::NotAffected,
        justification: None,
        detail: None,
        action: None,
        timestamp: None,
        location: "/statements/0".into(),
    };
    assert!(s.names_vulnerability(["CVE-2021-44228"]));
    assert!(s.names_vulnerability(["cve-2021-44228"]));
    assert!(s.names_vulnerability(["GHSA-JFH8-C2JP-5V3Q", "OSV-1"]));
    assert!(s.names_vulnerability(vec![" CVE-2021-44228 "]));
    assert!(!s.names_vulnerability(["CVE-2021-45046"]));
    assert!(!s.names_vulnerability([]));
}

#[test]
fn serde_names() {
    let p = ProductRef { purl: Some("pkg:npm/a".into()), ..ProductRef::default() };
    assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"purl":"pkg:npm/a"}"#);
    assert_eq!(serde_json::to_string(&Status::UnderInvestigation).unwrap(), r#""under_investigation""#);
    assert_eq!(serde_json::to_string(&clearinghouse_vex::VexFormat::OpenVex { version: "0.2.0".into() }).unwrap(), r#"{"kind":"open_vex","version":"0.2.0"}"#);
    let back: ProductRef = serde_json::from_str(r#"{"purl":"pkg:npm/a"}"#).unwrap();
    assert_eq!(back, p);
}
