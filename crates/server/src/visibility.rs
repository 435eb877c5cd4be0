//! Reads that go through the policy module. Every handler that returns a report, or anything
//! derived from one, gets it from here, so the TLP rule is applied in one way everywhere.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use clearinghouse_model::ReportId;
use clearinghouse_model::policy::{Viewer, can_read};
use clearinghouse_store::{ReportFilter, StoredReport};

/// The report if `viewer` may see it; 404 both when it does not exist and when it is not visible.
pub async fn visible_report(state: &AppState, viewer: &Viewer, id: &str) -> ApiResult<StoredReport> {
    let id: ReportId = id.parse().map_err(|_| ApiError::not_found())?;
    match state.store.get_report(&id).await? {
        Some(r) if can_read(viewer, &r.access()) => Ok(r),
        _ => Err(ApiError::not_found()),
    }
}

/// One page of reports `viewer` may see. The store returns candidates in order; the policy filters
/// them. To bound the work of one request the scan stops after `max_scanned` rows, and the cursor
/// then points past the last row scanned, so a page may hold fewer than `limit` reports while
/// `next` is still set: clients follow `next` until it is absent.
pub async fn visible_reports(
    state: &AppState,
    viewer: &Viewer,
    filter: &ReportFilter,
    after: Option<i64>,
    limit: u32,
    max_scanned: u32,
) -> ApiResult<(Vec<StoredReport>, Option<i64>)> {
    let mut out = Vec::new();
    let mut cursor = after;
    let mut scanned = 0u32;
    let batch = (limit * 2).clamp(50, 1000);
    loop {
        let rows = state.store.list_reports(filter, cursor, batch).await?;
        let exhausted = (rows.len() as u32) < batch;
        for r in rows {
            scanned += 1;
            cursor = Some(r.seq);
            if can_read(viewer, &r.access()) {
                out.push(r);
                if out.len() as u32 == limit {
                    return Ok((out, cursor));
                }
            }
        }
        if exhausted {
            return Ok((out, None));
        }
        if scanned >= max_scanned {
            return Ok((out, cursor));
        }
    }
}
