//! Untrusted SBOMs and lockfiles: every format the reader recognises, by content and by file name,
//! then matching their components' packages (the purl-to-ecosystem mapping sees hostile purls).
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [Option<&str>; 9] = [
    None,
    Some("Cargo.lock"),
    Some("package-lock.json"),
    Some("requirements.txt"),
    Some("poetry.lock"),
    Some("go.mod"),
    Some("Gemfile.lock"),
    Some("composer.lock"),
    Some("bom.spdx"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let name = NAMES[selector as usize % NAMES.len()];
    if let Ok(sbom) = clearinghouse_sbom::read(bytes, name) {
        let _ = clearinghouse_store::asset_components(&sbom);
    }
});
