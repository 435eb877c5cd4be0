//! Test 6.1.11 CWE, against the weaknesses of one CWE release embedded from `data/` (see
//! `data/README.md` for source and licence).

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::json::{Sink, get, quote, str_at, vulnerabilities};

/// The CWE release of the embedded catalogue.
pub(crate) const VERSION: &str = "4.17";

/// `number<TAB>name` per line, one line per weakness of CWE 4.17.
const CATALOGUE: &str = include_str!("../data/cwe-4.17.tsv");

static WEAKNESSES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| CATALOGUE.lines().filter_map(|l| l.split_once('\t')).collect());

/// The name of a weakness, by its id (`CWE-79`).
pub(crate) fn name_of(id: &str) -> Option<&'static str> {
    let number = id.strip_prefix("CWE-")?;
    WEAKNESSES.get(number).copied()
}

/// 6.1.11 CWE: the `cwe` of each vulnerability names an existing weakness, with its exact name.
pub(crate) fn check_6_1_11(doc: &Value, sink: &mut Sink) {
    for (i, v) in vulnerabilities(doc) {
        let Some(cwe) = get(v, "cwe") else { continue };
        let Some(id) = str_at(cwe, "id") else { continue };
        match name_of(id) {
            None => sink.fail("6.1.11", format!("/vulnerabilities/{i}/cwe/id"), format!("{} is not a weakness of CWE {VERSION}", quote(id))),
            Some(name) => {
                if let Some(given) = str_at(cwe, "name")
                    && given != name
                {
                    sink.fail(
                        "6.1.11",
                        format!("/vulnerabilities/{i}/cwe/name"),
                        format!("{id} is named {} in CWE {VERSION}, not {}", quote(name), quote(given)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_loaded() {
        assert_eq!(name_of("CWE-79"), Some("Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"));
        assert_eq!(name_of("CWE-20"), Some("Improper Input Validation"));
        assert_eq!(name_of("CWE-0"), None);
        assert_eq!(name_of("79"), None);
        assert_eq!(WEAKNESSES.len(), 968);
    }
}
