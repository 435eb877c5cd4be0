//! Report intake and lifecycle.

use crate::AppState;
use crate::auth::{Caller, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, path_rejection};
use crate::visibility::{visible_report, visible_reports};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clearinghouse_model::lifecycle::Actor as Cap;
use clearinghouse_model::policy::{can_manage, can_relabel};
use clearinghouse_model::report::{ReportSubmission, prepare};
use clearinghouse_model::validate::{CvssSummary, parse_cvss};
use clearinghouse_model::{Diagnostic, ReportStatus, Tlp};
use clearinghouse_store::{AuditActor, IdempotencyKey, NewReport, ReportFilter, StoredReport, SubmitOutcome, Transition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

type Envelope = crate::error::ErrorEnvelope;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// Public id, `CLH-<year>-<number>`.
    pub id: String,
    pub status: ReportStatus,
    pub tlp: Tlp,
    pub reporter_org: Uuid,
    pub submitter: Uuid,
    /// Affected packages as `type/namespace/name`.
    pub packages: Vec<String>,
    /// The CVSS vector's scores, when the report carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<CvssSummary>,
    pub document: ReportSubmission,
    /// The extra audience; shown to those who may manage the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<SharedWith>,
    /// The lifecycle so far (on single-report reads).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<TransitionView>,
    /// The report this one duplicates (which keeps the credit), on single-report reads, when the
    /// caller may read that report; the status says `duplicate` either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedWith {
    pub orgs: Vec<Uuid>,
    pub principals: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionView {
    pub from: ReportStatus,
    pub to: ReportStatus,
    pub actor: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

impl From<Transition> for TransitionView {
    fn from(t: Transition) -> Self {
        Self { from: t.from, to: t.to, actor: t.actor, reason: t.reason, at: t.at }
    }
}

fn view(caller: &Caller, r: StoredReport, history: Vec<Transition>) -> ReportView {
    let manager = can_manage(&caller.viewer(), &r.access()).is_ok();
    let shared_with = manager.then(|| SharedWith { orgs: r.shared_orgs.clone(), principals: r.named_principals.clone() });
    ReportView {
        id: r.id.to_string(),
        status: r.status,
        tlp: r.tlp,
        reporter_org: r.owner_org,
        submitter: r.submitter,
        packages: r.packages.iter().map(|p| p.display_key()).collect(),
        cvss: r.document.cvss_vector.as_deref().and_then(|v| parse_cvss(v).ok()),
        document: r.document,
        shared_with,
        history: history.into_iter().map(Into::into).collect(),
        duplicate_of: None,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

fn idempotency_key(headers: &HeaderMap, body: &[u8]) -> ApiResult<Option<IdempotencyKey>> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let key = v.to_str().ok().filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && k.bytes().all(|b| (0x21..0x7f).contains(&b)));
    let key = key.ok_or_else(|| ApiError::bad_request("invalid_idempotency_key", "Idempotency-Key is 1 to 255 printable ASCII characters without spaces"))?;
    Ok(Some(IdempotencyKey { key: key.to_string(), request_hash: hex::encode(Sha256::digest(body)) }))
}

/// Submit a report. With `Idempotency-Key`, a retry with the same body returns the same report
/// (200, `Idempotent-Replayed: true`); the same key with another body is a 409.
#[utoipa::path(post, path = "/v1/reports", tag = "reports", request_body = ReportSubmission, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe; kept at least 24 hours per principal")),
    responses(
        (status = 201, description = "stored", body = ReportView),
        (status = 200, description = "a replay of an earlier request with the same Idempotency-Key", body = ReportView),
        (status = 400, description = "malformed JSON, a wrong type or an unknown field", body = Envelope),
        (status = 401, body = Envelope),
        (status = 409, description = "Idempotency-Key reused with another body", body = Envelope),
        (status = 413, body = Envelope),
        (status = 422, description = "the document breaks a rule; every problem is listed", body = Envelope),
        (status = 429, description = "the organisation's rate limit or quota is spent; see Retry-After", body = Envelope),
    ))]
