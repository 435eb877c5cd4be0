//! The store story and the multi-replica guarantees, against a real PostgreSQL server.
//!
//! Needs `CLEARINGHOUSE_TEST_DATABASE_URL` (for example `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates a database of its own there and drops it afterwards. Without the variable the
//! tests say SKIPPED on stderr and pass, so a plain `cargo test` works on machines without PostgreSQL.

use clearinghouse_model::audit::verify_chain;
use clearinghouse_model::{OrgKind, Role, Tlp};
use clearinghouse_store::blob::{BlobError, BlobStore, SealedBlobs};
use clearinghouse_store::keyring::Keyring;
use clearinghouse_store::story::sample_report;
use clearinghouse_store::*;
use clearinghouse_store_postgres::testing::{base_url_or_skip, drop_database, fresh_database};
use clearinghouse_store_postgres::{PgBlobStore, PostgresStore};
use std::collections::BTreeSet;
use std::sync::Arc;
use time::OffsetDateTime;

/// A fresh database, dropped when the test ends, also when it panics (hence `Drop`, which cannot be
/// async: the drop runs on a runtime of its own on another thread).
struct TestDb {
    base: String,
    url: String,
    keyring_dir: tempfile::TempDir,
}

impl TestDb {
    async fn new(what: &str) -> Option<Self> {
        let base = base_url_or_skip(what)?;
        let url = fresh_database(&base).await.expect("CLEARINGHOUSE_TEST_DATABASE_URL is set, so a test database must be creatable there");
        Some(Self { base, url, keyring_dir: tempfile::tempdir().unwrap() })
    }

    /// Replicas share the database and the keyring, so every store opened here shares one keyring.
    fn keyring(&self) -> Arc<Keyring> {
        Arc::new(Keyring::open_or_create(&self.keyring_dir.path().join("keys")).unwrap())
    }

    async fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url, self.keyring(), 5).await.expect("connect and migrate")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (base, url) = (self.base.clone(), self.url.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(drop_database(&base, &url));
        })
        .join();
    }
}

/// A bootstrapped store with one org (limits high enough for the tests) and a member of it.
async fn setup(store: &PostgresStore, now: OffsetDateTime) -> Authenticated {
    let admin = store.bootstrap_admin("admin-hash", OrgLimits::default(), now).await.unwrap().unwrap();
    let sys = AuditActor::Principal(admin.id);
    let org = store
        .create_org(
            &sys,
            &NewOrg {
                name: "finder".into(),
                kind: OrgKind::AiDeveloper,
                sectors: vec![],
                limits: OrgLimits { reports_per_minute: 10_000, reports_per_day: 10_000 },
            },
            now,
        )
        .await
        .unwrap();
    store
        .create_principal(
            &sys,
            &NewPrincipal { org_id: org.id, name: "bot".into(), role: Role::Member, coordinator: false, token_expires_at: None },
            "bot-hash",
            now,
        )
        .await
        .unwrap();
    store.authenticate("bot-hash", now).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_story_on_postgres() {
    let Some(db) = TestDb::new("story").await else { return };
    let store = db.store().await;
    clearinghouse_store::story::run(&store).await;
    assert_eq!(store.backend(), "postgres");
    store.pool().close().await;
}

#[tokio::test]
async fn red_bodies_are_sealed_in_the_table() {
    let Some(db) = TestDb::new("sealing test").await else { return };
    let store = db.store().await;
    let now = OffsetDateTime::now_utc();
    let by = setup(&store, now).await;
    let actor = AuditActor::Principal(by.principal.id);
    let red = store.submit_report(&actor, &by, &sample_report("Secret bug in libbar", "pkg:npm/libbar", Tlp::Red), None, now).await.unwrap();
    let green = store.submit_report(&actor, &by, &sample_report("Public bug in libbaz", "pkg:npm/libbaz", Tlp::Green), None, now).await.unwrap();

    let bodies: Vec<(String, Vec<u8>, bool)> = sqlx::query_as("SELECT id, body, sealed FROM reports ORDER BY seq").fetch_all(store.pool()).await.unwrap();
    let contains = |body: &[u8], needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0].0, red.report().id.to_string());
    assert!(bodies[0].2 && Keyring::is_sealed(&bodies[0].1), "the RED body is marked and stored sealed");
    assert!(!contains(&bodies[0].1, b"Secret bug"), "the RED title is in reports.body in plain text");
    // The check above would pass vacuously if bodies were never plain text; GREEN ones are.
    assert!(!bodies[1].2 && contains(&bodies[1].1, b"Public bug in libbaz"));
    assert_eq!(store.get_report(&red.report().id).await.unwrap().unwrap().document.title, "Secret bug in libbar");
    assert_eq!(store.get_report(&green.report().id).await.unwrap().unwrap(), green.report().clone());
    store.pool().close().await;
}

