//! A merged vulnerability as an OSV record (schema 1.7): what the clearinghouse serves to OSV
//! clients and matches with. Products OSV cannot name (no ecosystem package and no repository) are
//! left out, each with a diagnostic saying so; everything else OSV has a place for is kept, and
//! what it has no field for (KEV, SSVC, CWE ids, conflicts) goes to `database_specific`.

use crate::merge::Vulnerability;
use crate::model::{AffectedProduct, Status};
use clearinghouse_model::Diagnostic;
use serde_json::{Map, Value, json};

/// The OSV schema version written.
pub const SCHEMA_VERSION: &str = "1.7.0";

/// OSV's range type for a range scheme: OSV's own names pass through; CVE's `semver` is SEMVER,
/// `git` is GIT; any other ordering is the ecosystem's own (ECOSYSTEM), when the product has one.
fn range_type(scheme: &str) -> &'static str {
    match scheme.to_ascii_lowercase().as_str() {
        "semver" => "SEMVER",
        "git" => "GIT",
        _ => "ECOSYSTEM",
    }
}

/// OSV credit types (upper case) for the clearinghouse's (CVE's, lower case) credit kinds.
fn credit_type(kind: &str) -> &'static str {
    match kind {
        "finder" => "FINDER",
        "reporter" => "REPORTER",
        "analyst" => "ANALYST",
        "coordinator" => "COORDINATOR",
        "remediation_developer" | "remediation developer" => "REMEDIATION_DEVELOPER",
        "remediation_reviewer" | "remediation reviewer" => "REMEDIATION_REVIEWER",
        "remediation_verifier" | "remediation verifier" => "REMEDIATION_VERIFIER",
        "tool" => "TOOL",
        "sponsor" => "SPONSOR",
        _ => "OTHER",
    }
}

/// The OSV record of `v`, and what could not be written.
pub fn to_osv(v: &Vulnerability, modified_fallback: &str) -> (Value, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut record = Map::new();
    record.insert("schema_version".into(), json!(SCHEMA_VERSION));
    record.insert("id".into(), json!(v.id));
    record.insert("modified".into(), json!(v.modified.clone().unwrap_or_else(|| modified_fallback.to_string())));
    if let Some(p) = &v.published {
        record.insert("published".into(), json!(p));
    }
    if v.withdrawn {
        let when = v.records.iter().filter_map(|r| r.withdrawn.as_deref()).find(|w| w.len() >= 10 && w.as_bytes()[4] == b'-');
        record.insert("withdrawn".into(), json!(when.or(v.modified.as_deref()).unwrap_or(modified_fallback)));
    }
    let aliases: Vec<&String> = v.ids.iter().filter(|i| **i != v.id).collect();
    if !aliases.is_empty() {
        record.insert("aliases".into(), json!(aliases));
    }
    if let Some(t) = &v.title {
        record.insert("summary".into(), json!(t));
    }
    if let Some(d) = &v.description {
        record.insert("details".into(), json!(d));
    }
    let severity: Vec<Value> = v
        .scores
        .iter()
        .filter(|s| matches!(s.kind.as_str(), "CVSS_V2" | "CVSS_V3" | "CVSS_V4"))
        .map(|s| json!({ "type": s.kind, "score": s.vector }))
        .collect();
    if !severity.is_empty() {
        record.insert("severity".into(), json!(severity));
    }
    let mut affected = Vec::new();
    for (i, a) in v.affected.iter().enumerate() {
        match affected_entry(a) {
            Some(entry) if !affected.contains(&entry) => affected.push(entry),
            Some(_) => {}
            None if a.status == Status::Affected => problems.push(Diagnostic::new(
                "not_in_osv",
                format!("/affected/{i}"),
                format!("{} has no ecosystem package or repository; OSV cannot name it", describe(a)),
            )),
            None => {}
        }
    }
    record.insert("affected".into(), json!(affected));
    let references: Vec<Value> = v.references.iter().map(|r| json!({ "type": reference_type(r.kind.as_deref()), "url": r.url })).collect();
    if !references.is_empty() {
        record.insert("references".into(), json!(references));
    }
    let mut credits: Vec<Value> = Vec::new();
    for r in &v.records {
        for c in &r.credits {
            let entry = json!({ "name": c.name, "type": credit_type(c.kind.as_deref().unwrap_or("other")) });
            if !credits.contains(&entry) {
                credits.push(entry);
            }
        }
    }
    if !credits.is_empty() {
        record.insert("credits".into(), json!(credits));
    }
    let mut specific = Map::new();
    if !v.weaknesses.is_empty() {
        specific.insert("cwe_ids".into(), json!(v.weaknesses.iter().map(|w| &w.id).collect::<Vec<_>>()));
    }
    if let Some(e) = &v.exploitation {
        specific.insert("kev".into(), serde_json::to_value(e).unwrap_or(Value::Null));
    }
    if !v.ssvc.is_empty() {
        specific.insert("ssvc".into(), json!(v.ssvc.iter().map(|(k, val)| json!({ k: val })).collect::<Vec<_>>()));
    }
    if !v.conflicts.is_empty() {
        specific.insert("conflicts".into(), serde_json::to_value(&v.conflicts).unwrap_or(Value::Null));
    }
    if !specific.is_empty() {
        record.insert("database_specific".into(), Value::Object(specific));
    }
    (Value::Object(record), problems)
}

