//! The linter (`lint.rs`): the schema's examples and the real advisory corpora in
//! `../shared/data` lint without an unexpected error (the counts per code are printed), and one
//! hand-written bad record per check gives exactly its code at its pointer. When the shared data is
//! absent (a fresh clone), those tests print `SKIPPED:` and pass.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use clearinghouse_osv::lint::{self, CHECKS, ID_PREFIXES, Level, codes};
use clearinghouse_osv::{Record, lint_json, parse_record};
use serde_json::{Value, json};

fn shared(rel: &str) -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if !dir.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; those records were not linted", dir.display());
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    Some(files)
}

/// (code, pointer) pairs by file name.
type Findings = BTreeMap<String, Vec<(String, String)>>;

/// Lints every file; returns the counts per code and the error-level findings by file.
fn lint_files(label: &str, files: &[PathBuf]) -> (BTreeMap<String, usize>, Findings) {
    let mut counts = BTreeMap::new();
    let mut errors = Findings::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for d in lint_json(&std::fs::read(f).unwrap()) {
            assert!(lint::check_for(&d.code).is_some(), "{name}: {d} has a code missing from CHECKS");
            *counts.entry(d.code.clone()).or_insert(0) += 1;
            if lint::level(&d.code) == Level::Error {
                errors.entry(name.clone()).or_default().push((d.code, d.pointer));
            }
        }
    }
    let _ = writeln!(std::io::stderr(), "{label}: {} records linted; findings per code: {counts:?}", files.len());
    (counts, errors)
}

fn pair(code: &str, pointer: &str) -> (String, String) {
    (code.to_string(), pointer.to_string())
}

#[test]
fn schema_examples_lint_as_upstream_says() {
    let Some(files) = shared("osv-schema/examples") else { return };
    assert_eq!(files.len(), 12);
    let (counts, errors) = lint_files("osv-schema examples", &files);
    // The upstream linter's own failing examples, and nothing else at error level.
    let expected: Findings = [
        ("nointroduced-CVE-2023-41045.json", vec![pair(codes::MISSING_INTRODUCED, "/affected/0/ranges/0/events")]),
        ("nondistinct-CVE-2018-5407.json", vec![pair(codes::CONTRADICTORY_EVENTS, "/affected/6/ranges/1/events/1")]),
        // Upstream's REC:001 test cases: no affected field, and an empty one.
        ("RHSA-2022_0216.json", vec![pair(codes::NO_AFFECTED, "/affected")]),
        ("SUSE-FU-2022_0444-1.json", vec![pair(codes::NO_AFFECTED, "/affected")]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(errors, expected);
    // The two GHSA examples spell the PyPI name "Gradio"/"Gradi0": a warning.
    assert_eq!(counts.get(codes::NAME_NOT_NORMALIZED), Some(&2));
}

/// Lints a whole corpus: no error-level finding, and only the warning codes listed (with why).
fn corpus_is_clean(rel: &str, allowed_warnings: &[&str]) {
    let Some(files) = shared(rel) else { return };
    assert!(files.len() > 100, "{rel}: {} files", files.len());
    let (counts, errors) = lint_files(rel, &files);
    assert!(errors.is_empty(), "{rel}: unexpected error-level findings: {errors:?}");
    for code in counts.keys() {
        assert!(allowed_warnings.contains(&code.as_str()), "{rel}: unexpected warning code {code} ({counts:?})");
    }
}

#[test]
fn rustsec_records_lint_clean() {
    // RustSec writes "patched from X on" after earlier branches as introduced X, fixed X (see
    // tests/advisories.rs): four records in the snapshot.
    corpus_is_clean("advisories/rustsec", &[codes::EMPTY_INTERVAL]);
}

#[test]
fn go_records_lint_clean() {
    // Twenty Go records list the same CVE alias twice.
    corpus_is_clean("advisories/go", &[codes::DUPLICATE_ALIAS]);
}

#[test]
fn checks_table_is_consistent() {
    let mut seen = BTreeSet::new();
    for c in CHECKS {
        assert!(seen.insert(c.code), "{} twice in CHECKS", c.code);
        assert!(!c.summary.is_empty());
    }
    assert_eq!(lint::level(codes::MISSING_INTRODUCED), Level::Error);
    assert_eq!(lint::level(codes::DUPLICATE_ALIAS), Level::Warning);
    assert_eq!(lint::level("no_such_code"), Level::Error, "unknown codes count as errors");
}

#[test]
fn id_prefixes_match_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/osv-schema/schema.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the id prefixes were not compared", path.display());
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let pattern = schema["$defs"]["prefix"]["pattern"].as_str().unwrap();
    let inner = pattern.strip_prefix("^(x_|(").and_then(|s| s.strip_suffix(")-)")).expect("the pattern's shape");
    let mut from_schema = BTreeSet::new();
    for p in inner.split('|') {
        if let Some(rest) = p.strip_prefix("SUSE-[SRFO]") {
            for c in ["S", "R", "F", "O"] {
                from_schema.insert(format!("SUSE-{c}{rest}"));
            }
        } else {
            assert!(p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "a pattern this test cannot expand: {p}");
            from_schema.insert(p.to_string());
        }
    }
    let ours: BTreeSet<String> = ID_PREFIXES.iter().map(|s| s.to_string()).collect();
    assert_eq!(ours, from_schema);
}

// Hand-written records, one per check.

fn base() -> Value {
    json!({
        "schema_version": "1.7.0",
        "id": "GHSA-aaaa-bbbb-cccc",
        "modified": "2024-01-01T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2024-0001"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "crates.io", "name": "demo", "purl": "pkg:cargo/demo"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}]
        }]
    })
}

