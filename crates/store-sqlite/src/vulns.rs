//! Vulnerabilities on SQLite: rows around `clearinghouse_store::vulns`' rules.

use super::{SqliteStore, bad_row, db_err, from_us, insert_rows, rows_in, us};
use clearinghouse_advisory::SourceRecord;
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::vulns::{
    Priority, VulnImportSummary, VulnOrder, audit_details, batch_ids, changed_records, import_rows, priority, priority_key, regroup, source_key,
};
use clearinghouse_store::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

fn vulnerability_from_row(r: &SqliteRow) -> StoreResult<StoredVulnerability> {
    Ok(StoredVulnerability {
        vulnerability: serde_json::from_str(r.get("body")).map_err(bad_row)?,
        priority: serde_json::from_str(r.get("priority")).map_err(bad_row)?,
        change_seq: r.get("change_seq"),
        updated_at: from_us(r.get("updated_at")),
    })
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

    pub(crate) async fn add_vulnerability_evidence_impl(
        &self,
        actor: &AuditActor,
        id: &str,
        report: &clearinghouse_model::ReportId,
        now: OffsetDateTime,
    ) -> StoreResult<StoredVulnerability> {
        let now_us = us(to_micros(now));
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let row = sqlx::query("SELECT v.* FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        let mut stored = vulnerability_from_row(&row)?;
        let v = &stored.vulnerability;
        let rows: Vec<String> = v.ids.clone();
        insert_rows(&mut tx, "INSERT INTO vuln_evidence (id, report_id, created_at) ", 3, &rows, " ON CONFLICT DO NOTHING", |b, vid| {
            b.push_bind(vid.clone()).push_bind(report.to_string()).push_bind(now_us);
        })
        .await?;
        let p = priority(v, true);
        let (ssvc_rank, kev, cvss10, _) = priority_key(&p, &v.id);
        let seq = SqliteStore::record(
            &mut tx,
            now,
            actor,
            "vulnerability.evidence_added",
            &format!("vulnerability:{}", v.id),
            serde_json::json!({"report": report.to_string(), "exploitation": p.inputs.get("E")}),
        )
        .await?;
        sqlx::query("UPDATE vulnerabilities SET priority = ?, ssvc_rank = ?, kev = ?, cvss10 = ?, change_seq = ?, updated_at = ? WHERE id = ?")
            .bind(serde_json::to_string(&p).map_err(|e| StoreError::Backend(e.to_string()))?)
            .bind(ssvc_rank)
            .bind(kev)
            .bind(cvss10)
            .bind(seq)
            .bind(now_us)
            .bind(&v.id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        stored.priority = p;
        stored.change_seq = seq;
        stored.updated_at = from_us(now_us);
        Ok(stored)
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
    let changed = changed_records(batch, &stored, &mut summary);
    if changed.is_empty() {
        return Ok(summary);
    }
    // The vulnerabilities the batch touches, and all their records.
    let ids: Vec<String> = batch_ids(&changed).into_iter().collect();
    let old_vulns: BTreeSet<String> =
        rows_in(&mut *tx, "SELECT DISTINCT vuln_id FROM vuln_ids WHERE id IN (", &ids, "").await?.iter().map(|r| r.get(0)).collect();
    let old_list: Vec<String> = old_vulns.iter().cloned().collect();
    let mut existing: BTreeMap<String, SourceRecord> = BTreeMap::new();
    let mut filed_under: BTreeMap<String, String> = BTreeMap::new();
    for row in rows_in(&mut *tx, "SELECT key, body, vuln_id FROM source_records WHERE vuln_id IN (", &old_list, "").await? {
        existing.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
        filed_under.insert(row.get(0), row.get(2));
    }
    let mut named: BTreeSet<String> = batch_ids(&existing);
    named.extend(batch_ids(&changed));
    let named: Vec<String> = named.into_iter().collect();
    let public_poc: BTreeSet<String> =
        rows_in(&mut *tx, "SELECT DISTINCT id FROM vuln_evidence WHERE id IN (", &named, "").await?.iter().map(|r| r.get(0)).collect();
    let regrouped = regroup(existing, &changed, &old_vulns, &public_poc);
    summary.vulnerabilities_changed = regrouped.write.len();
    summary.vulnerabilities_removed = regrouped.delete.len();
    let seq = SqliteStore::record(&mut *tx, now, actor, "vulnerabilities.imported", "vulnerabilities", audit_details(&changed, summary.unchanged, &regrouped))
        .await?;
    let mut gone: Vec<String> = old_list;
    gone.extend(regrouped.delete.iter().cloned());
    rows_in(&mut *tx, "DELETE FROM vuln_ids WHERE vuln_id IN (", &gone, "").await?;
    rows_in(&mut *tx, "DELETE FROM vulnerabilities WHERE id IN (", &gone, "").await?;
    // Every row as values first, then one statement per chunk of rows.
    let now_us = us(now_t);
    let rows = import_rows(&regrouped, &changed, &filed_under).map_err(|e| StoreError::Backend(e.to_string()))?;
    insert_rows(
        &mut *tx,
        "INSERT INTO vulnerabilities (id, body, priority, ssvc_rank, kev, cvss10, change_seq, updated_at) ",
        8,
        &rows.vulnerabilities,
        " ON CONFLICT (id) DO UPDATE SET body = excluded.body, priority = excluded.priority, ssvc_rank = excluded.ssvc_rank, kev = excluded.kev, \
         cvss10 = excluded.cvss10, change_seq = excluded.change_seq, updated_at = excluded.updated_at",
        |b, v| {
            b.push_bind(v.id.clone()).push_bind(v.body.clone()).push_bind(v.priority.clone()).push_bind(v.ssvc_rank).push_bind(v.kev).push_bind(v.cvss10);
            b.push_bind(seq).push_bind(now_us);
        },
    )
    .await?;
    insert_rows(
        &mut *tx,
        "INSERT INTO vuln_ids (id, vuln_id) ",
        2,
        &rows.ids,
        " ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id",
        |b, (id, vuln)| {
            b.push_bind(id.clone()).push_bind(vuln.clone());
        },
    )
    .await?;
    insert_rows(
        &mut *tx,
        "INSERT INTO source_records (key, record_id, format, vuln_id, modified, tlp, body, change_seq, imported_at, updated_at) ",
        10,
        &rows.records,
        " ON CONFLICT (key) DO UPDATE SET vuln_id = excluded.vuln_id, modified = excluded.modified, body = excluded.body, \
         change_seq = excluded.change_seq, updated_at = excluded.updated_at",
        |b, r| {
            b.push_bind(r.key.clone()).push_bind(r.record_id.clone()).push_bind(r.format).push_bind(r.vuln_id.clone()).push_bind(r.modified.clone());
            b.push_bind("CLEAR").push_bind(r.body.clone()).push_bind(seq).push_bind(now_us).push_bind(now_us);
        },
    )
    .await?;
    for (key, vuln) in rows.moved {
        sqlx::query("UPDATE source_records SET vuln_id = ? WHERE key = ?").bind(vuln).bind(key).execute(&mut *tx).await.map_err(db_err)?;
    }
    Ok(summary)
}
