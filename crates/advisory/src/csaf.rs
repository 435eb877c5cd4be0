//! CSAF 2.0 documents (security advisories, VEX documents, and the 2.1 fields that are easy to
//! read: `purls`, `cwes`, `cvss_v4`): one [`SourceRecord`] per `vulnerabilities[i]`, published
//! under the document publisher's `namespace` (else its `name`).
//!
//! The product tree is read first: every product a branch (walked to [`MAX_BRANCH_DEPTH`] levels),
//! a `full_product_names` entry or a relationship defines, by `product_id`, with
//! - its vendor (the nearest `vendor` branch above it) and name (the nearest `product_name` branch,
//!   else `product_family`, else the product's full name);
//! - its version: the deepest `product_version`, `service_pack` or `patch_level` branch above it
//!   (Cisco writes the train as `product_version` and the release as `service_pack`), else the
//!   version of its purl (which is preferred when there is no `product_name` branch above: Red
//!   Hat's version branches name whole packages, `telnet-1:0.17-65.el7_6.src`);
//! - its range: a `product_version_range` branch written as `vers:<scheme>/<constraints>` becomes
//!   [`VersionRange`]s where the constraints are intervals (`>=a|<b`, `<=b`, `*`, several such
//!   in a row); anything else (`>`, `!=`, a range not in `vers:` form) is a diagnostic and the
//!   name is kept as written in `versions`;
//! - its identification helper's `purl` (or the first of 2.1's `purls`, whole, version included)
//!   and `cpe`; a purl whose type has an OSV ecosystem also gives `ecosystem` and `package`
//!   ([`clearinghouse_osv::package_for_purl`]).
//!
//! A relationship's product (`X as a component of Y`) is its component `X` (vendor, name,
//! version, identifiers) under the relationship's full name; the platform `Y` is not carried.
//!
//! Per vulnerability, product statuses become [`AffectedProduct`]s, one per (product, status,
//! justification) with the versions and ranges of every product id of that product:
//! `first_affected`, `known_affected`, `last_affected` are [`Status::Affected`];
//! `known_not_affected` is [`Status::NotAffected`] with the product's flag label (a VEX
//! justification code) as justification, else the details of an `impact` threat naming the
//! product (or naming none); `first_fixed` and `fixed` are [`Status::Fixed`];
//! `under_investigation` is [`Status::UnderInvestigation`]; `recommended` is not read (it says which
//! version to install, which the `vendor_fix` remediations say too).
//!
//! Choices where CSAF and the model differ:
//! - id: the `cve`, else the first `ids[].text`, else `<tracking id>#<index>`; aliases are the
//!   `cve` and every `ids[].text`, except a text that several vulnerabilities of the same document
//!   give (a bug id covering two CVEs would otherwise make them one vulnerability in the merge).
//! - description: the `description` notes, else `summary`, else `general` (Red Hat writes its
//!   description as a `general` note), joined by blank lines; threats of category
//!   `exploit_status` are appended as a paragraph `Exploit status: …` (the model's
//!   [`Exploitation`](crate::Exploitation) is KEV's listing, which a publisher's statement is not).
//! - published: `release_date`, else the document's `initial_release_date`; `discovery_date` is
//!   not used (discovery precedes disclosure, and the merge takes the earliest publication date of
//!   all sources); modified: the document's `current_release_date`.
//! - title: the vulnerability's, else the document's.
//! - references: the vulnerability's, then the document's; category `self` is kind `ADVISORY`.
//! - acknowledgments: one credit per name (`Name (Organization)` when both are given; the
//!   organization alone when no name is), without kind: CSAF does not say what they did.
//! - scores and remediations name their products by full product name.
//!
//! Bounds: branches are read to [`MAX_BRANCH_DEPTH`] levels; every product, group and name
//! lookup is a hash lookup; and the text an import copies (a product's names into every status,
//! score and remediation that names it, group members into every list that names the group, the
//! document's fields into every vulnerability) is bounded by [`MAX_COPIED_BYTES`], past which the
//! rest is left out with a `too_large` diagnostic.
//!
//! Not carried: the document's distribution (TLP), aggregate severity, notes, tracking history
//! and aliases; product groups (resolved to their products); relationship platforms; hashes, SBOM
//! URLs, serial numbers, model numbers and SKUs of identification helpers; `involvements`;
//! threats of category `target_set`; the impact statement of a product that also has a flag
//! label; `discovery_date`; the `recommended` status; vulnerability notes other than the
//! description; a product's extra purls beyond the first; the dates of
//! flags, remediations and threats; remediation entitlements and restart requirements; CVSS
//! temporal and environmental scores (the vector keeps their metrics).

