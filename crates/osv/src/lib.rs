//! Clearinghouse OSV: OSV 1.7 records, the schema's range evaluation, and package URLs with their
//! OSV ecosystems.
//!
//! Architecture invariant: this crate does no I/O (no files, network or clock; time is an
//! argument). Parsers of outside data ([`parse_record`], [`parse_record_yaml`], [`Purl::parse`])
//! never panic, refuse over-limit input before reading it, and report every problem as a
//! [`Diagnostic`] (code, JSON pointer, message). The codes are the constants in [`codes`].
//!
//! ```
//! use clearinghouse_osv::{affected_by, parse_record, Verdict};
//!
//! let json = br#"{"id": "RUSTSEC-2019-0033", "modified": "2021-01-04T19:02:00Z",
//!   "affected": [{"package": {"ecosystem": "crates.io", "name": "http"},
//!     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.1.20"}]}]}]}"#;
//! let (record, diagnostics) = parse_record(json);
//! let record = record.unwrap();
//! assert!(diagnostics.is_empty());
//! let crates = "crates.io".parse().unwrap();
//! assert_eq!(affected_by(&record, &crates, "http", "0.1.19").verdict, Verdict::Affected);
//! assert_eq!(affected_by(&record, &crates, "http", "0.1.20").verdict, Verdict::NotAffected);
//! ```
//!
//! # Map
//! - `record.rs`: the record types (lenient: unknown members kept in `extra`).
//! - `parse.rs`: JSON and YAML reading, bounded, with diagnostics.
//! - `eval.rs`: ranges compiled to intervals ([`CompiledAffected`]) and evaluated ([`affected_by`]),
//!   with "undetermined" as an answer of its own ([`Verdict::Undetermined`]).
//! - `purl.rs`: package URLs; `purl_osv.rs`: their OSV ecosystems, and back.
//! - `lint.rs`: the linter ([`lint()`], [`lint_json`]): every problem of a record, with a level per code.

mod eval;
pub mod lint;
mod parse;
mod purl;
mod purl_osv;
mod record;

pub use clearinghouse_model::Diagnostic;
pub use clearinghouse_versions::{Base, Ecosystem};
pub use eval::{
    AffectedEcosystem, CompiledAffected, End, EntryEvaluation, Evaluation, GitCommit, Interval, ListedVersion, MatchSource, MatchedRange, QueryVersion,
    RangeInfo, RangeKind, RangeOrdering, RangeState, Start, Undetermined, Unresolved, Verdict, affected_by, affected_by_commit, compile_affected,
    compile_record, ecosystem_matches, evaluate_compiled, normalize_name, pep503_normalize,
};
pub use lint::{lint, lint_json};
pub use parse::{parse_record, parse_record_yaml};
pub use purl::{Purl, PurlError, PurlParts};
pub use purl_osv::{GitTarget, OsvPackage, ecosystem_for_purl, git_target_for_purl, package_for_purl, purl_for};
pub use record::{
    Affected, CREDIT_TYPES, Credit, Event, EventKind, Extra, Package, RANGE_TYPES, REFERENCE_TYPES, Range, Record, Reference, SEVERITY_TYPES, Severity,
    parse_timestamp,
};

/// The largest record accepted, in bytes (JSON or YAML). The largest real OSV records (Linux
/// kernel and distribution records with long `versions` lists) are a few megabytes; the bound
/// keeps one hostile document from taking more than a known amount of memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting of arrays and objects accepted. An OSV record's own structure is five
/// levels deep (record, affected, ranges, events, event); `*_specific` objects are free-form but
/// shallow in practice. Checked while reading, before the parser's own stack limit.
pub const MAX_DEPTH: usize = 64;

/// The most values (scalars, arrays, objects and keys) a record may have, counted while reading and
/// after YAML alias expansion, so that a small YAML document with nested aliases cannot expand
/// into an unbounded tree. A million values is about 100 MB of parsed JSON at worst and far more
/// than any real record (a `versions` list of tens of thousands of entries).
pub const MAX_NODES: usize = 1_000_000;

/// The most diagnostics reported for one record; the rest are counted in one `too_many_diagnostics`.
pub const MAX_DIAGNOSTICS: usize = 1_000;

/// The longest record id accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// The longest package URL accepted, in bytes (the model crate uses the same bound).
pub const MAX_PURL_LEN: usize = 2048;

