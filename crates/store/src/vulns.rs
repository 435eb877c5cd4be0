//! Vulnerabilities: every source record (OSV, CVE 5, CSAF, KEV) kept whole, grouped by the alias
//! graph into one vulnerability each, with the merged view and its priority. The rules live here;
//! the backends read and write rows around them (`vulns.rs` in each).
//!
//! An import changes the groups its records touch and nothing else: the backend loads the source
//! records of every vulnerability that shares an id with the batch, [`regroup`] merges them with
//! the batch, and the backend replaces those vulnerabilities (their ids may change: two groups
//! joined by a new alias become one) in the same transaction as the audit event.

use clearinghouse_advisory::{SourceRecord, Vulnerability, merge};
use clearinghouse_model::Tlp;
use clearinghouse_ssvc::{Decision, Registry};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// A source record to import, with who may read it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSourceRecord {
    pub record: SourceRecord,
    /// Only TLP:CLEAR for now: a vulnerability merges what several sources say, and a merged
    /// view that mixes labels needs per-field redaction, which the store does not do yet.
    pub tlp: Tlp,
}

/// The key a source record is stored under: the same source's newer copy replaces it.
pub fn source_key(r: &SourceRecord) -> String {
    match &r.source {
        Some(s) => format!("{}:{}:{}", s.format.name(), s.publisher, r.id),
        None => format!("unknown::{}", r.id),
    }
}

/// Whether `new` should replace `old` (same key): a later `modified`, or the same with other
/// content (a source may correct a record without moving its date). Equal records are unchanged.
pub fn replaces(new: &SourceRecord, old: &SourceRecord) -> bool {
    match (&new.modified, &old.modified) {
        (Some(n), Some(o)) if n < o => false,
        _ => new != old,
    }
}

/// What one import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VulnImportSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Vulnerabilities written (created or changed).
    pub vulnerabilities_changed: usize,
    /// Vulnerability ids that no longer name a vulnerability of their own: joined into another by
    /// a new alias, or renamed (a CVE id arrived for what was known by a GHSA id).
    pub vulnerabilities_removed: usize,
}

/// The clearinghouse's priority for a vulnerability: CISA's coordinator decision when its inputs
/// are known, KEV, the highest CVSS base score a source states.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub kev: bool,
    pub cvss: Option<f64>,
    /// The coordinator table's inputs known about the vulnerability itself (`E`, `A`, `TI`, by
    /// key), whether or not they suffice for a decision: operators' findings decide with them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
    /// The decision with its inputs and the table's version.
    pub ssvc: Option<Decision>,
    /// Why there is no decision: the inputs that are missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssvc_missing: Vec<String>,
}

impl Priority {
    /// The decision's rank (Track 0 … Act 3), for sorting; `None` without a decision.
    pub fn ssvc_rank(&self) -> Option<i64> {
        self.ssvc.as_ref().map(|d| d.outcome.ordinal as i64)
    }

    pub fn ssvc_outcome(&self) -> Option<&str> {
        self.ssvc.as_ref().map(|d| d.outcome.name.as_str())
    }
}

/// Mission and Well-Being Impact the clearinghouse assumes for its own priority, where no operator's
/// mission applies: the middle value. Operators' findings are prioritised with their own settings.
pub const DEFAULT_MISSION_AND_WELL_BEING: &str = "M";

/// CISA's ADP container writes SSVC values as words (`poc`, `total`); the table's keys are letters.
fn adp_value(point: &str, value: &str) -> Option<(&'static str, &'static str)> {
    let v = value.trim().to_ascii_lowercase();
    Some(match (point.trim().to_ascii_lowercase().as_str(), v.as_str()) {
        ("exploitation", "none") => ("E", "N"),
        ("exploitation", "poc" | "public poc") => ("E", "P"),
        ("exploitation", "active") => ("E", "A"),
        ("automatable", "no") => ("A", "N"),
        ("automatable", "yes") => ("A", "Y"),
        ("technical impact", "partial") => ("TI", "P"),
        ("technical impact", "total") => ("TI", "T"),
        _ => return None,
    })
}

