//! Live database probes (`check --probe`): the source and target named by the cutover env
//! set, probed concurrently, each through a small pool of read-only sessions.
//!
//! This module owns turning databases into [`ProbeReport`] facts: tables and columns, row
//! counts by method (`fast` catalog estimates with statistics age, `exact` `count(*)`,
//! `checksum` content comparison by key range), schema objects and their differences
//! (`objects`), sequences against their columns, the state-store keys and the migrations the
//! target has applied; and writing them as evidence (`artifacts`, the only files it writes). It never produces findings (`policies/db.rhai` does), never writes
//! (every session is a `READ ONLY` transaction that is rolled back), never panics on what a
//! database answers (errors become [`ProbeError`] facts), and never prints a password.

mod applied;
pub mod artifacts;
mod catalog;
mod checksum;
mod objects;
mod session;
mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use globset::GlobSet;

use crate::config::LoadedConfig;
use crate::facts::db::{
    ChecksumComparison, DatabaseProbe, ObjectClass, ProbeError, ProbeReport, RequiredKey, Side,
    StateStoreProbe, TableFacts, TablePair, UnmatchedEntry,
};
use crate::facts::{Facts, Location};

pub use crate::source::dburl::{redact_url, DatabaseUrl};
pub use session::{Cancelled, Endpoint, InFlight, Limits, Session};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `statement_timeout`.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connections per database.
pub const DEFAULT_CONCURRENCY: u32 = 4;
/// Default rows per first-pass checksum range.
pub const DEFAULT_CHECKSUM_RANGE_ROWS: u64 = 100_000;
/// How long a stopped probe waits for its cancel requests to reach the servers: a server
/// that stopped answering must not hold up the report.
pub const CANCEL_WAIT: Duration = Duration::from_secs(2);

/// Probe the cutover env set's source and target databases. Synchronous: it runs its own
/// tokio runtime (on a separate thread when called from inside one).
pub fn probe(facts: &Facts, config: &LoadedConfig, root: &Path) -> ProbeReport {
    probe_within(facts, config, root, None)
}

/// [`probe`] with an overall deadline (`check --timeout`). When the deadline passes, or the
/// operator presses Ctrl-C, the probe stops at once: every query still running is cancelled
/// on its server (a cancel request per session, waiting at most [`CANCEL_WAIT`]), the
/// connections are dropped, and each side that had not finished is reported unreachable
/// with the reason and what the cancel did, so the check still prints what it found and the
/// verdict is NO-GO.
pub fn probe_within(
    facts: &Facts,
    config: &LoadedConfig,
    root: &Path,
    deadline: Option<Instant>,
) -> ProbeReport {
    let plan = ProbePlan::resolve(facts, config, root);
    if tokio::runtime::Handle::try_current().is_ok() {
        // block_on inside a runtime panics; a scoped thread keeps the API synchronous.
        return std::thread::scope(|scope| {
            match scope.spawn(|| run_blocking(plan, deadline)).join() {
                Ok(report) => report,
                Err(_) => ProbeReport {
                    skipped: Some("the probe thread failed".into()),
                    ..Default::default()
                },
            }
        });
    }
    run_blocking(plan, deadline)
}

fn run_blocking(plan: ProbePlan, deadline: Option<Instant>) -> ProbeReport {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("launchgate-probe")
        .build();
    match runtime {
        Ok(rt) => {
            let stopped = stopped_report(&plan);
            let in_flight = plan.in_flight.clone();
            let started = Instant::now();
            let report = rt.block_on(async {
                let until = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                        None => std::future::pending::<()>().await,
                    }
                };
                let outcome = tokio::select! {
                    report = plan.run() => Ok(report),
                    _ = until => Err(("timeout", "the overall --timeout ran out before the probe finished")),
                    _ = tokio::signal::ctrl_c() => Err(("interrupted", "interrupted (Ctrl-C) before the probe finished")),
                };
                // The probe no longer waits for any answer: what the servers are still
                // running (everything, when it was stopped; a query whose server stopped
                // answering, when it finished) is cancelled there rather than left to run
                // until statement_timeout.
                let cancelled = in_flight.cancel_all(CANCEL_WAIT).await;
                match outcome {
                    Ok(report) => report,
                    Err((kind, why)) => stopped(
                        kind,
                        &format!("{why}{}", cancelled.describe()),
                        cancelled.waiting_on,
                    ),
                }
            });
            // Do not wait for the connection tasks: dropping the runtime closes them.
            rt.shutdown_background();
            ProbeReport {
                elapsed_ms: report.elapsed_ms.max(millis(started.elapsed())),
                ..report
            }
        }
        Err(e) => ProbeReport {
            skipped: Some(format!("could not start the probe runtime: {e}")),
            method: plan.method.clone(),
            tolerance: plan.tolerance.clone(),
            tolerance_location: plan.tolerance_location.clone(),
            ..Default::default()
        },
    }
}

