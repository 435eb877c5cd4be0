//! Clearinghouse matcher: which advisories affect a package version, through an index.
//!
//! [`Index`] holds OSV records compiled once ([`clearinghouse_osv::compile_record`]) and files each
//! affected entry under its (base ecosystem, package name) key, so that a query reads only the
//! entries about that one package, never every advisory. [`scan_sbom`] maps the components of an
//! SBOM or lockfile to OSV packages and queries the index once per distinct package version.
//!
//! Exactness: for every ecosystem except Go, a query answers exactly what
//! [`clearinghouse_osv::affected_by`] answers for each record (same verdict, same matched ranges);
//! the tests check this against full scans of real advisory databases. Go module names are matched
//! ignoring case (see [`Index`]), which is the one deliberate difference.
//!
//! Architecture invariant: no I/O and no clock (the time that decides withdrawal is an argument),
//! and no panics on any input: every problem is a [`Diagnostic`].

mod input;
pub mod prepared;

pub use input::ScanInput;

use std::collections::HashMap;

use clearinghouse_model::Diagnostic;
use clearinghouse_osv::{
    AffectedEcosystem, CompiledAffected, MatchedRange, Purl, QueryVersion, RangeKind, RangeState, Record, Unresolved, Verdict, compile_record,
    ecosystem_matches, normalize_name, package_for_purl,
};
use clearinghouse_sbom::Sbom;
use clearinghouse_versions::{Base, Ecosystem};
use serde::Serialize;
use time::OffsetDateTime;

/// Diagnostic codes of this crate (the osv crate's codes are used where they apply).
pub mod codes {
    /// A component names an ecosystem that is not an OSV ecosystem.
    pub const UNKNOWN_ECOSYSTEM: &str = clearinghouse_osv::codes::UNKNOWN_ECOSYSTEM;
    /// The queried version cannot be read by the orderings the package's ranges need.
    pub const UNPARSABLE_QUERY_VERSION: &str = clearinghouse_osv::codes::UNPARSABLE_QUERY_VERSION;
    /// A component without a version: it cannot be matched.
    pub const NO_VERSION: &str = "no_version";
    /// A component with neither a package URL nor an ecosystem: it cannot be matched.
    pub const NO_ECOSYSTEM: &str = "no_ecosystem";
}

/// What [`Index::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    /// A record with a new id.
    Inserted,
    /// It replaced a record of the same id with an older `modified`.
    Replaced,
    /// A record of the same id with the same or a newer `modified` is kept; this one was ignored.
    Ignored,
}

/// One advisory in the index.
#[derive(Clone, Debug)]
pub struct Advisory {
    pub record: Record,
    /// Withdrawn at the time it was inserted: kept (so that [`Index::get`] still shows it and a
    /// newer copy still replaces it) but never matched.
    pub withdrawn: bool,
    entries: Vec<CompiledAffected>,
    /// The keys its entries are filed under, so that removal touches only those postings.
    keys: Vec<Key>,
}

impl Advisory {
    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn aliases(&self) -> &[String] {
        &self.record.aliases
    }

    /// The compiled affected entries.
    pub fn entries(&self) -> &[CompiledAffected] {
        &self.entries
    }
}

/// (base ecosystem, package name as matched).
type Key = (Base, String);

/// A posting: (advisory slot, entry position in `Advisory::entries`).
type Posting = (usize, usize);

/// The name under which a package is filed and looked up.
///
/// Everywhere but Go this is [`normalize_name`], exactly what
/// [`CompiledAffected::matches_package`] compares. Go module paths are case-sensitive in OSV
/// records (`github.com/BurntSushi/toml`), but the golang purl type is lower-cased and
/// `clearinghouse-sbom` lower-cases the module paths in the purls it builds, so a case-sensitive
/// key would never find a mixed-case module scanned from a go.mod or an SBOM. Two Go modules that
/// differ only in case are in practice the same repository on a case-insensitive host (GitHub), so
/// Go names are keyed lower-cased.
pub fn name_key(base: Base, name: &str) -> String {
    if base == Base::Go { name.to_lowercase() } else { normalize_name(base, name).into_owned() }
}

