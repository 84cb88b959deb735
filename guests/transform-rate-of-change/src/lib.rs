//! The built-in `transform-rate-of-change` component: Ceilometer's `rate_of_change` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("rate_of_change");
