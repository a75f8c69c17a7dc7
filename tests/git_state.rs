//! `env/committed-secret-file` against real git repositories.

mod common;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs (install git)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = common::tree(files);
    git(dir.path(), &["init", "-q"]);
    dir
}

#[test]
fn tracked_env_file_is_flagged_ignored_and_untracked_are_not() {
    let dir = repo(&[
        (".gitignore", ".env.local\n"),
        (".env", "API_TOKEN=tok_live_9f8e7d\n"),
        (".env.example", "API_TOKEN=\n"),
        (".env.local", "API_TOKEN=tok_live_local\n"),
        ("apps/api/.env.staging", "DEBUG=false\n"),
    ]);
    git(dir.path(), &["add", ".gitignore", ".env", ".env.example"]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let outcome = common::run(dir.path());
    let got = common::rendered(&outcome, "env/committed-secret-file");
    // Tracked `.env` fires; the contract, the ignored `.env.local` and the untracked staging file do not.
    assert_eq!(got, ["env/committed-secret-file .env:1:1: .env is tracked by git and holds 1 live-looking secret(s): API_TOKEN; untrack it and rotate them"]);
    // The ignored local file was still found and checked.
    assert!(outcome
        .facts
        .env
        .files
        .iter()
        .any(|f| f.path == ".env.local"));
}

#[test]
fn subfolder_of_a_repository_skips_git_rules_and_says_so() {
    let dir = repo(&[("svc/.env", "A=1\n")]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let outcome = common::run(&dir.path().join("svc"));
    assert!(common::rendered(&outcome, "env/committed-secret-file").is_empty());
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("git-state rules were skipped")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn outside_git_the_rule_does_not_apply_and_the_report_says_so() {
    let dir = common::tree(&[(".env", "A=1\n")]);
    let outcome = common::run(dir.path());
    assert!(common::rendered(&outcome, "env/committed-secret-file").is_empty());
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("not inside a git repository")),
        "{:?}",
        outcome.notes
    );
}

/// The worst miss: a tracked env file that a `.gitignore` rule also matches was never read.
#[test]
fn tracked_and_ignored_env_files_are_read() {
    let dir = repo(&[
        (".gitignore", ".env.*\n"),
        (".env.example", "DATABASE_URL=\nAPI_TOKEN=\n"),
        (
            ".env.production",
            "DATABASE_URL=postgres://app:Vq7rT2mXk9pL4sWz@db.internal:5432/app\nAPI_TOKEN=tok_live_9f8e7d6c5b4a\n",
        ),
    ]);
    git(dir.path(), &["add", ".gitignore"]);
    git(
        dir.path(),
        &["add", "-f", ".env.example", ".env.production"],
    );
    git(dir.path(), &["commit", "-qm", "init"]);
    let outcome = common::run(dir.path());
    let states: Vec<(String, String)> = outcome
        .facts
        .env
        .files
        .iter()
        .map(|f| (f.path.clone(), format!("{:?}", f.git)))
        .collect();
    assert_eq!(
        states,
        [
            (".env.example".to_string(), "Tracked".to_string()),
            (".env.production".to_string(), "Tracked".to_string())
        ]
    );
    let got = common::rendered(&outcome, "env/committed-secret-file");
    assert_eq!(got, ["env/committed-secret-file .env.production:1:1: .env.production is tracked by git and holds 2 live-looking secret(s): DATABASE_URL, API_TOKEN; untrack it and rotate them"]);
    // The password never reaches a finding.
    assert!(outcome
        .findings
        .iter()
        .all(|f| !f.message.contains("Vq7rT2mXk9pL4sWz")));
}

/// Committed test defaults are a note; a committed file of settings is a warning of its own; a
/// live-looking key is the error.
#[test]
fn committed_test_defaults_versus_a_live_key() {
    let dir = repo(&[
        (
            ".env.test",
            "NODE_ENV=test\nDATABASE_URL=postgres://postgres:postgres@localhost:5432/app_test\nJWT_SECRET=test-secret\nLOG_LEVEL=error\n",
        ),
        (
            ".env.staging",
            "NODE_ENV=production\nSTRIPE_KEY=sk_live_51HxQ2bK8d7f6e5d4c3b2a1\n",
        ),
        (".env", "LOG_LEVEL=info\nPORT=3000\n"),
    ]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let outcome = common::run(dir.path());
    assert_eq!(
        common::rendered(&outcome, "env/committed-secret-file"),
        ["env/committed-secret-file .env.staging:1:1: .env.staging is tracked by git and holds 1 live-looking secret(s): STRIPE_KEY; untrack it and rotate them"]
    );
    assert_eq!(
        common::rendered(&outcome, "env/committed-env-file"),
        ["env/committed-env-file .env:1:1: .env is tracked by git; it holds only settings and development defaults"]
    );
    assert!(
        outcome.notes.iter().any(|n| n.starts_with(
            ".env.test is committed development defaults (its path marks it as `test` configuration)"
        )),
        "{:?}",
        outcome.notes
    );
}

/// A diff named `.env.patch` is not an env file: no parse errors, no secrets, a note says so.
#[test]
fn a_diff_named_like_an_env_file_is_not_read_as_one() {
    let patch = "diff --git a/.env.example b/.env.example\nindex 3b18e51..a8c2f1e 100644\n--- a/.env.example\n+++ b/.env.example\n@@ -1,2 +1,3 @@\n API_URL=\n+API_TOKEN=\n PORT=3000\n";
    let dir = repo(&[
        (".env.patch", patch),
        (".env.example", "API_URL=\nPORT=3000\n"),
    ]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let outcome = common::run(dir.path());
    assert!(outcome
        .facts
        .env
        .files
        .iter()
        .all(|f| f.path != ".env.patch"));
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| f.location.file != ".env.patch"),
        "{:?}",
        outcome.findings
    );
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains(".env.patch is named like an env file but holds a unified diff")),
        "{:?}",
        outcome.notes
    );
}

