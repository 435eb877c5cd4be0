//! What the advisory tests share: the shared data folder (skipped visibly when absent), the crate's
//! test data, the verdicts of a record at the versions it names, and damaged documents.
#![allow(dead_code)] // each test binary uses its own part

use clearinghouse_osv::{Ecosystem, Record, Verdict, affected_by};
use proptest::sample::Index;
use std::path::{Path, PathBuf};

/// `../shared/data/<rel>`, or `None` with a `SKIPPED:` line when it is not there.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} not found", p.display());
        None
    }
}

/// A file of `crates/advisory/testdata`.
pub fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)).unwrap()
}

/// Every (ecosystem, package, version) a record's events and `versions` lists name.
pub fn probes(r: &Record) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for a in &r.affected {
        let Some(p) = &a.package else { continue };
        let mut versions: Vec<&String> = a.versions.iter().collect();
        for range in &a.ranges {
            for e in &range.events {
                versions.extend([&e.introduced, &e.fixed, &e.last_affected].into_iter().flatten());
            }
        }
        for v in versions {
            out.push((p.ecosystem.clone(), p.name.clone(), v.clone()));
        }
    }
    out
}

/// The record's verdict at each probe.
pub fn verdicts(r: &Record, probes: &[(String, String, String)]) -> Vec<Verdict> {
    probes
        .iter()
        .map(|(e, n, v)| match Ecosystem::parse(e) {
            Ok(eco) => affected_by(r, &eco, n, v).verdict,
            Err(_) => Verdict::Undetermined,
        })
        .collect()
}

/// `bytes` with bytes replaced and, maybe, cut short.
pub fn mutate(mut bytes: Vec<u8>, edits: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    for (i, b) in edits {
        let i = i.index(bytes.len());
        bytes[i] = *b;
    }
    if let Some(c) = cut {
        bytes.truncate(c.index(bytes.len()));
    }
    bytes
}
