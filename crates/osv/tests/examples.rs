//! The OSV schema's example records (`testdata/osv-schema-examples`, copied from ossf/osv-schema):
//! every one parses; the real ones without a diagnostic, the deliberately broken ones with exactly
//! the diagnostics that describe what was broken; and each evaluates as its text says.

use std::path::PathBuf;

use clearinghouse_osv::{
    AffectedEcosystem, Ecosystem, MatchSource, Record, Undetermined, Verdict, affected_by, affected_by_commit, codes, compile_record, parse_record,
};

fn example(name: &str) -> (Option<Record>, Vec<(String, String)>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/osv-schema-examples").join(name);
    let (record, diags) = parse_record(&std::fs::read(&path).unwrap());
    (record, diags.into_iter().map(|d| (d.code, d.pointer)).collect())
}

fn eco(s: &str) -> Ecosystem {
    s.parse().unwrap()
}

#[test]
fn every_example_parses_and_the_real_ones_cleanly() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/osv-schema-examples");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).filter(|n| n.ends_with(".json")).collect();
    names.sort();
    assert_eq!(names.len(), 12);
    for name in &names {
        let (record, diags) = example(name);
        let record = record.unwrap_or_else(|| panic!("{name} did not parse: {diags:?}"));
        let broken = name.starts_with("no") && name.contains('-');
        if !broken {
            assert!(diags.is_empty(), "{name}: {diags:?}");
        }
        // A round trip through our own serialisation keeps the record.
        let json = serde_json::to_vec(&record).unwrap();
        let (again, _) = parse_record(&json);
        assert_eq!(again.as_ref(), Some(&record), "{name} round trip");
    }
}

#[test]
fn broken_examples_have_their_diagnostics() {
    // A GIT range with two fixed commits and no introduced: it cannot be evaluated.
    let (record, diags) = example("nointroduced-CVE-2023-41045.json");
    assert_eq!(diags, vec![(codes::MISSING_INTRODUCED.to_string(), "/affected/0/ranges/0/events".to_string())]);
    let r = affected_by_commit(&record.unwrap(), None, "466af814523cffae9fbc7e77bab7472988f03c3e");
    assert_eq!(r.verdict, Verdict::Undetermined, "a malformed range is not 'not affected'");
    assert_eq!(r.unresolved[0].reason, Undetermined::MalformedRange);

    // A GIT range whose introduced and fixed are the same commit ("non-distinct").
    let (record, diags) = example("nondistinct-CVE-2018-5407.json");
    assert_eq!(diags, vec![(codes::CONTRADICTORY_EVENTS.to_string(), "/affected/6/ranges/1/events/1".to_string())]);
    let record = record.unwrap();
    // The other GIT range of the same entry still answers for its listed commits.
    let r = affected_by_commit(&record, Some("https://github.com/nodejs/node"), "cf41627411886000429bde058a6594fb7f6d6d47");
    assert_eq!(r.verdict, Verdict::Affected);
    let r = affected_by_commit(&record, Some("https://github.com/openssl/openssl.git"), "7ea5bd2b52d0e81eaef3d109b3b12545306f201c");
    assert_eq!(r.verdict, Verdict::Undetermined);

    // A package name that does not exist on PyPI: only a registry can tell, and this crate does no
    // I/O, so the record reads cleanly; what it can check, it checks.
    let (record, diags) = example("nopackage-GHSA-9v2f-6vcg-3hgv.json");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(affected_by(&record.unwrap(), &eco("PyPI"), "gradi0", "4.36.1").verdict, Verdict::Affected);
}

#[test]
fn examples_evaluate_as_their_text_says() {
    // GO-2024-2963: stdlib, [0, 1.21.12) and [1.22.0-0, 1.22.5), SEMVER.
    let go = example("GO-2024-2963.json").0.unwrap();
    let go_eco = eco("Go");
    for (v, verdict) in [
        ("1.21.11", Verdict::Affected),
        ("v1.21.11", Verdict::Affected),
        ("1.21.12", Verdict::NotAffected),
        ("1.22.0-rc.1", Verdict::Affected),
        ("1.22.4", Verdict::Affected),
        ("1.22.5", Verdict::NotAffected),
        ("1.23.0", Verdict::NotAffected),
    ] {
        assert_eq!(affected_by(&go, &go_eco, "stdlib", v).verdict, verdict, "stdlib {v}");
    }
    assert_eq!(affected_by(&go, &go_eco, "other", "1.0.0").verdict, Verdict::NotAffected);

    // PYSEC-2023-74: a GIT range, an ECOSYSTEM range [2.3.0, 2.31.0) and a versions list.
    let py = example("PYSEC-2023-74.json").0.unwrap();
    let pypi = eco("PyPI");
    let r = affected_by(&py, &pypi, "Requests", "2.30.0");
    assert_eq!(r.verdict, Verdict::Affected);
    assert!(r.matched.iter().any(|m| m.source == MatchSource::Range(1)) && r.matched.iter().any(|m| matches!(m.source, MatchSource::Versions(_))));
    let r = affected_by(&py, &pypi, "requests", "2.31.0");
    assert_eq!(r.verdict, Verdict::NotAffected, "the GIT range is covered by the ECOSYSTEM range and the versions list");
    assert!(r.unresolved.iter().all(|u| u.reason == Undetermined::GitRangeNeedsCommits && u.covered));

    // CVE-2018-5407: Alpine entries per release, and a GIT range without a package.
    let cve = example("CVE-2018-5407.json").0.unwrap();
    assert_eq!(affected_by(&cve, &eco("Alpine:v3.8"), "openssl", "1.0.2p-r0").verdict, Verdict::Affected);
    assert_eq!(affected_by(&cve, &eco("Alpine:v3.8"), "openssl", "1.0.2q-r0").verdict, Verdict::NotAffected);
    assert_eq!(affected_by(&cve, &eco("Alpine:v3.9"), "openssl", "1.0.2p-r0").verdict, Verdict::NotAffected, "no entry for v3.9");
    assert_eq!(affected_by(&cve, &eco("Alpine"), "openssl", "1.0.2p-r0").verdict, Verdict::Affected, "a bare ecosystem matches every release");
    assert_eq!(compile_record(&cve)[6].ecosystem, AffectedEcosystem::Missing);

    // MAL-2024-10238: a versions list only.
    let mal = example("MAL-2024-10238.json").0.unwrap();
    assert_eq!(affected_by(&mal, &pypi, "123bla", "0.0.1").verdict, Verdict::Affected);
    assert_eq!(affected_by(&mal, &pypi, "123bla", "0.0.2").verdict, Verdict::NotAffected);

    // RHSA-2022:0216 has no affected entries at all.
    let rhsa = example("RHSA-2022_0216.json").0.unwrap();
    assert_eq!(affected_by(&rhsa, &eco("Red Hat"), "log4j", "2.0").verdict, Verdict::NotAffected);
}
