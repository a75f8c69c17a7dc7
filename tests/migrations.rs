//! Migration histories end to end: real fixtures through `check::run` (collector + the
//! built-in `policies/migrations.rhai`), git state on real `git init` repositories, and the
//! built binary on the credity fixture.

mod common;
use common::{copy_tree, git};

use std::path::{Path, PathBuf};

use launchgate::check::{self, CheckOptions, CheckOutcome};
use launchgate::facts::migrations::{MigrationHistory, Service};
use launchgate::facts::GitState;
use launchgate::finding::Finding;
use sha2::{Digest, Sha256};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn run(root: &Path) -> CheckOutcome {
    let opts = CheckOptions {
        root: root.to_path_buf(),
        ..Default::default()
    };
    match check::run(&opts) {
        Ok(outcome) => outcome,
        Err(e) => panic!("check failed on {}: {e}", root.display()),
    }
}

fn migration_findings(outcome: &CheckOutcome) -> Vec<&Finding> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("migrations/"))
        .collect()
}

/// One line per finding, for assertion messages that show what did fire.
fn render(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{} {}",
                f.rule, f.location.file, f.location.line, f.location.column, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn service<'a>(outcome: &'a CheckOutcome, path: &str) -> &'a Service {
    let services = &outcome.facts.migrations.services;
    services.iter().find(|s| s.path == path).unwrap_or_else(|| {
        let known: Vec<_> = services.iter().map(|s| s.path.as_str()).collect();
        panic!("no service {path}; services: {known:?}")
    })
}

fn only_history(service: &Service) -> &MigrationHistory {
    assert_eq!(
        service.histories.len(),
        1,
        "{}: {:#?}",
        service.path,
        service.histories
    );
    &service.histories[0]
}

/// 1-based number of the first line of `file` (under `root`) containing `needle`.
fn line_of(root: &Path, file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {file}"));
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn sha256_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A copy of a fixture as the top of a fresh git repository (nothing committed yet).
fn git_repo_from(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture(name), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    dir
}

// ---------------------------------------------------------------------------------------
// The whole-repository fixtures

#[test]
fn credity_reports_the_seeds_two_missing_histories_at_the_lines_that_cause_them() {
    let root = fixture("credity");
    let outcome = run(&root);
    let findings = migration_findings(&outcome);
    assert_eq!(findings.len(), 2, "{}", render(&findings));

    let issuer = findings
        .iter()
        .find(|f| f.location.file == "CredVerseIssuer 3/drizzle.config.ts")
        .unwrap_or_else(|| panic!("no issuer finding:\n{}", render(&findings)));
    assert_eq!(issuer.rule, "migrations/history-missing");
    assert_eq!(
        issuer.location.line,
        line_of(
            &root,
            "CredVerseIssuer 3/drizzle.config.ts",
            r#"out: "./drizzle""#
        )
    );
    assert!(
        issuer.message.contains("CredVerseIssuer 3/drizzle/"),
        "{}",
        issuer.message
    );

    let recruiter = findings
        .iter()
        .find(|f| f.location.file == "CredVerseRecruiter/package.json")
        .unwrap_or_else(|| panic!("no recruiter finding:\n{}", render(&findings)));
    assert_eq!(recruiter.rule, "migrations/history-missing");
    assert_eq!(
        recruiter.location.line,
        line_of(&root, "CredVerseRecruiter/package.json", r#""pg":"#)
    );
    assert!(recruiter.message.contains("pg"), "{}", recruiter.message);
    assert!(!outcome.verdict.go);
}

#[test]
fn credity_services_come_from_the_workspaces_and_healthy_ones_stay_quiet() {
    let outcome = run(&fixture("credity"));
    let paths: Vec<&str> = outcome
        .facts
        .migrations
        .services
        .iter()
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            ".",
            "BlockWalletDigi",
            "CredVerseGateway",
            "CredVerseIssuer 3",
            "CredVerseRecruiter"
        ]
    );

    // No database dependency, no history expected, no finding.
    let gateway = service(&outcome, "CredVerseGateway");
    assert!(gateway.database_dependencies.is_empty() && gateway.histories.is_empty());

    // The wallet's drizzle history sits in a non-default out folder and is found there.
    let wallet = only_history(service(&outcome, "BlockWalletDigi"));
    assert_eq!(
        (
            wallet.tool.as_str(),
            wallet.dir.as_str(),
            wallet.dir_source.as_str()
        ),
        ("drizzle", "BlockWalletDigi/db/migrations", "config")
    );
    assert!(wallet.present);
    let ids: Vec<&str> = wallet.files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["0000_wallet_init", "0001_pinned_credentials"]);

    let findings = migration_findings(&outcome);
    assert!(
        findings
            .iter()
            .all(|f| !f.location.file.starts_with("CredVerseGateway/")
                && !f.location.file.starts_with("BlockWalletDigi/")),
        "{}",
        render(&findings)
    );
}