pub async fn submit_report(State(state): State<AppState>, Signed(caller): Signed, headers: HeaderMap, body: JsonBody<ReportSubmission>) -> ApiResult<Response> {
    let who = caller.require()?;
    let idem = idempotency_key(&headers, &body.raw)?;
    let prepared = prepare(body.value, &state.config.report_limits).map_err(ApiError::invalid)?;
    // Files go to the blob store before the transaction that references them. A failure after this
    // point leaves at worst an unreferenced, sealed blob, never a report pointing at a missing file.
    for f in &prepared.files {
        state.blobs.put(&f.sha256, &f.bytes).await.map_err(ApiError::internal)?;
    }
    let new = NewReport {
        document: prepared.document,
        tlp: prepared.tlp,
        packages: prepared.packages,
        files: prepared.files.iter().map(|f| f.sha256.clone()).collect(),
        // The first tar archive among the files is the reproduction bundle the sandbox validates.
        bundle: prepared.files.iter().find(|f| clearinghouse_store::validation::is_bundle_file(&f.name)).map(|f| f.sha256.clone()),
    };
    let outcome = state.store.submit_report(&AuditActor::Principal(who.principal.id), who, &new, idem.as_ref(), state.now()).await?;
    let (status, replayed, report) = match outcome {
        SubmitOutcome::Created(r) => (StatusCode::CREATED, false, r),
        SubmitOutcome::Replayed(r) => (StatusCode::OK, true, r),
    };
    let location = format!("/v1/reports/{}", report.id);
    let mut resp = (status, Json(view(&caller, report, vec![]))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    if replayed {
        resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(resp)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationResult {
    pub valid: bool,
    /// Every problem found; empty when valid.
    pub diagnostics: Vec<Diagnostic>,
}

/// Check a report document without storing anything: the same parsing and rules as submission.
/// Tools run it before submitting in bulk; the benchmark uses it as the floor of intake.
#[utoipa::path(post, path = "/v1/reports/validate", tag = "reports", request_body = ReportSubmission, security(("bearer" = [])),
    responses(
        (status = 200, description = "the document is valid", body = ValidationResult),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 413, body = Envelope),
        (status = 422, description = "the document breaks a rule; every problem is listed", body = Envelope),
    ))]
pub async fn validate_report(State(state): State<AppState>, Signed(caller): Signed, body: JsonBody<ReportSubmission>) -> ApiResult<Json<ValidationResult>> {
    caller.require()?;
    prepare(body.value, &state.config.report_limits).map_err(ApiError::invalid)?;
    Ok(Json(ValidationResult { valid: true, diagnostics: vec![] }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub status: Option<ReportStatus>,
    /// `type/name` or `type/namespace/name`, for example `cargo/smallvec` or `npm/@angular/core`.
    pub package: Option<String>,
    /// The reporting organisation's name.
    pub org: Option<String>,
    /// Submitted at or after (RFC 3339).
    pub since: Option<String>,
    /// Submitted before (RFC 3339).
    pub until: Option<String>,
    /// `next` from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500; 50 when absent.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummary {
    pub id: String,
    pub status: ReportStatus,
    pub tlp: Tlp,
    pub title: String,
    pub reporter_org: Uuid,
    pub packages: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub reports: Vec<ReportSummary>,
    /// Pass as `cursor` for the next page; absent on the last page. A page may hold fewer than
    /// `limit` reports and still have a next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn parse_time(field: &'static str, v: &Option<String>) -> ApiResult<Option<OffsetDateTime>> {
    v.as_deref().map(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)).transpose().map_err(|_| {
        ApiError::bad_request("invalid_parameter", format!("{field} must be an RFC 3339 time, for example 2026-11-27T00:00:00Z")).at(format!("/{field}"))
    })
}

/// List the reports you may see, oldest first, with filters and cursor pagination. Without a token,
/// only TLP:CLEAR reports are listed.
#[utoipa::path(get, path = "/v1/reports", tag = "reports", params(ReportQuery), security((), ("bearer" = [])),
    responses((status = 200, body = ReportPage), (status = 400, body = Envelope), (status = 401, body = Envelope)))]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ReportPage>> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_parameter", e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("invalid_parameter", "limit is 1 to 500").at("/limit"));
    }
    let after = q
        .cursor
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::bad_request("invalid_parameter", "cursor is the `next` of a previous page").at("/cursor")))
        .transpose()?;
    let reporter_org = match &q.org {
        // An unknown org name simply matches nothing, like any other filter.
        Some(name) => Some(state.store.get_org_by_name(name).await?.map(|o| o.id).unwrap_or_else(Uuid::nil)),
        None => None,
    };
    let filter = ReportFilter {
        status: q.status,
        package: q.package.clone(),
        reporter_org,
        since: parse_time("since", &q.since)?,
        until: parse_time("until", &q.until)?,
    };
    let (rows, next) = visible_reports(&state, &caller.viewer(), &filter, after, limit, 5_000).await?;
    let reports = rows
        .into_iter()
        .map(|r| ReportSummary {
            id: r.id.to_string(),
            status: r.status,
            tlp: r.tlp,
            title: r.document.title,
            reporter_org: r.owner_org,
            packages: r.packages.iter().map(|p| p.display_key()).collect(),
            created_at: r.created_at,
        })
        .collect();
    Ok(Json(ReportPage { reports, next: next.map(|n| n.to_string()) }))
}

