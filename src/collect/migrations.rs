//! The migrations collector: services, their database dependencies, and the migration
//! history each migration tool would read.
//!
//! It owns service discovery (manifest folders, narrowed by root workspace globs), reading
//! manifests and tool configs the way each tool reads them (drizzle `out`, prisma schema
//! folders, knex `directory`, diesel `dir`, alembic `script_location`, sequelize
//! `migrations-path`), drizzle journals, and file hashes computed as each tool computes them.
//! It never judges: a missing folder, a malformed journal or an ignored file is recorded as a
//! fact for `policies/migrations.rhai`. It never panics on repository content and never
//! follows symlinks.
//!
//! One deliberate step outside the inventory: a history folder is also listed on disk
//! (bounded, non-following), because the walk honours `.gitignore` and a history that git
//! ignores is exactly what `migrations/history-uncommitted` must see. Such files are marked
//! in [`MigrationHistory::ignored_on_disk`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{LazyLock, Mutex};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use sha2::{Digest, Sha256, Sha384};

use crate::source::json_spans;

use super::walk::file_name;
use super::{read_text, CollectContext};
use crate::facts::migrations::{
    DatabaseDependency, DrizzleJournal, JournalEntry, JournalError, MigrationFacts, MigrationFile,
    MigrationHistory, OrphanFile, Service, Workspace, WorkspaceDependency,
};
use crate::facts::LineIndex;
use crate::facts::{GitState, Location};

/// Manifest file names that make a folder a service, in the order that picks the primary one.
const MANIFESTS: &[(&str, &str)] = &[
    ("package.json", "npm"),
    ("Cargo.toml", "cargo"),
    ("go.mod", "go"),
    ("pyproject.toml", "python"),
];

/// How a dependency relates to migrations: a tool (ORM or migration runner) keeps a
/// history; a driver only talks to a database.
enum DependencyRole {
    Tool(&'static str),
    Driver,
}

/// npm packages that matter here. CLIs (`drizzle-kit`, `prisma`, `sequelize-cli`) count as
/// tools: they are how the history gets written.
const NPM_DEPENDENCIES: &[(&str, DependencyRole)] = &[
    ("drizzle-orm", DependencyRole::Tool("drizzle")),
    ("drizzle-kit", DependencyRole::Tool("drizzle")),
    ("@prisma/client", DependencyRole::Tool("prisma")),
    ("prisma", DependencyRole::Tool("prisma")),
    ("knex", DependencyRole::Tool("knex")),
    ("typeorm", DependencyRole::Tool("typeorm")),
    ("sequelize", DependencyRole::Tool("sequelize")),
    ("sequelize-cli", DependencyRole::Tool("sequelize")),
    ("node-pg-migrate", DependencyRole::Tool("node-pg-migrate")),
    ("kysely", DependencyRole::Tool("kysely")),
    ("@mikro-orm/core", DependencyRole::Tool("mikro-orm")),
    ("@mikro-orm/migrations", DependencyRole::Tool("mikro-orm")),
    ("db-migrate", DependencyRole::Tool("db-migrate")),
    ("pg", DependencyRole::Driver),
    ("postgres", DependencyRole::Driver),
    ("pg-promise", DependencyRole::Driver),
    ("slonik", DependencyRole::Driver),
    ("@neondatabase/serverless", DependencyRole::Driver),
    ("@vercel/postgres", DependencyRole::Driver),
    ("@planetscale/database", DependencyRole::Driver),
    ("@libsql/client", DependencyRole::Driver),
    ("mysql", DependencyRole::Driver),
    ("mysql2", DependencyRole::Driver),
    ("better-sqlite3", DependencyRole::Driver),
    ("sqlite3", DependencyRole::Driver),
    ("mssql", DependencyRole::Driver),
    ("oracledb", DependencyRole::Driver),
];

const CARGO_DEPENDENCIES: &[(&str, DependencyRole)] = &[
    ("sqlx", DependencyRole::Tool("sqlx")),
    ("diesel", DependencyRole::Tool("diesel")),
    ("diesel_migrations", DependencyRole::Tool("diesel")),
    ("sea-orm", DependencyRole::Tool("sea-orm")),
    ("sea-orm-migration", DependencyRole::Tool("sea-orm")),
    ("refinery", DependencyRole::Tool("refinery")),
    ("tokio-postgres", DependencyRole::Driver),
    ("postgres", DependencyRole::Driver),
    ("deadpool-postgres", DependencyRole::Driver),
    ("bb8-postgres", DependencyRole::Driver),
    ("mysql_async", DependencyRole::Driver),
    ("rusqlite", DependencyRole::Driver),
];

/// Go module path prefixes.
const GO_DEPENDENCIES: &[(&str, DependencyRole)] = &[
    (
        "github.com/golang-migrate/migrate",
        DependencyRole::Tool("golang-migrate"),
    ),
    ("github.com/pressly/goose", DependencyRole::Tool("goose")),
    ("github.com/jackc/pgx", DependencyRole::Driver),
    ("github.com/lib/pq", DependencyRole::Driver),
    ("github.com/go-sql-driver/mysql", DependencyRole::Driver),
    ("github.com/mattn/go-sqlite3", DependencyRole::Driver),
    ("github.com/jmoiron/sqlx", DependencyRole::Driver),
    ("gorm.io/gorm", DependencyRole::Driver),
    ("github.com/uptrace/bun", DependencyRole::Driver),
    ("entgo.io/ent", DependencyRole::Driver),
];

/// Python distribution names, normalised (lowercase, `_` → `-`).
const PYTHON_DEPENDENCIES: &[(&str, DependencyRole)] = &[
    ("alembic", DependencyRole::Tool("alembic")),
    ("django", DependencyRole::Tool("django")),
    ("psycopg", DependencyRole::Driver),
    ("psycopg2", DependencyRole::Driver),
    ("psycopg2-binary", DependencyRole::Driver),
    ("asyncpg", DependencyRole::Driver),
    ("sqlalchemy", DependencyRole::Driver),
    ("sqlmodel", DependencyRole::Driver),
    ("pymysql", DependencyRole::Driver),
    ("mysqlclient", DependencyRole::Driver),
    ("peewee", DependencyRole::Driver),
];

/// Where tools without a config file keep their history, by convention, relative to the
/// service; the first one holding files wins, else the first is reported as expected.
fn conventional_dirs(tool: &str) -> &'static [&'static str] {
    match tool {
        "drizzle" => &["drizzle"],
        "prisma" => &["prisma/migrations"],
        "typeorm" => &[
            "src/migrations",
            "src/migration",
            "migrations",
            "src/database/migrations",
            "src/db/migrations",
        ],
        "mikro-orm" | "kysely" => &["migrations", "src/migrations", "src/db/migrations"],
        "alembic" => &["alembic/versions", "migrations/versions"],
        "golang-migrate" | "goose" => &["migrations", "db/migrations"],
        "sea-orm" => &["migration/src", "migrations"],
        "refinery" => &["migrations", "src/migrations"],
        _ => &["migrations", "db/migrations"],
    }
}

/// Extensions of files that can be migrations (other files in a history folder, such as a
/// README, are not).
const MIGRATION_EXTENSIONS: &[&str] = &["sql", "js", "ts", "mjs", "cjs", "py", "go", "rs"];

/// Bounds on listing a history folder on disk.
const DISK_LIST_MAX_DEPTH: usize = 3;
const DISK_LIST_MAX_FILES: usize = 10_000;

pub fn collect(ctx: &CollectContext) -> MigrationFacts {
    let excludes = ctx.config.config.exclude.set();
    let workspaces = read_workspaces(ctx);
    let roots = discover_services(ctx, &workspaces);
    let owned = files_by_service(ctx, &roots);
    let (mut services, all_dependencies): (Vec<Service>, Vec<Vec<String>>) = roots
        .iter()
        .map(|root| {
            let files = owned.get(&root.dir).map_or(&[][..], Vec::as_slice);
            collect_service(ctx, excludes, root, files)
        })
        .unzip();
    link_workspace_dependencies(&mut services, &all_dependencies);
    MigrationFacts {
        workspaces,
        services,
    }
}

