//! CVSS v4.0, as FIRST's specification defines it (<https://www.first.org/cvss/v4.0/specification-document>,
//! section 8): the vector's MacroVector (equivalence classes EQ1 to EQ6) looks up a score in the
//! table of 270 MacroVector scores, and the vector's severity distance from the highest-severity
//! vectors of its MacroVector, proportioned by each EQ's depth, interpolates towards the next
//! lower MacroVectors.
//!
//! The tables (`LOOKUP_TABLE`, `METRIC_LEVELS`, `MAX_COMPOSED`, `MAX_SEVERITY`) come from
//! `cvss40.js`, the code behind FIRST's calculator (see `data/README.md`), and the arithmetic
//! follows it step by step in `f64`, in the same order, so that every intermediate value is the
//! same binary number the calculator computes (JavaScript numbers are IEEE doubles); the final
//! rounding adds the calculator's epsilon of 10⁻⁶ before rounding halves up.

use crate::Version;
use crate::dec::tenths_to_f64;
use crate::syntax::{ABSENT, Metric, Table, Values};

const fn m(key: &'static str, name: &'static str, values: &'static [&'static str], mandatory: bool) -> Metric {
    Metric { key, name, values, mandatory }
}

const AVS: &[&str] = &["N", "A", "L", "P"];
const ACS: &[&str] = &["L", "H"];
const ATS: &[&str] = &["N", "P"];
const PRS: &[&str] = &["N", "L", "H"];
const UIS: &[&str] = &["N", "P", "A"];
const HLN: &[&str] = &["H", "L", "N"];
const SHLN: &[&str] = &["S", "H", "L", "N"];
const REQ: &[&str] = &["H", "M", "L"];

/// The metrics in the specification's order (section 7, table 23), which v4.0 vectors must keep.
pub(crate) static TABLE: Table = Table {
    version: Version::V4_0,
    metrics: &[
        m("AV", "Attack Vector", AVS, true),
        m("AC", "Attack Complexity", ACS, true),
        m("AT", "Attack Requirements", ATS, true),
        m("PR", "Privileges Required", PRS, true),
        m("UI", "User Interaction", UIS, true),
        m("VC", "Vulnerable System Confidentiality Impact", HLN, true),
        m("VI", "Vulnerable System Integrity Impact", HLN, true),
        m("VA", "Vulnerable System Availability Impact", HLN, true),
        m("SC", "Subsequent System Confidentiality Impact", HLN, true),
        m("SI", "Subsequent System Integrity Impact", HLN, true),
        m("SA", "Subsequent System Availability Impact", HLN, true),
        m("E", "Exploit Maturity", &["A", "P", "U"], false),
        m("CR", "Confidentiality Requirement", REQ, false),
        m("IR", "Integrity Requirement", REQ, false),
        m("AR", "Availability Requirement", REQ, false),
        m("MAV", "Modified Attack Vector", AVS, false),
        m("MAC", "Modified Attack Complexity", ACS, false),
        m("MAT", "Modified Attack Requirements", ATS, false),
        m("MPR", "Modified Privileges Required", PRS, false),
        m("MUI", "Modified User Interaction", UIS, false),
        m("MVC", "Modified Vulnerable System Confidentiality", HLN, false),
        m("MVI", "Modified Vulnerable System Integrity", HLN, false),
        m("MVA", "Modified Vulnerable System Availability", HLN, false),
        m("MSC", "Modified Subsequent System Confidentiality", HLN, false),
        m("MSI", "Modified Subsequent System Integrity", SHLN, false),
        m("MSA", "Modified Subsequent System Availability", SHLN, false),
        m("S", "Safety", &["N", "P"], false),
        m("AU", "Automatable", &["N", "Y"], false),
        m("R", "Recovery", &["A", "U", "I"], false),
        m("V", "Value Density", &["D", "C"], false),
        m("RE", "Vulnerability Response Effort", &["L", "M", "H"], false),
        m("U", "Provider Urgency", &["Clear", "Green", "Amber", "Red"], false),
    ],
    not_defined: "X",
    ordered: true,
};

