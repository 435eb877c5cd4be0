//! Property tests: for every comparator family, on generated versions, the order is a total order
//! (reflexive, antisymmetric, transitive on triples, and consistent over a sorted list), equality
//! agrees with the order, and parsing never panics on any input. Where an independent
//! implementation exists (`semver`, `pep440_rs`, `debversion`, `rpm-version`), our answers must
//! agree with it on the inputs both accept.

use std::cmp::Ordering;
use std::str::FromStr;

use clearinghouse_versions::{ComparatorFamily, Version};
use proptest::prelude::*;

/// Realistic and adversarial version strings for a family: a structured shape that mostly parses,
/// mixed with free strings over the family's alphabet that often do not.
fn versions(family: ComparatorFamily) -> BoxedStrategy<String> {
    use ComparatorFamily as F;
    const PRE: &str = "(-(alpha|beta|rc|RC|0|1|11|x-y|0a)(\\.(alpha|0|1|11|b-c)){0,2})?(\\+(b|001|incompatible)(\\.[0-9a-z]{1,2})?)?";
    const BROAD_SEMVER: &str = "(v|=)?(0|1|2|10|01|18446744073709551616)(\\.(0|1|2|10|01)){0,3}(-(alpha|beta|rc|RC|0|1|11|01|x-y|0a)(\\.(alpha|0|1|11|b-c)){0,2})?(\\+(b|001|incompatible)(\\.[0-9a-z]{1,2})?)?";
    let semver = |prefix: &str, numbers: &str| format!("{prefix}{numbers}\\.{numbers}\\.{numbers}{PRE}");
    let (structured, free): (String, &str) = match family {
        F::SemVer => (semver("", "(0|1|2|10|18446744073709551616)"), BROAD_SEMVER),
        F::SwiftSemver => (semver("v?", "(0|1|2|10)"), BROAD_SEMVER),
        F::NodeSemver => (semver("(v|=|=v| v)?", "(0|1|2|10|01)"), BROAD_SEMVER),
        F::PubSemver => (semver("", "(0|1|2|10|01)"), BROAD_SEMVER),
        F::GoSemver => (format!("v?(0|1|2|10)(\\.(0|1|2|10)(\\.(0|1|2|10){PRE})?)?"), BROAD_SEMVER),
        F::OsvSemver => (BROAD_SEMVER.to_string(), "v?[0-9][0-9a-zA-Z.+-]{0,15}"),
        F::NuGet => (
            "(0|1|2|10|01)(\\.(0|1|2|10|01)){0,4}(-(alpha|Alpha|BETA|beta|rc|0|1|11|x-y)(\\.(alpha|ALPHA|0|1|11)){0,2})?(\\+(b|B|001))?".into(),
            "[0-9a-zA-Z.+-]{1,16}",
        ),
        F::Pep440 => (
            "(v|V)?([0-9]!)?(0|1|10|01)(\\.(0|1|10)){0,3}([-_.]?(a|b|rc|alpha|beta|c|pre|preview|A|RC)[-_.]?[0-9]{0,2})?([-_.]?(post|rev|r)[0-9]?|-[0-9])?([-_.]?dev[0-9]?)?(\\+[a-z0-9]{1,3}([._-][a-z0-9]{1,3}){0,2})?".into(),
            "[0-9a-zA-Z.!+_~-]{1,14}",
        ),
        F::Maven => (
            "(0|1|2|10|01)(([.-])?(0|1|2|10|alpha|beta|a|b|m|rc|cr|snapshot|ga|final|release|sp|foo|jre|RC|Final)){0,6}".into(),
            "[0-9a-zA-Z._-]{1,14}",
        ),
        F::RubyGems => (
            "(0|1|2|10|01)((\\.|-)?(0|1|2|10|a|b|pre|rc|A|beta)){0,6}".into(),
            "[0-9][0-9a-zA-Z.-]{0,12}",
        ),
        F::Composer => (
            "(v|V)?(0|1|2|10|01)(([._+-])?(0|1|2|10|dev|alpha|a|beta|b|RC|rc|pl|p|patch|foo|#)){0,6}".into(),
            "[0-9a-zA-Z.#_+~-]{1,14}",
        ),
        F::Cran => ("(0|1|2|10|01)([.-](0|1|2|10|01)){1,5}".into(), "[0-9.-]{1,12}"),
        F::Pvp => ("(0|1|2|10)(\\.(0|1|2|10|99)){0,5}".into(), "[0-9.]{1,12}"),
        F::Dpkg => (
            "([0-9]{1,2}:)?[0-9]{1,3}([.+~]?[0-9a-z]{1,3}){0,3}(-[0-9a-z]{1,3}([.+~][0-9a-z]{1,3}){0,2})?".into(),
            "[0-9a-zA-Z.+~:-]{1,14}",
        ),
        F::Opam => ("[0-9a-z]{1,3}([.+~-]{1,2}[0-9a-z]{1,3}){0,4}".into(), "[0-9a-zA-Z.+~_-]{1,14}"),
        F::Apk => (
            "\\.?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}([a-z][0-9]{0,2})?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p|blah)[0-9]{0,2}){0,2}(~[0-9a-f]{1,4})?(-r[0-9]{0,2})?(-?[a-z0-9]{1,3})?".into(),
            "[0-9a-zA-Z._~-]{1,14}",
        ),
        F::Rpm => (
            "([0-9]{0,2}:)?[0-9a-z]{1,3}([._~^+]{1,2}[0-9a-zA-Z]{0,3}){0,4}(-[0-9a-z~^]{0,3}([._][0-9a-z]{1,3}){0,2})?".into(),
            "[0-9a-zA-Z._~^:+-]{1,14}",
        ),
        _ => ("[0-9]{1,3}(\\.[0-9]{1,3}){0,3}".into(), "[0-9a-z.-]{1,12}"),
    };
    prop_oneof![
        4 => proptest::string::string_regex(&structured).expect("valid regex"),
        1 => proptest::string::string_regex(free).expect("valid regex"),
        1 => "\\PC{1,8}",
    ]
    .boxed()
}

