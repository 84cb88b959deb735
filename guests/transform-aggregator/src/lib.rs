//! The built-in `transform-aggregator` component: Ceilometer's `aggregator` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("aggregator");
