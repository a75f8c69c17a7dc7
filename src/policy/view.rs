//! Facts as policies see them: read-only views into the Rust facts, handed out without copying.
//!
//! Converting the facts into Rhai maps and arrays cost more than everything else a check does
//! on a large repository (a 150 MB JSON-sized fact set became 500 MB of Rhai values, and each
//! `for x in facts.list` copied the list again). Instead each struct, list and map of the facts
//! is exposed as a small custom type, a [`View`], holding the shared facts and a pointer to the
//! value inside them. Reading a field makes a view of the field (or a scalar); nothing is
//! copied until a policy asks for a writable copy with `to_map()` / `to_array()`.
//!
//! To a policy a struct view behaves like a read-only map (`doc.paths`, `doc["paths"]`,
//! `doc.keys()`, a missing field is `()`), a list view like a read-only array (`for`, `[i]`,
//! `len()`, `filter`, `map`, `reduce`, ...), and a keyed map (`set.vars`) like a read-only map.
//! An assignment to any of them is an error naming the way out (`to_map()`), so a rule cannot
//! change what another rule sees. Small or rarely read parts (`facts.db`, `facts.config`,
//! `facts.git`, enum values) are converted with serde when read, exactly as before.

use std::collections::{BTreeMap, HashMap};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext};
use serde::Serialize;

use crate::facts::{
    db, docs, env, evidence, migrations, scripts, walk, Facts, FileName, GitInfo, Location,
};
use crate::facts::{GitState, Settings};

use super::secret::{is_secret, Secret};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// A read-only view of one value inside shared facts.
pub struct View<T: 'static> {
    root: Arc<Handle>,
    ptr: NonNull<T>,
}

// SAFETY: `ptr` points into the `Facts` owned by `root.root.facts`, and every view holds a
// clone of a handle that holds the root, so the facts outlive the pointer and `Arc::get_mut`
// can never hand out a mutable borrow while a view exists: only shared access is ever made
// through `ptr`. The
// facts have no interior mutability: `Facts: Send + Sync` (asserted at compile time below)
// rules out `Cell` and `RefCell`, and they hold no locks. So the view is as thread-safe as
// `&T`, which is `Send + Sync` when `T: Sync`.
unsafe impl<T: Sync> Send for View<T> {}
unsafe impl<T: Sync> Sync for View<T> {}

// The invariant above, checked by the compiler: a non-`Sync` field in the facts (a `Cell`,
// an `Rc`) fails the build here rather than making the views unsound.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Facts>();
};

impl<T> Clone for View<T> {
    fn clone(&self) -> Self {
        View {
            root: Arc::clone(&self.root),
            ptr: self.ptr,
        }
    }
}

/// One thread's share of a [`Root`]: what views hold to keep the facts alive.
///
/// Rule calls run on every core and make and drop views all the time. Had every view held
/// the one `Arc<Root>`, each would bump the same reference count, and the cores would pass
/// that cache line back and forth on every field read (measured: 1,000 env sets evaluated
/// 25 % slower on two cores than the views alone cost). So each rule thread takes its own
/// handle ([`View::own`]) and makes its subjects from it; the views made from those share
/// that handle, whose count only that thread touches.
pub struct Handle {
    root: Arc<Root>,
}

impl std::ops::Deref for Handle {
    type Target = Root;
    fn deref(&self) -> &Root {
        &self.root
    }
}

/// The facts every view shares, and which of their strings are secrets.
pub struct Root {
    /// Keeps the facts every view points into alive.
    #[allow(dead_code)]
    facts: Arc<Facts>,
    /// Addresses of the env values (inside `facts`) that policies see only as a [`Secret`],
    /// each with its test budget (one per distinct value: every copy shares it).
    secrets: AddressMap<Arc<AtomicU32>>,
}

/// Keyed by address: a fast hash is enough (the keys are not chosen by anyone), and the
/// table is asked on every string a policy reads.
type AddressMap<V> = HashMap<usize, V, foldhash::fast::FixedState>;

impl Root {
    fn secret(&self, value: &String) -> Option<&Arc<AtomicU32>> {
        self.secrets.get(&(value as *const String as usize))
    }
}

