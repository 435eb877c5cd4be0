//! Nothing acknowledged is lost: kill -9 during a burst, and two servers on one PostgreSQL database.

mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Creates an org with generous limits and returns a member token for it.
fn bulk_submitter(url: &str, admin: &str) -> String {
    let o = cli(
        Some(url),
        Some(admin),
        &["org", "create", "bulk-finder", "--kind", "ai_developer", "--reports-per-minute", "1000000", "--reports-per-day", "10000000"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(admin), &["token", "create", "--org", "bulk-finder", "--role", "member"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

async fn submit(http: &reqwest::Client, url: &str, token: &str, key: &str, title: &str) -> Result<(u16, Value), String> {
    let resp = http
        .post(format!("{url}/v1/reports"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&report_json(title))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Submits from `workers` tasks until `stop_after` reports are acknowledged (or errors stop them);
/// returns key -> acknowledged id, and the keys that were sent without an acknowledgement.
async fn burst(urls: Vec<String>, token: String, workers: usize, per_worker: usize) -> (BTreeMap<String, String>, Vec<String>) {
    let http = http();
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let unacked = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (http, urls, token, acked, unacked) = (http.clone(), urls.clone(), token.clone(), acked.clone(), unacked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_worker {
                let key = format!("w{w}-r{i}");
                let url = &urls[(w + i) % urls.len()];
                match submit(&http, url, &token, &key, &format!("burst {key}")).await {
                    Ok((201, body)) => {
                        acked.lock().unwrap().insert(key, body["id"].as_str().unwrap().to_string());
                    }
                    Ok((status, body)) => panic!("unexpected answer {status}: {body}"),
                    Err(_) => {
                        unacked.lock().unwrap().push(key);
                        return;
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let unacked = unacked.lock().unwrap().clone();
    (acked, unacked)
}

async fn check_all_there(url: &str, token: &str, acked: &BTreeMap<String, String>, unacked: &[String]) {
    let http = http();
    for (key, id) in acked {
        let resp = http.get(format!("{url}/v1/reports/{id}")).bearer_auth(token).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "acknowledged report {id} is missing after the restart");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["document"]["title"], format!("burst {key}"));
        // A retry of an acknowledged request is a replay, never a second report.
        let (status, again) = submit(&http, url, token, key, &format!("burst {key}")).await.unwrap();
        assert_eq!((status, again["id"].as_str()), (200, Some(id.as_str())));
    }
    // Requests cut off by the kill are safe to retry: each key yields exactly one report.
    let mut ids = BTreeSet::new();
    for key in unacked {
        let (status, body) = submit(&http, url, token, key, &format!("burst {key}")).await.unwrap();
        assert!(status == 200 || status == 201, "{status}: {body}");
        assert!(ids.insert(body["id"].as_str().unwrap().to_string()));
    }
}

fn kill_during_burst(extra: &[&str], data: &std::path::Path) {
    let mut server = Server::start(data, extra);
    let (url, admin) = (server.url.clone(), server.admin_token());
    let token = bulk_submitter(&url, &admin);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let burst_task = rt.spawn(burst(vec![url.clone()], token.clone(), 8, 10_000));
    // Let the burst run, then kill the server without warning.
    let acked_before_kill = rt.block_on(async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill9();
        burst_task.await.unwrap()
    });
    let (acked, unacked) = acked_before_kill;
    assert!(acked.len() > 50, "the burst acknowledged only {} reports before the kill", acked.len());

    let server = Server::start(data, extra);
    rt.block_on(check_all_there(&server.url, &token, &acked, &unacked));
    drop(server);
    let mut args = vec!["audit", "verify", "--data-dir", data.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = cli(None, None, &args);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn kill_9_during_a_burst_loses_nothing_acknowledged_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_during_burst(&[], &dir.path().join("data"));
}

#[test]
fn kill_9_during_a_burst_loses_nothing_acknowledged_on_postgres() {
    let Some(base) = pg_base_url("kill -9 test on PostgreSQL") else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(clearinghouse_store_postgres::testing::fresh_database(&base)) else { panic!("cannot create a test database") };
    let dir = tempfile::tempdir().unwrap();
    kill_during_burst(&["--database-url", &db], &dir.path().join("data"));
    rt.block_on(clearinghouse_store_postgres::testing::drop_database(&base, &db));
}

#[test]
fn two_servers_on_one_postgres_database() {
    let Some(base) = pg_base_url("two-server test") else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let Some(db) = rt.block_on(clearinghouse_store_postgres::testing::fresh_database(&base)) else { panic!("cannot create a test database") };
    let dir = tempfile::tempdir().unwrap();
    // Replicas share the database and the keys, nothing else.
    let keys = dir.path().join("keys");
    let extra = ["--database-url", db.as_str(), "--key-dir", keys.to_str().unwrap()];
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    // Start both at once: migrations and the admin bootstrap race and must both come out right.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&a_dir, &extra));
        let b = s.spawn(|| Server::start(&b_dir, &extra));
        (a.join().unwrap(), b.join().unwrap())
    });
    let tokens: Vec<_> = [&a_dir, &b_dir].iter().filter_map(|d| std::fs::read_to_string(d.join("admin.token")).ok()).collect();
    assert_eq!(tokens.len(), 1, "exactly one replica creates the first admin");
    let admin = tokens[0].trim().to_string();
    let token = bulk_submitter(&a.url, &admin);

    let urls = vec![a.url.clone(), b.url.clone()];
    let (acked, unacked) = rt.block_on(burst(urls.clone(), token.clone(), 8, 25));
    assert!(unacked.is_empty(), "no server was killed, every request is acknowledged: {unacked:?}");
    assert_eq!(acked.len(), 200);

    // The same key sent to both replicas at once yields one report.
    let http = http();
    let raced: Vec<(u16, Value)> = rt.block_on(async {
        let mut futs = Vec::new();
        for k in 0..20 {
            for u in &urls {
                let (http, u, token) = (http.clone(), u.clone(), token.clone());
                futs.push(async move { submit(&http, &u, &token, &format!("race-{k}"), &format!("race {k}")).await.unwrap() });
            }
        }
        futures::future::join_all(futs).await
    });
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, (status, body)) in raced.iter().enumerate() {
        assert!(*status == 200 || *status == 201, "{status}: {body}");
        by_key.entry(format!("race-{}", i / 2)).or_default().insert(body["id"].as_str().unwrap().to_string());
    }
    assert!(by_key.values().all(|ids| ids.len() == 1), "a key produced two reports: {by_key:?}");

    // Ids are unique and gap-free across replicas: 220 reports, CLH-YYYY-00001..00220.
    let mut numbers: Vec<u64> = acked.values().chain(by_key.values().flatten()).map(|id| id.rsplit('-').next().unwrap().parse().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=220).collect::<Vec<u64>>());
    // Every report reads back from either replica.
    rt.block_on(async {
        for (i, id) in acked.values().enumerate() {
            let resp = http.get(format!("{}/v1/reports/{id}", urls[i % 2])).bearer_auth(&token).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200);
        }
    });
    drop((a, b));
    let o = cli(None, None, &["audit", "verify", "--database-url", &db, "--data-dir", a_dir.to_str().unwrap(), "--key-dir", keys.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    rt.block_on(clearinghouse_store_postgres::testing::drop_database(&base, &db));
}

#[test]
fn sigterm_finishes_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &[]);
    let (url, admin) = (server.url.clone(), server.admin_token());
    let token = bulk_submitter(&url, &admin);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let burst_task = rt.spawn(burst(vec![url.clone()], token.clone(), 8, 10_000));
    let status = rt.block_on(async {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        tokio::task::block_in_place(|| server.terminate())
    });
    assert!(status.success(), "the server exits 0 on SIGTERM, got {status:?}");
    let (acked, unacked) = rt.block_on(burst_task).unwrap();
    assert!(!acked.is_empty());
    let server = Server::start(&data, &[]);
    rt.block_on(check_all_there(&server.url, &token, &acked, &unacked));
}
