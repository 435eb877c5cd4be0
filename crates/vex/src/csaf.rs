//! CSAF 2.0 (JSON): the product tree, then each vulnerability's `product_status`.
//!
//! The product tree gives every product id a [`ProductRef`]: branches (walked iteratively, at any
//! depth) and `full_product_names` give name, purl and CPE (`product_identification_helper`), and
//! the branch a product sits in gives its version range (`product_version_range`) and, for a
//! product without purl, its version (`product_version`); a relationship (`X default_component_of Y`, …) defines a product that
//! is the component X as part of Y, so it takes X's identifiers unless its own full product name
//! has some. Product groups expand wherever `group_ids` are allowed.
//!
//! Each status list of a vulnerability gives statements: its products, grouped so that products
//! with the same justification (`flags[].label`), detail (`threats[]` of category `impact`) and
//! action (`remediations[]`, for affected and fixed products) share one statement.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::json::{self, Ctx, child};
use crate::{ProductRef, Statement, Status, VexFormat, codes};

const FLAGS: &[&str] = &[
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
];

/// The product status lists, in the order statements are made, with their status. `recommended`
/// is not a status (a product to move to) and is not read.
const LISTS: &[(&str, Status)] = &[
    ("first_affected", Status::Affected),
    ("known_affected", Status::Affected),
    ("last_affected", Status::Affected),
    ("known_not_affected", Status::NotAffected),
    ("first_fixed", Status::Fixed),
    ("fixed", Status::Fixed),
    ("under_investigation", Status::UnderInvestigation),
];

pub(crate) fn detect(root: &Map<String, Value>) -> bool {
    let Some(Value::Object(document)) = json::get(root, "document") else { return false };
    document.contains_key("csaf_version") || matches!(document.get("category"), Some(Value::String(c)) if c.starts_with("csaf_"))
}

pub(crate) fn read(root: &Map<String, Value>, ctx: &mut Ctx) -> Result<(VexFormat, Vec<Statement>), clearinghouse_model::Diagnostic> {
    let document = json::object(ctx, root, "", "document");
    let category = document.and_then(|d| json::ident(ctx, d, "/document", "category"));
    let is_vex = category == Some("csaf_vex");
    let has_status = matches!(json::get(root, "vulnerabilities"), Some(Value::Array(vs)) if vs.iter().any(|v| v.get("product_status").is_some()));
    if !is_vex && !has_status {
        return Err(clearinghouse_model::Diagnostic::new(
            codes::NOT_VEX,
            "/vulnerabilities",
            format!(
                "a CSAF document of category {} without any vulnerabilities[].product_status says nothing about products' status",
                category.map_or_else(|| "(none)".to_string(), json::shorten)
            ),
        ));
    }
    if let Some(d) = document
        && let Some(version) = json::ident(ctx, d, "/document", "csaf_version")
        && version != "2.0"
    {
        ctx.diag(codes::UNSUPPORTED_VERSION, "/document/csaf_version", format!("csaf_version {} is not 2.0; read as 2.0", json::shorten(version)));
    }
    let timestamp = document
        .and_then(|d| json::object(ctx, d, "/document", "tracking"))
        .and_then(|t| json::ident(ctx, t, "/document/tracking", "current_release_date"))
        .map(str::to_string);
    let tree = match json::object(ctx, root, "", "product_tree") {
        Some(t) => Tree::build(ctx, t),
        None => Tree::default(),
    };
    if json::get(root, "vulnerabilities").is_none() {
        ctx.diag(codes::MISSING_FIELD, "/vulnerabilities", "a csaf_vex document needs vulnerabilities; there are no statements");
    }
    let mut out = Vec::new();
    for (vp, v) in json::objects(ctx, root, "", "vulnerabilities") {
        if ctx.full() {
            break;
        }
        vulnerability(ctx, &tree, &vp, v, timestamp.as_deref(), is_vex, &mut out);
    }
    Ok((VexFormat::Csaf, out))
}

#[derive(Default)]
struct Tree {
    products: HashMap<String, ProductRef>,
    groups: HashMap<String, Vec<String>>,
}

