//! A merged vulnerability as a CVE JSON 5.1 CNA published container (`containers.cna` of a
//! record, what a CNA submits to CVE Services), meant to pass the 5.1.1 container schema.
//!
//! - `affected`: one entry per product (ecosystem packages as `collectionURL` + `packageName`,
//!   the URL the registry's own, inverting [`crate::cve5::ecosystem_of_collection`]; else `vendor` +
//!   `product`, `n/a` standing in for a missing vendor), with `cpes` and `repo`. Each range is
//!   `{version: introduced, lessThan: fixed}` (`lessThanOrEqual` for a last affected version,
//!   `lessThan: "*"` for an open range) in its ordering's `versionType` (OSV's `SEMVER` is `semver`,
//!   `GIT` `git`, `ECOSYSTEM` the ecosystem's: `python`, `maven`, `rpm`, else `custom`); single
//!   versions are `{version, status}`. Statuses: affected → `affected`, not affected and fixed →
//!   `unaffected`, under investigation and unknown → `unknown`. Statements on one product share an
//!   entry until a status repeats (as one CVE entry gives them, one statement per status); its
//!   `defaultStatus` is `unaffected` next to affected versions (OSV's reading: what is not listed
//!   is not affected) and `unknown` else. A status given for every version (no ranges, no
//!   versions) is an entry of its own with only that `defaultStatus` ([`crate::cve5::read`] reads a
//!   default only where no versions are listed, and "every version affected" next to unaffected
//!   ranges as the gaps between them).
//! - `problemTypes` from weaknesses (`cweId`, `description` `CWE-n: name`, type `CWE`); `metrics`
//!   `cvssV3_1`, `cvssV3_0`, `cvssV4_0`, `cvssV2_0` by the vector's version, with the source's
//!   base score (computed from the vector when not stated) and its severity band; other schemes as
//!   `other` metrics; a vector that cannot be scored is left out. `references` with the CVE tags
//!   the sources' kinds say; `credits` with their types (`other` when a source gives none);
//!   `solutions` (vendor fixes, and no fix planned or available) and `workarounds` (workarounds,
//!   mitigations) from every source's remediations.
//! - `descriptions` is required: without a description the title stands in, with a diagnostic.
//!   Texts over the schema's 4096 characters are cut, the whole text kept as `supportingMedia`.
//!
//! Not carried, from our model into CVE: exploitation (KEV) and SSVC, which CISA's ADP container
//! holds, not the CNA's; withdrawal (a rejected container is another document); the ids and
//! aliases (a container does not name its CVE); conflicts; `Status::Fixed` as distinct from
//! unaffected; not-affected justifications; purls; a range's `limit`; which products a score or a
//! remediation is for, and a remediation's category beyond solution/workaround.
//!
//! Not carried, from CVE into our model (what a CVE record read with [`crate::cve5::read`] and
//! written back loses): `platforms`, `modules`, `programFiles`, `programRoutines`, a
//! `collectionURL` that is no OSV ecosystem's registry, `changes` (turned into ranges), `impacts`
//! (CAPEC), `configurations`, `exploits`, `timeline`, `taxonomyMappings`, `source`, `tags`,
//! `cpeApplicability`, metric `scenarios` and the second score of a kind, reference names,
//! descriptions in other languages and `supportingMedia`, credit languages and user ids,
//! `datePublic` when the record's `datePublished` is given.

use crate::export_csaf::{bare_cwe_name, is_uri, normalize_time, severity};
use crate::merge::Vulnerability;
use crate::model::{Product, Status, VersionRange};
use clearinghouse_model::Diagnostic;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The registry URL of an OSV ecosystem, as `collectionURL`.
pub fn collection_of_ecosystem(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "Go" => "https://pkg.go.dev",
        "crates.io" => "https://crates.io",
        "PyPI" => "https://pypi.org",
        "npm" => "https://www.npmjs.com",
        "Maven" => "https://repo.maven.apache.org/maven2",
        "RubyGems" => "https://rubygems.org",
        "Packagist" => "https://packagist.org",
        "NuGet" => "https://www.nuget.org",
        "Hex" => "https://hex.pm",
        "Pub" => "https://pub.dev",
        "CRAN" => "https://cran.r-project.org",
        "Hackage" => "https://hackage.haskell.org",
        _ => return None,
    })
}