/// The keys an advisory's entries are filed under (withdrawn or not), without duplicates.
pub fn record_keys(record: &Record) -> Vec<(Base, String)> {
    let mut keys = Vec::new();
    for entry in compile_record(record) {
        let (Some(base), Some(name)) = (entry_base(&entry), entry.name.as_deref()) else { continue };
        let key = (base, name_key(base, name));
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The key a package is filed under in a prepared index ([`prepared`]): the base ecosystem's OSV
/// name, a NUL, and [`name_key`]. The same normalisation as the in-memory [`Index`], so that a
/// prepared index finds exactly the records the index would.
pub fn package_key(base: Base, name: &str) -> String {
    let mut key = String::with_capacity(base.name().len() + 1 + name.len());
    key.push_str(base.name());
    key.push('\0');
    key.push_str(&name_key(base, name));
    key
}

/// The base an entry's ecosystem names, for filing. An ecosystem unknown to the osv crate is filed
/// under the base whose name equals its first part ignoring case, because
/// [`CompiledAffected::matches_package`] matches it that way (its ranges then answer
/// "undetermined" instead of the entry being skipped). `None`: the entry can never match a package.
fn entry_base(entry: &CompiledAffected) -> Option<Base> {
    match &entry.ecosystem {
        AffectedEcosystem::Known(e) => Some(e.base()),
        AffectedEcosystem::Unknown(raw) => {
            let first = raw.split(':').next().unwrap_or(raw).trim();
            Base::ALL.iter().copied().find(|b| b.name().eq_ignore_ascii_case(first))
        }
        AffectedEcosystem::Git | AffectedEcosystem::Missing => None,
    }
}

/// Whether a filed entry is about the queried package. The key already matched the base and the
/// name; what is left is the release (`Debian:12` against `Debian:11`), which
/// [`ecosystem_matches`] decides. Outside Go this is [`CompiledAffected::matches_package`] itself,
/// so that the index cannot drift from the osv crate's rules.
fn entry_matches(entry: &CompiledAffected, eco: &Ecosystem, name: &str) -> bool {
    if eco.base() != Base::Go {
        return entry.matches_package(eco, name);
    }
    match &entry.ecosystem {
        AffectedEcosystem::Known(e) => ecosystem_matches(eco, e),
        AffectedEcosystem::Unknown(_) => true,
        AffectedEcosystem::Git | AffectedEcosystem::Missing => false,
    }
}

/// OSV advisories, filed by package.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Advisories by slot; `None` is a removed one (its slot is reused).
    slots: Vec<Option<Advisory>>,
    free: Vec<usize>,
    by_id: HashMap<String, usize>,
    by_package: HashMap<Key, Vec<Posting>>,
}

/// One advisory that affects, or may affect, the queried version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Match {
    pub id: String,
    pub aliases: Vec<String>,
    /// [`Verdict::Affected`] or [`Verdict::Undetermined`]; "not affected" advisories are not listed.
    pub verdict: Verdict,
    /// The ranges and listed versions that contain the version.
    pub matched_ranges: Vec<MatchedRange>,
    /// The ranges that could not answer, and why (the reason for an undetermined verdict).
    pub unresolved: Vec<Unresolved>,
    /// The problems of the advisory's entries about this package.
    pub diagnostics: Vec<Diagnostic>,
}

