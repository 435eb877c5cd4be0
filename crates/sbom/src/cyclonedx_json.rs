//! CycloneDX JSON, 1.2 to 1.6 (earlier and later versions are read as well, with a diagnostic).
//!
//! Read: `components` (nested to [`MAX_COMPONENT_DEPTH`]), `metadata.component` (the subject of the
//! SBOM, with its own nested components), each component's `bom-ref`, `group`, `name`, `version`,
//! `purl`, `cpe` and `scope`, and `dependencies` (`ref` → `dependsOn`). Not read: `services`,
//! `metadata.tools` (the tools that made the SBOM are not part of the product), pedigree, evidence,
//! licences, hashes and the VEX/VDR `vulnerabilities` array (the VEX work reads that).

use crate::json::{self, Handler, Lax, Mode, child, type_name};
use crate::out::Out;
use crate::{Component, Encoding, Format, MAX_COMPONENT_DEPTH, Scope};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The fields of one component, from JSON or XML, before checking.
#[derive(Default)]
pub(crate) struct Fields {
    pub name: Option<String>,
    pub group: Option<String>,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub bom_ref: Option<String>,
    pub scope: Option<String>,
}

/// Checks one component's fields and keeps it; `location` is its JSON pointer or XML path, and the
/// pointer of a field in a diagnostic is `location/field`.
pub(crate) fn emit(f: Fields, location: String, out: &mut Out) {
    let mut c = Component::new(String::new(), String::new());
    if let Some(p) = f.purl.as_deref().filter(|p| !p.trim().is_empty()) {
        out.found_purl(&mut c, p, &format!("{location}/purl"));
    }
    let name = match f.name.filter(|n| !n.trim().is_empty()) {
        Some(n) => n,
        None => match c.purl.as_deref().and_then(crate::purl::parts) {
            Some((_, name, _)) => {
                out.diag("missing_name", &location, "component has no name; the name is taken from its purl");
                name
            }
            None => {
                out.diag("missing_name", &location, "component has neither a name nor a valid purl; it is skipped");
                return;
            }
        },
    };
    c.name = name;
    c.group = f.group.filter(|g| !g.is_empty());
    c.version = f.version.filter(|v| !v.is_empty());
    if let Some(cpe) = f.cpe.filter(|c| !c.trim().is_empty()) {
        let cpe = cpe.trim().to_string();
        if cpe.starts_with("cpe:2.3:") || cpe.starts_with("cpe:/") {
            c.cpes.push(cpe);
        } else {
            out.diag("invalid_cpe", format!("{location}/cpe"), format!("{cpe:?} is neither a CPE 2.3 formatted string nor a CPE 2.2 URI"));
        }
    }
    c.bom_ref = f.bom_ref.filter(|r| !r.is_empty());
    c.scope = match f.scope.as_deref() {
        None => None,
        Some("required") => Some(Scope::Required),
        Some("optional") => Some(Scope::Optional),
        Some("excluded") => Some(Scope::Excluded),
        Some(other) => {
            out.diag("invalid_value", format!("{location}/scope"), format!("scope {other:?} is not required, optional or excluded"));
            None
        }
    };
    c.location = location;
    out.push(c);
}

/// Checks a CycloneDX spec version and says so when it is outside what is known.
pub(crate) fn check_spec(spec: &str, pointer: &str, out: &mut Out) {
    const KNOWN: [&str; 7] = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"];
    if !KNOWN.contains(&spec) {
        out.diag(
            "unsupported_spec_version",
            pointer,
            format!("CycloneDX {spec:?} is not a version this reader knows (1.2 to 1.6); it is read as if it were 1.6"),
        );
    } else if spec == "1.0" || spec == "1.1" {
        out.diag(
            "unsupported_spec_version",
            pointer,
            format!("CycloneDX {spec} predates dependencies and is read as far as it goes; 1.2 to 1.6 are supported"),
        );
    }
}

/// One CycloneDX component as read from JSON: only the fields this crate uses, strings borrowed from
/// the input where they have no escapes, wrong types kept as such for the diagnostics.
#[derive(Default)]
pub(crate) struct RawComponent<'a> {
    name: Option<Lax<'a>>,
    group: Option<Lax<'a>>,
    version: Option<Lax<'a>>,
    purl: Option<Lax<'a>>,
    cpe: Option<Lax<'a>>,
    bom_ref: Option<Lax<'a>>,
    scope: Option<Lax<'a>>,
    components: Option<RawList<'a>>,
}

/// An element of a `components` array: a component, or the type found instead of an object.
pub(crate) enum RawItem<'a> {
    Component(Box<RawComponent<'a>>),
    Wrong(&'static str),
}

/// A `components` member: the list, or the type found instead of an array.
pub(crate) enum RawList<'a> {
    List(Vec<RawItem<'a>>),
    Wrong(&'static str),
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = RawItem<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a component object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawItem<'de>, A::Error> {
        let mut c = RawComponent::default();
        while let Some(key) = map.next_key::<Lax<'de>>()? {
            let Lax::Str(key) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            // A repeated key: the last one wins, as in serde_json's Value.
            match key.as_ref() {
                "name" => c.name = map.next_value()?,
                "group" => c.group = map.next_value()?,
                "version" => c.version = map.next_value()?,
                "purl" => c.purl = map.next_value()?,
                "cpe" => c.cpe = map.next_value()?,
                "bom-ref" => c.bom_ref = map.next_value()?,
                "scope" => c.scope = map.next_value()?,
                "components" => c.components = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawItem::Component(Box::new(c)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawItem<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawItem::Wrong("an array"))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("a number"))
    }
    fn visit_unit<E>(self) -> Result<RawItem<'de>, E> {
        Ok(RawItem::Wrong("null"))
    }
}

