//! The built-in `publish-udp` component: Ceilometer's udp:// publisher (one signed msgpack meter message per sample).
//! Configured with `url` (and `telemetry_secret`, `host`); see
//! `nepho_publishers::udp` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::udp::UdpEncoder);
