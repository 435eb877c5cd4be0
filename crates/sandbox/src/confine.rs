//! What the proof's own process applies to itself just before `execve`: rlimits, landlock, no new
//! privileges and the seccomp filter. Order matters: the filter comes last, because it forbids
//! calls the earlier steps make.

use crate::spec::{Limits, RunSpec};
use crate::sys;
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};
use seccompiler::{BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule, TargetArch};
use std::collections::BTreeMap;
use std::path::Path;

/// The newest landlock ABI this build knows how to ask for.
const LANDLOCK_ABI: ABI = ABI::V6;

pub fn apply_rlimits(limits: &Limits) -> Result<(), String> {
    let set = |name: &str, res, soft: u64, hard: u64| sys::setrlimit(res, soft, hard).map_err(|e| format!("setrlimit {name}: {e}"));
    // SIGXCPU at the soft limit, SIGKILL one second later.
    set("RLIMIT_CPU", libc::RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds.saturating_add(1))?;
    if let Some(bytes) = limits.address_space_bytes {
        set("RLIMIT_AS", libc::RLIMIT_AS, bytes, bytes)?;
    }
    set("RLIMIT_FSIZE", libc::RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes)?;
    set("RLIMIT_NPROC", libc::RLIMIT_NPROC, limits.processes, limits.processes)?;
    set("RLIMIT_NOFILE", libc::RLIMIT_NOFILE, limits.open_files, limits.open_files)?;
    // No core files: they would be written into the proof's folder and could be huge.
    set("RLIMIT_CORE", libc::RLIMIT_CORE, 0, 0)?;
    Ok(())
}

/// Landlock over the new root: system folders read and execute only, `/work`, `/tmp` and
/// writable binds read-write, `/dev` devices usable, nothing else; TCP bind and connect denied
/// unless the spec asks for loopback; no signals or abstract unix sockets outside the sandbox.
/// Returns the ABI in force; refuses (an error) when the kernel enforces nothing.
pub fn apply_landlock(spec: &RunSpec) -> Result<i32, String> {
    let abi = LANDLOCK_ABI;
    let all = AccessFs::from_all(abi);
    let read = AccessFs::from_read(abi);
    let dev = AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate | AccessFs::IoctlDev;
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)
        .map_err(|e| format!("landlock: {e}"))?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)
        .map_err(|e| format!("landlock: {e}"))?;
    if !spec.loopback {
        ruleset = ruleset.handle_access(AccessNet::from_all(abi)).map_err(|e| format!("landlock: {e}"))?;
    }
    let mut grants: Vec<(&Path, landlock::BitFlags<AccessFs>)> = vec![(Path::new("/"), AccessFs::ReadDir.into())];
    for dir in crate::root::SYSTEM_DIRS.iter().chain(["/etc", "/proc"].iter()) {
        grants.push((Path::new(dir), read));
    }
    grants.push((Path::new("/dev"), dev));
    for dir in ["/work", "/tmp", "/dev/shm"] {
        grants.push((Path::new(dir), all));
    }
    for b in &spec.binds {
        grants.push((&b.inside, if b.writable { all } else { read }));
    }
    // A folder missing from this root (no /lib32 here, say) is skipped, not an error.
    let rules = grants.into_iter().filter_map(|(path, access)| PathFd::new(path).ok().map(|fd| Ok::<_, landlock::RulesetError>(PathBeneath::new(fd, access))));
    let created = ruleset.create().and_then(|c| c.add_rules(rules)).map_err(|e| format!("landlock: {e}"))?;
    let status = created.restrict_self().map_err(|e| format!("landlock: {e}"))?;
    match status.ruleset {
        RulesetStatus::NotEnforced => Err("landlock is not enforced by this kernel".to_owned()),
        _ => Ok(match status.landlock {
            landlock::LandlockStatus::Available { effective_abi, .. } => effective_abi as i32,
            _ => 0,
        }),
    }
}

/// System calls no proof of concept needs, denied with EPERM: changing mounts and roots, loading
/// kernels, modules and BPF programs, the kernel keyring, swapping, rebooting, clocks, joining or
/// creating namespaces (a nested user namespace would hand back capabilities), performance
/// counters, userfaultfd and io_uring (both favourite kernel exploit primitives), raw handles.
/// `ptrace` stays allowed: LeakSanitizer stops the world with it, and inside a pid namespace of
/// its own a proof can only reach its own processes.
const DENIED: &[libc::c_long] = &[
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_bpf,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_keyctl,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_setns,
    libc::SYS_unshare,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_quotactl,
    libc::SYS_acct,
    libc::SYS_syslog,
    libc::SYS_vhangup,
    libc::SYS_iopl,
    libc::SYS_ioperm,
    libc::SYS_lookup_dcookie,
    libc::SYS_fanotify_init,
];

