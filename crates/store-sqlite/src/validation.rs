//! Validation jobs on SQLite: the one writer connection serialises leases, so a plain
//! select-then-update inside the write transaction is atomic. The rules are in
//! `clearinghouse_store::validation`.

use crate::{SqliteStore, bad_row, db_err, from_us, parse_uuid, us};
use clearinghouse_model::audit::to_micros;
use clearinghouse_model::{ReportId, ReportStatus};
use clearinghouse_store::codec::report_subject;
use clearinghouse_store::validation::{MAX_ATTEMPTS, REASON, relinked_status, state, status_after};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::{Row, SqliteConnection};
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

impl SqliteStore {
    /// Queues the validation of a report's bundle, inside the report's transaction.
    pub(crate) async fn queue_validation(conn: &mut SqliteConnection, report_seq: i64, id: &ReportId, bundle: &str, now: OffsetDateTime) -> StoreResult<()> {
        let job = Uuid::now_v7();
        sqlx::query("INSERT INTO validation_jobs (id, report_seq, bundle_sha256, state, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)")
            .bind(job.to_string())
            .bind(report_seq)
            .bind(bundle)
            .bind(us(now))
            .bind(us(now))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
        Self::record(conn, now, &AuditActor::System, "validation.queued", &report_subject(id), json!({"job": job, "bundle": bundle})).await?;
        Ok(())
    }

