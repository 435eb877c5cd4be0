//! `clearinghouse scan`: matches SBOMs and lockfiles against an OSV database on disk, offline.
//!
//! The database and the inputs are only read, never written. Exit 0 when nothing is found, 1 when
//! any component is affected (or may be: an undetermined verdict), 2 when an input or the database
//! cannot be read. Problems with single components go to stderr (and into the JSON) without
//! changing the exit code.

use crate::commands::Outcome;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use clearinghouse_matcher::{Finding, Index, ScanReport, scan_sbom};
use clearinghouse_osv::{Diagnostic, Verdict, parse_record, parse_record_yaml};
use clearinghouse_sbom::Sbom;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    Table,
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// SBOMs or lockfiles to scan (CycloneDX, SPDX, Cargo.lock, package-lock.json, requirements.txt, ...).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The OSV database: a folder of records (`*.json`, `*.yaml`, `*.yml`, searched recursively) or one record file.
    #[arg(long)]
    pub db: PathBuf,
    /// Output format (`--json` alone is the same as `--format json`).
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
}

/// One scanned input.
struct Scanned {
    source: String,
    sbom: Sbom,
    report: ScanReport,
}

pub fn run(args: ScanArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let format = if json_out && args.format == ScanFormat::Table { ScanFormat::Json } else { args.format };
    // Read every input first: an unreadable one is an error before any work on the database.
    let mut inputs = Vec::with_capacity(args.paths.len());
    for path in &args.paths {
        inputs.push((path.display().to_string(), read_input(path)?));
    }
    let index = load_db(&args.db, OffsetDateTime::now_utc())?;
    let scanned: Vec<Scanned> = inputs
        .into_iter()
        .map(|(source, sbom)| {
            let report = scan_sbom(&index, &sbom);
            Scanned { source, sbom, report }
        })
        .collect();
    for s in &scanned {
        report_problems(s);
    }
    let found = scanned.iter().flat_map(|s| &s.report.findings).any(counts);
    match format {
        ScanFormat::Json => print_json(&scanned, index.len())?,
        ScanFormat::Table => print_table(&scanned, index.len()),
        ScanFormat::Sarif => print_sarif(&scanned, &index)?,
    }
    Ok(if found { Outcome::Found } else { Outcome::Ok })
}

/// A finding that makes the scan "found something": affected, or possibly affected.
fn counts(f: &Finding) -> bool {
    matches!(f.verdict, Verdict::Affected | Verdict::Undetermined)
}

fn read_input(path: &Path) -> anyhow::Result<Sbom> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read input {}", path.display()))?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    clearinghouse_sbom::read(&bytes, file_name.as_deref()).map_err(|d| anyhow::anyhow!("cannot read input {}: {}", path.display(), describe(&d)))
}

fn describe(d: &Diagnostic) -> String {
    if d.pointer.is_empty() { format!("{}: {}", d.code, d.message) } else { format!("{} at {}: {}", d.code, d.pointer, d.message) }
}

fn is_zip(path: &Path) -> bool {
    let by_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let by_magic = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut magic = [0u8; 4];
            std::io::Read::read_exact(&mut f, &mut magic).map(|()| magic)
        })
        .is_ok_and(|m| &m == b"PK\x03\x04");
    by_name || by_magic
}

fn record_kind(path: &Path) -> Option<bool> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(false),
        "yaml" | "yml" => Some(true),
        _ => None,
    }
}

