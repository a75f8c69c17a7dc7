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
    }
}

use Ecosystem::{Cargo, Go, Npm, Python};

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
        ..tool("drizzle")
    },
    Tool {
        dependencies: &[(Npm, "@prisma/client"), (Npm, "prisma")],
        setting: Some(Setting::PrismaSchema),
        conventional_dirs: &["prisma/migrations"],
        layout: Layout::FolderPer("migration.sql"),
        hash: Hash::PrismaChecksum,
        records: Some("_prisma_migrations (migration_name, checksum)"),
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
        ..tool("golang-migrate")
    },
    Tool {
        dependencies: &[(Go, "github.com/pressly/goose")],
        records: Some("goose_db_version (version_id, is_applied)"),
        ..tool("goose")
    },
    Tool {
        dependencies: &[(Python, "django")],
        records: Some("django_migrations (app, name)"),
        ..tool("django")
    },
    // A plain migrations folder used through a bare driver.
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
