//! Whether a committed env file holds samples rather than live values: a file for tests,
//! examples or development (its path says so), one a compose file of the repository loads
//! (its values are what every checkout starts with), or one whose every service host is this
//! machine. Such a file's secret-looking values are development defaults; only a credential
//! a provider issued (a GitHub token, an AWS key id...) in it is a leak.
//!
//! The answer is a reason in the user's words, for the finding and the facts; it never
//! contains a value.

use crate::collect::{read_text, CollectContext};
use crate::facts::env::EnvEntry;
use crate::source::dburl::UrlParts;
use crate::source::path;

/// Words of a path that mark a file of samples. `local` is not one: `.env.local` is where an
/// operator keeps real values.
const SAMPLE_WORDS: &[&str] = &[
    "example",
    "examples",
    "sample",
    "samples",
    "template",
    "templates",
    "tmpl",
    "dist",
    "default",
    "defaults",
    "test",
    "tests",
    "testing",
    "testdata",
    "fixture",
    "fixtures",
    "spec",
    "specs",
    "mock",
    "mocks",
    "stub",
    "stubs",
    "e2e",
    "dev",
    "development",
    "devcontainer",
    "demo",
    "ci",
    "playground",
    // Contributed extras: sample configurations for deployers (`contrib/app.env`).
    "contrib",
];

/// Compose files of the repository and their text, read once per run when a committed env
/// file needs them.
pub struct ComposeFiles(Vec<(String, String)>);

impl ComposeFiles {
    pub fn read(ctx: &CollectContext) -> ComposeFiles {
        let files = ctx
            .inventory
            .files
            .iter()
            .filter(|f| {
                let lower = f.rel.to_ascii_lowercase();
                lower.contains("compose") && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
            })
            .filter_map(|f| {
                let text = read_text(&f.abs).ok()?;
                text.contains("env_file").then(|| (f.rel.clone(), text))
            })
            .collect();
        ComposeFiles(files)
    }

    /// The compose file that loads `rel` with `env_file`, if one does.
    pub fn loading(&self, rel: &str) -> Option<&str> {
        let name = path::file_name(rel);
        self.0.iter().find_map(|(compose, text)| {
            let dir = path::parent(compose);
            text.lines()
                .filter(|line| line.contains(name))
                .any(|line| names_file(line, name, dir, rel))
                .then_some(compose.as_str())
        })
    }
}

/// A compose line (`- ./config/x.env`, `env_file: x.env`, `path: ${PWD}/x.env`) that names
/// `rel`, resolved against the compose file's folder `dir` (or the repository root for
/// `${PWD}`, where compose is run).
fn names_file(line: &str, name: &str, dir: &str, rel: &str) -> bool {
    let Some(end) = line.find(name).map(|i| i + name.len()) else {
        return false;
    };
    let start = line[..end]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '[' | ','))
        .map_or(0, |i| i + 1);
    let written = &line[start..end];
    if let Some(rest) = ["${PWD}/", "$PWD/"]
        .iter()
        .find_map(|p| written.strip_prefix(p))
    {
        return rest.trim_start_matches("./") == rel;
    }
    if written.starts_with('$') || written.starts_with('/') {
        // Another variable or an absolute path: the file's own path must end it.
        return written.ends_with(&format!("/{rel}"));
    }
    path::join(dir, written).as_deref() == Some(rel)
}

/// Why the committed file `rel` holds samples, if it does.
pub fn reason(rel: &str, entries: &[EnvEntry], compose: &ComposeFiles) -> Option<String> {
    let word = rel
        .split(['/', '.', '-', '_'])
        .map(str::to_ascii_lowercase)
        .find(|w| SAMPLE_WORDS.contains(&w.as_str()));
    if let Some(word) = word {
        return Some(format!("its path marks it as `{word}` configuration"));
    }
    if let Some(by) = compose.loading(rel) {
        return Some(format!(
            "{by} loads it: its values are the defaults every checkout starts with"
        ));
    }
    local_only(entries).then(|| "every service host it names is this machine".to_string())
}

/// The file names at least one service host and all of them are this machine (or a
/// container's view of it): a development configuration.
fn local_only(entries: &[EnvEntry]) -> bool {
    let mut hosts = entries.iter().filter_map(|e| {
        let key = e.key.to_ascii_uppercase();
        if key.ends_with("_HOST") || key.ends_with("_HOSTNAME") || key == "HOST" {
            // A host setting is shown; a secret one is not a host to judge by.
            return (!e.secret).then(|| e.value.trim().to_ascii_lowercase());
        }
        let parts = UrlParts::split(e.value.trim())?;
        let service = matches!(
            parts.scheme.to_ascii_lowercase().as_str(),
            "postgres"
                | "postgresql"
                | "mysql"
                | "mariadb"
                | "redis"
                | "rediss"
                | "mongodb"
                | "amqp"
                | "amqps"
                | "jdbc:postgresql"
                | "jdbc:mysql"
                | "jdbc:mariadb"
        );
        service.then(|| {
            let first = parts.hosts.split(',').next().unwrap_or("");
            let host = first.rsplit_once(':').map_or(first, |(h, _)| h);
            host.to_ascii_lowercase()
        })
    });
    let mut any = false;
    let all_local = hosts.all(|h| {
        any = true;
        crate::source::dburl::is_local_host(&h)
    });
    any && all_local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_lines_name_files_relative_to_the_compose_file() {
        let rel = "config/docker/env/postgresql.env";
        assert!(names_file(
            "      - ./config/docker/env/postgresql.env",
            "postgresql.env",
            "",
            rel
        ));
        assert!(names_file(
            "      - ${PWD}/config/docker/env/postgresql.env",
            "postgresql.env",
            "config/docker/compose",
            rel
        ));
        assert!(names_file(
            "    env_file: ../env/postgresql.env",
            "postgresql.env",
            "config/docker/compose",
            rel
        ));
        assert!(!names_file(
            "      - ./other/postgresql.env",
            "postgresql.env",
            "",
            rel
        ));
        assert!(!names_file(
            "      - ./config/docker/env/fineract-postgresql.env",
            "postgresql.env",
            "",
            rel
        ));
    }

    #[test]
    fn path_words_mark_samples_but_local_does_not() {
        let none = ComposeFiles(Vec::new());
        for rel in [
            "example.env",
            "hack/test.env",
            ".env.test",
            ".devcontainer/backend.env",
            "internal/reloader/testdata/50_example.env",
            "apps/web/.env.development",
        ] {
            assert!(reason(rel, &[], &none).is_some(), "{rel}");
        }
        for rel in [
            ".env",
            ".env.production",
            ".env.launch.local",
            "deploy/prod.env",
        ] {
            assert_eq!(reason(rel, &[], &none), None, "{rel}");
        }
    }
}