/// The priority of a merged vulnerability. `public_poc`: the clearinghouse holds a validated proof
/// of concept that is public (it raises Exploitation to Public PoC).
pub fn priority(v: &Vulnerability, public_poc: bool) -> Priority {
    let kev = v.exploitation.as_ref().is_some_and(|e| e.in_kev);
    let cvss = v
        .records
        .iter()
        .flat_map(|r| &r.scores)
        .filter(|s| s.kind.starts_with("CVSS_"))
        // A source that gives only the vector (OSV does) is scored here.
        .filter_map(|s| s.base_score.or_else(|| clearinghouse_model::validate::parse_cvss(s.vector.trim()).ok().map(|c| c.base_score)))
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    let mut inputs: BTreeMap<&str, &str> = BTreeMap::new();
    for (point, value) in &v.ssvc {
        if let Some((k, val)) = adp_value(point, value) {
            inputs.insert(k, val);
        }
    }
    // KEV and our own public proof of concept can only raise Exploitation.
    let derived = clearinghouse_ssvc::derive::exploitation(kev, public_poc);
    let rank = |e: &str| ["N", "P", "A"].iter().position(|x| *x == e).unwrap_or(0);
    if inputs.get("E").is_none_or(|e| rank(derived) > rank(e)) {
        inputs.insert("E", derived);
    }
    if !inputs.contains_key("A")
        && let Some(a) = v.scores.iter().find_map(|s| clearinghouse_ssvc::derive::automatable_from_cvss_v4(&s.vector))
    {
        inputs.insert("A", a);
    }
    let known = inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    inputs.insert("MWI", DEFAULT_MISSION_AND_WELL_BEING);
    let missing: Vec<String> = ["A", "TI"].iter().filter(|k| !inputs.contains_key(**k)).map(|k| k.to_string()).collect();
    let ssvc = if missing.is_empty() {
        Registry::builtin().cisa_coordinator().and_then(|t| t.decide(&inputs.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>()).ok())
    } else {
        None
    };
    Priority { kev, cvss, inputs: known, ssvc, ssvc_missing: missing }
}

/// A vulnerability as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredVulnerability {
    pub vulnerability: Vulnerability,
    pub priority: Priority,
    /// The audit sequence number of the import that last changed it.
    pub change_seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl StoredVulnerability {
    /// The access metadata the policy decides on: every source record is TLP:CLEAR (the import
    /// refuses others), so the merged view is too.
    pub fn access(&self) -> clearinghouse_model::policy::Access<'static> {
        crate::assets::advisory_access(Tlp::Clear, None)
    }
}

/// How `GET /v1/vulns` orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VulnOrder {
    /// SSVC outcome (Act first), then KEV, then CVSS, then id.
    #[default]
    Priority,
    /// Most recently changed first.
    Changed,
}

/// The sort key of [`VulnOrder::Priority`], the same in every backend: larger first on the three
/// numbers (a missing one is below every present one), then id ascending.
pub fn priority_key(p: &Priority, id: &str) -> (i64, i64, i64, String) {
    (p.ssvc_rank().unwrap_or(-1), i64::from(p.kev), p.cvss.map_or(-1, |c| (c * 10.0).round() as i64), id.to_string())
}

/// The result of regrouping: the vulnerabilities to write, and the old ids to delete.
#[derive(Debug, Default)]
pub struct Regrouped {
    pub write: Vec<(Vulnerability, Priority)>,
    /// Old vulnerability ids that no longer exist (joined into another, or renamed).
    pub delete: Vec<String>,
}

