//! Encoding shared by the backends: report bodies (sealed when the label asks for it) and the
//! contents of audit and outbox events.

use crate::keyring::Keyring;
use crate::{StoreError, StoreResult};
use clearinghouse_model::report::ReportSubmission;
use clearinghouse_model::{ReportId, Tlp};

fn context(id: &ReportId) -> Vec<u8> {
    format!("report:{id}").into_bytes()
}

/// The stored form of a report body: JSON, sealed under the keyring when the label is AMBER+STRICT
/// or RED. Returns the bytes and whether they are sealed.
pub fn encode_body(keyring: &Keyring, id: &ReportId, tlp: Tlp, doc: &ReportSubmission) -> (Vec<u8>, bool) {
    let json = serde_json::to_vec(doc).expect("report documents serialize");
    if tlp.sealed_at_rest() { (keyring.seal(&json, &context(id)), true) } else { (json, false) }
}

pub fn decode_body(keyring: &Keyring, id: &ReportId, bytes: &[u8], sealed: bool) -> StoreResult<ReportSubmission> {
    let json = if sealed { keyring.open_sealed(bytes, &context(id))? } else { bytes.to_vec() };
    serde_json::from_slice(&json).map_err(|e| StoreError::Backend(format!("report {id} body does not decode: {e}")))
}

/// Audit and outbox events name records by kind and id and carry labels and states, never content:
/// a coordinator following the feed must not read a RED report's title there.
pub fn report_subject(id: &ReportId) -> String {
    format!("report:{id}")
}
