//! Builds and runs a bundle in the sandbox: the only part of this crate that does I/O.
//!
//! A job gets a fresh folder: `vulnerable/` (a copy of the source) and, when the bundle has a
//! fixed variant, `fixed/`. Each build command and each run is its own sandboxed process with
//! that folder at `/work`; nothing of the host but the read-only system folders is visible.

use crate::bundle::{self, MANIFEST, Manifest};
use crate::verdict::{self, FixResult, Judgement, Verdict};
use crate::{BuildEvidence, FixReport, RunEvidence, SandboxReport, SignatureReport, StreamEvidence, Validation};
use clearinghouse_crash::Crash;
use clearinghouse_model::diagnostic::Diagnostic;
use clearinghouse_sandbox::{Backend, Captured, Limits, Outcome, RunSpec, Sandbox, Termination};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The most a bundle's files may hold, in bytes and in entries.
pub const MAX_BUNDLE_BYTES: u64 = 256 << 20;
pub const MAX_BUNDLE_ENTRIES: usize = 100_000;
/// Bytes of each stream's end kept as evidence text.
const TAIL_BYTES: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("the bundle is not valid")]
    Invalid(Vec<Diagnostic>),
    #[error("{0}")]
    Io(String),
}

/// How to run bundles.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub backend: Backend,
    /// Overrides the bundle's number of runs.
    pub runs: Option<u32>,
    /// Where job folders are made (the system's temporary folder by default).
    pub work_root: Option<PathBuf>,
    /// Keep the job folder afterwards (for debugging a bundle).
    pub keep_workdir: bool,
    /// Host user and group of proofs when running as root.
    pub run_as: Option<(u32, u32)>,
    /// Resident memory limit of a run's process tree.
    pub memory_bytes: u64,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self { backend: Backend::Namespaces, runs: None, work_root: None, keep_workdir: false, run_as: None, memory_bytes: Limits::default().memory_bytes }
    }
}

/// Reads and checks a bundle's manifest.
pub fn load(bundle: &Path) -> Result<Manifest, RunnerError> {
    let path = bundle.join(MANIFEST);
    // Not followed if it is a link: a bundle's files are read where they are, never elsewhere on the host.
    let meta =
        fs::symlink_metadata(&path).map_err(|e| RunnerError::Invalid(vec![Diagnostic::new(bundle::codes::MISSING, "", format!("{}: {e}", path.display()))]))?;
    if !meta.is_file() {
        return Err(RunnerError::Invalid(vec![Diagnostic::new(bundle::codes::MISSING, "", format!("{} is not a regular file", path.display()))]));
    }
    if meta.len() > bundle::MAX_MANIFEST_BYTES as u64 {
        return Err(RunnerError::Invalid(vec![Diagnostic::new(bundle::codes::TOO_LARGE, "", format!("{MANIFEST} is {} bytes", meta.len()))]));
    }
    let text = fs::read(&path).map_err(|e| RunnerError::Io(format!("{}: {e}", path.display())))?;
    bundle::parse(&text, |rel| fs::symlink_metadata(bundle.join(rel)).ok().filter(|m| !m.file_type().is_symlink()).map(|m| m.is_dir()))
        .map_err(RunnerError::Invalid)
}

/// Validates the bundle in folder `bundle`.
pub fn validate(bundle: &Path, sandbox: &Sandbox, options: &RunnerOptions) -> Result<Validation, RunnerError> {
    let manifest = load(bundle)?;
    let started = Instant::now();
    let root = options.work_root.clone().unwrap_or_else(std::env::temp_dir);
    let job = tempfile::Builder::new()
        .prefix("clearinghouse-job-")
        .tempdir_in(&root)
        .map_err(|e| RunnerError::Io(format!("job folder in {}: {e}", root.display())))?;
    // The job folder must be reachable by the sandbox user when the runner is root.
    set_mode(job.path(), 0o755)?;
    let result = run_job(bundle, &manifest, job.path(), sandbox, options);
    if options.keep_workdir {
        let kept = job.keep();
        eprintln!("job folder kept: {}", kept.display());
    }
    let mut v = result?;
    v.wall_ms = started.elapsed().as_millis() as u64;
    Ok(v)
}

