//! A linter for OSV records: every problem of a record, each as a [`Diagnostic`] with a stable code
//! and a JSON pointer, and each code with a [`Level`].
//!
//! # What it checks
//! The upstream OSV linter (`ossf/osv-schema`, `tools/osv-linter`, read at commit `51b8156`) has
//! these checks; the offline ones are all here, under the codes in [`CHECKS`]:
//! - `SCH:001` conforms to the JSON schema: required members ([`codes::MISSING_FIELD`]), types
//!   ([`codes::WRONG_TYPE`]), the id's prefix ([`codes::UNKNOWN_ID_PREFIX`]), timestamps
//!   ([`codes::INVALID_TIMESTAMP`], [`codes::TIMESTAMP_NOT_UTC`]), the closed sets of severity,
//!   reference, credit and range types, the severity score's format per type
//!   ([`codes::INVALID_SEVERITY_SCORE`]), one severity level only, the ecosystem names
//!   ([`codes::UNKNOWN_ECOSYSTEM`]), events of exactly one kind, GIT ranges with a `repo` and full
//!   commit hashes, and no range with both `fixed` and `last_affected`.
//! - `REC:001` a record that is not withdrawn has affected data ([`codes::NO_AFFECTED`]).
//! - `REC:002`..`REC:004` `aliases`, `upstream` and `related` contain neither duplicates nor the
//!   record's own id, and `upstream` none of the aliases or related ids.
//! - `RNG:001` every range has an `introduced` event ([`codes::MISSING_INTRODUCED`]).
//! - `RNG:002` ranges are distinct: an `introduced` and a `fixed` of one range are not the same
//!   version or commit ([`codes::EMPTY_INTERVAL`], [`codes::CONTRADICTORY_EVENTS`],
//!   [`codes::NON_DISTINCT_RANGE`]), and an entry without a package has only GIT ranges
//!   ([`codes::RANGE_WITHOUT_PACKAGE`], [`codes::ECOSYSTEM_RANGE_WITHOUT_PACKAGE`]).
//! - `PKG:003` the package URL is valid ([`codes::INVALID_PURL`]); here also: it names the entry's
//!   package ([`codes::PURL_MISMATCH`]) and has no version ([`codes::PURL_HAS_VERSION`]), as the
//!   schema asks.
//!
//! `PKG:001` and `PKG:002` ask the ecosystem's registry whether the package and its versions
//! exist; this crate does no I/O, so instead every version is read with its ecosystem's ordering
//! ([`codes::UNPARSABLE_VERSION`], [`codes::UNPARSABLE_LISTED_VERSION`], [`codes::SEMVER_COERCED`]).
//! Beyond upstream: the package name's form where the schema fixes it
//! ([`codes::NAME_NOT_NORMALIZED`] for PyPI, [`codes::INVALID_PACKAGE_NAME`]), and events that,
//! sorted by version, open an interval that is already open or close one that is not
//! ([`codes::REDUNDANT_INTRODUCED`], [`codes::REDUNDANT_END`]): harmless for evaluation, but a sign
//! of pairs mixed up or out of order.
//!
//! # Levels
//! [`Level::Error`]: the record breaks the schema, or a part of it cannot be evaluated (the range
//! answers "undetermined"). [`Level::Warning`]: the record is read and evaluated as written, but
//! something in it is likely not what its author meant. Two choices differ from upstream's "fatal"
//! collection: duplicates in `aliases`, `related` and `upstream` are warnings (a repeated member of
//! a set changes nothing; the Go database has twenty records with a repeated CVE alias), and an
//! `introduced` equal to a `fixed` on a version ordering is [`codes::EMPTY_INTERVAL`], a warning,
//! because that is how RustSec's export writes "patched from X on" (see `eval.rs`); on a GIT
//! range it stays an error.
//!
//! [`lint`] works on a [`Record`] (also one built in code); [`lint_json`] reads the bytes with
//! [`parse_record`] first and adds its diagnostics (type errors and other problems a parsed
//! [`Record`] no longer shows), without repeating one.

