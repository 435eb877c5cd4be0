//! Hand-written logs: the mapping, the skips, the refusals and the limits, one behaviour at a time.

use clearinghouse_model::report::{FinderKind, ReportLimits, prepare};
use clearinghouse_sarif::codes::{self, Severity};
use clearinghouse_sarif::{FINDER_KIND_PROPERTY, Intake, IntakeOptions, UNKNOWN_PRODUCER, parse};
use serde_json::{Value, json};

fn read(log: &Value) -> Intake {
    read_with(log, &IntakeOptions::default())
}

fn read_with(log: &Value, opts: &IntakeOptions) -> Intake {
    let intake = parse(log.to_string().as_bytes(), opts);
    for f in &intake.reports {
        if opts.purl.is_none()
            && let Err(d) = prepare(f.report.clone(), &ReportLimits::default())
        {
            panic!("{}: {d:?}", f.pointer);
        }
    }
    intake
}

/// A log with one run of this driver and these results.
fn log(driver: Value, results: Value) -> Value {
    json!({"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]})
}

fn codes_and_pointers(i: &Intake) -> Vec<(&str, &str)> {
    i.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect()
}

#[test]
fn message_strings_are_resolved_and_substituted() {
    let driver = json!({
        "name": "finder",
        "globalMessageStrings": {"generic": {"text": "Generic problem in {0}."}},
        "rules": [{
            "id": "R1",
            "messageStrings": {
                "default": {"text": "Buffer '{0}' of {1} bytes overflows by {2}.", "markdown": "Buffer `{0}` of {1} bytes overflows by **{2}**."},
                "braces": {"text": "Use {{ and }} around {0}; {5} is missing."}
            }
        }]
    });
    let i = read(&log(
        driver,
        json!([
            {"ruleId": "R1", "message": {"id": "default", "arguments": ["buf", 16, "4"]}},
            {"ruleId": "R1", "message": {"id": "braces", "arguments": ["x"]}},
            {"ruleId": "R1", "message": {"id": "generic", "arguments": ["parse.c"]}},
            {"ruleId": "R1", "message": {"id": "nowhere", "arguments": []}},
            {"ruleId": "R1", "message": {"text": "Plain text keeps {0} and {{ as written."}},
            {"ruleId": "R1", "message": {"text": "With arguments {0} is replaced.", "arguments": ["it"]}},
            {"ruleId": "R1", "message": {"text": "{0}{1}", "arguments": [" ", null]}}
        ]),
    ));
    let titles: Vec<&str> = i.reports.iter().map(|f| f.report.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Buffer 'buf' of 16 bytes overflows by 4",
            "Use { and } around x; {5} is missing",
            "Generic problem in parse.c",
            "Plain text keeps {0} and {{ as written",
            "With arguments it is replaced"
        ]
    );
    // The Markdown form is the description; the text form the title.
    assert!(i.reports[0].report.description.starts_with("Buffer `buf` of 16 bytes overflows by **4**."), "{}", i.reports[0].report.description);
    assert_eq!(
        codes_and_pointers(&i),
        [
            (codes::MISSING_ARGUMENT, "/runs/0/results/1/message/arguments"),
            (codes::UNRESOLVED_MESSAGE, "/runs/0/results/3/message/id"),
            (codes::MISSING_MESSAGE, "/runs/0/results/6/message")
        ]
    );
    assert_eq!(i.stats.skipped_unusable, 2);
    assert_eq!(i.reports[4].pointer, "/runs/0/results/5");
}

#[test]
fn markdown_only_messages_and_rules_in_extensions() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {
            "driver": {"name": "CodeQL", "semanticVersion": "2.20.1", "organization": "GitHub"},
            "extensions": [{"name": "codeql/javascript-queries", "rules": [
                {"id": "js/sql-injection", "shortDescription": {"text": "Database query built from user-controlled sources."},
                 "fullDescription": {"text": "Building a database query from user-controlled sources is vulnerable to insertion of malicious code."},
                 "help": {"text": "plain help", "markdown": "# SQL injection\nUse **parameters**."},
                 "helpUri": "https://codeql.github.com/codeql-query-help/javascript/js-sql-injection/",
                 "defaultConfiguration": {"level": "error"},
                 "properties": {"tags": ["security", "external/cwe/cwe-089", "external/cwe/cwe-090", "external/cwe/cwe-943"], "security-severity": "8.8"}}
            ]}]
        },
        "results": [
            {"ruleId": "js/sql-injection", "rule": {"id": "js/sql-injection", "index": 0, "toolComponent": {"index": 0}},
             "message": {"markdown": "This query depends on a [user-provided value](1)."},
             "partialFingerprints": {"primaryLocationLineHash": "39fa2ee980eb94b0:1", "primaryLocationStartColumnFingerprint": "4"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "server/db.js", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 31, "startColumn": 5}},
                            "logicalLocations": [{"fullyQualifiedName": "db.query"}]}]}
        ],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///home/runner/work/app/"}},
        "automationDetails": {"guid": "0f9e0d9c-3c3b-4d57-9a26-8f0c5c8b1a11"}
    }]});
    let i = read(&log);
    assert!(i.diagnostics.is_empty(), "{:?}", i.diagnostics);
    let f = &i.reports[0];
    assert_eq!(f.report.title, "Database query built from user-controlled sources");
    assert_eq!(f.report.weaknesses, ["CWE-89", "CWE-90", "CWE-943"]);
    assert_eq!(f.level.as_deref(), Some("error"), "from the rule's defaultConfiguration");
    assert_eq!(f.fingerprint.as_deref(), Some("39fa2ee980eb94b0:1"));
    assert_eq!(f.location.as_deref(), Some("file:///home/runner/work/app/server/db.js:31"));
    let finder = &f.report.finder;
    assert_eq!((finder.name.as_str(), finder.version.as_deref(), finder.organization.as_deref()), ("CodeQL", Some("2.20.1"), Some("GitHub")));
    assert_eq!(finder.run_id.as_deref(), Some("0f9e0d9c-3c3b-4d57-9a26-8f0c5c8b1a11"));
    let d = &f.report.description;
    for want in [
        "This query depends on a [user-provided value](1).",
        "- Location: `file:///home/runner/work/app/server/db.js:31:5` in `db.query`",
        "- Rule: `js/sql-injection`",
        "- Level: error",
        "Building a database query from user-controlled sources",
        "Use **parameters**.",
        "More information: <https://codeql.github.com/codeql-query-help/javascript/js-sql-injection/>",
    ] {
        assert!(d.contains(want), "{want:?} not in:\n{d}");
    }
    assert!(!d.contains("plain help"), "help is given once, as Markdown:\n{d}");
}

