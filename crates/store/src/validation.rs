//! Validation jobs: what the store keeps so that any number of workers, on any machines, validate
//! each report's reproduction bundle once in effect.
//!
//! A job is queued in the transaction that stores its report. A worker *leases* it (the store marks
//! it running, owned by that worker until the lease expires); while it works it renews the lease;
//! it records the result with [`Store::complete_validation`](crate::Store::complete_validation),
//! which only the lease's owner may do, once. A worker that dies loses its lease when it expires,
//! and the job goes to the next worker; after [`MAX_ATTEMPTS`] leases the job fails for good.
//! Recording a result moves the report by the rules below, in the same transaction, with its
//! audit events.

use clearinghouse_model::ReportId;
use clearinghouse_model::lifecycle::{Actor, ReportStatus, check_transition};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Leases a job may have before it fails for good (a bundle that kills its worker every time).
pub const MAX_ATTEMPTS: i32 = 3;

/// A leased job, as a worker gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationJob {
    pub id: Uuid,
    pub report_id: ReportId,
    /// The bundle archive, a proof-of-concept file of the report, in the blob store.
    pub bundle_sha256: String,
    /// This lease's number, from 1.
    pub attempt: i32,
    pub lease_expires_at: OffsetDateTime,
}

/// What a worker records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResult {
    /// `reproduced`, `flaky`, `not_reproduced`, `build_failed`, `timed_out`, `sandbox_error`, or
    /// `invalid_bundle` when the archive could not be read as a bundle.
    pub verdict: String,
    /// The claimed crash's signature (hex SHA-256 over kind and frames), when the proof showed one.
    pub signature: Option<String>,
    pub kind: Option<String>,
    /// The whole validation document (`clearinghouse_validation::Validation`) or the bundle's problems.
    pub document: serde_json::Value,
}

/// A report's validation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredValidation {
    pub job_id: Uuid,
    pub report_id: ReportId,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub verdict: Option<String>,
    pub signature: Option<String>,
    pub kind: Option<String>,
    pub document: Option<serde_json::Value>,
    /// The earlier report with the same crash signature, which keeps the credit.
    pub duplicate_of: Option<ReportId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What recording a result did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    Recorded {
        /// The report's new status, when the verdict moved it.
        moved_to: Option<ReportStatus>,
        duplicate_of: Option<ReportId>,
    },
}

/// The status a verdict moves a report to from `from`, if any: a reproduced proof makes the report
/// validated (or a duplicate, when an earlier report showed the same crash), a proof that did not
/// reproduce or only timed out makes it not_reproduced; flaky runs, build failures and sandbox
/// errors leave it to a coordinator. A report someone already decided on is never moved.
pub fn status_after(verdict: &str, duplicate: bool, from: ReportStatus) -> Option<ReportStatus> {
    let to = match verdict {
        "reproduced" if duplicate => ReportStatus::Duplicate,
        "reproduced" => ReportStatus::Validated,
        "not_reproduced" | "timed_out" => ReportStatus::NotReproduced,
        _ => return None,
    };
    check_transition(from, to, Actor::Validator, REASON).is_ok().then_some(to)
}

/// Whether a report the validator already judged should become a duplicate now that an earlier
/// report turned out to show the same crash (only from validated: any other status is someone's decision).
pub fn relinked_status(from: ReportStatus) -> Option<ReportStatus> {
    check_transition(from, ReportStatus::Duplicate, Actor::Validator, REASON)
        .is_ok()
        .then_some(ReportStatus::Duplicate)
        .filter(|_| from == ReportStatus::Validated)
}

/// The reason recorded with the validator's transitions.
pub const REASON: &str = "sandbox validation verdict";

/// Names of job states.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
}

/// Whether a report's file is a reproduction bundle archive: a tar file, plain or gzipped, by name.
pub fn is_bundle_file(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".tar") || n.ends_with(".tar.gz") || n.ends_with(".tgz")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    #[test]
    fn verdicts_move_undecided_reports_only() {
        assert_eq!(status_after("reproduced", false, Received), Some(Validated));
        assert_eq!(status_after("reproduced", true, Triaged), Some(Duplicate));
        assert_eq!(status_after("not_reproduced", false, Received), Some(NotReproduced));
        assert_eq!(status_after("timed_out", false, Received), Some(NotReproduced));
        for v in ["flaky", "build_failed", "sandbox_error", "invalid_bundle"] {
            assert_eq!(status_after(v, false, Received), None, "{v}");
        }
        assert_eq!(status_after("reproduced", false, Invalid), None, "a coordinator's decision stands");
        assert_eq!(status_after("not_reproduced", false, Validated), None);
        assert_eq!(relinked_status(Validated), Some(Duplicate));
        assert_eq!(relinked_status(InCase), None, "a report in a case stays there; only its link is recorded");
    }

    #[test]
    fn bundle_archives_are_recognised_by_name() {
        assert!(is_bundle_file("poc.tar.gz") && is_bundle_file("bundle.TGZ") && is_bundle_file("b.tar"));
        assert!(!is_bundle_file("poc.c") && !is_bundle_file("tar.gz.txt"));
    }
}
