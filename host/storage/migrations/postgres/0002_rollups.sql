-- Ingest speed and rollups (PostgreSQL).
--
-- 1. samples no longer carries foreign keys to meters and resources: their
--    per-row triggers were the largest single cost of an insert. Writers
--    take a shared advisory lock per transaction instead, and the expirer
--    deletes meters and resources only under the exclusive lock, bumping
--    storage_state.epoch so writers forget the ids they remember
--    (see write_samples.rs and expire.rs).
-- 2. message_id compares bytewise (COLLATE "C"): equality is unchanged,
--    the unique index no longer calls the locale's collation.
-- 3. sample_rollups: per meter, resource row and 300-second cell of
--    sample time, the count, sum, mean, sum of squared deviations (m2),
--    minimum, maximum and first and last sample time of the samples whose
--    id is at most storage_state.watermark. Statistics read whole cells
--    from it and the rest from samples (stats.rs, rollup_plan.rs).

ALTER TABLE samples DROP CONSTRAINT IF EXISTS samples_meter_id_fkey;
ALTER TABLE samples DROP CONSTRAINT IF EXISTS samples_resource_pk_fkey;
ALTER TABLE samples ALTER COLUMN message_id TYPE TEXT COLLATE "C";

CREATE TABLE sample_rollups (
    meter_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    resource_pk BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    mean DOUBLE PRECISION NOT NULL,
    m2 DOUBLE PRECISION NOT NULL,
    vmin DOUBLE PRECISION NOT NULL,
    vmax DOUBLE PRECISION NOT NULL,
    first_ts BIGINT NOT NULL,
    last_ts BIGINT NOT NULL,
    PRIMARY KEY (meter_id, bucket, resource_pk)
) WITH (fillfactor = 90);

CREATE TABLE storage_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    watermark BIGINT NOT NULL,
    epoch BIGINT NOT NULL
);
INSERT INTO storage_state (id, watermark, epoch) VALUES (1, 0, 0);
