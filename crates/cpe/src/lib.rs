//! Common Platform Enumeration (CPE) 2.3 names: parsing, binding, matching, and the version-range
//! rules that advisories state with them.
//!
//! Components in SBOMs without a package URL often carry a CPE, and CSAF and CVE 5 advisories (and
//! NVD configurations) name affected products by CPE, plain or with a version range. This crate
//! turns both into one [`Cpe`] and answers "does this advisory rule cover this component?".
//!
//! - [`Cpe`] is a well-formed name (WFN, NISTIR 7695 section 5): eleven attributes, each ANY, NA or
//!   a value with optional wildcards at its ends. [`Cpe::parse`] reads the formatted-string binding
//!   (`cpe:2.3:…`, section 6.2) and the URI binding (`cpe:/…`, section 6.1); `Display` writes the
//!   canonical formatted string, [`Cpe::to_uri`] the URI, [`Cpe::to_wfn_string`] the WFN notation.
//! - [`compare`] and [`is_superset`], [`is_subset`], [`is_equal`], [`is_disjoint`] are the NISTIR 7696
//!   attribute and name comparisons.
//! - [`CpeRule`] is a CPE with NVD's four optional version bounds; [`CpeRule::matches`] says
//!   [`Match::Affected`], [`Match::NotAffected`] or [`Match::Undetermined`] with the reason, using
//!   [`compare_versions`], a generic version ordering for products without an ecosystem.
//! - [`CpeIndex`] holds the rules of many advisories keyed by (part, vendor, product).
//!
//! ```
//! use clearinghouse_cpe::{Cpe, CpeRule, Match};
//!
//! let component: Cpe = "cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*".parse().unwrap();
//! let rule = CpeRule {
//!     version_start_including: Some("3.0.0".into()),
//!     version_end_excluding: Some("3.0.8".into()),
//!     ..CpeRule::new("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*".parse().unwrap())
//! };
//! assert_eq!(rule.matches(&component), Match::Affected);
//! assert_eq!(Cpe::parse("cpe:/a:openssl:openssl:3.0.7").unwrap(), component);
//! ```
//!
//! # Architecture invariants
//! No I/O (no files, network or clock). Nothing here panics on any input: every parse failure is a
//! [`CpeError`] with a stable code from [`codes`] and a message that says what is wrong and where,
//! convertible to a [`clearinghouse_model::Diagnostic`]; input is bounded by [`MAX_CPE_LEN`].
//!
//! # Why our own
//! The `cpe` crate on crates.io (0.1.5, KenDJohnson/cpe-rs) reads and writes
//! the 2.2 URI and the WFN notation (`wfn:[…]`) but not the 2.3 formatted string (`cpe:2.3:…`),
//! which is what NVD, CycloneDX and SPDX write; and it has no NISTIR 7696 matching, no version
//! ranges and no version ordering, which are most of what this crate is for. It also parses the
//! language attribute as an RFC 5646 tag (a component with a sloppy language would fail to parse
//! rather than match on vendor and product) and brings `regex`, `lazy_static` and
//! `derive_builder` 0.9 (syn 1) into a pure crate. Wrapping it would leave the formatted string,
//! the matching, the ranges and the index to write. The parser here follows the normative
//! unbinding procedures of NISTIR 7695 (sections 6.1.3 and 6.2.3) directly, and the matcher NISTIR
//! 7696 section 6 (see [`compare_values`] for where it departs from the document's pseudo-code).

mod index;
mod matching;
mod name;
mod rule;
mod version;

pub use index::CpeIndex;
pub use matching::{Relation, compare, compare_values, is_disjoint, is_equal, is_subset, is_superset};
pub use name::{Attribute, AttributeValue, Cpe, Value, Wildcard};
pub use rule::{CpeRule, Match};
pub use version::{MAX_VERSION_LEN, compare_versions};

use clearinghouse_model::Diagnostic;