/// A closure building the report of a probe stopped before it finished (`kind`, `why`): every
/// side unreachable, at the line that named it, so the findings say what was not checked.
fn stopped_report(plan: &ProbePlan) -> impl Fn(&str, &str, [bool; 2]) -> ProbeReport {
    let base = ProbeReport {
        env_set: plan.env_set.clone(),
        skipped: plan.skipped.clone(),
        method: plan.method.clone(),
        tolerance: plan.tolerance.clone(),
        tolerance_location: plan.tolerance_location.clone(),
        ..Default::default()
    };
    let sides: Vec<(Side, Location, String, String)> = plan
        .sides
        .iter()
        .map(|s| match &s.endpoint {
            Ok(e) => (
                s.side,
                s.location.clone(),
                e.url.redacted.clone(),
                e.url.display(),
            ),
            Err((redacted, _)) => (s.side, s.location.clone(), redacted.clone(), String::new()),
        })
        .collect();
    move |kind: &str, why: &str, waiting_on: [bool; 2]| {
        let mut report = base.clone();
        // Blame the side whose answer the probe was waiting for; when it was waiting on
        // none (still connecting), every side.
        let waiting_on = if waiting_on == [false, false] {
            [true, true]
        } else {
            waiting_on
        };
        for (side, location, url, display) in &sides {
            let blamed = waiting_on[usize::from(*side == Side::Target)];
            let other = match side {
                Side::Source => "target",
                Side::Target => "source",
            };
            let (kind, why) = if blamed {
                (kind.to_string(), why.to_string())
            } else {
                (
                    "stopped".to_string(),
                    format!(
                        "not probed completely: this side had answered every query sent to it \
                         (and was not connecting) when the probe stopped while waiting for the \
                         {other} ({kind})"
                    ),
                )
            };
            let probe = DatabaseProbe {
                side: *side,
                key: side.env_key().to_string(),
                url: url.clone(),
                display: display.clone(),
                location: location.clone(),
                reachable: false,
                error: Some(ProbeError {
                    kind,
                    message: why,
                    timeout_ms: None,
                    table: None,
                }),
                server_version: None,
                tls: false,
                read_only: None,
                connections: 0,
                tables: Vec::new(),
                migration_tables: Vec::new(),
                unreadable: Vec::new(),
                objects: Vec::new(),
                sequences: Vec::new(),
                elapsed_ms: 0,
            };
            match side {
                Side::Source => report.source = Some(probe),
                Side::Target => report.target = Some(probe),
            }
        }
        report
    }
}

/// One side to probe: where it was named and how to reach it.
struct SidePlan {
    side: Side,
    location: Location,
    endpoint: Result<Endpoint, (String, ProbeError)>,
}

/// Everything resolved before any connection is made.
pub struct ProbePlan {
    env_set: Option<String>,
    skipped: Option<String>,
    method: String,
    tolerance: String,
    tolerance_location: Option<Location>,
    sides: Vec<SidePlan>,
    schemas: BTreeSet<String>,
    include: Option<GlobSet>,
    /// Each `schemas`, `include` and `ignore-objects` entry with where it is written, to say
    /// which matched nothing.
    entries: Vec<ConfigEntry>,
    exclude: Option<GlobSet>,
    table_tolerance: BTreeMap<String, (String, Option<Location>)>,
    /// Schema-object classes compared, and the objects meant to differ.
    object_classes: Vec<ObjectClass>,
    ignore_objects: Option<GlobSet>,
    state_store: Option<StateStorePlan>,
    concurrency: usize,
    range_rows: u64,
    progress: Progress,
    /// Queries sent by every session of both sides and not yet answered.
    in_flight: InFlight,
}

/// One `[probes]` filter entry as written.
struct ConfigEntry {
    key: &'static str,
    entry: String,
    location: Option<Location>,
    /// For `include` and `ignore-objects`: the compiled glob.
    glob: Option<globset::GlobMatcher>,
}

struct StateStorePlan {
    table: String,
    key_column: String,
    location: Option<Location>,
    require: Vec<(String, Option<Location>)>,
}