/// One report with its history.
#[utoipa::path(get, path = "/v1/reports/{id}", tag = "reports", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "report id, CLH-YYYY-NNNNN")),
    responses((status = 200, body = ReportView), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_report(State(state): State<AppState>, caller: Caller, path: Result<Path<String>, PathRejection>) -> ApiResult<Json<ReportView>> {
    let Path(id) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    Ok(Json(full_view(&state, &caller, report).await?))
}

/// A report with its history and the report it duplicates (when the caller may read that one).
async fn full_view(state: &AppState, caller: &Caller, report: StoredReport) -> ApiResult<ReportView> {
    let history = state.store.report_history(&report.id).await?;
    let canonical = state.store.duplicate_of(&report.id).await?;
    let mut v = view(caller, report, history);
    if let Some(c) = canonical {
        // What a reporter learns about the other report goes through the same policy as any read.
        v.duplicate_of = visible_report(state, &caller.viewer(), &c.to_string()).await.ok().map(|r| r.id.to_string());
    }
    Ok(v)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The report this one duplicates; it keeps the credit.
    pub of: String,
    /// Why; recorded with the transition.
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// Why; recorded with the transition.
    pub reason: String,
}

fn check_reason(reason: &str) -> ApiResult<()> {
    if reason.len() > 4096 {
        return Err(ApiError::invalid(vec![Diagnostic::new("too_long", "/reason", "reason is at most 4096 bytes")]));
    }
    Ok(())
}

/// Merge: a coordinator marks the report a duplicate of another (which keeps the credit), moving
/// it to `duplicate`; reports that pointed at it follow to the other.
#[utoipa::path(post, path = "/v1/reports/{id}/duplicate", tag = "reports", request_body = MergeRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope),
        (status = 404, body = Envelope), (status = 409, description = "an illegal move, itself, or a duplicate as the other report", body = Envelope), (status = 422, body = Envelope)))]
pub async fn merge_duplicate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, PathRejection>,
    body: JsonBody<MergeRequest>,
) -> ApiResult<Json<ReportView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    let viewer = caller.viewer();
    let report = visible_report(&state, &viewer, &id).await?;
    if !who.principal.coordinator {
        return Err(ApiError::forbidden("only coordinators merge and split duplicates"));
    }
    check_reason(&body.value.reason)?;
    let Ok(canonical) = visible_report(&state, &viewer, &body.value.of).await else {
        return Err(ApiError::invalid(vec![Diagnostic::new("unknown_report", "/of", "no such report")]));
    };
    let updated = state
        .store
        .mark_duplicate(&AuditActor::Principal(who.principal.id), &report.id, &canonical.id, Cap::Coordinator, &body.value.reason, state.now())
        .await?;
    Ok(Json(full_view(&state, &caller, updated).await?))
}

/// Split: a coordinator removes a report's duplicate link and moves it back to `triaged`.
#[utoipa::path(post, path = "/v1/reports/{id}/split", tag = "reports", request_body = SplitRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope),
        (status = 404, body = Envelope), (status = 409, description = "not a duplicate", body = Envelope), (status = 422, body = Envelope)))]
pub async fn split_duplicate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, PathRejection>,
    body: JsonBody<SplitRequest>,
) -> ApiResult<Json<ReportView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    if !who.principal.coordinator {
        return Err(ApiError::forbidden("only coordinators merge and split duplicates"));
    }
    check_reason(&body.value.reason)?;
    let updated = state.store.split_duplicate(&AuditActor::Principal(who.principal.id), &report.id, Cap::Coordinator, &body.value.reason, state.now()).await?;
    Ok(Json(full_view(&state, &caller, updated).await?))
}