/// Where every secret env value of `facts` lives: entries of env files, effective values and
/// contract samples of env sets.
fn secret_addresses<'f>(facts: &'f Facts) -> AddressMap<Arc<AtomicU32>> {
    let mut budgets: HashMap<&'f str, Arc<AtomicU32>, foldhash::fast::FixedState> =
        HashMap::default();
    let mut set = AddressMap::default();
    let mut insert = |s: &'f String| {
        let budget = budgets
            .entry(s.as_str())
            .or_insert_with(super::secret::budget);
        set.insert(s as *const String as usize, Arc::clone(budget));
    };
    // The collector classified every entry and effective value with the same key/value rule
    // `is_secret` follows (contract `@sensitive` and values built from a secret on top), so
    // its verdict is the whole answer for them. Contract samples it does not classify; the
    // same (key, sample) pairs recur across services, so each distinct pair is decided once.
    let mut decided: HashMap<(&'f str, &'f str), bool, foldhash::fast::FixedState> =
        HashMap::default();
    for file in &facts.env.files {
        for e in &file.entries {
            debug_assert!(
                e.secret || !is_secret(&e.key, &e.value),
                "collector missed a secret"
            );
            if e.secret {
                insert(&e.value);
            }
        }
    }
    for env_set in &facts.env.sets {
        for (key, var) in &env_set.vars {
            debug_assert!(
                var.secret || !is_secret(key, &var.value),
                "collector missed a secret"
            );
            if var.secret {
                insert(&var.value);
            }
        }
        for (key, c) in &env_set.contract_keys {
            let secret = *decided
                .entry((key, &c.sample))
                .or_insert_with(|| is_secret(key, &c.sample));
            if secret {
                insert(&c.sample);
            }
        }
    }
    set
}

impl View<Facts> {
    /// A view of the whole facts.
    pub fn root(facts: Arc<Facts>) -> View<Facts> {
        let ptr = NonNull::from(&*facts);
        let secrets = secret_addresses(&facts);
        View {
            root: Arc::new(Handle {
                root: Arc::new(Root { facts, secrets }),
            }),
            ptr,
        }
    }
}

impl<T> View<T> {
    pub fn get(&self) -> &T {
        // SAFETY: see the `Send`/`Sync` impls: the target lives inside `self.root`.
        unsafe { self.ptr.as_ref() }
    }

    /// A view of `value`.
    ///
    /// # Safety
    ///
    /// `value` must lie inside the facts `root` owns (a value reached through `root` or a
    /// view of it).
    unsafe fn at(root: &Arc<Handle>, value: &T) -> View<T> {
        View {
            root: Arc::clone(root),
            ptr: NonNull::from(value),
        }
    }

    /// A plain, writable copy of the viewed value, secrets opaque.
    fn plain(&self) -> Dynamic
    where
        T: Fact,
    {
        // SAFETY: the viewed value lies inside `self.root`.
        unsafe { T::plain(&self.root, self.get()) }
    }

    /// The same view with a handle of its own: views made from it count their references
    /// there, not on this view's handle (one per thread: see [`Handle`]).
    pub fn own(&self) -> View<T> {
        View {
            root: Arc::new(Handle {
                root: Arc::clone(&self.root.root),
            }),
            ptr: self.ptr,
        }
    }

    /// A view of a value reachable from this one.
    pub fn project<U>(&self, f: impl FnOnce(&T) -> &U) -> View<U> {
        View {
            root: Arc::clone(&self.root),
            ptr: NonNull::from(f(self.get())),
        }
    }
}

/// A fact value: how policies see it (a view or a scalar) and as a writable plain copy.
pub trait Fact: Serialize + Sync + Sized + 'static {
    /// How a policy sees `value`.
    ///
    /// # Safety
    ///
    /// `value` must lie inside the facts `root` owns (reached through `root` or a view of
    /// it): a view made of it keeps only `root` alive.
    unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic;

    /// A plain, writable copy (`to_map()`, `to_array()`, `to_string()`), in which secrets stay
    /// opaque.
    ///
    /// # Safety
    ///
    /// As for [`Fact::view`].
    unsafe fn plain(_root: &Arc<Handle>, value: &Self) -> Dynamic {
        plain(value)
    }

    /// Whether the value is "set", as `having` asks: not `None`, `false`, an empty text, list
    /// or map. Records, numbers and enum values always are.
    fn is_set(&self) -> bool {
        true
    }
}

