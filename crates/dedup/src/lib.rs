//! Clearinghouse near-duplicate detection: is this incoming vulnerability report the same bug as one we
//! already hold, reported by someone else in other words?
//!
//! Architecture invariant: no I/O (no files, network or clock). The index a server uses lives in the store;
//! this crate computes what is stored and how it is compared.
//!
//! ```
//! use clearinghouse_dedup::{Index, Params, ReportText, fingerprint};
//!
//! let params = Params::default();
//! let first = ReportText {
//!     title: "Heap buffer overflow in png_read_row".into(),
//!     description: "A crafted PNG with a huge width makes png_read_row write past the row buffer.".into(),
//!     packages: vec!["pkg:generic/libpng@1.6.43".into()],
//!     location: Some("pngrutil.c:3172".into()),
//! };
//! let second = ReportText {
//!     title: "libpng: out-of-bounds write in png_read_row on oversized width".into(),
//!     description: "png_read_row writes past the end of the row buffer when the image width is huge.".into(),
//!     packages: vec!["libpng".into()],
//!     location: Some("src/pngrutil.c:3170".into()),
//! };
//! let mut index = Index::new();
//! index.insert("CLH-2026-1", fingerprint(&first, &params));
//! let found = index.near_duplicates(&fingerprint(&second, &params), &params);
//! assert_eq!(found[0].0, "CLH-2026-1");
//! ```
//!
//! # Why MinHash and LSH
//! Two reports of one bug share words, phrases, the package and often the file or function, but not their
//! bytes: an exact hash finds nothing, and comparing every new report with every stored one is a scan of
//! the whole store per report (tens of thousands a day). So a report becomes a set of features
//! ([`features`], [`TokenSet`]) and two reports are as similar as the Jaccard similarity of their sets
//! ([`jaccard`]). MinHash keeps, for each of `permutations` pseudo-random orderings of all possible features,
//! the smallest of the report's features ([`Fingerprint::minhash`]): two signatures agree at a position with
//! probability equal to the Jaccard similarity, so the share of agreeing positions estimates it
//! ([`estimate_similarity`]) from 512 bytes per report, without the texts.
//!
//! Locality-sensitive hashing finds the candidates without a scan: the signature is cut into `bands` bands of
//! `rows` values and each band hashed to a [`BandKey`]. Two reports of similarity `s` share at least one band
//! key with probability `1 - (1 - s^rows)^bands` ([`Params::candidate_probability`]). The store keeps rows
//! `(band_key, report_id)`: every server replica shares that one index, nothing lives in process memory, and
//! the candidate lookup is one indexed query, "the reports sharing at least one band key with this
//! fingerprint". Candidates are verified with the stored signatures ([`is_near_duplicate`]); the number of
//! band keys a candidate shares is itself a similarity signal a store can rank by if it must cut the list.
//! [`Index`] is the same thing in memory, for tests and the evaluator.
//!
//! # Features
//! [`normalize::words`] lower-cases, splits on anything that is not a letter or digit (Unicode-aware), splits
//! identifiers where letters meet digits (`CWE122` is `cwe 122`), keeps numbers without leading zeros,
//! drops addresses, stop words and inflections (a light stemmer), and writes out a few abbreviations (`UAF`).
//! The default [`Features`]:
//! - word 1-, 2- and 3-grams of the title and of the description (n-grams do not cross fields). Unigrams
//!   carry reworded reports (they share words, rarely phrases); 2- and 3-grams carry the phrases, file and
//!   function names that tell one bug from its siblings. Measured: 1-3-grams beat 1-2-grams on the
//!   reworded Juliet reports (F1 0.51 against 0.46) and on the Go set (0.79 against 0.63) at the default
//!   layout, with fewer candidates per query; unigrams alone are far worse (0.24 and 0.34); 1-4-grams and
//!   2-3-grams win on the Go set and lose on Juliet;
//! - the location (a file, a function, a symbol; line numbers dropped: [`normalize::normalize_location`])
//!   as `loc:` and its last segment as `locname:`, and its words shingled like text, so that a file name
//!   (`CWE415_Double_Free__malloc_free_char_01.c`) and a function name
//!   (`CWE415_Double_Free__malloc_free_char_01_bad`) meet on their words. Location words are the largest
//!   single gain on Juliet (F1 0.08 without them);
//! - each package (a purl normalised to `type/namespace/name`, or a plain name:
//!   [`normalize::normalize_package`]) as `pkg:` and its bare name as `pkgname:`, where a purl and a
//!   plain name of the same package meet. The words of the package names are taken out of the title and
//!   description: the Go database writes "... in github.com/acme/server" into every summary, and short
//!   records of one module would otherwise share most of their features through the module path (on the
//!   RustSec and Go records: 2.4 times the false positives and 2.7 times the candidates per query).
//!   A feature weight above 1 (copies of the tagged features) did not help on any set: a package is
//!   shared by many different bugs, so it is evidence, not proof.
//!
//! # Parameters
//! [`Params::default`]: 128 permutations, 64 bands of 2 rows, threshold 0.2. The S-curve of 64 × 2:
//!
//! | similarity s          | 0.05 | 0.1  | 0.15 | 0.2  | 0.25 | 0.3   | 0.5  |
//! |-----------------------|------|------|------|------|------|-------|------|
//! | P(candidate), 64 × 2  | 0.15 | 0.47 | 0.77 | 0.93 | 0.98 | 0.998 | 1.00 |
//! | P(candidate), 42 × 3  | 0.01 | 0.04 | 0.13 | 0.29 | 0.48 | 0.68  | 1.00 |
//! | P(candidate), 32 × 4  | 0.00 | 0.00 | 0.02 | 0.05 | 0.12 | 0.23  | 0.87 |
//!
//! Reports of one bug written by different people are not very similar as sets: the hand-written Juliet
//! duplicates have Jaccard similarities of 0.06 to 0.28 (median 0.20), and their hardest negatives (another
//! case of the same CWE class, reported in the same style) reach 0.48; 18 of 1,242 negative pairs are at
//! 0.2 or above. No threshold separates them. The threshold that gives
//! the best mean F1 over the two sets with clean labels (Juliet reworded and Go CNA against OSV) is 0.2
//! (0.51 and 0.79); at 0.25 Juliet drops to 0.36 and at 0.3 to 0.15, while the Go set, whose duplicates are
//! mostly the same text, gains (0.87, 0.89). A missed duplicate costs a second triage and possibly a second
//! advisory; a false suggestion costs a triager a glance, so the default leans to recall. Only 2-row bands
//! catch pairs at 0.2 reliably (93 %); the price is candidates: 27 per query on 5,500 RustSec and Go
//! records, growing with the store. Where that becomes the bottleneck, 42 × 3 with threshold 0.25 gives
//! 3.7 candidates per query at F1 0.30 and 0.88. Re-fingerprinting is cheap (tens of thousands of reports
//! per second on one core), so the layout can change with the store's size. The README has the numbers.
//!
//! # Stability of band keys
//! Band keys are stored and shared, so they must be the same on every platform, compiler and release:
//! - the hash functions are written here with fixed constants (FNV-1a 64 and MurmurHash3's `fmix64` for
//!   features and bands, SplitMix64 from [`PERMUTATION_SEED`] for the permutation seeds; `std`'s hasher
//!   promises no stability); no dependency takes part in them;
//! - each band key hashes [`FINGERPRINT_VERSION`], [`Features::id`], the layout (`bands`, `rows`) and the
//!   band's index with its values, so keys of different versions, settings, layouts or bands never meet;
//! - `tests/stability.rs` pins a signature and band keys of a fixed report. A change to the normalisation,
//!   the features, a hash or the seeds fails it, and must come with a new [`FINGERPRINT_VERSION`] and a
//!   re-fingerprinting of the stored reports.
//!
//! Band keys are not a security boundary: the hashes are not cryptographic, and a reporter could craft text
//! whose band keys collide with another report's. That only makes it a candidate; verification compares
//! signatures, and copying the other report's words would do as much.
//!
//! # Limits
//! Reports are outside data: at most [`MAX_TITLE_BYTES`] of title, [`MAX_DESCRIPTION_BYTES`] of description,
//! [`MAX_PACKAGES`] packages of [`normalize::MAX_PACKAGE_BYTES`], [`normalize::MAX_LOCATION_BYTES`] of
//! location and [`MAX_TOKENS`] features are read; nothing panics, whatever the input or the parameters
//! (property-tested; bad parameters are clamped, see [`Params::effective`]). A report without features (empty,
//! or only punctuation and stop words) has an empty fingerprint and is a duplicate of nothing.

