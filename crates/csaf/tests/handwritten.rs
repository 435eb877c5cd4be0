//! Hand-written documents for the mandatory tests the official test documents in our data do not
//! cover (6.1.21 to 6.1.33 with 6.1.27.1 to 6.1.27.11), built from the specification's examples:
//! for each test at least one document that must fail it and one that must pass. A passing
//! document must be entirely valid (schema and every test), so that the cases cannot pass by
//! accident. A few further cases pin choices made for earlier tests.

use clearinghouse_csaf::{Report, validate_value};
use serde_json::{Value, json};

/// A valid CSAF Base document with integer versioning, version 1.
fn base() -> Value {
    json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "publisher": { "category": "other", "name": "OASIS CSAF TC", "namespace": "https://csaf.io" },
            "title": "Hand-written test document",
            "tracking": {
                "current_release_date": "2021-07-21T10:00:00.000Z",
                "id": "CLEARINGHOUSE-TEST-1",
                "initial_release_date": "2021-07-21T10:00:00.000Z",
                "revision_history": [
                    { "date": "2021-07-21T10:00:00.000Z", "number": "1", "summary": "Initial version." }
                ],
                "status": "final",
                "version": "1"
            }
        }
    })
}

/// Three products (`CSAFPID-9080700` to `-02`) and, when asked, the group `CSAFGID-0001` of the first two.
fn product_tree(group: bool) -> Value {
    let mut tree = json!({
        "full_product_names": [
            { "product_id": "CSAFPID-9080700", "name": "Product A" },
            { "product_id": "CSAFPID-9080701", "name": "Product B" },
            { "product_id": "CSAFPID-9080702", "name": "Product C" }
        ]
    });
    if group {
        tree["product_groups"] = json!([{ "group_id": "CSAFGID-0001", "product_ids": ["CSAFPID-9080700", "CSAFPID-9080701"] }]);
    }
    tree
}

fn with(mut doc: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut doc);
    doc
}

fn history(doc: &mut Value, items: &[(&str, &str)], version: &str) {
    doc["document"]["tracking"]["revision_history"] =
        items.iter().map(|(date, number)| json!({ "date": date, "number": number, "summary": "A revision." })).collect::<Vec<_>>().into();
    doc["document"]["tracking"]["version"] = json!(version);
    let last = items.iter().map(|(d, _)| *d).max().unwrap_or("2021-07-21T10:00:00.000Z");
    let first = items.iter().map(|(d, _)| *d).min().unwrap_or("2021-07-21T10:00:00.000Z");
    doc["document"]["tracking"]["current_release_date"] = json!(last);
    doc["document"]["tracking"]["initial_release_date"] = json!(first);
}

/// A valid security advisory: product tree, one vulnerability with notes and product status.
fn security_advisory() -> Value {
    with(base(), |d| {
        d["document"]["category"] = json!("csaf_security_advisory");
        d["product_tree"] = product_tree(true);
        d["vulnerabilities"] = json!([{
            "cve": "CVE-2021-44228",
            "notes": [{ "category": "description", "text": "A vulnerability.", "title": "Description" }],
            "product_status": { "known_affected": ["CSAFPID-9080700"], "fixed": ["CSAFPID-9080701"] },
            "remediations": [{ "category": "vendor_fix", "details": "Update.", "product_ids": ["CSAFPID-9080700"] }]
        }]);
    })
}

/// A valid VEX document: every known_not_affected product has an impact statement, every
/// known_affected one an action statement.
fn vex() -> Value {
    with(base(), |d| {
        d["document"]["category"] = json!("csaf_vex");
        d["product_tree"] = product_tree(true);
        d["vulnerabilities"] = json!([{
            "cve": "CVE-2021-44228",
            "notes": [{ "category": "description", "text": "A vulnerability.", "title": "Description" }],
            "product_status": {
                "known_not_affected": ["CSAFPID-9080700", "CSAFPID-9080701"],
                "known_affected": ["CSAFPID-9080702"]
            },
            "threats": [{ "category": "impact", "details": "The vulnerable code is not present.", "group_ids": ["CSAFGID-0001"] }],
            "remediations": [{ "category": "vendor_fix", "details": "Update.", "product_ids": ["CSAFPID-9080702"] }]
        }]);
    })
}

