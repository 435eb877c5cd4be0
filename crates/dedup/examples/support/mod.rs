//! The labelled sets of the dedup evaluation and their metrics, shared by the `dedup_eval` example and the
//! `labelled` integration test (included by both with `#[path]`). Reads files: this is the evaluator, not
//! the library.
//!
//! - Juliet reworded (`testdata/juliet-reworded.json`, in the repository): hand-written reports about Juliet
//!   C cases, 2-3 per case; duplicates are the reports of one case; every pair is judged.
//! - Go CNA vs OSV (`cve5/go-cna/*.json` against `advisories/go/*.json`): each CNA container is a new
//!   report looked up in an index of every Go OSV record; the duplicate is the OSV record whose aliases
//!   hold the container's CVE id. Judged: every (CNA, OSV) pair.
//! - Alias clusters (`advisories/{rustsec,go}`): records whose ids and aliases overlap (union-find) are
//!   one vulnerability; records arrive one by one and are looked up among the earlier ones; every pair is
//!   judged.
//!
//! Ids and aliases never reach the fingerprints, and ids written in the text (CVE, GHSA, GO, RUSTSEC,
//! ...) are removed first: the sets measure what the words, packages and locations alone find. The Go
//! database's machine-added paragraph about unmapped versions is removed too (see [`GO_BOILERPLATE`]).

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use clearinghouse_dedup::{Features, Fingerprint, Index, Params, ReportText, TokenSet, estimate_similarity, fingerprint_tokens, jaccard};
use serde_json::Value;

/// The hand-written Juliet reports, embedded.
pub const JULIET_REWORDED: &str = include_str!("../../testdata/juliet-reworded.json");

/// Which side of a cross evaluation a document is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Filed in the index.
    Existing,
    /// Looked up in the index.
    New,
}

/// Which pairs are judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every pair of documents (each arrives and is looked up among the earlier ones).
    AllPairs,
    /// Every (New, Existing) pair.
    Cross,
}

#[derive(Clone, Debug)]
pub struct Doc {
    pub id: String,
    pub report: ReportText,
    /// Documents with the same cluster are duplicates.
    pub cluster: usize,
    pub side: Side,
}

#[derive(Clone, Debug)]
pub struct LabelledSet {
    pub name: &'static str,
    pub docs: Vec<Doc>,
    pub scope: Scope,
    /// Clusters with two or more documents (the duplicate groups).
    pub duplicate_clusters: usize,
    /// Notes about the data worth printing.
    pub notes: Vec<String>,
}

// ---- loaders ------------------------------------------------------------------------------------------

/// The Juliet reworded set from its JSON.
pub fn juliet(json: &str) -> Result<LabelledSet, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("juliet-reworded.json: {e}"))?;
    let reports = v["reports"].as_array().ok_or("juliet-reworded.json: no reports array")?;
    let mut clusters: HashMap<String, usize> = HashMap::new();
    let mut docs = Vec::new();
    for r in reports {
        let bug = r["bug"].as_str().ok_or("report without bug")?.to_string();
        let n = clusters.len();
        let cluster = *clusters.entry(bug).or_insert(n);
        let report: ReportText = serde_json::from_value(r.clone()).map_err(|e| format!("report {}: {e}", r["id"]))?;
        docs.push(Doc { id: r["id"].as_str().unwrap_or("?").to_string(), report, cluster, side: Side::Existing });
    }
    let dup = count_duplicate_clusters(&docs);
    Ok(LabelledSet { name: "juliet-reworded", docs, scope: Scope::AllPairs, duplicate_clusters: dup, notes: vec![] })
}

fn count_duplicate_clusters(docs: &[Doc]) -> usize {
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for d in docs {
        *sizes.entry(d.cluster).or_default() += 1;
    }
    sizes.values().filter(|&&n| n > 1).count()
}

/// Every `*.json` file of a folder, sorted by name, parsed.
fn read_json_dir(dir: &Path) -> Result<Vec<(String, Value)>, String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let v = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok((p.file_stem().unwrap_or_default().to_string_lossy().into_owned(), v))
        })
        .collect()
}

