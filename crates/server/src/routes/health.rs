//! Liveness, readiness and metrics. Not under `/v1`: they are for load balancers and Prometheus.

use crate::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The process can serve: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let handle = crate::metrics::handle();
    let pool = state.store.pool_stats();
    metrics::gauge!("db_pool_connections", "backend" => state.store.backend()).set(pool.size as f64);
    metrics::gauge!("db_pool_idle_connections", "backend" => state.store.backend()).set(pool.idle as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render())
}