    pub(crate) async fn lease_validation_impl(&self, worker: &str, lease: time::Duration, now: OffsetDateTime) -> StoreResult<Option<ValidationJob>> {
        let now = to_micros(now);
        // Nothing to lease is the common answer of an idle worker's poll: find out without the writer.
        let ready: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM validation_jobs WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < ?))")
                .bind(us(now))
                .fetch_one(&self.reader)
                .await
                .map_err(db_err)?;
        if !ready {
            return Ok(None);
        }
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        // Jobs whose every lease ended with its worker gone fail for good, each with its event.
        let spent = sqlx::query(
            "SELECT j.id, r.id FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
             WHERE j.state = 'running' AND j.lease_expires_at < ? AND j.attempts >= ?",
        )
        .bind(us(now))
        .bind(MAX_ATTEMPTS)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        for row in &spent {
            let (job, report): (String, String) = (row.get(0), row.get(1));
            sqlx::query("UPDATE validation_jobs SET state = 'failed', verdict = 'sandbox_error', lease_owner = NULL, updated_at = ? WHERE id = ?")
                .bind(us(now))
                .bind(&job)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let subject = report_subject(&ReportId::from_str(&report).map_err(bad_row)?);
            Self::record(&mut tx, now, &AuditActor::System, "validation.failed", &subject, json!({"job": job, "attempts": MAX_ATTEMPTS})).await?;
        }
        let row = sqlx::query(
            "SELECT j.id, j.bundle_sha256, j.attempts, r.id AS report_id FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
             WHERE j.state = 'queued' OR (j.state = 'running' AND j.lease_expires_at < ?) ORDER BY j.created_at, j.id LIMIT 1",
        )
        .bind(us(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            tx.commit().await.map_err(db_err)?;
            return Ok(None);
        };
        let id = parse_uuid(row.get("id"))?;
        let report_id = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
        let attempt: i32 = row.get::<i32, _>("attempts") + 1;
        let expires = now + lease;
        sqlx::query("UPDATE validation_jobs SET state = 'running', attempts = ?, lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?")
            .bind(attempt)
            .bind(worker)
            .bind(us(expires))
            .bind(us(now))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        Self::record(
            &mut tx,
            now,
            &AuditActor::System,
            "validation.leased",
            &report_subject(&report_id),
            json!({"job": id, "worker": worker, "attempt": attempt}),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(ValidationJob { id, report_id, bundle_sha256: row.get("bundle_sha256"), attempt, lease_expires_at: expires }))
    }

    pub(crate) async fn renew_validation_lease_impl(&self, job: Uuid, worker: &str, until: OffsetDateTime) -> StoreResult<bool> {
        // Bookkeeping, not a state change: no audit event (the lease and the completion have theirs).
        let done = sqlx::query("UPDATE validation_jobs SET lease_expires_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?")
            .bind(us(to_micros(until)))
            .bind(job.to_string())
            .bind(worker)
            .execute(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn complete_validation_impl(&self, job: Uuid, worker: &str, result: &ValidationResult, now: OffsetDateTime) -> StoreResult<Completion> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let row = sqlx::query(
            "SELECT j.state, j.lease_owner, j.report_seq, r.id AS report_id, r.status FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq WHERE j.id = ?",
        )
        .bind(job.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        if row.get::<&str, _>("state") != state::RUNNING || row.get::<Option<&str>, _>("lease_owner") != Some(worker) {
            return Err(StoreError::Stale);
        }
        let report_seq: i64 = row.get("report_seq");
        let report_id = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
        let from: ReportStatus = crate::parse_name(row.get("status"))?;
        // The first report to show this crash keeps the credit.
        let duplicate_of: Option<String> = match (&result.signature, result.verdict.as_str()) {
            (Some(sig), "reproduced") => sqlx::query_scalar(
                "SELECT r.id FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
                 WHERE j.signature = ? AND j.verdict = 'reproduced' AND j.report_seq < ? ORDER BY j.report_seq LIMIT 1",
            )
            .bind(sig)
            .bind(report_seq)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?,
            _ => None,
        };
        sqlx::query(
            "UPDATE validation_jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, verdict = ?, signature = ?, kind = ?, \
             result = ?, duplicate_of = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&result.verdict)
        .bind(&result.signature)
        .bind(&result.kind)
        .bind(result.document.to_string())
        .bind(&duplicate_of)
        .bind(us(now))
        .bind(job.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let subject = report_subject(&report_id);
        let details =
            json!({"job": job, "worker": worker, "verdict": result.verdict, "kind": result.kind, "signature": result.signature, "duplicate_of": duplicate_of});
        Self::record(&mut tx, now, &AuditActor::System, "validation.completed", &subject, details).await?;
        let moved_to = status_after(&result.verdict, duplicate_of.is_some(), from);
        if let Some(to) = moved_to {
            Self::validator_transition(&mut tx, report_seq, &report_id, from, to, now).await?;
        }
        if let Some(canonical) = &duplicate_of {
            let canonical_seq: i64 = sqlx::query_scalar("SELECT seq FROM reports WHERE id = ?").bind(canonical).fetch_one(&mut *tx).await.map_err(db_err)?;
            Self::link_duplicate(&mut tx, report_seq, canonical_seq, "same crash signature", &AuditActor::System, now).await?;
        }
        // The first reporter keeps the credit even when its proof finished last: reports of the same
        // crash judged before it become its duplicates now.
        if let (None, "reproduced", Some(sig)) = (&duplicate_of, result.verdict.as_str(), &result.signature) {
            let later = sqlx::query(
                "SELECT j.id, j.report_seq, r.id AS report_id, r.status FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq \
                 WHERE j.signature = ? AND j.verdict = 'reproduced' AND j.report_seq > ? AND j.duplicate_of IS NULL AND j.state = 'done'",
            )
            .bind(sig)
            .bind(report_seq)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
            for row in later {
                let other = ReportId::from_str(row.get("report_id")).map_err(bad_row)?;
                sqlx::query("UPDATE validation_jobs SET duplicate_of = ?, updated_at = ? WHERE id = ?")
                    .bind(report_id.to_string())
                    .bind(us(now))
                    .bind(row.get::<String, _>("id"))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let details = json!({"job": row.get::<String, _>("id"), "duplicate_of": report_id});
                Self::record(&mut tx, now, &AuditActor::System, "validation.duplicate_linked", &report_subject(&other), details).await?;
                Self::link_duplicate(&mut tx, row.get("report_seq"), report_seq, "same crash signature", &AuditActor::System, now).await?;
                let status: ReportStatus = crate::parse_name(row.get("status"))?;
                if let Some(to) = relinked_status(status) {
                    Self::validator_transition(&mut tx, row.get("report_seq"), &other, status, to, now).await?;
                }
            }
        }
        tx.commit().await.map_err(db_err)?;
        let duplicate_of = duplicate_of.map(|d| ReportId::from_str(&d).map_err(bad_row)).transpose()?;
        Ok(Completion::Recorded { moved_to, duplicate_of })
    }

    /// A transition the validator makes, with its history row and audit event.
    async fn validator_transition(
        conn: &mut SqliteConnection,
        seq: i64,
        id: &ReportId,
        from: ReportStatus,
        to: ReportStatus,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        Self::move_report(conn, &AuditActor::System, id, seq, from, to, REASON, now).await
    }

    pub(crate) async fn report_validation_impl(&self, id: &ReportId) -> StoreResult<Option<StoredValidation>> {
        let row = sqlx::query(
            "SELECT j.* FROM validation_jobs j JOIN reports r ON r.seq = j.report_seq WHERE r.id = ? ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.reader)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let document = r.get::<Option<String>, _>("result").map(|t| serde_json::from_str(&t)).transpose().map_err(bad_row)?;
        Ok(Some(StoredValidation {
            job_id: parse_uuid(r.get("id"))?,
            report_id: id.clone(),
            state: r.get("state"),
            attempts: r.get("attempts"),
            verdict: r.get("verdict"),
            signature: r.get("signature"),
            kind: r.get("kind"),
            document,
            duplicate_of: r.get::<Option<String>, _>("duplicate_of").map(|d| ReportId::from_str(&d).map_err(bad_row)).transpose()?,
            created_at: from_us(r.get("created_at")),
            updated_at: from_us(r.get("updated_at")),
        }))
    }
}
