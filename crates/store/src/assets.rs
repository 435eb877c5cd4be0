//! Advisories, operators' assets and their findings: the records the matching side of the store
//! keeps, and the pure glue between them and the matcher.
//!
//! Why the store evaluates matches itself: a finding must change in the same transaction as the
//! advisory or the SBOM that caused it (with its audit and outbox events), so that two replicas
//! importing and registering at once cannot miss a match. The evaluation is the matcher's
//! [`Index::query`], run on an index of only the advisories about the packages concerned; the
//! backends do the reads and writes around it.

use clearinghouse_matcher::{Index, name_key, record_keys, resolve_component};
use clearinghouse_model::Tlp;
use clearinghouse_model::policy::Access;
use clearinghouse_osv::{Ecosystem, Record, Verdict};
use clearinghouse_sbom::Sbom;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who published a non-public advisory: the policy reads it like a report's originator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryOwner {
    pub org: Uuid,
    pub principal: Uuid,
}

/// An OSV record ready to import.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdvisory {
    pub record: Record,
    pub tlp: Tlp,
    /// `None` for public feeds imported by the platform (their label is CLEAR).
    pub owner: Option<AdvisoryOwner>,
    /// Where it came from, for example `osv` (the importer's format).
    pub source: String,
}

/// An advisory as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAdvisory {
    pub record: Record,
    pub tlp: Tlp,
    pub owner: Option<AdvisoryOwner>,
    pub source: String,
    /// The audit sequence number of the import that last changed it: server replicas follow
    /// advisories by this number (see [`crate::Store::advisories_changed_since`]).
    pub change_seq: i64,
    pub imported_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl StoredAdvisory {
    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn access(&self) -> Access<'static> {
        advisory_access(self.tlp, self.owner)
    }
}

/// The access metadata the policy decides on for an advisory. A public advisory has no owner: the
/// nil id matches no organisation and no principal, and its CLEAR label lets everyone read it.
pub fn advisory_access(tlp: Tlp, owner: Option<AdvisoryOwner>) -> Access<'static> {
    let (org, principal) = owner.map(|o| (o.org, o.principal)).unwrap_or((Uuid::nil(), Uuid::nil()));
    Access { tlp, owner_org: org, submitter: principal, shared_orgs: &[], named_principals: &[] }
}

/// What an import did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new id.
    Inserted,
    /// It replaced the stored record of its id, whose `modified` was earlier.
    Updated,
    /// The stored record of its id has the same or a later `modified`: nothing changed.
    Unchanged,
}

/// What one import batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Findings that appeared, and that went away, in all assets.
    pub findings_opened: usize,
    pub findings_closed: usize,
    /// Assets whose findings changed.
    pub assets_changed: usize,
    /// Vulnerabilities of the model written (created or changed) by the records' OSV source records.
    pub vulnerabilities_changed: usize,
}

/// Whether `new` replaces `old` (the rule of [`Index::insert`]): a later `modified`; a missing or
/// unreadable one counts as earlier than any valid one.
pub fn supersedes(new: &Record, old: &Record) -> bool {
    new.modified_at() > old.modified_at()
}

/// The package keys an advisory is filed under in the store: `(base ecosystem name, name key)`.
pub fn advisory_keys(record: &Record) -> Vec<(String, String)> {
    record_keys(record).into_iter().map(|(base, name)| (base.name().to_string(), name)).collect()
}

/// One component of an asset as stored: what it is, and the package key it is matched under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetComponent {
    /// Position in the SBOM's component list.
    pub idx: i64,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    /// The OSV ecosystem (`crates.io`, `Debian:12`) and package name, when the component resolves to one.
    pub ecosystem: Option<String>,
    pub package: Option<String>,
    /// `(base ecosystem name, name key)`: the key advisories are filed under.
    pub key: Option<(String, String)>,
    pub cpes: Vec<String>,
    /// The document's own identifier for it (CycloneDX `bom-ref`, SPDX id): what VEX statements
    /// made for the same SBOM point at.
    #[serde(default)]
    pub bom_ref: Option<String>,
    /// Where the component is in the document (a JSON pointer or a line).
    pub location: String,
    /// Why the component cannot be matched, when it cannot.
    pub unmatched: Option<String>,
}

