//! The Clearinghouse version engine: OSV ecosystem names, and for each ecosystem the ordering of its
//! versions, so that "is version X of package P in ecosystem E affected?" can be answered exactly.
//!
//! Architecture invariant: this crate does no I/O (no files, network or clock). Parsers of outside
//! data never panic: every failure is a [`VersionError`] or an [`EcosystemError`] with a message
//! that says what is wrong, and input is bounded ([`MAX_VERSION_LEN`]).
//!
//! ```
//! use clearinghouse_versions::{compare, parse, Ecosystem};
//! use std::cmp::Ordering;
//!
//! let debian: Ecosystem = "Debian:12".parse().unwrap();
//! assert_eq!(compare(&debian, "1.2.3-1~deb12u1", "1.2.3-1").unwrap(), Ordering::Less);
//!
//! // A matching index parses once and compares many times.
//! let fixed = parse(&debian, "3.0.11-1~deb12u2").unwrap();
//! let installed = parse(&debian, "3.0.11-1~deb12u1").unwrap();
//! assert!(installed < fixed);
//! ```
//!
//! # Libraries and our own code
//! Each module's documentation states the rules it implements, where they come from, and why it is
//! written here. In short: the Rust crates that exist for single ecosystems (`semver`, `pep440_rs`,
//! `debversion`, `rpm-version`) were checked; `semver` and `pep440_rs` keep numbers in 64 bits (real
//! versions carry longer ones) and each refuses forms its ecosystem's tools accept (`v1.2.3` in Go,
//! legacy PyPI versions), `debversion` pulls `chrono`, `regex` and `num-bigint` into a pure crate and
//! hashes inconsistently with its equality, and `rpm-version` splits the release at the wrong hyphen.
//! A matching index also needs one comparable key type across ecosystems. So the comparators are
//! ours, and those four crates are differential oracles in the property tests, on the inputs they
//! accept. There is no Rust implementation of Maven's, RubyGems', PHP's or apk-tools' ordering.
//!
//! # Totality
//! [`Version`]'s `Ord` is a total order within each [`ComparatorFamily`] (the property tests check
//! it), which sorting and binary search need. Where an ecosystem's own comparison is not a total
//! order (Maven's `ComparableVersion`, `rpmvercmp` with a missing release, apk-tools on malformed
//! versions, PHP's `#`), the module documentation says which consistent choice was made.

mod apk;
mod dpkg;
mod ecosystem;
mod maven;
mod num;
mod numeric;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;
use std::fmt;

pub use ecosystem::{Base, Ecosystem, EcosystemError};

/// The longest version string accepted, in bytes. Real versions are far shorter (the longest in
/// osv.dev's data are Go pseudo-versions and Debian backports, under 100 bytes); the bound keeps
/// the cost of parsing and comparing untrusted input small and predictable.
pub const MAX_VERSION_LEN: usize = 256;

/// A set of version ordering rules. Several ecosystems can share one (every RPM distribution uses
/// `Rpm`); the SemVer dialects are separate because they accept different strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ComparatorFamily {
    /// Strict SemVer 2.0.0: crates.io, Hex, Julia.
    SemVer,
    /// node-semver in loose mode (leading `v`/`=`, `1.2.3beta`): npm, VSCode.
    NodeSemver,
    /// Go module versions (`v` optional, `v1`/`v1.2` shorthands, pseudo-versions): Go, Kubernetes.
    GoSemver,
    /// `pub_semver`, where build metadata takes part in the order: Pub.
    PubSemver,
    /// SemVer 2.0.0 tags with an optional `v`: SwiftURL.
    SwiftSemver,
    /// `NuGetVersion`: up to four parts, case-insensitive prerelease labels: NuGet.
    NuGet,
    /// osv-scanner's lenient semver-like comparator: ConanCenter, Bitnami, and the fallback for
    /// versions a strict dialect refuses.
    OsvSemver,
    /// PEP 440, with `packaging`'s legacy ordering for other strings: PyPI.
    Pep440,
    /// The POM "Version Order Specification" (`ComparableVersion`): Maven.
    Maven,
    /// `Gem::Version`: RubyGems.
    RubyGems,
    /// PHP's `version_compare`: Packagist.
    Composer,
    /// R's `package_version`: CRAN, Bioconductor.
    Cran,
    /// The Haskell Package Versioning Policy: Hackage, GHC.
    Pvp,
    /// dpkg (epoch, upstream, revision, `~`): Debian, Ubuntu.
    Dpkg,
    /// opam (dpkg's comparison on the whole string): opam.
    Opam,
    /// apk-tools: Alpine, Wolfi, Chainguard, MinimOS, Alpaquita, BellSoft Hardened Containers.
    Apk,
    /// `rpmvercmp` on `epoch:version-release`: Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE,
    /// Mageia, openEuler, Azure Linux, Photon OS.
    Rpm,
}

