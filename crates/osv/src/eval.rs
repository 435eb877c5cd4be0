//! Range evaluation, exactly as `schema.md` ("Evaluation") defines it, compiled once per affected
//! entry so that a matching engine can test many versions cheaply.
//!
//! # From events to intervals
//! The schema's pseudo-code walks a range's events sorted by version: an `introduced` at or below
//! the version makes it vulnerable, a `fixed` at or below it or a `last_affected` below it makes it
//! not vulnerable, and the last event that applies wins; then `BeforeLimits` requires the version
//! to be below some `limit` (an implicit `"*"` when there is none). On a linear order the same
//! answer comes from intervals, built once: walking the sorted events, an `introduced` opens an
//! interval (if none is open), a `fixed` closes it before its version, a `last_affected` closes it
//! after its version, and the intervals are then cut at the greatest `limit` (`v < some limit` is
//! `v < max(limit)`). `introduced: "0"` is "before every version", never parsed: in several
//! ecosystems `0` is a real version with smaller ones (`0~1` in dpkg). A `limit` containing `*` is
//! infinity. Events of equal version are processed in the order introduced, last_affected, fixed,
//! limit: `introduced: X` with `last_affected: X` is the one-version range `[X, X]`, and
//! `introduced: X` with `fixed: X` the empty interval `[X, X)` (RustSec writes "patched from X on"
//! that way; it is reported as `empty_interval`).
//!
//! # Orderings
//! - `SEMVER` ranges use SemVer 2.0.0 precedence, as the schema requires, whatever the ecosystem:
//!   bounds and versions are read by the strict SemVer 2.0.0 parser (`ComparatorFamily::SemVer`).
//!   A bound it refuses is read by osv-scanner's lenient rules (`ComparatorFamily::OsvSemver`:
//!   a leading `v`, missing minor or patch) with a `semver_coerced` diagnostic, because real records
//!   do carry such bounds and refusing them would hide the advisory; both produce the same key, so
//!   they compare consistently. A string neither reads is `unparsable_version`.
//! - `ECOSYSTEM` ranges use the package's ecosystem ordering (`clearinghouse_versions::parse`).
//! - `GIT` ranges name commits, and "u < v" means "u is an ancestor of v", which needs the
//!   repository's commit graph. The clearinghouse does not read repositories, so a GIT range only
//!   answers for a version that is one of its listed commit hashes (`introduced` and
//!   `last_affected` commits are affected, `fixed` and `limit` commits are not); any other version
//!   gets [`Undetermined::GitRangeNeedsCommits`].
//!
//! # Never a silent "not affected"
//! A range that cannot be evaluated (no `introduced`, an event that is not exactly one of the four
//! kinds, `fixed` and `last_affected` together, contradictory events, a version its ordering cannot
//! read, an ecosystem without an ordering or unknown to this crate) is compiled to an
//! [`Undetermined`] state with a diagnostic, and an evaluation that meets it answers
//! [`Verdict::Undetermined`] unless some other range or the `versions` list says "affected".
//! The one exception is the GIT range of an entry that has other evidence (a `versions` list or
//! another range): the schema requires GIT ranges to come with a `versions` list precisely because
//! they cannot be evaluated without the repository, so the rest of the entry answers for it; the
//! GIT range is still listed in [`Evaluation::unresolved`], marked `covered`.

use std::borrow::Cow;
use std::cmp::Ordering;

use clearinghouse_model::Diagnostic;
use clearinghouse_versions::{Base, ComparatorFamily, Ecosystem, Version};
use serde::Serialize;

use crate::parse::shorten;
use crate::record::{Affected, EventKind, Range, Record};
use crate::{MAX_DIAGNOSTICS, codes};

/// How an affected entry's `package.ecosystem` was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AffectedEcosystem {
    /// An OSV ecosystem this crate knows.
    Known(Ecosystem),
    /// `GIT`, which the schema's ecosystem pattern allows for packages identified by repository.
    Git,
    /// A string that is not an OSV ecosystem (reported as `unknown_ecosystem`), kept as written.
    Unknown(String),
    /// No package, or a package without an ecosystem.
    Missing,
}

/// The type of a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
    /// A type the schema does not define.
    Unknown,
}

/// Which ordering an interval's bounds were read with; a query version must be read the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeOrdering {
    /// SemVer 2.0.0 precedence (SEMVER ranges).
    Semver,
    /// The entry's ecosystem ordering (ECOSYSTEM ranges).
    Ecosystem,
}

/// Why a range, or an entry, cannot answer for a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undetermined {
    /// A GIT range and a version that is not one of its listed commit hashes: answering needs the
    /// repository's commit graph, which the clearinghouse does not read.
    GitRangeNeedsCommits,
    /// The entry's ecosystem is not an OSV ecosystem this crate knows.
    UnknownEcosystem,
    /// An ECOSYSTEM range in an ecosystem without a version ordering (Linux, Android, OSS-Fuzz…).
    NoVersionOrdering,
    /// The range breaks the schema's rules in a way that leaves its meaning open.
    MalformedRange,
    /// A version in the range, or the queried version, cannot be read by the range's ordering.
    UnparsableVersion,
    /// The entry names a package but neither ranges nor versions.
    NoAffectedVersions,
}

