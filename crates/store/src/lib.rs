//! The store: one trait for everything the clearinghouse persists, implemented once per backend
//! (`clearinghouse-store-sqlite`, `clearinghouse-store-postgres`), plus the blob store, the at-rest
//! sealing keyring, and the story suite every backend must pass.
//!
//! Architecture invariants:
//! - Every method that changes state does it in one transaction together with its audit event
//!   (hash-chained, see `clearinghouse_model::audit`) and its outbox event. There is no way to change
//!   state without both.
//! - Nothing that must hold across server replicas lives in process memory: report id sequences,
//!   idempotency keys, rate-limit windows and the audit chain head are rows in the database.
//! - The store never decides visibility. It returns records with their access metadata
//!   (`StoredReport::access`) and the server asks `clearinghouse_model::policy`.

pub mod assets;
pub mod blob;
pub mod codec;
pub mod intake;
pub mod keyring;
pub mod mission;
pub mod similar;
pub mod story;
mod types;
pub mod validation;
pub mod vulns;

pub use assets::*;
pub use intake::{IntakeBatch, IntakeItem, IntakeOutcome, IntakeWork, NewIntake};
pub use mission::{AssetMission, FindingPriority, Stakeholder, StakeholderDecision};
pub use types::*;
pub use validation::{Completion, StoredValidation, ValidationJob, ValidationResult};
pub use vulns::{NewSourceRecord, Priority, StoredVulnerability, VulnImportSummary, VulnOrder};