mod features;
mod hash;
mod index;
pub mod normalize;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use features::{Features, MAX_DESCRIPTION_BYTES, MAX_PACKAGES, MAX_TITLE_BYTES, MAX_TOKENS, TokenSet, features, jaccard};
pub use hash::{PERMUTATION_SEED, token_hash};
pub use index::Index;

/// The version of the fingerprint algorithm (normalisation, features, hashes, seeds, band keys). It is
/// mixed into every band key: a release that changes any of these bumps it, and stored fingerprints are
/// recomputed from the reports (old and new band keys never meet by accident).
pub const FINGERPRINT_VERSION: u32 = 1;
/// The most permutations a signature may have.
pub const MAX_PERMUTATIONS: usize = 1024;

/// What a report says about its bug, as far as duplicate detection is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportText {
    pub title: String,
    pub description: String,
    /// Package URLs or package names (`pkg:cargo/smallvec@1.6.0`, `github.com/gin-gonic/gin`, `openssl`).
    #[serde(default)]
    pub packages: Vec<String>,
    /// Where the bug is: a source file (`src/foo.c:123`), a function, a Go symbol or import path.
    #[serde(default)]
    pub location: Option<String>,
}

/// One LSH band of a signature as a storable key: 64 bits of a hash over the fingerprint version, the
/// feature setting, the band layout, the band's index and its rows. Written in JSON as 16 lower-case hex
/// digits; in SQL it fits a `BIGINT` through [`BandKey::as_i64`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BandKey(pub u64);

