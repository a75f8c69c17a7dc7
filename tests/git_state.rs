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
    assert_eq!(got, ["env/committed-secret-file .env:1:1: .env holds real values and is tracked by git; untrack it and rotate its secrets"]);
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
