//! Cargo.lock, format versions 1 to 4.
//!
//! Every `[[package]]` is a component. Packages from crates.io (`registry+https://github.com/rust-lang/crates.io-index`
//! or `sparse+https://index.crates.io/`) get `pkg:cargo/name@version` and the `crates.io` ecosystem;
//! git, path and workspace packages and packages from other registries are kept without a purl, with a
//! note, because a crates.io purl would match them against advisories for a different crate. The
//! `dependencies` lists (`name`, `name version` or `name version (source)`) become edges between
//! `name@version` refs.

use super::{Loose, utf8};
use crate::out::Out;
use crate::text::{LineIndex, line};
use crate::{Component, Format, Scope};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::collections::HashMap;

/// Only the fields read, each loosely typed (a wrong type is a diagnostic for that package, not a
/// failed document); everything else (checksums, the v1 `[metadata]` table) is skipped unbuilt.
#[derive(Deserialize)]
struct Lock<'a> {
    version: Option<toml::Value>,
    #[serde(default, borrow)]
    package: Vec<toml::Spanned<Package<'a>>>,
    metadata: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow)]
    name: Option<Loose<'a>>,
    #[serde(borrow)]
    version: Option<Loose<'a>>,
    #[serde(borrow)]
    source: Option<Loose<'a>>,
    #[serde(borrow)]
    dependencies: Option<Loose<'a>>,
}

const CRATES_IO: [&str; 2] = ["registry+https://github.com/rust-lang/crates.io-index", "sparse+https://index.crates.io/"];

/// What the readers below take from a Cargo.lock.
struct Lockfile<'a> {
    /// The top-level `version` (3 or 4 in current lockfiles; absent in v1 and v2).
    version: Option<toml::Value>,
    /// A `[metadata]` table (v1 kept checksums there).
    has_metadata: bool,
    /// Each `[[package]]` with the line it starts on.
    packages: Vec<(usize, Package<'a>)>,
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let Some(text) = utf8(bytes, out) else { return Format::CargoLock { version: 0 } };
    read_text(text, true, out)
}

/// `fast`: try [`canonical`] first (false only in tests, to compare).
fn read_text(text: &str, fast: bool, out: &mut Out) -> Format {
    // Cargo writes lockfiles in one fixed layout; `canonical` reads that layout line by line, several
    // times faster than a TOML parser, and gives up on anything else, which the TOML parser reads.
    let lock = match canonical(text).filter(|_| fast) {
        Some(lock) => lock,
        None => {
            let lines = LineIndex::new(text);
            let Some(lock) = super::toml::<Lock<'_>>(text, &lines, out) else { return Format::CargoLock { version: 0 } };
            Lockfile {
                version: lock.version,
                has_metadata: lock.metadata.is_some(),
                packages: lock.package.into_iter().map(|p| (lines.line_of(p.span().start), p.into_inner())).collect(),
            }
        }
    };
    let version = match &lock.version {
        Some(toml::Value::Integer(v)) if (3..=4).contains(v) => *v as u32,
        Some(other) => {
            out.diag("unsupported_version", "line 1", format!("Cargo.lock version {other} is not 1 to 4; it is read as version 4"));
            4
        }
        None if lock.has_metadata => 1,
        None => 2,
    };
    let mut pending: Vec<(String, Vec<String>, String)> = Vec::new();
    for (n, t) in &lock.packages {
        let at = line(*n);
        let name = t.name.as_ref().and_then(|v| v.str("name", &at, out));
        let ver = t.version.as_ref().and_then(|v| v.str("version", &at, out));
        let (Some(name), Some(ver)) = (name, ver) else {
            out.diag("invalid_package", at, "package needs a name and a version; it is skipped");
            continue;
        };
        let mut c = Component::new(name, at.clone());
        c.version = Some(ver.to_string());
        c.bom_ref = Some(format!("{name}@{ver}"));
        c.scope = Some(Scope::Required);
        match t.source.as_ref().and_then(|v| v.str("source", &at, out)) {
            Some(src) if CRATES_IO.contains(&src) => match crate::purl::cargo(name, ver) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("crates.io".into());
                }
                Err(e) => out.diag("invalid_purl", &at, format!("cannot build a purl for {name} {ver}: {e}")),
            },
            Some(src) if src.starts_with("git+") => c.note = Some(format!("git source {src}: no registry purl")),
            Some(src) => c.note = Some(format!("from the registry {src}, not crates.io: no purl")),
            None => c.note = Some("local package (workspace member or path dependency): no registry purl".into()),
        }
        let deps: Vec<String> = match &t.dependencies {
            None => Vec::new(),
            Some(Loose::Strs(a)) => a.iter().map(|d| d.to_string()).collect(),
            Some(other) => {
                out.diag("wrong_type", &at, format!("dependencies: expected an array, found {}", other.type_str()));
                Vec::new()
            }
        };
        pending.push((format!("{name}@{ver}"), deps, at));
        out.push(c);
    }
    // Resolve `name` / `name version` / `name version (source)` to refs.
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &out.components {
        if let Some(v) = &c.version {
            by_name.entry(c.name.as_str()).or_default().push(v.as_str());
        }
    }
    let mut edges = Vec::new();
    let mut problems = Vec::new();
    for (from, deps, at) in pending {
        let mut to = Vec::new();
        for d in deps {
            let mut parts = d.split_whitespace();
            let (dn, dv) = (parts.next().unwrap_or(""), parts.next());
            match (dv, by_name.get(dn).map(Vec::as_slice)) {
                (Some(v), _) => to.push(format!("{dn}@{v}")),
                (None, Some([only])) => to.push(format!("{dn}@{only}")),
                _ => problems.push((at.clone(), format!("dependency {d:?} does not name exactly one package in the lockfile"))),
            }
        }
        if !to.is_empty() {
            edges.push((from, to));
        }
    }
    for (at, message) in problems {
        out.diag("unresolved_dependency", at, message);
    }
    for (from, to) in edges {
        out.edge_list(from, to);
    }
    Format::CargoLock { version }
}