#[test]
fn cwe_ids_from_tags_taxa_and_relationships() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "t", "rules": [
            {"id": "A", "properties": {"tags": ["CWE-079", "cwe-79", "security", "CWE-89: Improper Neutralization", "external/cwe/cwe-0", 79]},
             "relationships": [
                {"target": {"id": "787", "toolComponent": {"name": "CWE"}}},
                {"target": {"index": 1, "toolComponent": {"index": 0}}},
                {"target": {"guid": "T-416", "toolComponent": {"guid": "CWE-GUID"}}},
                {"target": {"id": "A1", "toolComponent": {"name": "OWASP"}}},
                {"target": {"id": "B"}}
             ]}
        ]}},
        "taxonomies": [{"name": "CWE", "guid": "cwe-guid", "taxa": [{"id": "20"}, {"id": "22"}, {"id": "416", "guid": "t-416"}]}, {"name": "OWASP", "taxa": [{"id": "A1"}]}],
        "results": [
            {"ruleId": "A", "message": {"text": "From the rule."}},
            {"ruleId": "unknown", "message": {"text": "From the result."}, "properties": {"tags": ["external/cwe/cwe-352"]},
             "taxa": [{"id": "CWE-1321", "toolComponent": {"name": "cwe"}}, {"index": 0, "toolComponent": {"index": 1}}]},
            {"ruleId": "CWE-502/yaml-load", "message": {"text": "From the rule id of an AI finder."}}
        ]
    }]});
    let i = read(&log);
    let cwes: Vec<Vec<String>> = i.reports.iter().map(|f| f.report.weaknesses.clone()).collect();
    assert_eq!(cwes, [vec!["CWE-79", "CWE-89", "CWE-787", "CWE-22", "CWE-416"], vec!["CWE-352", "CWE-1321"], vec!["CWE-502"]]);
}

