//! The built-in `publish-notifier` component: Ceilometer's notifier:// publisher (oslo.messaging notifications).
//! Configured with `url` (and `telemetry_secret`, `host`); see
//! `nepho_publishers::notifier` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::notifier::NotifierEncoder);
