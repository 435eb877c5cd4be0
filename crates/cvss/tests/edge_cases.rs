//! Edge cases of parsing and scoring, with expected values from FIRST's calculators (v3.1, v4.0)
//! and the reference implementations (v2, v3.0).

use clearinghouse_cvss::{MAX_VECTOR_LEN, Nomenclature, Scores, Severity, Version, codes, parse};

fn scores(vector: &str) -> Scores {
    parse(vector).unwrap_or_else(|d| panic!("{vector} refused: {d:?}")).scores()
}

fn problem_codes(vector: &str) -> Vec<String> {
    match parse(vector) {
        Ok(v) => panic!("{vector} accepted as {}", v.normalized()),
        Err(problems) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(p.pointer.is_empty(), "{p:?}");
                assert!(!p.message.is_empty(), "{p:?}");
            }
            problems.into_iter().map(|p| p.code).collect()
        }
    }
}

#[test]
fn well_known_vectors() {
    // Log4Shell (CVE-2021-44228): NVD's v3.1 and v2 scores.
    let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    assert_eq!((s.base_score, s.base_severity), (10.0, Severity::Critical));
    let s = scores("AV:N/AC:M/Au:N/C:C/I:C/A:C");
    assert_eq!((s.base_score, s.base_severity, s.temporal_score, s.environmental_score), (9.3, Severity::High, None, None));
    let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!((s.base_score, s.base_severity), (9.8, Severity::Critical));
    let s = scores("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!((s.base_score, s.base_severity), (7.8, Severity::High));
}

#[test]
fn v3_scope_changed_weighs_privileges_higher() {
    // PR:L weighs 0.62 with scope unchanged, 0.68 with scope changed.
    assert_eq!(scores("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H").base_score, 8.8);
    assert_eq!(scores("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H").base_score, 9.9);
    // The modified scope decides the modified privileges' weight.
    let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/MS:C/MPR:L");
    assert_eq!((s.base_score, s.temporal_score, s.environmental_score), (9.8, Some(7.8), Some(8.0)));
    assert_eq!((s.temporal_severity, s.environmental_severity), (Some(Severity::High), Some(Severity::High)));
}

#[test]
fn v30_and_v31_differ_in_the_scope_changed_environmental_impact() {
    // v3.1: 7.52×(MISS−0.029) − 3.25×(MISS×0.9731−0.02)^13; v3.0: …(MISS−0.02)^15, as the base.
    let v31 = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H/CR:M");
    let v30 = scores("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H/CR:M");
    assert_eq!((v31.base_score, v31.environmental_score), (9.6, Some(9.7)));
    assert_eq!((v30.base_score, v30.environmental_score), (9.6, Some(9.6)));
}

#[test]
fn v3_temporal_rounds_up() {
    // 3.3 × 0.97 × 0.97 × 0.96 = 2.9796… → 3.0
    let s = scores("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N/E:F/RL:W/RC:R");
    assert_eq!((s.base_score, s.temporal_score, s.environmental_score), (3.3, Some(3.0), None));
}

#[test]
fn v3_zero_impact_is_zero_and_none() {
    let s = scores("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N/CR:H");
    assert_eq!((s.base_score, s.base_severity, s.environmental_score), (0.0, Severity::None, Some(0.0)));
    assert!(s.base_score.is_sign_positive());
}

#[test]
fn v2_scores_and_nvd_bands() {
    let s = scores("AV:N/AC:L/Au:N/C:N/I:N/A:N");
    // The reference writes -0.0; ours is a plain zero, Low on NVD's v2 scale.
    assert_eq!(s.base_score, 0.0);
    assert!(s.base_score.is_sign_positive());
    assert_eq!(s.base_severity, Severity::Low);
    let s = scores("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H");
    assert_eq!((s.base_score, s.temporal_score, s.environmental_score), (7.5, Some(5.9), Some(8.5)));
    assert_eq!((s.base_severity, s.temporal_severity, s.environmental_severity), (Severity::High, Some(Severity::Medium), Some(Severity::High)));
    // An environmental metric alone: no temporal score, but an environmental one.
    let s = scores("AV:L/AC:M/Au:S/C:N/I:P/A:C/CDP:N/TD:L/CR:H/IR:H/AR:H");
    assert_eq!((s.temporal_score, s.environmental_score.is_some()), (None, true));
    // Target distribution none: environmental 0.
    assert_eq!(scores("AV:N/AC:L/Au:N/C:C/I:C/A:C/TD:N").environmental_score, Some(0.0));
    // Parentheses as older NVD data writes v2 vectors; ND is not defined.
    let v = parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND)").unwrap();
    assert_eq!(v.normalized(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert_eq!(v.scores().temporal_score, None);
}

#[test]
fn v4_threat_lowers_and_nomenclature_follows() {
    let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
    let s = scores(base);
    assert_eq!((s.base_score, s.base_severity, s.nomenclature), (10.0, Severity::Critical, Some(Nomenclature::B)));
    let s = scores(&format!("{base}/E:U"));
    assert_eq!((s.base_score, s.threat_score, s.nomenclature), (10.0, Some(9.1), Some(Nomenclature::BT)));
    assert_eq!(s.overall_score(), 9.1);
    let s = scores(&format!("{base}/E:P"));
    assert_eq!(s.threat_score, Some(9.3));
    // E:A is the default: the same score, but a BT score.
    let s = scores(&format!("{base}/E:A"));
    assert_eq!((s.threat_score, s.nomenclature), (Some(10.0), Some(Nomenclature::BT)));
    // E:X is not defined: CVSS-B.
    assert_eq!(scores(&format!("{base}/E:X")).nomenclature, Some(Nomenclature::B));

    let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let s = scores(&format!("{base}/CR:L/IR:L/AR:L"));
    assert_eq!((s.base_score, s.threat_score, s.environmental_score, s.nomenclature), (9.3, None, Some(8.9), Some(Nomenclature::BE)));
    let s = scores(&format!("{base}/E:U/CR:L/IR:L/AR:L"));
    assert_eq!((s.base_score, s.threat_score, s.environmental_score, s.nomenclature), (9.3, Some(8.1), Some(6.5), Some(Nomenclature::BTE)));
    assert_eq!((s.overall_score(), s.overall_severity()), (6.5, Severity::Medium));
    // Supplemental metrics change nothing.
    let s2 = scores(&format!("{base}/E:U/CR:L/IR:L/AR:L/S:P/AU:Y/R:I/V:C/RE:H/U:Red"));
    assert_eq!(s, s2);
}

#[test]
fn v4_safety_and_no_impact() {
    // MSI:S makes a vector with no impact at all score 7.8 (subsequent-system safety).
    let s = scores("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:S");
    assert_eq!((s.base_score, s.environmental_score), (0.0, Some(7.8)));
    assert_eq!(s.base_severity, Severity::None);
    assert_eq!(scores("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N").base_score, 0.0);
}

#[test]
fn severity_bands() {
    use Severity::*;
    let v3 = |s| Severity::from_score(Version::V3_1, s);
    assert_eq!(
        [v3(0.0), v3(0.1), v3(3.9), v3(4.0), v3(6.9), v3(7.0), v3(8.9), v3(9.0), v3(10.0)],
        [None, Low, Low, Medium, Medium, High, High, Critical, Critical]
    );
    let v2 = |s| Severity::from_score(Version::V2, s);
    assert_eq!([v2(0.0), v2(3.9), v2(4.0), v2(6.9), v2(7.0), v2(10.0)], [Low, Low, Medium, Medium, High, High]);
    assert_eq!(Severity::from_score(Version::V4_0, 9.0), Critical);
}

#[test]
fn normalized_forms() {
    // v3 accepts any order; normalized is the specification's order without X.
    let v = parse("CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X").unwrap();
    assert_eq!(v.normalized(), "CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F");
    assert_eq!(v.to_string(), v.normalized());
    assert_eq!(v, parse("CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F").unwrap());
    assert_eq!((v.get("E"), v.get("RL"), v.get("AV"), v.get("Nope")), (Some("F"), None, Some("N"), None));
    let s = v.scores();
    assert_eq!((s.base_score, s.temporal_score), (3.8, Some(3.7)));
    // v4 keeps supplemental values such as U:Amber.
    let v = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/MAV:X/U:Amber").unwrap();
    assert_eq!(v.normalized(), "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Amber");
    assert_eq!(v.version(), Version::V4_0);
    // Serde: a vector is its normalized string.
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(json, "\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Amber\"");
    let back: clearinghouse_cvss::Vector = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
    assert!(serde_json::from_str::<clearinghouse_cvss::Vector>("\"CVSS:4.0/AV:N\"").is_err());
}

#[test]
fn scores_serialize_without_absent_groups() {
    let s = scores("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U");
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"base_score": 9.3, "base_severity": "Critical", "threat_score": 8.1, "threat_severity": "High", "nomenclature": "CVSS-BT"})
    );
}

