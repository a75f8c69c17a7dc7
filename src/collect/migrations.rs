//! The migrations collector (not yet implemented: produces no facts).

use super::CollectContext;
use crate::facts::migrations::MigrationFacts;

pub fn collect(_ctx: &CollectContext) -> MigrationFacts {
    MigrationFacts::default()
}
