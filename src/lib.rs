//! launchgate: policy-as-code readiness checks for database cutovers and production launches.
//!
//! The pipeline: [`collect`] gathers [`facts`] → [`policy`] evaluates Rhai policies into
//! [`finding`]s (secrets scrubbed) → [`report`] formats them, ending in a GO / NO-GO verdict.

pub mod collect;
pub mod config;
pub mod facts;
