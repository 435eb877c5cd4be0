//! The tables and decision points the clearinghouse ships (`data/`, embedded with `include_str!`), and a
//! registry to find them by namespace, key and version.

use std::sync::OnceLock;

use clearinghouse_model::Diagnostic;
use clearinghouse_model::diagnostic::escape_pointer_token;

use crate::codes;
use crate::table::{Decision, DecisionPoint, DecisionTable, Diags, TableRef};

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../data/", $path)))),*]
    };
}

/// The embedded decision tables: (path under `data/`, JSON).
pub const BUILTIN_TABLES: &[(&str, &str)] = embedded![
    "decision_tables/cisa/cisa_coordinator_2_0_3.json",
    "decision_tables/cisa/cisa_bod_26_04_1_0_0.json",
    "decision_tables/ssvc/supplier_patch_development_priority_1_0_0.json",
    "decision_tables/ssvc/deployer_patch_application_priority_1_0_0.json",
    "decision_tables/ssvc/utility_1_0_0.json",
    "decision_tables/ssvc/public_safety_impact_1_0_0.json",
    "decision_tables/ssvc/human_impact_1_0_0.json",
    "decision_tables/ssvc/coordinator_triage_1_0_0.json",
    "decision_tables/ssvc/coordinator_publish_decision_table_1_0_0.json",
];

/// The embedded standalone decision points: (path under `data/`, JSON).
pub const BUILTIN_DECISION_POINTS: &[(&str, &str)] = embedded![
    "decision_points/cisa/cisa_bod_26_04_remediation_timelines_1_0_0.json",
    "decision_points/cisa/cisa_levels_1_1_0.json",
    "decision_points/cisa/in_kev_1_0_0.json",
    "decision_points/cisa/mission_prevalence_1_0_0.json",
    "decision_points/cisa/publicly_exposed_1_0_0.json",
    "decision_points/ssvc/automatable_2_0_0.json",
    "decision_points/ssvc/decline_track_coordinate_1_0_1.json",
    "decision_points/ssvc/defer_scheduled_out_of_cycle_immediate_1_0_0.json",
    "decision_points/ssvc/exploitation_1_1_0.json",
    "decision_points/ssvc/human_impact_2_0_2.json",
    "decision_points/ssvc/mission_and_well_being_impact_1_0_0.json",
    "decision_points/ssvc/mission_impact_2_0_0.json",
    "decision_points/ssvc/public_safety_impact_2_0_1.json",
    "decision_points/ssvc/public_value_added_1_0_0.json",
    "decision_points/ssvc/public_well_being_impact_1_1_0.json",
    "decision_points/ssvc/publish_do_not_publish_1_0_0.json",
    "decision_points/ssvc/report_credibility_1_0_0.json",
    "decision_points/ssvc/report_public_1_0_0.json",
    "decision_points/ssvc/safety_impact_2_0_1.json",
    "decision_points/ssvc/supplier_cardinality_1_0_0.json",
    "decision_points/ssvc/supplier_contacted_1_0_0.json",
    "decision_points/ssvc/supplier_engagement_1_0_0.json",
    "decision_points/ssvc/supplier_involvement_1_0_0.json",
    "decision_points/ssvc/system_exposure_1_0_1.json",
    "decision_points/ssvc/technical_impact_1_0_0.json",
    "decision_points/ssvc/utility_1_0_1.json",
    "decision_points/ssvc/value_density_1_0_0.json",
];

/// (namespace, key, version) of the tables the convenience getters return.
pub const CISA_COORDINATOR: (&str, &str, &str) = ("cisa", "DT_CO", "2.0.3");
pub const CISA_BOD_26_04: (&str, &str, &str) = ("cisa", "DT_BOD2604", "1.0.0");
pub const SUPPLIER: (&str, &str, &str) = ("ssvc", "DT_SP", "1.0.0");
pub const DEPLOYER: (&str, &str, &str) = ("ssvc", "DT_DP", "1.0.0");
pub const UTILITY: (&str, &str, &str) = ("ssvc", "DT_U", "1.0.0");
pub const PUBLIC_SAFETY_IMPACT: (&str, &str, &str) = ("ssvc", "DT_PSI", "1.0.0");
pub const HUMAN_IMPACT: (&str, &str, &str) = ("ssvc", "DT_HI", "1.0.0");
pub const COORDINATOR_TRIAGE: (&str, &str, &str) = ("ssvc", "DT_COORD_TRIAGE", "1.0.0");
pub const COORDINATOR_PUBLISH: (&str, &str, &str) = ("ssvc", "DT_COORD_PUBLISH", "1.0.0");

