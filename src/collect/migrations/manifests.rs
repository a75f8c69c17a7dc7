//! Manifests: a service's name and the dependencies that matter for migrations, located at
//! their lines, as each ecosystem declares them (`package.json`, `Cargo.toml`, `go.mod`,
//! `pyproject.toml`). A manifest that cannot be parsed is a fact (`problem`), never a panic.

use std::collections::BTreeSet;

use super::paths::{find_json_key, line_matching, line_span, regex};
use super::tools::{self, classify, Ecosystem, Role};
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
    /// package.json `scripts`: (name, command, location of the script's line).
    pub scripts: Vec<(String, String, Location)>,
    /// Why the manifest was skipped (a template).
    pub skipped: Option<String>,
    /// Client-only dependencies (replication, proxy), with their lines.
    pub client_only: Vec<(String, Location)>,
}

pub(super) fn read_manifest(ctx: &CollectContext, path: &str, ecosystem: &str) -> ManifestFacts {
    let mut facts = ManifestFacts {
        name: None,
        problem: None,
        dependencies: Vec::new(),
        all_dependencies: Vec::new(),
        prisma_schema: None,
        scripts: Vec::new(),
        skipped: None,
        client_only: Vec::new(),
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
    if let Some(marker) = template_marker(&text) {
        facts.skipped = Some(format!(
            "{path} is a template (it contains `{marker}`); it was not read as a manifest"
        ));
        return facts;
    }
    match ecosystem {
        "npm" => read_package_json(path, &text, &mut facts),
        "cargo" => read_cargo_toml(path, &text, &mut facts),
        "go" => read_go_mod(path, &text, &mut facts),
        "ruby" => read_gemfile(path, &text, &mut facts),
        "elixir" => read_mix_exs(path, &text, &mut facts),
        "jvm" => {
            read_jvm_build(path, &text, &mut facts);
            // Gradle builds often keep their dependencies in a sibling file they apply.
            if !path.ends_with(".xml") {
                let sibling =
                    super::paths::child(super::paths::parent_dir(path), "dependencies.gradle");
                if let Some(text) = ctx
                    .inventory
                    .get(&sibling)
                    .and_then(|e| read_text(&e.abs).ok())
                {
                    read_jvm_build(&sibling, &text, &mut facts);
                }
            }
        }
        "python" if path.ends_with(".txt") => read_requirements(path, &text, &mut facts),
        // A tool's project file declares no dependencies; the tool itself is found from it.
        "tool" => {}
        _ => read_pyproject(path, &text, &mut facts),
    }
    facts
}

/// The template syntax a manifest contains (Jinja, cookiecutter, Go templates), if any:
/// such a file is rendered before use, and what it declares is not known until then.
pub(super) fn template_marker(text: &str) -> Option<&'static str> {
    let jinja_block = text.find("{%").is_some_and(|i| text[i..].contains("%}"));
    let expression = text.find("{{").is_some_and(|i| text[i..].contains("}}"));
    if jinja_block {
        Some("{% %}")
    } else if expression {
        Some("{{ }}")
    } else {
        None
    }
}

/// Record dependency `name` when it matters: a tool or driver, or client-only evidence.
fn record(
    facts: &mut ManifestFacts,
    ecosystem: Ecosystem,
    name: &str,
    section: &str,
    dev: bool,
    location: impl FnOnce() -> Location,
) {
    facts.all_dependencies.push(name.to_string());
    if tools::is_client_only(ecosystem, name) {
        facts.client_only.push((name.to_string(), location()));
        return;
    }
    if let Some(role) = classify(ecosystem, name) {
        let mut dep = dependency(name, role, section, location());
        dep.dev = dep.dev || dev;
        facts.dependencies.push(dep);
    }
}

