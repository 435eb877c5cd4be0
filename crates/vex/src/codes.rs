//! The diagnostic codes of this crate, and how serious each one is.
//!
//! A code is stable: callers (the import report, the CLI) key on it, and the message is free to
//! change. [`severity`] sorts them into four kinds, so a caller can say "read with N errors" without
//! keeping its own list.

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing was read: [`crate::read`] returned `Err`.
    Refusal,
    /// The document is wrong at this place, and what is there was not read (a statement, a product,
    /// a field).
    Error,
    /// The document is wrong or incomplete at this place, but what is there was read as written.
    Warning,
    /// Not a fault of the document: something worth knowing about how it was read.
    Note,
}

/// Refused: the input is larger than [`crate::MAX_INPUT_BYTES`].
pub const TOO_LARGE: &str = "too_large";
/// Refused: the input is empty or white space only.
pub const EMPTY: &str = "empty";
/// Refused: the input is not JSON (the message has line and column), or not UTF-8.
pub const INVALID_JSON: &str = "invalid_json";
/// Refused: arrays and objects nested deeper than [`crate::MAX_DEPTH`].
pub const TOO_DEEP: &str = "too_deep";
/// Refused: more than [`crate::MAX_VALUES`] JSON values.
pub const TOO_MANY_VALUES: &str = "too_many_values";
/// Refused: the JSON document is not an object.
pub const NOT_AN_OBJECT: &str = "not_an_object";
/// Refused: JSON, but neither CycloneDX, CSAF nor OpenVEX (or XML, which is not read).
pub const UNKNOWN_FORMAT: &str = "unknown_format";
/// Refused: a CycloneDX or CSAF document that says nothing about vulnerabilities (an SBOM, a CSAF
/// informational advisory).
pub const NOT_VEX: &str = "not_vex";

/// Error: a member has the wrong JSON type and was ignored.
pub const WRONG_TYPE: &str = "wrong_type";
/// Error: a member the statement needs is missing (a CycloneDX `affects[].ref`, a CSAF `product_id`).
pub const MISSING_FIELD: &str = "missing_field";
/// Error: a string that must say something is empty.
pub const EMPTY_VALUE: &str = "empty_value";
/// Error: an identifier longer than [`crate::MAX_IDENTIFIER_LEN`] bytes; ignored.
pub const TOO_LONG: &str = "too_long";
/// Error: a statement without a vulnerability id; skipped.
pub const MISSING_VULNERABILITY: &str = "missing_vulnerability";
/// Error: an OpenVEX statement without a status (skipped), a CSAF VEX vulnerability without `product_status`.
pub const MISSING_STATUS: &str = "missing_status";
/// Error: a status the format does not define; the statement (or version entry, or CSAF list) is skipped.
pub const UNKNOWN_STATUS: &str = "unknown_status";
/// Error: a CSAF product id (or group id) that the product tree does not define; the product is left out.
pub const UNKNOWN_PRODUCT_ID: &str = "unknown_product_id";
/// Error: not a valid package URL; the product is kept without it.
pub const INVALID_PURL: &str = "invalid_purl";
/// Error: not a CPE 2.2 URI or 2.3 formatted string; the product is kept without it.
pub const INVALID_CPE: &str = "invalid_cpe";
/// Error: the statements would take more than [`crate::MAX_OUTPUT_BYTES`]; the rest were not read.
pub const OUTPUT_LIMIT: &str = "output_limit";
/// Error: more than [`crate::MAX_DIAGNOSTICS`] diagnostics; the count of the others is in the message.
pub const TOO_MANY_DIAGNOSTICS: &str = "too_many_diagnostics";

/// Warning: a justification the format does not define; kept verbatim.
pub const UNKNOWN_JUSTIFICATION: &str = "unknown_justification";
/// Warning: a `not_affected` statement with neither a justification nor a detail (impact
/// statement), which CycloneDX, CSAF and OpenVEX all require; kept.
pub const MISSING_JUSTIFICATION: &str = "missing_justification";
/// Warning: an OpenVEX `affected` statement without the `action_statement` the specification requires; kept.
pub const MISSING_ACTION: &str = "missing_action";
/// Warning: a CycloneDX `analysis.response` value the specification does not define; kept verbatim.
pub const UNKNOWN_RESPONSE: &str = "unknown_response";
/// Warning: a CSAF product in two status groups of one vulnerability (affected and fixed, say);
/// both statements are kept.
pub const CONTRADICTORY_STATUS: &str = "contradictory_status";
/// Warning: a CSAF product id defined twice; the first definition is used.
pub const DUPLICATE_PRODUCT_ID: &str = "duplicate_product_id";
/// Warning: a CycloneDX version entry with both `version` and `range`; the version is used.
pub const AMBIGUOUS_VERSION: &str = "ambiguous_version";

/// Note: a statement that names no product (a CycloneDX vulnerability without `affects`, meaning
/// "every product of this supplier"; an OpenVEX statement whose products come from an enclosing
/// document). It is kept, and matches no component.
pub const MISSING_PRODUCTS: &str = "missing_products";
/// Note: a CycloneDX vulnerability without `analysis.state`: a vulnerability report (VDR), not an
/// exploitability statement. Only its version entries with a status are read.
pub const NO_ANALYSIS: &str = "no_analysis";
/// Note: a format version this crate was not written against; the document is read as the nearest one.
pub const UNSUPPORTED_VERSION: &str = "unsupported_version";

/// The severity of a code; codes this crate does not define are errors.
pub fn severity(code: &str) -> Severity {
    match code {
        TOO_LARGE | EMPTY | INVALID_JSON | TOO_DEEP | TOO_MANY_VALUES | NOT_AN_OBJECT | UNKNOWN_FORMAT | NOT_VEX => Severity::Refusal,
        UNKNOWN_JUSTIFICATION | MISSING_JUSTIFICATION | MISSING_ACTION | UNKNOWN_RESPONSE | CONTRADICTORY_STATUS | DUPLICATE_PRODUCT_ID | AMBIGUOUS_VERSION => {
            Severity::Warning
        }
        MISSING_PRODUCTS | NO_ANALYSIS | UNSUPPORTED_VERSION => Severity::Note,
        _ => Severity::Error,
    }
}
