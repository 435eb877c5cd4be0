//! VEX documents, read into one list of statements.
//!
//! A VEX (Vulnerability Exploitability eXchange) document says, for vulnerabilities and products,
//! whether the product is affected: `not_affected` (and why), `affected` (and what to do), `fixed`
//! or `under_investigation`. [`read`] takes the bytes of a document, finds out which of the three
//! formats in use it is, and returns a [`VexDocument`]: the [`Statement`]s, each with its
//! vulnerability id and aliases, the products it names ([`ProductRef`]: purl, CPE, `bom-ref`, name),
//! its [`Status`], the justification, detail and action text as the document writes them, a
//! timestamp and the JSON pointer it came from; and every problem met on the way as a
//! [`Diagnostic`] whose code is one of [`codes`].
//!
//! Formats, recognised by their content:
//! - CycloneDX VEX (JSON, `specVersion` 1.4 to 1.6; other versions are read with a note): the
//!   `vulnerabilities` of a VEX-only BOM or of an SBOM with embedded VEX. `affects[].ref` is
//!   resolved to the component it names when the document has it (so the statement gets its purl);
//!   `affects[].versions[]` become version-constrained products.
//! - CSAF 2.0 VEX (`document.category` `csaf_vex`, and any other CSAF document whose
//!   vulnerabilities have `product_status`): the product tree (branches, full product names,
//!   relationships, product groups) gives each product id its name, purl and CPE; `flags` give the
//!   justification, `threats` of category `impact` the detail, `remediations` the action.
//! - OpenVEX (JSON-LD, `@context` `https://openvex.dev/ns…`, v0.2.0 and the earlier v0.0.x with
//!   string vulnerabilities and products).
//!
//! ```
//! use clearinghouse_vex::{read, Status};
//!
//! let doc = read(br#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2024-03-01T12:00:00Z",
//!   "statements": [{"vulnerability": {"name": "CVE-2021-44228", "aliases": ["GHSA-jfh8-c2jp-5v3q"]},
//!     "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}],
//!     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#).unwrap();
//! let s = &doc.statements[0];
//! assert_eq!(s.status, Status::NotAffected);
//! assert!(s.names_vulnerability(["ghsa-jfh8-c2jp-5v3q"]));
//! assert!(s.products[0].matches_component(Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar"), None, &[]));
//! assert!(doc.diagnostics.is_empty());
//! ```
//!
//! Architecture invariant: this crate does no I/O; it takes bytes. Untrusted input never panics
//! and never exhausts memory: input over [`MAX_INPUT_BYTES`] is refused before parsing, nesting
//! past [`MAX_DEPTH`] and more than [`MAX_VALUES`] JSON values are refused while parsing,
//! identifiers past [`MAX_IDENTIFIER_LEN`] are dropped, the statements are bounded by
//! [`MAX_OUTPUT_BYTES`] (a product or a text referred to from many places is copied into each
//! statement, so the output can outgrow the input) and the diagnostics by [`MAX_DIAGNOSTICS`]. A
//! statement, product or field that cannot be understood is a diagnostic and the rest is still
//! read; [`read`] fails only when nothing can be read at all (empty, too large, not JSON, not one of
//! the formats).
//!
//! Why our own reader: there is no maintained Rust crate that reads CSAF VEX, OpenVEX and CycloneDX
//! VEX into one model, and the format-specific ones there are (`cyclonedx-bom`, `csaf-rs`,
//! `openvex` bindings) deserialise into strict types, so one odd field (a number where a string
//! belongs, a status from a newer draft, a `null`) loses the whole document. The readers here look
//! only at the members VEX needs, report each wrong one with its location, and keep going. JSON
//! parsing itself is `serde_json`'s, and package URLs are parsed by `clearinghouse-osv`, the same
//! parser the advisory matching uses.

use serde::{Deserialize, Serialize};

pub use clearinghouse_model::Diagnostic;

pub mod codes;
mod csaf;
mod cyclonedx;
mod json;
mod matching;
mod openvex;

