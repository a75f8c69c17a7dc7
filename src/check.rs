//! `launchgate check` as a library call: config → facts → policies → scrubbed findings →
//! verdict. Reporters and the CLI sit on top of [`run`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::collect::{self, CollectOptions};
use crate::config::{self, ConfigError, LoadedConfig};
use crate::facts::{Facts, Location, Mode, ProbeSettings};
use crate::finding::{self, Finding, RuleMeta, Severity, Verdict};
use crate::policy::{Limits, PolicySet};
use crate::secrets::Redactor;
use crate::waiver;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub root: PathBuf,
    /// `--config FILE`; default `ROOT/launchgate.toml` when present.
    pub config_file: Option<PathBuf>,
    pub fail_on: Severity,
    /// `--process-env SET`.
    pub process_env_set: Option<String>,
    pub probe: bool,
    /// `--method` (highest precedence).
    pub method: Option<String>,
    /// `--tolerance` (highest precedence).
    pub tolerance: Option<String>,
    pub limits: Limits,
    /// The date waivers are judged against (default: today, UTC).
    pub today: Option<waiver::Date>,
    /// Policy folders outside the repository (`launchgate test DIR`): (path, display name).
    pub extra_policy_dirs: Vec<(PathBuf, String)>,
    /// `--timeout`: the whole check's budget; probes still running when it ends stop and
    /// are reported unreachable (NO-GO, marked incomplete).
    pub timeout: Option<std::time::Duration>,
    /// `--cache-dir`: where `bash -n` verdicts are cached between runs; `None` (the library
    /// default): no cache.
    pub cache_dir: Option<PathBuf>,
    /// `--mode`: what this run demands before GO.
    pub mode: Mode,
    /// `--builtin-policies-only`: ignore the repository's own policies (CI with secrets in the
    /// environment runs this way: a pull request cannot change what checks it).
    pub builtin_policies_only: bool,
    /// `--baseline FILE`: findings it holds do not count toward the verdict.
    pub baseline: Option<PathBuf>,
    /// `--evidence DIR` (with `probe`): write the probe's verification artifacts there.
    pub evidence: Option<PathBuf>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            root: PathBuf::from("."),
            config_file: None,
            fail_on: Severity::Error,
            process_env_set: None,
            probe: false,
            method: None,
            tolerance: None,
            limits: Limits::default(),
            today: None,
            extra_policy_dirs: Vec::new(),
            timeout: None,
            cache_dir: None,
            mode: Mode::default(),
            builtin_policies_only: false,
            baseline: None,
            evidence: None,
        }
    }
}