use crate::cve5::Imported;
use crate::json::{Problems, child, parse};
use crate::model::{AffectedProduct, Credit, Format, Product, Reference, Remediation, Score, Source, SourceRecord, Status, VersionRange, Weakness};
use clearinghouse_model::Diagnostic;
use serde_json::Value;
use std::collections::HashMap;

/// Deepest product tree branch nesting read.
pub const MAX_BRANCH_DEPTH: usize = 32;

/// Most bytes of text one import copies (product names repeated into every status, score and
/// remediation that names them, document fields repeated into every vulnerability): a document
/// whose references would make more is read up to that point (a `too_large` diagnostic).
pub const MAX_COPIED_BYTES: usize = 4 * crate::MAX_DOCUMENT_BYTES;

struct Budget {
    left: usize,
    out: bool,
}

impl Budget {
    /// Takes `n` bytes; false (and one diagnostic) when the budget is spent.
    fn spend(&mut self, n: usize, at: &str, p: &mut Problems) -> bool {
        if n <= self.left {
            self.left -= n;
            return true;
        }
        if !self.out {
            self.out = true;
            p.add("too_large", at, format!("the document repeats more than {MAX_COPIED_BYTES} bytes of text through its references; the rest is not read"));
        }
        false
    }
}

fn size_of(p: &Product) -> usize {
    [&p.ecosystem, &p.package, &p.purl, &p.vendor, &p.name, &p.repo].iter().map(|s| s.as_ref().map_or(0, String::len)).sum::<usize>()
        + p.cpes.iter().map(String::len).sum::<usize>()
}

fn range_size(r: &VersionRange) -> usize {
    r.scheme.len() + r.introduced.len() + [&r.fixed, &r.last_affected, &r.limit].iter().map(|s| s.as_ref().map_or(0, String::len)).sum::<usize>()
}

/// What the product tree says of one product id, while it is read.
#[derive(Clone, Debug, Default)]
struct Draft {
    full_name: String,
    product: Product,
    versions: Vec<String>,
    ranges: Vec<VersionRange>,
    /// Under a `product_name` branch: its version branch is a version of that product (else, as
    /// Red Hat writes `telnet-1:0.17-65.el7_6.src` under an architecture, the purl's version is
    /// the better one).
    named: bool,
}

impl Draft {
    fn size(&self) -> usize {
        self.full_name.len() + size_of(&self.product) + self.versions.iter().map(String::len).sum::<usize>() + self.ranges.iter().map(range_size).sum::<usize>()
    }
}

/// What the product tree says of one product id: the product itself is interned (many ids name
/// the same product, at different versions or on different platforms).
#[derive(Debug)]
struct ProductInfo {
    full_name: String,
    product: usize,
    versions: Vec<String>,
    ranges: Vec<VersionRange>,
    /// Not defined in the tree: a stand-in named by the id.
    placeholder: bool,
}

struct Tree {
    products: HashMap<String, ProductInfo>,
    groups: HashMap<String, Vec<String>>,
    distinct: Vec<Product>,
    interned: HashMap<Product, usize>,
}

impl Tree {
    fn define(&mut self, id: &str, draft: Draft, at: &str, p: &mut Problems) {
        if self.products.contains_key(id) {
            p.add("duplicate_product_id", at, format!("product id {id:?} is defined more than once; the first definition is kept"));
            return;
        }
        let product = match self.interned.get(&draft.product) {
            Some(&k) => k,
            None => {
                self.distinct.push(draft.product.clone());
                self.interned.insert(draft.product, self.distinct.len() - 1);
                self.distinct.len() - 1
            }
        };
        let info = ProductInfo { full_name: draft.full_name, product, versions: draft.versions, ranges: draft.ranges, placeholder: false };
        self.products.insert(id.to_string(), info);
    }

    /// The draft of a defined product (a relationship's component).
    fn draft_of(&self, id: &str) -> Option<Draft> {
        let info = self.products.get(id).filter(|i| !i.placeholder)?;
        Some(Draft {
            full_name: info.full_name.clone(),
            product: self.distinct[info.product].clone(),
            versions: info.versions.clone(),
            ranges: info.ranges.clone(),
            named: true,
        })
    }

    /// The full name of a product id (the id itself when it is not defined), within the budget.
    fn name_of(&self, id: &str, at: &str, budget: &mut Budget, p: &mut Problems) -> Option<String> {
        let name = self.products.get(id).map_or(id, |i| i.full_name.as_str());
        if !budget.spend(name.len(), at, p) {
            return None;
        }
        Some(name.to_string())
    }

