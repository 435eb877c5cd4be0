//! API tokens. A token's value appears once, in the response that creates it.

use crate::AppState;
use crate::auth::{Signed, hash_token, new_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use clearinghouse_model::Role;
use clearinghouse_store::{AuditActor, Authenticated, NewPrincipal, TokenInfo};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// The organisation's name.
    pub org: String,
    pub role: Role,
    /// A name for the principal the token belongs to (a person or a service); generated when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Grant the platform coordinator role (coordinators only).
    #[serde(default)]
    pub coordinator: bool,
    /// Days until the token expires; never when absent.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token. Shown only here: store it now.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub principal_name: String,
    pub org_id: Uuid,
    pub role: Role,
    pub coordinator: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            principal_id: t.principal_id,
            principal_name: t.principal_name,
            org_id: t.org_id,
            role: t.role,
            coordinator: t.coordinator,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

fn administers(who: &Authenticated, org_id: Uuid) -> bool {
    who.principal.coordinator || (who.org.id == org_id && who.principal.role.administers())
}

/// Create a principal and its token. Coordinators may do so for any organisation; an
/// organisation's admins for their own, without the coordinator role.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = CreateToken, security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedToken),
        (status = 400, body = crate::error::ErrorEnvelope),
        (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope),
        (status = 404, description = "no such organisation", body = crate::error::ErrorEnvelope),
        (status = 422, body = crate::error::ErrorEnvelope),
    ))]
pub async fn create_token(State(state): State<AppState>, Signed(caller): Signed, body: JsonBody<CreateToken>) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let who = caller.require()?;
    let req = body.value;
    let org = state.store.get_org_by_name(&req.org).await?.ok_or_else(|| ApiError::not_found().at("/org"))?;
    if !administers(who, org.id) {
        return Err(ApiError::forbidden("only coordinators and the organisation's admins may create its tokens"));
    }
    if req.coordinator && !who.principal.coordinator {
        return Err(ApiError::forbidden("only coordinators may grant the coordinator role").at("/coordinator"));
    }
    let name = req.name.unwrap_or_else(|| format!("{}-{}", req.role, &Uuid::new_v4().simple().to_string()[..8]));
    if name.trim().is_empty() || name.len() > 128 {
        return Err(ApiError::invalid(vec![clearinghouse_model::Diagnostic::new("invalid_name", "/name", "name is 1 to 128 bytes")]));
    }
    let now = state.now();
    let expires = match req.expires_in_days {
        Some(0) => {
            return Err(ApiError::invalid(vec![clearinghouse_model::Diagnostic::new("invalid_expiry", "/expires_in_days", "expires_in_days is at least 1")]));
        }
        Some(d) if d > 3650 => {
            return Err(ApiError::invalid(vec![clearinghouse_model::Diagnostic::new("invalid_expiry", "/expires_in_days", "expires_in_days is at most 3650")]));
        }
        Some(d) => Some(now + time::Duration::days(d as i64)),
        None => None,
    };
    let token = new_token();
    let new = NewPrincipal { org_id: org.id, name, role: req.role, coordinator: req.coordinator, token_expires_at: expires };
    let (_, info) = state.store.create_principal(&AuditActor::Principal(who.principal.id), &new, &hash_token(&token), now).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info: info.into() })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Only this organisation's tokens (by name).
    pub org: Option<String>,
}

/// List tokens (never their values): coordinators see all, an organisation's admins their own.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(TokenQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = TokenList),
        (status = 400, body = crate::error::ErrorEnvelope), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope),
        (status = 404, description = "no such organisation", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Signed(caller): Signed,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<TokenList>> {
    let who = caller.require()?;
    let Query(q) = query.map_err(crate::extract::query_rejection)?;
    let org_id = match &q.org {
        Some(name) => Some(state.store.get_org_by_name(name).await?.ok_or_else(ApiError::not_found)?.id),
        None if who.principal.coordinator => None,
        None => Some(who.org.id),
    };
    if let Some(id) = org_id
        && !administers(who, id)
    {
        return Err(ApiError::forbidden("only coordinators and the organisation's admins may list its tokens"));
    }
    if org_id.is_none() && !who.principal.coordinator {
        return Err(ApiError::forbidden("only coordinators may list every token"));
    }
    let tokens = state.store.list_tokens(org_id).await?;
    Ok(Json(TokenList { tokens: tokens.into_iter().map(Into::into).collect() }))
}

/// Revoke a token: coordinators, the organisation's admins, or the token's own principal.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "token id")),
    responses((status = 200, body = TokenView), (status = 401, body = crate::error::ErrorEnvelope), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Signed(caller): Signed,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<TokenView>> {
    let who = caller.require()?;
    let Path(id) = path.map_err(crate::extract::path_rejection)?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found())?;
    if !who.principal.coordinator {
        // Non-coordinators may revoke only tokens they can list; others are "not found".
        let own = state.store.list_tokens(Some(who.org.id)).await?;
        let Some(t) = own.iter().find(|t| t.id == id) else { return Err(ApiError::not_found()) };
        if !(who.principal.role.administers() || t.principal_id == who.principal.id) {
            return Err(ApiError::not_found());
        }
    }
    let info = state.store.revoke_token(&AuditActor::Principal(who.principal.id), id, state.now()).await?;
    Ok(Json(info.into()))
}
