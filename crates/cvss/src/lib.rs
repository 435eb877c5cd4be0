//! CVSS vectors of every version in use, CVSS v2, v3.0, v3.1 and v4.0: parsing, validation and
//! scoring with each version's specification formulas.
//!
//! Advisories (OSV, CSAF, CVE 5, NVD) and reports carry a CVSS vector string; this crate checks one
//! and computes its scores, the same as FIRST's calculators.
//!
//! - [`parse`] reads a vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, `CVSS:3.0/…`, `CVSS:3.1/…`,
//!   `CVSS:4.0/…`) into a [`Vector`], or returns a [`Diagnostic`] for every problem: unknown
//!   metric, duplicate metric, missing mandatory base metric, invalid value, wrong prefix or
//!   version, and metrics out of order in v4.0 (which, unlike v2 and v3, prescribes the order).
//! - [`Vector::version`], [`Vector::normalized`] (the metrics in the specification's order, metrics
//!   that are not defined left out), [`Vector::get`] one metric's value.
//! - [`Vector::scores`] gives the [`Scores`]: base score and severity; for v2 and v3 the temporal
//!   score when a temporal metric is defined and the environmental score when an environmental
//!   metric is defined; for v4.0 the CVSS-B score, the CVSS-BT score when the threat metric (E) is
//!   defined, the CVSS-BE or CVSS-BTE score when an environmental metric is defined, and the
//!   [`Nomenclature`] of the whole vector's score. Scores have one decimal.
//!
//! ```
//! use clearinghouse_cvss::{Severity, Version, parse};
//!
//! let v = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P").unwrap();
//! assert_eq!(v.version(), Version::V3_1);
//! let s = v.scores();
//! assert_eq!((s.base_score, s.base_severity), (9.8, Severity::Critical));
//! assert_eq!(s.temporal_score, Some(9.3));
//! assert_eq!(s.environmental_score, None);
//!
//! let v4 = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U").unwrap();
//! let s = v4.scores();
//! assert_eq!((s.base_score, s.threat_score), (9.3, Some(8.1)));
//! assert_eq!(s.nomenclature.unwrap().to_string(), "CVSS-BT");
//!
//! let problems = parse("CVSS:3.1/AV:N/AC:Q/PR:N/UI:N/S:U/C:H/I:H").unwrap_err();
//! let codes: Vec<&str> = problems.iter().map(|d| d.code.as_str()).collect();
//! assert_eq!(codes, ["cvss_invalid_value", "cvss_missing_metric"]);
//! ```
//!
//! # Scoring, version by version
//! - **v2** (FIRST's guide, section 3.2): exact decimal arithmetic, "round to one decimal" rounding
//!   halves away from zero. v2 defines no qualitative severity; [`Severity`] for v2 uses NVD's v2
//!   bands: Low 0.0-3.9, Medium 4.0-6.9, High 7.0-10.0 (never None or Critical).
//! - **v3.0 and v3.1** (specification sections 8 and 7): exact decimal arithmetic except the power
//!   term of the scope-changed impact (floating point); v3.0 rounds up to the next tenth, v3.1 with
//!   the specification's `Roundup` (rounding to five decimals first, so that a value such as
//!   4.000001 that floating point produces for an exact 4.0 stays 4.0), and the v3.1 scope-changed
//!   environmental impact uses its own equation (`…(MISS×0.9731−0.02)^13`).
//! - **v4.0** (specification section 8): the MacroVector lookup table, the highest-severity vectors
//!   and the severity distances, with the tables of FIRST's calculator (embedded from `data/`), in
//!   the calculator's floating-point steps.
//! - Severity for v3 and v4 is the specifications' qualitative scale: None 0.0, Low 0.1-3.9, Medium
//!   4.0-6.9, High 7.0-8.9, Critical 9.0-10.0.
//!
//! Tests (`tests/vectors.rs`): every line of the Red Hat `cvss` library's test vectors (every v2,
//! v3.0 and v3.1 base combination among them) with their expected scores; while writing the crate,
//! also 300,000 random vectors per version with temporal or threat, environmental and supplemental
//! metrics, scored by that library (v2, v3.0, v3.1; decimal arithmetic) and by `cvss40.js`, the code
//! of FIRST's v4.0 calculator: every score equal. A sample of them is in `testdata/`.
//!
//! # Architecture invariants
//! No I/O (no files, network or clock): the v4.0 tables are compiled in. Nothing here panics on any
//! input; input is bounded by [`MAX_VECTOR_LEN`]. Every problem is a [`Diagnostic`] with a stable
//! code from [`codes`] and an empty pointer (the vector is the whole document; callers that embed
//! vectors in documents set the pointer).
//!
//! # Why our own
//! The workspace already uses the RustSec `cvss` crate (3.0) to check report vectors, but it cannot
//! be the scorer: its v4.0 scoring unwraps and can panic on odd input (the model guards it with
//! `catch_unwind`), and gives only the whole vector's score (no CVSS-B next to a CVSS-BTE); its v3.1
//! `Roundup` truncates `input × 100000` where the specification's appendix A rounds it; it computes
//! v2 and v3.0 in floating point, so a v3.0 round-up can go 0.1 too high where floating point lands
//! a hair above an exact tenth; and its parser stops at the first problem with an error enum, where
//! a validator must report every problem as a diagnostic. The formulas are short; writing them from
//! the specifications with exact arithmetic, checked against the reference implementations'
//! vectors, costs less than wrapping and guarding that crate. (It is not used as a test oracle
//! either: the reference implementations themselves were.)

