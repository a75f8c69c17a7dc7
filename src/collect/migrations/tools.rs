//! The migration tools launchgate knows, one [`Tool`] row each: how a service shows it uses
//! the tool (a dependency or a config file), where the tool keeps its history (its default,
//! its conventional folders, the config key that moves it), how the history's files are laid
//! out and named, how the tool hashes them and how it records applied migrations in the
//! database. Adding a tool is adding a row here (and, when its layout or hash is new, one arm
//! in `files.rs`). This module holds data only: it reads nothing and judges nothing.

/// A package ecosystem, as a manifest declares dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecosystem {
    Npm,
    Cargo,
    /// Module path prefixes (`github.com/pressly/goose` matches `.../goose/v3`).
    Go,
    /// Distribution names, normalised (lowercase, `_` → `-`).
    Python,
    /// Gems (`Gemfile`).
    Ruby,
    /// Hex packages (`mix.exs`).
    Elixir,
    /// Maven/Gradle artifact ids (`pom.xml`, `build.gradle`).
    Jvm,
}

/// How a config file names the history folder.
#[derive(Debug, Clone, Copy)]
pub enum Setting {
    /// A key of a JavaScript/TypeScript (or JSON) config, evaluated as far as literals and
    /// `path.join` go; `default` is the folder beside the config when the key is absent.
    JsKey {
        key: &'static str,
        default: &'static str,
    },
    /// A line of an ini/toml-like config whose first non-empty capture (groups 1–3, one per
    /// quote style) is the folder; `then` is appended to it (alembic's `versions`).
    Line {
        pattern: &'static str,
        default: &'static str,
        then: Option<&'static str>,
    },
    /// Prisma: the history is `migrations/` beside the schema file holding the datasource.
    PrismaSchema,
    /// Flyway: `flyway.locations=filesystem:sql` (`flyway.conf`) or `locations =
    /// ["filesystem:sql"]` (`flyway.toml`); `classpath:` locations are under
    /// `src/main/resources`.
    FlywayLocations { default: &'static str },
    /// Sqitch: `top_dir` in `sqitch.conf`, else the config's folder; the plan is
    /// `sqitch.plan` and the scripts `deploy/<change>.sql` there.
    Sqitch,
    /// Liquibase: `changeLogFile` in `liquibase.properties`; the history is the master
    /// changelog's folder.
    LiquibaseChangelog { default: &'static str },
}

/// How a history folder's files make migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Every file with a migration extension under the folder, id = file stem.
    Files,
    /// One folder per migration holding this file; id = the folder name.
    FolderPer(&'static str),
    /// Drizzle: `meta/_journal.json` lists the SQL files (or drizzle-kit 1.x's folders).
    DrizzleJournal,
    /// Atlas: the folder's SQL files, checked against `atlas.sum`.
    AtlasSum,
    /// Sqitch: `sqitch.plan` lists changes; each is `deploy/<change>.sql`.
    SqitchPlan,
    /// Django: one history per app, `<app>/migrations/NNNN_name.py` anywhere in the service.
    DjangoApps,
}

/// How a migration's id (what the tool's table records) comes from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    /// The file stem (folder name for folder layouts).
    Stem,
    /// The leading version number, without leading zeros (`000001_x.up.sql` → `1`), as
    /// goose, golang-migrate, dbmate, Rails and Ecto record it.
    Version,
    /// Flyway: `V1_2__x.sql` → `1.2`; repeatable `R__x.sql` → its description.
    Flyway,
}

/// How the tool hashes a migration file (what its bookkeeping table records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    /// sqlx: sha384 of the SQL text.
    Sha384,
    /// Prisma: sha256 of `migration.sql`, accepting the other line endings.
    PrismaChecksum,
    /// Alembic: sha256, and the id is the script's `revision`.
    AlembicRevision,
    /// Flyway: CRC32 over the lines (line endings and a BOM excluded), as a signed 32-bit
    /// number, which is what `flyway_schema_history.checksum` holds.
    FlywayCrc32,
    /// Sqitch: SHA-1 of the deploy script (`sqitch.changes.script_hash`).
    Sha1,
}

