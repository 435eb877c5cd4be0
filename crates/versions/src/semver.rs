//! SemVer and its dialects: npm (node-semver), crates.io, Go modules, Hex, Pub, NuGet, SwiftURL,
//! and osv-scanner's lenient "semver-like" comparator.
//!
//! Why our own parser rather than the `semver` crate: that crate is strict SemVer 2.0.0 with `u64`
//! numbers, which is right for Cargo but refuses what the other dialects accept (`v1.2.3` in Go and
//! npm, `=1.2.3` in npm, leading zeros in npm loose mode and Pub, four parts in NuGet) and every
//! number past 64 bits. The dialects differ only in what they accept and in two ordering details
//! (Pub orders by build metadata, NuGet ignores case in prerelease labels), so one small parser with
//! a dialect table covers them all and they share one comparison key. The `semver` crate is still
//! used, in the property tests, as an oracle for strict SemVer precedence.
//!
//! Ordering (SemVer 2.0.0 §11): release numbers numerically; a version with a prerelease sorts
//! before the same version without one; prerelease identifiers compare one by one, numeric ones
//! numerically and below alphanumeric ones, alphanumeric ones by ASCII; a longer list of equal
//! identifiers is greater. Build metadata is ignored, except in Pub.

use crate::num::Num;

/// One prerelease or build identifier. Variant order is SemVer's: numeric identifiers have lower
/// precedence than alphanumeric ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Ident {
    Num(Num),
    Alpha(Box<str>),
}

/// The prerelease part. Variant order puts every prerelease before the release itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Pre {
    Pre(Box<[Ident]>),
    Release,
}

/// The comparison key shared by every SemVer dialect. Field order is comparison order, so the
/// derived `Ord` is the ordering:
/// - `release` has its trailing zeros removed, which makes lexicographic order equal to comparing
///   the parts padded with zeros (`1.0` = `1.0.0` where a dialect allows both spellings);
/// - `build` is empty except in Pub, where "no build" sorts before any build (derived `Vec` order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SemverKey {
    release: Box<[Num]>,
    pre: Pre,
    build: Box<[Ident]>,
}

/// What a dialect accepts and how it orders.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dialect {
    pub(crate) name: &'static str,
    prefix: Prefix,
    min_parts: usize,
    max_parts: usize,
    /// Go: `v1` and `v1.2` are shorthands for `v1.0.0` and `v1.2.0`, but only without a suffix.
    short_forms_bare: bool,
    leading_zeros: bool,
    /// node-semver loose mode: `1.2.3beta` means `1.2.3-beta`.
    optional_pre_hyphen: bool,
    /// NuGet compares prerelease labels case-insensitively.
    fold_case: bool,
    /// Pub orders versions by build metadata after the prerelease.
    ordered_build: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Prefix {
    None,
    /// One optional `v`.
    OptionalV,
    /// node-semver loose mode: any run of `v`, `=` and spaces.
    NodeLoose,
}

const STRICT: Dialect = Dialect {
    name: "SemVer 2.0.0",
    prefix: Prefix::None,
    min_parts: 3,
    max_parts: 3,
    short_forms_bare: false,
    leading_zeros: false,
    optional_pre_hyphen: false,
    fold_case: false,
    ordered_build: false,
};

/// crates.io (Cargo's `semver`) and Hex (Elixir's `Version`): strict SemVer 2.0.0.
pub(crate) const SEMVER: Dialect = STRICT;

/// SwiftURL: SemVer 2.0.0 tags, which Swift Package Manager also accepts with a leading `v`.
pub(crate) const SWIFT: Dialect = Dialect { name: "SemVer 2.0.0 tag", prefix: Prefix::OptionalV, ..STRICT };

/// npm: node-semver in loose mode, as npm reads versions it did not publish itself.
pub(crate) const NODE: Dialect = Dialect { name: "node-semver", prefix: Prefix::NodeLoose, leading_zeros: true, optional_pre_hyphen: true, ..STRICT };

/// Go modules: `golang.org/x/mod/semver`, with the `v` optional because OSV records omit it.
/// Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…-abc`) are ordinary
/// prereleases and order correctly as such; `+incompatible` is build metadata and ignored.
pub(crate) const GO: Dialect = Dialect { name: "Go module version", prefix: Prefix::OptionalV, min_parts: 1, short_forms_bare: true, ..STRICT };

/// Pub: `pub_semver`. Leading zeros are read as numbers (Dart's `int.parse`) and build metadata
/// takes part in the order.
pub(crate) const PUB: Dialect = Dialect { name: "pub_semver", leading_zeros: true, ordered_build: true, ..STRICT };

/// NuGet: `NuGetVersion`, one to four release parts, case-insensitive prerelease labels.
pub(crate) const NUGET: Dialect = Dialect { name: "NuGet version", min_parts: 1, max_parts: 4, leading_zeros: true, fold_case: true, ..STRICT };

