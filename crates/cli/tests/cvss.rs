//! `clearinghouse cvss`, run as a user would: JSON and table output for v2, v3.1 and v4.0 vectors,
//! and exit 2 with every problem named for garbage.

mod common;

use common::{BIN, code, stderr, stdout};
use std::process::{Command, Output, Stdio};

fn cvss(args: &[&str]) -> Output {
    Command::new(BIN).arg("cvss").args(args).stdin(Stdio::null()).output().expect("running the clearinghouse binary")
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

#[test]
fn json_for_one_vector_is_an_object() {
    let o = cvss(&["--json", "CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H/E:P/RL:X"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(
        json_of(&o),
        serde_json::json!({
            "version": "3.1",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
            "base_score": 9.8,
            "base_severity": "Critical",
            "temporal_score": 9.3,
            "temporal_severity": "Critical",
        })
    );
}

#[test]
fn json_for_several_vectors_is_an_array() {
    let o = cvss(&[
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L/IR:L/AR:L",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let v = json_of(&o);
    let items = v.as_array().expect("an array for several vectors");
    assert_eq!(items.len(), 3);

    let v2 = &items[0];
    assert_eq!(v2["version"], "2.0");
    assert_eq!(v2["vector"], "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:H/IR:H/AR:H");
    assert_eq!((v2["base_score"].as_f64(), v2["base_severity"].as_str()), (Some(7.5), Some("High")));
    assert_eq!((v2["temporal_score"].as_f64(), v2["temporal_severity"].as_str()), (Some(5.9), Some("Medium")));
    assert_eq!((v2["environmental_score"].as_f64(), v2["environmental_severity"].as_str()), (Some(8.5), Some("High")));

    let v31 = &items[1];
    assert_eq!(v31["version"], "3.1");
    assert_eq!((v31["base_score"].as_f64(), v31["base_severity"].as_str()), (Some(9.9), Some("Critical")));
    assert!(v31.get("temporal_score").is_none() && v31.get("environmental_score").is_none(), "{v31}");

    let v4 = &items[2];
    assert_eq!(v4["version"], "4.0");
    assert_eq!(v4["vector"], "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L/IR:L/AR:L");
    assert_eq!((v4["base_score"].as_f64(), v4["base_severity"].as_str()), (Some(9.3), Some("Critical")));
    assert_eq!((v4["threat_score"].as_f64(), v4["threat_severity"].as_str()), (Some(8.1), Some("High")));
    assert_eq!((v4["environmental_score"].as_f64(), v4["environmental_severity"].as_str()), (Some(6.5), Some("Medium")));
    assert_eq!(v4["nomenclature"], "CVSS-BTE");
    assert!(v4.get("temporal_score").is_none());
}

#[test]
fn table_for_people() {
    let o = cvss(&["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", "AV:N/AC:M/Au:N/C:C/I:C/A:C"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U (CVSS v4.0)"), "{out}");
    let line_with = |needle: &str| out.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no {needle:?} line in\n{out}")).to_string();
    let b = line_with("CVSS-B (base)");
    assert!(b.contains("9.3") && b.contains("Critical"), "{b}");
    let bt = line_with("CVSS-BT (threat)");
    assert!(bt.contains("8.1") && bt.contains("High"), "{bt}");
    assert!(out.contains("AV:N/AC:M/Au:N/C:C/I:C/A:C (CVSS v2.0)"), "{out}");
    let base = line_with("Base");
    assert!(base.contains("9.3") && base.contains("High"), "{base}");
    assert!(!out.contains("Temporal") && !out.contains("Environmental"), "{out}");
}

#[test]
fn garbage_exits_2_and_names_every_problem() {
    let o = cvss(&["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H", "not a vector"]);
    assert_eq!(code(&o), 2, "stdout: {}", stdout(&o));
    assert_eq!(stdout(&o), "", "nothing on stdout when a vector is invalid");
    let err = stderr(&o);
    assert!(err.contains("invalid CVSS vector \"CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H\""), "{err}");
    assert!(err.contains("cvss_invalid_value") && err.contains("\"Z\" is not a value of AV (Attack Vector)"), "{err}");
    assert!(err.contains("cvss_missing_metric") && err.contains("A (Availability) is missing"), "{err}");
    assert!(err.contains("invalid CVSS vector \"not a vector\""), "{err}");
    assert!(err.contains("2 of 3 CVSS vectors are invalid"), "{err}");

    let o = cvss(&["--json", "CVSS:9.9/AV:N"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cvss_unsupported_version"), "{}", stderr(&o));

    // No vector at all is a usage error.
    let o = cvss(&[]);
    assert_eq!(code(&o), 2);
}
