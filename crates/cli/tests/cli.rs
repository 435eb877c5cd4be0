//! End-to-end: the real binary as server and as client.

mod common;
use common::*;

#[test]
fn cli_walkthrough_against_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let url = server.url.as_str();

    // The admin token is on disk with mode 0600, and only its hash is in the database.
    let token_path = data.join("admin.token");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&token_path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let admin = server.admin_token();
    assert!(admin.starts_with("chp_"));
    let mut db = std::fs::read(data.join("clearinghouse.db")).unwrap();
    db.extend(std::fs::read(data.join("clearinghouse.db-wal")).unwrap_or_default());
    assert!(!db.windows(admin.len()).any(|w| w == admin.as_bytes()), "the admin token is stored in plain text");

    let o = cli(Some(url), Some(&admin), &["org", "create", "acme-ai", "--kind", "ai_developer"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(&admin), &["org", "create", "grid", "--kind", "operator", "--sector", "energy"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(&admin), &["org", "list"]);
    assert!(stdout(&o).contains("acme-ai") && stdout(&o).contains("energy"), "{}", stdout(&o));

    let o = cli(Some(url), Some(&admin), &["token", "create", "--org", "acme-ai", "--role", "member", "--expires-in", "30"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let finder = stdout(&o);
    assert!(finder.starts_with("chp_") && !finder.contains(' ') && !finder.contains('\n'), "only the token on stdout: {finder:?}");

    let report = dir.path().join("report.json");
    std::fs::write(&report, report_json("Heap overflow in libexample").to_string()).unwrap();
    let poc = dir.path().join("crash.bin");
    std::fs::write(&poc, b"\x00\xff\xffAAAA").unwrap();
    let o = cli(Some(url), Some(&finder), &["report", "submit", report.to_str().unwrap(), "--attach", poc.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = stdout(&o);
    assert!(id.starts_with("CLH-") && id.ends_with("-00001"), "{id}");

    let o = cli(Some(url), Some(&finder), &["report", "list"]);
    assert!(stdout(&o).contains(&id) && stdout(&o).contains("Heap overflow"), "{}", stdout(&o));
    let o = cli(Some(url), Some(&finder), &["--json", "report", "show", &id]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(shown["tlp"], "AMBER");
    assert_eq!(shown["document"]["files"][0]["size"], 7);
    assert_eq!(shown["cvss"]["base_score"], 9.8);

    // The coordinator triages; the finder cannot; an illegal move is refused with exit 2.
    let o = cli(Some(url), Some(&finder), &["report", "transition", &id, "--to", "triaged", "--reason", "me"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("403"), "{}", stderr(&o));
    let o = cli(Some(url), Some(&admin), &["report", "transition", &id, "--to", "triaged", "--reason", "reproduces on 1.4.1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(&admin), &["report", "transition", &id, "--to", "published", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("illegal_transition"), "{}", stderr(&o));
    let o = cli(Some(url), Some(&finder), &["report", "show", &id]);
    assert!(stdout(&o).contains("received -> triaged") && stdout(&o).contains("reproduces on 1.4.1"), "{}", stdout(&o));

    // Another operator's member sees nothing of it.
    let o = cli(Some(url), Some(&admin), &["token", "create", "--org", "grid", "--role", "admin"]);
    let grid = stdout(&o);
    let o = cli(Some(url), Some(&grid), &["report", "show", &id]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("404"), "{}", stderr(&o));
    let o = cli(Some(url), Some(&grid), &["--json", "report", "list"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()["reports"], serde_json::json!([]));

    let o = cli(Some(url), Some(&admin), &["--json", "token", "list"]);
    let tokens: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(tokens["tokens"].as_array().unwrap().len(), 3);
    assert!(!stdout(&o).contains(&finder), "token values are never listed");

    let first_finder_token = tokens["tokens"].as_array().unwrap().iter().find(|t| t["role"] == "member").unwrap()["id"].as_str().unwrap().to_string();
    let o = cli(Some(url), Some(&admin), &["token", "revoke", &first_finder_token]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(&finder), &["report", "list"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("401"), "{}", stderr(&o));

    // The audit chain verifies on the live data folder.
    let o = cli(None, None, &["audit", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("intact"), "{}", stdout(&o));
}

#[test]
fn exit_codes_follow_one_rule() {
    // Usage errors: 2.
    assert_eq!(code(&cli(None, None, &["report", "frobnicate"])), 2);
    assert_eq!(code(&cli(None, None, &[])), 2);
    // --help and --version: 0.
    assert_eq!(code(&cli(None, None, &["--help"])), 0);
    assert_eq!(code(&cli(None, None, &["--version"])), 0);
    // A server that is not there: 2, with the address named.
    let o = cli(Some("http://127.0.0.1:9"), Some("chp_x"), &["report", "list"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("127.0.0.1:9"), "{}", stderr(&o));
    // A file that is not there: 2.
    let o = cli(Some("http://127.0.0.1:9"), Some("chp_x"), &["report", "submit", "/nonexistent/report.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("/nonexistent/report.json"));
    // audit verify on a folder without a database: 2.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&cli(None, None, &["audit", "verify", "--data-dir", dir.path().to_str().unwrap()])), 2);
    // A config file with a typo: 2, naming the key.
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "listn = 1\n").unwrap();
    let o = cli(None, None, &["serve", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("listn"), "{}", stderr(&o));
}

#[test]
fn invalid_documents_are_refused_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let admin = server.admin_token();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"title": "", "description": "d", "affected": [{"purl": "left-pad"}], "weaknesses": ["XSS"], "finder": {"kind": "human", "name": "n"}}"#,
    )
    .unwrap();
    let o = cli(Some(&server.url), Some(&admin), &["report", "submit", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    for needle in ["422", "/title", "/affected/0/purl", "/weaknesses/0"] {
        assert!(err.contains(needle), "missing {needle} in {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_finds_edits_and_removals() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let server = Server::start(&data, &[]);
        let admin = server.admin_token();
        for name in ["a-org", "b-org", "c-org"] {
            let o = cli(Some(&server.url), Some(&admin), &["org", "create", name, "--kind", "vendor"]);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
        }
    }
    let db = data.join("clearinghouse.db");
    let verify = || cli(None, None, &["audit", "verify", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code(&verify()), 0);

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    // Edit event 3's details.
    sqlx::query("UPDATE audit_events SET details = '{\"name\":\"evil\"}' WHERE seq = 3").execute(&pool).await.unwrap();
    let o = verify();
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("event 3"), "{}", stdout(&o));
    // Cutting the edited event and everything after it leaves a valid prefix, but not the recorded head.
    sqlx::query("DELETE FROM audit_events WHERE seq >= 3").execute(&pool).await.unwrap();
    let o = verify();
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("event 3") && stdout(&o).contains("removed from the end"), "{}", stdout(&o));
    // Removing an event in the middle.
    sqlx::query("DELETE FROM audit_events WHERE seq = 1").execute(&pool).await.unwrap();
    let o = verify();
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("event 2"), "{}", stdout(&o));
    pool.close().await;
}
