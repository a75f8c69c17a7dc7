//! Facts about markdown documents (owned by the docs collector).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocFacts {}
