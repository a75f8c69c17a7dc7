//! Whether a missing path written in inline code or a code block is, beyond reasonable doubt,
//! a path into this repository that is gone. Most are not: a bare file name or a path written
//! relative to a package (it exists deeper in the tree), a build output, a placeholder
//! (`path/to/x`), a two-part word that may be a rule id or a branch (`docs/unreadable`), or a
//! path whose first folder does not exist where it was looked up (the clone folder, a folder
//! in the reader's own project).
//!
//! A missing path stays a finding only when its first folder exists where it was looked up
//! and nothing in the repository ends with it. This module never judges existing paths and
//! never touches links (a link is a claim about this repository's tree by construction).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::collect::walk::Inventory;
use crate::facts::docs::UncheckedReason;

use super::resolve::Repository;

/// Folders that hold what a build or tool writes, never what a repository commits.
const OUTPUT_DIRS: &[&str] = &[
    "dist",
    "build",
    "target",
    "out",
    "node_modules",
    ".next",
    ".nuxt",
    ".turbo",
    ".cache",
    "coverage",
    "__pycache__",
    ".venv",
    "venv",
    "tmp",
    ".output",
    "storybook-static",
];
/// Path components that mark an example, not a real path.
const PLACEHOLDER_PARTS: &[&str] = &[
    "path", "to", "foo", "bar", "baz", "example", "examples", "xxx",
];

/// Every repository path (files and folders) by last component, to find paths written
/// relative to a package or folder; and the repository's `.gitignore` files, because a
/// missing path that git ignores is a local or generated file (an editor config, a key the
/// developer creates, a build output), not a stale one.
pub struct PathIndex {
    by_name: HashMap<String, Vec<String>>,
    /// Each `.gitignore` with its folder (`""` or `"web/"`).
    ignored: Vec<(String, Gitignore)>,
}

impl PathIndex {
    pub fn new(inventory: &Inventory, root: &std::path::Path) -> Self {
        // One matcher per .gitignore, rooted at its own folder (a nested file's `docs`
        // means that folder's `docs`, not every `docs`).
        let mut ignored = Vec::new();
        for f in &inventory.files {
            let Some(dir) = f
                .rel
                .strip_suffix(".gitignore")
                .filter(|d| d.is_empty() || d.ends_with('/'))
            else {
                continue;
            };
            let mut builder = GitignoreBuilder::new(root.join(dir));
            // A bad line only loses that line; the rest still applies.
            let _ = builder.add(&f.abs);
            if let Ok(matcher) = builder.build() {
                ignored.push((dir.to_string(), matcher));
            }
        }
        let mut all: HashSet<&str> = HashSet::new();
        for f in &inventory.files {
            let mut rel = f.rel.as_str();
            all.insert(rel);
            while let Some(i) = rel.rfind('/') {
                rel = &rel[..i];
                if !all.insert(rel) {
                    break;
                }
            }
        }
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for rel in all {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            by_name
                .entry(name.to_string())
                .or_default()
                .push(rel.to_string());
        }
        PathIndex { by_name, ignored }
    }

    /// True when git ignores the repository-relative `rel` (or a folder above it).
    fn is_ignored(&self, rel: &str, is_dir: bool) -> bool {
        self.ignored.iter().any(|(dir, matcher)| {
            rel.strip_prefix(dir.as_str()).is_some_and(|below| {
                matcher
                    .matched_path_or_any_parents(below, is_dir)
                    .is_ignore()
            })
        })
    }

    /// True when some repository path ends with `path` (`a/b.ts` matches `x/a/b.ts`).
    fn ends_with(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.by_name.get(name).is_some_and(|all| {
            all.iter()
                .any(|p| crate::source::path::ends_with_components(p, path))
        })
    }
}