use std::collections::HashSet;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::validate::parse_cvss;
use clearinghouse_versions::{Base, ComparatorFamily, Ecosystem, Version};
use serde::Serialize;

use crate::eval::{AffectedEcosystem, RangeKind, RangeState, compile_affected, normalize_name, pep503_normalize};
use crate::parse::{parse_record, shorten};
use crate::purl::Purl;
use crate::purl_osv::{package_for_purl, purl_for};
use crate::record::{Affected, EventKind, Record, Severity, parse_timestamp};
use crate::{MAX_DIAGNOSTICS, MAX_ID_LEN};

/// The codes the linter reports: the crate's own ([`crate::codes`], re-exported here) and the
/// linter's.
pub mod codes {
    pub use crate::codes::*;

    /// Error (`REC:001`): a record that is not withdrawn has no affected entries.
    pub const NO_AFFECTED: &str = "no_affected";
    /// Error (`SCH:001`): the id does not start with a prefix the schema defines (or `x_`), or has
    /// nothing after it.
    pub const UNKNOWN_ID_PREFIX: &str = "unknown_id_prefix";
    /// Warning (`SCH:001`): a valid RFC 3339 timestamp that is not in UTC with `Z`, as the schema asks.
    pub const TIMESTAMP_NOT_UTC: &str = "timestamp_not_utc";
    /// Error (`REC:002`): an alias is the record's own id.
    pub const ALIAS_IS_ID: &str = "alias_is_id";
    /// Warning (`REC:002`): the same alias twice.
    pub const DUPLICATE_ALIAS: &str = "duplicate_alias";
    /// Error (`REC:003`): an upstream id is the record's own id.
    pub const UPSTREAM_IS_ID: &str = "upstream_is_id";
    /// Warning (`REC:003`): the same upstream id twice.
    pub const DUPLICATE_UPSTREAM: &str = "duplicate_upstream";
    /// Error (`REC:003`): an upstream id is also an alias (an alias is the same vulnerability, an
    /// upstream one another it derives from: it cannot be both).
    pub const UPSTREAM_IS_ALIAS: &str = "upstream_is_alias";
    /// Error (`REC:003`): an upstream id is also a related id.
    pub const UPSTREAM_IS_RELATED: &str = "upstream_is_related";
    /// Warning (`REC:004`): a related id is the record's own id.
    pub const RELATED_IS_ID: &str = "related_is_id";
    /// Warning (`REC:004`): the same related id twice.
    pub const DUPLICATE_RELATED: &str = "duplicate_related";
    /// Error (`RNG:002`): a SEMVER range in an entry without a package (only GIT ranges can stand
    /// without one; ECOSYSTEM ranges are `ecosystem_range_without_package`).
    pub const RANGE_WITHOUT_PACKAGE: &str = "range_without_package";
    /// Error (`RNG:002`): an `introduced` and a `fixed` of one range are the same string, where the
    /// versions could not be compared otherwise (unreadable versions, malformed commits).
    pub const NON_DISTINCT_RANGE: &str = "non_distinct_range";
    /// Warning: sorted by version, an `introduced` inside an interval an earlier `introduced`
    /// already opened: it adds nothing.
    pub const REDUNDANT_INTRODUCED: &str = "redundant_introduced";
    /// Warning: sorted by version, a `fixed` or `last_affected` where no interval is open: it ends
    /// nothing (often events out of order, or a pair mixed up).
    pub const REDUNDANT_END: &str = "redundant_end";
    /// Warning: a PyPI name that is not PEP 503 normalised, as the schema asks (it still matches,
    /// because names are compared normalised).
    pub const NAME_NOT_NORMALIZED: &str = "name_not_normalized";
    /// Error: a package name of a form its ecosystem does not allow (empty, surrounding white
    /// space, a Maven name that is not `groupId:artifactId`, a Linux name other than `Kernel`, an
    /// npm scope without a name).
    pub const INVALID_PACKAGE_NAME: &str = "invalid_package_name";
    /// Warning: `package.purl` has a version; the schema asks for the package without one.
    pub const PURL_HAS_VERSION: &str = "purl_has_version";
    /// Error (`PKG:003`): `package.purl` names another ecosystem or package than the entry.
    pub const PURL_MISMATCH: &str = "purl_mismatch";
    /// Error (`SCH:001`): a severity score that is not of its type's format (a CVSS vector of the
    /// type's version, or one of Ubuntu's priorities).
    pub const INVALID_SEVERITY_SCORE: &str = "invalid_severity_score";
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Read and evaluated as written, but likely not what was meant.
    Warning,
    /// Breaks the schema, or leaves part of the record unevaluable.
    Error,
}

