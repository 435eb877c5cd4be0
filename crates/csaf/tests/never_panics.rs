//! `validate` never panics: on arbitrary bytes, and on the official test documents after random
//! edits of their JSON values (a value replaced by another of any type, removed, or replaced by a
//! copy of another part of the document) or of their bytes.

use std::path::Path;

use clearinghouse_csaf::validate;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The official test documents of `testdata/mandatory`.
fn docs() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/mandatory");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
}

/// Every JSON pointer of a value.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Values to put in: each JSON type, and strings that mean something somewhere in CSAF.
fn replacement(kind: u8, n: i64) -> Value {
    match kind % 16 {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(n),
        3 => json!(n as f64 / 7.0),
        4 => json!([]),
        5 => json!({}),
        6 => json!("CSAFPID-9080700"),
        7 => json!("CSAFGID-1020300"),
        8 => json!(["CSAFPID-9080700", "CSAFPID-9080701", "CSAFGID-1020300"]),
        9 => json!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
        10 => json!("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H"),
        11 => json!("1.0.0-rc.1+build"),
        12 => json!("2021-07-21T10:00:00.000Z"),
        13 => json!("pkg:maven/@1.3.4?a=%zz"),
        14 => json!("de-CH-x-ü-1996-1996"),
        _ => json!(format!("{n}").repeat((n.unsigned_abs() % 5) as usize)),
    }
}

fn edit(doc: &mut Value, target: &str, source: &str, kind: u8, n: i64) {
    let copied = doc.pointer(source).cloned();
    let Some((parent, last)) = target.rsplit_once('/') else { return };
    match kind % 4 {
        0 => {
            // remove
            match doc.pointer_mut(parent) {
                Some(Value::Object(o)) => {
                    o.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < a.len()
                    {
                        a.remove(i);
                    }
                }
                _ => {}
            }
        }
        1 => {
            if let (Some(slot), Some(c)) = (doc.pointer_mut(target), copied) {
                *slot = c;
            }
        }
        _ => {
            if let Some(slot) = doc.pointer_mut(target) {
                *slot = replacement((kind / 4).wrapping_add(n as u8), n);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = validate(&bytes);
    }

    #[test]
    fn arbitrary_json_like_text(text in "[\\[\\]{}:,\"a-z0-9 _./+-]{0,300}") {
        let mut bytes = b"{\"document\":{\"tracking\":".to_vec();
        bytes.extend(text.as_bytes());
        let _ = validate(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn mutated_official_documents(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u8>(), any::<i64>()), 1..12),
    ) {
        let all = docs();
        let mut doc = all[which.index(all.len())].clone();
        for (target, source, kind, n) in edits {
            let mut ps = Vec::new();
            pointers(&doc, String::new(), &mut ps);
            let t = ps[target.index(ps.len())].clone();
            let s = ps[source.index(ps.len())].clone();
            edit(&mut doc, &t, &s, kind, n);
        }
        let report = validate(&serde_json::to_vec(&doc).unwrap()).unwrap();
        for f in &report.failures {
            prop_assert!(f.pointer.is_empty() || f.pointer.starts_with('/'), "{}", f);
        }
    }

    #[test]
    fn byte_edited_official_documents(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8),
    ) {
        let all = docs();
        let mut bytes = serde_json::to_vec(&all[which.index(all.len())]).unwrap();
        for (at, kind, byte) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        let _ = validate(&bytes);
    }
}

#[test]
fn limits() {
    // Too deep for serde_json: an input error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(validate(deep.as_bytes()), Err(clearinghouse_csaf::InputError::NotJson(_))));
    // Deep branches within the limit.
    let mut branch = json!({ "category": "product_version", "name": "prior to 1", "product": { "name": "p", "product_id": "P" } });
    for _ in 0..60 {
        branch = json!({ "category": "vendor", "name": "v", "branches": [branch] });
    }
    let doc = json!({ "product_tree": { "branches": [branch] } });
    let report = validate(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert!(report.failed_tests().contains("6.1.31"));
    // Not JSON, empty, too large.
    assert!(validate(b"").is_err());
    assert!(validate(b"\xff").is_err());
    let big = vec![b' '; clearinghouse_csaf::MAX_INPUT_BYTES + 1];
    assert!(matches!(validate(&big), Err(clearinghouse_csaf::InputError::TooLarge { .. })));
    // Not an object: schema failures only.
    for s in ["null", "1", "\"x\"", "[]", "{}"] {
        let r = validate(s.as_bytes()).unwrap();
        assert!(!r.is_valid());
        assert_eq!(r.failed_tests().into_iter().collect::<Vec<_>>(), ["schema"], "{s}");
    }
}

#[test]
fn many_failures_are_bounded() {
    // 5000 references to undefined products: 1000 listed and one line for the rest.
    let ids: Vec<String> = (0..5000).map(|i| format!("P{i}")).collect();
    let doc = json!({ "product_tree": { "product_groups": [{ "group_id": "G", "product_ids": ids }] } });
    let r = validate(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let listed: Vec<_> = r.failures_of("6.1.1").collect();
    assert_eq!(listed.len(), clearinghouse_csaf::MAX_FAILURES_PER_TEST + 1);
    assert!(listed.last().unwrap().message.contains("4000 more"));
}

#[test]
fn long_relationship_chains_and_cycles_are_linear() {
    // 20000 relationships in one chain closing a cycle: answers quickly, no recursion.
    let n = 20_000;
    let rels: Vec<Value> = (0..n)
        .map(|i| {
            json!({ "category": "installed_on", "full_product_name": { "name": "x", "product_id": format!("R{i}") },
                    "product_reference": format!("R{}", (i + 1) % n), "relates_to_product_reference": "B" })
        })
        .collect();
    let doc = json!({ "product_tree": { "full_product_names": [{ "name": "b", "product_id": "B" }], "relationships": rels } });
    let start = std::time::Instant::now();
    let r = validate(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(r.failures_of("6.1.3").count(), clearinghouse_csaf::MAX_FAILURES_PER_TEST + 1);
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}
