//! The embedded SSVC tables: every one loads and validates, CISA's coordinator table decides each of its
//! rows to the listed outcome, known decisions come out as SSVC's documentation says, bad inputs and bad
//! tables report every problem, and the loader reads every table of the shared SSVC snapshot (to show it
//! is generic; `SKIPPED:` when the snapshot is absent).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use clearinghouse_ssvc::{BUILTIN_DECISION_POINTS, BUILTIN_TABLES, Decision, DecisionPoint, DecisionTable, Registry, codes, derive};
use serde_json::{Value, json};

fn builtin() -> &'static Registry {
    Registry::builtin()
}

fn pairs(ds: &[clearinghouse_ssvc::Diagnostic]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ds.iter().map(|d| (d.code.clone(), d.pointer.clone())).collect();
    v.sort();
    v
}

fn pair(code: &str, pointer: &str) -> (String, String) {
    (code.to_string(), pointer.to_string())
}

#[test]
fn every_embedded_table_and_point_loads_and_validates() {
    for (name, json) in BUILTIN_TABLES {
        let t = DecisionTable::from_json(json).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        let combinations: usize = t.decision_points().iter().map(|p| p.values.len()).product();
        assert_eq!(t.rows().len(), combinations, "{name}: one row per combination");
    }
    for (name, json) in BUILTIN_DECISION_POINTS {
        DecisionPoint::from_json(json).unwrap_or_else(|d| panic!("{name}: {d:?}"));
    }
    let r = builtin();
    assert_eq!(r.tables().len(), BUILTIN_TABLES.len());
    assert_eq!(r.decision_points().len(), BUILTIN_DECISION_POINTS.len());
    for t in [r.cisa_coordinator(), r.cisa_bod_26_04(), r.supplier(), r.deployer(), r.utility(), r.public_safety_impact(), r.human_impact()] {
        assert!(t.is_some());
    }
    assert!(r.coordinator_triage().is_some() && r.coordinator_publish().is_some());
    // Every decision point a table uses has its standalone definition here too (and Registry::load
    // checked that the two are identical).
    for t in r.tables() {
        for p in t.decision_points().iter().chain([t.outcome()]) {
            assert!(r.decision_points().iter().any(|q| q == p), "{}: {} has no standalone copy", t.id(), p.id());
        }
    }
}

#[test]
fn embedded_data_is_the_shared_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ssvc");
    if !dir.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the embedded copy was not compared", dir.display());
        return;
    }
    for (path, json) in BUILTIN_TABLES.iter().chain(BUILTIN_DECISION_POINTS) {
        let original = std::fs::read_to_string(dir.join(path)).unwrap();
        assert_eq!(*json, original, "{path} differs from the snapshot");
    }
}

#[test]
fn cisa_coordinator_decides_every_row_as_listed() {
    let (_, json) = BUILTIN_TABLES.iter().find(|(p, _)| p.ends_with("cisa_coordinator_2_0_3.json")).unwrap();
    let doc: Value = serde_json::from_str(json).unwrap();
    let t = builtin().cisa_coordinator().unwrap();
    let rows = doc["mapping"].as_array().unwrap();
    assert_eq!(rows.len(), 36);
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_object().unwrap();
        // Inputs by decision point key, as a caller gives them.
        let inputs: Vec<(String, String)> = row
            .iter()
            .filter(|(id, _)| id.as_str() != "cisa:CISA:1.1.0")
            .map(|(id, v)| (id.split(':').nth(1).unwrap().to_string(), v.as_str().unwrap().to_string()))
            .collect();
        let d = t.decide(&inputs).unwrap_or_else(|e| panic!("row {i}: {e:?}"));
        assert_eq!(d.outcome.key, row["cisa:CISA:1.1.0"].as_str().unwrap(), "row {i}");
        assert_eq!(d.outcome.group.to_string(), "cisa:CISA:1.1.0");
    }
}

#[test]
fn every_row_of_every_table_decides_as_listed() {
    for (name, json) in BUILTIN_TABLES {
        let doc: Value = serde_json::from_str(json).unwrap();
        let outcome = doc["outcome"].as_str().unwrap();
        let t = builtin()
            .tables()
            .iter()
            .find(|t| t.id() == format!("{}:{}:{}", doc["namespace"].as_str().unwrap(), doc["key"].as_str().unwrap(), doc["version"].as_str().unwrap()))
            .unwrap();
        for row in doc["mapping"].as_array().unwrap() {
            // Here by full id, which decide also accepts.
            let inputs: Vec<(&str, &str)> =
                row.as_object().unwrap().iter().filter(|(id, _)| *id != outcome).map(|(id, v)| (id.as_str(), v.as_str().unwrap())).collect();
            assert_eq!(t.decide(&inputs).unwrap().outcome.key, row[outcome].as_str().unwrap(), "{name}: {row}");
        }
    }
}

