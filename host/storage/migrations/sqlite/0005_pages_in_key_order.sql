-- Rollup pages stored in key order (SQLite only). A rowid table keeps its
-- rows by rowid and reaches them from the primary key's separate index:
-- a statistics read of N pages walked the index and then looked each row
-- up in the table. WITHOUT ROWID keeps the rows in the primary key's own
-- B-tree, so a read of a meter's hours is one walk over adjacent rows.
-- (sample_rollups has been WITHOUT ROWID since 0002; PostgreSQL tables
-- have no such choice.) The rows are copied as they are: pages are exact
-- before this migration and stay so.

CREATE TABLE rollup_pages_in_key_order (
    meter_id BIGINT NOT NULL,
    page BIGINT NOT NULL,
    resource_pk BIGINT NOT NULL,
    cells BLOB NOT NULL,
    PRIMARY KEY (meter_id, page, resource_pk)
) WITHOUT ROWID;
INSERT INTO rollup_pages_in_key_order (meter_id, page, resource_pk, cells)
    SELECT meter_id, page, resource_pk, cells FROM rollup_pages
    ORDER BY meter_id, page, resource_pk;
DROP TABLE rollup_pages;
ALTER TABLE rollup_pages_in_key_order RENAME TO rollup_pages;
