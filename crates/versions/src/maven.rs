//! Maven: the version order of the POM reference ("Version Order Specification"), which is what
//! Maven's `ComparableVersion` implements and what osv.dev applies to Maven advisories.
//!
//! Why our own: there is no Rust implementation of `ComparableVersion`, and Maven's own is not a
//! total order, so it cannot be copied as is. Parsing follows the specification: the lowercased
//! version is split into tokens at `.`, at `-` and at every change between digits and other
//! characters; a token split off by such a change counts as `-`-separated; an empty token is `0`;
//! `a`, `b`, `m` directly followed by digits mean `alpha`, `beta`, `milestone`; `cr` is `rc`;
//! `ga`, `final` and `release` are the empty qualifier. Then the null tokens (`0`, the empty
//! qualifier) at the end of the version and at the end of each `-` group are trimmed.
//!
//! Ordering: tokens compare pairwise. Qualifiers order `alpha < beta < milestone < rc < snapshot <
//! "" < sp < any other` (others alphabetically); numbers order numerically and above qualifiers;
//! and `.qualifier < -qualifier < -number < .number`. Where one version has run out, it is padded
//! with a null token (`0` or the empty qualifier).
//!
//! That specification is not a total order: `1.sp > 1 > 1-alpha > 1.sp`, and zeros padded against
//! zeros let `1.0.alpha < 1 < 1-1 < 1.0.alpha`. osv.dev sorts real Maven Central versions with it
//! and gets such cycles (its `2.9.0.RC3 < 2.9.0 < 2.9.0-1 < 2.9.0.RC1`, while `RC1 < RC3`). A sort
//! or a binary search needs a total order, so the comparison is rebuilt so that the end of a
//! version has one fixed rank, keeping the specification's answer wherever it is consistent:
//! - A run of `.0` parts followed by a `.qualifier` becomes one token. The specification compares
//!   it as a number against anything but the end of a version, and looks through the zeros at the
//!   end of a version (`5.0.0.Alpha1 < 5.0.0`); the merged token does both.
//! - The end of a version ranks above every prerelease token (`alpha` to `snapshot`, with either
//!   separator, also after zeros) and below everything else. This breaks the cycles at one place:
//!   a `.0.prerelease` version is below a `-number` or `-other` one (`2.9.0.RC1 < 2.9.0-1`, where
//!   the specification also says `2.9.0.RC1 < 2.9.0 < 2.9.0-1`), and a `.sp`-like qualifier is
//!   above a `-alpha`-like one (`1.sec10 > 1-alpha`).
//!
//! The resulting order of tokens, lowest first: `.pre`, `-pre`, `.0….pre`, (end), `.post`,
//! `-post`, `-number`, `.0….post`, `.number`, where `pre` is `alpha` to `snapshot` and `post` the
//! empty qualifier, `sp` and other words; the zero runs order by their length, then qualifier.
//!
//! On osv-scanner's 12,600 Maven orderings taken from Maven Central, this disagrees with three
//! lines, each one leg of a cycle like the one above.

use std::cmp::Ordering;

use crate::num::Num;

/// One token after normalisation. Variant order is the order; the end of a version ranks between
/// `PreZero` and `PostDot` (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Token {
    /// `.alpha` … `.snapshot`.
    PreDot(Qualifier),
    /// `-alpha` … `-snapshot`.
    PreDash(Qualifier),
    /// `.0.0.alpha` …: the number of zeros, then the qualifier.
    PreZero(usize, Qualifier),
    /// `.`, `.sp` or `.other` (the empty qualifier survives trimming only before a number).
    PostDot(Qualifier),
    /// `-`, `-sp` or `-other`.
    PostDash(Qualifier),
    DashNumber(Num),
    /// `.0.sp` …: the number of zeros, then the qualifier.
    PostZero(usize, Qualifier),
    DotNumber(Num),
}

/// Known qualifiers in their order; unknown ones after `sp`, alphabetically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Qualifier {
    Alpha,
    Beta,
    Milestone,
    Rc,
    Snapshot,
    Release,
    Sp,
    Other(Box<str>),
}

/// A parsed Maven version: its normalised token list.
#[derive(Clone, Debug)]
pub struct MavenVersion {
    tokens: Box<[Token]>,
}

/// A token as the specification splits it: its separator and its value.
struct Raw {
    dot: bool,
    value: Value,
}

enum Value {
    Num(Num),
    Qual(Qualifier),
}

impl Raw {
    fn is_null(&self) -> bool {
        match &self.value {
            Value::Num(n) => n.is_zero(),
            Value::Qual(q) => *q == Qualifier::Release,
        }
    }
}

impl Token {
    /// How the end of a version compares with this token.
    fn end_cmp(&self) -> Ordering {
        match self {
            Token::PreDot(_) | Token::PreDash(_) | Token::PreZero(..) => Ordering::Greater,
            _ => Ordering::Less,
        }
    }
}

fn qualifier(word: &str, followed_by_digit: bool) -> Qualifier {
    match word {
        "a" if followed_by_digit => Qualifier::Alpha,
        "b" if followed_by_digit => Qualifier::Beta,
        "m" if followed_by_digit => Qualifier::Milestone,
        "alpha" => Qualifier::Alpha,
        "beta" => Qualifier::Beta,
        "milestone" => Qualifier::Milestone,
        "rc" | "cr" => Qualifier::Rc,
        "snapshot" => Qualifier::Snapshot,
        "" | "ga" | "final" | "release" => Qualifier::Release,
        "sp" => Qualifier::Sp,
        other => Qualifier::Other(other.into()),
    }
}

