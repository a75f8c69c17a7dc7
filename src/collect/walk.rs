//! The one walk of the repository tree.
//!
//! `.gitignore`-aware (via the `ignore` crate) for everything, with one exception: env files
//! that git ignores (`.env.launch.local`) are exactly what an operator wants checked, so they
//! are found by a second, env-only pass that overrides ignore rules for files (ignored
//! directories such as `node_modules/` stay skipped).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;

use super::GitRepo;
use crate::config::Config;

/// Directories never scanned, in or out of a git repository.
const ALWAYS_SKIPPED: &[&str] = &[".git", "node_modules", ".hg", ".svn"];

/// One file of the tree.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Repository-relative path, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// Every file the walk found, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub files: Vec<FileEntry>,
    /// Env-like files (including git-ignored ones), sorted by path.
    pub env_files: Vec<FileEntry>,
}

impl Inventory {
    /// Files whose name satisfies `pred`.
    pub fn named<'a>(
        &'a self,
        pred: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = &'a FileEntry> + 'a {
        self.files.iter().filter(move |f| pred(file_name(&f.rel)))
    }

    /// The entry for a repository-relative path, if the walk found it.
    pub fn get(&self, rel: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.rel.as_str().cmp(rel))
            .ok()
            .map(|i| &self.files[i])
            .or_else(|| self.env_files.iter().find(|f| f.rel == rel))
    }
}

/// The last path component of a `/`-separated path.
pub fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// Env-file naming conventions: `.env`, `.env.*`, `*.env` (contracts included).
pub fn is_env_file_name(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env") || {
        // `prod.env.example`: a contract for `prod.env`.
        contract_base(name).is_some_and(|base| base.ends_with(".env"))
    }
}

/// For a contract file name (`X.example`, `X.sample`, `X.template`), the env file name `X`.
pub fn contract_base(name: &str) -> Option<&str> {
    [".example", ".sample", ".template"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|base| !base.is_empty())
}

pub fn walk(root: &Path, config: &Config, _git: Option<&GitRepo>) -> Inventory {
    let excludes = build_excludes(&config.exclude);
    let mut files = walk_pass(root, &excludes, None);
    files.sort_by(|a, b| a.rel.cmp(&b.rel));

    let mut over = OverrideBuilder::new(root);
    for glob in [
        ".env",
        ".env.*",
        "*.env",
        "*.env.example",
        "*.env.sample",
        "*.env.template",
    ] {
        // Globs are constant and valid.
        let _ = over.add(glob);
    }
    let mut env_files: Vec<FileEntry> = match over.build() {
        Ok(o) => walk_pass(root, &excludes, Some(o)),
        Err(_) => files
            .iter()
            .filter(|f| is_env_file_name(file_name(&f.rel)))
            .cloned()
            .collect(),
    };
    env_files.retain(|f| is_env_file_name(file_name(&f.rel)));
    env_files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Inventory { files, env_files }
}

fn build_excludes(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        if let Ok(glob) = Glob::new(g) {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

fn walk_pass(
    root: &Path,
    excludes: &GlobSet,
    overrides: Option<ignore::overrides::Override>,
) -> Vec<FileEntry> {
    let mut builder = WalkBuilder::new(root);
    builder.hidden(false).follow_links(false).require_git(true);
    if let Some(o) = overrides {
        builder.overrides(o);
    }
    let root_owned = root.to_path_buf();
    let excludes_owned = excludes.clone();
    builder.filter_entry(move |entry| {
        let name = entry.file_name().to_string_lossy();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir && ALWAYS_SKIPPED.contains(&name.as_ref()) {
            return false;
        }
        match entry.path().strip_prefix(&root_owned) {
            Ok(rel) if !rel.as_os_str().is_empty() => !excludes_owned.is_match(rel),
            _ => true,
        }
    });
    let mut out = Vec::new();
    for entry in builder.build().flatten() {
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if !ft.is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let meta = entry.metadata().ok();
        out.push(FileEntry {
            rel,
            abs: entry.path().to_path_buf(),
            size: meta.as_ref().map_or(0, |m| m.len()),
            executable: meta.as_ref().is_some_and(is_executable),
        });
    }
    out
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}
