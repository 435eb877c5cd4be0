//! Tests of the CVSS scores of vulnerabilities: 6.1.7, 6.1.9 and 6.1.10 (6.1.8, validity against
//! FIRST's schemas, is in `schema.rs`).

use std::collections::HashMap;

use serde_json::Value;

use crate::cvss::{self, Version};
use crate::json::{Sink, arr, get, quote, str_at, strs, vulnerabilities};

/// 6.1.7 Multiple Scores with same Version per Product: in one vulnerability, a product in two
/// scores whose `cvss_v2` (or `cvss_v3`) objects have the same `version` (3.0 and 3.1 are
/// different versions). The later occurrence fails.
pub(crate) fn check_6_1_7(doc: &Value, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        let mut first: HashMap<(&str, &str), usize> = HashMap::new();
        for (j, score) in arr(v, "scores").iter().enumerate() {
            let versions: Vec<&str> = ["cvss_v2", "cvss_v3"].iter().filter_map(|k| get(score, k).and_then(|c| str_at(c, "version"))).collect();
            for (k, p) in strs(score, "products") {
                for version in &versions {
                    match first.get(&(p, version)) {
                        Some(&at) if at != j => sink.fail(
                            "6.1.7",
                            format!("/vulnerabilities/{i}/scores/{j}/products/{k}"),
                            format!("product {} already has a CVSS {version} score in /vulnerabilities/{i}/scores/{at}", quote(p)),
                        ),
                        Some(_) => {}
                        None => {
                            first.insert((p, version), j);
                        }
                    }
                }
            }
        }
    }
}

/// The CVSS objects of the document: pointer, object, parsed vector (when the vector string parses
/// and agrees with the object's `version`; otherwise 6.1.8 reports the object).
fn cvss_objects(doc: &Value) -> Vec<(String, &Value, cvss::Vector)> {
    let mut out = Vec::new();
    for (i, v) in vulnerabilities(doc) {
        for (j, score) in arr(v, "scores").iter().enumerate() {
            for key in ["cvss_v2", "cvss_v3"] {
                let Some(obj) = get(score, key) else { continue };
                let Some(vector) = str_at(obj, "vectorString").and_then(cvss::parse) else { continue };
                let expected = match vector.version {
                    Version::V2 => "2.0",
                    Version::V30 => "3.0",
                    Version::V31 => "3.1",
                };
                let right_key = (key == "cvss_v2") == (vector.version == Version::V2);
                if !right_key || str_at(obj, "version").is_some_and(|v| v != expected) {
                    continue;
                }
                out.push((format!("/vulnerabilities/{i}/scores/{j}/{key}"), obj, vector));
            }
        }
    }
    out
}

/// Two scores are equal when they agree to the tenth (scores have one decimal).
fn same_score(given: f64, computed: f64) -> bool {
    (given - computed).abs() < 1e-6
}

/// 6.1.9 Invalid CVSS computation: every score and severity given agrees with the one computed from
/// the vector string (which takes precedence). v2: `baseScore`, `temporalScore`,
/// `environmentalScore`; v3.0 and v3.1: those and `baseSeverity`, `temporalSeverity`,
/// `environmentalSeverity`. Temporal and environmental metrics missing from the vector are "Not
/// Defined", as the CVSS specifications say.
pub(crate) fn check_6_1_9(doc: &Value, sink: &mut Sink) {
    for (pointer, obj, vector) in cvss_objects(doc) {
        let scores = cvss::score(&vector);
        // v2: the scores of exact decimal and of binary floating-point rounding are both accepted
        // where they differ (a score on a half tenth, see `cvss::score_v2_variants`).
        let alternative = (vector.version == Version::V2).then(|| cvss::score_v2_variants(&vector)[1]);
        for (property, computed, other) in [
            ("baseScore", scores.base, alternative.map(|a| a.base)),
            ("temporalScore", scores.temporal, alternative.map(|a| a.temporal)),
            ("environmentalScore", scores.environmental, alternative.map(|a| a.environmental)),
        ] {
            let Some(given) = get(obj, property).and_then(Value::as_f64) else { continue };
            if !same_score(given, computed) && !other.is_some_and(|o| same_score(given, o)) {
                sink.fail("6.1.9", format!("{pointer}/{property}"), format!("{property} is {given} but the vector string gives {computed:.1}"));
            }
        }
        if vector.version == Version::V2 {
            continue;
        }
        for (property, computed) in [("baseSeverity", scores.base), ("temporalSeverity", scores.temporal), ("environmentalSeverity", scores.environmental)] {
            let Some(given) = str_at(obj, property) else { continue };
            let expected = cvss::severity(computed);
            if given != expected {
                sink.fail(
                    "6.1.9",
                    format!("{pointer}/{property}"),
                    format!("{property} is {} but the vector string gives a score of {computed:.1}, which is {expected}", quote(given)),
                );
            }
        }
    }
}

/// 6.1.10 Inconsistent CVSS: every metric property given (`attackVector`, `scope`, ...) has the
/// value the vector string gives. A temporal or environmental metric the vector does not give is
/// "Not Defined" there, so a property with any other value contradicts it too (the official
/// validator compares only the metrics the vector spells out).
pub(crate) fn check_6_1_10(doc: &Value, sink: &mut Sink) {
    for (pointer, obj, vector) in cvss_objects(doc) {
        for m in cvss::metrics(vector.version) {
            let Some(given) = str_at(obj, m.property) else { continue };
            let letter = vector.get(m.key);
            let Some(&(_, expected)) = m.values.iter().find(|(l, _)| *l == letter) else { continue };
            if given != expected {
                let written = if vector.values.contains_key(m.key) { format!("{}:{letter}", m.key) } else { format!("no {} (Not Defined)", m.key) };
                sink.fail(
                    "6.1.10",
                    format!("{pointer}/{}", m.property),
                    format!("{} is {} but the vector string has {written}, which is {}", m.property, quote(given), quote(expected)),
                );
            }
        }
    }
}