/// The CVE tags of references (the 5.1 schema's list).
const TAGS: [&str; 19] = [
    "broken-link",
    "customer-entitlement",
    "exploit",
    "government-resource",
    "issue-tracking",
    "mailing-list",
    "mitigation",
    "not-applicable",
    "patch",
    "permissions-required",
    "media-coverage",
    "product",
    "related",
    "release-notes",
    "signature",
    "technical-description",
    "third-party-advisory",
    "vendor-advisory",
    "vdb-entry",
];

/// The CVE tags a reference kind says: CVE tags pass through; OSV reference types map where one
/// says the same (an `ADVISORY` is a third party's, from the CNA's side).
fn tags(kind: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in kind.unwrap_or_default().split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let tag = if TAGS.contains(&t) || (t.starts_with("x_") && t.len() <= 128) {
            Some(t)
        } else {
            match t.to_ascii_uppercase().as_str() {
                "ADVISORY" => Some("third-party-advisory"),
                "FIX" => Some("patch"),
                "REPORT" => Some("issue-tracking"),
                "EVIDENCE" => Some("exploit"),
                "ARTICLE" => Some("technical-description"),
                "PACKAGE" => Some("product"),
                _ => None,
            }
        };
        if let Some(tag) = tag
            && !out.iter().any(|x| x == tag)
        {
            out.push(tag.to_string());
        }
    }
    out
}

/// CVE's credit type for a credit kind (CVE's own, OSV's lower-cased, or none).
fn credit_type(kind: Option<&str>) -> &'static str {
    match kind.unwrap_or_default().replace('_', " ").as_str() {
        "finder" => "finder",
        "reporter" => "reporter",
        "analyst" => "analyst",
        "coordinator" => "coordinator",
        "remediation developer" => "remediation developer",
        "remediation reviewer" => "remediation reviewer",
        "remediation verifier" => "remediation verifier",
        "tool" => "tool",
        "sponsor" => "sponsor",
        _ => "other",
    }
}

/// CVE's `versionType` for a range's ordering.
fn version_type(scheme: &str, ecosystem: Option<&str>) -> String {
    let base = ecosystem.map(|e| e.split(':').next().unwrap_or(e));
    match scheme.to_ascii_lowercase().as_str() {
        "ecosystem" => match base {
            Some("PyPI") => "python",
            Some("Maven") => "maven",
            Some("Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia" | "openEuler") => "rpm",
            _ => "custom",
        }
        .into(),
        "" | "all" => "custom".into(),
        other => other.chars().take(128).collect(),
    }
}

fn cve_status(s: Status) -> &'static str {
    match s {
        Status::Affected => "affected",
        Status::NotAffected | Status::Fixed => "unaffected",
        Status::UnderInvestigation | Status::Unknown => "unknown",
    }
}

/// An RFC 4122 version 4 UUID (the schema's `uuidType`).
fn is_uuid4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// The 5.1 schema's `cpe22and23` pattern (unanchored: a CPE 2.2 URI prefix anywhere suffices).
fn is_cve_cpe(c: &str) -> bool {
    (1..=2048).contains(&c.len())
        && (c.match_indices('c').any(|(i, _)| c.get(i + 1..i + 5).is_some_and(|s| s[..2].eq_ignore_ascii_case("pe") && &s[2..] == ":/"))
            || crate::export_csaf::is_csaf_cpe(c))
}