/// A plain, writable Rhai copy of a fact (maps and arrays all the way down).
fn plain<T: Serialize>(value: &T) -> Dynamic {
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

impl Fact for String {
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
    unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic {
        if let Some(budget) = root.secret(value) {
            // Only repository policies' tests are counted: a built-in call's copy needs no
            // budget (and sharing one count between cores costs every read).
            let budget = super::untrusted_call().then(|| Arc::clone(budget));
            return Dynamic::from(Secret::new(value, budget));
        }
        Dynamic::from(ImmutableString::from(value.as_str()))
    }
    unsafe fn plain(root: &Arc<Handle>, value: &Self) -> Dynamic {
        // SAFETY: the caller vouches for `value`.
        unsafe { Self::view(root, value) }
    }
}

impl Fact for FileName {
    fn is_set(&self) -> bool {
        !self.as_str().is_empty()
    }
    unsafe fn view(_root: &Arc<Handle>, value: &Self) -> Dynamic {
        Dynamic::from(ImmutableString::from(value.as_str()))
    }
}

impl Fact for bool {
    fn is_set(&self) -> bool {
        *self
    }
    unsafe fn view(_root: &Arc<Handle>, value: &Self) -> Dynamic {
        Dynamic::from_bool(*value)
    }
}

macro_rules! int_facts {
    ($($t:ty),*) => {$(
        impl Fact for $t {
            unsafe fn view(_root: &Arc<Handle>, value: &Self) -> Dynamic {
                Dynamic::from_int(rhai::INT::try_from(*value).unwrap_or(rhai::INT::MAX))
            }
        }
    )*};
}
int_facts!(u32, u64, i64, usize);

impl<T: Fact> Fact for Option<T> {
    fn is_set(&self) -> bool {
        self.is_some()
    }
    unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic {
        match value {
            None => Dynamic::UNIT,
            // SAFETY: inside `value`, which the caller vouches for.
            Some(inner) => unsafe { T::view(root, inner) },
        }
    }
    unsafe fn plain(root: &Arc<Handle>, value: &Self) -> Dynamic {
        match value {
            None => Dynamic::UNIT,
            // SAFETY: inside `value`, which the caller vouches for.
            Some(inner) => unsafe { T::plain(root, inner) },
        }
    }
}

impl<T: Fact> Fact for Vec<T> {
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
    unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic {
        // SAFETY: the caller vouches for `value`.
        Dynamic::from(unsafe { View::at(root, value) })
    }
    unsafe fn plain(root: &Arc<Handle>, value: &Self) -> Dynamic {
        // SAFETY: elements of `value`, which the caller vouches for.
        let items: Array = value.iter().map(|v| unsafe { T::plain(root, v) }).collect();
        Dynamic::from_array(items)
    }
}

impl<T: Fact> Fact for BTreeMap<String, T> {
    fn is_set(&self) -> bool {
        !self.is_empty()
    }
    unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic {
        // SAFETY: the caller vouches for `value`.
        Dynamic::from(unsafe { View::at(root, value) })
    }
    unsafe fn plain(root: &Arc<Handle>, value: &Self) -> Dynamic {
        // SAFETY: values of `value`, which the caller vouches for.
        let map: Map = value
            .iter()
            .map(|(k, v)| (k.as_str().into(), unsafe { T::plain(root, v) }))
            .collect();
        Dynamic::from_map(map)
    }
}

/// Values converted with serde when read: enums (to their kebab-case names) and the small,
/// rarely read parts of the facts.
macro_rules! serde_facts {
    ($($t:ty),* $(,)?) => {$(
        impl Fact for $t {
            unsafe fn view(_root: &Arc<Handle>, value: &Self) -> Dynamic {
                plain(value)
            }
        }
    )*};
}
serde_facts!(
    GitState,
    GitInfo,
    Settings,
    db::ProbeReport,
    env::EnvFileKind,
    env::Quote,
    env::SetOrigin,
    docs::PathContext,
    docs::UncheckedReason,
    docs::DocumentKind,
    scripts::InvocationKind,
    evidence::ArtifactKind,
    evidence::SetKind,
    walk::WalkFacts,
);

/// Structs exposed field by field. The field lists must match the serde field names (a test
/// compares the views with `launchgate facts`).
macro_rules! struct_facts {
    ($($t:ty { $($field:ident),* $(,)? })*) => {
        $(
            impl Fact for $t {
                unsafe fn view(root: &Arc<Handle>, value: &Self) -> Dynamic {
                    // SAFETY: the caller vouches for `value`.
                    Dynamic::from(unsafe { View::at(root, value) })
                }
                unsafe fn plain(root: &Arc<Handle>, value: &Self) -> Dynamic {
                    let mut map = Map::new();
                    // SAFETY: fields of `value`, which the caller vouches for.
                    $(map.insert(stringify!($field).into(), unsafe { Fact::plain(root, &value.$field) });)*
                    Dynamic::from_map(map)
                }
            }
            impl Fields for $t {
                const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
                fn register_getters(engine: &mut Engine) {
                    // One getter per field, reading it directly (also shadowing the built-in
                    // `tag` property every value has).
                    $(engine.register_get(stringify!($field), |v: &mut View<Self>| {
                        // SAFETY: a field of the value `v` views, inside `v.root`.
                        unsafe { Fact::view(&v.root, &v.get().$field) }
                    });)*
                }
                fn field_is_set(value: &Self, name: &str) -> Option<bool> {
                    match name {
                        $(stringify!($field) => Some(Fact::is_set(&value.$field)),)*
                        _ => None,
                    }
                }
                fn field(v: &View<Self>, name: &str) -> Option<Dynamic> {
                    match name {
                        // SAFETY: a field of the value `v` views, inside `v.root`.
                        $(stringify!($field) => Some(unsafe { Fact::view(&v.root, &v.get().$field) }),)*
                        _ => None,
                    }
                }
            }
        )*
        /// Register every struct view, with list views of each.
        fn register_structs(engine: &mut Engine) {
            $(
                register_struct::<$t>(engine);
                register_list::<$t>(engine);
                register_record_list::<$t>(engine);
            )*
        }
    };
}

/// A struct whose fields are readable one by one.
trait Fields: Fact {
    const FIELDS: &'static [&'static str];
    fn register_getters(engine: &mut Engine);
    /// Whether field `name` of `value` is set (see [`Fact::is_set`]); `None`: no such field.
    fn field_is_set(value: &Self, name: &str) -> Option<bool>;
    fn field(v: &View<Self>, name: &str) -> Option<Dynamic>;
}

