-- Proofs of concept the clearinghouse validated and that are public (a TLP:CLEAR report in
-- validated or later), per vulnerability id: they make SSVC's Exploitation "public PoC". One row
-- per id the vulnerability had when the evidence was added, so merges and renames keep it.
CREATE TABLE vuln_evidence (
    id TEXT NOT NULL,
    report_id TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, report_id)
);
