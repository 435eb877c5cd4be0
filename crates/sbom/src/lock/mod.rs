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
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

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
pub(crate) fn toml<'a, T: serde::Deserialize<'a>>(text: &'a str, lines: &LineIndex, out: &mut Out) -> Option<T> {
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

/// A TOML value read without building a tree (a `toml::Value` per field costs more than the rest of a
/// Cargo.lock scan): a string, borrowed from the document when it has no escapes; the strings of an
/// array (other items skipped); or the name of the type found instead.
#[derive(Debug)]
pub(crate) enum Loose<'a> {
    Str(Cow<'a, str>),
    Strs(Vec<Cow<'a, str>>),
    Other(&'static str),
}

impl<'a> Loose<'a> {
    /// The string, or a `wrong_type` diagnostic naming `key` and what was found.
    pub fn str(&self, key: &str, at: &str, out: &mut Out) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            other => {
                out.diag("wrong_type", at, format!("{key}: expected a string, found {}", other.type_str()));
                None
            }
        }
    }

    pub fn type_str(&self) -> &'static str {
        match self {
            Loose::Str(_) => "string",
            Loose::Strs(_) => "array",
            Loose::Other(t) => t,
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<Loose<'a>>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any TOML value")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Loose<'a>, E> {
                Ok(Loose::Str(Cow::Owned(s)))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loose<'a>, E> {
                Ok(Loose::Other("integer"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loose<'a>, E> {
                Ok(Loose::Other("integer"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loose<'a>, E> {
                Ok(Loose::Other("float"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose<'a>, E> {
                Ok(Loose::Other("boolean"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'a>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Loose<'a>>()? {
                    if let Loose::Str(s) = item {
                        items.push(s);
                    }
                }
                Ok(Loose::Strs(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other("table"))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
