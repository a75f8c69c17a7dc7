//! Where the repository's own configuration runs a script directly, so it needs the
//! executable bit: `package.json` scripts, Dockerfile `RUN` / `ENTRYPOINT` / `CMD`, GitHub
//! Actions `run:` steps and Makefile recipes. A script run through an interpreter
//! (`bash x.sh`, `sh ./x.sh`) or sourced needs no bit and is not recorded; neither is a script
//! a Dockerfile makes executable itself (`RUN chmod +x`, `COPY --chmod=755`).
//!
//! This module reads those files as text and never runs anything.

use std::collections::{HashMap, HashSet};

use super::join_normalized;
use crate::collect::{read_text, CollectContext};
use crate::facts::Location;
use crate::source::shell::{command_start, simple_commands, Flavor};

/// A stretch of shell text inside a configuration file, and the line it starts on.
struct Snippet {
    line: u32,
    text: String,
}

/// For each script path: where configuration runs it directly.
pub fn direct_runs(
    ctx: &CollectContext,
    scripts: &HashSet<String>,
) -> HashMap<String, Vec<Location>> {
    let mut runs: HashMap<String, Vec<Location>> = HashMap::new();
    for file in &ctx.inventory.files {
        let Some(kind) = ConfigKind::of(&file.rel) else {
            continue;
        };
        let Ok(text) = read_text(&file.abs) else {
            continue;
        };
        let dir = file.rel.rfind('/').map_or("", |i| &file.rel[..i]);
        let snippets = match kind {
            ConfigKind::PackageJson => package_scripts(&text),
            ConfigKind::Dockerfile => dockerfile_commands(&text),
            ConfigKind::Workflow => workflow_runs(&text),
            ConfigKind::Makefile => makefile_recipes(&text),
        };
        // Docker builds from the repository root or the Dockerfile's folder; the rest run
        // from their own folder (CI checkouts from the root).
        let bases: Vec<&str> = match kind {
            ConfigKind::Dockerfile => vec!["", dir],
            ConfigKind::Workflow => vec![""],
            _ => vec![dir],
        };
        for snippet in snippets {
            for (word, offset) in directly_run_words(&snippet.text) {
                let Some(path) = bases
                    .iter()
                    .filter_map(|b| join_normalized(b, &word))
                    .find(|p| scripts.contains(p))
                else {
                    continue;
                };
                if kind == ConfigKind::Dockerfile && chmods(&text, &path) {
                    continue;
                }
                let line = snippet.line + count_lines(&snippet.text[..offset]);
                runs.entry(path)
                    .or_default()
                    .push(Location::on_line(file.rel.clone(), line, 1, 1));
            }
        }
    }
    runs
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ConfigKind {
    PackageJson,
    Dockerfile,
    Workflow,
    Makefile,
}

impl ConfigKind {
    fn of(rel: &str) -> Option<Self> {
        if rel.split('/').any(|p| p == "node_modules") {
            return None;
        }
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let lower = name.to_ascii_lowercase();
        if name == "package.json" {
            Some(ConfigKind::PackageJson)
        } else if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
        {
            Some(ConfigKind::Dockerfile)
        } else if rel.starts_with(".github/workflows/")
            && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
        {
            Some(ConfigKind::Workflow)
        } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || lower.ends_with(".mk")
        {
            Some(ConfigKind::Makefile)
        } else {
            None
        }
    }
}

fn count_lines(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX)
}

/// The command words of `text` that name a file directly (`./x.sh`, `scripts/x.sh`), with
/// their byte offsets: not through an interpreter, not sourced, not absolute or variable.
fn directly_run_words(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for command in simple_commands(text, Flavor::Script) {
        let Some(word) = command_start(&command.words).and_then(|i| command.words.get(i)) else {
            continue;
        };
        let name = &word.value;
        if name.contains('/') && !name.starts_with('/') && !word.expands {
            out.push((name.clone(), word.start));
        }
    }
    out
}

/// True when a Dockerfile sets the bit on a script itself (`chmod +x .../x.sh`, `chmod 755`,
/// `COPY --chmod=... x.sh`): the image has the bit whatever git records.
fn chmods(dockerfile: &str, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    dockerfile.lines().any(|l| {
        let l = l.trim();
        (l.contains("chmod") || l.contains("--chmod"))
            && (l.contains(name) || l.contains(" . ") || l.ends_with(" ."))
    })
}

