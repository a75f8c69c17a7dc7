//! The Rhai policy engine: loads policies once, runs every rule over the facts in a sandbox,
//! and turns `report(...)` calls into findings.
//!
//! Policies see facts through read-only views shared by every call ([`view`]) and have no file,
//! network or process access; `eval` is disabled; every call runs under operation, depth,
//! size and wall-clock limits. Anything that goes wrong in a policy (a compile error, a throw,
//! a limit) becomes a `policy/error` finding at the policy's own file and line: policies fail
//! closed. The engine never formats output.

mod api;
mod builtin;
mod folder;
pub mod memory;
pub mod secret;
mod view;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, Map, Position, AST};

use crate::facts::{Facts, Location};
use crate::finding::{Finding, Related, RuleMeta, Severity};

pub use api::placeholder_kind;
pub use builtin::{BUILTIN_CASES, BUILTIN_POLICIES};

/// The engine's own rule: a policy failed to compile, run, or stay within its limits.
pub use crate::rules::{engine_rules, POLICY_ERROR, POLICY_REPLACED_BUILTIN};

/// Why `on_progress` stopped a call that held too much memory.
const MEMORY_STOP: &str = "memory budget";

/// Limits for each rule call (and each policy's load).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    /// Bytes a rule call may hold at once (counted where the binary's allocator is installed).
    pub max_memory: i64,
    pub wall_time: Duration,
    /// When the whole run must end (`--timeout`): no rule call runs past it.
    pub deadline: Option<Instant>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 200_000_000,
            max_call_levels: 64,
            // Above the 16 MiB file cap, so any value a collector read fits; growth is still bounded.
            max_string_size: 32 * 1024 * 1024,
            max_array_size: 2_000_000,
            max_map_size: 500_000,
            max_memory: 256 * 1024 * 1024,
            wall_time: Duration::from_secs(10),
            deadline: None,
        }
    }
}

/// The time one rule's calls took, summed over the threads that ran them.
#[derive(Debug, Clone)]
pub struct RuleTime {
    pub id: String,
    /// How many times it was called (once, or once per env set).
    pub calls: usize,
    pub time: Duration,
}

/// How a rule is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Once, with the whole facts.
    Repo,
    /// Once per env set carrying the policy's profile.
    EnvSet,
}

struct Rule {
    meta: RuleMeta,
    meta_map: Map,
    /// A finding's help when the report gives none: the summary and how to read more.
    default_help: String,
    scope: Scope,
    profile: String,
    keys: Vec<String>,
    check: FnPtr,
    policy: usize,
    /// Where `rule(...)` was called: the fallback location for errors without a position.
    registered_at: Position,
    /// A built-in rule (the binary's own policies), as opposed to a repository's.
    trusted: bool,
}

struct Policy {
    source: String,
    ast: AST,
    /// The policy imports modules at top level: its rules must run with those imports in
    /// scope, so each call re-evaluates the top level first (cheap: it only registers rules).
    imports: bool,
}

/// One `report(...)` call, before secrets are scrubbed.
struct Reported {
    location: Location,
    /// Files the policy named itself (location maps, not facts' locations): each must be a
    /// file of the scanned repository.
    named_files: Vec<String>,
    message: String,
    subject: String,
    help: Option<String>,
    related: Vec<Related>,
}

/// State shared between the engine's native functions and the Rust side while policies load.
#[derive(Default)]
struct Shared {
    /// Rules registered by the policy being loaded.
    pending: Vec<(Map, FnPtr, Position)>,
}

/// What one rule call collects. Kept per thread: rule calls run on several threads at once,
/// each call from start to end on one thread.
#[derive(Default)]
struct CallState {
    /// Reports made by the rule being run.
    reports: Vec<Reported>,
    /// Malformed `report` calls (bad location), as error text.
    report_errors: Vec<String>,
}

/// When the running call must stop, and whose it is. Read on every operation, so it is a
/// plain `Copy` value in a `const` thread-local (no lazy set-up, no borrow flag).
#[derive(Clone, Copy)]
struct CallLimits {
    /// When the call (or the policy's load) must stop.
    deadline: Option<Instant>,
    /// The thread's live bytes above which the call stops (see [`memory`]).
    memory_ceiling: i64,
    /// The call runs a repository policy (its secret tests are counted).
    untrusted: bool,
}

