//! The migrations collector: services, their database dependencies, and the migration
//! history each migration tool would read.
//!
//! It owns turning a repository into [`MigrationFacts`]; the parts live beside it:
//! `services` (service discovery from manifests, narrowed by root workspace globs),
//! `manifests` (dependencies as each ecosystem declares them), `tools` (one row per
//! migration tool: detection, history location, layout, hashing), `configs` (reading tool
//! configs the way each tool reads them), `files` (listing and hashing a history folder,
//! with git state) and `drizzle` (its journal). It never judges: a missing folder, a
//! malformed journal or an ignored file is recorded as a fact for
//! `policies/migrations.rhai`. It never panics on repository content and never follows
//! symlinks.
//!
//! One deliberate step outside the inventory: a history folder is also listed on disk
//! (bounded, non-following), because the walk honours `.gitignore` and a history that git
//! ignores is exactly what `migrations/history-uncommitted` must see. Such files are marked
//! in [`MigrationHistory::ignored_on_disk`].

use std::collections::{BTreeMap, HashMap};

use globset::GlobSet;

mod configs;
mod declarative;
mod drizzle;
mod files;
pub mod integrity;
mod manifests;
mod ownership;
mod paths;
mod services;
pub mod tools;

use super::walk::file_name;
use super::CollectContext;
use crate::facts::migrations::{MigrationFacts, MigrationHistory, Service, WorkspaceDependency};
use crate::facts::Location;
use configs::{tool_uses, ToolUse};
use files::{
    convention_dir_with_files, files_in, is_tool_file, migration_file, migration_id,
    migrations_component_dir, worst_git_state,
};
use manifests::read_manifest;
use paths::{child, file_stem, parent_dir};
use services::{discover_services, files_by_service, read_workspaces, ServiceRoot};
use tools::Layout;

pub use drizzle::parse_drizzle_journal;
pub use files::{alembic_revision, flyway_checksum, prisma_checksums, sha1_hex, sha256_hex};
pub use services::pnpm_packages;