impl Tree {
    fn build(ctx: &mut Ctx, tree: &Map<String, Value>) -> Tree {
        let mut t = Tree::default();
        // Branches, depth first, without recursion: (pointer, branch object).
        let mut stack: Vec<(String, &Map<String, Value>)> = json::objects(ctx, tree, "/product_tree", "branches");
        stack.reverse();
        while let Some((bp, branch)) = stack.pop() {
            let category = json::ident(ctx, branch, &bp, "category");
            let name = json::ident(ctx, branch, &bp, "name");
            if let Some(product) = json::object(ctx, branch, &bp, "product") {
                let along = match (category, name) {
                    (Some("product_version"), Some(n)) => Along::Version(n),
                    (Some("product_version_range"), Some(n)) => Along::Range(n),
                    _ => Along::Nothing,
                };
                t.define(ctx, &child(&bp, "product"), product, along);
            }
            let mut children = json::objects(ctx, branch, &bp, "branches");
            children.reverse();
            stack.extend(children);
        }
        for (fp, fpn) in json::objects(ctx, tree, "/product_tree", "full_product_names") {
            t.define(ctx, &fp, fpn, Along::Nothing);
        }
        t.relationships(ctx, tree);
        for (gp, g) in json::objects(ctx, tree, "/product_tree", "product_groups") {
            let Some(id) = json::ident(ctx, g, &gp, "group_id") else { continue };
            let mut members = Vec::new();
            for (p, pid) in json::idents(ctx, g, &gp, "product_ids") {
                if t.products.contains_key(pid) {
                    members.push(pid.to_string());
                } else {
                    ctx.diag(codes::UNKNOWN_PRODUCT_ID, &p, format!("the product tree defines no product \"{}\"", json::shorten(pid)));
                }
            }
            t.groups.entry(id.to_string()).or_insert(members);
        }
        t
    }

    /// Reads a full product name into a product; `None` without a product id.
    fn product(ctx: &mut Ctx, pointer: &str, fpn: &Map<String, Value>, along: Along) -> Option<(String, ProductRef)> {
        let Some(id) = json::ident(ctx, fpn, pointer, "product_id") else {
            if json::get(fpn, "product_id").is_none() {
                ctx.diag(codes::MISSING_FIELD, &child(pointer, "product_id"), "a product without product_id; it cannot be referred to");
            }
            return None;
        };
        let mut p = ProductRef { name: json::ident(ctx, fpn, pointer, "name").map(str::to_string), ..ProductRef::default() };
        let hp = child(pointer, "product_identification_helper");
        if let Some(helper) = json::object(ctx, fpn, pointer, "product_identification_helper") {
            if let Some(raw) = json::ident(ctx, helper, &hp, "purl") {
                p.purl = json::purl(ctx, raw, &child(&hp, "purl"));
            } else if let Some((pp, raw)) = json::idents(ctx, helper, &hp, "purls").into_iter().next() {
                // CSAF 2.1 lists purls; the first is the product's own.
                p.purl = json::purl(ctx, raw, &pp);
            }
            if let Some(raw) = json::ident(ctx, helper, &hp, "cpe") {
                p.cpe = json::cpe(ctx, raw, &child(&hp, "cpe"));
            }
        }
        match along {
            // With a purl, the purl says which versions (none: all of them); vendors name
            // product_version branches after the package as often as after its version.
            Along::Version(v) if p.purl.is_none() => p.version = Some(v.to_string()),
            Along::Range(r) => p.version_range = Some(r.to_string()),
            _ => {}
        }
        Some((id.to_string(), p))
    }

    fn define(&mut self, ctx: &mut Ctx, pointer: &str, fpn: &Map<String, Value>, along: Along) {
        let Some((id, p)) = Tree::product(ctx, pointer, fpn, along) else { return };
        self.insert(ctx, pointer, id, p);
    }

