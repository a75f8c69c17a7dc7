//! Shared primitives every other layer builds on: reading a repository file safely, line
//! indexes, repository-relative paths, validated globs, shell words, database URLs and spanned
//! JSON.
//!
//! This module is a leaf: it depends on nothing else in the crate, so every collector, the
//! probes, the policy API and the reporters use the same one copy of each primitive.

pub mod dburl;
pub mod file;
pub mod glob;
pub mod json_spans;
pub mod location;
pub mod path;
pub mod shell;
