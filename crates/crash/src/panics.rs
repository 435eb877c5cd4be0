//! Language-level crashes: Rust panics (with or without `RUST_BACKTRACE`), Go panics and fatal errors, and
//! Python tracebacks.

use crate::Parsed;
use crate::frames::{self, Lang, MAX_FRAME_LINES};

/// A Rust panic; `span` starts at the `thread '...' panicked at` line. Both message formats: before Rust 1.73
/// `panicked at 'msg', src/main.rs:3:5`, since then `panicked at src/main.rs:3:5:` with the message on the
/// following lines (and, since 1.87 or so, the thread id in parentheses after the name).
pub(crate) fn rust(span: &[&str], max_frames: usize) -> Parsed {
    let head = span.first().copied().unwrap_or("");
    let at = head.find(" panicked at ").map(|i| &head[i + " panicked at ".len()..]).unwrap_or("").trim();
    let (location, message) = if let Some(quoted) = at.strip_prefix('\'') {
        match quoted.rsplit_once("', ") {
            Some((message, location)) => (location.trim(), message.to_string()),
            None => ("", quoted.trim_end_matches('\'').to_string()),
        }
    } else if let Some(location) = at.strip_suffix(':') {
        let message = span.get(1).map(|l| l.trim()).filter(|l| !l.starts_with("note:") && *l != "stack backtrace:").unwrap_or("");
        (location, message.to_string())
    } else {
        (at, String::new())
    };
    let summary = if message.is_empty() { format!("panicked at {location}") } else { format!("panicked at {location}: {message}") };

    let mut names = Vec::new();
    if let Some(start) = span.iter().position(|l| l.trim() == "stack backtrace:") {
        for line in span.iter().skip(start + 1).take(MAX_FRAME_LINES * 2) {
            let t = line.trim();
            if t.starts_with("at ") {
                continue;
            }
            let Some((number, rest)) = t.split_once(": ") else { break };
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            // RUST_BACKTRACE=full: `12: 0x55d1c3a4b5c6 - demo::main::h0123456789abcdef`.
            let rest = rest.trim();
            let name = match rest.split_once(" - ") {
                Some((address, name)) if address.starts_with("0x") => name,
                _ => rest,
            };
            // The short backtrace ends here; a full one goes on into the runtime start-up and libc.
            if name.contains("__rust_begin_short_backtrace") || name.starts_with("std::rt::lang_start") {
                break;
            }
            names.push(frames::normalise(name, Lang::Rust));
        }
    }
    // The panic site is the first frame of the program: leading frames of the standard library (indexing,
    // `unwrap`, formatting) depend on inlining and the toolchain, so they are dropped until the program's first.
    let first_own = names.iter().position(|n| !is_std(n) && !frames::is_machinery(n, "", "")).unwrap_or(names.len());
    let mut out: Vec<String> = names.into_iter().skip(first_own).filter(|n| !n.is_empty() && !frames::is_machinery(n, "", "")).take(max_frames).collect();
    let stackless = out.is_empty();
    if stackless && max_frames > 0 {
        // Without RUST_BACKTRACE the location is all there is; its file name stays stable across checkouts.
        let path = strip_line_column(location);
        let base = path.rsplit(['/', '\\']).next().unwrap_or("");
        if !base.is_empty() {
            out.push(frames::cut(base, frames::MAX_NAME_LEN).to_string());
        }
    }
    Parsed { kind: "rust:panic".to_string(), frames: out, summary: Some(frames::cut(&summary, 1024).to_string()), stackless }
}

/// A frame of the Rust standard library: `std::`, `core::`, `alloc::`, or a qualified path whose self type
/// is primitive or the library's and whose trait is the library's.
fn is_std(name: &str) -> bool {
    const LIB: [&str; 3] = ["std::", "core::", "alloc::"];
    let lib = |s: &str| LIB.iter().any(|p| s.starts_with(p));
    if let Some(inner) = name.strip_prefix('<') {
        return match inner.split_once(" as ") {
            Some((self_type, trait_path)) => (lib(self_type) || !self_type.contains("::")) && lib(trait_path),
            None => lib(inner),
        };
    }
    lib(name)
}

/// `src/main.rs:3:5` → `src/main.rs`.
fn strip_line_column(location: &str) -> &str {
    let mut path = location;
    while let Some((before, after)) = path.rsplit_once(':') {
        if after.is_empty() || !after.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        path = before;
    }
    path
}

