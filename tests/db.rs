//! Live database probes against real PostgreSQL servers started by the test harness
//! (`tests/support/pg.rs`). One plain server is shared by the tests of this binary, each test
//! making its own source and target databases; the TLS and stop-mid-probe tests start their own.
//!
//! Every test runs a whole `check --probe` on a copy of `fixtures/db/cutover` whose
//! `.env.db-migration.local` names the test's databases, and asserts on findings (rule, where
//! they point, what they say) and the verdict.

#[path = "support/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use launchgate::check::{self, CheckOptions, CheckOutcome};
use launchgate::finding::Finding;
use pg::PgServer;
use sha2::{Digest, Sha256};

const FIXTURE: &str = "fixtures/db/cutover";
const ENV_FILE: &str = "scripts/db-migration/env/.env.db-migration.local";
/// Lines of the generated env file (1-based) that name each database.
const SRC_LINE: u32 = 2;
const TGT_LINE: u32 = 3;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture copy");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// The drizzle migrations of the fixture as drizzle records them: (sha256 of the file, when).
fn drizzle_rows() -> Vec<(String, i64)> {
    let dir = manifest().join(FIXTURE).join("services/issuer/drizzle");
    [
        ("0000_initial_issuers", 1_735_689_600_000_i64),
        ("0001_credentials", 1_736_899_200_000),
        ("0002_revocations", 1_738_108_800_000),
    ]
    .iter()
    .map(|(tag, when)| {
        let text = std::fs::read(dir.join(format!("{tag}.sql"))).expect("fixture migration");
        let hash: String = Sha256::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (hash, *when)
    })
    .collect()
}

/// A source and a target loaded with the same schema, data and applied migrations, and a
/// repository whose cutover env names them.
struct Rehearsal<'s> {
    server: &'s PgServer,
    src: String,
    tgt: String,
    repo: tempfile::TempDir,
}

impl<'s> Rehearsal<'s> {
    fn new(name: &str) -> Option<Rehearsal<'static>> {
        if !pg::available() {
            return None;
        }
        Rehearsal::on(PgServer::shared(), name)
    }

    fn on(server: &'s PgServer, name: &str) -> Option<Rehearsal<'s>> {
        if !pg::available() {
            return None;
        }
        let schema = std::fs::read_to_string(manifest().join("fixtures/db/sql/schema.sql"))
            .expect("schema.sql");
        let data =
            std::fs::read_to_string(manifest().join("fixtures/db/sql/data.sql")).expect("data.sql");
        let mut drizzle = String::from(
            "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);",
        );
        for (hash, when) in drizzle_rows() {
            drizzle.push_str(&format!("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('{hash}', {when});"));
        }
        let src = server.create_database(&format!("{name}_src"));
        let tgt = server.create_database(&format!("{name}_tgt"));
        for db in [&src, &tgt] {
            server.execute(db, &schema);
            server.execute(db, &data);
            // Its own statement: ANALYZE inside the loading transaction would be outdated by
            // the transaction's own inserts as soon as it commits.
            server.execute(db, "ANALYZE");
            server.execute(db, &drizzle);
        }
        let repo = tempfile::tempdir().expect("temp repo");
        copy_dir(&manifest().join(FIXTURE), repo.path());
        let r = Rehearsal {
            server,
            src,
            tgt,
            repo,
        };
        r.write_env(&r.server.url(&r.src), &r.server.url(&r.tgt));
        Some(r)
    }

    /// Write the operator's env file; SRC_DB_URL on line 2, TGT_DB_URL on line 3.
    fn write_env(&self, src_url: &str, tgt_url: &str) {
        let text = format!(
            "# staging rehearsal (operator copy)\nSRC_DB_URL={src_url}\nTGT_DB_URL={tgt_url}\n\
             DATABASE_URL=postgresql://app:P00ledSecret-77@127.0.0.1:6543/{tgt}?pgbouncer=true\n\
             DATABASE_URL_DIRECT={tgt_url}\nREQUIRE_DATABASE=true\nMODE=run\nVERIFY_METHOD=exact\n\
             ROWCOUNT_TOLERANCE=0\nSTATE_STORE_TABLE=credverse_state_store\n",
            tgt = self.tgt
        );
        std::fs::write(self.repo.path().join(ENV_FILE), text).expect("write env file");
    }

    fn edit_config(&self, from: &str, to: &str) {
        let path = self.repo.path().join("launchgate.toml");
        let config = std::fs::read_to_string(&path).expect("config");
        assert!(config.contains(from), "{from}");
        std::fs::write(path, config.replace(from, to)).expect("write config");
    }

    fn check(&self, method: &str, tolerance: Option<&str>) -> CheckOutcome {
        check::run(&CheckOptions {
            root: self.repo.path().to_path_buf(),
            probe: true,
            method: Some(method.to_string()),
            tolerance: tolerance.map(str::to_string),
            ..Default::default()
        })
        .expect("check runs")
    }
}

fn only<'a>(outcome: &'a CheckOutcome, rule: &str) -> Vec<&'a Finding> {
    outcome.findings.iter().filter(|f| f.rule == rule).collect()
}

/// Everything a reporter could show, as one text (messages, help, subjects, facts' JSON).
fn everything_printed(outcome: &CheckOutcome) -> String {
    let mut text = String::new();
    for f in &outcome.findings {
        text.push_str(&format!(
            "{} {} {} {:?}\n",
            f.rule, f.message, f.subject, f.help
        ));
    }
    text.push_str(&serde_json::to_string(&outcome.facts.db).expect("db facts serialise"));
    text
}

fn probe_findings(outcome: &CheckOutcome) -> Vec<&Finding> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("db/") || f.rule.starts_with("migrations/"))
        .collect()
}

#[test]
fn equal_databases_give_no_finding_and_go_with_every_method() {
    let Some(r) = Rehearsal::new("equal") else {
        return;
    };
    for method in ["exact", "checksum", "fast"] {
        let outcome = r.check(method, None);
        assert!(
            probe_findings(&outcome).is_empty(),
            "{method}: {:#?}",
            outcome.findings
        );
        assert!(outcome.verdict.go, "{method}: {:#?}", outcome.findings);
        let db = outcome.facts.db.as_ref().expect("probe facts");
        assert_eq!(db.method, method);
        let credentials = db
            .tables
            .iter()
            .find(|t| t.qualified == "public.credentials")
            .expect("credentials probed");
        assert_eq!(
            (credentials.source_rows, credentials.target_rows),
            (Some(5000), Some(5000)),
            "{method}"
        );
        // include/exclude from launchgate.toml: the excluded table and the drizzle schema are not probed.
        assert!(db
            .tables
            .iter()
            .all(|t| t.qualified != "public.schema_notes" && !t.qualified.starts_with("drizzle.")));
        assert_eq!(
            db.tables.len(),
            6,
            "{:?}",
            db.tables.iter().map(|t| &t.qualified).collect::<Vec<_>>()
        );
    }
}

#[test]
fn one_row_fewer_on_the_target_fails_exact_at_tolerance_0_and_passes_at_1() {
    let Some(r) = Rehearsal::new("onefewer") else {
        return;
    };
    r.server
        .execute(&r.tgt, "DELETE FROM public.credentials WHERE id = 4321");

    let strict = r.check("exact", Some("0"));
    let found = only(&strict, "db/rowcount-mismatch");
    assert_eq!(found.len(), 1, "{:#?}", strict.findings);
    assert_eq!(found[0].subject, "public.credentials");
    assert!(
        found[0]
            .message
            .contains("source has 5000 rows, target 4999"),
        "{}",
        found[0].message
    );
    assert_eq!(
        (found[0].location.file.as_str(), found[0].location.line),
        (ENV_FILE, TGT_LINE)
    );
    assert!(!strict.verdict.go);

    let tolerant = r.check("exact", Some("1"));
    assert!(
        only(&tolerant, "db/rowcount-mismatch").is_empty(),
        "{:#?}",
        tolerant.findings
    );
    assert!(tolerant.verdict.go, "{:#?}", tolerant.findings);

    // A percentage is applied numerically too: 1 row of 5000 is 0.02%.
    assert!(only(&r.check("exact", Some("0.01%")), "db/rowcount-mismatch").len() == 1);
    assert!(only(&r.check("exact", Some("0.05%")), "db/rowcount-mismatch").is_empty());
}

#[test]
fn per_table_tolerance_from_config_applies_to_its_table_only() {
    let Some(r) = Rehearsal::new("pertable") else {
        return;
    };
    // 40 of 3000 audit events (1.3%) are within the table's 2%; one credential is not within 0.
    r.server.execute(
        &r.tgt,
        "DELETE FROM app.audit_events WHERE id > 2960; DELETE FROM public.credentials WHERE id = 7",
    );
    let outcome = r.check("exact", None);
    let found = only(&outcome, "db/rowcount-mismatch");
    assert_eq!(
        found.iter().map(|f| f.subject.as_str()).collect::<Vec<_>>(),
        vec!["public.credentials"],
        "{:#?}",
        outcome.findings
    );
    r.server
        .execute(&r.tgt, "DELETE FROM app.audit_events WHERE id > 2900");
    let outcome = r.check("exact", None);
    let audit = only(&outcome, "db/rowcount-mismatch")
        .into_iter()
        .find(|f| f.subject == "app.audit_events")
        .cloned();
    let audit = audit.expect("100 of 3000 (3.3%) is beyond the table's 2%");
    // The finding points at the database and relates the config line that set the tolerance.
    assert_eq!(audit.location.line, TGT_LINE);
    let related = audit.related.first().expect("tolerance location");
    assert_eq!(related.location.file, "launchgate.toml");
    let config = std::fs::read_to_string(r.repo.path().join("launchgate.toml")).expect("config");
    let line = config
        .lines()
        .nth(related.location.line as usize - 1)
        .expect("line");
    assert!(line.contains("tolerance = \"2%\""), "{line}");
}

