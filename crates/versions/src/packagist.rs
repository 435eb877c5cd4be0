//! Packagist: PHP's `version_compare`, on versions as Composer writes them.
//!
//! Written here because it is PHP's C function, not a library. The version (without a leading `v`
//! or `V`, which Composer strips) is cut into parts: runs of digits, runs of letters, with any
//! other character and every change between digits and letters separating them. Parts compare
//! pairwise: numbers numerically; words by their special form, found by prefix and case-sensitive
//! as in PHP (`dev < alpha = a < beta = b < RC = rc < pl = p`, any other word below `dev`); a number
//! sits between `rc` and `pl`. When one version runs out, the other is greater if it goes on with a
//! number or a `p…` word and smaller if it goes on with any other word.
//!
//! PHP reads a literal `#` as its internal marker for "a number" and lets it equal every number,
//! which makes `version_compare` intransitive (`1.2.3.# = 1.2.3` and `1.2.3.# = 1.2.3.1`, yet
//! `1.2.3 < 1.2.3.1`). No total order can keep that; we drop `#` parts, which keeps every other
//! `#` behaviour PHP has (`tests/fixtures.rs` lists the one shared test line this gives up).

use std::cmp::Ordering;

use crate::num::Num;

/// One part; variant order is the order, with the end of a version between `Rc` and `Num`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    Other,
    Dev,
    Alpha,
    Beta,
    Rc,
    Num(Num),
    Patch,
}

/// A parsed Packagist version.
#[derive(Clone, Debug)]
pub struct ComposerVersion {
    parts: Box<[Part]>,
}

fn special(word: &str) -> Part {
    const FORMS: [(&str, Part); 9] = [
        ("dev", Part::Dev),
        ("alpha", Part::Alpha),
        ("a", Part::Alpha),
        ("beta", Part::Beta),
        ("b", Part::Beta),
        ("RC", Part::Rc),
        ("rc", Part::Rc),
        ("pl", Part::Patch),
        ("p", Part::Patch),
    ];
    FORMS.iter().find(|(f, _)| word.starts_with(f)).map_or(Part::Other, |(_, p)| p.clone())
}

pub(crate) fn parse(input: &str) -> Result<ComposerVersion, String> {
    let s = input.strip_prefix(['v', 'V']).unwrap_or(input);
    let b = s.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            parts.push(Part::Num(Num::from_digits(&s[start..i])));
        } else if b[i].is_ascii_alphabetic() || b[i] == b'#' {
            while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'#') {
                i += 1;
            }
            if b[start] != b'#' {
                parts.push(special(&s[start..i]));
            }
        } else {
            i += 1;
        }
    }
    if parts.is_empty() {
        return Err("a Packagist version needs at least one number or word".into());
    }
    Ok(ComposerVersion { parts: parts.into() })
}

fn end_cmp(p: &Part) -> Ordering {
    if *p <= Part::Rc { Ordering::Greater } else { Ordering::Less }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.parts, &other.parts);
        for i in 0..a.len().max(b.len()) {
            let ord = match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => x.cmp(y),
                (None, Some(y)) => end_cmp(y),
                (Some(x), None) => end_cmp(x).reverse(),
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

crate::num::eq_from_ord!(ComposerVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> ComposerVersion {
        parse(s).unwrap()
    }

    #[test]
    fn php_special_forms() {
        let ordered = ["1.0-foo", "1.0-dev", "1.0alpha1", "1.0b1", "1.0RC1", "1.0", "1.0.0", "1.0pl1"];
        for w in ordered.windows(2) {
            assert!(c(w[0]) < c(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(c("1.0rc1"), c("1.0-RC-1"));
        assert_eq!(c("1.25.0-beta2.1"), c("1.25.0-b.2.1"));
        assert_eq!(c("v1.0"), c("1.0"));
        assert!(c("1.0-patch1") > c("1.0.5"), "a p-word sits above numbers");
        assert!(parse("---").is_err());
    }
}
