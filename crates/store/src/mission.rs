//! Operators' mission settings per asset, and the priority of a finding they give.
//!
//! SSVC asks some questions of the vulnerability (Exploitation, Automatable, Technical Impact: the
//! clearinghouse answers them once, in [`crate::vulns::priority`]) and others of the deployment:
//! how exposed the system is, what its failure does to the mission and to people's safety, how
//! prevalent the mission is. Those are the operator's, per asset ([`AssetMission`]), and the same
//! vulnerability can be Immediate on one asset and Defer on another. [`finding_priority`] combines
//! the two with the tables of `clearinghouse-ssvc`:
//! - CERT/CC's deployer table (`ssvc:DT_DP`): Exploitation, System Exposure, Automatable, and Human
//!   Impact (itself `ssvc:DT_HI` from Safety Impact and Mission Impact);
//! - CISA's coordinator table (`cisa:DT_CO`) with the asset's Mission and Well-Being Impact (from
//!   Mission Prevalence and Public Well-Being Impact) in place of the clearinghouse's default;
//! - for federal agencies, BOD 26-04's remediation timeline (`cisa:DT_BOD2604`): Publicly Exposed,
//!   In KEV, Automatable, Technical Impact.
//!
//! Each decision carries its inputs and its table's version. Decisions are derived when findings
//! are read, from the stored vulnerability's inputs and the stored mission settings, so a new KEV
//! entry or a changed setting shows at once; an input nobody has given yet is listed as missing.

use crate::vulns::Priority;
use clearinghouse_model::Diagnostic;
use clearinghouse_ssvc::{Decision, Registry};
use serde::{Deserialize, Serialize};

/// What an operator says about one asset's deployment. Every field is optional; values are given
/// by key or name (`"open"` or `"O"`) and stored as the decision point's key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssetMission {
    /// System Exposure (`ssvc:EXP:1.0.1`): small, controlled, open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<String>,
    /// Mission Impact (`ssvc:MI:2.0.0`): degraded, MEF support crippled, MEF failure, mission failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_impact: Option<String>,
    /// Safety Impact (`ssvc:SI:2.0.1`): negligible, marginal, critical, catastrophic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_impact: Option<String>,
    /// Mission Prevalence (`cisa:MP:1.0.0`): minimal, support, essential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_prevalence: Option<String>,
    /// Public Well-Being Impact (`ssvc:PWI:1.1.0`): minimal, material, irreversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_well_being: Option<String>,
    /// Publicly Exposed (`cisa:PE:1.0.0`), for BOD 26-04: when absent, an open exposure counts as
    /// publicly exposed and any other given exposure as not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_exposed: Option<bool>,
}

/// The decision points of the settings: (field, namespace, key, version).
const POINTS: [(&str, &str, &str, &str); 5] = [
    ("exposure", "ssvc", "EXP", "1.0.1"),
    ("mission_impact", "ssvc", "MI", "2.0.0"),
    ("safety_impact", "ssvc", "SI", "2.0.1"),
    ("mission_prevalence", "cisa", "MP", "1.0.0"),
    ("public_well_being", "ssvc", "PWI", "1.1.0"),
];

impl AssetMission {
    fn field_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "exposure" => &mut self.exposure,
            "mission_impact" => &mut self.mission_impact,
            "safety_impact" => &mut self.safety_impact,
            "mission_prevalence" => &mut self.mission_prevalence,
            _ => &mut self.public_well_being,
        }
    }

    /// The settings with every value replaced by its decision point's key, or every value that is
    /// not one (pointer `/<field>`, with the values it could be).
    pub fn normalised(&self) -> Result<AssetMission, Vec<Diagnostic>> {
        let registry = Registry::builtin();
        let mut out = self.clone();
        let mut problems = Vec::new();
        for (field, ns, key, version) in POINTS {
            let slot = out.field_mut(field);
            let Some(given) = slot.clone() else { continue };
            let Some(point) = registry.decision_point(ns, key, version) else {
                problems.push(Diagnostic::new("unknown_decision_point", format!("/{field}"), format!("{ns}:{key}:{version} is not in the SSVC data")));
                continue;
            };
            match point.value(given.trim()) {
                Some(v) => *slot = Some(v.key.clone()),
                None => {
                    let choices: Vec<String> = point.values.iter().map(|v| format!("{} ({})", v.key, v.name.to_lowercase())).collect();
                    problems.push(Diagnostic::new(
                        "unknown_value",
                        format!("/{field}"),
                        format!("{given:?} is not a value of {} ({}); its values are {}", point.key, point.name, choices.join(", ")),
                    ));
                }
            }
        }
        if problems.is_empty() { Ok(out) } else { Err(problems) }
    }

    /// Publicly Exposed as BOD 26-04 asks it: as given, else from the exposure.
    pub fn publicly_exposed(&self) -> Option<bool> {
        self.publicly_exposed.or_else(|| self.exposure.as_deref().map(|e| e == "O"))
    }
}

