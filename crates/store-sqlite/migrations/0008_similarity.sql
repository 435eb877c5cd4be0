-- Near-duplicate detection: each report's MinHash signature (little-endian u32s) and LSH band keys
-- (little-endian i64s), by fingerprint version, written with the report; report_bands, the inverted
-- index candidates are found through, is filled from them in batches by a background indexer (random
-- band keys inserted one report at a time would scatter every submission's writes over the index).
CREATE TABLE report_minhash (
    report_seq INTEGER PRIMARY KEY REFERENCES reports(seq),
    version INTEGER NOT NULL,
    minhash BLOB NOT NULL,
    bands BLOB NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX report_minhash_pending ON report_minhash (report_seq) WHERE indexed = 0;
CREATE TABLE report_bands (
    band_key INTEGER NOT NULL,
    report_seq INTEGER NOT NULL REFERENCES reports(seq),
    PRIMARY KEY (band_key, report_seq)
) WITHOUT ROWID;
