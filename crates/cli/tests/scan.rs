//! `clearinghouse scan`, run as a user would: offline matching of lockfiles against an OSV folder,
//! zip, record or prepared index, the index cache, and `--server`.

mod common;

use common::{BIN, code, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan").join(name).display().to_string()
}

/// The cache folder of the tests that do not look at the cache: one per test process, never the
/// user's own.
fn shared_cache() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path()
}

/// `clearinghouse scan ARGS` with the cache in `cache`.
fn scan_in(cache: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("scan")
        .args(args)
        .env("CLEARINGHOUSE_CACHE_DIR", cache)
        .env_remove("CLEARINGHOUSE_TOKEN")
        .env_remove("CLEARINGHOUSE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("running the clearinghouse binary")
}

fn scan(args: &[&str]) -> Output {
    scan_in(shared_cache(), args)
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
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

/// Every file under `dir` with its modification time.
fn mtimes(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    snapshot(dir).into_iter().map(|(p, _, t)| (p, t)).collect()
}

#[test]
fn a_folder_database_is_prepared_into_the_cache_once_and_reused() {
    let cache = tempfile::tempdir().expect("tempdir");
    let args = [&fixture("affected.Cargo.lock") as &str, &fixture("requirements.txt"), "--db", &fixture("db"), "--format", "json", "--verbose"];
    let first = scan_in(cache.path(), &args);
    assert_eq!(code(&first), 1, "stderr: {}", stderr(&first));
    assert!(stderr(&first).contains("built the cached index"), "{}", stderr(&first));
    let cached = mtimes(cache.path());
    assert_eq!(cached.len(), 1, "one index file: {cached:?}");
    assert!(cached[0].0.starts_with(cache.path().join("osv-indexes")), "{cached:?}");

    let second = scan_in(cache.path(), &args);
    assert_eq!(code(&second), 1);
    assert!(stderr(&second).contains("using the cached index"), "{}", stderr(&second));
    assert_eq!(mtimes(cache.path()), cached, "the cached index was not rebuilt");
    assert_eq!(json_of(&second), json_of(&first));

    // Without the cache: the same answer, and the cache is not touched.
    let uncached = scan_in(
        cache.path(),
        &[&fixture("affected.Cargo.lock") as &str, &fixture("requirements.txt"), "--db", &fixture("db"), "--format", "json", "--no-cache"],
    );
    assert_eq!(json_of(&uncached), json_of(&first));
    assert_eq!(mtimes(cache.path()), cached);
    let other = tempfile::tempdir().expect("tempdir");
    let _ = scan_in(other.path(), &[&fixture("affected.Cargo.lock") as &str, "--db", &fixture("db"), "--no-cache"]);
    assert!(snapshot(other.path()).is_empty(), "--no-cache writes nothing");
}

/// Copies the fixture database into a fresh folder.
fn copy_db(to: &Path) {
    let from = PathBuf::from(fixture("db"));
    for (path, bytes, _) in snapshot(&from) {
        let target = to.join(path.strip_prefix(&from).expect("under the fixture"));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("copying the fixture");
    }
}

#[test]
fn a_changed_folder_rebuilds_its_cached_index() {
    let cache = tempfile::tempdir().expect("tempdir");
    let db = tempfile::tempdir().expect("tempdir");
    copy_db(db.path());
    let db_arg = db.path().to_str().expect("utf-8 path");
    let o = scan_in(cache.path(), &[&fixture("requirements.txt"), "--db", db_arg, "--verbose"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    // A new record for a package the input pins: the next scan must see it.
    std::fs::write(
        db.path().join("pypi/TEST-2024-0009.json"),
        r#"{"id": "TEST-2024-0009", "modified": "2024-05-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "examplepy"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]}]}]}"#,
    )
    .expect("writing a record");
    let o = scan_in(cache.path(), &[&fixture("requirements.txt"), "--db", db_arg, "--verbose", "--format", "json"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("out of date"), "{}", stderr(&o));
    let v = json_of(&o);
    let ids: Vec<&str> = v["results"][0]["findings"].as_array().expect("findings").iter().filter_map(|f| f["advisory"].as_str()).collect();
    assert_eq!(ids, ["TEST-2024-0003", "TEST-2024-0009"]);
    assert_eq!(v["advisories_loaded"], 4);
    assert_eq!(mtimes(cache.path()).len(), 1, "the index is replaced, not added to");
}

#[test]
fn an_unwritable_or_damaged_cache_only_warns() {
    // The cache folder's parent is a file: it cannot be created.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").expect("writing a file");
    let o = scan_in(&file.join("cache"), &[&fixture("affected.Cargo.lock"), "--db", &fixture("db"), "--format", "json"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("cannot write the index cache"), "{}", stderr(&o));
    assert_eq!(json_of(&o)["results"][0]["findings"][0]["advisory"], "TEST-2024-0001");

    // A damaged cached index is rebuilt.
    let cache = tempfile::tempdir().expect("tempdir");
    let o = scan_in(cache.path(), &[&fixture("affected.Cargo.lock"), "--db", &fixture("db")]);
    assert_eq!(code(&o), 1);
    let (index, _) = mtimes(cache.path()).pop().expect("a cached index");
    let mut bytes = std::fs::read(&index).expect("reading the index");
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    std::fs::write(&index, &bytes).expect("damaging the index");
    let o = scan_in(cache.path(), &[&fixture("affected.Cargo.lock"), "--db", &fixture("db"), "--format", "json"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("rebuilding"), "{}", stderr(&o));
    assert_eq!(json_of(&o)["results"][0]["findings"][0]["advisory"], "TEST-2024-0001");
    assert!(std::fs::read(&index).expect("reading the index").len() > middle, "rebuilt whole");
}

#[test]
fn a_read_only_database_is_never_written() {
    use std::os::unix::fs::PermissionsExt;
    let db = tempfile::tempdir().expect("tempdir");
    copy_db(db.path());
    let mut dirs = vec![db.path().to_path_buf()];
    for (p, _, _) in snapshot(db.path()) {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        dirs.push(p.parent().expect("parent").to_path_buf());
    }
    dirs.sort();
    dirs.dedup();
    for d in dirs.iter().rev() {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    }
    let before = snapshot(db.path());
    let cache = tempfile::tempdir().expect("tempdir");
    let db_arg = db.path().to_str().expect("utf-8 path");
    for extra in [&[][..], &["--no-cache"][..], &["--format", "sarif"][..]] {
        let mut args = vec![fixture("affected.Cargo.lock"), "--db".into(), db_arg.into()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = scan_in(cache.path(), &args);
        assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    }
    assert_eq!(snapshot(db.path()), before, "the database was written");
    let listing: Vec<_> = std::fs::read_dir(db.path()).expect("listing").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(listing.len(), 2, "nothing added beside the records: {listing:?}");
    for d in &dirs {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    }
}

#[test]
fn db_and_server_are_exclusive_and_one_is_required() {
    let o = scan(&[&fixture("affected.Cargo.lock"), "--db", &fixture("db"), "--server", "http://127.0.0.1:9"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let o = scan(&[&fixture("affected.Cargo.lock")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--db"), "{}", stderr(&o));
}

/// A loopback stand-in for a clearinghouse or osv.dev: `POST /v1/querybatch` answers, per query,
/// the ids of the records the index says affect (or may affect) it; `GET /v1/vulns/{id}` answers
/// the record as the folder has it. Records every Authorization header it sees.
struct FakeOsv {
    url: String,
    authorizations: Arc<Mutex<Vec<String>>>,
}

fn fake_osv(db: &Path) -> FakeOsv {
    use clearinghouse_matcher::Index;
    let mut index = Index::new();
    let mut raw = std::collections::HashMap::new();
    for (path, bytes, _) in snapshot(db) {
        let yaml = path.extension().is_some_and(|e| e == "yaml");
        let (record, _) = if yaml { clearinghouse_osv::parse_record_yaml(&bytes) } else { clearinghouse_osv::parse_record(&bytes) };
        let Some(record) = record else { continue };
        raw.insert(record.id.clone(), serde_json::to_vec(&record).expect("record JSON"));
        index.insert(record, time::OffsetDateTime::now_utc());
    }
    let (index, raw) = (Arc::new(index), Arc::new(raw));
    let authorizations = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let seen = authorizations.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (index, raw, seen) = (index.clone(), raw.clone(), seen.clone());
            std::thread::spawn(move || serve_one(stream, &index, &raw, &seen));
        }
    });
    FakeOsv { url, authorizations }
}

fn serve_one(stream: TcpStream, index: &clearinghouse_matcher::Index, raw: &std::collections::HashMap<String, Vec<u8>>, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            if name.eq_ignore_ascii_case("authorization") {
                seen.lock().expect("lock").push(value.trim().to_string());
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (status, answer): (&str, Vec<u8>) = match (method, path) {
            ("POST", "/v1/querybatch") => {
                let request: serde_json::Value = serde_json::from_slice(&body).expect("querybatch body is JSON");
                let results: Vec<serde_json::Value> = request["queries"]
                    .as_array()
                    .expect("queries")
                    .iter()
                    .map(|q| {
                        let eco: clearinghouse_osv::Ecosystem = q["package"]["ecosystem"].as_str().expect("ecosystem").parse().expect("known ecosystem");
                        let name = q["package"]["name"].as_str().expect("name");
                        let version = q["version"].as_str().expect("version");
                        let vulns: Vec<serde_json::Value> = index
                            .query(&eco, name, version)
                            .matches
                            .iter()
                            .map(|m| serde_json::json!({"id": m.id, "modified": "2024-01-01T00:00:00Z"}))
                            .collect();
                        if vulns.is_empty() { serde_json::json!({}) } else { serde_json::json!({ "vulns": vulns }) }
                    })
                    .collect();
                ("200 OK", serde_json::to_vec(&serde_json::json!({ "results": results })).expect("JSON"))
            }
            ("GET", p) if p.starts_with("/v1/vulns/") => match raw.get(&p["/v1/vulns/".len()..]) {
                Some(r) => ("200 OK", r.clone()),
                None => ("404 Not Found", br#"{"code": 5, "message": "Bug not found."}"#.to_vec()),
            },
            _ => ("404 Not Found", b"{}".to_vec()),
        };
        let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", answer.len());
        if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&answer)).is_err() {
            return;
        }
    }
}

#[test]
fn server_scans_equal_database_scans() {
    let server = fake_osv(Path::new(&fixture("db")));
    let inputs = [fixture("affected.Cargo.lock"), fixture("requirements.txt"), fixture("fixed.Cargo.lock")];
    let db = fixture("db");
    for format in ["json", "sarif"] {
        let mut args: Vec<&str> = inputs.iter().map(String::as_str).collect();
        args.extend(["--format", format]);
        let mut local = args.clone();
        local.extend(["--db", &db as &str]);
        let local = scan(&local);
        let mut remote = args.clone();
        remote.extend(["--server", &server.url as &str, "--token", "test-token"]);
        let remote = scan(&remote);
        assert_eq!(code(&remote), code(&local), "stderr: {}", stderr(&remote));
        assert_eq!(code(&remote), 1);
        let (l, r) = (json_of(&local), json_of(&remote));
        if format == "json" {
            assert_eq!(r["results"], l["results"]);
            // Only the advisories the server named were fetched.
            assert_eq!(r["advisories_loaded"], 2);
        } else {
            assert_eq!(r, l);
        }
    }
    let seen = server.authorizations.lock().expect("lock").clone();
    assert!(!seen.is_empty() && seen.iter().all(|a| a == "Bearer test-token"), "{seen:?}");

    // Nothing affected: exit 0, as with --db.
    let o = scan(&[&fixture("fixed.Cargo.lock"), "--server", &server.url]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
}

#[test]
fn an_unreachable_server_exits_2() {
    // Port 1 (tcpmux) is served nowhere here. A port "just released" was not safe: other tests' servers,
    // started in parallel, could be given it in between.
    let o = scan(&[&fixture("affected.Cargo.lock"), "--server", "http://127.0.0.1:1"]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    assert!(stderr(&o).contains("cannot reach"), "{}", stderr(&o));
}

#[test]
fn real_rustsec_data_through_the_server_equals_the_folder() {
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/rustsec");
    if !db.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} does not exist; the RustSec server scan test was not run", db.display());
        return;
    }
    let server = fake_osv(&db);
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let inputs = [fixture("smallvec.Cargo.lock"), lock.display().to_string()];
    let mut local: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let mut remote = local.clone();
    local.extend(["--db", db.to_str().expect("utf-8 path"), "--format", "json"]);
    remote.extend(["--server", &server.url as &str, "--format", "json"]);
    let (local, remote) = (scan(&local), scan(&remote));
    assert_eq!(code(&local), 1, "stderr: {}", stderr(&local));
    assert_eq!(code(&remote), code(&local), "stderr: {}", stderr(&remote));
    assert_eq!(json_of(&remote)["results"], json_of(&local)["results"]);
}
