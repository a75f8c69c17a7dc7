//! Which migration tools a service uses, and where each one's history folder is: read from
//! the tool's config files the way the tool reads them (as far as literals go), else the
//! tool's default or conventional folder. Never evaluates code and never reads outside the
//! repository walk.

use std::collections::BTreeSet;

use regex::Regex;

use super::files::{convention_dir_with_files, is_tool_file};
use super::paths::{
    child, extension, is_under, join_rel, line_matching, line_span, parent_dir, regex,
};
use super::services::ServiceRoot;
use super::tools::{self, Layout, Setting, Tool, TOOLS};
use crate::collect::walk::file_name;
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::DatabaseDependency;
use crate::facts::Location;

/// One use of a migration tool by a service, before its files are listed.
pub(super) struct ToolUse {
    pub tool: &'static Tool,
    pub dir: String,
    pub dir_source: &'static str,
    pub config: Option<String>,
    pub location: Location,
    pub config_problem: Option<String>,
    /// Try the tool's conventional folders when `dir` holds nothing (no config named it).
    pub fall_back_to_convention: bool,
    /// A custom history's file glob, relative to `dir` (`*/migration.ts`).
    pub pattern: Option<String>,
}

pub(super) fn config_files<'a>(owned: &[&'a str], names: &[&str]) -> Vec<&'a str> {
    owned
        .iter()
        .copied()
        .filter(|rel| names.contains(&file_name(rel)))
        .collect()
}

