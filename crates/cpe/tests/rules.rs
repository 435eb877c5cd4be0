//! Version-range rules and the index: the generic version ordering, rule verdicts (ranges, ANY and
//! NA versions, vendor mismatches, extra attributes), and the index against a brute-force loop.

use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::collections::BTreeMap;

use clearinghouse_cpe::{Cpe, CpeIndex, CpeRule, Match, codes, compare_versions};
use proptest::prelude::*;

fn cpe(s: &str) -> Cpe {
    Cpe::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn rule(s: &str, start_incl: Option<&str>, start_excl: Option<&str>, end_incl: Option<&str>, end_excl: Option<&str>) -> CpeRule {
    CpeRule {
        cpe: cpe(s),
        version_start_including: start_incl.map(str::to_string),
        version_start_excluding: start_excl.map(str::to_string),
        version_end_including: end_incl.map(str::to_string),
        version_end_excluding: end_excl.map(str::to_string),
    }
}

fn component(product_version: &str) -> Cpe {
    cpe(&format!("cpe:2.3:a:openssl:openssl:{product_version}:*:*:*:*:*:*:*"))
}

#[test]
fn version_ordering() {
    let cases: &[(&str, &str, Option<Ordering>)] = &[
        ("1.0", "1.0", Some(Equal)),
        ("1.0", "1.0.0", Some(Equal)),
        ("1.00", "1.0", Some(Equal)),
        ("1.2", "1.10", Some(Less)),
        ("10.0", "9.99", Some(Greater)),
        ("2.4.53", "2.4.54", Some(Less)),
        ("12345678901234567890123", "12345678901234567890124", Some(Less)),
        ("v1.2.3", "1.2.3", Some(Equal)),
        ("1.2.3", "1.2.3.1", Some(Less)),
        ("1.0.0-rc1", "1.0.0", Some(Less)),
        ("1.0.0-rc.1", "1.0.0-rc.2", Some(Less)),
        ("1.0.0-alpha", "1.0.0-beta", Some(Less)),
        ("1.0.0-beta", "1.0.0-rc1", Some(Less)),
        ("1.0.0-dev1", "1.0.0-alpha", Some(Less)),
        ("1.0.0-dev1", "1.0.0-dev2", Some(Less)),
        ("1.0.0-rc2", "1.0.0-rc10", Some(Less)),
        ("1.0.0-RC1", "1.0.0-rc1", Some(Equal)),
        ("2.0.0-beta", "1.9.9", Some(Greater)),
        ("1.0.0-rc1", "1.0.1", Some(Less)),
        ("1.0a1", "1.0", Some(Less)),
        ("1.0b2", "1.0a3", Some(Greater)),
        ("9.0.0.M1", "9.0.0", Some(Less)),
        ("9.0.0.M1", "9.0.0.M2", Some(Less)),
        ("9.0.0.M9", "9.0.0-rc1", Some(Less)),
        ("9.0.0-milestone1", "9.0.0", Some(Less)),
        ("1.0.2", "1.0.2a", Some(Less)),
        ("1.0.2k", "1.0.2l", Some(Less)),
        ("0.9.8zh", "0.9.8za", Some(Greater)),
        ("1.1.1w", "3.0.0", Some(Less)),
        ("1_2_3", "1.2.3", Some(Equal)),
        ("1.2.3+build5", "1.2.3", Some(Greater)),
        ("7.4.0.1570", "7.4.0.1571", Some(Less)),
        // Undecidable.
        ("*", "1.0", None),
        ("-", "1.0", None),
        ("1.*", "1.0", None),
        ("", "1.0", None),
        ("latest", "1.0", None),
        ("unspecified", "0", None),
        ("1.0 beta", "1.0", None),
        ("1.0.1a", "1.0.1.1", None),
        ("2.x", "2.1", None),
        ("1.0é", "1.0", None),
    ];
    for (a, b, want) in cases {
        assert_eq!(compare_versions(a, b), *want, "{a} vs {b}");
        assert_eq!(compare_versions(b, a), want.map(Ordering::reverse), "{b} vs {a}");
    }
    assert_eq!(compare_versions(&"1.".repeat(200), "1"), None, "over MAX_VERSION_LEN");
}

/// The versions of csaf-tools' cvrf-csaf-converter that BSI-2022-0001 lists, in release order.
#[test]
fn bsi_advisory_versions_are_in_order() {
    let ordered = ["1.0.0-dev1", "1.0.0-dev2", "1.0.0-dev3", "1.0.0-alpha", "1.0.0-rc1", "1.0.0-rc2", "1.0.0", "1.0.1"];
    for pair in ordered.windows(2) {
        assert_eq!(compare_versions(pair[0], pair[1]), Some(Less), "{} < {}", pair[0], pair[1]);
    }
}

#[test]
fn start_including_end_excluding() {
    let r = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0.0"), None, None, Some("3.0.8"));
    assert_eq!(r.matches(&component("3.0.0")), Match::Affected);
    assert_eq!(r.matches(&component("3.0.7")), Match::Affected);
    assert_eq!(r.matches(&component("3.0.8")), Match::NotAffected);
    assert_eq!(r.matches(&component("3.1.0")), Match::NotAffected);
    assert_eq!(r.matches(&component("2.9.9")), Match::NotAffected);
    assert_eq!(r.matches(&component("3.0.0-alpha1")), Match::NotAffected, "a pre-release is before the release");
    assert_eq!(r.matches(&component("3.0.8-rc1")), Match::Affected, "3.0.8-rc1 is before 3.0.8");
    assert!(r.validate("/rules/0").is_empty());
}

#[test]
fn start_excluding_end_including() {
    let r = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", None, Some("1.0.2"), Some("1.0.2k"), None);
    assert_eq!(r.matches(&component("1.0.2")), Match::NotAffected);
    assert_eq!(r.matches(&component("1.0.2a")), Match::Affected);
    assert_eq!(r.matches(&component("1.0.2k")), Match::Affected);
    assert_eq!(r.matches(&component("1.0.2l")), Match::NotAffected);
}

#[test]
fn one_sided_ranges() {
    let below = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", None, None, None, Some("1.1.1w"));
    assert_eq!(below.matches(&component("0.9.8")), Match::Affected);
    assert_eq!(below.matches(&component("1.1.1v")), Match::Affected);
    assert_eq!(below.matches(&component("1.1.1w")), Match::NotAffected);
    let from = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0"), None, None, None);
    assert_eq!(from.matches(&component("3.0.0")), Match::Affected);
    assert_eq!(from.matches(&component("2.99")), Match::NotAffected);
}

#[test]
fn any_and_na_versions_are_undetermined() {
    let r = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0.0"), None, None, Some("3.0.8"));
    for (version, what) in [("*", "ANY"), ("-", "NA")] {
        match r.matches(&component(version)) {
            Match::Undetermined(reason) => assert!(reason.contains(what), "{reason}"),
            other => panic!("{version}: {other:?}"),
        }
    }
    // Wildcards in the component: the relation is UNDEFINED.
    assert!(r.matches(&component("3.0.*")).is_undetermined());
    // A version that cannot be ordered against the bounds.
    match r.matches(&component("latest")) {
        Match::Undetermined(reason) => assert!(reason.contains("latest") && reason.contains("version_start_including"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // But a bound that excludes the version decides even when another cannot be ordered.
    let half = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0.0"), None, None, Some("unknown"));
    assert_eq!(half.matches(&component("2.0")), Match::NotAffected);
    assert!(half.matches(&component("3.1")).is_undetermined());
    let diags = half.validate("/rules/4");
    assert_eq!(diags.len(), 1);
    assert_eq!((diags[0].code.as_str(), diags[0].pointer.as_str()), (codes::UNORDERABLE_VERSION_BOUND, "/rules/4/version_end_excluding"));
}

#[test]
fn rules_without_ranges() {
    let every = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", None, None, None, None);
    assert_eq!(every.matches(&component("1.0")), Match::Affected);
    assert_eq!(every.matches(&component("*")), Match::Affected, "every version is affected, whichever it is");
    assert_eq!(every.matches(&component("-")), Match::Affected);
    let one = rule("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*", None, None, None, None);
    assert_eq!(one.matches(&component("1.0.2k")), Match::Affected);
    assert_eq!(one.matches(&component("1.0.2K")), Match::Affected, "values compare ignoring case");
    assert_eq!(one.matches(&component("1.0.2l")), Match::NotAffected);
    assert!(one.matches(&component("*")).is_undetermined());
    assert_eq!(one.matches(&component("-")), Match::NotAffected);
    let wild = rule("cpe:2.3:a:openssl:openssl:1.0.2*:*:*:*:*:*:*:*", None, None, None, None);
    assert_eq!(wild.matches(&component("1.0.2u")), Match::Affected);
    assert_eq!(wild.matches(&component("1.1.0")), Match::NotAffected);
}

#[test]
fn identity_mismatches_are_not_matches() {
    let r = rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", None, None, None, Some("3.0.8"));
    assert_eq!(r.matches(&cpe("cpe:2.3:a:libressl:openssl:3.0.0:*:*:*:*:*:*:*")), Match::NotAffected, "vendor");
    assert_eq!(r.matches(&cpe("cpe:2.3:a:openssl:libcrypto:3.0.0:*:*:*:*:*:*:*")), Match::NotAffected, "product");
    assert_eq!(r.matches(&cpe("cpe:2.3:o:openssl:openssl:3.0.0:*:*:*:*:*:*:*")), Match::NotAffected, "part");
    assert_eq!(r.matches(&cpe("cpe:2.3:a:*:openssl:3.0.0:*:*:*:*:*:*:*")), Match::NotAffected, "a component without a vendor names no product");
    assert_eq!(r.matches(&cpe("cpe:2.3:a:open*:openssl:3.0.0:*:*:*:*:*:*:*")), Match::NotAffected);
    assert_eq!(r.matches(&cpe("cpe:2.3:a:OpenSSL:OpenSSL:3.0.0:*:*:*:*:*:*:*")), Match::Affected, "case");
    assert_eq!(r.matches(&cpe("cpe:/a:openssl:openssl:3.0.0")), Match::Affected);
    // A rule with ANY vendor is about every vendor.
    let any_vendor = rule("cpe:2.3:a:*:openssl:*:*:*:*:*:*:*:*", None, None, None, Some("3.0.8"));
    assert_eq!(any_vendor.matches(&cpe("cpe:2.3:a:libressl:openssl:3.0.0:*:*:*:*:*:*:*")), Match::Affected);
}

#[test]
fn other_attributes() {
    let x64 = rule("cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:x64:*", None, None, None, None);
    assert_eq!(x64.matches(&cpe("cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:x64:*")), Match::Affected);
    assert_eq!(x64.matches(&cpe("cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:x86:*")), Match::NotAffected);
    match x64.matches(&cpe("cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:*:*")) {
        Match::Undetermined(reason) => assert!(reason.contains("target_hw") && reason.contains("x64"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // A disjoint attribute decides even when another is undetermined.
    assert_eq!(x64.matches(&cpe("cpe:2.3:o:microsoft:windows_10:*:*:*:*:*:*:x86:*")), Match::NotAffected);
    // Update NA in the rule (the release itself) against an update in the component.
    let ga = rule("cpe:2.3:a:apache:tomcat:9.0.0:-:*:*:*:*:*:*", None, None, None, None);
    assert_eq!(ga.matches(&cpe("cpe:2.3:a:apache:tomcat:9.0.0:-:*:*:*:*:*:*")), Match::Affected);
    assert_eq!(ga.matches(&cpe("cpe:2.3:a:apache:tomcat:9.0.0:milestone1:*:*:*:*:*:*")), Match::NotAffected);
    assert!(ga.matches(&cpe("cpe:2.3:a:apache:tomcat:9.0.0:*:*:*:*:*:*:*")).is_undetermined());
}

#[test]
fn combine_and_validate() {
    let u = |s: &str| Match::Undetermined(s.to_string());
    assert_eq!(Match::NotAffected.combine(Match::Affected), Match::Affected);
    assert_eq!(u("b").combine(Match::Affected), Match::Affected);
    assert_eq!(u("b").combine(Match::NotAffected), u("b"));
    assert_eq!(u("b").combine(u("a")), u("a"));
    assert_eq!(u("a").combine(u("b")), u("a"));
    assert_eq!(Match::NotAffected.combine(Match::NotAffected), Match::NotAffected);

    let empty = rule("cpe:2.3:a:x:y:*:*:*:*:*:*:*:*", Some("2.0"), None, None, Some("2.0"));
    assert_eq!(empty.validate("/r").iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), [codes::EMPTY_VERSION_RANGE]);
    let point = rule("cpe:2.3:a:x:y:*:*:*:*:*:*:*:*", Some("2.0"), None, Some("2.0"), None);
    assert!(point.validate("/r").is_empty());
    let both = rule("cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*", None, None, None, Some("2.0"));
    assert_eq!(both.validate("/r").iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect::<Vec<_>>(), [(codes::VERSION_AND_RANGE, "/r/cpe")]);
    assert!(!CpeRule::new(cpe("cpe:/a:x:y")).has_range());
}

#[test]
fn rule_serde() {
    let r = rule("cpe:/a:openssl:openssl", Some("3.0.0"), None, None, Some("3.0.8"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "cpe": "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*",
            "version_start_including": "3.0.0",
            "version_end_excluding": "3.0.8"
        })
    );
    assert_eq!(serde_json::from_value::<CpeRule>(json).unwrap(), r);
    assert_eq!(serde_json::to_value(Match::Undetermined("why".into())).unwrap(), serde_json::json!({"undetermined": "why"}));
    assert_eq!(serde_json::to_value(Match::NotAffected).unwrap(), serde_json::json!("not_affected"));
}

#[test]
fn index_basics() {
    let mut index = CpeIndex::new();
    index.insert("CVE-2023-0002", rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0.0"), None, None, Some("3.0.8")));
    index.insert("CVE-2023-0001", rule("cpe:2.3:a:OpenSSL:OpenSSL:*:*:*:*:*:*:*:*", None, None, None, Some("1.1.1t")));
    index.insert("CVE-2023-0001", rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Some("3.0.0"), None, None, Some("3.0.8")));
    index.insert("CVE-2023-0003", rule("cpe:2.3:a:*:openssl:*:*:*:*:*:*:*:*", None, None, None, None));
    index.insert("CVE-2023-0004", rule("cpe:2.3:a:libressl:libressl:*:*:*:*:*:*:*:*", None, None, None, None));
    index.insert("CVE-2023-0005", rule("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:x64:*", None, None, None, None));
    assert_eq!((index.len(), index.advisory_count()), (6, 5));

    let hits = index.query(&component("3.0.7"));
    let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["CVE-2023-0001", "CVE-2023-0002", "CVE-2023-0003", "CVE-2023-0005"]);
    assert_eq!(hits[0].1, Match::Affected);
    assert!(hits[3].1.is_undetermined(), "target_hw x64 against ANY");

    let hits = index.query(&component("3.0.8"));
    assert_eq!(hits.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["CVE-2023-0003", "CVE-2023-0005"]);
    let hits = index.query(&component("*"));
    assert!(hits.iter().any(|(id, m)| id == "CVE-2023-0001" && m.is_undetermined()));

    assert_eq!(index.remove("CVE-2023-0001"), 2);
    assert_eq!(index.remove("CVE-2023-0001"), 0);
    assert_eq!(index.remove("CVE-2023-0003"), 1);
    assert_eq!((index.len(), index.advisory_count()), (3, 3));
    assert_eq!(index.query(&component("3.0.7")).iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["CVE-2023-0002", "CVE-2023-0005"]);
    // A component without a vendor only meets rules without one.
    assert!(index.query(&cpe("cpe:2.3:a:*:openssl:3.0.7:*:*:*:*:*:*:*")).is_empty());
}

fn brute_force(rules: &[(String, CpeRule)], component: &Cpe) -> Vec<(String, Match)> {
    let mut out: BTreeMap<String, Match> = BTreeMap::new();
    for (id, r) in rules {
        let m = r.matches(component);
        let combined = match out.remove(id) {
            Some(prev) => prev.combine(m),
            None => m,
        };
        out.insert(id.clone(), combined);
    }
    out.into_iter().filter(|(_, m)| !m.is_not_affected()).collect()
}

fn attr(choices: &'static [&'static str]) -> proptest::sample::Select<&'static str> {
    proptest::sample::select(choices)
}

fn arb_cpe() -> impl Strategy<Value = Cpe> {
    (
        attr(&["a", "o", "*"]),
        attr(&["acme", "ACME", "zeta", "*", "-", "ac*", "?cme"]),
        attr(&["widget", "Widget", "gadget", "*", "-", "wid*"]),
        attr(&["1.0", "1.2.3", "2.0", "2.0-rc1", "10.1", "*", "-", "1.*", "latest"]),
        attr(&["*", "-", "x64", "x86"]),
    )
        .prop_map(|(p, v, pr, ver, hw)| cpe(&format!("cpe:2.3:{p}:{v}:{pr}:{ver}:*:*:*:*:*:{hw}:*")))
}

fn arb_rule() -> impl Strategy<Value = CpeRule> {
    let bound = proptest::option::of(attr(&["1.0", "1.2", "2.0", "3", "foo"]));
    (arb_cpe(), bound.clone(), bound.clone(), bound.clone(), bound).prop_map(|(c, a, b, d, e)| rule(&c.to_string(), a, b, d, e))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The index returns exactly what a loop over every rule returns, after inserts and removals.
    #[test]
    fn index_equals_brute_force(
        rules in proptest::collection::vec((0u8..6, arb_rule()), 0..40),
        removals in proptest::collection::vec(0u8..6, 0..3),
        components in proptest::collection::vec(arb_cpe(), 1..8),
    ) {
        let mut index = CpeIndex::new();
        let mut all: Vec<(String, CpeRule)> = Vec::new();
        for (id, r) in rules {
            let id = format!("ADV-{id}");
            index.insert(&id, r.clone());
            all.push((id, r));
        }
        for id in removals {
            let id = format!("ADV-{id}");
            let expected = all.iter().filter(|(a, _)| *a == id).count();
            prop_assert_eq!(index.remove(&id), expected);
            all.retain(|(a, _)| *a != id);
        }
        prop_assert_eq!(index.len(), all.len());
        for c in components {
            prop_assert_eq!(index.query(&c), brute_force(&all, &c), "component {}", c);
        }
    }

    /// The ordering is antisymmetric and, where it decides, transitive.
    #[test]
    fn version_order_is_consistent(
        a in "(v)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-._]?(rc|alpha|beta|dev|a|b|k|sp|post)[0-9]?)?",
        b in "(v)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-._]?(rc|alpha|beta|dev|a|b|k|sp|post)[0-9]?)?",
        c in "(v)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-._]?(rc|alpha|beta|dev|a|b|k|sp|post)[0-9]?)?",
    ) {
        prop_assert_eq!(compare_versions(&a, &a), Some(Equal));
        prop_assert_eq!(compare_versions(&a, &b), compare_versions(&b, &a).map(Ordering::reverse));
        if let (Some(ab), Some(bc), Some(ac)) = (compare_versions(&a, &b), compare_versions(&b, &c), compare_versions(&a, &c)) {
            if ab != Greater && bc != Greater {
                prop_assert_ne!(ac, Greater, "{} <= {} <= {}", a, b, c);
            }
            if ab == Equal {
                prop_assert_eq!(ac, bc);
            }
        }
    }
}
