//! Behaviour of the HTTP API, end to end over a real socket: every test asserts the status code and,
//! for refusals, the error envelope (`error.code`, and `error.pointer` where one field is to blame).
//!
//! Each scenario runs on SQLite, and on PostgreSQL too when `CLEARINGHOUSE_TEST_DATABASE_URL` is set.

mod common;

use clearinghouse_model::Role;
use clearinghouse_model::report::ReportLimits;
use clearinghouse_server::auth::{hash_token, new_token};
use clearinghouse_store::{AuditActor, NewPrincipal};
use common::{Backend, Resp, TestApp, report_doc, report_doc_for, report_doc_with_file, this_year};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_each_backend!(
    submit_get_and_files,
    bad_input_is_refused_and_nothing_is_half_written,
    idempotency_keys,
    rate_limit,
    lifecycle,
    relabel,
    share,
    list_filters_and_pagination,
    validate_stores_nothing,
    health_metrics_request_ids_and_docs,
    events_and_audit_follow_the_policy,
    undecodable_paths_and_queries_answer_with_the_envelope,
    orgs_and_tokens,
);

fn ids(reports: &[Value]) -> Vec<String> {
    reports.iter().map(|r| r["id"].as_str().expect("id").to_string()).collect()
}

fn count_action(events: &[Value], action: &str) -> usize {
    events.iter().filter(|e| e["action"] == action).count()
}

