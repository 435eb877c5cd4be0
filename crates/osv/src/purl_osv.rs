//! Package URLs to OSV ecosystems and names, and back.
//!
//! Language ecosystems map by purl type alone (`cargo` is crates.io). Distributions need the
//! namespace (`deb/debian`, `deb/ubuntu`, `apk/alpine`, `rpm/rocky-linux`…) and take the release
//! from the `distro` qualifier, which tools write as os-release's `<ID>-<VERSION_ID>`
//! (`debian-12`, `ubuntu-22.04`, `alpine-3.18.4`, `rocky-9.2`) and sometimes as a codename
//! (`bookworm`, `jammy`). Releases are written the way OSV records spell them (`Debian:12`,
//! `Ubuntu:22.04`, `Alpine:v3.18`, `Rocky Linux:9`). Where a purl cannot carry the release OSV uses
//! (Red Hat's CPE-based streams, SUSE product names), the bare ecosystem is returned with a note:
//! [`crate::ecosystem_matches`] lets a bare ecosystem match every release.
//!
//! Names follow each ecosystem's OSV convention: npm `@scope/name`, Maven `group:artifact`, Go
//! the module path, Packagist `vendor/name`, PyPI the PEP 503 name.

use clearinghouse_model::Diagnostic;
use clearinghouse_versions::{Base, Ecosystem};

use crate::codes;
use crate::eval::pep503_normalize;
use crate::purl::{Purl, PurlParts};

/// What a package URL names in OSV terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsvPackage {
    pub ecosystem: Ecosystem,
    pub name: String,
    /// The version as OSV ranges of that ecosystem compare it (for rpm, with the `epoch`
    /// qualifier put in front: `1:2.4-3`).
    pub version: Option<String>,
    /// What was approximated (a distro qualifier that was missing or not understood, a release
    /// the purl cannot express), for the caller to report.
    pub notes: Vec<Diagnostic>,
}

/// A repository and commit, for package URLs that name a repository rather than a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitTarget {
    /// The clone URL, as OSV GIT ranges write `repo`.
    pub repo: String,
    /// The purl's version, when it is a full commit hash.
    pub commit: Option<String>,
}

/// The OSV ecosystem and package name of a package URL (read leniently). Notes are dropped; use
/// [`package_for_purl`] to see them.
pub fn ecosystem_for_purl(purl: &str) -> Result<(Ecosystem, String), Diagnostic> {
    let p = Purl::parse_lenient(purl).map_err(|e| Diagnostic::new(codes::INVALID_PURL, "", e.to_string()))?;
    package_for_purl(&p).map(|o| (o.ecosystem, o.name))
}

/// The repository a `github` or `bitbucket` package URL names, which OSV can only match through
/// GIT ranges (by commit, with [`crate::affected_by_commit`]).
pub fn git_target_for_purl(purl: &Purl) -> Option<GitTarget> {
    let host = match purl.ty() {
        "github" => "github.com",
        "bitbucket" => "bitbucket.org",
        _ => return None,
    };
    let ns = purl.namespace()?;
    let commit = purl.version().filter(|v| (v.len() == 40 || v.len() == 64) && v.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_ascii_lowercase);
    Some(GitTarget { repo: format!("https://{host}/{ns}/{}", purl.name()), commit })
}

fn eco(base: Base, release: Option<&str>) -> Result<Ecosystem, Diagnostic> {
    let s = match release {
        Some(r) => format!("{}:{r}", base.name()),
        None => base.name().to_string(),
    };
    Ecosystem::parse(&s).map_err(|e| Diagnostic::new(codes::UNKNOWN_ECOSYSTEM, "", e.to_string()))
}