    fn insert(&mut self, ctx: &mut Ctx, pointer: &str, id: String, p: ProductRef) {
        match self.products.entry(id) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(p);
            }
            std::collections::hash_map::Entry::Occupied(slot) => {
                let message = format!("product \"{}\" is defined twice; the first definition is used", json::shorten(slot.key()));
                ctx.diag(codes::DUPLICATE_PRODUCT_ID, &child(pointer, "product_id"), message);
            }
        }
    }

    /// Relationships. One may build on another defined later in the list, so each waits for its
    /// component's definition (a work list: linear, whatever the order).
    fn relationships(&mut self, ctx: &mut Ctx, tree: &Map<String, Value>) {
        struct Rel<'v> {
            order: usize,
            pointer: String,
            component: &'v str,
            platform: Option<&'v str>,
            fpn: &'v Map<String, Value>,
        }
        let mut ready = std::collections::VecDeque::new();
        let mut waiting: HashMap<&str, Vec<Rel>> = HashMap::new();
        for (order, (rp, r)) in json::objects(ctx, tree, "/product_tree", "relationships").into_iter().enumerate() {
            let component = json::ident(ctx, r, &rp, "product_reference");
            let platform = json::ident(ctx, r, &rp, "relates_to_product_reference");
            let fpn = json::object(ctx, r, &rp, "full_product_name");
            let (Some(component), Some(fpn)) = (component, fpn) else {
                ctx.diag(codes::MISSING_FIELD, &rp, "a relationship needs product_reference and full_product_name; it is skipped");
                continue;
            };
            let rel = Rel { order, pointer: rp, component, platform, fpn };
            if self.products.contains_key(component) {
                ready.push_back(rel);
            } else {
                waiting.entry(component).or_default().push(rel);
            }
        }
        let mut unresolved_platforms = Vec::new();
        while let Some(rel) = ready.pop_front() {
            let Some(base) = self.products.get(rel.component) else { continue };
            let fp = child(&rel.pointer, "full_product_name");
            let Some((id, own)) = Tree::product(ctx, &fp, rel.fpn, Along::Nothing) else { continue };
            // The combined product is the component as installed in or with the platform: the
            // component's identifiers say which package it is, unless the relationship names its own.
            let p = if own.purl.is_some() || own.cpe.is_some() { own } else { ProductRef { name: own.name.or_else(|| base.name.clone()), ..base.clone() } };
            if !ctx.charge(json::product_weight(&p), &rel.pointer) {
                return;
            }
            if let Some(platform) = rel.platform {
                unresolved_platforms.push((platform, child(&rel.pointer, "relates_to_product_reference")));
            }
            if let Some(next) = waiting.remove(id.as_str()) {
                ready.extend(next);
            }
            self.insert(ctx, &fp, id, p);
        }
        for (platform, pointer) in unresolved_platforms {
            if !self.products.contains_key(platform) {
                ctx.diag(codes::UNKNOWN_PRODUCT_ID, &pointer, format!("the product tree defines no product \"{}\"", json::shorten(platform)));
            }
        }
        let mut left: Vec<Rel> = waiting.into_values().flatten().collect();
        left.sort_by_key(|r| r.order);
        for rel in left {
            let message = format!("the product tree defines no product \"{}\"; the relationship is skipped", json::shorten(rel.component));
            ctx.diag(codes::UNKNOWN_PRODUCT_ID, &child(&rel.pointer, "product_reference"), message);
        }
    }

    /// The product ids of an object's `product_ids` and `group_ids` (expanded); unknown ones are reported.
    fn ids<'v>(&'v self, ctx: &mut Ctx, obj: &'v Map<String, Value>, pointer: &str) -> Vec<&'v str> {
        let mut out = Vec::new();
        for (p, pid) in json::idents(ctx, obj, pointer, "product_ids") {
            if self.products.contains_key(pid) {
                out.push(pid);
            } else {
                ctx.diag(codes::UNKNOWN_PRODUCT_ID, &p, format!("the product tree defines no product \"{}\"", json::shorten(pid)));
            }
        }
        for (p, gid) in json::idents(ctx, obj, pointer, "group_ids") {
            match self.groups.get(gid) {
                Some(members) if ctx.expand(members.len(), &p) => out.extend(members.iter().map(String::as_str)),
                Some(_) => {}
                None => ctx.diag(codes::UNKNOWN_PRODUCT_ID, &p, format!("the product tree defines no product group \"{}\"", json::shorten(gid))),
            }
        }
        out
    }
}

