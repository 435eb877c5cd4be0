//! CSAF 2.0 validation: the JSON schema and every mandatory test of the specification's section 6.1.
//!
//! [`validate`] takes the bytes of a document and returns a [`Report`] listing every failure as a
//! [`Diagnostic`] whose `code` is the number of the failed test (`"6.1.3"`, `"6.1.27.9"`) or
//! [`SCHEMA`] for the JSON schema, whose `pointer` is the JSON pointer (RFC 6901) of the offending
//! value (of the place where a missing value belongs, for tests that require one), and whose
//! `message` says what is wrong. A document is valid when the report is empty.
//!
//! ```
//! let report = clearinghouse_csaf::validate(br#"{"document": {}}"#).unwrap();
//! assert!(!report.is_valid());
//! assert!(report.failures.iter().any(|f| f.code == "schema" && f.message.contains("category")));
//! ```
//!
//! What is checked:
//! - the CSAF 2.0 JSON schema (draft 2020-12, formats asserted) with FIRST's CVSS v2.0, v3.0 and
//!   v3.1 schemas it refers to, all embedded (`schema.rs`);
//! - the mandatory tests 6.1.1 to 6.1.33 with 6.1.27.1 to 6.1.27.11, each as the specification's
//!   text defines it: product and group ids (`products.rs`), CVSS (`cvss.rs`, `scores.rs`), CWE
//!   (`cwe.rs`, the CWE 4.17 catalogue embedded), language tags (`lang.rs`, the IANA subtag
//!   registry embedded), revision history and versions (`tracking.rs`), profiles and categories
//!   (`profiles.rs`). [`MANDATORY_TESTS`] lists them.
//!
//! Where the specification leaves room, the choice is written beside the test. One choice is
//! global: a schema failure inside a `cvss_v2` or `cvss_v3` object is reported once, as test 6.1.8
//! (which is defined as exactly that check), not also as `schema`.
//!
//! `tests/js_crosscheck.rs` compares the results with the official JavaScript validator
//! (`@secvisogram/csaf-validator-lib`). Where they differ on purpose: revision items of the same
//! date are ordered by version in every test (the library does so in 6.1.14 but not in 6.1.21);
//! members of the wrong type are left to the schema (the library reports, say, an array inside
//! `product_ids` as a missing product, or throws); 6.1.10 also compares temporal and environmental
//! properties with the "Not Defined" of a vector that leaves them out; 6.1.9 accepts both roundings
//! of a CVSS v2 score that falls on a half tenth; 6.1.12 does not require a variant's prefix (RFC
//! 5646 makes it a SHOULD); 6.1.25 compares hash algorithm names ignoring case; 6.1.28 compares
//! language tags ignoring case.
//!
//! Architecture invariant: no I/O (the schemas and catalogues are compiled in with `include_str!`),
//! and any bytes give a result or an [`InputError`], never a panic: input over [`MAX_INPUT_BYTES`]
//! is refused before parsing and nesting deeper than serde_json's limit (128) while parsing; every
//! test reads the document leniently (a member of the wrong type is the schema's failure, not a
//! reason to stop), walks nested branches without recursion, and uses hash maps where the naive
//! reading of a test is quadratic; at most [`MAX_FAILURES_PER_TEST`] failures are listed per test.

use std::collections::BTreeSet;

pub use clearinghouse_model::Diagnostic;
use serde::Serialize;
use serde_json::Value;

mod cvss;
mod cwe;
mod json;
mod lang;
mod products;
mod profiles;
mod schema;
mod scores;
mod tracking;

pub use json::MAX_FAILURES_PER_TEST;
pub use schema::CSAF_SCHEMA;

/// The largest document [`validate`] reads: 64 MiB.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting [`validate_value`] accepts, serde_json's own limit when parsing.
pub const MAX_DEPTH: usize = 128;

/// The code of failures of the JSON schema.
pub const SCHEMA: &str = "schema";

/// The CWE catalogue version test 6.1.11 checks against.
pub const CWE_VERSION: &str = cwe::VERSION;

/// Every mandatory test this crate runs, in the specification's order.
pub const MANDATORY_TESTS: &[&str] = &[
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.1.5",
    "6.1.6",
    "6.1.7",
    "6.1.8",
    "6.1.9",
    "6.1.10",
    "6.1.11",
    "6.1.12",
    "6.1.13",
    "6.1.14",
    "6.1.15",
    "6.1.16",
    "6.1.17",
    "6.1.18",
    "6.1.19",
    "6.1.20",
    "6.1.21",
    "6.1.22",
    "6.1.23",
    "6.1.24",
    "6.1.25",
    "6.1.26",
    "6.1.27.1",
    "6.1.27.2",
    "6.1.27.3",
    "6.1.27.4",
    "6.1.27.5",
    "6.1.27.6",
    "6.1.27.7",
    "6.1.27.8",
    "6.1.27.9",
    "6.1.27.10",
    "6.1.27.11",
    "6.1.28",
    "6.1.29",
    "6.1.30",
    "6.1.31",
    "6.1.32",
    "6.1.33",
];

