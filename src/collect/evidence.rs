//! The evidence collector (not yet implemented: produces no facts).

use super::CollectContext;
use crate::facts::evidence::EvidenceFacts;

pub fn collect(_ctx: &CollectContext) -> EvidenceFacts {
    EvidenceFacts::default()
}
