//! The reproduction bundle: a folder holding `bundle.toml` and the files it names.
//!
//! ```toml
//! format = 1
//! name = "heap-buffer-overflow in CWE122 memmove"
//!
//! [source]            # the vulnerable source, copied to /work (default: the folder `src`)
//! dir = "src"
//!
//! [build]             # shell commands run in order in /work, inside the sandbox, without network
//! commands = ["gcc -g -fsanitize=address -o poc poc.c"]
//! timeout_seconds = 300
//!
//! [run]               # the proof: argv, run N times, each with its own timeout
//! command = ["./poc", "input.bin"]
//! stdin = "input.bin"       # optional, relative to /work
//! env = { ASAN_OPTIONS = "detect_leaks=1" }
//! runs = 3
//! timeout_seconds = 20
//!
//! [oracle]            # what "reproduced" means
//! type = "sanitizer"        # sanitizer | crash | exit_code | signal | output | hang
//! kind = "asan:heap-buffer-overflow"
//! frames = ["CWE122_Heap_Based_Buffer_Overflow__CWE131_memmove_01_bad"]   # optional
//!
//! [fixed]             # optional: the fixed variant, a folder or a patch (patch -p1) on the source
//! dir = "fixed"
//! ```
//!
//! Parsing never panics and reports every problem it finds as a [`Diagnostic`] with a pointer
//! into the manifest (`/run/runs`, `/oracle/pattern`…).

use clearinghouse_model::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path};

/// The manifest's file name in a bundle folder.
pub const MANIFEST: &str = "bundle.toml";
/// The only format version so far.
pub const FORMAT: u32 = 1;
/// The largest manifest read.
pub const MAX_MANIFEST_BYTES: usize = 1 << 20;

pub mod codes {
    pub const SYNTAX: &str = "bundle_syntax";
    pub const FORMAT: &str = "bundle_format";
    pub const TOO_LARGE: &str = "bundle_too_large";
    pub const MISSING: &str = "bundle_missing_file";
    pub const BAD_PATH: &str = "bundle_bad_path";
    pub const BAD_VALUE: &str = "bundle_bad_value";
    pub const BAD_ORACLE: &str = "bundle_bad_oracle";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub build: Build,
    pub run: Run,
    pub oracle: Oracle,
    #[serde(default)]
    pub fixed: Option<Fixed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub dir: String,
}

