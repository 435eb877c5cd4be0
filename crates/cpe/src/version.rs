//! A generic version ordering for CPE version ranges.
//!
//! NVD configurations and CVE 5 `affected` entries bound CPE versions with plain strings
//! (`versionEndExcluding: "3.0.8"`) and no ecosystem, so no ecosystem's rules apply (for those,
//! `clearinghouse-versions` has the exact orderings). This one reads what products commonly write:
//! dotted numbers, pre-release words, OpenSSL-style letter releases; and where a comparison would
//! be a guess it says so by returning `None`, which a rule reports as undetermined rather than
//! as a wrong "affected" or "not affected".

use std::cmp::Ordering;

/// The longest version compared, in bytes; longer strings are not ordered.
pub const MAX_VERSION_LEN: usize = 256;

/// A run of digits (leading zeros dropped) or of letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Num(&'a str),
    /// A word; `pre` is its rank when it marks a pre-release (it then sorts before the release).
    Word {
        text: &'a str,
        pre: Option<u8>,
    },
}

/// Pre-release words and their order: dev < alpha < beta < pre/preview/milestone < rc.
fn pre_rank(word: &str) -> Option<u8> {
    let w = word.to_ascii_lowercase();
    match w.as_str() {
        "dev" | "snapshot" => Some(0),
        "alpha" => Some(1),
        "beta" => Some(2),
        "pre" | "preview" | "milestone" => Some(3),
        "rc" | "cr" => Some(4),
        _ => None,
    }
}

fn tokenize(v: &str) -> Option<Vec<Token<'_>>> {
    if v.is_empty() || v.len() > MAX_VERSION_LEN || !v.bytes().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    // ANY, NA and wildcards are not versions.
    if v == "-" || v.contains(['*', '?']) || !v.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let b = v.as_bytes();
    let mut i = usize::from(matches!(b, [b'v' | b'V', d, ..] if d.is_ascii_digit()));
    // (token, glued to the previous token without a separator)
    let mut runs: Vec<(Token<'_>, bool)> = Vec::new();
    let mut glued = false;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = v[start..i].trim_start_matches('0');
            runs.push((Token::Num(digits), glued));
            glued = true;
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            let text = &v[start..i];
            runs.push((Token::Word { text, pre: pre_rank(text) }, glued));
            glued = true;
        } else {
            // `.`, `-`, `_`, `+` and any other punctuation separate runs.
            i += 1;
            glued = false;
        }
    }
    // PEP 440's short forms `1.0a1` and `2.0b3`: a lone `a` or `b` between two numbers, glued to both,
    // is alpha or beta; Maven's milestones `9.0.0.M1`: a lone `m` glued to the number after it. A
    // trailing letter (`1.0.2k`, OpenSSL) is a later release, not a pre-release.
    let mut tokens: Vec<Token<'_>> = runs.iter().map(|(t, _)| *t).collect();
    for k in 0..runs.len().saturating_sub(1) {
        let (Token::Word { text, pre: None }, glued_before) = runs[k] else { continue };
        if !matches!(runs[k + 1], (Token::Num(_), true)) {
            continue;
        }
        let after_number = glued_before && k > 0 && matches!(runs[k - 1].0, Token::Num(_));
        let rank = match text {
            "a" | "A" if after_number => Some(1),
            "b" | "B" if after_number => Some(2),
            "m" | "M" => Some(3),
            _ => None,
        };
        if rank.is_some() {
            tokens[k] = Token::Word { text, pre: rank };
        }
    }
    Some(tokens)
}

fn cmp_token(a: Token<'_>, b: Token<'_>) -> Option<Ordering> {
    use Token::{Num, Word};
    Some(match (a, b) {
        (Num(x), Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
        (Word { pre: Some(p), .. }, Word { pre: Some(q), .. }) => p.cmp(&q),
        (Word { pre: Some(_), .. }, _) => Ordering::Less,
        (_, Word { pre: Some(_), .. }) => Ordering::Greater,
        (Word { text: x, .. }, Word { text: y, .. }) => x.bytes().map(|c| c.to_ascii_lowercase()).cmp(y.bytes().map(|c| c.to_ascii_lowercase())),
        // A number against a word at the same place (`1.0.1a` against `1.0.1.1`, `2.x` against
        // `2.1`): the two strings follow different schemes.
        (Num(_), Word { .. }) | (Word { .. }, Num(_)) => return None,
    })
}

/// How the tokens that one version has beyond the other's end compare with nothing: zeros are
/// nothing (`1.0` = `1.0.0`), a pre-release word makes it earlier (`1.0-rc1` < `1.0`), anything
/// else later (`1.0.1` > `1.0`, `1.0.2k` > `1.0.2`).
fn cmp_tail(rest: &[Token<'_>]) -> Ordering {
    for t in rest {
        match t {
            Token::Num("") => continue,
            Token::Word { pre: Some(_), .. } => return Ordering::Less,
            _ => return Ordering::Greater,
        }
    }
    Ordering::Equal
}

/// Orders two version strings the way most products number their releases, or `None` when it
/// cannot: either is empty, longer than [`MAX_VERSION_LEN`], has no digit (`latest`,
/// `unspecified`), is `-` or has a wildcard, has white space or non-ASCII, or the two put a number
/// and a word at the same place.
///
/// The strings are split into runs of digits and runs of letters; `.`, `-`, `_`, `+` and other
/// punctuation only separate. Runs compare in turn: numbers numerically (any length), words
/// ignoring ASCII case. The words `dev`, `snapshot`, `alpha`, `beta`, `pre`, `preview`, `milestone`,
/// `rc` and `cr` (and `a`/`b` between two numbers, `1.0a1`; `m` before one, `9.0.0.M1`) mark a
/// pre-release, which sorts before the release and before any other run at its place, in that
/// order. Missing trailing zeros are zeros; a leading `v` before a digit is dropped.
///
/// ```
/// use clearinghouse_cpe::compare_versions;
/// use std::cmp::Ordering::*;
/// assert_eq!(compare_versions("1.10", "1.9"), Some(Greater));
/// assert_eq!(compare_versions("2.0.0-rc1", "2.0.0"), Some(Less));
/// assert_eq!(compare_versions("1.0.2k", "1.0.2"), Some(Greater));
/// assert_eq!(compare_versions("1.0", "1.0.0"), Some(Equal));
/// assert_eq!(compare_versions("*", "1.0"), None);
/// ```
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let (ta, tb) = (tokenize(a)?, tokenize(b)?);
    for (x, y) in ta.iter().zip(&tb) {
        match cmp_token(*x, *y)? {
            Ordering::Equal => {}
            other => return Some(other),
        }
    }
    Some(match ta.len().cmp(&tb.len()) {
        Ordering::Equal => Ordering::Equal,
        Ordering::Greater => cmp_tail(&ta[tb.len()..]),
        Ordering::Less => cmp_tail(&tb[ta.len()..]).reverse(),
    })
}