/// At most `max` characters of `s`, and whether it was cut.
fn cut(s: &str, max: usize) -> (String, bool) {
    if s.chars().count() <= max {
        (s.to_string(), false)
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        (t, true)
    }
}

/// The `timestamp` pattern's years: 1900 to 2999.
fn cve_time(s: &str) -> Option<String> {
    normalize_time(s).filter(|t| t.get(..4).and_then(|y| y.parse::<u32>().ok()).is_some_and(|y| (1900..3000).contains(&y)))
}

/// The CNA container of `v`, and what could not be written. `provider_org_id` is the CNA's
/// organisation UUID; `now_rfc3339` the container's `dateUpdated`.
pub fn to_cve5_cna(v: &Vulnerability, provider_org_id: &str, now_rfc3339: &str) -> (Value, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut problem = |code: &str, at: &str, message: String| problems.push(Diagnostic::new(code, at, message));
    let mut c = Map::new();
    let mut provider = json!({ "orgId": provider_org_id });
    if !is_uuid4(provider_org_id) {
        problem("invalid_org_id", "", format!("{provider_org_id:?} is not a version 4 UUID, which the schema requires of orgId"));
    }
    match cve_time(now_rfc3339) {
        Some(t) => provider["dateUpdated"] = json!(t),
        None => problem("invalid_time", "", format!("now {now_rfc3339:?} is not an RFC 3339 date and time")),
    }
    c.insert("providerMetadata".into(), provider);
    if let Some(t) = v.title.as_ref().filter(|t| !t.trim().is_empty()) {
        let (t, was_cut) = cut(t, 256);
        if was_cut {
            problem("truncated", "/title", "the title is longer than the schema's 256 characters; cut".into());
        }
        c.insert("title".into(), json!(t));
    }
    if let Some(p) = &v.published {
        match cve_time(p) {
            Some(t) => {
                c.insert("datePublic".into(), json!(t));
            }
            None => problem("invalid_time", "/published", format!("{p:?} is not a date and time CVE accepts; left out")),
        }
    }
    let text = match (&v.description, &v.title) {
        (Some(d), _) if !d.trim().is_empty() => Some(d.clone()),
        (_, Some(t)) if !t.trim().is_empty() => {
            problem("missing_description", "/description", "no description, which CVE requires; the title stands in".into());
            Some(t.clone())
        }
        _ => {
            problem("missing_description", "/description", "no description, which CVE requires".into());
            None
        }
    };
    if let Some(text) = text {
        let (value, was_cut) = cut(&text, 4096);
        let mut d = json!({ "lang": "en", "value": value });
        if was_cut {
            problem(
                "truncated",
                "/description",
                "the description is longer than the schema's 4096 characters; cut, the whole text kept as supportingMedia".into(),
            );
            d["supportingMedia"] = json!([{ "type": "text/plain", "base64": false, "value": cut(&text, 16384).0 }]);
        }
        c.insert("descriptions".into(), json!([d]));
    }

    // Affected: statements on one product share an entry until a status repeats, as one entry of a
    // CVE record gives them (what `cve5::read` splits by status); a status given for
    // every version is an entry with only a `defaultStatus` (which the reader reads only where no
    // versions are listed).
    struct Item<'a> {
        product: &'a Product,
        default: Option<Status>,
        statuses: Vec<Status>,
        versions: Vec<Value>,
        singles: std::collections::HashSet<(String, &'static str)>,
    }
    let mut items: Vec<Item> = Vec::new();
    let mut open: HashMap<&Product, usize> = HashMap::new();
    for (k, a) in v.affected.iter().enumerate() {
        if a.ranges.is_empty() && a.versions.is_empty() {
            items.push(Item { product: &a.product, default: Some(a.status), statuses: Vec::new(), versions: Vec::new(), singles: Default::default() });
            continue;
        }
        let i = match open.get(&a.product) {
            Some(&i) if !items[i].statuses.contains(&a.status) => i,
            _ => {
                items.push(Item { product: &a.product, default: None, statuses: Vec::new(), versions: Vec::new(), singles: Default::default() });
                open.insert(&a.product, items.len() - 1);
                items.len() - 1
            }
        };
        let item = &mut items[i];
        item.statuses.push(a.status);
        let status = cve_status(a.status);
        let eco = a.product.ecosystem.as_deref();
        for r in &a.ranges {
            item.versions.push(range_entry(r, status, eco));
            if r.limit.is_some() {
                problem("not_in_cve5", &format!("/affected/{k}"), "a range's limit has no place in CVE; left out".into());
            }
        }
        for version in &a.versions {
            let version = cut(version, 1024).0;
            if item.singles.insert((version.clone(), status)) {
                item.versions.push(json!({ "version": version, "status": status }));
            }
        }
    }
    let mut affected: Vec<Value> = Vec::new();
    let mut written = std::collections::HashSet::new();
    for (g, item) in items.into_iter().enumerate() {
        let at = format!("/affected/{g}");
        let p = item.product;
        let mut entry = Map::new();
        let collection = p.ecosystem.as_deref().and_then(collection_of_ecosystem);
        if let (Some(url), Some(_)) = (collection, &p.package) {
            entry.insert("collectionURL".into(), json!(url));
        }
        if let Some(pkg) = p.package.as_ref().filter(|x| !x.is_empty()) {
            entry.insert("packageName".into(), json!(cut(pkg, 2048).0));
        }
        if let Some(vendor) = p.vendor.as_ref().filter(|x| !x.is_empty()) {
            entry.insert("vendor".into(), json!(cut(vendor, 512).0));
        }
        if let Some(n) = p.name.as_ref().filter(|x| !x.is_empty()) {
            entry.insert("product".into(), json!(cut(n, 2048).0));
        }
        if !(entry.contains_key("collectionURL") && entry.contains_key("packageName")) {
            match p.name.as_ref().or(p.package.as_ref()).filter(|n| !n.is_empty()) {
                Some(n) => {
                    entry.entry("vendor").or_insert_with(|| json!("n/a"));
                    entry.entry("product").or_insert_with(|| json!(cut(n, 2048).0));
                }
                None => {
                    problem("not_in_cve5", &at, "a product without name or package cannot be written; left out".into());
                    continue;
                }
            }
        }
        let cpes: Vec<&String> = p.cpes.iter().filter(|x| is_cve_cpe(x)).collect();
        if cpes.len() < p.cpes.len() {
            problem("not_in_cve5", &format!("{at}/cpes"), "CPEs the schema does not accept are left out".into());
        }
        if !cpes.is_empty() {
            let mut unique: Vec<&String> = Vec::new();
            for x in cpes {
                if !unique.contains(&x) {
                    unique.push(x);
                }
            }
            entry.insert("cpes".into(), json!(unique));
        }
        if let Some(repo) = &p.repo {
            if is_uri(repo) {
                entry.insert("repo".into(), json!(repo));
            } else {
                problem("not_in_cve5", &format!("{at}/repo"), format!("{repo:?} is not a URI; left out"));
            }
        }
        let default = match item.default {
            Some(s) => cve_status(s),
            None if item.statuses.contains(&Status::Affected) => "unaffected",
            None => "unknown",
        };
        entry.insert("defaultStatus".into(), json!(default));
        if !item.versions.is_empty() {
            entry.insert("versions".into(), json!(item.versions));
        }
        let entry = Value::Object(entry);
        if written.insert(entry.to_string()) {
            affected.push(entry);
        }
    }
    if affected.is_empty() {
        problem("missing_field", "/affected", "no product can be written, and CVE requires one".into());
    } else {
        c.insert("affected".into(), json!(affected));
    }

    let mut problem_types: Vec<Value> = Vec::new();
    for (k, w) in v.weaknesses.iter().enumerate() {
        let valid = w.id.len() <= 9 && w.id.strip_prefix("CWE-").is_some_and(|d| !d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            problem("not_in_cve5", &format!("/weaknesses/{k}"), format!("{:?} is not a CWE id; left out", w.id));
            continue;
        }
        let description = match w.name.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(n) if n.trim_start().starts_with("CWE") && !bare_cwe_name(n).is_empty() => n.to_string(),
            Some(n) => format!("{}: {n}", w.id),
            None => w.id.clone(),
        };
        let entry = json!({ "descriptions": [{ "lang": "en", "cweId": w.id, "description": cut(&description, 4096).0, "type": "CWE" }] });
        if !problem_types.contains(&entry) {
            problem_types.push(entry);
        }
    }
    if !problem_types.is_empty() {
        c.insert("problemTypes".into(), json!(problem_types));
    }

    let mut metrics: Vec<Value> = Vec::new();
    for (k, s) in v.scores.iter().enumerate() {
        let at = format!("/scores/{k}");
        let metric = match s.kind.as_str() {
            "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => {
                let vector = s.vector.trim().trim_start_matches('(').trim_end_matches(')').trim_start_matches("CVSS:2.0/");
                let summary = match clearinghouse_model::validate::parse_cvss(vector) {
                    Ok(x) => x,
                    Err(e) => {
                        problem("not_in_cve5", &at, format!("{vector:?} cannot be scored ({e}); left out"));
                        continue;
                    }
                };
                let base = s.base_score.filter(|b| (0.0..=10.0).contains(b)).unwrap_or(summary.base_score);
                match summary.version.as_str() {
                    "2.0" => json!({ "cvssV2_0": { "version": "2.0", "vectorString": vector, "baseScore": base } }),
                    "3.0" => json!({ "cvssV3_0": { "version": "3.0", "vectorString": vector, "baseScore": base, "baseSeverity": severity(base) } }),
                    "3.1" => json!({ "cvssV3_1": { "version": "3.1", "vectorString": vector, "baseScore": base, "baseSeverity": severity(base) } }),
                    "4.0" => json!({ "cvssV4_0": { "version": "4.0", "vectorString": vector, "baseScore": base, "baseSeverity": severity(base) } }),
                    other => {
                        problem("not_in_cve5", &at, format!("CVSS {other} has no CVE metric; left out"));
                        continue;
                    }
                }
            }
            kind if !kind.is_empty() && !s.vector.is_empty() => {
                let content = match serde_json::from_str::<Value>(&s.vector) {
                    Ok(Value::Object(o)) if !o.is_empty() => Value::Object(o),
                    _ => json!({ "value": s.vector }),
                };
                json!({ "other": { "type": cut(kind, 128).0, "content": content } })
            }
            _ => continue,
        };
        metrics.push(metric);
    }
    if !metrics.is_empty() {
        c.insert("metrics".into(), json!(metrics));
    }

    let mut references: Vec<Value> = Vec::new();
    let mut urls: Vec<&str> = Vec::new();
    for (k, r) in v.references.iter().enumerate() {
        if urls.contains(&r.url.as_str()) {
            continue;
        }
        if !is_uri(&r.url) {
            problem("not_in_cve5", &format!("/references/{k}"), format!("{:?} is not a URI; left out", r.url));
            continue;
        }
        if references.len() == 512 {
            problem("not_in_cve5", &format!("/references/{k}"), "CVE holds at most 512 references; the rest are left out".into());
            break;
        }
        urls.push(&r.url);
        let mut entry = json!({ "url": r.url });
        let t = tags(r.kind.as_deref());
        if !t.is_empty() {
            entry["tags"] = json!(t);
        }
        references.push(entry);
    }
    if references.is_empty() {
        problem("missing_field", "/references", "no reference, and CVE requires one".into());
    } else {
        c.insert("references".into(), json!(references));
    }

    let mut credits: Vec<Value> = Vec::new();
    let mut solutions: Vec<Value> = Vec::new();
    let mut workarounds: Vec<Value> = Vec::new();
    for r in &v.records {
        for cr in &r.credits {
            if cr.name.trim().is_empty() {
                continue;
            }
            let entry = json!({ "lang": "en", "value": cut(&cr.name, 4096).0, "type": credit_type(cr.kind.as_deref()) });
            if !credits.contains(&entry) {
                credits.push(entry);
            }
        }
        for m in &r.remediations {
            let mut text = m.details.clone();
            if let Some(url) = m.url.as_ref().filter(|u| !text.contains(u.as_str())) {
                text = if text.trim().is_empty() { url.clone() } else { format!("{text}\n{url}") };
            }
            if text.trim().is_empty() {
                continue;
            }
            let entry = json!({ "lang": "en", "value": cut(&text, 4096).0 });
            let list = match m.kind.as_str() {
                "workaround" | "mitigation" => &mut workarounds,
                _ => &mut solutions,
            };
            if !list.contains(&entry) {
                list.push(entry);
            }
        }
    }
    for (key, list) in [("credits", credits), ("solutions", solutions), ("workarounds", workarounds)] {
        if !list.is_empty() {
            c.insert(key.into(), json!(list));
        }
    }

    if v.exploitation.is_some() {
        problem("not_in_cve5", "/exploitation", "known exploitation belongs in CISA's ADP container, not the CNA's; left out".into());
    }
    if !v.ssvc.is_empty() {
        problem("not_in_cve5", "/ssvc", "SSVC decision points belong in CISA's ADP container, not the CNA's; left out".into());
    }
    if v.withdrawn {
        problem("not_in_cve5", "/withdrawn", "a rejected CVE has a rejected container, not this published one".into());
    }
    (Value::Object(c), problems)
}

