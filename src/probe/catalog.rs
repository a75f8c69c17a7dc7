//! Catalog probes: tables, columns, primary keys and statistics (one query each per
//! database), exact counts, the state-store keys and the migration tables.
//!
//! Queries here only read catalogs and tables; they run inside a session's read-only
//! transaction and never build SQL from a value without quoting it as an identifier.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::db::{
    AppliedMigration, ColumnFacts, MigrationTable, ProbeError, StatisticsFacts, TableFacts,
};

use super::session::Session;

/// Quote an identifier for SQL (`"a""b"`).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."table"`.
pub fn quote_table(schema: &str, table: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(table))
}

/// System schemas never probed.
const SYSTEM_SCHEMAS: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

/// Every user table (plain and partitioned parents; partitions are counted through their
/// parent), with its columns, primary key and statistics.
pub async fn tables(session: &Session) -> Result<Vec<TableFacts>, ProbeError> {
    let table_rows = session
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text,
                        CASE WHEN c.relkind = 'p' THEN COALESCE(pt.reltuples, -1) ELSE c.reltuples::float8 END,
                        CASE WHEN c.relkind = 'p' THEN pt.live ELSE s.n_live_tup END,
                        CASE WHEN c.relkind = 'p' THEN pt.modified ELSE s.n_mod_since_analyze END,
                        CASE WHEN c.relkind = 'p' THEN pt.analyzed
                             ELSE (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL) END,
                        CASE WHEN c.relkind = 'p' THEN pt.age
                             ELSE EXTRACT(EPOCH FROM now() - GREATEST(s.last_analyze, s.last_autoanalyze))::bigint END
                 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
                 -- A partitioned table has no statistics of its own: its estimate is the sum
                 -- of its leaf partitions', and it is analysed when every leaf is.
                 LEFT JOIN LATERAL (
                     SELECT sum(GREATEST(p.reltuples, 0))::float8 AS reltuples,
                            sum(ps.n_live_tup)::bigint AS live,
                            sum(ps.n_mod_since_analyze)::bigint AS modified,
                            bool_and(ps.last_analyze IS NOT NULL OR ps.last_autoanalyze IS NOT NULL) AS analyzed,
                            max(EXTRACT(EPOCH FROM now() - GREATEST(ps.last_analyze, ps.last_autoanalyze)))::bigint AS age
                     FROM pg_partition_tree(c.oid) t
                     JOIN pg_class p ON p.oid = t.relid
                     LEFT JOIN pg_stat_all_tables ps ON ps.relid = p.oid
                     WHERE t.isleaf AND c.relkind = 'p'
                 ) pt ON true
                 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {SYSTEM_SCHEMAS}
                 ORDER BY 1, 2"
            ),
            &[],
            None,
        )
        .await?;
    let column_rows = session
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text,
                        format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                        row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)::int4
                 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE a.attnum > 0 AND NOT a.attisdropped
                   AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND {SYSTEM_SCHEMAS}
                 ORDER BY 1, 2, a.attnum"
            ),
            &[],
            None,
        )
        .await?;
    let key_rows = session
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text
                 FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE i.indisprimary AND {SYSTEM_SCHEMAS}
                 ORDER BY 1, 2, k.ord"
            ),
            &[],
            None,
        )
        .await?;
    let mut columns: BTreeMap<(String, String), Vec<ColumnFacts>> = BTreeMap::new();
    for row in &column_rows {
        columns
            .entry((get(row, 0)?, get(row, 1)?))
            .or_default()
            .push(ColumnFacts {
                name: get(row, 2)?,
                data_type: get(row, 3)?,
                nullable: get(row, 4)?,
                position: get(row, 5)?,
            });
    }
    let mut keys: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in &key_rows {
        keys.entry((get(row, 0)?, get(row, 1)?))
            .or_default()
            .push(get(row, 2)?);
    }
    let mut out = Vec::with_capacity(table_rows.len());
    for row in &table_rows {
        let schema: String = get(row, 0)?;
        let name: String = get(row, 1)?;
        let reltuples: f64 = get(row, 2)?;
        let analyzed: Option<bool> = get(row, 5)?;
        let id = (schema.clone(), name.clone());
        out.push(TableFacts {
            qualified: format!("{schema}.{name}"),
            columns: columns.remove(&id).unwrap_or_default(),
            primary_key: keys.remove(&id).unwrap_or_default(),
            // -1 means "never analysed" (PostgreSQL 14+): no estimate at all.
            rows: (reltuples >= 0.0).then_some(reltuples.round() as i64),
            rows_method: "estimate".into(),
            statistics: Some(StatisticsFacts {
                analyzed: analyzed.unwrap_or(false),
                age_seconds: get(row, 6)?,
                modified_since_analyze: get(row, 4)?,
                live_rows: get(row, 3)?,
            }),
            error: None,
            schema,
            name,
        });
    }
    Ok(out)
}

/// Every schema of the database (system ones included): whether a configured schema exists
/// at all. `pg_namespace` is readable by any role, so a schema the role may not use still
/// counts as existing.
pub async fn schemas(session: &Session) -> Result<BTreeSet<String>, ProbeError> {
    let rows = session
        .query("SELECT nspname::text FROM pg_namespace", &[], None)
        .await?;
    rows.iter().map(|row| get::<String>(row, 0)).collect()
}

