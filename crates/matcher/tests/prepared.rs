//! Prepared indexes: damaged or hostile bytes are errors, never panics; and a scan through a prepared
//! index answers exactly what a scan through an index of every record answers, on the real RustSec
//! and Go databases in `../shared/data/advisories`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clearinghouse_matcher::prepared::{self, Directory, PREAMBLE_LEN, PreparedIndex, Source};
use clearinghouse_matcher::{Index, scan_sbom};
use clearinghouse_osv::{Base, Record, parse_record};
use clearinghouse_sbom::Sbom;
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-27 00:00 UTC);

fn source() -> Source<'static> {
    Source { description: "tests", built_at: NOW, fingerprint: None }
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if p.is_dir() {
        Some(p)
    } else {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} is absent", p.display());
        None
    }
}

fn load(dir: &Path) -> Vec<Record> {
    let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    paths.sort();
    paths.iter().map(|p| parse_record(&std::fs::read(p).unwrap()).0.unwrap_or_else(|| panic!("{}", p.display()))).collect()
}

fn full_index(records: &[Record]) -> Index {
    let mut index = Index::new();
    for r in records {
        index.insert(r.clone(), NOW);
    }
    index
}

/// Every lockfile and SBOM the repository has test data for.
fn sboms() -> Vec<(String, Sbom)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = vec![root.join("Cargo.lock")];
    for dir in ["crates/cli/tests/fixtures/scan", "crates/sbom/testdata/lockfiles", "crates/sbom/testdata/cyclonedx", "crates/sbom/testdata/generated"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
        found.sort();
        files.extend(found);
    }
    let mut out: Vec<(String, Sbom)> = files
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            let sbom = clearinghouse_sbom::read(&std::fs::read(p).ok()?, Some(&name)).ok()?;
            Some((p.display().to_string(), sbom))
        })
        .collect();
    out.push(("go.mod (mixed-case modules)".into(), clearinghouse_sbom::read(GO_MOD.as_bytes(), Some("go.mod")).unwrap()));
    out.push(("vulnerable Cargo.lock".into(), clearinghouse_sbom::read(VULNERABLE_LOCK.as_bytes(), Some("Cargo.lock")).unwrap()));
    assert!(out.len() > 15, "the test data is there: {}", out.len());
    out
}

const GO_MOD: &str = "module example.com/app

go 1.22

require (
\tgithub.com/1Panel-dev/1Panel v1.4.3
\tgithub.com/MicahParks/jwkset v0.5.2
\tgithub.com/gin-gonic/gin v1.5.0
\tk8s.io/kubernetes v1.20.0
\tgolang.org/x/text v0.3.0
\tgolang.org/x/net v0.0.1
)
";

const VULNERABLE_LOCK: &str = r#"version = 3

[[package]]
name = "chrono"
version = "0.4.19"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "http"
version = "0.1.19"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "dirs"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "time"
version = "0.1.43"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

#[test]
fn prepared_scans_equal_full_scans_on_real_data() {
    let (Some(rustsec), Some(go)) = (shared("advisories/rustsec"), shared("advisories/go")) else { return };
    let mut records = load(&rustsec);
    records.extend(load(&go));
    let full = full_index(&records);
    let bytes = prepared::encode(&records, &source()).unwrap();
    let p = PreparedIndex::open(&bytes).unwrap();
    assert_eq!(p.record_count(), full.len(), "the same records, once each");
    // Every record comes back as it was parsed.
    for r in p.all_records() {
        let r = r.unwrap();
        assert_eq!(Some(&r), full.get(&r.id).map(|a| &a.record), "{}", r.id);
    }
    let mut findings = 0;
    let mut loaded_most = 0;
    for (name, sbom) in sboms() {
        let small = p.load_for(&sbom.components, NOW).unwrap();
        assert!(small.len() <= full.len());
        loaded_most = loaded_most.max(small.len());
        let expected = scan_sbom(&full, &sbom);
        assert_eq!(scan_sbom(&small, &sbom), expected, "{name}");
        findings += expected.findings.len();
        // The directory alone plans the same load.
        let len = prepared::directory_len(&bytes[..PREAMBLE_LEN]).unwrap();
        let dir = Directory::open(&bytes[..len]).unwrap();
        let mut ids: Vec<String> = dir
            .needed_for(&sbom.components)
            .into_iter()
            .map(|n| {
                let span = dir.record_span(n as usize).unwrap();
                let start = span.offset as usize;
                dir.decode(n as usize, &bytes[start..start + span.len]).unwrap().id
            })
            .collect();
        let mut loaded: Vec<String> = small.advisories().map(|a| a.id().to_string()).collect();
        ids.sort();
        loaded.sort();
        assert_eq!(ids, loaded, "{name}");
    }
    assert!(findings > 10, "the data has findings to compare: {findings}");
    assert!(loaded_most * 4 < full.len(), "a lockfile loads a small part of the database: {loaded_most} of {}", full.len());
    let _ = writeln!(std::io::stderr(), "prepared: {} records, {} bytes, {findings} findings compared", p.record_count(), bytes.len());

    // Lookups by package agree with the index's postings.
    assert!(p.records_for(Base::CratesIo, "smallvec").unwrap().iter().any(|r| r.id == "RUSTSEC-2021-0003"));
    assert!(p.records_for(Base::Go, "github.com/1panel-dev/1panel").unwrap().iter().any(|r| r.id == "GO-2023-2004"));
}

