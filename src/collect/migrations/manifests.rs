//! Manifests: a service's name and the dependencies that matter for migrations, located at
//! their lines, as each ecosystem declares them (`package.json`, `Cargo.toml`, `go.mod`,
//! `pyproject.toml`). A manifest that cannot be parsed is a fact (`problem`), never a panic.

use std::collections::BTreeSet;

use super::paths::{find_json_key, line_matching, line_span};
use super::tools::{classify, Ecosystem, Role};
use crate::collect::{read_text, CollectContext};
use crate::facts::migrations::DatabaseDependency;
use crate::facts::Location;

pub(super) struct ManifestFacts {
    pub name: Option<String>,
    pub problem: Option<String>,
    pub dependencies: Vec<DatabaseDependency>,
    /// Every dependency name, of any kind (to find dependencies on other services).
    pub all_dependencies: Vec<String>,
    /// package.json `prisma.schema`: (path, location).
    pub prisma_schema: Option<(String, Location)>,
}

pub(super) fn read_manifest(ctx: &CollectContext, path: &str, ecosystem: &str) -> ManifestFacts {
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

pub(super) fn dependency(
    name: &str,
    role: Role,
    section: &str,
    location: Location,
) -> DatabaseDependency {
    let (kind, tool) = match role {
        Role::Tool(t) => ("tool", Some(t.name.to_string())),
        Role::Driver => ("driver", None),
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

pub(super) fn read_package_json(path: &str, text: &str, facts: &mut ManifestFacts) {
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
            let Some(role) = classify(Ecosystem::Npm, name) else {
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

pub(super) fn read_cargo_toml(path: &str, text: &str, facts: &mut ManifestFacts) {
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
            let Some(role) = classify(Ecosystem::Cargo, name) else {
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

pub(super) fn read_go_mod(path: &str, text: &str, facts: &mut ManifestFacts) {
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
        if let Some(role) = classify(Ecosystem::Go, module) {
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
pub(super) fn python_name(requirement: &str) -> String {
    requirement
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

pub(super) fn read_pyproject(path: &str, text: &str, facts: &mut ManifestFacts) {
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
        let Some(role) = classify(Ecosystem::Python, &name) else {
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
