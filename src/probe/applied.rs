//! The recorded-migrations tables of the tools beyond drizzle and prisma (those two are read
//! in `catalog.rs`): goose `goose_db_version`, golang-migrate `schema_migrations` (one row:
//! the current version and its dirty flag), the `schema_migrations` of Rails, dbmate and Ecto
//! (one row per applied version), Flyway `flyway_schema_history`, Django
//! `django_migrations`, Atlas `atlas_schema_revisions` and sqitch `sqitch.changes`.
//!
//! Each table becomes a [`MigrationTable`] whose rows carry what the policies join on: the
//! migration's id as the tool records it (`name`), the hash when the tool records one, and
//! whether it finished. Only catalog lookups and plain reads of those tables, quoted as
//! identifiers; never a value interpolated into SQL.

use crate::facts::db::{AppliedMigration, MigrationTable, ProbeError};

use super::catalog::{get, quote_table};
use super::session::Session;

fn row(name: Option<String>, hash: Option<String>, finished: bool) -> AppliedMigration {
    AppliedMigration {
        hash,
        created_at: None,
        name,
        finished,
        rolled_back: false,
        dirty: false,
    }
}

/// Every recorded-migrations table of the tools listed in the module doc, in any schema.
pub async fn recorded_tables(session: &Session) -> Result<Vec<MigrationTable>, ProbeError> {
    let found = session
        .query(
            "SELECT n.nspname::text, c.relname::text,
                    EXISTS (SELECT 1 FROM pg_attribute a
                             WHERE a.attrelid = c.oid AND a.attname = 'dirty' AND NOT a.attisdropped)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r'
               AND (c.relname IN ('goose_db_version', 'schema_migrations', 'flyway_schema_history',
                                  'django_migrations', 'atlas_schema_revisions')
                    OR (n.nspname = 'sqitch' AND c.relname = 'changes'))
             ORDER BY 1, 2",
            &[],
            None,
        )
        .await?;
    let mut out = Vec::new();
    for found_row in &found {
        let schema: String = get(found_row, 0)?;
        let table: String = get(found_row, 1)?;
        let has_dirty: bool = get(found_row, 2)?;
        let qualified = quote_table(&schema, &table);
        let label = format!("{schema}.{table}");
        let (tool, sql) = match table.as_str() {
            // goose appends a row per up and down; the latest row of a version decides, and
            // version 0 is goose's own starting row.
            "goose_db_version" => (
                "goose",
                format!(
                    "SELECT version_id::text, NULL::text, is_applied FROM (
                        SELECT DISTINCT ON (version_id) version_id, is_applied FROM {qualified}
                        WHERE version_id <> 0 ORDER BY version_id, id DESC) v"
                ),
            ),
            "schema_migrations" if has_dirty => (
                "golang-migrate",
                format!("SELECT version::text, NULL::text, dirty FROM {qualified}"),
            ),
            "schema_migrations" => (
                "schema_migrations",
                format!("SELECT version::text, NULL::text, true FROM {qualified} ORDER BY 1"),
            ),
            // A repeatable migration has no version: its script is its id, and Flyway re-runs
            // it when its checksum changes, so its checksum is not compared.
            "flyway_schema_history" => (
                "flyway",
                format!(
                    "SELECT COALESCE(version, script)::text,
                            CASE WHEN version IS NULL THEN NULL ELSE checksum::text END, success
                     FROM {qualified}
                     WHERE type NOT IN ('SCHEMA', 'BASELINE', 'DELETE')
                     ORDER BY installed_rank"
                ),
            ),
            "django_migrations" => (
                "django",
                format!("SELECT app || '/' || name, NULL::text, true FROM {qualified} ORDER BY id"),
            ),
            // Atlas records the file's hash from atlas.sum; a revision stopped part-way
            // (`applied < total`, or an error) is not finished.
            "atlas_schema_revisions" => (
                "atlas",
                format!(
                    "SELECT version::text, hash::text, applied = total AND COALESCE(error, '') = ''
                     FROM {qualified} WHERE type <> 1 ORDER BY version"
                ),
            ),
            _ => (
                "sqitch",
                format!(
                    "SELECT change::text, script_hash::text, true FROM {qualified} ORDER BY committed_at"
                ),
            ),
        };
        let rows = session.query(&sql, &[], Some(&label)).await?;
        let mut applied = Vec::with_capacity(rows.len());
        for r in &rows {
            let name: Option<String> = get(r, 0)?;
            let hash: Option<String> = get(r, 1)?;
            let flag: bool = get(r, 2)?;
            applied.push(if tool == "golang-migrate" {
                // golang-migrate keeps one row: the version it reached, dirty when a
                // migration failed half-way.
                AppliedMigration {
                    dirty: flag,
                    ..row(name, hash, !flag)
                }
            } else {
                row(name, hash, flag)
            });
        }
        out.push(MigrationTable {
            tool: tool.into(),
            schema,
            table,
            rows: applied,
        });
    }
    Ok(out)
}
