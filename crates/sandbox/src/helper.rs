//! The helper process: reads a [`RunSpec`] on stdin, runs it confined, writes one [`Outcome`] as
//! JSON on stdout.
//!
//! Process tree for the namespaces backend:
//!
//! ```text
//! helper (host user → sandbox user; new user, pid, net, ipc, uts namespaces)   supervises
//!  └─ init  (pid 1 of the new pid namespace; new mount namespace, new root)    reaps, reports status
//!      └─ proof (rlimits, landlock, no_new_privs, seccomp, then execve)
//! ```
//!
//! The helper kills `init` on timeout or when the tree's memory passes the limit; the kernel then
//! kills every process of the pid namespace, so nothing a proof forks survives it. `init` dies
//! with the helper (PR_SET_PDEATHSIG), so a killed worker leaves nothing behind either.
//!
//! The helper is single-threaded on purpose: it forks, and a forked child of a threaded process
//! may not allocate.

use crate::outcome::{Applied, Captured, Outcome, Termination};
use crate::spec::{Backend, RunSpec};
use crate::sys::{self, Fork};
use crate::{bwrap, confine, root};
use seccompiler::BpfProgram;
use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// The largest spec the helper reads.
const MAX_SPEC_BYTES: u64 = 1 << 20;
/// How often the memory watchdog sums the tree's resident memory.
const MEMORY_CHECK: Duration = Duration::from_millis(20);
/// Host ids of proofs when the helper starts as root and the spec names none: one of its own per
/// run, `RUN_AS_BASE + helper pid mod RUN_AS_SPAN`, so that concurrent runs (two workers on one
/// machine) neither share RLIMIT_NPROC's count (a fork bomb in one would starve the other) nor
/// own each other's files. These ids have no name on the host and own nothing outside job folders.
pub const RUN_AS_BASE: u32 = 100_000;
pub const RUN_AS_SPAN: u32 = 60_000;

fn per_run_ids() -> (u32, u32) {
    let id = RUN_AS_BASE + std::process::id() % RUN_AS_SPAN;
    (id, id)
}

/// Entry point of the helper binary or subcommand: the spec from `spec_file`, or from stdin when
/// there is none. Exit status 0 when an outcome was written (whatever it says), 2 when the spec
/// could not be read or the outcome not written.
pub fn main(spec_file: Option<std::ffi::OsString>) -> ! {
    // A worker killed mid-run takes its helper with it, and the helper its sandbox (pid 1 dies
    // with the helper): nothing of a proof outlives the process that started it.
    if let Err(e) = sys::die_with_parent() {
        eprintln!("sandbox helper: prctl PDEATHSIG: {e}");
        std::process::exit(2);
    }
    let mut input = Vec::new();
    let read = match &spec_file {
        Some(path) => fs::File::open(path).and_then(|f| f.take(MAX_SPEC_BYTES).read_to_end(&mut input)),
        None => std::io::stdin().take(MAX_SPEC_BYTES).read_to_end(&mut input),
    };
    if let Err(e) = read {
        eprintln!("sandbox helper: reading the spec: {e}");
        std::process::exit(2);
    }
    let outcome = match serde_json::from_slice::<RunSpec>(&input) {
        Ok(spec) => run(&spec),
        Err(e) => {
            eprintln!("sandbox helper: the spec is not valid: {e}");
            std::process::exit(2);
        }
    };
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, &outcome).is_err() || out.flush().is_err() {
        std::process::exit(2);
    }
    std::process::exit(0)
}

/// Runs one spec in this (single-threaded) process.
pub fn run(spec: &RunSpec) -> Outcome {
    let problems = spec.problems();
    if !problems.is_empty() {
        return Outcome::setup_failed(format!("invalid spec: {}", problems.join("; ")));
    }
    let root_helper = sys::geteuid() == 0;
    let (uid, gid) = if root_helper { spec.run_as.unwrap_or_else(per_run_ids) } else { (sys::geteuid(), sys::getegid()) };
    if uid == 0 {
        return Outcome::setup_failed("refusing to run a proof as the host's root: rlimits on processes do not bind root");
    }
    if root_helper {
        // The proof's user must own what it may write.
        let writable = std::iter::once(spec.workdir.as_path()).chain(spec.binds.iter().filter(|b| b.writable).map(|b| b.host.as_path()));
        for dir in writable {
            if let Err(e) = chown_tree(dir, uid, gid) {
                return Outcome::setup_failed(format!("chown {}: {e}", dir.display()));
            }
        }
    }
    match start(spec, root_helper, uid, gid) {
        Ok((pid, pipes, applied)) => supervise(spec, pid, pipes, applied),
        Err(message) => Outcome::setup_failed(message),
    }
}

