//! Advisories, assets and findings on SQLite. The rules (what replaces what, what a finding is)
//! are `clearinghouse_store::assets`'; this file only reads and writes rows around them.

use super::{SqliteStore, bad_row, db_err, foreign_key_is_not_found, from_us, insert_rows, missing_is_not_found, parse_uuid, rows_in, us};
use clearinghouse_model::Tlp;
use clearinghouse_model::audit::to_micros;
use clearinghouse_osv::{Record, Verdict};
use clearinghouse_store::*;
use serde_json::json;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

/// Keys per `IN` list: two bound values each, well under SQLite's limit of bound parameters.
const KEYS_PER_QUERY: usize = 400;
/// Rows per multi-row INSERT.
const ROWS_PER_INSERT: usize = 200;

fn modified_us(r: &Record) -> Option<i64> {
    r.modified_at().map(us)
}

fn owner_of(r: &SqliteRow) -> StoreResult<Option<AdvisoryOwner>> {
    match (r.get::<Option<&str>, _>("owner_org"), r.get::<Option<&str>, _>("owner_principal")) {
        (Some(o), Some(p)) => Ok(Some(AdvisoryOwner { org: parse_uuid(o)?, principal: parse_uuid(p)? })),
        _ => Ok(None),
    }
}

fn advisory_from_row(r: &SqliteRow) -> StoreResult<StoredAdvisory> {
    Ok(StoredAdvisory {
        record: serde_json::from_str(r.get("record")).map_err(bad_row)?,
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        owner: owner_of(r)?,
        source: r.get("source"),
        change_seq: r.get("change_seq"),
        imported_at: from_us(r.get("imported_at")),
        updated_at: from_us(r.get("updated_at")),
    })
}

fn asset_from_row(r: &SqliteRow) -> StoreResult<StoredAsset> {
    Ok(StoredAsset {
        id: parse_uuid(r.get("id"))?,
        name: r.get("name"),
        tlp: r.get::<&str, _>("tlp").parse().map_err(bad_row)?,
        owner_org: parse_uuid(r.get("owner_org"))?,
        created_by: parse_uuid(r.get("created_by"))?,
        sbom_format: r.get("sbom_format"),
        sbom_sha256: r.get("sbom_sha256"),
        component_count: r.get("component_count"),
        revision: r.get("revision"),
        mission: serde_json::from_str(r.get("mission")).map_err(bad_row)?,
        created_at: from_us(r.get("created_at")),
        updated_at: from_us(r.get("updated_at")),
    })
}

fn component_from_json(s: &str) -> StoreResult<AssetComponent> {
    serde_json::from_str(s).map_err(bad_row)
}

