//! Package URLs (purl, ECMA-427): parsing, validation and the canonical form, as the purl-spec
//! test suite (`testdata/purl`) checks them.
//!
//! Why our own parser rather than the `packageurl` crate (which the rest of the workspace uses to
//! check purls, and which this crate's tests use as a differential oracle): run against the suite,
//! `packageurl` 0.7.1 passes 324 of 326 cases but accepts upper-case qualifier keys where the
//! required tests expect a failure, and, more important for matching, its per-type rules lower-case
//! npm names and Go module paths, which the type definitions (`npm-definition.json`,
//! `golang-definition.json`) declare case-sensitive: `pkg:npm/JSONStream` is a different package
//! from `jsonstream`, and `github.com/BurntSushi/toml` is the Go module path OSV records name. Those
//! rules are not configurable, and once lowered the case cannot be recovered, so a wrapper cannot
//! fix them. The parser below follows the specification's "how to parse" steps and the type
//! definitions of the suite's snapshot; percent-encoding itself comes from `percent-encoding`.
//!
//! Two modes. [`Purl::parse`] is the conformance reading: it refuses what the specification says
//! "shall" not be, including upper-case qualifier keys. [`Purl::parse_lenient`] also accepts what the
//! suite's `recommended` tests normalise (qualifier keys in any case, surrounding white space),
//! which is what SBOMs and advisories in the wild need. Both return the canonical components, so
//! `to_string()` is the canonical purl.

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::MAX_PURL_LEN;

/// Characters written as they are in a canonical purl component: the alphanumerics, `.-_~`, and
/// `:`, which the specification says is never encoded. Everything else is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_').remove(b'~').remove(b':');

/// A valid package URL, in canonical form (type-specific case rules applied).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

/// Why a string or a set of components is not a valid package URL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid package URL: {message}")]
pub struct PurlError {
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, PurlError> {
    Err(PurlError { message: message.into() })
}

/// The decoded components of a purl, as a builder takes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurlParts {
    pub ty: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
    pub subpath: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Optional,
    Required,
    Prohibited,
}

/// Per-type rules from the suite's `type-definitions/` (namespace requirement; which components are
/// case-insensitive and so lower-cased; required qualifiers). Types not listed have no rules.
struct TypeRules {
    ty: &'static str,
    namespace: Need,
    lower_namespace: bool,
    lower_name: bool,
    lower_version: bool,
    required_qualifiers: &'static [&'static str],
}

const fn rule(ty: &'static str, namespace: Need, lower_namespace: bool, lower_name: bool, lower_version: bool) -> TypeRules {
    TypeRules { ty, namespace, lower_namespace, lower_name, lower_version, required_qualifiers: &[] }
}

#[rustfmt::skip]
static RULES: &[TypeRules] = &[
    rule("alpm", Need::Required, true, true, false),
    rule("apk", Need::Required, true, true, false),
    rule("bazel", Need::Prohibited, false, false, false),
    rule("bitbucket", Need::Required, true, true, false),
    rule("bitnami", Need::Prohibited, false, true, false),
    rule("brew", Need::Optional, true, true, false),
    rule("cargo", Need::Prohibited, false, false, false),
    rule("chrome-extension", Need::Prohibited, false, true, false),
    rule("cocoapods", Need::Prohibited, false, false, false),
    rule("composer", Need::Required, true, true, false),
    rule("conda", Need::Prohibited, false, false, false),
    rule("cran", Need::Prohibited, false, false, false),
    rule("deb", Need::Required, true, true, false),
    rule("gem", Need::Prohibited, false, false, false),
    rule("git", Need::Required, false, false, false),
    rule("github", Need::Required, true, true, false),
    rule("golang", Need::Required, false, false, false),
    rule("hackage", Need::Prohibited, false, false, false),
    rule("hex", Need::Optional, true, true, false),
    rule("huggingface", Need::Required, false, false, true),
    TypeRules { required_qualifiers: &["uuid"], ..rule("julia", Need::Prohibited, false, false, false) },
    rule("luarocks", Need::Optional, true, true, false),
    rule("maven", Need::Required, false, false, false),
    rule("mlflow", Need::Prohibited, false, false, false),
    rule("nuget", Need::Prohibited, false, false, false),
    rule("oci", Need::Prohibited, false, true, true),
    rule("opam", Need::Prohibited, false, false, false),
    rule("otp", Need::Prohibited, false, true, false),
    rule("pub", Need::Prohibited, false, true, false),
    rule("pypi", Need::Prohibited, false, true, true),
    rule("qpkg", Need::Required, true, false, false),
    rule("rpm", Need::Required, true, false, false),
    TypeRules { required_qualifiers: &["tag_id"], ..rule("swid", Need::Optional, false, false, false) },
    rule("swift", Need::Required, false, false, false),
    rule("vcpkg", Need::Prohibited, false, false, false),
    rule("vscode-extension", Need::Required, true, true, true),
    rule("yocto", Need::Optional, true, false, false),
];

