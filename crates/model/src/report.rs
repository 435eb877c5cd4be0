//! The report document: what a finder submits to `POST /v1/reports`, and how it is checked.
//!
//! The document is versioned by its shape; unknown fields are refused so that a typo never silently
//! drops information a finder meant to send.

use crate::diagnostic::{Diagnostic, pointer};
use crate::tlp::Tlp;
use crate::validate::{CvssSummary, PackageKey, check_vers, parse_cvss, parse_cwe, parse_purl};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A vulnerability report as submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// One line naming the problem.
    pub title: String,
    /// What is wrong, where, and how it was found. Plain text or Markdown.
    pub description: String,
    /// The affected packages.
    #[serde(default)]
    pub affected: Vec<AffectedPackage>,
    /// CWE ids, for example `CWE-787`.
    #[serde(default)]
    pub weaknesses: Vec<String>,
    /// The impact the finder claims (for example "remote code execution as the service user").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// A CVSS v2, v3.0, v3.1 or v4.0 vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    /// Who or what found it.
    pub finder: Finder,
    /// TLP 2.0 label; AMBER when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<Tlp>,
    /// How to reach the finder about this report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Proof-of-concept files. On submission each carries `content_base64`; once stored, the content
    /// is replaced by `sha256` and `size`, and is fetched from `/v1/reports/{id}/files/{sha256}`.
    #[serde(default)]
    pub files: Vec<PocFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AffectedPackage {
    /// Package URL, for example `pkg:cargo/smallvec`. A version in the purl means that one version.
    pub purl: String,
    /// Affected versions, listed one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Affected ranges as OSV range objects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    /// Affected range as a package-url `vers:` string, for example `vers:cargo/>=1.0.0|<1.2.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vers: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub range_type: OsvRangeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<OsvEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OsvRangeType {
    #[serde(rename = "SEMVER")]
    Semver,
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    #[serde(rename = "GIT")]
    Git,
}

/// One OSV range event: exactly one of the four fields is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OsvEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Finder {
    pub kind: FinderKind,
    /// The person's handle, the tool's or the model's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The tool's or model's run that produced the finding, for tracing it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Whether a person reviewed a tool's or model's finding before submission.
    #[serde(default)]
    pub human_reviewed: bool,
}

