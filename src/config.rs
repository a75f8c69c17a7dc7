//! `launchgate.toml`: the schema, loading with spans, and what `check` infers without it.
//!
//! Unknown keys and wrong types are errors that point at the offending key. Values that a
//! finding may need to point back at (an `[[env]]` entry, a probe setting) keep their spans.

use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

/// The config file name looked for at the repository root.
pub const CONFIG_FILE: &str = "launchgate.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra globs (relative to the root) that are never scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Declared env sets. Env files no entry claims are still grouped by inference.
    #[serde(default)]
    pub env: Vec<Spanned<EnvSetConfig>>,
    #[serde(default)]
    pub docs: DocsConfig,
    #[serde(default)]
    pub probes: ProbesConfig,
    #[serde(default)]
    pub git: GitConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct EnvSetConfig {
    pub name: String,
    /// Files in load order; later files override earlier ones.
    #[serde(default)]
    pub files: Vec<String>,
    pub contract: Option<String>,
    /// Policy profiles (`launch`, `cutover`); `env` always applies.
    #[serde(default)]
    pub policies: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocsConfig {
    /// Old repository or path names that must not appear in documents.
    #[serde(default)]
    pub legacy_names: Vec<String>,
    #[serde(default)]
    pub checklists: Vec<ChecklistConfig>,
    /// Globs of documents to scan (default: every `*.md`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs of documents to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Globs of repository paths that runbooks mention but that only exist once the runbook
    /// has run (evidence artifacts, dumps): a missing path matching one is not stale.
    #[serde(default)]
    pub generated_paths: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChecklistConfig {
    pub file: String,
    #[serde(default)]
    pub require: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProbesConfig {
    /// `fast`, `exact` or `checksum`.
    pub method: Option<Spanned<String>>,
    /// Rows (`25`) or a percentage (`0.5%`).
    pub tolerance: Option<Spanned<String>>,
}

/// Whether git-state rules use git.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GitMode {
    /// Use git when the scan root is the top of a git work tree.
    #[default]
    Auto,
    /// Use the git repository that contains the scan root, even from a subfolder.
    Enclosing,
    /// Never consult git.
    Off,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GitConfig {
    #[serde(default)]
    pub mode: GitMode,
}

/// A loaded config and where it came from.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: Config,
    /// Repository-relative path of the file, when there is one.
    pub path: Option<String>,
    /// The file's text (config values are not secret), for locating spans.
    pub text: String,
}

impl LoadedConfig {
    /// Convert a byte span of the config text into a finding location.
    pub fn location(&self, span: Range<usize>) -> Option<crate::facts::Location> {
        let path = self.path.as_ref()?;
        Some(crate::facts::Location::from_byte_range(
            path.clone(),
            &self.text,
            span.start,
            span.end,
        ))
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    #[diagnostic(code(launchgate::config::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration: {message}")]
    #[diagnostic(
        code(launchgate::config::invalid),
        help("see the configuration reference in the README")
    )]
    Invalid {
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: Option<SourceSpan>,
    },
}

/// Load `file` (an explicit `--config`), or `ROOT/launchgate.toml` when present.
pub fn load(root: &Path, file: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let (path, explicit) = match file {
        Some(f) => (f.to_path_buf(), true),
        None => (root.join(CONFIG_FILE), false),
    };
    if !explicit && !path.is_file() {
        return Ok(LoadedConfig::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let display = relative_display(root, &path);
    let config = parse(&display, &text)?;
    Ok(LoadedConfig {
        config,
        path: Some(display),
        text,
    })
}

/// Parse config text; `name` is used in diagnostics.
pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
    toml::from_str::<Config>(text).map_err(|e| ConfigError::Invalid {
        message: e.message().to_string(),
        src: NamedSource::new(name, text.to_string()),
        span: e.span().map(|s| {
            SourceSpan::from(s.start..s.end.max(s.start + 1).min(text.len().max(s.start)))
        }),
    })
}

/// `path` relative to `root` with `/` separators, or as given when outside it.
pub fn relative_display(root: &Path, path: &Path) -> String {
    if let Ok(rel) = path.strip_prefix(root) {
        return rel.to_string_lossy().replace('\\', "/");
    }
    if let (Ok(root), Ok(full)) = (root.canonicalize(), path.canonicalize()) {
        if let Ok(rel) = full.strip_prefix(&root) {
            return rel.to_string_lossy().replace('\\', "/");
        }
    }
    path.to_string_lossy().replace('\\', "/")
}
