//! Real SARIF logs (microsoft/sarif-sdk test data, see testdata/README.md): what each one yields.

use clearinghouse_model::report::{FinderKind, ReportLimits, prepare};
use clearinghouse_sarif::codes::{self, Severity};
use clearinghouse_sarif::{Intake, IntakeOptions, parse};
use std::path::{Path, PathBuf};

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)).unwrap()
}

fn read(name: &str) -> Intake {
    let intake = parse(&testdata(name), &IntakeOptions::default());
    check_invariants(name, &intake);
    intake
}

/// What must hold for any log: stats add up, pointers are pointers, and every draft passes the report
/// document's own checks.
fn check_invariants(name: &str, intake: &Intake) {
    let s = &intake.stats;
    assert_eq!(s.results, s.reports + s.skipped_kind + s.skipped_suppressed + s.skipped_absent + s.skipped_unusable, "{name}: {s:?}");
    assert_eq!(s.reports, intake.reports.len(), "{name}");
    for d in &intake.diagnostics {
        assert!(d.pointer.is_empty() || d.pointer.starts_with('/'), "{name}: {d}");
    }
    for f in &intake.reports {
        assert!(f.pointer.starts_with("/runs/") && f.pointer.contains("/results/"), "{name}: {}", f.pointer);
        if let Err(diags) = prepare(f.report.clone(), &ReportLimits::default()) {
            panic!("{name} {}: draft refused by prepare: {diags:?}", f.pointer);
        }
    }
}

fn titles(intake: &Intake) -> Vec<&str> {
    intake.reports.iter().map(|f| f.report.title.as_str()).collect()
}

