//! Debian and Ubuntu: dpkg's version comparison (`deb-version(7)`, `verrevcmp` in dpkg's
//! `lib/dpkg/version.c`), and opam, which uses the same comparison on the whole string.
//!
//! Why our own rather than `debversion`: the comparison is a few lines of C and is ported here
//! directly on bytes, so parsing allocates nothing and comparing needs no big-number type;
//! `debversion` also brings `chrono`, `regex` and `num-bigint` into a pure domain crate, and its
//! `Hash` disagrees with its `Eq` (`1.0` equals `1.00` but hashes differently). It is the oracle
//! for this module in the property tests.
//!
//! `[epoch:]upstream[-revision]`: the epoch is a number (default 0), the revision follows the last
//! hyphen (default empty, which compares like `0`). Each of upstream and revision compares in
//! alternating runs: a run of non-digits character by character, where `~` sorts before anything
//! (even the end), then the end, then letters, then everything else in ASCII order; then a run of
//! digits numerically. Parsing refuses what dpkg refuses (an empty or non-numeric epoch, nothing
//! after the colon, an empty revision or upstream, embedded spaces) and, like `dpkg
//! --compare-versions`, accepts what dpkg only warns about.

use std::cmp::Ordering;

use crate::num::{Num, cmp_digit_runs};

/// A parsed Debian version.
#[derive(Clone, Debug)]
pub struct DebianVersion {
    epoch: Num,
    upstream: Box<str>,
    revision: Box<str>,
}

/// A parsed opam version: the whole string, compared with dpkg's `verrevcmp`.
#[derive(Clone, Debug)]
pub struct OpamVersion {
    text: Box<str>,
}

pub(crate) fn parse(input: &str) -> Result<DebianVersion, String> {
    if input.contains(char::is_whitespace) {
        return Err("version string has embedded spaces".into());
    }
    let (epoch, rest) = match input.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() {
                return Err("epoch in version is empty".into());
            }
            if !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("epoch '{e}' in version is not a number"));
            }
            if rest.is_empty() {
                return Err("nothing after colon in version number".into());
            }
            (Num::from_digits(e), rest)
        }
        None => (Num::ZERO, input),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((_, "")) => return Err("revision number is empty".into()),
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err("version number is empty".into());
    }
    Ok(DebianVersion { epoch, upstream: upstream.into(), revision: revision.into() })
}

pub(crate) fn parse_opam(input: &str) -> Result<OpamVersion, String> {
    if input.contains(char::is_whitespace) {
        return Err("an opam version has no spaces".into());
    }
    Ok(OpamVersion { text: input.into() })
}

/// dpkg's `order()`: the weight of one byte of a non-digit run; 0 stands for the end of the run.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`.
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit runs, compared byte by byte; a digit or the end weighs 0.
        loop {
            let ca = a.get(i).copied().filter(|c| !c.is_ascii_digit());
            let cb = b.get(j).copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let (oa, ob) = (order(ca), order(cb));
            if oa != ob {
                return oa.cmp(&ob);
            }
            i += usize::from(ca.is_some());
            j += usize::from(cb.is_some());
        }
        let ea = i + a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let eb = j + b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        match cmp_digit_runs(&a[i..ea], &b[j..eb]) {
            Ordering::Equal => {}
            other => return other,
        }
        i = ea;
        j = eb;
    }
    Ordering::Equal
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl Ord for OpamVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        verrevcmp(self.text.as_bytes(), other.text.as_bytes())
    }
}

crate::num::eq_from_ord!(DebianVersion);
crate::num::eq_from_ord!(OpamVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DebianVersion {
        parse(s).unwrap()
    }

    #[test]
    fn dpkg_rules() {
        let ordered = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0-1", "1.0a", "1.0+", "1.0.0", "1:0.1"];
        for w in ordered.windows(2) {
            assert!(d(w[0]) < d(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(d("1.0-0"), d("1.0"));
        assert_eq!(d("0:1.01"), d("1.1"));
        assert_eq!(d("1.2-3-4").revision.as_ref(), "4");
        for bad in ["", ":1", "1:", "a:1", "1.0-", "-1", "1 0"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