    /// The product ids of `product_ids` and `group_ids` of `v`, each once, in order.
    fn ids_of(&self, v: &Value, at: &str, budget: &mut Budget, p: &mut Problems) -> Vec<String> {
        let mut ids = p.strings(v, "product_ids", at);
        for (g_at, g) in p.array(v, "group_ids", at) {
            match g.as_str().and_then(|g| self.groups.get(g)) {
                Some(members) => {
                    let n: usize = members.iter().map(String::len).sum();
                    if budget.spend(n, &g_at, p) {
                        ids.extend(members.iter().cloned());
                    }
                }
                None => p.add("unknown_group", &g_at, "the product group is not defined in the product tree"),
            }
        }
        let mut seen = std::collections::HashSet::new();
        ids.retain(|i| seen.insert(i.clone()));
        ids
    }
}

/// Where a branch sits: the names of the branches above it that say what it is.
#[derive(Clone, Default)]
struct Context<'a> {
    vendor: Option<&'a str>,
    family: Option<&'a str>,
    name: Option<&'a str>,
    version: Option<&'a str>,
    range: Option<&'a str>,
}

/// Reads a CSAF document. Fails only when the bytes are not a JSON object.
pub fn read(bytes: &[u8]) -> Result<Imported, Diagnostic> {
    let doc = parse(bytes)?;
    if !doc.is_object() {
        return Err(Diagnostic::new("wrong_type", "", "a CSAF document is a JSON object"));
    }
    let mut p = Problems::default();
    let document = p.object(&doc, "document", "").cloned().unwrap_or(Value::Null);
    if document.is_null() {
        p.add("missing_field", "/document", "a CSAF document needs its `document` object");
    }
    match p.str(&document, "csaf_version", "/document") {
        Some("2.0" | "2.1") => {}
        Some(other) => p.add("unsupported_version", "/document/csaf_version", format!("csaf_version {other} is not 2.0; read as 2.0")),
        None => p.add("missing_field", "/document/csaf_version", "the document has no csaf_version"),
    }
    let publisher = p.object(&document, "publisher", "/document");
    let publisher_name = publisher
        .and_then(|pb| p.str(pb, "namespace", "/document/publisher").or_else(|| pb.get("name").and_then(Value::as_str)))
        .unwrap_or("unknown")
        .to_string();
    let tracking = p.object(&document, "tracking", "/document").cloned().unwrap_or(Value::Null);
    let tracking_id = p.str(&tracking, "id", "/document/tracking").map(str::to_string);
    if tracking_id.is_none() {
        p.add("missing_field", "/document/tracking/id", "the document has no tracking id");
    }
    let tracking_id = tracking_id.unwrap_or_else(|| "csaf".into());
    let doc_title = p.str(&document, "title", "/document").map(str::to_string);
    let initial = p.str(&tracking, "initial_release_date", "/document/tracking").map(str::to_string);
    let current = p.str(&tracking, "current_release_date", "/document/tracking").map(str::to_string);
    let doc_references = references(&mut p, &document, "/document");

    let mut tree = Tree { products: HashMap::new(), groups: HashMap::new(), distinct: Vec::new(), interned: HashMap::new() };
    let mut budget = Budget { left: MAX_COPIED_BYTES, out: false };
    if let Some(pt) = p.object(&doc, "product_tree", "") {
        product_tree(pt, &mut tree, &mut budget, &mut p);
    }

    let vulns = p.array(&doc, "vulnerabilities", "");
    // Ids texts several vulnerabilities share are not aliases (see the module docs).
    let mut id_uses: HashMap<&str, usize> = HashMap::new();
    for (_, v) in &vulns {
        let mut texts: Vec<&str> = v.get("ids").and_then(Value::as_array).into_iter().flatten().filter_map(|i| i.get("text")?.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        for t in texts {
            *id_uses.entry(t).or_default() += 1;
        }
    }
    // What every record repeats from the document.
    let repeated = publisher_name.len()
        + doc_title.as_ref().map_or(0, String::len)
        + initial.as_ref().map_or(0, String::len)
        + current.as_ref().map_or(0, String::len)
        + doc_references.iter().map(|r| r.url.len() + 8).sum::<usize>();
    let mut records = Vec::new();
    for (i, (at, v)) in vulns.iter().enumerate() {
        if !v.is_object() {
            p.add("wrong_type", at, "a vulnerability is an object");
            continue;
        }
        if !budget.spend(repeated, at, &mut p) {
            break;
        }
        records.push(vulnerability(
            v,
            at,
            i,
            &Shared {
                publisher: &publisher_name,
                tracking_id: &tracking_id,
                title: &doc_title,
                initial: &initial,
                current: &current,
                references: &doc_references,
                id_uses: &id_uses,
            },
            &mut tree,
            &mut budget,
            &mut p,
        ));
    }
    Ok(Imported { records, diagnostics: p.0 })
}

/// What the document says for all its vulnerabilities.
struct Shared<'a> {
    publisher: &'a str,
    tracking_id: &'a str,
    title: &'a Option<String>,
    initial: &'a Option<String>,
    current: &'a Option<String>,
    references: &'a [Reference],
    id_uses: &'a HashMap<&'a str, usize>,
}

