//! Vulnerabilities on PostgreSQL: rows around `clearinghouse_store::vulns`' rules.

use super::{PostgresStore, WriteTx, bad_row, db_err};
use clearinghouse_advisory::SourceRecord;
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::vulns::{
    Priority, VulnImportSummary, VulnOrder, VulnerabilityRow, audit_details, batch_ids, changed_records, import_rows, priority, priority_key, regroup,
    source_key,
};
use clearinghouse_store::*;
use sqlx::Row;
use sqlx::postgres::PgRow;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

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

    pub(crate) async fn add_vulnerability_evidence_impl(
        &self,
        actor: &AuditActor,
        id: &str,
        report: &clearinghouse_model::ReportId,
        now: OffsetDateTime,
    ) -> StoreResult<StoredVulnerability> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let row = sqlx::query("SELECT v.* FROM vuln_ids i JOIN vulnerabilities v ON v.id = i.vuln_id WHERE i.id = $1")
            .bind(id)
            .fetch_optional(w.conn())
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        let mut stored = vulnerability_from_row(&row)?;
        let v = &stored.vulnerability;
        sqlx::query("INSERT INTO vuln_evidence (id, report_id, created_at) SELECT unnest($1::text[]), $2, $3 ON CONFLICT DO NOTHING")
            .bind(&v.ids)
            .bind(report.to_string())
            .bind(now)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        let p = priority(v, true);
        let (ssvc_rank, kev, cvss10, _) = priority_key(&p, &v.id);
        w.record(
            now,
            actor,
            "vulnerability.evidence_added",
            &format!("vulnerability:{}", v.id),
            serde_json::json!({"report": report.to_string(), "exploitation": p.inputs.get("E")}),
        )
        .await?;
        let seq = w.seq;
        sqlx::query("UPDATE vulnerabilities SET priority = $1, ssvc_rank = $2, kev = $3, cvss10 = $4, change_seq = $5, updated_at = $6 WHERE id = $7")
            .bind(serde_json::to_string(&p).map_err(|e| StoreError::Backend(e.to_string()))?)
            .bind(ssvc_rank)
            .bind(kev)
            .bind(cvss10)
            .bind(seq)
            .bind(now)
            .bind(&v.id)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        w.commit().await?;
        stored.priority = p;
        stored.change_seq = seq;
        stored.updated_at = now;
        Ok(stored)
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
    let changed = changed_records(batch, &stored, &mut summary);
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
    let mut filed_under: BTreeMap<String, String> = BTreeMap::new();
    for row in sqlx::query("SELECT key, body, vuln_id FROM source_records WHERE vuln_id = ANY($1)").bind(&old_list).fetch_all(w.conn()).await.map_err(db_err)? {
        existing.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
        filed_under.insert(row.get(0), row.get(2));
    }
    let mut named: BTreeSet<String> = batch_ids(&existing);
    named.extend(batch_ids(&changed));
    let named: Vec<String> = named.into_iter().collect();
    let public_poc: BTreeSet<String> = sqlx::query("SELECT DISTINCT id FROM vuln_evidence WHERE id = ANY($1)")
        .bind(&named)
        .fetch_all(w.conn())
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let regrouped = regroup(existing, &changed, &old_vulns, &public_poc);
    summary.vulnerabilities_changed = regrouped.write.len();
    summary.vulnerabilities_removed = regrouped.delete.len();
    w.record(now, actor, "vulnerabilities.imported", "vulnerabilities", audit_details(&changed, summary.unchanged, &regrouped)).await?;
    let seq = w.seq;
    let mut gone: Vec<String> = old_list;
    gone.extend(regrouped.delete.iter().cloned());
    sqlx::query("DELETE FROM vuln_ids WHERE vuln_id = ANY($1)").bind(&gone).execute(w.conn()).await.map_err(db_err)?;
    sqlx::query("DELETE FROM vulnerabilities WHERE id = ANY($1)").bind(&gone).execute(w.conn()).await.map_err(db_err)?;
    // The rows as arrays, one statement for each table.
    let rows = import_rows(&regrouped, &changed, &filed_under).map_err(|e| StoreError::Backend(e.to_string()))?;
    let column = |f: fn(&VulnerabilityRow) -> String| rows.vulnerabilities.iter().map(f).collect::<Vec<_>>();
    let number = |f: fn(&VulnerabilityRow) -> i64| rows.vulnerabilities.iter().map(f).collect::<Vec<_>>();
    let (v_ids, v_bodies, v_priorities) = (column(|v| v.id.clone()), column(|v| v.body.clone()), column(|v| v.priority.clone()));
    let (v_ranks, v_kevs, v_cvss) = (number(|v| v.ssvc_rank), number(|v| v.kev), number(|v| v.cvss10));
    let (id_ids, id_vulns): (Vec<String>, Vec<String>) = rows.ids.into_iter().unzip();
    let mut r = SourceColumns::default();
    for row in rows.records {
        r.keys.push(row.key);
        r.record_ids.push(row.record_id);
        r.formats.push(row.format.to_string());
        r.vulns.push(row.vuln_id);
        r.modified.push(row.modified);
        r.bodies.push(row.body);
    }
    let (moved_keys, moved_vulns): (Vec<String>, Vec<String>) = rows.moved.into_iter().unzip();
    sqlx::query(
        "INSERT INTO vulnerabilities (id, body, priority, ssvc_rank, kev, cvss10, change_seq, updated_at) \
         SELECT id, body, priority, rank, kev, cvss10, $7, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[]) \
           AS t(id, body, priority, rank, kev, cvss10) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, priority = excluded.priority, ssvc_rank = excluded.ssvc_rank, kev = excluded.kev, \
         cvss10 = excluded.cvss10, change_seq = excluded.change_seq, updated_at = excluded.updated_at",
    )
    .bind(&v_ids)
    .bind(&v_bodies)
    .bind(&v_priorities)
    .bind(&v_ranks)
    .bind(&v_kevs)
    .bind(&v_cvss)
    .bind(seq)
    .bind(now)
    .execute(w.conn())
    .await
    .map_err(db_err)?;
    sqlx::query("INSERT INTO vuln_ids (id, vuln_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO UPDATE SET vuln_id = excluded.vuln_id")
        .bind(&id_ids)
        .bind(&id_vulns)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
    sqlx::query(
        "INSERT INTO source_records (key, record_id, format, vuln_id, modified, tlp, body, change_seq, imported_at, updated_at) \
         SELECT key, record_id, format, vuln_id, modified, 'CLEAR', body, $7, $8, $8 \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(key, record_id, format, vuln_id, modified, body) \
         ON CONFLICT (key) DO UPDATE SET vuln_id = excluded.vuln_id, modified = excluded.modified, body = excluded.body, \
         change_seq = excluded.change_seq, updated_at = excluded.updated_at",
    )
    .bind(&r.keys)
    .bind(&r.record_ids)
    .bind(&r.formats)
    .bind(&r.vulns)
    .bind(&r.modified)
    .bind(&r.bodies)
    .bind(seq)
    .bind(now)
    .execute(w.conn())
    .await
    .map_err(db_err)?;
    if !moved_keys.is_empty() {
        sqlx::query("UPDATE source_records s SET vuln_id = m.vuln_id FROM unnest($1::text[], $2::text[]) AS m(key, vuln_id) WHERE s.key = m.key")
            .bind(&moved_keys)
            .bind(&moved_vulns)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
    }
    Ok(summary)
}

/// The `source_records` rows of one import, a column each, bound as arrays.
#[derive(Default)]
struct SourceColumns {
    keys: Vec<String>,
    record_ids: Vec<String>,
    formats: Vec<String>,
    vulns: Vec<String>,
    modified: Vec<Option<String>>,
    bodies: Vec<String>,
}