#[test]
fn one_changed_row_with_equal_counts_is_caught_by_checksum_with_its_key_range_not_by_exact() {
    let Some(r) = Rehearsal::new("changed") else {
        return;
    };
    r.server.execute(
        &r.tgt,
        "UPDATE public.credentials SET status = 'revoked' WHERE id = 3777",
    );

    let exact = r.check("exact", None);
    assert!(probe_findings(&exact).is_empty(), "{:#?}", exact.findings);

    let outcome = r.check("checksum", None);
    let found = only(&outcome, "db/checksum-mismatch");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(found[0].subject, "public.credentials");
    assert_eq!(found[0].location.line, TGT_LINE);
    let db = outcome.facts.db.as_ref().expect("facts");
    let pair = db
        .tables
        .iter()
        .find(|t| t.qualified == "public.credentials")
        .expect("pair");
    let cmp = pair.checksum.as_ref().expect("compared");
    assert_eq!(cmp.key_column.as_deref(), Some("id"));
    assert_eq!(cmp.differing_range_count, 1, "{cmp:?}");
    let range = &cmp.differing_ranges[0];
    let (from, to) = (range.from.expect("from"), range.to.expect("to"));
    assert!(from <= 3777 && 3777 <= to, "{range:?}");
    // Bisection narrowed it from 500-row ranges to a small one.
    assert!(to - from < 64, "{range:?}");
    assert!(
        found[0].message.contains(&format!("id {from}..{to}")),
        "{}",
        found[0].message
    );
    // Every other table compared equal.
    assert!(db
        .tables
        .iter()
        .filter(|t| t.qualified != "public.credentials")
        .all(|t| t.checksum.as_ref().is_some_and(|c| c.equal)));
}

#[test]
fn checksum_names_uuid_key_ranges_and_compares_keyless_tables_whole() {
    let Some(r) = Rehearsal::new("uuidkey") else {
        return;
    };
    // One wallet session (uuid key) changed on the target.
    r.server.execute(&r.tgt, "UPDATE public.wallet_sessions SET holder = 'someone-else' WHERE id = md5('session7')::uuid");
    let changed = r
        .server
        .query_text(&r.tgt, "SELECT md5('session7')::uuid::text");
    let changed = changed[0][0].clone().expect("uuid");
    // A table without a primary key, one row changed.
    for db in [&r.src, &r.tgt] {
        r.server.execute(db, "CREATE TABLE app.rate_limits (route text, per_minute int); INSERT INTO app.rate_limits SELECT '/v1/route/' || i, 60 + i FROM generate_series(1, 50) i; ANALYZE app.rate_limits");
    }
    r.server.execute(
        &r.tgt,
        "UPDATE app.rate_limits SET per_minute = 1 WHERE route = '/v1/route/9'",
    );
    let outcome = r.check("checksum", None);
    let found = only(&outcome, "db/checksum-mismatch");
    let mut subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        vec!["app.rate_limits", "public.wallet_sessions"],
        "{:#?}",
        outcome.findings
    );
    let keyless = found
        .iter()
        .find(|f| f.subject == "app.rate_limits")
        .expect("keyless");
    assert!(
        keyless.message.contains("the whole table"),
        "{}",
        keyless.message
    );
    let db = outcome.facts.db.as_ref().expect("facts");
    let pair = db
        .tables
        .iter()
        .find(|t| t.qualified == "public.wallet_sessions")
        .expect("pair");
    let cmp = pair.checksum.as_ref().expect("compared");
    assert_eq!(
        (cmp.key_column.as_deref(), cmp.differing_range_count),
        (Some("id"), 1),
        "{cmp:?}"
    );
    let range = &cmp.differing_ranges[0];
    let (from, to) = (
        range.from_key.clone().expect("from"),
        range.to_key.clone().expect("to"),
    );
    assert!(from <= changed && changed <= to, "{changed} in {range:?}");
    assert!(
        range.source_rows <= 64 && range.source_rows == range.target_rows,
        "narrowed by bisection: {range:?}"
    );
    let sessions = found
        .iter()
        .find(|f| f.subject == "public.wallet_sessions")
        .expect("sessions");
    assert!(
        sessions.message.contains(&format!("id {from}..{to}")),
        "{}",
        sessions.message
    );
}

#[test]
fn a_missing_table_and_a_column_type_change_are_reported_at_the_target() {
    let Some(r) = Rehearsal::new("schema") else {
        return;
    };
    r.server.execute(
        &r.tgt,
        "DROP TABLE public.wallet_sessions; ALTER TABLE public.issuers ALTER COLUMN name TYPE varchar(40); \
         ALTER TABLE app.audit_events ALTER COLUMN amount DROP NOT NULL; ALTER TABLE app.audit_events ALTER COLUMN actor DROP NOT NULL",
    );
    let outcome = r.check("exact", None);
    let missing = only(&outcome, "db/table-missing");
    assert_eq!(missing.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(missing[0].subject, "public.wallet_sessions");
    assert_eq!(
        (missing[0].location.file.as_str(), missing[0].location.line),
        (ENV_FILE, TGT_LINE)
    );
    let drift = only(&outcome, "db/schema-drift");
    let mut subjects: Vec<&str> = drift.iter().map(|f| f.subject.as_str()).collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        vec!["app.audit_events", "public.issuers"],
        "{:#?}",
        outcome.findings
    );
    let issuers = drift
        .iter()
        .find(|f| f.subject == "public.issuers")
        .expect("issuers");
    assert!(
        issuers
            .message
            .contains("name is character varying(40), not character varying(200)"),
        "{}",
        issuers.message
    );
    let audit = drift
        .iter()
        .find(|f| f.subject == "app.audit_events")
        .expect("audit");
    assert!(
        audit.message.contains("actor is nullable, not NOT NULL"),
        "{}",
        audit.message
    );
    assert!(!outcome.verdict.go);
}

#[test]
fn a_missing_state_store_key_points_at_its_config_line() {
    let Some(r) = Rehearsal::new("statestore") else {
        return;
    };
    r.server.execute(
        &r.tgt,
        "DELETE FROM public.credverse_state_store WHERE key = 'registry:cursor'",
    );
    let outcome = r.check("fast", None);
    let found = only(&outcome, "db/state-store-key-missing");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(found[0].subject, "registry:cursor");
    assert_eq!(found[0].location.file, "launchgate.toml");
    let config = std::fs::read_to_string(r.repo.path().join("launchgate.toml")).expect("config");
    let line = config
        .lines()
        .nth(found[0].location.line as usize - 1)
        .expect("line");
    let span: String = line
        .chars()
        .skip(found[0].location.column as usize - 1)
        .take((found[0].location.end_column - found[0].location.column) as usize)
        .collect();
    assert_eq!(span, "\"registry:cursor\"");
    assert!(!outcome.verdict.go);
    // The state-store table dropped entirely is one finding at the table's config line.
    r.server
        .execute(&r.tgt, "DROP TABLE public.credverse_state_store");
    let outcome = r.check("fast", None);
    let found = only(&outcome, "db/state-store-key-missing");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert!(
        found[0].message.contains("does not exist"),
        "{}",
        found[0].message
    );
}

#[test]
fn fast_method_warns_when_statistics_are_missing() {
    let Some(r) = Rehearsal::new("stale") else {
        return;
    };
    // A fresh table that was never analysed, on both sides (as after a restore).
    for db in [&r.src, &r.tgt] {
        r.server.execute(db, "CREATE TABLE public.restored (id int PRIMARY KEY); INSERT INTO public.restored SELECT generate_series(1, 300)");
    }
    let outcome = r.check("fast", None);
    let found = only(&outcome, "db/stale-statistics");
    assert_eq!(found.len(), 2, "{:#?}", outcome.findings);
    assert!(
        found
            .iter()
            .all(|f| f.message.contains("public.restored (never analysed)")),
        "{:#?}",
        found
    );
    assert_eq!(
        found.iter().map(|f| f.location.line).collect::<Vec<_>>(),
        vec![SRC_LINE, TGT_LINE]
    );
    // exact counts do not rest on statistics.
    assert!(only(&r.check("exact", None), "db/stale-statistics").is_empty());
}

