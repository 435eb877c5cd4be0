//! The Clearinghouse HTTP API.
//!
//! Architecture invariant: this is the only crate that knows HTTP, status codes and wire shapes.
//! Handlers are thin: parse, ask the policy module, call the store, shape the answer. Handlers are
//! grouped by domain under `routes/`, every one is registered through `utoipa-axum` so the OpenAPI
//! document cannot miss a route, and the whole document is snapshot-tested.

pub mod advisories;
pub mod auth;
pub mod error;
pub mod export;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod visibility;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use clearinghouse_model::report::ReportLimits;
use clearinghouse_store::blob::SealedBlobs;
use clearinghouse_store::{OrgLimits, Store};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub report_limits: ReportLimits,
    /// Limits given to organisations created without explicit ones.
    pub default_org_limits: OrgLimits,
    pub request_timeout: Duration,
    /// Who publishes the CSAF documents and CVE containers this clearinghouse exports.
    pub publisher: Publisher,
}

/// The clearinghouse as a publisher of exports.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    /// A URL the operator controls (CSAF `document.publisher.namespace`).
    pub namespace: String,
    /// The CVE Program organisation id written in exported CNA containers' `providerMetadata.orgId`.
    pub cve_org_id: String,
}

impl Default for Publisher {
    /// Placeholders (`.invalid` and the nil UUID say so): a deployment sets its own.
    fn default() -> Self {
        Publisher { name: "Clearinghouse".into(), namespace: "https://clearinghouse.invalid".into(), cve_org_id: "00000000-0000-0000-0000-000000000000".into() }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            report_limits: ReportLimits::default(),
            default_org_limits: OrgLimits::default(),
            request_timeout: Duration::from_secs(60),
            publisher: Publisher::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Proof-of-concept files, sealed at rest.
    pub blobs: Arc<SealedBlobs>,
    pub config: Arc<ServerConfig>,
    /// The advisories OSV queries are answered from, following the store.
    pub advisories: Arc<advisories::AdvisoryCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, blobs: Arc<SealedBlobs>, config: ServerConfig) -> Self {
        Self { store, blobs, config: Arc::new(config), advisories: Arc::default() }
    }

    /// The clock. Domain code never reads it; handlers pass it down.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: API routes, OpenAPI document and viewer, health, metrics, and the
/// middleware every request passes (request id, tracing, panic guard, timeout, body limit).
pub fn app(state: AppState) -> Router {
    let (api, spec) = routes::api_router().split_for_parts();
    let body_limit = state.config.report_limits.max_body_bytes();
    let timeout = state.config.request_timeout;
    let api = api.route_layer(axum::middleware::from_fn(metrics::track));
    Router::new()
        .merge(api)
        .merge(openapi::viewer(openapi::complete(spec)))
        .merge(routes::health::router())
        .fallback(|| async { error::ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such endpoint; see /openapi.json") })
        .method_not_allowed_fallback(|| async { error::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not take that method; see /openapi.json") })
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            error::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error").into_response_public()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // The path only: query strings are the caller's and stay out of logs.
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id, principal = tracing::field::Empty)
                })
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

impl error::ApiError {
    fn into_response_public(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}

/// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}

/// Files new reports' band keys into the near-duplicate index, in batches, for as long as the server
/// runs (every replica may: the store shares the work out). A derived index at low priority: under a
/// burst of submissions it falls behind (a report's near-duplicates show once it is filed) rather
/// than slow intake down; it pauses between rounds so submissions get the writer in between.
pub async fn run_similarity_indexer(store: Arc<dyn clearinghouse_store::Store>) {
    loop {
        match store.index_similarity(clearinghouse_store::similar::INDEX_BATCH).await {
            Ok(n) if n == clearinghouse_store::similar::INDEX_BATCH => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            Err(e) => {
                tracing::warn!(error = %e, "near-duplicate indexing failed");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        }
    }
}
