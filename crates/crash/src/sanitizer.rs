//! Sanitizer reports: AddressSanitizer (and HWASan), LeakSanitizer, MemorySanitizer, ThreadSanitizer and
//! UndefinedBehaviorSanitizer, as the LLVM and GCC runtimes print them.

use crate::frames::{self, Lang, MAX_FRAME_LINES};
use crate::{Parsed, Tool, slug};

/// The kind, frames and summary of one sanitizer report; `span` starts at its header line.
pub(crate) fn parse(tool: Tool, span: &[&str], max_frames: usize) -> Parsed {
    let head = span.first().copied().unwrap_or("");
    let summary = span.iter().map(|l| l.trim()).find(|l| l.starts_with("SUMMARY: ")).map(str::to_string);
    match tool {
        Tool::Ubsan => {
            let message = after(head, "runtime error: ").unwrap_or("").trim();
            let kind = format!("ubsan:{}", ubsan_kind(message));
            let mut frames = stack(span, 1, max_frames);
            let stackless = frames.is_empty();
            if stackless && max_frames > 0 {
                // GCC prints no stack by default; the file is the only place the report names.
                frames.extend(ubsan_file(head));
            }
            let summary = summary.or_else(|| Some(format!("runtime error: {}", frames::cut(message, 1024))));
            Parsed { kind, frames, summary, stackless }
        }
        Tool::Lsan => {
            // The first direct leak is the object nothing points to; indirect leaks hang off it.
            let start = span.iter().position(|l| l.trim_start().starts_with("Direct leak of")).unwrap_or(1);
            Parsed::new("lsan:memory-leak".to_string(), stack(span, start, max_frames), summary)
        }
        Tool::Asan => {
            let (prefix, marker) = if head.contains("HWAddressSanitizer: ") { ("hwasan", "HWAddressSanitizer: ") } else { ("asan", "AddressSanitizer: ") };
            let kind = format!("{prefix}:{}", asan_kind(after(head, marker).unwrap_or("")));
            Parsed::new(kind, stack(span, 1, max_frames), summary)
        }
        Tool::Msan => {
            let kind = format!("msan:{}", asan_kind(after(head, "MemorySanitizer: ").unwrap_or("")));
            Parsed::new(kind, stack(span, 1, max_frames), summary)
        }
        Tool::Tsan => {
            let text = after(head, "ThreadSanitizer: ").unwrap_or("");
            let kind = format!("tsan:{}", tsan_kind(text));
            Parsed::new(kind, stack(span, 1, max_frames), summary)
        }
        Tool::Rust | Tool::Go | Tool::Python => Parsed::new("unknown".to_string(), Vec::new(), None),
    }
}

/// The text after the first occurrence of `marker`.
pub(crate) fn after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    line.find(marker).map(|i| &line[i + marker.len()..])
}

/// The first stack at or after line `from`: consecutive `#N` frame lines; lines before it (the access
/// description, `The signal is caused by ...`) are passed over. Only the first stack: the access's in an
/// ASan report, not the allocation's or deallocation's, which describe where the memory came from.
fn stack(span: &[&str], from: usize, max_frames: usize) -> Vec<String> {
    let mut frames = Vec::new();
    let mut started = false;
    for line in span.iter().skip(from).take(MAX_FRAME_LINES * 4) {
        if frames.len() >= max_frames {
            break;
        }
        let Some(raw) = frames::parse_sanitizer_frame(line) else {
            if started {
                break;
            }
            continue;
        };
        started = true;
        if raw.name.is_empty() {
            // Unsymbolised: the offset differs between builds, so it cannot be part of a stable signature.
            continue;
        }
        let lang = if raw.name.contains("::h") || raw.file.ends_with(".rs") || raw.file.contains(".rs:") { Lang::Rust } else { Lang::Native };
        let name = frames::normalise(raw.name, lang);
        if name.is_empty() || frames::is_machinery(&name, raw.file, raw.module) {
            continue;
        }
        frames.push(name);
    }
    frames
}

/// `heap-buffer-overflow on address ...` → `heap-buffer-overflow`; `SEGV on unknown address` → `SEGV`;
/// `attempting double-free on ...` → `double-free`.
fn asan_kind(text: &str) -> String {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("");
    let word = match first {
        "attempting" => match words.next() {
            Some("free") => "bad-free",
            Some(w) => w,
            None => first,
        },
        "requested" => "allocation-size-too-big",
        "allocator" => "out-of-memory",
        _ => first,
    };
    let kind: String = word.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(64).collect();
    if kind.is_empty() { "unknown".to_string() } else { kind }
}