fn describe(a: &AffectedProduct) -> String {
    let p = &a.product;
    match (&p.vendor, &p.name, &p.package) {
        (_, _, Some(pkg)) => format!("package {pkg}"),
        (Some(vendor), Some(name), None) => format!("{vendor} {name}"),
        (None, Some(name), None) => name.clone(),
        _ => "a product".into(),
    }
}

/// OSV's reference types; CVE tags map where they say the same thing.
fn reference_type(kind: Option<&str>) -> &'static str {
    let Some(kind) = kind else { return "WEB" };
    const OSV: [&str; 9] = ["ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED", "PACKAGE", "EVIDENCE"];
    if let Some(t) = OSV.iter().find(|t| t.eq_ignore_ascii_case(kind)) {
        return t;
    }
    if kind.eq_ignore_ascii_case("WEB") {
        return "WEB";
    }
    let tags: Vec<&str> = kind.split(',').collect();
    if tags.iter().any(|t| matches!(*t, "vendor-advisory" | "third-party-advisory" | "government-resource")) {
        "ADVISORY"
    } else if tags.contains(&"patch") {
        "FIX"
    } else if tags.iter().any(|t| matches!(*t, "issue-tracking" | "mailing-list")) {
        "REPORT"
    } else if tags.contains(&"exploit") {
        "EVIDENCE"
    } else if tags.contains(&"technical-description") {
        "ARTICLE"
    } else {
        "WEB"
    }
}

/// One OSV `affected` entry for an affected product, when OSV can name it.
fn affected_entry(a: &AffectedProduct) -> Option<Value> {
    if a.status != Status::Affected {
        return None;
    }
    let p = &a.product;
    let mut entry = Map::new();
    let package = match (&p.ecosystem, &p.package) {
        (Some(e), Some(n)) => {
            let mut pkg = json!({ "ecosystem": e, "name": n });
            if let Some(purl) = &p.purl {
                pkg["purl"] = json!(purl.split('@').next().unwrap_or(purl));
            }
            Some(pkg)
        }
        _ => None,
    };
    let git_ranges: Vec<_> = a.ranges.iter().filter(|r| range_type(&r.scheme) == "GIT").collect();
    if package.is_none() && (git_ranges.is_empty() || p.repo.is_none()) {
        return None;
    }
    if let Some(pkg) = package.clone() {
        entry.insert("package".into(), pkg);
    }
    // Ranges of one type together, each range its own events (OSV allows several ranges).
    let mut ranges = Vec::new();
    for r in &a.ranges {
        let kind = range_type(&r.scheme);
        if kind != "GIT" && package.is_none() {
            continue;
        }
        let mut events = vec![json!({ "introduced": r.introduced })];
        if let Some(f) = &r.fixed {
            events.push(json!({ "fixed": f }));
        } else if let Some(l) = &r.last_affected {
            events.push(json!({ "last_affected": l }));
        } else if let Some(l) = &r.limit {
            events.push(json!({ "limit": l }));
        }
        let mut range = json!({ "type": kind, "events": events });
        if kind == "GIT" {
            range["repo"] = json!(p.repo);
        }
        ranges.push(range);
    }
    // Every version affected: one range from the first version.
    if ranges.is_empty() && a.versions.is_empty() && package.is_some() {
        ranges.push(json!({ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }] }));
    }
    if !ranges.is_empty() {
        entry.insert("ranges".into(), json!(ranges));
    }
    if !a.versions.is_empty() {
        entry.insert("versions".into(), json!(a.versions));
    }
    Some(Value::Object(entry))
}
