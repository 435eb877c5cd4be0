//! Property tests: no input panics; every valid vector scores within 0.0..=10.0 with one decimal,
//! and its normalized form reads back to the same vector and the same scores.

use clearinghouse_cvss::{MAX_VECTOR_LEN, Scores, Version, parse};
use proptest::prelude::*;

/// (metric, values including the not-defined one for optional metrics, mandatory), per version,
/// written out here independently of the crate's tables.
type Spec = &'static [(&'static str, &'static [&'static str], bool)];

const V2: Spec = &[
    ("AV", &["L", "A", "N"], true),
    ("AC", &["H", "M", "L"], true),
    ("Au", &["M", "S", "N"], true),
    ("C", &["N", "P", "C"], true),
    ("I", &["N", "P", "C"], true),
    ("A", &["N", "P", "C"], true),
    ("E", &["U", "POC", "F", "H", "ND"], false),
    ("RL", &["OF", "TF", "W", "U", "ND"], false),
    ("RC", &["UC", "UR", "C", "ND"], false),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    ("TD", &["N", "L", "M", "H", "ND"], false),
    ("CR", &["L", "M", "H", "ND"], false),
    ("IR", &["L", "M", "H", "ND"], false),
    ("AR", &["L", "M", "H", "ND"], false),
];

const V3: Spec = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "R"], true),
    ("S", &["U", "C"], true),
    ("C", &["H", "L", "N"], true),
    ("I", &["H", "L", "N"], true),
    ("A", &["H", "L", "N"], true),
    ("E", &["X", "H", "F", "P", "U"], false),
    ("RL", &["X", "U", "W", "T", "O"], false),
    ("RC", &["X", "C", "R", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "R"], false),
    ("MS", &["X", "U", "C"], false),
    ("MC", &["X", "H", "L", "N"], false),
    ("MI", &["X", "H", "L", "N"], false),
    ("MA", &["X", "H", "L", "N"], false),
];

