//! Operators' assets: an SBOM (or lockfile) per system, its findings against every advisory the
//! clearinghouse holds, and VEX documents that say which findings do not apply.
//!
//! The body of `POST /v1/assets` and `PUT /v1/assets/{id}` is the SBOM itself, in whatever format
//! (CycloneDX JSON or XML, SPDX JSON, tag-value or 3.0 JSON-LD, or a lockfile; `file_name` helps
//! tell lockfiles apart), so that `curl --data-binary @bom.json` works and a large document is
//! never wrapped in JSON. Labels default to AMBER: an operator's SBOM is its own.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_rejection, query_rejection};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use clearinghouse_model::policy::{Viewer, can_manage, can_read};
use clearinghouse_model::{Diagnostic, Tlp};
use clearinghouse_osv::Verdict;
use clearinghouse_sbom::{Format, Sbom};
use clearinghouse_store::{
    AssetComponent, AssetMission, AuditActor, FindingPriority, NewAsset, NewVex, StoredAsset, StoredFinding, asset_components, mission::finding_priority,
};
use clearinghouse_vex::{Statement, Status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

type Envelope = crate::error::ErrorEnvelope;

/// Largest SBOM or VEX body accepted over HTTP (64 MiB); the route raises the server's general
/// body limit to this.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// SBOM diagnostics returned with an upload; the rest are counted.
const MAX_DIAGNOSTICS_SHOWN: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssetParams {
    /// A name for people: 1 to 200 characters.
    pub name: String,
    /// AMBER when absent.
    pub tlp: Option<Tlp>,
    /// The document's file name, to tell lockfiles apart (`Cargo.lock`, `requirements.txt`, `go.mod`).
    pub file_name: Option<String>,
    /// On updates: the revision the change is based on; a newer stored revision is a 409.
    pub revision: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetView {
    pub id: Uuid,
    pub name: String,
    pub tlp: Tlp,
    pub owner_org: Uuid,
    pub created_by: Uuid,
    /// What the SBOM was read as.
    pub sbom_format: String,
    pub sbom_sha256: String,
    pub components: i64,
    pub revision: i64,
    /// The operator's deployment facts for SSVC (`PUT /v1/assets/{id}/mission`), as decision point keys.
    pub mission: AssetMission,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<StoredAsset> for AssetView {
    fn from(a: StoredAsset) -> Self {
        Self {
            id: a.id,
            name: a.name,
            tlp: a.tlp,
            owner_org: a.owner_org,
            created_by: a.created_by,
            sbom_format: a.sbom_format,
            sbom_sha256: a.sbom_sha256,
            components: a.component_count,
            revision: a.revision,
            mission: a.mission,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetUpload {
    pub asset: AssetView,
    /// Findings that appeared (and, on updates, went away) with this SBOM.
    pub findings_opened: usize,
    pub findings_closed: usize,
    /// Components that cannot be matched (no package URL or ecosystem, no version); see the findings view for why.
    pub unmatched: usize,
    /// Problems met reading the SBOM (the document was still read); at most 200 are listed.
    pub diagnostics: Vec<Diagnostic>,
    pub diagnostics_total: usize,
}

fn describe_format(f: &Format) -> String {
    match f {
        Format::CycloneDx { spec, encoding } => format!("CycloneDX {spec} ({encoding:?})").to_lowercase().replace("cyclonedx", "CycloneDX"),
        Format::Spdx { spec, encoding } => format!("SPDX {spec} ({encoding:?})").to_lowercase().replace("spdx", "SPDX"),
        Format::CargoLock { version } => format!("Cargo.lock v{version}"),
        Format::PackageLock { version } => format!("package-lock.json v{version}"),
        Format::Requirements => "requirements.txt".into(),
        Format::PoetryLock { version } => format!("poetry.lock{}", version.as_deref().map(|v| format!(" v{v}")).unwrap_or_default()),
        Format::GoMod => "go.mod".into(),
        Format::GemfileLock => "Gemfile.lock".into(),
        Format::ComposerLock => "composer.lock".into(),
    }
}

/// Reads the body as an SBOM: the error lists why when nothing can be read.
fn read_sbom(params: &AssetParams, body: &[u8]) -> ApiResult<(Sbom, String)> {
    let name = params.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("invalid_parameter", "name is 1 to 200 characters").at("name"));
    }
    let sbom = clearinghouse_sbom::read(body, params.file_name.as_deref()).map_err(|d| ApiError::invalid(vec![d]))?;
    Ok((sbom, hex::encode(Sha256::digest(body))))
}

fn new_asset(params: &AssetParams, sbom: &Sbom, sha: String, owner_org: Uuid, created_by: Uuid) -> NewAsset {
    NewAsset {
        name: params.name.trim().to_string(),
        tlp: params.tlp.unwrap_or(Tlp::Amber),
        owner_org,
        created_by,
        sbom_format: describe_format(&sbom.format),
        sbom_sha256: sha,
        components: asset_components(sbom),
    }
}

fn upload_view(asset: StoredAsset, d: &clearinghouse_store::FindingsDiff, new: &NewAsset, sbom: Sbom) -> AssetUpload {
    let total = sbom.diagnostics.len();
    AssetUpload {
        asset: asset.into(),
        findings_opened: d.opened.len(),
        findings_closed: d.closed.len(),
        unmatched: new.components.iter().filter(|c| c.unmatched.is_some()).count(),
        diagnostics: sbom.diagnostics.into_iter().take(MAX_DIAGNOSTICS_SHOWN).collect(),
        diagnostics_total: total,
    }
}

/// Register an asset: the body is its SBOM or lockfile. Its findings against every advisory
/// held are computed at once, and kept current as advisories arrive.
#[utoipa::path(post, path = "/v1/assets", tag = "assets", params(AssetParams), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the SBOM or lockfile, as is"),
    responses(
        (status = 201, body = AssetUpload),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 413, body = Envelope),
        (status = 422, description = "the document cannot be read as an SBOM or lockfile", body = Envelope),
    ))]
pub async fn create_asset(
    State(state): State<AppState>,
    Signed(caller): Signed,
    params: Result<Query<AssetParams>, QueryRejection>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AssetUpload>)> {
    let who = caller.require()?;
    let Query(params) = params.map_err(query_rejection)?;
    let (sbom, sha) = read_sbom(&params, &body)?;
    let new = new_asset(&params, &sbom, sha, who.org.id, who.principal.id);
    let (asset, d) = state.store.create_asset(&AuditActor::Principal(who.principal.id), &new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(upload_view(asset, &d, &new, sbom))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetList {
    pub assets: Vec<AssetView>,
}

/// The assets the caller may see (its organisation's, and any shared under their label).
#[utoipa::path(get, path = "/v1/assets", tag = "assets", security(("bearer" = [])),
    responses((status = 200, body = AssetList), (status = 401, body = Envelope)))]
pub async fn list_assets(State(state): State<AppState>, Signed(caller): Signed) -> ApiResult<Json<AssetList>> {
    let viewer = caller.viewer();
    let scope = if viewer.is_coordinator() { None } else { caller.0.as_ref().map(|a| a.org.id) };
    let assets = state.store.list_assets(scope).await?.into_iter().filter(|a| can_read(&viewer, &a.access())).map(AssetView::from).collect();
    Ok(Json(AssetList { assets }))
}

async fn visible_asset(state: &AppState, viewer: &Viewer, id: Result<Path<Uuid>, PathRejection>) -> ApiResult<StoredAsset> {
    let Path(id) = id.map_err(path_rejection)?;
    match state.store.get_asset(id).await? {
        Some(a) if can_read(viewer, &a.access()) => Ok(a),
        _ => Err(ApiError::not_found()),
    }
}

/// One asset.
#[utoipa::path(get, path = "/v1/assets/{id}", tag = "assets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = AssetView), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn get_asset(State(state): State<AppState>, Signed(caller): Signed, id: Result<Path<Uuid>, PathRejection>) -> ApiResult<Json<AssetView>> {
    Ok(Json(visible_asset(&state, &caller.viewer(), id).await?.into()))
}

