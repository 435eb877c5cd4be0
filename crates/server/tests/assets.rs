//! The OSV API and operators' assets, through HTTP, on each backend: osv.dev's request and
//! response shapes, TLP on advisories and assets, findings kept current by imports, and VEX.

mod common;

use common::{Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

on_each_backend!(
    osv_queries_answer_as_osv_dev_does,
    osv_queries_refuse_bad_input_with_pointers,
    assets_findings_follow_advisories_and_vex,
    operators_findings_are_prioritised_with_their_mission
);

fn record(id: &str, modified: &str, ecosystem: &str, name: &str, events: Value) -> Value {
    json!({
        "schema_version": "1.6.0", "id": id, "modified": modified, "aliases": [format!("CVE-2026-{}", 1000 + id.len())],
        "summary": format!("{name} has a bug"),
        "affected": [{"package": {"ecosystem": ecosystem, "name": name}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}]
    })
}

fn corpus() -> Vec<Value> {
    vec![
        record("RUSTSEC-2026-0101", "2026-01-01T00:00:00Z", "crates.io", "smallvec", json!([{"introduced": "0"}, {"fixed": "1.6.1"}])),
        record("GHSA-aaaa-bbbb-cccc", "2026-01-02T00:00:00Z", "PyPI", "Django", json!([{"introduced": "4.0"}, {"fixed": "4.2.3"}])),
        record("GO-2026-0001", "2026-01-03T00:00:00Z", "Go", "github.com/BurntSushi/toml", json!([{"introduced": "0"}, {"fixed": "1.2.0"}])),
        record("DSA-2026-1", "2026-01-04T00:00:00Z", "Debian:12", "openssl", json!([{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}])),
        json!({"id": "OSV-2026-77", "modified": "2026-01-05T00:00:00Z", "summary": "a commit range",
               "affected": [{"ranges": [{"type": "GIT", "repo": "https://example.org/x.git",
                   "events": [{"introduced": "0123456789abcdef0123456789abcdef01234567"}, {"fixed": "89abcdef0123456789abcdef0123456789abcdef"}]}]}]}),
        // Withdrawn: never matched, still readable.
        json!({"id": "RUSTSEC-2026-0199", "modified": "2026-01-06T00:00:00Z", "withdrawn": "2026-01-06T00:00:00Z",
               "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}),
    ]
}

async fn import(app: &TestApp, token: &str, records: Vec<Value>, tlp: Option<&str>) -> Value {
    let mut body = json!({"records": records});
    if let Some(t) = tlp {
        body["tlp"] = json!(t);
    }
    let r = app.post("/v1/advisories", Some(token), &body).await;
    r.expect(200, "");
    r.json.clone()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().map(|a| a.iter().map(|v| v["id"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

async fn osv_queries_answer_as_osv_dev_does(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token.clone();
    let out = import(&app, &admin, corpus(), None).await;
    assert_eq!((out["inserted"].as_u64(), out["rejected"].as_array().map(Vec::len)), (Some(6), Some(0)), "{out}");
    // The same records again change nothing.
    let again = import(&app, &admin, corpus(), None).await;
    assert_eq!(again["unchanged"], 6);

    // Name, ecosystem and version; anonymous callers read CLEAR advisories.
    let q = |body: Value| {
        let app = &app;
        async move { app.post("/v1/query", None, &body).await }
    };
    let r = q(json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.6.0"})).await;
    r.expect(200, "");
    assert_eq!(ids(&r.json["vulns"]), ["RUSTSEC-2026-0101"], "withdrawn advisories never match: {}", r.describe());
    assert_eq!(r.json["vulns"][0]["summary"], "smallvec has a bug", "full OSV records");
    assert_eq!(r.json["vulns"][0]["aliases"][0], "CVE-2026-1017");
    // Nothing found answers `{}`, as osv.dev does.
    let r = q(json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.6.1"})).await;
    assert_eq!(r.json, json!({}));
    // PyPI names normalise (PEP 503); purls carry the version; Go module paths ignore case.
    let r = q(json!({"package": {"name": "django", "ecosystem": "PyPI"}, "version": "4.1"})).await;
    assert_eq!(ids(&r.json["vulns"]), ["GHSA-aaaa-bbbb-cccc"]);
    let r = q(json!({"package": {"purl": "pkg:pypi/django@4.2.2"}})).await;
    assert_eq!(ids(&r.json["vulns"]), ["GHSA-aaaa-bbbb-cccc"]);
    let r = q(json!({"package": {"purl": "pkg:golang/github.com/burntsushi/toml"}, "version": "v1.1.0"})).await;
    assert_eq!(ids(&r.json["vulns"]), ["GO-2026-0001"]);
    // Distribution releases come from the purl's distro qualifier, with dpkg ordering (~ sorts first).
    let r = q(json!({"package": {"purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12"}})).await;
    assert_eq!(ids(&r.json["vulns"]), ["DSA-2026-1"]);
    let r = q(json!({"package": {"purl": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12"}})).await;
    assert_eq!(r.json, json!({}));
    // No version: every advisory about the package.
    let r = q(json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}})).await;
    assert_eq!(ids(&r.json["vulns"]), ["RUSTSEC-2026-0101"]);
    // A commit named by a GIT range.
    let r = q(json!({"commit": "0123456789abcdef0123456789abcdef01234567"})).await;
    assert_eq!(ids(&r.json["vulns"]), ["OSV-2026-77"]);

    // Batches answer in order, ids and modified only.
    let r = app
        .post(
            "/v1/querybatch",
            None,
            &json!({"queries": [
                {"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.0.0"},
                {"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "2.0.0"},
                {"package": {"purl": "pkg:pypi/django@4.0"}}
            ]}),
        )
        .await;
    r.expect(200, "");
    assert_eq!(
        r.json,
        json!({"results": [
            {"vulns": [{"id": "RUSTSEC-2026-0101", "modified": "2026-01-01T00:00:00Z"}]},
            {},
            {"vulns": [{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2026-01-02T00:00:00Z"}]}
        ]})
    );

    // GET /v1/vulns/{id}: the record, withdrawn ones included; unknown ids are 404.
    let r = app.get("/v1/vulns/RUSTSEC-2026-0199", None).await;
    r.expect(200, "");
    assert_eq!(r.json["withdrawn"], "2026-01-06T00:00:00Z");
    app.get("/v1/vulns/RUSTSEC-0000-0000", None).await.expect(404, "not_found");

    // A newer copy replaces the old one and the next query sees it (the replica follows the store).
    let newer = record("RUSTSEC-2026-0101", "2026-02-01T00:00:00Z", "crates.io", "smallvec", json!([{"introduced": "0"}, {"fixed": "1.5.0"}]));
    let out = import(&app, &admin, vec![newer], None).await;
    assert_eq!(out["outcomes"], json!([{"id": "RUSTSEC-2026-0101", "outcome": "updated"}]));
    let r = q(json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.6.0"})).await;
    assert_eq!(r.json, json!({}), "the fix moved below 1.6.0");

    // TLP: an AMBER advisory is the importing organisation's (and coordinators'); others get 404
    // and never see it in query answers.
    let amber = record("CLH-ADV-2026-0001", "2026-03-01T00:00:00Z", "npm", "left-pad", json!([{"introduced": "0"}]));
    import(&app, &admin, vec![amber], Some("AMBER")).await;
    let org = app.create_org("operator-one").await;
    let stranger = app.create_member(&org.name, "member").await;
    let coordinator = app.create_coordinator().await;
    let body = json!({"package": {"name": "left-pad", "ecosystem": "npm"}, "version": "1.0.0"});
    assert_eq!(app.post("/v1/query", None, &body).await.json, json!({}));
    assert_eq!(app.post("/v1/query", Some(&stranger.token), &body).await.json, json!({}));
    assert_eq!(ids(&app.post("/v1/query", Some(&coordinator.token), &body).await.json["vulns"]), ["CLH-ADV-2026-0001"]);
    app.get("/v1/vulns/CLH-ADV-2026-0001", None).await.expect(404, "not_found");
    app.get("/v1/vulns/CLH-ADV-2026-0001", Some(&stranger.token)).await.expect(404, "not_found");
    app.get("/v1/vulns/CLH-ADV-2026-0001", Some(&coordinator.token)).await.expect(200, "");
    // Importing is for coordinators.
    app.post("/v1/advisories", Some(&stranger.token), &json!({"records": []})).await.expect(403, "forbidden");
    app.post("/v1/advisories", None, &json!({"records": []})).await.expect(401, "unauthorized");
}

async fn osv_queries_refuse_bad_input_with_pointers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .post(
            "/v1/querybatch",
            None,
            &json!({"queries": [
                {"package": {"name": "x", "ecosystem": "crates.io"}, "version": "1.0.0"},
                {"package": {"name": "x", "ecosystem": "NoSuchEcosystem"}, "version": "1"},
                {"package": {"purl": "pkg:cargo/x@1.0.0"}, "version": "1.0.0"},
                {"commit": "not-hex"},
                {}
            ]}),
        )
        .await;
    r.expect(400, "invalid_query");
    let pointers: Vec<String> = r.diagnostics().into_iter().map(|(_, p)| p).collect();
    assert_eq!(pointers, ["/queries/1/package/ecosystem", "/queries/2/version", "/queries/3/commit", "/queries/4/package"], "{}", r.describe());
    let many: Vec<Value> = (0..1001).map(|i| json!({"package": {"name": format!("p{i}"), "ecosystem": "npm"}, "version": "1.0.0"})).collect();
    app.post("/v1/querybatch", None, &json!({"queries": many})).await.expect_at(400, "too_many_queries", "/queries");
    app.post("/v1/query", None, &json!({"package": {"purl": "pkg:"}})).await.expect(400, "invalid_query");
    app.post_raw("/v1/query", None, "{\"package\": ").await.expect(400, "malformed_json");
    // Unreadable records are listed with their pointers; the readable ones are imported.
    let r = app
        .post(
            "/v1/advisories",
            Some(&app.admin_token),
            &json!({"records": [
                record("RUSTSEC-2026-0301", "2026-01-01T00:00:00Z", "crates.io", "a", json!([{"introduced": "0"}])),
                {"id": 7},
                {"modified": "2026-01-01T00:00:00Z"}
            ]}),
        )
        .await;
    r.expect(200, "");
    assert_eq!(r.json["inserted"], 1);
    let rejected: Vec<u64> = r.json["rejected"].as_array().unwrap().iter().map(|x| x["index"].as_u64().unwrap()).collect();
    assert_eq!(rejected, [1, 2]);
    assert!(r.json["rejected"][0]["diagnostics"][0]["pointer"].as_str().unwrap().starts_with("/records/1"), "{}", r.describe());
}

const LOCK: &str = r#"version = 3

[[package]]
name = "smallvec"
version = "1.6.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "time"
version = "0.1.43"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "local-thing"
version = "0.1.0"
"#;

async fn upload(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> common::Resp {
    app.send(app.request(method, path, Some(token)).header("content-type", "application/octet-stream").body(body.to_string())).await
}

async fn findings(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app.get(&format!("/v1/assets/{id}/findings?order=component"), Some(token)).await;
    r.expect(200, "");
    r.json.clone()
}

fn statuses(f: &Value) -> Vec<(String, String, String)> {
    f["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["component"]["name"].as_str().unwrap().into(), x["advisory"].as_str().unwrap().into(), x["status"].as_str().unwrap().into()))
        .collect()
}

async fn assets_findings_follow_advisories_and_vex(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token.clone();
    import(&app, &admin, corpus(), None).await;
    let org = app.create_org("grid-operator").await;
    let operator = app.create_member(&org.name, "admin").await;
    let colleague = app.create_member(&org.name, "member").await;
    let other = app.create_org("other-operator").await;
    let stranger = app.create_member(&other.name, "admin").await;

    // Register: the body is the lockfile; findings are there at once.
    let r = upload(&app, Method::POST, "/v1/assets?name=substation-scada&file_name=Cargo.lock", &operator.token, LOCK).await;
    r.expect(201, "");
    let id = r.json["asset"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (r.json["asset"]["tlp"].as_str(), r.json["asset"]["components"].as_i64(), r.json["findings_opened"].as_u64()),
        (Some("AMBER"), Some(3), Some(1))
    );
    assert_eq!(r.json["asset"]["sbom_format"], "Cargo.lock v3");
    let f = findings(&app, &operator.token, &id).await;
    assert_eq!(statuses(&f), [("smallvec".into(), "RUSTSEC-2026-0101".into(), "affected".into())]);
    assert_eq!(f["findings"][0]["aliases"], json!(["CVE-2026-1017"]));
    assert_eq!(f["unmatched"][0]["component"]["name"], "local-thing", "a path dependency has no purl: {f}");
    assert!(f["unmatched"][0]["reason"].as_str().unwrap().contains("cannot be matched"), "{f}");

    // An advisory imported later opens a finding in the asset, and the outbox carries the event.
    let time_adv = record("RUSTSEC-2026-0102", "2026-01-10T00:00:00Z", "crates.io", "time", json!([{"introduced": "0"}, {"fixed": "0.2.23"}]));
    let out = import(&app, &admin, vec![time_adv], None).await;
    assert_eq!((out["findings_opened"].as_u64(), out["assets_changed"].as_u64()), (Some(1), Some(1)));
    let f = findings(&app, &colleague.token, &id).await;
    assert_eq!(statuses(&f).len(), 2);
    let events = app.get("/v1/events", Some(&admin)).await;
    let changed: Vec<&Value> = events.json["events"].as_array().unwrap().iter().filter(|e| e["topic"] == "asset.findings_changed").collect();
    assert_eq!(changed.len(), 1, "{}", events.describe());
    assert_eq!(changed[0]["subject"], format!("asset:{id}"));
    assert_eq!(changed[0]["payload"]["opened"][0]["advisory"], "RUSTSEC-2026-0102");

    // The asset is its organisation's: others get 404 on every route.
    for path in [format!("/v1/assets/{id}"), format!("/v1/assets/{id}/findings"), format!("/v1/assets/{id}/vex")] {
        app.get(&path, Some(&stranger.token)).await.expect(404, "not_found");
    }
    upload(&app, Method::PUT, &format!("/v1/assets/{id}?name=x"), &stranger.token, LOCK).await.expect(404, "not_found");
    app.delete(&format!("/v1/assets/{id}"), Some(&stranger.token)).await.expect(404, "not_found");
    assert!(app.get("/v1/assets", Some(&stranger.token)).await.json["assets"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/v1/assets", Some(&colleague.token)).await.json["assets"].as_array().unwrap().len(), 1);
    // A member may read but not manage.
    upload(&app, Method::PUT, &format!("/v1/assets/{id}?name=x"), &colleague.token, LOCK).await.expect(403, "forbidden");

    // VEX: an OpenVEX statement turns the smallvec finding not_affected, with its justification.
    let openvex = json!({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.org/vex/1", "author": "grid-operator",
        "timestamp": "2026-02-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-2026-1017"}, "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
                        "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]
    });
    let r = app.post(&format!("/v1/assets/{id}/vex"), Some(&operator.token), &openvex).await;
    r.expect(201, "");
    assert_eq!(r.json["format"], "openvex");
    let f = findings(&app, &operator.token, &id).await;
    assert_eq!(
        statuses(&f),
        [("smallvec".into(), "RUSTSEC-2026-0101".into(), "not_affected".into()), ("time".into(), "RUSTSEC-2026-0102".into(), "affected".into())]
    );
    assert_eq!(f["findings"][0]["vex"]["justification"], "vulnerable_code_not_in_execute_path");
    assert_eq!(f["findings"][0]["verdict"], "affected", "the matcher's verdict stays visible");
    app.post(&format!("/v1/assets/{id}/vex"), Some(&operator.token), &json!({"hello": "world"})).await.expect(422, "invalid_document");

    // Replacing the SBOM re-evaluates; a stale revision is refused.
    let upgraded = LOCK.replace("0.1.43", "0.3.0");
    let r = upload(&app, Method::PUT, &format!("/v1/assets/{id}?name=substation-scada&file_name=Cargo.lock&revision=1"), &operator.token, &upgraded).await;
    r.expect(200, "");
    assert_eq!((r.json["findings_closed"].as_u64(), r.json["asset"]["revision"].as_i64()), (Some(1), Some(2)));
    upload(&app, Method::PUT, &format!("/v1/assets/{id}?name=substation-scada&file_name=Cargo.lock&revision=1"), &operator.token, &upgraded)
        .await
        .expect(409, "stale");

    // Bad input: unreadable SBOMs get the reason; names are checked; nothing is stored.
    upload(&app, Method::POST, "/v1/assets?name=broken", &operator.token, "this is not an SBOM").await.expect(422, "invalid_document");
    upload(&app, Method::POST, "/v1/assets?name=", &operator.token, LOCK).await.expect(400, "invalid_parameter");
    upload(&app, Method::POST, "/v1/assets", &operator.token, LOCK).await.expect(400, "invalid_parameter");
    upload(&app, Method::POST, "/v1/assets?name=x", "", LOCK).await.expect(401, "unauthorized");
    assert_eq!(app.get("/v1/assets", Some(&operator.token)).await.json["assets"].as_array().unwrap().len(), 1);

    // Delete: gone with its findings.
    app.delete(&format!("/v1/assets/{id}"), Some(&operator.token)).await.expect(204, "");
    app.get(&format!("/v1/assets/{id}"), Some(&operator.token)).await.expect(404, "not_found");
    let audit = app.audit_events().await;
    for action in ["asset.created", "asset.findings_changed", "asset.vex_added", "asset.updated", "asset.deleted", "advisories.imported"] {
        assert!(audit.iter().any(|e| e["action"] == action), "audit has {action}");
    }
}

/// The priority of a finding in the test below, as (deployer outcome, BOD 26-04 outcome, missing deployer inputs).
fn deployer(f: &Value) -> (Option<&str>, Option<&str>, Vec<&str>) {
    let p = &f["priority"];
    (
        p["deployer"]["decision"]["outcome"]["name"].as_str(),
        p["bod_26_04"]["decision"]["outcome"]["key"].as_str(),
        p["deployer"]["missing"].as_array().map(|m| m.iter().filter_map(Value::as_str).collect()).unwrap_or_default(),
    )
}

async fn operators_findings_are_prioritised_with_their_mission(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token.clone();
    // smallvec: a high CVSS v3 score, nothing else known. time: in KEV, and its CVSS v4 vector says
    // automatable, so the deployer table can decide once the operator says how the asset is deployed.
    let mut smallvec = record("RUSTSEC-2026-0301", "2026-03-01T00:00:00Z", "crates.io", "smallvec", json!([{"introduced": "0"}, {"fixed": "1.6.1"}]));
    smallvec["aliases"] = json!(["CVE-2026-4001"]);
    smallvec["severity"] = json!([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]);
    let mut time = record("RUSTSEC-2026-0302", "2026-03-01T00:00:00Z", "crates.io", "time", json!([{"introduced": "0"}, {"fixed": "0.2.23"}]));
    time["aliases"] = json!(["CVE-2026-4002"]);
    time["severity"] = json!([{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/AU:Y"}]);
    // A third record without an `introduced` event is imported as written, and the linter says so.
    let sloppy = record("RUSTSEC-2026-0303", "2026-03-01T00:00:00Z", "crates.io", "left-pad", json!([{"fixed": "1.0.0"}]));
    let out = import(&app, &admin, vec![smallvec, time, sloppy], None).await;
    assert_eq!(out["vulnerabilities_changed"], 3, "OSV records join the vulnerability model: {out}");
    assert_eq!(out["lint"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out["lint"][0]["index"], 2);
    let lint = &out["lint"][0]["diagnostics"][0];
    assert_eq!((lint["code"].as_str(), lint["pointer"].as_str()), (Some("missing_introduced"), Some("/records/2/affected/0/ranges/0/events")), "{out}");
    let kev = json!({"title": "KEV", "catalogVersion": "2026.03.02", "count": 1, "vulnerabilities": [{"cveID": "CVE-2026-4002", "vendorProject": "time-rs",
        "product": "time", "vulnerabilityName": "time bug", "dateAdded": "2026-03-02", "shortDescription": "x", "requiredAction": "patch",
        "dueDate": "2026-03-23", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}]});
    app.post("/v1/sources?format=kev", Some(&admin), &kev).await.expect(200, "");
    let merged = app.get("/v1/vulns/RUSTSEC-2026-0302/merged", None).await;
    assert_eq!(
        (merged.json["vulnerability"]["id"].as_str(), merged.json["priority"]["kev"].as_bool()),
        (Some("CVE-2026-4002"), Some(true)),
        "{}",
        merged.describe()
    );

    let org = app.create_org_with(json!({"name": "water-utility", "kind": "operator", "sectors": ["water_and_wastewater_systems"]})).await;
    let operator = app.create_member(&org.name, "admin").await;
    let member = app.create_member(&org.name, "member").await;
    let stranger = app.create_member(&app.create_org("elsewhere").await.name, "admin").await;
    let r = upload(&app, Method::POST, "/v1/assets?name=pumps&file_name=Cargo.lock", &operator.token, LOCK).await;
    r.expect(201, "");
    let id = r.json["asset"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json["asset"]["mission"], json!({}));

    // Without mission settings the deployer table lacks the deployment's inputs, and says which.
    let f = app.get(&format!("/v1/assets/{id}/findings"), Some(&operator.token)).await;
    f.expect(200, "");
    assert_eq!(deployer(&f.json["findings"][0]).2, ["EXP", "SI", "MI"], "{}", f.json);

    // Bad values are all reported with their pointers; only the asset's managers may set them.
    let bad = app.put(&format!("/v1/assets/{id}/mission"), Some(&operator.token), &json!({"exposure": "wide open", "safety_impact": "dire"})).await;
    bad.expect(422, "invalid_document");
    let pointers: Vec<&str> = bad.json["error"]["diagnostics"].as_array().unwrap().iter().filter_map(|d| d["pointer"].as_str()).collect();
    assert_eq!(pointers, ["/exposure", "/safety_impact"], "{}", bad.describe());
    app.put(&format!("/v1/assets/{id}/mission"), Some(&operator.token), &json!({"exposure": "open", "colour": "blue"})).await.expect(400, "invalid_field");
    let mission = json!({"exposure": "open", "mission_impact": "mission failure", "safety_impact": "critical"});
    app.put(&format!("/v1/assets/{id}/mission"), Some(&member.token), &mission).await.expect(403, "forbidden");
    app.put(&format!("/v1/assets/{id}/mission"), Some(&stranger.token), &mission).await.expect(404, "not_found");
    let set = app.put(&format!("/v1/assets/{id}/mission"), Some(&operator.token), &mission).await;
    set.expect(200, "");
    assert_eq!(set.json["mission"], json!({"exposure": "O", "mission_impact": "MF", "safety_impact": "R"}), "stored as keys");

    // Priority order: the KEV-listed, automatable time finding is Immediate on this open,
    // mission-critical asset and comes first, although smallvec's CVSS score is higher; smallvec
    // still lacks Automatable. Component order is the other way round.
    let f = app.get(&format!("/v1/assets/{id}/findings"), Some(&member.token)).await;
    f.expect(200, "");
    let order: Vec<&str> = f.json["findings"].as_array().unwrap().iter().map(|x| x["advisory"].as_str().unwrap()).collect();
    assert_eq!(order, ["RUSTSEC-2026-0302", "RUSTSEC-2026-0301"], "{}", f.json);
    let first = &f.json["findings"][0];
    assert_eq!(deployer(first), (Some("Immediate"), None, vec![]), "{first}");
    assert_eq!(first["priority"]["vulnerability"], "CVE-2026-4002");
    assert_eq!(first["priority"]["deployer"]["decision"]["table"], json!({"namespace": "ssvc", "key": "DT_DP", "version": "1.0.0"}));
    let inputs = &first["priority"]["deployer"]["decision"]["inputs"];
    assert_eq!(inputs, &json!([["E", "A"], ["EXP", "O"], ["A", "Y"], ["HI", "VH"]]), "{first}");
    assert_eq!(deployer(&f.json["findings"][1]).2, ["A"]);
    assert_eq!(f.json["findings"][1]["priority"]["cvss"], 9.8, "OSV gives the vector; the score is computed");
    let by_component = app.get(&format!("/v1/assets/{id}/findings?order=component"), Some(&member.token)).await;
    assert_eq!(by_component.json["findings"][0]["advisory"], "RUSTSEC-2026-0301");
    app.get(&format!("/v1/assets/{id}/findings?order=sideways"), Some(&member.token)).await.expect(400, "invalid_parameter");

    // A federal agency's asset also gets BOD 26-04's timeline: publicly exposed, in KEV,
    // automatable, but Technical Impact is still for an analyst to give.
    let agency = app.create_org_with(json!({"name": "federal-agency", "kind": "agency"})).await;
    let agent = app.create_member(&agency.name, "admin").await;
    let r = upload(&app, Method::POST, "/v1/assets?name=portal&file_name=Cargo.lock", &agent.token, LOCK).await;
    let agency_asset = r.json["asset"]["id"].as_str().unwrap().to_string();
    app.put(&format!("/v1/assets/{agency_asset}/mission"), Some(&agent.token), &json!({"exposure": "open"})).await.expect(200, "");
    let f = app.get(&format!("/v1/assets/{agency_asset}/findings"), Some(&agent.token)).await;
    let bod = &f.json["findings"][0]["priority"]["bod_26_04"];
    assert_eq!(bod["missing"], json!(["TI"]), "{}", f.json);

    // Across assets: the operator sees its own findings, most urgent first; a stranger none.
    let all = app.get("/v1/findings", Some(&operator.token)).await;
    all.expect(200, "");
    assert_eq!(all.json["total"], 2, "{}", all.json);
    assert_eq!((all.json["findings"][0]["asset"].as_str(), all.json["findings"][0]["advisory"].as_str()), (Some(id.as_str()), Some("RUSTSEC-2026-0302")));
    let page = app.get("/v1/findings?limit=1", Some(&operator.token)).await;
    assert_eq!((page.json["findings"].as_array().unwrap().len(), page.json["next_offset"].as_u64()), (1, Some(1)));
    assert_eq!(app.get("/v1/findings", Some(&stranger.token)).await.json["total"], 0);
    app.get("/v1/findings?limit=0", Some(&operator.token)).await.expect(400, "invalid_parameter");
    app.get("/v1/findings", None).await.expect(401, "unauthorized");
    assert!(app.audit_events().await.iter().any(|e| e["action"] == "asset.mission_set" && e["subject"] == format!("asset:{id}")));
}
