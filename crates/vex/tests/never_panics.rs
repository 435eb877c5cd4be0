//! `read` never panics: on arbitrary bytes, on arbitrary text after the start of each format, and
//! on real documents that have been cut, had bytes flipped or had bytes inserted.

use std::path::Path;

use clearinghouse_vex::read;
use proptest::prelude::*;

const DOCS: &[&str] = &[
    "cyclonedx/vex.json",
    "cyclonedx/Use-Cases/Case-8/vex.json",
    "cyclonedx/CISA-Use-Cases/Case-6/vex.json",
    "cyclonedx/handwritten/embedded-1.6.json",
    "openvex/v0.2.0.json",
    "openvex/v0.0.1.json",
];

/// The test documents, with the CSAF examples when the shared data folder is there.
fn docs() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<Vec<u8>> = DOCS.iter().map(|d| std::fs::read(root.join("tests/data").join(d)).unwrap()).collect();
    let csaf = root.join("../../../shared/data/csaf/examples/csaf/csaf_vex");
    for name in ["2022-evd-uc-07-001.json", "sec-vex-2022-0001.json"] {
        if let Ok(bytes) = std::fs::read(csaf.join(name)) {
            out.push(bytes);
        }
    }
    out
}

/// Bytes that look like the start of each format, so random tails reach the readers.
const PREFIXES: &[&[u8]] = &[
    b"",
    b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":\"CVE-1\",\"analysis\":",
    b"{\"bomFormat\":\"CycloneDX\",\"components\":[{\"bom-ref\":\"a\",\"purl\":",
    b"{\"document\":{\"category\":\"csaf_vex\"},\"product_tree\":{\"branches\":[",
    b"{\"document\":{\"category\":\"csaf_vex\"},\"vulnerabilities\":[{\"cve\":\"CVE-1\",\"product_status\":",
    b"{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"statements\":[{\"vulnerability\":",
    b"{\"@context\":\"https://openvex.dev/ns\",\"statements\":[{\"products\":[",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(prefix in 0..PREFIXES.len(), tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend(tail);
        let _ = read(&bytes);
    }

    #[test]
    fn arbitrary_json_like_text(prefix in 0..PREFIXES.len(), text in "[\\[\\]{}:,\"a-z0-9 _@./#?%&=-]{0,300}") {
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend(text.as_bytes());
        let _ = read(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_documents(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let docs = docs();
        let mut bytes = docs[which.index(docs.len())].clone();
        for (at, kind, byte) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        if let Some(cut) = cut {
            let at = cut.index(bytes.len().max(1));
            bytes.truncate(at);
        }
        let _ = read(&bytes);
    }

    /// Structural mutations: a JSON token of the document swapped for another token of it, so the
    /// result is often still JSON of the right format with members of surprising types.
    #[test]
    fn swapped_tokens(which in any::<prop::sample::Index>(), swaps in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..6)) {
        let docs = docs();
        let text = String::from_utf8(docs[which.index(docs.len())].clone()).unwrap();
        let mut tokens: Vec<&str> = text.split_inclusive([',', ':', '[', ']', '{', '}']).collect();
        for (a, b) in swaps {
            let (a, b) = (a.index(tokens.len()), b.index(tokens.len()));
            tokens.swap(a, b);
        }
        let _ = read(tokens.concat().as_bytes());
    }
}
