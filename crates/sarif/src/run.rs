//! One run of a log: its tool components and rules, its artifacts and base URIs, its taxonomies, and
//! the lookups results make into them.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// The members of a run this crate reads; `results` stays unparsed until each result is read.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunShape<'a> {
    #[serde(default, borrow)]
    pub results: Option<&'a RawValue>,
    #[serde(default)]
    pub tool: Value,
    #[serde(default)]
    pub artifacts: Value,
    #[serde(default)]
    pub original_uri_base_ids: Value,
    #[serde(default)]
    pub taxonomies: Value,
    #[serde(default)]
    pub automation_details: Value,
    #[serde(default)]
    pub logical_locations: Value,
    #[serde(default)]
    pub thread_flow_locations: Value,
}

/// The elements of `v` if it is an array, otherwise none.
pub(crate) fn items(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// A non-negative integer index (SARIF writes -1 for "none").
pub(crate) fn index(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// A string member, trimmed, if it is a non-blank string.
pub(crate) fn string(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A rule: which tool component (0 the driver, e + 1 extension e) and which index in its `rules`.
pub(crate) type RuleKey = (usize, usize);

/// A place in a file, as a physical location gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub uri: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl Place {
    /// `uri:line`, or the URI alone.
    pub fn short(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.uri),
            None => self.uri.clone(),
        }
    }

    /// `uri:line:column`, as far as known.
    pub fn long(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.uri),
            _ => self.short(),
        }
    }
}

pub(crate) struct Run<'v> {
    pub pointer: String,
    pub driver: &'v Value,
    pub extensions: &'v [Value],
    artifacts: &'v [Value],
    base_ids: &'v Value,
    taxonomies: &'v [Value],
    logical_locations: &'v [Value],
    pub thread_flow_locations: &'v [Value],
    /// Rule id to rule, the driver's first, then each extension's; the first of a repeated id wins.
    rule_ids: HashMap<&'v str, RuleKey>,
}

impl<'v> Run<'v> {
    pub fn new(index: usize, shape: &'v RunShape<'_>) -> Self {
        let driver = &shape.tool["driver"];
        let extensions = items(&shape.tool["extensions"]);
        let mut rule_ids = HashMap::new();
        for c in 0..=extensions.len() {
            let component = if c == 0 { driver } else { &extensions[c - 1] };
            for (i, rule) in items(&component["rules"]).iter().enumerate() {
                if let Some(id) = rule["id"].as_str() {
                    rule_ids.entry(id).or_insert((c, i));
                }
            }
        }
        Run {
            pointer: format!("/runs/{index}"),
            driver,
            extensions,
            artifacts: items(&shape.artifacts),
            base_ids: &shape.original_uri_base_ids,
            taxonomies: items(&shape.taxonomies),
            logical_locations: items(&shape.logical_locations),
            thread_flow_locations: items(&shape.thread_flow_locations),
            rule_ids,
        }
    }