impl BandKey {
    /// The key as a signed 64-bit integer (the same bits), for databases without unsigned integers.
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }

    /// The key from [`BandKey::as_i64`].
    pub fn from_i64(v: i64) -> Self {
        BandKey(v as u64)
    }

    /// 16 lower-case hex digits.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    /// The key from exactly 16 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16).ok().map(BandKey)
    }
}

impl fmt::Display for BandKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for BandKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for BandKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        BandKey::from_hex(&s).ok_or_else(|| serde::de::Error::custom("a band key is 16 hex digits"))
    }
}

/// A report's MinHash signature and its LSH band keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// One minimum per permutation; empty for a report with no features.
    pub minhash: Vec<u32>,
    /// One key per band; empty for a report with no features.
    pub bands: Vec<BandKey>,
}

/// Signature size, band layout and verification threshold.
///
/// A pair of reports whose features have Jaccard similarity `s` shares a band key (becomes a candidate)
/// with probability `1 - (1 - s^rows)^bands` ([`Params::candidate_probability`]), an S-curve whose steep
/// part lies near `(1/bands)^(1/rows)`. Candidates are then kept when the signatures' estimated similarity
/// reaches `threshold`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Permutations (signature length), at most [`MAX_PERMUTATIONS`].
    pub permutations: usize,
    /// Bands; `bands * rows <= permutations`.
    pub bands: usize,
    /// Signature values per band.
    pub rows: usize,
    /// Lowest estimated similarity reported as a near-duplicate, in `[0, 1]`.
    pub threshold: f64,
}

