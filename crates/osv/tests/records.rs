//! Reading records: every schema field, leniency (unknown members kept, wrong types reported and
//! dropped), required members, timestamps and withdrawal, YAML, and the limits on hostile input.

use clearinghouse_osv::{
    EventKind, MAX_DEPTH, MAX_DIAGNOSTICS, MAX_NODES, MAX_RECORD_BYTES, Record, Verdict, affected_by, codes, parse_record, parse_record_yaml,
};
use serde_json::json;
use time::macros::datetime;

fn diags(bytes: &[u8]) -> Vec<(String, String)> {
    parse_record(bytes).1.into_iter().map(|d| (d.code, d.pointer)).collect()
}

const FULL: &str = r#"{
  "schema_version": "1.7.0",
  "id": "GHSA-xxxx-yyyy-zzzz",
  "modified": "2024-05-01T10:00:00Z",
  "published": "2024-04-01T10:00:00.123Z",
  "withdrawn": "2024-06-01T00:00:00Z",
  "aliases": ["CVE-2024-0001"],
  "related": ["CVE-2024-0002"],
  "upstream": ["CVE-2023-9999"],
  "summary": "A summary",
  "details": "Some *markdown*",
  "affected": [{
    "package": {"ecosystem": "npm", "name": "left-pad", "purl": "pkg:npm/left-pad", "x_pkg": 1},
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "ranges": [{"type": "SEMVER", "repo": "https://github.com/x/y", "events": [{"introduced": "0"}, {"limit": "*"}, {"fixed": "1.3.0"}],
                "database_specific": {"source": "x"}, "x_range": true}],
    "versions": ["1.0.0"],
    "ecosystem_specific": {"imports": [{"path": "a"}]},
    "database_specific": {"cwe_ids": ["CWE-79"]},
    "x_affected": "kept"
  }],
  "references": [{"type": "ADVISORY", "url": "https://example.com/a"}],
  "credits": [{"name": "Ann", "contact": ["mailto:ann@example.com"], "type": "FINDER"}],
  "database_specific": {"severity": "HIGH"},
  "x_future_field": {"nested": [1, 2, 3]}
}"#;

#[test]
fn every_field_is_read_and_unknown_ones_are_kept() {
    let (r, d) = parse_record(FULL.as_bytes());
    assert!(d.is_empty(), "{d:?}");
    let r = r.unwrap();
    assert_eq!(r.schema_version.as_deref(), Some("1.7.0"));
    assert_eq!((r.aliases.len(), r.related.len(), r.upstream.len()), (1, 1, 1));
    let a = &r.affected[0];
    let p = a.package.as_ref().unwrap();
    assert_eq!((p.ecosystem.as_str(), p.name.as_str(), p.purl.as_deref()), ("npm", "left-pad", Some("pkg:npm/left-pad")));
    assert_eq!(p.extra["x_pkg"], json!(1));
    assert_eq!(a.severity[0].severity_type, "CVSS_V3");
    assert_eq!(a.ranges[0].repo.as_deref(), Some("https://github.com/x/y"));
    assert_eq!(a.ranges[0].events[1].kind(), Some((EventKind::Limit, "*")));
    assert_eq!(a.ranges[0].extra["x_range"], json!(true));
    assert_eq!(a.extra["x_affected"], json!("kept"));
    assert!(a.ecosystem_specific.is_some() && a.database_specific.is_some());
    assert_eq!(r.credits[0].credit_type.as_deref(), Some("FINDER"));
    assert_eq!(r.extra["x_future_field"], json!({"nested": [1, 2, 3]}));
    // Unknown members survive serialisation.
    let out: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(out["x_future_field"], json!({"nested": [1, 2, 3]}));
    assert_eq!(out["affected"][0]["package"]["x_pkg"], json!(1));
    let back: Record = serde_json::from_value(out).unwrap();
    assert_eq!(back, r);
}