/// Whether a compiled range can be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeState {
    Ready,
    Undetermined(Undetermined),
}

/// One range of an entry, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeInfo {
    /// Its index in `affected[].ranges`.
    pub index: usize,
    pub kind: RangeKind,
    pub repo: Option<String>,
    pub state: RangeState,
    /// Its intervals: `CompiledAffected::intervals[intervals]`.
    pub intervals: std::ops::Range<usize>,
}

/// The lower end of an interval: `None` is "below every version" (`introduced: "0"`).
pub type Start = Option<Version>;

/// The upper end of an interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// No `fixed`, `last_affected` or finite `limit` closes it.
    Unbounded,
    /// Versions strictly below this one (`fixed`, or `limit`).
    Before(Version),
    /// Versions up to and including this one (`last_affected`).
    Through(Version),
}

/// A set of affected versions of one range: `start <= v` and `v` before `end`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// The range it comes from.
    pub range: usize,
    pub ordering: RangeOrdering,
    pub start: Start,
    pub end: End,
}

impl Interval {
    /// Whether `v` (read with this interval's ordering) lies in it.
    pub fn contains(&self, v: &Version) -> bool {
        let above = self.start.as_ref().is_none_or(|s| v >= s);
        let below = match &self.end {
            End::Unbounded => true,
            End::Before(e) => v < e,
            End::Through(e) => v <= e,
        };
        above && below
    }
}

/// A commit named by a GIT range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitCommit {
    pub range: usize,
    pub kind: EventKind,
    /// Lower-case hexadecimal, 40 (SHA-1) or 64 (SHA-256) digits.
    pub hash: String,
}

/// A version of the entry's `versions` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedVersion {
    /// Its index in `affected[].versions`.
    pub index: usize,
    pub raw: String,
    /// Read with the ecosystem's ordering, when it has one and the string is readable.
    pub parsed: Option<Version>,
}

/// One affected entry, compiled once so that many versions can be tested against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledAffected {
    /// Its index in `affected`.
    pub index: usize,
    pub ecosystem: AffectedEcosystem,
    /// The package name as matched: normalised where the ecosystem's names are case-insensitive
    /// (see [`normalize_name`]). `None` without a package.
    pub name: Option<String>,
    pub ranges: Vec<RangeInfo>,
    /// The intervals of every evaluable SEMVER and ECOSYSTEM range, range by range.
    pub intervals: Vec<Interval>,
    /// The `versions` list.
    pub exact: Vec<ListedVersion>,
    /// The commits of every GIT range.
    pub git_commits: Vec<GitCommit>,
    /// Everything found wrong with the entry, with pointers into the record.
    pub problems: Vec<Diagnostic>,
}

/// Where a match came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// `affected[].ranges[i]`.
    Range(usize),
    /// `affected[].versions[i]`.
    Versions(usize),
}

/// One reason an entry says "affected".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MatchedRange {
    /// The index in `affected`.
    pub affected: usize,
    pub source: MatchSource,
}

/// A range (or, with `range: None`, an entry) that could not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub affected: usize,
    pub range: Option<usize>,
    pub reason: Undetermined,
    /// True when the rest of the entry answered for it (a GIT range beside a `versions` list or
    /// other ranges), so it did not make the verdict undetermined.
    pub covered: bool,
}

/// The answer to "is this version affected?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Affected,
    NotAffected,
    /// Some range that applies could not be evaluated and nothing says "affected": the answer is
    /// not known, which is not the same as "not affected". [`Evaluation::unresolved`] says why.
    Undetermined,
}

/// The result of evaluating a record (or a set of compiled entries) for one package version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    /// Every range and listed version that contains the version, across all matching entries.
    pub matched: Vec<MatchedRange>,
    pub unresolved: Vec<Unresolved>,
    /// The problems of the matching entries, and of the queried version.
    pub diagnostics: Vec<Diagnostic>,
}

impl Evaluation {
    /// `Some(true)` affected, `Some(false)` not affected, `None` undetermined.
    pub fn affected(&self) -> Option<bool> {
        match self.verdict {
            Verdict::Affected => Some(true),
            Verdict::NotAffected => Some(false),
            Verdict::Undetermined => None,
        }
    }
}

/// Whether `query` (the ecosystem of a package being checked) names the same package universe as
/// `record` (the ecosystem of an affected entry).
///
/// Bases must be equal. A side without a release matches every release of the other: an entry for
/// `Debian` covers every Debian release, and a query for `Debian` (a package URL without a distro
/// qualifier) must see the advisories of every release rather than none. Releases are otherwise
/// compared as written, except Ubuntu's, where `Pro:` and `:LTS` are dropped: `Ubuntu:22.04:LTS`
/// and `Ubuntu:Pro:22.04:LTS` describe packages of the 22.04 system a package URL calls
/// `ubuntu-22.04` (a Pro fix that a system without Pro lacks still leaves that system vulnerable).
pub fn ecosystem_matches(query: &Ecosystem, record: &Ecosystem) -> bool {
    if query.base() != record.base() {
        return false;
    }
    match (query.release(), record.release()) {
        (None, _) | (_, None) => true,
        (Some(q), Some(r)) if query.base() == Base::Ubuntu => ubuntu_release(q) == ubuntu_release(r),
        (Some(q), Some(r)) => q == r,
    }
}