#[derive(Debug, Error, Diagnostic)]
pub enum CheckError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
    #[error("{0} is not a directory")]
    #[diagnostic(code(launchgate::usage))]
    NotADirectory(PathBuf),
    #[error("--process-env names env set `{name}`, which does not exist")]
    #[diagnostic(code(launchgate::usage), help("env sets here: {known}"))]
    UnknownEnvSet { name: String, known: String },
    #[error("--evidence: {0}")]
    #[diagnostic(code(launchgate::evidence))]
    Evidence(#[from] crate::probe::artifacts::ArtifactError),
    #[error("--{flag} `{value}` is invalid: {why}")]
    #[diagnostic(code(launchgate::usage))]
    BadFlag {
        flag: &'static str,
        value: String,
        why: &'static str,
    },
    #[error(transparent)]
    #[diagnostic(code(launchgate::baseline))]
    Baseline(#[from] crate::baseline::BaselineError),
}

/// Everything a reporter needs.
pub struct CheckOutcome {
    pub facts: Facts,
    /// Findings after secret scrubbing, sorted.
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    /// Every rule that can fire (for SARIF's driver and the summary).
    pub rules: Vec<RuleMeta>,
    /// What was inferred or configured, for the human report.
    pub notes: Vec<String>,
    /// True when no `launchgate.toml` was used.
    pub inferred: bool,
    /// Source texts that must be shown masked (env files), by repository path.
    pub masked_sources: BTreeMap<String, String>,
    pub redactor: Redactor,
    pub root: PathBuf,
    pub config: LoadedConfig,
}

/// Run a whole check.
pub fn run(opts: &CheckOptions) -> Result<CheckOutcome, CheckError> {
    if !opts.root.is_dir() {
        return Err(CheckError::NotADirectory(opts.root.clone()));
    }
    if let Some(t) = &opts.tolerance {
        if crate::tolerance::Tolerance::parse(t).is_none() {
            return Err(CheckError::BadFlag {
                flag: "tolerance",
                value: t.clone(),
                why: "expected a row count (25) or a percentage (0.5%)",
            });
        }
    }
    if let Some(m) = &opts.method {
        if !matches!(m.as_str(), "fast" | "exact" | "checksum") {
            return Err(CheckError::BadFlag {
                flag: "method",
                value: m.clone(),
                why: "expected fast, exact or checksum",
            });
        }
    }
    let deadline = opts.timeout.map(|t| std::time::Instant::now() + t);
    let baseline = match &opts.baseline {
        Some(path) => Some((path, crate::baseline::Baseline::load(path)?)),
        None => None,
    };
    let loaded = config::load(&opts.root, opts.config_file.as_deref())?;
    confine_config_paths(&opts.root, &loaded)?;
    let mut limits = opts.limits;
    limits.deadline = deadline;
    let mut policies = PolicySet::builtin(limits);
    let folders = if opts.builtin_policies_only {
        Vec::new()
    } else {
        policy_folders(&opts.root, &loaded)
    };
    let mut policy_dirs: Vec<(PathBuf, String)> = folders
        .iter()
        .map(|f| (opts.root.join(f), f.clone()))
        .collect();
    policy_dirs.extend(opts.extra_policy_dirs.iter().cloned());
    if !policy_dirs.is_empty() {
        policies.load_folders(&policy_dirs);
    }
    let known: BTreeSet<String> = policies.rules().into_iter().map(|r| r.id).collect();
    let overrides = severity_overrides(&loaded, &known)?;
    let waivers = waiver::load(&loaded, &known)?;
    let collected = collect::collect_static(
        &opts.root,
        &loaded,
        CollectOptions {
            process_env_set: opts.process_env_set.clone(),
            known_keys: policies.known_keys(),
            cache_dir: opts.cache_dir.clone(),
        },
    );
    let mut facts = collected.facts;
    if let Some(name) = &opts.process_env_set {
        if !facts.env.sets.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = facts.env.sets.iter().map(|s| s.name.as_str()).collect();
            return Err(CheckError::UnknownEnvSet {
                name: name.clone(),
                known: known.join(", "),
            });
        }
    }
    facts.config.probes = resolve_probe_settings(&facts, &loaded, opts);
    facts.config.mode = opts.mode;
    for set in &mut facts.env.sets {
        let mut keys = std::collections::BTreeSet::new();
        for profile in set.policies.iter().filter(|p| *p != "env") {
            keys.extend(policies.profile_keys(profile));
        }
        set.checked_keys = keys.into_iter().collect();
    }
    if opts.probe {
        facts.db = Some(crate::probe::probe_within(
            &facts, &loaded, &opts.root, deadline,
        ));
    }
    let mut evidence_note = None;
    if let (Some(dir), Some(db)) = (&opts.evidence, &facts.db) {
        let written = crate::probe::artifacts::write(
            db,
            dir,
            std::time::SystemTime::now(),
            env!("CARGO_PKG_VERSION"),
        )?;
        evidence_note = Some(format!(
            "evidence written: {} files and {}",
            written.files.len() - 1,
            written.manifest.display()
        ));
    }

    let mut notes = Vec::new();
    if loaded.path.is_none() {
        notes.push(format!(
            "no {} found: configuration inferred from file names",
            config::CONFIG_FILE
        ));
    } else if let Some(p) = &loaded.path {
        notes.push(format!("configuration: {p}"));
    }
    notes.extend(collected.notes);
    notes.extend(evidence_note);
    if let Some(reason) = &facts.git.reason {
        notes.push(format!("git: {reason}"));
    }
    if !folders.is_empty() {
        notes.push(format!("repository policies: {}", folders.join(", ")));
    }
    if opts.builtin_policies_only {
        notes.push("repository policies ignored (--builtin-policies-only)".into());
    }
    let replaced = policies.replaced_builtins();
    if !replaced.is_empty() {
        let list: Vec<String> = replaced
            .iter()
            .map(|(id, source)| format!("{id} (by {source})"))
            .collect();
        notes.push(format!(
            "repository policies REPLACE built-in rules: {}",
            list.join(", ")
        ));
    }
    let stopped = facts
        .db
        .iter()
        .flat_map(|db| [&db.source, &db.target])
        .flatten()
        .filter_map(|side| side.error.as_ref())
        .find(|e| e.kind == "timeout" && e.timeout_ms.is_none() || e.kind == "interrupted");
    if let Some(e) = stopped {
        notes.push(format!(
            "INCOMPLETE: the database probe was stopped: {}",
            e.message
        ));
    }
    if opts.mode == Mode::Pr {
        notes.extend(skip_local_env_sets(&opts.root, &mut facts));
    }
    let p = &facts.config.probes;
    notes.push(format!(
        "probe settings: method {}, tolerance {}",
        p.method, p.tolerance
    ));

    let redactor = Redactor::new(facts.env.secret_values())
        .keep_paths(collected.files.iter().map(String::as_str));
    // Reports may point at the scanned files and the config file only: reporters read the
    // files findings name, so any other path would be a way to print it.
    let mut files = collected.files.clone();
    files.extend(loaded.path.iter().cloned());
    files.extend(policies.policy_sources());
    policies.confine_locations(files);
    // `--timeout` bounds the policies too, but a probe that used the whole budget must not
    // leave the static rules no time at all: they get at least a short grace.
    policies.set_deadline(deadline.map(|d| d.max(std::time::Instant::now() + POLICY_GRACE)));
    // Shared with the policies for the evaluation, then taken back (no view outlives it).
    let shared = std::sync::Arc::new(facts);
    let mut findings = policies.evaluate(std::sync::Arc::clone(&shared));
    let facts = std::sync::Arc::unwrap_or_clone(shared);
    findings.extend(unused_profiles(&policies, &facts));
    findings.extend(unwalked_directories(&facts));
    apply_overrides(&mut findings, &overrides);
    let process = process_secrets();
    for f in &mut findings {
        scrub(f, &redactor);
        scrub(f, &process);
    }
    let masked = &collected.masked_sources;
    let text_of = |file: &str| {
        masked.get(file).cloned().or_else(|| {
            let text = crate::source::file::read_text(&opts.root.join(file)).ok()?;
            Some(redactor.mask(&text).into_owned())
        })
    };
    let today = opts.today.unwrap_or_else(waiver::Date::today);
    let mut extra = waiver::apply(&mut findings, &waivers, today, text_of);
    apply_overrides(&mut extra, &overrides);
    findings.extend(extra);
    finding::sort(&mut findings);
    finding::assign_fingerprints(&mut findings);
    if let Some((path, baseline)) = &baseline {
        let gone = baseline.apply(&mut findings);
        let held = findings.iter().filter(|f| f.baselined).count();
        notes.push(format!(
            "baseline {}: {held} finding{} in it (reported, not counted); {} baseline entr{} no longer found (fixed)",
            path.display(),
            if held == 1 { " is" } else { "s are" },
            gone.len(),
            if gone.len() == 1 { "y" } else { "ies" }
        ));
        for e in gone.iter().take(10) {
            notes.push(format!(
                "  fixed since the baseline: {} {}:{}",
                e.rule, e.file, e.line
            ));
        }
        if gone.len() > 10 {
            notes.push(format!(
                "  … and {} more (run `launchgate baseline` to refresh the file)",
                gone.len() - 10
            ));
        }
    }
    let verdict = Verdict::decide(&findings, opts.fail_on);
    let mut rules = policies.rules();
    rules.retain(|r| overrides.get(&r.id) != Some(&None));
    for r in &mut rules {
        if let Some(Some(sev)) = overrides.get(&r.id) {
            r.severity = *sev;
        }
    }
    Ok(CheckOutcome {
        facts,
        findings,
        verdict,
        rules,
        notes,
        inferred: loaded.path.is_none(),
        masked_sources: collected.masked_sources,
        redactor,
        root: opts.root.clone(),
        config: loaded,
    })
}

