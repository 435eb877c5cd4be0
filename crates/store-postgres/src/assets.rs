//! Advisories, assets and findings on PostgreSQL. The rules (what replaces what, what a finding
//! is) are `clearinghouse_store::assets`'; this file only reads and writes rows around them, in
//! write transactions that hold the `audit_head` lock like every other write.

use super::{PostgresStore, bad_row, db_err};
use clearinghouse_model::Tlp;
use clearinghouse_model::audit::to_micros;
use clearinghouse_osv::{Record, Verdict};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

/// Keys per `IN` list.
const KEYS_PER_QUERY: usize = 1000;
/// Rows per multi-row INSERT (PostgreSQL takes at most 65,535 bound values per statement).
const ROWS_PER_INSERT: usize = 500;

/// A foreign key to a missing organisation or principal: the caller named something that is not there.
fn missing_is_not_found(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_foreign_key_violation()
    {
        return StoreError::NotFound;
    }
    db_err(e)
}

fn owner_of(r: &PgRow) -> Option<AdvisoryOwner> {
    match (r.get::<Option<Uuid>, _>("owner_org"), r.get::<Option<Uuid>, _>("owner_principal")) {
        (Some(org), Some(principal)) => Some(AdvisoryOwner { org, principal }),
        _ => None,
    }
}

fn advisory_from_row(r: &PgRow) -> StoreResult<StoredAdvisory> {
    Ok(StoredAdvisory {
        record: serde_json::from_str(r.get("record")).map_err(bad_row)?,
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        owner: owner_of(r),
        source: r.get("source"),
        change_seq: r.get("change_seq"),
        imported_at: r.get("imported_at"),
        updated_at: r.get("updated_at"),
    })
}

fn asset_from_row(r: &PgRow) -> StoreResult<StoredAsset> {
    Ok(StoredAsset {
        id: r.get("id"),
        name: r.get("name"),
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        owner_org: r.get("owner_org"),
        created_by: r.get("created_by"),
        sbom_format: r.get("sbom_format"),
        sbom_sha256: r.get("sbom_sha256"),
        component_count: r.get("component_count"),
        revision: r.get("revision"),
        mission: serde_json::from_str(r.get("mission")).map_err(bad_row)?,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    })
}

fn component_from_json(s: &str) -> StoreResult<AssetComponent> {
    serde_json::from_str(s).map_err(bad_row)
}

fn push_key_values(q: &mut QueryBuilder<Postgres>, keys: &[&(String, String)]) {
    let mut sep = q.separated(", ");
    for (base, name) in keys {
        sep.push("(");
        sep.push_bind_unseparated(base.clone());
        sep.push_unseparated(", ");
        sep.push_bind_unseparated(name.clone());
        sep.push_unseparated(")");
    }
}

/// The records of every advisory filed under one of `keys`.
async fn advisories_for_keys(conn: &mut PgConnection, keys: &BTreeSet<(String, String)>) -> StoreResult<Vec<Record>> {
    let keys: Vec<&(String, String)> = keys.iter().collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::<Postgres>::new(
            "SELECT DISTINCT a.id, a.record FROM advisory_packages p JOIN advisories a ON a.id = p.advisory_id WHERE (p.base, p.name_key) IN (VALUES ",
        );
        push_key_values(&mut q, chunk);
        q.push(")");
        for row in q.build().fetch_all(&mut *conn).await.map_err(db_err)? {
            let id: String = row.get(0);
            if seen.insert(id) {
                out.push(serde_json::from_str::<Record>(row.get(1)).map_err(bad_row)?);
            }
        }
    }
    Ok(out)
}

