//! The OSV API, shaped as osv.dev's (`POST /v1/query`, `POST /v1/querybatch`,
//! `GET /v1/vulns/{id}`), so existing OSV clients (osv-scanner, `clearinghouse scan --server`,
//! the Python and Go clients) work against a clearinghouse; plus `POST /v1/advisories` for
//! coordinators to import OSV records.
//!
//! Answers come from the replica's in-memory index ([`crate::advisories`]), refreshed from the
//! store before each request, and pass the TLP policy per advisory: anonymous callers see CLEAR
//! advisories only. Differences from osv.dev, on purpose: an advisory whose ranges cannot decide
//! (an "undetermined" verdict, say an unparsable version) is listed, because silence would read as
//! "not affected"; and results are never paginated (no `next_page_token`).

use crate::AppState;
use crate::auth::{Caller, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, path_rejection};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use clearinghouse_matcher::Index;
use clearinghouse_model::policy::Viewer;
use clearinghouse_model::{Diagnostic, Tlp};
use clearinghouse_osv::{Ecosystem, Purl, Record, affected_by_commit, package_for_purl, parse_record};
use clearinghouse_store::{AdvisoryOwner, AuditActor, ImportOutcome, NewAdvisory};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

type Envelope = crate::error::ErrorEnvelope;

