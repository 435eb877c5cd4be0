-- Advisories (OSV records), operators' assets (SBOM components) and their findings.

CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    modified INTEGER,                    -- micros; NULL when the record has no readable `modified`
    tlp TEXT NOT NULL,
    owner_org TEXT REFERENCES orgs(id),  -- NULL for public feeds
    owner_principal TEXT REFERENCES principals(id),
    source TEXT NOT NULL,
    record TEXT NOT NULL,                -- the OSV record, JSON
    change_seq INTEGER NOT NULL,         -- audit seq of the import that last changed it
    imported_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX advisories_change ON advisories(change_seq, id);

CREATE TABLE advisory_aliases (
    alias TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases(advisory_id);

-- The package keys (base ecosystem, normalised name) an advisory's entries are filed under: the
-- matcher's own keys, so the store finds exactly the advisories the in-memory index would.
CREATE TABLE advisory_packages (
    base TEXT NOT NULL,
    name_key TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (base, name_key, advisory_id)
);
CREATE INDEX advisory_packages_advisory ON advisory_packages(advisory_id);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tlp TEXT NOT NULL,
    owner_org TEXT NOT NULL REFERENCES orgs(id),
    created_by TEXT NOT NULL REFERENCES principals(id),
    sbom_format TEXT NOT NULL,
    sbom_sha256 TEXT NOT NULL,
    component_count INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX assets_owner ON assets(owner_org, created_at);

CREATE TABLE asset_components (
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    base TEXT,                           -- the package key; NULL when the component cannot be matched
    name_key TEXT,
    body TEXT NOT NULL,                  -- the component, JSON
    PRIMARY KEY (asset_id, idx)
);
CREATE INDEX asset_components_key ON asset_components(base, name_key);

CREATE TABLE findings (
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    component_idx INTEGER NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    verdict TEXT NOT NULL,
    matched TEXT NOT NULL,               -- JSON: the ranges that contain the version
    first_seen INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (asset_id, component_idx, advisory_id)
);
CREATE INDEX findings_advisory ON findings(advisory_id);

CREATE TABLE asset_vex (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    statements TEXT NOT NULL,            -- JSON list of normalised statements
    created_by TEXT NOT NULL REFERENCES principals(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX asset_vex_asset ON asset_vex(asset_id, created_at);