/// The OSV package a package URL names.
pub fn package_for_purl(purl: &Purl) -> Result<OsvPackage, Diagnostic> {
    let none = |why: String| Err(Diagnostic::new(codes::PURL_NO_OSV_ECOSYSTEM, "", why));
    let ns = purl.namespace();
    let name = purl.name();
    let simple = |base: Base, name: String| -> Result<OsvPackage, Diagnostic> {
        Ok(OsvPackage { ecosystem: Ecosystem::new(base), name, version: purl.version().map(str::to_string), notes: Vec::new() })
    };
    match purl.ty() {
        "cargo" => simple(Base::CratesIo, name.to_string()),
        "npm" => simple(Base::Npm, ns.map_or_else(|| name.to_string(), |s| format!("{s}/{name}"))),
        "pypi" => simple(Base::PyPi, pep503_normalize(name)),
        "golang" => simple(Base::Go, ns.map_or_else(|| name.to_string(), |s| format!("{s}/{name}"))),
        "maven" => match ns {
            Some(group) => simple(Base::Maven, format!("{group}:{name}")),
            None => none("a maven package URL without a group".into()),
        },
        "gem" => simple(Base::RubyGems, name.to_string()),
        "nuget" => simple(Base::NuGet, name.to_string()),
        "composer" => simple(Base::Packagist, ns.map_or_else(|| name.to_string(), |s| format!("{s}/{name}"))),
        // A hex namespace is a private organisation; OSV names Hex packages by name alone.
        "hex" => simple(Base::Hex, name.to_string()),
        "pub" => simple(Base::Pub, name.to_string()),
        "cran" => simple(Base::Cran, name.to_string()),
        "hackage" => simple(Base::Hackage, name.to_string()),
        "swift" => simple(Base::SwiftUrl, ns.map_or_else(|| name.to_string(), |s| format!("{s}/{name}"))),
        "conan" => simple(Base::ConanCenter, name.to_string()),
        "bitnami" => simple(Base::Bitnami, name.to_string()),
        "julia" => simple(Base::Julia, name.to_string()),
        "opam" => simple(Base::Opam, name.to_string()),
        "vscode-extension" => simple(Base::VsCode, ns.map_or_else(|| name.to_string(), |s| format!("{s}.{name}"))),
        "github" | "bitbucket" => {
            let target = git_target_for_purl(purl).map(|t| t.repo).unwrap_or_default();
            Err(Diagnostic::new(
                codes::PURL_GIT_ONLY,
                "",
                format!(
                    "pkg:{} names a repository ({target}), not a package of an OSV ecosystem: OSV matches it only through GIT ranges, by exact commit hash",
                    purl.ty()
                ),
            ))
        }
        "deb" => distro_package(purl, &DEB),
        "apk" => distro_package(purl, &APK),
        "rpm" => distro_package(purl, &RPM),
        other => none(format!("the purl type \"{other}\" has no OSV ecosystem")),
    }
}

/// How one distribution's purl namespace maps to OSV.
struct Distro {
    namespaces: &'static [&'static str],
    base: Base,
    /// os-release IDs that prefix the distro qualifier (`debian` in `debian-12`).
    ids: &'static [&'static str],
    /// Reads the release from the distro qualifier (its os-release ID removed); `None` where the
    /// release OSV uses cannot be derived from a purl.
    release: Option<fn(&str) -> Option<String>>,
}

/// A family of purl types (deb, apk, rpm) and its distributions.
struct Family {
    ty: &'static str,
    distros: &'static [Distro],
}

const DEB: Family = Family {
    ty: "deb",
    distros: &[
        Distro { namespaces: &["debian"], base: Base::Debian, ids: &["debian"], release: Some(debian_release) },
        Distro { namespaces: &["ubuntu"], base: Base::Ubuntu, ids: &["ubuntu"], release: Some(ubuntu_release) },
    ],
};

const APK: Family = Family {
    ty: "apk",
    distros: &[
        Distro { namespaces: &["alpine"], base: Base::Alpine, ids: &["alpine"], release: Some(alpine_release) },
        Distro { namespaces: &["wolfi"], base: Base::Wolfi, ids: &["wolfi"], release: None },
        Distro { namespaces: &["chainguard"], base: Base::Chainguard, ids: &["chainguard"], release: None },
        Distro { namespaces: &["minimos"], base: Base::MinimOs, ids: &["minimos"], release: None },
        Distro { namespaces: &["alpaquita"], base: Base::Alpaquita, ids: &["alpaquita"], release: Some(plain_release) },
    ],
};

