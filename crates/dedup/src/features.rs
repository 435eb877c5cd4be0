//! From a report to the set of features MinHash works on: word shingles of the text, and tagged features
//! for the packages and the location.

use serde::{Deserialize, Serialize};

use crate::ReportText;
use crate::hash::{fmix64, fnv1a, token_hash};
use crate::normalize::{location_basename, normalize_location, normalize_package, package_basename, truncate, words};

/// Bytes of a title looked at.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Bytes of a description looked at (the first 16 KiB identify a report; what follows is mostly logs).
pub const MAX_DESCRIPTION_BYTES: usize = crate::normalize::MAX_TEXT_BYTES;
/// Packages looked at, in the order given.
pub const MAX_PACKAGES: usize = 32;
/// Features of one report (after de-duplication the set is at most this large).
pub const MAX_TOKENS: usize = 16 * 1024;

/// How a report becomes a feature set. [`Features::default`] is the setting the band keys are built with;
/// other settings exist to evaluate alternatives (the `dedup_eval` example) and their band keys live in a
/// key space of their own ([`Features::id`] is mixed into every band key), so they can never be confused
/// with the default's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Features {
    /// Shortest word n-gram (shingle) taken from the text, at least 1.
    pub min_ngram: u8,
    /// Longest word n-gram; `min_ngram..=max_ngram` are all taken.
    pub max_ngram: u8,
    /// Copies of each package feature in the set (0: packages ignored). A set weighs each member
    /// equally, so a copy count is how a package outweighs single words.
    pub package_weight: u8,
    /// Copies of each location feature in the set (0: location ignored).
    pub location_weight: u8,
    /// Whether the words of the location are also shingled like text (`CWE122_..._bad` then shares words
    /// with a description that names the bug class, and a file name with a function name).
    pub location_words: bool,
    /// Whether words of the packages' names stay in the title and description. Off: "X in
    /// github.com/acme/server" and "Y in github.com/acme/server" do not share `github com acme server`
    /// through the text (the package counts once, through its tagged features).
    pub package_words_in_text: bool,
}

impl Default for Features {
    /// Word 1- to 3-grams; each package and the location as two tagged features of weight 1; location
    /// words shingled with the text; package-name words taken out of the text. Chosen on the labelled sets
    /// (see the crate documentation and README).
    fn default() -> Self {
        Features { min_ngram: 1, max_ngram: 3, package_weight: 1, location_weight: 1, location_words: true, package_words_in_text: false }
    }
}

impl Features {
    /// The n-gram bounds as used: `1 <= min <= max <= 5`.
    fn ngrams(&self) -> (usize, usize) {
        let min = usize::from(self.min_ngram).clamp(1, 5);
        let max = usize::from(self.max_ngram).clamp(min, 5);
        (min, max)
    }

    /// A stable number for this setting, mixed into band keys.
    pub fn id(&self) -> u64 {
        let (min, max) = self.ngrams();
        let bytes = [min as u8, max as u8, self.package_weight, self.location_weight, u8::from(self.location_words), u8::from(self.package_words_in_text)];
        fmix64(fnv1a(crate::hash::FNV_OFFSET, &bytes))
    }
}

/// The readable features of `report`, sorted and distinct: word n-grams (words joined by a space),
/// `pkg:<type/namespace/name>` and `pkgname:<name>` per package (a plain name gives both, so that it
/// meets the purl of the same package on `pkgname:`), `loc:<location>` and `locname:<last segment>`; a feature with weight `k > 1` appears `k` times, as `pkg:`, `pkg2:`, ...
/// For inspection and tests: [`TokenSet`] hashes the same strings.
pub fn features(report: &ReportText, settings: &Features) -> Vec<String> {
    let mut out = Vec::new();
    each_feature(report, settings, &mut |f| out.push(f.to_string()));
    out.sort();
    out.dedup();
    out
}

/// Calls `emit` with every feature of `report`, at most [`MAX_TOKENS`] times (duplicates included).
fn each_feature(report: &ReportText, settings: &Features, emit: &mut dyn FnMut(&str)) {
    let (min, max) = settings.ngrams();
    let mut budget = MAX_TOKENS;
    let mut put = |f: &str, budget: &mut usize| {
        if *budget > 0 {
            *budget -= 1;
            emit(f);
        }
    };
    let mut fields = vec![words(truncate(&report.title, MAX_TITLE_BYTES)), words(truncate(&report.description, MAX_DESCRIPTION_BYTES))];
    if !settings.package_words_in_text {
        let package_words: std::collections::HashSet<String> =
            report.packages.iter().take(MAX_PACKAGES).filter_map(|p| normalize_package(p)).flat_map(|p| words(&p)).collect();
        for field in &mut fields {
            field.retain(|w| !package_words.contains(w));
        }
    }
    let location = report.location.as_deref().and_then(normalize_location);
    if settings.location_words
        && let Some(loc) = &location
    {
        fields.push(words(loc));
    }
    let mut shingle = String::new();
    for field in &fields {
        for n in min..=max {
            if field.len() < n {
                // A field shorter than the shortest shingle is one shingle of its own.
                if n == min && !field.is_empty() {
                    put(&field.join(" "), &mut budget);
                }
                continue;
            }
            for window in field.windows(n) {
                shingle.clear();
                for (k, w) in window.iter().enumerate() {
                    if k > 0 {
                        shingle.push(' ');
                    }
                    shingle.push_str(w);
                }
                put(&shingle, &mut budget);
            }
        }
    }
    let mut tagged = |tag: &str, value: &str, weight: u8, budget: &mut usize| {
        for copy in 1..=weight {
            let f = if copy == 1 { format!("{tag}:{value}") } else { format!("{tag}{copy}:{value}") };
            put(&f, budget);
        }
    };
    for package in report.packages.iter().take(MAX_PACKAGES) {
        if let Some(p) = normalize_package(package) {
            tagged("pkg", &p, settings.package_weight, &mut budget);
            tagged("pkgname", package_basename(&p), settings.package_weight, &mut budget);
        }
    }
    if let Some(loc) = &location {
        tagged("loc", loc, settings.location_weight, &mut budget);
        tagged("locname", location_basename(loc), settings.location_weight, &mut budget);
    }
}