pub(crate) fn parse(input: &str) -> MavenVersion {
    let lower = input.to_lowercase();
    let mut raw = Vec::new();
    let bytes = lower.as_bytes();
    let mut start = 0;
    // The first token counts as a number part, like one after '.'.
    let mut dot = true;
    loop {
        let end = bytes[start..].iter().position(|&c| c == b'.' || c == b'-').map_or(bytes.len(), |p| start + p);
        push_raw(&lower[start..end], dot, &mut raw);
        if end == bytes.len() {
            break;
        }
        dot = bytes[end] == b'.';
        start = end + 1;
    }
    trim(&mut raw);
    MavenVersion { tokens: merge(raw).into() }
}

/// One separator-delimited piece: empty means `0`; otherwise it is split at digit/non-digit
/// changes, and the pieces after the first count as `-`-separated.
fn push_raw(piece: &str, dot: bool, out: &mut Vec<Raw>) {
    if piece.is_empty() {
        out.push(Raw { dot, value: Value::Num(Num::ZERO) });
        return;
    }
    let parts = split_transitions(piece);
    let last = parts.len() - 1;
    for (j, part) in parts.iter().enumerate() {
        let value = if part.as_bytes()[0].is_ascii_digit() { Value::Num(Num::from_digits(part)) } else { Value::Qual(qualifier(part, j < last)) };
        out.push(Raw { dot: dot && j == 0, value });
    }
}

/// Splits at every change between ASCII digits and other characters.
fn split_transitions(raw: &str) -> Vec<&str> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..b.len() {
        if b[i].is_ascii_digit() != b[i - 1].is_ascii_digit() {
            out.push(&raw[start..i]);
            start = i;
        }
    }
    out.push(&raw[start..]);
    out
}

/// The specification's trimming: from the end, null tokens are removed until a non-null one; then
/// the same from the end of the previous `-` group, and so on. The first token always stays.
fn trim(tokens: &mut Vec<Raw>) {
    let mut i = tokens.len();
    while i > 1 {
        let t = i - 1;
        if tokens[t].is_null() {
            tokens.remove(t);
            i -= 1;
            continue;
        }
        let mut g = t;
        while g > 0 && tokens[g].dot {
            g -= 1;
        }
        i = g;
    }
}

/// Builds the comparison tokens, merging each run of `.0` (after the first token) with the
/// `.qualifier` that follows it.
fn merge(raw: Vec<Raw>) -> Vec<Token> {
    let mut out = Vec::with_capacity(raw.len());
    let mut zeros = 0;
    for (i, r) in raw.into_iter().enumerate() {
        let is_dot_zero = r.dot && i > 0 && matches!(&r.value, Value::Num(n) if n.is_zero());
        if is_dot_zero {
            zeros += 1;
            continue;
        }
        let pre = matches!(&r.value, Value::Qual(q) if *q < Qualifier::Release);
        let token = match (r.value, r.dot) {
            (Value::Qual(q), true) if zeros > 0 => {
                let k = std::mem::take(&mut zeros);
                if pre { Token::PreZero(k, q) } else { Token::PostZero(k, q) }
            }
            (value, dot) => {
                // Zeros not followed by a `.qualifier` stay numbers.
                for _ in 0..std::mem::take(&mut zeros) {
                    out.push(Token::DotNumber(Num::ZERO));
                }
                match (value, dot) {
                    (Value::Num(n), true) => Token::DotNumber(n),
                    (Value::Num(n), false) => Token::DashNumber(n),
                    (Value::Qual(q), true) if pre => Token::PreDot(q),
                    (Value::Qual(q), false) if pre => Token::PreDash(q),
                    (Value::Qual(q), true) => Token::PostDot(q),
                    (Value::Qual(q), false) => Token::PostDash(q),
                }
            }
        };
        out.push(token);
    }
    for _ in 0..zeros {
        out.push(Token::DotNumber(Num::ZERO));
    }
    out
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.tokens, &other.tokens);
        for i in 0..a.len().max(b.len()) {
            let ord = match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => x.cmp(y),
                (None, Some(y)) => y.end_cmp(),
                (Some(x), None) => x.end_cmp().reverse(),
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

crate::num::eq_from_ord!(MavenVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> MavenVersion {
        parse(s)
    }

    #[test]
    fn tokens_and_trimming() {
        assert_eq!(m("1.0.0").tokens.len(), 1);
        assert_eq!(m("1-1.foo-bar-1-baz-0.1"), m("1-1.foo-bar1baz-.1"));
        assert_eq!(m("1.0.RELEASE"), m("1"));
        assert_eq!(m("1-ga-1"), m("1-1"));
        assert_eq!(m("0.0.0-0.0.0"), m("0"));
    }

    #[test]
    fn qualifier_order_from_the_specification() {
        let ordered = ["1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc", "1-xyz", "1-1", "1.1"];
        for w in ordered.windows(2) {
            assert!(m(w[0]) < m(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(m("1-cr"), m("1-rc"));
        assert_eq!(m("1.final"), m("1"));
    }

    #[test]
    fn dot_qualifiers_and_the_end_of_a_version() {
        assert!(m("1.sp") < m("1-sp"), ".qualifier < -qualifier");
        assert!(m("1.0.sp") > m("1-sp"), "a zero is a number: .0.sp > -sp");
        assert!(m("1.0.0.sp") > m("1.0.sp"));
        assert!(m("2.0.0-M4") < m("2.0.0.M5"));
        assert!(m("1.0.0.Alpha1") < m("1.0.0") && m("1.0.0.Alpha1") < m("1.0.0.Alpha2"));
        assert!(m("1.sp") > m("1") && m("1") > m("1-alpha") && m("1.sp") > m("1-alpha"), "no cycle");
        assert!(m("6.1.12.rc5") < m("6.1.12rc1"));
    }
}