#[test]
fn results_that_are_not_findings_are_skipped_and_counted() {
    let results = json!([
        {"kind": "pass", "message": {"text": "ok"}},
        {"kind": "notApplicable", "message": {"text": "n/a"}},
        {"kind": "informational", "message": {"text": "fyi"}},
        {"kind": "review", "message": {"text": "Needs a look."}},
        {"kind": "fail", "message": {"text": "Broken."}, "suppressions": [{"kind": "inSource"}]},
        {"message": {"text": "Suppressed externally."}, "suppressions": [{"kind": "external", "status": "accepted", "justification": "false positive"}]},
        {"message": {"text": "Under review stays."}, "suppressions": [{"kind": "external", "status": "underReview"}]},
        {"message": {"text": "Rejected suppression stays."}, "suppressions": [{"kind": "inSource"}, {"kind": "external", "status": "rejected"}]},
        {"message": {"text": "Fixed since the baseline."}, "baselineState": "absent"},
        {"message": {"text": "New since the baseline."}, "baselineState": "new"},
        "not a result",
        {"message": {}},
        {"message": {"text": "   \n"}}
    ]);
    let i = read(&log(json!({"name": "t"}), results));
    let pointers: Vec<&str> = i.reports.iter().map(|f| f.pointer.as_str()).collect();
    assert_eq!(pointers, ["/runs/0/results/3", "/runs/0/results/6", "/runs/0/results/7", "/runs/0/results/9"]);
    assert_eq!(
        codes_and_pointers(&i),
        [
            (codes::SKIPPED_KIND, "/runs/0/results/0/kind"),
            (codes::SKIPPED_KIND, "/runs/0/results/1/kind"),
            (codes::SKIPPED_KIND, "/runs/0/results/2/kind"),
            (codes::SKIPPED_SUPPRESSED, "/runs/0/results/4/suppressions"),
            (codes::SKIPPED_SUPPRESSED, "/runs/0/results/5/suppressions"),
            (codes::SKIPPED_ABSENT, "/runs/0/results/8/baselineState"),
            (codes::INVALID_RESULT, "/runs/0/results/10"),
            (codes::MISSING_MESSAGE, "/runs/0/results/11/message"),
            (codes::MISSING_MESSAGE, "/runs/0/results/12/message"),
        ]
    );
    let s = i.stats;
    assert_eq!((s.results, s.reports, s.skipped_kind, s.skipped_suppressed, s.skipped_absent, s.skipped_unusable), (13, 4, 3, 2, 1, 3));
    assert!(i.diagnostics.iter().take(6).all(|d| codes::severity(&d.code) == Severity::Note));
}

