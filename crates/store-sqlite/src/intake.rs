//! Bulk intake batches on SQLite (the rules are in `clearinghouse_store::intake`).

use crate::{SqliteStore, bad_row, db_err, from_us, parse_uuid, us};
use clearinghouse_model::ReportId;
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::*;
use serde_json::json;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use std::collections::BTreeMap;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

fn batch_from_row(r: &SqliteRow) -> StoreResult<IntakeBatch> {
    Ok(IntakeBatch {
        id: parse_uuid(r.get("id"))?,
        owner_org: parse_uuid(r.get("owner_org"))?,
        submitter: parse_uuid(r.get("submitter"))?,
        token_id: parse_uuid(r.get("token_id"))?,
        format: r.get("format"),
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        state: r.get("state"),
        total: r.get("total"),
        processed: r.get("processed"),
        created: r.get("created"),
        duplicates: r.get("duplicates"),
        failed: r.get("failed"),
        diagnostics: serde_json::from_str(r.get("diagnostics")).map_err(bad_row)?,
        created_at: from_us(r.get("created_at")),
        updated_at: from_us(r.get("updated_at")),
    })
}

impl SqliteStore {
    pub(crate) async fn create_intake_impl(&self, actor: &AuditActor, by: &Authenticated, intake: &NewIntake, now: OffsetDateTime) -> StoreResult<IntakeBatch> {
        let now = to_micros(now);
        let id = Uuid::now_v7();
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO intake_batches (id, owner_org, submitter, token_id, format, tlp, state, total, diagnostics, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(by.org.id.to_string())
        .bind(by.principal.id.to_string())
        .bind(by.token_id.to_string())
        .bind(&intake.format)
        .bind(intake.tlp.as_str())
        .bind(intake.items.len() as i64)
        .bind(intake.diagnostics.to_string())
        .bind(us(now))
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let rows: Vec<(i64, &IntakeItem)> = intake.items.iter().enumerate().map(|(i, item)| (i as i64, item)).collect();
        crate::insert_rows(&mut tx, "INSERT INTO intake_items (batch_id, idx, document, fingerprint) ", 4, &rows, "", |b, (i, item)| {
            b.push_bind(id.to_string())
                .push_bind(*i)
                .push_bind(serde_json::to_string(&item.document).expect("documents serialise"))
                .push_bind(item.fingerprint.clone());
        })
        .await?;
        let details = json!({"batch": id, "format": intake.format, "items": intake.items.len(), "org": by.org.id});
        Self::record(&mut tx, now, actor, "intake.queued", &format!("intake:{id}"), details).await?;
        let row = sqlx::query("SELECT * FROM intake_batches WHERE id = ?").bind(id.to_string()).fetch_one(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        batch_from_row(&row)
    }

    pub(crate) async fn lease_intake_impl(&self, worker: &str, max_items: u32, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<IntakeWork>> {
        let now = to_micros(now);
        let ready_sql = "SELECT id FROM intake_batches WHERE state = 'queued' OR (state = 'running' AND (lease_expires_at < ? OR lease_owner = ?)) \
                         ORDER BY created_at, id LIMIT 1";
        // An idle poll needs no writer.
        if sqlx::query(ready_sql).bind(us(now)).bind(worker).fetch_optional(&self.reader).await.map_err(db_err)?.is_none() {
            return Ok(None);
        }
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let Some(row) = sqlx::query(ready_sql).bind(us(now)).bind(worker).fetch_optional(&mut *tx).await.map_err(db_err)? else {
            return Ok(None);
        };
        let id: String = row.get(0);
        sqlx::query("UPDATE intake_batches SET state = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?")
            .bind(worker)
            .bind(us(now + lease))
            .bind(us(now))
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let batch = batch_from_row(&sqlx::query("SELECT * FROM intake_batches WHERE id = ?").bind(&id).fetch_one(&mut *tx).await.map_err(db_err)?)?;
        let items = sqlx::query("SELECT idx, document, fingerprint FROM intake_items WHERE batch_id = ? AND outcome IS NULL ORDER BY idx LIMIT ?")
            .bind(&id)
            .bind(i64::from(max_items))
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let document = serde_json::from_str(r.get("document")).map_err(bad_row)?;
                Ok((r.get::<i64, _>("idx"), IntakeItem { document, fingerprint: r.get("fingerprint") }))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(IntakeWork { batch, items }))
    }

    pub(crate) async fn record_intake_impl(
        &self,
        batch: Uuid,
        worker: &str,
        outcomes: &[(i64, Option<String>, IntakeOutcome)],
        now: OffsetDateTime,
    ) -> StoreResult<IntakeBatch> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let row = sqlx::query("SELECT * FROM intake_batches WHERE id = ?")
            .bind(batch.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        if row.get::<&str, _>("state") != "running" || row.get::<Option<&str>, _>("lease_owner") != Some(worker) {
            return Err(StoreError::Stale);
        }
        let org: String = row.get("owner_org");
        let (mut created, mut duplicates, mut failed) = (0i64, 0i64, 0i64);
        for (idx, fingerprint, outcome) in outcomes {
            let detail = match outcome {
                IntakeOutcome::Failed(m) => Some(m.clone()),
                _ => None,
            };
            let changed = sqlx::query("UPDATE intake_items SET outcome = ?, report_id = ?, detail = ? WHERE batch_id = ? AND idx = ? AND outcome IS NULL")
                .bind(outcome.name())
                .bind(outcome.report().map(ToString::to_string))
                .bind(detail)
                .bind(batch.to_string())
                .bind(idx)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if changed.rows_affected() == 0 {
                continue;
            }
            match outcome {
                IntakeOutcome::Created(report) => {
                    created += 1;
                    if let Some(fp) = fingerprint {
                        sqlx::query("INSERT OR IGNORE INTO report_fingerprints (owner_org, fingerprint, report_id) VALUES (?, ?, ?)")
                            .bind(&org)
                            .bind(fp)
                            .bind(report.to_string())
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                }
                IntakeOutcome::Duplicate(_) => duplicates += 1,
                IntakeOutcome::Failed(_) => failed += 1,
            }
        }
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM intake_items WHERE batch_id = ? AND outcome IS NULL")
            .bind(batch.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let state = if left == 0 { "done" } else { "running" };
        sqlx::query(
            "UPDATE intake_batches SET processed = processed + ?, created = created + ?, duplicates = duplicates + ?, failed = failed + ?, state = ?, \
             lease_owner = CASE WHEN ? = 'done' THEN NULL ELSE lease_owner END, updated_at = ? WHERE id = ?",
        )
        .bind(created + duplicates + failed)
        .bind(created)
        .bind(duplicates)
        .bind(failed)
        .bind(state)
        .bind(state)
        .bind(us(now))
        .bind(batch.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let out = batch_from_row(&sqlx::query("SELECT * FROM intake_batches WHERE id = ?").bind(batch.to_string()).fetch_one(&mut *tx).await.map_err(db_err)?)?;
        if left == 0 {
            let details = json!({"batch": batch, "created": out.created, "duplicates": out.duplicates, "failed": out.failed});
            Self::record(&mut tx, now, &AuditActor::System, "intake.completed", &format!("intake:{batch}"), details).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(out)
    }

    pub(crate) async fn reports_by_fingerprint_impl(&self, org: Uuid, fingerprints: &[String]) -> StoreResult<BTreeMap<String, ReportId>> {
        let mut out = BTreeMap::new();
        for chunk in fingerprints.chunks(500) {
            let mut q = sqlx::QueryBuilder::new("SELECT fingerprint, report_id FROM report_fingerprints WHERE owner_org = ");
            q.push_bind(org.to_string()).push(" AND fingerprint IN (");
            let mut sep = q.separated(", ");
            for f in chunk {
                sep.push_bind(f);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.reader).await.map_err(db_err)? {
                out.insert(r.get::<String, _>(0), ReportId::from_str(r.get(1)).map_err(bad_row)?);
            }
        }
        Ok(out)
    }

    pub(crate) async fn get_intake_impl(&self, id: Uuid) -> StoreResult<Option<IntakeBatch>> {
        let row = sqlx::query("SELECT * FROM intake_batches WHERE id = ?").bind(id.to_string()).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.map(|r| batch_from_row(&r)).transpose()
    }
}
