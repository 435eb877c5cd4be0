//! From run outcomes to verdicts: what one run showed against the oracle, what N runs add up to,
//! and whether a fix holds. Pure: the runner hands in outcomes, these functions decide.

use crate::bundle::{Oracle, Stream, compile_pattern, signal_number};
use clearinghouse_crash::{Crash, Exit};
use clearinghouse_sandbox::Termination;
use serde::{Deserialize, Serialize};

/// The verdict on a proof of concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every run met the oracle.
    Reproduced,
    /// Some runs met it, not all.
    Flaky,
    /// No run met it.
    NotReproduced,
    /// The source did not build.
    BuildFailed,
    /// Every run timed out, and the oracle is not a hang.
    TimedOut,
    /// The sandbox could not run the proof: nothing can be said about it.
    SandboxError,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::Flaky => "flaky",
            Verdict::NotReproduced => "not_reproduced",
            Verdict::BuildFailed => "build_failed",
            Verdict::TimedOut => "timed_out",
            Verdict::SandboxError => "sandbox_error",
        }
    }

    /// Whether the proof showed the bug at all (the fix can then be checked against it).
    pub fn showed_bug(self) -> bool {
        matches!(self, Verdict::Reproduced | Verdict::Flaky)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixVerdict {
    /// The claimed crash is absent in every run of the fixed variant.
    FixVerified,
    /// It is still there in at least one run, or the fixed variant could not be checked.
    FixNotVerified,
    /// No fixed variant, or the proof did not reproduce on the vulnerable build.
    NotTested,
}

impl FixVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            FixVerdict::FixVerified => "fix_verified",
            FixVerdict::FixNotVerified => "fix_not_verified",
            FixVerdict::NotTested => "not_tested",
        }
    }
}

/// What one run showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    /// The run met the oracle.
    pub matched: bool,
    /// The crash that met a sanitizer or crash oracle.
    pub matched_crash: Option<Crash>,
    /// Every crash report in the run's output, in order.
    pub crashes: Vec<Crash>,
}

/// The crash crate's view of how a run ended.
pub fn exit_of(t: &Termination) -> Exit {
    match t {
        Termination::Exited { code } => Exit::Code(*code),
        Termination::Signaled { signal } => Exit::Signal(*signal),
        Termination::TimedOut => Exit::Timeout,
        Termination::MemoryExceeded | Termination::SetupFailed { .. } => Exit::Unknown,
    }
}

/// Judges one run: `stdout` and `stderr` as captured, `termination` as the sandbox reported it.
pub fn judge(oracle: &Oracle, termination: &Termination, stdout: &[u8], stderr: &[u8]) -> Judgement {
    // Sanitizers and runtimes report on stderr; a proof may print a panic or traceback on stdout.
    let mut output = stderr.to_vec();
    output.push(b'\n');
    output.extend_from_slice(stdout);
    let crashes = if matches!(termination, Termination::SetupFailed { .. }) {
        Vec::new()
    } else {
        clearinghouse_crash::analyse_bytes(&output, exit_of(termination), &Default::default()).reports
    };
    let timed_out = matches!(termination, Termination::TimedOut);
    let find = |accept: &dyn Fn(&Crash) -> bool| crashes.iter().find(|c| accept(c)).cloned();
    let (matched, matched_crash) = match oracle {
        Oracle::Sanitizer { kind, frames } => {
            let c = find(&|c| kind_matches(kind, &c.kind) && frames_match(frames, &c.frames));
            (c.is_some() && !timed_out, c)
        }
        Oracle::Crash { frames } => {
            let c = find(&|c| frames_match(frames, &c.frames));
            (c.is_some() && !timed_out, c)
        }
        Oracle::ExitCode { code } => (matches!(termination, Termination::Exited { code: c } if c == code), None),
        Oracle::Signal { signal } => {
            let want = signal_number(signal);
            (matches!(termination, Termination::Signaled { signal: s } if Some(*s) == want), None)
        }
        Oracle::Output { stream, pattern } => {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let hay = match stream {
                Stream::Stdout => text(stdout),
                Stream::Stderr => text(stderr),
                Stream::Either => text(&output),
            };
            (!timed_out && compile_pattern(pattern).is_ok_and(|re| re.is_match(&hay)), None)
        }
        Oracle::Hang {} => (timed_out, None),
    };
    Judgement { matched, matched_crash, crashes }
}

/// `asan:*` matches every ASan kind; otherwise kinds are equal.
pub fn kind_matches(wanted: &str, kind: &str) -> bool {
    match wanted.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => wanted == kind,
    }
}

/// Every expected frame is among the crash's (normalised) frames.
pub fn frames_match(expected: &[String], frames: &[String]) -> bool {
    expected.iter().all(|e| frames.iter().any(|f| f == e))
}