struct Pipes {
    stdout: OwnedFd,
    stderr: OwnedFd,
    status: OwnedFd,
    started: Instant,
}

/// The write ends handed to the proof.
struct ChildEnds {
    stdout: OwnedFd,
    stderr: OwnedFd,
    status: OwnedFd,
}

fn start(spec: &RunSpec, root_helper: bool, uid: u32, gid: u32) -> Result<(libc::pid_t, Pipes, Applied), String> {
    let seccomp = match spec.backend {
        Backend::Insecure => None,
        _ => Some(confine::seccomp_programs()?),
    };
    let pipe = || sys::pipe().map_err(|e| format!("pipe: {e}"));
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let (st_r, st_w) = pipe()?;
    let ends = ChildEnds { stdout: out_w, stderr: err_w, status: st_w };
    let mut applied = Applied { host_uid: uid, ..Applied::default() };
    let started = Instant::now();
    if root_helper {
        sys::become_user(uid, gid).map_err(|e| format!("become user {uid}:{gid}: {e}"))?;
    }
    let pid = match &spec.backend {
        Backend::Namespaces => {
            applied.backend = "namespaces".into();
            applied.namespaces = true;
            applied.seccomp = true;
            let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWPID | libc::CLONE_NEWNET | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
            sys::unshare(flags).map_err(|e| format!("unshare user, pid, net, ipc and uts namespaces: {e}"))?;
            map_ids(uid, gid)?;
            match sys::fork().map_err(|e| format!("fork: {e}"))? {
                Fork::Child => init(spec, ends, seccomp.as_deref().unwrap_or_default()),
                Fork::Parent(pid) => pid,
            }
        }
        Backend::Bubblewrap { program } => {
            applied.backend = "bubblewrap".into();
            applied.namespaces = true;
            applied.seccomp = true;
            let filter = confine::seccomp_bytes_for_bwrap()?;
            let (filter_r, filter_w) = pipe()?;
            // The filter is a few hundred bytes: it fits the pipe's buffer, so this write cannot block.
            fs::File::from(filter_w).write_all(&filter).map_err(|e| format!("seccomp filter for bwrap: {e}"))?;
            let argv = bwrap::argv(program, spec, bwrap::FILTER_FD);
            match sys::fork().map_err(|e| format!("fork: {e}"))? {
                Fork::Child => {
                    let filter_fd = filter_r.as_raw_fd();
                    exec_proof(spec, &argv, ends, Confinement::Bwrap { filter_fd }, None)
                }
                Fork::Parent(pid) => pid,
            }
        }
        Backend::Insecure => {
            applied.backend = "insecure".into();
            match sys::fork().map_err(|e| format!("fork: {e}"))? {
                Fork::Child => exec_proof(spec, &spec.argv, ends, Confinement::None, None),
                Fork::Parent(pid) => pid,
            }
        }
    };
    Ok((pid, Pipes { stdout: out_r, stderr: err_r, status: st_r, started }, applied))
}

/// Maps the sandbox user to [`root::INSIDE_ID`] inside the new user namespace (the only mapping an
/// unprivileged process may write for itself), and gives up supplementary groups for good.
fn map_ids(uid: u32, gid: u32) -> Result<(), String> {
    let write = |file: &str, content: String| fs::write(file, content).map_err(|e| format!("write {file}: {e}"));
    sys::set_dumpable(true).map_err(|e| format!("prctl DUMPABLE: {e}"))?;
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("{} {uid} 1\n", root::INSIDE_ID))?;
    write("/proc/self/gid_map", format!("{} {gid} 1\n", root::INSIDE_ID))?;
    // Other processes of the same host user may not ptrace the helper.
    sys::set_dumpable(false).map_err(|e| format!("prctl DUMPABLE: {e}"))
}

