//! The SQLite implementation of the store: the embedded default, one file in WAL mode.
//!
//! One writer connection and a pool of readers. SQLite allows one writer at a time anyway; giving it
//! a single connection turns lock contention (SQLITE_BUSY, retries) into an orderly queue, and the
//! readers never wait for the writer under WAL. `synchronous=NORMAL` in WAL mode loses nothing when
//! the process dies (kill -9): a committed transaction is in the WAL file before COMMIT returns; only
//! a power cut can lose the last transactions, which `synchronous = "full"` in the config prevents.

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
use clearinghouse_store::codec::{decode_body, encode_body, report_subject};
use clearinghouse_store::keyring::Keyring;
use clearinghouse_store::*;
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
// AssertSqlSafe only wraps SQL assembled from this file's constants; values always go through bind.
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    keyring: Arc<Keyring>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// WAL with synchronous=NORMAL: survives process crashes.
    #[default]
    Normal,
    /// WAL with synchronous=FULL: also survives power loss, at the cost of an fsync per commit.
    Full,
}

fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return StoreError::Conflict(d.message().to_string());
    }
    StoreError::Backend(e.to_string())
}

/// Bound values per `IN` list, well under SQLite's limit (32,766 variables).
const IDS_PER_QUERY: usize = 500;

/// Runs `sql` (ending in `IN (`) for each chunk of `values`, with `)` and `tail` appended, and
/// returns the rows (none for a `DELETE`): one statement per 500 values instead of one per value (every statement is a round trip to the
/// connection's worker thread).
async fn rows_in(conn: &mut SqliteConnection, sql: &str, values: &[String], tail: &str) -> StoreResult<Vec<SqliteRow>> {
    let mut out = Vec::new();
    for chunk in values.chunks(IDS_PER_QUERY) {
        let mut q = QueryBuilder::<Sqlite>::new(sql);
        let mut sep = q.separated(", ");
        for v in chunk {
            sep.push_bind(v.clone());
        }
        q.push(")");
        q.push(tail);
        out.extend(q.build().fetch_all(&mut *conn).await.map_err(db_err)?);
    }
    Ok(out)
}

