//! Facts about verification evidence artifacts (owned by the evidence collector).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceFacts {}
