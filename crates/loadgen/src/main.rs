//! `clearinghouse-loadgen`: the closed-loop load generator of the intake benchmark
//! (`scripts/bench-intake.sh`, `docs/BENCHMARKS.md`). It is a benchmark tool, never a test.
//!
//! `--concurrency N` workers each send one request at a time and send the next as soon as the
//! answer is read (closed loop), over keep-alive connections, so N connections stay busy. Every
//! body is a realistic report document whose title carries a counter, so no two bodies are alike.
//! Requests started during `--warmup` are not measured; the run then lasts `--duration` seconds
//! and/or `--requests` measured requests, whichever ends first, and stops by itself.
//!
//! Any status outside 2xx, and any transport failure, counts as an error and is reported. The exit
//! code follows the `clearinghouse` binary: 0 when every measured request succeeded, 1 when some
//! failed, 2 on a usage or setup error.

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Parser)]
#[command(name = "clearinghouse-loadgen", version, about = "Closed-loop load generator for the Clearinghouse intake benchmark")]
struct Args {
    /// Base URL of the server, for example http://127.0.0.1:8080 (loopback only unless --allow-remote).
    #[arg(long)]
    url: String,
    /// Bearer token. Prefer --token-file: arguments are visible to other users in the process list.
    #[arg(long, env = "CLEARINGHOUSE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// File whose first line is the bearer token.
    #[arg(long, conflicts_with = "token")]
    token_file: Option<PathBuf>,
    /// Route to POST the report document to: /v1/reports, or the floor /v1/reports/validate.
    #[arg(long, default_value = "/v1/reports")]
    path: String,
    /// Requests in flight at once: one worker and one keep-alive connection each.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds to measure after the warm-up (10 when neither --duration nor --requests is given).
    #[arg(long)]
    duration: Option<f64>,
    /// Measured requests to send after the warm-up (the run ends at whichever bound comes first).
    #[arg(long)]
    requests: Option<u64>,
    /// Seconds of load before measuring starts (connections opened, caches and pools warm).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Send a unique Idempotency-Key with every request.
    #[arg(long)]
    idempotency: bool,
    /// Per-request timeout in seconds; a timeout counts as an error.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Send this file's bytes as every body (for example an OSV `querybatch`) instead of the
    /// report template.
    #[arg(long)]
    body_file: Option<PathBuf>,
    /// Client runtime threads. One leaves the most CPU to a server on the same machine.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Processes whose CPU time during the measured window is reported as "server" (repeatable;
    /// Linux /proc only).
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Processes whose CPU time during the measured window is reported as "db", for example the
    /// PostgreSQL backends (repeatable).
    #[arg(long = "db-pid")]
    db_pids: Vec<u32>,
    /// A label copied into the output (for example "sqlite").
    #[arg(long)]
    label: Option<String>,
    /// Print one line of JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Allow a target that is not a loopback address.
    #[arg(long)]
    allow_remote: bool,
}

/// The report document, split around the counter that goes into its title.
struct Template {
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    /// Whether a counter goes between prefix and suffix (a fixed body from `--body-file` has none).
    counted: bool,
}

const COUNTER_MARK: &str = "@@COUNTER@@";

impl Template {
    fn new() -> Self {
        let description = "The `insert_many` method of `SmallVec` computes the new length before reserving \
            capacity and then copies the inserted elements with `ptr::copy` past the end of the inline \
            buffer when the iterator's `size_hint` underestimates its length. A crafted iterator that \
            reports a lower bound of 0 and yields 64 elements writes 48 bytes past the heap allocation \
            on the spilled path. Found by a fuzzing harness driven by the model below; reproduced on \
            x86_64 Linux with AddressSanitizer (heap-buffer-overflow WRITE of size 8). A one-line fix \
            that reserves by the actual count before copying is attached to the upstream advisory draft.";
        let doc = serde_json::json!({
            "title": format!("Heap buffer overflow in smallvec insert_many with a lying size_hint (bench {COUNTER_MARK})"),
            "description": description,
            "affected": [{ "purl": "pkg:cargo/smallvec", "vers": "vers:cargo/>=0.6.3|<0.6.10" }],
            "weaknesses": ["CWE-787"],
            "impact": "memory corruption in any program that passes an untrusted iterator to insert_many",
            "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "finder": {
                "kind": "ai_model",
                "name": "fuzz-agent",
                "version": "2026-05",
                "organization": "example-lab",
                "run_id": "run-7f3a9c2e",
                "human_reviewed": true
            },
            "tlp": "AMBER",
            "contact": "security@example-lab.invalid"
        });
        let text = serde_json::to_string(&doc).expect("the template serializes");
        let at = text.find(COUNTER_MARK).expect("the mark is in the title");
        Self { prefix: text.as_bytes()[..at].to_vec(), suffix: text.as_bytes()[at + COUNTER_MARK.len()..].to_vec(), counted: true }
    }

    fn fixed(body: Vec<u8>) -> Self {
        Self { prefix: body, suffix: Vec::new(), counted: false }
    }

    fn render(&self, n: u64) -> Vec<u8> {
        if !self.counted {
            return self.prefix.clone();
        }
        let digits = n.to_string();
        let mut body = Vec::with_capacity(self.prefix.len() + digits.len() + self.suffix.len());
        body.extend_from_slice(&self.prefix);
        body.extend_from_slice(digits.as_bytes());
        body.extend_from_slice(&self.suffix);
        body
    }
}