crate::name_enum! {
    pub enum FinderKind {
        Human = "human",
        Tool = "tool",
        AiModel = "ai_model",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PocFile {
    /// File name, without directories.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The content, base64 (standard alphabet, padded); only on submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// SHA-256 of the content, hex. Optional on submission (checked when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Size in bytes; set by the clearinghouse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Size limits on a submission. The defaults are documented in the README and the example config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportLimits {
    pub max_title_chars: usize,
    pub max_description_bytes: usize,
    pub max_affected: usize,
    pub max_versions_per_package: usize,
    pub max_files: usize,
    pub max_file_bytes: usize,
    pub max_total_file_bytes: usize,
}

impl Default for ReportLimits {
    fn default() -> Self {
        Self {
            max_title_chars: 300,
            max_description_bytes: 256 * 1024,
            max_affected: 1000,
            max_versions_per_package: 10_000,
            max_files: 16,
            max_file_bytes: 8 * 1024 * 1024,
            max_total_file_bytes: 32 * 1024 * 1024,
        }
    }
}

impl ReportLimits {
    /// The largest request body that can carry a submission within these limits: base64 grows files by
    /// 4/3, and the rest of the document gets a generous fixed allowance.
    pub fn max_body_bytes(&self) -> usize {
        self.max_total_file_bytes / 3 * 4 + 4 + self.max_description_bytes + 4 * 1024 * 1024
    }
}

/// A decoded proof-of-concept file, ready for the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFile {
    pub name: String,
    pub media_type: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A submission that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedReport {
    /// The document as it is stored: file contents replaced by hash and size.
    pub document: ReportSubmission,
    pub tlp: Tlp,
    pub files: Vec<DecodedFile>,
    /// The affected packages, deduplicated, for filtering.
    pub packages: Vec<PackageKey>,
    pub cvss: Option<CvssSummary>,
}

/// Checks a submission, reporting every problem, and decodes its files.
pub fn prepare(mut doc: ReportSubmission, limits: &ReportLimits) -> Result<PreparedReport, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut bad = |code: &str, ptr: String, msg: String| diags.push(Diagnostic::new(code, ptr, msg));

    let title_chars = doc.title.chars().count();
    if doc.title.trim().is_empty() {
        bad("required", "/title".into(), "title must not be empty".into());
    } else if title_chars > limits.max_title_chars {
        bad("too_long", "/title".into(), format!("title has {title_chars} characters; at most {} are allowed", limits.max_title_chars));
    } else if doc.title.contains(['\n', '\r']) {
        bad("invalid_title", "/title".into(), "title must be one line".into());
    }
    if doc.description.trim().is_empty() {
        bad("required", "/description".into(), "description must not be empty".into());
    } else if doc.description.len() > limits.max_description_bytes {
        bad("too_long", "/description".into(), format!("description is over {} bytes", limits.max_description_bytes));
    }

    if doc.affected.len() > limits.max_affected {
        bad("too_many", "/affected".into(), format!("at most {} affected packages per report", limits.max_affected));
    }
    let mut packages: Vec<PackageKey> = Vec::new();
    for (i, a) in doc.affected.iter().enumerate().take(limits.max_affected) {
        match parse_purl(&a.purl) {
            Ok(k) => {
                if !packages.contains(&k) {
                    packages.push(k);
                }
            }
            Err(m) => bad("invalid_purl", pointer(["affected", &i.to_string(), "purl"]), m),
        }
        if a.versions.len() > limits.max_versions_per_package {
            bad("too_many", pointer(["affected", &i.to_string(), "versions"]), format!("at most {} versions", limits.max_versions_per_package));
        }
        for (j, v) in a.versions.iter().enumerate().take(limits.max_versions_per_package) {
            if v.trim().is_empty() || v.len() > 256 {
                bad("invalid_version", pointer(["affected", &i.to_string(), "versions", &j.to_string()]), "a version is 1 to 256 bytes".into());
            }
        }
        for (j, r) in a.ranges.iter().enumerate() {
            check_range(r, &pointer(["affected", &i.to_string(), "ranges", &j.to_string()]), &mut bad);
        }
        if let Some(v) = &a.vers
            && let Err(m) = check_vers(v)
        {
            bad("invalid_vers", pointer(["affected", &i.to_string(), "vers"]), m);
        }
    }

    for (i, w) in doc.weaknesses.iter().enumerate() {
        if let Err(m) = parse_cwe(w) {
            bad("invalid_cwe", pointer(["weaknesses", &i.to_string()]), m);
        }
    }
    if let Some(imp) = &doc.impact
        && imp.len() > 4096
    {
        bad("too_long", "/impact".into(), "impact is over 4096 bytes".into());
    }
    let cvss = match &doc.cvss_vector {
        Some(v) => match parse_cvss(v) {
            Ok(s) => Some(s),
            Err(m) => {
                bad("invalid_cvss", "/cvss_vector".into(), m);
                None
            }
        },
        None => None,
    };

    let f = &doc.finder;
    if f.name.trim().is_empty() || f.name.len() > 256 {
        bad("invalid_finder", "/finder/name".into(), "finder name is 1 to 256 bytes".into());
    }
    for (field, value) in [("version", &f.version), ("organization", &f.organization), ("run_id", &f.run_id)] {
        if value.as_ref().is_some_and(|v| v.len() > 256) {
            bad("too_long", format!("/finder/{field}"), format!("{field} is over 256 bytes"));
        }
    }
    if let Some(c) = &doc.contact
        && c.len() > 512
    {
        bad("too_long", "/contact".into(), "contact is over 512 bytes".into());
    }

    if doc.files.len() > limits.max_files {
        bad("too_many", "/files".into(), format!("at most {} files per report", limits.max_files));
    }
    let mut files = Vec::new();
    let mut total = 0usize;
    for (i, file) in doc.files.iter_mut().enumerate().take(limits.max_files) {
        let at = |field: &str| pointer(["files", &i.to_string(), field]);
        if file.name.is_empty() || file.name.len() > 255 || file.name.contains(['/', '\\', '\0']) || file.name == "." || file.name == ".." {
            bad("invalid_file_name", at("name"), "a file name is 1 to 255 bytes without '/', '\\' or NUL".into());
        }
        if file.size.is_some() {
            bad("read_only", at("size"), "size is set by the clearinghouse".into());
        }
        let Some(content) = file.content_base64.take() else {
            bad("required", at("content_base64"), "each file needs content_base64".into());
            continue;
        };
        if content.len() / 4 * 3 > limits.max_file_bytes + 3 {
            bad("too_large", at("content_base64"), format!("a file is at most {} bytes", limits.max_file_bytes));
            continue;
        }
        let bytes = match base64::engine::general_purpose::STANDARD.decode(content.as_bytes()) {
            Ok(b) => b,
            Err(e) => {
                bad("invalid_base64", at("content_base64"), format!("not valid base64: {e}"));
                continue;
            }
        };
        if bytes.len() > limits.max_file_bytes {
            bad("too_large", at("content_base64"), format!("a file is at most {} bytes", limits.max_file_bytes));
            continue;
        }
        total += bytes.len();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if let Some(claimed) = &file.sha256
            && !claimed.eq_ignore_ascii_case(&sha256)
        {
            bad("hash_mismatch", at("sha256"), format!("content hashes to {sha256}, not {claimed}"));
        }
        file.sha256 = Some(sha256.clone());
        file.size = Some(bytes.len() as u64);
        files.push(DecodedFile { name: file.name.clone(), media_type: file.media_type.clone(), sha256, bytes });
    }
    if total > limits.max_total_file_bytes {
        bad("too_large", "/files".into(), format!("files total {total} bytes; at most {} are allowed", limits.max_total_file_bytes));
    }

    if !diags.is_empty() {
        return Err(diags);
    }
    let tlp = doc.tlp.unwrap_or(Tlp::Amber);
    doc.tlp = Some(tlp);
    Ok(PreparedReport { document: doc, tlp, files, packages, cvss })
}

fn check_range(r: &OsvRange, at: &str, bad: &mut impl FnMut(&str, String, String)) {
    if r.events.is_empty() {
        bad("invalid_range", format!("{at}/events"), "a range needs at least one event".into());
    }
    if r.range_type == OsvRangeType::Git && r.repo.as_deref().is_none_or(str::is_empty) {
        bad("invalid_range", format!("{at}/repo"), "a GIT range needs repo".into());
    }
    let mut introduced = false;
    for (k, e) in r.events.iter().enumerate() {
        let set = [&e.introduced, &e.fixed, &e.last_affected, &e.limit].iter().filter(|v| v.is_some()).count();
        if set != 1 {
            bad("invalid_event", format!("{at}/events/{k}"), "an event has exactly one of introduced, fixed, last_affected, limit".into());
            continue;
        }
        introduced |= e.introduced.is_some();
        let v = [&e.introduced, &e.fixed, &e.last_affected, &e.limit].into_iter().flatten().next().map(String::as_str).unwrap_or("");
        if v.is_empty() || v.len() > 256 {
            bad("invalid_version", format!("{at}/events/{k}"), "an event's version is 1 to 256 bytes".into());
        }
    }
    if !r.events.is_empty() && !introduced {
        bad("invalid_range", format!("{at}/events"), "a range needs an introduced event (use \"0\" for all versions)".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn minimal() -> ReportSubmission {
        serde_json::from_value(serde_json::json!({
            "title": "Heap overflow in parse_header",
            "description": "A crafted header overflows a heap buffer.",
            "finder": {"kind": "ai_model", "name": "finder-9", "human_reviewed": true}
        }))
        .unwrap()
    }

    #[test]
    fn minimal_report_defaults_to_amber() {
        let p = prepare(minimal(), &ReportLimits::default()).unwrap();
        assert_eq!(p.tlp, Tlp::Amber);
        assert_eq!(p.document.tlp, Some(Tlp::Amber));
        assert!(p.files.is_empty() && p.packages.is_empty());
    }

    #[test]
    fn files_are_decoded_hashed_and_stripped() {
        let mut doc = minimal();
        doc.files.push(PocFile {
            name: "poc.bin".into(),
            media_type: None,
            content_base64: Some(base64::engine::general_purpose::STANDARD.encode(b"AAAA")),
            sha256: None,
            size: None,
        });
        let p = prepare(doc, &ReportLimits::default()).unwrap();
        assert_eq!(p.files[0].bytes, b"AAAA");
        assert_eq!(p.files[0].sha256, "63c1dd951ffedf6f7fd968ad4efa39b8ed584f162f46e715114ee184f8de9201");
        let stored = &p.document.files[0];
        assert_eq!((stored.content_base64.as_deref(), stored.size), (None, Some(4)));
        assert_eq!(stored.sha256.as_deref(), Some(p.files[0].sha256.as_str()));
    }

    #[test]
    fn reports_every_problem_with_its_pointer() {
        let doc: ReportSubmission = serde_json::from_value(serde_json::json!({
            "title": "",
            "description": "x",
            "affected": [
                {"purl": "not-a-purl"},
                {"purl": "pkg:npm/ok", "vers": "npm/>=1", "ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}, {"introduced": "0", "fixed": "2"}]}]}
            ],
            "weaknesses": ["CWE-79", "XSS"],
            "cvss_vector": "CVSS:3.1/AV:Q",
            "finder": {"kind": "human", "name": ""},
            "files": [{"name": "../etc/passwd", "content_base64": "!!!"}]
        }))
        .unwrap();
        let diags = prepare(doc, &ReportLimits::default()).unwrap_err();
        let got: Vec<(&str, &str)> = diags.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
        assert_eq!(
            got,
            [
                ("required", "/title"),
                ("invalid_purl", "/affected/0/purl"),
                ("invalid_event", "/affected/1/ranges/0/events/1"),
                ("invalid_range", "/affected/1/ranges/0/events"),
                ("invalid_vers", "/affected/1/vers"),
                ("invalid_cwe", "/weaknesses/1"),
                ("invalid_cvss", "/cvss_vector"),
                ("invalid_finder", "/finder/name"),
                ("invalid_file_name", "/files/0/name"),
                ("invalid_base64", "/files/0/content_base64"),
            ]
        );
    }

    #[test]
    fn hash_mismatch_and_limits() {
        let mut doc = minimal();
        doc.files.push(PocFile {
            name: "a".into(),
            media_type: None,
            content_base64: Some(base64::engine::general_purpose::STANDARD.encode([0u8; 100])),
            sha256: Some("00".repeat(32)),
            size: None,
        });
        let limits = ReportLimits { max_file_bytes: 50, ..ReportLimits::default() };
        let d = prepare(doc.clone(), &limits).unwrap_err();
        assert_eq!(d[0].code, "too_large");
        let d = prepare(doc, &ReportLimits::default()).unwrap_err();
        assert_eq!((d[0].code.as_str(), d[0].pointer.as_str()), ("hash_mismatch", "/files/0/sha256"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_value::<ReportSubmission>(serde_json::json!({
            "title": "t", "description": "d", "finder": {"kind": "human", "name": "n"}, "severity": "high"
        }))
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `severity`"), "{err}");
    }
}
