//! The one walk of the repository tree.
//!
//! One parallel, `.gitignore`-aware walk (the `ignore` crate's parallel walker) lists every
//! file (special files included: collectors refuse them as findings) with its size and
//! executable bit; it reads no file contents (collectors read the files they want, each at
//! most once). One exception to the ignore rules: env files that git ignores
//! (`.env.launch.local`) are exactly what an operator wants checked, and tracked env files are
//! committed content whatever `.gitignore` says, so both are added from git's own lists of
//! ignored and tracked paths, which [`GitRepo`] already holds (ignored directories such as
//! `node_modules/` stay skipped). Only when git's list cannot stand in for the walker's rules
//! (git state off or unavailable inside a work tree, or `.ignore` files that git does not
//! read) does a second, env-only pass run. The walk never follows symlinks.

use std::path::{Path, PathBuf};

use globset::GlobSet;
use ignore::overrides::OverrideBuilder;
use ignore::{ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use std::sync::Mutex;

use super::GitRepo;
use crate::config::Config;
pub use crate::facts::walk::{Unwalked, UnwalkedDirectory};

/// How many directory levels below the scan root the walk goes. Real repositories stay far
/// below it (deep Java packages reach ~20); a tree past it is hostile or broken, and each
/// directory at the limit that holds anything is reported, not skipped silently.
pub const MAX_DEPTH: usize = 256;

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
    /// The files the walk skipped for ignore rules are exactly those git lists as ignored, so
    /// a collector looking for skipped files can ask git instead of listing folders again.
    pub git_lists_ignored: bool,
    /// Directories the walk could not cover (unreadable, too deep), sorted by path.
    pub unwalked: Vec<UnwalkedDirectory>,
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

pub use crate::source::path::file_name;

/// Env-file naming conventions: `.env`, `.env.*`, `*.env` (contracts included).
pub fn is_env_file_name(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env") || {
        // `prod.env.example`: a contract for `prod.env`.
        contract_base(name).is_some_and(|base| base.ends_with(".env"))
    }
}

/// For a contract file name (`X.example`, `X.sample`, `X.template`, `X.schema`), the env file
/// name `X`.
pub fn contract_base(name: &str) -> Option<&str> {
    [".example", ".sample", ".template", ".schema"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|base| !base.is_empty())
}

/// Walk `root` and add the git-ignored env files `git` knows about.
pub fn walk(root: &Path, config: &Config, git: Option<&GitRepo>) -> Inventory {
    walk_tree(root, config).finish(git)
}

/// The walk before git-ignored env files are added: the walk can run while git is queried.
pub struct Walked {
    root: PathBuf,
    excludes: GlobSet,
    files: Vec<FileEntry>,
    unwalked: Vec<UnwalkedDirectory>,
    /// A `.ignore` / `.rgignore` file was seen: the walker hid files git does not hide.
    saw_non_git_ignore_file: bool,
}

/// Walk the tree in parallel, honouring ignore files, skipping [`ALWAYS_SKIPPED`] folders and
/// the config's `exclude` globs.
pub fn walk_tree(root: &Path, config: &Config) -> Walked {
    let excludes = config.exclude.set().clone();
    let (mut files, unwalked) = walk_pass(root, &excludes, None);
    files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    let saw_non_git_ignore_file = files
        .iter()
        .any(|f| matches!(file_name(&f.rel), ".ignore" | ".rgignore"));
    Walked {
        root: root.to_path_buf(),
        excludes,
        files,
        unwalked,
        saw_non_git_ignore_file,
    }
}

impl Walked {
    /// The inventory: the walked files, plus env files hidden by ignore rules.
    pub fn finish(self, git: Option<&GitRepo>) -> Inventory {
        let Walked {
            root,
            excludes,
            files,
            mut unwalked,
            saw_non_git_ignore_file,
        } = self;
        let mut env_files: Vec<FileEntry> = files
            .iter()
            .filter(|f| is_env_file_name(file_name(&f.rel)))
            .cloned()
            .collect();
        let ignore_rules_apply = git.is_some() || inside_git_work_tree(&root);
        let git_lists_ignored = git.is_some() && !saw_non_git_ignore_file;
        if saw_non_git_ignore_file || (ignore_rules_apply && git.is_none()) {
            // git's list cannot say what the walker hid: walk again for env files only.
            if let Some((found, more)) = env_only_pass(&root, &excludes) {
                env_files = found;
                unwalked.extend(more);
            }
        } else if let Some(git) = git {
            env_files.extend(hidden_env_files(&root, &excludes, git.ignored_paths()));
        }
        if let Some(git) = git {
            // A tracked file is committed content whatever `.gitignore` says (force-added, or
            // tracked before the rule): the walker and git's ignored list both leave it out.
            env_files.extend(hidden_env_files(&root, &excludes, git.tracked_paths()));
        }
        env_files.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
        env_files.dedup_by(|a, b| a.rel == b.rel);
        let mut walk = crate::facts::walk::WalkFacts {
            unwalked,
            max_depth: MAX_DEPTH,
        };
        walk.normalise();
        Inventory {
            files,
            env_files,
            git_lists_ignored,
            unwalked: walk.unwalked,
        }
    }
}

