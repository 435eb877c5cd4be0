//! The audit chain: every state change is an event whose hash covers the previous event's hash, so
//! editing, removing or reordering any event breaks every hash after it.
//!
//! The hash is SHA-256 over the RFC 8785 canonical JSON of the event's fields (without `hash`), which
//! makes it independent of how a backend stores JSON or orders keys.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// Who acted: `principal:<uuid>`, or `system` for the clearinghouse itself.
    pub actor: String,
    /// What happened, for example `report.submitted`.
    pub action: String,
    /// What it happened to, for example `report:CLH-2026-00042`.
    pub subject: String,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an event's hash covers.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: String,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    details: &'a serde_json::Value,
    prev_hash: &'a str,
}

/// Formats a timestamp the way the chain hashes it: RFC 3339, UTC, microseconds. Backends store
/// microsecond precision, so the hash must not depend on finer digits.
pub fn chain_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let at = at.replace_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Truncates a timestamp to the microsecond precision every backend keeps.
pub fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at)
}

pub fn event_hash(seq: i64, at: OffsetDateTime, actor: &str, action: &str, subject: &str, details: &serde_json::Value, prev_hash: &str) -> String {
    let hashed = Hashed { seq, at: chain_time(at), actor, action, subject, details, prev_hash };
    let canonical = serde_json_canonicalizer::to_vec(&hashed).expect("audit fields are plain JSON");
    hex::encode(Sha256::digest(&canonical))
}

/// Where a chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Walks a chain in order and checks continuity and hashes. Events are fed one at a time so a
/// verifier can stream millions of them. `last` is the previous event's (seq, hash), `None` at the
/// start.
pub fn verify_next(last: Option<(i64, &str)>, e: &AuditEvent) -> Result<(), ChainBreak> {
    let (want_seq, want_prev) = match last {
        None => (1, GENESIS_HASH),
        Some((seq, hash)) => (seq + 1, hash),
    };
    if e.seq != want_seq {
        return Err(ChainBreak { seq: e.seq, reason: format!("expected event {want_seq} next; events were removed or reordered") });
    }
    if e.prev_hash != want_prev {
        return Err(ChainBreak { seq: e.seq, reason: "prev_hash does not match the previous event's hash".into() });
    }
    let computed = event_hash(e.seq, e.at, &e.actor, &e.action, &e.subject, &e.details, &e.prev_hash);
    if computed != e.hash {
        return Err(ChainBreak { seq: e.seq, reason: "the event's content does not match its hash; it was edited".into() });
    }
    Ok(())
}

/// Verifies a whole chain held in memory; returns the number of events.
pub fn verify_chain<'a>(events: impl IntoIterator<Item = &'a AuditEvent>) -> Result<u64, ChainBreak> {
    let mut last: Option<(i64, String)> = None;
    let mut n = 0;
    for e in events {
        verify_next(last.as_ref().map(|(s, h)| (*s, h.as_str())), e)?;
        last = Some((e.seq, e.hash.clone()));
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut out: Vec<AuditEvent> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map(|e| e.hash.clone()).unwrap_or_else(|| GENESIS_HASH.to_string());
            let at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + seq).unwrap();
            let details = serde_json::json!({"n": seq, "b": [1, 2], "a": "x"});
            let hash = event_hash(seq, at, "system", "test.event", "thing:1", &details, &prev);
            out.push(AuditEvent { seq, at, actor: "system".into(), action: "test.event".into(), subject: "thing:1".into(), details, prev_hash: prev, hash });
        }
        out
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn edits_removals_and_reorders_are_caught_at_the_first_bad_event() {
        let mut edited = chain(5);
        edited[2].details = serde_json::json!({"n": 99});
        assert_eq!(verify_chain(&edited).unwrap_err().seq, 3);

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify_chain(&removed).unwrap_err().seq, 3);

        let mut reordered = chain(5);
        reordered.swap(3, 4);
        assert_eq!(verify_chain(&reordered).unwrap_err().seq, 5);

        let mut truncated_head = chain(3);
        truncated_head.remove(0);
        assert_eq!(verify_chain(&truncated_head).unwrap_err().seq, 2);
    }

    #[test]
    fn key_order_of_details_does_not_matter() {
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap();
        assert_eq!(event_hash(1, at, "x", "y", "z", &a, GENESIS_HASH), event_hash(1, at, "x", "y", "z", &b, GENESIS_HASH));
    }

    #[test]
    fn sub_microsecond_digits_do_not_change_the_hash() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_800_000_000_123_456_789).unwrap();
        let d = serde_json::json!({});
        assert_eq!(event_hash(1, at, "x", "y", "z", &d, GENESIS_HASH), event_hash(1, to_micros(at), "x", "y", "z", &d, GENESIS_HASH));
    }
}