fn ubuntu_release(r: &str) -> &str {
    let r = r.strip_prefix("Pro:").unwrap_or(r);
    r.strip_suffix(":LTS").unwrap_or(r)
}

/// A package name as matched. PyPI names are compared after PEP 503 normalisation (the schema
/// says PyPI names are normalised; records and lockfiles do not always comply), Packagist and NuGet
/// names case-insensitively (their registries treat them so). Every other ecosystem's names are
/// case-sensitive and compared as written.
pub fn normalize_name<'a>(base: Base, name: &'a str) -> Cow<'a, str> {
    match base {
        Base::PyPi => Cow::Owned(pep503_normalize(name)),
        Base::Packagist | Base::NuGet if name.chars().any(char::is_uppercase) => Cow::Owned(name.to_lowercase()),
        _ => Cow::Borrowed(name),
    }
}

/// PEP 503 name normalisation, shared with the SBOM readers.
pub use clearinghouse_model::validate::pep503_normalize;

/// Reads a SEMVER range version: strict SemVer 2.0.0, else osv-scanner's lenient rules (the
/// boolean says the lenient rules were needed).
fn parse_semver(v: &str) -> Result<(Version, bool), String> {
    match ComparatorFamily::SemVer.parse(v) {
        Ok(x) => Ok((x, false)),
        Err(strict) => ComparatorFamily::OsvSemver.parse(v).map(|x| (x, true)).map_err(|_| strict.message),
    }
}

fn is_commit_hash(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compiles every affected entry of a record.
pub fn compile_record(record: &Record) -> Vec<CompiledAffected> {
    record.affected.iter().enumerate().map(|(i, a)| compile_affected(i, a)).collect()
}

/// Compiles `affected[index]`: reads its ecosystem, name, ranges and versions once, and reports
/// every problem with a pointer into the record.
pub fn compile_affected(index: usize, affected: &Affected) -> CompiledAffected {
    let base_ptr = format!("/affected/{index}");
    let mut problems = Vec::new();
    let (ecosystem, name) = match &affected.package {
        None => (AffectedEcosystem::Missing, None),
        Some(p) => {
            let eco = if p.ecosystem.is_empty() {
                AffectedEcosystem::Missing
            } else if p.ecosystem == "GIT" {
                AffectedEcosystem::Git
            } else {
                match Ecosystem::parse(&p.ecosystem) {
                    Ok(e) => AffectedEcosystem::Known(e),
                    Err(e) => {
                        problems.push(Diagnostic::new(
                            codes::UNKNOWN_ECOSYSTEM,
                            format!("{base_ptr}/package/ecosystem"),
                            format!("{}; the entry's ECOSYSTEM ranges cannot be evaluated", e.message),
                        ));
                        AffectedEcosystem::Unknown(p.ecosystem.clone())
                    }
                }
            };
            let name = match &eco {
                AffectedEcosystem::Known(e) => normalize_name(e.base(), &p.name).into_owned(),
                _ => p.name.clone(),
            };
            (eco, Some(name))
        }
    };

    let mut out = CompiledAffected {
        index,
        ecosystem,
        name,
        ranges: Vec::with_capacity(affected.ranges.len()),
        intervals: Vec::new(),
        exact: Vec::with_capacity(affected.versions.len()),
        git_commits: Vec::new(),
        problems,
    };

    for (ri, range) in affected.ranges.iter().enumerate() {
        let ptr = format!("{base_ptr}/ranges/{ri}");
        let info = compile_range(&mut out, ri, range, &ptr);
        out.ranges.push(info);
    }

    let family = match &out.ecosystem {
        AffectedEcosystem::Known(e) => e.comparator_family().map(|_| e.clone()),
        _ => None,
    };
    for (vi, raw) in affected.versions.iter().enumerate() {
        let parsed = match &family {
            Some(e) => match clearinghouse_versions::parse(e, raw) {
                Ok(v) => Some(v),
                Err(err) => {
                    out.problems.push(Diagnostic::new(
                        codes::UNPARSABLE_LISTED_VERSION,
                        format!("{base_ptr}/versions/{vi}"),
                        format!("{}; it still matches that exact string", err),
                    ));
                    None
                }
            },
            None => None,
        };
        out.exact.push(ListedVersion { index: vi, raw: raw.clone(), parsed });
    }

    if affected.package.is_some() && affected.ranges.is_empty() && affected.versions.is_empty() {
        out.problems.push(Diagnostic::new(
            codes::NO_AFFECTED_VERSIONS,
            base_ptr.clone(),
            "the entry names a package but neither ranges nor versions, so no version can be said to be affected or not",
        ));
    }
    // Every evaluation of the entry carries its problems: keep them bounded as parsing does.
    if out.problems.len() > MAX_DIAGNOSTICS {
        let dropped = out.problems.len() - MAX_DIAGNOSTICS;
        out.problems.truncate(MAX_DIAGNOSTICS);
        out.problems.push(Diagnostic::new(codes::TOO_MANY_DIAGNOSTICS, base_ptr, format!("{dropped} more diagnostics were left out")));
    }
    out
}

fn undetermined(info_kind: RangeKind, index: usize, repo: Option<String>, reason: Undetermined, at: usize) -> RangeInfo {
    RangeInfo { index, kind: info_kind, repo, state: RangeState::Undetermined(reason), intervals: at..at }
}

/// One event of a range, read.
struct Ev<'a> {
    /// Index in `events`.
    index: usize,
    kind: EventKind,
    raw: &'a str,
    /// `None`: below every version (`introduced: "0"`); for a limit, infinity (`*`).
    at: Option<Version>,
}

