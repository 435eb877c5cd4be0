//! The advisories every replica answers OSV queries from: the matcher's in-memory index, kept
//! current by following the store's `change_seq` cursor.
//!
//! Why in memory: `POST /v1/querybatch` answers a thousand package versions per request, and the
//! index answers each in microseconds; a database round trip per query would not. Why following a
//! cursor instead of listening for events: the store is the one source of truth for every replica,
//! an import made through the CLI or another replica is seen the same way, and the check before a
//! query is one indexed `MAX` (see [`AdvisoryCache::refresh`]).

use clearinghouse_matcher::Index;
use clearinghouse_model::Tlp;
use clearinghouse_model::policy::{Viewer, can_read};
use clearinghouse_osv::Record;
use clearinghouse_store::{AdvisoryOwner, Store, StoreResult, StoredAdvisory, advisory_access};
use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;
use time::OffsetDateTime;

/// Advisories read per round trip while catching up.
const PAGE: u32 = 2_000;

/// Who may read an advisory: what the policy needs, kept beside the index.
#[derive(Debug, Clone, Copy)]
struct Label {
    tlp: Tlp,
    owner: Option<AdvisoryOwner>,
}

#[derive(Default)]
pub struct Snapshot {
    pub index: Index,
    labels: HashMap<String, Label>,
    /// Ids of advisories with GIT ranges, for commit queries (which no package key can find).
    pub git: BTreeSet<String>,
    /// The store cursor this snapshot has read up to.
    cursor: (i64, String),
}

impl Snapshot {
    /// Whether `viewer` may read advisory `id` (the policy module decides; unknown ids are not visible).
    pub fn visible(&self, viewer: &Viewer, id: &str) -> bool {
        self.labels.get(id).is_some_and(|l| l.tlp == Tlp::Clear || can_read(viewer, &advisory_access(l.tlp, l.owner)))
    }

    fn apply(&mut self, a: StoredAdvisory, now: OffsetDateTime) {
        let id = a.record.id.clone();
        self.cursor = (a.change_seq, id.clone());
        self.labels.insert(id.clone(), Label { tlp: a.tlp, owner: a.owner });
        let has_git = a.record.affected.iter().any(|e| e.ranges.iter().any(|r| r.range_type == "GIT"));
        if has_git {
            self.git.insert(id.clone());
        } else {
            self.git.remove(&id);
        }
        // The store only ever replaces a record with a later `modified`, which is what the index's
        // own insert keeps; removing first also takes an equal-`modified` relabel.
        self.index.remove(&id);
        self.index.insert(a.record, now);
    }

    pub fn record(&self, id: &str) -> Option<&Record> {
        self.index.get(id).map(|a| &a.record)
    }
}

#[derive(Default)]
pub struct AdvisoryCache {
    snapshot: RwLock<Snapshot>,
    /// One refresher at a time; the others wait and then find nothing new.
    refreshing: tokio::sync::Mutex<()>,
}

impl AdvisoryCache {
    /// Reads whatever the store changed since the last refresh.
    pub async fn refresh(&self, store: &dyn Store, now: OffsetDateTime) -> StoreResult<()> {
        let head = store.advisory_head().await?;
        if self.read(|s| s.cursor.0 >= head) {
            return Ok(());
        }
        let _guard = self.refreshing.lock().await;
        let mut cursor = self.read(|s| s.cursor.clone());
        loop {
            let page = store.advisories_changed_since((cursor.0, &cursor.1), PAGE).await?;
            let done = (page.len() as u32) < PAGE;
            if let Some(last) = page.last() {
                cursor = (last.change_seq, last.record.id.clone());
            }
            {
                let mut s = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
                for a in page {
                    s.apply(a, now);
                }
            }
            if done {
                return Ok(());
            }
        }
    }

    /// Runs `f` on the current snapshot (a read lock; never held across an await).
    pub fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        let s = self.snapshot.read().unwrap_or_else(|p| p.into_inner());
        f(&s)
    }
}
