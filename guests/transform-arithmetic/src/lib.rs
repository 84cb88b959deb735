//! The built-in `transform-arithmetic` component: Ceilometer's `arithmetic` transformer,
//! configured with `parameters` as in `pipeline.yaml`.

transform_support::ceilometer_transformer!("arithmetic");