#[test]
fn every_problem_is_reported() {
    let codes_found = problem_codes("CVSS:3.1/AV:N/AV:L/XX:Y/AC:Q/PR/UI:N//S:U:C");
    assert_eq!(
        codes_found,
        [
            codes::DUPLICATE_METRIC,
            codes::UNKNOWN_METRIC,
            codes::INVALID_VALUE,
            codes::MALFORMED_FIELD,
            codes::EMPTY_FIELD,
            codes::MALFORMED_FIELD,
            codes::MISSING_METRIC,
            codes::MISSING_METRIC,
            codes::MISSING_METRIC,
            codes::MISSING_METRIC,
            codes::MISSING_METRIC,
        ]
    );
    let problems = parse("CVSS:3.1/AV:N/AC:Q/PR:N/UI:N/S:U/C:H/I:H").unwrap_err();
    assert!(problems[0].message.contains("\"Q\" is not a value of AC (Attack Complexity); expected one of L, H"), "{}", problems[0].message);
    assert!(problems[1].message.contains("A (Availability) is missing"), "{}", problems[1].message);
    // Case matters, with a hint.
    let problems = parse("AV:N/AC:L/AU:N/C:P/I:P/A:P").unwrap_err();
    assert_eq!(problems[0].code, codes::UNKNOWN_METRIC);
    assert!(problems[0].message.contains("did you mean Au"), "{}", problems[0].message);
    // Not defined is no value for a base metric.
    assert_eq!(problem_codes("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), [codes::INVALID_VALUE]);
    assert_eq!(problem_codes("AV:ND/AC:L/Au:N/C:P/I:P/A:P"), [codes::INVALID_VALUE]);
    // A value of another version.
    assert_eq!(problem_codes("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:A"), [codes::INVALID_VALUE]);
    assert_eq!(problem_codes("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"), [codes::INVALID_VALUE]);
    // Trailing slash, white space.
    assert_eq!(problem_codes("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"), [codes::EMPTY_FIELD]);
    assert_eq!(problem_codes("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H "), [codes::INVALID_VALUE]);
}

#[test]
fn v4_order_is_mandatory_and_v3_order_is_free() {
    let codes_found = problem_codes("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert_eq!(codes_found, [codes::OUT_OF_ORDER]);
    let problems = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/E:A").unwrap_err();
    assert!(problems[0].message.contains("E must come before CR"), "{}", problems[0].message);
    assert!(parse("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").is_ok());
    assert!(parse("A:C/I:C/C:C/Au:N/AC:L/AV:N").is_ok());
}

#[test]
fn prefixes_and_versions() {
    assert_eq!(problem_codes("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), [codes::UNSUPPORTED_VERSION]);
    assert_eq!(problem_codes("CVSS:5.0/AV:N"), [codes::UNSUPPORTED_VERSION]);
    assert_eq!(problem_codes("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), [codes::WRONG_PREFIX]);
    assert_eq!(problem_codes("CVSS3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), [codes::WRONG_PREFIX]);
    assert_eq!(problem_codes("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"), [codes::WRONG_PREFIX]);
    assert_eq!(problem_codes("CVSS:3.1"), [codes::WRONG_PREFIX]);
    assert_eq!(problem_codes("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), [codes::MISSING_PREFIX]);
    // A v3 prefix on v2 metrics: each v2-only metric is unknown, each v3 base metric missing.
    let found = problem_codes("CVSS:3.1/AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert!(found.contains(&codes::UNKNOWN_METRIC.to_string()) && found.contains(&codes::MISSING_METRIC.to_string()), "{found:?}");
    // Only the prefix: every mandatory metric is missing.
    assert_eq!(problem_codes("CVSS:4.0/").len(), 11);
}

#[test]
fn size_bounds() {
    assert_eq!(problem_codes(""), [codes::EMPTY]);
    let long = format!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H{}", "/E:X".repeat(300));
    assert!(long.len() > MAX_VECTOR_LEN);
    assert_eq!(problem_codes(&long), [codes::TOO_LONG]);
    // Within the bound, every field is reported (here: 240 duplicates).
    let many = format!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X{}", "/E:X".repeat(240));
    assert!(many.len() <= MAX_VECTOR_LEN);
    assert_eq!(problem_codes(&many).len(), 240);
}