pub(super) fn tool_uses(
    ctx: &CollectContext,
    root: &ServiceRoot,
    owned: &[&str],
    dependencies: &[DatabaseDependency],
    prisma_schema: Option<(String, Location)>,
) -> Vec<ToolUse> {
    let mut uses = Vec::new();
    let mut configured: BTreeSet<&str> = BTreeSet::new();

    for tool in TOOLS {
        match tool.setting {
            Some(Setting::PrismaSchema) => {
                let mut schema_files: Vec<(String, Option<Location>)> = Vec::new();
                if let Some((schema, location)) = prisma_schema.clone() {
                    if let Some(rel) = join_rel(&root.dir, &schema) {
                        schema_files.push((rel, Some(location)));
                    }
                }
                // `prisma.config.ts` names the schema (file or folder) and may move the
                // migrations folder (`migrations: { path }`).
                let mut migrations_path: Option<(String, Location)> = None;
                for config in config_files(owned, tool.configs) {
                    let Ok(text) = read_config_text(ctx, config) else {
                        continue;
                    };
                    let config_dir = parent_dir(config);
                    if let Some(JsPathSetting::Path { value, start, end }) =
                        js_path_setting(&text, "schema")
                    {
                        if let Some(rel) = join_rel(config_dir, &value) {
                            let at = Location::from_byte_range(config, &text, start, end);
                            schema_files.insert(0, (rel, Some(at)));
                        }
                    }
                    let block = text.find("migrations").map(|i| &text[i..]);
                    if let Some(JsPathSetting::Path { value, start, end }) =
                        block.and_then(|b| js_path_setting(b, "path"))
                    {
                        let offset = text.len() - block.map_or(0, str::len);
                        if let Some(rel) = join_rel(config_dir, &value) {
                            let at = Location::from_byte_range(
                                config,
                                &text,
                                offset + start,
                                offset + end,
                            );
                            migrations_path = Some((rel, at));
                        }
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
                    if let Some(mut u) = prisma_use(ctx, tool, &schema, named_at) {
                        if let Some((dir, at)) = &migrations_path {
                            u.dir = dir.clone();
                            u.dir_source = "config";
                            u.location = at.clone();
                        }
                        if ctx
                            .inventory
                            .files
                            .iter()
                            .all(|f| !is_under(&f.rel, &u.dir))
                        {
                            // A generated or copied-in folder (a custom runner copies the
                            // history there): the prisma-layout history beside the schema,
                            // known by its `migration_lock.toml`.
                            let schema_dir = u.config.as_deref().map_or(".", parent_dir);
                            let base = parent_dir(schema_dir).to_string();
                            let under: Vec<&str> = ctx
                                .inventory
                                .files
                                .iter()
                                .map(|f| f.rel.as_str())
                                .filter(|rel| is_under(rel, &base))
                                .collect();
                            if let Some(lock) = under.iter().find(|rel| {
                                file_name(rel) == "migration_lock.toml"
                                    && under.iter().any(|m| {
                                        file_name(m) == "migration.sql"
                                            && parent_dir(parent_dir(m)) == parent_dir(rel)
                                    })
                            }) {
                                u.dir = parent_dir(lock).to_string();
                                u.dir_source = "convention";
                            }
                        }
                        configured.insert(tool.name);
                        if prisma_dirs.insert(u.dir.clone()) {
                            uses.push(u);
                        }
                    }
                }
            }
            Some(Setting::JsKey { key, default }) => {
                for config in config_files(owned, tool.configs) {
                    configured.insert(tool.name);
                    uses.push(js_config_use(ctx, config, tool, key, default));
                }
            }
            Some(Setting::Line {
                pattern,
                default,
                then,
            }) => {
                for config in config_files(owned, tool.configs) {
                    configured.insert(tool.name);
                    let mut u = configured_dir_use(ctx, config, tool, pattern, default);
                    if u.dir_source == "config" {
                        resolve_package_resource(owned, config, &mut u);
                    }
                    if let Some(then) = then {
                        u.dir = child(&u.dir, then);
                    }
                    uses.push(u);
                }
            }
            Some(Setting::FlywayLocations { default }) => {
                for config in config_files(owned, tool.configs) {
                    configured.insert(tool.name);
                    uses.push(flyway_use(ctx, config, tool, default));
                }
            }
            Some(Setting::LiquibaseChangelog { default }) => {
                for config in config_files(owned, tool.configs) {
                    configured.insert(tool.name);
                    uses.push(liquibase_use(ctx, config, tool, default));
                }
            }
            Some(Setting::Sqitch) => {
                let mut dirs = BTreeSet::new();
                // `sqitch.conf` first: it may move the plan's folder (`top_dir`).
                let mut configs = config_files(owned, tool.configs);
                configs.sort_by_key(|c| (parent_dir(c).to_string(), !c.ends_with(".conf")));
                for config in configs {
                    let u = sqitch_use(ctx, config, tool);
                    let plan_beside_conf =
                        config.ends_with(".plan") && dirs.contains(parent_dir(config));
                    if plan_beside_conf || !dirs.insert(u.dir.clone()) {
                        continue;
                    }
                    if config.ends_with(".conf") {
                        dirs.insert(parent_dir(config).to_string());
                    }
                    configured.insert(tool.name);
                    uses.push(u);
                }
            }
            None => {}
        }
    }
    // An Atlas folder known by its `atlas.sum` alone (no `atlas.hcl` names it).
    let atlas = tools::by_name("atlas");
    for sum in config_files(owned, &["atlas.sum"]) {
        let dir = parent_dir(sum).to_string();
        if uses.iter().any(|u| u.tool.name == "atlas" && u.dir == dir) {
            continue;
        }
        configured.insert(atlas.name);
        uses.push(ToolUse {
            tool: atlas,
            dir,
            dir_source: "convention",
            config: None,
            location: Location::file_start(sum),
            config_problem: None,
            fall_back_to_convention: false,
            pattern: None,
        });
    }

    // Tools known only from a runtime dependency: the tool's default or conventional folder,
    // and the dependency line as the place to point at. A CLI hoisted into a workspace
    // root's devDependencies (`prisma`, `drizzle-kit`) with no config is not a use.
    let mut seen_tools = BTreeSet::new();
    for dep in dependencies.iter().filter(|d| d.kind == "tool" && !d.dev) {
        let Some(tool) = dep.tool.as_deref().map(tools::by_name) else {
            continue;
        };
        if configured.contains(tool.name) || !seen_tools.insert(tool.name) {
            continue;
        }
        if tool.layout == Layout::DjangoApps {
            uses.extend(django_uses(root, owned, tool, &dep.location));
            continue;
        }
        let mut u = ToolUse {
            tool,
            dir: String::new(),
            dir_source: "default",
            config: None,
            location: dep.location.clone(),
            config_problem: None,
            fall_back_to_convention: true,
            pattern: None,
        };
        match convention_dir_with_files(&root.dir, owned, tool) {
            Some(dir) => {
                u.dir = dir;
                u.dir_source = "convention";
            }
            None => {
                u.dir = join_rel(&root.dir, tool.conventional_dirs[0])
                    .unwrap_or_else(|| root.dir.clone());
            }
        }
        if let Some(var) = tool.env_dir {
            apply_env_dir(ctx, root, var, &mut u);
        }
        if tool.optional && u.dir_source == "default" {
            // Only a history that is there is recorded for an optional tool.
            continue;
        }
        uses.push(u);
    }

    // Histories whose files name their tool (`-- +goose Up`, `-- migrate:up`): the CLIs are
    // often installed as binaries, so no dependency shows them.
    for tool in TOOLS.iter().filter(|t| t.marker.is_some()) {
        if uses.iter().any(|u| u.tool.name == tool.name) {
            continue;
        }
        // One file per folder is read (every file of these tools carries the marker), and
        // folders another use already claims are not read at all.
        let mut dirs: Vec<String> = Vec::new();
        let mut looked: BTreeSet<&str> = BTreeSet::new();
        for rel in owned.iter().filter(|rel| is_tool_file(tool, rel)) {
            let dir = parent_dir(rel);
            if !looked.insert(dir) || uses.iter().any(|u| is_under(rel, &u.dir)) {
                continue;
            }
            if file_mentions(ctx, rel, tool.marker) {
                dirs.push(dir.to_string());
            }
        }
        for dir in dirs {
            let first = owned
                .iter()
                .find(|rel| parent_dir(rel) == dir && is_tool_file(tool, rel))
                .map_or_else(|| dir.clone(), |rel| rel.to_string());
            uses.push(ToolUse {
                tool,
                dir,
                dir_source: "convention",
                config: None,
                location: Location::file_start(first),
                config_problem: None,
                fall_back_to_convention: false,
                pattern: None,
            });
        }
    }
    uses
}

/// Alembic's `script_location = package:path` names a folder inside an importable package:
/// the package folder is the config's own folder, or one beside or below it, by name.
fn resolve_package_resource(owned: &[&str], config: &str, u: &mut ToolUse) {
    let config_dir = parent_dir(config);
    let Some(last) = u
        .dir
        .strip_prefix(config_dir)
        .map(|r| r.trim_start_matches('/'))
    else {
        return;
    };
    let Some((package, rest)) = last.split_once(':') else {
        return;
    };
    if package.is_empty() || package.contains('/') {
        return;
    }
    let mut candidates = Vec::new();
    if file_name(config_dir) == package {
        candidates.push(config_dir.to_string());
    }
    candidates.push(child(config_dir, package));
    candidates.push(child(parent_dir(config_dir), package));
    candidates.push(child(&child(config_dir, "src"), package));
    for candidate in candidates {
        let Some(dir) = join_rel(&candidate, rest) else {
            continue;
        };
        if owned.iter().any(|rel| is_under(rel, &dir)) {
            u.dir = dir;
            return;
        }
    }
}

/// True when the file's text contains `marker` (false when it cannot be read).
fn file_mentions(ctx: &CollectContext, rel: &str, marker: Option<&str>) -> bool {
    let Some(marker) = marker else { return false };
    ctx.inventory
        .get(rel)
        .and_then(|e| read_text(&e.abs).ok())
        .is_some_and(|text| text.contains(marker))
}

/// Django keeps one history per app: every `<app>/migrations/` folder with `NNNN_*.py`
/// files. None at all: the default `migrations/` is reported at the dependency.
fn django_uses(
    root: &ServiceRoot,
    owned: &[&str],
    tool: &'static Tool,
    location: &Location,
) -> Vec<ToolUse> {
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for rel in owned.iter().filter(|rel| is_tool_file(tool, rel)) {
        let dir = parent_dir(rel);
        if file_name(dir) == "migrations" {
            dirs.insert(dir);
        }
    }
    let use_of = |dir: String, source: &'static str| ToolUse {
        tool,
        dir,
        dir_source: source,
        config: None,
        location: location.clone(),
        config_problem: None,
        fall_back_to_convention: false,
        pattern: None,
    };
    if dirs.is_empty() {
        return vec![use_of(child(&root.dir, "migrations"), "default")];
    }
    dirs.into_iter()
        .map(|d| use_of(d.to_string(), "convention"))
        .collect()
}

