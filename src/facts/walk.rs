//! What the walk of the repository tree could not cover.
//!
//! A directory the walk could not list, or one past its depth limit, hides files nothing
//! checked: each is a fact here so the engine can fail closed on it (`repo/*` findings),
//! never a silent pass. Paths only; no file contents.

use serde::{Deserialize, Serialize};

/// Directories the walk did not cover, sorted by path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WalkFacts {
    pub unwalked: Vec<UnwalkedDirectory>,
    /// The walk's depth limit, in directory levels below the scan root.
    pub max_depth: usize,
}

/// One directory whose contents went unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnwalkedDirectory {
    /// Repository-relative, `/`-separated (`.` for the scan root).
    pub path: String,
    pub why: Unwalked,
    /// What the operating system said (`Permission denied (os error 13)`), or why the walk
    /// stopped.
    pub reason: String,
    /// git ignores it: it was searched only for evidence artifacts.
    pub ignored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unwalked {
    /// Listing it failed (permissions, an I/O error).
    Unreadable,
    /// It lies deeper than the walk goes, or its path is longer than the system accepts.
    TooDeep,
}

impl WalkFacts {
    /// Sort by path and drop repeats (two walk passes can meet one directory).
    pub fn normalise(&mut self) {
        self.unwalked
            .sort_by(|a, b| (&a.path, a.why).cmp(&(&b.path, b.why)));
        self.unwalked.dedup_by(|a, b| a.path == b.path);
    }
}
