//! Hand-written range evaluation cases: each event kind, `"0"`, unsorted events, several ranges,
//! several entries, versions lists, GIT ranges, ecosystem matching, and every malformed range with
//! its exact diagnostic code and pointer.

use clearinghouse_osv::{
    End, Evaluation, MatchSource, QueryVersion, RangeState, Record, Undetermined, Verdict, affected_by, affected_by_commit, codes, compile_record,
    ecosystem_matches, evaluate_compiled, parse_record,
};
use serde_json::{Value, json};

/// A record with these affected entries; returns it and its diagnostics as (code, pointer).
fn record(affected: Value) -> (Record, Vec<(String, String)>) {
    let doc = json!({"id": "TEST-1", "modified": "2024-01-01T00:00:00Z", "affected": affected});
    let (r, d) = parse_record(doc.to_string().as_bytes());
    (r.expect("record"), d.into_iter().map(|d| (d.code, d.pointer)).collect())
}

fn entry(ecosystem: &str, name: &str, ranges: Value) -> Value {
    json!({"package": {"ecosystem": ecosystem, "name": name}, "ranges": ranges})
}

fn semver(events: Value) -> Value {
    json!([{"type": "SEMVER", "events": events}])
}

fn eval(r: &Record, eco: &str, name: &str, v: &str) -> Evaluation {
    affected_by(r, &eco.parse().unwrap(), name, v)
}

fn verdicts(r: &Record, eco: &str, name: &str, cases: &[(&str, Verdict)]) {
    for (v, want) in cases {
        assert_eq!(eval(r, eco, name, v).verdict, *want, "{eco} {name} {v}");
    }
}

fn codes_of(d: &[(String, String)]) -> Vec<(&str, &str)> {
    d.iter().map(|(c, p)| (c.as_str(), p.as_str())).collect()
}

use Verdict::{Affected as A, NotAffected as N, Undetermined as U};

#[test]
fn introduced_alone_and_zero() {
    let (r, d) = record(json!([entry("crates.io", "a", semver(json!([{"introduced": "0"}])))]));
    assert!(d.is_empty());
    verdicts(&r, "crates.io", "a", &[("0.0.0-0", A), ("0.0.1", A), ("99.0.0", A)]);
    let (r, _) = record(json!([entry("crates.io", "a", semver(json!([{"introduced": "1.0.0"}])))]));
    verdicts(&r, "crates.io", "a", &[("0.9.9", N), ("1.0.0-rc.1", N), ("1.0.0", A), ("2.0.0", A)]);
    // "0" is below every version, even where the ecosystem has smaller ones than "0" (dpkg's `~`).
    let (r, _) = record(json!([entry("Debian:12", "p", json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]))]));
    verdicts(&r, "Debian:12", "p", &[("0~1", A), ("0", A), ("1.0-1~deb12u1", A), ("1.0-1", N)]);
}