/// One migration tool.
#[derive(Debug)]
pub struct Tool {
    /// The tool's name in facts (`MigrationHistory::tool`).
    pub name: &'static str,
    /// Dependencies that mean a service uses the tool.
    pub dependencies: &'static [(Ecosystem, &'static str)],
    /// Config file names that declare a use of the tool (one use per file).
    pub configs: &'static [&'static str],
    /// How those config files name the folder.
    pub setting: Option<Setting>,
    /// Folders (relative to the service) where the history lives by convention; the first
    /// is the default reported when none holds files.
    pub conventional_dirs: &'static [&'static str],
    pub layout: Layout,
    pub hash: Hash,
    /// How the tool records applied migrations in the database (documentation; the probes
    /// read the tables named in `src/probe/applied.rs`).
    pub records: Option<&'static str>,
    pub id: Id,
    /// Extensions of the tool's migration files.
    pub extensions: &'static [&'static str],
    /// A file name the tool's migrations match (a regex); others in the folder are not
    /// migrations (golang-migrate's `.down.sql`, Flyway's callbacks).
    pub file_pattern: Option<&'static str>,
    /// Text in a migration file that names the tool, so a history is recognised without a
    /// dependency (the goose and dbmate CLIs are installed as binaries).
    pub marker: Option<&'static str>,
    /// An environment variable in the service's `.env` that moves the folder.
    pub env_dir: Option<&'static str>,
    /// A history that is only recorded when found: a missing one is not a finding (ClickHouse
    /// clients mostly write to tables another service owns).
    pub optional: bool,
    /// The tool's schema dump files, relative to the service.
    pub schema_files: &'static [&'static str],
    /// Commands that apply the schema declaratively instead of from files.
    pub push_commands: &'static [&'static str],
}

const DEFAULT_DIRS: &[&str] = &["migrations", "db/migrations"];

const fn tool(name: &'static str) -> Tool {
    Tool {
        name,
        dependencies: &[],
        configs: &[],
        setting: None,
        conventional_dirs: DEFAULT_DIRS,
        layout: Layout::Files,
        hash: Hash::Sha256,
        records: None,
        id: Id::Stem,
        extensions: MIGRATION_EXTENSIONS,
        file_pattern: None,
        marker: None,
        env_dir: None,
        optional: false,
        schema_files: &[],
        push_commands: &[],
    }
}

/// Extensions of files that can be migrations (other files in a history folder, such as a
/// README, are not).
pub const MIGRATION_EXTENSIONS: &[&str] = &["sql", "js", "ts", "mjs", "cjs", "py", "go", "rs"];

use Ecosystem::{Cargo, Elixir, Go, Jvm, Npm, Python, Ruby};