#[test]
fn known_decisions() {
    let cisa = builtin().cisa_coordinator().unwrap();
    // Active, automatable, total technical impact, high mission and well-being impact: Act.
    let act = cisa.decide(&[("E", "active"), ("A", "yes"), ("TI", "total"), ("MWI", "high")]).unwrap();
    assert_eq!((act.outcome.key.as_str(), act.outcome.name.as_str()), ("AC", "Act"));
    assert_eq!(act.inputs, vec![("E".into(), "A".into()), ("A".into(), "Y".into()), ("TI".into(), "T".into()), ("MWI".into(), "H".into())]);
    // No exploitation, not automatable, partial impact, low mission impact: Track.
    let track = cisa.decide(&[("E", "N"), ("A", "N"), ("TI", "P"), ("MWI", "L")]).unwrap();
    assert_eq!(track.outcome.name, "Track");
    // Inputs in any order, keys and names in any case.
    let same = cisa.decide(&[("mwi", "High"), ("Technical Impact", "T"), ("a", "Y"), ("ssvc:E:1.1.0", "Active")]).unwrap();
    assert_eq!(same, act);

    // The order of outcomes is the data's: Track < Track* < Attend < Act.
    let names: Vec<String> = cisa.outcomes().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["Track", "Track*", "Attend", "Act"]);
    assert!(track.outcome < act.outcome);
    let dsoi: Vec<String> = builtin().deployer().unwrap().outcomes().into_iter().map(|o| o.name).collect();
    assert_eq!(dsoi, ["Defer", "Scheduled", "Out-of-Cycle", "Immediate"]);
    // Outcomes of different groups are not comparable.
    let defer = builtin().deployer().unwrap().outcome_value("defer").unwrap();
    assert_eq!(defer.partial_cmp(&act.outcome), None);

    // CERT/CC supplier: active exploitation, super effective utility, total impact, significant public
    // safety impact: immediate.
    let sp = builtin().supplier().unwrap().decide(&[("E", "A"), ("U", "S"), ("TI", "T"), ("PSI", "S")]).unwrap();
    assert_eq!(sp.outcome.name, "Immediate");
    // CERT/CC deployer: no exploitation, small exposure, not automatable, low human impact: defer.
    let dp = builtin().deployer().unwrap().decide(&[("E", "N"), ("EXP", "S"), ("A", "N"), ("HI", "L")]).unwrap();
    assert_eq!(dp.outcome.name, "Defer");
    // BOD 26-04: in KEV, publicly exposed, automatable, total: the shortest timeline of the data.
    let bod = builtin().cisa_bod_26_04().unwrap();
    let d = bod.decide(&[("KEV", derive::in_kev(true)), ("PE", "Y"), ("A", "Y"), ("TI", "T")]).unwrap();
    assert_eq!(d.outcome.ordinal, bod.outcomes().len() - 1, "{d:?}");
}

#[test]
fn helper_tables_chain_into_the_deployer_table() {
    let r = builtin();
    // Safety Impact catastrophic with Mission Impact degraded: Human Impact from the helper table.
    let hi = r.human_impact().unwrap().decide(&[("SI", "catastrophic"), ("MI", "degraded")]).unwrap();
    let dp = r.deployer().unwrap().decide(&[("E", "A"), ("EXP", "open"), ("A", "Y"), ("HI", hi.outcome.key.as_str())]).unwrap();
    assert_eq!(hi.outcome.name, "Very High");
    assert_eq!(dp.outcome.name, "Immediate");
}

#[test]
fn bad_inputs_report_every_problem() {
    let cisa = builtin().cisa_coordinator().unwrap();
    let err = cisa.decide(&[("E", "sometimes"), ("X", "1"), ("A", "Y"), ("A", "N"), ("CISA", "Act")]).unwrap_err();
    assert_eq!(
        pairs(&err),
        vec![
            pair(codes::CONFLICTING_INPUT, "/A"),
            pair(codes::MISSING_INPUT, "/E"),
            pair(codes::MISSING_INPUT, "/MWI"),
            pair(codes::MISSING_INPUT, "/TI"),
            pair(codes::UNKNOWN_DECISION_POINT, "/CISA"),
            pair(codes::UNKNOWN_DECISION_POINT, "/X"),
            pair(codes::UNKNOWN_VALUE, "/E"),
        ]
    );
    let unknown = err.iter().find(|d| d.code == codes::UNKNOWN_VALUE).unwrap();
    assert!(unknown.message.contains("P (Public PoC)"), "{}", unknown.message);
    let nothing: &[(&str, &str)] = &[];
    assert_eq!(cisa.decide(nothing).unwrap_err().len(), 4);
}

