//! The built-in `publish-prometheus` component: Ceilometer's prometheus:// publisher (Pushgateway text format).
//! Configured with `url` (and `telemetry_secret`, `host`); see
//! `nepho_publishers::prometheus` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::prometheus::PrometheusEncoder);
