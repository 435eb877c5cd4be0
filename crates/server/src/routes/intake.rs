//! Bulk intake of findings: a SARIF 2.1.0 log in one request, one report per result, processed in
//! the background with its progress visible (`clearinghouse_store::intake` has the design).

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::extract::path_rejection;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use clearinghouse_model::report::{FinderKind, ReportLimits, prepare};
use clearinghouse_model::{Diagnostic, Tlp};
use clearinghouse_store::intake::{CHUNK, bulk_label_allowed};
use clearinghouse_store::{
    AuditActor, Authenticated, IdempotencyKey, IntakeBatch, IntakeItem, IntakeOutcome, NewIntake, NewReport, Store, StoreError, StoreResult,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

type Envelope = crate::error::ErrorEnvelope;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SarifQuery {
    /// TLP label of every report: CLEAR, GREEN or AMBER (the default). AMBER+STRICT and RED
    /// findings go one by one through `POST /v1/reports`.
    pub tlp: Option<String>,
    /// The package every finding is about, as a package URL (SARIF has no package identity).
    pub purl: Option<String>,
    /// `tool` (the default) or `ai_model`: who found them (a log can say so itself in
    /// `tool.driver.properties["clearinghouse/finder-kind"]`).
    pub finder_kind: Option<String>,
}

/// A batch and its progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeView {
    pub id: Uuid,
    pub format: String,
    /// `queued`, `running` or `done`.
    pub state: String,
    /// Findings queued (one report each at most).
    pub total: i64,
    pub processed: i64,
    /// Reports created.
    pub created: i64,
    /// Findings the organisation had already reported (same fingerprint): no new report.
    pub duplicates: i64,
    /// Findings that could not become a report.
    pub failed: i64,
    /// What reading the log found: results skipped, texts truncated, findings left out.
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<IntakeBatch> for IntakeView {
    fn from(b: IntakeBatch) -> Self {
        Self {
            id: b.id,
            format: b.format,
            state: b.state,
            total: b.total,
            processed: b.processed,
            created: b.created,
            duplicates: b.duplicates,
            failed: b.failed,
            diagnostics: b.diagnostics,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

/// Diagnostics kept with a batch (the log's own can number in the thousands).
const MAX_KEPT_DIAGNOSTICS: usize = 1000;

/// Takes a SARIF 2.1.0 log (scanners, AI finders): one report per result, with the finder's provenance
/// from `tool.driver`. Answers 202 at once with the batch; `GET /v1/intake/{id}` shows its progress.
#[utoipa::path(post, path = "/v1/intake/sarif", tag = "reports", security(("bearer" = [])), params(SarifQuery),
    request_body(content = Object, content_type = "application/json", description = "a SARIF 2.1.0 log"),
    responses((status = 202, body = IntakeView), (status = 400, description = "a bad query parameter (tlp, finder_kind)", body = Envelope),
        (status = 401, body = Envelope), (status = 422, description = "not a SARIF 2.1.0 log, or no result that can become a report", body = Envelope)))]
pub async fn submit_sarif(
    State(state): State<AppState>,
    Signed(caller): Signed,
    query: Result<Query<SarifQuery>, QueryRejection>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<IntakeView>)> {
    let who = caller.require()?;
    let Query(q) = query.map_err(crate::extract::query_rejection)?;
    let tlp = match q.tlp.as_deref() {
        None => Tlp::Amber,
        Some(t) => t.parse::<Tlp>().map_err(|_| ApiError::bad_request("invalid_parameter", format!("{t:?} is not a TLP label")).at("/tlp"))?,
    };
    if !bulk_label_allowed(tlp) {
        return Err(
            ApiError::bad_request("invalid_parameter", "bulk findings are CLEAR, GREEN or AMBER; submit AMBER+STRICT and RED reports one by one").at("/tlp")
        );
    }
    let finder_kind = match q.finder_kind.as_deref() {
        None => None,
        Some(k) => {
            Some(k.parse::<FinderKind>().map_err(|_| ApiError::bad_request("invalid_parameter", format!("{k:?} is not a finder kind")).at("/finder_kind"))?)
        }
    };
    let options = clearinghouse_sarif::IntakeOptions { finder_kind, purl: q.purl.clone(), tlp: Some(tlp), ..Default::default() };
    let limits = state.config.report_limits;
    // Reading a large log is CPU work: keep it off the async threads.
    let (items, diagnostics) = tokio::task::spawn_blocking(move || read_log(&body, &options, &limits)).await.map_err(ApiError::internal)??;
    let intake = NewIntake { format: "sarif".into(), tlp, items, diagnostics: serde_json::to_value(&diagnostics).map_err(ApiError::internal)? };
    let batch = state.store.create_intake(&AuditActor::Principal(who.principal.id), who, &intake, state.now()).await?;
    Ok((StatusCode::ACCEPTED, Json(batch.into())))
}

/// The log's findings that pass the report checks, and the diagnostics of the rest.
fn read_log(body: &[u8], options: &clearinghouse_sarif::IntakeOptions, limits: &ReportLimits) -> ApiResult<(Vec<IntakeItem>, Vec<Diagnostic>)> {
    let read = clearinghouse_sarif::parse(body, options);
    if read.refused() {
        return Err(ApiError::invalid(read.diagnostics));
    }
    let mut diagnostics = read.diagnostics;
    let mut items = Vec::with_capacity(read.reports.len());
    for f in read.reports {
        match prepare(f.report.clone(), limits) {
            Ok(_) => {
                // The finding's identity across runs: the tool's fingerprint, else its rule at its location
                // with what it says there (one line can break one rule twice, about two names).
                let said = hex::encode(&Sha256::digest(f.report.description.as_bytes())[..8]);
                let fingerprint = f.fingerprint.or_else(|| Some(format!("{}@{}#{said}", f.rule_id.as_deref()?, f.location.as_deref()?)));
                items.push(IntakeItem { document: f.report, fingerprint });
            }
            Err(problems) => {
                let first = problems.first().map(|d| d.message.clone()).unwrap_or_default();
                diagnostics.push(Diagnostic::new("finding_not_a_report", f.pointer, format!("left out: {first}")));
            }
        }
    }
    if items.is_empty() {
        diagnostics.push(Diagnostic::new("no_findings", "", "the log has no result that can become a report"));
        return Err(ApiError::invalid(diagnostics));
    }
    diagnostics.truncate(MAX_KEPT_DIAGNOSTICS);
    Ok((items, diagnostics))
}

/// A bulk-intake batch with its progress: the submitting organisation's members and coordinators see it.
#[utoipa::path(get, path = "/v1/intake/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "batch id")),
    responses((status = 200, body = IntakeView), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_intake(State(state): State<AppState>, Signed(caller): Signed, path: Result<Path<Uuid>, PathRejection>) -> ApiResult<Json<IntakeView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    match state.store.get_intake(id).await? {
        Some(b) if b.owner_org == who.org.id || who.principal.coordinator => Ok(Json(b.into())),
        _ => Err(ApiError::not_found()),
    }
}

/// What one round of the processor did.
#[derive(Debug, PartialEq)]
pub enum Round {
    Idle,
    Progress(Box<IntakeBatch>),
    /// The org's rate limit is spent: wait this long.
    RateLimited(u64),
}

/// How long a processor holds a batch without recording progress.
pub const LEASE: time::Duration = time::Duration::seconds(60);

/// One round: lease a batch, turn up to [`CHUNK`] items into reports, record what became of them.
pub async fn process_round(store: &dyn Store, worker: &str, limits: &ReportLimits, now: OffsetDateTime) -> StoreResult<Round> {
    let Some(work) = store.lease_intake(worker, CHUNK, LEASE, now).await? else { return Ok(Round::Idle) };
    let b = &work.batch;
    let (Some(principal), Some(org)) = (store.get_principal(b.submitter).await?, store.get_org(b.owner_org).await?) else {
        return Err(StoreError::NotFound);
    };
    let by = Authenticated { token_id: b.token_id, principal, org };
    let fingerprints: Vec<String> = work.items.iter().filter_map(|(_, i)| i.fingerprint.clone()).collect();
    let mut known = store.reports_by_fingerprint(b.owner_org, &fingerprints).await?;
    let mut outcomes = Vec::new();
    let mut paused = None;
    for (idx, item) in &work.items {
        if let Some(report) = item.fingerprint.as_ref().and_then(|f| known.get(f)) {
            outcomes.push((*idx, None, IntakeOutcome::Duplicate(report.clone())));
            continue;
        }
        let outcome = match prepare(item.document.clone(), limits) {
            Err(problems) => IntakeOutcome::Failed(problems.first().map(|d| d.message.clone()).unwrap_or_default()),
            Ok(p) => {
                let new = NewReport { document: p.document, tlp: p.tlp, packages: p.packages, files: vec![], bundle: None };
                // Derived from the batch and the item: an item submitted before a crash is not submitted twice.
                let key = IdempotencyKey {
                    key: format!("intake:{}:{idx}", b.id),
                    request_hash: hex::encode(Sha256::digest(serde_json::to_vec(&item.document).unwrap_or_default())),
                };
                match store.submit_report(&AuditActor::Principal(b.submitter), &by, &new, Some(&key), now).await {
                    Ok(done) => IntakeOutcome::Created(done.report().id.clone()),
                    Err(StoreError::RateLimited { retry_after_secs, .. }) => {
                        paused = Some(retry_after_secs.max(1));
                        break;
                    }
                    Err(e @ (StoreError::Backend(_) | StoreError::Sealing(_))) => return Err(e),
                    Err(e) => IntakeOutcome::Failed(e.to_string()),
                }
            }
        };
        if let (IntakeOutcome::Created(report), Some(f)) = (&outcome, &item.fingerprint) {
            known.insert(f.clone(), report.clone());
        }
        outcomes.push((*idx, item.fingerprint.clone(), outcome));
    }
    let batch = store.record_intake(b.id, worker, &outcomes, now).await?;
    Ok(match paused {
        Some(secs) => Round::RateLimited(secs),
        None => Round::Progress(Box::new(batch)),
    })
}

/// The processor every `serve` runs: rounds until the batches are drained, then polls.
pub async fn run_processor(state: AppState, worker: String) {
    loop {
        let pause = match process_round(&*state.store, &worker, &state.config.report_limits, state.now()).await {
            Ok(Round::Progress(_)) => continue,
            Ok(Round::Idle) => std::time::Duration::from_millis(500),
            Ok(Round::RateLimited(secs)) => std::time::Duration::from_secs(secs.min(60)),
            Err(StoreError::Stale) => continue,
            Err(e) => {
                tracing::warn!(worker, error = %e, "bulk intake round failed");
                std::time::Duration::from_secs(2)
            }
        };
        tokio::time::sleep(pause).await;
    }
}