#[test]
fn finder_provenance() {
    let ai_driver = json!({"name": "finder-9", "version": "2026-05", "organization": "Example AI Lab", "properties": {FINDER_KIND_PROPERTY: "ai_model"}});
    let results = json!([{"message": {"text": "Heap overflow in parse_header."}}]);
    let i = read(&log(ai_driver.clone(), results.clone()));
    let f = &i.reports[0].report.finder;
    assert_eq!(
        (f.kind, f.name.as_str(), f.version.as_deref(), f.organization.as_deref(), f.human_reviewed),
        (FinderKind::AiModel, "finder-9", Some("2026-05"), Some("Example AI Lab"), false)
    );

    // The option wins over the property.
    let i = read_with(&log(ai_driver, results.clone()), &IntakeOptions { finder_kind: Some(FinderKind::Tool), ..IntakeOptions::default() });
    assert_eq!(i.reports[0].report.finder.kind, FinderKind::Tool);

    let i = read(&log(json!({"name": "x", "properties": {FINDER_KIND_PROPERTY: "robot"}}), results.clone()));
    assert_eq!(i.reports[0].report.finder.kind, FinderKind::Tool);
    assert_eq!(codes_and_pointers(&i), [(codes::INVALID_FINDER_KIND, "/runs/0/tool/driver/properties/clearinghouse~1finder-kind")]);

    let i = read(&log(json!({"fullName": "no name"}), results.clone()));
    assert_eq!(i.reports[0].report.finder.name, UNKNOWN_PRODUCER);
    assert_eq!(codes_and_pointers(&i), [(codes::MISSING_TOOL_NAME, "/runs/0/tool/driver/name")]);

    let long = "n".repeat(300);
    let i = read(&log(json!({"name": long}), results));
    assert_eq!(i.reports[0].report.finder.name.len(), 256);
    assert_eq!(codes_and_pointers(&i), [(codes::TRUNCATED, "/runs/0/tool/driver/name")]);
}

#[test]
fn locations_levels_fingerprints_and_code_flows() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "t", "rules": [{"id": "R", "defaultConfiguration": {"level": "warning"}}]}},
        "logicalLocations": [{"name": "parse", "fullyQualifiedName": "lib::parse"}],
        "threadFlowLocations": [{"location": {"physicalLocation": {"artifactLocation": {"uri": "src/b.c"}, "region": {"startLine": 9}}, "message": {"text": "sink"}}}],
        "results": [{
            "ruleId": "R", "ruleIndex": 0, "level": "error",
            "message": {"text": "Tainted data reaches a sink."},
            "fingerprints": {"b": "second", "a": "first"},
            "partialFingerprints": {"0": "partial"},
            "locations": [
                {"logicalLocations": [{"index": 0}]},
                {"physicalLocation": {"artifactLocation": {"uri": "src/a.c"}, "region": {"startLine": 3}}}
            ],
            "codeFlows": [{"threadFlows": [{"locations": (0..25).map(|n| if n == 24 { json!({"index": 0}) } else { json!({"location": {"physicalLocation": {"artifactLocation": {"uri": "src/a.c"}, "region": {"startLine": n + 1}}}}) }).collect::<Vec<_>>()}]}]
        }, {
            "ruleId": "R", "message": {"text": "No location."}
        }]
    }]});
    let i = read(&log);
    let f = &i.reports[0];
    assert_eq!(f.level.as_deref(), Some("error"), "the result's level wins over the rule's");
    assert_eq!(f.fingerprint.as_deref(), Some("first"));
    assert_eq!(f.location.as_deref(), Some("src/a.c:3"), "the first location with a physical location");
    let d = &f.report.description;
    assert!(d.contains("- Location: `lib::parse`"), "{d}");
    assert!(d.contains("**Other locations**\n\n- `src/a.c:3`"), "{d}");
    assert!(d.contains("**Code flow** (25 steps)") && d.contains("20. `src/a.c:20`") && d.contains("(and 5 more steps)"), "{d}");
    let g = &i.reports[1];
    assert_eq!((g.level.as_deref(), g.location.as_deref(), g.fingerprint.as_deref()), (Some("warning"), None, None));
}

#[test]
fn a_thread_flow_step_by_index() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "t"}},
        "threadFlowLocations": [{"location": {"physicalLocation": {"artifactLocation": {"uri": "src/b.c"}, "region": {"startLine": 9}}, "message": {"text": "sink"}}}],
        "results": [{"message": {"text": "m"}, "codeFlows": [{"threadFlows": [{"locations": [{"index": 0}, {"index": 7}]}]}]}]
    }]});
    let d = &read(&log).reports[0].report.description;
    assert!(d.contains("1. `src/b.c:9` — sink\n2. (no location)"), "{d}");
}