/// True while this thread runs a repository policy's code.
pub(crate) fn untrusted_call() -> bool {
    LIMITS.with(|l| l.get().untrusted)
}

thread_local! {
    static CALL: std::cell::RefCell<CallState> = std::cell::RefCell::new(CallState::default());
    static LIMITS: std::cell::Cell<CallLimits> = const {
        std::cell::Cell::new(CallLimits { deadline: None, memory_ceiling: 0, untrusted: false })
    };
}

/// Run `f` on this thread's call state.
fn with_call<T>(f: impl FnOnce(&mut CallState) -> T) -> T {
    CALL.with(|call| f(&mut call.borrow_mut()))
}

/// All loaded policies and their rules.
pub struct PolicySet {
    engine: Engine,
    shared: Arc<Mutex<Shared>>,
    policies: Vec<Policy>,
    rules: Vec<Rule>,
    /// `policy/error` findings from loading.
    load_errors: Vec<Finding>,
    /// Built-in rules a repository policy replaced: (id, policy source, where).
    replaced: Vec<(String, String, Position)>,
    /// The files a report may point at (repository-relative); `None` when unconfined (policy
    /// unit tests).
    files: Option<Arc<BTreeSet<String>>>,
    limits: Limits,
    /// How many of `policies` are built in (they come first); the rest are the repository's.
    builtin_policies: usize,
}

fn lock(shared: &Arc<Mutex<Shared>>) -> std::sync::MutexGuard<'_, Shared> {
    // A poisoned lock only means a panic elsewhere; the data is still usable.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

impl PolicySet {
    /// An engine with no policies loaded.
    pub fn empty(limits: Limits) -> PolicySet {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let engine = sandboxed_engine(&limits, &shared);
        PolicySet {
            engine,
            shared,
            policies: Vec::new(),
            rules: Vec::new(),
            load_errors: Vec::new(),
            replaced: Vec::new(),
            files: None,
            limits,
            builtin_policies: 0,
        }
    }

