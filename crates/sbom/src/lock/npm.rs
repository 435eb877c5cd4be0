//! package-lock.json and npm-shrinkwrap.json, `lockfileVersion` 1 to 3.
//!
//! v2 and v3: the `packages` map. Keys are install paths (`node_modules/a`,
//! `node_modules/a/node_modules/@scope/b`); the name is the entry's `name` (set for aliases) or the
//! path after the last `node_modules/`. The root (`""`) is the project, not a dependency. Link
//! entries (`"link": true`) stand for a workspace folder whose own entry is the component. Entries
//! resolved from git, a tarball file or a folder are kept without a purl. `dev`, `optional` and
//! `devOptional` give the scope. `dependencies`, `optionalDependencies` and `peerDependencies` become
//! edges, resolved the way Node finds packages: the nearest `node_modules` up the path.
//!
//! v1: the nested `dependencies` tree (depth bounded by [`MAX_COMPONENT_DEPTH`]); `npm:` aliases read
//! as the real package. v1 `requires` is not turned into edges.

use crate::json::{self, child, type_name};
use crate::out::Out;
use crate::{Component, Format, MAX_COMPONENT_DEPTH, Scope};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let Some(doc) = json::whole(bytes, out) else { return Format::PackageLock { version: 0 } };
    let Value::Object(doc) = doc else {
        out.fatal("wrong_type", "", format!("expected a JSON object, found {}", type_name(&doc)));
        return Format::PackageLock { version: 0 };
    };
    let version = match doc.get("lockfileVersion") {
        Some(Value::Number(n)) if matches!(n.as_u64(), Some(1..=3)) => n.as_u64().unwrap_or(1) as u32,
        other => {
            let guess = if doc.contains_key("packages") { 3 } else { 1 };
            let found = other.map(|v| v.to_string()).unwrap_or_else(|| "absent".into());
            out.diag("unsupported_version", "/lockfileVersion", format!("lockfileVersion {found} is not 1, 2 or 3; read as version {guess}"));
            guess
        }
    };
    if version >= 2 || (doc.contains_key("packages") && !doc.contains_key("dependencies")) {
        match json::object(&doc, "packages", "", out) {
            Some(packages) => read_packages(packages, out),
            None => out.diag("missing_packages", "/packages", "lockfile v2/v3 without a packages map"),
        }
    } else if let Some(deps) = json::object(&doc, "dependencies", "", out) {
        read_v1(deps, "/dependencies", 1, out);
    }
    Format::PackageLock { version }
}

/// The package name an install path stands for: what follows the last `node_modules/`.
fn name_from_key(key: &str) -> Option<&str> {
    key.rfind("node_modules/").map(|i| &key[i + "node_modules/".len()..]).filter(|n| !n.is_empty())
}

/// Whether a `resolved` value points outside a registry (git, a file, a folder).
fn non_registry(resolved: &str) -> bool {
    !(resolved.starts_with("https://") || resolved.starts_with("http://")) || resolved.starts_with("git+")
}

