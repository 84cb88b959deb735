//! The built-in `transform-accumulator` component: Ceilometer's `accumulator` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("accumulator");