impl ComparatorFamily {
    /// Every family.
    pub const ALL: &'static [ComparatorFamily] = &[
        Self::SemVer,
        Self::NodeSemver,
        Self::GoSemver,
        Self::PubSemver,
        Self::SwiftSemver,
        Self::NuGet,
        Self::OsvSemver,
        Self::Pep440,
        Self::Maven,
        Self::RubyGems,
        Self::Composer,
        Self::Cran,
        Self::Pvp,
        Self::Dpkg,
        Self::Opam,
        Self::Apk,
        Self::Rpm,
    ];

    /// A short human name, used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::SemVer => "SemVer",
            Self::NodeSemver => "node-semver",
            Self::GoSemver => "Go module",
            Self::PubSemver => "Pub",
            Self::SwiftSemver => "Swift",
            Self::NuGet => "NuGet",
            Self::OsvSemver => "osv-scanner semver",
            Self::Pep440 => "PEP 440",
            Self::Maven => "Maven",
            Self::RubyGems => "RubyGems",
            Self::Composer => "Composer",
            Self::Cran => "CRAN",
            Self::Pvp => "PVP",
            Self::Dpkg => "dpkg",
            Self::Opam => "opam",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
        }
    }

    /// Parses a version by these rules.
    pub fn parse(self, version: &str) -> Result<Version, VersionError> {
        parse_family(self, self.name(), version)
    }

    /// Compares two versions by these rules.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

impl fmt::Display for ComparatorFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed version: a comparison key built once, so that an index can compare it many times
/// cheaply. Two versions compare equal when their ecosystem considers them the same version
/// (`1.0` and `1.0.0` in Maven), and equality means exactly that.
///
/// Versions of different families are ordered by family first, which is consistent but
/// meaningless; callers compare versions of one ecosystem only.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(Key);

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Semver(semver::SemverKey),
    Pypi(pep440::PypiVersion),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
    Composer(packagist::ComposerVersion),
    Numeric(numeric::NumericVersion),
    Dpkg(dpkg::DebianVersion),
    Opam(dpkg::OpamVersion),
    Apk(apk::ApkVersion),
    Rpm(rpm::RpmVersion),
}

impl Version {
    /// For PyPI versions, whether the version is PEP 440 (`false` for the legacy versions that
    /// sort before all PEP 440 ones); `None` for other ecosystems.
    pub fn is_pep440(&self) -> Option<bool> {
        match &self.0 {
            Key::Pypi(p) => Some(matches!(p, pep440::PypiVersion::Pep440(_))),
            _ => None,
        }
    }
}

/// Why a version could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} version \"{version}\": {message}")]
pub struct VersionError {
    /// The ecosystem (or, for [`ComparatorFamily::parse`], the family) it was read as.
    pub ecosystem: String,
    /// The version as given, cut to 80 characters.
    pub version: String,
    /// What is wrong with it.
    pub message: String,
}

