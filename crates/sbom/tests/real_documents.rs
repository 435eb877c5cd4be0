//! Real SBOMs: the copies in testdata/ (always run) and every document under
//! ../shared/data/sbom (run when that folder exists, otherwise a visible SKIPPED line).

use clearinghouse_sbom::{Encoding, Format, Sbom, read, read_each};
use std::io::Write;
use std::path::{Path, PathBuf};

fn testdata(path: &str) -> Sbom {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(path);
    read_both(&p, path)
}

/// Reads a document with `read`, checking that `read_each` hands over the same components and
/// diagnostics.
fn read_both(p: &Path, label: &str) -> Sbom {
    let bytes = std::fs::read(p).unwrap();
    let hint = p.file_name().and_then(|n| n.to_str());
    let sbom = read(&bytes, hint).unwrap_or_else(|d| panic!("{label}: {d}"));
    let mut streamed = Vec::new();
    let s = read_each(&bytes, hint, &mut |c| streamed.push(c)).unwrap_or_else(|d| panic!("{label}: read_each: {d}"));
    assert_eq!(s.components, streamed.len(), "{label}");
    assert!(sbom.components == streamed, "{label}: read_each handed over other components than read keeps");
    assert_eq!((&s.format, &s.diagnostics), (&sbom.format, &sbom.diagnostics), "{label}");
    sbom
}

fn cdx(spec: &str, encoding: Encoding) -> Format {
    Format::CycloneDx { spec: spec.into(), encoding }
}

fn spdx(spec: &str, encoding: Encoding) -> Format {
    Format::Spdx { spec: spec.into(), encoding }
}

fn has_edge(s: &Sbom, from: &str, to: &str) -> bool {
    s.depends_on(from).any(|d| d == to)
}

fn purls(s: &Sbom) -> usize {
    s.components.iter().filter(|c| c.purl.is_some()).count()
}

// ---- testdata: always available -------------------------------------------------------------

