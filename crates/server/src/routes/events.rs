//! The outbox feed and the audit log, for coordinators. Both pass through the policy: an event about
//! a report the coordinator may not see (RED without being named) is dropped from the feed, and
//! redacted in the audit log, where its hashes stay so the chain's shape remains visible.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::extract::query_rejection;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use clearinghouse_model::ReportId;
use clearinghouse_model::audit::AuditEvent;
use clearinghouse_model::policy::{Viewer, can_read};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

type Envelope = crate::error::ErrorEnvelope;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Return events after this sequence number (the `next` of the previous page); 0 when absent.
    pub after: Option<i64>,
    /// 1 to 1000; 100 when absent.
    pub limit: Option<u32>,
}

impl FeedQuery {
    fn limit(&self) -> ApiResult<u32> {
        let l = self.limit.unwrap_or(100);
        if (1..=1000).contains(&l) { Ok(l) } else { Err(ApiError::bad_request("invalid_parameter", "limit is 1 to 1000").at("/limit")) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub topic: String,
    pub subject: String,
    pub payload: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<EventView>,
    /// Pass as `after` to continue; equal to the request's `after` when nothing new arrived.
    pub next: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub events: Vec<AuditView>,
    pub next: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    #[serde(flatten)]
    pub event: AuditEvent,
    /// True when the subject is a record you may not see: subject and details are withheld.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// Decides, once per report per request, whether the caller may see events about it.
struct SubjectFilter<'a> {
    state: &'a AppState,
    viewer: Viewer,
    seen: HashMap<String, bool>,
}

impl<'a> SubjectFilter<'a> {
    async fn visible(&mut self, subject: &str) -> ApiResult<bool> {
        let Some(id) = subject.strip_prefix("report:") else { return Ok(true) };
        if let Some(v) = self.seen.get(id) {
            return Ok(*v);
        }
        let visible = match id.parse::<ReportId>() {
            Ok(rid) => self.state.store.get_report(&rid).await?.is_some_and(|r| can_read(&self.viewer, &r.access())),
            Err(_) => false,
        };
        self.seen.insert(id.to_string(), visible);
        Ok(visible)
    }
}

/// Follow the outbox: every state change, in commit order (coordinators only).
#[utoipa::path(get, path = "/v1/events", tag = "events", params(FeedQuery), security(("bearer" = [])),
    responses((status = 200, body = EventPage), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope)))]
pub async fn list_events(State(state): State<AppState>, Signed(caller): Signed, query: Result<Query<FeedQuery>, QueryRejection>) -> ApiResult<Json<EventPage>> {
    caller.require_coordinator()?;
    let Query(q) = query.map_err(query_rejection)?;
    let after = q.after.unwrap_or(0);
    let rows = state.store.outbox_events(after, q.limit()?).await?;
    let next = rows.last().map(|e| e.seq).unwrap_or(after);
    let mut filter = SubjectFilter { state: &state, viewer: caller.viewer(), seen: HashMap::new() };
    let mut events = Vec::new();
    for e in rows {
        if filter.visible(&e.subject).await? {
            events.push(EventView { seq: e.seq, at: e.at, topic: e.topic, subject: e.subject, payload: e.payload });
        }
    }
    Ok(Json(EventPage { events, next }))
}

/// Read the hash-chained audit log (coordinators only).
#[utoipa::path(get, path = "/v1/audit", tag = "events", params(FeedQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 400, body = Envelope), (status = 401, body = Envelope), (status = 403, body = Envelope)))]
pub async fn list_audit(State(state): State<AppState>, Signed(caller): Signed, query: Result<Query<FeedQuery>, QueryRejection>) -> ApiResult<Json<AuditPage>> {
    caller.require_coordinator()?;
    let Query(q) = query.map_err(query_rejection)?;
    let after = q.after.unwrap_or(0);
    let rows = state.store.audit_events(after, q.limit()?).await?;
    let next = rows.last().map(|e| e.seq).unwrap_or(after);
    let mut filter = SubjectFilter { state: &state, viewer: caller.viewer(), seen: HashMap::new() };
    let mut events = Vec::new();
    for mut e in rows {
        let visible = filter.visible(&e.subject).await?;
        if !visible {
            e.subject = "redacted".into();
            e.details = serde_json::json!({});
        }
        events.push(AuditView { event: e, redacted: !visible });
    }
    Ok(Json(AuditPage { events, next }))
}