/// The walker applies `.gitignore` only inside a git work tree (`require_git`).
fn inside_git_work_tree(root: &Path) -> bool {
    root.ancestors().any(|dir| dir.join(".git").exists())
}

/// Env files among paths git lists (ignored or tracked; ignored directories stay skipped, as
/// in the walk). git prints them relative to the scan root.
fn hidden_env_files<'a>(
    root: &Path,
    excludes: &GlobSet,
    paths: impl Iterator<Item = &'a str>,
) -> Vec<FileEntry> {
    paths
        .filter(|rel| !rel.ends_with('/') && is_env_file_name(file_name(rel)))
        .filter(|rel| {
            !rel.split('/').any(|c| ALWAYS_SKIPPED.contains(&c)) && !excludes.is_match(rel)
        })
        .filter_map(|rel| {
            let abs = root.join(rel);
            // Symlinks are not followed, as in the walk.
            let meta = abs.symlink_metadata().ok().filter(|m| m.is_file())?;
            Some(FileEntry {
                rel: rel.to_string(),
                abs,
                size: meta.len(),
                executable: is_executable(&meta),
            })
        })
        .collect()
}

/// A walk that overrides ignore rules for env-file names (ignored directories stay skipped).
fn env_only_pass(
    root: &Path,
    excludes: &GlobSet,
) -> Option<(Vec<FileEntry>, Vec<UnwalkedDirectory>)> {
    let mut over = OverrideBuilder::new(root);
    for glob in [
        ".env",
        ".env.*",
        "*.env",
        "*.env.example",
        "*.env.sample",
        "*.env.template",
    ] {
        over.add(glob).ok()?;
    }
    let (mut files, unwalked) = walk_pass(root, excludes, Some(over.build().ok()?));
    files.retain(|f| is_env_file_name(file_name(&f.rel)));
    Some((files, unwalked))
}

/// One parallel walk; each walker thread fills its own lists, merged when the thread ends.
fn walk_pass(
    root: &Path,
    excludes: &GlobSet,
    overrides: Option<ignore::overrides::Override>,
) -> (Vec<FileEntry>, Vec<UnwalkedDirectory>) {
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(false)
        .require_git(true)
        .max_depth(Some(MAX_DEPTH))
        .threads(walker_threads());
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
    let merged = Mutex::new((Vec::new(), Vec::new()));
    let mut visitors = VisitorBuilder {
        root,
        merged: &merged,
    };
    builder.build_parallel().visit(&mut visitors);
    merged.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The path an error of the walker is about, under its depth and line wrappers.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// A directory the walker could not list, from its error. Errors reading ignore files
/// (`Partial`) are not about coverage and are left to the walker's own rules.
fn unwalked_from_error(root: &Path, err: &ignore::Error) -> Option<UnwalkedDirectory> {
    if err.is_partial() {
        return None;
    }
    let io = err.io_error()?;
    let path = error_path(err)?;
    let too_long = cfg!(unix) && io.raw_os_error() == Some(libc_enametoolong());
    Some(UnwalkedDirectory {
        path: rel_path(root, path),
        why: if too_long {
            Unwalked::TooDeep
        } else {
            Unwalked::Unreadable
        },
        reason: if too_long {
            "its path is longer than the operating system accepts".to_string()
        } else {
            os_reason(io)
        },
        ignored: false,
    })
}

/// What the operating system said, without the `(os error 13)` tail.
pub(crate) fn os_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

#[cfg(unix)]
fn libc_enametoolong() -> i32 {
    libc::ENAMETOOLONG
}

#[cfg(not(unix))]
fn libc_enametoolong() -> i32 {
    -1
}

/// Repository-relative, `/`-separated; `.` for the root itself.
pub(crate) fn rel_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

/// The walker's threads: every core (the walk is mostly system calls, which scale).
fn walker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

/// Files and unwalked directories, merged from every walker thread.
type Merged = Mutex<(Vec<FileEntry>, Vec<UnwalkedDirectory>)>;

struct VisitorBuilder<'a> {
    root: &'a Path,
    merged: &'a Merged,
}

impl<'s> ParallelVisitorBuilder<'s> for VisitorBuilder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(FileLister {
            root: self.root,
            merged: self.merged,
            found: Vec::new(),
            unwalked: Vec::new(),
        })
    }
}

