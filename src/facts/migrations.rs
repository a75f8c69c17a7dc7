//! Facts about services and their migration histories (owned by the migrations collector).
//!
//! A [`Service`] is a folder with a manifest (`package.json`, `Cargo.toml`, `go.mod`,
//! `pyproject.toml`). For each service the collector records the database dependencies it
//! declares, the migration tools it uses and, per tool, the [`MigrationHistory`] that tool
//! would read: its folder, its files (with hashes computed the way the tool computes them, so
//! the database probes can join on `tool` + `id` and compare `hash`), their git state and, for
//! drizzle, the parsed journal. These are facts, not judgements: `policies/migrations.rhai`
//! decides what is missing, uncommitted or inconsistent.

use serde::{Deserialize, Serialize};

use super::{GitState, Location};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MigrationFacts {
    /// Workspace declarations that decided which manifest folders are services.
    pub workspaces: Vec<Workspace>,
    /// Every service, sorted by path.
    pub services: Vec<Service>,
}

/// A workspace declaration at the repository root (npm/yarn `workspaces`,
/// `pnpm-workspace.yaml`, a Cargo `[workspace]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Workspace {
    /// `npm` (also yarn), `pnpm` or `cargo`.
    pub kind: String,
    /// The file that declares it.
    pub manifest: String,
    /// Member globs as written (negated ones keep their `!`).
    pub globs: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Service {
    /// The manifest's package name when it has one, else the folder name.
    pub name: String,
    /// Repository-relative folder (`.` for the root). May contain spaces.
    pub path: String,
    /// Repository-relative path of the manifest that made this folder a service.
    pub manifest: String,
    /// `npm`, `cargo`, `go`, `python`, `ruby`, `elixir`, `jvm`, or `tool` (a folder made a
    /// service by a migration tool's project file: `atlas.hcl`, `flyway.conf`, `sqitch.conf`).
    pub ecosystem: String,
    /// Line 1 of the manifest.
    pub location: Location,
    /// Why the manifest could not be read or parsed, when it could not.
    pub manifest_problem: Option<String>,
    /// Declared dependencies on a database driver, ORM or migration tool.
    pub database_dependencies: Vec<DatabaseDependency>,
    /// Other services of this repository that this one depends on (by package name): a
    /// service whose database code lives in a shared package keeps its history there.
    pub workspace_dependencies: Vec<WorkspaceDependency>,
    /// One history per migration tool use (per config file when a tool has several).
    pub histories: Vec<MigrationHistory>,
    /// Why the manifest was not read at all, when it is a template (`{{ }}`, `{% %}`): a
    /// note, not a problem.
    pub manifest_skipped: Option<String>,
    /// How the service uses its database when it has a driver but no history: evidence that
    /// it is only a client (logical replication, a proxy) and whether it issues DDL.
    pub schema_use: Option<SchemaUse>,
    /// Folders that look like a history no known tool keeps (timestamped migration folders
    /// or files), for a service with a driver and no history: what `init` proposes to declare
    /// with `[[migrations]]`.
    pub history_candidates: Vec<HistoryCandidate>,
}

/// A folder that looks like a custom runner's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryCandidate {
    /// Repository-relative folder.
    pub path: String,
    /// The glob of its migration files, relative to `path` (`*/migration.ts`, `*.sql`).
    pub pattern: String,
    /// How many migrations it holds.
    pub count: usize,
}