/// The longest CPE accepted, in bytes, in any binding. Real names are far shorter (the longest in
/// NVD's dictionary are under 300 bytes); the bound keeps parsing untrusted input cheap.
pub const MAX_CPE_LEN: usize = 1024;

/// The diagnostic codes of this crate. Every parse error refuses the name; the rule codes are
/// warnings from [`CpeRule::validate`] (the rule is kept and evaluated as written).
pub mod codes {
    /// Refused: longer than [`crate::MAX_CPE_LEN`] bytes.
    pub const TOO_LONG: &str = "cpe_too_long";
    /// Refused: neither `cpe:2.3:` (formatted string) nor `cpe:/` (URI), or not `wfn:[` for the WFN notation.
    pub const WRONG_PREFIX: &str = "cpe_wrong_prefix";
    /// Refused: a formatted string without exactly 11 components, or a URI with more than 7.
    pub const WRONG_COMPONENT_COUNT: &str = "cpe_wrong_component_count";
    /// Refused: the part is not `a`, `o`, `h` or ANY.
    pub const INVALID_PART: &str = "cpe_invalid_part";
    /// Refused: a character outside printable ASCII (white space, a control character, non-ASCII),
    /// or a raw `*`/`?` in a URI.
    pub const ILLEGAL_CHARACTER: &str = "cpe_illegal_character";
    /// Refused: an unquoted wildcard (`*`, `?`, or `%02`/`%01` in a URI) inside a value rather than
    /// at its beginning or end.
    pub const EMBEDDED_WILDCARD: &str = "cpe_embedded_wildcard";
    /// Refused: a value made of wildcards alone (`??`, `*?`, `**`); a lone `*` is ANY.
    pub const WILDCARD_ONLY: &str = "cpe_wildcard_only";
    /// Refused: a backslash at the end of a formatted-string component.
    pub const INVALID_ESCAPE: &str = "cpe_invalid_escape";
    /// Refused: `%` not followed by two hex digits, or encoding a control character, space or non-ASCII byte.
    pub const INVALID_PERCENT_ENCODING: &str = "cpe_invalid_percent_encoding";
    /// Refused: an empty formatted-string component (ANY is written `*`).
    pub const EMPTY_COMPONENT: &str = "cpe_empty_component";
    /// Refused: a URI edition that starts with `~` but is not `~edition~sw_edition~target_sw~target_hw~other`.
    pub const INVALID_PACKED_EDITION: &str = "cpe_invalid_packed_edition";
    /// Refused: text in the WFN notation (`wfn:[attribute=value,…]`) that does not follow it.
    pub const INVALID_WFN: &str = "cpe_invalid_wfn";

    /// Warning: a rule's version bound that [`crate::compare_versions`] cannot order (empty, a
    /// wildcard, no digit); every component meets it as undetermined.
    pub const UNORDERABLE_VERSION_BOUND: &str = "cpe_unorderable_version_bound";
    /// Warning: a rule whose start bound is above its end bound: it covers no version.
    pub const EMPTY_VERSION_RANGE: &str = "cpe_empty_version_range";
    /// Warning: a rule with a version range whose CPE also names a version other than ANY; both
    /// must hold, which is rarely what the author meant.
    pub const VERSION_AND_RANGE: &str = "cpe_version_and_range";
}

/// Why a string is not a CPE: a stable code from [`codes`] and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{code}: {message}")]
pub struct CpeError {
    pub code: String,
    pub message: String,
}

impl CpeError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_string(), message: message.into() }
    }

    /// The error as a diagnostic at `pointer`, the JSON pointer of the CPE in its document (for
    /// example `/components/3/cpe`).
    pub fn to_diagnostic(&self, pointer: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code.clone(), pointer, self.message.clone())
    }
}

impl From<CpeError> for Diagnostic {
    fn from(e: CpeError) -> Self {
        Diagnostic::new(e.code, "", e.message)
    }
}
