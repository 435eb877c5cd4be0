//! go.mod.
//!
//! `require` lines and blocks are the components (`// indirect` kept as a note); `replace`
//! directives, single or in blocks, are applied: a replacement by another module and version changes
//! the component's module and version (with a note naming the original), a replacement by a local
//! folder leaves the component without a purl. A replace with a version on the left applies to that
//! version only. `module`, `go`, `toolchain`, `exclude` and `retract` are not components.
//! Purls are `pkg:golang/<path up to the last slash>/<last element>@version`.

use crate::out::Out;
use crate::text::line;
use crate::{Component, Format};

struct Require {
    path: String,
    version: String,
    indirect: bool,
    line: usize,
}

struct Replace {
    old: String,
    old_version: Option<String>,
    new: String,
    new_version: Option<String>,
}

/// Splits a go.mod line into tokens, honouring "quoted" and `raw` strings, and drops a `//` comment,
/// which is returned apart.
fn tokens(l: &str) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = l.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                chars.next();
                return (out, Some(chars.collect::<String>().trim().to_string()));
            }
            '"' | '`' => {
                let close = c;
                while let Some(d) = chars.next() {
                    if d == close {
                        break;
                    }
                    if d == '\\' && close == '"' {
                        if let Some(e) = chars.next() {
                            cur.push(e);
                        }
                        continue;
                    }
                    cur.push(d);
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    (out, None)
}

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let text = String::from_utf8_lossy(bytes);
    let mut requires = Vec::new();
    let mut replaces = Vec::new();
    let mut block: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let (toks, comment) = tokens(raw);
        if toks.is_empty() {
            continue;
        }
        let (verb, args): (String, &[String]) = match &block {
            Some(_) if toks[0] == ")" => {
                block = None;
                continue;
            }
            Some(b) => (b.clone(), &toks[..]),
            None => {
                if toks.len() == 2 && toks[1] == "(" {
                    block = Some(toks[0].clone());
                    continue;
                }
                (toks[0].clone(), &toks[1..])
            }
        };
        match verb.as_str() {
            "require" => match args {
                [path, version] => requires.push(Require {
                    path: path.clone(),
                    version: version.clone(),
                    indirect: comment.as_deref().is_some_and(|c| c.split(';').any(|p| p.trim() == "indirect")),
                    line: n,
                }),
                _ => out.diag("invalid_line", line(n), "require needs a module path and a version"),
            },
            "replace" => {
                let Some(arrow) = args.iter().position(|a| a == "=>") else {
                    out.diag("invalid_line", line(n), "replace needs =>");
                    continue;
                };
                let (left, right) = (&args[..arrow], &args[arrow + 1..]);
                match (left, right) {
                    ([old, rest @ ..], [new, new_rest @ ..]) if rest.len() <= 1 && new_rest.len() <= 1 => replaces.push(Replace {
                        old: old.clone(),
                        old_version: rest.first().cloned(),
                        new: new.clone(),
                        new_version: new_rest.first().cloned(),
                    }),
                    _ => out.diag("invalid_line", line(n), "replace needs `old [version] => new [version]`"),
                }
            }
            "module" | "go" | "toolchain" | "exclude" | "retract" | "godebug" | "tool" | "ignore" => {}
            other => out.diag("invalid_line", line(n), format!("unknown go.mod directive {other:?}")),
        }
    }
    if block.is_some() {
        out.diag("truncated", "", "a go.mod block is not closed with )");
    }
    for r in requires {
        let mut c = Component::new(r.path.clone(), line(r.line));
        let replacement = replaces.iter().rev().find(|p| p.old == r.path && p.old_version.as_ref().is_none_or(|v| *v == r.version));
        let mut notes = Vec::new();
        if r.indirect {
            notes.push("indirect".to_string());
        }
        let (path, version) = match replacement {
            Some(p) if p.new.starts_with("./") || p.new.starts_with("../") || p.new.starts_with('/') || p.new_version.is_none() => {
                notes.push(format!("replaced by the local folder {}: no registry purl", p.new));
                (None, r.version.clone())
            }
            Some(p) => {
                notes.push(format!("replaces {}@{}", r.path, r.version));
                c.name = p.new.clone();
                (Some(p.new.clone()), p.new_version.clone().unwrap_or_default())
            }
            None => (Some(r.path.clone()), r.version.clone()),
        };
        c.version = Some(version.clone());
        c.bom_ref = Some(format!("{}@{version}", c.name));
        if let Some(path) = path {
            match crate::purl::golang(&path, &version) {
                Ok(p) => {
                    c.purl = Some(p);
                    c.ecosystem_hint = Some("Go".into());
                }
                Err(e) => out.diag("invalid_purl", line(r.line), format!("cannot build a purl for {path} {version}: {e}")),
            }
        }
        if !notes.is_empty() {
            c.note = Some(notes.join("; "));
        }
        out.push(c);
    }
    Format::GoMod
}