impl Default for Source {
    fn default() -> Self {
        Self { dir: "src".to_owned() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub command: Vec<String>,
    #[serde(default)]
    pub stdin: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub runs: Option<u32>,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// Bring up the sandbox's own loopback interface (a proof that talks to a server it starts).
    #[serde(default)]
    pub loopback: bool,
    /// RLIMIT_AS for the runs, MiB. Default: 4096, lifted for sanitizer and crash oracles
    /// (sanitizer runtimes reserve terabytes of address space), where the memory watchdog binds.
    #[serde(default)]
    pub address_space_mb: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
    Either,
}

/// What reproducing means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Oracle {
    /// A crash report of this kind (`asan:heap-buffer-overflow`, or `asan:*` for any ASan report),
    /// whose top frames include every one of `frames`.
    Sanitizer {
        kind: String,
        #[serde(default)]
        frames: Vec<String>,
    },
    /// Any crash report (sanitizer, panic, traceback, fatal signal) with these frames.
    Crash {
        #[serde(default)]
        frames: Vec<String>,
    },
    /// The proof exits with this status.
    ExitCode { code: i32 },
    /// The proof is killed by this signal (`SIGSEGV` or its number).
    Signal { signal: String },
    /// A regular expression matches the output.
    Output { stream: Stream, pattern: String },
    /// The proof still runs when its timeout passes.
    Hang {},
}

impl Oracle {
    /// Whether the runs need the address-space limit lifted by default.
    pub fn expects_sanitizer(&self) -> bool {
        matches!(self, Oracle::Sanitizer { .. } | Oracle::Crash { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixed {
    /// A folder with the fixed source (replaces [`Source::dir`]).
    #[serde(default)]
    pub dir: Option<String>,
    /// A unified diff applied with `patch -p1` to a copy of the source.
    #[serde(default)]
    pub patch: Option<String>,
    /// Build commands for the fixed variant; the vulnerable build's when absent.
    #[serde(default)]
    pub commands: Option<Vec<String>>,
}

/// Defaults the issue sets: three runs of 20 seconds each, a five-minute build.
pub const DEFAULT_RUNS: u32 = 3;
pub const DEFAULT_RUN_TIMEOUT_SECONDS: u64 = 20;
pub const DEFAULT_BUILD_TIMEOUT_SECONDS: u64 = 300;
pub const MAX_RUNS: u32 = 20;
pub const MAX_TIMEOUT_SECONDS: u64 = 3600;
/// Longest output pattern accepted (the regex engine is linear-time; this bounds its compile).
pub const MAX_PATTERN_CHARS: usize = 1000;

impl Manifest {
    pub fn runs(&self) -> u32 {
        self.run.runs.unwrap_or(DEFAULT_RUNS)
    }

    pub fn run_timeout_seconds(&self) -> u64 {
        self.run.timeout_seconds.unwrap_or(DEFAULT_RUN_TIMEOUT_SECONDS)
    }

    pub fn build_timeout_seconds(&self) -> u64 {
        self.build.timeout_seconds.unwrap_or(DEFAULT_BUILD_TIMEOUT_SECONDS)
    }
}

/// Parses a manifest. `files` tells whether a relative path exists in the bundle and is a folder
/// (`Some(true)`), a file (`Some(false)`) or missing (`None`); pass `|_| Some(true)` to skip the check.
pub fn parse(text: &[u8], files: impl Fn(&str) -> Option<bool>) -> Result<Manifest, Vec<Diagnostic>> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(vec![Diagnostic::new(codes::TOO_LARGE, "", format!("{MANIFEST} is {} bytes; the limit is {MAX_MANIFEST_BYTES}", text.len()))]);
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(vec![Diagnostic::new(codes::SYNTAX, "", format!("{MANIFEST} is not UTF-8"))]);
    };
    let manifest: Manifest = toml::from_str(text).map_err(|e| vec![Diagnostic::new(codes::SYNTAX, "", e.message().to_owned() + &location(text, e.span()))])?;
    let problems = check(&manifest, files);
    if problems.is_empty() { Ok(manifest) } else { Err(problems) }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map(|s| {
        let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
        format!(" (line {line})")
    })
    .unwrap_or_default()
}

/// Every problem of a manifest that parsed.
pub fn check(m: &Manifest, files: impl Fn(&str) -> Option<bool>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut bad = |code: &str, pointer: &str, message: String| out.push(Diagnostic::new(code, pointer, message));
    if m.format != FORMAT {
        bad(codes::FORMAT, "/format", format!("format {} is not known; this clearinghouse reads format {FORMAT}", m.format));
    }
    let mut path = |pointer: &str, p: &str, want_dir: bool| {
        if !is_relative_inside(p) {
            bad(codes::BAD_PATH, pointer, format!("{p:?} must be a relative path inside the bundle, without '..'"));
            return;
        }
        match files(p) {
            None => bad(codes::MISSING, pointer, format!("{p:?} is not in the bundle")),
            Some(is_dir) if is_dir != want_dir => bad(codes::MISSING, pointer, format!("{p:?} is a {} but must be a {}", kind(is_dir), kind(want_dir))),
            Some(_) => {}
        }
    };
    path("/source/dir", &m.source.dir, true);
    if let Some(f) = &m.fixed {
        match (&f.dir, &f.patch) {
            (Some(d), None) => path("/fixed/dir", d, true),
            (None, Some(p)) => path("/fixed/patch", p, false),
            _ => out.push(Diagnostic::new(codes::BAD_VALUE, "/fixed", "give exactly one of `dir` and `patch`")),
        }
    }
    let mut bad = |code: &str, pointer: &str, message: String| out.push(Diagnostic::new(code, pointer, message));
    if m.run.command.is_empty() || m.run.command[0].is_empty() {
        bad(codes::BAD_VALUE, "/run/command", "the run command is empty".into());
    }
    for (i, a) in m.run.command.iter().enumerate() {
        if a.contains('\0') {
            bad(codes::BAD_VALUE, &format!("/run/command/{i}"), "contains a NUL byte".into());
        }
    }
    for (i, c) in m.build.commands.iter().enumerate() {
        if c.trim().is_empty() || c.contains('\0') {
            bad(codes::BAD_VALUE, &format!("/build/commands/{i}"), "a build command is empty or contains a NUL byte".into());
        }
    }
    if let Some(s) = &m.run.stdin
        && !is_relative_inside(s)
    {
        bad(codes::BAD_PATH, "/run/stdin", format!("{s:?} must be a relative path inside /work"));
    }
    for (pointer, env) in [("/run/env", &m.run.env), ("/build/env", &m.build.env)] {
        for (k, v) in env {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                bad(codes::BAD_VALUE, &format!("{pointer}/{k}"), "not a valid environment variable".into());
            }
        }
    }
    if let Some(r) = m.run.runs
        && !(1..=MAX_RUNS).contains(&r)
    {
        bad(codes::BAD_VALUE, "/run/runs", format!("runs must be between 1 and {MAX_RUNS}"));
    }
    for (pointer, t) in [("/run/timeout_seconds", m.run.timeout_seconds), ("/build/timeout_seconds", m.build.timeout_seconds)] {
        if let Some(t) = t
            && !(1..=MAX_TIMEOUT_SECONDS).contains(&t)
        {
            bad(codes::BAD_VALUE, pointer, format!("timeouts must be between 1 and {MAX_TIMEOUT_SECONDS} seconds"));
        }
    }
    match &m.oracle {
        Oracle::Sanitizer { kind, .. } => {
            if !kind.split_once(':').is_some_and(|(tool, class)| !tool.is_empty() && !class.is_empty()) {
                bad(codes::BAD_ORACLE, "/oracle/kind", format!("{kind:?} is not a crash kind such as `asan:heap-buffer-overflow` or `ubsan:*`"));
            }
        }
        Oracle::Signal { signal } => {
            if signal_number(signal).is_none() {
                bad(codes::BAD_ORACLE, "/oracle/signal", format!("{signal:?} is not a signal name such as SIGSEGV or a number"));
            }
        }
        Oracle::Output { pattern, .. } => {
            if pattern.chars().count() > MAX_PATTERN_CHARS {
                bad(codes::BAD_ORACLE, "/oracle/pattern", format!("the pattern is longer than {MAX_PATTERN_CHARS} characters"));
            } else if let Err(e) = compile_pattern(pattern) {
                bad(codes::BAD_ORACLE, "/oracle/pattern", format!("not a valid regular expression: {e}"));
            }
        }
        Oracle::Crash { .. } | Oracle::ExitCode { .. } | Oracle::Hang {} => {}
    }
    out
}

fn kind(is_dir: bool) -> &'static str {
    if is_dir { "folder" } else { "file" }
}

/// A relative path with no `..`, no root and no empty name.
pub fn is_relative_inside(p: &str) -> bool {
    !p.is_empty() && !p.contains('\0') && Path::new(p).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Compiles an output pattern with a bound on the compiled program's size.
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).size_limit(1 << 20).build()
}