/// What N runs add up to. `build_ok` false means nothing ran.
pub fn verdict(oracle: &Oracle, build_ok: bool, runs: &[(Termination, Judgement)]) -> Verdict {
    if !build_ok {
        return Verdict::BuildFailed;
    }
    if runs.is_empty() || runs.iter().any(|(t, _)| matches!(t, Termination::SetupFailed { .. })) {
        return Verdict::SandboxError;
    }
    let matched = runs.iter().filter(|(_, j)| j.matched).count();
    if matched == runs.len() {
        Verdict::Reproduced
    } else if matched > 0 {
        Verdict::Flaky
    } else if !matches!(oracle, Oracle::Hang {}) && runs.iter().all(|(t, _)| matches!(t, Termination::TimedOut)) {
        Verdict::TimedOut
    } else {
        Verdict::NotReproduced
    }
}

/// The fix's verdict, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixResult {
    pub verdict: FixVerdict,
    /// Why, in a sentence.
    pub reason: String,
    /// Runs of the fixed variant in which the claimed crash (or the oracle) still showed.
    pub claim_seen_runs: u32,
    /// Crashes of another class seen in the fixed variant: findings of their own, not a failed fix.
    pub other_findings: Vec<Crash>,
}

impl FixResult {
    pub fn not_tested(reason: impl Into<String>) -> Self {
        Self { verdict: FixVerdict::NotTested, reason: reason.into(), claim_seen_runs: 0, other_findings: Vec::new() }
    }
}

