//! Alpine (and the other apk-based distributions): apk-tools' version order.
//!
//! Written here because apk-tools is C and no Rust crate implements it. A version is
//! `number{.number}{letter}{_suffix{number}}{~hash}{-r#}`, compared part by part in that order:
//! - numbers: the first numerically; later ones numerically too, except that one with a leading
//!   zero compares as text (apk's Gentoo-style rule: `1.01 < 1.1`); a missing part counts as `0`;
//! - the letter (`a`–`z`): none < any, then alphabetically; apk 2.x also allows digits right after
//!   the letter (`1.8.1p1`, common in Alpine's own security data), which compare numerically;
//! - suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, each with an
//!   optional number, a missing suffix counting as "none";
//! - the commit hash `~…`: none < any, then as text (apk-tools 3);
//! - the build `-rN`, missing counting as `-r0`.
//!
//! Versions that do not follow the grammar are still ordered, as osv-scanner and the shared test
//! data expect: parsing stops at the first character that does not fit, and a version with such a
//! remainder sorts just below the same version without it (`1.2_blah < 1.2`), whatever the
//! remainder says. apk-tools itself changed its answers for such strings between 2.x and 3.x, and
//! its comparison of them is not transitive; ours is, because it is one fixed key per version.

use std::cmp::Ordering;

use crate::num::{Num, cmp_padded};

/// A number part after the first: one with a leading zero compares as text and below all others.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    LeadingZero(Box<str>),
    Num(Num),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum SuffixKind {
    Alpha,
    Beta,
    Pre,
    Rc,
    None,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

/// A parsed apk version. Field order is comparison order.
#[derive(Clone, Debug)]
pub struct ApkVersion {
    first: Num,
    /// Later number parts, with trailing `0` parts removed (a missing part counts as `0`).
    rest: Box<[Part]>,
    letter: Option<u8>,
    letter_number: Option<Num>,
    suffixes: Box<[(SuffixKind, Num)]>,
    hash: Option<Box<str>>,
    build: Num,
    /// Whether the whole string followed the grammar.
    complete: bool,
}

fn zero_part() -> Part {
    Part::LeadingZero("0".into())
}

pub(crate) fn parse(input: &str) -> ApkVersion {
    let b = input.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        &input[start..*i]
    };

    let mut numbers: Vec<&str> = Vec::new();
    // A version that starts with '.' has an empty first number, as apk-tools 2.x reads it (`.1 < 1`,
    // `.1 < .2`).
    if b.first() == Some(&b'.') {
        numbers.push("");
        i = 1;
    }
    loop {
        let d = digits(&mut i);
        if d.is_empty() {
            break;
        }
        numbers.push(d);
        if i < b.len() && b[i] == b'.' {
            i += 1; // osv-scanner's `((\d+)\.?)*` also eats a trailing dot
        } else {
            break;
        }
    }
    let first = numbers.first().filter(|d| !d.is_empty()).map_or(Num::ZERO, |d| Num::from_digits(d));
    let mut rest: Vec<Part> =
        numbers.iter().skip(1).map(|d| if d.starts_with('0') { Part::LeadingZero((*d).into()) } else { Part::Num(Num::from_digits(d)) }).collect();
    let zero = zero_part();
    while rest.last() == Some(&zero) {
        rest.pop();
    }

    let mut letter = None;
    let mut letter_number = None;
    if i < b.len() && b[i].is_ascii_lowercase() {
        letter = Some(b[i]);
        i += 1;
        let d = digits(&mut i);
        if !d.is_empty() {
            letter_number = Some(Num::from_digits(d));
        }
    }

    let mut suffixes = Vec::new();
    while i < b.len() && b[i] == b'_' {
        const NAMES: [(&str, SuffixKind); 9] = [
            ("alpha", SuffixKind::Alpha),
            ("beta", SuffixKind::Beta),
            ("pre", SuffixKind::Pre),
            ("rc", SuffixKind::Rc),
            ("cvs", SuffixKind::Cvs),
            ("svn", SuffixKind::Svn),
            ("git", SuffixKind::Git),
            ("hg", SuffixKind::Hg),
            ("p", SuffixKind::P),
        ];
        let Some((name, kind)) = NAMES.iter().find(|(n, _)| input[i + 1..].starts_with(n)) else {
            break;
        };
        i += 1 + name.len();
        let d = digits(&mut i);
        suffixes.push((*kind, if d.is_empty() { Num::ZERO } else { Num::from_digits(d) }));
    }

    let mut hash = None;
    if i < b.len() && b[i] == b'~' {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)).count();
        if n > 0 {
            hash = Some(input[i + 1..i + 1 + n].into());
            i += 1 + n;
        }
    }

    let mut build = Num::ZERO;
    if input[i..].starts_with("-r") {
        i += 2;
        let d = digits(&mut i);
        if !d.is_empty() {
            build = Num::from_digits(d);
        }
    }

    ApkVersion { first, rest: rest.into(), letter, letter_number, suffixes: suffixes.into(), hash, build, complete: i == b.len() }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        const NO_SUFFIX: (SuffixKind, Num) = (SuffixKind::None, Num::ZERO);
        self.first
            .cmp(&other.first)
            .then_with(|| cmp_padded(&self.rest, &other.rest, &zero_part()))
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| self.letter_number.cmp(&other.letter_number))
            .then_with(|| cmp_padded(&self.suffixes, &other.suffixes, &NO_SUFFIX))
            .then_with(|| self.hash.cmp(&other.hash))
            .then_with(|| self.build.cmp(&other.build))
            .then_with(|| self.complete.cmp(&other.complete))
    }
}

crate::num::eq_from_ord!(ApkVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> ApkVersion {
        parse(s)
    }

    #[test]
    fn apk_rules() {
        let ordered = [
            "1.0_alpha",
            "1.0_beta2",
            "1.0_pre1",
            "1.0_rc1",
            "1.0",
            "1.0-r1",
            "1.0_cvs1",
            "1.0_svn",
            "1.0_git1",
            "1.0_hg1",
            "1.0_p1",
            "1.0a",
            "1.0b",
            "1.0.1",
            "1.1",
        ];
        for w in ordered.windows(2) {
            assert!(a(w[0]) < a(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(a("1.0"), a("1.0-r0"));
        assert_eq!(a("1.0"), a("1.0.0"));
        assert!(a("1.01") < a("1.1"), "leading zero compares as text");
        assert!(a("1.8.1p1-r1") < a("1.8.1p2-r0"));
        assert!(a("1.2_blah") < a("1.2"));
        assert!(a("1.0~abc") > a("1.0"));
    }
}
