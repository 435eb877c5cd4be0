//! Every line of the shared ordering fixtures (`testdata/`, from osv-scanner) must hold in both
//! directions for every ecosystem that uses the file.
//!
//! The semver file is applied to npm, crates.io, Go and Hex with each ecosystem's own (strict)
//! rules first. It also holds strings those rules refuse (`1.1.3.4.5`, a lone
//! `999999999999999999999999999991`, a `v` prefix where the ecosystem has none); such a line is
//! checked with osv-scanner's lenient semver comparator (`ComparatorFamily::OsvSemver`), which is
//! what the file was written for, and the test asserts that this happens only for lines a strict
//! dialect really refuses.

use std::cmp::Ordering;

use clearinghouse_versions::{ComparatorFamily, Ecosystem, compare};

struct Line {
    file: &'static str,
    number: usize,
    a: &'static str,
    op: Ordering,
    b: &'static str,
}

fn lines(file: &'static str, text: &'static str) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with("# ") || t.starts_with("// ") || t == "#" || t == "//" {
            continue;
        }
        let parts: Vec<&str> = t.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "{file}:{}: malformed fixture line {raw:?}", i + 1);
        let op = match parts[1] {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            other => panic!("{file}:{}: unknown operator {other:?}", i + 1),
        };
        out.push(Line { file, number: i + 1, a: parts[0], op, b: parts[2] });
    }
    assert!(!out.is_empty(), "{file} has no comparisons");
    out
}

/// Checks one line both ways with `cmp`; returns a description of the failure, if any.
fn check(line: &Line, label: &str, cmp: impl Fn(&str, &str) -> Result<Ordering, String>) -> Option<String> {
    let forward = cmp(line.a, line.b);
    let backward = cmp(line.b, line.a);
    match (forward, backward) {
        (Ok(f), Ok(r)) if f == line.op && r == line.op.reverse() => None,
        (f, r) => Some(format!("{}:{} [{label}] {} {:?} {}: got {f:?}, reverse {r:?}", line.file, line.number, line.a, line.op, line.b)),
    }
}

fn eco(s: &str) -> Ecosystem {
    s.parse().unwrap()
}

/// Lines that no total order can satisfy, with the answer we give instead. See the Packagist
/// module: PHP lets `#` equal every number, so `1.2.3.# = 1.2.3` (line 94) and `1.2.3.# = 1.2.3.1`
/// together would force `1.2.3 = 1.2.3.1`, which PHP itself says is `<`.
const CONTRADICTORY: &[(&str, usize, Ordering)] = &[("packagist-versions.txt", 96, Ordering::Less)];

fn run(file: &'static str, text: &'static str, ecosystems: &[&str]) -> usize {
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in lines(file, text) {
        for name in ecosystems {
            let e = eco(name);
            let cmp = |a: &str, b: &str| compare(&e, a, b).map_err(|err| err.to_string());
            if let Some(&(_, _, ours)) = CONTRADICTORY.iter().find(|(f, n, _)| *f == file && *n == line.number) {
                assert_eq!(cmp(line.a, line.b), Ok(ours), "{file}:{} [{name}]", line.number);
                assert_eq!(cmp(line.b, line.a), Ok(ours.reverse()), "{file}:{} [{name}]", line.number);
                continue;
            }
            checked += 1;
            if let Some(f) = check(&line, name, cmp) {
                failures.push(f);
            }
        }
    }
    assert!(failures.is_empty(), "{} failing comparisons:\n{}", failures.len(), failures.join("\n"));
    checked
}

macro_rules! fixture {
    ($test:ident, $file:literal, [$($eco:literal),+], $expected:expr) => {
        #[test]
        fn $test() {
            let n = run($file, include_str!(concat!("../testdata/", $file)), &[$($eco),+]);
            assert_eq!(n, $expected, "comparisons checked (lines times ecosystems)");
            println!("{}: {n} comparisons hold both ways", $file);
        }
    };
}

fixture!(alpine, "alpine-versions.txt", ["Alpine:v3.18", "Wolfi", "Chainguard"], 768 * 3);
fixture!(cran, "cran-versions.txt", ["CRAN"], 21);
fixture!(debian, "debian-versions.txt", ["Debian:12", "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS"], 30 * 3);
fixture!(maven, "maven-versions.txt", ["Maven", "Maven:https://maven.google.com"], 102 * 2);
fixture!(nuget, "nuget-versions.txt", ["NuGet"], 35);
fixture!(packagist, "packagist-versions.txt", ["Packagist"], 95 - 1);
fixture!(pypi, "pypi-versions.txt", ["PyPI"], 37);
fixture!(
    redhat,
    "redhat-versions.txt",
    ["Red Hat:rhel_aus:8.4::appstream", "Rocky Linux:9", "AlmaLinux:8", "SUSE:Linux Enterprise Server 15 SP5", "openSUSE:Leap 15.5", "Mageia:9"],
    153 * 6
);
fixture!(rubygems, "rubygems-versions.txt", ["RubyGems"], 25);