/// The answer to one query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueryResult {
    /// Sorted by advisory id.
    pub matches: Vec<Match>,
    /// Problems with the query itself (an unparsable version).
    pub diagnostics: Vec<Diagnostic>,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// The number of advisories held, withdrawn ones included.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The advisory with this id.
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.by_id.get(id).and_then(|&s| self.slots.get(s)).and_then(Option::as_ref)
    }

    /// Every advisory, in no particular order.
    pub fn advisories(&self) -> impl Iterator<Item = &Advisory> {
        self.slots.iter().flatten()
    }

    /// Adds a record, or replaces the one with its id when this one's `modified` is later (a
    /// missing or unreadable `modified` counts as earlier than any valid one, so a broken copy never
    /// replaces a good one). Withdrawal is decided with `now`: a record withdrawn at `now` is kept
    /// but never matched; one whose `withdrawn` lies after `now` matches until it is inserted again
    /// later (the index reads no clock).
    pub fn insert(&mut self, record: Record, now: OffsetDateTime) -> InsertOutcome {
        let outcome = match self.get(&record.id) {
            None => InsertOutcome::Inserted,
            Some(old) if record.modified_at() > old.record.modified_at() => InsertOutcome::Replaced,
            Some(_) => return InsertOutcome::Ignored,
        };
        if outcome == InsertOutcome::Replaced {
            self.remove(&record.id);
        }
        let withdrawn = record.is_withdrawn(now);
        let entries = compile_record(&record);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        let mut keys = Vec::new();
        if !withdrawn {
            for (pos, entry) in entries.iter().enumerate() {
                let (Some(base), Some(name)) = (entry_base(entry), entry.name.as_deref()) else { continue };
                let key = (base, name_key(base, name));
                self.by_package.entry(key.clone()).or_default().push((slot, pos));
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        self.by_id.insert(record.id.clone(), slot);
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some(Advisory { record, withdrawn, entries, keys });
        }
        outcome
    }

    /// Removes the advisory with this id, returning it.
    pub fn remove(&mut self, id: &str) -> Option<Record> {
        let slot = self.by_id.remove(id)?;
        let advisory = self.slots.get_mut(slot).and_then(Option::take)?;
        for key in &advisory.keys {
            if let Some(postings) = self.by_package.get_mut(key) {
                postings.retain(|&(s, _)| s != slot);
                if postings.is_empty() {
                    self.by_package.remove(key);
                }
            }
        }
        self.free.push(slot);
        Some(advisory.record)
    }

    /// Every advisory (not withdrawn) with an entry about package `name` in `ecosystem`, whatever
    /// the version: what an OSV query without a version answers. Sorted by id.
    pub fn advisories_for_package(&self, ecosystem: &Ecosystem, name: &str) -> Vec<&Advisory> {
        let base = ecosystem.base();
        let Some(postings) = self.by_package.get(&(base, name_key(base, name))) else { return Vec::new() };
        let mut slots: Vec<usize> = postings
            .iter()
            .filter(|&&(slot, pos)| {
                self.slots.get(slot).and_then(Option::as_ref).and_then(|a| a.entries.get(pos)).is_some_and(|e| entry_matches(e, ecosystem, name))
            })
            .map(|&(slot, _)| slot)
            .collect();
        slots.dedup();
        let mut out: Vec<&Advisory> = slots.into_iter().filter_map(|s| self.slots.get(s).and_then(Option::as_ref)).collect();
        out.sort_by(|a, b| a.record.id.cmp(&b.record.id));
        out.dedup_by(|a, b| a.record.id == b.record.id);
        out
    }

    /// Which advisories affect `version` of package `name` in `ecosystem`.
    ///
    /// Per advisory, exactly [`clearinghouse_osv::affected_by`]'s answer: "affected" when some
    /// range or listed version of an entry about the package contains the version, else
    /// "undetermined" when some entry cannot answer, else "not affected" (not listed). The version
    /// is read once for all of them.
    pub fn query(&self, ecosystem: &Ecosystem, name: &str, version: &str) -> QueryResult {
        let base = ecosystem.base();
        let query = QueryVersion::new(ecosystem, version);
        let mut result = QueryResult::default();
        // The ecosystem reading is what ECOSYSTEM ranges and `versions` lists use: reported whenever
        // the ecosystem has an ordering and cannot read the version, advisories or not.
        if let Some(d) = &query.ecosystem_problem {
            result.diagnostics.push(d.clone());
        }
        let Some(postings) = self.by_package.get(&(base, name_key(base, name))) else {
            return result;
        };
        // An advisory's postings under one key are adjacent: one `insert` pushes them together and
        // `remove` drops them together before the slot is reused. Group consecutive runs, so that
        // a package with thousands of advisories (distribution kernels) stays linear.
        let mut per_advisory: Vec<(usize, Vec<usize>)> = Vec::new();
        for &(slot, pos) in postings {
            match per_advisory.last_mut() {
                Some((s, v)) if *s == slot => v.push(pos),
                _ => per_advisory.push((slot, vec![pos])),
            }
        }
        let mut needs_semver = false;
        for (slot, positions) in per_advisory {
            let Some(Some(advisory)) = self.slots.get(slot) else { continue };
            let mut matched = Vec::new();
            let mut unresolved = Vec::new();
            let mut diagnostics = Vec::new();
            let mut undetermined = false;
            for entry in positions.iter().filter_map(|&p| advisory.entries.get(p)) {
                if !entry_matches(entry, ecosystem, name) {
                    continue;
                }
                let r = entry.evaluate(&query);
                undetermined |= r.verdict == Verdict::Undetermined;
                needs_semver |= entry.ranges.iter().any(|r| r.kind == RangeKind::Semver && r.state == RangeState::Ready);
                matched.extend(r.matched);
                unresolved.extend(r.unresolved);
                diagnostics.extend(entry.problems.iter().cloned());
            }
            let verdict = if !matched.is_empty() {
                Verdict::Affected
            } else if undetermined {
                Verdict::Undetermined
            } else {
                continue;
            };
            result.matches.push(Match {
                id: advisory.record.id.clone(),
                aliases: advisory.record.aliases.clone(),
                verdict,
                matched_ranges: matched,
                unresolved,
                diagnostics,
            });
        }
        // The SemVer reading matters only when a SEMVER range of this package needed it.
        if needs_semver
            && let Some(d) = &query.semver_problem
            && !result.diagnostics.contains(d)
        {
            result.diagnostics.push(d.clone());
        }
        result.matches.sort_by(|a, b| a.id.cmp(&b.id));
        result
    }
}