#[test]
fn decisions_serialise_and_verify() {
    let cisa = builtin().cisa_coordinator().unwrap();
    let d = cisa.decide(&[("E", "P"), ("A", "N"), ("TI", "T"), ("MWI", "M")]).unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["table"], json!({"namespace": "cisa", "key": "DT_CO", "version": "2.0.3"}));
    assert_eq!(json["inputs"], json!([["E", "P"], ["A", "N"], ["TI", "T"], ["MWI", "M"]]));
    let back: Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
    builtin().verify(&back).unwrap();
    let mut tampered = back.clone();
    tampered.outcome = cisa.outcome_value("Act").unwrap();
    assert_eq!(pairs(&builtin().verify(&tampered).unwrap_err()), vec![pair(codes::OUTCOME_MISMATCH, "/outcome")]);
    let mut other = back;
    other.table.version = "9.9.9".into();
    assert_eq!(pairs(&builtin().verify(&other).unwrap_err()), vec![pair(codes::UNKNOWN_TABLE, "/table")]);
}

#[test]
fn tables_serialise_back_to_ssvc_json() {
    for t in builtin().tables() {
        let json = serde_json::to_string(t).unwrap();
        let again = DecisionTable::from_json(&json).unwrap();
        assert_eq!(&again, t, "{}", t.id());
    }
}

#[test]
fn derivations() {
    assert_eq!(derive::exploitation(true, false), "A");
    assert_eq!(derive::exploitation(true, true), "A");
    assert_eq!(derive::exploitation(false, true), "P");
    assert_eq!(derive::exploitation(false, false), "N");
    // Each is a value key of the decision point the tables use.
    let e = builtin().decision_point("ssvc", "E", "1.1.0").unwrap();
    for k in ["A", "P", "N"] {
        assert!(e.ordinal(k).is_some());
    }
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AU:Y"), Some("Y"));
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AU:N"), Some("N"));
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AU:X"), None);
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"), None);
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), None);
    assert_eq!(derive::automatable_from_cvss_v4("CVSS:4.0/AU:Y/AU:N"), None);
}

#[test]
fn mission_and_well_being_agrees_with_the_value_definitions() {
    // ssvc:MWI:1.0.0 defines Low as MP Minimal and PWI Minimal, Medium as MP Support and PWI Minimal or
    // Material, High as MP Essential or PWI Irreversible; Minimal with Material is left to CISA's table.
    for mp in ["Minimal", "Support", "Essential"] {
        for pwi in ["Minimal", "Material", "Irreversible"] {
            let got = derive::mission_and_well_being(mp, pwi).unwrap();
            let by_definition = if mp == "Essential" || pwi == "Irreversible" {
                Some("H")
            } else if mp == "Minimal" && pwi == "Minimal" {
                Some("L")
            } else if mp == "Support" {
                Some("M")
            } else {
                None
            };
            assert_eq!(by_definition.unwrap_or("M"), got, "{mp}/{pwi}");
            assert!(builtin().decision_point("ssvc", "MWI", "1.0.0").unwrap().ordinal(got).is_some());
        }
    }
    assert_eq!(derive::mission_and_well_being("S", "MA").unwrap(), "M");
    let err = derive::mission_and_well_being("vital", "none").unwrap_err();
    assert_eq!(pairs(&err), vec![pair(codes::UNKNOWN_VALUE, "/MP"), pair(codes::UNKNOWN_VALUE, "/PWI")]);
}

// Bad tables: every problem, with its pointer.

fn coordinator_doc() -> Value {
    serde_json::from_str(BUILTIN_TABLES.iter().find(|(p, _)| p.ends_with("cisa_coordinator_2_0_3.json")).unwrap().1).unwrap()
}

fn load(doc: &Value) -> Result<DecisionTable, Vec<(String, String)>> {
    DecisionTable::from_json(&doc.to_string()).map_err(|d| pairs(&d))
}

