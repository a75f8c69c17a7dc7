//! Facts about shell scripts (owned by the scripts collector).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScriptFacts {}