/// One code the linter can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub code: &'static str,
    pub level: Level,
    /// The upstream osv-linter check it implements, when there is one.
    pub upstream: Option<&'static str>,
    pub summary: &'static str,
}

const fn check(code: &'static str, level: Level, upstream: Option<&'static str>, summary: &'static str) -> Check {
    Check { code, level, upstream, summary }
}

use Level::{Error as E, Warning as W};

const SCH: Option<&str> = Some("SCH:001");

/// Every code [`lint`] and [`lint_json`] can report, with its level.
pub const CHECKS: &[Check] = &[
    // Reading the document.
    check(codes::INPUT_TOO_LARGE, E, None, "the input is larger than the limit"),
    check(codes::NESTING_TOO_DEEP, E, None, "nesting deeper than the limit"),
    check(codes::TOO_MANY_VALUES, E, None, "more values than the limit"),
    check(codes::INVALID_JSON, E, SCH, "not JSON"),
    check(codes::INVALID_YAML, E, None, "not YAML"),
    check(codes::NOT_AN_OBJECT, E, SCH, "the document is not an object"),
    check(codes::TOO_MANY_DIAGNOSTICS, W, None, "more diagnostics than the limit; the rest were left out"),
    // The schema.
    check(codes::MISSING_FIELD, E, SCH, "a required member is missing"),
    check(codes::INVALID_ID, E, SCH, "the id is empty, too long, or has white space"),
    check(codes::UNKNOWN_ID_PREFIX, E, SCH, "the id does not start with a prefix the schema defines"),
    check(codes::WRONG_TYPE, E, SCH, "a member has the wrong JSON type"),
    check(codes::NUMBER_AS_VERSION, W, SCH, "a version written as a number"),
    check(codes::INVALID_TIMESTAMP, E, SCH, "a timestamp is not RFC 3339"),
    check(codes::TIMESTAMP_NOT_UTC, W, SCH, "a timestamp is not in UTC with Z"),
    check(codes::UNKNOWN_SEVERITY_TYPE, E, SCH, "a severity type the schema does not define"),
    check(codes::INVALID_SEVERITY_SCORE, E, SCH, "a severity score not of its type's format"),
    check(codes::UNKNOWN_REFERENCE_TYPE, E, SCH, "a reference type the schema does not define"),
    check(codes::UNKNOWN_CREDIT_TYPE, E, SCH, "a credit type the schema does not define"),
    check(codes::SEVERITY_AT_BOTH_LEVELS, E, SCH, "severity both on the record and on an affected entry"),
    // The record's ids and affected data.
    check(codes::NO_AFFECTED, E, Some("REC:001"), "a record that is not withdrawn has no affected entries"),
    check(codes::ALIAS_IS_ID, E, Some("REC:002"), "an alias is the record's own id"),
    check(codes::DUPLICATE_ALIAS, W, Some("REC:002"), "the same alias twice"),
    check(codes::UPSTREAM_IS_ID, E, Some("REC:003"), "an upstream id is the record's own id"),
    check(codes::DUPLICATE_UPSTREAM, W, Some("REC:003"), "the same upstream id twice"),
    check(codes::UPSTREAM_IS_ALIAS, E, Some("REC:003"), "an upstream id is also an alias"),
    check(codes::UPSTREAM_IS_RELATED, E, Some("REC:003"), "an upstream id is also a related id"),
    check(codes::RELATED_IS_ID, W, Some("REC:004"), "a related id is the record's own id"),
    check(codes::DUPLICATE_RELATED, W, Some("REC:004"), "the same related id twice"),
    // Packages.
    check(codes::UNKNOWN_ECOSYSTEM, E, SCH, "an ecosystem the schema does not define"),
    check(codes::INVALID_PACKAGE_NAME, E, None, "a package name of a form its ecosystem does not allow"),
    check(codes::NAME_NOT_NORMALIZED, W, None, "a PyPI name that is not PEP 503 normalised"),
    check(codes::INVALID_PURL, E, Some("PKG:003"), "package.purl is not a valid package URL"),
    check(codes::PURL_MISMATCH, E, Some("PKG:003"), "package.purl names another package than the entry"),
    check(codes::PURL_HAS_VERSION, W, Some("PKG:003"), "package.purl has a version"),
    check(codes::NO_AFFECTED_VERSIONS, E, None, "a package with neither ranges nor versions"),
    check(codes::UNPARSABLE_LISTED_VERSION, W, Some("PKG:002"), "a versions entry its ecosystem cannot read"),
    // Ranges.
    check(codes::UNKNOWN_RANGE_TYPE, E, SCH, "a range type the schema does not define"),
    check(codes::EMPTY_EVENTS, E, SCH, "a range without events"),
    check(codes::INVALID_EVENT, E, SCH, "an event with none, or more than one, of the four kinds"),
    check(codes::MISSING_INTRODUCED, E, Some("RNG:001"), "a range without an introduced event"),
    check(codes::FIXED_AND_LAST_AFFECTED, E, SCH, "a range with both fixed and last_affected"),
    check(codes::CONTRADICTORY_EVENTS, E, Some("RNG:002"), "events of different kinds at the same commit or version"),
    check(codes::NON_DISTINCT_RANGE, E, Some("RNG:002"), "introduced and fixed are the same string"),
    check(codes::EMPTY_INTERVAL, W, Some("RNG:002"), "introduced and fixed at the same version: an empty interval"),
    check(codes::DUPLICATE_EVENT, W, None, "the same event twice"),
    check(codes::REDUNDANT_INTRODUCED, W, None, "an introduced inside an interval already open"),
    check(codes::REDUNDANT_END, W, None, "a fixed or last_affected where no interval is open"),
    check(codes::RANGE_WITHOUT_PACKAGE, E, Some("RNG:002"), "a SEMVER range in an entry without a package"),
    check(codes::ECOSYSTEM_RANGE_WITHOUT_PACKAGE, E, Some("RNG:002"), "an ECOSYSTEM range in an entry without a package"),
    check(codes::NO_VERSION_ORDERING, E, None, "an ECOSYSTEM range in an ecosystem without a version ordering"),
    check(codes::UNPARSABLE_VERSION, E, Some("PKG:002"), "a range version its ordering cannot read"),
    check(codes::SEMVER_COERCED, W, None, "a SEMVER range version that is not SemVer 2.0.0"),
    check(codes::GIT_RANGE_WITHOUT_REPO, E, SCH, "a GIT range without repo"),
    check(codes::INVALID_COMMIT_HASH, E, SCH, "a GIT event that is not a full commit hash"),
];