/// A valid informational advisory: a summary note and an external reference, no vulnerabilities.
fn informational() -> Value {
    with(base(), |d| {
        d["document"]["category"] = json!("csaf_informational_advisory");
        d["document"]["notes"] = json!([{ "category": "summary", "text": "Some information.", "title": "Summary" }]);
        d["document"]["references"] = json!([{ "category": "external", "summary": "More.", "url": "https://example.com/more" }]);
    })
}

fn report(doc: &Value) -> Report {
    validate_value(doc)
}

fn must_fail(test: &str, doc: Value) {
    let r = report(&doc);
    assert!(r.failed_tests().contains(test), "expected a failure of {test}, got {:#?}\ndocument: {doc:#}", r.failures);
    for f in r.failures_of(test) {
        assert!(f.pointer.is_empty() || f.pointer.starts_with('/'), "{f}");
    }
}

fn must_pass(doc: Value) {
    let r = report(&doc);
    assert!(r.is_valid(), "expected a valid document, got {:#?}\ndocument: {doc:#}", r.failures);
}

#[test]
fn bases_are_valid() {
    must_pass(base());
    must_pass(security_advisory());
    must_pass(vex());
    must_pass(informational());
}

#[test]
fn t_6_1_21_missing_item_in_revision_history() {
    // Example 69: version 2 is missing.
    must_fail("6.1.21", with(base(), |d| history(d, &[("2021-04-22T10:00:00.000Z", "1"), ("2021-07-21T10:00:00.000Z", "3")], "3")));
    // Starts at 2.
    must_fail("6.1.21", with(base(), |d| history(d, &[("2021-04-22T10:00:00.000Z", "2")], "2")));
    // Semantic versioning: only the major version counts.
    must_fail("6.1.21", with(base(), |d| history(d, &[("2021-04-22T10:00:00.000Z", "1.0.0"), ("2021-07-21T10:00:00.000Z", "3.0.0")], "3.0.0")));
    must_pass(with(base(), |d| history(d, &[("2021-04-22T10:00:00.000Z", "1"), ("2021-07-21T10:00:00.000Z", "2")], "2")));
    must_pass(with(base(), |d| {
        history(d, &[("2021-04-22T10:00:00.000Z", "1.0.0"), ("2021-05-21T10:00:00.000Z", "1.1.0"), ("2021-07-21T10:00:00.000Z", "2.0.0")], "2.0.0")
    }));
}

#[test]
fn t_6_1_22_multiple_definition_in_revision_history() {
    // Example 70.
    must_fail("6.1.22", with(base(), |d| history(d, &[("2021-07-20T10:00:00.000Z", "1"), ("2021-07-21T10:00:00.000Z", "1")], "1")));
    must_pass(with(base(), |d| history(d, &[("2021-07-20T10:00:00.000Z", "1"), ("2021-07-21T10:00:00.000Z", "2")], "2")));
}

#[test]
fn t_6_1_23_multiple_use_of_same_cve() {
    // Example 71.
    must_fail("6.1.23", with(base(), |d| d["vulnerabilities"] = json!([{ "cve": "CVE-2017-0145" }, { "cve": "CVE-2017-0145" }])));
    must_pass(with(base(), |d| d["vulnerabilities"] = json!([{ "cve": "CVE-2017-0145" }, { "cve": "CVE-2017-0146" }])));
}

#[test]
fn t_6_1_24_multiple_definition_in_involvements() {
    // Example 72.
    must_fail(
        "6.1.24",
        with(base(), |d| {
            d["vulnerabilities"] = json!([{ "involvements": [
                { "date": "2021-04-23T10:00:00.000Z", "party": "vendor", "status": "completed" },
                { "date": "2021-04-23T10:00:00.000Z", "party": "vendor", "status": "in_progress",
                  "summary": "The vendor has released a mitigation and is working to fully resolve the issue." }
            ]}]);
        }),
    );
    // The same instant written with another offset.
    must_fail(
        "6.1.24",
        with(base(), |d| {
            d["vulnerabilities"] = json!([{ "involvements": [
                { "date": "2021-04-23T10:00:00.000Z", "party": "vendor", "status": "completed" },
                { "date": "2021-04-23T12:00:00+02:00", "party": "vendor", "status": "in_progress" }
            ]}]);
        }),
    );
    must_pass(with(base(), |d| {
        d["vulnerabilities"] = json!([{ "involvements": [
            { "date": "2021-04-23T10:00:00.000Z", "party": "vendor", "status": "in_progress" },
            { "date": "2021-04-24T10:00:00.000Z", "party": "vendor", "status": "completed" },
            { "date": "2021-04-23T10:00:00.000Z", "party": "coordinator", "status": "completed" }
        ]}]);
    }));
}

