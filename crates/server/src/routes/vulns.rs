//! The vulnerability model over HTTP: the prioritised list (`GET /v1/vulns`), one vulnerability
//! merged from all its sources with their conflicts (`GET /v1/vulns/{id}/merged`), its export in a
//! format (`GET /v1/vulns/{id}/export/{format}`), and the import of source documents by
//! coordinators (`POST /v1/sources`: a CVE JSON 5 record, a CSAF document, the KEV catalog, an OSV
//! record).
//!
//! Visibility goes through `policy::can_read` like everything else; every source record is
//! TLP:CLEAR today (the store refuses others), so anonymous callers read these too.

use crate::AppState;
use crate::auth::{Caller, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_rejection, query_rejection};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use clearinghouse_advisory::{SourceRecord, cve5, kev};
use clearinghouse_model::policy::can_read;
use clearinghouse_model::{Diagnostic, Tlp};
use clearinghouse_store::mission::stakeholder_decision;
use clearinghouse_store::vulns::{NewSourceRecord, VulnOrder};
use clearinghouse_store::{AuditActor, Stakeholder, StakeholderDecision, StoredVulnerability};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

type Envelope = crate::error::ErrorEnvelope;

/// Most vulnerabilities in one page of `GET /v1/vulns`.
pub const MAX_PAGE: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `priority` (default: SSVC outcome, then KEV, then CVSS) or `changed` (most recent first).
    pub order: Option<String>,
    #[serde(default)]
    pub offset: u32,
    /// At most 500; 100 when absent.
    pub limit: Option<u32>,
}

/// One vulnerability in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct VulnSummary {
    pub id: String,
    /// Every id it is known by.
    pub ids: Vec<String>,
    pub title: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub withdrawn: bool,
    /// CISA's coordinator decision (`Track`, `Track*`, `Attend`, `Act`) when its inputs are known.
    pub ssvc: Option<String>,
    /// Why there is no decision: the decision points not known.
    pub ssvc_missing: Vec<String>,
    pub kev: bool,
    /// The highest CVSS base score a source states.
    pub cvss: Option<f64>,
    /// Fields on which its sources disagree.
    pub conflicts: Vec<String>,
    /// The formats and publishers it was read from (`cve5_cna:acme`, `osv:GHSA`, `kev:CISA`).
    pub sources: Vec<String>,
}

impl From<&StoredVulnerability> for VulnSummary {
    fn from(s: &StoredVulnerability) -> Self {
        let v = &s.vulnerability;
        VulnSummary {
            id: v.id.clone(),
            ids: v.ids.clone(),
            title: v.title.clone(),
            published: v.published.clone(),
            modified: v.modified.clone(),
            withdrawn: v.withdrawn,
            ssvc: s.priority.ssvc_outcome().map(str::to_string),
            ssvc_missing: s.priority.ssvc_missing.clone(),
            kev: s.priority.kev,
            cvss: s.priority.cvss,
            conflicts: v.conflicts.iter().map(|c| c.field.clone()).collect(),
            sources: v.records.iter().filter_map(|r| r.source.as_ref().map(|s| format!("{}:{}", s.format.name(), s.publisher))).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VulnList {
    pub vulns: Vec<VulnSummary>,
    /// The `offset` of the next page, when there may be one.
    pub next_offset: Option<u32>,
}

/// Vulnerabilities, most urgent first: SSVC outcome (Act, Attend, Track*, Track, then none), then
/// listed in KEV, then CVSS base score, then id. `order=changed` lists the most recently changed.
#[utoipa::path(get, path = "/v1/vulns", tag = "vulnerabilities", params(ListParams), security((), ("bearer" = [])),
    responses((status = 200, body = VulnList), (status = 400, body = Envelope), (status = 401, body = Envelope)))]
pub async fn list_vulns(State(state): State<AppState>, caller: Caller, params: Result<Query<ListParams>, QueryRejection>) -> ApiResult<Json<VulnList>> {
    let Query(params) = params.map_err(query_rejection)?;
    let order = match params.order.as_deref() {
        None | Some("priority") => VulnOrder::Priority,
        Some("changed") => VulnOrder::Changed,
        Some(other) => return Err(ApiError::bad_request("invalid_order", format!("order {other:?}: use priority or changed")).at("/order")),
    };
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request("invalid_limit", format!("limit {limit}: 1 to {MAX_PAGE}")).at("/limit"));
    }
    let page = state.store.list_vulnerabilities(order, params.offset, limit).await?;
    let full = page.len() as u32 == limit;
    let viewer = caller.viewer();
    let vulns: Vec<VulnSummary> = page.iter().filter(|v| can_read(&viewer, &v.access())).map(VulnSummary::from).collect();
    Ok(Json(VulnList { vulns, next_offset: full.then(|| params.offset.saturating_add(limit)) }))
}