const RPM: Family = Family {
    ty: "rpm",
    distros: &[
        // Red Hat's OSV ecosystems are product streams derived from CPEs, which a purl does not carry.
        Distro { namespaces: &["redhat"], base: Base::RedHat, ids: &["rhel", "redhat"], release: None },
        Distro { namespaces: &["rocky-linux", "rocky"], base: Base::RockyLinux, ids: &["rocky-linux", "rocky"], release: Some(major_release) },
        Distro { namespaces: &["almalinux", "alma"], base: Base::AlmaLinux, ids: &["almalinux", "alma"], release: Some(major_release) },
        Distro { namespaces: &["opensuse"], base: Base::OpenSuse, ids: &["opensuse"], release: Some(opensuse_release) },
        // SUSE's releases are product names ("SUSE Linux Enterprise Server 15 SP5"), not derivable.
        Distro { namespaces: &["suse", "sles"], base: Base::Suse, ids: &["sles", "suse"], release: None },
        Distro { namespaces: &["mageia"], base: Base::Mageia, ids: &["mageia"], release: Some(major_release) },
        Distro { namespaces: &["photon"], base: Base::PhotonOs, ids: &["photon"], release: Some(plain_release) },
        Distro { namespaces: &["azurelinux", "mariner"], base: Base::AzureLinux, ids: &["azurelinux", "mariner"], release: Some(plain_release) },
        Distro { namespaces: &["openeuler"], base: Base::OpenEuler, ids: &["openeuler"], release: None },
    ],
};

fn distro_package(purl: &Purl, family: &Family) -> Result<OsvPackage, Diagnostic> {
    let ns = purl.namespace().unwrap_or_default();
    let Some(d) = family.distros.iter().find(|d| d.namespaces.contains(&ns)) else {
        return Err(Diagnostic::new(codes::PURL_NO_OSV_ECOSYSTEM, "", format!("pkg:{}/{ns} is not a distribution with an OSV ecosystem", family.ty)));
    };
    let mut notes = Vec::new();
    let release = match purl.qualifier("distro") {
        None => {
            if d.release.is_some() {
                notes.push(Diagnostic::new(
                    codes::PURL_DISTRO_MISSING,
                    "",
                    format!("no distro qualifier: the package is matched against every {} release", d.base),
                ));
            }
            None
        }
        Some(distro) => {
            let lower = distro.to_ascii_lowercase();
            let stripped = d.ids.iter().find_map(|id| lower.strip_prefix(id).and_then(|r| r.strip_prefix('-'))).unwrap_or(&lower);
            match d.release.and_then(|read| read(stripped)) {
                Some(r) => Some(r),
                None => {
                    let why = if d.release.is_none() {
                        format!("{} releases cannot be derived from a package URL", d.base)
                    } else {
                        format!("distro \"{distro}\" is not a {} release this crate knows", d.base)
                    };
                    notes.push(Diagnostic::new(codes::PURL_DISTRO_UNKNOWN, "", format!("{why}: the package is matched against every {} release", d.base)));
                    None
                }
            }
        }
    };
    let ecosystem = match eco(d.base, release.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            notes.push(e);
            Ecosystem::new(d.base)
        }
    };
    let version = purl.version().map(|v| match (family.ty, purl.qualifier("epoch")) {
        // rpm keeps the epoch in a qualifier; OSV's rpm versions carry it as `epoch:`.
        ("rpm", Some(epoch)) if !v.contains(':') => format!("{epoch}:{v}"),
        _ => v.to_string(),
    });
    Ok(OsvPackage { ecosystem, name: purl.name().to_string(), version, notes })
}

fn plain_release(s: &str) -> Option<String> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')).then(|| s.to_string())
}

fn major_release(s: &str) -> Option<String> {
    let major = s.split('.').next()?;
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit())).then(|| major.to_string())
}