/// The check of a code, when the linter knows it.
pub fn check_for(code: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.code == code)
}

/// The level of a code; a code the linter does not know counts as an error.
pub fn level(code: &str) -> Level {
    check_for(code).map_or(Level::Error, |c| c.level)
}

/// The id prefixes the schema defines (`$defs/prefix` of `validation/schema.json` at
/// `ossf/osv-schema` commit `51b8156`), each followed by `-` in an id. `SUSE-[SRFO]U` is written out.
pub const ID_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// The prefix that marks a local database's ids, which the schema accepts whatever follows.
pub const LOCAL_ID_PREFIX: &str = "x_";

/// Ubuntu's priorities, the scores of an `Ubuntu` severity.
const UBUNTU_PRIORITIES: &[&str] = &["negligible", "low", "medium", "high", "critical"];

/// Lints a record: every problem, each once, with its code and pointer (at most
/// [`MAX_DIAGNOSTICS`], then one `too_many_diagnostics`).
pub fn lint(record: &Record) -> Vec<Diagnostic> {
    let mut out = Out::default();
    lint_record(&mut out, record);
    for (i, a) in record.affected.iter().enumerate() {
        lint_affected(&mut out, i, a);
    }
    out.finish()
}

/// Reads a record with [`parse_record`] and lints it: the reader's diagnostics, then the linter's
/// that the reader did not already report. A document the reader refuses (not JSON, no usable id)
/// has only the reader's diagnostics.
pub fn lint_json(bytes: &[u8]) -> Vec<Diagnostic> {
    let (record, diagnostics) = parse_record(bytes);
    let mut out = Out::default();
    for d in diagnostics {
        out.push(d);
    }
    if let Some(record) = record {
        for d in lint(&record) {
            out.push(d);
        }
    }
    out.finish()
}

