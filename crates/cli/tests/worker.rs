//! Validation through the store: a report carrying a bundle archive is validated by the worker
//! `serve` embeds (SQLite), and by separate `clearinghouse worker` processes on one PostgreSQL, one of
//! which is killed mid-job. Runs the real binaries.

mod common;

use common::{BIN, Server, cli, code, http, pg_base_url, report_json, stderr, stdout};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundles").join(name)
}

/// `tar czf` of an example bundle, as a finder would attach it.
fn bundle_archive(dir: &Path, name: &str) -> std::path::PathBuf {
    let out = dir.join(format!("{name}.tar.gz"));
    let status = Command::new("tar").arg("czf").arg(&out).arg("-C").arg(example(name)).arg(".").status().expect("tar");
    assert!(status.success());
    out
}

fn token_for(url: &str, admin: &str, org: &str) -> String {
    let o = cli(Some(url), Some(admin), &["org", "create", org, "--kind", "researcher"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(Some(url), Some(admin), &["token", "create", "--org", org, "--role", "member"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

fn submit_with(url: &str, token: &str, dir: &Path, title: &str, archive: &Path) -> String {
    let doc = dir.join(format!("{}.json", title.replace(' ', "-")));
    let mut report = report_json(title);
    report["tlp"] = "AMBER".into();
    std::fs::write(&doc, report.to_string()).unwrap();
    let o = cli(Some(url), Some(token), &["report", "submit", doc.to_str().unwrap(), "--attach", archive.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

fn get(url: &str, token: &str, path: &str) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let resp = http().get(format!("{url}{path}")).bearer_auth(token).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    })
}

/// Polls a report's validation until it is done (or fails), within `limit`.
fn wait_done(url: &str, token: &str, id: &str, limit: Duration) -> Value {
    let start = Instant::now();
    loop {
        let (status, v) = get(url, token, &format!("/v1/reports/{id}/validation"));
        assert_eq!(status, 200, "{v}");
        if v["state"] == "done" || v["state"] == "failed" {
            return v;
        }
        assert!(start.elapsed() < limit, "{id} not validated within {limit:?}: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The README's story: a finder attaches a bundle, the embedded worker validates it in the sandbox,
/// the report moves by itself; a second finder's report of the same crash becomes a duplicate that
/// learns only what its TLP view allows.
#[test]
fn a_report_with_a_bundle_is_validated_by_the_embedded_worker() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let admin = server.admin_token();
    let first = token_for(&server.url, &admin, "first-finder");
    let second = token_for(&server.url, &admin, "second-finder");
    let archive = bundle_archive(dir.path(), "juliet-cwe476-null-deref");
    let a = submit_with(&server.url, &first, dir.path(), "null deref in binary_if", &archive);
    let va = wait_done(&server.url, &first, &a, Duration::from_secs(120));
    assert_eq!((va["verdict"].as_str(), va["kind"].as_str()), (Some("reproduced"), Some("ubsan:null-pointer-use")), "{va}");
    assert_eq!(va["duplicate"], false);
    assert_eq!(va["document"]["reproduced_runs"], 3, "the evidence is there: {}", va["document"]);
    let (_, report) = get(&server.url, &first, &format!("/v1/reports/{a}"));
    assert_eq!(report["status"], "validated", "the verdict moved the report");
    assert!(report["history"].as_array().unwrap().iter().any(|t| t["to"] == "validated" && t["actor"] == "system"), "{}", report["history"]);

    // The same crash from another finder, in other words.
    let b = submit_with(&server.url, &second, dir.path(), "crash when both pointers are checked", &archive);
    let vb = wait_done(&server.url, &second, &b, Duration::from_secs(120));
    assert_eq!((vb["verdict"].as_str(), vb["duplicate"].as_bool()), (Some("reproduced"), Some(true)), "{vb}");
    assert_eq!(vb["duplicate_of"], Value::Null, "the second finder may not see the first's AMBER report, so not even its id");
    let (_, as_coordinator) = get(&server.url, &admin, &format!("/v1/reports/{b}/validation"));
    assert_eq!(as_coordinator["duplicate_of"], a.as_str(), "a coordinator sees which report keeps the credit");
    let (_, report) = get(&server.url, &second, &format!("/v1/reports/{b}"));
    assert_eq!((report["status"].as_str(), report.get("duplicate_of")), (Some("duplicate"), None), "the link is not shown to who cannot read the other");
    let (_, report) = get(&server.url, &admin, &format!("/v1/reports/{b}"));
    assert_eq!(report["duplicate_of"], a.as_str());

    // A report without a bundle has no validation; an archive that is not a bundle is said so.
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, b"not a tar archive").unwrap();
    let c = submit_with(&server.url, &first, dir.path(), "no bundle inside", &junk);
    let vc = wait_done(&server.url, &first, &c, Duration::from_secs(60));
    assert_eq!(vc["verdict"], "invalid_bundle", "{vc}");
    let (_, report) = get(&server.url, &first, &format!("/v1/reports/{c}"));
    assert_eq!(report["status"], "received", "an unreadable bundle moves nothing");
    let (status, _) = get(&server.url, &first, &format!("/v1/reports/{a}/validation/../../{a}"));
    assert_ne!(status, 500);
}

fn worker(db: &str, keys: &Path, data: &Path, name: &str, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["worker", "--database-url", db, "--key-dir"])
        .arg(keys)
        .arg("--data-dir")
        .arg(data)
        .args(["--name", name])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting clearinghouse worker")
}

/// Two workers and one that is killed mid-job, on one PostgreSQL: every job is done once in effect.
#[test]
fn two_workers_and_a_crashed_one_on_postgres_do_every_job_once() {
    let Some(base) = pg_base_url("the workers test on PostgreSQL") else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(clearinghouse_store_postgres::testing::fresh_database(&base)) else { panic!("cannot create a test database") };
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let server = Server::start(&dir.path().join("server"), &["--database-url", &db, "--key-dir", keys.to_str().unwrap(), "--workers", "0"]);
    let admin = server.admin_token();
    let finder = token_for(&server.url, &admin, "finder");
    // A slow bundle first, so that the doomed worker is surely in the middle of it when killed.
    let slow = dir.path().join("slow");
    std::fs::create_dir_all(slow.join("src")).unwrap();
    std::fs::write(slow.join("src/run.sh"), "sleep 4; echo FOUND\n").unwrap();
    std::fs::write(
        slow.join("bundle.toml"),
        "format = 1\n[run]\ncommand = [\"sh\", \"run.sh\"]\nruns = 1\n[oracle]\ntype = \"output\"\nstream = \"stdout\"\npattern = \"FOUND\"\n",
    )
    .unwrap();
    let slow_archive = dir.path().join("slow.tar");
    assert!(Command::new("tar").arg("cf").arg(&slow_archive).arg("-C").arg(&slow).arg(".").status().unwrap().success());
    let archive = bundle_archive(dir.path(), "juliet-cwe476-null-deref");
    let mut ids = vec![submit_with(&server.url, &finder, dir.path(), "slow one", &slow_archive)];
    for i in 0..4 {
        ids.push(submit_with(&server.url, &finder, dir.path(), &format!("quick {i}"), &archive));
    }

    // The doomed worker takes the first job (a 2-second lease), and dies with it.
    let data = dir.path().join("workers");
    let mut doomed = worker(&db, &keys, &data, "doomed", &["--lease-seconds", "2"]);
    let start = Instant::now();
    loop {
        let (_, v) = get(&server.url, &finder, &format!("/v1/reports/{}/validation", ids[0]));
        if v["state"] == "running" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the doomed worker never took the job: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
    doomed.kill().unwrap();
    doomed.wait().unwrap();

    let mut a = worker(&db, &keys, &data, "worker-a", &[]);
    let mut b = worker(&db, &keys, &data, "worker-b", &[]);
    let results: Vec<Value> = ids.iter().map(|id| wait_done(&server.url, &finder, id, Duration::from_secs(180))).collect();
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());

    assert_eq!(results[0]["verdict"], "reproduced", "the crashed worker's job was taken over: {}", results[0]);
    assert_eq!(results[0]["attempts"], 2, "leased twice: by the doomed worker, then by another");
    let statuses: Vec<String> = ids.iter().map(|id| get(&server.url, &finder, &format!("/v1/reports/{id}")).1["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses, ["validated", "validated", "duplicate", "duplicate", "duplicate"], "the first of each crash keeps the credit");

    // Done once in effect: one completion per job, from a surviving worker; every lease audited.
    let (status, audit) = get(&server.url, &admin, "/v1/audit?limit=1000");
    assert_eq!(status, 200, "{audit}");
    let events = audit["events"].as_array().or_else(|| audit.as_array()).expect("audit events").clone();
    let completed: Vec<&Value> = events.iter().filter(|e| e["action"] == "validation.completed").collect();
    assert_eq!(completed.len(), ids.len(), "one result per job");
    assert!(completed.iter().all(|e| e["details"]["worker"] != "doomed"));
    let workers: std::collections::BTreeSet<&str> = completed.iter().filter_map(|e| e["details"]["worker"].as_str()).collect();
    assert_eq!(workers.len(), 2, "both workers took jobs: {workers:?}");
    let leases = events.iter().filter(|e| e["action"] == "validation.leased").count();
    assert_eq!(leases, ids.len() + 1, "one lease per job, plus the one the crash lost");
    drop(server);
    let o = cli(
        None,
        None,
        &["audit", "verify", "--database-url", &db, "--data-dir", dir.path().join("server").to_str().unwrap(), "--key-dir", keys.to_str().unwrap()],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    rt.block_on(clearinghouse_store_postgres::testing::drop_database(&base, &db));
}
