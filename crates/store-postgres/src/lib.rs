//! The PostgreSQL implementation of the store: for running several server replicas on one database.
//!
//! Concurrency model. Every state-changing method is one READ COMMITTED transaction whose first
//! statement locks the single row of `audit_head` (`SELECT ... FOR UPDATE`). That row lock is the
//! writers' mutex across every replica:
//! - the audit chain cannot fork, because each writer links to the head it holds locked;
//! - identity values taken after the lock (`reports.seq`, `outbox.seq`) are handed out in commit
//!   order, so a reader paging with `seq > cursor` never skips a row that commits later with a
//!   smaller seq;
//! - checks made after the lock (idempotency keys, the lifecycle, relabel's compare-and-swap,
//!   "is there a principal yet" in bootstrap) see every transaction that committed before, because
//!   under READ COMMITTED each statement takes a fresh snapshot.
//!
//! The price is one writer at a time, like SQLite, but across machines; the write transactions are
//! kept to a few round trips for that reason. Reads take no lock.

mod assets;
mod duplicates;
mod intake;
mod validation;
mod vulns;

use async_trait::async_trait;
use clearinghouse_model::audit::{AuditEvent, event_hash, to_micros};
use clearinghouse_model::lifecycle::{Actor as Cap, check_transition};
use clearinghouse_model::validate::PackageKey;
use clearinghouse_model::{OrgKind, ReportId, ReportStatus, Role, Sector, Tlp};
use clearinghouse_store::blob::{BlobError, BlobStore, check_address};
use clearinghouse_store::codec::{decode_body, encode_body, report_subject};
use clearinghouse_store::keyring::Keyring;
use clearinghouse_store::*;
use serde_json::json;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::types::Json;
// AssertSqlSafe only wraps SQL assembled from this file's constants; values always go through bind.
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, QueryBuilder, Row, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Spelled out rather than relying on the server default: the locking scheme above needs a fresh
/// snapshot per statement, and a database configured for REPEATABLE READ would instead fail the
/// second of two racing writers with a serialization error.
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

pub struct PostgresStore {
    pool: PgPool,
    keyring: Arc<Keyring>,
    /// One write transaction per process at a time. Writers serialise on the `audit_head` row
    /// anyway; without this gate they would do it holding pool connections, so a burst of writes
    /// parks most of the pool on that lock and reads queue behind them (measured in
    /// docs/BENCHMARKS.md). With it the queue forms here, and at most one connection per replica
    /// waits on the row lock.
    write_gate: Arc<tokio::sync::Semaphore>,
}

fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return StoreError::Conflict(d.message().to_string());
    }
    StoreError::Backend(e.to_string())
}

fn bad_row(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("unexpected value in database: {what}"))
}

fn parse_name<T: FromStr<Err = String>>(s: &str) -> StoreResult<T> {
    s.parse().map_err(bad_row)
}

/// The same microsecond count the SQLite backend writes into `principal.created` details, so audit
/// details read the same whichever backend wrote them.
fn us(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

/// A write transaction holding the `audit_head` lock, and the head it links the next event to.
/// Returning early without `commit` rolls back and releases the lock promptly: sqlx queues the
/// ROLLBACK on drop and flushes it when the connection goes back to the pool.
struct WriteTx {
    tx: Transaction<'static, Postgres>,
    seq: i64,
    hash: String,
    // Released when the transaction commits or is dropped. Declared last: fields drop in order, so
    // the rollback of a dropped transaction is queued before the next writer is let in.
    _gate: tokio::sync::OwnedSemaphorePermit,
}

impl WriteTx {
    fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Writes the audit event and the outbox event of one state change and moves the head.
    async fn record(&mut self, at: OffsetDateTime, actor: &AuditActor, action: &str, subject: &str, details: serde_json::Value) -> StoreResult<()> {
        let seq = self.seq + 1;
        let at = to_micros(at);
        let actor = actor.as_audit_string();
        let hash = event_hash(seq, at, &actor, action, subject, &details, &self.hash);
        // One statement instead of three: every round trip here is spent holding the global lock.
        sqlx::query(
            "WITH a AS (INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)), \
                  h AS (UPDATE audit_head SET seq = $1, hash = $8 WHERE id = 1) \
             INSERT INTO outbox (at, topic, subject, payload) VALUES ($2, $4, $5, $6)",
        )
        .bind(seq)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(&details)
        .bind(&self.hash)
        .bind(&hash)
        .execute(self.conn())
        .await
        .map_err(db_err)?;
        self.seq = seq;
        self.hash = hash;
        Ok(())
    }

    async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await.map_err(db_err)
    }
}

impl PostgresStore {
    /// Connects and applies migrations. Several processes may start at once: sqlx's migrator holds a
    /// PostgreSQL advisory lock while it migrates, so only one applies each migration.
    pub async fn connect(url: &str, keyring: Arc<Keyring>, max_connections: u32) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {e}")))?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Backend(format!("migrating the PostgreSQL database: {e}")))?;
        Ok(Self { pool, keyring, write_gate: Arc::new(tokio::sync::Semaphore::new(1)) })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Blobs in the `blobs` table of the same database, over the same pool.
    pub fn blob_store(&self) -> PgBlobStore {
        PgBlobStore { pool: self.pool.clone() }
    }

