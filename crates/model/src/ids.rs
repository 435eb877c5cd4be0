//! Public report identifiers: `CLH-<year>-<sequence>`, the sequence at least five digits.
//!
//! The store allocates the sequence (per year) inside the submitting transaction, so ids stay unique
//! and gap-free across any number of server replicas.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const REPORT_ID_PREFIX: &str = "CLH";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReportId {
    pub year: i32,
    pub sequence: u64,
}

impl ReportId {
    pub fn new(year: i32, sequence: u64) -> Self {
        Self { year, sequence }
    }
}

impl std::fmt::Display for ReportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{REPORT_ID_PREFIX}-{:04}-{:05}", self.year, self.sequence)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid report id {0:?}: expected CLH-YYYY-NNNNN")]
pub struct InvalidReportId(pub String);

impl FromStr for ReportId {
    type Err = InvalidReportId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || InvalidReportId(s.to_string());
        let mut parts = s.split('-');
        let (Some(prefix), Some(year), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(err());
        };
        if prefix != REPORT_ID_PREFIX || year.len() != 4 || seq.len() < 5 {
            return Err(err());
        }
        if !year.bytes().all(|b| b.is_ascii_digit()) || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let sequence: u64 = seq.parse().map_err(|_| err())?;
        // A sequence written with more than five digits must not have leading zeros, so every id has one spelling.
        if seq.len() > 5 && seq.starts_with('0') || sequence == 0 {
            return Err(err());
        }
        Ok(ReportId { year, sequence })
    }
}

impl TryFrom<String> for ReportId {
    type Error = InvalidReportId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ReportId> for String {
    fn from(id: ReportId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let id = ReportId::new(2026, 42);
        assert_eq!(id.to_string(), "CLH-2026-00042");
        assert_eq!("CLH-2026-00042".parse::<ReportId>().unwrap(), id);
        assert_eq!(ReportId::new(2026, 1_234_567).to_string(), "CLH-2026-1234567");
        assert_eq!("CLH-2026-1234567".parse::<ReportId>().unwrap().sequence, 1_234_567);
    }

    #[test]
    fn rejects_other_spellings() {
        for bad in ["CLH-2026-42", "clh-2026-00042", "CLH-26-00042", "CLH-2026-000042", "CLH-2026-00000", "CLH-2026-0004x", "CLH-2026-00042-1", ""] {
            assert!(bad.parse::<ReportId>().is_err(), "{bad} should not parse");
        }
    }
}