fn rules(ty: &str) -> Option<&'static TypeRules> {
    RULES.iter().find(|r| r.ty == ty)
}

fn decode(s: &str, what: &str) -> Result<String, PurlError> {
    match percent_decode_str(s).decode_utf8() {
        Ok(d) => Ok(d.into_owned()),
        Err(_) => err(format!("the {what} is not UTF-8 once percent-decoded")),
    }
}

fn valid_type(t: &str) -> bool {
    t.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

fn valid_key(k: &str) -> bool {
    k.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && k.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Splits on `/`, decodes, and drops empty, `.` and `..` segments, as the specification says for
/// subpaths (and, without the dot rule, for namespaces).
fn segments(s: &str, what: &str, drop_dots: bool) -> Result<Option<String>, PurlError> {
    let mut out: Vec<String> = Vec::new();
    for raw in s.split('/') {
        let seg = decode(raw, what)?;
        if seg.is_empty() || (drop_dots && (seg == "." || seg == "..")) {
            continue;
        }
        if seg.contains('/') {
            return err(format!("a {what} segment contains '/' once percent-decoded"));
        }
        out.push(seg);
    }
    Ok((!out.is_empty()).then(|| out.join("/")))
}

impl Purl {
    /// Parses a purl by the specification, refusing what it says "shall" not be (for example an
    /// upper-case qualifier key).
    pub fn parse(input: &str) -> Result<Purl, PurlError> {
        parse(input, true)
    }

    /// Parses a purl as found in SBOMs and advisories: also accepts qualifier keys in any case (and
    /// lower-cases them) and surrounding white space, as the suite's `recommended` tests normalise.
    pub fn parse_lenient(input: &str) -> Result<Purl, PurlError> {
        parse(input.trim(), false)
    }

    /// Builds a purl from decoded components, with the same checks and normalisations as parsing.
    pub fn build(parts: PurlParts) -> Result<Purl, PurlError> {
        let Some(ty) = parts.ty.filter(|t| !t.is_empty()) else { return err("a type is required") };
        if !valid_type(&ty) {
            return err(format!("\"{ty}\" is not a valid type (ASCII letters, digits, '.' and '-', starting with a letter)"));
        }
        let Some(name) = parts.name.filter(|n| !n.is_empty()) else { return err("a name is required") };
        let namespace = match parts.namespace {
            Some(ns) => segments_plain(&ns),
            None => None,
        };
        let mut qualifiers = BTreeMap::new();
        for (k, v) in parts.qualifiers {
            if !valid_key(&k) {
                return err(format!("\"{k}\" is not a valid qualifier key"));
            }
            if !v.is_empty() {
                qualifiers.insert(k.to_ascii_lowercase(), v);
            }
        }
        let subpath = parts.subpath.and_then(|s| {
            let kept: Vec<&str> = s.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").collect();
            (!kept.is_empty()).then(|| kept.join("/"))
        });
        let version = parts.version.filter(|v| !v.is_empty());
        finish(ty.to_ascii_lowercase(), namespace, name, version, qualifiers, subpath)
    }

    /// The type, lower case (`npm`).
    pub fn ty(&self) -> &str {
        &self.ty
    }
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// The qualifiers, by key (keys lower case, empty values dropped).
    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.get(key).map(String::as_str)
    }
    pub fn subpath(&self) -> Option<&str> {
        self.subpath.as_deref()
    }

    /// The same purl without version, qualifiers and subpath: the package itself (the form OSV's
    /// `package.purl` uses).
    pub fn without_version(&self) -> Purl {
        Purl { version: None, qualifiers: BTreeMap::new(), subpath: None, ..self.clone() }
    }

    /// The same purl with another version.
    pub fn with_version(&self, version: Option<&str>) -> Purl {
        let mut p = self.clone();
        p.version = version.filter(|v| !v.is_empty()).map(|v| if rules(&p.ty).is_some_and(|r| r.lower_version) { v.to_lowercase() } else { v.to_string() });
        p
    }
}

fn segments_plain(ns: &str) -> Option<String> {
    let kept: Vec<&str> = ns.split('/').filter(|p| !p.is_empty()).collect();
    (!kept.is_empty()).then(|| kept.join("/"))
}

fn parse(input: &str, strict: bool) -> Result<Purl, PurlError> {
    if input.len() > MAX_PURL_LEN {
        return err(format!("{} bytes long; the limit is {MAX_PURL_LEN}", input.len()));
    }
    if input.chars().any(char::is_control) {
        return err("control characters are not allowed");
    }
    // Right to left, as the specification's parsing steps go: subpath, qualifiers, scheme, type,
    // version, name, namespace.
    let (rest, subpath) = match input.rfind('#') {
        Some(i) => (&input[..i], segments(&input[i + 1..], "subpath", true)?),
        None => (input, None),
    };
    let (rest, qualifiers) = match rest.rfind('?') {
        Some(i) => (&rest[..i], qualifiers(&rest[i + 1..], strict)?),
        None => (rest, BTreeMap::new()),
    };
    let Some((scheme, rest)) = rest.split_once(':') else { return err("the scheme \"pkg:\" is missing") };
    if !scheme.eq_ignore_ascii_case("pkg") {
        return err(format!("the scheme is \"{scheme}\", not \"pkg\""));
    }
    let rest = rest.trim_start_matches('/');
    let Some((ty, rest)) = rest.split_once('/') else { return err("a type followed by '/' is required") };
    if !valid_type(ty) {
        return err(format!("\"{ty}\" is not a valid type (ASCII letters, digits, '.' and '-', starting with a letter)"));
    }
    // An '@' with a '/' after it belongs to the namespace (`pkg:npm/@babel/core`, unencoded), not
    // in front of a version; versions never contain an unencoded '/'.
    let (rest, version) = match rest.rfind('@') {
        Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(decode(&rest[i + 1..], "version")?).filter(|v| !v.is_empty())),
        _ => (rest, None),
    };
    // A trailing '/' is an empty last segment: the name is missing (`pkg:swift/github.com/x/@1`).
    let (ns, name) = match rest.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, rest),
    };
    let name = decode(name, "name")?;
    if name.is_empty() {
        return err("a name is required");
    }
    let namespace = match ns {
        Some(ns) => segments(ns, "namespace", false)?,
        None => None,
    };
    finish(ty.to_ascii_lowercase(), namespace, name, version, qualifiers, subpath)
}

