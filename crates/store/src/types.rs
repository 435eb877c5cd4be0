//! The records the store keeps and returns.

use clearinghouse_model::lifecycle::ReportStatus;
use clearinghouse_model::policy::{Access, PrincipalView, Viewer};
use clearinghouse_model::report::ReportSubmission;
use clearinghouse_model::validate::PackageKey;
use clearinghouse_model::{OrgKind, ReportId, Role, Sector, Tlp};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who an audit event names as the actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    Principal(Uuid),
    /// The clearinghouse itself (bootstrap, background jobs, the CLI on the data folder).
    System,
}

impl AuditActor {
    pub fn as_audit_string(&self) -> String {
        match self {
            AuditActor::Principal(id) => format!("principal:{id}"),
            AuditActor::System => "system".to_string(),
        }
    }
}

/// Per-organisation submission limits, enforced in the database so they hold across replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgLimits {
    pub reports_per_minute: i64,
    pub reports_per_day: i64,
}

impl Default for OrgLimits {
    fn default() -> Self {
        Self { reports_per_minute: 600, reports_per_day: 50_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub sectors: Vec<Sector>,
    pub limits: OrgLimits,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrg {
    pub name: String,
    pub kind: OrgKind,
    pub sectors: Vec<Sector>,
    pub limits: OrgLimits,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub role: Role,
    pub coordinator: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrincipal {
    pub org_id: Uuid,
    pub name: String,
    pub role: Role,
    pub coordinator: bool,
    pub token_expires_at: Option<OffsetDateTime>,
}

/// A token as listed: never its value, which exists only in the response that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub principal_name: String,
    pub org_id: Uuid,
    pub role: Role,
    pub coordinator: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The result of authenticating a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub token_id: Uuid,
    pub principal: Principal,
    pub org: Org,
}

impl Authenticated {
    pub fn viewer(&self) -> Viewer {
        Viewer::Principal(PrincipalView {
            principal_id: self.principal.id,
            org_id: self.org.id,
            role: self.principal.role,
            coordinator: self.principal.coordinator,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    /// SHA-256 of the request body, hex: same key with another body is a conflict.
    pub request_hash: String,
}

/// A checked report ready to store (see `clearinghouse_model::report::prepare`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub document: ReportSubmission,
    pub tlp: Tlp,
    pub packages: Vec<PackageKey>,
    /// SHA-256 of each proof-of-concept file already in the blob store.
    pub files: Vec<String>,
    /// The file among them that is a reproduction bundle: a validation job is queued for it in the
    /// report's transaction.
    pub bundle: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubmitOutcome {
    Created(StoredReport),
    /// The idempotency key was seen with the same body: this is the report it created.
    Replayed(StoredReport),
}

impl SubmitOutcome {
    pub fn report(&self) -> &StoredReport {
        match self {
            SubmitOutcome::Created(r) | SubmitOutcome::Replayed(r) => r,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub id: ReportId,
    /// Position in submission order; the cursor of report lists.
    pub seq: i64,
    pub status: ReportStatus,
    pub tlp: Tlp,
    pub owner_org: Uuid,
    pub submitter: Uuid,
    pub document: ReportSubmission,
    pub packages: Vec<PackageKey>,
    pub shared_orgs: Vec<Uuid>,
    pub named_principals: Vec<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl StoredReport {
    /// The access metadata the policy module decides on.
    pub fn access(&self) -> Access<'_> {
        Access { tlp: self.tlp, owner_org: self.owner_org, submitter: self.submitter, shared_orgs: &self.shared_orgs, named_principals: &self.named_principals }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub status: Option<ReportStatus>,
    /// `type/name` or `type/namespace/name`, as `PackageKey::display_key`.
    pub package: Option<String>,
    pub reporter_org: Option<Uuid>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: ReportStatus,
    pub to: ReportStatus,
    pub actor: String,
    pub reason: String,
    pub at: OffsetDateTime,
}

/// An event waiting for delivery (webhooks and NATS come later; `GET /v1/events` reads them now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEvent {
    pub seq: i64,
    pub at: OffsetDateTime,
    /// For example `report.submitted`.
    pub topic: String,
    /// For example `report:CLH-2026-00042`.
    pub subject: String,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Start of the UTC minute and day windows containing `now`, and the seconds until each ends.
pub fn rate_windows(now: OffsetDateTime) -> [(String, u64); 2] {
    let t = now.unix_timestamp();
    let minute = t.div_euclid(60);
    let day = t.div_euclid(86_400);
    [(format!("m:{minute}"), (60 - t.rem_euclid(60)) as u64), (format!("d:{day}"), (86_400 - t.rem_euclid(86_400)) as u64)]
}
