-- Bulk intake (SARIF logs): a batch per request, an item per finding, processed into reports in the
-- background under a lease, with counters for progress. report_fingerprints remembers which report
-- of an org has which finding fingerprint, to tell duplicates across batches.
CREATE TABLE intake_batches (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL REFERENCES orgs(id),
    submitter TEXT NOT NULL,
    token_id TEXT NOT NULL,
    format TEXT NOT NULL,
    tlp TEXT NOT NULL,
    state TEXT NOT NULL,
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    diagnostics TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX intake_batches_ready ON intake_batches (state, created_at);
CREATE TABLE intake_items (
    batch_id TEXT NOT NULL REFERENCES intake_batches(id),
    idx INTEGER NOT NULL,
    document TEXT NOT NULL,
    fingerprint TEXT,
    outcome TEXT,
    report_id TEXT,
    detail TEXT,
    PRIMARY KEY (batch_id, idx)
);
CREATE TABLE report_fingerprints (
    owner_org TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (owner_org, fingerprint)
);