/// The components of all assets filed under one of `keys`, by asset.
async fn components_for_keys(conn: &mut PgConnection, keys: &BTreeSet<(String, String)>) -> StoreResult<BTreeMap<Uuid, Vec<AssetComponent>>> {
    let keys: Vec<&(String, String)> = keys.iter().collect();
    let mut out: BTreeMap<Uuid, Vec<AssetComponent>> = BTreeMap::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::<Postgres>::new("SELECT asset_id, body FROM asset_components WHERE (base, name_key) IN (VALUES ");
        push_key_values(&mut q, chunk);
        q.push(")");
        for row in q.build().fetch_all(&mut *conn).await.map_err(db_err)? {
            out.entry(row.get(0)).or_default().push(component_from_json(row.get(1))?);
        }
    }
    Ok(out)
}

async fn insert_components(conn: &mut PgConnection, asset: Uuid, components: &[AssetComponent]) -> StoreResult<()> {
    for chunk in components.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Postgres>::new("INSERT INTO asset_components (asset_id, idx, base, name_key, body) ");
        q.push_values(chunk, |mut b, c| {
            let (base, name) = match (&c.unmatched, &c.key) {
                (None, Some((b, n))) => (Some(b.clone()), Some(n.clone())),
                _ => (None, None),
            };
            b.push_bind(asset).push_bind(c.idx).push_bind(base).push_bind(name).push_bind(serde_json::to_string(c).unwrap_or_default());
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// Writes an asset's evaluated findings (insert or update), keeping `first_seen` of those that
/// existed, and deletes the closed ones.
async fn write_findings(
    conn: &mut PgConnection,
    asset: Uuid,
    new: &BTreeMap<(i64, String), FindingEval>,
    closed: &[(i64, String)],
    now: OffsetDateTime,
) -> StoreResult<()> {
    let rows: Vec<_> = new.iter().collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Postgres>::new("INSERT INTO findings (asset_id, component_idx, advisory_id, verdict, matched, first_seen, updated_at) ");
        q.push_values(chunk, |mut b, ((component, advisory), eval)| {
            b.push_bind(asset)
                .push_bind(*component)
                .push_bind(advisory.clone())
                .push_bind(verdict_name(eval.verdict))
                .push_bind(eval.matched.to_string())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (asset_id, component_idx, advisory_id) DO UPDATE SET verdict = excluded.verdict, matched = excluded.matched, updated_at = excluded.updated_at");
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    for (component, advisory) in closed {
        sqlx::query("DELETE FROM findings WHERE asset_id = $1 AND component_idx = $2 AND advisory_id = $3")
            .bind(asset)
            .bind(component)
            .bind(advisory)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn stored_verdicts(conn: &mut PgConnection, asset: Uuid) -> StoreResult<BTreeMap<(i64, String), Verdict>> {
    let rows =
        sqlx::query("SELECT component_idx, advisory_id, verdict FROM findings WHERE asset_id = $1").bind(asset).fetch_all(&mut *conn).await.map_err(db_err)?;
    rows.iter().map(|r| Ok(((r.get(0), r.get(1)), parse_verdict(r.get(2)).ok_or_else(|| bad_row("verdict"))?))).collect()
}

async fn load_asset(conn: &mut PgConnection, id: Uuid) -> StoreResult<StoredAsset> {
    let row = sqlx::query("SELECT * FROM assets WHERE id = $1").bind(id).fetch_optional(&mut *conn).await.map_err(db_err)?;
    asset_from_row(&row.ok_or(StoreError::NotFound)?)
}

/// The `advisories` rows of one import, a column each, bound as arrays.
#[derive(Default)]
struct AdvisoryColumns {
    ids: Vec<String>,
    modified: Vec<Option<OffsetDateTime>>,
    tlps: Vec<String>,
    orgs: Vec<Option<Uuid>>,
    principals: Vec<Option<Uuid>>,
    sources: Vec<String>,
    records: Vec<String>,
}

impl PostgresStore {
    pub(crate) async fn import_advisories_impl(
        &self,
        actor: &AuditActor,
        batch: &[NewAdvisory],
        now: OffsetDateTime,
    ) -> StoreResult<(ImportSummary, Vec<ImportOutcome>)> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let mut summary = ImportSummary::default();
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut changed: BTreeMap<&str, &NewAdvisory> = BTreeMap::new();
        let mut old_keys: BTreeSet<(String, String)> = BTreeSet::new();
        // The stored copies of the batch's ids, in one round trip (the lock is held meanwhile).
        let ids: Vec<String> = batch.iter().map(|a| a.record.id.clone()).collect();
        let mut stored: BTreeMap<String, Record> = BTreeMap::new();
        for row in sqlx::query("SELECT id, record FROM advisories WHERE id = ANY($1)").bind(&ids).fetch_all(w.conn()).await.map_err(db_err)? {
            stored.insert(row.get(0), serde_json::from_str(row.get(1)).map_err(bad_row)?);
        }
        for adv in batch {
            let id = adv.record.id.as_str();
            let outcome = if let Some(pending) = changed.get(id) {
                if supersedes(&adv.record, &pending.record) { ImportOutcome::Updated } else { ImportOutcome::Unchanged }
            } else {
                match stored.get(id) {
                    None => ImportOutcome::Inserted,
                    Some(old) if supersedes(&adv.record, old) => {
                        old_keys.extend(advisory_keys(old));
                        ImportOutcome::Updated
                    }
                    Some(_) => ImportOutcome::Unchanged,
                }
            };
            match outcome {
                ImportOutcome::Inserted => summary.inserted += 1,
                ImportOutcome::Updated => summary.updated += 1,
                ImportOutcome::Unchanged => summary.unchanged += 1,
            }
            if outcome != ImportOutcome::Unchanged {
                changed.insert(id, adv);
            }
            outcomes.push(outcome);
        }
        if changed.is_empty() {
            return Ok((summary, outcomes));
        }
        let changed_ids: Vec<&str> = changed.keys().copied().collect();
        w.record(
            now,
            actor,
            "advisories.imported",
            "advisories",
            json!({"source": changed.values().next().map(|a| a.source.as_str()), "changed": changed_ids, "unchanged": summary.unchanged}),
        )
        .await?;
        let seq = w.seq;
        // The advisories, their package keys and aliases: a statement for each kind of row, with
        // the rows as arrays (every statement is a round trip made while holding the write lock).
        let mut a = AdvisoryColumns::default();
        let (mut key_bases, mut key_names, mut key_ids) = (Vec::new(), Vec::new(), Vec::new());
        let (mut alias_names, mut alias_ids) = (Vec::new(), Vec::new());
        let mut new_keys = BTreeSet::new();
        for adv in changed.values() {
            let id = adv.record.id.as_str();
            a.ids.push(id.to_string());
            a.modified.push(adv.record.modified_at().map(to_micros));
            a.tlps.push(adv.tlp.as_str().to_string());
            a.orgs.push(adv.owner.map(|o| o.org));
            a.principals.push(adv.owner.map(|o| o.principal));
            a.sources.push(adv.source.clone());
            a.records.push(serde_json::to_string(&adv.record).map_err(|e| StoreError::Backend(e.to_string()))?);
            for (base, name) in advisory_keys(&adv.record) {
                key_bases.push(base.clone());
                key_names.push(name.clone());
                key_ids.push(id.to_string());
                new_keys.insert((base, name));
            }
            for alias in adv.record.aliases.iter().map(String::as_str).filter(|x| *x != id).collect::<BTreeSet<_>>() {
                alias_names.push(alias.to_string());
                alias_ids.push(id.to_string());
            }
        }
        sqlx::query(
            "INSERT INTO advisories (id, modified, tlp, owner_org, owner_principal, source, record, change_seq, imported_at, updated_at) \
             SELECT id, modified, tlp, org, principal, source, record, $8, $9, $9 \
             FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[]) \
               AS t(id, modified, tlp, org, principal, source, record) \
             ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, tlp = excluded.tlp, \
             owner_org = excluded.owner_org, owner_principal = excluded.owner_principal, source = excluded.source, record = excluded.record, \
             change_seq = excluded.change_seq, updated_at = excluded.updated_at",
        )
        .bind(&a.ids)
        .bind(&a.modified)
        .bind(&a.tlps)
        .bind(&a.orgs)
        .bind(&a.principals)
        .bind(&a.sources)
        .bind(&a.records)
        .bind(seq)
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(missing_is_not_found)?;
        sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = ANY($1)").bind(&a.ids).execute(w.conn()).await.map_err(db_err)?;
        sqlx::query("DELETE FROM advisory_aliases WHERE advisory_id = ANY($1)").bind(&a.ids).execute(w.conn()).await.map_err(db_err)?;
        sqlx::query("INSERT INTO advisory_packages (base, name_key, advisory_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])")
            .bind(&key_bases)
            .bind(&key_names)
            .bind(&key_ids)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        sqlx::query("INSERT INTO advisory_aliases (alias, advisory_id) SELECT * FROM unnest($1::text[], $2::text[])")
            .bind(&alias_names)
            .bind(&alias_ids)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
        let keys: BTreeSet<(String, String)> = old_keys.union(&new_keys).cloned().collect();
        let by_asset = components_for_keys(w.conn(), &keys).await?;
        let index = index_of(changed.values().map(|a| a.record.clone()), now);
        for (asset, components) in &by_asset {
            let mut old = BTreeMap::new();
            for (k, v) in stored_verdicts(w.conn(), *asset).await? {
                if changed.contains_key(k.1.as_str()) {
                    old.insert(k, v);
                }
            }
            let new = evaluate(&index, components);
            let d = diff(&old, &new);
            write_findings(w.conn(), *asset, &new, &d.closed, now).await?;
            if !d.is_empty() {
                summary.findings_opened += d.opened.len();
                summary.findings_closed += d.closed.len();
                summary.assets_changed += 1;
                let mut details = d.details();
                details["cause"] = json!({"action": "advisories.imported", "seq": seq});
                w.record(now, actor, "asset.findings_changed", &format!("asset:{asset}"), details).await?;
            }
        }
        // The public records join the vulnerability model, in the same transaction.
        let osv: Vec<clearinghouse_advisory::SourceRecord> =
            changed.values().filter(|a| a.tlp == Tlp::Clear).map(|a| clearinghouse_advisory::osv::from_record(&a.record)).collect();
        if !osv.is_empty() {
            let refs: Vec<&clearinghouse_advisory::SourceRecord> = osv.iter().collect();
            summary.vulnerabilities_changed = crate::vulns::import_source_records_in(&mut w, actor, &refs, now).await?.vulnerabilities_changed;
        }
        w.commit().await?;
        Ok((summary, outcomes))
    }

    pub(crate) async fn get_advisory_impl(&self, id: &str) -> StoreResult<Option<StoredAdvisory>> {
        let row = sqlx::query("SELECT * FROM advisories WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(advisory_from_row).transpose()
    }

    pub(crate) async fn advisories_changed_since_impl(&self, after: (i64, &str), limit: u32) -> StoreResult<Vec<StoredAdvisory>> {
        // Byte order on ids, as SQLite compares them.
        let rows = sqlx::query(
            "SELECT * FROM advisories WHERE change_seq > $1 OR (change_seq = $1 AND id COLLATE \"C\" > $2) ORDER BY change_seq, id COLLATE \"C\" LIMIT $3",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(advisory_from_row).collect()
    }

    pub(crate) async fn advisory_head_impl(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(change_seq), 0)::bigint FROM advisories").fetch_one(&self.pool).await.map_err(db_err)
    }

    pub(crate) async fn create_asset_impl(&self, actor: &AuditActor, asset: &NewAsset, now: OffsetDateTime) -> StoreResult<(StoredAsset, FindingsDiff)> {
        let now = to_micros(now);
        let id = Uuid::now_v7();
        let mut w = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO assets (id, name, tlp, owner_org, created_by, sbom_format, sbom_sha256, component_count, revision, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
        )
        .bind(id)
        .bind(&asset.name)
        .bind(asset.tlp.as_str())
        .bind(asset.owner_org)
        .bind(asset.created_by)
        .bind(&asset.sbom_format)
        .bind(&asset.sbom_sha256)
        .bind(asset.components.len() as i64)
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(missing_is_not_found)?;
        insert_components(w.conn(), id, &asset.components).await?;
        let records = advisories_for_keys(w.conn(), &component_keys(&asset.components)).await?;
        let new = evaluate(&index_of(records, now), &asset.components);
        let d = diff(&BTreeMap::new(), &new);
        write_findings(w.conn(), id, &new, &[], now).await?;
        w.record(now, actor, "asset.created", &format!("asset:{id}"), asset_details(&d, asset)).await?;
        let stored = load_asset(w.conn(), id).await?;
        w.commit().await?;
        Ok((stored, d))
    }

    pub(crate) async fn replace_asset_impl(
        &self,
        actor: &AuditActor,
        id: Uuid,
        expected_revision: Option<i64>,
        asset: &NewAsset,
        now: OffsetDateTime,
    ) -> StoreResult<(StoredAsset, FindingsDiff)> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let current = load_asset(w.conn(), id).await?;
        if expected_revision.is_some_and(|r| r != current.revision) {
            return Err(StoreError::Stale);
        }
        let old = stored_verdicts(w.conn(), id).await?;
        sqlx::query("DELETE FROM asset_components WHERE asset_id = $1").bind(id).execute(w.conn()).await.map_err(db_err)?;
        insert_components(w.conn(), id, &asset.components).await?;
        let records = advisories_for_keys(w.conn(), &component_keys(&asset.components)).await?;
        let new = evaluate(&index_of(records, now), &asset.components);
        let d = diff(&old, &new);
        write_findings(w.conn(), id, &new, &d.closed, now).await?;
        sqlx::query(
            "UPDATE assets SET name = $1, tlp = $2, sbom_format = $3, sbom_sha256 = $4, component_count = $5, revision = revision + 1, updated_at = $6 WHERE id = $7",
        )
        .bind(&asset.name)
        .bind(asset.tlp.as_str())
        .bind(&asset.sbom_format)
        .bind(&asset.sbom_sha256)
        .bind(asset.components.len() as i64)
        .bind(now)
        .bind(id)
        .execute(w.conn())
        .await
        .map_err(db_err)?;
        let mut details = asset_details(&d, asset);
        details["revision"] = json!(current.revision + 1);
        w.record(now, actor, "asset.updated", &format!("asset:{id}"), details).await?;
        let stored = load_asset(w.conn(), id).await?;
        w.commit().await?;
        Ok((stored, d))
    }

    pub(crate) async fn delete_asset_impl(&self, actor: &AuditActor, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        let current = load_asset(w.conn(), id).await?;
        sqlx::query("DELETE FROM assets WHERE id = $1").bind(id).execute(w.conn()).await.map_err(db_err)?;
        w.record(now, actor, "asset.deleted", &format!("asset:{id}"), json!({"name": current.name})).await?;
        w.commit().await
    }

    pub(crate) async fn set_asset_mission_impl(&self, actor: &AuditActor, id: Uuid, mission: &AssetMission, now: OffsetDateTime) -> StoreResult<StoredAsset> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        load_asset(w.conn(), id).await?;
        let body = serde_json::to_string(mission).map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::query("UPDATE assets SET mission = $1, updated_at = $2 WHERE id = $3").bind(&body).bind(now).bind(id).execute(w.conn()).await.map_err(db_err)?;
        w.record(now, actor, "asset.mission_set", &format!("asset:{id}"), json!({ "mission": mission })).await?;
        let asset = load_asset(w.conn(), id).await?;
        w.commit().await?;
        Ok(asset)
    }

    pub(crate) async fn get_asset_impl(&self, id: Uuid) -> StoreResult<Option<StoredAsset>> {
        let row = sqlx::query("SELECT * FROM assets WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(db_err)?;
        row.as_ref().map(asset_from_row).transpose()
    }

    pub(crate) async fn list_assets_impl(&self, owner_org: Option<Uuid>) -> StoreResult<Vec<StoredAsset>> {
        let rows = sqlx::query("SELECT * FROM assets WHERE $1::uuid IS NULL OR owner_org = $1 ORDER BY created_at, id")
            .bind(owner_org)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(asset_from_row).collect()
    }

    pub(crate) async fn asset_components_impl(&self, id: Uuid) -> StoreResult<Vec<AssetComponent>> {
        let rows = sqlx::query("SELECT body FROM asset_components WHERE asset_id = $1 ORDER BY idx").bind(id).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(|r| component_from_json(r.get(0))).collect()
    }

    pub(crate) async fn asset_findings_impl(&self, id: Uuid) -> StoreResult<Vec<StoredFinding>> {
        let rows = sqlx::query(
            "SELECT c.body, f.advisory_id, f.verdict, f.matched, f.first_seen, f.updated_at, a.record, a.tlp, a.owner_org, a.owner_principal \
             FROM findings f JOIN asset_components c ON c.asset_id = f.asset_id AND c.idx = f.component_idx \
             JOIN advisories a ON a.id = f.advisory_id WHERE f.asset_id = $1 ORDER BY f.component_idx, f.advisory_id COLLATE \"C\"",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let record: Record = serde_json::from_str(r.get("record")).map_err(bad_row)?;
                Ok(StoredFinding {
                    component: component_from_json(r.get("body"))?,
                    advisory: r.get("advisory_id"),
                    aliases: record.aliases,
                    summary: record.summary,
                    advisory_tlp: r.get::<&str, _>("tlp").parse::<Tlp>().map_err(bad_row)?,
                    advisory_owner: owner_of(r),
                    verdict: parse_verdict(r.get("verdict")).ok_or_else(|| bad_row("verdict"))?,
                    matched: serde_json::from_str(r.get("matched")).map_err(bad_row)?,
                    first_seen: r.get("first_seen"),
                    updated_at: r.get("updated_at"),
                })
            })
            .collect()
    }

    pub(crate) async fn add_asset_vex_impl(&self, actor: &AuditActor, asset_id: Uuid, vex: &NewVex, now: OffsetDateTime) -> StoreResult<StoredVex> {
        let now = to_micros(now);
        let mut w = self.begin_write().await?;
        load_asset(w.conn(), asset_id).await?;
        let stored = StoredVex {
            id: Uuid::now_v7(),
            asset_id,
            format: vex.format.clone(),
            sha256: vex.sha256.clone(),
            statements: vex.statements.clone(),
            created_by: vex.created_by,
            created_at: now,
        };
        sqlx::query("INSERT INTO asset_vex (id, asset_id, format, sha256, statements, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(stored.id)
            .bind(asset_id)
            .bind(&stored.format)
            .bind(&stored.sha256)
            .bind(stored.statements.to_string())
            .bind(stored.created_by)
            .bind(now)
            .execute(w.conn())
            .await
            .map_err(missing_is_not_found)?;
        let count = stored.statements.as_array().map_or(0, Vec::len);
        w.record(
            now,
            actor,
            "asset.vex_added",
            &format!("asset:{asset_id}"),
            json!({"vex": stored.id, "format": stored.format, "sha256": stored.sha256, "statements": count}),
        )
        .await?;
        w.commit().await?;
        Ok(stored)
    }

    pub(crate) async fn asset_vex_impl(&self, asset_id: Uuid) -> StoreResult<Vec<StoredVex>> {
        let rows =
            sqlx::query("SELECT * FROM asset_vex WHERE asset_id = $1 ORDER BY created_at, id").bind(asset_id).fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(StoredVex {
                    id: r.get("id"),
                    asset_id: r.get("asset_id"),
                    format: r.get("format"),
                    sha256: r.get("sha256"),
                    statements: serde_json::from_str(r.get("statements")).map_err(bad_row)?,
                    created_by: r.get("created_by"),
                    created_at: r.get("created_at"),
                })
            })
            .collect()
    }
}