/// `gem "name"` lines of a Gemfile; gems inside `group :test`/`:development` blocks only are
/// dev dependencies.
pub(super) fn read_gemfile(path: &str, text: &str, facts: &mut ManifestFacts) {
    let Some(gem) = regex(r#"^\s*gem\s+["']([A-Za-z0-9_.-]+)["']"#) else {
        return;
    };
    let Some(group) = regex(r"^(\s*)group\s+(.*?)\s+do\b") else {
        return;
    };
    // (indent of the `group` line, dev-only)
    let mut groups: Vec<(usize, bool)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_end();
        if let Some(c) = group.captures(trimmed) {
            let indent = c.get(1).map_or(0, |m| m.len());
            let names = c.get(2).map_or("", |m| m.as_str());
            let dev = names
                .split(',')
                .map(|n| n.trim().trim_start_matches(':').trim_matches(['"', '\'']))
                .all(|n| matches!(n, "test" | "development" | "dev"));
            groups.push((indent, dev));
            continue;
        }
        if trimmed.trim() == "end" {
            let indent = trimmed.len() - trimmed.trim_start().len();
            if groups.last().is_some_and(|(i, _)| *i == indent) {
                groups.pop();
            }
            continue;
        }
        if let Some(c) = gem.captures(trimmed) {
            let Some(name) = c.get(1) else { continue };
            let dev = groups.iter().any(|(_, dev)| *dev)
                || regex(r"group:\s*\[?\s*:(test|development)\b")
                    .is_some_and(|re| re.is_match(trimmed));
            let lead = line.len() - line.trim_start().len();
            record(facts, Ecosystem::Ruby, name.as_str(), "gem", dev, || {
                line_span(path, text, start + lead)
            });
        }
    }
}

/// `{:name, ...}` dependencies of a `mix.exs`; `only: :test` / `only: [:dev, :test]` ones are
/// dev dependencies.
pub(super) fn read_mix_exs(path: &str, text: &str, facts: &mut ManifestFacts) {
    let Some(dep) = regex(r"\{\s*:([a-z0-9_]+)\s*,") else {
        return;
    };
    if let Some(app) = regex(r"app:\s*:([a-z0-9_]+)").and_then(|re| re.captures(text)) {
        facts.name = app.get(1).map(|m| m.as_str().to_string());
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.trim_start().starts_with('#') {
            continue;
        }
        for c in dep.captures_iter(line) {
            let Some(name) = c.get(1) else { continue };
            let dev = regex(r"only:\s*(\[\s*)?:(test|dev)\b(\s*,\s*:(test|dev))*\s*\]?\s*[,}]")
                .is_some_and(|re| re.is_match(line));
            let lead = line.len() - line.trim_start().len();
            record(facts, Ecosystem::Elixir, name.as_str(), "deps", dev, || {
                line_span(path, text, start + lead)
            });
        }
    }
}

