//! The components of `guests/`, built by this crate's build script.
//!
//! [`BUILTINS`] are embedded in the binary and addressable as `builtin:NAME`;
//! [`TEST_GUESTS`] are test-only components, referenced by path and never
//! embedded.

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

/// The path of the test-only component `name`.
///
/// # Panics
/// If no test guest has that name: a test asked for a guest that does not exist.
pub fn test_guest(name: &str) -> &'static str {
    TEST_GUESTS
        .iter()
        .find(|(guest, _)| *guest == name)
        .map(|(_, path)| *path)
        .unwrap_or_else(|| panic!("no test guest called {name}; see guests/test-*"))
}