/// A report's validation, as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// The sandbox's verdict once done: `reproduced`, `flaky`, `not_reproduced`, `build_failed`,
    /// `timed_out`, `sandbox_error`, or `invalid_bundle`.
    pub verdict: Option<String>,
    /// The claimed crash's kind and signature (SHA-256 over kind and normalised frames).
    pub kind: Option<String>,
    pub signature: Option<String>,
    /// Whether an earlier report showed the same crash (that report keeps the credit).
    pub duplicate: bool,
    /// The earlier report's id, only when the caller may see that report (TLP): a finder learns
    /// that its report duplicates another, never the other's content or reporter otherwise.
    pub duplicate_of: Option<String>,
    /// The validation document: runs, evidence (log tails, hashes, timings), the fix's verdict.
    #[schema(value_type = Option<Object>)]
    pub document: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// The validation of a report's reproduction bundle (a `.tar` or `.tar.gz` proof-of-concept file):
/// queued with the report, run by a worker in the sandbox; the verdict moves the report.
#[utoipa::path(get, path = "/v1/reports/{id}/validation", tag = "reports", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ValidationView), (status = 401, body = Envelope), (status = 404, body = Envelope, description = "no such report for this caller, or no bundle")))]
pub async fn get_report_validation(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<ValidationView>> {
    let Path(id) = path.map_err(path_rejection)?;
    let viewer = caller.viewer();
    let report = visible_report(&state, &viewer, &id).await?;
    let v = state.store.report_validation(&report.id).await?.ok_or_else(ApiError::not_found)?;
    // What the caller learns about the earlier report goes through the same policy as any read.
    let duplicate_of = match &v.duplicate_of {
        Some(other) => visible_report(&state, &viewer, &other.to_string()).await.ok().map(|r| r.id.to_string()),
        None => None,
    };
    Ok(Json(ValidationView {
        state: v.state,
        attempts: v.attempts,
        verdict: v.verdict,
        kind: v.kind,
        signature: v.signature,
        duplicate: v.duplicate_of.is_some(),
        duplicate_of,
        document: v.document,
        created_at: v.created_at,
        updated_at: v.updated_at,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarReport {
    pub id: String,
    pub title: String,
    pub status: ReportStatus,
    /// Estimated Jaccard similarity of the two reports' text (title, description, packages), 0 to 1.
    pub similarity: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarReports {
    /// Near-duplicates the caller may see, most similar first. Reports the caller may not read are
    /// left out, not counted: their existence is theirs to tell.
    pub similar: Vec<SimilarReport>,
}

/// Reports whose text is close to this one's (MinHash over title, description and packages, LSH band
/// keys in the store): duplicates across reporters for a coordinator to merge, or for a finder to
/// check against its own organisation's reports.
#[utoipa::path(get, path = "/v1/reports/{id}/similar", tag = "reports", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = SimilarReports), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_similar_reports(State(state): State<AppState>, caller: Caller, path: Result<Path<String>, PathRejection>) -> ApiResult<Json<SimilarReports>> {
    let Path(id) = path.map_err(path_rejection)?;
    let viewer = caller.viewer();
    let report = visible_report(&state, &viewer, &id).await?;
    let mut similar = Vec::new();
    for (other, similarity) in state.store.similar_reports(&report.id, 50).await? {
        // Each candidate through the same policy as any read.
        if let Ok(r) = visible_report(&state, &viewer, &other.to_string()).await {
            similar.push(SimilarReport { id: r.id.to_string(), title: r.document.title, status: r.status, similarity });
        }
    }
    Ok(Json(SimilarReports { similar }))
}

/// A proof-of-concept file of a report, as an attachment.
#[utoipa::path(get, path = "/v1/reports/{id}/files/{sha256}", tag = "reports", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "report id"), ("sha256" = String, Path, description = "the file's SHA-256, hex")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_report_file(State(state): State<AppState>, caller: Caller, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult<Response> {
    let Path((id, sha)) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    let sha = sha.to_ascii_lowercase();
    let file = report.document.files.iter().find(|f| f.sha256.as_deref() == Some(sha.as_str())).ok_or_else(ApiError::not_found)?;
    let bytes =
        state.blobs.get(&sha).await.map_err(ApiError::internal)?.ok_or_else(|| ApiError::internal(format!("blob {sha} of {} is missing", report.id)))?;
    // The name is the finder's: keep only safe characters in the header.
    let safe_name: String = file.name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream".to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe_name}\"")),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::CACHE_CONTROL, "private, no-store".to_string()),
    ];
    Ok((headers, bytes).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub to: ReportStatus,
    /// Why; recorded with the transition.
    pub reason: String,
}

/// Move a report through its lifecycle. Coordinators drive triage; the reporting organisation may
/// dispute an outcome or withdraw its report. Illegal transitions answer 409 naming the legal ones.
#[utoipa::path(post, path = "/v1/reports/{id}/transitions", tag = "reports", request_body = TransitionRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope), (status = 409, body = Envelope), (status = 422, body = Envelope)))]
pub async fn transition_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, PathRejection>,
    body: JsonBody<TransitionRequest>,
) -> ApiResult<Json<ReportView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    let capacity = if who.principal.coordinator {
        Cap::Coordinator
    } else if who.org.id == report.owner_org {
        Cap::Reporter
    } else {
        return Err(ApiError::forbidden("only coordinators and the reporting organisation may move this report"));
    };
    if body.value.reason.len() > 4096 {
        return Err(ApiError::invalid(vec![Diagnostic::new("too_long", "/reason", "reason is at most 4096 bytes")]));
    }
    let updated =
        state.store.transition_report(&AuditActor::Principal(who.principal.id), &report.id, body.value.to, capacity, &body.value.reason, state.now()).await?;
    let history = state.store.report_history(&updated.id).await?;
    Ok(Json(view(&caller, updated, history)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelabelRequest {
    pub tlp: Tlp,
}

/// Change a report's TLP label. Anyone who manages the report may raise it; only the originator or a
/// coordinator may lower it.
#[utoipa::path(put, path = "/v1/reports/{id}/tlp", tag = "reports", request_body = RelabelRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope), (status = 409, body = Envelope)))]
pub async fn relabel_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, PathRejection>,
    body: JsonBody<RelabelRequest>,
) -> ApiResult<Json<ReportView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    can_relabel(&caller.viewer(), &report.access(), body.value.tlp)?;
    let updated = state.store.relabel_report(&AuditActor::Principal(who.principal.id), &report.id, report.tlp, body.value.tlp, state.now()).await?;
    Ok(Json(view(&caller, updated, vec![])))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// Organisation names to add to the audience (AMBER and AMBER+STRICT).
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Principal ids to add to the audience (any label; the only way to widen RED).
    #[serde(default)]
    pub principals: Vec<Uuid>,
}