/// Position of E in TABLE; CR, IR, AR follow; the modified metrics start at MODIFIED, in the order
/// of the base metrics (MAV = MODIFIED + 0, ..., MSA = MODIFIED + 10).
const T_E: usize = 11;
const T_CR: usize = 12;
const MODIFIED: usize = 15;
const T_LAST_ENVIRONMENTAL: usize = 25;

// Positions in an effective vector ([`Eff`]), the metrics `cvss40.js` calls METRIC_LEVELS.
const AV: usize = 0;
const AC: usize = 1;
const AT: usize = 2;
const PR: usize = 3;
const UI: usize = 4;
const VC: usize = 5;
const VI: usize = 6;
const VA: usize = 7;
const SC: usize = 8;
const SI: usize = 9;
const SA: usize = 10;
const E: usize = 11;
const CR: usize = 12;
const IR: usize = 13;
const AR: usize = 14;

/// The effective value (one letter) of each scored metric: base metrics overridden by their
/// modified metric, E defaulting to A (Attacked), CR/IR/AR to H, the "worst case" defaults of the
/// specification. Indexed by AV..AR above (the same positions as in TABLE for the first 15).
type Eff = [u8; 15];

/// Which groups a score takes into account.
#[derive(Clone, Copy)]
enum Groups {
    /// CVSS-B: base metrics only.
    Base,
    /// CVSS-BT: base and threat.
    Threat,
    /// CVSS-BE / CVSS-BTE: everything that scores.
    All,
}

fn letter(values: &Values, index: usize) -> Option<u8> {
    let v = values[index];
    if v == ABSENT { None } else { Some(TABLE.metrics[index].values[v as usize].as_bytes()[0]) }
}

fn effective(values: &Values, groups: Groups) -> Eff {
    let env = matches!(groups, Groups::All);
    let threat = !matches!(groups, Groups::Base);
    let mut eff = [0u8; 15];
    for (k, slot) in eff.iter_mut().enumerate().take(11) {
        let modified = if env { letter(values, MODIFIED + k) } else { None };
        // Base metrics are mandatory, so always present in a parsed vector.
        *slot = modified.or_else(|| letter(values, k)).unwrap_or(b'N');
    }
    eff[E] = if threat { letter(values, T_E).unwrap_or(b'A') } else { b'A' };
    for k in 0..3 {
        eff[CR + k] = if env { letter(values, T_CR + k).unwrap_or(b'H') } else { b'H' };
    }
    eff
}

/// Whether the threat metric (E) is defined.
pub(crate) fn has_threat(values: &Values) -> bool {
    values[T_E] != ABSENT
}

/// Whether any environmental metric (CR, IR, AR, the modified base metrics) is defined.
pub(crate) fn has_environmental(values: &Values) -> bool {
    (T_CR..=T_LAST_ENVIRONMENTAL).any(|k| values[k] != ABSENT)
}

pub(crate) struct V4Scores {
    pub base: f64,
    pub threat: Option<f64>,
    pub environmental: Option<f64>,
}

pub(crate) fn score(values: &Values) -> V4Scores {
    let threat = has_threat(values);
    let environmental = has_environmental(values);
    V4Scores {
        base: score_effective(&effective(values, Groups::Base)),
        threat: threat.then(|| score_effective(&effective(values, Groups::Threat))),
        environmental: environmental.then(|| score_effective(&effective(values, Groups::All))),
    }
}

// ---------------------------------------------------------------------------------------------
// The tables of cvss40.js.

/// `METRIC_LEVELS`: each value's severity level (lower is more severe).
fn level(metric: usize, value: u8) -> f64 {
    match (metric, value) {
        (AV, b'N') => 0.0,
        (AV, b'A') => 0.1,
        (AV, b'L') => 0.2,
        (AV, b'P') => 0.3,
        (PR, b'N') => 0.0,
        (PR, b'L') => 0.1,
        (PR, b'H') => 0.2,
        (UI, b'N') => 0.0,
        (UI, b'P') => 0.1,
        (UI, b'A') => 0.2,
        (AC, b'L') => 0.0,
        (AC, b'H') => 0.1,
        (AT, b'N') => 0.0,
        (AT, b'P') => 0.1,
        (VC | VI | VA, b'H') => 0.0,
        (VC | VI | VA, b'L') => 0.1,
        (VC | VI | VA, b'N') => 0.2,
        (SC, b'H') => 0.1,
        (SC, b'L') => 0.2,
        (SC, b'N') => 0.3,
        (SI | SA, b'S') => 0.0,
        (SI | SA, b'H') => 0.1,
        (SI | SA, b'L') => 0.2,
        (SI | SA, b'N') => 0.3,
        (CR | IR | AR, b'H') => 0.0,
        (CR | IR | AR, b'M') => 0.1,
        (CR | IR | AR, b'L') => 0.2,
        (E, b'U') => 0.2,
        (E, b'P') => 0.1,
        // E:A, and nothing else reaches here: effective vectors only hold the values above.
        _ => 0.0,
    }
}

