//! The sandbox's file system: a fresh tmpfs root holding read-only binds of the system folders, a
//! few harmless files of `/etc`, minimal `/dev`, its own `/proc` and `/tmp`, and the proof's folder
//! at `/work`. Nothing else of the host exists inside: not the server's data folder, not `/home`,
//! not `/root`, not `/etc/shadow`.

use crate::spec::RunSpec;
use crate::sys::{self, cpath};
use std::ffi::CStr;
use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// Host folders bound read-only at the same place (symlinks, as on merged-/usr systems, are
/// recreated as symlinks).
pub const SYSTEM_DIRS: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/// Entries of the host's `/etc` a compiler, a dynamic linker or a script may need. `passwd`,
/// `group`, `hosts` and `hostname` are written fresh; nothing holding secrets is listed.
const ETC_ENTRIES: &[&str] = &[
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "localtime",
    "timezone",
    "nsswitch.conf",
    "os-release",
    "debian_version",
    "protocols",
    "services",
    "mime.types",
    "ssl",
    "ca-certificates",
    "bash.bashrc",
    "profile",
    "inputrc",
];

const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom"];

/// The user id and group id the proof has inside its user namespace.
pub const INSIDE_ID: u32 = 1000;

/// Where the new root is assembled before `pivot_root` (a tmpfs mounted over it, in the sandbox's
/// own mount namespace only).
const STAGING: &str = "/tmp";

/// Descriptors of the host folders to bind, opened in the new mount namespace before the staging
/// tmpfs hides them (the working folder may well live under the host's /tmp).
struct Sources {
    work: OwnedFd,
    binds: Vec<OwnedFd>,
}

impl Sources {
    fn open(spec: &RunSpec) -> Result<Self, String> {
        let open = |p: &Path| sys::open_path(p).map_err(|e| format!("open {}: {e}", p.display()));
        Ok(Self { work: open(&spec.workdir)?, binds: spec.binds.iter().map(|b| open(&b.host)).collect::<Result<_, _>>()? })
    }
}

fn staged(inside: &Path) -> PathBuf {
    Path::new(STAGING).join(inside.strip_prefix("/").unwrap_or(inside))
}

fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