fn hashes(algorithms: &[&str]) -> Value {
    json!({
        "product_id": "CSAFPID-9080700",
        "name": "Product A",
        "product_identification_helper": { "hashes": [{
            "file_hashes": algorithms.iter().enumerate().map(|(i, a)| json!({
                "algorithm": a,
                "value": format!("026a37919b182ef7c63791e82c9645e2f897a3f0b73c7a6028c7febf62e9383{i}")
            })).collect::<Vec<_>>(),
            "filename": "product_a.so"
        }]}
    })
}

#[test]
fn t_6_1_25_multiple_use_of_same_hash_algorithm() {
    // Example 73.
    must_fail("6.1.25", with(base(), |d| d["product_tree"] = json!({ "full_product_names": [hashes(&["sha256", "sha256"])] })));
    must_fail("6.1.25", with(base(), |d| d["product_tree"] = json!({ "full_product_names": [hashes(&["sha256", "SHA256"])] })));
    // In a branch.
    must_fail(
        "6.1.25",
        with(base(), |d| {
            d["product_tree"] = json!({ "branches": [{ "category": "vendor", "name": "Example", "branches": [
                { "category": "product_name", "name": "A", "product": hashes(&["sha512", "sha256", "sha512"]) }
            ]}]});
        }),
    );
    must_pass(with(base(), |d| d["product_tree"] = json!({ "full_product_names": [hashes(&["sha256", "sha512"])] })));
}

#[test]
fn t_6_1_26_prohibited_document_category_name() {
    // Example 75 and the values of examples 74.
    for category in ["Security_Incident_Response", "Csaf_a", "Informational Advisory", "security-incident-response", "Security      Advisory", "veX", "V_eX"] {
        must_fail("6.1.26", with(base(), |d| d["document"]["category"] = json!(category)));
    }
    must_pass(with(base(), |d| d["document"]["category"] = json!("Example Company Security Notice")));
    must_pass(with(base(), |d| d["document"]["category"] = json!("csaf_base")));
}

#[test]
fn t_6_1_27_1_document_notes() {
    // Example 76: only a legal disclaimer.
    let only_legal = json!([{ "category": "legal_disclaimer", "text": "AS IS.", "title": "Terms of Use" }]);
    must_fail("6.1.27.1", with(informational(), |d| d["document"]["notes"] = only_legal.clone()));
    must_fail(
        "6.1.27.1",
        with(informational(), |d| {
            d["document"]["category"] = json!("csaf_security_incident_response");
            d["document"]["notes"] = only_legal.clone();
        }),
    );
    must_fail(
        "6.1.27.1",
        with(informational(), |d| {
            d["document"].as_object_mut().unwrap().remove("notes");
        }),
    );
    must_pass(informational());
    must_pass(with(informational(), |d| d["document"]["category"] = json!("csaf_security_incident_response")));
}

#[test]
fn t_6_1_27_2_document_references() {
    // Example 77: only a self reference.
    must_fail(
        "6.1.27.2",
        with(informational(), |d| {
            d["document"]["references"] = json!([{ "category": "self", "summary": "The canonical URL.", "url": "https://example.com/csaf/1.json" }]);
        }),
    );
    must_pass(informational());
}

#[test]
fn t_6_1_27_3_vulnerabilities_in_informational_advisory() {
    // Example 78.
    must_fail("6.1.27.3", with(informational(), |d| d["vulnerabilities"] = json!([{ "title": "A vulnerability item that SHALL NOT exist" }])));
    must_pass(informational());
}

#[test]
fn t_6_1_27_4_product_tree() {
    // Example 79.
    must_fail(
        "6.1.27.4",
        with(security_advisory(), |d| {
            d.as_object_mut().unwrap().remove("product_tree");
        }),
    );
    must_fail(
        "6.1.27.4",
        with(vex(), |d| {
            d.as_object_mut().unwrap().remove("product_tree");
        }),
    );
    must_pass(security_advisory());
}

#[test]
fn t_6_1_27_5_vulnerability_notes() {
    // Example 80.
    must_fail(
        "6.1.27.5",
        with(security_advisory(), |d| {
            d["vulnerabilities"][0].as_object_mut().unwrap().remove("notes");
        }),
    );
    must_fail(
        "6.1.27.5",
        with(vex(), |d| {
            d["vulnerabilities"][0].as_object_mut().unwrap().remove("notes");
        }),
    );
    must_pass(vex());
}

