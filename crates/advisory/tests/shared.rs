//! The importers and the merge on real data from ../shared/data (CVE 5 examples and the Go CNA's
//! containers, the KEV catalog, Go's OSV records), skipped visibly when that folder is absent; and
//! hostile input, which must never panic.

mod common;

use clearinghouse_advisory::{Format, Status, cve5, kev, merge, osv};
use common::{mutate, shared};
use proptest::prelude::*;

#[test]
fn cve5_official_examples() {
    let Some(dir) = shared("cve5/examples") else { return };
    let read = |name: &str, hint: Option<&str>| cve5::read(&std::fs::read(dir.join(name)).unwrap(), hint).unwrap();
    let adv = read("CVEv5_advanced-example.json", None);
    assert!(adv.diagnostics.is_empty(), "{:?}", adv.diagnostics);
    let r = &adv.records[0];
    assert_eq!(r.id, "CVE-1337-1234");
    assert_eq!(r.source.as_ref().map(|s| (s.format, s.publisher.as_str())), Some((Format::Cve5Cna, "example")));
    assert_eq!(r.weaknesses[0].id, "CWE-78");
    assert_eq!(r.scores.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), ["CVSS_V3", "CVSS_V4", "CVSS_V3"]);
    assert_eq!((r.scores[0].base_score, r.scores[1].base_score), (Some(9.8), Some(7.8)));
    let kinds: Vec<_> = r.credits.iter().map(|c| (c.name.as_str(), c.kind.as_deref())).collect();
    assert_eq!(kinds, [("Alice", Some("finder")), ("Bob", Some("analyst")), ("Acme Autofuzz", Some("tool"))]);
    assert_eq!(r.remediations.iter().map(|x| x.kind.as_str()).collect::<Vec<_>>(), ["vendor_fix", "workaround"]);
    let affected = r.affected.iter().find(|a| a.status == Status::Affected).unwrap();
    let ranges: Vec<_> = affected.ranges.iter().map(|x| (x.introduced.as_str(), x.fixed.as_deref())).collect();
    assert_eq!(ranges, [("1.0.0", Some("1.0.6")), ("2.1.6", Some("2.1.9"))]);
    let basic = read("CVEv5_basic-example.json", None);
    assert!(basic.diagnostics.is_empty(), "{:?}", basic.diagnostics);
    // Bare containers do not name their CVE: the id comes from outside.
    for name in ["container-basic-example.json", "container-advanced-example.json"] {
        let c = read(name, Some("CVE-1337-1234"));
        assert!(c.diagnostics.is_empty(), "{name}: {:?}", c.diagnostics);
        assert_eq!(c.records[0].id, "CVE-1337-1234");
        let without = read(name, None);
        assert!(without.diagnostics.iter().any(|d| d.code == "missing_field"), "{name}");
    }
}

