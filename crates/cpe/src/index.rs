//! An index of advisory rules for matching many components against many advisories.
//!
//! [`CpeRule::matches`] requires part, vendor and product to be SUPERSET or EQUAL. A rule whose
//! three are plain values (or NA) is therefore only ever about components with the same three,
//! ignoring case, and is filed under that key; a query reads that one bucket. Rules whose part,
//! vendor or product is ANY or has wildcards cannot be keyed; they are few (NVD has none) and
//! sit in one list that every query reads. A component whose part, vendor or product is ANY or
//! has wildcards can only match those unkeyed rules. So a query returns exactly what a loop over
//! every rule would (the property tests check it).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::name::{AttributeValue, Cpe};
use crate::rule::{CpeRule, Match};

/// (part, vendor, product), each as its formatted-string component, lower-cased.
type Key = (String, String, String);

fn key_component(value: &AttributeValue) -> Option<String> {
    match value {
        AttributeValue::Any => None,
        AttributeValue::Value(v) if v.has_wildcards() => None,
        _ => Some(value.to_string().to_ascii_lowercase()),
    }
}

fn key_of(cpe: &Cpe) -> Option<Key> {
    Some((key_component(cpe.part())?, key_component(cpe.vendor())?, key_component(cpe.product())?))
}

#[derive(Debug, Clone)]
struct Entry {
    advisory: String,
    rule: CpeRule,
}

/// Rules of many advisories, queried by component.
#[derive(Debug, Clone, Default)]
pub struct CpeIndex {
    keyed: HashMap<Key, Vec<Entry>>,
    unkeyed: Vec<Entry>,
    /// Where each advisory's rules are filed (`None`: the unkeyed list), for [`CpeIndex::remove`].
    locations: HashMap<String, BTreeSet<Option<Key>>>,
    rules: usize,
}

impl CpeIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one rule of an advisory (an advisory usually has several).
    pub fn insert(&mut self, advisory_id: &str, rule: CpeRule) {
        let key = key_of(&rule.cpe);
        let entry = Entry { advisory: advisory_id.to_string(), rule };
        match &key {
            Some(k) => self.keyed.entry(k.clone()).or_default().push(entry),
            None => self.unkeyed.push(entry),
        }
        self.locations.entry(advisory_id.to_string()).or_default().insert(key);
        self.rules += 1;
    }

    /// Removes every rule of an advisory; returns how many there were.
    pub fn remove(&mut self, advisory_id: &str) -> usize {
        let Some(locations) = self.locations.remove(advisory_id) else { return 0 };
        let mut removed = 0;
        for location in locations {
            let list = match &location {
                Some(k) => self.keyed.get_mut(k),
                None => Some(&mut self.unkeyed),
            };
            let Some(list) = list else { continue };
            let before = list.len();
            list.retain(|e| e.advisory != advisory_id);
            removed += before - list.len();
            if let Some(k) = location
                && list.is_empty()
            {
                self.keyed.remove(&k);
            }
        }
        self.rules -= removed;
        removed
    }

    /// The advisories whose rules are about `component`, sorted by advisory id, each with the
    /// combined verdict of its rules ([`Match::combine`]): affected or undetermined; advisories
    /// that do not affect it are left out.
    pub fn query(&self, component: &Cpe) -> Vec<(String, Match)> {
        let mut verdicts: BTreeMap<&str, Match> = BTreeMap::new();
        let keyed = key_of(component).and_then(|k| self.keyed.get(&k)).map(Vec::as_slice).unwrap_or_default();
        for entry in keyed.iter().chain(&self.unkeyed) {
            let verdict = entry.rule.matches(component);
            if verdict.is_not_affected() {
                continue;
            }
            let combined = match verdicts.remove(entry.advisory.as_str()) {
                Some(previous) => previous.combine(verdict),
                None => verdict,
            };
            verdicts.insert(&entry.advisory, combined);
        }
        verdicts.into_iter().map(|(id, m)| (id.to_string(), m)).collect()
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules == 0
    }

    /// The number of advisories with at least one rule.
    pub fn advisory_count(&self) -> usize {
        self.locations.len()
    }
}
