//! Validators for the identifiers a report carries: package URLs, CWE ids, CVSS vectors, `vers:`
//! ranges and OSV range events. Each returns a message for people on failure; the caller attaches
//! the JSON pointer.

use packageurl::PackageUrl;
use std::str::FromStr;

/// The parts of a package URL the store indexes, so reports can be filtered by package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackageKey {
    pub purl_type: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl PackageKey {
    /// `type/namespace/name` (or `type/name`), the form used to filter reports by package.
    pub fn display_key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.purl_type, ns, self.name),
            None => format!("{}/{}", self.purl_type, self.name),
        }
    }
}

/// PEP 503 name normalisation (PyPI): lower case, every run of `-`, `_` and `.` replaced by one `-`.
/// Lives here because both the SBOM readers and the OSV matcher must normalise identically.
pub fn pep503_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(ch.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// Longest purl accepted; real ones are far shorter and the bound keeps hostile input cheap.
pub const MAX_PURL_LEN: usize = 2048;

/// Parses a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`).
pub fn parse_purl(s: &str) -> Result<PackageKey, String> {
    if s.len() > MAX_PURL_LEN {
        return Err(format!("package URL is longer than {MAX_PURL_LEN} bytes"));
    }
    let purl = PackageUrl::from_str(s).map_err(|e| format!("not a valid package URL: {e}"))?;
    Ok(PackageKey { purl_type: purl.ty().to_string(), namespace: purl.namespace().map(str::to_string), name: purl.name().to_string() })
}

/// Parses `CWE-<n>` and returns n. The CWE catalogue itself is checked by the formats work; here
/// the form is what matters.
pub fn parse_cwe(s: &str) -> Result<u32, String> {
    let digits = s.strip_prefix("CWE-").ok_or_else(|| format!("{s:?} is not a CWE id: expected CWE-<number>, for example CWE-787"))?;
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return Err(format!("{s:?} is not a CWE id: expected CWE-<number>, for example CWE-787"));
    }
    digits.parse().map_err(|_| format!("{s:?} is not a CWE id"))
}

/// A checked CVSS vector with its base score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CvssSummary {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    pub base_score: f64,
    pub base_severity: String,
}

/// Longest CVSS vector accepted (a full v4 vector with every metric is under 400 bytes).
pub const MAX_CVSS_LEN: usize = 1024;

/// Parses and scores a CVSS vector of any version. The `cvss` crate can panic inside v4 scoring on odd
/// input, so scoring runs under `catch_unwind` and a panic becomes an error, never a crash.
pub fn parse_cvss(s: &str) -> Result<CvssSummary, String> {
    if s.len() > MAX_CVSS_LEN {
        return Err(format!("CVSS vector is longer than {MAX_CVSS_LEN} bytes"));
    }
    let owned = s.to_string();
    let result = std::panic::catch_unwind(move || -> Result<CvssSummary, String> {
        let parsed = cvss::Cvss::from_str(&owned).map_err(|e| format!("not a valid CVSS vector: {e}"))?;
        let version = match &parsed {
            cvss::Cvss::CvssV20(_) => "2.0",
            cvss::Cvss::CvssV30(_) => "3.0",
            cvss::Cvss::CvssV31(_) => "3.1",
            cvss::Cvss::CvssV40(_) => "4.0",
            _ => return Err("unsupported CVSS version".to_string()),
        };
        let base_score = parsed.score();
        if !base_score.is_finite() {
            return Err("CVSS vector did not produce a score".to_string());
        }
        Ok(CvssSummary { version: version.to_string(), vector: owned, base_score, base_severity: parsed.severity().to_string() })
    });
    result.unwrap_or_else(|_| Err("CVSS vector could not be scored".to_string()))
}

