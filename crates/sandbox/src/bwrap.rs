//! The bubblewrap backend: the same root as [`crate::root`] (read-only system folders, the listed
//! `/etc` files, minimal `/dev`, own `/proc` and `/tmp`, the proof's folder at `/work`), built by
//! `bwrap` instead of by us, with our seccomp filter. Landlock is not applied: it forbids the
//! mounts bwrap has to make after the helper hands over.

use crate::root::SYSTEM_DIRS;
use crate::spec::RunSpec;
use std::os::fd::RawFd;
use std::path::Path;

/// The descriptor number on which bwrap reads the compiled seccomp filter.
pub const FILTER_FD: RawFd = 100;

const ETC_FILES: &[&str] = &["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime", "/etc/nsswitch.conf"];

/// The whole bwrap command line for `spec`.
pub fn argv(program: &Path, spec: &RunSpec, filter_fd: RawFd) -> Vec<String> {
    let mut a: Vec<String> = vec![program.display().to_string()];
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| (*s).to_owned()));
    push(&["--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]);
    for dir in SYSTEM_DIRS {
        let p = Path::new(dir);
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(to) = std::fs::read_link(p) {
                    a.extend(["--symlink".to_owned(), to.display().to_string(), (*dir).to_owned()]);
                }
            }
            Ok(_) => a.extend(["--ro-bind".to_owned(), (*dir).to_owned(), (*dir).to_owned()]),
            Err(_) => {}
        }
    }
    for f in ETC_FILES {
        a.extend(["--ro-bind-try".to_owned(), (*f).to_owned(), (*f).to_owned()]);
    }
    a.extend(["--proc".into(), "/proc".into(), "--dev".into(), "/dev".into()]);
    a.extend(["--size".into(), spec.limits.tmp_bytes.max(4096).to_string(), "--tmpfs".into(), "/tmp".into()]);
    a.extend(["--bind".into(), spec.workdir.display().to_string(), "/work".into()]);
    for b in &spec.binds {
        let kind = if b.writable { "--bind" } else { "--ro-bind" };
        a.extend([kind.to_owned(), b.host.display().to_string(), b.inside.display().to_string()]);
    }
    // bwrap's root is a writable tmpfs until told otherwise.
    a.extend(["--remount-ro".into(), "/".into(), "--chdir".into(), "/work".into()]);
    for (k, v) in &spec.env {
        a.extend(["--setenv".to_owned(), k.clone(), v.clone()]);
    }
    a.extend(["--seccomp".into(), filter_fd.to_string(), "--".into()]);
    a.extend(spec.argv.iter().cloned());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_binds_the_workdir_and_ends_with_the_proof() {
        let mut spec = RunSpec::new(["./poc", "--flag"], "/srv/jobs/1");
        spec.binds.push(crate::spec::Bind { host: "/srv/bundle".into(), inside: "/bundle".into(), writable: false });
        let a = argv(Path::new("/usr/bin/bwrap"), &spec, FILTER_FD);
        let joined = a.join(" ");
        assert!(joined.contains("--bind /srv/jobs/1 /work"), "{joined}");
        assert!(joined.contains("--ro-bind /srv/bundle /bundle"), "{joined}");
        assert!(joined.contains("--unshare-all"), "{joined}");
        assert!(joined.contains("--seccomp 100 -- ./poc --flag"), "{joined}");
        assert!(!joined.contains("/etc/shadow"));
    }
}
