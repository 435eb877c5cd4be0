//! Hostile input: arbitrary bytes, arbitrary JSON, SARIF-shaped logs with arbitrary members, and real logs
//! with bytes flipped or cut. `parse` never panics, its counts add up, its pointers are pointers, and every
//! draft passes the report document's checks.

use clearinghouse_model::report::{ReportLimits, prepare};
use clearinghouse_sarif::{Intake, IntakeOptions, parse};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn check(intake: &Intake, opts: &IntakeOptions) -> Result<(), TestCaseError> {
    let s = &intake.stats;
    prop_assert_eq!(s.results, s.reports + s.skipped_kind + s.skipped_suppressed + s.skipped_absent + s.skipped_unusable);
    prop_assert_eq!(s.reports, intake.reports.len());
    prop_assert!(intake.diagnostics.len() <= opts.max_diagnostics + 1);
    for d in &intake.diagnostics {
        prop_assert!(d.pointer.is_empty() || d.pointer.starts_with('/'), "{}", d);
    }
    if intake.refused() {
        prop_assert!(intake.reports.is_empty());
    }
    for f in &intake.reports {
        prop_assert!(f.pointer.starts_with("/runs/"), "{}", f.pointer);
        let checked = prepare(f.report.clone(), &ReportLimits::default());
        prop_assert!(checked.is_ok(), "{}: {:?}\n{:#?}", f.pointer, checked.err(), f.report);
    }
    Ok(())
}

/// Member names a SARIF log uses, so that arbitrary objects often look like parts of one.
const KEYS: &[&str] = &[
    "version",
    "runs",
    "results",
    "tool",
    "driver",
    "extensions",
    "rules",
    "id",
    "ruleId",
    "ruleIndex",
    "rule",
    "index",
    "toolComponent",
    "message",
    "text",
    "markdown",
    "arguments",
    "messageStrings",
    "globalMessageStrings",
    "shortDescription",
    "fullDescription",
    "help",
    "helpUri",
    "properties",
    "tags",
    "relationships",
    "target",
    "taxa",
    "taxonomies",
    "name",
    "guid",
    "locations",
    "physicalLocation",
    "artifactLocation",
    "uri",
    "uriBaseId",
    "originalUriBaseIds",
    "region",
    "startLine",
    "startColumn",
    "snippet",
    "logicalLocations",
    "fullyQualifiedName",
    "codeFlows",
    "threadFlows",
    "threadFlowLocations",
    "location",
    "kind",
    "level",
    "suppressions",
    "status",
    "baselineState",
    "fingerprints",
    "partialFingerprints",
    "automationDetails",
    "artifacts",
    "relatedLocations",
    "defaultConfiguration",
    "semanticVersion",
    "organization",
    "clearinghouse/finder-kind",
    "logicalLocations",
    "SRC",
    "default",
];

/// String values that mean something somewhere in a log.
const WORDS: &[&str] = &[
    "2.1.0",
    "pass",
    "fail",
    "review",
    "notApplicable",
    "informational",
    "accepted",
    "underReview",
    "rejected",
    "absent",
    "error",
    "warning",
    "ai_model",
    "tool",
    "human",
    "CWE",
    "CWE-79",
    "external/cwe/cwe-079",
    "CWE-78/x",
    "22",
    "default",
    "SRC",
    "file:///a/",
    "src/a.c",
    "/x",
    "{0}",
    "{1}{0}{{",
    "}",
    "[a](1)",
    "\\[",
    "a. b",
    "",
    " ",
    "\n",
    "é",
    "`",
    "<>",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![proptest::sample::select(WORDS).prop_map(str::to_string), "[ -~é\\n]{0,24}"]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..40).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(KEYS), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// A result that has a message (text, Markdown or a message id) and arbitrary other members.
fn result() -> impl Strategy<Value = Value> {
    (json_value(), word(), prop_oneof![Just("text"), Just("markdown"), Just("id")], json_value(), 0u64..4).prop_map(|(extra, text, form, args, rule_index)| {
        let mut m = match extra {
            Value::Object(m) => m,
            other => Map::from_iter([("properties".to_string(), other)]),
        };
        m.insert("message".into(), json!({form: text, "arguments": args}));
        m.insert("ruleIndex".into(), json!(rule_index));
        Value::Object(m)
    })
}

/// A log whose skeleton is right and whose driver, taxonomies, base ids, artifacts and results are arbitrary.
fn sarif_log() -> impl Strategy<Value = Value> {
    (json_value(), json_value(), json_value(), json_value(), prop::collection::vec(prop_oneof![json_value(), result(), result()], 0..6), word()).prop_map(
        |(driver, taxonomies, bases, artifacts, results, name)| {
            let mut driver = driver;
            if let Value::Object(m) = &mut driver {
                m.entry("name").or_insert(Value::String(name));
            }
            json!({"version": "2.1.0", "runs": [{
                "tool": {"driver": driver},
                "taxonomies": taxonomies,
                "originalUriBaseIds": bases,
                "artifacts": artifacts,
                "results": results
            }]})
        },
    )
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let opts = IntakeOptions::default();
        check(&parse(&bytes, &opts), &opts)?;
    }

    #[test]
    fn arbitrary_json(value in json_value()) {
        let opts = IntakeOptions::default();
        check(&parse(value.to_string().as_bytes(), &opts), &opts)?;
    }

    #[test]
    fn arbitrary_json_under_a_sarif_skeleton(value in json_value()) {
        let opts = IntakeOptions::default();
        let log = json!({"version": "2.1.0", "runs": [value.clone(), {"tool": {"driver": {"name": "t", "rules": [value.clone()]}}, "results": [value]}]});
        check(&parse(log.to_string().as_bytes(), &opts), &opts)?;
    }

    #[test]
    fn sarif_shaped_logs(log in sarif_log(), small in any::<bool>()) {
        let opts = if small {
            IntakeOptions { max_message_bytes: 8, max_description_bytes: 64, max_results: 2, max_diagnostics: 3, max_depth: 9, ..IntakeOptions::default() }
        } else {
            IntakeOptions::default()
        };
        check(&parse(log.to_string().as_bytes(), &opts), &opts)?;
    }

    #[test]
    fn real_logs_damaged(
        which in proptest::sample::select(&["OneResultBasic.fpr.sarif", "EmbeddedLocations.csv.sarif", "SARIF2002.ProvideMessageArguments_Valid.sarif", "ClangAnalyzer_issueLog1_raw.xml.sarif"][..]),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let mut bytes = sample(which);
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let opts = IntakeOptions::default();
        check(&parse(&bytes, &opts), &opts)?;
    }
}

/// The generators above do reach the mapping: a fixed-seed sample of SARIF-shaped logs gives reports.
#[test]
fn generated_logs_give_reports() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha));
    let strategy = sarif_log();
    let (mut logs, mut reports, mut diagnostics) = (0, 0, 0);
    for _ in 0..300 {
        let log = strategy.new_tree(&mut runner).unwrap().current();
        let intake = parse(log.to_string().as_bytes(), &IntakeOptions::default());
        logs += 1;
        reports += intake.reports.len();
        diagnostics += intake.diagnostics.len();
    }
    println!("{logs} generated logs: {reports} reports, {diagnostics} diagnostics");
    assert!(reports > 100, "{reports} reports from {logs} logs");
}
