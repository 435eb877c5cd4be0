//! Frames: from one printed stack line to a function name that is the same across builds, machines and
//! reporters, and the rule for which frames are machinery (sanitizer runtime, libc, panic and runtime
//! support) rather than the program.

/// Longest raw function name looked at; longer names are cut before normalising, which keeps every step
/// linear in a bounded length whatever the input.
const MAX_RAW_NAME: usize = 4096;
/// Longest normalised name kept.
pub(crate) const MAX_NAME_LEN: usize = 512;
/// Frame lines looked at per stack: enough for any real top-of-stack, and a bound on hostile input.
pub(crate) const MAX_FRAME_LINES: usize = 256;

/// One sanitizer stack line taken apart: `#3 0x4f3b2c in name /src/file.c:12:5 (binary+0x4f3b2c)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawFrame<'a> {
    /// The function as printed; empty when the frame is not symbolised.
    pub name: &'a str,
    /// The source location, if printed (`/src/file.c:12:5`).
    pub file: &'a str,
    /// The module, if printed (`/path/binary+0x4f3b2c`, `<unknown module>`).
    pub module: &'a str,
}

/// Parses a sanitizer frame line (`#N ...`, any indentation); `None` when the line is not one.
pub(crate) fn parse_sanitizer_frame(line: &str) -> Option<RawFrame<'_>> {
    let rest = line.trim_start().strip_prefix('#')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with([' ', '\t']) {
        return None;
    }
    let mut rest = rest[digits..].trim();
    if let Some(after) = rest.strip_prefix("0x") {
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        rest = after[hex..].trim_start();
    }
    if let Some(after) = rest.strip_prefix("in ") {
        rest = after.trim_start();
    }
    // `(BuildId: 69389d48...)`, printed after the module by newer runtimes.
    while rest.ends_with(')')
        && let Some(open) = matching_open(rest)
        && rest[open..].starts_with("(BuildId:")
    {
        rest = rest[..open].trim_end();
    }
    let mut module = "";
    if rest.ends_with(')')
        && let Some(open) = matching_open(rest)
    {
        let inner = &rest[open + 1..rest.len() - 1];
        // A module group, as opposed to a C++ argument list: it has an offset, is a path, or is `<unknown module>`.
        if open == 0 || inner.contains("+0x") || inner.starts_with('/') || inner.starts_with('<') {
            module = inner;
            rest = rest[..open].trim_end();
        }
    }
    let mut file = "";
    if let Some(space) = rest.rfind([' ', '\t']) {
        let last = &rest[space + 1..];
        if looks_like_location(last) {
            file = last;
            rest = rest[..space].trim_end();
        }
    } else if looks_like_location(rest) && rest.contains(['/', '\\']) {
        // `#0 0x... in /path/file.c:3` has a location and no function.
        file = rest;
        rest = "";
    }
    let name = if rest == "<null>" { "" } else { rest };
    Some(RawFrame { name, file, module })
}

/// Whether a token is a source location rather than part of a function name.
fn looks_like_location(token: &str) -> bool {
    if token == "<null>" {
        return true;
    }
    if token.ends_with(')') || token.ends_with('>') {
        return false;
    }
    if token.contains(['/', '\\']) {
        return true;
    }
    // `file.c:12` or `file.c:12:5`.
    let mut parts = token.rsplit(':');
    let last = parts.next().unwrap_or("");
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    numeric(last) && parts.next().is_some_and(|p| numeric(p) || p.contains('.'))
}

/// The index of the `(` that matches the `)` ending `s`, if balanced.
pub(crate) fn matching_open(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.last() != Some(&b')') {
        return None;
    }
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Which toolchain printed a name, for the few rules that only make sense for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// C, C++ and Rust under a sanitizer: clone suffixes (`.isra.0`) depend on the optimiser.
    Native,
    Rust,
    Go,
}