/// What the branch holding a product says about its version.
#[derive(Clone, Copy)]
enum Along<'v> {
    Nothing,
    Version(&'v str),
    Range(&'v str),
}

/// Most impact threats (and, separately, remediations) read for one product of one vulnerability.
/// Real documents have one or two; the bound keeps a hostile one (thousands of threats, each naming
/// thousands of products) from costing their product.
const MAX_TEXTS_PER_PRODUCT: usize = 32;

/// Per product id: indices into the vulnerability's flags, impact threats and remediations.
#[derive(Default)]
struct PerProduct {
    flag: HashMap<String, usize>,
    threats: HashMap<String, Vec<usize>>,
    remediations: HashMap<String, Vec<usize>>,
}

fn vulnerability(ctx: &mut Ctx, tree: &Tree, vp: &str, v: &Map<String, Value>, timestamp: Option<&str>, is_vex: bool, out: &mut Vec<Statement>) {
    let cve = json::ident(ctx, v, vp, "cve");
    let mut ids = Vec::new();
    for (ip, i) in json::objects(ctx, v, vp, "ids") {
        if let Some(text) = json::ident(ctx, i, &ip, "text") {
            ids.push(text);
        }
    }
    let Some(primary) = cve.or_else(|| ids.first().copied()) else {
        ctx.diag(codes::MISSING_VULNERABILITY, &child(vp, "cve"), "the vulnerability has neither a cve nor ids; it is skipped");
        return;
    };
    let aliases = json::aliases(primary, ids);

    let mut per = PerProduct::default();
    let mut flags = Vec::new();
    for (fp, f) in json::objects(ctx, v, vp, "flags") {
        let Some(l) = json::ident(ctx, f, &fp, "label") else { continue };
        if !FLAGS.contains(&l) {
            ctx.diag(
                codes::UNKNOWN_JUSTIFICATION,
                &child(&fp, "label"),
                format!("\"{}\" is not a CSAF flag label ({}); kept as written", json::shorten(l), FLAGS.join(", ")),
            );
        }
        for pid in tree.ids(ctx, f, &fp) {
            per.flag.entry(pid.to_string()).or_insert(flags.len());
        }
        flags.push(l);
    }
    let mut overflow = false;
    let mut impacts = Vec::new();
    let mut impacts_for_all = Vec::new();
    for (tp, t) in json::objects(ctx, v, vp, "threats") {
        if json::ident(ctx, t, &tp, "category") != Some("impact") {
            continue;
        }
        let Some(details) = json::text_owned(ctx, t, &tp, "details") else { continue };
        let pids = tree.ids(ctx, t, &tp);
        // An impact without products speaks about every product of the vulnerability.
        if json::get(t, "product_ids").is_none() && json::get(t, "group_ids").is_none() {
            overflow |= !bounded_push(&mut impacts_for_all, impacts.len());
        }
        for pid in pids {
            overflow |= !bounded_push(per.threats.entry(pid.to_string()).or_default(), impacts.len());
        }
        impacts.push(details);
    }
    let mut remediations = Vec::new();
    for (rp, r) in json::objects(ctx, v, vp, "remediations") {
        let category = json::ident(ctx, r, &rp, "category");
        let details = json::text_owned(ctx, r, &rp, "details");
        let url = json::ident(ctx, r, &rp, "url");
        let mut text = [category.map(str::to_string), details].into_iter().flatten().collect::<Vec<_>>().join(": ");
        if let Some(url) = url {
            text = if text.is_empty() { url.to_string() } else { format!("{text} ({url})") };
        }
        if text.is_empty() {
            continue;
        }
        for pid in tree.ids(ctx, r, &rp) {
            overflow |= !bounded_push(per.remediations.entry(pid.to_string()).or_default(), remediations.len());
        }
        remediations.push(text);
    }

    if overflow {
        ctx.diag(
            codes::OUTPUT_LIMIT,
            vp,
            format!("a product has more than {MAX_TEXTS_PER_PRODUCT} impact threats or remediations in this vulnerability; only the first {MAX_TEXTS_PER_PRODUCT} are read"),
        );
    }
    let sp = child(vp, "product_status");
    let Some(status_lists) = json::object(ctx, v, vp, "product_status") else {
        if is_vex && json::get(v, "product_status").is_none() {
            ctx.diag(codes::MISSING_STATUS, &sp, "a csaf_vex vulnerability needs product_status; it says nothing about products");
        }
        return;
    };
    for key in status_lists.keys() {
        if key != "recommended" && !LISTS.iter().any(|(k, _)| k == key) {
            ctx.diag(codes::UNKNOWN_STATUS, &child(&sp, key), format!("\"{}\" is not a CSAF product status; its products are skipped", json::shorten(key)));
        }
    }
    let mut seen: HashMap<&str, (Status, String)> = HashMap::new();
    for (key, status) in LISTS {
        if ctx.full() {
            return;
        }
        let lp = child(&sp, key);
        // Products with the same justification, details and actions share a statement.
        type Key = (Option<usize>, Vec<usize>, Vec<usize>);
        let mut groups: Vec<(Key, Vec<&str>)> = Vec::new();
        let mut group_of: HashMap<Key, usize> = HashMap::new();
        for (ip, pid) in json::idents(ctx, status_lists, &sp, key) {
            if !tree.products.contains_key(pid) {
                ctx.diag(codes::UNKNOWN_PRODUCT_ID, &ip, format!("the product tree defines no product \"{}\"; it is left out", json::shorten(pid)));
                continue;
            }
            match seen.get(pid) {
                Some((other, where_)) if other != status => {
                    let message = format!("product \"{}\" is also in {where_}; both statements are kept", json::shorten(pid));
                    ctx.diag(codes::CONTRADICTORY_STATUS, &ip, message);
                }
                Some(_) => {}
                None => {
                    seen.insert(pid, (*status, lp.clone()));
                }
            }
            let flag = if *status == Status::NotAffected { per.flag.get(pid).copied() } else { None };
            let mut threats = impacts_for_all.clone();
            threats.extend(per.threats.get(pid).into_iter().flatten().copied().take(MAX_TEXTS_PER_PRODUCT.saturating_sub(impacts_for_all.len())));
            let actions = if matches!(status, Status::Affected | Status::Fixed) { per.remediations.get(pid).cloned().unwrap_or_default() } else { Vec::new() };
            let k = (flag, threats, actions);
            match group_of.get(&k) {
                Some(&g) => groups[g].1.push(pid),
                None => {
                    group_of.insert(k.clone(), groups.len());
                    groups.push((k, vec![pid]));
                }
            }
        }
        for ((flag, threats, actions), pids) in groups {
            let mut products = Vec::with_capacity(pids.len());
            for pid in pids {
                let Some(p) = tree.products.get(pid) else { continue };
                if !ctx.charge(json::product_weight(p), &lp) {
                    return;
                }
                products.push(p.clone());
            }
            let justification = flag.map(|f| flags[f].to_string());
            let detail = (!threats.is_empty()).then(|| threats.iter().map(|&t| impacts[t].as_str()).collect::<Vec<_>>().join("\n"));
            let action = (!actions.is_empty()).then(|| actions.iter().map(|&a| remediations[a].as_str()).collect::<Vec<_>>().join("\n"));
            if *status == Status::NotAffected && justification.is_none() && detail.is_none() {
                ctx.diag(codes::MISSING_JUSTIFICATION, &lp, "known_not_affected products need a flag or an impact threat saying why; the statement is kept");
            }
            let statement = Statement {
                vulnerability: primary.to_string(),
                aliases: aliases.clone(),
                products,
                status: *status,
                justification,
                detail,
                action,
                timestamp: timestamp.map(str::to_string),
                location: lp.clone(),
            };
            ctx.push(out, statement);
        }
    }
}

/// Pushes unless the list holds [`MAX_TEXTS_PER_PRODUCT`] already; false when it did.
fn bounded_push(list: &mut Vec<usize>, i: usize) -> bool {
    if list.len() < MAX_TEXTS_PER_PRODUCT {
        list.push(i);
        true
    } else {
        false
    }
}
