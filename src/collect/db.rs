//! Live database probes (`--probe`). Not yet implemented.
