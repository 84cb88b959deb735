-- Rollup pages are written once their hour is over (rollup_pages.rs):
-- for every hour before storage_state.pages_before the pages hold exactly
-- the rollup rows; statistics read the cells from pages_before on from
-- sample_rollups. Pages were kept for every hour until now, so they are
-- exact up to the hour of the latest cell, which is read from rows again.

ALTER TABLE storage_state ADD COLUMN pages_before BIGINT NOT NULL
    DEFAULT -9223372036854775808;
UPDATE storage_state SET pages_before = coalesce(
    (SELECT max(bucket) - ((max(bucket) % 3600000000) + 3600000000) % 3600000000
     FROM sample_rollups),
    -9223372036854775808);
