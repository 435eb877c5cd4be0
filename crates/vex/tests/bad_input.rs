//! Input that is not a VEX document, or a VEX document with every member wrong: `read` refuses or
//! reports, with pointers, and never panics.

use std::path::Path;

use clearinghouse_vex::{MAX_INPUT_BYTES, Statement, codes, read};
use serde_json::{Value, json};

fn refused(bytes: &[u8]) -> String {
    match read(bytes) {
        Ok(doc) => panic!("read: {doc:?}"),
        Err(d) => {
            assert!(!d.is_empty());
            assert_eq!(codes::severity(&d[0].code), codes::Severity::Refusal, "{d:?}");
            d[0].code.clone()
        }
    }
}

#[test]
fn nothing_to_read() {
    assert_eq!(refused(b""), codes::EMPTY);
    assert_eq!(refused(b" \n\t "), codes::EMPTY);
    assert_eq!(refused(b"\xEF\xBB\xBF"), codes::EMPTY);
    assert_eq!(refused(b"{\"bomFormat\": "), codes::INVALID_JSON);
    assert_eq!(refused(b"not json"), codes::INVALID_JSON);
    assert_eq!(refused(b"{} {}"), codes::INVALID_JSON);
    assert_eq!(refused(b"\xFF\xFE{\x00}\x00"), codes::INVALID_JSON);
    assert_eq!(refused(b"{\"@context\": \"https://openvex.dev/ns\", \"x\": \"\xC3\x28\"}"), codes::INVALID_JSON);
    assert_eq!(refused(b"<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"/>"), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(b"[]"), codes::NOT_AN_OBJECT);
    assert_eq!(refused(b"\"CycloneDX\""), codes::NOT_AN_OBJECT);
    assert_eq!(refused(b"null"), codes::NOT_AN_OBJECT);
}

#[test]
fn json_of_another_kind() {
    assert_eq!(refused(b"{}"), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"spdxVersion": "SPDX-2.3", "packages": []}"#), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z", "affected": []}"#), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"statements": [{"vulnerability": "CVE-1", "status": "fixed"}]}"#), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"bomFormat": "SPDX", "vulnerabilities": []}"#), codes::UNKNOWN_FORMAT);
    assert_eq!(refused(br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#), codes::NOT_VEX);
    assert_eq!(refused(br#"{"document": {"csaf_version": "2.0", "category": "csaf_base"}}"#), codes::NOT_VEX);
    // The real SBOM beside the VEX examples.
    let bom = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sbom/cyclonedx/VEX/bom.json");
    if let Ok(bytes) = std::fs::read(&bom) {
        assert_eq!(refused(&bytes), codes::NOT_VEX);
    } else {
        println!("SKIPPED: {} is not there", bom.display());
    }
}

#[test]
fn too_large_is_refused_before_parsing() {
    let mut bytes = vec![b' '; MAX_INPUT_BYTES + 1];
    bytes[0] = b'{';
    assert_eq!(refused(&bytes), codes::TOO_LARGE);
}

#[test]
fn deep_nesting_is_refused() {
    let arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(refused(arrays.as_bytes()), codes::TOO_DEEP);
    let objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    assert_eq!(refused(objects.as_bytes()), codes::TOO_DEEP);
    // Inside a document that is otherwise fine, and unterminated.
    let inside = format!(r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{}"#, "[".repeat(100_000));
    assert_eq!(refused(inside.as_bytes()), codes::TOO_DEEP);
    // Deep but within the limit: read, with the wrong type reported.
    let ok = format!(
        r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{{"vulnerability": {}1{}, "status": "fixed"}}]}}"#,
        "[".repeat(90),
        "]".repeat(90)
    );
    let doc = read(ok.as_bytes()).unwrap();
    assert_eq!(doc.diagnostics[0].code, codes::WRONG_TYPE);
    assert_eq!(doc.diagnostics[0].pointer, "/statements/0/vulnerability");
}

#[test]
fn too_many_values_are_refused() {
    let many = format!("[{}0]", "0,".repeat(clearinghouse_vex::MAX_VALUES));
    assert_eq!(refused(many.as_bytes()), codes::TOO_MANY_VALUES);
}

#[test]
fn huge_strings() {
    // A 32 MiB vulnerability id: dropped as too long, and the statement without it skipped.
    let id = "A".repeat(32 * 1024 * 1024);
    let doc = format!(
        r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{{"vulnerability": {{"name": "{id}"}}, "status": "fixed", "products": ["pkg:npm/a"]}}]}}"#
    );
    let doc = read(doc.as_bytes()).unwrap();
    let got: Vec<_> = doc.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    assert_eq!(got, [(codes::TOO_LONG, "/statements/0/vulnerability/name"), (codes::MISSING_VULNERABILITY, "/statements/0/vulnerability")]);
    assert!(doc.diagnostics.iter().all(|d| d.message.len() < 1000), "messages quote at most a short prefix");
    // A long free text is kept.
    let text = "x".repeat(8 * 1024 * 1024);
    let doc = format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{{"id": "CVE-1", "analysis": {{"state": "not_affected", "detail": "{text}"}}, "affects": [{{"ref": "a"}}]}}]}}"#
    );
    let doc = read(doc.as_bytes()).unwrap();
    assert_eq!(doc.statements[0].detail.as_ref().map(String::len), Some(text.len()));
    // A long purl: not a valid purl (the purl parser's own limit), reported, quoted short.
    let purl = format!("pkg:npm/{}", "a".repeat(100_000));
    let doc =
        format!(r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{{"vulnerability": "CVE-1", "status": "fixed", "products": ["{purl}"]}}]}}"#);
    let doc = read(doc.as_bytes()).unwrap();
    assert_eq!(doc.diagnostics[0].code, codes::TOO_LONG);
}

