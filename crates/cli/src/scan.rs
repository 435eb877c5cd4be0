//! `clearinghouse scan`: matches SBOMs and lockfiles against an OSV database on disk (offline) or
//! against a clearinghouse or osv.dev-compatible server.
//!
//! The database and the inputs are only read, never written (a folder or zip database is prepared
//! once into the user's cache folder, see [`crate::osvdb`]). Exit 0 when nothing is found, 1 when
//! any component is affected (or may be: an undetermined verdict), 2 when an input or the database
//! cannot be read. Problems with single components go to stderr (and into the JSON) without
//! changing the exit code.
//!
//! With `--server`, the server says which advisories may concern each (ecosystem, package,
//! version); their records are fetched and evaluated here with the same index as `--db`, so the
//! verdicts and the output are the same as with a local copy of the server's database.

use crate::commands::Outcome;
use crate::osvdb::{LoadOptions, LoadedIndex, Progress, describe, load_index};
use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use clearinghouse_matcher::{CompactScan, FindingRef, Index, ScanInput, component_package, scan_input};
use clearinghouse_osv::{Base, Diagnostic, Verdict, parse_record};
use clearinghouse_sbom::Component;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
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
    /// The OSV database: a folder of records (`*.json`, `*.yaml`, `*.yml`, searched recursively), a zip
    /// of records, one record file, or a prepared index (`clearinghouse db build`).
    #[arg(long, conflicts_with = "server", required_unless_present_any = ["server", "parse_only"])]
    pub db: Option<PathBuf>,
    /// Ask a clearinghouse (or an osv.dev-compatible API) instead of a local database:
    /// `POST URL/v1/querybatch`, then `GET URL/v1/vulns/ID` for each advisory named.
    #[arg(long)]
    pub server: Option<String>,
    /// API token for `--server` (Authorization: Bearer).
    #[arg(long, env = "CLEARINGHOUSE_TOKEN", hide_env_values = true, requires = "server")]
    pub token: Option<String>,
    /// Do not prepare a folder or zip database into the cache folder (or use one prepared before).
    #[arg(long)]
    pub no_cache: bool,
    /// Say on stderr where the index comes from (cache used, rebuilt) and how long each step took.
    #[arg(long, short)]
    pub verbose: bool,
    /// Output format (`--json` alone is the same as `--format json`).
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// Benchmarks only: read and parse the inputs, then stop (the cost of parsing alone).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

/// One scanned input.
struct Scanned {
    source: String,
    input: ScanInput,
    report: CompactScan,
}

impl Scanned {
    /// The findings that count (affected or undetermined), by component then advisory id.
    fn findings(&self) -> impl Iterator<Item = FindingRef<'_>> {
        self.report.findings(&self.input).filter(counts)
    }
}