#[test]
fn withdrawal_takes_the_time_as_an_argument() {
    let r = parse_record(FULL.as_bytes()).0.unwrap();
    assert!(!r.is_withdrawn(datetime!(2024-05-31 23:59:59 UTC)));
    assert!(r.is_withdrawn(datetime!(2024-06-01 00:00:00 UTC)));
    assert_eq!(r.modified_at(), Some(datetime!(2024-05-01 10:00:00 UTC)));
    let (r, d) = parse_record(br#"{"id": "X-1", "modified": "2024-05-01T10:00:00Z", "withdrawn": "yesterday"}"#);
    assert_eq!(d[0].code, codes::INVALID_TIMESTAMP);
    assert!(r.unwrap().is_withdrawn(datetime!(2000-01-01 00:00:00 UTC)), "an unreadable withdrawn still withdraws");
}

#[test]
fn wrong_types_are_reported_and_dropped_never_fatal() {
    let doc = json!({
        "id": "X-1",
        "modified": 20240101,
        "aliases": ["ok", 5],
        "summary": {"no": 1},
        "severity": [{"type": "CVSS_V9", "score": "x"}, "junk"],
        "affected": [{"package": {"ecosystem": "npm"}, "ranges": "none", "versions": null}],
        "references": [{"type": "BLOG", "url": "https://x"}, {"type": "WEB"}],
        "credits": [{"name": "A", "type": "FAN"}],
        "database_specific": [1]
    });
    let d = diags(doc.to_string().as_bytes());
    let want = [
        (codes::WRONG_TYPE, "/modified"),
        (codes::WRONG_TYPE, "/aliases/1"),
        (codes::WRONG_TYPE, "/summary"),
        (codes::WRONG_TYPE, "/severity/1"),
        (codes::UNKNOWN_SEVERITY_TYPE, "/severity/0/type"),
        (codes::WRONG_TYPE, "/database_specific"),
        (codes::MISSING_FIELD, "/affected/0/package/name"),
        (codes::WRONG_TYPE, "/affected/0/ranges"),
        (codes::UNKNOWN_REFERENCE_TYPE, "/references/0/type"),
        (codes::MISSING_FIELD, "/references/1/url"),
        (codes::UNKNOWN_CREDIT_TYPE, "/credits/0/type"),
        (codes::NO_AFFECTED_VERSIONS, "/affected/0"),
    ];
    let got: Vec<(&str, &str)> = d.iter().map(|(c, p)| (c.as_str(), p.as_str())).collect();
    assert_eq!(got, want);
    let r = parse_record(doc.to_string().as_bytes()).0.unwrap();
    assert_eq!(r.aliases, ["ok"]);
    assert_eq!(r.modified, None);
}

#[test]
fn required_members_and_the_id() {
    assert_eq!(diags(br#"{"modified": "2024-01-01T00:00:00Z"}"#), [(codes::MISSING_FIELD.to_string(), "/id".to_string())]);
    assert!(parse_record(br#"{"modified": "2024-01-01T00:00:00Z"}"#).0.is_none(), "a record without an id is refused");
    for bad in [r#""""#, r#""GHSA x""#, "7"] {
        let doc = format!(r#"{{"id": {bad}, "modified": "2024-01-01T00:00:00Z"}}"#);
        let (r, d) = parse_record(doc.as_bytes());
        assert!(r.is_none() && d.iter().any(|d| d.pointer == "/id"), "{bad}: {d:?}");
    }
    let long = format!(r#"{{"id": "{}", "modified": "2024-01-01T00:00:00Z"}}"#, "A".repeat(300));
    assert_eq!(diags(long.as_bytes())[0].0, codes::INVALID_ID);
    let (r, d) = parse_record(br#"{"id": "X-1"}"#);
    assert!(r.is_some(), "a missing modified is a diagnostic, not a refusal");
    assert_eq!(d[0].code_pointer(), (codes::MISSING_FIELD, "/modified"));
    // The schema's nullable arrays.
    let (r, d) = parse_record(br#"{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "aliases": null, "affected": null, "references": null, "severity": null}"#);
    assert!(d.is_empty() && r.is_some());
    // Severity both at the top and in an entry.
    let doc = json!({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "severity": [{"type": "Ubuntu", "score": "high"}],
        "affected": [{"package": {"ecosystem": "npm", "name": "a"}, "versions": ["1.0.0"], "severity": [{"type": "Ubuntu", "score": "low"}]}]});
    assert_eq!(diags(doc.to_string().as_bytes()), [(codes::SEVERITY_AT_BOTH_LEVELS.to_string(), "/affected/0/severity".to_string())]);
}

trait CodePointer {
    fn code_pointer(&self) -> (&str, &str);
}

impl CodePointer for clearinghouse_osv::Diagnostic {
    fn code_pointer(&self) -> (&str, &str) {
        (&self.code, &self.pointer)
    }
}

#[test]
fn documents_that_are_not_records_are_refused_with_a_reason() {
    let refused = |bytes: &[u8]| {
        let (r, d) = parse_record(bytes);
        assert!(r.is_none(), "{}", String::from_utf8_lossy(&bytes[..bytes.len().min(40)]));
        d[0].code.clone()
    };
    assert_eq!(refused(b""), codes::INVALID_JSON);
    assert_eq!(refused(b"{\"id\": \"X\""), codes::INVALID_JSON);
    assert_eq!(refused(b"{\"id\": \"X-1\"} trailing"), codes::INVALID_JSON);
    assert_eq!(refused(b"[1, 2]"), codes::NOT_AN_OBJECT);
    assert_eq!(refused(b"\xff\xfe"), codes::INVALID_JSON);
    let deep = format!("{{\"id\": \"X-1\", \"x\": {}{}}}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
    assert_eq!(refused(deep.as_bytes()), codes::NESTING_TOO_DEEP);
    let very_deep = "[".repeat(100_000);
    assert_eq!(refused(very_deep.as_bytes()), codes::NESTING_TOO_DEEP);
    let big = vec![b' '; MAX_RECORD_BYTES + 1];
    assert_eq!(refused(&big), codes::INPUT_TOO_LARGE);
    let many = format!("{{\"id\": \"X-1\", \"x\": [{}0]}}", "0,".repeat(MAX_NODES));
    assert_eq!(refused(many.as_bytes()), codes::TOO_MANY_VALUES);
    // A byte-order mark is tolerated.
    assert!(parse_record(b"\xEF\xBB\xBF{\"id\": \"X-1\", \"modified\": \"2024-01-01T00:00:00Z\"}").0.is_some());
}

#[test]
fn diagnostics_are_capped() {
    let refs: Vec<_> = (0..MAX_DIAGNOSTICS + 50).map(|_| json!({"type": "NOPE", "url": "u"})).collect();
    let doc = json!({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "references": refs});
    let d = diags(doc.to_string().as_bytes());
    assert_eq!(d.len(), MAX_DIAGNOSTICS + 1);
    assert_eq!(d.last().unwrap().0, codes::TOO_MANY_DIAGNOSTICS);
}

#[test]
fn yaml_records_read_like_json() {
    let yaml = r#"
id: GO-2020-0001
modified: "2024-05-20T16:03:47Z"
aliases: [CVE-2020-36567]
affected:
  - package: {ecosystem: Go, name: github.com/gin-gonic/gin}
    ranges:
      - type: SEMVER
        events:
          - introduced: "0"
          - fixed: 1.6.0
    ecosystem_specific:
      1: numeric keys become strings
"#;
    let (r, d) = parse_record_yaml(yaml.as_bytes());
    assert!(d.is_empty(), "{d:?}");
    let r = r.unwrap();
    assert_eq!(r.affected[0].ranges[0].events[1].fixed.as_deref(), Some("1.6.0"));
    assert_eq!(affected_by(&r, &"Go".parse().unwrap(), "github.com/gin-gonic/gin", "v1.5.0").verdict, Verdict::Affected);
    // The JSON form of the same record reads the same.
    let json = serde_json::to_vec(&r).unwrap();
    assert_eq!(parse_record(&json).0.unwrap(), r);

    // An unquoted integer version reads as its string, with a warning; a float is a wrong type
    // (`1.10` would have become 1.1), as in JSON.
    let (r, d) = parse_record_yaml(b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n  - package: {ecosystem: npm, name: a}\n    ranges: [{type: SEMVER, events: [{introduced: 0}]}]\n");
    assert_eq!(d[0].code_pointer(), (codes::NUMBER_AS_VERSION, "/affected/0/ranges/0/events/0/introduced"));
    assert_eq!(affected_by(&r.unwrap(), &"npm".parse().unwrap(), "a", "1.0.0").verdict, Verdict::Affected);
    let (_, d) = parse_record_yaml(b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n  - package: {ecosystem: npm, name: a}\n    versions: [1.0]\n");
    assert_eq!(d[0].code_pointer(), (codes::WRONG_TYPE, "/affected/0/versions/0"));

    let refused = |bytes: &[u8]| {
        let (r, d) = parse_record_yaml(bytes);
        assert!(r.is_none());
        d[0].code.clone()
    };
    assert_eq!(refused(b"id: [unclosed"), codes::INVALID_YAML);
    assert_eq!(refused(b"id: X-1\n---\nid: X-2\n"), codes::INVALID_YAML);
    assert_eq!(refused(b"- just\n- a list\n"), codes::NOT_AN_OBJECT);
    let deep = format!("x: {}{}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
    assert_eq!(refused(deep.as_bytes()), codes::NESTING_TOO_DEEP);
    // "Billion laughs": nine levels of ten aliases each would expand to 10^9 values.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let prev = (b'a' + level - 1) as char;
        let this = (b'a' + level) as char;
        bomb.push_str(&format!("{this}: &{this} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
    }
    assert_eq!(refused(bomb.as_bytes()), codes::TOO_MANY_VALUES);
    // Fewer aliases of a larger anchor pass the YAML reader's own repetition guard; the value budget
    // still stops the expansion.
    let wide = format!("a: &a [{}x]\nb: [{}]\n", "x, ".repeat(100_000), vec!["*a"; 15].join(", "));
    assert_eq!(refused(wide.as_bytes()), codes::TOO_MANY_VALUES);
}