impl AssetComponent {
    /// The version a query uses.
    fn query(&self) -> Option<(Ecosystem, &str, &str)> {
        let eco = Ecosystem::parse(self.ecosystem.as_deref()?).ok()?;
        Some((eco, self.package.as_deref()?, self.version.as_deref()?))
    }
}

/// The components of an SBOM, resolved for matching.
pub fn asset_components(sbom: &Sbom) -> Vec<AssetComponent> {
    sbom.components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut out = AssetComponent {
                idx: i as i64,
                name: c.name.clone(),
                version: c.version.clone(),
                purl: c.purl.clone(),
                ecosystem: None,
                package: None,
                key: None,
                cpes: c.cpes.clone(),
                bom_ref: c.bom_ref.clone(),
                location: c.location.clone(),
                unmatched: None,
            };
            match resolve_component(c) {
                Ok(p) => {
                    if let Some(v) = p.purl_version.filter(|v| !v.is_empty()) {
                        out.version = Some(v);
                    }
                    let base = p.ecosystem.base();
                    out.key = Some((base.name().to_string(), name_key(base, &p.name)));
                    out.ecosystem = Some(p.ecosystem.to_string());
                    out.package = Some(p.name);
                    if out.version.as_deref().is_none_or(str::is_empty) {
                        out.unmatched = Some("no version: cannot be matched".into());
                    }
                }
                Err(d) => {
                    out.unmatched = Some(if c.cpes.is_empty() {
                        d.message
                    } else {
                        format!("{}; it names CPEs, and no imported advisory carries CPEs to match them against", d.message)
                    })
                }
            }
            out
        })
        .collect()
}

/// One finding: an advisory that affects (or may affect) one component of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingKey {
    pub component: i64,
    pub advisory: String,
}

/// A finding's evaluation: the verdict and the ranges that contain the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEval {
    pub verdict: Verdict,
    pub matched: serde_json::Value,
}

/// The matcher's index of the advisories a transaction evaluates, withdrawal judged at `now`:
/// built once per transaction and shared by every asset it re-evaluates.
pub fn index_of(advisories: impl IntoIterator<Item = Record>, now: OffsetDateTime) -> Index {
    let mut index = Index::new();
    for r in advisories {
        index.insert(r, now);
    }
    index
}

/// The findings of `components` against the advisories in `index` (see [`index_of`]), decided by
/// the matcher.
pub fn evaluate(index: &Index, components: &[AssetComponent]) -> BTreeMap<(i64, String), FindingEval> {
    // One query per distinct package version; SBOMs repeat them.
    type Answers = Vec<(String, FindingEval)>;
    let mut cache: HashMap<(Ecosystem, &str, &str), Answers> = HashMap::new();
    let mut out = BTreeMap::new();
    for c in components {
        if c.unmatched.is_some() {
            continue;
        }
        let Some((eco, name, version)) = c.query() else { continue };
        let hits = cache.entry((eco.clone(), name, version)).or_insert_with(|| {
            index
                .query(&eco, name, version)
                .matches
                .into_iter()
                .map(|m| (m.id, FindingEval { verdict: m.verdict, matched: serde_json::to_value(&m.matched_ranges).unwrap_or_default() }))
                .collect()
        });
        for (id, eval) in hits.iter() {
            out.insert((c.idx, id.clone()), eval.clone());
        }
    }
    out
}

/// How an asset's findings changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsDiff {
    /// New findings, and findings whose verdict changed.
    pub opened: Vec<(i64, String, Verdict)>,
    pub closed: Vec<(i64, String)>,
}

impl FindingsDiff {
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.closed.is_empty()
    }

    /// The audit details of an asset's change.
    pub fn details(&self) -> serde_json::Value {
        let opened: Vec<_> = self.opened.iter().map(|(c, a, v)| serde_json::json!({"component": c, "advisory": a, "verdict": v})).collect();
        let closed: Vec<_> = self.closed.iter().map(|(c, a)| serde_json::json!({"component": c, "advisory": a})).collect();
        serde_json::json!({"opened": opened, "closed": closed})
    }
}