impl ProbePlan {
    /// Read URLs from the cutover env set and settings from facts and config.
    pub fn resolve(facts: &Facts, config: &LoadedConfig, root: &Path) -> ProbePlan {
        let probes = &config.config.probes;
        let limits = Limits {
            connect_timeout: probes
                .connect_timeout
                .map_or(DEFAULT_CONNECT_TIMEOUT, |d| d.0),
            statement_timeout: probes
                .statement_timeout
                .map_or(DEFAULT_STATEMENT_TIMEOUT, |d| d.0),
        };
        let settings = &facts.config.probes;
        let in_flight = InFlight::default();
        let set = facts
            .env
            .sets
            .iter()
            .filter(|s| s.policies.iter().any(|p| p == "cutover"))
            .max_by_key(|s| {
                (s.vars.contains_key("SRC_DB_URL") as u8)
                    + (s.vars.contains_key("TGT_DB_URL") as u8)
            });
        let mut sides = Vec::new();
        let mut skipped = None;
        match set {
            None => {
                skipped = Some(
                    "no env set carries the cutover policy, so no database is named".to_string(),
                )
            }
            Some(set) => {
                for side in [Side::Source, Side::Target] {
                    let key = side.env_key();
                    let plan = match set.vars.get(key) {
                        None => SidePlan {
                            side,
                            location: set.location.clone(),
                            endpoint: Err((
                                String::new(),
                                config_error(format!("{key} is not set in env set {}", set.name)),
                            )),
                        },
                        Some(var) => SidePlan {
                            side,
                            location: var.location.clone(),
                            endpoint: match DatabaseUrl::parse(&var.value) {
                                Err(message) => Err((
                                    redact_url(&var.value),
                                    config_error(format!(
                                        "{key} is not a usable database URL: {message}"
                                    )),
                                )),
                                Ok(url) => {
                                    let redacted = url.redacted.clone();
                                    Endpoint::new(url, limits, root)
                                        .map(|e| e.with_in_flight(in_flight.clone(), side))
                                        .map_err(|e| (redacted, e))
                                }
                            },
                        },
                    };
                    sides.push(plan);
                }
            }
        }
        let location_of = |span: std::ops::Range<usize>| config.location(span);
        let mut table_tolerance = BTreeMap::new();
        for (name, table) in &probes.tables {
            if let Some(t) = &table.tolerance {
                let qualified = if name.contains('.') {
                    name.clone()
                } else {
                    format!("public.{name}")
                };
                table_tolerance
                    .insert(qualified, (t.get_ref().text.clone(), location_of(t.span())));
            }
        }
        let state_store = probes.state_store.as_ref().map(|s| {
            let inner = s.get_ref();
            StateStorePlan {
                table: inner.table.get_ref().clone(),
                key_column: inner.key_column.clone(),
                location: location_of(inner.table.span()),
                require: inner
                    .require
                    .iter()
                    .map(|k| (k.get_ref().clone(), location_of(k.span())))
                    .collect(),
            }
        });
        let mut entries: Vec<ConfigEntry> = probes
            .schemas
            .iter()
            .map(|s| ConfigEntry {
                key: "schemas",
                entry: s.get_ref().clone(),
                location: location_of(s.span()),
                glob: None,
            })
            .collect();
        // Glob lists keep no spans: the entry's quoted text locates it.
        for (key, list) in [
            ("include", &probes.include),
            ("ignore-objects", &probes.ignore_objects),
        ] {
            for pattern in list.patterns() {
                entries.push(ConfigEntry {
                    key,
                    entry: pattern.clone(),
                    location: crate::config::quoted_span(&config.text, pattern)
                        .and_then(location_of),
                    glob: crate::source::glob::compile_one(pattern).ok(),
                });
            }
        }
        // An unknown method (a typo in VERIFY_METHOD) must not silently skip the counts.
        let method = match settings.method.as_str() {
            "fast" | "exact" | "checksum" => settings.method.clone(),
            _ => "exact".to_string(),
        };
        ProbePlan {
            env_set: set.map(|s| s.name.clone()),
            skipped,
            progress: Progress::new(method != "fast"),
            method,
            tolerance: settings.tolerance.clone(),
            tolerance_location: settings.tolerance_location.clone(),
            sides,
            schemas: probes.schemas.iter().map(|s| s.get_ref().clone()).collect(),
            entries,
            include: (!probes.include.is_empty()).then(|| probes.include.set().clone()),
            exclude: (!probes.exclude.is_empty()).then(|| probes.exclude.set().clone()),
            table_tolerance,
            object_classes: probes
                .objects
                .clone()
                .unwrap_or_else(|| ObjectClass::ALL.to_vec()),
            ignore_objects: (!probes.ignore_objects.is_empty())
                .then(|| probes.ignore_objects.set().clone()),
            state_store,
            concurrency: probes
                .concurrency
                .unwrap_or(DEFAULT_CONCURRENCY)
                .clamp(1, 32) as usize,
            range_rows: probes
                .checksum_range_rows
                .unwrap_or(DEFAULT_CHECKSUM_RANGE_ROWS)
                .max(1),
            in_flight,
        }
    }

    fn wanted(&self, table: &TableFacts) -> bool {
        if !self.schemas.is_empty() && !self.schemas.contains(&table.schema) {
            return false;
        }
        if let Some(include) = &self.include {
            if !include.is_match(&table.qualified) {
                return false;
            }
        }
        !self
            .exclude
            .as_ref()
            .is_some_and(|ex| ex.is_match(&table.qualified))
    }

    /// The `[probes]` entries that match nothing in either database: a schema neither has,
    /// an `include` glob no table of the probed schemas matches, an `ignore-objects` glob no
    /// schema object matches. Known only when both catalogs were read.
    fn unmatched(&self, source: &OpenSide, target: &OpenSide) -> Vec<UnmatchedEntry> {
        let (Some((s_schemas, s_tables)), Some((t_schemas, t_tables))) =
            (&source.listed, &target.listed)
        else {
            return Vec::new();
        };
        let objects: Vec<String> = [&source.probe.objects, &target.probe.objects]
            .into_iter()
            .flatten()
            .flat_map(|o| {
                [
                    format!("{}:{}", o.class.name(), o.label),
                    format!("{}:{}", o.class.name(), o.key),
                ]
            })
            .collect();
        // Objects are read only when both sides stayed reachable; otherwise say nothing of
        // `ignore-objects`.
        let objects_read = source.probe.reachable && target.probe.reachable;
        self.entries
            .iter()
            .filter(|e| match (e.key, &e.glob) {
                ("schemas", _) => !s_schemas.contains(&e.entry) && !t_schemas.contains(&e.entry),
                ("include", Some(g)) => !s_tables.iter().chain(t_tables).any(|t| g.is_match(t)),
                ("ignore-objects", Some(g)) => {
                    objects_read && !objects.iter().any(|o| g.is_match(o))
                }
                _ => false,
            })
            .map(|e| UnmatchedEntry {
                key: e.key.to_string(),
                entry: e.entry.clone(),
                location: e.location.clone(),
            })
            .collect()
    }

    /// Schema objects of the compared classes that differ, leaving out the tables not
    /// probed on both sides and the objects `[probes] ignore-objects` names.
    fn object_diff(
        &self,
        source: &DatabaseProbe,
        target: &DatabaseProbe,
    ) -> Vec<crate::facts::db::ObjectDiff> {
        let names = |p: &DatabaseProbe| -> BTreeSet<String> {
            p.tables.iter().map(|t| t.qualified.clone()).collect()
        };
        let both: BTreeSet<String> = names(source)
            .intersection(&names(target))
            .cloned()
            .collect();
        let ignored = |o: &crate::facts::db::SchemaObject| {
            self.ignore_objects.as_ref().is_some_and(|g| {
                g.is_match(format!("{}:{}", o.class.name(), o.label))
                    || g.is_match(format!("{}:{}", o.class.name(), o.key))
            })
        };
        let mut diffs = objects::diff(&source.objects, &target.objects, &both, &ignored);
        for d in &mut diffs {
            if !d.class.shows_definition() {
                d.source = d.source.as_ref().map(|_| String::new());
                d.target = d.target.as_ref().map(|_| String::new());
            }
        }
        diffs
    }

