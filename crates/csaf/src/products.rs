//! Tests about the product tree and the references into it: 6.1.1 to 6.1.6, 6.1.13, 6.1.23 to
//! 6.1.25, 6.1.29, 6.1.31 to 6.1.33.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use serde_json::Value;

use crate::json::{Sink, arr, for_each_branch, for_each_full_product_name, get, quote, str_at, strs, vulnerabilities};

/// The product ids and product groups a document defines.
pub(crate) struct ProductIds<'a> {
    /// Every `product_id` of a full product name, with its pointer, in document order (branches,
    /// `full_product_names`, relationships).
    pub definitions: Vec<(&'a str, String)>,
    pub products: HashSet<&'a str>,
    /// Every `group_id` with its pointer, in document order.
    pub group_definitions: Vec<(&'a str, String)>,
    /// The product ids of each group (of all groups with that id, if it is defined twice).
    pub groups: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> ProductIds<'a> {
    pub fn collect(doc: &'a Value) -> Self {
        let mut definitions = Vec::new();
        for_each_full_product_name(doc, |p, pointer| {
            if let Some(id) = str_at(p, "product_id") {
                definitions.push((id, format!("{pointer}/product_id")));
            }
        });
        let products = definitions.iter().map(|(id, _)| *id).collect();
        let mut group_definitions = Vec::new();
        let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
        if let Some(tree) = get(doc, "product_tree") {
            for (i, g) in arr(tree, "product_groups").iter().enumerate() {
                if let Some(id) = str_at(g, "group_id") {
                    group_definitions.push((id, format!("/product_tree/product_groups/{i}/group_id")));
                    groups.entry(id).or_default().extend(strs(g, "product_ids").map(|(_, p)| p));
                }
            }
        }
        ProductIds { definitions, products, group_definitions, groups }
    }

    /// The product ids a list of product ids and a list of group ids name together, each once.
    pub fn expand(&self, item: &'a Value) -> Vec<&'a str> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (_, p) in strs(item, "product_ids") {
            if seen.insert(p) {
                out.push(p);
            }
        }
        for (_, g) in strs(item, "group_ids") {
            for p in self.groups.get(g).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(*p) {
                    out.push(*p);
                }
            }
        }
        out
    }
}

/// The eight product status lists, in the schema's order.
pub(crate) const PRODUCT_STATUSES: [&str; 8] =
    ["first_affected", "first_fixed", "fixed", "known_affected", "known_not_affected", "last_affected", "recommended", "under_investigation"];

/// Every reference to a product id (elements of `products_t` and the two references of a
/// relationship) with its pointer. The specification lists the paths for 6.1.1 and adds "the same
/// applies for all items of elements of type `/$defs/products_t`", which takes in
/// `/vulnerabilities[]/flags[]/product_ids` too.
fn product_references(doc: &Value) -> Vec<(&str, String)> {
    let mut refs = Vec::new();
    if let Some(tree) = get(doc, "product_tree") {
        for (i, g) in arr(tree, "product_groups").iter().enumerate() {
            for (j, p) in strs(g, "product_ids") {
                refs.push((p, format!("/product_tree/product_groups/{i}/product_ids/{j}")));
            }
        }
        for (i, r) in arr(tree, "relationships").iter().enumerate() {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(p) = str_at(r, key) {
                    refs.push((p, format!("/product_tree/relationships/{i}/{key}")));
                }
            }
        }
    }
    for (i, v) in vulnerabilities(doc) {
        if let Some(status) = get(v, "product_status") {
            for key in PRODUCT_STATUSES {
                for (j, p) in strs(status, key) {
                    refs.push((p, format!("/vulnerabilities/{i}/product_status/{key}/{j}")));
                }
            }
        }
        for (list, member) in [("remediations", "product_ids"), ("scores", "products"), ("threats", "product_ids"), ("flags", "product_ids")] {
            for (j, item) in arr(v, list).iter().enumerate() {
                for (k, p) in strs(item, member) {
                    refs.push((p, format!("/vulnerabilities/{i}/{list}/{j}/{member}/{k}")));
                }
            }
        }
    }
    refs
}

/// 6.1.1 Missing Definition of Product ID.
pub(crate) fn check_6_1_1(doc: &Value, ids: &ProductIds<'_>, sink: &mut Sink) {
    for (p, pointer) in product_references(doc) {
        if !ids.products.contains(p) {
            sink.fail("6.1.1", pointer, format!("product id {} is not defined in the product tree", quote(p)));
        }
    }
}

