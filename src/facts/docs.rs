//! Facts about markdown documents (owned by the docs collector).
//!
//! Policies read these at `facts.docs`: one [`Document`] per scanned markdown file, with
//! every local path it links to or mentions in code ([`PathRef`]), every legacy name and
//! machine-local path it contains, and its task-list items; plus one [`ChecklistFacts`] per
//! checklist configured in `launchgate.toml`. Facts never judge: a path that does not exist
//! is a `PathRef` with `exists: false`, and `policies/docs.rhai` decides what that means.

use serde::{Deserialize, Serialize};

use super::Location;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocFacts {
    /// Every scanned document, sorted by path.
    pub documents: Vec<Document>,
    /// The checklists named in `[docs] checklists`, in config order.
    pub checklists: Vec<ChecklistFacts>,
}

/// One markdown file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Document {
    /// Repository-relative path.
    pub file: String,
    /// Line 1 of the file (for findings about the document as a whole).
    pub location: Location,
    /// The text of the first heading, and its span.
    pub title: Option<String>,
    pub title_location: Option<Location>,
    /// Why the file could not be read (too large, binary, invalid UTF-8, I/O); the other
    /// lists are empty when this is set.
    pub read_error: Option<String>,
    /// Local paths: link and image destinations and path-like tokens in inline code and
    /// code blocks, in document order.
    pub paths: Vec<PathRef>,
    /// Remote destinations (`https:`, `mailto:` ...): recorded, never fetched.
    pub urls: Vec<UrlRef>,
    /// Occurrences of the configured legacy names.
    pub legacy_names: Vec<LegacyNameMention>,
    /// Absolute paths into one person's machine (`/Users/<name>/...`).
    pub machine_local_paths: Vec<MachineLocalPath>,
    /// Task-list items (`- [ ]`, `- [x]`), in document order.
    pub checklist_items: Vec<ChecklistItem>,
}

/// Where a path token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathContext {
    /// A link destination (inline, reference, autolink or HTML `href`).
    Link,
    /// An image source.
    Image,
    /// A token inside an inline code span.
    InlineCode,
    /// A token inside a fenced or indented code block.
    CodeBlock,
}

/// Why a path-like token is not checked against the file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UncheckedReason {
    /// Holds a placeholder (`<ts>`, `{name}`, `...`).
    Placeholder,
    /// Expands a shell variable or command substitution (`$DIR/x`, `$(pwd)`).
    Variable,
    /// A glob (`*.sql`, `file?.md`, `[ab].txt`).
    Glob,
    /// A file the command creates (a redirect target, `mkdir`/`touch`/`tee` arguments, the
    /// destination of `cp`/`mv`/`ln`/`rsync`/`install`).
    Output,
    /// An env file an operator creates locally (`.env`, `.env.*.local`): the env rules
    /// own those.
    EnvFile,
    /// Follows a `cd` whose target launchgate cannot resolve.
    UnknownDirectory,
    /// Climbs above the repository root.
    OutsideRepository,
    /// Percent-encoding that does not decode to UTF-8.
    BadEncoding,
    /// Missing, but matches `[docs] generated-paths`: created when the runbook runs.
    Generated,
}

/// A local path written in a document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathRef {
    /// The token exactly as written (for links: the destination, fragment included).
    pub text: String,
    /// The path that was looked up: unquoted, percent-decoded (links), without fragment or
    /// query.
    pub path: String,
    /// Repository-relative path it resolves to (`.` for the root), or `None` when it
    /// resolves nowhere or is not checked.
    pub resolved: Option<String>,
    /// True when `resolved` names an existing file or directory.
    pub exists: bool,
    /// True when launchgate looked the path up (see `unchecked`).
    pub checked: bool,
    /// Why the path was not looked up.
    pub unchecked: Option<UncheckedReason>,
    /// Repository-relative paths tried, in order (document folder first for links).
    pub candidates: Vec<String>,
    /// For links only: where the path resolves from the repository root, when that exists
    /// although the document-relative path does not (the classic "works from the root"
    /// mistake).
    pub exists_from_root: Option<String>,
    /// The exact span of the token (for links: of the destination).
    pub location: Location,
    pub context: PathContext,
    /// True when the token is the command word of a shell command (the file is executed
    /// directly, so it needs the executable bit): `./x.sh`, `scripts/x.sh args`,
    /// `sudo scripts/x.sh`.
    pub command_position: bool,
    /// The command word of the shell command the token belongs to (`bash`, `node`,
    /// `source`, or the token itself when `command_position`); `None` outside code.
    pub command: Option<String>,
    /// The `#fragment` of a link, without `#`.
    pub fragment: Option<String>,
    /// The nearest heading above the token (with the text, a stable subject for findings).
    pub section: Option<String>,
}

/// A remote link destination.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlRef {
    pub url: String,
    pub location: Location,
    pub context: PathContext,
}

/// A configured legacy name found in a document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LegacyNameMention {
    /// The configured name.
    pub name: String,
    /// The text as it appears (case may differ).
    pub text: String,
    /// The whitespace-delimited word around it (`~/Desktop/credity12`), punctuation trimmed.
    pub word: String,
    pub location: Location,
    /// True inside inline code or a code block.
    pub in_code: bool,
    /// The nearest heading above it.
    pub section: Option<String>,
}

/// An absolute path into one person's machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MachineLocalPath {
    /// The whole path as written.
    pub text: String,
    /// The home-folder prefix (`/Users/raghav`): stable across edits, used as the subject.
    pub home: String,
    /// The user name in it.
    pub user: String,
    pub location: Location,
    pub in_code: bool,
    /// The nearest heading above it.
    pub section: Option<String>,
}

/// A task-list item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The item's text (inline markup removed, whitespace collapsed).
    pub text: String,
    pub checked: bool,
    /// The headings the item sits under, outermost first.
    pub section: Vec<String>,
    /// From the `[ ]` marker to the end of the item's first line.
    pub location: Location,
}

/// A checklist named in `[docs] checklists`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistFacts {
    /// Repository-relative path as configured.
    pub file: String,
    pub exists: bool,
    /// Where a finding about the checklist as a whole lands: the document's first heading,
    /// else its first line; the config entry when the file is missing.
    pub location: Location,
    /// The `file = "..."` string in `launchgate.toml`, when found.
    pub config_location: Option<Location>,
    /// Every task-list item of the document (same as the document's `checklist_items`).
    pub items: Vec<ChecklistItem>,
    pub required: Vec<RequiredItem>,
}

/// One required item of a configured checklist.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequiredItem {
    /// As configured.
    pub name: String,
    /// True when a task item's text, or a heading a task item sits under, contains the
    /// name (case-insensitive; `-`, `_` and runs of whitespace compare as one space).
    pub found: bool,
    /// The matching item, when found.
    pub location: Option<Location>,
}
