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

use serde::{Deserialize, Serialize};

/// A repository-relative file path (`/` separators), shared: every location in one file can
/// hold the same allocation (a large repository has hundreds of thousands of locations).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileName(std::sync::Arc<str>);

impl FileName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for FileName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for FileName {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&*self.0)
    }
}

impl std::borrow::Borrow<str> for FileName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for FileName {
    fn from(s: &str) -> Self {
        FileName(s.into())
    }
}

impl From<String> for FileName {
    fn from(s: String) -> Self {
        FileName(s.into())
    }
}

impl From<&String> for FileName {
    fn from(s: &String) -> Self {
        FileName(s.as_str().into())
    }
}

impl From<&FileName> for FileName {
    fn from(s: &FileName) -> Self {
        s.clone()
    }
}

impl From<FileName> for String {
    fn from(f: FileName) -> String {
        f.0.to_string()
    }
}

impl PartialEq<str> for FileName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FileName {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<FileName> for &str {
    fn eq(&self, other: &FileName) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<FileName> for String {
    fn eq(&self, other: &FileName) -> bool {
        self.as_str() == &*other.0
    }
}

impl Serialize for FileName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FileName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FileName::from)
    }
}

/// A span in a repository file. Lines and columns are 1-based; columns count Unicode scalar
/// values (SARIF `columnKind: unicodeCodePoints`); `end_column` is exclusive, as in SARIF.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub file: FileName,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Location {
    /// The whole first line of a file: used for file-level facts (a missing history, a
    /// tracked secret file) where no narrower span says more.
    pub fn file_start(file: impl Into<FileName>) -> Self {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }

    /// A span on one line, `column..end_column` (1-based, end exclusive).
    pub fn on_line(file: impl Into<FileName>, line: u32, column: u32, end_column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            end_line: line,
            end_column: end_column.max(column),
        }
    }

    /// Locate byte range `start..end` of `text` (the whole content of `file`).
    pub fn from_byte_range(
        file: impl Into<FileName>,
        text: &str,
        start: usize,
        end: usize,
    ) -> Self {
        let (line, column) = line_col(text, start);
        let (end_line, end_column) = line_col(text, end.max(start));
        Location {
            file: file.into(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// 1-based line and column (in chars) of byte offset `offset` in `text`. Offsets past the end
/// or inside a multi-byte character are clamped to the nearest preceding boundary.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (clamp_u32(line), clamp_u32(column))
}

/// Line starts of one text, so that locating many spans in it (every journal entry) costs a
/// binary search each instead of a scan from the top.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 1-based line and column (in chars) of byte `offset`, as [`crate::facts::line_col`].
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (clamp(line), clamp(column))
    }

    /// The location of bytes `start..end` in `file` (pass a [`FileName`] to share it).
    pub fn location(&self, file: impl Into<FileName>, start: usize, end: usize) -> Location {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end.max(start));
        Location {
            file: file.into(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

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
    /// A copy with every env value replaced by `[redacted]` (non-secret settings and
    /// placeholders stay), for `launchgate facts`. Policies see the real values; people never.
    pub fn redacted(&self) -> Facts {
        let mut f = self.clone();
        let hide = |key: &str, value: &mut String| {
            if !value.is_empty()
                && !crate::secrets::is_shown(key, value)
                && crate::policy::placeholder_kind(value).is_none()
            {
                *value = crate::secrets::REDACTED.to_string();
            }
        };
        for file in &mut f.env.files {
            for e in &mut file.entries {
                hide(&e.key, &mut e.value);
            }
        }
        for set in &mut f.env.sets {
            for (k, v) in &mut set.vars {
                hide(k, &mut v.value);
            }
            for (k, c) in &mut set.contract_keys {
                hide(k, &mut c.sample);
            }
        }
        f
    }
}
