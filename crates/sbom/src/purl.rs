//! Package URLs: checking the ones found in SBOMs, and building them for lockfile entries.
//!
//! Building goes through the `packageurl` crate, which percent-encodes each part as the purl
//! specification requires (`pkg:npm/%40scope/name@1.0.0`) and applies the per-type case rules; the
//! normalisations the crate does not do (PEP 503 for PyPI names, lower case for Go module paths) are
//! done here first.

use clearinghouse_model::validate::MAX_PURL_LEN;
use packageurl::PackageUrl;
use std::str::FromStr;

/// Checks a purl found in a document. Returns it (trimmed of surrounding white space, otherwise as
/// found) and the OSV ecosystem its type implies, or a message saying why it is not valid.
pub fn check(raw: &str) -> Result<(String, Option<String>), String> {
    let s = raw.trim();
    if s.len() > MAX_PURL_LEN {
        return Err(format!("package URL is longer than {MAX_PURL_LEN} bytes"));
    }
    let purl = PackageUrl::from_str(s).map_err(|e| format!("{s:?} is not a valid package URL: {e}"))?;
    Ok((s.to_string(), ecosystem_for_type(purl.ty()).map(str::to_string)))
}

/// The namespace, name and version of a valid purl, to name a component that has only a purl.
pub(crate) fn parts(purl: &str) -> Option<(Option<String>, String, Option<String>)> {
    let p = PackageUrl::from_str(purl.trim()).ok()?;
    Some((p.namespace().map(str::to_string), p.name().to_string(), p.version().map(str::to_string)))
}

/// The OSV ecosystem of a purl type, for the types whose ecosystem needs nothing but the type.
pub fn ecosystem_for_type(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "cargo" => "crates.io",
        "npm" => "npm",
        "pypi" => "PyPI",
        "golang" => "Go",
        "maven" => "Maven",
        "gem" => "RubyGems",
        "composer" => "Packagist",
        "nuget" => "NuGet",
        "hex" => "Hex",
        "pub" => "Pub",
        "cran" => "CRAN",
        "hackage" => "Hackage",
        "swift" => "SwiftURL",
        "conan" => "ConanCenter",
        "bitnami" => "Bitnami",
        _ => return None,
    })
}

/// PEP 503 name normalisation, shared with the OSV matcher.
pub use clearinghouse_model::validate::pep503_normalize;

fn build(ty: &str, namespace: Option<&str>, name: &str, version: Option<&str>, qualifiers: &[(&str, &str)]) -> Result<String, String> {
    let mut purl = PackageUrl::new(ty.to_string(), name.to_string()).map_err(|e| e.to_string())?;
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        purl.with_namespace(ns.to_string()).map_err(|e| e.to_string())?;
    }
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        purl.with_version(v.to_string()).map_err(|e| e.to_string())?;
    }
    for (k, v) in qualifiers {
        purl.add_qualifier(k.to_string(), v.to_string()).map_err(|e| e.to_string())?;
    }
    Ok(purl.to_string())
}

/// `pkg:cargo/name@version`.
pub fn cargo(name: &str, version: &str) -> Result<String, String> {
    build("cargo", None, name, Some(version), &[])
}

/// `pkg:npm/name@version` or `pkg:npm/%40scope/name@version` for `@scope/name`.
pub fn npm(name: &str, version: &str) -> Result<String, String> {
    match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
        Some((scope, bare)) => build("npm", Some(&format!("@{scope}")), bare, Some(version), &[]),
        None => build("npm", None, name, Some(version), &[]),
    }
}

/// `pkg:pypi/name@version`, the name normalised per PEP 503.
pub fn pypi(name: &str, version: &str) -> Result<String, String> {
    build("pypi", None, &pep503_normalize(name), Some(version), &[])
}

/// `pkg:golang/namespace/name@version`: the module path split at its last `/`, lower-cased as the
/// golang purl type requires (the component keeps the path as written).
pub fn golang(module: &str, version: &str) -> Result<String, String> {
    let lower = module.to_lowercase();
    match lower.rsplit_once('/') {
        Some((ns, name)) => build("golang", Some(ns), name, Some(version), &[]),
        None => build("golang", None, &lower, Some(version), &[]),
    }
}

/// `pkg:gem/name@version`, with `?platform=` for platform-specific gems.
pub fn gem(name: &str, version: &str, platform: Option<&str>) -> Result<String, String> {
    match platform {
        Some(p) => build("gem", None, name, Some(version), &[("platform", p)]),
        None => build("gem", None, name, Some(version), &[]),
    }
}

/// `pkg:composer/vendor/name@version` (lower-cased by the type's rules).
pub fn composer(name: &str, version: &str) -> Result<String, String> {
    match name.split_once('/') {
        Some((vendor, bare)) if !vendor.is_empty() && !bare.is_empty() => build("composer", Some(vendor), bare, Some(version), &[]),
        _ => Err(format!("{name:?} is not a vendor/name Composer package name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_encoded_purls() {
        assert_eq!(npm("@babel/core", "7.0.0").unwrap(), "pkg:npm/%40babel/core@7.0.0");
        assert_eq!(npm("lodash", "4.17.20").unwrap(), "pkg:npm/lodash@4.17.20");
        assert_eq!(pypi("Zope.Interface", "5.0").unwrap(), "pkg:pypi/zope-interface@5.0");
        assert_eq!(pypi("ruamel.yaml__clib", "0.2.8").unwrap(), "pkg:pypi/ruamel-yaml-clib@0.2.8");
        assert_eq!(golang("github.com/BurntSushi/toml", "v1.3.2").unwrap(), "pkg:golang/github.com/burntsushi/toml@v1.3.2");
        assert_eq!(golang("golang.org/x/net", "v0.0.0-20220722155237-a158d28d115b").unwrap(), "pkg:golang/golang.org/x/net@v0.0.0-20220722155237-a158d28d115b");
        assert_eq!(gem("nokogiri", "1.13.10", Some("x86_64-linux")).unwrap(), "pkg:gem/nokogiri@1.13.10?platform=x86_64-linux");
        assert_eq!(composer("Symfony/Console", "v5.4.0").unwrap(), "pkg:composer/symfony/console@v5.4.0");
        assert_eq!(cargo("serde", "1.0.0+build").unwrap(), "pkg:cargo/serde@1.0.0%2Bbuild");
        assert!(composer("nonamespace", "1").is_err());
    }

    #[test]
    fn checks_found_purls() {
        assert_eq!(check(" pkg:npm/%40angular/core@1.0.0 ").unwrap(), ("pkg:npm/%40angular/core@1.0.0".to_string(), Some("npm".to_string())));
        assert_eq!(check("pkg:deb/debian/openssl@3.0.11-1?distro=debian-12").unwrap().1, None);
        assert!(check("not a purl").is_err());
        assert!(check("pkg:cargo/").is_err());
    }
}