/// Name parts that make a process variable's value a secret whether or not any env set
/// declares it (CI credentials: `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `NPM_TOKEN`, ...).
const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "_KEY",
    "APIKEY",
    "PRIVATE",
    "CREDENTIAL",
    "AUTH",
    "DSN",
    "COOKIE",
    "SESSION",
];

/// The values of the process's secret-named variables: a second line of defence behind the
/// env facts, so that no path that brings a CI secret into a message (a substitution, a
/// probe error) prints it, even if no env set declares the variable.
fn process_secrets() -> Redactor {
    let values = std::env::vars_os().filter_map(|(k, v)| {
        let key = k.to_str()?.to_ascii_uppercase();
        let value = v.into_string().ok()?;
        let named = SECRET_NAME_PARTS.iter().any(|p| key.contains(p));
        let url_password = !crate::secrets::url_secrets(&value).is_empty();
        ((named || url_password) && value.trim().len() >= 8).then_some(value)
    });
    Redactor::new(values)
}

/// The least time the policies get after a probe used up `--timeout`.
const POLICY_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Every path the config names (checklists, env files and contracts, policy folders) must
/// stay inside the repository once `..` and symlinks are resolved, and be a regular file (a
/// folder for policies) when it exists: the repository's config is as hostile as its files.
/// A path that breaks this is a config error at its value, before anything reads it.
fn confine_config_paths(root: &Path, loaded: &LoadedConfig) -> Result<(), CheckError> {
    use crate::source::file::RepoRoot;
    let Some(name) = &loaded.path else {
        return Ok(());
    };
    let Ok(repo) = RepoRoot::new(root) else {
        return Ok(());
    };
    let c = &loaded.config;
    let base = name.rsplit_once('/').map_or("", |(d, _)| d);
    let in_base = |p: &str| {
        if base.is_empty() || Path::new(p).is_absolute() {
            p.to_string()
        } else {
            format!("{base}/{p}")
        }
    };
    // (key, the value as written, the repository-relative path, must be a folder)
    let mut named: Vec<(&str, &str, String, bool)> = Vec::new();
    for checklist in &c.docs.checklists {
        let f = checklist.file.as_str();
        named.push(("[docs] checklists file", f, f.to_string(), false));
    }
    for set in &c.env {
        let set = set.get_ref();
        for f in &set.files {
            named.push(("[[env]] files", f, f.clone(), false));
        }
        if let Some(contract) = &set.contract {
            named.push(("[[env]] contract", contract, contract.clone(), false));
        }
    }
    for folder in c.policies.iter().flatten() {
        let f = folder.get_ref().as_str();
        named.push(("policies", f, in_base(f), true));
    }
    if c.policies.is_none() && std::fs::symlink_metadata(root.join(in_base("policies"))).is_ok() {
        named.push((
            "policies (the default folder)",
            "policies",
            in_base("policies"),
            true,
        ));
    }
    for (key, written, path, folder) in named {
        let problem = match config::resolve_named(&repo, &path) {
            Err(why) => Some(why),
            Ok(abs) => match std::fs::metadata(&abs) {
                Ok(meta) if folder && !meta.is_dir() => Some("is not a folder".to_string()),
                Ok(meta) if !folder && !meta.is_file() => Some(
                    "is not a regular file (a FIFO, device, socket or folder); not read".into(),
                ),
                _ => None,
            },
        };
        if let Some(why) = problem {
            let span = config::quoted_span(&loaded.text, written).unwrap_or(0..0);
            return Err(config::value_error(
                name,
                &loaded.text,
                span,
                format!("{key} `{written}` {why}"),
            )
            .into());
        }
    }
    Ok(())
}