/// Parses `version` by the rules of `eco`.
pub fn parse(eco: &Ecosystem, version: &str) -> Result<Version, VersionError> {
    match eco.comparator_family() {
        Some(family) => parse_family(family, &eco.to_string(), version),
        None => Err(VersionError {
            ecosystem: eco.to_string(),
            version: shorten(version),
            message: format!("{} has no version ordering: its OSV records use GIT ranges or enumerated versions", eco.base()),
        }),
    }
}

/// Compares two versions by the rules of `eco`.
pub fn compare(eco: &Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(eco, a)?.cmp(&parse(eco, b)?))
}

fn parse_family(family: ComparatorFamily, label: &str, input: &str) -> Result<Version, VersionError> {
    let err = |message: String| VersionError { ecosystem: label.to_string(), version: shorten(input), message };
    if input.len() > MAX_VERSION_LEN {
        return Err(err(format!("{} bytes long; the limit is {MAX_VERSION_LEN}", input.len())));
    }
    // Surrounding spaces are copy-and-paste noise in SBOMs and lockfiles, never part of a version.
    let v = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if v.is_empty() {
        return Err(err("the version is empty".into()));
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(err(format!("control character {c:?} in the version")));
    }
    use ComparatorFamily as F;
    let key = match family {
        F::SemVer => Key::Semver(semver::parse(&semver::SEMVER, v).map_err(err)?),
        F::NodeSemver => Key::Semver(semver::parse(&semver::NODE, v).map_err(err)?),
        F::GoSemver => Key::Semver(semver::parse(&semver::GO, v).map_err(err)?),
        F::PubSemver => Key::Semver(semver::parse(&semver::PUB, v).map_err(err)?),
        F::SwiftSemver => Key::Semver(semver::parse(&semver::SWIFT, v).map_err(err)?),
        F::NuGet => Key::Semver(semver::parse(&semver::NUGET, v).map_err(err)?),
        F::OsvSemver => Key::Semver(semver::parse_lenient(v).map_err(err)?),
        F::Pep440 => Key::Pypi(pep440::parse(v)),
        F::Maven => Key::Maven(maven::parse(v)),
        F::RubyGems => Key::RubyGems(rubygems::parse(v).map_err(err)?),
        F::Composer => Key::Composer(packagist::parse(v).map_err(err)?),
        F::Cran => Key::Numeric(numeric::parse_cran(v).map_err(err)?),
        F::Pvp => Key::Numeric(numeric::parse_pvp(v).map_err(err)?),
        F::Dpkg => Key::Dpkg(dpkg::parse(v).map_err(err)?),
        F::Opam => Key::Opam(dpkg::parse_opam(v).map_err(err)?),
        F::Apk => Key::Apk(apk::parse(v)),
        F::Rpm => Key::Rpm(rpm::parse(v)),
    };
    Ok(Version(key))
}

/// Cuts untrusted input for an error message, at a character boundary (80 bytes). Public so the
/// OSV crate's messages cut version strings the same way.
pub fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_clean_input() {
        let npm = Ecosystem::new(Base::Npm);
        let long = format!("1.0.0-{}", "a".repeat(300));
        let e = parse(&npm, &long).unwrap_err();
        assert!(e.message.contains("limit is 256"), "{e}");
        assert!(e.version.chars().count() <= 81);
        assert!(parse(&npm, "   ").unwrap_err().message.contains("empty"));
        assert!(parse(&npm, "1.0.0\n").is_ok(), "surrounding whitespace is trimmed");
        assert!(parse(&npm, "1.0\u{0}.0").unwrap_err().message.contains("control"));
        let e = parse(&Ecosystem::new(Base::Linux), "5.10").unwrap_err();
        assert!(e.to_string().contains("no version ordering"), "{e}");
    }

    #[test]
    fn shorten_respects_char_boundaries() {
        let s = "é".repeat(100);
        let short = shorten(&s);
        assert!(short.ends_with('…') && short.len() <= 83);
    }
}