/// Share a report with named organisations or principals.
#[utoipa::path(post, path = "/v1/reports/{id}/shares", tag = "reports", request_body = ShareRequest, security(("bearer" = [])),
    params(("id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope), (status = 422, body = Envelope)))]
pub async fn share_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, PathRejection>,
    body: JsonBody<ShareRequest>,
) -> ApiResult<Json<ReportView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(path_rejection)?;
    let report = visible_report(&state, &caller.viewer(), &id).await?;
    can_manage(&caller.viewer(), &report.access())?;
    let req = body.value;
    let mut diags = Vec::new();
    if report.tlp == Tlp::Red && !req.orgs.is_empty() {
        diags.push(Diagnostic::new("red_needs_principals", "/orgs", "TLP:RED is shared with named principals only"));
    }
    let mut orgs = Vec::new();
    for (i, name) in req.orgs.iter().enumerate() {
        match state.store.get_org_by_name(name).await? {
            Some(o) => orgs.push(o.id),
            None => diags.push(Diagnostic::new("unknown_org", format!("/orgs/{i}"), format!("no organisation named {name:?}"))),
        }
    }
    for (i, p) in req.principals.iter().enumerate() {
        if state.store.get_principal(*p).await?.is_none() {
            diags.push(Diagnostic::new("unknown_principal", format!("/principals/{i}"), format!("no principal {p}")));
        }
    }
    if !diags.is_empty() {
        return Err(ApiError::invalid(diags));
    }
    let updated = state.store.share_report(&AuditActor::Principal(who.principal.id), &report.id, &orgs, &req.principals, state.now()).await?;
    Ok(Json(view(&caller, updated, vec![])))
}
