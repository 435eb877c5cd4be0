//! The CSAF 2.0 JSON schema (draft 2020-12) and FIRST's CVSS schemas it refers to, embedded, and
//! test 6.1.8 (a CVSS object valid against its referenced schema).
//!
//! The validators are compiled once, on first use, by the `jsonschema` crate built without its
//! HTTP and file retrievers: the three CVSS schemas are registered in a `Registry` under the URLs the
//! CSAF schema writes in its `$ref`s, and the options are `offline()`, so a reference to anything
//! else fails when the validator is built (which the unit tests below would show) instead of
//! reaching for the network. Formats (`date-time`, `uri`) are asserted, as the official validator
//! does.

use std::sync::LazyLock;

use jsonschema::{Registry, Validator};
use serde_json::Value;

use crate::json::{Sink, arr, get};

/// The CSAF 2.0 JSON schema, from the OASIS CSAF TC repository (see `schema/README.md`).
pub const CSAF_SCHEMA: &str = include_str!("../schema/csaf_json_schema.json");
const CVSS_V2_0: &str = include_str!("../schema/cvss-v2.0.json");
const CVSS_V3_0: &str = include_str!("../schema/cvss-v3.0.json");
const CVSS_V3_1: &str = include_str!("../schema/cvss-v3.1.json");

const CVSS_V2_0_URL: &str = "https://www.first.org/cvss/cvss-v2.0.json";
const CVSS_V3_0_URL: &str = "https://www.first.org/cvss/cvss-v3.0.json";
const CVSS_V3_1_URL: &str = "https://www.first.org/cvss/cvss-v3.1.json";

struct Validators {
    csaf: Validator,
    cvss_v2: Validator,
    cvss_v3: Validator,
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("embedded schema is JSON")
}

fn build() -> Result<Validators, String> {
    let registry = Registry::new()
        .add(CVSS_V2_0_URL, parse(CVSS_V2_0))
        .and_then(|r| r.add(CVSS_V3_0_URL, parse(CVSS_V3_0)))
        .and_then(|r| r.add(CVSS_V3_1_URL, parse(CVSS_V3_1)))
        .and_then(|r| r.prepare())
        .map_err(|e| format!("registering the CVSS schemas: {e}"))?;
    let options = || jsonschema::options().offline().with_registry(&registry).should_validate_formats(true);
    let csaf = options().build(&parse(CSAF_SCHEMA)).map_err(|e| format!("compiling the CSAF schema: {e}"))?;
    let cvss_v2 = options().build(&serde_json::json!({ "$ref": CVSS_V2_0_URL })).map_err(|e| format!("compiling the CVSS v2.0 schema: {e}"))?;
    let cvss_v3 = options()
        .build(&serde_json::json!({ "oneOf": [{ "$ref": CVSS_V3_0_URL }, { "$ref": CVSS_V3_1_URL }] }))
        .map_err(|e| format!("compiling the CVSS v3 schemas: {e}"))?;
    Ok(Validators { csaf, cvss_v2, cvss_v3 })
}

static VALIDATORS: LazyLock<Result<Validators, String>> = LazyLock::new(build);

/// Longest message of a schema failure; `oneOf` failures quote the whole instance.
const MAX_MESSAGE: usize = 400;

fn message(e: &jsonschema::ValidationError<'_>) -> String {
    let m = e.to_string();
    if m.chars().count() <= MAX_MESSAGE {
        m
    } else {
        let cut: String = m.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    }
}

/// Is this pointer at or inside a CVSS object of a score (reported by 6.1.8 instead)?
fn inside_cvss(pointer: &str) -> bool {
    let parts: Vec<&str> = pointer.split('/').collect();
    // "", "vulnerabilities", i, "scores", j, "cvss_v2" | "cvss_v3", ...
    parts.len() >= 6 && parts[1] == "vulnerabilities" && parts[3] == "scores" && (parts[5] == "cvss_v2" || parts[5] == "cvss_v3")
}

/// Validates the document against the CSAF JSON schema. Failures inside `cvss_v2` and `cvss_v3`
/// objects are left to test 6.1.8, which reports the same condition (validity against the
/// referenced CVSS schema), so that one problem is not listed twice.
pub(crate) fn check_schema(doc: &Value, sink: &mut Sink) {
    let v = match &*VALIDATORS {
        Ok(v) => v,
        Err(e) => return sink.fail(crate::SCHEMA, "", format!("the embedded schemas cannot be compiled: {e}")),
    };
    for e in v.csaf.iter_errors(doc) {
        let pointer = e.instance_path().to_string();
        if inside_cvss(&pointer) {
            continue;
        }
        sink.fail(crate::SCHEMA, pointer, message(&e));
    }
}

/// 6.1.8 Invalid CVSS: each `cvss_v2` and `cvss_v3` object valid against FIRST's schema.
pub(crate) fn check_6_1_8(doc: &Value, sink: &mut Sink) {
    let v = match &*VALIDATORS {
        Ok(v) => v,
        Err(e) => return sink.fail("6.1.8", "", format!("the embedded schemas cannot be compiled: {e}")),
    };
    for (i, vuln) in crate::json::vulnerabilities(doc) {
        for (j, score) in arr(vuln, "scores").iter().enumerate() {
            for (key, validator, name) in [("cvss_v2", &v.cvss_v2, "CVSS v2.0"), ("cvss_v3", &v.cvss_v3, "CVSS v3.0 or v3.1")] {
                let Some(cvss) = get(score, key) else { continue };
                let base = format!("/vulnerabilities/{i}/scores/{j}/{key}");
                let mut any = false;
                for e in validator.iter_errors(cvss) {
                    any = true;
                    sink.fail("6.1.8", format!("{base}{}", e.instance_path()), format!("not valid against the {name} schema: {}", message(&e)));
                }
                if !any && !validator.is_valid(cvss) {
                    sink.fail("6.1.8", base, format!("not valid against the {name} schema"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_compile_offline() {
        if let Err(e) = &*VALIDATORS {
            panic!("{e}");
        }
    }

    #[test]
    fn cvss_pointer_detection() {
        assert!(inside_cvss("/vulnerabilities/0/scores/1/cvss_v3"));
        assert!(inside_cvss("/vulnerabilities/0/scores/1/cvss_v2/baseScore"));
        assert!(!inside_cvss("/vulnerabilities/0/scores/1/products"));
        assert!(!inside_cvss("/vulnerabilities/0/scores"));
    }
}
