//! Organisations, their kinds and sectors, and roles inside an organisation.

use crate::diagnostic::Diagnostic;

/// Declares a closed set of snake_case names with `as_str`, `ALL`, `FromStr`, `Display` and serde.
#[macro_export]
macro_rules! name_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $vis enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {} {:?}: expected one of {}", stringify!($name), other, Self::names())),
                }
            }
        }
    };
}

name_enum! {
    /// The kinds of organisation the clearinghouse serves (see the brief's table of users).
    pub enum OrgKind {
        AiDeveloper = "ai_developer",
        Researcher = "researcher",
        Vendor = "vendor",
        Operator = "operator",
        Sltt = "sltt",
        Agency = "agency",
        TrustedPartner = "trusted_partner",
    }
}

name_enum! {
    /// CISA's 16 critical-infrastructure sectors (PPD-21).
    pub enum Sector {
        Chemical = "chemical",
        CommercialFacilities = "commercial_facilities",
        Communications = "communications",
        CriticalManufacturing = "critical_manufacturing",
        Dams = "dams",
        DefenseIndustrialBase = "defense_industrial_base",
        EmergencyServices = "emergency_services",
        Energy = "energy",
        FinancialServices = "financial_services",
        FoodAndAgriculture = "food_and_agriculture",
        GovernmentFacilities = "government_facilities",
        HealthcareAndPublicHealth = "healthcare_and_public_health",
        InformationTechnology = "information_technology",
        NuclearReactorsMaterialsAndWaste = "nuclear_reactors_materials_and_waste",
        TransportationSystems = "transportation_systems",
        WaterAndWastewaterSystems = "water_and_wastewater_systems",
    }
}

name_enum! {
    /// A principal's role inside its organisation.
    pub enum Role {
        Admin = "admin",
        Analyst = "analyst",
        Member = "member",
    }
}

impl Role {
    /// Whether a principal with this role may act for its org in administration (tokens, sharing).
    pub fn administers(self) -> bool {
        self == Role::Admin
    }
}

/// Longest organisation name accepted.
pub const MAX_ORG_NAME: usize = 128;

/// Checks a new organisation, reporting every problem.
///
/// Names are short slugs because they are typed on command lines (`--org NAME`) and appear in URLs.
/// Operators must name at least one sector, since sector is how operators receive sector-wide alerts;
/// SLTT governments may name sectors; other kinds may not.
pub fn validate_new_org(name: &str, kind: OrgKind, sectors: &[Sector]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if name.is_empty() || name.len() > MAX_ORG_NAME {
        out.push(Diagnostic::new("invalid_name", "/name", format!("name must be 1 to {MAX_ORG_NAME} characters")));
    } else if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.')
        || !name.as_bytes()[0].is_ascii_alphanumeric()
    {
        out.push(Diagnostic::new("invalid_name", "/name", "name must start with a lowercase letter or digit and use only a-z, 0-9, '-', '_' and '.'"));
    }
    match kind {
        OrgKind::Operator if sectors.is_empty() => {
            out.push(Diagnostic::new("missing_sector", "/sectors", "an operator must name at least one critical-infrastructure sector"))
        }
        OrgKind::Operator | OrgKind::Sltt => {}
        _ if !sectors.is_empty() => {
            out.push(Diagnostic::new("unexpected_sector", "/sectors", format!("sectors apply to operators and SLTT governments, not to {kind}")))
        }
        _ => {}
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in sectors.iter().enumerate() {
        if !seen.insert(*s) {
            out.push(Diagnostic::new("duplicate_sector", format!("/sectors/{i}"), format!("sector {s} is listed twice")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_sectors_round_trip() {
        assert_eq!(Sector::ALL.len(), 16);
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>().unwrap(), *s);
        }
        assert!("energy ".parse::<Sector>().is_err());
    }

    #[test]
    fn operator_needs_a_sector_and_others_may_not_have_one() {
        assert_eq!(validate_new_org("grid-co", OrgKind::Operator, &[])[0].code, "missing_sector");
        assert!(validate_new_org("grid-co", OrgKind::Operator, &[Sector::Energy]).is_empty());
        assert!(validate_new_org("ohio", OrgKind::Sltt, &[]).is_empty());
        assert_eq!(validate_new_org("acme", OrgKind::Vendor, &[Sector::Energy])[0].code, "unexpected_sector");
    }

    #[test]
    fn reports_every_problem() {
        let d = validate_new_org("Bad Name", OrgKind::Operator, &[Sector::Dams, Sector::Dams]);
        let codes: Vec<_> = d.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["invalid_name", "duplicate_sector"]);
        assert_eq!(validate_new_org("", OrgKind::Agency, &[])[0].code, "invalid_name");
    }
}