    /// Tool component `c`: 0 the driver, e + 1 extension e.
    pub fn component(&self, c: usize) -> &'v Value {
        static NULL: Value = Value::Null;
        if c == 0 { self.driver } else { self.extensions.get(c - 1).unwrap_or(&NULL) }
    }

    pub fn component_pointer(&self, c: usize) -> String {
        if c == 0 { format!("{}/tool/driver", self.pointer) } else { format!("{}/tool/extensions/{}", self.pointer, c - 1) }
    }

    pub fn rule(&self, (c, i): RuleKey) -> &'v Value {
        static NULL: Value = Value::Null;
        items(&self.component(c)["rules"]).get(i).unwrap_or(&NULL)
    }

    /// The tool component a `toolComponentReference` names: by index into the extensions, by guid,
    /// then by name.
    fn referenced_component(&self, r: &Value) -> Option<usize> {
        if let Some(i) = index(&r["index"]) {
            return (i < self.extensions.len()).then_some(i + 1);
        }
        let matches = |c: &Value, key: &str| match (string(&r[key]), string(&c[key])) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        for key in ["guid", "name"] {
            if let Some(c) = (0..=self.extensions.len()).find(|&c| matches(self.component(c), key)) {
                return Some(c);
            }
        }
        None
    }

    /// The rule a result refers to (SARIF §3.27.6 to §3.27.8): `rule.index` or `ruleIndex` in the tool
    /// component `rule.toolComponent` names (the driver by default), otherwise `rule.id` or `ruleId`,
    /// looked up exactly and then by its hierarchical prefixes (`CWE-78/api-handler` finds `CWE-78`).
    /// An index that points nowhere is reported through `bad` and the id is tried instead.
    pub fn find_rule(&self, result: &Value, mut bad: impl FnMut(String, String)) -> Option<RuleKey> {
        let reference = &result["rule"];
        let component = if reference["toolComponent"].is_object() {
            let c = self.referenced_component(&reference["toolComponent"]);
            if c.is_none() {
                bad("rule/toolComponent".into(), "the rule's tool component is not in this run's tool".into());
            }
            c
        } else {
            Some(0)
        };
        let (idx, field) = match index(&reference["index"]) {
            Some(i) => (Some(i), "rule/index"),
            None => (index(&result["ruleIndex"]), "ruleIndex"),
        };
        if let (Some(c), Some(i)) = (component, idx) {
            if i < items(&self.component(c)["rules"]).len() {
                return Some((c, i));
            }
            bad(field.into(), format!("rule index {i} is outside the {} rules of the tool component", items(&self.component(c)["rules"]).len()));
        }
        let id = string(&reference["id"]).or_else(|| string(&result["ruleId"]))?;
        if let Some(c) = component.filter(|&c| c != 0)
            && let Some(i) = items(&self.component(c)["rules"]).iter().position(|r| r["id"].as_str() == Some(id))
        {
            return Some((c, i));
        }
        let mut candidate = id;
        loop {
            if let Some(&key) = self.rule_ids.get(candidate) {
                return Some(key);
            }
            candidate = &candidate[..candidate.rfind('/')?];
        }
    }

    /// The CWE id a `reportingDescriptorReference` to a taxon designates, if its taxonomy is CWE.
    pub fn cwe_of_taxon_reference(&self, r: &Value) -> Option<String> {
        let component = &r["toolComponent"];
        if !component.is_object() {
            return None;
        }
        let taxonomy = self.taxonomy(component);
        let name = string(&component["name"]).or_else(|| taxonomy.and_then(|t| string(&t["name"])))?;
        if !name.eq_ignore_ascii_case("CWE") {
            return None;
        }
        if let Some(id) = string(&r["id"]) {
            return crate::cwe::from_taxon_id(id);
        }
        let taxa = items(&taxonomy?["taxa"]);
        let taxon = match (index(&r["index"]), string(&r["guid"])) {
            (Some(i), _) => taxa.get(i)?,
            (None, Some(g)) => taxa.iter().find(|t| string(&t["guid"]).is_some_and(|tg| tg.eq_ignore_ascii_case(g)))?,
            _ => return None,
        };
        crate::cwe::from_taxon_id(string(&taxon["id"])?)
    }

    /// The taxonomy (an entry of `run.taxonomies`) a `toolComponentReference` names: by guid, index, name.
    fn taxonomy(&self, r: &Value) -> Option<&'v Value> {
        if let Some(g) = string(&r["guid"])
            && let Some(t) = self.taxonomies.iter().find(|t| string(&t["guid"]).is_some_and(|tg| tg.eq_ignore_ascii_case(g)))
        {
            return Some(t);
        }
        if let Some(i) = index(&r["index"]) {
            return self.taxonomies.get(i);
        }
        let n = string(&r["name"])?;
        self.taxonomies.iter().find(|t| string(&t["name"]).is_some_and(|tn| tn.eq_ignore_ascii_case(n)))
    }

    /// The place a `physicalLocation` points at: its artifact's URI, resolved against the run's
    /// `originalUriBaseIds` when it has a `uriBaseId` (the artifact's own, or that of `run.artifacts[index]`
    /// when the location gives only an index), with the region's start line and column.
    pub fn place(&self, physical: &Value) -> Option<Place> {
        let al = &physical["artifactLocation"];
        let artifact = index(&al["index"]).and_then(|i| self.artifacts.get(i)).map(|a| &a["location"]);
        let uri = string(&al["uri"]).or_else(|| artifact.and_then(|a| string(&a["uri"])))?;
        let base = match string(&al["uriBaseId"]) {
            Some(b) => Some(b),
            None if al["uri"].is_string() => None,
            None => artifact.and_then(|a| string(&a["uriBaseId"])),
        };
        let uri = match base.and_then(|b| self.base_uri(b, 0)) {
            Some(base) if !is_absolute(uri) => join(&base, uri),
            _ => uri.to_string(),
        };
        let region = &physical["region"];
        let line = region["startLine"].as_u64().filter(|&l| l > 0);
        let column = region["startColumn"].as_u64().filter(|&c| c > 0);
        Some(Place { uri, line, column })
    }

    /// What a base id stands for, following bases of bases (at most eight deep, which also ends cycles).
    fn base_uri(&self, id: &str, depth: u8) -> Option<String> {
        let entry = &self.base_ids[id];
        let uri = string(&entry["uri"])?;
        match string(&entry["uriBaseId"]) {
            Some(parent) if depth < 8 && !is_absolute(uri) => Some(join(&self.base_uri(parent, depth + 1)?, uri)),
            _ => Some(uri.to_string()),
        }
    }

    /// The fully qualified name (or name) of a location's first logical location.
    pub fn logical<'a>(&self, location: &'a Value) -> Option<&'a str>
    where
        'v: 'a,
    {
        let l = items(&location["logicalLocations"]).first()?;
        let from_run = index(&l["index"]).and_then(|i| self.logical_locations.get(i));
        string(&l["fullyQualifiedName"])
            .or_else(|| from_run.and_then(|r| string(&r["fullyQualifiedName"])))
            .or_else(|| string(&l["name"]))
            .or_else(|| from_run.and_then(|r| string(&r["name"])))
    }
}

