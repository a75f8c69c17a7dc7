//! Facts gathered by live database probes (owned by the db collector).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProbeReport {}
