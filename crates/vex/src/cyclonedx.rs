//! CycloneDX VEX (JSON): the `vulnerabilities` of a BOM, with their `analysis` and `affects`.
//!
//! One vulnerability gives one statement per status it states: the `analysis.state` for the refs
//! listed without versions, and the status of each `affects[].versions[]` entry for the versions
//! listed (`unaffected` is `not_affected`, `affected` takes the analysis' status when that is
//! affected, fixed or under investigation, `unknown` is under investigation; a missing status is
//! `affected`, the schema's default). A ref that names a component of the same document is resolved
//! to that component's purl, CPE and name; a BOM-Link to another document keeps the link as
//! `bom_ref` (and its fragment as the purl when the fragment is one, as BOMs that use purls as
//! `bom-ref`s have).

use std::collections::HashMap;

use clearinghouse_osv::Purl;
use serde_json::{Map, Value};

use crate::json::{self, Ctx, child};
use crate::matching::bom_link;
use crate::{ProductRef, Statement, Status, VexFormat, codes, label};

const SPEC_VERSIONS: &[&str] = &["1.4", "1.5", "1.6"];

const JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];

const RESPONSES: &[&str] = &["can_not_fix", "will_not_fix", "update", "rollback", "workaround_available"];

pub(crate) fn detect(root: &Map<String, Value>) -> bool {
    matches!(json::get(root, "bomFormat"), Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("CycloneDX"))
}

pub(crate) fn read(root: &Map<String, Value>, ctx: &mut Ctx) -> Result<(VexFormat, Vec<Statement>), clearinghouse_model::Diagnostic> {
    let spec = json::ident(ctx, root, "", "specVersion").unwrap_or_default().to_string();
    if json::get(root, "vulnerabilities").is_none() {
        return Err(clearinghouse_model::Diagnostic::new(
            codes::NOT_VEX,
            "/vulnerabilities",
            "a CycloneDX document without vulnerabilities is an SBOM, not a VEX",
        ));
    }
    if !spec.is_empty() && !SPEC_VERSIONS.contains(&spec.as_str()) {
        ctx.diag(codes::UNSUPPORTED_VERSION, "/specVersion", format!("specVersion {} is not 1.4, 1.5 or 1.6; read as 1.6", json::shorten(&spec)));
    }
    let serial = json::ident(ctx, root, "", "serialNumber").map(|s| s.strip_prefix("urn:uuid:").unwrap_or(s));
    let metadata = json::object(ctx, root, "", "metadata");
    let doc_timestamp = metadata.and_then(|m| json::ident(ctx, m, "/metadata", "timestamp"));
    let index = Index::build(root, serial);

    let mut out = Vec::new();
    for (vp, v) in json::objects(ctx, root, "", "vulnerabilities") {
        if ctx.full() {
            break;
        }
        vulnerability(ctx, &index, &vp, v, doc_timestamp, &mut out);
    }
    Ok((VexFormat::CycloneDx { spec }, out))
}

/// The components (and services) of the document by `bom-ref`, to resolve `affects[].ref`.
struct Index<'v> {
    serial: Option<&'v str>,
    by_ref: HashMap<&'v str, (&'v Map<String, Value>, String)>,
}

impl<'v> Index<'v> {
    /// Collects `metadata.component` and every component and service, nested ones included. Wrong
    /// types are skipped quietly: they are the SBOM reader's business; here they only mean a ref
    /// that does not resolve.
    fn build(root: &'v Map<String, Value>, serial: Option<&'v str>) -> Index<'v> {
        let mut by_ref = HashMap::new();
        let mut stack: Vec<(&'v Value, String)> = Vec::new();
        if let Some(Value::Object(m)) = root.get("metadata")
            && let Some(c) = m.get("component")
        {
            stack.push((c, "/metadata/component".to_string()));
        }
        for key in ["components", "services"] {
            if let Some(Value::Array(items)) = root.get(key) {
                stack.extend(items.iter().enumerate().map(|(i, c)| (c, format!("/{key}/{i}"))));
            }
        }
        while let Some((value, pointer)) = stack.pop() {
            let Value::Object(c) = value else { continue };
            if let Some(Value::String(r)) = c.get("bom-ref") {
                by_ref.entry(r.as_str()).or_insert((c, pointer.clone()));
            }
            for key in ["components", "services"] {
                if let Some(Value::Array(items)) = c.get(key) {
                    stack.extend(items.iter().enumerate().map(|(i, c)| (c, format!("{pointer}/{key}/{i}"))));
                }
            }
        }
        Index { serial, by_ref }
    }