#[test]
fn clean_has_no_migration_findings_and_both_histories_are_present() {
    let outcome = run(&fixture("clean"));
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));

    let drizzle = only_history(service(&outcome, "services/issuer"));
    assert_eq!(
        (drizzle.tool.as_str(), drizzle.dir.as_str()),
        ("drizzle", "services/issuer/drizzle")
    );
    assert_eq!(drizzle.files.len(), 2);
    let prisma = only_history(service(&outcome, "services/wallet"));
    assert_eq!(
        (prisma.tool.as_str(), prisma.dir.as_str()),
        ("prisma", "services/wallet/prisma/migrations")
    );
    assert_eq!(
        prisma.lock_file.as_deref(),
        Some("services/wallet/prisma/migrations/migration_lock.toml")
    );
    assert_eq!(prisma.files.len(), 2);
}

// ---------------------------------------------------------------------------------------
// Facts the database probes join on

#[test]
fn drizzle_files_carry_tag_journal_millis_and_sha256_of_the_sql_text() {
    let root = fixture("clean");
    let outcome = run(&root);
    let history = only_history(service(&outcome, "services/issuer"));
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("services/issuer/drizzle/meta/_journal.json"))
            .expect("journal"),
    )
    .expect("fixture journal parses");
    for (file, entry) in history
        .files
        .iter()
        .zip(journal["entries"].as_array().expect("entries"))
    {
        assert_eq!(file.tool, "drizzle");
        assert_eq!(Some(file.id.as_str()), entry["tag"].as_str());
        assert_eq!(file.created_at, entry["when"].as_i64());
        assert_eq!(
            file.path,
            format!("services/issuer/drizzle/{}.sql", file.id)
        );
        assert_eq!(
            file.hash.as_deref(),
            Some(sha256_file(&root.join(&file.path)).as_str())
        );
        assert_eq!(file.hash_algorithm, "sha256");
        assert_eq!(file.location.file, file.path);
    }
}

#[test]
fn prisma_files_carry_folder_names_and_checksums_for_either_line_ending() {
    let root = fixture("migrations/tools");
    let outcome = run(&root);
    let history = only_history(service(&outcome, "services/accounts-prisma"));
    let ids: Vec<&str> = history.files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        ["20240611084512_init", "20240702131007_add_account_tier"]
    );

    // The second migration is checked out with CRLF line endings: prisma recorded the
    // checksum on whichever machine applied it, and accepts the LF form too.
    let crlf = &history.files[1];
    let bytes = std::fs::read(root.join(&crlf.path)).expect("migration.sql");
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "fixture must keep CRLF"
    );
    assert_eq!(
        crlf.hash.as_deref(),
        Some(sha256_file(&root.join(&crlf.path)).as_str())
    );
    let lf = String::from_utf8(bytes)
        .expect("utf-8")
        .replace("\r\n", "\n");
    let lf_hash: String = Sha256::digest(lf.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        crlf.hash_variants.contains(&lf_hash),
        "{:?}",
        crlf.hash_variants
    );
    assert!(history.files.iter().all(|f| f.created_at.is_none()));
}

// ---------------------------------------------------------------------------------------
// Every supported tool is found where it keeps its history

/// (service folder, tool, history folder, migration ids)
const TOOL_HISTORIES: &[(&str, &str, &str, &[&str])] = &[
    (
        "crates/archive-diesel",
        "diesel",
        "crates/archive-diesel/schema/migrations",
        &["2024-01-01-120000_create_archive"],
    ),
    (
        "crates/ledger-sqlx",
        "sqlx",
        "crates/ledger-sqlx/migrations",
        &["20240101120000_create_ledger"],
    ),
    (
        "go/payouts",
        "golang-migrate",
        "go/payouts/db/migrations",
        // golang-migrate records the version number; `.down.sql` files are not migrations.
        &["1"],
    ),
    (
        "python/risk",
        "alembic",
        "python/risk/alembic/versions",
        &["3f2a1c9b7d10"],
    ),
    (
        "services/accounts-prisma",
        "prisma",
        "services/accounts-prisma/prisma/migrations",
        &["20240611084512_init", "20240702131007_add_account_tier"],
    ),
    (
        "services/audit-sequelize",
        "sequelize",
        "services/audit-sequelize/database/migrations",
        &["20240301090000-create-audit-events"],
    ),
    (
        "services/billing api",
        "drizzle",
        "services/billing api/db/drizzle",
        &["0000_invoices"],
    ),
    (
        "services/catalog-drizzle-v1",
        "drizzle",
        "services/catalog-drizzle-v1/drizzle",
        &[
            "20250910081530_create_products",
            "20251002143012_product_sku_index",
        ],
    ),
    (
        "services/db",
        "drizzle",
        "services/db/drizzle",
        &["0000_sessions"],
    ),
    (
        "services/events-pgmigrate",
        "node-pg-migrate",
        "services/events-pgmigrate/migrations",
        &["1700000000000_create-outbox"],
    ),
    (
        "services/notifications-knex",
        "knex",
        "services/notifications-knex/db/migrations",
        &["20240105101500_create_notifications"],
    ),
    (
        "services/reports-sql",
        "sql",
        "services/reports-sql/migrations",
        &["001_daily_totals"],
    ),
    (
        "services/search-typeorm",
        "typeorm",
        "services/search-typeorm/src/migrations",
        &["1712345678901-CreateSearchIndex"],
    ),
    // goose records the version number (`goose_db_version.version_id`).
    (
        "go/ledger-goose",
        "goose",
        "go/ledger-goose/migrations",
        &["1", "2"],
    ),
    (
        "services/jobs-dbmate",
        "dbmate",
        "services/jobs-dbmate/db/migrations",
        &["20240415093000", "20240502110000"],
    ),
    (
        "go/inventory-atlas",
        "atlas",
        "go/inventory-atlas/db/migrations",
        &["20240301120000", "20240318094500"],
    ),
    // Flyway: versioned by version (`V1_1` is 1.1), then repeatables by script name.
    (
        "jvm/orders-flyway",
        "flyway",
        "jvm/orders-flyway/src/main/resources/db/migration",
        &["1", "1.1", "R__orders_summary_view.sql"],
    ),
    (
        "sql/billing-flyway",
        "flyway",
        "sql/billing-flyway/migrations",
        &["1", "2"],
    ),
    (
        "jvm/shipping-liquibase",
        "liquibase",
        "jvm/shipping-liquibase/src/main/resources/db/changelog",
        &[
            "001-create-shipments",
            "002-shipment-carrier",
            "db.changelog-master",
        ],
    ),
    (
        "ruby/storefront",
        "rails",
        "ruby/storefront/db/migrate",
        &["20240110101500", "20240204083000"],
    ),
    // Django records (app, name).
    (
        "python/helpdesk",
        "django",
        "python/helpdesk/tickets/migrations",
        &["tickets/0001_initial", "tickets/0002_ticket_status"],
    ),
    (
        "elixir/notifier",
        "ecto",
        "elixir/notifier/priv/repo/migrations",
        &["20240220140000"],
    ),
    // sqitch: plan order, the change names.
    (
        "sql/warehouse-sqitch",
        "sqitch",
        "sql/warehouse-sqitch/db",
        &["appschema", "stock"],
    ),
];

