//! SBOMs and lockfiles, read into one list of components.
//!
//! [`read`] takes the bytes of a document and, where it helps, its file name, finds out what the
//! document is and returns an [`Sbom`]: the components (name, version, package URL, CPEs, the OSV
//! ecosystem when the source implies it, where each was found), the `bom-ref` dependency graph, and
//! every problem met on the way as a [`Diagnostic`].
//!
//! Formats: CycloneDX 1.2 to 1.6 in JSON and XML (1.0 and 1.1 XML and later versions are read too,
//! with a diagnostic), SPDX 2.2 and 2.3 in JSON and tag-value, SPDX 3.0 JSON-LD, and the lockfiles
//! Cargo.lock (v1 to v4), package-lock.json / npm-shrinkwrap.json (v1 to v3), pinned
//! requirements.txt, poetry.lock, go.mod, Gemfile.lock and composer.lock.
//!
//! Architecture invariant: this crate does no I/O. Functions take bytes and a file name *hint*;
//! nothing here opens a file, follows `-r other.txt` in a requirements file or resolves a go.mod
//! `replace` that points at a folder. Those become diagnostics or notes.
//!
//! Untrusted input never panics and never exhausts memory: the input is refused past
//! [`MAX_INPUT_BYTES`], nesting is bounded by [`MAX_NESTING_DEPTH`] (JSON, XML and TOML) and
//! components nested past [`MAX_COMPONENT_DEPTH`] are skipped with a diagnostic, the component list
//! is bounded by [`MAX_COMPONENTS`] and the diagnostics by [`MAX_DIAGNOSTICS`]. A component that
//! cannot be understood is a diagnostic and the rest of the document is still read; a document cut
//! short keeps the components read before the cut. [`read`] fails only when nothing at all can be
//! read (empty input, over the size limit, an unknown format, or a fatal error before any component).
//!
//! Why our own readers: `cyclonedx-bom` stops at CycloneDX 1.5 and refuses documents that do not
//! validate, and `spdx-rs` is unmaintained and has no SPDX 3; both deserialise into strict types, so
//! one odd field loses the whole document. The readers here are lenient by design: they look only at
//! the fields matching needs, report each wrong one with its location, and keep going. The hard parts
//! are still done by libraries made for them: `serde_json` (streamed, one array element at a time, so
//! memory stays near the size of the output), `quick-xml` (a pull parser that never processes DTDs),
//! `toml` (with spans, for line numbers) and `packageurl` (purl validation and encoding).

use serde::{Deserialize, Serialize};

pub use clearinghouse_model::Diagnostic;

mod cyclonedx_json;
mod cyclonedx_xml;
mod detect;
mod json;
mod lock;
mod out;
pub mod purl;
mod spdx3;
mod spdx_json;
mod spdx_tv;
mod text;

/// Largest document accepted, in bytes (512 MiB). Larger input is refused before any parsing.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;
/// Deepest nesting of JSON arrays and objects, XML elements or TOML tables and arrays. For JSON this is
/// serde_json's own recursion limit; XML and TOML are held to the same number.
pub const MAX_NESTING_DEPTH: usize = 128;
/// Deepest nesting of components inside components (CycloneDX `components` in a component, or
/// package-lock.json v1 `dependencies` in a dependency). Deeper components are skipped, with a
/// diagnostic, and the rest of the document is still read.
pub const MAX_COMPONENT_DEPTH: usize = 32;
/// Most components kept from one document (the clearinghouse plans for SBOMs of a million
/// components; five times that bounds memory at a few GiB whatever the input).
pub const MAX_COMPONENTS: usize = 5_000_000;
/// Most diagnostics kept from one document; past it one `too_many_diagnostics` says how many more
/// problems there were not recorded.
pub const MAX_DIAGNOSTICS: usize = 10_000;

/// How a document is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Json,
    Xml,
    TagValue,
    JsonLd,
    Toml,
    Text,
}

/// What a document was read as, with the version it declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Format {
    /// `spec` is the declared `specVersion` (JSON) or the version in the namespace (XML), for example `1.5`.
    CycloneDx {
        spec: String,
        encoding: Encoding,
    },
    /// `spec` is `2.2`, `2.3` (JSON or tag-value) or `3.0.1` (JSON-LD), as the document declares it.
    Spdx {
        spec: String,
        encoding: Encoding,
    },
    /// Cargo.lock format version 1 to 4.
    CargoLock {
        version: u32,
    },
    /// package-lock.json or npm-shrinkwrap.json `lockfileVersion` 1 to 3.
    PackageLock {
        version: u32,
    },
    /// A pip requirements file.
    Requirements,
    /// poetry.lock; `version` is its `metadata.lock-version` when present.
    PoetryLock {
        version: Option<String>,
    },
    GoMod,
    GemfileLock,
    ComposerLock,
}

/// The scope of a component, where the format says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// CycloneDX `required`; a lockfile's runtime dependency.
    Required,
    /// CycloneDX `optional`; an optional lockfile dependency.
    Optional,
    /// CycloneDX `excluded`.
    Excluded,
    /// A development-only dependency (package-lock `dev`, composer `packages-dev`, poetry `dev`).
    Dev,
}