#[test]
fn fixed_last_affected_and_limit() {
    let (r, _) = record(json!([entry("npm", "a", semver(json!([{"introduced": "0"}, {"fixed": "1.0.2"}])))]));
    verdicts(&r, "npm", "a", &[("1.0.1", A), ("1.0.2-beta", A), ("1.0.2", N), ("1.0.3", N)]);

    let (r, _) = record(json!([entry("npm", "a", json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "2.1.214"}]}]))]));
    verdicts(&r, "npm", "a", &[("2.1.214", A), ("2.1.215", N)]);

    // limit: [1.0.0, 2.0.0) without fixed; several limits mean "below the greatest".
    let (r, _) = record(json!([entry("npm", "a", semver(json!([{"introduced": "1.0.0"}, {"limit": "2.0.0"}])))]));
    verdicts(&r, "npm", "a", &[("0.9.0", N), ("1.5.0", A), ("2.0.0", N)]);
    let (r, _) = record(json!([entry("npm", "a", semver(json!([{"introduced": "1.0.0"}, {"limit": "1.5.0"}, {"limit": "3.0.0"}])))]));
    verdicts(&r, "npm", "a", &[("2.9.0", A), ("3.0.0", N)]);
    // A limit cuts an interval that a fixed would close later; "*" is infinity.
    let (r, _) = record(json!([entry("npm", "a", semver(json!([{"introduced": "1.0.0"}, {"fixed": "5.0.0"}, {"limit": "2.0.0"}])))]));
    verdicts(&r, "npm", "a", &[("1.9.9", A), ("2.0.0", N), ("4.0.0", N)]);
    let (r, d) = record(json!([entry("npm", "a", semver(json!([{"introduced": "0"}, {"limit": "*"}])))]));
    assert!(d.is_empty());
    verdicts(&r, "npm", "a", &[("100.0.0", A)]);
    // An interval that starts at or above the limit is dropped.
    let (r, _) = record(json!([entry("npm", "a", semver(json!([{"introduced": "3.0.0"}, {"limit": "2.0.0"}])))]));
    verdicts(&r, "npm", "a", &[("1.0.0", N), ("3.0.0", N)]);
}

