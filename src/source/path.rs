//! Repository-relative paths: `/`-separated, no leading `./`, the root written as `""`.
//!
//! Paths named by files in the repository (a link, a config value, a `cd`) are joined and
//! normalised here, lexically: `..` that would climb above the root is refused, never
//! clamped, so a path can't leave the repository by construction. Symlinks are the file
//! opener's business (`source::file`).

use std::path::Path;

/// `rel` joined to the repository-relative folder `base` (`""` or `"."` for the root), with
/// `.`, `..` and repeated `/` resolved; `""` for the root itself. `None` when `..` climbs
/// above the root.
pub fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Folders of test inputs: files under them are data a test feeds a program (often broken on
/// purpose), not configuration or documentation anyone reads.
const TEST_DATA_DIRS: &[&str] = &[
    "testdata",
    "test-data",
    "test_data",
    "fixtures",
    "fixture",
    "__fixtures__",
    "__mocks__",
];

/// The test-data folder `rel` lies under, if any (at any depth, any case).
pub fn test_data_dir(rel: &str) -> Option<&'static str> {
    parent(rel).split('/').find_map(|d| {
        TEST_DATA_DIRS
            .iter()
            .find(|t| d.eq_ignore_ascii_case(t))
            .copied()
    })
}

/// True for `/x`, `C:/x` and `C:\x`: a path that names a place outside any repository.
pub fn is_absolute(path: &str) -> bool {
    let path = path.trim();
    path.starts_with('/')
        || path.starts_with('\\')
        || (path.get(1..2) == Some(":")
            && path.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
}

/// The folder of a repository-relative file (`""` at the root).
pub fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// The last component of a `/`-separated path.
pub fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// `dir/name` for a repository-relative folder (`""` or `"."` for the root).
pub fn child(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_data_folders_are_found_at_any_depth() {
        assert_eq!(
            test_data_dir("internal/forks/godotenv/fixtures/invalid1.env"),
            Some("fixtures")
        );
        assert_eq!(
            test_data_dir("internal/reloader/testdata/50_example.env"),
            Some("testdata")
        );
        assert_eq!(test_data_dir("fixtures.env"), None);
        assert_eq!(test_data_dir("apps/web/.env"), None);
    }

    #[test]
    fn joins_normalise_and_never_leave_the_root() {
        assert_eq!(
            join("docs", "../scripts/x.sh").as_deref(),
            Some("scripts/x.sh")
        );
        assert_eq!(join("", "./a//b/./c").as_deref(), Some("a/b/c"));
        assert_eq!(join("docs", "..").as_deref(), Some(""));
        assert_eq!(join("docs", "../../etc/passwd"), None);
        assert_eq!(parent("a/b/c.md"), "a/b");
        assert_eq!(parent("c.md"), "");
        assert_eq!(file_name("a/b/c.md"), "c.md");
        assert_eq!(child(".", "x"), "x");
        assert_eq!(child("a", "x"), "a/x");
        assert!(is_absolute("/etc/passwd") && is_absolute("C:/x") && !is_absolute("a/b"));
    }
}
