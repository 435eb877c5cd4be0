//! `clearinghouse db build`, run as a user would: a prepared index scans exactly like the folder it
//! was built from, and a damaged index is an error (exit 2) with a clear message.

mod common;

use common::{BIN, code, stderr, stdout};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(name).display().to_string()
}

/// Runs the binary with its cache in `cache` (never the user's).
fn run(cache: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CLEARINGHOUSE_CACHE_DIR", cache)
        .env_remove("CLEARINGHOUSE_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("running the clearinghouse binary")
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Builds an index of `source` into `dir`; returns its path.
fn build(cache: &Path, source: &str, dir: &Path) -> PathBuf {
    let out = dir.join("osv.clhidx");
    let o = run(cache, &["db", "build", source, "--output", path_str(&out)]);
    assert_eq!(code(&o), 0, "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    out
}

#[test]
fn a_prepared_index_scans_exactly_like_its_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let index = build(&cache, &fixture("db"), tmp.path());
    let inputs = [fixture("affected.Cargo.lock"), fixture("requirements.txt"), fixture("fixed.Cargo.lock"), fixture("requirements-fixed.txt")];
    let db = fixture("db");
    for format in ["json", "sarif", "table"] {
        let mut folder: Vec<&str> = vec!["scan"];
        folder.extend(inputs.iter().map(String::as_str));
        folder.extend(["--format", format]);
        let mut prepared = folder.clone();
        folder.extend(["--db", &db, "--no-cache"]);
        prepared.extend(["--db", path_str(&index)]);
        let (f, p) = (run(&cache, &folder), run(&cache, &prepared));
        assert_eq!(code(&f), 1, "stderr: {}", stderr(&f));
        assert_eq!(code(&p), 1, "stderr: {}", stderr(&p));
        assert_eq!(stdout(&p), stdout(&f), "--format {format}");
        assert_eq!(stderr(&p), stderr(&f), "the same component problems");
    }
    // Nothing affected: exit 0 both ways.
    let o = run(&cache, &["scan", &fixture("fixed.Cargo.lock"), "--db", path_str(&index)]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    // Scanning a prepared index never builds a cache.
    assert!(!cache.exists(), "no cache for a prepared index");
}

#[test]
fn build_summarises_what_it_wrote() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("idx");
    let o = run(tmp.path(), &["db", "build", &fixture("db"), "--output", path_str(&out)]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("3 records") && text.contains("bytes"), "{text}");
    let size = std::fs::metadata(&out).expect("the index exists").len();
    assert!(text.contains(&format!("{size} bytes")), "{text}");
    // --json: the same facts for scripts; nothing else is left in the folder (no temporary file).
    let o = run(tmp.path(), &["db", "build", &fixture("db"), "--output", path_str(&out), "--json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["records"], 3);
    assert_eq!(v["skipped"], 0);
    assert_eq!(v["bytes"], size);
    let names: Vec<String> = std::fs::read_dir(tmp.path()).expect("listing").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["idx"]);
}

#[test]
fn build_skips_unreadable_records_and_fails_without_any() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // One good record beside the garbage: built, the garbage named.
    let mixed = tmp.path().join("mixed");
    std::fs::create_dir_all(&mixed).expect("mkdir");
    for name in ["bad.json", "bad.yaml"] {
        std::fs::copy(fixture(&format!("garbage/{name}")), mixed.join(name)).expect("copy");
    }
    std::fs::copy(fixture("db/crates/TEST-2024-0001.json"), mixed.join("TEST-2024-0001.json")).expect("copy");
    let out = tmp.path().join("mixed.clhidx");
    let o = run(tmp.path(), &["db", "build", path_str(&mixed), "--output", path_str(&out)]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(stdout(&o).contains("1 records") && stdout(&o).contains("2 unreadable skipped"), "{}", stdout(&o));
    assert!(stderr(&o).contains("bad.json") && stderr(&o).contains("bad.yaml"), "{}", stderr(&o));

    // Only garbage, or nothing there: exit 2, nothing written.
    let out = tmp.path().join("garbage.clhidx");
    let o = run(tmp.path(), &["db", "build", &fixture("garbage"), "--output", path_str(&out)]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no readable OSV record"), "{}", stderr(&o));
    assert!(!out.exists());
    let o = run(tmp.path(), &["db", "build", &fixture("no-such-db"), "--output", path_str(&out)]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no-such-db"), "{}", stderr(&o));
    // An output folder that does not exist.
    let o = run(tmp.path(), &["db", "build", &fixture("db"), "--output", path_str(&tmp.path().join("no/such/dir/idx"))]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot create"), "{}", stderr(&o));
}

#[test]
fn an_index_rebuilt_from_an_index_or_a_zip_is_the_same() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = build(tmp.path(), &fixture("db"), tmp.path());
    let again = tmp.path().join("again.clhidx");
    let o = run(tmp.path(), &["db", "build", path_str(&index), "--output", path_str(&again)]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let scan = |db: &Path| run(tmp.path(), &["scan", &fixture("affected.Cargo.lock"), &fixture("requirements.txt"), "--db", path_str(db), "--format", "json"]);
    assert_eq!(json_of(&scan(&again)), json_of(&scan(&index)));
    // The same records in a zip, as osv.dev ships them.
    let zip_path = tmp.path().join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("creating zip"));
    for name in ["crates/TEST-2024-0001.json", "crates/TEST-2024-0002.json", "pypi/TEST-2024-0003.yaml"] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).expect("zip entry");
        zip.write_all(&std::fs::read(fixture(&format!("db/{name}"))).expect("fixture")).expect("zip write");
    }
    zip.finish().expect("zip finish");
    let from_zip = tmp.path().join("zip.clhidx");
    let o = run(tmp.path(), &["db", "build", path_str(&zip_path), "--output", path_str(&from_zip)]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(json_of(&scan(&from_zip)), json_of(&scan(&index)));
    // The output may not be the source.
    let o = run(tmp.path(), &["db", "build", path_str(&index), "--output", path_str(&index)]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is the source"), "{}", stderr(&o));
}

#[test]
fn a_damaged_index_exits_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = build(tmp.path(), &fixture("db"), tmp.path());
    let good = std::fs::read(&index).expect("reading the index");
    let scan = |bytes: &[u8], name: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).expect("writing");
        // Both inputs: every record of the index is needed, the damaged one too.
        run(tmp.path(), &["scan", &fixture("affected.Cargo.lock"), &fixture("requirements.txt"), "--db", path_str(&path)])
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() - 10].to_vec(), "corrupt_index"),
        ("preamble-only", good[..40].to_vec(), "corrupt_index"),
        (
            "directory-bit",
            {
                let mut v = good.clone();
                v[70] ^= 0x10;
                v
            },
            "checksum",
        ),
        (
            "newer-version",
            {
                let mut v = good.clone();
                v[8] = 9;
                v
            },
            "format version 9",
        ),
        (
            "record-bit",
            {
                // The last byte of the last record (the records are the file's end).
                let mut v = good.clone();
                let last = v.len() - 2;
                v[last] ^= 0x01;
                v
            },
            "checksum",
        ),
    ];
    for (name, bytes, expect) in cases {
        let o = scan(&bytes, name);
        assert_eq!(code(&o), 2, "{name}: stdout {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains("prepared index") && err.contains(expect), "{name}: {err}");
    }
}

#[test]
fn real_rustsec_data_prepared_equals_the_folder() {
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/rustsec");
    if !db.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} does not exist; the RustSec prepared-index test was not run", db.display());
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = build(tmp.path(), path_str(&db), tmp.path());
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    for input in [fixture("smallvec.Cargo.lock"), lock.display().to_string()] {
        let folder = run(tmp.path(), &["scan", &input, "--db", path_str(&db), "--no-cache", "--format", "json"]);
        let prepared = run(tmp.path(), &["scan", &input, "--db", path_str(&index), "--format", "json"]);
        assert_eq!(code(&prepared), code(&folder), "stderr: {}", stderr(&prepared));
        assert_eq!(json_of(&prepared), json_of(&folder), "{input}");
    }
    let o = run(tmp.path(), &["scan", &fixture("smallvec.Cargo.lock"), "--db", path_str(&index)]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("RUSTSEC-2021-0003"), "{}", stdout(&o));
}