fn run_job(bundle: &Path, m: &Manifest, job: &Path, sandbox: &Sandbox, options: &RunnerOptions) -> Result<Validation, RunnerError> {
    let runs = options.runs.unwrap_or_else(|| m.runs()).clamp(1, bundle::MAX_RUNS);
    let vulnerable = job.join("vulnerable");
    copy_tree(&bundle.join(&m.source.dir), &vulnerable)?;
    let build = build(sandbox, options, m, &vulnerable, &m.build.commands)?;
    let mut observed = Vec::new();
    if build.ok {
        observed = run_proof(sandbox, options, m, &vulnerable, runs)?;
    }
    let pairs: Vec<(Termination, Judgement)> = observed.iter().map(|(o, j)| (o.termination.clone(), j.clone())).collect();
    let verdict = verdict::verdict(&m.oracle, build.ok, &pairs);
    let claimed: Option<Crash> = observed.iter().find_map(|(_, j)| j.matched_crash.clone());
    let fix = match (&m.fixed, verdict.showed_bug()) {
        (None, _) => FixReport::from_result(FixResult::not_tested("the bundle has no fixed variant"), None, Vec::new()),
        (Some(_), false) => FixReport::from_result(FixResult::not_tested("the proof did not show the bug on the vulnerable build"), None, Vec::new()),
        (Some(fixed), true) => check_fix(bundle, m, fixed, job, claimed.as_ref(), sandbox, options, runs)?,
    };
    let verdict = if build.sandbox_error() { Verdict::SandboxError } else { verdict };
    Ok(assemble(m, verdict, build.evidence, &observed, claimed, fix))
}

/// Builds the fixed variant and runs the same proof against it.
#[allow(clippy::too_many_arguments)]
fn check_fix(
    bundle: &Path,
    m: &Manifest,
    fixed: &crate::bundle::Fixed,
    job: &Path,
    claimed: Option<&Crash>,
    sandbox: &Sandbox,
    options: &RunnerOptions,
    runs: u32,
) -> Result<FixReport, RunnerError> {
    let dir = job.join("fixed");
    let mut commands = Vec::new();
    match (&fixed.dir, &fixed.patch) {
        (Some(d), _) => copy_tree(&bundle.join(d), &dir)?,
        (None, Some(p)) => {
            copy_tree(&bundle.join(&m.source.dir), &dir)?;
            fs::copy(bundle.join(p), dir.join(".clearinghouse-fix.patch")).map_err(|e| RunnerError::Io(format!("copy the patch: {e}")))?;
            // Applied in the sandbox like any build step: a patch is reporter input too.
            commands.push("patch -p1 --batch --forward -i .clearinghouse-fix.patch && rm .clearinghouse-fix.patch".to_owned());
        }
        (None, None) => return Err(RunnerError::Io("the fixed variant names neither a folder nor a patch".into())),
    }
    commands.extend(fixed.commands.clone().unwrap_or_else(|| m.build.commands.clone()));
    let built = build(sandbox, options, m, &dir, &commands)?;
    let observed = if built.ok { run_proof(sandbox, options, m, &dir, runs)? } else { Vec::new() };
    let pairs: Vec<_> = observed.iter().map(|(o, j)| (o.termination.clone(), j.clone())).collect();
    let mut result = verdict::fix_verdict(&m.oracle, claimed, built.ok, &pairs);
    if !built.ok {
        result.reason = format!("{}: {}", result.reason, built.evidence.log_tail.lines().last().unwrap_or_default());
    }
    Ok(FixReport::from_result(result, Some(built.evidence), evidence_of(&observed)))
}