struct_facts! {
    Facts { root, git, env, migrations, docs, scripts, evidence, walk, db, config }
    Location { file, line, column, end_line, end_column }

    env::EnvFacts { files, sets }
    env::EnvFile {
        path, kind, git, crlf, unreadable, dialect, dialect_reason, sample, entries, errors
    }
    env::EnvEntry {
        key, value, quote, location, value_location, shell_divergence, optional, sensitive,
        value_type, unresolved, malformed, secret, secret_reason, credential, weak, weak_reason
    }
    env::EnvParseError { location, message }
    env::EnvLayer { source, exists }
    env::ContractKey { sample, location, optional, sensitive, value_type }
    env::EnvVar {
        value, quote, location, value_location, source, sample, from_process, secret, secret_reason,
        weak, weak_reason, type_error
    }
    env::EnvSet {
        name, origin, location, policies, contract, contract_exists, contract_keys, layers,
        has_values, vars, checked_keys, top_layer, missing_key_location
    }

    docs::DocFacts { documents, checklists }
    docs::Document {
        file, location, title, title_location, read_error, paths, urls, legacy_names,
        machine_local_paths, checklist_items, kind, kind_reason, site, anchors
    }
    docs::PathRef {
        text, path, resolved, exists, checked, unchecked, candidates, exists_from_root, location,
        context, command_position, command, fragment, fragment_found, section
    }
    docs::UrlRef { url, location, context }
    docs::LegacyNameMention { name, text, word, location, in_code, section }
    docs::MachineLocalPath { text, home, user, location, in_code, section }
    docs::ChecklistItem { text, checked, section, location }
    docs::ChecklistFacts { file, exists, location, config_location, items, required }
    docs::RequiredItem { name, found, location }

    migrations::MigrationFacts { workspaces, services }
    migrations::Workspace { kind, manifest, globs, location }
    migrations::Service {
        name, path, manifest, ecosystem, location, manifest_problem, database_dependencies,
        workspace_dependencies, histories, manifest_skipped, schema_use, history_candidates
    }
    migrations::HistoryCandidate { path, pattern, count }
    migrations::SchemaUse { kind, evidence, location }
    migrations::DeclarativeUse { command, script, schema, location }
    migrations::IntegrityFile {
        kind, path, present, error, recorded_sum, computed_sum, entries, orphans, location
    }
    migrations::IntegrityEntry { name, file, expected_file, recorded, computed, location }
    migrations::WorkspaceDependency { name, path }
    migrations::DatabaseDependency { name, kind, tool, section, dev, location }
    migrations::MigrationHistory {
        tool, dir, dir_source, config, location, present, git, files, ignored_on_disk, journal,
        lock_file, config_problem, declarative, schema_file, integrity
    }
    migrations::MigrationFile {
        tool, id, path, hash, hash_algorithm, hash_variants, created_at, git, problem, location
    }
    migrations::DrizzleJournal { path, present, git, error, dialect, entries, orphans, location }
    migrations::JournalError { message, location }
    migrations::JournalEntry { position, idx, when, tag, file, expected_file, location }
    migrations::OrphanFile { path, location }

    scripts::ScriptFacts { bash, scripts }
    scripts::BashAvailability { available, version, reason }
    scripts::Script {
        path, location, executable, committed_executable, shebang, crlf, generated, unreadable, strict_mode,
        syntax, invocations, executed_by, sourced_by, run_directly_by
    }
    scripts::Shebang { text, interpreter, is_shell, location }
    scripts::StrictMode { errexit, nounset, pipefail, errexit_location, first_command, inherited_from }
    scripts::SyntaxCheck { checked, skipped, failed, errors }
    scripts::SyntaxError { location, message }
    scripts::Invocation { text, kind, resolved, exists, location }

    evidence::EvidenceFacts { folders }
    evidence::EvidenceFolder { path, files, sets, manifests }
    evidence::EvidenceFile { path, name, kind, method, timestamp, location }
    evidence::EvidenceSet {
        kind, method, timestamp, name, latest, location, source, target, diff, state_store,
        state_store_missing, sortable_time, epoch_ms, missing, tables
    }
    evidence::MissingKey { key, location }
    evidence::EvidenceManifest {
        path, location, timestamp, version, method, tolerance, created_at, probe_complete, files,
        problem
    }
    evidence::ManifestEntry { name, sha256, actual }
    evidence::CountFile { path, location, format, rows, problems, unreadable }
    evidence::RowCount { table, count, location }
    evidence::CountProblem { location, message }
    evidence::TableCounts { table, source, target, source_location, target_location, location }
    evidence::DiffFile { path, location, empty, added, removed, changed_tables, unreadable }
}