/// Record which services depend on other services of this repository, by package name: a
/// service whose database code lives in a shared package (`@acme/db`) keeps its history
/// there.
fn link_workspace_dependencies(services: &mut [Service], all_dependencies: &[Vec<String>]) {
    let by_name: HashMap<String, String> = services
        .iter()
        .map(|s| (s.name.clone(), s.path.clone()))
        .collect();
    for (service, names) in services.iter_mut().zip(all_dependencies) {
        let mut linked: BTreeMap<&str, &str> = BTreeMap::new();
        for name in names {
            if let Some(path) = by_name.get(name).filter(|p| **p != service.path) {
                linked.insert(name, path);
            }
        }
        service.workspace_dependencies = linked
            .into_iter()
            .map(|(name, path)| WorkspaceDependency {
                name: name.to_string(),
                path: path.to_string(),
            })
            .collect();
    }
}

// ---------------------------------------------------------------------------------------
// Paths

/// Join a repository-relative folder (`.` for the root) and a relative path as a config
/// writes it (`./drizzle`, `../shared/migrations`), normalised. `None` when the result
/// leaves the repository or the path is absolute.
fn join_rel(dir: &str, sub: &str) -> Option<String> {
    let sub = sub.trim().replace('\\', "/");
    if sub.starts_with('/') || sub.get(1..3) == Some(":/") {
        return None;
    }
    let mut parts: Vec<&str> = if dir == "." || dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for part in sub.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// The folder of a repository-relative file (`.` at the root).
fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or(".", |(dir, _)| dir)
}

/// `dir/name` for a repository-relative folder.
fn child(dir: &str, name: &str) -> String {
    if dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// True when `rel` lies inside folder `dir` (any depth).
fn is_under(rel: &str, dir: &str) -> bool {
    dir == "."
        || rel
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn file_stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

/// A compiled regex, from a process-wide cache: the same patterns (a config key, a
/// dependency name) recur for every service, and compiling dominates otherwise. `None` only
/// for an invalid pattern (all patterns here are constants or escaped names).
fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<Regex>>>> = LazyLock::new(Default::default);
    let compile = || Regex::new(pattern).ok();
    match CACHE.lock() {
        Ok(mut cache) => cache
            .entry(pattern.to_string())
            .or_insert_with(compile)
            .clone(),
        Err(_) => compile(),
    }
}

// ---------------------------------------------------------------------------------------
// Service discovery

struct ServiceRoot {
    dir: String,
    /// Manifests in this folder, primary first: (path, ecosystem).
    manifests: Vec<(String, &'static str)>,
}

/// Workspace declarations at the repository root.
fn read_workspaces(ctx: &CollectContext) -> Vec<Workspace> {
    let mut out = Vec::new();
    if let Some(entry) = ctx.inventory.get("package.json") {
        if let Ok(text) = read_text(&entry.abs) {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                let globs = match json.get("workspaces") {
                    Some(serde_json::Value::Array(items)) => Some(items),
                    Some(serde_json::Value::Object(map)) => {
                        map.get("packages").and_then(|p| p.as_array())
                    }
                    _ => None,
                };
                if let Some(globs) = globs {
                    out.push(Workspace {
                        kind: "npm".into(),
                        manifest: "package.json".into(),
                        globs: globs
                            .iter()
                            .filter_map(|g| g.as_str().map(str::to_string))
                            .collect(),
                        location: key_location("package.json", &text, "workspaces"),
                    });
                }
            }
        }
    }
    if let Some(entry) = ctx.inventory.get("pnpm-workspace.yaml") {
        if let Ok(text) = read_text(&entry.abs) {
            out.push(Workspace {
                kind: "pnpm".into(),
                manifest: "pnpm-workspace.yaml".into(),
                globs: pnpm_packages(&text),
                location: Location::file_start("pnpm-workspace.yaml"),
            });
        }
    }
    if let Some(entry) = ctx.inventory.get("Cargo.toml") {
        if let Ok(text) = read_text(&entry.abs) {
            if let Ok(value) = text.parse::<toml::Table>() {
                if let Some(ws) = value.get("workspace").and_then(|w| w.as_table()) {
                    let list = |key: &str| -> Vec<String> {
                        ws.get(key)
                            .and_then(|m| m.as_array())
                            .map(|a| {
                                a.iter()
                                    .filter_map(|v| v.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let mut globs = list("members");
                    globs.extend(list("exclude").into_iter().map(|g| format!("!{g}")));
                    out.push(Workspace {
                        kind: "cargo".into(),
                        manifest: "Cargo.toml".into(),
                        globs,
                        location: line_matching("Cargo.toml", &text, r"(?m)^\s*\[workspace\]"),
                    });
                }
            }
        }
    }
    out
}

/// The `packages:` list of a `pnpm-workspace.yaml` (a flat YAML list of quoted or bare
/// strings; pnpm allows nothing more elaborate there).
/// The `packages:` globs of a `pnpm-workspace.yaml`, as written (quotes and comments removed).
pub fn pnpm_packages(text: &str) -> Vec<String> {
    let mut globs = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t', '-']) {
            in_packages = trimmed.starts_with("packages:");
            continue;
        }
        if in_packages {
            if let Some(item) = trimmed.strip_prefix('-') {
                let item = item
                    .split(" #")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches(['"', '\'']);
                if !item.is_empty() {
                    globs.push(item.to_string());
                }
            }
        }
    }
    globs
}

/// A matcher for workspace member globs: (positive, negative). `*` stays within one path
/// component, as npm and pnpm read it.
fn workspace_matcher(globs: &[String]) -> (GlobSet, GlobSet) {
    let mut positive = GlobSetBuilder::new();
    let mut negative = GlobSetBuilder::new();
    for glob in globs {
        let (builder, pattern) = match glob.strip_prefix('!') {
            Some(rest) => (&mut negative, rest),
            None => (&mut positive, glob.as_str()),
        };
        let pattern = pattern
            .trim()
            .trim_start_matches("./")
            .trim_end_matches('/');
        if let Ok(g) = GlobBuilder::new(pattern).literal_separator(true).build() {
            builder.add(g);
        }
    }
    (
        positive.build().unwrap_or_else(|_| GlobSet::empty()),
        negative.build().unwrap_or_else(|_| GlobSet::empty()),
    )
}

fn discover_services(ctx: &CollectContext, workspaces: &[Workspace]) -> Vec<ServiceRoot> {
    let mut by_dir: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    for (name, ecosystem) in MANIFESTS {
        for entry in ctx.inventory.named(|n| n == *name) {
            by_dir
                .entry(parent_dir(&entry.rel).to_string())
                .or_default()
                .push((entry.rel.clone(), ecosystem));
        }
    }
    // Honour workspace globs: below the root, a manifest of a workspace's ecosystem is a
    // service only when the workspace lists its folder (others are examples, fixtures or
    // tools that the monorepo does not build).
    let matchers: Vec<(&str, (GlobSet, GlobSet))> = workspaces
        .iter()
        .map(|w| {
            (
                if w.kind == "cargo" { "cargo" } else { "npm" },
                workspace_matcher(&w.globs),
            )
        })
        .collect();
    let member = |dir: &str, ecosystem: &str| -> bool {
        let relevant: Vec<_> = matchers
            .iter()
            .filter(|(eco, _)| *eco == ecosystem)
            .collect();
        dir == "."
            || relevant.is_empty()
            || relevant
                .iter()
                .any(|(_, (pos, neg))| pos.is_match(dir) && !neg.is_match(dir))
    };
    let mut roots = Vec::new();
    for (dir, mut manifests) in by_dir {
        manifests.retain(|(_, eco)| member(&dir, eco));
        if manifests.is_empty() {
            continue;
        }
        manifests.sort_by_key(|(_, eco)| MANIFESTS.iter().position(|(_, e)| e == eco));
        roots.push(ServiceRoot { dir, manifests });
    }
    roots
}

/// Every walked file, grouped under the service that owns it: the nearest enclosing service
/// folder (a nested service owns its own files). Files outside every service are dropped.
fn files_by_service<'a>(
    ctx: &'a CollectContext,
    roots: &[ServiceRoot],
) -> HashMap<String, Vec<&'a str>> {
    let dirs: HashSet<&str> = roots.iter().map(|r| r.dir.as_str()).collect();
    let mut owned: HashMap<String, Vec<&str>> = HashMap::new();
    for file in &ctx.inventory.files {
        let mut dir = parent_dir(&file.rel);
        loop {
            if dirs.contains(dir) {
                owned
                    .entry(dir.to_string())
                    .or_default()
                    .push(file.rel.as_str());
                break;
            }
            if dir == "." {
                break;
            }
            dir = parent_dir(dir);
        }
    }
    owned
}

// ---------------------------------------------------------------------------------------
// Manifests

struct ManifestFacts {
    name: Option<String>,
    problem: Option<String>,
    dependencies: Vec<DatabaseDependency>,
    /// Every dependency name, of any kind (to find dependencies on other services).
    all_dependencies: Vec<String>,
    /// package.json `prisma.schema`: (path, location).
    prisma_schema: Option<(String, Location)>,
}

fn read_manifest(ctx: &CollectContext, path: &str, ecosystem: &str) -> ManifestFacts {
    let mut facts = ManifestFacts {
        name: None,
        problem: None,
        dependencies: Vec::new(),
        all_dependencies: Vec::new(),
        prisma_schema: None,
    };
    let Some(entry) = ctx.inventory.get(path) else {
        return facts;
    };
    let text = match read_text(&entry.abs) {
        Ok(t) => t,
        Err(e) => {
            facts.problem = Some(e.to_string());
            return facts;
        }
    };
    match ecosystem {
        "npm" => read_package_json(path, &text, &mut facts),
        "cargo" => read_cargo_toml(path, &text, &mut facts),
        "go" => read_go_mod(path, &text, &mut facts),
        _ => read_pyproject(path, &text, &mut facts),
    }
    facts
}

fn classify<'a>(
    table: &'a [(&str, DependencyRole)],
    name: &str,
    prefix: bool,
) -> Option<&'a DependencyRole> {
    table
        .iter()
        .find(|(dep, _)| {
            if prefix {
                name == *dep || name.starts_with(&format!("{dep}/"))
            } else {
                name == *dep
            }
        })
        .map(|(_, role)| role)
}