/// A report's features as a sorted set of 64-bit hashes: what MinHash and exact Jaccard work on. Carries
/// the [`Features`] setting it was built with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    hashes: Vec<u64>,
    settings: Features,
}

impl TokenSet {
    /// The feature set of `report` with the default [`Features`].
    pub fn new(report: &ReportText) -> Self {
        Self::with_features(report, &Features::default())
    }

    /// The feature set of `report` with other settings.
    pub fn with_features(report: &ReportText, settings: &Features) -> Self {
        let mut hashes = Vec::new();
        each_feature(report, settings, &mut |f| hashes.push(token_hash(f)));
        hashes.sort_unstable();
        hashes.dedup();
        TokenSet { hashes, settings: *settings }
    }

    /// The hashes, sorted and distinct.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// The settings this set was built with.
    pub fn settings(&self) -> &Features {
        &self.settings
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The exact Jaccard similarity |A ∩ B| / |A ∪ B| of two feature sets, in `[0, 1]`; 0 when either is
/// empty (a report with no features is a duplicate of nothing). For verification and evaluation: the
/// store keeps signatures, not sets.
pub fn jaccard(a: &TokenSet, b: &TokenSet) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (x, y) = (&a.hashes, &b.hashes);
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (x.len() + y.len() - common) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(title: &str, description: &str, packages: &[&str], location: Option<&str>) -> ReportText {
        ReportText {
            title: title.into(),
            description: description.into(),
            packages: packages.iter().map(|p| p.to_string()).collect(),
            location: location.map(String::from),
        }
    }

    #[test]
    fn shingles_and_tagged_features() {
        let r = report("Heap overflow in foo", "in read_header", &["pkg:cargo/foo@1.0"], Some("src/parse.c:12"));
        let settings = Features { min_ngram: 1, max_ngram: 2, package_weight: 2, location_weight: 1, location_words: false, package_words_in_text: true };
        let f = features(&r, &settings);
        assert_eq!(
            f,
            [
                "foo",
                "header",
                "heap",
                "heap overflow",
                "loc:src/parse.c",
                "locname:parse.c",
                "overflow",
                "overflow foo",
                "pkg2:cargo/foo",
                "pkg:cargo/foo",
                "pkgname2:foo",
                "pkgname:foo",
                "read",
                "read header"
            ]
        );
        // Package words out of the text, location words in.
        let f = features(&r, &Features { package_words_in_text: false, location_words: true, package_weight: 1, ..settings });
        assert_eq!(
            f,
            [
                "c",
                "header",
                "heap",
                "heap overflow",
                "loc:src/parse.c",
                "locname:parse.c",
                "overflow",
                "pars",
                "pars c",
                "pkg:cargo/foo",
                "pkgname:foo",
                "read",
                "read header",
                "src",
                "src pars"
            ]
        );
    }

    #[test]
    fn short_field_is_one_shingle() {
        let r = report("overflow", "", &[], None);
        let f =
            features(&r, &Features { min_ngram: 2, max_ngram: 3, package_weight: 0, location_weight: 0, location_words: false, package_words_in_text: true });
        assert_eq!(f, ["overflow"]);
    }

    #[test]
    fn jaccard_exact() {
        let s = Features { min_ngram: 1, max_ngram: 1, package_weight: 0, location_weight: 0, location_words: false, package_words_in_text: true };
        let a = TokenSet::with_features(&report("alpha beta gamma", "", &[], None), &s);
        let b = TokenSet::with_features(&report("beta gamma delta", "", &[], None), &s);
        assert!((jaccard(&a, &b) - 0.5).abs() < 1e-12);
        assert_eq!(jaccard(&a, &a), 1.0);
        let empty = TokenSet::with_features(&ReportText::default(), &s);
        assert_eq!(jaccard(&empty, &empty), 0.0);
    }

    #[test]
    fn settings_ids_differ() {
        let d = Features::default();
        assert_ne!(d.id(), Features { max_ngram: 2, ..d }.id());
        assert_ne!(d.id(), Features { package_words_in_text: true, ..d }.id());
        assert_eq!(d.id(), Features::default().id());
    }
}
