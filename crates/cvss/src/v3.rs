//! CVSS v3.0 and v3.1, as FIRST's specifications define them
//! (<https://www.first.org/cvss/v3.0/specification-document> section 8,
//! <https://www.first.org/cvss/v3.1/specification-document> section 7 and appendix A).
//!
//! The two versions share metrics and weights; they differ in two places:
//! - rounding: v3.0 rounds up to the smallest tenth at or above the value; v3.1 uses the
//!   specification's `Roundup` function, which first rounds to five decimals (so 4.000001 rounds
//!   up to 4.0, not 4.1);
//! - the scope-changed environmental impact: v3.0 `7.52×(MISS−0.029) − 3.25×(MISS−0.02)^15`, v3.1
//!   `7.52×(MISS−0.029) − 3.25×(MISS×0.9731−0.02)^13`.
//!
//! Everything but the scope-changed impact is exact ([`Dec`]); the power term of the scope-changed
//! impact is computed in `f64` (its exact value has some ninety decimals), and the sum it enters is
//! rounded from `f64`, as FIRST's calculators do.

use crate::Version;
use crate::dec::{Dec, ceil_tenths_f64, roundup_v31_f64, tenths_to_f64};
use crate::syntax::{ABSENT, Metric, Table, Values};

const fn m(key: &'static str, name: &'static str, values: &'static [&'static str], mandatory: bool) -> Metric {
    Metric { key, name, values, mandatory }
}

const AVS: &[&str] = &["N", "A", "L", "P"];
const ACS: &[&str] = &["L", "H"];
const PRS: &[&str] = &["N", "L", "H"];
const UIS: &[&str] = &["N", "R"];
const SS: &[&str] = &["U", "C"];
const CIA: &[&str] = &["H", "L", "N"];
const REQ: &[&str] = &["H", "M", "L"];

/// The metrics in the order of the specification's vector-string table (v3.1 table 15).
const METRICS: &[Metric] = &[
    m("AV", "Attack Vector", AVS, true),
    m("AC", "Attack Complexity", ACS, true),
    m("PR", "Privileges Required", PRS, true),
    m("UI", "User Interaction", UIS, true),
    m("S", "Scope", SS, true),
    m("C", "Confidentiality", CIA, true),
    m("I", "Integrity", CIA, true),
    m("A", "Availability", CIA, true),
    m("E", "Exploit Code Maturity", &["H", "F", "P", "U"], false),
    m("RL", "Remediation Level", &["U", "W", "T", "O"], false),
    m("RC", "Report Confidence", &["C", "R", "U"], false),
    m("CR", "Confidentiality Requirement", REQ, false),
    m("IR", "Integrity Requirement", REQ, false),
    m("AR", "Availability Requirement", REQ, false),
    m("MAV", "Modified Attack Vector", AVS, false),
    m("MAC", "Modified Attack Complexity", ACS, false),
    m("MPR", "Modified Privileges Required", PRS, false),
    m("MUI", "Modified User Interaction", UIS, false),
    m("MS", "Modified Scope", SS, false),
    m("MC", "Modified Confidentiality", CIA, false),
    m("MI", "Modified Integrity", CIA, false),
    m("MA", "Modified Availability", CIA, false),
];

pub(crate) static TABLE_30: Table = Table { version: Version::V3_0, metrics: METRICS, not_defined: "X", ordered: false };
pub(crate) static TABLE_31: Table = Table { version: Version::V3_1, metrics: METRICS, not_defined: "X", ordered: false };

// Positions in METRICS; a modified metric sits at `MODIFIED + (position of its base metric)`
// for AV..A (MAV = 14 = MODIFIED + AV, ..., MA = 21 = MODIFIED + A).
const AV: usize = 0;
const AC: usize = 1;
const PR: usize = 2;
const UI: usize = 3;
const S: usize = 4;
const C: usize = 5;
const I: usize = 6;
const A: usize = 7;
const E: usize = 8;
const RL: usize = 9;
const RC: usize = 10;
const CR: usize = 11;
const IR: usize = 12;
const AR: usize = 13;
const MODIFIED: usize = 14;

const fn d(m: i128, s: u32) -> Dec {
    Dec::new(m, s)
}

const W_AV: &[Dec] = &[d(85, 2), d(62, 2), d(55, 2), d(2, 1)];
const W_AC: &[Dec] = &[d(77, 2), d(44, 2)];
const W_PR_UNCHANGED: &[Dec] = &[d(85, 2), d(62, 2), d(27, 2)];
const W_PR_CHANGED: &[Dec] = &[d(85, 2), d(68, 2), d(5, 1)];
const W_UI: &[Dec] = &[d(85, 2), d(62, 2)];
const W_CIA: &[Dec] = &[d(56, 2), d(22, 2), d(0, 0)];
// Optional metrics: the last entry is the weight when not defined (X).
const W_E: &[Dec] = &[d(1, 0), d(97, 2), d(94, 2), d(91, 2), d(1, 0)];
const W_RL: &[Dec] = &[d(1, 0), d(97, 2), d(96, 2), d(95, 2), d(1, 0)];
const W_RC: &[Dec] = &[d(1, 0), d(96, 2), d(92, 2), d(1, 0)];
const W_REQ: &[Dec] = &[d(15, 1), d(1, 0), d(5, 1), d(1, 0)];

const SCOPE_CHANGED: u8 = 1;

pub(crate) struct V3Scores {
    pub base: f64,
    pub temporal: Option<f64>,
    pub environmental: Option<f64>,
}

