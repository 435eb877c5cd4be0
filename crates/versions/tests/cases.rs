//! Hand-written cases for what the shared fixtures do not cover: ecosystem names, Go
//! pseudo-versions and `+incompatible`, Pub, Hackage, Ubuntu, Alpine and RPM edge cases, the Maven
//! specification's examples, opam, and the error messages.

use std::cmp::Ordering;

use clearinghouse_versions::{Base, ComparatorFamily, Ecosystem, MAX_VERSION_LEN, compare, parse};

fn eco(s: &str) -> Ecosystem {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Asserts that `versions` is strictly increasing under `ecosystem`, checking every pair both ways
/// (not only neighbours), so a wrong answer anywhere in the list shows.
fn ascending(ecosystem: &str, versions: &[&str]) {
    let e = eco(ecosystem);
    for (i, a) in versions.iter().enumerate() {
        for (j, b) in versions.iter().enumerate() {
            let expected = i.cmp(&j);
            let got = compare(&e, a, b).unwrap_or_else(|err| panic!("{err}"));
            assert_eq!(got, expected, "{ecosystem}: {a} vs {b}");
        }
    }
}

fn equal(ecosystem: &str, a: &str, b: &str) {
    let e = eco(ecosystem);
    assert_eq!(compare(&e, a, b).unwrap(), Ordering::Equal, "{ecosystem}: {a} = {b}");
    assert_eq!(parse(&e, a).unwrap(), parse(&e, b).unwrap());
}

fn refused(ecosystem: &str, v: &str, needle: &str) {
    let err = parse(&eco(ecosystem), v).expect_err(v);
    assert!(err.message.contains(needle), "{ecosystem} {v:?}: message {:?} lacks {needle:?}", err.message);
    assert_eq!(err.ecosystem, ecosystem);
}

#[test]
fn every_schema_ecosystem_round_trips() {
    let names: Vec<&str> = Base::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(names.len(), 48, "ecosystems.json lists 48 ecosystems");
    for name in names {
        let e = eco(name);
        assert_eq!(e.to_string(), name);
        assert_eq!(e.release(), None);
    }
}

#[test]
fn suffixed_ecosystems() {
    for (input, base, release, family) in [
        ("Debian:12", Base::Debian, Some("12"), Some(ComparatorFamily::Dpkg)),
        ("Debian:sid", Base::Debian, Some("sid"), Some(ComparatorFamily::Dpkg)),
        ("Ubuntu:22.04:LTS", Base::Ubuntu, Some("22.04:LTS"), Some(ComparatorFamily::Dpkg)),
        ("Ubuntu:Pro:18.04:LTS", Base::Ubuntu, Some("Pro:18.04:LTS"), Some(ComparatorFamily::Dpkg)),
        ("Alpine:v3.18", Base::Alpine, Some("v3.18"), Some(ComparatorFamily::Apk)),
        ("Red Hat:rhel_aus:8.4::appstream", Base::RedHat, Some("rhel_aus:8.4::appstream"), Some(ComparatorFamily::Rpm)),
        ("Rocky Linux:9", Base::RockyLinux, Some("9"), Some(ComparatorFamily::Rpm)),
        ("AlmaLinux:8", Base::AlmaLinux, Some("8"), Some(ComparatorFamily::Rpm)),
        ("SUSE:Linux Enterprise Server 15 SP5", Base::Suse, Some("Linux Enterprise Server 15 SP5"), Some(ComparatorFamily::Rpm)),
        ("openSUSE:Leap 15.5", Base::OpenSuse, Some("Leap 15.5"), Some(ComparatorFamily::Rpm)),
        ("Mageia:9", Base::Mageia, Some("9"), Some(ComparatorFamily::Rpm)),
        ("Maven:https://maven.google.com", Base::Maven, Some("https://maven.google.com"), Some(ComparatorFamily::Maven)),
        ("Packagist:https://packages.drupal.org/8", Base::Packagist, Some("https://packages.drupal.org/8"), Some(ComparatorFamily::Composer)),
        ("Root:Alpine:3.18", Base::Root, Some("Alpine:3.18"), Some(ComparatorFamily::Apk)),
        ("Root:PyPI", Base::Root, Some("PyPI"), Some(ComparatorFamily::Pep440)),
        ("Root", Base::Root, None, None),
        ("crates.io", Base::CratesIo, None, Some(ComparatorFamily::SemVer)),
        ("Go", Base::Go, None, Some(ComparatorFamily::GoSemver)),
        ("Linux", Base::Linux, None, None),
    ] {
        let e = eco(input);
        assert_eq!(e.base(), base, "{input}");
        assert_eq!(e.release(), release, "{input}");
        assert_eq!(e.comparator_family(), family, "{input}");
        assert_eq!(e.to_string(), input, "Display gives back the OSV spelling");
    }
}

#[test]
fn unknown_ecosystems_are_errors_with_reasons() {
    for (input, needle) in [
        ("pypi", "did you mean \"PyPI\""),
        ("CRATES.IO", "did you mean \"crates.io\""),
        ("GIT", "not an OSV ecosystem"),
        ("", "not an OSV ecosystem"),
        ("Debian:", "empty"),
        ("Alpine:3.18", "v<major>.<minor>"),
        ("Alpine:v3.", "v<major>.<minor>"),
        ("Ubuntu:22.04\n", "control character"),
        ("Debian: 12", "surrounding spaces"),
    ] {
        let err = input.parse::<Ecosystem>().expect_err(input);
        assert!(err.message.contains(needle), "{input:?}: {err}");
    }
}

#[test]
fn families_of_the_issue_ecosystems() {
    use ComparatorFamily as F;
    for (name, family) in [
        ("npm", F::NodeSemver),
        ("crates.io", F::SemVer),
        ("Go", F::GoSemver),
        ("Hex", F::SemVer),
        ("Pub", F::PubSemver),
        ("PyPI", F::Pep440),
        ("Maven", F::Maven),
        ("NuGet", F::NuGet),
        ("RubyGems", F::RubyGems),
        ("Packagist", F::Composer),
        ("CRAN", F::Cran),
        ("Hackage", F::Pvp),
        ("Debian", F::Dpkg),
        ("Ubuntu", F::Dpkg),
        ("Alpine", F::Apk),
        ("Red Hat", F::Rpm),
        ("AlmaLinux", F::Rpm),
        ("Rocky Linux", F::Rpm),
        ("SUSE", F::Rpm),
        ("openSUSE", F::Rpm),
    ] {
        assert_eq!(eco(name).comparator_family(), Some(family), "{name}");
    }
}

#[test]
fn go_pseudo_versions_and_incompatible() {
    ascending(
        "Go",
        &[
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.0.0-20200101000000-abcdefabcdef",
            "v0.1.0",
            "v1.2.3-pre",
            "v1.2.3-pre.0.20191109021931-daa7c04131f5",
            "v1.2.3",
            "v1.2.4-0.20191109021931-daa7c04131f5",
            "v1.2.4",
            "v2.0.0+incompatible",
            "v2.0.1+incompatible",
            "v2.1.0-0.20210101000000-0123456789ab+incompatible",
            "v2.1.0",
        ],
    );
    equal("Go", "v2.0.0+incompatible", "2.0.0");
    equal("Go", "v1", "v1.0.0");
    equal("Go", "v1.2", "1.2.0");
    refused("Go", "v1.2-pre", "cannot carry a prerelease");
    refused("Go", "v01.2.3", "leading zero");
}

#[test]
fn npm_is_node_semver_loose() {
    ascending("npm", &["0.0.0-foo", "0.0.0", "1.2.3-alpha.1", "1.2.3-alpha.beta", "1.2.3-beta.2", "1.2.3-beta.11", "1.2.3", "=v1.2.4"]);
    equal("npm", "v1.2.3", "=1.2.3");
    equal("npm", "1.2.3+build.5", "1.2.3");
    refused("npm", "1.2", "MAJOR.MINOR.PATCH");
    refused("npm", "1.2.3-beta..1", "empty prerelease identifier");
}

#[test]
fn crates_io_and_hex_are_strict() {
    for e in ["crates.io", "Hex"] {
        ascending(e, &["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "2.0.0"]);
        refused(e, "v1.0.0", "must start with a number");
        refused(e, "1.0", "MAJOR.MINOR.PATCH");
        refused(e, "1.0.0-01", "leading zero");
        equal(e, "1.0.0+abc", "1.0.0+def");
    }
    ascending("crates.io", &["18446744073709551615.0.0", "18446744073709551616.0.0", "99999999999999999999999.0.0"]);
}

#[test]
fn pub_semver() {
    ascending("Pub", &["1.0.0-dev", "1.0.0-dev.2", "1.0.0-dev.10", "1.0.0", "1.0.0+1", "1.0.0+2", "1.0.0+10", "1.0.0+a", "1.0.1"]);
    equal("Pub", "01.0.0", "1.0.0");
    refused("Pub", "1.0", "MAJOR.MINOR.PATCH");
}

#[test]
fn hackage_pvp() {
    ascending("Hackage", &["0.9", "0.10", "1", "1.0", "1.0.0", "1.0.0.1", "1.1", "2.0.0.0.0.1"]);
    refused("Hackage", "1.01", "leading zero");
    refused("Hackage", "1.0-beta", "'-' is not allowed");
    refused("Hackage", "1..0", "empty");
}

#[test]
fn ubuntu_dpkg() {
    for e in ["Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS", "Debian:12"] {
        ascending(
            e,
            &[
                "1.2.3-0ubuntu0.18.04.1~esm1",
                "1.2.3-0ubuntu0.18.04.1",
                "1.2.3-0ubuntu0.20.04.1",
                "1.2.3-0ubuntu1",
                "1.2.3-0ubuntu1.1",
                "1.2.3-0ubuntu2",
                "1.2.3-1",
                "1.2.3-1build1",
                "1.2.3a-1",
                "1.2.3+dfsg-1",
                "1.2.4~rc1-1",
                "1.2.4-1",
                "1:0.9-1",
            ],
        );
    }
    equal("Ubuntu", "0:1.0-1", "1.0-1");
    equal("Ubuntu", "1.0", "1.0-0");
    refused("Ubuntu", "a:1.0", "not a number");
    refused("Debian", "1.0-", "revision number is empty");
    refused("Debian", "1:", "nothing after colon");
}

#[test]
fn alpine_edge_cases() {
    ascending(
        "Alpine:v3.18",
        &[
            "1.2.3_alpha",
            "1.2.3_alpha2",
            "1.2.3_alpha2_p1",
            "1.2.3_beta",
            "1.2.3_pre1",
            "1.2.3_rc1",
            "1.2.3_rc1-r5",
            "1.2.3",
            "1.2.3-r1",
            "1.2.3-r10",
            "1.2.3_cvs20200101",
            "1.2.3_svn1",
            "1.2.3_git20230101",
            "1.2.3_hg1",
            "1.2.3_p1",
            "1.2.3_p2-r3",
            "1.2.3a",
            "1.2.3b",
            "1.2.3p1",
            "1.2.3p2",
            "1.2.4",
        ],
    );
    ascending("Alpine", &["1.01", "1.010", "1.1", "1.2"]); // a leading zero compares as text
    equal("Alpine", "1.0", "1.0-r0");
    equal("Wolfi", "1.2.3.0", "1.2.3");
    assert_eq!(compare(&eco("Alpine"), "1.2.3~abc", "1.2.3").unwrap(), Ordering::Greater, "apk-tools 3 commit hash");
    assert_eq!(compare(&eco("Alpine"), "1.2_blah", "1.2").unwrap(), Ordering::Less, "malformed sorts below");
}

#[test]
fn rpm_tilde_and_caret() {
    for e in ["Red Hat", "Rocky Linux:9", "SUSE:Linux Enterprise Server 15", "openSUSE:Leap 15.5", "Mageia:9"] {
        ascending(
            e,
            &[
                "1.0~rc1",
                "1.0~rc1^git1",
                "1.0~rc2",
                "1.0",
                "1.0-1.el8",
                "1.0-1.el8_4",
                "1.0-1.el8_10",
                "1.0-2.el8",
                "1.0^20200101",
                "1.0^20200101^git1",
                "1.0^20200102",
                "1.0.1",
                "1:0.1-1",
                "2:0.0.1",
            ],
        );
    }
    equal("Red Hat", "1.0-1", "0:1.0-1");
    equal("Red Hat", "1.0_1-1", "1.0.1-1");
    equal("Red Hat", "1.001-1", "1.1-1");
}

#[test]
fn maven_specification_examples() {
    // The examples of the POM reference's "Version Order Specification".
    ascending("Maven", &["1", "1.1"]);
    ascending("Maven", &["1-snapshot", "1", "1-sp"]);
    ascending("Maven", &["1-foo2", "1-foo10"]);
    ascending("Maven", &["1-foo", "1-1", "1.1"]);
    ascending("Maven", &["1.foo", "1-1", "1.1"]);
    for v in ["1.ga", "1-ga", "1-0", "1.0", "1"] {
        equal("Maven", v, "1");
    }
    ascending("Maven", &["1-ga", "1-sp"]);
    ascending("Maven", &["1-ga.1", "1-sp.1"]);
    ascending("Maven", &["1-sp-1", "1-ga-1"]);
    equal("Maven", "1-ga-1", "1-1");
    equal("Maven", "1-a1", "1-alpha-1");
    // The page now also says "1.foo" = "1-foo" (Maven 3.9). osv.dev, whose orderings of Maven
    // Central we follow, keeps ".qualifier < -qualifier" (`6.1.12.rc5 < 6.1.12rc1`).
    assert_eq!(compare(&eco("Maven"), "1.foo", "1-foo").unwrap(), Ordering::Less);
    // Maven's own ComparableVersionTest qualifier order.
    ascending(
        "Maven",
        &[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ],
    );
    // Common Maven Central shapes.
    ascending("Maven", &["5.0.0.Alpha1", "5.0.0.Beta2", "5.0.0.CR1", "5.0.0.Final", "5.0.0.SP1", "5.0.1.Final"]);
    ascending("Maven", &["31.0-android", "31.0-jre", "31.1-android", "31.1-jre"]);
    ascending("Maven", &["2.5.0-M1", "2.5.0-RC1", "2.5.0", "2.5.0.RELEASE-1"]);
}

#[test]
fn opam_manual_order() {
    // The ordering example of the opam manual.
    ascending("opam", &["~~", "~", "~beta2", "~beta10", "0.1", "1.0~beta", "1.0", "1.0-test", "1.0.1", "1.0.10", "dev", "trunk"]);
}

#[test]
fn nuget_cran_rubygems_packagist_pypi_extras() {
    ascending("NuGet", &["1.0.0-alpha", "1.0.0-Beta", "1.0.0-beta.2", "1.0.0-RC.1", "1.0.0", "1.0.0.1", "1.0.1"]);
    refused("NuGet", "1.0.0.0.0", "unexpected '.'");
    ascending("CRAN", &["0.9-1", "0.9-2", "0.10-0", "1.0", "1.0-1", "1.0.2"]);
    equal("CRAN", "1.0-1", "1.0.1");
    refused("CRAN", "1", "at least two numbers");
    ascending("RubyGems", &["1.0.0.a", "1.0.0.b1", "1.0.0.rc1", "1.0.0", "1.0.0.1", "1.0.1"]);
    equal("RubyGems", "1.0-1", "1.0.pre.1");
    refused("RubyGems", "a1", "starts with a number");
    ascending("Packagist", &["1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta2", "1.0.0-RC1", "1.0.0", "1.0.0-p1", "1.0.1"]);
    ascending("PyPI", &["1.0-legacy", "0!0.1", "1.0.dev1", "1.0a1", "1.0", "1.0+local.1", "1.0.post1", "1!0.1"]);
    assert_eq!(parse(&eco("PyPI"), "1.0-legacy").unwrap().is_pep440(), Some(false));
    assert_eq!(parse(&eco("PyPI"), "1.0.post1").unwrap().is_pep440(), Some(true));
    assert_eq!(parse(&eco("npm"), "1.0.0").unwrap().is_pep440(), None);
}

#[test]
fn huge_numbers_compare_without_overflow() {
    let big = "999999999999999999999999999991";
    let bigger = "999999999999999999999999999999";
    for e in ["PyPI", "Maven", "NuGet", "RubyGems", "Packagist", "Debian", "Alpine", "Red Hat", "Hackage", "opam"] {
        assert_eq!(compare(&eco(e), big, bigger).unwrap(), Ordering::Less, "{e}");
        assert_eq!(compare(&eco(e), &format!("1.{big}"), &format!("1.{bigger}")).unwrap(), Ordering::Less, "{e}");
    }
    assert_eq!(compare(&eco("CRAN"), &format!("1.{big}"), &format!("1.{bigger}")).unwrap(), Ordering::Less);
    assert_eq!(compare(&eco("npm"), &format!("1.0.{big}"), &format!("1.0.{bigger}")).unwrap(), Ordering::Less);
}

#[test]
fn bounded_input_and_error_display() {
    let long = "1.".repeat(MAX_VERSION_LEN);
    for family in ComparatorFamily::ALL {
        let err = family.parse(&long).expect_err("too long");
        assert!(err.message.contains("limit is 256"), "{family}: {err}");
        assert!(family.parse("").is_err(), "{family}: empty");
        assert!(family.parse("1.0\u{7}").is_err(), "{family}: control character");
    }
    let err = parse(&eco("npm"), "1.2").unwrap_err();
    assert_eq!(err.to_string(), "invalid npm version \"1.2\": a node-semver needs 3 numeric parts (MAJOR.MINOR.PATCH), found 2");
    let err = parse(&eco("Android"), "1.0").unwrap_err();
    assert!(err.message.contains("no version ordering"));
}
