//! `clearinghouse scan`, run as a user would: offline matching of lockfiles against an OSV folder.

mod common;

use common::{cli, code, stderr, stdout};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(name).display().to_string()
}

fn scan(args: &[&str]) -> std::process::Output {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    cli(None, None, &all)
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("reading fixture folder") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let meta = std::fs::metadata(&p).expect("metadata");
                out.push((p.clone(), std::fs::read(&p).expect("reading fixture"), meta.modified().expect("mtime")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn affected_versions_exit_1_with_the_advisory_ids() {
    let o = scan(&[&fixture("affected.Cargo.lock"), &fixture("requirements.txt"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 1, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("TEST-2024-0001"), "{out}");
    assert!(out.contains("CVE-2024-99991"), "{out}");
    assert!(out.contains("TEST-2024-0003"), "{out}");
    assert!(out.contains("affected"), "{out}");
    // The withdrawn record covers every version of examplecrate but must never match.
    assert!(!out.contains("TEST-2024-0002"), "{out}");
}

#[test]
fn fixed_versions_exit_0() {
    let o = scan(&[&fixture("fixed.Cargo.lock"), &fixture("requirements-fixed.txt"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 0, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("TEST-2024-"), "{}", stdout(&o));
}

#[test]
fn a_single_record_file_is_a_database() {
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", &fixture("db/crates/TEST-2024-0001.json")]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("TEST-2024-0001"));
    let o = scan(&[&fixture("requirements.txt"), "--db", &fixture("db/pypi/TEST-2024-0003.yaml")]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("TEST-2024-0003"));
}

#[test]
fn json_output_parses_and_has_the_findings() {
    let lock = fixture("affected.Cargo.lock");
    let reqs = fixture("requirements.txt");
    let o = scan(&[&lock, &reqs, "--db", &fixture("db"), "--format", "json"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("scan --format json prints JSON");
    assert_eq!(v["advisories_loaded"], 3);
    let results = v["results"].as_array().expect("results array");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["source"], lock.as_str());
    let findings = results[0]["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 1, "{v}");
    assert_eq!(findings[0]["advisory"], "TEST-2024-0001");
    assert_eq!(findings[0]["name"], "examplecrate");
    assert_eq!(findings[0]["version"], "1.3.0");
    assert_eq!(findings[0]["verdict"], "affected");
    assert!(results[0]["unmatched"].is_array());
    let py = &results[1];
    assert_eq!(py["findings"][0]["advisory"], "TEST-2024-0003");
    // The unpinned requirement is a component problem: in the JSON, not an error.
    let diags = py["diagnostics"].as_array().expect("diagnostics array");
    assert!(diags.iter().any(|d| d["message"].as_str().unwrap_or("").contains("requests")), "{py}");
    // The global --json flag means the same.
    let o = scan(&[&lock, "--db", &fixture("db"), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("scan --json prints JSON");
    assert_eq!(v["results"][0]["findings"][0]["advisory"], "TEST-2024-0001");
}

#[test]
fn a_missing_input_exits_2_naming_it() {
    let missing = fixture("no-such-file.lock");
    let o = scan(&[&fixture("affected.Cargo.lock"), &missing, "--db", &fixture("db")]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    assert!(stderr(&o).contains("no-such-file.lock"), "{}", stderr(&o));
}

#[test]
fn an_unreadable_input_document_exits_2_naming_it() {
    // The garbage JSON is not an SBOM either.
    let o = scan(&[&fixture("garbage/bad.json"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    assert!(stderr(&o).contains("bad.json"), "{}", stderr(&o));
}

#[test]
fn a_database_of_only_garbage_exits_2() {
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", &fixture("garbage")]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("bad.json") && err.contains("bad.yaml"), "each skipped record is named: {err}");
    assert!(err.contains("no readable OSV record"), "{err}");
}

#[test]
fn a_missing_database_exits_2() {
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", &fixture("no-such-db")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no-such-db"), "{}", stderr(&o));
}

/// Writes a zip like osv.dev's all.zip: one record per entry.
fn write_zip(path: &std::path::Path, entries: &[(&str, Vec<u8>)]) {
    let file = std::fs::File::create(path).expect("creating zip");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("zip entry");
        std::io::Write::write_all(&mut zip, bytes).expect("zip write");
    }
    zip.finish().expect("zip finish");
}

#[test]
fn a_zip_database_is_read_like_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("all.zip");
    let record = std::fs::read(fixture("db/crates/TEST-2024-0001.json")).expect("fixture record");
    let withdrawn = std::fs::read(fixture("db/crates/TEST-2024-0002.json")).expect("fixture record");
    write_zip(&zip, &[("TEST-2024-0001.json", record), ("TEST-2024-0002.json", withdrawn), ("README.txt", b"not a record".to_vec())]);
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", zip.to_str().expect("utf-8 path")]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("TEST-2024-0001") && !stdout(&o).contains("TEST-2024-0002"), "{}", stdout(&o));
    let o = scan(&[&fixture("fixed.Cargo.lock"), "--db", zip.to_str().expect("utf-8 path")]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
}

#[test]
fn a_broken_or_empty_zip_database_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"PK\x03\x04not really a zip").expect("writing zip");
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", broken.to_str().expect("utf-8 path")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a readable zip"), "{}", stderr(&o));
    let garbage = dir.path().join("garbage.zip");
    write_zip(&garbage, &[("a.json", b"{not json".to_vec())]);
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", garbage.to_str().expect("utf-8 path")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("garbage.zip!a.json"), "{}", stderr(&o));
}

#[test]
fn component_problems_go_to_stderr_without_changing_the_exit_code() {
    // `requests>=2.0` is not pinned; examplepy 2.0.1 is fixed: nothing found, exit 0.
    let dir = tempfile::tempdir().expect("tempdir");
    let reqs = dir.path().join("requirements.txt");
    std::fs::write(&reqs, "examplepy==2.0.1\nrequests>=2.0\n").expect("writing requirements");
    let o = scan(&[reqs.to_str().expect("utf-8 path"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("requests"), "{}", stderr(&o));
    // And with a vulnerable pin next to it, still exactly 1.
    let o = scan(&[&fixture("requirements.txt"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("requests"), "{}", stderr(&o));
}

#[test]
fn the_database_and_inputs_are_not_written() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan");
    let before = snapshot(&fixtures);
    let o = scan(&[&fixture("affected.Cargo.lock"), &fixture("requirements.txt"), "--db", &fixture("db"), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 1);
    assert_eq!(snapshot(&fixtures), before, "scan changed its fixtures");
}

#[test]
fn real_rustsec_data_finds_smallvec() {
    // ../shared sits beside the checkout (here and in CI).
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/rustsec");
    if !db.is_dir() {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} does not exist; the RustSec scan test was not run", db.display());
        return;
    }
    let o = scan(&[&fixture("smallvec.Cargo.lock"), "--db", db.to_str().expect("utf-8 path")]);
    assert_eq!(code(&o), 1, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("RUSTSEC-2021-0003"), "{}", stdout(&o));

    // The same records packed the way osv.dev ships them, one zip of record files.
    let mut files = Vec::new();
    let mut stack = vec![db.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("reading rustsec") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    let entries: Vec<(String, Vec<u8>)> =
        files.iter().map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(p).expect("record"))).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("all.zip");
    let borrowed: Vec<(&str, Vec<u8>)> = entries.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    write_zip(&zip, &borrowed);
    let o = scan(&[&fixture("smallvec.Cargo.lock"), "--db", zip.to_str().expect("utf-8 path"), "--format", "json"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["advisories_loaded"].as_u64(), Some(files.len() as u64), "every record of the zip is loaded");
    assert!(stdout(&o).contains("RUSTSEC-2021-0003"));
}

#[test]
fn undetermined_findings_exit_1_and_are_listed_apart() {
    let o = scan(&[&fixture("requirements-undetermined.txt"), "--db", &fixture("undetermined")]);
    assert_eq!(code(&o), 1, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("TEST-2024-0004") && out.contains("undetermined"), "{out}");
    assert!(out.contains("0 affected, 1 undetermined"), "{out}");
    let o = scan(&[&fixture("requirements-undetermined.txt"), "--db", &fixture("undetermined"), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["results"][0]["findings"][0]["verdict"], "undetermined");
}

#[test]
fn sarif_output_has_one_result_per_finding() {
    let o = scan(&[&fixture("affected.Cargo.lock"), &fixture("requirements.txt"), "--db", &fixture("db"), "--format", "sarif"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("scan --format sarif prints JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "clearinghouse");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"].as_array().expect("rules").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(rules, ["TEST-2024-0001", "TEST-2024-0003"]);
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "TEST-2024-0001");
    assert_eq!(results[0]["level"], "error");
    let fixed = scan(&[&fixture("fixed.Cargo.lock"), "--db", &fixture("db"), "--format", "sarif"]);
    assert_eq!(code(&fixed), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&fixed)).expect("JSON");
    assert_eq!(v["runs"][0]["results"].as_array().map(Vec::len), Some(0));
}
