-- Rollup pages (SQLite); see postgres/0003_rollup_pages.sql.

CREATE TABLE rollup_pages (
    meter_id BIGINT NOT NULL,
    page BIGINT NOT NULL,
    resource_pk BIGINT NOT NULL,
    cells BLOB NOT NULL,
    PRIMARY KEY (meter_id, page, resource_pk)
);

DELETE FROM sample_rollups;
UPDATE storage_state SET watermark = 0;