pub async fn run(args: ScanArgs, json_out: bool) -> anyhow::Result<Outcome> {
    let format = if json_out && args.format == ScanFormat::Table { ScanFormat::Json } else { args.format };
    let started = Instant::now();
    let verbose = |what: &str, since: Instant| {
        if args.verbose {
            eprintln!("{what} in {:.3} s", since.elapsed().as_secs_f64());
        }
    };
    if args.parse_only {
        return parse_only(&args.paths, started);
    }
    // Read every input first: an unreadable one is an error before any work on the database.
    let mut inputs = Vec::with_capacity(args.paths.len());
    {
        let progress = Progress::new("reading inputs", args.paths.len() as u64);
        for path in &args.paths {
            inputs.push((path.display().to_string(), read_input(path)?));
            progress.inc(1);
        }
    }
    verbose("read the inputs", started);
    let now = OffsetDateTime::now_utc();
    let loading = Instant::now();
    // What decides which advisories are needed: each distinct component of every input.
    let components: Vec<&Component> = inputs.iter().flat_map(|(_, s)| s.distinct()).collect();
    let LoadedIndex { index, total } = match (&args.db, &args.server) {
        (Some(db), _) => load_index(db, &components, now, &LoadOptions { cache: !args.no_cache, verbose: args.verbose })?,
        (None, Some(url)) => load_from_server(url, args.token.as_deref(), &components, now).await?,
        (None, None) => bail!("--db or --server is required"),
    };
    verbose(&format!("loaded {} of {total} advisories", index.len()), loading);
    let matching = Instant::now();
    let scanned: Vec<Scanned> = inputs
        .into_iter()
        .map(|(source, input)| {
            let report = scan_input(&index, &input);
            Scanned { source, input, report }
        })
        .collect();
    if args.verbose {
        let components: usize = scanned.iter().map(|s| s.input.len()).sum();
        let findings: usize = scanned.iter().map(|s| s.findings().count()).sum();
        verbose(&format!("matched {components} component(s): {findings} finding(s)"), matching);
    }
    for s in &scanned {
        report_problems(s);
    }
    let found = scanned.iter().any(|s| s.findings().next().is_some());
    let printing = Instant::now();
    match format {
        ScanFormat::Json => print_json(&scanned, total)?,
        ScanFormat::Table => print_table(&scanned, total),
        ScanFormat::Sarif => print_sarif(&scanned, &index)?,
    }
    verbose("printed", printing);
    Ok(if found { Outcome::Found } else { Outcome::Ok })
}

/// A finding that makes the scan "found something": affected, or possibly affected.
fn counts(f: &FindingRef<'_>) -> bool {
    matches!(f.verdict, Verdict::Affected | Verdict::Undetermined)
}

/// `--parse-only`, the benchmark's baseline: reads each input and parses every component, keeping
/// none of them (the least any scan must do).
fn parse_only(paths: &[PathBuf], started: Instant) -> anyhow::Result<Outcome> {
    let mut components = 0;
    for path in paths {
        let read = with_input(path, |bytes, name| {
            clearinghouse_sbom::read_each(bytes, name, &mut |c| {
                std::hint::black_box(c);
            })
        })?;
        components += read.components;
    }
    eprintln!("parsed {components} component(s) in {} input(s) in {:.3} s", paths.len(), started.elapsed().as_secs_f64());
    Ok(Outcome::Ok)
}

/// Reads an SBOM or lockfile into the form a scan needs (never a list of every component: a
/// million-component SBOM costs its own size and little more).
fn read_input(path: &Path) -> anyhow::Result<ScanInput> {
    with_input(path, ScanInput::read)
}

/// Reads the file at `path` and hands its bytes and file name to `read`; either failure names the input.
fn with_input<T>(path: &Path, read: impl FnOnce(&[u8], Option<&str>) -> Result<T, Diagnostic>) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read input {}", path.display()))?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    read(&bytes, file_name.as_deref()).map_err(|d| anyhow::anyhow!("cannot read input {}: {}", path.display(), describe(&d)))
}

/// Queries per `POST /v1/querybatch` (osv.dev's limit).
const QUERY_BATCH: usize = 1000;
/// Records fetched at once.
const FETCH_CONCURRENCY: usize = 8;
/// Pages followed for one query before giving up (osv.dev pages large answers).
const MAX_PAGES: usize = 100;

/// Sends a request built by `request`, retrying connection failures, timeouts, 429 and 502–504
/// (both calls of the protocol only read).
async fn send(request: impl Fn() -> reqwest::RequestBuilder, what: &str) -> anyhow::Result<reqwest::Response> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = request().send().await;
        let transient = match &result {
            Err(e) => e.is_connect() || e.is_timeout(),
            Ok(r) => {
                matches!(r.status(), StatusCode::TOO_MANY_REQUESTS | StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT)
            }
        };
        if transient && attempt < 4 {
            tokio::time::sleep(Duration::from_millis(200 * (1 << attempt))).await;
            continue;
        }
        return result.with_context(|| format!("cannot reach {what}"));
    }
}