/// Register the view types and their functions on a policy engine.
pub(super) fn register(engine: &mut Engine) {
    register_structs(engine);
    register_list::<String>(engine);
    // `x in list` for lists of strings.
    engine.register_fn("contains", |v: View<Vec<String>>, item: ImmutableString| {
        v.get().iter().any(|s| *s == *item)
    });
    register_map::<env::ContractKey>(engine);
    register_map::<env::EnvVar>(engine);
    register_map_except::<env::ContractKey, env::ContractKey>(engine);
    register_map_except::<env::ContractKey, env::EnvVar>(engine);
    register_map_except::<env::EnvVar, env::ContractKey>(engine);
    register_map_except::<env::EnvVar, env::EnvVar>(engine);
}

/// The error for a field name a record does not have: a typo must not select nothing.
fn no_field<T>(name: &str) -> Box<EvalAltResult> {
    format!("{} has no field `{name}`", type_name::<T>()).into()
}

/// The short name of a fact type, as `type_of` gives it.
fn type_name<T>() -> &'static str {
    std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("fact")
}

/// A field value `duplicates` can compare: text, a number or a boolean.
#[derive(PartialEq, Eq, Hash)]
enum Comparable {
    Text(ImmutableString),
    Int(rhai::INT),
    Bool(bool),
}