/// `data race (pid=1234)` → `data-race`; `SEGV on unknown address` → `SEGV`.
fn tsan_kind(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or("");
    if first.len() > 1 && first.bytes().all(|b| b.is_ascii_uppercase()) {
        return first.to_string();
    }
    let text = text.split(" (").next().unwrap_or("");
    let kind = slug(text);
    if kind.is_empty() { "unknown".to_string() } else { kind }
}

/// The UBSan check from its `runtime error:` message, named as `-fsanitize=` names the check where the
/// message says which it is.
pub(crate) fn ubsan_kind(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let kind = if m.contains("out of bounds for type") || m.starts_with("index ") {
        "index-out-of-bounds"
    } else if m.contains("signed integer overflow") && !m.contains("unsigned integer overflow") || m.starts_with("negation of") {
        "signed-integer-overflow"
    } else if m.contains("unsigned integer overflow") {
        "unsigned-integer-overflow"
    } else if m.contains("division by zero") || m.contains("divide by zero") {
        // The -fsanitize check's name. Float division says the same, but its check is off by default.
        "integer-divide-by-zero"
    } else if m.contains("null pointer") && m.contains("offset") || m.contains("pointer index expression") || m.contains("addition of unsigned offset") {
        "pointer-overflow"
    } else if m.contains("null pointer") {
        "null-pointer-use"
    } else if m.contains("shift exponent") || m.starts_with("left shift of") {
        "shift-out-of-bounds"
    } else if m.contains("misaligned address") {
        "misaligned-pointer-use"
    } else if m.contains("is outside the range of representable values") {
        "float-cast-overflow"
    } else if m.contains("unreachable program point") {
        "unreachable"
    } else if m.contains("end of a value-returning function") {
        "missing-return"
    } else if m.contains("variable length array bound") {
        "vla-bound"
    } else {
        let generic = remove_specifics(message);
        let s = slug(&generic);
        return if s.is_empty() { "unknown".to_string() } else { s };
    };
    kind.to_string()
}

/// Drops quoted types (`'int [10]'`) and numbers from a message, which vary between instances of one check.
fn remove_specifics(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '\'' {
            quoted = !quoted;
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    out.split_whitespace().filter(|w| !w.bytes().any(|b| b.is_ascii_digit())).collect::<Vec<_>>().join(" ")
}

/// `/src/CWE121.c:42:13: runtime error: ...` → `CWE121.c` (the file name, without directories or line).
fn ubsan_file(head: &str) -> Option<String> {
    let location = head.split(": runtime error:").next()?.trim();
    let mut path = location;
    while let Some((before, after)) = path.rsplit_once(':') {
        if after.is_empty() || !after.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        path = before;
    }
    let base = path.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base == "<unknown>" { None } else { Some(frames::cut(base, frames::MAX_NAME_LEN).to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ubsan_kinds() {
        assert_eq!(ubsan_kind("index 10 out of bounds for type 'int [10]'"), "index-out-of-bounds");
        assert_eq!(ubsan_kind("signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'"), "signed-integer-overflow");
        assert_eq!(ubsan_kind("division by zero"), "integer-divide-by-zero");
        assert_eq!(ubsan_kind("load of null pointer of type 'int'"), "null-pointer-use");
        assert_eq!(ubsan_kind("member access within null pointer of type 'struct node'"), "null-pointer-use");
        assert_eq!(ubsan_kind("shift exponent 40 is too large for 32-bit type 'int'"), "shift-out-of-bounds");
        assert_eq!(ubsan_kind("load of misaligned address 0x602000000011 for type 'int', which requires 4 byte alignment"), "misaligned-pointer-use");
        assert_eq!(ubsan_kind("load of value 7, which is not a valid value for type 'bool'"), "load-of-value-which-is-not-a-valid-value-for-type");
        assert_eq!(ubsan_kind(""), "unknown");
    }

    #[test]
    fn ubsan_file_names() {
        assert_eq!(ubsan_file("CWE121.c:42:13: runtime error: index 10").as_deref(), Some("CWE121.c"));
        assert_eq!(ubsan_file("/src/a/b.cc:1: runtime error: x").as_deref(), Some("b.cc"));
        assert_eq!(ubsan_file(": runtime error: x"), None);
    }
}