async fn answer_json(response: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = response.status();
    let text = response.text().await.with_context(|| format!("reading the answer of {what}"))?;
    if !status.is_success() {
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().or(v["message"].as_str()).map(str::to_string))
            .unwrap_or_else(|| text.chars().take(200).collect());
        bail!("{what} answered {}: {message}", status.as_u16());
    }
    serde_json::from_str(&text).map_err(|e| anyhow!("{what} answered with something that is not JSON ({e})"))
}

/// The URL of `segments` under `base` (each segment percent-encoded).
fn endpoint(base: &reqwest::Url, segments: &[&str]) -> anyhow::Result<reqwest::Url> {
    let mut url = base.clone();
    url.path_segments_mut().map_err(|()| anyhow!("{base} cannot be a server URL"))?.pop_if_empty().extend(segments);
    Ok(url)
}

/// Asks the server which advisories may concern each distinct package version of `components`,
/// fetches those records, and indexes them.
async fn load_from_server(url: &str, token: Option<&str>, components: &[&Component], now: OffsetDateTime) -> anyhow::Result<LoadedIndex> {
    let base = reqwest::Url::parse(url).with_context(|| format!("--server {url} is not a URL"))?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("clearinghouse-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot start an HTTP client")?;
    let authorize = |r: reqwest::RequestBuilder| match token {
        Some(t) => r.bearer_auth(t),
        None => r,
    };
    // The same (ecosystem, name, version) the local scan queries its index with. Go module paths
    // are lower-cased in purls; a server keeps the module's case, so the name as written is sent
    // when the component has it.
    let mut queries: BTreeSet<(String, String, String)> = BTreeSet::new();
    for c in components {
        let Some(p) = component_package(c) else { continue };
        let name = if p.ecosystem.base() == Base::Go && c.name.to_lowercase() == p.name { c.name.clone() } else { p.name };
        queries.insert((p.ecosystem.to_string(), name, p.version));
    }
    let querybatch = endpoint(&base, &["v1", "querybatch"])?;
    let what = format!("POST {querybatch}");
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<((String, String, String), Option<String>)> = queries.into_iter().map(|q| (q, None)).collect();
    let mut pages = 0;
    while !pending.is_empty() {
        pages += 1;
        if pages > MAX_PAGES {
            bail!("{what}: more than {MAX_PAGES} pages of answers");
        }
        let mut next = Vec::new();
        for chunk in pending.chunks(QUERY_BATCH) {
            let body: Vec<Value> = chunk
                .iter()
                .map(|((eco, name, version), page)| {
                    let mut q = json!({ "package": { "ecosystem": eco, "name": name }, "version": version });
                    if let Some(p) = page {
                        q["page_token"] = json!(p);
                    }
                    q
                })
                .collect();
            let body = json!({ "queries": body });
            let answer = answer_json(send(|| authorize(http.post(querybatch.clone()).json(&body)), &what).await?, &what).await?;
            let results = answer["results"].as_array().ok_or_else(|| anyhow!("{what} answered without `results`"))?;
            if results.len() != chunk.len() {
                bail!("{what} answered {} results to {} queries", results.len(), chunk.len());
            }
            for (result, (query, _)) in results.iter().zip(chunk) {
                for v in result["vulns"].as_array().into_iter().flatten() {
                    let id = v["id"].as_str().ok_or_else(|| anyhow!("{what} answered a vulnerability without an id"))?;
                    ids.insert(id.to_string());
                }
                if let Some(token) = result["next_page_token"].as_str().filter(|t| !t.is_empty()) {
                    next.push((query.clone(), Some(token.to_string())));
                }
            }
        }
        pending = next;
    }

    let progress = Progress::new("fetching advisories", ids.len() as u64);
    let mut index = Index::new();
    let mut fetched = 0usize;
    let ids: Vec<String> = ids.into_iter().collect();
    for chunk in ids.chunks(FETCH_CONCURRENCY) {
        let mut tasks = tokio::task::JoinSet::new();
        for id in chunk {
            let url = endpoint(&base, &["v1", "vulns", id])?;
            let (http, token, id) = (http.clone(), token.map(str::to_string), id.clone());
            tasks.spawn(async move {
                let what = format!("GET {url}");
                let request = || {
                    let r = http.get(url.clone());
                    match &token {
                        Some(t) => r.bearer_auth(t),
                        None => r,
                    }
                };
                let response = send(request, &what).await?;
                if response.status() == StatusCode::NOT_FOUND {
                    return Ok::<_, anyhow::Error>((id, None));
                }
                let status = response.status();
                if !status.is_success() {
                    answer_json(response, &what).await?;
                    bail!("{what} answered {status}");
                }
                let bytes = response.bytes().await.with_context(|| format!("reading the answer of {what}"))?;
                Ok((id, Some(bytes)))
            });
        }
        let mut answers = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            answers.push(joined.map_err(|e| anyhow!("fetching an advisory failed: {e}"))??);
        }
        answers.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, bytes) in answers {
            progress.inc(1);
            let Some(bytes) = bytes else {
                progress.warn(&format!("warning: the server named {id} but does not have it; skipped"));
                continue;
            };
            let (record, diagnostics) = parse_record(&bytes);
            match record {
                Some(r) => {
                    if r.id != id {
                        progress.warn(&format!("warning: the server answered record {} for {id}", r.id));
                    }
                    index.insert(r, now);
                    fetched += 1;
                }
                None => {
                    let why: Vec<String> = diagnostics.iter().map(describe).collect();
                    progress.warn(&format!("warning: skipping {id} from the server: not a readable OSV record: {}", why.join("; ")));
                }
            }
        }
    }
    progress.finish();
    Ok(LoadedIndex { index, total: fetched })
}