pub(crate) fn parse(d: &Dialect, input: &str) -> Result<SemverKey, String> {
    let rest = match d.prefix {
        Prefix::None => input,
        Prefix::OptionalV => input.strip_prefix('v').unwrap_or(input),
        Prefix::NodeLoose => input.trim_start_matches(|c: char| c == 'v' || c == '=' || c.is_ascii_whitespace()),
    };
    let bytes = rest.as_bytes();
    let mut pos = 0;
    let mut release = Vec::with_capacity(d.max_parts);
    loop {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return Err(if release.is_empty() {
                format!("a {} must start with a number", d.name)
            } else {
                format!("expected a number after '.' at byte {}", start + (input.len() - rest.len()))
            });
        }
        let digits = &rest[start..pos];
        if !d.leading_zeros && digits.len() > 1 && digits.starts_with('0') {
            return Err(format!("'{digits}' has a leading zero, which {} does not allow", d.name));
        }
        release.push(Num::from_digits(digits));
        if release.len() < d.max_parts && bytes.get(pos) == Some(&b'.') {
            pos += 1;
            continue;
        }
        break;
    }
    if release.len() < d.min_parts {
        return Err(format!("a {} needs {} numeric parts (MAJOR.MINOR.PATCH), found {}", d.name, d.min_parts, release.len()));
    }

    let mut pre = Pre::Release;
    match bytes.get(pos) {
        Some(b'-') => {
            let (idents, end) = identifiers(d, rest, pos + 1, "prerelease", true)?;
            pre = Pre::Pre(idents);
            pos = end;
        }
        Some(c) if d.optional_pre_hyphen && c.is_ascii_alphabetic() => {
            let (idents, end) = identifiers(d, rest, pos, "prerelease", true)?;
            pre = Pre::Pre(idents);
            pos = end;
        }
        _ => {}
    }
    let mut build: Box<[Ident]> = Box::default();
    if bytes.get(pos) == Some(&b'+') {
        let (idents, end) = identifiers(d, rest, pos + 1, "build metadata", false)?;
        if d.ordered_build {
            build = idents;
        }
        pos = end;
    }
    if pos < bytes.len() {
        let c = rest[pos..].chars().next().unwrap_or('?');
        return Err(format!("unexpected '{c}' at byte {}", pos + (input.len() - rest.len())));
    }
    let has_suffix = pre != Pre::Release || rest.contains('+');
    if d.short_forms_bare && release.len() < 3 && has_suffix {
        return Err(format!("a shortened {} (vMAJOR or vMAJOR.MINOR) cannot carry a prerelease or build", d.name));
    }
    trim_zeros(&mut release);
    Ok(SemverKey { release: release.into(), pre, build })
}

/// Parses dot-separated identifiers from `start` up to the first character that cannot be in one
/// (`+` or the end), checking each against SemVer's `[0-9A-Za-z-]+` and, for prereleases, the
/// leading-zero rule on numeric identifiers.
fn identifiers(d: &Dialect, s: &str, start: usize, what: &str, numeric_rule: bool) -> Result<(Box<[Ident]>, usize), String> {
    let bytes = s.as_bytes();
    let mut end = start;
    while end < bytes.len() && bytes[end] != b'+' {
        end += 1;
    }
    let mut out = Vec::new();
    for part in s[start..end].split('.') {
        if part.is_empty() {
            return Err(format!("empty {what} identifier"));
        }
        if let Some(c) = part.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!("'{c}' is not allowed in {what} (only ASCII letters, digits and '-')"));
        }
        if part.bytes().all(|b| b.is_ascii_digit()) && (numeric_rule || d.ordered_build) {
            if numeric_rule && !d.leading_zeros && part.len() > 1 && part.starts_with('0') {
                return Err(format!("numeric {what} identifier '{part}' has a leading zero"));
            }
            out.push(Ident::Num(Num::from_digits(part)));
        } else if d.fold_case {
            out.push(Ident::Alpha(part.to_ascii_lowercase().into()));
        } else {
            out.push(Ident::Alpha(part.into()));
        }
    }
    Ok((out.into(), end))
}

fn trim_zeros(release: &mut Vec<Num>) {
    while release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
}

