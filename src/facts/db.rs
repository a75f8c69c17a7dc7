//! Facts gathered by live database probes (`--probe`), owned by the db collector.
//!
//! A [`ProbeReport`] holds what each side (source, target) answered: its tables and columns,
//! row counts by the method used, statistics age, the state-store keys, the migrations the
//! target has applied, and for the `checksum` method the key ranges whose contents differ.
//! These are facts, never judgements: `policies/db.rhai` decides what is a finding.
//!
//! Every database fact carries the location of the env (or config) line that named the
//! database, so a finding about it lands on a real line in GitHub. URLs are always stored
//! redacted (no password); no fact holds a password.

use serde::{Deserialize, Serialize};

use super::Location;

/// Everything the probes learned, for one cutover env set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The env set whose `SRC_DB_URL` / `TGT_DB_URL` were probed, when one was found.
    pub env_set: Option<String>,
    /// Why nothing was probed at all (no cutover env set, no URLs), when that is so.
    pub skipped: Option<String>,
    /// `fast`, `exact` or `checksum`: the row-count method actually used.
    pub method: String,
    /// The global tolerance text (`0`, `25`, `0.5%`), as resolved.
    pub tolerance: String,
    pub tolerance_location: Option<Location>,
    pub source: Option<DatabaseProbe>,
    pub target: Option<DatabaseProbe>,
    /// Per-table comparison inputs: one entry for every table either side has (after the
    /// include/exclude filters), with both sides' counts and the tolerance that applies.
    pub tables: Vec<TablePair>,
    /// The state-store check on the target, when configured.
    pub state_store: Option<StateStoreProbe>,
    /// Schema objects that differ between source and target (the classes compared, after
    /// `[probes] ignore-objects`).
    #[serde(default)]
    pub objects: Vec<ObjectDiff>,
    /// The object classes compared (`[probes] objects`), empty when none could be.
    #[serde(default)]
    pub object_classes: Vec<ObjectClass>,
    /// `[probes]` entries that matched nothing in either database (a misspelt schema, an
    /// `include` glob selecting no table), when both sides could be listed.
    #[serde(default)]
    pub unmatched: Vec<UnmatchedEntry>,
    /// Milliseconds the whole probe took.
    pub elapsed_ms: u64,
}

/// A `[probes]` entry that matched nothing in either database: what it meant to select was
/// never probed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedEntry {
    /// The key (`schemas`, `include`, `ignore-objects`).
    pub key: String,
    /// The entry as written.
    pub entry: String,
    /// Where it is written in the config, when a config file set it.
    pub location: Option<Location>,
}

/// Which database a fact is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }

    /// The env key that names this side's database.
    pub fn env_key(self) -> &'static str {
        match self {
            Side::Source => "SRC_DB_URL",
            Side::Target => "TGT_DB_URL",
        }
    }
}

/// What one database answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseProbe {
    pub side: Side,
    /// The env key that named it (`SRC_DB_URL`).
    pub key: String,
    /// The URL without its password.
    pub url: String,
    /// host:port/dbname, for messages.
    pub display: String,
    /// The env line (or contract line) that named this database.
    pub location: Location,
    /// True when every probe on this side completed.
    pub reachable: bool,
    /// The first error that stopped or degraded this side's probe.
    pub error: Option<ProbeError>,
    /// `server_version` as the server reports it.
    pub server_version: Option<String>,
    /// TLS was negotiated for the connection.
    pub tls: bool,
    /// `transaction_read_only` as reported inside the probe transaction (`on` expected).
    pub read_only: Option<bool>,
    /// How many connections probed tables at once.
    pub connections: u32,
    pub tables: Vec<TableFacts>,
    /// Migration tables found on this side (read on the target only).
    pub migration_tables: Vec<MigrationTable>,
    /// Reads the server refused outside the probed tables (a migration table the role may
    /// not read), each naming its table; the probed tables carry their own `error`.
    #[serde(default)]
    pub unreadable: Vec<ProbeError>,
    /// Schema objects read from the catalogs (compared into [`ProbeReport::objects`]). Not
    /// serialised: function and view bodies are the database's text, and only their
    /// differences are facts a report needs.
    #[serde(skip)]
    pub objects: Vec<SchemaObject>,
    /// Sequences behind a column, with their next value (and on the target the column's
    /// `max`).
    #[serde(default)]
    pub sequences: Vec<SequenceFacts>,
    pub elapsed_ms: u64,
}