/// Removes vulnerability ids written in text (CVE-, GHSA-, GO-, RUSTSEC-, PYSEC-, OSV-, TROVE- followed by
/// their numbers), so that the evaluation cannot match on them.
pub fn scrub_ids(text: &str) -> String {
    const PREFIXES: &[&str] = &["cve-", "ghsa-", "go-", "rustsec-", "pysec-", "osv-", "trove-"];
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_ascii_lowercase();
        let is_id = PREFIXES.iter().any(|p| {
            lower
                .strip_prefix(p)
                .is_some_and(|rest| !rest.is_empty() && rest.chars().any(|c| c.is_ascii_digit()) && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        });
        if !is_id {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn str_of(v: &Value) -> String {
    v.as_str().map(scrub_ids).unwrap_or_default()
}

fn push_unique(list: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !list.iter().any(|x| x == s) {
        list.push(s.to_string());
    }
}

/// A CVE JSON 5 CNA container as a report: title, English descriptions, affected package names (else
/// products), the first affected Go package path as the location.
pub fn report_from_cna(cna: &Value) -> ReportText {
    let descriptions = cna["descriptions"].as_array().cloned().unwrap_or_default();
    let english: Vec<String> = descriptions.iter().filter(|d| d["lang"].as_str().is_some_and(|l| l.starts_with("en"))).map(|d| str_of(&d["value"])).collect();
    let description = if english.is_empty() { descriptions.iter().map(|d| str_of(&d["value"])).collect::<Vec<_>>() } else { english }.join("\n");
    let mut packages = Vec::new();
    let mut location = None;
    for a in cna["affected"].as_array().into_iter().flatten() {
        let name = a["packageName"].as_str().or_else(|| a["product"].as_str()).unwrap_or("");
        push_unique(&mut packages, name);
        if location.is_none() && !name.is_empty() {
            location = Some(name.to_string());
        }
    }
    ReportText { title: str_of(&cna["title"]), description, packages, location }
}

/// Paragraphs the Go vulnerability database adds by machine to records whose source advisory lists
/// versions it could not map (504 records): database boilerplate, not what anyone reported. Kept, they make
/// every two short records that carry them look alike.
const GO_BOILERPLATE: &[&str] = &[
    "NOTE: The source advisory for this report contains additional versions",
    "(If this is causing false-positive reports from vulnerability scanners",
    "The additional affected modules and versions are:",
];

/// `details` without the [`GO_BOILERPLATE`] paragraphs.
pub fn strip_boilerplate(details: &str) -> String {
    details.split("\n\n").filter(|para| !GO_BOILERPLATE.iter().any(|b| para.trim_start().starts_with(b))).collect::<Vec<_>>().join("\n\n")
}

/// An OSV record as a report: summary, details (without the Go database's boilerplate paragraphs),
/// affected package names (the purl when the record gives one), and a location: the first Go import path,
/// else the first RustSec affected function.
pub fn report_from_osv(r: &Value) -> ReportText {
    let mut packages = Vec::new();
    let mut location: Option<String> = None;
    for a in r["affected"].as_array().into_iter().flatten() {
        let p = &a["package"];
        push_unique(&mut packages, p["purl"].as_str().or_else(|| p["name"].as_str()).unwrap_or(""));
        let es = &a["ecosystem_specific"];
        if location.is_none() {
            location = es["imports"][0]["path"].as_str().or_else(|| es["affects"]["functions"][0].as_str()).map(String::from);
        }
    }
    let description = scrub_ids(&strip_boilerplate(r["details"].as_str().unwrap_or("")));
    ReportText { title: str_of(&r["summary"]), description, packages, location }
}

/// Union-find over strings.
#[derive(Default)]
struct Clusters {
    parent: HashMap<String, String>,
}

impl Clusters {
    fn find(&mut self, x: &str) -> String {
        let mut cur = x.to_string();
        loop {
            let p = self.parent.entry(cur.clone()).or_insert_with(|| cur.clone()).clone();
            if p == cur {
                return cur;
            }
            cur = p;
        }
    }

    fn union(&mut self, a: &str, b: &str) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent.insert(ra, rb);
        }
    }
}

fn ids_of(r: &Value) -> Vec<String> {
    let mut ids = vec![r["id"].as_str().unwrap_or("").to_string()];
    ids.extend(r["aliases"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).map(String::from));
    ids
}

/// Numbers the clusters of `keys` (each document's root in `uf`) in first-seen order.
fn number_clusters(uf: &mut Clusters, keys: &[String]) -> Vec<usize> {
    let mut numbers: HashMap<String, usize> = HashMap::new();
    keys.iter()
        .map(|k| {
            let root = uf.find(k);
            let n = numbers.len();
            *numbers.entry(root).or_insert(n)
        })
        .collect()
}

/// Go CNA containers (new) against Go OSV records (existing), linked by CVE id and aliases.
pub fn go_cna_vs_osv(data: &Path) -> Result<LabelledSet, String> {
    let cnas = read_json_dir(&data.join("cve5/go-cna"))?;
    let osvs = read_json_dir(&data.join("advisories/go"))?;
    let mut uf = Clusters::default();
    let mut docs = Vec::new();
    let mut keys = Vec::new();
    for (_, r) in &osvs {
        let ids = ids_of(r);
        for a in &ids[1..] {
            uf.union(&ids[0], a);
        }
        keys.push(ids[0].clone());
        docs.push(Doc { id: ids[0].clone(), report: report_from_osv(r), cluster: 0, side: Side::Existing });
    }
    let mut unlinked = 0;
    for (name, c) in &cnas {
        let cve = c["cveMetadata"]["cveId"].as_str().unwrap_or("").to_string();
        if !uf.parent.contains_key(&cve) {
            unlinked += 1;
        }
        let cna = if c["containers"]["cna"].is_object() { &c["containers"]["cna"] } else { c };
        keys.push(cve.clone());
        docs.push(Doc { id: format!("{cve} (CNA, {name})"), report: report_from_cna(cna), cluster: 0, side: Side::New });
    }
    for (d, n) in docs.iter_mut().zip(number_clusters(&mut uf, &keys)) {
        d.cluster = n;
    }
    let notes = vec![format!("{} CNA containers, {} OSV records, {unlinked} containers with no OSV record", cnas.len(), osvs.len())];
    let dup = cnas.len() - unlinked;
    Ok(LabelledSet { name: "go-cna-vs-osv", docs, scope: Scope::Cross, duplicate_clusters: dup, notes })
}

/// Every RustSec and Go OSV record; duplicates are records whose ids and aliases overlap.
pub fn alias_clusters(data: &Path) -> Result<LabelledSet, String> {
    let mut records = read_json_dir(&data.join("advisories/rustsec"))?;
    records.extend(read_json_dir(&data.join("advisories/go"))?);
    let mut uf = Clusters::default();
    let mut keys = Vec::new();
    let mut docs = Vec::new();
    for (_, r) in &records {
        let ids = ids_of(r);
        for a in &ids[1..] {
            uf.union(&ids[0], a);
        }
        keys.push(ids[0].clone());
        docs.push(Doc { id: ids[0].clone(), report: report_from_osv(r), cluster: 0, side: Side::Existing });
    }
    for (d, n) in docs.iter_mut().zip(number_clusters(&mut uf, &keys)) {
        d.cluster = n;
    }
    let mut members: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for d in &docs {
        members.entry(d.cluster).or_default().push(&d.id);
    }
    let groups: Vec<&Vec<&str>> = members.values().filter(|m| m.len() > 1).collect();
    let cross = groups.iter().filter(|m| m.iter().any(|i| i.starts_with("GO-")) && m.iter().any(|i| i.starts_with("RUSTSEC-"))).count();
    let notes = vec![format!(
        "{} records, {} alias clusters of 2+ records ({} RustSec-only, {} RustSec+Go, {} Go-only), {} records in them",
        docs.len(),
        groups.len(),
        groups.iter().filter(|m| m.iter().all(|i| i.starts_with("RUSTSEC-"))).count(),
        cross,
        groups.iter().filter(|m| m.iter().all(|i| i.starts_with("GO-"))).count(),
        groups.iter().map(|m| m.len()).sum::<usize>()
    )];
    let dup = groups.len();
    Ok(LabelledSet { name: "alias-clusters", docs, scope: Scope::AllPairs, duplicate_clusters: dup, notes })
}

// ---- evaluation ---------------------------------------------------------------------------------------

/// One candidate pair (sharing at least one band key).
#[derive(Clone, Debug)]
pub struct Candidate {
    pub a: usize,
    pub b: usize,
    pub estimate: f64,
    pub exact: f64,
    pub positive: bool,
}

/// The candidates of a set under one setting, before any threshold.
pub struct Run {
    pub pairs: u64,
    pub positives: u64,
    pub candidates: Vec<Candidate>,
    /// Positive pairs that never became candidates: (a, b, exact similarity).
    pub missed: Vec<(usize, usize, f64)>,
    pub fingerprint_time: Duration,
    pub query_time: Duration,
    pub queries: usize,
    pub docs: usize,
}

/// Fingerprints every document, then files and looks up as the scope says.
pub fn run(set: &LabelledSet, features: &Features, params: &Params) -> Run {
    let start = Instant::now();
    let tokens: Vec<TokenSet> = set.docs.iter().map(|d| TokenSet::with_features(&d.report, features)).collect();
    let prints: Vec<Fingerprint> = tokens.iter().map(|t| fingerprint_tokens(t, params)).collect();
    let fingerprint_time = start.elapsed();

    // Timed from here: the lookups and their verification (and, for all pairs, filing each report after
    // its lookup, as a store would on arrival).
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut index: Index<usize> = Index::new();
    if set.scope == Scope::Cross {
        for (i, fp) in prints.iter().enumerate() {
            if set.docs[i].side == Side::Existing {
                index.insert(i, fp.clone());
            }
        }
    }
    let start = Instant::now();
    let mut queries = 0;
    match set.scope {
        Scope::AllPairs => {
            for (i, fp) in prints.iter().enumerate() {
                queries += 1;
                found.extend(index.candidates(fp).into_iter().map(|j| (j, i)));
                index.insert(i, fp.clone());
            }
        }
        Scope::Cross => {
            for (i, fp) in prints.iter().enumerate() {
                if set.docs[i].side == Side::New {
                    queries += 1;
                    found.extend(index.candidates(fp).into_iter().map(|j| (j, i)));
                }
            }
        }
    }
    // Verification: what a store does with each candidate (the estimate from the two signatures).
    let candidates: Vec<Candidate> = found
        .iter()
        .map(|&(a, b)| Candidate {
            a,
            b,
            estimate: estimate_similarity(&prints[a], &prints[b]),
            exact: f64::NAN,
            positive: set.docs[a].cluster == set.docs[b].cluster,
        })
        .collect();
    let query_time = start.elapsed();
    let candidates: Vec<Candidate> = candidates.into_iter().map(|c| Candidate { exact: jaccard(&tokens[c.a], &tokens[c.b]), ..c }).collect();

    let (pairs, positives, all_positive_pairs) = judged_pairs(set);
    let found_set: std::collections::HashSet<(usize, usize)> = found.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let missed = all_positive_pairs.into_iter().filter(|p| !found_set.contains(p)).map(|(a, b)| (a, b, jaccard(&tokens[a], &tokens[b]))).collect();
    Run { pairs, positives, candidates, missed, fingerprint_time, query_time, queries, docs: set.docs.len() }
}

/// (judged pairs, positive pairs, the positive pairs as (min, max) indexes).
fn judged_pairs(set: &LabelledSet) -> (u64, u64, Vec<(usize, usize)>) {
    let mut by_cluster: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, d) in set.docs.iter().enumerate() {
        by_cluster.entry(d.cluster).or_default().push(i);
    }
    let mut positive = Vec::new();
    for members in by_cluster.values() {
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                let judged = match set.scope {
                    Scope::AllPairs => true,
                    Scope::Cross => set.docs[a].side != set.docs[b].side,
                };
                if judged {
                    positive.push((a.min(b), a.max(b)));
                }
            }
        }
    }
    let n = set.docs.len() as u64;
    let pairs = match set.scope {
        Scope::AllPairs => n * n.saturating_sub(1) / 2,
        Scope::Cross => {
            let new = set.docs.iter().filter(|d| d.side == Side::New).count() as u64;
            new * (n - new)
        }
    };
    (pairs, positive.len() as u64, positive)
}