/// Most queries in one `querybatch` (osv.dev's limit too).
pub const MAX_BATCH: usize = 1000;
/// Most records in one `POST /v1/advisories`.
pub const MAX_IMPORT: usize = 5000;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OsvPackage {
    pub name: Option<String>,
    /// An OSV ecosystem, for example `crates.io`, `PyPI` or `Debian:12`.
    pub ecosystem: Option<String>,
    /// A package URL; with a version in it, `version` must be absent.
    pub purl: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OsvQuery {
    /// A full commit hash: advisories whose GIT ranges name it.
    pub commit: Option<String>,
    pub version: Option<String>,
    pub package: Option<OsvPackage>,
    /// Accepted for compatibility; results are never paginated.
    pub page_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OsvVulnList {
    /// Full OSV records; absent when nothing matches (as osv.dev answers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub vulns: Vec<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OsvBatchQuery {
    pub queries: Vec<OsvQuery>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OsvVulnRef {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OsvBatchResult {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulns: Vec<OsvVulnRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OsvBatchResponse {
    pub results: Vec<OsvBatchResult>,
}

/// What one query asks, checked.
enum Ask {
    Version { ecosystem: Ecosystem, name: String, version: String },
    Package { ecosystem: Ecosystem, name: String },
    Commit(String),
}

fn bad(code: &'static str, pointer: String, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, pointer, message)
}

/// Checks one query as osv.dev does, with every problem's pointer under `at`.
fn check(q: &OsvQuery, at: &str) -> Result<Ask, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    if let Some(commit) = &q.commit {
        if q.package.is_some() || q.version.is_some() {
            problems.push(bad("invalid_query", format!("{at}/commit"), "a commit query takes neither a package nor a version"));
        }
        let hex_ok = (7..=64).contains(&commit.len()) && commit.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex_ok {
            problems.push(bad("invalid_commit", format!("{at}/commit"), "a commit is a hexadecimal hash"));
        }
        return if problems.is_empty() { Ok(Ask::Commit(commit.to_ascii_lowercase())) } else { Err(problems) };
    }
    let Some(pkg) = &q.package else {
        return Err(vec![bad("invalid_query", format!("{at}/package"), "a query names a package (name and ecosystem, or purl) or a commit")]);
    };
    let (ecosystem, name, purl_version) = if let Some(purl) = &pkg.purl {
        if pkg.name.is_some() || pkg.ecosystem.is_some() {
            problems.push(bad("invalid_query", format!("{at}/package"), "give either purl, or name and ecosystem, not both"));
        }
        let parsed = match Purl::parse(purl) {
            Ok(p) => p,
            Err(e) => return Err(vec![bad("invalid_purl", format!("{at}/package/purl"), e.to_string())]),
        };
        match package_for_purl(&parsed) {
            Ok(p) => (p.ecosystem, p.name, p.version),
            Err(d) => return Err(vec![Diagnostic { pointer: format!("{at}/package/purl"), ..d }]),
        }
    } else {
        let (Some(name), Some(eco)) = (&pkg.name, &pkg.ecosystem) else {
            return Err(vec![bad("invalid_query", format!("{at}/package"), "a package needs a name and an ecosystem, or a purl")]);
        };
        match Ecosystem::parse(eco) {
            Ok(e) => (e, name.clone(), None),
            Err(e) => return Err(vec![bad("unknown_ecosystem", format!("{at}/package/ecosystem"), format!("{eco:?}: {e}"))]),
        }
    };
    if purl_version.is_some() && q.version.is_some() {
        problems.push(bad("invalid_query", format!("{at}/version"), "the purl carries a version already"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(match purl_version.or_else(|| q.version.clone()) {
        Some(version) => Ask::Version { ecosystem, name, version },
        None => Ask::Package { ecosystem, name },
    })
}

/// The records (sorted by id) of the advisories `viewer` may see that answer `ask`.
fn answer<'a>(snapshot: &'a crate::advisories::Snapshot, viewer: &Viewer, ask: &Ask) -> Vec<&'a Record> {
    let index: &Index = &snapshot.index;
    let mut out: Vec<&Record> = match ask {
        Ask::Version { ecosystem, name, version } => index.query(ecosystem, name, version).matches.iter().filter_map(|m| snapshot.record(&m.id)).collect(),
        Ask::Package { ecosystem, name } => index.advisories_for_package(ecosystem, name).into_iter().map(|a| &a.record).collect(),
        Ask::Commit(commit) => snapshot
            .git
            .iter()
            .filter_map(|id| index.get(id))
            .filter(|a| !a.withdrawn && affected_by_commit(&a.record, None, commit).affected() != Some(false))
            .map(|a| &a.record)
            .collect(),
    };
    out.retain(|r| snapshot.visible(viewer, &r.id));
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Which advisories affect a package version (or name a commit): osv.dev's `/v1/query`.
#[utoipa::path(post, path = "/v1/query", tag = "osv", request_body = OsvQuery, security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the advisories, as full OSV records", body = OsvVulnList),
        (status = 400, description = "a query that names no package, an unknown ecosystem, a bad purl", body = Envelope),
        (status = 401, body = Envelope),
    ))]
pub async fn query(State(state): State<AppState>, caller: Caller, body: JsonBody<OsvQuery>) -> ApiResult<Json<OsvVulnList>> {
    let ask = check(&body.value, "").map_err(invalid_query)?;
    state.advisories.refresh(state.store.as_ref(), state.now()).await?;
    let viewer = caller.viewer();
    let vulns = state.advisories.read(|s| answer(s, &viewer, &ask).into_iter().map(|r| serde_json::to_value(r).unwrap_or(Value::Null)).collect());
    Ok(Json(OsvVulnList { vulns }))
}

fn invalid_query(diagnostics: Vec<Diagnostic>) -> ApiError {
    let mut e = ApiError::invalid(diagnostics);
    e.status = axum::http::StatusCode::BAD_REQUEST;
    e.code = "invalid_query";
    e
}

/// Many queries at once (at most 1000): osv.dev's `/v1/querybatch`, answering ids and
/// `modified` only; fetch the records with `GET /v1/vulns/{id}`.
#[utoipa::path(post, path = "/v1/querybatch", tag = "osv", request_body = OsvBatchQuery, security((), ("bearer" = [])),
    responses(
        (status = 200, description = "one result per query, in order", body = OsvBatchResponse),
        (status = 400, description = "a bad query (every problem is listed with its pointer), or more than 1000 queries", body = Envelope),
        (status = 401, body = Envelope),
    ))]
pub async fn query_batch(State(state): State<AppState>, caller: Caller, body: JsonBody<OsvBatchQuery>) -> ApiResult<Json<OsvBatchResponse>> {
    let queries = &body.value.queries;
    if queries.len() > MAX_BATCH {
        return Err(ApiError::bad_request("too_many_queries", format!("{} queries; at most {MAX_BATCH} per batch", queries.len())).at("/queries"));
    }
    let mut asks = Vec::with_capacity(queries.len());
    let mut problems = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        match check(q, &format!("/queries/{i}")) {
            Ok(a) => asks.push(a),
            Err(d) => problems.extend(d),
        }
    }
    if !problems.is_empty() {
        return Err(invalid_query(problems));
    }
    state.advisories.refresh(state.store.as_ref(), state.now()).await?;
    let viewer = caller.viewer();
    let results = state.advisories.read(|s| {
        asks.iter()
            .map(|ask| OsvBatchResult {
                vulns: answer(s, &viewer, ask).into_iter().map(|r| OsvVulnRef { id: r.id.clone(), modified: r.modified.clone() }).collect(),
            })
            .collect()
    });
    Ok(Json(OsvBatchResponse { results }))
}

/// One advisory as its full OSV record (withdrawn ones too, with `withdrawn` set).
#[utoipa::path(get, path = "/v1/vulns/{id}", tag = "osv", params(("id" = String, Path, description = "the advisory id, for example RUSTSEC-2021-0003")), security((), ("bearer" = [])),
    responses(
        (status = 200, description = "the OSV record", body = Object),
        (status = 401, body = Envelope),
        (status = 404, description = "no such advisory, or not visible to you", body = Envelope),
    ))]