struct Shared {
    client: Client,
    url: Url,
    auth: HeaderValue,
    template: Template,
    idempotency: bool,
    run_id: String,
    /// Every request, warm-up included: the title counter.
    counter: AtomicU64,
    /// Measured requests started so far, against --requests.
    measured_started: AtomicU64,
    max_requests: Option<u64>,
    measure_start: Instant,
    end: Option<Instant>,
}

struct WorkerStats {
    hist: Histogram<u64>,
    status: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_error: Option<String>,
    last_done: Option<Instant>,
}

fn new_hist() -> Histogram<u64> {
    // Microseconds, 1 µs to 10 minutes, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("static histogram bounds are valid")
}

async fn worker(shared: Arc<Shared>) -> WorkerStats {
    let mut stats = WorkerStats { hist: new_hist(), status: BTreeMap::new(), transport_errors: 0, first_error: None, last_done: None };
    loop {
        let start = Instant::now();
        if shared.end.is_some_and(|end| start >= end) {
            break;
        }
        let measured = start >= shared.measure_start;
        if measured
            && let Some(max) = shared.max_requests
            && shared.measured_started.fetch_add(1, Ordering::Relaxed) >= max
        {
            break;
        }
        let n = shared.counter.fetch_add(1, Ordering::Relaxed);
        let mut req = shared
            .client
            .post(shared.url.clone())
            .header(AUTHORIZATION, shared.auth.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(shared.template.render(n));
        if shared.idempotency {
            req = req.header("idempotency-key", format!("bench-{}-{n}", shared.run_id));
        }
        // The whole answer is read, so the connection goes back to the pool for the next request.
        let result = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            resp.bytes().await?;
            Ok::<u16, reqwest::Error>(status)
        }
        .await;
        let done = Instant::now();
        let failed = match result {
            Ok(status) => {
                if measured {
                    *stats.status.entry(status).or_default() += 1;
                }
                false
            }
            Err(e) => {
                if measured {
                    stats.transport_errors += 1;
                    stats.first_error.get_or_insert_with(|| error_chain(&e));
                }
                true
            }
        };
        if measured {
            stats.hist.saturating_record(u64::try_from((done - start).as_micros()).unwrap_or(u64::MAX).max(1));
            stats.last_done = Some(done);
        }
        if failed {
            // A refused or broken connection fails at once; do not spin on it.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    stats
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// CPU seconds (user + system) of the given processes, from /proc; None when unreadable.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    let mut ticks = 0u64;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        ticks += fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    }
    // USER_HZ is 100 on every Linux architecture this runs on.
    Some(ticks as f64 / 100.0)
}

/// CPU seconds the whole machine spent busy (all cores, everything but idle and iowait), from /proc/stat.
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect();
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    let busy: u64 = v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    Some(busy as f64 / 100.0)
}

fn self_cpu_seconds() -> Option<f64> {
    cpu_seconds(&[std::process::id()])
}

#[derive(Debug, Clone, Copy)]
struct CpuSample {
    machine: Option<f64>,
    client: Option<f64>,
    server: Option<f64>,
    db: Option<f64>,
}

fn sample_cpu(server: &[u32], db: &[u32]) -> CpuSample {
    let opt = |p: &[u32]| if p.is_empty() { None } else { cpu_seconds(p) };
    CpuSample { machine: machine_busy_seconds(), client: self_cpu_seconds(), server: opt(server), db: opt(db) }
}

#[derive(Debug, Serialize)]
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    p999: f64,
    max: f64,
    mean: f64,
}