fn codes_of(intake: &Intake) -> Vec<&str> {
    intake.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn clang_analyzer() {
    let i = read("ClangAnalyzer_issueLog1_raw.xml.sarif");
    assert_eq!(i.reports.len(), 4);
    assert!(i.diagnostics.is_empty(), "{:?}", i.diagnostics);
    // No rules in the log: the title is the message's first sentence.
    assert_eq!(
        titles(&i),
        [
            "Dereference of null pointer",
            "Array access (via field 'mem_buffer') results in a null pointer dereference",
            "Array access (via field 'mem_buffer') results in a null pointer dereference",
            "Dereference of null pointer"
        ]
    );
    let f = &i.reports[0];
    assert_eq!(
        (f.rule_id.as_deref(), f.location.as_deref(), f.level.as_deref(), f.fingerprint.as_deref()),
        (Some("Dereference of null pointer"), Some("jmemmgr.c:369"), None, None)
    );
    assert_eq!((f.report.finder.kind, f.report.finder.name.as_str(), f.report.finder.version.as_deref()), (FinderKind::Tool, "Clang Analyzer", None));
    assert!(!f.report.finder.human_reviewed);
    assert!(f.report.description.contains("- Location: `jmemmgr.c:369:21`"), "{}", f.report.description);
    assert!(f.report.weaknesses.is_empty() && f.report.affected.is_empty() && f.report.tlp.is_none());
    assert_eq!(i.reports[3].pointer, "/runs/0/results/3");
}

#[test]
fn clang_result_with_an_empty_message_is_skipped_with_a_reason() {
    let i = read("BadMissingString.xml.sarif");
    assert!(i.reports.is_empty());
    assert_eq!(codes_of(&i), [codes::MISSING_MESSAGE]);
    assert_eq!(i.diagnostics[0].pointer, "/runs/0/results/0/message");
    assert_eq!(i.stats.skipped_unusable, 1);
    assert!(!i.refused());
}

#[test]
fn clang_results_without_a_region_keep_the_file() {
    let i = read("MissingLocation.xml.sarif");
    assert_eq!(i.reports.len(), 2);
    assert_eq!(titles(&i), ["Value stored to 'scanptr' is never read"; 2]);
    assert_eq!(i.reports[0].location.as_deref(), Some("jcparam.c"));
}

#[test]
fn fortify_fpr_one_result() {
    let i = read("OneResultBasic.fpr.sarif");
    assert_eq!(i.reports.len(), 1);
    let f = &i.reports[0];
    // Rule found by ruleIndex; title from its shortDescription; CWEs from relationships into the CWE taxonomy.
    assert_eq!(f.report.title, "Sample abstract text. SQL injection vulnerability");
    assert_eq!(f.report.weaknesses, ["CWE-22", "CWE-73"]);
    assert_eq!(f.rule_id.as_deref(), Some("31D4607A-A3FF-447C-908A-CA2BBE4CE4B7"));
    // The location gives only an artifact index; the artifact's uriBaseId SRCROOT resolves through originalUriBaseIds.
    assert_eq!(f.location.as_deref(), Some("file:///root/projects/myproject/src/Helpers/InvoiceHelper.cs:57"));
    assert_eq!(f.report.finder.name, "Micro Focus Fortify Static Code Analyzer");
    assert_eq!(f.report.finder.run_id.as_deref(), Some("The_Build_ID/"));
    let d = &f.report.description;
    assert!(d.starts_with("Sample abstract text. SQL injection vulnerability."), "{d}");
    assert!(d.contains("SELECT * FROM invoices WHERE id = @id"), "snippet: {d}");
    assert!(d.contains("**Code flow** (1 step)") && d.contains("— SqlCommand.ctor()"), "{d}");
    assert!(d.contains("The quick brown fox jumps over the lazy dog."), "rule description: {d}");
}

#[test]
fn fortify_fpr_traces_and_node_refs() {
    let i = read("OneResultWithTwoTraces.fpr.sarif");
    assert_eq!(i.reports.len(), 1);
    let f = &i.reports[0];
    assert!(f.report.title.starts_with("The function <Replace key=\"EnclosingFunction.name\"/>"), "{}", f.report.title);
    assert_eq!(f.location.as_deref(), Some("file:///C:/projects/myproject/src/Helpers/DBHelper.cs:146"));
    assert!(f.report.description.contains("**Code flow** (4 steps)"), "{}", f.report.description);
    // The message's embedded link [DBHelper.cs](1) names its related location.
    assert!(f.report.description.contains("DBHelper.cs (`file:///C:/projects/myproject/src/Helpers/DBHelper.cs:146`)"), "{}", f.report.description);

    let i = read("TwoResultsWithNodeRefs.fpr.sarif");
    assert_eq!(i.reports.len(), 2);
    assert_eq!(i.reports[0].report.title, "Sample abstract text. SQL injection vulnerability");
    assert_ne!(i.reports[0].rule_id, i.reports[1].rule_id);
}

#[test]
fn fortify_fpr_three_rules_one_with_cwes() {
    let i = read("FortifyTest.fpr.sarif");
    assert_eq!(i.reports.len(), 3);
    let cwes: Vec<&[String]> = i.reports.iter().map(|f| f.report.weaknesses.as_slice()).collect();
    assert_eq!(cwes, [&[][..], &[][..], &["CWE-22".to_string(), "CWE-73".to_string()][..]]);
    for f in &i.reports {
        assert_eq!(f.report.finder.run_id.as_deref(), Some("CareerGuideAdminTool/"));
        assert!(!f.report.title.contains('\n') && f.report.title.chars().count() <= 200, "{}", f.report.title);
    }
    assert!(i.reports[2].report.title.starts_with("Attackers are able to control the file system path argument"), "{}", i.reports[2].report.title);
}

#[test]
fn fortify_xml_fingerprints() {
    let i = read("bannedAPIs_java.xml.sarif");
    assert_eq!(i.reports.len(), 33);
    let f = &i.reports[0];
    assert_eq!(f.report.title, "The random number generator implemented by nextInt() cannot withstand a cryptographic attack");
    assert_eq!(f.fingerprint.as_deref(), Some("28E211AE4264B96E98A055B7BB4DF4C2"));
    assert_eq!((f.rule_id.as_deref(), f.location.as_deref()), (Some("Insecure Randomness"), Some("bannedAPIs.java:41")));
    assert_eq!(f.report.finder.name, "Fortify");
    // automationDetails has only a description: no run id.
    assert_eq!(f.report.finder.run_id, None);
    let mut fingerprints: Vec<&str> = i.reports.iter().filter_map(|f| f.fingerprint.as_deref()).collect();
    assert_eq!(fingerprints.len(), 33);
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 33, "fingerprints tell the results apart");
}

#[test]
fn pylint() {
    let i = read("Pylint-01.json.sarif");
    assert_eq!(i.reports.len(), 72);
    assert_eq!(i.reports[0].report.title, "Line too long (110/100)");
    assert_eq!(i.reports[0].rule_id.as_deref(), Some("C0301(line-too-long)"));
    assert_eq!(i.reports[0].location.as_deref(), Some("test.py:18"));
    assert!(i.reports.iter().all(|f| f.report.finder.name == "Pylint"));
}