/// A Go panic or fatal error; `span` starts at the `panic: ` or `fatal error: ` line. Frames come from the
/// first goroutine printed, which is the one that panicked.
pub(crate) fn go(span: &[&str], max_frames: usize) -> Parsed {
    let head = span.first().map(|l| l.trim()).unwrap_or("");
    let kind = if head.starts_with("fatal error: ") { "go:fatal-error" } else { "go:panic" }.to_string();
    let summary = Some(frames::cut(head, 1024).to_string());
    let mut out = Vec::new();
    let Some(start) = span.iter().position(|l| l.starts_with("goroutine ") && l.trim_end().ends_with(':')) else {
        return Parsed::new(kind, out, summary);
    };
    let lines = &span[start + 1..];
    for (i, line) in lines.iter().enumerate().take(MAX_FRAME_LINES * 2) {
        if line.trim().is_empty() || line.starts_with("created by ") {
            break;
        }
        // Location lines (`\t/tmp/x/main.go:8 +0x1d`) and the elision marker.
        if line.starts_with([' ', '\t']) || line.starts_with("...") {
            continue;
        }
        // A function line is followed by its location; anything else (`exit status 2` from `go run`) ends the stack.
        if !lines.get(i + 1).is_some_and(|next| next.starts_with('\t')) {
            break;
        }
        let name = frames::normalise(line.trim(), Lang::Go);
        if name.is_empty() || frames::is_machinery(&name, "", "") {
            continue;
        }
        if out.len() >= max_frames {
            break;
        }
        out.push(name);
    }
    Parsed::new(kind, out, summary)
}

/// A Python traceback, possibly chained (`During handling of the above exception ...`); the last
/// traceback's exception is the one that ended the program, and its frames are the ones kept, innermost first.
pub(crate) fn python(span: &[&str], max_frames: usize) -> Parsed {
    let last = span.iter().rposition(|l| l.starts_with("Traceback (most recent call last):")).unwrap_or(0);
    let mut names = Vec::new();
    let mut exception = None;
    for line in span.iter().skip(last + 1) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("File \"") {
            if names.len() < MAX_FRAME_LINES {
                names.extend(python_frame(rest));
            }
            continue;
        }
        if t.is_empty() || line.starts_with([' ', '\t']) {
            continue;
        }
        exception = Some(t);
        break;
    }
    let name = exception
        .map(|e| e.split(':').next().unwrap_or("").trim())
        .filter(|n| !n.is_empty() && n.len() <= 128 && n.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or("unknown");
    let frames = names.into_iter().rev().take(max_frames).collect();
    Parsed::new(format!("python:{name}"), frames, exception.map(|e| frames::cut(e, 1024).to_string()))
}

/// `/srv/app/parse.py", line 12, in read_header` → `parse:read_header`; `None` for the interpreter's frozen modules.
fn python_frame(rest: &str) -> Option<String> {
    let (path, tail) = rest.split_once('"')?;
    if path.starts_with("<frozen ") {
        return None;
    }
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !base.starts_with('<') && !stem.is_empty() => stem,
        _ => base,
    };
    let function = tail.split_once(", in ").map(|(_, f)| f.trim());
    let frame = match function {
        Some(f) if !f.is_empty() => format!("{stem}:{f}"),
        _ => stem.to_string(),
    };
    if frame.is_empty() {
        return None;
    }
    Some(frames::cut(&frame, frames::MAX_NAME_LEN).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_frames() {
        assert!(is_std("core::slice::index::<impl core::ops::index::Index for [T]>::index"));
        assert!(is_std("<usize as core::slice::index::SliceIndex>::index"));
        assert!(is_std("<alloc::vec::Vec as core::ops::index::Index>::index"));
        assert!(!is_std("<demo::Parser as core::iter::Iterator>::next"));
        assert!(!is_std("demo::main"));
    }

    #[test]
    fn python_frames() {
        assert_eq!(python_frame("/srv/app/parse.py\", line 12, in read_header").as_deref(), Some("parse:read_header"));
        assert_eq!(python_frame("<stdin>\", line 1, in <module>").as_deref(), Some("<stdin>:<module>"));
        assert_eq!(python_frame("<frozen runpy>\", line 88, in _run_code"), None);
        assert_eq!(python_frame("x.py\", line 3").as_deref(), Some("x"));
        assert_eq!(python_frame(".\", line 0").as_deref(), Some("."));
        assert_eq!(python_frame("\", line 0"), None);
    }
}
