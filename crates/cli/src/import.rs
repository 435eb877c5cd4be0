//! `clearinghouse import osv PATH`: OSV records into the clearinghouse's database, directly (the
//! same `--data-dir` / `--database-url` as `serve`; a running server picks the changes up, since
//! every replica follows the store).
//!
//! Records are read on a blocking thread and imported in batches, each batch one transaction with
//! its audit event and the re-matching of the assets it concerns; reading the next batch overlaps
//! with storing the last. Unreadable records are warned about and skipped; the command fails (exit
//! 2) only when the source cannot be read or holds no readable record.

use crate::commands::Outcome;
use crate::config::StoreArgs;
use crate::osvdb::{Item, Progress, RecordFiles};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use clearinghouse_model::Tlp;
use clearinghouse_store::{AuditActor, ImportSummary, NewAdvisory};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import OSV records (JSON or YAML) from a folder (searched recursively), a zip archive such as
    /// osv.dev's all.zip, a single record file, or a prepared index (`clearinghouse db build`).
    /// Upserts by id and `modified`; withdrawn records stay readable and stop matching.
    Osv(OsvImportArgs),
}

#[derive(Debug, Args)]
pub struct OsvImportArgs {
    pub path: PathBuf,
    /// Records per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub batch: u32,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cmd: ImportCmd, json_out: bool) -> anyhow::Result<Outcome> {
    let ImportCmd::Osv(args) = cmd;
    let settings = crate::config::resolve(&crate::config::ServeArgs { listen: None, store: args.store.clone() })?;
    let files = RecordFiles::open(&args.path)?;
    let opened = crate::open::open(&settings).await?;
    let started = Instant::now();
    let batch_size = args.batch as usize;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewAdvisory>>(2);
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<(usize, usize)> {
        let progress = Progress::new("importing", files.len() as u64);
        let (mut read, mut skipped) = (0usize, 0usize);
        let mut batch = Vec::with_capacity(batch_size);
        files.for_each(Some(&progress), |item| {
            match item {
                Item::File(f) => match f.parse() {
                    Ok(record) => {
                        read += 1;
                        batch.push(NewAdvisory { record, tlp: Tlp::Clear, owner: None, source: "osv".into() });
                    }
                    Err(why) => {
                        skipped += 1;
                        progress.warn(&format!("warning: skipping {}: {why}", f.name));
                    }
                },
                Item::Unreadable { name, error } => {
                    skipped += 1;
                    progress.warn(&format!("warning: skipping {name}: {error}"));
                }
            }
            if batch.len() >= batch_size {
                tx.blocking_send(std::mem::take(&mut batch)).context("the import stopped")?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            tx.blocking_send(batch).context("the import stopped")?;
        }
        progress.finish();
        Ok((read, skipped))
    });
    let mut total = ImportSummary::default();
    while let Some(batch) = rx.recv().await {
        let (s, _) = opened.store.import_advisories(&AuditActor::System, &batch, time::OffsetDateTime::now_utc()).await?;
        total.inserted += s.inserted;
        total.updated += s.updated;
        total.unchanged += s.unchanged;
        total.findings_opened += s.findings_opened;
        total.findings_closed += s.findings_closed;
        total.assets_changed += s.assets_changed;
    }
    let (read, skipped) = reader.await.context("the reader thread failed")??;
    if read == 0 {
        bail!("no readable OSV record in {} ({skipped} file(s) skipped)", args.path.display());
    }
    let secs = started.elapsed().as_secs_f64();
    if json_out {
        let v = json!({
            "read": read, "skipped": skipped, "inserted": total.inserted, "updated": total.updated, "unchanged": total.unchanged,
            "findings_opened": total.findings_opened, "findings_closed": total.findings_closed, "assets_changed": total.assets_changed,
            "seconds": secs,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "imported {read} record(s) from {} in {secs:.1} s ({:.0}/s): {} new, {} updated, {} unchanged, {skipped} skipped; \
             findings: {} opened, {} closed in {} asset(s)",
            args.path.display(),
            read as f64 / secs.max(1e-9),
            total.inserted,
            total.updated,
            total.unchanged,
            total.findings_opened,
            total.findings_closed,
            total.assets_changed
        );
    }
    Ok(Outcome::Ok)
}