#[test]
fn target_migrations_are_read_and_compared_with_the_repository_history() {
    let Some(r) = Rehearsal::new("migrations") else {
        return;
    };
    let rows = drizzle_rows();
    // 0001 was edited after applying (recorded hash differs), 0002 never applied, and a
    // migration from someone's branch was applied that the repository lacks.
    r.server.execute(
        &r.tgt,
        &format!(
            "UPDATE drizzle.__drizzle_migrations SET hash = '{}' WHERE created_at = {};
             DELETE FROM drizzle.__drizzle_migrations WHERE created_at = {};
             INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('{}', 1739318400000);",
            "ab".repeat(32),
            rows[1].1,
            rows[2].1,
            "cd".repeat(32)
        ),
    );
    let outcome = r.check("exact", None);
    let db = outcome.facts.db.as_ref().expect("facts");
    let target = db.target.as_ref().expect("target");
    let table = target
        .migration_tables
        .iter()
        .find(|t| t.tool == "drizzle")
        .expect("drizzle table read");
    assert_eq!(
        (table.schema.as_str(), table.table.as_str()),
        ("drizzle", "__drizzle_migrations")
    );
    let recorded: Vec<(Option<String>, Option<i64>)> = table
        .rows
        .iter()
        .map(|r| (r.hash.clone(), r.created_at))
        .collect();
    assert_eq!(
        recorded,
        vec![
            (Some(rows[0].0.clone()), Some(rows[0].1)),
            (Some("ab".repeat(32)), Some(rows[1].1)),
            (Some("cd".repeat(32)), Some(1_739_318_400_000)),
        ]
    );
    // The repository side, from the migrations collector: the fixture's drizzle journal.
    let files: Vec<&str> = outcome
        .facts
        .migrations
        .services
        .iter()
        .flat_map(|s| s.histories.iter())
        .flat_map(|h| h.files.iter())
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(
        files,
        vec![
            "0000_initial_issuers",
            "0001_credentials",
            "0002_revocations"
        ]
    );
    let drift = only(&outcome, "migrations/checksum-drift");
    assert_eq!(drift.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(
        drift[0].location.file,
        "services/issuer/drizzle/0001_credentials.sql"
    );
    let unknown = only(&outcome, "migrations/applied-unknown");
    assert_eq!(unknown.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(unknown[0].location.line, TGT_LINE);
    let missing = only(&outcome, "migrations/not-applied");
    assert_eq!(missing.len(), 1, "{:#?}", outcome.findings);
    assert!(
        missing[0].message.contains("0002_revocations"),
        "{}",
        missing[0].message
    );
}

#[test]
fn a_wrong_port_fails_closed_within_the_connect_timeout() {
    let Some(r) = Rehearsal::new("wrongport") else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let src = format!(
        "postgres://{}:{}@127.0.0.1:{closed}/{}?sslmode=disable",
        pg::ADMIN_USER,
        pg::ADMIN_PASSWORD,
        r.src
    );
    r.write_env(&src, &r.server.url(&r.tgt));
    let started = Instant::now();
    let outcome = r.check("exact", None);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(
        (found[0].location.file.as_str(), found[0].location.line),
        (ENV_FILE, SRC_LINE)
    );
    assert!(found[0].message.contains("connect"), "{}", found[0].message);
    assert!(!outcome.verdict.go);
    assert!(!everything_printed(&outcome).contains(pg::ADMIN_PASSWORD));
}

#[test]
fn an_unroutable_host_times_out_at_the_configured_connect_timeout() {
    let Some(r) = Rehearsal::new("blackhole") else {
        return;
    };
    // A listener that accepts but never speaks: the TCP connect succeeds, the startup hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = silent.local_addr().expect("addr").port();
    r.edit_config("connect-timeout = \"5s\"", "connect-timeout = \"1500ms\"");
    r.write_env(
        &r.server.url(&r.src),
        &format!("postgres://u:Silent-Pa55@127.0.0.1:{port}/x?sslmode=disable"),
    );
    let started = Instant::now();
    let outcome = r.check("exact", None);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert!(
        found[0].message.contains("timeout (timeout 1500 ms)"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].location.line, TGT_LINE);
    drop(silent);
}

#[test]
fn a_wrong_password_fails_closed_and_no_output_contains_it() {
    let Some(r) = Rehearsal::new("wrongpw") else {
        return;
    };
    let wrong = "Wr0ng-S3cret-Value";
    r.write_env(
        &r.server.url(&r.src),
        &r.server
            .url_as(pg::ADMIN_USER, wrong, &r.tgt, "sslmode=disable"),
    );
    let outcome = r.check("exact", None);
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(found[0].location.line, TGT_LINE);
    assert!(found[0].message.contains("auth"), "{}", found[0].message);
    assert!(!outcome.verdict.go);
    let printed = everything_printed(&outcome);
    assert!(
        !printed.contains(wrong) && !printed.contains(pg::ADMIN_PASSWORD),
        "{printed}"
    );

    // The binary, in every format, never prints either password.
    for format in ["human", "json", "sarif", "github"] {
        let out = assert_cmd::Command::cargo_bin("launchgate")
            .expect("binary")
            .args(["check", "--probe", "--format", format])
            .arg(r.repo.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{format}: NO-GO exits 1");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("db/unreachable"), "{format}: {text}");
        assert!(
            !text.contains(wrong) && !text.contains(pg::ADMIN_PASSWORD),
            "{format} leaked a password: {text}"
        );
    }
}

#[test]
fn a_query_past_the_statement_timeout_fails_closed() {
    let Some(r) = Rehearsal::new("stmttimeout") else {
        return;
    };
    r.edit_config(
        "statement-timeout = \"20s\"",
        "statement-timeout = \"800ms\"",
    );
    // A migration holding an exclusive lock: count(*) on the target waits past the timeout.
    let _lock = r.server.hold_session(
        &r.tgt,
        "BEGIN; LOCK TABLE public.credentials IN ACCESS EXCLUSIVE MODE;",
    );
    let started = Instant::now();
    let outcome = r.check("exact", None);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(found[0].location.line, TGT_LINE);
    assert!(
        found[0].message.contains("statement_timeout (800 ms)")
            && found[0].message.contains("public.credentials"),
        "{}",
        found[0].message
    );
    assert!(!outcome.verdict.go);
    // The counts that did complete are still facts; the locked table has none.
    let db = outcome.facts.db.as_ref().expect("facts");
    let pair = db
        .tables
        .iter()
        .find(|t| t.qualified == "public.credentials")
        .expect("pair");
    assert_eq!(pair.target_rows, None);
    assert!(
        only(&outcome, "db/rowcount-mismatch").is_empty(),
        "an unknown count is unreachable, not a mismatch"
    );
}

#[test]
fn a_server_stopped_mid_probe_fails_closed() {
    if !pg::available() {
        return;
    }
    let own: &'static PgServer = Box::leak(Box::new(PgServer::start()));
    let Some(r) = Rehearsal::on(own, "stopped") else {
        return;
    };
    let holder = own.hold_session(
        &r.tgt,
        "BEGIN; LOCK TABLE app.audit_events IN ACCESS EXCLUSIVE MODE;",
    );
    let repo = r.repo.path().to_path_buf();
    let probe = std::thread::spawn(move || {
        let started = Instant::now();
        let outcome = check::run(&CheckOptions {
            root: repo,
            probe: true,
            method: Some("exact".into()),
            ..Default::default()
        })
        .expect("check");
        (outcome, started.elapsed())
    });
    // Wait until the probe is blocked on the lock, then stop the server as a crash would.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let waiting = own.query_text(&r.tgt, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'launchgate' AND wait_event_type = 'Lock'");
        if waiting.first().and_then(|row| row[0].as_deref()) != Some("0") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the probe never reached the locked table"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    own.stop();
    drop(holder);
    let (outcome, elapsed) = probe.join().expect("probe thread");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    let found = only(&outcome, "db/unreachable");
    assert!(!found.is_empty(), "{:#?}", outcome.findings);
    assert!(
        found
            .iter()
            .any(|f| f.location.line == TGT_LINE && f.message.contains("connection-lost")),
        "{:#?}",
        found
    );
    assert!(!outcome.verdict.go);
    assert!(!everything_printed(&outcome).contains(pg::ADMIN_PASSWORD));
}

#[test]
fn a_probe_never_writes_and_its_sessions_are_read_only() {
    let Some(r) = Rehearsal::new("readonly") else {
        return;
    };
    let fingerprint = |db: &str| {
        r.server.query_text(
            db,
            "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (
                SELECT c::text AS t FROM public.credentials c UNION ALL SELECT i::text FROM public.issuers i
                UNION ALL SELECT s::text FROM public.credverse_state_store s UNION ALL SELECT a::text FROM app.audit_events a
                UNION ALL SELECT w::text FROM public.wallet_sessions w UNION ALL SELECT m::text FROM drizzle.__drizzle_migrations m
             ) x",
        )
    };
    let xacts = |db: &str| {
        r.server.query_text(db, &format!("SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = '{db}'"))
    };
    let before = (fingerprint(&r.tgt), fingerprint(&r.src));
    std::thread::sleep(Duration::from_millis(1000)); // statistics are flushed asynchronously
    let writes_before = xacts(&r.tgt);
    for method in ["checksum", "exact", "fast"] {
        let outcome = r.check(method, None);
        let db = outcome.facts.db.as_ref().expect("facts");
        for side in [db.source.as_ref(), db.target.as_ref()] {
            let side = side.expect("side");
            assert_eq!(
                side.read_only,
                Some(true),
                "{method}: {:?} session is read-only",
                side.side
            );
            assert!(side.reachable, "{:?}", side.error);
        }
    }
    assert_eq!((fingerprint(&r.tgt), fingerprint(&r.src)), before);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        xacts(&r.tgt),
        writes_before,
        "no row was inserted, updated or deleted"
    );

    // A probe session refuses writes outright.
    let url = launchgate::probe::DatabaseUrl::parse(&r.server.url(&r.tgt)).expect("url");
    let limits = launchgate::probe::Limits {
        connect_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(5),
    };
    let endpoint = launchgate::probe::Endpoint::new(url, limits, r.repo.path()).expect("endpoint");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let err = rt.block_on(async {
        let session = endpoint.open(None).await.expect("session");
        session.batch("INSERT INTO public.credverse_state_store (key, value) VALUES ('probe:wrote', '{}')", None).await
    });
    let err = err.expect_err("a write inside the probe transaction fails");
    assert!(
        err.message.contains("read-only transaction"),
        "{}",
        err.message
    );
}

#[test]
fn tls_require_works_and_verify_full_with_the_wrong_root_fails_clearly() {
    if !pg::available() {
        return;
    }
    let tls: &'static PgServer = Box::leak(Box::new(PgServer::start_tls()));
    let Some(r) = Rehearsal::on(tls, "tls") else {
        return;
    };
    let files = tls.tls.as_ref().expect("tls files");
    let url = |query: &str| tls.url_as(pg::ADMIN_USER, pg::ADMIN_PASSWORD, &r.tgt, query);
    let src = tls.url_as(
        pg::ADMIN_USER,
        pg::ADMIN_PASSWORD,
        &r.src,
        "sslmode=require",
    );

    r.write_env(&src, &url("sslmode=require"));
    let outcome = r.check("exact", None);
    assert!(
        probe_findings(&outcome).is_empty(),
        "{:#?}",
        outcome.findings
    );
    let db = outcome.facts.db.as_ref().expect("facts");
    assert!(db.target.as_ref().is_some_and(|t| t.tls && t.reachable));
    assert!(db.source.as_ref().is_some_and(|t| t.tls && t.reachable));

    // verify-full and verify-ca with the CA that signed the certificate work.
    for mode in ["verify-full", "verify-ca"] {
        r.write_env(
            &src,
            &url(&format!(
                "sslmode={mode}&sslrootcert={}",
                files.ca_cert.display()
            )),
        );
        let outcome = r.check("exact", None);
        assert!(
            probe_findings(&outcome).is_empty(),
            "{mode}: {:#?}",
            outcome.findings
        );
    }
    // verify-full against `localhost` also checks the name (the certificate names it).
    r.write_env(
        &src,
        &url(&format!(
            "sslmode=verify-full&sslrootcert={}",
            files.ca_cert.display()
        ))
        .replace("127.0.0.1", "localhost"),
    );
    assert!(probe_findings(&r.check("exact", None)).is_empty());

    // The wrong root: a clear TLS failure, NO-GO.
    r.write_env(
        &src,
        &url(&format!(
            "sslmode=verify-full&sslrootcert={}",
            files.other_ca_cert.display()
        )),
    );
    let outcome = r.check("exact", None);
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert_eq!(found[0].location.line, TGT_LINE);
    assert!(
        found[0].message.contains(": tls: ")
            && found[0].message.contains("UnknownIssuer")
            && found[0]
                .message
                .contains("(sslmode=verify-full, sslrootcert="),
        "{}",
        found[0].message
    );
    assert!(!outcome.verdict.go);

    // A plain server refuses sslmode=require: also unreachable (never silently plain text).
    let plain = PgServer::shared();
    let plain_db = plain.create_database("tls_plain");
    r.write_env(
        &src,
        &plain.url_as(
            pg::ADMIN_USER,
            pg::ADMIN_PASSWORD,
            &plain_db,
            "sslmode=require",
        ),
    );
    let outcome = r.check("exact", None);
    assert!(
        only(&outcome, "db/unreachable")
            .iter()
            .any(|f| f.location.line == TGT_LINE && f.message.contains("tls")),
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn missing_or_unusable_urls_are_unreachable_not_silent() {
    let Some(r) = Rehearsal::new("badurl") else {
        return;
    };
    r.write_env(
        "mysql://root:Hunter2-Long@127.0.0.1/db",
        &format!("{}&sslmode=verify-sometimes", r.server.url(&r.tgt)),
    );
    let outcome = r.check("exact", None);
    let found = only(&outcome, "db/unreachable");
    assert_eq!(
        found.iter().map(|f| f.location.line).collect::<Vec<_>>(),
        vec![SRC_LINE, TGT_LINE],
        "{:#?}",
        outcome.findings
    );
    assert!(
        found[0].message.contains("config")
            && found[1].message.contains("sslmode=verify-sometimes"),
        "{:#?}",
        found
    );
    assert!(!everything_printed(&outcome).contains("Hunter2-Long"));
}

#[test]
fn progress_goes_to_a_terminal_stderr_only() {
    let Some(r) = Rehearsal::new("progress") else {
        return;
    };
    let bin = assert_cmd::cargo::cargo_bin("launchgate");
    // Not a terminal: silent.
    let out = std::process::Command::new(&bin)
        .args(["check", "--probe", "--method", "exact"])
        .arg(r.repo.path())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("launchgate: probed"));
    // A terminal (a pty from util-linux `script`): one line per table and side, with rows.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("util-linux `script` is absent: the terminal half of this test did not run");
        return;
    }
    let command = format!(
        "{} check --probe --method exact {}",
        bin.display(),
        r.repo.path().display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("launchgate: probed source public.credentials: 5000 rows"),
        "{text}"
    );
    assert!(
        text.contains("launchgate: probed target app.audit_events: 3000 rows"),
        "{text}"
    );
    assert!(!text.contains(pg::ADMIN_PASSWORD));
}

#[test]
fn prisma_migration_rows_are_read_and_rolled_back_ones_do_not_count() {
    let Some(r) = Rehearsal::new("prisma") else {
        return;
    };
    r.server.execute(
        &r.tgt,
        &format!(
            "CREATE TABLE public._prisma_migrations (
                id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
                migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
                started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
             INSERT INTO public._prisma_migrations VALUES
                ('6c1f0a52-0000-4000-8000-000000000001', '{}', '2025-01-14 09:31:02+00', '20250114093012_init', NULL, NULL, '2025-01-14 09:30:12+00', 1),
                ('6c1f0a52-0000-4000-8000-000000000002', '{}', NULL, '20250203161540_add_credential_status', 'syntax error', '2025-02-03 16:20:00+00', '2025-02-03 16:15:40+00', 0);",
            "e3".repeat(32),
            "f4".repeat(32)
        ),
    );
    let outcome = r.check("exact", None);
    let target = outcome
        .facts
        .db
        .as_ref()
        .and_then(|d| d.target.as_ref())
        .expect("target");
    let table = target
        .migration_tables
        .iter()
        .find(|t| t.tool == "prisma")
        .expect("prisma table read");
    assert_eq!(
        (table.schema.as_str(), table.table.as_str()),
        ("public", "_prisma_migrations")
    );
    let rows: Vec<(Option<&str>, Option<&str>, bool, bool)> = table
        .rows
        .iter()
        .map(|r| {
            (
                r.name.as_deref(),
                r.hash.as_deref(),
                r.finished,
                r.rolled_back,
            )
        })
        .collect();
    let (init_hash, failed_hash) = ("e3".repeat(32), "f4".repeat(32));
    assert_eq!(
        rows,
        vec![
            (
                Some("20250114093012_init"),
                Some(init_hash.as_str()),
                true,
                false
            ),
            (
                Some("20250203161540_add_credential_status"),
                Some(failed_hash.as_str()),
                false,
                true
            ),
        ]
    );
    // A bookkeeping table only the target has is not a parity problem.
    assert!(
        only(&outcome, "db/table-missing").is_empty()
            && only(&outcome, "db/rowcount-mismatch").is_empty()
    );
    // The fixture has no prisma history: the finished migration is unknown to the
    // repository; the rolled-back one is not applied at all.
    let unknown = only(&outcome, "migrations/applied-unknown");
    assert_eq!(
        unknown
            .iter()
            .map(|f| f.subject.as_str())
            .collect::<Vec<_>>(),
        vec!["20250114093012_init"],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn partitioned_tables_are_probed_through_their_parent_by_every_method() {
    let Some(r) = Rehearsal::new("partitioned") else {
        return;
    };
    for db in [&r.src, &r.tgt] {
        r.server.execute(
            db,
            "CREATE TABLE app.events_by_month (id bigint NOT NULL, month date NOT NULL, kind text NOT NULL, PRIMARY KEY (id, month)) PARTITION BY RANGE (month);
             CREATE TABLE app.events_2025_01 PARTITION OF app.events_by_month FOR VALUES FROM ('2025-01-01') TO ('2025-02-01');
             CREATE TABLE app.events_2025_02 PARTITION OF app.events_by_month FOR VALUES FROM ('2025-02-01') TO ('2025-03-01');
             INSERT INTO app.events_by_month SELECT i, date '2025-01-01' + (i % 59), 'kind-' || (i % 5) FROM generate_series(1, 600) i;",
        );
    }
    r.server
        .execute(&r.tgt, "DELETE FROM app.events_by_month WHERE id > 500");
    for db in [&r.src, &r.tgt] {
        r.server.execute(db, "ANALYZE");
    }
    for method in ["fast", "exact", "checksum"] {
        let outcome = r.check(method, None);
        let db = outcome.facts.db.as_ref().expect("facts");
        assert!(
            db.tables
                .iter()
                .all(|t| !t.qualified.starts_with("app.events_2025")),
            "partitions are counted through their parent"
        );
        let pair = db
            .tables
            .iter()
            .find(|t| t.qualified == "app.events_by_month")
            .expect("parent probed");
        assert_eq!(
            (pair.source_rows, pair.target_rows),
            (Some(600), Some(500)),
            "{method}"
        );
        let found = only(&outcome, "db/rowcount-mismatch");
        assert_eq!(
            found.iter().map(|f| f.subject.as_str()).collect::<Vec<_>>(),
            vec!["app.events_by_month"],
            "{method}: {:#?}",
            outcome.findings
        );
        assert!(
            only(&outcome, "db/stale-statistics").is_empty(),
            "{method}: {:#?}",
            outcome.findings
        );
    }
}

#[test]
fn without_server_binaries_db_tests_fail_saying_what_to_install_unless_skipped() {
    if std::env::var_os("LAUNCHGATE_PG_BIN").is_some() {
        return; // this test is the one setting it, for its child runs
    }
    let me = std::env::current_exe().expect("test binary");
    let run = |skip: bool| {
        let mut cmd = std::process::Command::new(&me);
        cmd.args([
            "--exact",
            "equal_databases_give_no_finding_and_go_with_every_method",
            "--test-threads",
            "1",
        ])
        .env("LAUNCHGATE_PG_BIN", "/nonexistent/postgresql/bin")
        .env_remove("LAUNCHGATE_SKIP_PG");
        if skip {
            cmd.env("LAUNCHGATE_SKIP_PG", "1");
        }
        cmd.output().expect("run the test binary")
    };
    let failed = run(false);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&failed.stdout),
        String::from_utf8_lossy(&failed.stderr)
    );
    assert!(!failed.status.success(), "{text}");
    assert!(text.contains("apt-get install postgresql"), "{text}");
    let skipped = run(true);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&skipped.stdout),
        String::from_utf8_lossy(&skipped.stderr)
    );
    assert!(skipped.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn urls_from_the_process_environment_are_probed_and_located_at_the_contract() {
    let Some(r) = Rehearsal::new("processenv") else {
        return;
    };
    // CI holds the URLs as secrets: no local env file, the process environment instead.
    std::fs::remove_file(r.repo.path().join(ENV_FILE)).expect("remove env file");
    r.server.execute(
        &r.tgt,
        "DELETE FROM public.wallet_sessions WHERE holder = 'holder-7'",
    );
    let out = assert_cmd::Command::cargo_bin("launchgate")
        .expect("binary")
        .args([
            "check",
            "--probe",
            "--process-env",
            "db-migration",
            "--format",
            "json",
        ])
        .arg(r.repo.path())
        .env("SRC_DB_URL", r.server.url(&r.src))
        .env("TGT_DB_URL", r.server.url(&r.tgt))
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(!text.contains(pg::ADMIN_PASSWORD), "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("json report");
    let findings = report["findings"].as_array().expect("findings");
    let mismatch: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "db/rowcount-mismatch")
        .collect();
    assert_eq!(mismatch.len(), 1, "{text}");
    assert_eq!(mismatch[0]["subject"], "public.wallet_sessions");
    // Located at the contract line that declares TGT_DB_URL.
    let contract = "scripts/db-migration/env/.env.db-migration.example";
    assert_eq!(mismatch[0]["location"]["file"], contract, "{text}");
    let line = mismatch[0]["location"]["line"].as_u64().expect("line") as usize;
    let source = std::fs::read_to_string(r.repo.path().join(contract)).expect("contract");
    assert!(source
        .lines()
        .nth(line - 1)
        .expect("line")
        .starts_with("TGT_DB_URL="));
}

/// launchgate's sessions on the databases `dbs`, from `pg_stat_activity`: (database, state,
/// wait event type).
fn launchgate_sessions(server: &PgServer, dbs: &[&str]) -> Vec<(String, String, String)> {
    let names: Vec<String> = dbs.iter().map(|d| format!("'{d}'")).collect();
    server
        .query_text(
            "postgres",
            &format!(
                "SELECT datname, coalesce(state, ''), coalesce(wait_event_type, '') \
                 FROM pg_stat_activity WHERE application_name = 'launchgate' AND datname IN ({})",
                names.join(", ")
            ),
        )
        .into_iter()
        .map(|row| {
            let col = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            (col(0), col(1), col(2))
        })
        .collect()
}

/// Wait (at most 15 s) until a launchgate session on `db` waits on a lock.
fn wait_until_blocked(server: &PgServer, db: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !launchgate_sessions(server, &[db])
        .iter()
        .any(|(_, state, wait)| state == "active" && wait == "Lock")
    {
        assert!(
            Instant::now() < deadline,
            "the probe never reached the locked table"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How long after now until `pred` holds of launchgate's sessions on `dbs`, polling for at
/// most `limit`; `Err` with the sessions last seen when it never did.
fn until_sessions(
    server: &PgServer,
    dbs: &[&str],
    limit: Duration,
    pred: impl Fn(&[(String, String, String)]) -> bool,
) -> Result<Duration, Vec<(String, String, String)>> {
    let started = Instant::now();
    loop {
        let sessions = launchgate_sessions(server, dbs);
        if pred(&sessions) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            return Err(sessions);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn none_active(sessions: &[(String, String, String)]) -> bool {
    sessions.iter().all(|(_, state, _)| state != "active")
}

/// A runbook with a link to a file that does not exist: a static finding that must survive
/// a probe that is stopped.
fn add_broken_runbook(r: &Rehearsal) {
    std::fs::write(
        r.repo.path().join("RUNBOOK.md"),
        "# Cutover\n\nRun [the verify stage](scripts/db-migration/verify-stage.sh).\n",
    )
    .expect("write runbook");
}

#[test]
fn the_overall_timeout_cancels_a_blocked_query_on_the_server() {
    if !pg::available() {
        return;
    }
    // Over TLS (verify-full): the cancel request uses the TLS settings the session used.
    let server: &'static PgServer = Box::leak(Box::new(PgServer::start_tls()));
    let Some(r) = Rehearsal::on(server, "cancel_timeout") else {
        return;
    };
    let ca = &server.tls.as_ref().expect("tls files").ca_cert;
    let url = |db: &str| {
        server.url_as(
            pg::ADMIN_USER,
            pg::ADMIN_PASSWORD,
            db,
            &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
        )
    };
    r.write_env(&url(&r.src), &url(&r.tgt));
    // Without a cancel the blocked count would run on, holding its snapshot, for two minutes.
    r.edit_config(
        "statement-timeout = \"20s\"",
        "statement-timeout = \"120s\"",
    );
    add_broken_runbook(&r);
    let lock = server.hold_session(
        &r.tgt,
        "BEGIN; LOCK TABLE public.credentials IN ACCESS EXCLUSIVE MODE;",
    );
    let started = Instant::now();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("launchgate"))
        .args(["check", "--probe", "--timeout", "5s", "--format", "json"])
        .arg(r.repo.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run launchgate");
    let ran = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "NO-GO:\n{stdout}");
    // The budget ended the run, and the cancel did not hold it up.
    assert!(
        ran >= Duration::from_secs(5) && ran < Duration::from_secs(9),
        "{ran:?}"
    );
    assert!(
        stdout.contains("INCOMPLETE: the database probe was stopped: the overall --timeout ran out before the probe finished; the query still running was cancelled on the server"),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let findings = json["findings"].as_array().expect("findings");
    let unreachable: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "db/unreachable")
        .collect();
    assert!(
        unreachable.iter().any(|f| f["location"]["line"] == TGT_LINE
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("cancelled on the server"))),
        "{unreachable:#?}"
    );
    // The source had answered everything: it is not blamed for the timeout.
    assert!(
        unreachable.iter().any(|f| f["location"]["line"] == SRC_LINE
            && f["message"].as_str().is_some_and(|m| m.contains(
                "stopped: not probed completely: this side had answered every query sent to it (and was not connecting)"
            ))),
        "{unreachable:#?}"
    );
    assert!(
        findings.iter().any(|f| f["rule"] == "docs/broken-link"),
        "the static findings are still reported: {findings:#?}"
    );
    assert!(!stdout.contains(pg::ADMIN_PASSWORD));
    // On the server: nothing of launchgate's is still running, although the lock is held.
    let dbs = [r.src.as_str(), r.tgt.as_str()];
    let quiet = until_sessions(server, &dbs, Duration::from_secs(5), none_active)
        .unwrap_or_else(|left| panic!("launchgate queries still active on the server: {left:?}"));
    let gone = until_sessions(server, &dbs, Duration::from_secs(10), |s| s.is_empty())
        .unwrap_or_else(|left| panic!("launchgate sessions left on the server: {left:?}"));
    eprintln!(
        "--timeout 5s: run ended after {:.2} s; no active launchgate query {:.2} s later, no session {:.2} s later",
        ran.as_secs_f64(),
        quiet.as_secs_f64(),
        gone.as_secs_f64()
    );
    drop(lock);
}

#[test]
fn ctrl_c_cancels_the_blocked_query_and_still_prints_what_was_found() {
    let Some(r) = Rehearsal::new("cancel_sigint") else {
        return;
    };
    r.edit_config(
        "statement-timeout = \"20s\"",
        "statement-timeout = \"120s\"",
    );
    add_broken_runbook(&r);
    let lock = r.server.hold_session(
        &r.tgt,
        "BEGIN; LOCK TABLE public.credentials IN ACCESS EXCLUSIVE MODE;",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("launchgate"))
        .args(["check", "--probe"])
        .arg(r.repo.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start launchgate");
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    wait_until_blocked(r.server, &r.tgt);
    let interrupted = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if interrupted.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("launchgate did not end within 30 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ended = interrupted.elapsed();
    let (stdout, stderr) = (
        stdout.join().expect("stdout"),
        stderr.join().expect("stderr"),
    );
    assert_eq!(status.code(), Some(1), "NO-GO:\n{stdout}\n{stderr}");
    assert!(ended < Duration::from_secs(4), "{ended:?}");
    // The blocked query, and on a busy machine the other database's query that had not
    // finished yet either: each one still running is cancelled and counted.
    let stopped = "INCOMPLETE: the database probe was stopped: interrupted (Ctrl-C) before the \
                   probe finished; the ";
    let cancelled = [
        "query still running was cancelled on the server",
        "2 queries still running were cancelled on the server",
    ];
    assert!(
        cancelled
            .iter()
            .any(|c| stdout.contains(&format!("{stopped}{c}"))),
        "{stdout}"
    );
    assert!(
        stdout.contains("docs/broken-link")
            && stdout.contains("scripts/db-migration/verify-stage.sh"),
        "the static finding is still printed: {stdout}"
    );
    assert!(
        stdout.contains("db/unreachable") && stdout.contains("NO-GO"),
        "{stdout}"
    );
    assert!(!stdout.contains(pg::ADMIN_PASSWORD) && !stderr.contains(pg::ADMIN_PASSWORD));
    let dbs = [r.src.as_str(), r.tgt.as_str()];
    let quiet = until_sessions(r.server, &dbs, Duration::from_secs(5), none_active)
        .unwrap_or_else(|left| panic!("launchgate queries still active on the server: {left:?}"));
    let gone = until_sessions(r.server, &dbs, Duration::from_secs(10), |s| s.is_empty())
        .unwrap_or_else(|left| panic!("launchgate sessions left on the server: {left:?}"));
    eprintln!(
        "Ctrl-C: launchgate exited {:.2} s after SIGINT; no active launchgate query {:.2} s later, no session {:.2} s later",
        ended.as_secs_f64(),
        quiet.as_secs_f64(),
        gone.as_secs_f64()
    );
    drop(lock);
}

/// Continues a postmaster stopped with SIGSTOP when dropped, even when the test fails.
struct Frozen<'s>(&'s PgServer);

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        self.0.signal_postmaster("CONT");
    }
}

#[test]
fn a_cancel_the_server_cannot_take_is_given_up_after_two_seconds_and_said_so() {
    if !pg::available() {
        return;
    }
    let server: &'static PgServer = Box::leak(Box::new(PgServer::start_tls()));
    let Some(r) = Rehearsal::on(server, "cancel_frozen") else {
        return;
    };
    let url = |db: &str| server.url_as(pg::ADMIN_USER, pg::ADMIN_PASSWORD, db, "sslmode=require");
    r.write_env(&url(&r.src), &url(&r.tgt));
    r.edit_config(
        "statement-timeout = \"20s\"",
        "statement-timeout = \"120s\"",
    );
    let lock = server.hold_session(
        &r.tgt,
        "BEGIN; LOCK TABLE public.credentials IN ACCESS EXCLUSIVE MODE;",
    );
    let started = Instant::now();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("launchgate"))
        .args(["check", "--probe", "--timeout", "6s", "--format", "json"])
        .arg(r.repo.path())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start launchgate");
    wait_until_blocked(server, &r.tgt);
    // The postmaster stops accepting connections: the cancel request's TLS handshake can
    // never complete, while the blocked query keeps running in its own backend.
    server.signal_postmaster("STOP");
    let frozen = Frozen(server);
    let out = child.wait_with_output().expect("launchgate ends");
    let ran = started.elapsed();
    drop(frozen);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "NO-GO:\n{stdout}");
    // 6 s of budget (room for the probe to reach the lock on a loaded machine, and for the
    // test to see it waiting there), then at most 2 s for the cancel.
    assert!(
        ran >= Duration::from_millis(7500) && ran < Duration::from_secs(11),
        "{ran:?}"
    );
    assert!(
        stdout.contains(
            "the overall --timeout ran out before the probe finished; the query still running \
             could not be cancelled on the server and ends at its statement_timeout"
        ),
        "{stdout}"
    );
    // The report is honest: the query is indeed still running.
    let sessions = launchgate_sessions(server, &[&r.tgt]);
    assert!(
        sessions
            .iter()
            .any(|(_, state, wait)| state == "active" && wait == "Lock"),
        "{sessions:?}"
    );
    eprintln!(
        "frozen postmaster: --timeout 6s run ended after {:.2} s",
        ran.as_secs_f64()
    );
    drop(lock);
}

/// A login role `name` (cluster-wide, made once per server) granted `grants` on both
/// databases of `r`.
fn reader_role(r: &Rehearsal, name: &str, grants: &str) -> String {
    r.server.execute(
        "postgres",
        &format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN \
             CREATE ROLE {name} LOGIN PASSWORD 'Read3r-Pa55'; END IF; END $$"
        ),
    );
    for db in [&r.src, &r.tgt] {
        r.server.execute(db, &grants.replace("{role}", name));
    }
    "Read3r-Pa55".to_string()
}