/// `MAX_COMPOSED["eq1"]`: the highest-severity (AV, PR, UI) of each EQ1 level.
const MAX_EQ1: [&[[u8; 3]]; 3] = [&[*b"NNN"], &[*b"ANN", *b"NLN", *b"NNP"], &[*b"PNN", *b"ALP"]];
/// `MAX_COMPOSED["eq2"]`: (AC, AT).
const MAX_EQ2: [&[[u8; 2]]; 2] = [&[*b"LN"], &[*b"HN", *b"LP"]];
/// `MAX_COMPOSED["eq3"]` by EQ3 then EQ6: (VC, VI, VA, CR, IR, AR). EQ3 2 with EQ6 0 cannot occur.
const MAX_EQ3_EQ6: [[&[[u8; 6]]; 2]; 3] = [
    [&[*b"HHHHHH"], &[*b"HHLMMH", *b"HHHMMM"]],
    [&[*b"LHHHHH", *b"HLHHHH"], &[*b"LHLHMH", *b"LHHHMM", *b"HLHMHM", *b"HLLMHH", *b"LLHHHM"]],
    [&[], &[*b"LLLHHH"]],
];
/// `MAX_COMPOSED["eq4"]`: (SC, SI, SA).
const MAX_EQ4: [&[[u8; 3]]; 3] = [&[*b"HSS"], &[*b"HHH"], &[*b"LLL"]];
/// `MAX_COMPOSED["eq5"]`: E.
const MAX_EQ5: [&[u8]; 3] = [b"A", b"P", b"U"];

/// `MAX_SEVERITY`: the depth of each EQ level, in steps of 0.1.
const MAX_SEVERITY_EQ1: [u32; 3] = [1, 4, 5];
const MAX_SEVERITY_EQ2: [u32; 2] = [1, 2];
const MAX_SEVERITY_EQ3_EQ6: [[u32; 2]; 3] = [[7, 6], [8, 8], [0, 10]];
const MAX_SEVERITY_EQ4: [u32; 3] = [6, 5, 4];

/// `LOOKUP_TABLE`, indexed by the MacroVector's six digits in base 3; `NaN` where no MacroVector
/// exists. Parsed at compile time from `data/macrovector_lookup.json`.
static LOOKUP: [f64; 729] = parse_lookup(include_bytes!("../data/macrovector_lookup.json"));

/// Reads the lookup table's JSON (`{ "000000": 10, "000001": 9.9, ... }`, one decimal at most).
/// Runs at compile time: malformed data fails the build, not a score.
const fn parse_lookup(json: &[u8]) -> [f64; 729] {
    let mut table = [f64::NAN; 729];
    let mut count = 0;
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'"' {
            i += 1;
            continue;
        }
        // "dddddd"
        let mut index = 0usize;
        let mut k = 1;
        while k <= 6 {
            let digit = json[i + k];
            assert!(digit >= b'0' && digit <= b'2', "MacroVector digits are 0, 1 or 2");
            index = index * 3 + (digit - b'0') as usize;
            k += 1;
        }
        assert!(json[i + 7] == b'"' && json[i + 8] == b':', "expected \"dddddd\":");
        i += 9;
        while json[i] == b' ' {
            i += 1;
        }
        // The score: digits, then at most one decimal.
        let mut tenths: u32 = 0;
        while json[i] >= b'0' && json[i] <= b'9' {
            tenths = tenths * 10 + (json[i] - b'0') as u32;
            i += 1;
        }
        tenths *= 10;
        if json[i] == b'.' {
            assert!(json[i + 1] >= b'0' && json[i + 1] <= b'9', "a digit after the point");
            tenths += (json[i + 1] - b'0') as u32;
            i += 2;
            assert!(!(json[i] >= b'0' && json[i] <= b'9'), "one decimal at most");
        }
        assert!(table[index].is_nan(), "each MacroVector once");
        // An exact integer divided by ten: the same f64 as the decimal literal.
        table[index] = tenths as f64 / 10.0;
        count += 1;
    }
    assert!(count == 270, "the table holds 270 MacroVectors");
    table
}

