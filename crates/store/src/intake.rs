//! Bulk intake: a log of findings (SARIF from scanners and AI finders) accepted in one request and
//! turned into reports in the background, with its progress in the store.
//!
//! The server checks the log and stores a *batch* with one item per finding in one transaction. A
//! processor (any server replica) leases the batch, takes its unprocessed items a chunk at a time,
//! submits each as a report through [`Store::submit_report`](crate::Store::submit_report) with an
//! idempotency key derived from the batch and the item (so an item a crashed processor submitted
//! is not submitted twice), and records the outcomes with the counters. The org's rate limit and
//! quota apply to each report: a batch drains at the pace the org is allowed. Findings whose
//! fingerprint (SARIF `fingerprints`/`partialFingerprints`, or rule and location) the org already
//! reported are duplicates, linked to the report that has it.

use clearinghouse_model::report::ReportSubmission;
use clearinghouse_model::{ReportId, Tlp};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Labels a batch may carry: bulk findings are never AMBER+STRICT or RED (those are sealed per report
/// and go one by one).
pub fn bulk_label_allowed(tlp: Tlp) -> bool {
    matches!(tlp, Tlp::Clear | Tlp::Green | Tlp::Amber)
}

/// One finding of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeItem {
    pub document: ReportSubmission,
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewIntake {
    /// `sarif`.
    pub format: String,
    pub tlp: Tlp,
    pub items: Vec<IntakeItem>,
    /// What reading the log found (results skipped, truncated messages…), as JSON diagnostics.
    pub diagnostics: serde_json::Value,
}

/// A batch and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeBatch {
    pub id: Uuid,
    pub owner_org: Uuid,
    pub submitter: Uuid,
    /// The token the batch came with; its reports are submitted as that principal.
    pub token_id: Uuid,
    pub format: String,
    pub tlp: Tlp,
    /// `queued`, `running` or `done`.
    pub state: String,
    pub total: i64,
    pub processed: i64,
    pub created: i64,
    pub duplicates: i64,
    pub failed: i64,
    pub diagnostics: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A leased chunk of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeWork {
    pub batch: IntakeBatch,
    /// (index in the batch, item), in order.
    pub items: Vec<(i64, IntakeItem)>,
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "detail")]
pub enum IntakeOutcome {
    Created(ReportId),
    /// The org already reported this finding: the report that has it.
    Duplicate(ReportId),
    /// The finding could not become a report (the reason).
    Failed(String),
}

impl IntakeOutcome {
    pub fn name(&self) -> &'static str {
        match self {
            IntakeOutcome::Created(_) => "created",
            IntakeOutcome::Duplicate(_) => "duplicate",
            IntakeOutcome::Failed(_) => "failed",
        }
    }

    pub fn report(&self) -> Option<&ReportId> {
        match self {
            IntakeOutcome::Created(r) | IntakeOutcome::Duplicate(r) => Some(r),
            IntakeOutcome::Failed(_) => None,
        }
    }
}

/// Items of one batch a processor takes at a time.
pub const CHUNK: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_findings_are_never_red_or_amber_strict() {
        assert!(bulk_label_allowed(Tlp::Amber) && bulk_label_allowed(Tlp::Clear) && bulk_label_allowed(Tlp::Green));
        assert!(!bulk_label_allowed(Tlp::Red) && !bulk_label_allowed(Tlp::AmberStrict));
    }
}