fn w(values: &Values, index: usize, weights: &[Dec]) -> Dec {
    let v = values[index];
    if v == ABSENT { weights[weights.len() - 1] } else { weights[v as usize] }
}

/// The value of base metric `index` (AV..A) as the environmental equations see it: the modified
/// metric when defined, else the base metric.
fn modified(values: &Values, index: usize) -> u8 {
    let mv = values[MODIFIED + index];
    if mv == ABSENT { values[index] } else { mv }
}

/// What goes into a round-up: exact, or from the floating-point scope-changed impact.
enum Raw {
    Exact(Dec),
    Float(f64),
}

fn round_up(raw: Raw, v31: bool) -> i64 {
    match (raw, v31) {
        (Raw::Exact(x), true) => x.roundup_v31_tenths(),
        (Raw::Exact(x), false) => x.ceil_tenths(),
        (Raw::Float(x), true) => roundup_v31_f64(x),
        (Raw::Float(x), false) => ceil_tenths_f64(x),
    }
}

/// One impact-plus-exploitability score (the base score, or the environmental score before the
/// temporal factors), in tenths. `iss` is the impact sub-score, `power` the scope-changed power
/// term as a function of it (it differs between the v3.1 environmental equation and the others).
fn sub_score(iss: Dec, changed: bool, exploitability: Dec, v31: bool, power: impl Fn(Dec) -> f64) -> i64 {
    let ten = d(10, 0);
    if !changed {
        // Impact = 6.42 × ISS
        let impact = d(642, 2).mul(iss);
        if !impact.is_positive() {
            return 0;
        }
        // Roundup(Minimum(Impact + Exploitability, 10))
        return round_up(Raw::Exact(impact.add(exploitability).min(ten)), v31);
    }
    // Impact = 7.52 × (ISS − 0.029) − 3.25 × (…)^n
    let impact = d(752, 2).mul(iss.sub(d(29, 3))).to_f64() - 3.25 * power(iss);
    if impact <= 0.0 {
        return 0;
    }
    // Roundup(Minimum(1.08 × (Impact + Exploitability), 10))
    round_up(Raw::Float((1.08 * (impact + exploitability.to_f64())).min(10.0)), v31)
}

pub(crate) fn score(values: &Values, v31: bool) -> V3Scores {
    let one = Dec::ONE;
    let temporal_factor = |tenths: i64| -> i64 {
        let x = Dec::from_tenths(tenths).mul(w(values, E, W_E)).mul(w(values, RL, W_RL)).mul(w(values, RC, W_RC));
        round_up(Raw::Exact(x), v31)
    };
    let pr_weights = |changed: bool| if changed { W_PR_CHANGED } else { W_PR_UNCHANGED };

    // Base. ISS = 1 − [(1 − C) × (1 − I) × (1 − A)]; Exploitability = 8.22 × AV × AC × PR × UI.
    let changed = values[S] == SCOPE_CHANGED;
    let (c, i, a) = (w(values, C, W_CIA), w(values, I, W_CIA), w(values, A, W_CIA));
    let iss = one.sub(one.sub(c).mul(one.sub(i)).mul(one.sub(a)));
    let exploitability = d(822, 2).mul(w(values, AV, W_AV)).mul(w(values, AC, W_AC)).mul(w(values, PR, pr_weights(changed))).mul(w(values, UI, W_UI));
    let power_15 = |x: Dec| x.sub(d(2, 2)).to_f64().powi(15);
    let base = sub_score(iss, changed, exploitability, v31, power_15);

    // Temporal: Roundup(BaseScore × E × RL × RC).
    let temporal = [E, RL, RC].iter().any(|&k| values[k] != ABSENT).then(|| temporal_factor(base));

    // Environmental.
    let env_defined = (CR..MODIFIED + A + 1).any(|k| values[k] != ABSENT);
    let environmental = env_defined.then(|| {
        let mv = |index: usize, weights: &[Dec]| weights[modified(values, index) as usize];
        let m_changed = modified(values, S) == SCOPE_CHANGED;
        let (cr, ir, ar) = (w(values, CR, W_REQ), w(values, IR, W_REQ), w(values, AR, W_REQ));
        // MISS = Minimum(1 − [(1 − CR × MC) × (1 − IR × MI) × (1 − AR × MA)], 0.915)
        let miss = one.sub(one.sub(cr.mul(mv(C, W_CIA))).mul(one.sub(ir.mul(mv(I, W_CIA)))).mul(one.sub(ar.mul(mv(A, W_CIA))))).min(d(915, 3));
        // ModifiedExploitability = 8.22 × MAV × MAC × MPR × MUI, MPR weighted by the modified scope.
        let m_exploitability = d(822, 2).mul(mv(AV, W_AV)).mul(mv(AC, W_AC)).mul(mv(PR, pr_weights(m_changed))).mul(mv(UI, W_UI));
        let power_13 = |x: Dec| x.mul(d(9731, 4)).sub(d(2, 2)).to_f64().powi(13);
        let inner = if v31 { sub_score(miss, m_changed, m_exploitability, v31, power_13) } else { sub_score(miss, m_changed, m_exploitability, v31, power_15) };
        // Roundup(Roundup(…) × E × RL × RC)
        temporal_factor(inner)
    });

    V3Scores { base: tenths_to_f64(base), temporal: temporal.map(tenths_to_f64), environmental: environmental.map(tenths_to_f64) }
}