/// Helpers of lists of records that select in Rust what a loop in the policy would read
/// element by element (each field read in a policy costs a view and a lookup).
fn register_record_list<T: Fields>(engine: &mut Engine) {
    // The elements whose field `name` is set: not `()`, `false`, or an empty text or list.
    engine.register_fn(
        "having",
        |v: View<Vec<T>>, name: &str| -> RhaiResult<Array> {
            let mut out = Array::new();
            for item in v.get() {
                if T::field_is_set(item, name).ok_or_else(|| no_field::<T>(name))? {
                    // SAFETY: an element of the list `v` views, inside `v.root`.
                    out.push(unsafe { T::view(&v.root, item) });
                }
            }
            Ok(out)
        },
    );
    // Each element whose field `name` equals an earlier element's, as `[first, repeat]`.
    engine.register_fn(
        "duplicates",
        |v: View<Vec<T>>, name: &str| -> RhaiResult<Array> {
            if !T::FIELDS.contains(&name) {
                return Err(no_field::<T>(name));
            }
            // Keys come from the scanned repository: a seeded hash.
            let mut first: HashMap<Comparable, usize, foldhash::fast::RandomState> =
                HashMap::default();
            let mut out = Array::new();
            for (i, item) in v.get().iter().enumerate() {
                // SAFETY: an element of the list `v` views, inside `v.root`.
                let item_view = unsafe { View::at(&v.root, item) };
                let value = T::field(&item_view, name).unwrap_or(Dynamic::UNIT);
                let key = if value.is_unit() {
                    continue;
                } else if let Ok(text) = value.as_immutable_string_ref() {
                    Comparable::Text(text.clone())
                } else if let Ok(n) = value.as_int() {
                    Comparable::Int(n)
                } else if let Ok(b) = value.as_bool() {
                    Comparable::Bool(b)
                } else {
                    let what = if value.is::<Secret>() {
                        "a secret"
                    } else {
                        "a record or a list"
                    };
                    return Err(format!(
                        "duplicates() compares text, numbers and booleans; `{name}` of {} is {what}",
                        type_name::<T>(),
                    )
                    .into());
                };
                match first.entry(key) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                    std::collections::hash_map::Entry::Occupied(slot) => {
                        let earlier = &v.get()[*slot.get()];
                        // SAFETY: elements of the list `v` views, inside `v.root`.
                        let pair: Array =
                            unsafe { vec![T::view(&v.root, earlier), T::view(&v.root, item)] };
                        out.push(Dynamic::from_array(pair));
                    }
                }
            }
            Ok(out)
        },
    );
}

/// `a.except(b)`: the entries of keyed map `a` whose key `b` lacks, as a map of views.
fn register_map_except<T: Fact, U: Fact>(engine: &mut Engine) {
    engine.register_fn(
        "except",
        |a: View<BTreeMap<String, T>>, b: View<BTreeMap<String, U>>| -> Map {
            a.get()
                .iter()
                .filter(|(k, _)| !b.get().contains_key(k.as_str()))
                // SAFETY: values of the map `a` views, inside `a.root`.
                .map(|(k, value)| (k.as_str().into(), unsafe { T::view(&a.root, value) }))
                .collect()
        },
    );
}