#[test]
fn every_supported_tool_history_is_found_with_no_false_history_missing() {
    let outcome = run(&fixture("migrations/tools"));
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
    for (path, tool, dir, ids) in TOOL_HISTORIES {
        let history = only_history(service(&outcome, path));
        assert_eq!(
            (history.tool.as_str(), history.dir.as_str()),
            (*tool, *dir),
            "{path}"
        );
        assert!(history.present, "{path}");
        let found: Vec<&str> = history.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(found, *ids, "{path}");
        assert!(
            history
                .files
                .iter()
                .all(|f| f.hash.is_some() && f.problem.is_none()),
            "{path}"
        );
    }
    let sqlx = only_history(service(&outcome, "crates/ledger-sqlx"));
    assert_eq!(sqlx.files[0].hash_algorithm, "sha384");
    assert_eq!(sqlx.files[0].hash.as_ref().map(String::len), Some(96));
}

#[test]
fn every_supported_tool_without_its_history_is_flagged_where_the_tool_is_declared() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture("migrations/tools"), dir.path());
    for (_, _, history_dir, _) in TOOL_HISTORIES {
        std::fs::remove_dir_all(dir.path().join(history_dir)).expect("remove history");
    }
    let outcome = run(dir.path());
    let findings = migration_findings(&outcome);
    assert!(
        findings
            .iter()
            .all(|f| f.rule == "migrations/history-missing"),
        "{}",
        render(&findings)
    );
    for (path, tool, _, _) in TOOL_HISTORIES {
        let finding = findings
            .iter()
            .find(|f| f.location.file.starts_with(&format!("{path}/")))
            .unwrap_or_else(|| panic!("{path} ({tool}) not flagged:\n{}", render(&findings)));
        assert!(finding.message.contains(path), "{}", finding.message);
    }
    // The service that uses the shared @platform/db package loses its history with it.
    let sessions = findings
        .iter()
        .find(|f| f.location.file == "services/sessions-api/package.json")
        .unwrap_or_else(|| panic!("sessions-api not flagged:\n{}", render(&findings)));
    assert!(sessions.message.contains("drizzle"), "{}", sessions.message);
    assert_eq!(
        findings.len(),
        TOOL_HISTORIES.len() + 1,
        "{}",
        render(&findings)
    );

    // Configured folders are reported at the config line that names them.
    let root = dir.path();
    let at = |file: &str| {
        findings
            .iter()
            .find(|f| f.location.file == file)
            .map(|f| f.location.line)
    };
    assert_eq!(
        at("services/billing api/drizzle.config.ts"),
        Some(line_of(
            root,
            "services/billing api/drizzle.config.ts",
            "out:"
        ))
    );
    assert_eq!(
        at("services/notifications-knex/knexfile.js"),
        Some(line_of(
            root,
            "services/notifications-knex/knexfile.js",
            "directory:"
        ))
    );
    assert_eq!(
        at("crates/archive-diesel/diesel.toml"),
        Some(line_of(root, "crates/archive-diesel/diesel.toml", "dir ="))
    );
    assert_eq!(
        at("python/risk/alembic.ini"),
        Some(line_of(root, "python/risk/alembic.ini", "script_location"))
    );
    assert_eq!(
        at("services/audit-sequelize/.sequelizerc"),
        Some(line_of(
            root,
            "services/audit-sequelize/.sequelizerc",
            "migrations-path"
        ))
    );
    // New tools: the config line that names the folder, else the dependency line.
    assert_eq!(
        at("go/inventory-atlas/atlas.hcl"),
        Some(line_of(root, "go/inventory-atlas/atlas.hcl", "dir ="))
    );
    assert_eq!(
        at("sql/billing-flyway/flyway.toml"),
        Some(line_of(root, "sql/billing-flyway/flyway.toml", "locations"))
    );
    assert_eq!(
        at("sql/warehouse-sqitch/sqitch.conf"),
        Some(line_of(root, "sql/warehouse-sqitch/sqitch.conf", "top_dir"))
    );
    for (manifest, needle) in [
        ("go/ledger-goose/go.mod", "pressly/goose"),
        ("services/jobs-dbmate/package.json", r#""dbmate""#),
        ("jvm/orders-flyway/pom.xml", "flyway-core"),
        ("jvm/shipping-liquibase/build.gradle", "liquibase-core"),
        ("ruby/storefront/Gemfile", r#"gem "rails""#),
        ("python/helpdesk/pyproject.toml", "Django"),
        ("elixir/notifier/mix.exs", ":ecto_sql"),
    ] {
        assert_eq!(
            at(manifest),
            Some(line_of(root, manifest, needle)),
            "{manifest}:\n{}",
            render(&findings)
        );
    }
    // A driver with no tool: the dependency line.
    assert_eq!(
        at("services/reports-sql/package.json"),
        Some(line_of(
            root,
            "services/reports-sql/package.json",
            r#""pg""#
        ))
    );
}

#[test]
fn a_service_using_a_shared_database_package_is_covered_by_its_history() {
    let outcome = run(&fixture("migrations/tools"));
    let api = service(&outcome, "services/sessions-api");
    let linked: Vec<(&str, &str)> = api
        .workspace_dependencies
        .iter()
        .map(|d| (d.name.as_str(), d.path.as_str()))
        .collect();
    assert_eq!(linked, [("@platform/db", "services/db")]);
    // Its own drizzle use (from drizzle-orm) has no folder; the shared package's has.
    let own = only_history(api);
    assert!(!own.present && own.config.is_none());
    assert!(only_history(service(&outcome, "services/db")).present);
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
}

#[test]
fn dev_only_dependencies_and_manifests_outside_the_workspaces_need_no_history() {
    let outcome = run(&fixture("migrations/tools"));
    let mailer = service(&outcome, "services/mailer");
    assert_eq!(mailer.database_dependencies.len(), 1);
    assert!(mailer.database_dependencies[0].dev);
    assert!(mailer.histories.is_empty());
    assert!(
        outcome
            .facts
            .migrations
            .services
            .iter()
            .all(|s| s.path != "examples/demo"),
        "examples/demo is not in the npm workspaces"
    );
    assert_eq!(outcome.facts.migrations.workspaces.len(), 1);
    // CLIs hoisted into the workspace root's devDependencies are not a use of the tool.
    let root = service(&outcome, ".");
    assert_eq!(
        root.database_dependencies.len(),
        2,
        "{:?}",
        root.database_dependencies
    );
    assert!(root.histories.is_empty(), "{:#?}", root.histories);
}

#[test]
fn tool_files_carry_what_each_tool_records_and_schema_dumps_are_seen() {
    let root = fixture("migrations/tools");
    let outcome = run(&root);
    let rails = only_history(service(&outcome, "ruby/storefront"));
    assert_eq!(
        rails.schema_file.as_deref(),
        Some("ruby/storefront/db/schema.rb")
    );
    let dbmate = only_history(service(&outcome, "services/jobs-dbmate"));
    assert_eq!(
        dbmate.schema_file.as_deref(),
        Some("services/jobs-dbmate/db/schema.sql")
    );
    // Flyway's checksum: CRC32 over the lines without their breaks, signed.
    let flyway = only_history(service(&outcome, "sql/billing-flyway"));
    let v1 = &flyway.files[0];
    assert_eq!(v1.hash_algorithm, "crc32");
    let text = std::fs::read_to_string(root.join(&v1.path)).expect("read V1");
    let joined: String = text.lines().collect();
    let expected = crc32fast::hash(joined.as_bytes()) as i32;
    assert_eq!(v1.hash.as_deref(), Some(expected.to_string().as_str()));
    // The same file with CRLF line endings has the same checksum.
    assert_eq!(
        launchgate::collect::migrations::flyway_checksum(&text.replace('\n', "\r\n")),
        expected
    );
    // sqitch: SHA-1 of the deploy script; the plan parsed with every change found.
    let sqitch = only_history(service(&outcome, "sql/warehouse-sqitch"));
    let plan = sqitch.integrity.as_ref().expect("plan");
    assert!(plan.present && plan.entries.iter().all(|e| e.file.is_some()));
    assert_eq!(sqitch.files[1].hash_algorithm, "sha1");
    assert_eq!(sqitch.files[1].hash.as_ref().map(String::len), Some(40));
    // Atlas: the committed atlas.sum agrees with the files.
    let atlas = only_history(service(&outcome, "go/inventory-atlas"));
    let sum = atlas.integrity.as_ref().expect("atlas.sum");
    assert_eq!(sum.recorded_sum, sum.computed_sum);
    assert!(sum
        .entries
        .iter()
        .all(|e| e.recorded == e.computed && e.recorded.is_some()));
}

#[test]
fn a_clickhouse_history_is_found_and_its_absence_is_not_a_finding() {
    let outcome = run(&fixture("migrations/tools"));
    let analytics = only_history(service(&outcome, "services/analytics-clickhouse"));
    assert_eq!(
        (analytics.tool.as_str(), analytics.dir.as_str()),
        (
            "clickhouse",
            "services/analytics-clickhouse/clickhouse/migrations"
        )
    );
    assert_eq!(analytics.files.len(), 2);

    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture("migrations/tools"), dir.path());
    std::fs::remove_dir_all(dir.path().join("services/analytics-clickhouse/clickhouse"))
        .expect("remove history");
    let outcome = run(dir.path());
    assert!(service(&outcome, "services/analytics-clickhouse")
        .histories
        .is_empty());
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
}

