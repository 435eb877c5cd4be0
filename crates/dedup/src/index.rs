//! An in-memory LSH index: band key → report ids. It shows the algorithm and serves tests and the evaluator;
//! the server's index is rows `(band_key, report_id)` in the store, shared by every replica, queried the
//! same way ("the reports that share at least one band key with this fingerprint").

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use crate::{BandKey, Fingerprint, Params, is_near_duplicate};

/// Reports filed by band key, with their fingerprints for verification.
#[derive(Clone, Debug)]
pub struct Index<Id> {
    buckets: HashMap<BandKey, Vec<Id>>,
    fingerprints: HashMap<Id, Fingerprint>,
}

impl<Id> Default for Index<Id> {
    fn default() -> Self {
        Index { buckets: HashMap::new(), fingerprints: HashMap::new() }
    }
}

impl<Id: Clone + Eq + Hash + Ord> Index<Id> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Files `fingerprint` under `id`, replacing what was filed under `id` before.
    pub fn insert(&mut self, id: Id, fingerprint: Fingerprint) {
        self.remove(&id);
        let mut seen = HashSet::new();
        for key in &fingerprint.bands {
            if seen.insert(*key) {
                self.buckets.entry(*key).or_default().push(id.clone());
            }
        }
        self.fingerprints.insert(id, fingerprint);
    }

    /// Removes `id`; returns its fingerprint if it was filed.
    pub fn remove(&mut self, id: &Id) -> Option<Fingerprint> {
        let old = self.fingerprints.remove(id)?;
        for key in &old.bands {
            if let Some(ids) = self.buckets.get_mut(key) {
                ids.retain(|x| x != id);
                if ids.is_empty() {
                    self.buckets.remove(key);
                }
            }
        }
        Some(old)
    }

    /// The fingerprint filed under `id`.
    pub fn get(&self, id: &Id) -> Option<&Fingerprint> {
        self.fingerprints.get(id)
    }

    /// Reports filed.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }

    /// Distinct band keys filed.
    pub fn band_keys(&self) -> usize {
        self.buckets.len()
    }

    /// The candidates for `fingerprint`: every filed report sharing at least one band key with it, sorted,
    /// each once. Not verified: see [`Index::near_duplicates`].
    pub fn candidates(&self, fingerprint: &Fingerprint) -> Vec<Id> {
        let mut out: Vec<Id> = fingerprint.bands.iter().filter_map(|k| self.buckets.get(k)).flatten().cloned().collect();
        out.sort();
        out.dedup();
        out
    }

    /// The candidates whose estimated similarity reaches `params.threshold` ([`is_near_duplicate`]), most
    /// similar first (ties by id).
    pub fn near_duplicates(&self, fingerprint: &Fingerprint, params: &Params) -> Vec<(Id, f64)> {
        let mut out: Vec<(Id, f64)> = self
            .candidates(fingerprint)
            .into_iter()
            .filter_map(|id| {
                let other = self.fingerprints.get(&id)?;
                is_near_duplicate(fingerprint, other, params).map(|s| (id, s))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}