/// `"scripts": { "x": "..." }` values, each on its key's line.
fn package_scripts(text: &str) -> Vec<Snippet> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    let block_start = text.find("\"scripts\"").unwrap_or(0);
    scripts
        .iter()
        .filter_map(|(key, value)| {
            let command = value.as_str()?;
            let at = text[block_start..]
                .find(&format!("\"{key}\""))
                .map_or(block_start, |i| block_start + i);
            Some(Snippet {
                line: 1 + count_lines(&text[..at]),
                // A JSON string is on one line: offsets within it add no lines.
                text: command.replace('\n', " "),
            })
        })
        .collect()
}

/// `RUN`, `ENTRYPOINT` and `CMD` instructions, continuation lines joined; exec form
/// (`["./x.sh", "arg"]`) becomes a command line.
fn dockerfile_commands(text: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut instruction = lines[i].trim_end().to_string();
        while instruction.ends_with('\\') && i + 1 < lines.len() {
            instruction.pop();
            i += 1;
            instruction.push('\n');
            instruction.push_str(lines[i].trim_end());
        }
        i += 1;
        let trimmed = instruction.trim_start();
        let Some((keyword, rest)) = trimmed.split_once(char::is_whitespace) else {
            continue;
        };
        if !matches!(
            keyword.to_ascii_uppercase().as_str(),
            "RUN" | "ENTRYPOINT" | "CMD"
        ) {
            continue;
        }
        let rest = rest.trim();
        let command = if rest.starts_with('[') {
            match serde_json::from_str::<Vec<String>>(rest) {
                Ok(words) => words.join(" "),
                Err(_) => continue,
            }
        } else {
            rest.to_string()
        };
        out.push(Snippet {
            line: u32::try_from(start + 1).unwrap_or(u32::MAX),
            text: command,
        });
    }
    out
}

/// `run: cmd` and `run: |` blocks of a GitHub Actions workflow.
fn workflow_runs(text: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start().trim_start_matches("- ");
        let Some(value) = trimmed.strip_prefix("run:") else {
            i += 1;
            continue;
        };
        let value = value.trim();
        let indent = line.len() - line.trim_start().len();
        if value.starts_with('|') || value.starts_with('>') {
            let mut block = String::new();
            let first = i + 1;
            i += 1;
            while i < lines.len() {
                let l = lines[i];
                let l_indent = l.len() - l.trim_start().len();
                if !l.trim().is_empty() && l_indent <= indent {
                    break;
                }
                block.push_str(l);
                block.push('\n');
                i += 1;
            }
            out.push(Snippet {
                line: u32::try_from(first + 1).unwrap_or(u32::MAX),
                text: block,
            });
        } else {
            out.push(Snippet {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                text: value.trim_matches(|c| c == '"' || c == '\'').to_string(),
            });
            i += 1;
        }
    }
    out
}

/// Recipe lines (tab-indented), without make's `@` / `-` prefixes.
fn makefile_recipes(text: &str) -> Vec<Snippet> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let recipe = l.strip_prefix('\t')?;
            Some(Snippet {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                text: recipe.trim_start_matches(['@', '-', '+']).to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_runs_not_interpreters() {
        let words: Vec<String> = directly_run_words(
            "bash scripts/a.sh && ./scripts/b.sh x; sudo scripts/c.sh; . ./d.sh; sh e.sh",
        )
        .into_iter()
        .map(|(w, _)| w)
        .collect();
        // `. ./d.sh` sources: no bit needed.
        assert_eq!(words, ["./scripts/b.sh", "scripts/c.sh"]);
    }

    #[test]
    fn dockerfile_exec_form_and_chmod() {
        let file = "FROM node\nCOPY web/entrypoint.sh ./web/entrypoint.sh\nRUN chmod +x ./web/entrypoint.sh\nENTRYPOINT [\"dumb-init\", \"--\", \"./web/entrypoint.sh\"]\nRUN apt-get update && \\\n    ./scripts/install.sh\n";
        let snippets = dockerfile_commands(file);
        assert_eq!(snippets.len(), 3);
        assert_eq!(snippets[1].text, "dumb-init -- ./web/entrypoint.sh");
        assert_eq!(snippets[2].line, 5);
        assert!(chmods(file, "web/entrypoint.sh"));
        assert!(!chmods(file, "scripts/install.sh"));
    }

    #[test]
    fn workflow_blocks_and_package_scripts() {
        let wf = "jobs:\n  x:\n    steps:\n      - run: ./ci/one.sh\n      - name: two\n        run: |\n          echo hi\n          ./ci/two.sh\n      - uses: a/b\n";
        let runs = workflow_runs(wf);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].text, "./ci/one.sh");
        assert_eq!(runs[1].line, 7);
        let pkg = "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"build\": \"tsc\",\n    \"db:up\": \"./scripts/up.sh\"\n  }\n}\n";
        let scripts = package_scripts(pkg);
        assert_eq!(scripts[1].line, 5);
    }
}