/// The score of a MacroVector, `None` when it does not exist (a digit past its EQ's levels).
fn lookup(eq: [u8; 6]) -> Option<f64> {
    if eq.iter().any(|&d| d > 2) {
        return None;
    }
    let index = eq.iter().fold(0usize, |acc, &d| acc * 3 + d as usize);
    let score = LOOKUP[index];
    if score.is_nan() { None } else { Some(score) }
}

/// The MacroVector (EQ1..EQ6) of an effective vector (specification section 8.2, table 24).
fn macrovector(e: &Eff) -> [u8; 6] {
    let (av, pr, ui) = (e[AV], e[PR], e[UI]);
    let eq1 = if av == b'N' && pr == b'N' && ui == b'N' {
        0
    } else if (av == b'N' || pr == b'N' || ui == b'N') && av != b'P' {
        1
    } else {
        2
    };
    let eq2 = if e[AC] == b'L' && e[AT] == b'N' { 0 } else { 1 };
    let (vc, vi, va) = (e[VC], e[VI], e[VA]);
    let eq3 = if vc == b'H' && vi == b'H' {
        0
    } else if vc == b'H' || vi == b'H' || va == b'H' {
        1
    } else {
        2
    };
    let eq4 = if e[SI] == b'S' || e[SA] == b'S' {
        0
    } else if e[SC] == b'H' || e[SI] == b'H' || e[SA] == b'H' {
        1
    } else {
        2
    };
    let eq5 = match e[E] {
        b'P' => 1,
        b'U' => 2,
        _ => 0,
    };
    let eq6 = if (e[CR] == b'H' && vc == b'H') || (e[IR] == b'H' && vi == b'H') || (e[AR] == b'H' && va == b'H') { 0 } else { 1 };
    [eq1, eq2, eq3, eq4, eq5, eq6]
}

