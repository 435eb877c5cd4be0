-- Which report a duplicate belongs to (the canonical report keeps the credit): linked by the
-- validator (same crash signature) or by a coordinator (merge), removed by a coordinator (split).
CREATE TABLE report_duplicates (
    report_seq INTEGER PRIMARY KEY REFERENCES reports(seq),
    canonical_seq INTEGER NOT NULL REFERENCES reports(seq),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX report_duplicates_canonical ON report_duplicates (canonical_seq);