/// Replace an asset's SBOM (and name and label): the findings are re-evaluated and the
/// difference recorded. With `revision`, refused (409) if the asset changed since.
#[utoipa::path(put, path = "/v1/assets/{id}", tag = "assets", params(("id" = Uuid, Path), AssetParams), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the new SBOM or lockfile"),
    responses(
        (status = 200, body = AssetUpload),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope),
        (status = 409, description = "the asset changed since `revision`", body = Envelope), (status = 413, body = Envelope), (status = 422, body = Envelope),
    ))]
pub async fn replace_asset(
    State(state): State<AppState>,
    Signed(caller): Signed,
    id: Result<Path<Uuid>, PathRejection>,
    params: Result<Query<AssetParams>, QueryRejection>,
    body: Bytes,
) -> ApiResult<Json<AssetUpload>> {
    let who = caller.require()?;
    let current = visible_asset(&state, &caller.viewer(), id).await?;
    can_manage(&caller.viewer(), &current.access())?;
    let Query(params) = params.map_err(query_rejection)?;
    let (sbom, sha) = read_sbom(&params, &body)?;
    let new = new_asset(&params, &sbom, sha, current.owner_org, current.created_by);
    let (asset, d) = state.store.replace_asset(&AuditActor::Principal(who.principal.id), current.id, params.revision, &new, state.now()).await?;
    Ok(Json(upload_view(asset, &d, &new, sbom)))
}