fn assemble(m: &Manifest, verdict: Verdict, build: BuildEvidence, observed: &[(Outcome, Judgement)], claimed: Option<Crash>, fix: FixReport) -> Validation {
    let applied = observed.first().map(|(o, _)| o.applied.clone()).unwrap_or_default();
    Validation {
        bundle: m.name.clone(),
        verdict,
        runs: observed.len() as u32,
        reproduced_runs: observed.iter().filter(|(_, j)| j.matched).count() as u32,
        signature: claimed.map(SignatureReport::from),
        fix,
        build,
        evidence: evidence_of(observed),
        sandbox: SandboxReport {
            backend: applied.backend,
            namespaces: applied.namespaces,
            landlock_abi: applied.landlock_abi,
            seccomp: applied.seccomp,
            host_uid: applied.host_uid,
        },
        wall_ms: 0,
    }
}

fn evidence_of(observed: &[(Outcome, Judgement)]) -> Vec<RunEvidence> {
    observed
        .iter()
        .enumerate()
        .map(|(i, (o, j))| RunEvidence {
            run: i as u32 + 1,
            termination: o.termination.clone(),
            matched: j.matched,
            wall_ms: o.wall_ms,
            cpu_ms: o.cpu_ms,
            stdout: stream_evidence(&o.stdout),
            stderr: stream_evidence(&o.stderr),
            crashes: j.crashes.iter().map(|c| SignatureReport::from(c.clone())).collect(),
        })
        .collect()
}

fn stream_evidence(c: &Captured) -> StreamEvidence {
    let start = c.bytes.len().saturating_sub(TAIL_BYTES);
    StreamEvidence {
        sha256: hex::encode(Sha256::digest(&c.bytes)),
        bytes: c.total,
        truncated: c.truncated(),
        tail: String::from_utf8_lossy(&c.bytes[start..]).into_owned(),
    }
}

struct Built {
    ok: bool,
    evidence: BuildEvidence,
}

impl Built {
    fn sandbox_error(&self) -> bool {
        matches!(self.evidence.termination, Some(Termination::SetupFailed { .. }))
    }
}

fn spec_for(options: &RunnerOptions, workdir: &Path, argv: Vec<String>) -> RunSpec {
    let mut spec = RunSpec::new(argv, workdir);
    spec.backend = options.backend.clone();
    spec.run_as = options.run_as;
    spec.limits.memory_bytes = options.memory_bytes;
    spec
}