/// Merges the batch with the existing records of every vulnerability it touches. `existing`: the
/// stored source records of those vulnerabilities (by source key), `old_ids`: their ids,
/// `public_poc`: the ids with a validated public proof of concept (`vuln_evidence`), which raise
/// Exploitation to Public PoC for whichever vulnerability holds them now.
pub fn regroup(
    existing: BTreeMap<String, SourceRecord>,
    batch: &BTreeMap<String, SourceRecord>,
    old_ids: &BTreeSet<String>,
    public_poc: &BTreeSet<String>,
) -> Regrouped {
    let mut all = existing;
    for (k, r) in batch {
        all.insert(k.clone(), r.clone());
    }
    let merged = merge(all.into_values().collect());
    let new_ids: BTreeSet<&str> = merged.iter().map(|v| v.id.as_str()).collect();
    let delete = old_ids.iter().filter(|id| !new_ids.contains(id.as_str())).cloned().collect();
    let write = merged.into_iter().map(|v| {
        let p = priority(&v, v.ids.iter().any(|id| public_poc.contains(id)));
        (v, p)
    });
    Regrouped { write: write.collect(), delete }
}

/// The records of a batch that change the store, by key: each is compared with the stored copy
/// under its key (`stored`), or with an earlier copy in the same batch, which it competes with as if
/// imported after it. The counts go into `summary`.
pub fn changed_records(batch: &[&SourceRecord], stored: &BTreeMap<String, SourceRecord>, summary: &mut VulnImportSummary) -> BTreeMap<String, SourceRecord> {
    let mut changed: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for new in batch {
        let key = source_key(new);
        match changed.get(&key).or(stored.get(&key)) {
            None => summary.inserted += 1,
            Some(old) if replaces(new, old) => summary.updated += 1,
            Some(_) => {
                summary.unchanged += 1;
                continue;
            }
        }
        changed.insert(key, (*new).clone());
    }
    changed
}

/// The details of a `vulnerabilities.imported` audit event.
pub fn audit_details(changed: &BTreeMap<String, SourceRecord>, unchanged: usize, regrouped: &Regrouped) -> serde_json::Value {
    serde_json::json!({"changed": changed.keys().collect::<Vec<_>>(), "unchanged": unchanged,
        "vulnerabilities": regrouped.write.iter().map(|(v, _)| &v.id).collect::<Vec<_>>(), "removed": regrouped.delete})
}

/// A `vulnerabilities` row.
#[derive(Debug)]
pub struct VulnerabilityRow {
    pub id: String,
    pub body: String,
    pub priority: String,
    pub ssvc_rank: i64,
    pub kev: i64,
    pub cvss10: i64,
}

/// A `source_records` row (the label is always CLEAR; see [`NewSourceRecord::tlp`]).
#[derive(Debug)]
pub struct SourceRecordRow {
    pub key: String,
    pub record_id: String,
    pub format: &'static str,
    pub vuln_id: String,
    pub modified: Option<String>,
    pub body: String,
}

/// Every row an import writes, for the backends to bind: the same in both.
#[derive(Debug, Default)]
pub struct ImportRows {
    pub vulnerabilities: Vec<VulnerabilityRow>,
    /// `(id, vulnerability id)` for every id of every vulnerability written.
    pub ids: Vec<(String, String)>,
    /// The batch's new and changed records.
    pub records: Vec<SourceRecordRow>,
    /// `(key, vulnerability id)`: records the batch did not change, now part of a vulnerability with
    /// another id (`filed_under` says where they were).
    pub moved: Vec<(String, String)>,
}

