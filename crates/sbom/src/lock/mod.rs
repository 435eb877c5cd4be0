//! Lockfiles and pinned dependency lists. Each builds package URLs for the entries that come from the
//! ecosystem's public registry and keeps the others (git, path, workspace, other registries) without
//! a purl and with a note saying why.

pub(crate) mod cargo;
pub(crate) mod composer;
pub(crate) mod gemfile;
pub(crate) mod gomod;
pub(crate) mod npm;
pub(crate) mod poetry;
pub(crate) mod requirements;

use crate::out::Out;
use crate::text::{LineIndex, line};

/// The document as UTF-8, or a fatal diagnostic.
pub(crate) fn utf8<'a>(bytes: &'a [u8], out: &mut Out) -> Option<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            out.fatal("not_utf8", "", format!("the document is not UTF-8 (invalid byte at offset {})", e.valid_up_to()));
            None
        }
    }
}

/// Parses a TOML lockfile into `T`; a syntax or shape error is a fatal diagnostic with its line.
pub(crate) fn toml<T: serde::de::DeserializeOwned>(text: &str, lines: &LineIndex, out: &mut Out) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let at = e.span().map(|s| line(lines.line_of(s.start))).unwrap_or_default();
            out.fatal("invalid_toml", at, format!("{}; the document is not read", e.message().trim()));
            None
        }
    }
}

/// A string field of a TOML table: a diagnostic when it has another type.
pub(crate) fn toml_str<'v>(t: &'v toml::Table, key: &str, at: &str, out: &mut Out) -> Option<&'v str> {
    match t.get(key) {
        None => None,
        Some(toml::Value::String(s)) => Some(s),
        Some(other) => {
            out.diag("wrong_type", at, format!("{key}: expected a string, found {}", other.type_str()));
            None
        }
    }
}