/// Pid 1 of the sandbox: builds the root, starts the proof, reaps every orphan, and reports the
/// proof's wait status on the status pipe (`S <status>`), or why it could not (`E <message>`).
fn init(spec: &RunSpec, ends: ChildEnds, seccomp: &[BpfProgram]) -> ! {
    let mut status = fs::File::from(ends.status.try_clone().unwrap_or_else(|_| sys::exit_now(125)));
    if let Err(e) = sys::die_with_parent() {
        fail(&mut status, 126, format!("prctl PDEATHSIG: {e}"));
    }
    if let Err(message) = root::enter(spec) {
        fail(&mut status, 126, message);
    }
    let proof = match sys::fork() {
        Ok(Fork::Child) => exec_proof(spec, &spec.argv, ends, Confinement::Full { seccomp }, Some(Path::new("/work"))),
        Ok(Fork::Parent(pid)) => pid,
        Err(e) => fail(&mut status, 126, format!("fork: {e}")),
    };
    drop(ends);
    loop {
        match sys::wait(-1) {
            Ok((pid, st)) if pid == proof => {
                let _ = writeln!(status, "S {}", st.0);
                sys::exit_now(0)
            }
            Ok(_) => continue,
            Err(e) => fail(&mut status, 126, format!("wait: {e}")),
        }
    }
}

/// Reports why the sandbox could not start the proof on the status pipe, and exits.
fn fail(status: &mut fs::File, code: i32, message: String) -> ! {
    let _ = writeln!(status, "E {}", message.replace('\n', " "));
    sys::exit_now(code)
}

enum Confinement<'a> {
    /// Namespaces already entered by `init`: rlimits, landlock, seccomp.
    Full { seccomp: &'a [BpfProgram] },
    /// bubblewrap makes the namespaces and installs the filter read from this descriptor.
    Bwrap { filter_fd: RawFd },
    /// rlimits only.
    None,
}

/// The proof's own process: standard streams, rlimits, confinement, `execve`. Reports a failure
/// on the status pipe (`E <message>`), which closes on a successful exec.
fn exec_proof(spec: &RunSpec, argv: &[String], ends: ChildEnds, confinement: Confinement<'_>, cwd: Option<&Path>) -> ! {
    let mut status = fs::File::from(ends.status);
    sys::setsid();
    let stdin_path = spec.stdin.as_deref().unwrap_or(Path::new("/dev/null"));
    let stdin = match fs::File::open(stdin_path) {
        Ok(f) => f,
        Err(e) => fail(&mut status, 127, format!("stdin {}: {e}", stdin_path.display())),
    };
    let keep = match &confinement {
        Confinement::Bwrap { filter_fd } => {
            if let Err(e) = sys::dup2(*filter_fd, bwrap::FILTER_FD) {
                fail(&mut status, 127, format!("dup2 filter: {e}"));
            }
            Some(bwrap::FILTER_FD)
        }
        _ => None,
    };
    for (from, to) in [(stdin.as_raw_fd(), 0), (ends.stdout.as_raw_fd(), 1), (ends.stderr.as_raw_fd(), 2)] {
        if let Err(e) = sys::dup2(from, to) {
            fail(&mut status, 127, format!("dup2: {e}"));
        }
    }
    // The status pipe closes on exec (O_CLOEXEC); everything else inherited is closed now.
    let keep: Vec<RawFd> = std::iter::once(status.as_raw_fd()).chain(keep).collect();
    let closed = sys::close_from(3, &keep);
    if let Err(e) = closed {
        fail(&mut status, 127, format!("close descriptors: {e}"));
    }
    let dir = cwd.unwrap_or(&spec.workdir);
    if let Err(e) = std::env::set_current_dir(dir) {
        fail(&mut status, 127, format!("chdir {}: {e}", dir.display()));
    }
    if let Err(message) = confine::apply_rlimits(&spec.limits) {
        fail(&mut status, 127, message);
    }
    if let Confinement::Full { seccomp } = confinement {
        match confine::apply_landlock(spec) {
            Ok(abi) => {
                let _ = writeln!(status, "L {abi}");
            }
            Err(message) => fail(&mut status, 127, message),
        }
        if let Err(message) = confine::apply_seccomp(seccomp) {
            fail(&mut status, 127, message);
        }
    }
    let program = match argv.first().and_then(|a| resolve_program(a, &spec.env)).and_then(|p| sys::cpath(&p).ok()) {
        Some(p) => p,
        None => fail(&mut status, 127, format!("exec {:?}: not found in PATH", argv.first().map(String::as_str).unwrap_or_default())),
    };
    let argv: Vec<_> = match argv.iter().map(|a| sys::cstring(a)).collect() {
        Ok(v) => v,
        Err(e) => fail(&mut status, 127, format!("argv: {e}")),
    };
    let env: Vec<_> = match spec.env.iter().map(|(k, v)| sys::cstring(&format!("{k}={v}"))).collect() {
        Ok(v) => v,
        Err(e) => fail(&mut status, 127, format!("env: {e}")),
    };
    let e = sys::execve(&program, &argv, &env);
    fail(&mut status, 127, format!("exec {}: {e}", argv[0].to_string_lossy()))
}