#[derive(Debug, Serialize)]
struct Cpu {
    /// CPU seconds used during the measured window.
    client_s: Option<f64>,
    server_s: Option<f64>,
    db_s: Option<f64>,
    /// Every process on the machine, these included: the rest is other load skewing the run.
    machine_s: Option<f64>,
    /// Server (plus db) CPU time per successful request, in microseconds.
    server_us_per_req: Option<f64>,
    db_us_per_req: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    label: Option<String>,
    url: String,
    path: String,
    concurrency: usize,
    threads: usize,
    idempotency: bool,
    body_bytes: usize,
    warmup_s: f64,
    elapsed_s: f64,
    requests: u64,
    ok: u64,
    errors: u64,
    /// Answers by status code (all of them, 2xx included).
    status: BTreeMap<u16, u64>,
    transport_errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_error: Option<String>,
    rps: f64,
    /// Milliseconds.
    latency_ms: Latency,
    cpu: Cpu,
}

fn check_target(url: &Url, allow_remote: bool) -> anyhow::Result<()> {
    if !matches!(url.scheme(), "http" | "https") {
        bail!("--url must be http:// or https://");
    }
    let host = url.host_str().unwrap_or("");
    let loopback = match host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    if !loopback && !allow_remote {
        bail!("refusing to load {}: only loopback targets (127.0.0.1, ::1, localhost) unless --allow-remote", url.host_str().unwrap_or("?"));
    }
    Ok(())
}

fn read_token(args: &Args) -> anyhow::Result<String> {
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => t.clone(),
        (None, Some(path)) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?.lines().next().unwrap_or("").to_string(),
        (None, None) => bail!("give --token-file FILE or --token (or CLEARINGHOUSE_TOKEN)"),
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        bail!("the token is empty");
    }
    Ok(token)
}

async fn run(args: Args) -> anyhow::Result<Report> {
    let base = Url::parse(&args.url).with_context(|| format!("--url {:?}", args.url))?;
    check_target(&base, args.allow_remote)?;
    if !args.path.starts_with('/') {
        bail!("--path starts with /, for example /v1/reports");
    }
    let url = base.join(&args.path).context("joining --url and --path")?;
    if args.concurrency == 0 {
        bail!("--concurrency is at least 1");
    }
    if args.duration.is_some_and(|d| !(d > 0.0 && d.is_finite()))
        || !(args.warmup >= 0.0 && args.warmup.is_finite())
        || !(args.timeout > 0.0 && args.timeout.is_finite())
    {
        bail!("--duration and --timeout are positive seconds, --warmup is zero or more");
    }
    if args.requests == Some(0) {
        bail!("--requests is at least 1");
    }
    let duration = match (args.duration, args.requests) {
        (None, None) => Some(10.0),
        (d, _) => d,
    };
    let token = read_token(&args)?;
    let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).context("the token is not a valid header value")?;
    auth.set_sensitive(true);
    let client = Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .pool_idle_timeout(Duration::from_secs(300))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs_f64(args.timeout))
        .no_proxy()
        .build()
        .context("building the HTTP client")?;

    let template = match &args.body_file {
        Some(path) => Template::fixed(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?),
        None => Template::new(),
    };
    let body_bytes = template.render(0).len();
    let run_id = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0).to_string();
    let t0 = Instant::now();
    let measure_start = t0 + Duration::from_secs_f64(args.warmup);
    let shared = Arc::new(Shared {
        client,
        url: url.clone(),
        auth,
        template,
        idempotency: args.idempotency,
        run_id,
        counter: AtomicU64::new(0),
        measured_started: AtomicU64::new(0),
        max_requests: args.requests,
        measure_start,
        end: duration.map(|d| measure_start + Duration::from_secs_f64(d)),
    });

    let (server_pids, db_pids) = (args.server_pids.clone(), args.db_pids.clone());
    let before = tokio::spawn(async move {
        tokio::time::sleep_until(measure_start.into()).await;
        sample_cpu(&server_pids, &db_pids)
    });
    let workers: Vec<_> = (0..args.concurrency).map(|_| tokio::spawn(worker(shared.clone()))).collect();
    let mut hist = new_hist();
    let mut status = BTreeMap::new();
    let (mut transport_errors, mut first_error, mut last_done) = (0, None, None::<Instant>);
    for w in workers {
        let s = w.await.context("a worker panicked")?;
        hist.add(&s.hist).expect("histograms share bounds");
        for (code, n) in s.status {
            *status.entry(code).or_insert(0) += n;
        }
        transport_errors += s.transport_errors;
        first_error = first_error.or(s.first_error);
        last_done = last_done.max(s.last_done);
    }
    let after = sample_cpu(&args.server_pids, &args.db_pids);
    let before = before.await.context("the CPU sampler panicked")?;

    let requests = hist.len();
    let ok: u64 = status.iter().filter(|(c, _)| (200..300).contains(*c)).map(|(_, n)| n).sum();
    let errors = requests - ok;
    let elapsed = last_done.map(|d| d.saturating_duration_since(measure_start).as_secs_f64()).unwrap_or(0.0);
    let ms = |us: u64| us as f64 / 1000.0;
    let delta = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    let (server_s, db_s) = (delta(before.server, after.server), delta(before.db, after.db));
    let per_req = |s: Option<f64>| s.filter(|_| ok > 0).map(|s| s * 1e6 / ok as f64);
    Ok(Report {
        label: args.label,
        url: base.to_string(),
        path: args.path,
        concurrency: args.concurrency,
        threads: args.threads,
        idempotency: args.idempotency,
        body_bytes,
        warmup_s: args.warmup,
        elapsed_s: elapsed,
        requests,
        ok,
        errors,
        status,
        transport_errors,
        first_error,
        rps: if elapsed > 0.0 { requests as f64 / elapsed } else { 0.0 },
        latency_ms: Latency {
            p50: ms(hist.value_at_quantile(0.50)),
            p90: ms(hist.value_at_quantile(0.90)),
            p99: ms(hist.value_at_quantile(0.99)),
            p999: ms(hist.value_at_quantile(0.999)),
            max: ms(hist.max()),
            mean: hist.mean() / 1000.0,
        },
        cpu: Cpu {
            client_s: delta(before.client, after.client),
            server_s,
            db_s,
            machine_s: delta(before.machine, after.machine),
            server_us_per_req: per_req(server_s),
            db_us_per_req: per_req(db_s),
        },
    })
}