/// The records of every advisory filed under one of `keys`.
async fn advisories_for_keys(conn: &mut SqliteConnection, keys: &BTreeSet<(String, String)>) -> StoreResult<Vec<Record>> {
    let keys: Vec<&(String, String)> = keys.iter().collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::<Sqlite>::new(
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

fn push_key_values(q: &mut QueryBuilder<Sqlite>, keys: &[&(String, String)]) {
    let mut sep = q.separated(", ");
    for (base, name) in keys {
        sep.push("(");
        sep.push_bind_unseparated(base.clone());
        sep.push_unseparated(", ");
        sep.push_bind_unseparated(name.clone());
        sep.push_unseparated(")");
    }
}

/// The components of all assets filed under one of `keys`, by asset.
async fn components_for_keys(conn: &mut SqliteConnection, keys: &BTreeSet<(String, String)>) -> StoreResult<BTreeMap<Uuid, Vec<AssetComponent>>> {
    let keys: Vec<&(String, String)> = keys.iter().collect();
    let mut out: BTreeMap<Uuid, Vec<AssetComponent>> = BTreeMap::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT asset_id, body FROM asset_components WHERE (base, name_key) IN (VALUES ");
        push_key_values(&mut q, chunk);
        q.push(")");
        for row in q.build().fetch_all(&mut *conn).await.map_err(db_err)? {
            out.entry(parse_uuid(row.get(0))?).or_default().push(component_from_json(row.get(1))?);
        }
    }
    Ok(out)
}

async fn insert_components(conn: &mut SqliteConnection, asset: Uuid, components: &[AssetComponent]) -> StoreResult<()> {
    for chunk in components.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO asset_components (asset_id, idx, base, name_key, body) ");
        q.push_values(chunk, |mut b, c| {
            let (base, name) = match (&c.unmatched, &c.key) {
                (None, Some((b, n))) => (Some(b.clone()), Some(n.clone())),
                _ => (None, None),
            };
            b.push_bind(asset.to_string()).push_bind(c.idx).push_bind(base).push_bind(name).push_bind(serde_json::to_string(c).unwrap_or_default());
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// Writes an asset's evaluated findings (insert or update), keeping `first_seen` of those that
/// existed, and deletes the closed ones.
async fn write_findings(
    conn: &mut SqliteConnection,
    asset: Uuid,
    new: &BTreeMap<(i64, String), FindingEval>,
    closed: &[(i64, String)],
    now: i64,
) -> StoreResult<()> {
    let rows: Vec<_> = new.iter().collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO findings (asset_id, component_idx, advisory_id, verdict, matched, first_seen, updated_at) ");
        q.push_values(chunk, |mut b, ((component, advisory), eval)| {
            b.push_bind(asset.to_string())
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
        sqlx::query("DELETE FROM findings WHERE asset_id = ? AND component_idx = ? AND advisory_id = ?")
            .bind(asset.to_string())
            .bind(component)
            .bind(advisory)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn stored_verdicts(conn: &mut SqliteConnection, asset: Uuid) -> StoreResult<BTreeMap<(i64, String), Verdict>> {
    let rows = sqlx::query("SELECT component_idx, advisory_id, verdict FROM findings WHERE asset_id = ?")
        .bind(asset.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter().map(|r| Ok(((r.get(0), r.get(1)), parse_verdict(r.get(2)).ok_or_else(|| bad_row("verdict"))?))).collect()
}

async fn load_asset(conn: &mut SqliteConnection, id: Uuid) -> StoreResult<StoredAsset> {
    let row = sqlx::query("SELECT * FROM assets WHERE id = ?").bind(id.to_string()).fetch_optional(&mut *conn).await.map_err(db_err)?;
    asset_from_row(&row.ok_or(StoreError::NotFound)?)
}

impl SqliteStore {
    pub(crate) async fn import_advisories_impl(
        &self,
        actor: &AuditActor,
        batch: &[NewAdvisory],
        now: OffsetDateTime,
    ) -> StoreResult<(ImportSummary, Vec<ImportOutcome>)> {
        let at = now;
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let mut summary = ImportSummary::default();
        let mut outcomes = Vec::with_capacity(batch.len());
        // Within one batch a later copy of an id competes with the earlier one as if imported after it.
        let mut changed: BTreeMap<&str, &NewAdvisory> = BTreeMap::new();
        let mut old_keys: BTreeSet<(String, String)> = BTreeSet::new();
        // The stored copies of the batch's ids, a few statements for the whole batch.
        let wanted: Vec<String> = batch.iter().map(|a| a.record.id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let mut stored: BTreeMap<String, Record> = BTreeMap::new();
        for row in rows_in(&mut tx, "SELECT id, record FROM advisories WHERE id IN (", &wanted, "").await? {
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
            if outcome != ImportOutcome::Unchanged {
                changed.insert(id, adv);
            }
            outcomes.push(outcome);
        }
        for o in &outcomes {
            match o {
                ImportOutcome::Inserted => summary.inserted += 1,
                ImportOutcome::Updated => summary.updated += 1,
                ImportOutcome::Unchanged => summary.unchanged += 1,
            }
        }
        if changed.is_empty() {
            return Ok((summary, outcomes));
        }
        let ids: Vec<&str> = changed.keys().copied().collect();
        let seq = Self::record(
            &mut tx,
            now,
            actor,
            "advisories.imported",
            "advisories",
            json!({"source": changed.values().next().map(|a| a.source.as_str()), "changed": ids, "unchanged": summary.unchanged}),
        )
        .await?;
        // The advisories, then their package keys and aliases (the old ones deleted first), a chunk
        // of rows per statement.
        let changed_ids: Vec<String> = changed.keys().map(|id| id.to_string()).collect();
        for table in ["advisory_packages", "advisory_aliases"] {
            rows_in(&mut tx, &format!("DELETE FROM {table} WHERE advisory_id IN ("), &changed_ids, "").await?;
        }
        let mut advisory_rows = Vec::with_capacity(changed.len());
        let mut package_rows: Vec<(String, String, String)> = Vec::new();
        let mut alias_rows: Vec<(String, String)> = Vec::new();
        let mut new_keys = BTreeSet::new();
        for adv in changed.values() {
            let id = adv.record.id.as_str();
            let body = serde_json::to_string(&adv.record).map_err(|e| StoreError::Backend(e.to_string()))?;
            advisory_rows.push((id.to_string(), modified_us(&adv.record), adv.tlp.as_str(), adv.owner, adv.source.clone(), body));
            for (base, name) in advisory_keys(&adv.record) {
                package_rows.push((base.clone(), name.clone(), id.to_string()));
                new_keys.insert((base, name));
            }
            let aliases: BTreeSet<&str> = adv.record.aliases.iter().map(String::as_str).filter(|a| *a != id).collect();
            alias_rows.extend(aliases.into_iter().map(|a| (a.to_string(), id.to_string())));
        }
        let now_us = us(now);
        insert_rows(
            &mut tx,
            "INSERT INTO advisories (id, modified, tlp, owner_org, owner_principal, source, record, change_seq, imported_at, updated_at) ",
            10,
            &advisory_rows,
            " ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, tlp = excluded.tlp, owner_org = excluded.owner_org, \
             owner_principal = excluded.owner_principal, source = excluded.source, record = excluded.record, change_seq = excluded.change_seq, \
             updated_at = excluded.updated_at",
            |b, (id, modified, tlp, owner, source, body)| {
                b.push_bind(id.clone()).push_bind(*modified).push_bind(*tlp);
                b.push_bind(owner.map(|o| o.org.to_string())).push_bind(owner.map(|o| o.principal.to_string()));
                b.push_bind(source.clone()).push_bind(body.clone()).push_bind(seq).push_bind(now_us).push_bind(now_us);
            },
        )
        .await
        .map_err(foreign_key_is_not_found)?;
        insert_rows(&mut tx, "INSERT INTO advisory_packages (base, name_key, advisory_id) ", 3, &package_rows, "", |b, (base, name, id)| {
            b.push_bind(base.clone()).push_bind(name.clone()).push_bind(id.clone());
        })
        .await?;
        insert_rows(&mut tx, "INSERT INTO advisory_aliases (alias, advisory_id) ", 2, &alias_rows, "", |b, (alias, id)| {
            b.push_bind(alias.clone()).push_bind(id.clone());
        })
        .await?;
        // Incremental re-matching: only components filed under a key the changed advisories had
        // or have, and only against the changed advisories.
        let keys: BTreeSet<(String, String)> = old_keys.union(&new_keys).cloned().collect();
        let by_asset = components_for_keys(&mut tx, &keys).await?;
        let index = index_of(changed.values().map(|a| a.record.clone()), now);
        for (asset, components) in &by_asset {
            let mut old = BTreeMap::new();
            for (k, v) in stored_verdicts(&mut tx, *asset).await? {
                if changed.contains_key(k.1.as_str()) {
                    old.insert(k, v);
                }
            }
            let new = evaluate(&index, components);
            let d = diff(&old, &new);
            write_findings(&mut tx, *asset, &new, &d.closed, us(now)).await?;
            if !d.is_empty() {
                summary.findings_opened += d.opened.len();
                summary.findings_closed += d.closed.len();
                summary.assets_changed += 1;
                let mut details = d.details();
                details["cause"] = json!({"action": "advisories.imported", "seq": seq});
                Self::record(&mut tx, now, actor, "asset.findings_changed", &format!("asset:{asset}"), details).await?;
            }
        }
        // The public records join the vulnerability model, in the same transaction.
        let osv: Vec<clearinghouse_advisory::SourceRecord> =
            changed.values().filter(|a| a.tlp == Tlp::Clear).map(|a| clearinghouse_advisory::osv::from_record(&a.record)).collect();
        if !osv.is_empty() {
            let refs: Vec<&clearinghouse_advisory::SourceRecord> = osv.iter().collect();
            summary.vulnerabilities_changed = crate::vulns::import_source_records_in(&mut tx, actor, &refs, at).await?.vulnerabilities_changed;
        }
        tx.commit().await.map_err(db_err)?;
        Ok((summary, outcomes))
    }

    pub(crate) async fn get_advisory_impl(&self, id: &str) -> StoreResult<Option<StoredAdvisory>> {
        let row = sqlx::query("SELECT * FROM advisories WHERE id = ?").bind(id).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.as_ref().map(advisory_from_row).transpose()
    }

    pub(crate) async fn advisories_changed_since_impl(&self, after: (i64, &str), limit: u32) -> StoreResult<Vec<StoredAdvisory>> {
        let rows = sqlx::query("SELECT * FROM advisories WHERE change_seq > ? OR (change_seq = ? AND id > ?) ORDER BY change_seq, id LIMIT ?")
            .bind(after.0)
            .bind(after.0)
            .bind(after.1)
            .bind(limit as i64)
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(advisory_from_row).collect()
    }

    pub(crate) async fn advisory_head_impl(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(change_seq), 0) FROM advisories").fetch_one(&self.reader).await.map_err(db_err)
    }

    pub(crate) async fn create_asset_impl(&self, actor: &AuditActor, asset: &NewAsset, now: OffsetDateTime) -> StoreResult<(StoredAsset, FindingsDiff)> {
        let now = to_micros(now);
        let id = Uuid::now_v7();
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO assets (id, name, tlp, owner_org, created_by, sbom_format, sbom_sha256, component_count, revision, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(id.to_string())
        .bind(&asset.name)
        .bind(asset.tlp.as_str())
        .bind(asset.owner_org.to_string())
        .bind(asset.created_by.to_string())
        .bind(&asset.sbom_format)
        .bind(&asset.sbom_sha256)
        .bind(asset.components.len() as i64)
        .bind(us(now))
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .map_err(missing_is_not_found)?;
        insert_components(&mut tx, id, &asset.components).await?;
        let records = advisories_for_keys(&mut tx, &component_keys(&asset.components)).await?;
        let new = evaluate(&index_of(records, now), &asset.components);
        let d = diff(&BTreeMap::new(), &new);
        write_findings(&mut tx, id, &new, &[], us(now)).await?;
        Self::record(&mut tx, now, actor, "asset.created", &format!("asset:{id}"), asset_details(&d, asset)).await?;
        let stored = load_asset(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
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
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let current = load_asset(&mut tx, id).await?;
        if expected_revision.is_some_and(|r| r != current.revision) {
            return Err(StoreError::Stale);
        }
        let old = stored_verdicts(&mut tx, id).await?;
        sqlx::query("DELETE FROM asset_components WHERE asset_id = ?").bind(id.to_string()).execute(&mut *tx).await.map_err(db_err)?;
        insert_components(&mut tx, id, &asset.components).await?;
        let records = advisories_for_keys(&mut tx, &component_keys(&asset.components)).await?;
        let new = evaluate(&index_of(records, now), &asset.components);
        let d = diff(&old, &new);
        write_findings(&mut tx, id, &new, &d.closed, us(now)).await?;
        sqlx::query(
            "UPDATE assets SET name = ?, tlp = ?, sbom_format = ?, sbom_sha256 = ?, component_count = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
        )
        .bind(&asset.name)
        .bind(asset.tlp.as_str())
        .bind(&asset.sbom_format)
        .bind(&asset.sbom_sha256)
        .bind(asset.components.len() as i64)
        .bind(us(now))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut details = asset_details(&d, asset);
        details["revision"] = json!(current.revision + 1);
        Self::record(&mut tx, now, actor, "asset.updated", &format!("asset:{id}"), details).await?;
        let stored = load_asset(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok((stored, d))
    }

    pub(crate) async fn delete_asset_impl(&self, actor: &AuditActor, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        let current = load_asset(&mut tx, id).await?;
        // The cascades remove components, findings and VEX documents.
        sqlx::query("DELETE FROM assets WHERE id = ?").bind(id.to_string()).execute(&mut *tx).await.map_err(db_err)?;
        Self::record(&mut tx, now, actor, "asset.deleted", &format!("asset:{id}"), json!({"name": current.name})).await?;
        tx.commit().await.map_err(db_err)
    }

    pub(crate) async fn set_asset_mission_impl(&self, actor: &AuditActor, id: Uuid, mission: &AssetMission, now: OffsetDateTime) -> StoreResult<StoredAsset> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        load_asset(&mut tx, id).await?;
        let body = serde_json::to_string(mission).map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::query("UPDATE assets SET mission = ?, updated_at = ? WHERE id = ?")
            .bind(&body)
            .bind(us(now))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        Self::record(&mut tx, now, actor, "asset.mission_set", &format!("asset:{id}"), json!({ "mission": mission })).await?;
        let asset = load_asset(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(asset)
    }

    pub(crate) async fn get_asset_impl(&self, id: Uuid) -> StoreResult<Option<StoredAsset>> {
        let row = sqlx::query("SELECT * FROM assets WHERE id = ?").bind(id.to_string()).fetch_optional(&self.reader).await.map_err(db_err)?;
        row.as_ref().map(asset_from_row).transpose()
    }

    pub(crate) async fn list_assets_impl(&self, owner_org: Option<Uuid>) -> StoreResult<Vec<StoredAsset>> {
        let rows = match owner_org {
            Some(o) => sqlx::query("SELECT * FROM assets WHERE owner_org = ? ORDER BY created_at, id").bind(o.to_string()).fetch_all(&self.reader).await,
            None => sqlx::query("SELECT * FROM assets ORDER BY created_at, id").fetch_all(&self.reader).await,
        }
        .map_err(db_err)?;
        rows.iter().map(asset_from_row).collect()
    }

    pub(crate) async fn asset_components_impl(&self, id: Uuid) -> StoreResult<Vec<AssetComponent>> {
        let rows = sqlx::query("SELECT body FROM asset_components WHERE asset_id = ? ORDER BY idx")
            .bind(id.to_string())
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| component_from_json(r.get(0))).collect()
    }

    pub(crate) async fn asset_findings_impl(&self, id: Uuid) -> StoreResult<Vec<StoredFinding>> {
        let rows = sqlx::query(
            "SELECT c.body, f.advisory_id, f.verdict, f.matched, f.first_seen, f.updated_at, a.record, a.tlp, a.owner_org, a.owner_principal \
             FROM findings f JOIN asset_components c ON c.asset_id = f.asset_id AND c.idx = f.component_idx \
             JOIN advisories a ON a.id = f.advisory_id WHERE f.asset_id = ? ORDER BY f.component_idx, f.advisory_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
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
                    advisory_owner: owner_of(r)?,
                    verdict: parse_verdict(r.get("verdict")).ok_or_else(|| bad_row("verdict"))?,
                    matched: serde_json::from_str(r.get("matched")).map_err(bad_row)?,
                    first_seen: from_us(r.get("first_seen")),
                    updated_at: from_us(r.get("updated_at")),
                })
            })
            .collect()
    }

    pub(crate) async fn add_asset_vex_impl(&self, actor: &AuditActor, asset_id: Uuid, vex: &NewVex, now: OffsetDateTime) -> StoreResult<StoredVex> {
        let now = to_micros(now);
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        load_asset(&mut tx, asset_id).await?;
        let stored = StoredVex {
            id: Uuid::now_v7(),
            asset_id,
            format: vex.format.clone(),
            sha256: vex.sha256.clone(),
            statements: vex.statements.clone(),
            created_by: vex.created_by,
            created_at: now,
        };
        sqlx::query("INSERT INTO asset_vex (id, asset_id, format, sha256, statements, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(stored.id.to_string())
            .bind(asset_id.to_string())
            .bind(&stored.format)
            .bind(&stored.sha256)
            .bind(stored.statements.to_string())
            .bind(stored.created_by.to_string())
            .bind(us(now))
            .execute(&mut *tx)
            .await
            .map_err(missing_is_not_found)?;
        let count = stored.statements.as_array().map_or(0, Vec::len);
        Self::record(
            &mut tx,
            now,
            actor,
            "asset.vex_added",
            &format!("asset:{asset_id}"),
            json!({"vex": stored.id, "format": stored.format, "sha256": stored.sha256, "statements": count}),
        )
        .await?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }

    pub(crate) async fn asset_vex_impl(&self, asset_id: Uuid) -> StoreResult<Vec<StoredVex>> {
        let rows = sqlx::query("SELECT * FROM asset_vex WHERE asset_id = ? ORDER BY created_at, id")
            .bind(asset_id.to_string())
            .fetch_all(&self.reader)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(StoredVex {
                    id: parse_uuid(r.get("id"))?,
                    asset_id: parse_uuid(r.get("asset_id"))?,
                    format: r.get("format"),
                    sha256: r.get("sha256"),
                    statements: serde_json::from_str(r.get("statements")).map_err(bad_row)?,
                    created_by: parse_uuid(r.get("created_by"))?,
                    created_at: from_us(r.get("created_at")),
                })
            })
            .collect()
    }
}