#[test]
fn unsorted_events_and_several_ranges() {
    // schema.md's multiple range example, shuffled.
    let events = json!([{"fixed": "3.2.5"}, {"introduced": "3.0.0"}, {"fixed": "1.0.2"}, {"introduced": "1.0.0"}]);
    let (r, d) = record(json!([entry("crates.io", "a", semver(events))]));
    assert!(d.is_empty());
    verdicts(&r, "crates.io", "a", &[("0.9.0", N), ("1.0.0", A), ("1.0.2", N), ("2.0.0", N), ("3.0.0", A), ("3.2.4", A), ("3.2.5", N)]);
    let compiled = compile_record(&r);
    assert_eq!(compiled[0].intervals.len(), 2);
    assert!(matches!(compiled[0].intervals[0].end, End::Before(_)));

    // An introduced while one is open changes nothing (a "timeline", not pairs).
    let (r, _) = record(json!([entry("crates.io", "a", semver(json!([{"introduced": "1.6.0"}, {"introduced": "1.7.0"}, {"fixed": "1.7.4"}])))]));
    verdicts(&r, "crates.io", "a", &[("1.6.5", A), ("1.7.3", A), ("1.7.4", N)]);

    // Two ranges of different types in one entry: SemVer precedence for one, PEP 440 for the other.
    let ranges = json!([
        {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.1.0"}]},
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.0.post1"}]}
    ]);
    let (r, _) = record(json!([entry("PyPI", "a", ranges)]));
    let e = eval(&r, "PyPI", "a", "1.0.5");
    assert_eq!((e.verdict, e.matched[0].source), (A, MatchSource::Range(0)));
    let e = eval(&r, "PyPI", "a", "2.0");
    assert_eq!((e.verdict, e.matched[0].source), (A, MatchSource::Range(1)));
    verdicts(&r, "PyPI", "a", &[("2.0.post1", N), ("1.1.0", N)]);
}

#[test]
fn several_entries_and_versions_lists() {
    let (r, _) = record(json!([
        entry("Go", "example.com/a", semver(json!([{"introduced": "0"}, {"fixed": "1.2.0"}]))),
        entry("Go", "example.com/b", semver(json!([{"introduced": "0"}, {"fixed": "2.0.0"}]))),
        entry("Go", "example.com/a", semver(json!([{"introduced": "3.0.0"}, {"fixed": "3.1.0"}]))),
    ]));
    let e = eval(&r, "Go", "example.com/a", "v3.0.5");
    assert_eq!((e.verdict, e.matched.len(), e.matched[0].affected), (A, 1, 2));
    verdicts(&r, "Go", "example.com/a", &[("v1.1.0", A), ("v2.0.0", N)]);
    verdicts(&r, "Go", "example.com/b", &[("v1.9.0", A), ("v3.0.5", N)]);
    verdicts(&r, "npm", "example.com/a", &[("1.0.0", N)]);

    // A versions list matches the exact string, and versions the ecosystem calls equal.
    let (r, d) = record(json!([{"package": {"ecosystem": "PyPI", "name": "Django_Foo"}, "versions": ["1.0", "2.0rc1", "not a version!"]}]));
    assert!(d.is_empty(), "PyPI reads any string (legacy versions): {d:?}");
    let e = eval(&r, "PyPI", "django-foo", "1.0.0");
    assert_eq!((e.verdict, e.matched[0].source), (A, MatchSource::Versions(0)));
    verdicts(&r, "PyPI", "DJANGO.FOO", &[("2.0.0rc1", A), ("not a version!", A), ("1.1", N)]);
    // An entry in a versions list the ecosystem cannot read still matches as written.
    let (r, d) = record(json!([{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0", "garbage"]}]));
    assert_eq!(codes_of(&d), [(codes::UNPARSABLE_LISTED_VERSION, "/affected/0/versions/1")]);
    verdicts(&r, "npm", "x", &[("garbage", A), ("v1.0.0", A), ("1.0.1", N)]);
    // A versions list beside a range: either says affected.
    let (r, _) = record(
        json!([{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["5.0.0"], "ranges": semver(json!([{"introduced": "0"}, {"fixed": "1.0.0"}]))}]),
    );
    verdicts(&r, "npm", "x", &[("0.5.0", A), ("5.0.0", A), ("4.0.0", N)]);
}

const C1: &str = "6e5755a2a833bc64852eae12967d0a54d7adf629";
const C2: &str = "c43455749b914feef56b178b256f29b3016146eb";
const C3: &str = "a101f4f12180fd3dfa7d3345188a099877a3c327";

#[test]
fn git_ranges_match_exact_commits_only() {
    let git = json!([{"type": "GIT", "repo": "https://github.com/unicode-org/icu.git", "events": [{"introduced": C1}, {"fixed": C2}]}]);
    let (r, d) = record(json!([entry("OSS-Fuzz", "icu", git.clone())]));
    assert!(d.is_empty());
    let e = eval(&r, "OSS-Fuzz", "icu", "72.1");
    assert_eq!(e.verdict, U, "a version string cannot be placed in a commit graph");
    assert_eq!((e.unresolved[0].reason, e.unresolved[0].covered), (Undetermined::GitRangeNeedsCommits, false));
    assert_eq!(eval(&r, "OSS-Fuzz", "icu", C1).verdict, A);
    assert_eq!(eval(&r, "OSS-Fuzz", "icu", &C1.to_uppercase()).verdict, A);
    assert_eq!(eval(&r, "OSS-Fuzz", "icu", C2).verdict, N, "the fix commit is not affected");
    assert_eq!(eval(&r, "OSS-Fuzz", "icu", C3).verdict, U, "an unlisted commit needs the graph");
    assert_eq!(compile_record(&r)[0].git_commits.len(), 2);

    // Beside a versions list (as osv.dev writes them) the list answers and the GIT range is covered.
    let (r, _) = record(json!([{"package": {"ecosystem": "OSS-Fuzz", "name": "icu"}, "ranges": git, "versions": ["release-72-1"]}]));
    assert_eq!(eval(&r, "OSS-Fuzz", "icu", "release-72-1").verdict, A);
    let e = eval(&r, "OSS-Fuzz", "icu", "release-73-1");
    assert_eq!(e.verdict, N);
    assert!(e.unresolved[0].covered);

    // Commits across package-less entries, restricted to a repository.
    let (r, _) = record(json!([{"ranges": [{"type": "GIT", "repo": "https://github.com/o/r", "events": [{"introduced": "0"}, {"last_affected": C3}]}]}]));
    assert_eq!(affected_by_commit(&r, Some("https://github.com/o/r.git/"), C3).verdict, A);
    assert_eq!(affected_by_commit(&r, Some("https://github.com/o/other"), C3).verdict, N);
    assert_eq!(affected_by_commit(&r, None, C1).verdict, U);
}

#[test]
fn ecosystems_and_names_match_as_osv_means_them() {
    let debian: clearinghouse_osv::Ecosystem = "Debian:12".parse().unwrap();
    assert!(ecosystem_matches(&debian, &"Debian".parse().unwrap()));
    assert!(ecosystem_matches(&"Debian".parse().unwrap(), &debian));
    assert!(!ecosystem_matches(&debian, &"Debian:11".parse().unwrap()));
    assert!(!ecosystem_matches(&debian, &"Ubuntu:12".parse().unwrap()));
    let ubuntu: clearinghouse_osv::Ecosystem = "Ubuntu:22.04".parse().unwrap();
    for rec in ["Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "Ubuntu:22.04"] {
        assert!(ecosystem_matches(&ubuntu, &rec.parse().unwrap()), "{rec}");
    }
    assert!(!ecosystem_matches(&ubuntu, &"Ubuntu:20.04:LTS".parse().unwrap()));
    let (r, _) = record(json!([entry("Packagist", "Symfony/Console", semver(json!([{"introduced": "0"}])))]));
    verdicts(&r, "Packagist", "symfony/console", &[("5.0.0", A)]);
    let (r, _) = record(json!([entry("npm", "JSONStream", semver(json!([{"introduced": "0"}])))]));
    verdicts(&r, "npm", "jsonstream", &[("1.0.0", N)]);
    verdicts(&r, "npm", "JSONStream", &[("1.0.0", A)]);
}

#[test]
fn malformed_ranges_are_undetermined_with_exact_diagnostics() {
    type Case = (&'static str, Value, &'static [(&'static str, &'static str)], Undetermined);
    let cases: Vec<Case> = vec![
        ("no introduced", semver(json!([{"fixed": "1.0.0"}])), &[(codes::MISSING_INTRODUCED, "/affected/0/ranges/0/events")], Undetermined::MalformedRange),
        ("no events", semver(json!([])), &[(codes::EMPTY_EVENTS, "/affected/0/ranges/0/events")], Undetermined::MalformedRange),
        (
            "two kinds in one event",
            semver(json!([{"introduced": "0"}, {"fixed": "1.0.0", "last_affected": "1.0.0"}])),
            &[(codes::INVALID_EVENT, "/affected/0/ranges/0/events/1")],
            Undetermined::MalformedRange,
        ),
        (
            "no kind in an event",
            semver(json!([{"introduced": "0"}, {"fixd": "1.0.0"}])),
            &[(codes::INVALID_EVENT, "/affected/0/ranges/0/events/1")],
            Undetermined::MalformedRange,
        ),
        (
            "fixed and last_affected",
            semver(json!([{"introduced": "0"}, {"fixed": "2.0.0"}, {"last_affected": "1.5.0"}])),
            &[(codes::FIXED_AND_LAST_AFFECTED, "/affected/0/ranges/0/events")],
            Undetermined::MalformedRange,
        ),
        (
            "last_affected and limit at one version",
            semver(json!([{"introduced": "0"}, {"last_affected": "2.0.0"}, {"limit": "2.0.0"}])),
            &[(codes::CONTRADICTORY_EVENTS, "/affected/0/ranges/0/events/2")],
            Undetermined::MalformedRange,
        ),
        (
            "a version SemVer cannot read",
            semver(json!([{"introduced": "0"}, {"fixed": "latest"}])),
            &[(codes::UNPARSABLE_VERSION, "/affected/0/ranges/0/events/1/fixed")],
            Undetermined::UnparsableVersion,
        ),
        (
            "a version the ecosystem cannot read",
            json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.0!"}]}]),
            &[(codes::UNPARSABLE_VERSION, "/affected/0/ranges/0/events/1/fixed")],
            Undetermined::UnparsableVersion,
        ),
        (
            "an unknown range type",
            json!([{"type": "SEMVERISH", "events": [{"introduced": "0"}]}]),
            &[(codes::UNKNOWN_RANGE_TYPE, "/affected/0/ranges/0/type")],
            Undetermined::MalformedRange,
        ),
    ];
    for (what, ranges, want, reason) in cases {
        let (r, d) = record(json!([entry("npm", "a", ranges)]));
        assert_eq!(codes_of(&d), want, "{what}");
        let e = eval(&r, "npm", "a", "1.0.0");
        assert_eq!(e.verdict, U, "{what}: never a silent 'not affected'");
        assert_eq!(e.unresolved[0].reason, reason, "{what}");
        assert!(e.diagnostics.iter().any(|x| x.code == want[0].0), "{what}: the evaluation carries the diagnostic");
        assert!(matches!(compile_record(&r)[0].ranges[0].state, RangeState::Undetermined(_)));
    }

    // A GIT commit both introduced and fixed ("non-distinct").
    let (r, d) = record(json!([entry("OSS-Fuzz", "x", json!([{"type": "GIT", "repo": "r", "events": [{"introduced": C1}, {"fixed": C1}]}]))]));
    assert_eq!(codes_of(&d), [(codes::CONTRADICTORY_EVENTS, "/affected/0/ranges/0/events/1")]);
    assert_eq!(eval(&r, "OSS-Fuzz", "x", C1).verdict, U);
}

#[test]
fn malformed_entries_and_queries() {
    // An ecosystem spelled in the wrong case is unknown, but still matched and undetermined.
    let (r, d) = record(json!([entry("pypi", "requests", semver(json!([{"introduced": "0"}])))]));
    assert_eq!(codes_of(&d), [(codes::UNKNOWN_ECOSYSTEM, "/affected/0/package/ecosystem")]);
    assert!(eval(&r, "PyPI", "requests", "1.0").verdict == A, "SEMVER needs no ecosystem ordering");
    let (r, _) = record(json!([entry("pypi", "requests", json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]))]));
    let e = eval(&r, "PyPI", "requests", "1.0");
    assert_eq!((e.verdict, e.unresolved[0].reason), (U, Undetermined::UnknownEcosystem));
    let (r, d) = record(json!([entry("Not An Ecosystem", "x", semver(json!([{"introduced": "0"}])))]));
    assert_eq!(codes_of(&d), [(codes::UNKNOWN_ECOSYSTEM, "/affected/0/package/ecosystem")]);
    assert_eq!(r.affected.len(), 1, "the record still parses");

    // An ECOSYSTEM range where the ecosystem has no ordering.
    let (r, d) = record(json!([entry("Linux", "Kernel", json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "6.1"}]}]))]));
    assert_eq!(codes_of(&d), [(codes::NO_VERSION_ORDERING, "/affected/0/ranges/0/type")]);
    assert_eq!(eval(&r, "Linux", "Kernel", "5.0").unresolved[0].reason, Undetermined::NoVersionOrdering);

    // A package with nothing about its versions.
    let (r, d) = record(json!([{"package": {"ecosystem": "npm", "name": "a"}}]));
    assert_eq!(codes_of(&d), [(codes::NO_AFFECTED_VERSIONS, "/affected/0")]);
    assert_eq!(eval(&r, "npm", "a", "1.0.0").verdict, U);

    // An ECOSYSTEM range without a package.
    let (_, d) = record(json!([{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]));
    assert_eq!(codes_of(&d), [(codes::ECOSYSTEM_RANGE_WITHOUT_PACKAGE, "/affected/0/ranges/0/type")]);

    // GIT warnings: no repo; a value that is not a full hash (it cannot match; the rest can).
    let (r, d) = record(json!([entry("OSS-Fuzz", "x", json!([{"type": "GIT", "events": [{"introduced": "abc123"}, {"introduced": C1}]}]))]));
    assert_eq!(
        codes_of(&d),
        [(codes::GIT_RANGE_WITHOUT_REPO, "/affected/0/ranges/0"), (codes::INVALID_COMMIT_HASH, "/affected/0/ranges/0/events/0/introduced")]
    );
    assert_eq!(eval(&r, "OSS-Fuzz", "x", C1).verdict, A);

    // Warnings that leave the range evaluable: duplicates, an empty interval, a lenient SemVer bound.
    let (r, d) = record(json!([entry(
        "npm",
        "a",
        semver(json!([{"introduced": "0"}, {"introduced": "0"}, {"fixed": "1.0.0"}, {"introduced": "2.0.0"}, {"fixed": "2.0.0"}]))
    )]));
    assert_eq!(codes_of(&d), [(codes::DUPLICATE_EVENT, "/affected/0/ranges/0/events/1"), (codes::EMPTY_INTERVAL, "/affected/0/ranges/0/events/4")]);
    verdicts(&r, "npm", "a", &[("0.5.0", A), ("1.0.0", N), ("2.0.0", N), ("3.0.0", N)]);
    let (r, d) = record(json!([entry("Go", "m", semver(json!([{"introduced": "v1.2"}, {"fixed": "1.3"}])))]));
    assert_eq!(
        codes_of(&d),
        [(codes::SEMVER_COERCED, "/affected/0/ranges/0/events/0/introduced"), (codes::SEMVER_COERCED, "/affected/0/ranges/0/events/1/fixed")]
    );
    verdicts(&r, "Go", "m", &[("v1.2.0", A), ("v1.2.9", A), ("1.3.0", N)]);

    // A queried version no ordering can read.
    let (r, _) = record(json!([entry("npm", "a", json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]))]));
    let e = eval(&r, "npm", "a", "not-a-version");
    assert_eq!((e.verdict, e.unresolved[0].reason), (U, Undetermined::UnparsableVersion));
    assert!(e.diagnostics.iter().any(|d| d.code == codes::UNPARSABLE_QUERY_VERSION));
}