/// Largest document accepted, in bytes (64 MiB). The largest real VEX documents (CSAF VEX of a
/// vendor for a vulnerability in a package every product ships) are a few tens of megabytes.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of arrays and objects. CSAF product trees nest branches, two levels each; real
/// ones stay under twenty.
pub const MAX_DEPTH: usize = 100;
/// Most JSON values (scalars, arrays, objects and object keys) in a document. A 64 MiB CSAF document
/// of product ids holds about a million; the bound keeps a document of tiny values (`[0,0,0,…]`)
/// from taking gigabytes as parsed values.
pub const MAX_VALUES: usize = 5_000_000;
/// Longest identifier read (vulnerability id, purl, CPE, `bom-ref`, product name, version, label),
/// in bytes. Longer ones are dropped with a diagnostic. Free text (detail, action) is not limited
/// here, only through [`MAX_OUTPUT_BYTES`].
pub const MAX_IDENTIFIER_LEN: usize = 4096;
/// Most bytes the statements may take (about four times the largest input): past it, reading stops
/// with an `output_limit` diagnostic and the statements read so far are returned.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;
/// Most diagnostics kept; past it one `too_many_diagnostics` says how many more there were.
pub const MAX_DIAGNOSTICS: usize = 10_000;

/// What a document was read as, with the version it declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VexFormat {
    /// `spec` is the declared `specVersion`, for example `1.5` (empty when the document has none).
    CycloneDx {
        spec: String,
    },
    Csaf,
    /// `version` is the one the `@context` names without its `v` (`0.2.0`); the bare namespace
    /// `https://openvex.dev/ns`, which v0.0.1 and v0.0.2 documents use, reads as `0.0`.
    OpenVex {
        version: String,
    },
}

/// What a statement says about its products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// CycloneDX `not_affected` and `false_positive` (and a version listed as `unaffected`), CSAF
    /// `known_not_affected`, OpenVEX `not_affected`.
    NotAffected,
    /// CycloneDX `exploitable`, CSAF `known_affected`, `first_affected` and `last_affected`, OpenVEX `affected`.
    Affected,
    /// CycloneDX `resolved` and `resolved_with_pedigree`, CSAF `fixed` and `first_fixed`, OpenVEX `fixed`.
    Fixed,
    /// CycloneDX `in_triage` (and a version listed as `unknown`), CSAF and OpenVEX `under_investigation`.
    UnderInvestigation,
}

/// One product a statement names. Any of the identifiers may be missing; a product with none
/// matches nothing (the name is for people).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductRef {
    /// Package URL, as written (checked to be valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.3 formatted string or 2.2 URI, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// CycloneDX `affects[].ref` as written: a `bom-ref` of this or another document, or a BOM-Link
    /// `urn:cdx:serial/version#bom-ref`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// The product's name: the CycloneDX component's `name`, the CSAF full product name, an OpenVEX
    /// `@id` that is neither a purl nor a CPE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The statement holds only for this version (a CycloneDX `affects[].versions[].version`, the
    /// `product_version` branch of a CSAF product without purl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The statement holds only for this range of versions, verbatim: a CycloneDX
    /// `affects[].versions[].range` (`vers:semver/>=2.2.0|<=2.4.0`) or a CSAF `product_version_range`
    /// branch name. Not evaluated here, see [`ProductRef::matches_component`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_range: Option<String>,
    /// The components of this product the statement is about (OpenVEX `subcomponents`, including
    /// the statement-level list of v0.0.x).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<ProductRef>,
}

impl ProductRef {
    /// Whether any identifier (purl, CPE, `bom-ref`) is set, here or on a subcomponent.
    pub fn is_identified(&self) -> bool {
        self.purl.is_some() || self.cpe.is_some() || self.bom_ref.is_some() || self.subcomponents.iter().any(ProductRef::is_identified)
    }
}