#[test]
fn laravel_cyclonedx_1_2_json() {
    let s = testdata("cyclonedx/laravel-7.12.0.bom.1.2.json");
    assert_eq!(s.format, cdx("1.2", Encoding::Json));
    assert_eq!(s.components.len(), 63);
    assert_eq!(purls(&s), 63);
    assert_eq!(s.dependencies.len(), 63);
    let cors = s.find_purl("pkg:composer/asm89/stack-cors@1.3.0").unwrap();
    assert_eq!(cors.bom_ref.as_deref(), Some("asm89/stack-cors-1.3.0.0"));
    assert_eq!(cors.ecosystem_hint.as_deref(), Some("Packagist"));
    assert!(has_edge(&s, "asm89/stack-cors-1.3.0.0", "symfony/http-foundation-5.4.16.0"));
    let subject = &s.components[0];
    assert_eq!(subject.location, "/metadata/component");
    assert_eq!(subject.purl.as_deref(), Some("pkg:composer/cyclonedx/cyclonedx-php-composer-demo@dev-master"));
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn laravel_cyclonedx_1_4_xml_matches_json() {
    let x = testdata("cyclonedx/laravel-7.12.0.bom.1.4.xml");
    assert_eq!(x.format, cdx("1.4", Encoding::Xml));
    assert_eq!(x.components.len(), 63);
    assert_eq!(purls(&x), 63);
    assert_eq!(x.dependencies.len(), 63);
    assert!(x.find_purl("pkg:composer/asm89/stack-cors@1.3.0").is_some());
    assert!(has_edge(&x, "asm89/stack-cors-1.3.0.0", "symfony/http-kernel-5.4.16.0"));
    assert_eq!(x.components[0].location, "/bom/metadata/component");
    assert_eq!(x.components[1].location, "/bom/components/component[1]");
    assert!(x.diagnostics.is_empty(), "{:?}", x.diagnostics);
    let j = testdata("cyclonedx/laravel-7.12.0.bom.1.2.json");
    let mut jp: Vec<_> = j.components.iter().map(|c| (c.name.clone(), c.version.clone(), c.purl.clone())).collect();
    let mut xp: Vec<_> = x.components.iter().map(|c| (c.name.clone(), c.version.clone(), c.purl.clone())).collect();
    jp.sort();
    xp.sort();
    assert_eq!(jp, xp);
}

#[test]
fn proton_bridge_go_purls() {
    let s = testdata("cyclonedx/proton-bridge-v1.8.0.bom.json");
    assert_eq!(s.format, cdx("1.2", Encoding::Json));
    assert_eq!(s.components.len(), 202);
    assert_eq!(s.dependencies.len(), 202);
    let c = s.find_purl("pkg:golang/github.com/0xAX/notificator@v0.0.0-20191016112426-3962a5ea8da1").unwrap();
    assert_eq!(c.ecosystem_hint.as_deref(), Some("Go"));
    assert!(has_edge(&s, "pkg:golang/github.com/CloudyKit/jet/v3@v3.0.0", "pkg:golang/github.com/CloudyKit/fastprinter@v0.0.0-20200109182630-33d98a066a53"));
}

#[test]
fn vex_bom_groups_and_scopes() {
    let s = testdata("cyclonedx/vex-bom.1.3.json");
    assert_eq!(s.format, cdx("1.3", Encoding::Json));
    assert_eq!(s.components.len(), 4);
    let databind = s.find_purl("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar").unwrap();
    assert_eq!(databind.group.as_deref(), Some("com.fasterxml.jackson.core"));
    assert_eq!(databind.scope, Some(clearinghouse_sbom::Scope::Optional));
    assert_eq!(databind.location, "/components/0");
    assert_eq!(s.components[0].location, "/metadata/component");
}

#[test]
fn python_environment_cyclonedx_1_6_json_and_1_5_xml() {
    for (path, format) in [("generated/python-env.cdx-1.6.json", cdx("1.6", Encoding::Json)), ("generated/python-env.cdx-1.5.xml", cdx("1.5", Encoding::Xml))] {
        let s = testdata(path);
        assert_eq!(s.format, format);
        // 44 packages; the two tools in metadata.tools are not components.
        assert_eq!(s.components.len(), 44, "{path}");
        assert!(!s.components.iter().any(|c| c.name == "cyclonedx-py"), "{path}");
        let yaml = s.find_purl("pkg:pypi/pyyaml@6.0.4").unwrap();
        assert_eq!((yaml.name.as_str(), yaml.version.as_deref(), yaml.bom_ref.as_deref()), ("PyYAML", Some("6.0.4"), Some("PyYAML==6.0.4")));
        assert_eq!(yaml.ecosystem_hint.as_deref(), Some("PyPI"));
        assert_eq!(s.dependencies.len(), 44, "{path}");
        assert!(has_edge(&s, "arrow==1.4.0", "python-dateutil==4.0.0"), "{path}");
        assert!(s.diagnostics.is_empty(), "{path}: {:?}", s.diagnostics);
    }
}

#[test]
fn npm_sbom_cyclonedx_spdx_json_and_tag_value_agree() {
    let c = testdata("generated/npm-fixture.cdx-1.5.json");
    assert_eq!(c.format, cdx("1.5", Encoding::Json));
    assert_eq!(c.components.len(), 7);
    assert!(has_edge(&c, "debug@2.6.8", "ms@2.0.0"));
    assert!(c.find_purl("pkg:npm/%40babel/helper-validator-identifier@7.22.20").is_some());

    let j = testdata("generated/npm-fixture.spdx-2.3.json");
    assert_eq!(j.format, spdx("2.3", Encoding::Json));
    let t = testdata("generated/npm-fixture.spdx");
    assert_eq!(t.format, spdx("2.3", Encoding::TagValue));
    for s in [&j, &t] {
        assert_eq!(s.components.len(), 7);
        assert_eq!(purls(s), 7);
        let lodash = s.find_purl("pkg:npm/lodash@4.17.20").unwrap();
        assert_eq!(lodash.bom_ref.as_deref(), Some("SPDXRef-Package-lodash-4.17.20"));
        // DEPENDENCY_OF and DEV_DEPENDENCY_OF read in reverse: the project depends on its packages.
        assert!(has_edge(s, "SPDXRef-Package-debug-2.6.8", "SPDXRef-Package-ms-2.0.0"));
        assert!(has_edge(s, "SPDXRef-Package-sbom-fixture-1.0.0", "SPDXRef-Package-left-pad-1.3.0"));
        assert_eq!(s.depends_on("SPDXRef-Package-sbom-fixture-1.0.0").count(), 5);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }
    assert!(t.components.iter().all(|c| c.location.starts_with("line ")));
    let mut a: Vec<_> = j.components.iter().map(|c| (&c.name, &c.version, &c.purl, &c.bom_ref)).collect();
    let mut b: Vec<_> = t.components.iter().map(|c| (&c.name, &c.version, &c.purl, &c.bom_ref)).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn handwritten_spdx3() {
    let s = testdata("handwritten/app.spdx3.json");
    assert_eq!(s.format, spdx("3.0.1", Encoding::JsonLd));
    let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["example-app", "openssl", "jackson-databind", "broken-purl"]);
    let openssl = &s.components[1];
    assert_eq!(openssl.cpes, ["cpe:2.3:a:openssl:openssl:3.0.4:*:*:*:*:*:*:*"]);
    assert_eq!(openssl.purl.as_deref(), Some("pkg:generic/openssl@3.0.4"));
    assert_eq!(s.components[2].purl.as_deref(), Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0"));
    assert_eq!(s.components[2].ecosystem_hint.as_deref(), Some("Maven"));
    assert_eq!(s.components[3].purl, None);
    assert_eq!(
        s.dependencies,
        vec![
            ("urn:example:app".to_string(), vec!["urn:example:openssl".to_string(), "urn:example:jackson".to_string()]),
            ("urn:example:jackson".to_string(), vec!["urn:example:broken".to_string()]),
        ]
    );
    assert_eq!(s.diagnostics.len(), 1);
    assert_eq!((s.diagnostics[0].code.as_str(), s.diagnostics[0].pointer.as_str()), ("invalid_purl", "/@graph/5/software_packageUrl"));
}

// ---- ../shared/data/sbom: every document, when present --------------------------------------

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sbom");
    if dir.is_dir() {
        Some(dir)
    } else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the shared SBOM documents were not read", dir.display());
        None
    }
}

