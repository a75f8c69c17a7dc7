//! Collectors: turn a repository (and, with `--probe`, live databases) into [`Facts`].
//!
//! One walk of the tree builds the [`Inventory`]; each collector picks the files it wants
//! from it and reads each at most once. Collectors never produce findings: a problem in the
//! input (an unparseable line, a missing file) is a fact, and policies judge it.

pub mod docs;
pub mod env;
pub mod evidence;
pub mod git;
pub mod migrations;
pub mod scripts;
pub mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::config::LoadedConfig;
use crate::facts::Facts;

pub use git::GitRepo;
pub use walk::{FileEntry, Inventory};

/// The largest file a collector reads; larger ones become a fact, not an allocation.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Options that change what is collected.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// `--process-env SET`: the process environment is the top layer of this env set.
    pub process_env_set: Option<String>,
    /// Env keys some policy reads; process variables outside the sets' own keys are taken
    /// only when named here.
    pub known_keys: BTreeSet<String>,
    /// Where `bash -n` verdicts of earlier runs are kept (`--cache-dir`); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
}

/// What every collector may look at.
pub struct CollectContext<'a> {
    pub root: PathBuf,
    pub config: &'a LoadedConfig,
    pub inventory: Inventory,
    pub git: Option<GitRepo>,
    pub options: CollectOptions,
}

impl CollectContext<'_> {
    /// Git state of a repository-relative path (`NotInRepository` without git).
    pub fn git_state(&self, rel: &str) -> crate::facts::GitState {
        match &self.git {
            Some(repo) => repo.state(rel),
            None => crate::facts::GitState::NotInRepository,
        }
    }
}

/// Why a file's text could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    TooLarge(u64),
    Binary,
    InvalidUtf8 {
        line: u32,
    },
    /// The file does not exist (any more): collectors read files the walk listed, so it was
    /// removed or renamed after the walk.
    Removed,
    Io(String),
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::TooLarge(n) => write!(
                f,
                "file is {n} bytes, over the {MAX_FILE_BYTES}-byte limit; not read"
            ),
            ReadProblem::Binary => write!(f, "file holds binary data (a NUL byte); not read"),
            ReadProblem::InvalidUtf8 { line } => {
                write!(
                    f,
                    "file is not valid UTF-8 (first bad byte on line {line}); not read"
                )
            }
            ReadProblem::Removed => write!(
                f,
                "file no longer exists (removed after the walk listed it); not read"
            ),
            ReadProblem::Io(e) => write!(f, "file could not be read: {e}"),
        }
    }
}

/// Read a text file with the size cap, rejecting binary data and invalid UTF-8.
pub fn read_text(path: &Path) -> Result<String, ReadProblem> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadProblem::Removed,
        kind => ReadProblem::Io(kind.to_string()),
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadProblem::Io(e.kind().to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    if bytes.contains(&0) {
        return Err(ReadProblem::Binary);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..good].iter().filter(|b| **b == b'\n').count() + 1;
        ReadProblem::InvalidUtf8 {
            line: u32::try_from(line).unwrap_or(u32::MAX),
        }
    })
}

/// What a static collection produced: the facts, masked source texts for snippets (env
/// files, whose values must never be shown) and notes for the human report.
pub struct Collected {
    pub facts: Facts,
    pub masked_sources: BTreeMap<String, String>,
    pub notes: Vec<String>,
    /// Every file of the scanned inventory (repository-relative): the only files a finding
    /// may point at, with the config file.
    pub files: std::collections::BTreeSet<String>,
}

/// What the one walk of the tree and git found: the files every collector picks from.
pub struct Survey {
    pub inventory: Inventory,
    git: Option<GitRepo>,
    git_info: crate::facts::GitInfo,
}

/// Walk the repository at `root` and read its git state (concurrently).
pub fn survey(root: &Path, config: &LoadedConfig) -> Survey {
    // git lists the work tree while the walk runs: both are mostly waiting on the file system.
    let (walked, (git, git_info)) = std::thread::scope(|scope| {
        let git = scope.spawn(|| git::GitRepo::open(root, config.config.git.mode));
        let walked = walk::walk_tree(root, &config.config);
        let git = git.join().unwrap_or_else(|_| {
            (
                None,
                crate::facts::GitInfo {
                    available: false,
                    reason: Some("reading git state failed; git-state rules were skipped".into()),
                },
            )
        });
        (walked, git)
    });
    Survey {
        inventory: walked.finish(git.as_ref()),
        git,
        git_info,
    }
}

/// Gather every static fact about the repository at `root`.
pub fn collect_static(root: &Path, config: &LoadedConfig, options: CollectOptions) -> Collected {
    collect_surveyed(root, config, survey(root, config), options)
}

/// Gather every static fact from the files `survey` listed. The files are read now, so one
/// removed since the survey is a read problem of its area (a finding), never a silent pass.
pub fn collect_surveyed(
    root: &Path,
    config: &LoadedConfig,
    survey: Survey,
    options: CollectOptions,
) -> Collected {
    let Survey {
        inventory,
        git,
        git_info,
    } = survey;
    let ctx = CollectContext {
        root: root.to_path_buf(),
        config,
        inventory,
        git,
        options,
    };
    // The collectors are independent: each runs on its own thread (the scripts collector
    // mostly waits for `bash -n` processes). A panic in one propagates as it would without
    // the threads.
    let (env, migrations, docs, evidence, scripts) = std::thread::scope(|scope| {
        let scripts = scope.spawn(|| scripts::collect(&ctx));
        let migrations = scope.spawn(|| migrations::collect(&ctx));
        let docs = scope.spawn(|| docs::collect(&ctx));
        let evidence = scope.spawn(|| evidence::collect(&ctx));
        let env = env::collect(&ctx);
        fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }
        let (migrations, docs, evidence, scripts) = (
            joined(migrations),
            joined(docs),
            joined(evidence),
            joined(scripts),
        );
        (env, migrations, docs, evidence, scripts)
    });
    let facts = Facts {
        root: root.display().to_string(),
        git: git_info,
        env: env.facts,
        migrations,
        docs,
        scripts,
        evidence,
        db: None,
        config: crate::facts::Settings {
            docs: config.config.docs.clone(),
            ..Default::default()
        },
    };
    let files = ctx
        .inventory
        .files
        .iter()
        .chain(&ctx.inventory.env_files)
        .map(|f| f.rel.clone())
        .collect();
    Collected {
        facts,
        masked_sources: env.masked_sources,
        notes: env.notes,
        files,
    }
}