#[test]
fn a_role_that_cannot_bypass_rls_is_an_error_naming_the_tables_never_a_pass() {
    let Some(r) = Rehearsal::new("rlsread") else {
        return;
    };
    // Tenant isolation on credentials on both sides; 1,000 rows lost on the target.
    for db in [&r.src, &r.tgt] {
        r.server.execute(
            db,
            "ALTER TABLE public.credentials ENABLE ROW LEVEL SECURITY;
             CREATE POLICY tenant ON public.credentials USING (subject = current_user);",
        );
    }
    r.server
        .execute(&r.tgt, "DELETE FROM public.credentials WHERE id <= 1000");
    let password = reader_role(
        &r,
        "lg_rls_reader",
        "GRANT USAGE ON SCHEMA app, drizzle TO {role};
         GRANT SELECT ON ALL TABLES IN SCHEMA public, app, drizzle TO {role};",
    );
    r.write_env(
        &r.server
            .url_as("lg_rls_reader", &password, &r.src, "sslmode=disable"),
        &r.server
            .url_as("lg_rls_reader", &password, &r.tgt, "sslmode=disable"),
    );
    for method in ["exact", "checksum"] {
        let outcome = r.check(method, None);
        let found = only(&outcome, "db/table-unreadable");
        assert_eq!(found.len(), 2, "{method}: {:#?}", outcome.findings);
        for f in &found {
            assert!(
                f.message.contains("row-level security")
                    && f.message.contains("public.credentials"),
                "{}",
                f.message
            );
        }
        assert!(!outcome.verdict.go, "{method}");
        assert!(
            only(&outcome, "db/unreachable").is_empty(),
            "{method}: {:#?}",
            outcome.findings
        );
        let db = outcome.facts.db.as_ref().expect("facts");
        let pair = |name: &str| {
            db.tables
                .iter()
                .find(|t| t.qualified == name)
                .map(|t| (t.source_rows, t.target_rows))
        };
        // Never an empty count standing in for the hidden rows; the other tables are counted.
        assert_eq!(pair("public.credentials"), Some((None, None)), "{method}");
        assert_eq!(
            pair("public.issuers"),
            Some((Some(40), Some(40))),
            "{method}"
        );
    }
}

