//! What a person reads: the default human report stays short on a repository with many
//! warnings, `--verbose` shows everything, `--quiet` only errors and the verdict, `concise`
//! one clickable line per finding, `--color` is obeyed; and baselines (`launchgate baseline`,
//! `check --baseline`) let only new findings block. Every fingerprint is unique.

mod common;
use common::launchgate;

use std::path::Path;

/// A repository with one error and many warnings of one rule: a runbook naming 40 machine-
/// local paths (warnings) and one broken link (an error).
fn noisy_repo() -> tempfile::TempDir {
    let mut runbook = String::from("# Restore runbook\n\nSee [the checklist](checklist.md).\n\n");
    for i in 0..40 {
        runbook.push_str(&format!(
            "{i}. Copy the dump from `/Users/alex/dumps/part-{i}.sql` to the bastion.\n"
        ));
    }
    common::tree(&[("docs/RESTORE.md", &runbook)])
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = launchgate()
        .arg("check")
        .args(args)
        .arg(dir)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_default_report_shows_errors_in_full_and_counts_the_rest_of_the_warnings() {
    let repo = noisy_repo();
    let (code, short) = run(repo.path(), &[]);
    assert_eq!(code, Some(1), "{short}");
    assert!(short.contains("docs/broken-link"), "{short}");
    assert!(
        short.contains("37 more warnings not shown: docs/machine-local-path (37)"),
        "{short}"
    );
    assert!(short.contains("--verbose"), "{short}");
    // The rule's help is printed once, not once per finding.
    assert_eq!(short.matches("help:").count(), 2, "{short}");
    let (_, long) = run(repo.path(), &["--verbose"]);
    assert!(!long.contains("more warnings not shown"), "{long}");
    assert!(long.contains("part-39.sql"), "{long}");
    let (short_lines, long_lines) = (short.lines().count(), long.lines().count());
    assert!(
        short_lines * 4 < long_lines,
        "default {short_lines} lines vs verbose {long_lines}"
    );
}

#[test]
fn quiet_keeps_errors_and_the_verdict() {
    let repo = noisy_repo();
    let (code, out) = run(repo.path(), &["--quiet"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("docs/broken-link"), "{out}");
    assert!(!out.contains("machine-local-path"), "{out}");
    assert!(!out.contains("Summary"), "{out}");
    assert_eq!(
        out.trim_end().lines().last(),
        Some("NO-GO: 1 error, 40 warnings"),
        "{out}"
    );
}

#[test]
fn concise_is_one_clickable_line_per_finding() {
    let repo = noisy_repo();
    let (code, out) = run(repo.path(), &["--format", "concise"]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 42, "{out}");
    assert!(
        lines[0].starts_with("docs/RESTORE.md:3:21: error docs/broken-link "),
        "{out}"
    );
    let shape = regex::Regex::new(r"^[^:]+:\d+:\d+: (error|warning) [a-z-]+/[a-z-]+ \S").unwrap();
    for line in &lines[..41] {
        assert!(shape.is_match(line), "{line}");
    }
    assert_eq!(lines[41], "NO-GO: 1 error, 40 warnings");
    let (_, quiet) = run(repo.path(), &["--format", "concise", "--quiet"]);
    assert_eq!(quiet.lines().count(), 2, "{quiet}");
}

#[test]
fn color_is_obeyed_on_and_off() {
    let repo = noisy_repo();
    let (_, on) = run(repo.path(), &["--color", "always"]);
    assert!(
        on.contains("\u{1b}["),
        "no escape codes with --color always"
    );
    let (_, off) = run(repo.path(), &["--color", "never"]);
    assert!(!off.contains('\u{1b}'), "escape codes with --color never");
}

#[test]
fn a_baseline_lets_only_new_findings_block() {
    let repo = noisy_repo();
    let baseline = repo.path().join("launchgate-baseline.json");
    let out = launchgate()
        .args(["baseline", "--output"])
        .arg(&baseline)
        .arg(repo.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let recorded = std::fs::read_to_string(&baseline).expect("written");
    assert!(
        recorded.contains("\"launchgate_baseline\": 1"),
        "{recorded}"
    );

    // Everything known: GO, and the report says so.
    let base = ["--baseline", baseline.to_str().expect("utf-8")];
    let (code, out) = run(repo.path(), &base);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("41 findings are in it"), "{out}");
    assert_eq!(
        out.trim_end().lines().last(),
        Some("GO (41 in the baseline)"),
        "{out}"
    );

    // A new broken link blocks; a fixed one is reported as gone from the baseline.
    let runbook = repo.path().join("docs/RESTORE.md");
    let text = std::fs::read_to_string(&runbook).expect("read");
    let text = text.replace(
        "[the checklist](checklist.md)",
        "[the checklist](CHECKLIST.md)",
    ) + "\nThen read [the rollback plan](rollback.md).\n";
    std::fs::write(&runbook, text).expect("write");
    std::fs::write(repo.path().join("docs/CHECKLIST.md"), "# Checklist\n").expect("write");
    let (code, out) = run(repo.path(), &base);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("rollback.md"), "{out}");
    assert!(
        out.contains("1 baseline entry no longer found (fixed)"),
        "{out}"
    );
    assert!(
        out.contains("fixed since the baseline: docs/broken-link docs/RESTORE.md:3"),
        "{out}"
    );
    assert!(
        out.contains("NO-GO: 1 error, 0 warnings (40 in the baseline)"),
        "{out}"
    );
}

#[test]
fn every_result_has_its_own_fingerprint() {
    // The same stale path on several lines, the same machine-local path twice: results that
    // share rule, file and subject must still not share a fingerprint (GitHub would merge
    // them into one alert, and a baseline entry would hide a new copy).
    let runbook = "# Ops\n\nRun `scripts/gone.sh` first.\n\nThen `scripts/gone.sh` again.\n\nAnd `scripts/gone.sh` once more.\n\nLogs: `/home/sam/logs` and `/home/sam/logs`.\n";
    let repo = common::tree(&[("RUNBOOK.md", runbook), ("scripts/.keep", "")]);
    for dir in [
        repo.path().to_path_buf(),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/credity"),
    ] {
        let out = launchgate()
            .args(["check", "--format", "sarif"])
            .arg(&dir)
            .output()
            .expect("runs");
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
        let results = sarif["runs"][0]["results"].as_array().expect("results");
        assert!(results.len() >= 3, "{dir:?}: {results:?}");
        let mut seen = std::collections::HashSet::new();
        for r in results {
            let fp = r["partialFingerprints"]["launchgate/v1"]
                .as_str()
                .expect("fp");
            assert!(
                seen.insert(fp.to_string()),
                "{dir:?}: fingerprint {fp} repeated"
            );
        }
    }
}