async fn submit_get_and_files(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org("finders").await;
    let alice = app.create_member(&org.name, "member").await;
    let stranger = app.create_member(&app.create_org("strangers").await.name, "admin").await;
    let year = this_year();

    let doc = report_doc("Heap overflow in parse_header", "AMBER");
    let first = app.post("/v1/reports", Some(&alice.token), &doc).await;
    first.expect(201, "");
    let id1 = format!("CLH-{year}-00001");
    assert_eq!(first.json["id"], id1.as_str());
    assert_eq!(first.header("location"), Some(format!("/v1/reports/{id1}").as_str()));
    assert_eq!(first.json["status"], "received");
    assert_eq!(first.json["tlp"], "AMBER");
    assert_eq!(common::uuid(&first.json["reporter_org"]), org.id);
    assert_eq!(common::uuid(&first.json["submitter"]), alice.principal_id);
    assert_eq!(first.json["packages"], json!(["cargo/libexample"]));
    assert_eq!(first.json["cvss"]["base_score"], 9.8);
    assert_eq!(first.json["document"], doc, "the stored document is the submitted one");

    let second = app.post("/v1/reports", Some(&alice.token), &report_doc("Second problem", "GREEN")).await;
    second.expect(201, "");
    assert_eq!(second.json["id"], format!("CLH-{year}-00002").as_str());
    assert_eq!(second.header("location"), Some(format!("/v1/reports/CLH-{year}-00002").as_str()));

    let got = app.get(&format!("/v1/reports/{id1}"), Some(&alice.token)).await;
    got.expect(200, "");
    assert_eq!(got.json["document"], doc);
    assert_eq!(got.json, first.json, "GET answers what POST answered (no history yet)");
    // Unknown and malformed ids are both simply not found.
    app.get(&format!("/v1/reports/CLH-{year}-00099"), Some(&alice.token)).await.expect(404, "not_found");
    app.get("/v1/reports/not-an-id", Some(&alice.token)).await.expect(404, "not_found");

    // A proof-of-concept file: stored sealed, served back exactly, as an attachment.
    let content = b"#!/usr/bin/env python3\nimport socket\nsocket.create_connection(('127.0.0.1', 8080)).send(b'A' * 65536)\n";
    let (fdoc, sha) = report_doc_with_file("Crash with a PoC", "AMBER", "poc.py", content);
    let third = app.submit(&alice.token, &fdoc).await;
    let id3 = third["id"].as_str().unwrap().to_string();
    assert_eq!(id3, format!("CLH-{year}-00003"));
    assert_eq!(
        third["document"]["files"],
        json!([{"name": "poc.py", "media_type": "application/octet-stream", "sha256": sha, "size": content.len()}]),
        "the stored document names the file by hash and size, without its content"
    );

    let file = app.send(app.request(Method::GET, &format!("/v1/reports/{id3}/files/{sha}"), Some(&alice.token))).await;
    file.expect(200, "");
    assert_eq!(file.bytes, content, "the download is the exact bytes submitted");
    assert_eq!(file.header("content-disposition"), Some("attachment; filename=\"poc.py\""));
    assert_eq!(file.header("content-type"), Some("application/octet-stream"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    let upper = app.send(app.request(Method::GET, &format!("/v1/reports/{id3}/files/{}", sha.to_uppercase()), Some(&alice.token))).await;
    upper.expect(200, "");
    assert_eq!(upper.bytes, content);
    // A hash the report does not carry, the file through another report, or a caller who cannot see it: 404.
    app.get(&format!("/v1/reports/{id3}/files/{}", "0".repeat(64)), Some(&alice.token)).await.expect(404, "not_found");
    app.get(&format!("/v1/reports/{id1}/files/{sha}"), Some(&alice.token)).await.expect(404, "not_found");
    app.get(&format!("/v1/reports/{id3}/files/{sha}"), Some(&stranger.token)).await.expect(404, "not_found");
    app.get(&format!("/v1/reports/{id3}/files/{sha}"), None).await.expect(404, "not_found");

    // At rest the blob is sealed: not the plaintext, not containing it.
    let expected_path = std::path::Path::new(&sha[..2]).join(&sha[2..]);
    assert_eq!(app.blob_files(), BTreeSet::from([expected_path]), "one blob, stored under its address");
    let at_rest = app.blob_at_rest(&sha);
    assert_ne!(at_rest, content);
    assert!(at_rest.starts_with(b"CHS1"), "sealed blobs start with the sealing magic");
    assert!(!at_rest.windows(16).any(|w| content.windows(16).any(|c| c == w)), "no 16-byte run of the plaintext is on disk");
}

async fn bad_input_is_refused_and_nothing_is_half_written(backend: Backend) {
    // Small report limits make a small body limit: the base64 of the files plus the description plus
    // a fixed allowance for the rest of the document.
    let limits = ReportLimits { max_description_bytes: 4096, max_file_bytes: 1024, max_total_file_bytes: 3072, ..ReportLimits::default() };
    let body_limit = limits.max_body_bytes();
    let app = TestApp::builder().backend(backend).report_limits(limits).build().await;
    let org = app.create_org("finders").await;
    let alice = app.create_member(&org.name, "member").await;
    let tok = Some(alice.token.as_str());

    // One good report with a file, so there is something that must stay as it is.
    let (seed, _) = report_doc_with_file("Seed report", "AMBER", "seed.bin", b"seed bytes");
    app.submit(&alice.token, &seed).await;
    let reports_before = ids(&app.list_all(Some(&app.admin_token), "").await);
    let submitted_before = count_action(&app.audit_events().await, "report.submitted");
    let blobs_before = app.blob_files();
    assert_eq!((reports_before.len(), submitted_before, blobs_before.len()), (1, 1, 1));

    // Every document below carries a file, so a handler that stored files before checking would show.
    let poc = b"int main(void) { char b[4]; b[8] = 1; }";
    let with_file = |mut d: Value| {
        d["files"] = json!([{"name": "poc.c", "content_base64": base64_of(poc)}]);
        d
    };
    let good = with_file(report_doc("Would be fine", "AMBER"));

    let r = app.post_raw("/v1/reports", tok, r#"{"title": "unterminated"#).await;
    r.expect(400, "malformed_json");
    let r = app.post_raw("/v1/reports", tok, "{\"title\": \"t\",}").await;
    r.expect(400, "malformed_json");

    let mut unknown = good.clone();
    unknown["severity"] = json!("high");
    app.post("/v1/reports", tok, &unknown).await.expect_at(400, "invalid_field", "/severity");
    let mut nested_unknown = good.clone();
    nested_unknown["finder"]["nickname"] = json!("x");
    app.post("/v1/reports", tok, &nested_unknown).await.expect_at(400, "invalid_field", "/finder/nickname");

    let mut wrong_type = good.clone();
    wrong_type["finder"]["name"] = json!(7);
    app.post("/v1/reports", tok, &wrong_type).await.expect_at(400, "invalid_field", "/finder/name");

    let mut bad_purl = good.clone();
    bad_purl["affected"][0]["purl"] = json!("libexample-1.0");
    let r = app.post("/v1/reports", tok, &bad_purl).await;
    r.expect_at(422, "invalid_document", "/affected/0/purl");
    assert_eq!(r.diagnostics(), [("invalid_purl".to_string(), "/affected/0/purl".to_string())]);

    let mut bad_cwe = good.clone();
    bad_cwe["weaknesses"] = json!(["CWE-787", "XSS"]);
    let r = app.post("/v1/reports", tok, &bad_cwe).await;
    r.expect_at(422, "invalid_document", "/weaknesses/1");
    assert_eq!(r.diagnostics(), [("invalid_cwe".to_string(), "/weaknesses/1".to_string())]);

    let mut bad_hash = good.clone();
    bad_hash["files"][0]["sha256"] = json!("0".repeat(64));
    let r = app.post("/v1/reports", tok, &bad_hash).await;
    r.expect_at(422, "invalid_document", "/files/0/sha256");

    let mut bad_tlp = good.clone();
    bad_tlp["tlp"] = json!("PURPLE");
    app.post("/v1/reports", tok, &bad_tlp).await.expect_at(400, "invalid_field", "/tlp");

    let mut raw = serde_json::to_vec(&good).unwrap();
    let at = raw.windows(13).position(|w| w == b"Would be fine").expect("title in body");
    raw[at] = 0xff;
    app.post_raw("/v1/reports", tok, raw).await.expect(400, "invalid_utf8");

    let r = app.send(app.request(Method::POST, "/v1/reports", tok).header("content-type", "text/plain").body(serde_json::to_vec(&good).unwrap())).await;
    r.expect(415, "unsupported_media_type");

    let mut huge = good.clone();
    huge["description"] = json!("A".repeat(body_limit + 1));
    let huge = serde_json::to_vec(&huge).unwrap();
    assert!(huge.len() > body_limit && body_limit < 5 * 1024 * 1024);
    app.post_raw("/v1/reports", tok, huge).await.expect(413, "payload_too_large");

    // Authentication: no token, a token that is not one, one nobody issued, one expired, one revoked.
    let r = app.post("/v1/reports", None, &good).await;
    r.expect(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = app.send(app.request(Method::POST, "/v1/reports", None).header("authorization", "Basic YWxpY2U6c2VjcmV0").json(&good)).await;
    r.expect(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    app.post("/v1/reports", Some("not-a-clearinghouse-token"), &good).await.expect(401, "unauthorized");
    app.post("/v1/reports", Some(&new_token()), &good).await.expect(401, "unauthorized");

    let now = time::OffsetDateTime::now_utc();
    let expired = new_token();
    let (_, expired_info) = app
        .store
        .create_principal(
            &AuditActor::System,
            &NewPrincipal {
                org_id: org.id,
                name: "expired".into(),
                role: Role::Member,
                coordinator: false,
                token_expires_at: Some(now - time::Duration::minutes(1)),
            },
            &hash_token(&expired),
            now - time::Duration::days(1),
        )
        .await
        .expect("creating a principal with an expired token");
    assert!(expired_info.expires_at.is_some());
    let fresh = new_token();
    app.store
        .create_principal(
            &AuditActor::System,
            &NewPrincipal {
                org_id: org.id,
                name: "fresh".into(),
                role: Role::Member,
                coordinator: false,
                token_expires_at: Some(now + time::Duration::hours(1)),
            },
            &hash_token(&fresh),
            now,
        )
        .await
        .expect("creating a principal with a live token");
    app.get("/v1/orgs", Some(&fresh)).await.expect(200, "");
    let r = app.post("/v1/reports", Some(&expired), &good).await;
    r.expect(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    app.get("/v1/orgs", Some(&expired)).await.expect(401, "unauthorized");

    let revoked = app.create_member(&org.name, "member").await;
    app.get("/v1/orgs", Some(&revoked.token)).await.expect(200, "");
    let r = app.delete(&format!("/v1/tokens/{}", revoked.token_id), Some(&app.admin_token)).await;
    r.expect(200, "");
    assert!(r.json["revoked_at"].is_string());
    app.post("/v1/reports", Some(&revoked.token), &good).await.expect(401, "unauthorized");
    app.get("/v1/orgs", Some(&revoked.token)).await.expect(401, "unauthorized");

    // Nothing of any refused request was written anywhere.
    assert_eq!(ids(&app.list_all(Some(&app.admin_token), "").await), reports_before, "the report list is unchanged");
    let audit = app.audit_events().await;
    assert_eq!(count_action(&audit, "report.submitted"), submitted_before, "no report.submitted event was added");
    assert!(audit.iter().all(|e| !e["action"].as_str().unwrap().starts_with("report.") || e["action"] == "report.submitted"));
    assert_eq!(app.blob_files(), blobs_before, "no file was added to the blob folder");

    // And the good document is accepted as such (so the refusals above were about what they broke).
    app.submit(&alice.token, &good).await;
    assert_eq!(app.blob_files().len(), 2);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn idempotency_keys(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org("finders").await;
    let alice = app.create_member(&org.name, "member").await;
    let bob = app.create_member(&org.name, "member").await;
    let body = serde_json::to_vec(&report_doc("Retried submission", "AMBER")).unwrap();
    let other_body = serde_json::to_vec(&report_doc("Another submission", "AMBER")).unwrap();
    let submit = |token: &str, key: &str, body: &Vec<u8>| {
        app.send(
            app.request(Method::POST, "/v1/reports", Some(token)).header("idempotency-key", key).header("content-type", "application/json").body(body.clone()),
        )
    };

    let first = submit(&alice.token, "retry-7f3a", &body).await;
    first.expect(201, "");
    assert_eq!(first.header("idempotent-replayed"), None);
    let id = first.json["id"].as_str().unwrap().to_string();

    let again = submit(&alice.token, "retry-7f3a", &body).await;
    again.expect(200, "");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["id"], id.as_str());
    assert_eq!(again.header("location"), Some(format!("/v1/reports/{id}").as_str()));
    assert_eq!(again.json["document"], first.json["document"]);

    submit(&alice.token, "retry-7f3a", &other_body).await.expect(409, "idempotency_key_reused");

    // Keys belong to a principal: bob's identical key and body is a submission of its own.
    let bobs = submit(&bob.token, "retry-7f3a", &body).await;
    bobs.expect(201, "");
    assert_ne!(bobs.json["id"], id.as_str());
    assert_eq!(bobs.header("idempotent-replayed"), None);

    submit(&alice.token, "has a space", &body).await.expect(400, "invalid_idempotency_key");
    submit(&alice.token, &"k".repeat(256), &body).await.expect(400, "invalid_idempotency_key");

    let listed = ids(&app.list_all(Some(&app.admin_token), "").await);
    assert_eq!(listed, [id, bobs.json["id"].as_str().unwrap().to_string()], "replays and refusals created no report");
    assert_eq!(count_action(&app.audit_events().await, "report.submitted"), 2);
}

async fn rate_limit(backend: Backend) {
    let app = TestApp::start(backend).await;
    let others = app.create_member(&app.create_org("unlimited").await.name, "member").await;
    let minute = || time::OffsetDateTime::now_utc().unix_timestamp().div_euclid(60);
    // The limit counts per UTC minute: an attempt that straddles a minute boundary proves nothing
    // and is made again with a fresh organisation.
    for attempt in 0..3 {
        let org = app.create_org_with_limits(&format!("limited-{attempt}"), 2, 1000).await;
        let m = app.create_member(&org.name, "member").await;
        let start = minute();
        let a = app.post("/v1/reports", Some(&m.token), &report_doc("one", "AMBER")).await;
        let b = app.post("/v1/reports", Some(&m.token), &report_doc("two", "AMBER")).await;
        let c = app.post("/v1/reports", Some(&m.token), &report_doc("three", "AMBER")).await;
        if minute() != start {
            continue;
        }
        a.expect(201, "");
        b.expect(201, "");
        c.expect(429, "rate_limited");
        let retry: u64 = c.header("retry-after").expect("429 carries Retry-After").parse().expect("Retry-After is whole seconds");
        assert!((1..=60).contains(&retry), "Retry-After {retry} is within the minute");
        // The limit is the organisation's: another organisation still submits.
        app.submit(&others.token, &report_doc("elsewhere", "AMBER")).await;
        let limited = app.list_all(Some(&app.admin_token), &format!("org={}", org.name)).await;
        assert_eq!(limited.len(), 2, "the refused submission stored nothing");
        return;
    }
    panic!("three attempts straddled a minute boundary");
}

async fn lifecycle(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org("finders").await;
    let submitter = app.create_member(&org.name, "member").await;
    let coordinator = app.create_coordinator().await;
    let stranger = app.create_member(&app.create_org("strangers").await.name, "admin").await;
    let id = app.submit_id(&submitter.token, &report_doc("Lifecycle", "AMBER")).await;
    let other = app.submit_id(&submitter.token, &report_doc("Lifecycle, too", "AMBER")).await;
    let path = format!("/v1/reports/{id}/transitions");

    let r = app.post(&path, Some(&coordinator.token), &json!({"to": "triaged", "reason": "reproduced on 1.4.1"})).await;
    r.expect(200, "");
    assert_eq!(r.json["status"], "triaged");
    let history = r.json["history"].as_array().expect("history").clone();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["from"], "received");
    assert_eq!(history[0]["to"], "triaged");
    assert_eq!(history[0]["actor"], format!("principal:{}", coordinator.principal_id).as_str());
    assert_eq!(history[0]["reason"], "reproduced on 1.4.1");
    let seen = app.get(&format!("/v1/reports/{id}"), Some(&submitter.token)).await;
    seen.expect(200, "");
    assert_eq!(seen.json["history"], json!(history), "the reporter sees the same history");

    let r = app.post(&format!("/v1/reports/{other}/transitions"), Some(&coordinator.token), &json!({"to": "published", "reason": "ship it"})).await;
    r.expect_at(409, "illegal_transition", "/to");
    assert!(
        r.json["error"]["message"].as_str().unwrap().contains("triaged, validated, not_reproduced, duplicate, invalid, closed"),
        "names the legal moves: {}",
        r.describe()
    );
    app.post(&format!("/v1/reports/{other}/transitions"), Some(&coordinator.token), &json!({"to": "triaged", "reason": "  "})).await.expect_at(
        422,
        "invalid_document",
        "/reason",
    );
    app.post(&format!("/v1/reports/{other}/transitions"), Some(&coordinator.token), &json!({"to": "sideways", "reason": "x"})).await.expect_at(
        400,
        "invalid_field",
        "/to",
    );

    app.post(&path, Some(&submitter.token), &json!({"to": "validated", "reason": "it is real"})).await.expect(403, "forbidden");
    app.post(&path, Some(&stranger.token), &json!({"to": "validated", "reason": "it is real"})).await.expect(404, "not_found");
    app.post(&path, None, &json!({"to": "validated", "reason": "it is real"})).await.expect(401, "unauthorized");

    // The refusals moved nothing.
    let after = app.get(&format!("/v1/reports/{id}"), Some(&coordinator.token)).await;
    assert_eq!((after.json["status"].as_str(), after.json["history"].as_array().map(Vec::len)), (Some("triaged"), Some(1)));
    let after = app.get(&format!("/v1/reports/{other}"), Some(&coordinator.token)).await;
    assert_eq!(after.json["status"], "received");
    assert_eq!(count_action(&app.audit_events().await, "report.transitioned"), 1);

    // The reporter may withdraw its own report.
    let r = app.post(&format!("/v1/reports/{other}/transitions"), Some(&submitter.token), &json!({"to": "closed", "reason": "withdrawn"})).await;
    r.expect(200, "");
    assert_eq!(r.json["status"], "closed");
}

async fn relabel(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org("finders").await;
    let submitter = app.create_member(&org.name, "member").await;
    let colleague = app.create_member(&org.name, "member").await;
    let org_admin = app.create_member(&org.name, "admin").await;
    let stranger = app.create_member(&app.create_org("strangers").await.name, "admin").await;
    let id = app.submit_id(&submitter.token, &report_doc("Relabel me", "AMBER")).await;
    let path = format!("/v1/reports/{id}/tlp");

    app.put(&path, Some(&stranger.token), &json!({"tlp": "GREEN"})).await.expect(404, "not_found");
    app.put(&path, None, &json!({"tlp": "GREEN"})).await.expect(401, "unauthorized");
    app.put(&path, Some(&colleague.token), &json!({"tlp": "GREEN"})).await.expect(403, "forbidden");
    app.put(&path, Some(&submitter.token), &json!({"tlp": "PURPLE"})).await.expect_at(400, "invalid_field", "/tlp");
    let tlp_of = |r: &Resp| r.json["tlp"].as_str().unwrap_or("").to_string();
    assert_eq!(tlp_of(&app.get(&format!("/v1/reports/{id}"), Some(&submitter.token)).await), "AMBER", "refusals changed nothing");

    let r = app.put(&path, Some(&submitter.token), &json!({"tlp": "GREEN"})).await;
    r.expect(200, "");
    assert_eq!(tlp_of(&r), "GREEN");
    assert_eq!(r.json["document"]["tlp"], "GREEN", "the document carries the label it is stored under");
    // Now GREEN: the stranger sees it, and still may not relabel it; the colleague may not lower it.
    app.get(&format!("/v1/reports/{id}"), Some(&stranger.token)).await.expect(200, "");
    app.put(&path, Some(&stranger.token), &json!({"tlp": "CLEAR"})).await.expect(403, "forbidden");
    app.put(&path, Some(&colleague.token), &json!({"tlp": "CLEAR"})).await.expect(403, "forbidden");
    // The organisation's admin manages it, and raises it back.
    let r = app.put(&path, Some(&org_admin.token), &json!({"tlp": "AMBER"})).await;
    r.expect(200, "");
    assert_eq!(tlp_of(&r), "AMBER");
    app.get(&format!("/v1/reports/{id}"), Some(&stranger.token)).await.expect(404, "not_found");

    // RED: only the named see it, so even the organisation's admin gets 404.
    let red = app.submit_id(&submitter.token, &report_doc("Red", "RED")).await;
    app.put(&format!("/v1/reports/{red}/tlp"), Some(&org_admin.token), &json!({"tlp": "AMBER"})).await.expect(404, "not_found");
    let events = app.audit_events().await;
    assert_eq!(count_action(&events, "report.relabeled"), 2);
}

async fn share(backend: Backend) {
    let app = TestApp::start(backend).await;
    let finders = app.create_org("finders").await;
    let submitter = app.create_member(&finders.name, "member").await;
    let vendor = app.create_org("vendor").await;
    let vendor_member = app.create_member(&vendor.name, "member").await;
    let partner = app.create_org("partner").await;
    let partner_member = app.create_member(&partner.name, "member").await;
    let partner_mate = app.create_member(&partner.name, "admin").await;

    let amber = app.submit_id(&submitter.token, &report_doc("Amber", "AMBER")).await;
    app.get(&format!("/v1/reports/{amber}"), Some(&vendor_member.token)).await.expect(404, "not_found");
    assert!(app.list_all(Some(&vendor_member.token), "").await.is_empty());

    let r = app.post(&format!("/v1/reports/{amber}/shares"), Some(&submitter.token), &json!({"orgs": ["vendor"]})).await;
    r.expect(200, "");
    assert_eq!(r.json["shared_with"]["orgs"], json!([vendor.id]));
    app.get(&format!("/v1/reports/{amber}"), Some(&vendor_member.token)).await.expect(200, "");
    assert_eq!(ids(&app.list_all(Some(&vendor_member.token), "").await), vec![amber.clone()]);
    app.get(&format!("/v1/reports/{amber}"), Some(&partner_member.token)).await.expect(404, "not_found");
    // The audience is shown to those who manage the report only.
    let seen = app.get(&format!("/v1/reports/{amber}"), Some(&vendor_member.token)).await;
    assert!(seen.json.get("shared_with").is_none(), "a recipient does not see the audience: {}", seen.describe());
    // A recipient may not widen the audience further.
    app.post(&format!("/v1/reports/{amber}/shares"), Some(&vendor_member.token), &json!({"orgs": ["partner"]})).await.expect(403, "forbidden");

    let r = app
        .post(&format!("/v1/reports/{amber}/shares"), Some(&submitter.token), &json!({"orgs": ["vendor", "nobody"], "principals": [uuid::Uuid::now_v7()]}))
        .await;
    r.expect_at(422, "invalid_document", "/orgs/1");
    assert_eq!(r.diagnostics(), [("unknown_org".to_string(), "/orgs/1".to_string()), ("unknown_principal".to_string(), "/principals/0".to_string())]);

    let red = app.submit_id(&submitter.token, &report_doc("Red", "RED")).await;
    let r = app.post(&format!("/v1/reports/{red}/shares"), Some(&submitter.token), &json!({"orgs": ["vendor"]})).await;
    r.expect_at(422, "invalid_document", "/orgs");
    assert_eq!(r.diagnostics(), [("red_needs_principals".to_string(), "/orgs".to_string())]);
    app.get(&format!("/v1/reports/{red}"), Some(&vendor_member.token)).await.expect(404, "not_found");

    let r = app.post(&format!("/v1/reports/{red}/shares"), Some(&submitter.token), &json!({"principals": [partner_member.principal_id]})).await;
    r.expect(200, "");
    assert_eq!(r.json["shared_with"]["principals"], json!([partner_member.principal_id]));
    app.get(&format!("/v1/reports/{red}"), Some(&partner_member.token)).await.expect(200, "");
    app.get(&format!("/v1/reports/{red}"), Some(&partner_mate.token)).await.expect(404, "not_found");
    app.get(&format!("/v1/reports/{red}"), Some(&vendor_member.token)).await.expect(404, "not_found");
    assert_eq!(ids(&app.list_all(Some(&partner_member.token), "").await), vec![red.clone()]);
    assert_eq!(count_action(&app.audit_events().await, "report.shared"), 2, "refused shares are not recorded");
}

async fn list_filters_and_pagination(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alpha = app.create_member(&app.create_org("alpha").await.name, "member").await;
    let beta = app.create_member(&app.create_org("beta").await.name, "member").await;
    let coordinator = app.create_coordinator().await;
    let scoped = "pkg:npm/%40scope/name@1.2.3";

    let mut created = Vec::new();
    for (who, title, tlp, purl) in [
        (&alpha, "one", "CLEAR", scoped),
        (&alpha, "two", "AMBER", "pkg:cargo/foo"),
        (&beta, "three", "CLEAR", scoped),
        (&beta, "four", "GREEN", "pkg:pypi/bar"),
        (&alpha, "five", "CLEAR", "pkg:cargo/foo"),
    ] {
        created.push(app.submit(&who.token, &report_doc_for(title, tlp, purl)).await);
    }
    let id = |i: usize| created[i]["id"].as_str().unwrap().to_string();
    let at = |i: usize| created[i]["created_at"].as_str().unwrap().to_string();
    assert_eq!(created[0]["packages"], json!(["npm/@scope/name"]));
    let r = app.post(&format!("/v1/reports/{}/transitions", id(2)), Some(&coordinator.token), &json!({"to": "triaged", "reason": "on it"})).await;
    r.expect(200, "");

    let coord = Some(coordinator.token.as_str());
    let list = |query: String| {
        let app = &app;
        async move {
            let r = app.send(app.request(Method::GET, "/v1/reports", coord).query(&parse_query(&query))).await;
            r.expect(200, "");
            assert!(r.json.get("next").is_none(), "a short list has no next page");
            ids(r.json["reports"].as_array().unwrap())
        }
    };
    assert_eq!(list(String::new()).await, (0..5).map(id).collect::<Vec<_>>());
    assert_eq!(list("status=triaged".into()).await, [id(2)]);
    assert_eq!(list("status=received".into()).await, [id(0), id(1), id(3), id(4)]);
    assert_eq!(list("package=npm/@scope/name".into()).await, [id(0), id(2)]);
    assert_eq!(list("package=cargo/foo".into()).await, [id(1), id(4)]);
    assert_eq!(list("package=npm/name".into()).await, Vec::<String>::new());
    assert_eq!(list("org=alpha".into()).await, [id(0), id(1), id(4)]);
    assert_eq!(list("org=beta&status=triaged".into()).await, [id(2)]);
    assert_eq!(list("org=nobody".into()).await, Vec::<String>::new());
    assert_eq!(list(format!("since={}", at(2))).await, [id(2), id(3), id(4)], "since is inclusive");
    assert_eq!(list(format!("until={}", at(2))).await, [id(0), id(1)], "until is exclusive");
    assert_eq!(list(format!("since={}&until={}", at(1), at(3))).await, [id(1), id(2)]);

    // Cursor pagination: limit=2 walks every page, without duplicates or gaps.
    let mut walked = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit".to_string(), "2".to_string())];
        if let Some(c) = &cursor {
            q.push(("cursor".into(), c.clone()));
        }
        let r = app.send(app.request(Method::GET, "/v1/reports", coord).query(&q)).await;
        r.expect(200, "");
        let page = ids(r.json["reports"].as_array().unwrap());
        assert!(page.len() <= 2);
        walked.extend(page);
        pages += 1;
        assert!(pages <= 5, "pagination does not end");
        match r.json["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(walked, (0..5).map(id).collect::<Vec<_>>());
    assert_eq!(walked.iter().collect::<BTreeSet<_>>().len(), 5, "no duplicates");
    assert!(pages >= 3);

    // Without a token only TLP:CLEAR is listed (also page by page).
    let anon = app.list_all(None, "limit=1").await;
    assert_eq!(ids(&anon), [id(0), id(2), id(4)]);
    assert!(anon.iter().all(|r| r["tlp"] == "CLEAR"));
    // beta's member sees CLEAR, GREEN and its own, not alpha's AMBER.
    assert_eq!(ids(&app.list_all(Some(&beta.token), "").await), [id(0), id(2), id(3), id(4)]);

    for (query, pointer) in [
        ("limit=0", Some("/limit")),
        ("limit=501", Some("/limit")),
        ("cursor=abc", Some("/cursor")),
        ("since=yesterday", Some("/since")),
        ("until=2026-13-01", Some("/until")),
        ("status=bogus", None),
        ("colour=red", None),
    ] {
        let r = app.get(&format!("/v1/reports?{query}"), coord).await;
        r.expect(400, "invalid_parameter");
        assert_eq!(r.pointer(), pointer, "{query}: {}", r.describe());
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap()).collect()
}

async fn validate_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alice = app.create_member(&app.create_org("finders").await.name, "member").await;
    let (good, _) = report_doc_with_file("Checked only", "RED", "poc.bin", b"\x00\x01payload");
    let r = app.post("/v1/reports/validate", Some(&alice.token), &good).await;
    r.expect(200, "");
    assert_eq!(r.json, json!({"valid": true, "diagnostics": []}));

    let bad = json!({
        "title": "",
        "description": "x",
        "affected": [{"purl": "pkg:cargo/ok"}, {"purl": "nope"}],
        "weaknesses": ["XSS"],
        "cvss_vector": "CVSS:3.1/AV:Q",
        "finder": {"kind": "human", "name": " "}
    });
    let r = app.post("/v1/reports/validate", Some(&alice.token), &bad).await;
    r.expect_at(422, "invalid_document", "/title");
    let diags: BTreeSet<(String, String)> = r.diagnostics().into_iter().collect();
    let expected: BTreeSet<(String, String)> = [
        ("required", "/title"),
        ("invalid_purl", "/affected/1/purl"),
        ("invalid_cwe", "/weaknesses/0"),
        ("invalid_cvss", "/cvss_vector"),
        ("invalid_finder", "/finder/name"),
    ]
    .into_iter()
    .map(|(c, p)| (c.to_string(), p.to_string()))
    .collect();
    assert_eq!(diags, expected, "every problem is listed: {}", r.describe());
    assert_eq!(r.diagnostics().len(), 5);

    app.post_raw("/v1/reports/validate", Some(&alice.token), "{").await.expect(400, "malformed_json");
    app.post("/v1/reports/validate", None, &good).await.expect(401, "unauthorized");

    assert!(app.list_all(Some(&app.admin_token), "").await.is_empty(), "validation stores no report");
    assert_eq!(count_action(&app.audit_events().await, "report.submitted"), 0);
    assert!(app.blob_files().is_empty(), "validation stores no file");
}

async fn health_metrics_request_ids_and_docs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.get("/healthz", None).await;
    r.expect(200, "");
    assert_eq!(r.text(), "ok\n");
    let r = app.get("/readyz", None).await;
    r.expect(200, "");
    assert_eq!(r.text(), "ready\n");

    app.get("/v1/orgs", Some(&app.admin_token)).await.expect(200, "");
    let r = app.get("/metrics", None).await;
    r.expect(200, "");
    let text = r.text();
    assert!(text.contains("http_requests_total"), "metrics name the request counter:\n{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("http_requests_total{") && l.contains("route=\"/v1/orgs\"") && l.contains("method=\"GET\"") && l.contains("status=\"200\"")),
        "the counter is labelled by route, method and status:\n{text}"
    );
    assert!(text.contains("db_pool_connections"), "pool gauges are exported");

    // Request ids: every response has one (checked in `send` for every call of the suite); they are
    // fresh per request, and a caller's own id is kept.
    let a = app.get("/healthz", None).await;
    let b = app.get("/v1/reports", None).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    let mine = app.send(app.request(Method::GET, "/v1/orgs", None).header("x-request-id", "trace-me-42")).await;
    mine.expect(401, "unauthorized");
    assert_eq!(mine.header("x-request-id"), Some("trace-me-42"));

    let r = app.get("/docs/", None).await;
    r.expect(200, "");
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")), "docs are HTML: {:?}", r.header("content-type"));
    assert!(r.text().to_lowercase().contains("swagger"), "the viewer is served");
    let r = app.get("/openapi.json", None).await;
    r.expect(200, "");
    assert_eq!(r.json["info"]["title"], "Clearinghouse API");
}

async fn events_and_audit_follow_the_policy(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.create_org("finders").await;
    let submitter = app.create_member(&org.name, "member").await;
    let coordinator = app.create_coordinator().await;
    let coord = Some(coordinator.token.as_str());
    let amber = app.submit_id(&submitter.token, &report_doc("Amber", "AMBER")).await;
    let red = app.submit_id(&submitter.token, &report_doc("Red", "RED")).await;
    let clear = app.submit_id(&submitter.token, &report_doc("Clear", "CLEAR")).await;
    let subject = |id: &str| format!("report:{id}");

    let feed = |token: Option<String>, query: &'static str| {
        let app = &app;
        async move {
            let r = app.get(&format!("/v1/events{query}"), token.as_deref()).await;
            r.expect(200, "");
            r.json
        }
    };
    let page = feed(coord.map(String::from), "").await;
    let events = page["events"].as_array().unwrap().clone();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events come in increasing seq: {seqs:?}");
    let submitted: Vec<&str> = events.iter().filter(|e| e["topic"] == "report.submitted").map(|e| e["subject"].as_str().unwrap()).collect();
    assert_eq!(submitted, [subject(&amber), subject(&clear)], "the RED report the coordinator is not named on is not in the feed");
    assert!(events.iter().all(|e| !e.to_string().contains(&red)), "nothing in the feed mentions the RED report");
    assert_eq!(page["next"].as_i64(), seqs.last().copied(), "next is the last event's seq");

    // Paging with `after` gives the same events.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let r = app.get(&format!("/v1/events?after={after}&limit=2"), coord).await;
        r.expect(200, "");
        let next = r.json["next"].as_i64().unwrap();
        paged.extend(r.json["events"].as_array().unwrap().iter().cloned());
        if next == after {
            break;
        }
        after = next;
    }
    assert_eq!(paged, events);

    let audit = app.get("/v1/audit?limit=1000", coord).await;
    audit.expect(200, "");
    let audit = audit.json["events"].as_array().unwrap().clone();
    let audit_seqs: Vec<i64> = audit.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(audit_seqs, (1..=audit.len() as i64).collect::<Vec<_>>(), "the audit log has every event, without gaps");
    let submitted: Vec<&Value> = audit.iter().filter(|e| e["action"] == "report.submitted").collect();
    assert_eq!(submitted.len(), 3);
    assert_eq!((submitted[0]["subject"].as_str(), submitted[0].get("redacted")), (Some(subject(&amber).as_str()), None));
    assert_eq!(submitted[1]["redacted"], true, "the RED report's event is redacted: {}", submitted[1]);
    assert_eq!(submitted[1]["subject"], "redacted");
    assert_eq!(submitted[1]["details"], json!({}));
    assert!(submitted[1]["hash"].is_string(), "the chain's hashes stay");
    assert_eq!((submitted[2]["subject"].as_str(), submitted[2].get("redacted")), (Some(subject(&clear).as_str()), None));
    assert!(audit.iter().all(|e| !e.to_string().contains(&red)), "nothing in the audit log names the RED report");

    // Coordinators only.
    app.get("/v1/events", Some(&submitter.token)).await.expect(403, "forbidden");
    app.get("/v1/audit", Some(&submitter.token)).await.expect(403, "forbidden");
    app.get("/v1/events", None).await.expect(401, "unauthorized");
    app.get("/v1/audit", None).await.expect(401, "unauthorized");
    // Query errors answer with the envelope too.
    app.get("/v1/events?limit=0", coord).await.expect_at(400, "invalid_parameter", "/limit");
    app.get("/v1/audit?limit=1001", coord).await.expect_at(400, "invalid_parameter", "/limit");
    app.get("/v1/events?after=abc", coord).await.expect(400, "invalid_parameter");
    app.get("/v1/audit?colour=red", coord).await.expect(400, "invalid_parameter");
    // ... but only for those allowed to ask.
    app.get("/v1/events?after=abc", None).await.expect(401, "unauthorized");

    // Once named on the RED report, the coordinator sees its events.
    app.post(&format!("/v1/reports/{red}/shares"), Some(&submitter.token), &json!({"principals": [coordinator.principal_id]})).await.expect(200, "");
    let events = feed(coord.map(String::from), "?limit=1000").await["events"].as_array().unwrap().clone();
    let about_red: Vec<&str> = events.iter().filter(|e| e["subject"] == subject(&red).as_str()).map(|e| e["topic"].as_str().unwrap()).collect();
    assert_eq!(about_red, ["report.submitted", "report.shared"]);
    let audit = app.get("/v1/audit?limit=1000", coord).await.json["events"].as_array().unwrap().clone();
    assert!(audit.iter().all(|e| e.get("redacted").is_none()), "nothing is redacted for a coordinator named on every report");
    // The bootstrap admin, a coordinator not named, still sees it redacted.
    let admin_view = app.audit_events().await;
    assert_eq!(admin_view.iter().filter(|e| e["redacted"] == true).count(), 2, "submitted and shared events of the RED report");
}

async fn undecodable_paths_and_queries_answer_with_the_envelope(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alice = app.create_member(&app.create_org("finders").await.name, "member").await;
    let id = app.submit_id(&alice.token, &report_doc("Real", "CLEAR")).await;
    let admin = Some(app.admin_token.as_str());
    // A path segment that is not UTF-8 names no record: 404, as an id that matches nothing.
    app.get("/v1/reports/%FF", None).await.expect(404, "not_found");
    app.get("/v1/reports/%FF", admin).await.expect(404, "not_found");
    app.get(&format!("/v1/reports/{id}/files/%FF"), admin).await.expect(404, "not_found");
    let transition = json!({"to": "triaged", "reason": "x"});
    // Endpoints that need a token still say so first.
    app.post("/v1/reports/%FF/transitions", None, &transition).await.expect(401, "unauthorized");
    app.post("/v1/reports/%FF/transitions", admin, &transition).await.expect(404, "not_found");
    app.put("/v1/reports/%FF/tlp", admin, &json!({"tlp": "RED"})).await.expect(404, "not_found");
    app.post("/v1/reports/%FF/shares", admin, &json!({"orgs": []})).await.expect(404, "not_found");
    app.delete("/v1/tokens/%FF", None).await.expect(401, "unauthorized");
    app.delete("/v1/tokens/%FF", admin).await.expect(404, "not_found");
    app.delete("/v1/tokens/not-a-uuid", admin).await.expect(404, "not_found");
    // Query strings that do not fit their parameters.
    app.get("/v1/tokens?org=finders&org=other", admin).await.expect(400, "invalid_parameter");
    app.get("/v1/tokens?org=nobody", admin).await.expect(404, "not_found");
    app.get("/v1/reports?limit=-1", admin).await.expect(400, "invalid_parameter");
    // Without a token, a route that needs one says so before looking at the body.
    app.post_raw("/v1/reports", None, "{not json").await.expect(401, "unauthorized");
    app.post_raw("/v1/orgs", None, "{not json").await.expect(401, "unauthorized");
    // Unknown endpoints and methods answer with the envelope too.
    app.get("/v1/nothing-here", admin).await.expect(404, "no_route");
    app.delete("/v1/orgs", admin).await.expect(405, "method_not_allowed");
    // The report itself is untouched by all that.
    let r = app.get(&format!("/v1/reports/{id}"), None).await;
    r.expect(200, "");
    assert_eq!((r.json["status"].as_str(), r.json["tlp"].as_str()), (Some("received"), Some("CLEAR")));
}

async fn orgs_and_tokens(backend: Backend) {
    let app =
        TestApp::builder().backend(backend).default_org_limits(clearinghouse_store::OrgLimits { reports_per_minute: 7, reports_per_day: 70 }).build().await;
    let admin = Some(app.admin_token.as_str());

    // Organisations: checked, unique, limits from the server's defaults unless given.
    let r = app.post("/v1/orgs", admin, &json!({"name": "acme", "kind": "vendor"})).await;
    r.expect(201, "");
    assert_eq!(r.json["limits"], json!({"reports_per_minute": 7, "reports_per_day": 70}));
    app.post("/v1/orgs", admin, &json!({"name": "acme", "kind": "researcher"})).await.expect(409, "conflict");
    app.post("/v1/orgs", admin, &json!({"name": "Bad Name", "kind": "vendor"})).await.expect_at(422, "invalid_document", "/name");
    app.post("/v1/orgs", admin, &json!({"name": "grid", "kind": "operator"})).await.expect_at(422, "invalid_document", "/sectors");
    app.post("/v1/orgs", admin, &json!({"name": "zero", "kind": "vendor", "limits": {"reports_per_minute": 0, "reports_per_day": 1}})).await.expect_at(
        422,
        "invalid_document",
        "/limits",
    );
    app.post("/v1/orgs", admin, &json!({"name": "x", "kind": "pirate"})).await.expect_at(400, "invalid_field", "/kind");
    let r = app
        .post(
            "/v1/orgs",
            admin,
            &json!({"name": "grid", "kind": "operator", "sectors": ["energy"], "limits": {"reports_per_minute": 3, "reports_per_day": 30}}),
        )
        .await;
    r.expect(201, "");
    assert_eq!(r.json["limits"], json!({"reports_per_minute": 3, "reports_per_day": 30}));

    // Tokens: an organisation's admin creates its members' tokens, nothing more.
    let acme_admin = app.create_member("acme", "admin").await;
    let acme = Some(acme_admin.token.as_str());
    let member = app.create_principal_as(&acme_admin.token, json!({"org": "acme", "role": "member", "name": "carol", "expires_in_days": 30})).await;
    app.post("/v1/tokens", acme, &json!({"org": "grid", "role": "member"})).await.expect(403, "forbidden");
    app.post("/v1/tokens", acme, &json!({"org": "acme", "role": "member", "coordinator": true})).await.expect_at(403, "forbidden", "/coordinator");
    app.post("/v1/tokens", acme, &json!({"org": "nobody", "role": "member"})).await.expect_at(404, "not_found", "/org");
    app.post("/v1/tokens", acme, &json!({"org": "acme", "role": "member", "expires_in_days": 0})).await.expect_at(422, "invalid_document", "/expires_in_days");
    app.post("/v1/tokens", acme, &json!({"org": "acme", "role": "member", "expires_in_days": 3651})).await.expect_at(
        422,
        "invalid_document",
        "/expires_in_days",
    );
    app.post("/v1/tokens", acme, &json!({"org": "acme", "role": "member", "name": ""})).await.expect_at(422, "invalid_document", "/name");
    app.post("/v1/tokens", acme, &json!({"org": "acme", "role": "owner"})).await.expect_at(400, "invalid_field", "/role");

    // Listing: never the token values; an admin sees its organisation's, not others'.
    let r = app.get("/v1/tokens", acme).await;
    r.expect(200, "");
    let listed = r.json["tokens"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "acme's admin and carol: {}", r.describe());
    assert!(listed.iter().all(|t| t.get("token").is_none() && common::uuid(&t["org_id"]) == acme_admin.org_id));
    let carol = listed.iter().find(|t| t["principal_name"] == "carol").expect("carol is listed");
    assert!(carol["expires_at"].is_string(), "an expiry was asked for");
    assert!(!r.text().contains(&member.token), "the token value is never listed");
    app.get("/v1/tokens?org=grid", acme).await.expect(403, "forbidden");
    app.get("/v1/tokens", Some(&member.token)).await.expect(403, "forbidden");
    let all = app.get("/v1/tokens", admin).await;
    assert!(all.json["tokens"].as_array().unwrap().len() >= 3, "coordinators list every token");

    // Organisation limits are shown to coordinators and the organisation's own principals only.
    let orgs = app.get("/v1/orgs", Some(&member.token)).await;
    orgs.expect(200, "");
    for o in orgs.json["orgs"].as_array().unwrap() {
        assert_eq!(o.get("limits").is_some(), o["name"] == "acme", "limits of {} shown to an acme member", o["name"]);
    }
    let orgs = app.get("/v1/orgs", admin).await;
    assert!(orgs.json["orgs"].as_array().unwrap().iter().all(|o| o.get("limits").is_some()));

    // A principal may revoke its own token; a member may not revoke a colleague's.
    app.delete(&format!("/v1/tokens/{}", acme_admin.token_id), Some(&member.token)).await.expect(404, "not_found");
    let r = app.delete(&format!("/v1/tokens/{}", member.token_id), Some(&member.token)).await;
    r.expect(200, "");
    assert!(r.json["revoked_at"].is_string());
    app.get("/v1/orgs", Some(&member.token)).await.expect(401, "unauthorized");
    app.get("/v1/orgs", acme).await.expect(200, "");
    app.delete(&format!("/v1/tokens/{}", uuid::Uuid::now_v7()), admin).await.expect(404, "not_found");
    let audit = app.audit_events().await;
    assert_eq!(count_action(&audit, "token.revoked"), 1);
    assert_eq!(count_action(&audit, "org.created"), 3, "the platform organisation and the two made here");
}
