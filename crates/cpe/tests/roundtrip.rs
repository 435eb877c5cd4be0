//! Round trips over generated names: every WFN binds to a formatted string, a URI and the WFN
//! notation that read back to the same name (the URI lower-cased), and every parsed string's
//! canonical form is a fixed point.

use clearinghouse_cpe::{Attribute, AttributeValue, Cpe, Relation, Value, Wildcard, compare, is_equal, is_superset};
use proptest::prelude::*;

fn wildcard() -> impl Strategy<Value = Wildcard> {
    prop_oneof![4 => Just(Wildcard::None), 1 => Just(Wildcard::Star), 1 => (1usize..4).prop_map(Wildcard::Questions)]
}

/// Any printable ASCII, weighted towards the characters that need quoting or encoding.
fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{1,12}",
        "[!-~]{1,12}",
        proptest::sample::select(vec!["-", "*", "?", "\\", ":", "~", "%", "%01", "\\-", "~~", "a:b", "-.-"]).prop_map(str::to_string),
    ]
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        2 => Just(AttributeValue::Any),
        1 => Just(AttributeValue::Na),
        4 => (wildcard(), literal(), wildcard()).prop_map(|(l, s, t)| AttributeValue::Value(Value::with_wildcards(l, &s, t).unwrap())),
    ]
}

fn name() -> impl Strategy<Value = Cpe> {
    let part = proptest::sample::select(vec![
        AttributeValue::Any,
        AttributeValue::value("a").unwrap(),
        AttributeValue::value("o").unwrap(),
        AttributeValue::value("h").unwrap(),
    ]);
    (part, proptest::collection::vec(attribute_value(), 10)).prop_map(|(p, rest)| {
        let mut attrs: [AttributeValue; 11] = Default::default();
        attrs[0] = p;
        for (slot, v) in attrs[1..].iter_mut().zip(rest) {
            *slot = v;
        }
        Cpe::from_attributes(attrs).unwrap()
    })
}

fn lower(c: &Cpe) -> Cpe {
    let attrs = c.attributes().clone().map(|a| match a {
        AttributeValue::Value(v) => AttributeValue::Value(Value::with_wildcards(v.leading(), &v.literal().to_ascii_lowercase(), v.trailing()).unwrap()),
        other => other,
    });
    Cpe::from_attributes(attrs).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn formatted_string_round_trips(c in name()) {
        let fs = c.to_string();
        let back = Cpe::parse(&fs).map_err(|e| TestCaseError::fail(format!("{fs}: {e}")))?;
        prop_assert_eq!(&back, &c, "{}", fs);
        prop_assert_eq!(back.to_string(), fs);
    }

    #[test]
    fn uri_round_trips(c in name()) {
        let uri = c.to_uri();
        let back = Cpe::parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(&back, &lower(&c), "{}", uri);
        prop_assert_eq!(back.to_uri(), lower(&c).to_uri());
    }

    #[test]
    fn wfn_notation_round_trips(c in name()) {
        let w = c.to_wfn_string();
        let back = Cpe::parse_wfn(&w).map_err(|e| TestCaseError::fail(format!("{w}: {e}")))?;
        prop_assert_eq!(back, c);
    }

    /// A name is EQUAL to itself attribute by attribute where it has no wildcards (UNDEFINED
    /// where it has), and to its URI form, which differs only in case.
    #[test]
    fn self_comparison(c in name()) {
        let relations = compare(&c, &c);
        for a in Attribute::ALL {
            let want = if c.get(a).has_wildcards() { Relation::Undefined } else { Relation::Equal };
            prop_assert_eq!(relations[a.index()], want);
        }
        let uri = Cpe::parse(&c.to_uri()).unwrap();
        let wild = Attribute::ALL.iter().any(|a| c.get(*a).has_wildcards());
        prop_assert_eq!(is_equal(&c, &uri), !wild);
        prop_assert!(is_superset(&Cpe::any(), &c) || wild);
    }

    /// Whatever parses, parses again from its canonical form to the same name.
    #[test]
    fn canonical_form_is_a_fixed_point(s in "cpe:2\\.3:[aho*]:([a-z0-9*?\\\\.:_-]{1,6}:){9}[a-z0-9*?\\\\.:_-]{1,6}") {
        if let Ok(c) = Cpe::parse(&s) {
            prop_assert_eq!(Cpe::parse(&c.to_string()).unwrap(), c.clone());
            prop_assert_eq!(Cpe::parse(&c.to_uri()).unwrap(), lower(&c));
        }
    }

    #[test]
    fn uri_canonical_form_is_a_fixed_point(s in "cpe:/[aho]?(:[a-z0-9.~%_-]{0,8}){0,6}") {
        if let Ok(c) = Cpe::parse(&s) {
            prop_assert_eq!(Cpe::parse(&c.to_uri()).unwrap(), c.clone());
            prop_assert_eq!(Cpe::parse(&c.to_string()).unwrap(), c);
        }
    }
}