/// One statement: a vulnerability, products, and what the document says about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The primary id as written (`CVE-…`, `GHSA-…`, `RUSTSEC-…`): CycloneDX `id`, CSAF `cve` (else
    /// the first `ids[].text`), OpenVEX `vulnerability.name`.
    pub vulnerability: String,
    /// Other ids of the vulnerability: CycloneDX `references[].id`, CSAF `ids[].text`, OpenVEX
    /// `vulnerability.aliases`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductRef>,
    pub status: Status,
    /// Only on `not_affected` statements: the format's own code, verbatim (CycloneDX
    /// `code_not_reachable`, CSAF flag label and OpenVEX `vulnerable_code_not_present`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// CycloneDX `analysis.detail`, CSAF `threats[]` of category `impact`, OpenVEX `impact_statement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// CycloneDX `analysis.response` (joined with `, `), CSAF `remediations` (category, details
    /// and URL; on affected and fixed products), OpenVEX `action_statement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// When the statement was made, as written: CycloneDX `analysis.lastUpdated`, `firstIssued`,
    /// the vulnerability's `updated` or `published`, else `metadata.timestamp`; CSAF
    /// `document.tracking.current_release_date`; OpenVEX statement `timestamp`, else the document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// JSON pointer of the statement in the document: `/vulnerabilities/3` (CycloneDX),
    /// `/vulnerabilities/0/product_status/known_not_affected` (CSAF), `/statements/2` (OpenVEX).
    pub location: String,
}

impl Statement {
    /// Whether this statement speaks about `vuln_ids` (an advisory id and its aliases): whether one
    /// of them is the statement's vulnerability or one of its aliases, compared case-insensitively.
    pub fn names_vulnerability<'a>(&self, vuln_ids: impl IntoIterator<Item = &'a str>) -> bool {
        vuln_ids.into_iter().any(|id| {
            let id = id.trim();
            self.vulnerability.eq_ignore_ascii_case(id) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
        })
    }
}

/// A document read into statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexDocument {
    pub format: VexFormat,
    pub statements: Vec<Statement>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a VEX document, recognising its format by its content.
///
/// Fails only when nothing can be read: empty input, input over [`MAX_INPUT_BYTES`], not JSON
/// (or over [`MAX_DEPTH`] / [`MAX_VALUES`]), or JSON that is none of the formats (including
/// CycloneDX and CSAF documents without vulnerabilities). Every lesser problem is in
/// [`VexDocument::diagnostics`].
pub fn read(bytes: &[u8]) -> Result<VexDocument, Vec<Diagnostic>> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(vec![Diagnostic::new(codes::TOO_LARGE, "", format!("the document is {} bytes; the limit is {MAX_INPUT_BYTES}", bytes.len()))]);
    }
    // A byte-order mark is not JSON, but editors write it; it carries no meaning here.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Err(vec![Diagnostic::new(codes::EMPTY, "", "the document is empty")]);
    };
    if *first == b'<' {
        return Err(vec![Diagnostic::new(
            codes::UNKNOWN_FORMAT,
            "",
            "the document looks like XML; VEX is read from JSON only (CycloneDX JSON, CSAF, OpenVEX)",
        )]);
    }
    let value = json::parse(bytes).map_err(|d| vec![d])?;
    let serde_json::Value::Object(root) = value else {
        return Err(vec![Diagnostic::new(codes::NOT_AN_OBJECT, "", format!("a VEX document is a JSON object, found {}", json::type_name(&value)))]);
    };
    let mut ctx = json::Ctx::new();
    let read = if let Some(version) = openvex::detect(&root) {
        openvex::read(&root, version, &mut ctx)
    } else if csaf::detect(&root) {
        csaf::read(&root, &mut ctx)
    } else if cyclonedx::detect(&root) {
        cyclonedx::read(&root, &mut ctx)
    } else {
        Err(Diagnostic::new(
            codes::UNKNOWN_FORMAT,
            "",
            "not a VEX document: no CycloneDX bomFormat, no CSAF document.csaf_version or category, no OpenVEX @context",
        ))
    };
    match read {
        Ok((format, statements)) => Ok(VexDocument { format, statements, diagnostics: ctx.finish() }),
        Err(refusal) => {
            let mut diagnostics = vec![refusal];
            diagnostics.extend(ctx.finish());
            Err(diagnostics)
        }
    }
}

/// Reads `s` as a status-like label: trimmed; the known labels are all lower-case ASCII, so a label
/// in other case is compared lower-cased (and kept as written where it is kept).
pub(crate) fn label(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}
