//! PyPI: PEP 440 versions, and the "legacy" ordering for strings that are not PEP 440.
//!
//! Why our own rather than `pep440_rs`: that crate is sound and exact for PEP 440, but it stores
//! release numbers as `u64` (refusing `999999999999999999999999999991`, a valid PEP 440 version),
//! and it has no legacy ordering, which osv.dev applies to the many old PyPI releases that are not
//! PEP 440 (it uses the `packaging_legacy` module for them). A PEP 440 key is a handful of numbers,
//! and the grammar is the regular expression of the PEP's appendix B, so the parser below follows
//! that expression piece by piece. `pep440_rs` is the oracle for the PEP 440 part in the property
//! tests.
//!
//! Order (PEP 440 "Summary of permitted suffixes and relative ordering", as `packaging` keys it):
//! epoch; release with trailing zeros ignored; then `.devN` of a plain release, before any
//! prerelease; prereleases `aN < bN < rcN` (`alpha`, `beta`, `c`, `pre`, `preview` are spellings
//! of those); the release; `.postN` (also `-N`, `rev`, `r`); `.devN` before what it is attached to;
//! finally the local label `+…`, absent before present, numeric segments above alphanumeric ones.
//! Every legacy version sorts before every PEP 440 version (its epoch is −1), and legacy versions
//! compare by `packaging`'s `_legacy_cmpkey`.

use crate::num::Num;

/// A parsed PyPI version. Variant order puts legacy versions first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PypiVersion {
    Legacy(Box<[Box<str>]>),
    Pep440(Box<Pep440>),
}

/// `packaging`'s comparison key: every field already in comparison order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pep440 {
    epoch: Num,
    release: Box<[Num]>,
    pre: Bound<(PreKind, Num)>,
    post: Bound<Num>,
    dev: Bound<Num>,
    local: Option<Box<[Local]>>,
}

/// A value with the infinities `packaging` uses to make absent segments sort before or after
/// present ones; variant order is the order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bound<T> {
    NegInf,
    Val(T),
    PosInf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PreKind {
    A,
    B,
    Rc,
}

/// Local version segment: alphanumeric ones sort below numeric ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Local {
    Str(Box<str>),
    Num(Num),
}

pub(crate) fn parse(input: &str) -> PypiVersion {
    match parse_pep440(&input.to_ascii_lowercase()) {
        Some(v) => PypiVersion::Pep440(Box::new(v)),
        None => PypiVersion::Legacy(legacy_key(input)),
    }
}

/// Whether `input` is a PEP 440 version (as opposed to one that only has a legacy ordering).
#[cfg(test)]
pub(crate) fn is_pep440(input: &str) -> bool {
    parse_pep440(&input.to_ascii_lowercase()).is_some()
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_sep(&mut self) -> bool {
        matches!(self.peek(), Some(b'-' | b'_' | b'.')) && {
            self.pos += 1;
            true
        }
    }
    fn digits(&mut self) -> Option<Num> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos > start).then(|| Num::from_digits(std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("0")))
    }
    /// Eats the first of `words` that the input continues with, in the order given, as a regular
    /// expression alternation does.
    fn word(&mut self, words: &[&str]) -> Option<usize> {
        let rest = &self.s[self.pos..];
        let i = words.iter().position(|w| rest.starts_with(w.as_bytes()))?;
        self.pos += words[i].len();
        Some(i)
    }
}

/// PEP 440 appendix B's `VERSION_PATTERN`, anchored, on a lowercased string. Each optional group
/// eats its trailing separator greedily, which yields the same match as the regular expression:
/// every later group may begin without a separator, and the one that needs `-` (the implicit post
/// release `-N`) would already have been eaten as the number of the group before.
fn parse_pep440(s: &str) -> Option<Pep440> {
    let mut c = Cursor { s: s.as_bytes(), pos: 0 };
    c.eat(b'v');
    let mut epoch = Num::ZERO;
    let save = c.pos;
    if let Some(n) = c.digits() {
        if c.eat(b'!') {
            epoch = n;
        } else {
            c.pos = save;
        }
    }
    let mut release = vec![c.digits()?];
    loop {
        let save = c.pos;
        if c.eat(b'.')
            && let Some(n) = c.digits()
        {
            release.push(n);
            continue;
        }
        c.pos = save;
        break;
    }

    let mut pre = None;
    let save = c.pos;
    c.eat_sep();
    if let Some(i) = c.word(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]) {
        let kind = [PreKind::A, PreKind::A, PreKind::B, PreKind::B, PreKind::Rc, PreKind::Rc, PreKind::Rc, PreKind::Rc][i];
        c.eat_sep();
        pre = Some((kind, c.digits().unwrap_or(Num::ZERO)));
    } else {
        c.pos = save;
    }

    let mut post = None;
    let save = c.pos;
    if c.eat(b'-') && c.peek().is_some_and(|b| b.is_ascii_digit()) {
        post = c.digits();
    } else {
        c.pos = save;
        c.eat_sep();
        if c.word(&["post", "rev", "r"]).is_some() {
            c.eat_sep();
            post = Some(c.digits().unwrap_or(Num::ZERO));
        } else {
            c.pos = save;
        }
    }

    let mut dev = None;
    let save = c.pos;
    c.eat_sep();
    if c.word(&["dev"]).is_some() {
        c.eat_sep();
        dev = Some(c.digits().unwrap_or(Num::ZERO));
    } else {
        c.pos = save;
    }

    let mut local = None;
    if c.eat(b'+') {
        let rest = std::str::from_utf8(&c.s[c.pos..]).ok()?;
        let mut segs = Vec::new();
        for seg in rest.split(['-', '_', '.']) {
            if seg.is_empty() || !seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                return None;
            }
            segs.push(if seg.bytes().all(|b| b.is_ascii_digit()) { Local::Num(Num::from_digits(seg)) } else { Local::Str(seg.into()) });
        }
        c.pos = c.s.len();
        local = Some(segs.into_boxed_slice());
    }
    if c.pos != c.s.len() {
        return None;
    }

    while release.last().is_some_and(Num::is_zero) {
        release.pop();
    }
    // packaging's _cmpkey: a plain `.devN` sorts before every prerelease of the same release.
    let pre = match (pre, &post, &dev) {
        (None, None, Some(_)) => Bound::NegInf,
        (None, _, _) => Bound::PosInf,
        (Some(p), _, _) => Bound::Val(p),
    };
    Some(Pep440 { epoch, release: release.into(), pre, post: post.map_or(Bound::NegInf, Bound::Val), dev: dev.map_or(Bound::PosInf, Bound::Val), local })
}