/// One advisory that affects (or may affect) one component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The component's index in the document ([`Sbom::components`], [`ScanInput::component`]).
    pub component: usize,
    pub name: String,
    pub version: String,
    pub purl: Option<String>,
    pub advisory: String,
    pub aliases: Vec<String>,
    pub verdict: Verdict,
    pub matched_ranges: Vec<MatchedRange>,
}

/// The result of scanning an SBOM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// By component, then advisory id.
    pub findings: Vec<Finding>,
    /// Components that could not be matched, with why.
    pub unmatched: Vec<(usize, String)>,
    /// Problems per component (the pointer is the component's location in the document).
    pub diagnostics: Vec<Diagnostic>,
}

/// The OSV package a component names, as [`resolve_component`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPackage {
    pub ecosystem: Ecosystem,
    /// The package name as OSV spells it (`group:artifact` in Maven, `@scope/name` in npm).
    pub name: String,
    /// The version the package URL carries, when it has one (it wins over the component's own).
    pub purl_version: Option<String>,
    /// Notes about the mapping (a distro qualifier missing, for example).
    pub notes: Vec<Diagnostic>,
}

/// The OSV package a component names: the purl is authoritative (it carries the namespace and,
/// for distributions, the release); without one, the ecosystem the source implies and the name.
/// The error says why the component cannot be matched.
pub fn resolve_component(component: &clearinghouse_sbom::Component) -> Result<ResolvedPackage, Diagnostic> {
    package_of(component).map(|(ecosystem, name, purl_version, notes)| ResolvedPackage { ecosystem, name, purl_version, notes })
}

