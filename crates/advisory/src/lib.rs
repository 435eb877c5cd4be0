//! Clearinghouse advisories: one vulnerability model in front of every format.
//!
//! Each importer turns a document into [`SourceRecord`]s, one per (source, vulnerability): OSV
//! records ([`osv`]), CVE JSON 5.x CNA and ADP containers ([`cve5`]), CISA's KEV catalog
//! ([`kev`]). [`merge`] links records whose ids alias each other into one [`Vulnerability`] whatever
//! order they came in, derives a merged view by a fixed order of trust, and lists every field on
//! which the sources disagree ([`Conflict`]) instead of picking one silently. [`to_osv`] writes a
//! merged vulnerability as an OSV record.
//!
//! Importers read untrusted documents: they never panic, collect every problem with its JSON
//! pointer, and keep what they can read.
//!
//! Architecture invariant: no I/O, no clock.

pub mod csaf;
pub mod cve5;
pub mod export_csaf;
pub mod export_cve5;
pub mod export_osv;
mod json;
pub mod kev;
pub mod merge;
pub mod model;
pub mod osv;

pub use cve5::Imported;
pub use export_csaf::{Publisher, to_csaf};
pub use export_cve5::to_cve5_cna;
pub use export_osv::to_osv;
pub use json::MAX_DOCUMENT_BYTES;
pub use merge::{AliasGraph, Conflict, Vulnerability, canonical_id, merge};
pub use model::*;