    fn resolve(&self, ctx: &mut Ctx, reference: &str) -> ProductRef {
        let mut product = ProductRef { bom_ref: Some(reference.to_string()), ..ProductRef::default() };
        let local = match bom_link(reference) {
            Some(link) if self.serial.is_some_and(|s| s.eq_ignore_ascii_case(link.serial)) => link.fragment,
            Some(link) => {
                product.purl = link.fragment.filter(|f| f.starts_with("pkg:") && Purl::parse_lenient(f).is_ok()).map(str::to_string);
                return product;
            }
            None => Some(reference),
        };
        let Some(local) = local else { return product };
        if let Some((component, pointer)) = self.by_ref.get(local) {
            if let Some(Value::String(p)) = json::get(component, "purl")
                && !p.trim().is_empty()
            {
                product.purl = json::purl(ctx, p, &child(pointer, "purl"));
            }
            if let Some(Value::String(c)) = json::get(component, "cpe")
                && !c.trim().is_empty()
            {
                product.cpe = json::cpe(ctx, c, &child(pointer, "cpe"));
            }
            if let Some(Value::String(n)) = json::get(component, "name")
                && !n.trim().is_empty()
                && n.len() <= crate::MAX_IDENTIFIER_LEN
            {
                product.name = Some(n.trim().to_string());
            }
        } else if local.starts_with("pkg:") && Purl::parse_lenient(local).is_ok() {
            // Not in this document; a bom-ref that is a purl (many generators use the purl as the
            // bom-ref) still says which package it means.
            product.purl = Some(local.to_string());
        }
        product
    }
}

/// The analysis of one vulnerability.
struct Analysis<'v> {
    /// The status, and whether it was `not_affected` (which needs a justification or detail;
    /// `false_positive` does not).
    state: Option<(Status, bool)>,
    justification: Option<&'v str>,
    detail: Option<String>,
    action: Option<String>,
    timestamp: Option<&'v str>,
}

/// Reads `analysis`; `Err` when the state is unknown (the vulnerability is then skipped).
fn analysis<'v>(ctx: &mut Ctx, vp: &str, v: &'v Map<String, Value>) -> Result<Analysis<'v>, ()> {
    let ap = child(vp, "analysis");
    let Some(a) = json::object(ctx, v, vp, "analysis") else {
        return Ok(Analysis { state: None, justification: None, detail: None, action: None, timestamp: None });
    };
    let state = match json::ident(ctx, a, &ap, "state").map(label) {
        None => None,
        Some(s) => Some(match s.as_str() {
            "resolved" | "resolved_with_pedigree" => (Status::Fixed, false),
            "exploitable" => (Status::Affected, false),
            "in_triage" => (Status::UnderInvestigation, false),
            "false_positive" => (Status::NotAffected, false),
            "not_affected" => (Status::NotAffected, true),
            other => {
                ctx.diag(
                    codes::UNKNOWN_STATUS,
                    &child(&ap, "state"),
                    format!(
                        "\"{}\" is not a CycloneDX analysis state (resolved, resolved_with_pedigree, exploitable, in_triage, false_positive, not_affected); the vulnerability is skipped",
                        json::shorten(other)
                    ),
                );
                return Err(());
            }
        }),
    };
    let justification = json::ident(ctx, a, &ap, "justification");
    if let Some(j) = justification
        && !JUSTIFICATIONS.contains(&j)
    {
        ctx.diag(
            codes::UNKNOWN_JUSTIFICATION,
            &child(&ap, "justification"),
            format!("\"{}\" is not a CycloneDX justification ({}); kept as written", json::shorten(j), JUSTIFICATIONS.join(", ")),
        );
    }
    let detail = json::text_owned(ctx, a, &ap, "detail");
    let responses = json::idents(ctx, a, &ap, "response");
    for (p, r) in &responses {
        if !RESPONSES.contains(r) {
            ctx.diag(codes::UNKNOWN_RESPONSE, p, format!("\"{}\" is not a CycloneDX response ({}); kept as written", json::shorten(r), RESPONSES.join(", ")));
        }
    }
    let action = (!responses.is_empty()).then(|| responses.iter().map(|(_, r)| *r).collect::<Vec<_>>().join(", "));
    let timestamp = json::ident(ctx, a, &ap, "lastUpdated").or_else(|| json::ident(ctx, a, &ap, "firstIssued"));
    Ok(Analysis { state, justification, detail, action, timestamp })
}

