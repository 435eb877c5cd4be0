//! Text: SARIF message strings (placeholders, embedded links), titles, truncation and Markdown quoting.

/// What [`format_message`] made of a message string.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Formatted {
    pub text: String,
    /// Placeholders without an argument, as written (`{3}`), each once.
    pub missing: Vec<String>,
    /// The output reached the cap and was cut.
    pub cut: bool,
}

/// Formats a SARIF message string (SARIF 2.1.0 §3.11.5): `{n}` (decimal n) is replaced by argument n,
/// `{{` and `}}` stand for single braces. A placeholder without an argument stays as written and is
/// listed in `missing`; a lone brace is kept. The output stops growing once it passes `cap` bytes,
/// since arguments repeated by many placeholders could otherwise turn a small log into a huge string.
pub(crate) fn format_message(template: &str, args: &[String], cap: usize) -> Formatted {
    let mut f = Formatted { text: String::with_capacity(template.len().min(cap)), ..Formatted::default() };
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        f.text.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            f.text.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            f.text.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && after[digits..].starts_with('}') {
                let placeholder = &tail[..digits + 2];
                match after[..digits].parse::<usize>().ok().and_then(|n| args.get(n)) {
                    Some(arg) => f.text.push_str(arg),
                    None => {
                        f.text.push_str(placeholder);
                        if !f.missing.iter().any(|m| m == placeholder) && f.missing.len() < 8 {
                            f.missing.push(placeholder.to_string());
                        }
                    }
                }
                rest = &after[digits + 1..];
            } else {
                f.text.push('{');
                rest = after;
            }
        } else {
            f.text.push('}');
            rest = &tail[1..];
        }
        if f.text.len() > cap {
            break;
        }
    }
    if f.text.len() <= cap {
        f.text.push_str(rest);
    }
    f.cut = truncate(&mut f.text, cap);
    f
}