fn dependency(
    name: &str,
    role: &DependencyRole,
    section: &str,
    location: Location,
) -> DatabaseDependency {
    let (kind, tool) = match role {
        DependencyRole::Tool(t) => ("tool", Some(t.to_string())),
        DependencyRole::Driver => ("driver", None),
    };
    DatabaseDependency {
        name: name.to_string(),
        kind: kind.into(),
        tool,
        dev: matches!(
            section,
            "devDependencies" | "dev-dependencies" | "dev" | "dependency-groups"
        ),
        section: section.to_string(),
        location,
    }
}

fn read_package_json(path: &str, text: &str, facts: &mut ManifestFacts) {
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => {
            facts.problem = Some(format!(
                "package.json is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ));
            return;
        }
    };
    facts.name = json
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string);
    for section in [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ] {
        let Some(deps) = json.get(section).and_then(|d| d.as_object()) else {
            continue;
        };
        let section_start = find_json_key(text, section, 0).map_or(0, |(start, _)| start);
        for name in deps.keys() {
            facts.all_dependencies.push(name.clone());
            let Some(role) = classify(NPM_DEPENDENCIES, name, false) else {
                continue;
            };
            let location = match find_json_key(text, name, section_start) {
                Some((start, end)) => Location::from_byte_range(path, text, start, end),
                None => Location::file_start(path),
            };
            facts
                .dependencies
                .push(dependency(name, role, section, location));
        }
    }
    if let Some(schema) = json
        .get("prisma")
        .and_then(|p| p.get("schema"))
        .and_then(|s| s.as_str())
    {
        let prisma_start = find_json_key(text, "prisma", 0).map_or(0, |(s, _)| s);
        let location = find_json_key(text, "schema", prisma_start).map_or_else(
            || Location::file_start(path),
            |(s, e)| Location::from_byte_range(path, text, s, e),
        );
        facts.prisma_schema = Some((schema.to_string(), location));
    }
}

/// Byte range of the line holding JSON key `"key":` at or after `from`, from the opening
/// quote to the end of that line's value (trailing comma and spaces excluded).
fn find_json_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    let pattern = format!(r#""{}"\s*:"#, regex::escape(key));
    let re = regex(&pattern)?;
    let m = re.find_at(text, from.min(text.len()))?;
    let line_end = text[m.start()..]
        .find('\n')
        .map_or(text.len(), |i| m.start() + i);
    let value_end = m.start()
        + text[m.start()..line_end]
            .trim_end()
            .trim_end_matches(',')
            .len();
    Some((m.start(), value_end.max(m.end())))
}

/// Location of a top-level JSON key, or the file start.
fn key_location(path: &str, text: &str, key: &str) -> Location {
    find_json_key(text, key, 0).map_or_else(
        || Location::file_start(path),
        |(s, e)| Location::from_byte_range(path, text, s, e),
    )
}

/// The whole first line matching `pattern` (trimmed), or the file start.
fn line_matching(path: &str, text: &str, pattern: &str) -> Location {
    let Some(re) = regex(pattern) else {
        return Location::file_start(path);
    };
    match re.find(text) {
        Some(m) => line_span(path, text, m.start()),
        None => Location::file_start(path),
    }
}

/// The trimmed content of the line holding byte `offset`.
fn line_span(path: &str, text: &str, offset: usize) -> Location {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    let lead = line.len() - line.trim_start().len();
    let content_end = start + line.trim_end().len();
    Location::from_byte_range(path, text, start + lead, content_end.max(start + lead))
}

fn read_cargo_toml(path: &str, text: &str, facts: &mut ManifestFacts) {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            facts.problem = Some(format!("Cargo.toml is not valid TOML: {}", e.message()));
            return;
        }
    };
    facts.name = table
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = table.get(section).and_then(|d| d.as_table()) else {
            continue;
        };
        for name in deps.keys() {
            facts.all_dependencies.push(name.clone());
            let Some(role) = classify(CARGO_DEPENDENCIES, name, false) else {
                continue;
            };
            let escaped = regex::escape(name);
            let location = line_matching(
                path,
                text,
                &format!(
                    r#"(?m)^\s*(?:{escaped}\s*=|"{escaped}"\s*=|\[{}\.{escaped}\])"#,
                    regex::escape(section)
                ),
            );
            facts
                .dependencies
                .push(dependency(name, role, section, location));
        }
    }
}

fn read_go_mod(path: &str, text: &str, facts: &mut ManifestFacts) {
    let mut in_block = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let line_start = offset;
        offset += line.len();
        if let Some(module) = trimmed.strip_prefix("module ") {
            facts.name = Some(module.trim().trim_matches('"').to_string());
            continue;
        }
        let spec = if in_block {
            if trimmed.starts_with(')') {
                in_block = false;
                continue;
            }
            trimmed
        } else if trimmed.starts_with("require (") || trimmed == "require(" {
            in_block = true;
            continue;
        } else if let Some(rest) = trimmed.strip_prefix("require ") {
            rest.trim()
        } else {
            continue;
        };
        let Some(module) = spec.split_whitespace().next() else {
            continue;
        };
        if module.starts_with("//") {
            continue;
        }
        facts.all_dependencies.push(module.to_string());
        if let Some(role) = classify(GO_DEPENDENCIES, module, true) {
            facts.dependencies.push(dependency(
                module,
                role,
                "require",
                line_span(
                    path,
                    text,
                    line_start + (line.len() - line.trim_start().len()),
                ),
            ));
        }
    }
}

