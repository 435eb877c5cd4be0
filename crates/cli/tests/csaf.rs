//! `clearinghouse csaf validate`, run as a user would: a valid and an invalid official CSAF test
//! document (from `crates/csaf/testdata`), text and `--json` output, exit codes 0, 1 and 2.

mod common;

use common::{BIN, code, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn testdata(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../csaf/testdata/mandatory").join(name).display().to_string()
}

/// Valid: the official "valid" document of test 6.1.1.
fn valid_doc() -> String {
    testdata("oasis_csaf_tc-csaf_2_0-2021-6-1-01-11.json")
}

/// Fails test 6.1.3: a relationship refers to the product it defines.
fn circular_doc() -> String {
    testdata("oasis_csaf_tc-csaf_2_0-2021-6-1-03-01.json")
}

fn csaf(args: &[&str]) -> Output {
    Command::new(BIN).arg("csaf").args(args).stdin(Stdio::null()).output().expect("running the clearinghouse binary")
}

#[test]
fn valid_document_exits_0() {
    let o = csaf(&["validate", &valid_doc()]);
    assert_eq!(code(&o), 0, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o).trim(), format!("{}: valid", valid_doc()));
}

#[test]
fn invalid_document_exits_1_and_lists_every_failure() {
    let o = csaf(&["validate", &valid_doc(), &circular_doc()]);
    assert_eq!(code(&o), 1, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&format!("{}: valid", valid_doc())), "{out}");
    assert!(out.contains(&format!("{}: 6.1.3 at /product_tree/relationships/0/relates_to_product_reference: ", circular_doc())), "{out}");
}

#[test]
fn json_output_has_one_object_per_file() {
    let o = csaf(&["--json", "validate", &valid_doc(), &circular_doc()]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], valid_doc());
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["failures"], serde_json::json!([]));
    assert_eq!(lines[1]["file"], circular_doc());
    assert_eq!(lines[1]["valid"], false);
    let failures = lines[1]["failures"].as_array().expect("failures");
    assert!(!failures.is_empty());
    for f in failures {
        assert_eq!(f["test"], "6.1.3", "{f}");
        assert!(f["pointer"].as_str().unwrap().starts_with("/product_tree/relationships/0/"), "{f}");
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
    }
}

#[test]
fn unreadable_or_not_json_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.json").display().to_string();
    let o = csaf(&["validate", &missing]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));

    let not_json = dir.path().join("not.json");
    std::fs::write(&not_json, "{ this is not JSON").expect("write");
    let not_json = not_json.display().to_string();
    let o = csaf(&["validate", &valid_doc(), &not_json]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not JSON"), "{}", stderr(&o));
    // The readable file is still validated.
    assert!(stdout(&o).contains(&format!("{}: valid", valid_doc())), "{}", stdout(&o));

    // No file at all is a usage error.
    assert_eq!(code(&csaf(&["validate"])), 2);
}
