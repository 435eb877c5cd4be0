//! RubyGems: `Gem::Version`.
//!
//! Written here because no Rust crate implements it; the rules are short. A `-` means `.pre.`
//! (`1.0-1` is `1.0.pre.1`); the version is cut into segments, runs of digits (numbers) and runs
//! of letters (strings), everything else only separating them; a version with any letter is a
//! prerelease. The canonical segments drop trailing zeros from the leading numeric part and from
//! the rest (`1.0.a.0` is `1.a`). Comparison pads the shorter list with `0`; a string is below any
//! number, strings compare byte by byte (case-sensitive), numbers numerically.
//!
//! Gem itself also refuses a letter directly after the first number (`1beta`); osv-scanner and the
//! shared test data accept such versions with the same segment rules, so we do too.

use std::cmp::Ordering;

use crate::num::{Num, cmp_padded};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Segment {
    Str(Box<str>),
    Num(Num),
}

/// A parsed RubyGems version: its canonical segments.
#[derive(Clone, Debug)]
pub struct GemVersion {
    segments: Box<[Segment]>,
}

const PAD: Segment = Segment::Num(Num::ZERO);

pub(crate) fn parse(input: &str) -> Result<GemVersion, String> {
    if !input.as_bytes()[0].is_ascii_digit() {
        return Err("a RubyGems version starts with a number".into());
    }
    if let Some(c) = input.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-')) {
        return Err(format!("'{c}' is not allowed in a RubyGems version (only letters, digits, '.' and '-')"));
    }
    let expanded = input.replace('-', ".pre.");
    let b = expanded.as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            segments.push(Segment::Num(Num::from_digits(&expanded[start..i])));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            segments.push(Segment::Str(expanded[start..i].into()));
        } else {
            i += 1;
        }
    }
    // canonical_segments: trailing zeros off the numeric part and off the rest, separately.
    let split = segments.iter().position(|s| matches!(s, Segment::Str(_))).unwrap_or(segments.len());
    let mut rest = segments.split_off(split);
    while segments.last() == Some(&PAD) {
        segments.pop();
    }
    while rest.last() == Some(&PAD) {
        rest.pop();
    }
    segments.extend(rest);
    Ok(GemVersion { segments: segments.into() })
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_padded(&self.segments, &other.segments, &PAD)
    }
}

crate::num::eq_from_ord!(GemVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> GemVersion {
        parse(s).unwrap()
    }

    #[test]
    fn gem_version_rules() {
        assert_eq!(g("1.0.a.0"), g("1.a"));
        assert_eq!(g("1.0-1"), g("1.0.pre.1"));
        assert!(g("1.0.a") < g("1.0"));
        assert!(g("1.0.A") < g("1.0.a"), "strings compare case-sensitively");
        assert!(g("1.0.b1") < g("1.0.1"));
        assert!(g("3.2") < g("3.10"));
        assert!(parse("a1").is_err());
        assert!(parse("1.0_1").is_err());
    }
}
