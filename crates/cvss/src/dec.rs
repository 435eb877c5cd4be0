//! Exact decimal arithmetic for the CVSS v2 and v3 formulas.
//!
//! Every weight of CVSS v2 and v3 is a short decimal (0.395, 1.176, 8.22, ...), and every formula
//! but the v3 scope-changed impact is made of sums and products of them, so the exact result is a
//! decimal with a few more digits: at most 21 after the point (the v2 environmental equation), well
//! inside an `i128`. Computing it exactly means the one-decimal rounding at the end ("round to one
//! decimal" in v2, "round up" in v3.0) decides on the true value, never on a binary approximation a
//! hair above or below it (the floating-point slips that gave some v3.0 calculators 0.1 too much).

use std::cmp::Ordering;

/// `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    m: i128,
    s: u32,
}

const fn pow10(n: u32) -> i128 {
    10i128.pow(n)
}

impl Dec {
    pub(crate) const ZERO: Dec = Dec { m: 0, s: 0 };
    pub(crate) const ONE: Dec = Dec { m: 1, s: 0 };

    /// `m / 10^s`: `Dec::new(395, 3)` is 0.395.
    pub(crate) const fn new(m: i128, s: u32) -> Dec {
        Dec { m, s }
    }

    /// Drops trailing zeros after the point, so that scales stay as small as the value allows.
    fn trim(mut self) -> Dec {
        while self.s > 0 && self.m % 10 == 0 {
            self.m /= 10;
            self.s -= 1;
        }
        self
    }

    fn aligned(self, o: Dec) -> (i128, i128, u32) {
        match self.s.cmp(&o.s) {
            Ordering::Equal => (self.m, o.m, self.s),
            Ordering::Less => (self.m * pow10(o.s - self.s), o.m, o.s),
            Ordering::Greater => (self.m, o.m * pow10(self.s - o.s), self.s),
        }
    }

    pub(crate) fn add(self, o: Dec) -> Dec {
        let (a, b, s) = self.aligned(o);
        Dec { m: a + b, s }.trim()
    }

    pub(crate) fn sub(self, o: Dec) -> Dec {
        let (a, b, s) = self.aligned(o);
        Dec { m: a - b, s }.trim()
    }

    pub(crate) fn mul(self, o: Dec) -> Dec {
        Dec { m: self.m * o.m, s: self.s + o.s }.trim()
    }

    pub(crate) fn min(self, o: Dec) -> Dec {
        if self.cmp(o) == Ordering::Greater { o } else { self }
    }

    pub(crate) fn cmp(self, o: Dec) -> Ordering {
        let (a, b, _) = self.aligned(o);
        a.cmp(&b)
    }

    pub(crate) fn is_zero(self) -> bool {
        self.m == 0
    }

    pub(crate) fn is_positive(self) -> bool {
        self.m > 0
    }

    /// The nearest `f64` (within one unit in the last place; used only where the formula continues
    /// in floating point).
    pub(crate) fn to_f64(self) -> f64 {
        self.m as f64 / 10f64.powi(self.s as i32)
    }

    /// Splits into the integer number of `10^-digits` units below or at the value and the remainder.
    fn floor_units(self, digits: u32) -> (i128, i128, i128) {
        if self.s <= digits {
            return (self.m * pow10(digits - self.s), 0, 1);
        }
        let unit = pow10(self.s - digits);
        (self.m.div_euclid(unit), self.m.rem_euclid(unit), unit)
    }

    /// Rounds to one decimal, halves away from zero (the v2 guide's `round_to_1_decimal`, and
    /// Python's `ROUND_HALF_UP` as the reference implementations use it), as a number of tenths.
    pub(crate) fn round_half_up_tenths(self) -> i64 {
        let negative = self.m < 0;
        let magnitude = Dec { m: self.m.abs(), s: self.s };
        let (floor, rem, unit) = magnitude.floor_units(1);
        let tenths = if rem * 2 >= unit { floor + 1 } else { floor };
        let tenths = tenths as i64;
        if negative { -tenths } else { tenths }
    }

    /// The smallest number of tenths equal to or above the value (CVSS v3.0 "Round up").
    pub(crate) fn ceil_tenths(self) -> i64 {
        let (floor, rem, _) = self.floor_units(1);
        (if rem > 0 { floor + 1 } else { floor }) as i64
    }