/// Artifact ids of a `pom.xml` (`<artifactId>`, test scope is dev) or a Gradle build
/// (`"group:artifact:version"`, `testImplementation` is dev); plugin ids count too.
pub(super) fn read_jvm_build(path: &str, text: &str, facts: &mut ManifestFacts) {
    let pom = path.ends_with(".xml");
    let pattern = if pom {
        r"<artifactId>\s*([A-Za-z0-9_.-]+)\s*</artifactId>"
    } else {
        r#"["'][A-Za-z0-9_.-]+:([A-Za-z0-9_.-]+)(?::[^"']*)?["']|id\s*\(?\s*["'](org\.flywaydb\.flyway|org\.liquibase\.gradle)["']"#
    };
    let Some(re) = regex(pattern) else { return };
    // `<dependencyManagement>` and `<pluginManagement>` pin versions for child modules; they
    // are not a use.
    let managed: Vec<(usize, usize)> = ["dependencyManagement", "pluginManagement"]
        .iter()
        .flat_map(|tag| {
            let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
            text.match_indices(open.as_str())
                .map(|(start, _)| {
                    let end = text[start..]
                        .find(close.as_str())
                        .map_or(text.len(), |i| start + i);
                    (start, end)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for c in re.captures_iter(text) {
        let (Some(whole), Some(name)) = (c.get(0), c.get(1).or_else(|| c.get(2))) else {
            continue;
        };
        if pom
            && managed
                .iter()
                .any(|(s, e)| (*s..*e).contains(&whole.start()))
        {
            continue;
        }
        let name = match name.as_str() {
            "org.flywaydb.flyway" => "flyway-gradle-plugin",
            "org.liquibase.gradle" => "liquibase-core",
            other => other,
        };
        let line_start = text[..whole.start()].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..];
        let dev = if pom {
            let block_end = text[whole.end()..]
                .find("</dependency>")
                .map_or(text.len(), |i| whole.end() + i);
            text[whole.end()..block_end].contains("<scope>test</scope>")
        } else {
            let configuration: String = line
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            // A plugin id, a list item of a dependency call, or one of the configurations
            // that put a library on the classpath; others (`driver`, `jdbc`, a plugin's own
            // configuration) do not make the module use it.
            let classpath = matches!(
                configuration.as_str(),
                "" | "id"
                    | "implementation"
                    | "api"
                    | "compile"
                    | "compileOnly"
                    | "runtime"
                    | "runtimeOnly"
            );
            if !classpath && !configuration.starts_with("test") {
                continue;
            }
            configuration.starts_with("test")
        };
        if pom
            && !text[..whole.start()].contains("<dependency")
            && !text[..whole.start()].contains("<plugin")
        {
            // The project's own artifactId names the service.
            if facts.name.is_none() {
                facts.name = Some(name.to_string());
            }
            continue;
        }
        record(facts, Ecosystem::Jvm, name, "dependencies", dev, || {
            line_span(path, text, whole.start())
        });
    }
}

/// `requirements.txt`: one PEP 508 requirement a line.
pub(super) fn read_requirements(path: &str, text: &str, facts: &mut ManifestFacts) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', '-']) {
            continue;
        }
        let name = python_name(trimmed);
        if name.is_empty() {
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        record(
            facts,
            Ecosystem::Python,
            &name,
            "requirements",
            false,
            || line_span(path, text, start + lead),
        );
    }
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
            record(
                facts,
                Ecosystem::Npm,
                name,
                section,
                false,
                || match find_json_key(text, name, section_start) {
                    Some((start, end)) => Location::from_byte_range(path, text, start, end),
                    None => Location::file_start(path),
                },
            );
        }
    }
    if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
        let scripts_start = find_json_key(text, "scripts", 0).map_or(0, |(start, _)| start);
        for (name, command) in scripts {
            let Some(command) = command.as_str() else {
                continue;
            };
            let location = match find_json_key(text, name, scripts_start) {
                Some((start, end)) => Location::from_byte_range(path, text, start, end),
                None => Location::file_start(path),
            };
            facts
                .scripts
                .push((name.clone(), command.to_string(), location));
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
            let escaped = regex::escape(name);
            record(facts, Ecosystem::Cargo, name, section, false, || {
                line_matching(
                    path,
                    text,
                    &format!(
                        r#"(?m)^\s*(?:{escaped}\s*=|"{escaped}"\s*=|\[{}\.{escaped}\])"#,
                        regex::escape(section)
                    ),
                )
            });
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
        // An `// indirect` requirement is a dependency of a dependency: the service itself
        // does not use it.
        let indirect = spec.contains("// indirect");
        let section = if indirect {
            "require // indirect"
        } else {
            "require"
        };
        record(facts, Ecosystem::Go, module, section, indirect, || {
            line_span(
                path,
                text,
                line_start + (line.len() - line.trim_start().len()),
            )
        });
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
    let mut found: Vec<(String, &str, bool)> = Vec::new();
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
            .map(|n| (n, "dependencies", false)),
    );
    if let Some(extras) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(|o| o.as_table())
    {
        for (extra, list) in extras {
            let dev = is_dev_group(extra);
            found.extend(
                strings(Some(list))
                    .into_iter()
                    .map(|n| (n, "optional-dependencies", dev)),
            );
        }
    }
    if let Some(groups) = table.get("dependency-groups").and_then(|g| g.as_table()) {
        for list in groups.values() {
            found.extend(
                strings(Some(list))
                    .into_iter()
                    .map(|n| (n, "dependency-groups", true)),
            );
        }
    }
    if let Some(deps) = poetry
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_table())
    {
        found.extend(deps.keys().map(|k| (python_name(k), "dependencies", false)));
    }
    if let Some(deps) = poetry
        .and_then(|p| p.get("dev-dependencies"))
        .and_then(|d| d.as_table())
    {
        found.extend(
            deps.keys()
                .map(|k| (python_name(k), "dev-dependencies", true)),
        );
    }
    if let Some(groups) = poetry
        .and_then(|p| p.get("group"))
        .and_then(|g| g.as_table())
    {
        for (group, body) in groups {
            if let Some(deps) = body.get("dependencies").and_then(|d| d.as_table()) {
                let dev = is_dev_group(group);
                found.extend(deps.keys().map(|k| (python_name(k), "group", dev)));
            }
        }
    }
    // A runtime declaration wins over a test-only one of the same name.
    found.sort_by_key(|(_, _, dev)| *dev);
    let mut seen = BTreeSet::new();
    for (name, section, dev) in found {
        if !seen.insert(name.clone()) {
            facts.all_dependencies.push(name);
            continue;
        }
        // The name may be written with `_` or another case; match it loosely.
        let loose = regex::escape(&name).replace(r"\-", "[-_.]");
        record(facts, Ecosystem::Python, &name, section, dev, || {
            line_matching(
                path,
                text,
                &format!(r#"(?mi)(?:^\s*|["']){loose}(?:[\s\[<>=~!;"',]|$)"#),
            )
        });
    }
}