/// Why a database could not be probed (or not completely).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeError {
    /// `config` (bad URL / sslrootcert), `connect`, `tls`, `auth`, `timeout`, `query`,
    /// `permission` (no privilege to read a table), `rls` (row-level security applies to the
    /// probing role), `connection-lost`, `stopped` (the probe was stopped while this side
    /// was not the one being waited for).
    pub kind: String,
    /// What failed, without any password.
    pub message: String,
    /// The timeout that applied, in milliseconds, for `timeout` (and `connect`) errors.
    pub timeout_ms: Option<u64>,
    /// The table being probed when it failed, if any.
    pub table: Option<String>,
}

impl ProbeError {
    /// True when the server refused one read (a permission, row-level security, a query it
    /// rejected) and stayed usable: that table is unreadable, the rest can still be probed.
    pub fn is_table_level(&self) -> bool {
        matches!(self.kind.as_str(), "query" | "permission" | "rls")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableFacts {
    pub schema: String,
    pub name: String,
    /// `schema.name`, unquoted.
    pub qualified: String,
    pub columns: Vec<ColumnFacts>,
    /// Primary-key column names in key order (empty without a primary key).
    pub primary_key: Vec<String>,
    /// Row count by the method used (`fast`: the catalog estimate, `-1` never analysed is
    /// reported as `None`).
    pub rows: Option<i64>,
    /// `estimate` (fast) or `exact` (count(*) / checksum).
    pub rows_method: String,
    /// Statistics as the fast method sees them.
    pub statistics: Option<StatisticsFacts>,
    /// The error that stopped this table's probe, when one did.
    pub error: Option<ProbeError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnFacts {
    pub name: String,
    /// `format_type(atttypid, atttypmod)`, e.g. `character varying(40)`.
    pub data_type: String,
    pub nullable: bool,
    pub position: i32,
}

/// Table statistics behind a catalog estimate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatisticsFacts {
    /// True when ANALYZE (manual or auto) has ever run on the table.
    pub analyzed: bool,
    /// Seconds since the last ANALYZE, when there was one.
    pub age_seconds: Option<i64>,
    /// Rows inserted, updated or deleted since the last ANALYZE.
    pub modified_since_analyze: Option<i64>,
    /// `n_live_tup` from the statistics collector.
    pub live_rows: Option<i64>,
}

/// A table as compared across both sides; what the row-count and checksum rules read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TablePair {
    pub qualified: String,
    pub on_source: bool,
    pub on_target: bool,
    pub source_rows: Option<i64>,
    pub target_rows: Option<i64>,
    /// The tolerance for this table: a per-table setting, else the global one.
    pub tolerance: String,
    /// Where that tolerance was set (the config line, the env line), when a file set it.
    pub tolerance_location: Option<Location>,
    /// Content comparison (checksum method only).
    pub checksum: Option<ChecksumComparison>,
}

/// The checksum method's verdict on one table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecksumComparison {
    /// The key column the ranges are over, or `None` when the table was compared whole
    /// (no single-column primary key).
    pub key_column: Option<String>,
    /// True when every range's count and checksum agree.
    pub equal: bool,
    /// Ranges (inclusive bounds) whose contents differ, narrowed by bisection.
    pub differing_ranges: Vec<KeyRange>,
    /// How many differing ranges were found in all (the list is capped).
    pub differing_range_count: u64,
    /// Why the table could not be compared by content, when it could not.
    pub skipped: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRange {
    /// Lowest key of the range (inclusive); `None` for a whole-table comparison.
    pub from: Option<i64>,
    /// Highest key of the range (inclusive).
    pub to: Option<i64>,
    /// For a key that is not an integer (uuid, text, timestamp): the lowest key in the range
    /// on either side, as text.
    pub from_key: Option<String>,
    /// For a key that is not an integer: the highest key in the range on either side.
    pub to_key: Option<String>,
    pub source_rows: i64,
    pub target_rows: i64,
}

/// The state-store check on the target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateStoreProbe {
    pub table: String,
    pub key_column: String,
    /// Where the state store is configured (the config line), else the target's location.
    pub location: Location,
    /// True when the table exists on the target.
    pub exists: bool,
    /// How many keys the table holds.
    pub key_count: Option<i64>,
    /// Required keys that are present.
    pub present: Vec<String>,
    /// Required keys that are absent, each with where it is required.
    pub missing: Vec<RequiredKey>,
    pub error: Option<ProbeError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequiredKey {
    pub key: String,
    pub location: Location,
}

/// One migration-bookkeeping table and its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrationTable {
    /// `drizzle`, `prisma`, `goose`, `golang-migrate`, `schema_migrations` (Rails, dbmate or
    /// Ecto: one row per applied version), `flyway`, `django`, `atlas` or `sqitch`.
    pub tool: String,
    pub schema: String,
    pub table: String,
    pub rows: Vec<AppliedMigration>,
}