    /// CVSS v3.1's `Roundup` (specification appendix A), on the exact value: round to five
    /// decimals (halves up, as `Math.round` in FIRST's calculator), then up to one decimal unless
    /// the five-decimal value already is a whole number of tenths.
    pub(crate) fn roundup_v31_tenths(self) -> i64 {
        let (floor, rem, unit) = self.floor_units(5);
        let int_input = if rem * 2 >= unit { floor + 1 } else { floor };
        roundup_v31_from_int_input(int_input as i64)
    }

    /// A whole number of tenths as a decimal.
    pub(crate) fn from_tenths(tenths: i64) -> Dec {
        Dec { m: tenths as i128, s: 1 }.trim()
    }
}

/// The second half of v3.1's `Roundup`: from `round_to_nearest_integer(input * 100000)` to tenths.
pub(crate) fn roundup_v31_from_int_input(int_input: i64) -> i64 {
    if int_input % 10_000 == 0 { int_input / 10_000 } else { int_input.div_euclid(10_000) + 1 }
}

/// CVSS v3.1's `Roundup` on a floating-point input, exactly as the specification's appendix A
/// writes it.
pub(crate) fn roundup_v31_f64(input: f64) -> i64 {
    roundup_v31_from_int_input((input * 100_000.0).round() as i64)
}

/// CVSS v3.0's "Round up" on a floating-point input: the smallest tenth at or above it.
pub(crate) fn ceil_tenths_f64(input: f64) -> i64 {
    (input * 10.0).ceil() as i64
}

/// Tenths as the `f64` closest to the one-decimal number (`87` → `8.7`, the same `f64` as the
/// literal): both operands are exact and IEEE division rounds correctly.
pub(crate) fn tenths_to_f64(tenths: i64) -> f64 {
    // `+ 0.0` turns a negative zero into zero.
    tenths as f64 / 10.0 + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let negative = int.starts_with('-');
        let digits = format!("{}{}", int.trim_start_matches('-'), frac);
        let m: i128 = digits.parse().unwrap();
        Dec::new(if negative { -m } else { m }, frac.len() as u32)
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d("0.1").add(d("0.2")).cmp(d("0.3")), Ordering::Equal);
        assert_eq!(d("8.22").mul(d("0.85")).mul(d("0.77")).cmp(d("5.37999")), Ordering::Equal);
        assert_eq!(d("8.22").mul(d("0.85")).cmp(d("6.9870001")), Ordering::Less);
        assert_eq!(d("1").sub(d("0.44").mul(d("0.44")).mul(d("0.44"))).cmp(d("0.914816")), Ordering::Equal);
        assert!(d("-0.0").is_zero());
    }

    #[test]
    fn rounding_half_up_goes_away_from_zero() {
        assert_eq!(d("4.25").round_half_up_tenths(), 43);
        assert_eq!(d("4.2499999999").round_half_up_tenths(), 42);
        assert_eq!(d("-0.15").round_half_up_tenths(), -2);
        assert_eq!(d("-0.14").round_half_up_tenths(), -1);
        assert_eq!(d("7").round_half_up_tenths(), 70);
    }

    #[test]
    fn ceiling_and_v31_roundup() {
        assert_eq!(d("4.000001").ceil_tenths(), 41);
        assert_eq!(d("4.0").ceil_tenths(), 40);
        assert_eq!(d("4.02").ceil_tenths(), 41);
        // v3.1 rounds to five decimals first: 4.000001 is 4.00000, a whole number of tenths.
        assert_eq!(d("4.000001").roundup_v31_tenths(), 40);
        assert_eq!(d("4.000005").roundup_v31_tenths(), 41);
        assert_eq!(d("4.00001").roundup_v31_tenths(), 41);
        assert_eq!(d("4.02").roundup_v31_tenths(), 41);
        assert_eq!(d("4").roundup_v31_tenths(), 40);
        assert_eq!(roundup_v31_f64(4.000001), 40);
        assert_eq!(roundup_v31_f64(4.00001), 41);
        assert_eq!(roundup_v31_f64(4.0), 40);
        assert_eq!(roundup_v31_f64(10.0), 100);
        assert_eq!(ceil_tenths_f64(4.02), 41);
        assert_eq!(tenths_to_f64(87), 8.7);
        assert!(tenths_to_f64(0).is_sign_positive());
    }
}
