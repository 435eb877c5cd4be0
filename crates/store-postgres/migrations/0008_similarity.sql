-- Near-duplicate detection: each report's MinHash signature (little-endian u32s) and LSH band keys
-- (little-endian i64s), by fingerprint version, written with the report; report_bands, the inverted
-- index candidates are found through, is filled from them in batches by a background indexer (random
-- band keys inserted one report at a time would scatter every submission's writes over the index).
CREATE TABLE report_minhash (
    report_seq bigint PRIMARY KEY REFERENCES reports(seq),
    version bigint NOT NULL,
    minhash bytea NOT NULL,
    bands bytea NOT NULL,
    indexed boolean NOT NULL DEFAULT false
);
CREATE INDEX report_minhash_pending ON report_minhash (report_seq) WHERE NOT indexed;
CREATE TABLE report_bands (
    band_key bigint NOT NULL,
    report_seq bigint NOT NULL REFERENCES reports(seq),
    PRIMARY KEY (band_key, report_seq)
);
