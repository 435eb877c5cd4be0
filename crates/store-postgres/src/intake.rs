//! Bulk intake batches on PostgreSQL (the rules are in `clearinghouse_store::intake`). A batch is
//! leased under the store's write lock with `FOR UPDATE SKIP LOCKED`, so one processor at a time
//! works on it across replicas.

use crate::{PostgresStore, bad_row, db_err};
use clearinghouse_model::ReportId;
use clearinghouse_model::audit::to_micros;
use clearinghouse_store::*;
use serde_json::json;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use std::collections::BTreeMap;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

fn batch_from_row(r: &PgRow) -> StoreResult<IntakeBatch> {
    Ok(IntakeBatch {
        id: r.get("id"),
        owner_org: r.get("owner_org"),
        submitter: r.get("submitter"),
        token_id: r.get("token_id"),
        format: r.get("format"),
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        state: r.get("state"),
        total: r.get("total"),
        processed: r.get("processed"),
        created: r.get("created"),
        duplicates: r.get("duplicates"),
        failed: r.get("failed"),
        diagnostics: r.get::<Json<serde_json::Value>, _>("diagnostics").0,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    })
}

impl PostgresStore {
    pub(crate) async fn create_intake_impl(&self, actor: &AuditActor, by: &Authenticated, intake: &NewIntake, now: OffsetDateTime) -> StoreResult<IntakeBatch> {
        let now = to_micros(now);
        let id = Uuid::now_v7();
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO intake_batches (id, owner_org, submitter, token_id, format, tlp, state, total, diagnostics, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $9)",
        )
        .bind(id)
        .bind(by.org.id)
        .bind(by.principal.id)
        .bind(by.token_id)
        .bind(&intake.format)
        .bind(intake.tlp.as_str())
        .bind(intake.items.len() as i64)
        .bind(Json(&intake.diagnostics))
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
        let idx: Vec<i64> = (0..intake.items.len() as i64).collect();
        let documents: Vec<Json<&clearinghouse_model::report::ReportSubmission>> = intake.items.iter().map(|i| Json(&i.document)).collect();
        let fingerprints: Vec<Option<String>> = intake.items.iter().map(|i| i.fingerprint.clone()).collect();
        sqlx::query("INSERT INTO intake_items (batch_id, idx, document, fingerprint) SELECT $1, unnest($2::bigint[]), unnest($3::jsonb[]), unnest($4::text[])")
            .bind(id)
            .bind(&idx)
            .bind(&documents)
            .bind(&fingerprints)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        let details = json!({"batch": id, "format": intake.format, "items": intake.items.len(), "org": by.org.id});
        w.record(now, actor, "intake.queued", &format!("intake:{id}"), details).await?;
        let row = sqlx::query("SELECT * FROM intake_batches WHERE id = $1").bind(id).fetch_one(w.conn()).await.map_err(db_err)?;
        w.commit().await?;
        batch_from_row(&row)
    }

    pub(crate) async fn lease_intake_impl(&self, worker: &str, max_items: u32, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<IntakeWork>> {
        let now = to_micros(now);
        let ready = "SELECT id FROM intake_batches WHERE state = 'queued' OR (state = 'running' AND (lease_expires_at < $1 OR lease_owner = $2)) \
                     ORDER BY created_at, id LIMIT 1";
        // An idle poll needs no write lock.
        if sqlx::query(ready).bind(now).bind(worker).fetch_optional(&self.pool).await.map_err(db_err)?.is_none() {
            return Ok(None);
        }
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "WITH next AS (SELECT id FROM intake_batches WHERE state = 'queued' OR (state = 'running' AND (lease_expires_at < $1 OR lease_owner = $2)) \
                           ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE intake_batches b SET state = 'running', lease_owner = $2, lease_expires_at = $3, updated_at = $1 FROM next WHERE b.id = next.id RETURNING b.*",
        )
        .bind(now)
        .bind(worker)
        .bind(now + lease)
        .fetch_optional(w.conn())
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            w.commit().await?;
            return Ok(None);
        };
        let batch = batch_from_row(&row)?;
        let items = sqlx::query("SELECT idx, document, fingerprint FROM intake_items WHERE batch_id = $1 AND outcome IS NULL ORDER BY idx LIMIT $2")
            .bind(batch.id)
            .bind(i64::from(max_items))
            .fetch_all(w.conn())
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| {
                let document = r.get::<Json<clearinghouse_model::report::ReportSubmission>, _>("document").0;
                (r.get::<i64, _>("idx"), IntakeItem { document, fingerprint: r.get("fingerprint") })
            })
            .collect();
        w.commit().await?;
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
        let mut w = self.begin_write().await?;
        let row = sqlx::query("SELECT state, lease_owner, owner_org FROM intake_batches WHERE id = $1 FOR UPDATE")
            .bind(batch)
            .fetch_optional(w.conn())
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        if row.get::<&str, _>("state") != "running" || row.get::<Option<&str>, _>("lease_owner") != Some(worker) {
            return Err(StoreError::Stale);
        }
        let org: Uuid = row.get("owner_org");
        let (mut created, mut duplicates, mut failed) = (0i64, 0i64, 0i64);
        for (idx, fingerprint, outcome) in outcomes {
            let detail = match outcome {
                IntakeOutcome::Failed(m) => Some(m.clone()),
                _ => None,
            };
            let changed = sqlx::query("UPDATE intake_items SET outcome = $1, report_id = $2, detail = $3 WHERE batch_id = $4 AND idx = $5 AND outcome IS NULL")
                .bind(outcome.name())
                .bind(outcome.report().map(ToString::to_string))
                .bind(detail)
                .bind(batch)
                .bind(idx)
                .execute(w.conn())
                .await
                .map_err(db_err)?;
            if changed.rows_affected() == 0 {
                continue;
            }
            match outcome {
                IntakeOutcome::Created(report) => {
                    created += 1;
                    if let Some(fp) = fingerprint {
                        sqlx::query("INSERT INTO report_fingerprints (owner_org, fingerprint, report_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                            .bind(org)
                            .bind(fp)
                            .bind(report.to_string())
                            .execute(w.conn())
                            .await
                            .map_err(db_err)?;
                    }
                }
                IntakeOutcome::Duplicate(_) => duplicates += 1,
                IntakeOutcome::Failed(_) => failed += 1,
            }
        }
        let row = sqlx::query(
            "UPDATE intake_batches SET processed = processed + $1, created = created + $2, duplicates = duplicates + $3, failed = failed + $4, \
             state = CASE WHEN EXISTS (SELECT 1 FROM intake_items WHERE batch_id = $5 AND outcome IS NULL) THEN 'running' ELSE 'done' END, updated_at = $6 \
             WHERE id = $5 RETURNING *",
        )
        .bind(created + duplicates + failed)
        .bind(created)
        .bind(duplicates)
        .bind(failed)
        .bind(batch)
        .bind(now)
        .fetch_one(w.conn())
        .await
        .map_err(db_err)?;
        let out = batch_from_row(&row)?;
        if out.state == "done" {
            sqlx::query("UPDATE intake_batches SET lease_owner = NULL WHERE id = $1").bind(batch).execute(w.conn()).await.map_err(db_err)?;
            let details = json!({"batch": batch, "created": out.created, "duplicates": out.duplicates, "failed": out.failed});
            w.record(now, &AuditActor::System, "intake.completed", &format!("intake:{batch}"), details).await?;
        }
        w.commit().await?;
        Ok(out)
    }

    pub(crate) async fn reports_by_fingerprint_impl(&self, org: Uuid, fingerprints: &[String]) -> StoreResult<BTreeMap<String, ReportId>> {
        let rows = sqlx::query("SELECT fingerprint, report_id FROM report_fingerprints WHERE owner_org = $1 AND fingerprint = ANY($2)")
            .bind(org)
            .bind(fingerprints)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((r.get::<String, _>(0), ReportId::from_str(r.get(1)).map_err(bad_row)?))).collect()
    }

    pub(crate) async fn get_intake_impl(&self, id: Uuid) -> StoreResult<Option<IntakeBatch>> {
        let row = sqlx::query("SELECT * FROM intake_batches WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.map(|r| batch_from_row(&r)).transpose()
    }
}