/// The product status lists, by status.
const STATUSES: [(&str, Option<Status>); 8] = [
    ("first_affected", Some(Status::Affected)),
    ("known_affected", Some(Status::Affected)),
    ("last_affected", Some(Status::Affected)),
    ("known_not_affected", Some(Status::NotAffected)),
    ("first_fixed", Some(Status::Fixed)),
    ("fixed", Some(Status::Fixed)),
    ("under_investigation", Some(Status::UnderInvestigation)),
    ("recommended", None),
];

fn vulnerability(v: &Value, at: &str, i: usize, doc: &Shared<'_>, tree: &mut Tree, budget: &mut Budget, p: &mut Problems) -> SourceRecord {
    let mut r = SourceRecord { source: Some(Source { format: Format::Csaf, publisher: doc.publisher.to_string() }), ..SourceRecord::default() };
    let cve = p.str(v, "cve", at).map(str::to_string);
    let mut ids = Vec::new();
    for (i_at, item) in p.array(v, "ids", at) {
        match p.str(item, "text", &i_at) {
            Some(t) if doc.id_uses.get(t).copied().unwrap_or(0) > 1 => {
                p.add("shared_id", &child(&i_at, "text"), format!("{t:?} is given by several vulnerabilities of this document; not used as an alias"))
            }
            Some(t) => ids.push(t.to_string()),
            None => p.add("missing_field", &child(&i_at, "text"), "an id needs its text"),
        }
    }
    r.id = cve.clone().or_else(|| ids.first().cloned()).unwrap_or_else(|| format!("{}#{i}", doc.tracking_id));
    for alias in cve.into_iter().chain(ids) {
        if alias != r.id && !r.aliases.contains(&alias) {
            r.aliases.push(alias);
        }
    }
    r.title = p.str(v, "title", at).map(str::to_string).or_else(|| doc.title.clone());
    r.description = description(p, v, at);
    r.published = p.str(v, "release_date", at).map(str::to_string).or_else(|| doc.initial.clone());
    let _ = p.str(v, "discovery_date", at);
    r.modified = doc.current.clone();
    if let Some(cwe) = p.object(v, "cwe", at) {
        weakness(p, cwe, &child(at, "cwe"), &mut r.weaknesses);
    }
    for (c_at, cwe) in p.array(v, "cwes", at) {
        weakness(p, cwe, &c_at, &mut r.weaknesses);
    }
    // Justifications, by product id: indexes into `texts` (each flag label and impact statement
    // once, however many products it names).
    let mut texts: Vec<String> = Vec::new();
    let mut impact_of: HashMap<String, usize> = HashMap::new();
    let mut impact_all: Option<usize> = None;
    for (t_at, threat) in p.array(v, "threats", at) {
        let category = p.str(threat, "category", &t_at).unwrap_or_default().to_string();
        let Some(details) = p.str(threat, "details", &t_at).map(str::to_string) else {
            p.add("missing_field", &child(&t_at, "details"), "a threat needs its details");
            continue;
        };
        match category.as_str() {
            "exploit_status" => {
                let text = format!("Exploit status: {details}");
                r.description = Some(match r.description.take() {
                    Some(d) => format!("{d}\n\n{text}"),
                    None => text,
                });
            }
            "impact" => {
                let ids = tree.ids_of(threat, &t_at, budget, p);
                texts.push(details);
                let k = texts.len() - 1;
                if ids.is_empty() {
                    impact_all.get_or_insert(k);
                } else {
                    for id in ids {
                        impact_of.entry(id).or_insert(k);
                    }
                }
            }
            _ => {}
        }
    }
    let mut label_of: HashMap<String, usize> = HashMap::new();
    for (f_at, flag) in p.array(v, "flags", at) {
        let Some(label) = p.str(flag, "label", &f_at).map(str::to_string) else {
            p.add("missing_field", &child(&f_at, "label"), "a flag needs its label");
            continue;
        };
        let ids = tree.ids_of(flag, &f_at, budget, p);
        texts.push(label);
        let k = texts.len() - 1;
        for id in ids {
            label_of.entry(id).or_insert(k);
        }
    }
    if let Some(ps) = p.object(v, "product_status", at) {
        let justifications = Justifications { texts: &texts, label_of: &label_of, impact_of: &impact_of, impact_all };
        product_status(ps, &child(at, "product_status"), &justifications, &mut r, tree, budget, p);
    }
    for (s_at, score) in p.array(v, "scores", at) {
        let mut products = Vec::new();
        for id in p.strings(score, "products", &s_at) {
            products.extend(tree.name_of(&id, &s_at, budget, p));
        }
        for (key, kind) in [("cvss_v2", "CVSS_V2"), ("cvss_v3", "CVSS_V3"), ("cvss_v4", "CVSS_V4")] {
            let Some(cvss) = p.object(score, key, &s_at) else { continue };
            let here = child(&s_at, key);
            match p.str(cvss, "vectorString", &here) {
                Some(vector) => {
                    if budget.spend(products.iter().map(String::len).sum(), &here, p) {
                        r.scores.push(Score {
                            kind: kind.into(),
                            vector: vector.to_string(),
                            base_score: cvss.get("baseScore").and_then(Value::as_f64),
                            products: products.clone(),
                        });
                    }
                }
                None => p.add("missing_field", &child(&here, "vectorString"), "a CVSS score needs its vectorString"),
            }
        }
    }
    for (m_at, m) in p.array(v, "remediations", at) {
        let (Some(kind), Some(details)) = (p.str(m, "category", &m_at).map(str::to_string), p.str(m, "details", &m_at).map(str::to_string)) else {
            p.add("missing_field", &m_at, "a remediation needs its category and details");
            continue;
        };
        let url = p.str(m, "url", &m_at).map(str::to_string);
        let mut products = Vec::new();
        for id in tree.ids_of(m, &m_at, budget, p) {
            products.extend(tree.name_of(&id, &m_at, budget, p));
        }
        r.remediations.push(Remediation { kind, details, url, products });
    }
    r.references = references(p, v, at);
    for x in doc.references {
        if !r.references.iter().any(|y| y.url == x.url) {
            r.references.push(x.clone());
        }
    }
    for (a_at, ack) in p.array(v, "acknowledgments", at) {
        let names = p.strings(ack, "names", &a_at);
        let organization = p.str(ack, "organization", &a_at).map(str::to_string);
        let credits: Vec<String> = match (&organization, names.is_empty()) {
            (Some(org), true) => vec![org.clone()],
            (Some(org), false) => {
                if !budget.spend(names.len() * (org.len() + 3), &a_at, p) {
                    continue;
                }
                names.iter().map(|n| format!("{n} ({org})")).collect()
            }
            (None, _) => names,
        };
        for name in credits {
            let credit = Credit { name, kind: None };
            if !r.credits.contains(&credit) {
                r.credits.push(credit);
            }
        }
    }
    r
}

