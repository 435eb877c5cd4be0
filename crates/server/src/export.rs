//! What an export is: one stored vulnerability written in a publication format, with everything the
//! format could not carry and, for OSV, every problem the OSV linter finds in the record written.
//! `GET /v1/vulns/{id}/export/{format}` and `clearinghouse export` both call [`export_document`],
//! so the two cannot differ.

use crate::Publisher;
use crate::error::ApiError;
use clearinghouse_advisory::{to_cve5_cna, to_osv};
use clearinghouse_model::Diagnostic;
use clearinghouse_store::StoredVulnerability;
use serde_json::Value;

/// The formats [`export_document`] writes: OSV (schema 1.7), CSAF 2.0 and a CVE JSON 5.1 CNA container.
pub const FORMATS: &[&str] = &["osv", "csaf", "cve5"];

/// Why there is no document.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("format {0:?}: use osv, csaf or cve5")]
    UnknownFormat(String),
    /// The vulnerability's last change cannot be written as RFC 3339 (a year outside 0 to 9999).
    #[error("the vulnerability's update time cannot be written as RFC 3339: {0}")]
    Time(#[from] time::error::Format),
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::UnknownFormat(_) => ApiError::bad_request("unknown_format", e.to_string()),
            ExportError::Time(_) => ApiError::internal(e),
        }
    }
}

/// The OSV record of a vulnerability, as exported and as `GET /v1/vulns/{id}` answers for one no OSV
/// record names, with what the exporter left out (not linted: see [`export_document`]). A
/// vulnerability without a `modified` date of its own is dated by its last change in the store.
pub fn osv_record(v: &StoredVulnerability) -> Result<(Value, Vec<Diagnostic>), ExportError> {
    let fallback = v.updated_at.format(&time::format_description::well_known::Rfc3339)?;
    Ok(to_osv(&v.vulnerability, &fallback))
}

/// `v` as a document in `format` (one of [`FORMATS`]), with the diagnostics: what the exporter left
/// out or could not write as the format wants, then, for `osv`, the OSV linter's problems with the
/// record written (pointers into that record). `now_rfc3339` is the generation time of CSAF and
/// CVE 5 documents; `publisher` names the clearinghouse in them.
pub fn export_document(v: &StoredVulnerability, format: &str, publisher: &Publisher, now_rfc3339: &str) -> Result<(Value, Vec<Diagnostic>), ExportError> {
    match format {
        "osv" => {
            let (record, mut diagnostics) = osv_record(v)?;
            let bytes = serde_json::to_vec(&record).expect("a JSON value serializes");
            diagnostics.extend(clearinghouse_osv::lint_json(&bytes));
            Ok((record, diagnostics))
        }
        "csaf" => {
            let p = clearinghouse_advisory::Publisher {
                category: "coordinator".into(),
                name: publisher.name.clone(),
                namespace: publisher.namespace.clone(),
                contact_details: None,
                issuing_authority: None,
            };
            // CSAF's test 6.1.11 wants the catalogue's name for each CWE, not the source's wording.
            let names = |id: &str| clearinghouse_csaf::cwe_name(id).map(str::to_string);
            Ok(clearinghouse_advisory::export_csaf::to_csaf_with_cwe_names(&v.vulnerability, &p, now_rfc3339, &names))
        }
        "cve5" => Ok(to_cve5_cna(&v.vulnerability, &publisher.cve_org_id, now_rfc3339)),
        other => Err(ExportError::UnknownFormat(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearinghouse_store::vulns::Priority;
    use time::macros::datetime;

    fn stored(cve5_record: &str) -> StoredVulnerability {
        let got = clearinghouse_advisory::cve5::read(cve5_record.as_bytes(), None).expect("a CVE record");
        let mut merged = clearinghouse_advisory::merge(got.records);
        assert_eq!(merged.len(), 1);
        StoredVulnerability { vulnerability: merged.remove(0), priority: Priority::default(), change_seq: 1, updated_at: datetime!(2024-03-05 06:07:08 UTC) }
    }

    const NOW: &str = "2026-01-02T03:04:05Z";

    #[test]
    fn the_example_exports_to_every_format_and_its_osv_record_lints_clean() {
        let v = stored(include_str!("../../../examples/vulnerabilities/CVE-2024-99991.json"));
        let (osv, diagnostics) = export_document(&v, "osv", &Publisher::default(), NOW).unwrap();
        assert_eq!(osv["id"], "CVE-2024-99991");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let (csaf, _) = export_document(&v, "csaf", &Publisher::default(), NOW).unwrap();
        assert_eq!(csaf["document"]["publisher"]["namespace"], "https://clearinghouse.invalid");
        let p = Publisher { cve_org_id: "9d7a5c1e-8f7b-4c3d-9e2f-0a1b2c3d4e5f".into(), ..Publisher::default() };
        let (cna, diagnostics) = export_document(&v, "cve5", &p, NOW).unwrap();
        assert_eq!(cna["providerMetadata"]["orgId"], "9d7a5c1e-8f7b-4c3d-9e2f-0a1b2c3d4e5f");
        assert!(!diagnostics.iter().any(|d| d.code == "invalid_org_id"), "{diagnostics:?}");
        // The default's nil UUID is not one the CVE schema accepts, and the exporter says so.
        let (_, diagnostics) = export_document(&v, "cve5", &Publisher::default(), NOW).unwrap();
        assert!(diagnostics.iter().any(|d| d.code == "invalid_org_id"), "{diagnostics:?}");
        assert!(matches!(export_document(&v, "pdf", &Publisher::default(), NOW), Err(ExportError::UnknownFormat(f)) if f == "pdf"));
    }

    #[test]
    fn the_osv_linter_s_problems_follow_the_exporter_s() {
        // A product OSV cannot name (no package, no repository): the exporter leaves it out and says
        // so, and the record written has no affected entry, which the linter reports.
        let v = stored(
            r#"{"dataType": "CVE_RECORD", "dataVersion": "5.1",
                "cveMetadata": {"cveId": "CVE-2024-99992", "state": "PUBLISHED", "datePublished": "2024-03-04T00:00:00Z"},
                "containers": {"cna": {"providerMetadata": {"orgId": "00000000-0000-4000-8000-000000000001"},
                  "descriptions": [{"lang": "en", "value": "A flaw."}],
                  "affected": [{"vendor": "Acme", "product": "Widget", "defaultStatus": "unaffected",
                                "versions": [{"version": "2.0", "status": "affected"}]}]}}}"#,
        );
        let (record, exporter) = osv_record(&v).unwrap();
        assert_eq!(record["affected"], serde_json::json!([]), "{record}");
        assert!(!exporter.is_empty(), "the exporter says what it left out");
        let (_, diagnostics) = export_document(&v, "osv", &Publisher::default(), NOW).unwrap();
        assert_eq!(diagnostics[..exporter.len()], exporter[..], "the exporter's first");
        let lint = &diagnostics[exporter.len()..];
        assert!(lint.iter().any(|d| d.code == clearinghouse_osv::lint::codes::NO_AFFECTED), "{diagnostics:?}");
        // No modified date of its own: dated by its last change in the store.
        assert_eq!(record["modified"], "2024-03-05T06:07:08Z");
    }
}