#[test]
fn an_unreadable_table_is_its_own_finding_and_the_rest_still_run() {
    let Some(r) = Rehearsal::new("unreadable") else {
        return;
    };
    r.server.execute(
        &r.tgt,
        "ALTER TABLE public.issuers ALTER COLUMN name TYPE varchar(40); \
         DELETE FROM public.credentials WHERE id = 77",
    );
    let password = reader_role(
        &r,
        "lg_partial_reader",
        "GRANT USAGE ON SCHEMA app, drizzle TO {role};
         GRANT SELECT ON ALL TABLES IN SCHEMA public, app, drizzle TO {role};
         REVOKE SELECT ON public.wallet_sessions FROM {role};",
    );
    r.write_env(
        &r.server
            .url_as("lg_partial_reader", &password, &r.src, "sslmode=disable"),
        &r.server
            .url_as("lg_partial_reader", &password, &r.tgt, "sslmode=disable"),
    );
    for method in ["exact", "checksum"] {
        let outcome = r.check(method, None);
        let found = only(&outcome, "db/table-unreadable");
        assert_eq!(found.len(), 2, "{method}: {:#?}", outcome.findings);
        assert!(
            found
                .iter()
                .all(|f| f.message.contains("public.wallet_sessions")
                    && f.message.contains("permission denied")),
            "{method}: {:#?}",
            found
        );
        assert!(
            only(&outcome, "db/unreachable").is_empty(),
            "{method}: {:#?}",
            outcome.findings
        );
        // The other findings are still there.
        assert_eq!(
            only(&outcome, "db/schema-drift").len(),
            1,
            "{method}: {:#?}",
            outcome.findings
        );
        let counts = only(&outcome, "db/rowcount-mismatch");
        assert_eq!(counts.len(), 1, "{method}: {:#?}", outcome.findings);
        assert_eq!(counts[0].subject, "public.credentials");
        // The changed column is left out of the contents: no differing ranges for issuers.
        assert!(
            only(&outcome, "db/checksum-mismatch")
                .iter()
                .all(|f| f.subject != "public.issuers"),
            "{method}: {:#?}",
            outcome.findings
        );
    }
}

