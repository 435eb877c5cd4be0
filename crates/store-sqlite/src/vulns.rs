//! Vulnerabilities on SQLite: rows around `clearinghouse_store::vulns`' rules.

use super::{SqliteStore, bad_row, db_err, from_us, us};
use clearinghouse_advisory::SourceRecord;
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::vulns::{Priority, VulnImportSummary, VulnOrder, batch_ids, priority_key, regroup, replaces, source_key};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Bound values per `IN` list, well under SQLite's limit.
const IDS_PER_QUERY: usize = 500;

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

fn vulnerability_from_row(r: &SqliteRow) -> StoreResult<StoredVulnerability> {
    Ok(StoredVulnerability {
        vulnerability: serde_json::from_str(r.get("body")).map_err(bad_row)?,
        priority: serde_json::from_str(r.get("priority")).map_err(bad_row)?,
        change_seq: r.get("change_seq"),
        updated_at: from_us(r.get("updated_at")),
    })
}

/// Rows of `sql` (ending in `IN (`) for each chunk of `values`, with `)` and `tail` appended.
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

impl SqliteStore {
    pub(crate) async fn import_source_records_impl(
        &self,
        actor: &AuditActor,
        batch: &[NewSourceRecord],
        now: OffsetDateTime,
    ) -> StoreResult<VulnImportSummary> {
        if let Some(r) = batch.iter().find(|r| r.tlp != clearinghouse_model::Tlp::Clear) {
            return Err(StoreError::Conflict(format!("{}: only TLP:CLEAR source records can be imported into the vulnerability model", r.record.id)));
        }
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let records: Vec<&SourceRecord> = batch.iter().map(|r| &r.record).collect();
        let summary = import_source_records_in(&mut tx, actor, &records, now).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(summary)
    }

