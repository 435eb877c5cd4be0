-- Operators' mission settings per asset (clearinghouse_store::mission::AssetMission, as JSON):
-- the deployment facts SSVC's deployer, coordinator and BOD 26-04 tables ask for.
ALTER TABLE assets ADD COLUMN mission TEXT NOT NULL DEFAULT '{}';