#[test]
fn a_role_restricted_to_one_schema_probes_that_schema() {
    let Some(r) = Rehearsal::new("oneschema") else {
        return;
    };
    let password = reader_role(
        &r,
        "lg_public_reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};",
    );
    r.write_env(
        &r.server
            .url_as("lg_public_reader", &password, &r.src, "sslmode=disable"),
        &r.server
            .url_as("lg_public_reader", &password, &r.tgt, "sslmode=disable"),
    );
    r.edit_config(
        "schemas = [\"public\", \"app\", \"drizzle\"]",
        "schemas = [\"public\"]",
    );
    let outcome = r.check("exact", None);
    let db_findings: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("db/"))
        .collect();
    assert!(db_findings.is_empty(), "{:#?}", db_findings);
    let db = outcome.facts.db.as_ref().expect("facts");
    assert!(db.tables.iter().all(|t| t.qualified.starts_with("public.")));
    assert_eq!(db.tables.len(), 5, "{:#?}", db.tables);
}

#[test]
fn a_database_that_does_not_exist_is_a_connect_error_not_a_query_error() {
    let Some(r) = Rehearsal::new("nodb") else {
        return;
    };
    r.write_env(
        &r.server.url(&r.src),
        &r.server.url("no_such_database_here"),
    );
    let outcome = r.check("exact", None);
    let found = only(&outcome, "db/unreachable");
    assert_eq!(found.len(), 1, "{:#?}", outcome.findings);
    assert!(
        found[0].message.contains(": connect: ") && found[0].message.contains("does not exist"),
        "{}",
        found[0].message
    );
}

