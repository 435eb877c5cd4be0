-- Foundation schema: organisations, principals, tokens, reports, audit chain, outbox, blobs.
-- The same logical schema as the SQLite backend, in native types: ids are application-generated
-- uuids, times are timestamptz (microsecond precision, which is why the application truncates to
-- microseconds before hashing and storing), bodies are bytea.
--
-- Concurrency model: every state-changing transaction first locks the single row of `audit_head`
-- (SELECT ... FOR UPDATE). That one lock serializes writers across all replicas, so the audit
-- chain cannot fork and identity values taken after it (reports.seq, outbox.seq) follow commit
-- order, which is what readers paging by `seq > cursor` rely on.

CREATE TABLE orgs (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    kind text NOT NULL,
    sectors text[] NOT NULL,             -- in the order given, which the API keeps
    reports_per_minute bigint NOT NULL,
    reports_per_day bigint NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE principals (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs(id),
    name text NOT NULL,
    role text NOT NULL,
    coordinator boolean NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX principals_org ON principals(org_id);

CREATE TABLE tokens (
    id uuid PRIMARY KEY,
    principal_id uuid NOT NULL REFERENCES principals(id),
    token_hash text NOT NULL UNIQUE,     -- SHA-256 of the token; the token itself is never stored
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX tokens_principal ON tokens(principal_id);

CREATE TABLE id_counters (
    scope text PRIMARY KEY,              -- for example 'report:2026'
    last_value bigint NOT NULL
);

CREATE TABLE reports (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    status text NOT NULL,
    tlp text NOT NULL,
    owner_org uuid NOT NULL REFERENCES orgs(id),
    submitter uuid NOT NULL REFERENCES principals(id),
    body bytea NOT NULL,                 -- JSON, sealed when `sealed`
    packages jsonb NOT NULL,             -- array of package keys (also indexed in report_packages)
    sealed boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX reports_owner ON reports(owner_org, seq);
CREATE INDEX reports_status ON reports(status, seq);
CREATE INDEX reports_created ON reports(created_at);

CREATE TABLE report_packages (
    report_seq bigint NOT NULL REFERENCES reports(seq),
    package_key text NOT NULL,           -- type/namespace/name
    PRIMARY KEY (package_key, report_seq)
);
CREATE INDEX report_packages_report ON report_packages(report_seq);

CREATE TABLE report_share_orgs (
    report_seq bigint NOT NULL REFERENCES reports(seq),
    org_id uuid NOT NULL REFERENCES orgs(id),
    PRIMARY KEY (report_seq, org_id)
);

CREATE TABLE report_share_principals (
    report_seq bigint NOT NULL REFERENCES reports(seq),
    principal_id uuid NOT NULL REFERENCES principals(id),
    PRIMARY KEY (report_seq, principal_id)
);

CREATE TABLE report_files (
    report_seq bigint NOT NULL REFERENCES reports(seq),
    sha256 text NOT NULL,
    PRIMARY KEY (report_seq, sha256)
);
CREATE INDEX report_files_sha ON report_files(sha256);

CREATE TABLE report_transitions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_seq bigint NOT NULL REFERENCES reports(seq),
    from_status text NOT NULL,
    to_status text NOT NULL,
    actor text NOT NULL,
    reason text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX report_transitions_report ON report_transitions(report_seq, id);

CREATE TABLE idempotency_keys (
    principal_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    report_seq bigint NOT NULL REFERENCES reports(seq),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

-- `window` is a reserved word in PostgreSQL, hence `window_key` where SQLite says `window`.
CREATE TABLE rate_windows (
    org_id uuid NOT NULL,
    window_key text NOT NULL,            -- 'm:<minute>' or 'd:<day>' since the epoch
    count bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, window_key)
);
CREATE INDEX rate_windows_created ON rate_windows(created_at);

CREATE TABLE audit_events (
    seq bigint PRIMARY KEY,              -- 1, 2, 3, … without gaps, taken from audit_head
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    subject text NOT NULL,
    details jsonb NOT NULL,              -- the hash is over canonical JSON, so jsonb's key order is harmless
    prev_hash text NOT NULL UNIQUE,      -- a second line of defence against forks: one successor per event
    hash text NOT NULL,
    CHECK (seq > 0)
);

-- The chain head as a row to lock: SELECT ... FOR UPDATE on it is the writers' mutex, and the row
-- it returns is the head the next event links to, so no writer reads a head another may be moving.
CREATE TABLE audit_head (
    id int PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    topic text NOT NULL,
    subject text NOT NULL,
    payload jsonb NOT NULL
);

-- Content-addressed blobs (SHA-256 of the plaintext); the values are already sealed by the caller.
CREATE TABLE blobs (
    address text PRIMARY KEY,
    data bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Sealed data does not compress; EXTERNAL keeps it out of line without trying.
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
