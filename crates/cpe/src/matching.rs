//! Name matching (NISTIR 7696 section 6): the set relation of each attribute of a source name to
//! the same attribute of a target name, and the name-level relations built from them.
//!
//! A name stands for the set of products it describes; ANY stands for every value (NA included),
//! NA for none, a value with wildcards for every literal it matches. "The source is a SUPERSET of
//! the target" means every product the target describes, the source describes too: an advisory's
//! CPE (source) against a component's CPE (target) is the question an SBOM matcher asks.

use serde::{Deserialize, Serialize};

use crate::name::{AttributeValue, Cpe};

/// The relation of a source attribute to a target attribute (NISTIR 7696 table 6-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The source describes everything the target does, and more.
    Superset,
    /// The target describes everything the source does, and more.
    Subset,
    Equal,
    /// Nothing in common.
    Disjoint,
    /// Not decided: the target has wildcards.
    Undefined,
}

/// Compares one source attribute with one target attribute, as NISTIR 7696 table 6-2 and its
/// `compare` function do. In order: a target value with wildcards gives UNDEFINED (rows 4, 8, 11,
/// 17); equal logical values, or values equal ignoring ASCII case, give EQUAL; a source ANY gives
/// SUPERSET; a target ANY gives SUBSET; NA on either side gives DISJOINT; otherwise a source
/// with wildcards that matches the target gives SUPERSET, and anything else DISJOINT.
///
/// Wildcards: `*` matches any number of characters (none included) and each `?` exactly one.
/// The pseudo-code of NISTIR 7696 (`compare_strings`), and the reference implementations that
/// transcribe it, let a run of n question marks match up to n characters instead; we keep the
/// plain meaning of a single-character wildcard. Only sources with `?` tell the two apart, and
/// advisories in the wild do not use them.
pub fn compare_values(source: &AttributeValue, target: &AttributeValue) -> Relation {
    use AttributeValue::{Any, Na, Value};
    if target.has_wildcards() {
        return Relation::Undefined;
    }
    match (source, target) {
        (Any, Any) | (Na, Na) => Relation::Equal,
        (Any, _) => Relation::Superset,
        (_, Any) => Relation::Subset,
        (Na, _) | (_, Na) => Relation::Disjoint,
        (Value(s), Value(t)) => {
            if !s.has_wildcards() {
                if s.literal().eq_ignore_ascii_case(t.literal()) { Relation::Equal } else { Relation::Disjoint }
            } else if s.matches(t.literal()) {
                Relation::Superset
            } else {
                Relation::Disjoint
            }
        }
    }
}

/// The relation of each attribute of `source` to the same attribute of `target`, in binding order
/// (index with [`crate::Attribute::index`]); NISTIR 7696's `compare_WFNs`.
pub fn compare(source: &Cpe, target: &Cpe) -> [Relation; 11] {
    let (s, t) = (source.attributes(), target.attributes());
    std::array::from_fn(|i| compare_values(&s[i], &t[i]))
}

/// CPE_DISJOINT: some attribute is DISJOINT. (UNDEFINED attributes do not prevent it.)
pub fn is_disjoint(source: &Cpe, target: &Cpe) -> bool {
    compare(source, target).contains(&Relation::Disjoint)
}

/// CPE_EQUAL: every attribute is EQUAL.
pub fn is_equal(source: &Cpe, target: &Cpe) -> bool {
    compare(source, target).iter().all(|r| *r == Relation::Equal)
}

/// CPE_SUBSET: every attribute is SUBSET or EQUAL (non-proper).
pub fn is_subset(source: &Cpe, target: &Cpe) -> bool {
    compare(source, target).iter().all(|r| matches!(r, Relation::Subset | Relation::Equal))
}

/// CPE_SUPERSET: every attribute is SUPERSET or EQUAL (non-proper): the source name matches the
/// target name.
pub fn is_superset(source: &Cpe, target: &Cpe) -> bool {
    compare(source, target).iter().all(|r| matches!(r, Relation::Superset | Relation::Equal))
}