pub async fn get_vuln(State(state): State<AppState>, caller: Caller, id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let Path(id) = id.map_err(path_rejection)?;
    match state.store.get_advisory(&id).await? {
        Some(stored) if clearinghouse_model::policy::can_read(&caller.viewer(), &stored.access()) => {
            Ok(Json(serde_json::to_value(&stored.record).map_err(ApiError::internal)?))
        }
        Some(_) => Err(ApiError::not_found()),
        // Not an OSV record held: a vulnerability known from other formats (CVE 5, KEV), as OSV.
        None => Ok(Json(crate::routes::vulns::osv_from_model(&state, &caller, &id).await?)),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// OSV records (JSON objects), at most 5000.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<Box<serde_json::value::RawValue>>,
    /// The label of every record in the request; CLEAR when absent. A label other than CLEAR
    /// makes the importing organisation the advisories' owner.
    #[serde(default)]
    pub tlp: Option<Tlp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDiagnostics {
    /// Position in `records`.
    pub index: usize,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub inserted: usize,
    pub updated: usize,
    /// Records whose stored copy has the same or a later `modified`.
    pub unchanged: usize,
    /// Records that are not readable OSV: not imported, every problem listed.
    pub rejected: Vec<RecordDiagnostics>,
    pub findings_opened: usize,
    pub findings_closed: usize,
    pub assets_changed: usize,
    /// Vulnerabilities of the model (`GET /v1/vulns`) the public records created or changed.
    pub vulnerabilities_changed: usize,
    /// What happened to each imported record, in request order (rejected ones left out).
    pub outcomes: Vec<ImportOutcomeView>,
    /// What the OSV linter found in the imported records (imported as written): ranges without
    /// `introduced`, ranges that are not distinct, unknown ecosystems, versions the ecosystem
    /// cannot read, and the rest of upstream's checks. Records without problems are left out.
    pub lint: Vec<RecordDiagnostics>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOutcomeView {
    pub id: String,
    #[schema(value_type = String)]
    pub outcome: ImportOutcome,
}

/// Import OSV records (coordinators): upsert by id and `modified`, re-match the assets they
/// concern, record finding events. Unreadable records are listed, the rest imported.
#[utoipa::path(post, path = "/v1/advisories", tag = "osv", request_body = ImportRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "imported; unreadable records are listed in `rejected`", body = ImportResult),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 413, body = Envelope),
    ))]
pub async fn import(State(state): State<AppState>, Signed(caller): Signed, body: JsonBody<ImportRequest>) -> ApiResult<Json<ImportResult>> {
    let who = caller.require_coordinator()?;
    let req = body.value;
    if req.records.len() > MAX_IMPORT {
        return Err(ApiError::bad_request("too_many_records", format!("{} records; at most {MAX_IMPORT} per request", req.records.len())).at("/records"));
    }
    let tlp = req.tlp.unwrap_or(Tlp::Clear);
    let owner = (tlp != Tlp::Clear).then_some(AdvisoryOwner { org: who.org.id, principal: who.principal.id });
    let mut batch = Vec::new();
    let mut rejected = Vec::new();
    let mut lint = Vec::new();
    for (i, raw) in req.records.iter().enumerate() {
        let (record, mut diagnostics) = parse_record(raw.get().as_bytes());
        match record {
            Some(record) => {
                let mut problems = clearinghouse_osv::lint(&record);
                if !problems.is_empty() {
                    for d in &mut problems {
                        d.pointer = format!("/records/{i}{}", d.pointer);
                    }
                    lint.push(RecordDiagnostics { index: i, diagnostics: problems });
                }
                batch.push(NewAdvisory { record, tlp, owner, source: "osv".into() })
            }
            None => {
                for d in &mut diagnostics {
                    d.pointer = format!("/records/{i}{}", d.pointer);
                }
                rejected.push(RecordDiagnostics { index: i, diagnostics });
            }
        }
    }
    let (summary, outcomes) = state.store.import_advisories(&AuditActor::Principal(who.principal.id), &batch, state.now()).await?;
    let outcomes = batch.iter().zip(outcomes).map(|(a, outcome)| ImportOutcomeView { id: a.record.id.clone(), outcome }).collect();
    Ok(Json(ImportResult {
        inserted: summary.inserted,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected,
        findings_opened: summary.findings_opened,
        findings_closed: summary.findings_closed,
        assets_changed: summary.assets_changed,
        vulnerabilities_changed: summary.vulnerabilities_changed,
        outcomes,
        lint,
    }))
}