    /// The built-in policies.
    pub fn builtin(limits: Limits) -> PolicySet {
        let mut set = PolicySet::empty(limits);
        // Parsing is most of a short run's start-up: the files are parsed side by side, then
        // registered in order.
        let engine = &set.engine;
        let parsed: Vec<Result<AST, rhai::ParseError>> = std::thread::scope(|scope| {
            let parsing: Vec<_> = BUILTIN_POLICIES
                .iter()
                .map(|(_, text)| scope.spawn(move || engine.compile(text)))
                .collect();
            parsing
                .into_iter()
                .map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for ((source, _), ast) in BUILTIN_POLICIES.iter().zip(parsed) {
            set.load_parsed(source, ast, true);
        }
        set.builtin_policies = set.policies.len();
        set
    }

    /// Set when every rule call must have ended (`--timeout`), or `None`.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.limits.deadline = deadline;
    }

    /// Confine report locations to `files` (repository-relative paths: the scanned inventory
    /// and the config file). A report anywhere else is a `policy/error`, and never reaches a
    /// reporter: reporters read the files findings point at.
    pub fn confine_locations(&mut self, files: BTreeSet<String>) {
        self.files = Some(Arc::new(files));
    }

    /// Every loaded policy's source name (built-in ones included): `policy/error` points at
    /// them, and a rule may report at its own policy.
    pub fn policy_sources(&self) -> Vec<String> {
        self.policies.iter().map(|p| p.source.clone()).collect()
    }

    /// The built-in rules that repository policies replaced, as (id, policy source).
    pub fn replaced_builtins(&self) -> Vec<(String, String)> {
        self.replaced
            .iter()
            .map(|(id, source, _)| (id.clone(), source.clone()))
            .collect()
    }

    /// Repository policy files with per-env-set rules for a profile (the file's stem) that no
    /// env set carries, as (file, profile): such a file silently applies to nothing.
    pub fn unused_profiles(&self, carried: &BTreeSet<String>) -> Vec<(String, String)> {
        let unused: BTreeSet<(String, String)> = self
            .rules
            .iter()
            .filter(|r| r.scope == Scope::EnvSet && r.policy >= self.builtin_policies)
            .filter(|r| r.profile != "env" && !carried.contains(&r.profile))
            .map(|r| (self.policies[r.policy].source.clone(), r.profile.clone()))
            .collect();
        unused.into_iter().collect()
    }

    /// Load every `.rhai` file of the repository policy folders (repository-relative), in
    /// order; their rules add to or replace the built-ins by id, and `import` works between
    /// the files of one folder.
    pub fn load_folders(&mut self, folders: &[(std::path::PathBuf, String)]) {
        self.engine.set_module_resolver(folder::FolderResolver {
            folders: folders.to_vec(),
        });
        for (dir, name) in folders {
            for (source, text) in folder::policy_files(dir, name) {
                match text {
                    Ok(text) => self.load(&source, &text),
                    Err(e) => self
                        .load_errors
                        .push(policy_error(&source, Position::NONE, &e)),
                }
            }
        }
    }

    /// Compile and register one repository policy. `source` names it in locations; its
    /// profile is its file stem. Rules with an id already registered replace the earlier rule
    /// (a replaced built-in rule is reported: `policy/replaced-builtin`).
    pub fn load(&mut self, source: &str, text: &str) {
        let parsed = self.engine.compile(text);
        self.load_parsed(source, parsed, false);
    }

    /// Register one parsed policy (`trusted`: a built-in one).
    fn load_parsed(&mut self, source: &str, parsed: Result<AST, rhai::ParseError>, trusted: bool) {
        let profile = source
            .rsplit('/')
            .next()
            .unwrap_or(source)
            .trim_end_matches(".rhai")
            .to_string();
        let mut ast = match parsed {
            Ok(ast) => ast,
            Err(e) => {
                let pos = e.position();
                self.load_errors.push(policy_error(
                    source,
                    pos,
                    &format!("does not compile: {}", e.err_type()),
                ));
                return;
            }
        };
        ast.set_source(source);
        lock(&self.shared).pending.clear();
        self.arm_deadline(trusted);
        let result = self.engine.run_ast(&ast);
        let pending = std::mem::take(&mut lock(&self.shared).pending);
        if let Err(e) = result {
            let (pos, msg) = innermost(&e);
            let msg = view::explain_write(msg);
            self.load_errors.push(policy_error(
                source,
                pos,
                &format!("failed while loading: {msg}"),
            ));
            return;
        }
        let policy = self.policies.len();
        let imports = ast
            .statements()
            .iter()
            .any(|s| matches!(s, rhai::Stmt::Import(..)));
        self.policies.push(Policy {
            source: source.to_string(),
            ast,
            imports,
        });
        for (meta_map, check, pos) in pending {
            match parse_meta(&meta_map, source) {
                Ok((meta, scope, keys)) => {
                    let replaces_builtin =
                        self.rules.iter().any(|r| r.trusted && r.meta.id == meta.id);
                    if replaces_builtin && !trusted {
                        self.replaced
                            .push((meta.id.clone(), source.to_string(), pos));
                    }
                    self.rules.retain(|r| r.meta.id != meta.id);
                    let default_help = format!(
                        "{} (launchgate explain {})",
                        meta.summary.replace('`', ""),
                        meta.id
                    );
                    self.rules.push(Rule {
                        meta,
                        meta_map,
                        default_help,
                        scope,
                        profile: profile.clone(),
                        keys,
                        check,
                        policy,
                        registered_at: pos,
                        trusted,
                    });
                }
                Err(msg) => self.load_errors.push(policy_error(source, pos, &msg)),
            }
        }
    }

    /// Metadata of every rule that can fire: the loaded rules plus the engine's own.
    pub fn rules(&self) -> Vec<RuleMeta> {
        let mut all: Vec<RuleMeta> = self.rules.iter().map(|r| r.meta.clone()).collect();
        all.extend(engine_rules());
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Env keys the built-in rules declare they read (`keys` in their metadata). A
    /// repository policy's `keys` never widen what is read from the process environment.
    pub fn known_keys(&self) -> BTreeSet<String> {
        self.rules
            .iter()
            .filter(|r| r.trusted)
            .flat_map(|r| r.keys.iter().cloned())
            .collect()
    }

    /// Env keys that the rules of `profile` declare they read.
    pub fn profile_keys(&self, profile: &str) -> BTreeSet<String> {
        self.rules
            .iter()
            .filter(|r| r.profile == profile)
            .flat_map(|r| r.keys.iter().cloned())
            .collect()
    }

    /// Run every rule over `facts`. Findings are not yet scrubbed of secrets.
    ///
    /// Policies read the facts through read-only views (see [`view`]): a rule call receives a
    /// pointer into them, never a copy. The facts come shared so that nothing is copied here
    /// either; once this returns no view remains, so `Arc::unwrap_or_clone` takes them back
    /// without a copy.
    pub fn evaluate(&self, facts: Arc<Facts>) -> Vec<Finding> {
        self.evaluate_timed(facts).0
    }

    /// [`PolicySet::evaluate`], with the time each rule took: its calls summed over every
    /// thread, slowest first (for profiling policies: `examples/phase_profile.rs`).
    pub fn evaluate_timed(&self, facts: Arc<Facts>) -> (Vec<Finding>, Vec<RuleTime>) {
        let mut findings = self.load_errors.clone();
        for (id, source, pos) in &self.replaced {
            findings.push(replaced_builtin(id, source, *pos));
        }
        let root = view::View::root(facts);
        let sets = &root.get().env.sets;
        // Every rule call, in the order findings are reported: the rule, and the env set it
        // is called with (`None`: the whole facts).
        let mut calls: Vec<(&Rule, Option<usize>)> = Vec::new();
        for rule in &self.rules {
            match rule.scope {
                Scope::Repo => calls.push((rule, None)),
                Scope::EnvSet => {
                    for (i, set) in sets.iter().enumerate() {
                        if rule.profile == "env" || set.policies.contains(&rule.profile) {
                            calls.push((rule, Some(i)));
                        }
                    }
                }
            }
        }
        let mut times: Vec<RuleTime> = Vec::new();
        for ((rule, _), (found, took)) in calls.iter().zip(self.run_calls(&calls, &root)) {
            findings.extend(found);
            match times.last_mut() {
                // A rule's calls are next to each other.
                Some(t) if t.id == rule.meta.id => {
                    t.calls += 1;
                    t.time += took;
                }
                _ => times.push(RuleTime {
                    id: rule.meta.id.clone(),
                    calls: 1,
                    time: took,
                }),
            }
        }
        times.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
        (findings, times)
    }

    /// Run rule calls on every core (they only read the facts), each call's findings in its
    /// own slot, so the result is in call order whatever the scheduling.
    fn run_calls(
        &self,
        calls: &[(&Rule, Option<usize>)],
        root: &view::View<Facts>,
    ) -> Vec<(Vec<Finding>, Duration)> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
            .min(calls.len())
            .max(1);
        let slots: Vec<Mutex<(Vec<Finding>, Duration)>> =
            calls.iter().map(|_| Mutex::default()).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            // This thread's subjects, and every view made from them, count their references
            // on a handle of its own.
            let own = root.own();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(rule, set)) = calls.get(i) else {
                    break;
                };
                let subject = match set {
                    None => Dynamic::from(own.clone()),
                    Some(s) => Dynamic::from(own.project(|f| &f.env.sets[s])),
                };
                let started = Instant::now();
                let meta = Dynamic::from_map(rule.meta_map.clone()).into_read_only();
                let mut found = Vec::new();
                self.run_rule(rule, subject, meta, &mut found);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = (found, started.elapsed());
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
        slots
            .into_iter()
            .map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }

