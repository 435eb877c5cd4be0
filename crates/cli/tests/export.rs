//! `clearinghouse export osv|csaf|cve5 ID`, run as a user would: a CVE record imported into a data
//! folder, then written in each format with the publisher given on the command line.

mod common;

use common::{cli, code, stderr, stdout};
use serde_json::Value;
use std::path::Path;

const ID: &str = "CVE-2024-99991";
const NAMESPACE: &str = "https://cert.example.org/psirt";
const ORG_ID: &str = "9d7a5c1e-8f7b-4c3d-9e2f-0a1b2c3d4e5f";

/// A data folder holding examples/vulnerabilities/CVE-2024-99991.json.
fn imported() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/vulnerabilities/CVE-2024-99991.json");
    let o = cli(None, None, &["import", "cve5", example.to_str().unwrap(), "--data-dir", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    dir
}

fn export(data_dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--data-dir", data_dir.to_str().unwrap()]);
    cli(None, None, &all)
}

fn document(o: &std::process::Output) -> Value {
    assert_eq!(code(o), 0, "{}", stderr(o));
    serde_json::from_str(&stdout(o)).expect("the document is JSON on stdout")
}

#[test]
fn every_format_is_written_with_the_publisher_given() {
    let dir = imported();
    let data = dir.path();
    let publisher = ["--publisher-name", "Example CERT", "--publisher-namespace", NAMESPACE, "--cve-org-id", ORG_ID];

    // OSV: the record, pretty-printed; it lints clean, so nothing on stderr. --json changes nothing.
    let o = export(data, &["osv", ID]);
    let osv = document(&o);
    assert_eq!(osv["id"], ID);
    assert_eq!(osv["affected"][0]["package"]["name"], "examplecrate", "{osv}");
    assert!(stdout(&o).contains("\n  \"id\""), "pretty JSON: {}", stdout(&o));
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
    let json = cli(None, None, &["--json", "export", "osv", ID, "--data-dir", data.to_str().unwrap()]);
    assert_eq!(stdout(&json), stdout(&o), "--json: stdout is the same document");

    // CSAF: valid by the schema and every mandatory test, published by the publisher given.
    let mut args = vec!["csaf", ID];
    args.extend_from_slice(&publisher);
    let o = export(data, &args);
    let csaf = document(&o);
    assert_eq!(csaf["document"]["tracking"]["id"], ID);
    assert_eq!(csaf["document"]["category"], "csaf_security_advisory");
    assert_eq!(csaf["document"]["publisher"]["namespace"], NAMESPACE);
    assert_eq!(csaf["document"]["publisher"]["name"], "Example CERT");
    let report = clearinghouse_csaf::validate(stdout(&o).as_bytes()).expect("a CSAF document");
    assert!(report.is_valid(), "{:?}", report.failures);

    // CVE 5: the CNA container of the organisation given; into a file with --output.
    let file = data.join("cna.json");
    let mut args = vec!["cve5", ID, "--output", file.to_str().unwrap()];
    args.extend_from_slice(&publisher);
    let o = export(data, &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "the document went to the file");
    let cna: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(cna["providerMetadata"]["orgId"], ORG_ID, "{cna}");
    assert_eq!(cna["affected"][0]["packageName"], "examplecrate", "{cna}");
    assert!(!stderr(&o).contains("invalid_org_id"), "{}", stderr(&o));

    // The same through the environment, as serve reads it.
    let o = std::process::Command::new(common::BIN)
        .args(["export", "csaf", ID, "--data-dir", data.to_str().unwrap()])
        .env_remove("CLEARINGHOUSE_DATABASE_URL")
        .env("CLEARINGHOUSE_PUBLISHER_NAMESPACE", NAMESPACE)
        .output()
        .unwrap();
    assert_eq!(document(&o)["document"]["publisher"]["namespace"], NAMESPACE);
}

#[test]
fn what_an_export_leaves_out_is_a_warning_and_the_document_is_still_written() {
    let dir = imported();
    // The default organisation id is the nil UUID, which the CVE schema refuses: written, and said.
    let o = export(dir.path(), &["cve5", ID]);
    let cna = document(&o);
    assert_eq!(cna["providerMetadata"]["orgId"], "00000000-0000-0000-0000-000000000000");
    let warnings: Vec<&str> = std::str::from_utf8(&o.stderr).unwrap().lines().filter(|l| l.starts_with("warning: ")).collect();
    assert!(warnings.iter().any(|l| l.ends_with("[invalid_org_id]")), "{}", stderr(&o));
    // The default CSAF publisher is the placeholder.
    let csaf = document(&export(dir.path(), &["csaf", ID]));
    assert_eq!(csaf["document"]["publisher"]["namespace"], "https://clearinghouse.invalid");
}

#[test]
fn errors_exit_2_and_say_why() {
    let dir = imported();
    let o = export(dir.path(), &["osv", "CVE-2099-0001"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stderr(&o).contains("error: no vulnerability CVE-2099-0001 in the database"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");

    for bad in ["cert.example.org", "ftp://cert.example.org/psirt"] {
        let o = export(dir.path(), &["csaf", ID, "--publisher-namespace", bad]);
        assert_eq!(code(&o), 2, "{bad}: {}", stdout(&o));
        assert!(stderr(&o).contains("--publisher-namespace") && stderr(&o).contains("not an absolute http(s) URL"), "{}", stderr(&o));
    }
    let o = export(dir.path(), &["cve5", ID, "--cve-org-id", "acme"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a UUID"), "{}", stderr(&o));

    let o = export(dir.path(), &["pdf", ID]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("osv, csaf, cve5"), "{}", stderr(&o));

    let o = export(dir.path(), &["csaf", ID, "--output", "/nonexistent/dir/x.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("writing /nonexistent/dir/x.json"), "{}", stderr(&o));
}