fn c(p: &Path) -> Result<std::ffi::CString, String> {
    cpath(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn mount(source: Option<&Path>, target: &Path, fstype: Option<&CStr>, flags: libc::c_ulong, data: Option<&str>) -> Result<(), String> {
    let src = source.map(c).transpose()?;
    let data = data.map(|d| sys::cstring(d).map_err(|e| e.to_string())).transpose()?;
    sys::mount(src.as_deref(), &c(target)?, fstype, flags, data.as_deref())
        .map_err(|e| format!("mount {} on {}: {e}", source.map_or("-".into(), |s| s.display().to_string()), target.display()))
}

fn tmpfs(target: &Path, flags: libc::c_ulong, data: &str) -> Result<(), String> {
    mount(Some(Path::new("tmpfs")), target, Some(c"tmpfs"), flags, Some(data))
}

/// Binds `source` on `target`, then remounts it with `extra` flags (read-only, nosuid, nodev…),
/// keeping the flags the parent namespace locked.
fn bind(source: &Path, target: &Path, extra: libc::c_ulong) -> Result<(), String> {
    mount(Some(source), target, None, libc::MS_BIND | libc::MS_REC, None)?;
    let locked = sys::locked_mount_flags(&c(target)?).map_err(|e| format!("statvfs {}: {e}", target.display()))?;
    mount(None, target, None, libc::MS_BIND | libc::MS_REMOUNT | locked | extra, None)
}

fn make_dir(p: &Path) -> Result<(), String> {
    fs::create_dir_all(p).map_err(|e| format!("mkdir {}: {e}", p.display()))
}

fn make_file(p: &Path, content: &str) -> Result<(), String> {
    fs::write(p, content).map_err(|e| format!("write {}: {e}", p.display()))
}

/// Places a host path at the same place in the staging root: symlinks as symlinks, folders and
/// files as read-only binds. A host path that does not exist is skipped.
fn mirror_read_only(host: &Path) -> Result<(), String> {
    let Ok(meta) = fs::symlink_metadata(host) else { return Ok(()) };
    let target = staged(host);
    if meta.file_type().is_symlink() {
        let to = fs::read_link(host).map_err(|e| format!("readlink {}: {e}", host.display()))?;
        return symlink(&to, &target).map_err(|e| format!("symlink {}: {e}", target.display()));
    }
    if meta.is_dir() {
        make_dir(&target)?;
    } else {
        make_file(&target, "")?;
    }
    bind(host, &target, libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV)
}

/// Builds the root in a new mount namespace and switches to it. Runs as the sandbox's pid 1, with
/// the capabilities of the fresh user namespace (and none on the host).
pub fn enter(spec: &RunSpec) -> Result<(), String> {
    sys::unshare(libc::CLONE_NEWNS).map_err(|e| format!("unshare mount namespace: {e}"))?;
    let sources = Sources::open(spec)?;
    // Nothing done here may propagate back to the host's mounts.
    mount(None, Path::new("/"), None, libc::MS_REC | libc::MS_PRIVATE, None)?;
    tmpfs(Path::new(STAGING), libc::MS_NOSUID | libc::MS_NODEV, "mode=0755,size=16m")?;

    for dir in SYSTEM_DIRS {
        mirror_read_only(Path::new(dir))?;
    }
    make_dir(&staged(Path::new("/etc")))?;
    for entry in ETC_ENTRIES {
        mirror_read_only(&Path::new("/etc").join(entry))?;
    }
    let id = INSIDE_ID;
    make_file(
        &staged(Path::new("/etc/passwd")),
        &format!("sandbox:x:{id}:{id}:sandbox:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
    )?;
    make_file(&staged(Path::new("/etc/group")), &format!("sandbox:x:{id}:\nnogroup:x:65534:\n"))?;
    make_file(&staged(Path::new("/etc/hosts")), "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost\n")?;
    make_file(&staged(Path::new("/etc/hostname")), "sandbox\n")?;

    let dev = staged(Path::new("/dev"));
    make_dir(&dev)?;
    tmpfs(&dev, libc::MS_NOSUID | libc::MS_NOEXEC, "mode=0755,size=64k")?;
    for name in DEVICES {
        let host = Path::new("/dev").join(name);
        make_file(&dev.join(name), "")?;
        bind(&host, &dev.join(name), libc::MS_NOSUID | libc::MS_NOEXEC)?;
    }
    for (link, to) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
        symlink(to, dev.join(link)).map_err(|e| format!("symlink /dev/{link}: {e}"))?;
    }
    make_dir(&dev.join("shm"))?;
    tmpfs(&dev.join("shm"), libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC, "mode=1777,size=64m")?;

    let proc_dir = staged(Path::new("/proc"));
    make_dir(&proc_dir)?;
    mount(Some(Path::new("proc")), &proc_dir, Some(c"proc"), libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC, None)?;

    let tmp = staged(Path::new("/tmp"));
    make_dir(&tmp)?;
    tmpfs(&tmp, libc::MS_NOSUID | libc::MS_NODEV, &format!("mode=1777,size={}", spec.limits.tmp_bytes.max(4096)))?;

    let work = staged(Path::new("/work"));
    make_dir(&work)?;
    bind(&fd_path(&sources.work), &work, libc::MS_NOSUID | libc::MS_NODEV)?;
    for (b, fd) in spec.binds.iter().zip(&sources.binds) {
        let target = staged(&b.inside);
        if fs::metadata(fd_path(fd)).map(|m| m.is_dir()).unwrap_or(true) {
            make_dir(&target)?;
        } else {
            if let Some(parent) = target.parent() {
                make_dir(parent)?;
            }
            make_file(&target, "")?;
        }
        let ro = if b.writable { 0 } else { libc::MS_RDONLY };
        bind(&fd_path(fd), &target, ro | libc::MS_NOSUID | libc::MS_NODEV)?;
    }

    std::env::set_current_dir(STAGING).map_err(|e| format!("chdir {STAGING}: {e}"))?;
    // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only the new.
    sys::pivot_root(c".", c".").map_err(|e| format!("pivot_root: {e}"))?;
    sys::umount_detach(c".").map_err(|e| format!("detach the old root: {e}"))?;
    std::env::set_current_dir("/").map_err(|e| format!("chdir /: {e}"))?;
    mount(None, Path::new("/"), None, libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV, None)?;
    sys::sethostname("sandbox").map_err(|e| format!("sethostname: {e}"))?;
    if spec.loopback {
        sys::loopback_up().map_err(|e| format!("loopback up: {e}"))?;
    }
    Ok(())
}