/// `calculateScore` of cvss40.js.
fn score_effective(e: &Eff) -> f64 {
    const STEP: f64 = 0.1;
    // No impact on any system: 0.0.
    if [VC, VI, VA, SC, SI, SA].iter().all(|&k| e[k] == b'N') {
        return 0.0;
    }
    let eq = macrovector(e);
    let [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
    let Some(value) = lookup(eq) else {
        // Unreachable: every MacroVector of a valid vector is in the table (the unit test
        // `every_effective_vector_has_a_macrovector` checks all of them).
        return 0.0;
    };
    let with = |pos: usize, bump: u8| {
        let mut next = eq;
        next[pos] += bump;
        next
    };

    // 1. a. The next lower MacroVector of each EQ, and its score.
    let score_eq1_next = lookup(with(0, 1));
    let score_eq2_next = lookup(with(1, 1));
    let score_eq3eq6_next = match (eq3, eq6) {
        // 11 -> 21, 01 -> 11
        (1, 1) | (0, 1) => lookup(with(2, 1)),
        // 10 -> 11
        (1, 0) => lookup(with(5, 1)),
        // 00 -> 01 or 10, whichever scores higher (Math.max: NaN when either is missing).
        (0, 0) => match (lookup(with(5, 1)), lookup(with(2, 1))) {
            (Some(left), Some(right)) => Some(left.max(right)),
            _ => None,
        },
        // 21 -> 32, which does not exist.
        _ => None,
    };
    let score_eq4_next = lookup(with(3, 1));
    let score_eq5_next = lookup(with(4, 1));

    // 1. b. The severity distance from the first highest-severity vector of the MacroVector that
    // is at least as severe in every metric (or from the last one tried, as cvss40.js does).
    let mut distances = [0.0f64; 15];
    'search: for m1 in MAX_EQ1[eq1 as usize] {
        for m2 in MAX_EQ2[eq2 as usize] {
            for m36 in MAX_EQ3_EQ6[eq3 as usize][eq6 as usize] {
                for m4 in MAX_EQ4[eq4 as usize] {
                    for &m5 in MAX_EQ5[eq5 as usize] {
                        let max: Eff = [m1[0], m2[0], m2[1], m1[1], m1[2], m36[0], m36[1], m36[2], m4[0], m4[1], m4[2], m5, m36[3], m36[4], m36[5]];
                        for (k, distance) in distances.iter_mut().enumerate() {
                            *distance = level(k, e[k]) - level(k, max[k]);
                        }
                        if distances.iter().all(|&d| d >= 0.0) {
                            break 'search;
                        }
                    }
                }
            }
        }
    }
    let d = &distances;
    let current_eq1 = d[AV] + d[PR] + d[UI];
    let current_eq2 = d[AC] + d[AT];
    let current_eq3eq6 = d[VC] + d[VI] + d[VA] + d[CR] + d[IR] + d[AR];
    let current_eq4 = d[SC] + d[SI] + d[SA];

    // Maximal scoring differences; the depths of the EQ levels ("multiply by step because
    // distance is pure").
    let max_severity_eq1 = MAX_SEVERITY_EQ1[eq1 as usize] as f64 * STEP;
    let max_severity_eq2 = MAX_SEVERITY_EQ2[eq2 as usize] as f64 * STEP;
    let max_severity_eq3eq6 = MAX_SEVERITY_EQ3_EQ6[eq3 as usize][eq6 as usize] as f64 * STEP;
    let max_severity_eq4 = MAX_SEVERITY_EQ4[eq4 as usize] as f64 * STEP;

    // 1. c, d. Each EQ with a lower MacroVector contributes the available distance times the
    // proportion of its depth the vector is away from the highest severity.
    let mut n_existing_lower = 0u32;
    let mut normalized = [0.0f64; 5];
    let parts = [
        (score_eq1_next, current_eq1, max_severity_eq1),
        (score_eq2_next, current_eq2, max_severity_eq2),
        (score_eq3eq6_next, current_eq3eq6, max_severity_eq3eq6),
        (score_eq4_next, current_eq4, max_severity_eq4),
    ];
    for (slot, (next, current, max_severity)) in normalized.iter_mut().zip(parts) {
        if let Some(next) = next {
            n_existing_lower += 1;
            let available = value - next;
            let percent = current / max_severity;
            *slot = available * percent;
        }
    }
    // EQ5's proportion is always 0: it counts, but adds nothing.
    if score_eq5_next.is_some() {
        n_existing_lower += 1;
    }

    // 2. The mean of the proportional distances.
    let mean_distance =
        if n_existing_lower == 0 { 0.0 } else { (normalized[0] + normalized[1] + normalized[2] + normalized[3] + normalized[4]) / n_existing_lower as f64 };

    // 3. The MacroVector's score minus the mean distance, rounded to one decimal.
    round_to_one_decimal((value - mean_distance).clamp(0.0, 10.0))
}

