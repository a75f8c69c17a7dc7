//! Small path, regex and location helpers for the migrations collector (repository-relative
//! folders as configs write them, a compiled-regex cache, the line a key sits on). They go
//! when `src/source/` offers the same.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use regex::Regex;

use crate::facts::Location;
use crate::source::path;

/// Join a repository-relative folder (`.` for the root) and a relative path as a config
/// writes it (`./drizzle`, `../shared/migrations`), normalised. `None` when the result
/// leaves the repository or the path is absolute. (`source::path` with this collector's
/// `.` for the root, which facts use as the root service's path.)
pub(super) fn join_rel(dir: &str, sub: &str) -> Option<String> {
    let sub = sub.trim().replace('\\', "/");
    if path::is_absolute(&sub) {
        return None;
    }
    let joined = path::join(dir, &sub)?;
    Some(if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    })
}

/// The folder of a repository-relative file (`.` at the root).
pub(super) fn parent_dir(rel: &str) -> &str {
    match path::parent(rel) {
        "" => ".",
        dir => dir,
    }
}

/// `dir/name` for a repository-relative folder.
pub(super) fn child(dir: &str, name: &str) -> String {
    path::child(dir, name)
}

/// True when `rel` lies inside folder `dir` (any depth).
pub(super) fn is_under(rel: &str, dir: &str) -> bool {
    dir == "."
        || rel
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

pub(super) fn file_stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

pub(super) fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// A compiled regex, from a process-wide cache: the same patterns (a config key, a
/// dependency name) recur for every service, and compiling dominates otherwise. `None` only
/// for an invalid pattern (all patterns here are constants or escaped names).
///
/// Shared behind an `Arc`: a cloned `Regex` starts with an empty match cache, which made every
/// call pay for one; the shared one keeps its per-thread caches warm.
pub(super) fn regex(pattern: &str) -> Option<Arc<Regex>> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<Arc<Regex>>>>> =
        LazyLock::new(Default::default);
    let compile = || Regex::new(pattern).ok().map(Arc::new);
    match CACHE.lock() {
        Ok(mut cache) => {
            if let Some(found) = cache.get(pattern) {
                return found.clone();
            }
            cache
                .entry(pattern.to_string())
                .or_insert_with(compile)
                .clone()
        }
        Err(_) => compile(),
    }
}

/// Byte range of the line holding JSON key `"key":` at or after `from`, from the opening
/// quote to the end of that line's value (trailing comma and spaces excluded).
pub(super) fn find_json_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    let pattern = format!(r#""{}"\s*:"#, regex::escape(key));
    let re = regex(&pattern)?;
    let m = re.find_at(text, from.min(text.len()))?;
    let line_end = text[m.start()..]
        .find('\n')
        .map_or(text.len(), |i| m.start() + i);
    let value_end = m.start()
        + text[m.start()..line_end]
            .trim_end()
            .trim_end_matches(',')
            .len();
    Some((m.start(), value_end.max(m.end())))
}

/// Location of a top-level JSON key, or the file start.
pub(super) fn key_location(path: &str, text: &str, key: &str) -> Location {
    find_json_key(text, key, 0).map_or_else(
        || Location::file_start(path),
        |(s, e)| Location::from_byte_range(path, text, s, e),
    )
}

/// The whole first line matching `pattern` (trimmed), or the file start.
pub(super) fn line_matching(path: &str, text: &str, pattern: &str) -> Location {
    let Some(re) = regex(pattern) else {
        return Location::file_start(path);
    };
    match re.find(text) {
        Some(m) => line_span(path, text, m.start()),
        None => Location::file_start(path),
    }
}

/// The trimmed content of the line holding byte `offset`.
pub(super) fn line_span(path: &str, text: &str, offset: usize) -> Location {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    let lead = line.len() - line.trim_start().len();
    let content_end = start + line.trim_end().len();
    Location::from_byte_range(path, text, start + lead, content_end.max(start + lead))
}