/// The program to execute: `argv[0]` itself when it holds a slash, else the first executable of
/// that name in the spec's `PATH` (the run's own environment, not the helper's, which is empty).
fn resolve_program(name: &str, env: &[(String, String)]) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if name.contains('/') {
        return Some(name.into());
    }
    let path = env.iter().rev().find(|(k, _)| k == "PATH").map_or("/usr/bin:/bin", |(_, v)| v.as_str());
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Reads the proof's streams with caps, enforces the wall clock and the memory limit, reaps.
fn supervise(spec: &RunSpec, pid: libc::pid_t, pipes: Pipes, mut applied: Applied) -> Outcome {
    let limits = &spec.limits;
    let deadline = pipes.started + Duration::from_millis(limits.wall_ms);
    let cap = limits.output_bytes as usize;
    let pidfd = match sys::pidfd_open(pid) {
        Ok(fd) => fd,
        Err(e) => {
            sys::kill(pid, libc::SIGKILL);
            let _ = sys::wait(pid);
            return Outcome::setup_failed(format!("pidfd_open: {e}"));
        }
    };
    let mut stdout = Stream::new(pipes.stdout, cap);
    let mut stderr = Stream::new(pipes.stderr, cap);
    let mut status = Stream::new(pipes.status, 64 << 10);
    let mut killed: Option<Termination> = None;
    let mut next_memory_check = Instant::now() + MEMORY_CHECK;
    let wait_status = loop {
        let now = Instant::now();
        if killed.is_none() && now >= deadline {
            sys::kill(pid, libc::SIGKILL);
            killed = Some(Termination::TimedOut);
        }
        if killed.is_none() && now >= next_memory_check {
            next_memory_check = now + MEMORY_CHECK;
            if tree_rss_bytes(pid) > limits.memory_bytes {
                sys::kill(pid, libc::SIGKILL);
                killed = Some(Termination::MemoryExceeded);
            }
        }
        let wake = deadline.min(next_memory_check).saturating_duration_since(Instant::now());
        let timeout = if killed.is_some() { 50 } else { wake.as_millis().clamp(1, 1000) as i32 };
        let fds = [stdout.fd(), stderr.fd(), status.fd(), pidfd.as_raw_fd()];
        let ready = sys::poll_readable(&fds, timeout).unwrap_or_else(|_| vec![false; 4]);
        for (stream, r) in [(&mut stdout, ready[0]), (&mut stderr, ready[1]), (&mut status, ready[2])] {
            if r {
                stream.read_some();
            }
        }
        if ready[3] {
            break sys::wait(pid).ok().map(|(_, st)| st);
        }
    };
    if matches!(spec.backend, Backend::Insecure) {
        // The proof led its own session: take down whatever it left running.
        sys::kill(-pid, libc::SIGKILL);
    }
    // With namespaces every writer is gone with pid 1; give the insecure backend's orphans a moment.
    let drain_until = Instant::now() + Duration::from_millis(500);
    while (stdout.open() || stderr.open() || status.open()) && Instant::now() < drain_until {
        let fds = [stdout.fd(), stderr.fd(), status.fd()];
        let ready = sys::poll_readable(&fds, 50).unwrap_or_else(|_| vec![false; 3]);
        for (stream, r) in [(&mut stdout, ready[0]), (&mut stderr, ready[1]), (&mut status, ready[2])] {
            if r {
                stream.read_some();
            }
        }
    }
    let wall_ms = pipes.started.elapsed().as_millis() as u64;
    let report = StatusReport::parse(&status.captured.bytes);
    if let Some(abi) = report.landlock_abi {
        applied.landlock_abi = abi;
    }
    let termination = if let Some(k) = killed {
        k
    } else if let Some(message) = report.error {
        Termination::SetupFailed { message }
    } else {
        let raw = match spec.backend {
            Backend::Namespaces => report.status,
            _ => wait_status,
        };
        match raw {
            None => Termination::SetupFailed { message: "the sandbox ended without the proof's status".into() },
            Some(st) => match (st.exit_code(), st.signal()) {
                // bubblewrap passes a signal on as 128 + its number.
                (Some(code), _) if matches!(spec.backend, Backend::Bubblewrap { .. }) && (129..160).contains(&code) => {
                    Termination::Signaled { signal: code - 128 }
                }
                (Some(code), _) => Termination::Exited { code },
                (None, Some(signal)) => Termination::Signaled { signal },
                (None, None) => Termination::SetupFailed { message: format!("unexpected wait status {}", st.0) },
            },
        }
    };
    Outcome { termination, wall_ms, cpu_ms: sys::children_cpu_ms(), stdout: stdout.captured, stderr: stderr.captured, applied }
}

