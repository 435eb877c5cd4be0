//! OSV ecosystem names: `Base[:release]`, as the OSV schema's `ecosystems.json` defines them.
//!
//! An ecosystem string is one of the schema's names, optionally followed by `:` and a release or
//! scope (`Debian:12`, `Ubuntu:Pro:18.04:LTS`, `Alpine:v3.18`, `Red Hat:rhel_aus:8.4::appstream`,
//! `Maven:https://maven.google.com`). No base name contains `:`, so the first `:` separates them.
//! Names are case-sensitive, as in OSV; a name that differs only in case is refused with the right
//! spelling in the message. The release is kept as written (it is an identifier, not a version);
//! it is checked only where the schema fixes its shape (Alpine's `v` prefix). A release is optional
//! everywhere, because a package URL without a distro qualifier still names the ecosystem.

use std::fmt;
use std::str::FromStr;

use crate::ComparatorFamily;

macro_rules! bases {
    ($($variant:ident => $name:literal => $family:expr),* $(,)?) => {
        /// A base OSV ecosystem, one per entry of the schema's `ecosystems.json`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Base {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Base {
            /// Every base ecosystem, in the schema's order.
            pub const ALL: &'static [Base] = &[$(Base::$variant),*];

            /// The OSV spelling.
            pub fn name(self) -> &'static str {
                match self {
                    $(Base::$variant => $name,)*
                }
            }

            /// Which ordering rules its versions follow; `None` for ecosystems whose OSV records
            /// use only GIT ranges or enumerated versions, or whose scheme is not defined.
            pub fn comparator_family(self) -> Option<ComparatorFamily> {
                use ComparatorFamily::*;
                match self {
                    $(Base::$variant => $family,)*
                }
            }
        }
    };
}

bases! {
    AlmaLinux => "AlmaLinux" => Some(Rpm),
    Alpaquita => "Alpaquita" => Some(Apk),
    Alpine => "Alpine" => Some(Apk),
    Android => "Android" => None,
    AzureLinux => "Azure Linux" => Some(Rpm),
    BellSoftHardenedContainers => "BellSoft Hardened Containers" => Some(Apk),
    Bioconductor => "Bioconductor" => Some(Cran),
    Bitnami => "Bitnami" => Some(OsvSemver),
    Chainguard => "Chainguard" => Some(Apk),
    CleanStart => "CleanStart" => None,
    ConanCenter => "ConanCenter" => Some(OsvSemver),
    Cran => "CRAN" => Some(Cran),
    CratesIo => "crates.io" => Some(SemVer),
    Debian => "Debian" => Some(Dpkg),
    DockerHardenedImages => "Docker Hardened Images" => None,
    Echo => "Echo" => None,
    FreeBsd => "FreeBSD" => None,
    Ghc => "GHC" => Some(Pvp),
    GitHubActions => "GitHub Actions" => None,
    Go => "Go" => Some(GoSemver),
    Hackage => "Hackage" => Some(Pvp),
    Hex => "Hex" => Some(SemVer),
    Julia => "Julia" => Some(SemVer),
    Kubernetes => "Kubernetes" => Some(GoSemver),
    Linux => "Linux" => None,
    Mageia => "Mageia" => Some(Rpm),
    Maven => "Maven" => Some(Maven),
    MinimOs => "MinimOS" => Some(Apk),
    Npm => "npm" => Some(NodeSemver),
    NuGet => "NuGet" => Some(NuGet),
    Opam => "opam" => Some(Opam),
    OpenEuler => "openEuler" => Some(Rpm),
    OpenSuse => "openSUSE" => Some(Rpm),
    OssFuzz => "OSS-Fuzz" => None,
    Packagist => "Packagist" => Some(Composer),
    PhotonOs => "Photon OS" => Some(Rpm),
    Pub => "Pub" => Some(PubSemver),
    PyPi => "PyPI" => Some(Pep440),
    RedHat => "Red Hat" => Some(Rpm),
    RockyLinux => "Rocky Linux" => Some(Rpm),
    Root => "Root" => None,
    RubyGems => "RubyGems" => Some(RubyGems),
    Suse => "SUSE" => Some(Rpm),
    SwiftUrl => "SwiftURL" => Some(SwiftSemver),
    TuxCare => "TuxCare" => None,
    Ubuntu => "Ubuntu" => Some(Dpkg),
    VsCode => "VSCode" => Some(NodeSemver),
    Wolfi => "Wolfi" => Some(Apk),
}

impl Base {
    /// Finds a base by its exact OSV spelling.
    pub fn from_name(name: &str) -> Option<Base> {
        Base::ALL.iter().copied().find(|b| b.name() == name)
    }
}

impl fmt::Display for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An OSV ecosystem: a base and an optional release (`Debian:12` is `Debian` with release `12`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ecosystem {
    base: Base,
    release: Option<Box<str>>,
}

/// Why a string is not an OSV ecosystem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid ecosystem \"{input}\": {message}")]
pub struct EcosystemError {
    /// The string as given (cut to 80 characters).
    pub input: String,
    /// What is wrong with it.
    pub message: String,
}

impl Ecosystem {
    /// The base ecosystem with no release.
    pub fn new(base: Base) -> Ecosystem {
        Ecosystem { base, release: None }
    }

    /// Parses an OSV ecosystem string.
    pub fn parse(input: &str) -> Result<Ecosystem, EcosystemError> {
        let err = |message: String| EcosystemError { input: crate::shorten(input), message };
        let (name, release) = match input.split_once(':') {
            Some((n, r)) => (n, Some(r)),
            None => (input, None),
        };
        let base = Base::from_name(name).ok_or_else(|| match Base::ALL.iter().find(|b| b.name().eq_ignore_ascii_case(name)) {
            Some(b) => err(format!("ecosystem names are case-sensitive: did you mean \"{b}\"?")),
            None => err(format!("\"{name}\" is not an OSV ecosystem")),
        })?;
        let release = match release {
            None => None,
            Some("") => return Err(err("the release after ':' is empty".into())),
            Some(r) => {
                if let Some(c) = r.chars().find(|c| c.is_control()) {
                    return Err(err(format!("control character {c:?} in the release")));
                }
                if r.trim() != r {
                    return Err(err("the release has surrounding spaces".into()));
                }
                if base == Base::Alpine && !is_alpine_release(r) {
                    return Err(err("an Alpine release is a branch written v<major>.<minor>, for example Alpine:v3.18".into()));
                }
                Some(r.into())
            }
        };
        Ok(Ecosystem { base, release })
    }

    /// The base ecosystem.
    pub fn base(&self) -> Base {
        self.base
    }

    /// The release or scope after the first `:`, if any.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// Which ordering rules apply to this ecosystem's versions, or `None` when it has none (see
    /// [`Base::comparator_family`]). `Root` takes the rules of the ecosystem it wraps
    /// (`Root:Alpine:3.18` orders like Alpine, `Root:PyPI` like PyPI).
    pub fn comparator_family(&self) -> Option<ComparatorFamily> {
        if self.base == Base::Root {
            let inner = self.release.as_deref()?.split(':').next()?;
            return Base::from_name(inner).and_then(Base::comparator_family);
        }
        self.base.comparator_family()
    }
}

fn is_alpine_release(r: &str) -> bool {
    r.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
}

impl FromStr for Ecosystem {
    type Err = EcosystemError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ecosystem::parse(s)
    }
}

impl From<Base> for Ecosystem {
    fn from(base: Base) -> Self {
        Ecosystem::new(base)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.name())?;
        if let Some(r) = &self.release {
            write!(f, ":{r}")?;
        }
        Ok(())
    }
}