    /// Probe both sides and compare.
    pub async fn run(mut self) -> ProbeReport {
        let started = Instant::now();
        let mut report = ProbeReport {
            env_set: self.env_set.clone(),
            skipped: self.skipped.clone(),
            method: self.method.clone(),
            tolerance: self.tolerance.clone(),
            tolerance_location: self.tolerance_location.clone(),
            ..Default::default()
        };
        let sides = std::mem::take(&mut self.sides);
        let plan = Arc::new(self);
        let mut opened = Vec::new();
        {
            let tasks: Vec<_> = sides
                .into_iter()
                .map(|s| open_side(plan.clone(), s))
                .collect();
            for side in futures_join_all(tasks).await {
                opened.push(side);
            }
        }
        let (mut source, mut target) = (None, None);
        for side in opened {
            match side.probe.side {
                Side::Source => source = Some(side),
                Side::Target => target = Some(side),
            }
        }
        // Row counts (and contents) by method.
        let mut checksums = BTreeMap::new();
        match plan.method.as_str() {
            "checksum" => {
                if let (Some(s), Some(t)) = (source.as_mut(), target.as_mut()) {
                    checksums = compare_contents(&plan, s, t).await;
                }
                for side in [source.as_mut(), target.as_mut()].into_iter().flatten() {
                    count_remaining(&plan, side).await;
                }
            }
            "exact" => {
                let mut pending = Vec::new();
                for side in [source.as_mut(), target.as_mut()].into_iter().flatten() {
                    pending.push(count_remaining(&plan, side));
                }
                futures_join_all(pending).await;
            }
            _ => {}
        }
        // Schema objects after the counts: reading a default or a view's definition waits
        // for a lock on its table like a count does, and the count's error names the table.
        {
            let reads: Vec<_> = [source.as_mut(), target.as_mut()]
                .into_iter()
                .flatten()
                .map(|side| read_objects(&plan, side))
                .collect();
            futures_join_all(reads).await;
        }
        if let (Some(store), Some(t)) = (&plan.state_store, target.as_mut()) {
            report.state_store = Some(read_state_store(store, t).await);
        }
        for side in [source.as_mut(), target.as_mut()].into_iter().flatten() {
            side.finish().await;
        }
        if let (Some(s), Some(t)) = (source.as_ref(), target.as_ref()) {
            report.unmatched = plan.unmatched(s, t);
            if s.probe.reachable && t.probe.reachable {
                report.objects = plan.object_diff(&s.probe, &t.probe);
                report.object_classes = plan.object_classes.clone();
            }
        }
        report.tables = pair_tables(
            &plan,
            source.as_ref().map(|s| &s.probe),
            target.as_ref().map(|s| &s.probe),
            checksums,
        );
        report.source = source.map(|s| s.probe);
        report.target = target.map(|s| s.probe);
        report.elapsed_ms = millis(started.elapsed());
        report
    }
}

