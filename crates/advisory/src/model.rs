//! What one source says about one vulnerability, in one shape whatever the format.
//!
//! Every importer produces [`SourceRecord`]s; the merge ([`crate::merge`]) groups the records that
//! name the same vulnerability and keeps each one whole, so that nothing a source said is lost
//! and every disagreement can be shown.

use serde::{Deserialize, Serialize};

/// The kind of document a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Osv,
    /// A CVE JSON 5.x CNA container.
    Cve5Cna,
    /// A CVE JSON 5.x ADP container (CISA's carries SSVC and KEV data).
    Cve5Adp,
    Csaf,
    Kev,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Osv => "osv",
            Format::Cve5Cna => "cve5_cna",
            Format::Cve5Adp => "cve5_adp",
            Format::Csaf => "csaf",
            Format::Kev => "kev",
        }
    }
}

/// Who said it: the format, and the publisher within it (a CNA's or ADP's short name, a CSAF
/// publisher's namespace, an OSV database's id prefix, `CISA` for KEV).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    pub format: Format,
    pub publisher: String,
}

/// One source's account of one vulnerability.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub source: Option<Source>,
    /// The id this source files it under (`CVE-2024-1234`, `GHSA-…`, `RUSTSEC-…`, a CSAF
    /// document's tracking id joined with the vulnerability's CVE).
    pub id: String,
    /// Other ids the source says are the same vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// RFC 3339 timestamps, as the source gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Withdrawn (OSV) or rejected (CVE): when, and why if said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<AffectedProduct>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weaknesses: Vec<Weakness>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remediations: Vec<Remediation>,
    /// Known exploitation (KEV, or CISA's ADP container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploitation: Option<Exploitation>,
    /// SSVC decision points the source gives (CISA's ADP container: Exploitation, Automatable,
    /// Technical Impact), by decision point name, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssvc: Vec<(String, String)>,
}

/// A product a source says something about, and what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedProduct {
    pub product: Product,
    pub status: Status,
    /// Version ranges of `status` (for `Affected`: the affected versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<VersionRange>,
    /// Single versions of `status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Why not affected (CSAF VEX justification, CVE or OpenVEX wording), or another note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// How a product is named: any of an ecosystem package, a purl, CPEs, or a vendor and product name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Product {
    /// OSV ecosystem (`Go`, `crates.io`, …) when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// Package name in that ecosystem, or CVE's `packageName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Source repository (CVE `repo`, OSV GIT range `repo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

/// What a source says of a product's versions (CSAF product status, CVE version status, VEX).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
    /// CVE's `unknown`.
    Unknown,
}

/// A range of versions in one ordering, as OSV events (introduced, fixed, last affected, limit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    /// The ordering: OSV's `SEMVER`, `ECOSYSTEM` or `GIT`, or CVE's `versionType` (`semver`,
    /// `git`, `custom`, `rpm`, …) when it came from a CVE record.
    pub scheme: String,
    /// `introduced` (`"0"`: from the first version).
    pub introduced: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// A severity score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// `CVSS_V2`, `CVSS_V3` (3.0 and 3.1), `CVSS_V4`, or another scheme's name (`Ubuntu`, a CSAF
    /// or CVE `other` metric).
    pub kind: String,
    /// The vector (or the value, for schemes without vectors).
    pub vector: String,
    /// The base score the source states, when it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_score: Option<f64>,
    /// The products it is given for, when not all (CSAF scores are per product).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
}

/// A weakness (CWE) the source names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weakness {
    /// `CWE-79`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub url: String,
    /// OSV's reference type (`ADVISORY`, `FIX`, …) or CVE's tags joined, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    /// `finder`, `reporter`, `analyst`, `coordinator`, `remediation_developer`, `tool`, … (CVE's
    /// and OSV's credit types, lower-cased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// `vendor_fix`, `workaround`, `mitigation`, `no_fix_planned`, `none_available` (CSAF's
    /// categories; CVE `solutions` are `vendor_fix`, `workarounds` are `workaround`).
    pub kind: String,
    pub details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
}

/// Known exploitation in the wild.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exploitation {
    /// On CISA's Known Exploited Vulnerabilities catalog.
    pub in_kev: bool,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    /// Federal agencies' remediation due date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// `Known` or `Unknown`, as KEV says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability_name: Option<String>,
}