/// One pipe being read: the first `cap` bytes kept, the rest counted.
struct Stream {
    file: Option<fs::File>,
    captured: Captured,
    cap: usize,
}

impl Stream {
    fn new(fd: OwnedFd, cap: usize) -> Self {
        Self { file: Some(fs::File::from(fd)), captured: Captured::default(), cap }
    }

    fn fd(&self) -> RawFd {
        self.file.as_ref().map_or(-1, |f| f.as_raw_fd())
    }

    fn open(&self) -> bool {
        self.file.is_some()
    }

    fn read_some(&mut self) {
        let Some(file) = self.file.as_mut() else { return };
        let mut buf = [0u8; 64 << 10];
        match file.read(&mut buf) {
            Ok(0) | Err(_) => self.file = None,
            Ok(n) => {
                self.captured.total += n as u64;
                let room = self.cap.saturating_sub(self.captured.bytes.len());
                self.captured.bytes.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

/// What `init` and the proof's process wrote on the status pipe.
#[derive(Default)]
struct StatusReport {
    status: Option<sys::WaitStatus>,
    error: Option<String>,
    landlock_abi: Option<i32>,
}

impl StatusReport {
    fn parse(bytes: &[u8]) -> Self {
        let mut out = Self::default();
        for line in String::from_utf8_lossy(bytes).lines() {
            match line.split_once(' ') {
                Some(("S", v)) => out.status = v.parse().ok().map(sys::WaitStatus),
                Some(("E", m)) => out.error = Some(out.error.map_or(m.to_owned(), |prev| format!("{prev}; {m}"))),
                Some(("L", v)) => out.landlock_abi = v.parse().ok(),
                _ => {}
            }
        }
        out
    }
}

/// Resident memory of `pid` and all its descendants, from `/proc/*/stat` (world-readable).
fn tree_rss_bytes(pid: libc::pid_t) -> u64 {
    let page = 4096u64;
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut rss: HashMap<i32, u64> = HashMap::new();
    let Ok(entries) = fs::read_dir("/proc") else { return 0 };
    for entry in entries.flatten() {
        let Some(p) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(ppid), Some(pages)) = (fields.get(1).and_then(|f| f.parse().ok()), fields.get(21).and_then(|f| f.parse::<u64>().ok())) else {
            continue;
        };
        children.entry(ppid).or_default().push(p);
        rss.insert(p, pages * page);
    }
    let mut total = 0;
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        total += rss.get(&p).copied().unwrap_or(0);
        if let Some(kids) = children.get(&p) {
            todo.extend(kids);
        }
    }
    total
}

fn chown_tree(dir: &Path, uid: u32, gid: u32) -> std::io::Result<()> {
    std::os::unix::fs::lchown(dir, Some(uid), Some(gid))?;
    if fs::symlink_metadata(dir)?.is_dir() {
        for entry in fs::read_dir(dir)? {
            chown_tree(&entry?.path(), uid, gid)?;
        }
    }
    Ok(())
}
