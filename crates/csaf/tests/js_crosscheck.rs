//! Cross-check with the official JavaScript validator, `@secvisogram/csaf-validator-lib` (the BSI's
//! library behind Secvisogram): both validators run over the official test documents (and the
//! example advisories of the shared data folder when it is there) and must agree on which tests
//! each document fails, apart from the divergences listed in [`KNOWN_DIVERGENCES`], each a choice
//! this crate makes on purpose.
//!
//! Runs when `node` is on PATH and the library is installed in the folder named by
//! `CSAF_VALIDATOR_LIB_DIR` (a `node_modules` folder; by default `target/csaf-validator-lib/node_modules`
//! of this workspace, where `.ci/run` installs it with
//! `npm install --prefix target/csaf-validator-lib @secvisogram/csaf-validator-lib@2.0.10`); otherwise it
//! prints `SKIPPED: ...` with the reason. It never touches the network: `tests/js/crosscheck.mjs`
//! imports only the library's schema and mandatory tests and reads local files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// (document file name, test, the validator that reports a failure the other does not, why).
const KNOWN_DIVERGENCES: &[(&str, &str, &str, &str)] = &[
    // Revision items with the same date: the JS test 6.1.21 sorts by date alone and keeps the
    // document order of equal dates, so `2` before `1` on one date "starts at 2". Its own 6.1.14
    // (and ours) breaks ties by version number, which these official documents rely on to be valid
    // for 6.1.14 and 6.1.16; we use the same order in every test.
    ("oasis_csaf_tc-csaf_2_0-2021-6-1-14-12.json", "6.1.21", "js", "same-date revisions ordered by version"),
    ("oasis_csaf_tc-csaf_2_0-2021-6-1-16-03.json", "6.1.21", "js", "same-date revisions ordered by version"),
    ("oasis_csaf_tc-csaf_2_0-2021-6-1-16-05.json", "6.1.21", "js", "same-date revisions ordered by version"),
    ("oasis_csaf_tc-csaf_2_0-2021-6-1-16-16.json", "6.1.21", "js", "same-date revisions ordered by version"),
    ("oasis_csaf_tc-csaf_2_0-2021-6-1-16-17.json", "6.1.21", "js", "same-date revisions ordered by version"),
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn library_dir() -> PathBuf {
    match std::env::var_os("CSAF_VALIDATOR_LIB_DIR") {
        Some(d) => PathBuf::from(d),
        None => crate_dir().join("../../target/csaf-validator-lib/node_modules"),
    }
}

/// Why the cross-check cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Some("node is not on PATH".to_string()),
    }
    let lib = library_dir();
    if !lib.join("@secvisogram/csaf-validator-lib/package.json").is_file() {
        return Some(format!(
            "@secvisogram/csaf-validator-lib is not installed in {} (set CSAF_VALIDATOR_LIB_DIR, or run \
             npm install --prefix target/csaf-validator-lib @secvisogram/csaf-validator-lib@2.0.10)",
            lib.display()
        ));
    }
    None
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Is this pointer at or inside a `cvss_v2` / `cvss_v3` object (schema failures there are 6.1.8's here)?
fn inside_cvss(pointer: &str) -> bool {
    let parts: Vec<&str> = pointer.split('/').collect();
    parts.len() >= 6 && parts[1] == "vulnerabilities" && parts[3] == "scores" && (parts[5] == "cvss_v2" || parts[5] == "cvss_v3")
}

/// The tests the JS library fails for each file.
fn run_js(files: &[PathBuf]) -> Vec<(PathBuf, BTreeSet<String>)> {
    let script = crate_dir().join("tests/js/crosscheck.mjs");
    let out = Command::new("node").arg(&script).arg(library_dir()).args(files).output().expect("running node");
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut results = Vec::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let mut failed: BTreeSet<String> = v["failed"].as_array().expect("failed").iter().map(|t| t.as_str().expect("test id").to_string()).collect();
        // The JS library reports a CVSS object that is not valid against FIRST's schema both as a
        // schema failure and as 6.1.8; this crate reports it once, as 6.1.8.
        let schema_outside_cvss = v["schema"].as_array().expect("schema").iter().any(|p| !inside_cvss(p.as_str().unwrap_or("")));
        if !schema_outside_cvss {
            failed.remove("schema");
        }
        results.push((PathBuf::from(v["file"].as_str().expect("file")), failed));
    }
    assert_eq!(results.len(), files.len(), "one line per document");
    results
}

#[test]
fn agrees_with_the_official_javascript_validator() {
    if let Some(why) = unavailable() {
        println!("SKIPPED: {why}");
        return;
    }
    let mut files = Vec::new();
    json_files(&crate_dir().join("testdata/mandatory"), &mut files);
    let examples = crate_dir().join("../../../shared/data/csaf/examples/csaf");
    if examples.is_dir() {
        json_files(&examples, &mut files);
    } else {
        println!("(the shared examples are not there: {} — only the official test documents are compared)", examples.display());
    }
    files.sort();
    let mut problems = Vec::new();
    let mut agreed = 0;
    for (file, js) in run_js(&files) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        let ours: BTreeSet<String> =
            clearinghouse_csaf::validate(&std::fs::read(&file).expect("read")).expect("JSON").failed_tests().into_iter().map(str::to_string).collect();
        let mut same = true;
        for (test, side, missing_in) in js.difference(&ours).map(|t| (t, "js", "ours")).chain(ours.difference(&js).map(|t| (t, "ours", "js"))) {
            if let Some(k) = KNOWN_DIVERGENCES.iter().find(|k| k.0 == name && k.1 == test && k.2 == side) {
                println!("{name}: {test} fails in {side} only (known: {})", k.3);
                continue;
            }
            same = false;
            problems.push(format!("{name}: {test} fails in {side} but not in {missing_in} (js {js:?}, ours {ours:?})"));
        }
        if same {
            agreed += 1;
        }
    }
    for k in KNOWN_DIVERGENCES {
        assert!(files.iter().any(|f| f.file_name().and_then(|n| n.to_str()) == Some(k.0)), "stale known divergence {k:?}");
    }
    println!("{agreed} of {} documents: the same failed tests in both validators, apart from the known divergences", files.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