/// The difference between the findings stored (`old`, with their verdicts) and the findings
/// evaluated now (`new`), both restricted to the same scope by the caller.
pub fn diff(old: &BTreeMap<(i64, String), Verdict>, new: &BTreeMap<(i64, String), FindingEval>) -> FindingsDiff {
    let mut d = FindingsDiff::default();
    for (k, e) in new {
        if old.get(k) != Some(&e.verdict) {
            d.opened.push((k.0, k.1.clone(), e.verdict));
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            d.closed.push((k.0, k.1.clone()));
        }
    }
    d
}

/// The distinct package keys of a set of components.
pub fn component_keys(components: &[AssetComponent]) -> BTreeSet<(String, String)> {
    components.iter().filter(|c| c.unmatched.is_none()).filter_map(|c| c.key.clone()).collect()
}

/// The audit details of an asset's creation or update: what changed in its findings, and what it is.
pub fn asset_details(d: &FindingsDiff, asset: &NewAsset) -> serde_json::Value {
    let mut details = d.details();
    details["name"] = serde_json::json!(asset.name);
    details["tlp"] = serde_json::json!(asset.tlp);
    details["components"] = serde_json::json!(asset.components.len());
    details["sbom_sha256"] = serde_json::json!(asset.sbom_sha256);
    details
}

/// A new asset: an operator's system described by an SBOM.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsset {
    pub name: String,
    pub tlp: Tlp,
    pub owner_org: Uuid,
    pub created_by: Uuid,
    /// What the SBOM was read as (`cyclonedx 1.5 json`, `Cargo.lock v3`).
    pub sbom_format: String,
    /// SHA-256 of the SBOM's bytes, hex.
    pub sbom_sha256: String,
    pub components: Vec<AssetComponent>,
}

/// An asset as stored (without its components, which [`crate::Store::asset_components`] reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAsset {
    pub id: Uuid,
    pub name: String,
    pub tlp: Tlp,
    pub owner_org: Uuid,
    pub created_by: Uuid,
    pub sbom_format: String,
    pub sbom_sha256: String,
    pub component_count: i64,
    /// Bumped by every SBOM replacement (optimistic concurrency for updates).
    pub revision: i64,
    /// The operator's deployment facts for SSVC (normalised keys).
    pub mission: crate::AssetMission,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl StoredAsset {
    pub fn access(&self) -> Access<'static> {
        Access { tlp: self.tlp, owner_org: self.owner_org, submitter: self.created_by, shared_orgs: &[], named_principals: &[] }
    }
}

/// A finding as read back: the component, the advisory's access metadata (so the server can hide
/// findings of advisories the caller may not read) and the evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFinding {
    pub component: AssetComponent,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub advisory_tlp: Tlp,
    pub advisory_owner: Option<AdvisoryOwner>,
    pub verdict: Verdict,
    pub matched: serde_json::Value,
    pub first_seen: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl StoredFinding {
    pub fn advisory_access(&self) -> Access<'static> {
        advisory_access(self.advisory_tlp, self.advisory_owner)
    }
}

/// A VEX document attached to an asset: its statements, normalised (`clearinghouse-vex`), are
/// applied to the findings when they are read.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVex {
    pub id: Uuid,
    pub asset_id: Uuid,
    /// `cyclonedx`, `csaf` or `openvex`.
    pub format: String,
    pub sha256: String,
    /// The statements as JSON (a list of `clearinghouse_vex::Statement`).
    pub statements: serde_json::Value,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

/// A VEX document to attach.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVex {
    pub format: String,
    pub sha256: String,
    pub statements: serde_json::Value,
    pub created_by: Uuid,
}

/// A verdict as the store spells it.
pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::NotAffected => "not_affected",
        Verdict::Undetermined => "undetermined",
    }
}

pub fn parse_verdict(s: &str) -> Option<Verdict> {
    match s {
        "affected" => Some(Verdict::Affected),
        "not_affected" => Some(Verdict::NotAffected),
        "undetermined" => Some(Verdict::Undetermined),
        _ => None,
    }
}
