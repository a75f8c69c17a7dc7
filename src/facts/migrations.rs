//! Facts about services and their migration histories (owned by the migrations collector).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MigrationFacts {}
