//! CRAN (R's `package_version`) and Hackage (the Haskell Package Versioning Policy): versions that
//! are nothing but numbers.
//!
//! Both compare the numbers as a list, left to right, and a list that is a prefix of another is the
//! smaller (`1.0 < 1.0.0` in R and in Cabal): exactly the derived order of a list of numbers.
//! R accepts `.` and `-` as separators and wants at least two numbers; Cabal accepts only `.` and
//! refuses leading zeros ("version digit with leading zero").

use crate::num::Num;

/// A version made of numbers only.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericVersion {
    parts: Box<[Num]>,
}

pub(crate) fn parse_cran(input: &str) -> Result<NumericVersion, String> {
    let parts = numbers(input, &['.', '-'], true)?;
    if parts.len() < 2 {
        return Err("an R package version has at least two numbers (for example 1.0 or 1.0-2)".into());
    }
    Ok(NumericVersion { parts })
}

pub(crate) fn parse_pvp(input: &str) -> Result<NumericVersion, String> {
    Ok(NumericVersion { parts: numbers(input, &['.'], false)? })
}

fn numbers(input: &str, seps: &[char], leading_zeros: bool) -> Result<Box<[Num]>, String> {
    let mut out = Vec::new();
    for part in input.split(seps) {
        if part.is_empty() {
            return Err("empty number between separators".into());
        }
        if let Some(c) = part.chars().find(|c| !c.is_ascii_digit()) {
            return Err(format!("'{c}' is not allowed: only numbers separated by {}", describe(seps)));
        }
        if !leading_zeros && part.len() > 1 && part.starts_with('0') {
            return Err(format!("'{part}' has a leading zero, which Cabal refuses"));
        }
        out.push(Num::from_digits(part));
    }
    Ok(out.into())
}

fn describe(seps: &[char]) -> &'static str {
    if seps.len() == 1 { "'.'" } else { "'.' or '-'" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_smaller_and_separators_are_equal() {
        assert!(parse_cran("0.1.0").unwrap() < parse_cran("0.1.0.0").unwrap());
        assert_eq!(parse_cran("1.0-1").unwrap(), parse_cran("1.0.1").unwrap());
        assert_eq!(parse_cran("0.01.0").unwrap(), parse_cran("0.1-0").unwrap());
        assert!(parse_cran("1").is_err());
        assert!(parse_pvp("1.0").unwrap() < parse_pvp("1.0.0").unwrap());
        assert!(parse_pvp("1.01").is_err());
        assert!(parse_pvp("1-0").is_err());
        assert!(parse_pvp("1..0").is_err());
    }
}
