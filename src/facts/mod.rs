//! The typed facts every collector produces and every policy reads.
//!
//! Facts are plain, serialisable data. Every fact that a finding can point at carries a
//! [`Location`] (repository-relative file, 1-based line and column span), so a policy author
//! never computes a location. Facts may hold secret values (env values): they are handed to
//! policies, never to reporters; `launchgate facts` prints them only through the redactor.

pub mod db;
pub mod docs;
pub mod env;
pub mod evidence;
pub mod migrations;
pub mod scripts;
pub mod walk;

use serde::{Deserialize, Serialize};

pub use crate::source::location::{line_col, FileName, LineIndex, Location};

/// How git sees a path. `NotInRepository` when the scan root is not a git work-tree root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GitState {
    Tracked,
    Untracked,
    Ignored,
    NotInRepository,
}

/// What launchgate knows about the repository's git state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GitInfo {
    /// True when the scan root is the top of a git work tree and `git` answered.
    pub available: bool,
    /// Why git-state rules do not apply, when they do not.
    pub reason: Option<String>,
}

/// Everything the collectors gathered about one repository. Field order is the JSON order
/// of `launchgate facts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    /// The scan root as given on the command line (display only).
    pub root: String,
    pub git: GitInfo,
    pub env: env::EnvFacts,
    pub migrations: migrations::MigrationFacts,
    pub docs: docs::DocFacts,
    pub scripts: scripts::ScriptFacts,
    pub evidence: evidence::EvidenceFacts,
    /// Directories the walk could not cover (unreadable, too deep).
    #[serde(default)]
    pub walk: walk::WalkFacts,
    /// Present only with `--probe`.
    pub db: Option<db::ProbeReport>,
    /// The settings policies need, resolved from config, env sets and flags.
    pub config: Settings,
}

/// Settings resolved for policies: config sections plus probe settings in their precedence
/// (the cutover env set's `VERIFY_METHOD` / `ROWCOUNT_TOLERANCE`, then `launchgate.toml`,
/// then command-line flags; `exact` and `0` when none says).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    pub docs: crate::config::DocsConfig,
    pub probes: ProbeSettings,
    /// `check --mode`: what this run demands (policies read `facts.config.mode`).
    #[serde(default)]
    pub mode: Mode,
}

/// What a run demands before GO (`check --mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// A pull request: everything in the repository; local env files that are git-ignored
    /// and absent are not demanded.
    Pr,
    /// An operator's machine (the default): the local env files are demanded too.
    #[default]
    Operator,
    /// Before a cutover: `operator`, plus a passing verification, complete checklists and a
    /// clean state-store gate.
    Cutover,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Pr => "pr",
            Mode::Operator => "operator",
            Mode::Cutover => "cutover",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeSettings {
    /// `fast`, `exact` or `checksum`.
    pub method: String,
    /// The tolerance text as given (`0`, `25`, `0.5%`); policies parse it with
    /// `parse_tolerance`.
    pub tolerance: String,
    /// Where the tolerance was set (env line, config line), when a file set it.
    pub tolerance_location: Option<Location>,
    /// Where the method was set, when a file set it.
    pub method_location: Option<Location>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            method: "exact".into(),
            tolerance: "0".into(),
            tolerance_location: None,
            method_location: None,
        }
    }
}

impl Facts {
    /// A copy with every secret env value replaced by `[redacted]` (settings and
    /// placeholders stay), for `launchgate facts`. Policies see the real values; people never.
    pub fn redacted(&self) -> Facts {
        let mut f = self.clone();
        // Only secrets go; a placeholder is public sample text.
        let hide = |secret: bool, value: &mut String| {
            if secret && !value.is_empty() && crate::secrets::placeholder_kind(value).is_none() {
                *value = crate::secrets::REDACTED.to_string();
            }
        };
        for file in &mut f.env.files {
            for e in &mut file.entries {
                hide(e.secret, &mut e.value);
            }
        }
        for set in &mut f.env.sets {
            for v in set.vars.values_mut() {
                hide(v.secret, &mut v.value);
            }
            for (k, c) in &mut set.contract_keys {
                let secret = crate::secrets::classify(k, &c.sample, c.sensitive).is_some();
                hide(secret, &mut c.sample);
            }
        }
        f
    }
}