/// Grants and row-level security an application relies on, made on both databases.
fn app_role_and_policies(r: &Rehearsal) {
    r.server.execute(
        "postgres",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lg_app') THEN \
         CREATE ROLE lg_app NOLOGIN; END IF; END $$",
    );
    for db in [&r.src, &r.tgt] {
        r.server.execute(
            db,
            "GRANT USAGE ON SCHEMA app TO lg_app;
             GRANT SELECT, INSERT, UPDATE ON public.credentials, public.issuers TO lg_app;
             GRANT USAGE ON SEQUENCE public.credentials_id_seq TO lg_app;
             GRANT SELECT ON app.audit_events TO lg_app;
             ALTER TABLE app.audit_events ENABLE ROW LEVEL SECURITY;
             CREATE POLICY audit_own ON app.audit_events FOR SELECT TO lg_app
                 USING (actor = current_user);
             CREATE FUNCTION public.issuer_count() RETURNS bigint LANGUAGE sql
                 SECURITY DEFINER AS 'SELECT count(*) FROM public.issuers';",
        );
    }
}

fn subjects(outcome: &CheckOutcome, rule: &str) -> Vec<String> {
    let mut found: Vec<String> = only(outcome, rule)
        .iter()
        .map(|f| f.subject.clone())
        .collect();
    found.sort();
    found
}

#[test]
fn a_pg_dump_restore_copy_has_every_schema_object_and_passes() {
    let Some(r) = Rehearsal::new("objcopy") else {
        return;
    };
    app_role_and_policies(&r);
    // The target as a cutover makes it: dumped from the source and restored.
    let copy = r.server.copy_database(&r.src, "objcopy_restored");
    r.server.execute(&copy, "ANALYZE");
    r.write_env(&r.server.url(&r.src), &r.server.url(&copy));
    for method in ["exact", "checksum", "fast"] {
        let outcome = r.check(method, Some("0"));
        assert!(
            probe_findings(&outcome)
                .iter()
                .all(|f| f.rule.starts_with("migrations/")),
            "{method}: {:#?}",
            outcome.findings
        );
        let db = outcome.facts.db.as_ref().expect("facts");
        assert!(db.objects.is_empty(), "{method}: {:#?}", db.objects);
        assert_eq!(db.object_classes.len(), 12);
        let target = db.target.as_ref().expect("target");
        assert!(
            target
                .sequences
                .iter()
                .any(|s| s.sequence == "public.credentials_id_seq" && s.column_max == Some(5000)),
            "{:#?}",
            target.sequences
        );
    }
}

#[test]
fn every_planted_schema_object_difference_is_found_and_named() {
    let Some(r) = Rehearsal::new("objdiff") else {
        return;
    };
    app_role_and_policies(&r);
    // The sequence is behind on both sides: on the target that is an error regardless.
    for db in [&r.src, &r.tgt] {
        r.server
            .execute(db, "SELECT setval('public.credentials_id_seq', 4000)");
    }
    r.server.execute(
        &r.tgt,
        "ALTER SEQUENCE public.issuers_id_seq INCREMENT BY 2;
         REVOKE ALL ON public.credentials FROM lg_app;
         DROP POLICY audit_own ON app.audit_events;
         DROP EXTENSION pgcrypto CASCADE;
         ALTER TABLE public.issuers DROP CONSTRAINT issuers_did_key;
         DROP INDEX public.credentials_issuer_idx;
         ALTER TABLE public.credentials DROP CONSTRAINT credentials_issuer_id_fkey,
             DROP CONSTRAINT credentials_status_check;
         ALTER TABLE public.credentials ALTER COLUMN status DROP DEFAULT;
         DROP FUNCTION public.touch_updated_at() CASCADE;
         DROP VIEW public.active_credentials;
         ALTER TYPE app.audit_kind ADD VALUE 'export';
         ALTER FUNCTION public.issuer_count() OWNER TO lg_app;",
    );
    let outcome = r.check("exact", None);
    let expect = |rule: &str, want: &[&str]| {
        let got = subjects(&outcome, rule);
        assert_eq!(got, want, "{rule}: {:#?}", only(&outcome, rule));
        for f in only(&outcome, rule) {
            assert_eq!(
                (f.location.file.as_str(), f.location.line),
                (ENV_FILE, TGT_LINE)
            );
        }
    };
    expect("db/sequence-behind", &["public.credentials_id_seq"]);
    expect("db/sequence-mismatch", &["sequence:public.issuers_id_seq"]);
    expect(
        "db/grant-mismatch",
        &["grant:table public.credentials to lg_app"],
    );
    expect(
        "db/rls-mismatch",
        &["rls:policy audit_own on app.audit_events"],
    );
    expect("db/extension-mismatch", &["extension:pgcrypto"]);
    expect(
        "db/default-mismatch",
        &[
            "default:public.credentials.status",
            "default:public.issuer_api_keys.token",
        ],
    );
    expect(
        "db/constraint-mismatch",
        &[
            "constraint:credentials_issuer_id_fkey on public.credentials",
            "constraint:credentials_status_check on public.credentials",
            "constraint:issuers_did_key on public.issuers",
        ],
    );
    expect(
        "db/index-mismatch",
        &["index:credentials_issuer_idx on public.credentials"],
    );
    expect(
        "db/function-mismatch",
        &["function:public.touch_updated_at()"],
    );
    expect(
        "db/trigger-mismatch",
        &["trigger:credverse_state_store_touch on public.credverse_state_store"],
    );
    expect("db/view-mismatch", &["view:public.active_credentials"]);
    expect("db/type-mismatch", &["type:app.audit_kind"]);
    expect(
        "db/owner-mismatch",
        &["owner:SECURITY DEFINER function public.issuer_count()"],
    );
    let message = |rule: &str| only(&outcome, rule)[0].message.clone();
    assert!(
        message("db/sequence-behind").contains("would hand out 4001 next")
            && message("db/sequence-behind").contains("up to 5000"),
        "{}",
        message("db/sequence-behind")
    );
    assert!(
        message("db/type-mismatch").contains("'export'"),
        "{}",
        message("db/type-mismatch")
    );
    assert!(
        message("db/extension-mismatch").contains("missing on the target"),
        "{}",
        message("db/extension-mismatch")
    );
    assert!(!outcome.verdict.go);

    // Intended differences are left out by config; classes can be chosen.
    r.edit_config(
        "checksum-range-rows = 500",
        "checksum-range-rows = 500\nobjects = [\"view\", \"index\"]\nignore-objects = [\"index:credentials_issuer_idx *\"]",
    );
    let scoped = r.check("exact", None);
    assert_eq!(subjects(&scoped, "db/view-mismatch").len(), 1);
    assert!(subjects(&scoped, "db/index-mismatch").is_empty());
    assert!(subjects(&scoped, "db/constraint-mismatch").is_empty());
    assert!(subjects(&scoped, "db/sequence-behind").is_empty());
}