/// The Go CNA's 239 CVE containers and Go's OSV records of the same vulnerabilities: each pair is
/// one vulnerability, through the OSV record's aliases.
#[test]
fn go_cve_containers_merge_with_go_osv_records() {
    let (Some(cna), Some(osv_dir)) = (shared("cve5/go-cna"), shared("advisories/go")) else { return };
    let mut records = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&cna).unwrap() {
        let path = entry.unwrap().path();
        let go_id = path.file_stem().unwrap().to_string_lossy().into_owned();
        let got = cve5::read(&std::fs::read(&path).unwrap(), None).unwrap();
        assert!(got.diagnostics.is_empty(), "{go_id}: {:?}", got.diagnostics);
        let r = &got.records[0];
        assert!(r.id.starts_with("CVE-"), "{go_id}");
        // Affected ranges, or (GO-2022-0979: no fix) every version through `defaultStatus`.
        let go = r.affected.iter().find(|a| a.product.ecosystem.as_deref() == Some("Go") && a.status == Status::Affected);
        assert!(go.is_some_and(|a| !a.ranges.is_empty() || a.versions.is_empty()), "{go_id}");
        records.extend(got.records);
        let (record, d) = clearinghouse_osv::parse_record(&std::fs::read(osv_dir.join(format!("{go_id}.json"))).unwrap());
        let record = record.unwrap_or_else(|| panic!("{go_id}: {d:?}"));
        records.push(osv::from_record(&record));
        files += 1;
    }
    assert_eq!(files, 239);
    // The ranges read from each CVE container are the OSV record's ranges (the CVE names Go
    // packages, `go/parser`, where OSV names modules, `stdlib`: only the versions are compared).
    let mut compared = 0;
    let mut differ = Vec::new();
    for pair in records.chunks(2) {
        let [cve, osv_record] = pair else { continue };
        let ranges = |r: &clearinghouse_advisory::SourceRecord| {
            // A product affected in every version has no ranges in our model and `introduced: 0`
            // in OSV.
            let every = ("0".to_string(), None, None);
            let mut v: Vec<(String, Option<String>, Option<String>)> = r
                .affected
                .iter()
                .filter(|a| a.status == Status::Affected)
                .flat_map(|a| {
                    let ranges: Vec<_> = a.ranges.iter().map(|x| (x.introduced.clone(), x.fixed.clone(), x.last_affected.clone())).collect();
                    if ranges.is_empty() && a.versions.is_empty() { vec![every.clone()] } else { ranges }
                })
                .collect();
            v.sort();
            v.dedup();
            v
        };
        compared += 1;
        if ranges(cve) != ranges(osv_record) {
            differ.push((osv_record.id.clone(), ranges(cve), ranges(osv_record)));
        }
    }
    assert_eq!(compared, 239);
    assert!(differ.is_empty(), "{} of 239 differ, first: {:?}", differ.len(), &differ[..differ.len().min(3)]);
    let merged = merge(records);
    let both: Vec<_> = merged.iter().filter(|v| v.records.iter().any(|r| r.source.as_ref().unwrap().format == Format::Cve5Cna)).collect();
    assert_eq!(both.len(), 239);
    for v in both {
        assert!(v.id.starts_with("CVE-"), "{}", v.id);
        assert_eq!(v.records.len(), 2, "{}: {:?}", v.id, v.ids);
        assert!(v.ids.iter().any(|i| i.starts_with("GO-")), "{:?}", v.ids);
        // The CNA container is trusted first for the merged text.
        assert_eq!(v.title, v.records[0].title);
    }
}