fn compile_range(out: &mut CompiledAffected, ri: usize, range: &Range, ptr: &str) -> RangeInfo {
    let at = out.intervals.len();
    let kind = match range.range_type.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        _ => RangeKind::Unknown,
    };
    let repo = range.repo.clone();
    let problems = &mut out.problems;
    if kind == RangeKind::Unknown {
        // An empty type was reported as missing_field while parsing.
        if !range.range_type.is_empty() {
            problems.push(Diagnostic::new(
                codes::UNKNOWN_RANGE_TYPE,
                format!("{ptr}/type"),
                format!("\"{}\" is not a range type the OSV schema defines (SEMVER, ECOSYSTEM, GIT)", shorten(&range.range_type)),
            ));
        }
        return undetermined(kind, ri, repo, Undetermined::MalformedRange, at);
    }

    // The events, structurally: exactly one kind each, at least one introduced, not both fixed
    // and last_affected.
    let mut malformed = false;
    let events_ptr = format!("{ptr}/events");
    if range.events.is_empty() {
        problems.push(Diagnostic::new(codes::EMPTY_EVENTS, events_ptr.clone(), "the range has no events, so it describes no versions"));
        return undetermined(kind, ri, repo, Undetermined::MalformedRange, at);
    }
    let mut read: Vec<(usize, EventKind, &str)> = Vec::with_capacity(range.events.len());
    for (ei, e) in range.events.iter().enumerate() {
        match e.kind() {
            Some((k, v)) => read.push((ei, k, v)),
            None => {
                let present: Vec<&str> = [("introduced", &e.introduced), ("fixed", &e.fixed), ("last_affected", &e.last_affected), ("limit", &e.limit)]
                    .iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(n, _)| *n)
                    .collect();
                let message = if present.is_empty() {
                    "the event has none of introduced, fixed, last_affected and limit".to_string()
                } else {
                    format!("the event has {} where the schema allows exactly one", present.join(" and "))
                };
                problems.push(Diagnostic::new(codes::INVALID_EVENT, format!("{events_ptr}/{ei}"), message));
                malformed = true;
            }
        }
    }
    if !read.iter().any(|(_, k, _)| *k == EventKind::Introduced) {
        problems.push(Diagnostic::new(
            codes::MISSING_INTRODUCED,
            events_ptr.clone(),
            "the range has no introduced event; by the schema's algorithm nothing would be affected, which is not what a range means",
        ));
        malformed = true;
    }
    if read.iter().any(|(_, k, _)| *k == EventKind::Fixed) && read.iter().any(|(_, k, _)| *k == EventKind::LastAffected) {
        problems.push(Diagnostic::new(
            codes::FIXED_AND_LAST_AFFECTED,
            events_ptr.clone(),
            "the range has both fixed and last_affected events, which the schema forbids: where the vulnerability ends is ambiguous",
        ));
        malformed = true;
    }

    if kind == RangeKind::Git {
        return compile_git(out, ri, range, ptr, read, malformed);
    }

    // Read each version with the range's ordering.
    let (ordering, eco) = match kind {
        RangeKind::Semver => (RangeOrdering::Semver, None),
        _ => match &out.ecosystem {
            AffectedEcosystem::Known(e) if e.comparator_family().is_some() => (RangeOrdering::Ecosystem, Some(e.clone())),
            AffectedEcosystem::Known(e) => {
                problems.push(Diagnostic::new(
                    codes::NO_VERSION_ORDERING,
                    format!("{ptr}/type"),
                    format!("{} has no version ordering, so an ECOSYSTEM range cannot be evaluated; use GIT ranges or the versions list", e.base()),
                ));
                return undetermined(kind, ri, repo, Undetermined::NoVersionOrdering, at);
            }
            AffectedEcosystem::Git => {
                problems.push(Diagnostic::new(
                    codes::NO_VERSION_ORDERING,
                    format!("{ptr}/type"),
                    "the GIT ecosystem has no version ordering, so an ECOSYSTEM range cannot be evaluated",
                ));
                return undetermined(kind, ri, repo, Undetermined::NoVersionOrdering, at);
            }
            // Already reported as unknown_ecosystem.
            AffectedEcosystem::Unknown(_) => return undetermined(kind, ri, repo, Undetermined::UnknownEcosystem, at),
            AffectedEcosystem::Missing => {
                problems.push(Diagnostic::new(
                    codes::ECOSYSTEM_RANGE_WITHOUT_PACKAGE,
                    format!("{ptr}/type"),
                    "an ECOSYSTEM range needs the entry's package ecosystem, and the entry has none",
                ));
                return undetermined(kind, ri, repo, Undetermined::UnknownEcosystem, at);
            }
        },
    };
    let eco_label = out.ecosystem_label();
    let problems = &mut out.problems;
    let mut unparsable = false;
    let mut events: Vec<Ev> = Vec::with_capacity(read.len());
    for (ei, k, raw) in read {
        let value_ptr = format!("{events_ptr}/{ei}/{}", k.name());
        // "0" as introduced is below every version; a limit containing "*" is infinity.
        let at_version = if (k == EventKind::Introduced && raw == "0") || (k == EventKind::Limit && raw.contains('*')) {
            None
        } else {
            let parsed = match &eco {
                None => parse_semver(raw).map(|(v, coerced)| {
                    if coerced {
                        problems.push(Diagnostic::new(
                            codes::SEMVER_COERCED,
                            value_ptr.clone(),
                            format!("\"{}\" is not a SemVer 2.0.0 version; it was read by the lenient rules (a leading v, missing parts)", shorten(raw)),
                        ));
                    }
                    v
                }),
                Some(e) => clearinghouse_versions::parse(e, raw).map_err(|err| err.message),
            };
            match parsed {
                Ok(v) => Some(v),
                Err(message) => {
                    let label = if eco.is_none() { "SemVer".to_string() } else { format!("{eco_label} ECOSYSTEM") };
                    problems.push(Diagnostic::new(codes::UNPARSABLE_VERSION, value_ptr, format!("\"{}\" is not a {label} version: {message}", shorten(raw))));
                    unparsable = true;
                    continue;
                }
            }
        };
        events.push(Ev { index: ei, kind: k, raw, at: at_version });
    }
    if unparsable {
        return undetermined(kind, ri, repo, Undetermined::UnparsableVersion, at);
    }

    // Infinite limits say nothing (the implicit limit is "*"); finite ones cap the range.
    let has_infinite_limit = events.iter().any(|e| e.kind == EventKind::Limit && e.at.is_none());
    let cap = if has_infinite_limit { None } else { events.iter().filter(|e| e.kind == EventKind::Limit).filter_map(|e| e.at.clone()).max() };
    events.retain(|e| !(e.kind == EventKind::Limit && e.at.is_none()));
    events.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(&b.kind)));

    if check_equal_events(problems, &events_ptr, &events, true, |a, b| a.at == b.at) {
        malformed = true;
    }
    if malformed {
        return undetermined(kind, ri, repo, Undetermined::MalformedRange, at);
    }

    let mut open: Option<Start> = None;
    for e in &events {
        match e.kind {
            EventKind::Introduced => {
                if open.is_none() {
                    open = Some(e.at.clone());
                }
            }
            EventKind::Fixed | EventKind::LastAffected => {
                if let Some(start) = open.take() {
                    // Events are sorted and at.is_none() only for introduced "0", so `at` is set.
                    let Some(v) = e.at.clone() else { continue };
                    let end = if e.kind == EventKind::Fixed { End::Before(v) } else { End::Through(v) };
                    out.intervals.push(Interval { range: ri, ordering, start, end });
                }
            }
            EventKind::Limit => {}
        }
    }
    if let Some(start) = open {
        out.intervals.push(Interval { range: ri, ordering, start, end: End::Unbounded });
    }
    if let Some(cap) = cap {
        // BeforeLimits: v < max(limit). Cut every interval there; drop the ones entirely above.
        let mut i = at;
        while i < out.intervals.len() {
            let iv = &mut out.intervals[i];
            if iv.start.as_ref().is_some_and(|s| *s >= cap) {
                out.intervals.remove(i);
                continue;
            }
            let cut = match &iv.end {
                End::Unbounded => true,
                End::Before(e) => *e > cap,
                End::Through(e) => *e >= cap,
            };
            if cut {
                iv.end = End::Before(cap.clone());
            }
            i += 1;
        }
    }
    RangeInfo { index: ri, kind, repo, state: RangeState::Ready, intervals: at..out.intervals.len() }
}