fn run(v: &Value) -> Vec<(String, String)> {
    let bytes = serde_json::to_vec(v).unwrap();
    let mut out: Vec<(String, String)> = lint_json(&bytes).into_iter().map(|d| (d.code, d.pointer)).collect();
    out.sort();
    out
}

/// The base record changed by `edit` lints to exactly `expected` (code, pointer) pairs.
fn case(edit: impl FnOnce(&mut Value), expected: &[(&str, &str)]) {
    let mut v = base();
    edit(&mut v);
    let mut want: Vec<(String, String)> = expected.iter().map(|(c, p)| pair(c, p)).collect();
    want.sort();
    assert_eq!(run(&v), want, "for {v}");
}

fn events(v: &mut Value, events: Value) {
    v["affected"][0]["ranges"][0]["events"] = events;
}

const EV: &str = "/affected/0/ranges/0/events";

#[test]
fn base_record_is_clean() {
    assert_eq!(run(&base()), vec![]);
    // And lint on the parsed record agrees.
    let (record, _) = parse_record(&serde_json::to_vec(&base()).unwrap());
    assert!(lint::lint(&record.unwrap()).is_empty());
}

#[test]
fn record_level_checks() {
    case(|v| drop(v.as_object_mut().unwrap().remove("modified")), &[(codes::MISSING_FIELD, "/modified")]);
    case(|v| v["modified"] = json!("yesterday"), &[(codes::INVALID_TIMESTAMP, "/modified")]);
    case(|v| v["published"] = json!("2024-01-01T01:00:00+01:00"), &[(codes::TIMESTAMP_NOT_UTC, "/published")]);
    case(|v| v["id"] = json!("FOO-2024-1"), &[(codes::UNKNOWN_ID_PREFIX, "/id")]);
    case(|v| v["id"] = json!("GHSA-"), &[(codes::UNKNOWN_ID_PREFIX, "/id")]);
    case(|v| v["id"] = json!("x_LOCAL-7"), &[]);
    case(|v| v["id"] = json!("SUSE-FU-2022:0444-1"), &[]);
    case(|v| drop(v.as_object_mut().unwrap().remove("affected")), &[(codes::NO_AFFECTED, "/affected")]);
    case(
        |v| {
            v["affected"] = json!([]);
            v["withdrawn"] = json!("2024-02-01T00:00:00Z");
        },
        &[],
    );
    case(|v| v["aliases"] = json!(["CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"]), &[(codes::ALIAS_IS_ID, "/aliases/1")]);
    case(|v| v["aliases"] = json!(["CVE-2024-0001", "CVE-2024-0001"]), &[(codes::DUPLICATE_ALIAS, "/aliases/1")]);
    case(|v| v["related"] = json!(["GHSA-aaaa-bbbb-cccc"]), &[(codes::RELATED_IS_ID, "/related/0")]);
    case(|v| v["related"] = json!(["CVE-1", "CVE-2", "CVE-1"]), &[(codes::DUPLICATE_RELATED, "/related/2")]);
    case(|v| v["upstream"] = json!(["GHSA-aaaa-bbbb-cccc"]), &[(codes::UPSTREAM_IS_ID, "/upstream/0")]);
    case(|v| v["upstream"] = json!(["CVE-9", "CVE-9"]), &[(codes::DUPLICATE_UPSTREAM, "/upstream/1")]);
    case(|v| v["upstream"] = json!(["CVE-2024-0001"]), &[(codes::UPSTREAM_IS_ALIAS, "/upstream/0")]);
    case(
        |v| {
            v["related"] = json!(["CVE-7"]);
            v["upstream"] = json!(["CVE-7"]);
        },
        &[(codes::UPSTREAM_IS_RELATED, "/upstream/0")],
    );
    case(
        |v| v["severity"][0]["score"] = json!("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        &[(codes::INVALID_SEVERITY_SCORE, "/severity/0/score")],
    );
    case(|v| v["severity"][0]["score"] = json!("CVSS:3.1/AV:N/garbage"), &[(codes::INVALID_SEVERITY_SCORE, "/severity/0/score")]);
    case(|v| v["severity"] = json!([{"type": "Ubuntu", "score": "urgent"}]), &[(codes::INVALID_SEVERITY_SCORE, "/severity/0/score")]);
    case(|v| v["severity"] = json!([{"type": "Ubuntu", "score": "medium"}]), &[]);
    case(|v| v["severity"] = json!([{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]), &[]);
    case(|v| v["severity"] = json!([{"type": "CVSS_V5", "score": "x"}]), &[(codes::UNKNOWN_SEVERITY_TYPE, "/severity/0/type")]);
    case(|v| v["affected"][0]["severity"] = json!([{"type": "Ubuntu", "score": "low"}]), &[(codes::SEVERITY_AT_BOTH_LEVELS, "/affected/0/severity")]);
    case(|v| v["references"] = json!([{"type": "BLOG", "url": "https://example.com"}]), &[(codes::UNKNOWN_REFERENCE_TYPE, "/references/0/type")]);
    case(|v| v["summary"] = json!(7), &[(codes::WRONG_TYPE, "/summary")]);
}

#[test]
fn range_checks() {
    case(|v| events(v, json!([{"fixed": "1.0.0"}])), &[(codes::MISSING_INTRODUCED, EV)]);
    // Reported once, though both the reader and the linter compile the entry.
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"last_affected": "2.0.0"}])), &[(codes::FIXED_AND_LAST_AFFECTED, EV)]);
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"fixed": "1.0.0"}])), &[(codes::DUPLICATE_EVENT, "/affected/0/ranges/0/events/2")]);
    case(|v| events(v, json!([{"introduced": "1.0.0"}, {"fixed": "1.0.0"}])), &[(codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/1")]);
    case(
        |v| events(v, json!([{"introduced": "1.0.0"}, {"introduced": "1.5.0"}, {"fixed": "2.0.0"}])),
        &[(codes::REDUNDANT_INTRODUCED, "/affected/0/ranges/0/events/1")],
    );
    // Out of order: the fixed lies below the introduced.
    case(|v| events(v, json!([{"introduced": "2.0.0"}, {"fixed": "1.0.0"}])), &[(codes::REDUNDANT_END, "/affected/0/ranges/0/events/1")]);
    case(
        |v| events(v, json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"last_affected": "1.5.0"}, {"introduced": "2.0.0"}])),
        &[(codes::FIXED_AND_LAST_AFFECTED, EV)],
    );
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"fixed": "2.0.0"}])), &[(codes::REDUNDANT_END, "/affected/0/ranges/0/events/2")]);
    // Several intervals in one range are fine.
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"introduced": "2.0.0"}, {"fixed": "2.0.5"}])), &[]);
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "v1.2"}])), &[(codes::SEMVER_COERCED, "/affected/0/ranges/0/events/1/fixed")]);
    case(|v| events(v, json!([{"introduced": "0"}, {"fixed": "one.two"}])), &[(codes::UNPARSABLE_VERSION, "/affected/0/ranges/0/events/1/fixed")]);
    case(|v| events(v, json!([])), &[(codes::EMPTY_EVENTS, EV)]);
    case(
        |v| events(v, json!([{"introduced": "0", "fixed": "1.0.0"}])),
        &[(codes::INVALID_EVENT, "/affected/0/ranges/0/events/0"), (codes::MISSING_INTRODUCED, EV)],
    );
    case(|v| v["affected"][0]["ranges"][0]["type"] = json!("DATE"), &[(codes::UNKNOWN_RANGE_TYPE, "/affected/0/ranges/0/type")]);
    // ECOSYSTEM crates.io: the ecosystem's ordering reads the versions.
    case(
        |v| {
            v["affected"][0]["ranges"][0]["type"] = json!("ECOSYSTEM");
            events(v, json!([{"introduced": "0"}, {"fixed": "not-a-version"}]));
        },
        &[(codes::UNPARSABLE_VERSION, "/affected/0/ranges/0/events/1/fixed")],
    );
    case(|v| v["affected"][0]["versions"] = json!(["1.0.0", "1.0.0.0.0-!"]), &[(codes::UNPARSABLE_LISTED_VERSION, "/affected/0/versions/1")]);
}

