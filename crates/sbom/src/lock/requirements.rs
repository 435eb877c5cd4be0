//! pip requirements files (`requirements*.txt`), pinned lines only.
//!
//! A line is a component when it pins one version: `name==1.2.3` or `name===1.2.3`, with optional
//! `[extras]`, an environment marker after `;` (kept as a note: this crate cannot evaluate it) and
//! options such as `--hash=…` (which may continue over `\` lines). Anything else that names a package
//! (`>=`, `~=`, a range, a wildcard `==1.*`, no version, a URL or an editable `-e`) is a `not_pinned`
//! diagnostic, since no single version can be matched. `-r`/`-c` references to other files are
//! reported (this crate does no I/O: read those files separately); other options are ignored.

use crate::out::Out;
use crate::text::line;
use crate::{Component, Format};

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let text = String::from_utf8_lossy(bytes);
    if let std::borrow::Cow::Owned(_) = text {
        out.diag("not_utf8", "", "the document is not valid UTF-8; invalid bytes were replaced");
    }
    for (n, logical) in logical_lines(&text) {
        let l = strip_comment(&logical).trim().to_string();
        if l.is_empty() {
            continue;
        }
        if l.starts_with('-') {
            option(&l, n, out);
            continue;
        }
        requirement(&l, n, out);
    }
    Format::Requirements
}

/// Joins `\`-continued lines; yields (first line number, joined text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut result = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut acc) = current.take().unwrap_or((i + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) if !raw.trim_start().starts_with('#') => {
                acc.push_str(head);
                acc.push(' ');
                current = Some((start, acc));
            }
            _ => {
                acc.push_str(raw);
                result.push((start, acc));
            }
        }
    }
    if let Some(last) = current {
        result.push(last);
    }
    result
}

/// Removes a comment: `#` at the start or after white space (pip's rule).
fn strip_comment(l: &str) -> &str {
    let bytes = l.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &l[..i];
        }
    }
    l
}

fn option(l: &str, n: usize, out: &mut Out) {
    let (opt, value) = match l.split_once(|c: char| c == '=' || c.is_whitespace()) {
        Some((o, v)) => (o, v.trim()),
        None => (l, ""),
    };
    match opt {
        "-r" | "--requirement" | "-c" | "--constraint" => {
            out.diag("not_followed", line(n), format!("{opt} {value}: the referenced file is not read here (no file access); read it separately"))
        }
        "-e" | "--editable" => out.diag("not_pinned", line(n), format!("editable requirement {value} is not pinned to a released version")),
        _ => {}
    }
}

fn requirement(l: &str, n: usize, out: &mut Out) {
    // Options after the requirement (`--hash=…`, `--global-option`) end it.
    let req = l.split(" --").next().unwrap_or(l).trim();
    let (req, marker) = match req.split_once(';') {
        Some((r, m)) => (r.trim(), Some(m.trim())),
        None => (req, None),
    };
    let name_end = req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(req.len());
    let name = &req[..name_end];
    let mut rest = req[name_end..].trim_start();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        let what = if req.contains("://") || req.starts_with('.') || req.starts_with('/') {
            "a URL or path is not pinned to a released version"
        } else {
            "not a requirement"
        };
        out.diag("not_pinned", line(n), format!("{req:?}: {what}"));
        return;
    }
    if let Some(after) = rest.strip_prefix('[') {
        match after.find(']') {
            Some(i) => rest = after[i + 1..].trim_start(),
            None => {
                out.diag("invalid_requirement", line(n), format!("{req:?}: extras are not closed with ]"));
                return;
            }
        }
    }
    if rest.starts_with('@') {
        out.diag("not_pinned", line(n), format!("{name} is a direct reference ({rest}), not pinned to a released version"));
        return;
    }
    let spec = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
    let clauses: Vec<&str> = spec.split(',').map(str::trim).filter(|c| !c.is_empty()).collect();
    let pinned = match clauses.as_slice() {
        [one] => one
            .strip_prefix("===")
            .or_else(|| one.strip_prefix("=="))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.contains('*') && !v.contains(char::is_whitespace)),
        _ => None,
    };
    let Some(version) = pinned else {
        let shown = if spec.is_empty() { "no version".to_string() } else { spec.to_string() };
        out.diag("not_pinned", line(n), format!("{name} ({shown}) is not pinned to one version with ==; it is not read as a component"));
        return;
    };
    let mut c = Component::new(name, line(n));
    c.version = Some(version.to_string());
    match crate::purl::pypi(name, version) {
        Ok(p) => {
            c.purl = Some(p);
            c.ecosystem_hint = Some("PyPI".into());
        }
        Err(e) => out.diag("invalid_purl", line(n), format!("cannot build a purl for {name} {version}: {e}")),
    }
    if let Some(m) = marker.filter(|m| !m.is_empty()) {
        c.note = Some(format!("environment marker: {m}"));
    }
    out.push(c);
}
