//! Schema objects read from the catalogs, for source/target parity: sequences, constraints,
//! column defaults, indexes, extensions, functions and procedures, triggers, views, enum and
//! domain types, row-level security, grants and ownership. Plus, per sequence behind a
//! column (serial, identity, `OWNED BY`), its next value beside the column's `max`.
//!
//! Every object comes back as a row (class, key, label, definition, table): the key is what
//! the two sides are matched on (a name, or for indexes and constraints the table and the
//! definition, since a restored copy may name them differently), the definition what must be
//! equal. Definitions are the server's own deparsed text (`pg_get_*def`), schema-qualified
//! under the probe sessions' pinned `search_path`, so two servers print identical objects
//! identically. Queries run in the probe's read-only snapshot, inside the configured
//! schemas, and skip objects that belong to an extension (the extension row covers them).
//! This module reads; it never judges (policies/db.rhai) and never builds SQL from a value
//! it has not quoted.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::db::{ObjectClass, ObjectDiff, ProbeError, SchemaObject, SequenceFacts};

use super::catalog::{get, quote_ident, quote_table};
use super::session::Session;

/// The schemas an object query looks in: the configured ones, else every user schema.
const SCHEMAS: &str = "ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
), ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')";

/// One query per class: (key, label, definition, table). `{rel}` is a relation's
/// `schema.name` as text.
fn class_query(class: ObjectClass) -> String {
    let rel = "quote_ident(ns.nspname) || '.' || quote_ident(c.relname)";
    let body = match class {
        ObjectClass::Sequence => format!(
            "SELECT {rel}, {rel}, format_type(s.seqtypid, NULL) || ' start ' || s.seqstart
                    || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax
                    || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END, NULL::text
             FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
             JOIN ns ON ns.oid = c.relnamespace WHERE c.oid NOT IN (SELECT objid FROM ext)"
        ),
        ObjectClass::Constraint => format!(
            "SELECT {rel} || ': ' || pg_get_constraintdef(k.oid), quote_ident(k.conname) || ' on ' || {rel},
                    '', {rel}
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
             JOIN ns ON ns.oid = c.relnamespace
             WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND NOT c.relispartition
               AND k.conparentid = 0"
        ),
        ObjectClass::Default => format!(
            "SELECT {rel} || '.' || quote_ident(a.attname), {rel} || '.' || quote_ident(a.attname),
                    CASE WHEN a.attgenerated = 's' THEN 'GENERATED ' ELSE 'DEFAULT ' END
                    || pg_get_expr(d.adbin, d.adrelid), {rel}
             FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
             JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
             JOIN ns ON ns.oid = c.relnamespace
             WHERE NOT a.attisdropped AND NOT c.relispartition"
        ),
        // Indexes that back a constraint are the constraint's: reported once, there.
        ObjectClass::Index => format!(
            "SELECT {rel} || ': ' || regexp_replace(pg_get_indexdef(i.indexrelid),
                        '^CREATE (UNIQUE )?INDEX (\"[^\"]*\"|\\S+) ON ', 'CREATE \\1INDEX ON '),
                    quote_ident(ic.relname) || ' on ' || {rel}, '', {rel}
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN ns ON ns.oid = c.relnamespace
             WHERE NOT c.relispartition AND c.relkind IN ('r', 'p', 'm')
               AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                AND k.contype IN ('p', 'u', 'x'))"
        ),
        ObjectClass::Extension => "SELECT e.extname::text, e.extname::text, 'version ' || e.extversion, NULL::text
             FROM pg_extension e"
            .to_string(),
        ObjectClass::Function => "SELECT quote_ident(ns.nspname) || '.' || quote_ident(p.proname)
                    || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    quote_ident(ns.nspname) || '.' || quote_ident(p.proname)
                    || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    pg_get_functiondef(p.oid), NULL::text
             FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
             WHERE p.prokind IN ('f', 'p') AND p.oid NOT IN (SELECT objid FROM ext)"
            .to_string(),
        ObjectClass::Trigger => format!(
            "SELECT {rel} || '.' || quote_ident(t.tgname), quote_ident(t.tgname) || ' on ' || {rel},
                    pg_get_triggerdef(t.oid), {rel}
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN ns ON ns.oid = c.relnamespace
             WHERE NOT t.tgisinternal AND t.tgparentid = 0"
        ),
        ObjectClass::View => format!(
            "SELECT {rel}, {rel},
                    CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW AS ' ELSE 'VIEW AS ' END
                    || pg_get_viewdef(c.oid), NULL::text
             FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
             WHERE c.relkind IN ('v', 'm') AND c.oid NOT IN (SELECT objid FROM ext)"
        ),
        ObjectClass::Type => "SELECT quote_ident(ns.nspname) || '.' || quote_ident(t.typname),
                    quote_ident(ns.nspname) || '.' || quote_ident(t.typname),
                    CASE t.typtype
                      WHEN 'e' THEN 'ENUM (' || (SELECT string_agg(quote_literal(e.enumlabel), ', '
                                                   ORDER BY e.enumsortorder)
                                                 FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                      ELSE 'DOMAIN ' || format_type(t.typbasetype, t.typtypmod)
                           || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                           || COALESCE(' DEFAULT ' || t.typdefault, '')
                           || COALESCE((SELECT ' ' || string_agg(pg_get_constraintdef(k.oid), ' '
                                                                ORDER BY k.conname)
                                        FROM pg_constraint k WHERE k.contypid = t.oid), '')
                    END, NULL::text
             FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
             WHERE t.typtype IN ('e', 'd') AND t.oid NOT IN (SELECT objid FROM ext)"
            .to_string(),
        ObjectClass::Rls => format!(
            "SELECT {rel}, 'row-level security on ' || {rel},
                    CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END
                    || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END, {rel}
             FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
             UNION ALL
             SELECT {rel} || ' policy ' || quote_ident(p.polname),
                    'policy ' || quote_ident(p.polname) || ' on ' || {rel},
                    CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END
                    || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                         WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
                    || ' TO ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                       ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1)
                                  FROM unnest(p.polroles) r)
                    || COALESCE(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
                    || COALESCE(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),
                    {rel}
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             JOIN ns ON ns.oid = c.relnamespace"
        ),
        // Privileges granted to roles other than the object's owner (an owner may differ
        // after a restore without that mattering; `owner` covers where it does).
        ObjectClass::Grant => format!(
            "SELECT o.object || ' to ' || o.grantee, o.object || ' to ' || o.grantee,
                    string_agg(o.privilege, ', ' ORDER BY o.privilege), o.tbl
             FROM (
               SELECT CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view '
                        WHEN 'm' THEN 'materialized view ' ELSE 'table ' END || {rel} AS object,
                      CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
                      a.privilege_type AS privilege,
                      CASE WHEN c.relkind IN ('r', 'p') THEN {rel} END AS tbl
               FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
               CROSS JOIN LATERAL aclexplode(c.relacl) a
               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
                 AND a.grantee <> c.relowner
               UNION ALL
               SELECT 'schema ' || quote_ident(ns.nspname),
                      CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                      a.privilege_type, NULL
               FROM pg_namespace n JOIN ns ON ns.oid = n.oid
               CROSS JOIN LATERAL aclexplode(n.nspacl) a
               WHERE a.grantee <> n.nspowner
               UNION ALL
               SELECT 'function ' || quote_ident(ns.nspname) || '.' || quote_ident(p.proname)
                        || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                      CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                      a.privilege_type, NULL
               FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
               CROSS JOIN LATERAL aclexplode(p.proacl) a
               WHERE a.grantee <> p.proowner AND p.oid NOT IN (SELECT objid FROM ext)
             ) o GROUP BY o.object, o.grantee, o.tbl"
        ),
        // Ownership matters where it changes what code may do: a view runs its query with
        // its owner's privileges, a SECURITY DEFINER function runs as its owner, and a table
        // owner bypasses the table's row-level security unless it is forced.
        ObjectClass::Owner => format!(
            "SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '
                      ELSE 'table ' END || {rel},
                    CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view '
                      ELSE 'table ' END || {rel},
                    'owned by ' || quote_ident(pg_get_userbyid(c.relowner)),
                    CASE WHEN c.relkind IN ('r', 'p') THEN {rel} END
             FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
             WHERE (c.relkind IN ('v', 'm') OR (c.relkind IN ('r', 'p') AND c.relrowsecurity))
               AND c.oid NOT IN (SELECT objid FROM ext)
             UNION ALL
             SELECT 'function ' || quote_ident(ns.nspname) || '.' || quote_ident(p.proname)
                      || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    'SECURITY DEFINER function ' || quote_ident(ns.nspname) || '.' || quote_ident(p.proname)
                      || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    'owned by ' || quote_ident(pg_get_userbyid(p.proowner)), NULL
             FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
             WHERE p.prosecdef AND p.oid NOT IN (SELECT objid FROM ext)"
        ),
    };
    format!("WITH {SCHEMAS} {body}")
}

