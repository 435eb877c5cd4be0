//! `clearinghouse import osv`, run as a user would: into a data folder, beside a running server.

mod common;

use common::{Server, cli, code, http, stderr, stdout};
use serde_json::{Value, json};
use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(name).display().to_string()
}

fn import(data_dir: &Path, source: &str) -> std::process::Output {
    cli(None, None, &["import", "osv", source, "--data-dir", data_dir.to_str().unwrap(), "--json"])
}

#[test]
fn imports_upsert_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let o = import(dir.path(), &fixture("db"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON summary");
    assert_eq!((v["read"].as_u64(), v["inserted"].as_u64(), v["skipped"].as_u64()), (Some(3), Some(3), Some(0)), "{v}");
    let again: Value = serde_json::from_str(&stdout(&import(dir.path(), &fixture("db")))).unwrap();
    assert_eq!((again["inserted"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(3)), "the same records change nothing");
    let verify = cli(None, None, &["audit", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(code(&verify), 0, "{}", stdout(&verify));
}

#[test]
fn parse_only_reads_every_record_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-created");
    let o = cli(None, None, &["import", "osv", &fixture("db"), "--parse-only", "--data-dir", data.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON summary");
    assert_eq!((v["parse_only"].as_bool(), v["records"].as_u64()), (Some(true), Some(3)), "{v}");
    assert!(!data.exists(), "no database is opened");
    // The vulnerability-model importers too; garbage is still an error.
    let cve = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/vulnerabilities/CVE-2024-99991.json");
    let o = cli(None, None, &["import", "cve5", cve.to_str().unwrap(), "--parse-only", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The CNA container and CISA's ADP container are a source record each.
    assert_eq!(serde_json::from_str::<Value>(&stdout(&o)).unwrap()["records"].as_u64(), Some(2));
    assert_eq!(code(&cli(None, None, &["import", "osv", &fixture("garbage"), "--parse-only"])), 2);
}

#[test]
fn unreadable_records_are_skipped_and_nothing_readable_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = import(dir.path(), &fixture("garbage"));
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stderr(&o).contains("no readable OSV record"), "{}", stderr(&o));
    let o = import(dir.path(), "/nonexistent/osv");
    assert_eq!(code(&o), 2);

    // One good record beside garbage: imported, the rest warned about.
    let mixed = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("db/crates/TEST-2024-0001.json"), mixed.path().join("good.json")).unwrap();
    std::fs::copy(fixture("garbage/bad.json"), mixed.path().join("bad.json")).unwrap();
    let o = import(dir.path(), mixed.path().to_str().unwrap());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("skipping") && stderr(&o).contains("bad.json"), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["inserted"].as_u64(), v["skipped"].as_u64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn a_running_server_sees_an_import_and_updates_findings() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let token = server.admin_token();
    let client = http();
    let lock = std::fs::read(fixture("affected.Cargo.lock")).unwrap();
    let r = client
        .post(format!("{}/v1/assets?name=app&file_name=Cargo.lock", server.url))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(lock)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let asset: Value = r.json().await.unwrap();
    let id = asset["asset"]["id"].as_str().unwrap().to_string();
    assert_eq!(asset["findings_opened"], 0, "no advisories yet");

    // The CLI writes to the same database while the server runs.
    let o = import(dir.path(), &fixture("db"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["findings_opened"].as_u64().unwrap() >= 1, "{v}");

    let findings: Value = client.get(format!("{}/v1/assets/{id}/findings", server.url)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let advisories: Vec<&str> = findings["findings"].as_array().unwrap().iter().map(|f| f["advisory"].as_str().unwrap()).collect();
    assert!(advisories.contains(&"TEST-2024-0001"), "{findings}");
    let answer: Value = client
        .post(format!("{}/v1/query", server.url))
        .json(&json!({"package": {"purl": "pkg:cargo/examplecrate@1.3.0"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["vulns"][0]["id"], "TEST-2024-0001", "the server follows the store: {answer}");
}

/// `import cve5` and `import kev`: source documents into the vulnerability model.
#[test]
fn cve5_and_kev_documents_join_the_vulnerability_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../advisory/testdata");
    // A bare CNA container is named by its file; a full record names itself.
    let cves = dir.path().join("cves");
    std::fs::create_dir(&cves).unwrap();
    std::fs::copy(testdata.join("cve-advanced.json"), cves.join("record.json")).unwrap();
    let container: Value = serde_json::from_slice(&std::fs::read(testdata.join("cve-advanced.json")).unwrap()).unwrap();
    std::fs::write(cves.join("CVE-2026-4444.json"), container["containers"]["cna"].to_string()).unwrap();
    let run = |format: &str, path: &Path| cli(None, None, &["import", format, path.to_str().unwrap(), "--data-dir", data.to_str().unwrap(), "--json"]);
    let o = run("cve5", &cves);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["documents"].as_u64(), v["inserted"].as_u64(), v["vulnerabilities_changed"].as_u64()), (Some(2), Some(2), Some(2)), "{v}");
    let o = run("kev", &testdata.join("kev-sample.json"));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["inserted"].as_u64(), Some(5), "{v}");
    let again: Value = serde_json::from_str(&stdout(&run("kev", &testdata.join("kev-sample.json")))).unwrap();
    assert_eq!((again["inserted"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(5)), "re-import changes nothing");
    // A document of another kind is refused with why, and nothing readable is exit 2.
    let o = run("kev", &testdata.join("cve-advanced.json"));
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stderr(&o).contains("not_kev"), "{}", stderr(&o));
    // CSAF: one record per vulnerability of the document.
    let o = run("csaf", &testdata.join("csaf-rhsa-2021_5217.json"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["inserted"].as_u64().is_some_and(|n| n >= 1), "{v}");
    let verify = cli(None, None, &["audit", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code(&verify), 0, "{}", stdout(&verify));
}
