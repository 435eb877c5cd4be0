//! Clearinghouse crash analysis: what a proof-of-concept run crashed with, in a form that identifies the bug.
//!
//! [`analyse`] takes the captured output of one run (stderr, optionally with stdout) and how it ended
//! ([`Exit`]), and returns every crash report in it, in order, as a [`Crash`]: a `kind`, the normalised top
//! `frames`, a `signature` over both, and the tool's one-line `summary`. The first report is the primary one
//! ([`Analysis::primary`]); the rest are kept because a build that fixes one bug can show another (a
//! LeakSanitizer report once a use-after-free no longer aborts the run), which a validator reports as a
//! separate finding.
//!
//! Architecture invariant: no I/O. Output is outside data: it is bounded ([`MAX_INPUT_BYTES`],
//! [`MAX_LINES`], [`MAX_REPORTS`]), never panics the analysis, and what could not be read is a [`Diagnostic`].
//!
//! ```
//! use clearinghouse_crash::{Exit, analyse};
//!
//! let out = "==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x1 bp 0x2 sp 0x3\n\
//!            READ of size 4 at 0x602000000010 thread T0\n\
//!            \x20   #0 0x4f3b2c in parse_header /src/x/parse.c:12:5\n\
//!            \x20   #1 0x4f3c10 in main /src/x/main.c:3:1\n";
//! let crash = analyse(out, Exit::Code(1)).primary().cloned().unwrap();
//! assert_eq!(crash.kind, "asan:heap-use-after-free");
//! assert_eq!(crash.frames, ["parse_header", "main"]);
//! ```
//!
//! # Kinds
//! `asan:<class>` (`heap-buffer-overflow`, `SEGV`, `stack-use-after-scope`, ...; `hwasan:` likewise),
//! `lsan:memory-leak`, `msan:<class>`, `tsan:<class>` (`data-race`, ...), `ubsan:<check>` (from the
//! `runtime error:` message: `index-out-of-bounds`, `signed-integer-overflow`, `integer-divide-by-zero`,
//! `null-pointer-use`, `shift-out-of-bounds`, `misaligned-pointer-use`, ...; otherwise a slug of the message
//! without numbers and quoted types), `rust:panic`, `go:panic`, `go:fatal-error`, `python:<Exception>`, and
//! `signal:<SIGNAME>` for a run killed by a signal without any report.
//!
//! # Normalisation, and why
//! The same bug found by two reporters prints differently: other addresses, PIDs, checkout paths, line
//! numbers (a comment added above the bug), compilers and optimisation levels. The signature must collapse
//! those duplicates, so a frame is reduced to its function name:
//! - dropped: addresses (`0x4f3b2c`), module offsets (`(/path/bin+0x4f3b2c)`, `main+0x1c`), file paths, line
//!   and column numbers, Rust symbol hashes (`::h0123456789abcdef`) and v0 crate disambiguators
//!   (`demo[1a2b]`), argument lists (C++ `f(int) const`, Go `f(0xc000010000, 0x3)`), generic arguments
//!   (`Vec<T>::push` → `Vec::push`, `f::<u8>` → `f`; qualified paths like `<T as Trait>::f` stay),
//!   GCC/LLVM clone suffixes (`.isra.0`, `.constprop.1`, `.part.0`, `.cold`), closure numbering
//!   (`{closure#0}` → `{closure}`);
//! - skipped: machinery that is the same in every report: sanitizer runtimes and interceptors (`__asan_*`,
//!   `__interceptor_*`, `__sanitizer_*`, anything printed from `compiler-rt`, `libsanitizer`, `libasan`...),
//!   libc (`__libc_start_main`, `_start`, `__libc_start_call_main`, frames in `libc.so` or glibc's
//!   `sysdeps`, whose `memmove` variant depends on the CPU), thread start, Rust panic machinery
//!   (`std::panicking::`, `core::panicking::`, `rust_begin_unwind`, `std::rt::`, `std::sys::backtrace`, and
//!   the standard-library frames above the first frame of the program, which depend on inlining), the Go
//!   runtime (`runtime.*`, `panic`), Python's frozen modules, and unsymbolised frames;
//! - kept: the first [`DEFAULT_MAX_FRAMES`] remaining frames (see [`Options`]), innermost first. For ASan only
//!   the first stack is read (the access's `READ/WRITE of size` stack, or the SEGV stack): the allocation and
//!   free stacks say where the memory came from, not where the bug is. For LeakSanitizer, the first direct
//!   leak's allocation stack. Python frames are `file-stem:function`.
//!
//! When a report has no stack (UBSan as GCC prints it by default, a Rust panic without `RUST_BACKTRACE`),
//! the file name of the reported location stands in for the frames (`CWE121.c`, `main.rs`), and a diagnostic
//! says that the signature is weaker. A run with a stack and a run without one give different signatures.
//!
//! The signature is the hex SHA-256 of `kind`, a newline, and the frames joined by newlines ([`signature`]);
//! it therefore also depends on how many frames are kept.