mod dec;
mod syntax;
mod v2;
mod v3;
mod v4;

use std::fmt;
use std::str::FromStr;

pub use clearinghouse_model::Diagnostic;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use syntax::{Table, Values};

/// The longest vector accepted, in bytes. A v4.0 vector with every metric is under 200 bytes; the
/// bound keeps hostile input cheap.
pub const MAX_VECTOR_LEN: usize = 1024;

/// The diagnostic codes of this crate. Every one refuses the vector.
pub mod codes {
    /// Longer than [`crate::MAX_VECTOR_LEN`] bytes.
    pub const TOO_LONG: &str = "cvss_too_long";
    /// The empty string.
    pub const EMPTY: &str = "cvss_empty";
    /// `CVSS:` followed by a version this crate does not know (only 3.0, 3.1 and 4.0 have prefixes).
    pub const UNSUPPORTED_VERSION: &str = "cvss_unsupported_version";
    /// A prefix that is not `CVSS:<version>/` (lower case, missing `/`, `CVSS:2.0/` on a v2 vector).
    pub const WRONG_PREFIX: &str = "cvss_wrong_prefix";
    /// v3 or v4 metrics without the `CVSS:3.x/` or `CVSS:4.0/` prefix.
    pub const MISSING_PREFIX: &str = "cvss_missing_prefix";
    /// An empty field (`//`, or `/` at either end).
    pub const EMPTY_FIELD: &str = "cvss_empty_field";
    /// A field that is not `METRIC:VALUE`.
    pub const MALFORMED_FIELD: &str = "cvss_malformed_field";
    /// A metric abbreviation the version does not define.
    pub const UNKNOWN_METRIC: &str = "cvss_unknown_metric";
    /// The same metric twice.
    pub const DUPLICATE_METRIC: &str = "cvss_duplicate_metric";
    /// A value the metric does not have.
    pub const INVALID_VALUE: &str = "cvss_invalid_value";
    /// A mandatory base metric is missing.
    pub const MISSING_METRIC: &str = "cvss_missing_metric";
    /// A v4.0 metric after one that the specification orders after it.
    pub const OUT_OF_ORDER: &str = "cvss_metric_out_of_order";
}

/// A CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl Version {
    /// `2.0`, `3.0`, `3.1` or `4.0`, as the JSON schemas' `version` field writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2 => "2.0",
            Version::V3_0 => "3.0",
            Version::V3_1 => "3.1",
            Version::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.as_str())
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Qualitative severity. For v3 and v4 the specifications' rating scale; for v2, which has none,
/// NVD's v2 bands (Low, Medium, High only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The severity of a score of `version`: v3 and v4 None 0.0, Low 0.1-3.9, Medium 4.0-6.9, High
    /// 7.0-8.9, Critical 9.0-10.0; v2 (NVD) Low 0.0-3.9, Medium 4.0-6.9, High 7.0-10.0.
    pub fn from_score(version: Version, score: f64) -> Severity {
        // Scores have one decimal; compare tenths to stay clear of binary fractions.
        let tenths = (score * 10.0).round() as i64;
        match version {
            Version::V2 => match tenths {
                ..=39 => Severity::Low,
                40..=69 => Severity::Medium,
                _ => Severity::High,
            },
            _ => match tenths {
                ..=0 => Severity::None,
                1..=39 => Severity::Low,
                40..=69 => Severity::Medium,
                70..=89 => Severity::High,
                _ => Severity::Critical,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "None",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which metric groups a CVSS v4.0 score takes into account (specification section 1.3). The
/// supplemental metrics never change a score, so they do not appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nomenclature {
    /// `CVSS-B`: base metrics.
    B,
    /// `CVSS-BT`: base and threat metrics.
    BT,
    /// `CVSS-BE`: base and environmental metrics.
    BE,
    /// `CVSS-BTE`: base, threat and environmental metrics.
    BTE,
}

impl Nomenclature {
    pub fn as_str(self) -> &'static str {
        match self {
            Nomenclature::B => "CVSS-B",
            Nomenclature::BT => "CVSS-BT",
            Nomenclature::BE => "CVSS-BE",
            Nomenclature::BTE => "CVSS-BTE",
        }
    }
}

impl fmt::Display for Nomenclature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Nomenclature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The scores of a vector, each with one decimal and its severity. A score is `None` when its
/// group does not apply to the version or none of its metrics is defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// The base score (v4.0: CVSS-B, the base metrics alone).
    pub base_score: f64,
    pub base_severity: Severity,
    /// v2 and v3: when E, RL or RC is defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal_severity: Option<Severity>,
    /// v4.0 CVSS-BT: when E is defined (base and threat metrics; environmental ones left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_severity: Option<Severity>,
    /// v2 and v3: when an environmental metric is defined (it includes the temporal metrics). v4.0
    /// CVSS-BE or CVSS-BTE: when an environmental metric is defined (with E when defined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental_severity: Option<Severity>,
    /// v4.0: the nomenclature of the whole vector's score, [`Scores::overall_score`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomenclature: Option<Nomenclature>,
}

