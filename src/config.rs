//! `launchgate.toml`: the schema, loading with spans, and what `check` infers without it.
//!
//! Unknown keys and wrong types are errors that point at the offending key. Values that a
//! finding may need to point back at (an `[[env]]` entry, a probe setting) keep their spans.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

use crate::source::glob::GlobList;
use crate::tolerance::Tolerance;

/// The config file name looked for at the repository root.
pub const CONFIG_FILE: &str = "launchgate.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Extra globs (relative to the root) that are never scanned.
    #[serde(default)]
    pub exclude: GlobList,
    /// Declared env sets. Env files no entry claims are still grouped by inference.
    #[serde(default)]
    pub env: Vec<Spanned<EnvSetConfig>>,
    #[serde(default)]
    pub docs: DocsConfig,
    #[serde(default)]
    pub probes: ProbesConfig,
    #[serde(default)]
    pub git: GitConfig,
    /// Folders of repository policies, relative to the config file's folder. Default:
    /// `policies/` beside `launchgate.toml`, when it exists.
    pub policies: Option<Vec<Spanned<String>>>,
    /// Severity overrides: rule id (or a glob over ids) → `error`, `warning` or `off`.
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Spanned<RuleLevel>>,
    #[serde(default)]
    pub waivers: WaiversConfig,
    /// Waivers kept in the config itself (see also `waivers.file`).
    #[serde(default)]
    pub waiver: Vec<Spanned<WaiverConfig>>,
    /// Migration histories the inference cannot know (a project's own runner).
    #[serde(default)]
    pub migrations: Vec<Spanned<MigrationsConfig>>,
}

/// `[[migrations]]`: a history kept by a project's own runner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MigrationsConfig {
    /// The service (package name or folder) whose history it is; default: the service whose
    /// folder holds `path`.
    pub service: Option<String>,
    /// The history folder, relative to the repository root.
    pub path: String,
    /// A glob of the migration files, relative to `path` (default: every file below it);
    /// compiled at load, so an invalid one is a config error at the key.
    pub pattern: Option<crate::source::glob::PathPattern>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WaiversConfig {
    /// Rules no waiver may cover (a waiver naming one is rejected).
    #[serde(default)]
    pub not_waivable: Vec<Spanned<String>>,
    /// A separate, reviewed waiver file (default: `launchgate-waivers.toml` when present).
    pub file: Option<String>,
}

/// One waiver: which findings it covers, why, who answers for it, and until when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WaiverConfig {
    /// A rule id, or a glob over rule ids (`docs/*`).
    pub rule: Spanned<String>,
    /// A glob over the finding's subject (a key, a service, a table, a path).
    pub subject: Option<String>,
    /// A glob over the finding's file.
    pub file: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The last day the waiver applies (`2026-03-31`).
    pub expires: Spanned<toml::Value>,
}

/// The waiver file's shape (`launchgate-waivers.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<Spanned<WaiverConfig>>,
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
    /// The loader the set's files are read with: `node`, `python`, `compose` or `shell`
    /// (inferred from the repository when absent). Any other name is a config error at the
    /// value: a typo must not quietly fall back to inference.
    #[serde(default, deserialize_with = "dialect_name")]
    pub dialect: Option<String>,
}

/// A dialect name [`crate::source::dotenv::Dialect`] knows, or an error at the value.
fn dialect_name<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    use crate::source::dotenv::Dialect;
    let name = String::deserialize(de)?;
    if Dialect::from_name(&name).is_some() {
        return Ok(Some(name));
    }
    let known: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
    Err(serde::de::Error::custom(format!(
        "unknown dialect `{name}`: expected one of {}",
        known.join(", ")
    )))
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
    pub include: GlobList,
    /// Globs of documents to skip.
    #[serde(default)]
    pub exclude: GlobList,
    /// Globs of repository paths that runbooks mention but that only exist once the runbook
    /// has run (evidence artifacts, dumps): a missing path matching one is not stale.
    #[serde(default)]
    pub generated_paths: GlobList,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChecklistConfig {
    pub file: String,
    #[serde(default)]
    pub require: Vec<String>,
}