mod frames;
mod panics;
mod sanitizer;

pub use clearinghouse_model::Diagnostic;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Output looked at: the first 4 MiB (reports come early; a PoC that floods its output is cut).
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// Lines looked at, after [`MAX_INPUT_BYTES`].
pub const MAX_LINES: usize = 200_000;
/// Reports kept from one output.
pub const MAX_REPORTS: usize = 64;
/// Frames kept per crash unless [`Options::max_frames`] says otherwise.
pub const DEFAULT_MAX_FRAMES: usize = 5;

/// The diagnostic codes of this crate.
pub mod codes {
    /// The output was longer than [`crate::MAX_INPUT_BYTES`]; only its beginning was read.
    pub const INPUT_TRUNCATED: &str = "crash_input_truncated";
    /// The output had more than [`crate::MAX_LINES`] lines; only the first were read.
    pub const TOO_MANY_LINES: &str = "crash_too_many_lines";
    /// More than [`crate::MAX_REPORTS`] reports; only the first were kept.
    pub const TOO_MANY_REPORTS: &str = "crash_too_many_reports";
    /// A report without a usable stack: its signature rests on the kind (and at most a file name), so
    /// different bugs of the same kind can share it.
    pub const NO_FRAMES: &str = "crash_no_frames";
    /// The output was not UTF-8 ([`crate::analyse_bytes`]); invalid sequences were replaced.
    pub const INVALID_UTF8: &str = "crash_invalid_utf8";
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    /// Exited with this status.
    Code(i32),
    /// Killed by this signal number (Linux numbering).
    Signal(i32),
    /// Stopped by the harness for running too long.
    Timeout,
    Unknown,
}

/// One crash report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Crash {
    /// `tool:class`, for example `asan:heap-buffer-overflow`; see the crate documentation.
    pub kind: String,
    /// Normalised function names, innermost first.
    pub frames: Vec<String>,
    /// Hex SHA-256 over `kind` and `frames` ([`signature`]).
    pub signature: String,
    /// The tool's one-line summary: the sanitizer's `SUMMARY:` line, UBSan's `runtime error:` message, the
    /// panic message, Python's exception line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl Crash {
    /// A crash with its signature computed.
    pub fn new(kind: impl Into<String>, frames: Vec<String>, summary: Option<String>) -> Self {
        let kind = kind.into();
        let signature = signature(&kind, &frames);
        Self { kind, frames, signature, summary }
    }

    /// Whether two crashes are the same bug as far as their output tells: same kind and same top frames.
    pub fn matches(&self, other: &Crash) -> bool {
        self.signature == other.signature
    }

    /// Whether `signature` is the one `kind` and `frames` give (false for a tampered or stale stored crash).
    pub fn signature_is_consistent(&self) -> bool {
        self.signature == signature(&self.kind, &self.frames)
    }
}

/// Hex SHA-256 of `kind`, a newline, and `frames` joined by newlines.
pub fn signature(kind: &str, frames: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update(b"\n");
    hasher.update(frames.join("\n").as_bytes());
    hex::encode(hasher.finalize())
}

/// The analysis of one run's output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// Every report, in the order printed; empty when the run did not crash (as far as its output and exit say).
    pub reports: Vec<Crash>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// The first report: the crash the run stopped with, or the first one found.
    pub fn primary(&self) -> Option<&Crash> {
        self.reports.first()
    }
}

/// Analysis settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Frames kept per crash (and hashed into its signature).
    pub max_frames: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_frames: DEFAULT_MAX_FRAMES }
    }
}

/// Analyses a run's output with the default [`Options`].
pub fn analyse(output: &str, exit: Exit) -> Analysis {
    analyse_with(output, exit, &Options::default())
}

/// Analyses output that may not be UTF-8 (invalid sequences are replaced, with a diagnostic).
pub fn analyse_bytes(output: &[u8], exit: Exit, options: &Options) -> Analysis {
    let bounded = &output[..output.len().min(MAX_INPUT_BYTES)];
    let text = String::from_utf8_lossy(bounded);
    let mut analysis = analyse_with(&text, exit, options);
    if output.len() > MAX_INPUT_BYTES {
        analysis.diagnostics.insert(0, truncated(output.len()));
    }
    if matches!(text, std::borrow::Cow::Owned(_)) {
        analysis.diagnostics.push(Diagnostic::new(codes::INVALID_UTF8, "", "the output is not UTF-8; invalid byte sequences were replaced"));
    }
    analysis
}

