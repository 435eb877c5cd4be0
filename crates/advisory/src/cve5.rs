//! CVE JSON 5.x: a full record (`dataType: CVE_RECORD`, with `cveMetadata` and `containers`) or a
//! bare CNA container. The CNA container and each ADP container become one [`SourceRecord`] each:
//! they are different publishers' accounts (CISA's ADP container carries SSVC decision points and
//! KEV data).
//!
//! Affected versions are turned into ranges where the record says enough: a `version` with
//! `lessThan` or `lessThanOrEqual` and its `changes` become OSV-style events in the record's
//! `versionType`; a lone `version` is a single version; a product without versions takes its
//! `defaultStatus` for every version.

use crate::json::{Problems, child, parse};
use crate::model::{
    AffectedProduct, Credit, Exploitation, Format, Product, Reference, Remediation, Score, Source, SourceRecord, Status, VersionRange, Weakness,
};
use clearinghouse_model::Diagnostic;
use serde_json::Value;

/// What an importer read from one document.
#[derive(Debug, Default)]
pub struct Imported {
    pub records: Vec<SourceRecord>,
    /// Every problem found, each with its JSON pointer; the records hold what could be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a CVE JSON 5.x record or CNA container. `id_hint` names the CVE when the document is a bare
/// container (which does not). Fails only when the bytes are not a JSON object.
pub fn read(bytes: &[u8], id_hint: Option<&str>) -> Result<Imported, Diagnostic> {
    let doc = parse(bytes)?;
    if !doc.is_object() {
        return Err(Diagnostic::new("wrong_type", "", "a CVE record is a JSON object"));
    }
    let mut p = Problems::default();
    let mut records = Vec::new();
    if doc.get("containers").is_some() || doc.get("cveMetadata").is_some() {
        if let Some(t) = p.str(&doc, "dataType", "")
            && t != "CVE_RECORD"
        {
            p.add("unexpected_value", "/dataType", format!("dataType is {t:?}, not CVE_RECORD"));
        }
        if let Some(v) = p.str(&doc, "dataVersion", "")
            && !v.starts_with("5.")
        {
            p.add("unsupported_version", "/dataVersion", format!("dataVersion {v} is not 5.x; read as 5.x"));
        }
        let meta = p.object(&doc, "cveMetadata", "");
        let id = meta.and_then(|m| p.str(m, "cveId", "/cveMetadata")).or(id_hint).unwrap_or_default().to_string();
        if id.is_empty() {
            p.add("missing_field", "/cveMetadata/cveId", "the record has no cveId");
        }
        let meta = meta.cloned().unwrap_or(Value::Null);
        let assigner = p.str(&meta, "assignerShortName", "/cveMetadata").map(str::to_string);
        let state = p.str(&meta, "state", "/cveMetadata").unwrap_or("PUBLISHED").to_string();
        let containers = p.object(&doc, "containers", "");
        match containers.and_then(|c| p.object(c, "cna", "/containers")) {
            Some(cna) => {
                let mut r = container(cna, "/containers/cna", Format::Cve5Cna, &id, assigner.as_deref(), &mut p);
                r.published = p.str(&meta, "datePublished", "/cveMetadata").map(str::to_string).or(r.published);
                r.modified = p.str(&meta, "dateUpdated", "/cveMetadata").map(str::to_string).or(r.modified);
                if state == "REJECTED" {
                    r.withdrawn = Some(p.str(&meta, "dateRejected", "/cveMetadata").unwrap_or("rejected").to_string());
                }
                records.push(r);
            }
            None => p.add("missing_field", "/containers/cna", "the record has no CNA container"),
        }
        if let Some(c) = containers {
            for (at, adp) in p.array(c, "adp", "/containers") {
                records.push(container(adp, &at, Format::Cve5Adp, &id, None, &mut p));
            }
        }
    } else {
        let id = id_hint.unwrap_or_default();
        if id.is_empty() {
            p.add("missing_field", "", "a bare CNA container does not name its CVE; give the id");
        }
        records.push(container(&doc, "", Format::Cve5Cna, id, None, &mut p));
    }
    Ok(Imported { records, diagnostics: p.0 })
}

/// One CNA or ADP container.
fn container(c: &Value, at: &str, format: Format, id: &str, assigner: Option<&str>, p: &mut Problems) -> SourceRecord {
    let provider = p.object(c, "providerMetadata", at);
    let publisher = provider
        .and_then(|m| p.str(m, "shortName", &child(at, "providerMetadata")).map(str::to_string))
        .or(assigner.map(str::to_string))
        .or_else(|| provider.and_then(|m| m.get("orgId")).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    let mut r = SourceRecord { source: Some(Source { format, publisher }), id: id.to_string(), ..SourceRecord::default() };
    r.title = p.str(c, "title", at).map(str::to_string);
    r.description = english(p, c, "descriptions", at);
    r.published = p.str(c, "datePublic", at).map(str::to_string);
    r.modified = provider.and_then(|m| m.get("dateUpdated")).and_then(Value::as_str).map(str::to_string);
    if let Some(reasons) = english(p, c, "rejectedReasons", at) {
        r.withdrawn = Some(reasons);
    }
    for (a, item) in p.array(c, "affected", at) {
        r.affected.extend(affected(item, &a, p));
    }
    for (a, pt) in p.array(c, "problemTypes", at) {
        for (d, desc) in p.array(pt, "descriptions", &a) {
            let cwe = p.str(desc, "cweId", &d).map(str::to_string);
            let text = p.str(desc, "description", &d).map(str::to_string);
            let id = cwe.or_else(|| text.as_deref().and_then(cwe_in_text));
            if let Some(id) = id
                && !r.weaknesses.iter().any(|w| w.id == id)
            {
                let name = text.map(|t| t.trim_start_matches(id.as_str()).trim_start_matches([':', ' ']).to_string()).filter(|n| !n.is_empty());
                r.weaknesses.push(Weakness { id, name });
            }
        }
    }
    for (a, m) in p.array(c, "metrics", at) {
        metric(m, &a, &mut r, p);
    }
    for (a, reference) in p.array(c, "references", at) {
        match p.str(reference, "url", &a) {
            Some(url) => {
                let tags = p.strings(reference, "tags", &a);
                r.references.push(Reference { url: url.to_string(), kind: (!tags.is_empty()).then(|| tags.join(",")) });
            }
            None => p.add("missing_field", &child(&a, "url"), "a reference needs a url"),
        }
    }
    for (a, credit) in p.array(c, "credits", at) {
        if let Some(name) = p.str(credit, "value", &a) {
            r.credits.push(Credit { name: name.to_string(), kind: p.str(credit, "type", &a).map(str::to_ascii_lowercase) });
        }
    }
    for (key, kind) in [("solutions", "vendor_fix"), ("workarounds", "workaround")] {
        for (a, s) in p.array(c, key, at) {
            if let Some(text) = p.str(s, "value", &a) {
                r.remediations.push(Remediation { kind: kind.into(), details: text.to_string(), url: None, products: Vec::new() });
            }
        }
    }
    r
}

/// The English text of a `[{lang, value}]` list (else the first).
fn english(p: &mut Problems, c: &Value, key: &str, at: &str) -> Option<String> {
    let items = p.array(c, key, at);
    let pick = items.iter().find(|(_, d)| d.get("lang").and_then(Value::as_str).is_some_and(|l| l.starts_with("en"))).or(items.first());
    pick.and_then(|(a, d)| p.str(d, "value", a)).map(str::to_string)
}

/// `CWE-208` from texts such as `CWE 208: Information Exposure` or `CWE-78 OS Command Injection`.
fn cwe_in_text(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("CWE")?;
    let rest = rest.strip_prefix(['-', ' ']).unwrap_or(rest);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("CWE-{digits}"))
}

fn metric(m: &Value, at: &str, r: &mut SourceRecord, p: &mut Problems) {
    for (key, kind) in [("cvssV2_0", "CVSS_V2"), ("cvssV3_0", "CVSS_V3"), ("cvssV3_1", "CVSS_V3"), ("cvssV4_0", "CVSS_V4")] {
        let Some(cvss) = p.object(m, key, at) else { continue };
        let here = child(at, key);
        match p.str(cvss, "vectorString", &here) {
            Some(vector) => {
                let base_score = cvss.get("baseScore").and_then(Value::as_f64);
                r.scores.push(Score { kind: kind.into(), vector: vector.to_string(), base_score, products: Vec::new() });
            }
            None => p.add("missing_field", &child(&here, "vectorString"), "a CVSS metric needs its vectorString"),
        }
    }
    let Some(other) = p.object(m, "other", at) else { return };
    let here = child(at, "other");
    let kind = p.str(other, "type", &here).unwrap_or_default().to_ascii_lowercase();
    let content = other.get("content").cloned().unwrap_or(Value::Null);
    match kind.as_str() {
        // CISA's ADP: {"options": [{"Exploitation": "active"}, {"Automatable": "yes"}, …], "version": "2.0.3"}
        "ssvc" => {
            for (a, option) in p.array(&content, "options", &child(&here, "content")) {
                match option.as_object() {
                    Some(o) => r.ssvc.extend(o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))),
                    None => p.add("wrong_type", &a, "an SSVC option is an object"),
                }
            }
        }
        // CISA's ADP: {"dateAdded": "2024-01-02", "reference": "https://…"}
        "kev" => {
            let e = r.exploitation.get_or_insert_with(Exploitation::default);
            e.in_kev = true;
            e.date_added = content.get("dateAdded").and_then(Value::as_str).map(str::to_string);
        }
        _ => {
            if !content.is_null() {
                r.scores.push(Score { kind, vector: content.to_string(), base_score: None, products: Vec::new() });
            }
        }
    }
}