/// osv-scanner's lenient "semver-like" comparator (`internal/semantic`, the comparator its fixtures
/// were written for), kept for versions a strict dialect refuses and for ecosystems that only
/// loosely follow SemVer (ConanCenter, Bitnami).
///
/// Its rules: one leading `v` is dropped; numbers separated by dots are release parts, however many
/// and however large; the first other character starts the suffix. Only the first three parts are
/// the release: further parts are appended to the suffix as `.N`, so `1.2.3.4` is a prerelease of
/// `1.2.3`, as osv-scanner does. In the suffix, `+…` is build metadata and ignored, one leading `-`
/// is dropped, and what remains is a prerelease compared as SemVer identifiers. It accepts any
/// string that starts with a digit (after the optional `v`).
pub(crate) fn parse_lenient(input: &str) -> Result<SemverKey, String> {
    let s = input.strip_prefix('v').unwrap_or(input);
    let bytes = s.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return Err("a semver-like version must start with a number".into());
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut pos = 0;
    let mut start = 0;
    while pos < bytes.len() {
        let c = bytes[pos];
        if c.is_ascii_digit() {
            pos += 1;
            continue;
        }
        if pos > start {
            parts.push(&s[start..pos]);
        }
        if c == b'.' {
            pos += 1;
            start = pos;
            continue;
        }
        break;
    }
    if pos == bytes.len() && pos > start {
        parts.push(&s[start..pos]);
    }
    let mut suffix = s[pos..].to_string();
    for extra in parts.iter().skip(3) {
        suffix.push('.');
        suffix.push_str(Num::from_digits(extra).to_string_lossless().as_str());
    }
    let mut release: Vec<Num> = parts.iter().take(3).map(|p| Num::from_digits(p)).collect();
    trim_zeros(&mut release);
    let without_build = suffix.split('+').next().unwrap_or("");
    let pre_text = without_build.strip_prefix('-').unwrap_or(without_build);
    let pre = if pre_text.is_empty() {
        Pre::Release
    } else {
        Pre::Pre(
            pre_text
                .split('.')
                .map(|p| if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) { Ident::Num(Num::from_digits(p)) } else { Ident::Alpha(p.into()) })
                .collect(),
        )
    };
    Ok(SemverKey { release: release.into(), pre, build: Box::default() })
}

impl Num {
    /// The canonical decimal spelling (used only to rebuild osv-scanner's suffix string).
    fn to_string_lossless(&self) -> String {
        match self {
            Num::Small(v) => v.to_string(),
            Num::Big(s) => s.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn cmp(d: &Dialect, a: &str, b: &str) -> Ordering {
        parse(d, a).unwrap().cmp(&parse(d, b).unwrap())
    }

    #[test]
    fn strict_refuses_what_semver_refuses() {
        for bad in ["1.2", "1.2.3.4", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3-a..b", "1.2.3+", "v1.2.3", "1.2.3-ä", "1.2.3 x"] {
            assert!(parse(&SEMVER, bad).is_err(), "{bad} should be refused");
        }
        assert!(parse(&SEMVER, "1.2.3-0a.1+001").is_ok(), "build identifiers may have leading zeros");
    }

    #[test]
    fn go_accepts_v_and_shorthands_without_suffix() {
        assert_eq!(cmp(&GO, "v1", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp(&GO, "v1.2", "v1.2.0"), Ordering::Equal);
        assert!(parse(&GO, "v1.2-pre").is_err());
        assert!(parse(&GO, "v1.2.3.4").is_err());
        assert_eq!(cmp(&GO, "v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
    }

    #[test]
    fn node_loose_prefixes_and_hyphenless_prerelease() {
        assert_eq!(cmp(&NODE, "=v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp(&NODE, "1.2.3beta", "1.2.3-beta"), Ordering::Equal);
        assert_eq!(cmp(&NODE, "01.02.03", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp(&NODE, "1.2.3-01", "1.2.3-1"), Ordering::Equal);
    }

    #[test]
    fn pub_orders_build_after_prerelease() {
        assert_eq!(cmp(&PUB, "1.0.0+1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp(&PUB, "1.0.0+2", "1.0.0+10"), Ordering::Less);
        assert_eq!(cmp(&PUB, "1.0.0-dev+5", "1.0.0"), Ordering::Less);
        assert_eq!(cmp(&PUB, "1.0.0+build", "1.0.0+1"), Ordering::Greater);
    }

    #[test]
    fn nuget_folds_case_and_pads_four_parts() {
        assert_eq!(cmp(&NUGET, "1.0.0-BETA", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(cmp(&NUGET, "1", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp(&NUGET, "1.0.0.1", "1.0.0"), Ordering::Greater);
        assert!(parse(&NUGET, "1.0.0.0.0").is_err());
    }

    #[test]
    fn lenient_moves_extra_parts_into_the_prerelease() {
        let a = parse_lenient("1.1.3.4.5").unwrap();
        let b = parse_lenient("1.1.3").unwrap();
        assert!(a < b, "osv-scanner treats parts after the third as a suffix");
        assert_eq!(parse_lenient("v1.2.3+x").unwrap(), parse_lenient("1.2.3").unwrap());
        assert!(parse_lenient("x1").is_err());
    }
}