#[test]
fn t_6_1_27_6_product_status() {
    // Example 81.
    must_fail(
        "6.1.27.6",
        with(security_advisory(), |d| {
            d["vulnerabilities"][0].as_object_mut().unwrap().remove("product_status");
        }),
    );
    must_pass(security_advisory());
}

#[test]
fn t_6_1_27_7_vex_product_status() {
    // Example 82.
    must_fail(
        "6.1.27.7",
        with(vex(), |d| {
            let v = &mut d["vulnerabilities"][0];
            v["product_status"] = json!({ "first_fixed": ["CSAFPID-9080700"], "recommended": ["CSAFPID-9080700"] });
            v.as_object_mut().unwrap().remove("remediations");
        }),
    );
    must_pass(vex());
}

#[test]
fn t_6_1_27_8_vulnerability_id() {
    // Example 83.
    must_fail(
        "6.1.27.8",
        with(vex(), |d| {
            d["vulnerabilities"][0].as_object_mut().unwrap().remove("cve");
        }),
    );
    must_pass(with(vex(), |d| {
        let v = d["vulnerabilities"][0].as_object_mut().unwrap();
        v.remove("cve");
        v.insert("ids".into(), json!([{ "system_name": "Example Tracker", "text": "EX-2021-1" }]));
    }));
}

#[test]
fn t_6_1_27_9_impact_statement() {
    // Example 84: no impact statement for CSAFPID-9080702.
    let example = with(vex(), |d| {
        d["vulnerabilities"][0]["product_status"] = json!({ "known_not_affected": ["CSAFPID-9080700", "CSAFPID-9080701", "CSAFPID-9080702"] });
        d["vulnerabilities"][0].as_object_mut().unwrap().remove("remediations");
    });
    must_fail("6.1.27.9", example.clone());
    let r = report(&example);
    let pointers: Vec<&str> = r.failures_of("6.1.27.9").map(|f| f.pointer.as_str()).collect();
    assert_eq!(pointers, ["/vulnerabilities/0/product_status/known_not_affected/2"]);
    // A flag is an impact statement too.
    must_pass(with(example.clone(), |d| {
        d["vulnerabilities"][0]["flags"] = json!([{ "label": "component_not_present", "product_ids": ["CSAFPID-9080702"] }]);
    }));
    // A threat of another category is not.
    must_fail(
        "6.1.27.9",
        with(example, |d| {
            d["vulnerabilities"][0]["threats"][0]["category"] = json!("exploit_status");
        }),
    );
}

#[test]
fn t_6_1_27_10_action_statement() {
    // Example 85: no action statement for CSAFPID-9080702.
    let example = with(vex(), |d| {
        let v = &mut d["vulnerabilities"][0];
        v["product_status"] = json!({ "known_affected": ["CSAFPID-9080700", "CSAFPID-9080701", "CSAFPID-9080702"] });
        v["remediations"] = json!([{ "category": "no_fix_planned", "details": "End of life.", "group_ids": ["CSAFGID-0001"] }]);
        v.as_object_mut().unwrap().remove("threats");
    });
    must_fail("6.1.27.10", example.clone());
    must_pass(with(example, |d| {
        d["vulnerabilities"][0]["remediations"][0]["product_ids"] = json!(["CSAFPID-9080702"]);
    }));
}

#[test]
fn t_6_1_27_11_vulnerabilities() {
    // Example 86.
    must_fail(
        "6.1.27.11",
        with(security_advisory(), |d| {
            d.as_object_mut().unwrap().remove("vulnerabilities");
        }),
    );
    must_fail(
        "6.1.27.11",
        with(vex(), |d| {
            d.as_object_mut().unwrap().remove("vulnerabilities");
        }),
    );
    must_pass(vex());
}

#[test]
fn t_6_1_28_translation() {
    // Example 87.
    must_fail(
        "6.1.28",
        with(base(), |d| {
            d["document"]["lang"] = json!("en-US");
            d["document"]["source_lang"] = json!("en-US");
        }),
    );
    must_fail(
        "6.1.28",
        with(base(), |d| {
            d["document"]["lang"] = json!("en-US");
            d["document"]["source_lang"] = json!("en-us");
        }),
    );
    must_pass(with(base(), |d| {
        d["document"]["lang"] = json!("en-GB");
        d["document"]["source_lang"] = json!("en-US");
    }));
}

