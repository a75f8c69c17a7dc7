//! Service discovery: which folders are services (a manifest, narrowed by the root's
//! workspace globs) and which files each service owns. Reads only root workspace files.

use std::collections::{BTreeMap, HashMap, HashSet};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::paths::{key_location, line_matching, parent_dir};
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::Workspace;
use crate::facts::Location;

/// Manifest file names that make a folder a service, in the order that picks the primary one.
const MANIFESTS: &[(&str, &str)] = &[
    ("package.json", "npm"),
    ("Cargo.toml", "cargo"),
    ("go.mod", "go"),
    ("pyproject.toml", "python"),
    ("requirements.txt", "python"),
    ("Gemfile", "ruby"),
    ("mix.exs", "elixir"),
    ("pom.xml", "jvm"),
    ("build.gradle", "jvm"),
    ("build.gradle.kts", "jvm"),
    // A migration tool's own project file makes a folder a service too: Atlas, Flyway,
    // Liquibase and sqitch projects often have no package manifest at all.
    ("atlas.hcl", "tool"),
    ("flyway.conf", "tool"),
    ("flyway.toml", "tool"),
    ("liquibase.properties", "tool"),
    ("sqitch.conf", "tool"),
];

pub(super) struct ServiceRoot {
    pub dir: String,
    /// Manifests in this folder, primary first: (path, ecosystem).
    pub manifests: Vec<(String, &'static str)>,
}

/// Workspace declarations at the repository root.
pub(super) fn read_workspaces(ctx: &CollectContext) -> Vec<Workspace> {
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
pub(super) fn workspace_matcher(globs: &[String]) -> (GlobSet, GlobSet) {
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

pub(super) fn discover_services(
    ctx: &CollectContext,
    workspaces: &[Workspace],
) -> Vec<ServiceRoot> {
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
pub(super) fn files_by_service<'a>(
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
