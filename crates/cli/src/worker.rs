//! `clearinghouse worker`: takes validation jobs from the store with leases, runs each bundle in the
//! sandbox, records the verdict (which moves the report). Any number of workers, on any machines,
//! share one PostgreSQL; `serve` runs one itself unless told not to.
//!
//! A job is done once in effect: a worker renews its lease while it works; one that dies loses the
//! lease when it expires and the job goes to another; a result recorded without the lease is refused
//! by the store, so the first valid result stands.

use crate::config::{ServeArgs, StoreArgs, resolve};
use crate::open::open;
use crate::validate::SandboxArgs;
use clap::Args;
use clearinghouse_sandbox::Sandbox;
use clearinghouse_store::blob::SealedBlobs;
use clearinghouse_store::{Completion, Store, StoreError, ValidationJob, ValidationResult};
use clearinghouse_validation::{RunnerError, RunnerOptions, Validation};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

use crate::commands::Outcome;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// This worker's name in leases and audit events [default: HOSTNAME:PID].
    #[arg(long)]
    pub name: Option<String>,
    /// Stop after this many jobs.
    #[arg(long)]
    pub max_jobs: Option<u64>,
    /// Stop as soon as no job is waiting (for scripts and tests); otherwise keep polling.
    #[arg(long)]
    pub until_idle: bool,
    /// How long a lease lasts; a worker that dies holds its job this long at most. It is renewed
    /// every quarter of it while the job runs.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(2..=3600))]
    pub lease_seconds: u32,
}

/// How long a lease lasts by default.
pub const LEASE: time::Duration = time::Duration::seconds(60);
/// How often an idle worker asks for work.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<SealedBlobs>,
    pub sandbox: Sandbox,
    pub options: RunnerOptions,
    pub name: String,
    pub lease: time::Duration,
}

pub fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".into());
    format!("{host}:{}", std::process::id())
}

impl Worker {
    /// Takes and runs jobs until `max_jobs` are done, or (with `until_idle`) none is waiting.
    pub async fn run(&self, max_jobs: Option<u64>, until_idle: bool) -> anyhow::Result<u64> {
        let mut done = 0;
        while max_jobs.is_none_or(|m| done < m) {
            match self.store.lease_validation(&self.name, self.lease, OffsetDateTime::now_utc()).await {
                Ok(Some(job)) => {
                    self.process(job).await;
                    done += 1;
                }
                Ok(None) if until_idle => break,
                Ok(None) => tokio::time::sleep(IDLE_POLL).await,
                Err(e) => {
                    tracing::warn!(worker = %self.name, error = %e, "leasing a validation job failed");
                    tokio::time::sleep(IDLE_POLL * 4).await;
                }
            }
        }
        Ok(done)
    }

    async fn process(&self, job: ValidationJob) {
        tracing::info!(worker = %self.name, job = %job.id, report = %job.report_id, attempt = job.attempt, "validating");
        // Keep the lease while the sandbox works; the job runs on a blocking thread.
        let renew = {
            let (store, name, id, lease) = (self.store.clone(), self.name.clone(), job.id, self.lease);
            let every = Duration::from_millis((lease.whole_milliseconds() / 4).max(500) as u64);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match store.renew_validation_lease(id, &name, OffsetDateTime::now_utc() + lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(worker = %name, job = %id, "lease lost: another worker has the job");
                            break;
                        }
                        Err(e) => tracing::warn!(worker = %name, job = %id, error = %e, "renewing the lease failed"),
                    }
                }
            })
        };
        let result = self.validate(&job).await;
        renew.abort();
        match self.store.complete_validation(job.id, &self.name, &result, OffsetDateTime::now_utc()).await {
            Ok(Completion::Recorded { moved_to, duplicate_of }) => tracing::info!(
                worker = %self.name, job = %job.id, report = %job.report_id, verdict = %result.verdict,
                moved_to = ?moved_to.map(|s| s.as_str()), duplicate_of = ?duplicate_of.map(|d| d.to_string()), "validated"
            ),
            Err(StoreError::Stale) => tracing::warn!(worker = %self.name, job = %job.id, "result not recorded: the lease had passed to another worker"),
            Err(e) => tracing::error!(worker = %self.name, job = %job.id, error = %e, "recording the result failed; the job will be retried"),
        }
    }

    async fn validate(&self, job: &ValidationJob) -> ValidationResult {
        let bytes = match self.blobs.get(&job.bundle_sha256).await {
            Ok(Some(b)) => b,
            Ok(None) => return failure("sandbox_error", format!("the bundle {} is missing from the blob store", job.bundle_sha256)),
            Err(e) => return failure("sandbox_error", format!("reading the bundle: {e}")),
        };
        let (sandbox, options) = (self.sandbox.clone(), self.options.clone());
        let outcome = tokio::task::spawn_blocking(move || -> Result<Validation, ValidationResult> {
            let dir = tempfile::Builder::new().prefix("clearinghouse-bundle-").tempdir().map_err(|e| failure("sandbox_error", e.to_string()))?;
            let root = clearinghouse_validation::archive::unpack(&bytes, dir.path()).map_err(|problems| invalid(&problems))?;
            clearinghouse_validation::validate(&root, &sandbox, &options).map_err(|e| match e {
                RunnerError::Invalid(problems) => invalid(&problems),
                RunnerError::Io(message) => failure("sandbox_error", message),
            })
        })
        .await;
        match outcome {
            Ok(Ok(v)) => ValidationResult {
                verdict: v.verdict.as_str().to_owned(),
                signature: v.signature.as_ref().map(|s| s.hash.clone()),
                kind: v.signature.as_ref().map(|s| s.kind.clone()),
                document: serde_json::to_value(&v).unwrap_or_default(),
            },
            Ok(Err(result)) => result,
            Err(e) => failure("sandbox_error", format!("the validation task failed: {e}")),
        }
    }
}

fn failure(verdict: &str, message: String) -> ValidationResult {
    ValidationResult { verdict: verdict.to_owned(), signature: None, kind: None, document: serde_json::json!({ "error": message }) }
}

fn invalid(problems: &[clearinghouse_model::Diagnostic]) -> ValidationResult {
    ValidationResult { verdict: "invalid_bundle".to_owned(), signature: None, kind: None, document: serde_json::json!({ "problems": problems }) }
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<Outcome> {
    let settings = resolve(&ServeArgs { store: args.store.clone(), ..ServeArgs::default() })?;
    let opened = open(&settings).await?;
    let (sandbox, options) = args.sandbox.open()?;
    let name = args.name.unwrap_or_else(default_name);
    let lease = time::Duration::seconds(args.lease_seconds.into());
    let worker = Worker { store: opened.store, blobs: opened.blobs, sandbox, options, name, lease };
    tracing::info!(worker = %worker.name, backend = ?worker.options.backend, "worker ready");
    let done = tokio::select! {
        done = worker.run(args.max_jobs, args.until_idle) => done?,
        _ = crate::serve::shutdown_signal() => 0,
    };
    tracing::info!(worker = %worker.name, jobs = done, "worker stopped");
    Ok(Outcome::Ok)
}