fn package_of(component: &clearinghouse_sbom::Component) -> Result<(Ecosystem, String, Option<String>, Vec<Diagnostic>), Diagnostic> {
    if let Some(purl) = &component.purl {
        let parsed = Purl::parse(purl).map_err(|e| Diagnostic::new(clearinghouse_osv::codes::INVALID_PURL, "", e.to_string()))?;
        let p = package_for_purl(&parsed)?;
        return Ok((p.ecosystem, p.name, p.version, p.notes));
    }
    let Some(hint) = &component.ecosystem_hint else {
        return Err(Diagnostic::new(codes::NO_ECOSYSTEM, "", "no package URL and no ecosystem: cannot be matched"));
    };
    let eco = Ecosystem::parse(hint).map_err(|e| Diagnostic::new(codes::UNKNOWN_ECOSYSTEM, "", format!("ecosystem {hint:?}: {e}")))?;
    // OSV spells a grouped name `group:artifact` in Maven and `group/name` elsewhere (npm scopes,
    // Packagist vendors).
    let name = match &component.group {
        Some(g) if eco.base() == Base::Maven => format!("{g}:{}", component.name),
        Some(g) => format!("{g}/{}", component.name),
        None => component.name.clone(),
    };
    Ok((eco, name, None, Vec::new()))
}

/// The OSV package and version a component is matched as.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ComponentPackage {
    pub ecosystem: Ecosystem,
    /// As the index compares it (from the purl when there is one: Go module paths are lower-cased).
    pub name: String,
    pub version: String,
}

/// What [`scan_sbom`] queries the index with for this component, or `None` when it cannot place it
/// (the scan lists it as unmatched): for clients of a remote index that must ask the same questions.
pub fn component_package(component: &clearinghouse_sbom::Component) -> Option<ComponentPackage> {
    let (ecosystem, name, purl_version, _) = package_of(component).ok()?;
    let version = purl_version.or_else(|| component.version.clone()).filter(|v| !v.is_empty())?;
    Some(ComponentPackage { ecosystem, name, version })
}

fn at(mut d: Diagnostic, location: &str) -> Diagnostic {
    if d.pointer.is_empty() {
        d.pointer = location.to_string();
    }
    d
}

/// Matches every component of `sbom` against `index`, one query per distinct (ecosystem, name,
/// version): SBOMs repeat the same package many times (one per dependent in some formats).
///
/// Each finding is a copy of its answer's strings; for large SBOMs [`scan_input`] over a
/// [`ScanInput`] gives the same findings without the copies.
pub fn scan_sbom(index: &Index, sbom: &Sbom) -> ScanReport {
    let input = ScanInput::from_sbom(sbom);
    let compact = scan_input(index, &input);
    let findings = compact.findings(&input).map(FindingRef::to_owned).collect();
    ScanReport { findings, unmatched: compact.unmatched, diagnostics: compact.diagnostics }
}

/// One distinct (ecosystem, name, version) of a scan and the index's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The version queried (the purl's, else the component's).
    pub version: String,
    pub result: QueryResult,
}

/// What [`scan_sbom`] finds, without a copy per finding: each distinct package version's answer
/// once, and per component which answer is its own. A million-component SBOM that names a few
/// thousand package versions costs a few thousand answers and four bytes per component; the
/// findings are read through [`CompactScan::findings`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactScan {
    pub answers: Vec<Answer>,
    /// Per component (by index in the document): its answer, or `None` when unmatched.
    pub by_component: Vec<Option<u32>>,
    /// Components that could not be matched, with why.
    pub unmatched: Vec<(usize, String)>,
    /// Problems per component (the pointer is the component's location in the document).
    pub diagnostics: Vec<Diagnostic>,
}

/// A finding borrowed from a [`CompactScan`] and its SBOM; serialises exactly as [`Finding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRef<'a> {
    pub component: usize,
    pub name: &'a str,
    pub version: &'a str,
    pub purl: Option<&'a str>,
    pub advisory: &'a str,
    pub aliases: &'a [String],
    pub verdict: Verdict,
    pub matched_ranges: &'a [MatchedRange],
}