impl<'de> Deserialize<'de> for RawItem<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = RawList<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of components")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawList<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawItem<'de>>()? {
            items.push(item);
        }
        Ok(RawList::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawList<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(RawList::Wrong("an object"))
    }
    fn visit_str<E>(self, _: &str) -> Result<RawList<'de>, E> {
        Ok(RawList::Wrong("a string"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawList<'de>, E> {
        Ok(RawList::Wrong("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawList<'de>, E> {
        Ok(RawList::Wrong("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawList<'de>, E> {
        Ok(RawList::Wrong("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawList<'de>, E> {
        Ok(RawList::Wrong("a number"))
    }
    fn visit_unit<E>(self) -> Result<RawList<'de>, E> {
        Ok(RawList::List(Vec::new()))
    }
}

impl<'de> Deserialize<'de> for RawList<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

struct Reader<'o, 's> {
    out: &'o mut Out<'s>,
    spec: Option<String>,
}

impl Handler for Reader<'_, '_> {
    fn mode(&mut self, key: &str) -> Mode {
        match key {
            "components" => Mode::Components,
            "dependencies" => Mode::Elements,
            "metadata" | "specVersion" => Mode::Whole,
            _ => Mode::Skip,
        }
    }
    fn whole(&mut self, key: &str, value: Value) {
        match key {
            "specVersion" => match value {
                Value::String(s) => self.spec = Some(s),
                other => self.out.diag("wrong_type", "/specVersion", format!("expected a string, found {}", type_name(&other))),
            },
            "metadata" => match &value {
                Value::Object(m) => {
                    if let Some(c) = m.get("component").filter(|c| !c.is_null()) {
                        match RawItem::deserialize(c) {
                            Ok(item) => component(item, "/metadata/component".to_string(), 1, self.out),
                            Err(e) => self.out.diag("wrong_type", "/metadata/component", e.to_string()),
                        }
                    }
                }
                Value::Null => {}
                other => self.out.diag("wrong_type", "/metadata", format!("expected an object, found {}", type_name(other))),
            },
            _ => {}
        }
    }
    fn element(&mut self, key: &str, index: usize, value: Value) {
        let at = format!("/{key}/{index}");
        if key == "dependencies" {
            dependency(&value, &at, self.out);
        }
    }
    fn component(&mut self, _key: &str, index: usize, item: RawItem<'_>) {
        component(item, format!("/components/{index}"), 1, self.out);
    }
    fn not_array(&mut self, key: &str, found: &'static str) {
        self.out.diag("wrong_type", format!("/{key}"), format!("expected an array, found {found}"));
    }
}

fn component(item: RawItem<'_>, at: String, depth: usize, out: &mut Out) {
    let c = match item {
        RawItem::Component(c) => c,
        RawItem::Wrong(found) => {
            out.diag("wrong_type", at, format!("expected a component object, found {found}"));
            return;
        }
    };
    if depth > MAX_COMPONENT_DEPTH {
        out.diag("too_deep", at, format!("components nested deeper than {MAX_COMPONENT_DEPTH} levels are skipped"));
        return;
    }
    let RawComponent { name, group, version, purl, cpe, bom_ref, scope, components } = *c;
    let fields = Fields {
        name: Lax::take(name, &at, "name", out),
        group: Lax::take(group, &at, "group", out),
        version: Lax::take(version, &at, "version", out),
        purl: Lax::take(purl, &at, "purl", out),
        cpe: Lax::take(cpe, &at, "cpe", out),
        bom_ref: Lax::take(bom_ref, &at, "bom-ref", out),
        scope: Lax::take(scope, &at, "scope", out),
    };
    let prefix = child(&at, "components");
    let nested = match components {
        None => None,
        Some(RawList::List(items)) => Some(items),
        Some(RawList::Wrong(found)) => {
            out.diag("wrong_type", prefix.clone(), format!("expected an array, found {found}"));
            None
        }
    };
    emit(fields, at, out);
    if let Some(nested) = nested {
        for (i, c) in nested.into_iter().enumerate() {
            component(c, format!("{prefix}/{i}"), depth + 1, out);
        }
    }
}

fn dependency(v: &Value, at: &str, out: &mut Out) {
    let Value::Object(obj) = v else {
        out.diag("wrong_type", at, format!("expected a dependency object, found {}", type_name(v)));
        return;
    };
    let Some(from) = json::string(obj, "ref", at, out) else {
        out.diag("missing_ref", at, "dependency has no ref; it is skipped");
        return;
    };
    let mut to = Vec::new();
    if let Some(deps) = json::array(obj, "dependsOn", at, out) {
        for (i, d) in deps.iter().enumerate() {
            match d {
                Value::String(s) => to.push(s.clone()),
                // CycloneDX 1.2's schema allowed {"ref": …} objects here in some tools' output.
                Value::Object(o) if o.get("ref").is_some_and(Value::is_string) => to.push(o["ref"].as_str().unwrap_or_default().to_string()),
                other => out.diag("wrong_type", format!("{at}/dependsOn/{i}"), format!("expected a ref string, found {}", type_name(other))),
            }
        }
    }
    out.edge_list(from.to_string(), to);
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let mut r = Reader { out, spec: None };
    let result = json::stream(bytes, &mut r);
    let spec = r.spec.take();
    if let Err((code, pointer, message)) = result {
        out.fatal(&code, pointer, message);
    }
    let spec = match spec {
        Some(s) => {
            check_spec(&s, "/specVersion", out);
            s
        }
        None => {
            out.diag("missing_spec_version", "/specVersion", "CycloneDX document without specVersion");
            "unknown".to_string()
        }
    };
    Format::CycloneDx { spec, encoding: Encoding::Json }
}