/// Extras and dependency groups that only tests, linters or docs install.
fn is_dev_group(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "test",
        "tests",
        "testing",
        "dev",
        "develop",
        "development",
        "lint",
        "docs",
        "typing",
        "ci",
    ]
    .contains(&name.as_str())
        || name.starts_with("test")
        || name.ends_with("-dev")
        || name.ends_with("-test")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str, text: &str, f: fn(&str, &str, &mut ManifestFacts)) -> ManifestFacts {
        let mut facts = ManifestFacts {
            name: None,
            problem: None,
            dependencies: Vec::new(),
            all_dependencies: Vec::new(),
            prisma_schema: None,
            scripts: Vec::new(),
            skipped: None,
            client_only: Vec::new(),
        };
        f(path, text, &mut facts);
        facts
    }

    fn deps(facts: &ManifestFacts) -> Vec<(&str, bool)> {
        facts
            .dependencies
            .iter()
            .map(|d| (d.name.as_str(), d.dev))
            .collect()
    }

    #[test]
    fn a_parent_pom_s_managed_versions_are_not_a_use_and_test_scope_is_dev() {
        let pom = "<project>\n  <artifactId>platform-parent</artifactId>\n  <dependencyManagement>\n    <dependencies>\n      <dependency><artifactId>flyway-core</artifactId></dependency>\n    </dependencies>\n  </dependencyManagement>\n  <dependencies>\n    <dependency><artifactId>postgresql</artifactId><scope>test</scope></dependency>\n  </dependencies>\n</project>\n";
        let facts = read("pom.xml", pom, read_jvm_build);
        assert_eq!(deps(&facts), [("postgresql", true)]);
        assert_eq!(facts.name.as_deref(), Some("platform-parent"));
    }

    #[test]
    fn gems_and_hex_packages_for_tests_only_are_dev() {
        let gemfile = "gem \"rails\", \"~> 7.1\"\ngroup :development, :test do\n  gem \"sqlite3\"\nend\ngem \"pg\"\n";
        assert_eq!(
            deps(&read("Gemfile", gemfile, read_gemfile)),
            [("rails", false), ("sqlite3", true), ("pg", false)]
        );
        let mix = "defp deps do\n  [\n    {:ecto_sql, \"~> 3.11\"},\n    {:postgrex, \">= 0.0.0\", only: [:dev, :test]}\n  ]\nend\n";
        assert_eq!(
            deps(&read("mix.exs", mix, read_mix_exs)),
            [("ecto_sql", false), ("postgrex", true)]
        );
    }

    #[test]
    fn template_syntax_is_recognised() {
        assert_eq!(
            template_marker("{ \"name\": \"{{ name }}\" }"),
            Some("{{ }}")
        );
        assert_eq!(
            template_marker("{% if db %}\"pg\"{% endif %}"),
            Some("{% %}")
        );
        assert_eq!(
            template_marker("{ \"scripts\": { \"x\": \"echo {\" } }"),
            None
        );
    }
}
