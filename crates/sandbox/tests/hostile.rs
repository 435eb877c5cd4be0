//! Hostile proofs against the real helper binary: each tries one way out, none may succeed, every
//! one ends with a clear outcome, and the next run still works (the worker keeps going).

use clearinghouse_sandbox::{Backend, Outcome, RunSpec, Sandbox, Termination};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn sandbox() -> Sandbox {
    Sandbox::new(env!("CARGO_BIN_EXE_clearinghouse-sandbox"), Vec::<String>::new())
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Namespaces];
    match Command::new("bwrap").arg("--version").output() {
        Ok(_) => b.push(Backend::Bubblewrap { program: "/usr/bin/bwrap".into() }),
        Err(_) => eprintln!("SKIPPED for the bubblewrap backend: bwrap is not installed (.ci/run installs it)"),
    }
    b
}

fn run(backend: &Backend, dir: &Path, argv: &[&str], tweak: impl FnOnce(&mut RunSpec)) -> Outcome {
    let mut spec = RunSpec::new(argv.iter().copied(), dir);
    spec.backend = backend.clone();
    spec.limits.wall_ms = 10_000;
    tweak(&mut spec);
    let outcome = sandbox().run(&spec).expect("the helper answers");
    if let Termination::SetupFailed { message } = &outcome.termination {
        panic!("the sandbox is not available here ({backend:?}): {message}");
    }
    outcome
}

fn sh(backend: &Backend, dir: &Path, script: &str) -> Outcome {
    run(backend, dir, &["bash", "-c", script], |_| {})
}

/// The worker keeps going: a plain run right after the hostile one works.
fn still_works(backend: &Backend, dir: &Path) {
    let o = sh(backend, dir, "echo alive");
    assert_eq!(o.termination, Termination::Exited { code: 0 }, "{backend:?}: {}", o.stderr.text());
    assert_eq!(o.stdout.text(), "alive\n");
}

/// A C program compiled on the host for the proofs that need system calls bash cannot make.
fn compile(dir: &Path, name: &str, source: &str) -> Option<()> {
    std::fs::write(dir.join(format!("{name}.c")), source).unwrap();
    match Command::new("gcc").arg("-O1").arg("-o").arg(dir.join(name)).arg(dir.join(format!("{name}.c"))).status() {
        Ok(s) if s.success() => Some(()),
        _ => {
            eprintln!("SKIPPED: gcc is not available to build the {name} proof");
            None
        }
    }
}

fn workdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

#[test]
fn the_hosts_loopback_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    for b in backends() {
        let d = workdir();
        let o = sh(&b, d.path(), &format!("echo hello > /dev/tcp/127.0.0.1/{port} && echo CONNECTED"));
        assert!(!o.stdout.text().contains("CONNECTED"), "{b:?}: {}", o.stdout.text());
        assert_ne!(o.termination, Termination::Exited { code: 0 });
        assert!(listener.accept().is_err(), "{b:?}: the listener saw a connection");
        still_works(&b, d.path());
    }
}

#[test]
fn writes_outside_the_folder_fail_and_reach_nothing_on_the_host() {
    let outside = workdir();
    let target = outside.path().join("pwned");
    for b in backends() {
        let d = workdir();
        let o = sh(
            &b,
            d.path(),
            &format!(
                "for f in {} /usr/pwned /etc/pwned /pwned /work/../pwned; do echo x > $f && echo WROTE $f; done; echo ok > /work/inside",
                target.display()
            ),
        );
        assert!(!o.stdout.text().contains("WROTE"), "{b:?}: {}", o.stdout.text());
        assert!(!target.exists(), "{b:?}: a file appeared outside the folder");
        assert_eq!(std::fs::read_to_string(d.path().join("inside")).unwrap(), "ok\n", "{b:?}: its own folder stays writable");
        still_works(&b, d.path());
    }
}

#[test]
fn the_data_folder_and_etc_shadow_are_invisible() {
    let data = workdir();
    std::fs::write(data.path().join("admin.token"), "chs_secret_token").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(data.path().join("admin.token"), std::fs::Permissions::from_mode(0o644)).unwrap();
    for b in backends() {
        let d = workdir();
        let o = sh(&b, d.path(), &format!("cat {}/admin.token; cat /etc/shadow; ls /root /home", data.path().display()));
        assert!(!o.stdout.text().contains("chs_secret"), "{b:?}: read the data folder");
        assert!(!o.stdout.text().contains("root:"), "{b:?}: read /etc/shadow");
        assert!(o.stderr.text().contains("No such file or directory"), "{b:?}: {}", o.stderr.text());
        still_works(&b, d.path());
    }
}

#[test]
fn a_fork_bomb_is_contained_and_leaves_nothing_behind() {
    let marker = format!("forkbomb-{}", std::process::id());
    for b in backends() {
        let d = workdir();
        let started = Instant::now();
        let o = run(&b, d.path(), &["bash", "-c", "b() { b | b & }; b; sleep 30", &marker], |s| s.limits.wall_ms = 3_000);
        assert!(started.elapsed() < Duration::from_secs(10), "{b:?}: took {:?}", started.elapsed());
        assert!(matches!(o.termination, Termination::TimedOut | Termination::Exited { .. }), "{b:?}: {:?}", o.termination);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(processes_with(&marker), 0, "{b:?}: processes of the bomb survived the sandbox");
        still_works(&b, d.path());
    }
}

fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|c| c.is_ascii_digit())))
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker)))
        .count()
}