#[test]
fn t_6_1_29_remediation_without_product_reference() {
    // Example 88.
    let doc = |remediation: Value| {
        with(base(), |d| {
            d["product_tree"] = product_tree(true);
            d["vulnerabilities"] = json!([{ "remediations": [remediation] }]);
        })
    };
    must_fail("6.1.29", doc(json!({ "category": "no_fix_planned", "details": "End of life." })));
    must_pass(doc(json!({ "category": "no_fix_planned", "details": "End of life.", "group_ids": ["CSAFGID-0001"] })));
    must_pass(doc(json!({ "category": "no_fix_planned", "details": "End of life.", "product_ids": ["CSAFPID-9080702"] })));
}

#[test]
fn t_6_1_30_mixed_integer_and_semantic_versioning() {
    // Example 89.
    must_fail("6.1.30", with(base(), |d| history(d, &[("2021-07-21T09:00:00.000Z", "1.0.0"), ("2021-07-21T10:00:00.000Z", "2")], "2")));
    // The version against the history.
    must_fail("6.1.30", with(base(), |d| history(d, &[("2021-07-21T09:00:00.000Z", "1")], "1.0.0")));
    must_pass(with(base(), |d| history(d, &[("2021-07-21T09:00:00.000Z", "1.0.0"), ("2021-07-21T10:00:00.000Z", "2.0.0")], "2.0.0")));
}

fn version_branch(name: &str) -> Value {
    json!({ "branches": [{ "category": "vendor", "name": "Example Company", "branches": [{
        "category": "product_name", "name": "ABC", "branches": [{
            "category": "product_version", "name": name,
            "product": { "name": format!("Example Company ABC {name}"), "product_id": "CSAFPID-0001" }
        }]
    }]}]})
}

#[test]
fn t_6_1_31_version_range_in_product_version() {
    // Example 90.
    for name in ["prior to 4.2", "<4.2", "<= 4.2", ">=4.0", "4.2 and later", "All versions", "4.x before 4.2", "4.2-and-earlier"] {
        let doc = with(base(), |d| d["product_tree"] = version_branch(name));
        must_fail("6.1.31", doc.clone());
        let r = report(&doc);
        let pointers: Vec<&str> = r.failures_of("6.1.31").map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/product_tree/branches/0/branches/0/branches/0/name"], "{name}");
    }
    for name in ["4.2", "4.2.1-rc1", "2021.07 small install"] {
        must_pass(with(base(), |d| d["product_tree"] = version_branch(name)));
    }
    // A range in a product_version_range branch is what that category is for.
    must_pass(with(base(), |d| {
        d["product_tree"] = version_branch("vers:generic/<4.2");
        d["product_tree"]["branches"][0]["branches"][0]["branches"][0]["category"] = json!("product_version_range");
    }));
}

#[test]
fn t_6_1_32_flag_without_product_reference() {
    // Example 91.
    let doc = |flag: Value| {
        with(base(), |d| {
            d["product_tree"] = product_tree(true);
            d["vulnerabilities"] = json!([{ "flags": [flag] }]);
        })
    };
    must_fail("6.1.32", doc(json!({ "label": "component_not_present" })));
    must_pass(doc(json!({ "label": "component_not_present", "product_ids": ["CSAFPID-9080700"] })));
}

#[test]
fn t_6_1_33_multiple_flags_with_vex_justification_codes_per_product() {
    // Example 92: CSAFPID-9080700 through the group and directly.
    let doc = |second: &str| {
        with(base(), |d| {
            d["product_tree"] = product_tree(true);
            d["vulnerabilities"] = json!([{
                "flags": [
                    { "label": "component_not_present", "group_ids": ["CSAFGID-0001"] },
                    { "label": "vulnerable_code_cannot_be_controlled_by_adversary", "product_ids": [second] }
                ],
                "product_status": { "known_not_affected": ["CSAFPID-9080700", "CSAFPID-9080701", "CSAFPID-9080702"] }
            }]);
        })
    };
    must_fail("6.1.33", doc("CSAFPID-9080700"));
    must_pass(doc("CSAFPID-9080702"));
}

// Choices pinned for earlier tests.

