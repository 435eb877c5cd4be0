//! Non-negative integers of any length, as they appear in version strings.
//!
//! Every ecosystem here compares runs of digits numerically, and real versions carry numbers past
//! 64 bits (date stamps glued together, `999999999999999999999999999991`). Parsing them into `u64`
//! would either refuse valid versions or wrap silently, so a number that does not fit is kept as its
//! digit string, without leading zeros, and compared by length first, then digit by digit: for two
//! canonical digit strings that is exactly numeric order. Numbers that fit (nearly all) stay `u64`
//! so comparing them costs one instruction.

use std::cmp::Ordering;

/// A non-negative integer parsed from ASCII digits.
///
/// Invariant: a value that fits in `u64` is always `Small`, and `Big` holds only canonical digit
/// strings (no leading zero) of values above `u64::MAX`. Derived equality is therefore numeric
/// equality, and every `Big` is greater than every `Small`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    Small(u64),
    Big(Box<str>),
}

impl Num {
    pub(crate) const ZERO: Num = Num::Small(0);

    /// Parses a non-empty run of ASCII digits. The caller has checked the characters; anything else
    /// would be a bug in a parser of this crate, so it is treated as zero rather than panicking.
    pub(crate) fn from_digits(digits: &str) -> Num {
        debug_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
        let mut value: u64 = 0;
        for b in digits.bytes() {
            let d = u64::from(b.wrapping_sub(b'0'));
            match value.checked_mul(10).and_then(|v| v.checked_add(d)) {
                Some(v) => value = v,
                None => {
                    let trimmed = digits.trim_start_matches('0');
                    return Num::Big(trimmed.into());
                }
            }
        }
        Num::Small(value)
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two runs of ASCII digits numerically without parsing them: leading zeros are skipped,
/// then the longer run is the larger number, then the first differing digit decides. Used by the
/// comparators that work on the raw string (dpkg, rpm) the way their C originals do.
pub(crate) fn cmp_digit_runs(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_zeros(a);
    let b = strip_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b'0').unwrap_or(s.len());
    &s[start..]
}

/// Compares two sequences that are conceptually padded with `pad` to infinite length: the first
/// difference decides, and a sequence that runs out compares as if it went on with `pad`.
pub(crate) fn cmp_padded<T: Ord>(a: &[T], b: &[T], pad: &T) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).unwrap_or(pad);
        let y = b.get(i).unwrap_or(pad);
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

/// Implements `PartialEq`, `Eq` and `PartialOrd` from a type's `Ord`, so that equality always means
/// "compares equal" (two spellings of one version are equal), never "same bytes".
macro_rules! eq_from_ord {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}
pub(crate) use eq_from_ord;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_big_numbers_order_numerically() {
        let max = Num::from_digits("18446744073709551615");
        let over = Num::from_digits("18446744073709551616");
        assert_eq!(max, Num::Small(u64::MAX));
        assert!(matches!(over, Num::Big(_)));
        assert!(max < over);
        assert_eq!(Num::from_digits("000018446744073709551616"), over);
        assert!(Num::from_digits("999999999999999999999999999991") < Num::from_digits("999999999999999999999999999999"));
        assert!(Num::from_digits("1000000000000000000000000000000") > Num::from_digits("999999999999999999999999999999"));
        assert_eq!(Num::from_digits("007"), Num::Small(7));
        assert!(Num::from_digits("0000").is_zero());
    }

    #[test]
    fn digit_runs_compare_without_parsing() {
        assert_eq!(cmp_digit_runs(b"010", b"9"), Ordering::Greater);
        assert_eq!(cmp_digit_runs(b"000", b""), Ordering::Equal);
        assert_eq!(cmp_digit_runs(b"12", b"012"), Ordering::Equal);
        assert_eq!(cmp_digit_runs(b"123456789012345678901234567890", b"123456789012345678901234567891"), Ordering::Less);
    }

    #[test]
    fn padded_sequences_treat_missing_as_pad() {
        assert_eq!(cmp_padded(&[1, 0, 0], &[1], &0), Ordering::Equal);
        assert_eq!(cmp_padded(&[1], &[1, 0, 1], &0), Ordering::Less);
        assert_eq!(cmp_padded(&[1, -1], &[1], &0), Ordering::Less);
    }
}