/// `repo/unreadable-directory` and `repo/too-deep`: directories the walk could not cover.
/// Raised by the engine, not a policy, so no repository policy can replace them.
fn unwalked_directories(facts: &Facts) -> Vec<Finding> {
    use crate::facts::walk::Unwalked;
    facts
        .walk
        .unwalked
        .iter()
        .map(|d| {
            let shown = short_path(&d.path);
            let (rule, message) = match (d.why, d.ignored) {
                (Unwalked::Unreadable, false) => (
                    crate::rules::REPO_UNREADABLE_DIRECTORY,
                    format!(
                        "directory {shown} could not be listed ({}); nothing inside it was checked",
                        d.reason
                    ),
                ),
                (Unwalked::Unreadable, true) => (
                    crate::rules::REPO_UNREADABLE_DIRECTORY,
                    format!(
                        "git-ignored directory {shown} could not be searched for evidence ({}); \
                         artifacts inside it were not checked",
                        d.reason
                    ),
                ),
                (Unwalked::TooDeep, _) => (
                    crate::rules::REPO_TOO_DEEP,
                    format!(
                        "directory {shown} was not walked ({}); nothing below it was checked",
                        d.reason
                    ),
                ),
            };
            // A git-ignored folder is searched only for evidence, and evidence a rule needs
            // and cannot find is already an error of its own: an unreadable one (a database
            // container's data folder owned by another user) is a warning, not a block.
            let severity = if d.ignored && d.why == Unwalked::Unreadable {
                Severity::Warning
            } else {
                Severity::Error
            };
            let mut f = Finding::new(
                rule,
                severity,
                Location::file_start(d.path.clone()),
                message,
            );
            f.subject = d.path.clone();
            f.refresh_fingerprint();
            f
        })
        .collect()
}