/// Collects diagnostics, each (code, pointer) once, up to [`MAX_DIAGNOSTICS`].
#[derive(Default)]
struct Out {
    list: Vec<Diagnostic>,
    seen: HashSet<(String, String)>,
    dropped: usize,
}

impl Out {
    fn push(&mut self, d: Diagnostic) {
        if d.code == codes::TOO_MANY_DIAGNOSTICS {
            // Recounted at the end.
            self.dropped += 1;
            return;
        }
        if !self.seen.insert((d.code.clone(), d.pointer.clone())) {
            return;
        }
        if self.list.len() < MAX_DIAGNOSTICS {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }

    fn add(&mut self, code: &str, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Diagnostic::new(code, pointer, message));
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.list.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, "", "more diagnostics were found than the limit; the rest were left out"));
        }
        self.list
    }
}

fn lint_record(out: &mut Out, r: &Record) {
    // The id: what the reader refuses (for a record built in code), then the schema's prefixes.
    if r.id.is_empty() {
        out.add(codes::INVALID_ID, "/id", "the id is empty");
    } else if r.id.len() > MAX_ID_LEN {
        out.add(codes::INVALID_ID, "/id", format!("the id is {} bytes long; the limit is {MAX_ID_LEN}", r.id.len()));
    } else if r.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        out.add(codes::INVALID_ID, "/id", format!("the id \"{}\" contains white space or control characters", shorten(&r.id)));
    } else if let Some(message) = id_prefix_problem(&r.id) {
        out.add(codes::UNKNOWN_ID_PREFIX, "/id", message);
    }

    if r.modified.is_none() {
        out.add(codes::MISSING_FIELD, "/modified", "\"modified\" is required");
    }
    for (key, value) in [("modified", &r.modified), ("published", &r.published), ("withdrawn", &r.withdrawn)] {
        let Some(s) = value else { continue };
        let pointer = format!("/{key}");
        if parse_timestamp(s).is_none() {
            out.add(codes::INVALID_TIMESTAMP, pointer, format!("\"{}\" is not an RFC 3339 timestamp", shorten(s)));
        } else if !s.ends_with('Z') {
            out.add(codes::TIMESTAMP_NOT_UTC, pointer, format!("\"{}\" is not in UTC with \"Z\", as the schema asks", shorten(s)));
        }
    }

    if r.affected.is_empty() && r.withdrawn.is_none() {
        out.add(codes::NO_AFFECTED, "/affected", "the record is not withdrawn and has no affected entries, so it applies to nothing");
    }

    // aliases, related, upstream (upstream's REC:002..004).
    let mut aliases = HashSet::new();
    for (i, a) in r.aliases.iter().enumerate() {
        let p = format!("/aliases/{i}");
        if *a == r.id {
            out.add(codes::ALIAS_IS_ID, p, format!("\"{}\" is the record's own id", shorten(a)));
        } else if !aliases.insert(a.as_str()) {
            out.add(codes::DUPLICATE_ALIAS, p, format!("\"{}\" is listed more than once", shorten(a)));
        }
    }
    let mut related = HashSet::new();
    for (i, a) in r.related.iter().enumerate() {
        let p = format!("/related/{i}");
        if *a == r.id {
            out.add(codes::RELATED_IS_ID, p, format!("\"{}\" is the record's own id", shorten(a)));
        } else if !related.insert(a.as_str()) {
            out.add(codes::DUPLICATE_RELATED, p, format!("\"{}\" is listed more than once", shorten(a)));
        }
    }
    let mut upstream = HashSet::new();
    for (i, a) in r.upstream.iter().enumerate() {
        let p = format!("/upstream/{i}");
        if *a == r.id {
            out.add(codes::UPSTREAM_IS_ID, p, format!("\"{}\" is the record's own id", shorten(a)));
        } else if !upstream.insert(a.as_str()) {
            out.add(codes::DUPLICATE_UPSTREAM, p, format!("\"{}\" is listed more than once", shorten(a)));
        } else if aliases.contains(a.as_str()) {
            out.add(codes::UPSTREAM_IS_ALIAS, p, format!("\"{}\" is also an alias: the same vulnerability cannot be its own upstream", shorten(a)));
        } else if related.contains(a.as_str()) {
            out.add(codes::UPSTREAM_IS_RELATED, p, format!("\"{}\" is also a related id", shorten(a)));
        }
    }

    for (i, s) in r.severity.iter().enumerate() {
        lint_severity(out, &format!("/severity/{i}"), s);
    }
}

