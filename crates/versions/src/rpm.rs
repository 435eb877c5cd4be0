//! Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE and the other RPM distributions: `rpmvercmp`
//! on `[epoch:]version[-release]`.
//!
//! Why our own rather than `rpm-version`: that crate splits the release at the first hyphen where
//! rpm splits at the last, and its `Eq` is byte equality while its `Ord` calls `1.0` and `1_0`
//! equal. `rpmvercmp` itself is short and is ported here from rpm's `rpmio/rpmvercmp.c` on bytes.
//! `rpm-version` is the oracle in the property tests, on inputs where the two splits agree.
//!
//! `rpmvercmp`: separators (anything but ASCII letters, digits, `~` and `^`) are skipped; `~` sorts
//! before anything, even the end; `^` sorts after the end but before anything else; then runs of
//! digits (numerically) and runs of letters (as bytes) compare pairwise, a number beating letters;
//! when one side runs out, the other is newer. The epoch is the number before the first `:` (when
//! only digits precede it), 0 when absent; the release follows the last `-`.
//!
//! One deliberate difference: rpm skips the release when only one side has one, which is not a
//! total order (`1-1 = 1 = 1-2`, yet `1-1 < 1-2`). Here a missing release sorts before any release,
//! as osv-scanner and the shared test data have it, so an installed `1.2` is before a fix in
//! `1.2-3`.

use std::cmp::Ordering;

use crate::num::{Num, cmp_digit_runs};

/// A parsed RPM EVR.
#[derive(Clone, Debug)]
pub struct RpmVersion {
    epoch: Num,
    version: Box<str>,
    release: Option<Box<str>>,
}

pub(crate) fn parse(input: &str) -> RpmVersion {
    let digits = input.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = if input.as_bytes().get(digits) == Some(&b':') {
        let e = &input[..digits];
        (if e.is_empty() { Num::ZERO } else { Num::from_digits(e) }, &input[digits + 1..])
    } else {
        (Num::ZERO, input)
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((v, r)) => (v, Some(r.into())),
        None => (rest, None),
    };
    RpmVersion { epoch, version: version.into(), release }
}

fn is_sep(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || c == b'~' || c == b'^')
}

/// rpm's `rpmvercmp`, step for step.
pub(crate) fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // Tilde: sorts before everything else, the end included.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret: like tilde, except that the end of the other version sorts before it.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric { c.is_ascii_digit() } else { c.is_ascii_alphabetic() }
        };
        let ea = i + a[i..].iter().take_while(|c| class(c)).count();
        let eb = j + b[j..].iter().take_while(|c| class(c)).count();
        if eb == j {
            // Different kinds of segment: a number is newer than letters.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let ord = if numeric { cmp_digit_runs(&a[i..ea], &b[j..eb]) } else { a[i..ea].cmp(&b[j..eb]) };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch.cmp(&other.epoch).then_with(|| rpmvercmp(self.version.as_bytes(), other.version.as_bytes())).then_with(|| {
            match (&self.release, &other.release) {
                (Some(x), Some(y)) => rpmvercmp(x.as_bytes(), y.as_bytes()),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        })
    }
}

crate::num::eq_from_ord!(RpmVersion);

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> RpmVersion {
        parse(s)
    }

    #[test]
    fn rpmvercmp_rules() {
        let ordered = ["1.0~rc1", "1.0", "1.0^git1", "1.0^git2", "1.0a", "1.0.1", "1.1", "2:0.1"];
        for w in ordered.windows(2) {
            assert!(r(w[0]) < r(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(r("1.0"), r("1_0"));
        assert_eq!(r("1.0-1.el8").release.as_deref(), Some("1.el8"));
        assert_eq!(r("1.2-3-4").version.as_ref(), "1.2-3");
        assert!(r("1.0") < r("1.0-0"), "no release sorts before any release");
        assert_eq!(r("0:1.0"), r("1.0"));
        assert_eq!(r("a:1").version.as_ref(), "a:1", "only digits make an epoch");
    }
}