/// Reports events of equal version (sorted, so equal ones are adjacent). The same kind twice is a
/// harmless `duplicate_event`. `introduced` with `last_affected` (the range of that one version)
/// and `fixed` with `limit` (both end the range there) are consistent. On a linear order,
/// `introduced: X` with `fixed: X` (or `limit: X`) is the empty interval `[X, X)` under the
/// processing order of equal versions, which is how RustSec's export writes "patched from X on"
/// (`patched = [">= X"]` after earlier branches): reported as `empty_interval`, and evaluated as
/// written. Every other pair of kinds, and any pair on one commit of a GIT range (where the upstream
/// OSV linter calls it "non-distinct" and the one commit it names is exactly the one in doubt), is
/// `contradictory_events`. Returns whether a contradiction was found.
fn check_equal_events(problems: &mut Vec<Diagnostic>, events_ptr: &str, events: &[Ev], linear: bool, same: impl Fn(&Ev, &Ev) -> bool) -> bool {
    let mut contradiction = false;
    for pair in events.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if !same(a, b) {
            continue;
        }
        let (first, second) = if a.index < b.index { (a, b) } else { (b, a) };
        let what = if linear { "version" } else { "commit" };
        let both = format!("{} \"{}\" and {} \"{}\" (event {})", second.kind.name(), shorten(second.raw), first.kind.name(), shorten(first.raw), first.index);
        match (a.kind, b.kind) {
            (x, y) if x == y => problems.push(Diagnostic::new(
                codes::DUPLICATE_EVENT,
                format!("{events_ptr}/{}", second.index),
                format!("{} \"{}\" repeats event {}", second.kind.name(), shorten(second.raw), first.index),
            )),
            (EventKind::Introduced, EventKind::LastAffected) | (EventKind::Fixed, EventKind::Limit) => {}
            (EventKind::Introduced, EventKind::Fixed | EventKind::Limit) if linear => problems.push(Diagnostic::new(
                codes::EMPTY_INTERVAL,
                format!("{events_ptr}/{}", second.index),
                format!("{both} name the same version: read as the empty interval [X, X), which affects no version"),
            )),
            // Fixed with last_affected is reported as fixed_and_last_affected already.
            (EventKind::LastAffected, EventKind::Fixed) => contradiction = true,
            _ => {
                problems.push(Diagnostic::new(codes::CONTRADICTORY_EVENTS, format!("{events_ptr}/{}", second.index), format!("{both} name the same {what}")));
                contradiction = true;
            }
        }
    }
    contradiction
}

