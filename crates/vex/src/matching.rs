//! Whether a VEX product designates a component of an SBOM, by package URL, `bom-ref` or CPE.
//!
//! Deliberately simple and conservative: a VEX `not_affected` hides a finding, so a product that
//! matches too much is worse than one that matches too little. Package URLs go through the same
//! parser as the OSV matching (`clearinghouse_osv::Purl`), so "the same package" means the same
//! thing for an advisory and for a VEX statement. CPEs are compared on part, vendor, product and
//! version only; real CPE name matching belongs to a dedicated crate.

use clearinghouse_osv::{Purl, pep503_normalize};

use crate::ProductRef;

impl ProductRef {
    /// Whether this product designates a component with this purl, `bom-ref` or CPEs (any one of them
    /// suffices), or, for a product with [`subcomponents`](ProductRef::subcomponents), whether one of
    /// those does: a statement about a product "because of this subcomponent" speaks about that
    /// subcomponent wherever the product's SBOM lists it.
    ///
    /// - Purl: type, namespace and name equal (after each type's case rules; PyPI names after PEP 503); a product purl without
    ///   a version matches every version, with one only that version; the product's qualifiers and
    ///   subpath, when given, must be in the component purl with the same values (extra qualifiers
    ///   of the component are ignored).
    /// - `bom-ref`: equal, or the product is a BOM-Link (`urn:cdx:serial/version#ref`) whose
    ///   fragment is the component's `bom-ref`. A `bom-ref` is local to its document, so callers
    ///   should match by it only against the SBOM the VEX was written for.
    /// - CPE (2.3 formatted string or 2.2 URI, in any combination): part, vendor and product equal
    ///   (case-insensitively; `*` in the product matches any), and the version equal unless the
    ///   product's is `*` or `-`.
    /// - A [`version`](ProductRef::version) on the product must equal the component's version (from
    ///   its purl, else from its first CPE with a version); a component without one does not match.
    /// - A product with a [`version_range`](ProductRef::version_range) never matches here: ranges
    ///   need the ecosystem's version ordering, which this crate does not have. Callers that can
    ///   evaluate the range (a `vers:` string, or CSAF's free text) do so themselves.
    pub fn matches_component(&self, purl: Option<&str>, bom_ref: Option<&str>, cpes: &[String]) -> bool {
        self.matches_itself(purl, bom_ref, cpes) || self.subcomponents.iter().any(|s| s.matches_itself(purl, bom_ref, cpes))
    }

    fn matches_itself(&self, purl: Option<&str>, bom_ref: Option<&str>, cpes: &[String]) -> bool {
        if self.version_range.is_some() {
            return false;
        }
        let identified = self.purl.as_deref().zip(purl).is_some_and(|(p, c)| purl_matches(p, c))
            || self.bom_ref.as_deref().zip(bom_ref).is_some_and(|(p, c)| bom_ref_matches(p, c))
            || self.cpe.as_deref().is_some_and(|p| cpes.iter().any(|c| cpe_matches(p, c)));
        identified && self.version.as_deref().is_none_or(|v| component_version(purl, cpes).is_some_and(|cv| cv == v))
    }
}

/// Whether the product purl designates the component purl (see [`ProductRef::matches_component`]).
/// Either side that does not parse matches only the same string.
pub(crate) fn purl_matches(product: &str, component: &str) -> bool {
    let (Ok(p), Ok(c)) = (Purl::parse_lenient(product), Purl::parse_lenient(component)) else {
        return product.trim() == component.trim();
    };
    // PyPI names compare as PEP 503 says pip compares them (`zope.interface` is `zope-interface`),
    // as the OSV matching does; the purl form only lowers the case and turns `_` into `-`.
    let same_name = if p.ty() == "pypi" { pep503_normalize(p.name()) == pep503_normalize(c.name()) } else { p.name() == c.name() };
    p.ty() == c.ty()
        && p.namespace() == c.namespace()
        && same_name
        && p.version().is_none_or(|v| c.version() == Some(v))
        && p.qualifiers().iter().all(|(k, v)| c.qualifier(k) == Some(v.as_str()))
        && p.subpath().is_none_or(|s| c.subpath() == Some(s))
}

pub(crate) fn bom_ref_matches(product: &str, component: &str) -> bool {
    product == component || bom_link(product).and_then(|l| l.fragment) == Some(component) || bom_link(component).and_then(|l| l.fragment) == Some(product)
}

/// A CycloneDX BOM-Link, `urn:cdx:<serial>/<version>[#<bom-ref>]`.
pub(crate) struct BomLink<'a> {
    pub serial: &'a str,
    pub fragment: Option<&'a str>,
}