/// Checks the syntax of a `vers:` version range (the package-url VERS specification):
/// `vers:<scheme>/<constraint>|<constraint>…`, each constraint an optional comparator
/// (`=`, `!=`, `<`, `<=`, `>`, `>=`) and a version, or the single constraint `*`.
/// Ordering checks need the scheme's comparator and belong to the versions work.
pub fn check_vers(s: &str) -> Result<(), String> {
    if s.len() > 4096 {
        return Err("vers range is longer than 4096 bytes".to_string());
    }
    let rest = s.strip_prefix("vers:").ok_or("a vers range starts with \"vers:\"")?;
    let (scheme, constraints) = rest.split_once('/').ok_or("a vers range is vers:<scheme>/<constraints>")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Err(format!("invalid versioning scheme {scheme:?}"));
    }
    let constraints = constraints.trim();
    if constraints.is_empty() {
        return Err("a vers range needs at least one constraint".to_string());
    }
    if constraints == "*" {
        return Ok(());
    }
    for c in constraints.split('|') {
        let c = c.trim();
        let version = ["!=", "<=", ">=", "<", ">", "="].iter().find_map(|op| c.strip_prefix(op)).unwrap_or(c).trim();
        if version.is_empty() || version == "*" {
            return Err(format!("constraint {c:?} has no version"));
        }
        if version.contains(|ch: char| ch.is_whitespace() || ch == '<' || ch == '>' || ch == '=' || ch == '!') {
            return Err(format!("constraint {c:?} is malformed"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        let k = parse_purl("pkg:npm/%40angular/core@1.0.0").unwrap();
        assert_eq!(k.purl_type, "npm");
        assert_eq!(k.display_key(), "npm/@angular/core");
        assert_eq!(parse_purl("pkg:cargo/serde").unwrap().display_key(), "cargo/serde");
        assert!(parse_purl("npm/left-pad").is_err());
        assert!(parse_purl("pkg:").is_err());
        assert!(parse_purl(&format!("pkg:npm/{}", "a".repeat(5000))).is_err());
    }

    #[test]
    fn pep503() {
        assert_eq!(pep503_normalize("Zope.Interface"), "zope-interface");
        assert_eq!(pep503_normalize("a__b-.c"), "a-b-c");
    }

    #[test]
    fn cwes() {
        assert_eq!(parse_cwe("CWE-787"), Ok(787));
        for bad in ["CWE-", "cwe-79", "CWE-079", "CWE-7a", "79", "CWE-99999999"] {
            assert!(parse_cwe(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cvss_vectors_of_each_version() {
        let v31 = parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((v31.version.as_str(), v31.base_score, v31.base_severity.as_str()), ("3.1", 9.8, "critical"));
        let v2 = parse_cvss("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!((v2.version.as_str(), v2.base_score), ("2.0", 7.5));
        let v4 = parse_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((v4.version.as_str(), v4.base_score), ("4.0", 9.3));
        assert!(parse_cvss("CVSS:3.1/AV:X").is_err());
        assert!(parse_cvss("").is_err());
    }

    #[test]
    fn vers_syntax() {
        assert!(check_vers("vers:npm/>=1.0.0|<1.2.3").is_ok());
        assert!(check_vers("vers:pypi/*").is_ok());
        assert!(check_vers("vers:semver/1.2.3").is_ok());
        for bad in ["npm/>=1.0", "vers:/1.0", "vers:npm/", "vers:npm/>=", "vers:NPM/1", "vers:npm/>= 1 2"] {
            assert!(check_vers(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic(s in "\\PC{0,200}") {
            let _ = parse_cvss(&s);
            let _ = parse_purl(&s);
            let _ = parse_cwe(&s);
            let _ = check_vers(&s);
        }

        #[test]
        fn mutated_cvss_vectors_never_panic(cut in 0usize..80, junk in "[A-Z:/.0-9]{0,12}") {
            let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A";
            let cut = cut.min(base.len());
            let _ = parse_cvss(&format!("{}{}", &base[..cut], junk));
        }
    }
}