/// Every value of the document, by JSON pointer.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{here}/{i}"), out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| pointers(x, format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        _ => {}
    }
    out.push(here);
}

fn replacements() -> Vec<Value> {
    vec![Value::Null, json!(true), json!(7), json!(-1.5), json!(""), json!("x"), json!([]), json!({}), json!([7, null]), json!({"x": 7}), json!("pkg:")]
}

fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(p, _)| p)
}

/// Replaces each value of each document, in turn, with a value of every other type: `read` never
/// panics, every diagnostic points into the document (at the value, or at a missing member of an
/// object that is there), and every statement it still returns is well formed.
#[test]
fn wrong_types_at_every_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let files =
        ["cyclonedx/vex.json", "cyclonedx/handwritten/embedded-1.6.json", "cyclonedx/Use-Cases/Case-10/vex.json", "openvex/v0.2.0.json", "openvex/v0.0.1.json"];
    let mut documents: Vec<(String, Value)> =
        files.iter().map(|f| (f.to_string(), serde_json::from_slice(&std::fs::read(root.join(f)).unwrap()).unwrap())).collect();
    documents.push(("csaf".into(), csaf()));
    let mut reads = 0;
    for (name, doc) in &documents {
        let mut all = Vec::new();
        pointers(doc, String::new(), &mut all);
        for p in &all {
            for r in replacements() {
                let mut mutated = doc.clone();
                match mutated.pointer_mut(p) {
                    Some(slot) => *slot = r.clone(),
                    None => unreachable!(),
                }
                let bytes = serde_json::to_vec(&mutated).unwrap();
                reads += 1;
                let diagnostics = match read(&bytes) {
                    Ok(d) => {
                        d.statements.iter().for_each(|s| well_formed(s, &mutated));
                        d.diagnostics
                    }
                    Err(d) => d,
                };
                for d in diagnostics {
                    let there =
                        d.pointer.is_empty() || mutated.pointer(&d.pointer).is_some() || mutated.pointer(parent(&d.pointer)).is_some_and(Value::is_object);
                    assert!(there, "{name}: {p} = {r}: {d} points nowhere");
                }
            }
        }
    }
    assert!(reads > 2000, "{reads}");
}

fn well_formed(s: &Statement, doc: &Value) {
    assert!(!s.vulnerability.trim().is_empty());
    assert!(doc.pointer(&s.location).is_some(), "{}", s.location);
    if s.justification.is_some() {
        assert_eq!(s.status, clearinghouse_vex::Status::NotAffected);
    }
}

/// A CSAF VEX with every construct read.
fn csaf() -> Value {
    json!({
      "document": {"category": "csaf_vex", "csaf_version": "2.0", "tracking": {"current_release_date": "2024-06-01T00:00:00Z"}},
      "product_tree": {
        "branches": [{"category": "vendor", "name": "Example", "branches": [
          {"category": "product_version", "name": "1.2.3", "product": {"name": "libfoo 1.2.3", "product_id": "A",
            "product_identification_helper": {"purl": "pkg:cargo/libfoo@1.2.3", "cpe": "cpe:/a:example:libfoo:1.2.3"}}},
          {"category": "product_version_range", "name": "vers:cargo/<1.2.3", "product": {"name": "libfoo old", "product_id": "B"}}
        ]}],
        "full_product_names": [{"name": "C", "product_id": "C"}],
        "relationships": [{"category": "installed_on", "product_reference": "A", "relates_to_product_reference": "C", "full_product_name": {"name": "A on C", "product_id": "AC"}}],
        "product_groups": [{"group_id": "G", "product_ids": ["A", "B"]}]
      },
      "vulnerabilities": [{
        "cve": "CVE-2024-1",
        "ids": [{"system_name": "GitHub", "text": "GHSA-1"}],
        "product_status": {"known_not_affected": ["A", "B"], "known_affected": ["AC"], "fixed": ["C"], "under_investigation": ["B"]},
        "flags": [{"label": "component_not_present", "group_ids": ["G"], "product_ids": ["A"]}],
        "threats": [{"category": "impact", "details": "Not used.", "product_ids": ["A"]}],
        "remediations": [{"category": "vendor_fix", "details": "Update.", "url": "https://example.com", "product_ids": ["AC", "C"], "group_ids": ["G"]}]
      }]
    })
}