/// One decision table's answer for a finding, or the inputs it still lacks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableDecision {
    /// The table (namespace, key, version), its inputs by key, and the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub decision: Option<Decision>,
    /// Decision point keys nobody has given yet (`EXP`, `TI`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl TableDecision {
    fn rank(&self) -> i64 {
        self.decision.as_ref().map_or(-1, |d| d.outcome.ordinal as i64)
    }
}

/// The priority of one finding on one asset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingPriority {
    /// The vulnerability (in the model) the advisory belongs to, when the model has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability: Option<String>,
    pub kev: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
    /// CERT/CC's deployer patch-application priority: Defer, Scheduled, Out-of-Cycle, Immediate.
    pub deployer: TableDecision,
    /// CISA's coordinator decision with this asset's Mission and Well-Being Impact.
    pub coordinator: TableDecision,
    /// BOD 26-04's remediation timeline, for assets of federal agencies only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bod_26_04: Option<TableDecision>,
}

impl FindingPriority {
    /// The sort key, larger first: the deployer outcome, BOD 26-04's timeline, the coordinator
    /// outcome, KEV, CVSS (a missing one below every present one).
    pub fn key(&self) -> (i64, i64, i64, i64, i64) {
        (
            self.deployer.rank(),
            self.bod_26_04.as_ref().map_or(-1, TableDecision::rank),
            self.coordinator.rank(),
            i64::from(self.kev),
            self.cvss.map_or(-1, |c| (c * 10.0).round() as i64),
        )
    }
}

/// Decides with `table` on the inputs known, or lists the missing ones (`needed` in the table's
/// order).
fn decide(table: Option<&clearinghouse_ssvc::DecisionTable>, needed: &[&str], known: &[(&str, Option<&str>)]) -> TableDecision {
    let missing: Vec<String> = needed.iter().filter(|k| !known.iter().any(|(kk, v)| kk == *k && v.is_some())).map(|k| k.to_string()).collect();
    if !missing.is_empty() {
        return TableDecision { decision: None, missing };
    }
    let inputs: Vec<(&str, &str)> = known.iter().filter_map(|(k, v)| v.map(|v| (*k, v))).collect();
    TableDecision { decision: table.and_then(|t| t.decide(&inputs).ok()), missing }
}

