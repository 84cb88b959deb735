-- Rollup pages (PostgreSQL): per meter, resource row and hour of cells,
-- the rollup rows of that hour packed into one value (rollup_pages.rs).
-- Statistics over many cells read a page where they would read twelve
-- rows. Pages are derived from sample_rollups in the transaction that
-- changes it; rollups made before pages existed are dropped and made
-- again from the samples (readers take samples above the watermark from
-- the samples table meanwhile, so answers stay exact).

CREATE TABLE rollup_pages (
    meter_id BIGINT NOT NULL,
    page BIGINT NOT NULL,
    resource_pk BIGINT NOT NULL,
    cells BYTEA NOT NULL,
    PRIMARY KEY (meter_id, page, resource_pk)
);
-- Cells are floating-point numbers and times: they do not compress.
ALTER TABLE rollup_pages ALTER COLUMN cells SET STORAGE EXTERNAL;

DELETE FROM sample_rollups;
UPDATE storage_state SET watermark = 0;