pub fn import_rows(
    regrouped: &Regrouped,
    changed: &BTreeMap<String, SourceRecord>,
    filed_under: &BTreeMap<String, String>,
) -> Result<ImportRows, serde_json::Error> {
    let mut rows = ImportRows::default();
    for (v, p) in &regrouped.write {
        let (ssvc_rank, kev, cvss10, _) = priority_key(p, &v.id);
        rows.vulnerabilities.push(VulnerabilityRow {
            id: v.id.clone(),
            body: serde_json::to_string(v)?,
            priority: serde_json::to_string(p)?,
            ssvc_rank,
            kev,
            cvss10,
        });
        rows.ids.extend(v.ids.iter().map(|id| (id.clone(), v.id.clone())));
        for r in &v.records {
            let key = source_key(r);
            if changed.contains_key(&key) {
                rows.records.push(SourceRecordRow {
                    record_id: r.id.clone(),
                    format: r.source.as_ref().map_or("unknown", |s| s.format.name()),
                    vuln_id: v.id.clone(),
                    modified: r.modified.clone(),
                    body: serde_json::to_string(r)?,
                    key,
                });
            } else if filed_under.get(&key) != Some(&v.id) {
                rows.moved.push((key, v.id.clone()));
            }
        }
    }
    Ok(rows)
}

/// Every id a batch's records name (their ids and aliases): the store looks these up to find the
/// vulnerabilities the batch touches.
pub fn batch_ids(batch: &BTreeMap<String, SourceRecord>) -> BTreeSet<String> {
    batch.values().flat_map(|r| std::iter::once(&r.id).chain(&r.aliases)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearinghouse_advisory::{Exploitation, Format, Score, Source};

    fn record(id: &str, aliases: &[&str]) -> SourceRecord {
        SourceRecord {
            source: Some(Source { format: Format::Osv, publisher: "TEST".into() }),
            id: id.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..SourceRecord::default()
        }
    }

    #[test]
    fn a_new_alias_joins_two_vulnerabilities() {
        let mut existing = BTreeMap::new();
        existing.insert("osv:TEST:GHSA-1".to_string(), record("GHSA-1", &[]));
        existing.insert("osv:TEST:GO-1".to_string(), record("GO-1", &[]));
        let mut batch = BTreeMap::new();
        batch.insert("osv:TEST:CVE-2024-1".to_string(), record("CVE-2024-1", &["GHSA-1", "GO-1"]));
        let old: BTreeSet<String> = ["GHSA-1".to_string(), "GO-1".to_string()].into();
        let r = regroup(existing, &batch, &old, &BTreeSet::new());
        assert_eq!(r.write.len(), 1);
        assert_eq!(r.write[0].0.id, "CVE-2024-1");
        assert_eq!(r.delete, ["GHSA-1", "GO-1"]);
    }

    #[test]
    fn priority_from_adp_and_kev() {
        let mut r = record("CVE-2024-2", &[]);
        r.ssvc = vec![("Exploitation".into(), "poc".into()), ("Automatable".into(), "yes".into()), ("Technical Impact".into(), "total".into())];
        r.scores =
            vec![Score { kind: "CVSS_V3".into(), vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(), base_score: Some(9.8), products: vec![] }];
        let v = merge(vec![r.clone()]).remove(0);
        let p = priority(&v, false);
        assert_eq!(p.cvss, Some(9.8));
        assert!(!p.kev);
        let poc = p.ssvc.as_ref().unwrap();
        // KEV makes exploitation active, which can only raise the outcome.
        r.exploitation = Some(Exploitation { in_kev: true, ..Exploitation::default() });
        let v = merge(vec![r]).remove(0);
        let active = priority(&v, false);
        assert!(active.kev);
        assert_eq!(active.ssvc.as_ref().unwrap().inputs.iter().find(|(k, _)| k == "E").map(|(_, v)| v.as_str()), Some("A"));
        assert!(active.ssvc_rank() >= Some(poc.outcome.ordinal as i64));
        assert_eq!(active.ssvc_outcome(), Some("Act"));
        // Without Automatable or Technical Impact there is no decision, and the record says why.
        let bare = priority(&merge(vec![record("CVE-2024-3", &[])]).remove(0), false);
        assert!(bare.ssvc.is_none());
        assert_eq!(bare.ssvc_missing, ["A", "TI"]);
    }
}