use async_trait::async_trait;
use clearinghouse_model::audit::AuditEvent;
use clearinghouse_model::lifecycle::Actor as TransitionActor;
use clearinghouse_model::{ReportId, ReportStatus, Tlp};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (for example an organisation name that exists).
    #[error("{0}")]
    Conflict(String),
    /// The same idempotency key was used before with another request body.
    #[error("this Idempotency-Key was used with a different request body")]
    IdempotencyMismatch,
    /// An organisation's rate limit or quota is spent.
    #[error("{what} exceeded; retry after {retry_after_secs} s")]
    RateLimited { what: &'static str, retry_after_secs: u64 },
    /// A report transition the lifecycle does not allow.
    #[error(transparent)]
    Transition(#[from] clearinghouse_model::lifecycle::TransitionError),
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record changed meanwhile; read it again and retry")]
    Stale,
    #[error("sealing: {0}")]
    Sealing(#[from] keyring::SealError),
    #[error("database: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the clearinghouse persists. See the crate documentation for the invariants.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Connection pool gauges for metrics.
    fn pool_stats(&self) -> PoolStats;

    /// On an empty database: creates the platform organisation and its first admin (a coordinator)
    /// with a token of the given hash, and returns the principal. The platform organisation gets `limits`. On a database with any principal,
    /// does nothing and returns `None`. Safe to race from several replicas.
    async fn bootstrap_admin(&self, token_hash: &str, limits: OrgLimits, now: OffsetDateTime) -> StoreResult<Option<Principal>>;

    async fn create_org(&self, actor: &AuditActor, org: &NewOrg, now: OffsetDateTime) -> StoreResult<Org>;
    async fn list_orgs(&self) -> StoreResult<Vec<Org>>;
    async fn get_org(&self, id: Uuid) -> StoreResult<Option<Org>>;
    async fn get_org_by_name(&self, name: &str) -> StoreResult<Option<Org>>;

    /// Creates a principal in an org and its first token (stored as `token_hash` only).
    async fn create_principal(&self, actor: &AuditActor, p: &NewPrincipal, token_hash: &str, now: OffsetDateTime) -> StoreResult<(Principal, TokenInfo)>;
    async fn get_principal(&self, id: Uuid) -> StoreResult<Option<Principal>>;
    async fn list_tokens(&self, org_id: Option<Uuid>) -> StoreResult<Vec<TokenInfo>>;
    async fn revoke_token(&self, actor: &AuditActor, token_id: Uuid, now: OffsetDateTime) -> StoreResult<TokenInfo>;
    /// The principal behind a token hash, if the token exists, is not revoked and has not expired.
    async fn authenticate(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Authenticated>>;

    /// Stores a new report: allocates its id, applies the org's rate limit and quota, records the
    /// idempotency key, and writes the audit and outbox events, all in one transaction.
    async fn submit_report(
        &self,
        actor: &AuditActor,
        submitter: &Authenticated,
        report: &NewReport,
        idempotency: Option<&IdempotencyKey>,
        now: OffsetDateTime,
    ) -> StoreResult<SubmitOutcome>;
    async fn get_report(&self, id: &ReportId) -> StoreResult<Option<StoredReport>>;
    /// Reports in submission order after `after` (a `StoredReport::seq`), matching the filter.
    /// Visibility is not applied here: the caller filters each row through the policy.
    async fn list_reports(&self, filter: &ReportFilter, after: Option<i64>, limit: u32) -> StoreResult<Vec<StoredReport>>;
    async fn report_history(&self, id: &ReportId) -> StoreResult<Vec<Transition>>;
    /// Moves a report through the lifecycle, checked against `clearinghouse_model::lifecycle` inside
    /// the transaction so concurrent transitions cannot both pass.
    async fn transition_report(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        to: ReportStatus,
        capacity: TransitionActor,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport>;
    /// Changes the label if it is still `expected` (else `Stale`). Re-seals the body when needed.
    async fn relabel_report(&self, actor: &AuditActor, id: &ReportId, expected: Tlp, new: Tlp, now: OffsetDateTime) -> StoreResult<StoredReport>;
    /// Adds organisations and principals to a report's audience.
    async fn share_report(&self, actor: &AuditActor, id: &ReportId, orgs: &[Uuid], principals: &[Uuid], now: OffsetDateTime) -> StoreResult<StoredReport>;

    /// Audit events with `seq > after`, in order.
    async fn audit_events(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEvent>>;
    /// The chain head the store recorded with the last audit event: `(0, GENESIS_HASH)` when empty.
    /// Kept apart from the events so that cutting events off the end of the chain is noticed.
    async fn audit_head(&self) -> StoreResult<(i64, String)>;
    /// Outbox events with `seq > after`, in commit order.
    async fn outbox_events(&self, after: i64, limit: u32) -> StoreResult<Vec<OutboxEvent>>;

    /// Imports OSV records: each is inserted, or replaces the stored record of its id when its
    /// `modified` is later, or is left alone. The changed TLP:CLEAR records join the vulnerability
    /// model as OSV source records (as [`Store::import_source_records`] would import them). In the same transaction, the findings of every asset
    /// with a component of an affected package are re-evaluated against the changed advisories
    /// only (through the package keys, never by rescanning all assets), with one audit event for
    /// the import and one per asset whose findings changed. Withdrawn records stay stored and
    /// readable but match nothing, so their findings close.
    async fn import_advisories(&self, actor: &AuditActor, batch: &[NewAdvisory], now: OffsetDateTime) -> StoreResult<(ImportSummary, Vec<ImportOutcome>)>;
    async fn get_advisory(&self, id: &str) -> StoreResult<Option<StoredAdvisory>>;
    /// Advisories changed after the cursor `(change_seq, id)`, in that order: how server replicas
    /// keep their in-memory index current.
    async fn advisories_changed_since(&self, after: (i64, &str), limit: u32) -> StoreResult<Vec<StoredAdvisory>>;
    /// The highest `change_seq` of any advisory (0 when none): a cheap "anything new?" check.
    async fn advisory_head(&self) -> StoreResult<i64>;

    /// Registers an asset and its components, and records its findings against every stored
    /// advisory about its packages.
    async fn create_asset(&self, actor: &AuditActor, asset: &NewAsset, now: OffsetDateTime) -> StoreResult<(StoredAsset, FindingsDiff)>;
    /// Replaces an asset's name, label and SBOM (its owner and creator stay), if its revision is
    /// still `expected_revision` (else `Stale`); findings are re-evaluated and the difference recorded.
    async fn replace_asset(
        &self,
        actor: &AuditActor,
        id: Uuid,
        expected_revision: Option<i64>,
        asset: &NewAsset,
        now: OffsetDateTime,
    ) -> StoreResult<(StoredAsset, FindingsDiff)>;
    /// Deletes an asset with its components, findings and VEX documents.
    async fn delete_asset(&self, actor: &AuditActor, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    async fn get_asset(&self, id: Uuid) -> StoreResult<Option<StoredAsset>>;
    /// Assets, oldest first; only `owner_org`'s when given. Visibility is the caller's (policy).
    async fn list_assets(&self, owner_org: Option<Uuid>) -> StoreResult<Vec<StoredAsset>>;
    async fn asset_components(&self, id: Uuid) -> StoreResult<Vec<AssetComponent>>;
    /// The findings of an asset by component, then advisory id.
    async fn asset_findings(&self, id: Uuid) -> StoreResult<Vec<StoredFinding>>;
    async fn add_asset_vex(&self, actor: &AuditActor, asset_id: Uuid, vex: &NewVex, now: OffsetDateTime) -> StoreResult<StoredVex>;
    /// The VEX documents of an asset, oldest first (later statements win).
    async fn asset_vex(&self, asset_id: Uuid) -> StoreResult<Vec<StoredVex>>;
    /// Replaces an asset's mission settings (already normalised, see
    /// [`mission::AssetMission::normalised`]), with its audit event.
    async fn set_asset_mission(&self, actor: &AuditActor, id: Uuid, mission: &AssetMission, now: OffsetDateTime) -> StoreResult<StoredAsset>;

    // --- vulnerabilities (clearinghouse_store::vulns) --------------------------------------------

    /// Imports source records (OSV, CVE 5, CSAF, KEV) into the vulnerability model: each replaces the
    /// stored copy from the same source when newer; the vulnerabilities the batch touches are merged
    /// again through the alias graph and rewritten with their priority, with one
    /// `vulnerabilities.imported` audit event, in one transaction.
    async fn import_source_records(&self, actor: &AuditActor, batch: &[NewSourceRecord], now: OffsetDateTime) -> StoreResult<VulnImportSummary>;
    /// The vulnerability that any of its ids (`CVE-…`, `GHSA-…`, `GO-…`) names.
    async fn get_vulnerability(&self, id: &str) -> StoreResult<Option<StoredVulnerability>>;
    /// Records that the clearinghouse holds a validated, public proof of concept of the vulnerability
    /// `id` names (the report `report`; the caller checks it qualifies), and recomputes its priority
    /// (Exploitation at least Public PoC), with one `vulnerability.evidence_added` audit event.
    async fn add_vulnerability_evidence(&self, actor: &AuditActor, id: &str, report: &ReportId, now: OffsetDateTime) -> StoreResult<StoredVulnerability>;
    /// For each of `ids` (advisory ids, aliases) the model knows: the id of its vulnerability and
    /// the vulnerability's stored priority. Ids the model does not know are absent.
    async fn vulnerability_priorities(&self, ids: &[String]) -> StoreResult<std::collections::BTreeMap<String, (String, Priority)>>;
    /// Vulnerabilities in `order`, skipping `offset`, at most `limit`.
    async fn list_vulnerabilities(&self, order: VulnOrder, offset: u32, limit: u32) -> StoreResult<Vec<StoredVulnerability>>;

    /// Drops idempotency keys and rate windows older than `before`.
    /// Leases the oldest validation job that is queued or whose lease expired, for `worker` until
    /// `now + lease`; `None` when there is none. Two workers never hold the same job at once.
    async fn lease_validation(&self, worker: &str, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<ValidationJob>>;
    /// Extends `worker`'s lease on a running job; false when the lease is no longer its own.
    async fn renew_validation_lease(&self, job: Uuid, worker: &str, until: OffsetDateTime) -> StoreResult<bool>;
    /// Records a leased job's result and moves its report ([`validation::status_after`]), with audit
    /// events, in one transaction. `Stale` when `worker` does not hold the lease (it expired and
    /// another worker took the job, or the job is done): the other result stands.
    async fn complete_validation(&self, job: Uuid, worker: &str, result: &ValidationResult, now: OffsetDateTime) -> StoreResult<Completion>;
    /// The latest validation of a report.
    async fn report_validation(&self, id: &ReportId) -> StoreResult<Option<StoredValidation>>;
    /// Stores a bulk-intake batch with its items, queued, with its audit event.
    async fn create_intake(&self, actor: &AuditActor, by: &Authenticated, intake: &NewIntake, now: OffsetDateTime) -> StoreResult<IntakeBatch>;
    /// Leases a batch with unprocessed items (queued, its lease expired, or already this worker's) and
    /// returns up to `max_items` of them, oldest batch first.
    async fn lease_intake(&self, worker: &str, max_items: u32, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<IntakeWork>>;
    /// Records what became of items of a leased batch, with the counters and the org's fingerprints;
    /// the batch is done (with its audit event) when none is left. `Stale` without the lease.
    async fn record_intake(
        &self,
        batch: Uuid,
        worker: &str,
        outcomes: &[(i64, Option<String>, IntakeOutcome)],
        now: OffsetDateTime,
    ) -> StoreResult<IntakeBatch>;
    /// The reports of `org` that have these finding fingerprints.
    async fn reports_by_fingerprint(&self, org: Uuid, fingerprints: &[String]) -> StoreResult<std::collections::BTreeMap<String, ReportId>>;
    async fn get_intake(&self, id: Uuid) -> StoreResult<Option<IntakeBatch>>;
    /// Reports whose text is near this one's (sharing an LSH band and similar enough by MinHash),
    /// most similar first. Visibility is not applied: the caller filters through the policy.
    async fn similar_reports(&self, id: &ReportId, limit: usize) -> StoreResult<Vec<(ReportId, f64)>>;
    /// Files the band keys of up to `limit` reports not yet in the near-duplicate index, in one
    /// transaction; returns how many. A derived index, not a state change: no audit event.
    async fn index_similarity(&self, limit: u32) -> StoreResult<u32>;
    /// Merge: marks `id` a duplicate of `canonical` (which keeps the credit), moving it to duplicate
    /// as `capacity` may; re-links a report that is a duplicate already. `Conflict` when `canonical` is
    /// `id` itself or a duplicate (link to its canonical report instead).
    async fn mark_duplicate(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        canonical: &ReportId,
        capacity: TransitionActor,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport>;
    /// Split: removes `id`'s duplicate link and moves it back to triaged. `Conflict` when it has no link.
    async fn split_duplicate(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        capacity: TransitionActor,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport>;
    /// The report `id` duplicates, if any.
    async fn duplicate_of(&self, id: &ReportId) -> StoreResult<Option<ReportId>>;
    async fn purge_expired(&self, before: OffsetDateTime) -> StoreResult<u64>;
}
