//! Malformed, hostile and over-limit documents: diagnostics with a location, never a panic, and the
//! rest of the document still read.

use clearinghouse_sbom::{MAX_COMPONENT_DEPTH, MAX_DIAGNOSTICS, MAX_INPUT_BYTES, Sbom, read};

fn testdata(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn has(s: &Sbom, code: &str, pointer: &str) -> bool {
    s.diagnostics.iter().any(|d| d.code == code && d.pointer == pointer)
}

fn codes(s: &Sbom) -> Vec<&str> {
    s.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn truncated_cyclonedx_json_keeps_what_came_before() {
    let full = testdata("cyclonedx/laravel-7.12.0.bom.1.2.json");
    let s = read(&full[..full.len() / 2], None).unwrap();
    assert!(s.components.len() > 10 && s.components.len() < 63, "{}", s.components.len());
    let d = s.diagnostics.iter().find(|d| d.code == "truncated").expect("a truncated diagnostic");
    assert!(d.pointer.starts_with("/components/"), "{d}");
    assert!(d.message.contains("line"), "{d}");
}

#[test]
fn truncated_cyclonedx_xml_keeps_what_came_before() {
    let full = testdata("cyclonedx/laravel-7.12.0.bom.1.4.xml");
    let s = read(&full[..full.len() / 2], None).unwrap();
    assert!(s.components.len() > 10 && s.components.len() < 63, "{}", s.components.len());
    let d = s.diagnostics.iter().find(|d| d.code == "truncated" || d.code == "invalid_xml").expect("a diagnostic");
    assert!(d.pointer.starts_with("/bom/components/component["), "{d}");
}

#[test]
fn truncated_before_anything_is_an_error() {
    let e = read(br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "compo"#, None).unwrap_err();
    assert_eq!(e.code, "truncated");
    let e = read(b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components><comp", None).unwrap_err();
    assert!(e.code == "invalid_xml" || e.code == "truncated", "{e}");
}

#[test]
fn wrong_types_are_diagnostics_with_pointers() {
    let doc = br#"{
      "bomFormat": "CycloneDX", "specVersion": "1.5",
      "components": [
        {"name": 5, "purl": "pkg:npm/from-purl@1.0.0"},
        "a string",
        {"name": "versioned", "version": 1, "scope": "sometimes", "cpe": "not-a-cpe"},
        {"name": "bad-purl", "purl": "pkg:/nope"},
        {"components": 7},
        {"name": "good", "version": "1.0.0", "purl": "pkg:npm/good@1.0.0", "cpe": "cpe:2.3:a:good:good:1.0.0:*:*:*:*:*:*:*"}
      ],
      "dependencies": [ {"dependsOn": ["x"]}, {"ref": "good", "dependsOn": ["a", 3]} ],
      "metadata": {"component": []}
    }"#;
    let s = read(doc, None).unwrap();
    let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["from-purl", "versioned", "bad-purl", "good"]);
    assert!(has(&s, "wrong_type", "/components/0/name"));
    assert!(has(&s, "missing_name", "/components/0"));
    assert!(has(&s, "wrong_type", "/components/1"));
    assert!(has(&s, "wrong_type", "/components/2/version"));
    assert!(has(&s, "invalid_value", "/components/2/scope"));
    assert!(has(&s, "invalid_cpe", "/components/2/cpe"));
    assert!(has(&s, "invalid_purl", "/components/3/purl"));
    assert!(has(&s, "wrong_type", "/components/4/components"));
    assert!(has(&s, "missing_name", "/components/4"));
    assert!(has(&s, "missing_ref", "/dependencies/0"));
    assert!(has(&s, "wrong_type", "/dependencies/1/dependsOn/1"));
    assert!(has(&s, "wrong_type", "/metadata/component"));
    assert_eq!(s.components[2].purl, None);
    assert_eq!(s.components[3].cpes, ["cpe:2.3:a:good:good:1.0.0:*:*:*:*:*:*:*"]);
    assert_eq!(s.dependencies, vec![("good".to_string(), vec!["a".to_string()])]);

    let s = read(br#"{"bomFormat":"CycloneDX","specVersion":"1.4","components":{"a":1},"dependencies":"x"}"#, None).unwrap();
    assert!(has(&s, "wrong_type", "/components"));
    assert!(has(&s, "wrong_type", "/dependencies"));
}

#[test]
fn cyclonedx_xml_fields_cpe_entities_and_scope() {
    let doc = br#"<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components>
    <component type="library" bom-ref="r&amp;1">
      <group>org.example</group>
      <name>a&amp;b&#x43;</name>
      <version>1.0</version>
      <scope>excluded</scope>
      <cpe>cpe:2.3:a:example:ab:1.0:*:*:*:*:*:*:*</cpe>
      <purl>pkg:maven/org.example/abc@1.0</purl>
      <pedigree><ancestors><component><name>ancestor</name></component></ancestors></pedigree>
      <components>
        <component type="library"><name>child</name><purl>not a purl</purl></component>
      </components>
    </component>
    <component type="library"><version>2</version></component>
  </components>
  <dependencies>
    <dependency ref="r&amp;1"><dependency ref="child"/></dependency>
    <dependency/>
  </dependencies>
</bom>"#;
    let s = read(doc, None).unwrap();
    let names: Vec<&str> = s.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a&bC", "child"]);
    let a = &s.components[0];
    assert_eq!((a.group.as_deref(), a.version.as_deref(), a.bom_ref.as_deref()), (Some("org.example"), Some("1.0"), Some("r&1")));
    assert_eq!(a.scope, Some(clearinghouse_sbom::Scope::Excluded));
    assert_eq!(a.cpes, ["cpe:2.3:a:example:ab:1.0:*:*:*:*:*:*:*"]);
    assert_eq!(s.components[1].location, "/bom/components/component[1]/components/component[1]");
    assert!(has(&s, "invalid_purl", "/bom/components/component[1]/components/component[1]/purl"));
    assert!(has(&s, "missing_name", "/bom/components/component[2]"));
    assert!(has(&s, "missing_ref", "/bom/dependencies/dependency"));
    assert_eq!(s.dependencies, vec![("r&1".to_string(), vec!["child".to_string()])]);
}

fn nested_json(levels: usize) -> String {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"first"},"#);
    for i in 0..levels {
        doc.push_str(&format!(r#"{{"name":"c{i}","components":["#));
    }
    for _ in 0..levels {
        doc.push_str("]}");
    }
    doc.push_str(r#",{"name":"last"}]}"#);
    doc
}

#[test]
fn depth_bomb_json() {
    // 40 levels of components fit in JSON's nesting limit: the ones past the component limit are skipped.
    let s = read(nested_json(40).as_bytes(), None).unwrap();
    assert_eq!(s.components.len(), 1 + MAX_COMPONENT_DEPTH + 1);
    assert_eq!(s.components.last().unwrap().name, "last");
    let d = s.diagnostics.iter().find(|d| d.code == "too_deep").unwrap();
    assert_eq!(d.pointer, format!("/components/1{}", "/components/0".repeat(MAX_COMPONENT_DEPTH)));
    // 10,000 levels pass JSON's nesting limit (128): refused there, what came before is kept.
    let s = read(nested_json(10_000).as_bytes(), None).unwrap();
    assert_eq!(s.components.len(), 1);
    let d = s.diagnostics.iter().find(|d| d.code == "too_deep").unwrap();
    assert_eq!(d.pointer, "/components/1");
    assert!(d.message.contains("128"), "{d}");
    // Plain nesting with no component in it.
    let bomb = format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{}"#, "[".repeat(100_000));
    let e = read(bomb.as_bytes(), None).unwrap_err();
    assert_eq!(e.code, "too_deep");
}

#[test]
fn depth_bomb_xml() {
    let mut doc = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>"#);
    for i in 0..10_000 {
        doc.push_str(&format!("<component><name>c{i}</name><components>"));
    }
    let s = read(doc.as_bytes(), None).unwrap();
    assert_eq!(s.components.len(), MAX_COMPONENT_DEPTH);
    assert!(codes(&s).contains(&"too_deep"));
    let e = read(format!("<bom>{}", "<x>".repeat(100_000)).as_bytes(), None).unwrap_err();
    assert_eq!(e.code, "too_deep");
}

#[test]
fn billion_laughs_is_not_expanded() {
    let doc = br#"<?xml version="1.0"?>
<!DOCTYPE bom [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4">
  <components>
    <component type="library"><name>&lol9;</name><purl>pkg:npm/laughs@1.0.0</purl></component>
    <component type="library"><name>x&xxe;</name><version>&lol9;</version></component>
  </components>
</bom>"#;
    let start = std::time::Instant::now();
    let s = read(doc, None).unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(s.components.len(), 2);
    assert_eq!(s.components[0].name, "laughs");
    assert_eq!(s.components[1].name, "x");
    assert_eq!(s.components[1].version, None);
    assert!(has(&s, "xml_dtd_ignored", ""));
    assert!(has(&s, "xml_entity_not_expanded", "/bom/components/component[1]"));
    assert!(has(&s, "xml_entity_not_expanded", "/bom/components/component[2]"));
}

#[test]
fn over_limit_size_is_refused_before_parsing() {
    // Zeroed memory is not touched, so this costs nothing.
    let big = vec![0u8; MAX_INPUT_BYTES + 1];
    let e = read(&big, Some("bom.json")).unwrap_err();
    assert_eq!(e.code, "too_large");
}

#[test]
fn too_many_diagnostics_are_counted_not_kept() {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..(MAX_DIAGNOSTICS + 500) {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(r#"{"name":"x","purl":"bad"}"#);
    }
    doc.push_str("]}");
    let s = read(doc.as_bytes(), None).unwrap();
    assert_eq!(s.components.len(), MAX_DIAGNOSTICS + 500);
    assert_eq!(s.diagnostics.len(), MAX_DIAGNOSTICS + 1);
    let last = s.diagnostics.last().unwrap();
    assert_eq!(last.code, "too_many_diagnostics");
    assert!(last.message.starts_with("500 more"), "{last}");
}

#[test]
fn unknown_empty_and_unreadable_documents() {
    assert_eq!(read(b"", None).unwrap_err().code, "empty");
    assert_eq!(read(b"  \n", Some("go.mod")).unwrap_err().code, "empty");
    assert_eq!(read(b"hello world", None).unwrap_err().code, "unknown_format");
    assert_eq!(read(br#"{"name": "x"}"#, None).unwrap_err().code, "unknown_format");
    assert_eq!(read(b"\xFF\xFE{\x00", None).unwrap_err().code, "not_utf8");
    assert_eq!(read(b"<rdf:RDF xmlns:rdf=\"x\"></rdf:RDF>", None).unwrap_err().code, "unknown_format");
    assert_eq!(read(b"<bom>\xff\xfe</bom>", None).unwrap_err().code, "not_utf8");
    assert_eq!(read(b"[1, 2]", Some("bom.json")).unwrap_err().code, "unknown_format");
}

#[test]
fn broken_lockfiles() {
    let e = read(b"[[package]]\nname = \"x\nversion = \"1\"\n", Some("Cargo.lock")).unwrap_err();
    assert_eq!((e.code.as_str(), e.pointer.as_str()), ("invalid_toml", "line 2"));
    let e = read(format!("a = {}", "[".repeat(10_000)).as_bytes(), Some("Cargo.lock")).unwrap_err();
    assert_eq!(e.code, "invalid_toml");
    let e = read(format!("a = {}", "{ b = ".repeat(10_000)).as_bytes(), Some("poetry.lock")).unwrap_err();
    assert_eq!(e.code, "invalid_toml");
    let s = read(b"[[package]]\nname = 5\nversion = \"1\"\n\n[[package]]\nname = \"ok\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", Some("Cargo.lock")).unwrap();
    assert_eq!(s.components.len(), 1);
    assert!(has(&s, "wrong_type", "line 1"));
    assert!(has(&s, "invalid_package", "line 1"));

    let s = read(br#"{"lockfileVersion": 3, "packages": {"node_modules/a": 5, "node_modules/b": {"version": 1}, "node_modules/c": {"version": "1.0.0", "dependencies": []}}}"#, Some("package-lock.json")).unwrap();
    assert!(has(&s, "wrong_type", "/packages/node_modules~1a"));
    assert!(has(&s, "wrong_type", "/packages/node_modules~1b/version"));
    assert!(has(&s, "missing_version", "/packages/node_modules~1b"));
    assert!(has(&s, "wrong_type", "/packages/node_modules~1c/dependencies"));
    assert_eq!(s.components.len(), 2);
    let e = read(br#"{"lockfileVersion": 3, "packages": {"#, Some("package-lock.json")).unwrap_err();
    assert_eq!(e.code, "truncated");

    let s = read(b"module x\nrequire (\n  a.example/b v1.0.0\n  broken\n", Some("go.mod")).unwrap();
    assert_eq!(s.components.len(), 1);
    assert!(has(&s, "invalid_line", "line 4"));
    assert!(has(&s, "truncated", ""));

    let s = read(b"GEM\n  remote: https://rubygems.org/\n  specs:\n    good (1.0)\n    bad-line\n", Some("Gemfile.lock")).unwrap();
    assert_eq!(s.components.len(), 1);
    assert!(has(&s, "invalid_line", "line 5"));

    let s = read(br#"{"packages": [{"name": "a/b"}, {"name": "nameless", "version": "1"}, 3]}"#, Some("composer.lock")).unwrap();
    assert!(has(&s, "invalid_package", "/packages/0"));
    assert!(has(&s, "invalid_purl", "/packages/1/name"));
    assert!(has(&s, "wrong_type", "/packages/2"));
    assert_eq!(s.components.len(), 1);

    let s = read(b"a==1\nb==\nc[extra==2\n", Some("requirements.txt")).unwrap();
    assert_eq!(s.components.len(), 1);
    assert!(has(&s, "not_pinned", "line 2"));
    assert!(has(&s, "invalid_requirement", "line 3"));

    // Deeply nested package-lock v1 dependencies stop at the component depth limit.
    let mut v1 = String::from(r#"{"lockfileVersion":1,"dependencies":"#);
    for i in 0..40 {
        v1.push_str(&format!(r#"{{"p{i}":{{"version":"1.0.0","dependencies":"#));
    }
    v1.push_str("{}");
    for _ in 0..40 {
        v1.push_str("}}");
    }
    v1.push('}');
    let s = read(v1.as_bytes(), Some("package-lock.json")).unwrap();
    assert_eq!(s.components.len(), MAX_COMPONENT_DEPTH);
    assert!(codes(&s).contains(&"too_deep"));
}

#[test]
fn broken_spdx() {
    let s = read(
        br#"{"spdxVersion": "SPDX-2.3", "packages": [5, {"name": ["x"]}, {"SPDXID": "SPDXRef-a", "name": "ok", "versionInfo": "NOASSERTION",
        "externalRefs": [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:x:ok:1:*:*:*:*:*:*:*"},
                         {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/ok@1"}, 7]}],
        "relationships": [{"spdxElementId": "SPDXRef-a"}]}"#,
        None,
    )
    .unwrap();
    assert_eq!(s.components.len(), 1);
    let ok = &s.components[0];
    assert_eq!((ok.version.as_deref(), ok.purl.as_deref()), (None, Some("pkg:npm/ok@1")));
    assert_eq!(ok.cpes, ["cpe:2.3:a:x:ok:1:*:*:*:*:*:*:*"]);
    assert!(has(&s, "wrong_type", "/packages/0"));
    assert!(has(&s, "wrong_type", "/packages/1/name"));
    assert!(has(&s, "wrong_type", "/packages/2/externalRefs/2"));
    assert!(has(&s, "invalid_relationship", "/relationships/0"));

    let tv = b"SPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\nthis line has no tag\nPackageName: pkg\nSPDXID: SPDXRef-pkg\nPackageVersion: 1.0\nPackageComment: <text>a comment\nPackageName: not a package\n</text>\nExternalRef: SECURITY cpe23Type cpe:2.3:a:v:pkg:1.0:*:*:*:*:*:*:*\nExternalRef: PACKAGE-MANAGER purl pkg:pypi/pkg@1.0\nExternalRef: broken\nPackageDescription: <text>never closed\n";
    let s = read(tv, None).unwrap();
    assert_eq!(s.components.len(), 1);
    let p = &s.components[0];
    assert_eq!((p.name.as_str(), p.version.as_deref(), p.purl.as_deref(), p.location.as_str()), ("pkg", Some("1.0"), Some("pkg:pypi/pkg@1.0"), "line 4"));
    assert_eq!(p.cpes.len(), 1);
    assert!(has(&s, "invalid_line", "line 3"));
    assert!(has(&s, "invalid_line", "line 12"));
    assert!(has(&s, "truncated", "line 13"));

    let s = read(br#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [1, {"type": "software_Package"}, {"type": "Relationship", "relationshipType": "dependsOn"}]}"#, None).unwrap();
    assert!(s.components.is_empty());
    assert!(has(&s, "wrong_type", "/@graph/0"));
    assert!(has(&s, "missing_name", "/@graph/1"));
    assert!(has(&s, "invalid_relationship", "/@graph/2"));
}