/// A PEP 508 requirement's distribution name, normalised.
fn python_name(requirement: &str) -> String {
    requirement
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

fn read_pyproject(path: &str, text: &str, facts: &mut ManifestFacts) {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            facts.problem = Some(format!("pyproject.toml is not valid TOML: {}", e.message()));
            return;
        }
    };
    let project = table.get("project");
    let poetry = table.get("tool").and_then(|t| t.get("poetry"));
    facts.name = project
        .and_then(|p| p.get("name"))
        .or_else(|| poetry.and_then(|p| p.get("name")))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let mut found: Vec<(String, &str)> = Vec::new();
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(python_name))
                    .collect()
            })
            .unwrap_or_default()
    };
    found.extend(
        strings(project.and_then(|p| p.get("dependencies")))
            .into_iter()
            .map(|n| (n, "dependencies")),
    );
    if let Some(extras) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(|o| o.as_table())
    {
        for list in extras.values() {
            found.extend(
                strings(Some(list))
                    .into_iter()
                    .map(|n| (n, "optional-dependencies")),
            );
        }
    }
    if let Some(groups) = table.get("dependency-groups").and_then(|g| g.as_table()) {
        for list in groups.values() {
            found.extend(
                strings(Some(list))
                    .into_iter()
                    .map(|n| (n, "dependency-groups")),
            );
        }
    }
    if let Some(deps) = poetry
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        found.extend(deps.keys().map(|k| (python_name(k), "dependencies")));
    }
    let mut seen = BTreeSet::new();
    for (name, section) in found {
        facts.all_dependencies.push(name.clone());
        let Some(role) = classify(PYTHON_DEPENDENCIES, &name, false) else {
            continue;
        };
        if !seen.insert(name.clone()) {
            continue;
        }
        // The name may be written with `_` or another case; match it loosely.
        let loose = regex::escape(&name).replace(r"\-", "[-_.]");
        let location = line_matching(
            path,
            text,
            &format!(r#"(?mi)(?:^\s*|["']){loose}(?:[\s\[<>=~!;"',]|$)"#),
        );
        facts
            .dependencies
            .push(dependency(&name, role, section, location));
    }
}

// ---------------------------------------------------------------------------------------
// Tool uses

/// One use of a migration tool by a service, before its files are listed.
struct ToolUse {
    tool: String,
    dir: String,
    dir_source: &'static str,
    config: Option<String>,
    location: Location,
    config_problem: Option<String>,
    /// Try the tool's conventional folders when `dir` holds nothing (no config named it).
    fall_back_to_convention: bool,
}

fn collect_service(
    ctx: &CollectContext,
    excludes: &GlobSet,
    root: &ServiceRoot,
    owned: &[&str],
) -> (Service, Vec<String>) {
    let mut name = None;
    let mut all_dependencies = Vec::new();
    let mut manifest_problem = None;
    let mut dependencies = Vec::new();
    let mut prisma_schema = None;
    for (path, ecosystem) in &root.manifests {
        let facts = read_manifest(ctx, path, ecosystem);
        name = name.or(facts.name);
        manifest_problem = manifest_problem.or(facts.problem.map(|p| format!("{path}: {p}")));
        dependencies.extend(facts.dependencies);
        all_dependencies.extend(facts.all_dependencies);
        prisma_schema = prisma_schema.or(facts.prisma_schema);
    }
    let (manifest, ecosystem) = root.manifests[0].clone();
    let uses = tool_uses(ctx, root, owned, &dependencies, prisma_schema);
    let mut histories: Vec<MigrationHistory> = uses
        .into_iter()
        .map(|u| build_history(ctx, excludes, owned, u))
        .collect();

    // A service with a driver and no tool may still keep plain SQL migrations.
    if histories.is_empty() {
        if let Some(driver) = dependencies.iter().find(|d| d.kind == "driver") {
            if let Some(dir) = convention_dir_with_files(&root.dir, owned, conventional_dirs("sql"))
            {
                let u = ToolUse {
                    tool: "sql".into(),
                    dir,
                    dir_source: "convention",
                    config: None,
                    location: driver.location.clone(),
                    config_problem: None,
                    fall_back_to_convention: false,
                };
                histories.push(build_history(ctx, excludes, owned, u));
            }
        }
    }

    let folder_name = if root.dir == "." {
        ".".to_string()
    } else {
        file_name(&root.dir).to_string()
    };
    let service = Service {
        name: name.unwrap_or(folder_name),
        path: root.dir.clone(),
        manifest: manifest.clone(),
        ecosystem: ecosystem.to_string(),
        location: Location::file_start(manifest),
        manifest_problem,
        database_dependencies: dependencies,
        workspace_dependencies: Vec::new(),
        histories,
    };
    (service, all_dependencies)
}

/// The first conventional folder (relative to the service) that holds files.
fn convention_dir_with_files(
    service_dir: &str,
    owned: &[&str],
    candidates: &[&str],
) -> Option<String> {
    candidates
        .iter()
        .filter_map(|c| join_rel(service_dir, c))
        .find(|dir| {
            owned
                .iter()
                .any(|rel| is_under(rel, dir) && is_migration_file(rel))
        })
}

fn is_migration_file(rel: &str) -> bool {
    let name = file_name(rel);
    MIGRATION_EXTENSIONS.contains(&extension(name))
        && name != "__init__.py"
        && !name.ends_with(".d.ts")
}

fn config_files<'a>(owned: &[&'a str], names: &[&str]) -> Vec<&'a str> {
    owned
        .iter()
        .copied()
        .filter(|rel| names.contains(&file_name(rel)))
        .collect()
}

fn tool_uses(
    ctx: &CollectContext,
    root: &ServiceRoot,
    owned: &[&str],
    dependencies: &[DatabaseDependency],
    prisma_schema: Option<(String, Location)>,
) -> Vec<ToolUse> {
    let mut uses = Vec::new();
    let mut configured: BTreeSet<&str> = BTreeSet::new();

    for config in config_files(
        owned,
        &[
            "drizzle.config.ts",
            "drizzle.config.js",
            "drizzle.config.mjs",
            "drizzle.config.cjs",
            "drizzle.config.json",
        ],
    ) {
        configured.insert("drizzle");
        uses.push(js_config_use(ctx, config, "drizzle", "out", "drizzle"));
    }

    let mut schema_files: Vec<(String, Option<Location>)> = Vec::new();
    if let Some((schema, location)) = prisma_schema {
        if let Some(rel) = join_rel(&root.dir, &schema) {
            schema_files.push((rel, Some(location)));
        }
    }
    for rel in owned.iter().filter(|r| extension(r) == "prisma") {
        if !schema_files
            .iter()
            .any(|(s, _)| s == rel || is_under(rel, s))
        {
            schema_files.push((rel.to_string(), None));
        }
    }
    let mut prisma_dirs = BTreeSet::new();
    for (schema, named_at) in schema_files {
        if let Some(u) = prisma_use(ctx, &schema, named_at) {
            configured.insert("prisma");
            if prisma_dirs.insert(u.dir.clone()) {
                uses.push(u);
            }
        }
    }

    for config in config_files(
        owned,
        &["knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs"],
    ) {
        configured.insert("knex");
        uses.push(js_config_use(
            ctx,
            config,
            "knex",
            "directory",
            "migrations",
        ));
    }
    for config in config_files(owned, &["diesel.toml"]) {
        configured.insert("diesel");
        uses.extend(configured_dir_uses(
            ctx,
            config,
            "diesel",
            r#"(?m)^\s*dir\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`)"#,
            "migrations",
        ));
    }
    for config in config_files(owned, &["alembic.ini"]) {
        configured.insert("alembic");
        for mut u in configured_dir_uses(
            ctx,
            config,
            "alembic",
            r"(?m)^\s*script_location\s*=\s*(?:%\(here\)s/)?()()([^\s;#]+)",
            "alembic",
        ) {
            u.dir = child(&u.dir, "versions");
            uses.push(u);
        }
    }
    for config in config_files(owned, &[".sequelizerc"]) {
        configured.insert("sequelize");
        uses.push(js_config_use(
            ctx,
            config,
            "sequelize",
            "migrations-path",
            "migrations",
        ));
    }

    // Tools known only from a runtime dependency: the tool's default or conventional folder,
    // and the dependency line as the place to point at. A CLI hoisted into a workspace
    // root's devDependencies (`prisma`, `drizzle-kit`) with no config is not a use.
    let mut seen_tools = BTreeSet::new();
    for dep in dependencies.iter().filter(|d| d.kind == "tool" && !d.dev) {
        let Some(tool) = dep.tool.as_deref() else {
            continue;
        };
        if configured.contains(tool) || !seen_tools.insert(tool.to_string()) {
            continue;
        }
        let candidates = conventional_dirs(tool);
        let (dir, source) = match convention_dir_with_files(&root.dir, owned, candidates) {
            Some(dir) => (dir, "convention"),
            None => (
                join_rel(&root.dir, candidates[0]).unwrap_or_else(|| root.dir.clone()),
                "default",
            ),
        };
        uses.push(ToolUse {
            tool: tool.to_string(),
            dir,
            dir_source: source,
            config: None,
            location: dep.location.clone(),
            config_problem: None,
            fall_back_to_convention: true,
        });
    }
    uses
}