/// Why an id does not match the schema's `^(x_|(PREFIX)-)` (with something after the prefix).
fn id_prefix_problem(id: &str) -> Option<String> {
    if let Some(rest) = id.strip_prefix(LOCAL_ID_PREFIX) {
        return rest.is_empty().then(|| "the id is the local prefix \"x_\" with nothing after it".to_string());
    }
    let known = ID_PREFIXES.iter().find_map(|p| id.strip_prefix(p).and_then(|rest| rest.strip_prefix('-')));
    match known {
        Some("") => Some(format!("the id \"{}\" has a database prefix but no entry id after it", shorten(id))),
        Some(_) => None,
        None => Some(format!(
            "the id \"{}\" does not start with a database prefix the OSV schema defines (for example GHSA-, CVE-, RUSTSEC-) or the local prefix \"x_\"",
            shorten(id)
        )),
    }
}

fn lint_severity(out: &mut Out, pointer: &str, s: &Severity) {
    let score_ptr = format!("{pointer}/score");
    let expected: &[&str] = match s.severity_type.as_str() {
        "CVSS_V2" => &["2.0"],
        "CVSS_V3" => &["3.0", "3.1"],
        "CVSS_V4" => &["4.0"],
        "Ubuntu" => {
            if !UBUNTU_PRIORITIES.contains(&s.score.as_str()) {
                out.add(
                    codes::INVALID_SEVERITY_SCORE,
                    score_ptr,
                    format!("\"{}\" is not an Ubuntu priority ({})", shorten(&s.score), UBUNTU_PRIORITIES.join(", ")),
                );
            }
            return;
        }
        // Unknown types were reported as such; a missing score as missing_field.
        _ => return,
    };
    if s.score.is_empty() {
        return;
    }
    match parse_cvss(&s.score) {
        Ok(c) if expected.contains(&c.version.as_str()) => {}
        Ok(c) => out.add(
            codes::INVALID_SEVERITY_SCORE,
            score_ptr,
            format!("a CVSS {} vector under type {}, which takes CVSS {}", c.version, s.severity_type, expected.join(" or ")),
        ),
        Err(e) => out.add(codes::INVALID_SEVERITY_SCORE, score_ptr, format!("\"{}\": {e}", shorten(&s.score))),
    }
}

