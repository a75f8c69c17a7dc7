//! `launchgate test`: policy unit tests that read like the policy's contract.
//!
//! A case file (`*.test.toml`) holds cases; each gives a repository (inline files, or a
//! fixture folder relative to the case file) and the findings it expects from the rules it
//! is about: rule id, location (`file:line:col`) and optionally message text. Findings of
//! other rules are ignored, so a case tests one rule's contract.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::check::{self, CheckOptions};

/// Built-in policy cases, embedded at build time from `policies/tests/*.test.toml`.
pub use crate::policy::BUILTIN_CASES;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// The rules this case is about (default: the rules named in `expect`).
    #[serde(default)]
    rules: Vec<String>,
    /// Inline repository: path → content.
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// A fixture folder, relative to the case file.
    fixture: Option<String>,
    /// Inline `launchgate.toml` for the case.
    config: Option<String>,
    #[serde(default)]
    expect: Vec<Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    /// `file:line:col` (or `file:line`).
    at: String,
    /// A substring the message must contain.
    message: Option<String>,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    /// Empty when the case passed.
    pub failure: Option<String>,
}

/// Run the cases of one case file. `base` resolves fixture folders; `policy_dirs` are loaded
/// on top of the built-ins.
pub fn run_case_file(
    file_name: &str,
    text: &str,
    base: &Path,
    policy_dirs: &[(PathBuf, String)],
) -> Vec<CaseResult> {
    let parsed: CaseFile = match toml::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            return vec![CaseResult {
                name: file_name.to_string(),
                failure: Some(format!("the case file does not parse: {}", e.message())),
            }]
        }
    };
    parsed
        .case
        .into_iter()
        .map(|case| {
            let name = format!("{file_name}::{}", case.name);
            let failure = run_case(&case, base, policy_dirs).err();
            CaseResult { name, failure }
        })
        .collect()
}

fn run_case(case: &Case, base: &Path, policy_dirs: &[(PathBuf, String)]) -> Result<(), String> {
    let temp = tempdir()?;
    let root = match &case.fixture {
        Some(f) => base.join(f),
        None => {
            for (path, content) in &case.files {
                let full = temp.path().join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
                }
                std::fs::write(&full, content).map_err(|e| e.to_string())?;
            }
            if let Some(cfg) = &case.config {
                std::fs::write(temp.path().join("launchgate.toml"), cfg)
                    .map_err(|e| e.to_string())?;
            }
            temp.path().to_path_buf()
        }
    };
    let opts = CheckOptions {
        root,
        extra_policy_dirs: policy_dirs.to_vec(),
        ..Default::default()
    };
    let outcome = check::run(&opts).map_err(|e| format!("check failed: {e}"))?;
    let rules: Vec<&str> = if case.rules.is_empty() {
        case.expect.iter().map(|e| e.rule.as_str()).collect()
    } else {
        case.rules.iter().map(String::as_str).collect()
    };
    let actual: Vec<(String, String, String)> = outcome
        .findings
        .iter()
        .filter(|f| rules.contains(&f.rule.as_str()) || f.rule == crate::rules::POLICY_ERROR)
        .map(|f| {
            let l = &f.location;
            (
                f.rule.clone(),
                format!("{}:{}:{}", l.file, l.line, l.column),
                f.message.clone(),
            )
        })
        .collect();
    let matches = |e: &Expected, a: &(String, String, String)| {
        let at_ok = if e.at.matches(':').count() >= 2 {
            a.1 == e.at
        } else {
            a.1.starts_with(&format!("{}:", e.at))
        };
        e.rule == a.0 && at_ok && e.message.as_ref().is_none_or(|m| a.2.contains(m.as_str()))
    };
    let mut unmatched: Vec<&(String, String, String)> = actual.iter().collect();
    let mut missing = Vec::new();
    for e in &case.expect {
        match unmatched.iter().position(|a| matches(e, a)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(e),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("expected:\n");
    for e in &case.expect {
        let m = e
            .message
            .as_deref()
            .map(|m| format!(" (message contains {m:?})"))
            .unwrap_or_default();
        msg.push_str(&format!("  {} {}{m}\n", e.rule, e.at));
    }
    if case.expect.is_empty() {
        msg.push_str(&format!("  no findings of {}\n", rules.join(", ")));
    }
    msg.push_str("actual:\n");
    for a in &actual {
        msg.push_str(&format!("  {} {}: {}\n", a.0, a.1, a.2));
    }
    if actual.is_empty() {
        msg.push_str("  no findings\n");
    }
    Err(msg)
}

fn tempdir() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("launchgate-case-")
        .tempdir()
        .map_err(|e| e.to_string())
}

/// Run every case: the built-in ones, or the `*.test.toml` files of `dir` (with `dir`'s
/// policies loaded). Returns the results in order.
pub fn run(dir: Option<&Path>) -> Vec<CaseResult> {
    let mut results = Vec::new();
    match dir {
        None => {
            let base = std::env::current_dir().unwrap_or_default();
            for (name, text) in BUILTIN_CASES {
                results.extend(run_case_file(name, text, &base, &[]));
            }
        }
        Some(dir) => {
            let display = dir.display().to_string();
            let policy_dirs = vec![(dir.to_path_buf(), display.trim_end_matches('/').to_string())];
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                .unwrap_or_default();
            files.extend(
                std::fs::read_dir(dir.join("tests"))
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .map(|e| e.path())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            );
            files.retain(|p| p.to_string_lossy().ends_with(".test.toml"));
            files.sort();
            for f in files {
                let name = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
                match std::fs::read_to_string(&f) {
                    Ok(text) => {
                        let base = f.parent().unwrap_or(dir).to_path_buf();
                        results.extend(run_case_file(&name, &text, &base, &policy_dirs));
                    }
                    Err(e) => results.push(CaseResult {
                        name,
                        failure: Some(format!("unreadable: {e}")),
                    }),
                }
            }
        }
    }
    results
}

/// Print results like `cargo test`; returns true when every case passed.
/// The report of a run, cargo-test style, and whether every case passed. The caller prints
/// it (so that a closed standard output is handled in one place, the CLI).
pub fn render(results: &[CaseResult]) -> (String, bool) {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "\nrunning {} cases", results.len());
    for r in results {
        let _ = writeln!(
            s,
            "test {} ... {}",
            r.name,
            if r.failure.is_some() { "FAILED" } else { "ok" }
        );
    }
    let failed: Vec<&CaseResult> = results.iter().filter(|r| r.failure.is_some()).collect();
    if !failed.is_empty() {
        let _ = writeln!(s, "\nfailures:\n");
        for r in &failed {
            let _ = writeln!(
                s,
                "---- {} ----\n{}",
                r.name,
                r.failure.as_deref().unwrap_or("")
            );
        }
    }
    let passed = results.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    let _ = writeln!(
        s,
        "\ntest result: {verdict}. {passed} passed; {} failed\n",
        failed.len()
    );
    let _ = writeln!(s, "{passed} passed, {} failed", failed.len());
    (s, failed.is_empty())
}