const ALLOC: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = (size_t)10 << 30;
    volatile char *p = malloc(n);
    if (!p) { puts("malloc failed"); return 3; }
    /* Touch every page (volatile: the compiler may not drop what is never read). */
    for (size_t i = 0; i < n; i += 4096) p[i] = 1;
    printf("ALLOCATED 10 GiB %d\n", p[n / 2]);
    return 0;
}
"#;

#[test]
fn ten_gib_are_refused_by_the_address_space_limit_or_killed_by_the_watchdog() {
    for b in backends() {
        let d = workdir();
        if compile(d.path(), "alloc", ALLOC).is_none() {
            return;
        }
        // RLIMIT_AS (4 GiB by default): malloc fails.
        let o = run(&b, d.path(), &["./alloc"], |_| {});
        assert_eq!(o.termination, Termination::Exited { code: 3 }, "{b:?}: {}", o.stdout.text());
        // No address-space limit (as for sanitizer runs): the watchdog kills the tree at 512 MiB.
        let o = run(&b, d.path(), &["./alloc"], |s| {
            s.limits.address_space_bytes = None;
            s.limits.memory_bytes = 512 << 20;
        });
        assert_eq!(o.termination, Termination::MemoryExceeded, "{b:?}: {}", o.stdout.text());
        still_works(&b, d.path());
    }
}

#[test]
fn sleeping_forever_times_out_and_printing_a_gigabyte_is_capped() {
    for b in backends() {
        let d = workdir();
        let started = Instant::now();
        let o = run(&b, d.path(), &["sleep", "infinity"], |s| s.limits.wall_ms = 1_000);
        assert_eq!(o.termination, Termination::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5), "{b:?}: {:?}", started.elapsed());

        let o = run(&b, d.path(), &["head", "-c", "1000000000", "/dev/zero"], |s| s.limits.wall_ms = 30_000);
        assert_eq!(o.termination, Termination::Exited { code: 0 }, "{b:?}");
        assert_eq!(o.stdout.bytes.len() as u64, RunSpec::new(["x"], "/").limits.output_bytes, "{b:?}: kept exactly the cap");
        assert_eq!(o.stdout.total, 1_000_000_000, "{b:?}: counted everything");
        assert!(o.stdout.truncated());
        still_works(&b, d.path());
    }
}

const PTRACE: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <signal.h>
int main(int argc, char **argv) {
    int pid = atoi(argv[1]);
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) puts("TRACED");
    if (kill(pid, SIGKILL) == 0) puts("KILLED");
    return 0;
}
"#;

#[test]
fn processes_outside_cannot_be_traced_or_signalled() {
    for b in backends() {
        let d = workdir();
        if compile(d.path(), "trace", PTRACE).is_none() {
            return;
        }
        let mut victim = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = victim.id().to_string();
        let o = run(&b, d.path(), &["./trace", &pid], |_| {});
        assert!(!o.stdout.text().contains("TRACED") && !o.stdout.text().contains("KILLED"), "{b:?}: {}", o.stdout.text());
        assert!(victim.try_wait().unwrap().is_none(), "{b:?}: the host process died");
        victim.kill().unwrap();
        victim.wait().unwrap();
        still_works(&b, d.path());
    }
}

#[test]
fn mounting_and_new_namespaces_are_denied() {
    for b in backends() {
        let d = workdir();
        let o = sh(&b, d.path(), "mount -t tmpfs none /tmp && echo MOUNTED; unshare -Ur true && echo UNSHARED; mount --bind /work /tmp && echo BOUND; true");
        let out = o.stdout.text();
        assert!(!out.contains("MOUNTED") && !out.contains("UNSHARED") && !out.contains("BOUND"), "{b:?}: {out}");
        still_works(&b, d.path());
    }
}

#[test]
fn the_proof_runs_as_an_unprivileged_user_with_a_leak_sanitizer_able_to_ptrace() {
    let d = workdir();
    let o = sh(&Backend::Namespaces, d.path(), "id -u; cat /proc/self/status | grep -E '^(Seccomp|NoNewPrivs|CapEff):'");
    let out = o.stdout.text();
    assert!(out.starts_with("1000\n"), "{out}");
    assert!(out.contains("Seccomp:\t2"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    if sandbox_user_is_root() {
        assert!(o.applied.host_uid >= 100_000, "a root helper runs proofs as an id of their own: {}", o.applied.host_uid);
    }
    assert!(o.applied.landlock_abi >= 1);
}

fn sandbox_user_is_root() -> bool {
    let mut s = String::new();
    std::fs::File::open("/proc/self/status").unwrap().read_to_string(&mut s).unwrap();
    s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

#[test]
fn an_invalid_spec_or_missing_program_is_a_setup_failure_not_a_crash() {
    let d = workdir();
    let mut spec = RunSpec::new(["definitely-not-a-program"], d.path());
    spec.limits.wall_ms = 5_000;
    let o = sandbox().run(&spec).unwrap();
    assert!(matches!(&o.termination, Termination::SetupFailed { message } if message.contains("not found")), "{:?}", o.termination);
    spec.workdir = "relative".into();
    let o = sandbox().run(&spec).unwrap();
    assert!(matches!(&o.termination, Termination::SetupFailed { message } if message.contains("not absolute")), "{:?}", o.termination);
    spec.run_as = Some((0, 0));
    spec.workdir = d.path().to_path_buf();
    let o = sandbox().run(&spec).unwrap();
    if sandbox_user_is_root() {
        assert!(matches!(&o.termination, Termination::SetupFailed { message } if message.contains("root")), "{:?}", o.termination);
    }
}