/// `count(*)` of one table.
pub async fn exact_count(session: &Session, schema: &str, table: &str) -> Result<i64, ProbeError> {
    let qualified = format!("{schema}.{table}");
    let rows = session
        .query(
            &format!("SELECT count(*) FROM {}", quote_table(schema, table)),
            &[],
            Some(&qualified),
        )
        .await?;
    match rows.first() {
        Some(row) => get(row, 0),
        None => Err(unexpected("count(*) returned no row")),
    }
}

/// What the state-store table holds of the required keys.
pub struct StateStoreRead {
    pub exists: bool,
    pub key_count: Option<i64>,
    pub present: Vec<String>,
}

/// Read the state-store table (`table` may be `schema.table`; resolved by the search path).
pub async fn state_store(
    session: &Session,
    table: &str,
    key_column: &str,
    required: &[String],
) -> Result<StateStoreRead, ProbeError> {
    // Probe sessions pin search_path to pg_catalog: an unqualified name means `public`.
    let quoted = match table.split_once('.') {
        Some((schema, name)) => quote_table(schema, name),
        None => quote_table("public", table),
    };
    let found = session
        .query(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&quoted],
            Some(table),
        )
        .await?;
    let exists: bool = match found.first() {
        Some(row) => get(row, 0)?,
        None => false,
    };
    if !exists {
        return Ok(StateStoreRead {
            exists: false,
            key_count: None,
            present: Vec::new(),
        });
    }
    let col = quote_ident(key_column);
    let rows = session
        .query(
            &format!(
                "SELECT (SELECT count(*) FROM {quoted}),
                        ARRAY(SELECT DISTINCT {col}::text FROM {quoted} WHERE {col}::text = ANY($1))"
            ),
            &[&required],
            Some(table),
        )
        .await?;
    let row = rows
        .first()
        .ok_or_else(|| unexpected("state-store query returned no row"))?;
    Ok(StateStoreRead {
        exists: true,
        key_count: Some(get(row, 0)?),
        present: get(row, 1)?,
    })
}

/// Drizzle's and prisma's bookkeeping tables, in the probed `schemas` (every schema when
/// none are configured). One the role cannot read is returned as an error beside the
/// others, not as a failure of the whole side.
pub async fn migration_tables(
    session: &Session,
    schemas: &BTreeSet<String>,
) -> Result<(Vec<MigrationTable>, Vec<ProbeError>), ProbeError> {
    let schemas: Vec<String> = schemas.iter().cloned().collect();
    let found = session
        .query(
            "SELECT n.nspname::text, c.relname::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND c.relname IN ('__drizzle_migrations', '_prisma_migrations')
               AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
             ORDER BY 1, 2",
            &[&schemas],
            None,
        )
        .await?;
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for row in &found {
        let schema: String = get(row, 0)?;
        let table: String = get(row, 1)?;
        session.checkpoint().await?;
        match migration_rows(session, &schema, &table).await {
            Ok(t) => out.push(t),
            Err(e) if session.recover(&e).await => unreadable.push(e),
            Err(e) => return Err(e),
        }
    }
    Ok((out, unreadable))
}

async fn migration_rows(
    session: &Session,
    schema: &str,
    table: &str,
) -> Result<MigrationTable, ProbeError> {
    let (schema, table) = (schema.to_string(), table.to_string());
    {
        let qualified = quote_table(&schema, &table);
        let label = format!("{schema}.{table}");
        let (tool, rows) = if table == "__drizzle_migrations" {
            let rows = session
                .query(
                    &format!("SELECT hash::text, created_at::bigint FROM {qualified} ORDER BY created_at, id"),
                    &[],
                    Some(&label),
                )
                .await?;
            let mut applied = Vec::with_capacity(rows.len());
            for r in &rows {
                applied.push(AppliedMigration {
                    hash: get(r, 0)?,
                    created_at: get(r, 1)?,
                    name: None,
                    finished: true,
                    rolled_back: false,
                    dirty: false,
                });
            }
            ("drizzle", applied)
        } else {
            let rows = session
                .query(
                    &format!(
                        "SELECT migration_name::text, checksum::text, finished_at IS NOT NULL,
                                rolled_back_at IS NOT NULL
                         FROM {qualified} ORDER BY started_at, migration_name"
                    ),
                    &[],
                    Some(&label),
                )
                .await?;
            let mut applied = Vec::with_capacity(rows.len());
            for r in &rows {
                applied.push(AppliedMigration {
                    name: get(r, 0)?,
                    hash: get(r, 1)?,
                    created_at: None,
                    finished: get(r, 2)?,
                    rolled_back: get(r, 3)?,
                    dirty: false,
                });
            }
            ("prisma", applied)
        };
        Ok(MigrationTable {
            tool: tool.into(),
            schema,
            table,
            rows,
        })
    }
}

/// Read column `i` of a row; a type surprise is a `query` error, not a panic.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    i: usize,
) -> Result<T, ProbeError> {
    row.try_get(i)
        .map_err(|e| unexpected(&format!("unexpected column {i} in a catalog answer: {e}")))
}

fn unexpected(message: &str) -> ProbeError {
    ProbeError {
        kind: "query".into(),
        message: message.to_string(),
        timeout_ms: None,
        table: None,
    }
}