fn config_error(message: String) -> ProbeError {
    ProbeError {
        kind: "config".into(),
        message,
        timeout_ms: None,
        table: None,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Await every future, concurrently, in order (tokio has no join_all of its own).
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// One side after connecting: its facts so far and its pool.
struct OpenSide {
    probe: DatabaseProbe,
    pool: Option<Arc<session::Pool>>,
    /// Tables already counted exactly (by the checksum pass).
    counted: BTreeSet<String>,
    /// Every schema, and every table (`schema.table`) in the probed schemas before the
    /// `include`/`exclude` filters, once the catalog was read: what a `[probes]` entry could
    /// have matched.
    listed: Option<(BTreeSet<String>, Vec<String>)>,
    started: Instant,
}

impl OpenSide {
    fn fail(&mut self, error: ProbeError) {
        self.probe.reachable = false;
        if self.probe.error.is_none() {
            self.probe.error = Some(error);
        }
    }

    async fn finish(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.close().await;
        }
        self.probe.elapsed_ms = millis(self.started.elapsed());
    }
}

async fn open_side(plan: Arc<ProbePlan>, side: SidePlan) -> OpenSide {
    let started = Instant::now();
    let key = side.side.env_key().to_string();
    let mut probe = DatabaseProbe {
        side: side.side,
        key,
        url: String::new(),
        display: String::new(),
        location: side.location,
        reachable: false,
        error: None,
        server_version: None,
        tls: false,
        read_only: None,
        connections: 0,
        tables: Vec::new(),
        migration_tables: Vec::new(),
        unreadable: Vec::new(),
        objects: Vec::new(),
        sequences: Vec::new(),
        elapsed_ms: 0,
    };
    let endpoint = match side.endpoint {
        Ok(e) => e,
        Err((redacted, error)) => {
            probe.url = redacted;
            probe.error = Some(error);
            return OpenSide {
                probe,
                pool: None,
                counted: BTreeSet::new(),
                listed: None,
                started,
            };
        }
    };
    probe.url = endpoint.url.redacted.clone();
    probe.display = endpoint.url.display();
    let mut open = OpenSide {
        probe,
        pool: None,
        counted: BTreeSet::new(),
        listed: None,
        started,
    };
    let first = match endpoint.open(None).await {
        Ok(s) => s,
        Err(e) => {
            open.fail(e);
            return open;
        }
    };
    // Session facts and the snapshot the other sessions share.
    let info = first
        .query(
            "SELECT current_setting('server_version'), current_setting('transaction_read_only'),
                    COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            &[],
            None,
        )
        .await;
    match info {
        Ok(rows) => {
            if let Some(row) = rows.first() {
                open.probe.server_version = catalog::get(row, 0).ok();
                open.probe.read_only = catalog::get::<String>(row, 1).ok().map(|v| v == "on");
                open.probe.tls = catalog::get(row, 2).unwrap_or(false);
            }
        }
        Err(e) => {
            open.fail(e);
            first.close().await;
            return open;
        }
    }
    // A pooler or standby may refuse to export a snapshot; sessions then each take their own.
    let snapshot: Option<String> = match first.query("SELECT pg_export_snapshot()", &[], None).await
    {
        Ok(rows) => rows.first().and_then(|r| catalog::get(r, 0).ok()),
        Err(_) => None,
    };
    let first = if snapshot.is_none() {
        // A failed statement aborted the transaction: start over with a fresh session.
        first.close().await;
        match endpoint.open(None).await {
            Ok(s) => s,
            Err(e) => {
                open.fail(e);
                return open;
            }
        }
    } else {
        first
    };
    let tables = match catalog::tables(&first).await {
        Ok(t) => t,
        Err(e) => {
            open.fail(e);
            first.close().await;
            return open;
        }
    };
    let schemas = match catalog::schemas(&first).await {
        Ok(s) => s,
        Err(e) => {
            open.fail(e);
            first.close().await;
            return open;
        }
    };
    let in_schemas: Vec<String> = tables
        .iter()
        .filter(|t| plan.schemas.is_empty() || plan.schemas.contains(&t.schema))
        .map(|t| t.qualified.clone())
        .collect();
    open.listed = Some((schemas, in_schemas));
    open.probe.tables = tables.into_iter().filter(|t| plan.wanted(t)).collect();
    if side.side == Side::Target {
        let tables =
            match catalog::migration_tables(&first, &plan.schemas).await {
                Ok((mut m, unreadable)) => {
                    open.probe.unreadable.extend(unreadable);
                    // [probes] schemas bounds every lookup, the other tools' tables included.
                    applied::recorded_tables(&first).await.map(|more| {
                        m.extend(more.into_iter().filter(|t| {
                            plan.schemas.is_empty() || plan.schemas.contains(&t.schema)
                        }));
                        m
                    })
                }
                Err(e) => Err(e),
            };
        match tables {
            Ok(m) => open.probe.migration_tables = m,
            Err(e) => {
                open.fail(e);
                first.close().await;
                return open;
            }
        }
    }
    let mut sessions = vec![first];
    if plan.method != "fast" {
        let extra = plan
            .concurrency
            .saturating_sub(1)
            .min(open.probe.tables.len().saturating_sub(1));
        let opening: Vec<_> = (0..extra)
            .map(|_| endpoint.open(snapshot.as_deref()))
            .collect();
        // Fewer connections than asked (max_connections, a pooler limit) is not an error.
        for s in futures_join_all(opening).await.into_iter().flatten() {
            sessions.push(s);
        }
    }
    open.probe.connections = u32::try_from(sessions.len()).unwrap_or(u32::MAX);
    open.probe.reachable = true;
    open.pool = Some(session::Pool::new(sessions));
    open
}

/// Schema objects and sequences (with the column maxima on the target), in the side's
/// snapshot, when the side is still reachable.
async fn read_objects(plan: &ProbePlan, side: &mut OpenSide) {
    let Some(pool) = side.pool.clone().filter(|_| side.probe.reachable) else {
        return;
    };
    let Some(lease) = pool.lease().await else {
        side.fail(lost_all("the schema objects"));
        return;
    };
    let session = lease.session();
    let read = async {
        let objects = objects::read(session, &plan.schemas, &plan.object_classes).await?;
        let sequences = if plan.object_classes.contains(&ObjectClass::Sequence) {
            objects::sequences(session, &plan.schemas, side.probe.side == Side::Target).await?
        } else {
            Vec::new()
        };
        Ok::<_, ProbeError>((objects, sequences))
    };
    match read.await {
        Ok((objects, sequences)) => {
            side.probe.objects = objects;
            side.probe.sequences = sequences;
            drop(lease);
        }
        Err(e) => {
            lease.discard();
            side.fail(e);
        }
    }
}

/// `count(*)` every table the checksum pass did not already count, a bounded number at once.
async fn count_remaining(plan: &ProbePlan, side: &mut OpenSide) {
    let Some(pool) = side.pool.clone() else {
        return;
    };
    let label = side.probe.side.label();
    let total = side.probe.tables.len();
    // Largest first (by the catalog estimate): the longest scan starts at once instead of
    // after every small one, so the pool's sessions finish together.
    let mut order: Vec<(usize, &TableFacts)> = side
        .probe
        .tables
        .iter()
        .enumerate()
        .filter(|(_, t)| !side.counted.contains(&t.qualified))
        .collect();
    order.sort_by_key(|(_, t)| std::cmp::Reverse(t.rows.unwrap_or(0)));
    let jobs: Vec<_> = order
        .into_iter()
        .map(|(i, t)| {
            let pool = pool.clone();
            let (schema, name, qualified) = (t.schema.clone(), t.name.clone(), t.qualified.clone());
            let progress = plan.progress.clone();
            async move {
                let Some(lease) = pool.lease().await else {
                    return (i, Err(lost_all(&qualified)));
                };
                let session = lease.session();
                let result = match session.checkpoint().await {
                    Ok(()) => catalog::exact_count(session, &schema, &name).await,
                    Err(e) => Err(e),
                };
                match &result {
                    Ok(rows) => {
                        progress.table_done(label, &qualified, *rows, total);
                        drop(lease);
                    }
                    Err(e) => {
                        if session.recover(e).await {
                            drop(lease);
                        } else {
                            lease.discard();
                        }
                    }
                }
                (i, result)
            }
        })
        .collect();
    for (i, result) in futures_join_all(jobs).await {
        apply_count(side, i, result);
    }
}

fn apply_count(side: &mut OpenSide, i: usize, result: Result<i64, ProbeError>) {
    let Some(table) = side.probe.tables.get_mut(i) else {
        return;
    };
    match result {
        Ok(rows) => {
            table.rows = Some(rows);
            table.rows_method = "exact".into();
        }
        Err(e) => {
            // No count: never leave the catalog estimate behind to be read as one.
            table.rows = None;
            table.rows_method = "exact".into();
            table.error = Some(e.clone());
            // A table the server refused to read is that table's finding; the others
            // were (or are being) probed in the same snapshot.
            if !e.is_table_level() {
                side.fail(e);
            }
        }
    }
}

/// An error standing for "roll this session back to its checkpoint".
fn table_level() -> ProbeError {
    ProbeError {
        kind: "query".into(),
        message: String::new(),
        timeout_ms: None,
        table: None,
    }
}

fn lost_all(table: &str) -> ProbeError {
    ProbeError {
        kind: "connection-lost".into(),
        message: format!("no working connection was left to probe {table}"),
        timeout_ms: None,
        table: Some(table.to_string()),
    }
}

/// Checksum every table both sides have, a bounded number at once; records exact counts too.
async fn compare_contents(
    plan: &ProbePlan,
    source: &mut OpenSide,
    target: &mut OpenSide,
) -> BTreeMap<String, ChecksumComparison> {
    let (Some(src_pool), Some(tgt_pool)) = (source.pool.clone(), target.pool.clone()) else {
        return BTreeMap::new();
    };
    let target_index: BTreeMap<&str, usize> = target
        .probe
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.qualified.as_str(), i))
        .collect();
    let total = source.probe.tables.len();
    let mut jobs = Vec::new();
    // Largest first, as in count_remaining; the pool hands out sessions in request order.
    let mut order: Vec<(usize, &TableFacts)> = source.probe.tables.iter().enumerate().collect();
    order.sort_by_key(|(_, t)| std::cmp::Reverse(t.rows.unwrap_or(0)));
    for (si, st) in order {
        let Some(&ti) = target_index.get(st.qualified.as_str()) else {
            continue;
        };
        let tt = &target.probe.tables[ti];
        // A column whose type differs is db/schema-drift's finding, once; comparing its
        // text would only flag every range of the table.
        let target_columns: BTreeSet<(&str, &str)> = tt
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.data_type.as_str()))
            .collect();
        let columns: Vec<String> = st
            .columns
            .iter()
            .filter(|c| target_columns.contains(&(c.name.as_str(), c.data_type.as_str())))
            .map(|c| c.name.clone())
            .collect();
        let key = single_integer_key(st)
            .filter(|k| single_integer_key(tt).as_deref() == Some(k.as_str()));
        let ordered_key = match key {
            Some(_) => None,
            None => single_key(st).filter(|k| single_key(tt).as_ref() == Some(k)),
        };
        let check = checksum::ChecksumPlan {
            schema: st.schema.clone(),
            table: st.name.clone(),
            columns,
            key,
            ordered_key,
            range_rows: plan.range_rows,
            estimated_rows: st.rows.max(tt.rows),
        };
        let (src_pool, tgt_pool, progress) =
            (src_pool.clone(), tgt_pool.clone(), plan.progress.clone());
        jobs.push(async move {
            let qualified = check.qualified();
            // Always the source's session first, then the target's: with one order no two
            // jobs can each hold the session the other waits for.
            let Some(s) = src_pool.lease().await else {
                return (si, ti, check, Err((Side::Source, lost_all(&qualified))));
            };
            let Some(t) = tgt_pool.lease().await else {
                return (si, ti, check, Err((Side::Target, lost_all(&qualified))));
            };
            let (sc, tc) = tokio::join!(s.session().checkpoint(), t.session().checkpoint());
            let (sb, tb) = match (sc, tc) {
                (Ok(()), Ok(())) => {
                    tokio::join!(
                        checksum::bounds(s.session(), &check),
                        checksum::bounds(t.session(), &check)
                    )
                }
                (sc, tc) => (
                    sc.map(|()| checksum::Bounds::default()),
                    tc.map(|()| checksum::Bounds::default()),
                ),
            };
            let outcome = match (sb, tb) {
                (Err(e), _) => Err((Side::Source, e)),
                (_, Err(e)) => Err((Side::Target, e)),
                (Ok(sb), Ok(tb)) => checksum::compare(s.session(), t.session(), &check, sb, tb)
                    .await
                    .map(|diff| (diff.source_rows, diff.target_rows, diff)),
            };
            match &outcome {
                Ok((rows, _, _)) => {
                    progress.table_done("source+target", &qualified, *rows, total);
                    drop(s);
                    drop(t);
                }
                Err((side, e)) => {
                    let (failed, other) = match side {
                        Side::Source => (s, t),
                        Side::Target => (t, s),
                    };
                    // The other side's transaction may hold a half-read table too.
                    let _ = other.session().recover(&table_level()).await;
                    if failed.session().recover(e).await {
                        drop(failed);
                    } else {
                        failed.discard();
                    }
                    drop(other);
                }
            }
            (si, ti, check, outcome)
        });
    }
    let mut out = BTreeMap::new();
    for (si, ti, check, outcome) in futures_join_all(jobs).await {
        let qualified = check.qualified();
        match outcome {
            Ok((src_rows, tgt_rows, diff)) => {
                apply_count(source, si, Ok(src_rows));
                apply_count(target, ti, Ok(tgt_rows));
                source.counted.insert(qualified.clone());
                target.counted.insert(qualified.clone());
                out.insert(
                    qualified,
                    ChecksumComparison {
                        key_column: check
                            .key
                            .clone()
                            .or_else(|| check.ordered_key.as_ref().map(|k| k.0.clone())),
                        equal: diff.range_count == 0,
                        differing_ranges: diff.ranges,
                        differing_range_count: diff.range_count,
                        skipped: None,
                    },
                );
            }
            Err((side, e)) => {
                let (which, i) = match side {
                    Side::Source => (&mut *source, si),
                    Side::Target => (&mut *target, ti),
                };
                apply_count(which, i, Err(e.clone()));
                which.counted.insert(qualified.clone());
                out.insert(
                    qualified,
                    ChecksumComparison {
                        key_column: check.key.clone(),
                        equal: false,
                        differing_ranges: Vec::new(),
                        differing_range_count: 0,
                        skipped: Some(format!("the {} side failed: {}", side.label(), e.message)),
                    },
                );
            }
        }
    }
    out
}