/// Every record file under `dir`, sorted; symlinked folders are not followed (no cycles).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the database folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the database folder {}", dir.display()))?;
        let path = entry.path();
        let file_type = entry.file_type().with_context(|| format!("cannot read {}", path.display()))?;
        if file_type.is_dir() {
            walk(&path, out)?;
        } else if record_kind(&path).is_some() && (file_type.is_file() || path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Largest record read from a zip entry: the OSV reader refuses more anyway, and the bound keeps a
/// hostile archive (a zip bomb) from inflating entries without limit.
const MAX_ZIP_ENTRY_BYTES: u64 = 16 * 1024 * 1024;
/// Most entries read from one archive (osv.dev's all.zip holds about a million records).
const MAX_ZIP_ENTRIES: usize = 5_000_000;

/// One record file of a database, as read: its name for messages, whether it is YAML, its bytes.
struct RecordFile {
    name: String,
    yaml: bool,
    bytes: Vec<u8>,
}

/// The record files of a database, and how many could not be read (each warned about and skipped).
fn db_files(db: &Path) -> anyhow::Result<(Vec<RecordFile>, usize)> {
    let meta = std::fs::metadata(db).with_context(|| format!("cannot read the database {}", db.display()))?;
    let mut out = Vec::new();
    let mut skipped = 0usize;
    if meta.is_dir() || !is_zip(db) {
        let paths = if meta.is_dir() {
            let mut files = Vec::new();
            walk(db, &mut files)?;
            files.sort();
            files
        } else {
            vec![db.to_path_buf()]
        };
        for path in paths {
            match std::fs::read(&path) {
                // A single file with another extension is read as JSON.
                Ok(bytes) => out.push(RecordFile { name: path.display().to_string(), yaml: record_kind(&path) == Some(true), bytes }),
                Err(e) => {
                    eprintln!("warning: skipping {}: {e}", path.display());
                    skipped += 1;
                }
            }
        }
        return Ok((out, skipped));
    }
    let file = std::fs::File::open(db).with_context(|| format!("cannot read the database {}", db.display()))?;
    let mut archive =
        zip::ZipArchive::new(std::io::BufReader::new(file)).with_context(|| format!("the database {} is not a readable zip archive", db.display()))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        bail!("the database {} holds {} entries; at most {MAX_ZIP_ENTRIES} are read", db.display(), archive.len());
    }
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("warning: skipping entry {i} of {}: {e}", db.display());
                skipped += 1;
                continue;
            }
        };
        // Entry names are the archive's: used only to pick the parser and to name the entry in warnings.
        let entry_name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                eprintln!("warning: skipping entry {i} of {}: {e}", db.display());
                skipped += 1;
                continue;
            }
        };
        let name = format!("{}!{entry_name}", db.display());
        let Some(yaml) = record_kind(Path::new(&entry_name)) else { continue };
        if !entry.is_file() {
            continue;
        }
        let mut bytes = Vec::new();
        let read = std::io::Read::read_to_end(&mut std::io::Read::take(&mut entry, MAX_ZIP_ENTRY_BYTES + 1), &mut bytes);
        match read {
            Ok(n) if n as u64 > MAX_ZIP_ENTRY_BYTES => {
                eprintln!("warning: skipping {name}: larger than {MAX_ZIP_ENTRY_BYTES} bytes");
                skipped += 1;
            }
            Ok(_) => out.push(RecordFile { name, yaml, bytes }),
            Err(e) => {
                eprintln!("warning: skipping {name}: {e}");
                skipped += 1;
            }
        }
    }
    Ok((out, skipped))
}

fn load_db(db: &Path, now: OffsetDateTime) -> anyhow::Result<Index> {
    let (files, mut skipped) = db_files(db)?;
    let mut index = Index::new();
    for RecordFile { name, yaml, bytes } in &files {
        let (record, diagnostics) = if *yaml { parse_record_yaml(bytes) } else { parse_record(bytes) };
        match record {
            Some(r) => {
                index.insert(r, now);
            }
            None => {
                let why: Vec<String> = diagnostics.iter().map(describe).collect();
                eprintln!("warning: skipping {name}: not a readable OSV record: {}", why.join("; "));
                skipped += 1;
            }
        }
    }
    if index.is_empty() {
        bail!("no readable OSV record in the database {} ({} record file(s) looked at, {skipped} unreadable)", db.display(), files.len() + skipped);
    }
    Ok(index)
}

fn component_label(s: &Scanned, i: usize) -> String {
    match s.sbom.components.get(i) {
        Some(c) => match &c.version {
            Some(v) => format!("{} {v}", c.name),
            None => c.name.clone(),
        },
        None => format!("component {i}"),
    }
}

/// Per-component problems on stderr: they never change the exit code.
fn report_problems(s: &Scanned) {
    // The matcher records an unmatched component both ways; say it once, as "unmatched".
    let said_unmatched =
        |d: &Diagnostic| s.report.unmatched.iter().any(|(i, why)| *why == d.message && s.sbom.components.get(*i).is_some_and(|c| c.location == d.pointer));
    for d in s.sbom.diagnostics.iter().chain(&s.report.diagnostics) {
        if !said_unmatched(d) {
            eprintln!("{}: {}", s.source, describe(d));
        }
    }
    for (i, why) in &s.report.unmatched {
        eprintln!("{}: unmatched {}: {why}", s.source, component_label(s, *i));
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::Undetermined => "undetermined",
        Verdict::NotAffected => "not affected",
    }
}