/// One walker thread's view: files found by this thread, handed over when it ends.
struct FileLister<'a> {
    root: &'a Path,
    merged: &'a Merged,
    found: Vec<FileEntry>,
    unwalked: Vec<UnwalkedDirectory>,
}

impl ParallelVisitor for FileLister<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        // An unreadable directory is recorded (the walk goes on with the rest): what it holds
        // was never checked.
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                self.unwalked.extend(unwalked_from_error(self.root, &err));
                return WalkState::Continue;
            }
        };
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            // The walker does not descend below the limit; a directory there that holds
            // anything is reported.
            if entry.depth() >= MAX_DEPTH && !is_empty_dir(entry.path()) {
                self.unwalked.push(UnwalkedDirectory {
                    path: rel_path(self.root, entry.path()),
                    why: Unwalked::TooDeep,
                    reason: format!("it is {MAX_DEPTH} directory levels deep, the walk's limit"),
                    ignored: false,
                });
            }
            return WalkState::Continue;
        }
        // Regular files, and special files (FIFOs, sockets, devices) too: a FIFO named `.env`
        // or `README.md` must reach its collector, whose safe read refuses it as a finding,
        // rather than vanish. Symlinks are never followed.
        if entry.file_type().is_none_or(|t| t.is_symlink()) {
            return WalkState::Continue;
        }
        let Ok(rel) = entry.path().strip_prefix(self.root) else {
            return WalkState::Continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let meta = entry.metadata().ok();
        self.found.push(FileEntry {
            rel,
            abs: entry.path().to_path_buf(),
            size: meta.as_ref().map_or(0, |m| m.len()),
            executable: meta.as_ref().is_some_and(is_executable),
        });
        WalkState::Continue
    }
}

impl Drop for FileLister<'_> {
    fn drop(&mut self) {
        let found = std::mem::take(&mut self.found);
        let mut merged = self.merged.lock().unwrap_or_else(|e| e.into_inner());
        if merged.0.is_empty() {
            merged.0 = found;
        } else {
            merged.0.extend(found);
        }
        merged.1.append(&mut self.unwalked);
    }
}