fn parsed(family: ComparatorFamily, count: usize) -> impl Strategy<Value = Vec<(String, Version)>> {
    proptest::collection::vec(versions(family), count * 6)
        .prop_map(move |vs| vs.into_iter().filter_map(|v| family.parse(&v).ok().map(|p| (v, p))).take(count).collect::<Vec<_>>())
}

fn check_pair(a: &(String, Version), b: &(String, Version)) -> Result<(), TestCaseError> {
    let ab = a.1.cmp(&b.1);
    let ba = b.1.cmp(&a.1);
    prop_assert_eq!(ab, ba.reverse(), "antisymmetry: {:?} vs {:?}", a.0, b.0);
    prop_assert_eq!(a.1 == b.1, ab == Ordering::Equal, "equality agrees with the order: {:?} vs {:?}", a.0, b.0);
    prop_assert_eq!(a.1.partial_cmp(&b.1), Some(ab));
    Ok(())
}

/// Every ordered choice of three must be consistent: x <= y <= z implies x <= z, strictly if
/// either step is strict.
fn check_triple(v: &[&(String, Version); 3]) -> Result<(), TestCaseError> {
    for (i, j, k) in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)] {
        let (x, y, z) = (v[i], v[j], v[k]);
        let xy = x.1.cmp(&y.1);
        let yz = y.1.cmp(&z.1);
        let xz = x.1.cmp(&z.1);
        if xy != Ordering::Greater && yz != Ordering::Greater {
            let strict = xy == Ordering::Less || yz == Ordering::Less;
            let expected = if strict { Ordering::Less } else { Ordering::Equal };
            prop_assert_eq!(xz, expected, "transitivity: {:?} {:?} {:?} then {:?}", x.0, xy, y.0, z.0);
        }
    }
    Ok(())
}

