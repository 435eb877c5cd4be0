//! The alias graph and the merge: records whose ids are linked by aliases (directly or through
//! other records) are one vulnerability, whatever order they arrived in; each record is kept whole,
//! a merged view is derived from them by a fixed order of trust, and where sources disagree the
//! disagreement is listed, never silently resolved.

use crate::model::{AffectedProduct, Exploitation, Format, Product, Reference, Score, SourceRecord, Status, Weakness};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Union-find over vulnerability ids.
#[derive(Default, Debug, Clone)]
pub struct AliasGraph {
    index: HashMap<String, usize>,
    ids: Vec<String>,
    parent: Vec<usize>,
}

impl AliasGraph {
    pub fn new() -> Self {
        Self::default()
    }

    fn node(&mut self, id: &str) -> usize {
        if let Some(&n) = self.index.get(id) {
            return n;
        }
        let n = self.ids.len();
        self.ids.push(id.to_string());
        self.parent.push(n);
        self.index.insert(id.to_string(), n);
        n
    }

    fn root(&mut self, mut n: usize) -> usize {
        while self.parent[n] != n {
            self.parent[n] = self.parent[self.parent[n]];
            n = self.parent[n];
        }
        n
    }

    /// Records that `ids` name one vulnerability.
    pub fn link<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        let mut first = None;
        for id in ids {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            let n = self.node(id);
            match first {
                None => first = Some(n),
                Some(f) => {
                    let (a, b) = (self.root(f), self.root(n));
                    if a != b {
                        self.parent[b] = a;
                    }
                }
            }
        }
    }

    /// Every group of linked ids, each sorted, groups in order of their canonical id.
    pub fn groups(&mut self) -> Vec<Vec<String>> {
        let mut by_root: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for n in 0..self.ids.len() {
            let r = self.root(n);
            by_root.entry(r).or_default().push(self.ids[n].clone());
        }
        let mut groups: Vec<Vec<String>> = by_root
            .into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        groups.sort_by(|a, b| canonical_id(a).cmp(canonical_id(b)));
        groups
    }
}

/// The id a vulnerability is shown under: its earliest CVE id when it has one (the id everyone
/// searches for), else the smallest of its ids. The same set of ids always gives the same answer,
/// whichever source arrived first.
pub fn canonical_id(ids: &[String]) -> &str {
    let cve_key = |id: &str| -> Option<(u32, u64)> {
        let rest = id.strip_prefix("CVE-")?;
        let (year, num) = rest.split_once('-')?;
        Some((year.parse().ok()?, num.parse().ok()?))
    };
    ids.iter().filter_map(|id| Some((cve_key(id)?, id.as_str()))).min().map(|(_, id)| id).or_else(|| ids.iter().map(String::as_str).min()).unwrap_or("")
}

/// A field on which sources disagree, with what each says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// `published`, `withdrawn`, `cvss_v3`, `weaknesses`, `status:<product>`, …
    pub field: String,
    /// (source label `format:publisher:id`, value), one per source that says something.
    pub values: Vec<(String, String)>,
}

/// One vulnerability: every id, every source's record, the merged view and the conflicts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    /// Every id, sorted (`id` among them).
    pub ids: Vec<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Withdrawn or rejected by every source that has a record of it.
    pub withdrawn: bool,
    /// One score per kind, from the most trusted source that gives one.
    pub scores: Vec<Score>,
    pub weaknesses: Vec<Weakness>,
    pub affected: Vec<AffectedProduct>,
    pub references: Vec<Reference>,
    pub exploitation: Option<Exploitation>,
    /// SSVC decision points sources gave (CISA's ADP container).
    pub ssvc: Vec<(String, String)>,
    pub conflicts: Vec<Conflict>,
    pub records: Vec<SourceRecord>,
}

/// Order of trust for the merged view: the CNA speaks for the product, a vendor's CSAF next, then
/// the ecosystem databases (OSV), then CISA's enrichments.
fn trust(r: &SourceRecord) -> u8 {
    match r.source.as_ref().map(|s| s.format) {
        Some(Format::Cve5Cna) => 0,
        Some(Format::Csaf) => 1,
        Some(Format::Osv) => 2,
        Some(Format::Cve5Adp) => 3,
        Some(Format::Kev) => 4,
        None => 5,
    }
}

