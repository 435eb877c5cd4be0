//! SPDX 2.2 and 2.3 tag-value.
//!
//! A package starts at `PackageName:` and runs until the next `PackageName:`, `FileName:`,
//! `SnippetSPDXID:` or `LicenseID:`. Read from it: `SPDXID`, `PackageVersion` and
//! `ExternalRef: CATEGORY TYPE LOCATOR` (purl, cpe22Type, cpe23Type). `Relationship: A TYPE B` lines
//! anywhere give the edges, as in the JSON reader. Multi-line `<text>…</text>` values are skipped
//! whole, so a tag inside a description is never mistaken for one.

use crate::out::Out;
use crate::spdx_json::{Direction, assertion, check_spec, direction, external_ref, group_edges};
use crate::text::line;
use crate::{Component, Encoding, Format};

pub(crate) fn read(bytes: &[u8], out: &mut Out) -> Format {
    let text = String::from_utf8_lossy(bytes);
    if let std::borrow::Cow::Owned(_) = text {
        out.diag("not_utf8", "", "the document is not valid UTF-8; invalid bytes were replaced");
    }
    let mut spec = None;
    let mut current: Option<Component> = None;
    let mut edges = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let n = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = l.split_once(':') else {
            out.diag("invalid_line", line(n), format!("expected `Tag: value`, found {:?}", truncate(l)));
            continue;
        };
        let (tag, mut value) = (tag.trim(), value.trim());
        if let Some(rest) = value.strip_prefix("<text>") {
            if rest.contains("</text>") {
                value = rest.split("</text>").next().unwrap_or("");
            } else {
                // Skip to the line that closes the text.
                let mut closed = false;
                for (_, more) in lines.by_ref() {
                    if more.contains("</text>") {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    out.diag("truncated", line(n), format!("<text> value of {tag} is never closed"));
                }
                continue;
            }
        }
        match tag {
            "SPDXVersion" => spec = Some(check_spec(value, &line(n), out)),
            "PackageName" => {
                if let Some(c) = current.take() {
                    out.push(c);
                }
                if value.is_empty() {
                    out.diag("missing_name", line(n), "PackageName is empty; the package is skipped");
                } else {
                    current = Some(Component::new(value, line(n)));
                }
            }
            "FileName" | "SnippetSPDXID" | "LicenseID" => {
                if let Some(c) = current.take() {
                    out.push(c);
                }
            }
            "SPDXID" => {
                if let Some(c) = current.as_mut().filter(|c| c.bom_ref.is_none()) {
                    c.bom_ref = Some(value.to_string());
                }
            }
            "PackageVersion" => {
                if let Some(c) = current.as_mut() {
                    c.version = assertion(Some(value));
                }
            }
            "ExternalRef" => {
                if let Some(c) = current.as_mut() {
                    let mut parts = value.split_whitespace();
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(_category), Some(ty), Some(locator)) => external_ref(c, ty, locator, &line(n), out),
                        _ => out.diag("invalid_line", line(n), "ExternalRef needs CATEGORY TYPE LOCATOR"),
                    }
                }
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(a), Some(ty), Some(b)) => match direction(ty) {
                        Some(Direction::Forward) => edges.push((a.to_string(), b.to_string())),
                        Some(Direction::Reverse) => edges.push((b.to_string(), a.to_string())),
                        None => {}
                    },
                    _ => out.diag("invalid_line", line(n), "Relationship needs ELEMENT TYPE ELEMENT"),
                }
            }
            _ => {}
        }
    }
    if let Some(c) = current.take() {
        out.push(c);
    }
    group_edges(edges, out);
    let spec = spec.unwrap_or_else(|| {
        out.diag("missing_spec_version", "", "SPDX tag-value document without SPDXVersion");
        "unknown".to_string()
    });
    Format::Spdx { spec, encoding: Encoding::TagValue }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