#[test]
fn evidence_written_by_the_probe_is_accepted_and_a_tampered_copy_rejected() {
    let Some(r) = Rehearsal::new("evidence") else {
        return;
    };
    let dir = r.repo.path().join("scripts/db-migration/artifacts/verify");
    let probed = check::run(&CheckOptions {
        root: r.repo.path().to_path_buf(),
        probe: true,
        method: Some("checksum".into()),
        evidence: Some(dir.clone()),
        ..Default::default()
    })
    .expect("check runs");
    assert!(probe_findings(&probed).is_empty(), "{:#?}", probed.findings);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("evidence written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let kinds: Vec<&str> = names
        .iter()
        .map(|n| n.split("-2").next().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "manifest",
            "method-diff-exact",
            "rowcount-diff",
            "src-method-exact",
            "src-rowcounts",
            "state-store-gate",
            "tgt-method-exact",
            "tgt-rowcounts",
            "tgt-state-store"
        ],
        "{names:?}"
    );
    let file = |prefix: &str| {
        let name = names
            .iter()
            .find(|n| n.starts_with(prefix))
            .expect("written");
        dir.join(name)
    };
    let tgt = std::fs::read_to_string(file("tgt-rowcounts")).expect("target counts");
    assert!(tgt.contains("public.credentials|5000\n"), "{tgt}");
    assert_eq!(
        std::fs::read_to_string(file("rowcount-diff")).expect("diff"),
        ""
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("manifest")).expect("manifest"))
            .expect("manifest is JSON");
    assert_eq!(manifest["method"], "checksum");
    assert_eq!(manifest["probe_complete"], true);
    assert_eq!(manifest["files"].as_object().map(|f| f.len()), Some(8));
    // Nothing secret in what was written.
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).expect("read");
        assert!(!text.contains(pg::ADMIN_PASSWORD) && !text.contains("127.0.0.1"));
    }

    // Read back by a later check without probes, in cutover mode: accepted as the
    // verification and the state-store gate.
    let later = |r: &Rehearsal| {
        check::run(&CheckOptions {
            root: r.repo.path().to_path_buf(),
            mode: launchgate::facts::Mode::Cutover,
            ..Default::default()
        })
        .expect("check runs")
    };
    let accepted = later(&r);
    for rule in [
        "evidence/incomplete-set",
        "evidence/rowcount-mismatch",
        "evidence/bad-name",
        "evidence/tampered",
        "cutover/verification-missing",
        "cutover/state-store-gate",
    ] {
        assert!(
            only(&accepted, rule).is_empty(),
            "{rule}: {:#?}",
            accepted.findings
        );
    }

    // Someone edits a target count after the fact: the manifest catches it.
    std::fs::write(
        file("tgt-rowcounts"),
        tgt.replace("public.credentials|5000", "public.credentials|5001"),
    )
    .expect("tamper");
    let tampered = later(&r);
    let found = only(&tampered, "evidence/tampered");
    assert_eq!(found.len(), 1, "{:#?}", tampered.findings);
    assert!(
        found[0]
            .message
            .contains("was changed after launchgate wrote it"),
        "{}",
        found[0].message
    );
    let verification = only(&tampered, "cutover/verification-missing");
    assert_eq!(verification.len(), 1, "{:#?}", tampered.findings);
    assert!(!tampered.verdict.go);
}

/// One side's facts for a policy test (no server).
fn side_facts(
    side: launchgate::facts::db::Side,
    line: u32,
) -> launchgate::facts::db::DatabaseProbe {
    launchgate::facts::db::DatabaseProbe {
        side,
        key: side.env_key().into(),
        url: String::new(),
        display: "db.internal:5432/app".into(),
        location: launchgate::facts::Location::on_line(ENV_FILE, line, 1, 11),
        reachable: true,
        error: None,
        server_version: None,
        tls: true,
        read_only: Some(true),
        connections: 1,
        tables: Vec::new(),
        migration_tables: Vec::new(),
        unreadable: Vec::new(),
        objects: Vec::new(),
        sequences: Vec::new(),
        elapsed_ms: 0,
    }
}

#[test]
fn fast_estimates_within_their_margin_warn_and_beyond_it_fail_at_tolerance_0() {
    use launchgate::facts::db::{ProbeReport, Side, TablePair};
    let root = manifest().join(FIXTURE);
    let config = launchgate::config::load(&root, None).expect("config loads");
    let mut facts = launchgate::collect::collect_static(&root, &config, Default::default()).facts;
    let pair = |name: &str, source: i64, target: i64| TablePair {
        qualified: name.into(),
        on_source: true,
        on_target: true,
        source_rows: Some(source),
        target_rows: Some(target),
        tolerance: "0".into(),
        tolerance_location: None,
        checksum: None,
    };
    facts.db = Some(ProbeReport {
        method: "fast".into(),
        tolerance: "0".into(),
        source: Some(side_facts(Side::Source, SRC_LINE)),
        target: Some(side_facts(Side::Target, TGT_LINE)),
        tables: vec![
            // Two restored copies of one 3-million-row table, as their estimates differ.
            pair("public.events", 3_000_000, 2_999_988),
            // 10,000 rows gone: far beyond what an estimate is off by.
            pair("public.users", 3_000_000, 2_990_000),
            // Below the ANALYZE sample, estimates are exact: one row is a mismatch.
            pair("public.plans", 1_000, 999),
        ],
        ..Default::default()
    });
    let findings = launchgate::policy::PolicySet::builtin(launchgate::policy::Limits::default())
        .evaluate(std::sync::Arc::new(facts));
    let mut mismatched: Vec<&str> = findings
        .iter()
        .filter(|f| f.rule == "db/rowcount-mismatch")
        .map(|f| f.subject.as_str())
        .collect();
    mismatched.sort_unstable();
    assert_eq!(mismatched, vec!["public.plans", "public.users"]);
    let warned: Vec<&launchgate::finding::Finding> = findings
        .iter()
        .filter(|f| f.rule == "db/stale-statistics")
        .collect();
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(
        warned[0]
            .message
            .contains("public.events: estimates differ by 12 rows")
            && warned[0].message.contains("--method exact"),
        "{}",
        warned[0].message
    );
}

#[test]
fn a_misspelt_schema_is_an_error_and_filters_matching_nothing_are_warnings_at_their_lines() {
    let Some(r) = Rehearsal::new("unmatched") else {
        return;
    };
    r.edit_config(
        "schemas = [\"public\", \"app\", \"drizzle\"]\nexclude = [\"public.schema_notes\", \"drizzle.*\"]\n",
        "schemas = [\"public\", \"app\", \"drizzle\", \"pubilc\"]\n\
         include = [\"public.*\", \"app.*\", \"app.audit_evnts\"]\n\
         exclude = [\"public.schema_notes\", \"drizzle.*\"]\n\
         ignore-objects = [\"index:credentials_issuer_idx *\", \"index:no_such_index *\"]\n",
    );
    let outcome = r.check("exact", None);
    let at = |f: &Finding| {
        format!(
            "{}:{}:{} {}",
            f.location.file, f.location.line, f.location.column, f.message
        )
    };
    let unknown: Vec<String> = only(&outcome, "db/unknown-schema")
        .into_iter()
        .map(at)
        .collect();
    assert_eq!(
        unknown,
        vec!["launchgate.toml:8:40 [probes] schemas names `pubilc`, which neither the source nor the target has: nothing in it was probed".to_string()],
        "{:#?}",
        outcome.findings
    );
    assert!(!outcome.verdict.go, "a misspelt schema fails closed");
    let filters: Vec<String> = only(&outcome, "db/unmatched-filter")
        .into_iter()
        .map(at)
        .collect();
    assert_eq!(
        filters,
        vec![
            "launchgate.toml:9:33 [probes] include entry `app.audit_evnts` matches no table of the probed schemas in either database: it selects nothing".to_string(),
            "launchgate.toml:11:53 [probes] ignore-objects entry `index:no_such_index *` matches no schema object in either database: it selects nothing".to_string(),
        ],
        "{:#?}",
        outcome.findings
    );
    for f in only(&outcome, "db/unmatched-filter") {
        assert_eq!(f.severity, launchgate::finding::Severity::Warning);
    }
    // The entries that matched are not reported, and the probe itself ran clean.
    assert!(
        only(&outcome, "db/unreachable").is_empty(),
        "{:#?}",
        outcome.findings
    );
    let db = outcome.facts.db.as_ref().expect("probed");
    assert_eq!(db.unmatched.len(), 3, "{:#?}", db.unmatched);
}