/// Runs `head VALUES (…), (…) tail` for the rows in chunks small enough for SQLite's variable
/// limit (`columns` values a row), `bind` pushing one row's values.
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    head: &str,
    columns: usize,
    rows: &[T],
    tail: &str,
    mut bind: impl FnMut(&mut sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> StoreResult<()> {
    for chunk in rows.chunks((30_000 / columns.max(1)).clamp(1, 1000)) {
        let mut q = QueryBuilder::<Sqlite>::new(head);
        q.push_values(chunk, |mut b, row| bind(&mut b, row));
        q.push(tail);
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// A foreign key to a missing organisation or principal: the caller named something that is not there.
fn missing_is_not_found(e: sqlx::Error) -> StoreError {
    foreign_key_is_not_found(db_err(e))
}

/// [`missing_is_not_found`] for an error already mapped (by `insert_rows`, say).
fn foreign_key_is_not_found(e: StoreError) -> StoreError {
    match e {
        StoreError::Backend(m) if m.contains("FOREIGN KEY") => StoreError::NotFound,
        e => e,
    }
}

fn us(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

fn from_us(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn bad_row(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("unexpected value in database: {what}"))
}

fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| bad_row(format!("uuid {s:?}")))
}

fn parse_name<T: FromStr<Err = String>>(s: &str) -> StoreResult<T> {
    s.parse().map_err(bad_row)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn open(path: &Path, keyring: Arc<Keyring>, durability: Durability) -> StoreResult<Self> {
        let sync = match durability {
            Durability::Normal => SqliteSynchronous::Normal,
            Durability::Full => SqliteSynchronous::Full,
        };
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-16000");
        let writer = SqlitePoolOptions::new().max_connections(1).min_connections(1).connect_with(opts.clone()).await.map_err(db_err)?;
        MIGRATOR.run(&writer).await.map_err(|e| StoreError::Backend(format!("migrating {}: {e}", path.display())))?;
        let reader = SqlitePoolOptions::new().max_connections(8).connect_with(opts.read_only(true)).await.map_err(db_err)?;
        Ok(Self { writer, reader, keyring })
    }

    /// Writes a new report's MinHash signature and band keys (in its transaction); the background
    /// indexer files the keys into `report_bands` in batches.
    async fn index_similarity(conn: &mut SqliteConnection, seq: i64, fp: &clearinghouse_store::similar::Fingerprint) -> StoreResult<()> {
        use clearinghouse_store::similar;
        sqlx::query("INSERT INTO report_minhash (report_seq, version, minhash, bands) VALUES (?, ?, ?, ?)")
            .bind(seq)
            .bind(similar::VERSION)
            .bind(similar::minhash_bytes(fp))
            .bind(similar::bands_bytes(fp))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Writes the audit event of one state change, chained to the head. The migration's trigger on
    /// `audit_events` moves the head and writes the outbox event in the same statement: every
    /// statement here is a hand-off to SQLite's thread while holding the only writer.
    async fn record(
        conn: &mut SqliteConnection,
        at: OffsetDateTime,
        actor: &AuditActor,
        action: &str,
        subject: &str,
        details: serde_json::Value,
    ) -> StoreResult<i64> {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await.map_err(db_err)?;
        let (seq, prev) = (head.get::<i64, _>(0) + 1, head.get::<String, _>(1));
        let at = to_micros(at);
        let actor = actor.as_audit_string();
        let hash = event_hash(seq, at, &actor, action, subject, &details, &prev);
        sqlx::query("INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(seq)
            .bind(us(at))
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(details.to_string())
            .bind(prev)
            .bind(&hash)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        Ok(seq)
    }

    fn org_from_row(r: &SqliteRow) -> StoreResult<Org> {
        let sectors: Vec<String> = serde_json::from_str(r.get::<&str, _>("sectors")).map_err(bad_row)?;
        Ok(Org {
            id: parse_uuid(r.get("id"))?,
            name: r.get("name"),
            kind: parse_name::<OrgKind>(r.get("kind"))?,
            sectors: sectors.iter().map(|s| parse_name::<Sector>(s)).collect::<StoreResult<_>>()?,
            limits: OrgLimits { reports_per_minute: r.get("reports_per_minute"), reports_per_day: r.get("reports_per_day") },
            created_at: from_us(r.get("created_at")),
        })
    }

    fn principal_from_row(r: &SqliteRow, prefix: &str) -> StoreResult<Principal> {
        let col = |c: &str| format!("{prefix}{c}");
        Ok(Principal {
            id: parse_uuid(r.get(col("id").as_str()))?,
            org_id: parse_uuid(r.get(col("org_id").as_str()))?,
            name: r.get(col("name").as_str()),
            role: parse_name::<Role>(r.get(col("role").as_str()))?,
            coordinator: r.get::<bool, _>(col("coordinator").as_str()),
            created_at: from_us(r.get(col("created_at").as_str())),
        })
    }

    fn token_from_row(r: &SqliteRow) -> StoreResult<TokenInfo> {
        Ok(TokenInfo {
            id: parse_uuid(r.get("id"))?,
            principal_id: parse_uuid(r.get("principal_id"))?,
            principal_name: r.get("principal_name"),
            org_id: parse_uuid(r.get("org_id"))?,
            role: parse_name::<Role>(r.get("role"))?,
            coordinator: r.get("coordinator"),
            created_at: from_us(r.get("created_at")),
            expires_at: r.get::<Option<i64>, _>("expires_at").map(from_us),
            revoked_at: r.get::<Option<i64>, _>("revoked_at").map(from_us),
        })
    }

    fn report_from_row(&self, r: &SqliteRow) -> StoreResult<StoredReport> {
        let id: ReportId = r.get::<&str, _>("id").parse().map_err(bad_row)?;
        let document = decode_body(&self.keyring, &id, r.get("body"), r.get("sealed"))?;
        let split = |col: &str| -> StoreResult<Vec<Uuid>> {
            match r.get::<Option<&str>, _>(col) {
                None | Some("") => Ok(vec![]),
                Some(s) => s.split(',').map(parse_uuid).collect(),
            }
        };
        let packages: Vec<PackageKey> = serde_json::from_str(r.get("packages")).map_err(bad_row)?;
        Ok(StoredReport {
            id,
            seq: r.get("seq"),
            status: parse_name::<ReportStatus>(r.get("status"))?,
            tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
            owner_org: parse_uuid(r.get("owner_org"))?,
            submitter: parse_uuid(r.get("submitter"))?,
            document,
            packages,
            shared_orgs: split("shared_orgs")?,
            named_principals: split("named_principals")?,
            created_at: from_us(r.get("created_at")),
            updated_at: from_us(r.get("updated_at")),
        })
    }

    async fn load_by_seq(&self, conn: &mut SqliteConnection, seq: i64) -> StoreResult<StoredReport> {
        let sql = format!("{REPORT_SELECT} WHERE r.seq = ?");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(seq).fetch_one(&mut *conn).await.map_err(db_err)?;
        self.report_from_row(&row)
    }

    async fn report_seq(conn: &mut SqliteConnection, id: &ReportId) -> StoreResult<(i64, String, String, Vec<u8>, bool)> {
        let row = sqlx::query("SELECT seq, status, tlp, body, sealed FROM reports WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok((row.get(0), row.get(1), row.get(2), row.get(3), row.get(4)))
    }
}

const REPORT_SELECT: &str = "SELECT r.seq, r.id, r.status, r.tlp, r.owner_org, r.submitter, r.body, r.sealed, r.packages, r.created_at, r.updated_at, \
    (SELECT group_concat(org_id, ',') FROM report_share_orgs s WHERE s.report_seq = r.seq) AS shared_orgs, \
    (SELECT group_concat(principal_id, ',') FROM report_share_principals s WHERE s.report_seq = r.seq) AS named_principals \
    FROM reports r";

const TOKEN_SELECT: &str = "SELECT t.id, t.principal_id, p.name AS principal_name, p.org_id, p.role, p.coordinator, t.created_at, t.expires_at, t.revoked_at \
    FROM tokens t JOIN principals p ON p.id = t.principal_id";

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await.map_err(db_err)?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats { size: self.reader.size() + self.writer.size(), idle: (self.reader.num_idle() + self.writer.num_idle()) as u32 }
    }

    async fn bootstrap_admin(&self, token_hash: &str, limits: OrgLimits, now: OffsetDateTime) -> StoreResult<Option<Principal>> {
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM principals").fetch_one(&mut *tx).await.map_err(db_err)?;
        if n > 0 {
            return Ok(None);
        }
        let now = to_micros(now);
        let org = Org { id: Uuid::now_v7(), name: "clearinghouse".into(), kind: OrgKind::Agency, sectors: vec![], limits, created_at: now };
        insert_org(&mut tx, &org).await?;
        let admin = Principal { id: Uuid::now_v7(), org_id: org.id, name: "admin".into(), role: Role::Admin, coordinator: true, created_at: now };
        insert_principal(&mut tx, &admin).await?;
        let token_id = Uuid::now_v7();
        insert_token(&mut tx, token_id, admin.id, token_hash, now, None).await?;
        let sys = AuditActor::System;
        Self::record(&mut tx, now, &sys, "org.created", &format!("org:{}", org.id), json!({"name": org.name, "kind": org.kind})).await?;
        Self::record(
            &mut tx,
            now,
            &sys,
            "principal.bootstrapped",
            &format!("principal:{}", admin.id),
            json!({"org": org.id, "token": token_id, "role": "admin", "coordinator": true}),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(admin))
    }

    async fn create_org(&self, actor: &AuditActor, new: &NewOrg, now: OffsetDateTime) -> StoreResult<Org> {
        let now = to_micros(now);
        let org = Org { id: Uuid::now_v7(), name: new.name.clone(), kind: new.kind, sectors: new.sectors.clone(), limits: new.limits, created_at: now };
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        insert_org(&mut tx, &org).await.map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!("an organisation named {:?} exists", org.name)),
            e => e,
        })?;
        Self::record(
            &mut tx,
            now,
            actor,
            "org.created",
            &format!("org:{}", org.id),
            json!({"name": org.name, "kind": org.kind, "sectors": org.sectors, "limits": org.limits}),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(org)
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        let rows = sqlx::query("SELECT * FROM orgs ORDER BY name").fetch_all(&self.reader).await.map_err(db_err)?;
        rows.iter().map(Self::org_from_row).collect()
    }

    async fn get_org(&self, id: Uuid) -> StoreResult<Option<Org>> {
        let row = sqlx::query("SELECT * FROM orgs WHERE id = ?").bind(id.to_string()).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.as_ref().map(Self::org_from_row).transpose()
    }

    async fn get_org_by_name(&self, name: &str) -> StoreResult<Option<Org>> {
        let row = sqlx::query("SELECT * FROM orgs WHERE name = ?").bind(name).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.as_ref().map(Self::org_from_row).transpose()
    }

    async fn create_principal(&self, actor: &AuditActor, new: &NewPrincipal, token_hash: &str, now: OffsetDateTime) -> StoreResult<(Principal, TokenInfo)> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM orgs WHERE id = ?").bind(new.org_id.to_string()).fetch_optional(&mut *tx).await.map_err(db_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let p = Principal { id: Uuid::now_v7(), org_id: new.org_id, name: new.name.clone(), role: new.role, coordinator: new.coordinator, created_at: now };
        insert_principal(&mut tx, &p).await?;
        let token_id = Uuid::now_v7();
        let expires = new.token_expires_at.map(to_micros);
        insert_token(&mut tx, token_id, p.id, token_hash, now, expires).await?;
        Self::record(
            &mut tx,
            now,
            actor,
            "principal.created",
            &format!("principal:{}", p.id),
            json!({"org": p.org_id, "name": p.name, "role": p.role, "coordinator": p.coordinator, "token": token_id, "expires_at": expires.map(us)}),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
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
        let row = sqlx::query("SELECT * FROM principals WHERE id = ?").bind(id.to_string()).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.as_ref().map(|r| Self::principal_from_row(r, "")).transpose()
    }

    async fn list_tokens(&self, org_id: Option<Uuid>) -> StoreResult<Vec<TokenInfo>> {
        let rows = match org_id {
            Some(o) => {
                sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE p.org_id = ? ORDER BY t.created_at, t.id")))
                    .bind(o.to_string())
                    .fetch_all(&self.reader)
                    .await
            }
            None => sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} ORDER BY t.created_at, t.id"))).fetch_all(&self.reader).await,
        }
        .map_err(db_err)?;
        rows.iter().map(Self::token_from_row).collect()
    }

    async fn revoke_token(&self, actor: &AuditActor, token_id: Uuid, now: OffsetDateTime) -> StoreResult<TokenInfo> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let changed = sqlx::query("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
            .bind(us(now))
            .bind(token_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Self::record(&mut tx, now, actor, "token.revoked", &format!("token:{token_id}"), json!({})).await?;
        let row = sqlx::query(AssertSqlSafe(format!("{TOKEN_SELECT} WHERE t.id = ?"))).bind(token_id.to_string()).fetch_one(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Self::token_from_row(&row)
    }

    async fn authenticate(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Authenticated>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.expires_at, t.revoked_at, \
             p.id AS p_id, p.org_id AS p_org_id, p.name AS p_name, p.role AS p_role, p.coordinator AS p_coordinator, p.created_at AS p_created_at, o.* \
             FROM tokens t JOIN principals p ON p.id = t.principal_id JOIN orgs o ON o.id = p.org_id WHERE t.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        if r.get::<Option<i64>, _>("revoked_at").is_some() || r.get::<Option<i64>, _>("expires_at").is_some_and(|e| e <= us(now)) {
            return Ok(None);
        }
        Ok(Some(Authenticated { token_id: parse_uuid(r.get("token_id"))?, principal: Self::principal_from_row(&r, "p_")?, org: Self::org_from_row(&r)? }))
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
        // Computed before taking the writer: the one writer should hold no CPU work it can avoid.
        let fingerprint = clearinghouse_store::similar::report_fingerprint(&report.document);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        if let Some(k) = idem {
            let seen = sqlx::query("SELECT request_hash, report_seq FROM idempotency_keys WHERE principal_id = ? AND key = ?")
                .bind(by.principal.id.to_string())
                .bind(&k.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            if let Some(row) = seen {
                if row.get::<&str, _>(0) != k.request_hash {
                    return Err(StoreError::IdempotencyMismatch);
                }
                let seq: i64 = row.get(1);
                return Ok(SubmitOutcome::Replayed(self.load_by_seq(&mut tx, seq).await?));
            }
        }
        // Both windows in one statement; each row comes back with its new count.
        let [(minute, minute_retry), (day, day_retry)] = rate_windows(now);
        let counts = sqlx::query(
            "INSERT INTO rate_windows (org_id, window, count, created_at) VALUES (?1, ?2, 1, ?4), (?1, ?3, 1, ?4) \
             ON CONFLICT (org_id, window) DO UPDATE SET count = count + 1 RETURNING window, count",
        )
        .bind(by.org.id.to_string())
        .bind(&minute)
        .bind(&day)
        .bind(us(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let count_of = |w: &str| counts.iter().find(|r| r.get::<&str, _>(0) == w).map(|r| r.get::<i64, _>(1)).unwrap_or(0);
        if count_of(&minute) > by.org.limits.reports_per_minute {
            return Err(StoreError::RateLimited { what: "rate limit", retry_after_secs: minute_retry });
        }
        if count_of(&day) > by.org.limits.reports_per_day {
            return Err(StoreError::RateLimited { what: "daily quota", retry_after_secs: day_retry });
        }
        let year = now.year();
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO id_counters (scope, last_value) VALUES (?, 1) ON CONFLICT (scope) DO UPDATE SET last_value = last_value + 1 RETURNING last_value",
        )
        .bind(format!("report:{year}"))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let id = ReportId::new(year, number as u64);
        let (body, sealed) = encode_body(&self.keyring, &id, report.tlp, &report.document);
        let packages_json = serde_json::to_string(&report.packages).expect("package keys serialize");
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO reports (id, status, tlp, owner_org, submitter, body, sealed, packages, created_at, updated_at) \
             VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(id.to_string())
        .bind(report.tlp.as_str())
        .bind(by.org.id.to_string())
        .bind(by.principal.id.to_string())
        .bind(body)
        .bind(sealed)
        .bind(packages_json)
        .bind(us(now))
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        for p in &report.packages {
            sqlx::query("INSERT OR IGNORE INTO report_packages (report_seq, package_key) VALUES (?, ?)")
                .bind(seq)
                .bind(p.display_key())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for sha in &report.files {
            sqlx::query("INSERT OR IGNORE INTO report_files (report_seq, sha256) VALUES (?, ?)").bind(seq).bind(sha).execute(&mut *tx).await.map_err(db_err)?;
        }
        Self::index_similarity(&mut tx, seq, &fingerprint).await?;
        if let Some(k) = idem {
            sqlx::query("INSERT INTO idempotency_keys (principal_id, key, request_hash, report_seq, created_at) VALUES (?, ?, ?, ?, ?)")
                .bind(by.principal.id.to_string())
                .bind(&k.key)
                .bind(&k.request_hash)
                .bind(seq)
                .bind(us(now))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        let subject = report_subject(&id);
        Self::record(&mut tx, now, actor, "report.submitted", &subject, json!({"id": id, "tlp": report.tlp, "org": by.org.id, "files": report.files})).await?;
        if let Some(bundle) = &report.bundle {
            Self::queue_validation(&mut tx, seq, &id, bundle, now).await?;
        }
        tx.commit().await.map_err(db_err)?;
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
        let sql = format!("{REPORT_SELECT} WHERE r.id = ?");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.map(|r| self.report_from_row(&r)).transpose()
    }

    async fn list_reports(&self, filter: &ReportFilter, after: Option<i64>, limit: u32) -> StoreResult<Vec<StoredReport>> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(REPORT_SELECT);
        q.push(" WHERE r.seq > ").push_bind(after.unwrap_or(0));
        if let Some(s) = filter.status {
            q.push(" AND r.status = ").push_bind(s.as_str());
        }
        if let Some(p) = &filter.package {
            q.push(" AND r.seq IN (SELECT report_seq FROM report_packages WHERE package_key = ").push_bind(p.clone()).push(")");
        }
        if let Some(o) = filter.reporter_org {
            q.push(" AND r.owner_org = ").push_bind(o.to_string());
        }
        if let Some(t) = filter.since {
            q.push(" AND r.created_at >= ").push_bind(us(t));
        }
        if let Some(t) = filter.until {
            q.push(" AND r.created_at < ").push_bind(us(t));
        }
        q.push(" ORDER BY r.seq LIMIT ").push_bind(limit as i64);
        let rows = q.build().fetch_all(&self.reader).await.map_err(db_err)?;
        rows.iter().map(|r| self.report_from_row(r)).collect()
    }

    async fn report_history(&self, id: &ReportId) -> StoreResult<Vec<Transition>> {
        let rows = sqlx::query(
            "SELECT t.from_status, t.to_status, t.actor, t.reason, t.at FROM report_transitions t JOIN reports r ON r.seq = t.report_seq WHERE r.id = ? ORDER BY t.id",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok(Transition { from: parse_name(r.get(0))?, to: parse_name(r.get(1))?, actor: r.get(2), reason: r.get(3), at: from_us(r.get(4)) }))
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
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let (seq, status, ..) = Self::report_seq(&mut tx, id).await?;
        let from: ReportStatus = parse_name(&status)?;
        check_transition(from, to, capacity, reason)?;
        // The reason is free text that may describe the report, so it stays with the report.
        Self::move_report(&mut tx, actor, id, seq, from, to, reason, now).await?;
        let out = self.load_by_seq(&mut tx, seq).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn relabel_report(&self, actor: &AuditActor, id: &ReportId, expected: Tlp, new: Tlp, now: OffsetDateTime) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let (seq, _, tlp, body, sealed) = Self::report_seq(&mut tx, id).await?;
        if tlp != expected.as_str() {
            return Err(StoreError::Stale);
        }
        let mut doc = decode_body(&self.keyring, id, &body, sealed)?;
        doc.tlp = Some(new);
        let (body, sealed) = encode_body(&self.keyring, id, new, &doc);
        sqlx::query("UPDATE reports SET tlp = ?, body = ?, sealed = ?, updated_at = ? WHERE seq = ?")
            .bind(new.as_str())
            .bind(body)
            .bind(sealed)
            .bind(us(now))
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        Self::record(&mut tx, now, actor, "report.relabeled", &report_subject(id), json!({"from": expected, "to": new})).await?;
        let out = self.load_by_seq(&mut tx, seq).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn share_report(&self, actor: &AuditActor, id: &ReportId, orgs: &[Uuid], principals: &[Uuid], now: OffsetDateTime) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let (seq, ..) = Self::report_seq(&mut tx, id).await?;
        for o in orgs {
            sqlx::query("INSERT OR IGNORE INTO report_share_orgs (report_seq, org_id) VALUES (?, ?)")
                .bind(seq)
                .bind(o.to_string())
                .execute(&mut *tx)
                .await
                .map_err(missing_is_not_found)?;
        }
        for p in principals {
            sqlx::query("INSERT OR IGNORE INTO report_share_principals (report_seq, principal_id) VALUES (?, ?)")
                .bind(seq)
                .bind(p.to_string())
                .execute(&mut *tx)
                .await
                .map_err(missing_is_not_found)?;
        }
        Self::record(&mut tx, now, actor, "report.shared", &report_subject(id), json!({"orgs": orgs, "principals": principals})).await?;
        let out = self.load_by_seq(&mut tx, seq).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.reader).await.map_err(db_err)?;
        Ok((row.get(0), row.get(1)))
    }

    async fn audit_events(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query("SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    seq: r.get(0),
                    at: from_us(r.get(1)),
                    actor: r.get(2),
                    action: r.get(3),
                    subject: r.get(4),
                    details: serde_json::from_str(r.get(5)).map_err(bad_row)?,
                    prev_hash: r.get(6),
                    hash: r.get(7),
                })
            })
            .collect()
    }

    async fn outbox_events(&self, after: i64, limit: u32) -> StoreResult<Vec<OutboxEvent>> {
        let rows = sqlx::query("SELECT seq, at, topic, subject, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEvent {
                    seq: r.get(0),
                    at: from_us(r.get(1)),
                    topic: r.get(2),
                    subject: r.get(3),
                    payload: serde_json::from_str(r.get(4)).map_err(bad_row)?,
                })
            })
            .collect()
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
            "SELECT m.report_seq, m.minhash, m.bands FROM report_minhash m JOIN reports r ON r.seq = m.report_seq WHERE r.id = ? AND m.version = ?",
        )
        .bind(id.to_string())
        .bind(similar::VERSION)
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        let Some(own) = own else { return Ok(Vec::new()) };
        let seq: i64 = own.get(0);
        let keys = similar::bands_from_bytes(&own.get::<Vec<u8>, _>(2));
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // The report's own keys, whether or not the indexer has filed them yet.
        let mut q = QueryBuilder::<Sqlite>::new("SELECT r.id, m.minhash FROM report_minhash m JOIN reports r ON r.seq = m.report_seq WHERE m.version = ");
        q.push_bind(similar::VERSION)
            .push(" AND m.report_seq <> ")
            .push_bind(seq)
            .push(" AND m.report_seq IN (SELECT report_seq FROM report_bands WHERE band_key IN (");
        let mut sep = q.separated(", ");
        for k in &keys {
            sep.push_bind(*k);
        }
        q.push("))");
        let candidates = q
            .build()
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| Ok((ReportId::from_str(r.get(0)).map_err(bad_row)?, r.get::<Vec<u8>, _>(1))))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(similar::rank(&own.get::<Vec<u8>, _>(1), candidates, limit))
    }
    async fn index_similarity(&self, limit: u32) -> StoreResult<u32> {
        use clearinghouse_store::similar;
        let pending: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM report_minhash WHERE indexed = 0)").fetch_one(&self.reader).await.map_err(db_err)?;
        if !pending {
            return Ok(0);
        }
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let rows = sqlx::query("SELECT report_seq, bands FROM report_minhash WHERE indexed = 0 ORDER BY report_seq LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        let mut keys: Vec<(i64, i64)> = Vec::new();
        for r in &rows {
            let seq: i64 = r.get(0);
            keys.extend(similar::bands_from_bytes(&r.get::<Vec<u8>, _>(1)).into_iter().map(|k| (k, seq)));
        }
        // In key order: the batch's writes walk the index once instead of jumping about.
        keys.sort_unstable();
        keys.dedup();
        insert_rows(&mut tx, "INSERT INTO report_bands (band_key, report_seq) ", 2, &keys, " ON CONFLICT DO NOTHING", |b, (k, seq)| {
            b.push_bind(*k).push_bind(*seq);
        })
        .await?;
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            sqlx::query("UPDATE report_minhash SET indexed = 1 WHERE indexed = 0 AND report_seq BETWEEN ? AND ?")
                .bind(first.get::<i64, _>(0))
                .bind(last.get::<i64, _>(0))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
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
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let a = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?").bind(us(before)).execute(&mut *tx).await.map_err(db_err)?.rows_affected();
        let b = sqlx::query("DELETE FROM rate_windows WHERE created_at < ?")
            .bind(us(before) - 86_400_000_000)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        tx.commit().await.map_err(db_err)?;
        Ok(a + b)
    }
}