impl Default for Params {
    /// 128 permutations, 64 bands of 2 rows, threshold 0.2: chosen on the labelled sets (see the crate
    /// documentation, "Parameters").
    fn default() -> Self {
        Params { permutations: 128, bands: 64, rows: 2, threshold: 0.2 }
    }
}

/// Why [`Params`] are unusable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// `permutations` is 0 or above [`MAX_PERMUTATIONS`].
    Permutations,
    /// `bands` or `rows` is 0, or `bands * rows > permutations`.
    Bands,
    /// `threshold` is not in `[0, 1]`.
    Threshold,
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamsError::Permutations => "permutations must be between 1 and 1024",
            ParamsError::Bands => "bands and rows must be at least 1 and bands * rows at most permutations",
            ParamsError::Threshold => "threshold must be between 0 and 1",
        })
    }
}

impl std::error::Error for ParamsError {}

impl Params {
    /// Checks the parameters. The functions of this crate never panic on bad parameters; they use
    /// [`Params::effective`] instead, which may not be what was meant.
    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.permutations == 0 || self.permutations > MAX_PERMUTATIONS {
            return Err(ParamsError::Permutations);
        }
        if self.bands == 0 || self.rows == 0 || self.bands.saturating_mul(self.rows) > self.permutations {
            return Err(ParamsError::Bands);
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(ParamsError::Threshold);
        }
        Ok(())
    }

    /// `(permutations, bands, rows)` as used: permutations clamped to `1..=MAX_PERMUTATIONS`, rows to
    /// `1..=permutations`, bands to at most `permutations / rows`.
    pub fn effective(&self) -> (usize, usize, usize) {
        let permutations = self.permutations.clamp(1, MAX_PERMUTATIONS);
        let rows = self.rows.clamp(1, permutations);
        let bands = self.bands.min(permutations / rows);
        (permutations, bands, rows)
    }

    /// The probability that two reports of feature similarity `s` share at least one band key:
    /// `1 - (1 - s^rows)^bands`.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        let (_, bands, rows) = self.effective();
        let s = if s.is_nan() { 0.0 } else { s.clamp(0.0, 1.0) };
        1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
    }
}

/// The fingerprint of `report` with the default [`Features`].
pub fn fingerprint(report: &ReportText, params: &Params) -> Fingerprint {
    fingerprint_tokens(&TokenSet::new(report), params)
}

/// The fingerprint of a feature set (built with any [`Features`]; the setting is part of the band keys).
pub fn fingerprint_tokens(tokens: &TokenSet, params: &Params) -> Fingerprint {
    if tokens.is_empty() {
        return Fingerprint::default();
    }
    let (permutations, bands, rows) = params.effective();
    let seeds = hash::permutation_seeds(permutations);
    let mut minhash = vec![u32::MAX; permutations];
    for &h in tokens.hashes() {
        for (m, &seed) in minhash.iter_mut().zip(&seeds) {
            let v = hash::permute(h, seed);
            if v < *m {
                *m = v;
            }
        }
    }
    let bands = band_keys(&minhash, tokens.settings(), bands, rows);
    Fingerprint { minhash, bands }
}

/// The band keys of a signature: band `j` hashes (FNV-1a 64 then `fmix64`) the bytes `clh-dedup`, the
/// [`FINGERPRINT_VERSION`], [`Features::id`], `bands`, `rows`, `j` and the band's `rows` values (all
/// little-endian), so keys of different bands, layouts, settings or versions never coincide by design.
fn band_keys(minhash: &[u32], settings: &Features, bands: usize, rows: usize) -> Vec<BandKey> {
    let mut prefix = hash::fnv1a(hash::FNV_OFFSET, b"clh-dedup");
    prefix = hash::fnv1a(prefix, &FINGERPRINT_VERSION.to_le_bytes());
    prefix = hash::fnv1a(prefix, &settings.id().to_le_bytes());
    prefix = hash::fnv1a(prefix, &(bands as u32).to_le_bytes());
    prefix = hash::fnv1a(prefix, &(rows as u32).to_le_bytes());
    minhash
        .chunks_exact(rows.max(1))
        .take(bands)
        .enumerate()
        .map(|(j, values)| {
            let mut h = hash::fnv1a(prefix, &(j as u32).to_le_bytes());
            for v in values {
                h = hash::fnv1a(h, &v.to_le_bytes());
            }
            BandKey(hash::fmix64(h))
        })
        .collect()
}

