//! The built-in `transform-delta` component: Ceilometer's `delta` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("delta");