/// `SIGSEGV`, `SEGV` or `11` → 11 (Linux numbering).
pub fn signal_number(name: &str) -> Option<i32> {
    if let Ok(n) = name.parse::<i32>() {
        return (1..=64).contains(&n).then_some(n);
    }
    let name = name.trim_start_matches("SIG");
    const NAMES: &[(&str, i32)] = &[
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("ILL", 4),
        ("TRAP", 5),
        ("ABRT", 6),
        ("BUS", 7),
        ("FPE", 8),
        ("KILL", 9),
        ("USR1", 10),
        ("SEGV", 11),
        ("USR2", 12),
        ("PIPE", 13),
        ("ALRM", 14),
        ("TERM", 15),
        ("XCPU", 24),
        ("XFSZ", 25),
        ("SYS", 31),
    ];
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
format = 1
[build]
commands = ["gcc -o poc poc.c"]
[run]
command = ["./poc"]
[oracle]
type = "sanitizer"
kind = "asan:heap-buffer-overflow"
[fixed]
patch = "fix.patch"
"#;

    #[test]
    fn a_good_manifest_parses_with_defaults() {
        let m = parse(GOOD.as_bytes(), |p| Some(p != "fix.patch")).unwrap();
        assert_eq!(m.runs(), 3);
        assert_eq!(m.run_timeout_seconds(), 20);
        assert_eq!(m.source.dir, "src");
        assert!(m.oracle.expects_sanitizer());
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let text = r#"
format = 2
[source]
dir = "../etc"
[run]
command = []
runs = 0
timeout_seconds = 99999
stdin = "/etc/passwd"
[oracle]
type = "output"
stream = "stderr"
pattern = "("
[fixed]
dir = "fixed"
patch = "x"
"#;
        let problems = parse(text.as_bytes(), |_| Some(true)).unwrap_err();
        let pointers: Vec<&str> = problems.iter().map(|d| d.pointer.as_str()).collect();
        for p in ["/format", "/source/dir", "/fixed", "/run/command", "/run/stdin", "/run/runs", "/run/timeout_seconds", "/oracle/pattern"] {
            assert!(pointers.contains(&p), "{p} missing from {pointers:?}");
        }
    }

    #[test]
    fn missing_files_and_syntax_errors_are_diagnostics() {
        let problems = parse(GOOD.as_bytes(), |_| None).unwrap_err();
        assert!(problems.iter().any(|d| d.code == codes::MISSING && d.pointer == "/source/dir"));
        assert!(problems.iter().any(|d| d.code == codes::MISSING && d.pointer == "/fixed/patch"));
        let problems = parse(b"format = [", |_| Some(true)).unwrap_err();
        assert_eq!(problems[0].code, codes::SYNTAX);
        let problems = parse(b"format = 1\n[run]\ncommand=[\"x\"]\n[oracle]\ntype = \"telepathy\"\n", |_| Some(true)).unwrap_err();
        assert_eq!(problems[0].code, codes::SYNTAX);
        assert!(parse(&[0xff, 0xfe], |_| Some(true)).is_err());
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(signal_number("SIGSEGV"), Some(11));
        assert_eq!(signal_number("ABRT"), Some(6));
        assert_eq!(signal_number("9"), Some(9));
        assert_eq!(signal_number("SIGNOPE"), None);
        assert_eq!(signal_number("0"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,400}") {
            let _ = parse(text.as_bytes(), |_| Some(true));
        }
    }
}
