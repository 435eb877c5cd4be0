//! Property tests: the readers never panic on arbitrary bytes or on mutated real records; range
//! evaluation never panics on generated ranges and agrees with a literal transcription of the
//! schema's pseudo-code whenever a range is evaluable (and says "undetermined", never "not
//! affected", when one is not); package URLs never panic and their canonical form is a fixed point.

mod common;

use std::path::PathBuf;

use clearinghouse_osv::{
    EventKind, Purl, Range, RangeState, Verdict, affected_by, compile_record, ecosystem_for_purl, package_for_purl, parse_record, parse_record_yaml,
};
use clearinghouse_versions::{ComparatorFamily, Version};
use proptest::prelude::*;
use serde_json::{Value, json};

fn real_records() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/osv-schema-examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Splice(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        "\"",
        ",",
        ":",
        "null",
        "0",
        "\"0\"",
        "-1",
        "1e999",
        "\\u0000",
        "\"introduced\"",
        "\u{FEFF}",
        "\u{1F600}",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), tokens).prop_map(|(i, t)| Mutation::Splice(i, t)),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => bytes[i % n] ^= b | 1,
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), *b),
            Mutation::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            Mutation::Splice(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, t.bytes());
            }
            _ => {}
        }
    }
    bytes
}

/// Versions for SEMVER ranges: mostly strict ones from a small pool (so that ranges share and tie
/// versions), some lenient ones, some junk.
fn semver_string() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => (0u8..4, 0u8..3, 0u8..3, prop::option::of(prop::sample::select(vec!["alpha", "beta.1", "0", "rc.2"])))
            .prop_map(|(a, b, c, p)| match p { Some(p) => format!("{a}.{b}.{c}-{p}"), None => format!("{a}.{b}.{c}") }),
        1 => prop::sample::select(vec!["0", "v1.2", "1", "1.2.3.4", "*", "1.*", ""]).prop_map(str::to_string),
        1 => "[a-z0-9.+-]{0,6}",
    ]
}

fn event() -> impl Strategy<Value = Value> {
    let kinds = prop::sample::select(vec!["introduced", "introduced", "fixed", "fixed", "last_affected", "limit"]);
    prop_oneof![
        30 => (kinds, semver_string()).prop_map(|(k, v)| json!({ k: v })),
        1 => Just(json!({"introduced": "0", "fixed": "1.0.0"})),
        1 => Just(json!({})),
    ]
}

/// Mostly well-formed ranges (an introduced, then events in any order, closed by either fixed or
/// last_affected), sometimes anything.
fn range() -> impl Strategy<Value = Value> {
    let ty = prop::sample::select(vec!["SEMVER", "SEMVER", "SEMVER", "SEMVER", "SEMVER", "ECOSYSTEM", "GIT", "OTHER"]);
    let first = prop_oneof![Just("0".to_string()), semver_string()];
    let closer = prop::option::weighted(0.9, prop::sample::select(vec!["fixed", "last_affected"]));
    (ty, prop::option::weighted(0.9, first), prop::collection::vec(event(), 0..6), any::<prop::sample::Index>(), closer).prop_map(
        |(t, first, mut events, at, closer)| {
            if let Some(closer) = closer {
                for e in &mut events {
                    let m = e.as_object_mut().unwrap();
                    for k in ["fixed", "last_affected"] {
                        if m.len() == 1
                            && let Some(v) = m.remove(k)
                        {
                            m.insert(closer.to_string(), v);
                        }
                    }
                }
            }
            if let Some(v) = first {
                let i = at.index(events.len() + 1);
                events.insert(i, json!({"introduced": v}));
            }
            json!({"type": t, "events": events})
        },
    )
}

fn affected_entry() -> impl Strategy<Value = Value> {
    let ecosystems = prop::sample::select(vec!["npm", "npm", "crates.io", "Go", "Debian:12", "PyPI", "Linux", "npmx"]);
    (ecosystems, prop::collection::vec(range(), 0..3), prop::collection::vec(semver_string(), 0..3))
        .prop_map(|(e, ranges, versions)| json!({"package": {"ecosystem": e, "name": "p"}, "ranges": ranges, "versions": versions}))
}

