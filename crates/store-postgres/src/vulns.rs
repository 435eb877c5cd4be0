//! Vulnerabilities on PostgreSQL: rows around `clearinghouse_store::vulns`' rules.

use super::{PostgresStore, WriteTx, bad_row, db_err};
use clearinghouse_advisory::{SourceRecord, Vulnerability};
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::vulns::{Priority, VulnImportSummary, VulnOrder, batch_ids, priority_key, regroup, replaces, source_key};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

fn vulnerability_from_row(r: &PgRow) -> StoreResult<StoredVulnerability> {
    Ok(StoredVulnerability {
        vulnerability: serde_json::from_str(r.get("body")).map_err(bad_row)?,
        priority: serde_json::from_str(r.get("priority")).map_err(bad_row)?,
        change_seq: r.get("change_seq"),
        updated_at: r.get("updated_at"),
    })
}

impl PostgresStore {
    pub(crate) async fn import_source_records_impl(
        &self,
        actor: &AuditActor,
        batch: &[NewSourceRecord],
        now: OffsetDateTime,
    ) -> StoreResult<VulnImportSummary> {
        if let Some(r) = batch.iter().find(|r| r.tlp != clearinghouse_model::Tlp::Clear) {
            return Err(StoreError::Conflict(format!("{}: only TLP:CLEAR source records can be imported into the vulnerability model", r.record.id)));
        }
        let mut w = self.begin_write().await?;
        let records: Vec<&SourceRecord> = batch.iter().map(|r| &r.record).collect();
        let summary = import_source_records_in(&mut w, actor, &records, now).await?;
        w.commit().await?;
        Ok(summary)
    }

    pub(crate) async fn get_vulnerability_impl(&self, id: &str) -> StoreResult<Option<StoredVulnerability>> {
        let row = sqlx::query("SELECT v.* FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(vulnerability_from_row).transpose()
    }

    pub(crate) async fn vulnerability_priorities_impl(&self, ids: &[String]) -> StoreResult<BTreeMap<String, (String, Priority)>> {
        let rows = sqlx::query("SELECT i.id, v.id, v.priority FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((r.get(0), (r.get(1), serde_json::from_str(r.get(2)).map_err(bad_row)?)))).collect()
    }

    pub(crate) async fn list_vulnerabilities_impl(&self, order: VulnOrder, offset: u32, limit: u32) -> StoreResult<Vec<StoredVulnerability>> {
        // Byte order on ids, as SQLite compares them.
        let sql = match order {
            VulnOrder::Priority => "SELECT * FROM vulnerabilities ORDER BY ssvc_rank DESC, kev DESC, cvss10 DESC, id COLLATE \"C\" LIMIT $1 OFFSET $2",
            VulnOrder::Changed => "SELECT * FROM vulnerabilities ORDER BY change_seq DESC, id COLLATE \"C\" LIMIT $1 OFFSET $2",
        };
        let rows = sqlx::query(sql).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(vulnerability_from_row).collect()
    }
}

/// Imports source records inside the caller's transaction (the rules of
/// [`clearinghouse_store::Store::import_source_records`]); `import_advisories` calls it for the
/// OSV records it stores, so both stay in one transaction with their audit events.
pub(crate) async fn import_source_records_in(
    w: &mut WriteTx,
    actor: &AuditActor,
    batch: &[&SourceRecord],
    now: OffsetDateTime,
) -> StoreResult<VulnImportSummary> {
    let now = to_micros(now);
    let mut summary = VulnImportSummary::default();
    let keys: Vec<String> = batch.iter().map(|r| source_key(r)).collect();
    let mut stored: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for row in sqlx::query("SELECT key, body FROM source_records WHERE key = ANY($1)").bind(&keys).fetch_all(w.conn()).await.map_err(db_err)? {
        stored.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
    }
    let mut changed: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for (key, new) in keys.into_iter().zip(batch) {
        match changed.get(&key).or(stored.get(&key)) {
            None => summary.inserted += 1,
            Some(old) if replaces(new, old) => summary.updated += 1,
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
    let ids: Vec<String> = batch_ids(&changed).into_iter().collect();
    let old_vulns: BTreeSet<String> = sqlx::query("SELECT DISTINCT vuln_id FROM vuln_ids WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(w.conn())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let old_list: Vec<String> = old_vulns.iter().cloned().collect();
    let mut existing: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for row in sqlx::query("SELECT key, body FROM source_records WHERE vuln_id = ANY($1)").bind(&old_list).fetch_all(w.conn()).await.map_err(db_err)? {
        existing.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
    }
    let regrouped = regroup(existing, &changed, &old_vulns);
    summary.vulnerabilities_changed = regrouped.write.len();
    summary.vulnerabilities_removed = regrouped.delete.len();
    w.record(
        now,
        actor,
        "vulnerabilities.imported",
        "vulnerabilities",
        json!({"changed": changed.keys().collect::<Vec<_>>(), "unchanged": summary.unchanged,
               "vulnerabilities": regrouped.write.iter().map(|(v, _)| &v.id).collect::<Vec<_>>(), "removed": regrouped.delete}),
    )
    .await?;
    let seq = w.seq;
    let mut gone: Vec<String> = old_list;
    gone.extend(regrouped.delete.iter().cloned());
    sqlx::query("DELETE FROM vuln_ids WHERE vuln_id = ANY($1)").bind(&gone).execute(w.conn()).await.map_err(db_err)?;
    sqlx::query("DELETE FROM vulnerabilities WHERE id = ANY($1)").bind(&gone).execute(w.conn()).await.map_err(db_err)?;
    for (v, p) in &regrouped.write {
        write_vulnerability(w.conn(), v, p, seq, now).await?;
        for r in &v.records {
            let key = source_key(r);
            let is_new = changed.contains_key(&key);
            sqlx::query(
                "INSERT INTO source_records (key, record_id, format, vuln_id, modified, tlp, body, change_seq, imported_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'CLEAR', $6, $7, $8, $8) ON CONFLICT (key) DO UPDATE SET vuln_id = excluded.vuln_id, \
                 modified = CASE WHEN $9 THEN excluded.modified ELSE source_records.modified END, \
                 body = CASE WHEN $9 THEN excluded.body ELSE source_records.body END, \
                 change_seq = CASE WHEN $9 THEN excluded.change_seq ELSE source_records.change_seq END, \
                 updated_at = CASE WHEN $9 THEN excluded.updated_at ELSE source_records.updated_at END",
            )
            .bind(&key)
            .bind(&r.id)
            .bind(r.source.as_ref().map_or("unknown", |s| s.format.name()))
            .bind(&v.id)
            .bind(&r.modified)
            .bind(to_json(r)?)
            .bind(seq)
            .bind(now)
            .bind(is_new)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        }
    }
    Ok(summary)
}

async fn write_vulnerability(conn: &mut PgConnection, v: &Vulnerability, p: &Priority, seq: i64, now: OffsetDateTime) -> StoreResult<()> {
    let (rank, kev, cvss10, _) = priority_key(p, &v.id);
    sqlx::query(
        "INSERT INTO vulnerabilities (id, body, priority, ssvc_rank, kev, cvss10, change_seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
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
    let ids: Vec<&str> = v.ids.iter().map(String::as_str).collect();
    sqlx::query("INSERT INTO vuln_ids (id, vuln_id) SELECT unnest($1::text[]), $2 ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id")
        .bind(&ids)
        .bind(&v.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}