/// Precision and recall at one threshold.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Metrics {
    pub set: String,
    pub docs: usize,
    pub duplicate_clusters: usize,
    pub pairs: u64,
    pub positives: u64,
    pub candidates: usize,
    pub candidate_recall: f64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    /// False positives whose feature sets are identical (exact Jaccard 1): records that say the same words
    /// about the same package yet are not linked by ids, where the labels rather than the detector err.
    pub false_positives_identical: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Precision, recall and F1 when candidates are verified by the exact Jaccard of the feature sets.
    pub exact_precision: f64,
    pub exact_recall: f64,
    pub exact_f1: f64,
    pub candidates_per_query: f64,
    pub fingerprints_per_second: f64,
    pub queries_per_second: f64,
}

fn prf(tp: u64, fp: u64, positives: u64) -> (f64, f64, f64) {
    let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    let recall = if positives == 0 { 1.0 } else { tp as f64 / positives as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    (precision, recall, f1)
}

pub fn metrics(set: &LabelledSet, run: &Run, threshold: f64) -> Metrics {
    let kept = |s: f64| s > 0.0 && s >= threshold;
    let tp = run.candidates.iter().filter(|c| c.positive && kept(c.estimate)).count() as u64;
    let fp = run.candidates.iter().filter(|c| !c.positive && kept(c.estimate)).count() as u64;
    let fp_identical = run.candidates.iter().filter(|c| !c.positive && kept(c.estimate) && c.exact >= 1.0).count() as u64;
    let (precision, recall, f1) = prf(tp, fp, run.positives);
    let etp = run.candidates.iter().filter(|c| c.positive && kept(c.exact)).count() as u64;
    let efp = run.candidates.iter().filter(|c| !c.positive && kept(c.exact)).count() as u64;
    let (exact_precision, exact_recall, exact_f1) = prf(etp, efp, run.positives);
    let cand_pos = run.candidates.iter().filter(|c| c.positive).count() as u64;
    let per_sec = |n: usize, d: Duration| if d.as_secs_f64() > 0.0 { n as f64 / d.as_secs_f64() } else { f64::INFINITY };
    Metrics {
        set: set.name.to_string(),
        docs: run.docs,
        duplicate_clusters: set.duplicate_clusters,
        pairs: run.pairs,
        positives: run.positives,
        candidates: run.candidates.len(),
        candidate_recall: if run.positives == 0 { 1.0 } else { cand_pos as f64 / run.positives as f64 },
        true_positives: tp,
        false_positives: fp,
        false_negatives: run.positives - tp,
        false_positives_identical: fp_identical,
        precision,
        recall,
        f1,
        exact_precision,
        exact_recall,
        exact_f1,
        candidates_per_query: if run.queries == 0 { 0.0 } else { run.candidates.len() as f64 / run.queries as f64 },
        fingerprints_per_second: per_sec(run.docs, run.fingerprint_time),
        queries_per_second: per_sec(run.queries, run.query_time),
    }
}

/// The errors at one threshold, for reading: false positives (most similar first) and false negatives
/// (candidates under the threshold and positives that never became candidates).
pub fn errors(set: &LabelledSet, run: &Run, threshold: f64, limit: usize) -> Vec<String> {
    let mut fps: Vec<&Candidate> = run.candidates.iter().filter(|c| !c.positive && c.estimate >= threshold && c.estimate > 0.0).collect();
    fps.sort_by(|a, b| b.estimate.total_cmp(&a.estimate));
    let mut fns: Vec<(usize, usize, f64, String)> = run
        .candidates
        .iter()
        .filter(|c| c.positive && !(c.estimate >= threshold && c.estimate > 0.0))
        .map(|c| (c.a, c.b, c.exact, format!("est {:.2}", c.estimate)))
        .collect();
    fns.extend(run.missed.iter().map(|&(a, b, j)| (a, b, j, "no shared band".to_string())));
    fns.sort_by(|a, b| b.2.total_cmp(&a.2));
    let name = |i: usize| format!("{} [{}]", set.docs[i].id, set.docs[i].report.title.chars().take(70).collect::<String>());
    let mut out = Vec::new();
    for c in fps.iter().take(limit) {
        out.push(format!("FP est {:.2} exact {:.2}: {}  <->  {}", c.estimate, c.exact, name(c.a), name(c.b)));
    }
    for (a, b, j, why) in fns.iter().take(limit) {
        out.push(format!("FN exact {j:.2} ({why}): {}  <->  {}", name(*a), name(*b)));
    }
    out
}