/// A path short enough for a message: a 256-level path keeps its first and last levels.
fn short_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() <= 8 && path.len() <= 200 {
        return path.to_string();
    }
    let head = parts.iter().take(3).copied().collect::<Vec<_>>().join("/");
    let tail = parts[parts.len().saturating_sub(2)..].join("/");
    format!("{head}/…/{tail} ({} levels)", parts.len())
}

/// `policy/unused-profile`: a repository policy file that applies to no env set.
fn unused_profiles(policies: &PolicySet, facts: &Facts) -> Vec<Finding> {
    let carried: BTreeSet<String> = facts
        .env
        .sets
        .iter()
        .flat_map(|s| s.policies.iter().cloned())
        .collect();
    policies
        .unused_profiles(&carried)
        .into_iter()
        .map(|(file, profile)| {
            let mut f = Finding::new(
                crate::rules::POLICY_UNUSED_PROFILE,
                Severity::Warning,
                Location::file_start(file.clone()),
                format!(
                    "{file} runs on env sets carrying profile `{profile}`, and no env set carries it: its rules check nothing"
                ),
            );
            f.subject = profile;
            f.refresh_fingerprint();
            f
        })
        .collect()
}

/// `--mode pr`: a pull request's checkout has, rightly, none of the operators' local env
/// files. An env set none of whose files exists, each of them git-ignored, is left out (its
/// rules would only say "fill me"), with one note each saying so and how to check it.
fn skip_local_env_sets(root: &std::path::Path, facts: &mut Facts) -> Vec<String> {
    let absent: Vec<&str> = facts
        .env
        .sets
        .iter()
        .flat_map(|s| s.layers.iter())
        .filter(|l| !l.exists && l.source != crate::collect::env::PROCESS_LAYER)
        .map(|l| l.source.as_str())
        .collect();
    let ignored = crate::collect::git::ignored_among(root, &absent);
    let mut notes = Vec::new();
    facts.env.sets.retain(|set| {
        let files: Vec<&str> = set
            .layers
            .iter()
            .filter(|l| l.source != crate::collect::env::PROCESS_LAYER)
            .map(|l| l.source.as_str())
            .collect();
        let local_only = !files.is_empty()
            && set
                .layers
                .iter()
                .filter(|l| l.source != crate::collect::env::PROCESS_LAYER)
                .all(|l| !l.exists && ignored.contains(&l.source));
        if local_only {
            notes.push(format!(
                "not checked in PR mode: env set `{}` ({}: git-ignored and absent); fill it and run `launchgate check --mode operator`",
                set.name,
                files.join(", ")
            ));
        }
        !local_only
    });
    notes
}