#[test]
fn a_tampered_atlas_directory_is_an_integrity_mismatch_at_its_sum_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture("migrations/tools"), dir.path());
    let folder = dir.path().join("go/inventory-atlas/db/migrations");
    let edited = folder.join("20240301120000_create_items.sql");
    let mut text = std::fs::read_to_string(&edited).expect("read");
    text.push_str("ALTER TABLE \"items\" ADD COLUMN \"note\" text;\n");
    std::fs::write(&edited, text).expect("edit");
    std::fs::write(folder.join("20240401000000_unhashed.sql"), "SELECT 1;\n").expect("add");
    let outcome = run(dir.path());
    let findings = migration_findings(&outcome);
    let sum_file = "go/inventory-atlas/db/migrations/atlas.sum";
    let changed: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.rule == "migrations/integrity-mismatch" && f.location.file == sum_file)
        .collect();
    // The edited file, and the one after it (Atlas chains the hashes).
    assert_eq!(changed.len(), 2, "{}", render(&findings));
    assert_eq!(
        changed[0].location.line,
        line_of(dir.path(), sum_file, "20240301120000_create_items.sql")
    );
    assert!(findings
        .iter()
        .any(|f| f.rule == "migrations/integrity-mismatch"
            && f.location.file.ends_with("20240401000000_unhashed.sql")));
    assert_eq!(findings.len(), 3, "{}", render(&findings));
}

