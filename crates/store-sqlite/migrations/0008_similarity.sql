-- Near-duplicate detection: each report's MinHash signature (little-endian u32s, by fingerprint
-- version) and its LSH band keys, written with the report; candidates share a band key.
CREATE TABLE report_minhash (
    report_seq INTEGER PRIMARY KEY REFERENCES reports(seq),
    version INTEGER NOT NULL,
    minhash BLOB NOT NULL
);
CREATE TABLE report_bands (
    band_key INTEGER NOT NULL,
    report_seq INTEGER NOT NULL REFERENCES reports(seq),
    PRIMARY KEY (band_key, report_seq)
);
