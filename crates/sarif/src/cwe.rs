//! CWE ids from the shapes tools write them in.

/// A CWE id in the form the report document wants, `CWE-<n>` without leading zeros, from a tag or
/// id as tools write it: `CWE-79`, `cwe-079`, `CWE:79`, CodeQL's `external/cwe/cwe-079`, Semgrep's
/// `CWE-89: Improper Neutralization ...` (anything after the number that is not a letter, digit or
/// underscore ends it). `None` for anything else, for `CWE-0` and for numbers over seven digits.
///
/// ```
/// use clearinghouse_sarif::normalize_cwe;
/// assert_eq!(normalize_cwe("external/cwe/cwe-079").as_deref(), Some("CWE-79"));
/// assert_eq!(normalize_cwe("CWE-89: Improper Neutralization").as_deref(), Some("CWE-89"));
/// assert_eq!(normalize_cwe("security"), None);
/// ```
pub fn normalize_cwe(s: &str) -> Option<String> {
    let lower = s.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("external/cwe/").unwrap_or(&lower);
    let rest = rest.strip_prefix("cwe")?;
    let rest = rest.strip_prefix(['-', ':', '_', ' ']).unwrap_or(rest);
    number(rest)
}

/// A taxon id of a CWE taxonomy: a bare number (`"79"`, as Fortify writes them) or a CWE id.
pub(crate) fn from_taxon_id(id: &str) -> Option<String> {
    let t = id.trim();
    if t.starts_with(|c: char| c.is_ascii_digit()) { number(t) } else { normalize_cwe(t) }
}

/// A rule id whose first hierarchical component is a CWE id (`CWE-78/api-handler`, the convention of
/// AI finders that the SARIF SDK's AI1012 rule checks).
pub(crate) fn from_rule_id(id: &str) -> Option<String> {
    let first = id.split('/').next().unwrap_or("");
    if first.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("cwe-")) { normalize_cwe(first) } else { None }
}

fn number(s: &str) -> Option<String> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || s[len..].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let digits = s[..len].trim_start_matches('0');
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    Some(format!("CWE-{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        for (tag, want) in [
            ("CWE-79", Some("CWE-79")),
            ("cwe-079", Some("CWE-79")),
            ("external/cwe/cwe-079", Some("CWE-79")),
            ("external/cwe/cwe-1321", Some("CWE-1321")),
            ("CWE:22", Some("CWE-22")),
            ("  CWE-787 ", Some("CWE-787")),
            ("CWE-89: Improper Neutralization of Special Elements used in an SQL Command", Some("CWE-89")),
            ("CWE 400", Some("CWE-400")),
            ("cwe79", Some("CWE-79")),
            ("CWE-0", None),
            ("CWE-000", None),
            ("CWE-", None),
            ("CWE-79x", None),
            ("CWE-12345678", None),
            ("CWE-Other", None),
            ("cwe-top-25", None),
            ("external/cwe/", None),
            ("security", None),
            ("external/owasp/a1", None),
            ("79", None),
            ("", None),
        ] {
            assert_eq!(normalize_cwe(tag).as_deref(), want, "{tag:?}");
        }
    }

    #[test]
    fn taxa_and_rule_ids() {
        assert_eq!(from_taxon_id("22").as_deref(), Some("CWE-22"));
        assert_eq!(from_taxon_id("CWE-073").as_deref(), Some("CWE-73"));
        assert_eq!(from_taxon_id("0"), None);
        assert_eq!(from_rule_id("CWE-78/api-handler").as_deref(), Some("CWE-78"));
        assert_eq!(from_rule_id("CWE-862").as_deref(), Some("CWE-862"));
        assert_eq!(from_rule_id("cpp/overflow"), None);
        assert_eq!(from_rule_id("cwe"), None);
        assert_eq!(from_rule_id("cw\u{20ac}-1"), None);
        assert_eq!(from_rule_id("NOVEL-capability-trust-bypass"), None);
    }
}
