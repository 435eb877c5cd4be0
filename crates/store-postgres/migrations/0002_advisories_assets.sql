-- Advisories (OSV records), operators' assets (SBOM components) and their findings. The same
-- logical schema as the SQLite backend. Records, components and statements are kept as JSON text,
-- not jsonb: jsonb refuses the escaped NUL (\u0000) that hostile documents carry, and the
-- application parses them anyway.

CREATE TABLE advisories (
    id text PRIMARY KEY,
    modified timestamptz,                -- NULL when the record has no readable `modified`
    tlp text NOT NULL,
    owner_org uuid REFERENCES orgs(id),  -- NULL for public feeds
    owner_principal uuid REFERENCES principals(id),
    source text NOT NULL,
    record text NOT NULL,
    change_seq bigint NOT NULL,          -- audit seq of the import that last changed it
    imported_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX advisories_change ON advisories(change_seq, id);

CREATE TABLE advisory_aliases (
    alias text NOT NULL,
    advisory_id text NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases(advisory_id);

CREATE TABLE advisory_packages (
    base text NOT NULL,
    name_key text NOT NULL,
    advisory_id text NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (base, name_key, advisory_id)
);
CREATE INDEX advisory_packages_advisory ON advisory_packages(advisory_id);

CREATE TABLE assets (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    tlp text NOT NULL,
    owner_org uuid NOT NULL REFERENCES orgs(id),
    created_by uuid NOT NULL REFERENCES principals(id),
    sbom_format text NOT NULL,
    sbom_sha256 text NOT NULL,
    component_count bigint NOT NULL,
    revision bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX assets_owner ON assets(owner_org, created_at);

CREATE TABLE asset_components (
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    idx bigint NOT NULL,
    base text,
    name_key text,
    body text NOT NULL,
    PRIMARY KEY (asset_id, idx)
);
CREATE INDEX asset_components_key ON asset_components(base, name_key);

CREATE TABLE findings (
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    component_idx bigint NOT NULL,
    advisory_id text NOT NULL REFERENCES advisories(id),
    verdict text NOT NULL,
    matched text NOT NULL,
    first_seen timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (asset_id, component_idx, advisory_id)
);
CREATE INDEX findings_advisory ON findings(advisory_id);

CREATE TABLE asset_vex (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    format text NOT NULL,
    sha256 text NOT NULL,
    statements text NOT NULL,
    created_by uuid NOT NULL REFERENCES principals(id),
    created_at timestamptz NOT NULL
);
CREATE INDEX asset_vex_asset ON asset_vex(asset_id, created_at);
