//! The built-in `publish-http` component: Ceilometer's http:// and https:// publisher (JSON bodies).
//! Configured with `url` (and `telemetry_secret`, `host`); see
//! `nepho_publishers::http` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::http::HttpEncoder);