#[test]
fn t_6_1_3_a_relationship_leading_into_a_circle_fails_too() {
    let doc = with(base(), |d| {
        d["product_tree"] = json!({
            "full_product_names": [{ "product_id": "CSAFPID-1", "name": "A" }],
            "relationships": [
                { "category": "installed_on", "full_product_name": { "name": "B", "product_id": "CSAFPID-2" },
                  "product_reference": "CSAFPID-1", "relates_to_product_reference": "CSAFPID-3" },
                { "category": "installed_on", "full_product_name": { "name": "C", "product_id": "CSAFPID-3" },
                  "product_reference": "CSAFPID-1", "relates_to_product_reference": "CSAFPID-4" },
                { "category": "installed_on", "full_product_name": { "name": "D", "product_id": "CSAFPID-4" },
                  "product_reference": "CSAFPID-1", "relates_to_product_reference": "CSAFPID-3" }
            ]
        });
    });
    let r = report(&doc);
    let pointers: Vec<&str> = r.failures_of("6.1.3").map(|f| f.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/product_tree/relationships/0/relates_to_product_reference",
            "/product_tree/relationships/1/relates_to_product_reference",
            "/product_tree/relationships/2/relates_to_product_reference"
        ]
    );
}

fn scored(cvss_v3: Value) -> Value {
    with(base(), |d| {
        d["product_tree"] = product_tree(false);
        d["vulnerabilities"] = json!([{ "scores": [{ "products": ["CSAFPID-9080700"], "cvss_v3": cvss_v3 }] }]);
    })
}

#[test]
fn t_6_1_8_to_6_1_10_cvss() {
    let good = json!({ "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                       "baseScore": 9.8, "baseSeverity": "CRITICAL", "attackVector": "NETWORK" });
    must_pass(scored(good.clone()));
    // Example 56: baseSeverity missing; reported once, as 6.1.8, not also as schema.
    let r = report(&scored(json!({ "version": "3.1", "vectorString": "CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", "baseScore": 6.5 })));
    assert_eq!(r.failed_tests().into_iter().collect::<Vec<_>>(), ["6.1.8"]);
    // Example 57.
    let r = report(&scored(json!({ "version": "3.1", "vectorString": "CVSS:3.1/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H",
                                   "baseScore": 10.0, "baseSeverity": "LOW" })));
    assert_eq!(r.failures_of("6.1.9").count(), 2, "{:#?}", r.failures);
    // Example 58.
    let r = report(&scored(json!({ "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "baseScore": 9.8, "baseSeverity": "CRITICAL", "attackVector": "LOCAL", "attackComplexity": "LOW",
        "privilegesRequired": "NONE", "userInteraction": "NONE", "scope": "CHANGED", "confidentialityImpact": "HIGH",
        "integrityImpact": "HIGH", "availabilityImpact": "LOW" })));
    let mut pointers: Vec<&str> = r.failures_of("6.1.10").map(|f| f.pointer.rsplit('/').next().unwrap()).collect();
    pointers.sort();
    assert_eq!(pointers, ["attackVector", "availabilityImpact", "scope"]);
    // A temporal metric the vector leaves Not Defined.
    must_fail("6.1.10", scored(with(good.clone(), |c| c["exploitCodeMaturity"] = json!("HIGH"))));
    must_pass(scored(with(good, |c| c["exploitCodeMaturity"] = json!("NOT_DEFINED"))));
    // v2: 10 × 0.90 × 0.95 = 8.55, which calculators round to 8.5 or 8.6; both are accepted.
    for temporal in [8.5, 8.6] {
        must_pass(with(base(), |d| {
            d["product_tree"] = product_tree(false);
            d["vulnerabilities"] = json!([{ "scores": [{ "products": ["CSAFPID-9080700"], "cvss_v2": {
                "version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:C/I:C/A:C/E:ND/RL:TF/RC:UR",
                "baseScore": 10.0, "temporalScore": temporal } }] }]);
        }));
    }
}

#[test]
fn t_6_1_12_language() {
    for lang in ["EZ", "en-US-US", "xx", "en-ZA-x"] {
        must_fail("6.1.12", with(base(), |d| d["document"]["lang"] = json!(lang)));
    }
    for lang in ["en", "de-CH-1996", "zh-Hant-TW", "i-default", "en-US-x-twain", "en-EZ"] {
        must_pass(with(base(), |d| d["document"]["lang"] = json!(lang)));
    }
}

#[test]
fn t_6_1_11_cwe() {
    // Example 59.
    let doc = |name: &str| with(base(), |d| d["vulnerabilities"] = json!([{ "cwe": { "id": "CWE-79", "name": name } }]));
    must_fail("6.1.11", doc("Improper Input Validation"));
    must_pass(doc("Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"));
    must_fail("6.1.11", with(base(), |d| d["vulnerabilities"] = json!([{ "cwe": { "id": "CWE-999999", "name": "Nothing" } }])));
}
