-- Nephometer storage schema (SQLite). Same design as postgres/0001_schema.sql.
-- Timestamps are BIGINT microseconds since the Unix epoch, UTC.
-- AUTOINCREMENT: ids are never reused after an expiry, as PostgreSQL's
-- sequences, so an id a writer remembers cannot come to name another row.

CREATE TABLE meters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    unit TEXT NOT NULL,
    UNIQUE (name, type, unit)
);

-- One row per distinct (resource_id, user_id, project_id, source, metadata),
-- identified by resource_key (SHA-256 of those, metadata in canonical JSON).
CREATE TABLE resources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_key TEXT NOT NULL UNIQUE,
    resource_id TEXT NOT NULL,
    user_id TEXT,
    project_id TEXT,
    source TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX resources_resource_id ON resources (resource_id);
CREATE INDEX resources_project_id ON resources (project_id);
CREATE INDEX resources_user_id ON resources (user_id);

-- Flattened metadata for metadata queries (Ceilometer's metadata_* tables).
CREATE TABLE metadata_text (
    resource_pk BIGINT NOT NULL REFERENCES resources (id),
    meta_key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_pk, meta_key)
);
CREATE INDEX metadata_text_key_value ON metadata_text (meta_key, value);
CREATE TABLE metadata_int (
    resource_pk BIGINT NOT NULL REFERENCES resources (id),
    meta_key TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (resource_pk, meta_key)
);
CREATE INDEX metadata_int_key_value ON metadata_int (meta_key, value);
CREATE TABLE metadata_float (
    resource_pk BIGINT NOT NULL REFERENCES resources (id),
    meta_key TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (resource_pk, meta_key)
);
CREATE INDEX metadata_float_key_value ON metadata_float (meta_key, value);
CREATE TABLE metadata_bool (
    resource_pk BIGINT NOT NULL REFERENCES resources (id),
    meta_key TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (resource_pk, meta_key)
);
CREATE INDEX metadata_bool_key_value ON metadata_bool (meta_key, value);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meter_id BIGINT NOT NULL REFERENCES meters (id),
    resource_pk BIGINT NOT NULL REFERENCES resources (id),
    volume REAL NOT NULL,
    ts BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    message_signature TEXT,
    monotonic_time REAL
);
CREATE INDEX samples_meter_ts ON samples (meter_id, ts);
CREATE INDEX samples_resource_ts ON samples (resource_pk, ts);
CREATE INDEX samples_ts ON samples (ts);

CREATE TABLE event_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    event_type_id BIGINT NOT NULL REFERENCES event_types (id),
    generated BIGINT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX events_generated ON events (generated);
CREATE INDEX events_type_generated ON events (event_type_id, generated);

CREATE TABLE trait_text (
    event_id BIGINT NOT NULL REFERENCES events (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX trait_text_event ON trait_text (event_id);
CREATE INDEX trait_text_key_value ON trait_text (key, value);
CREATE TABLE trait_int (
    event_id BIGINT NOT NULL REFERENCES events (id),
    key TEXT NOT NULL,
    value BIGINT NOT NULL
);
CREATE INDEX trait_int_event ON trait_int (event_id);
CREATE INDEX trait_int_key_value ON trait_int (key, value);
CREATE TABLE trait_float (
    event_id BIGINT NOT NULL REFERENCES events (id),
    key TEXT NOT NULL,
    value REAL NOT NULL
);
CREATE INDEX trait_float_event ON trait_float (event_id);
CREATE INDEX trait_float_key_value ON trait_float (key, value);
CREATE TABLE trait_datetime (
    event_id BIGINT NOT NULL REFERENCES events (id),
    key TEXT NOT NULL,
    value BIGINT NOT NULL
);
CREATE INDEX trait_datetime_event ON trait_datetime (event_id);
CREATE INDEX trait_datetime_key_value ON trait_datetime (key, value);
