//! `clearinghouse validate BUNDLE`: builds and runs one reproduction bundle locally, in the sandbox,
//! and prints the verdict. `--json` prints the whole validation document (verdict, runs,
//! reproduced_runs, signature, fix, build, evidence, sandbox). Exit 0 when a verdict was reached,
//! whatever it is; 2 when the bundle is invalid, isolation is unavailable, or anything else fails.

use anyhow::{anyhow, bail};
use clap::{Args, ValueEnum};
use clearinghouse_sandbox::{Backend, Sandbox};
use clearinghouse_validation::{RunnerError, RunnerOptions, Validation};
use std::path::{Path, PathBuf};

use crate::commands::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SandboxKind {
    /// Our own namespaces, landlock and seccomp.
    #[default]
    Namespaces,
    /// bubblewrap (Debian's `bubblewrap`) with our seccomp filter.
    Bwrap,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The bundle folder (holding bundle.toml).
    pub bundle: PathBuf,
    /// Runs of the proof, overriding the bundle's (default 3).
    #[arg(long)]
    pub runs: Option<u32>,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Keep the job folder (the built source and its outputs) and print where it is.
    #[arg(long)]
    pub keep_workdir: bool,
}

/// How proofs are isolated: for `validate`, `worker` and the worker `serve` embeds.
#[derive(Debug, Clone, Args, Default)]
pub struct SandboxArgs {
    /// The isolation to use.
    #[arg(long, value_enum, default_value_t = SandboxKind::Namespaces, env = "CLEARINGHOUSE_SANDBOX")]
    pub sandbox: SandboxKind,
    /// The bubblewrap program, for --sandbox bwrap.
    #[arg(long, default_value = "bwrap", env = "CLEARINGHOUSE_BWRAP")]
    pub bwrap: PathBuf,
    /// Run the proof with no isolation at all when the sandbox is unavailable. Never a default:
    /// only for a bundle you wrote yourself, on a machine without user namespaces.
    #[arg(long)]
    pub insecure_no_sandbox: bool,
    /// Host user the proof runs as when this command runs as root, `UID:GID` (default: ids of its
    /// own per run, 100000 and up, with no name and no files on the host).
    #[arg(long, env = "CLEARINGHOUSE_SANDBOX_USER")]
    pub run_as: Option<String>,
}

impl SandboxArgs {
    /// The helper, the backend that works here (or an error saying why none does) and the runner's options.
    pub fn open(&self) -> anyhow::Result<(Sandbox, RunnerOptions)> {
        let sandbox = sandbox()?;
        let backend = backend(&sandbox, self.sandbox, &self.bwrap, self.insecure_no_sandbox)?;
        let run_as = self.run_as.as_deref().map(parse_run_as).transpose()?;
        Ok((sandbox, RunnerOptions { backend, run_as, ..RunnerOptions::default() }))
    }
}

/// The helper is this very binary, run as `clearinghouse sandbox-helper`.
pub fn sandbox() -> anyhow::Result<Sandbox> {
    let exe = std::env::current_exe().map_err(|e| anyhow!("cannot find this program's path for the sandbox helper: {e}"))?;
    Ok(Sandbox::new(exe, ["sandbox-helper"]))
}

/// The backend to use: the one asked for when it works here, the insecure one only when allowed.
pub fn backend(sandbox: &Sandbox, kind: SandboxKind, bwrap: &Path, insecure_allowed: bool) -> anyhow::Result<Backend> {
    let wanted = match kind {
        SandboxKind::Namespaces => Backend::Namespaces,
        SandboxKind::Bwrap => {
            Backend::Bubblewrap { program: which(bwrap).ok_or_else(|| anyhow!("{} not found (Debian: apt-get install bubblewrap)", bwrap.display()))? }
        }
    };
    match sandbox.check(&wanted) {
        Ok(_) => Ok(wanted),
        Err(e) if insecure_allowed => {
            eprintln!("warning: {e}; running WITHOUT isolation because --insecure-no-sandbox was given");
            Ok(Backend::Insecure)
        }
        Err(e) => bail!("{e}; refusing to run a proof of concept without isolation (--insecure-no-sandbox overrides, for your own bundles only)"),
    }
}

fn which(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(program)).find(|p| p.is_file()))
}

pub fn parse_run_as(text: &str) -> anyhow::Result<(u32, u32)> {
    let (u, g) = text.split_once(':').unwrap_or((text, text));
    let parse = |s: &str| s.parse::<u32>().map_err(|_| anyhow!("--run-as {text:?}: expected UID:GID, numbers"));
    let ids = (parse(u)?, parse(g)?);
    if ids.0 == 0 {
        bail!("--run-as: a proof never runs as root");
    }
    Ok(ids)
}

pub fn run(args: ValidateArgs, json: bool) -> anyhow::Result<Outcome> {
    let (sandbox, options) = args.sandbox.open()?;
    let options = RunnerOptions { runs: args.runs, keep_workdir: args.keep_workdir, ..options };
    let validation = match clearinghouse_validation::validate(&args.bundle, &sandbox, &options) {
        Ok(v) => v,
        Err(RunnerError::Invalid(problems)) => {
            eprintln!("{}: the bundle is not valid:", args.bundle.display());
            for p in &problems {
                eprintln!("  {p}");
            }
            bail!("{} problem(s) in {}", problems.len(), args.bundle.join("bundle.toml").display());
        }
        Err(e) => return Err(anyhow!(e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&validation)?);
    } else {
        print_human(&validation);
    }
    Ok(Outcome::Ok)
}

fn print_human(v: &Validation) {
    if let Some(name) = &v.bundle {
        println!("bundle:    {name}");
    }
    println!("verdict:   {} ({} of {} runs)", v.verdict.as_str(), v.reproduced_runs, v.runs);
    if let Some(s) = &v.signature {
        println!("signature: {} in {} ({})", s.kind, s.frames.join(" < "), &s.hash[..16.min(s.hash.len())]);
    }
    if !v.build.ok {
        println!("build:     failed\n{}", indent(&v.build.log_tail));
    }
    println!("fix:       {}: {}", v.fix.verdict.as_str(), v.fix.reason);
    for f in &v.fix.other_findings {
        println!("           other finding in the fixed variant: {} in {}", f.kind, f.frames.join(" < "));
    }
    for r in &v.evidence {
        println!("run {}:     {:?}, {} ms, matched: {}", r.run, r.termination, r.wall_ms, r.matched);
    }
    let s = &v.sandbox;
    println!("sandbox:   {} (namespaces: {}, landlock ABI {}, seccomp: {}, host uid {})", s.backend, s.namespaces, s.landlock_abi, s.seccomp, s.host_uid);
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}