fn vulnerability(ctx: &mut Ctx, index: &Index, vp: &str, v: &Map<String, Value>, doc_timestamp: Option<&str>, out: &mut Vec<Statement>) {
    let Some(id) = json::ident(ctx, v, vp, "id") else {
        ctx.diag(codes::MISSING_VULNERABILITY, &child(vp, "id"), "the vulnerability has no usable id; it is skipped");
        return;
    };
    let references = json::objects(ctx, v, vp, "references");
    let mut reference_ids = Vec::new();
    for (rp, r) in &references {
        if let Some(rid) = json::ident(ctx, r, rp, "id") {
            reference_ids.push(rid);
        }
    }
    let aliases = json::aliases(id, reference_ids);
    let Ok(analysis) = analysis(ctx, vp, v) else { return };
    let timestamp = analysis
        .timestamp
        .or_else(|| json::ident(ctx, v, vp, "updated"))
        .or_else(|| json::ident(ctx, v, vp, "published"))
        .or(doc_timestamp)
        .map(str::to_string);
    let base = analysis.state.map(|(s, _)| s);

    // Statuses in the order met, the analysis' own first.
    let mut groups: Vec<(Status, Vec<ProductRef>)> = base.map(|s| (s, Vec::new())).into_iter().collect();
    let add = |groups: &mut Vec<(Status, Vec<ProductRef>)>, status: Status, product: ProductRef| match groups.iter_mut().find(|(s, _)| *s == status) {
        Some((_, products)) => products.push(product),
        None => groups.push((status, vec![product])),
    };
    let affects = json::objects(ctx, v, vp, "affects");
    let mut unversioned_without_state = affects.is_empty();
    for (ap, a) in &affects {
        let Some(reference) = json::ident(ctx, a, ap, "ref") else {
            if json::get(a, "ref").is_none() {
                ctx.diag(codes::MISSING_FIELD, &child(ap, "ref"), "an affects entry without ref; it is skipped");
            }
            continue;
        };
        let product = index.resolve(ctx, reference);
        let versions = json::objects(ctx, a, ap, "versions");
        if versions.is_empty() {
            match base {
                Some(status) if ctx.charge(json::product_weight(&product), ap) => add(&mut groups, status, product),
                Some(_) => return,
                None => unversioned_without_state = true,
            }
            continue;
        }
        for (verp, ver) in &versions {
            let version = json::ident(ctx, ver, verp, "version");
            let range = json::ident(ctx, ver, verp, "range");
            if version.is_some() && range.is_some() {
                ctx.diag(codes::AMBIGUOUS_VERSION, verp, "a version entry with both version and range; the version is used");
            }
            if version.is_none() && range.is_none() {
                ctx.diag(codes::MISSING_FIELD, &child(verp, "version"), "a version entry with neither version nor range; it is skipped");
                continue;
            }
            let status = match json::ident(ctx, ver, verp, "status").map(label).as_deref() {
                None | Some("affected") => match base {
                    Some(s @ (Status::Affected | Status::Fixed | Status::UnderInvestigation)) => s,
                    _ => Status::Affected,
                },
                Some("unaffected") => Status::NotAffected,
                Some("unknown") => Status::UnderInvestigation,
                Some(other) => {
                    let message =
                        format!("\"{}\" is not a CycloneDX version status (affected, unaffected, unknown); the entry is skipped", json::shorten(other));
                    ctx.diag(codes::UNKNOWN_STATUS, &child(verp, "status"), message);
                    continue;
                }
            };
            let mut p = product.clone();
            if let Some(version) = version {
                // A purl with another version would contradict the entry; the entry is the more specific.
                if let Some(purl) = p.purl.as_deref().and_then(|s| Purl::parse_lenient(s).ok())
                    && purl.version().is_some()
                {
                    p.purl = Some(purl.with_version(Some(version)).to_string());
                }
                p.version = Some(version.to_string());
            } else {
                // The range is the constraint; the version of the component the ref resolved to is not.
                if let Some(purl) = p.purl.as_deref().and_then(|s| Purl::parse_lenient(s).ok())
                    && purl.version().is_some()
                {
                    p.purl = Some(purl.with_version(None).to_string());
                }
                p.version_range = range.map(str::to_string);
            }
            if !ctx.charge(json::product_weight(&p), verp) {
                return;
            }
            add(&mut groups, status, p);
        }
    }
    if base.is_none() && unversioned_without_state {
        ctx.diag(
            codes::NO_ANALYSIS,
            &child(vp, "analysis"),
            "the vulnerability has no analysis.state, so it says nothing about exploitability (a vulnerability report, not VEX); only version entries with a status are read",
        );
    }
    if let Some((_, true)) = analysis.state
        && analysis.justification.is_none()
        && analysis.detail.is_none()
    {
        ctx.diag(
            codes::MISSING_JUSTIFICATION,
            &child(vp, "analysis"),
            "a not_affected analysis needs a justification or a detail saying why; the statement is kept",
        );
    }
    for (status, products) in groups {
        if products.is_empty() {
            if !affects.is_empty() {
                // Every affects entry had versions (or was unusable): nothing is left for the analysis' own status.
                continue;
            }
            ctx.diag(
                codes::MISSING_PRODUCTS,
                &child(vp, "affects"),
                "the vulnerability names no affected component or service; the statement is kept but matches none",
            );
        }
        let statement = Statement {
            vulnerability: id.to_string(),
            aliases: aliases.clone(),
            products,
            status,
            justification: if status == Status::NotAffected { analysis.justification.map(str::to_string) } else { None },
            detail: analysis.detail.clone(),
            action: analysis.action.clone(),
            timestamp: timestamp.clone(),
            location: vp.to_string(),
        };
        ctx.push(out, statement);
    }
}