/// `[probes]`: live database probe settings (`check --probe`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProbesConfig {
    /// `fast`, `exact` or `checksum`.
    pub method: Option<Spanned<ProbeMethod>>,
    /// Rows (`25`) or a percentage (`0.5%`).
    pub tolerance: Option<Spanned<ToleranceSetting>>,
    /// Schemas to probe (default: every schema except the system ones). Spanned: one that
    /// neither database has is a finding at its value.
    #[serde(default)]
    pub schemas: Vec<Spanned<String>>,
    /// Globs over `schema.table` to probe (default: every table). `*` matches within a name.
    #[serde(default)]
    pub include: GlobList,
    /// Globs over `schema.table` never probed (applied after `include`).
    #[serde(default)]
    pub exclude: GlobList,
    /// Per-table settings, keyed by `schema.table` (or `table` for `public.table`).
    #[serde(default)]
    pub tables: std::collections::BTreeMap<String, TableProbeConfig>,
    /// The state-store table and the keys it must hold on the target.
    pub state_store: Option<Spanned<StateStoreConfig>>,
    /// How long to wait for a connection (default 10s). `500ms`, `10s`, `2m`, or seconds.
    pub connect_timeout: Option<ProbeDuration>,
    /// `statement_timeout` for every probe query (default 60s).
    pub statement_timeout: Option<ProbeDuration>,
    /// Connections per database probing tables at once (default 4, at most 32).
    pub concurrency: Option<u32>,
    /// Rows per key range in the first checksum pass (default 100000); mismatching ranges
    /// are then bisected.
    pub checksum_range_rows: Option<u64>,
    /// Schema-object classes compared between source and target (default: every class).
    pub objects: Option<Vec<ObjectClass>>,
    /// Globs over `class:object` (`grant:*`, `index:tmp_* on public.*`) for schema objects
    /// meant to differ; they are left out of the comparison.
    #[serde(default)]
    pub ignore_objects: GlobList,
}

/// `[probes.tables."schema.table"]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TableProbeConfig {
    /// Rows (`25`) or a percentage (`0.5%`) for this table, overriding the global tolerance.
    pub tolerance: Option<Spanned<ToleranceSetting>>,
}

/// `[probes.state-store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StateStoreConfig {
    /// `table` or `schema.table`.
    pub table: Spanned<String>,
    /// The column holding the keys (default `key`).
    #[serde(default = "default_key_column")]
    pub key_column: String,
    /// Keys that must be present on the target.
    #[serde(default)]
    pub require: Vec<Spanned<String>>,
}

fn default_key_column() -> String {
    "key".into()
}

/// How probes count rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeMethod {
    /// Catalog estimates (with their statistics' age).
    Fast,
    /// `count(*)`.
    Exact,
    /// Content comparison by key range.
    Checksum,
}

impl ProbeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeMethod::Fast => "fast",
            ProbeMethod::Exact => "exact",
            ProbeMethod::Checksum => "checksum",
        }
    }
}

/// A `[rules]` override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

impl RuleLevel {
    /// The severity it sets; `None` turns the rule off.
    pub fn severity(self) -> Option<crate::rules::Severity> {
        match self {
            RuleLevel::Error => Some(crate::rules::Severity::Error),
            RuleLevel::Warning => Some(crate::rules::Severity::Warning),
            RuleLevel::Off => None,
        }
    }
}

/// A row-count tolerance as written (`"25"`, `25`, `"0.5%"`), checked when the config loads.
#[derive(Debug, Clone, PartialEq)]
pub struct ToleranceSetting {
    /// The text as written, for messages and the facts.
    pub text: String,
    pub value: Tolerance,
}

impl<'de> Deserialize<'de> for ToleranceSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Rows(i64),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(t) => t,
            Raw::Rows(n) => n.to_string(),
        };
        match Tolerance::parse(&text) {
            Some(value) => Ok(ToleranceSetting { text, value }),
            None => Err(serde::de::Error::custom(format!(
                "tolerance `{text}` is not a row count (`25`) or a percentage (`0.5%`)"
            ))),
        }
    }
}

/// A duration written as `500ms`, `10s`, `2m`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeDuration(pub std::time::Duration);

impl ProbeDuration {
    /// Parse `500ms`, `10s`, `2m` or `10` (seconds).
    pub fn parse(text: &str) -> Option<ProbeDuration> {
        let text = text.trim();
        let (digits, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
            (n, 1)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1000)
        } else if let Some(n) = text.strip_suffix('m') {
            (n, 60_000)
        } else {
            (text, 1000)
        };
        let n: u64 = digits.trim().parse().ok()?;
        let ms = n.checked_mul(unit_ms)?;
        (ms > 0).then(|| ProbeDuration(std::time::Duration::from_millis(ms)))
    }
}

