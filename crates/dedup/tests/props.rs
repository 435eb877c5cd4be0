//! Property tests: no input panics the normaliser or the fingerprint, whatever the parameters; a report is
//! exactly similar to itself, similarity is symmetric and in [0, 1]; the estimate follows the exact
//! Jaccard similarity; reworded reports that share a key phrase are more similar than unrelated ones.

use clearinghouse_dedup::normalize::{normalize_location, normalize_package, words};
use clearinghouse_dedup::{
    Features, Index, MAX_TOKENS, Params, ReportText, TokenSet, estimate_similarity, features, fingerprint, fingerprint_tokens, is_near_duplicate, jaccard,
};
use proptest::prelude::*;

/// Any text: arbitrary Unicode, or text built from the characters the normaliser treats specially.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 .,:_'’/\\\\@%#?()\\-\n\t]{0,200}",
        "(0x[0-9a-f]{1,16}|[0-9]{1,5}[.,][0-9]{1,4}|pkg:[a-z]{1,6}/[a-z%0-9@]{0,10}|[缓冲区溢出]{1,5}|[A-Z]{1,4}[0-9]{1,3}| ){0,40}",
    ]
}

fn report() -> impl Strategy<Value = ReportText> {
    (text(), text(), prop::collection::vec(text(), 0..5), prop::option::of(text())).prop_map(|(title, description, packages, location)| ReportText {
        title,
        description,
        packages,
        location,
    })
}

fn params() -> impl Strategy<Value = Params> {
    (0usize..300, 0usize..100, 0usize..20, prop_oneof![Just(f64::NAN), -1.0f64..2.0]).prop_map(|(permutations, bands, rows, threshold)| Params {
        permutations,
        bands,
        rows,
        threshold,
    })
}