/// Every known tool. Config-declared uses are found in this order.
pub const TOOLS: &[Tool] = &[
    Tool {
        dependencies: &[(Npm, "drizzle-orm"), (Npm, "drizzle-kit")],
        configs: &[
            "drizzle.config.ts",
            "drizzle.config.js",
            "drizzle.config.mjs",
            "drizzle.config.cjs",
            "drizzle.config.json",
        ],
        setting: Some(Setting::JsKey {
            key: "out",
            default: "drizzle",
        }),
        conventional_dirs: &["drizzle"],
        layout: Layout::DrizzleJournal,
        records: Some("drizzle.__drizzle_migrations (hash, created_at)"),
        push_commands: &["drizzle-kit push"],
        ..tool("drizzle")
    },
    Tool {
        dependencies: &[(Npm, "@prisma/client"), (Npm, "prisma")],
        configs: &[
            "prisma.config.ts",
            "prisma.config.mts",
            "prisma.config.js",
            "prisma.config.mjs",
            "prisma.config.cjs",
        ],
        setting: Some(Setting::PrismaSchema),
        conventional_dirs: &["prisma/migrations"],
        layout: Layout::FolderPer("migration.sql"),
        hash: Hash::PrismaChecksum,
        records: Some("_prisma_migrations (migration_name, checksum)"),
        push_commands: &["prisma db push"],
        ..tool("prisma")
    },
    Tool {
        dependencies: &[(Npm, "knex")],
        configs: &["knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs"],
        setting: Some(Setting::JsKey {
            key: "directory",
            default: "migrations",
        }),
        records: Some("knex_migrations (name)"),
        ..tool("knex")
    },
    Tool {
        dependencies: &[(Cargo, "diesel"), (Cargo, "diesel_migrations")],
        configs: &["diesel.toml"],
        setting: Some(Setting::Line {
            pattern: r#"(?m)^\s*dir\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`)"#,
            default: "migrations",
            then: None,
        }),
        layout: Layout::FolderPer("up.sql"),
        records: Some("__diesel_schema_migrations (version)"),
        ..tool("diesel")
    },
    Tool {
        dependencies: &[(Python, "alembic")],
        configs: &["alembic.ini"],
        setting: Some(Setting::Line {
            pattern: r"(?m)^\s*script_location\s*=\s*(?:%\(here\)s/)?()()([^\s;#]+)",
            default: "alembic",
            then: Some("versions"),
        }),
        conventional_dirs: &["alembic/versions", "migrations/versions"],
        hash: Hash::AlembicRevision,
        records: Some("alembic_version (version_num)"),
        ..tool("alembic")
    },
    Tool {
        dependencies: &[(Npm, "sequelize"), (Npm, "sequelize-cli")],
        configs: &[".sequelizerc"],
        setting: Some(Setting::JsKey {
            key: "migrations-path",
            default: "migrations",
        }),
        records: Some("SequelizeMeta (name)"),
        ..tool("sequelize")
    },
    Tool {
        dependencies: &[(Npm, "typeorm")],
        conventional_dirs: &[
            "src/migrations",
            "src/migration",
            "migrations",
            "src/database/migrations",
            "src/db/migrations",
        ],
        records: Some("migrations (timestamp, name)"),
        ..tool("typeorm")
    },
    Tool {
        dependencies: &[(Npm, "node-pg-migrate")],
        records: Some("pgmigrations (name)"),
        ..tool("node-pg-migrate")
    },
    Tool {
        dependencies: &[(Npm, "kysely")],
        conventional_dirs: &["migrations", "src/migrations", "src/db/migrations"],
        records: Some("kysely_migration (name)"),
        ..tool("kysely")
    },
    Tool {
        dependencies: &[(Npm, "@mikro-orm/core"), (Npm, "@mikro-orm/migrations")],
        conventional_dirs: &["migrations", "src/migrations", "src/db/migrations"],
        records: Some("mikro_orm_migrations (name)"),
        ..tool("mikro-orm")
    },
    Tool {
        dependencies: &[(Npm, "db-migrate")],
        records: Some("migrations (name)"),
        ..tool("db-migrate")
    },
    Tool {
        dependencies: &[(Cargo, "sqlx")],
        hash: Hash::Sha384,
        records: Some("_sqlx_migrations (version, checksum)"),
        ..tool("sqlx")
    },
    Tool {
        dependencies: &[(Cargo, "sea-orm"), (Cargo, "sea-orm-migration")],
        conventional_dirs: &["migration/src", "migrations"],
        records: Some("seaql_migrations (version)"),
        ..tool("sea-orm")
    },
    Tool {
        dependencies: &[(Cargo, "refinery")],
        conventional_dirs: &["migrations", "src/migrations"],
        records: Some("refinery_schema_history (version, checksum)"),
        ..tool("refinery")
    },
    Tool {
        dependencies: &[(Go, "github.com/golang-migrate/migrate")],
        records: Some("schema_migrations (version, dirty)"),
        id: Id::Version,
        file_pattern: Some(r"^[0-9]+_.*\.up\.[a-z]+$"),
        ..tool("golang-migrate")
    },
    Tool {
        dependencies: &[(Go, "github.com/pressly/goose")],
        records: Some("goose_db_version (version_id, is_applied)"),
        id: Id::Version,
        extensions: &["sql", "go"],
        file_pattern: Some(r"^[0-9]+_[^.]*\.(sql|go)$"),
        marker: Some("-- +goose Up"),
        env_dir: Some("GOOSE_MIGRATION_DIR"),
        ..tool("goose")
    },
    Tool {
        dependencies: &[(Npm, "dbmate"), (Go, "github.com/amacneil/dbmate")],
        conventional_dirs: &["db/migrations"],
        records: Some("schema_migrations (version)"),
        id: Id::Version,
        extensions: &["sql"],
        file_pattern: Some(r"^[0-9]+_.*\.sql$"),
        marker: Some("-- migrate:up"),
        env_dir: Some("DBMATE_MIGRATIONS_DIR"),
        schema_files: &["db/schema.sql"],
        ..tool("dbmate")
    },
    Tool {
        dependencies: &[(Go, "ariga.io/atlas")],
        configs: &["atlas.hcl"],
        setting: Some(Setting::Line {
            pattern: r#"(?m)^\s*dir\s*=\s*"file://([^"?\n]*)"()()"#,
            default: "migrations",
            then: None,
        }),
        layout: Layout::AtlasSum,
        records: Some("atlas_schema_revisions (version, hash)"),
        id: Id::Version,
        extensions: &["sql"],
        ..tool("atlas")
    },
    Tool {
        dependencies: &[
            (Jvm, "flyway-core"),
            (Jvm, "flyway-database-postgresql"),
            (Jvm, "flyway-gradle-plugin"),
            (Jvm, "flyway-maven-plugin"),
        ],
        configs: &["flyway.conf", "flyway.toml"],
        setting: Some(Setting::FlywayLocations { default: "sql" }),
        conventional_dirs: &["src/main/resources/db/migration", "db/migration", "sql"],
        hash: Hash::FlywayCrc32,
        records: Some("flyway_schema_history (version, script, checksum, success)"),
        id: Id::Flyway,
        extensions: &["sql"],
        file_pattern: Some(r"^[VR][0-9._]*__.+\.sql$"),
        ..tool("flyway")
    },
    Tool {
        dependencies: &[(Jvm, "liquibase-core"), (Jvm, "liquibase-maven-plugin")],
        configs: &["liquibase.properties"],
        setting: Some(Setting::LiquibaseChangelog {
            default: "src/main/resources/db/changelog",
        }),
        conventional_dirs: &[
            "src/main/resources/db/changelog",
            "db/changelog",
            "changelog",
        ],
        records: Some("databasechangelog (id, author, filename, md5sum)"),
        extensions: &["xml", "yaml", "yml", "json", "sql"],
        ..tool("liquibase")
    },
    Tool {
        dependencies: &[(Ruby, "rails"), (Ruby, "activerecord")],
        conventional_dirs: &["db/migrate"],
        records: Some("schema_migrations (version)"),
        id: Id::Version,
        extensions: &["rb"],
        file_pattern: Some(r"^[0-9]+_.*\.rb$"),
        schema_files: &["db/schema.rb", "db/structure.sql"],
        ..tool("rails")
    },
    Tool {
        dependencies: &[(Python, "django")],
        layout: Layout::DjangoApps,
        records: Some("django_migrations (app, name)"),
        extensions: &["py"],
        file_pattern: Some(r"^[0-9]{4}_.*\.py$"),
        ..tool("django")
    },
    Tool {
        dependencies: &[(Elixir, "ecto_sql")],
        conventional_dirs: &["priv/repo/migrations"],
        records: Some("schema_migrations (version)"),
        id: Id::Version,
        extensions: &["exs"],
        file_pattern: Some(r"^[0-9]+_.*\.exs$"),
        ..tool("ecto")
    },
    Tool {
        configs: &["sqitch.conf", "sqitch.plan"],
        setting: Some(Setting::Sqitch),
        layout: Layout::SqitchPlan,
        hash: Hash::Sha1,
        records: Some("sqitch.changes (change, script_hash)"),
        extensions: &["sql"],
        ..tool("sqitch")
    },
    Tool {
        dependencies: &[
            (Npm, "@clickhouse/client"),
            (Npm, "clickhouse"),
            (Go, "github.com/ClickHouse/clickhouse-go"),
            (Python, "clickhouse-connect"),
            (Python, "clickhouse-driver"),
        ],
        conventional_dirs: &[
            "clickhouse/migrations",
            "migrations/clickhouse",
            "db/clickhouse",
            "clickhouse",
            "db/clickhouse/migrations",
        ],
        extensions: &["sql"],
        optional: true,
        ..tool("clickhouse")
    },
    // A history declared in `launchgate.toml` (`[[migrations]]`), run by the project's own
    // runner: files are what its `pattern` matches.
    tool("custom"),
    // A plain migrations folder used through a bare driver (last: the fallback row).
    tool("sql"),
];