/// Delete an asset with its findings and VEX documents.
#[utoipa::path(delete, path = "/v1/assets/{id}", tag = "assets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope)))]
pub async fn delete_asset(State(state): State<AppState>, Signed(caller): Signed, id: Result<Path<Uuid>, PathRejection>) -> ApiResult<StatusCode> {
    let who = caller.require()?;
    let current = visible_asset(&state, &caller.viewer(), id).await?;
    can_manage(&caller.viewer(), &current.access())?;
    state.store.delete_asset(&AuditActor::Principal(who.principal.id), current.id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a finding means once the asset's VEX statements are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Affected,
    /// The advisory's ranges could not decide; no VEX statement says otherwise.
    Undetermined,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentView {
    pub index: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// Where it is in the SBOM.
    pub location: String,
}

impl From<&AssetComponent> for ComponentView {
    fn from(c: &AssetComponent) -> Self {
        Self {
            index: c.idx,
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            ecosystem: c.ecosystem.clone(),
            location: c.location.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VexApplied {
    /// The VEX document (see `GET /v1/assets/{id}/vex`) and the statement's place in it.
    pub document: Uuid,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    pub component: ComponentView,
    pub advisory: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The matcher's verdict: `affected` or `undetermined`.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// The verdict after VEX: what to act on.
    pub status: FindingStatus,
    /// The VEX statement that set `status`, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexApplied>,
    /// The ranges and listed versions that contain the version.
    #[schema(value_type = Object)]
    pub matched_ranges: serde_json::Value,
    /// SSVC for this asset: the deployer's patch-application priority and CISA's coordinator
    /// decision with the asset's mission settings, BOD 26-04's timeline for federal agencies, each
    /// with its inputs and table version or the inputs still missing; KEV and CVSS.
    pub priority: FindingPriority,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnmatchedView {
    pub component: ComponentView,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingsView {
    pub asset: AssetView,
    /// By component, then advisory id. Findings of advisories the caller may not read are left out.
    pub findings: Vec<FindingView>,
    /// Components that cannot be matched, with why.
    pub unmatched: Vec<UnmatchedView>,
}

/// The last statement of the asset's VEX documents (in upload order, later wins) about this
/// advisory (by id or alias) and this component.
fn vex_for<'a>(documents: &'a [(Uuid, Vec<Statement>)], f: &StoredFinding) -> Option<(Uuid, &'a Statement)> {
    let ids: Vec<&str> = std::iter::once(f.advisory.as_str()).chain(f.aliases.iter().map(String::as_str)).collect();
    let c = &f.component;
    documents.iter().rev().find_map(|(doc, statements)| {
        statements
            .iter()
            .rev()
            .find(|s| {
                s.names_vulnerability(ids.iter().copied()) && s.products.iter().any(|p| p.matches_component(c.purl.as_deref(), c.bom_ref.as_deref(), &c.cpes))
            })
            .map(|s| (*doc, s))
    })
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingOrder {
    /// What to act on first: findings still to act on (affected, undetermined, under
    /// investigation) before those VEX settled; then the deployer outcome, BOD 26-04's timeline,
    /// CISA's coordinator outcome, KEV, CVSS (larger first); then component and advisory.
    #[default]
    Priority,
    /// By component, then advisory id.
    Component,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingsParams {
    /// `priority` (the default) or `component`.
    pub order: Option<FindingOrder>,
}

fn settled(status: FindingStatus) -> bool {
    matches!(status, FindingStatus::NotAffected | FindingStatus::Fixed)
}

/// Most urgent first: findings still to act on before those VEX settled, then the priority key.
fn by_priority(a: &FindingView, b: &FindingView) -> std::cmp::Ordering {
    settled(a.status).cmp(&settled(b.status)).then_with(|| b.priority.key().cmp(&a.priority.key()))
}

fn sort_findings(findings: &mut [FindingView], order: FindingOrder) {
    let by_component = |a: &FindingView, b: &FindingView| a.component.index.cmp(&b.component.index).then_with(|| a.advisory.cmp(&b.advisory));
    match order {
        FindingOrder::Component => findings.sort_by(by_component),
        FindingOrder::Priority => findings.sort_by(|a, b| by_priority(a, b).then_with(|| by_component(a, b))),
    }
}

/// Whether an organisation is a federal agency (BOD 26-04 applies to its assets).
async fn is_federal(state: &AppState, org: Uuid) -> ApiResult<bool> {
    Ok(state.store.get_org(org).await?.is_some_and(|o| o.kind == clearinghouse_model::OrgKind::Agency))
}

/// The findings of one asset the viewer may see, with VEX applied and their priority.
/// `federal`: the asset's owner is a federal agency.
async fn finding_views(state: &AppState, viewer: &Viewer, asset: &StoredAsset, federal: bool) -> ApiResult<Vec<FindingView>> {
    let documents: Vec<(Uuid, Vec<Statement>)> =
        state.store.asset_vex(asset.id).await?.into_iter().map(|v| (v.id, serde_json::from_value(v.statements).unwrap_or_default())).collect();
    let stored: Vec<StoredFinding> = state.store.asset_findings(asset.id).await?.into_iter().filter(|f| can_read(viewer, &f.advisory_access())).collect();
    // The model knows a vulnerability by any of its ids: the advisory's own first, then its aliases.
    let mut ids: Vec<String> = stored.iter().flat_map(|f| std::iter::once(&f.advisory).chain(&f.aliases)).cloned().collect();
    ids.sort();
    ids.dedup();
    let known = state.store.vulnerability_priorities(&ids).await?;
    let findings = stored
        .iter()
        .map(|f| {
            let applied = vex_for(&documents, f);
            let status = match applied.map(|(_, s)| s.status) {
                Some(Status::NotAffected) => FindingStatus::NotAffected,
                Some(Status::Fixed) => FindingStatus::Fixed,
                Some(Status::UnderInvestigation) => FindingStatus::UnderInvestigation,
                Some(Status::Affected) => FindingStatus::Affected,
                None if f.verdict == Verdict::Undetermined => FindingStatus::Undetermined,
                None => FindingStatus::Affected,
            };
            let vulnerability = std::iter::once(&f.advisory).chain(&f.aliases).find_map(|id| known.get(id)).map(|(id, p)| (id.as_str(), p));
            FindingView {
                component: (&f.component).into(),
                advisory: f.advisory.clone(),
                aliases: f.aliases.clone(),
                summary: f.summary.clone(),
                verdict: f.verdict,
                status,
                vex: applied.map(|(doc, s)| VexApplied {
                    document: doc,
                    location: s.location.clone(),
                    justification: s.justification.clone(),
                    detail: s.detail.clone(),
                    action: s.action.clone(),
                }),
                matched_ranges: f.matched.clone(),
                priority: finding_priority(vulnerability, &asset.mission, federal),
                first_seen: f.first_seen,
            }
        })
        .collect();
    Ok(findings)
}

/// An asset's findings, with VEX applied and their priority for this asset, and its unmatched
/// components.
#[utoipa::path(get, path = "/v1/assets/{id}/findings", tag = "assets", params(("id" = Uuid, Path), FindingsParams), security(("bearer" = [])),
    responses((status = 200, body = FindingsView), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn asset_findings(
    State(state): State<AppState>,
    Signed(caller): Signed,
    id: Result<Path<Uuid>, PathRejection>,
    params: Result<Query<FindingsParams>, QueryRejection>,
) -> ApiResult<Json<FindingsView>> {
    let Query(params) = params.map_err(query_rejection)?;
    let viewer = caller.viewer();
    let asset = visible_asset(&state, &viewer, id).await?;
    let federal = is_federal(&state, asset.owner_org).await?;
    let mut findings = finding_views(&state, &viewer, &asset, federal).await?;
    sort_findings(&mut findings, params.order.unwrap_or_default());
    let unmatched = state
        .store
        .asset_components(asset.id)
        .await?
        .iter()
        .filter_map(|c| c.unmatched.as_ref().map(|why| UnmatchedView { component: c.into(), reason: why.clone() }))
        .collect();
    Ok(Json(FindingsView { asset: asset.into(), findings, unmatched }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AllFindingsParams {
    /// `priority` (the default) or `component` (by asset, then component).
    pub order: Option<FindingOrder>,
    /// Findings to skip.
    #[serde(default)]
    pub offset: u32,
    /// At most this many (1 to 1,000; 100 by default).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetFindingView {
    /// The asset the finding is on.
    pub asset: Uuid,
    pub asset_name: String,
    #[serde(flatten)]
    pub finding: FindingView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllFindings {
    pub findings: Vec<AssetFindingView>,
    /// Findings in all.
    pub total: usize,
    /// The `offset` of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u32>,
}

/// Every finding on the assets the caller may see (its organisation's; a coordinator's: all),
/// ordered as in `GET /v1/assets/{id}/findings`: what to patch first, across all of them.
#[utoipa::path(get, path = "/v1/findings", tag = "assets", params(AllFindingsParams), security(("bearer" = [])),
    responses((status = 200, body = AllFindings), (status = 400, body = Envelope), (status = 401, body = Envelope)))]
pub async fn all_findings(
    State(state): State<AppState>,
    Signed(caller): Signed,
    params: Result<Query<AllFindingsParams>, QueryRejection>,
) -> ApiResult<Json<AllFindings>> {
    caller.require()?;
    let Query(params) = params.map_err(query_rejection)?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("invalid_parameter", "limit is 1 to 1000").at("limit"));
    }
    let viewer = caller.viewer();
    let scope = if viewer.is_coordinator() { None } else { caller.0.as_ref().map(|a| a.org.id) };
    let mut all: Vec<AssetFindingView> = Vec::new();
    let mut federal_orgs: std::collections::BTreeMap<Uuid, bool> = std::collections::BTreeMap::new();
    for asset in state.store.list_assets(scope).await?.into_iter().filter(|a| can_read(&viewer, &a.access())) {
        // One organisation owns many assets: its kind is read once.
        let federal = match federal_orgs.get(&asset.owner_org) {
            Some(f) => *f,
            None => {
                let f = is_federal(&state, asset.owner_org).await?;
                federal_orgs.insert(asset.owner_org, f);
                f
            }
        };
        for finding in finding_views(&state, &viewer, &asset, federal).await? {
            all.push(AssetFindingView { asset: asset.id, asset_name: asset.name.clone(), finding });
        }
    }
    // Assets are listed oldest first; the sort is stable, so ties stay in that order.
    match params.order.unwrap_or_default() {
        FindingOrder::Component => {}
        FindingOrder::Priority => all.sort_by(|a, b| by_priority(&a.finding, &b.finding)),
    }
    let total = all.len();
    let findings: Vec<AssetFindingView> = all.into_iter().skip(params.offset as usize).take(limit as usize).collect();
    let next = params.offset as usize + findings.len();
    Ok(Json(AllFindings { findings, total, next_offset: (next < total).then_some(next as u32) }))
}

/// Set an asset's mission settings: the facts about its deployment that SSVC asks of operators
/// (System Exposure, Mission Impact, Safety Impact, Mission Prevalence, Public Well-Being Impact,
/// Publicly Exposed). Values by key or name (`"open"` or `"O"`); absent fields are unset. The
/// asset's findings are prioritised with them from then on.
#[utoipa::path(put, path = "/v1/assets/{id}/mission", tag = "assets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    request_body = AssetMission,
    responses(
        (status = 200, body = AssetView),
        (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope),
        (status = 422, description = "a value that is not one of its decision point's; every one is listed", body = Envelope),
    ))]
pub async fn set_mission(
    State(state): State<AppState>,
    Signed(caller): Signed,
    id: Result<Path<Uuid>, PathRejection>,
    body: crate::extract::JsonBody<AssetMission>,
) -> ApiResult<Json<AssetView>> {
    let who = caller.require()?;
    let asset = visible_asset(&state, &caller.viewer(), id).await?;
    can_manage(&caller.viewer(), &asset.access())?;
    let mission = body.value.normalised().map_err(ApiError::invalid)?;
    let asset = state.store.set_asset_mission(&AuditActor::Principal(who.principal.id), asset.id, &mission, state.now()).await?;
    Ok(Json(asset.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VexView {
    pub id: Uuid,
    /// `cyclonedx`, `csaf` or `openvex`.
    pub format: String,
    pub sha256: String,
    /// The statements as read.
    #[schema(value_type = Vec<Object>)]
    pub statements: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Problems met reading the document (on upload only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

/// Attach a VEX document (CycloneDX VEX, CSAF VEX or OpenVEX, recognised by content) to an
/// asset: its statements turn matching findings `not_affected`, `fixed` or `under_investigation`.
#[utoipa::path(post, path = "/v1/assets/{id}/vex", tag = "assets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "the VEX document, as is"),
    responses(
        (status = 201, body = VexView),
        (status = 400, description = "the body is not JSON", body = Envelope),
        (status = 401, body = Envelope), (status = 403, body = Envelope), (status = 404, body = Envelope), (status = 413, body = Envelope),
        (status = 422, description = "not a readable VEX document; every problem is listed", body = Envelope),
    ))]
pub async fn add_vex(
    State(state): State<AppState>,
    Signed(caller): Signed,
    id: Result<Path<Uuid>, PathRejection>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<VexView>)> {
    let who = caller.require()?;
    let asset = visible_asset(&state, &caller.viewer(), id).await?;
    can_manage(&caller.viewer(), &asset.access())?;
    let doc = clearinghouse_vex::read(&body).map_err(|diagnostics| {
        use clearinghouse_vex::codes::{EMPTY, INVALID_JSON, TOO_DEEP};
        // Not JSON at all is a malformed request; JSON that is no VEX is an invalid document.
        let malformed = diagnostics.iter().any(|d| [EMPTY, INVALID_JSON, TOO_DEEP].contains(&d.code.as_str()));
        let mut e = ApiError::invalid(diagnostics);
        if malformed {
            e.status = StatusCode::BAD_REQUEST;
            e.code = "malformed_json";
        }
        e
    })?;
    let format = match doc.format {
        clearinghouse_vex::VexFormat::CycloneDx { .. } => "cyclonedx",
        clearinghouse_vex::VexFormat::Csaf => "csaf",
        clearinghouse_vex::VexFormat::OpenVex { .. } => "openvex",
    };
    let new = NewVex {
        format: format.into(),
        sha256: hex::encode(Sha256::digest(&body)),
        statements: serde_json::to_value(&doc.statements).map_err(ApiError::internal)?,
        created_by: who.principal.id,
    };
    let v = state.store.add_asset_vex(&AuditActor::Principal(who.principal.id), asset.id, &new, state.now()).await?;
    let mut diagnostics = doc.diagnostics;
    diagnostics.truncate(MAX_DIAGNOSTICS_SHOWN);
    Ok((StatusCode::CREATED, Json(VexView { id: v.id, format: v.format, sha256: v.sha256, statements: v.statements, created_at: v.created_at, diagnostics })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VexList {
    pub documents: Vec<VexView>,
}

/// The VEX documents attached to an asset, in upload order.
#[utoipa::path(get, path = "/v1/assets/{id}/vex", tag = "assets", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = VexList), (status = 401, body = Envelope), (status = 404, body = Envelope)))]
pub async fn list_vex(State(state): State<AppState>, Signed(caller): Signed, id: Result<Path<Uuid>, PathRejection>) -> ApiResult<Json<VexList>> {
    let asset = visible_asset(&state, &caller.viewer(), id).await?;
    let documents = state
        .store
        .asset_vex(asset.id)
        .await?
        .into_iter()
        .map(|v| VexView { id: v.id, format: v.format, sha256: v.sha256, statements: v.statements, created_at: v.created_at, diagnostics: vec![] })
        .collect();
    Ok(Json(VexList { documents }))
}