/// The first string literal captured by `re` in `text` (groups 1–3 are the quote styles),
/// with the byte range of the whole match.
fn first_literal(re: &Regex, text: &str) -> Option<(String, usize, usize)> {
    re.captures_iter(text).find_map(|c| {
        let whole = c.get(0)?;
        if is_commented(text, whole.start()) {
            return None;
        }
        let value = (1..=3).find_map(|i| c.get(i).filter(|m| !m.as_str().is_empty()))?;
        Some((value.as_str().to_string(), whole.start(), whole.end()))
    })
}

/// True when byte `offset` sits after `//` or `#` on its line (a commented-out setting).
fn is_commented(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = text[start..offset].trim_start();
    before.starts_with("//")
        || before.starts_with('#')
        || before.starts_with(';')
        || before.starts_with('*')
}

fn read_config_text(ctx: &CollectContext, config: &str) -> Result<String, String> {
    let entry = ctx
        .inventory
        .get(config)
        .ok_or_else(|| "not in the repository walk".to_string())?;
    read_text(&entry.abs).map_err(|e| e.to_string())
}

/// Apply the first literal matching `pattern` in a config as the history folder.
fn static_regex_literal(
    u: &mut ToolUse,
    text: &str,
    config: &str,
    config_dir: &str,
    pattern: &str,
) {
    let Some(re) = regex(pattern) else { return };
    if let Some((value, start, end)) = first_literal(&re, text) {
        u.location = Location::from_byte_range(config, text, start, end);
        match join_rel(config_dir, &value) {
            Some(dir) => {
                u.dir = dir;
                u.dir_source = "config";
            }
            None => {
                u.config_problem = Some(format!(
                    "{config} names a history folder outside the repository"
                ));
            }
        }
    }
}

/// Uses of a tool whose config names its folder with one regex (knex `directory`, diesel
/// `dir`, alembic `script_location`); the tool's default when the config names none.
fn configured_dir_uses(
    ctx: &CollectContext,
    config: &str,
    tool: &str,
    pattern: &str,
    default: &str,
) -> Vec<ToolUse> {
    let config_dir = parent_dir(config);
    let mut u = ToolUse {
        tool: tool.into(),
        dir: join_rel(config_dir, default).unwrap_or_else(|| config_dir.to_string()),
        dir_source: "default",
        config: Some(config.to_string()),
        location: Location::file_start(config),
        config_problem: None,
        fall_back_to_convention: false,
    };
    match read_config_text(ctx, config) {
        Ok(text) => static_regex_literal(&mut u, &text, config, config_dir, pattern),
        Err(problem) => u.config_problem = Some(format!("{config}: {problem}")),
    }
    vec![u]
}

/// A folder setting in a JavaScript/TypeScript config, as far as launchgate can evaluate it.
enum JsPathSetting {
    /// A literal path, or `path.join` / `path.resolve` of literals (with `__dirname` or
    /// `process.cwd()`, both the config's folder in practice): the value and the byte range
    /// from the key to the end of the value.
    Path {
        value: String,
        start: usize,
        end: usize,
    },
    /// The key is set to something else (a variable, a template with `${}`): where it is.
    Computed { start: usize },
}