    /// Begins a write transaction and takes the `audit_head` lock before anything else.
    /// Writes a new report's MinHash signature and band keys (in its transaction); the background
    /// indexer files the keys into `report_bands` in batches.
    async fn index_similarity(w: &mut WriteTx, seq: i64, fp: &clearinghouse_store::similar::Fingerprint) -> StoreResult<()> {
        use clearinghouse_store::similar;
        sqlx::query("INSERT INTO report_minhash (report_seq, version, minhash, bands) VALUES ($1, $2, $3, $4)")
            .bind(seq)
            .bind(similar::VERSION)
            .bind(similar::minhash_bytes(fp))
            .bind(similar::bands_bytes(fp))
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn begin_write(&self) -> StoreResult<WriteTx> {
        let gate = self.write_gate.clone().acquire_owned().await.map_err(|_| StoreError::Backend("the store is shutting down".into()))?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").fetch_one(&mut *tx).await.map_err(db_err)?;
        Ok(WriteTx { seq: head.get(0), hash: head.get(1), tx, _gate: gate })
    }

    fn org_from_row(r: &PgRow) -> StoreResult<Org> {
        let sectors: Vec<String> = r.get("sectors");
        Ok(Org {
            id: r.get("id"),
            name: r.get("name"),
            kind: parse_name::<OrgKind>(r.get("kind"))?,
            sectors: sectors.iter().map(|s| parse_name::<Sector>(s)).collect::<StoreResult<_>>()?,
            limits: OrgLimits { reports_per_minute: r.get("reports_per_minute"), reports_per_day: r.get("reports_per_day") },
            created_at: r.get("created_at"),
        })
    }

    fn principal_from_row(r: &PgRow, prefix: &str) -> StoreResult<Principal> {
        let col = |c: &str| format!("{prefix}{c}");
        Ok(Principal {
            id: r.get(col("id").as_str()),
            org_id: r.get(col("org_id").as_str()),
            name: r.get(col("name").as_str()),
            role: parse_name::<Role>(r.get(col("role").as_str()))?,
            coordinator: r.get(col("coordinator").as_str()),
            created_at: r.get(col("created_at").as_str()),
        })
    }

    fn token_from_row(r: &PgRow) -> StoreResult<TokenInfo> {
        Ok(TokenInfo {
            id: r.get("id"),
            principal_id: r.get("principal_id"),
            principal_name: r.get("principal_name"),
            org_id: r.get("org_id"),
            role: parse_name::<Role>(r.get("role"))?,
            coordinator: r.get("coordinator"),
            created_at: r.get("created_at"),
            expires_at: r.get("expires_at"),
            revoked_at: r.get("revoked_at"),
        })
    }

    fn report_from_row(&self, r: &PgRow) -> StoreResult<StoredReport> {
        let id: ReportId = r.get::<&str, _>("id").parse().map_err(bad_row)?;
        let document = decode_body(&self.keyring, &id, r.get("body"), r.get("sealed"))?;
        let packages: Vec<PackageKey> = serde_json::from_value(r.get("packages")).map_err(bad_row)?;
        Ok(StoredReport {
            id,
            seq: r.get("seq"),
            status: parse_name::<ReportStatus>(r.get("status"))?,
            tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
            owner_org: r.get("owner_org"),
            submitter: r.get("submitter"),
            document,
            packages,
            shared_orgs: r.get("shared_orgs"),
            named_principals: r.get("named_principals"),
            created_at: r.get("created_at"),
            updated_at: r.get("updated_at"),
        })
    }

    async fn load_by_seq(&self, conn: &mut PgConnection, seq: i64) -> StoreResult<StoredReport> {
        let sql = format!("{REPORT_SELECT} WHERE r.seq = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(seq).fetch_one(&mut *conn).await.map_err(db_err)?;
        self.report_from_row(&row)
    }

    async fn report_row(conn: &mut PgConnection, id: &ReportId) -> StoreResult<ReportRow> {
        let row = sqlx::query("SELECT seq, status, tlp, body, sealed FROM reports WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok(ReportRow { seq: row.get(0), status: row.get(1), tlp: row.get(2), body: row.get(3), sealed: row.get(4) })
    }
}

struct ReportRow {
    seq: i64,
    status: String,
    tlp: String,
    body: Vec<u8>,
    sealed: bool,
}

// Audiences are ordered by id so a report reads the same on every replica and every call.
const REPORT_SELECT: &str = "SELECT r.seq, r.id, r.status, r.tlp, r.owner_org, r.submitter, r.body, r.sealed, r.packages, r.created_at, r.updated_at, \
    ARRAY(SELECT s.org_id FROM report_share_orgs s WHERE s.report_seq = r.seq ORDER BY s.org_id) AS shared_orgs, \
    ARRAY(SELECT s.principal_id FROM report_share_principals s WHERE s.report_seq = r.seq ORDER BY s.principal_id) AS named_principals \
    FROM reports r";

const TOKEN_SELECT: &str = "SELECT t.id, t.principal_id, p.name AS principal_name, p.org_id, p.role, p.coordinator, t.created_at, t.expires_at, t.revoked_at \
    FROM tokens t JOIN principals p ON p.id = t.principal_id";

/// A foreign key names something that does not exist: for a share, an unknown org or principal.
fn fk_is_not_found(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound,
        _ => db_err(e),
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats { size: self.pool.size(), idle: self.pool.num_idle() as u32 }
    }

    async fn bootstrap_admin(&self, token_hash: &str, limits: OrgLimits, now: OffsetDateTime) -> StoreResult<Option<Principal>> {
        let mut w = self.begin_write().await?;
        // Asked only after taking the lock: a replica that lost the race sees the winner's admin here.
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM principals)").fetch_one(w.conn()).await.map_err(db_err)?;
        if any {
            return Ok(None);
        }
        let now = to_micros(now);
        let org = Org { id: Uuid::now_v7(), name: "clearinghouse".into(), kind: OrgKind::Agency, sectors: vec![], limits, created_at: now };
        insert_org(w.conn(), &org).await?;
        let admin = Principal { id: Uuid::now_v7(), org_id: org.id, name: "admin".into(), role: Role::Admin, coordinator: true, created_at: now };
        insert_principal(w.conn(), &admin).await?;
        let token_id = Uuid::now_v7();
        insert_token(w.conn(), token_id, admin.id, token_hash, now, None).await?;
        let sys = AuditActor::System;
        w.record(now, &sys, "org.created", &format!("org:{}", org.id), json!({"name": org.name, "kind": org.kind})).await?;
        w.record(
            now,
            &sys,
            "principal.bootstrapped",
            &format!("principal:{}", admin.id),
            json!({"org": org.id, "token": token_id, "role": "admin", "coordinator": true}),
        )
        .await?;
        w.commit().await?;
        Ok(Some(admin))
    }

    async fn create_org(&self, actor: &AuditActor, new: &NewOrg, now: OffsetDateTime) -> StoreResult<Org> {
        let now = to_micros(now);
        let org = Org { id: Uuid::now_v7(), name: new.name.clone(), kind: new.kind, sectors: new.sectors.clone(), limits: new.limits, created_at: now };
        let mut w = self.begin_write().await?;
        insert_org(w.conn(), &org).await.map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!("an organisation named {:?} exists", org.name)),
            e => e,
        })?;
        w.record(
            now,
            actor,
            "org.created",
            &format!("org:{}", org.id),
            json!({"name": org.name, "kind": org.kind, "sectors": org.sectors, "limits": org.limits}),
        )
        .await?;
        w.commit().await?;
        Ok(org)
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        // Byte order, as SQLite sorts, rather than whatever the database's locale collates.
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY name COLLATE \"C\"").fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(Self::org_from_row).collect()
    }

    async fn get_org(&self, id: Uuid) -> StoreResult<Option<Org>> {
        let row = sqlx::query("SELECT * FROM orgs WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(Self::org_from_row).transpose()
    }

    async fn get_org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        let row = sqlx::query("SELECT * FROM orgs WHERE name = $1").bind(name).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(Self::org_from_row).transpose()
    }

    async fn create_principal(&self, actor: &AuditActor, new: &NewPrincipal, token_hash: &str, now: OffsetDateTime) -> StoreResult<(Principal, TokenInfo)> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orgs WHERE id = $1)").bind(new.org_id).fetch_one(w.conn()).await.map_err(db_err)?;
        if !exists {
            return Err(StoreError::NotFound);
        }
        let p = Principal { id: Uuid::now_v7(), org_id: new.org_id, name: new.name.clone(), role: new.role, coordinator: new.coordinator, created_at: now };
        insert_principal(w.conn(), &p).await?;
        let token_id = Uuid::now_v7();
        let expires = new.token_expires_at.map(to_micros);
        insert_token(w.conn(), token_id, p.id, token_hash, now, expires).await?;
        w.record(
            now,
            actor,
            "principal.created",
            &format!("principal:{}", p.id),
            json!({"org": p.org_id, "name": p.name, "role": p.role, "coordinator": p.coordinator, "token": token_id, "expires_at": expires.map(us)}),
        )
        .await?;
        w.commit().await?;
        let info = TokenInfo {
            id: token_id,
            principal_id: p.id,
            principal_name: p.name.clone(),
            org_id: p.org_id,
            role: p.role,
            coordinator: p.coordinator,
            created_at: now,
            expires_at: expires,
            revoked_at: None,
        };
        Ok((p, info))
    }

    async fn get_principal(&self, id: Uuid) -> StoreResult<Option<Principal>> {
        let row = sqlx::query("SELECT * FROM principals WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(|r| Self::principal_from_row(r, "")).transpose()
    }

    async fn list_tokens(&self, org_id: Option<Uuid>) -> StoreResult<Vec<TokenInfo>> {
        let rows = match org_id {
            Some(o) => {
                sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE p.org_id = $1 ORDER BY t.created_at, t.id"))).bind(o).fetch_all(&self.pool).await
            }
            None => sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} ORDER BY t.created_at, t.id"))).fetch_all(&self.pool).await,
        }
        .map_err(db_err)?;
        rows.iter().map(Self::token_from_row).collect()
    }

    async fn revoke_token(&self, actor: &AuditActor, token_id: Uuid, now: OffsetDateTime) -> StoreResult<TokenInfo> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let changed = sqlx::query("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(now)
            .bind(token_id)
            .execute(w.conn())
            .await
            .map_err(db_err)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        w.record(now, actor, "token.revoked", &format!("token:{token_id}"), json!({})).await?;
        let row = sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = $1"))).bind(token_id).fetch_one(w.conn()).await.map_err(db_err)?;
        w.commit().await?;
        Self::token_from_row(&row)
    }

    async fn authenticate(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Authenticated>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.expires_at, t.revoked_at, \
             p.id AS p_id, p.org_id AS p_org_id, p.name AS p_name, p.role AS p_role, p.coordinator AS p_coordinator, p.created_at AS p_created_at, o.* \
             FROM tokens t JOIN principals p ON p.id = t.principal_id JOIN orgs o ON o.id = p.org_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let expires_at: Option<OffsetDateTime> = r.get("expires_at");
        if r.get::<Option<OffsetDateTime>, _>("revoked_at").is_some() || expires_at.is_some_and(|e| e <= to_micros(now)) {
            return Ok(None);
        }
        Ok(Some(Authenticated { token_id: r.get("token_id"), principal: Self::principal_from_row(&r, "p_")?, org: Self::org_from_row(&r)? }))
    }

    async fn submit_report(
        &self,
        actor: &AuditActor,
        by: &Authenticated,
        report: &NewReport,
        idem: Option<&IdempotencyKey>,
        now: OffsetDateTime,
    ) -> StoreResult<SubmitOutcome> {
        let now = to_micros(now);
        // Computed before taking the write lock: the lock should hold no CPU work it can avoid.
        let fingerprint = clearinghouse_store::similar::report_fingerprint(&report.document);
        let mut w = self.begin_write().await?;
        // Looked up only after taking the lock, so of two replicas racing with one key the second
        // sees the first's committed row here and replays instead of creating a second report.
        if let Some(k) = idem {
            let seen = sqlx::query("SELECT request_hash, report_seq FROM idempotency_keys WHERE principal_id = $1 AND key = $2")
                .bind(by.principal.id)
                .bind(&k.key)
                .fetch_optional(w.conn())
                .await
                .map_err(db_err)?;
            if let Some(row) = seen {
                if row.get::<&str, _>(0) != k.request_hash {
                    return Err(StoreError::IdempotencyMismatch);
                }
                let seq: i64 = row.get(1);
                return Ok(SubmitOutcome::Replayed(self.load_by_seq(w.conn(), seq).await?));
            }
        }
        // Both windows in one statement; if either is spent the transaction rolls back, so a refused
        // submission counts against neither.
        let [(minute, minute_retry), (day, day_retry)] = rate_windows(now);
        let counts = sqlx::query(
            "INSERT INTO rate_windows (org_id, window_key, count, created_at) VALUES ($1, $2, 1, $4), ($1, $3, 1, $4) \
             ON CONFLICT (org_id, window_key) DO UPDATE SET count = rate_windows.count + 1 RETURNING window_key, count",
        )
        .bind(by.org.id)
        .bind(&minute)
        .bind(&day)
        .bind(now)
        .fetch_all(w.conn())
        .await
        .map_err(db_err)?;
        let count_of = |window: &str| counts.iter().find(|r| r.get::<&str, _>(0) == window).map(|r| r.get::<i64, _>(1)).unwrap_or(0);
        if count_of(&minute) > by.org.limits.reports_per_minute {
            return Err(StoreError::RateLimited { what: "rate limit", retry_after_secs: minute_retry });
        }
        if count_of(&day) > by.org.limits.reports_per_day {
            return Err(StoreError::RateLimited { what: "daily quota", retry_after_secs: day_retry });
        }
        let year = now.year();
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO id_counters (scope, last_value) VALUES ($1, 1) \
             ON CONFLICT (scope) DO UPDATE SET last_value = id_counters.last_value + 1 RETURNING last_value",
        )
        .bind(format!("report:{year}"))
        .fetch_one(w.conn())
        .await
        .map_err(db_err)?;
        let id = ReportId::new(year, number as u64);
        let (body, sealed) = encode_body(&self.keyring, &id, report.tlp, &report.document);
        let package_keys: Vec<String> = report.packages.iter().map(PackageKey::display_key).collect();
        // The report and its index rows in one statement, again to keep the lock short.
        let seq: i64 = sqlx::query_scalar(
            "WITH r AS ( \
                 INSERT INTO reports (id, status, tlp, owner_org, submitter, body, sealed, packages, created_at, updated_at) \
                 VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8, $8) RETURNING seq), \
             p AS (INSERT INTO report_packages (report_seq, package_key) SELECT r.seq, k FROM r, (SELECT DISTINCT unnest($9::text[]) AS k) pk ON CONFLICT DO NOTHING), \
             f AS (INSERT INTO report_files (report_seq, sha256) SELECT r.seq, s FROM r, (SELECT DISTINCT unnest($10::text[]) AS s) fs ON CONFLICT DO NOTHING), \
             i AS (INSERT INTO idempotency_keys (principal_id, key, request_hash, report_seq, created_at) SELECT $4, $11, $12, r.seq, $8 FROM r WHERE $11::text IS NOT NULL) \
             SELECT seq FROM r",
        )
        .bind(id.to_string())
        .bind(report.tlp.as_str())
        .bind(by.org.id)
        .bind(by.principal.id)
        .bind(body)
        .bind(sealed)
        .bind(Json(&report.packages))
        .bind(now)
        .bind(&package_keys)
        .bind(&report.files)
        .bind(idem.map(|k| k.key.as_str()))
        .bind(idem.map(|k| k.request_hash.as_str()))
        .fetch_one(w.conn())
        .await
        .map_err(db_err)?;
        Self::index_similarity(&mut w, seq, &fingerprint).await?;
        let subject = report_subject(&id);
        w.record(now, actor, "report.submitted", &subject, json!({"id": id, "tlp": report.tlp, "org": by.org.id, "files": report.files})).await?;
        if let Some(bundle) = &report.bundle {
            Self::queue_validation(&mut w, seq, &id, bundle, now).await?;
        }
        w.commit().await?;
        Ok(SubmitOutcome::Created(StoredReport {
            id,
            seq,
            status: ReportStatus::Received,
            tlp: report.tlp,
            owner_org: by.org.id,
            submitter: by.principal.id,
            document: report.document.clone(),
            packages: report.packages.clone(),
            shared_orgs: vec![],
            named_principals: vec![],
            created_at: now,
            updated_at: now,
        }))
    }

    async fn get_report(&self, id: &ReportId) -> StoreResult<Option<StoredReport>> {
        let sql = format!("{REPORT_SELECT} WHERE r.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| self.report_from_row(&r)).transpose()
    }

    async fn list_reports(&self, filter: &ReportFilter, after: Option<i64>, limit: u32) -> StoreResult<Vec<StoredReport>> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(REPORT_SELECT);
        q.push(" WHERE r.seq > ").push_bind(after.unwrap_or(0));
        if let Some(s) = filter.status {
            q.push(" AND r.status = ").push_bind(s.as_str());
        }
        if let Some(p) = &filter.package {
            q.push(" AND r.seq IN (SELECT report_seq FROM report_packages WHERE package_key = ").push_bind(p.clone()).push(")");
        }
        if let Some(o) = filter.reporter_org {
            q.push(" AND r.owner_org = ").push_bind(o);
        }
        if let Some(t) = filter.since {
            q.push(" AND r.created_at >= ").push_bind(t);
        }
        if let Some(t) = filter.until {
            q.push(" AND r.created_at < ").push_bind(t);
        }
        q.push(" ORDER BY r.seq LIMIT ").push_bind(limit as i64);
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(|r| self.report_from_row(r)).collect()
    }

    async fn report_history(&self, id: &ReportId) -> StoreResult<Vec<Transition>> {
        let rows = sqlx::query(
            "SELECT t.from_status, t.to_status, t.actor, t.reason, t.at FROM report_transitions t JOIN reports r ON r.seq = t.report_seq WHERE r.id = $1 ORDER BY t.id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok(Transition { from: parse_name(r.get(0))?, to: parse_name(r.get(1))?, actor: r.get(2), reason: r.get(3), at: r.get(4) }))
            .collect()
    }

    async fn transition_report(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        to: ReportStatus,
        capacity: Cap,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        // Read under the lock, so two replicas cannot both move the report from the same state.
        let row = Self::report_row(w.conn(), id).await?;
        let from: ReportStatus = parse_name(&row.status)?;
        check_transition(from, to, capacity, reason)?;
        // The reason is free text that may describe the report, so it stays with the report.
        Self::move_report(&mut w, actor, id, row.seq, from, to, reason, now).await?;
        let out = self.load_by_seq(w.conn(), row.seq).await?;
        w.commit().await?;
        Ok(out)
    }

    async fn relabel_report(&self, actor: &AuditActor, id: &ReportId, expected: Tlp, new: Tlp, now: OffsetDateTime) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let row = Self::report_row(w.conn(), id).await?;
        if row.tlp != expected.as_str() {
            return Err(StoreError::Stale);
        }
        let mut doc = decode_body(&self.keyring, id, &row.body, row.sealed)?;
        doc.tlp = Some(new);
        let (body, sealed) = encode_body(&self.keyring, id, new, &doc);
        sqlx::query("UPDATE reports SET tlp = $1, body = $2, sealed = $3, updated_at = $4 WHERE seq = $5")
            .bind(new.as_str())
            .bind(body)
            .bind(sealed)
            .bind(now)
            .bind(row.seq)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        w.record(now, actor, "report.relabeled", &report_subject(id), json!({"from": expected, "to": new})).await?;
        let out = self.load_by_seq(w.conn(), row.seq).await?;
        w.commit().await?;
        Ok(out)
    }

    async fn share_report(&self, actor: &AuditActor, id: &ReportId, orgs: &[Uuid], principals: &[Uuid], now: OffsetDateTime) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let row = Self::report_row(w.conn(), id).await?;
        sqlx::query(
            "WITH o AS (INSERT INTO report_share_orgs (report_seq, org_id) SELECT DISTINCT $1::bigint, unnest($2::uuid[]) ON CONFLICT DO NOTHING) \
             INSERT INTO report_share_principals (report_seq, principal_id) SELECT DISTINCT $1::bigint, unnest($3::uuid[]) ON CONFLICT DO NOTHING",
        )
        .bind(row.seq)
        .bind(orgs)
        .bind(principals)
        .execute(w.conn())
        .await
        .map_err(fk_is_not_found)?;
        w.record(now, actor, "report.shared", &report_subject(id), json!({"orgs": orgs, "principals": principals})).await?;
        let out = self.load_by_seq(w.conn(), row.seq).await?;
        w.commit().await?;
        Ok(out)
    }

    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await.map_err(db_err)?;
        Ok((row.get(0), row.get(1)))
    }

    async fn audit_events(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(rows
            .iter()
            .map(|r| AuditEvent {
                seq: r.get(0),
                at: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                subject: r.get(4),
                details: r.get(5),
                prev_hash: r.get(6),
                hash: r.get(7),
            })
            .collect())
    }

    async fn outbox_events(&self, after: i64, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        let rows = sqlx::query("SELECT seq, at, topic, subject, payload FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(rows.iter().map(|r| OutboxEvent { seq: r.get(0), at: r.get(1), topic: r.get(2), subject: r.get(3), payload: r.get(4) }).collect())
    }

    async fn import_advisories(&self, actor: &AuditActor, batch: &[NewAdvisory], now: OffsetDateTime) -> StoreResult<(ImportSummary, Vec<ImportOutcome>)> {
        self.import_advisories_impl(actor, batch, now).await
    }

    async fn get_advisory(&self, id: &str) -> StoreResult<Option<StoredAdvisory>> {
        self.get_advisory_impl(id).await
    }

    async fn advisories_changed_since(&self, after: (i64, &str), limit: u32) -> StoreResult<Vec<StoredAdvisory>> {
        self.advisories_changed_since_impl(after, limit).await
    }

    async fn import_source_records(&self, actor: &AuditActor, batch: &[NewSourceRecord], now: OffsetDateTime) -> StoreResult<VulnImportSummary> {
        self.import_source_records_impl(actor, batch, now).await
    }

    async fn get_vulnerability(&self, id: &str) -> StoreResult<Option<StoredVulnerability>> {
        self.get_vulnerability_impl(id).await
    }

    async fn add_vulnerability_evidence(&self, actor: &AuditActor, id: &str, report: &ReportId, now: OffsetDateTime) -> StoreResult<StoredVulnerability> {
        self.add_vulnerability_evidence_impl(actor, id, report, now).await
    }
    async fn lease_validation(&self, worker: &str, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<ValidationJob>> {
        self.lease_validation_impl(worker, lease, now).await
    }
    async fn renew_validation_lease(&self, job: Uuid, worker: &str, until: OffsetDateTime) -> StoreResult<bool> {
        self.renew_validation_lease_impl(job, worker, until).await
    }
    async fn complete_validation(&self, job: Uuid, worker: &str, result: &ValidationResult, now: OffsetDateTime) -> StoreResult<Completion> {
        self.complete_validation_impl(job, worker, result, now).await
    }
    async fn report_validation(&self, id: &ReportId) -> StoreResult<Option<StoredValidation>> {
        self.report_validation_impl(id).await
    }
    async fn create_intake(&self, actor: &AuditActor, by: &Authenticated, intake: &NewIntake, now: OffsetDateTime) -> StoreResult<IntakeBatch> {
        self.create_intake_impl(actor, by, intake, now).await
    }
    async fn lease_intake(&self, worker: &str, max_items: u32, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<IntakeWork>> {
        self.lease_intake_impl(worker, max_items, lease, now).await
    }
    async fn record_intake(
        &self,
        batch: Uuid,
        worker: &str,
        outcomes: &[(i64, Option<String>, IntakeOutcome)],
        now: OffsetDateTime,
    ) -> StoreResult<IntakeBatch> {
        self.record_intake_impl(batch, worker, outcomes, now).await
    }
    async fn reports_by_fingerprint(&self, org: Uuid, fingerprints: &[String]) -> StoreResult<std::collections::BTreeMap<String, ReportId>> {
        self.reports_by_fingerprint_impl(org, fingerprints).await
    }
    async fn get_intake(&self, id: Uuid) -> StoreResult<Option<IntakeBatch>> {
        self.get_intake_impl(id).await
    }
    async fn mark_duplicate(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        canonical: &ReportId,
        capacity: Cap,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport> {
        self.mark_duplicate_impl(actor, id, canonical, capacity, reason, now).await
    }
    async fn split_duplicate(&self, actor: &AuditActor, id: &ReportId, capacity: Cap, reason: &str, now: OffsetDateTime) -> StoreResult<StoredReport> {
        self.split_duplicate_impl(actor, id, capacity, reason, now).await
    }
    async fn duplicate_of(&self, id: &ReportId) -> StoreResult<Option<ReportId>> {
        self.duplicate_of_impl(id).await
    }
    async fn similar_reports(&self, id: &ReportId, limit: usize) -> StoreResult<Vec<(ReportId, f64)>> {
        use clearinghouse_store::similar;
        let own = sqlx::query(
            "SELECT m.report_seq, m.minhash, m.bands FROM report_minhash m JOIN reports r ON r.seq = m.report_seq WHERE r.id = $1 AND m.version = $2",
        )
        .bind(id.to_string())
        .bind(similar::VERSION)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(own) = own else { return Ok(Vec::new()) };
        let seq: i64 = own.get(0);
        // The report's own keys, whether or not the indexer has filed them yet.
        let keys = similar::bands_from_bytes(&own.get::<Vec<u8>, _>(2));
        let candidates = sqlx::query(
            "SELECT r.id, m.minhash FROM report_minhash m JOIN reports r ON r.seq = m.report_seq \
             WHERE m.version = $1 AND m.report_seq <> $2 AND m.report_seq IN (SELECT report_seq FROM report_bands WHERE band_key = ANY($3))",
        )
        .bind(similar::VERSION)
        .bind(seq)
        .bind(&keys)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| Ok((ReportId::from_str(r.get(0)).map_err(bad_row)?, r.get::<Vec<u8>, _>(1))))
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(similar::rank(&own.get::<Vec<u8>, _>(1), candidates, limit))
    }
    async fn index_similarity(&self, limit: u32) -> StoreResult<u32> {
        use clearinghouse_store::similar;
        // A derived index: no audit event and no need for the global write lock; the rows it claims
        // are locked so that two replicas' indexers share the work.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let rows = sqlx::query("SELECT report_seq, bands FROM report_minhash WHERE NOT indexed ORDER BY report_seq LIMIT $1 FOR UPDATE SKIP LOCKED")
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        for r in &rows {
            let seq: i64 = r.get(0);
            pairs.extend(similar::bands_from_bytes(&r.get::<Vec<u8>, _>(1)).into_iter().map(|k| (k, seq)));
        }
        pairs.sort_unstable();
        pairs.dedup();
        let (keys, seqs): (Vec<i64>, Vec<i64>) = pairs.into_iter().unzip();
        let claimed: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        sqlx::query(
            "WITH b AS (INSERT INTO report_bands (band_key, report_seq) SELECT unnest($1::bigint[]), unnest($2::bigint[]) ON CONFLICT DO NOTHING) \
             UPDATE report_minhash SET indexed = true WHERE report_seq = ANY($3)",
        )
        .bind(&keys)
        .bind(&seqs)
        .bind(&claimed)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(rows.len() as u32)
    }
    async fn vulnerability_priorities(&self, ids: &[String]) -> StoreResult<std::collections::BTreeMap<String, (String, Priority)>> {
        self.vulnerability_priorities_impl(ids).await
    }
    async fn set_asset_mission(&self, actor: &AuditActor, id: Uuid, mission: &AssetMission, now: OffsetDateTime) -> StoreResult<StoredAsset> {
        self.set_asset_mission_impl(actor, id, mission, now).await
    }
    async fn list_vulnerabilities(&self, order: VulnOrder, offset: u32, limit: u32) -> StoreResult<Vec<StoredVulnerability>> {
        self.list_vulnerabilities_impl(order, offset, limit).await
    }

    async fn advisory_head(&self) -> StoreResult<i64> {
        self.advisory_head_impl().await
    }

    async fn create_asset(&self, actor: &AuditActor, asset: &NewAsset, now: OffsetDateTime) -> StoreResult<(StoredAsset, FindingsDiff)> {
        self.create_asset_impl(actor, asset, now).await
    }

    async fn replace_asset(
        &self,
        actor: &AuditActor,
        id: Uuid,
        expected_revision: Option<i64>,
        asset: &NewAsset,
        now: OffsetDateTime,
    ) -> StoreResult<(StoredAsset, FindingsDiff)> {
        self.replace_asset_impl(actor, id, expected_revision, asset, now).await
    }

    async fn delete_asset(&self, actor: &AuditActor, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.delete_asset_impl(actor, id, now).await
    }

    async fn get_asset(&self, id: Uuid) -> StoreResult<Option<StoredAsset>> {
        self.get_asset_impl(id).await
    }

    async fn list_assets(&self, owner_org: Option<Uuid>) -> StoreResult<Vec<StoredAsset>> {
        self.list_assets_impl(owner_org).await
    }

    async fn asset_components(&self, id: Uuid) -> StoreResult<Vec<AssetComponent>> {
        self.asset_components_impl(id).await
    }

    async fn asset_findings(&self, id: Uuid) -> StoreResult<Vec<StoredFinding>> {
        self.asset_findings_impl(id).await
    }

    async fn add_asset_vex(&self, actor: &AuditActor, asset_id: Uuid, vex: &NewVex, now: OffsetDateTime) -> StoreResult<StoredVex> {
        self.add_asset_vex_impl(actor, asset_id, vex, now).await
    }

    async fn asset_vex(&self, asset_id: Uuid) -> StoreResult<Vec<StoredVex>> {
        self.asset_vex_impl(asset_id).await
    }

    async fn purge_expired(&self, before: OffsetDateTime) -> StoreResult<u64> {
        // Under the writers' lock too, although nothing is audited: deleting rows that a submission
        // is about to re-insert or update could otherwise deadlock against it.
        let mut w = self.begin_write().await?;
        let a = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(before).execute(w.conn()).await.map_err(db_err)?.rows_affected();
        let b = sqlx::query("DELETE FROM rate_windows WHERE created_at < $1")
            .bind(before - time::Duration::days(1))
            .execute(w.conn())
            .await
            .map_err(db_err)?
            .rows_affected();
        w.commit().await?;
        Ok(a + b)
    }
}

async fn insert_org(conn: &mut PgConnection, org: &Org) -> StoreResult<()> {
    let sectors: Vec<&str> = org.sectors.iter().map(|s| s.as_str()).collect();
    sqlx::query("INSERT INTO orgs (id, name, kind, sectors, reports_per_minute, reports_per_day, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(org.id)
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(sectors)
        .bind(org.limits.reports_per_minute)
        .bind(org.limits.reports_per_day)
        .bind(org.created_at)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_principal(conn: &mut PgConnection, p: &Principal) -> StoreResult<()> {
    sqlx::query("INSERT INTO principals (id, org_id, name, role, coordinator, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(p.id)
        .bind(p.org_id)
        .bind(&p.name)
        .bind(p.role.as_str())
        .bind(p.coordinator)
        .bind(p.created_at)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_token(conn: &mut PgConnection, id: Uuid, principal: Uuid, hash: &str, now: OffsetDateTime, expires: Option<OffsetDateTime>) -> StoreResult<()> {
    sqlx::query("INSERT INTO tokens (id, principal_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(principal)
        .bind(hash)
        .bind(now)
        .bind(expires)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Blobs in the `blobs` table: for deployments whose replicas share no file system.
#[derive(Clone)]
pub struct PgBlobStore {
    pool: PgPool,
}

fn blob_err(e: sqlx::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

#[async_trait]
impl BlobStore for PgBlobStore {
    async fn put(&self, address: &str, bytes: &[u8]) -> Result<(), BlobError> {
        check_address(address)?;
        // Content-addressed, so a row already there holds the same plaintext; keeping it (rather than
        // overwriting) makes a racing second upload harmless.
        sqlx::query("INSERT INTO blobs (address, data) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING")
            .bind(address)
            .bind(bytes)
            .execute(&self.pool)
            .await
            .map_err(blob_err)?;
        Ok(())
    }

    async fn get(&self, address: &str) -> Result<Option<Vec<u8>>, BlobError> {
        check_address(address)?;
        sqlx::query_scalar("SELECT data FROM blobs WHERE address = $1").bind(address).fetch_optional(&self.pool).await.map_err(blob_err)
    }

    async fn delete(&self, address: &str) -> Result<(), BlobError> {
        check_address(address)?;
        sqlx::query("DELETE FROM blobs WHERE address = $1").bind(address).execute(&self.pool).await.map_err(blob_err)?;
        Ok(())
    }
}

/// Helpers for tests, here and in other crates, that need a PostgreSQL database of their own.
pub mod testing {
    use sqlx::{AssertSqlSafe, Connection, PgConnection};
    use std::io::Write;

    /// The variable naming the server tests may create databases on.
    pub const DATABASE_URL_VAR: &str = "CLEARINGHOUSE_TEST_DATABASE_URL";

    /// Prefix of every database [`fresh_database`] creates; [`drop_database`] drops no other.
    const PREFIX: &str = "ch_test_";

    /// The server URL from [`DATABASE_URL_VAR`]. When it is unset, writes
    /// `SKIPPED: ... PostgreSQL <what> not run` to stderr and returns `None`.
    pub fn base_url_or_skip(what: &str) -> Option<String> {
        match std::env::var(DATABASE_URL_VAR) {
            Ok(url) if !url.trim().is_empty() => Some(url),
            _ => {
                // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a
                // skip nobody sees looks like a pass.
                let _ = writeln!(std::io::stderr(), "SKIPPED: {DATABASE_URL_VAR} is not set; PostgreSQL {what} not run");
                None
            }
        }
    }

    /// Creates an empty database with a random name on the server at `base_url` and returns its URL,
    /// or `None` (with the reason on stderr) when the server cannot be reached or refuses.
    pub async fn fresh_database(base_url: &str) -> Option<String> {
        let name = format!("{PREFIX}{}", uuid::Uuid::new_v4().simple());
        let result = async {
            let mut conn = PgConnection::connect(base_url).await?;
            // The name is ours (prefix and hex digits), so composing it into the statement is safe.
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
            conn.close().await
        }
        .await;
        match result {
            Ok(()) => Some(with_database(base_url, &name)),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "could not create a test database on the server in {DATABASE_URL_VAR}: {e}");
                None
            }
        }
    }

    /// Drops a database made by [`fresh_database`], closing any connections still open to it.
    /// Best effort: failures are written to stderr, not returned.
    pub async fn drop_database(base_url: &str, database_url: &str) {
        let Some(name) = database_name(database_url).filter(|n| n.starts_with(PREFIX) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')) else {
            let _ = writeln!(std::io::stderr(), "not dropping {database_url:?}: not a database fresh_database made");
            return;
        };
        let result = async {
            let mut conn = PgConnection::connect(base_url).await?;
            sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await?;
            conn.close().await
        }
        .await;
        if let Err(e) = result {
            let _ = writeln!(std::io::stderr(), "could not drop test database {name}: {e}");
        }
    }

    /// Splits `scheme://authority/path?query` into (`scheme://authority`, `path`, `?query`).
    fn split_url(url: &str) -> (&str, &str, &str) {
        let (main, query) = match url.find('?') {
            Some(i) => url.split_at(i),
            None => (url, ""),
        };
        let authority_start = main.find("://").map(|i| i + 3).unwrap_or(0);
        match main[authority_start..].find('/') {
            Some(i) => {
                let (base, path) = main.split_at(authority_start + i);
                (base, &path[1..], query)
            }
            None => (main, "", query),
        }
    }

    /// `url` with its database (the path) replaced by `name`, keeping credentials and parameters.
    fn with_database(url: &str, name: &str) -> String {
        let (base, _, query) = split_url(url);
        format!("{base}/{name}{query}")
    }

    fn database_name(url: &str) -> Option<&str> {
        Some(split_url(url).1).filter(|p| !p.is_empty())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn database_names_replace_the_path_only() {
            assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"), "postgres://postgres@127.0.0.1:5432/x");
            assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
            assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
            assert_eq!(with_database("postgres://h?host=/run/pg", "x"), "postgres://h/x?host=/run/pg");
            assert_eq!(database_name("postgres://h/ch_test_1?a=b"), Some("ch_test_1"));
            assert_eq!(database_name("postgres://h"), None);
        }
    }
}
