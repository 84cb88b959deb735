//! The built-in `publish-gnocchi` component: Ceilometer's gnocchi:// publisher (Gnocchi batch measures and resource bodies).
//! Configured with `url` (and optionally `resources_definition`); see
//! `nepho_publishers::gnocchi` for the deliveries it returns.

nepho_publishers::publisher_component!(nepho_publishers::gnocchi::GnocchiEncoder);
