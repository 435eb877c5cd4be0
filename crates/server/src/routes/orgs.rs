//! Organisations.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clearinghouse_model::org::validate_new_org;
use clearinghouse_model::{OrgKind, Sector};
use clearinghouse_store::{AuditActor, NewOrg, Org, OrgLimits};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    /// A short lowercase slug: a-z, 0-9, '-', '_', '.'.
    pub name: String,
    pub kind: OrgKind,
    /// CISA critical-infrastructure sectors; at least one for operators.
    #[serde(default)]
    pub sectors: Vec<Sector>,
    /// Submission limits; the server's defaults when absent.
    #[serde(default)]
    pub limits: Option<OrgLimitsView>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgLimitsView {
    pub reports_per_minute: i64,
    pub reports_per_day: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub sectors: Vec<Sector>,
    /// Shown to coordinators and to the organisation's own members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<OrgLimitsView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl OrgView {
    pub fn new(org: Org, show_limits: bool) -> Self {
        let limits = show_limits.then_some(OrgLimitsView { reports_per_minute: org.limits.reports_per_minute, reports_per_day: org.limits.reports_per_day });
        Self { id: org.id, name: org.name, kind: org.kind, sectors: org.sectors, limits, created_at: org.created_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub orgs: Vec<OrgView>,
}

/// Create an organisation (coordinators only).
#[utoipa::path(post, path = "/v1/orgs", tag = "orgs", request_body = CreateOrg,
    security(("bearer" = [])),
    responses(
        (status = 201, body = OrgView),
        (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope),
        (status = 409, description = "the name exists", body = crate::error::ErrorEnvelope),
        (status = 422, body = crate::error::ErrorEnvelope),
    ))]
pub async fn create_org(State(state): State<AppState>, Signed(caller): Signed, body: JsonBody<CreateOrg>) -> ApiResult<(StatusCode, Json<OrgView>)> {
    let who = caller.require_coordinator()?;
    let req = body.value;
    let diags = validate_new_org(&req.name, req.kind, &req.sectors);
    if !diags.is_empty() {
        return Err(ApiError::invalid(diags));
    }
    let limits = match req.limits {
        Some(l) if l.reports_per_minute < 1 || l.reports_per_day < 1 => {
            return Err(ApiError::invalid(vec![clearinghouse_model::Diagnostic::new("invalid_limit", "/limits", "limits must be at least 1")]));
        }
        Some(l) => OrgLimits { reports_per_minute: l.reports_per_minute, reports_per_day: l.reports_per_day },
        None => state.config.default_org_limits,
    };
    let new = NewOrg { name: req.name, kind: req.kind, sectors: req.sectors, limits };
    let org = state.store.create_org(&AuditActor::Principal(who.principal.id), &new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(OrgView::new(org, true))))
}

/// List organisations (any authenticated principal: sharing a report needs the directory).
#[utoipa::path(get, path = "/v1/orgs", tag = "orgs", security(("bearer" = [])),
    responses((status = 200, body = OrgList), (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn list_orgs(State(state): State<AppState>, Signed(caller): Signed) -> ApiResult<Json<OrgList>> {
    let who = caller.require()?;
    let orgs = state.store.list_orgs().await?;
    let orgs = orgs
        .into_iter()
        .map(|o| {
            let show = who.principal.coordinator || o.id == who.org.id;
            OrgView::new(o, show)
        })
        .collect();
    Ok(Json(OrgList { orgs }))
}
