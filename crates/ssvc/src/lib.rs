//! Clearinghouse SSVC: Stakeholder-Specific Vulnerability Categorization decision tables as versioned data.
//!
//! CISA's and CERT/CC's SSVC tables are data, not code: the JSON files of `CERTCC/SSVC` (`data/`, with its
//! README and licence) are embedded and read through serde into generic types ([`DecisionPoint`],
//! [`DecisionTable`]), validated at load (every row's values exist, every combination of inputs is covered
//! exactly once; every problem reported as a [`Diagnostic`]). A [`Decision`] records the table (namespace,
//! key, version), its normalised inputs and the outcome, so that a store can keep it and
//! [`Registry::verify`] can take it again later with the same table version.
//!
//! Architecture invariant: no I/O (the data is compiled in; other tables are read from strings).
//!
//! ```
//! use clearinghouse_ssvc::{Registry, derive};
//!
//! let cisa = Registry::builtin().cisa_coordinator().unwrap();
//! let decision = cisa
//!     .decide(&[("E", derive::exploitation(true, false)), ("A", "yes"), ("TI", "total"), ("MWI", "high")])
//!     .unwrap();
//! assert_eq!(decision.outcome.name, "Act");
//! assert_eq!(decision.inputs[0], ("E".to_string(), "A".to_string()));
//! assert_eq!(decision.table.version, "2.0.3");
//! ```
//!
//! # Map
//! - `table.rs`: decision points, tables, loading and validation, [`DecisionTable::decide`], and the
//!   outcome order ([`OutcomeValue`]: Track < Track* < Attend < Act, as the data lists the values).
//! - `registry.rs`: the embedded data and [`Registry`].
//! - `derive.rs`: the inputs SSVC lets the clearinghouse derive, and what must come from people.

pub mod derive;
mod registry;
mod table;

pub use clearinghouse_model::Diagnostic;
pub use registry::{
    BUILTIN_DECISION_POINTS, BUILTIN_TABLES, CISA_BOD_26_04, CISA_COORDINATOR, COORDINATOR_PUBLISH, COORDINATOR_TRIAGE, DEPLOYER, HUMAN_IMPACT,
    PUBLIC_SAFETY_IMPACT, Registry, SUPPLIER, UTILITY,
};
pub use table::{
    Decision, DecisionPoint, DecisionPointRef, DecisionPointValue, DecisionTable, MAX_COMBINATIONS, MAX_DIAGNOSTICS, MAX_DOCUMENT_BYTES, OutcomeValue, Row,
    TableRef,
};

/// The diagnostic codes of this crate.
pub mod codes {
    /// Loading: the document is larger than [`crate::MAX_DOCUMENT_BYTES`].
    pub const INPUT_TOO_LARGE: &str = "input_too_large";
    /// Loading: not JSON (the message has the line and column).
    pub const INVALID_JSON: &str = "invalid_json";
    /// Loading: JSON of the wrong shape (a member missing or of the wrong type, at the pointer).
    pub const INVALID_DOCUMENT: &str = "invalid_document";
    /// Loading: a required string is empty.
    pub const MISSING_FIELD: &str = "missing_field";
    /// Loading: a decision point without values.
    pub const NO_VALUES: &str = "no_values";
    /// Loading: two values of a decision point share a key or a name (ignoring case).
    pub const DUPLICATE_VALUE: &str = "duplicate_value";
    /// Loading: a value's key is another value's name (inputs are accepted by either).
    pub const AMBIGUOUS_VALUE: &str = "ambiguous_value";
    /// Loading: a table lists a decision point under an id that is not its `namespace:key:version`.
    pub const DECISION_POINT_ID_MISMATCH: &str = "decision_point_id_mismatch";
    /// Loading: the same decision point twice (in a table, or among standalone ones).
    pub const DUPLICATE_DECISION_POINT: &str = "duplicate_decision_point";
    /// Loading: two inputs of a table share a key (ignoring case).
    pub const AMBIGUOUS_DECISION_POINT: &str = "ambiguous_decision_point";
    /// Loading: the outcome is not one of the table's decision points.
    pub const UNKNOWN_OUTCOME: &str = "unknown_outcome";
    /// Loading: a table without inputs.
    pub const NO_INPUTS: &str = "no_inputs";
    /// Loading: more input combinations than [`crate::MAX_COMBINATIONS`].
    pub const TOO_MANY_COMBINATIONS: &str = "too_many_combinations";
    /// Loading: a row names a decision point the table does not have.
    pub const UNKNOWN_COLUMN: &str = "unknown_column";
    /// Loading: a row lacks a decision point.
    pub const MISSING_COLUMN: &str = "missing_column";
    /// Loading: a row's value is not a key of its decision point. Deciding: an input value that is neither
    /// a key nor a name of its decision point.
    pub const UNKNOWN_VALUE: &str = "unknown_value";
    /// Loading: two rows with the same inputs.
    pub const DUPLICATE_ROW: &str = "duplicate_row";
    /// Loading: a combination of inputs no row covers.
    pub const MISSING_COMBINATION: &str = "missing_combination";
    /// Loading: the same table twice in a registry.
    pub const DUPLICATE_TABLE: &str = "duplicate_table";
    /// Loading: a decision point a table embeds differs from the standalone one of the same id.
    pub const DECISION_POINT_DIFFERS: &str = "decision_point_differs";
    /// More diagnostics than [`crate::MAX_DIAGNOSTICS`].
    pub const TOO_MANY_DIAGNOSTICS: &str = "too_many_diagnostics";

    /// Deciding: an input decision point is not given.
    pub const MISSING_INPUT: &str = "missing_input";
    /// Deciding: a decision point the table does not take as input.
    pub const UNKNOWN_DECISION_POINT: &str = "unknown_decision_point";
    /// Deciding: the same decision point given twice with different values.
    pub const CONFLICTING_INPUT: &str = "conflicting_input";
    /// Verifying: a stored decision names a table the registry does not have.
    pub const UNKNOWN_TABLE: &str = "unknown_table";
    /// Verifying: the table decides another outcome for the stored inputs.
    pub const OUTCOME_MISMATCH: &str = "outcome_mismatch";
}