/// Why products are not affected: flag labels and impact statements, each written once, and by
/// product id the index of the one that applies.
struct Justifications<'a> {
    texts: &'a [String],
    label_of: &'a HashMap<String, usize>,
    impact_of: &'a HashMap<String, usize>,
    /// An impact statement that names no product: for every product without one of its own.
    impact_all: Option<usize>,
}

/// `product_status`: one [`AffectedProduct`] per (product, status, justification), with the
/// versions and ranges of every product id of it.
fn product_status(ps: &Value, at: &str, j: &Justifications<'_>, r: &mut SourceRecord, tree: &mut Tree, budget: &mut Budget, p: &mut Problems) {
    // The lists, and a stand-in for every product id the tree does not define.
    let mut lists: Vec<(Status, Vec<String>)> = Vec::new();
    for (key, status) in STATUSES {
        let ids = p.strings(ps, key, at);
        let Some(status) = status else { continue };
        for (k, id) in ids.iter().enumerate() {
            if tree.products.get(id).is_none_or(|i| i.placeholder) {
                p.add("unknown_product", &format!("{at}/{key}/{k}"), format!("product id {id:?} is not defined in the product tree"));
                if !tree.products.contains_key(id) && budget.spend(3 * id.len(), at, p) {
                    tree.define(
                        id,
                        Draft { full_name: id.clone(), product: Product { name: Some(id.clone()), ..Product::default() }, ..Draft::default() },
                        at,
                        p,
                    );
                    if let Some(info) = tree.products.get_mut(id) {
                        info.placeholder = true;
                    }
                }
            }
        }
        lists.push((status, ids));
    }
    let tree = &*tree;
    let mut index: HashMap<(usize, Status, Option<usize>), usize> = HashMap::new();
    let mut versions_seen: std::collections::HashSet<(usize, &str)> = std::collections::HashSet::new();
    type RangeKey<'a> = (usize, &'a str, &'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let mut ranges_seen: std::collections::HashSet<RangeKey<'_>> = std::collections::HashSet::new();
    for (status, ids) in &lists {
        let status = *status;
        for id in ids {
            let Some(info) = tree.products.get(id) else { continue };
            let justification = if status == Status::NotAffected { j.label_of.get(id).or_else(|| j.impact_of.get(id)).copied().or(j.impact_all) } else { None };
            let key = (info.product, status, justification);
            let slot = match index.get(&key) {
                Some(&slot) => slot,
                None => {
                    let product = &tree.distinct[info.product];
                    let text = justification.map(|k| j.texts[k].as_str());
                    if !budget.spend(size_of(product) + text.map_or(0, str::len), at, p) {
                        return;
                    }
                    r.affected.push(AffectedProduct {
                        product: product.clone(),
                        status,
                        justification: text.map(str::to_string),
                        ..AffectedProduct::default()
                    });
                    index.insert(key, r.affected.len() - 1);
                    r.affected.len() - 1
                }
            };
            for version in &info.versions {
                if versions_seen.insert((slot, version)) {
                    if !budget.spend(version.len(), at, p) {
                        return;
                    }
                    r.affected[slot].versions.push(version.clone());
                }
            }
            for range in &info.ranges {
                let key =
                    (slot, range.scheme.as_str(), range.introduced.as_str(), range.fixed.as_deref(), range.last_affected.as_deref(), range.limit.as_deref());
                if ranges_seen.insert(key) {
                    if !budget.spend(range_size(range), at, p) {
                        return;
                    }
                    r.affected[slot].ranges.push(range.clone());
                }
            }
        }
    }
}

