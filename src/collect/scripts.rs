//! The scripts collector (not yet implemented: produces no facts).

use super::CollectContext;
use crate::facts::scripts::ScriptFacts;

pub fn collect(_ctx: &CollectContext) -> ScriptFacts {
    ScriptFacts::default()
}
