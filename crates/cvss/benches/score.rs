//! Vectors parsed and scored per second, per CVSS version.
//!
//! Each iteration parses every vector of the version's test corpus and computes all its scores
//! (`parse(…)` then `scores()`); the throughput is in vectors. The corpus is the shared test data
//! (`../shared/data/cvss/vectors_*`) when present, else the copy in `testdata/`, plus the small
//! threat, environmental and supplemental files of `testdata/`.
//!
//! Run: `cargo bench -p clearinghouse-cvss -- --warm-up-time 1 --measurement-time 3`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use clearinghouse_cvss::{Version, parse};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The vectors of every `vectors_*` file of `dir`, by version.
fn read_dir(dir: &Path, into: &mut BTreeMap<Version, Vec<String>>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> =
        entries.flatten().map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vectors_"))).collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines() {
            let Some((vector, _)) = line.split_once(" - ") else { continue };
            if let Ok(v) = parse(vector) {
                into.entry(v.version()).or_default().push(vector.to_string());
            }
        }
    }
}

fn corpus() -> BTreeMap<Version, Vec<String>> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut by_version = BTreeMap::new();
    let shared = here.join("../../../shared/data/cvss");
    if shared.is_dir() {
        read_dir(&shared, &mut by_version);
        // The small files of testdata/ that the shared data has no counterpart of (v3.0, threat,
        // environmental and supplemental metrics).
        let mut extra = BTreeMap::new();
        read_dir(&here.join("testdata"), &mut extra);
        for (version, vectors) in extra {
            let known = by_version.entry(version).or_insert_with(Vec::new);
            for v in vectors {
                if !known.contains(&v) {
                    known.push(v);
                }
            }
        }
    } else {
        eprintln!("note: {} is absent; benchmarking testdata/ only", shared.display());
        read_dir(&here.join("testdata"), &mut by_version);
    }
    by_version
}

fn bench(c: &mut Criterion) {
    let corpus = corpus();
    let mut group = c.benchmark_group("parse_and_score");
    for (version, vectors) in &corpus {
        group.throughput(Throughput::Elements(vectors.len() as u64));
        group.bench_function(format!("{version} ({} vectors)", vectors.len()), |b| {
            b.iter(|| {
                for v in vectors {
                    let parsed = parse(black_box(v)).expect("corpus vectors are valid");
                    black_box(parsed.scores());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