pub(crate) fn bom_link(s: &str) -> Option<BomLink<'_>> {
    let rest = s.strip_prefix("urn:cdx:")?;
    let (head, fragment) = match rest.split_once('#') {
        Some((h, f)) => (h, Some(f).filter(|f| !f.is_empty())),
        None => (rest, None),
    };
    let (serial, version) = head.split_once('/')?;
    (!serial.is_empty() && !version.is_empty()).then_some(BomLink { serial, fragment })
}

/// The part, vendor, product and version of a CPE, lower case and unescaped: a 2.3 formatted string
/// (`cpe:2.3:a:vendor:product:version:…`, `*` any, `-` not applicable) or a 2.2 URI
/// (`cpe:/a:vendor:product:version:…`, a missing or empty field is any). `None` when the string is
/// neither, or its part is not `a`, `o`, `h` (or `*` in 2.3) or it has no vendor.
pub(crate) fn cpe_fields(s: &str) -> Option<[String; 4]> {
    let s = s.trim();
    let fields: Vec<String> = if let Some(rest) = prefix_ci(s, "cpe:2.3:") {
        let fields = split_escaped(rest);
        if fields.len() < 3 {
            return None;
        }
        fields
    } else if let Some(rest) = prefix_ci(s, "cpe:/") {
        rest.split(':').map(percent_decode).collect()
    } else {
        return None;
    };
    let get = |i: usize| fields.get(i).map(|f| f.to_lowercase()).unwrap_or_default();
    let part = get(0);
    if !matches!(part.as_str(), "a" | "o" | "h" | "*") || get(1).is_empty() {
        return None;
    }
    Some([part, get(1), get(2), get(3)])
}

fn prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &s[prefix.len()..])
}

/// Splits a CPE 2.3 formatted string at the colons that are not escaped, removing the escapes.
fn split_escaped(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ':' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_any(field: &str) -> bool {
    field.is_empty() || field == "*"
}

pub(crate) fn cpe_matches(product: &str, component: &str) -> bool {
    let (Some(p), Some(c)) = (cpe_fields(product), cpe_fields(component)) else { return false };
    (0..3).all(|i| is_any(&p[i]) || p[i] == c[i]) && (is_any(&p[3]) || p[3] == "-" || p[3] == c[3])
}

/// The component's version: its purl's, else the first specific version among its CPEs.
fn component_version(purl: Option<&str>, cpes: &[String]) -> Option<String> {
    if let Some(v) = purl.and_then(|p| Purl::parse_lenient(p).ok()).and_then(|p| p.version().map(str::to_string)) {
        return Some(v);
    }
    cpes.iter().filter_map(|c| cpe_fields(c)).map(|[_, _, _, v]| v).find(|v| !is_any(v) && v != "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe_fields_of_both_forms() {
        assert_eq!(cpe_fields("cpe:2.3:a:apache:log4j:2.4:-:*:*:*:*:*:*").unwrap(), ["a", "apache", "log4j", "2.4"].map(String::from));
        assert_eq!(cpe_fields("cpe:/a:apache:log4j:2.4:-").unwrap(), ["a", "apache", "log4j", "2.4"].map(String::from));
        assert_eq!(cpe_fields("cpe:/o:redhat:enterprise_linux:8::baseos").unwrap(), ["o", "redhat", "enterprise_linux", "8"].map(String::from));
        assert_eq!(cpe_fields("cpe:2.3:a:node\\.js:node\\.js:*").unwrap(), ["a", "node.js", "node.js", "*"].map(String::from));
        assert_eq!(cpe_fields("cpe:/a:foo%2ebar:baz").unwrap(), ["a", "foo.bar", "baz", ""].map(String::from));
        assert!(cpe_fields("cpe:2.3:a:vendor").is_none());
        assert!(cpe_fields("cpe:/x:vendor:product").is_none());
        assert!(cpe_fields("pkg:npm/x").is_none());
        assert!(cpe_fields("cpé:/a:b").is_none());
    }

    #[test]
    fn bom_links() {
        let l = bom_link("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/a/b@1?type=jar").unwrap();
        assert_eq!((l.serial, l.fragment), ("3e671687-395b-41f5-a30f-a58921a69b79", Some("pkg:maven/a/b@1?type=jar")));
        assert!(bom_link("urn:cdx:abc/1").unwrap().fragment.is_none());
        assert!(bom_link("urn:cdx:abc").is_none());
        assert!(bom_link("acme-product").is_none());
    }
}