/// The first uncommented `key: value` property in `text`.
fn js_path_setting(text: &str, key: &str) -> Option<JsPathSetting> {
    let re = regex(&format!(r#"["']?\b{}\b["']?\s*:\s*"#, regex::escape(key)))?;
    let m = re
        .find_iter(text)
        .find(|m| !is_commented(text, m.start()))?;
    let line_end = text[m.end()..]
        .find('\n')
        .map_or(text.len(), |i| m.end() + i);
    let rest = &text[m.end()..line_end];
    let computed = JsPathSetting::Computed { start: m.start() };
    if let Some(quote) = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
    {
        let body = &rest[1..];
        let Some(close) = body.find(quote) else {
            return Some(computed);
        };
        let value = &body[..close];
        if quote == '`' && value.contains("${") {
            return Some(computed);
        }
        let end = m.end() + 1 + close + 1;
        return Some(JsPathSetting::Path {
            value: value.to_string(),
            start: m.start(),
            end,
        });
    }
    let call = regex(r#"^(?:path\.)?(?:join|resolve)\(([^)]*)\)"#)?;
    let Some(c) = call.captures(rest) else {
        return Some(computed);
    };
    let (Some(whole), Some(args)) = (c.get(0), c.get(1)) else {
        return Some(computed);
    };
    let mut parts = Vec::new();
    for arg in args
        .as_str()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        let unquoted = arg
            .strip_prefix(['"', '\''])
            .and_then(|a| a.strip_suffix(['"', '\'']));
        match unquoted {
            Some(literal) => parts.push(literal),
            None if parts.is_empty() && matches!(arg, "__dirname" | "process.cwd()") => {}
            None => return Some(computed),
        }
    }
    if parts.is_empty() {
        return Some(computed);
    }
    Some(JsPathSetting::Path {
        value: parts.join("/"),
        start: m.start(),
        end: m.end() + whole.end(),
    })
}

/// A tool use declared by a JavaScript/TypeScript config (drizzle `out`, knex
/// `directory`, sequelize `migrations-path`), or the tool's default folder beside it.
fn js_config_use(
    ctx: &CollectContext,
    config: &str,
    tool: &str,
    key: &str,
    default: &str,
) -> ToolUse {
    let config_dir = parent_dir(config);
    let mut u = ToolUse {
        tool: tool.to_string(),
        dir: join_rel(config_dir, default).unwrap_or_else(|| config_dir.to_string()),
        dir_source: "default",
        config: Some(config.to_string()),
        location: Location::file_start(config),
        config_problem: None,
        fall_back_to_convention: false,
    };
    let text = match read_config_text(ctx, config) {
        Ok(t) => t,
        Err(problem) => {
            u.config_problem = Some(format!("{config}: {problem}"));
            return u;
        }
    };
    match js_path_setting(&text, key) {
        Some(JsPathSetting::Path { value, start, end }) => {
            u.location = Location::from_byte_range(config, &text, start, end);
            match join_rel(config_dir, &value) {
                Some(dir) => {
                    u.dir = dir;
                    u.dir_source = "config";
                }
                None => {
                    u.config_problem = Some(format!(
                        "{config} names a history folder outside the repository"
                    ));
                }
            }
        }
        Some(JsPathSetting::Computed { start, .. }) => {
            u.location = line_span(config, &text, start);
            u.config_problem = Some(format!(
                "{config} sets `{key}` to an expression launchgate cannot evaluate; the default folder was assumed"
            ));
        }
        None => {}
    }
    u
}

fn prisma_use(ctx: &CollectContext, schema: &str, named_at: Option<Location>) -> Option<ToolUse> {
    // A schema path may name a file or (multi-file schemas) a folder; migrations live next
    // to the schema file that holds the datasource.
    let schema_file = if extension(schema) == "prisma" {
        schema.to_string()
    } else {
        child(schema, "schema.prisma")
    };
    let text = ctx
        .inventory
        .get(&schema_file)
        .and_then(|e| read_text(&e.abs).ok());
    if let Some(text) = &text {
        if !text.contains("datasource") {
            return None;
        }
        // MongoDB schemas use `db push`; prisma migrate keeps no history for them.
        if let Some(re) = regex(r#"(?s)datasource\s+\w+\s*\{[^}]*provider\s*=\s*"mongodb""#) {
            if re.is_match(text) {
                return None;
            }
        }
    } else if named_at.is_none() {
        return None;
    }
    let location = match (&text, named_at) {
        (_, Some(loc)) => loc,
        (Some(text), None) => line_matching(&schema_file, text, r"(?m)^\s*datasource\s+\w+"),
        (None, None) => Location::file_start(&schema_file),
    };
    let dir = child(parent_dir(&schema_file), "migrations");
    Some(ToolUse {
        tool: "prisma".into(),
        dir,
        dir_source: "default",
        config: Some(schema_file.clone()),
        location,
        config_problem: text
            .is_none()
            .then(|| format!("{schema_file} is named but not found")),
        fall_back_to_convention: false,
    })
}

// ---------------------------------------------------------------------------------------
// Histories

/// A file of a history folder: from the walk, or listed on disk because the walk skipped it.
struct HistoryFile {
    rel: String,
    abs: std::path::PathBuf,
    ignored_on_disk: bool,
}

/// Every file under `dir`: the walk's, plus those on disk the walk skipped (git-ignored).
fn files_in(
    ctx: &CollectContext,
    excludes: &GlobSet,
    owned: &[&str],
    dir: &str,
) -> Vec<HistoryFile> {
    let mut files: BTreeMap<String, HistoryFile> = BTreeMap::new();
    for rel in owned.iter().filter(|rel| is_under(rel, dir)) {
        if let Some(entry) = ctx.inventory.get(rel) {
            files.insert(
                rel.to_string(),
                HistoryFile {
                    rel: rel.to_string(),
                    abs: entry.abs.clone(),
                    ignored_on_disk: false,
                },
            );
        }
    }
    let mut on_disk = Vec::new();
    match &ctx.git {
        // The walk skipped only what git ignores: ask git's list instead of listing the folder.
        Some(git) if ctx.inventory.git_lists_ignored => {
            skipped_by_git(ctx, git, dir, &mut on_disk);
        }
        _ => list_on_disk(&ctx.root.join(dir), dir, 0, &mut on_disk),
    }
    for (rel, abs) in on_disk {
        if files.contains_key(&rel) || excludes.is_match(&rel) {
            continue;
        }
        files.insert(
            rel.clone(),
            HistoryFile {
                rel,
                abs,
                ignored_on_disk: true,
            },
        );
    }
    files.into_values().collect()
}

/// Files under `dir` that git ignores (so the walk skipped them): ignored files listed by
/// git, plus the contents of ignored folders inside `dir` (or of `dir` itself when a folder
/// above it is ignored), listed on disk.
fn skipped_by_git(
    ctx: &CollectContext,
    git: &super::GitRepo,
    dir: &str,
    out: &mut Vec<(String, std::path::PathBuf)>,
) {
    for rel in git.ignored_paths() {
        match rel.strip_suffix('/') {
            Some(ignored_dir) if is_under(ignored_dir, dir) => {
                let depth = ignored_dir.matches('/').count() - dir.matches('/').count();
                list_on_disk(&ctx.root.join(ignored_dir), ignored_dir, depth, out);
            }
            Some(ignored_dir) if dir == ignored_dir || is_under(dir, ignored_dir) => {
                list_on_disk(&ctx.root.join(dir), dir, 0, out);
                return;
            }
            Some(_) => {}
            None if is_under(rel, dir) => {
                let abs = ctx.root.join(rel);
                // Symlinks are not followed, as in the walk.
                if abs.symlink_metadata().is_ok_and(|m| m.is_file()) {
                    out.push((rel.to_string(), abs));
                }
            }
            None => {}
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
}

/// List regular files under `abs` (not following symlinks), bounded in depth and count.
fn list_on_disk(abs: &Path, rel: &str, depth: usize, out: &mut Vec<(String, std::path::PathBuf)>) {
    if depth > DISK_LIST_MAX_DEPTH || out.len() >= DISK_LIST_MAX_FILES || rel == "." {
        return;
    }
    let Ok(entries) = std::fs::read_dir(abs) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" || name == "node_modules" {
            continue;
        }
        let child_rel = child(rel, &name);
        if kind.is_file() {
            if out.len() >= DISK_LIST_MAX_FILES {
                return;
            }
            out.push((child_rel, entry.path()));
        } else if kind.is_dir() {
            list_on_disk(&entry.path(), &child_rel, depth + 1, out);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// sha256 as hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The checksum prisma records for a `migration.sql` (sha256 of the text as written) and
/// the variants it also accepts when comparing: the script with CRLF turned into LF, and
/// with every LF turned into CRLF (prisma's own rewrite, applied even to existing CRLF).
pub fn prisma_checksums(text: &str) -> (String, Vec<String>) {
    let hash = sha256_hex(text);
    let mut variants = Vec::new();
    for variant in [text.replace("\r\n", "\n"), text.replace('\n', "\r\n")] {
        let digest = sha256_hex(&variant);
        if digest != hash && !variants.contains(&digest) {
            variants.push(digest);
        }
    }
    (hash, variants)
}

/// Read and hash one migration file the way `tool` does.
fn migration_file(
    ctx: &CollectContext,
    tool: &str,
    id: String,
    file: &HistoryFile,
    created_at: Option<i64>,
) -> MigrationFile {
    let mut fact = MigrationFile {
        tool: tool.to_string(),
        id,
        path: file.rel.clone(),
        hash: None,
        hash_algorithm: if tool == "sqlx" { "sha384" } else { "sha256" }.into(),
        hash_variants: Vec::new(),
        created_at,
        git: if file.ignored_on_disk && ctx.git.is_some() {
            git_state_of_skipped(ctx, &file.rel)
        } else {
            ctx.git_state(&file.rel)
        },
        problem: None,
        location: Location::file_start(&file.rel),
    };
    match read_text(&file.abs) {
        Ok(text) => match tool {
            "prisma" => {
                let (hash, variants) = prisma_checksums(&text);
                fact.hash = Some(hash);
                fact.hash_variants = variants;
            }
            "sqlx" => fact.hash = Some(hex(&Sha384::digest(text.as_bytes()))),
            "alembic" => {
                fact.hash = Some(sha256_hex(&text));
                if let Some(revision) = alembic_revision(&text) {
                    fact.id = revision;
                }
            }
            _ => fact.hash = Some(sha256_hex(&text)),
        },
        Err(problem) => fact.problem = Some(problem.to_string()),
    }
    fact
}

/// A file the walk skipped is ignored by git unless git says it is tracked (a tracked file
/// matching an ignore rule is still walked by git, but not by the `ignore` crate).
fn git_state_of_skipped(ctx: &CollectContext, rel: &str) -> GitState {
    match ctx.git_state(rel) {
        GitState::Tracked => GitState::Tracked,
        _ => GitState::Ignored,
    }
}

/// `revision = "ae1027a6acf"` in an alembic version file.
/// The `revision = "..."` id of an alembic migration script.
pub fn alembic_revision(text: &str) -> Option<String> {
    let re = regex(r#"(?m)^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']"#)?;
    re.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

fn build_history(
    ctx: &CollectContext,
    excludes: &GlobSet,
    owned: &[&str],
    mut u: ToolUse,
) -> MigrationHistory {
    let mut all = files_in(ctx, excludes, owned, &u.dir);
    if u.fall_back_to_convention && all.iter().all(|f| !is_migration_file(&f.rel)) {
        // Nothing where the tool's default points; a conventional folder may still hold it.
        if let Some(dir) = owned
            .iter()
            .filter(|rel| is_migration_file(rel))
            .find_map(|rel| migrations_component_dir(rel))
        {
            u.dir = dir;
            u.dir_source = "convention";
            all = files_in(ctx, excludes, owned, &u.dir);
        }
    }
    let mut history = MigrationHistory {
        tool: u.tool.clone(),
        dir: u.dir.clone(),
        dir_source: u.dir_source.into(),
        config: u.config.clone(),
        location: u.location.clone(),
        present: false,
        git: None,
        files: Vec::new(),
        ignored_on_disk: all
            .iter()
            .filter(|f| f.ignored_on_disk)
            .map(|f| f.rel.clone())
            .collect(),
        journal: None,
        lock_file: None,
        config_problem: u.config_problem.clone(),
    };
    match u.tool.as_str() {
        "drizzle" => drizzle_history(ctx, &u.dir, &all, &mut history),
        "prisma" => {
            history.lock_file = all
                .iter()
                .find(|f| f.rel == child(&u.dir, "migration_lock.toml"))
                .map(|f| f.rel.clone());
            for f in &all {
                let Some(rest) = f.rel.strip_prefix(&format!("{}/", u.dir)) else {
                    continue;
                };
                if let Some((folder, "migration.sql")) = rest.split_once('/') {
                    history
                        .files
                        .push(migration_file(ctx, "prisma", folder.to_string(), f, None));
                }
            }
        }
        "diesel" => {
            for f in &all {
                let Some(rest) = f.rel.strip_prefix(&format!("{}/", u.dir)) else {
                    continue;
                };
                if let Some((folder, "up.sql")) = rest.split_once('/') {
                    history
                        .files
                        .push(migration_file(ctx, "diesel", folder.to_string(), f, None));
                }
            }
        }
        tool => {
            for f in all.iter().filter(|f| is_migration_file(&f.rel)) {
                let id = file_stem(file_name(&f.rel)).to_string();
                history.files.push(migration_file(ctx, tool, id, f, None));
            }
        }
    }
    history.present =
        !history.files.is_empty() || history.journal.as_ref().is_some_and(|j| j.present);
    history.git = worst_git_state(
        history
            .files
            .iter()
            .map(|f| f.git)
            .chain(history.journal.iter().filter_map(|j| j.git)),
    );
    history
}

/// The folder up to a `migrations` / `migration` / `migrate` component of `rel`.
fn migrations_component_dir(rel: &str) -> Option<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let last_dir = parts.len().checked_sub(1)?;
    let i = parts[..last_dir]
        .iter()
        .position(|p| matches!(*p, "migrations" | "migration" | "migrate"))?;
    Some(parts[..=i].join("/"))
}

fn worst_git_state(states: impl Iterator<Item = GitState>) -> Option<GitState> {
    let rank = |s: GitState| match s {
        GitState::Tracked => 0,
        GitState::NotInRepository => 1,
        GitState::Untracked => 2,
        GitState::Ignored => 3,
    };
    states.max_by_key(|s| rank(*s))
}

fn drizzle_history(
    ctx: &CollectContext,
    dir: &str,
    all: &[HistoryFile],
    history: &mut MigrationHistory,
) {
    let journal_path = format!("{dir}/meta/_journal.json");
    let sql: Vec<&HistoryFile> = all
        .iter()
        .filter(|f| extension(&f.rel) == "sql" && parent_dir(&f.rel) == dir)
        .collect();
    let by_path: BTreeMap<&str, &HistoryFile> = sql.iter().map(|f| (f.rel.as_str(), *f)).collect();
    let journal_file = all.iter().find(|f| f.rel == journal_path);
    if journal_file.is_none() && sql.is_empty() {
        // drizzle-kit 1.x keeps one folder per migration (`<ts>_<name>/migration.sql` beside
        // its `snapshot.json`) and no journal: the folder name is the migration's id.
        let prefix = format!("{dir}/");
        for f in all {
            let Some(rest) = f.rel.strip_prefix(&prefix) else {
                continue;
            };
            if let Some((folder, "migration.sql")) = rest.split_once('/') {
                history
                    .files
                    .push(migration_file(ctx, "drizzle", folder.to_string(), f, None));
            }
        }
        if !history.files.is_empty() {
            return;
        }
    }
    let mut journal = DrizzleJournal {
        path: journal_path.clone(),
        present: journal_file.is_some(),
        git: journal_file.map(|f| {
            if f.ignored_on_disk && ctx.git.is_some() {
                git_state_of_skipped(ctx, &f.rel)
            } else {
                ctx.git_state(&f.rel)
            }
        }),
        error: None,
        dialect: None,
        entries: Vec::new(),
        orphans: Vec::new(),
        location: Location::file_start(&journal_path),
    };
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut parsed = false;
    if let Some(file) = journal_file {
        match read_text(&file.abs) {
            Ok(text) => {
                parsed = parse_journal(&text, dir, &|p| by_path.contains_key(p), &mut journal);
            }
            Err(problem) => {
                journal.error = Some(JournalError {
                    message: problem.to_string(),
                    location: journal.location.clone(),
                });
            }
        }
    } else if let Some(first) = sql.first() {
        journal.location = Location::file_start(&first.rel);
    }

    // Files in the order drizzle applies them: journal order, then the rest by name.
    for entry in &mut journal.entries {
        let (Some(tag), Some(path)) = (&entry.tag, &entry.file) else {
            continue;
        };
        if !named.insert(path.clone()) {
            continue;
        }
        if let Some(f) = by_path.get(path.as_str()) {
            let file = migration_file(ctx, "drizzle", tag.clone(), f, entry.when);
            if file.problem.is_some() && !f.abs.exists() {
                // Removed since the walk listed it: the entry has no SQL file now, which is
                // what drizzle's migrate would find (`journal-mismatch`).
                entry.file = None;
                continue;
            }
            history.files.push(file);
        }
    }
    for f in &sql {
        if named.contains(&f.rel) {
            continue;
        }
        if parsed {
            journal.orphans.push(OrphanFile {
                path: f.rel.clone(),
                location: Location::file_start(&f.rel),
            });
        }
        history.files.push(migration_file(
            ctx,
            "drizzle",
            file_stem(file_name(&f.rel)).to_string(),
            f,
            None,
        ));
    }
    history.journal = Some(journal);
}

/// Parse the text of the drizzle journal of history folder `dir` (`<dir>/meta/_journal.json`)
/// on its own, the folder holding the SQL files `sql_files` (repository-relative paths): the
/// journal facts the collector records, without git state or orphans.
pub fn parse_drizzle_journal(dir: &str, text: &str, sql_files: &[&str]) -> DrizzleJournal {
    let path = format!("{dir}/meta/_journal.json");
    let mut journal = DrizzleJournal {
        path: path.clone(),
        present: true,
        git: None,
        error: None,
        dialect: None,
        entries: Vec::new(),
        orphans: Vec::new(),
        location: Location::file_start(&path),
    };
    parse_journal(text, dir, &|p| sql_files.contains(&p), &mut journal);
    journal
}

/// Parse a drizzle journal into `journal`; true when its entries could be read. `has_file`
/// says whether a repository path is one of the folder's SQL files.
fn parse_journal(
    text: &str,
    dir: &str,
    has_file: &dyn Fn(&str) -> bool,
    journal: &mut DrizzleJournal,
) -> bool {
    let path = journal.path.clone();
    let lines = LineIndex::new(text);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            journal.error = Some(JournalError {
                message: format!("malformed JSON: {}", json_error_reason(&e)),
                location: json_error_location(&path, text, &lines, &e),
            });
            return false;
        }
    };
    journal.dialect = value
        .get("dialect")
        .and_then(|d| d.as_str())
        .map(str::to_string);
    // Positions of the top-level members and of each entry's own members: a `tag` nested
    // inside an entry, or one outside `entries`, must not move an entry's location.
    let top = json_spans::object_members(text, 0);
    let entries_member = json_spans::last_member(&top, "entries");
    let entries_location = entries_member.map_or_else(
        || Location::file_start(&path),
        |m| {
            // The key and as much of its value as is on the key's line.
            let line_end = text[m.start..]
                .find('\n')
                .map_or(text.len(), |i| m.start + i);
            lines.location(&path, m.start, m.end.min(line_end))
        },
    );
    let Some(entries) = value.get("entries").and_then(|e| e.as_array()) else {
        journal.error = Some(JournalError {
            message: "the journal has no `entries` array".into(),
            location: entries_location,
        });
        return false;
    };
    let elements = entries_member
        .map(|m| json_spans::array_elements(text, m.value_start))
        .unwrap_or_default();
    for (position, entry) in entries.iter().enumerate() {
        let tag = entry
            .get("tag")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let own_tag = elements.get(position).and_then(|(start, _)| {
            let members = json_spans::object_members(text, *start);
            json_spans::last_member(&members, "tag").map(|m| (m.start, m.end))
        });
        let location = match (&tag, own_tag) {
            (Some(_), Some((start, end))) => lines.location(&path, start, end),
            _ => entries_location.clone(),
        };
        let expected = tag.as_ref().map(|t| format!("{dir}/{t}.sql"));
        let file = expected.as_ref().filter(|p| has_file(p)).cloned();
        journal.entries.push(JournalEntry {
            position: i64::try_from(position).unwrap_or(i64::MAX),
            idx: entry.get("idx").and_then(|v| v.as_i64()),
            when: entry.get("when").and_then(|v| v.as_i64()),
            tag,
            file,
            expected_file: expected,
            location,
        });
    }
    true
}

/// Where serde_json stopped: it counts lines from 1 and columns in bytes, up to and
/// including the byte it could not use; locations count columns in characters and must stay
/// inside the text (an error at the end of the text is an empty span there).
fn json_error_location(
    path: &str,
    text: &str,
    lines: &LineIndex,
    e: &serde_json::Error,
) -> Location {
    let line_start = if e.line() <= 1 {
        Some(0)
    } else {
        text.match_indices('\n')
            .nth(e.line() - 2)
            .map(|(i, _)| i + 1)
    };
    let Some(line_start) = line_start else {
        return lines.location(path, text.len(), text.len());
    };
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut at = (line_start + e.column().saturating_sub(1)).min(line_end);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let next = text[at..line_end]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    lines.location(path, at, next)
}

/// serde_json's message without its trailing "at line L column C" (the location says it).
fn json_error_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_rel_normalises_and_refuses_to_leave_the_repository() {
        assert_eq!(
            join_rel("CredVerseIssuer 3", "./drizzle").as_deref(),
            Some("CredVerseIssuer 3/drizzle")
        );
        assert_eq!(join_rel(".", "./drizzle/").as_deref(), Some("drizzle"));
        assert_eq!(
            join_rel("apps/api", "../shared/migrations").as_deref(),
            Some("apps/shared/migrations")
        );
        assert_eq!(join_rel("api", "../../elsewhere"), None);
        assert_eq!(join_rel("api", "/abs/path"), None);
    }

    #[test]
    fn prisma_checksum_is_sha256_of_the_script_and_accepts_other_line_endings() {
        // The value prisma's own test pins for "hello".
        assert_eq!(
            prisma_checksums("hello").0,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let (lf, lf_variants) = prisma_checksums("CREATE TABLE a (id int);\n");
        let (crlf, crlf_variants) = prisma_checksums("CREATE TABLE a (id int);\r\n");
        assert_ne!(lf, crlf);
        assert!(
            lf_variants.contains(&crlf),
            "an LF file accepts the CRLF checksum"
        );
        assert!(
            crlf_variants.contains(&lf),
            "a CRLF file accepts the LF checksum"
        );
        assert!(prisma_checksums("no newline").1.is_empty());
    }

    #[test]
    fn pnpm_workspace_packages_are_read() {
        let text = "packages:\n  - 'apps/*'\n  - \"packages/**\" # libs\n  - '!**/test/**'\ncatalog:\n  react: ^18\n";
        assert_eq!(
            pnpm_packages(text),
            ["apps/*", "packages/**", "!**/test/**"]
        );
    }

    #[test]
    fn workspace_star_stays_within_one_folder() {
        let (pos, neg) = workspace_matcher(&[
            "apps/*".into(),
            "CredVerseIssuer 3".into(),
            "!apps/legacy".into(),
        ]);
        assert!(pos.is_match("apps/web"));
        assert!(!pos.is_match("apps/web/e2e"));
        assert!(pos.is_match("CredVerseIssuer 3"));
        assert!(neg.is_match("apps/legacy"));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = "{\n  \"tag\": \"0000_é\",\n\n  x\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_col(offset),
                crate::facts::line_col(text, offset),
                "offset {offset}"
            );
        }
    }

    /// Found by the journal property tests (tests/properties.rs).
    #[test]
    fn a_journal_entry_is_located_at_its_own_tag_not_a_nested_or_outer_one() {
        let text = "{\"tag\": \"outer\", \"entries\": [\n  {\"breakpoints\": {\"tag\": \"_\"}, \"tag\": \"0000_\\\"\"},\n  {\"tag\": \"0001_b\"}\n]}";
        let journal = parse_drizzle_journal("d", text, &[]);
        let located: Vec<(u32, u32, u32)> = journal
            .entries
            .iter()
            .map(|e| (e.location.line, e.location.column, e.location.end_column))
            .collect();
        // `"tag": "0000_\""` on line 2 from column 33; `"tag": "0001_b"` on line 3.
        assert_eq!(located, [(2, 33, 49), (3, 4, 19)], "{journal:#?}");
    }

    /// Found by the journal property tests: an error at the end of the text, and columns
    /// after multi-byte characters (serde_json counts bytes).
    #[test]
    fn malformed_json_is_located_inside_the_text_in_characters() {
        let at = |text: &str| {
            let error = parse_drizzle_journal("d", text, &[]).error.expect("error");
            let l = error.location;
            (l.line, l.column, l.end_line, l.end_column)
        };
        assert_eq!(at(""), (1, 1, 1, 1));
        assert_eq!(at("{\n"), (2, 1, 2, 1));
        // `x` is the 8th character of line 1 (and its 9th byte).
        assert_eq!(at("{\"é\": x}"), (1, 7, 1, 8));
    }

    #[test]
    fn python_names_are_normalised() {
        assert_eq!(python_name("psycopg[binary]>=3.1"), "psycopg");
        assert_eq!(python_name("SQLAlchemy_Utils ==0.41"), "sqlalchemy-utils");
    }

    #[test]
    fn migrations_component_dir_stops_at_the_migrations_folder() {
        assert_eq!(
            migrations_component_dir("svc/src/migrations/1700_init.ts").as_deref(),
            Some("svc/src/migrations")
        );
        assert_eq!(
            migrations_component_dir("svc/app/migrations/0001_initial.py").as_deref(),
            Some("svc/app/migrations")
        );
        assert_eq!(migrations_component_dir("svc/src/index.ts"), None);
    }

    fn js_value(text: &str, key: &str) -> Option<String> {
        match js_path_setting(text, key)? {
            JsPathSetting::Path { value, .. } => Some(value),
            JsPathSetting::Computed { .. } => Some("<computed>".into()),
        }
    }

    #[test]
    fn js_folder_settings_are_read_like_the_tools_read_them() {
        let commented = "export default {\n  // out: \"./old\",\n  out: \"./db/migrations\",\n};\n";
        assert_eq!(
            js_value(commented, "out").as_deref(),
            Some("./db/migrations")
        );
        let joined = "migrations: { directory: path.join(__dirname, 'db', 'migrations') },";
        assert_eq!(
            js_value(joined, "directory").as_deref(),
            Some("db/migrations")
        );
        let resolved = "\"migrations-path\": path.resolve(\"database\", \"migrations\"),";
        assert_eq!(
            js_value(resolved, "migrations-path").as_deref(),
            Some("database/migrations")
        );
        assert_eq!(
            js_value("out: `./${dir}`,", "out").as_deref(),
            Some("<computed>")
        );
        assert_eq!(
            js_value("out: outDir,", "out").as_deref(),
            Some("<computed>")
        );
        assert_eq!(js_value("timeout: \"5s\", layout: \"x\"", "out"), None);
    }
}