/// 6.1.2 Multiple Definition of Product ID: every definition after the first is a failure.
pub(crate) fn check_6_1_2(ids: &ProductIds<'_>, sink: &mut Sink) {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for (id, pointer) in &ids.definitions {
        match first.get(id) {
            Some(at) => sink.fail("6.1.2", pointer.as_str(), format!("product id {} is already defined at {at}", quote(id))),
            None => {
                first.insert(id, pointer);
            }
        }
    }
}

/// 6.1.3 Circular Definition of Product ID. A relationship defines a product id from two others;
/// following `product_reference` and `relates_to_product_reference` to the relationships that
/// define those ids must not end up in a circle. Every relationship from which a circle can be
/// reached fails (those on the circle and those leading into it), at the reference that leads
/// there. Linear time: Tarjan's strongly connected components, then reachability backwards from
/// the circles.
pub(crate) fn check_6_1_3(doc: &Value, sink: &mut Sink) {
    let Some(tree) = get(doc, "product_tree") else { return };
    let rels = arr(tree, "relationships");
    let mut defined_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in rels.iter().enumerate() {
        if let Some(id) = get(r, "full_product_name").and_then(|f| str_at(f, "product_id")) {
            defined_by.entry(id).or_default().push(i);
        }
    }
    // Edges i -> j with the reference key of i that leads to j.
    let mut edges: Vec<Vec<(usize, &'static str)>> = vec![Vec::new(); rels.len()];
    for (i, r) in rels.iter().enumerate() {
        for key in ["product_reference", "relates_to_product_reference"] {
            if let Some(target) = str_at(r, key) {
                for &j in defined_by.get(target).map(Vec::as_slice).unwrap_or(&[]) {
                    edges[i].push((j, key));
                }
            }
        }
    }
    let component = strongly_connected_components(&edges);
    let mut size = vec![0usize; rels.len()];
    for &c in &component {
        size[c] += 1;
    }
    let n = rels.len();
    let mut on_cycle = vec![false; n];
    for i in 0..n {
        on_cycle[i] = size[component[i]] > 1 || edges[i].iter().any(|(j, _)| *j == i);
    }
    // bad[i]: a circle is reachable from i. Propagate backwards from the circles.
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, es) in edges.iter().enumerate() {
        for (j, _) in es {
            reverse[*j].push(i);
        }
    }
    let mut bad = on_cycle.clone();
    let mut queue: Vec<usize> = (0..n).filter(|&i| bad[i]).collect();
    while let Some(j) = queue.pop() {
        for &i in &reverse[j] {
            if !bad[i] {
                bad[i] = true;
                queue.push(i);
            }
        }
    }
    for i in 0..n {
        if !bad[i] {
            continue;
        }
        let id = get(&rels[i], "full_product_name").and_then(|f| str_at(f, "product_id")).unwrap_or("");
        // The reference to report: one that stays on the circle, else one that leads to a circle.
        let key = edges[i]
            .iter()
            .find(|(j, _)| on_cycle[i] && component[*j] == component[i])
            .or_else(|| edges[i].iter().find(|(j, _)| bad[*j]))
            .map(|(_, k)| *k)
            .unwrap_or("product_reference");
        let target = str_at(&rels[i], key).unwrap_or("");
        let what = if on_cycle[i] { "is part of a circular definition" } else { "depends on a circular definition" };
        sink.fail(
            "6.1.3",
            format!("/product_tree/relationships/{i}/{key}"),
            format!("product id {} {what}: it refers to {}, which refers back", quote(id), quote(target)),
        );
    }
}

/// Tarjan's algorithm without recursion: the component number of each node.
fn strongly_connected_components(edges: &[Vec<(usize, &'static str)>]) -> Vec<usize> {
    let n = edges.len();
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position of the next edge to look at)
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            if let Some(&(w, _)) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component[w] = next_component;
                        if w == v {
                            break;
                        }
                    }
                    next_component += 1;
                }
            }
        }
    }
    component
}

/// 6.1.4 Missing Definition of Product Group ID: `group_ids` of remediations and threats, and (as
/// `product_groups_t`, which the test extends to) of flags.
pub(crate) fn check_6_1_4(doc: &Value, ids: &ProductIds<'_>, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        for list in ["remediations", "threats", "flags"] {
            for (j, item) in arr(v, list).iter().enumerate() {
                for (k, g) in strs(item, "group_ids") {
                    if !ids.groups.contains_key(g) {
                        sink.fail(
                            "6.1.4",
                            format!("/vulnerabilities/{i}/{list}/{j}/group_ids/{k}"),
                            format!("product group id {} is not defined in the product tree", quote(g)),
                        );
                    }
                }
            }
        }
    }
}