/// A row of a migration table. Drizzle rows have `hash` and `created_at`; prisma rows have
/// `name`, `checksum`, `finished` and `rolled_back`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppliedMigration {
    /// Drizzle: the sha256 of the SQL file when applied. Prisma: `checksum`.
    pub hash: Option<String>,
    /// Drizzle: the journal `when` (millis) recorded as `created_at`.
    pub created_at: Option<i64>,
    /// Prisma: `migration_name`.
    pub name: Option<String>,
    /// Prisma: `finished_at` is set.
    pub finished: bool,
    /// Prisma: `rolled_back_at` is set.
    pub rolled_back: bool,
    /// golang-migrate: the recorded version is dirty (a migration failed part-way).
    #[serde(default)]
    pub dirty: bool,
}

pub use crate::config::ObjectClass;

/// One schema object as a side's catalogs describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaObject {
    pub class: ObjectClass,
    /// What the two sides are matched on: the qualified name, or for indexes and
    /// constraints the table and the definition (a restored copy may name them otherwise).
    pub key: String,
    /// How a message names it (`users_email_key on public.users`).
    pub label: String,
    /// What must be equal on both sides (the server's deparsed definition).
    pub definition: String,
    /// The table it belongs to (`schema.table`, quoted as SQL), when it belongs to one.
    pub table: Option<String>,
}

/// A schema object that is missing on the target, extra there, or defined differently.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectDiff {
    pub class: ObjectClass,
    pub label: String,
    /// `missing` (on the target), `extra` (only on the target) or `differs`.
    pub change: String,
    /// The source's definition (withheld for function and view bodies).
    pub source: Option<String>,
    /// The target's definition (withheld for function and view bodies).
    pub target: Option<String>,
}

/// A sequence that feeds a column (serial, identity or `OWNED BY`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SequenceFacts {
    /// `schema.sequence`, quoted as SQL.
    pub sequence: String,
    /// `schema.table.column`, quoted as SQL.
    pub column: String,
    /// `schema.table`, unquoted (as table facts name it).
    pub table: String,
    /// `pg_sequences.last_value` (none before the first `nextval`, or when unreadable).
    pub last_value: Option<i64>,
    /// What the next `nextval` returns, when the role may read the sequence.
    pub next_value: Option<i64>,
    pub increment: i64,
    /// The column's `max` (read on the target only).
    pub column_max: Option<i64>,
    /// Why the column's `max` could not be read.
    pub error: Option<ProbeError>,
}