fn print_table(r: &Report) {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    let f = |v: Option<f64>, unit: &str| v.map(|v| format!("{v:.2}{unit}")).unwrap_or_else(|| "-".into());
    let codes = r.status.iter().map(|(c, n)| format!("{c}: {n}")).collect::<Vec<_>>().join(", ");
    let rows: Vec<(&str, String)> = vec![
        ("target", format!("POST {}{}", r.url.trim_end_matches('/'), r.path)),
        ("label", r.label.clone().unwrap_or_else(|| "-".into())),
        ("concurrency", format!("{} (client threads {})", r.concurrency, r.threads)),
        ("body", format!("{} bytes{}", r.body_bytes, if r.idempotency { ", Idempotency-Key" } else { "" })),
        ("measured", format!("{:.2} s after {:.1} s warm-up", r.elapsed_s, r.warmup_s)),
        ("requests", r.requests.to_string()),
        ("req/s", format!("{:.1}", r.rps)),
        ("latency p50 / p90 / p99", format!("{:.2} / {:.2} / {:.2} ms", r.latency_ms.p50, r.latency_ms.p90, r.latency_ms.p99)),
        ("latency p99.9 / max / mean", format!("{:.2} / {:.2} / {:.2} ms", r.latency_ms.p999, r.latency_ms.max, r.latency_ms.mean)),
        ("errors", format!("{} (transport {})", r.errors, r.transport_errors)),
        ("status codes", if codes.is_empty() { "-".into() } else { codes }),
        (
            "CPU client / server / db / machine",
            format!("{} / {} / {} / {}", f(r.cpu.client_s, " s"), f(r.cpu.server_s, " s"), f(r.cpu.db_s, " s"), f(r.cpu.machine_s, " s")),
        ),
        ("server CPU per request", f(r.cpu.server_us_per_req, " µs")),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    if let Some(e) = &r.first_error {
        t.add_row(vec!["first transport error".to_string(), e.clone()]);
    }
    println!("{t}");
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // reqwest is built with rustls but no provider; ring is the one the workspace builds.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads.max(1)).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let json = args.json;
    match runtime.block_on(run(args)) {
        Ok(report) => {
            if json {
                println!("{}", serde_json::to_string(&report).expect("the report serializes"));
            } else {
                print_table(&report);
            }
            if report.errors > 0 {
                eprintln!("{} of {} measured requests failed", report.errors, report.requests);
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_differ_and_parse() {
        let t = Template::new();
        let (a, b) = (t.render(1), t.render(2));
        assert_ne!(a, b);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert!(v["title"].as_str().unwrap().ends_with("(bench 2)"));
        assert_eq!(v["tlp"], "AMBER");
        assert!(v["description"].as_str().unwrap().len() > 300);
    }

    #[test]
    fn only_loopback_without_allow_remote() {
        for ok in ["http://127.0.0.1:8080", "http://[::1]:1", "http://localhost:9"] {
            check_target(&Url::parse(ok).unwrap(), false).unwrap();
        }
        for bad in ["http://10.0.0.1:8080", "http://example.com", "ftp://127.0.0.1/"] {
            assert!(check_target(&Url::parse(bad).unwrap(), false).is_err(), "{bad}");
        }
        check_target(&Url::parse("http://10.0.0.1:8080").unwrap(), true).unwrap();
    }
}
