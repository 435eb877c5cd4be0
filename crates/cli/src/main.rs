//! `clearinghouse`: the server, the worker (later) and the command-line client, in one binary.
//!
//! Exit codes, for every command: 0 success; 1 the command's check found what it looks for
//! (tampering for `audit verify`, vulnerabilities for `scan`, an invalid document for a validator);
//! 2 any error (usage, I/O, network, authentication, denied, not found).

mod client;
mod commands;
mod config;
mod csaf;
mod cvss;
mod export;
mod import;
mod open;
mod osvdb;
mod scan;
mod serve;
mod validate;
mod worker;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "clearinghouse",
    version,
    about = "AI cybersecurity clearinghouse: intake, validation, coordination and distribution of vulnerability reports"
)]
struct Cli {
    /// Print JSON for scripts instead of tables for people.
    #[arg(long, global = true)]
    json: bool,
    /// Log format: text or json.
    #[arg(long, env = "CLEARINGHOUSE_LOG_FORMAT", default_value = "text", global = true)]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (SQLite in ./clearinghouse-data by default).
    Serve(config::ServeArgs),
    /// Submit, list, show and move reports.
    #[command(subcommand)]
    Report(commands::ReportCmd),
    /// Create and list organisations.
    #[command(subcommand)]
    Org(commands::OrgCmd),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(commands::TokenCmd),
    /// Check the audit log's hash chain.
    #[command(subcommand)]
    Audit(commands::AuditCmd),
    /// Manage the at-rest encryption keys.
    #[command(subcommand)]
    Keys(commands::KeysCmd),
    /// Scan SBOMs and lockfiles against an OSV database on disk (offline) or a server. Exit 0 nothing
    /// found, 1 vulnerabilities found (affected or undetermined), 2 an input or the database cannot be read.
    Scan(scan::ScanArgs),
    /// Prepare OSV databases for fast offline scans.
    #[command(subcommand)]
    Db(osvdb::DbCmd),
    /// Import advisories into the database (the same --data-dir / --database-url as serve).
    #[command(subcommand)]
    Import(import::ImportCmd),
    /// Write one vulnerability of the database (the same --data-dir / --database-url as serve), by any
    /// of its ids, as an OSV record, a CSAF 2.0 document or a CVE 5 CNA container: pretty JSON on
    /// stdout or in --output. What the format cannot carry and the OSV linter's problems are warnings
    /// on stderr. Exit 0 written, 2 any error (not in the database included).
    Export(export::ExportArgs),
    /// Score CVSS v2, v3.0, v3.1 and v4.0 vectors offline: base, temporal or threat, and environmental
    /// scores with their severities. Exit 0 all vectors valid, 2 any vector invalid (every problem listed).
    Cvss(cvss::CvssArgs),
    /// Validate CSAF 2.0 documents offline: the JSON schema and every mandatory test (6.1.1 to
    /// 6.1.33). Exit 0 all valid, 1 any invalid (every failure listed), 2 a file cannot be read or is not JSON.
    #[command(subcommand)]
    Csaf(csaf::CsafCmd),
    /// Build and run a reproduction bundle (a folder with bundle.toml) in the sandbox and print the
    /// verdict; --json prints the whole validation. Exit 0 a verdict was reached (whatever it is),
    /// 2 the bundle is invalid, isolation is unavailable, or another error.
    Validate(validate::ValidateArgs),
    /// Take validation jobs from the store (the same --data-dir / --database-url as serve) and run
    /// them in the sandbox; any number of workers may share one PostgreSQL. Runs until stopped, or
    /// --until-idle / --max-jobs.
    Worker(worker::WorkerArgs),
    /// The sandbox helper process (internal: reads a run spec on stdin, writes the outcome on stdout).
    #[command(hide = true)]
    SandboxHelper,
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    // The helper forks after unsharing namespaces, which is only sound in a single-threaded
    // process: it must run before anything (the async runtime) starts a thread.
    if std::env::args_os().nth(1).is_some_and(|a| a == "sandbox-helper") {
        clearinghouse_sandbox::helper::main(std::env::args_os().nth(2));
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // reqwest's rustls needs a process-wide crypto provider; ring is the one we build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The server wants every core; the other commands do one thing at a time (their concurrency is
    // async I/O), and a one-thread runtime starts and stops in a fraction of a scan's few
    // milliseconds.
    let mut builder = match cli.command {
        Command::Serve(_) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let json = cli.json;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => {
                init_logging(&cli.log_format);
                serve::run(args).await.map(|()| commands::Outcome::Ok)
            }
            Command::Report(c) => commands::report(c, json).await,
            Command::Org(c) => commands::org(c, json).await,
            Command::Token(c) => commands::token(c, json).await,
            Command::Audit(c) => commands::audit(c, json).await,
            Command::Keys(c) => commands::keys(c, json).await,
            Command::Scan(args) => scan::run(args, json).await,
            Command::Db(c) => osvdb::db(c, json),
            Command::Import(c) => import::run(c, json).await,
            Command::Export(args) => export::run(args, json).await,
            Command::Cvss(args) => cvss::run(args, json),
            Command::Csaf(c) => csaf::run(c, json),
            Command::Validate(args) => validate::run(args, json),
            Command::Worker(args) => {
                init_logging(&cli.log_format);
                worker::run(args).await
            }
            Command::SandboxHelper => unreachable!("handled before the runtime starts"),
        }
    });
    match result {
        Ok(commands::Outcome::Ok) => ExitCode::SUCCESS,
        Ok(commands::Outcome::Found) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