/// What launchgate saw about a driver-only service's use of its database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchemaUse {
    /// `client-only` (connects as a replication client or proxy, issues no DDL), `no-code`
    /// (no source files outside tests: a build, packaging or test module) or `unsure`
    /// (client-only evidence, but DDL in its sources too).
    pub kind: String,
    /// What was seen, for the finding's message (`pg-logical-replication in package.json`,
    /// `replication: "database" in src/stream.ts`).
    pub evidence: Vec<String>,
    /// Where the first evidence is.
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceDependency {
    /// The package name as the manifest names it.
    pub name: String,
    /// The folder of the service that package is.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseDependency {
    /// The dependency as the manifest names it (`pg`, `drizzle-orm`, `github.com/jackc/pgx/v5`).
    pub name: String,
    /// `driver` (talks to a database, keeps no history) or `tool` (an ORM or migration tool).
    pub kind: String,
    /// The migration tool this dependency implies, for `tool` dependencies.
    pub tool: Option<String>,
    /// The manifest section (`dependencies`, `devDependencies`, `require`, ...).
    pub section: String,
    /// Declared only for development (`devDependencies`, `dev-dependencies`, dependency
    /// groups): a driver used by tests or seed scripts does not need a history.
    pub dev: bool,
    /// The dependency's line in the manifest.
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationHistory {
    /// A row of `src/collect/migrations/tools.rs`: `drizzle`, `prisma`, `knex`, `typeorm`,
    /// `sequelize`, `node-pg-migrate`, `kysely`, `mikro-orm`, `db-migrate`, `sqlx`, `diesel`,
    /// `sea-orm`, `refinery`, `golang-migrate`, `goose`, `dbmate`, `atlas`, `flyway`,
    /// `liquibase`, `rails`, `alembic`, `django`, `ecto`, `sqitch`, `clickhouse`, `custom` (a
    /// `[[migrations]]` entry) or `sql` (a plain migrations folder used through a driver).
    pub tool: String,
    /// Repository-relative folder the tool reads its history from.
    pub dir: String,
    /// How `dir` was decided: `config` (read from a config file), `default` (the tool's
    /// default, next to its config or the service) or `convention` (found by folder name).
    pub dir_source: String,
    /// The config file that declared this use of the tool, if any.
    pub config: Option<String>,
    /// The most useful line for a finding about this history: the config line that names
    /// the folder, else the config file, else the dependency line in the manifest.
    pub location: Location,
    /// True when at least one migration file exists on disk.
    pub present: bool,
    /// Git state of the history as a whole: the worst of its files (`ignored` over
    /// `untracked` over `tracked`); `not-in-repository` without git; absent when there are
    /// no files.
    pub git: Option<GitState>,
    /// The migration files, in the order the tool applies them.
    pub files: Vec<MigrationFile>,
    /// Files that exist on disk but that the repository walk skipped because git ignores
    /// them (they are also in `files`, with `git: ignored`).
    pub ignored_on_disk: Vec<String>,
    /// Drizzle only: the journal `meta/_journal.json` (absent for drizzle-kit 1.x's
    /// folder-per-migration layout, which has none).
    pub journal: Option<DrizzleJournal>,
    /// Prisma only: `migration_lock.toml`, when present.
    pub lock_file: Option<String>,
    /// Why the tool's config could not be fully read (a computed `out`, an unreadable file).
    pub config_problem: Option<String>,
    /// A declarative workflow: the schema lives in the repository and is applied with a
    /// push/diff command (`prisma db push`, `drizzle-kit push`) instead of ordered files.
    pub declarative: Option<DeclarativeUse>,
    /// The tool's schema dump when present (Rails `db/schema.rb` / `db/structure.sql`, dbmate
    /// `db/schema.sql`).
    pub schema_file: Option<String>,
    /// The tool's integrity file, parsed (Atlas `atlas.sum`, sqitch `sqitch.plan`).
    pub integrity: Option<IntegrityFile>,
}

/// A push/diff command that applies the schema directly.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeclarativeUse {
    /// The command as found (`prisma db push`, `drizzle-kit push`).
    pub command: String,
    /// The package.json script that runs it (`db:push`).
    pub script: String,
    /// The schema the command applies, when known (the prisma schema, drizzle's `schema`).
    pub schema: Option<String>,
    /// The script's line.
    pub location: Location,
}