/// Every object of `classes` in `schemas` (every user schema when empty).
pub async fn read(
    session: &Session,
    schemas: &BTreeSet<String>,
    classes: &[ObjectClass],
) -> Result<Vec<SchemaObject>, ProbeError> {
    let schemas: Vec<String> = schemas.iter().cloned().collect();
    let mut out = Vec::new();
    for &class in classes {
        let rows = session
            .query(&class_query(class), &[&schemas], None)
            .await?;
        for row in &rows {
            let key: Option<String> = get(row, 0)?;
            let Some(key) = key else { continue };
            out.push(SchemaObject {
                class,
                label: get::<Option<String>>(row, 1)?.unwrap_or_else(|| key.clone()),
                key,
                definition: get::<Option<String>>(row, 2)?.unwrap_or_default(),
                table: get(row, 3)?,
            });
        }
    }
    Ok(out)
}

/// The sequences behind a column (serial, identity, `OWNED BY`) in `schemas`, with the
/// value `nextval` would hand out. With `column_max`, the column's `max` is read too, each
/// behind a checkpoint: a table the role may not read leaves that sequence's max unknown.
pub async fn sequences(
    session: &Session,
    schemas: &BTreeSet<String>,
    column_max: bool,
) -> Result<Vec<SequenceFacts>, ProbeError> {
    let schemas_list: Vec<String> = schemas.iter().cloned().collect();
    let rows = session
        .query(
            &format!(
                "WITH {SCHEMAS}
                 SELECT quote_ident(sn.nspname) || '.' || quote_ident(sc.relname),
                        tn.nspname::text, tc.relname::text, a.attname::text,
                        s.last_value, s.start_value, s.increment_by,
                        has_sequence_privilege(sc.oid, 'SELECT')
                 FROM pg_depend d
                 JOIN pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'
                 JOIN pg_namespace sn ON sn.oid = sc.relnamespace
                 JOIN pg_class tc ON tc.oid = d.refobjid
                 JOIN ns tn ON tn.oid = tc.relnamespace
                 JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = d.refobjsubid
                 JOIN pg_sequences s ON s.schemaname = sn.nspname AND s.sequencename = sc.relname
                 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                   AND d.deptype IN ('a', 'i')
                   AND format_type(a.atttypid, NULL) IN ('smallint', 'integer', 'bigint')
                 ORDER BY 1"
            ),
            &[&schemas_list],
            None,
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let (schema, table, column): (String, String, String) =
            (get(row, 1)?, get(row, 2)?, get(row, 3)?);
        let last_value: Option<i64> = get(row, 4)?;
        let start: i64 = get(row, 5)?;
        let increment: i64 = get(row, 6)?;
        let readable: bool = get(row, 7)?;
        // pg_sequences shows no last_value for a sequence never used (nextval gives its
        // start) and for one the role may not read (then nothing is known).
        let next_value = match (readable, last_value) {
            (false, _) => None,
            (true, None) => Some(start),
            (true, Some(v)) => v.checked_add(increment),
        };
        let mut facts = SequenceFacts {
            sequence: get(row, 0)?,
            column: format!("{}.{}", quote_table(&schema, &table), quote_ident(&column)),
            table: format!("{schema}.{table}"),
            last_value,
            next_value,
            increment,
            column_max: None,
            error: None,
        };
        if column_max {
            session.checkpoint().await?;
            let sql = format!(
                "SELECT max({})::bigint FROM {}",
                quote_ident(&column),
                quote_table(&schema, &table)
            );
            match session.query(&sql, &[], Some(&facts.table)).await {
                Ok(rows) => {
                    facts.column_max = match rows.first() {
                        Some(r) => get(r, 0)?,
                        None => None,
                    }
                }
                Err(e) if session.recover(&e).await => facts.error = Some(e),
                Err(e) => return Err(e),
            }
        }
        out.push(facts);
    }
    Ok(out)
}

