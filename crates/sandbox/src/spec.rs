//! What to run and under which limits: the document the caller hands to the helper process.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which isolation the helper applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Backend {
    /// Our own: user, mount, pid, network, ipc and uts namespaces, a new root of read-only system
    /// folders, landlock, seccomp, rlimits. The default.
    Namespaces,
    /// bubblewrap (`bwrap`) builds the namespaces and the root and installs our seccomp filter;
    /// rlimits, the watchdogs and output caps are ours. No landlock (it forbids the mounts bwrap makes).
    Bubblewrap { program: PathBuf },
    /// No isolation at all: rlimits, the wall-clock timeout and output caps only. Never a default;
    /// only `--insecure-no-sandbox` selects it.
    Insecure,
}

/// A host folder made visible inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bind {
    /// Absolute host path.
    pub host: PathBuf,
    /// Absolute path inside the sandbox.
    pub inside: PathBuf,
    #[serde(default)]
    pub writable: bool,
}

/// Resource limits of one run. `None` means "not limited" and is never the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Wall-clock time after which the whole process tree is killed.
    pub wall_ms: u64,
    /// RLIMIT_CPU, seconds of CPU time per process.
    pub cpu_seconds: u64,
    /// RLIMIT_AS. Sanitizer runtimes reserve terabytes of address space and cannot start under it,
    /// so sanitizer runs lift it and rely on `memory_bytes`.
    pub address_space_bytes: Option<u64>,
    /// Resident memory of the whole tree, enforced by the helper's watchdog (cgroups are not
    /// assumed): the tree is killed when the sum of its processes' RSS passes it.
    pub memory_bytes: u64,
    /// RLIMIT_FSIZE: the largest file a process may write.
    pub file_size_bytes: u64,
    /// RLIMIT_NPROC: processes of the sandbox user.
    pub processes: u64,
    /// RLIMIT_NOFILE.
    pub open_files: u64,
    /// Bytes of stdout and of stderr kept each; the rest is read, counted and dropped.
    pub output_bytes: u64,
    /// Size of the sandbox's private /tmp (a tmpfs).
    pub tmp_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            wall_ms: 20_000,
            cpu_seconds: 30,
            address_space_bytes: Some(4 << 30),
            memory_bytes: 4 << 30,
            file_size_bytes: 256 << 20,
            processes: 256,
            open_files: 256,
            output_bytes: 1 << 20,
            tmp_bytes: 256 << 20,
        }
    }
}

/// One run: a program, its environment, its folders and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Program and arguments; the program is looked up in `PATH` inside the sandbox.
    pub argv: Vec<String>,
    /// The complete environment (nothing is inherited from the caller).
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// Host folder mounted read-write at `/work`, the working directory of the run.
    pub workdir: PathBuf,
    /// Further folders to show inside.
    #[serde(default)]
    pub binds: Vec<Bind>,
    /// A file inside the sandbox to use as standard input; `/dev/null` otherwise.
    #[serde(default)]
    pub stdin: Option<PathBuf>,
    #[serde(default)]
    pub limits: Limits,
    /// Bring up the sandbox's own loopback interface (never the host's) and allow TCP on it.
    #[serde(default)]
    pub loopback: bool,
    pub backend: Backend,
    /// Host user and group the run becomes when the helper starts as root (default: ids of its
    /// own per run, see [`crate::helper::RUN_AS_BASE`]). A helper that is not root runs as itself.
    #[serde(default)]
    pub run_as: Option<(u32, u32)>,
}

impl RunSpec {
    /// A run of `argv` in `workdir` with the default limits and the namespaces backend.
    pub fn new(argv: impl IntoIterator<Item = impl Into<String>>, workdir: impl Into<PathBuf>) -> Self {
        Self {
            argv: argv.into_iter().map(Into::into).collect(),
            env: default_env(),
            workdir: workdir.into(),
            binds: Vec::new(),
            stdin: None,
            limits: Limits::default(),
            loopback: false,
            backend: Backend::Namespaces,
            run_as: None,
        }
    }

    /// Problems that make the spec unrunnable, all of them.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.argv.is_empty() || self.argv[0].is_empty() {
            out.push("argv is empty".to_owned());
        }
        if self.argv.iter().any(|a| a.contains('\0')) {
            out.push("an argument contains a NUL byte".to_owned());
        }
        if self.env.iter().any(|(k, v)| k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0')) {
            out.push("an environment variable has an empty name, '=' in its name or a NUL byte".to_owned());
        }
        if !self.workdir.is_absolute() {
            out.push(format!("workdir {} is not absolute", self.workdir.display()));
        }
        for b in &self.binds {
            if !b.host.is_absolute() || !b.inside.is_absolute() {
                out.push(format!("bind {} -> {} is not absolute", b.host.display(), b.inside.display()));
            }
            if b.inside.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                out.push(format!("bind target {} contains '..'", b.inside.display()));
            }
        }
        if self.limits.wall_ms == 0 {
            out.push("limits.wall_ms is 0".to_owned());
        }
        out
    }
}

/// The environment every run starts from.
pub fn default_env() -> Vec<(String, String)> {
    [("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"), ("HOME", "/work"), ("TMPDIR", "/tmp"), ("LANG", "C.UTF-8")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
