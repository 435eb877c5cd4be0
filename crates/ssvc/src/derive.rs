//! Inputs the clearinghouse can derive from what it already knows, and only those SSVC itself defines.
//! Each function returns a value key of the decision point it names, ready for
//! [`crate::DecisionTable::decide`].
//!
//! # What is derived, and why
//! - [`exploitation`] (`ssvc:E:1.1.0`) from the KEV catalogue and public proof-of-concept evidence: the
//!   value definitions in the data say what counts (see the function).
//! - [`in_kev`] (`cisa:KEV:1.0.0`): whether the vulnerability is in CISA's KEV catalogue, as is.
//! - [`automatable_from_cvss_v4`] (`ssvc:A:2.0.0`) from a CVSS v4 vector's `AU` supplemental metric: the SSVC
//!   documentation says the CVSS Automatable metric was developed alongside SSVC's Automatable and that the two
//!   are meant to be interchangeable, the only difference being CVSS's explicit "Not Defined" (`AU:X`), which
//!   leaves the input to people.
//! - [`mission_and_well_being`] (`ssvc:MWI:1.0.0`) from Mission Prevalence and Public Well-Being Impact: the
//!   combination table of CISA's coordinator model, as CERT/CC's SSVC calculator (CISA Coordinator v2) shows
//!   it, which agrees with the three value definitions of `ssvc:MWI:1.0.0` in the data and fills the one
//!   combination those leave open (Minimal prevalence with Material well-being impact: Medium).
//!
//! # What must come from people
//! - **Technical Impact** (`ssvc:TI:1.0.0`): SSVC publishes no mapping from CVSS. (Its Python sources carry a
//!   draft CVSS v4 to Technical Impact table, not part of the published data, with rows marked undecided
//!   pending CERTCC/SSVC issue 195.) A CVSS impact of High is not "total control" in SSVC's sense, so the
//!   analyst who validated the report says Partial or Total.
//! - **Automatable**, when there is no CVSS v4 vector or it says `AU:X`: the analyst answers the kill-chain
//!   question of the value definitions.
//! - **Mission Prevalence** (`cisa:MP:1.0.0`) and **Public Well-Being Impact** (`ssvc:PWI:1.1.0`): these are
//!   about the affected operators, not the vulnerability. Each operator sets them per asset (its mission
//!   settings); the clearinghouse combines them with [`mission_and_well_being`] per operator and asset, so the
//!   same vulnerability can be Act for one operator and Track for another.
//! - For the deployer and supplier tables: **System Exposure**, **Mission Impact**, **Safety Impact** (hence
//!   Human Impact and Public Safety Impact through the helper tables), **Value Density** (hence Utility), and
//!   for BOD 26-04 **Publicly Exposed**: facts about an operator's deployment or a supplier's users, given by
//!   them or by their asset inventory.
//! - Exploitation above what the evidence here shows: a vulnerability absent from KEV may still be exploited;
//!   an analyst with credible reports of exploitation sets Active.

use clearinghouse_model::Diagnostic;

use crate::codes;
use crate::registry::Registry;

/// Exploitation (`ssvc:E:1.1.0`): `"A"` (Active) when the vulnerability is in CISA's KEV catalogue, else
/// `"P"` (Public PoC) when a proof of concept is public, else `"N"` (None).
///
/// Why: KEV lists a vulnerability only on reliable evidence of exploitation in the wild, which is the
/// definition of Active ("shared, observable, reliable evidence that the exploit is being used in the wild by
/// real attackers; there is credible public reporting"). Public PoC means a typical public proof of concept
/// (Metasploit, ExploitDB) or a well-known method of exploitation. `public_poc` must be exactly that: a proof
/// of concept the clearinghouse holds under embargo (for example the one that validated a report) is not
/// public, and counts as None until it is published.
pub fn exploitation(in_kev: bool, public_poc: bool) -> &'static str {
    if in_kev {
        "A"
    } else if public_poc {
        "P"
    } else {
        "N"
    }
}

/// In KEV (`cisa:KEV:1.0.0`): `"Y"` or `"N"`.
pub fn in_kev(listed: bool) -> &'static str {
    if listed { "Y" } else { "N" }
}

/// Automatable (`ssvc:A:2.0.0`) from a CVSS v4.0 vector: `Some("Y")` for `AU:Y`, `Some("N")` for `AU:N`, and
/// `None` (people decide) for `AU:X`, a vector without `AU`, or anything that is not a CVSS v4.0 vector.
/// CVSS v3 has no such metric, and none of its metrics is SSVC's Automatable.
pub fn automatable_from_cvss_v4(vector: &str) -> Option<&'static str> {
    let mut parts = vector.trim().split('/');
    if parts.next() != Some("CVSS:4.0") {
        return None;
    }
    let mut found = None;
    for part in parts {
        if let Some(v) = part.strip_prefix("AU:") {
            if found.is_some() {
                // A metric twice makes the vector invalid; do not guess.
                return None;
            }
            found = Some(v);
        }
    }
    match found? {
        "Y" => Some("Y"),
        "N" => Some("N"),
        _ => None,
    }
}

/// Mission and Well-Being Impact (`ssvc:MWI:1.0.0`: `"L"`, `"M"`, `"H"`) from Mission Prevalence
/// (`cisa:MP:1.0.0`: Minimal, Support, Essential) and Public Well-Being Impact (`ssvc:PWI:1.1.0`: Minimal,
/// Material, Irreversible), each given by key or name, ignoring case.
///
/// | Mission Prevalence \ Public Well-Being | Minimal | Material | Irreversible |
/// |---|---|---|---|
/// | Minimal   | Low    | Medium | High |
/// | Support   | Medium | Medium | High |
/// | Essential | High   | High   | High |
///
/// Problems are reported with the pointers `/MP` and `/PWI`.
pub fn mission_and_well_being(mission_prevalence: &str, public_well_being: &str) -> Result<&'static str, Vec<Diagnostic>> {
    let registry = Registry::builtin();
    let mut problems = Vec::new();
    let mut read = |ns: &str, key: &str, version: &str, given: &str| -> Option<usize> {
        let point = registry.decision_point(ns, key, version)?;
        let found = point.value_index(given);
        if found.is_none() {
            let choices: Vec<String> = point.values.iter().map(|v| format!("{} ({})", v.key, v.name)).collect();
            problems.push(Diagnostic::new(
                codes::UNKNOWN_VALUE,
                format!("/{key}"),
                format!("\"{given}\" is not a value of {} ({}); its values are {}", point.key, point.name, choices.join(", ")),
            ));
        }
        found
    };
    let mp = read("cisa", "MP", "1.0.0", mission_prevalence);
    let pwi = read("ssvc", "PWI", "1.1.0", public_well_being);
    let (Some(mp), Some(pwi)) = (mp, pwi) else { return Err(problems) };
    // Indexes in the data's order: MP Minimal, Support, Essential; PWI Minimal, Material, Irreversible.
    const TABLE: [[&str; 3]; 3] = [["L", "M", "H"], ["M", "M", "H"], ["H", "H", "H"]];
    Ok(TABLE[mp][pwi])
}
