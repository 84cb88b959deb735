//! The REST API over real HTTP, every test against SQLite and PostgreSQL.

mod common;

mod auth;
mod bad_input;
mod discovery;
mod events;
mod lists;
mod post;
mod query;
mod rules;
mod scoping;
mod statistics;
