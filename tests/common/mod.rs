//! Shared test helpers: build small repositories on disk and run the check on them.
#![allow(dead_code)]

use std::path::Path;

use launchgate::check::{self, CheckOptions, CheckOutcome};

/// A temporary repository with the given files (path, content).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let full = dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
    }
    dir
}

pub fn run(root: &Path) -> CheckOutcome {
    check::run(&CheckOptions {
        root: root.to_path_buf(),
        ..Default::default()
    })
    .expect("check runs")
}

/// `rule file:line:col: message` for every finding of `rule`.
pub fn rendered(outcome: &CheckOutcome, rule: &str) -> Vec<String> {
    outcome
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            format!(
                "{} {}:{}:{}: {}",
                f.rule, f.location.file, f.location.line, f.location.column, f.message
            )
        })
        .collect()
}

/// Assert `rule` fires on the tree, and return its findings (rendered).
pub fn lint_errors(rule: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = tree(files);
    let outcome = run(dir.path());
    let got = rendered(&outcome, rule);
    assert!(
        !got.is_empty(),
        "expected {rule} to fire (see lint_ok for the passing side); all findings: {:#?}",
        outcome
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect::<Vec<_>>()
    );
    got
}

/// Assert `rule` does not fire on the tree.
pub fn lint_ok(rule: &str, files: &[(&str, &str)]) {
    let dir = tree(files);
    let outcome = run(dir.path());
    let got = rendered(&outcome, rule);
    assert!(
        got.is_empty(),
        "expected no {rule} (see lint_errors for the failing side), got: {got:#?}"
    );
}

/// A launch env that passes every launch rule, as (key, value) lines.
pub const GOOD_LAUNCH: &[(&str, &str)] = &[
    ("NODE_ENV", "production"),
    ("ALLOW_DEMO_ROUTES", "false"),
    ("REQUIRE_DATABASE", "true"),
    ("REQUIRE_QUEUE", "true"),
    ("JWT_SECRET", "Zr5Tq8Wm2Xn6Kv9Bc3Hd7Jf1Lg4Ps0Ya8Ue2Io6Rt"),
    (
        "JWT_REFRESH_SECRET",
        "Mb4Nc8Vx2Zq6Ls0Kd9Jf3Hg7Pt1Wr5Ey9Ui3Oa7Qs",
    ),
    (
        "REDIS_URL",
        "rediss://default:Qw8Er4Ty2Ui6@acme-redis.upstash.io:6379",
    ),
    (
        "SENTRY_DSN",
        "https://0a1b2c3d4e5f40718293a4b5c6d7e8f9@o450123.ingest.sentry.io/6712346",
    ),
    (
        "ISSUER_KEY_ENCRYPTION",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
    (
        "RELAYER_PRIVATE_KEY",
        "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f",
    ),
    (
        "REGISTRY_CONTRACT_ADDRESS",
        "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    ),
    (
        "SEPOLIA_RPC_URL",
        "https://sepolia.infura.io/v3/3b2f9c1e5d7a4f6b8c0e2d4f6a8b0c1d",
    ),
];

/// The good launch env with `changes` applied: `Some(v)` sets, `None` removes.
pub fn launch_env(changes: &[(&str, Option<&str>)]) -> String {
    let mut lines: Vec<(String, String)> = GOOD_LAUNCH
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (key, value) in changes {
        match value {
            Some(v) => match lines.iter_mut().find(|(k, _)| k == key) {
                Some(line) => line.1 = v.to_string(),
                None => lines.push((key.to_string(), v.to_string())),
            },
            None => lines.retain(|(k, _)| k != key),
        }
    }
    lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// A cutover env that passes every cutover rule.
pub const GOOD_CUTOVER: &str = "\
SRC_DB_URL=postgresql://migrator:Xk7Lp2Qm9Vz4@db-legacy.internal.example.net:5432/credity
TGT_DB_URL=postgresql://postgres:Rt5Yu8Io2Pa6@db.abcdefghijklmnop.supabase.co:5432/postgres
DATABASE_URL=postgresql://postgres:Rt5Yu8Io2Pa6@aws-0-eu-central-1.pooler.supabase.com:6543/postgres
DATABASE_URL_DIRECT=postgresql://postgres:Rt5Yu8Io2Pa6@db.abcdefghijklmnop.supabase.co:5432/postgres
REQUIRE_DATABASE=true
ROWCOUNT_TOLERANCE=0
";

pub const CUTOVER_CONTRACT: &str = "\
SRC_DB_URL=postgresql://USER:PASSWORD@HOST:5432/app
TGT_DB_URL=postgresql://USER:PASSWORD@HOST:5432/postgres
DATABASE_URL=postgresql://USER:PASSWORD@HOST:6543/postgres
DATABASE_URL_DIRECT=postgresql://USER:PASSWORD@HOST:5432/postgres
REQUIRE_DATABASE=true
ROWCOUNT_TOLERANCE=0
";

/// The good cutover env with one line replaced (`KEY=...` → `line`) or removed (`line` empty).
pub fn cutover_env(key: &str, line: &str) -> String {
    GOOD_CUTOVER
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key}=")) {
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .filter(|l| !l.is_empty())
        .map(|l| l + "\n")
        .collect()
}

/// The built binary, with colour off and no GitHub job summary to append to.
pub fn launchgate() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("launchgate").expect("binary");
    c.env("NO_COLOR", "1").env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// Copy a fixture folder (files keep their permission bits).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy folder");
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Run git in `dir` with a fixed identity; panics with git's output when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=launchgate tests",
            "-c",
            "user.email=tests@launchgate.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh `git clone` of `files` committed as a repository: what CI checks out for a pull
/// request. Files the repository's `.gitignore` excludes are not committed, so the clone
/// lacks them. Returns (the temporary folder, the clone's path).
pub fn fresh_clone(source: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let origin = dir.path().join("origin");
    copy_tree(source, &origin);
    git(&origin, &["init", "-q"]);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "fixture"]);
    let clone = dir.path().join("clone");
    git(
        dir.path(),
        &["clone", "-q", origin.to_str().expect("utf-8 path"), "clone"],
    );
    (dir, clone)
}
