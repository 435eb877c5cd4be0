//! The vulnerability model through HTTP, on each backend: source documents imported by
//! coordinators join one vulnerability through their aliases, the list is ordered by priority,
//! the merged view shows conflicts, and a vulnerability known only from CVE 5 answers as OSV.

mod common;

use common::{Backend, TestApp, report_doc_with_file};
use serde_json::{Value, json};

on_each_backend!(sources_merge_and_prioritise);

fn cve(id: &str, score: f64, vector: &str, ssvc: Option<Value>) -> Value {
    let mut record = json!({"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {"cveId": id, "state": "PUBLISHED", "datePublished": "2026-02-01T00:00:00Z"},
        "containers": {"cna": {"providerMetadata": {"orgId": "00000000-0000-4000-8000-000000000001", "shortName": "acme"},
            "title": format!("{id} in widget"),
            "descriptions": [{"lang": "en", "value": "a bug"}],
            "problemTypes": [{"descriptions": [{"lang": "en", "cweId": "CWE-79", "description": "CWE-79 XSS", "type": "CWE"}]}],
            "metrics": [{"cvssV3_1": {"version": "3.1", "vectorString": vector, "baseScore": score}}],
            "affected": [{"collectionURL": "https://pypi.org", "packageName": "widget",
                          "versions": [{"version": "0", "lessThan": "2.0", "status": "affected", "versionType": "python"}]}],
            "references": [{"url": "https://example.com/a"}]}}});
    if let Some(options) = ssvc {
        record["containers"]["adp"] = json!([{"providerMetadata": {"orgId": "134c704f-9b21-4f2e-91b3-4a467353bcc0", "shortName": "CISA-ADP"},
            "metrics": [{"other": {"type": "ssvc", "content": {"options": options, "version": "2.0.3"}}}]}]);
    }
    record
}

