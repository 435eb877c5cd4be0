//! The OpenAPI document: snapshot of the whole document, and checks that it and the router agree.
//!
//! After an intended API change, review and accept the new snapshot with `cargo insta review` (or run
//! the test with `INSTA_UPDATE=always` and read the diff of `tests/snapshots/openapi__openapi.snap`).

mod common;

use common::{API_ROUTES, Backend, TestApp};
use serde_json::Value;
use std::collections::BTreeSet;

const ENVELOPE_REF: &str = "#/components/schemas/ErrorEnvelope";
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The document the API router carries, as JSON.
fn document() -> Value {
    serde_json::to_value(clearinghouse_server::openapi::document()).expect("the OpenAPI document serializes")
}

/// Every (METHOD, path) operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn openapi_document_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

#[tokio::test]
async fn served_document_is_the_routers_document() {
    let app = TestApp::start(Backend::Sqlite).await;
    let r = app.get("/openapi.json", None).await;
    r.expect(200, "");
    assert_eq!(r.json, document(), "GET /openapi.json serves the router's document");
}

#[test]
fn every_route_has_an_operation_and_every_operation_documents_its_errors() {
    let doc = document();
    let ops = operations(&doc);
    let documented: BTreeSet<(String, String)> = ops.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let routed: BTreeSet<(String, String)> = API_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, routed, "the document's operations are exactly the router's API routes");
    assert_eq!(ops.len(), documented.len());

    let envelope = &doc["components"]["schemas"]["ErrorEnvelope"];
    assert_eq!(envelope["properties"]["error"]["$ref"], "#/components/schemas/ErrorBody", "the envelope wraps the error body: {envelope}");
    let body = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["code", "message", "pointer", "diagnostics"] {
        assert!(body["properties"].get(field).is_some(), "ErrorBody documents {field}");
    }

    let mut problems = Vec::new();
    for (method, path, op) in &ops {
        let responses = op["responses"].as_object().expect("responses");
        let enveloped_4xx: Vec<&String> = responses
            .iter()
            .filter(|(status, r)| status.starts_with('4') && r["content"]["application/json"]["schema"]["$ref"] == ENVELOPE_REF)
            .map(|(status, _)| status)
            .collect();
        if enveloped_4xx.is_empty() {
            problems.push(format!("{method} {path} documents no 4xx answer with the error envelope"));
        }
        // Every 4xx and 5xx documented at all uses the envelope.
        for (status, r) in responses {
            if (status.starts_with('4') || status.starts_with('5')) && r["content"]["application/json"]["schema"]["$ref"] != ENVELOPE_REF {
                problems.push(format!("{method} {path} documents {status} without the error envelope"));
            }
        }
        if op["tags"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{method} {path} has no tag"));
        }
        // Every endpoint reads the Authorization header and refuses an unknown, expired or revoked
        // token with 401 (even those that also serve anonymous callers), so each documents 401.
        if !responses.contains_key("401") {
            problems.push(format!("{method} {path} documents no 401, which a bad token gets"));
        }
        // A request body can be malformed: 400 with the envelope.
        if op.get("requestBody").is_some() && !responses.contains_key("400") {
            problems.push(format!("{method} {path} takes a body but documents no 400"));
        }
        if op["security"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{method} {path} names no security requirement"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each documented operation is answered by the route of the same template: the metrics middleware,
/// which runs for matched API routes only, counts it under that template.
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::start(Backend::Sqlite).await;
    let doc = document();
    for (method, path, _) in operations(&doc) {
        let concrete = path
            .replace("{sha256}", &"0".repeat(64))
            .replace("{id}", if path.starts_with("/v1/tokens") { "00000000-0000-0000-0000-000000000000" } else { "CLH-2026-00001" });
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = app.request(m, &concrete, Some(&app.admin_token));
        if method == "POST" || method == "PUT" {
            rb = rb.json(&serde_json::json!({}));
        }
        let r = app.send(rb).await;
        assert_ne!(r.status.as_u16(), 405, "{method} {path} is routed");
    }
    let metrics = app.get("/metrics", None).await.text();
    for (method, path, _) in operations(&doc) {
        let found = metrics
            .lines()
            .any(|l| l.starts_with("http_requests_total{") && l.contains(&format!("route=\"{path}\"")) && l.contains(&format!("method=\"{method}\"")));
        assert!(found, "{method} {path} reached a route with that template:\n{metrics}");
    }
    // An unknown path matches no API route, so the check above can tell.
    let r = app.client.get(app.url("/v1/nowhere")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let metrics = app.get("/metrics", None).await.text();
    assert!(!metrics.contains("/v1/nowhere"));
}

/// Routes registered with plain axum `.route(...)` would be missing from the document. The only such
/// routes are the infrastructure ones (health, readiness, metrics), which are deliberately not part
/// of the API; everything else goes through `utoipa_axum`'s `routes!`.
#[test]
fn no_route_bypasses_the_openapi_router() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut plain = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (n, line) in text.lines().enumerate() {
                    // `.fallback(` is allowed: the app's only fallbacks answer unknown paths and methods with the envelope.
                    if line.contains(".route(") || line.contains(".nest(") {
                        plain.push(format!("{}:{}: {}", p.strip_prefix(&src).unwrap().display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let unexpected: Vec<&String> = plain.iter().filter(|l| !l.starts_with("routes/health.rs:")).collect();
    assert!(unexpected.is_empty(), "routes registered outside the OpenAPI router:\n{unexpected:#?}");
    let health = plain.iter().find(|l| l.starts_with("routes/health.rs:")).expect("health routes");
    for route in ["/healthz", "/readyz", "/metrics"] {
        assert!(health.contains(route), "{route} is among the infrastructure routes: {health}");
    }
    let doc = document();
    for route in ["/healthz", "/readyz", "/metrics"] {
        assert!(doc["paths"].get(route).is_none(), "{route} is infrastructure, not API");
    }
}

#[test]
fn every_response_has_a_description() {
    let doc = document();
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                if resp["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "responses without a description: {missing:?}");
}