/// A file in which a tool records what its history must contain: Atlas `atlas.sum` (a hash
/// per file, chained, and one over all) or sqitch `sqitch.plan` (the ordered changes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrityFile {
    /// `atlas.sum` or `sqitch.plan`.
    pub kind: String,
    pub path: String,
    pub present: bool,
    /// Why it could not be read or parsed.
    pub error: Option<String>,
    /// Atlas: the `h1:` sum on the first line, and the one computed over the entries.
    pub recorded_sum: Option<String>,
    pub computed_sum: Option<String>,
    pub entries: Vec<IntegrityEntry>,
    /// Migration files the integrity file does not list (the tool refuses or ignores them).
    pub orphans: Vec<OrphanFile>,
    /// Line 1 of the file.
    pub location: Location,
}

/// One entry of an integrity file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrityEntry {
    /// Atlas: the file name; sqitch: the change name.
    pub name: String,
    /// The repository path of the entry's file when it exists.
    pub file: Option<String>,
    /// The path the tool would read.
    pub expected_file: String,
    /// Atlas: the hash the sum records for the file.
    pub recorded: Option<String>,
    /// Atlas: the hash computed from the files as they are now.
    pub computed: Option<String>,
    /// The entry's line.
    pub location: Location,
}

/// One migration file, shaped so the database probes can join it with the target's
/// migrations table on `tool` + `id` and compare `hash`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationFile {
    pub tool: String,
    /// drizzle: the journal tag (the SQL file stem; the folder name in drizzle-kit 1.x's
    /// layout); prisma: the migration folder name; alembic: the `revision` id; goose,
    /// golang-migrate, dbmate, Rails, Ecto, Atlas: the version number; Flyway: the version
    /// (`1.1`), or the script name of a repeatable; Django: `app/name`; sqitch: the change
    /// name; custom: the migration's folder (or file stem); others: the file stem (the folder
    /// name for diesel).
    pub id: String,
    /// Repository-relative path of the file whose content is hashed.
    pub path: String,
    /// Hex digest as the tool records it: drizzle = sha256 of the SQL text; prisma = sha256
    /// of `migration.sql` as written; sqlx = sha384 of the SQL; others sha256 of the file.
    /// Absent when the file could not be read.
    pub hash: Option<String>,
    /// `sha256`, `sha384`, `crc32` (Flyway, a signed decimal), `sha1` (sqitch) or
    /// `atlas-sum` (the base64 hash `atlas.sum` records).
    pub hash_algorithm: String,
    /// Other digests the tool also accepts for this file. Prisma treats a checksum taken
    /// with the other line endings as equal (CRLF→LF and LF→CRLF variants), because git
    /// may rewrite line endings between the machine that applied it and this checkout.
    pub hash_variants: Vec<String>,
    /// drizzle: the journal entry's `when` (milliseconds since the epoch, the value drizzle
    /// writes to `created_at`); otherwise absent.
    pub created_at: Option<i64>,
    pub git: GitState,
    /// Why the file could not be read, when it could not.
    pub problem: Option<String>,
    /// Line 1 of the file.
    pub location: Location,
}

/// A drizzle journal (`<out>/meta/_journal.json`) as parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrizzleJournal {
    pub path: String,
    /// False when the journal file does not exist.
    pub present: bool,
    /// Git state of the journal file; absent when it does not exist.
    pub git: Option<GitState>,
    /// Malformed JSON, a wrong shape, or an unreadable file, with where it went wrong.
    pub error: Option<JournalError>,
    /// The `dialect` field (`postgresql`, `mysql`, `sqlite`; older journals say `pg`).
    pub dialect: Option<String>,
    pub entries: Vec<JournalEntry>,
    /// SQL files in the out folder that no journal entry names (drizzle never applies them).
    pub orphans: Vec<OrphanFile>,
    /// Line 1 of the journal (or of the folder's first SQL file when the journal is absent).
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalError {
    pub message: String,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the `entries` array (0-based), to compare with `idx`.
    pub position: i64,
    pub idx: Option<i64>,
    pub when: Option<i64>,
    pub tag: Option<String>,
    /// Repository-relative path of `<tag>.sql` when that file exists, else absent.
    pub file: Option<String>,
    /// The path drizzle would read for this entry.
    pub expected_file: Option<String>,
    /// The entry's `"tag"` in the journal (the whole entry's first line when it has none).
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrphanFile {
    pub path: String,
    pub location: Location,
}