/// Source against target, class by class: what is missing on the target, extra there, or
/// defined differently. Objects of a table that is not on both sides (or not probed) are
/// left to `db/table-missing`; `ignored` says which objects are meant to differ.
pub fn diff(
    source: &[SchemaObject],
    target: &[SchemaObject],
    tables: &BTreeSet<String>,
    ignored: &dyn Fn(&SchemaObject) -> bool,
) -> Vec<ObjectDiff> {
    let compared = |o: &&SchemaObject| {
        o.table
            .as_deref()
            .is_none_or(|t| tables.contains(&unquote_table(t)))
            && !ignored(o)
    };
    let index = |objects: &[SchemaObject]| -> BTreeMap<(ObjectClass, String), SchemaObject> {
        objects
            .iter()
            .filter(compared)
            .map(|o| {
                // Keyed by definition: compared the way definitions are.
                let key = match o.class {
                    ObjectClass::Constraint | ObjectClass::Index => comparable(&o.key),
                    _ => o.key.clone(),
                };
                ((o.class, key), o.clone())
            })
            .collect()
    };
    let (src, mut tgt) = (index(source), index(target));
    let mut out = Vec::new();
    for (id, s) in src {
        match tgt.remove(&id) {
            // An owner is compared where the object is on both sides; a missing or extra
            // object is its own class's finding.
            None if s.class == ObjectClass::Owner => {}
            None => out.push(ObjectDiff {
                class: s.class,
                label: s.label,
                change: "missing".into(),
                source: Some(s.definition),
                target: None,
            }),
            Some(t) if comparable(&t.definition) != comparable(&s.definition) => {
                out.push(ObjectDiff {
                    class: s.class,
                    label: s.label,
                    change: "differs".into(),
                    source: Some(s.definition),
                    target: Some(t.definition),
                })
            }
            Some(_) => {}
        }
    }
    for (_, t) in tgt
        .into_iter()
        .filter(|(_, t)| t.class != ObjectClass::Owner)
    {
        out.push(ObjectDiff {
            class: t.class,
            label: t.label,
            change: "extra".into(),
            source: None,
            target: Some(t.definition),
        });
    }
    out
}