fn git_entry(repo: Option<&str>, events: Value) -> Value {
    let mut range = json!({"type": "GIT", "events": events});
    if let Some(r) = repo {
        range["repo"] = json!(r);
    }
    json!([{"ranges": [range]}])
}

const C1: &str = "e818b74be2170fbe957a07b0da4401c2b694b3b8";
const C2: &str = "7ea5bd2b52d0e81eaef3d109b3b12545306f201c";

#[test]
fn git_and_package_less_checks() {
    let repo = Some("https://github.com/example/demo");
    case(|v| v["affected"] = git_entry(repo, json!([{"introduced": C1}, {"fixed": C2}])), &[]);
    case(|v| v["affected"] = git_entry(None, json!([{"introduced": C1}, {"fixed": C2}])), &[(codes::GIT_RANGE_WITHOUT_REPO, "/affected/0/ranges/0")]);
    case(|v| v["affected"] = git_entry(repo, json!([{"introduced": C1}, {"fixed": C1}])), &[(codes::CONTRADICTORY_EVENTS, "/affected/0/ranges/0/events/1")]);
    // Short hashes the engine cannot compare: upstream's string comparison still sees it.
    case(
        |v| v["affected"] = git_entry(repo, json!([{"introduced": "abc123"}, {"fixed": "abc123"}])),
        &[
            (codes::INVALID_COMMIT_HASH, "/affected/0/ranges/0/events/0/introduced"),
            (codes::INVALID_COMMIT_HASH, "/affected/0/ranges/0/events/1/fixed"),
            (codes::NON_DISTINCT_RANGE, "/affected/0/ranges/0/events/1"),
        ],
    );
    // An entry without a package may only have GIT ranges.
    case(
        |v| {
            v["affected"][0].as_object_mut().unwrap().remove("package");
        },
        &[(codes::RANGE_WITHOUT_PACKAGE, "/affected/0/ranges/0/type")],
    );
    case(
        |v| {
            v["affected"][0].as_object_mut().unwrap().remove("package");
            v["affected"][0]["ranges"][0]["type"] = json!("ECOSYSTEM");
        },
        &[(codes::ECOSYSTEM_RANGE_WITHOUT_PACKAGE, "/affected/0/ranges/0/type")],
    );
}