/// Normalises a function name: no offset, hash, arguments, generic arguments or compiler clone suffix, so
/// that the same function prints the same way from any build.
pub(crate) fn normalise(name: &str, lang: Lang) -> String {
    let mut s = cut(name.trim(), MAX_RAW_NAME);
    // `main+0x1c` (symbolised through the dynamic symbol table only).
    if let Some(i) = s.rfind("+0x")
        && i > 0
        && s[i + 3..].bytes().all(|b| b.is_ascii_hexdigit())
    {
        s = &s[..i];
    }
    s = strip_rust_hash(s);
    // Arguments: C++ `f(int, char const*) const`, Go `main.f(0xc000010000, 0x3)`. Not `operator()` alone.
    let mut owned = s.trim_end_matches(" const").trim_end_matches(" volatile").trim_end_matches(" &&").trim_end_matches(" &").to_string();
    if let Some(open) = matching_open(&owned)
        && open > 0
        && !owned[..open].ends_with("operator")
    {
        owned.truncate(open);
    }
    if lang == Lang::Native {
        strip_clone_suffix(&mut owned);
    }
    let mut out = strip_generics(&owned);
    if lang != Lang::Go {
        out = out.replace("{{closure}}", "{closure}");
        out = replace_numbered_closures(&out);
        out = strip_crate_disambiguators(&out);
    }
    let out = out.trim();
    cut(out, MAX_NAME_LEN).to_string()
}

/// Cuts a string to at most `max` bytes on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `demo::main::h0123456789abcdef` → `demo::main`: the hash changes with every compiler and dependency version.
fn strip_rust_hash(s: &str) -> &str {
    if let Some(i) = s.rfind("::h") {
        let hash = &s[i + 3..];
        if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return &s[..i];
        }
    }
    s
}

/// `parse.isra.0`, `parse.constprop.3`, `parse.part.1`, `parse.cold`: GCC and LLVM copies of one function.
fn strip_clone_suffix(s: &mut String) {
    for marker in [".isra.", ".constprop.", ".part.", ".lto_priv.", ".llvm.", ".cold"] {
        if let Some(i) = s.find(marker) {
            let tail = &s[i + marker.len()..];
            if tail.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b.is_ascii_alphabetic()) && i > 0 {
                s.truncate(i);
            }
        }
    }
}