fn print_json(scanned: &[Scanned], loaded: usize) -> anyhow::Result<()> {
    let results: Vec<Value> = scanned
        .iter()
        .map(|s| {
            let findings: Vec<&Finding> = s.report.findings.iter().filter(|f| counts(f)).collect();
            let unmatched: Vec<Value> = s
                .report
                .unmatched
                .iter()
                .map(|(i, why)| {
                    let c = s.sbom.components.get(*i);
                    json!({
                        "component": i,
                        "name": c.map(|c| c.name.clone()),
                        "version": c.and_then(|c| c.version.clone()),
                        "location": c.map(|c| c.location.clone()),
                        "reason": why,
                    })
                })
                .collect();
            let diagnostics: Vec<&Diagnostic> = s.sbom.diagnostics.iter().chain(&s.report.diagnostics).collect();
            json!({ "source": s.source, "findings": findings, "unmatched": unmatched, "diagnostics": diagnostics })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&json!({ "results": results, "advisories_loaded": loaded }))?);
    Ok(())
}

/// SARIF 2.1.0: one rule per advisory, one result per finding (error when affected, warning when
/// undetermined), located at the input file.
fn print_sarif(scanned: &[Scanned], index: &Index) -> anyhow::Result<()> {
    let mut rule_ids: Vec<&str> = scanned.iter().flat_map(|s| s.report.findings.iter().filter(|f| counts(f)).map(|f| f.advisory.as_str())).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let record = index.get(id).map(|a| &a.record);
            let summary = record.and_then(|r| r.summary.clone()).unwrap_or_else(|| id.to_string());
            let mut rule = json!({ "id": id, "shortDescription": { "text": summary } });
            if let Some(details) = record.and_then(|r| r.details.clone()) {
                rule["fullDescription"] = json!({ "text": details });
            }
            rule
        })
        .collect();
    let results: Vec<Value> = scanned
        .iter()
        .flat_map(|s| {
            s.report.findings.iter().filter(|f| counts(f)).map(move |f| {
                let level = if f.verdict == Verdict::Affected { "error" } else { "warning" };
                let aliases = if f.aliases.is_empty() { String::new() } else { format!(" ({})", f.aliases.join(", ")) };
                let location = s.sbom.components.get(f.component).map(|c| c.location.clone()).unwrap_or_default();
                json!({
                    "ruleId": f.advisory,
                    "level": level,
                    "message": { "text": format!("{} {} is {} by {}{aliases}", f.name, f.version, verdict_word(f.verdict), f.advisory) },
                    "locations": [{
                        "physicalLocation": { "artifactLocation": { "uri": s.source.replace('\\', "/") } },
                        "logicalLocations": [{ "name": location, "kind": "module" }]
                    }],
                    "properties": { "package": f.name, "version": f.version, "purl": f.purl, "verdict": verdict_word(f.verdict) }
                })
            })
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "clearinghouse", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results
        }]
    });
    println!("{}", serde_json::to_string_pretty(&sarif)?);
    Ok(())
}

fn print_table(scanned: &[Scanned], loaded: usize) {
    let mut rows: Vec<(&Scanned, &Finding)> = scanned.iter().flat_map(|s| s.report.findings.iter().filter(|f| counts(f)).map(move |f| (s, f))).collect();
    // Affected first, the undetermined apart after them.
    rows.sort_by_key(|(_, f)| f.verdict != Verdict::Affected);
    let affected = rows.iter().filter(|(_, f)| f.verdict == Verdict::Affected).count();
    let undetermined = rows.len() - affected;
    if !rows.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["Input", "Package", "Version", "Advisory", "Aliases", "Verdict"]);
        for (s, f) in &rows {
            t.add_row(vec![s.source.clone(), f.name.clone(), f.version.clone(), f.advisory.clone(), f.aliases.join(", "), verdict_word(f.verdict).to_string()]);
        }
        println!("{t}");
    }
    let components: usize = scanned.iter().map(|s| s.sbom.components.len()).sum();
    if rows.is_empty() {
        println!("No known vulnerabilities: {components} component(s) in {} input(s), {loaded} advisories loaded.", scanned.len());
    } else {
        println!(
            "{} finding(s): {affected} affected, {undetermined} undetermined; {components} component(s) in {} input(s), {loaded} advisories loaded.",
            rows.len(),
            scanned.len()
        );
    }
}