fn package(v: &mut Value, p: Value) {
    v["affected"][0]["package"] = p;
}

#[test]
fn package_checks() {
    case(|v| package(v, json!({"ecosystem": "Cargo", "name": "demo"})), &[(codes::UNKNOWN_ECOSYSTEM, "/affected/0/package/ecosystem")]);
    case(|v| package(v, json!({"ecosystem": "crates.io"})), &[(codes::MISSING_FIELD, "/affected/0/package/name")]);
    case(|v| package(v, json!({"ecosystem": "crates.io", "name": " demo"})), &[(codes::INVALID_PACKAGE_NAME, "/affected/0/package/name")]);
    case(|v| package(v, json!({"ecosystem": "Maven", "name": "junit"})), &[(codes::INVALID_PACKAGE_NAME, "/affected/0/package/name")]);
    case(|v| package(v, json!({"ecosystem": "Maven", "name": "junit:junit", "purl": "pkg:maven/junit/junit"})), &[]);
    case(|v| package(v, json!({"ecosystem": "npm", "name": "@scope"})), &[(codes::INVALID_PACKAGE_NAME, "/affected/0/package/name")]);
    case(|v| package(v, json!({"ecosystem": "npm", "name": "@scope/pkg", "purl": "pkg:npm/%40scope/pkg"})), &[]);
    case(|v| package(v, json!({"ecosystem": "PyPI", "name": "Django_Rest"})), &[(codes::NAME_NOT_NORMALIZED, "/affected/0/package/name")]);
    case(|v| package(v, json!({"ecosystem": "PyPI", "name": "django-rest", "purl": "pkg:pypi/Django_Rest"})), &[]);
    case(|v| package(v, json!({"ecosystem": "crates.io", "name": "demo", "purl": "not a purl"})), &[(codes::INVALID_PURL, "/affected/0/package/purl")]);
    case(|v| package(v, json!({"ecosystem": "crates.io", "name": "demo", "purl": "pkg:cargo/other"})), &[(codes::PURL_MISMATCH, "/affected/0/package/purl")]);
    case(|v| package(v, json!({"ecosystem": "crates.io", "name": "demo", "purl": "pkg:npm/demo"})), &[(codes::PURL_MISMATCH, "/affected/0/package/purl")]);
    case(
        |v| package(v, json!({"ecosystem": "crates.io", "name": "demo", "purl": "pkg:github/example/demo"})),
        &[(codes::PURL_MISMATCH, "/affected/0/package/purl")],
    );
    case(
        |v| package(v, json!({"ecosystem": "crates.io", "name": "demo", "purl": "pkg:cargo/demo@1.0.0"})),
        &[(codes::PURL_HAS_VERSION, "/affected/0/package/purl")],
    );
    // A distribution's purl, with qualifiers, names the entry's package.
    case(|v| package(v, json!({"ecosystem": "Alpine:v3.18", "name": "openssl", "purl": "pkg:apk/alpine/openssl?arch=source"})), &[]);
    case(|v| package(v, json!({"ecosystem": "crates.io", "name": "demo"})), &[]);
    case(
        |v| {
            v["affected"][0].as_object_mut().unwrap().remove("ranges");
        },
        &[(codes::NO_AFFECTED_VERSIONS, "/affected/0")],
    );
    case(
        |v| {
            package(v, json!({"ecosystem": "Linux", "name": "Kernel"}));
            v["affected"][0]["ranges"][0]["type"] = json!("ECOSYSTEM");
        },
        &[(codes::NO_VERSION_ORDERING, "/affected/0/ranges/0/type")],
    );
    case(|v| package(v, json!({"ecosystem": "Linux", "name": "linux"})), &[(codes::INVALID_PACKAGE_NAME, "/affected/0/package/name")]);
}