/// Database drivers: they talk to a database and keep no history.
pub const DRIVERS: &[(Ecosystem, &str)] = &[
    (Npm, "pg"),
    (Npm, "postgres"),
    (Npm, "pg-promise"),
    (Npm, "slonik"),
    (Npm, "@neondatabase/serverless"),
    (Npm, "@vercel/postgres"),
    (Npm, "@planetscale/database"),
    (Npm, "@libsql/client"),
    (Npm, "mysql"),
    (Npm, "mysql2"),
    (Npm, "better-sqlite3"),
    (Npm, "sqlite3"),
    (Npm, "mssql"),
    (Npm, "oracledb"),
    (Cargo, "tokio-postgres"),
    (Cargo, "postgres"),
    (Cargo, "deadpool-postgres"),
    (Cargo, "bb8-postgres"),
    (Cargo, "mysql_async"),
    (Cargo, "rusqlite"),
    (Go, "github.com/jackc/pgx"),
    (Go, "github.com/lib/pq"),
    (Go, "github.com/go-sql-driver/mysql"),
    (Go, "github.com/mattn/go-sqlite3"),
    (Go, "github.com/jmoiron/sqlx"),
    (Go, "gorm.io/gorm"),
    (Go, "github.com/uptrace/bun"),
    (Go, "entgo.io/ent"),
    (Python, "psycopg"),
    (Python, "psycopg2"),
    (Python, "psycopg2-binary"),
    (Python, "asyncpg"),
    (Python, "sqlalchemy"),
    (Python, "sqlmodel"),
    (Python, "pymysql"),
    (Python, "mysqlclient"),
    (Python, "peewee"),
    (Ruby, "pg"),
    (Ruby, "mysql2"),
    (Ruby, "sqlite3"),
    (Ruby, "sequel"),
    (Elixir, "postgrex"),
    (Elixir, "myxql"),
    (Jvm, "postgresql"),
    (Jvm, "mysql-connector-j"),
    (Jvm, "mysql-connector-java"),
];