/// Reads a lockfile laid out exactly as Cargo writes it: comment and blank lines, `version = N`, then
/// `[[package]]` tables of `key = "string"` lines and a `dependencies = [` list of one quoted string
/// a line. `None` as soon as a line is anything else (another table, an escape, an inline array, a
/// duplicate key, spaces Cargo does not write): the TOML parser then reads the document, so this is
/// only ever a faster way to the same result (the tests check both ways agree).
fn canonical(text: &str) -> Option<Lockfile<'_>> {
    let mut lock = Lockfile { version: None, has_metadata: false, packages: Vec::new() };
    let mut current: Option<(usize, Package<'_>)> = None;
    // Keys seen in the current package that the reader does not keep (a duplicate is a TOML error).
    let mut other_keys: Vec<&str> = Vec::new();
    let mut deps: Option<Vec<Cow<'_, str>>> = None;
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        // A carriage return ends a line only before a line feed (TOML): at the very end of the text it is
        // a stray control character, which the check below refuses as the TOML parser does.
        let line = if lines.peek().is_some() { raw.strip_suffix('\r').unwrap_or(raw) } else { raw };
        // TOML allows no control character but tab anywhere, comments included.
        if line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return None;
        }
        if let Some(list) = deps.as_mut() {
            if line == "]" {
                let (_, p) = current.as_mut()?;
                p.dependencies = Some(Loose::Strs(deps.take()?));
            } else {
                let item = line.strip_prefix(' ')?.trim_start_matches(' ');
                let item = item.strip_suffix(',').unwrap_or(item);
                list.push(Cow::Borrowed(quoted(item)?));
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[package]]" {
            lock.packages.extend(current.take());
            current = Some((i + 1, Package { name: None, version: None, source: None, dependencies: None }));
            other_keys.clear();
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') || key.is_empty() {
            return None;
        }
        match &mut current {
            None if key == "version" && lock.version.is_none() && !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                lock.version = Some(toml::Value::Integer(value.parse().ok()?));
            }
            None => return None,
            Some((_, p)) => {
                let slot = match key {
                    "name" => &mut p.name,
                    "version" => &mut p.version,
                    "source" => &mut p.source,
                    "dependencies" if value == "[" && p.dependencies.is_none() => {
                        // Marks the key as seen; the list replaces it at `]`.
                        p.dependencies = Some(Loose::Strs(Vec::new()));
                        deps = Some(Vec::new());
                        continue;
                    }
                    "dependencies" => return None,
                    // The other string keys Cargo writes, not used here.
                    "checksum" | "replace" if !other_keys.contains(&key) => {
                        quoted(value)?;
                        other_keys.push(key);
                        continue;
                    }
                    _ => return None,
                };
                if slot.is_some() {
                    return None;
                }
                *slot = Some(Loose::Str(Cow::Borrowed(quoted(value)?)));
            }
        }
    }
    if deps.is_some() {
        return None;
    }
    lock.packages.extend(current);
    Some(lock)
}