#[test]
fn lint_reads_records_built_in_code() {
    let record = Record { id: "CUSTOM-1".into(), ..Record::default() };
    let found: Vec<(String, String)> = lint::lint(&record).into_iter().map(|d| (d.code, d.pointer)).collect();
    assert_eq!(found, vec![pair(codes::UNKNOWN_ID_PREFIX, "/id"), pair(codes::MISSING_FIELD, "/modified"), pair(codes::NO_AFFECTED, "/affected"),]);
    let empty = Record::default();
    assert!(lint::lint(&empty).iter().any(|d| d.code == codes::INVALID_ID && d.pointer == "/id"));
}

#[test]
fn unreadable_documents_keep_the_readers_diagnostics() {
    let found: Vec<String> = lint_json(b"[1, 2]").into_iter().map(|d| d.code).collect();
    assert_eq!(found, vec![codes::NOT_AN_OBJECT.to_string()]);
    let found: Vec<String> = lint_json(b"{\"id\": ").into_iter().map(|d| d.code).collect();
    assert_eq!(found, vec![codes::INVALID_JSON.to_string()]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut v = base();
    v["id"] = json!("FOO-1");
    v["aliases"] = json!(["FOO-1"]);
    v.as_object_mut().unwrap().remove("modified");
    events(&mut v, json!([{"fixed": "1.0.0"}]));
    v["affected"][0]["package"]["purl"] = json!("pkg:cargo/other");
    let found = run(&v);
    let mut want = vec![
        pair(codes::UNKNOWN_ID_PREFIX, "/id"),
        pair(codes::ALIAS_IS_ID, "/aliases/0"),
        pair(codes::MISSING_FIELD, "/modified"),
        pair(codes::MISSING_INTRODUCED, EV),
        pair(codes::PURL_MISMATCH, "/affected/0/package/purl"),
    ];
    want.sort();
    assert_eq!(found, want);
}
