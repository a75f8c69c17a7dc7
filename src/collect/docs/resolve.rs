//! Where a path written in a document points: normalising repository-relative paths,
//! deciding whether a code token is a repository path at all, and looking it up.
//!
//! Lookups go to the file system (a link may name a directory, which the inventory does not
//! list) and are cached, so a path named in a thousand documents is checked once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::collect::walk::{contract_base, file_name, is_env_file_name};
use crate::facts::docs::UncheckedReason;

/// Extensions that make a slash-less code token a path (`package.json`, `run.sh`).
const KNOWN_EXTENSIONS: &[&str] = &[
    "sh", "bash", "zsh", "ps1", "mjs", "cjs", "js", "ts", "mts", "cts", "jsx", "tsx", "json",
    "jsonc", "md", "markdown", "toml", "yaml", "yml", "sql", "txt", "csv", "tsv", "patch", "diff",
    "py", "rb", "go", "rs", "java", "kt", "php", "lock", "ini", "cfg", "conf", "xml", "html",
    "css", "png", "jpg", "jpeg", "gif", "svg", "pdf", "log", "dump", "rhai", "example", "sample",
    "template",
];

/// The length of the longest of [`KNOWN_EXTENSIONS`]: longer ones are not compared.
const LONGEST_EXTENSION: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < KNOWN_EXTENSIONS.len() {
        if KNOWN_EXTENSIONS[i].len() > longest {
            longest = KNOWN_EXTENSIONS[i].len();
        }
        i += 1;
    }
    longest
};

/// Normalise `rel` against the repository-relative directory `base` (`""` for the root).
/// `None` when `..` climbs above the root.
/// (Documents name the root `.`.)
pub fn join_normalized(base: &str, rel: &str) -> Option<String> {
    path::join(base, rel).map(|p| if p.is_empty() { ".".to_string() } else { p })
}

use crate::source::path;
pub use crate::source::path::parent as parent_dir;

/// True when `text` starts with a URL scheme (`https:`, `mailto:`) or is protocol-relative.
pub fn has_scheme(text: &str) -> bool {
    if text.starts_with("//") {
        return true;
    }
    let Some(colon) = text.find(':') else {
        return false;
    };
    let scheme = &text[..colon];
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
}

/// The name a command word runs: `/usr/bin/cp` and `cp` are both `cp`.
pub fn command_name(word: &str) -> &str {
    file_name(word)
}

/// The extension of the last component, when it has one (`.env` files have none).
fn extension(path: &str) -> Option<&str> {
    let name = file_name(path.trim_end_matches('/'));
    let dot = name.rfind('.')?;
    (dot > 0).then(|| &name[dot + 1..])
}

/// How a code token relates to the repository, before any lookup.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Not a repository path (a flag, a URL, an absolute path, prose): record nothing.
    NotAPath,
    /// A repository path that cannot be checked, and why.
    Unchecked(UncheckedReason),
    /// A repository path to look up. `needs_existing_first_part`: with no known extension
    /// and no `./`, the token counts as a path only when its first component exists (so
    /// `application/json` or `origin/main` are not taken for paths).
    Checkable { needs_existing_first_part: bool },
}

/// Classify a shell word's value (quotes removed).
pub fn classify_code_token(value: &str, expands: bool, glob: bool, placeholder: bool) -> TokenKind {
    // Asked of every word of every command: the cheap tests go first, and the searches for
    // `://`, a scheme or `host:path` only when there is a colon (each needs one).
    let has_extension = extension(value).is_some_and(is_known_extension);
    let looks_like_path = has_extension || value.contains('/');
    if !looks_like_path
        || value.starts_with(['/', '~', '-', '@'])
        || value.contains(':') && (value.contains("://") || has_scheme(value) || scp_like(value))
        || value.contains(char::is_whitespace) && !value.contains('/')
        || !value.chars().any(|c| c.is_alphabetic())
    {
        return TokenKind::NotAPath;
    }
    if placeholder || value.as_bytes().windows(3).any(|w| w == b"...") || value.contains('…') {
        return TokenKind::Unchecked(UncheckedReason::Placeholder);
    }
    if expands {
        return TokenKind::Unchecked(UncheckedReason::Variable);
    }
    if glob {
        return TokenKind::Unchecked(UncheckedReason::Glob);
    }
    let name = file_name(value.trim_end_matches('/'));
    if is_env_file_name(name) && contract_base(name).is_none() {
        return TokenKind::Unchecked(UncheckedReason::EnvFile);
    }
    let explicit = value.starts_with("./") || value.starts_with("../");
    TokenKind::Checkable {
        needs_existing_first_part: !explicit && !has_extension,
    }
}

/// `git@github.com:org/repo.git`, `host:path`: a colon before the first `/`.
fn scp_like(value: &str) -> bool {
    let colon = value.find(':');
    colon.is_some_and(|c| value.find('/').is_none_or(|slash| c < slash))
}

fn is_known_extension(ext: &str) -> bool {
    ext.len() <= LONGEST_EXTENSION && KNOWN_EXTENSIONS.iter().any(|k| k.eq_ignore_ascii_case(ext))
}

