-- Validation jobs: one per reproduction bundle of a report, queued in the report's transaction,
-- leased by workers (lease_owner until lease_expires_at), done once. The result is the validation
-- document; signature is the claimed crash's, for finding earlier reports of the same crash.
CREATE TABLE validation_jobs (
    id uuid PRIMARY KEY,
    report_seq bigint NOT NULL REFERENCES reports(seq),
    bundle_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires_at timestamptz,
    verdict TEXT,
    signature TEXT,
    kind TEXT,
    result jsonb,
    duplicate_of TEXT,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX validation_jobs_ready ON validation_jobs (state, created_at);
CREATE INDEX validation_jobs_report ON validation_jobs (report_seq);
CREATE INDEX validation_jobs_signature ON validation_jobs (signature, report_seq) WHERE signature IS NOT NULL;
