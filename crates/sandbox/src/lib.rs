//! The sandbox: runs a reporter's proof of concept in a separate, confined process.
//!
//! A caller (the validation runner, a worker) builds a [`RunSpec`] and calls [`Sandbox::run`],
//! which starts the *helper* (the `clearinghouse sandbox-helper` subcommand, or the
//! `clearinghouse-sandbox` binary), hands it the spec on stdin and reads one [`Outcome`] back.
//! The helper is a process of its own because it forks after unsharing namespaces, which a
//! multi-threaded server must not do; see [`helper`] for the process tree.
//!
//! What holds a proof (namespaces backend, the default):
//! - user, mount, pid, network, ipc and uts namespaces: no network at all (not even loopback,
//!   unless asked), no view of host processes, its own hostname;
//! - a fresh root: read-only system folders, a few files of `/etc`, minimal `/dev`, its own
//!   `/proc` and size-capped `/tmp`, and its folder at `/work` (see [`root`]);
//! - landlock over that root, TCP denied, signals and abstract sockets scoped to the sandbox;
//! - a seccomp filter denying what a proof never needs (see `confine::DENIED`); ptrace stays
//!   allowed inside, because LeakSanitizer stops the world with it;
//! - an unprivileged host user of its own per run (or a configured one) when the helper starts as root;
//! - rlimits on CPU, address space, file size, processes and open files; a wall-clock timeout and
//!   a resident-memory watchdog that kill the whole tree; capped capture of stdout and stderr.
//!
//! When isolation is unavailable the helper reports `SetupFailed` and the caller refuses; the
//! [`Backend::Insecure`] backend exists only behind an explicit operator flag.

#![deny(unsafe_code)]

mod bwrap;
mod confine;
pub mod helper;
pub mod outcome;
pub mod root;
pub mod spec;
mod sys;

pub use outcome::{Applied, Captured, Outcome, Termination};
pub use spec::{Backend, Bind, Limits, RunSpec, default_env};

use std::ffi::OsString;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox helper {program:?} could not be started: {source}")]
    Spawn { program: OsString, source: std::io::Error },
    #[error("the sandbox helper failed (status {status}): {stderr}")]
    Helper { status: String, stderr: String },
    #[error("isolation is not available here: {0}")]
    Unavailable(String),
}

/// How to start the helper process.
#[derive(Debug, Clone)]
pub struct Sandbox {
    program: OsString,
    args: Vec<OsString>,
}

/// Time the helper gets beyond the run's own wall clock before the caller kills it.
const HELPER_GRACE: Duration = Duration::from_secs(30);

impl Sandbox {
    /// A helper started as `program args…`.
    pub fn new(program: impl Into<OsString>, args: impl IntoIterator<Item = impl Into<OsString>>) -> Self {
        Self { program: program.into(), args: args.into_iter().map(Into::into).collect() }
    }

    /// Runs one spec in a fresh helper.
    pub fn run(&self, spec: &RunSpec) -> Result<Outcome, SandboxError> {
        let spawn_err = |source| SandboxError::Spawn { program: self.program.clone(), source };
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_err)?;
        let input = serde_json::to_vec(spec).expect("a spec always serialises");
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that died at once shows up in its status below.
            let _ = stdin.write_all(&input);
        }
        let pid = child.id();
        let (done, cancelled) = mpsc::channel::<()>();
        let limit = Duration::from_millis(spec.limits.wall_ms) + HELPER_GRACE;
        let backstop = std::thread::spawn(move || {
            if cancelled.recv_timeout(limit).is_err() {
                // The helper is our unreaped child: its pid cannot have been reused.
                sys::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        });
        let output = child.wait_with_output();
        let _ = done.send(());
        let _ = backstop.join();
        let output = output.map_err(spawn_err)?;
        let stderr = String::from_utf8_lossy(&output.stderr).chars().take(4096).collect::<String>();
        if !output.status.success() {
            return Err(SandboxError::Helper { status: output.status.to_string(), stderr });
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|e| SandboxError::Helper { status: output.status.to_string(), stderr: format!("unreadable outcome: {e}; {stderr}") })
    }

    /// Runs `true` under `backend` in a scratch folder: `Ok` with what was applied, or
    /// `Unavailable` with the step that failed.
    pub fn check(&self, backend: &Backend) -> Result<Applied, SandboxError> {
        let dir = std::env::temp_dir().join(format!("clearinghouse-sandbox-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| SandboxError::Unavailable(format!("scratch folder: {e}")))?;
        let mut spec = RunSpec::new(["true"], &dir);
        spec.backend = backend.clone();
        spec.limits.wall_ms = 10_000;
        let outcome = self.run(&spec);
        let _ = std::fs::remove_dir_all(&dir);
        let outcome = outcome?;
        match outcome.termination {
            Termination::Exited { code: 0 } => Ok(outcome.applied),
            Termination::SetupFailed { message } => Err(SandboxError::Unavailable(message)),
            other => Err(SandboxError::Unavailable(format!("`true` ended as {other:?}"))),
        }
    }
}
