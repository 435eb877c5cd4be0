//! Bulk intake of SARIF logs through HTTP, on each backend: a real analyser's log becomes one
//! report per result with the tool's provenance, processed in rounds with its progress visible;
//! the same log again gives duplicates, not new reports; bad logs and labels are refused whole.

mod common;

use clearinghouse_model::report::ReportLimits;
use clearinghouse_server::routes::intake::{Round, process_round};
use common::{Backend, TestApp};

on_each_backend!(a_sarif_log_becomes_reports_in_the_background);

fn sarif(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sarif/testdata").join(name)).expect("SARIF test data")
}

/// Runs processor rounds until the batches are drained; returns how many rounds made progress.
async fn drain(app: &TestApp) -> usize {
    let mut rounds = 0;
    loop {
        match process_round(&*app.store, "test-processor", &ReportLimits::default(), time::OffsetDateTime::now_utc()).await.expect("a round") {
            Round::Idle => return rounds,
            Round::Progress(_) => rounds += 1,
            Round::RateLimited(s) => panic!("rate limited for {s} s"),
        }
    }
}

async fn a_sarif_log_becomes_reports_in_the_background(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org_with_limits("scanner-co", 100_000, 1_000_000).await;
    let scanner = app.create_member(&org.name, "member").await;
    let stranger = app.create_member(&app.create_org("other-co").await.name, "member").await;

    // 72 pylint results: two chunks of work.
    let log = sarif("Pylint-01.json.sarif");
    let r = app.post_raw("/v1/intake/sarif?tlp=GREEN&purl=pkg:pypi/example", Some(&scanner.token), log.clone()).await;
    assert_eq!(r.status.as_u16(), 202, "{}", r.describe());
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!((r.json["state"].as_str(), r.json["total"].as_i64(), r.json["processed"].as_i64()), (Some("queued"), Some(72), Some(0)));

    // Progress is visible between rounds.
    match process_round(&*app.store, "test-processor", &ReportLimits::default(), time::OffsetDateTime::now_utc()).await.unwrap() {
        Round::Progress(b) => assert_eq!((b.state.as_str(), b.processed), ("running", 50)),
        other => panic!("{other:?}"),
    }
    let seen = app.get(&format!("/v1/intake/{id}"), Some(&scanner.token)).await;
    assert_eq!((seen.json["state"].as_str(), seen.json["processed"].as_i64()), (Some("running"), Some(50)), "{}", seen.describe());
    assert_eq!(drain(&app).await, 1);
    let done = app.get(&format!("/v1/intake/{id}"), Some(&scanner.token)).await.json;
    assert_eq!(
        (done["state"].as_str(), done["created"].as_i64(), done["duplicates"].as_i64(), done["failed"].as_i64()),
        (Some("done"), Some(72), Some(0), Some(0)),
        "{done}"
    );
    assert_eq!(app.get(&format!("/v1/intake/{id}"), Some(&stranger.token)).await.status.as_u16(), 404, "another org's batch does not exist for it");

    // The reports carry the tool's provenance, the label and the package given.
    let list = app.get("/v1/reports?limit=100", Some(&scanner.token)).await.json;
    let reports = list["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 72);
    let first = app.get(&format!("/v1/reports/{}", reports[0]["id"].as_str().unwrap()), Some(&scanner.token)).await.json;
    assert_eq!(first["tlp"], "GREEN");
    assert_eq!(first["document"]["finder"]["kind"], "tool");
    assert!(first["document"]["finder"]["name"].as_str().unwrap().to_lowercase().contains("pylint"), "{}", first["document"]["finder"]);
    assert_eq!(first["document"]["affected"][0]["purl"], "pkg:pypi/example");

    // The same log again: every finding is known by its fingerprint.
    let again = app.post_raw("/v1/intake/sarif?tlp=GREEN&purl=pkg:pypi/example", Some(&scanner.token), log).await;
    assert_eq!(again.status.as_u16(), 202);
    drain(&app).await;
    let done = app.get(&format!("/v1/intake/{}", again.json["id"].as_str().unwrap()), Some(&scanner.token)).await.json;
    assert_eq!((done["created"].as_i64(), done["duplicates"].as_i64()), (Some(0), Some(72)), "{done}");
    assert_eq!(app.get("/v1/reports?limit=200", Some(&scanner.token)).await.json["reports"].as_array().unwrap().len(), 72, "no new report");

    // Refused whole: not SARIF 2.1.0, not JSON, a RED label, an unknown finder kind, no token.
    let v2 = app.post_raw("/v1/intake/sarif", Some(&scanner.token), r#"{"version": "2.0.0", "runs": []}"#).await;
    assert_eq!(v2.status.as_u16(), 422, "{}", v2.describe());
    let junk = app.post_raw("/v1/intake/sarif", Some(&scanner.token), "not json").await;
    assert_eq!(junk.status.as_u16(), 422, "{}", junk.describe());
    let red = app.post_raw("/v1/intake/sarif?tlp=RED", Some(&scanner.token), sarif("OneResultBasic.fpr.sarif")).await;
    assert_eq!((red.status.as_u16(), red.json["error"]["pointer"].as_str()), (400, Some("/tlp")), "{}", red.describe());
    let kind = app.post_raw("/v1/intake/sarif?finder_kind=oracle", Some(&scanner.token), sarif("OneResultBasic.fpr.sarif")).await;
    assert_eq!(kind.status.as_u16(), 400, "{}", kind.describe());
    assert_eq!(app.post_raw("/v1/intake/sarif", None, sarif("OneResultBasic.fpr.sarif")).await.status.as_u16(), 401);

    // Every batch is audited from queue to completion.
    let audit = app.get("/v1/audit?limit=1000", Some(&app.admin_token)).await.json;
    let count = |a: &str| audit["events"].as_array().unwrap().iter().filter(|e| e["action"] == a).count();
    assert_eq!((count("intake.queued"), count("intake.completed"), count("report.submitted")), (2, 2, 72));
}
