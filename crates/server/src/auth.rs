//! Bearer tokens: how they are made, hashed and checked.
//!
//! A token is `chp_` followed by 256 random bits in unpadded base64url. The database keeps only its
//! SHA-256. A fast hash is right here (unlike passwords): the token has full entropy, so there is
//! nothing to brute-force, and a deterministic hash lets the store find the token by an index.
//! The prefix lets secret scanners recognise a leaked token.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use clearinghouse_model::policy::Viewer;
use clearinghouse_store::Authenticated;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "chp_";

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who is calling: `None` when no `Authorization` header was sent. A header with a token that is
/// unknown, revoked or expired is refused with 401 rather than treated as anonymous, so a client
/// with a stale token learns it at once.
pub struct Caller(pub Option<Authenticated>);

impl Caller {
    pub fn viewer(&self) -> Viewer {
        self.0.as_ref().map(Authenticated::viewer).unwrap_or(Viewer::Anonymous)
    }

    pub fn require(&self) -> Result<&Authenticated, ApiError> {
        self.0.as_ref().ok_or_else(|| ApiError::unauthorized("this endpoint needs a token: send Authorization: Bearer <token>"))
    }

    pub fn require_coordinator(&self) -> Result<&Authenticated, ApiError> {
        let who = self.require()?;
        if who.principal.coordinator { Ok(who) } else { Err(ApiError::forbidden("only coordinators may do this")) }
    }
}

/// A caller that must be signed in: refused with 401 before the body is read, so a client without a
/// token learns that first, whatever else is wrong with its request.
pub struct Signed(pub Caller);

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require()?;
        Ok(Signed(caller))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() < 256)
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token> with a clearinghouse token"))?;
        let found = state.store.authenticate(&hash_token(token), state.now()).await?;
        match found {
            Some(auth) => {
                tracing::Span::current().record("principal", tracing::field::display(auth.principal.id));
                Ok(Caller(Some(auth)))
            }
            None => Err(ApiError::unauthorized("the token is unknown, revoked or expired")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43, "256 bits in unpadded base64url");
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }
}