/// Why a checked, missing code path is not a finding; `None` when it is one.
pub fn doubt(
    written: &str,
    doc_dir: &str,
    candidates: &[String],
    repository: &Repository,
    index: &PathIndex,
) -> Option<UncheckedReason> {
    let trailing_slash = written.ends_with('/');
    let path = strip_location_suffix(written.trim_end_matches('/'));
    // `test/models/x_test.rb:42`, `tests/a.py::test_b`: the file exists.
    if path.len() != written.trim_end_matches('/').len() {
        let found = candidates.iter().any(|c| {
            let c = strip_location_suffix(c);
            repository.exists(c)
        });
        if found {
            return Some(UncheckedReason::ElsewhereInRepository);
        }
    }
    let mut ups = 0;
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.is_empty() => ups += 1,
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Some(UncheckedReason::NotARepositoryPath);
    }
    // Compared ignoring ASCII case, without a lowercase copy of each part.
    let is = |p: &str, word: &str| p.eq_ignore_ascii_case(word);
    let starts = |p: &str, prefix: &str| {
        p.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    if parts.iter().any(|p| OUTPUT_DIRS.iter().any(|d| is(p, d))) {
        return Some(UncheckedReason::BuildOutput);
    }
    if parts.iter().any(|p| {
        PLACEHOLDER_PARTS.iter().any(|w| is(p, w))
            || starts(p, "your")
            || starts(p, "my-")
            || starts(p, "my_")
            || starts(p, "some-")
    }) {
        return Some(UncheckedReason::Placeholder);
    }
    let joined = parts.join("/");
    if ups == 0 && index.ends_with(&joined) {
        return Some(UncheckedReason::ElsewhereInRepository);
    }
    if candidates
        .iter()
        .any(|c| index.is_ignored(c, trailing_slash))
    {
        return Some(UncheckedReason::GitIgnored);
    }
    let explicit = written.starts_with("./") || written.starts_with("../");
    if parts.len() < 2 {
        // `./seed.sh` right after `cd services/api`: looked up in a folder the procedure
        // named, not from the root or the document's folder.
        let after_cd = explicit
            && candidates.iter().any(|c| {
                let parent = c.rfind('/').map_or("", |i| &c[..i]);
                !parent.is_empty() && parent != doc_dir && repository.is_dir(parent)
            });
        if !after_cd {
            return Some(UncheckedReason::NotARepositoryPath);
        }
        return None;
    }
    // A file extension is short and lowercase: `clock.MonotonicClock` is a Go symbol.
    let has_extension = parts.last().is_some_and(|n| {
        n.rfind('.').is_some_and(|d| {
            let ext = &n[d + 1..];
            d > 0
                && (1..=6).contains(&ext.len())
                && ext
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
    });
    if parts.len() == 2 && !has_extension && !trailing_slash && !explicit {
        return Some(UncheckedReason::NotARepositoryPath);
    }
    // The first folder must exist where the path was looked up: each candidate is that
    // folder + the path, so its first folder is the candidate minus the path's tail.
    let tail = parts.len() - 1;
    let first_folder_exists = candidates.iter().any(|c| {
        let folder = match c.rmatch_indices('/').nth(tail.saturating_sub(1)) {
            _ if tail == 0 => Some(c.as_str()),
            Some((slash, _)) => Some(&c[..slash]),
            // Exactly `tail` parts: the path was looked up from the root.
            None => (c.matches('/').count() + 1 == tail).then_some(""),
        };
        folder.is_some_and(|f| repository.is_dir(f))
    });
    if !first_folder_exists {
        return Some(UncheckedReason::NotARepositoryPath);
    }
    None
}

/// `a/b.rb:42`, `a/b.rb:42:7`, `a/b.py::test_x`, `a/B.md#section` without the location suffix.
fn strip_location_suffix(path: &str) -> &str {
    static SUFFIX: OnceLock<Option<Regex>> = OnceLock::new();
    // Every suffix holds `:` or `#`; most paths have neither.
    if !path.contains([':', '#']) {
        return path;
    }
    let Some(re) = SUFFIX
        .get_or_init(|| Regex::new(r"((:\d+)+:?|::[\w\[\]\-.]+|#[\w\-]+)$").ok())
        .as_ref()
    else {
        return path;
    };
    match re.find(path) {
        Some(m) => &path[..m.start()],
        None => path,
    }
}

/// Words on a token's line that make it an example.
const EXAMPLE_MARKERS: &[&str] = &["e.g.", "for example", "example", "such as", "for instance"];
/// Words just before a token that make it something the reader creates (or might).
const CREATION_MARKERS: &[&str] = &[
    "create", "place", "add a ", "generate", "would be", "will be", "if ",
];
/// How far before the token creation words count, in characters.
const CREATION_WINDOW: usize = 48;

/// Heading words of a section about the past: the paths in it were true once.
const HISTORY_HEADINGS: &[&str] = &[
    "old way",
    "old method",
    "old approach",
    "deprecated",
    "obsolete",
    "history",
    "historical",
    "previously",
    "formerly",
    "archived",
    "no longer",
];
/// Words just before a token that say it does not exist.
const ABSENT_MARKERS: &[&str] = &[
    "there is no ",
    "there's no ",
    "no longer ",
    "was removed",
    "were removed",
];

/// A section heading that says its content is about the past (`Old Way`, `Deprecated
/// setup`, `History`).
pub fn historical_section(heading: &str) -> bool {
    let lower = heading.to_lowercase();
    HISTORY_HEADINGS.iter().any(|h| {
        lower
            .match_indices(h)
            .any(|(at, _)| word_edge(&lower, at, at + h.len()))
    })
}

fn word_edge(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// True when the words just before the token at 1-based `column` of `line` say it does not
/// exist ("There is no `docs/x.md`", "`old.sh` was removed" is left to the author).
pub fn absent_context(line: &str, column: u32) -> bool {
    let window = words_before(&line.to_lowercase(), column);
    ABSENT_MARKERS.iter().any(|m| window.contains(m))
}

/// True when the token starting at 1-based `column` of `line` is written as an example or as
/// a file the text has the reader create (`Create a `./events.jsonl` file`).
pub fn example_context(line: &str, column: u32) -> bool {
    let lower = line.to_lowercase();
    if EXAMPLE_MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    let window = words_before(&lower, column);
    CREATION_MARKERS.iter().any(|m| window.contains(m))
}

/// The last [`CREATION_WINDOW`] characters of `lower` before 1-based `column`: the words that
/// say what the token there is.
fn words_before(lower: &str, column: u32) -> String {
    let before: Vec<char> = lower
        .chars()
        .take((column as usize).saturating_sub(1))
        .collect();
    before[before.len().saturating_sub(CREATION_WINDOW)..]
        .iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_about_the_past_and_absent_paths() {
        assert!(historical_section("Old Way"));
        assert!(historical_section("Deprecated: manual setup"));
        assert!(!historical_section("Holdover jobs"));
        assert!(!historical_section("Running migrations"));
        let line = "Because there is no issue queue, the labels do not apply. There is no `docs/agents/triage-labels.md`.";
        assert!(absent_context(line, 80));
        let line = "Run `scripts/reset-db.sh` to start over.";
        assert!(!absent_context(line, 6));
    }

    #[test]
    fn examples_and_files_to_create() {
        let line = "- **Example**: `scripts/rotate_pdf.py` for PDF rotation tasks";
        assert!(example_context(line, 17));
        let line = "Create a `./worker/events.jsonl` file with one JSON event per line";
        assert!(example_context(line, 10));
        let line = "Run `scripts/reset-db.sh` to start over; it creates nothing.";
        assert!(!example_context(line, 5));
    }

    #[test]
    fn location_suffixes() {
        assert_eq!(strip_location_suffix("a/b.rb:42"), "a/b.rb");
        assert_eq!(strip_location_suffix("a/b.go:4:"), "a/b.go");
        assert_eq!(strip_location_suffix("a/b.py::test_x"), "a/b.py");
        assert_eq!(
            strip_location_suffix("a/RULE.md#package-configurations"),
            "a/RULE.md"
        );
    }
}