pub fn collect(ctx: &CollectContext) -> MigrationFacts {
    let excludes = ctx.config.config.exclude.set();
    let workspaces = read_workspaces(ctx);
    let roots = discover_services(ctx, &workspaces);
    let owned = files_by_service(ctx, &roots);
    let (mut services, all_dependencies): (Vec<Service>, Vec<Vec<String>>) = roots
        .iter()
        .map(|root| {
            let files = owned.get(&root.dir).map_or(&[][..], Vec::as_slice);
            collect_service(ctx, excludes, root, files, &roots)
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

fn collect_service(
    ctx: &CollectContext,
    excludes: &GlobSet,
    root: &ServiceRoot,
    owned: &[&str],
    all_roots: &[ServiceRoot],
) -> (Service, Vec<String>) {
    let mut name = None;
    let mut all_dependencies = Vec::new();
    let mut manifest_problem = None;
    let mut manifest_skipped = None;
    let mut dependencies = Vec::new();
    let mut prisma_schema = None;
    let mut scripts = Vec::new();
    let mut client_only = Vec::new();
    for (path, ecosystem) in &root.manifests {
        let facts = read_manifest(ctx, path, ecosystem);
        name = name.or(facts.name);
        manifest_problem = manifest_problem.or(facts.problem.map(|p| format!("{path}: {p}")));
        manifest_skipped = manifest_skipped.or(facts.skipped);
        dependencies.extend(facts.dependencies);
        all_dependencies.extend(facts.all_dependencies);
        prisma_schema = prisma_schema.or(facts.prisma_schema);
        scripts.extend(facts.scripts);
        client_only.extend(facts.client_only);
    }
    if root.manifests.iter().any(|(_, eco)| *eco == "go") {
        ownership::mark_test_only_go_imports(ctx, owned, &mut dependencies);
    }
    let (manifest, ecosystem) = root.manifests[0].clone();
    let folder_name = if root.dir == "." {
        ".".to_string()
    } else {
        file_name(&root.dir).to_string()
    };
    let name = name.unwrap_or(folder_name);
    let mut uses = tool_uses(ctx, root, owned, &dependencies, prisma_schema);
    uses.extend(custom_uses(ctx, root, &name, all_roots));
    let mut histories: Vec<MigrationHistory> = uses
        .into_iter()
        .map(|u| build_history(ctx, excludes, owned, u))
        .collect();

    // A service with a driver and no tool may still keep plain SQL migrations.
    if histories.is_empty() {
        if let Some(driver) = dependencies.iter().find(|d| d.kind == "driver") {
            let sql = tools::by_name("sql");
            // A conventional folder, else any `migrations` folder of the service's own (not a
            // test's) holding migration files.
            // The folder with the most files wins: a `cmd/migrate/` command is not the
            // history its `migrations/` folder is.
            let found = convention_dir_with_files(&root.dir, owned, sql).or_else(|| {
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for dir in owned
                    .iter()
                    .filter(|rel| is_tool_file(sql, rel) && !ownership::is_test_path(rel))
                    .filter_map(|rel| migrations_component_dir(rel))
                {
                    *counts.entry(dir).or_default() += 1;
                }
                counts
                    .into_iter()
                    .max_by_key(|(dir, n)| (*n, std::cmp::Reverse(dir.clone())))
                    .map(|(dir, _)| dir)
            });
            if let Some(dir) = found {
                let u = ToolUse {
                    tool: sql,
                    dir,
                    dir_source: "convention",
                    config: None,
                    location: driver.location.clone(),
                    config_problem: None,
                    fall_back_to_convention: false,
                    pattern: None,
                };
                histories.push(build_history(ctx, excludes, owned, u));
            }
        }
    }
    declarative::attach(&scripts, &mut histories);
    let schema_use =
        if histories.is_empty() && dependencies.iter().any(|d| d.kind == "driver" && !d.dev) {
            ownership::schema_use(
                ctx,
                owned,
                &client_only,
                &Location::file_start(&manifest),
                root.manifests.iter().any(|(_, eco)| *eco == "jvm"),
            )
        } else {
            None
        };

    let history_candidates = if histories.iter().any(|h| h.present)
        || dependencies.iter().all(|d| d.kind != "driver" || d.dev)
    {
        Vec::new()
    } else {
        ownership::history_candidates(owned)
    };
    let service = Service {
        history_candidates,
        name,
        path: root.dir.clone(),
        manifest: manifest.clone(),
        ecosystem: ecosystem.to_string(),
        location: Location::file_start(manifest),
        manifest_problem,
        database_dependencies: dependencies,
        workspace_dependencies: Vec::new(),
        histories,
        manifest_skipped,
        schema_use,
    };
    (service, all_dependencies)
}

/// `[[migrations]]` entries of `launchgate.toml` that belong to this service: named by its
/// package name or folder, or (without `service`) the deepest service whose folder holds
/// the path.
fn custom_uses(
    ctx: &CollectContext,
    root: &ServiceRoot,
    name: &str,
    all_roots: &[ServiceRoot],
) -> Vec<ToolUse> {
    let custom = tools::by_name("custom");
    let mut uses = Vec::new();
    for entry in &ctx.config.config.migrations {
        let declared = entry.get_ref();
        let path = paths::join_rel(".", &declared.path).unwrap_or_else(|| declared.path.clone());
        let mine = match &declared.service {
            Some(service) => service == name || *service == root.dir,
            None => {
                let deepest = all_roots
                    .iter()
                    .filter(|r| paths::is_under(&path, &r.dir) || path == r.dir)
                    .max_by_key(|r| if r.dir == "." { 0 } else { r.dir.len() + 1 });
                deepest.is_some_and(|r| r.dir == root.dir)
            }
        };
        if !mine {
            continue;
        }
        let location = ctx
            .config
            .location(entry.span())
            .unwrap_or_else(|| Location::file_start(crate::config::CONFIG_FILE));
        uses.push(ToolUse {
            tool: custom,
            dir: path,
            dir_source: "config",
            config: Some(
                ctx.config
                    .path
                    .clone()
                    .unwrap_or_else(|| crate::config::CONFIG_FILE.to_string()),
            ),
            location,
            config_problem: None,
            fall_back_to_convention: false,
            pattern: Some(
                declared
                    .pattern
                    .as_ref()
                    .map_or("**/*", |p| p.as_str())
                    .to_string(),
            ),
        });
    }
    uses
}

/// List and hash the history of one tool use.
fn build_history(
    ctx: &CollectContext,
    excludes: &GlobSet,
    owned: &[&str],
    mut u: ToolUse,
) -> MigrationHistory {
    // A declared or configured history may lie outside the service's own files.
    let every_file: Vec<&str>;
    let outside = !owned.iter().any(|rel| paths::is_under(rel, &u.dir));
    let owned = if u.pattern.is_some() || outside {
        every_file = ctx
            .inventory
            .files
            .iter()
            .map(|f| f.rel.as_str())
            .filter(|rel| paths::is_under(rel, &u.dir))
            .collect();
        &every_file[..]
    } else {
        owned
    };
    let mut all = files_in(ctx, excludes, owned, &u.dir);
    if u.fall_back_to_convention && all.iter().all(|f| !is_tool_file(u.tool, &f.rel)) {
        // Nothing where the tool's default points; a conventional folder may still hold it.
        if let Some(dir) = owned
            .iter()
            .filter(|rel| is_tool_file(u.tool, rel))
            .find_map(|rel| migrations_component_dir(rel))
        {
            u.dir = dir;
            u.dir_source = "convention";
            all = files_in(ctx, excludes, owned, &u.dir);
        }
    }
    let mut history = MigrationHistory {
        tool: u.tool.name.to_string(),
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
        declarative: None,
        schema_file: None,
        integrity: None,
    };
    let dir_prefix = format!("{}/", u.dir);
    match u.tool.layout {
        Layout::DrizzleJournal => drizzle::drizzle_history(ctx, &u.dir, &all, &mut history),
        Layout::AtlasSum => integrity::atlas_history(ctx, u.tool, &u.dir, &all, &mut history),
        Layout::SqitchPlan => integrity::sqitch_history(ctx, u.tool, &u.dir, &all, &mut history),
        Layout::FolderPer(script) => {
            if u.tool.name == "prisma" {
                history.lock_file = all
                    .iter()
                    .find(|f| f.rel == child(&u.dir, "migration_lock.toml"))
                    .map(|f| f.rel.clone());
            }
            for f in &all {
                let Some(rest) = f.rel.strip_prefix(&dir_prefix) else {
                    continue;
                };
                if let Some((folder, name)) = rest.split_once('/') {
                    if name == script {
                        history.files.push(migration_file(
                            ctx,
                            u.tool,
                            folder.to_string(),
                            f,
                            None,
                        ));
                    }
                }
            }
        }
        Layout::DjangoApps => {
            let app = file_name(parent_dir(&u.dir)).to_string();
            for f in all
                .iter()
                .filter(|f| parent_dir(&f.rel) == u.dir && is_tool_file(u.tool, &f.rel))
            {
                let id = format!("{app}/{}", file_stem(file_name(&f.rel)));
                history.files.push(migration_file(ctx, u.tool, id, f, None));
            }
        }
        Layout::Files => match &u.pattern {
            Some(pattern) => {
                let matcher = globset::GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map(|g| g.compile_matcher());
                match matcher {
                    Ok(matcher) => {
                        for f in &all {
                            let Some(rest) = f.rel.strip_prefix(&dir_prefix) else {
                                continue;
                            };
                            if !matcher.is_match(rest) {
                                continue;
                            }
                            // `<timestamp>/migration.ts`: the folder is the migration.
                            let id = match rest.split_once('/') {
                                Some((folder, _)) => folder.to_string(),
                                None => file_stem(rest).to_string(),
                            };
                            history.files.push(migration_file(ctx, u.tool, id, f, None));
                        }
                    }
                    Err(e) => {
                        history.config_problem =
                            Some(format!("the pattern `{pattern}` is not a valid glob: {e}"));
                    }
                }
            }
            None => {
                for f in all.iter().filter(|f| is_tool_file(u.tool, &f.rel)) {
                    let id = migration_id(u.tool, file_name(&f.rel));
                    history.files.push(migration_file(ctx, u.tool, id, f, None));
                }
            }
        },
    }
    if u.tool.id == tools::Id::Flyway {
        // Flyway applies versioned migrations by version, numerically, then repeatables.
        history.files.sort_by_cached_key(|f| {
            let version: Option<Vec<u64>> =
                f.id.split('.').map(|p| p.parse::<u64>().ok()).collect();
            (version.is_none(), version.unwrap_or_default(), f.id.clone())
        });
    }
    let service_dir = match u.config.as_deref() {
        Some(config) if u.dir_source != "config" => parent_dir(config).to_string(),
        _ => parent_dir(&u.dir).to_string(),
    };
    history.schema_file = u.tool.schema_files.iter().find_map(|s| {
        [child(&service_dir, s), child(parent_dir(&service_dir), s)]
            .into_iter()
            .find(|p| ctx.inventory.get(p).is_some())
    });
    history.present = !history.files.is_empty()
        || history.journal.as_ref().is_some_and(|j| j.present)
        || history.integrity.as_ref().is_some_and(|i| i.present);
    history.git = worst_git_state(
        history
            .files
            .iter()
            .map(|f| f.git)
            .chain(history.journal.iter().filter_map(|j| j.git)),
    );
    history
}

#[cfg(test)]
mod tests {
    use super::configs::{js_path_setting, JsPathSetting};
    use super::manifests::python_name;
    use super::paths::join_rel;
    use super::services::workspace_matcher;
    use super::*;
    use crate::facts::LineIndex;

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