/// Rewrites the embedded links of a SARIF plain-text message (§3.11.6), `[label](target)`, through
/// `link(label, target)`. With `keep_escapes` false, `\[` and `\]` become plain brackets (for a one-line
/// title); with it true they stay, which Markdown reads as the same brackets.
pub(crate) fn rewrite_links(text: &str, keep_escapes: bool, mut link: impl FnMut(&str, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['[', '\\']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix('\\') {
            match after.chars().next() {
                Some(c @ ('[' | ']')) => {
                    if keep_escapes {
                        out.push('\\');
                    }
                    out.push(c);
                    rest = &after[1..];
                }
                _ => {
                    out.push('\\');
                    rest = after;
                }
            }
            continue;
        }
        // tail starts with '['.
        match parse_link(tail) {
            Some((label, target, len)) => {
                out.push_str(&link(label, target));
                rest = &tail[len..];
            }
            None => {
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[label](target)` at the start of `s`: the label (escaped brackets allowed, no newline), the
/// target (no whitespace or parentheses), and the length of the whole link.
fn parse_link(s: &str) -> Option<(&str, &str, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b']' => break,
            b'[' | b'\n' => return None,
            _ => i += 1,
        }
    }
    if i >= bytes.len() || bytes.get(i + 1) != Some(&b'(') {
        return None;
    }
    let label = &s[1..i];
    let start = i + 2;
    let end = start + s[start..].find(|c: char| c == ')' || c == '(' || c.is_whitespace())?;
    if bytes[end] != b')' || end == start {
        return None;
    }
    Some((label, &s[start..end], end + 1))
}

/// A label of an embedded link with its escapes removed.
pub(crate) fn unescape_label(label: &str) -> String {
    label.replace("\\[", "[").replace("\\]", "]")
}

/// One line of at most `max_chars` characters: every run of whitespace and control characters becomes
/// one space, the ends are trimmed, and a longer line is cut at a word boundary with an ellipsis.
pub(crate) fn one_line(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut chars = 0usize;
    let mut pending_space = false;
    let mut cut = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if chars + usize::from(pending_space) + 1 > max_chars {
            cut = true;
            break;
        }
        if pending_space {
            out.push(' ');
            chars += 1;
            pending_space = false;
        }
        out.push(c);
        chars += 1;
    }
    if cut && max_chars > 0 {
        // Make room for the ellipsis, preferring to end at a word boundary not too far back.
        while chars + 1 > max_chars {
            out.pop();
            chars -= 1;
        }
        let floor = out.len().saturating_sub(40);
        if let Some(space) = out.rfind(' ').filter(|&i| i > floor && i > 0) {
            out.truncate(space);
        }
        out.truncate(out.trim_end().len());
        out.push('…');
    }
    out
}

/// The first sentence of a message, as a one-line title: the first non-blank line, up to the first
/// period followed by whitespace, without a final period.
pub(crate) fn first_sentence(text: &str, max_chars: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let end = line.char_indices().find(|&(i, c)| c == '.' && i > 0 && line[i + 1..].starts_with(char::is_whitespace)).map_or(line.len(), |(i, _)| i);
    one_line(line[..end].trim_end_matches('.'), max_chars)
}

/// Cuts `s` to at most `max` bytes at a character boundary, ending with an ellipsis when there is room.
/// Returns whether it cut.
pub(crate) fn truncate(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    const ELLIPSIS: &str = "…";
    let room = if max > ELLIPSIS.len() { max - ELLIPSIS.len() } else { max };
    let mut end = room;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    if room != max {
        s.push_str(ELLIPSIS);
    }
    true
}

/// `s` as a Markdown code span, on one line, with a backtick fence longer than any run of backticks in it.
pub(crate) fn code_span(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    let fence = "`".repeat(longest_backtick_run(&flat) + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// `s` as a fenced Markdown code block.
pub(crate) fn code_block(s: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(s) + 1).max(3));
    format!("{fence}\n{}\n{fence}", s.trim_end())
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_and_escaped_braces() {
        let f = format_message("'{0}': Placeholder '{1}'.", &args(&["x", "y"]), 1000);
        assert_eq!(f.text, "'x': Placeholder 'y'.");
        let f = format_message("{{0}} is {0}; {1}{1} {2} {x} } {", &args(&["a", "b"]), 1000);
        assert_eq!(f.text, "{0} is a; bb {2} {x} } {");
        assert_eq!(f.missing, ["{2}"]);
        let f = format_message("{99999999999999999999999}", &[], 1000);
        assert_eq!(f.missing, ["{99999999999999999999999}"]);
    }

    #[test]
    fn formatting_is_capped() {
        let big = "x".repeat(1000);
        let f = format_message(&"{0}".repeat(10_000), &[big], 5000);
        assert!(f.cut && f.text.len() <= 5000, "{}", f.text.len());
    }

    #[test]
    fn links() {
        let plain = rewrite_links(r"Call to [Equals](1) on \[x\] [docs](https://e.org/a) [not a link] [x](a b)", false, |l, _| unescape_label(l));
        assert_eq!(plain, "Call to Equals on [x] docs [not a link] [x](a b)");
        let md = rewrite_links(r"\[x\] [a](2)", true, |l, t| format!("{l}<{t}>"));
        assert_eq!(md, r"\[x\] a<2>");
        assert_eq!(rewrite_links("[", false, |l, _| l.into()), "[");
        assert_eq!(rewrite_links("\\", false, |l, _| l.into()), "\\");
        assert_eq!(rewrite_links("[a](", false, |l, _| l.into()), "[a](");
        assert_eq!(rewrite_links("[a\\", false, |l, _| l.into()), "[a\\");
    }

    #[test]
    fn titles() {
        assert_eq!(first_sentence("Sample abstract text. SQL injection.", 200), "Sample abstract text");
        assert_eq!(first_sentence("\n  Value stored to 'x' is never read\nmore", 200), "Value stored to 'x' is never read");
        assert_eq!(first_sentence("Uses v1.2.3 of libfoo.", 200), "Uses v1.2.3 of libfoo");
        assert_eq!(first_sentence(". leading", 200), ". leading");
        assert_eq!(one_line("a\t\r\n b\u{7}c  ", 200), "a b c");
        let long = one_line(&"word ".repeat(100), 30);
        assert!(long.chars().count() <= 30 && long.ends_with('…'), "{long}");
        assert_eq!(one_line("abcdef", 3), "ab…");
        assert_eq!(one_line("abc", 0), "");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut s = "ééééé".to_string();
        assert!(truncate(&mut s, 6));
        assert!(s.len() <= 6 && s.ends_with('…'), "{s}");
        let mut s = "éé".to_string();
        assert!(truncate(&mut s, 3));
        assert_eq!(s, "é");
        assert!(!truncate(&mut s, 3));
    }

    #[test]
    fn markdown_quoting() {
        assert_eq!(code_span("a.c:12"), "`a.c:12`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_block("x\n```\ny\n"), "````\nx\n```\ny\n````");
    }
}