/// `VAR=folder` in the service's `.env` (dbmate's `DBMATE_MIGRATIONS_DIR`, goose's
/// `GOOSE_MIGRATION_DIR`) moves the folder.
fn apply_env_dir(ctx: &CollectContext, root: &ServiceRoot, var: &str, u: &mut ToolUse) {
    let env = child(&root.dir, ".env");
    let Ok(text) = read_config_text(ctx, &env) else {
        return;
    };
    let pattern = format!(
        r#"(?m)^\s*(?:export\s+)?{}\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#]+))"#,
        regex::escape(var)
    );
    u.config = Some(env.clone());
    static_regex_literal(u, &text, &env, &root.dir, &pattern);
    if u.dir_source != "config" {
        u.config = None;
    }
}

/// A Flyway config: the first `filesystem:` or `classpath:` location (`flyway.locations=` in
/// `flyway.conf`, `locations = [...]` in `flyway.toml`).
fn flyway_use(ctx: &CollectContext, config: &str, tool: &'static Tool, default: &str) -> ToolUse {
    let config_dir = parent_dir(config);
    let mut u = ToolUse {
        tool,
        dir: join_rel(config_dir, default).unwrap_or_else(|| config_dir.to_string()),
        dir_source: "default",
        config: Some(config.to_string()),
        location: Location::file_start(config),
        config_problem: None,
        fall_back_to_convention: false,
        pattern: None,
    };
    let text = match read_config_text(ctx, config) {
        Ok(t) => t,
        Err(problem) => {
            u.config_problem = Some(format!("{config}: {problem}"));
            return u;
        }
    };
    let Some(re) = regex(
        r#"(?m)^\s*(?:flyway\.)?locations\s*=\s*\[?\s*["']?(?:filesystem:|(classpath:))?([^"',\]\s]+)"#,
    ) else {
        return u;
    };
    if let Some(c) = re
        .captures_iter(&text)
        .find(|c| c.get(0).is_some_and(|m| !is_commented(&text, m.start())))
    {
        let (Some(whole), Some(value)) = (c.get(0), c.get(2)) else {
            return u;
        };
        u.location = Location::from_byte_range(config, &text, whole.start(), whole.end());
        let value = value.as_str().trim_end_matches(['"', '\'']);
        let path = if c.get(1).is_some() {
            format!("src/main/resources/{}", value.trim_start_matches('/'))
        } else {
            value.to_string()
        };
        match join_rel(config_dir, &path) {
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
    u
}

/// A Liquibase config: the folder of its `changeLogFile`.
fn liquibase_use(
    ctx: &CollectContext,
    config: &str,
    tool: &'static Tool,
    default: &str,
) -> ToolUse {
    let mut u = configured_dir_use(
        ctx,
        config,
        tool,
        r"(?mi)^\s*(?:changeLogFile|changelog-file)\s*[:=]\s*()()([^\s#]+)",
        default,
    );
    if u.dir_source == "config" {
        // The setting names the master changelog; its folder holds the history. A classpath
        // path lives under `src/main/resources`.
        let beside = u.dir.clone();
        let in_resources = join_rel(parent_dir(config), "src/main/resources").and_then(|r| {
            let value = beside.strip_prefix(parent_dir(config)).unwrap_or(&beside);
            join_rel(&r, value.trim_start_matches('/'))
        });
        let master = match in_resources {
            Some(r) if ctx.inventory.get(&beside).is_none() && ctx.inventory.get(&r).is_some() => r,
            _ => beside,
        };
        u.dir = parent_dir(&master).to_string();
    }
    u
}

/// A sqitch project: `top_dir` in `sqitch.conf` (default: the config's folder).
fn sqitch_use(ctx: &CollectContext, config: &str, tool: &'static Tool) -> ToolUse {
    let config_dir = parent_dir(config);
    if config.ends_with(".plan") {
        return ToolUse {
            tool,
            dir: config_dir.to_string(),
            dir_source: "default",
            config: Some(config.to_string()),
            location: Location::file_start(config),
            config_problem: None,
            fall_back_to_convention: false,
            pattern: None,
        };
    }
    configured_dir_use(
        ctx,
        config,
        tool,
        r#"(?m)^\s*top_dir\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#;]+))"#,
        ".",
    )
}

/// The first string literal captured by `re` in `text` (groups 1–3 are the quote styles),
/// with the byte range of the whole match.
pub(super) fn first_literal(re: &Regex, text: &str) -> Option<(String, usize, usize)> {
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
pub(super) fn is_commented(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = text[start..offset].trim_start();
    before.starts_with("//")
        || before.starts_with('#')
        || before.starts_with(';')
        || before.starts_with('*')
}

pub(super) fn read_config_text(ctx: &CollectContext, config: &str) -> Result<String, String> {
    let entry = ctx
        .inventory
        .get(config)
        .ok_or_else(|| "not in the repository walk".to_string())?;
    read_text(&entry.abs).map_err(|e| e.to_string())
}

/// Apply the first literal matching `pattern` in a config as the history folder.
pub(super) fn static_regex_literal(
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

/// The use of a tool whose config names its folder with one regex (diesel `dir`, alembic
/// `script_location`); the tool's default when the config names none.
pub(super) fn configured_dir_use(
    ctx: &CollectContext,
    config: &str,
    tool: &'static Tool,
    pattern: &str,
    default: &str,
) -> ToolUse {
    let config_dir = parent_dir(config);
    let mut u = ToolUse {
        tool,
        dir: join_rel(config_dir, default).unwrap_or_else(|| config_dir.to_string()),
        dir_source: "default",
        config: Some(config.to_string()),
        location: Location::file_start(config),
        config_problem: None,
        fall_back_to_convention: false,
        pattern: None,
    };
    match read_config_text(ctx, config) {
        Ok(text) => static_regex_literal(&mut u, &text, config, config_dir, pattern),
        Err(problem) => u.config_problem = Some(format!("{config}: {problem}")),
    }
    u
}

/// A folder setting in a JavaScript/TypeScript config, as far as launchgate can evaluate it.
pub(super) enum JsPathSetting {
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
pub(super) fn js_path_setting(text: &str, key: &str) -> Option<JsPathSetting> {
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
pub(super) fn js_config_use(
    ctx: &CollectContext,
    config: &str,
    tool: &'static Tool,
    key: &str,
    default: &str,
) -> ToolUse {
    let config_dir = parent_dir(config);
    let mut u = ToolUse {
        tool,
        dir: join_rel(config_dir, default).unwrap_or_else(|| config_dir.to_string()),
        dir_source: "default",
        config: Some(config.to_string()),
        location: Location::file_start(config),
        config_problem: None,
        fall_back_to_convention: false,
        pattern: None,
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

pub(super) fn prisma_use(
    ctx: &CollectContext,
    tool: &'static Tool,
    schema: &str,
    named_at: Option<Location>,
) -> Option<ToolUse> {
    // A schema path may name a file or (multi-file schemas) a folder; migrations live next
    // to the schema file that holds the datasource.
    let schema_file = if extension(schema) == "prisma" {
        schema.to_string()
    } else {
        // A multi-file schema folder: the file that holds the datasource.
        let prefix = format!("{schema}/");
        ctx.inventory
            .files
            .iter()
            .filter(|f| f.rel.starts_with(&prefix) && extension(&f.rel) == "prisma")
            .find(|f| read_text(&f.abs).is_ok_and(|t| t.contains("datasource")))
            .map_or_else(|| child(schema, "schema.prisma"), |f| f.rel.clone())
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
        tool,
        dir,
        dir_source: "default",
        config: Some(schema_file.clone()),
        location,
        config_problem: text
            .is_none()
            .then(|| format!("{schema_file} is named but not found")),
        fall_back_to_convention: false,
        pattern: None,
    })
}