/// Whether a URI reference has a scheme (RFC 3986 §3.1). A single letter before the colon is taken for a
/// Windows drive, not a scheme.
fn is_absolute(uri: &str) -> bool {
    match uri.find(':') {
        Some(i) if i >= 2 => {
            let scheme = &uri[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic()) && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

fn join(base: &str, relative: &str) -> String {
    let relative = relative.trim_start_matches('/');
    if base.ends_with('/') { format!("{base}{relative}") } else { format!("{base}/{relative}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape(v: Value) -> RunShape<'static> {
        let text: &'static str = Box::leak(v.to_string().into_boxed_str());
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn uris_resolve_through_bases_and_artifacts() {
        let s = shape(json!({
            "originalUriBaseIds": {
                "ROOT": {"uri": "file:///work/"},
                "SRC": {"uri": "src/", "uriBaseId": "ROOT"},
                "LOOP": {"uri": "a/", "uriBaseId": "LOOP"}
            },
            "artifacts": [{"location": {"uri": "lib/x.c", "uriBaseId": "SRC"}}]
        }));
        let run = Run::new(0, &s);
        let p = run.place(&json!({"artifactLocation": {"index": 0}, "region": {"startLine": 7, "startColumn": 3}})).unwrap();
        assert_eq!((p.short(), p.long()), ("file:///work/src/lib/x.c:7".to_string(), "file:///work/src/lib/x.c:7:3".to_string()));
        let p = run.place(&json!({"artifactLocation": {"uri": "/y.c", "uriBaseId": "SRC"}})).unwrap();
        assert_eq!(p.short(), "file:///work/src/y.c");
        let p = run.place(&json!({"artifactLocation": {"uri": "https://e.org/z.c", "uriBaseId": "SRC"}})).unwrap();
        assert_eq!(p.short(), "https://e.org/z.c");
        let p = run.place(&json!({"artifactLocation": {"uri": "z.c", "uriBaseId": "$srcroot"}, "region": {"startLine": 0}})).unwrap();
        assert_eq!(p.short(), "z.c");
        assert!(run.place(&json!({"artifactLocation": {"uri": "q", "uriBaseId": "LOOP"}})).is_some());
        assert!(run.place(&json!({"artifactLocation": {"index": 5}})).is_none());
        assert!(is_absolute("file:///x") && !is_absolute("C:/x") && !is_absolute("a/b:c") && !is_absolute("x"));
    }

    #[test]
    fn rules_by_index_id_and_prefix() {
        let s = shape(json!({
            "tool": {
                "driver": {"name": "d", "rules": [{"id": "A"}, {"id": "CWE-78"}]},
                "extensions": [{"name": "pack", "guid": "G", "rules": [{"id": "B"}, {"id": "A"}]}]
            }
        }));
        let run = Run::new(0, &s);
        let mut problems = Vec::new();
        let mut find = |r: Value| run.find_rule(&r, |p, m| problems.push(format!("{p}: {m}")));
        assert_eq!(find(json!({"ruleIndex": 1})), Some((0, 1)));
        assert_eq!(find(json!({"ruleId": "B"})), Some((1, 0)));
        assert_eq!(find(json!({"ruleId": "A"})), Some((0, 0)));
        assert_eq!(find(json!({"rule": {"id": "A", "toolComponent": {"index": 0}}})), Some((1, 1)));
        assert_eq!(find(json!({"rule": {"index": 0, "toolComponent": {"guid": "g"}}})), Some((1, 0)));
        assert_eq!(find(json!({"ruleId": "CWE-78/api-handler"})), Some((0, 1)));
        assert_eq!(find(json!({"ruleId": "nope/deeper"})), None);
        assert_eq!(find(json!({"ruleIndex": 9, "ruleId": "A"})), Some((0, 0)));
        assert_eq!(find(json!({"rule": {"index": 0, "toolComponent": {"index": 4}}})), None);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
