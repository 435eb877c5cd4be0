//! OpenVEX (JSON-LD): `statements[]`, v0.2.0 and the earlier v0.0.x.
//!
//! The versions differ in shape, not meaning, and real documents mix them, so both shapes are
//! read whatever the `@context` says: the vulnerability as an object (`name`, `@id`, `aliases`) or
//! a string; products as objects (`@id`, `identifiers.purl` / `cpe23` / `cpe22`, `subcomponents`)
//! or strings; and v0.0.x's statement-level `subcomponents`, which apply to every product of the
//! statement.

use serde_json::{Map, Value};

use crate::json::{self, Ctx, child};
use crate::{ProductRef, Statement, Status, VexFormat, codes, label};

const NAMESPACE: &str = "https://openvex.dev/ns";
const VERSIONS: &[&str] = &["0.0", "0.0.1", "0.0.2", "0.2.0"];

const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// The version the `@context` names, when it is OpenVEX's (a string, or an array holding one).
pub(crate) fn detect(root: &Map<String, Value>) -> Option<String> {
    let version = |s: &str| {
        let s = s.trim();
        let rest = s.strip_prefix(NAMESPACE).or_else(|| s.strip_prefix("http://openvex.dev/ns"))?;
        let rest = rest.trim_start_matches('/');
        let rest = rest.strip_prefix('v').unwrap_or(rest);
        Some(if rest.is_empty() { "0.0".to_string() } else { rest.to_string() })
    };
    match json::get(root, "@context")? {
        Value::String(s) => version(s),
        Value::Array(items) => items.iter().find_map(|i| i.as_str().and_then(version)),
        _ => None,
    }
}

pub(crate) fn read(root: &Map<String, Value>, version: String, ctx: &mut Ctx) -> Result<(VexFormat, Vec<Statement>), clearinghouse_model::Diagnostic> {
    if version.len() > 32 || !VERSIONS.contains(&version.as_str()) {
        ctx.diag(codes::UNSUPPORTED_VERSION, "/@context", format!("OpenVEX version {} is not one this reader knows; read as 0.2.0", json::shorten(&version)));
    }
    let doc_timestamp = json::ident(ctx, root, "", "timestamp");
    if json::get(root, "statements").is_none() {
        ctx.diag(codes::MISSING_FIELD, "/statements", "an OpenVEX document without statements; there is nothing to read");
    }
    let mut out = Vec::new();
    for (sp, s) in json::objects(ctx, root, "", "statements") {
        if ctx.full() {
            break;
        }
        statement(ctx, &sp, s, doc_timestamp, &mut out);
    }
    Ok((VexFormat::OpenVex { version }, out))
}