#[test]
fn a_sqitch_plan_without_its_script_and_a_script_without_its_plan_entry_are_mismatches() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture("migrations/tools"), dir.path());
    let db = dir.path().join("sql/warehouse-sqitch/db");
    std::fs::remove_file(db.join("deploy/stock.sql")).expect("remove");
    std::fs::write(
        db.join("deploy/orders.sql"),
        "CREATE TABLE warehouse.orders ();\n",
    )
    .expect("add");
    let outcome = run(dir.path());
    let findings = migration_findings(&outcome);
    let plan = "sql/warehouse-sqitch/db/sqitch.plan";
    let missing = findings
        .iter()
        .find(|f| f.location.file == plan)
        .unwrap_or_else(|| panic!("{}", render(&findings)));
    assert_eq!(missing.rule, "migrations/integrity-mismatch");
    assert_eq!(missing.location.line, line_of(dir.path(), plan, "stock ["));
    assert!(
        missing.message.contains("deploy/stock.sql"),
        "{}",
        missing.message
    );
    assert!(findings
        .iter()
        .any(|f| f.location.file.ends_with("deploy/orders.sql")));
    assert_eq!(findings.len(), 2, "{}", render(&findings));
}

// ---------------------------------------------------------------------------------------
// Declarative workflows, custom runners and who owns a schema

#[test]
fn push_workflows_are_a_declarative_schema_warning_not_a_missing_history() {
    let root = fixture("migrations/declarative");
    let outcome = run(&root);
    let findings = migration_findings(&outcome);
    let found: Vec<(&str, &str, u32)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.location.file.as_str(), f.location.line))
        .collect();
    assert_eq!(
        found,
        [
            (
                "migrations/declarative-schema",
                "apps/feed-api/package.json",
                line_of(&root, "apps/feed-api/package.json", "db:push")
            ),
            (
                "migrations/declarative-schema",
                "apps/profiles/package.json",
                line_of(&root, "apps/profiles/package.json", "db:sync")
            ),
        ],
        "{}",
        render(&findings)
    );
    assert!(findings.iter().all(|f| f.severity.as_str() == "warning"));
    assert!(
        findings[1].message.contains("prisma db push"),
        "{}",
        findings[1].message
    );
    assert!(findings[1]
        .message
        .contains("apps/profiles/prisma/schema.prisma"));
}