fn build(sandbox: &Sandbox, options: &RunnerOptions, m: &Manifest, dir: &Path, commands: &[String]) -> Result<Built, RunnerError> {
    let mut log = Vec::new();
    let mut wall_ms = 0;
    for (i, command) in commands.iter().enumerate() {
        let mut spec = spec_for(options, dir, vec!["/bin/sh".into(), "-c".into(), command.clone()]);
        spec.env.extend(m.build.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        let seconds = m.build_timeout_seconds();
        spec.limits.wall_ms = seconds * 1000;
        spec.limits.cpu_seconds = seconds;
        let outcome = sandbox.run(&spec).map_err(|e| RunnerError::Io(e.to_string()))?;
        wall_ms += outcome.wall_ms;
        log.extend_from_slice(format!("$ {command}\n").as_bytes());
        log.extend_from_slice(&outcome.stdout.bytes);
        log.extend_from_slice(&outcome.stderr.bytes);
        let ok = matches!(outcome.termination, Termination::Exited { code: 0 });
        if !ok {
            let start = log.len().saturating_sub(TAIL_BYTES);
            let tail = String::from_utf8_lossy(&log[start..]).into_owned();
            return Ok(Built {
                ok: false,
                evidence: BuildEvidence { ok: false, failed_command: Some(i as u32), termination: Some(outcome.termination), wall_ms, log_tail: tail },
            });
        }
    }
    let start = log.len().saturating_sub(TAIL_BYTES);
    Ok(Built {
        ok: true,
        evidence: BuildEvidence { ok: true, failed_command: None, termination: None, wall_ms, log_tail: String::from_utf8_lossy(&log[start..]).into_owned() },
    })
}

fn run_proof(sandbox: &Sandbox, options: &RunnerOptions, m: &Manifest, dir: &Path, runs: u32) -> Result<Vec<(Outcome, Judgement)>, RunnerError> {
    let mut out = Vec::new();
    for _ in 0..runs {
        let mut spec = spec_for(options, dir, m.run.command.clone());
        spec.env.extend(m.run.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        spec.stdin = m.run.stdin.as_ref().map(|s| Path::new("/work").join(s));
        spec.loopback = m.run.loopback;
        let seconds = m.run_timeout_seconds();
        spec.limits.wall_ms = seconds * 1000;
        spec.limits.cpu_seconds = seconds;
        spec.limits.address_space_bytes = match m.run.address_space_mb {
            Some(mb) => Some(mb << 20),
            None if m.oracle.expects_sanitizer() => None,
            None => Limits::default().address_space_bytes,
        };
        let outcome = sandbox.run(&spec).map_err(|e| RunnerError::Io(e.to_string()))?;
        let judgement = verdict::judge(&m.oracle, &outcome.termination, &outcome.stdout.bytes, &outcome.stderr.bytes);
        out.push((outcome, judgement));
    }
    Ok(out)
}

/// Copies a bundle folder: regular files, folders and symlinks (kept as links: they resolve inside
/// the sandbox, never on the host), within [`MAX_BUNDLE_BYTES`] and [`MAX_BUNDLE_ENTRIES`].
fn copy_tree(from: &Path, to: &Path) -> Result<(), RunnerError> {
    let mut budget = (MAX_BUNDLE_BYTES, MAX_BUNDLE_ENTRIES);
    copy_inner(from, to, &mut budget)
}

fn copy_inner(from: &Path, to: &Path, budget: &mut (u64, usize)) -> Result<(), RunnerError> {
    let io = |e: std::io::Error, p: &Path| RunnerError::Io(format!("{}: {e}", p.display()));
    fs::create_dir_all(to).map_err(|e| io(e, to))?;
    set_mode(to, 0o755)?;
    for entry in fs::read_dir(from).map_err(|e| io(e, from))? {
        let entry = entry.map_err(|e| io(e, from))?;
        budget.1 = budget.1.checked_sub(1).ok_or_else(|| RunnerError::Io(format!("the bundle has more than {MAX_BUNDLE_ENTRIES} entries")))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let meta = fs::symlink_metadata(&src).map_err(|e| io(e, &src))?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&src).map_err(|e| io(e, &src))?;
            std::os::unix::fs::symlink(target, &dst).map_err(|e| io(e, &dst))?;
        } else if meta.is_dir() {
            copy_inner(&src, &dst, budget)?;
        } else if meta.is_file() {
            budget.0 = budget.0.checked_sub(meta.len()).ok_or_else(|| RunnerError::Io(format!("the bundle holds more than {MAX_BUNDLE_BYTES} bytes")))?;
            fs::copy(&src, &dst).map_err(|e| io(e, &src))?;
        }
        // Devices, sockets and fifos are not copied.
    }
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> Result<(), RunnerError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).map_err(|e| RunnerError::Io(format!("{}: {e}", p.display())))
}

impl FixReport {
    fn from_result(r: FixResult, build: Option<BuildEvidence>, evidence: Vec<RunEvidence>) -> Self {
        Self {
            verdict: r.verdict,
            reason: r.reason,
            runs: evidence.len() as u32,
            claim_seen_runs: r.claim_seen_runs,
            other_findings: r.other_findings.into_iter().map(SignatureReport::from).collect(),
            build,
            evidence,
        }
    }
}
