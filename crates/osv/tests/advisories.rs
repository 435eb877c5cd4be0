//! The real advisory corpora in `../shared/data/advisories` (RustSec and the Go vulnerability
//! database, OSV JSON): every record parses, without a panic and without a diagnostic except the
//! ones listed here with the reason; every range evaluates, on every version it names, exactly as
//! a literal transcription of the schema's pseudo-code does; and the RustSec purls map back to
//! their packages. When the folder is absent (a fresh clone), the tests print `SKIPPED:` and pass.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clearinghouse_osv::{Ecosystem, EventKind, Range, Record, Verdict, affected_by, codes, ecosystem_for_purl, parse_record};
use clearinghouse_versions::{ComparatorFamily, Version};
use time::OffsetDateTime;

fn corpus(name: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories").join(name);
    if !dir.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the {name} advisories were not read", dir.display());
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    Some(files)
}

/// RustSec's export writes "patched from X on" after earlier branches as `introduced: X, fixed: X`
/// (for example `patched = [">= 0.10.0"]` in RUSTSEC-2022-0012): an empty interval, reported as a
/// warning and evaluated as written. These are all of them in the snapshot.
const EXPECTED_RUSTSEC: &[(&str, &str, &str)] = &[
    ("RUSTSEC-2022-0012.json", codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/7"),
    ("RUSTSEC-2023-0039.json", codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/5"),
    ("RUSTSEC-2024-0399.json", codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/1"),
    ("RUSTSEC-2026-0149.json", codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/7"),
];

fn read_all(name: &str, expected: &[(&str, &str, &str)]) -> Option<Vec<(String, Record)>> {
    let files = corpus(name)?;
    let mut records = Vec::new();
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for f in &files {
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        let (record, diags) = parse_record(&std::fs::read(f).unwrap());
        for d in diags {
            if expected.contains(&(file.as_str(), d.code.as_str(), d.pointer.as_str())) {
                seen.push(file.clone());
            } else {
                unexpected.push(format!("{file}: {d}"));
            }
        }
        records.push((file.clone(), record.unwrap_or_else(|| panic!("{file} was refused"))));
    }
    assert!(unexpected.is_empty(), "unexpected diagnostics:\n{}", unexpected.join("\n"));
    assert_eq!(seen.len(), expected.len(), "every expected diagnostic appears: {seen:?}");
    Some(records)
}

#[test]
fn rustsec_records_parse_cleanly() {
    let Some(records) = read_all("rustsec", EXPECTED_RUSTSEC) else { return };
    assert_eq!(records.len(), 1206);
    let now = OffsetDateTime::now_utc();
    let withdrawn = records.iter().filter(|(_, r)| r.is_withdrawn(now)).count();
    assert_eq!(withdrawn, 13);
    for (file, r) in &records {
        for a in &r.affected {
            let p = a.package.as_ref().unwrap();
            let (eco, name) = ecosystem_for_purl(p.purl.as_deref().unwrap()).unwrap();
            assert_eq!((eco.to_string(), name), (p.ecosystem.clone(), p.name.clone()), "{file}");
        }
    }
    let _ = writeln!(std::io::stderr(), "rustsec: {} records parsed, {withdrawn} withdrawn", records.len());
}

#[test]
fn go_records_parse_cleanly() {
    let Some(records) = read_all("go", &[]) else { return };
    assert_eq!(records.len(), 4291);
    let now = OffsetDateTime::now_utc();
    let withdrawn = records.iter().filter(|(_, r)| r.is_withdrawn(now)).count();
    assert_eq!(withdrawn, 17);
    let _ = writeln!(std::io::stderr(), "go: {} records parsed, {withdrawn} withdrawn", records.len());
}

/// The schema's `IncludedInRanges` for one range; every event of the real corpora must have a kind
/// and a version strict or lenient SemVer reads.
fn pseudo_code(range: &Range, v: &Version) -> bool {
    let parse =
        |s: &str| -> Version { ComparatorFamily::SemVer.parse(s).or_else(|_| ComparatorFamily::OsvSemver.parse(s)).unwrap_or_else(|e| panic!("{s}: {e}")) };
    let events: Vec<(EventKind, &str)> = range.events.iter().map(|e| e.kind().unwrap()).collect();
    common::included_in_range(&events, v, |s| Some(parse(s)))
}

#[test]
fn every_range_evaluates_like_the_schema_pseudo_code() {
    let mut checked = 0usize;
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, expected) in [("rustsec", EXPECTED_RUSTSEC), ("go", &[][..])] {
        let Some(records) = read_all(name, expected) else { return };
        for (file, record) in &records {
            for a in &record.affected {
                let p = a.package.as_ref().unwrap();
                let eco: Ecosystem = p.ecosystem.parse().unwrap();
                // Candidate versions: every version any range of the entry names.
                let mut candidates: Vec<&str> =
                    a.ranges.iter().flat_map(|r| r.events.iter()).filter_map(|e| e.kind()).map(|(_, s)| s).filter(|s| *s != "0").collect();
                candidates.extend(a.versions.iter().map(String::as_str));
                candidates.sort_unstable();
                candidates.dedup();
                for v in candidates {
                    let parsed = ComparatorFamily::SemVer.parse(v).or_else(|_| ComparatorFamily::OsvSemver.parse(v)).unwrap();
                    let want = a.ranges.iter().any(|r| pseudo_code(r, &parsed)) || a.versions.iter().any(|x| x == v);
                    let got = affected_by(record, &eco, &p.name, v);
                    // Other entries of the same record may be about the same package: only compare
                    // when this entry is the only one.
                    if record.affected.iter().filter(|o| o.package.as_ref().is_some_and(|q| q.name == p.name)).count() == 1 {
                        assert_eq!(got.verdict == Verdict::Affected, want, "{file} {} {v}: {got:?}", p.name);
                        assert_ne!(got.verdict, Verdict::Undetermined, "{file} {v}");
                    }
                    *verdicts.entry(if want { "affected" } else { "not affected" }).or_default() += 1;
                    checked += 1;
                }
            }
        }
    }
    let _ = writeln!(std::io::stderr(), "checked {checked} (record, version) pairs against the pseudo-code: {verdicts:?}");
    assert!(checked > 10_000, "{checked}");
}