fn qualifiers(s: &str, strict: bool) -> Result<BTreeMap<String, String>, PurlError> {
    let mut out = BTreeMap::new();
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !valid_key(key) {
            return err(format!("\"{key}\" is not a valid qualifier key (ASCII letters, digits, '.', '-' and '_', starting with a letter)"));
        }
        if strict && key.bytes().any(|b| b.is_ascii_uppercase()) {
            return err(format!("the qualifier key \"{key}\" is not lower case"));
        }
        let value = decode(value, "qualifier value")?;
        // "A key=value pair with an empty value is the same as no key/value at all."
        if value.is_empty() {
            continue;
        }
        if out.insert(key.to_ascii_lowercase(), value).is_some() {
            return err(format!("the qualifier key \"{}\" appears twice", key.to_ascii_lowercase()));
        }
    }
    Ok(out)
}

fn finish(
    ty: String,
    mut namespace: Option<String>,
    mut name: String,
    mut version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
) -> Result<Purl, PurlError> {
    if let Some(r) = rules(&ty) {
        match r.namespace {
            Need::Required if namespace.is_none() => return err(format!("a {ty} package URL needs a namespace")),
            Need::Prohibited if namespace.is_some() => return err(format!("a {ty} package URL has no namespace")),
            _ => {}
        }
        if r.lower_namespace {
            namespace = namespace.map(|n| n.to_lowercase());
        }
        if r.lower_name {
            name = name.to_lowercase();
        }
        if r.lower_version {
            version = version.map(|v| v.to_lowercase());
        }
        if let Some(missing) = r.required_qualifiers.iter().find(|k| !qualifiers.contains_key(**k)) {
            return err(format!("a {ty} package URL needs the \"{missing}\" qualifier"));
        }
    }
    // pypi-definition.json: "Replace underscore _ with dash -".
    if ty == "pypi" && name.contains('_') {
        name = name.replace('_', "-");
    }
    Ok(Purl { ty, namespace, name, version, qualifiers, subpath })
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                write!(f, "{}/", utf8_percent_encode(seg, COMPONENT))?;
            }
        }
        write!(f, "{}", utf8_percent_encode(&self.name, COMPONENT))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", utf8_percent_encode(v, COMPONENT))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            write!(f, "{}{k}={}", if i == 0 { '?' } else { '&' }, utf8_percent_encode(v, COMPONENT))?;
        }
        if let Some(sp) = &self.subpath {
            f.write_str("#")?;
            for (i, seg) in sp.split('/').enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                write!(f, "{}", utf8_percent_encode(seg, COMPONENT))?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Purl {
    type Err = PurlError;
    /// The lenient reading ([`Purl::parse_lenient`]).
    fn from_str(s: &str) -> Result<Purl, PurlError> {
        Purl::parse_lenient(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_and_case_rules() {
        let p = Purl::parse("pkg:npm/%40angular/animation@12.3.1").unwrap();
        assert_eq!((p.namespace(), p.name()), (Some("@angular"), "animation"));
        assert_eq!(p.to_string(), "pkg:npm/%40angular/animation@12.3.1");
        // npm and Go keep their case (their type definitions say case-sensitive).
        assert_eq!(Purl::parse("pkg:npm/JSONStream@1.3.5").unwrap().name(), "JSONStream");
        assert_eq!(Purl::parse("pkg:golang/github.com/BurntSushi/toml@v1.3.2").unwrap().namespace(), Some("github.com/BurntSushi"));
        assert_eq!(Purl::parse("pkg:PyPI/Django_Allauth@1.0RC1").unwrap().to_string(), "pkg:pypi/django-allauth@1.0rc1");
        assert!(Purl::parse("pkg:gem/x@1?Platform=java").is_err());
        assert_eq!(Purl::parse_lenient(" pkg:gem/x@1?Platform=java ").unwrap().to_string(), "pkg:gem/x@1?platform=java");
        assert!(Purl::parse("pkg:npm/a?x=1&x=2").is_err(), "duplicate keys");
        assert!(Purl::parse(&format!("pkg:npm/{}", "a".repeat(MAX_PURL_LEN))).is_err());
        assert!(Purl::parse("pkg:npm/a\u{0}b").is_err());
        assert!(Purl::parse("pkg:npm/%FF").is_err(), "not UTF-8 once decoded");
    }
}
