//! Crate-level tests: shipped fixtures load, each error has its message and line.

mod errors;
mod fixtures;
mod polling_errors;
mod robustness;

use crate::ConfigError;

/// The single error of a failing parse, as `line: message`.
pub(crate) fn one(result: Result<impl std::fmt::Debug, Vec<ConfigError>>) -> (usize, String) {
    let errors = result.expect_err("should fail");
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    (errors[0].line, errors[0].message.clone())
}