/// 6.1.5 Multiple Definition of Product Group ID.
pub(crate) fn check_6_1_5(ids: &ProductIds<'_>, sink: &mut Sink) {
    let mut first: HashMap<&str, &str> = HashMap::new();
    for (id, pointer) in &ids.group_definitions {
        match first.get(id) {
            Some(at) => sink.fail("6.1.5", pointer.as_str(), format!("product group id {} is already defined at {at}", quote(id))),
            None => {
                first.insert(id, pointer);
            }
        }
    }
}

/// 6.1.6 Contradicting Product Status: the groups affected (first_affected, known_affected,
/// last_affected), not affected, fixed (first_fixed, fixed) and under investigation are pairwise
/// disjoint in each vulnerability; `recommended` may overlap any. A product fails at each place
/// it appears in a group other than the first group it appeared in.
pub(crate) fn check_6_1_6(doc: &Value, sink: &mut Sink) {
    const GROUPS: [(&str, &[&str]); 4] = [
        ("affected", &["first_affected", "known_affected", "last_affected"]),
        ("not affected", &["known_not_affected"]),
        ("fixed", &["first_fixed", "fixed"]),
        ("under investigation", &["under_investigation"]),
    ];
    for (i, v) in vulnerabilities(doc) {
        let Some(status) = get(v, "product_status") else { continue };
        let mut first_group: HashMap<&str, (&str, &str)> = HashMap::new();
        for (group, lists) in GROUPS {
            for list in lists {
                for (j, p) in strs(status, list) {
                    match first_group.get(p) {
                        Some(&(g, l)) if g != group => sink.fail(
                            "6.1.6",
                            format!("/vulnerabilities/{i}/product_status/{list}/{j}"),
                            format!("product {} is both {g} ({l}) and {group} ({list})", quote(p)),
                        ),
                        Some(_) => {}
                        None => {
                            first_group.insert(p, (group, list));
                        }
                    }
                }
            }
        }
    }
}

/// 6.1.13 PURL: every `product_identification_helper/purl` parses as a package URL (the
/// `packageurl` crate: scheme `pkg:`, a type, a name, valid percent-encoding and qualifiers).
pub(crate) fn check_6_1_13(doc: &Value, sink: &mut Sink) {
    for_each_full_product_name(doc, |p, pointer| {
        let Some(purl) = get(p, "product_identification_helper").and_then(|h| str_at(h, "purl")) else { return };
        if let Err(e) = packageurl::PackageUrl::from_str(purl) {
            sink.fail("6.1.13", format!("{pointer}/product_identification_helper/purl"), format!("not a valid package URL: {e}"));
        }
    });
}

/// 6.1.23 Multiple Use of Same CVE.
pub(crate) fn check_6_1_23(doc: &Value, sink: &mut Sink) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, v) in vulnerabilities(doc) {
        let Some(cve) = str_at(v, "cve") else { continue };
        match first.get(cve) {
            Some(j) => sink.fail("6.1.23", format!("/vulnerabilities/{i}/cve"), format!("{} is already used by /vulnerabilities/{j}", quote(cve))),
            None => {
                first.insert(cve, i);
            }
        }
    }
}

/// A date-time as an instant, so that `10:00:00Z` and `12:00:00+02:00` are the same date; the
/// text itself when it does not parse.
fn instant(s: &str) -> Result<time::OffsetDateTime, &str> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map(|t| t.to_offset(time::UtcOffset::UTC)).map_err(|_| s)
}

/// 6.1.24 Multiple Definition in Involvements: the same `party` twice at the same `date` in one
/// vulnerability, whatever the status. Involvements without a date are not compared (CSAF 2.0
/// makes the date optional, and "at any date" needs one).
pub(crate) fn check_6_1_24(doc: &Value, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        let mut seen: HashMap<(&str, Result<time::OffsetDateTime, &str>), usize> = HashMap::new();
        for (j, inv) in arr(v, "involvements").iter().enumerate() {
            let (Some(party), Some(date)) = (str_at(inv, "party"), str_at(inv, "date")) else { continue };
            match seen.get(&(party, instant(date))) {
                Some(k) => sink.fail(
                    "6.1.24",
                    format!("/vulnerabilities/{i}/involvements/{j}"),
                    format!("party {} already has an involvement at {} (/vulnerabilities/{i}/involvements/{k})", quote(party), quote(date)),
                ),
                None => {
                    seen.insert((party, instant(date)), j);
                }
            }
        }
    }
}

