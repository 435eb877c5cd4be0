//! Request extractors that turn every malformed request into the error envelope with a pointer.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A JSON body, read within the route's body limit, checked to be UTF-8, and decoded with the JSON
/// pointer of the first field that does not fit. Keeps the raw bytes for idempotency hashing.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !content_type.is_empty() && !content_type.starts_with("application/json") {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the body as application/json"));
        }
        let raw = Bytes::from_request(req, state).await.map_err(|rej| {
            let status = rej.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(status, "payload_too_large", "the request body is over this endpoint's size limit")
            } else {
                ApiError::new(status, "unreadable_body", rej.body_text())
            }
        })?;
        let value = decode_json(&raw)?;
        Ok(JsonBody { value, raw })
    }
}

/// A query string that does not fit its parameters, as the error envelope (axum's own rejection is
/// plain text). Handlers take `Result<Query<T>, QueryRejection>` and map the error with this, after
/// checking the caller, so a caller without the right learns nothing about the parameters.
pub fn query_rejection(rej: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_parameter", rej.body_text())
}

/// A path segment that does not decode (bad percent-encoding, not UTF-8) names no record: 404 with
/// the envelope, as any other id that matches nothing (axum's own rejection is a plain-text 400).
pub fn path_rejection(_: axum::extract::rejection::PathRejection) -> ApiError {
    ApiError::not_found()
}

pub fn decode_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = std::str::from_utf8(raw) {
        return Err(ApiError::bad_request("invalid_utf8", format!("the body is not valid UTF-8 (byte {})", e.valid_up_to())));
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    // serde_json's own limit (128 levels) bounds nesting, so hostile depth cannot overflow the stack.
    serde_path_to_error::deserialize(de).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let inner = e.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() { "malformed_json" } else { "invalid_field" };
        ApiError::bad_request(code, inner.to_string()).at(pointer)
    })
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", clearinghouse_model::diagnostic::escape_pointer_token(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", clearinghouse_model::diagnostic::escape_pointer_token(variant))),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearinghouse_model::report::ReportSubmission;

    #[test]
    fn wrong_types_name_the_field() {
        let err = decode_json::<ReportSubmission>(br#"{"title": "t", "description": "d", "finder": {"kind": "human", "name": 7}}"#).unwrap_err();
        assert_eq!((err.code, err.pointer.as_deref()), ("invalid_field", Some("/finder/name")));
        let err =
            decode_json::<ReportSubmission>(br#"{"title": "t", "description": "d", "tlp": "PURPLE", "finder": {"kind": "human", "name": "n"}}"#).unwrap_err();
        assert_eq!(err.pointer.as_deref(), Some("/tlp"));
        let err = decode_json::<ReportSubmission>(b"{\"title\": \"\xff\"}").unwrap_err();
        assert_eq!(err.code, "invalid_utf8");
        let err = decode_json::<ReportSubmission>(b"{\"title\": ").unwrap_err();
        assert_eq!(err.code, "malformed_json");
        let deep = "[".repeat(10_000);
        assert_eq!(decode_json::<serde_json::Value>(deep.as_bytes()).unwrap_err().code, "malformed_json");
    }
}
