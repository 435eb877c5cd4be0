//! NISTIR 7696 (CPE 2.3 Name Matching): every row of table 6-2 (the attribute comparison
//! relations), the name-level relations of section 6.2 on names in the style of the document's
//! examples (Internet Explorer, Adobe Reader; not verbatim copies: the PDF is not in the shared
//! data), and the wildcard semantics.

use clearinghouse_cpe::{AttributeValue, Cpe, Relation, Value, Wildcard, compare, compare_values, is_disjoint, is_equal, is_subset, is_superset};
use proptest::prelude::*;

fn wfn(s: &str) -> Cpe {
    Cpe::parse_wfn(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn lit(s: &str) -> AttributeValue {
    AttributeValue::value(s).unwrap()
}

fn wild(leading: Wildcard, s: &str, trailing: Wildcard) -> AttributeValue {
    AttributeValue::Value(Value::with_wildcards(leading, s, trailing).unwrap())
}

/// Table 6-2, rows 1 to 17: `i` and `k` are distinct values, `m + wild cards` values with wildcards.
#[test]
fn table_6_2() {
    use AttributeValue::{Any, Na};
    use Relation::*;
    let i = lit("7.4");
    let k = lit("8.0");
    let m_wild = wild(Wildcard::None, "7.", Wildcard::Star);
    let rows: [(u8, &AttributeValue, &AttributeValue, Relation); 17] = [
        (1, &Any, &Any, Equal),
        (2, &Any, &Na, Superset),
        (3, &Any, &i, Superset),
        (4, &Any, &m_wild, Undefined),
        (5, &Na, &Any, Subset),
        (6, &Na, &Na, Equal),
        (7, &Na, &i, Disjoint),
        (8, &Na, &m_wild, Undefined),
        (9, &i, &i, Equal),
        (10, &i, &k, Disjoint),
        (11, &i, &m_wild, Undefined),
        (12, &i, &Na, Disjoint),
        (13, &i, &Any, Subset),
        (14, &m_wild, &i, Superset),
        (15, &m_wild, &Any, Subset),
        (16, &m_wild, &Na, Disjoint),
        (17, &m_wild, &m_wild, Undefined),
    ];
    for (row, source, target, relation) in rows {
        assert_eq!(compare_values(source, target), relation, "row {row}: {source} against {target}");
    }
    // Row 14's other outcome: a wildcard value that does not match.
    assert_eq!(compare_values(&m_wild, &k), Disjoint);
}

#[test]
fn values_compare_ignoring_case() {
    assert_eq!(compare_values(&lit("Microsoft"), &lit("microsoft")), Relation::Equal);
    assert_eq!(compare_values(&wild(Wildcard::Star, "SOFT", Wildcard::None), &lit("microsoft")), Relation::Superset);
    assert_eq!(compare_values(&lit("Microsoft"), &lit("micro_soft")), Relation::Disjoint);
}

/// `*` matches any number of characters (none included), each `?` exactly one; a quoted wildcard
/// character is a literal.
#[test]
fn wildcard_semantics() {
    use Relation::{Disjoint, Superset};
    let cases: &[(&str, &str, Relation)] = &[
        ("8\\.*", "8.0.6001", Superset),
        ("8\\.*", "8.", Superset),
        ("8\\.*", "9.0", Disjoint),
        ("8\\.*", "8", Disjoint),
        ("sp?", "sp2", Superset),
        ("sp?", "sp", Disjoint),
        ("sp?", "sp12", Disjoint),
        ("sp??", "sp12", Superset),
        ("?p1", "sp1", Superset),
        ("?p1", "p1", Disjoint),
        ("??foo", "xyfoo", Superset),
        ("??foo", "yfoo", Disjoint),
        ("*soft", "microsoft", Superset),
        ("*soft", "soft", Superset),
        ("*soft", "softer", Disjoint),
        ("*ern*", "internet_explorer", Superset),
        ("*ern*", "ern", Superset),
        ("*ern*", "er_n", Disjoint),
        ("*plorer?", "internet_explorer8", Superset),
        ("*plorer?", "internet_explorer", Disjoint),
        ("?nternet*", "internet_explorer", Superset),
        ("?nternet*", "nternet", Disjoint),
        ("\\*", "*", Relation::Equal),
        ("a\\?", "a?", Relation::Equal),
        ("a\\?", "ab", Disjoint),
    ];
    for (source, target, relation) in cases {
        let s = wfn(&format!("wfn:[version=\"{source}\"]"));
        let t = wfn(&format!("wfn:[version=\"{}\"]", target.replace('*', "\\*").replace('?', "\\?").replace('.', "\\.")));
        assert_eq!(compare(&s, &t)[3], *relation, "{source} against {target}");
    }
}

/// Name-level relations (section 6.2): CPE_DISJOINT if any attribute is DISJOINT, CPE_EQUAL if
/// all are EQUAL, CPE_SUBSET / CPE_SUPERSET if all are SUBSET / SUPERSET or EQUAL.
#[test]
fn name_relations() {
    // A wildcard version in the source against a specific release: a superset.
    let source = wfn(r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.*",update=ANY,edition=ANY,language=ANY]"#);
    let target = wfn(r#"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY]"#);
    assert_eq!(
        compare(&source, &target),
        [
            Relation::Equal,
            Relation::Equal,
            Relation::Equal,
            Relation::Superset,
            Relation::Superset,
            Relation::Equal,
            Relation::Equal,
            Relation::Equal,
            Relation::Equal,
            Relation::Equal,
            Relation::Equal
        ]
    );
    assert!(is_superset(&source, &target));
    assert!(!is_subset(&source, &target));
    assert!(!is_equal(&source, &target));
    assert!(!is_disjoint(&source, &target));
    // The other way round, the target has wildcards: UNDEFINED, so neither superset nor disjoint.
    assert_eq!(compare(&target, &source)[3], Relation::Undefined);
    assert!(!is_superset(&target, &source) && !is_subset(&target, &source) && !is_disjoint(&target, &source));

    // A different target hardware makes the names disjoint even where another attribute is UNDEFINED.
    let reader_any = wfn(r#"wfn:[part="a",vendor="adobe",product=ANY,version="9\.*",target_hw="x32"]"#);
    let reader_x64 = wfn(r#"wfn:[part="a",vendor="adobe",product="reader",version="9\.3\.2",update=NA,edition=NA,target_hw="x64"]"#);
    let rel = compare(&reader_any, &reader_x64);
    assert_eq!((rel[2], rel[3], rel[4], rel[9]), (Relation::Superset, Relation::Superset, Relation::Superset, Relation::Disjoint));
    assert!(is_disjoint(&reader_any, &reader_x64));
    assert!(!is_superset(&reader_any, &reader_x64));
    let reader_wild = wfn(r#"wfn:[part="a",vendor="adobe",product="reader",version="9\.*",target_hw="x64"]"#);
    let rel = compare(&reader_any, &reader_wild);
    assert_eq!((rel[3], rel[9]), (Relation::Undefined, Relation::Disjoint));
    assert!(is_disjoint(&reader_any, &reader_wild));

    // NA against ANY, both ways.
    let na_update = wfn(r#"wfn:[part="o",vendor="microsoft",product="windows_xp",update=NA]"#);
    let any_update = wfn(r#"wfn:[part="o",vendor="microsoft",product="windows_xp",update=ANY]"#);
    assert!(is_subset(&na_update, &any_update) && is_superset(&any_update, &na_update));
    assert!(!is_equal(&na_update, &any_update));

    // Equal names, ignoring case.
    let a = Cpe::parse("cpe:2.3:a:Microsoft:Internet_Explorer:8.0.6001:beta:*:*:*:*:*:*").unwrap();
    let b = Cpe::parse("cpe:/a:microsoft:internet_explorer:8.0.6001:beta").unwrap();
    assert!(is_equal(&a, &b) && is_superset(&a, &b) && is_subset(&a, &b) && !is_disjoint(&a, &b));
}

fn literal() -> impl Strategy<Value = String> {
    "[a-c0-2._]{1,5}"
}

proptest! {
    /// A source with wildcards at both ends is a superset of every target that contains its literal
    /// in a place the wildcards allow; checked against a direct enumeration.
    #[test]
    fn wildcard_matching_agrees_with_enumeration(lit in literal(), target in "[a-c0-2._]{0,8}", lead in 0usize..4, trail in 0usize..4) {
        let to_wild = |n: usize| match n { 0 => Wildcard::None, 1 => Wildcard::Star, n => Wildcard::Questions(n - 1) };
        let (leading, trailing) = (to_wild(lead), to_wild(trail));
        let value = Value::with_wildcards(leading, &lit, trailing).unwrap();
        let fits = |w: Wildcard, n: usize| match w { Wildcard::None => n == 0, Wildcard::Star => true, Wildcard::Questions(k) => n == k };
        let expected = (0..=target.len()).any(|p| target[p..].starts_with(lit.as_str()) && fits(leading, p) && fits(trailing, target.len() - p - lit.len()));
        prop_assert_eq!(value.matches(&target), expected);
        if !target.is_empty() {
            let rel = compare_values(&AttributeValue::Value(value.clone()), &AttributeValue::value(&target).unwrap());
            let want = if !value.has_wildcards() && target == lit { Relation::Equal } else if expected { Relation::Superset } else { Relation::Disjoint };
            prop_assert_eq!(rel, want);
        }
    }

    /// SUPERSET one way is SUBSET the other way for logical values and plain values.
    #[test]
    fn subset_is_the_converse_of_superset(a in 0usize..4, b in 0usize..4) {
        let pick = |n: usize| match n { 0 => AttributeValue::Any, 1 => AttributeValue::Na, 2 => lit("x"), _ => lit("y") };
        let (s, t) = (pick(a), pick(b));
        let converse = |r: Relation| match r { Relation::Superset => Relation::Subset, Relation::Subset => Relation::Superset, r => r };
        prop_assert_eq!(compare_values(&s, &t), converse(compare_values(&t, &s)));
    }
}
