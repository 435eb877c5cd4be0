//! composer.lock: `packages` and `packages-dev` (Dev scope). Names are `vendor/name`; the purl is
//! `pkg:composer/vendor/name@version` with the version as locked (`v5.4.0` keeps its `v`, as Packagist
//! shows it). `require` maps become edges between locked packages.

use crate::json::{self, child, type_name};
use crate::out::Out;
use crate::{Component, Format, Scope};
use serde_json::Value;
use std::collections::HashMap;

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let Some(doc) = json::whole(bytes, out) else { return Format::ComposerLock };
    let Value::Object(doc) = doc else {
        out.fatal("wrong_type", "", format!("expected a JSON object, found {}", type_name(&doc)));
        return Format::ComposerLock;
    };
    let mut deps_of: Vec<(String, Vec<String>)> = Vec::new();
    for (key, scope) in [("packages", Scope::Required), ("packages-dev", Scope::Dev)] {
        let Some(list) = json::array(&doc, key, "", out) else { continue };
        for (i, p) in list.iter().enumerate() {
            let at = format!("/{key}/{i}");
            let Value::Object(p) = p else {
                out.diag("wrong_type", at, format!("expected an object, found {}", type_name(p)));
                continue;
            };
            let (Some(name), Some(version)) = (json::string(p, "name", &at, out), json::string(p, "version", &at, out)) else {
                out.diag("invalid_package", at, "package needs a name and a version; it is skipped");
                continue;
            };
            let mut c = Component::new(name, at.clone());
            c.version = Some(version.to_string());
            c.scope = Some(scope);
            c.bom_ref = Some(name.to_ascii_lowercase());
            match crate::purl::composer(name, version) {
                Ok(purl) => {
                    c.purl = Some(purl);
                    c.ecosystem_hint = Some("Packagist".into());
                }
                Err(e) => out.diag("invalid_purl", child(&at, "name"), format!("cannot build a purl: {e}")),
            }
            if let Some(req) = json::object(p, "require", &at, out) {
                deps_of.push((name.to_ascii_lowercase(), req.keys().map(|k| k.to_ascii_lowercase()).collect()));
            }
            out.push(c);
        }
    }
    let known: HashMap<&str, ()> = out.components.iter().filter_map(|c| c.bom_ref.as_deref().map(|r| (r, ()))).collect();
    let edges: Vec<(String, Vec<String>)> = deps_of
        .into_iter()
        .filter_map(|(from, deps)| {
            let to: Vec<String> = deps.into_iter().filter(|d| known.contains_key(d.as_str())).collect();
            (!to.is_empty()).then_some((from, to))
        })
        .collect();
    for (from, to) in edges {
        out.edge_list(from, to);
    }
    Format::ComposerLock
}
