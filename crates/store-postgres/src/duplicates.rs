//! Duplicate links on PostgreSQL: merge and split by coordinators, and the validator's links.

use crate::{PostgresStore, WriteTx, bad_row, db_err, parse_name};
use clearinghouse_model::audit::to_micros;
use clearinghouse_model::lifecycle::{Actor as Cap, check_transition};
use clearinghouse_model::{ReportId, ReportStatus};
use clearinghouse_store::codec::report_subject;
use clearinghouse_store::*;
use serde_json::json;
use sqlx::Row;
use std::str::FromStr;
use time::OffsetDateTime;

impl PostgresStore {
    /// Writes (or rewrites) `seq`'s link to `canonical_seq`.
    pub(crate) async fn link_duplicate(
        w: &mut WriteTx,
        seq: i64,
        canonical_seq: i64,
        reason: &str,
        actor: &AuditActor,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO report_duplicates (report_seq, canonical_seq, reason, actor, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (report_seq) DO UPDATE SET canonical_seq = excluded.canonical_seq, reason = excluded.reason, actor = excluded.actor, created_at = excluded.created_at",
        )
        .bind(seq)
        .bind(canonical_seq)
        .bind(reason)
        .bind(actor.as_audit_string())
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn seq_status(w: &mut WriteTx, id: &ReportId) -> StoreResult<(i64, ReportStatus)> {
        let row = sqlx::query("SELECT seq, status FROM reports WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(w.conn())
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok((row.get(0), parse_name(row.get(1))?))
    }

    /// A transition with its history row and audit event, the lifecycle already checked.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn move_report(
        w: &mut WriteTx,
        actor: &AuditActor,
        id: &ReportId,
        seq: i64,
        from: ReportStatus,
        to: ReportStatus,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "WITH u AS (UPDATE reports SET status = $2, updated_at = $5 WHERE seq = $1) \
             INSERT INTO report_transitions (report_seq, from_status, to_status, actor, reason, at) VALUES ($1, $3, $2, $4, $6, $5)",
        )
        .bind(seq)
        .bind(to.as_str())
        .bind(from.as_str())
        .bind(actor.as_audit_string())
        .bind(now)
        .bind(reason)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
        w.record(now, actor, "report.transitioned", &report_subject(id), json!({"from": from, "to": to})).await
    }

    pub(crate) async fn mark_duplicate_impl(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        canonical: &ReportId,
        capacity: Cap,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let (seq, from) = Self::seq_status(&mut w, id).await?;
        let (canonical_seq, _) = Self::seq_status(&mut w, canonical).await?;
        if seq == canonical_seq {
            return Err(StoreError::Conflict("a report cannot duplicate itself".into()));
        }
        let root: Option<String> = sqlx::query_scalar("SELECT r.id FROM report_duplicates d JOIN reports r ON r.seq = d.canonical_seq WHERE d.report_seq = $1")
            .bind(canonical_seq)
            .fetch_optional(w.conn())
            .await
            .map_err(db_err)?;
        if let Some(root) = root {
            return Err(StoreError::Conflict(format!("{canonical} is itself a duplicate of {root}: link to {root}")));
        }
        if from != ReportStatus::Duplicate {
            check_transition(from, ReportStatus::Duplicate, capacity, reason)?;
            Self::move_report(&mut w, actor, id, seq, from, ReportStatus::Duplicate, reason, now).await?;
        } else if capacity != Cap::Coordinator {
            check_transition(from, ReportStatus::Duplicate, capacity, reason)?;
        }
        Self::link_duplicate(&mut w, seq, canonical_seq, reason, actor, now).await?;
        // Reports that pointed at this one follow it to the new canonical report.
        sqlx::query("UPDATE report_duplicates SET canonical_seq = $1 WHERE canonical_seq = $2")
            .bind(canonical_seq)
            .bind(seq)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        w.record(now, actor, "report.duplicate_linked", &report_subject(id), json!({"canonical": canonical})).await?;
        let out = self.load_by_seq(w.conn(), seq).await?;
        w.commit().await?;
        Ok(out)
    }

    pub(crate) async fn split_duplicate_impl(
        &self,
        actor: &AuditActor,
        id: &ReportId,
        capacity: Cap,
        reason: &str,
        now: OffsetDateTime,
    ) -> StoreResult<StoredReport> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let (seq, from) = Self::seq_status(&mut w, id).await?;
        let linked = sqlx::query("DELETE FROM report_duplicates WHERE report_seq = $1").bind(seq).execute(w.conn()).await.map_err(db_err)?;
        if linked.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("{id} is not linked as a duplicate")));
        }
        check_transition(from, ReportStatus::Triaged, capacity, reason)?;
        Self::move_report(&mut w, actor, id, seq, from, ReportStatus::Triaged, reason, now).await?;
        w.record(now, actor, "report.duplicate_split", &report_subject(id), json!({})).await?;
        let out = self.load_by_seq(w.conn(), seq).await?;
        w.commit().await?;
        Ok(out)
    }

    pub(crate) async fn duplicate_of_impl(&self, id: &ReportId) -> StoreResult<Option<ReportId>> {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT c.id FROM report_duplicates d JOIN reports r ON r.seq = d.report_seq JOIN reports c ON c.seq = d.canonical_seq WHERE r.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.map(|r| ReportId::from_str(&r).map_err(bad_row)).transpose()
    }
}