fn label(r: &SourceRecord) -> String {
    match &r.source {
        Some(s) => format!("{}:{}:{}", s.format.name(), s.publisher, r.id),
        None => r.id.clone(),
    }
}

/// Groups records into vulnerabilities through their ids and aliases.
pub fn merge(records: Vec<SourceRecord>) -> Vec<Vulnerability> {
    let mut graph = AliasGraph::new();
    for r in &records {
        graph.link(std::iter::once(r.id.as_str()).chain(r.aliases.iter().map(String::as_str)));
    }
    let groups = graph.groups();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (g, ids) in groups.iter().enumerate() {
        for id in ids {
            group_of.insert(id.as_str(), g);
        }
    }
    let mut members: Vec<Vec<SourceRecord>> = vec![Vec::new(); groups.len()];
    for r in records {
        if let Some(&g) = group_of.get(r.id.trim()) {
            members[g].push(r);
        }
    }
    groups.into_iter().zip(members).filter(|(_, m)| !m.is_empty()).map(|(ids, m)| vulnerability(ids, m)).collect()
}

/// The merged view of one group of records.
pub fn vulnerability(ids: Vec<String>, mut records: Vec<SourceRecord>) -> Vulnerability {
    records.sort_by(|a, b| trust(a).cmp(&trust(b)).then_with(|| label(a).cmp(&label(b))));
    let first = |f: &dyn Fn(&SourceRecord) -> Option<String>| records.iter().find_map(f);
    let id = canonical_id(&ids).to_string();
    let mut v = Vulnerability {
        id,
        title: first(&|r| r.title.clone()),
        description: first(&|r| r.description.clone()),
        published: records.iter().filter_map(|r| r.published.clone()).min(),
        modified: records.iter().filter_map(|r| r.modified.clone()).max(),
        withdrawn: records.iter().all(|r| r.withdrawn.is_some()),
        ids,
        scores: Vec::new(),
        weaknesses: Vec::new(),
        affected: Vec::new(),
        references: Vec::new(),
        exploitation: None,
        ssvc: Vec::new(),
        conflicts: Vec::new(),
        records: Vec::new(),
    };
    // Scores: the most trusted per kind; different vectors of one kind are a conflict.
    let mut by_kind: BTreeMap<String, Vec<(String, &Score)>> = BTreeMap::new();
    for r in &records {
        for s in &r.scores {
            by_kind.entry(s.kind.clone()).or_default().push((label(r), s));
        }
    }
    for (kind, scores) in &by_kind {
        v.scores.push(scores[0].1.clone());
        let vectors: BTreeSet<&str> = scores.iter().map(|(_, s)| s.vector.as_str()).collect();
        if vectors.len() > 1 {
            v.conflicts.push(Conflict { field: kind.to_ascii_lowercase(), values: scores.iter().map(|(l, s)| (l.clone(), s.vector.clone())).collect() });
        }
    }
    // Weaknesses: the union; sources naming different sets disagree.
    let sets: Vec<(String, BTreeSet<&str>)> =
        records.iter().filter(|r| !r.weaknesses.is_empty()).map(|r| (label(r), r.weaknesses.iter().map(|w| w.id.as_str()).collect())).collect();
    if sets.windows(2).any(|w| w[0].1 != w[1].1) {
        v.conflicts.push(Conflict {
            field: "weaknesses".into(),
            values: sets.iter().map(|(l, s)| (l.clone(), s.iter().copied().collect::<Vec<_>>().join(","))).collect(),
        });
    }
    for r in &records {
        for w in &r.weaknesses {
            match v.weaknesses.iter_mut().find(|x| x.id == w.id) {
                Some(x) => {
                    if x.name.is_none() {
                        x.name = w.name.clone();
                    }
                }
                None => v.weaknesses.push(w.clone()),
            }
        }
    }
    // Withdrawn by some sources only.
    if !v.withdrawn && records.iter().any(|r| r.withdrawn.is_some()) {
        v.conflicts.push(Conflict {
            field: "withdrawn".into(),
            values: records.iter().map(|r| (label(r), r.withdrawn.clone().unwrap_or_else(|| "no".into()))).collect(),
        });
    }
    // Published dates that differ by more than a day (sources publish on their own schedules;
    // only the day is compared).
    let days: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.source.as_ref().is_some_and(|s| s.format != Format::Kev))
        .filter_map(|r| r.published.as_deref())
        .map(|p| p.get(..10).unwrap_or(p))
        .collect();
    if days.len() > 1 {
        v.conflicts.push(Conflict { field: "published".into(), values: records.iter().filter_map(|r| Some((label(r), r.published.clone()?))).collect() });
    }
    // Affected products: all of them; the same product with different statuses is a conflict.
    let mut statuses: BTreeMap<String, Vec<(String, Status)>> = BTreeMap::new();
    for r in &records {
        for a in &r.affected {
            if !v.affected.contains(a) {
                v.affected.push(a.clone());
            }
            if let Some(key) = product_key(&a.product) {
                let entry = statuses.entry(key).or_default();
                if !entry.iter().any(|(l, s)| *l == label(r) && *s == a.status) {
                    entry.push((label(r), a.status));
                }
            }
        }
    }
    for (product, said) in statuses {
        let distinct: BTreeSet<Status> = said.iter().map(|(_, s)| *s).collect();
        let sources: BTreeSet<&str> = said.iter().map(|(l, _)| l.as_str()).collect();
        // One source giving several statuses (affected up to a version, fixed after) is normal; two
        // sources giving only different ones is not.
        if distinct.len() > 1 && sources.len() > 1 && !said.iter().all(|(l, _)| said.iter().filter(|(m, _)| m == l).count() == distinct.len()) {
            v.conflicts.push(Conflict { field: format!("status:{product}"), values: said.iter().map(|(l, s)| (l.clone(), format!("{s:?}"))).collect() });
        }
    }
    for r in &records {
        for x in &r.references {
            if !v.references.iter().any(|y| y.url == x.url) {
                v.references.push(x.clone());
            }
        }
        if let Some(e) = &r.exploitation {
            let m = v.exploitation.get_or_insert_with(Exploitation::default);
            m.in_kev |= e.in_kev;
            m.date_added = m.date_added.clone().or(e.date_added.clone());
            m.due_date = m.due_date.clone().or(e.due_date.clone());
            m.ransomware = m.ransomware.clone().or(e.ransomware.clone());
            m.required_action = m.required_action.clone().or(e.required_action.clone());
            m.vulnerability_name = m.vulnerability_name.clone().or(e.vulnerability_name.clone());
        }
        for pair in &r.ssvc {
            if !v.ssvc.contains(pair) {
                v.ssvc.push(pair.clone());
            }
        }
    }
    v.records = records;
    v
}