/// The Jaccard similarity estimated from two signatures: the share of permutations whose minima agree,
/// over the permutations both have (a shorter signature is a prefix of a longer one). 0 when either
/// signature is empty. The standard error is `sqrt(s(1-s)/permutations)`: ±0.044 at 0.5 with 128.
pub fn estimate_similarity(a: &Fingerprint, b: &Fingerprint) -> f64 {
    let n = a.minhash.len().min(b.minhash.len());
    if n == 0 {
        return 0.0;
    }
    let same = a.minhash.iter().zip(&b.minhash).filter(|(x, y)| x == y).count();
    same as f64 / n as f64
}

/// `Some(estimated similarity)` when it reaches `params.threshold` (and is above 0), else `None`. The
/// verification step after the band-key lookup.
pub fn is_near_duplicate(a: &Fingerprint, b: &Fingerprint, params: &Params) -> Option<f64> {
    let s = estimate_similarity(a, b);
    (s > 0.0 && s >= params.threshold).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_validate_and_clamp() {
        assert_eq!(Params::default().validate(), Ok(()));
        assert_eq!(Params { permutations: 0, ..Params::default() }.validate(), Err(ParamsError::Permutations));
        assert_eq!(Params { permutations: 2000, ..Params::default() }.validate(), Err(ParamsError::Permutations));
        assert_eq!(Params { bands: 65, ..Params::default() }.validate(), Err(ParamsError::Bands));
        assert_eq!(Params { rows: 0, ..Params::default() }.validate(), Err(ParamsError::Bands));
        assert_eq!(Params { threshold: f64::NAN, ..Params::default() }.validate(), Err(ParamsError::Threshold));
        assert_eq!(Params { permutations: 0, bands: 100, rows: 0, threshold: 0.5 }.effective(), (1, 1, 1));
        assert_eq!(Params { permutations: 128, bands: 100, rows: 3, threshold: 0.5 }.effective(), (128, 42, 3));
    }

    #[test]
    fn s_curve() {
        let p = Params::default();
        assert!((p.candidate_probability(0.2) - 0.927).abs() < 0.001);
        assert!((p.candidate_probability(0.1) - 0.474).abs() < 0.001);
        assert_eq!(p.candidate_probability(0.0), 0.0);
        assert_eq!(p.candidate_probability(1.0), 1.0);
        assert_eq!(p.candidate_probability(f64::NAN), 0.0);
    }

    #[test]
    fn shorter_signatures_are_prefixes() {
        let r = ReportText { title: "stack exhaustion in the xml decoder".into(), ..ReportText::default() };
        let long = fingerprint(&r, &Params::default());
        let short = fingerprint(&r, &Params { permutations: 64, bands: 32, rows: 2, threshold: 0.2 });
        assert_eq!(long.minhash[..64], short.minhash[..]);
        assert_eq!(estimate_similarity(&long, &short), 1.0);
        // Other layouts, other band keys.
        assert!(long.bands.iter().all(|k| !short.bands.contains(k)));
    }

    #[test]
    fn band_key_text_forms() {
        let k = BandKey(0x0123_4567_89ab_cdef);
        assert_eq!(k.to_hex(), "0123456789abcdef");
        assert_eq!(k.to_string(), "0123456789abcdef");
        assert_eq!(BandKey::from_hex("0123456789ABCDEF"), Some(k));
        assert_eq!(BandKey::from_hex("+123456789abcdef"), None);
        assert_eq!(BandKey::from_i64(BandKey(u64::MAX).as_i64()), BandKey(u64::MAX));
    }
}