/// The OSV ecosystem of a CVE record's `collectionURL`, for the registries OSV knows.
pub fn ecosystem_of_collection(url: &str) -> Option<&'static str> {
    let host = url.trim_end_matches('/').trim_start_matches("https://").trim_start_matches("http://");
    Some(match host {
        "pkg.go.dev" | "proxy.golang.org" => "Go",
        "crates.io" | "index.crates.io" => "crates.io",
        "pypi.org" | "pypi.python.org" | "pypi.org/simple" => "PyPI",
        "www.npmjs.com" | "npmjs.com" | "registry.npmjs.org" => "npm",
        "repo.maven.apache.org/maven2" | "repo1.maven.org/maven2" | "central.sonatype.com" => "Maven",
        "rubygems.org" => "RubyGems",
        "packagist.org" => "Packagist",
        "www.nuget.org" | "nuget.org" | "api.nuget.org/v3/index.json" => "NuGet",
        "hex.pm" => "Hex",
        "pub.dev" => "Pub",
        "cran.r-project.org" => "CRAN",
        "hackage.haskell.org" => "Hackage",
        _ => return None,
    })
}

fn status(s: &str) -> Option<Status> {
    match s {
        "affected" => Some(Status::Affected),
        "unaffected" => Some(Status::NotAffected),
        "unknown" => Some(Status::Unknown),
        _ => None,
    }
}