/// Committed files of samples (a test file, a compose file's env files, a file of this
/// machine's hosts) hold development defaults: a warning naming why, no error, no placeholder
/// findings; a provider-issued token in one and a live secret in a deploy file are errors.
/// Test inputs under `testdata/` are not configuration. Sample values are public text, so
/// no path or word is mangled by the scrub, while the token is in no output.
#[test]
fn committed_samples_are_defaults_and_only_live_secrets_block() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/env/committed-samples");
    let (_dir, clone) = common::fresh_clone(&root);
    let outcome = common::run(&clone);
    assert_eq!(
        common::rendered(&outcome, "env/committed-secret-file"),
        [
            "env/committed-secret-file .env.development:1:1: .env.development is tracked by git and holds 1 provider-issued credential(s): GITHUB_TOKEN; untrack it and rotate them",
            "env/committed-secret-file deploy/production.env:1:1: deploy/production.env is tracked by git and holds 1 live-looking secret(s): SESSION_SECRET; untrack it and rotate them",
        ]
    );
    let defaults: Vec<&String> = outcome
        .notes
        .iter()
        .filter(|n| n.contains(" is committed development defaults "))
        .collect();
    assert_eq!(
        defaults,
        [
            ".env.development is committed development defaults (its path marks it as `development` configuration): only provider-issued credentials in it are leaks",
            ".env.test is committed development defaults (its path marks it as `test` configuration): only provider-issued credentials in it are leaks",
            "config/docker/app.env is committed development defaults (docker-compose.yml loads it: its values are the defaults every checkout starts with): only provider-issued credentials in it are leaks",
            "config/docker/postgres.env is committed development defaults (docker-compose.yml loads it: its values are the defaults every checkout starts with): only provider-issued credentials in it are leaks",
            "data/.env is committed development defaults (every service host it names is this machine): only provider-issued credentials in it are leaks",
        ]
    );
    for rule in [
        "env/placeholder-value",
        "env/parse-error",
        "env/committed-env-file",
    ] {
        assert!(common::rendered(&outcome, rule).is_empty(), "{rule}");
    }
    let dialect = |path: &str| {
        let f = outcome
            .facts
            .env
            .files
            .iter()
            .find(|f| f.path == path)
            .expect(path);
        (f.dialect.clone(), f.dialect_reason.clone())
    };
    assert_eq!(
        dialect("config/docker/app.env"),
        (
            "compose".into(),
            "docker-compose.yml loads it with `env_file`".into()
        )
    );
    assert!(
        outcome.notes.iter().any(|n| n.starts_with(
            "internal/dotenv/testdata/invalid.env is a test's input data (under `testdata/`)"
        )),
        "{:?}",
        outcome.notes
    );
    let everything = serde_json::to_string(&outcome.findings).expect("findings serialise");
    assert!(!everything.contains("ghp_R4nd0m"), "the token is printed");
    assert!(
        !everything.contains("Zq8rT2mXw9"),
        "the live secret is printed"
    );
    assert!(
        !everything.contains("[redacted]"),
        "a sample value was scrubbed: {everything}"
    );
    // `ignored`, a contract's sample for a token, is an ordinary word in other messages.
    let strict = common::rendered(&outcome, "scripts/no-strict-mode");
    assert!(
        strict
            .iter()
            .any(|m| m.ends_with("a failure here is ignored")),
        "{strict:?}"
    );
}
