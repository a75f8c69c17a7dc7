//! Which loader reads an env file, and whether a file named like an env file is one.
//!
//! One table row per dialect: the files that mark a project as using it. The configured
//! `dialect` of an `[[env]]` set wins; then a compose file beside the env file that names it
//! (or any compose file beside a `.env`, which compose reads for interpolation), or any compose
//! file of the repository that loads it with `env_file`; then the nearest folder, from the
//! file's up to the root, holding a marker.

use std::collections::HashMap;
use std::path::Path;

use super::super::CollectContext;
use crate::source::dotenv::Dialect;
use crate::source::path;

/// Files whose presence says which loader a project uses, nearest folder first.
const MARKERS: &[(Dialect, &[&str])] = &[
    (Dialect::Node, &["package.json"]),
    (
        Dialect::Python,
        &[
            "pyproject.toml",
            "requirements.txt",
            "Pipfile",
            "setup.py",
            "manage.py",
        ],
    ),
];

const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The dialect for the repository file `rel`, with the reason (for the report). `seen` keeps
/// the file system's answers across the files of one run: env files share folders, so each
/// compose file is read and each project file looked for once per folder, not per env file.
pub fn choose(
    ctx: &CollectContext,
    seen: &mut Inference,
    rel: &str,
    compose: &super::sample::ComposeFiles,
) -> (Dialect, String) {
    for set in &ctx.config.config.env {
        let set = set.get_ref();
        let listed = set
            .files
            .iter()
            .chain(set.contract.iter())
            .any(|f| f.trim_start_matches("./") == rel);
        // The config loader refused any name that is not a dialect.
        if let (true, Some(d)) = (listed, set.dialect.as_deref().and_then(Dialect::from_name)) {
            return (d, format!("set in [[env]] `{}`", set.name));
        }
    }
    let (dialect, why) = seen.infer(&ctx.root, rel);
    if dialect != Dialect::Compose {
        if let Some(by) = compose.loading(rel) {
            return (Dialect::Compose, format!("{by} loads it with `env_file`"));
        }
    }
    (dialect, why)
}

/// What the file system said while inferring dialects: the compose files of each folder (in
/// [`COMPOSE_FILES`] order, those that could be read) and each folder's first project file.
#[derive(Default)]
pub struct Inference {
    compose: HashMap<String, Vec<(&'static str, String)>>,
    markers: HashMap<String, Option<(Dialect, &'static str)>>,
}

impl Inference {
    /// The dialect the repository's files imply for `rel`.
    pub fn infer(&mut self, root: &Path, rel: &str) -> (Dialect, String) {
        let dir = path::parent(rel);
        let name = path::file_name(rel);
        let composes = self.compose.entry(dir.to_string()).or_insert_with(|| {
            COMPOSE_FILES
                .iter()
                .filter_map(|compose| {
                    let text = crate::collect::read_text(&root.join(dir).join(compose)).ok()?;
                    Some((*compose, text))
                })
                .collect()
        });
        for (compose, text) in composes.iter() {
            let shown = path::child(dir, compose);
            if name == ".env" {
                return (
                    Dialect::Compose,
                    format!("{shown} beside it reads `.env` for interpolation"),
                );
            }
            if text.contains(name) {
                return (Dialect::Compose, format!("{shown} names it"));
            }
        }
        let mut folder = Some(dir);
        while let Some(d) = folder {
            let found = *self.markers.entry(d.to_string()).or_insert_with(|| {
                MARKERS.iter().find_map(|(dialect, markers)| {
                    markers
                        .iter()
                        .find(|marker| root.join(d).join(marker).is_file())
                        .map(|marker| (*dialect, *marker))
                })
            });
            if let Some((dialect, marker)) = found {
                let shown = path::child(d, marker);
                return (dialect, format!("{shown} is the nearest project file"));
            }
            folder = (!d.is_empty()).then(|| path::parent(d));
        }
        (
            Dialect::Node,
            "no project file says which loader reads it: node dotenv, the most common".into(),
        )
    }
}

/// What a file named like an env file holds when it is not one: a diff, JSON, YAML, a
/// script. `None` for an env file (or one too short to tell).
pub fn not_env_file(text: &str) -> Option<&'static str> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with("#!") {
        return Some("a script (it starts with `#!`)");
    }
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let diff = body.starts_with("diff --git")
        || (lines.iter().any(|l| l.starts_with("--- "))
            && lines.iter().any(|l| l.starts_with("+++ "))
            && lines.iter().any(|l| l.starts_with("@@ ")));
    if diff {
        return Some("a unified diff");
    }
    if (body.starts_with('{') || body.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(body).is_ok()
    {
        return Some("JSON");
    }
    let code: Vec<&&str> = lines.iter().filter(|l| !l.starts_with('#')).collect();
    if code.is_empty() {
        return None;
    }
    let assignments = code
        .iter()
        .filter(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            l.split_once('=').is_some_and(|(k, _)| {
                let k = k.trim();
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            })
        })
        .count();
    let yaml = body.starts_with("---")
        || code
            .iter()
            .filter(|l| {
                l.starts_with("- ")
                    || l.split_once(':').is_some_and(|(k, v)| {
                        !k.contains(' ') && !k.contains('=') && (v.is_empty() || v.starts_with(' '))
                    })
            })
            .count()
            > code.len() / 2;
    if assignments * 2 < code.len() && code.len() >= 3 {
        return Some(if yaml {
            "YAML"
        } else {
            "no `KEY=value` lines for the most part"
        });
    }
    None
}