fn compile_git(out: &mut CompiledAffected, ri: usize, range: &Range, ptr: &str, read: Vec<(usize, EventKind, &str)>, mut malformed: bool) -> RangeInfo {
    let at = out.intervals.len();
    let problems = &mut out.problems;
    let events_ptr = format!("{ptr}/events");
    if range.repo.as_deref().is_none_or(str::is_empty) {
        problems.push(Diagnostic::new(codes::GIT_RANGE_WITHOUT_REPO, ptr.to_string(), "a GIT range needs the repository its commits belong to (\"repo\")"));
    }
    let mut commits = Vec::with_capacity(read.len());
    let mut events: Vec<Ev> = Vec::with_capacity(read.len());
    for (ei, k, raw) in read {
        if k == EventKind::Introduced && raw == "0" {
            continue;
        }
        if !is_commit_hash(raw) {
            problems.push(Diagnostic::new(
                codes::INVALID_COMMIT_HASH,
                format!("{events_ptr}/{ei}/{}", k.name()),
                format!("\"{}\" is not a full-length commit hash (40 or 64 hexadecimal digits); it can never match", shorten(raw)),
            ));
            continue;
        }
        let hash = raw.to_ascii_lowercase();
        events.push(Ev { index: ei, kind: k, raw, at: None });
        commits.push(GitCommit { range: ri, kind: k, hash });
    }
    // Same commit in two events: compare the hashes (sorted by hash, then kind).
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by(|&a, &b| commits[a].hash.cmp(&commits[b].hash).then(commits[a].kind.cmp(&commits[b].kind)));
    let sorted: Vec<Ev> = order.iter().map(|&i| Ev { index: events[i].index, kind: events[i].kind, raw: events[i].raw, at: None }).collect();
    let hashes: Vec<&str> = order.iter().map(|&i| commits[i].hash.as_str()).collect();
    let mut contradiction = false;
    for (w, pair) in sorted.windows(2).enumerate() {
        if hashes[w] == hashes[w + 1] && check_equal_events(problems, &events_ptr, pair, false, |_, _| true) {
            contradiction = true;
        }
    }
    malformed |= contradiction;
    if malformed {
        return undetermined(RangeKind::Git, ri, range.repo.clone(), Undetermined::MalformedRange, at);
    }
    out.git_commits.extend(commits);
    RangeInfo { index: ri, kind: RangeKind::Git, repo: range.repo.clone(), state: RangeState::Ready, intervals: at..at }
}

impl CompiledAffected {
    fn ecosystem_label(&self) -> String {
        match &self.ecosystem {
            AffectedEcosystem::Known(e) => e.to_string(),
            AffectedEcosystem::Git => "GIT".into(),
            AffectedEcosystem::Unknown(s) => shorten(s),
            AffectedEcosystem::Missing => "(no ecosystem)".into(),
        }
    }

    /// Whether this entry is about package `name` of ecosystem `eco`.
    ///
    /// An entry whose ecosystem is unknown to this crate matches when its base name equals the
    /// query's ignoring case (`pypi` for `PyPI`) and the names match: its ranges then answer
    /// [`Undetermined::UnknownEcosystem`] instead of the entry being silently skipped.
    pub fn matches_package(&self, eco: &Ecosystem, name: &str) -> bool {
        let Some(own) = &self.name else { return false };
        let name = normalize_name(eco.base(), name);
        match &self.ecosystem {
            AffectedEcosystem::Known(e) => ecosystem_matches(eco, e) && *own == *name,
            AffectedEcosystem::Unknown(raw) => {
                let base = raw.split(':').next().unwrap_or(raw).trim();
                base.eq_ignore_ascii_case(eco.base().name()) && normalize_name(eco.base(), own) == name
            }
            AffectedEcosystem::Git | AffectedEcosystem::Missing => false,
        }
    }