/// Every text of a finding a reporter shows, files included, loses any secret value.
fn scrub(f: &mut Finding, r: &Redactor) {
    // Nearly every finding holds no secret: rewrite (and re-fingerprint) only what changed.
    let mut changed = false;
    let mut clean = |text: &mut String| {
        if let std::borrow::Cow::Owned(scrubbed) = r.scrub(text) {
            *text = scrubbed;
            changed = true;
        }
    };
    clean(&mut f.message);
    clean(&mut f.subject);
    if let Some(h) = &mut f.help {
        clean(h);
    }
    for rel in &mut f.related {
        clean(&mut rel.message);
    }
    let files = std::iter::once(&mut f.location.file)
        .chain(f.related.iter_mut().map(|rel| &mut rel.location.file));
    for file in files {
        if let std::borrow::Cow::Owned(scrubbed) = r.scrub(file.as_str()) {
            *file = scrubbed.into();
            changed = true;
        }
    }
    if changed {
        f.refresh_fingerprint();
    }
}

/// Probe settings in rising precedence: the cutover env set's `VERIFY_METHOD` and
/// `ROWCOUNT_TOLERANCE`, then `launchgate.toml`, then the flags; `exact` and `0` otherwise.
fn resolve_probe_settings(
    facts: &Facts,
    loaded: &LoadedConfig,
    opts: &CheckOptions,
) -> ProbeSettings {
    let mut s = ProbeSettings::default();
    let cutover = facts
        .env
        .sets
        .iter()
        .find(|set| set.policies.iter().any(|p| p == "cutover"));
    if let Some(set) = cutover {
        if let Some(v) = set.vars.get("VERIFY_METHOD") {
            s.method = v.value.clone();
            s.method_location = Some(v.value_location.clone());
        }
        if let Some(v) = set.vars.get("ROWCOUNT_TOLERANCE") {
            s.tolerance = v.value.clone();
            s.tolerance_location = Some(v.value_location.clone());
        }
    }
    let probes = &loaded.config.probes;
    if let Some(m) = &probes.method {
        s.method = m.get_ref().as_str().to_string();
        s.method_location = loaded.location(m.span());
    }
    if let Some(t) = &probes.tolerance {
        s.tolerance = t.get_ref().text.clone();
        s.tolerance_location = loaded.location(t.span());
    }
    if let Some(m) = &opts.method {
        s.method = m.clone();
        s.method_location = None;
    }
    if let Some(t) = &opts.tolerance {
        s.tolerance = t.clone();
        s.tolerance_location = None;
    }
    s
}

