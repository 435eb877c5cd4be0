//! Gemfile.lock.
//!
//! The `specs:` of each `GEM` section (four-space indented `name (version)` lines) are components with
//! `pkg:gem/name@version`; a platform suffix (`nokogiri (1.13.10-x86_64-linux)`) is split off into the
//! `platform` qualifier (RubyGems versions never contain `-`). Specs of `GIT` and `PATH` sections are
//! kept without a purl. The six-space indented lines under a spec are its dependencies and become edges.

use crate::out::Out;
use crate::text::line;
use crate::{Component, Format};
use std::collections::HashMap;

#[derive(PartialEq)]
enum Section {
    Gem,
    Git,
    Path,
    Other,
}

/// `name (version)` → (name, version).
fn spec(l: &str) -> Option<(&str, &str)> {
    let (name, rest) = l.trim().split_once(' ')?;
    let version = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some((name, version))
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let text = String::from_utf8_lossy(bytes);
    let mut section = Section::Other;
    let mut remote = String::new();
    let mut in_specs = false;
    let mut deps_of: Vec<(String, Vec<String>)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let l = raw.trim_end();
        if l.is_empty() {
            continue;
        }
        let indent = l.len() - l.trim_start().len();
        if indent == 0 {
            section = match l {
                "GEM" => Section::Gem,
                "GIT" => Section::Git,
                "PATH" => Section::Path,
                _ => Section::Other,
            };
            remote.clear();
            in_specs = false;
            continue;
        }
        if section == Section::Other {
            continue;
        }
        let t = l.trim_start();
        if indent == 2 {
            in_specs = t == "specs:";
            if let Some(r) = t.strip_prefix("remote:") {
                remote = r.trim().to_string();
            }
            continue;
        }
        if !in_specs {
            continue;
        }
        if indent == 6 {
            if let (Some(last), Some(dep)) = (deps_of.last_mut(), t.split_whitespace().next()) {
                last.1.push(dep.to_string());
            }
            continue;
        }
        if indent != 4 {
            continue;
        }
        let Some((name, full_version)) = spec(t) else {
            out.diag("invalid_line", line(n), format!("expected `name (version)`, found {t:?}"));
            continue;
        };
        let (version, platform) = match full_version.split_once('-') {
            Some((v, p)) => (v, Some(p)),
            None => (full_version, None),
        };
        let mut c = Component::new(name, line(n));
        c.version = Some(version.to_string());
        c.bom_ref = Some(format!("{name}@{full_version}"));
        match section {
            Section::Gem => match crate::purl::gem(name, version, platform) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("RubyGems".into());
                }
                Err(e) => out.diag("invalid_purl", line(n), format!("cannot build a purl for {name} {full_version}: {e}")),
            },
            Section::Git => c.note = Some(format!("git source {remote}: no registry purl")),
            _ => c.note = Some(format!("local path {remote}: no registry purl")),
        }
        deps_of.push((c.bom_ref.clone().unwrap_or_default(), Vec::new()));
        out.push(c);
    }
    let mut by_name: HashMap<&str, &str> = HashMap::new();
    for c in &out.components {
        if let Some(r) = &c.bom_ref {
            by_name.entry(c.name.as_str()).or_insert(r.as_str());
        }
    }
    let edges: Vec<(String, Vec<String>)> = deps_of
        .into_iter()
        .filter_map(|(from, deps)| {
            let to: Vec<String> = deps.iter().filter_map(|d| by_name.get(d.as_str()).map(|r| r.to_string())).collect();
            (!to.is_empty()).then_some((from, to))
        })
        .collect();
    for (from, to) in edges {
        out.edge_list(from, to);
    }
    Format::GemfileLock
}
