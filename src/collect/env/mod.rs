//! The env collector: finds env files and contracts, reads each with the dialect of the
//! loader that reads it (see [`crate::source::dotenv`]), and groups them into env sets.
//!
//! `read` reads one file (spans, substitution within the file, secrets, masking),
//! `divergence` compares it with a sourcing shell's reading, `contract` reads contract
//! markers and checks typed values, `dialect` decides which loader reads a file and whether a
//! file named like an env file is one. This module builds the sets. The process environment
//! is read only with `--process-env`, and only for keys the set declares.

mod contract;
mod dialect;
mod divergence;
mod read;
mod sample;

pub use read::{parse_env_file, parse_layer, ParsedEnvFile};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::walk::{contract_base, file_name};
use super::{read_text, CollectContext};
use crate::facts::env::{
    ContractKey, EnvFacts, EnvFile, EnvFileKind, EnvLayer, EnvSet, EnvVar, Quote, SetOrigin,
};
use crate::facts::Location;

/// The source name of the process-environment layer.
pub const PROCESS_LAYER: &str = "<process environment>";

/// What the env collector returns: facts plus masked source texts for reporters.
pub struct EnvCollection {
    pub facts: EnvFacts,
    pub masked_sources: BTreeMap<String, String>,
    /// One line per inferred or configured set, for the human report.
    pub notes: Vec<String>,
}

