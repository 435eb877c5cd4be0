//! `clearinghouse serve`.

use crate::config::{ServeArgs, resolve};
use crate::open::open;
use anyhow::Context;
use clearinghouse_server::auth::{hash_token, new_token};
use clearinghouse_server::{AppState, ServerConfig};
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = resolve(&args)?;
    let opened = open(&settings).await?;
    let store = opened.store.clone();
    tracing::info!(backend = store.backend(), data_dir = %settings.data_dir.display(), "store ready");

    bootstrap_admin(&*store, &settings.data_dir, settings.org_defaults).await?;

    let config = ServerConfig {
        report_limits: settings.report_limits,
        default_org_limits: settings.org_defaults,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        publisher: settings.publisher.clone(),
    };
    let blobs = opened.blobs.clone();
    let state = AppState::new(opened.store, opened.blobs, config);
    let listener = tokio::net::TcpListener::bind(settings.listen).await.with_context(|| format!("listening on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port when listening on :0.
    println!("listening on http://{addr}");
    std::io::stdout().flush().ok();
    tracing::info!(%addr, "listening");

    let housekeeping = tokio::spawn(housekeeping(store.clone()));
    let workers = embedded_workers(&args, store.clone(), blobs);
    // Every replica drains bulk-intake batches; leases keep two from working on one.
    let indexer = tokio::spawn(clearinghouse_server::run_similarity_indexer(store.clone()));
    let intake = tokio::spawn(clearinghouse_server::routes::intake::run_processor(state.clone(), format!("{}:intake", crate::worker::default_name())));
    clearinghouse_server::serve(listener, state, shutdown_signal()).await.context("serving")?;
    housekeeping.abort();
    intake.abort();
    indexer.abort();
    // A job in progress is left to its lease: another worker takes it when the lease expires.
    workers.iter().for_each(tokio::task::JoinHandle::abort);
    tracing::info!("stopped");
    Ok(())
}

/// The validation workers `serve` runs itself (`--workers`, 1 by default). Where the sandbox is not
/// available the server still serves, says so, and leaves the jobs queued for `clearinghouse worker`s
/// elsewhere.
fn embedded_workers(
    args: &ServeArgs,
    store: std::sync::Arc<dyn clearinghouse_store::Store>,
    blobs: std::sync::Arc<clearinghouse_store::blob::SealedBlobs>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if args.workers == 0 {
        return Vec::new();
    }
    let (sandbox, options) = match args.sandbox.open() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "no embedded validation worker: jobs stay queued for `clearinghouse worker`");
            return Vec::new();
        }
    };
    (0..args.workers)
        .map(|i| {
            let worker = crate::worker::Worker {
                store: store.clone(),
                blobs: blobs.clone(),
                sandbox: sandbox.clone(),
                options: options.clone(),
                name: format!("{}:embedded-{i}", crate::worker::default_name()),
                lease: crate::worker::LEASE,
            };
            tracing::info!(worker = %worker.name, "embedded validation worker started");
            tokio::spawn(async move {
                if let Err(e) = worker.run(None, false).await {
                    tracing::error!(error = %e, "embedded validation worker stopped");
                }
            })
        })
        .collect()
}

/// On an empty database, creates the first admin and writes its token to `<data-dir>/admin.token`
/// (mode 0600). The token is written to a pending file before the database commits, so a crash
/// between the two never leaves an admin whose token nobody has.
async fn bootstrap_admin(store: &dyn clearinghouse_store::Store, data_dir: &Path, limits: clearinghouse_store::OrgLimits) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let token = new_token();
    let pending = data_dir.join("admin.token.pending");
    let final_path = data_dir.join("admin.token");
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&pending)
            .with_context(|| format!("writing {}", pending.display()))?;
        f.write_all(format!("{token}\n").as_bytes())?;
        f.sync_all()?;
    }
    match store.bootstrap_admin(&hash_token(&token), limits, OffsetDateTime::now_utc()).await {
        Ok(Some(_)) => {
            std::fs::rename(&pending, &final_path)?;
            // The path, never the token, goes to the output.
            println!("created the first admin; its token is in {} (mode 0600): read it, then delete the file", final_path.display());
            tracing::info!(path = %final_path.display(), "admin token written");
            Ok(())
        }
        Ok(None) => {
            std::fs::remove_file(&pending).ok();
            Ok(())
        }
        Err(e) => {
            std::fs::remove_file(&pending).ok();
            Err(e).context("creating the first admin")
        }
    }
}

async fn housekeeping(store: std::sync::Arc<dyn clearinghouse_store::Store>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        // Idempotency keys are promised for 24 hours; keep them 48.
        let before = OffsetDateTime::now_utc() - time::Duration::hours(48);
        match store.purge_expired(before).await {
            Ok(n) => tracing::debug!(purged = n, "housekeeping"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