impl Scores {
    /// The score of the whole vector: the environmental score if there is one, else the temporal
    /// or threat score, else the base score. For v4.0 this is the score its nomenclature names.
    pub fn overall_score(&self) -> f64 {
        self.environmental_score.or(self.temporal_score).or(self.threat_score).unwrap_or(self.base_score)
    }

    /// The severity of [`Scores::overall_score`].
    pub fn overall_severity(&self) -> Severity {
        self.environmental_severity.or(self.temporal_severity).or(self.threat_severity).unwrap_or(self.base_severity)
    }
}

/// A valid CVSS vector. Two vectors are equal when they have the same version and the same
/// defined metrics, whatever their order and whether not-defined metrics were written out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vector {
    version: Version,
    values: Values,
}

impl Vector {
    pub fn version(&self) -> Version {
        self.version
    }

    fn table(&self) -> &'static Table {
        table_of(self.version)
    }

    /// The vector in the specification's metric order without not-defined metrics: v2 without a
    /// prefix or parentheses (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, as FIRST's guide and NVD write it),
    /// v3 and v4 with their `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/` prefix.
    pub fn normalized(&self) -> String {
        let mut out = String::with_capacity(128);
        match self.version {
            Version::V2 => {}
            v => {
                out.push_str("CVSS:");
                out.push_str(v.as_str());
                out.push('/');
            }
        }
        self.table().write(&self.values, &mut out);
        out
    }

    /// The value of a metric, by its abbreviation (`"AV"`, `"Au"`, `"MSI"`), as the vector writes
    /// it; `None` when the version has no such metric or the vector leaves it not defined.
    pub fn get(&self, metric: &str) -> Option<&'static str> {
        self.table().get(&self.values, metric)
    }

    /// The vector's scores (see [`Scores`]).
    pub fn scores(&self) -> Scores {
        let version = self.version;
        let sev = |score: f64| Severity::from_score(version, score);
        match version {
            Version::V2 => {
                let s = v2::score(&self.values);
                Scores {
                    base_score: s.base,
                    base_severity: sev(s.base),
                    temporal_score: s.temporal,
                    temporal_severity: s.temporal.map(sev),
                    threat_score: None,
                    threat_severity: None,
                    environmental_score: s.environmental,
                    environmental_severity: s.environmental.map(sev),
                    nomenclature: None,
                }
            }
            Version::V3_0 | Version::V3_1 => {
                let s = v3::score(&self.values, version == Version::V3_1);
                Scores {
                    base_score: s.base,
                    base_severity: sev(s.base),
                    temporal_score: s.temporal,
                    temporal_severity: s.temporal.map(sev),
                    threat_score: None,
                    threat_severity: None,
                    environmental_score: s.environmental,
                    environmental_severity: s.environmental.map(sev),
                    nomenclature: None,
                }
            }
            Version::V4_0 => {
                let s = v4::score(&self.values);
                let nomenclature = match (s.threat.is_some(), s.environmental.is_some()) {
                    (false, false) => Nomenclature::B,
                    (true, false) => Nomenclature::BT,
                    (false, true) => Nomenclature::BE,
                    (true, true) => Nomenclature::BTE,
                };
                Scores {
                    base_score: s.base,
                    base_severity: sev(s.base),
                    temporal_score: None,
                    temporal_severity: None,
                    threat_score: s.threat,
                    threat_severity: s.threat.map(sev),
                    environmental_score: s.environmental,
                    environmental_severity: s.environmental.map(sev),
                    nomenclature: Some(nomenclature),
                }
            }
        }
    }
}