/// A set of validated decision tables and decision points, each identified by namespace, key and version.
#[derive(Clone, Debug)]
pub struct Registry {
    tables: Vec<DecisionTable>,
    decision_points: Vec<DecisionPoint>,
}

impl Registry {
    /// The embedded tables and decision points, loaded once. The data is part of the build and the
    /// crate's tests load and validate every file, so a failure here is a build defect: it panics with
    /// every diagnostic.
    pub fn builtin() -> &'static Registry {
        static BUILTIN: OnceLock<Registry> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Registry::load(BUILTIN_TABLES, BUILTIN_DECISION_POINTS).unwrap_or_else(|d| {
                let lines: Vec<String> = d.iter().map(ToString::to_string).collect();
                panic!("the embedded SSVC data does not validate:\n{}", lines.join("\n"))
            })
        })
    }

    /// Loads tables and decision points from `(name, JSON)` pairs and checks them together: each
    /// document validates, no table or decision point is there twice, and a decision point a table
    /// embeds is identical to the standalone one of the same id when both are present. A diagnostic's
    /// pointer starts with the document's name (`/decision_tables~1cisa~1….json/mapping/3`), as if
    /// the documents were one object keyed by name.
    pub fn load(tables: &[(&str, &str)], decision_points: &[(&str, &str)]) -> Result<Registry, Vec<Diagnostic>> {
        let mut out = Diags::default();
        let prefix = |name: &str, d: Diagnostic| Diagnostic::new(d.code, format!("/{}{}", escape_pointer_token(name), d.pointer), d.message);
        let mut points: Vec<(&str, DecisionPoint)> = Vec::new();
        for (name, json) in decision_points {
            match DecisionPoint::from_json(json) {
                Ok(p) => {
                    if let Some((first, _)) = points.iter().find(|(_, q)| q.id() == p.id()) {
                        out.add(codes::DUPLICATE_DECISION_POINT, format!("/{}", escape_pointer_token(name)), format!("{} is also in {first}", p.id()));
                    } else {
                        points.push((name, p));
                    }
                }
                Err(ds) => ds.into_iter().for_each(|d| {
                    let d = prefix(name, d);
                    out.add(&d.code, d.pointer, d.message);
                }),
            }
        }
        let mut loaded: Vec<(&str, DecisionTable)> = Vec::new();
        for (name, json) in tables {
            match DecisionTable::from_json(json) {
                Ok(t) => {
                    if let Some((first, _)) = loaded.iter().find(|(_, u)| u.id() == t.id()) {
                        out.add(codes::DUPLICATE_TABLE, format!("/{}", escape_pointer_token(name)), format!("{} is also in {first}", t.id()));
                        continue;
                    }
                    for p in t.decision_points().iter().chain([t.outcome()]) {
                        if let Some((file, q)) = points.iter().find(|(_, q)| q.id() == p.id())
                            && q != p
                        {
                            out.add(
                                codes::DECISION_POINT_DIFFERS,
                                format!("/{}/decision_points/{}", escape_pointer_token(name), escape_pointer_token(&p.id())),
                                format!("{} differs from the standalone definition in {file}", p.id()),
                            );
                        }
                    }
                    loaded.push((name, t));
                }
                Err(ds) => ds.into_iter().for_each(|d| {
                    let d = prefix(name, d);
                    out.add(&d.code, d.pointer, d.message);
                }),
            }
        }
        let registry = Registry { tables: loaded.into_iter().map(|(_, t)| t).collect(), decision_points: points.into_iter().map(|(_, p)| p).collect() };
        out.into_result(registry)
    }

    /// Every table, in the order loaded.
    pub fn tables(&self) -> &[DecisionTable] {
        &self.tables
    }

    /// Every standalone decision point, in the order loaded.
    pub fn decision_points(&self) -> &[DecisionPoint] {
        &self.decision_points
    }

    pub fn table(&self, namespace: &str, key: &str, version: &str) -> Option<&DecisionTable> {
        self.tables.iter().find(|t| t.namespace() == namespace && t.key() == key && t.version() == version)
    }

    /// The table a stored decision names.
    pub fn table_for(&self, table: &TableRef) -> Option<&DecisionTable> {
        self.table(&table.namespace, &table.key, &table.version)
    }

    /// A standalone decision point, or else one a table embeds.
    pub fn decision_point(&self, namespace: &str, key: &str, version: &str) -> Option<&DecisionPoint> {
        let is = |p: &&DecisionPoint| p.namespace == namespace && p.key == key && p.version == version;
        self.decision_points.iter().find(is).or_else(|| self.tables.iter().flat_map(|t| t.decision_points().iter().chain([t.outcome()])).find(is))
    }

    /// Takes a stored decision again with the table version it names, and says whether the outcome is
    /// still the one stored (it is, unless the stored record or the embedded data was altered).
    pub fn verify(&self, decision: &Decision) -> Result<(), Vec<Diagnostic>> {
        let Some(table) = self.table_for(&decision.table) else {
            return Err(vec![Diagnostic::new(codes::UNKNOWN_TABLE, "/table", format!("no table {} in this registry", decision.table))]);
        };
        let again = table
            .decide(&decision.inputs)
            .map_err(|ds| ds.into_iter().map(|d| Diagnostic::new(d.code, format!("/inputs{}", d.pointer), d.message)).collect::<Vec<_>>())?;
        if again.outcome != decision.outcome || again.inputs != decision.inputs {
            return Err(vec![Diagnostic::new(
                codes::OUTCOME_MISMATCH,
                "/outcome",
                format!(
                    "table {} decides {} ({}) for these inputs, not {} ({})",
                    decision.table, again.outcome.key, again.outcome.name, decision.outcome.key, decision.outcome.name
                ),
            )]);
        }
        Ok(())
    }

    fn by(&self, (namespace, key, version): (&str, &str, &str)) -> Option<&DecisionTable> {
        self.table(namespace, key, version)
    }

    /// CISA's coordinator table (`cisa:DT_CO:2.0.3`): Track, Track*, Attend, Act.
    pub fn cisa_coordinator(&self) -> Option<&DecisionTable> {
        self.by(CISA_COORDINATOR)
    }

    /// CISA's BOD 26-04 remediation timelines (`cisa:DT_BOD2604:1.0.0`).
    pub fn cisa_bod_26_04(&self) -> Option<&DecisionTable> {
        self.by(CISA_BOD_26_04)
    }

    /// CERT/CC's supplier patch-development priority (`ssvc:DT_SP:1.0.0`).
    pub fn supplier(&self) -> Option<&DecisionTable> {
        self.by(SUPPLIER)
    }

    /// CERT/CC's deployer patch-application priority (`ssvc:DT_DP:1.0.0`).
    pub fn deployer(&self) -> Option<&DecisionTable> {
        self.by(DEPLOYER)
    }

    /// Utility from Automatable and Value Density (`ssvc:DT_U:1.0.0`), an input of the supplier table.
    pub fn utility(&self) -> Option<&DecisionTable> {
        self.by(UTILITY)
    }

    /// Public Safety Impact from Safety Impact (`ssvc:DT_PSI:1.0.0`), an input of the supplier table.
    pub fn public_safety_impact(&self) -> Option<&DecisionTable> {
        self.by(PUBLIC_SAFETY_IMPACT)
    }

    /// Human Impact from Safety Impact and Mission Impact (`ssvc:DT_HI:1.0.0`), an input of the deployer table.
    pub fn human_impact(&self) -> Option<&DecisionTable> {
        self.by(HUMAN_IMPACT)
    }

    /// CERT/CC's coordinator triage (`ssvc:DT_COORD_TRIAGE:1.0.0`): decline, track, coordinate.
    pub fn coordinator_triage(&self) -> Option<&DecisionTable> {
        self.by(COORDINATOR_TRIAGE)
    }

    /// CERT/CC's coordinator publication decision (`ssvc:DT_COORD_PUBLISH:1.0.0`).
    pub fn coordinator_publish(&self) -> Option<&DecisionTable> {
        self.by(COORDINATOR_PUBLISH)
    }
}
