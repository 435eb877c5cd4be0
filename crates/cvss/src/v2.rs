//! CVSS v2, as the FIRST guide defines it (<https://www.first.org/cvss/v2/guide>, section 3.2).
//!
//! All arithmetic is exact ([`Dec`]); "round to one decimal" rounds halves away from zero. The
//! environmental equation takes the adjusted base and temporal scores as the guide writes them,
//! without clamping them at zero (a low adjusted impact can make them negative; only the final
//! environmental score is clamped), as the reference implementations do.

use crate::Version;
use crate::dec::{Dec, tenths_to_f64};
use crate::syntax::{ABSENT, Metric, Table, Values};

const fn m(key: &'static str, name: &'static str, values: &'static [&'static str], mandatory: bool) -> Metric {
    Metric { key, name, values, mandatory }
}

const CIA: &[&str] = &["N", "P", "C"];
const REQ: &[&str] = &["L", "M", "H"];

pub(crate) static TABLE: Table = Table {
    version: Version::V2,
    metrics: &[
        m("AV", "Access Vector", &["L", "A", "N"], true),
        m("AC", "Access Complexity", &["H", "M", "L"], true),
        m("Au", "Authentication", &["M", "S", "N"], true),
        m("C", "Confidentiality Impact", CIA, true),
        m("I", "Integrity Impact", CIA, true),
        m("A", "Availability Impact", CIA, true),
        m("E", "Exploitability", &["U", "POC", "F", "H"], false),
        m("RL", "Remediation Level", &["OF", "TF", "W", "U"], false),
        m("RC", "Report Confidence", &["UC", "UR", "C"], false),
        m("CDP", "Collateral Damage Potential", &["N", "L", "LM", "MH", "H"], false),
        m("TD", "Target Distribution", &["N", "L", "M", "H"], false),
        m("CR", "Confidentiality Requirement", REQ, false),
        m("IR", "Integrity Requirement", REQ, false),
        m("AR", "Availability Requirement", REQ, false),
    ],
    not_defined: "ND",
    ordered: false,
};

// Positions in TABLE.
const AV: usize = 0;
const AC: usize = 1;
const AU: usize = 2;
const C: usize = 3;
const I: usize = 4;
const A: usize = 5;
const E: usize = 6;
const RL: usize = 7;
const RC: usize = 8;
const CDP: usize = 9;
const TD: usize = 10;
const CR: usize = 11;
const IR: usize = 12;
const AR: usize = 13;

const fn d(m: i128, s: u32) -> Dec {
    Dec::new(m, s)
}

/// The guide's weights, by value position; the last entry of an optional metric is its weight when
/// not defined.
const W_AV: &[Dec] = &[d(395, 3), d(646, 3), d(1, 0)];
const W_AC: &[Dec] = &[d(35, 2), d(61, 2), d(71, 2)];
const W_AU: &[Dec] = &[d(45, 2), d(56, 2), d(704, 3)];
const W_CIA: &[Dec] = &[d(0, 0), d(275, 3), d(660, 3)];
const W_E: &[Dec] = &[d(85, 2), d(9, 1), d(95, 2), d(1, 0), d(1, 0)];
const W_RL: &[Dec] = &[d(87, 2), d(90, 2), d(95, 2), d(1, 0), d(1, 0)];
const W_RC: &[Dec] = &[d(90, 2), d(95, 2), d(1, 0), d(1, 0)];
const W_CDP: &[Dec] = &[d(0, 0), d(1, 1), d(3, 1), d(4, 1), d(5, 1), d(0, 0)];
const W_TD: &[Dec] = &[d(0, 0), d(25, 2), d(75, 2), d(1, 0), d(1, 0)];
const W_REQ: &[Dec] = &[d(5, 1), d(1, 0), d(151, 2), d(1, 0)];

/// A metric's weight; an absent (not defined) optional metric takes its table's last entry.
fn w(values: &Values, index: usize, weights: &[Dec]) -> Dec {
    let v = values[index];
    if v == ABSENT { weights[weights.len() - 1] } else { weights[v as usize] }
}

pub(crate) struct V2Scores {
    pub base: f64,
    pub temporal: Option<f64>,
    pub environmental: Option<f64>,
}

fn any_defined(values: &Values, indices: &[usize]) -> bool {
    indices.iter().any(|&i| values[i] != ABSENT)
}

/// `round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact))`, in tenths.
fn base_equation(impact: Dec, exploitability: Dec) -> i64 {
    let f = if impact.is_zero() { Dec::ZERO } else { d(1176, 3) };
    d(6, 1).mul(impact).add(d(4, 1).mul(exploitability)).sub(d(15, 1)).mul(f).round_half_up_tenths()
}

/// `round_to_1_decimal(BaseScore*Exploitability*RemediationLevel*ReportConfidence)`, in tenths.
fn temporal_equation(values: &Values, base_tenths: i64) -> i64 {
    Dec::from_tenths(base_tenths).mul(w(values, E, W_E)).mul(w(values, RL, W_RL)).mul(w(values, RC, W_RC)).round_half_up_tenths()
}

pub(crate) fn score(values: &Values) -> V2Scores {
    let (c, i, a) = (w(values, C, W_CIA), w(values, I, W_CIA), w(values, A, W_CIA));
    let one = Dec::ONE;
    // Impact = 10.41*(1-(1-ConfImpact)*(1-IntegImpact)*(1-AvailImpact))
    let impact = d(1041, 2).mul(one.sub(one.sub(c).mul(one.sub(i)).mul(one.sub(a))));
    // Exploitability = 20*AccessVector*AccessComplexity*Authentication
    let exploitability = d(20, 0).mul(w(values, AV, W_AV)).mul(w(values, AC, W_AC)).mul(w(values, AU, W_AU));
    let base = base_equation(impact, exploitability).max(0);

    let temporal = any_defined(values, &[E, RL, RC]).then(|| temporal_equation(values, base).max(0));

    let environmental = any_defined(values, &[CDP, TD, CR, IR, AR]).then(|| {
        let (cr, ir, ar) = (w(values, CR, W_REQ), w(values, IR, W_REQ), w(values, AR, W_REQ));
        // AdjustedImpact = min(10,10.41*(1-(1-ConfImpact*ConfReq)*(1-IntegImpact*IntegReq)*(1-AvailImpact*AvailReq)))
        let adjusted_impact = d(1041, 2).mul(one.sub(one.sub(c.mul(cr)).mul(one.sub(i.mul(ir))).mul(one.sub(a.mul(ar))))).min(d(10, 0));
        // AdjustedTemporal = TemporalScore recomputed with the BaseScore's Impact sub-equation
        // replaced with the AdjustedImpact equation.
        let adjusted_temporal = Dec::from_tenths(temporal_equation(values, base_equation(adjusted_impact, exploitability)));
        // EnvironmentalScore = round_to_1_decimal((AdjustedTemporal+(10-AdjustedTemporal)*CollateralDamagePotential)*TargetDistribution)
        let cdp = w(values, CDP, W_CDP);
        let td = w(values, TD, W_TD);
        adjusted_temporal.add(d(10, 0).sub(adjusted_temporal).mul(cdp)).mul(td).round_half_up_tenths().max(0)
    });

    V2Scores { base: tenths_to_f64(base), temporal: temporal.map(tenths_to_f64), environmental: environmental.map(tenths_to_f64) }
}