fn register_struct<T: Fields>(engine: &mut Engine) {
    engine.register_type_with_name::<View<T>>(type_name::<T>());
    // A getter per field, and an indexer for `doc["paths"]` that property access falls back
    // to: an unknown field is `()`, as for a map.
    T::register_getters(engine);
    engine.register_indexer_get(|v: &mut View<T>, name: &str| {
        T::field(v, name).unwrap_or(Dynamic::UNIT)
    });
    engine.register_fn("keys", |_: View<T>| -> Array {
        T::FIELDS.iter().map(|f| Dynamic::from(*f)).collect()
    });
    engine.register_fn("values", |v: View<T>| -> Array {
        T::FIELDS.iter().filter_map(|f| T::field(&v, f)).collect()
    });
    engine.register_fn("contains", |_: View<T>, name: &str| {
        T::FIELDS.contains(&name)
    });
    engine.register_fn("len", |_: View<T>| T::FIELDS.len() as rhai::INT);
    engine.register_fn("to_map", |v: View<T>| v.plain());
    register_display::<T>(engine);
}

fn register_display<T: Fact>(engine: &mut Engine) {
    engine.register_fn("to_string", |v: View<T>| v.plain().to_string());
    engine.register_fn("to_debug", |v: View<T>| format!("{:?}", v.plain()));
}

/// The element at `i` (negative counts from the end, as for arrays).
fn element<T: Fact>(v: &View<Vec<T>>, i: rhai::INT) -> Option<Dynamic> {
    let len = v.get().len() as rhai::INT;
    let i = if i < 0 { len + i } else { i };
    if i < 0 || i >= len {
        return None;
    }
    let i = i as usize;
    // SAFETY: an element of the list `v` views, inside `v.root`.
    Some(unsafe { T::view(&v.root, &v.get()[i]) })
}

fn to_array<T: Fact>(v: &View<Vec<T>>) -> Array {
    // SAFETY: elements of the list `v` views, inside `v.root`.
    v.get()
        .iter()
        .map(|item| unsafe { T::view(&v.root, item) })
        .collect()
}

/// Iterates a list view, one element view at a time.
pub struct ListIter<T: 'static> {
    list: View<Vec<T>>,
    next: usize,
}

impl<T: Fact> Iterator for ListIter<T> {
    type Item = Dynamic;
    fn next(&mut self) -> Option<Dynamic> {
        let i = self.next;
        if i >= self.list.get().len() {
            return None;
        }
        self.next += 1;
        // SAFETY: an element of the viewed list, inside `self.list.root`.
        Some(unsafe { T::view(&self.list.root, &self.list.get()[i]) })
    }
}

impl<T: Fact> IntoIterator for View<Vec<T>> {
    type Item = Dynamic;
    type IntoIter = ListIter<T>;
    fn into_iter(self) -> ListIter<T> {
        ListIter {
            list: self,
            next: 0,
        }
    }
}

fn register_list<T: Fact>(engine: &mut Engine) {
    engine.register_type_with_name::<View<Vec<T>>>("read-only array");
    engine.register_iterator::<View<Vec<T>>>();
    engine.register_indexer_get(
        |v: &mut View<Vec<T>>, i: rhai::INT| -> RhaiResult<Dynamic> {
            element(v, i).ok_or_else(|| {
                EvalAltResult::ErrorArrayBounds(v.get().len(), i, rhai::Position::NONE).into()
            })
        },
    );
    engine.register_fn("len", |v: View<Vec<T>>| v.get().len() as rhai::INT);
    engine.register_fn("is_empty", |v: View<Vec<T>>| v.get().is_empty());
    engine.register_fn("get", |v: View<Vec<T>>, i: rhai::INT| {
        element(&v, i).unwrap_or(Dynamic::UNIT)
    });
    engine.register_fn("to_array", |v: View<Vec<T>>| to_array(&v));
    engine.register_fn("+", |a: View<Vec<T>>, b: Array| {
        let mut out = to_array(&a);
        out.extend(b);
        out
    });
    engine.register_fn("+", |a: Array, b: View<Vec<T>>| {
        let mut out = a;
        out.extend(to_array(&b));
        out
    });
    // The array functions that take a callback, on a copy of the element views (cheap: each
    // element is a view).
    // (Those that change the array, such as `retain` or `push`, are not there: the error names
    // the type, and `explain_write` adds the way out.)
    for name in [
        "filter", "map", "some", "any", "all", "find", "find_map", "index_of",
    ] {
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, v: View<Vec<T>>, f: FnPtr| -> RhaiResult<Dynamic> {
                ctx.call_native_fn::<Dynamic>(name, (to_array(&v), f))
            },
        );
    }
    engine.register_fn(
        "reduce",
        |ctx: NativeCallContext, v: View<Vec<T>>, f: FnPtr| -> RhaiResult<Dynamic> {
            ctx.call_native_fn::<Dynamic>("reduce", (to_array(&v), f))
        },
    );
    engine.register_fn(
        "reduce",
        |ctx: NativeCallContext, v: View<Vec<T>>, f: FnPtr, init: Dynamic| -> RhaiResult<Dynamic> {
            ctx.call_native_fn::<Dynamic>("reduce", (to_array(&v), f, init))
        },
    );
    register_display::<Vec<T>>(engine);
}