fn target_arch() -> Result<TargetArch, String> {
    std::env::consts::ARCH.try_into().map_err(|_| format!("no seccomp filter for architecture {}", std::env::consts::ARCH))
}

/// The filters, compiled to BPF: the deny list (EPERM) and `clone3` (ENOSYS, so that C libraries fall
/// back to `clone`, whose flags a filter can read).
pub fn seccomp_programs() -> Result<Vec<BpfProgram>, String> {
    let arch = target_arch()?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = DENIED.iter().map(|&nr| (nr, Vec::new())).collect();
    // Any one namespace flag on `clone` matches (a rule's conditions are and-ed, rules or-ed).
    let mut clone_rules = Vec::new();
    for flag in [libc::CLONE_NEWUSER, libc::CLONE_NEWNS, libc::CLONE_NEWPID, libc::CLONE_NEWNET, libc::CLONE_NEWIPC, libc::CLONE_NEWUTS, libc::CLONE_NEWCGROUP]
    {
        let cond = SeccompCondition::new(0, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(flag as u64), flag as u64).map_err(|e| format!("seccomp: {e}"))?;
        clone_rules.push(SeccompRule::new(vec![cond]).map_err(|e| format!("seccomp: {e}"))?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    // The sandbox's pid 1 (our init, or bwrap's) is not the proof's to trace or signal: stopping it
    // would leave the run hanging until the wall clock ends it.
    let cond = |arg, len, value| SeccompCondition::new(arg, len, SeccompCmpOp::Eq, value).map_err(|e| format!("seccomp: {e}"));
    let rule = |conds| SeccompRule::new(conds).map_err(|e| format!("seccomp: {e}"));
    let pid_one = || cond(1, SeccompCmpArgLen::Dword, 1);
    rules.insert(
        libc::SYS_ptrace,
        vec![
            rule(vec![cond(0, SeccompCmpArgLen::Qword, libc::PTRACE_ATTACH as u64)?, pid_one()?])?,
            rule(vec![cond(0, SeccompCmpArgLen::Qword, libc::PTRACE_SEIZE as u64)?, pid_one()?])?,
        ],
    );
    for nr in [libc::SYS_kill, libc::SYS_tkill, libc::SYS_tgkill] {
        rules.insert(nr, vec![rule(vec![cond(0, SeccompCmpArgLen::Dword, 1)?])?]);
    }
    let deny = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch).map_err(|e| format!("seccomp: {e}"))?;
    let clone3 =
        SeccompFilter::new([(libc::SYS_clone3, Vec::new())].into_iter().collect(), SeccompAction::Allow, SeccompAction::Errno(libc::ENOSYS as u32), arch)
            .map_err(|e| format!("seccomp: {e}"))?;
    let compile = |f: SeccompFilter| BpfProgram::try_from(f).map_err(|e| format!("seccomp: {e}"));
    Ok(vec![compile(deny)?, compile(clone3)?])
}

pub fn apply_seccomp(programs: &[BpfProgram]) -> Result<(), String> {
    sys::no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;
    for p in programs {
        seccompiler::apply_filter(p).map_err(|e| format!("seccomp: {e}"))?;
    }
    Ok(())
}

/// The filters as the raw bytes of `struct sock_filter` arrays, concatenated: what bubblewrap's
/// `--seccomp FD` reads (one program; bwrap takes one, so only the deny list goes there and
/// `clone3` is left to bwrap's own namespace limits).
pub fn seccomp_bytes_for_bwrap() -> Result<Vec<u8>, String> {
    let programs = seccomp_programs()?;
    let mut out = Vec::new();
    for ins in &programs[0] {
        out.extend_from_slice(&ins.code.to_ne_bytes());
        out.push(ins.jt);
        out.push(ins.jf);
        out.extend_from_slice(&ins.k.to_ne_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_compile_for_this_machine() {
        let programs = seccomp_programs().unwrap();
        assert_eq!(programs.len(), 2);
        assert!(programs[0].len() > DENIED.len(), "every denied call has at least one instruction");
        assert_eq!(seccomp_bytes_for_bwrap().unwrap().len(), programs[0].len() * 8);
    }
}
