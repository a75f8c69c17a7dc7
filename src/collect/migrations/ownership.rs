//! Who owns a schema: evidence beyond "depends on a driver". A Go dependency imported only by
//! `_test.go` files is test-only; a driver-only service whose sources connect as a
//! replication client or proxy, and issue no DDL, is a client of someone else's schema. The
//! collector records what it saw; the policy decides. Reads only the service's own source
//! files, bounded in number.

use super::paths::{extension, regex};
use crate::collect::walk::file_name;
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::{DatabaseDependency, HistoryCandidate, SchemaUse};
use crate::facts::Location;

/// At most this many source files are read per service for ownership evidence.
const MAX_SOURCES: usize = 2_000;

const SOURCE_EXTENSIONS: &[&str] = &[
    "ts", "js", "mjs", "cjs", "go", "py", "rs", "rb", "ex", "exs", "java", "kt",
];

pub(super) fn is_test_path(rel: &str) -> bool {
    let name = file_name(rel);
    name.ends_with("_test.go")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.starts_with("test_")
        || rel
            .split('/')
            .any(|part| matches!(part, "test" | "tests" | "__tests__" | "spec" | "testdata"))
}

/// Mark Go database dependencies that only `_test.go` files import as dev dependencies.
pub(super) fn mark_test_only_go_imports(
    ctx: &CollectContext,
    owned: &[&str],
    dependencies: &mut [DatabaseDependency],
) {
    if dependencies.iter().all(|d| d.dev) {
        return;
    }
    // (imported by a test file, imported by another file) per dependency.
    let mut seen = vec![(false, false); dependencies.len()];
    for rel in owned
        .iter()
        .filter(|rel| extension(rel) == "go")
        .take(MAX_SOURCES)
    {
        let Some(text) = ctx.inventory.get(rel).and_then(|e| read_text(&e.abs).ok()) else {
            continue;
        };
        let test = rel.ends_with("_test.go");
        for (dep, seen) in dependencies.iter().zip(seen.iter_mut()) {
            if text.contains(&format!("\"{}", dep.name)) {
                if test {
                    seen.0 = true;
                } else {
                    seen.1 = true;
                }
            }
        }
    }
    for (dep, (in_test, elsewhere)) in dependencies.iter_mut().zip(seen) {
        if in_test && !elsewhere {
            dep.dev = true;
            dep.section = "require (imported only by _test.go files)".into();
        }
    }
}

/// What a driver-only service's sources show about its use of the database, when they show
/// client-only use (replication, a proxy); `None` when nothing suggests it.
pub(super) fn schema_use(
    ctx: &CollectContext,
    owned: &[&str],
    client_only: &[(String, Location)],
    manifest: &Location,
    build_modules: bool,
) -> Option<SchemaUse> {
    let mut evidence: Vec<String> = client_only
        .iter()
        .map(|(name, location)| format!("{name} in {}", location.file.as_str()))
        .collect();
    let mut location = client_only.first().map(|(_, l)| l.clone());
    let replication = regex(
        r#"replication\s*[:=]\s*["']?database|LogicalReplicationConnection|START_REPLICATION|CREATE_REPLICATION_SLOT|pgoutput"#,
    )?;
    let ddl = regex(r"(?i)\b(?:create|alter)\s+table\b")?;
    let mut ddl_seen: Option<String> = None;
    let mut sources = 0;
    for rel in owned
        .iter()
        .filter(|rel| SOURCE_EXTENSIONS.contains(&extension(rel)) && !is_test_path(rel))
        .take(MAX_SOURCES)
    {
        sources += 1;
        let Some(text) = ctx.inventory.get(rel).and_then(|e| read_text(&e.abs).ok()) else {
            continue;
        };
        if let Some(m) = replication.find(&text) {
            if evidence.len() < 5 {
                evidence.push(format!("`{}` in {rel}", m.as_str()));
            }
            location.get_or_insert_with(|| super::paths::line_span(rel, &text, m.start()));
        }
        if ddl_seen.is_none() {
            if let Some(m) = ddl.find(&text) {
                ddl_seen = Some(format!("`{}` in {rel}", m.as_str()));
            }
        }
    }
    if build_modules && sources == 0 && evidence.is_empty() {
        // A Gradle/Maven build or packaging module (a Docker image, an integration-test
        // module): no code of its own outside tests can own a schema.
        return Some(SchemaUse {
            kind: "no-code".into(),
            evidence: vec!["no source files outside tests".into()],
            location: manifest.clone(),
        });
    }
    let location = location?;
    let kind = match ddl_seen {
        Some(ddl) => {
            evidence.push(format!("but also DDL: {ddl}"));
            "unsure"
        }
        None => "client-only",
    };
    Some(SchemaUse {
        kind: kind.into(),
        evidence,
        location,
    })
}

/// Folders holding timestamped migrations no known tool claimed: `D/<timestamp>-<name>/<file>`
/// (one file name in every folder) or `D/<timestamp>_<name>.<ext>`. A timestamp is 8 or more
/// leading digits. At least two migrations, so one dated file is not a history.
pub(super) fn history_candidates(owned: &[&str]) -> Vec<HistoryCandidate> {
    use std::collections::BTreeMap;
    let Some(stamped) = regex(r"^[0-9]{8,}[-_.]?") else {
        return Vec::new();
    };
    // (folder, pattern) → migrations
    let mut found: BTreeMap<(String, String), usize> = BTreeMap::new();
    for rel in owned.iter().filter(|rel| !is_test_path(rel)) {
        let name = file_name(rel);
        let dir = super::paths::parent_dir(rel);
        let parent = file_name(dir);
        if stamped.is_match(parent) && !stamped.is_match(name) {
            let outer = super::paths::parent_dir(dir).to_string();
            *found.entry((outer, format!("*/{name}"))).or_default() += 1;
        } else if stamped.is_match(name) && SOURCE_EXTENSIONS.contains(&extension(name))
            || stamped.is_match(name) && extension(name) == "sql"
        {
            *found
                .entry((dir.to_string(), format!("*.{}", extension(name))))
                .or_default() += 1;
        }
    }
    found
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .map(|((path, pattern), count)| HistoryCandidate {
            path,
            pattern,
            count,
        })
        .collect()
}
