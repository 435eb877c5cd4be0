-- The vulnerability model: every source record kept whole, the alias graph, and one merged row per
-- vulnerability with its priority (see clearinghouse_store::vulns).

CREATE TABLE source_records (
    key TEXT PRIMARY KEY,          -- format:publisher:id
    record_id TEXT NOT NULL,
    format TEXT NOT NULL,
    vuln_id TEXT NOT NULL,         -- the vulnerability it belongs to now
    modified TEXT,                 -- as the source gives it
    tlp TEXT NOT NULL,
    body TEXT NOT NULL,            -- the SourceRecord, JSON
    change_seq INTEGER NOT NULL,   -- audit seq of the import that last changed it
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX source_records_vuln ON source_records(vuln_id);

-- Every id (CVE, GHSA, GO, RUSTSEC, …) and the vulnerability it names.
CREATE TABLE vuln_ids (
    id TEXT PRIMARY KEY,
    vuln_id TEXT NOT NULL
);
CREATE INDEX vuln_ids_vuln ON vuln_ids(vuln_id);

CREATE TABLE vulnerabilities (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,            -- the merged Vulnerability with its records, JSON
    priority TEXT NOT NULL,        -- the Priority, JSON
    ssvc_rank INTEGER NOT NULL,    -- -1 without a decision, else 0 (Track) … 3 (Act)
    kev INTEGER NOT NULL,          -- 0 or 1
    cvss10 INTEGER NOT NULL,       -- highest stated CVSS base score × 10; -1 when none
    change_seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX vulnerabilities_priority ON vulnerabilities(ssvc_rank DESC, kev DESC, cvss10 DESC, id);
CREATE INDEX vulnerabilities_change ON vulnerabilities(change_seq DESC, id);