#[test]
fn a_custom_runner_declared_in_the_config_is_a_history() {
    let root = fixture("migrations/custom-runner");
    let outcome = run(&root);
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
    let history = only_history(service(&outcome, "packages/database"));
    assert_eq!(history.tool, "custom");
    assert_eq!(history.location.file.as_str(), "launchgate.toml");
    let ids: Vec<&str> = history.files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "20240105093000-create-accounts",
            "20240212120000-create-entries"
        ]
    );

    // Without the declaration, a folder named like a history is still found (as plain
    // files used through the driver)...
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&root, dir.path());
    std::fs::remove_file(dir.path().join("launchgate.toml")).expect("remove config");
    let outcome = run(dir.path());
    let history = only_history(service(&outcome, "packages/database"));
    assert_eq!(
        (
            history.tool.as_str(),
            history.dir.as_str(),
            history.files.len()
        ),
        ("sql", "packages/database/migration", 2)
    );
    assert!(migration_findings(&outcome).is_empty());
    // ...but an "alterations" folder is not: the driver is flagged, and `init` proposes the
    // block that declares it.
    std::fs::rename(
        dir.path().join("packages/database/migration"),
        dir.path().join("packages/database/alterations"),
    )
    .expect("rename history");
    let outcome = run(dir.path());
    let findings = migration_findings(&outcome);
    assert_eq!(findings.len(), 1, "{}", render(&findings));
    assert_eq!(findings[0].rule, "migrations/history-missing");
    let written = launchgate::init::render(&outcome);
    assert!(
        written.contains("[[migrations]]\nservice = \"@ledgerly/database\"\npath = \"packages/database/alterations\"\npattern = \"*/migration.ts\""),
        "{written}"
    );
    // What init writes is a valid config that silences the finding.
    std::fs::write(dir.path().join("launchgate.toml"), &written).expect("write config");
    let outcome = run(dir.path());
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
}

#[test]
fn test_only_and_client_only_database_use_is_not_schema_ownership() {
    let root = fixture("migrations/ownership");
    let outcome = run(&root);
    let findings = migration_findings(&outcome);
    let found: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.location.file.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            // Replication evidence and DDL: unsure, a warning saying what was seen.
            ("migrations/owner-unsure", "services/cdc-sink/package.json"),
            // A plain driver user that creates its tables by hand: still an error.
            (
                "migrations/history-missing",
                "services/notifier/package.json"
            ),
        ],
        "{}",
        render(&findings)
    );
    let unsure = &findings[0];
    assert!(
        unsure.message.contains("pg-logical-replication"),
        "{}",
        unsure.message
    );
    assert!(
        unsure.message.contains("CREATE TABLE"),
        "{}",
        unsure.message
    );
    // The replication client, the SDK whose psycopg is a test extra, and the Go module whose
    // pgx only a _test.go file imports own no schema.
    assert_eq!(
        service(&outcome, "services/replicator")
            .schema_use
            .as_ref()
            .map(|u| u.kind.as_str()),
        Some("client-only")
    );
    assert!(service(&outcome, "python/sdk").database_dependencies[0].dev);
    let probe = service(&outcome, "go/probe");
    assert!(
        probe.database_dependencies[0].dev,
        "{:?}",
        probe.database_dependencies
    );
    // Templated manifests are skipped with a note, not reported unreadable.
    let template = service(&outcome, "templates/service");
    assert!(template.manifest_problem.is_none());
    assert!(
        template
            .manifest_skipped
            .as_deref()
            .is_some_and(|n| n.contains("template")),
        "{:?}",
        template.manifest_skipped
    );
    assert!(template.database_dependencies.is_empty());
}

// ---------------------------------------------------------------------------------------
// Git state: three outcomes on real repositories

#[test]
fn tracked_history_is_committed_history() {
    let repo = git_repo_from("clean");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "everything"]);
    let outcome = run(repo.path());
    assert!(
        outcome.facts.git.available,
        "{:?}",
        outcome.facts.git.reason
    );
    let findings = migration_findings(&outcome);
    assert!(findings.is_empty(), "{}", render(&findings));
    assert_eq!(
        only_history(service(&outcome, "services/issuer")).git,
        Some(GitState::Tracked)
    );
    assert_eq!(
        only_history(service(&outcome, "services/wallet")).git,
        Some(GitState::Tracked)
    );
}

#[test]
fn untracked_history_is_uncommitted() {
    let repo = git_repo_from("clean");
    git(
        repo.path(),
        &["add", "-A", "--", ".", ":!services/issuer/drizzle"],
    );
    git(
        repo.path(),
        &["commit", "-q", "-m", "all but the issuer's drizzle history"],
    );
    let outcome = run(repo.path());
    let findings = migration_findings(&outcome);
    assert_eq!(findings.len(), 1, "{}", render(&findings));
    let f = findings[0];
    assert_eq!(f.rule, "migrations/history-uncommitted");
    assert_eq!(f.location.file, "services/issuer/drizzle.config.ts");
    assert_eq!(
        f.location.line,
        line_of(repo.path(), "services/issuer/drizzle.config.ts", "out:")
    );
    assert!(
        f.message.contains("untracked") && f.message.contains("3 of 3"),
        "{}",
        f.message
    );
    assert_eq!(
        f.related[0].location.file,
        "services/issuer/drizzle/0000_issuer_baseline.sql"
    );
    assert_eq!(
        only_history(service(&outcome, "services/issuer")).git,
        Some(GitState::Untracked)
    );
}

#[test]
fn ignored_history_is_uncommitted_not_missing() {
    let repo = git_repo_from("clean");
    // The classic mistake: a service-level ignore rule that swallows the history.
    std::fs::write(
        repo.path().join("services/issuer/.gitignore"),
        "dist/\ndrizzle/\n",
    )
    .expect("write .gitignore");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "history ignored"]);
    let outcome = run(repo.path());
    let findings = migration_findings(&outcome);
    assert_eq!(findings.len(), 1, "{}", render(&findings));
    let f = findings[0];
    assert_eq!(f.rule, "migrations/history-uncommitted");
    assert!(
        f.message.contains("ignored by git") && f.message.contains("3 of 3"),
        "{}",
        f.message
    );
    let history = only_history(service(&outcome, "services/issuer"));
    assert!(history.present);
    assert_eq!(history.git, Some(GitState::Ignored));
    assert_eq!(
        history.ignored_on_disk.len(),
        3,
        "{:?}",
        history.ignored_on_disk
    );
    // The journal was still read from disk: the history is ignored, not broken.
    assert_eq!(history.journal.as_ref().map(|j| j.entries.len()), Some(2));
}

