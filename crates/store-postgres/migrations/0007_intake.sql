-- Bulk intake (SARIF logs): a batch per request, an item per finding, processed into reports in the
-- background under a lease, with counters for progress. report_fingerprints remembers which report
-- of an org has which finding fingerprint, to tell duplicates across batches.
CREATE TABLE intake_batches (
    id uuid PRIMARY KEY,
    owner_org uuid NOT NULL REFERENCES orgs(id),
    submitter uuid NOT NULL,
    token_id uuid NOT NULL,
    format TEXT NOT NULL,
    tlp TEXT NOT NULL,
    state TEXT NOT NULL,
    total bigint NOT NULL,
    processed bigint NOT NULL DEFAULT 0,
    created bigint NOT NULL DEFAULT 0,
    duplicates bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    diagnostics jsonb NOT NULL,
    lease_owner TEXT,
    lease_expires_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX intake_batches_ready ON intake_batches (state, created_at);
CREATE TABLE intake_items (
    batch_id uuid NOT NULL REFERENCES intake_batches(id),
    idx bigint NOT NULL,
    document jsonb NOT NULL,
    fingerprint TEXT,
    outcome TEXT,
    report_id TEXT,
    detail TEXT,
    PRIMARY KEY (batch_id, idx)
);
CREATE TABLE report_fingerprints (
    owner_org uuid NOT NULL,
    fingerprint TEXT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (owner_org, fingerprint)
);