impl FindingRef<'_> {
    pub fn to_owned(self) -> Finding {
        Finding {
            component: self.component,
            name: self.name.to_string(),
            version: self.version.to_string(),
            purl: self.purl.map(str::to_string),
            advisory: self.advisory.to_string(),
            aliases: self.aliases.to_vec(),
            verdict: self.verdict,
            matched_ranges: self.matched_ranges.to_vec(),
        }
    }
}

impl CompactScan {
    /// Every finding, by component then advisory id (the order of [`ScanReport::findings`]).
    /// `input` must be the one scanned.
    pub fn findings<'a>(&'a self, input: &'a ScanInput) -> impl Iterator<Item = FindingRef<'a>> + 'a {
        self.by_component.iter().enumerate().filter_map(move |(i, a)| Some((i, input.component(i)?.0, self.answers.get((*a)? as usize)?))).flat_map(
            |(i, c, answer)| {
                answer.result.matches.iter().map(move |m| FindingRef {
                    component: i,
                    name: &c.name,
                    version: &answer.version,
                    purl: c.purl.as_deref(),
                    advisory: &m.id,
                    aliases: &m.aliases,
                    verdict: m.verdict,
                    matched_ranges: &m.matched_ranges,
                })
            },
        )
    }
}

/// What a distinct component resolves to.
enum Resolution {
    Answer(u32, Vec<Diagnostic>),
    NoVersion(Vec<Diagnostic>),
    Unmatched(Diagnostic),
}

/// Matches every component of `input` against `index` ([`scan_sbom`] without a copy per finding):
/// each distinct component is mapped to its package once, and each distinct (ecosystem, name,
/// version) queried once.
pub fn scan_input(index: &Index, input: &ScanInput) -> CompactScan {
    let mut scan = CompactScan { by_component: Vec::with_capacity(input.len()), ..CompactScan::default() };
    let mut answers: HashMap<(Ecosystem, String, String), u32> = HashMap::new();
    let resolutions: Vec<Resolution> = input
        .distinct()
        .iter()
        .map(|c| match package_of(c) {
            Err(d) => Resolution::Unmatched(d),
            Ok((eco, name, purl_version, notes)) => match purl_version.or_else(|| c.version.clone()).filter(|v| !v.is_empty()) {
                None => Resolution::NoVersion(notes),
                Some(version) => {
                    let key = (eco, name, version);
                    let n = match answers.get(&key) {
                        Some(&n) => n,
                        None => {
                            let n = scan.answers.len() as u32;
                            let result = index.query(&key.0, &key.1, &key.2);
                            scan.answers.push(Answer { version: key.2.clone(), result });
                            answers.insert(key, n);
                            n
                        }
                    };
                    Resolution::Answer(n, notes)
                }
            },
        })
        .collect();
    for (i, &d) in input.distinct_of().iter().enumerate() {
        let location = input.location(i).unwrap_or_default();
        match resolutions.get(d as usize) {
            None => scan.by_component.push(None),
            Some(Resolution::Unmatched(d)) => {
                scan.unmatched.push((i, d.message.clone()));
                scan.diagnostics.push(at(d.clone(), location));
                scan.by_component.push(None);
            }
            Some(Resolution::NoVersion(notes)) => {
                scan.diagnostics.extend(notes.iter().cloned().map(|d| at(d, location)));
                scan.unmatched.push((i, "no version: cannot be matched".to_string()));
                scan.by_component.push(None);
            }
            Some(Resolution::Answer(n, notes)) => {
                scan.diagnostics.extend(notes.iter().cloned().map(|d| at(d, location)));
                if let Some(answer) = scan.answers.get(*n as usize) {
                    scan.diagnostics.extend(answer.result.diagnostics.iter().cloned().map(|d| at(d, location)));
                }
                scan.by_component.push(Some(*n));
            }
        }
    }
    scan
}
