//! Validation jobs on PostgreSQL: leases are taken under the store's write lock (the audit head's
//! row lock, held by every writer across replicas) and with `FOR UPDATE SKIP LOCKED`, so two
//! workers on two machines never hold one job. The rules are in `clearinghouse_store::validation`.

use crate::{PostgresStore, WriteTx, bad_row, db_err, parse_name};
use clearinghouse_model::audit::to_micros;
use clearinghouse_model::{ReportId, ReportStatus};
use clearinghouse_store::codec::report_subject;
use clearinghouse_store::validation::{MAX_ATTEMPTS, REASON, relinked_status, state, status_after};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::Row;
use sqlx::types::Json;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

impl PostgresStore {
    /// Queues the validation of a report's bundle, inside the report's transaction.
    pub(crate) async fn queue_validation(w: &mut WriteTx, report_seq: i64, id: &ReportId, bundle: &str, now: OffsetDateTime) -> StoreResult<()> {
        let job = Uuid::now_v7();
        sqlx::query("INSERT INTO validation_jobs (id, report_seq, bundle_sha256, state, created_at, updated_at) VALUES ($1, $2, $3, 'queued', $4, $4)")
            .bind(job)
            .bind(report_seq)
            .bind(bundle)
            .bind(now)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        w.record(now, &AuditActor::System, "validation.queued", &report_subject(id), json!({"job": job, "bundle": bundle})).await
    }