/// One range as a CVE version entry.
fn range_entry(r: &VersionRange, status: &str, ecosystem: Option<&str>) -> Value {
    let start = if r.introduced.is_empty() { "0" } else { r.introduced.as_str() };
    let mut e = json!({ "version": cut(start, 1024).0, "status": status, "versionType": version_type(&r.scheme, ecosystem) });
    match (&r.fixed, &r.last_affected) {
        (Some(f), _) => e["lessThan"] = json!(cut(f, 1024).0),
        (None, Some(l)) => e["lessThanOrEqual"] = json!(cut(l, 1024).0),
        (None, None) => e["lessThan"] = json!("*"),
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_invert_the_reader() {
        for eco in ["Go", "crates.io", "PyPI", "npm", "Maven", "RubyGems", "Packagist", "NuGet", "Hex", "Pub", "CRAN", "Hackage"] {
            assert_eq!(collection_of_ecosystem(eco).and_then(crate::cve5::ecosystem_of_collection), Some(eco));
        }
        assert_eq!(collection_of_ecosystem("Debian:12"), None);
    }

    #[test]
    fn small_mappings() {
        assert_eq!(tags(Some("technical-description,third-party-advisory")), ["technical-description", "third-party-advisory"]);
        assert_eq!(tags(Some("FIX")), ["patch"]);
        assert!(tags(Some("WEB")).is_empty() && tags(None).is_empty());
        assert_eq!(credit_type(Some("remediation_developer")), "remediation developer");
        assert_eq!(credit_type(None), "other");
        assert_eq!(version_type("ECOSYSTEM", Some("PyPI")), "python");
        assert_eq!(version_type("SEMVER", Some("crates.io")), "semver");
        assert!(is_uuid4("b3476cb9-2e3d-41a6-98d0-0f47421a65b6") && !is_uuid4("o"));
        assert!(is_cve_cpe("cpe:/a:x:y") && is_cve_cpe("cpe:2.3:a:acme:lib:2.0.0:*:*:*:*:*:*:*") && !is_cve_cpe("acme"));
        assert_eq!(cut("ab€d", 3), ("ab…".to_string(), true));
    }
}
