//! `clearinghouse import osv PATH`: OSV records into the clearinghouse's database, directly (the
//! same `--data-dir` / `--database-url` as `serve`; a running server picks the changes up, since
//! every replica follows the store). `clearinghouse import cve5|csaf|kev PATH`: CVE JSON 5 records,
//! CSAF 2.0 documents and CISA's KEV catalog into the vulnerability model (`clearinghouse_store::vulns`), where they join
//! the vulnerabilities their ids and aliases name.
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
    Osv(ImportArgs),
    /// Import CVE JSON 5.x records (full records or CNA containers named by their file's CVE id) from
    /// a folder (searched recursively), a zip or one file. Every problem of a record is listed with its
    /// JSON pointer on stderr; the readable rest is imported.
    Cve5(ImportArgs),
    /// Import CISA's Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json).
    Kev(ImportArgs),
    /// Import CSAF 2.0 documents (a folder searched recursively, a zip or one file): one record per
    /// vulnerability, with its product statuses (VEX included), scores and remediations.
    Csaf(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub path: PathBuf,
    /// Records per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub batch: u32,
    /// Read and parse every record as an import would, and write nothing (no database is opened):
    /// checks a source, and measures what parsing alone costs.
    #[arg(long)]
    pub parse_only: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub async fn run(cmd: ImportCmd, json_out: bool) -> anyhow::Result<Outcome> {
    let args = match cmd {
        ImportCmd::Osv(args) => args,
        ImportCmd::Cve5(args) => return import_sources("cve5", args, json_out).await,
        ImportCmd::Kev(args) => return import_sources("kev", args, json_out).await,
        ImportCmd::Csaf(args) => return import_sources("csaf", args, json_out).await,
    };
    let settings = crate::config::resolve(&crate::config::ServeArgs { store: args.store.clone(), ..Default::default() })?;
    let files = RecordFiles::open(&args.path)?;
    let opened = if args.parse_only { None } else { Some(crate::open::open(&settings).await?) };
    let started = Instant::now();
    let batch_size = args.batch as usize;
    let lint = !args.parse_only;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewAdvisory>>(2);
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<(usize, usize, usize)> {
        let progress = Progress::new("importing", files.len() as u64);
        let (mut read, mut skipped, mut linted) = (0usize, 0usize, 0usize);
        let mut batch = Vec::with_capacity(batch_size);
        files.for_each(Some(&progress), |item| {
            match item {
                Item::File(f) => match f.parse() {
                    Ok(record) => {
                        read += 1;
                        // Imported as written; what the OSV linter finds is told, not fixed.
                        if lint {
                            let problems = clearinghouse_osv::lint(&record);
                            linted += usize::from(!problems.is_empty());
                            for d in problems.iter().filter(|d| clearinghouse_osv::lint::level(&d.code) == clearinghouse_osv::lint::Level::Error) {
                                progress.warn(&format!("lint: {}: {}", f.name, crate::osvdb::describe(d)));
                            }
                        }
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
        Ok((read, skipped, linted))
    });
    let mut total = ImportSummary::default();
    while let Some(batch) = rx.recv().await {
        let Some(opened) = &opened else { continue };
        let (s, _) = opened.store.import_advisories(&AuditActor::System, &batch, time::OffsetDateTime::now_utc()).await?;
        total.inserted += s.inserted;
        total.updated += s.updated;
        total.unchanged += s.unchanged;
        total.findings_opened += s.findings_opened;
        total.findings_closed += s.findings_closed;
        total.assets_changed += s.assets_changed;
        total.vulnerabilities_changed += s.vulnerabilities_changed;
    }
    let (read, skipped, linted) = reader.await.context("the reader thread failed")??;
    if read == 0 {
        bail!("no readable OSV record in {} ({skipped} file(s) skipped)", args.path.display());
    }
    let secs = started.elapsed().as_secs_f64();
    if args.parse_only {
        return parsed_only(json_out, read, skipped, secs);
    }
    if json_out {
        let v = json!({
            "read": read, "skipped": skipped, "records_with_lint_problems": linted, "vulnerabilities_changed": total.vulnerabilities_changed,
            "inserted": total.inserted, "updated": total.updated, "unchanged": total.unchanged,
            "findings_opened": total.findings_opened, "findings_closed": total.findings_closed, "assets_changed": total.assets_changed,
            "seconds": secs,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "imported {read} record(s) from {} in {secs:.1} s ({:.0}/s): {} new, {} updated, {} unchanged, {skipped} skipped; \
             findings: {} opened, {} closed in {} asset(s); {} vulnerabilit(ies) of the model written; {linted} record(s) with lint problems \
             (errors listed above)",
            args.path.display(),
            read as f64 / secs.max(1e-9),
            total.inserted,
            total.updated,
            total.unchanged,
            total.findings_opened,
            total.findings_closed,
            total.assets_changed,
            total.vulnerabilities_changed
        );
    }
    Ok(Outcome::Ok)
}

/// `import cve5|csaf|kev`: reads every file, then imports the records in batches (the alias graph
/// links records across batches through the store).
async fn import_sources(format: &str, args: ImportArgs, json_out: bool) -> anyhow::Result<Outcome> {
    use clearinghouse_store::vulns::{NewSourceRecord, VulnImportSummary};
    let settings = crate::config::resolve(&crate::config::ServeArgs { store: args.store.clone(), ..Default::default() })?;
    let files = RecordFiles::open(&args.path)?;
    let started = Instant::now();
    let mut records = Vec::new();
    let (mut read, mut skipped, mut problems) = (0usize, 0usize, 0usize);
    {
        let progress = Progress::new("reading", files.len() as u64);
        files.for_each(Some(&progress), |item| {
            match item {
                Item::File(f) => {
                    // A bare CNA container does not name its CVE: its file name does (CVE-2024-1234.json).
                    let stem = f.name.rsplit(['/', '\\']).next().unwrap_or(&f.name).trim_end_matches(".json");
                    let hint = stem.starts_with("CVE-").then_some(stem);
                    let got = match format {
                        "kev" => clearinghouse_advisory::kev::read(&f.bytes).map(|(_, i)| i),
                        "csaf" => clearinghouse_advisory::csaf::read(&f.bytes),
                        _ => clearinghouse_advisory::cve5::read(&f.bytes, hint),
                    };
                    match got {
                        Ok(i) => {
                            read += 1;
                            problems += i.diagnostics.len();
                            for d in &i.diagnostics {
                                progress.warn(&format!("{}: {}", f.name, crate::osvdb::describe(d)));
                            }
                            records.extend(i.records.into_iter().map(|record| NewSourceRecord { record, tlp: Tlp::Clear }));
                        }
                        Err(d) => {
                            skipped += 1;
                            progress.warn(&format!("warning: skipping {}: {}", f.name, crate::osvdb::describe(&d)));
                        }
                    }
                }
                Item::Unreadable { name, error } => {
                    skipped += 1;
                    progress.warn(&format!("warning: skipping {name}: {error}"));
                }
            }
            Ok(())
        })?;
    }
    if read == 0 {
        bail!("no readable {format} document in {} ({skipped} file(s) skipped)", args.path.display());
    }
    if args.parse_only {
        return parsed_only(json_out, records.len(), skipped, started.elapsed().as_secs_f64());
    }
    let opened = crate::open::open(&settings).await?;
    let mut total = VulnImportSummary::default();
    let progress = Progress::new("importing", records.len() as u64);
    for chunk in records.chunks(args.batch as usize) {
        let s = opened.store.import_source_records(&AuditActor::System, chunk, time::OffsetDateTime::now_utc()).await?;
        total.inserted += s.inserted;
        total.updated += s.updated;
        total.unchanged += s.unchanged;
        total.vulnerabilities_changed += s.vulnerabilities_changed;
        total.vulnerabilities_removed += s.vulnerabilities_removed;
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    if json_out {
        let v = json!({
            "documents": read, "skipped": skipped, "problems": problems, "records": records.len(),
            "inserted": total.inserted, "updated": total.updated, "unchanged": total.unchanged,
            "vulnerabilities_changed": total.vulnerabilities_changed, "vulnerabilities_removed": total.vulnerabilities_removed, "seconds": secs,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "imported {} record(s) from {read} {format} document(s) in {secs:.1} s: {} new, {} updated, {} unchanged, {skipped} skipped, \
             {problems} problem(s) listed; {} vulnerabilit(ies) written",
            records.len(),
            total.inserted,
            total.updated,
            total.unchanged,
            total.vulnerabilities_changed
        );
    }
    Ok(Outcome::Ok)
}

/// The summary of `--parse-only`: records read, nothing written.
fn parsed_only(json_out: bool, records: usize, skipped: usize, secs: f64) -> anyhow::Result<Outcome> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(&json!({"parse_only": true, "records": records, "skipped": skipped, "seconds": secs}))?);
    } else {
        println!("parsed {records} record(s) in {secs:.2} s ({:.0}/s), {skipped} skipped; nothing written", records as f64 / secs.max(1e-9));
    }
    Ok(Outcome::Ok)
}