#[test]
fn semver_file_strict_first_then_osv_lenient() {
    let text = include_str!("../testdata/semver-versions.txt");
    let mut failures = Vec::new();
    let (mut strict, mut lenient) = (0, 0);
    for name in ["npm", "crates.io", "Go", "Hex"] {
        let e = eco(name);
        for line in lines("semver-versions.txt", text) {
            let refused = compare(&e, line.a, line.b).is_err();
            if refused {
                // Only a line the ecosystem's own rules refuse may fall back, and the lenient
                // comparator must then accept it.
                lenient += 1;
                let cmp = |a: &str, b: &str| ComparatorFamily::OsvSemver.compare(a, b).map_err(|err| err.to_string());
                if let Some(f) = check(&line, &format!("{name} via osv-scanner semver"), cmp) {
                    failures.push(f);
                }
            } else {
                strict += 1;
                let cmp = |a: &str, b: &str| compare(&e, a, b).map_err(|err| err.to_string());
                if let Some(f) = check(&line, name, cmp) {
                    failures.push(f);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failing comparisons:\n{}", failures.len(), failures.join("\n"));
    println!("semver-versions.txt: {strict} comparisons by the ecosystem's own rules, {lenient} by osv-scanner semver");
    assert_eq!(strict + lenient, 86 * 4);
    // Most lines are ordinary SemVer: the fallback must stay the exception.
    assert!(strict > 3 * lenient, "strict {strict}, lenient {lenient}");
}

/// The whole semver file also holds under the lenient comparator alone, as it did in osv-scanner.
#[test]
fn semver_file_holds_under_osv_semver() {
    let mut failures = Vec::new();
    for line in lines("semver-versions.txt", include_str!("../testdata/semver-versions.txt")) {
        let cmp = |a: &str, b: &str| ComparatorFamily::OsvSemver.compare(a, b).map_err(|err| err.to_string());
        if let Some(f) = check(&line, "osv-scanner semver", cmp) {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Lines of the generated Maven orderings that are one leg of a cycle within the same sorted list
/// (osv.dev's comparator is not transitive; see the Maven module). For example lines 2782-2787:
/// `1.0.0.RC8-beta < 1.0.0 < 1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3`, while `RC7-3 < RC8-beta`.
/// A total order must give up one leg of each cycle; these are the ones ours gives up.
const CYCLIC_GENERATED: &[(&str, usize)] = &[
    ("maven-versions-generated.txt", 2786),  // 1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3
    ("maven-versions-generated.txt", 5776),  // 2.9.0-1 < 2.9.0.RC1, after 2.9.0.RC3 < 2.9.0 < 2.9.0-1
    ("maven-versions-generated.txt", 12642), // 1.1.0-01-glassfish < 1.1.0.Beta1, before 1.1.0.Final
];

/// osv-scanner's generated fixtures (orderings taken from the real package indexes, about 1.5 MB,
/// not copied here) when `CLEARINGHOUSE_VERSIONS_GENERATED_FIXTURES` names a folder holding them.
#[test]
fn generated_fixtures_when_available() {
    let Ok(dir) = std::env::var("CLEARINGHOUSE_VERSIONS_GENERATED_FIXTURES") else {
        println!("SKIPPED: CLEARINGHOUSE_VERSIONS_GENERATED_FIXTURES is not set");
        return;
    };
    let mut failures = Vec::new();
    let mut total = 0;
    for (file, name) in [
        ("alpine-versions-generated.txt", "Alpine"),
        ("cran-versions-generated.txt", "CRAN"),
        ("debian-versions-generated.txt", "Debian"),
        ("maven-versions-generated.txt", "Maven"),
        ("packagist-versions-generated.txt", "Packagist"),
        ("pypi-versions-generated.txt", "PyPI"),
        ("rubygems-versions-generated.txt", "RubyGems"),
    ] {
        let text: &'static str = std::fs::read_to_string(format!("{dir}/{file}")).expect("readable fixture").leak();
        let e = eco(name);
        for line in lines(file, text) {
            total += 1;
            let cmp = |a: &str, b: &str| compare(&e, a, b).map_err(|err| err.to_string());
            if CYCLIC_GENERATED.contains(&(file, line.number)) {
                // We give the opposite answer; make sure it stays deliberate.
                assert_eq!(cmp(line.a, line.b), Ok(line.op.reverse()), "{file}:{}", line.number);
                continue;
            }
            if let Some(f) = check(&line, name, cmp) {
                failures.push(f);
            }
        }
    }
    println!("generated fixtures: {total} lines, {} failing", failures.len());
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n"));
}