async fn insert_org(conn: &mut SqliteConnection, org: &Org) -> StoreResult<()> {
    let sectors: Vec<&str> = org.sectors.iter().map(|s| s.as_str()).collect();
    sqlx::query("INSERT INTO orgs (id, name, kind, sectors, reports_per_minute, reports_per_day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(org.id.to_string())
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(serde_json::to_string(&sectors).expect("strings serialize"))
        .bind(org.limits.reports_per_minute)
        .bind(org.limits.reports_per_day)
        .bind(us(org.created_at))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_principal(conn: &mut SqliteConnection, p: &Principal) -> StoreResult<()> {
    sqlx::query("INSERT INTO principals (id, org_id, name, role, coordinator, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(p.id.to_string())
        .bind(p.org_id.to_string())
        .bind(&p.name)
        .bind(p.role.as_str())
        .bind(p.coordinator)
        .bind(us(p.created_at))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn insert_token(
    conn: &mut SqliteConnection,
    id: Uuid,
    principal: Uuid,
    hash: &str,
    now: OffsetDateTime,
    expires: Option<OffsetDateTime>,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO tokens (id, principal_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(principal.to_string())
        .bind(hash)
        .bind(us(now))
        .bind(expires.map(us))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_story_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let keyring = Arc::new(Keyring::open_or_create(&dir.path().join("keys")).unwrap());
        let store = SqliteStore::open(&dir.path().join("ch.db"), keyring, Durability::Normal).await.unwrap();
        clearinghouse_store::story::run(&store).await;
        // RED bodies are sealed in the file: the title never appears in plain text.
        drop(store);
        let mut raw = std::fs::read(dir.path().join("ch.db")).unwrap();
        raw.extend(std::fs::read(dir.path().join("ch.db-wal")).unwrap_or_default());
        assert!(!raw.windows(15).any(|w| w == b"Secret bug in l"), "RED report body is in the database in plain text");
    }
}