const V4: Spec = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("AT", &["N", "P"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "P", "A"], true),
    ("VC", &["H", "L", "N"], true),
    ("VI", &["H", "L", "N"], true),
    ("VA", &["H", "L", "N"], true),
    ("SC", &["H", "L", "N"], true),
    ("SI", &["H", "L", "N"], true),
    ("SA", &["H", "L", "N"], true),
    ("E", &["X", "A", "P", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MAT", &["X", "N", "P"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "P", "A"], false),
    ("MVC", &["X", "H", "L", "N"], false),
    ("MVI", &["X", "H", "L", "N"], false),
    ("MVA", &["X", "H", "L", "N"], false),
    ("MSC", &["X", "H", "L", "N"], false),
    ("MSI", &["X", "S", "H", "L", "N"], false),
    ("MSA", &["X", "S", "H", "L", "N"], false),
    ("S", &["X", "N", "P"], false),
    ("AU", &["X", "N", "Y"], false),
    ("R", &["X", "A", "U", "I"], false),
    ("V", &["X", "D", "C"], false),
    ("RE", &["X", "L", "M", "H"], false),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

const VERSIONS: [(&str, Spec, bool); 4] = [("", V2, false), ("CVSS:3.0/", V3, false), ("CVSS:3.1/", V3, false), ("CVSS:4.0/", V4, true)];

/// A valid vector: every mandatory metric, each optional one present with some probability;
/// v2 and v3 fields in random order.
fn valid_vector() -> impl Strategy<Value = String> {
    (0usize..4, prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 32), any::<u64>()).prop_map(|(version, picks, seed)| {
        let (prefix, spec, ordered) = VERSIONS[version];
        let mut fields: Vec<String> = spec
            .iter()
            .zip(&picks)
            .filter(|((_, _, mandatory), (_, present))| *mandatory || *present)
            .map(|((key, values, _), (index, _))| format!("{key}:{}", values[index.index(values.len())]))
            .collect();
        if !ordered {
            // A deterministic shuffle from the seed (Fisher-Yates with an LCG).
            let mut state = seed | 1;
            for i in (1..fields.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = (state >> 33) as usize % (i + 1);
                fields.swap(i, j);
            }
        }
        format!("{prefix}{}", fields.join("/"))
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, char),
    Insert(prop::sample::Index, char),
    Delete(prop::sample::Index),
    /// Swaps the values of two fields.
    SwapValues(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop_oneof![prop::char::range('A', 'Z'), Just(':'), Just('/'), Just('.'), Just('X'), prop::char::range('0', '9'), any::<char>(),];
    prop_oneof![
        (any::<prop::sample::Index>(), interesting.clone()).prop_map(|(i, c)| Mutation::Flip(i, c)),
        (any::<prop::sample::Index>(), interesting).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
    ]
}

fn apply(vector: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = vector.chars().collect();
    match m {
        Mutation::Flip(i, c) if !chars.is_empty() => {
            let i = i.index(chars.len());
            chars[i] = *c;
        }
        Mutation::Insert(i, c) => {
            let i = i.index(chars.len() + 1);
            chars.insert(i, *c);
        }
        Mutation::Delete(i) if !chars.is_empty() => {
            let i = i.index(chars.len());
            chars.remove(i);
        }
        Mutation::SwapValues(a, b) => {
            let s: String = chars.iter().collect();
            let mut fields: Vec<String> = s.split('/').map(str::to_string).collect();
            let (a, b) = (a.index(fields.len()), b.index(fields.len()));
            let split = |f: &str| f.split_once(':').map(|(k, v)| (k.to_string(), v.to_string()));
            if let (Some((ka, va)), Some((kb, vb))) = (split(&fields[a]), split(&fields[b])) {
                fields[a] = format!("{ka}:{vb}");
                fields[b] = format!("{kb}:{va}");
            }
            return fields.join("/");
        }
        _ => {}
    }
    chars.into_iter().collect()
}

fn one_decimal(x: f64) -> bool {
    (x * 10.0 - (x * 10.0).round()).abs() < 1e-9
}

fn check_scores(s: &Scores) -> Result<(), TestCaseError> {
    for score in [Some(s.base_score), s.temporal_score, s.threat_score, s.environmental_score].into_iter().flatten() {
        prop_assert!((0.0..=10.0).contains(&score), "{score} out of range in {s:?}");
        prop_assert!(one_decimal(score), "{score} has more than one decimal");
    }
    Ok(())
}

/// Whatever `input` is: no panic; an error has diagnostics; a vector scores in range and its
/// normalized form reads back the same.
fn check_any(input: &str) -> Result<(), TestCaseError> {
    match parse(input) {
        Err(problems) => {
            prop_assert!(!problems.is_empty());
            prop_assert!(problems.iter().all(|p| !p.code.is_empty() && !p.message.is_empty()));
        }
        Ok(v) => {
            let s = v.scores();
            check_scores(&s)?;
            let normalized = v.normalized();
            prop_assert!(normalized.len() <= input.len() + 2, "normalized {normalized} longer than {input}");
            let again = parse(&normalized).map_err(|d| TestCaseError::fail(format!("{normalized} refused: {d:?}")))?;
            prop_assert_eq!(&again, &v);
            prop_assert_eq!(again.scores(), s);
            prop_assert_eq!(again.normalized(), normalized);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(s in any::<String>()) {
        check_any(&s)?;
    }

    #[test]
    fn vector_alphabet_strings_never_panic(s in "(CVSS:[0-9.]{1,4}/)?([A-Za-z]{1,4}:[A-Za-z]{0,5}/?){0,40}") {
        check_any(&s)?;
    }

    #[test]
    fn long_strings_never_panic(s in "[A-Z:/]{900,1100}") {
        check_any(&s)?;
        if s.len() > MAX_VECTOR_LEN {
            prop_assert!(parse(&s).is_err());
        }
    }

    #[test]
    fn valid_vectors_score_in_range_and_round_trip(v in valid_vector()) {
        let parsed = parse(&v).map_err(|d| TestCaseError::fail(format!("{v} refused: {d:?}")))?;
        check_any(&v)?;
        let s = parsed.scores();
        // Which scores exist follows the version.
        match parsed.version() {
            Version::V2 | Version::V3_0 | Version::V3_1 => prop_assert!(s.threat_score.is_none() && s.nomenclature.is_none()),
            Version::V4_0 => prop_assert!(s.temporal_score.is_none() && s.nomenclature.is_some()),
        }
    }

    #[test]
    fn mutated_vectors_never_panic(v in valid_vector(), mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut s = v;
        for m in &mutations {
            s = apply(&s, m);
        }
        check_any(&s)?;
    }
}