#[test]
fn a_broken_range_does_not_hide_a_good_one() {
    let ranges = json!([
        {"type": "SEMVER", "events": [{"fixed": "1.0.0"}]},
        {"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"fixed": "3.0.0"}]}
    ]);
    let (r, _) = record(json!([entry("npm", "a", ranges)]));
    verdicts(&r, "npm", "a", &[("2.5.0", A), ("0.5.0", U), ("3.5.0", U)]);
}

#[test]
fn compiled_entries_answer_like_records() {
    let (r, _) = record(json!([
        entry(
            "crates.io",
            "a",
            json!([
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]},
                {"type": "SEMVER", "events": [{"introduced": "2.0.0"}, {"last_affected": "2.5.0"}]}
            ])
        ),
        entry("crates.io", "b", semver(json!([{"introduced": "1.0.0"}]))),
    ]));
    let compiled = compile_record(&r);
    let crates = "crates.io".parse().unwrap();
    assert!(matches!(compiled[0].intervals[1].end, End::Through(_)));
    for v in ["0.1.0", "1.0.0", "2.0.0", "2.5.0", "2.5.1", "bad"] {
        for name in ["a", "b", "c"] {
            assert_eq!(evaluate_compiled(&compiled, &crates, name, v), affected_by(&r, &crates, name, v), "{name} {v}");
        }
    }
    // An index parses the installed version once and tests entries with it.
    let q = QueryVersion::new(&crates, "2.5.0");
    assert_eq!(compiled[0].evaluate(&q).verdict, A);
    assert_eq!(compiled[1].evaluate(&q).verdict, A);
    assert_eq!(compiled[0].evaluate(&QueryVersion::new(&crates, "2.5.1")).verdict, N);
}