async fn sources_merge_and_prioritise(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token.clone();
    let import = |format: &'static str, doc: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app.post(&format!("/v1/sources?format={format}"), Some(&admin), &doc).await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.describe());
            r.json
        }
    };
    // A GHSA record first, then the CVE that it aliases: one vulnerability under the CVE id from the
    // start (the GHSA names it), whichever arrives first.
    let ghsa = json!({"id": "GHSA-wwww-xxxx-yyyy", "modified": "2026-02-02T00:00:00Z", "published": "2026-01-20T00:00:00Z", "aliases": ["CVE-2026-1111"],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "widget"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]});
    assert_eq!(import("osv", ghsa).await["vulnerabilities_changed"], 1);
    assert_eq!(app.get("/v1/vulns/GHSA-wwww-xxxx-yyyy/merged", None).await.json["vulnerability"]["id"], "CVE-2026-1111");
    let out = import("cve5", cve("CVE-2026-1111", 9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", None)).await;
    assert_eq!(
        (out["inserted"].as_u64(), out["vulnerabilities_changed"].as_u64(), out["vulnerabilities_removed"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{out}"
    );
    // A second vulnerability with CISA's SSVC options: active, automatable, total → Act.
    let options = json!([{"Exploitation": "active"}, {"Automatable": "yes"}, {"Technical Impact": "total"}]);
    import("cve5", cve("CVE-2026-2222", 5.0, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", Some(options))).await;
    // KEV lists a third.
    let kev = json!({"title": "KEV", "catalogVersion": "2026.02.03", "count": 1, "vulnerabilities": [{"cveID": "CVE-2026-3333", "vendorProject": "Acme",
        "product": "Gadget", "vulnerabilityName": "Acme Gadget RCE", "dateAdded": "2026-02-03", "shortDescription": "rce", "requiredAction": "patch",
        "dueDate": "2026-02-24", "knownRansomwareCampaignUse": "Known", "notes": "https://example.com/kev", "cwes": []}]});
    assert_eq!(import("kev", kev).await["inserted"], 1);

    // Anonymous callers list them, most urgent first: the SSVC decision, then KEV, then CVSS.
    let list = app.get("/v1/vulns", None).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.describe());
    let ids: Vec<&str> = list.json["vulns"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2026-2222", "CVE-2026-3333", "CVE-2026-1111"], "{}", list.json);
    assert_eq!(list.json["vulns"][0]["ssvc"], "Act");
    assert_eq!(list.json["vulns"][1]["kev"], true);
    assert_eq!(list.json["vulns"][2]["ids"], json!(["CVE-2026-1111", "GHSA-wwww-xxxx-yyyy"]));
    let one = app.get("/v1/vulns?limit=1&offset=1", None).await;
    assert_eq!((one.json["vulns"][0]["id"].as_str(), one.json["next_offset"].as_u64()), (Some("CVE-2026-3333"), Some(2)));
    assert_eq!(app.get("/v1/vulns?order=sideways", None).await.status.as_u16(), 400);
    assert_eq!(app.get("/v1/vulns?limit=0", None).await.status.as_u16(), 400);

    // The merged view, by any id: the CNA's score wins and the GHSA's other vector is a conflict.
    let merged = app.get("/v1/vulns/GHSA-wwww-xxxx-yyyy/merged", None).await;
    assert_eq!(merged.status.as_u16(), 200, "{}", merged.describe());
    let v = &merged.json["vulnerability"];
    assert_eq!(v["id"], "CVE-2026-1111");
    assert_eq!(v["records"].as_array().map(Vec::len), Some(2));
    assert!(v["conflicts"].as_array().unwrap().iter().any(|c| c["field"] == "cvss_v3"), "{v}");
    assert_eq!(merged.json["priority"]["cvss"], 9.8);
    assert_eq!(app.get("/v1/vulns/CVE-2099-0001/merged", None).await.status.as_u16(), 404);

    // As OSV: the export, and GET /v1/vulns/{id} for a vulnerability no OSV record names.
    let osv = app.get("/v1/vulns/CVE-2026-1111/export/osv", None).await;
    assert_eq!(osv.json["aliases"], json!(["GHSA-wwww-xxxx-yyyy"]));
    assert_eq!(osv.json["affected"][0]["package"], json!({"ecosystem": "PyPI", "name": "widget"}));
    assert_eq!(app.get("/v1/vulns/CVE-2026-1111/export/pdf", None).await.status.as_u16(), 400);
    // As CSAF (valid by the schema and every mandatory test) and as a CVE 5 CNA container.
    let csaf = app.get("/v1/vulns/CVE-2026-1111/export/csaf", None).await;
    assert_eq!(csaf.status.as_u16(), 200, "{}", csaf.describe());
    let report = clearinghouse_csaf::validate(&csaf.bytes).unwrap();
    assert!(report.is_valid(), "{:?}", report.failures);
    assert_eq!(csaf.json["vulnerabilities"][0]["cve"], "CVE-2026-1111");
    let cna = app.get("/v1/vulns/CVE-2026-1111/export/cve5", None).await;
    assert_eq!(cna.json["affected"][0]["packageName"], "widget", "{}", cna.json);
    let back = clearinghouse_advisory::cve5::read(&cna.bytes, Some("CVE-2026-1111")).unwrap();
    assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
    let plain = app.get("/v1/vulns/CVE-2026-2222", None).await;
    assert_eq!((plain.status.as_u16(), plain.json["id"].as_str()), (200, Some("CVE-2026-2222")), "{}", plain.describe());

    // A vendor's SSVC decision: CVE-2026-2222's inputs (active, automatable, total) with the vendor's
    // Value Density and Safety Impact; without them, the answer names what is missing.
    let open = app.get("/v1/vulns/CVE-2026-2222/ssvc/supplier", None).await;
    assert_eq!(open.status.as_u16(), 200, "{}", open.describe());
    assert_eq!(open.json["missing"], json!(["VD", "SI"]), "{}", open.json);
    assert_eq!(open.json["from_vulnerability"], json!({"A": "Y", "E": "A", "TI": "T"}));
    let decided = app.get("/v1/vulns/CVE-2026-2222/ssvc/supplier?VD=concentrated&SI=critical", None).await;
    assert_eq!(decided.json["decision"]["table"]["key"], "DT_SP", "{}", decided.json);
    assert_eq!(decided.json["decision"]["outcome"]["name"], "Immediate");
    let deployer = app.get("/v1/vulns/CVE-2026-2222/ssvc/deployer?EXP=small&SI=negligible&MI=degraded", None).await;
    assert!(deployer.json["decision"]["outcome"]["name"].is_string(), "{}", deployer.json);
    let bad = app.get("/v1/vulns/CVE-2026-2222/ssvc/supplier?VD=huge&EXP=open", None).await;
    assert_eq!((bad.status.as_u16(), bad.json["error"]["diagnostics"].as_array().map(Vec::len)), (422, Some(2)), "{}", bad.describe());
    assert_eq!(app.get("/v1/vulns/CVE-2026-2222/ssvc/vendor", None).await.status.as_u16(), 404);
    assert_eq!(app.get("/v1/vulns/CVE-2099-0001/ssvc/supplier", None).await.status.as_u16(), 404);

    // The clearinghouse's own evidence: a validated, public proof of concept makes Exploitation
    // "public PoC" for CVE-2026-1111 (nothing said otherwise: None), and only such a report counts.
    let finder = app.create_member(&app.create_org("finders").await.name, "member").await;
    let (doc, _) = report_doc_with_file("widget PoC", "CLEAR", "poc.py", b"print('boom')");
    let public = app.submit_id(&finder.token, &doc).await;
    let (doc, _) = report_doc_with_file("widget PoC, private", "AMBER", "poc.py", b"print('boom')");
    let private = app.submit_id(&finder.token, &doc).await;
    let evidence = |report: &str| json!({"report": report});
    let refused = app.post("/v1/vulns/CVE-2026-1111/evidence", Some(&admin), &evidence(&public)).await;
    assert_eq!(refused.status.as_u16(), 422, "not validated yet: {}", refused.describe());
    assert!(refused.json["error"]["message"].as_str().unwrap().contains("not validated"), "{}", refused.describe());
    for report in [&public, &private] {
        for to in ["triaged", "validated"] {
            let t = app.post(&format!("/v1/reports/{report}/transitions"), Some(&admin), &json!({"to": to, "reason": "reproduced"})).await;
            assert_eq!(t.status.as_u16(), 200, "{}", t.describe());
        }
    }
    let amber = app.post("/v1/vulns/CVE-2026-1111/evidence", Some(&admin), &evidence(&private)).await;
    assert!(amber.json["error"]["message"].as_str().unwrap_or("").contains("not public"), "{}", amber.describe());
    assert_eq!(app.post("/v1/vulns/CVE-2026-1111/evidence", Some(&finder.token), &evidence(&public)).await.status.as_u16(), 403);
    assert_eq!(app.post("/v1/vulns/CVE-2099-0001/evidence", Some(&admin), &evidence(&public)).await.status.as_u16(), 404);
    assert_eq!(app.post("/v1/vulns/CVE-2026-1111/evidence", Some(&admin), &evidence("CLH-1999-99999")).await.status.as_u16(), 422);
    assert_eq!(app.get("/v1/vulns/CVE-2026-1111/merged", None).await.json["priority"]["inputs"]["E"], "N");
    let added = app.post("/v1/vulns/GHSA-wwww-xxxx-yyyy/evidence", Some(&admin), &evidence(&public)).await;
    assert_eq!(added.status.as_u16(), 200, "{}", added.describe());
    assert_eq!(added.json["priority"]["inputs"]["E"], "P", "{}", added.json);
    assert_eq!(app.get("/v1/vulns/CVE-2026-1111/merged", None).await.json["priority"]["inputs"]["E"], "P");

    // Bad documents: 422 with the problem; unknown formats 400; nothing written.
    let bad = app.post_raw("/v1/sources?format=cve5", Some(&admin), "[1, 2]").await;
    assert_eq!((bad.status.as_u16(), bad.json["error"]["code"].as_str()), (422, Some("invalid_document")), "{}", bad.describe());
    assert_eq!(app.post("/v1/sources?format=stix", Some(&admin), &json!({})).await.status.as_u16(), 400);
    let count = app.get("/v1/vulns", None).await.json["vulns"].as_array().map(Vec::len);
    assert_eq!(count, Some(3));
}
