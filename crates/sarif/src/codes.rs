//! The diagnostic codes of this crate, and how serious each one is.
//!
//! A code is stable: callers (the bulk intake, the CLI) key on it, and the message is free to change.
//! [`severity`] sorts them, so a caller can say "read 450 findings, 2 results unusable, 40 suppressed"
//! without keeping its own list.

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing was read: the whole log was refused and [`crate::Intake::reports`] is empty.
    Refusal,
    /// The log is wrong at this place and what is there was not read (a run, a result).
    Error,
    /// The log is wrong or unusual at this place, but the finding was still read (text cut to a limit,
    /// a placeholder without its argument, a rule index that points nowhere).
    Warning,
    /// Not a fault of the log: a result that is deliberately not a report (it passed, it is suppressed),
    /// or a run without results.
    Note,
}

/// Refused: the log is larger than [`crate::IntakeOptions::max_bytes`].
pub const TOO_LARGE: &str = "too_large";
/// Refused: not UTF-8, not JSON, or a JSON value that is not an object.
pub const INVALID_JSON: &str = "invalid_json";
/// Refused: arrays and objects nested deeper than [`crate::IntakeOptions::max_depth`].
pub const TOO_DEEP: &str = "too_deep";
/// Refused: `version` is missing or is not `"2.1.0"`.
pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
/// Refused: `runs` is missing or is not an array.
pub const INVALID_RUNS: &str = "invalid_runs";

/// A run that is not an object (or repeats a member), so none of its results were read.
pub const INVALID_RUN: &str = "invalid_run";
/// A run whose `results` is not an array, so none of its results were read.
pub const INVALID_RESULTS: &str = "invalid_results";
/// A result that is not an object.
pub const INVALID_RESULT: &str = "invalid_result";
/// A result without message text (no `text`, no `markdown`, or only blank ones): skipped.
pub const MISSING_MESSAGE: &str = "missing_message";
/// A result whose `message.id` is in neither the rule's `messageStrings` nor the tool component's
/// `globalMessageStrings`, and which has no text of its own: skipped.
pub const UNRESOLVED_MESSAGE: &str = "unresolved_message";
/// More results than [`crate::IntakeOptions::max_results`]; the ones after the limit were not read.
pub const TOO_MANY_RESULTS: &str = "too_many_results";
/// More runs than [`crate::MAX_RUNS`]; the ones after the limit were not read.
pub const TOO_MANY_RUNS: &str = "too_many_runs";

/// Text longer than [`crate::IntakeOptions::max_message_bytes`] (or a description longer than
/// [`crate::IntakeOptions::max_description_bytes`], a name longer than 256 bytes) was cut.
pub const TRUNCATED: &str = "truncated";
/// A `{n}` placeholder in a message without argument n; it was left as written.
pub const MISSING_ARGUMENT: &str = "missing_argument";
/// `ruleIndex` (or `rule.index`, or the tool component it names) points outside the rules; the rule was
/// looked up by id instead.
pub const INVALID_RULE_REFERENCE: &str = "invalid_rule_reference";
/// `tool.driver.name` is missing or blank; the finder is named `unknown SARIF producer`.
pub const MISSING_TOOL_NAME: &str = "missing_tool_name";
/// The driver's `clearinghouse/finder-kind` property is not `tool`, `ai_model` or `human`; the kind
/// is `tool`.
pub const INVALID_FINDER_KIND: &str = "invalid_finder_kind";

/// A result whose `kind` is `pass`, `notApplicable` or `informational`: not a finding, skipped.
pub const SKIPPED_KIND: &str = "skipped_kind";
/// A result with an accepted suppression (status `accepted` or absent, and none `underReview` or
/// `rejected`): skipped.
pub const SKIPPED_SUPPRESSED: &str = "skipped_suppressed";
/// A result whose `baselineState` is `absent`: it was in the baseline and is gone now, skipped.
pub const SKIPPED_ABSENT: &str = "skipped_absent";
/// A run without results (`results` absent, null or empty).
pub const NO_RESULTS: &str = "no_results";
/// More diagnostics than [`crate::IntakeOptions::max_diagnostics`]; the rest were counted, not kept.
pub const TOO_MANY_DIAGNOSTICS: &str = "too_many_diagnostics";

/// How serious a diagnostic with this code is. Codes this crate does not emit are [`Severity::Error`].
pub fn severity(code: &str) -> Severity {
    match code {
        TOO_LARGE | INVALID_JSON | TOO_DEEP | UNSUPPORTED_VERSION | INVALID_RUNS => Severity::Refusal,
        INVALID_RUN | INVALID_RESULTS | INVALID_RESULT | MISSING_MESSAGE | UNRESOLVED_MESSAGE | TOO_MANY_RESULTS | TOO_MANY_RUNS => Severity::Error,
        TRUNCATED | MISSING_ARGUMENT | INVALID_RULE_REFERENCE | MISSING_TOOL_NAME | INVALID_FINDER_KIND => Severity::Warning,
        SKIPPED_KIND | SKIPPED_SUPPRESSED | SKIPPED_ABSENT | NO_RESULTS | TOO_MANY_DIAGNOSTICS => Severity::Note,
        _ => Severity::Error,
    }
}