/// The outcome of validating one document: every failure, schema failures first, then the
/// mandatory tests in the specification's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub failures: Vec<Diagnostic>,
}

impl Report {
    /// No failure of the schema or of any mandatory test.
    pub fn is_valid(&self) -> bool {
        self.failures.is_empty()
    }

    /// The codes of the failed tests (`"schema"`, `"6.1.3"`, ...).
    pub fn failed_tests(&self) -> BTreeSet<&str> {
        self.failures.iter().map(|f| f.code.as_str()).collect()
    }

    /// The failures of one test.
    pub fn failures_of<'a>(&'a self, test: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.failures.iter().filter(move |f| f.code == test)
    }
}

/// Why a document could not be validated at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the document has {size} bytes, more than the {limit} this validator reads")]
    TooLarge { size: usize, limit: usize },
    #[error("not JSON: {0}")]
    NotJson(String),
}

impl InputError {
    /// The error as a diagnostic (codes `too_large`, `not_json`) for the whole document.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let code = match self {
            InputError::TooLarge { .. } => "too_large",
            InputError::NotJson(_) => "not_json",
        };
        Diagnostic::new(code, "", self.to_string())
    }
}

/// Validates a CSAF 2.0 document given as bytes: parses it (within [`MAX_INPUT_BYTES`] and
/// serde_json's nesting limit) and runs the schema and every mandatory test.
/// The name of a CWE (`CWE-79`) in the embedded catalogue ([`CWE_VERSION`]), as test 6.1.11 wants it:
/// for exporters that write CSAF.
pub fn cwe_name(id: &str) -> Option<&'static str> {
    cwe::name_of(id)
}

pub fn validate(document: &[u8]) -> Result<Report, InputError> {
    if document.len() > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { size: document.len(), limit: MAX_INPUT_BYTES });
    }
    let value: Value = serde_json::from_slice(document).map_err(|e| InputError::NotJson(e.to_string()))?;
    Ok(validate_value(&value))
}

/// Validates a parsed document. A value nested deeper than [`MAX_DEPTH`] (which serde_json's parser
/// never produces) is reported as one schema failure and not examined further.
pub fn validate_value(document: &Value) -> Report {
    let mut sink = json::Sink::default();
    if json::depth(document) > MAX_DEPTH {
        sink.fail(SCHEMA, "", format!("the document is nested deeper than {MAX_DEPTH} levels"));
        return Report { failures: sink.finish() };
    }
    schema::check_schema(document, &mut sink);
    run_mandatory_tests(document, &mut sink);
    Report { failures: sink.finish() }
}

/// Runs only the mandatory tests (no schema) on a parsed document.
pub fn mandatory_tests(document: &Value) -> Vec<Diagnostic> {
    let mut sink = json::Sink::default();
    if json::depth(document) > MAX_DEPTH {
        return Vec::new();
    }
    run_mandatory_tests(document, &mut sink);
    sink.finish()
}

fn run_mandatory_tests(doc: &Value, sink: &mut json::Sink) {
    let ids = products::ProductIds::collect(doc);
    products::check_6_1_1(doc, &ids, sink);
    products::check_6_1_2(&ids, sink);
    products::check_6_1_3(doc, sink);
    products::check_6_1_4(doc, &ids, sink);
    products::check_6_1_5(&ids, sink);
    products::check_6_1_6(doc, sink);
    scores::check_6_1_7(doc, sink);
    schema::check_6_1_8(doc, sink);
    scores::check_6_1_9(doc, sink);
    scores::check_6_1_10(doc, sink);
    cwe::check_6_1_11(doc, sink);
    lang::check_6_1_12(doc, sink);
    products::check_6_1_13(doc, sink);
    tracking::check_6_1_14(doc, sink);
    profiles::check_6_1_15(doc, sink);
    tracking::check_6_1_16(doc, sink);
    tracking::check_6_1_17(doc, sink);
    tracking::check_6_1_18(doc, sink);
    tracking::check_6_1_19(doc, sink);
    tracking::check_6_1_20(doc, sink);
    tracking::check_6_1_21(doc, sink);
    tracking::check_6_1_22(doc, sink);
    products::check_6_1_23(doc, sink);
    products::check_6_1_24(doc, sink);
    products::check_6_1_25(doc, sink);
    profiles::check_6_1_26(doc, sink);
    profiles::check_6_1_27(doc, &ids, sink);
    lang::check_6_1_28(doc, sink);
    products::check_6_1_29(doc, sink);
    tracking::check_6_1_30(doc, sink);
    products::check_6_1_31(doc, sink);
    products::check_6_1_32(doc, sink);
    products::check_6_1_33(doc, &ids, sink);
}
