//! The official test documents of the CSAF TC for the mandatory tests 6.1.1 to 6.1.20
//! (`testdata/`, copied from the OASIS repository; see `testdata/README.md`), judged test by test
//! as `testcases.json` says: a document listed under "failures" of a test must fail that test, a
//! document listed under "valid" must not. The same again from the shared data folder when it is
//! there, and the example advisories of the CSAF repository (schema-valid, mandatory tests
//! reported).

use std::path::{Path, PathBuf};

use serde_json::Value;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared data folder beside the workspace (`/work/main/../shared/data/csaf`).
fn shared_dir() -> PathBuf {
    crate_dir().join("../../../shared/data/csaf")
}

struct Case {
    test: String,
    file: String,
    must_fail: bool,
}

fn cases(testcases: &Path) -> Vec<Case> {
    let index: Value = serde_json::from_slice(&std::fs::read(testcases).expect("read testcases.json")).expect("testcases.json is JSON");
    let mut out = Vec::new();
    for t in index["tests"].as_array().expect("tests") {
        let test = t["id"].as_str().expect("id").to_string();
        for (key, must_fail) in [("failures", true), ("valid", false)] {
            for c in t[key].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let name = c["name"].as_str().expect("name");
                let file = name.rsplit('/').next().expect("file name").to_string();
                out.push(Case { test: test.clone(), file, must_fail });
            }
        }
    }
    out
}

/// Runs every case of a folder; returns the problems.
fn judge(folder: &Path, testcases: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let all = cases(testcases);
    assert!(all.len() >= 80, "testcases.json lists {} documents", all.len());
    for case in &all {
        let bytes = std::fs::read(folder.join(&case.file)).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let report = clearinghouse_csaf::validate(&bytes).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        let failed = report.failed_tests();
        let has = failed.contains(case.test.as_str());
        println!("{} {} ({}): fails {:?}", case.file, if case.must_fail { "must fail" } else { "must pass" }, case.test, failed);
        if case.must_fail && !has {
            problems.push(format!("{} should fail {} but fails only {:?}", case.file, case.test, failed));
        }
        if !case.must_fail && has {
            let why: Vec<String> = report.failures_of(&case.test).map(|d| d.to_string()).collect();
            problems.push(format!("{} should pass {} but fails it: {}", case.file, case.test, why.join("; ")));
        }
    }
    problems
}

#[test]
fn official_documents_in_testdata() {
    let dir = crate_dir().join("testdata");
    let problems = judge(&dir.join("mandatory"), &dir.join("testcases.json"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn official_documents_in_shared_data() {
    let dir = shared_dir().join("validator");
    if !dir.is_dir() {
        println!("SKIPPED: {} is not there", dir.display());
        return;
    }
    let problems = judge(&dir.join("mandatory"), &dir.join("testcases.json"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The advisories in the shared data's `examples/csaf` (Cisco, Red Hat, BSI, the VEX examples of
/// the CSAF TC): every failure is printed, and each document must fail exactly the tests listed
/// for it in [`KNOWN`] (none: all 19 pass the schema and every mandatory test, which the official
/// JavaScript validator confirms, see `js_crosscheck.rs`).
#[test]
fn example_advisories() {
    let dir = shared_dir().join("examples/csaf");
    if !dir.is_dir() {
        println!("SKIPPED: {} is not there", dir.display());
        return;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in [dir.clone(), dir.join("csaf_vex")] {
        for e in std::fs::read_dir(&sub).expect("read examples") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 15, "only {} examples", files.len());
    let mut problems = Vec::new();
    for p in &files {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        let report = clearinghouse_csaf::validate(&std::fs::read(p).expect("read")).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("{name}: {:?}", report.failed_tests());
        for f in &report.failures {
            println!("    {f}");
        }
        let failed: Vec<&str> = report.failed_tests().into_iter().collect();
        let expected: Vec<&str> = KNOWN.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_vec()).unwrap_or_default();
        if failed != expected {
            problems.push(format!("{name}: fails {failed:?}, expected {expected:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Example documents with real failures, and the tests they fail. Empty: the examples of CSAF TC
/// commit 27af37f are all valid.
const KNOWN: &[(&str, &[&str])] = &[];