fn settings() -> impl Strategy<Value = Features> {
    (any::<u8>(), any::<u8>(), 0u8..5, 0u8..5, any::<bool>(), any::<bool>()).prop_map(|(a, b, p, l, lw, pw)| Features {
        min_ngram: a,
        max_ngram: b,
        package_weight: p,
        location_weight: l,
        location_words: lw,
        package_words_in_text: pw,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn normalisers_never_panic(s in text()) {
        let w = words(&s);
        prop_assert!(w.iter().all(|w| !w.is_empty() && !w.contains(char::is_whitespace)));
        if let Some(p) = normalize_package(&s) {
            prop_assert!(!p.is_empty());
        }
        if let Some(l) = normalize_location(&s) {
            prop_assert!(!l.is_empty());
        }
    }

    #[test]
    fn fingerprints_never_panic(r in report(), p in params(), f in settings()) {
        let tokens = TokenSet::with_features(&r, &f);
        prop_assert!(tokens.len() <= MAX_TOKENS);
        let fp = fingerprint_tokens(&tokens, &p);
        let (perms, bands, _) = p.effective();
        prop_assert!(fp.minhash.is_empty() || fp.minhash.len() == perms);
        prop_assert!(fp.bands.len() <= bands);
        let s = estimate_similarity(&fp, &fp);
        prop_assert!((0.0..=1.0).contains(&s));
        let c = p.candidate_probability(s);
        prop_assert!((0.0..=1.0).contains(&c));
        let _ = is_near_duplicate(&fp, &fp, &p);
    }

    #[test]
    fn a_report_is_identical_to_itself(r in report()) {
        let params = Params::default();
        let tokens = TokenSet::new(&r);
        let fp = fingerprint(&r, &params);
        prop_assert_eq!(&fp, &fingerprint(&r.clone(), &params), "deterministic");
        if tokens.is_empty() {
            prop_assert!(fp.minhash.is_empty() && fp.bands.is_empty());
            prop_assert_eq!(estimate_similarity(&fp, &fp), 0.0);
        } else {
            prop_assert_eq!(estimate_similarity(&fp, &fp), 1.0);
            prop_assert_eq!(jaccard(&tokens, &tokens), 1.0);
            prop_assert_eq!(is_near_duplicate(&fp, &fp, &params), Some(1.0));
        }
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in report(), b in report()) {
        let params = Params::default();
        let (fa, fb) = (fingerprint(&a, &params), fingerprint(&b, &params));
        let s = estimate_similarity(&fa, &fb);
        prop_assert_eq!(s, estimate_similarity(&fb, &fa));
        prop_assert!((0.0..=1.0).contains(&s));
        let (ta, tb) = (TokenSet::new(&a), TokenSet::new(&b));
        let j = jaccard(&ta, &tb);
        prop_assert_eq!(j, jaccard(&tb, &ta));
        prop_assert!((0.0..=1.0).contains(&j));
        prop_assert_eq!(is_near_duplicate(&fa, &fb, &params), is_near_duplicate(&fb, &fa, &params));
    }
}

const KEY_WORDS: &[&str] = &[
    "heap",
    "stack",
    "overflow",
    "underflow",
    "parser",
    "decoder",
    "inflate",
    "header",
    "chunk",
    "tiff",
    "jpeg",
    "png",
    "zlib",
    "width",
    "height",
    "palette",
    "scanline",
    "chroma",
];
const OTHER_KEY_WORDS: &[&str] = &[
    "cookie",
    "session",
    "token",
    "redirect",
    "template",
    "regex",
    "unicode",
    "certificate",
    "signature",
    "nonce",
    "handshake",
    "ssh",
    "agent",
    "channel",
    "mutex",
    "socket",
    "archive",
    "symlink",
    "path",
];
const FILLER: &[&str] = &[
    "we",
    "found",
    "issue",
    "while",
    "testing",
    "latest",
    "release",
    "crash",
    "reproduce",
    "attached",
    "proof",
    "concept",
    "please",
    "fix",
    "soon",
    "impact",
    "attacker",
    "remote",
    "local",
    "user",
    "input",
    "crafted",
    "file",
    "causes",
    "memory",
    "corruption",
    "observed",
    "sanitizer",
    "report",
    "build",
    "version",
    "default",
    "configuration",
    "server",
    "client",
    "library",
    "function",
    "call",
    "return",
    "value",
    "check",
    "missing",
    "bounds",
    "length",
    "size",
    "buffer",
    "data",
    "read",
    "write",
    "access",
];

fn phrase(vocab: &'static [&'static str], len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(vocab), len)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `a` and `b` say the same key phrase in other filler words; `c` says another key phrase (from other
    /// key words). Filler words come from one vocabulary for all three, so only the key phrase separates the
    /// pairs.
    #[test]
    fn shared_key_phrase_beats_unrelated(
        key in phrase(KEY_WORDS, 5..8),
        other_key in phrase(OTHER_KEY_WORDS, 5..8),
        fa in phrase(FILLER, 4..10),
        fb in phrase(FILLER, 4..10),
        fc in phrase(FILLER, 4..10),
    ) {
        let doc = |filler: &[&str], key: &[&str], split: usize| {
            let split = split.min(filler.len());
            ReportText {
                title: format!("{} {}", key[..2].join(" "), filler[..split].join(" ")),
                description: format!("{} {} {}", filler[split..].join(" "), key.join(" "), filler[..split].join(" ")),
                ..ReportText::default()
            }
        };
        let (a, b, c) = (doc(&fa, &key, 1), doc(&fb, &key, 3), doc(&fc, &other_key, 2));
        let (ta, tb, tc) = (TokenSet::new(&a), TokenSet::new(&b), TokenSet::new(&c));
        prop_assert!(jaccard(&ta, &tb) > jaccard(&ta, &tc), "{:?}\n{:?}\n{:?}", features(&a, &Features::default()), features(&b, &Features::default()), features(&c, &Features::default()));
        // The estimate agrees with the exact similarity well enough that the order survives, except within noise.
        let params = Params::default();
        let (ea, eb, ec) = (fingerprint(&a, &params), fingerprint(&b, &params), fingerprint(&c, &params));
        prop_assert!(estimate_similarity(&ea, &eb) + 0.15 > estimate_similarity(&ea, &ec));
    }
}

/// The estimate is unbiased enough: the mean absolute error against exact Jaccard over many pairs of
/// overlapping word sets is within what 128 permutations promise (standard error at most 0.044).
#[test]
fn estimate_tracks_exact_jaccard() {
    let vocab: Vec<String> = (0..400).map(|i| format!("w{i}x")).collect();
    let params = Params::default();
    let unigrams = Features { min_ngram: 1, max_ngram: 1, package_weight: 0, location_weight: 0, location_words: false, package_words_in_text: true };
    let mut total = 0.0;
    let mut worst: f64 = 0.0;
    let n = 300;
    for k in 0..n {
        // Two windows over the vocabulary with varying overlap.
        let a = ReportText { title: vocab[k % 100..k % 100 + 80].join(" "), ..ReportText::default() };
        let b = ReportText { title: vocab[k % 100 + (k % 80)..k % 100 + (k % 80) + 80].join(" "), ..ReportText::default() };
        let (ta, tb) = (TokenSet::with_features(&a, &unigrams), TokenSet::with_features(&b, &unigrams));
        let exact = jaccard(&ta, &tb);
        let est = estimate_similarity(&fingerprint_tokens(&ta, &params), &fingerprint_tokens(&tb, &params));
        total += (exact - est).abs();
        worst = worst.max((exact - est).abs());
    }
    let mean = total / n as f64;
    assert!(mean < 0.045, "mean absolute error {mean}");
    assert!(worst < 0.2, "worst error {worst}");
}

#[test]
fn empty_reports_are_duplicates_of_nothing() {
    let params = Params::default();
    let empty = fingerprint(&ReportText::default(), &params);
    let punctuation = fingerprint(&ReportText { title: "!!! ... ???".into(), description: "the of and".into(), ..ReportText::default() }, &params);
    assert!(empty.minhash.is_empty() && empty.bands.is_empty());
    assert_eq!(is_near_duplicate(&empty, &punctuation, &params), None);
    let mut index = Index::new();
    index.insert(1u32, empty.clone());
    assert!(index.candidates(&empty).is_empty());
}

#[test]
fn huge_input_is_bounded() {
    let big = "overflow in parser ".repeat(200_000);
    let packages = vec!["pkg:npm/".to_string() + &"a".repeat(100_000); 1000];
    let r = ReportText { title: big.clone(), description: big.clone(), packages, location: Some(big) };
    let tokens = TokenSet::new(&r);
    assert!(tokens.len() <= MAX_TOKENS);
    let fp = fingerprint(&r, &Params::default());
    assert_eq!(fp.minhash.len(), 128);
}

#[test]
fn index_files_and_finds() {
    let params = Params::default();
    let a = ReportText {
        title: "Heap buffer overflow in png_read_row".into(),
        description: "A crafted PNG with a huge width makes png_read_row write past the row buffer.".into(),
        packages: vec!["pkg:generic/libpng@1.6.43".into()],
        location: Some("pngrutil.c:3172".into()),
    };
    let b = ReportText {
        title: "libpng: out-of-bounds write in png_read_row on oversized width".into(),
        description: "png_read_row writes past the end of the row buffer when the image width is huge (heap overflow).".into(),
        packages: vec!["libpng".into()],
        location: Some("src/pngrutil.c:3170".into()),
    };
    let c = ReportText {
        title: "SQL injection in login form".into(),
        description: "The username field is concatenated into a query.".into(),
        packages: vec!["pkg:npm/acme-auth".into()],
        location: Some("lib/login.js".into()),
    };
    let mut index = Index::new();
    index.insert("A", fingerprint(&a, &params));
    index.insert("C", fingerprint(&c, &params));
    let fb = fingerprint(&b, &params);
    let found = index.near_duplicates(&fb, &params);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "A");
    assert!(found[0].1 >= params.threshold);
    assert_eq!(index.near_duplicates(&fingerprint(&a, &params), &params)[0], ("A", 1.0));
    // Re-filing replaces; removing forgets.
    index.insert("A", fingerprint(&c, &params));
    assert!(index.near_duplicates(&fb, &params).is_empty());
    assert!(index.remove(&"A").is_some());
    assert_eq!(index.len(), 1);
    assert!(index.remove(&"A").is_none());
}
