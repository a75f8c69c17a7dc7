//! The probes' applied-vs-repository checks for every tool with a recorded-migrations table,
//! against real PostgreSQL servers (tests/support/pg.rs): the cutover fixture gives the
//! target's URL, one service of `fixtures/migrations/tools` gives the history, and each test
//! writes the tool's own bookkeeping table on the target the way the tool does.

mod common;
#[path = "support/pg.rs"]
mod pg;

use std::path::PathBuf;

use launchgate::check::{self, CheckOptions, CheckOutcome};
use launchgate::finding::Finding;
use pg::PgServer;

const ENV_FILE: &str = "scripts/db-migration/env/.env.db-migration.local";

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

use common::copy_tree as copy_dir;

/// A cutover repository holding one tool's service, and a target database.
struct Target {
    server: &'static PgServer,
    tgt: String,
    repo: tempfile::TempDir,
    service: &'static str,
}

impl Target {
    fn new(name: &str, service: &'static str) -> Option<Target> {
        if !pg::available() {
            return None;
        }
        let server = PgServer::shared();
        let src = server.create_database(&format!("{name}_src"));
        let tgt = server.create_database(&format!("{name}_tgt"));
        let repo = tempfile::tempdir().expect("temp repo");
        copy_dir(&manifest().join("fixtures/db/cutover"), repo.path());
        copy_dir(
            &manifest().join("fixtures/migrations/tools").join(service),
            &repo.path().join(service),
        );
        let text = format!(
            "SRC_DB_URL={}\nTGT_DB_URL={}\nDATABASE_URL_DIRECT={}\nREQUIRE_DATABASE=true\nMODE=run\nVERIFY_METHOD=fast\n",
            server.url(&src),
            server.url(&tgt),
            server.url(&tgt)
        );
        std::fs::write(repo.path().join(ENV_FILE), text).expect("write env file");
        // [probes] schemas bounds every lookup: list the tools' own bookkeeping schemas, as a
        // user of sqitch or Atlas would.
        let config = repo.path().join("launchgate.toml");
        let toml = std::fs::read_to_string(&config).expect("config");
        let toml = toml.replace(
            r#"schemas = ["public", "app", "drizzle"]"#,
            r#"schemas = ["public", "app", "drizzle", "sqitch", "atlas_schema_revisions"]"#,
        );
        std::fs::write(&config, toml).expect("write config");
        Some(Target {
            server,
            tgt,
            repo,
            service,
        })
    }

    fn execute(&self, sql: &str) {
        self.server.execute(&self.tgt, sql);
    }

    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.repo.path().join(self.service).join(rel)).expect("read")
    }

    fn check(&self) -> CheckOutcome {
        check::run(&CheckOptions {
            root: self.repo.path().to_path_buf(),
            probe: true,
            method: Some("fast".into()),
            ..Default::default()
        })
        .expect("check runs")
    }
}

/// (rule, subject) of the migrations findings about this tool: at its files, or naming its
/// table (the cutover fixture's own drizzle history is not this test's business).
fn findings(outcome: &CheckOutcome, service: &str, table: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = outcome
        .findings
        .iter()
        .filter(|f: &&Finding| f.rule.starts_with("migrations/"))
        .filter(|f| f.location.file.starts_with(service) || f.message.contains(table))
        .map(|f| (f.rule.clone(), f.subject.clone()))
        .collect();
    found.sort();
    found
}

fn pair(rule: &str, subject: &str) -> (String, String) {
    (rule.to_string(), subject.to_string())
}

#[test]
fn goose_versions_are_joined_and_the_latest_row_of_a_version_decides() {
    let Some(t) = Target::new("goose", "go/ledger-goose") else {
        return;
    };
    // goose's own starting row (version 0), version 1 applied, version 2 applied then rolled
    // back (a later row with is_applied = false), and a version 3 the repository lacks.
    t.execute(
        "CREATE TABLE public.goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL,
                                               is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());
         INSERT INTO public.goose_db_version (version_id, is_applied) VALUES
            (0, true), (1, true), (2, true), (2, false), (3, true);",
    );
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "goose_db_version"),
        [
            pair("migrations/applied-unknown", "3"),
            pair("migrations/not-applied", "2"),
        ],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn golang_migrate_dirty_state_is_an_error_and_a_later_version_is_unknown() {
    let Some(t) = Target::new("gomigrate", "go/payouts") else {
        return;
    };
    t.execute(
        "CREATE TABLE public.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
         INSERT INTO public.schema_migrations VALUES (1, true);",
    );
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "schema_migrations"),
        [
            pair("migrations/dirty", "golang-migrate:1"),
            pair("migrations/not-applied", "1"),
        ],
        "{:#?}",
        outcome.findings
    );
    t.execute("UPDATE public.schema_migrations SET version = 7, dirty = false");
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "schema_migrations"),
        [pair("migrations/applied-unknown", "7")],
        "{:#?}",
        outcome.findings
    );
    // At version 1, clean: nothing to say.
    t.execute("UPDATE public.schema_migrations SET version = 1");
    assert!(findings(&t.check(), t.service, "schema_migrations").is_empty());
}

