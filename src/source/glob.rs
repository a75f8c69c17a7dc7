//! Glob lists from configuration, compiled once and validated where they are read.
//!
//! A glob that does not compile is an error at load time (the config loader turns it into a
//! diagnostic at the key, exit 2). It is never dropped: a silently empty match would make a
//! check pass having looked at nothing.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// Compiled globs (`globset` syntax: `*` may cross `/`, `**` any depth, `{a,b}`, `[ab]`).
#[derive(Clone, Default)]
pub struct GlobList {
    patterns: Vec<String>,
    set: GlobSet,
}

/// A pattern that does not compile, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob `{pattern}`: {reason}")]
pub struct GlobError {
    pub pattern: String,
    pub reason: String,
}

impl GlobList {
    /// Compile `patterns`; the first one that does not compile is the error.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<GlobList, GlobError> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let p = p.as_ref();
            let glob = Glob::new(p).map_err(|e| GlobError {
                pattern: p.to_string(),
                reason: e.kind().to_string(),
            })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| GlobError {
            pattern: patterns
                .iter()
                .map(|p| p.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
            reason: e.to_string(),
        })?;
        Ok(GlobList {
            patterns: patterns.iter().map(|p| p.as_ref().to_string()).collect(),
            set,
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The compiled set, for code that takes a `GlobSet`.
    pub fn set(&self) -> &GlobSet {
        &self.set
    }

    /// Indexes of the patterns that match `path`.
    pub fn matches(&self, path: &str) -> Vec<usize> {
        self.set.matches(path)
    }
}

/// One glob, compiled (a waiver's `subject` or `file`).
pub fn compile_one(pattern: &str) -> Result<globset::GlobMatcher, GlobError> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| GlobError {
            pattern: pattern.to_string(),
            reason: e.kind().to_string(),
        })
}

/// One glob over paths whose `*` stays within a folder (`[[migrations]] pattern`), compiled
/// when the config is read.
#[derive(Clone)]
pub struct PathPattern {
    pattern: String,
    matcher: globset::GlobMatcher,
}

impl PathPattern {
    pub fn new(pattern: &str) -> Result<PathPattern, GlobError> {
        globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map(|g| PathPattern {
                pattern: pattern.to_string(),
                matcher: g.compile_matcher(),
            })
            .map_err(|e| GlobError {
                pattern: pattern.to_string(),
                reason: e.kind().to_string(),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }
}

impl std::fmt::Debug for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pattern.fmt(f)
    }
}

impl<'de> Deserialize<'de> for PathPattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pattern = String::deserialize(deserializer)?;
        PathPattern::new(&pattern).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for GlobList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.patterns).finish()
    }
}

impl PartialEq for GlobList {
    fn eq(&self, other: &GlobList) -> bool {
        self.patterns == other.patterns
    }
}

impl Serialize for GlobList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.patterns.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for GlobList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let patterns = Vec::<String>::deserialize(deserializer)?;
        GlobList::new(&patterns).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_matches_and_refuses_a_bad_pattern() {
        let list = GlobList::new(&["docs/**/*.md", "*.sql"]).expect("valid");
        assert!(list.is_match("docs/a/b.md"));
        assert!(list.is_match("db/x.sql"));
        assert!(!list.is_match("README.txt"));
        assert_eq!(list.matches("db/x.sql"), vec![1]);
        let err = GlobList::new(&["docs/[abc.md"]).unwrap_err();
        assert_eq!(err.pattern, "docs/[abc.md");
        assert!(
            err.to_string().contains("unclosed character class"),
            "{err}"
        );
        assert!(compile_one("{a,b").is_err());
    }
}