    pub(crate) async fn lease_validation_impl(&self, worker: &str, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<ValidationJob>> {
        let now = to_micros(now);
        // Nothing to lease is the common answer of an idle worker's poll: find out without the write lock.
        let ready: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM validation_jobs WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < $1))")
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
        if !ready {
            return Ok(None);
        }
        let mut w = self.begin_write().await?;
        let spent = sqlx::query(
            "UPDATE validation_jobs j SET state = 'failed', verdict = 'sandbox_error', lease_owner = NULL, updated_at = $1 FROM reports r \
             WHERE r.seq = j.report_seq AND j.state = 'running' AND j.lease_expires_at < $1 AND j.attempts >= $2 RETURNING j.id, r.id",
        )
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .fetch_all(w.conn())
        .await
        .map_err(db_err)?;
        for row in &spent {
            let (job, report): (Uuid, String) = (row.get(0), row.get(1));
            let subject = report_subject(&ReportId::from_str(&report).map_err(bad_row)?);
            w.record(now, &AuditActor::System, "validation.failed", &subject, json!({"job": job, "attempts": MAX_ATTEMPTS})).await?;
        }
        let expires = now + lease;
        let row = sqlx::query(
            "WITH next AS (SELECT id FROM validation_jobs WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < $1) \
                           ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE validation_jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = $2, lease_expires_at = $3, updated_at = $1 \
             FROM next, reports r WHERE j.id = next.id AND r.seq = j.report_seq RETURNING j.id, j.bundle_sha256, j.attempts, r.id AS report_id",
        )
        .bind(now)
        .bind(worker)
        .bind(expires)
        .fetch_optional(w.conn())
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            w.commit().await?;
            return Ok(None);
        };
        let id: Uuid = row.get("id");
        let report_id = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
        let attempt: i32 = row.get("attempts");
        w.record(now, &AuditActor::System, "validation.leased", &report_subject(&report_id), json!({"job": id, "worker": worker, "attempt": attempt})).await?;
        w.commit().await?;
        Ok(Some(ValidationJob { id, report_id, bundle_sha256: row.get("bundle_sha256"), attempt, lease_expires_at: expires }))
    }

    pub(crate) async fn renew_validation_lease_impl(&self, job: Uuid, worker: &str, until: OffsetDateTime) -> StoreResult<bool> {
        // Bookkeeping, not a state change: no audit event (the lease and the completion have theirs).
        let done = sqlx::query("UPDATE validation_jobs SET lease_expires_at = $1 WHERE id = $2 AND state = 'running' AND lease_owner = $3")
            .bind(to_micros(until))
            .bind(job)
            .bind(worker)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn complete_validation_impl(&self, job: Uuid, worker: &str, result: &ValidationResult, now: OffsetDateTime) -> StoreResult<Completion> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT j.state, j.lease_owner, j.report_seq, r.id AS report_id, r.status FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
             WHERE j.id = $1 FOR UPDATE OF j",
        )
        .bind(job)
        .fetch_optional(w.conn())
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        if row.get::<&str, _>("state") != state::RUNNING || row.get::<Option<&str>, _>("lease_owner") != Some(worker) {
            return Err(StoreError::Stale);
        }
        let report_seq: i64 = row.get("report_seq");
        let report_id = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
        let from: ReportStatus = parse_name(row.get("status"))?;
        // The first report to show this crash keeps the credit.
        let duplicate_of: Option<String> = match (&result.signature, result.verdict.as_str()) {
            (Some(sig), "reproduced") => sqlx::query_scalar(
                "SELECT r.id FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
                 WHERE j.signature = $1 AND j.verdict = 'reproduced' AND j.report_seq < $2 ORDER BY j.report_seq LIMIT 1",
            )
            .bind(sig)
            .bind(report_seq)
            .fetch_optional(w.conn())
            .await
            .map_err(db_err)?,
            _ => None,
        };
        sqlx::query(
            "UPDATE validation_jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, verdict = $1, signature = $2, kind = $3, \
             result = $4, duplicate_of = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&result.verdict)
        .bind(&result.signature)
        .bind(&result.kind)
        .bind(Json(&result.document))
        .bind(&duplicate_of)
        .bind(now)
        .bind(job)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
        let subject = report_subject(&report_id);
        let details =
            json!({"job": job, "worker": worker, "verdict": result.verdict, "kind": result.kind, "signature": result.signature, "duplicate_of": duplicate_of});
        w.record(now, &AuditActor::System, "validation.completed", &subject, details).await?;
        let moved_to = status_after(&result.verdict, duplicate_of.is_some(), from);
        if let Some(to) = moved_to {
            Self::validator_transition(&mut w, report_seq, &report_id, from, to, now).await?;
        }
        if let Some(canonical) = &duplicate_of {
            let canonical_seq: i64 = sqlx::query_scalar("SELECT seq FROM reports WHERE id = $1").bind(canonical).fetch_one(w.conn()).await.map_err(db_err)?;
            Self::link_duplicate(&mut w, report_seq, canonical_seq, "same crash signature", &AuditActor::System, now).await?;
        }
        // The first reporter keeps the credit even when its proof finished last: reports of the same
        // crash judged before it become its duplicates now.
        if let (None, "reproduced", Some(sig)) = (&duplicate_of, result.verdict.as_str(), &result.signature) {
            let later = sqlx::query(
                "UPDATE validation_jobs j SET duplicate_of = $3, updated_at = $4 FROM reports r \
                 WHERE r.seq = j.report_seq AND j.signature = $1 AND j.verdict = 'reproduced' AND j.report_seq > $2 AND j.duplicate_of IS NULL \
                 AND j.state = 'done' RETURNING j.id, j.report_seq, r.id AS report_id, r.status",
            )
            .bind(sig)
            .bind(report_seq)
            .bind(report_id.to_string())
            .bind(now)
            .fetch_all(w.conn())
            .await
            .map_err(db_err)?;
            for row in later {
                let other = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
                let details = json!({"job": row.get::<Uuid, _>("id"), "duplicate_of": report_id});
                w.record(now, &AuditActor::System, "validation.duplicate_linked", &report_subject(&other), details).await?;
                Self::link_duplicate(&mut w, row.get("report_seq"), report_seq, "same crash signature", &AuditActor::System, now).await?;
                let status: ReportStatus = parse_name(row.get("status"))?;
                if let Some(to) = relinked_status(status) {
                    Self::validator_transition(&mut w, row.get("report_seq"), &other, status, to, now).await?;
                }
            }
        }
        w.commit().await?;
        let duplicate_of = duplicate_of.map(|d| ReportId::from_str(&d).map_err(bad_row)).transpose()?;
        Ok(Completion::Recorded { moved_to, duplicate_of })
    }

    /// A transition the validator makes, with its history row and audit event.
    async fn validator_transition(w: &mut WriteTx, seq: i64, id: &ReportId, from: ReportStatus, to: ReportStatus, now: OffsetDateTime) -> StoreResult<()> {
        Self::move_report(w, &AuditActor::System, id, seq, from, to, REASON, now).await
    }

    pub(crate) async fn report_validation_impl(&self, id: &ReportId) -> StoreResult<Option<StoredValidation>> {
        let row = sqlx::query(
            "SELECT j.* FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq WHERE r.id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(StoredValidation {
            job_id: r.get("id"),
            report_id: id.clone(),
            state: r.get("state"),
            attempts: r.get("attempts"),
            verdict: r.get("verdict"),
            signature: r.get("signature"),
            kind: r.get("kind"),
            document: r.get::<Option<Json<serde_json::Value>>, _>("result").map(|j| j.0),
            duplicate_of: r.get::<Option<String>, _>("duplicate_of").map(|d| ReportId::from_str(&d).map_err(bad_row)).transpose()?,
            created_at: r.get("created_at"),
            updated_at: r.get("updated_at"),
        }))
    }
}