/// Removes generic argument lists (`Vec<T>::push` → `Vec::push`, turbofish `f::<u8>` → `f`), which follow
/// monomorphisation rather than the code, and keeps qualified paths (`<T as Trait>::f`, `<impl Trait for X>`).
fn strip_generics(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if bytes[i] == b'<' && opens_generic_list(&out, &s[i + 1..]) {
            match matching_close(bytes, i) {
                Some(end) => {
                    if out.ends_with("::") {
                        out.truncate(out.len() - 2);
                    }
                    i = end + 1;
                    continue;
                }
                None => {
                    // Unbalanced: keep the rest as printed.
                    out.push_str(&s[i..]);
                    break;
                }
            }
        }
        let Some(c) = s[i..].chars().next() else { break };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn opens_generic_list(before: &str, after: &str) -> bool {
    if before.ends_with("operator") || before.ends_with("operator<") {
        return false;
    }
    if before.ends_with("::") {
        return !after.starts_with("impl ");
    }
    before.chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The index of the `>` that closes the `<` at `open`, if balanced (`->` does not close).
fn matching_close(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'<' => depth += 1,
            b'>' if i > 0 && bytes[i - 1] == b'-' => {}
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `{closure#0}` (v0 mangling) → `{closure}`, the legacy spelling after normalising.
fn replace_numbered_closures(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("{closure#") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + "{closure#".len()..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if tail[digits..].starts_with('}') {
            out.push_str("{closure}");
            rest = &tail[digits + 1..];
        } else {
            out.push_str("{closure#");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// `demo[1a2b3c4d]::main` (v0 mangling) → `demo::main`: the disambiguator is a hash of the build.
fn strip_crate_disambiguators(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        let tail = &rest[i + 1..];
        let hex = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        let preceded_by_ident = rest[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if hex > 0 && preceded_by_ident && tail[hex..].starts_with(']') {
            out.push_str(&rest[..i]);
            rest = &tail[hex + 1..];
        } else {
            out.push_str(&rest[..=i]);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Function-name prefixes of sanitizer runtimes, libc start-up and thread start, and panic machinery:
/// the same in every report, so they carry no information about the bug.
const MACHINERY_PREFIXES: &[&str] = &[
    "__asan",
    "__lsan",
    "__msan",
    "__tsan",
    "__ubsan",
    "__hwasan",
    "__sanitizer",
    "__interceptor_",
    "___interceptor_",
    "__interception::",
    "__libc_start",
    "__GI_",
    "__pthread_kill",
    "_dl_",
    // Rust panic machinery.
    "std::panicking::",
    "core::panicking::",
    "rust_begin_unwind",
    "rust_panic",
    "std::rt::",
    "std::sys::backtrace",
    "std::sys_common::backtrace",
    "std::backtrace",
    "std::panic::",
    "__rust_",
    "__rustc::",
    "core::result::unwrap_failed",
    "core::option::unwrap_failed",
    "core::option::expect_failed",
    "core::ops::function::",
    // Go runtime (the frame that called into it is the program's).
    "runtime.",
];

/// Exact names of start-up and signal frames.
const MACHINERY_NAMES: &[&str] = &["_start", "start_thread", "clone", "clone3", "__clone", "__clone3", "raise", "abort", "gsignal", "panic"];

/// Source or module paths of sanitizer runtimes and libc, whatever the function (`malloc`, `memcpy` and
/// `operator new` are the runtime's when they are printed from there; libc's `memmove` variants depend on the CPU).
const MACHINERY_PLACES: &[&str] = &[
    "compiler-rt/lib/",
    "libsanitizer/",
    "libasan",
    "libclang_rt.",
    "libtsan",
    "libubsan",
    "liblsan",
    "libmsan",
    "libhwasan",
    "/sysdeps/",
    "libc.so",
    "libc-2.",
    "libpthread",
    "ld-linux",
];

/// Whether a normalised frame is machinery rather than the program.
pub(crate) fn is_machinery(name: &str, file: &str, module: &str) -> bool {
    MACHINERY_PREFIXES.iter().any(|p| name.starts_with(p))
        || MACHINERY_NAMES.contains(&name)
        || MACHINERY_PLACES.iter().any(|p| file.contains(p) || module.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_frame_variants() {
        let f = parse_sanitizer_frame("    #0 0x4f3b2c in parse_header /home/a/src/x.c:12:5").unwrap();
        assert_eq!((f.name, f.file, f.module), ("parse_header", "/home/a/src/x.c:12:5", ""));
        let f = parse_sanitizer_frame("    #1 0x7f2a in main (/tmp/a.out+0x4f3b2c)").unwrap();
        assert_eq!((f.name, f.module), ("main", "/tmp/a.out+0x4f3b2c"));
        let f = parse_sanitizer_frame("    #2 0x7f2a  (/tmp/a.out+0x4f3b2c) (BuildId: 69389d485a97)").unwrap();
        assert_eq!(f.name, "");
        let f = parse_sanitizer_frame("    #0 increment /tmp/race.c:7:10 (race+0x1234)").unwrap();
        assert_eq!((f.name, f.file, f.module), ("increment", "/tmp/race.c:7:10", "race+0x1234"));
        let f = parse_sanitizer_frame("    #3 0x55 in Foo::bar(std::vector<int, std::allocator<int> > const&) const /src/foo.cc:3:1").unwrap();
        assert_eq!(f.name, "Foo::bar(std::vector<int, std::allocator<int> > const&) const");
        assert_eq!(normalise(f.name, Lang::Native), "Foo::bar");
        assert!(parse_sanitizer_frame("#include <stdio.h>").is_none());
        assert!(parse_sanitizer_frame("    #").is_none());
    }

    #[test]
    fn normalises_names() {
        assert_eq!(normalise("demo::main::h0123456789abcdef", Lang::Rust), "demo::main");
        assert_eq!(normalise("demo::main::{{closure}}", Lang::Rust), "demo::main::{closure}");
        assert_eq!(normalise("demo[1a2b]::run::{closure#0}", Lang::Rust), "demo::run::{closure}");
        assert_eq!(normalise("<alloc::vec::Vec<T,A> as core::ops::index::Index<I>>::index", Lang::Rust), "<alloc::vec::Vec as core::ops::index::Index>::index");
        assert_eq!(
            normalise("core::slice::index::<impl core::ops::index::Index<I> for [T]>::index", Lang::Rust),
            "core::slice::index::<impl core::ops::index::Index for [T]>::index"
        );
        assert_eq!(normalise("demo::parse::<u8>", Lang::Rust), "demo::parse");
        assert_eq!(normalise("main+0x1c", Lang::Native), "main");
        assert_eq!(normalise("parse_header.isra.0", Lang::Native), "parse_header");
        assert_eq!(normalise("Foo::operator<<(int)", Lang::Native), "Foo::operator<<");
        assert_eq!(normalise("Foo::operator()(int)", Lang::Native), "Foo::operator()");
        assert_eq!(normalise("main.(*Parser).next(0xc000010000, 0x3)", Lang::Go), "main.(*Parser).next");
        assert_eq!(normalise("(anonymous namespace)::f(int)", Lang::Native), "(anonymous namespace)::f");
    }
}