/// The outcome of looking a path up from one or more folders.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub candidates: Vec<String>,
    pub resolved: Option<String>,
    /// Every candidate climbed above the root.
    pub outside: bool,
}

/// What a repository-relative path names on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Missing,
    File,
    Dir,
}

/// Existence checks against the repository, cached: one `stat` per distinct path.
pub struct Repository {
    root: PathBuf,
    generated: GlobSet,
    cache: RefCell<HashMap<String, Entry, foldhash::fast::FixedState>>,
}

impl Repository {
    pub fn new(root: &Path, generated: GlobSet) -> Self {
        Repository {
            root: root.to_path_buf(),
            generated,
            cache: RefCell::new(HashMap::default()),
        }
    }

    fn entry(&self, rel: &str) -> Entry {
        if let Some(&known) = self.cache.borrow().get(rel) {
            return known;
        }
        // `metadata` follows symlinks, as `Path::exists` and `Path::is_dir` do.
        let found = match std::fs::metadata(self.root.join(rel)) {
            Ok(meta) if meta.is_dir() => Entry::Dir,
            Ok(_) => Entry::File,
            Err(_) => Entry::Missing,
        };
        self.cache.borrow_mut().insert(rel.to_string(), found);
        found
    }

    /// True when the repository-relative `rel` is an existing file or directory.
    pub fn exists(&self, rel: &str) -> bool {
        self.entry(rel) != Entry::Missing
    }

    /// True when the repository-relative `rel` is a directory.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.entry(rel) == Entry::Dir
    }

    /// True when a missing path is one the runbook itself creates.
    pub fn is_generated(&self, rel: &str) -> bool {
        self.generated.is_match(rel)
    }

    /// Look `path` up from each of `bases` in order; the first existing candidate wins.
    pub fn lookup(&self, bases: &[impl AsRef<str>], path: &str) -> Lookup {
        let mut lookup = Lookup::default();
        for base in bases {
            let Some(candidate) = join_normalized(base.as_ref(), path) else {
                continue;
            };
            if lookup.candidates.contains(&candidate) {
                continue;
            }
            if lookup.resolved.is_none() && self.exists(&candidate) {
                lookup.resolved = Some(candidate.clone());
            }
            lookup.candidates.push(candidate);
        }
        lookup.outside = lookup.candidates.is_empty() && !bases.is_empty();
        lookup
    }

    /// True when the first component of `path` exists from one of `bases`.
    pub fn first_part_exists(&self, bases: &[impl AsRef<str>], path: &str) -> bool {
        let first = path
            .trim_start_matches("./")
            .split('/')
            .find(|p| !p.is_empty() && *p != ".");
        first.is_some_and(|first| {
            bases
                .iter()
                .any(|b| join_normalized(b.as_ref(), first).is_some_and(|c| self.exists(&c)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_refuses_to_climb_out() {
        assert_eq!(
            join_normalized("docs/runbooks", "../../scripts/x.sh").as_deref(),
            Some("scripts/x.sh")
        );
        assert_eq!(join_normalized("", "./a/./b/"), Some("a/b".to_string()));
        assert_eq!(join_normalized("docs", ".."), Some(".".to_string()));
        assert_eq!(join_normalized("docs", "../../x"), None);
    }

    #[test]
    fn classifies_tokens() {
        use TokenKind::*;
        assert_eq!(
            classify_code_token("scripts/x.sh", false, false, false),
            Checkable {
                needs_existing_first_part: false
            }
        );
        assert_eq!(
            classify_code_token("origin/main", false, false, false),
            Checkable {
                needs_existing_first_part: true
            }
        );
        assert_eq!(
            classify_code_token("package.json", false, false, false),
            Checkable {
                needs_existing_first_part: false
            }
        );
        assert_eq!(
            classify_code_token("/usr/bin/env", false, false, false),
            NotAPath
        );
        assert_eq!(
            classify_code_token("https://x.io/a.md", false, false, false),
            NotAPath
        );
        assert_eq!(
            classify_code_token("postgres:x/y", false, false, false),
            NotAPath
        );
        assert_eq!(
            classify_code_token("@scope/pkg", false, false, false),
            NotAPath
        );
        assert_eq!(classify_code_token("1/2", false, false, false), NotAPath);
        assert_eq!(
            classify_code_token("preflight", false, false, false),
            NotAPath
        );
        assert_eq!(
            classify_code_token("a/src-<ts>.txt", false, false, true),
            Unchecked(UncheckedReason::Placeholder)
        );
        assert_eq!(
            classify_code_token("$DIR/x.sh", true, false, false),
            Unchecked(UncheckedReason::Variable)
        );
        assert_eq!(
            classify_code_token("migrations/*.sql", false, true, false),
            Unchecked(UncheckedReason::Glob)
        );
        assert_eq!(
            classify_code_token("env/.env.db.local", false, false, false),
            Unchecked(UncheckedReason::EnvFile)
        );
        assert_eq!(
            classify_code_token("env/.env.db.example", false, false, false),
            Checkable {
                needs_existing_first_part: false
            }
        );
    }
}
