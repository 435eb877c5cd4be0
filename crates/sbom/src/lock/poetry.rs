//! poetry.lock (lock-version 1.x and 2.x).
//!
//! Every `[[package]]` is a component; packages whose `source.type` is `git`, `directory`, `file` or
//! `url` are kept without a purl, packages from another index (`legacy`) keep their PyPI purl with a
//! note naming the index. Scope: `category = "dev"` (Poetry before 1.2) or `groups` without `main`
//! (Poetry 2) is Dev, `optional = true` is Optional. `[package.dependencies]` become edges to the
//! package of that (PEP 503 normalised) name.

use super::{toml_str, utf8};
use crate::out::Out;
use crate::purl::pep503_normalize;
use crate::text::{LineIndex, line};
use crate::{Component, Format, Scope};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<toml::Spanned<toml::Value>>,
    metadata: Option<toml::Value>,
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let Some(text) = utf8(bytes, out) else { return Format::PoetryLock { version: None } };
    let lines = LineIndex::new(text);
    let Some(lock) = super::toml::<Lock>(text, &lines, out) else { return Format::PoetryLock { version: None } };
    let version = lock.metadata.as_ref().and_then(|m| m.get("lock-version")).and_then(|v| v.as_str()).map(str::to_string);
    let mut deps_of: Vec<(String, Vec<String>)> = Vec::new();
    for p in &lock.package {
        let at = line(lines.line_of(p.span().start));
        let Some(t) = p.get_ref().as_table() else {
            out.diag("wrong_type", at, "[[package]] is not a table");
            continue;
        };
        let (Some(name), Some(ver)) = (toml_str(t, "name", &at, out), toml_str(t, "version", &at, out)) else {
            out.diag("invalid_package", at, "package needs a name and a version; it is skipped");
            continue;
        };
        let mut c = Component::new(name, at.clone());
        c.version = Some(ver.to_string());
        c.bom_ref = Some(format!("{}@{ver}", pep503_normalize(name)));
        let dev_category = toml_str(t, "category", &at, out) == Some("dev");
        let dev_groups = match t.get("groups") {
            Some(toml::Value::Array(g)) => !g.iter().any(|g| g.as_str() == Some("main")),
            _ => false,
        };
        let optional = t.get("optional").and_then(toml::Value::as_bool).unwrap_or(false);
        c.scope = Some(if dev_category || dev_groups {
            Scope::Dev
        } else if optional {
            Scope::Optional
        } else {
            Scope::Required
        });
        let source = t.get("source").and_then(toml::Value::as_table);
        let source_type = source.and_then(|s| s.get("type")).and_then(toml::Value::as_str);
        let source_url = source.and_then(|s| s.get("url")).and_then(toml::Value::as_str).unwrap_or("");
        match source_type {
            Some(kind @ ("git" | "directory" | "file" | "url")) => c.note = Some(format!("{kind} source {source_url}: no registry purl")),
            other => {
                match crate::purl::pypi(name, ver) {
                    Ok(purl) => {
                        c.purl = Some(purl);
                        c.ecosystem_hint = Some("PyPI".into());
                    }
                    Err(e) => out.diag("invalid_purl", &at, format!("cannot build a purl for {name} {ver}: {e}")),
                }
                if other.is_some() {
                    c.note = Some(format!("from the package index {source_url}"));
                }
            }
        }
        if let Some(deps) = t.get("dependencies").and_then(toml::Value::as_table) {
            deps_of.push((c.bom_ref.clone().unwrap_or_default(), deps.keys().map(|k| pep503_normalize(k)).collect()));
        }
        out.push(c);
    }
    let refs: HashMap<String, String> = out.components.iter().filter_map(|c| c.bom_ref.as_ref().map(|r| (pep503_normalize(&c.name), r.clone()))).collect();
    for (from, deps) in deps_of {
        let to: Vec<String> = deps.iter().filter_map(|d| refs.get(d).cloned()).collect();
        if !to.is_empty() {
            out.edge_list(from, to);
        }
    }
    Format::PoetryLock { version }
}