#[test]
fn a_blanket_sql_ignore_rule_hides_migrations_but_not_their_journal() {
    let repo = git_repo_from("clean");
    // `*.sql` in the root .gitignore: the journal and lock file are committed, the SQL not.
    let gitignore = repo.path().join(".gitignore");
    let mut rules = std::fs::read_to_string(&gitignore).expect("fixture .gitignore");
    rules.push_str("*.sql\n");
    std::fs::write(&gitignore, rules).expect("write .gitignore");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "sql ignored"]);
    let outcome = run(repo.path());
    let findings = migration_findings(&outcome);
    // No journal-mismatch: the SQL files exist (on disk), they are just not committed.
    let rendered = render(&findings);
    assert_eq!(findings.len(), 2, "{rendered}");
    assert!(
        findings
            .iter()
            .all(|f| f.rule == "migrations/history-uncommitted"),
        "{rendered}"
    );
    let drizzle = findings
        .iter()
        .find(|f| f.location.file == "services/issuer/drizzle.config.ts");
    assert!(
        drizzle.is_some_and(|f| f.message.contains("2 of 3")),
        "{rendered}"
    );
    let prisma = findings
        .iter()
        .find(|f| f.location.file == "services/wallet/prisma/schema.prisma");
    assert!(
        prisma.is_some_and(|f| f.message.contains("2 of 2")),
        "{rendered}"
    );
    let journal = only_history(service(&outcome, "services/issuer"))
        .journal
        .clone();
    assert_eq!(journal.and_then(|j| j.git), Some(GitState::Tracked));
}

#[test]
fn a_new_migration_left_untracked_is_named() {
    let repo = git_repo_from("clean");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "everything"]);
    let folder = repo
        .path()
        .join("services/wallet/prisma/migrations/20250301120000_wallet_labels");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("migration.sql"),
        "-- AlterTable\nALTER TABLE \"wallets\" ADD COLUMN \"label\" TEXT;\n",
    )
    .expect("write");
    let outcome = run(repo.path());
    let findings = migration_findings(&outcome);
    assert_eq!(findings.len(), 1, "{}", render(&findings));
    assert_eq!(findings[0].rule, "migrations/history-uncommitted");
    assert!(
        findings[0].message.contains("1 of 3"),
        "{}",
        findings[0].message
    );
    assert_eq!(
        findings[0].related[0].location.file,
        "services/wallet/prisma/migrations/20250301120000_wallet_labels/migration.sql"
    );
    // Points at the schema's datasource block, the committed file that declares the tool.
    assert_eq!(
        findings[0].location.file,
        "services/wallet/prisma/schema.prisma"
    );
}

#[test]
fn git_state_rules_do_not_apply_below_the_top_of_a_work_tree() {
    // fixtures/credity sits inside this repository: in place, nothing is "uncommitted".
    let outcome = run(&fixture("credity"));
    assert!(!outcome.facts.git.available);
    assert!(outcome
        .findings
        .iter()
        .all(|f| f.rule != "migrations/history-uncommitted"));
}

// ---------------------------------------------------------------------------------------
// Journal integrity: one fixture per defect, each producing exactly its finding

fn journal_findings(name: &str) -> (PathBuf, Vec<Finding>) {
    let root = fixture(&format!("migrations/{name}"));
    let outcome = run(&root);
    let findings = migration_findings(&outcome)
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    let refs: Vec<&Finding> = findings.iter().collect();
    assert!(
        findings
            .iter()
            .all(|f| f.rule == "migrations/journal-mismatch"),
        "{}",
        render(&refs)
    );
    assert_eq!(
        findings.len(),
        usize::from(name != "journal-ok"),
        "{name}:\n{}",
        render(&refs)
    );
    (root, findings)
}

const JOURNAL: &str = "drizzle/meta/_journal.json";

#[test]
fn a_consistent_journal_has_no_findings() {
    journal_findings("journal-ok");
}