/// Debian codenames by release, as distro-info-data lists them (OSV uses the number).
const DEBIAN: &[(&str, &str)] = &[
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4.0"),
    ("lenny", "5.0"),
    ("squeeze", "6.0"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// `12`, `12.4`, `bookworm`, `sid`. From 7 on Debian numbers its releases by the major version,
/// which is what OSV's `Debian:<N>` uses; before, by major.minor.
fn debian_release(s: &str) -> Option<String> {
    if let Some((_, n)) = DEBIAN.iter().find(|(c, _)| *c == s) {
        return Some((*n).to_string());
    }
    if s == "sid" || s == "unstable" {
        return Some("sid".into());
    }
    let mut parts = s.split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    if major >= 7 {
        Some(major.to_string())
    } else {
        let minor = parts.next().unwrap_or("0");
        minor.bytes().all(|b| b.is_ascii_digit()).then(|| format!("{major}.{minor}"))
    }
}

/// Ubuntu codenames by release.
const UBUNTU: &[(&str, &str)] = &[
    ("warty", "4.10"),
    ("hoary", "5.04"),
    ("breezy", "5.10"),
    ("dapper", "6.06"),
    ("edgy", "6.10"),
    ("feisty", "7.04"),
    ("gutsy", "7.10"),
    ("hardy", "8.04"),
    ("intrepid", "8.10"),
    ("jaunty", "9.04"),
    ("karmic", "9.10"),
    ("lucid", "10.04"),
    ("maverick", "10.10"),
    ("natty", "11.04"),
    ("oneiric", "11.10"),
    ("precise", "12.04"),
    ("quantal", "12.10"),
    ("raring", "13.04"),
    ("saucy", "13.10"),
    ("trusty", "14.04"),
    ("utopic", "14.10"),
    ("vivid", "15.04"),
    ("wily", "15.10"),
    ("xenial", "16.04"),
    ("yakkety", "16.10"),
    ("zesty", "17.04"),
    ("artful", "17.10"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
];

/// `22.04`, `22.04.3`, `jammy`. OSV's own spelling adds `:LTS` to LTS releases; this returns the
/// release alone, which [`crate::ecosystem_matches`] matches with and without `:LTS` and `Pro:`.
fn ubuntu_release(s: &str) -> Option<String> {
    if let Some((_, n)) = UBUNTU.iter().find(|(c, _)| *c == s) {
        return Some((*n).to_string());
    }
    let mut parts = s.split('.');
    let (y, m) = (parts.next()?, parts.next()?);
    (y.len() == 2 && m.len() == 2 && y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())).then(|| format!("{y}.{m}"))
}

/// `3.18`, `3.18.4`, `v3.18` → `v3.18`.
fn alpine_release(s: &str) -> Option<String> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts = s.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| format!("v{major}.{minor}"))
}

/// os-release IDs `opensuse-leap` and `opensuse-tumbleweed` (the `opensuse-` prefix is gone by
/// now): OSV names openSUSE releases by their marketing name (`Leap 15.5`, `Tumbleweed`).
fn opensuse_release(s: &str) -> Option<String> {
    if let Some(v) = s.strip_prefix("leap-") {
        return plain_release(v).map(|v| format!("Leap {v}"));
    }
    (s == "tumbleweed").then(|| "Tumbleweed".to_string())
}

