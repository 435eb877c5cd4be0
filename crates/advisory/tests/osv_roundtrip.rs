//! OSV in, OSV out: every RustSec and Go record of ../shared/data/advisories read into the model,
//! merged alone and written back as OSV answers every query the same way (each version named by
//! any of its events or versions lists, for each of its packages), keeps its ids, and parses
//! without errors. And the Go CNA's CVE containers written as OSV answer as Go's own OSV records do.

mod common;

use clearinghouse_advisory::{Status, cve5, merge, osv, to_osv};
use clearinghouse_osv::{Record, parse_record};
use common::{probes, shared, verdicts};
use std::path::Path;

fn records(dir: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json")
            && let (Some(r), _) = parse_record(&std::fs::read(&path).unwrap())
        {
            out.push(r);
        }
    }
    out
}

#[test]
fn osv_records_survive_the_model() {
    let (Some(rustsec), Some(go)) = (shared("advisories/rustsec"), shared("advisories/go")) else { return };
    let mut checked = 0;
    for original in records(&rustsec).into_iter().chain(records(&go)) {
        let merged = merge(vec![osv::from_record(&original)]);
        assert_eq!(merged.len(), 1, "{}", original.id);
        let v = &merged[0];
        let (json, problems) = to_osv(v, "2026-01-01T00:00:00Z");
        assert!(problems.is_empty(), "{}: {problems:?}", original.id);
        let (back, diagnostics) = parse_record(json.to_string().as_bytes());
        let back = back.unwrap_or_else(|| panic!("{}: {diagnostics:?}", original.id));
        let mut ids: Vec<&String> = std::iter::once(&back.id).chain(&back.aliases).collect();
        let mut want: Vec<&String> = std::iter::once(&original.id).chain(&original.aliases).collect();
        ids.sort();
        want.sort();
        want.dedup();
        assert_eq!(ids, want, "{}", original.id);
        assert_eq!(back.modified, original.modified, "{}", original.id);
        let p = probes(&original);
        assert_eq!(verdicts(&back, &p), verdicts(&original, &p), "{}", original.id);
        checked += 1;
    }
    assert!(checked > 5000, "{checked}");
}

#[test]
fn go_cve_containers_as_osv_answer_like_go_osv_records() {
    let (Some(cna), Some(go)) = (shared("cve5/go-cna"), shared("advisories/go")) else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(&cna).unwrap() {
        let path = entry.unwrap().path();
        let go_id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut record = cve5::read(&std::fs::read(&path).unwrap(), None).unwrap().records.remove(0);
        let original = parse_record(&std::fs::read(go.join(format!("{go_id}.json"))).unwrap()).0.unwrap();
        // The CVE names Go packages (`net/http`); OSV names modules (`stdlib`): the container's
        // packages are renamed to their modules so that both are asked the same questions.
        let modules: Vec<String> = original.affected.iter().filter_map(|a| a.package.as_ref().map(|p| p.name.clone())).collect();
        for a in &mut record.affected {
            if a.status == Status::Affected
                && let Some(pkg) = &a.product.package
                && !modules.contains(pkg)
            {
                // A module path prefixes its packages'; `cmd/go` is in the module `toolchain`,
                // `net/http` in `stdlib`.
                let module = modules.iter().find(|m| pkg.starts_with(m.as_str())).cloned();
                let standard = if pkg.starts_with("cmd/") { "toolchain" } else { "stdlib" };
                a.product.package = module.or_else(|| Some(standard.into()));
            }
        }
        let merged = merge(vec![record]);
        let (json, _) = to_osv(&merged[0], "2026-01-01T00:00:00Z");
        let back = parse_record(json.to_string().as_bytes()).0.unwrap_or_else(|| panic!("{go_id}"));
        let p = probes(&original);
        assert_eq!(verdicts(&back, &p), verdicts(&original, &p), "{go_id}");
        checked += 1;
    }
    assert_eq!(checked, 239);
}