/// One `affected` entry: one [`AffectedProduct`] per status it speaks of.
fn affected(item: &Value, at: &str, p: &mut Problems) -> Vec<AffectedProduct> {
    let collection = p.str(item, "collectionURL", at).map(str::to_string);
    let product = Product {
        ecosystem: collection.as_deref().and_then(ecosystem_of_collection).map(str::to_string),
        package: p.str(item, "packageName", at).map(str::to_string),
        purl: None,
        cpes: p.strings(item, "cpes", at),
        vendor: p.str(item, "vendor", at).map(str::to_string),
        name: p.str(item, "product", at).map(str::to_string),
        repo: p.str(item, "repo", at).map(str::to_string),
    };
    if product.vendor.is_none() && product.name.is_none() && product.package.is_none() {
        p.add("missing_field", at, "an affected product needs a vendor and product, or a packageName");
    }
    let default = match p.str(item, "defaultStatus", at) {
        None => None,
        Some(s) => match status(s) {
            Some(st) => Some(st),
            None => {
                p.add("unexpected_value", &child(at, "defaultStatus"), format!("defaultStatus {s:?} is not affected, unaffected or unknown"));
                None
            }
        },
    };
    let mut by_status: Vec<AffectedProduct> = Vec::new();
    fn entry<'a>(by_status: &'a mut Vec<AffectedProduct>, product: &Product, st: Status) -> &'a mut AffectedProduct {
        let i = match by_status.iter().position(|a| a.status == st) {
            Some(i) => i,
            None => {
                by_status.push(AffectedProduct { product: product.clone(), status: st, ..AffectedProduct::default() });
                by_status.len() - 1
            }
        };
        &mut by_status[i]
    }
    let versions = p.array(item, "versions", at);
    for (a, v) in &versions {
        let Some(version) = p.str(v, "version", a) else {
            p.add("missing_field", &child(a, "version"), "a version entry needs a version");
            continue;
        };
        let Some(st) = p.str(v, "status", a).and_then(|s| {
            let st = status(s);
            if st.is_none() {
                p.add("unexpected_value", &child(a, "status"), format!("status {s:?} is not affected, unaffected or unknown"));
            }
            st
        }) else {
            continue;
        };
        let scheme = p.str(v, "versionType", a).unwrap_or("custom").to_string();
        let less_than = p.str(v, "lessThan", a).map(str::to_string);
        let less_equal = p.str(v, "lessThanOrEqual", a).map(str::to_string);
        let changes = p.array(v, "changes", a);
        if less_than.is_none() && less_equal.is_none() {
            if !changes.is_empty() {
                p.add("invalid_range", &child(a, "changes"), "changes need lessThan or lessThanOrEqual to bound them; ignored");
            }
            entry(&mut by_status, &product, st).versions.push(version.to_string());
            continue;
        }
        // Walk the range: the status starts as `status` at `version` and changes at each `at`;
        // each stretch of `affected` is a range.
        let mut ranges = Vec::new();
        let mut open: Option<String> = (st == Status::Affected).then(|| version.to_string());
        for (c_at, change) in &changes {
            let (Some(point), Some(to)) = (p.str(change, "at", c_at), p.str(change, "status", c_at)) else {
                p.add("invalid_range", c_at, "a change needs `at` and `status`");
                continue;
            };
            match (status(to), open.take()) {
                (Some(Status::Affected), None) => open = Some(point.to_string()),
                (Some(Status::Affected), Some(start)) => open = Some(start),
                (Some(_), Some(start)) => {
                    ranges.push(VersionRange { scheme: scheme.clone(), introduced: start, fixed: Some(point.to_string()), ..Default::default() })
                }
                (Some(_), None) => {}
                (None, prev) => {
                    open = prev;
                    p.add("unexpected_value", &child(c_at, "status"), format!("status {to:?} is not affected, unaffected or unknown"));
                }
            }
        }
        if let Some(start) = open {
            let mut range = VersionRange { scheme: scheme.clone(), introduced: start, ..Default::default() };
            match (less_than, less_equal) {
                (Some(end), _) | (None, Some(end)) if end.contains('*') && end != "*" => {
                    p.add("wildcard_range", a, format!("the range ends at {end:?}, a wildcard no version ordering can compare; the range is left open"));
                }
                (Some(end), _) if end != "*" => range.fixed = Some(end),
                (None, Some(end)) if end != "*" => range.last_affected = Some(end),
                _ => {}
            }
            ranges.push(range);
        }
        if !ranges.is_empty() {
            entry(&mut by_status, &product, Status::Affected).ranges.extend(ranges);
        }
        if st != Status::Affected && changes.is_empty() {
            // A range of unaffected (or unknown) versions.
            let end = p.str(v, "lessThan", a).map(str::to_string);
            let last = p.str(v, "lessThanOrEqual", a).map(str::to_string);
            entry(&mut by_status, &product, st).ranges.push(VersionRange {
                scheme: scheme.clone(),
                introduced: version.to_string(),
                fixed: end.filter(|e| e != "*"),
                last_affected: last.filter(|e| e != "*"),
                limit: None,
            });
        }
    }
    // `defaultStatus: affected` with unaffected ranges listed: the affected versions are the gaps
    // between those ranges (taken in the order written, which the schema asks to be increasing).
    if default == Some(Status::Affected)
        && let Some(unaffected) = by_status.iter().find(|a| a.status == Status::NotAffected).map(|a| a.ranges.clone())
        && !unaffected.is_empty()
    {
        let mut gaps = Vec::new();
        let first = &unaffected[0];
        if first.introduced != "0" {
            gaps.push(VersionRange { scheme: first.scheme.clone(), introduced: "0".into(), fixed: Some(first.introduced.clone()), ..Default::default() });
        }
        for (i, r) in unaffected.iter().enumerate() {
            let next = unaffected.get(i + 1).map(|n| n.introduced.clone());
            match (&r.fixed, &r.last_affected) {
                (Some(end), _) => gaps.push(VersionRange { scheme: r.scheme.clone(), introduced: end.clone(), fixed: next, ..Default::default() }),
                (None, Some(_)) => p.add(
                    "invalid_range",
                    at,
                    "an unaffected range ending at lessThanOrEqual leaves the next affected version unknown; not turned into an affected range",
                ),
                (None, None) => {}
            }
        }
        entry(&mut by_status, &product, Status::Affected).ranges.extend(gaps);
    }
    if versions.is_empty() {
        match default {
            Some(st) => {
                entry(&mut by_status, &product, st);
            }
            None => p.add("missing_field", at, "an affected product needs versions or a defaultStatus"),
        }
    }
    by_status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_ids_in_free_text() {
        assert_eq!(cwe_in_text("CWE 208: Information Exposure").as_deref(), Some("CWE-208"));
        assert_eq!(cwe_in_text("CWE-78 OS Command Injection").as_deref(), Some("CWE-78"));
        assert_eq!(cwe_in_text("Improper input"), None);
    }

    #[test]
    fn changes_become_ranges() {
        let doc = br#"{"cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"},"containers":{"cna":{
            "providerMetadata":{"orgId":"x","shortName":"acme"},
            "descriptions":[{"lang":"en","value":"d"}],
            "affected":[{"vendor":"acme","product":"widget","versions":[
                {"version":"1.0.0","status":"affected","lessThan":"1.0.6","versionType":"semver"},
                {"version":"2.1.0","status":"unaffected","lessThan":"2.1.*","versionType":"semver",
                 "changes":[{"at":"2.1.6","status":"affected"},{"at":"2.1.9","status":"unaffected"}]},
                {"version":"3.0.0","status":"affected","lessThanOrEqual":"3.0.4","versionType":"semver"},
                {"version":"4.0.0","status":"affected","lessThan":"*","versionType":"semver"},
                {"version":"5.0.1","status":"affected"}]}]}}}"#;
        let got = read(doc, None).unwrap();
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
        let r = &got.records[0];
        let a = &r.affected[0];
        assert_eq!(a.status, Status::Affected);
        let ends: Vec<_> = a.ranges.iter().map(|r| (r.introduced.as_str(), r.fixed.as_deref(), r.last_affected.as_deref())).collect();
        assert_eq!(ends, [("1.0.0", Some("1.0.6"), None), ("2.1.6", Some("2.1.9"), None), ("3.0.0", None, Some("3.0.4")), ("4.0.0", None, None)]);
        assert_eq!(a.versions, ["5.0.1"]);
    }
}