#[test]
fn refusals() {
    let opts = IntakeOptions::default();
    let cases: Vec<(&[u8], &str)> = vec![
        (b"", codes::INVALID_JSON),
        (b"\x00\x01\xffgarbage", codes::INVALID_JSON),
        (b"{\"version\": \"2.1.0\", \"runs\": [", codes::INVALID_JSON),
        (b"[{\"version\": \"2.1.0\"}]", codes::INVALID_JSON),
        (b"\"2.1.0\"", codes::INVALID_JSON),
        (b"{\"version\": \"2.1.0\", \"version\": \"2.1.0\", \"runs\": []}", codes::INVALID_JSON),
        (b"{\"version\": \"\xc3\x28\", \"runs\": []}", codes::INVALID_JSON),
        (b"{\"runs\": []}", codes::UNSUPPORTED_VERSION),
        (b"{\"version\": 2.1, \"runs\": []}", codes::UNSUPPORTED_VERSION),
        (b"{\"version\": \"2.1.0-rtm.5\", \"runs\": []}", codes::UNSUPPORTED_VERSION),
        (b"{\"version\": \"2.1.0\"}", codes::INVALID_RUNS),
        (b"{\"version\": \"2.1.0\", \"runs\": null}", codes::INVALID_RUNS),
        (b"{\"version\": \"2.1.0\", \"runs\": {}}", codes::INVALID_RUNS),
    ];
    for (bytes, code) in cases {
        let i = parse(bytes, &opts);
        assert!(i.reports.is_empty(), "{}", String::from_utf8_lossy(bytes));
        assert_eq!(i.diagnostics.first().map(|d| d.code.as_str()), Some(code), "{}: {:?}", String::from_utf8_lossy(bytes), i.diagnostics);
        assert!(i.refused(), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn a_byte_order_mark_is_allowed() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(log(json!({"name": "t"}), json!([{"message": {"text": "m"}}])).to_string().as_bytes());
    assert_eq!(parse(&bytes, &IntakeOptions::default()).reports.len(), 1);
}

#[test]
fn a_bad_run_does_not_stop_the_others() {
    let log = json!({"version": "2.1.0", "runs": [
        "not a run",
        {"tool": {"driver": {"name": "a"}}, "results": {"not": "an array"}},
        {"tool": {"driver": {"name": "b"}}},
        {"tool": {"driver": {"name": "c"}}, "results": []},
        {"tool": {"driver": {"name": "d"}}, "results": [{"message": {"text": "Found."}}]}
    ]});
    let i = read(&log);
    assert_eq!(i.reports.len(), 1);
    assert_eq!(i.reports[0].pointer, "/runs/4/results/0");
    assert_eq!(i.reports[0].report.finder.name, "d");
    assert_eq!(
        codes_and_pointers(&i),
        [
            (codes::INVALID_RUN, "/runs/0"),
            (codes::INVALID_RESULTS, "/runs/1/results"),
            (codes::NO_RESULTS, "/runs/2/results"),
            (codes::NO_RESULTS, "/runs/3/results")
        ]
    );
    assert!(!i.refused());
}

#[test]
fn limit_on_bytes() {
    let bytes = log(json!({"name": "t"}), json!([{"message": {"text": "m"}}])).to_string();
    let opts = IntakeOptions { max_bytes: bytes.len() - 1, ..IntakeOptions::default() };
    let i = parse(bytes.as_bytes(), &opts);
    assert!(i.reports.is_empty());
    assert_eq!(codes_and_pointers(&i), [(codes::TOO_LARGE, "")]);
    assert_eq!(parse(bytes.as_bytes(), &IntakeOptions { max_bytes: bytes.len(), ..opts }).reports.len(), 1);
}

#[test]
fn limit_on_depth() {
    let deep = |n: usize| {
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{{"message": {{"text": "m"}}, "properties": {{"x": {}1{}}}}}]}}]}}"#,
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    // The skeleton (log, runs, run, results, result, properties) nests 6 deep: 6 + n.
    let opts = IntakeOptions { max_depth: 20, ..IntakeOptions::default() };
    assert_eq!(parse(deep(14).as_bytes(), &opts).reports.len(), 1);
    let i = parse(deep(15).as_bytes(), &opts);
    assert_eq!(codes_and_pointers(&i), [(codes::TOO_DEEP, "")]);
    // With the default limit, nesting far past serde_json's is refused, not a stack overflow.
    for n in [200, 100_000] {
        let i = parse(deep(n).as_bytes(), &IntakeOptions::default());
        assert_eq!(i.diagnostics[0].code, codes::TOO_DEEP, "{n}");
    }
    // A higher limit counts as the ceiling, 128.
    assert_eq!(parse(deep(122).as_bytes(), &IntakeOptions::default()).reports.len(), 1);
    let i = parse(deep(123).as_bytes(), &IntakeOptions { max_depth: 1000, ..IntakeOptions::default() });
    assert_eq!(codes_and_pointers(&i), [(codes::TOO_DEEP, "")]);
}