fn weakness(p: &mut Problems, cwe: &Value, at: &str, out: &mut Vec<Weakness>) {
    match p.str(cwe, "id", at) {
        Some(id) => {
            if !out.iter().any(|w| w.id == id) {
                out.push(Weakness { id: id.to_string(), name: p.str(cwe, "name", at).map(str::to_string) });
            }
        }
        None => p.add("missing_field", &child(at, "id"), "a CWE needs its id"),
    }
}

/// The description, summary or else general notes of `v`, joined.
fn description(p: &mut Problems, v: &Value, at: &str) -> Option<String> {
    let notes = p.array(v, "notes", at);
    let mut by_category: Vec<(String, String)> = Vec::new();
    for (n_at, note) in notes {
        let category = p.str(note, "category", &n_at).unwrap_or_default().to_string();
        match p.str(note, "text", &n_at) {
            Some(text) => by_category.push((category, text.to_string())),
            None => p.add("missing_field", &child(&n_at, "text"), "a note needs its text"),
        }
    }
    ["description", "summary", "general"].iter().find_map(|c| {
        let texts: Vec<&str> = by_category.iter().filter(|(k, _)| k == c).map(|(_, t)| t.as_str()).collect();
        (!texts.is_empty()).then(|| texts.join("\n\n"))
    })
}

fn references(p: &mut Problems, v: &Value, at: &str) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for (r_at, reference) in p.array(v, "references", at) {
        match p.str(reference, "url", &r_at) {
            Some(url) => {
                let kind = (p.str(reference, "category", &r_at) == Some("self")).then(|| "ADVISORY".to_string());
                if !out.iter().any(|x| x.url == url) {
                    out.push(Reference { url: url.to_string(), kind });
                }
            }
            None => p.add("missing_field", &child(&r_at, "url"), "a reference needs a url"),
        }
    }
    out
}

fn product_tree(pt: &Value, tree: &mut Tree, budget: &mut Budget, p: &mut Problems) {
    let at = "/product_tree";
    branches(pt, at, &Context::default(), 0, tree, budget, p);
    for (f_at, fpn) in p.array(pt, "full_product_names", at) {
        full_product(fpn, &f_at, &Context::default(), tree, budget, p);
    }
    for (r_at, rel) in p.array(pt, "relationships", at) {
        let component = p.str(rel, "product_reference", &r_at).map(str::to_string);
        let _ = p.str(rel, "relates_to_product_reference", &r_at);
        let Some(fpn) = p.object(rel, "full_product_name", &r_at) else {
            p.add("missing_field", &child(&r_at, "full_product_name"), "a relationship needs its full_product_name");
            continue;
        };
        let f_at = child(&r_at, "full_product_name");
        let base = match component.as_deref().map(|c| tree.draft_of(c)) {
            Some(Some(draft)) => {
                if !budget.spend(draft.size(), &r_at, p) {
                    continue;
                }
                Some(draft)
            }
            Some(None) => {
                p.add("unknown_product", &child(&r_at, "product_reference"), "the component is not defined in the product tree");
                None
            }
            None => {
                p.add("missing_field", &child(&r_at, "product_reference"), "a relationship needs its product_reference");
                None
            }
        };
        let Some(id) = p.str(fpn, "product_id", &f_at).map(str::to_string) else {
            p.add("missing_field", &child(&f_at, "product_id"), "a product needs its product_id");
            continue;
        };
        let full_name = p.str(fpn, "name", &f_at).map(str::to_string);
        let mut draft = base.unwrap_or_default();
        if let Some(name) = full_name {
            if draft.product.name.is_none() {
                draft.product.name = Some(name.clone());
            }
            draft.full_name = name;
        } else if draft.full_name.is_empty() {
            draft.full_name = id.clone();
        }
        if let Some(helper) = p.object(fpn, "product_identification_helper", &f_at) {
            identify(helper, &child(&f_at, "product_identification_helper"), &mut draft, p);
        }
        tree.define(&id, draft, &f_at, p);
    }
    for (g_at, group) in p.array(pt, "product_groups", at) {
        let Some(gid) = p.str(group, "group_id", &g_at).map(str::to_string) else {
            p.add("missing_field", &child(&g_at, "group_id"), "a product group needs its group_id");
            continue;
        };
        let members = p.strings(group, "product_ids", &g_at);
        tree.groups.entry(gid).or_insert(members);
    }
}