#[tokio::test]
async fn blobs_round_trip_through_the_table() {
    let Some(db) = TestDb::new("blob store test").await else { return };
    let store = db.store().await;
    let blobs: PgBlobStore = store.blob_store();
    let addr = "ab".repeat(32);
    blobs.put(&addr, b"first").await.unwrap();
    blobs.put(&addr, b"first").await.unwrap();
    assert_eq!(blobs.get(&addr).await.unwrap().as_deref(), Some(&b"first"[..]));
    assert_eq!(blobs.get(&"cd".repeat(32)).await.unwrap(), None);
    assert!(matches!(blobs.put("../etc/passwd", b"x").await, Err(BlobError::BadAddress(_))));
    blobs.delete(&addr).await.unwrap();
    blobs.delete(&addr).await.unwrap();
    assert_eq!(blobs.get(&addr).await.unwrap(), None);

    // Through the sealing layer, as the server uses it: the table holds ciphertext only.
    let sealed = SealedBlobs::new(Arc::new(blobs.clone()), db.keyring());
    let data = b"int main(){char b[4]; b[8]=1;}";
    let addr = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data));
    sealed.put(&addr, data).await.unwrap();
    assert_eq!(sealed.get(&addr).await.unwrap().unwrap(), data);
    let raw: Vec<u8> = sqlx::query_scalar("SELECT data FROM blobs WHERE address = $1").bind(&addr).fetch_one(store.pool()).await.unwrap();
    assert!(Keyring::is_sealed(&raw) && !raw.windows(8).any(|w| w == b"int main"));
    store.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_submitting_at_once_keep_ids_chain_and_outbox_in_order() {
    let Some(db) = TestDb::new("concurrency test").await else { return };
    // Both replicas start at once, so both run the migrator against the empty database together.
    let (a, b) = tokio::join!(db.store(), db.store());
    let replicas = [Arc::new(a), Arc::new(b)];
    let now = OffsetDateTime::now_utc();
    let by = setup(&replicas[0], now).await;
    let actor = AuditActor::Principal(by.principal.id);

    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = replicas[t % 2].clone();
        let (by, actor) = (by.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let r = sample_report(&format!("task {t} report {i}"), "pkg:cargo/libfoo", Tlp::Green);
                store.submit_report(&actor, &by, &r, None, now).await.expect("concurrent submit");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    let reports = replicas[1].list_reports(&ReportFilter::default(), None, 1_000).await.unwrap();
    assert_eq!(reports.len(), 200);
    let numbers: Vec<u64> = reports.iter().map(|r| r.id.sequence).collect();
    assert_eq!(numbers.iter().copied().collect::<BTreeSet<_>>().len(), 200, "ids are distinct");
    // Stronger than distinct: allocated under the same lock as seq, ids follow submission order.
    assert_eq!(numbers, (1..=200).collect::<Vec<u64>>(), "ids are 1..=200 in seq order");

    let events = replicas[0].audit_events(0, 10_000).await.unwrap();
    assert_eq!(verify_chain(&events), Ok(events.len() as u64), "the audit chain has no forks");
    assert_eq!(events.iter().filter(|e| e.action == "report.submitted").count(), 200);

    let outbox = replicas[1].outbox_events(0, 10_000).await.unwrap();
    assert!(outbox.windows(2).all(|w| w[0].seq < w[1].seq), "outbox seqs strictly increase");
    let submitted: Vec<&str> = outbox.iter().filter(|e| e.topic == "report.submitted").map(|e| e.subject.as_str()).collect();
    let expected: Vec<String> = reports.iter().map(|r| format!("report:{}", r.id)).collect();
    assert_eq!(submitted, expected, "the outbox lists submissions in commit order");
    for r in &replicas {
        r.pool().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_racing_on_two_replicas_makes_one_report() {
    let Some(db) = TestDb::new("idempotency race test").await else { return };
    let replicas = [Arc::new(db.store().await), Arc::new(db.store().await)];
    let now = OffsetDateTime::now_utc();

    // Bootstrap races too: exactly one replica creates the admin.
    let boots = spawn_all(replicas.iter().cycle().take(6).map(|s| {
        let s = s.clone();
        async move { s.bootstrap_admin("admin-hash", OrgLimits::default(), now).await.unwrap() }
    }))
    .await;
    assert_eq!(boots.iter().filter(|b| b.is_some()).count(), 1, "bootstrap ran once");
    let admin = boots.into_iter().flatten().next().unwrap();
    let sys = AuditActor::Principal(admin.id);
    let org = replicas[0]
        .create_org(&sys, &NewOrg { name: "finder".into(), kind: OrgKind::AiDeveloper, sectors: vec![], limits: OrgLimits::default() }, now)
        .await
        .unwrap();
    replicas[1]
        .create_principal(
            &sys,
            &NewPrincipal { org_id: org.id, name: "bot".into(), role: Role::Member, coordinator: false, token_expires_at: None },
            "bot-hash",
            now,
        )
        .await
        .unwrap();
    let by = replicas[0].authenticate("bot-hash", now).await.unwrap().unwrap();
    let actor = AuditActor::Principal(by.principal.id);
    let report = sample_report("Same body every time", "pkg:cargo/libfoo", Tlp::Amber);
    let key = IdempotencyKey { key: "retry-me".into(), request_hash: "h".into() };

    let outcomes = spawn_all((0..10).map(|i| {
        let (store, by, actor, report, key) = (replicas[i % 2].clone(), by.clone(), actor.clone(), report.clone(), key.clone());
        async move { store.submit_report(&actor, &by, &report, Some(&key), now).await.expect("racing submit") }
    }))
    .await;
    assert_eq!(outcomes.iter().filter(|o| matches!(o, SubmitOutcome::Created(_))).count(), 1, "exactly one submission creates");
    let ids: BTreeSet<String> = outcomes.iter().map(|o| o.report().id.to_string()).collect();
    assert_eq!(ids.len(), 1, "every replay names the created report");
    assert_eq!(replicas[1].list_reports(&ReportFilter::default(), None, 100).await.unwrap().len(), 1);
    assert_eq!(verify_chain(&replicas[0].audit_events(0, 1_000).await.unwrap()).map(|n| n > 0), Ok(true));
    for r in &replicas {
        r.pool().close().await;
    }
}

/// Runs futures as spawned tasks, so they overlap on the runtime's threads rather than taking turns
/// in one task, and returns their outputs in order.
async fn spawn_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