#[test]
fn load_all_equals_the_full_index() {
    let Some(rustsec) = shared("advisories/rustsec") else { return };
    let records = load(&rustsec);
    let full = full_index(&records);
    let bytes = prepared::encode(&records, &source()).unwrap();
    let all = PreparedIndex::open(&bytes).unwrap().load_all(NOW).unwrap();
    assert_eq!(all.len(), full.len());
    let lock = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock")).unwrap();
    let sbom = clearinghouse_sbom::read(&lock, Some("Cargo.lock")).unwrap();
    assert_eq!(scan_sbom(&all, &sbom), scan_sbom(&full, &sbom));
    // Withdrawn records are kept and stay withdrawn.
    assert!(all.get("RUSTSEC-2020-0053").is_some_and(|a| a.withdrawn));
}

fn small_records() -> Vec<Record> {
    let json = |id: &str, eco: &str, name: &str| {
        format!(
            r#"{{"id": "{id}", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-1"], "affected": [{{"package": {{"ecosystem": "{eco}", "name": "{name}"}},
            "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "1.2.3"}}]}}]}}]}}"#
        )
    };
    [("A-1", "crates.io", "foo"), ("A-2", "npm", "@scope/bar"), ("A-3", "PyPI", "Django"), ("A-4", "Go", "github.com/X/y")]
        .iter()
        .map(|(id, eco, name)| parse_record(json(id, eco, name).as_bytes()).0.unwrap())
        .collect()
}

/// Opens `bytes` every way and touches everything reachable: none of it may panic.
fn exercise(bytes: &[u8]) {
    if let Ok(p) = PreparedIndex::open(bytes) {
        let _ = p.header();
        for r in p.all_records() {
            let _ = r;
        }
        let _ = p.records_for(Base::CratesIo, "foo");
        let _ = p.load_all(NOW);
        let _ = p.directory().keys().count();
        let _ = p.directory().unkeyed().count();
    }
    if bytes.len() >= PREAMBLE_LEN
        && let Ok(len) = prepared::directory_len(&bytes[..PREAMBLE_LEN])
        && let Some(prefix) = bytes.get(..len)
        && let Ok(d) = Directory::open(prefix)
    {
        for n in 0..d.record_count() {
            if let Some(span) = d.record_span(n) {
                let start = span.offset as usize;
                let _ = bytes.get(start..start.saturating_add(span.len)).map(|b| d.decode(n, b));
            }
        }
        let _ = d.records_for(Base::Npm, "@scope/bar").count();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
        let mut with_magic = prepared::MAGIC.to_vec();
        with_magic.extend_from_slice(&bytes);
        exercise(&with_magic);
    }

    #[test]
    fn mutated_indexes_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let good = prepared::encode(&small_records(), &source()).unwrap();
        let mut bytes = good.clone();
        for (at, value) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *value;
        }
        exercise(&bytes);
        // Truncated anywhere.
        exercise(&good[..cut.index(good.len())]);
        // Counts in the preamble set to anything, with the checksum made to match: the section
        // bounds alone must hold.
        let mut forged = good.clone();
        let (at, value) = edits[0];
        let field = 16 + 4 * at.index(5);
        forged[field..field + 4].copy_from_slice(&u32::from(value).wrapping_mul(0x0101_0101).to_le_bytes());
        if let Ok(len) = prepared::directory_len(&forged[..PREAMBLE_LEN])
            && len <= forged.len()
        {
            let sum = prepared::checksum(&forged[PREAMBLE_LEN..len]);
            forged[48..56].copy_from_slice(&sum.to_le_bytes());
        }
        exercise(&forged);
    }

    #[test]
    fn a_flipped_bit_in_the_directory_is_caught(at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let good = prepared::encode(&small_records(), &source()).unwrap();
        let len = prepared::directory_len(&good[..PREAMBLE_LEN]).unwrap();
        let mut bytes = good.clone();
        let i = at.index(len);
        bytes[i] ^= 1 << bit;
        // Anywhere in the preamble or the directory: refused (a reserved byte, a size, the checksum
        // or what it covers).
        prop_assert!(PreparedIndex::open(&bytes).is_err(), "byte {i} bit {bit}");
    }
}

#[test]
fn forged_directory_within_bounds_is_refused_not_trusted() {
    // Keys out of order with a matching checksum: refused, because lookups binary-search them.
    let records = small_records();
    let good = prepared::encode(&records, &source()).unwrap();
    let p = PreparedIndex::open(&good).unwrap();
    assert!(p.directory().key_count() >= 2);
    let len = p.directory().directory_len();
    let header_len = u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize;
    let table = PREAMBLE_LEN + header_len;
    let mut forged = good.clone();
    // Swap the first two key-table rows.
    let (a, b) = (forged[table..table + 16].to_vec(), forged[table + 16..table + 32].to_vec());
    forged[table..table + 16].copy_from_slice(&b);
    forged[table + 16..table + 32].copy_from_slice(&a);
    let sum = prepared::checksum(&forged[PREAMBLE_LEN..len]);
    forged[48..56].copy_from_slice(&sum.to_le_bytes());
    let err = PreparedIndex::open(&forged).unwrap_err();
    assert_eq!(err.code, prepared::codes::CORRUPT_INDEX);
    assert!(err.message.contains("order"), "{err:?}");
}
