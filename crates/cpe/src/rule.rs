//! Advisory rules: a CPE with the optional version bounds that NVD configurations (`cpeMatch`
//! with `versionStartIncluding` and the rest) and CVE 5 `affected` entries state, and the verdict
//! of one rule on one component.

use std::cmp::Ordering;

use clearinghouse_model::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::matching::{Relation, compare};
use crate::name::{Attribute, AttributeValue, Cpe};
use crate::{codes, compare_versions};

/// One applicability rule of an advisory: the products its CPE names, narrowed by up to four
/// version bounds, all of which must hold. Without bounds the CPE alone decides (a version of ANY
/// then means every version).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CpeRule {
    pub cpe: Cpe,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_excluding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_excluding: Option<String>,
}

/// What one rule (or an advisory's rules together, see [`Match::combine`]) says of a component.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    Affected,
    NotAffected,
    /// The rule may cover the component, but the component's name does not say enough (a version
    /// of ANY against a range, a target hardware of ANY against `x64`) or its version cannot be
    /// ordered against the bounds. The reason is for people.
    Undetermined(String),
}

impl Match {
    /// The verdict of several rules of one advisory: affected if any rule says so, otherwise
    /// undetermined if any is (keeping the reason that sorts first, so that the result does not
    /// depend on the order of the rules), otherwise not affected. Commutative and associative.
    pub fn combine(self, other: Match) -> Match {
        match (self, other) {
            (Match::Affected, _) | (_, Match::Affected) => Match::Affected,
            (Match::Undetermined(a), Match::Undetermined(b)) => Match::Undetermined(a.min(b)),
            (Match::Undetermined(a), Match::NotAffected) | (Match::NotAffected, Match::Undetermined(a)) => Match::Undetermined(a),
            (Match::NotAffected, Match::NotAffected) => Match::NotAffected,
        }
    }

    pub fn is_affected(&self) -> bool {
        matches!(self, Match::Affected)
    }

    pub fn is_not_affected(&self) -> bool {
        matches!(self, Match::NotAffected)
    }

    pub fn is_undetermined(&self) -> bool {
        matches!(self, Match::Undetermined(_))
    }
}

