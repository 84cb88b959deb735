//! The built-in `publish-file` component: Ceilometer's file:// publisher (one text/plain delivery of log lines per batch).
//! Configured with `url` (and `telemetry_secret`, `host`); see
//! `nepho_publishers::file` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::file::FileEncoder);
