-- Rollups (SQLite); see postgres/0002_rollups.sql. SQLite keeps the
-- foreign keys of samples: it has one writer at a time, and its foreign
-- key checks are cheap.

CREATE TABLE sample_rollups (
    meter_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    resource_pk BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total REAL NOT NULL,
    mean REAL NOT NULL,
    m2 REAL NOT NULL,
    vmin REAL NOT NULL,
    vmax REAL NOT NULL,
    first_ts BIGINT NOT NULL,
    last_ts BIGINT NOT NULL,
    PRIMARY KEY (meter_id, bucket, resource_pk)
) WITHOUT ROWID;

CREATE TABLE storage_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    watermark BIGINT NOT NULL,
    epoch BIGINT NOT NULL
);
INSERT INTO storage_state (id, watermark, epoch) VALUES (1, 0, 0);