/// The diagnostic codes of this crate. Each says whether the problem makes a range undetermined
/// ("fatal": the range cannot answer and evaluations meeting it say [`Verdict::Undetermined`]),
/// is a warning (the record is read and evaluated as written), or refuses the document.
pub mod codes {
    /// Refused: the input is larger than [`crate::MAX_RECORD_BYTES`].
    pub const INPUT_TOO_LARGE: &str = "input_too_large";
    /// Refused: nesting deeper than [`crate::MAX_DEPTH`].
    pub const NESTING_TOO_DEEP: &str = "nesting_too_deep";
    /// Refused: more than [`crate::MAX_NODES`] values.
    pub const TOO_MANY_VALUES: &str = "too_many_values";
    /// Refused: not JSON (the message has the line and column).
    pub const INVALID_JSON: &str = "invalid_json";
    /// Refused: not YAML, or not one YAML document.
    pub const INVALID_YAML: &str = "invalid_yaml";
    /// Refused: the document is not an object.
    pub const NOT_AN_OBJECT: &str = "not_an_object";
    /// Refused when at `/id`: a required member is missing. Elsewhere a warning.
    pub const MISSING_FIELD: &str = "missing_field";
    /// Refused: the id is empty, too long, or has white space or control characters.
    pub const INVALID_ID: &str = "invalid_id";
    /// Warning: a member has the wrong JSON type and was ignored.
    pub const WRONG_TYPE: &str = "wrong_type";
    /// Warning: an event version written as an integer (YAML's unquoted `0`), read as its string.
    pub const NUMBER_AS_VERSION: &str = "number_as_version";
    /// Warning: a timestamp is not RFC 3339.
    pub const INVALID_TIMESTAMP: &str = "invalid_timestamp";
    /// Warning: a severity type the schema does not define.
    pub const UNKNOWN_SEVERITY_TYPE: &str = "unknown_severity_type";
    /// Warning: a reference type the schema does not define.
    pub const UNKNOWN_REFERENCE_TYPE: &str = "unknown_reference_type";
    /// Warning: a credit type the schema does not define.
    pub const UNKNOWN_CREDIT_TYPE: &str = "unknown_credit_type";
    /// Warning: both the record and an affected entry have a severity.
    pub const SEVERITY_AT_BOTH_LEVELS: &str = "severity_at_both_levels";
    /// Warning: more diagnostics than [`crate::MAX_DIAGNOSTICS`].
    pub const TOO_MANY_DIAGNOSTICS: &str = "too_many_diagnostics";

    /// Fatal for the entry's ECOSYSTEM ranges: the ecosystem is not one this crate knows.
    pub const UNKNOWN_ECOSYSTEM: &str = "unknown_ecosystem";
    /// Fatal: an ECOSYSTEM range in an ecosystem without a version ordering.
    pub const NO_VERSION_ORDERING: &str = "no_version_ordering";
    /// Fatal: an ECOSYSTEM range in an entry without a package.
    pub const ECOSYSTEM_RANGE_WITHOUT_PACKAGE: &str = "ecosystem_range_without_package";
    /// Fatal: a range type the schema does not define.
    pub const UNKNOWN_RANGE_TYPE: &str = "unknown_range_type";
    /// Fatal: a range without events.
    pub const EMPTY_EVENTS: &str = "empty_events";
    /// Fatal: an event with none, or more than one, of introduced, fixed, last_affected, limit.
    pub const INVALID_EVENT: &str = "invalid_event";
    /// Fatal: a range without an introduced event.
    pub const MISSING_INTRODUCED: &str = "missing_introduced";
    /// Fatal: a range with both fixed and last_affected events.
    pub const FIXED_AND_LAST_AFFECTED: &str = "fixed_and_last_affected";
    /// Fatal: two events of different kinds name the same commit of a GIT range, or `last_affected`
    /// and `limit` the same version.
    pub const CONTRADICTORY_EVENTS: &str = "contradictory_events";
    /// Warning: `introduced` and `fixed` (or `limit`) at the same version: an empty interval.
    pub const EMPTY_INTERVAL: &str = "empty_interval";
    /// Warning: the same event twice.
    pub const DUPLICATE_EVENT: &str = "duplicate_event";
    /// Fatal: a range version its ordering cannot read.
    pub const UNPARSABLE_VERSION: &str = "unparsable_version";
    /// Warning: a SEMVER range version that is not SemVer 2.0.0, read by the lenient rules.
    pub const SEMVER_COERCED: &str = "semver_coerced";
    /// Warning: a GIT range without `repo`.
    pub const GIT_RANGE_WITHOUT_REPO: &str = "git_range_without_repo";
    /// Warning: a GIT event that is not a full commit hash (it can never match).
    pub const INVALID_COMMIT_HASH: &str = "invalid_commit_hash";
    /// Warning: a `versions` entry the ecosystem cannot read (it still matches as a string).
    pub const UNPARSABLE_LISTED_VERSION: &str = "unparsable_listed_version";
    /// Fatal for the entry: a package with neither ranges nor versions.
    pub const NO_AFFECTED_VERSIONS: &str = "no_affected_versions";

    /// Evaluation: the queried version cannot be read by an ordering a range needs.
    pub const UNPARSABLE_QUERY_VERSION: &str = "unparsable_query_version";
    /// Evaluation: the queried version is not SemVer 2.0.0 and was read by the lenient rules.
    pub const QUERY_VERSION_COERCED: &str = "query_version_coerced";

    /// Package URLs: not a valid purl.
    pub const INVALID_PURL: &str = "invalid_purl";
    /// Package URLs: the purl's type (or distribution) has no OSV ecosystem.
    pub const PURL_NO_OSV_ECOSYSTEM: &str = "purl_no_osv_ecosystem";
    /// Package URLs: the purl names a repository (github, bitbucket), matched only by GIT ranges.
    pub const PURL_GIT_ONLY: &str = "purl_git_only";
    /// Package URLs (note): no distro qualifier; every release of the distribution matches.
    pub const PURL_DISTRO_MISSING: &str = "purl_distro_missing";
    /// Package URLs (note): a distro qualifier that does not give an OSV release.
    pub const PURL_DISTRO_UNKNOWN: &str = "purl_distro_unknown";
    /// Package URLs: an ecosystem without a purl type.
    pub const NO_PURL_TYPE: &str = "no_purl_type";
}
