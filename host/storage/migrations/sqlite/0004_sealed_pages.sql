-- Rollup pages written once their hour is over (SQLite); see
-- postgres/0004_sealed_pages.sql.

ALTER TABLE storage_state ADD COLUMN pages_before INTEGER NOT NULL
    DEFAULT -9223372036854775808;
UPDATE storage_state SET pages_before = coalesce(
    (SELECT max(bucket) - ((max(bucket) % 3600000000) + 3600000000) % 3600000000
     FROM sample_rollups),
    -9223372036854775808);