fn branches<'a>(parent: &'a Value, at: &str, ctx: &Context<'a>, depth: usize, tree: &mut Tree, budget: &mut Budget, p: &mut Problems) {
    let items = p.array(parent, "branches", at);
    if items.is_empty() {
        return;
    }
    if depth >= MAX_BRANCH_DEPTH {
        p.add("too_deep", &child(at, "branches"), format!("branches nest deeper than {MAX_BRANCH_DEPTH} levels; not read further"));
        return;
    }
    for (b_at, b) in items {
        let mut here = ctx.clone();
        let name = p.str(b, "name", &b_at);
        if name.is_none() {
            p.add("missing_field", &child(&b_at, "name"), "a branch needs its name");
        }
        match (p.str(b, "category", &b_at), name) {
            (Some("vendor"), Some(n)) => here.vendor = Some(n),
            (Some("product_family"), Some(n)) => here.family = Some(n),
            (Some("product_name"), Some(n)) => here.name = Some(n),
            (Some("product_version" | "service_pack" | "patch_level"), Some(n)) => here.version = Some(n),
            (Some("product_version_range"), Some(n)) => here.range = Some(n),
            (None, _) => p.add("missing_field", &child(&b_at, "category"), "a branch needs its category"),
            _ => {}
        }
        if let Some(product) = p.object(b, "product", &b_at) {
            full_product(product, &child(&b_at, "product"), &here, tree, budget, p);
        }
        branches(b, &b_at, &here, depth + 1, tree, budget, p);
    }
}

/// One `full_product_name` (in a branch, or in `full_product_names`).
fn full_product(fpn: &Value, at: &str, ctx: &Context<'_>, tree: &mut Tree, budget: &mut Budget, p: &mut Problems) {
    let Some(id) = p.str(fpn, "product_id", at).map(str::to_string) else {
        p.add("missing_field", &child(at, "product_id"), "a product needs its product_id");
        return;
    };
    // The branch names above are copied into every product below them.
    let inherited = [ctx.vendor, ctx.name.or(ctx.family), ctx.version, ctx.range].iter().map(|s| s.map_or(0, str::len)).sum();
    if !budget.spend(inherited, at, p) {
        return;
    }
    let full_name = p.str(fpn, "name", at).map(str::to_string);
    if full_name.is_none() {
        p.add("missing_field", &child(at, "name"), "a product needs its name");
    }
    let mut draft = Draft {
        full_name: full_name.clone().unwrap_or_else(|| id.clone()),
        product: Product {
            vendor: ctx.vendor.map(str::to_string),
            name: ctx.name.or(ctx.family).map(str::to_string).or(full_name).or_else(|| Some(id.clone())),
            ..Product::default()
        },
        named: ctx.name.is_some(),
        ..Draft::default()
    };
    if let Some(v) = ctx.version {
        draft.versions.push(v.to_string());
    }
    if let Some(range) = ctx.range {
        match parse_vers(range) {
            Ok((ranges, versions)) => {
                draft.ranges = ranges;
                draft.versions.extend(versions);
            }
            Err(why) => {
                p.add("unsupported_range", at, format!("product_version_range {range:?}: {why}; kept as written"));
                draft.versions.push(range.to_string());
            }
        }
    }
    if let Some(helper) = p.object(fpn, "product_identification_helper", at) {
        identify(helper, &child(at, "product_identification_helper"), &mut draft, p);
    }
    tree.define(&id, draft, at, p);
}