/// The priority of a finding of a vulnerability (its stored priority, when the model has it) on an
/// asset with these (normalised) settings. `federal`: the asset's owner is a federal agency.
pub fn finding_priority(vulnerability: Option<(&str, &Priority)>, mission: &AssetMission, federal: bool) -> FindingPriority {
    let registry = Registry::builtin();
    let empty = Priority::default();
    let (id, p) = vulnerability.map_or((None, &empty), |(id, p)| (Some(id.to_string()), p));
    let input = |k: &str| p.inputs.get(k).map(String::as_str);
    // Exploitation is always known for a vulnerability in the model (None when nothing says otherwise).
    let exploitation = vulnerability.map(|_| input("E").unwrap_or("N"));
    let human_impact = match (mission.safety_impact.as_deref(), mission.mission_impact.as_deref()) {
        (Some(si), Some(mi)) => registry.human_impact().and_then(|t| t.decide(&[("SI", si), ("MI", mi)]).ok()).map(|d| d.outcome.key),
        _ => None,
    };
    let mut deployer = decide(
        registry.deployer(),
        &["E", "EXP", "A", "HI"],
        &[("E", exploitation), ("EXP", mission.exposure.as_deref()), ("A", input("A")), ("HI", human_impact.as_deref())],
    );
    // Human Impact is asked of the operator as its two parts.
    if let Some(at) = deployer.missing.iter().position(|k| k == "HI") {
        let parts = [("SI", &mission.safety_impact), ("MI", &mission.mission_impact)];
        let missing_parts: Vec<String> = parts.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.to_string()).collect();
        deployer.missing.splice(at..=at, missing_parts);
    }
    let mwi = match (mission.mission_prevalence.as_deref(), mission.public_well_being.as_deref()) {
        (Some(mp), Some(pwi)) => clearinghouse_ssvc::derive::mission_and_well_being(mp, pwi).ok(),
        _ => None,
    };
    let mut coordinator =
        decide(registry.cisa_coordinator(), &["E", "A", "TI", "MWI"], &[("E", exploitation), ("A", input("A")), ("TI", input("TI")), ("MWI", mwi)]);
    if let Some(at) = coordinator.missing.iter().position(|k| k == "MWI") {
        let parts = [("MP", &mission.mission_prevalence), ("PWI", &mission.public_well_being)];
        let missing_parts: Vec<String> = parts.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.to_string()).collect();
        coordinator.missing.splice(at..=at, missing_parts);
    }
    let bod_26_04 = federal.then(|| {
        let yes_no = |b: bool| if b { "Y" } else { "N" };
        let pe = mission.publicly_exposed().map(yes_no);
        let kev = vulnerability.map(|_| clearinghouse_ssvc::derive::in_kev(p.kev));
        decide(registry.cisa_bod_26_04(), &["PE", "KEV", "A", "TI"], &[("PE", pe), ("KEV", kev), ("A", input("A")), ("TI", input("TI"))])
    });
    FindingPriority { vulnerability: id, kev: p.kev, cvss: p.cvss, deployer, coordinator, bod_26_04 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(e: &str, a: Option<&str>, ti: Option<&str>, kev: bool) -> Priority {
        let mut p = Priority { kev, cvss: Some(9.8), ..Priority::default() };
        p.inputs.insert("E".into(), e.into());
        if let Some(a) = a {
            p.inputs.insert("A".into(), a.into());
        }
        if let Some(ti) = ti {
            p.inputs.insert("TI".into(), ti.into());
        }
        p
    }

    fn mission(json: serde_json::Value) -> AssetMission {
        serde_json::from_value::<AssetMission>(json).unwrap().normalised().unwrap()
    }

    #[test]
    fn settings_are_normalised_to_keys_and_every_bad_value_is_reported() {
        let m = mission(serde_json::json!({"exposure": "open", "mission_impact": "MEF Failure", "safety_impact": "C"}));
        assert_eq!(m.exposure.as_deref(), Some("O"));
        assert_eq!(m.mission_impact.as_deref(), Some("MEF"));
        assert_eq!(m.safety_impact.as_deref(), Some("C"));
        assert_eq!(m.publicly_exposed(), Some(true));
        let bad = AssetMission { exposure: Some("everywhere".into()), public_well_being: Some("huge".into()), ..AssetMission::default() };
        let problems = bad.normalised().unwrap_err();
        let pointers: Vec<&str> = problems.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/exposure", "/public_well_being"]);
        assert!(problems[0].message.contains("controlled"), "{}", problems[0].message);
    }

    #[test]
    fn the_same_vulnerability_is_immediate_on_one_asset_and_deferred_on_another() {
        let p = known("A", Some("Y"), Some("T"), true);
        let exposed = mission(serde_json::json!({"exposure": "open", "mission_impact": "mission failure", "safety_impact": "catastrophic"}));
        let tucked = mission(serde_json::json!({"exposure": "small", "mission_impact": "degraded", "safety_impact": "negligible"}));
        let hot = finding_priority(Some(("CVE-1", &p)), &exposed, false);
        let cold = finding_priority(Some(("CVE-1", &p)), &tucked, false);
        let hot_d = hot.deployer.decision.as_ref().unwrap();
        assert_eq!(hot_d.outcome.name, "Immediate");
        assert_eq!(hot_d.table.key, "DT_DP");
        assert!(hot_d.inputs.contains(&("HI".to_string(), "VH".to_string())), "{:?}", hot_d.inputs);
        let cold_d = cold.deployer.decision.as_ref().unwrap();
        assert!(cold_d.outcome.ordinal < hot_d.outcome.ordinal, "{} vs {}", cold_d.outcome.name, hot_d.outcome.name);
        assert!(hot.key() > cold.key());
        // Not federal: no BOD 26-04 timeline.
        assert!(hot.bod_26_04.is_none());
    }

    #[test]
    fn missing_inputs_are_named_and_federal_assets_get_a_bod_timeline() {
        let p = known("N", None, None, false);
        let f = finding_priority(Some(("CVE-2", &p)), &mission(serde_json::json!({"exposure": "controlled"})), true);
        assert!(f.deployer.decision.is_none());
        assert_eq!(f.deployer.missing, ["A", "SI", "MI"]);
        assert_eq!(f.coordinator.missing, ["A", "TI", "MP", "PWI"]);
        let bod = f.bod_26_04.as_ref().unwrap();
        assert_eq!(bod.missing, ["A", "TI"]);
        // With everything known: KEV and publicly exposed, total impact, automatable.
        let p = known("A", Some("Y"), Some("T"), true);
        let m = mission(serde_json::json!({"exposure": "open", "mission_prevalence": "essential", "public_well_being": "irreversible"}));
        let f = finding_priority(Some(("CVE-3", &p)), &m, true);
        let bod = f.bod_26_04.unwrap().decision.unwrap();
        assert_eq!(bod.table.key, "DT_BOD2604");
        assert!(bod.inputs.contains(&("PE".to_string(), "Y".to_string())));
        assert!(bod.inputs.contains(&("KEV".to_string(), "Y".to_string())));
        assert_eq!(f.coordinator.decision.unwrap().outcome.name, "Act");
        // An advisory the model does not know: nothing about the vulnerability is known.
        let unknown = finding_priority(None, &m, false);
        assert!(unknown.vulnerability.is_none());
        assert_eq!(unknown.deployer.missing[0], "E");
    }
}
