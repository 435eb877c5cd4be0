//! Hostile input: random strings of every kind, huge inputs and non-ASCII text never panic, are
//! refused with a code when they are not CPEs, and whatever is accepted round-trips.

use clearinghouse_cpe::{Cpe, CpeIndex, CpeRule, MAX_CPE_LEN, codes, compare_versions};
use proptest::prelude::*;

const ALL_CODES: &[&str] = &[
    codes::TOO_LONG,
    codes::WRONG_PREFIX,
    codes::WRONG_COMPONENT_COUNT,
    codes::INVALID_PART,
    codes::ILLEGAL_CHARACTER,
    codes::EMBEDDED_WILDCARD,
    codes::WILDCARD_ONLY,
    codes::INVALID_ESCAPE,
    codes::INVALID_PERCENT_ENCODING,
    codes::EMPTY_COMPONENT,
    codes::INVALID_PACKED_EDITION,
    codes::INVALID_WFN,
];

fn check(s: &str) -> Result<(), TestCaseError> {
    match Cpe::parse(s) {
        Ok(c) => {
            let fs = c.to_string();
            prop_assert_eq!(Cpe::parse(&fs), Ok(c.clone()), "{:?} -> {}", s, fs);
            prop_assert!(Cpe::parse(&c.to_uri()).is_ok());
            prop_assert_eq!(Cpe::parse_wfn(&c.to_wfn_string()), Ok(c.clone()));
            // Matching and rules on whatever was accepted.
            let _ = clearinghouse_cpe::compare(&c, &c);
            let rule = CpeRule { version_end_excluding: Some("2.0".into()), ..CpeRule::new(c.clone()) };
            let _ = rule.matches(&c);
        }
        Err(e) => {
            prop_assert!(ALL_CODES.contains(&e.code.as_str()), "unknown code {}", e.code);
            prop_assert!(!e.message.is_empty());
            prop_assert!(e.message.len() < 600, "message of {} bytes", e.message.len());
        }
    }
    let _ = Cpe::parse_formatted_string(s);
    let _ = Cpe::parse_uri(s);
    let _ = Cpe::parse_wfn(s);
    let _ = compare_versions(s, "1.0");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn any_string(s in "\\PC{0,64}") {
        check(&s)?;
    }

    #[test]
    fn any_unicode_after_a_prefix(prefix in proptest::sample::select(vec!["cpe:2.3:", "cpe:/", "CPE:2.3:", "wfn:[", "cpe:"]), rest in ".{0,80}") {
        check(&format!("{prefix}{rest}"))?;
    }

    #[test]
    fn cpe_like_noise(s in "cpe:(2\\.3:|/)[aoh*?\\-:%~\\\\0-9a-f.]{0,60}") {
        check(&s)?;
    }

    #[test]
    fn wfn_like_noise(s in "wfn:\\[[a-z_=\",\\\\*?. A-Z0-9-]{0,60}\\]") {
        check(&s)?;
        let _ = Cpe::parse_wfn(&s);
    }

    #[test]
    fn bytes_as_lossy_text(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let s = String::from_utf8_lossy(&bytes);
        check(&s)?;
        check(&format!("cpe:2.3:{s}"))?;
        check(&format!("cpe:/{s}"))?;
    }

    #[test]
    fn version_strings(a in "\\PC{0,20}", b in "[0-9a-z.+_~-]{0,20}") {
        let _ = compare_versions(&a, &b);
        let _ = compare_versions(&b, &a);
        if let Some(o) = compare_versions(&a, &b) {
            prop_assert_eq!(compare_versions(&b, &a), Some(o.reverse()));
        }
    }
}

#[test]
fn huge_inputs_are_refused_quickly() {
    for s in [
        "x".repeat(10_000_000),
        format!("cpe:2.3:{}", ":".repeat(5_000_000)),
        format!("cpe:/a:{}", "%01".repeat(1_000_000)),
        format!("wfn:[{}]", "vendor=\"a\",".repeat(100_000)),
        format!("cpe:2.3:a:v:{}:1:*:*:*:*:*:*:*", "é".repeat(600)),
    ] {
        let started = std::time::Instant::now();
        let e = Cpe::parse(&s).err().or_else(|| Cpe::parse_wfn(&s).err()).unwrap();
        assert_eq!(e.code, codes::TOO_LONG);
        assert!(!e.message.contains("xxxx"), "the input is not echoed");
        assert!(started.elapsed().as_secs() < 2);
    }
    assert!(Cpe::parse_wfn(&format!("wfn:[{}]", "vendor=\"a\",".repeat(100_000))).is_err());
    assert_eq!(compare_versions(&"1.".repeat(1_000_000), "1"), None);
}

#[test]
fn many_components_within_the_cap() {
    let colons = format!("cpe:2.3:{}", ":".repeat(MAX_CPE_LEN - 8));
    assert_eq!(Cpe::parse(&colons).unwrap_err().code, codes::WRONG_COMPONENT_COUNT);
    let escapes = format!("cpe:2.3:a:v:{}:1:*:*:*:*:*:*:*", "\\!".repeat(490));
    let c = Cpe::parse(&escapes).unwrap();
    assert_eq!(c.product().literal().map(str::len), Some(490));
    let questions = format!("cpe:2.3:a:v:{}x{}:1:*:*:*:*:*:*:*", "?".repeat(400), "?".repeat(400));
    let q = Cpe::parse(&questions).unwrap();
    assert!(q.product().as_value().unwrap().matches(&format!("{}x{}", "a".repeat(400), "b".repeat(400))));
    assert_eq!(Cpe::parse(&q.to_uri()).unwrap_err().code, codes::TOO_LONG, "its URI, at three bytes a wildcard, is over the cap");
}

#[test]
fn unicode_everywhere() {
    let cases = [
        "cpe:2.3:a:vendor:prödüct:1.0:*:*:*:*:*:*:*",
        "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:🦀",
        "cpe:/a:vendor:产品",
        "cpe:/a:vendor:product:1.0:\u{200b}",
        "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*\u{feff}",
        "cpe:2.3:a:vendor:\\é:1.0:*:*:*:*:*:*:*",
        "cpe:/a:vendor:%c3%a9",
    ];
    for s in cases {
        let e = Cpe::parse(s).unwrap_err();
        assert!(matches!(e.code.as_str(), codes::ILLEGAL_CHARACTER | codes::INVALID_PERCENT_ENCODING), "{s}: {e}");
    }
    for s in ["cpé:2.3:a", "ćpe:/a", "c\u{301}pe:/a", "🦀🦀🦀🦀🦀🦀🦀🦀"] {
        assert_eq!(Cpe::parse(s).unwrap_err().code, codes::WRONG_PREFIX, "{s}");
    }
    assert_eq!(Cpe::parse_wfn("wfn:[vendor=\"é\"]").unwrap_err().code, codes::ILLEGAL_CHARACTER);
    assert_eq!(Cpe::parse_wfn("wfn:[vendör=\"a\"]").unwrap_err().code, codes::INVALID_WFN);
    assert_eq!(compare_versions("1.0", "１.０"), None);

    let mut index = CpeIndex::new();
    index.insert("A", CpeRule::new(Cpe::parse("cpe:2.3:a:v:p:*:*:*:*:*:*:*:*").unwrap()));
    assert_eq!(index.query(&Cpe::parse("cpe:/a:v:p:1").unwrap()).len(), 1);
}