#[test]
fn semmle_embedded_links() {
    let i = read("EmbeddedLocations.csv.sarif");
    assert_eq!(i.reports.len(), 1);
    let f = &i.reports[0];
    // Embedded links [label](id) are reduced to their label in the title...
    assert_eq!(f.report.title, "Call to Equals() comparing incomparable typesIComparable and ClientAttributeValue");
    // ...and name the related location in the description. $srcroot is not defined in the log: the URI stays relative.
    assert!(
        f.report.description.contains("ClientAttributeValue (`/ClientClient/Company.ResourceManagement.ObjectModel/ClientAttributeValue.cs:7`)"),
        "{}",
        f.report.description
    );
    assert_eq!(f.location.as_deref(), Some("ProjectOne/Microsoft.ResourceManagement.ObjectModel/ClientResource.cs:865"));
    assert_eq!(f.report.finder.name, "Semmle QL");
}

#[test]
fn message_strings_with_arguments() {
    let i = read("SARIF2002.ProvideMessageArguments_Valid.sarif");
    assert_eq!(i.reports.len(), 1);
    let f = &i.reports[0];
    assert_eq!(f.report.title, "'runs[0].originalUriBaseIds.SRCINVALID': Placeholder 'SRCINVALID'");
    assert!(f.report.description.starts_with("'runs[0].originalUriBaseIds.SRCINVALID': Placeholder 'SRCINVALID'."));
    assert!(f.report.description.contains("Test message."), "rule fullDescription: {}", f.report.description);
    assert_eq!(f.report.finder.version.as_deref(), Some("1.2.3"));
}

#[test]
fn ai_finder_rule_ids_carry_the_cwe() {
    let i = read("AI2016.ProvideEvidenceBacking_Valid.sarif");
    assert_eq!(i.reports.len(), 1);
    let f = &i.reports[0];
    assert_eq!(f.report.weaknesses, ["CWE-78"]);
    assert_eq!(f.rule_id.as_deref(), Some("CWE-78/api-handler"));
    assert!(f.report.description.contains("- Rule: `CWE-78/api-handler` (OsCommandInjection)"), "{}", f.report.description);
    let ai =
        parse(&testdata("AI2016.ProvideEvidenceBacking_Valid.sarif"), &IntakeOptions { finder_kind: Some(FinderKind::AiModel), ..IntakeOptions::default() });
    assert_eq!(ai.reports[0].report.finder.kind, FinderKind::AiModel);
}

#[test]
fn options_apply_to_every_report() {
    let opts = IntakeOptions {
        purl: Some("pkg:nuget/Company.ResourceManagement@1.0.0".into()),
        tlp: Some(clearinghouse_model::Tlp::Green),
        ..IntakeOptions::default()
    };
    let i = parse(&testdata("bannedAPIs_java.xml.sarif"), &opts);
    assert_eq!(i.reports.len(), 33);
    for f in &i.reports {
        assert_eq!(f.report.affected.len(), 1);
        assert_eq!(f.report.affected[0].purl, "pkg:nuget/Company.ResourceManagement@1.0.0");
        assert_eq!(f.report.tlp, Some(clearinghouse_model::Tlp::Green));
        let prepared = prepare(f.report.clone(), &ReportLimits::default()).unwrap();
        assert_eq!(prepared.packages.len(), 1);
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { walk(&path, out) } else { out.push(path) }
    }
}

/// Every file of the shared SARIF data: no panic, the invariants hold, and each log of `tools/` gives
/// at least one report or says why not.
#[test]
fn every_shared_log() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sarif");
    if !root.is_dir() {
        println!("SKIPPED: {} is absent", root.display());
        return;
    }
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut total_reports = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let intake = parse(&bytes, &IntakeOptions::default());
        check_invariants(&name, &intake);
        total_reports += intake.reports.len();
        let is_tool_log = name.starts_with("tools/");
        if is_tool_log && intake.reports.is_empty() {
            let why: Vec<&clearinghouse_model::Diagnostic> =
                intake.diagnostics.iter().filter(|d| codes::severity(&d.code) <= Severity::Error || d.code == codes::NO_RESULTS).collect();
            assert!(!why.is_empty(), "{name}: no report and no diagnostic explaining why");
            println!("{name}: no report: {}", why.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "));
        }
    }
    println!("{} files, {total_reports} reports", files.len());
    assert!(files.len() > 100, "{} files", files.len());
}

/// A version other than 2.1.0 is refused, as the real Pylint log in SARIF 2.0.0 shows.
#[test]
fn sarif_2_0_0_is_refused() {
    let log = br#"{"version": "2.0.0", "runs": [{"tool": {"name": "x"}, "results": [{"message": {"text": "m"}}]}]}"#;
    let i = parse(log, &IntakeOptions::default());
    assert!(i.reports.is_empty() && i.refused());
    assert_eq!((i.diagnostics[0].code.as_str(), i.diagnostics[0].pointer.as_str()), (codes::UNSUPPORTED_VERSION, "/version"));
}