    /// Evaluates `version` against this entry (the caller has checked [`Self::matches_package`]).
    pub fn evaluate(&self, version: &QueryVersion) -> EntryEvaluation {
        let mut matched = Vec::new();
        let mut unresolved = Vec::new();
        for lv in &self.exact {
            let same = lv.raw == version.raw || matches!((&lv.parsed, &version.ecosystem), (Some(a), Some(b)) if a == b);
            if same {
                matched.push(MatchedRange { affected: self.index, source: MatchSource::Versions(lv.index) });
            }
        }
        for r in &self.ranges {
            let outcome = match r.state {
                RangeState::Undetermined(reason) => Err(reason),
                RangeState::Ready => match r.kind {
                    RangeKind::Git => self.evaluate_git(r.index, &version.raw),
                    RangeKind::Semver | RangeKind::Ecosystem => {
                        let parsed = if r.kind == RangeKind::Semver { &version.semver } else { &version.ecosystem };
                        match parsed {
                            None => Err(Undetermined::UnparsableVersion),
                            Some(v) => Ok(self.intervals[r.intervals.clone()].iter().any(|iv| iv.contains(v))),
                        }
                    }
                    RangeKind::Unknown => Err(Undetermined::MalformedRange),
                },
            };
            match outcome {
                Ok(true) => matched.push(MatchedRange { affected: self.index, source: MatchSource::Range(r.index) }),
                Ok(false) => {}
                Err(reason) => unresolved.push(Unresolved { affected: self.index, range: Some(r.index), reason, covered: false }),
            }
        }
        if self.ranges.is_empty() && self.exact.is_empty() {
            unresolved.push(Unresolved { affected: self.index, range: None, reason: Undetermined::NoAffectedVersions, covered: false });
        }
        // GIT ranges are covered by the rest of the entry when there is one (see the module docs).
        let other_evidence = !self.exact.is_empty() || self.ranges.iter().any(|r| r.kind != RangeKind::Git);
        if other_evidence {
            for u in &mut unresolved {
                if u.reason == Undetermined::GitRangeNeedsCommits {
                    u.covered = true;
                }
            }
        }
        let verdict = if !matched.is_empty() {
            Verdict::Affected
        } else if unresolved.iter().any(|u| !u.covered) {
            Verdict::Undetermined
        } else {
            Verdict::NotAffected
        };
        EntryEvaluation { verdict, matched, unresolved }
    }

    fn evaluate_git(&self, range: usize, version: &str) -> Result<bool, Undetermined> {
        if !is_commit_hash(version) {
            return Err(Undetermined::GitRangeNeedsCommits);
        }
        let lower = version.to_ascii_lowercase();
        let mut listed = self.git_commits.iter().filter(|c| c.range == range && c.hash == lower).peekable();
        if listed.peek().is_none() {
            return Err(Undetermined::GitRangeNeedsCommits);
        }
        Ok(listed.any(|c| matches!(c.kind, EventKind::Introduced | EventKind::LastAffected)))
    }
}

/// One entry's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryEvaluation {
    pub verdict: Verdict,
    pub matched: Vec<MatchedRange>,
    pub unresolved: Vec<Unresolved>,
}

/// A queried version, read once with each ordering a range may need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryVersion {
    pub raw: String,
    /// SemVer 2.0.0 precedence (strict, else the lenient rules), for SEMVER ranges.
    pub semver: Option<Version>,
    /// The ecosystem's ordering, for ECOSYSTEM ranges and the versions list.
    pub ecosystem: Option<Version>,
    /// Why the SemVer reading failed or needed the lenient rules.
    pub semver_problem: Option<Diagnostic>,
    /// Why the ecosystem reading failed.
    pub ecosystem_problem: Option<Diagnostic>,
}

impl QueryVersion {
    /// Reads `version` of a package in `eco`.
    pub fn new(eco: &Ecosystem, version: &str) -> QueryVersion {
        let (semver, semver_problem) = match parse_semver(version) {
            Ok((v, coerced)) => {
                // A leading `v` is how Go and others spell versions; only other coercions are news.
                let plain_v = version.strip_prefix('v').is_some_and(|rest| ComparatorFamily::SemVer.parse(rest).is_ok());
                let problem = (coerced && !plain_v).then(|| {
                    Diagnostic::new(
                        codes::QUERY_VERSION_COERCED,
                        "",
                        format!("\"{}\" is not a SemVer 2.0.0 version; SEMVER ranges read it by the lenient rules", shorten(version)),
                    )
                });
                (Some(v), problem)
            }
            Err(message) => (
                None,
                Some(Diagnostic::new(
                    codes::UNPARSABLE_QUERY_VERSION,
                    "",
                    format!("\"{}\" cannot be compared with SEMVER ranges: {message}", shorten(version)),
                )),
            ),
        };
        let (ecosystem, ecosystem_problem) = match eco.comparator_family() {
            None => (None, None),
            Some(_) => match clearinghouse_versions::parse(eco, version) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(Diagnostic::new(codes::UNPARSABLE_QUERY_VERSION, "", format!("{e}; ECOSYSTEM ranges cannot be compared with it")))),
            },
        };
        QueryVersion { raw: version.to_string(), semver, ecosystem, semver_problem, ecosystem_problem }
    }
}