macro_rules! family_properties {
    ($($module:ident => $family:expr),* $(,)?) => {$(
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

                #[test]
                fn reflexive_antisymmetric_transitive(vs in parsed($family, 3)) {
                    prop_assume!(vs.len() == 3);
                    for a in &vs {
                        prop_assert_eq!(a.1.cmp(&a.1), Ordering::Equal, "reflexive: {:?}", a.0);
                        prop_assert_eq!(a.1.clone(), a.1.clone());
                        let again = $family.parse(&a.0).unwrap();
                        prop_assert_eq!(&again, &a.1, "parsing is deterministic");
                    }
                    for a in &vs {
                        for b in &vs {
                            check_pair(a, b)?;
                        }
                    }
                    check_triple(&[&vs[0], &vs[1], &vs[2]])?;
                }

                /// A list sorted by insertion is consistent pair by pair, and equal elements form
                /// contiguous runs: a total preorder restricted to the list.
                #[test]
                fn sorted_lists_are_consistent(vs in parsed($family, 10)) {
                    let mut sorted: Vec<&(String, Version)> = Vec::new();
                    for v in &vs {
                        let at = sorted.iter().position(|s| v.1 < s.1).unwrap_or(sorted.len());
                        sorted.insert(at, v);
                    }
                    for i in 0..sorted.len() {
                        for j in i + 1..sorted.len() {
                            let o = sorted[i].1.cmp(&sorted[j].1);
                            prop_assert_ne!(o, Ordering::Greater, "{:?} sorted before {:?}", sorted[i].0, sorted[j].0);
                            if o == Ordering::Equal {
                                for k in i..=j {
                                    prop_assert_eq!(sorted[i].1.cmp(&sorted[k].1), Ordering::Equal, "equal run broken by {:?}", sorted[k].0);
                                }
                            }
                        }
                    }
                    // The standard library's sort must agree (and would panic on an inconsistent order).
                    let mut std_sorted: Vec<Version> = vs.iter().map(|v| v.1.clone()).collect();
                    std_sorted.sort();
                    for (a, b) in std_sorted.iter().zip(sorted.iter()) {
                        prop_assert_eq!(a.cmp(&b.1), Ordering::Equal);
                    }
                }

                #[test]
                fn parse_never_panics(s in "\\PC{0,40}|[0-9a-zA-Z.+~^_:#!=-]{0,300}|\\p{Any}{0,20}") {
                    let _ = $family.parse(&s);
                }

                #[test]
                fn parse_never_panics_on_family_shapes(s in versions($family), junk in "\\p{Any}{0,4}") {
                    let _ = $family.parse(&s);
                    let _ = $family.parse(&format!("{s}{junk}"));
                    let _ = $family.parse(&format!("{junk}{s}"));
                }
            }

            #[test]
            fn long_inputs_are_refused_quickly() {
                for s in ["1".repeat(257), "1.".repeat(5000), "é".repeat(1000), "9".repeat(100_000)] {
                    let err = $family.parse(&s).expect_err("over the limit");
                    assert!(err.message.contains("limit"), "{}", err);
                }
                // Just under the limit is parsed (or refused for its content), not refused for length.
                let at_limit = format!("1.{}", "0".repeat(254));
                if let Err(e) = $family.parse(&at_limit) {
                    assert!(!e.message.contains("limit"), "{}", e);
                }
            }
        }
    )*};
}

family_properties! {
    semver_strict => ComparatorFamily::SemVer,
    node_semver => ComparatorFamily::NodeSemver,
    go_semver => ComparatorFamily::GoSemver,
    pub_semver => ComparatorFamily::PubSemver,
    swift_semver => ComparatorFamily::SwiftSemver,
    nuget => ComparatorFamily::NuGet,
    osv_semver => ComparatorFamily::OsvSemver,
    pep440 => ComparatorFamily::Pep440,
    maven => ComparatorFamily::Maven,
    rubygems => ComparatorFamily::RubyGems,
    composer => ComparatorFamily::Composer,
    cran => ComparatorFamily::Cran,
    pvp => ComparatorFamily::Pvp,
    dpkg => ComparatorFamily::Dpkg,
    opam => ComparatorFamily::Opam,
    apk => ComparatorFamily::Apk,
    rpm => ComparatorFamily::Rpm,
}