fn table_of(version: Version) -> &'static Table {
    match version {
        Version::V2 => &v2::TABLE,
        Version::V3_0 => &v3::TABLE_30,
        Version::V3_1 => &v3::TABLE_31,
        Version::V4_0 => &v4::TABLE,
    }
}

impl fmt::Display for Vector {
    /// The [`Vector::normalized`] form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized())
    }
}

impl FromStr for Vector {
    type Err = Vec<Diagnostic>;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl Serialize for Vector {
    /// As the [`Vector::normalized`] string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.normalized())
    }
}

impl<'de> Deserialize<'de> for Vector {
    /// From a vector string; the error lists every problem.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(|problems| serde::de::Error::custom(problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; ")))
    }
}

/// Metric abbreviations of v3 and v4 that v2 does not have: a v2-looking vector with one of them
/// is a v3 or v4 vector that lost its prefix.
const NOT_V2_KEYS: &[&str] = &["PR", "UI", "S", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"];

/// Reads a CVSS vector of any supported version: v2 without prefix (surrounding parentheses, as
/// older NVD data writes them, are accepted), v3.0, v3.1 and v4.0 with their `CVSS:x.y/` prefix.
/// Returns every problem found, never panics, and refuses input longer than [`MAX_VECTOR_LEN`].
pub fn parse(vector: &str) -> Result<Vector, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    if vector.len() > MAX_VECTOR_LEN {
        problems.push(Diagnostic::new(codes::TOO_LONG, "", format!("the vector is {} bytes long; at most {MAX_VECTOR_LEN} are accepted", vector.len())));
        return Err(problems);
    }
    if vector.is_empty() {
        problems.push(Diagnostic::new(codes::EMPTY, "", "the vector is empty"));
        return Err(problems);
    }
    let (table, body) = match split_prefix(vector) {
        Ok(found) => found,
        Err(problem) => return Err(vec![problem]),
    };
    let values = table.read(body, &mut problems);
    if problems.is_empty() { Ok(Vector { version: table.version, values }) } else { Err(problems) }
}

/// The version's table and the body after the prefix, or the one problem that stops reading.
fn split_prefix(vector: &str) -> Result<(&'static Table, &str), Diagnostic> {
    let head_len = vector.find('/').unwrap_or(vector.len());
    let head = &vector[..head_len];
    let rest = vector.get(head_len + 1..).unwrap_or("");
    if let Some(version) = head.strip_prefix("CVSS:") {
        let table = match version {
            "3.0" => &v3::TABLE_30,
            "3.1" => &v3::TABLE_31,
            "4.0" => &v4::TABLE,
            "2.0" | "2" => {
                return Err(Diagnostic::new(
                    codes::WRONG_PREFIX,
                    "",
                    "CVSS v2 vectors have no prefix: write the metrics alone, as in AV:N/AC:L/Au:N/C:P/I:P/A:P",
                ));
            }
            other => {
                return Err(Diagnostic::new(
                    codes::UNSUPPORTED_VERSION,
                    "",
                    format!("CVSS version {other:?} is not supported; the prefix must be CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/ (v2 vectors have none)"),
                ));
            }
        };
        if head_len == vector.len() {
            return Err(Diagnostic::new(codes::WRONG_PREFIX, "", format!("{head} must be followed by `/` and the metrics")));
        }
        return Ok((table, rest));
    }
    if head.len() >= 5 && head.as_bytes()[..5].eq_ignore_ascii_case(b"cvss:") || head.starts_with("CVSS") {
        return Err(Diagnostic::new(
            codes::WRONG_PREFIX,
            "",
            format!("the prefix {head:?} is not CVSS:3.0, CVSS:3.1 or CVSS:4.0 (upper-case CVSS, a colon, the version)"),
        ));
    }
    // v2: no prefix, optionally in parentheses.
    let body = vector.strip_prefix('(').and_then(|b| b.strip_suffix(')')).unwrap_or(vector);
    let lost_prefix = body.split('/').filter_map(|f| f.split_once(':')).any(|(k, _)| NOT_V2_KEYS.contains(&k));
    let has_au = body.split('/').any(|f| f.starts_with("Au:"));
    if lost_prefix && !has_au {
        return Err(Diagnostic::new(
            codes::MISSING_PREFIX,
            "",
            "these are CVSS v3 or v4 metrics without the version prefix: start the vector with CVSS:3.1/, CVSS:3.0/ or CVSS:4.0/",
        ));
    }
    Ok((&v2::TABLE, body))
}
