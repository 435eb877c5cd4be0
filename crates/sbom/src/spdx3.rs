//! SPDX 3.0 JSON-LD (the serialisation with the `https://spdx.org/rdf/3.0.x/spdx-context.jsonld`
//! context and an `@graph` of elements).
//!
//! Read: `software_Package` elements (`spdxId`, `name`, `software_packageVersion`,
//! `software_packageUrl`, and `externalIdentifier` entries of type `packageUrl`, `cpe22` and
//! `cpe23`), `Relationship` and `LifecycleScopedRelationship` elements of type `dependsOn` and
//! `contains` between packages, and `CreationInfo.specVersion` for the version. Types are also
//! recognised in their prefixed (`spdx:software_Package`) and IRI forms. Not read: other JSON-LD
//! shapes (expanded form, a single element without `@graph`), which SPDX 3 tools do not write.

use crate::json::{self, Handler, Mode, type_name};
use crate::out::Out;
use crate::spdx_json::{Direction, assertion, direction, external_ref, group_edges};
use crate::{Component, Encoding, Format};
use serde_json::{Map, Value};

/// The last part of a type name: `software_Package` from `spdx:software_Package` or an IRI.
fn short(t: &str) -> &str {
    let t = t.rsplit(['/', '#']).next().unwrap_or(t);
    t.rsplit(':').next().unwrap_or(t)
}

fn type_of(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("type").or_else(|| obj.get("@type")).and_then(Value::as_str).map(short)
}

fn id_of(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("spdxId").or_else(|| obj.get("@id")).and_then(Value::as_str)
}

struct Reader<'o, 's> {
    out: &'o mut Out<'s>,
    spec: Option<String>,
    context: Option<String>,
    edges: Vec<(String, String)>,
}

impl Reader<'_, '_> {
    fn package(&mut self, obj: &Map<String, Value>, at: String) {
        let out = &mut *self.out;
        let Some(name) = json::string(obj, "name", &at, out).filter(|n| !n.trim().is_empty()) else {
            out.diag("missing_name", at, "software_Package has no name; it is skipped");
            return;
        };
        let mut c = Component::new(name, at.clone());
        c.bom_ref = id_of(obj).map(str::to_string);
        c.version = assertion(json::string(obj, "software_packageVersion", &at, out));
        if let Some(p) = json::string(obj, "software_packageUrl", &at, out) {
            out.found_purl(&mut c, p, &format!("{at}/software_packageUrl"));
        }
        if let Some(ids) = json::array(obj, "externalIdentifier", &at, out) {
            for (i, e) in ids.iter().enumerate() {
                let eat = format!("{at}/externalIdentifier/{i}");
                let Value::Object(e) = e else {
                    out.diag("wrong_type", eat, format!("expected an object, found {}", type_name(e)));
                    continue;
                };
                let ty = json::string(e, "externalIdentifierType", &eat, out);
                let ident = json::string(e, "identifier", &eat, out);
                if let (Some(ty), Some(ident)) = (ty, ident) {
                    external_ref(&mut c, short(ty), ident, &format!("{eat}/identifier"), out);
                }
            }
        }
        out.push(c);
    }

    fn relationship(&mut self, obj: &Map<String, Value>, at: &str) {
        let out = &mut *self.out;
        let Some(ty) = json::string(obj, "relationshipType", at, out) else { return };
        let Some(dir) = direction(short(ty)) else { return };
        let Some(from) = json::string(obj, "from", at, out) else {
            out.diag("invalid_relationship", at, "relationship has no from");
            return;
        };
        let to: Vec<&str> = match obj.get("to") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => vec![s.as_str()],
            _ => {
                out.diag("invalid_relationship", at, "relationship has no to");
                return;
            }
        };
        for t in to {
            match dir {
                Direction::Forward => self.edges.push((from.to_string(), t.to_string())),
                Direction::Reverse => self.edges.push((t.to_string(), from.to_string())),
            }
        }
    }
}

impl Handler for Reader<'_, '_> {
    fn mode(&mut self, key: &str) -> Mode {
        match key {
            "@graph" => Mode::Elements,
            "@context" => Mode::Whole,
            _ => Mode::Skip,
        }
    }
    fn whole(&mut self, key: &str, value: Value) {
        if key == "@context" {
            self.context = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        }
    }
    fn element(&mut self, _key: &str, index: usize, value: Value) {
        let at = format!("/@graph/{index}");
        let Value::Object(obj) = &value else {
            self.out.diag("wrong_type", at, format!("expected an element object, found {}", type_name(&value)));
            return;
        };
        match type_of(obj) {
            Some("software_Package" | "Package") => self.package(obj, at),
            Some("Relationship" | "LifecycleScopedRelationship") => self.relationship(obj, &at),
            Some("CreationInfo") => {
                if self.spec.is_none()
                    && let Some(v) = obj.get("specVersion").and_then(Value::as_str)
                {
                    self.spec = Some(v.to_string());
                }
            }
            _ => {}
        }
    }
    fn not_array(&mut self, key: &str, found: &'static str) {
        self.out.diag("wrong_type", format!("/{key}"), format!("expected an array, found {found}"));
    }
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let mut r = Reader { out, spec: None, context: None, edges: Vec::new() };
    let result = json::stream(bytes, &mut r);
    let (spec, context, edges) = (r.spec.take(), r.context.take(), std::mem::take(&mut r.edges));
    if let Err((code, pointer, message)) = result {
        out.fatal(&code, pointer, message);
    }
    group_edges(edges, out);
    // The version: CreationInfo.specVersion, else the one in the context IRI (…/rdf/3.0.1/…).
    let from_context = context.as_deref().and_then(|c| c.split("/rdf/").nth(1)).and_then(|rest| rest.split('/').next()).map(str::to_string);
    let spec = spec.or(from_context).unwrap_or_else(|| {
        out.diag("missing_spec_version", "/@context", "SPDX 3 document with neither CreationInfo.specVersion nor a versioned context");
        "3.0".to_string()
    });
    if !spec.starts_with("3.") {
        out.diag("unsupported_spec_version", "/@context", format!("SPDX {spec:?} is read as SPDX 3.0"));
    }
    Format::Spdx { spec, encoding: Encoding::JsonLd }
}