fn component_label(s: &Scanned, i: usize) -> String {
    match s.input.component(i) {
        Some((c, _)) => match &c.version {
            Some(v) => format!("{} {v}", c.name),
            None => c.name.clone(),
        },
        None => format!("component {i}"),
    }
}

/// Per-component problems on stderr: they never change the exit code.
fn report_problems(s: &Scanned) {
    // The matcher records an unmatched component both ways; say it once, as "unmatched".
    let unmatched: HashSet<(&str, &str)> = s.report.unmatched.iter().filter_map(|(i, why)| Some((s.input.location(*i)?, why.as_str()))).collect();
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for d in s.input.diagnostics.iter().chain(&s.report.diagnostics) {
        if !unmatched.contains(&(d.pointer.as_str(), d.message.as_str())) {
            let _ = writeln!(err, "{}: {}", s.source, describe(d));
        }
    }
    for (i, why) in &s.report.unmatched {
        let _ = writeln!(err, "{}: unmatched {}: {why}", s.source, component_label(s, *i));
    }
    let _ = err.flush();
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Affected => "affected",
        Verdict::Undetermined => "undetermined",
        Verdict::NotAffected => "not affected",
    }
}

/// A sequence serialised as it is iterated, never collected (a million-component scan's findings
/// are written without a copy of them in memory).
struct Lazy<F>(F);

impl<I, F> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
struct JsonScan<R: Serialize> {
    results: R,
    advisories_loaded: usize,
}

#[derive(Serialize)]
struct JsonResult<'a, F: Serialize> {
    source: &'a str,
    findings: F,
    unmatched: Vec<JsonUnmatched<'a>>,
    diagnostics: Vec<&'a Diagnostic>,
}

#[derive(Serialize)]
struct JsonUnmatched<'a> {
    component: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    location: Option<&'a str>,
    reason: &'a str,
}