/// The purl and CPE of an identification helper, and what the purl says in OSV terms.
fn identify(helper: &Value, at: &str, draft: &mut Draft, p: &mut Problems) {
    if let Some(cpe) = p.str(helper, "cpe", at)
        && !draft.product.cpes.iter().any(|c| c == cpe)
    {
        draft.product.cpes.push(cpe.to_string());
    }
    let purls = p.strings(helper, "purls", at);
    let Some(purl) = p.str(helper, "purl", at).map(str::to_string).or_else(|| purls.first().cloned()) else { return };
    match clearinghouse_osv::Purl::parse_lenient(&purl) {
        Ok(parsed) => {
            match clearinghouse_osv::package_for_purl(&parsed) {
                Ok(pkg) => {
                    draft.product.ecosystem = Some(pkg.ecosystem.to_string());
                    draft.product.package = Some(pkg.name);
                }
                Err(_) => draft.product.package = draft.product.package.take().or_else(|| Some(parsed.name().to_string())),
            }
            if draft.ranges.is_empty()
                && (draft.versions.is_empty() || !draft.named)
                && let Some(v) = parsed.version()
            {
                draft.versions = vec![v.to_string()];
            }
        }
        Err(e) => p.add("invalid_purl", &child(at, "purl"), format!("{purl:?} is not a package URL: {e}")),
    }
    draft.product.purl = Some(purl);
}

/// The ranges and single versions of a `vers:` range, when its constraints are intervals and
/// single versions (`>=a|<b|>=c|<=d`, `<b`, `=v`, `*`).
pub(crate) fn parse_vers(s: &str) -> Result<(Vec<VersionRange>, Vec<String>), String> {
    let rest = s.trim().strip_prefix("vers:").ok_or("not a vers: range")?;
    let (scheme, constraints) = rest.split_once('/').ok_or("a vers range is vers:<scheme>/<constraints>")?;
    if scheme.is_empty() {
        return Err("no versioning scheme".into());
    }
    let scheme = scheme.to_ascii_lowercase();
    let constraints = constraints.trim();
    if constraints == "*" {
        return Ok((vec![VersionRange { scheme, introduced: "0".into(), ..VersionRange::default() }], Vec::new()));
    }
    let (mut ranges, mut versions) = (Vec::new(), Vec::new());
    let mut open: Option<String> = None;
    for (i, c) in constraints.split('|').enumerate() {
        let c = c.trim();
        let (op, version) = ["!=", "<=", ">=", "<", ">", "="].iter().find_map(|op| c.strip_prefix(op).map(|v| (*op, v))).unwrap_or(("=", c));
        let version = decode(version.trim());
        if version.is_empty() || version == "*" {
            return Err(format!("constraint {c:?} has no version"));
        }
        match op {
            ">=" if open.is_none() => open = Some(version),
            "<" | "<=" => {
                let start = match open.take() {
                    Some(s) => s,
                    None if i == 0 => "0".into(),
                    None => return Err(format!("constraint {c:?} closes no interval")),
                };
                let mut r = VersionRange { scheme: scheme.clone(), introduced: start, ..VersionRange::default() };
                if op == "<" {
                    r.fixed = Some(version);
                } else {
                    r.last_affected = Some(version);
                }
                ranges.push(r);
            }
            "=" if open.is_none() => versions.push(version),
            _ => return Err(format!("constraint {c:?} is not an interval bound or a single version")),
        }
    }
    if let Some(start) = open {
        ranges.push(VersionRange { scheme, introduced: start, ..VersionRange::default() });
    }
    Ok((ranges, versions))
}

/// Percent-decoding of a vers version (invalid escapes are kept as written).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vers_intervals() {
        let (r, v) = parse_vers("vers:semver/>=1.0|<1.2.3").unwrap();
        assert_eq!((r[0].introduced.as_str(), r[0].fixed.as_deref()), ("1.0", Some("1.2.3")));
        assert!(v.is_empty());
        let (r, _) = parse_vers("vers:npm/<=2.0.0|>=3.0.0|<3.1.0|>=4").unwrap();
        let got: Vec<_> = r.iter().map(|x| (x.introduced.as_str(), x.fixed.as_deref(), x.last_affected.as_deref())).collect();
        assert_eq!(got, [("0", None, Some("2.0.0")), ("3.0.0", Some("3.1.0"), None), ("4", None, None)]);
        let (r, _) = parse_vers("vers:all/*").unwrap();
        assert_eq!((r[0].scheme.as_str(), r[0].introduced.as_str()), ("all", "0"));
        let (_, v) = parse_vers("vers:generic/1.0%7C2").unwrap();
        assert_eq!(v, ["1.0|2"]);
        assert!(parse_vers("<=1.14.0").is_err());
        assert!(parse_vers("vers:semver/>1.0").is_err());
        assert!(parse_vers("vers:semver/>=1.0|<2|<3").is_err());
    }
}