/// The primary key and its type when it is one column (of any ordered type).
fn single_key(table: &TableFacts) -> Option<(String, String)> {
    let [key] = table.primary_key.as_slice() else {
        return None;
    };
    let column = table.columns.iter().find(|c| &c.name == key)?;
    Some((key.clone(), column.data_type.clone()))
}

/// The primary key when it is one column of an integer type (range-splittable).
fn single_integer_key(table: &TableFacts) -> Option<String> {
    let [key] = table.primary_key.as_slice() else {
        return None;
    };
    let column = table.columns.iter().find(|c| &c.name == key)?;
    matches!(column.data_type.as_str(), "smallint" | "integer" | "bigint").then(|| key.clone())
}

async fn read_state_store(store: &StateStorePlan, target: &mut OpenSide) -> StateStoreProbe {
    let location = store
        .location
        .clone()
        .unwrap_or_else(|| target.probe.location.clone());
    let mut probe = StateStoreProbe {
        table: store.table.clone(),
        key_column: store.key_column.clone(),
        location: location.clone(),
        exists: false,
        key_count: None,
        present: Vec::new(),
        missing: Vec::new(),
        error: None,
    };
    let Some(pool) = target.pool.clone() else {
        probe.error = Some(
            target
                .probe
                .error
                .clone()
                .unwrap_or_else(|| lost_all(&store.table)),
        );
        return probe;
    };
    let Some(lease) = pool.lease().await else {
        probe.error = Some(lost_all(&store.table));
        return probe;
    };
    let required: Vec<String> = store.require.iter().map(|(k, _)| k.clone()).collect();
    match catalog::state_store(lease.session(), &store.table, &store.key_column, &required).await {
        Ok(read) => {
            drop(lease);
            probe.exists = read.exists;
            probe.key_count = read.key_count;
            for (key, loc) in &store.require {
                if read.present.contains(key) {
                    probe.present.push(key.clone());
                } else {
                    probe.missing.push(RequiredKey {
                        key: key.clone(),
                        location: loc.clone().unwrap_or_else(|| location.clone()),
                    });
                }
            }
        }
        Err(e) => {
            lease.discard();
            target.fail(e.clone());
            probe.error = Some(e);
        }
    }
    probe
}

