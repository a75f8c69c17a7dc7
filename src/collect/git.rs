//! Git state of repository files, read from a real `git` (tracked, untracked, ignored).
//!
//! Git state applies when the scan root is the top of a git work tree (or, with
//! `git.mode = "enclosing"`, when it lies anywhere inside one). Outside that, git-state rules
//! do not apply and [`GitInfo::reason`] says why.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use crate::config::GitMode;
use crate::facts::{GitInfo, GitState};

/// The tracked and ignored paths of one work tree, relative to the scan root; any other
/// path is untracked.
#[derive(Debug, Clone, Default)]
pub struct GitRepo {
    tracked: HashSet<String>,
    /// Ignored files, and ignored directories with a trailing `/`.
    ignored: HashSet<String>,
    /// Prefix of the scan root inside the work tree (`""` at the top, else `a/b/`).
    prefix: String,
}

impl GitRepo {
    /// Open the repository for `root`, or say why git state does not apply.
    pub fn open(root: &Path, mode: GitMode) -> (Option<GitRepo>, GitInfo) {
        let unavailable = |reason: String| {
            (
                None,
                GitInfo {
                    available: false,
                    reason: Some(reason),
                },
            )
        };
        if mode == GitMode::Off {
            return unavailable("git is turned off in the config (git.mode = \"off\")".into());
        }
        // Asking for the top level tells whether we are inside a work tree at all.
        match run_git(root, &["rev-parse", "--show-toplevel"]) {
            Ok(_) => {}
            Err(GitError::NotInstalled) => {
                return unavailable("git is not installed; git-state rules were skipped".into())
            }
            Err(GitError::Failed) => {
                return unavailable("the scan root is not inside a git repository".into())
            }
        }
        let prefix = match run_git(root, &["rev-parse", "--show-prefix"]) {
            Ok(out) => String::from_utf8_lossy(&out).trim().to_string(),
            Err(_) => {
                return unavailable("git could not locate the scan root in its work tree".into())
            }
        };
        if !prefix.is_empty() && mode == GitMode::Auto {
            return unavailable(format!(
                "the scan root is a subfolder ({prefix}) of a git work tree, not its top; \
                 git-state rules were skipped (set git.mode = \"enclosing\" to use that repository)"
            ));
        }
        let list = |args: &[&str]| -> Option<HashSet<String>> {
            let out = run_git(root, args).ok()?;
            Some(
                out.split(|b| *b == 0)
                    .filter(|p| !p.is_empty())
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect(),
            )
        };
        // `ls-files` run in a subfolder already prints paths relative to it. The index and
        // the ignored files are listed at the same time (the second walks the work tree); the
        // untracked files need no listing of their own: they are every other path.
        let (tracked, ignored) = std::thread::scope(|scope| {
            let ignored = scope.spawn(|| {
                list(&[
                    "ls-files",
                    "-z",
                    "--others",
                    "--ignored",
                    "--exclude-standard",
                    "--directory",
                ])
            });
            let tracked = list(&["ls-files", "-z", "--cached"]);
            (tracked, ignored.join().ok().flatten())
        });
        let (Some(tracked), Some(ignored)) = (tracked, ignored) else {
            return unavailable("git ls-files failed; git-state rules were skipped".into());
        };
        let repo = GitRepo {
            tracked,
            ignored,
            prefix,
        };
        (
            Some(repo),
            GitInfo {
                available: true,
                reason: None,
            },
        )
    }

    /// The state of a path relative to the scan root.
    pub fn state(&self, rel: &str) -> GitState {
        if self.tracked.contains(rel) {
            return GitState::Tracked;
        }
        if self.ignored.contains(rel) || self.ancestors(rel).any(|dir| self.ignored.contains(&dir))
        {
            return GitState::Ignored;
        }
        GitState::Untracked
    }

    /// Where the scan root sits inside the work tree (`""` at its top).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn ancestors<'a>(&self, rel: &'a str) -> impl Iterator<Item = String> + 'a {
        rel.char_indices()
            .filter(|(_, c)| *c == '/')
            .map(move |(i, _)| rel[..=i].to_string())
    }

    /// Paths git lists as ignored: files, and directories with a trailing `/` (whose
    /// contents git does not list).
    pub fn ignored_paths(&self) -> impl Iterator<Item = &str> {
        self.ignored.iter().map(String::as_str)
    }
}

/// Which of `rels` (paths relative to `root`, existing or not) git's ignore rules exclude.
/// Empty when `root` is not in a git work tree or git is missing: nothing is known ignored.
pub fn ignored_among(root: &Path, rels: &[&str]) -> std::collections::BTreeSet<String> {
    if rels.is_empty() {
        return Default::default();
    }
    let mut args = vec!["check-ignore", "--"];
    args.extend(rels.iter().copied());
    // Exit 1 means "none ignored": an error here, an empty set either way.
    match run_git(root, &args) {
        Ok(out) => String::from_utf8_lossy(&out)
            .lines()
            .map(|l| l.trim_start_matches("./").to_string())
            .collect(),
        Err(_) => Default::default(),
    }
}

enum GitError {
    NotInstalled,
    Failed,
}

fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                GitError::NotInstalled
            } else {
                GitError::Failed
            }
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed)
    }
}