fn shared_doc(dir: &Path, rel: &str) -> Sbom {
    read_both(&dir.join(rel), rel)
}

/// Every document in the shared folder reads without a fatal error, and the facts each one carries.
#[test]
fn every_shared_document() {
    let Some(dir) = shared() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("json" | "xml" | "spdx")) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 100, "expected the whole shared SBOM folder, found {} documents", files.len());
    for p in &files {
        let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
        let s = shared_doc(&dir, &rel);
        let unexpected: Vec<_> = s.diagnostics.iter().filter(|d| !(rel.ends_with("bom.1.1.xml") && d.code == "unsupported_spec_version")).collect();
        assert!(unexpected.is_empty(), "{rel}: {unexpected:?}");
        assert!(s.components.iter().all(|c| !c.name.is_empty() && !c.location.is_empty()), "{rel}");
    }
}

#[test]
fn shared_cyclonedx_facts() {
    let Some(dir) = shared() else { return };
    // (document, format, components, with purl, dependency entries)
    let table: &[(&str, Format, usize, usize, usize)] = &[
        ("cyclonedx/SBOM/cern-lhc-vdm-editor-e564943/bom.json", cdx("1.2", Encoding::Json), 44, 44, 0),
        ("cyclonedx/SBOM/dropwizard-1.3.15/bom.json", cdx("1.2", Encoding::Json), 168, 168, 167),
        ("cyclonedx/SBOM/dropwizard-1.3.15/bom.xml", cdx("1.2", Encoding::Xml), 168, 168, 167),
        ("cyclonedx/SBOM/juice-shop/v11.1.2/bom.json", cdx("1.2", Encoding::Json), 841, 841, 0),
        ("cyclonedx/SBOM/juice-shop/via_npm/bare/bom.1.2.json", cdx("1.2", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/juice-shop/via_npm/bare/bom.1.3.json", cdx("1.3", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/juice-shop/via_npm/bare/bom.1.4.json", cdx("1.4", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/juice-shop/via_npm/flat/bom.1.2.json", cdx("1.2", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/juice-shop/via_npm/flat/bom.1.3.json", cdx("1.3", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/juice-shop/via_npm/flat/bom.1.4.json", cdx("1.4", Encoding::Json), 1116, 1116, 1116),
        ("cyclonedx/SBOM/keycloak-10.0.2/bom.json", cdx("1.2", Encoding::Json), 904, 904, 899),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.1.xml", cdx("1.1", Encoding::Xml), 62, 62, 0),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.2.json", cdx("1.2", Encoding::Json), 63, 63, 63),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.2.xml", cdx("1.2", Encoding::Xml), 63, 63, 63),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.3.json", cdx("1.3", Encoding::Json), 63, 63, 63),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.3.xml", cdx("1.3", Encoding::Xml), 63, 63, 63),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.4.json", cdx("1.4", Encoding::Json), 63, 63, 63),
        ("cyclonedx/SBOM/laravel-7.12.0/bom.1.4.xml", cdx("1.4", Encoding::Xml), 63, 63, 63),
        ("cyclonedx/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json", cdx("1.2", Encoding::Json), 202, 202, 202),
        ("cyclonedx/SBOM/protonmail-webclient-v4-0912dff/bom.json", cdx("1.2", Encoding::Json), 884, 884, 0),
        ("cyclonedx/VEX/bom.json", cdx("1.3", Encoding::Json), 4, 4, 0),
        ("cyclonedx/VEX/CISA-Use-Cases/Case-7/vex.json", cdx("1.4", Encoding::Json), 0, 0, 0),
    ];
    for (rel, format, n, p, d) in table {
        let s = shared_doc(&dir, rel);
        assert_eq!(&s.format, format, "{rel}");
        assert_eq!((s.components.len(), purls(&s), s.dependencies.len()), (*n, *p, *d), "{rel}");
    }
    let dw = shared_doc(&dir, "cyclonedx/SBOM/dropwizard-1.3.15/bom.xml");
    assert!(dw.find_purl("pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar").is_some());
    assert!(has_edge(&dw, "pkg:maven/com.google.guava/guava@24.1.1-jre?type=jar", "pkg:maven/org.checkerframework/checker-compat-qual@2.0.0?type=jar"));
    let kc = shared_doc(&dir, "cyclonedx/SBOM/keycloak-10.0.2/bom.json");
    assert!(has_edge(&kc, "pkg:maven/org.keycloak/keycloak-common@10.0.2?type=jar", "pkg:maven/com.sun.activation/jakarta.activation@1.2.1?type=jar"));
    assert_eq!(kc.components[0].purl.as_deref(), Some("pkg:maven/org.keycloak/keycloak-parent@10.0.2"));
    // The "bare" juice-shop BOM nests components three deep; the "flat" one lists the same set.
    let bare = shared_doc(&dir, "cyclonedx/SBOM/juice-shop/via_npm/bare/bom.1.4.json");
    let flat = shared_doc(&dir, "cyclonedx/SBOM/juice-shop/via_npm/flat/bom.1.4.json");
    assert!(bare.components.iter().any(|c| c.location.matches("/components/").count() == 3));
    let mut a: Vec<_> = bare.components.iter().map(|c| c.purl.clone()).collect();
    let mut b: Vec<_> = flat.components.iter().map(|c| c.purl.clone()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(bare.find_purl("pkg:npm/%40babel/helper-string-parser@7.19.4#packages/babel-helper-string-parser").is_some());
    assert!(has_edge(&bare, "@babel/types@7.21.2", "@babel/helper-string-parser@7.19.4"));
    let pm = shared_doc(&dir, "cyclonedx/SBOM/protonmail-webclient-v4-0912dff/bom.json");
    assert_eq!(pm.components[1].purl.as_deref(), Some("pkg:npm/%40babel/polyfill@7.10.4"));
    // VEX documents name the affected product (as metadata.component or a component) without purls.
    let case1 = shared_doc(&dir, "cyclonedx/VEX/CISA-Use-Cases/Case-1/vex-affected.json");
    assert_eq!(case1.components.len(), 1);
}

#[test]
fn shared_spdx_facts() {
    let Some(dir) = shared() else { return };
    let base = "spdx/software";
    // (document, format, packages, with purl, dependency entries)
    let table: &[(&str, Format, usize, usize, usize)] = &[
        ("example1/spdx2.2/example1.spdx", spdx("2.2", Encoding::TagValue), 1, 0, 0),
        ("example1/spdx3.0/example1.json", spdx("3.0.1", Encoding::JsonLd), 1, 0, 0),
        ("example4/spdx2.2/example4-bin.spdx", spdx("2.2", Encoding::TagValue), 3, 0, 0),
        ("example4/spdx3.0/example4-bin.json", spdx("3.0.1", Encoding::JsonLd), 3, 0, 0),
        ("example6/spdx2.2/example6-lib.spdx", spdx("2.2", Encoding::TagValue), 5, 0, 1),
        ("example6/spdx3.0/example6-lib.json", spdx("3.0.1", Encoding::JsonLd), 5, 0, 1),
        ("example7/spdx2.2/example7-third-party-modules.spdx.json", spdx("2.2", Encoding::Json), 3, 0, 0),
        ("example8/spdx2.3/examplemaven-0.0.1.spdx.json", spdx("2.3", Encoding::Json), 6, 0, 1),
        ("example9/spdx2.2/appbomination.spdx.json", spdx("2.2", Encoding::Json), 7, 4, 2),
        ("example9/spdx3.0/appbomination.spdx3.json", spdx("3.0.1", Encoding::JsonLd), 7, 4, 2),
        ("example11/spdx2.3/sbom.spdx.json", spdx("2.3", Encoding::Json), 4, 4, 1),
        ("example11/spdx3.0/sbom.spdx3.json", spdx("3.0.1", Encoding::JsonLd), 4, 4, 1),
        ("example13/spdx3.0/example13.spdx3.json", spdx("3.0.1", Encoding::JsonLd), 4, 0, 2),
        ("example14/spdx2.3/examplemaven-0.0.1-enriched.spdx.json", spdx("2.3", Encoding::Json), 6, 0, 1),
        ("example14/spdx3.0/examplemaven-0.0.1-enriched.spdx3.json", spdx("3.0.1", Encoding::JsonLd), 6, 0, 1),
    ];
    for (rel, format, n, p, d) in table {
        let s = shared_doc(&dir, &format!("{base}/{rel}"));
        assert_eq!(&s.format, format, "{rel}");
        assert_eq!((s.components.len(), purls(&s), s.dependencies.len()), (*n, *p, *d), "{rel}");
    }
    // The same project in SPDX 2.2 JSON and SPDX 3.0 JSON-LD: the same purls.
    let a = shared_doc(&dir, &format!("{base}/example9/spdx2.2/appbomination.spdx.json"));
    let b = shared_doc(&dir, &format!("{base}/example9/spdx3.0/appbomination.spdx3.json"));
    let pa: std::collections::BTreeSet<_> = a.components.iter().filter_map(|c| c.purl.clone()).collect();
    let pb: std::collections::BTreeSet<_> = b.components.iter().filter_map(|c| c.purl.clone()).collect();
    assert_eq!(pa, pb);
    assert!(pa.contains("pkg:maven/org.hamcrest/hamcrest-core@1.3"));
    let hamcrest = b.find_purl("pkg:maven/org.hamcrest/hamcrest-core@1.3").unwrap();
    assert_eq!(hamcrest.version.as_deref(), Some("1.3"));
    assert!(hamcrest.bom_ref.as_deref().unwrap().ends_with("SPDXRef-gnrtd74"));
    assert!(b.dependencies.iter().any(|(_, to)| to.iter().any(|t| t.ends_with("SPDXRef-gnrtd74"))));
    // example13: Acme Application depends on the alpine container.
    let e13 = shared_doc(&dir, &format!("{base}/example13/spdx3.0/example13.spdx3.json"));
    let app = e13.components.iter().find(|c| c.name == "Acme Application").unwrap();
    assert_eq!(app.version.as_deref(), Some("1.3"));
    assert!(e13.depends_on(app.bom_ref.as_deref().unwrap()).any(|d| d.starts_with("urn:container-alpine-latest")));
}
