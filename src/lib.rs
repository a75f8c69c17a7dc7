//! launchgate: policy-as-code readiness checks for database cutovers and production launches.
//!
//! The pipeline: [`collect`] gathers [`facts`] → [`policy`] evaluates Rhai policies into
//! [`finding`]s (secrets scrubbed) → [`report`] formats them, ending in a GO / NO-GO verdict.

pub mod baseline;
pub mod check;
pub mod cli;
pub mod collect;
pub mod config;
pub mod facts;
pub mod finding;
pub mod init;
pub mod policy;
pub mod policy_tests;
pub mod probe;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod source;
pub mod tolerance;
pub mod waiver;
