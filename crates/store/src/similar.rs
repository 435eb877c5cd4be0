//! Near-duplicate reports across reporters: each report's MinHash signature and LSH band keys
//! (`clearinghouse-dedup`) are written with the report, in the store, so every replica shares one
//! index; a report's candidates are the reports sharing a band key, kept when the signatures'
//! estimated similarity reaches the threshold. Which of them a caller may learn about is the
//! policy's business, not the store's.

pub use clearinghouse_dedup::Fingerprint;
use clearinghouse_dedup::{FINGERPRINT_VERSION, Params, ReportText, estimate_similarity, fingerprint};
use clearinghouse_model::ReportId;
use clearinghouse_model::report::ReportSubmission;

/// The fingerprint of what a report says: title, description and affected packages.
pub fn report_fingerprint(doc: &ReportSubmission) -> Fingerprint {
    let text = ReportText {
        title: doc.title.clone(),
        description: doc.description.clone(),
        packages: doc.affected.iter().map(|a| a.purl.clone()).collect(),
        location: None,
    };
    fingerprint(&text, &Params::default())
}

/// The version written with each signature: signatures of another version are not compared.
pub const VERSION: i64 = FINGERPRINT_VERSION as i64;

/// The band keys as database integers.
pub fn band_keys(fp: &Fingerprint) -> Vec<i64> {
    fp.bands.iter().map(|b| b.as_i64()).collect()
}

/// Band keys as bytes (little-endian `i64`s), and back.
pub fn bands_bytes(fp: &Fingerprint) -> Vec<u8> {
    band_keys(fp).iter().flat_map(|k| k.to_le_bytes()).collect()
}

pub fn bands_from_bytes(bytes: &[u8]) -> Vec<i64> {
    bytes.chunks_exact(8).map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect()
}

/// Reports' band keys the background indexer files per round (one transaction). Small enough that a
/// round holds SQLite's one writer only briefly, so submissions are not kept waiting behind it.
pub const INDEX_BATCH: u32 = 500;

/// A signature as bytes (little-endian `u32`s), and back.
pub fn minhash_bytes(fp: &Fingerprint) -> Vec<u8> {
    fp.minhash.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn minhash_from_bytes(bytes: &[u8]) -> Fingerprint {
    Fingerprint { minhash: bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(), bands: Vec::new() }
}

/// Candidates kept when similar enough, most similar first (then oldest first).
pub fn rank(own: &[u8], candidates: Vec<(ReportId, Vec<u8>)>, limit: usize) -> Vec<(ReportId, f64)> {
    let own = minhash_from_bytes(own);
    let threshold = Params::default().threshold;
    let mut out: Vec<(ReportId, f64)> = candidates
        .into_iter()
        .map(|(id, m)| {
            let s = estimate_similarity(&own, &minhash_from_bytes(&m));
            (id, s)
        })
        .filter(|(_, s)| *s > 0.0 && *s >= threshold)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, description: &str) -> ReportSubmission {
        serde_json::from_value(serde_json::json!({"title": title, "description": description,
            "affected": [{"purl": "pkg:cargo/libexample"}], "finder": {"kind": "human", "name": "x"}}))
        .unwrap()
    }

    #[test]
    fn reworded_reports_rank_above_unrelated_ones() {
        let a = report_fingerprint(&doc("Heap overflow in parse_header", "A crafted header length overflows the heap buffer in parse_header."));
        let b = report_fingerprint(&doc("heap buffer overflow: parse_header", "parse_header overflows its heap buffer when the header length is crafted."));
        let c = report_fingerprint(&doc("SQL injection in login form", "The login form concatenates the user name into a query."));
        let (rb, rc) = (ReportId::new(2026, 2), ReportId::new(2026, 3));
        let ranked = rank(&minhash_bytes(&a), vec![(rc.clone(), minhash_bytes(&c)), (rb.clone(), minhash_bytes(&b))], 10);
        assert_eq!(ranked.first().map(|r| r.0.clone()), Some(rb), "{ranked:?}");
        assert!(ranked.iter().all(|(id, _)| *id != rc), "unrelated reports stay out: {ranked:?}");
        assert_eq!(minhash_from_bytes(&minhash_bytes(&a)).minhash, a.minhash);
        assert!(!band_keys(&a).is_empty());
        assert_eq!(bands_from_bytes(&bands_bytes(&a)), band_keys(&a));
    }
}
