//! Queries as the API receives them, validated and turned into storage
//! filters: the simple `q.*` query, the complex query JSON, and the event
//! query; with the typing of their values.

pub(crate) mod complex;
pub(crate) mod events;
pub(crate) mod simple;
pub(crate) mod value;