#[test]
fn journal_entry_without_its_sql_file() {
    let (root, findings) = journal_findings("journal-missing-file");
    assert_eq!(findings[0].location.file, JOURNAL);
    assert_eq!(
        findings[0].location.line,
        line_of(&root, JOURNAL, r#""tag": "0001_ledger_entries""#)
    );
    assert!(
        findings[0]
            .message
            .contains("drizzle/0001_ledger_entries.sql does not exist"),
        "{}",
        findings[0].message
    );
}

#[test]
fn sql_file_outside_the_journal() {
    let (_, findings) = journal_findings("journal-orphan-file");
    assert_eq!(findings[0].location.file, "drizzle/0003_manual_hotfix.sql");
    assert!(
        findings[0].message.contains("never applies"),
        "{}",
        findings[0].message
    );
}

#[test]
fn gap_in_idx() {
    let (root, findings) = journal_findings("journal-idx-gap");
    assert_eq!(
        findings[0].location.line,
        line_of(&root, JOURNAL, r#""tag": "0002_posted_at_index""#)
    );
    assert!(
        findings[0].message.contains("idx 3 but is entry 2"),
        "{}",
        findings[0].message
    );
}

#[test]
fn when_going_backwards() {
    let (root, findings) = journal_findings("journal-when-decreasing");
    assert_eq!(
        findings[0].location.line,
        line_of(&root, JOURNAL, r#""tag": "0002_posted_at_index""#)
    );
    assert_eq!(
        findings[0].related[0].location.line,
        line_of(&root, JOURNAL, r#""tag": "0001_ledger_entries""#)
    );
    assert!(
        findings[0].message.contains("skips it"),
        "{}",
        findings[0].message
    );
}

#[test]
fn duplicate_tag() {
    let (root, findings) = journal_findings("journal-duplicate-tag");
    let text = std::fs::read_to_string(root.join(JOURNAL)).expect("journal");
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(r#""tag": "0001_ledger_entries""#))
        .nth(1)
        .map(|(i, _)| i + 1);
    assert_eq!(Some(findings[0].location.line as usize), second);
    assert!(
        findings[0].message.contains("appears twice"),
        "{}",
        findings[0].message
    );
}

#[test]
fn malformed_journal_is_a_finding_at_its_line_not_a_crash() {
    let (root, findings) = journal_findings("journal-malformed");
    // The comma is missing after the tag line; JSON fails on the key that follows it.
    assert_eq!(
        findings[0].location.line,
        line_of(&root, JOURNAL, r#""tag": "0001_ledger_entries""#) + 1
    );
    assert!(
        findings[0].message.contains("malformed JSON"),
        "{}",
        findings[0].message
    );
}

#[test]
fn sql_files_without_a_journal() {
    let (_, findings) = journal_findings("journal-absent");
    assert!(
        findings[0].message.contains("no meta/_journal.json"),
        "{}",
        findings[0].message
    );
}

// ---------------------------------------------------------------------------------------
// Bad input and the binary

#[test]
fn an_unparsable_manifest_and_a_binary_journal_are_each_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture("migrations/journal-ok"), dir.path());
    std::fs::write(
        dir.path().join("package.json"),
        "{ \"name\": \"ledger\", \"dependencies\": { \"pg\": ",
    )
    .expect("write");
    std::fs::write(dir.path().join(JOURNAL), b"\x00\x01binary").expect("write");
    let outcome = run(dir.path());
    let svc = service(&outcome, ".");
    assert!(
        svc.manifest_problem
            .as_deref()
            .is_some_and(|p| p.contains("not valid JSON")),
        "{:?}",
        svc.manifest_problem
    );
    let mut findings = migration_findings(&outcome);
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    assert_eq!(findings.len(), 2, "{}", render(&findings));
    assert_eq!(findings[0].rule, "migrations/journal-mismatch");
    assert!(
        findings[0].message.contains("binary"),
        "{}",
        findings[0].message
    );
    // The manifest that does not parse hid the service's dependencies: not a silent pass.
    assert_eq!(findings[1].rule, "migrations/unreadable");
    assert_eq!(findings[1].location.file, "package.json");
    assert!(
        findings[1].message.contains("not valid JSON")
            && findings[1].message.contains("were not checked"),
        "{}",
        findings[1].message
    );
}

#[test]
fn binary_reports_credity_migration_findings_as_github_annotations() {
    let out = assert_cmd::Command::cargo_bin("launchgate")
        .expect("binary builds")
        .args(["check", "--format", "github"])
        .arg(fixture("credity"))
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(1), "NO-GO exits 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let root = fixture("credity");
    let issuer_line = line_of(&root, "CredVerseIssuer 3/drizzle.config.ts", "out:");
    let recruiter_line = line_of(&root, "CredVerseRecruiter/package.json", r#""pg":"#);
    assert!(
        stdout.contains(&format!(
            "file=CredVerseIssuer 3/drizzle.config.ts,line={issuer_line},"
        )) && stdout.contains(&format!(
            "file=CredVerseRecruiter/package.json,line={recruiter_line},"
        )),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .filter(|l| l.contains("title=migrations/"))
            .count()
            == 2,
        "{stdout}"
    );
}

/// The configuration reference in the README is a valid `launchgate.toml`, and its
/// `[[migrations]]` entry is read as documented.
#[test]
fn the_readme_configuration_reference_parses_with_its_migrations_entry() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = &readme[readme
        .find("## Configuration")
        .expect("configuration section")..];
    let start = section.find("```toml\n").expect("toml block") + "```toml\n".len();
    let block = &section[start..start + section[start..].find("```").expect("block end")];
    let config: launchgate::config::Config = toml::from_str(block).expect("README config parses");
    let entry = config
        .migrations
        .first()
        .expect("[[migrations]] entry")
        .get_ref();
    assert_eq!(entry.service.as_deref(), Some("@acme/database"));
    assert_eq!(entry.path, "packages/database/migration");
    assert_eq!(
        entry.pattern.as_ref().map(|p| p.as_str()),
        Some("*/migration.ts")
    );
}