/// `roundToDecimalPlaces` of cvss40.js: `Math.round((value + 1e-6) * 10) / 10`.
fn round_to_one_decimal(value: f64) -> f64 {
    const EPSILON: f64 = 1e-6;
    tenths_to_f64(((value + EPSILON) * 10.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of effective values lands on a MacroVector of the table.
    #[test]
    fn every_effective_vector_has_a_macrovector() {
        let choices: [&[u8]; 15] = [b"NALP", b"LH", b"NP", b"NLH", b"NPA", b"HLN", b"HLN", b"HLN", b"HLN", b"SHLN", b"SHLN", b"APU", b"HML", b"HML", b"HML"];
        let mut counter = [0usize; 15];
        let mut seen = 0usize;
        loop {
            let mut e = [0u8; 15];
            for k in 0..15 {
                e[k] = choices[k][counter[k]];
            }
            assert!(lookup(macrovector(&e)).is_some(), "{:?}", macrovector(&e));
            // Scoring all fifteen million takes too long in a debug build: every 61st.
            if seen.is_multiple_of(61) {
                let s = score_effective(&e);
                assert!((0.0..=10.0).contains(&s), "{s}");
            }
            seen += 1;
            // Odometer over the choices.
            let mut k = 0;
            loop {
                if k == 15 {
                    assert!(seen > 1_000_000);
                    return;
                }
                counter[k] += 1;
                if counter[k] < choices[k].len() {
                    break;
                }
                counter[k] = 0;
                k += 1;
            }
        }
    }

    /// The constants above are the ones in data/metric_levels_max_composed_max_severity.js.txt.
    #[test]
    fn constants_match_the_calculator_source() {
        let text = include_str!("../data/metric_levels_max_composed_max_severity.js.txt");
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // METRIC_LEVELS
        let names = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA", "E", "CR", "IR", "AR"];
        for (k, name) in names.iter().enumerate() {
            let start = compact.find(&format!("\"{name}\":{{")).unwrap_or_else(|| panic!("{name} in METRIC_LEVELS"));
            let body = &compact[start + name.len() + 4..];
            let body = &body[..body.find('}').unwrap()];
            for pair in body.split(',') {
                let (value, lvl) = pair.split_once(':').unwrap();
                let value = value.trim_matches(|c| c == '"' || c == '\'');
                let lvl: f64 = lvl.parse().unwrap();
                assert_eq!(level(k, value.as_bytes()[0]), lvl, "{name}:{value}");
            }
        }
        // MAX_COMPOSED: every vector of the source appears in our tables.
        let render3 = |keys: [&str; 3], v: &[u8; 3]| keys.iter().zip(v).map(|(k, c)| format!("{k}:{}/", *c as char)).collect::<String>();
        for (lvl, vectors) in MAX_EQ1.iter().enumerate() {
            for v in *vectors {
                let s = render3(["AV", "PR", "UI"], v);
                assert!(compact.contains(&format!("\"{s}\"")), "eq1 {lvl} {s}");
            }
        }
        for vectors in MAX_EQ4 {
            for v in vectors {
                let s = render3(["SC", "SI", "SA"], v);
                assert!(compact.contains(&format!("\"{s}\"")), "eq4 {s}");
            }
        }
        for vectors in MAX_EQ2 {
            for v in vectors {
                let s = format!("AC:{}/AT:{}/", v[0] as char, v[1] as char);
                assert!(compact.contains(&format!("\"{s}\"")), "eq2 {s}");
            }
        }
        for by_eq6 in MAX_EQ3_EQ6 {
            for vectors in by_eq6 {
                for v in vectors {
                    let keys = ["VC", "VI", "VA", "CR", "IR", "AR"];
                    let s: String = keys.iter().zip(v).map(|(k, c)| format!("{k}:{}/", *c as char)).collect();
                    assert!(compact.contains(&format!("\"{s}\"")), "eq3 {s}");
                }
            }
        }
        // MAX_SEVERITY
        assert!(compact.contains("\"eq1\":{0:1,1:4,2:5}"));
        assert!(compact.contains("\"eq2\":{0:1,1:2}"));
        assert!(compact.contains("\"eq3eq6\":{0:{0:7,1:6},1:{0:8,1:8},2:{1:10}}"));
        assert!(compact.contains("\"eq4\":{0:6,1:5,2:4}"));
        assert_eq!((MAX_SEVERITY_EQ1, MAX_SEVERITY_EQ2, MAX_SEVERITY_EQ4), ([1, 4, 5], [1, 2], [6, 5, 4]));
        assert_eq!(MAX_SEVERITY_EQ3_EQ6, [[7, 6], [8, 8], [0, 10]]);
    }

    #[test]
    fn lookup_table_parsed() {
        assert_eq!(lookup([0, 0, 0, 0, 0, 0]), Some(10.0));
        assert_eq!(lookup([0, 0, 0, 0, 0, 1]), Some(9.9));
        assert_eq!(lookup([2, 1, 2, 2, 2, 1]), Some(0.1));
        assert_eq!(lookup([0, 0, 2, 0, 0, 0]), None);
        assert_eq!(lookup([3, 0, 0, 0, 0, 0]), None);
        assert_eq!(LOOKUP.iter().filter(|s| !s.is_nan()).count(), 270);
    }
}
