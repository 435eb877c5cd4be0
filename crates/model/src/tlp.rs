//! Traffic Light Protocol 2.0 labels.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A TLP 2.0 label, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Tlp {
    #[serde(rename = "CLEAR")]
    Clear,
    #[serde(rename = "GREEN")]
    Green,
    #[serde(rename = "AMBER")]
    Amber,
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    #[serde(rename = "RED")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }

    /// Whether content under this label is sealed (encrypted) at rest.
    pub fn sealed_at_rest(self) -> bool {
        matches!(self, Tlp::AmberStrict | Tlp::Red)
    }
}

impl std::fmt::Display for Tlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown TLP label {0:?}: expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED")]
pub struct UnknownTlp(pub String);

impl FromStr for Tlp {
    type Err = UnknownTlp;

    /// Accepts the canonical label, any case, with or without the `TLP:` prefix. `WHITE` (TLP 1.0) is
    /// accepted as CLEAR, as TLP 2.0 section "TLP:CLEAR" says it replaces it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("TLP:").unwrap_or(&upper);
        match bare {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(UnknownTlp(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixes_and_case() {
        assert_eq!("tlp:amber+strict".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!("RED".parse::<Tlp>().unwrap(), Tlp::Red);
        assert_eq!("white".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert!("AMBER STRICT".parse::<Tlp>().is_err());
        assert!("".parse::<Tlp>().is_err());
    }

    #[test]
    fn round_trips_through_json_and_display() {
        for t in Tlp::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<Tlp>(&json).unwrap(), t);
            assert_eq!(t.to_string().parse::<Tlp>().unwrap(), t);
        }
    }

    #[test]
    fn ordering_is_by_restriction() {
        assert!(Tlp::Clear < Tlp::Green && Tlp::Green < Tlp::Amber);
        assert!(Tlp::Amber < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
        assert!(Tlp::Red.sealed_at_rest() && Tlp::AmberStrict.sealed_at_rest() && !Tlp::Amber.sealed_at_rest());
    }
}