/// Dependencies that show a service connects as a client only (a logical-replication
/// consumer, a wire-protocol proxy), never as the schema's owner.
pub const CLIENT_ONLY: &[(Ecosystem, &str)] = &[
    (Npm, "pg-logical-replication"),
    (Npm, "pg-gateway"),
    (Npm, "pg-copy-streams"),
    (Go, "github.com/jackc/pglogrepl"),
    (Go, "github.com/jackc/pgproto3"),
    (Python, "psycopg2-logical"),
];

/// What a dependency means for migrations.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// An ORM or migration tool (CLIs count: they are how the history gets written).
    Tool(&'static Tool),
    Driver,
}

fn matches(ecosystem: Ecosystem, declared: &str, known: &str) -> bool {
    declared == known
        || (ecosystem == Ecosystem::Go
            && declared
                .strip_prefix(known)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// What dependency `name` of `ecosystem` means, if anything.
pub fn classify(ecosystem: Ecosystem, name: &str) -> Option<Role> {
    if let Some(tool) = TOOLS.iter().find(|t| {
        t.dependencies
            .iter()
            .any(|(eco, dep)| *eco == ecosystem && matches(ecosystem, name, dep))
    }) {
        return Some(Role::Tool(tool));
    }
    DRIVERS
        .iter()
        .any(|(eco, dep)| *eco == ecosystem && matches(ecosystem, name, dep))
        .then_some(Role::Driver)
}

/// True when dependency `name` shows client-only use.
pub fn is_client_only(ecosystem: Ecosystem, name: &str) -> bool {
    CLIENT_ONLY
        .iter()
        .any(|(eco, dep)| *eco == ecosystem && matches(ecosystem, name, dep))
}

/// The row for a tool name; the plain-SQL row for a name no row has.
pub fn by_name(name: &str) -> &'static Tool {
    TOOLS
        .iter()
        .find(|t| t.name == name)
        .or_else(|| TOOLS.last())
        .expect("TOOLS is not empty")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_and_dependencies_are_unique() {
        let mut names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len());
        let mut deps: Vec<(Ecosystem, &str)> = TOOLS
            .iter()
            .flat_map(|t| t.dependencies.iter().copied())
            .chain(DRIVERS.iter().copied())
            .collect();
        let all = deps.len();
        deps.sort_by_key(|(e, d)| (format!("{e:?}"), *d));
        deps.dedup();
        assert_eq!(deps.len(), all, "a dependency is listed twice");
        assert!(TOOLS.iter().all(|t| !t.conventional_dirs.is_empty()));
    }

    #[test]
    fn go_modules_match_by_prefix_and_others_exactly() {
        assert!(matches!(
            classify(Go, "github.com/pressly/goose/v3"),
            Some(Role::Tool(t)) if t.name == "goose"
        ));
        assert!(classify(Go, "github.com/pressly/goosey").is_none());
        assert!(matches!(classify(Npm, "pg"), Some(Role::Driver)));
        assert!(classify(Npm, "pg/extra").is_none());
    }
}
