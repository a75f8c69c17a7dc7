//! `check --mode pr`: what CI runs on a pull request. A fresh clone has, rightly, none of the
//! operators' git-ignored local env files; the env sets made only of those are not checked
//! (one note each says so and how to check them), and everything committed still is.

mod common;
use common::{fresh_clone, launchgate};

use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn check(dir: &Path, mode: &str) -> (Option<i32>, String) {
    let out = launchgate()
        .args(["check", "--mode", mode])
        .arg(dir)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_fresh_clone_of_a_healthy_repository_is_go_in_pr_mode() {
    let (_dir, clone) = fresh_clone(&fixture("clean"));
    assert!(
        !clone.join(".env.launch.local").exists(),
        "ignored file was committed"
    );
    let (code, out) = check(&clone, "pr");
    assert_eq!(code, Some(0), "{out}");
    for set in ["launch", "db-migration"] {
        assert!(
            out.contains(&format!("not checked in PR mode: env set `{set}`")),
            "{set}: {out}"
        );
    }
    assert!(
        out.contains("run `launchgate check --mode operator`"),
        "{out}"
    );
    // The same clone in operator mode demands the local files.
    let (code, out) = check(&clone, "operator");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("cutover/env-file-missing"), "{out}");
}

#[test]
fn problems_only_in_git_ignored_local_files_do_not_block_a_pull_request() {
    // credity's committed problems (runbook drift, scripts, evidence, missing histories)
    // removed: what is left wrong is only in the operators' local env files.
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("credity");
    common::copy_tree(&fixture("credity"), &copy);
    for gone in [
        "docs",
        "scripts",
        "launchgate.toml",
        "CredVerseIssuer 3",
        "CredVerseRecruiter",
    ] {
        let p = copy.join(gone);
        if p.is_dir() {
            std::fs::remove_dir_all(&p).expect("remove");
        } else {
            std::fs::remove_file(&p).expect("remove");
        }
    }
    // The launch contract declares every key the launch rules need, so nothing committed is
    // wrong; the local copy (git-ignored) still says NODE_ENV=development.
    let contract = std::fs::read_to_string(copy.join(".env.launch.example")).expect("contract");
    let mut completed = contract.clone();
    for key in ["REQUIRE_DATABASE", "REQUIRE_QUEUE", "ISSUER_KEY_ENCRYPTION"] {
        if !contract.lines().any(|l| l.starts_with(&format!("{key}="))) {
            completed.push_str(&format!("{key}=\n"));
        }
    }
    std::fs::write(copy.join(".env.launch.example"), completed).expect("write");
    let (code, out) = check(&copy, "operator");
    assert_eq!(code, Some(1), "the local file is wrong: {out}");
    assert!(out.contains("launch/node-env"), "{out}");

    let (_dir, clone) = fresh_clone(&copy);
    let (code, out) = check(&clone, "pr");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            "not checked in PR mode: env set `launch` (.env.launch.local: git-ignored and absent)"
        ),
        "{out}"
    );
    assert!(!out.contains("launch/node-env"), "{out}");
}

#[test]
fn a_committed_env_file_is_still_checked_in_pr_mode() {
    // Not git-ignored, committed: a pull request that changes it is checked.
    let dir = common::tree(&[
        (".gitignore", ".env.*.local\n"),
        (".env.production.example", "NODE_ENV=production\n"),
        (".env.production", "NODE_ENV=development\n"),
    ]);
    let (_clone_dir, clone) = fresh_clone(dir.path());
    let (code, out) = check(&clone, "pr");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("launch/node-env"), "{out}");
    assert!(!out.contains("not checked in PR mode"), "{out}");
}
