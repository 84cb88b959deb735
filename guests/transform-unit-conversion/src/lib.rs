//! The built-in `transform-unit-conversion` component: Ceilometer's `unit_conversion` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("unit_conversion");