#[test]
fn every_family_has_properties() {
    // The macro above lists each family once; this fails when a family is added without them.
    assert_eq!(ComparatorFamily::ALL.len(), 17);
}

/// Differential tests against independent implementations.
mod oracles {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Strict SemVer: the `semver` crate accepts exactly what we accept (numbers kept small
        /// enough for its u64), and its precedence is our order.
        #[test]
        fn semver_crate(a in versions(ComparatorFamily::SemVer), b in versions(ComparatorFamily::SemVer)) {
            let fits = |s: &str| !s.contains("18446744073709551616");
            for s in [&a, &b] {
                if fits(s) {
                    prop_assert_eq!(semver::Version::parse(s).is_ok(), ComparatorFamily::SemVer.parse(s).is_ok(), "acceptance of {:?}", s);
                }
            }
            if let (Ok(x), Ok(y)) = (semver::Version::parse(&a), semver::Version::parse(&b)) {
                let ours = ComparatorFamily::SemVer.compare(&a, &b).unwrap();
                prop_assert_eq!(ours, x.cmp_precedence(&y), "{:?} vs {:?}", a, b);
                // crates.io, Go (without `v`) and Hex agree on strict SemVer input.
                for f in [ComparatorFamily::GoSemver, ComparatorFamily::NodeSemver, ComparatorFamily::OsvSemver, ComparatorFamily::SwiftSemver] {
                    prop_assert_eq!(f.compare(&a, &b).unwrap(), ours, "{} on {:?} vs {:?}", f, a, b);
                }
            }
        }

        /// PEP 440: where `pep440_rs` parses both, the order is the same and both call them
        /// PEP 440 versions.
        #[test]
        fn pep440_rs(a in versions(ComparatorFamily::Pep440), b in versions(ComparatorFamily::Pep440)) {
            if let (Ok(x), Ok(y)) = (pep440_rs::Version::from_str(&a), pep440_rs::Version::from_str(&b)) {
                let pa = ComparatorFamily::Pep440.parse(&a).unwrap();
                let pb = ComparatorFamily::Pep440.parse(&b).unwrap();
                prop_assert_eq!(pa.is_pep440(), Some(true), "{:?} is PEP 440", a);
                prop_assert_eq!(pb.is_pep440(), Some(true), "{:?} is PEP 440", b);
                prop_assert_eq!(pa.cmp(&pb), x.cmp(&y), "{:?} vs {:?}", a, b);
            }
        }

        /// dpkg: `debversion` (which wraps the same algorithm with big numbers) agrees.
        #[test]
        fn debversion(a in versions(ComparatorFamily::Dpkg), b in versions(ComparatorFamily::Dpkg)) {
            if let (Ok(x), Ok(y), Ok(pa), Ok(pb)) = (
                debversion::Version::from_str(&a),
                debversion::Version::from_str(&b),
                ComparatorFamily::Dpkg.parse(&a),
                ComparatorFamily::Dpkg.parse(&b),
            ) {
                prop_assert_eq!(pa.cmp(&pb), x.cmp(&y), "{:?} vs {:?}", a, b);
            }
        }

        /// rpm: `rpm-version` agrees where its parsing matches rpm's: a digits-only epoch, at most
        /// one `-`, and a release on both sides or on neither (rpm-version reads a missing release
        /// as an empty one; see the rpm module for why we sort it first).
        #[test]
        fn rpm_version(
            with_release in any::<bool>(),
            parts in proptest::collection::vec(("([0-9]{1,2}:)?", "[0-9a-zA-Z._~^+]{1,8}|[0-9]{1,3}(\\.[0-9a-z~^]{1,3}){0,3}", "[0-9a-zA-Z._~^]{1,6}"), 2),
        ) {
            let evr = |(e, v, r): &(String, String, String)| if with_release { format!("{e}{v}-{r}") } else { format!("{e}{v}") };
            let (a, b) = (evr(&parts[0]), evr(&parts[1]));
            let ours = ComparatorFamily::Rpm.compare(&a, &b).unwrap();
            prop_assert_eq!(ours, rpm_version::rpm_evr_compare(&a, &b), "{:?} vs {:?}", a, b);
        }
    }
}