fn lint_affected(out: &mut Out, index: usize, a: &Affected) {
    let base_ptr = format!("/affected/{index}");
    // The engine's own reading of the entry: ecosystem, versions, events (see eval.rs).
    let compiled = compile_affected(index, a);
    for d in &compiled.problems {
        out.push(d.clone());
    }
    let known = match &compiled.ecosystem {
        AffectedEcosystem::Known(e) => Some(e),
        _ => None,
    };

    if let Some(p) = &a.package {
        let pkg_ptr = format!("{base_ptr}/package");
        if p.ecosystem.is_empty() {
            out.add(codes::MISSING_FIELD, format!("{pkg_ptr}/ecosystem"), "\"ecosystem\" is required");
        }
        if p.name.is_empty() {
            out.add(codes::MISSING_FIELD, format!("{pkg_ptr}/name"), "\"name\" is required");
        } else if let Some(message) = name_problem(known.map(Ecosystem::base), &p.name) {
            out.add(codes::INVALID_PACKAGE_NAME, format!("{pkg_ptr}/name"), message);
        } else if known.is_some_and(|e| e.base() == Base::PyPi) && pep503_normalize(&p.name) != p.name {
            out.add(
                codes::NAME_NOT_NORMALIZED,
                format!("{pkg_ptr}/name"),
                format!("\"{}\" is not a normalised PyPI name (PEP 503: \"{}\"), as the schema asks", shorten(&p.name), pep503_normalize(&p.name)),
            );
        }
        if let Some(purl) = &p.purl {
            lint_purl(out, &format!("{pkg_ptr}/purl"), purl, known, &p.name);
        }
    }

    for (i, s) in a.severity.iter().enumerate() {
        lint_severity(out, &format!("{base_ptr}/severity/{i}"), s);
    }

    for (ri, range) in a.ranges.iter().enumerate() {
        let ptr = format!("{base_ptr}/ranges/{ri}");
        let events_ptr = format!("{ptr}/events");
        if a.package.is_none() && range.range_type == "SEMVER" {
            out.add(codes::RANGE_WITHOUT_PACKAGE, format!("{ptr}/type"), "a SEMVER range needs the entry's package; only GIT ranges can stand without one");
        }

        // Upstream's RNG:002 compares strings; where the engine could compare versions or commits
        // it has reported empty_interval or contradictory_events at the later event already.
        let introduced: Vec<(usize, &str)> = range.events.iter().enumerate().filter_map(|(i, e)| e.introduced.as_deref().map(|v| (i, v))).collect();
        for (fi, e) in range.events.iter().enumerate() {
            let Some(fixed) = e.fixed.as_deref() else { continue };
            for &(ii, iv) in &introduced {
                if iv != fixed || ii == fi {
                    continue;
                }
                let later = format!("{events_ptr}/{}", ii.max(fi));
                let reported =
                    compiled.problems.iter().any(|d| d.pointer == later && (d.code == codes::EMPTY_INTERVAL || d.code == codes::CONTRADICTORY_EVENTS));
                if !reported {
                    out.add(
                        codes::NON_DISTINCT_RANGE,
                        later,
                        format!("introduced (event {ii}) and fixed (event {fi}) are both \"{}\": the range affects nothing", shorten(fixed)),
                    );
                }
            }
        }

        // Redundant events, on ranges the engine could read.
        let Some(info) = compiled.ranges.get(ri) else { continue };
        if info.state != RangeState::Ready {
            continue;
        }
        let read = |v: &str| -> Option<Version> {
            match info.kind {
                RangeKind::Semver => ComparatorFamily::SemVer.parse(v).or_else(|_| ComparatorFamily::OsvSemver.parse(v)).ok(),
                RangeKind::Ecosystem => clearinghouse_versions::parse(known?, v).ok(),
                RangeKind::Git | RangeKind::Unknown => None,
            }
        };
        if !matches!(info.kind, RangeKind::Semver | RangeKind::Ecosystem) {
            continue;
        }
        let mut events: Vec<(Option<Version>, EventKind, usize, &str)> = Vec::with_capacity(range.events.len());
        let mut readable = true;
        for (ei, e) in range.events.iter().enumerate() {
            let Some((kind, raw)) = e.kind() else { continue };
            if kind == EventKind::Limit {
                continue;
            }
            let at = if kind == EventKind::Introduced && raw == "0" {
                None
            } else {
                match read(raw) {
                    Some(v) => Some(v),
                    None => {
                        readable = false;
                        break;
                    }
                }
            };
            events.push((at, kind, ei, raw));
        }
        if !readable {
            continue;
        }
        events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut open = false;
        for (n, (at, kind, ei, raw)) in events.iter().enumerate() {
            // The same event twice is duplicate_event already.
            if n > 0 && events[n - 1].0 == *at && events[n - 1].1 == *kind {
                continue;
            }
            match kind {
                EventKind::Introduced if open => out.add(
                    codes::REDUNDANT_INTRODUCED,
                    format!("{events_ptr}/{ei}"),
                    format!("introduced \"{}\" lies inside an interval an earlier introduced already opened: it adds nothing", shorten(raw)),
                ),
                EventKind::Introduced => open = true,
                EventKind::Fixed | EventKind::LastAffected if !open => out.add(
                    codes::REDUNDANT_END,
                    format!("{events_ptr}/{ei}"),
                    format!(
                        "{} \"{}\" ends no interval: no introduced at or below it is open (events out of order, or a pair mixed up?)",
                        kind.name(),
                        shorten(raw)
                    ),
                ),
                EventKind::Fixed | EventKind::LastAffected => open = false,
                EventKind::Limit => {}
            }
        }
    }
}

