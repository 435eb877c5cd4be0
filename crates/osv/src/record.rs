//! The OSV 1.7 record, field for field as `schema.json` and `schema.md` define it.
//!
//! Why our own types rather than the `osv` crate: that crate's `Ecosystem` is a closed enum, so a
//! record naming an ecosystem it does not know fails to deserialize as a whole, and OSV adds
//! ecosystems every few months. Here every string the schema leaves open (ecosystem, range type,
//! severity type, reference type, credit type) is kept as written, and its meaning is checked
//! separately ([`crate::parse_record`] reports what it does not know as a diagnostic). Fields this
//! crate does not know are kept in each object's `extra` map, so a record from a newer schema
//! version survives a round trip.
//!
//! These types derive `Deserialize` for values this crate wrote itself (storage round trips); for
//! outside data use [`crate::parse_record`], which never fails on a wrong type or an unknown value
//! and reports every problem with a JSON pointer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unknown members of an object, kept as found.
pub type Extra = Map<String, Value>;

/// One OSV record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The schema version the record was written for (`1.0.0` when absent, per the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// `<DB>-<ENTRYID>`, for example `GHSA-vp9c-fpxx-744v`. Always non-empty in a parsed record.
    pub id: String,
    /// RFC 3339 time of the last change. Required by the schema; `None` when a record lacks it
    /// (reported as `missing_field`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// When present, the record is withdrawn from that time on (see [`Record::is_withdrawn`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A severity score: `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, or a type this crate does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub severity_type: String,
    pub score: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One affected package (or, without `package`, a set of GIT ranges of some repository).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// Optional in the schema: CVE records converted by osv.dev carry GIT ranges without a package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The package of an affected entry. `ecosystem` is kept as written (`Debian:12`), because an
/// unknown ecosystem must not make the record unreadable; [`crate::compile_affected`] reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One range: `SEMVER`, `ECOSYSTEM`, `GIT`, or a type this crate does not know.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub range_type: String,
    /// The repository of a GIT range (required for GIT by the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One event. The schema allows exactly one of the four members per event; the type keeps all
/// four so that a malformed event (none, or two) is kept as found and reported, not lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The kind of an event. The order of the variants is the order in which events of the same
/// version are processed (see `eval.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Introduced,
    LastAffected,
    Fixed,
    Limit,
}

impl EventKind {
    /// The member name in the record.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Introduced => "introduced",
            EventKind::LastAffected => "last_affected",
            EventKind::Fixed => "fixed",
            EventKind::Limit => "limit",
        }
    }
}

impl Event {
    /// An event of one kind.
    pub fn new(kind: EventKind, version: impl Into<String>) -> Event {
        let v = Some(version.into());
        let mut e = Event::default();
        match kind {
            EventKind::Introduced => e.introduced = v,
            EventKind::LastAffected => e.last_affected = v,
            EventKind::Fixed => e.fixed = v,
            EventKind::Limit => e.limit = v,
        }
        e
    }

    /// The kind and version, when the event has exactly one of the four members.
    pub fn kind(&self) -> Option<(EventKind, &str)> {
        let mut found = None;
        for (kind, v) in [
            (EventKind::Introduced, &self.introduced),
            (EventKind::LastAffected, &self.last_affected),
            (EventKind::Fixed, &self.fixed),
            (EventKind::Limit, &self.limit),
        ] {
            if let Some(v) = v {
                if found.is_some() {
                    return None;
                }
                found = Some((kind, v.as_str()));
            }
        }
        found
    }
}

/// A reference: `ADVISORY`, `ARTICLE`, `DETECTION`, `DISCUSSION`, `REPORT`, `FIX`, `INTRODUCED`,
/// `GIT`, `PACKAGE`, `EVIDENCE`, `WEB`, or a type this crate does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub reference_type: String,
    pub url: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A credit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub credit_type: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The severity types the schema defines.
pub const SEVERITY_TYPES: &[&str] = &["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"];
/// The reference types the schema defines.
pub const REFERENCE_TYPES: &[&str] = &["ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION", "REPORT", "FIX", "INTRODUCED", "GIT", "PACKAGE", "EVIDENCE", "WEB"];
/// The credit types the schema defines.
pub const CREDIT_TYPES: &[&str] =
    &["FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER", "REMEDIATION_REVIEWER", "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER"];
/// The range types the schema defines.
pub const RANGE_TYPES: &[&str] = &["SEMVER", "ECOSYSTEM", "GIT"];

/// Parses an OSV timestamp (RFC 3339; the schema asks for UTC with `Z`, other offsets are read too).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

impl Record {
    /// `modified` as a time, when present and valid.
    pub fn modified_at(&self) -> Option<OffsetDateTime> {
        self.modified.as_deref().and_then(parse_timestamp)
    }

    /// `published` as a time, when present and valid.
    pub fn published_at(&self) -> Option<OffsetDateTime> {
        self.published.as_deref().and_then(parse_timestamp)
    }

    /// `withdrawn` as a time, when present and valid.
    pub fn withdrawn_at(&self) -> Option<OffsetDateTime> {
        self.withdrawn.as_deref().and_then(parse_timestamp)
    }

    /// Whether the record is withdrawn at `now` (time is an argument: this crate reads no clock).
    ///
    /// A record is withdrawn from its `withdrawn` time on. A `withdrawn` value that is not a valid
    /// timestamp still counts as withdrawn: the publisher's intent is plain from the field's
    /// presence, and [`crate::parse_record`] has already reported the bad value.
    pub fn is_withdrawn(&self, now: OffsetDateTime) -> bool {
        match &self.withdrawn {
            None => false,
            Some(s) => parse_timestamp(s).is_none_or(|t| t <= now),
        }
    }
}