/// True for a directory with no entries; one that cannot be listed is not known to be empty.
fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GitMode;
    use std::process::Command;

    /// A folder holding `files` (path, text), every parent created.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn git_init(dir: &Path) {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["init", "-q"])
            .output()
            .expect("git runs (install git)");
        assert!(out.status.success());
    }

    fn rels(files: &[FileEntry]) -> Vec<&str> {
        files.iter().map(|f| f.rel.as_str()).collect()
    }

    /// A small monorepo: ignored env files beside tracked code, an ignored build folder
    /// holding an env file that must stay unread, and `node_modules`.
    const MONOREPO: &[(&str, &str)] = &[
        (".gitignore", "*.local\ndist/\n"),
        ("package.json", "{}\n"),
        ("apps/api/package.json", "{}\n"),
        ("apps/api/.env.example", "PORT=3000\n"),
        ("apps/api/.env.local", "PORT=4000\n"),
        ("apps/api/src/index.ts", "export {};\n"),
        ("apps/api/dist/.env.production", "PORT=1\n"),
        ("apps/api/dist/bundle.js", "x\n"),
        ("apps/web/.env.launch.local", "NODE_ENV=production\n"),
        ("apps/web/README.md", "# web\n"),
        ("node_modules/pkg/.env", "X=1\n"),
        ("node_modules/pkg/index.js", "x\n"),
    ];

    #[test]
    fn in_git_one_walk_finds_ignored_env_files_but_not_ignored_folders() {
        let dir = tree(MONOREPO);
        git_init(dir.path());
        let (git, _) = GitRepo::open(dir.path(), GitMode::Auto);
        let git = git.expect("git state applies at the top of a work tree");
        let walked = walk_tree(dir.path(), &Config::default());
        // The walk alone honours .gitignore: no `.local`, no `dist/`, no `node_modules/`.
        assert_eq!(
            rels(&walked.files),
            vec![
                ".gitignore",
                "apps/api/.env.example",
                "apps/api/package.json",
                "apps/api/src/index.ts",
                "apps/web/README.md",
                "package.json",
            ]
        );
        let inventory = walked.finish(Some(&git));
        assert_eq!(
            rels(&inventory.env_files),
            vec![
                "apps/api/.env.example",
                "apps/api/.env.local",
                "apps/web/.env.launch.local",
            ]
        );
        assert!(inventory.get("apps/api/.env.local").is_some());
        assert!(inventory.get("apps/api/dist/.env.production").is_none());
    }

    #[test]
    fn with_git_state_off_the_env_only_pass_still_finds_ignored_env_files() {
        let dir = tree(MONOREPO);
        git_init(dir.path());
        // Git state off: no list from git, but the walker still applies .gitignore.
        let inventory = walk(dir.path(), &Config::default(), None);
        assert_eq!(
            rels(&inventory.env_files),
            vec![
                "apps/api/.env.example",
                "apps/api/.env.local",
                "apps/web/.env.launch.local",
            ]
        );
    }

    #[test]
    fn an_ignore_file_git_does_not_read_falls_back_to_the_env_only_pass() {
        let mut files = MONOREPO.to_vec();
        files.push(("apps/web/.ignore", ".env.staging\n"));
        files.push(("apps/web/.env.staging", "A=1\n"));
        let dir = tree(&files);
        git_init(dir.path());
        let (git, _) = GitRepo::open(dir.path(), GitMode::Auto);
        let inventory = walk(dir.path(), &Config::default(), git.as_ref());
        assert!(rels(&inventory.env_files).contains(&"apps/web/.env.staging"));
        assert!(inventory.get("apps/web/.env.staging").is_some());
        assert!(!rels(&inventory.files).contains(&"apps/web/.env.staging"));
    }

    #[test]
    fn outside_git_every_file_is_walked_once_with_size_and_mode() {
        let dir = tree(MONOREPO);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let script = dir.path().join("apps/api/src/index.ts");
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        let inventory = walk(dir.path(), &Config::default(), None);
        // No git work tree: .gitignore does not apply; node_modules is always skipped.
        assert_eq!(inventory.files.len(), MONOREPO.len() - 2);
        let mut sorted = rels(&inventory.files);
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, rels(&inventory.files), "sorted, no duplicates");
        let index = inventory.get("apps/api/src/index.ts").expect("walked");
        assert_eq!(index.size, "export {};\n".len() as u64);
        assert_eq!(index.executable, cfg!(unix));
        // The two `.env.example`/`.local` of api, dist's `.env.production`, web's launch file.
        assert_eq!(inventory.env_files.len(), 4);
    }

    #[test]
    fn config_excludes_apply_to_the_walk_and_to_git_listed_env_files() {
        let dir = tree(MONOREPO);
        git_init(dir.path());
        let (git, _) = GitRepo::open(dir.path(), GitMode::Auto);
        let config = Config {
            exclude: crate::source::glob::GlobList::new(&["apps/web/**", "apps/web"])
                .expect("valid globs"),
            ..Default::default()
        };
        let inventory = walk(dir.path(), &config, git.as_ref());
        assert!(!rels(&inventory.files).contains(&"apps/web/README.md"));
        assert_eq!(
            rels(&inventory.env_files),
            vec!["apps/api/.env.example", "apps/api/.env.local"]
        );
    }

    #[test]
    fn the_depth_limit_lists_what_is_within_it_and_reports_what_lies_beyond() {
        // `a/a/…/a` (MAX_DEPTH - 1 folders) holds a file at the limit; `b/…/b` (MAX_DEPTH
        // folders) holds one beyond it; `c/…/c` ends in an empty folder at the limit.
        let chain = |name: &str, n: usize| vec![name; n].join("/");
        let within = format!("{}/.env.production", chain("a", MAX_DEPTH - 1));
        let beyond = format!("{}/.env.production", chain("b", MAX_DEPTH));
        let dir = tree(&[(&within, "A=1\n"), (&beyond, "B=1\n")]);
        std::fs::create_dir_all(dir.path().join(chain("c", MAX_DEPTH))).expect("mkdir");
        let inventory = walk(dir.path(), &Config::default(), None);
        assert_eq!(rels(&inventory.env_files), vec![within.as_str()]);
        assert_eq!(
            inventory.unwalked,
            vec![UnwalkedDirectory {
                path: chain("b", MAX_DEPTH),
                why: Unwalked::TooDeep,
                reason: format!("it is {MAX_DEPTH} directory levels deep, the walk's limit"),
                ignored: false,
            }]
        );
    }

    #[test]
    fn os_reasons_lose_the_error_number() {
        let denied = std::io::Error::from_raw_os_error(13);
        assert_eq!(os_reason(&denied), "Permission denied");
        assert_eq!(os_reason(&std::io::Error::other("odd")), "odd");
    }

    #[test]
    fn a_large_tree_is_listed_completely_by_the_parallel_walk() {
        let names: Vec<String> = (0..2_000)
            .map(|i| format!("pkg-{}/mod-{}/file-{i}.ts", i % 17, i % 5))
            .collect();
        let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x\n")).collect();
        let dir = tree(&files);
        let inventory = walk(dir.path(), &Config::default(), None);
        let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(rels(&inventory.files), expected);
    }
}