#[test]
fn broken_tables_report_every_problem() {
    // A value that does not exist, a row removed (its combination uncovered is not reported while rows
    // are unreadable), a duplicate row, an unknown column and a missing one.
    let mut doc = coordinator_doc();
    let rows = doc["mapping"].as_array_mut().unwrap();
    rows[3]["ssvc:E:1.1.0"] = json!("Q");
    rows[5]["cisa:CISA:1.1.0"] = json!("panic");
    let copy = rows[7].clone();
    rows.push(copy);
    rows[8].as_object_mut().unwrap().remove("ssvc:TI:1.0.0");
    rows[9]["cvss:AV:3.0.1"] = json!("N");
    let err = load(&doc).unwrap_err();
    assert_eq!(err, {
        let mut v = vec![
            pair(codes::UNKNOWN_VALUE, "/mapping/3/ssvc:E:1.1.0"),
            pair(codes::UNKNOWN_VALUE, "/mapping/5/cisa:CISA:1.1.0"),
            pair(codes::DUPLICATE_ROW, "/mapping/36"),
            pair(codes::MISSING_COLUMN, "/mapping/8"),
            pair(codes::UNKNOWN_COLUMN, "/mapping/9/cvss:AV:3.0.1"),
        ];
        v.sort();
        v
    });

    // A row removed: its combination is missing.
    let mut doc = coordinator_doc();
    doc["mapping"].as_array_mut().unwrap().remove(0);
    assert_eq!(load(&doc).unwrap_err(), vec![pair(codes::MISSING_COMBINATION, "/mapping")]);

    // The outcome is not a decision point of the table.
    let mut doc = coordinator_doc();
    doc["outcome"] = json!("cisa:CISA:9.9.9");
    assert_eq!(load(&doc).unwrap_err(), vec![pair(codes::UNKNOWN_OUTCOME, "/outcome")]);

    // A decision point listed under another id, and one with two values of the same name.
    let mut doc = coordinator_doc();
    doc["decision_points"]["ssvc:A:2.0.0"]["version"] = json!("2.0.1");
    doc["decision_points"]["ssvc:TI:1.0.0"]["values"][1]["name"] = json!("partial");
    assert_eq!(load(&doc).unwrap_err(), {
        let mut v = vec![
            pair(codes::DECISION_POINT_ID_MISMATCH, "/decision_points/ssvc:A:2.0.0"),
            pair(codes::DUPLICATE_VALUE, "/decision_points/ssvc:TI:1.0.0/values/1"),
        ];
        v.sort();
        v
    });

    // Wrong shapes and not JSON.
    let mut doc = coordinator_doc();
    doc["mapping"][2]["ssvc:E:1.1.0"] = json!(3);
    assert_eq!(load(&doc).unwrap_err(), vec![pair(codes::INVALID_DOCUMENT, "/mapping/2/ssvc:E:1.1.0")]);
    let mut doc = coordinator_doc();
    doc.as_object_mut().unwrap().remove("outcome");
    assert_eq!(load(&doc).unwrap_err(), vec![pair(codes::INVALID_DOCUMENT, "")]);
    assert_eq!(pairs(&DecisionTable::from_json("{").unwrap_err()), vec![pair(codes::INVALID_JSON, "")]);
}

#[test]
fn registry_checks_documents_together() {
    let (tp, tj) = BUILTIN_TABLES[0];
    let mut doc: Value = serde_json::from_str(tj).unwrap();
    // The table's copy of a decision point differs from the standalone definition.
    doc["decision_points"]["ssvc:E:1.1.0"]["values"][0]["definition"] = json!("changed");
    let changed = doc.to_string();
    let err = Registry::load(&[(tp, &changed), ("twice.json", tj)], BUILTIN_DECISION_POINTS).unwrap_err();
    let escaped = tp.replace('/', "~1");
    assert_eq!(pairs(&err), {
        let mut v = vec![pair(codes::DECISION_POINT_DIFFERS, &format!("/{escaped}/decision_points/ssvc:E:1.1.0")), pair(codes::DUPLICATE_TABLE, "/twice.json")];
        v.sort();
        v
    });
}

#[test]
fn the_loader_reads_every_table_of_the_ssvc_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ssvc/decision_tables");
    if !dir.is_dir() {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {} not found; the snapshot's tables were not loaded", dir.display());
        return;
    }
    let mut loaded = BTreeMap::new();
    for ns in std::fs::read_dir(&dir).unwrap() {
        let ns = ns.unwrap().path();
        for f in std::fs::read_dir(&ns).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let t = DecisionTable::from_json(&text).unwrap_or_else(|d| panic!("{}: {d:?}", f.display()));
            loaded.insert(t.id(), t.rows().len());
        }
    }
    let _ = writeln!(std::io::stderr(), "ssvc snapshot: {} tables loaded and validated: {loaded:?}", loaded.len());
    assert!(loaded.len() >= 9);
    let dps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ssvc/decision_points");
    let mut points = 0;
    for ns in std::fs::read_dir(&dps).unwrap() {
        for f in std::fs::read_dir(ns.unwrap().path()).unwrap() {
            let f = f.unwrap().path();
            DecisionPoint::from_json(&std::fs::read_to_string(&f).unwrap()).unwrap_or_else(|d| panic!("{}: {d:?}", f.display()));
            points += 1;
        }
    }
    let _ = writeln!(std::io::stderr(), "ssvc snapshot: {points} decision points loaded and validated");
}
