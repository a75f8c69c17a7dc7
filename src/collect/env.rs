//! The env collector (in progress).

use super::CollectContext;
use crate::facts::env::EnvFacts;

pub fn collect(_ctx: &CollectContext) -> EnvFacts {
    EnvFacts::default()
}
