//! Comparisons per second for each ecosystem, on realistic version pairs.
//!
//! Two numbers per ecosystem: `compare` parses both strings and compares them (what a one-off
//! check costs), `cmp_parsed` compares keys parsed once (what a matching index pays per step of a
//! binary search). Each iteration runs every pair of the ecosystem once; the throughput is in
//! comparisons.
//!
//! Run: `cargo bench -p clearinghouse-versions -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;

use clearinghouse_versions::{Ecosystem, Version, compare, parse};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Version pairs as they meet in advisories and SBOMs: neighbouring releases, backports,
/// prereleases against releases, and each ecosystem's peculiar shapes.
const PAIRS: &[(&str, &[(&str, &str)])] = &[
    (
        "npm",
        &[("4.17.20", "4.17.21"), ("1.0.0-beta.2", "1.0.0-beta.11"), ("2.0.0-rc.1", "2.0.0"), ("0.0.1", "0.0.1"), ("v3.4.1", "3.10.0"), ("18.2.0", "17.0.2")],
    ),
    (
        "crates.io",
        &[
            ("1.0.130", "1.0.131"),
            ("0.4.38", "0.4.39"),
            ("1.0.0-alpha.1", "1.0.0"),
            ("0.10.55", "0.9.102"),
            ("1.28.2", "1.28.2"),
            ("2.0.0-rc.3", "2.0.0-rc.12"),
        ],
    ),
    (
        "Go",
        &[
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-abcdefabcdef"),
            ("1.2.4-0.20191109021931-daa7c04131f5", "1.2.4"),
            ("2.0.0+incompatible", "2.1.0+incompatible"),
            ("0.17.0", "0.15.0"),
            ("1.20.5", "1.21.0-rc.2"),
            ("0.0.0-20230510235704-dd9d682886f9", "0.10.0"),
        ],
    ),
    ("Hex", &[("1.14.3", "1.15.0"), ("0.6.0-rc.1", "0.6.0"), ("2.0.2", "2.0.10"), ("1.4.1", "1.4.1"), ("0.1.0", "0.20.0"), ("3.0.0-beta.2", "3.0.0-alpha.5")]),
    (
        "Pub",
        &[("1.0.0+1", "1.0.0+2"), ("2.3.0-dev.1", "2.3.0"), ("0.13.5", "0.13.6"), ("1.0.0", "1.0.0+1"), ("3.1.0-nullsafety.2", "3.1.0"), ("6.1.5", "6.10.0")],
    ),
    ("PyPI", &[("2.31.0", "2.32.0rc1"), ("1.0.post1", "1.0"), ("1!2.0", "3.0"), ("3.2.0.dev2", "3.2.0a1"), ("0.9.7-legacy", "1.0"), ("23.1.2", "23.1.2")]),
    (
        "Maven",
        &[
            ("2.13.4.2", "2.13.5"),
            ("5.3.20.RELEASE", "5.3.20"),
            ("31.1-jre", "32.0.0-android"),
            ("2.0.0.Alpha1", "2.0.0.Final"),
            ("1.2.3-SNAPSHOT", "1.2.3"),
            ("9.4.51.v20230217", "9.4.52.v20230823"),
        ],
    ),
    (
        "NuGet",
        &[
            ("13.0.1", "13.0.3"),
            ("6.0.0-preview.7.21377.19", "6.0.0"),
            ("4.3.0", "4.3.0.1"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("2.2.0", "2.10.0"),
            ("7.0.0-rc.2.23479.6", "7.0.0-rc.1.23419.4"),
        ],
    ),
    ("RubyGems", &[("7.0.4", "7.0.4.1"), ("1.13.10", "1.14.0.rc1"), ("6.1.7.3", "7.0.4.3"), ("2.0.0.pre", "2.0.0"), ("0.9.1", "0.10.0"), ("1.15.4", "1.15.4")]),
    (
        "Packagist",
        &[("v5.4.21", "5.4.22"), ("2.0.0-RC1", "2.0.0"), ("1.0.0-beta2", "1.0.0-alpha3"), ("4.4.49", "4.4.50"), ("dev-main", "1.0.0"), ("10.1.3", "9.5.0")],
    ),
    ("CRAN", &[("1.0-2", "1.0-10"), ("0.4.1", "0.4.2"), ("3.4.0", "3.4.0.1"), ("1.1-3", "1.2-0"), ("2.2.0", "2.2.0"), ("0.99.9", "1.0.0")]),
    ("Hackage", &[("0.10.1.0", "0.10.2"), ("1.2.3.4", "1.2.3.5"), ("2.0", "2.0.0"), ("0.6.7", "0.6.7"), ("4.1.2.1", "4.2"), ("1.0.0.0", "0.9.9.9")]),
    (
        "Debian:12",
        &[
            ("1.1.1n-0+deb11u4", "1.1.1n-0+deb11u5"),
            ("2:8.2.2434-3+deb11u1", "2:9.0.1378-2"),
            ("3.0.11-1~deb12u1", "3.0.11-1~deb12u2"),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u5"),
            ("2.36-9+deb12u4", "2.36-9+deb12u7"),
            ("1:2.39.2-1.1", "1:2.39.2-1"),
        ],
    ),
    (
        "Ubuntu:22.04:LTS",
        &[
            ("1.1.1f-1ubuntu2.19", "1.1.1f-1ubuntu2.20"),
            ("2.35-0ubuntu3.1", "2.35-0ubuntu3.6"),
            ("5.15.0-91.101", "5.15.0-101.111"),
            ("3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12"),
            ("1:9.18.18-0ubuntu0.22.04.1", "1:9.18.24-0ubuntu0.22.04.1"),
            ("2.9.13+dfsg-1ubuntu0.3", "2.9.13+dfsg-1ubuntu0.4"),
        ],
    ),
    (
        "Alpine:v3.18",
        &[
            ("3.0.8-r0", "3.0.9-r0"),
            ("1.36.1-r2", "1.36.1-r5"),
            ("2.40.1_p1-r0", "2.40.1-r0"),
            ("8.0.1_rc1-r0", "8.0.1-r0"),
            ("1.2.13-r1", "1.2.13-r1"),
            ("9.3_p2-r0", "9.6_p1-r0"),
        ],
    ),
    (
        "Red Hat:enterprise_linux:9::appstream",
        &[
            ("0:3.0.7-16.el9_2", "1:3.0.7-17.el9"),
            ("4.18.0-477.10.1.el8_8", "4.18.0-477.13.1.el8_8"),
            ("2.34-60.el9", "2.34-83.el9_3.7"),
            ("1.1.1k-9.el8_7", "1.1.1k-12.el8_9"),
            ("7.61.1-30.el8_8.3", "7.61.1-30.el8_8.3"),
            ("9.16.23-0.16.el8_9.2", "9.16.23-0.14.el8_8.1"),
        ],
    ),
    (
        "SUSE:Linux Enterprise Server 15 SP5",
        &[
            ("1.1.1l-150400.7.28.1", "1.1.1l-150400.7.31.2"),
            ("5.14.21-150500.55.19.1", "5.14.21-150500.55.22.1"),
            ("2.31-150300.52.2", "2.31-150300.63.1"),
            ("3.0.8-150500.5.8.1", "3.0.8-150500.5.8.1"),
            ("8.0.1~rc1-1.1", "8.0.1-1.1"),
            ("1.0^20230101-1", "1.0-1"),
        ],
    ),
];

fn benches(c: &mut Criterion) {
    let mut by_string = c.benchmark_group("compare");
    for (name, pairs) in PAIRS {
        let eco: Ecosystem = name.parse().expect("ecosystem");
        by_string.throughput(Throughput::Elements(pairs.len() as u64));
        by_string.bench_function(eco.base().name(), |b| {
            b.iter(|| {
                for (x, y) in pairs.iter() {
                    black_box(compare(&eco, black_box(x), black_box(y)).expect("valid"));
                }
            })
        });
    }
    by_string.finish();

    let mut parsed = c.benchmark_group("cmp_parsed");
    for (name, pairs) in PAIRS {
        let eco: Ecosystem = name.parse().expect("ecosystem");
        let keys: Vec<(Version, Version)> = pairs.iter().map(|(x, y)| (parse(&eco, x).expect("valid"), parse(&eco, y).expect("valid"))).collect();
        parsed.throughput(Throughput::Elements(keys.len() as u64));
        parsed.bench_function(eco.base().name(), |b| {
            b.iter(|| {
                for (x, y) in keys.iter() {
                    black_box(black_box(x).cmp(black_box(y)));
                }
            })
        });
    }
    parsed.finish();
}

criterion_group!(compare_benches, benches);
criterion_main!(compare_benches);
