//! The built-in policies, embedded at build time from `policies/*.rhai` (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