/// The location used for a fact without a file of its own (e.g. a process variable without
/// a contract): the config file when there is one, else the repository's first env file.
pub fn fallback_location(outcome: &CheckOutcome) -> Location {
    Location::file_start(
        outcome
            .config
            .path
            .clone()
            .unwrap_or_else(|| config::CONFIG_FILE.to_string()),
    )
}

use crate::rules::NOT_OVERRIDABLE;

/// `[rules]` overrides: rule id → new severity (`None` = off). Applied in one place.
///
/// A key is a rule id or a glob over ids (`"launch/*" = "off"`). Globs apply first, in the
/// order written, then exact ids, so `"docs/*" = "warning"` with `"docs/broken-link" =
/// "error"` keeps broken links blocking. A glob never reaches the fail-closed rules; an exact
/// id naming one, an unknown id, or a glob that matches no rule is a config error at the key.
fn severity_overrides(
    loaded: &LoadedConfig,
    known: &BTreeSet<String>,
) -> Result<BTreeMap<String, Option<Severity>>, CheckError> {
    let name = loaded
        .path
        .clone()
        .unwrap_or_else(|| config::CONFIG_FILE.to_string());
    let error = |span: std::ops::Range<usize>, message: String| -> CheckError {
        config::value_error(&name, &loaded.text, span, message).into()
    };
    let mut entries: Vec<_> = loaded.config.rules.iter().collect();
    let is_glob = |id: &str| id.contains(['*', '?', '[', '{']);
    entries.sort_by_key(|(rule, _)| (!is_glob(rule.get_ref()), rule.span().start));
    let mut out = BTreeMap::new();
    for (rule, level) in entries {
        let id = rule.get_ref();
        let sev = level.get_ref().severity();
        let ids: Vec<&String> = if is_glob(id) {
            let matcher = crate::source::glob::compile_one(id)
                .map_err(|e| error(rule.span(), e.to_string()))?;
            let ids: Vec<&String> = known
                .iter()
                .filter(|k| matcher.is_match(k.as_str()))
                .filter(|k| !NOT_OVERRIDABLE.contains(&k.as_str()))
                .collect();
            if ids.is_empty() {
                return Err(error(
                    rule.span(),
                    format!("`{id}` matches no rule (see `launchgate rules`)"),
                ));
            }
            ids
        } else {
            if !known.contains(id) {
                return Err(error(
                    rule.span(),
                    format!("`{id}` is not a rule id (see `launchgate rules`)"),
                ));
            }
            if NOT_OVERRIDABLE.contains(&id.as_str()) {
                return Err(error(
                    rule.span(),
                    format!("`{id}` cannot be overridden: it keeps launchgate failing closed"),
                ));
            }
            vec![id]
        };
        for id in ids {
            out.insert(id.clone(), sev);
        }
    }
    Ok(out)
}

fn apply_overrides(findings: &mut Vec<Finding>, overrides: &BTreeMap<String, Option<Severity>>) {
    findings.retain(|f| overrides.get(&f.rule) != Some(&None));
    for f in findings {
        if let Some(Some(sev)) = overrides.get(&f.rule) {
            f.severity = *sev;
        }
    }
}

/// Repository policy folders, repository-relative: `policies` from the config (relative to
/// the config's folder), else `policies/` beside `launchgate.toml` when it exists.
fn policy_folders(root: &std::path::Path, loaded: &LoadedConfig) -> Vec<String> {
    let Some(config_path) = &loaded.path else {
        return Vec::new();
    };
    let base = config_path.rsplit_once('/').map_or("", |(d, _)| d);
    let join = |p: &str| {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        if base.is_empty() {
            p.to_string()
        } else {
            format!("{base}/{p}")
        }
    };
    match &loaded.config.policies {
        Some(list) => list.iter().map(|p| join(p.get_ref())).collect(),
        None => {
            let default = join("policies");
            if root.join(&default).is_dir() {
                vec![default]
            } else {
                Vec::new()
            }
        }
    }
}