fn flag(e: &Map<String, Value>, key: &str) -> bool {
    e.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn scope(e: &Map<String, Value>) -> Scope {
    if flag(e, "dev") || flag(e, "devOptional") {
        Scope::Dev
    } else if flag(e, "optional") {
        Scope::Optional
    } else {
        Scope::Required
    }
}

fn read_packages(packages: &Map<String, Value>, out: &mut Out) {
    let mut links: HashMap<&str, &str> = HashMap::new();
    let mut keys: HashSet<&str> = HashSet::new();
    let mut deps_of: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, entry) in packages {
        if key.is_empty() {
            continue;
        }
        let at = child("/packages", key);
        let Value::Object(e) = entry else {
            out.diag("wrong_type", at, format!("expected an object, found {}", type_name(entry)));
            continue;
        };
        if flag(e, "link") {
            if let Some(target) = json::string(e, "resolved", &at, out) {
                links.insert(key, target);
            }
            continue;
        }
        let in_node_modules = name_from_key(key);
        let name = match json::string(e, "name", &at, out).or(in_node_modules) {
            Some(n) => n,
            None => key.rsplit('/').next().unwrap_or(key),
        };
        let mut c = Component::new(name, at.clone());
        c.bom_ref = Some(key.clone());
        c.scope = Some(scope(e));
        c.version = json::string(e, "version", &at, out).map(str::to_string);
        let resolved = json::string(e, "resolved", &at, out);
        if in_node_modules.is_none() {
            c.note = Some("local workspace package: no registry purl".into());
        } else if let Some(r) = resolved.filter(|r| non_registry(r)) {
            c.note = Some(format!("resolved from {r}, not a registry: no purl"));
        } else if let Some(v) = c.version.as_deref() {
            match crate::purl::npm(name, v) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("npm".into());
                }
                Err(err) => out.diag("invalid_purl", &at, format!("cannot build a purl for {name} {v}: {err}")),
            }
        } else {
            out.diag("missing_version", &at, "package entry has no version; kept without a purl");
        }
        let mut deps = Vec::new();
        for field in ["dependencies", "optionalDependencies", "peerDependencies"] {
            if let Some(m) = json::object(e, field, &at, out) {
                deps.extend(m.keys().map(String::as_str));
            }
        }
        keys.insert(key);
        deps_of.push((key, deps));
        out.push(c);
    }
    for (from, deps) in deps_of {
        let to: Vec<String> = deps.into_iter().filter_map(|d| resolve(&keys, &links, from, d)).collect();
        if !to.is_empty() {
            out.edge_list(from.to_string(), to);
        }
    }
}

/// Finds the install path Node would load `dep` from when required from `from`.
fn resolve(keys: &HashSet<&str>, links: &HashMap<&str, &str>, from: &str, dep: &str) -> Option<String> {
    let mut base = from;
    loop {
        let candidate = if base.is_empty() { format!("node_modules/{dep}") } else { format!("{base}/node_modules/{dep}") };
        if keys.contains(candidate.as_str()) {
            return Some(candidate);
        }
        if let Some(target) = links.get(candidate.as_str()) {
            return keys.contains(target).then(|| target.to_string());
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("node_modules/") {
            Some(i) => base[..i].trim_end_matches('/'),
            None => "",
        };
    }
}

fn read_v1(deps: &Map<String, Value>, at: &str, depth: usize, out: &mut Out) {
    for (key, entry) in deps {
        let here = child(at, key);
        if depth > MAX_COMPONENT_DEPTH {
            out.diag("too_deep", here, format!("dependencies nested deeper than {MAX_COMPONENT_DEPTH} levels are skipped"));
            return;
        }
        let Value::Object(e) = entry else {
            out.diag("wrong_type", here, format!("expected an object, found {}", type_name(entry)));
            continue;
        };
        let version = json::string(e, "version", &here, out);
        // `npm:real-name@1.2.3` is an alias: the package is the real one.
        let (name, version) = match version.and_then(|v| v.strip_prefix("npm:")) {
            Some(alias) => match alias.rfind('@').filter(|&i| i > 0) {
                Some(i) => (&alias[..i], Some(&alias[i + 1..])),
                None => (key.as_str(), version),
            },
            None => (key.as_str(), version),
        };
        let mut c = Component::new(name, here.clone());
        c.version = version.map(str::to_string);
        c.bom_ref = Some(here.clone());
        c.scope = Some(scope(e));
        let resolved = json::string(e, "resolved", &here, out);
        match version {
            Some(v) if v.contains(':') || v.contains('/') => c.note = Some(format!("version {v} is not from a registry: no purl")),
            _ if resolved.is_some_and(non_registry) => c.note = Some(format!("resolved from {}, not a registry: no purl", resolved.unwrap_or_default())),
            Some(v) => match crate::purl::npm(name, v) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("npm".into());
                }
                Err(err) => out.diag("invalid_purl", &here, format!("cannot build a purl for {name} {v}: {err}")),
            },
            None => out.diag("missing_version", &here, "dependency has no version; kept without a purl"),
        }
        out.push(c);
        if let Some(nested) = json::object(e, "dependencies", &here, out) {
            read_v1(nested, &format!("{here}/dependencies"), depth + 1, out);
        }
    }
}