fn rfc3339(t: time::OffsetDateTime) -> ApiResult<String> {
    t.format(&time::format_description::well_known::Rfc3339).map_err(ApiError::internal)
}

async fn visible(state: &AppState, caller: &Caller, id: &str) -> ApiResult<StoredVulnerability> {
    match state.store.get_vulnerability(id).await? {
        Some(v) if can_read(&caller.viewer(), &v.access()) => Ok(v),
        _ => Err(ApiError::not_found()),
    }
}

/// One vulnerability, by any of its ids: the merged view, its priority with the SSVC decision's
/// inputs and table version, the conflicts between sources, and every source's record whole.
#[utoipa::path(get, path = "/v1/vulns/{id}/merged", tag = "vulnerabilities", params(("id" = String, Path)), security((), ("bearer" = [])),
    responses((status = 200, description = "the merged vulnerability", body = Object), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_merged(State(state): State<AppState>, caller: Caller, id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let Path(id) = id.map_err(path_rejection)?;
    let v = visible(&state, &caller, &id).await?;
    Ok(Json(serde_json::to_value(&v).map_err(ApiError::internal)?))
}

/// One vulnerability in a publication format: `osv` (schema 1.7), `csaf` (CSAF 2.0, passing its
/// schema and mandatory tests) or `cve5` (a CVE JSON 5.1 CNA container). What a format cannot hold
/// is left out (see `clearinghouse-advisory`'s exporters).
#[utoipa::path(get, path = "/v1/vulns/{id}/export/{format}", tag = "vulnerabilities", params(("id" = String, Path), ("format" = String, Path)), security((), ("bearer" = [])),
    responses((status = 200, description = "the document", body = Object), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn export(State(state): State<AppState>, caller: Caller, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult<Json<Value>> {
    let Path((id, format)) = path.map_err(path_rejection)?;
    let v = visible(&state, &caller, &id).await?;
    let now = rfc3339(state.now())?;
    // The diagnostics (what the format cannot carry, the OSV linter's problems) are not part of the
    // answer: `clearinghouse export` prints them.
    let (document, _diagnostics) = crate::export::export_document(&v, &format, &state.config.publisher, &now)?;
    Ok(Json(document))
}

/// A stakeholder's SSVC decision on one vulnerability, as CERT/CC's calculator makes it but with
/// what the clearinghouse knows already filled in: `supplier` (vendors: give `VD` Value Density and
/// `SI` Safety Impact), `deployer` (operators: `EXP`, `SI`, `MI`; per asset, see
/// `PUT /v1/assets/{id}/mission`), `coordinator` (`MP`, `PWI`) or `bod-26-04` (federal agencies: `PE`).
/// Inputs are query parameters by decision point key, values by key or name; a given input wins over
/// the vulnerability's (an analyst's Technical Impact, say). The answer is the decision with its
/// inputs and table version, or the inputs still missing.
#[utoipa::path(get, path = "/v1/vulns/{id}/ssvc/{stakeholder}", tag = "vulnerabilities",
    params(("id" = String, Path), ("stakeholder" = String, Path, description = "supplier, deployer, coordinator or bod-26-04")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, body = StakeholderDecision),
        (status = 401, body = Envelope), (status = 404, body = Envelope),
        (status = 422, description = "an input the decision does not take, or a value that is not one of its decision point's; every one is listed", body = Envelope),
    ))]
pub async fn stakeholder_ssvc(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    given: Result<Query<std::collections::BTreeMap<String, String>>, QueryRejection>,
) -> ApiResult<Json<StakeholderDecision>> {
    let Path((id, stakeholder)) = path.map_err(path_rejection)?;
    let v = visible(&state, &caller, &id).await?;
    let Query(given) = given.map_err(query_rejection)?;
    let who = Stakeholder::parse(&stakeholder).ok_or_else(ApiError::not_found)?;
    Ok(Json(stakeholder_decision(who, Some(&v.priority), &given).map_err(ApiError::invalid)?))
}