fn pair_tables(
    plan: &ProbePlan,
    source: Option<&DatabaseProbe>,
    target: Option<&DatabaseProbe>,
    mut checksums: BTreeMap<String, ChecksumComparison>,
) -> Vec<TablePair> {
    // A count is only ever compared as what it is: when a side stopped before counting a
    // table exactly, its catalog estimate is not passed off as the count.
    let wanted_method = if plan.method == "fast" {
        "estimate"
    } else {
        "exact"
    };
    let index = |p: Option<&DatabaseProbe>| -> BTreeMap<String, Option<i64>> {
        p.map(|p| {
            p.tables
                .iter()
                .map(|t| {
                    let rows = t.rows.filter(|_| t.rows_method == wanted_method);
                    (t.qualified.clone(), rows)
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let (src, tgt) = (index(source), index(target));
    let names: BTreeSet<&String> = src.keys().chain(tgt.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let (tolerance, tolerance_location) = match plan.table_tolerance.get(name) {
                Some((t, loc)) => (t.clone(), loc.clone()),
                None => (plan.tolerance.clone(), plan.tolerance_location.clone()),
            };
            TablePair {
                qualified: name.clone(),
                on_source: src.contains_key(name),
                on_target: tgt.contains_key(name),
                source_rows: src.get(name).copied().flatten(),
                target_rows: tgt.get(name).copied().flatten(),
                tolerance,
                tolerance_location,
                checksum: checksums.remove(name),
            }
        })
        .collect()
}

/// Per-table progress on stderr, only when stderr is a terminal.
#[derive(Clone)]
struct Progress {
    enabled: bool,
    done: Arc<std::sync::atomic::AtomicUsize>,
}

impl Progress {
    fn new(wanted: bool) -> Progress {
        Progress {
            enabled: wanted && std::io::stderr().is_terminal(),
            done: Arc::default(),
        }
    }

    fn table_done(&self, side: &str, table: &str, rows: i64, total: usize) {
        if !self.enabled {
            return;
        }
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        eprintln!(
            "launchgate: probed {side} {table}: {rows} rows ({n} of {total} tables on this pass)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::facts::db::ColumnFacts;

    fn table(schema: &str, name: &str, key: &[&str], types: &[(&str, &str)]) -> TableFacts {
        TableFacts {
            schema: schema.into(),
            name: name.into(),
            qualified: format!("{schema}.{name}"),
            columns: types
                .iter()
                .enumerate()
                .map(|(i, (n, t))| ColumnFacts {
                    name: (*n).into(),
                    data_type: (*t).into(),
                    nullable: false,
                    position: i as i32 + 1,
                })
                .collect(),
            primary_key: key.iter().map(|k| (*k).to_string()).collect(),
            rows: None,
            rows_method: "exact".into(),
            statistics: None,
            error: None,
        }
    }

    fn loaded(text: &str) -> LoadedConfig {
        LoadedConfig {
            config: config::parse("launchgate.toml", text).expect("valid config"),
            path: Some("launchgate.toml".into()),
            text: text.into(),
            ..Default::default()
        }
    }

    fn facts_without_env() -> Facts {
        Facts {
            root: ".".into(),
            git: crate::facts::GitInfo {
                available: false,
                reason: None,
            },
            env: Default::default(),
            migrations: Default::default(),
            docs: Default::default(),
            scripts: Default::default(),
            evidence: Default::default(),
            walk: Default::default(),
            db: None,
            config: Default::default(),
        }
    }

    #[test]
    fn durations_accept_units_and_seconds_and_reject_nonsense() {
        use crate::config::ProbeDuration;
        let ms = |t: &str| ProbeDuration::parse(t).map(|d| d.0.as_millis());
        assert_eq!(ms("500ms"), Some(500));
        assert_eq!(ms("10s"), Some(10_000));
        assert_eq!(ms("2m"), Some(120_000));
        assert_eq!(ms("7"), Some(7_000));
        assert_eq!(ms("0s"), None);
        assert_eq!(ms("soon"), None);
        assert_eq!(ms("-1s"), None);
        let err =
            config::parse("launchgate.toml", "[probes]\nconnect-timeout = \"ten\"\n").unwrap_err();
        assert!(err.to_string().contains("500ms"), "{err}");
        let err = config::parse("launchgate.toml", "[probes]\nconcurency = 3\n").unwrap_err();
        assert!(err.to_string().contains("concurency"), "{err}");
    }

    #[test]
    fn only_single_integer_primary_keys_split_into_ranges() {
        assert_eq!(
            single_integer_key(&table("public", "a", &["id"], &[("id", "bigint")])).as_deref(),
            Some("id")
        );
        assert_eq!(
            single_integer_key(&table("public", "a", &["id"], &[("id", "integer")])).as_deref(),
            Some("id")
        );
        assert_eq!(
            single_integer_key(&table("public", "a", &["id"], &[("id", "uuid")])),
            None
        );
        assert_eq!(
            single_integer_key(&table(
                "public",
                "a",
                &["a", "b"],
                &[("a", "integer"), ("b", "integer")]
            )),
            None
        );
        assert_eq!(
            single_integer_key(&table("public", "a", &[], &[("id", "integer")])),
            None
        );
    }

    #[test]
    fn schemas_include_and_exclude_filter_tables() {
        let config = loaded("[probes]\nschemas = [\"public\", \"app\"]\ninclude = [\"public.*\", \"app.audit_*\"]\nexclude = [\"public.tmp_*\"]\n");
        let plan = ProbePlan::resolve(&facts_without_env(), &config, Path::new("."));
        let wanted = |s: &str, n: &str| plan.wanted(&table(s, n, &[], &[]));
        assert!(wanted("public", "users"));
        assert!(wanted("app", "audit_events"));
        assert!(!wanted("app", "sessions"), "not included");
        assert!(!wanted("public", "tmp_import"), "excluded");
        assert!(!wanted("billing", "invoices"), "schema not probed");
        assert!(plan
            .skipped
            .as_deref()
            .is_some_and(|s| s.contains("cutover")));
    }

    #[test]
    fn per_table_tolerance_overrides_the_global_one_with_its_config_location() {
        let text = "[probes]\n[probes.tables.events]\ntolerance = \"1%\"\n";
        let mut facts = facts_without_env();
        facts.config.probes.tolerance = "3".into();
        let plan = ProbePlan::resolve(&facts, &loaded(text), Path::new("."));
        let side = |tables: Vec<TableFacts>| DatabaseProbe {
            side: Side::Source,
            key: "SRC_DB_URL".into(),
            url: String::new(),
            display: String::new(),
            location: Location::file_start(".env"),
            reachable: true,
            error: None,
            server_version: None,
            tls: false,
            read_only: Some(true),
            connections: 1,
            tables,
            migration_tables: Vec::new(),
            unreadable: Vec::new(),
            objects: Vec::new(),
            sequences: Vec::new(),
            elapsed_ms: 0,
        };
        let src = side(vec![
            table("public", "events", &[], &[]),
            table("public", "users", &[], &[]),
        ]);
        let tgt = side(vec![table("public", "events", &[], &[])]);
        let pairs = pair_tables(&plan, Some(&src), Some(&tgt), BTreeMap::new());
        let events = pairs
            .iter()
            .find(|p| p.qualified == "public.events")
            .expect("events");
        assert_eq!(events.tolerance, "1%");
        assert_eq!(
            events
                .tolerance_location
                .as_ref()
                .map(|l| (l.line, l.column)),
            Some((3, 13))
        );
        let users = pairs
            .iter()
            .find(|p| p.qualified == "public.users")
            .expect("users");
        assert_eq!(
            (users.tolerance.as_str(), users.on_source, users.on_target),
            ("3", true, false)
        );
    }

    #[test]
    fn an_unknown_method_counts_exactly_rather_than_not_at_all() {
        let mut facts = facts_without_env();
        facts.config.probes.method = "slow".into();
        let plan = ProbePlan::resolve(&facts, &loaded("[probes]\n"), Path::new("."));
        assert_eq!(plan.method, "exact");
    }
}
