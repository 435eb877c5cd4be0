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
    fn field(&self, name: &str) -> &Option<String> {
        match name {
            "exposure" => &self.exposure,
            "mission_impact" => &self.mission_impact,
            "safety_impact" => &self.safety_impact,
            "mission_prevalence" => &self.mission_prevalence,
            _ => &self.public_well_being,
        }
    }

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

/// Whose decision: the stakeholder tables SSVC publishes, as the API names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Stakeholder {
    /// CERT/CC's supplier patch-development priority (`ssvc:DT_SP`), for vendors: Exploitation,
    /// Utility (from Automatable and Value Density), Technical Impact, Public Safety Impact (from
    /// Safety Impact).
    Supplier,
    /// CERT/CC's deployer patch-application priority (`ssvc:DT_DP`), for operators: Exploitation,
    /// System Exposure, Automatable, Human Impact (from Safety Impact and Mission Impact).
    Deployer,
    /// CISA's coordinator decision (`cisa:DT_CO`): Exploitation, Automatable, Technical Impact,
    /// Mission and Well-Being Impact (from Mission Prevalence and Public Well-Being Impact).
    Coordinator,
    /// BOD 26-04's remediation timeline (`cisa:DT_BOD2604`), for federal agencies: Publicly
    /// Exposed, In KEV, Automatable, Technical Impact.
    #[serde(rename = "bod-26-04")]
    Bod2604,
}

impl Stakeholder {
    pub fn parse(name: &str) -> Option<Stakeholder> {
        Some(match name {
            "supplier" => Stakeholder::Supplier,
            "deployer" => Stakeholder::Deployer,
            "coordinator" => Stakeholder::Coordinator,
            "bod-26-04" => Stakeholder::Bod2604,
            _ => return None,
        })
    }

    fn table(self) -> Option<&'static clearinghouse_ssvc::DecisionTable> {
        let r = Registry::builtin();
        match self {
            Stakeholder::Supplier => r.supplier(),
            Stakeholder::Deployer => r.deployer(),
            Stakeholder::Coordinator => r.cisa_coordinator(),
            Stakeholder::Bod2604 => r.cisa_bod_26_04(),
        }
    }

    /// The inputs of this table that stakeholders give as parts (`HI` as `SI` and `MI`, …).
    fn parts(self, key: &str) -> &'static [&'static str] {
        match (self, key) {
            (Stakeholder::Deployer, "HI") => &["SI", "MI"],
            (Stakeholder::Supplier, "U") => &["A", "VD"],
            (Stakeholder::Supplier, "PSI") => &["SI"],
            (Stakeholder::Coordinator, "MWI") => &["MP", "PWI"],
            _ => &[],
        }
    }

    /// Whether the decision takes an input under this key: one of the table's, or a part of one.
    pub fn accepts(self, key: &str) -> bool {
        self.table().is_some_and(|t| t.decision_points().iter().any(|p| p.key == key || self.parts(&p.key).contains(&key)))
    }
}

/// A stakeholder's decision on one vulnerability: what the vulnerability's stored priority says,
/// what the stakeholder gave, and the table's answer or the inputs still missing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StakeholderDecision {
    pub stakeholder: Stakeholder,
    /// Inputs the clearinghouse knows about the vulnerability (`E`, `A`, `TI`, `KEV`), by key.
    pub from_vulnerability: std::collections::BTreeMap<String, String>,
    /// Inputs the stakeholder gave, by key (they win over the vulnerability's).
    pub given: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    pub result: TableDecision,
}