    pub(crate) async fn get_vulnerability_impl(&self, id: &str) -> StoreResult<Option<StoredVulnerability>> {
        let row = sqlx::query("SELECT v.* FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db_err)?;
        row.as_ref().map(vulnerability_from_row).transpose()
    }

    pub(crate) async fn vulnerability_priorities_impl(&self, ids: &[String]) -> StoreResult<BTreeMap<String, (String, Priority)>> {
        let mut conn = self.reader.acquire().await.map_err(db_err)?;
        let rows =
            rows_in(&mut conn, "SELECT i.id, v.id, v.priority FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id IN (", ids, "").await?;
        rows.iter().map(|r| Ok((r.get(0), (r.get(1), serde_json::from_str(r.get(2)).map_err(bad_row)?)))).collect()
    }

    pub(crate) async fn list_vulnerabilities_impl(&self, order: VulnOrder, offset: u32, limit: u32) -> StoreResult<Vec<StoredVulnerability>> {
        let sql = match order {
            VulnOrder::Priority => "SELECT * FROM vulnerabilities ORDER BY ssvc_rank DESC, kev DESC, cvss10 DESC, id LIMIT ? OFFSET ?",
            VulnOrder::Changed => "SELECT * FROM vulnerabilities ORDER BY change_seq DESC, id LIMIT ? OFFSET ?",
        };
        let rows = sqlx::query(sql).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(&self.reader).await.map_err(db_err)?;
        rows.iter().map(vulnerability_from_row).collect()
    }
}

/// Imports source records inside the caller's transaction (the rules of
/// [`clearinghouse_store::Store::import_source_records`]); `import_advisories` calls it for the
/// OSV records it stores, so both stay in one transaction with their audit events.
pub(crate) async fn import_source_records_in(
    tx: &mut SqliteConnection,
    actor: &AuditActor,
    batch: &[&SourceRecord],
    now: OffsetDateTime,
) -> StoreResult<VulnImportSummary> {
    let now_t = to_micros(now);
    let mut summary = VulnImportSummary::default();
    // The stored copy of each key of the batch.
    let keys: Vec<String> = batch.iter().map(|r| source_key(r)).collect();
    let mut stored: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for row in rows_in(&mut *tx, "SELECT key, body FROM source_records WHERE key IN (", &keys, "").await? {
        stored.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
    }
    let mut changed: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for (key, new) in keys.into_iter().zip(batch) {
        let against = changed.get(&key).or(stored.get(&key));
        match against {
            None => summary.inserted += 1,
            Some(old) if replaces(&new, old) => summary.updated += 1,
            Some(_) => {
                summary.unchanged += 1;
                continue;
            }
        }
        changed.insert(key, (*new).clone());
    }
    if changed.is_empty() {
        return Ok(summary);
    }
    // The vulnerabilities the batch touches, and all their records.
    let ids: Vec<String> = batch_ids(&changed).into_iter().collect();
    let old_vulns: BTreeSet<String> =
        rows_in(&mut *tx, "SELECT DISTINCT vuln_id FROM vuln_ids WHERE id IN (", &ids, "").await?.iter().map(|r| r.get(0)).collect();
    let old_list: Vec<String> = old_vulns.iter().cloned().collect();
    let mut existing: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for row in rows_in(&mut *tx, "SELECT key, body FROM source_records WHERE vuln_id IN (", &old_list, "").await? {
        existing.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
    }
    let regrouped = regroup(existing, &changed, &old_vulns);
    summary.vulnerabilities_changed = regrouped.write.len();
    summary.vulnerabilities_removed = regrouped.delete.len();
    let seq = SqliteStore::record(
        &mut *tx,
        now,
        actor,
        "vulnerabilities.imported",
        "vulnerabilities",
        json!({"changed": changed.keys().collect::<Vec<_>>(), "unchanged": summary.unchanged,
               "vulnerabilities": regrouped.write.iter().map(|(v, _)| &v.id).collect::<Vec<_>>(), "removed": regrouped.delete}),
    )
    .await?;
    let mut gone: Vec<String> = old_list;
    gone.extend(regrouped.delete.iter().cloned());
    for chunk in gone.chunks(IDS_PER_QUERY) {
        for table in ["vuln_ids", "vulnerabilities"] {
            let column = if table == "vuln_ids" { "vuln_id" } else { "id" };
            let mut q = QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE {column} IN ("));
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(id.clone());
            }
            q.push(")");
            q.build().execute(&mut *tx).await.map_err(db_err)?;
        }
    }
    for (v, p) in &regrouped.write {
        write_vulnerability(&mut *tx, v, p, seq, us(now_t)).await?;
        for r in &v.records {
            let key = source_key(r);
            let is_new = changed.contains_key(&key);
            sqlx::query(
                "INSERT INTO source_records (key, record_id, format, vuln_id, modified, tlp, body, change_seq, imported_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, 'CLEAR', ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET vuln_id = excluded.vuln_id, \
                 modified = CASE WHEN ? THEN excluded.modified ELSE source_records.modified END, \
                 body = CASE WHEN ? THEN excluded.body ELSE source_records.body END, \
                 change_seq = CASE WHEN ? THEN excluded.change_seq ELSE source_records.change_seq END, \
                 updated_at = CASE WHEN ? THEN excluded.updated_at ELSE source_records.updated_at END",
            )
            .bind(&key)
            .bind(&r.id)
            .bind(r.source.as_ref().map_or("unknown", |s| s.format.name()))
            .bind(&v.id)
            .bind(&r.modified)
            .bind(to_json(r)?)
            .bind(seq)
            .bind(us(now_t))
            .bind(us(now_t))
            .bind(is_new)
            .bind(is_new)
            .bind(is_new)
            .bind(is_new)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(summary)
}

async fn write_vulnerability(conn: &mut SqliteConnection, v: &clearinghouse_advisory::Vulnerability, p: &Priority, seq: i64, now: i64) -> StoreResult<()> {
    let (rank, kev, cvss10, _) = priority_key(p, &v.id);
    sqlx::query(
        "INSERT INTO vulnerabilities (id, body, priority, ssvc_rank, kev, cvss10, change_seq, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, priority = excluded.priority, ssvc_rank = excluded.ssvc_rank, kev = excluded.kev, \
         cvss10 = excluded.cvss10, change_seq = excluded.change_seq, updated_at = excluded.updated_at",
    )
    .bind(&v.id)
    .bind(to_json(v)?)
    .bind(to_json(p)?)
    .bind(rank)
    .bind(kev)
    .bind(cvss10)
    .bind(seq)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    for id in &v.ids {
        sqlx::query("INSERT INTO vuln_ids (id, vuln_id) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id")
            .bind(id)
            .bind(&v.id)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