#[test]
fn flyway_checksums_are_compared_and_repeatables_are_not() {
    let Some(t) = Target::new("flyway", "sql/billing-flyway") else {
        return;
    };
    let v1 = launchgate::collect::migrations::flyway_checksum(
        &t.file("migrations/V1__create_invoices.sql"),
    );
    t.execute(&format!(
        "CREATE TABLE public.flyway_schema_history (
            installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
            type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
            installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
            execution_time integer NOT NULL, success boolean NOT NULL);
         INSERT INTO public.flyway_schema_history VALUES
            (1, '1', 'create invoices', 'SQL', 'V1__create_invoices.sql', {v1}, 'flyway', now(), 12, true),
            (2, '2', 'invoice lines', 'SQL', 'V2__invoice_lines.sql', 123456, 'flyway', now(), 9, true),
            (3, NULL, 'reporting views', 'SQL', 'R__reporting_views.sql', 42, 'flyway', now(), 3, true),
            (4, '3', 'failed', 'SQL', 'V3__failed.sql', 7, 'flyway', now(), 3, false);"
    ));
    let outcome = t.check();
    // V2 was edited after it ran; the repeatable and the failed V3 the repository does not
    // have are rows the repository lacks (the failed one counts: Flyway recorded it).
    assert_eq!(
        findings(&outcome, t.service, "flyway_schema_history"),
        [
            pair("migrations/applied-unknown", "3"),
            pair("migrations/applied-unknown", "R__reporting_views.sql"),
            pair("migrations/checksum-drift", "2"),
        ],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn rails_schema_migrations_versions_are_joined() {
    let Some(t) = Target::new("rails", "ruby/storefront") else {
        return;
    };
    t.execute(
        "CREATE TABLE public.schema_migrations (version character varying NOT NULL PRIMARY KEY);
         CREATE TABLE public.ar_internal_metadata (key character varying PRIMARY KEY, value character varying);
         INSERT INTO public.schema_migrations VALUES ('20240110101500'), ('20231201000000');",
    );
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "schema_migrations"),
        [
            pair("migrations/applied-unknown", "20231201000000"),
            pair("migrations/not-applied", "20240204083000"),
        ],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn django_migrations_are_joined_by_app_and_name_and_django_s_own_apps_are_ignored() {
    let Some(t) = Target::new("django", "python/helpdesk") else {
        return;
    };
    t.execute(
        "CREATE TABLE public.django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL,
                                                name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
         INSERT INTO public.django_migrations (app, name) VALUES
            ('contenttypes', '0001_initial'), ('auth', '0001_initial'),
            ('tickets', '0001_initial'), ('tickets', '0003_ticket_priority');",
    );
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "django_migrations"),
        [
            pair("migrations/applied-unknown", "tickets/0003_ticket_priority"),
            pair("migrations/not-applied", "tickets/0002_ticket_status"),
        ],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn atlas_revisions_carry_the_sum_hash_and_an_edited_file_drifts() {
    let Some(t) = Target::new("atlas", "go/inventory-atlas") else {
        return;
    };
    let sum = t.file("db/migrations/atlas.sum");
    let hash_of = |name: &str| {
        sum.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} h1:")))
            .expect("sum entry")
            .to_string()
    };
    let first = hash_of("20240301120000_create_items.sql");
    t.execute(&format!(
        "CREATE SCHEMA atlas_schema_revisions;
         CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (
            version varchar PRIMARY KEY, description varchar NOT NULL, type bigint NOT NULL DEFAULT 2,
            applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0,
            executed_at timestamptz NOT NULL DEFAULT now(), execution_time bigint NOT NULL DEFAULT 0,
            error text, error_stmt text, hash varchar NOT NULL, partial_hashes jsonb,
            operator_version varchar NOT NULL DEFAULT 'Atlas CLI v0.24.0');
         INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
            ('20240301120000', 'create_items', 2, 2, '{first}'),
            ('20240318094500', 'add_warehouse', 1, 1, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');"
    ));
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "atlas_schema_revisions"),
        [pair("migrations/checksum-drift", "20240318094500")],
        "{:#?}",
        outcome.findings
    );
}

#[test]
fn sqitch_changes_are_joined_by_name_and_script_hash() {
    let Some(t) = Target::new("sqitch", "sql/warehouse-sqitch") else {
        return;
    };
    let appschema = launchgate::collect::migrations::sha1_hex(&t.file("db/deploy/appschema.sql"));
    t.execute(&format!(
        "CREATE SCHEMA sqitch;
         CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL,
                                      project text NOT NULL, note text NOT NULL DEFAULT '',
                                      committed_at timestamptz NOT NULL DEFAULT clock_timestamp());
         INSERT INTO sqitch.changes (change_id, script_hash, change, project) VALUES
            ('a1', '{appschema}', 'appschema', 'warehouse'),
            ('b2', '0000000000000000000000000000000000000000', 'stock', 'warehouse'),
            ('c3', NULL, 'legacy_views', 'warehouse');"
    ));
    let outcome = t.check();
    assert_eq!(
        findings(&outcome, t.service, "sqitch.changes"),
        [
            pair("migrations/applied-unknown", "legacy_views"),
            pair("migrations/checksum-drift", "stock"),
        ],
        "{:#?}",
        outcome.findings
    );
}