/// The forms of package names the schema fixes.
fn name_problem(base: Option<Base>, name: &str) -> Option<String> {
    if name.trim() != name {
        return Some(format!("\"{}\" has white space around it", shorten(name)));
    }
    match base? {
        Base::Maven => {
            let ok = name.split_once(':').is_some_and(|(g, a)| !g.is_empty() && !a.is_empty() && !a.contains(':'));
            (!ok).then(|| format!("\"{}\" is not a Maven name of the form groupId:artifactId", shorten(name)))
        }
        Base::Linux => (name != "Kernel").then(|| format!("\"{}\" is not a Linux package name: the schema's only one is \"Kernel\"", shorten(name))),
        Base::Npm => {
            let ok = match name.strip_prefix('@') {
                Some(scoped) => scoped.split_once('/').is_some_and(|(s, n)| !s.is_empty() && !n.is_empty() && !n.contains('/')),
                None => !name.contains('/'),
            };
            (!ok).then(|| format!("\"{}\" is not an npm name (name, or @scope/name)", shorten(name)))
        }
        _ => None,
    }
}

fn lint_purl(out: &mut Out, pointer: &str, purl: &str, eco: Option<&Ecosystem>, name: &str) {
    let parsed = match Purl::parse_lenient(purl) {
        Ok(p) => p,
        Err(e) => {
            out.add(codes::INVALID_PURL, pointer, format!("\"{}\": {e}", shorten(purl)));
            return;
        }
    };
    if parsed.version().is_some() {
        out.add(codes::PURL_HAS_VERSION, pointer, format!("\"{}\" has a version; the schema asks for the package URL without one", shorten(purl)));
    }
    // Only where the entry's ecosystem has package URLs at all (not Linux, Android, Root…).
    let Some(eco) = eco else { return };
    if purl_for(eco, name, None).is_err() {
        return;
    }
    let base = eco.base();
    let mismatch = match package_for_purl(&parsed) {
        Ok(pkg) => {
            let (theirs, ours) = (normalize_name(base, &pkg.name), normalize_name(base, name));
            // Package URLs lower-case some types' names; that is not a different package.
            pkg.ecosystem.base() != base || (theirs != ours && !theirs.eq_ignore_ascii_case(&ours))
        }
        Err(_) => true,
    };
    if mismatch {
        out.add(codes::PURL_MISMATCH, pointer, format!("\"{}\" does not name {} package \"{}\"", shorten(purl), base, shorten(name)));
    }
}
