//! Hostile request bodies never panic the decoder or the document checks (the fuzz target
//! `report_document` explores the same code with coverage guidance).

use clearinghouse_model::report::{ReportLimits, ReportSubmission, prepare};
use clearinghouse_server::extract::decode_json;
use proptest::prelude::*;

fn check(bytes: &[u8]) {
    if let Ok(doc) = decode_json::<ReportSubmission>(bytes) {
        let _ = prepare(doc, &ReportLimits::default());
    }
}

const VALID: &str = r#"{"title":"t","description":"d","affected":[{"purl":"pkg:npm/a","vers":"vers:npm/<1","ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}],"weaknesses":["CWE-79"],"cvss_vector":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N","finder":{"kind":"tool","name":"x"},"tlp":"RED","files":[{"name":"a","content_base64":"QUFB"}]}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn mutated_valid_documents(pos in 0usize..VALID.len(), len in 0usize..40, junk in "[\\x00-\\x7f]{0,20}") {
        let mut s = VALID.as_bytes().to_vec();
        let end = (pos + len).min(s.len());
        s.splice(pos..end, junk.bytes());
        check(&s);
    }
}

#[test]
fn deep_nesting_and_huge_strings_are_refused_without_crashing() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(decode_json::<ReportSubmission>(deep.as_bytes()).is_err());
    let deep_obj = format!(r#"{{"title":{}1{}}}"#, "{\"a\":".repeat(50_000), "}".repeat(50_000));
    assert!(decode_json::<ReportSubmission>(deep_obj.as_bytes()).is_err());
    let huge_title = format!(r#"{{"title":"{}","description":"d","finder":{{"kind":"human","name":"n"}}}}"#, "a".repeat(2_000_000));
    let doc = decode_json::<ReportSubmission>(huge_title.as_bytes()).unwrap();
    let diags = prepare(doc, &ReportLimits::default()).unwrap_err();
    assert_eq!((diags[0].code.as_str(), diags[0].pointer.as_str()), ("too_long", "/title"));
}
