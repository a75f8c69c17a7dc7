//! The `bash -n` verdict cache (`--cache-dir`, `--no-cache`), end to end with a real bash: a
//! wrapper named `bash` first on `PATH` logs each call and runs the real one, so the tests see
//! how many scripts bash was asked to parse, and the findings show the verdicts are the same.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde_json::Value;

mod common;

const SCRIPTS: &[(&str, &str)] = &[
    (
        "scripts/deploy.sh",
        "#!/usr/bin/env bash\nset -euo pipefail\necho deploying\n",
    ),
    (
        "scripts/backfill.sh",
        "#!/usr/bin/env bash\nset -euo pipefail\nif true; then\n  echo start\nfi\nfi\n",
    ),
    (
        "scripts/verify.sh",
        "#!/usr/bin/env bash\nset -euo pipefail\nfor t in a b; do echo \"$t\"; done\n",
    ),
];

struct Setup {
    repo: tempfile::TempDir,
    cache: tempfile::TempDir,
    shims: tempfile::TempDir,
    log: PathBuf,
}

fn setup() -> Setup {
    let repo = common::tree(SCRIPTS);
    for (rel, _) in SCRIPTS {
        let path = repo.path().join(rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let shims = tempfile::tempdir().expect("shim dir");
    let log = shims.path().join("calls.log");
    let real = which_bash();
    let shim = shims.path().join("bash");
    // launchgate runs bash with an environment of only PATH and LC_ALL: the log path is baked in.
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .expect("shim");
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    Setup {
        repo,
        cache: tempfile::tempdir().expect("cache dir"),
        shims,
        log,
    }
}

fn which_bash() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH");
    std::env::split_paths(&path)
        .map(|d| d.join("bash"))
        .find(|p| p.is_file())
        .expect("bash is installed")
}

impl Setup {
    /// Run a check; returns (number of `bash -n` calls, the scripts findings as JSON).
    fn check(&self, extra: &[&str]) -> (usize, Vec<Value>) {
        let _ = std::fs::remove_file(&self.log);
        let path = format!(
            "{}:{}",
            self.shims.path().display(),
            std::env::var("PATH").expect("PATH")
        );
        let out = common::launchgate()
            .env("PATH", path)
            .env_remove("LAUNCHGATE_CACHE_DIR")
            .arg("check")
            .arg(self.repo.path())
            .args(["--format", "json"])
            .args(extra)
            .output()
            .expect("runs");
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let findings = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| {
                f["rule"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("scripts/"))
            })
            .cloned()
            .collect();
        let calls = std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("-n "))
            .count();
        (calls, findings)
    }

    fn cache_arg(&self) -> [String; 2] {
        [
            "--cache-dir".into(),
            self.cache.path().display().to_string(),
        ]
    }

    fn with_cache(&self) -> (usize, Vec<Value>) {
        let arg = self.cache_arg();
        self.check(&[&arg[0], &arg[1]])
    }
}

fn syntax_errors(findings: &[Value]) -> Vec<(String, u64)> {
    findings
        .iter()
        .filter(|f| f["rule"] == "scripts/syntax-error")
        .map(|f| {
            (
                f["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["location"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_second_run_parses_nothing_and_reports_the_same_findings() {
    let s = setup();
    let (first_calls, first) = s.with_cache();
    assert_eq!(first_calls, 3, "every script is parsed on a cold cache");
    assert_eq!(
        syntax_errors(&first),
        vec![("scripts/backfill.sh".to_string(), 6)]
    );
    assert!(s.cache.path().join("bash-syntax-v1.json").is_file());

    let (second_calls, second) = s.with_cache();
    assert_eq!(second_calls, 0, "nothing changed: no bash -n at all");
    assert_eq!(first, second, "cached verdicts give identical findings");
}

#[test]
fn a_changed_or_moved_script_is_parsed_again() {
    let s = setup();
    s.with_cache();
    let fixed = s.repo.path().join("scripts/backfill.sh");
    std::fs::write(
        &fixed,
        "#!/usr/bin/env bash\nset -euo pipefail\nif true; then\n  echo start\nfi\n",
    )
    .expect("fix the script");
    let (calls, findings) = s.with_cache();
    assert_eq!(calls, 1, "only the changed script");
    assert_eq!(syntax_errors(&findings), vec![]);

    // Same contents at a new path: bash's messages name the path, so it is a new verdict.
    std::fs::copy(
        s.repo.path().join("scripts/deploy.sh"),
        s.repo.path().join("scripts/deploy-copy.sh"),
    )
    .expect("copy");
    let (calls, _) = s.with_cache();
    assert_eq!(calls, 1, "only the copy");
}

#[test]
fn no_cache_parses_everything_and_writes_nothing() {
    let s = setup();
    let arg = s.cache_arg();
    let (calls, findings) = s.check(&[&arg[0], &arg[1], "--no-cache"]);
    assert_eq!(calls, 3);
    assert_eq!(syntax_errors(&findings).len(), 1);
    assert!(!s.cache.path().join("bash-syntax-v1.json").exists());
}

#[test]
fn a_corrupt_cache_is_ignored_and_replaced() {
    let s = setup();
    let file = s.cache.path().join("bash-syntax-v1.json");
    std::fs::write(&file, "{ not json").expect("corrupt cache");
    let (calls, findings) = s.with_cache();
    assert_eq!(calls, 3);
    assert_eq!(
        syntax_errors(&findings),
        vec![("scripts/backfill.sh".to_string(), 6)]
    );
    let text = std::fs::read_to_string(&file).expect("rewritten");
    let parsed: Value = serde_json::from_str(&text).expect("valid JSON again");
    assert_eq!(parsed["entries"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(s.with_cache().0, 0);
}

#[test]
fn the_cache_holds_no_script_text_or_env_values() {
    let s = setup();
    let secret = "hunter2-canary-b9c1";
    std::fs::write(
        s.repo.path().join("scripts/secret.sh"),
        format!("#!/usr/bin/env bash\nexport TOKEN='{secret}'\nif then\n"),
    )
    .expect("script");
    s.with_cache();
    let text = std::fs::read_to_string(s.cache.path().join("bash-syntax-v1.json")).expect("cache");
    assert!(!text.contains(secret));
    assert!(!text.contains("deploying"));
}