    fn arm_deadline(&self, trusted: bool) {
        let mut deadline = Instant::now() + self.limits.wall_time;
        if let Some(end) = self.limits.deadline {
            deadline = deadline.min(end);
        }
        let ceiling = memory::live_bytes().saturating_add(self.limits.max_memory);
        LIMITS.with(|l| {
            l.set(CallLimits {
                deadline: Some(deadline),
                memory_ceiling: ceiling,
                untrusted: !trusted,
            })
        });
    }

    fn run_rule(&self, rule: &Rule, subject: Dynamic, meta: Dynamic, findings: &mut Vec<Finding>) {
        with_call(|call| {
            call.reports.clear();
            call.report_errors.clear();
        });
        self.arm_deadline(rule.trusted);
        let policy = &self.policies[rule.policy];
        let result = if policy.imports {
            let mut args: Vec<Dynamic> = rule.check.curry().to_vec();
            args.push(subject);
            args.push(meta);
            let options = rhai::CallFnOptions::new().eval_ast(true).rewind_scope(true);
            let r = self.engine.call_fn_with_options::<Dynamic>(
                options,
                &mut rhai::Scope::new(),
                &policy.ast,
                rule.check.fn_name(),
                args,
            );
            // Re-evaluating the top level registered the rules again: drop the copies.
            lock(&self.shared).pending.clear();
            r
        } else {
            rule.check
                .call::<Dynamic>(&self.engine, &policy.ast, (subject, meta))
        };
        let (reports, report_errors) = with_call(|call| {
            (
                std::mem::take(&mut call.reports),
                std::mem::take(&mut call.report_errors),
            )
        });
        let source = &self.policies[rule.policy].source;
        let mut report_errors = report_errors;
        for r in reports {
            // A fact's location came from a collector; a location a repository policy made up
            // must name a scanned file. (Built-in policies are trusted.)
            if let (Some(files), false) = (&self.files, rule.trusted) {
                if !r.named_files.iter().all(|f| files.contains(f.as_str())) {
                    // The bad name is not repeated: it may be anything the policy computed.
                    report_errors.push(
                        "report() named a location that is not a file of the scanned \
                         repository (reports may only point at its files or the config file)"
                            .into(),
                    );
                    continue;
                }
            }
            let mut f = Finding::new(
                rule.meta.id.clone(),
                rule.meta.severity,
                r.location,
                r.message,
            );
            f.subject = r.subject;
            f.help = Some(r.help.unwrap_or_else(|| rule.default_help.clone()));
            f.related = r.related;
            f.refresh_fingerprint();
            findings.push(f);
        }
        for e in report_errors {
            findings.push(policy_error(
                source,
                Position::NONE,
                &format!("rule {}: {e}", rule.meta.id),
            ));
        }
        if let Err(e) = result {
            let (pos, msg) = innermost(&e);
            let msg = view::explain_write(msg);
            // A wall-clock stop carries no position: point at the rule's registration.
            let pos = if pos.is_none() {
                rule.registered_at
            } else {
                pos
            };
            let mut f = policy_error(source, pos, &format!("rule {} failed: {msg}", rule.meta.id));
            f.subject = format!("{}:{}", rule.meta.id, msg);
            f.refresh_fingerprint();
            findings.push(f);
        }
    }
}

