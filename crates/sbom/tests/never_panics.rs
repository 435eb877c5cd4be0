//! `read` never panics: on arbitrary bytes under every file-name hint, and on real documents that
//! have been truncated, had bytes flipped or had bytes inserted. `read_each` hands over exactly the
//! components and diagnostics `read` keeps, on the same broken documents.

use clearinghouse_sbom::{Sbom, read, read_each};
use proptest::prelude::*;

/// `read_each` agrees with `read`: the same components in the same order, the same format and
/// diagnostics, the same error when nothing can be read.
fn streaming_agrees(bytes: &[u8], hint: Option<&str>) -> Result<(), TestCaseError> {
    let whole = read(bytes, hint);
    let mut seen = Vec::new();
    let streamed = read_each(bytes, hint, &mut |c| seen.push(c));
    match (whole, streamed) {
        (Ok(Sbom { format, components, diagnostics, .. }), Ok(s)) => {
            prop_assert_eq!(s.components, seen.len());
            prop_assert_eq!(components, seen);
            prop_assert_eq!(format, s.format);
            prop_assert_eq!(diagnostics, s.diagnostics);
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        (a, b) => prop_assert!(false, "read: {:?}; read_each: {:?}", a.map(|s| s.components.len()), b.map(|s| s.components)),
    }
    Ok(())
}

const HINTS: &[Option<&str>] = &[
    None,
    Some("bom.json"),
    Some("Cargo.lock"),
    Some("package-lock.json"),
    Some("requirements.txt"),
    Some("poetry.lock"),
    Some("go.mod"),
    Some("Gemfile.lock"),
    Some("composer.lock"),
    Some("sbom.spdx"),
];

const DOCS: &[(&str, &str)] = &[
    ("cyclonedx/laravel-7.12.0.bom.1.2.json", "bom.json"),
    ("cyclonedx/laravel-7.12.0.bom.1.4.xml", "bom.xml"),
    ("generated/npm-fixture.cdx-1.5.json", "bom.json"),
    ("generated/npm-fixture.spdx-2.3.json", "sbom.spdx.json"),
    ("generated/npm-fixture.spdx", "sbom.spdx"),
    ("handwritten/app.spdx3.json", "app.spdx3.json"),
    ("generated/npm-fixture.package-lock.json", "package-lock.json"),
    ("lockfiles/package-lock.v1.json", "package-lock.json"),
    ("lockfiles/Cargo.v3.lock", "Cargo.lock"),
    ("lockfiles/requirements.txt", "requirements.txt"),
    ("lockfiles/poetry.lock", "poetry.lock"),
    ("lockfiles/go.mod", "go.mod"),
    ("lockfiles/Gemfile.lock", "Gemfile.lock"),
    ("lockfiles/composer.lock", "composer.lock"),
];

fn doc(i: usize) -> (Vec<u8>, &'static str) {
    let (path, hint) = DOCS[i % DOCS.len()];
    (std::fs::read(format!("{}/testdata/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap(), hint)
}

/// Bytes that look like the start of each format, so random tails reach the readers.
const PREFIXES: &[&[u8]] = &[
    b"",
    b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[",
    b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components><component>",
    b"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[",
    b"{\"@context\":\"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\",\"@graph\":[",
    b"SPDXVersion: SPDX-2.3\nPackageName: ",
    b"{\"lockfileVersion\":3,\"packages\":{\"node_modules/",
    b"version = 4\n[[package]]\nname = ",
    b"GEM\n  remote: https://rubygems.org/\n  specs:\n    ",
    b"module x\nrequire (\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(prefix in 0..PREFIXES.len(), tail in proptest::collection::vec(any::<u8>(), 0..512), hint in 0..HINTS.len()) {
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend(tail);
        streaming_agrees(&bytes, HINTS[hint])?;
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}", prefix in 0..PREFIXES.len(), hint in 0..HINTS.len()) {
        let mut bytes = PREFIXES[prefix].to_vec();
        bytes.extend(text.as_bytes());
        let _ = read(&bytes, HINTS[hint]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_documents(
        which in 0..DOCS.len(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        insert in proptest::collection::vec(any::<u8>(), 0..16),
        at in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (mut bytes, hint) = doc(which);
        for (i, b) in &flips {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        let at = at.index(bytes.len());
        bytes.splice(at..at, insert);
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        streaming_agrees(&bytes, Some(hint))?;
        streaming_agrees(&bytes, None)?;
    }
}
