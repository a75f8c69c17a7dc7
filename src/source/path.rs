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
    // This runs for every path a document or script names, several times each: most are
    // already normal and are only concatenated; the rest are built in one string (a `..`
    // cuts back to the last `/`).
    let mut out = String::with_capacity(base.len() + rel.len() + 1);
    if is_normal(base) && is_normal(rel) {
        out.push_str(base);
        if !base.is_empty() && !rel.is_empty() {
            out.push('/');
        }
        out.push_str(rel);
        return Some(out);
    }
    for part in base.split('/').filter(|p| !p.is_empty() && *p != ".") {
        push_part(&mut out, part);
    }
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return None;
                }
                out.truncate(out.rfind('/').unwrap_or(0));
            }
            other => push_part(&mut out, other),
        }
    }
    Some(out)
}

/// No empty, `.` or `..` part (and so no leading, trailing or doubled `/`).
fn is_normal(path: &str) -> bool {
    path.is_empty()
        || path
            .as_bytes()
            .split(|b| *b == b'/')
            .all(|p| !matches!(p, b"" | b"." | b".."))
}

fn push_part(out: &mut String, part: &str) {
    if !out.is_empty() {
        out.push('/');
    }
    out.push_str(part);
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

/// True when the last components of `path` are `tail` (`x/a/b.ts` ends with `a/b.ts`, not
/// with `b/b.ts` halves: `xa/b.ts` does not end with `a/b.ts`).
pub fn ends_with_components(path: &str, tail: &str) -> bool {
    path.strip_suffix(tail)
        .is_some_and(|above| above.is_empty() || above.ends_with('/'))
}

/// True when `rel` lies under the folder `dir` (`docs/a.md` under `docs`, not `docs2/a.md`).
pub fn is_under(rel: &str, dir: &str) -> bool {
    rel.strip_prefix(dir)
        .is_some_and(|below| below.starts_with('/'))
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

    proptest::proptest! {
        /// The one-string join agrees with joining a list of parts.
        #[test]
        fn join_agrees_with_a_list_of_parts(
            base in "[a./]{0,8}",
            rel in "[a./]{0,8}",
        ) {
            let mut parts: Vec<&str> =
                base.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
            let mut expected = Some(());
            for part in rel.split('/') {
                match part {
                    "" | "." => {}
                    ".." => expected = expected.and(parts.pop().map(drop)),
                    other => parts.push(other),
                }
            }
            proptest::prop_assert_eq!(join(&base, &rel), expected.map(|()| parts.join("/")));
        }
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
        assert!(
            ends_with_components("x/a/b.ts", "a/b.ts") && ends_with_components("a/b.ts", "a/b.ts")
        );
        assert!(!ends_with_components("xa/b.ts", "a/b.ts"));
        assert!(is_under("docs/a.md", "docs") && !is_under("docs2/a.md", "docs"));
        assert_eq!(child("a", "x"), "a/x");
        assert!(is_absolute("/etc/passwd") && is_absolute("C:/x") && !is_absolute("a/b"));
    }
}