/// Unwrap nested function-call errors to the innermost one: its position and message.
fn innermost(err: &EvalAltResult) -> (Position, String) {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) => {
            let (p, m) = innermost(inner);
            (if p.is_none() { *pos } else { p }, m)
        }
        EvalAltResult::ErrorTooManyOperations(p) => {
            (*p, "exceeded the operation limit (an endless loop?)".into())
        }
        EvalAltResult::ErrorTerminated(why, p) => {
            let memory = why.clone().into_immutable_string().ok().as_deref() == Some(MEMORY_STOP);
            if memory {
                (*p, "exceeded the memory budget".into())
            } else {
                (*p, "exceeded the time limit".into())
            }
        }
        EvalAltResult::ErrorStackOverflow(p) => (
            *p,
            "exceeded the call-depth limit (runaway recursion?)".into(),
        ),
        EvalAltResult::ErrorDataTooLarge(what, p) => (*p, format!("exceeded a size limit: {what}")),
        other => {
            let text = other.to_string();
            // Rhai appends " (line N, position M)"; the location already says that.
            let text = match text.rfind(" (line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            (other.position(), text)
        }
    }
}

fn policy_error(source: &str, pos: Position, message: &str) -> Finding {
    let line = pos.line().unwrap_or(1) as u32;
    let column = pos.position().unwrap_or(1) as u32;
    let mut f = Finding::new(
        POLICY_ERROR,
        Severity::Error,
        Location::on_line(source, line, column, column + 1),
        format!("policy {source}: {message}"),
    );
    f.subject = message.to_string();
    f.help = Some(
        "The policy is fixed or removed; until then the verdict is NO-GO (policies fail closed)."
            .into(),
    );
    f.refresh_fingerprint();
    f
}