#[test]
fn limit_on_results_spans_runs() {
    let run = |name: &str| json!({"tool": {"driver": {"name": name}}, "results": [{"message": {"text": "a"}}, {"message": {"text": "b"}}, {"message": {"text": "c"}}]});
    let log = json!({"version": "2.1.0", "runs": [run("one"), run("two"), run("three")]});
    let i = read_with(&log, &IntakeOptions { max_results: 4, ..IntakeOptions::default() });
    assert_eq!(i.reports.len(), 4);
    assert_eq!((i.stats.results, i.stats.not_read), (4, 5));
    assert_eq!(codes_and_pointers(&i), [(codes::TOO_MANY_RESULTS, "/runs/1/results/1"), (codes::TOO_MANY_RESULTS, "/runs/2/results/0")]);
}

#[test]
fn limit_on_runs() {
    let runs = vec![r#"{"results": []}"#; clearinghouse_sarif::MAX_RUNS + 2].join(",");
    let log = format!(r#"{{"version": "2.1.0", "runs": [{runs}]}}"#);
    let i = parse(log.as_bytes(), &IntakeOptions { max_diagnostics: usize::MAX, ..IntakeOptions::default() });
    assert_eq!(i.stats.runs, clearinghouse_sarif::MAX_RUNS);
    let last = i.diagnostics.last().unwrap();
    assert_eq!((last.code.as_str(), last.pointer.as_str()), (codes::TOO_MANY_RUNS, "/runs/10000"));
    assert!(last.message.starts_with("2 runs"), "{}", last.message);
    assert!(!i.refused());
}

#[test]
fn limit_on_messages_and_descriptions() {
    let long = "A finding. ".to_string() + &"é".repeat(5000);
    let results = json!([
        {"message": {"text": long}},
        {"ruleId": "R", "message": {"id": "m", "arguments": ["x".repeat(3000)]}}
    ]);
    let driver = json!({"name": "t", "rules": [{"id": "R", "fullDescription": {"text": "d".repeat(3000)}, "messageStrings": {"m": {"text": "{0}{0}{0}{0}{0}{0}{0}{0}"}}}]});
    let opts = IntakeOptions { max_message_bytes: 2000, max_description_bytes: 4000, ..IntakeOptions::default() };
    let i = read_with(&log(driver, results), &opts);
    assert_eq!(i.reports.len(), 2);
    assert_eq!(i.reports[0].report.title, "A finding");
    for f in &i.reports {
        assert!(f.report.description.len() <= 4000, "{}", f.report.description.len());
    }
    assert!(i.reports[0].report.description.len() < 2100);
    assert_eq!(
        codes_and_pointers(&i),
        [
            (codes::TRUNCATED, "/runs/0/results/0/message"),
            (codes::TRUNCATED, "/runs/0/tool/driver/rules/0/fullDescription"),
            (codes::TRUNCATED, "/runs/0/results/1/message"),
            (codes::TRUNCATED, "/runs/0/results/1")
        ]
    );
    assert!(i.diagnostics.iter().all(|d| codes::severity(&d.code) == Severity::Warning));
}

#[test]
fn limit_on_diagnostics() {
    let results: Vec<Value> = (0..50).map(|_| json!({"kind": "pass", "message": {"text": "ok"}})).collect();
    let i = read_with(&log(json!({"name": "t"}), Value::Array(results)), &IntakeOptions { max_diagnostics: 10, ..IntakeOptions::default() });
    assert_eq!(i.diagnostics.len(), 11);
    assert_eq!(i.diagnostics[10].code, codes::TOO_MANY_DIAGNOSTICS);
    assert!(i.diagnostics[10].message.starts_with("40 more"), "{}", i.diagnostics[10].message);
    assert_eq!(i.stats.skipped_kind, 50);
}

#[test]
fn titles_are_one_line_and_bounded() {
    let results = json!([
        {"message": {"text": format!("{}. Second sentence.", "word ".repeat(100))}},
        {"message": {"text": "\n\n  Leading blank lines\tand\ttabs.\nSecond line."}},
        {"message": {"text": "..."}},
        {"message": {"text": "\u{7}"}}
    ]);
    let i = read(&log(json!({"name": "t"}), results));
    let titles: Vec<&str> = i.reports.iter().map(|f| f.report.title.as_str()).collect();
    assert!(titles[0].chars().count() <= 200 && titles[0].ends_with('…'), "{}", titles[0]);
    assert_eq!(&titles[1..], ["Leading blank lines and tabs", "...", "Finding of t"]);
}

/// Bulk scale: a synthetic log of 10,000 results over 50 rules, timed loosely (no assertion on time).
#[test]
fn ten_thousand_results() {
    let rules: Vec<Value> = (0..50)
        .map(|r| json!({"id": format!("R{r}"), "shortDescription": {"text": format!("Problem {r}")}, "messageStrings": {"default": {"text": "Value {0} reaches {1}."}}, "properties": {"tags": [format!("external/cwe/cwe-{:03}", 20 + r)]}}))
        .collect();
    let results: Vec<Value> = (0..10_000)
        .map(|n| {
            json!({
                "ruleId": format!("R{}", n % 50), "ruleIndex": n % 50,
                "message": {"id": "default", "arguments": [format!("v{n}"), "sink"]},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/f{}.c", n % 97), "uriBaseId": "SRC"}, "region": {"startLine": n + 1, "startColumn": 3}}}],
                "partialFingerprints": {"primaryLocationLineHash": format!("{n:016x}")},
                "codeFlows": [{"threadFlows": [{"locations": [
                    {"location": {"physicalLocation": {"artifactLocation": {"uri": "src/in.c"}, "region": {"startLine": 1}}, "message": {"text": "source"}}},
                    {"location": {"physicalLocation": {"artifactLocation": {"uri": format!("src/f{}.c", n % 97)}, "region": {"startLine": n + 1}}, "message": {"text": "sink"}}}
                ]}]}]
            })
        })
        .collect();
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "bulk", "version": "1.0", "rules": rules}},
        "originalUriBaseIds": {"SRC": {"uri": "file:///src/project/"}},
        "results": results
    }]});
    let bytes = log.to_string().into_bytes();
    let start = std::time::Instant::now();
    let i = parse(&bytes, &IntakeOptions::default());
    let elapsed = start.elapsed();
    println!("10,000 results, {} bytes: parsed in {elapsed:?} ({:.0} results/s, debug build unless --release)", bytes.len(), 10_000.0 / elapsed.as_secs_f64());
    assert_eq!(i.reports.len(), 10_000);
    assert!(i.diagnostics.is_empty(), "{:?}", &i.diagnostics[..1]);
    let last = &i.reports[9_999];
    assert_eq!(last.report.title, "Problem 49");
    assert_eq!(last.report.weaknesses, ["CWE-69"]);
    assert_eq!(last.location.as_deref(), Some("file:///src/project/src/f8.c:10000"));
    assert!(last.report.description.starts_with("Value v9999 reaches sink."));
}