type Bound = (&'static str, fn(&CpeRule) -> Option<&String>, fn(Ordering) -> bool);

/// Each bound: its name, where it is, and which orderings of (component version, bound) it admits.
const BOUNDS: [Bound; 4] = [
    ("version_start_including", |r| r.version_start_including.as_ref(), |o| o != Ordering::Less),
    ("version_start_excluding", |r| r.version_start_excluding.as_ref(), |o| o == Ordering::Greater),
    ("version_end_including", |r| r.version_end_including.as_ref(), |o| o != Ordering::Greater),
    ("version_end_excluding", |r| r.version_end_excluding.as_ref(), |o| o == Ordering::Less),
];

impl CpeRule {
    /// A rule without version bounds.
    pub fn new(cpe: Cpe) -> Self {
        Self { cpe, version_start_including: None, version_start_excluding: None, version_end_including: None, version_end_excluding: None }
    }

    /// Whether any version bound is set.
    pub fn has_range(&self) -> bool {
        BOUNDS.iter().any(|(_, get, _)| get(self).is_some())
    }

    /// The rule's verdict on a component's CPE (the rule is the NISTIR 7696 source, the component
    /// the target):
    ///
    /// - part, vendor and product must each be SUPERSET or EQUAL, or the rule is not about this
    ///   component: [`Match::NotAffected`]. (A component whose vendor is ANY or has wildcards
    ///   names no product, and no keyed rule is about it.)
    /// - any other attribute DISJOINT, or a version outside the bounds: [`Match::NotAffected`].
    /// - otherwise, an attribute that is SUBSET (the component says ANY where the rule names a
    ///   value) or UNDEFINED (the component has wildcards), a component version of ANY or NA
    ///   against bounds, or a version [`compare_versions`] cannot order against a bound:
    ///   [`Match::Undetermined`] with the first such reason.
    /// - otherwise [`Match::Affected`].
    pub fn matches(&self, component: &Cpe) -> Match {
        let relations = compare(&self.cpe, component);
        for attr in [Attribute::Part, Attribute::Vendor, Attribute::Product] {
            if !matches!(relations[attr.index()], Relation::Superset | Relation::Equal) {
                return Match::NotAffected;
            }
        }
        let mut undetermined: Option<String> = None;
        for attr in Attribute::ALL.into_iter().skip(3) {
            let reason = match relations[attr.index()] {
                Relation::Superset | Relation::Equal => continue,
                Relation::Disjoint => return Match::NotAffected,
                Relation::Subset => format!("the component's {attr} is ANY and the rule's is {}", self.cpe.get(attr)),
                Relation::Undefined => format!("the component's {attr} {} has wildcards", component.get(attr)),
            };
            if undetermined.is_none() {
                undetermined = Some(reason);
            }
        }
        if self.has_range() && matches!(relations[Attribute::Version.index()], Relation::Superset | Relation::Equal) {
            let reason = match component.version() {
                AttributeValue::Any => Some("the component's version is ANY and the rule has a version range".to_string()),
                AttributeValue::Na => Some("the component's version is NA and the rule has a version range".to_string()),
                AttributeValue::Value(v) => match self.in_range(v.literal()) {
                    Ok(true) => None,
                    Ok(false) => return Match::NotAffected,
                    Err(reason) => Some(reason),
                },
            };
            if undetermined.is_none() {
                undetermined = reason;
            }
        }
        match undetermined {
            Some(reason) => Match::Undetermined(reason),
            None => Match::Affected,
        }
    }

    /// Whether `version` meets every bound: `Ok(false)` as soon as one bound excludes it (even if
    /// another cannot be decided), `Err(reason)` if none excludes it but one cannot be decided.
    fn in_range(&self, version: &str) -> Result<bool, String> {
        let mut undecided = None;
        for (name, get, admits) in BOUNDS {
            let Some(bound) = get(self) else { continue };
            match compare_versions(version, bound) {
                Some(ordering) if !admits(ordering) => return Ok(false),
                Some(_) => {}
                None => {
                    undecided.get_or_insert_with(|| format!("cannot order the component's version {version:?} against {name} {bound:?}"));
                }
            }
        }
        match undecided {
            Some(reason) => Err(reason),
            None => Ok(true),
        }
    }

    /// Warnings about the rule itself, at `pointer` (the rule's JSON pointer): a bound that
    /// [`compare_versions`] cannot order, start above end (the rule covers nothing), and a version
    /// range on a CPE whose own version is not ANY.
    pub fn validate(&self, pointer: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (name, get, _) in BOUNDS {
            if let Some(bound) = get(self)
                && compare_versions(bound, bound).is_none()
            {
                out.push(Diagnostic::new(
                    codes::UNORDERABLE_VERSION_BOUND,
                    format!("{pointer}/{name}"),
                    format!("{name} {bound:?} cannot be ordered (it needs a digit, no wildcard, printable ASCII); components meet it as undetermined"),
                ));
            }
        }
        let starts = [(&self.version_start_including, true), (&self.version_start_excluding, false)];
        let ends = [(&self.version_end_including, true), (&self.version_end_excluding, false)];
        for (start, start_incl) in starts {
            for (end, end_incl) in ends {
                let (Some(s), Some(e)) = (start, end) else { continue };
                let empty = match compare_versions(s, e) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => !(start_incl && end_incl),
                    _ => false,
                };
                if empty {
                    out.push(Diagnostic::new(codes::EMPTY_VERSION_RANGE, pointer, format!("the range from {s:?} to {e:?} holds no version")));
                }
            }
        }
        if self.has_range() && !self.cpe.version().is_any() {
            out.push(Diagnostic::new(
                codes::VERSION_AND_RANGE,
                format!("{pointer}/cpe"),
                format!("the CPE names version {} and the rule also has a version range; a component must meet both", self.cpe.version()),
            ));
        }
        out
    }
}