/// The JSON report, written as it is serialised (a scan of a million components never exists as
/// one JSON tree in memory).
fn print_json(scanned: &[Scanned], loaded: usize) -> anyhow::Result<()> {
    let results = Lazy(|| {
        scanned.iter().map(|s| JsonResult {
            source: &s.source,
            findings: Lazy(move || s.findings()),
            unmatched: s
                .report
                .unmatched
                .iter()
                .map(|(i, why)| {
                    let c = s.input.component(*i);
                    JsonUnmatched {
                        component: *i,
                        name: c.map(|(c, _)| c.name.as_str()),
                        version: c.and_then(|(c, _)| c.version.as_deref()),
                        location: c.map(|(_, at)| at),
                        reason: why,
                    }
                })
                .collect(),
            diagnostics: s.input.diagnostics.iter().chain(&s.report.diagnostics).collect(),
        })
    });
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &JsonScan { results, advisories_loaded: loaded })?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    level: &'static str,
    message: Value,
    locations: Value,
    properties: Value,
}

/// SARIF 2.1.0: one rule per advisory, one result per finding (error when affected, warning when
/// undetermined), located at the input file.
fn print_sarif(scanned: &[Scanned], index: &Index) -> anyhow::Result<()> {
    let mut rule_ids: Vec<&str> = scanned.iter().flat_map(|s| s.findings().map(|f| f.advisory)).collect();
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
    let results = Lazy(|| {
        scanned.iter().flat_map(|s| {
            s.findings().map(move |f| {
                let level = if f.verdict == Verdict::Affected { "error" } else { "warning" };
                let aliases = if f.aliases.is_empty() { String::new() } else { format!(" ({})", f.aliases.join(", ")) };
                let location = s.input.location(f.component).unwrap_or_default();
                SarifResult {
                    rule_id: f.advisory,
                    level,
                    message: json!({ "text": format!("{} {} is {} by {}{aliases}", f.name, f.version, verdict_word(f.verdict), f.advisory) }),
                    locations: json!([{
                        "physicalLocation": { "artifactLocation": { "uri": s.source.replace('\\', "/") } },
                        "logicalLocations": [{ "name": location, "kind": "module" }]
                    }]),
                    properties: json!({ "package": f.name, "version": f.version, "purl": f.purl, "verdict": verdict_word(f.verdict) }),
                }
            })
        })
    });
    let run = json!({ "tool": { "driver": { "name": "clearinghouse", "version": env!("CARGO_PKG_VERSION"), "rules": rules } } });
    #[derive(Serialize)]
    struct Run<'a, R: Serialize> {
        tool: &'a Value,
        results: R,
    }
    #[derive(Serialize)]
    struct Sarif<'a, R: Serialize> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [Run<'a, R>; 1],
    }
    let sarif = Sarif { schema: "https://json.schemastore.org/sarif-2.1.0.json", version: "2.1.0", runs: [Run { tool: &run["tool"], results }] };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &sarif)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

fn print_table(scanned: &[Scanned], loaded: usize) {
    let mut rows: Vec<(&Scanned, FindingRef<'_>)> = scanned.iter().flat_map(|s| s.findings().map(move |f| (s, f))).collect();
    // Affected first, the undetermined apart after them.
    rows.sort_by_key(|(_, f)| f.verdict != Verdict::Affected);
    let affected = rows.iter().filter(|(_, f)| f.verdict == Verdict::Affected).count();
    let undetermined = rows.len() - affected;
    if !rows.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["Input", "Package", "Version", "Advisory", "Aliases", "Verdict"]);
        for (s, f) in &rows {
            t.add_row(vec![
                s.source.clone(),
                f.name.to_string(),
                f.version.to_string(),
                f.advisory.to_string(),
                f.aliases.join(", "),
                verdict_word(f.verdict).to_string(),
            ]);
        }
        println!("{t}");
    }
    let components: usize = scanned.iter().map(|s| s.input.len()).sum();
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