/// 6.1.25 Multiple Use of Same Hash Algorithm within one item of `hashes`. Algorithm names are
/// compared ignoring ASCII case (`SHA256` and `sha256` are the same algorithm).
pub(crate) fn check_6_1_25(doc: &Value, sink: &mut Sink) {
    for_each_full_product_name(doc, |p, pointer| {
        let Some(helper) = get(p, "product_identification_helper") else { return };
        for (i, h) in arr(helper, "hashes").iter().enumerate() {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (j, fh) in arr(h, "file_hashes").iter().enumerate() {
                let Some(alg) = str_at(fh, "algorithm") else { continue };
                match seen.get(&alg.to_ascii_lowercase()) {
                    Some(k) => sink.fail(
                        "6.1.25",
                        format!("{pointer}/product_identification_helper/hashes/{i}/file_hashes/{j}/algorithm"),
                        format!("hash algorithm {} is already used in file_hashes/{k} of this item", quote(alg)),
                    ),
                    None => {
                        seen.insert(alg.to_ascii_lowercase(), j);
                    }
                }
            }
        }
    });
}

/// 6.1.29 Remediation without Product Reference.
pub(crate) fn check_6_1_29(doc: &Value, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        for (j, r) in arr(v, "remediations").iter().enumerate() {
            if r.is_object() && get(r, "product_ids").is_none() && get(r, "group_ids").is_none() {
                sink.fail("6.1.29", format!("/vulnerabilities/{i}/remediations/{j}"), "the remediation has neither product_ids nor group_ids");
            }
        }
    }
}

/// The strings that betray a version range in a `product_version` branch (6.1.31).
const RANGE_SYMBOLS: [&str; 2] = ["<", ">"];
const RANGE_WORDS: [&str; 7] = ["after", "all", "before", "earlier", "later", "prior", "versions"];

/// 6.1.31 Version Range in Product Version. The specification deems it sufficient that the lower
/// case name contains none of `<`, `<=`, `>`, `>=`, `after`, `all`, `before`, `earlier`, `later`,
/// `prior`, `versions`. The symbols are looked for anywhere; the words as whole words (split at
/// anything not a letter or digit), as the official validator does, so that `install` or
/// `firewall` in a name is not a range.
pub(crate) fn check_6_1_31(doc: &Value, sink: &mut Sink) {
    for_each_branch(doc, |b, pointer| {
        if str_at(b, "category") != Some("product_version") {
            return;
        }
        let Some(name) = str_at(b, "name") else { return };
        let lower = name.to_lowercase();
        let symbol = RANGE_SYMBOLS.iter().find(|s| lower.contains(*s)).copied();
        let word = || lower.split(|c: char| !c.is_alphanumeric()).find(|w| RANGE_WORDS.contains(w));
        if let Some(hit) = symbol.or_else(word) {
            sink.fail("6.1.31", format!("{pointer}/name"), format!("the product version {} contains a version range ({})", quote(name), quote(hit)));
        }
    });
}

/// 6.1.32 Flag without Product Reference.
pub(crate) fn check_6_1_32(doc: &Value, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        for (j, f) in arr(v, "flags").iter().enumerate() {
            if f.is_object() && get(f, "product_ids").is_none() && get(f, "group_ids").is_none() {
                sink.fail("6.1.32", format!("/vulnerabilities/{i}/flags/{j}"), "the flag has neither product_ids nor group_ids");
            }
        }
    }
}

/// The VEX justification codes (section 3.2.3.5), the labels of flags in CSAF 2.0.
pub(crate) const VEX_JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
];

/// 6.1.33 Multiple Flags with VEX Justification Codes per Product: in one vulnerability, a
/// product (directly or through a product group) in more than one flag whose label is a VEX
/// justification code. The later flag fails, once per product.
pub(crate) fn check_6_1_33(doc: &Value, ids: &ProductIds<'_>, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (j, f) in arr(v, "flags").iter().enumerate() {
            if !str_at(f, "label").is_some_and(|l| VEX_JUSTIFICATIONS.contains(&l)) {
                continue;
            }
            for p in ids.expand(f) {
                match first.get(p) {
                    Some(k) => sink.fail(
                        "6.1.33",
                        format!("/vulnerabilities/{i}/flags/{j}"),
                        format!("product {} already has a VEX justification in /vulnerabilities/{i}/flags/{k}", quote(p)),
                    ),
                    None => {
                        first.insert(p, j);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scc_finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0, 4 alone, 5 -> 5
        let e = |v: &[usize]| v.iter().map(|&j| (j, "product_reference")).collect::<Vec<_>>();
        let edges = vec![e(&[1]), e(&[2]), e(&[0]), e(&[0]), e(&[]), e(&[5])];
        let c = strongly_connected_components(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[0]);
    }
}