fn truncated(len: usize) -> Diagnostic {
    Diagnostic::new(codes::INPUT_TRUNCATED, "", format!("the output is {len} bytes long; only the first {MAX_INPUT_BYTES} were read"))
}

/// Analyses a run's output.
pub fn analyse_with(output: &str, exit: Exit, options: &Options) -> Analysis {
    let mut diagnostics = Vec::new();
    let text = frames::cut(output, MAX_INPUT_BYTES);
    if text.len() < output.len() {
        diagnostics.push(truncated(output.len()));
    }
    let mut lines: Vec<&str> = text.lines().take(MAX_LINES + 1).collect();
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        diagnostics.push(Diagnostic::new(codes::TOO_MANY_LINES, "", format!("the output has more than {MAX_LINES} lines; only the first were read")));
    }

    let mut starts: Vec<(usize, Tool)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(tool) = header(&lines, i, line) {
            if starts.len() == MAX_REPORTS {
                diagnostics.push(Diagnostic::new(codes::TOO_MANY_REPORTS, "", format!("more than {MAX_REPORTS} reports; only the first were kept")));
                break;
            }
            starts.push((i, tool));
        }
    }

    let mut reports = Vec::with_capacity(starts.len());
    for (n, &(start, tool)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(lines.len(), |&(next, _)| next);
        let span = &lines[start..end];
        let max = options.max_frames;
        let parsed = match tool {
            Tool::Rust => panics::rust(span, max),
            Tool::Go => panics::go(span, max),
            Tool::Python => panics::python(span, max),
            Tool::Asan | Tool::Lsan | Tool::Msan | Tool::Tsan | Tool::Ubsan => sanitizer::parse(tool, span, max),
        };
        if parsed.stackless && max > 0 {
            let on = if parsed.frames.is_empty() { "the kind alone" } else { "the kind and the reported file name" };
            diagnostics.push(Diagnostic::new(
                codes::NO_FRAMES,
                format!("/reports/{n}"),
                format!("the {} report at line {} has no usable stack; its signature rests on {on}", parsed.kind, start + 1),
            ));
        }
        reports.push(Crash::new(parsed.kind, parsed.frames, parsed.summary));
    }

    if reports.is_empty()
        && let Exit::Signal(number) = exit
    {
        reports.push(Crash::new(format!("signal:{}", signal_name(number)), Vec::new(), None));
    }
    Analysis { reports, diagnostics }
}

/// One report as its module read it.
pub(crate) struct Parsed {
    pub kind: String,
    pub frames: Vec<String>,
    pub summary: Option<String>,
    /// No stack was found (the frames, if any, stand in from the reported location).
    pub stackless: bool,
}

impl Parsed {
    pub(crate) fn new(kind: String, frames: Vec<String>, summary: Option<String>) -> Self {
        let stackless = frames.is_empty();
        Self { kind, frames, summary, stackless }
    }
}

/// The tool whose report a header line starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    Asan,
    Lsan,
    Msan,
    Tsan,
    Ubsan,
    Rust,
    Go,
    Python,
}

/// Whether line `i` starts a report, and whose.
fn header(lines: &[&str], i: usize, line: &str) -> Option<Tool> {
    if line.contains("ERROR: AddressSanitizer: ") || line.contains("ERROR: HWAddressSanitizer: ") {
        return Some(Tool::Asan);
    }
    if line.contains("ERROR: LeakSanitizer: ") {
        return Some(Tool::Lsan);
    }
    if line.contains("WARNING: MemorySanitizer: ") || line.contains("ERROR: MemorySanitizer: ") {
        return Some(Tool::Msan);
    }
    if line.contains("WARNING: ThreadSanitizer: ") || line.contains("ERROR: ThreadSanitizer: ") {
        return Some(Tool::Tsan);
    }
    if line.starts_with("panic: ") || line.starts_with("fatal error: ") {
        return Some(Tool::Go);
    }
    // Not Go's re-panic line (`\tpanic: runtime error: ...` under `panic: ... [recovered]`).
    if line.contains(": runtime error: ") && !line.trim_start().starts_with("panic: ") {
        return Some(Tool::Ubsan);
    }
    if line.starts_with("thread '") && line.contains(" panicked at ") {
        return Some(Tool::Rust);
    }
    if line.starts_with("Traceback (most recent call last):") {
        // A chained traceback continues the report before it.
        let previous = lines[..i].iter().rev().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
        let chained = previous.starts_with("During handling of the above exception") || previous.starts_with("The above exception was the direct cause");
        return (!chained).then_some(Tool::Python);
    }
    None
}

/// Lowercase words joined by `-`: `data race` → `data-race`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.len() >= 64 {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Linux signal names.
fn signal_name(number: i32) -> String {
    let name = match number {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        31 => "SIGSYS",
        _ => return number.to_string(),
    };
    name.to_string()
}
