//! The docs collector (not yet implemented: produces no facts).

use super::CollectContext;
use crate::facts::docs::DocFacts;

pub fn collect(_ctx: &CollectContext) -> DocFacts {
    DocFacts::default()
}