fn statement(ctx: &mut Ctx, sp: &str, s: &Map<String, Value>, doc_timestamp: Option<&str>, out: &mut Vec<Statement>) {
    let vp = child(sp, "vulnerability");
    let (id, aliases) = match json::get(s, "vulnerability") {
        None => (None, Vec::new()),
        Some(Value::String(_)) => (json::ident(ctx, s, sp, "vulnerability"), Vec::new()),
        Some(Value::Object(v)) => {
            let name = json::ident(ctx, v, &vp, "name");
            let iri = json::ident(ctx, v, &vp, "@id");
            let aliases: Vec<&str> = json::idents(ctx, v, &vp, "aliases").into_iter().map(|(_, a)| a).collect();
            let id = name.or_else(|| {
                // v0.2.0 requires the name; an @id alone (an advisory URL) still says which vulnerability.
                if let Some(iri) = iri {
                    ctx.diag(
                        codes::MISSING_VULNERABILITY,
                        &child(&vp, "name"),
                        format!("the vulnerability has no name; its @id \"{}\" is used", json::shorten(iri)),
                    );
                }
                iri
            });
            (id, id.map(|id| json::aliases(id, aliases)).unwrap_or_default())
        }
        Some(other) => {
            ctx.diag(codes::WRONG_TYPE, &vp, format!("expected an object or a string, found {}; the value was ignored", json::type_name(other)));
            (None, Vec::new())
        }
    };
    let Some(id) = id else {
        ctx.diag(codes::MISSING_VULNERABILITY, &vp, "the statement names no vulnerability; it is skipped");
        return;
    };
    let status = match json::ident(ctx, s, sp, "status").map(label).as_deref() {
        Some("not_affected") => Status::NotAffected,
        Some("affected") => Status::Affected,
        Some("fixed") => Status::Fixed,
        Some("under_investigation") => Status::UnderInvestigation,
        Some(other) => {
            let message =
                format!("\"{}\" is not an OpenVEX status (not_affected, affected, fixed, under_investigation); the statement is skipped", json::shorten(other));
            ctx.diag(codes::UNKNOWN_STATUS, &child(sp, "status"), message);
            return;
        }
        None => {
            ctx.diag(codes::MISSING_STATUS, &child(sp, "status"), "the statement has no usable status; it is skipped");
            return;
        }
    };
    let justification = json::ident(ctx, s, sp, "justification");
    if let Some(j) = justification
        && !JUSTIFICATIONS.contains(&j)
    {
        ctx.diag(
            codes::UNKNOWN_JUSTIFICATION,
            &child(sp, "justification"),
            format!("\"{}\" is not an OpenVEX justification ({}); kept as written", json::shorten(j), JUSTIFICATIONS.join(", ")),
        );
    }
    let detail = json::text_owned(ctx, s, sp, "impact_statement");
    let action = json::text_owned(ctx, s, sp, "action_statement");
    let timestamp = json::ident(ctx, s, sp, "timestamp").or(doc_timestamp).map(str::to_string);

    let mut products = components(ctx, s, sp, "products", true);
    // v0.0.x: subcomponents beside the products, meaning "in each of them".
    let shared = components(ctx, s, sp, "subcomponents", false);
    if !shared.is_empty() {
        if products.is_empty() {
            ctx.diag(codes::MISSING_PRODUCTS, &child(sp, "subcomponents"), "subcomponents without products; they are read as the products");
            products = shared;
        } else {
            for p in &mut products {
                for sub in &shared {
                    if !ctx.charge(json::product_weight(sub), sp) {
                        return;
                    }
                    p.subcomponents.push(sub.clone());
                }
            }
        }
    }
    if products.is_empty() {
        ctx.diag(
            codes::MISSING_PRODUCTS,
            &child(sp, "products"),
            "the statement names no product (it may come from an enclosing document); kept, but it matches no component",
        );
    }
    if status == Status::NotAffected && justification.is_none() && detail.is_none() {
        ctx.diag(codes::MISSING_JUSTIFICATION, sp, "a not_affected statement needs a justification or an impact_statement; the statement is kept");
    }
    if status == Status::Affected && action.is_none() {
        ctx.diag(codes::MISSING_ACTION, sp, "an affected statement needs an action_statement; the statement is kept");
    }
    let statement = Statement {
        vulnerability: id.to_string(),
        aliases,
        products,
        status,
        justification: if status == Status::NotAffected { justification.map(str::to_string) } else { None },
        detail,
        action,
        timestamp,
        location: sp.to_string(),
    };
    ctx.push(out, statement);
}

/// The products (or subcomponents) under `key`: objects or strings. Subcomponents of
/// subcomponents are not read (`nested` is false for them).
fn components(ctx: &mut Ctx, obj: &Map<String, Value>, pointer: &str, key: &str, nested: bool) -> Vec<ProductRef> {
    let Some(items) = json::array(ctx, obj, pointer, key) else { return Vec::new() };
    let base = child(pointer, key);
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let ip = json::index(&base, i);
        let product = match item {
            Value::String(_) => json::ident_value(ctx, item, &ip).and_then(|s| from_iri(ctx, s, &ip)),
            Value::Object(m) => component(ctx, m, &ip, nested),
            Value::Null => None,
            other => {
                ctx.diag(codes::WRONG_TYPE, &ip, format!("expected an object or a string, found {}; the item was ignored", json::type_name(other)));
                None
            }
        };
        if let Some(p) = product {
            out.push(p);
        }
    }
    out
}

/// A product from an IRI: a purl, a CPE, or any other IRI (kept as the name).
fn from_iri(ctx: &mut Ctx, iri: &str, pointer: &str) -> Option<ProductRef> {
    let mut p = ProductRef::default();
    if iri.starts_with("pkg:") {
        p.purl = Some(json::purl(ctx, iri, pointer)?);
    } else if iri.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("cpe:")) {
        p.cpe = Some(json::cpe(ctx, iri, pointer)?);
    } else {
        p.name = Some(iri.to_string());
    }
    Some(p)
}

fn component(ctx: &mut Ctx, m: &Map<String, Value>, pointer: &str, nested: bool) -> Option<ProductRef> {
    let mut p = match json::ident(ctx, m, pointer, "@id") {
        Some(iri) => from_iri(ctx, iri, &child(pointer, "@id")).unwrap_or_default(),
        None => ProductRef::default(),
    };
    let ip = child(pointer, "identifiers");
    if let Some(ids) = json::object(ctx, m, pointer, "identifiers") {
        if p.purl.is_none()
            && let Some(raw) = json::ident(ctx, ids, &ip, "purl")
        {
            p.purl = json::purl(ctx, raw, &child(&ip, "purl"));
        }
        for key in ["cpe23", "cpe22"] {
            if p.cpe.is_none()
                && let Some(raw) = json::ident(ctx, ids, &ip, key)
            {
                p.cpe = json::cpe(ctx, raw, &child(&ip, key));
            }
        }
    }
    if nested {
        p.subcomponents = components(ctx, m, pointer, "subcomponents", false);
    }
    (p != ProductRef::default()).then_some(p)
}
