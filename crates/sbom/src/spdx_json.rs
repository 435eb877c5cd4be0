//! SPDX 2.2 and 2.3 JSON.
//!
//! Read: `packages` (each one's `SPDXID`, `name`, `versionInfo`, and `externalRefs` of type `purl`,
//! `cpe22Type` and `cpe23Type`) and `relationships` between packages: `DEPENDS_ON` and `CONTAINS`
//! (from → to), and their inverses `DEPENDENCY_OF`, `*_DEPENDENCY_OF` and `CONTAINED_BY` (to → from).
//! Files and snippets are not components; relationships to them, to the document or to other
//! documents (`DocumentRef-…:`) are not edges of the component graph.

use crate::json::{self, Handler, Mode, child, type_name};
use crate::out::Out;
use crate::{Component, Encoding, Format};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The direction of an SPDX relationship type in the dependency graph, if it is one.
pub(crate) enum Direction {
    Forward,
    Reverse,
}

/// SPDX 2 relationship types that are dependency edges (SPDX 3 names map to these upper-cased).
pub(crate) fn direction(relationship_type: &str) -> Option<Direction> {
    let t = relationship_type.trim();
    if t.eq_ignore_ascii_case("DEPENDS_ON") || t.eq_ignore_ascii_case("CONTAINS") || t == "dependsOn" || t == "contains" {
        Some(Direction::Forward)
    } else if t.eq_ignore_ascii_case("CONTAINED_BY") || t.to_ascii_uppercase().ends_with("DEPENDENCY_OF") {
        Some(Direction::Reverse)
    } else {
        None
    }
}

/// Groups (from, to) edges by `from`, in first-seen order, keeping only edges between components.
pub(crate) fn group_edges(pairs: Vec<(String, String)>, out: &mut Out) {
    if !out.keeps_graph() {
        return;
    }
    let ids: HashSet<&str> = out.components.iter().filter_map(|c| c.bom_ref.as_deref()).collect();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (from, to) in pairs {
        if !ids.contains(from.as_str()) || !ids.contains(to.as_str()) {
            continue;
        }
        match index.get(&from) {
            Some(&i) => {
                if !grouped[i].1.contains(&to) {
                    grouped[i].1.push(to);
                }
            }
            None => {
                index.insert(from.clone(), grouped.len());
                grouped.push((from, vec![to]));
            }
        }
    }
    for (from, to) in grouped {
        out.edge_list(from, to);
    }
}

/// Adds an SPDX external reference to a component: purl (the first valid one) or CPE.
pub(crate) fn external_ref(c: &mut Component, ref_type: &str, locator: &str, at: &str, out: &mut Out) {
    match ref_type {
        "purl" | "packageUrl" if c.purl.is_none() => out.found_purl(c, locator, at),
        "cpe22Type" | "cpe23Type" | "cpe22" | "cpe23" => {
            let cpe = locator.trim();
            if cpe.starts_with("cpe:2.3:") || cpe.starts_with("cpe:/") {
                c.cpes.push(cpe.to_string());
            } else {
                out.diag("invalid_cpe", at, format!("{cpe:?} is not a CPE name"));
            }
        }
        _ => {}
    }
}

/// `NOASSERTION` and `NONE` mean no value.
pub(crate) fn assertion(v: Option<&str>) -> Option<String> {
    v.map(str::trim).filter(|v| !v.is_empty() && *v != "NOASSERTION" && *v != "NONE").map(str::to_string)
}

pub(crate) fn check_spec(version: &str, pointer: &str, out: &mut Out) -> String {
    let spec = version.trim().strip_prefix("SPDX-").unwrap_or(version.trim()).to_string();
    if spec != "2.2" && spec != "2.3" {
        out.diag("unsupported_spec_version", pointer, format!("SPDX {version:?} is not 2.2 or 2.3; it is read as if it were 2.3"));
    }
    spec
}

struct Reader<'o, 's> {
    out: &'o mut Out<'s>,
    spec: Option<String>,
    edges: Vec<(String, String)>,
}

impl Handler for Reader<'_, '_> {
    fn mode(&mut self, key: &str) -> Mode {
        match key {
            "packages" | "relationships" => Mode::Elements,
            "spdxVersion" => Mode::Whole,
            _ => Mode::Skip,
        }
    }
    fn whole(&mut self, key: &str, value: Value) {
        if key == "spdxVersion" {
            match value {
                Value::String(s) => self.spec = Some(check_spec(&s, "/spdxVersion", self.out)),
                other => self.out.diag("wrong_type", "/spdxVersion", format!("expected a string, found {}", type_name(&other))),
            }
        }
    }
    fn element(&mut self, key: &str, index: usize, value: Value) {
        let at = format!("/{key}/{index}");
        let Value::Object(obj) = &value else {
            self.out.diag("wrong_type", at, format!("expected an object, found {}", type_name(&value)));
            return;
        };
        let out = &mut *self.out;
        if key == "packages" {
            let name = json::string(obj, "name", &at, out);
            let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
                out.diag("missing_name", at, "package has no name; it is skipped");
                return;
            };
            let mut c = Component::new(name, at.clone());
            c.bom_ref = json::string(obj, "SPDXID", &at, out).map(str::to_string);
            c.version = assertion(json::string(obj, "versionInfo", &at, out));
            if let Some(refs) = json::array(obj, "externalRefs", &at, out) {
                for (i, r) in refs.iter().enumerate() {
                    let rat = format!("{at}/externalRefs/{i}");
                    let Value::Object(r) = r else {
                        out.diag("wrong_type", rat, format!("expected an object, found {}", type_name(r)));
                        continue;
                    };
                    let ty = json::string(r, "referenceType", &rat, out);
                    let loc = json::string(r, "referenceLocator", &rat, out);
                    if let (Some(ty), Some(loc)) = (ty, loc) {
                        external_ref(&mut c, ty, loc, &child(&rat, "referenceLocator"), out);
                    }
                }
            }
            out.push(c);
        } else {
            let from = json::string(obj, "spdxElementId", &at, out);
            let ty = json::string(obj, "relationshipType", &at, out);
            let to = json::string(obj, "relatedSpdxElement", &at, out);
            match (from, ty, to) {
                (Some(from), Some(ty), Some(to)) => match direction(ty) {
                    Some(Direction::Forward) => self.edges.push((from.to_string(), to.to_string())),
                    Some(Direction::Reverse) => self.edges.push((to.to_string(), from.to_string())),
                    None => {}
                },
                _ => out.diag("invalid_relationship", at, "relationship needs spdxElementId, relationshipType and relatedSpdxElement"),
            }
        }
    }
    fn not_array(&mut self, key: &str, found: &'static str) {
        self.out.diag("wrong_type", format!("/{key}"), format!("expected an array, found {found}"));
    }
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let mut r = Reader { out, spec: None, edges: Vec::new() };
    let result = json::stream(bytes, &mut r);
    let (spec, edges) = (r.spec.take(), std::mem::take(&mut r.edges));
    if let Err((code, pointer, message)) = result {
        out.fatal(&code, pointer, message);
    }
    group_edges(edges, out);
    let spec = spec.unwrap_or_else(|| {
        out.diag("missing_spec_version", "/spdxVersion", "SPDX document without spdxVersion");
        "unknown".to_string()
    });
    Format::Spdx { spec, encoding: Encoding::Json }
}