fn parse_meta(map: &Map, source: &str) -> Result<(RuleMeta, Scope, Vec<String>), String> {
    let text = |k: &str| {
        map.get(k)
            .and_then(|v| v.clone().into_immutable_string().ok())
            .map(|s| s.to_string())
    };
    let id = text("id").ok_or("rule metadata needs an `id` string")?;
    let valid_id = id.split_once('/').is_some_and(|(a, b)| {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        ok(a) && ok(b)
    });
    if !valid_id {
        return Err(format!("rule id `{id}` is not kebab-case `area/name`"));
    }
    let severity_text = text("severity").unwrap_or_else(|| "error".into());
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        format!("rule {id}: severity `{severity_text}` is not `error` or `warning`")
    })?;
    let summary = text("summary").ok_or_else(|| format!("rule {id} needs a `summary`"))?;
    let help = text("help").ok_or_else(|| format!("rule {id} needs `help`"))?;
    let scope = match text("scope").as_deref() {
        None | Some("repo") => Scope::Repo,
        Some("env-set") => Scope::EnvSet,
        Some(other) => {
            return Err(format!(
                "rule {id}: scope `{other}` is not `repo` or `env-set`"
            ))
        }
    };
    let list = |k: &str| -> Vec<String> {
        map.get(k)
            .and_then(|v| v.clone().into_typed_array::<rhai::ImmutableString>().ok())
            .map(|a| a.into_iter().map(|s| s.to_string()).collect())
            .unwrap_or_default()
    };
    let meta = RuleMeta {
        id,
        severity,
        summary,
        help: dedent(&help),
        tags: list("tags"),
        source: source.to_string(),
    };
    Ok((meta, scope, list("keys")))
}

/// Strip the common indentation of a multi-line help text written inside a policy.
fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.trim_matches('\n').lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

fn replaced_builtin(id: &str, source: &str, pos: Position) -> Finding {
    let line = pos.line().unwrap_or(1) as u32;
    let column = pos.position().unwrap_or(1) as u32;
    let mut f = Finding::new(
        POLICY_REPLACED_BUILTIN,
        Severity::Warning,
        Location::on_line(source, line, column, column + 1),
        format!("repository policy {source} replaces the built-in rule {id}"),
    );
    f.subject = id.to_string();
    f.help = Some(
        "A reviewer checks the replacement: the built-in rule no longer runs. In CI with secrets \
         present, run with built-in policies only (--builtin-policies-only)."
            .into(),
    );
    f.refresh_fingerprint();
    f
}

fn sandboxed_engine(limits: &Limits, shared: &Arc<Mutex<Shared>>) -> Engine {
    let mut engine = Engine::new();
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(128, 64);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.set_max_modules(16);
    engine.set_strict_variables(true);
    // The runtime string interner takes a lock for every interpolated string and `for` loop,
    // which the rule threads queued for; sharing equal strings saves nothing here.
    engine.set_max_strings_interned(0);
    engine.disable_symbol("eval");
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    // A sleeping policy holds a rule thread past every limit: the wall clock is only checked
    // between operations. Policies have nothing to wait for.
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err("sleep is not available to policies".into())
    });
    engine.register_fn(
        "sleep",
        |_: rhai::FLOAT| -> Result<(), Box<EvalAltResult>> {
            Err("sleep is not available to policies".into())
        },
    );
    // print/debug could carry secrets; policies report through `report` only.
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.on_progress(move |ops| {
        // Memory every operation (one thread-local read): a few operations can allocate a
        // lot. The clock every 4096.
        let limits = LIMITS.with(std::cell::Cell::get);
        if limits.memory_ceiling > 0 && memory::live_bytes() > limits.memory_ceiling {
            return Some(Dynamic::from(MEMORY_STOP));
        }
        if ops % 4096 != 0 {
            return None;
        }
        match limits.deadline {
            Some(d) if Instant::now() > d => Some(Dynamic::from("time limit")),
            _ => None,
        }
    });
    view::register(&mut engine);
    secret::register(&mut engine);
    api::register(&mut engine, shared);
    engine
}

/// Convert a Rhai location map into a [`Location`].
fn location_from_map(map: &Map) -> Option<Location> {
    let int = |k: &str| {
        map.get(k)
            .and_then(|v| v.as_int().ok())
            .and_then(|n| u32::try_from(n).ok())
    };
    let file = map
        .get("file")?
        .clone()
        .into_immutable_string()
        .ok()?
        .to_string();
    let line = int("line").filter(|n| *n > 0)?;
    let column = int("column").filter(|n| *n > 0).unwrap_or(1);
    let end_line = int("end_line").filter(|n| *n >= line).unwrap_or(line);
    let end_column = int("end_column").unwrap_or(column + 1);
    let end_column = if end_line == line {
        end_column.max(column)
    } else {
        end_column.max(1)
    };
    Some(Location {
        file: file.into(),
        line,
        column,
        end_line,
        end_column,
    })
}
