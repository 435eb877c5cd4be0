//! Every line of the reference test vectors, scored exactly.
//!
//! The files are the Red Hat `cvss` library's test vectors (LGPL-3.0): one vector a line, then the
//! expected scores from the reference calculators:
//! - v2 and v3: `(base, temporal, environmental)`; v2 writes `None` for a score whose metrics are
//!   all not defined; v3 always writes all three, the temporal and environmental equations run with
//!   every not-defined metric at its neutral weight;
//! - v4.0: `(score,)` or a bare number: the score of the whole vector (CVSS-B, -BT, -BE or -BTE).
//!
//! Our v3 scores leave the temporal and environmental scores out (`None`) when none of their
//! metrics is defined; such lines are checked by defining one metric at the value that weighs the
//! same as not defined (`RC:C` for the temporal score, `CR:M` for the environmental score, both
//! weight 1 like `X`), which makes the equations run as the reference ran them.
//!
//! Sources, all read when present:
//! - `../shared/data/cvss/vectors_*` (the shared test data, read in place): when the folder is
//!   absent (a fresh clone) the test prints `SKIPPED:` and passes;
//! - `testdata/vectors_*`: a few hundred lines of each file, always run;
//! - the folder named by `CLEARINGHOUSE_CVSS_VECTORS`, for other vector files in the same format
//!   (for example the large `vectors_random*` files of the Red Hat repository).

use std::path::{Path, PathBuf};

use clearinghouse_cvss::{Severity, Version, parse};

fn vector_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vectors_")))
        .collect();
    files.sort();
    files
}

/// `(5.0, None, 3.1)`, `(9.2,)` or `7.3` into the numbers (`None` as `None`).
fn expected_scores(text: &str) -> Option<Vec<Option<f64>>> {
    let inner = text.trim().trim_start_matches('(').trim_end_matches(')');
    inner.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| if s == "None" { Some(None) } else { s.parse::<f64>().ok().map(Some) }).collect()
}

/// `vector` with metric `key` defined as `value` (replacing `key:X`, else appended).
fn with_metric(vector: &str, key: &str, value: &str) -> String {
    let not_defined = format!("/{key}:X");
    if let Some(at) = vector.find(&not_defined).filter(|&at| vector[at + not_defined.len()..].is_empty() || vector[at + not_defined.len()..].starts_with('/')) {
        format!("{}/{key}:{value}{}", &vector[..at], &vector[at + not_defined.len()..])
    } else {
        format!("{vector}/{key}:{value}")
    }
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    // `==` on f64: the reference writes -0.0 for some zero v2 scores, which equals 0.0.
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        (None, None) => true,
        _ => false,
    }
}

/// Checks one line; returns what is wrong.
fn check_line(line: &str) -> Result<(), String> {
    let (vector, scores) = line.split_once(" - ").ok_or("no ` - ` separator")?;
    let expected = expected_scores(scores).ok_or_else(|| format!("cannot read the expected scores {scores:?}"))?;
    let parsed = parse(vector).map_err(|d| format!("refused: {d:?}"))?;
    let got = parsed.scores();
    let version = parsed.version();

    // The normalized form is a valid vector with the same scores.
    let again = parse(&parsed.normalized()).map_err(|d| format!("normalized form {} refused: {d:?}", parsed.normalized()))?;
    if again != parsed || again.scores() != got {
        return Err(format!("normalized form {} scores differently", parsed.normalized()));
    }
    if got.base_severity != Severity::from_score(version, got.base_score) {
        return Err(format!("base severity {:?} for {}", got.base_severity, got.base_score));
    }

    match (version, expected.as_slice()) {
        (Version::V2, [base, temporal, environmental]) => {
            let actual = [Some(got.base_score), got.temporal_score, got.environmental_score];
            if !(same(*base, actual[0]) && same(*temporal, actual[1]) && same(*environmental, actual[2])) {
                return Err(format!("expected {expected:?}, got {actual:?}"));
            }
        }
        (Version::V3_0 | Version::V3_1, [Some(base), Some(temporal), Some(environmental)]) => {
            let forced = |key: &str, value: &str| parse(&with_metric(vector, key, value)).map(|v| v.scores());
            let actual_temporal = match got.temporal_score {
                Some(t) => t,
                None => forced("RC", "C").map_err(|d| format!("with RC:C refused: {d:?}"))?.temporal_score.ok_or("no temporal score with RC:C")?,
            };
            let actual_environmental = match got.environmental_score {
                Some(e) => e,
                None => forced("CR", "M").map_err(|d| format!("with CR:M refused: {d:?}"))?.environmental_score.ok_or("no environmental score with CR:M")?,
            };
            let actual = [got.base_score, actual_temporal, actual_environmental];
            if actual != [*base, *temporal, *environmental] {
                return Err(format!("expected {expected:?}, got {actual:?}"));
            }
        }
        (Version::V4_0, [Some(score)]) => {
            if got.overall_score() != *score {
                return Err(format!("expected {score}, got {} ({:?})", got.overall_score(), got));
            }
        }
        _ => return Err(format!("{expected:?} does not fit a {version} vector")),
    }
    Ok(())
}

/// Checks every line of every `vectors_*` file of `dir`; returns the number of lines.
fn check_dir(dir: &Path) -> usize {
    let mut failures = Vec::new();
    let mut total = 0;
    for file in vector_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let name = file.file_name().unwrap_or_default().to_string_lossy().to_string();
        let mut lines = 0;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            lines += 1;
            if let Err(problem) = check_line(line) {
                failures.push(format!("{name}:{}: {line}\n    {problem}", i + 1));
            }
        }
        eprintln!("{name}: {lines} lines");
        total += lines;
    }
    assert!(total > 0, "no vector files in {}", dir.display());
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(40).collect();
        panic!("{} of {total} lines wrong in {}:\n{}", failures.len(), dir.display(), shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
    }
    total
}

#[test]
fn shared_data_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cvss");
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is absent; the shared CVSS test vectors were not checked", dir.display());
        return;
    }
    let n = check_dir(&dir);
    // v2 729 + v3.1 2592 + v4.0 1058 lines in the snapshot the crate was written against.
    assert!(n >= 4379, "only {n} lines in the shared data");
}

#[test]
fn testdata_vectors() {
    let n = check_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"));
    assert!(n >= 1000, "only {n} lines in testdata/");
}

#[test]
fn extra_vectors_from_environment() {
    let Some(dir) = std::env::var_os("CLEARINGHOUSE_CVSS_VECTORS") else {
        eprintln!("SKIPPED: CLEARINGHOUSE_CVSS_VECTORS is not set (a folder of further vectors_* files)");
        return;
    };
    check_dir(Path::new(&dir));
}

#[test]
fn forcing_a_neutral_metric() {
    assert_eq!(with_metric("CVSS:3.1/AV:N/RC:X/A:N", "RC", "C"), "CVSS:3.1/AV:N/RC:C/A:N");
    assert_eq!(with_metric("CVSS:3.1/AV:N/A:N/RC:X", "RC", "C"), "CVSS:3.1/AV:N/A:N/RC:C");
    assert_eq!(with_metric("CVSS:3.1/AV:N/A:N", "CR", "M"), "CVSS:3.1/AV:N/A:N/CR:M");
    assert_eq!(expected_scores("(5, None, 3.1)"), Some(vec![Some(5.0), None, Some(3.1)]));
    assert_eq!(expected_scores("(9.2,)"), Some(vec![Some(9.2)]));
    assert_eq!(expected_scores("7.3"), Some(vec![Some(7.3)]));
}
