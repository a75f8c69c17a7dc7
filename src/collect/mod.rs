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

pub use crate::source::file::{read_text, ReadProblem, MAX_FILE_BYTES};

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
    let (evidence, unsearched) = evidence;
    let mut walk = crate::facts::walk::WalkFacts {
        unwalked: ctx.inventory.unwalked.clone(),
        max_depth: walk::MAX_DEPTH,
    };
    walk.unwalked.extend(unsearched);
    walk.normalise();
    let facts = Facts {
        root: root.display().to_string(),
        git: git_info,
        env: env.facts,
        migrations,
        docs,
        scripts,
        evidence,
        walk,
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
