//! Cargo.lock, format versions 1 to 4.
//!
//! Every `[[package]]` is a component. Packages from crates.io (`registry+https://github.com/rust-lang/crates.io-index`
//! or `sparse+https://index.crates.io/`) get `pkg:cargo/name@version` and the `crates.io` ecosystem;
//! git, path and workspace packages and packages from other registries are kept without a purl, with a
//! note, because a crates.io purl would match them against advisories for a different crate. The
//! `dependencies` lists (`name`, `name version` or `name version (source)`) become edges between
//! `name@version` refs.

use super::{toml_str, utf8};
use crate::out::Out;
use crate::text::{LineIndex, line};
use crate::{Component, Format, Scope};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Lock {
    version: Option<toml::Value>,
    #[serde(default)]
    package: Vec<toml::Spanned<toml::Value>>,
    metadata: Option<toml::Value>,
}

const CRATES_IO: [&str; 2] = ["registry+https://github.com/rust-lang/crates.io-index", "sparse+https://index.crates.io/"];

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let Some(text) = utf8(bytes, out) else { return Format::CargoLock { version: 0 } };
    let lines = LineIndex::new(text);
    let Some(lock) = super::toml::<Lock>(text, &lines, out) else { return Format::CargoLock { version: 0 } };
    let version = match &lock.version {
        Some(toml::Value::Integer(v)) if (3..=4).contains(v) => *v as u32,
        Some(other) => {
            out.diag("unsupported_version", "line 1", format!("Cargo.lock version {other} is not 1 to 4; it is read as version 4"));
            4
        }
        None if lock.metadata.is_some() => 1,
        None => 2,
    };
    let mut pending: Vec<(String, Vec<String>, String)> = Vec::new();
    for p in &lock.package {
        let at = line(lines.line_of(p.span().start));
        let Some(t) = p.get_ref().as_table() else {
            out.diag("wrong_type", at, "[[package]] is not a table");
            continue;
        };
        let name = toml_str(t, "name", &at, out);
        let ver = toml_str(t, "version", &at, out);
        let (Some(name), Some(ver)) = (name, ver) else {
            out.diag("invalid_package", at, "package needs a name and a version; it is skipped");
            continue;
        };
        let mut c = Component::new(name, at.clone());
        c.version = Some(ver.to_string());
        c.bom_ref = Some(format!("{name}@{ver}"));
        c.scope = Some(Scope::Required);
        match toml_str(t, "source", &at, out) {
            Some(src) if CRATES_IO.contains(&src) => match crate::purl::cargo(name, ver) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("crates.io".into());
                }
                Err(e) => out.diag("invalid_purl", &at, format!("cannot build a purl for {name} {ver}: {e}")),
            },
            Some(src) if src.starts_with("git+") => c.note = Some(format!("git source {src}: no registry purl")),
            Some(src) => c.note = Some(format!("from the registry {src}, not crates.io: no purl")),
            None => c.note = Some("local package (workspace member or path dependency): no registry purl".into()),
        }
        let deps: Vec<String> = match t.get("dependencies") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a.iter().filter_map(|d| d.as_str().map(str::to_string)).collect(),
            Some(other) => {
                out.diag("wrong_type", &at, format!("dependencies: expected an array, found {}", other.type_str()));
                Vec::new()
            }
        };
        pending.push((format!("{name}@{ver}"), deps, at));
        out.push(c);
    }
    // Resolve `name` / `name version` / `name version (source)` to refs.
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &out.components {
        if let Some(v) = &c.version {
            by_name.entry(c.name.as_str()).or_default().push(v.as_str());
        }
    }
    let mut edges = Vec::new();
    let mut problems = Vec::new();
    for (from, deps, at) in pending {
        let mut to = Vec::new();
        for d in deps {
            let mut parts = d.split_whitespace();
            let (dn, dv) = (parts.next().unwrap_or(""), parts.next());
            match (dv, by_name.get(dn).map(Vec::as_slice)) {
                (Some(v), _) => to.push(format!("{dn}@{v}")),
                (None, Some([only])) => to.push(format!("{dn}@{only}")),
                _ => problems.push((at.clone(), format!("dependency {d:?} does not name exactly one package in the lockfile"))),
            }
        }
        if !to.is_empty() {
            edges.push((from, to));
        }
    }
    for (at, message) in problems {
        out.diag("unresolved_dependency", at, message);
    }
    for (from, to) in edges {
        out.edge_list(from, to);
    }
    Format::CargoLock { version }
}