pub fn collect(ctx: &CollectContext) -> EnvCollection {
    let mut paths: BTreeSet<String> = ctx
        .inventory
        .env_files
        .iter()
        .map(|f| f.rel.clone())
        .collect();
    // Configured files are read even when their names follow no convention.
    for set in &ctx.config.config.env {
        for f in set
            .get_ref()
            .files
            .iter()
            .chain(set.get_ref().contract.iter())
        {
            if ctx.root.join(f).is_file() {
                paths.insert(normalize(f));
            }
        }
    }
    let configured_paths: BTreeSet<String> = ctx
        .config
        .config
        .env
        .iter()
        .flat_map(|s| {
            let s = s.get_ref();
            s.files
                .iter()
                .chain(s.contract.iter())
                .map(|f| normalize(f))
        })
        .collect();
    let contract_paths: BTreeSet<String> = ctx
        .config
        .config
        .env
        .iter()
        .filter_map(|s| s.get_ref().contract.as_deref().map(normalize))
        .collect();
    // Layers below a file (a configured set's earlier files; `X` under `X.local`) are read
    // first: references in the file resolve against them, as the loader sees them.
    let outers = |rel: &str| -> Vec<String> {
        for set in &ctx.config.config.env {
            let files: Vec<String> = set.get_ref().files.iter().map(|f| normalize(f)).collect();
            if let Some(i) = files.iter().position(|f| f == rel) {
                return files[..i].to_vec();
            }
        }
        let name = file_name(rel);
        match name.strip_suffix(".local").filter(|b| !b.is_empty()) {
            Some(base) => vec![crate::source::path::child(dir_of(rel), base)],
            None => Vec::new(),
        }
    };
    let compose = sample::ComposeFiles::read(ctx);
    let mut ordered: Vec<(usize, &String)> = paths.iter().map(|p| (outers(p).len(), p)).collect();
    ordered.sort_by_key(|(depth, _)| *depth);
    let ordered: Vec<&String> = ordered.into_iter().map(|(_, p)| p).collect();
    let position: HashMap<&str, usize> = ordered
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let walked: HashMap<&str, &std::path::Path> = ctx
        .inventory
        .env_files
        .iter()
        .map(|f| (f.rel.as_str(), f.abs.as_path()))
        .collect();
    // What each file is, decided in order (the dialect inference remembers folders); the
    // reading itself comes after, on every core.
    let mut dialects = dialect::Inference::default();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(ordered.len());
    let mut plans: Vec<Option<Plan>> = Vec::with_capacity(ordered.len());
    for (at, rel) in ordered.iter().enumerate() {
        let kind = if contract_base(file_name(rel)).is_some() || contract_paths.contains(*rel) {
            EnvFileKind::Contract
        } else {
            EnvFileKind::Env
        };
        let configured = configured_paths.contains(*rel);
        if let Some(dir) = (!configured)
            .then(|| crate::source::path::test_data_dir(rel))
            .flatten()
        {
            outcomes.push(Some(Outcome::Skipped(format!(
                "{rel} is a test's input data (under `{dir}/`), not configuration: not read \
                 (name it in an [[env]] set to check it)"
            ))));
            plans.push(None);
            continue;
        }
        let (dialect, reason) = dialect::choose(ctx, &mut dialects, rel, &compose);
        // A layer below resolves this file's references when it was read before it.
        let below: Vec<usize> = outers(rel)
            .iter()
            .filter_map(|p| position.get(p.as_str()).copied())
            .filter(|&i| i < at)
            .collect();
        outcomes.push(None);
        plans.push(Some(Plan {
            rel,
            abs: walked
                .get(rel.as_str())
                .map_or_else(|| ctx.root.join(rel), |p| p.to_path_buf()),
            kind,
            git: ctx.git_state(rel),
            configured,
            dialect,
            reason,
            below,
        }));
    }
    // Files read in rounds: a file's round comes after those of the layers below it.
    let mut round = vec![0usize; plans.len()];
    for i in 0..plans.len() {
        if let Some(plan) = &plans[i] {
            round[i] = plan.below.iter().map(|&b| round[b] + 1).max().unwrap_or(0);
        }
    }
    let rounds = round.iter().copied().max().map_or(0, |r| r + 1);
    for r in 0..rounds {
        let batch: Vec<usize> = (0..plans.len())
            .filter(|&i| round[i] == r && plans[i].is_some())
            .collect();
        let read = each_on_every_core(&batch, |i| {
            plans[i].as_ref().map(|plan| read_one(plan, &outcomes))
        });
        for (i, outcome) in batch.into_iter().zip(read) {
            outcomes[i] = outcome;
        }
    }
    let mut files: Vec<EnvFile> = Vec::with_capacity(ordered.len());
    let mut masked_sources = BTreeMap::new();
    let mut skipped_notes = Vec::new();
    for (rel, outcome) in ordered.iter().zip(outcomes) {
        match outcome {
            Some(Outcome::Skipped(note)) => skipped_notes.push(note),
            Some(Outcome::Read(parsed)) => {
                if let Some(text) = parsed.masked_text {
                    masked_sources.insert((*rel).clone(), text);
                }
                files.push(parsed.file);
            }
            None => {}
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files.iter_mut().filter(|f| f.kind == EnvFileKind::Env) {
        f.sample = sample::reason(&f.path, &f.entries, &compose);
    }
    let (sets, mut notes) = build_sets(ctx, &files);
    for f in &files {
        notes.push(format!(
            "{} read as {}: {}",
            f.path, f.dialect, f.dialect_reason
        ));
    }
    for f in files
        .iter()
        .filter(|f| f.git == crate::facts::GitState::Tracked)
    {
        if let Some(why) = &f.sample {
            notes.push(format!(
                "{} is committed development defaults ({why}): only provider-issued \
                 credentials in it are leaks",
                f.path
            ));
        }
    }
    notes.extend(skipped_notes);
    EnvCollection {
        facts: EnvFacts { files, sets },
        masked_sources,
        notes,
    }
}

/// One env file to read, as decided in order.
struct Plan<'a> {
    rel: &'a String,
    /// The file on disk: the walk's own path when it found the file (a name that is not
    /// valid UTF-8 is shown lossily but still read), else ROOT/rel.
    abs: std::path::PathBuf,
    kind: EnvFileKind,
    git: crate::facts::GitState,
    configured: bool,
    dialect: crate::source::dotenv::Dialect,
    reason: String,
    /// The layers below it read before it (indices in reading order), lowest first.
    below: Vec<usize>,
}

/// What became of one env file.
enum Outcome {
    Read(ParsedEnvFile),
    /// Not read as an env file: the note says why.
    Skipped(String),
}

/// Read and parse one planned file; `done` holds the files of earlier rounds.
fn read_one(plan: &Plan, done: &[Option<Outcome>]) -> Outcome {
    let mut parsed = match read_text(&plan.abs) {
        Ok(text) => {
            if let Some(what) = (!plan.configured)
                .then(|| dialect::not_env_file(&text))
                .flatten()
            {
                return Outcome::Skipped(format!(
                    "{} is named like an env file but holds {what}: not read as one",
                    plan.rel
                ));
            }
            let values: HashMap<&str, &str> = plan
                .below
                .iter()
                .filter_map(|&b| match &done[b] {
                    Some(Outcome::Read(p)) => Some(&p.file),
                    _ => None,
                })
                .flat_map(|f| f.entries.iter().map(|e| (e.key.as_str(), e.value.as_str())))
                .collect();
            let outer = |k: &str| values.get(k).map(|v| v.to_string());
            parse_layer(
                plan.rel,
                &text,
                plan.kind,
                (plan.dialect, &plan.reason),
                &outer,
            )
        }
        Err(problem) => ParsedEnvFile {
            file: EnvFile {
                path: plan.rel.clone(),
                kind: plan.kind,
                git: plan.git,
                crlf: false,
                unreadable: Some(problem.to_string()),
                dialect: plan.dialect.name().to_string(),
                dialect_reason: plan.reason.clone(),
                sample: None,
                entries: Vec::new(),
                errors: Vec::new(),
            },
            masked_text: None,
        },
    };
    parsed.file.git = plan.git;
    Outcome::Read(parsed)
}

/// `work` for each of `items` on every core (reading and parsing env files is independent
/// per file once its layers below are read), results in the order of `items`.
fn each_on_every_core<T: Send>(items: &[usize], work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get().min(8))
        .min(items.len() / 4);
    if threads <= 1 {
        return items.iter().map(|&i| work(i)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = items.get(k) else { break };
                        mine.push((k, work(i)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, t)| t).collect()
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").replace('\\', "/")
}

// ---------------------------------------------------------------------------------------
// Env sets

/// `.env.launch` → `launch`; `prod.env` → `prod`; `.env` → `env`.
fn short_name(base: &str) -> String {
    let s = base
        .strip_prefix(".env.")
        .or_else(|| base.strip_prefix(".env"))
        .unwrap_or(base);
    let s = s.strip_suffix(".env").unwrap_or(s);
    if s.is_empty() {
        "env".into()
    } else {
        s.to_string()
    }
}

fn dir_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

struct SetSpec {
    name: String,
    origin: SetOrigin,
    location: Location,
    policies: Vec<String>,
    contract: Option<String>,
    files: Vec<String>,
}

fn build_sets(ctx: &CollectContext, files: &[EnvFile]) -> (Vec<EnvSet>, Vec<String>) {
    let by_path: BTreeMap<&str, &EnvFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut specs: Vec<SetSpec> = Vec::new();
    let mut claimed: BTreeSet<String> = BTreeSet::new();
    let mut notes = Vec::new();

    for spanned in &ctx.config.config.env {
        let cfg = spanned.get_ref();
        let location = ctx
            .config
            .location(spanned.span())
            .map(|mut l| {
                // Point at the entry's first line, not the whole table.
                l.end_line = l.line;
                l.end_column = l.column + 1;
                l
            })
            .unwrap_or_else(|| Location::file_start(crate::config::CONFIG_FILE));
        let files: Vec<String> = cfg.files.iter().map(|f| normalize(f)).collect();
        let contract = cfg.contract.as_deref().map(normalize);
        // Findings about the whole set land on its contract (else its first file) exactly as
        // for an inferred set, so `init` followed by `check` reports the same locations; the
        // config entry is the anchor only when no file of the set exists.
        let location = contract
            .iter()
            .chain(files.iter())
            .find(|p| by_path.contains_key(p.as_str()))
            .map(|p| Location::file_start(p.clone()))
            .unwrap_or(location);
        claimed.extend(files.iter().cloned());
        claimed.extend(contract.iter().cloned());
        let mut policies = vec!["env".to_string()];
        policies.extend(cfg.policies.iter().filter(|p| *p != "env").cloned());
        specs.push(SetSpec {
            name: cfg.name.clone(),
            origin: SetOrigin::Config,
            location,
            policies,
            contract,
            files,
        });
    }

    // Inference: group unclaimed files by (folder, base name).
    let mut groups: BTreeMap<(String, String), (Option<String>, Vec<String>)> = BTreeMap::new();
    for f in files.iter().filter(|f| !claimed.contains(&f.path)) {
        let dir = dir_of(&f.path).to_string();
        let name = file_name(&f.path);
        let entry;
        match f.kind {
            EnvFileKind::Contract => {
                let base = contract_base(name).unwrap_or(name).to_string();
                entry = groups.entry((dir, base)).or_default();
                entry.0 = Some(f.path.clone());
            }
            EnvFileKind::Env => {
                let base = name
                    .strip_suffix(".local")
                    .filter(|b| !b.is_empty())
                    .unwrap_or(name)
                    .to_string();
                entry = groups.entry((dir, base)).or_default();
                entry.1.push(f.path.clone());
            }
        }
    }
    let mut short_counts: HashMap<String, usize> = HashMap::new();
    for (_, base) in groups.keys() {
        *short_counts.entry(short_name(base)).or_default() += 1;
    }
    let taken: BTreeSet<String> = specs.iter().map(|s| s.name.clone()).collect();
    for ((dir, base), (contract, mut layer_files)) in groups {
        // Base file first, `.local` on top.
        layer_files.sort_by_key(|p| p.ends_with(".local"));
        let expected: Vec<String> = if layer_files.is_empty() {
            vec![join(&dir, &format!("{base}.local"))]
        } else {
            layer_files.clone()
        };
        let short = short_name(&base);
        let name = if short_counts.get(&short).copied().unwrap_or(0) > 1 || taken.contains(&short) {
            join(&dir, &short)
        } else {
            short
        };
        let mut policies = vec!["env".to_string()];
        let names_say = |p: &str| {
            let n = file_name(p).to_ascii_lowercase();
            n.contains("launch") || n.contains("production")
        };
        if expected.iter().chain(contract.iter()).any(|p| names_say(p)) {
            policies.push("launch".into());
        }
        let declares = |path: &str, key: &str| {
            by_path
                .get(path)
                .is_some_and(|f| f.entries.iter().any(|e| e.key == key))
        };
        let key_source: Vec<&str> = match &contract {
            Some(c) => vec![c.as_str()],
            None => layer_files.iter().map(String::as_str).collect(),
        };
        if key_source.iter().any(|p| declares(p, "SRC_DB_URL"))
            && key_source.iter().any(|p| declares(p, "TGT_DB_URL"))
        {
            policies.push("cutover".into());
        }
        let anchor = contract
            .clone()
            .or_else(|| layer_files.first().cloned())
            .unwrap_or_default();
        specs.push(SetSpec {
            name,
            origin: SetOrigin::Inferred,
            location: Location::file_start(anchor),
            policies,
            contract,
            files: expected,
        });
    }

    let process_set = ctx.options.process_env_set.as_deref();
    let mut sets = Vec::new();
    for spec in specs {
        let with_process = process_set == Some(spec.name.as_str());
        let set = assemble(&by_path, spec, with_process);
        notes.push(describe(&set));
        sets.push(set);
    }
    (sets, notes)
}

fn assemble(by_path: &BTreeMap<&str, &EnvFile>, spec: SetSpec, with_process: bool) -> EnvSet {
    let contract_file = spec
        .contract
        .as_deref()
        .and_then(|c| by_path.get(c).copied());
    let mut contract_keys = BTreeMap::new();
    if let Some(cf) = contract_file {
        for e in &cf.entries {
            contract_keys.insert(
                e.key.clone(),
                ContractKey {
                    sample: e.value.clone(),
                    location: e.location.clone(),
                    optional: e.optional,
                    sensitive: e.sensitive,
                    value_type: e.value_type.clone(),
                },
            );
        }
    }
    let mut layers = Vec::new();
    let mut vars: BTreeMap<String, EnvVar> = BTreeMap::new();
    for path in &spec.files {
        let file = by_path.get(path.as_str()).copied();
        layers.push(EnvLayer {
            source: path.clone(),
            exists: file.is_some(),
        });
        if let Some(file) = file {
            for e in &file.entries {
                vars.insert(
                    e.key.clone(),
                    EnvVar {
                        value: e.value.clone(),
                        quote: e.quote,
                        location: e.location.clone(),
                        value_location: e.value_location.clone(),
                        source: path.clone(),
                        sample: file.sample.clone(),
                        from_process: false,
                        secret: e.secret,
                        secret_reason: e.secret_reason.clone(),
                        weak: e.weak,
                        weak_reason: e.weak_reason.clone(),
                        type_error: None,
                    },
                );
            }
        }
    }
    if with_process {
        layers.push(EnvLayer {
            source: PROCESS_LAYER.into(),
            exists: true,
        });
        // Only keys the set declares: the process environment holds CI tokens and more that
        // no rule asked about.
        let wanted: BTreeSet<String> = contract_keys.keys().chain(vars.keys()).cloned().collect();
        for key in wanted {
            if let Ok(value) = std::env::var(&key) {
                let weak_reason = crate::secrets::public_text_reason(&value);
                let location = contract_keys
                    .get(&key)
                    .map(|c| c.location.clone())
                    .or_else(|| vars.get(&key).map(|v| v.location.clone()))
                    .unwrap_or_else(|| spec.location.clone());
                vars.insert(
                    key,
                    EnvVar {
                        value,
                        quote: Quote::None,
                        value_location: location.clone(),
                        location,
                        source: PROCESS_LAYER.into(),
                        sample: None,
                        from_process: true,
                        secret: false,
                        secret_reason: None,
                        weak: weak_reason.is_some(),
                        weak_reason: weak_reason.map(str::to_string),
                        type_error: None,
                    },
                );
            }
        }
    }
    // Secrets and types as the contract says, on the effective values.
    for (key, var) in vars.iter_mut() {
        let declared = contract_keys.get(key);
        let sensitive = declared.is_some_and(|c: &ContractKey| c.sensitive);
        // A file's value was classified when its file was read, with the same key and value:
        // asking again changes nothing unless the contract marks it sensitive.
        let classified = !var.from_process && !sensitive;
        if let Some(why) = (!classified)
            .then(|| crate::secrets::classify(key, &var.value, sensitive))
            .flatten()
        {
            var.secret = true;
            var.secret_reason = Some(why.to_string());
        }
        if let Some(spec) = declared.and_then(|c| c.value_type.as_deref()) {
            if !var.value.is_empty() {
                var.type_error = contract::type_error(spec, &var.value);
            }
        }
    }
    let has_values = layers.iter().any(|l| l.exists);
    let top_layer = layers
        .iter()
        .rev()
        .find(|l| l.exists)
        .or_else(|| layers.first())
        .map(|l| l.source.clone())
        .unwrap_or_default();
    let missing_key_location = layers
        .iter()
        .find(|l| l.exists && l.source != PROCESS_LAYER)
        .map_or_else(
            || spec.location.clone(),
            |l| Location::file_start(l.source.clone()),
        );
    EnvSet {
        name: spec.name,
        origin: spec.origin,
        location: spec.location,
        policies: spec.policies,
        contract_exists: contract_file.is_some(),
        contract: spec.contract,
        contract_keys,
        layers,
        has_values,
        vars,
        checked_keys: Vec::new(),
        top_layer,
        missing_key_location,
    }
}

fn describe(set: &EnvSet) -> String {
    let layers: Vec<String> = set
        .layers
        .iter()
        .map(|l| {
            if l.exists {
                l.source.clone()
            } else {
                format!("{} (missing)", l.source)
            }
        })
        .collect();
    let contract = set
        .contract
        .as_deref()
        .map(|c| format!(", contract {c}"))
        .unwrap_or_default();
    let origin = match set.origin {
        SetOrigin::Config => "configured",
        SetOrigin::Inferred => "inferred",
    };
    format!(
        "env set `{}` ({origin}): {}{contract}; policies: {}",
        set.name,
        layers.join(" + "),
        set.policies.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::dotenv::{Dialect, MAX_EXPANSION};

    fn parse(text: &str) -> EnvFile {
        parse_env_file("t.env", text, EnvFileKind::Env, Dialect::Node, "test").file
    }

    #[test]
    fn keys_values_and_spans() {
        let f = parse("# c\nexport A=1\nB = \"two words\" # note\nC='x y'\n");
        let keys: Vec<_> = f
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(keys, [("A", "1"), ("B", "two words"), ("C", "x y")]);
        let b = &f.entries[1];
        assert_eq!(
            (b.location.line, b.location.column, b.location.end_column),
            (3, 1, 2)
        );
        assert_eq!(
            (b.value_location.column, b.value_location.end_column),
            (5, 16)
        );
    }

    #[test]
    fn multi_line_quoted_value_is_one_entry() {
        let f = parse("KEY=\"line one\nline two\"\nNEXT=1\n");
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].value, "line one\nline two");
        assert_eq!(f.entries[1].location.line, 3);
        assert!(f.errors.is_empty());
    }

    #[test]
    fn parse_errors_are_located_and_parsing_goes_on() {
        // node dotenv reads `BAD=a b` (as "a b") and skips the line that is no assignment.
        let f = parse("GOOD=1\nnot a line\nBAD=a b\nAFTER=2\n");
        assert_eq!(
            f.entries
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_str()))
                .collect::<Vec<_>>(),
            [("GOOD", "1"), ("BAD", "a b"), ("AFTER", "2")]
        );
        assert_eq!(f.errors.len(), 1);
        assert_eq!(
            (f.errors[0].location.line, f.errors[0].location.column),
            (2, 1)
        );
        assert!(f.errors[0].message.contains("skips this line"));
        // python-dotenv rejects the same line.
        let p = parse_env_file(
            "t.env",
            "GOOD=1\nnot a line\nAFTER=2\n",
            EnvFileKind::Env,
            Dialect::Python,
            "test",
        );
        assert_eq!(p.file.entries.len(), 2);
        assert_eq!(p.file.errors.len(), 1);
        assert_eq!(p.file.errors[0].location.line, 2);
    }

    #[test]
    fn masked_text_hides_values_but_keeps_columns() {
        let p = parse_env_file(
            "t.env",
            "NODE_ENV=development\nJWT_SECRET=\"abcdefgh\"\nbroken secretvalue\n",
            EnvFileKind::Env,
            Dialect::Node,
            "test",
        );
        let masked = p.masked_text.unwrap_or_default();
        assert!(masked.contains("NODE_ENV=development"));
        assert!(masked.contains("JWT_SECRET=\"********\""));
        assert!(!masked.contains("secretvalue"));
        assert_eq!(
            masked.len(),
            "NODE_ENV=development\nJWT_SECRET=\"abcdefgh\"\nbroken secretvalue\n".len()
        );
    }

    #[test]
    fn shell_divergence_cases() {
        let div = |line: &str| {
            parse(line)
                .entries
                .first()
                .and_then(|e| e.shell_divergence.clone())
        };
        assert!(div("A= value\n").is_some_and(|m| m.contains("as a command")));
        assert!(div("A=$(whoami)\n").is_some());
        assert!(div("A=a;b\n").is_some());
        assert!(div("A=\"x\\ny\"\n").is_some());
        assert!(div("A=plain\n").is_none());
        assert!(div("A='single $(x)'\n").is_none());
    }

    #[test]
    fn optional_marker_in_contracts() {
        let p = parse_env_file(
            "c.example",
            "# optional\nA=\nB= # optional\nC=x\n",
            EnvFileKind::Contract,
            Dialect::Node,
            "test",
        );
        let opt: Vec<_> = p
            .file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.optional))
            .collect();
        assert_eq!(opt, [("A", true), ("B", true), ("C", false)]);
    }

    #[test]
    fn substitution_cannot_blow_up() {
        // Found by the fuzzer: repeated self-references once expanded exponentially.
        let fuzz = "E=$E=$E=E=$E=$E$E=$E$E=$E=E=$E=$E$E$E=$E$E=$E=E=O\nf=O$E=$E=$\rE$E=$E$E=$E=E=$E=$E$E=$EE==$E=$E\n";
        assert_eq!(parse(fuzz).entries.len(), 2);
        // A doubling chain stops at the expansion limit with a finding, not an allocation.
        let mut chain = format!("A0={}\n", "x".repeat(64));
        for i in 1..40 {
            chain.push_str(&format!("A{i}=${{A{}}}${{A{}}}\n", i - 1, i - 1));
        }
        let f = parse(&chain);
        assert!(f.entries.iter().all(|e| e.value.len() <= MAX_EXPANSION));
        assert!(
            f.errors
                .iter()
                .any(|e| e.message.contains("past the 1048576-byte limit")),
            "{:?}",
            f.errors
        );
        let a3 = f
            .entries
            .iter()
            .find(|e| e.key == "A3")
            .map(|e| e.value.len());
        assert_eq!(a3, Some(64 * 8), "substitution still works below the limit");
    }

    #[test]
    fn crlf_is_detected_and_stripped() {
        let f = parse("A=1\r\nB=2\r\n");
        assert!(f.crlf);
        assert_eq!(f.entries[1].value, "2");
    }
}