/// `packaging`'s `_legacy_cmpkey` (setuptools' historical ordering): the lowercased string is
/// split by `(\d+|[a-z]+|\.|-)` keeping the text between matches; numbers are zero-padded to eight
/// digits and compared as text, other parts get a `*` prefix, `pre`/`preview`/`rc` become `c`,
/// `dev` becomes `@` and `-` becomes `final-`; trailing zeros before each word part are dropped,
/// and a `-` before a prerelease word is dropped. Digits are ASCII digits here, where Python would
/// also take other Unicode decimal digits.
fn legacy_key(input: &str) -> Box<[Box<str>]> {
    let lower = input.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for piece in split_keeping(&lower) {
        let piece = match piece {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if piece.is_empty() || piece == "." {
            continue;
        }
        let part = if piece.as_bytes()[0].is_ascii_digit() { format!("{piece:0>8}") } else { format!("*{piece}") };
        push_legacy(&mut parts, part);
    }
    push_legacy(&mut parts, "*final".to_string());
    parts.into_iter().map(String::into_boxed_str).collect()
}

fn push_legacy(parts: &mut Vec<String>, part: String) {
    if part.starts_with('*') {
        if part.as_str() < "*final" {
            while parts.last().is_some_and(|p| p == "*final-") {
                parts.pop();
            }
        }
        while parts.last().is_some_and(|p| p == "00000000") {
            parts.pop();
        }
    }
    parts.push(part);
}

/// Python's `re.split(r"(\d+|[a-z]+|\.|-)", s)`: the matches and the (possibly empty) text
/// between them, in order.
fn split_keeping(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut gap = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let end = if c.is_ascii_digit() {
            i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count()
        } else if c.is_ascii_lowercase() {
            i + b[i..].iter().take_while(|c| c.is_ascii_lowercase()).count()
        } else if c == b'.' || c == b'-' {
            i + 1
        } else {
            i += 1;
            continue;
        };
        out.push(&s[gap..i]);
        out.push(&s[i..end]);
        i = end;
        gap = end;
    }
    out.push(&s[gap..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PypiVersion {
        parse(s)
    }

    #[test]
    fn normalises_spellings() {
        for (a, b) in [
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-beta.2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0.preview-3", "1.0rc3"),
            ("1.0-1", "1.0.post1"),
            ("1.0rev", "1.0.post0"),
            ("1.0_DEV", "1.0.dev0"),
            ("v1.0", "1.0"),
            ("1.0.0", "1"),
            ("0!1.0", "1.0"),
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
            ("1.0a.", "1.0a0"),
        ] {
            assert_eq!(p(a), p(b), "{a} = {b}");
            assert!(is_pep440(a), "{a} is PEP 440");
        }
    }

    #[test]
    fn pep440_summary_order() {
        // The example list of PEP 440, "Summary of permitted suffixes and relative ordering".
        let ordered = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in ordered.windows(2) {
            assert!(p(w[0]) < p(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn legacy_versions_sort_first_and_by_setuptools_rules() {
        assert!(!is_pep440("1.0-bulbasaur"));
        assert!(p("1.0-bulbasaur") < p("0.0.1"));
        assert!(p("0.1-bulbasaur") < p("0.1-charmander"));
        assert_eq!(legacy_key("1.0c1").as_ref(), ["00000001", "*c", "00000001", "*final"].map(Box::<str>::from));
        assert_eq!(split_keeping("1_0"), ["", "1", "_", "0", ""]);
    }
}
