//! Validation of proofs of concept: the reproduction bundle format ([`bundle`]), what a run shows
//! against the bundle's oracle and what N runs add up to ([`verdict`], pure), and the runner that
//! builds and runs a bundle in the sandbox ([`runner`], the only I/O here).
//!
//! The result of one validation is a [`Validation`]: the verdict, the runs, the claimed crash's
//! signature, the fix's verdict, and the evidence behind each (truncated logs, hashes, timings).
//! `clearinghouse validate BUNDLE --json` prints exactly this document.

pub mod archive;
pub mod bundle;
pub mod runner;
pub mod verdict;

pub use bundle::{Manifest, Oracle};
pub use runner::{RunnerError, RunnerOptions, validate};
pub use verdict::{FixVerdict, Verdict};

use clearinghouse_crash::Crash;
use clearinghouse_sandbox::Termination;
use serde::{Deserialize, Serialize};

/// The outcome of validating one bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// The bundle's name, when it gives one.
    pub bundle: Option<String>,
    pub verdict: Verdict,
    /// Runs of the proof made (0 when the build failed).
    pub runs: u32,
    /// Runs that met the oracle.
    pub reproduced_runs: u32,
    /// The claimed crash: the one that met a sanitizer or crash oracle.
    pub signature: Option<SignatureReport>,
    pub fix: FixReport,
    pub build: BuildEvidence,
    pub evidence: Vec<RunEvidence>,
    pub sandbox: SandboxReport,
    pub wall_ms: u64,
}

/// A crash as reported: kind, normalised frames and the signature hash over both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReport {
    pub kind: String,
    pub frames: Vec<String>,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl From<Crash> for SignatureReport {
    fn from(c: Crash) -> Self {
        Self { kind: c.kind, frames: c.frames, hash: c.signature, summary: c.summary }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixReport {
    pub verdict: FixVerdict,
    pub reason: String,
    pub runs: u32,
    /// Runs of the fixed variant in which the claimed crash still showed.
    pub claim_seen_runs: u32,
    /// Crashes of another class in the fixed variant: findings of their own.
    pub other_findings: Vec<SignatureReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildEvidence>,
    pub evidence: Vec<RunEvidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildEvidence {
    pub ok: bool,
    /// Index of the build command that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_command: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination: Option<Termination>,
    pub wall_ms: u64,
    /// The end of the build's output.
    pub log_tail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEvidence {
    pub run: u32,
    pub termination: Termination,
    pub matched: bool,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub stdout: StreamEvidence,
    pub stderr: StreamEvidence,
    /// Every crash report in the run's output.
    pub crashes: Vec<SignatureReport>,
}

/// One output stream as evidence: a hash of what was kept, its size, and its end as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamEvidence {
    /// SHA-256 of the captured bytes (the first `output_bytes` of the stream).
    pub sha256: String,
    /// Bytes the proof wrote in all.
    pub bytes: u64,
    pub truncated: bool,
    pub tail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxReport {
    pub backend: String,
    pub namespaces: bool,
    pub landlock_abi: i32,
    pub seccomp: bool,
    pub host_uid: u32,
}