/// A key that says two sources speak of the same product: the package (ecosystem and name), else
/// the purl without version, else vendor and product name, lower-cased.
fn product_key(p: &Product) -> Option<String> {
    if let (Some(e), Some(n)) = (&p.ecosystem, &p.package) {
        return Some(format!("{e}/{n}").to_lowercase());
    }
    if let Some(purl) = &p.purl {
        return Some(purl.split(['@', '?', '#']).next().unwrap_or(purl).to_lowercase());
    }
    match (&p.vendor, &p.name) {
        (Some(v), Some(n)) => Some(format!("{v}/{n}").to_lowercase()),
        (None, Some(n)) => Some(n.to_lowercase()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn canonical_prefers_the_earliest_cve() {
        assert_eq!(canonical_id(&ids(&["GHSA-xxxx", "CVE-2021-10000", "CVE-2021-9999"])), "CVE-2021-9999");
        assert_eq!(canonical_id(&ids(&["RUSTSEC-2021-0001", "GHSA-aaaa"])), "GHSA-aaaa");
    }

    #[test]
    fn links_are_transitive_and_order_free() {
        let mut a = AliasGraph::new();
        a.link(["GO-1", "CVE-2020-1"]);
        a.link(["GHSA-1", "CVE-2020-1"]);
        a.link(["GO-2"]);
        let mut b = AliasGraph::new();
        b.link(["GO-2"]);
        b.link(["GHSA-1", "CVE-2020-1"]);
        b.link(["GO-1", "CVE-2020-1"]);
        assert_eq!(a.groups(), b.groups());
        assert_eq!(a.groups(), vec![ids(&["CVE-2020-1", "GHSA-1", "GO-1"]), ids(&["GO-2"])]);
    }
}