fn parse_semver(s: &str) -> Option<Version> {
    ComparatorFamily::SemVer.parse(s).or_else(|_| ComparatorFamily::OsvSemver.parse(s)).ok()
}

/// The schema's IncludedInRanges for one SEMVER range.
fn pseudo_code(range: &Range, v: &Version) -> bool {
    let events: Vec<(EventKind, &str)> = range.events.iter().filter_map(|e| e.kind()).collect();
    common::included_in_range(&events, v, parse_semver)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_record(&bytes);
        let _ = parse_record_yaml(&bytes);
    }

    #[test]
    fn readers_never_panic_on_mutated_records(pick in any::<prop::sample::Index>(), muts in prop::collection::vec(mutation(), 1..8)) {
        let records = real_records();
        let bytes = apply(records[pick.index(records.len())].clone(), &muts);
        let (record, _) = parse_record(&bytes);
        let _ = parse_record_yaml(&bytes);
        // Whatever was read can be evaluated and written back.
        if let Some(r) = record {
            let _ = affected_by(&r, &"PyPI".parse().unwrap(), "requests", "2.30.0");
            let _ = serde_json::to_vec(&r).unwrap();
        }
    }

    #[test]
    fn purls_never_panic_and_canonical_form_is_a_fixed_point(s in "(pkg:|PKG:|pkg:/)?[a-zA-Z]{0,6}/[a-zA-Z0-9@%./:_+-]{0,20}(@[a-zA-Z0-9.%:+~-]{0,10})?(\\?[a-zA-Z_]{1,5}=[a-zA-Z0-9%/:,]{0,8}(&[a-z]{1,3}=[a-z0-9]{0,3})?)?(#[a-z/.]{0,10})?") {
        let _ = Purl::parse(&s);
        if let Ok(p) = Purl::parse_lenient(&s) {
            let canonical = p.to_string();
            let again = Purl::parse(&canonical).expect("a canonical purl parses strictly");
            prop_assert_eq!(&again, &p);
            prop_assert_eq!(again.to_string(), canonical);
            let _ = package_for_purl(&p);
        }
        let _ = ecosystem_for_purl(&s);
    }

    #[test]
    fn purls_never_panic_on_arbitrary_text(s in "\\PC{0,40}") {
        let _ = Purl::parse(&s);
        let _ = ecosystem_for_purl(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_follows_the_pseudo_code(entries in prop::collection::vec(affected_entry(), 1..3), query in semver_string()) {
        let doc = json!({"id": "PROP-1", "modified": "2024-01-01T00:00:00Z", "affected": entries});
        let (record, _) = parse_record(doc.to_string().as_bytes());
        let record = record.unwrap();
        let compiled = compile_record(&record);
        for eco_name in ["npm", "crates.io", "Go", "Debian:12", "PyPI", "Linux"] {
            let eco = eco_name.parse().unwrap();
            let e = affected_by(&record, &eco, "p", &query);
            // Verdicts follow from what was found.
            if e.matched.is_empty() {
                prop_assert_ne!(e.verdict, Verdict::Affected);
            } else {
                prop_assert_eq!(e.verdict, Verdict::Affected);
            }
            if e.matched.is_empty() && e.unresolved.iter().any(|u| !u.covered) {
                prop_assert_eq!(e.verdict, Verdict::Undetermined);
            }
            // Every evaluable SEMVER range of a matching entry answers as the pseudo-code does.
            let Some(q) = parse_semver(&query) else { continue };
            for (c, a) in compiled.iter().zip(&record.affected) {
                if !c.matches_package(&eco, "p") {
                    continue;
                }
                for info in &c.ranges {
                    let range = &a.ranges[info.index];
                    if range.range_type != "SEMVER" || info.state != RangeState::Ready {
                        continue;
                    }
                    let in_range = e.matched.iter().any(|m| m.affected == c.index && m.source == clearinghouse_osv::MatchSource::Range(info.index));
                    prop_assert_eq!(in_range, pseudo_code(range, &q), "range {:?} version {}", range.events, query);
                }
            }
        }
    }
}
