//! Tests of the document category and the profiles: 6.1.15 (translator), 6.1.26 (prohibited
//! category names) and the profile tests 6.1.27.1 to 6.1.27.11.

use serde_json::Value;

use crate::json::{Sink, arr, at, get, quote, str_at, vulnerabilities};
use crate::products::ProductIds;

fn category(doc: &Value) -> Option<&str> {
    at(doc, &["document", "category"]).and_then(Value::as_str)
}

/// 6.1.15 Translator: a document whose publisher is a `translator` has `/document/source_lang`.
pub(crate) fn check_6_1_15(doc: &Value, sink: &mut Sink) {
    if at(doc, &["document", "publisher", "category"]).and_then(Value::as_str) == Some("translator")
        && at(doc, &["document", "source_lang"]).is_none_or(|v| v.as_str().is_none_or(str::is_empty))
    {
        sink.fail("6.1.15", "/document/source_lang", "the publisher is a translator but the document has no source_lang");
    }
}

/// The `/document/category` values of the profiles.
const PROFILE_VALUES: [&str; 5] = ["csaf_base", "csaf_security_incident_response", "csaf_informational_advisory", "csaf_security_advisory", "csaf_vex"];

/// The names and values of the profiles other than CSAF Base, lower case with dashes, whitespace
/// and underscores removed.
const PROHIBITED: [&str; 8] = [
    "securityincidentresponse",
    "informationaladvisory",
    "securityadvisory",
    "vex",
    "csafsecurityincidentresponse",
    "csafinformationaladvisory",
    "csafsecurityadvisory",
    "csafvex",
];

/// 6.1.26 Prohibited Document Category Name. Skipped for the five profile values. Otherwise the
/// category must not start with the reserved prefix `csaf_` (ignoring case) and must not equal,
/// once lower-cased and stripped of dashes, whitespace and underscores, the name or value of
/// another profile than CSAF Base.
pub(crate) fn check_6_1_26(doc: &Value, sink: &mut Sink) {
    let Some(c) = category(doc) else { return };
    if PROFILE_VALUES.contains(&c) {
        return;
    }
    if c.to_lowercase().starts_with("csaf_") {
        sink.fail("6.1.26", "/document/category", format!("the category {} uses the reserved prefix `csaf_`", quote(c)));
        return;
    }
    let folded: String = c.chars().filter(|ch| !(ch.is_whitespace() || *ch == '-' || *ch == '_')).collect::<String>().to_lowercase();
    if PROHIBITED.contains(&folded.as_str()) {
        sink.fail("6.1.26", "/document/category", format!("the category {} is the name of a profile", quote(c)));
    }
}

/// The profile tests 6.1.27.1 to 6.1.27.11, each for the categories the specification names.
pub(crate) fn check_6_1_27(doc: &Value, ids: &ProductIds<'_>, sink: &mut Sink) {
    let Some(c) = category(doc) else { return };
    let informational = c == "csaf_informational_advisory";
    let incident = c == "csaf_security_incident_response";
    let advisory = c == "csaf_security_advisory";
    let vex = c == "csaf_vex";
    let document = get(doc, "document");

    // 6.1.27.1 Document Notes
    if informational || incident {
        const CATEGORIES: [&str; 4] = ["description", "details", "general", "summary"];
        let notes = document.map(|d| arr(d, "notes")).unwrap_or(&[]);
        if !notes.iter().any(|n| str_at(n, "category").is_some_and(|c| CATEGORIES.contains(&c))) {
            sink.fail("6.1.27.1", "/document/notes", "no document note has the category description, details, general or summary");
        }
    }
    // 6.1.27.2 Document References
    if informational || incident {
        let refs = document.map(|d| arr(d, "references")).unwrap_or(&[]);
        if !refs.iter().any(|r| str_at(r, "category") == Some("external")) {
            sink.fail("6.1.27.2", "/document/references", "no document reference has the category external");
        }
    }
    // 6.1.27.3 Vulnerabilities (must not exist)
    if informational && get(doc, "vulnerabilities").is_some() {
        sink.fail("6.1.27.3", "/vulnerabilities", "an informational advisory has no vulnerabilities element");
    }
    // 6.1.27.4 Product Tree
    if (advisory || vex) && get(doc, "product_tree").is_none() {
        sink.fail("6.1.27.4", "/product_tree", format!("a document of category {c} needs a product_tree"));
    }
    // 6.1.27.5 Vulnerability Notes, 6.1.27.6 Product Status, 6.1.27.7 VEX Product Status, 6.1.27.8
    // Vulnerability ID
    for (i, v) in vulnerabilities(doc) {
        if (advisory || vex) && get(v, "notes").is_none() {
            sink.fail("6.1.27.5", format!("/vulnerabilities/{i}/notes"), "the vulnerability has no notes");
        }
        if advisory && get(v, "product_status").is_none() {
            sink.fail("6.1.27.6", format!("/vulnerabilities/{i}/product_status"), "the vulnerability has no product_status");
        }
        if vex {
            const VEX_STATUSES: [&str; 4] = ["fixed", "known_affected", "known_not_affected", "under_investigation"];
            let status = get(v, "product_status");
            if !status.is_some_and(|s| VEX_STATUSES.iter().any(|k| get(s, k).is_some())) {
                sink.fail(
                    "6.1.27.7",
                    format!("/vulnerabilities/{i}/product_status"),
                    "the product status has none of fixed, known_affected, known_not_affected, under_investigation",
                );
            }
            if get(v, "cve").is_none() && get(v, "ids").is_none() {
                sink.fail("6.1.27.8", format!("/vulnerabilities/{i}"), "the vulnerability has neither cve nor ids");
            }
        }
    }
    // 6.1.27.9 Impact Statement, 6.1.27.10 Action Statement
    if vex {
        for (i, v) in vulnerabilities(doc) {
            let Some(status) = get(v, "product_status") else { continue };
            let covered = |items: &mut dyn Iterator<Item = &Value>| -> std::collections::HashSet<String> {
                items.flat_map(|item| ids.expand(item)).map(str::to_string).collect()
            };
            let impact = covered(&mut arr(v, "flags").iter().chain(arr(v, "threats").iter().filter(|t| str_at(t, "category") == Some("impact"))));
            for (j, p) in crate::json::strs(status, "known_not_affected") {
                if !impact.contains(p) {
                    sink.fail(
                        "6.1.27.9",
                        format!("/vulnerabilities/{i}/product_status/known_not_affected/{j}"),
                        format!("product {} is known not affected but no flag or impact threat speaks of it", quote(p)),
                    );
                }
            }
            let action = covered(&mut arr(v, "remediations").iter());
            for (j, p) in crate::json::strs(status, "known_affected") {
                if !action.contains(p) {
                    sink.fail(
                        "6.1.27.10",
                        format!("/vulnerabilities/{i}/product_status/known_affected/{j}"),
                        format!("product {} is known affected but no remediation speaks of it", quote(p)),
                    );
                }
            }
        }
    }
    // 6.1.27.11 Vulnerabilities (must exist)
    if (advisory || vex) && get(doc, "vulnerabilities").is_none() {
        sink.fail("6.1.27.11", "/vulnerabilities", format!("a document of category {c} needs vulnerabilities"));
    }
}