/// Judges the fixed variant's runs against the claim: the oracle, and the crash the vulnerable
/// build showed (`claimed`, for crash oracles). `fix_verified` only when the claim is absent from
/// every run and every run ran to its end.
pub fn fix_verdict(oracle: &Oracle, claimed: Option<&Crash>, build_ok: bool, runs: &[(Termination, Judgement)]) -> FixResult {
    if !build_ok {
        return FixResult { verdict: FixVerdict::FixNotVerified, reason: "the fixed variant did not build".into(), ..FixResult::not_tested("") };
    }
    let mut seen = 0;
    let mut inconclusive = Vec::new();
    let mut other: Vec<Crash> = Vec::new();
    for (i, (t, j)) in runs.iter().enumerate() {
        let claim_seen = j.matched || claimed.is_some_and(|c| j.crashes.iter().any(|x| x.signature == c.signature));
        if claim_seen {
            seen += 1;
        }
        match t {
            Termination::SetupFailed { message } => inconclusive.push(format!("run {}: sandbox error: {message}", i + 1)),
            Termination::TimedOut if !matches!(oracle, Oracle::Hang {}) => inconclusive.push(format!("run {} timed out", i + 1)),
            Termination::MemoryExceeded => inconclusive.push(format!("run {} passed the memory limit", i + 1)),
            _ => {}
        }
        for c in &j.crashes {
            let same_class = claimed.is_some_and(|k| k.kind == c.kind) || j.matched_crash.as_ref().is_some_and(|m| m.signature == c.signature);
            if !same_class && !other.iter().any(|o| o.signature == c.signature) {
                other.push(c.clone());
            }
        }
    }
    let n = runs.len();
    let (verdict, reason) = if n == 0 {
        (FixVerdict::FixNotVerified, "the fixed variant was not run".to_owned())
    } else if seen > 0 {
        (FixVerdict::FixNotVerified, format!("the claimed crash still shows in {seen} of {n} runs of the fixed variant"))
    } else if !inconclusive.is_empty() {
        (FixVerdict::FixNotVerified, format!("the fixed variant could not be checked: {}", inconclusive.join("; ")))
    } else if other.is_empty() {
        (FixVerdict::FixVerified, format!("the claimed crash is absent in all {n} runs of the fixed variant"))
    } else {
        (
            FixVerdict::FixVerified,
            format!("the claimed crash is absent in all {n} runs of the fixed variant; {} other finding(s) of another class", other.len()),
        )
    };
    FixResult { verdict, reason, claim_seen_runs: seen, other_findings: other }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASAN_UAF: &str = "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\n    #0 0x4011 in bad /work/a.c:10\n    #1 0x4012 in main /work/a.c:20\nSUMMARY: AddressSanitizer: heap-use-after-free /work/a.c:10 in bad\n";
    const LSAN_LEAK: &str = "==1==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 100 byte(s) in 1 object(s) allocated from:\n    #0 0x7f in __interceptor_malloc ../../asan_malloc_linux.cpp:69\n    #1 0x4011 in good /work/a.c:50\n    #2 0x4012 in main /work/a.c:99\n\nSUMMARY: AddressSanitizer: 100 byte(s) leaked in 1 allocation(s).\n";

    fn sanitizer(kind: &str) -> Oracle {
        Oracle::Sanitizer { kind: kind.into(), frames: vec![] }
    }

    fn run(oracle: &Oracle, t: Termination, stderr: &str) -> (Termination, Judgement) {
        let j = judge(oracle, &t, b"", stderr.as_bytes());
        (t, j)
    }

    #[test]
    fn all_some_or_no_runs_matching() {
        let o = sanitizer("asan:heap-use-after-free");
        let hit = || run(&o, Termination::Exited { code: 1 }, ASAN_UAF);
        let miss = || run(&o, Termination::Exited { code: 0 }, "");
        assert_eq!(verdict(&o, true, &[hit(), hit(), hit()]), Verdict::Reproduced);
        assert_eq!(verdict(&o, true, &[hit(), miss(), hit()]), Verdict::Flaky);
        assert_eq!(verdict(&o, true, &[miss(), miss(), miss()]), Verdict::NotReproduced);
        assert_eq!(verdict(&o, false, &[]), Verdict::BuildFailed);
        let setup = run(&o, Termination::SetupFailed { message: "no userns".into() }, ASAN_UAF);
        assert_eq!(verdict(&o, true, &[hit(), setup]), Verdict::SandboxError);
    }

    #[test]
    fn a_hang_reproduces_only_when_the_oracle_is_a_hang() {
        let o = sanitizer("asan:*");
        let t = || run(&o, Termination::TimedOut, "");
        assert_eq!(verdict(&o, true, &[t(), t(), t()]), Verdict::TimedOut);
        let hang = Oracle::Hang {};
        let h = || run(&hang, Termination::TimedOut, "");
        assert_eq!(verdict(&hang, true, &[h(), h(), h()]), Verdict::Reproduced);
        let quick = run(&hang, Termination::Exited { code: 0 }, "");
        assert_eq!(verdict(&hang, true, &[quick.clone(), quick.clone(), quick]), Verdict::NotReproduced);
    }

    #[test]
    fn oracles_on_exit_code_signal_output_and_frames() {
        let exit = Oracle::ExitCode { code: 3 };
        assert!(judge(&exit, &Termination::Exited { code: 3 }, b"", b"").matched);
        assert!(!judge(&exit, &Termination::Exited { code: 0 }, b"", b"").matched);
        let sig = Oracle::Signal { signal: "SIGSEGV".into() };
        assert!(judge(&sig, &Termination::Signaled { signal: 11 }, b"", b"").matched);
        assert!(!judge(&sig, &Termination::Signaled { signal: 6 }, b"", b"").matched);
        let out = Oracle::Output { stream: Stream::Stdout, pattern: "secret=[0-9]+".into() };
        assert!(judge(&out, &Termination::Exited { code: 0 }, b"leaked secret=42", b"").matched);
        assert!(!judge(&out, &Termination::Exited { code: 0 }, b"", b"leaked secret=42").matched, "wrong stream");
        let framed = Oracle::Sanitizer { kind: "asan:heap-use-after-free".into(), frames: vec!["bad".into()] };
        assert!(judge(&framed, &Termination::Exited { code: 1 }, b"", ASAN_UAF.as_bytes()).matched);
        let elsewhere = Oracle::Sanitizer { kind: "asan:heap-use-after-free".into(), frames: vec!["parse_header".into()] };
        assert!(!judge(&elsewhere, &Termination::Exited { code: 1 }, b"", ASAN_UAF.as_bytes()).matched);
    }

    #[test]
    fn a_leak_in_the_fixed_build_is_another_finding_not_a_failed_fix() {
        let o = sanitizer("asan:heap-use-after-free");
        let vulnerable = run(&o, Termination::Exited { code: 1 }, ASAN_UAF);
        let claimed = vulnerable.1.matched_crash.clone().unwrap();
        let fixed = || run(&o, Termination::Exited { code: 1 }, LSAN_LEAK);
        let r = fix_verdict(&o, Some(&claimed), true, &[fixed(), fixed(), fixed()]);
        assert_eq!(r.verdict, FixVerdict::FixVerified, "{}", r.reason);
        assert_eq!(r.other_findings.len(), 1);
        assert_eq!(r.other_findings[0].kind, "lsan:memory-leak");
    }

    #[test]
    fn a_fix_that_still_crashes_or_cannot_be_checked_is_not_verified() {
        let o = sanitizer("asan:heap-use-after-free");
        let vulnerable = run(&o, Termination::Exited { code: 1 }, ASAN_UAF);
        let claimed = vulnerable.1.matched_crash.clone().unwrap();
        let clean = || run(&o, Termination::Exited { code: 0 }, "");
        let r = fix_verdict(&o, Some(&claimed), true, &[clean(), vulnerable.clone(), clean()]);
        assert_eq!((r.verdict, r.claim_seen_runs), (FixVerdict::FixNotVerified, 1));
        let r = fix_verdict(&o, Some(&claimed), true, &[clean(), run(&o, Termination::TimedOut, ""), clean()]);
        assert_eq!(r.verdict, FixVerdict::FixNotVerified);
        assert!(r.reason.contains("timed out"), "{}", r.reason);
        assert_eq!(fix_verdict(&o, Some(&claimed), false, &[]).verdict, FixVerdict::FixNotVerified);
        let r = fix_verdict(&o, Some(&claimed), true, &[clean(), clean(), clean()]);
        assert_eq!((r.verdict, r.other_findings.len()), (FixVerdict::FixVerified, 0));
    }
}
