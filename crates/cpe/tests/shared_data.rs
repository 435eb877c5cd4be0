//! Real CPEs from the shared data (`../shared/data`, read in place): the CSAF examples, the CVE 5
//! examples and the Go CNA's containers, and the CycloneDX and SPDX SBOMs. Every JSON string and
//! every XML `<cpe>` element that holds a CPE must parse and round-trip through `Display` (and,
//! for URIs, through `to_uri`). When the folder is absent (a fresh clone) the test prints
//! `SKIPPED:` and passes.
//!
//! In the snapshot only the CSAF examples carry CPEs (ten 2.2 URIs in the Red Hat and BSI
//! advisories); the CVE 5 files and the SBOMs have none, and are read so that any they gain are
//! checked too.

use std::io::Write;
use std::path::{Path, PathBuf};

use clearinghouse_cpe::{Cpe, compare_versions, is_equal};

fn shared(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(sub)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "json" || e == "xml") {
            out.push(path);
        }
    }
}

fn json_cpes(value: &serde_json::Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) if looks_like_cpe(s) => out.push((pointer.to_string(), s.clone())),
        serde_json::Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| json_cpes(v, &format!("{pointer}/{i}"), out)),
        serde_json::Value::Object(map) => {
            map.iter().for_each(|(k, v)| json_cpes(v, &format!("{pointer}/{}", clearinghouse_model::diagnostic::escape_pointer_token(k)), out))
        }
        _ => {}
    }
}

/// A string that is meant as a CPE: it starts with a binding's prefix and has no white space
/// (which leaves out prose that merely begins with one).
fn looks_like_cpe(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (lower.starts_with("cpe:2.3:") || lower.starts_with("cpe:/")) && !s.contains(char::is_whitespace)
}

fn xml_cpes(text: &str, out: &mut Vec<(String, String)>) {
    let mut rest = text;
    while let Some(start) = rest.find("<cpe>") {
        let after = &rest[start + 5..];
        let Some(end) = after.find("</cpe>") else { break };
        let raw = after[..end].trim();
        let value = raw.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
        out.push(("<cpe>".to_string(), value));
        rest = &after[end..];
    }
}

#[test]
fn every_shared_cpe_parses_and_round_trips() {
    let roots = ["csaf/examples", "cve5", "sbom"];
    let mut files = Vec::new();
    for root in roots {
        let dir = shared(root);
        if !dir.is_dir() {
            let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the shared CPEs were not read", dir.display());
            return;
        }
        files_under(&dir, &mut files);
    }
    files.sort();
    let mut found: Vec<(String, String, Cpe)> = Vec::new();
    let mut failures = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let mut cpes = Vec::new();
        if file.extension().is_some_and(|e| e == "json") {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            json_cpes(&value, "", &mut cpes);
        } else {
            xml_cpes(&text, &mut cpes);
        }
        for (pointer, s) in cpes {
            let at = format!("{}#{pointer}", file.strip_prefix(shared("")).unwrap_or(file).display());
            match Cpe::parse(&s) {
                Ok(c) => found.push((at, s, c)),
                Err(e) => failures.push(format!("{at}: {s}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "CPEs that did not parse:\n{}", failures.join("\n"));
    for (at, s, c) in &found {
        let fs = c.to_string();
        assert_eq!(&Cpe::parse(&fs).unwrap(), c, "{at}: {s} -> {fs}");
        assert_eq!(&Cpe::parse(&c.to_uri()).unwrap(), c, "{at}: {s} -> {}", c.to_uri());
        if s.starts_with("cpe:/") {
            assert_eq!(&c.to_uri(), s, "{at}: a lower-case URI binds back to itself");
        } else {
            assert!(is_equal(&Cpe::parse(s).unwrap(), c));
        }
    }
    let _ = writeln!(std::io::stderr(), "checked {} CPEs in {} files", found.len(), files.len());
    let csaf = found.iter().filter(|(at, _, _)| at.starts_with("csaf/")).count();
    assert!(csaf >= 10, "the CSAF examples have ten CPEs; found {csaf}");

    // Spot checks on what they say.
    let by_string = |s: &str| found.iter().find(|(_, x, _)| x == s).map(|(_, _, c)| c.clone()).unwrap_or_else(|| panic!("{s} not found"));
    let openshift = by_string("cpe:/a:redhat:openshift:4.6::el8");
    assert_eq!(openshift.to_string(), "cpe:2.3:a:redhat:openshift:4.6:*:el8:*:*:*:*:*");
    let rhel = by_string("cpe:/o:redhat:rhel_aus:7.6::server");
    assert_eq!((rhel.part().literal(), rhel.edition().literal()), (Some("o"), Some("server")));
    // The converter's pre-releases in the BSI advisory order before one another as released.
    let versions: Vec<String> = ["dev1", "dev2", "dev3", "alpha", "rc1", "rc2"]
        .iter()
        .map(|suffix| by_string(&format!("cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-{suffix}")).version().literal().unwrap().to_string())
        .collect();
    for pair in versions.windows(2) {
        assert_eq!(compare_versions(&pair[0], &pair[1]), Some(std::cmp::Ordering::Less), "{} < {}", pair[0], pair[1]);
    }
}
