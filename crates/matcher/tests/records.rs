//! The index on hand-written records: upserts, withdrawal, removal, and the answers that are not
//! "affected" or "not affected".

use clearinghouse_matcher::{Index, InsertOutcome, scan_sbom};
use clearinghouse_osv::{Ecosystem, Record, Verdict, parse_record};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-27 00:00 UTC);

fn record(json: &str) -> Record {
    let (r, d) = parse_record(json.as_bytes());
    r.unwrap_or_else(|| panic!("{d:?}"))
}

fn semver(id: &str, modified: &str, eco: &str, name: &str, fixed: &str) -> Record {
    record(&format!(
        r#"{{"id": "{id}", "modified": "{modified}", "aliases": ["CVE-{id}"],
        "affected": [{{"package": {{"ecosystem": "{eco}", "name": "{name}"}},
          "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
    ))
}

fn crates() -> Ecosystem {
    "crates.io".parse().unwrap()
}

fn verdicts(index: &Index, eco: &Ecosystem, name: &str, v: &str) -> Vec<(String, Verdict)> {
    index.query(eco, name, v).matches.into_iter().map(|m| (m.id, m.verdict)).collect()
}

#[test]
fn upsert_keeps_the_later_modified() {
    let mut index = Index::new();
    assert_eq!(index.insert(semver("A-1", "2024-01-02T00:00:00Z", "crates.io", "foo", "1.0.0"), NOW), InsertOutcome::Inserted);
    // Older: ignored, the 1.0.0 fix stays.
    assert_eq!(index.insert(semver("A-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "2.0.0"), NOW), InsertOutcome::Ignored);
    assert!(verdicts(&index, &crates(), "foo", "1.5.0").is_empty());
    // Same modified: ignored too (re-importing is a no-op).
    assert_eq!(index.insert(semver("A-1", "2024-01-02T00:00:00Z", "crates.io", "foo", "2.0.0"), NOW), InsertOutcome::Ignored);
    // Newer, and about another package: the old postings go.
    assert_eq!(index.insert(semver("A-1", "2024-01-03T00:00:00Z", "crates.io", "bar", "2.0.0"), NOW), InsertOutcome::Replaced);
    assert_eq!(index.len(), 1);
    assert!(verdicts(&index, &crates(), "foo", "0.1.0").is_empty());
    assert_eq!(verdicts(&index, &crates(), "bar", "1.5.0"), vec![("A-1".to_string(), Verdict::Affected)]);
    let m = &index.query(&crates(), "bar", "1.5.0").matches[0];
    assert_eq!(m.aliases, vec!["CVE-A-1".to_string()]);
    assert_eq!(m.matched_ranges.len(), 1);
}

#[test]
fn withdrawn_is_kept_but_never_matches() {
    let mut index = Index::new();
    let mut r = semver("W-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "1.0.0");
    r.withdrawn = Some("2025-01-01T00:00:00Z".into());
    index.insert(r.clone(), NOW);
    assert!(index.get("W-1").is_some_and(|a| a.withdrawn));
    assert!(verdicts(&index, &crates(), "foo", "0.5.0").is_empty());
    // Withdrawal in the future of `now`: still matches.
    let mut later = Index::new();
    later.insert(r, datetime!(2024-06-01 00:00 UTC));
    assert_eq!(verdicts(&later, &crates(), "foo", "0.5.0"), vec![("W-1".to_string(), Verdict::Affected)]);
    // A newer copy without `withdrawn` brings it back.
    index.insert(semver("W-1", "2025-02-01T00:00:00Z", "crates.io", "foo", "1.0.0"), NOW);
    assert_eq!(verdicts(&index, &crates(), "foo", "0.5.0"), vec![("W-1".to_string(), Verdict::Affected)]);
}

#[test]
fn remove_drops_the_postings_and_slots_are_reused() {
    let mut index = Index::new();
    index.insert(semver("R-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "1.0.0"), NOW);
    index.insert(semver("R-2", "2024-01-01T00:00:00Z", "crates.io", "foo", "2.0.0"), NOW);
    assert_eq!(verdicts(&index, &crates(), "foo", "0.5.0").len(), 2);
    assert_eq!(index.remove("R-1").map(|r| r.id), Some("R-1".to_string()));
    assert!(index.remove("R-1").is_none());
    assert!(index.get("R-1").is_none());
    assert_eq!(verdicts(&index, &crates(), "foo", "0.5.0"), vec![("R-2".to_string(), Verdict::Affected)]);
    index.insert(semver("R-3", "2024-01-01T00:00:00Z", "crates.io", "baz", "1.0.0"), NOW);
    assert_eq!(index.len(), 2);
    assert_eq!(verdicts(&index, &crates(), "foo", "0.5.0"), vec![("R-2".to_string(), Verdict::Affected)]);
    assert_eq!(verdicts(&index, &crates(), "baz", "0.5.0"), vec![("R-3".to_string(), Verdict::Affected)]);
}

#[test]
fn unknown_record_ecosystem_is_undetermined() {
    // `pypi` is not the OSV spelling `PyPI`: the entry is still about PyPI's `foo`, but its
    // ecosystem ordering is unknown, so the answer is undetermined rather than silence.
    let mut index = Index::new();
    index.insert(
        record(
            r#"{"id": "U-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "pypi", "name": "Foo_Bar"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}"#,
        ),
        NOW,
    );
    let pypi: Ecosystem = "PyPI".parse().unwrap();
    assert_eq!(verdicts(&index, &pypi, "foo-bar", "1.0"), vec![("U-1".to_string(), Verdict::Undetermined)]);
    // An ecosystem no base is named after can match nothing, and does not break the index.
    index.insert(semver("U-2", "2024-01-01T00:00:00Z", "NoSuchEcosystem", "foo", "1.0.0"), NOW);
    assert_eq!(index.len(), 2);
}

#[test]
fn unknown_component_ecosystem_is_unmatched_with_a_diagnostic() {
    let index = Index::new();
    let sbom = clearinghouse_sbom::Sbom {
        format: clearinghouse_sbom::Format::GoMod,
        components: vec![
            serde_json::from_str(r#"{"name": "x", "version": "1.0", "ecosystem_hint": "NoSuchEcosystem", "location": "line 1"}"#).unwrap(),
            serde_json::from_str(r#"{"name": "y", "ecosystem_hint": "crates.io", "location": "line 2"}"#).unwrap(),
            serde_json::from_str(r#"{"name": "z", "version": "1.0", "location": "line 3"}"#).unwrap(),
            serde_json::from_str(r#"{"name": "w", "version": "1.0", "purl": "pkg:github/a/b@1.0", "location": "line 4"}"#).unwrap(),
        ],
        dependencies: vec![],
        diagnostics: vec![],
    };
    let report = scan_sbom(&index, &sbom);
    assert!(report.findings.is_empty());
    assert_eq!(report.unmatched.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    assert!(report.diagnostics.iter().any(|d| d.code == "unknown_ecosystem" && d.pointer == "line 1"), "{:?}", report.diagnostics);
    assert!(report.diagnostics.iter().any(|d| d.pointer == "line 4"));
}

#[test]
fn unparsable_query_version_is_a_diagnostic() {
    let mut index = Index::new();
    index.insert(semver("V-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "1.0.0"), NOW);
    let r = index.query(&crates(), "foo", "not a version");
    assert!(r.diagnostics.iter().any(|d| d.code == "unparsable_query_version"), "{:?}", r.diagnostics);
    // The SEMVER range cannot answer: undetermined, never a silent "not affected".
    assert_eq!(r.matches.iter().map(|m| (m.id.as_str(), m.verdict)).collect::<Vec<_>>(), vec![("V-1", Verdict::Undetermined)]);
    // Also without any advisory for the package.
    assert!(index.query(&crates(), "other", "not a version").diagnostics.iter().any(|d| d.code == "unparsable_query_version"));
}

#[test]
fn git_only_range_is_undetermined() {
    let mut index = Index::new();
    let fixed = "a".repeat(40);
    index.insert(
        record(&format!(
            r#"{{"id": "G-1", "modified": "2024-01-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "crates.io", "name": "foo"}},
          "ranges": [{{"type": "GIT", "repo": "https://example.com/foo", "events": [{{"introduced": "0"}}, {{"fixed": "{fixed}"}}]}}]}}]}}"#
        )),
        NOW,
    );
    let r = index.query(&crates(), "foo", "1.2.3");
    assert_eq!(r.matches.len(), 1);
    assert_eq!(r.matches[0].verdict, Verdict::Undetermined);
    assert!(!r.matches[0].unresolved.is_empty());
    // The fixed commit itself is answered.
    assert!(index.query(&crates(), "foo", &fixed).matches.is_empty());
}

#[test]
fn names_are_matched_as_the_ecosystem_compares_them() {
    let mut index = Index::new();
    index.insert(
        record(
            r#"{"id": "N-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo.Bar"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}"#,
        ),
        NOW,
    );
    index.insert(semver("N-2", "2024-01-01T00:00:00Z", "Go", "github.com/Foo/Bar", "1.0.0"), NOW);
    index.insert(semver("N-3", "2024-01-01T00:00:00Z", "crates.io", "Foo", "1.0.0"), NOW);
    let pypi: Ecosystem = "PyPI".parse().unwrap();
    let go: Ecosystem = "Go".parse().unwrap();
    assert_eq!(verdicts(&index, &pypi, "foo_bar", "1.0").len(), 1);
    assert_eq!(verdicts(&index, &go, "github.com/foo/bar", "v0.9.0").len(), 1, "Go: case-insensitive");
    assert_eq!(verdicts(&index, &crates(), "Foo", "0.9.0").len(), 1);
    assert!(verdicts(&index, &crates(), "foo", "0.9.0").is_empty(), "crates.io: case-sensitive, as the osv crate");
    // Another ecosystem's package of the same name is not touched.
    assert!(verdicts(&index, &pypi, "github.com/foo/bar", "0.9.0").is_empty());
}

#[test]
fn duplicate_components_are_queried_once_and_all_reported() {
    let mut index = Index::new();
    index.insert(semver("D-1", "2024-01-01T00:00:00Z", "crates.io", "foo", "1.0.0"), NOW);
    let lock = "version = 3\n\n[[package]]\nname = \"foo\"\nversion = \"0.5.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let mut sbom = clearinghouse_sbom::read(lock.as_bytes(), Some("Cargo.lock")).unwrap();
    sbom.components.push(sbom.components[0].clone());
    let report = scan_sbom(&index, &sbom);
    assert_eq!(report.findings.iter().map(|f| (f.component, f.advisory.as_str())).collect::<Vec<_>>(), vec![(0, "D-1"), (1, "D-1")]);

    // The compact form: one answer shared by both components, the same findings without copies.
    // A third component names the same package version through a purl with a qualifier.
    let mut third = sbom.components[0].clone();
    third.purl = Some("pkg:cargo/foo@0.5.0?arch=x86_64".into());
    sbom.components.push(third);
    let input = clearinghouse_matcher::ScanInput::from_sbom(&sbom);
    assert_eq!(input.distinct().len(), 2, "the first two components are one");
    let compact = clearinghouse_matcher::scan_input(&index, &input);
    assert_eq!(compact.answers.len(), 1);
    assert_eq!(compact.by_component, [Some(0), Some(0), Some(0)]);
    let owned: Vec<_> = compact.findings(&input).map(|f| f.to_owned()).collect();
    assert_eq!(owned, scan_sbom(&index, &sbom).findings);
    assert_eq!(owned.len(), 3);
    assert_eq!(owned[2].purl.as_deref(), Some("pkg:cargo/foo@0.5.0?arch=x86_64"), "each finding keeps its own component's purl");
}

proptest! {
    #[test]
    fn queries_never_panic(name in ".{0,40}", version in ".{0,40}", eco in prop::sample::select(vec!["crates.io", "Go", "PyPI", "npm", "Debian:12", "Maven", "Packagist", "Linux"])) {
        let mut index = Index::new();
        // Built from a fixed record and renamed: an arbitrary name would not survive JSON quoting.
        let mut r = semver("P-1", "2024-01-01T00:00:00Z", eco, "placeholder", "1.0.0");
        if let Some(p) = r.affected[0].package.as_mut() {
            p.name = name.clone();
        }
        index.insert(r, NOW);
        let eco: Ecosystem = eco.parse().unwrap();
        let _ = index.query(&eco, &name, &version);
        let _ = index.query(&eco, &version, &name);
        index.remove("P-1");
        let _ = index.query(&eco, &name, &version);
    }
}