#[test]
fn kev_catalog() {
    let Some(path) = shared("kev/known_exploited_vulnerabilities.json") else { return };
    let (catalog, got) = kev::read(&std::fs::read(path).unwrap()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", &got.diagnostics[..got.diagnostics.len().min(5)]);
    assert_eq!(catalog.count, Some(got.records.len() as u64));
    assert!(got.records.len() > 1000);
    let git = got.records.iter().find(|r| r.id == "CVE-2025-48384").unwrap();
    let e = git.exploitation.as_ref().unwrap();
    assert!(e.in_kev);
    assert_eq!((e.date_added.as_deref(), e.due_date.as_deref()), (Some("2025-08-25"), Some("2025-09-15")));
    assert!(git.references.iter().any(|r| r.url == "https://nvd.nist.gov/vuln/detail/CVE-2025-48384"));
    assert_eq!(git.weaknesses[0].id, "CWE-59");
    assert!(got.records.iter().all(|r| r.exploitation.as_ref().is_some_and(|e| e.due_date.is_some())));
}

#[test]
fn sources_that_disagree_are_shown_not_resolved() {
    let cna = br#"{"cveMetadata":{"cveId":"CVE-2024-0002","datePublished":"2024-02-01T00:00:00Z"},"containers":{
        "cna":{"providerMetadata":{"orgId":"o","shortName":"vendor"},"descriptions":[{"lang":"en","value":"v"}],
          "problemTypes":[{"descriptions":[{"lang":"en","cweId":"CWE-79","description":"CWE-79 XSS","type":"CWE"}]}],
          "metrics":[{"cvssV3_1":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N","baseScore":5.4}}],
          "affected":[{"collectionURL":"https://pypi.org","packageName":"widget","versions":[{"version":"0","lessThan":"2.0","status":"affected","versionType":"python"}]}]},
        "adp":[{"providerMetadata":{"orgId":"134c704f-9b21-4f2e-91b3-4a467353bcc0","shortName":"CISA-ADP"},
          "metrics":[{"other":{"type":"ssvc","content":{"options":[{"Exploitation":"poc"},{"Automatable":"no"},{"Technical Impact":"partial"}],"version":"2.0.3"}}},
                     {"other":{"type":"kev","content":{"dateAdded":"2024-03-01","reference":"https://www.cisa.gov/known-exploited-vulnerabilities-catalog"}}}]}]}}"#;
    let osv_record = br#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-03-01T00:00:00Z","published":"2024-01-10T00:00:00Z","aliases":["CVE-2024-0002"],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific":{"cwe_ids":["CWE-80"]},
        "affected":[{"package":{"ecosystem":"PyPI","name":"widget"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#;
    let mut records = cve5::read(cna, None).unwrap().records;
    assert_eq!(records.len(), 2);
    records.push(osv::from_record(&clearinghouse_osv::parse_record(osv_record).0.unwrap()));
    let merged = merge(records);
    assert_eq!(merged.len(), 1);
    let v = &merged[0];
    assert_eq!(v.ids, ["CVE-2024-0002", "GHSA-aaaa-bbbb-cccc"]);
    assert_eq!(v.id, "CVE-2024-0002");
    // The CNA's score is the merged one; the GHSA's different vector is listed.
    assert_eq!(v.scores[0].base_score, Some(5.4));
    let fields: Vec<_> = v.conflicts.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"cvss_v3"), "{fields:?}");
    assert!(fields.contains(&"weaknesses"), "{fields:?}");
    assert!(fields.contains(&"published"), "{fields:?}");
    assert!(!fields.iter().any(|f| f.starts_with("status:")), "{fields:?}");
    assert!(v.exploitation.as_ref().is_some_and(|e| e.in_kev && e.date_added.as_deref() == Some("2024-03-01")));
    assert!(v.ssvc.contains(&("Exploitation".to_string(), "poc".to_string())));
    assert_eq!(v.published.as_deref(), Some("2024-01-10T00:00:00Z"));
    // Both products are the same package: PyPI/widget from the collection URL and the OSV package.
    assert_eq!(v.affected.iter().filter(|a| a.product.ecosystem.as_deref() == Some("PyPI")).count(), 2);
}

#[test]
fn wrong_types_are_problems_with_pointers_and_the_rest_is_read() {
    let doc = br#"{"cveMetadata":{"cveId":"CVE-2024-0003"},"containers":{"cna":{"providerMetadata":{"orgId":"o"},
        "title": 7, "descriptions":[{"lang":"en","value":"kept"}],
        "affected":[{"vendor":"v","product":"p","versions":[{"version":"1","status":"sometimes"},{"status":"affected"}]}],
        "references":[{"url":"https://a"},{"name":"no url"}], "credits":"Alice"}}}"#;
    let got = cve5::read(doc, None).unwrap();
    let found: Vec<_> = got.diagnostics.iter().map(|d| (d.code.as_str(), d.pointer.as_str())).collect();
    for expected in [
        ("wrong_type", "/containers/cna/title"),
        ("unexpected_value", "/containers/cna/affected/0/versions/0/status"),
        ("missing_field", "/containers/cna/affected/0/versions/1/version"),
        ("missing_field", "/containers/cna/references/1/url"),
        ("wrong_type", "/containers/cna/credits"),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
    assert_eq!(got.records[0].description.as_deref(), Some("kept"));
    assert_eq!(got.records[0].references.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn importers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = cve5::read(&bytes, None);
        let _ = kev::read(&bytes);
    }

    #[test]
    fn importers_never_panic_on_damaged_documents(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b"{}[]\":,0a \\".to_vec())), 0..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let cve = include_bytes!("../testdata/cve-advanced.json").to_vec();
        if let Ok(got) = cve5::read(&mutate(cve, &edits, cut), None) {
            let _ = merge(got.records);
        }
        let kev_doc = include_bytes!("../testdata/kev-sample.json").to_vec();
        let _ = kev::read(&mutate(kev_doc, &edits, cut));
    }
}