/// The package URL of `name` at `version` in `ecosystem`, the reverse of [`package_for_purl`].
pub fn purl_for(ecosystem: &Ecosystem, name: &str, version: Option<&str>) -> Result<Purl, Diagnostic> {
    let fail = |why: String| Diagnostic::new(codes::NO_PURL_TYPE, "", why);
    let mut parts = PurlParts { name: Some(name.to_string()), version: version.map(str::to_string), ..PurlParts::default() };
    let split_last = |s: &str, sep: char| -> Result<(String, String), Diagnostic> {
        match s.rsplit_once(sep) {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_string(), b.to_string())),
            _ => Err(fail(format!("\"{name}\" is not a {} package name of the form expected here", ecosystem.base()))),
        }
    };
    let release = ecosystem.release();
    let ty = match ecosystem.base() {
        Base::CratesIo => "cargo",
        Base::Npm => {
            if let Some(rest) = name.strip_prefix('@') {
                let (scope, bare) = split_last(rest, '/')?;
                parts.namespace = Some(format!("@{scope}"));
                parts.name = Some(bare);
            }
            "npm"
        }
        Base::PyPi => {
            parts.name = Some(pep503_normalize(name));
            "pypi"
        }
        Base::Go => {
            let (ns, bare) = split_last(name, '/')?;
            parts.namespace = Some(ns);
            parts.name = Some(bare);
            "golang"
        }
        Base::Maven => {
            let (group, artifact) = split_last(name, ':')?;
            parts.namespace = Some(group);
            parts.name = Some(artifact);
            if let Some(repo) = release {
                parts.qualifiers.insert("repository_url".into(), repo.to_string());
            }
            "maven"
        }
        Base::RubyGems => "gem",
        Base::NuGet => "nuget",
        Base::Packagist => {
            let (vendor, bare) = split_last(name, '/')?;
            parts.namespace = Some(vendor);
            parts.name = Some(bare);
            "composer"
        }
        Base::Hex => "hex",
        Base::Pub => "pub",
        Base::Cran => "cran",
        Base::Hackage => "hackage",
        Base::SwiftUrl => {
            let url = name.trim_start_matches("https://").trim_start_matches("http://");
            let url = url.strip_suffix(".git").unwrap_or(url);
            let (ns, bare) = split_last(url, '/')?;
            parts.namespace = Some(ns);
            parts.name = Some(bare);
            "swift"
        }
        Base::ConanCenter => "conan",
        Base::Bitnami => "bitnami",
        Base::Opam => "opam",
        Base::VsCode => {
            let (publisher, bare) = split_last(name, '.')?;
            parts.namespace = Some(publisher);
            parts.name = Some(bare);
            "vscode-extension"
        }
        Base::Debian | Base::Ubuntu => {
            let (ns, distro) = if ecosystem.base() == Base::Debian {
                ("debian", release.map(|r| format!("debian-{r}")))
            } else {
                ("ubuntu", release.map(|r| format!("ubuntu-{}", r.strip_prefix("Pro:").unwrap_or(r).trim_end_matches(":LTS"))))
            };
            parts.namespace = Some(ns.into());
            if let Some(d) = distro {
                parts.qualifiers.insert("distro".into(), d);
            }
            "deb"
        }
        Base::Alpine | Base::Wolfi | Base::Chainguard | Base::MinimOs | Base::Alpaquita => {
            let d = APK.distros.iter().find(|d| d.base == ecosystem.base()).ok_or_else(|| fail("unreachable".into()))?;
            parts.namespace = Some(d.namespaces[0].into());
            if let Some(r) = release {
                parts.qualifiers.insert("distro".into(), format!("{}-{}", d.ids[0], r.strip_prefix('v').unwrap_or(r)));
            }
            "apk"
        }
        Base::RedHat
        | Base::RockyLinux
        | Base::AlmaLinux
        | Base::OpenSuse
        | Base::Suse
        | Base::Mageia
        | Base::PhotonOs
        | Base::AzureLinux
        | Base::OpenEuler => {
            let d = RPM.distros.iter().find(|d| d.base == ecosystem.base()).ok_or_else(|| fail("unreachable".into()))?;
            parts.namespace = Some(d.namespaces[0].into());
            if let Some(r) = release
                && d.release.is_some()
            {
                let distro = match ecosystem.base() {
                    Base::OpenSuse => {
                        r.strip_prefix("Leap ").map(|v| format!("opensuse-leap-{v}")).or_else(|| (r == "Tumbleweed").then(|| "opensuse-tumbleweed".into()))
                    }
                    _ => Some(format!("{}-{r}", d.ids[0])),
                };
                if let Some(distro) = distro {
                    parts.qualifiers.insert("distro".into(), distro);
                }
            }
            // OSV's rpm versions carry the epoch in front; the purl keeps it in a qualifier.
            if let Some(v) = version
                && let Some((epoch, rest)) = v.split_once(':')
                && !epoch.is_empty()
                && epoch.bytes().all(|b| b.is_ascii_digit())
            {
                parts.qualifiers.insert("epoch".into(), epoch.into());
                parts.version = Some(rest.into());
            }
            "rpm"
        }
        other => return Err(fail(format!("{other} has no package URL type (its packages are named by repository or by the ecosystem alone)"))),
    };
    parts.ty = Some(ty.into());
    Purl::build(parts).map_err(|e| Diagnostic::new(codes::INVALID_PURL, "", e.to_string()))
}