/// Decides for `who` on a vulnerability (`None`: one the model does not know, so nothing about it is
/// known) with the inputs `given` by key (`VD`, `SI`, …; values by key or name). Inputs the table
/// takes as parts are combined through SSVC's helper tables. Every given key the decision does not
/// take, and every value that is not one of its decision point's, is reported (pointer `/<key>`).
pub fn stakeholder_decision(
    who: Stakeholder,
    vulnerability: Option<&Priority>,
    given: &std::collections::BTreeMap<String, String>,
) -> Result<StakeholderDecision, Vec<Diagnostic>> {
    let registry = Registry::builtin();
    let Some(table) = who.table() else {
        return Err(vec![Diagnostic::new("unknown_table", "", format!("the SSVC data has no {who:?} table"))]);
    };
    let mut from_vulnerability = std::collections::BTreeMap::new();
    if let Some(p) = vulnerability {
        // Exploitation is always known for a vulnerability in the model (None when nothing says otherwise).
        from_vulnerability.insert("E".to_string(), p.inputs.get("E").cloned().unwrap_or_else(|| "N".into()));
        from_vulnerability.insert("KEV".to_string(), clearinghouse_ssvc::derive::in_kev(p.kev).to_string());
        for k in ["A", "TI"] {
            if let Some(v) = p.inputs.get(k) {
                from_vulnerability.insert(k.to_string(), v.clone());
            }
        }
    }
    from_vulnerability.retain(|k, _| who.accepts(k));
    let mut problems = Vec::new();
    let mut known = from_vulnerability.clone();
    let mut given_keys = std::collections::BTreeMap::new();
    for (k, v) in given {
        let key = k.trim().to_ascii_uppercase();
        if who.accepts(&key) {
            known.insert(key.clone(), v.trim().to_string());
            given_keys.insert(key, v.trim().to_string());
        } else {
            problems.push(Diagnostic::new("unknown_decision_point", format!("/{k}"), format!("the {who:?} decision takes no input {k}")));
        }
    }
    // Inputs given as parts, through the helper tables (whose diagnostics name the part).
    let mut combine = |key: &str, helper: Option<&clearinghouse_ssvc::DecisionTable>, parts: &[&str]| {
        if known.contains_key(key) || !parts.iter().all(|p| known.contains_key(*p)) {
            return;
        }
        let inputs: Vec<(&str, &str)> = parts.iter().map(|p| (*p, known[*p].as_str())).collect();
        match helper.map(|t| t.decide(&inputs)) {
            Some(Ok(d)) => {
                known.insert(key.to_string(), d.outcome.key);
            }
            // Every part is given, so "missing" only echoes a bad value already reported.
            Some(Err(ds)) => problems.extend(ds.into_iter().filter(|d| d.code != clearinghouse_ssvc::codes::MISSING_INPUT)),
            None => {}
        }
    };
    match who {
        Stakeholder::Deployer => combine("HI", registry.human_impact(), &["SI", "MI"]),
        Stakeholder::Supplier => {
            combine("U", registry.utility(), &["A", "VD"]);
            combine("PSI", registry.public_safety_impact(), &["SI"]);
        }
        Stakeholder::Coordinator => {
            if !known.contains_key("MWI")
                && let (Some(mp), Some(pwi)) = (known.get("MP"), known.get("PWI"))
            {
                match clearinghouse_ssvc::derive::mission_and_well_being(mp, pwi) {
                    Ok(mwi) => {
                        known.insert("MWI".into(), mwi.into());
                    }
                    Err(ds) => problems.extend(ds),
                }
            }
        }
        Stakeholder::Bod2604 => {}
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut missing = Vec::new();
    for point in table.decision_points() {
        if known.contains_key(&point.key) {
            continue;
        }
        match who.parts(&point.key) {
            [] => missing.push(point.key.clone()),
            parts => {
                for part in parts.iter().filter(|p| !known.contains_key(**p)) {
                    if !missing.iter().any(|m| m == part) {
                        missing.push(part.to_string());
                    }
                }
            }
        }
    }
    let result = if missing.is_empty() {
        let inputs: Vec<(&str, &str)> = table.decision_points().iter().filter_map(|p| known.get(&p.key).map(|v| (p.key.as_str(), v.as_str()))).collect();
        let decision = table.decide(&inputs).map_err(|ds| ds.into_iter().filter(|d| d.code != clearinghouse_ssvc::codes::MISSING_INPUT).collect::<Vec<_>>())?;
        TableDecision { decision: Some(decision), missing }
    } else {
        TableDecision { decision: None, missing }
    };
    Ok(StakeholderDecision { stakeholder: who, from_vulnerability, given: given_keys, result })
}

impl AssetMission {
    /// The settings as decision inputs by key (Publicly Exposed as `PE`, see [`Self::publicly_exposed`]).
    fn inputs(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (field, _, key, _) in POINTS {
            if let Some(v) = self.field(field) {
                out.insert(key.to_string(), v.clone());
            }
        }
        if let Some(pe) = self.publicly_exposed() {
            out.insert("PE".to_string(), if pe { "Y" } else { "N" }.to_string());
        }
        out
    }
}

/// The priority of a finding of a vulnerability (its stored priority, when the model has it) on an
/// asset with these (normalised) settings. `federal`: the asset's owner is a federal agency.
pub fn finding_priority(vulnerability: Option<(&str, &Priority)>, mission: &AssetMission, federal: bool) -> FindingPriority {
    let settings = mission.inputs();
    let decide = |who: Stakeholder| {
        let given = settings.iter().filter(|(k, _)| who.accepts(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        // Normalised settings always read; a failure here would be a defect in the data, shown as no decision.
        stakeholder_decision(who, vulnerability.map(|(_, p)| p), &given).map(|d| d.result).unwrap_or_default()
    };
    let p = vulnerability.map(|(_, p)| p);
    FindingPriority {
        vulnerability: vulnerability.map(|(id, _)| id.to_string()),
        kev: p.is_some_and(|p| p.kev),
        cvss: p.and_then(|p| p.cvss),
        deployer: decide(Stakeholder::Deployer),
        coordinator: decide(Stakeholder::Coordinator),
        bod_26_04: federal.then(|| decide(Stakeholder::Bod2604)),
    }
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

    #[test]
    fn suppliers_decide_with_their_product_facts_and_bad_inputs_are_all_reported() {
        let p = known("A", Some("Y"), Some("T"), true);
        let given = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let open = stakeholder_decision(Stakeholder::Supplier, Some(&p), &given(&[])).unwrap();
        assert_eq!(open.result.missing, ["VD", "SI"], "Utility and Public Safety Impact are asked as their parts");
        assert_eq!(open.from_vulnerability.keys().collect::<Vec<_>>(), ["A", "E", "TI"], "KEV is not a supplier input");
        let d = stakeholder_decision(Stakeholder::Supplier, Some(&p), &given(&[("vd", "concentrated"), ("SI", "catastrophic")])).unwrap();
        let decision = d.result.decision.unwrap();
        assert_eq!((decision.table.key.as_str(), decision.outcome.name.as_str()), ("DT_SP", "Immediate"));
        assert!(decision.inputs.contains(&("U".into(), "S".into())) && decision.inputs.contains(&("PSI".into(), "S".into())), "{:?}", decision.inputs);
        // A stakeholder's own Technical Impact wins over the vulnerability's.
        let partial = stakeholder_decision(Stakeholder::Supplier, Some(&p), &given(&[("VD", "D"), ("SI", "N"), ("TI", "P")])).unwrap();
        assert!(partial.result.decision.unwrap().inputs.contains(&("TI".into(), "P".into())));
        let bad = stakeholder_decision(Stakeholder::Supplier, Some(&p), &given(&[("EXP", "open"), ("VD", "huge")])).unwrap_err();
        let pointers: Vec<&str> = bad.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/EXP", "/VD"], "{bad:?}");
        assert_eq!(Stakeholder::parse("bod-26-04"), Some(Stakeholder::Bod2604));
        assert_eq!(serde_json::to_value(Stakeholder::Bod2604).unwrap(), "bod-26-04", "named as in the API's path");
        assert_eq!(Stakeholder::parse("vendor"), None);
    }
}