/// The content of a TOML basic string that needs no unescaping: `"` … `"` with no `\`, no `"` and no
/// control character inside.
fn quoted(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    inner.bytes().all(|b| b != b'"' && b != b'\\' && (b >= 0x20 || b == b'\t') && b != 0x7f).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The Sbom read with the line reader (when it accepts the text) and with the TOML parser.
    fn both(text: &str) -> (bool, Result<crate::Sbom, crate::Diagnostic>, Result<crate::Sbom, crate::Diagnostic>) {
        let read = |fast: bool| {
            let mut out = Out::default();
            let format = read_text(text, fast, &mut out);
            out.finish(format)
        };
        (canonical(text).is_some(), read(true), read(false))
    }

    fn lockfiles() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![root.join("../../Cargo.lock")];
        for dir in [root.join("testdata/lockfiles"), root.join("../../scripts/bench-scan-data"), root.join("../cli/tests/fixtures/scan")] {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                let p = entry.unwrap().path();
                if p.to_string_lossy().ends_with(".lock") && p.file_name().is_some_and(|n| n.to_string_lossy().contains("Cargo")) {
                    paths.push(p);
                }
            }
        }
        paths.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())).collect()
    }

    #[test]
    fn the_line_reader_takes_what_cargo_writes_and_agrees_with_toml() {
        let files = lockfiles();
        assert!(files.len() >= 6, "{files:?}");
        let mut fast = 0;
        for (path, text) in &files {
            let (accepted, a, b) = both(text);
            assert_eq!(a, b, "{path}");
            // Every lockfile Cargo wrote in versions 3 and 4 takes the fast way (v1 has [metadata]).
            if text.lines().any(|l| l == "version = 3" || l == "version = 4") {
                assert!(accepted, "{path}");
                fast += 1;
            }
        }
        assert!(fast >= 5, "{fast}");
    }

    #[test]
    fn the_line_reader_gives_up_on_what_it_does_not_know() {
        for text in [
            "version = 3\n[[package]]\nname = \"a\"\nname = \"b\"\nversion = \"1\"\n",
            "version = 3\n[[package]]\nname = \"a\\u0041\"\nversion = \"1\"\n",
            "version = 3\n[[package]]\nname = \"a\" # comment\nversion = \"1\"\n",
            "version = 3\n[[package]]\nname=\"a\"\nversion = \"1\"\n",
            "version = 3\n[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b\"]\n",
            "version = 3\n[[package]]\nname = \"a\"\nversion = \"1\"\nchecksum = \"x\"\nchecksum = \"y\"\n",
            "version = 3\n[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\n \"b\",\n",
            "version = 3\n[metadata]\n",
            "version = \"3\"\n",
            "version = 3\nversion = 4\n",
            "version = 3\n[[package]]\nname = 1\nversion = \"1\"\n",
            "version = 3\n[[package]]\nfeatures = \"x\"\n",
        ] {
            let (accepted, a, b) = both(text);
            assert!(!accepted, "{text:?}");
            assert_eq!(a, b, "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// On a lockfile with bytes changed, inserted or cut, both ways give the same result.
        #[test]
        fn both_ways_agree_on_damaged_lockfiles(
            which in 0..4usize,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec!["", " ", "\"", "\\", "\n", "=", "[", "]", ",", "#", "[[package]]\n", "name = \"x\"\n", "\t", "\r"])), 1..4),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let files = ["testdata/lockfiles/Cargo.v3.lock", "testdata/lockfiles/Cargo.v4.lock", "testdata/lockfiles/Cargo.v1.lock", "../../scripts/bench-scan-data/old-pins.Cargo.lock"];
            let mut text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(files[which])).unwrap();
            for (at, insert) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                text.insert_str(i, insert);
            }
            if let Some(c) = cut {
                let mut i = c.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                text.truncate(i);
            }
            let (_, a, b) = both(&text);
            prop_assert_eq!(a, b);
        }
    }
}