/// One component, whatever document it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    /// CycloneDX `group` (Maven group id, npm scope, …) when given separately from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The package URL: as found in an SBOM (checked with the `packageurl` crate; an invalid one is a
    /// diagnostic and the component is kept without it), or built here for lockfile entries that come
    /// from the ecosystem's public registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.2 or 2.3 names, as found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// The OSV ecosystem (`crates.io`, `npm`, `PyPI`, `Go`, `RubyGems`, `Packagist`, `Maven`, …) when
    /// the source implies it: a lockfile, or the type of a valid purl. Distribution purl types (deb,
    /// rpm, apk) are left to the purl-to-ecosystem mapping, which needs their `distro` qualifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_hint: Option<String>,
    /// The identifier the document's dependency graph uses: CycloneDX `bom-ref`, SPDX `SPDXID` /
    /// `spdxId`, or for lockfiles the key this crate gives the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// Where it was found: a JSON pointer (`/components/3/components/0`), an XML path
    /// (`/bom/components/component[4]`) or `line N` for line-based formats.
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Why the component has no purl although it looks like a package (a git or path source, an
    /// unpinned line), or another fact worth showing with it (a go.mod `replace`, an environment marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Component {
    pub(crate) fn new(name: impl Into<String>, location: impl Into<String>) -> Self {
        Component {
            name: name.into(),
            group: None,
            version: None,
            purl: None,
            cpes: Vec::new(),
            ecosystem_hint: None,
            bom_ref: None,
            location: location.into(),
            scope: None,
            note: None,
        }
    }
}

/// A document read into components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    pub format: Format,
    pub components: Vec<Component>,
    /// The dependency graph by `bom_ref`: each entry is one component's ref and the refs it depends on
    /// (CycloneDX `dependencies`, SPDX `DEPENDS_ON`/`CONTAINS` and their inverses between packages,
    /// Cargo.lock and package-lock.json v2/v3 dependencies).
    pub dependencies: Vec<(String, Vec<String>)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Sbom {
    /// The refs the component with `bom_ref` depends on (empty when it has none or is unknown).
    pub fn depends_on(&self, bom_ref: &str) -> impl Iterator<Item = &str> {
        self.dependencies.iter().filter(move |(r, _)| r == bom_ref).flat_map(|(_, deps)| deps.iter().map(String::as_str))
    }

    /// The component with that package URL, if any.
    pub fn find_purl(&self, purl: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.purl.as_deref() == Some(purl))
    }
}

/// Reads an SBOM or a lockfile. `file_name` is a hint (a bare name or a path; only the last part is
/// looked at) that decides between formats the content alone cannot tell apart, such as
/// `requirements.txt` or `go.mod`.
///
/// Fails only when nothing can be read at all; every lesser problem is in `diagnostics`.
pub fn read(bytes: &[u8], file_name: Option<&str>) -> Result<Sbom, Diagnostic> {
    let (bytes, kind) = prepare(bytes, file_name)?;
    let mut out = out::Out::default();
    let format = read_as(kind, bytes, &mut out);
    out.finish(format)
}

/// What [`read_each`] returns: everything [`read`] does but the components (each went to the
/// caller as it was read) and the dependency graph (not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streamed {
    pub format: Format,
    /// How many components were handed over.
    pub components: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a document as [`read`] does, handing each component to `each` as soon as it is read
/// instead of keeping them: the components `each` receives, in that order, are those of
/// [`read`]'s `components`, and the diagnostics are the same. For scanning large SBOMs, where a
/// list of every component would take about twice the document's size.
///
/// CycloneDX and SPDX documents are streamed; lockfiles (small, and their readers resolve names
/// against the whole list) are read whole, then handed over.
pub fn read_each(bytes: &[u8], file_name: Option<&str>, each: &mut dyn FnMut(Component)) -> Result<Streamed, Diagnostic> {
    let (bytes, kind) = prepare(bytes, file_name)?;
    if kind.is_lockfile() {
        let sbom = {
            let mut out = out::Out::default();
            let format = read_as(kind, bytes, &mut out);
            out.finish(format)?
        };
        let components = sbom.components.len();
        sbom.components.into_iter().for_each(each);
        return Ok(Streamed { format: sbom.format, components, diagnostics: sbom.diagnostics });
    }
    let mut out = out::Out::streaming(each);
    let format = read_as(kind, bytes, &mut out);
    out.finish_streamed(format)
}

/// Refuses what cannot be read at all, strips a byte-order mark and finds out what the document is.
fn prepare<'b>(bytes: &'b [u8], file_name: Option<&str>) -> Result<(&'b [u8], detect::Kind), Diagnostic> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Diagnostic::new("too_large", "", format!("the document is {} bytes; the limit is {MAX_INPUT_BYTES} bytes", bytes.len())));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Diagnostic::new("empty", "", "the document is empty"));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(Diagnostic::new("not_utf8", "", "the document is UTF-16; only UTF-8 is read"));
    }
    Ok((bytes, detect::detect(bytes, file_name)?))
}

fn read_as(kind: detect::Kind, bytes: &[u8], out: &mut out::Out) -> Format {
    match kind {
        detect::Kind::CycloneDxJson => cyclonedx_json::read(bytes, out),
        detect::Kind::CycloneDxXml => cyclonedx_xml::read(bytes, out),
        detect::Kind::SpdxJson => spdx_json::read(bytes, out),
        detect::Kind::SpdxTagValue => spdx_tv::read(bytes, out),
        detect::Kind::Spdx3 => spdx3::read(bytes, out),
        detect::Kind::CargoLock => lock::cargo::read(bytes, out),
        detect::Kind::PackageLock => lock::npm::read(bytes, out),
        detect::Kind::Requirements => lock::requirements::read(bytes, out),
        detect::Kind::PoetryLock => lock::poetry::read(bytes, out),
        detect::Kind::GoMod => lock::gomod::read(bytes, out),
        detect::Kind::GemfileLock => lock::gemfile::read(bytes, out),
        detect::Kind::ComposerLock => lock::composer::read(bytes, out),
    }
}