/// A definition as compared: without casts, parentheses and spaces. The server does not
/// deparse every expression to the text it parsed back from (a CHECK on a varchar column
/// comes back from a dump and restore as `(status)::text = ANY ((ARRAY[...])::text[])`
/// where the source printed other casts), so a restored copy would differ in text alone.
/// A difference only in where casts sit is not reported; anything else still is.
fn comparable(definition: &str) -> String {
    static CASTS: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let casts = CASTS.get_or_init(|| regex::Regex::new(r#"::"?(character varying|timestamp with(out)? time zone|time with(out)? time zone|double precision|bit varying|[A-Za-z_][\w.]*)"?(\(\d+(,\d+)?\))?(\[\])*"#).ok());
    let stripped = match casts {
        Some(re) => re.replace_all(definition, "").into_owned(),
        None => definition.to_string(),
    };
    stripped
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect()
}

/// `"my schema"."t"` → `my schema.t`, the form table facts use.
fn unquote_table(quoted: &str) -> String {
    let mut out = String::new();
    let mut chars = quoted.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                out.push('"');
                chars.next();
            }
            '"' => in_quotes = !in_quotes,
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(class: ObjectClass, key: &str, def: &str, table: Option<&str>) -> SchemaObject {
        SchemaObject {
            class,
            key: key.into(),
            label: key.into(),
            definition: def.into(),
            table: table.map(str::to_string),
        }
    }

    #[test]
    fn definitions_that_differ_only_in_casts_compare_equal() {
        assert_eq!(
            comparable("CHECK (((status)::text = ANY ((ARRAY['active'::character varying, 'revoked'::character varying])::text[])))"),
            comparable("CHECK (((status)::text = ANY (ARRAY[('active'::character varying)::text, ('revoked'::character varying)::text])))")
        );
        assert_ne!(
            comparable("CHECK (((a)::text IS NULL AND b > 1))"),
            comparable("CHECK (((a)::text IS NULL AND b > 2))")
        );
        assert_ne!(
            comparable("CHECK ((amount > 0))"),
            comparable("CHECK ((amount >= 0))")
        );
    }

    #[test]
    fn quoted_table_names_match_the_table_facts() {
        assert_eq!(unquote_table("public.users"), "public.users");
        assert_eq!(unquote_table("\"My \"\"S\"\"\".\"t\""), "My \"S\".t");
    }

    #[test]
    fn diff_finds_missing_extra_and_changed_and_leaves_missing_tables_alone() {
        let tables: BTreeSet<String> = ["public.a".to_string()].into();
        let src = vec![
            object(ObjectClass::Index, "public.a: (x)", "", Some("public.a")),
            object(
                ObjectClass::Index,
                "public.gone: (x)",
                "",
                Some("public.gone"),
            ),
            object(ObjectClass::View, "public.v", "VIEW AS 1", None),
            object(ObjectClass::Extension, "pgcrypto", "version 1.3", None),
        ];
        let tgt = vec![
            object(ObjectClass::View, "public.v", "VIEW AS 2", None),
            object(ObjectClass::Extension, "pgcrypto", "version 1.3", None),
            object(ObjectClass::Function, "public.f()", "body", None),
        ];
        let diffs = diff(&src, &tgt, &tables, &|_| false);
        let seen: Vec<(ObjectClass, &str, &str)> = diffs
            .iter()
            .map(|d| (d.class, d.label.as_str(), d.change.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (ObjectClass::Index, "public.a: (x)", "missing"),
                (ObjectClass::View, "public.v", "differs"),
                (ObjectClass::Function, "public.f()", "extra"),
            ]
        );
        let none = diff(&src, &tgt, &tables, &|o| o.class != ObjectClass::Extension);
        assert!(none.is_empty(), "{none:?}");
    }
}
