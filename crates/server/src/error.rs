//! The one error envelope every endpoint answers with:
//! `{"error": {"code": "...", "message": "...", "pointer": "/field", "diagnostics": [...]}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clearinghouse_model::Diagnostic;
use clearinghouse_model::lifecycle::TransitionError;
use clearinghouse_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, for example `not_found` or `invalid_document`.
    pub code: String,
    pub message: String,
    /// JSON pointer to the offending field of the request body, when one field is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Every problem found, for documents checked as a whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub pointer: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), pointer: None, diagnostics: vec![], retry_after: None }
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such record, or not visible to you")
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn invalid(diagnostics: Vec<Diagnostic>) -> Self {
        let first = diagnostics.first().map(|d| d.pointer.clone()).filter(|p| !p.is_empty());
        let message = match diagnostics.len() {
            1 => format!("the document has a problem: {}", diagnostics[0]),
            n => format!("the document has {n} problems; see diagnostics"),
        };
        Self { status: StatusCode::UNPROCESSABLE_ENTITY, code: "invalid_document", message, pointer: first, diagnostics, retry_after: None }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        // The detail goes to the log with the request id, not to the caller.
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the request id identifies it in the server log")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::IdempotencyMismatch => {
                ApiError::new(StatusCode::CONFLICT, "idempotency_key_reused", "this Idempotency-Key was used with a different request body")
            }
            StoreError::RateLimited { what, retry_after_secs } => {
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("your organisation's {what} is spent; retry after {retry_after_secs} s"),
                );
                err.retry_after = Some(retry_after_secs);
                err
            }
            StoreError::Transition(t @ TransitionError::Illegal { .. }) => ApiError::new(StatusCode::CONFLICT, "illegal_transition", t.to_string()).at("/to"),
            StoreError::Transition(t @ TransitionError::NotPermitted { .. }) => ApiError::forbidden(t.to_string()),
            StoreError::Transition(t @ TransitionError::MissingReason) => ApiError::invalid(vec![Diagnostic::new("required", "/reason", t.to_string())]),
            StoreError::Stale => ApiError::new(StatusCode::CONFLICT, "stale", "the record changed meanwhile; read it again and retry"),
            e @ (StoreError::Sealing(_) | StoreError::Backend(_)) => ApiError::internal(e),
        }
    }
}

/// A policy refusal: 404 for what the caller may not see (it must not learn the record exists), 403
/// for what it sees but may not change.
impl From<clearinghouse_model::policy::Denied> for ApiError {
    fn from(d: clearinghouse_model::policy::Denied) -> Self {
        match d {
            clearinghouse_model::policy::Denied::NotVisible => ApiError::not_found(),
            clearinghouse_model::policy::Denied::NotAllowed(m) => ApiError::forbidden(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorEnvelope { error: ErrorBody { code: self.code.to_string(), message: self.message, pointer: self.pointer, diagnostics: self.diagnostics } };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
