//! The band keys are stored in the database and shared by every replica: they must not change between
//! releases, platforms or compilers unless `FINGERPRINT_VERSION` changes. These values were computed once
//! and are hard-coded; a failure here means the normalisation, the features, a hash, the seeds or the band
//! layout changed. If that was intended, bump `FINGERPRINT_VERSION`, plan the re-fingerprinting of stored
//! reports, and update the values.

use clearinghouse_dedup::{BandKey, FINGERPRINT_VERSION, Features, Fingerprint, Params, ReportText, features, fingerprint, token_hash};

fn fixed_report() -> ReportText {
    ReportText {
        title: "Heap buffer overflow in png_read_row".into(),
        description: "A crafted PNG image with an oversized IHDR width makes png_read_row write past the end of the row buffer (CWE-122).".into(),
        packages: vec!["pkg:generic/libpng@1.6.43".into()],
        location: Some("pngrutil.c:3172".into()),
    }
}

#[test]
fn constants_and_hashes_are_frozen() {
    assert_eq!(FINGERPRINT_VERSION, 1);
    assert_eq!(Params::default(), Params { permutations: 128, bands: 64, rows: 2, threshold: 0.2 });
    assert_eq!(Features::default().id(), 0x6fb7_298b_c52c_deb7);
    assert_eq!(token_hash("heap"), 0xebb4_c2d6_4216_6b1a);
    assert_eq!(features(&fixed_report(), &Features::default()).len(), 61);
}

#[test]
fn signature_and_band_keys_are_frozen() {
    let fp = fingerprint(&fixed_report(), &Params::default());
    assert_eq!(fp.minhash.len(), 128);
    assert_eq!(fp.bands.len(), 64);
    assert_eq!(fp.minhash[..8], [120284863, 13989462, 19816966, 1078169, 77197563, 10725922, 38654337, 7792038]);
    assert_eq!(fp.minhash[126..], [41118335, 80501073]);
    let hex: Vec<String> = fp.bands.iter().map(|b| b.to_hex()).collect();
    assert_eq!(hex[..4], ["740e96adb7b7285f", "7998a4adabd9a5fe", "358757140cfe07ff", "5161637f5f49d357"]);
    assert_eq!(hex[63], "797bdc56b7d96ece");
}

#[test]
fn fingerprint_json_shape() {
    let fp = fingerprint(&fixed_report(), &Params::default());
    let json = serde_json::to_value(&fp).unwrap();
    assert_eq!(json["bands"][0], "740e96adb7b7285f");
    assert_eq!(json["minhash"][0], 120284863);
    let back: Fingerprint = serde_json::from_value(json).unwrap();
    assert_eq!(back, fp);
    assert!(serde_json::from_str::<BandKey>("\"740e96adb7b7285\"").is_err());
    assert!(serde_json::from_str::<BandKey>("\"740e96adb7b7285g\"").is_err());
    assert_eq!(BandKey::from_i64(fp.bands[0].as_i64()), fp.bands[0]);
}