fn register_map<T: Fields>(engine: &mut Engine) {
    engine.register_type_with_name::<View<BTreeMap<String, T>>>("read-only map");
    // The entries whose value's field `name` is set, as a map of views.
    engine.register_fn(
        "having",
        |v: View<BTreeMap<String, T>>, name: &str| -> RhaiResult<Map> {
            let mut out = Map::new();
            for (key, value) in v.get() {
                if T::field_is_set(value, name).ok_or_else(|| no_field::<T>(name))? {
                    // SAFETY: a value of the map `v` views, inside `v.root`.
                    out.insert(key.as_str().into(), unsafe { T::view(&v.root, value) });
                }
            }
            Ok(out)
        },
    );
    engine.register_indexer_get(|v: &mut View<BTreeMap<String, T>>, key: &str| {
        match v.get().get_key_value(key) {
            // SAFETY: a value of the map `v` views, inside `v.root`.
            Some((_, value)) => unsafe { T::view(&v.root, value) },
            None => Dynamic::UNIT,
        }
    });
    engine.register_fn("keys", |v: View<BTreeMap<String, T>>| -> Array {
        v.get().keys().map(|k| Dynamic::from(k.clone())).collect()
    });
    engine.register_fn("values", |v: View<BTreeMap<String, T>>| -> Array {
        v.get()
            .values()
            // SAFETY: values of the map `v` views, inside `v.root`.
            .map(|value| unsafe { T::view(&v.root, value) })
            .collect()
    });
    engine.register_fn("contains", |v: View<BTreeMap<String, T>>, key: &str| {
        v.get().contains_key(key)
    });
    engine.register_fn("len", |v: View<BTreeMap<String, T>>| {
        v.get().len() as rhai::INT
    });
    engine.register_fn("is_empty", |v: View<BTreeMap<String, T>>| {
        v.get().is_empty()
    });
    engine.register_fn("to_map", |v: View<BTreeMap<String, T>>| v.plain());
    register_display::<BTreeMap<String, T>>(engine);
}

/// The location a value stands for: a location view (a fact's: `false`) or a location map
/// the policy made (`true`).
pub(super) fn location_of(value: &Dynamic) -> Option<(Location, bool)> {
    if let Some(v) = value.read_lock::<View<Location>>() {
        return Some((v.get().clone(), false));
    }
    value
        .read_lock::<Map>()
        .and_then(|m| super::location_from_map(&m))
        .map(|l| (l, true))
}

/// Rhai's message for a write to a view, with the way out appended.
pub(super) fn explain_write(message: String) -> String {
    let write_to_view = message.starts_with("No writable property")
        || message.contains("Indexer unavailable: read-only")
        || message.contains("(read-only array")
        || message.contains("(read-only map");
    if write_to_view {
        format!(
            "{message} (facts are read-only: make a writable copy first, e.g. \
             `let m = x.to_map();` or `let a = x.to_array();`)"
        )
    } else {
        message
    }
}