/// Is `version` of package `package` in `ecosystem` affected by `record`? Evaluates every affected
/// entry about that package, exactly as `schema.md` defines, and says which ranges or listed
/// versions matched, which ranges could not answer and why, and every diagnostic of those entries.
///
/// Withdrawn records are the caller's business ([`Record::is_withdrawn`] takes the time).
pub fn affected_by(record: &Record, ecosystem: &Ecosystem, package: &str, version: &str) -> Evaluation {
    evaluate_compiled(&compile_record(record), ecosystem, package, version)
}

/// [`affected_by`] on entries compiled beforehand ([`compile_record`]), for an index that keeps them.
pub fn evaluate_compiled(entries: &[CompiledAffected], ecosystem: &Ecosystem, package: &str, version: &str) -> Evaluation {
    let query = QueryVersion::new(ecosystem, version);
    let mut matched = Vec::new();
    let mut unresolved = Vec::new();
    let mut diagnostics = Vec::new();
    let mut any_entry = false;
    let mut undetermined = false;
    let mut needs_semver = false;
    let mut needs_ecosystem = false;
    for entry in entries.iter().filter(|e| e.matches_package(ecosystem, package)) {
        any_entry = true;
        let r = entry.evaluate(&query);
        undetermined |= r.verdict == Verdict::Undetermined;
        needs_semver |= entry.ranges.iter().any(|r| r.kind == RangeKind::Semver && r.state == RangeState::Ready);
        needs_ecosystem |= entry.ranges.iter().any(|r| r.kind == RangeKind::Ecosystem && r.state == RangeState::Ready);
        matched.extend(r.matched);
        unresolved.extend(r.unresolved);
        diagnostics.extend(entry.problems.iter().cloned());
    }
    // Only the readings a range actually needed are worth reporting.
    if any_entry
        && needs_semver
        && let Some(d) = &query.semver_problem
    {
        diagnostics.push(d.clone());
    }
    if any_entry
        && needs_ecosystem
        && let Some(d) = &query.ecosystem_problem
    {
        diagnostics.push(d.clone());
    }
    let verdict = if !matched.is_empty() {
        Verdict::Affected
    } else if undetermined {
        Verdict::Undetermined
    } else {
        Verdict::NotAffected
    };
    Evaluation { verdict, matched, unresolved, diagnostics }
}

/// Is commit `commit` affected by `record`? Only GIT ranges speak about commits: a commit listed
/// as `introduced` or `last_affected` is affected, one listed as `fixed` or `limit` is not, and
/// any other commit of a record with GIT ranges is [`Verdict::Undetermined`] (answering needs the
/// repository's commit graph). `repo`, when given, restricts the search to ranges of that
/// repository (compared ignoring a trailing `/` or `.git` and the case of the host).
pub fn affected_by_commit(record: &Record, repo: Option<&str>, commit: &str) -> Evaluation {
    let entries = compile_record(record);
    let mut matched = Vec::new();
    let mut unresolved = Vec::new();
    let mut diagnostics = Vec::new();
    let mut listed_unaffected = false;
    for entry in &entries {
        for r in entry.ranges.iter().filter(|r| r.kind == RangeKind::Git) {
            if let (Some(want), Some(have)) = (repo, r.repo.as_deref())
                && !same_repo(want, have)
            {
                continue;
            }
            let range_ptr = format!("/affected/{}/ranges/{}", entry.index, r.index);
            diagnostics.extend(entry.problems.iter().filter(|d| d.pointer == range_ptr || d.pointer.starts_with(&format!("{range_ptr}/"))).cloned());
            let outcome = match r.state {
                RangeState::Undetermined(reason) => Err(reason),
                RangeState::Ready => entry.evaluate_git(r.index, commit),
            };
            match outcome {
                Ok(true) => matched.push(MatchedRange { affected: entry.index, source: MatchSource::Range(r.index) }),
                Ok(false) => listed_unaffected = true,
                Err(reason) => unresolved.push(Unresolved { affected: entry.index, range: Some(r.index), reason, covered: false }),
            }
        }
    }
    let verdict = if !matched.is_empty() {
        Verdict::Affected
    } else if !unresolved.is_empty() && !listed_unaffected {
        Verdict::Undetermined
    } else {
        Verdict::NotAffected
    };
    Evaluation { verdict, matched, unresolved, diagnostics }
}

fn same_repo(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().trim_end_matches('/');
        let s = s.strip_suffix(".git").unwrap_or(s);
        // Hosts are case-insensitive; paths are not in general, but GitHub's and GitLab's are.
        s.to_ascii_lowercase()
    }
    norm(a) == norm(b)
}

impl PartialOrd for Verdict {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Verdict {
    /// Affected > Undetermined > NotAffected: the order in which answers dominate when combined.
    fn cmp(&self, other: &Self) -> Ordering {
        fn rank(v: &Verdict) -> u8 {
            match v {
                Verdict::NotAffected => 0,
                Verdict::Undetermined => 1,
                Verdict::Affected => 2,
            }
        }
        rank(self).cmp(&rank(other))
    }
}