/// The OSV record of a vulnerability known only from other formats (CVE 5, KEV), for
/// `GET /v1/vulns/{id}` when no OSV record has that id.
pub async fn osv_from_model(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Value> {
    let v = visible(state, caller, id).await?;
    // Asked by an alias, the answer is the record under its own id (which lists the alias).
    Ok(crate::export::osv_record(&v)?.0)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SourceParams {
    /// `cve5` (a CVE JSON 5.x record or CNA container), `csaf` (a CSAF 2.0 document), `kev` (CISA's
    /// catalog) or `osv` (one record).
    pub format: String,
    /// The CVE id of a bare CNA container, which does not name it.
    pub id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceImport {
    pub records: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub vulnerabilities_changed: usize,
    pub vulnerabilities_removed: usize,
    /// Every problem found in the document (the readable rest was imported).
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a source document into records (the same readers as `clearinghouse import`).
pub fn read_source(format: &str, id: Option<&str>, bytes: &[u8]) -> Result<(Vec<SourceRecord>, Vec<Diagnostic>), ApiError> {
    let unreadable = |d: Diagnostic| ApiError::invalid(vec![d]);
    match format {
        "cve5" => cve5::read(bytes, id).map(|i| (i.records, i.diagnostics)).map_err(unreadable),
        "kev" => kev::read(bytes).map(|(_, i)| (i.records, i.diagnostics)).map_err(unreadable),
        "csaf" => clearinghouse_advisory::csaf::read(bytes).map(|i| (i.records, i.diagnostics)).map_err(unreadable),
        "osv" => {
            let (record, diagnostics) = clearinghouse_osv::parse_record(bytes);
            match record {
                Some(r) => Ok((vec![clearinghouse_advisory::osv::from_record(&r)], diagnostics)),
                None => Err(ApiError::invalid(diagnostics)),
            }
        }
        other => Err(ApiError::bad_request("unknown_format", format!("format {other:?}: use cve5, csaf, kev or osv")).at("/format")),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// The report whose proof of concept the clearinghouse validated (`CLH-2026-00001`).
    pub report: String,
}

/// Record that the clearinghouse holds a validated, public proof of concept of this vulnerability
/// (coordinators): the report must be validated (or later: in a case, published), labelled
/// TLP:CLEAR, and carry a proof-of-concept file. SSVC's Exploitation becomes at least Public PoC
/// for the vulnerability, and stays so through later imports and merges. Answers the merged view.
#[utoipa::path(post, path = "/v1/vulns/{id}/evidence", tag = "vulnerabilities", params(("id" = String, Path)), security(("bearer" = [])),
    request_body = EvidenceRequest,
    responses(
        (status = 200, description = "the vulnerability, with its new priority", body = Object),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope),
        (status = 422, description = "the report does not exist, is not validated, not public, or has no proof of concept", body = Envelope),
    ))]
pub async fn add_evidence(
    State(state): State<AppState>,
    Signed(caller): Signed,
    id: Result<Path<String>, PathRejection>,
    body: crate::extract::JsonBody<EvidenceRequest>,
) -> ApiResult<Json<Value>> {
    use clearinghouse_model::ReportStatus;
    let who = caller.require_coordinator()?;
    let Path(id) = id.map_err(path_rejection)?;
    let refuse = |message: String| ApiError::invalid(vec![Diagnostic::new("not_public_poc", "/report", message)]);
    let report_id: clearinghouse_model::ReportId =
        body.value.report.trim().parse().map_err(|_| refuse(format!("{:?} is not a report id", body.value.report)))?;
    let report = match state.store.get_report(&report_id).await? {
        Some(r) if can_read(&caller.viewer(), &r.access()) => r,
        _ => return Err(refuse(format!("no report {report_id}"))),
    };
    if !matches!(report.status, ReportStatus::Validated | ReportStatus::InCase | ReportStatus::Published) {
        return Err(refuse(format!("{report_id} is {}: its proof of concept is not validated", report.status.as_str())));
    }
    if report.tlp != Tlp::Clear {
        return Err(refuse(format!("{report_id} is TLP:{}: its proof of concept is not public", report.tlp.as_str())));
    }
    if report.document.files.is_empty() {
        return Err(refuse(format!("{report_id} carries no proof-of-concept file")));
    }
    let v = state.store.add_vulnerability_evidence(&AuditActor::Principal(who.principal.id), &id, &report_id, state.now()).await?;
    Ok(Json(serde_json::to_value(&v).map_err(ApiError::internal)?))
}

/// Import a source document (coordinators): its records join the vulnerabilities their ids and
/// aliases name, in one transaction with its audit event. The body is the document as published.
#[utoipa::path(post, path = "/v1/sources", tag = "vulnerabilities", params(SourceParams), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/json", description = "the document, as published"),
    responses(
        (status = 200, body = SourceImport),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 413, body = Envelope),
        (status = 422, description = "nothing in the document can be read", body = Envelope),
    ))]
pub async fn import_source(
    State(state): State<AppState>,
    Signed(caller): Signed,
    params: Result<Query<SourceParams>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Json<SourceImport>> {
    let who = caller.require_coordinator()?;
    let Query(params) = params.map_err(query_rejection)?;
    let (records, diagnostics) = read_source(&params.format, params.id.as_deref(), &body)?;
    let batch: Vec<NewSourceRecord> = records.into_iter().map(|record| NewSourceRecord { record, tlp: Tlp::Clear }).collect();
    let s = state.store.import_source_records(&AuditActor::Principal(who.principal.id), &batch, state.now()).await?;
    Ok(Json(SourceImport {
        records: batch.len(),
        inserted: s.inserted,
        updated: s.updated,
        unchanged: s.unchanged,
        vulnerabilities_changed: s.vulnerabilities_changed,
        vulnerabilities_removed: s.vulnerabilities_removed,
        diagnostics,
    }))
}