impl<'de> Deserialize<'de> for ProbeDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl serde::de::Visitor<'_> for DurationVisitor {
            type Value = ProbeDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a positive duration such as \"500ms\", \"10s\", \"2m\" or a number of seconds",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProbeDuration, E> {
                ProbeDuration::parse(v)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ProbeDuration, E> {
                u64::try_from(v)
                    .ok()
                    .filter(|s| *s > 0)
                    .map(|s| ProbeDuration(std::time::Duration::from_secs(s)))
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
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
    /// The separate waiver file, when there is one: (path, text, waivers).
    pub waiver_file: Option<WaiverFileParts>,
}

impl LoadedConfig {
    /// Convert a byte span of the config text into a finding location.
    pub fn location(&self, span: Range<usize>) -> Option<crate::source::location::Location> {
        let path = self.path.as_ref()?;
        Some(crate::source::location::Location::from_byte_range(
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
    // A FIFO, socket or device named launchgate.toml is an error, not "no config": it is
    // never opened for reading (that could block), and never silently skipped.
    if !explicit && std::fs::symlink_metadata(&path).is_err() {
        return Ok(LoadedConfig::default());
    }
    let text = read_config_file(root, &path, explicit)?;
    let display = relative_display(root, &path);
    let config = parse(&display, &text)?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    let waiver_path = match &config.waivers.file {
        Some(f) => Some(base.join(f)),
        None => Some(base.join(WAIVER_FILE)).filter(|p| std::fs::symlink_metadata(p).is_ok()),
    };
    let waiver_file = match waiver_path {
        Some(p) => Some(load_waiver_file(root, &p, |why| {
            // At the key when the config names the file; the default name is not in the text.
            let named = config.waivers.file.as_deref().unwrap_or(WAIVER_FILE);
            match quoted_span(&text, named) {
                Some(span) => value_error(
                    &display,
                    &text,
                    span,
                    format!("[waivers] file `{named}` {why}"),
                ),
                None => ConfigError::Read {
                    path: p.clone(),
                    source: std::io::Error::other(why),
                },
            }
        })?),
        None => None,
    };
    Ok(LoadedConfig {
        config,
        path: Some(display),
        text,
        waiver_file,
    })
}

/// The folder holding the `launchgate.toml` that governs `start`: `start` itself or its
/// nearest ancestor with one, looking no higher than the repository's top (the first folder
/// with a `.git`) or else the filesystem root. `None` when there is none.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    for dir in start.ancestors() {
        if dir.join(CONFIG_FILE).is_file() {
            return Some(dir.to_path_buf());
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Where the reviewed waiver file of a loaded configuration is (whether or not it exists):
/// `[waivers] file`, else `launchgate-waivers.toml`, beside the config (or at `root`).
pub fn waiver_file_path(root: &Path, loaded: &LoadedConfig) -> PathBuf {
    let base = loaded
        .path
        .as_ref()
        .and_then(|p| root.join(p).parent().map(Path::to_path_buf))
        .unwrap_or_else(|| root.to_path_buf());
    base.join(loaded.config.waivers.file.as_deref().unwrap_or(WAIVER_FILE))
}

/// The default name of the reviewed waiver file beside the config.
pub const WAIVER_FILE: &str = "launchgate-waivers.toml";

type WaiverFileParts = (String, String, Vec<Spanned<WaiverConfig>>);

/// Read the config file: the default one confined to the repository (symlinks resolved), an
/// explicit `--config` wherever the operator put it; either only if it is a regular file.
fn read_config_file(root: &Path, path: &Path, explicit: bool) -> Result<String, ConfigError> {
    use crate::source::file::{read_text, RepoRoot};
    let read = || -> Result<String, crate::source::file::ReadProblem> {
        if explicit {
            return read_text(path);
        }
        let repo = RepoRoot::new(root)
            .map_err(|e| crate::source::file::ReadProblem::Io(e.kind().to_string()))?;
        read_text(&repo.resolve(&within(root, path))?)
    };
    read().map_err(|why| ConfigError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::other(why.to_string()),
    })
}

/// The waiver file is repository content like any other: a regular file inside the
/// repository (symlinks resolved), size-capped. What went wrong never quotes the file.
fn load_waiver_file(
    root: &Path,
    path: &Path,
    read_error: impl FnOnce(String) -> ConfigError,
) -> Result<WaiverFileParts, ConfigError> {
    use crate::source::file::{read_text, RepoRoot};
    let read = || -> Result<String, String> {
        let repo = RepoRoot::new(root).map_err(|e| e.to_string())?;
        let resolved = resolve_named(&repo, &within(root, path))?;
        read_text(&resolved).map_err(|why| why.to_string())
    };
    let text = read().map_err(read_error)?;
    let display = relative_display(root, path);
    // Its own TOML errors show its own lines: a regular file inside the repository.
    let parsed: WaiverFile = toml::from_str(&text).map_err(|e| invalid(&display, &text, e))?;
    Ok((display, text, parsed.waiver))
}

/// Resolve a path the config names: inside the repository once `..` and symlinks are
/// resolved ([`RepoRoot::resolve`](crate::source::file::RepoRoot::resolve)), and not in git's
/// own folder (`.git/config` holds the checkout's credentials). The error says why, never
/// what the file holds.
pub fn resolve_named(repo: &crate::source::file::RepoRoot, rel: &str) -> Result<PathBuf, String> {
    let resolved = repo.resolve(rel).map_err(|why| why.to_string())?;
    let inside = resolved.strip_prefix(repo.path()).unwrap_or(&resolved);
    if inside.components().any(|c| c.as_os_str() == ".git") {
        return Err("is inside git's own folder (.git), not a repository file; not read".into());
    }
    Ok(resolved)
}

/// `path` as [`RepoRoot::resolve`](crate::source::file::RepoRoot::resolve) takes it: relative
/// to `root` when it was built from it, else as given (and then confined).
fn within(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// The span of `value` written as a TOML string (`"value"` or `'value'`) in `text`.
pub fn quoted_span(text: &str, value: &str) -> Option<Range<usize>> {
    [format!("\"{value}\""), format!("'{value}'")]
        .iter()
        .find_map(|q| text.find(q.as_str()).map(|p| p..p + q.len()))
}

fn invalid(name: &str, text: &str, e: toml::de::Error) -> ConfigError {
    let span = e.span();
    ConfigError::Invalid {
        message: e.message().to_string(),
        src: NamedSource::new(name, text.to_string()),
        span: span.map(|s| clamp_span(text, s)),
    }
}

fn clamp_span(text: &str, s: Range<usize>) -> SourceSpan {
    let start = s.start.min(text.len());
    let end = s.end.max(start + 1).min(text.len().max(start));
    SourceSpan::from(start..end)
}

/// A diagnostic about a config value the schema accepted but launchgate cannot (an unknown
/// rule id, a waiver on a rule that is not waivable).
pub fn value_error(name: &str, text: &str, span: Range<usize>, message: String) -> ConfigError {
    ConfigError::Invalid {
        message,
        src: NamedSource::new(name, text.to_string()),
        span: Some(clamp_span(text, span)),
    }
}

/// Parse config text; `name` is used in diagnostics.
pub fn parse(name: &str, text: &str) -> Result<Config, ConfigError> {
    toml::from_str::<Config>(text).map_err(|e| invalid(name, text, e))
}

pub use crate::source::path::relative_display;

/// A class of schema object compared across source and target (`[probes] objects`), each
/// with its own rule (`db/<class>-mismatch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectClass {
    Sequence,
    Constraint,
    Default,
    Index,
    Extension,
    Function,
    Trigger,
    View,
    Type,
    Rls,
    Grant,
    Owner,
}

impl ObjectClass {
    pub const ALL: [ObjectClass; 12] = [
        ObjectClass::Sequence,
        ObjectClass::Constraint,
        ObjectClass::Default,
        ObjectClass::Index,
        ObjectClass::Extension,
        ObjectClass::Function,
        ObjectClass::Trigger,
        ObjectClass::View,
        ObjectClass::Type,
        ObjectClass::Rls,
        ObjectClass::Grant,
        ObjectClass::Owner,
    ];

    /// The name config and rule ids use (`sequence`, `rls`).
    pub fn name(self) -> &'static str {
        match self {
            ObjectClass::Sequence => "sequence",
            ObjectClass::Constraint => "constraint",
            ObjectClass::Default => "default",
            ObjectClass::Index => "index",
            ObjectClass::Extension => "extension",
            ObjectClass::Function => "function",
            ObjectClass::Trigger => "trigger",
            ObjectClass::View => "view",
            ObjectClass::Type => "type",
            ObjectClass::Rls => "rls",
            ObjectClass::Grant => "grant",
            ObjectClass::Owner => "owner",
        }
    }

    /// Whether a definition may be shown in a message: a function's or view's body is the
    /// database's own code (it may hold anything), so only the fact that it differs is.
    pub fn shows_definition(self) -> bool {
        !matches!(self, ObjectClass::Function | ObjectClass::View)
    }
}
